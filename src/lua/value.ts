// Lua 5.1 values as Peregrine's Lua runs them. This module is the contract shared by the compiler
// (src/lua/compile.ts), the standard libraries (src/lua/lib/*) and the scripting commands
// (src/scripting/*):
//
//   nil      -> undefined            boolean -> boolean
//   number   -> number (a double, Lua 5.1 has no integer subtype)
//   string   -> a JS "byte string": every char code is one byte (0..255). Buffer <-> string with
//               'latin1'. Byte order comparison and length are then JS's own.
//   table    -> LuaTable             userdata -> LuaUserdata
//   function -> LuaFunction: a JS function taking the Lua arguments as JS arguments and returning
//               an array of results (never mutate a returned array; EMPTY is the shared empty result).
//               A compiled Lua function may return the same array object from every call: read the
//               results (or copy the array) before calling that function again. LuaState.call()
//               returns a copy.

export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaUserdata | LuaThread;
export type LuaFunction = (...args: LuaValue[]) => LuaValue[];

/** The shared "no results" array. Never push into it. */
export const EMPTY: LuaValue[] = Object.freeze([]) as unknown as LuaValue[];

/** A Lua error in flight: `value` is what error() was given (a string, a table, ...). */
export class LuaError extends Error {
  /** The traceback text, when one was collected. */
  traceback: string | undefined;
  constructor(readonly value: LuaValue) {
    super(typeof value === 'string' ? value : typeof value === 'number' ? numberToString(value) : 'lua error');
  }
}

/**
 * An error pcall must not catch (a killed script, a timed-out script): it unwinds every Lua frame up
 * to whoever called into Lua from JS.
 */
export class LuaUncatchable extends LuaError {}

/** A coroutine (type "thread"). The coroutine library (lib/base.ts) drives it. */
export class LuaThread {
  status: 'suspended' | 'running' | 'normal' | 'dead' = 'suspended';
  /** the running generator of the body (coroutine-mode functions), null before the first resume */
  gen: Generator<LuaValue[], LuaValue[], LuaValue[]> | null = null;
  constructor(readonly fn: LuaFunction) {}
}

export class LuaUserdata {
  metatable: LuaTable | null = null;
  constructor(readonly data: unknown) {}
}

/** Prototype-less store for string keys: fast-mode objects (hidden classes, inline caches). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const StrBag = function StrBag(this: any) {} as unknown as { new(): Record<string, LuaValue> };
StrBag.prototype = Object.create(null);

/** Shared, never written string store of tables whose string keys moved to the Map. */
const EMPTY_BAG: Record<string, LuaValue> = new StrBag();
/** Most properties a string store holds (live and dead) before its keys move to the Map. */
const BAG_MAX = 128;

/**
 * The hash part of a table, with Map's interface (get/set/has/delete/size/keys/values/entries/
 * forEach/iteration). While a table has few string keys they live in a plain object `s` (so compiled
 * code reads constant fields with inline caches: `t.hash.s.name`; removed keys are kept as undefined
 * to keep the object's shape); other keys, and all keys of a table that had many string keys
 * (`big`), live in the Map `m`. Stored values are never undefined.
 */
export class LuaHash {
  s: Record<string, LuaValue> = new StrBag();
  m: Map<LuaValue, LuaValue> | null = null;
  /** live string keys in `s` */
  ns = 0;
  /** properties of `s` (live and removed) */
  np = 0;
  /** string keys are in the Map */
  big = false;
  // next(): a snapshot of the string keys being traversed and the position of the last one returned;
  // the Map iterator being traversed and the key it returned last.
  iterKeys: string[] | null = null;
  iterPos = 0;
  iter: Iterator<[LuaValue, LuaValue]> | null = null;
  iterKey: LuaValue = undefined;

  get size(): number { return this.ns + (this.m === null ? 0 : this.m.size); }

  get(k: LuaValue): LuaValue {
    if (typeof k === 'string' && !this.big) return this.s[k];
    return this.m === null ? undefined : this.m.get(k);
  }

  has(k: LuaValue): boolean { return this.get(k) !== undefined; }

  set(k: LuaValue, v: LuaValue): this {
    if (v === undefined) { this.delete(k); return this; }
    if (typeof k === 'string' && !this.big) {
      const s = this.s;
      if (s[k] === undefined) {
        if (!(k in s)) {
          if (this.np >= BAG_MAX) { this.toBig(); this.m!.set(k, v); return this; }
          this.np++;
        }
        this.ns++;
      }
      s[k] = v;
      return this;
    }
    if (this.m === null) this.m = new Map();
    this.m.set(k, v);
    return this;
  }

