// Per-server scripting state: the EVAL script cache, the function libraries, the run in progress,
// and the server hooks scripting needs (busy gate, flags of EVAL/FCALL from the script's declared
// flags, INFO fields, functions in RDB files).
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { CMD, type Command } from '../commands/registry.js';
import { E } from '../errors.js';
import { LuaEngine, RUN, ScriptRun, scriptFlagsToCmdFlags, sha1hex, SCRIPT_FLAG_EVAL_COMPAT_MODE, SCRIPT_FLAGS, type ScriptingHost } from './engine.js';
import { pollClients } from './busy.js';
import { registerInfoFields, onResetStats, usedMemory } from '../server/info.js';
import { rdbFunctionHooks, RDB_OPCODE_FUNCTION2 } from '../persistence/rdb.js';
import { splitArgsBuf } from '../util/splitargs.js';
import type { LuaFunction, LuaValue } from '../lua/value.js';
import { timeFreeze } from '../server/dispatch.js';
import { perServer } from '../server/per-server.js';

export interface CachedScript {
  sha: string;
  body: Buffer;
  flags: number;
  fn: LuaFunction;
  /** Added by EVAL (evictable); false once SCRIPT LOAD loaded it. */
  evictable: boolean;
}

export interface FunctionInfo { name: string; fn: LuaFunction; desc: string | null; flags: number; lib: Library }
export interface Library { name: string; code: Buffer; functions: Map<string, FunctionInfo> }

/** A set of libraries (the current one, or one being restored/loaded before it is joined). */
export class FunctionsCtx {
  readonly libraries = new Map<string, Library>();
  /** Lower-cased function name -> function (FCALL is case-insensitive). */
  readonly functions = new Map<string, FunctionInfo>();
  get functionsCount(): number { return this.functions.size; }
  link(li: Library): void {
    for (const fi of li.functions.values()) this.functions.set(fi.name.toLowerCase(), fi);
    this.libraries.set(li.name, li);
  }
  unlink(li: Library): void {
    for (const fi of li.functions.values()) this.functions.delete(fi.name.toLowerCase());
    this.libraries.delete(li.name);
  }
  clear(): void { this.libraries.clear(); this.functions.clear(); }
}

const LRU_LIMIT = 500;
export const LOAD_TIMEOUT_MS = 500;

export class Scripting implements ScriptingHost {
  run: ScriptRun | null = null;
  private evalEng: LuaEngine | null = null;
  private fnEng: LuaEngine | null = null;
  readonly scripts = new Map<string, CachedScript>();
  /** EVAL-created scripts in LRU order (oldest first). */
  private readonly lru = new Map<string, true>();
  evictedScripts = 0;
  scriptsBodyBytes = 0;
  fctx = new FunctionsCtx();
  private lastPoll = 0;
  private shutdownRequested = false;

  constructor(readonly s: Server) {}

  get evalEngine(): LuaEngine { return (this.evalEng ??= new LuaEngine(this, 'eval')); }
  get fnEngine(): LuaEngine { return (this.fnEng ??= new LuaEngine(this, 'function')); }

  // ---------------------------------------------------------------- busy scripts

  interrupt(run: ScriptRun): void {
    const now = performance.now();
    if (!(run.flags & RUN.TIMEDOUT)) {
      const threshold = this.s.config.num('busy-reply-threshold');
      if (threshold <= 0) return;
      const elapsed = now - run.start;
      if (elapsed < threshold) return;
      this.s.log.warning(`Slow script detected: still in execution after ${Math.floor(elapsed)} milliseconds. You can try killing the script using the ${run.isEval ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${run.name}.`);
      run.flags |= RUN.TIMEDOUT;
      this.lastPoll = 0;
    }
    if (now - this.lastPoll < 1) return;
    this.lastPoll = now;
    if (pollClients(this.s, run.caller)) {
      this.shutdownRequested = true;
      run.flags |= RUN.KILLED;
    }
  }

  /** BUSY error for commands not allowed while a timed-out script runs. */
  busyError(cmd: Command): string | null {
    const run = this.run;
    if (run === null || !(run.flags & RUN.TIMEDOUT) || cmd.flags & CMD.allow_busy) return null;
    return run.isEval ? E.busy : E.busyFunction;
  }

