// Runtime helpers for compiled Lua code and for the libraries: the slow paths of arithmetic, comparison,
// concatenation, indexing and calls (coercions, metamethods, 5.1 error messages with variable names),
// positions ("chunk:line:") for errors, and argument checking for library functions.
//
// For library code (no call site): callValue(L, f, args), indexValue(L, t, k), setIndexValue(L, t, k, v),
// tostringMeta(L, v) / tostringValue(L, v), eq(a, b), lt(a, b, null), le(a, b, null), arith(op, a, b, null),
// concat(a, b, null), len(a, null), getMetatable(L, v), where(level), libError(msg), argError(fname, n, msg),
// typeError(args, i, fname, tname), checkNumber/checkInt/checkString/checkTable/checkAny/checkFunction/
// checkOption/optNumber/optInt/optString(args, i, fname[, def]) with 0-based i, toLuaError(e).
// Errors raised without a site carry no position, as luaG_runerror inside a C function.

import {
  EMPTY, LuaError, LuaTable, LuaUncatchable, LuaUserdata, numberToString, stringToNumber, typeName,
  type LuaFunction, type LuaValue,
} from './value.js';
import type { LuaState } from './state.js';

// ---------------------------------------------------------------------------------------------
// Chunks and sites

/** What the runtime knows about one compiled chunk. */
export class ChunkInfo {
  /** Lua line of every JS line of the generated function body (index = JS line number). */
  lineMap: Int32Array = new Int32Array(0);
  constructor(readonly name: string, readonly L: LuaState, readonly url: string) {}
}

/**
 * A place in the Lua source where a runtime error can happen: the line and the descriptions of the
 * operands ("global 'x'", "local 'y'", "field 'z'", "method 'm'", "upvalue 'u'", or '' for none).
 */
export class Site {
  constructor(readonly chunk: ChunkInfo, readonly line: number, readonly d1: string, readonly d2: string) {}
}

/** Compiled chunks by their source URL (for mapping JS stack frames back to Lua lines). */
export const chunks = new Map<string, WeakRef<ChunkInfo>>();
let chunkSeq = 0;
export function newChunkUrl(): string { return `lua@${++chunkSeq}`; }

function siteError(site: Site | null, msg: string): LuaError {
  // Errors raised for library code (no site) carry no position, as luaG_runerror inside a C function.
  if (site === null) return new LuaError(msg);
  return new LuaError(`${site.chunk.name}:${site.line}: ${msg}`);
}

function describe(desc: string, v: LuaValue, op: string): string {
  if (desc !== '') return `attempt to ${op} ${desc} (a ${typeName(v)} value)`;
  return `attempt to ${op} a ${typeName(v)} value`;
}

/** Raises a Lua error with the position of the given site. */
export function runError(site: Site | null, msg: string): never {
  throw siteError(site, msg);
}

// ---------------------------------------------------------------------------------------------
// Positions from the JS stack

interface Level { chunk: ChunkInfo | null; line: number }

// Frames of the core itself are invisible to Lua; any other JS frame (libraries, scripting, host code)
// counts as a C function level.
const CORE_RE = /[\\/]lua[\\/](?:runtime|state|compile|value|parser|lexer)\.[jt]s$/;