  delete(k: LuaValue): boolean {
    if (typeof k === 'string' && !this.big) {
      const s = this.s;
      if (s[k] === undefined) return false;
      s[k] = undefined;
      this.ns--;
      return true;
    }
    return this.m === null ? false : this.m.delete(k);
  }

  clear(): void { this.s = new StrBag(); this.ns = 0; this.np = 0; this.big = false; this.m = null; }

  private toBig(): void {
    const m = this.m ?? (this.m = new Map());
    const s = this.s;
    for (const k of Object.keys(s)) { const v = s[k]; if (v !== undefined) m.set(k, v); }
    this.s = EMPTY_BAG;
    this.ns = 0;
    this.np = 0;
    this.big = true;
  }

  /** All keys (a snapshot array). */
  keyList(): LuaValue[] {
    const s = this.s;
    const out: LuaValue[] = [];
    if (this.ns > 0) for (const k of Object.keys(s)) if (s[k] !== undefined) out.push(k);
    if (this.m !== null) for (const k of this.m.keys()) out.push(k);
    return out;
  }

  *entries(): IterableIterator<[LuaValue, LuaValue]> {
    const s = this.s;
    if (this.ns > 0) for (const k of Object.keys(s)) { const v = s[k]; if (v !== undefined) yield [k, v]; }
    if (this.m !== null) yield* this.m.entries();
  }

  *keys(): IterableIterator<LuaValue> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): IterableIterator<LuaValue> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[LuaValue, LuaValue]> { return this.entries(); }

  forEach(fn: (v: LuaValue, k: LuaValue) => void): void {
    for (const [k, v] of this.entries()) fn(v, k);
  }
}

/**
 * A Lua table: an array part for the keys 1..arr.length (holes are undefined) and a LuaHash for the
 * rest. Numeric keys with integral values up to arr.length+1 go to the array part.
 */
export class LuaTable {
  arr: LuaValue[] = [];
  hash: LuaHash | null = null;
  metatable: LuaTable | null = null;
  /** Set on tables the sandbox made read-only (writes raise "Attempt to modify a readonly table"). */
  readonly = false;

  static fromArray(values: LuaValue[]): LuaTable {
    const t = new LuaTable();
    let n = values.length;
    while (n > 0 && values[n - 1] === undefined) n--;
    t.arr = n === values.length ? values : values.slice(0, n);
    return t;
  }

  get(k: LuaValue): LuaValue {
    if (typeof k === 'number') {
      const arr = this.arr;
      if (k >= 1 && k <= arr.length && (k | 0) === k) return arr[k - 1];
    } else if (typeof k === 'string') {
      const h = this.hash;
      if (h === null) return undefined;
      const v = h.s[k];
      return v !== undefined || !h.big ? v : h.m!.get(k);
    } else if (k === undefined) {
      return undefined;
    }
    return this.hash === null ? undefined : this.hash.get(k);
  }

  /** String-keyed read (field access with a constant name): skips the number checks. */
  getStr(k: string): LuaValue {
    const h = this.hash;
    if (h === null) return undefined;
    const v = h.s[k];
    return v !== undefined || !h.big ? v : h.m!.get(k);
  }

  /** Raw set. Throws LuaError for a nil or NaN key (the caller adds the position). */
  set(k: LuaValue, v: LuaValue): void {
    if (typeof k === 'number') {
      const arr = this.arr;
      const n = arr.length;
      if (k >= 1 && k <= n + 1 && (k | 0) === k) {
        if (k <= n) {
          arr[k - 1] = v;
          if (v === undefined && k === n) {
            // Keep the array part without trailing holes.
            let m = n - 1;
            while (m > 0 && arr[m - 1] === undefined) m--;
            arr.length = m;
          }
          return;
        }
        if (v === undefined) { if (this.hash !== null) this.hash.delete(k); return; }
        arr.push(v);
        // Pull the following integer keys out of the hash part.
        const h = this.hash;
        if (h !== null && h.m !== null && h.m.size > 0) {
          const m = h.m;
          m.delete(k);
          let next = k + 1;
          let nv: LuaValue;
          while ((nv = m.get(next)) !== undefined) { arr.push(nv); m.delete(next); next++; }
        }
        return;
      }
      if (Number.isNaN(k)) throw new LuaError('table index is NaN');
    } else if (k === undefined) {
      throw new LuaError('table index is nil');
    }
    if (v === undefined) {
      if (this.hash !== null) this.hash.delete(k);
      return;
    }
    if (this.hash === null) this.hash = new LuaHash();
    this.hash.set(k, v);
  }

