// MODULE: no native extensions load here, but the command answers as Valkey's does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';
const logLines: string[] = [];
let srv: RunningServer;
let locked: RunningServer;
let r: Valkey;
let rl: Valkey;
const dir = mkdtempSync(join(tmpdir(), 'peregrine-module-'));

before(async () => {
  srv = await startServer({ config: { 'enable-module-command': 'yes', loglevel: 'notice' }, logSink: (l) => logLines.push(l) });
  locked = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false });
  rl = new Valkey({ port: locked.port, lazyConnect: false });
});

after(async () => {
  r.disconnect();
  rl.disconnect();
  await srv.close();
  await locked.close();
  rmSync(dir, { recursive: true, force: true });
});

async function err(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error reply');
}

/** Log lines written since `from` (an index into logLines). */
function logSince(from: number): string {
  return logLines.slice(from).join('\n');
}

test('MODULE HELP lists Valkey\'s subcommands', async () => {
  assert.deepEqual(await r.call('MODULE', 'HELP'), [
    'MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'LIST',
    '    Return a list of loaded modules.',
    'LOAD <path> [<arg> ...]',
    '    Load a module library from <path>, passing to it any optional arguments.',
    'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
    '    Load a module library from <path>, while passing it module configurations and optional arguments.',
    'UNLOAD <name>',
    '    Unload a module.',
    'HELP',
    '    Print this help.',
  ]);
});

test('MODULE LIST is empty', async () => {
  assert.deepEqual(await r.call('MODULE', 'LIST'), []);
  assert.equal(await err(r.call('MODULE', 'LIST', 'x')), "ERR wrong number of arguments for 'module|list' command");
});

test('MODULE LOAD / LOADEX always fail, logging why', async () => {
  let at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'LOAD', join(dir, 'missing.so'), 'a', 'b')), LOAD_FAILED);
  assert.match(logSince(at), /Module .*missing\.so failed to load: native modules are not supported by Peregrine/);

  // A file with no execute permission is named as such, like Valkey's check before dlopen.
  const plain = join(dir, 'plain.so');
  writeFileSync(plain, 'not a library');
  chmodSync(plain, 0o644);
  at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'LOAD', plain)), LOAD_FAILED);
  assert.match(logSince(at), /Module .*plain\.so failed to load: It does not have execute permissions\./);

  at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'LOADEX', plain, 'CONFIG', 'name', 'value', 'ARGS', '1', '2')), LOAD_FAILED);
  assert.match(logSince(at), /does not have execute permissions/);
  at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'LOADEX', plain, 'CONFIG', 'name')), LOAD_FAILED);
  assert.match(logSince(at), /CONFIG specified without name value pair/);
  at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'LOADEX', plain, 'bogus')), LOAD_FAILED);
  assert.match(logSince(at), /Syntax Error from arguments to loadex around bogus\./);
  assert.equal(await err(r.call('MODULE', 'LOAD')), "ERR wrong number of arguments for 'module|load' command");
});

test('MODULE UNLOAD of a name that is not loaded', async () => {
  const at = logLines.length;
  assert.equal(await err(r.call('MODULE', 'UNLOAD', 'mymodule')), 'ERR Error unloading module: no such module with that name');
  assert.match(logSince(at), /Error unloading module mymodule: no such module with that name/);
});

test('unknown subcommands; LOAD, LOADEX and UNLOAD need enable-module-command, HELP and LIST do not', async () => {
  assert.equal(await err(r.call('MODULE', 'FOO')), "ERR unknown subcommand 'FOO'. Try MODULE HELP.");
  const denied = 'ERR MODULE command not allowed. If the enable-module-command option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.';
  assert.equal(await err(rl.call('MODULE', 'LOAD', '/x.so')), denied);
  assert.equal(await err(rl.call('MODULE', 'LOADEX', '/x.so')), denied);
  assert.equal(await err(rl.call('MODULE', 'UNLOAD', 'x')), denied);
  assert.deepEqual(await rl.call('MODULE', 'LIST'), []);
  assert.equal((await rl.call('MODULE', 'HELP') as string[]).length, 11);
});

test('MODULE is a no-script command: scripts may not call LIST', async () => {
  assert.match(await err(r.call('EVAL', "return server.call('module', 'list')", '0')),
    /This Redis command is not allowed from script/);
});