  /** SCRIPT KILL (isEval) / FUNCTION KILL. */
  kill(c: Client, isEval: boolean): void {
    const run = this.run;
    if (run === null) { c.w.error(E.notBusy); return; }
    if (run.flags & RUN.WRITE_DIRTY) { c.w.error(E.unkillable); return; }
    if (isEval && !run.isEval) { c.w.error(E.busyFunction); return; }
    if (!isEval && run.isEval) { c.w.error(E.busy); return; }
    run.flags |= RUN.KILLED;
    c.w.ok();
  }

  /** Runs `fn` as the current script run (time frozen, propagation of the caller prevented). */
  execute(run: ScriptRun, fn: LuaFunction, keys: Buffer[], args: Buffer[]): void {
    const s = this.s;
    const prevFrozen = timeFreeze.on;
    s.ks.now = Date.now();
    timeFreeze.on = true;
    this.run = run;
    try {
      run.engine.callScript(run, fn, keys, args);
    } finally {
      this.run = null;
      timeFreeze.on = prevFrozen;
      // The script's commands were propagated as effects; the script command itself is not.
      s.propagator.preventCurrent();
      if (this.shutdownRequested) this.shutdownRequested = false;
    }
  }

  // ---------------------------------------------------------------- EVAL script cache

  /** Finds or compiles a script; returns it, or the error reply text. */
  createScript(body: Buffer, fromLoad: boolean): CachedScript | string {
    const sha = sha1hex(body);
    const found = this.scripts.get(sha);
    if (found) {
      if (fromLoad && found.evictable) { found.evictable = false; this.lru.delete(sha); }
      return found;
    }
    const sb = parseEvalShebang(body);
    if (typeof sb === 'string') return 'ERR ' + sb;
    const eng = this.evalEngine;
    let fn: LuaFunction;
    // Keep the shebang's line feed so line numbers stay the user's.
    const src = body.latin1Slice(sb.shebangLen, body.length);
    try {
      fn = eng.L.load(src, '@user_script');
    } catch (e) {
      const msg = e instanceof Error && 'value' in e ? String((e as { value: LuaValue }).value) : (e as Error).message;
      return `ERR Error compiling script (new function): ${msg}`;
    }
    const sc: CachedScript = { sha, body: Buffer.from(body), flags: sb.flags, fn, evictable: !fromLoad };
    if (!fromLoad) {
      while (this.lru.size >= LRU_LIMIT) {
        const oldest = this.lru.keys().next().value as string;
        this.lru.delete(oldest);
        const old = this.scripts.get(oldest);
        if (old) { this.scriptsBodyBytes -= old.body.length + 40; this.scripts.delete(oldest); }
        this.evictedScripts++;
      }
      this.lru.set(sha, true);
    }
    this.scripts.set(sha, sc);
    this.scriptsBodyBytes += sc.body.length + 40;
    return sc;
  }

  /** Moves an EVAL script to the LRU tail after it ran. */
  touch(sc: CachedScript): void {
    if (sc.evictable && this.lru.has(sc.sha)) { this.lru.delete(sc.sha); this.lru.set(sc.sha, true); }
  }

  flushScripts(): void {
    this.scripts.clear();
    this.lru.clear();
    this.scriptsBodyBytes = 0;
    if (this.evalEng) this.evalEng.init();
  }

