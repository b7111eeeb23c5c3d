// Lua CJSON 2.1.0 as bundled with Valkey: cjson.encode/decode and the configuration functions,
// with its error messages. Strings are byte strings; \u escapes decode to UTF-8 bytes.

import { LuaTable, LuaUserdata, typeName } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import { argError, checkInteger, checkString, eachHash, libError, makeLib } from './args.js';
import type { LibState } from './args.js';
import { formatNumberG } from './numfmt.js';

/** cjson.null: the NULL light userdata (a single value shared by every state; encodes as null). */
export const CJSON_NULL = new LuaUserdata(null);

interface Config {
  sparseConvert: number;
  sparseRatio: number;
  sparseSafe: number;
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: number; // 0 off, 1 on, 2 null
  decodeInvalidNumbers: number;
  encodeKeepBuffer: number;
  encodeNumberPrecision: number;
}

function defaultConfig(): Config {
  return {
    sparseConvert: 0, sparseRatio: 2, sparseSafe: 10, encodeMaxDepth: 1000, decodeMaxDepth: 1000,
    encodeInvalidNumbers: 0, decodeInvalidNumbers: 1, encodeKeepBuffer: 1, encodeNumberPrecision: 14,
  };
}

// ---- encoding

const ESCAPES: (string | null)[] = new Array<string | null>(256).fill(null);
for (let c = 0; c < 32; c++) ESCAPES[c] = '\\u' + c.toString(16).padStart(4, '0');
ESCAPES[8] = '\\b';
ESCAPES[9] = '\\t';
ESCAPES[10] = '\\n';
ESCAPES[12] = '\\f';
ESCAPES[13] = '\\r';
ESCAPES[34] = '\\"';
ESCAPES[92] = '\\\\';
ESCAPES[47] = '\\/';
ESCAPES[127] = '\\u007f';
const NEEDS_ESCAPE = /[\x00-\x1f"\\/\x7f]/;

function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const e = c < 128 ? ESCAPES[c] : null;
    if (e !== null) {
      if (i > start) out += s.slice(start, i);
      out += e;
      start = i + 1;
    }
  }
  if (start < s.length) out += s.slice(start);
  return out + '"';
}

/** A growable byte buffer written with latin1 strings (one byte per char). */
class Out {
  buf: Buffer = Buffer.allocUnsafe(256);
  len = 0;
  grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
  str(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(n);
    if (n < 16) {
      const b = this.buf;
      let l = this.len;
      for (let i = 0; i < n; i++) b[l++] = s.charCodeAt(i);
      this.len = l;
    } else {
      this.len += this.buf.latin1Write(s, this.len, n);
    }
  }
  ch(c: number): void {
    if (this.len + 1 > this.buf.length) this.grow(1);
    this.buf[this.len++] = c;
  }
  quoted(s: string): void {
    if (!NEEDS_ESCAPE.test(s)) {
      this.ch(34);
      this.str(s);
      this.ch(34);
      return;
    }
    this.str(quoteString(s));
  }
  take(): string {
    return this.buf.latin1Slice(0, this.len);
  }
}

class Encoder {
  readonly out = new Out();
  constructor(readonly L: LibState, readonly cfg: Config) {}

  fail(v: LuaValue, reason: string): never {
    return libError(this.L, `Cannot serialise ${typeName(v)}: ${reason}`);
  }

  number(n: number): string {
    const mode = this.cfg.encodeInvalidNumbers;
    if (mode === 0) {
      if (!Number.isFinite(n)) this.fail(n, 'must not be NaN or Inf');
    } else if (mode === 1) {
      if (n !== n) return 'nan';
    } else if (!Number.isFinite(n)) {
      return 'null';
    }
    const prec = this.cfg.encodeNumberPrecision;
    if (prec === 14) {
      if (Number.isInteger(n) && n < 1e14 && n > -1e14) return Object.is(n, -0) ? '-0' : String(n);
      return formatNumberG(n, 14);
    }
    return formatNumberG(n, prec);
  }

