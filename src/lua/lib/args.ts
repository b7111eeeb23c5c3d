// Argument checking and small runtime pieces shared by the standard libraries (src/lua/lib/*).
// Every check raises the Lua 5.1 auxiliary library's wording:
//   bad argument #2 to 'rep' (number expected, got no value)

import { LuaError, LuaTable, LuaUserdata, typeName, numberToString, stringToNumber } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import { chunks } from '../runtime.js';

/**
 * What the libraries need from a Lua state. src/lua/state.ts's LuaState satisfies it structurally;
 * `error` (when the state has it) raises a message with the caller's position, as luaL_error does.
 */
export interface LibState {
  globals: LuaTable;
  stringMeta: LuaTable | null;
  error?: (msg: string, level?: number) => never;
}

// Frames of these library modules together form "the library function" (one C function in real Lua).
const OWN_RE = /[\\/]lua[\\/]lib[\\/](?:args|string|lpattern|numfmt|table|math|os|bit|struct|cjson|cmsgpack|index)\.[jt]s$/;
// Any other library frame (base library: pcall, xpcall, ...) is a C function of its own.
const LIB_RE = /[\\/](?:lua[\\/]lib|scripting)[\\/]/;

/**
 * luaL_where(L, 1) for a library function: "chunk:line: " of the Lua code that called it, or '' when
 * it was called by another library function (pcall(string.rep) has no position in Lua 5.1 either).
 */
export function callerWhere(): string {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] | undefined;
  try {
    Error.prepareStackTrace = (_e, st) => st;
    Error.stackTraceLimit = 100000;
    const holder: { stack?: NodeJS.CallSite[] } = {};
    Error.captureStackTrace(holder, callerWhere);
    sites = holder.stack;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  if (!Array.isArray(sites)) return '';
  for (const cs of sites) {
    const url = cs.getScriptNameOrSourceURL?.() ?? cs.getFileName() ?? '';
    const ch = chunks.get(url)?.deref();
    if (ch !== undefined) {
      const jl = cs.getLineNumber() ?? 0;
      const map = ch.lineMap;
      const line = jl < map.length ? map[jl] : (map.length > 0 ? map[map.length - 1] : 0);
      return line > 0 ? `${ch.name}:${line}: ` : '';
    }
    if (OWN_RE.test(url)) continue;
    if (LIB_RE.test(url)) return '';
  }
  return '';
}

/** Raises a library error (luaL_error): with the position of the Lua code calling the library function. */
export function libError(_L: LibState, msg: string): never {
  throw new LuaError(callerWhere() + msg);
}

/** A run-time error raised from inside a library function (no position, as luaG_runerror in a C function). */
export function rawError(msg: string): never {
  throw new LuaError(msg);
}

export function argError(L: LibState, n: number, fname: string, extra: string): never {
  return libError(L, `bad argument #${n} to '${fname}' (${extra})`);
}

/** "<expected> expected, got <type>" for argument n; `argc` says whether the argument was given at all. */
export function typeError(L: LibState, n: number, fname: string, expected: string, v: LuaValue, argc: number): never {
  const got = n > argc ? 'no value' : typeName(v);
  return argError(L, n, fname, `${expected} expected, got ${got}`);
}

export function checkString(L: LibState, v: LuaValue, n: number, fname: string, argc: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  return typeError(L, n, fname, 'string', v, argc);
}

export function optString(L: LibState, v: LuaValue, n: number, fname: string, def: string): string {
  if (v === undefined) return def;
  return checkString(L, v, n, fname, n);
}

export function checkNumber(L: LibState, v: LuaValue, n: number, fname: string, argc: number): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const x = stringToNumber(v);
    if (x !== undefined) return x;
  }
  return typeError(L, n, fname, 'number', v, argc);
}

export function optNumber(L: LibState, v: LuaValue, n: number, fname: string, def: number): number {
  if (v === undefined) return def;
  return checkNumber(L, v, n, fname, n);
}

const TWO63 = 9223372036854775808;

/** lua_Integer conversion of a double (C cast to a 64-bit integer: truncation; out of range gives INT64_MIN). */
export function toInteger(x: number): number {
  if (x > -TWO63 && x < TWO63) return Math.trunc(x) || 0;
  return -TWO63;
}

/** The C `int` a luaL_checkint gives: the 64-bit conversion, then its low 32 bits. */
export function toInt(x: number): number {
  if (x > -TWO63 && x < TWO63) return x | 0;
  return 0;
}

export function checkInteger(L: LibState, v: LuaValue, n: number, fname: string, argc: number): number {
  return toInteger(typeof v === 'number' ? v : checkNumber(L, v, n, fname, argc));
}

export function optInteger(L: LibState, v: LuaValue, n: number, fname: string, def: number): number {
  if (v === undefined) return def;
  return toInteger(typeof v === 'number' ? v : checkNumber(L, v, n, fname, n));
}

export function checkInt(L: LibState, v: LuaValue, n: number, fname: string, argc: number): number {
  return toInt(typeof v === 'number' ? v : checkNumber(L, v, n, fname, argc));
}

export function optInt(L: LibState, v: LuaValue, n: number, fname: string, def: number): number {
  if (v === undefined) return def;
  return toInt(typeof v === 'number' ? v : checkNumber(L, v, n, fname, n));
}

export function checkTable(L: LibState, v: LuaValue, n: number, fname: string, argc: number): LuaTable {
  if (v instanceof LuaTable) return v;
  return typeError(L, n, fname, 'table', v, argc);
}