function captureLevels(from: Error | null, limit = 64): Level[] {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  let sites: NodeJS.CallSite[] | undefined;
  try {
    Error.prepareStackTrace = (_e, s) => s;
    Error.stackTraceLimit = limit;
    if (from !== null) {
      const st = (from as { stack?: unknown }).stack;
      if (Array.isArray(st)) sites = st as NodeJS.CallSite[];
    } else {
      const holder: { stack?: NodeJS.CallSite[] } = {};
      Error.captureStackTrace(holder, captureLevels);
      sites = holder.stack;
    }
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
  const out: Level[] = [];
  if (sites === undefined) return out;
  for (const cs of sites) {
    const url = cs.getScriptNameOrSourceURL?.() ?? cs.getFileName() ?? '';
    const ch = chunks.get(url)?.deref();
    if (ch !== undefined) {
      const jl = cs.getLineNumber() ?? 0;
      const map = ch.lineMap;
      out.push({ chunk: ch, line: jl < map.length ? map[jl] : (map.length > 0 ? map[map.length - 1] : 0) });
    } else if (url !== '' && !url.startsWith('node:') && !CORE_RE.test(url)) {
      out.push({ chunk: null, line: -1 });
    }
  }
  return out;
}

/**
 * luaL_where: "chunk:line: " of the function at `level` (0 = the library function raising the
 * error, 1 = the Lua function that called it, ...), or '' when that level is not Lua code.
 */
export function where(level: number): string {
  const levels = captureLevels(null);
  // The frame raising the error is a library function (level 0) unless called from Lua directly.
  let lv: Level | undefined;
  if (levels.length > 0 && levels[0].chunk !== null) lv = levels[level - 1];
  else lv = levels[level];
  if (lv === undefined || lv.chunk === null || lv.line <= 0) return '';
  return `${lv.chunk.name}:${lv.line}: `;
}

/** The position of the innermost Lua frame in an error's stack (for stack overflows). */
function topLuaPosition(e: Error): string {
  const levels = captureLevels(e);
  for (const lv of levels) if (lv.chunk !== null && lv.line > 0) return `${lv.chunk.name}:${lv.line}: `;
  return '';
}

/**
 * Converts anything thrown while running Lua into a LuaError (stack overflow, out of memory, internal
 * errors). LuaUncatchable passes through unchanged.
 */
export function toLuaError(e: unknown): LuaError {
  if (e instanceof LuaError) return e;
  if (e instanceof RangeError) {
    if (/call stack/i.test(e.message)) return new LuaError(topLuaPosition(e) + 'stack overflow');
    return new LuaError('not enough memory');
  }
  if (e instanceof Error) return new LuaError(e.message);
  return new LuaError(String(e));
}

export function isUncatchable(e: unknown): boolean { return e instanceof LuaUncatchable; }

// ---------------------------------------------------------------------------------------------
// Metatables

export function getMetatable(L: LuaState | null, v: LuaValue): LuaTable | null {
  if (v instanceof LuaTable || v instanceof LuaUserdata) return v.metatable;
  if (typeof v === 'string' && L !== null) return L.stringMeta;
  return null;
}

function metaOf(site: Site | null, v: LuaValue): LuaTable | null {
  if (v instanceof LuaTable || v instanceof LuaUserdata) return v.metatable;
  if (typeof v === 'string') return site !== null ? site.chunk.L.stringMeta : currentStringMeta;
  return null;
}

/** The string metatable for library code that has no site (set by LuaState on entry). */
export let currentStringMeta: LuaTable | null = null;
export function setCurrentStringMeta(m: LuaTable | null): void { currentStringMeta = m; }

function tm(v: LuaValue, site: Site | null, event: string): LuaValue {
  const mt = metaOf(site, v);
  return mt === null ? undefined : mt.getStr(event);
}

// ---------------------------------------------------------------------------------------------
// Calls

/** Calls any value (functions directly, others through __call). */
export function call(f: LuaValue, site: Site | null, ...args: LuaValue[]): LuaValue[] {
  if (typeof f === 'function') return f(...args);
  return callable(f, site)(...args);
}

/** A JS function that calls the value: itself, or a wrapper of its __call metamethod. Throws otherwise. */
export function callable(f: LuaValue, site: Site | null): LuaFunction {
  if (typeof f === 'function') return f;
  const h = tm(f, site, '__call');
  if (typeof h === 'function') return (...args: LuaValue[]) => h(f, ...args);
  throw siteError(site, describe(site === null ? '' : site.d1, f, 'call'));
}

/** Calls a value from library code (with __call support). */
export function callValue(_L: LuaState | null, f: LuaValue, args: LuaValue[]): LuaValue[] {
  if (typeof f === 'function') return f(...args);
  return callable(f, null)(...args);
}

// ---------------------------------------------------------------------------------------------
// Coroutine mode (chunks that mention `coroutine`)

type CoGen = (...args: LuaValue[]) => Generator<LuaValue[], LuaValue[], LuaValue[]>;
/** A Lua function compiled in coroutine mode: callable normally, its generator in `$co`. */
export type CoFunction = LuaFunction & { $co: CoGen };

/** The coroutine.yield function (set by the base library). */
export let coYield: LuaFunction | null = null;
export function setCoYield(f: LuaFunction): void { coYield = f; }

const YIELD_ACROSS = 'attempt to yield across metamethod/C-call boundary';

/** Runs a coroutine-mode body outside a coroutine's resume (called from JS or a library function). */
function runSync(g: Generator<LuaValue[], LuaValue[], LuaValue[]>): LuaValue[] {
  const r = g.next();
  if (r.done === true) return r.value;
  g.return(EMPTY);
  throw new LuaError(YIELD_ACROSS);
}

/** Wraps the generator of a coroutine-mode Lua function as a Lua function value. */
export function coFn(g: CoGen): CoFunction {
  const f = ((...args: LuaValue[]) => runSync(g(...args))) as CoFunction;
  f.$co = g;
  return f;
}

/** A call from coroutine-mode code: Lua functions run as generators, coroutine.yield suspends. */
export function* coCall(f: LuaValue, site: Site, ...args: LuaValue[]): Generator<LuaValue[], LuaValue[], LuaValue[]> {
  if (typeof f === 'function') {
    const g = (f as Partial<CoFunction>).$co;
    if (g !== undefined) return yield* g(...args);
    if (f === coYield) return yield args;
    return f(...args);
  }
  return callable(f, site)(...args);
}

export function hook(L: LuaState): void {
  L.budget = L.hookEvery;
  L.onBudget();
}

// ---------------------------------------------------------------------------------------------
// Indexing

const MAXTAGLOOP = 100;

/** t[k] with metamethods (compiled code; the site names the indexed expression). */
export function index(o: LuaValue, k: LuaValue, site: Site | null): LuaValue {
  if (o instanceof LuaTable) {
    const v = o.get(k);
    if (v !== undefined || o.metatable === null) return v;
  }
  return indexSlow(o, k, site);
}

/** t.name for a constant string name. */
export function indexStr(o: LuaValue, k: string, site: Site | null): LuaValue {
  if (o instanceof LuaTable) {
    const v = o.getStr(k);
    if (v !== undefined || o.metatable === null) return v;
  }
  return indexSlow(o, k, site);
}

/** A global read that missed the globals' hash (no value, or a metatable to consult). */
export function globalMiss(G: LuaTable, k: string, site: Site): LuaValue {
  if (G.metatable === null) return G.getStr(k);
  return indexSlow(G, k, site);
}

function indexSlow(o: LuaValue, k: LuaValue, site: Site | null): LuaValue {
  for (let loop = 0; loop < MAXTAGLOOP; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      const v = typeof k === 'string' ? o.getStr(k) : o.get(k);
      if (v !== undefined) return v;
      const mt = o.metatable;
      if (mt === null) return undefined;
      h = mt.getStr('__index');
      if (h === undefined) return undefined;
    } else if (typeof o === 'string') {
      const mt = site !== null ? site.chunk.L.stringMeta : currentStringMeta;
      h = mt === null ? undefined : mt.getStr('__index');
      if (h === undefined) throw siteError(site, describe(loop === 0 && site !== null ? site.d1 : '', o, 'index'));
    } else {
      h = tm(o, site, '__index');
      if (h === undefined) throw siteError(site, describe(loop === 0 && site !== null ? site.d1 : '', o, 'index'));
    }
    if (typeof h === 'function') return h(o, k)[0];
    o = h;
  }
  throw siteError(site, 'loop in gettable');
}

