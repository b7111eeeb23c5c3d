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

export type LuaValue = undefined | boolean | number | string | LuaTable | LuaFunction | LuaUserdata;
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

export class LuaUserdata {
  metatable: LuaTable | null = null;
  constructor(readonly data: unknown) {}
}

/**
 * A Lua table: an array part for the keys 1..arr.length (holes are undefined) and a Map for the rest.
 * Numeric keys with integral values up to arr.length+1 go to the array part.
 */
export class LuaTable {
  arr: LuaValue[] = [];
  hash: Map<LuaValue, LuaValue> | null = null;
  metatable: LuaTable | null = null;
  /** Set on tables the sandbox made read-only (writes raise "Attempt to modify a readonly table"). */
  readonly = false;
  // next() continues from a cached Map iterator when called with the key it returned last.
  private iterKey: LuaValue = undefined;
  private iter: Iterator<[LuaValue, LuaValue]> | null = null;

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
    } else if (k === undefined) {
      return undefined;
    }
    return this.hash === null ? undefined : this.hash.get(k);
  }

  /** String-keyed read (field access with a constant name): skips the number checks. */
  getStr(k: string): LuaValue {
    return this.hash === null ? undefined : this.hash.get(k);
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
        if (h !== null && h.size > 0) {
          h.delete(k);
          let next = k + 1;
          let nv: LuaValue;
          while ((nv = h.get(next)) !== undefined) { arr.push(nv); h.delete(next); next++; }
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
    if (this.hash === null) this.hash = new Map();
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
   */
  next(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const arr = this.arr;
    let i = 0;
    if (k !== undefined) {
      if (typeof k === 'number' && k >= 1 && k <= arr.length && (k | 0) === k) {
        i = k;
      } else if (typeof k === 'number' && Number.isInteger(k) && k >= 1 && (this.hash === null || !this.hash.has(k)) &&
                 !(this.iter !== null && this.iterKey === k)) {
        // An array-part key whose slot was trimmed away (set to nil during the traversal).
        i = arr.length;
      } else {
        return this.nextInHash(k);
      }
    }
    for (; i < arr.length; i++) {
      if (arr[i] !== undefined) return [i + 1, arr[i]];
    }
    const h = this.hash;
    if (h === null || h.size === 0) return undefined;
    this.iter = h.entries();
    return this.advance();
  }

  private nextInHash(k: LuaValue): [LuaValue, LuaValue] | undefined {
    const h = this.hash;
    if (this.iter !== null && this.iterKey === k) return this.advance();
    if (h === null) throw new LuaError("invalid key to 'next'");
    // Restart the traversal and skip to k (only when next() is called out of order).
    const it = h.entries();
    for (;;) {
      const r = it.next();
      if (r.done) throw new LuaError("invalid key to 'next'");
      if (r.value[0] === k || (Number.isNaN(k) && Number.isNaN(r.value[0]))) break;
    }
    this.iter = it;
    return this.advance();
  }

  private advance(): [LuaValue, LuaValue] | undefined {
    const it = this.iter!;
    for (;;) {
      const r = it.next();
      if (r.done) { this.iter = null; this.iterKey = undefined; return undefined; }
      // A key set to nil during traversal has been deleted from the Map already.
      this.iterKey = r.value[0];
      return [r.value[0], r.value[1]];
    }
  }
}

/** Lua's type() name of a value. */
export function typeName(v: LuaValue): string {
  switch (typeof v) {
    case 'undefined': return 'nil';
    case 'boolean': return 'boolean';
    case 'number': return 'number';
    case 'string': return 'string';
    case 'function': return 'function';
    default: return v instanceof LuaTable ? 'table' : 'userdata';
  }
}

/** Lua 5.1 truthiness: only nil and false are false. */
export function truthy(v: LuaValue): boolean {
  return v !== undefined && v !== false;
}

/** Formats a number as Lua 5.1 does (LUAI_NUMFFORMAT "%.14g"). */
export function numberToString(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e15) return Object.is(n, -0) ? '-0' : String(n);
  if (n !== n) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  return formatG(n, 14);
}

/** C printf's %.<prec>g for a finite number. */
export function formatG(n: number, prec: number): string {
  if (prec === 0) prec = 1;
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
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

const WS = /^[ \f\n\r\t\v]*$/;

/**
 * Lua 5.1's string -> number conversion (lua_str2number: strtod, or a hex integer after "0x"),
 * allowing surrounding whitespace. Returns undefined when the string is not a number.
 */
export function stringToNumber(s: string): number | undefined {
  const t = s.replace(/^[ \f\n\r\t\v]+/, '');
  const m = /^[-+]?(?:0[xX]([0-9a-fA-F]+)|(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|inf(?:inity)?|nan)/i.exec(t);
  if (m === null) return undefined;
  if (!WS.test(t.slice(m[0].length))) return undefined;
  const tok = m[0];
  if (m[1] !== undefined) {
    const v = parseInt(m[1], 16);
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
