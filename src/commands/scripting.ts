// EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (LOAD, EXISTS, FLUSH, KILL, SHOW, DEBUG, HELP).
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { parseInt64 } from '../util/number.js';
import { scripting, type CachedScript } from '../scripting/scripting.js';
import { prepareRun } from '../scripting/engine.js';
import { replyHelp } from './server.js';

/** Parses numkeys; replies and returns null when invalid. */
export function numKeysArg(c: Client, argv: Buffer[], badErr: string): number | null {
  const n = parseInt64(argv[2]!);
  if (n === null) { c.w.error(badErr); return null; }
  if (n > argv.length - 3) { c.w.error(E.numkeysGreater); return null; }
  if (n < 0) { c.w.error(E.numkeysNegative); return null; }
  return n;
}

function evalGeneric(c: Client, argv: Buffer[], isSha: boolean, ro: boolean): void {
  const s = c.server;
  // Scripts' commands appear in MONITOR after the script command itself.
  if (s.monitors.size > 0) s.feedMonitors(c, argv);
  if (isSha && argv[1]!.length !== 40) { c.w.error(E.noScriptShort); return; }
  const numkeys = numKeysArg(c, argv, E.notInteger);
  if (numkeys === null) return;
  const st = scripting(s);
  let sc: CachedScript | string | undefined;
  if (isSha) {
    sc = st.scripts.get(argv[1]!.latin1Slice(0, 40).toLowerCase());
    if (sc === undefined) { c.w.error(E.noScriptShort); return; }
  } else {
    sc = st.createScript(argv[1]!, false);
    if (typeof sc === 'string') { c.w.error(sc); return; }
  }
  const run = prepareRun(st, st.evalEngine, c, sc.sha, sc.flags, ro, true);
  if (run === null) return;
  const keys = argv.slice(3, 3 + numkeys);
  const args = argv.slice(3 + numkeys);
  st.execute(run, sc.fn, keys, args);
  st.touch(sc);
}

const SCRIPT_HELP = [
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined',
  '     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'SHOW <sha1>',
  '    Show a script from the scripts cache.',
];

function scriptFlush(c: Client, argv: Buffer[]): void {
  if (argv.length > 3 || (argv.length === 3 && !isArg(argv[2]!, 'sync') && !isArg(argv[2]!, 'async'))) {
    c.w.error(E.scriptFlushOption);
    return;
  }
  scripting(c.server).flushScripts();
  c.w.ok();
}

function scriptExists(c: Client, argv: Buffer[]): void {
  const st = scripting(c.server);
  c.w.arr(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    c.w.int(st.scripts.has(a.latin1Slice(0, a.length).toLowerCase()) ? 1 : 0);
  }
}

function scriptLoad(c: Client, argv: Buffer[]): void {
  const sc = scripting(c.server).createScript(argv[2]!, true);
  if (typeof sc === 'string') { c.w.error(sc); return; }
  c.w.bulk(sc.sha);
}

function scriptShow(c: Client, argv: Buffer[]): void {
  const a = argv[2]!;
  const sc = a.length === 40 ? scripting(c.server).scripts.get(a.latin1Slice(0, 40).toLowerCase()) : undefined;
  if (!sc) { c.w.error(E.noScriptShort); return; }
  c.w.bulk(sc.body);
}

function scriptDebug(c: Client, argv: Buffer[]): void {
  const a = argv[2]!;
  if (isArg(a, 'no')) { c.w.ok(); return; }
  if (isArg(a, 'yes') || isArg(a, 'sync')) {
    // The Lua debugger (LDB) is not implemented.
    c.w.error('ERR SCRIPT DEBUG is not supported by this server');
    return;
  }
  c.w.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
}

export function registerScripting(r: Registry): void {
  r.handle('eval', (c, argv) => evalGeneric(c, argv, false, false));
  r.handle('evalsha', (c, argv) => evalGeneric(c, argv, true, false));
  r.handle('eval_ro', (c, argv) => evalGeneric(c, argv, false, true));
  r.handle('evalsha_ro', (c, argv) => evalGeneric(c, argv, true, true));
  r.handle('script|flush', scriptFlush);
  r.handle('script|exists', scriptExists);
  r.handle('script|load', scriptLoad);
  r.handle('script|show', scriptShow);
  r.handle('script|kill', (c) => scripting(c.server).kill(c, true));
  r.handle('script|debug', scriptDebug);
  r.handle('script|help', (c) => replyHelp(c, SCRIPT_HELP));
}