  /** >0: encode as an array of that length; -1: as an object. */
  arrayLength(t: LuaTable): number {
    let max = 0;
    let items = 0;
    const arr = t.arr;
    for (let i = 0; i < arr.length; i++) {
      if (arr[i] !== undefined) { items++; max = i + 1; }
    }
    if (t.hash !== null && t.hash.size > 0) {
      let object = false;
      eachHash(t, (k) => {
        if (typeof k === 'number' && k !== 0 && Math.floor(k) === k && k >= 1) {
          if (k > max) max = k;
          items++;
          return true;
        }
        object = true;
        return false;
      });
      if (object) return -1;
    }
    const cfg = this.cfg;
    if (cfg.sparseRatio > 0 && max > items * cfg.sparseRatio && max > cfg.sparseSafe) {
      if (!cfg.sparseConvert) this.fail(t, 'excessively sparse array');
      return -1;
    }
    return max;
  }

  value(v: LuaValue, depth: number): void {
    switch (typeof v) {
      case 'string': this.out.quoted(v); return;
      case 'number': this.out.str(this.number(v)); return;
      case 'boolean': this.out.str(v ? 'true' : 'false'); return;
      case 'undefined': this.out.str('null'); return;
      case 'object':
        if (v instanceof LuaTable) { this.table(v, depth + 1); return; }
        if (v === CJSON_NULL) { this.out.str('null'); return; }
        break;
    }
    this.fail(v, 'type not supported');
  }

  table(t: LuaTable, depth: number): void {
    if (depth > this.cfg.encodeMaxDepth) libError(this.L, `Cannot serialise, excessive nesting (${depth})`);
    const len = this.arrayLength(t);
    if (len > 0) {
      this.out.ch(91);
      for (let i = 1; i <= len; i++) {
        if (i > 1) this.out.ch(44);
        this.value(t.get(i), depth);
      }
      this.out.ch(93);
      return;
    }
    this.out.ch(123);
    let first = true;
    const arr = t.arr;
    for (let i = 0; i < arr.length; i++) {
      const v = arr[i];
      if (v === undefined) continue;
      if (!first) this.out.ch(44);
      first = false;
      this.out.ch(34); this.out.str(this.number(i + 1)); this.out.str('":');
      this.value(v, depth);
    }
    eachHash(t, (k, v) => {
      if (!first) this.out.ch(44);
      first = false;
      if (typeof k === 'string') { this.out.quoted(k); this.out.ch(58); }
      else if (typeof k === 'number') { this.out.ch(34); this.out.str(this.number(k)); this.out.str('":'); }
      else this.fail(k, 'table key must be a number or string');
      this.value(v, depth);
    });
    this.out.ch(125);
  }
}

// ---- decoding

const T_OBJ_BEGIN = 0, T_OBJ_END = 1, T_ARR_BEGIN = 2, T_ARR_END = 3, T_STRING = 4, T_NUMBER = 5, T_BOOLEAN = 6,
  T_NULL = 7, T_COLON = 8, T_COMMA = 9, T_END = 10, T_ERROR = 12;
const TOKEN_NAMES = [
  'T_OBJ_BEGIN', 'T_OBJ_END', 'T_ARR_BEGIN', 'T_ARR_END', 'T_STRING', 'T_NUMBER', 'T_BOOLEAN', 'T_NULL',
  'T_COLON', 'T_COMMA', 'T_END', 'T_WHITESPACE', 'T_ERROR', 'T_UNKNOWN',
];

