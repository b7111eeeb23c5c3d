// Lua 5.1 base library (lbaselib.c behaviour): assert, error, pcall, xpcall, select, type, tostring,
// tonumber, ipairs, pairs, next, raw*, set/getmetatable, unpack, loadstring, load, gcinfo,
// collectgarbage, print, getfenv, _G, _VERSION.

import {
  argError, callValue, checkAny, checkInt, checkString, checkTable, getMetatable, optInt, rawToString,
  toLuaError, tostringValue, typeError, where, libError, checkOption, luaNext, ipairsAux, NIL_RESULT,
  setCoYield, type CoFunction,
} from '../runtime.js';
import { EMPTY, LuaError, LuaTable, LuaThread, LuaUncatchable, LuaUserdata, stringToNumber, typeName, type LuaFunction, type LuaValue } from '../value.js';
import { stringChunkId } from '../lexer.js';
import type { LuaState } from '../state.js';


function countBytes(): number {
  return Math.round(process.memoryUsage().heapUsed / 1024 * 100) / 100;
}

export function openBase(L: LuaState): void {
  const G = L.globals;
  const def = (name: string, f: LuaFunction) => { markBuiltin(f); G.set(name, f); };

  G.set('_G', G);
  G.set('_VERSION', 'Lua 5.1');

  def('assert', (...args) => {
    checkAny(args, 0, 'assert');
    const v = args[0];
    if (v === undefined || v === false) {
      const msg = args.length > 1 ? checkString(args, 1, 'assert') : 'assertion failed!';
      libError(msg);
    }
    return args;
  });

  def('error', (...args) => {
    const level = optInt(args, 1, 'error', 1);
    const v = args[0];
    if ((typeof v === 'string' || typeof v === 'number') && level > 0) {
      throw new LuaError(where(level) + (typeof v === 'number' ? rawToString(v) : v));
    }
    throw new LuaError(v);
  });

  def('pcall', (...args) => {
    checkAny(args, 0, 'pcall');
    const f = args[0];
    try {
      const r = callValue(L, f, args.slice(1));
      return [true, ...r];
    } catch (e) {
      if (e instanceof LuaUncatchable) throw e;
      return [false, toLuaError(e).value];
    }
  });

  def('xpcall', (...args) => {
    checkAny(args, 1, 'xpcall');
    const f = args[0], h = args[1];
    try {
      const r = callValue(L, f, []);
      return [true, ...r];
    } catch (e) {
      if (e instanceof LuaUncatchable) throw e;
      const v = toLuaError(e).value;
      let hv: LuaValue;
      try {
        hv = callValue(L, h, [v])[0];
      } catch (e2) {
        if (e2 instanceof LuaUncatchable) throw e2;
        hv = toLuaError(e2).value;
      }
      return [false, hv];
    }
  });

  def('select', (...args) => {
    const a0 = args[0];
    const top = args.length;
    if (typeof a0 === 'string' && a0.charCodeAt(0) === 35) return [top - 1];
    let n = checkInt(args, 0, 'select');
    if (n < 0) n = top + n;
    else if (n > top) n = top;
    if (n < 1) argError('select', 1, 'index out of range');
    return args.slice(n);
  });

  def('type', (...args) => {
    checkAny(args, 0, 'type');
    return [typeName(args[0])];
  });

  def('tostring', (...args) => {
    checkAny(args, 0, 'tostring');
    return [tostringValue(L, args[0])];
  });

  def('tonumber', (...args) => {
    const base = optInt(args, 1, 'tonumber', 10);
    const v = args[0];
    if (base === 10) {
      checkAny(args, 0, 'tonumber');
      if (typeof v === 'number') return [v];
      if (typeof v === 'string') return [stringToNumber(v)];
      return NIL_RESULT;
    }
    const s = checkString(args, 0, 'tonumber');
    if (base < 2 || base > 36) argError('tonumber', 2, 'base out of range');
    return [parseBase(s, base)];
  });

  def('ipairs', (...args) => {
    const t = checkTable(args, 0, 'ipairs');
    return [ipairsAux as LuaFunction, t, 0];
  });

  def('pairs', (...args) => {
    const t = checkTable(args, 0, 'pairs');
    return [luaNext, t, undefined];
  });

  def('next', luaNext);

  def('rawget', (...args) => {
    const t = checkTable(args, 0, 'rawget');
    checkAny(args, 1, 'rawget');
    return [t.get(args[1])];
  });

  def('rawset', (...args) => {
    const t = checkTable(args, 0, 'rawset');
    checkAny(args, 1, 'rawset');
    checkAny(args, 2, 'rawset');
    if (t.readonly) throw new LuaError('Attempt to modify a readonly table');
    t.set(args[1], args[2]);
    return [t];
  });

  def('rawequal', (...args) => {
    checkAny(args, 0, 'rawequal');
    checkAny(args, 1, 'rawequal');
    return [args[0] === args[1]];
  });

  def('setmetatable', (...args) => {
    const t = checkTable(args, 0, 'setmetatable');
    const mt = args[1];
    if (mt !== undefined && !(mt instanceof LuaTable)) argError('setmetatable', 2, 'nil or table expected');
    if (t.metatable !== null && t.metatable.getStr('__metatable') !== undefined) libError('cannot change a protected metatable');
    if (t.readonly) throw new LuaError('Attempt to modify a readonly table');
    t.metatable = mt === undefined ? null : mt;
    return [t];
  });

  def('getmetatable', (...args) => {
    checkAny(args, 0, 'getmetatable');
    const mt = getMetatable(L, args[0]);
    if (mt === null) return NIL_RESULT;
    const protectedMt = mt.getStr('__metatable');
    return [protectedMt !== undefined ? protectedMt : mt];
  });

  def('unpack', (...args) => {
    const t = checkTable(args, 0, 'unpack');
    const i = optInt(args, 1, 'unpack', 1);
    const j = args[2] === undefined ? t.length() : checkInt(args, 2, 'unpack');
    if (i > j) return EMPTY;
    const n = j - i + 1;
    // lua_checkstack: the arguments already on unpack's stack plus the results fit in LUAI_MAXCSTACK (8000)
    if (args.length + n > 8000 || !Number.isFinite(n)) libError('too many results to unpack');
    const out = new Array<LuaValue>(n);
    if (i === 1 && j <= t.arr.length) {
      const arr = t.arr;
      for (let k = 0; k < n; k++) out[k] = arr[k];
    } else {
      for (let k = 0; k < n; k++) out[k] = t.get(i + k);
    }
    return out;
  });

  def('loadstring', (...args) => {
    const s = checkString(args, 0, 'loadstring');
    const name = args[1] === undefined ? s : checkString(args, 1, 'loadstring');
    return loadChunk(L, s, name);
  });

  def('load', (...args) => {
    const f = args[0];
    if (typeof f !== 'function') typeError(args, 0, 'load', 'function');
    const name = args[1] === undefined ? '=(load)' : checkString(args, 1, 'load');
    let src = '';
    for (;;) {
      const piece = callValue(L, f, [])[0];
      if (piece === undefined || piece === '') break;
      if (typeof piece !== 'string') return [undefined, 'reader function must return a string'];
      src += piece;
    }
    return loadChunk(L, src, name);
  });

  def('gcinfo', () => [Math.floor(countBytes())]);

  def('collectgarbage', (...args) => {
    const opts = ['stop', 'restart', 'collect', 'count', 'step', 'setpause', 'setstepmul'];
    const o = checkOption(args, 0, 'collectgarbage', 'collect', opts);
    optInt(args, 1, 'collectgarbage', 0);
    switch (opts[o]) {
      case 'count': return [countBytes()];
      case 'step': return [false];
      case 'setpause': case 'setstepmul': return [200];
      default: return [0];
    }
  });

  def('print', (...args) => {
    const tostr = G.get('tostring');
    const parts: string[] = [];
    for (const a of args) {
      let s = callValue(L, tostr, [a])[0];
      if (typeof s === 'number') s = rawToString(s);
      if (typeof s !== 'string') libError("'tostring' must return a string to 'print'");
      parts.push(s);
    }
    L.printSink(parts.join('\t'));
    return EMPTY;
  });

  // One environment per state: getfenv returns the globals; setfenv cannot change environments.
  def('getfenv', (...args) => {
    const f = args[0];
    if (f !== undefined && typeof f !== 'function') {
      const level = checkInt(args, 0, 'getfenv');
      if (level < 0) argError('getfenv', 1, 'level must be non-negative');
    }
    return [L.globals];
  });

  def('setfenv', (...args) => {
    const f = args[0];
    if (typeof f !== 'function') {
      const level = checkInt(args, 0, 'setfenv');
      if (level < 0) argError('setfenv', 1, 'level must be non-negative');
    }
    checkTable(args, 1, 'setfenv');
    libError("'setfenv' cannot change environment of given object");
  });

  def('newproxy', (...args) => {
    const a = args[0];
    const u = new LuaUserdata(undefined);
    if (a === true) u.metatable = new LuaTable();
    else if (a instanceof LuaUserdata) u.metatable = a.metatable;
    else if (a !== undefined && a !== false) argError('newproxy', 1, 'boolean or proxy expected');
    return [u];
  });

  openCoroutine(L);
}