/** t[k] = v with metamethods. */
export function setIndex(o: LuaValue, k: LuaValue, v: LuaValue, site: Site | null): void {
  if (o instanceof LuaTable && o.metatable === null && !o.readonly && k !== undefined && k === k) {
    o.set(k, v);
    return;
  }
  setIndexSlow(o, k, v, site);
}

function setIndexSlow(o: LuaValue, k: LuaValue, v: LuaValue, site: Site | null): void {
  for (let loop = 0; loop < MAXTAGLOOP; loop++) {
    let h: LuaValue;
    if (o instanceof LuaTable) {
      if (o.readonly) throw siteError(site, 'Attempt to modify a readonly table');
      const mt = o.metatable;
      if (mt === null || (h = mt.getStr('__newindex')) === undefined || o.get(k) !== undefined) {
        if (k === undefined) throw siteError(site, 'table index is nil');
        if (typeof k === 'number' && k !== k) throw siteError(site, 'table index is NaN');
        o.set(k, v);
        return;
      }
    } else {
      h = tm(o, site, '__newindex');
      if (h === undefined) throw siteError(site, describe(loop === 0 && site !== null ? site.d1 : '', o, 'index'));
    }
    if (typeof h === 'function') { h(o, k, v); return; }
    o = h;
  }
  throw siteError(site, 'loop in settable');
}

