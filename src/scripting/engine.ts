// The scripting engine: Lua states for EVAL scripts and for FUNCTION libraries, the `server` /
// `redis` API table, the sandbox (read-only globals, no access to undefined globals), script runs
// and the commands they call.
//
// A script's redis.call goes through the server's own dispatcher `call()` on a client that has no
// socket (one per engine, like Valkey's script clients), so statistics, keyspace events, MONITOR
// and propagation behave as for any command; the reply bytes that client accumulated are parsed
// into a Lua value (convert.ts).
import { performance } from 'node:perf_hooks';
import { createHash } from 'node:crypto';
import { LuaState } from '../lua/state.js';
import { chunks } from '../lua/runtime.js';
import { openAll } from '../lua/lib/index.js';
import { EMPTY, LuaError, LuaTable, LuaUncatchable, numberToString, type LuaFunction, type LuaValue } from '../lua/value.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { call, resolveCommand } from '../server/dispatch.js';
import { aclQuiet } from '../commands/acl.js';
import { CMD, type Command } from '../commands/registry.js';
import { E } from '../errors.js';
import { debugSettings } from '../commands/debug.js';
import { usedMemory } from '../server/info.js';
import { REDIS_VERSION, VALKEY_VERSION } from '../version.js';
import { errorTable, IGNORE_STATS, respToLua, writeLuaReply } from './convert.js';
import type { Writer } from '../protocol/writer.js';

// ------------------------------------------------------------------ flags

export const SCRIPT_FLAG_NO_WRITES = 1;
export const SCRIPT_FLAG_ALLOW_OOM = 2;
export const SCRIPT_FLAG_ALLOW_STALE = 4;
export const SCRIPT_FLAG_NO_CLUSTER = 8;
export const SCRIPT_FLAG_EVAL_COMPAT_MODE = 16;
export const SCRIPT_FLAG_ALLOW_CROSS_SLOT = 32;

/** Declared script flags, in Valkey's order (FUNCTION LIST shows them in this order). */
export const SCRIPT_FLAGS: Array<[number, string]> = [
  [SCRIPT_FLAG_NO_WRITES, 'no-writes'],
  [SCRIPT_FLAG_ALLOW_OOM, 'allow-oom'],
  [SCRIPT_FLAG_ALLOW_STALE, 'allow-stale'],
  [SCRIPT_FLAG_NO_CLUSTER, 'no-cluster'],
  [SCRIPT_FLAG_ALLOW_CROSS_SLOT, 'allow-cross-slot-keys'],
];