const ESCAPE_CHAR: number[] = new Array<number>(256).fill(0);
ESCAPE_CHAR[34] = 34; ESCAPE_CHAR[92] = 92; ESCAPE_CHAR[47] = 47; ESCAPE_CHAR[98] = 8; ESCAPE_CHAR[116] = 9;
ESCAPE_CHAR[110] = 10; ESCAPE_CHAR[102] = 12; ESCAPE_CHAR[114] = 13; ESCAPE_CHAR[117] = 117;

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  c |= 0x20;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isSpaceC(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

/**
 * glibc strtod on data from pos: [value, end] (end === pos when nothing was parsed).
 * Accepts decimal and hexadecimal floats, inf/infinity and nan/nan(...), any case.
 */
export function strtodPrefix(s: string, pos: number): [number, number] {
  const n = s.length;
  let i = pos;
  while (i < n && isSpaceC(s.charCodeAt(i))) i++;
  let neg = false;
  const sc = s.charCodeAt(i);
  if (sc === 43 || sc === 45) { neg = sc === 45; i++; }
  const c0 = s.charCodeAt(i) | 0x20;
  // inf / infinity / nan
  if (c0 === 105) {
    if (s.slice(i, i + 3).toLowerCase() === 'inf') {
      let e = i + 3;
      if (s.slice(i, i + 8).toLowerCase() === 'infinity') e = i + 8;
      return [neg ? -Infinity : Infinity, e];
    }
    return [0, pos];
  }
  if (c0 === 110) {
    if (s.slice(i, i + 3).toLowerCase() === 'nan') {
      let e = i + 3;
      if (s.charCodeAt(e) === 40) {
        let k = e + 1;
        while (k < n) {
          const c = s.charCodeAt(k);
          if ((c >= 48 && c <= 57) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) || c === 95) k++;
          else break;
        }
        if (s.charCodeAt(k) === 41) e = k + 1;
      }
      return [NaN, e];
    }
    return [0, pos];
  }
  // hexadecimal
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 120) {
    let k = i + 2;
    let mant = 0;
    let digits = 0;
    let fracDigits = 0;
    while (k < n && hexVal(s.charCodeAt(k)) >= 0) { mant = mant * 16 + hexVal(s.charCodeAt(k)); k++; digits++; }
    if (s.charCodeAt(k) === 46) {
      let k2 = k + 1;
      while (k2 < n && hexVal(s.charCodeAt(k2)) >= 0) { mant = mant * 16 + hexVal(s.charCodeAt(k2)); k2++; digits++; fracDigits++; }
      if (digits > 0) k = k2;
    }
    if (digits === 0) return [neg ? -0 : 0, i + 1]; // just the "0"
    let exp = -4 * fracDigits;
    if ((s.charCodeAt(k) | 0x20) === 112) {
      let k2 = k + 1;
      let eneg = false;
      const ec = s.charCodeAt(k2);
      if (ec === 43 || ec === 45) { eneg = ec === 45; k2++; }
      if (s.charCodeAt(k2) >= 48 && s.charCodeAt(k2) <= 57) {
        let ev = 0;
        while (s.charCodeAt(k2) >= 48 && s.charCodeAt(k2) <= 57) { ev = Math.min(ev * 10 + s.charCodeAt(k2) - 48, 100000); k2++; }
        exp += eneg ? -ev : ev;
        k = k2;
      }
    }
    const v = mant * 2 ** exp;
    return [neg ? -v : v, k];
  }
  // decimal
  const start = i;
  let digits = 0;
  while (i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) { i++; digits++; }
  if (s.charCodeAt(i) === 46) {
    let k = i + 1;
    let fd = 0;
    while (k < n && s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) { k++; fd++; }
    if (digits + fd > 0) { i = k; digits += fd; }
  }
  if (digits === 0) return [0, pos];
  if ((s.charCodeAt(i) | 0x20) === 101) {
    let k = i + 1;
    const ec = s.charCodeAt(k);
    if (ec === 43 || ec === 45) k++;
    if (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) {
      while (s.charCodeAt(k) >= 48 && s.charCodeAt(k) <= 57) k++;
      i = k;
    }
  }
  const v = Number(s.slice(start, i));
  return [neg ? -v : v, i];
}

class Decoder {
  pos = 0;
  depth = 0;
  // current token
  type = 0;
  index = 0;
  str = '';
  num = 0;
  bool = false;
  err = '';
  readonly n: number;
  constructor(readonly L: LibState, readonly cfg: Config, readonly data: string) {
    this.n = data.length;
  }

  private charAt(i: number): number {
    return i < this.n ? this.data.charCodeAt(i) : 0;
  }

  private setError(msg: string): void {
    this.type = T_ERROR;
    this.index = this.pos;
    this.err = msg;
  }

  private isInvalidNumber(): boolean {
    let p = this.pos;
    let c = this.charAt(p);
    if (c === 43) return true;
    if (c === 45) c = this.charAt(++p);
    if (c === 48) {
      const c2 = this.charAt(p + 1);
      return (c2 | 0x20) === 120 || (c2 >= 48 && c2 <= 57);
    }
    if (c <= 57) return false;
    const w = this.data.slice(p, p + 3).toLowerCase();
    return w === 'inf' || w === 'nan';
  }