/** Library-facing index with metamethods (lua_gettable). */
export function indexValue(_L: LuaState | null, t: LuaValue, k: LuaValue): LuaValue {
  return index(t, k, null);
}
export function setIndexValue(_L: LuaState | null, t: LuaValue, k: LuaValue, v: LuaValue): void {
  setIndex(t, k, v, null);
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

export const OP_ADD = 0, OP_SUB = 1, OP_MUL = 2, OP_DIV = 3, OP_MOD = 4, OP_POW = 5;
const ARITH_EVENTS = ['__add', '__sub', '__mul', '__div', '__mod', '__pow'];

function arithNum(op: number, a: number, b: number): number {
  switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_MOD: return a - Math.floor(a / b) * b;
    default: return Math.pow(a, b);
  }
}

function tonum(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return stringToNumber(v);
  return undefined;
}

/** Arithmetic slow path: string coercion, then metamethods, then the 5.1 error. */
export function arith(op: number, a: LuaValue, b: LuaValue, site: Site | null): LuaValue {
  const x = tonum(a), y = tonum(b);
  if (x !== undefined && y !== undefined) return arithNum(op, x, y);
  const ev = ARITH_EVENTS[op];
  let h = tm(a, site, ev);
  if (h === undefined) h = tm(b, site, ev);
  if (h !== undefined) return callable(h, site)(a, b)[0];
  if (x === undefined) throw siteError(site, describe(site === null ? '' : site.d1, a, 'perform arithmetic on'));
  throw siteError(site, describe(site === null ? '' : site.d2, b, 'perform arithmetic on'));
}

export function add(a: LuaValue, b: LuaValue, site: Site | null): LuaValue {
  return typeof a === 'number' && typeof b === 'number' ? a + b : arith(OP_ADD, a, b, site);
}

export function unm(a: LuaValue, site: Site | null): LuaValue {
  const x = tonum(a);
  if (x !== undefined) return -x;
  const h = tm(a, site, '__unm');
  if (h !== undefined) return callable(h, site)(a, a)[0];
  throw siteError(site, describe(site === null ? '' : site.d1, a, 'perform arithmetic on'));
}

export function len(a: LuaValue, site: Site | null): LuaValue {
  if (typeof a === 'string') return a.length;
  if (a instanceof LuaTable) return a.length();
  const h = tm(a, site, '__len');
  if (h !== undefined) return callable(h, site)(a)[0];
  throw siteError(site, describe(site === null ? '' : site.d1, a, 'get length of'));
}

export function concat(a: LuaValue, b: LuaValue, site: Site | null): LuaValue {
  const ta = typeof a, tb = typeof b;
  if ((ta === 'string' || ta === 'number') && (tb === 'string' || tb === 'number')) {
    return (ta === 'number' ? numberToString(a as number) : a as string) + (tb === 'number' ? numberToString(b as number) : b as string);
  }
  let h = tm(a, site, '__concat');
  if (h === undefined) h = tm(b, site, '__concat');
  if (h !== undefined) return callable(h, site)(a, b)[0];
  if (ta === 'string' || ta === 'number') throw siteError(site, describe(site === null ? '' : site.d2, b, 'concatenate'));
  throw siteError(site, describe(site === null ? '' : site.d1, a, 'concatenate'));
}

// ---------------------------------------------------------------------------------------------
// Comparison

function orderError(site: Site | null, a: LuaValue, b: LuaValue): never {
  const t1 = typeName(a), t2 = typeName(b);
  if (t1 === t2) throw siteError(site, `attempt to compare two ${t1} values`);
  throw siteError(site, `attempt to compare ${t1} with ${t2}`);
}

/** The metamethod both operands share for an order comparison, or undefined. */
function orderTM(a: LuaValue, b: LuaValue, site: Site | null, ev: string): LuaValue {
  const h1 = tm(a, site, ev);
  if (h1 === undefined) return undefined;
  const h2 = tm(b, site, ev);
  if (h1 !== h2) return undefined;
  return h1;
}

export function lt(a: LuaValue, b: LuaValue, site: Site | null): boolean {
  const ta = typeof a;
  if (ta !== typeof b) orderError(site, a, b);
  if (ta === 'number' || ta === 'string') return (a as number) < (b as number);
  const h = orderTM(a, b, site, '__lt');
  if (h !== undefined) { const r = callable(h, site)(a, b)[0]; return r !== undefined && r !== false; }
  orderError(site, a, b);
}