/** A command's flags once a script's declared flags are known (Valkey's scriptFlagsToCmdFlags). */
export function scriptFlagsToCmdFlags(cmdFlags: number, scriptFlags: number): number {
  let f = cmdFlags & ~(CMD.stale | CMD.denyoom | CMD.write);
  if (!(scriptFlags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) f |= CMD.denyoom;
  if (!(scriptFlags & SCRIPT_FLAG_NO_WRITES)) f |= CMD.write;
  if (scriptFlags & SCRIPT_FLAG_ALLOW_STALE) f |= CMD.stale;
  return f & ~CMD.may_replicate;
}

// run flags
const RUN_WRITE_DIRTY = 1;
const RUN_TIMEDOUT = 8;
const RUN_KILLED = 16;
const RUN_READ_ONLY = 32;
const RUN_ALLOW_OOM = 64;
const RUN_EVAL_MODE = 128;

export const PROPAGATE_AOF = 1;
export const PROPAGATE_REPL = 2;

export const LL_DEBUG = 0, LL_VERBOSE = 1, LL_NOTICE = 2, LL_WARNING = 3;

export function sha1hex(data: Uint8Array | string): string {
  return createHash('sha1').update(typeof data === 'string' ? Buffer.from(data, 'latin1') : data).digest('hex');
}

// ------------------------------------------------------------------ PRNG (Valkey's lrand48)

/** The 48-bit linear congruential generator Valkey gives scripts (same sequence on every platform). */
class Rand48 {
  private x = 0x1234abcd330en;
  seed(v: number): void {
    this.x = ((BigInt.asUintN(32, BigInt(v | 0)) << 16n) | 0x330en) & 0xffffffffffffn;
  }
  next(): number {
    this.x = (this.x * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
    return Number(this.x >> 17n);
  }
}
const RAND48_MAX = 2147483647;

// ------------------------------------------------------------------ error locations

interface ErrLoc { source: string; line: string }
/** Where an error table was raised (Valkey's error handler adds source/line to the table). */
const errLocations = new WeakMap<LuaTable, ErrLoc>();

function parseWhere(w: string): ErrLoc | null {
  const m = /^([^:]*):(\d+):/.exec(w);
  if (m === null) return null;
  return { source: '@' + m[1], line: m[2]! };
}

function luaToString(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined': return 'nil';
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return numberToString(v);
    case 'string': return v;
    case 'function': return 'function: builtin';
    default: return v instanceof LuaTable ? 'table' : 'userdata';
  }
}

// ------------------------------------------------------------------ run context

/** One script or function run (Valkey's scriptRunCtx). */
export class ScriptRun {
  flags = 0;
  repl = PROPAGATE_AOF | PROPAGATE_REPL;
  readonly start = performance.now();
  /** Used memory exceeded maxmemory when the run started. */
  oomAtStart = false;
  constructor(readonly engine: LuaEngine, readonly caller: Client, readonly fake: Client, readonly name: string) {}
  get isEval(): boolean { return (this.flags & RUN_EVAL_MODE) !== 0; }
  get timedOut(): boolean { return (this.flags & RUN_TIMEDOUT) !== 0; }
  get durationMs(): number { return Math.floor(performance.now() - this.start); }
}

/** Scripting state of one server: the engines and the run in progress. */
export interface ScriptingHost {
  readonly s: Server;
  run: ScriptRun | null;
  /** Called periodically while a script runs (busy detection, SCRIPT KILL). */
  interrupt(run: ScriptRun): void;
}

// ------------------------------------------------------------------ the Lua engine

export type EngineMode = 'eval' | 'function';

const scriptClients = new WeakSet<Client>();
/** True for the clients scripts run their commands on. */
export function isScriptClient(c: Client): boolean { return scriptClients.has(c); }

/**
 * A Lua state with the server API and the sandbox. EVAL and FUNCTION each own one, as in Valkey.
 */
export class LuaEngine {
  L!: LuaState;
  /** The real globals (read-only, error on access to undefined names). */
  G!: LuaTable;
  /** Function mode: the empty globals scripts see, whose metatable __index is switched between
   * the library-registration API (during FUNCTION LOAD) and G (during calls). */
  private fnGlobalsMeta: LuaTable | null = null;
  private libraryApi: LuaTable | null = null;
  readonly fake: Client;
  private readonly rand = new Rand48();
  /** Set while FUNCTION LOAD runs the library code: receives register_function calls. */
  loadCtx: { register: (name: LuaValue, cb: LuaValue, desc: string | null, flags: number) => string | null; start: number; timeout: number } | null = null;
  private inCall = false;

  constructor(readonly host: ScriptingHost, readonly mode: EngineMode) {
    this.fake = host.s.fakeClient();
    scriptClients.add(this.fake);
    this.fake.denyBlocking = true;
    this.init();
  }

  /** (Re)creates the Lua state (SCRIPT FLUSH). */
  init(): void {
    const L = new LuaState();
    openAll(L);
    this.L = L;
    const G = L.globals;
    this.G = G;
    // Forbidden globals.
    for (const k of ['print', 'loadfile', 'dofile', 'debug', 'require', 'module', 'package', 'io']) G.set(k, undefined);
    // os: only os.clock.
    const os = new LuaTable();
    const osOrig = G.get('os');
    const clock = osOrig instanceof LuaTable ? osOrig.get('clock') : undefined;
    os.set('clock', typeof clock === 'function' ? clock : (() => [process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6]) as LuaFunction);
    G.set('os', os);
    // pcall returns the error text of error tables (Redis 6 behaviour kept by Valkey).
    const basePcall = G.get('pcall');
    if (typeof basePcall === 'function') {
      G.set('pcall', ((...args: LuaValue[]) => {
        const r = basePcall(...args);
        if (r[0] === false && r[1] instanceof LuaTable) {
          const e = r[1].get('err');
          if (typeof e === 'string') return [false, e];
        }
        return r;
      }) as LuaFunction);
    }
    // error(table): remember where it was raised for the error reply.
    const baseError = G.get('error');
    if (typeof baseError === 'function') {
      G.set('error', ((...args: LuaValue[]) => {
        const v = args[0];
        if (v instanceof LuaTable) {
          if (!errLocations.has(v)) {
            const loc = parseWhere(this.where());
            if (loc) errLocations.set(v, loc);
          }
          throw new LuaError(v);
        }
        const level = args.length > 1 ? Number(args[1]) : 1;
        if (level === 1 && (typeof v === 'string' || typeof v === 'number')) {
          // This wrapper is a library frame itself: the position is the innermost Lua frame's.
          const pos = this.where();
          throw new LuaError((pos ? pos + ' ' : '') + (typeof v === 'number' ? numberToString(v) : v));
        }
        return baseError(...args);
      }) as LuaFunction);
    }
    const api = this.serverApi();
    G.set('server', api);
    G.set('redis', api);
    // math.random / math.randomseed as Valkey's.
    const math = G.get('math');
    if (math instanceof LuaTable) {
      math.set('random', ((...a: LuaValue[]) => this.mathRandom(a)) as LuaFunction);
      math.set('randomseed', ((...a: LuaValue[]) => {
        this.rand.seed(this.checkInt(a, 0, 'randomseed'));
        return EMPTY;
      }) as LuaFunction);
    }
    if (this.mode === 'eval') {
      api.set('breakpoint', (() => [false]) as LuaFunction);
      api.set('debug', (() => EMPTY) as LuaFunction);
      api.set('replicate_commands', (() => [true]) as LuaFunction);
    }
    setErrorMetatable(L, G);
    protectRecursively(G);
    if (this.mode === 'function') {
      // The library-registration API: server.register_function, log and version fields only.
      const lib = new LuaTable();
      const srv = new LuaTable();
      srv.set('register_function', ((...a: LuaValue[]) => this.registerFunction(a)) as LuaFunction);
      this.addLog(srv);
      addVersion(srv);
      setErrorMetatable(L, srv);
      lib.set('server', srv);
      lib.set('redis', srv);
      setErrorMetatable(L, lib);
      protectRecursively(lib);
      this.libraryApi = lib;
      const globals = new LuaTable();
      const mt = new LuaTable();
      mt.set('__index', G);
      mt.readonly = true;
      globals.metatable = mt;
      globals.readonly = true;
      this.fnGlobalsMeta = mt;
      L.globals = globals;
    }
    // The interrupt hook (busy scripts, SCRIPT KILL, FUNCTION LOAD timeout).
    L.onBudget = () => this.onBudget();
    // Check the clock every ~10k loop iterations / calls (a few microseconds of pure Lua).
    L.hookEvery = 10000;
    L.budget = 10000;
  }

  /** "chunk:line:" of the innermost Lua function on the stack (the one that called into us). */
  where(): string {
    return luaPosition();
  }

  private onBudget(): void {
    const ld = this.loadCtx;
    if (ld !== null) {
      if (ld.timeout > 0 && performance.now() - ld.start > ld.timeout) {
        throw new LuaUncatchable(this.located(errorTable('FUNCTION LOAD timeout')));
      }
      return;
    }
    const run = this.host.run;
    if (run === null || run.engine !== this) return;
    this.host.interrupt(run);
    if (run.flags & RUN_KILLED) {
      const msg = run.isEval ? 'Script killed by user with SCRIPT KILL.' : 'Script killed by user with FUNCTION KILL.';
      this.host.s.log.notice(msg);
      throw new LuaUncatchable(this.located(errorTable(msg)));
    }
  }

  private located(t: LuaTable): LuaTable {
    const loc = parseWhere(this.where());
    if (loc) errLocations.set(t, loc);
    return t;
  }

  /** Raises a Lua error table (what redis.call and the API functions raise). */
  raise(t: LuaTable): never {
    throw new LuaError(this.located(t));
  }

  private checkInt(a: LuaValue[], i: number, fname: string): number {
    const v = a[i];
    let n: number | undefined;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) n = Number(v);
    if (n === undefined) {
      const got = v === undefined ? 'no value' : typeof v === 'string' ? 'string' : v instanceof LuaTable ? 'table' : typeof v === 'boolean' ? 'boolean' : typeof v;
      this.L.error(`bad argument #${i + 1} to '${fname}' (number expected, got ${got})`, 1);
    }
    return n! | 0;
  }

  private mathRandom(a: LuaValue[]): LuaValue[] {
    const r = (this.rand.next() % RAND48_MAX) / RAND48_MAX;
    switch (a.length) {
      case 0: return [r];
      case 1: {
        const u = this.checkInt(a, 0, 'random');
        if (!(1 <= u)) this.L.error("bad argument #1 to 'random' (interval is empty)", 1);
        return [Math.floor(r * u) + 1];
      }
      case 2: {
        const l = this.checkInt(a, 0, 'random');
        const u = this.checkInt(a, 1, 'random');
        if (!(l <= u)) this.L.error("bad argument #2 to 'random' (interval is empty)", 1);
        return [Math.floor(r * (u - l + 1)) + l];
      }
      default: return this.L.error('wrong number of arguments', 1);
    }
  }

  private addLog(t: LuaTable): void {
    t.set('log', ((...a: LuaValue[]) => {
      if (a.length < 2) this.raise(errorTable('server.log() requires two arguments or more.'));
      const lv = a[0];
      const level = typeof lv === 'number' ? lv : typeof lv === 'string' && lv.trim() !== '' && !Number.isNaN(Number(lv)) ? Number(lv) : NaN;
      if (Number.isNaN(level)) this.raise(errorTable('First argument must be a number (log level).'));
      const lvl = Math.trunc(level);
      if (lvl < LL_DEBUG || lvl > LL_WARNING) this.raise(errorTable('Invalid log level.'));
      const parts: string[] = [];
      for (let j = 1; j < a.length; j++) {
        const v = a[j];
        if (typeof v === 'string') parts.push(v);
        else if (typeof v === 'number') parts.push(numberToString(v));
      }
      this.host.s.log.log(lvl, Buffer.from(parts.join(' '), 'latin1').toString('utf8'));
      return EMPTY;
    }) as LuaFunction);
    t.set('LOG_DEBUG', LL_DEBUG);
    t.set('LOG_VERBOSE', LL_VERBOSE);
    t.set('LOG_NOTICE', LL_NOTICE);
    t.set('LOG_WARNING', LL_WARNING);
  }

  private serverApi(): LuaTable {
    const t = new LuaTable();
    t.set('call', ((...a: LuaValue[]) => this.command(a, true)) as LuaFunction);
    t.set('pcall', ((...a: LuaValue[]) => this.command(a, false)) as LuaFunction);
    this.addLog(t);
    addVersion(t);
    t.set('setresp', ((...a: LuaValue[]) => {
      const run = this.current();
      if (a.length !== 1) this.raise(errorTable('server.setresp() requires one argument.'));
      const v = typeof a[0] === 'number' ? a[0] : Number(a[0]);
      const resp = Math.trunc(v);
      if (resp !== 2 && resp !== 3) this.raise(errorTable('RESP version must be 2 or 3.'));
      run.fake.resp = resp;
      return EMPTY;
    }) as LuaFunction);
    t.set('sha1hex', ((...a: LuaValue[]) => {
      if (a.length !== 1) this.raise(errorTable('wrong number of arguments'));
      const v = a[0];
      const s = typeof v === 'string' ? v : typeof v === 'number' ? numberToString(v) : '';
      return [sha1hex(s)];
    }) as LuaFunction);
    t.set('error_reply', ((...a: LuaValue[]) => {
      if (a.length !== 1 || typeof a[0] !== 'string') return [errorTable('wrong number or type of arguments')];
      const s = a[0];
      return [errorTable(s.startsWith('-') ? s : '-' + s)];
    }) as LuaFunction);
    t.set('status_reply', ((...a: LuaValue[]) => {
      if (a.length !== 1 || typeof a[0] !== 'string') return [errorTable('wrong number or type of arguments')];
      const r = new LuaTable();
      r.set('ok', a[0]);
      return [r];
    }) as LuaFunction);
    t.set('set_repl', ((...a: LuaValue[]) => {
      const run = this.current();
      if (a.length !== 1) this.raise(errorTable('server.set_repl() requires one argument.'));
      const v = typeof a[0] === 'number' ? Math.trunc(a[0]) : Number(a[0]) | 0;
      if ((v & ~(PROPAGATE_AOF | PROPAGATE_REPL)) !== 0 || Number.isNaN(v)) {
        this.raise(errorTable('Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.'));
      }
      run.repl = v;
      return EMPTY;
    }) as LuaFunction);
    t.set('REPL_NONE', 0);
    t.set('REPL_AOF', PROPAGATE_AOF);
    t.set('REPL_SLAVE', PROPAGATE_REPL);
    t.set('REPL_REPLICA', PROPAGATE_REPL);
    t.set('REPL_ALL', PROPAGATE_AOF | PROPAGATE_REPL);
    t.set('acl_check_cmd', ((...a: LuaValue[]) => {
      const run = this.current();
      const argv = this.toArgv(a);
      const s = this.host.s;
      const cmd = resolveCommand(s, argv);
      if (typeof cmd === 'string') this.raise(errorTable('Invalid command passed to server.acl_check_cmd()'));
      const acl = s.hooks.acl;
      if (!acl) return [true];
      const saveUser = run.fake.user;
      run.fake.user = run.caller.user;
      aclQuiet.on = true;
      try {
        return [acl(run.fake, cmd as Command, argv) === null];
      } finally {
        aclQuiet.on = false;
        run.fake.user = saveUser;
      }
    }) as LuaFunction);
    return t;
  }

  private current(): ScriptRun {
    const run = this.host.run;
    if (run === null || run.engine !== this) this.raise(errorTable('This function can only be called from a script run'));
    return run!;
  }

  /** Lua arguments to a command vector; raises "Command arguments must be strings or integers". */
  private toArgv(a: LuaValue[]): Buffer[] {
    if (a.length === 0) this.raise(errorTable('Please specify at least one argument for this call'));
    const argv: Buffer[] = new Array(a.length);
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (typeof v === 'string') argv[i] = Buffer.from(v, 'latin1');
      else if (typeof v === 'number') argv[i] = Buffer.from(numArg(v), 'latin1');
      else this.raise(errorTable('Command arguments must be strings or integers'));
    }
    return argv;
  }

  /** redis.call (raise=true) / redis.pcall. */
  private command(a: LuaValue[], raise: boolean): LuaValue[] {
    const run = this.current();
    let argv: Buffer[];
    if (a.length === 0) {
      const t = errorTable('Please specify at least one argument for this call');
      if (raise) this.raise(t);
      return [t];
    }
    try {
      argv = this.toArgv(a);
    } catch (e) {
      if (!raise && e instanceof LuaError && e.value instanceof LuaTable) return [e.value];
      throw e;
    }
    if (this.inCall) {
      const t = errorTable('luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua debug hooks?');
      return [t];
    }
    this.inCall = true;
    let result: LuaValue;
    try {
      result = scriptCall(this.host, run, argv);
    } finally {
      this.inCall = false;
    }
    if (raise && result instanceof LuaTable && typeof result.get('err') === 'string') this.raise(result);
    return [result];
  }

  // ---------------------------------------------------------------- functions: registration

  private registerFunction(a: LuaValue[]): LuaValue[] {
    const ld = this.loadCtx;
    if (ld === null) this.raise(errorTable('server.register_function can only be called on FUNCTION LOAD command'));
    if (a.length < 1 || a.length > 2) this.raise(errorTable('wrong number of arguments to server.register_function'));
    let name: LuaValue, cb: LuaValue, desc: string | null = null, flags = 0;
    if (a.length === 1) {
      const t = a[0];
      if (!(t instanceof LuaTable)) {
        this.raise(errorTable('calling server.register_function with a single argument is only applicable to Lua table (representing named arguments).'));
      }
      const tb = t as LuaTable;
      let gotName = false, gotCb = false;
      for (let e = tb.next(undefined); e !== undefined; e = tb.next(e[0])) {
        const [k, v] = e;
        if (typeof k !== 'string' && typeof k !== 'number') this.raise(errorTable('named argument key given to server.register_function is not a string'));
        const key = (typeof k === 'number' ? numberToString(k) : k as string).toLowerCase();
        if (key === 'function_name') {
          if (typeof v !== 'string' && typeof v !== 'number') this.raise(errorTable('function_name argument given to server.register_function must be a string'));
          name = typeof v === 'number' ? numberToString(v) : v; gotName = true;
        } else if (key === 'description') {
          if (typeof v !== 'string' && typeof v !== 'number') this.raise(errorTable('description argument given to server.register_function must be a string'));
          desc = typeof v === 'number' ? numberToString(v) : v as string;
        } else if (key === 'callback') {
          if (typeof v !== 'function') this.raise(errorTable('callback argument given to server.register_function must be a function'));
          cb = v; gotCb = true;
        } else if (key === 'flags') {
          if (!(v instanceof LuaTable)) this.raise(errorTable('flags argument to server.register_function must be a table representing function flags'));
          const f = readFlags(v as LuaTable);
          if (f === null) this.raise(errorTable('unknown flag given'));
          flags = f!;
        } else {
          this.raise(errorTable('unknown argument given to server.register_function'));
        }
      }
      if (!gotName) this.raise(errorTable('server.register_function must get a function name argument'));
      if (!gotCb) this.raise(errorTable('server.register_function must get a callback argument'));
    } else {
      const n = a[0];
      if (typeof n !== 'string' && typeof n !== 'number') this.raise(errorTable('first argument to server.register_function must be a string'));
      name = typeof n === 'number' ? numberToString(n) : n;
      if (typeof a[1] !== 'function') this.raise(errorTable('second argument to server.register_function must be a function'));
      cb = a[1];
    }
    const err = ld!.register(name, cb, desc, flags);
    if (err !== null) this.raise(errorTable(err));
    return EMPTY;
  }

  /**
   * Runs library code with the registration API as globals. Returns an error text or null.
   */
  loadLibrary(code: string, timeoutMs: number, register: (name: LuaValue, cb: LuaValue, desc: string | null, flags: number) => string | null): string | null {
    const L = this.L;
    let fn: LuaFunction;
    try {
      fn = L.load(code, '@user_function');
    } catch (e) {
      return `Error compiling function: ${errText(e)}`;
    }
    const mt = this.fnGlobalsMeta!;
    setRaw(mt, '__index', this.libraryApi!);
    this.loadCtx = { register, start: performance.now(), timeout: timeoutMs };
    const budget = L.hookEvery;
    try {
      L.call(fn, []);
      return null;
    } catch (e) {
      if (!(e instanceof LuaError)) {
        if (e instanceof RangeError) return `Error registering functions: ERR stack overflow`;
        throw e;
      }
      const v = e.value;
      const msg = v instanceof LuaTable ? luaToString(v.get('err')) : 'ERR ' + luaToString(v);
      return `Error registering functions: ${msg}`;
    } finally {
      this.loadCtx = null;
      L.hookEvery = budget;
      setRaw(mt, '__index', this.G);
    }
  }

  /**
   * Calls a compiled script (EVAL: no arguments, KEYS/ARGV as globals) or a function callback
   * (FCALL: KEYS and ARGV as arguments) and writes the result or the error to the caller.
   */
  callScript(run: ScriptRun, fn: LuaFunction, keys: Buffer[], args: Buffer[]): void {
    const L = this.L;
    const keysT = stringsTable(keys);
    const argsT = stringsTable(args);
    const c = run.caller;
    let res: LuaValue[];
    try {
      if (run.isEval) {
        this.G.set('KEYS', keysT);
        this.G.set('ARGV', argsT);
        res = L.call(fn, []);
      } else {
        res = L.call(fn, [keysT, argsT]);
      }
    } catch (e) {
      this.replyError(run, e);
      return;
    }
    // Error tables returned by the script are "custom" errors for the error statistics.
    const s = this.host.s;
    writeLuaReply(c.w, res[0], run.fake.resp, (w, msg, noStats) => {
      if (noStats) { rawError(w, msg, true); return; }
      rawError(w, msg, true);
      s.countError(msg, true);
    });
  }

  private replyError(run: ScriptRun, e: unknown): void {
    let t: LuaTable;
    let loc: ErrLoc | null = null;
    if (e instanceof LuaError) {
      const v = e.value;
      if (v instanceof LuaTable) {
        t = v;
        loc = errLocations.get(v) ?? null;
      } else {
        const text = luaToString(v);
        t = new LuaTable();
        t.set('err', 'ERR ' + text);
        loc = parseWhere(text);
      }
    } else if (e instanceof RangeError) {
      t = new LuaTable();
      t.set('err', 'ERR stack overflow');
    } else {
      throw e;
    }
    const errv = t.get('err');
    let msg = typeof errv === 'string' ? errv : luaToString(errv);
    if (loc === null) {
      const src = t.get('source'), line = t.get('line');
      if ((typeof src === 'string') && (typeof line === 'string' || typeof line === 'number')) loc = { source: src, line: luaToString(line) };
    }
    // Otherwise the innermost Lua frame where the error was raised (from its JS stack).
    if (loc === null && e instanceof Error) loc = parseWhere(stackPosition(e));
    if (loc !== null) msg += ` script: ${run.name}, on ${loc.source}:${loc.line}.`;
    rawError(run.caller.w, msg, t.get(IGNORE_STATS) === true);
  }
}

