// FUNCTION (LOAD, LIST, DELETE, FLUSH, DUMP, RESTORE, STATS, KILL, HELP), FCALL and FCALL_RO.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { parseInt64 } from '../util/number.js';
import { stringMatchBuf } from '../util/glob.js';
import { scripting, FunctionsCtx, LOAD_TIMEOUT_MS, type Library } from '../scripting/scripting.js';
import { prepareRun } from '../scripting/engine.js';
import { numKeysArg } from './scripting.js';
import { replyHelp } from './server.js';
import { Crc64 } from '../persistence/crc64.js';
import {
  RdbOut, RdbReader, RDB_OPCODE_FUNCTION2, RDB_OPCODE_FUNCTION_PRE_GA, RDB_VERSION, verifyDumpPayload, rdbFunctionHooks,
} from '../persistence/rdb.js';

function functionLoad(c: Client, argv: Buffer[]): void {
  let replace = false;
  let i = 2;
  for (; i < argv.length - 1; i++) {
    if (isArg(argv[i]!, 'replace')) { replace = true; continue; }
    c.w.error(`ERR Unknown option given: ${argv[i]!.toString('latin1')}`);
    return;
  }
  if (i >= argv.length) { c.w.error('ERR Function code is missing'); return; }
  const st = scripting(c.server);
  // Libraries replayed from the AOF (a client without a socket) load without a time limit.
  const timeout = c.socket === null ? 0 : LOAD_TIMEOUT_MS;
  const res = st.createLibrary(argv[i]!, replace, st.fctx, timeout);
  if ('err' in res) { c.w.error('ERR ' + res.err); return; }
  c.server.ks.dirty++;
  c.w.bulk(res.name);
}

function functionList(c: Client, argv: Buffer[]): void {
  let withCode = false;
  let pattern: Buffer | null = null;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (!withCode && isArg(a, 'withcode')) { withCode = true; continue; }
    if (pattern === null && isArg(a, 'libraryname')) {
      if (i >= argv.length - 1) { c.w.error('ERR library name argument was not given'); return; }
      pattern = argv[++i]!;
      continue;
    }
    c.w.error(`ERR Unknown argument ${a.toString('latin1')}`);
    return;
  }
  const st = scripting(c.server);
  const libs: Library[] = [];
  for (const li of st.fctx.libraries.values()) {
    if (pattern !== null && !stringMatchBuf(pattern, Buffer.from(li.name, 'latin1'), true)) continue;
    libs.push(li);
  }
  const w = c.w;
  w.arr(libs.length);
  for (const li of libs) {
    w.map(withCode ? 4 : 3);
    w.bulk('library_name');
    w.bulkLatin1(li.name);
    w.bulk('engine');
    w.bulk('LUA');
    w.bulk('functions');
    w.arr(li.functions.size);
    for (const fi of li.functions.values()) {
      w.map(3);
      w.bulk('name');
      w.bulkLatin1(fi.name);
      w.bulk('description');
      if (fi.desc === null) w.nil(); else w.bulkLatin1(fi.desc);
      w.bulk('flags');
      const names = st.flagNames(fi.flags);
      w.set(names.length);
      for (const n of names) w.simple(n);
    }
    if (withCode) {
      w.bulk('library_code');
      w.bulk(li.code);
    }
  }
}

function functionDelete(c: Client, argv: Buffer[]): void {
  const st = scripting(c.server);
  const li = st.fctx.libraries.get(argv[2]!.latin1Slice(0, argv[2]!.length));
  if (!li) { c.w.error(E.libraryNotFound); return; }
  st.fctx.unlink(li);
  c.server.ks.dirty++;
  c.w.ok();
}

function functionFlush(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1').slice(0, 128), 'function')); return; }
  if (argv.length === 3 && !isArg(argv[2]!, 'sync') && !isArg(argv[2]!, 'async')) {
    c.w.error(E.functionFlushOption);
    return;
  }
  scripting(c.server).fctx.clear();
  c.server.ks.dirty++;
  c.w.ok();
}

function functionDump(c: Client): void {
  const out = new RdbOut(256);
  rdbFunctionHooks.save?.(c.server, out, c.server.config.bool('rdbcompression'));
  out.u16le(RDB_VERSION);
  const body = out.take();
  const crc = new Crc64().update(body).bytes();
  c.w.bulk(Buffer.concat([body, crc]));
}