export function le(a: LuaValue, b: LuaValue, site: Site | null): boolean {
  const ta = typeof a;
  if (ta !== typeof b) orderError(site, a, b);
  if (ta === 'number' || ta === 'string') return (a as number) <= (b as number);
  let h = orderTM(a, b, site, '__le');
  if (h !== undefined) { const r = callable(h, site)(a, b)[0]; return r !== undefined && r !== false; }
  h = orderTM(b, a, site, '__lt');
  if (h !== undefined) { const r = callable(h, site)(b, a)[0]; return !(r !== undefined && r !== false); }
  orderError(site, a, b);
}

/** Equality beyond ===: tables/userdata with a shared __eq. */
export function eq(a: LuaValue, b: LuaValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const isT = a instanceof LuaTable;
  if (isT !== (b instanceof LuaTable)) return false;
  const m1 = (a as LuaTable).metatable, m2 = (b as LuaTable).metatable;
  if (m1 === null) return false;
  const h1 = m1.getStr('__eq');
  if (h1 === undefined) return false;
  if (m1 !== m2) {
    if (m2 === null || m2.getStr('__eq') !== h1) return false;
  }
  const r = callable(h1, null)(a, b)[0];
  return r !== undefined && r !== false;
}

// ---------------------------------------------------------------------------------------------
// Tables, for loops, misc for compiled code

/** A table constructor with keyed items (flat [k1, v1, k2, v2, ...]) and positional items. */
export function table(kv: LuaValue[] | null, pos: LuaValue[] | null, site: Site): LuaTable {
  const t = new LuaTable();
  if (kv !== null) {
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i], v = kv[i + 1];
      if (k === undefined) throw siteError(site, 'table index is nil');
      if (typeof k === 'number' && k !== k) throw siteError(site, 'table index is NaN');
      if (v !== undefined) t.set(k, v);
    }
  }
  if (pos !== null) {
    if (t.hash === null || t.hash.size === 0) {
      let n = pos.length;
      while (n > 0 && pos[n - 1] === undefined) n--;
      pos.length = n;
      t.arr = pos;
      t.hash = null;
    } else {
      for (let i = 0; i < pos.length; i++) t.set(i + 1, pos[i]);
    }
  }
  return t;
}

export function forNum(v: LuaValue, what: string, site: Site): number {
  const n = tonum(v);
  if (n === undefined) throw siteError(site, `'for' ${what} must be a number`);
  return n;
}

// ---------------------------------------------------------------------------------------------
// tostring with __tostring, object ids

const ids = new WeakMap<object, number>();
let nextId = 0x55d0c8a0;

/** A stable unique address-like id for a table, function or userdata. */
export function objectId(o: object): string {
  let id = ids.get(o);
  if (id === undefined) { id = nextId; nextId += 0x40; ids.set(o, id); }
  return '0x' + id.toString(16).padStart(8, '0');
}

/** tostring() without metamethods. */
export function rawToString(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined': return 'nil';
    case 'boolean': return v ? 'true' : 'false';
    case 'number': return numberToString(v);
    case 'string': return v;
    case 'function': return 'function: ' + objectId(v);
    default: return `${typeName(v)}: ${objectId(v)}`;
  }
}

/** tostring() as the base library's: __tostring's result is returned whatever it is. */
export function tostringValue(L: LuaState | null, v: LuaValue): LuaValue {
  const mt = getMetatable(L, v);
  if (mt !== null && typeof v !== 'string') {
    const h = mt.getStr('__tostring');
    if (h !== undefined) return callValue(L, h, [v])[0];
  }
  return rawToString(v);
}

/** tostring() honouring __tostring, as a string (for libraries that need one). */
export function tostringMeta(L: LuaState | null, v: LuaValue): string {
  const mt = getMetatable(L, v);
  if (mt !== null && typeof v !== 'string') {
    const h = mt.getStr('__tostring');
    if (h !== undefined) {
      const r = callValue(L, h, [v])[0];
      if (typeof r !== 'string') {
        if (typeof r === 'number') return numberToString(r);
        throw new LuaError(where(1) + "'__tostring' must return a string");
      }
      return r;
    }
  }
  return rawToString(v);
}

// ---------------------------------------------------------------------------------------------
// Argument checking for library functions (luaL_check* / luaL_opt* with 5.1 messages)

