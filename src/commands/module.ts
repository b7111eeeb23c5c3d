// MODULE: Peregrine runs no native extensions, so the module list is always empty and loading
// always fails (with the reply and the kind of log line Valkey gives for a library it cannot
// load). HELP, LIST, LOAD, LOADEX and UNLOAD answer as Valkey's do.
import { statSync } from 'node:fs';
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { isArg } from './util.js';
import { replyHelp } from './server.js';

const LOAD_FAILED = 'ERR Error loading the extension. Please check the server logs.';

function moduleHelp(c: Client): void {
  replyHelp(c, [
    'LIST',
    '    Return a list of loaded modules.',
    'LOAD <path> [<arg> ...]',
    '    Load a module library from <path>, passing to it any optional arguments.',
    'LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]',
    '    Load a module library from <path>, while passing it module configurations and optional arguments.',
    'UNLOAD <name>',
    '    Unload a module.',
  ]);
}

/** Logs why the library at `path` is not loaded (always: no native extensions here). */
function refuseLoad(c: Client, path: string): void {
  const log = c.server.log;
  try {
    // Like Valkey, a file without any execute permission bit is named as the reason.
    if ((statSync(path).mode & 0o111) === 0) {
      log.warning(`Module ${path} failed to load: It does not have execute permissions.`);
      return;
    }
  } catch {
    // A missing file falls through to the general reason.
  }
  log.warning(`Module ${path} failed to load: native modules are not supported by Peregrine`);
}

function moduleLoad(c: Client, argv: Buffer[]): void {
  refuseLoad(c, argv[2]!.toString());
  c.w.error(LOAD_FAILED);
}

/** LOADEX: the arguments are checked as Valkey checks them (a problem is logged) before loading. */
function moduleLoadex(c: Client, argv: Buffer[]): void {
  const log = c.server.log;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!;
    if (isArg(a, 'config')) {
      if (i + 2 >= argv.length) {
        log.notice('CONFIG specified without name value pair');
        c.w.error(LOAD_FAILED);
        return;
      }
      i += 2;
    } else if (isArg(a, 'args')) {
      break;
    } else {
      log.notice(`Syntax Error from arguments to loadex around ${a.toString()}.`);
      c.w.error(LOAD_FAILED);
      return;
    }
  }
  refuseLoad(c, argv[2]!.toString());
  c.w.error(LOAD_FAILED);
}

function moduleUnload(c: Client, argv: Buffer[]): void {
  const why = 'no such module with that name';
  c.w.error(`ERR Error unloading module: ${why}`);
  c.server.log.warning(`Error unloading module ${argv[2]!.toString()}: ${why}`);
}

export function registerModule(r: Registry): void {
  r.handle('module|help', moduleHelp);
  r.handle('module|list', (c) => c.w.arr(0));
  r.handle('module|load', moduleLoad);
  r.handle('module|loadex', moduleLoadex);
  r.handle('module|unload', moduleUnload);
}