/** Loads function records from a DUMP payload into a fresh set; returns it or an error text. */
function parseFunctionsPayload(s: Server, p: Buffer): FunctionsCtx | string {
  const ctx = new FunctionsCtx();
  const st = scripting(s);
  const r = new RdbReader(p, p.length - 10);
  try {
    while (r.pos < p.length - 10) {
      const type = r.byte();
      if (type === RDB_OPCODE_FUNCTION_PRE_GA) return 'Pre-GA function format not supported';
      if (type !== RDB_OPCODE_FUNCTION2) return 'given type is not a function';
      const code = Buffer.from(r.str());
      const res = st.createLibrary(code, false, ctx, 0);
      if ('err' in res) return res.err;
    }
  } catch {
    return 'failed loading the given functions payload';
  }
  return ctx;
}

function functionRestore(c: Client, argv: Buffer[]): void {
  if (argv.length > 4) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1').slice(0, 128), 'function')); return; }
  let policy: 'append' | 'replace' | 'flush' = 'append';
  if (argv.length === 4) {
    const a = argv[3]!;
    if (isArg(a, 'append')) policy = 'append';
    else if (isArg(a, 'replace')) policy = 'replace';
    else if (isArg(a, 'flush')) policy = 'flush';
    else { c.w.error(E.functionRestorePolicy); return; }
  }
  const p = argv[2]!;
  const ver = verifyDumpPayload(p);
  if (typeof ver === 'string') { c.w.error(E.dumpPayload); return; }
  const s = c.server;
  const st = scripting(s);
  const ctx = parseFunctionsPayload(s, p);
  if (typeof ctx === 'string') { c.w.error('ERR ' + ctx); return; }
  if (policy === 'flush') {
    st.fctx = ctx;
  } else {
    const err = st.joinLibraries(ctx, policy === 'replace');
    if (err !== null) { c.w.error('ERR ' + err); return; }
  }
  s.ks.dirty++;
  c.w.ok();
}

function functionStats(c: Client): void {
  const st = scripting(c.server);
  const run = st.run;
  if (run !== null && run.isEval) { c.w.error(E.busy); return; }
  const w = c.w;
  w.map(2);
  w.bulk('running_script');
  if (run === null) w.nil();
  else {
    w.map(3);
    w.bulk('name');
    w.bulkLatin1(run.name);
    w.bulk('command');
    const argv = run.caller.argv;
    w.arr(argv.length);
    for (const a of argv) w.bulk(a);
    w.bulk('duration_ms');
    w.int(run.durationMs);
  }
  w.bulk('engines');
  w.map(1);
  w.bulk('LUA');
  w.map(2);
  w.bulk('libraries_count');
  w.int(st.fctx.libraries.size);
  w.bulk('functions_count');
  w.int(st.fctx.functions.size);
}

function fcallGeneric(c: Client, argv: Buffer[], ro: boolean): void {
  const s = c.server;
  if (s.monitors.size > 0) s.feedMonitors(c, argv);
  const st = scripting(s);
  const fi = st.fctx.functions.get(argv[1]!.latin1Slice(0, argv[1]!.length).toLowerCase());
  if (!fi) { c.w.error(E.functionNotFound); return; }
  const numkeys = numKeysArg(c, argv, E.badNumkeys);
  if (numkeys === null) return;
  const run = prepareRun(st, st.fnEngine, c, fi.name, fi.flags, ro, false);
  if (run === null) return;
  st.execute(run, fi.fn, argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys));
}

const FUNCTION_HELP = [
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
];

export function registerFunctions(r: Registry): void {
  r.handle('function|load', functionLoad);
  r.handle('function|list', functionList);
  r.handle('function|delete', functionDelete);
  r.handle('function|flush', functionFlush);
  r.handle('function|dump', (c) => functionDump(c));
  r.handle('function|restore', functionRestore);
  r.handle('function|stats', (c) => functionStats(c));
  r.handle('function|kill', (c) => scripting(c.server).kill(c, false));
  r.handle('function|help', (c) => replyHelp(c, FUNCTION_HELP));
  r.handle('fcall', (c, argv) => fcallGeneric(c, argv, false));
  r.handle('fcall_ro', (c, argv) => fcallGeneric(c, argv, true));
}