// ---------------------------------------------------------------------------------------------
// coroutine library. Coroutine bodies defined in chunks compiled in coroutine mode (chunks that
// mention `coroutine`) can yield from any depth of Lua calls; as in 5.1, yielding across a library
// function (pcall, metamethods, sort comparators...) raises "attempt to yield across metamethod/C-call
// boundary".

let running: LuaThread | null = null;

function resume(co: LuaThread, args: LuaValue[]): LuaValue[] {
  if (co.status === 'dead') return [false, 'cannot resume dead coroutine'];
  if (co.status !== 'suspended') return [false, `cannot resume ${co.status === 'running' ? 'running' : 'non-suspended'} coroutine`];
  const prev = running;
  if (prev !== null) prev.status = 'normal';
  running = co;
  co.status = 'running';
  try {
    let r: IteratorResult<LuaValue[], LuaValue[]>;
    if (co.gen === null) {
      const g = (co.fn as Partial<CoFunction>).$co;
      if (g !== undefined) {
        co.gen = g(...args);
        r = co.gen.next();
      } else {
        r = { done: true, value: co.fn(...args) };
      }
    } else {
      r = co.gen.next(args);
    }
    co.status = r.done === true ? 'dead' : 'suspended';
    return [true, ...r.value];
  } catch (e) {
    if (e instanceof LuaUncatchable) throw e;
    co.status = 'dead';
    return [false, toLuaError(e).value];
  } finally {
    running = prev;
    if (prev !== null) prev.status = 'running';
  }
}