  /** The command flags of EVAL, EVALSHA, FCALL (and _RO) from the script's declared flags (Valkey's getCommandFlags). */
  effectiveFlags(cmd: Command, argv: Buffer[]): number {
    const n = cmd.name;
    if (n.charCodeAt(0) === 101 /* e */ && (n === 'eval' || n === 'evalsha' || n === 'eval_ro' || n === 'evalsha_ro')) {
      if (argv.length < 2) return cmd.flags;
      const isSha = n === 'evalsha' || n === 'evalsha_ro';
      const a1 = argv[1]!;
      if (isSha && a1.length !== 40) return cmd.flags;
      const sha = isSha ? a1.latin1Slice(0, 40).toLowerCase() : sha1hex(a1);
      const sc = this.scripts.get(sha);
      let flags: number;
      if (sc) flags = sc.flags;
      else {
        if (isSha) return cmd.flags;
        const sb = parseEvalShebang(a1);
        if (typeof sb === 'string') return cmd.flags;
        flags = sb.flags;
      }
      if (flags & SCRIPT_FLAG_EVAL_COMPAT_MODE) return cmd.flags;
      return scriptFlagsToCmdFlags(cmd.flags, flags);
    }
    if (n.charCodeAt(0) === 102 /* f */ && (n === 'fcall' || n === 'fcall_ro')) {
      if (argv.length < 2) return cmd.flags;
      const fi = this.fctx.functions.get(argv[1]!.latin1Slice(0, argv[1]!.length).toLowerCase());
      if (!fi) return cmd.flags;
      return scriptFlagsToCmdFlags(cmd.flags, fi.flags);
    }
    return cmd.flags;
  }

  // ---------------------------------------------------------------- function libraries

  /**
   * Compiles a library and adds it to `ctx` (replacing a library of the same name when `replace`).
   * Returns the library name, or an error text.
   */
  createLibrary(code: Buffer, replace: boolean, ctx: FunctionsCtx, timeoutMs: number): { name: string } | { err: string } {
    const md = parseLibraryMetadata(code);
    if ('err' in md) return md;
    if (!verifyName(md.name)) return { err: 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long' };
    if (md.engine.toUpperCase() !== 'LUA') return { err: `Engine '${md.engine}' not found` };
    let old = ctx.libraries.get(md.name) ?? null;
    if (old && !replace) return { err: `Library '${md.name}' already exists` };
    if (old) ctx.unlink(old);
    const li: Library = { name: md.name, code: Buffer.from(code), functions: new Map() };
    const eng = this.fnEngine;
    const err = eng.loadLibrary(md.code, timeoutMs, (name, cb, desc, flags) => {
      const nm = String(name);
      if (!verifyName(nm)) return 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';
      if (li.functions.has(nm)) return 'Function already exists in the library';
      li.functions.set(nm, { name: nm, fn: cb as LuaFunction, desc, flags, lib: li });
      return null;
    });
    const fail = (e: string) => { if (old) ctx.link(old); return { err: e }; };
    if (err !== null) return fail(err);
    if (li.functions.size === 0) return fail('No functions registered');
    for (const fi of li.functions.values()) {
      if (ctx.functions.has(fi.name.toLowerCase())) return fail(`Function ${fi.name} already exists`);
    }
    ctx.link(li);
    old = null;
    return { name: md.name };
  }

  /** Adds every library of `src` to the current set (FUNCTION RESTORE APPEND/REPLACE). */
  joinLibraries(src: FunctionsCtx, replace: boolean): string | null {
    const dst = this.fctx;
    const replaced: Library[] = [];
    const revert = () => { for (const li of replaced) dst.link(li); };
    for (const li of src.libraries.values()) {
      const old = dst.libraries.get(li.name);
      if (old) {
        if (!replace) { revert(); return `Library ${li.name} already exists`; }
        dst.unlink(old);
        replaced.push(old);
      }
    }
    for (const fi of src.functions.values()) {
      if (dst.functions.has(fi.name.toLowerCase())) { revert(); return `Function ${fi.name} already exists`; }
    }
    for (const li of src.libraries.values()) dst.link(li);
    return null;
  }

  flagNames(flags: number): string[] {
    return SCRIPT_FLAGS.filter(([f]) => flags & f).map(([, n]) => n);
  }
}

/** Valkey's library name rule: letters, digits and underscores, at least one. */
function verifyName(name: string): boolean {
  return /^[a-zA-Z0-9_]+$/.test(name);
}

/** Parses "#!<engine> name=<lib>" off library code. */
export function parseLibraryMetadata(code: Buffer): { engine: string; name: string; code: string } | { err: string } {
  if (code.length < 2 || code[0] !== 0x23 || code[1] !== 0x21) return { err: 'Missing library metadata' };
  const nl = code.indexOf(10);
  if (nl < 0) return { err: 'Invalid library metadata' };
  const parts = splitArgsBuf(code.subarray(0, nl));
  if (parts === null || parts.length === 0) return { err: 'Invalid library metadata' };
  const engine = partText(parts[0]!).slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const p = partText(parts[i]!);
    if (p.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return { err: 'Invalid metadata value, name argument was given multiple times' };
      name = p.slice(5);
      continue;
    }
    return { err: `Invalid metadata value given: ${p}` };
  }
  if (name === null) return { err: 'Library name was not given' };
  return { engine, name, code: code.latin1Slice(nl, code.length) };
}