export function checkFunction(L: LibState, v: LuaValue, n: number, fname: string, argc: number): LuaFunction {
  if (typeof v === 'function') return v;
  return typeError(L, n, fname, 'function', v, argc);
}

/** lua_isstring: strings and numbers. */
export function isStringLike(v: LuaValue): v is string | number {
  return typeof v === 'string' || typeof v === 'number';
}

/** lua_rawseti / lua_rawset on a table the sandbox may have made read-only. */
export function rawSet(t: LuaTable, k: LuaValue, v: LuaValue): void {
  if (t.readonly) rawError('Attempt to modify a readonly table');
  t.set(k, v);
}

function metatableOf(L: LibState, v: LuaValue): LuaTable | null {
  if (v instanceof LuaTable || v instanceof LuaUserdata) return v.metatable;
  if (typeof v === 'string') return L.stringMeta;
  return null;
}

function metaField(mt: LuaTable | null, name: string): LuaValue {
  return mt === null ? undefined : mt.getStr(name);
}

/** lua_gettable: t[k] honouring __index (tables and functions). */
export function indexValue(L: LibState, t: LuaValue, k: LuaValue): LuaValue {
  for (let loop = 0; loop < 100; loop++) {
    let h: LuaValue;
    if (t instanceof LuaTable) {
      const v = t.get(k);
      if (v !== undefined) return v;
      h = metaField(t.metatable, '__index');
      if (h === undefined) return undefined;
    } else {
      h = metaField(metatableOf(L, t), '__index');
      if (h === undefined) rawError(`attempt to index a ${typeName(t)} value`);
    }
    if (typeof h === 'function') return h(t, k)[0];
    t = h;
  }
  return rawError("loop in gettable");
}

/** lua_lessthan: numbers, strings, or a shared __lt metamethod. */
export function lessThan(L: LibState, a: LuaValue, b: LuaValue): boolean {
  const ta = typeof a;
  if (ta === typeof b) {
    if (ta === 'number') return (a as number) < (b as number);
    if (ta === 'string') return (a as string) < (b as string);
    const mm1 = metaField(metatableOf(L, a), '__lt');
    if (mm1 !== undefined) {
      const mm2 = metaField(metatableOf(L, b), '__lt');
      if (mm1 === mm2 && typeof mm1 === 'function') {
        const r = mm1(a, b)[0];
        return r !== undefined && r !== false;
      }
    }
  }
  const t1 = typeName(a);
  const t2 = typeName(b);
  if (t1 === t2) return rawError(`attempt to compare two ${t1} values`);
  return rawError(`attempt to compare ${t1} with ${t2}`);
}

/** Functions implemented in JS (C functions in real Lua): string.dump cannot dump them. */
export const nativeFunctions = new WeakSet<LuaFunction>();

/** Creates a library table with the given functions. */
export function makeLib(fns: Record<string, LuaFunction>): LuaTable {
  const t = new LuaTable();
  for (const name of Object.keys(fns)) {
    t.set(name, fns[name]);
    nativeFunctions.add(fns[name]);
  }
  return t;
}

/** Marks the functions found in the globals and in the tables they hold as native (the base library). */
export function markNativeGlobals(G: LuaTable): void {
  let k: LuaValue = undefined;
  for (;;) {
    const e = G.next(k);
    if (e === undefined) return;
    k = e[0];
    const v = e[1];
    if (typeof v === 'function') nativeFunctions.add(v);
    else if (v instanceof LuaTable && v !== G) {
      let k2: LuaValue = undefined;
      for (;;) {
        const e2 = v.next(k2);
        if (e2 === undefined) break;
        k2 = e2[0];
        if (typeof e2[1] === 'function') nativeFunctions.add(e2[1]);
      }
    }
  }
}

/** C's (int64_t) cast of a double on x86-64: truncation; INT64_MIN when out of range or NaN. */
export function cInt64(x: number): bigint {
  if (x > -TWO63 && x < TWO63) return BigInt(Math.trunc(x));
  return -(2n ** 63n);
}

/** C's (uint64_t) cast of a double as gcc compiles it on x86-64 (negative values wrap through int64). */
export function cUint64(x: number): bigint {
  if (!(x >= TWO63)) return BigInt.asUintN(64, cInt64(x));
  const w = x - TWO63;
  if (w < TWO63) return BigInt(Math.trunc(w)) + 2n ** 63n;
  return 0n;
}

/**
 * Calls fn(key, value) for every entry of a table's hash part (in next() order), stopping when fn
 * returns false. Reads the string-key bag and the Map of a LuaHash directly when it has them.
 */
export function eachHash(t: LuaTable, fn: (k: LuaValue, v: LuaValue) => boolean | void): void {
  const h = t.hash as unknown as { s?: Record<string, LuaValue>; m?: Map<LuaValue, LuaValue> | null } | null;
  if (h === null) return;
  if (h.s !== undefined && typeof h.s === 'object') {
    const bag = h.s;
    for (const k in bag) {
      const v = bag[k];
      if (v !== undefined && fn(k, v) === false) return;
    }
    const m = h.m;
    if (m !== null && m !== undefined) {
      for (const [k, v] of m) if (fn(k, v) === false) return;
    }
    return;
  }
  for (const [k, v] of t.hash as unknown as Iterable<[LuaValue, LuaValue]>) if (fn(k, v) === false) return;
}
