// A Lua state: the globals, the string metatable, the interrupt hook, and load()/call().

import { compile } from './compile.js';
import { openBase } from './lib/base.js';
import { parse } from './parser.js';
import * as runtime from './runtime.js';
import { ChunkInfo, Site, callable, chunks, newChunkUrl, setCurrentStringMeta, toLuaError, where } from './runtime.js';
import { EMPTY, LuaError, LuaHash, LuaTable, type LuaFunction, type LuaValue } from './value.js';
import { chunkId } from './lexer.js';

/** The helper object compiled code calls (a plain object: fast property access). */
const RT: Record<string, unknown> = { ...runtime };

// Chunk infos are held by the compiled functions (through their sites); the registry only maps
// stack-trace URLs to them while they are alive.
const registry = new FinalizationRegistry<string>((url) => { chunks.delete(url); });

export interface LuaStateOptions {
  /** open the base library (default true) */
  libs?: boolean;
}

export class LuaState {
  globals: LuaTable;
  stringMeta: LuaTable | null = null;
  /** Remaining ticks before onBudget() is called (decremented at loop back-edges and function entries). */
  budget = 1_000_000;
  hookEvery = 1_000_000;
  onBudget: () => void = () => {};
  /** Where print() writes (plain Lua only; the scripting sandbox removes print). */
  printSink: (line: string) => void = (line) => { process.stdout.write(line + '\n'); };

  constructor(opts: LuaStateOptions = {}) {
    this.globals = new LuaTable();
    this.globals.hash = new LuaHash();
    if (opts.libs !== false) openBase(this);
  }

  /**
   * Compiles a chunk. The chunk name is shown in messages as given, except that a leading '@' or '='
   * is removed. Throws LuaError with the 5.1 syntax error message.
   */
  load(source: string, chunkname: string, env?: LuaTable): LuaFunction {
    let main, cc;
    try {
      main = parse(source, chunkname);
      cc = compile(main);
    } catch (e) {
      if (e instanceof RangeError) throw new LuaError(`${chunkId(chunkname)}: chunk has too many syntax levels`);
      throw e;
    }
    const url = newChunkUrl();
    const info = new ChunkInfo(chunkId(chunkname), this, url);
    const map = new Int32Array(cc.bodyLines.length + 3);
    for (let i = 0; i < cc.bodyLines.length; i++) map[i + 3] = cc.bodyLines[i];
    info.lineMap = map;
    const sites = cc.sites.map((s) => new Site(info, s.line, s.d1, s.d2));
    const G = env ?? this.globals;
    if (G.hash === null) G.hash = new LuaHash();
    let factory: (...a: unknown[]) => LuaFunction;
    try {
      // eslint-disable-next-line @typescript-eslint/no-implied-eval
      factory = new Function('rt', 'ST', 'G', 'SITES', 'EMPTY', 'LuaTable', 'CH', 'LuaHash',
        cc.body + `\n//# sourceURL=${url}`) as typeof factory;
    } catch (e) {
      throw new LuaError(`${info.name}:0: internal compiler error: ${(e as Error).message}`);
    }
    const fn = factory(RT, this, G, sites, EMPTY, LuaTable, info, LuaHash);
    chunks.set(url, new WeakRef(info));
    registry.register(info, url);
    return fn;
  }

  /** Calls a value (functions directly, others through __call). Errors are LuaErrors. */
  call(f: LuaValue, args: LuaValue[]): LuaValue[] {
    setCurrentStringMeta(this.stringMeta);
    try {
      // Copies: compiled functions reuse their result arrays from call to call.
      if (typeof f === 'function') return f(...args).slice();
      return callable(f, null)(...args).slice();
    } catch (e) {
      throw toLuaError(e);
    }
  }

  /** Raises a Lua error with the position of the Lua code at `level` (as luaL_error / error()). */
  error(msg: string, level = 1): never {
    throw new LuaError(level > 0 ? where(level) + msg : msg);
  }

  /** "chunk:line: " of the running Lua function at `level` (1 = the caller of the library function). */
  where(level: number): string {
    return where(level);
  }
}

export { LuaError };