function partText(p: unknown): string {
  return typeof p === 'string' ? p : Buffer.isBuffer(p) ? p.toString('latin1') : String(p);
}

/** Parses an EVAL script's "#!lua flags=..." line. */
export function parseEvalShebang(body: Buffer): { flags: number; shebangLen: number } | string {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { flags: SCRIPT_FLAG_EVAL_COMPAT_MODE, shebangLen: 0 };
  const nl = body.indexOf(10);
  if (nl < 0) return 'Invalid script shebang';
  const parts = splitArgsBuf(body.subarray(0, nl));
  if (parts === null || parts.length === 0) return 'Invalid engine in script shebang';
  const eng = partText(parts[0]!);
  if (eng !== '#!lua') return `Unexpected engine in script shebang: ${eng}`;
  let flags = 0;
  for (let j = 1; j < parts.length; j++) {
    const p = partText(parts[j]!);
    if (p.startsWith('flags=')) {
      const list = p.slice(6);
      // sdssplitlen on an empty string yields no elements.
      const items = list.length === 0 ? [] : list.split(',');
      for (const it of items) {
        const f = SCRIPT_FLAGS.find(([, n]) => n === it);
        if (!f) return `Unexpected flag in script shebang: ${it}`;
        flags |= f[0];
      }
    } else {
      return `Unknown lua shebang option: ${p}`;
    }
  }
  return { flags, shebangLen: nl };
}

// ------------------------------------------------------------------ per-server access and hooks

export const scripting = perServer((s) => new Scripting(s));

let globalsInstalled = false;

/** Installs the server hooks scripting needs (called once per server at construction). */
export function installScripting(s: Server): void {
  const st = scripting(s);
  s.hooks.busy = (_c, cmd) => st.busyError(cmd);
  const prevEff = s.pause.effectiveFlags;
  s.pause.effectiveFlags = (c, cmd, argv) => (cmd.flags & CMD.noscript ? st.effectiveFlags(cmd, argv) : prevEff ? prevEff(c, cmd, argv) : cmd.flags);
  if (!s.hooks.oom) {
    s.hooks.oom = (c, cmd, argv) => {
      let flags = cmd.flags & CMD.noscript ? st.effectiveFlags(cmd, argv) : cmd.flags;
      if (cmd.name === 'exec') flags |= c.multiFlags;
      if (!(flags & CMD.denyoom)) return null;
      return usedMemoryOver(s) ? E.oom : null;
    };
  }
  if (!globalsInstalled) {
    globalsInstalled = true;
    rdbFunctionHooks.save = (srv, out, compress) => {
      for (const li of scripting(srv).fctx.libraries.values()) {
        out.byte(RDB_OPCODE_FUNCTION2);
        out.str(li.code, compress);
      }
    };
    rdbFunctionHooks.load = (srv, code, replace) => {
      const x = scripting(srv);
      const res = x.createLibrary(code, replace, x.fctx, 0);
      return 'err' in res ? res.err : null;
    };
    rdbFunctionHooks.flush = (srv) => { scripting(srv).fctx.clear(); };
    registerInfoFields('memory', (srv) => {
      const x = scripting(srv);
      return {
        number_of_cached_scripts: x.scripts.size,
        number_of_functions: x.fctx.functions.size,
        number_of_libraries: x.fctx.libraries.size,
        used_memory_scripts_eval: x.scriptsBodyBytes,
      };
    });
    registerInfoFields('stats', (srv) => ({ evicted_scripts: scripting(srv).evictedScripts }));
    onResetStats((srv) => { scripting(srv).evictedScripts = 0; });
  }
}

function usedMemoryOver(s: Server): boolean {
  return s.maxmemory > 0 && usedMemory(s) > s.maxmemory;
}
