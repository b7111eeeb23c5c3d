#!/usr/bin/env node
// peregrine-server [configfile] [--name value ...] — behaves like valkey-server.
import { Server } from './server/server.js';
import { ConfigLoadError } from './server/config.js';
import { signalShutdown } from './persistence/manager.js';
import { PEREGRINE_VERSION, VALKEY_VERSION } from './version.js';

const args = process.argv.slice(2);
if (args[0] === '-v' || args[0] === '--version') {
  console.log(`Peregrine server v=${PEREGRINE_VERSION} (Valkey ${VALKEY_VERSION} compatible)`);
  process.exit(0);
}
if (args[0] === '-h' || args[0] === '--help') {
  console.log('Usage: peregrine-server [/path/to/valkey.conf] [options] [-]\n' +
    '       peregrine-server - (read config from stdin)\n' +
    '       peregrine-server -v or --version\n' +
    '       peregrine-server -h or --help\n\n' +
    'Examples:\n' +
    '       peregrine-server (run the server with default config)\n' +
    '       peregrine-server /etc/valkey/6379.conf\n' +
    '       peregrine-server --port 7777\n' +
    '       peregrine-server /etc/myvalkey.conf --loglevel verbose');
  process.exit(0);
}
let configFile: string | undefined;
let rest = args;
if (args.length > 0 && !args[0]!.startsWith('-')) {
  configFile = args[0];
  rest = args.slice(1);
}

let server: Server;
try {
  server = new Server({ configFile, argv: rest, exitOnShutdown: true });
} catch (e) {
  if (e instanceof ConfigLoadError) {
    process.stderr.write(e.message.endsWith('\n') ? e.message : e.message + '\n');
    process.exit(1);
  }
  throw e;
}
server.start().catch((e: Error) => {
  process.stderr.write(`Failed to start: ${e.message}\n`);
  process.exit(1);
});
let signalled = false;
const onSignal = (sig: 'SIGTERM' | 'SIGINT') => {
  if (signalled && sig === 'SIGINT') {
    server.log.warning('You insist... exiting now.');
    process.exit(1);
  }
  signalled = true;
  server.log.warning(`Received ${sig} scheduling shutdown...`);
  // Saves first when save points exist; a failed save keeps the server running.
  void signalShutdown(server, sig).then((ok) => { if (!ok) signalled = false; });
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));