  /** The length operator's border (Lua 5.1 `#t` without __len, which 5.1 tables do not honour). */
  length(): number {
    const n = this.arr.length;
    if (n > 0) return n; // the array part never ends in a hole
    const h = this.hash;
    if (h === null || !h.has(1)) return 0;
    let i = 1;
    while (h.has(i + 1)) i++;
    return i;
  }

  /**
   * next(t, k): the entry after key k ([key, value]), or undefined at the end.
   * Throws LuaError "invalid key to 'next'" when k is not in the table.
   * Order: the array part, the string store, then the Map (continued with a cached iterator).
   */
  next(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const arr = this.arr;
    let i = 0;
    if (k !== undefined) {
      if (typeof k === 'number' && k >= 1 && k <= arr.length && (k | 0) === k) {
        i = k;
      } else {
        return this.nextInHash(k);
      }
    }
    for (; i < arr.length; i++) {
      if (arr[i] !== undefined) return [i + 1, arr[i]];
    }
    return this.fromStrings(-1, true);
  }

  private nextInHash(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const h = this.hash;
    if (h !== null) {
      if (typeof k === 'string' && !h.big) {
        const keys = this.hash!.iterKeys;
        if (keys !== null && this.hash!.iterPos < keys.length && keys[this.hash!.iterPos] === k) return this.fromStrings(this.hash!.iterPos, false);
        if (k in h.s) return this.fromStrings(this.restartStrings(k), false);
      } else if (h.m !== null) {
        if (this.hash!.iter !== null && sameKey(this.hash!.iterKey, k)) return this.advance();
        // next() called out of order: restart the traversal and skip to k.
        const it = h.m.entries();
        for (;;) {
          const r = it.next();
          if (r.done) break;
          if (sameKey(r.value[0], k)) { this.hash!.iter = it; return this.advance(); }
        }
      }
    }
    if (typeof k === 'number' && Number.isInteger(k) && k >= 1 && !(h !== null && h.m !== null && h.m.has(k))) {
      // An array-part key whose slot was trimmed away (set to nil during the traversal).
      return this.fromStrings(-1, true);
    }
    throw new LuaError("invalid key to 'next'");
  }

  /** Position of k in a fresh snapshot of the string keys. */
  private restartStrings(k: string): number {
    const keys = Object.keys(this.hash!.s);
    this.hash!.iterKeys = keys;
    return keys.indexOf(k);
  }

  /** The first live string key after position pos (fresh snapshot when `fresh`), then the Map. */
  private fromStrings(pos: number, fresh: boolean): [LuaValue, LuaValue] | undefined {
    const h = this.hash;
    if (h === null) return undefined;
    if (!h.big) {
      if (fresh) {
        if (h.ns === 0) { this.hash!.iterKeys = null; return this.fromMap(); }
        this.hash!.iterKeys = Object.keys(h.s);
      }
      const keys = this.hash!.iterKeys!;
      const s = h.s;
      for (let p = pos + 1; p < keys.length; p++) {
        const v = s[keys[p]];
        if (v !== undefined) { this.hash!.iterPos = p; return [keys[p], v]; }
      }
      this.hash!.iterKeys = null;
    }
    return this.fromMap();
  }

  private fromMap(): [LuaValue, LuaValue] | undefined {
    const h = this.hash;
    if (h === null || h.m === null || h.m.size === 0) return undefined;
    this.hash!.iter = h.m.entries();
    return this.advance();
  }

  private advance(): [LuaValue, LuaValue] | undefined {
    const r = this.hash!.iter!.next();
    if (r.done) { this.hash!.iter = null; this.hash!.iterKey = undefined; return undefined; }
    // A key set to nil during the traversal has been deleted from the Map already.
    this.hash!.iterKey = r.value[0];
    return [r.value[0], r.value[1]];
  }
}

function sameKey(a: LuaValue, b: LuaValue): boolean {
  return a === b || (typeof a === 'number' && a !== a && typeof b === 'number' && b !== b);
}

/** Lua's type() name of a value. */
export function typeName(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined': return 'nil';
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    case 'function': return 'function';
    default: return v instanceof LuaTable ? 'table' : v instanceof LuaThread ? 'thread' : 'userdata';
  }
}

/** Lua 5.1 truthiness: only nil and false are false. */
export function truthy(v: LuaValue): boolean {
  return v !== undefined && v !== false;
}

/** Formats a number as Lua 5.1 does (LUAI_NUMFFORMAT "%.14g"). */
export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e14) return Object.is(n, -0) ? '-0' : String(n);
  // x86 C libraries print the default NaN (0/0, inf-inf, x%0) as "-nan"; JS cannot keep NaN signs.
  if (n !== n) return '-nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return formatG(n, 14);
}