  private numberToken(): void {
    this.type = T_NUMBER;
    // Plain integers (the common case) without strtod's generality.
    const data = this.data;
    let p = this.pos;
    let neg = false;
    if (data.charCodeAt(p) === 45) { neg = true; p++; }
    const start = p;
    let iv = 0;
    let c = data.charCodeAt(p);
    while (c >= 48 && c <= 57) { iv = iv * 10 + (c - 48); c = data.charCodeAt(++p); }
    const nd = p - start;
    if (nd > 0 && nd <= 15 && c !== 46 && c !== 101 && c !== 69 && c !== 120 && c !== 88 &&
        !(nd > 1 && data.charCodeAt(start) === 48)) {
      this.num = neg ? -iv : iv;
      this.pos = p;
      return;
    }
    const [v, end] = strtodPrefix(this.data, this.pos);
    if (end === this.pos) this.setError('invalid number');
    else { this.num = v; this.pos = end; }
  }

  private stringToken(): void {
    const data = this.data;
    const n = this.n;
    let p = this.pos + 1;
    // Fast path: no escapes and no NUL before the closing quote.
    let q = p;
    for (;;) {
      if (q >= n) break;
      const c = data.charCodeAt(q);
      if (c === 34) {
        this.type = T_STRING;
        this.str = data.slice(p, q);
        this.pos = q + 1;
        return;
      }
      if (c === 92 || c === 0) break;
      q++;
    }
    const parts: string[] = [];
    let start = p;
    for (;;) {
      const ch = p < n ? data.charCodeAt(p) : 0;
      if (ch === 34) break;
      if (ch === 0) {
        this.pos = p;
        this.setError('unexpected end of string');
        return;
      }
      if (ch === 92) {
        if (p > start) parts.push(data.slice(start, p));
        const esc = ESCAPE_CHAR[this.charAt(p + 1)];
        if (esc === 117) {
          const r = this.unicodeEscape(p);
          if (r < 0) {
            this.pos = p;
            this.setError('invalid unicode escape code');
            return;
          }
          parts.push(this.utf8);
          p = r;
          start = p;
          continue;
        }
        if (esc === 0) {
          this.pos = p;
          this.setError('invalid escape code');
          return;
        }
        parts.push(String.fromCharCode(esc));
        p += 2;
        start = p;
        continue;
      }
      p++;
    }
    if (p > start) parts.push(data.slice(start, p));
    this.type = T_STRING;
    this.str = parts.join('');
    this.pos = p + 1;
  }

  private utf8 = '';

  private hex4(p: number): number {
    let v = 0;
    for (let k = 0; k < 4; k++) {
      const d = hexVal(this.charAt(p + k));
      if (d < 0) return -1;
      v = (v << 4) | d;
    }
    return v;
  }

  /** Decodes \uXXXX (and a surrogate pair) at p into this.utf8; returns the next position or -1. */
  private unicodeEscape(p: number): number {
    let cp = this.hex4(p + 2);
    if (cp < 0) return -1;
    let len = 6;
    if ((cp & 0xf800) === 0xd800) {
      if (cp & 0x400) return -1;
      if (this.charAt(p + 6) !== 92 || this.charAt(p + 7) !== 117) return -1;
      const low = this.hex4(p + 8);
      if (low < 0 || (low & 0xfc00) !== 0xdc00) return -1;
      cp = (((cp & 0x3ff) << 10) | (low & 0x3ff)) + 0x10000;
      len = 12;
    }
    if (cp <= 0x7f) this.utf8 = String.fromCharCode(cp);
    else if (cp <= 0x7ff) this.utf8 = String.fromCharCode((cp >> 6) | 0xc0, (cp & 0x3f) | 0x80);
    else if (cp <= 0xffff) {
      this.utf8 = String.fromCharCode((cp >> 12) | 0xe0, ((cp >> 6) & 0x3f) | 0x80, (cp & 0x3f) | 0x80);
    } else {
      this.utf8 = String.fromCharCode((cp >> 18) | 0xf0, ((cp >> 12) & 0x3f) | 0x80, ((cp >> 6) & 0x3f) | 0x80,
        (cp & 0x3f) | 0x80);
    }
    return p + len;
  }