/** Writes "-msg" (msg carries its own code); without updating error statistics when noStats. */
function rawError(w: Writer, msg: string, noStats: boolean): void {
  if (!noStats) { w.error(msg); return; }
  const clean = msg.includes('\r') || msg.includes('\n') ? msg.replace(/[\r\n]/g, ' ') : msg;
  w.raw(Buffer.from(`-${clean}\r\n`, 'latin1'));
  w.errors++;
}

/** "chunk:line:" of the innermost compiled Lua frame on the JS stack ('' when none). */
function luaPosition(): string {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] | undefined;
  try {
    Error.prepareStackTrace = (_e, st) => st;
    Error.stackTraceLimit = 40;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, luaPosition);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  if (!sites) return '';
  for (const cs of sites) {
    const url = cs.getScriptNameOrSourceURL?.() ?? cs.getFileName() ?? '';
    const ref = chunks.get(url) as unknown;
    const ch = (ref instanceof WeakRef ? ref.deref() : ref) as { lineMap: Int32Array; name: string } | undefined;
    if (ch === undefined) continue;
    const jl = cs.getLineNumber() ?? 0;
    const map = ch.lineMap;
    const line = jl < map.length ? map[jl]! : (map.length > 0 ? map[map.length - 1]! : 0);
    if (line > 0) return `${ch.name}:${line}:`;
  }
  return '';
}