function openCoroutine(L: LuaState): void {
  const co = new LuaTable();
  L.globals.set('coroutine', co);
  const def = (name: string, f: LuaFunction) => co.set(name, f);
  const checkCo = (args: LuaValue[], fname: string): LuaThread => {
    const t = args[0];
    if (!(t instanceof LuaThread)) argError(fname, 1, 'coroutine expected');
    return t;
  };
  const luaFunction = (args: LuaValue[], fname: string): LuaFunction => {
    const f = args[0];
    if (typeof f !== 'function' || (f as Partial<CoFunction>).$co === undefined && !isLuaFunction(f)) argError(fname, 1, 'Lua function expected');
    return f;
  };

  def('create', (...args) => [new LuaThread(luaFunction(args, 'create'))]);

  def('resume', (...args) => resume(checkCo(args, 'resume'), args.slice(1)));

  const yieldFn: LuaFunction = () => {
    // Reached only when not called from coroutine-mode code inside a coroutine.
    throw new LuaError('attempt to yield across metamethod/C-call boundary');
  };
  setCoYield(yieldFn);
  def('yield', yieldFn);

  def('status', (...args) => [checkCo(args, 'status').status]);

  def('running', () => [running === null ? undefined : running]);

  def('wrap', (...args) => {
    const t = new LuaThread(luaFunction(args, 'wrap'));
    return [(...a: LuaValue[]) => {
      const r = resume(t, a);
      if (r[0] === false) {
        const e = r[1];
        throw new LuaError(typeof e === 'string' ? where(1) + e : e);
      }
      r.shift();
      return r;
    }];
  });
}

/** Whether a function value is compiled Lua code (not a library function). */
function isLuaFunction(f: LuaFunction): boolean {
  return luaFunctions.has(f);
}
/** Plain-mode compiled functions cannot be told apart cheaply; accept any function but builtins. */
const luaFunctions = { has: (f: LuaFunction) => !builtins.has(f) };
const builtins = new WeakSet<LuaFunction>();

export function markBuiltin(f: LuaFunction): void { builtins.add(f); }

function loadChunk(L: LuaState, src: string, name: string): LuaValue[] {
  const display = name.startsWith('=') || name.startsWith('@') ? name : '=' + stringChunkId(name);
  try {
    return [L.load(src, display)];
  } catch (e) {
    if (e instanceof LuaError) return [undefined, e.value];
    return [undefined, String(e)];
  }
}

/** strtoul(s, base) accepting the whole string (with surrounding spaces); undefined otherwise. */
function parseBase(s: string, base: number): number | undefined {
  const m = /^[ \f\n\r\t\v]*([-+]?)(.*?)[ \f\n\r\t\v]*$/s.exec(s);
  if (m === null) return undefined;
  let digits = m[2];
  if (base === 16 && /^0[xX]/.test(digits)) digits = digits.slice(2);
  if (digits.length === 0) return undefined;
  let n = 0;
  for (let i = 0; i < digits.length; i++) {
    const c = digits.charCodeAt(i);
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 122) d = c - 87;
    else if (c >= 65 && c <= 90) d = c - 55;
    else return undefined;
    if (d >= base) return undefined;
    n = n * base + d;
  }
  if (n >= 18446744073709551616) n = 18446744073709551616; // strtoul saturates at ULONG_MAX
  // strtoul negates in unsigned arithmetic
  return m[1] === '-' && n !== 0 ? 18446744073709551616 - n : n;
}