/** C printf's %.<prec>g for a finite number. */
export function formatG(n: number, prec: number): string {
  if (prec === 0) prec = 1;
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  n = halfEven(n, prec);
  const exp = Math.floor(Math.log10(Math.abs(n)));
  // toExponential gives the exact decimal exponent after rounding.
  const e = n.toExponential(prec - 1);
  const ei = e.indexOf('e');
  const x = parseInt(e.slice(ei + 1), 10);
  void exp;
  if (x < -4 || x >= prec) {
    let mant = e.slice(0, ei);
    if (mant.includes('.')) mant = mant.replace(/\.?0+$/, '');
    const sign = x < 0 ? '-' : '+';
    const ax = Math.abs(x);
    return `${mant}e${sign}${ax < 10 ? '0' : ''}${ax}`;
  }
  let f = n.toFixed(Math.max(0, prec - 1 - x));
  if (f.includes('.')) f = f.replace(/\.?0+$/, '');
  return f;
}

const f64 = new Float64Array(1);
const i64 = new BigInt64Array(f64.buffer);

/**
 * JS rounds exact decimal ties away from zero where C's printf rounds them to even: for a number
 * exactly halfway at `prec` significant digits whose kept digit is even, returns the next double toward
 * zero (which then rounds down); other numbers are returned unchanged.
 */
function halfEven(n: number, prec: number): number {
  const probe = n.toExponential(prec);
  const ei = probe.indexOf('e');
  if (probe.charCodeAt(ei - 1) !== 53) return n; // the digit after the kept ones is not 5
  const exact = Math.abs(n).toPrecision(100).replace(/e.*$/, '').replace('.', '').replace(/^0+/, '');
  if (exact.charCodeAt(prec) !== 53 || !/^0*$/.test(exact.slice(prec + 1))) return n;
  if ((exact.charCodeAt(prec - 1) - 48) % 2 !== 0) return n;
  f64[0] = n;
  i64[0] -= 1n;
  return f64[0];
}

const WS = /^[ \f\n\r\t\v]*$/;

/**
 * Lua 5.1's string -> number conversion (lua_str2number: strtod, or a hex integer after "0x"),
 * allowing surrounding whitespace. Returns undefined when the string is not a number.
 */
export function stringToNumber(s: string): number | undefined {
  // Fast path: only [0-9.eE+-] characters, where JS's Number() and strtod agree on what is valid.
  const n = s.length;
  if (n > 0 && n < 32) {
    let simple = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!((c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45)) { simple = false; break; }
    }
    if (simple) {
      const v = Number(s);
      return v === v ? v : undefined;
    }
  }
  const t = s.replace(/^[ \f\n\r\t\v]+/, '');
  const m = /^[-+]?(?:0[xX](?:([0-9a-fA-F]+)(?![.pP])|([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([-+]?\d+))?)|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)/i.exec(t);
  if (m === null) return undefined;
  if (!WS.test(t.slice(m[0].length))) return undefined;
  const tok = m[0];
  if (m[1] !== undefined) {
    const v = parseInt(m[1], 16);
    return tok[0] === '-' ? -v : v;
  }
  if (/^[-+]?0[xX]/.test(tok)) {
    // a C99 hex float (strtod): digits, fraction, binary exponent
    const ip = m[2] ?? '', fp = m[3] ?? '';
    if (ip === '' && fp === '') return undefined;
    let v = ip === '' ? 0 : parseInt(ip, 16);
    for (let i = 0; i < fp.length; i++) v += parseInt(fp[i], 16) / 16 ** (i + 1);
    if (m[4] !== undefined) v *= 2 ** Number(m[4]);
    return tok[0] === '-' ? -v : v;
  }
  const low = tok.toLowerCase().replace(/^[-+]/, '');
  if (low.startsWith('inf')) return tok[0] === '-' ? -Infinity : Infinity;
  if (low === 'nan') return NaN;
  return Number(tok);
}

/** Converts a value to a number the way Lua's arithmetic coerces (numbers, numeric strings). */
export function toNumber(v: LuaValue): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return stringToNumber(v);
  return undefined;
}

/** Converts a value to a string the way lua_tolstring does (numbers and strings only). */
export function toStr(v: LuaValue): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return numberToString(v);
  return undefined;
}

export function bytesToLua(b: Buffer | Uint8Array): string {
  return Buffer.isBuffer(b) ? b.toString('latin1') : Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

export function luaToBytes(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