/** "chunk:line:" of the innermost compiled Lua frame in an error's recorded stack ('' when none). */
function stackPosition(e: Error): string {
  const st = typeof e.stack === 'string' ? e.stack : '';
  const re = /(lua@\d+):(\d+):\d+/g;
  for (let m = re.exec(st); m !== null; m = re.exec(st)) {
    const ref = chunks.get(m[1]!) as unknown;
    const ch = (ref instanceof WeakRef ? ref.deref() : ref) as { lineMap: Int32Array; name: string } | undefined;
    if (ch === undefined) continue;
    const jl = Number(m[2]);
    const line = jl < ch.lineMap.length ? ch.lineMap[jl]! : 0;
    if (line > 0) return `${ch.name}:${line}:`;
  }
  return '';
}

function errText(e: unknown): string {
  if (e instanceof LuaError) return luaToString(e.value);
  return (e as Error).message;
}

function setRaw(t: LuaTable, k: string, v: LuaValue): void {
  const ro = t.readonly;
  t.readonly = false;
  t.set(k, v);
  t.readonly = ro;
}

function stringsTable(list: Buffer[]): LuaTable {
  const arr: LuaValue[] = new Array(list.length);
  for (let i = 0; i < list.length; i++) arr[i] = list[i]!.latin1Slice(0, list[i]!.length);
  return LuaTable.fromArray(arr);
}