/** Raises "bad argument #n to 'fname' (msg)" with the caller's position. */
export function argError(fname: string, n: number, msg: string): never {
  throw new LuaError(`${where(1)}bad argument #${n} to '${fname}' (${msg})`);
}

/** Raises "bad argument #n to 'fname' (tname expected, got <type>)". */
export function typeError(args: LuaValue[], i: number, fname: string, tname: string): never {
  const got = i < args.length ? typeName(args[i]) : 'no value';
  argError(fname, i + 1, `${tname} expected, got ${got}`);
}

/** luaL_checknumber: args[i] (0-based) as a number (numeric strings convert). */
export function checkNumber(args: LuaValue[], i: number, fname: string): number {
  const v = args[i];
  if (typeof v === 'number') return v;
  if (typeof v === 'string') { const n = stringToNumber(v); if (n !== undefined) return n; }
  typeError(args, i, fname, 'number');
}

/** luaL_checkint: a number truncated toward zero (as C's cast). */
export function checkInt(args: LuaValue[], i: number, fname: string): number {
  const n = checkNumber(args, i, fname);
  return toInt(n);
}

/**
 * luaL_checkint's conversion on x86-64: (int)(ptrdiff_t)d, i.e. truncation toward zero, then the low
 * 32 bits; NaN and values beyond 2^63 give INT64_MIN, whose low bits are 0.
 */
export function toInt(n: number): number {
  if (n >= -2147483648 && n <= 2147483647) return n < 0 ? Math.ceil(n) : Math.floor(n);
  if (!(Math.abs(n) < 9223372036854775808)) return 0;
  return Number(BigInt.asIntN(32, BigInt(Math.trunc(n))));
}

export function optNumber(args: LuaValue[], i: number, fname: string, def: number): number {
  const v = args[i];
  if (v === undefined) return def;
  return checkNumber(args, i, fname);
}

export function optInt(args: LuaValue[], i: number, fname: string, def: number): number {
  const v = args[i];
  if (v === undefined) return def;
  return checkInt(args, i, fname);
}

/** luaL_checklstring: strings, and numbers converted with %.14g. */
export function checkString(args: LuaValue[], i: number, fname: string): string {
  const v = args[i];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  typeError(args, i, fname, 'string');
}

export function optString(args: LuaValue[], i: number, fname: string, def: string): string {
  const v = args[i];
  if (v === undefined) return def;
  return checkString(args, i, fname);
}

export function checkTable(args: LuaValue[], i: number, fname: string): LuaTable {
  const v = args[i];
  if (v instanceof LuaTable) return v;
  typeError(args, i, fname, 'table');
}

/** luaL_checkany: "bad argument #n to 'f' (value expected)" when the argument is absent. */
export function checkAny(args: LuaValue[], i: number, fname: string): LuaValue {
  if (i >= args.length) argError(fname, i + 1, 'value expected');
  return args[i];
}

export function checkFunction(args: LuaValue[], i: number, fname: string): LuaFunction {
  const v = args[i];
  if (typeof v === 'function') return v;
  typeError(args, i, fname, 'function');
}

/** luaL_checkoption: one of the listed strings. */
export function checkOption(args: LuaValue[], i: number, fname: string, def: string | null, options: string[]): number {
  const v = def !== null && args[i] === undefined ? def : checkString(args, i, fname);
  const k = options.indexOf(v);
  if (k < 0) argError(fname, i + 1, `invalid option '${v}'`);
  return k;
}

/** luaL_error: a Lua error with the position of the Lua code calling the library function. */
export function libError(msg: string): never {
  throw new LuaError(where(1) + msg);
}

export { EMPTY };

/** A shared [nil] result. */
export const NIL_RESULT: LuaValue[] = Object.freeze([undefined]) as unknown as LuaValue[];

/** next(t, k) as a shared function value (pairs returns it; compiled for-in loops recognise it). */
export function luaNext(...args: LuaValue[]): LuaValue[] {
  const t = args[0];
  if (!(t instanceof LuaTable)) typeError(args, 0, 'next', 'table');
  const r = t.next(args[1]);
  return r === undefined ? NIL_RESULT : r;
}

/** The iterator ipairs returns (raw reads; compiled for-in loops recognise it). */
export function ipairsAux(t: LuaValue, i: LuaValue): LuaValue[] {
  const n = (i as number) + 1;
  const v = (t as LuaTable).get(n);
  return v === undefined ? NIL_RESULT : [n, v];
}