  next(): void {
    const data = this.data;
    let c: number;
    for (;;) {
      c = this.pos < this.n ? data.charCodeAt(this.pos) : 0;
      if (c === 32 || c === 9 || c === 10 || c === 13) { this.pos++; continue; }
      break;
    }
    this.index = this.pos;
    switch (c) {
      case 123: this.type = T_OBJ_BEGIN; this.pos++; return;
      case 125: this.type = T_OBJ_END; this.pos++; return;
      case 91: this.type = T_ARR_BEGIN; this.pos++; return;
      case 93: this.type = T_ARR_END; this.pos++; return;
      case 44: this.type = T_COMMA; this.pos++; return;
      case 58: this.type = T_COLON; this.pos++; return;
      case 0: this.type = T_END; return;
      case 34: this.stringToken(); return;
    }
    if (c === 45 || (c >= 48 && c <= 57)) {
      if (!this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) { this.setError('invalid number'); return; }
      this.numberToken();
      return;
    }
    if (c === 116 || c === 102 || c === 110 || c === 105 || c === 73 || c === 78 || c === 43) {
      if (data.startsWith('true', this.pos)) { this.type = T_BOOLEAN; this.bool = true; this.pos += 4; return; }
      if (data.startsWith('false', this.pos)) { this.type = T_BOOLEAN; this.bool = false; this.pos += 5; return; }
      if (data.startsWith('null', this.pos)) { this.type = T_NULL; this.pos += 4; return; }
      if (this.cfg.decodeInvalidNumbers && this.isInvalidNumber()) { this.numberToken(); return; }
    }
    this.setError('invalid token');
  }

  fail(expected: string): never {
    const found = this.type === T_ERROR ? this.err : TOKEN_NAMES[this.type];
    return libError(this.L, `Expected ${expected} but found ${found} at character ${this.index + 1}`);
  }

  private descend(): void {
    this.depth++;
    if (this.depth > this.cfg.decodeMaxDepth) {
      libError(this.L, `Found too many nested data structures (${this.depth}) at character ${this.pos}`);
    }
  }

  value(): LuaValue {
    switch (this.type) {
      case T_STRING: return this.str;
      case T_NUMBER: return this.num;
      case T_BOOLEAN: return this.bool;
      case T_NULL: return CJSON_NULL;
      case T_OBJ_BEGIN: return this.object();
      case T_ARR_BEGIN: return this.array();
      default: return this.fail('value');
    }
  }

  private tok(): number { return this.type; }

  private object(): LuaTable {
    this.descend();
    const t = new LuaTable();
    this.next();
    if (this.tok() === T_OBJ_END) { this.depth--; return t; }
    for (;;) {
      if (this.tok() !== T_STRING) this.fail('object key string');
      const key = this.str;
      this.next();
      if (this.tok() !== T_COLON) this.fail('colon');
      this.next();
      t.set(key, this.value());
      this.next();
      if (this.tok() === T_OBJ_END) { this.depth--; return t; }
      if (this.tok() !== T_COMMA) this.fail('comma or object end');
      this.next();
    }
  }

  private array(): LuaTable {
    this.descend();
    const t = new LuaTable();
    const arr = t.arr;
    this.next();
    if (this.tok() === T_ARR_END) { this.depth--; return t; }
    for (;;) {
      arr.push(this.value());
      this.next();
      if (this.tok() === T_ARR_END) { this.depth--; return t; }
      if (this.tok() !== T_COMMA) this.fail('comma or array end');
      this.next();
    }
  }
}

// ---- the module