/** A Lua number as a command argument: integers exactly, other values in shortest form. */
function numArg(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
    return Number.isSafeInteger(n) ? String(n) : BigInt(n).toString();
  }
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  const s = String(n);
  return s.replace('e+', 'e+').replace(/e(-?)(\d)$/, 'e$10$2');
}

function readFlags(t: LuaTable): number | null {
  let flags = 0;
  for (let j = 1; ; j++) {
    const v = t.get(j);
    if (v === undefined) break;
    if (typeof v !== 'string' && typeof v !== 'number') return null;
    const s = (typeof v === 'number' ? numberToString(v) : v).toLowerCase();
    const f = SCRIPT_FLAGS.find(([, n]) => n === s);
    if (!f) return null;
    flags |= f[0];
  }
  return flags;
}

function addVersion(t: LuaTable): void {
  const num = (v: string) => {
    const [a, b, c] = v.split('.').map((x) => Number(x) | 0) as [number, number, number];
    return (a << 16) | (b << 8) | c;
  };
  t.set('REDIS_VERSION_NUM', num(REDIS_VERSION));
  t.set('REDIS_VERSION', REDIS_VERSION);
  t.set('VALKEY_VERSION_NUM', num(VALKEY_VERSION));
  t.set('VALKEY_VERSION', VALKEY_VERSION);
  t.set('SERVER_NAME', 'valkey');
}

/** A metatable whose __index raises "Script attempted to access nonexistent global variable". */
function setErrorMetatable(L: LuaState, t: LuaTable): void {
  const mt = new LuaTable();
  mt.set('__index', ((_t: LuaValue, k: LuaValue) => {
    const name = typeof k === 'string' ? k : typeof k === 'number' ? numberToString(k) : '?';
    return L.error(`Script attempted to access nonexistent global variable '${name}'`, 1);
  }) as LuaFunction);
  t.metatable = mt;
}

/** Marks t, every table reachable from it and their metatables read-only. */
function protectRecursively(t: LuaTable): void {
  if (t.readonly) return;
  t.readonly = true;
  for (let e = t.next(undefined); e !== undefined; e = t.next(e[0])) {
    if (e[1] instanceof LuaTable) protectRecursively(e[1]);
  }
  if (t.metatable) protectRecursively(t.metatable);
}

// ------------------------------------------------------------------ commands called by scripts

const E_SCRIPT = {
  unknownCommand: 'Unknown command called from script',
  arity: 'Wrong number of args calling command from script',
  noScript: 'This Redis command is not allowed from script',
  readOnly: 'Write commands are not allowed from read-only scripts.',
  aclFailure: 'ACL failure in script: ',
};

/** Runs one command for a script: Valkey's scriptCall checks, then the dispatcher's call(). */
export function scriptCall(host: ScriptingHost, run: ScriptRun, argv: Buffer[]): LuaValue {
  const s = host.s;
  const fake = run.fake;
  const resolved = resolveCommand(s, argv);
  let cmd: Command | null = typeof resolved === 'string' ? null : resolved;
  if (cmd !== null && cmd.subcommands !== null && argv.length >= 2) cmd = null;
  const reject = (err: string, counted: Command | null): LuaValue => {
    const t = errorTable(err);
    // Rejections count like the dispatcher's (error statistics, rejected_calls).
    s.countError(t.get('err') as string);
    if (counted) counted.rejected++;
    t.set(IGNORE_STATS, true);
    return t;
  };
  if (cmd === null || (cmd.arity > 0 && cmd.arity !== argv.length) || argv.length < -cmd.arity || cmd.handler === null) {
    if (cmd === null) return reject(E_SCRIPT.unknownCommand, null);
    return reject(E_SCRIPT.arity, cmd);
  }
  const flags = cmd.flags;
  if (flags & CMD.noscript && !debugSettings(s).disableDenyScripts) return reject(E_SCRIPT.noScript, cmd);
  fake.user = run.caller.user;
  const acl = s.hooks.acl;
  if (acl) {
    const err = acl(fake, cmd, argv);
    if (err) return reject(E_SCRIPT.aclFailure + err.replace(/^\S+ /, ''), cmd);
  }
  if (run.flags & RUN_READ_ONLY && flags & (CMD.write | CMD.may_replicate)) return reject(E_SCRIPT.readOnly, cmd);
  if (flags & CMD.write && !(run.flags & RUN_WRITE_DIRTY)) {
    // MISCONF (a failed save or AOF write) stops the first write, not one after the script wrote.
    const disk = s.hooks.diskError ? s.hooks.diskError(run.caller) : null;
    if (disk) return reject('-' + disk, cmd);
    // A read-only replica: a script's first write is refused as a client's would be.
    const ro = s.hooks.readonly ? s.hooks.readonly(run.caller, cmd, argv) : null;
    if (ro) return reject('-' + ro, cmd);
    if (s.lacksGoodReplicas()) return reject('-' + E.noReplicas, cmd);
  }
  if (!(run.flags & RUN_ALLOW_OOM) && s.maxmemory > 0 && !(run.flags & RUN_WRITE_DIRTY) && run.oomAtStart && flags & CMD.denyoom) {
    return reject('-' + E.oom, cmd);
  }
  if (flags & CMD.write) run.flags |= RUN_WRITE_DIRTY;
  const w = fake.w;
  const mark = w.length;
  // redis.set_repl: where this command's effects go (AOF, replicas, both or neither).
  const prop = s.propagator;
  const targetsBefore = prop.targets;
  prop.targets = run.repl;
  try {
    call(s, fake, cmd, argv);
  } finally {
    prop.targets = targetsBefore;
  }
  const buf = w.buf!;
  const v = w.length > mark ? respToLua(buf, mark, w.length) : undefined;
  w.truncate(mark);
  return v;
}