function newCjson(L: LibState): LuaTable {
  const cfg = defaultConfig();

  const argInit = (argc: number, max: number, fname: string): void => {
    if (argc > max) argError(L, max + 1, fname, 'found too many arguments');
  };

  const intOption = (v: LuaValue, fname: string, get: () => number, set: (x: number) => void, min: number,
    max: number): LuaValue => {
    if (v !== undefined) {
      const x = checkInteger(L, v, 1, fname, 1) | 0;
      if (!(min <= x && x <= max)) argError(L, 1, fname, `expected integer between ${min} and ${max}`);
      set(x);
    }
    return get();
  };

  const enumOption = (v: LuaValue, idx: number, fname: string, get: () => number, set: (x: number) => void,
    options: string[] | null): LuaValue => {
    const opts = options ?? ['off', 'on'];
    if (v !== undefined) {
      if (typeof v === 'boolean') set(v ? 1 : 0);
      else {
        const s = checkString(L, v, idx, fname, idx);
        const k = opts.indexOf(s);
        if (k < 0) argError(L, idx, fname, `invalid option '${s}'`);
        set(k);
      }
    }
    const cur = get();
    if (cur === 0 || cur === 1) return cur === 1;
    return opts[cur];
  };

  function encode(v: LuaValue): LuaValue[] {
    if (arguments.length !== 1) argError(L, 1, 'encode', 'expected 1 argument');
    if (typeof v === 'string') return [quoteString(v)];
    const enc = new Encoder(L, cfg);
    enc.value(v, 0);
    return [enc.out.take()];
  }

  function decode(s: LuaValue): LuaValue[] {
    if (arguments.length !== 1) argError(L, 1, 'decode', 'expected 1 argument');
    const data = checkString(L, s, 1, 'decode', 1);
    if (data.length >= 2 && (data.charCodeAt(0) === 0 || data.charCodeAt(1) === 0)) {
      libError(L, 'JSON parser does not support UTF-16 or UTF-32');
    }
    const d = new Decoder(L, cfg, data);
    d.next();
    const v = d.value();
    d.next();
    if (d.type !== T_END) d.fail('the end');
    return [v];
  }

  function encode_sparse_array(a: LuaValue, b: LuaValue, c: LuaValue): LuaValue[] {
    argInit(arguments.length, 3, 'encode_sparse_array');
    const r1 = enumOption(a, 1, 'encode_sparse_array', () => cfg.sparseConvert, (x) => { cfg.sparseConvert = x; }, null);
    const r2 = intOption(b, 'encode_sparse_array', () => cfg.sparseRatio, (x) => { cfg.sparseRatio = x; }, 0, 2147483647);
    const r3 = intOption(c, 'encode_sparse_array', () => cfg.sparseSafe, (x) => { cfg.sparseSafe = x; }, 0, 2147483647);
    return [r1, r2, r3];
  }

  function encode_max_depth(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'encode_max_depth');
    return [intOption(a, 'encode_max_depth', () => cfg.encodeMaxDepth, (x) => { cfg.encodeMaxDepth = x; }, 1, 2147483647)];
  }

  function decode_max_depth(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'decode_max_depth');
    return [intOption(a, 'decode_max_depth', () => cfg.decodeMaxDepth, (x) => { cfg.decodeMaxDepth = x; }, 1, 2147483647)];
  }

  function encode_number_precision(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'encode_number_precision');
    return [intOption(a, 'encode_number_precision', () => cfg.encodeNumberPrecision,
      (x) => { cfg.encodeNumberPrecision = x; }, 1, 14)];
  }

  function encode_keep_buffer(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'encode_keep_buffer');
    return [enumOption(a, 1, 'encode_keep_buffer', () => cfg.encodeKeepBuffer, (x) => { cfg.encodeKeepBuffer = x; }, null)];
  }

  function encode_invalid_numbers(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'encode_invalid_numbers');
    return [enumOption(a, 1, 'encode_invalid_numbers', () => cfg.encodeInvalidNumbers,
      (x) => { cfg.encodeInvalidNumbers = x; }, ['off', 'on', 'null'])];
  }

  function decode_invalid_numbers(a: LuaValue): LuaValue[] {
    argInit(arguments.length, 1, 'decode_invalid_numbers');
    return [enumOption(a, 1, 'decode_invalid_numbers', () => cfg.decodeInvalidNumbers,
      (x) => { cfg.decodeInvalidNumbers = x; }, null)];
  }

  const fnew: LuaFunction = () => [newCjson(L)];

  const lib = makeLib({
    encode, decode, encode_sparse_array, encode_max_depth, decode_max_depth, encode_number_precision,
    encode_keep_buffer, encode_invalid_numbers, decode_invalid_numbers, new: fnew,
  });
  lib.set('null', CJSON_NULL);
  lib.set('_NAME', 'cjson');
  lib.set('_VERSION', '2.1.0');
  return lib;
}

export function openCjson(L: LibState): LuaTable {
  const lib = newCjson(L);
  L.globals.set('cjson', lib);
  return lib;
}