/** Checks and sets up a run (Valkey's scriptPrepareForRun). Replies and returns null on refusal. */
export function prepareRun(host: ScriptingHost, engine: LuaEngine, caller: Client, name: string, scriptFlags: number, ro: boolean, isEval: boolean): ScriptRun | null {
  const s = host.s;
  const oom = s.maxmemory > 0 && usedMemory(s) > s.maxmemory;
  if (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT_MODE)) {
    if (!(scriptFlags & SCRIPT_FLAG_NO_WRITES)) {
      const disk = s.hooks.diskError ? s.hooks.diskError(caller) : null;
      if (disk) {
        const aofPrefix = E.aofMisconf('');
        caller.w.error(disk.startsWith(aofPrefix) ? E.scriptMisconfAof(disk.slice(aofPrefix.length)) : E.scriptMisconfRdb);
        return null;
      }
      if (ro) { caller.w.error(E.scriptWriteOnRo); return null; }
      if (s.lacksGoodReplicas()) { caller.w.error(E.noReplicas); return null; }
    }
    if (oom && !(scriptFlags & (SCRIPT_FLAG_ALLOW_OOM | SCRIPT_FLAG_NO_WRITES))) {
      caller.w.error(E.scriptOom);
      return null;
    }
  }
  const run = new ScriptRun(engine, caller, engine.fake, name);
  run.oomAtStart = oom;
  const fake = engine.fake;
  fake.db = caller.db;
  fake.resp = 2;
  // The script's commands are the caller's as far as the slow log is concerned.
  fake.name = caller.name;
  (fake as { addr: string }).addr = caller.addr;
  if (ro || (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT_MODE) && scriptFlags & SCRIPT_FLAG_NO_WRITES)) run.flags |= RUN_READ_ONLY;
  if (!(scriptFlags & SCRIPT_FLAG_EVAL_COMPAT_MODE) && scriptFlags & SCRIPT_FLAG_ALLOW_OOM) run.flags |= RUN_ALLOW_OOM;
  if (isEval) run.flags |= RUN_EVAL_MODE;
  return run;
}

export const RUN = { WRITE_DIRTY: RUN_WRITE_DIRTY, TIMEDOUT: RUN_TIMEDOUT, KILLED: RUN_KILLED, EVAL_MODE: RUN_EVAL_MODE };
