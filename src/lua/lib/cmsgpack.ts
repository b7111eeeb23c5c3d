// lua-cmsgpack 0.4.0 as bundled with Valkey: cmsgpack.pack/unpack/unpack_one/unpack_limit.
// Numbers that are exactly representable as 64-bit integers are packed as integers, others as float 32
// when that is exact, else float 64. Tables whose keys are exactly 1..n pack as arrays, others as maps;
// nesting deeper than 16 tables packs nil.

import { LuaTable } from '../value.js';
import type { LuaValue } from '../value.js';
import { argError, checkInteger, checkString, eachHash, indexValue, libError, makeLib, optInteger } from './args.js';
import type { LibState } from './args.js';

const MAX_NESTING = 16;
const TWO63 = 9223372036854775808;
const INT_MAX = 2147483647;

class Writer {
  buf: Buffer = Buffer.allocUnsafe(64);
  len = 0;

  ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }

  take(): string {
    const s = this.buf.toString('latin1', 0, this.len);
    this.len = 0;
    return s;
  }
}

function encodeBytes(w: Writer, s: string): void {
  const len = s.length;
  w.ensure(5 + len);
  const b = w.buf;
  if (len < 32) {
    b[w.len++] = 0xa0 | len;
  } else if (len <= 0xff) {
    b[w.len++] = 0xd9;
    b[w.len++] = len;
  } else if (len <= 0xffff) {
    b[w.len++] = 0xda;
    b.writeUInt16BE(len, w.len);
    w.len += 2;
  } else {
    b[w.len++] = 0xdb;
    b.writeUInt32BE(len, w.len);
    w.len += 4;
  }
  if (len > 0) w.len += b.write(s, w.len, len, 'latin1');
}

function encodeDouble(w: Writer, d: number): void {
  w.ensure(9);
  if (Math.fround(d) === d) {
    w.buf[w.len++] = 0xca;
    w.buf.writeFloatBE(d, w.len);
    w.len += 4;
  } else {
    w.buf[w.len++] = 0xcb;
    // x86's default NaN (what 0/0 gives in C Lua) has the sign bit set.
    if (d !== d) w.buf.writeUInt32BE(0xfff80000, w.len), w.buf.writeUInt32BE(0, w.len + 4);
    else w.buf.writeDoubleBE(d, w.len);
    w.len += 8;
  }
}

/** n: an integral double in [-2^63, 2^63). */
function encodeInt(w: Writer, n: number): void {
  w.ensure(9);
  const b = w.buf;
  if (n >= 0) {
    if (n <= 127) b[w.len++] = n;
    else if (n <= 0xff) { b[w.len++] = 0xcc; b[w.len++] = n; }
    else if (n <= 0xffff) { b[w.len++] = 0xcd; b.writeUInt16BE(n, w.len); w.len += 2; }
    else if (n <= 0xffffffff) { b[w.len++] = 0xce; b.writeUInt32BE(n, w.len); w.len += 4; }
    else { b[w.len++] = 0xcf; b.writeBigUInt64BE(BigInt(n), w.len); w.len += 8; }
  } else {
    if (n >= -32) b[w.len++] = n & 0xff;
    else if (n >= -128) { b[w.len++] = 0xd0; b[w.len++] = n & 0xff; }
    else if (n >= -32768) { b[w.len++] = 0xd1; b.writeInt16BE(n, w.len); w.len += 2; }
    else if (n >= -2147483648) { b[w.len++] = 0xd2; b.writeInt32BE(n, w.len); w.len += 4; }
    else { b[w.len++] = 0xd3; b.writeBigInt64BE(BigInt(n), w.len); w.len += 8; }
  }
}

function encodeHeader(w: Writer, n: number, fix: number, c16: number, c32: number): void {
  w.ensure(5);
  const b = w.buf;
  if (n <= 15) b[w.len++] = fix | n;
  else if (n <= 65535) { b[w.len++] = c16; b.writeUInt16BE(n, w.len); w.len += 2; }
  else { b[w.len++] = c32; b.writeUInt32BE(n >>> 0, w.len); w.len += 4; }
}

/** Keys exactly 1..n (positive, int-sized integers, as many as the largest)? */
function isArray(t: LuaTable): boolean {
  let count = 0;
  let max = 0;
  const arr = t.arr;
  for (let i = 0; i < arr.length; i++) {
    if (arr[i] !== undefined) { count++; max = i + 1; }
  }
  let ok = true;
  eachHash(t, (k) => {
    if (typeof k !== 'number' || !(k > 0) || k > INT_MAX || Math.floor(k) !== k) { ok = false; return false; }
    if (k > max) max = k;
    count++;
    return true;
  });
  return ok && max === count;
}

export function openCmsgpack(L: LibState): LuaTable {
  const encode = (w: Writer, v: LuaValue, level: number): void => {
    switch (typeof v) {
      case 'string': encodeBytes(w, v); return;
      case 'boolean': w.byte(v ? 0xc3 : 0xc2); return;
      case 'number':
        if (Number.isInteger(v) && v >= -TWO63 && v < TWO63) encodeInt(w, v === 0 ? 0 : v);
        else encodeDouble(w, v);
        return;
      case 'object':
        if (v instanceof LuaTable && level !== MAX_NESTING) {
          if (isArray(v)) {
            const len = v.length();
            encodeHeader(w, len, 0x90, 0xdc, 0xdd);
            for (let j = 1; j <= len; j++) {
              const x = v.metatable === null ? v.get(j) : indexValue(L, v, j);
              encode(w, x, level + 1);
            }
          } else {
            let n = 0;
            const arr = v.arr;
            for (let i = 0; i < arr.length; i++) if (arr[i] !== undefined) n++;
            if (v.hash !== null) n += v.hash.size;
            encodeHeader(w, n, 0x80, 0xde, 0xdf);
            for (let i = 0; i < arr.length; i++) {
              if (arr[i] === undefined) continue;
              encode(w, i + 1, level + 1);
              encode(w, arr[i], level + 1);
            }
            eachHash(v, (k, x) => {
              encode(w, k, level + 1);
              encode(w, x, level + 1);
            });
          }
          return;
        }
        break;
    }
    w.byte(0xc0);
  };

  // One reusable buffer (a nested pack from an __index metamethod gets its own).
  const shared = new Writer();
  let sharedBusy = false;

  function pack(...args: LuaValue[]): LuaValue[] {
    const n = args.length;
    if (n === 0) argError(L, 0, 'pack', 'MessagePack pack needs input.');
    if (sharedBusy) {
      const w = new Writer();
      for (let i = 0; i < n; i++) encode(w, args[i], 0);
      return [w.take()];
    }
    sharedBusy = true;
    try {
      shared.len = 0;
      for (let i = 0; i < n; i++) encode(shared, args[i], 0);
      const s = shared.take();
      if (shared.buf.length > 1 << 20) shared.buf = Buffer.allocUnsafe(64);
      return [s];
    } finally {
      sharedBusy = false;
    }
  }

  // ---- decoding
  const EOF = 1;
  const BADFMT = 2;

  class Reader {
    pos: number;
    err = 0;
    constructor(readonly s: string, pos: number) { this.pos = pos; }
    get left(): number { return this.s.length - this.pos; }
    u8(i: number): number { return this.s.charCodeAt(this.pos + i); }
    be(i: number, n: number): number {
      let v = 0;
      for (let k = 0; k < n; k++) v = v * 256 + this.s.charCodeAt(this.pos + i + k);
      return v;
    }
    big(i: number): bigint {
      let v = 0n;
      for (let k = 0; k < 8; k++) v = (v << 8n) | BigInt(this.s.charCodeAt(this.pos + i + k));
      return v;
    }
  }

  const fview = new DataView(new ArrayBuffer(8));

  /** Decodes one value; on error sets r.err and returns undefined. */
  const decode = (r: Reader): LuaValue => {
    if (r.left < 1) { r.err = EOF; return undefined; }
    const c = r.u8(0);
    const need = (n: number): boolean => {
      if (r.left < n) { r.err = EOF; return false; }
      return true;
    };
    switch (c) {
      case 0xcc: if (!need(2)) return undefined; r.pos += 2; return r.s.charCodeAt(r.pos - 1);
      case 0xd0: { if (!need(2)) return undefined; const v = r.u8(1); r.pos += 2; return v >= 128 ? v - 256 : v; }
      case 0xcd: { if (!need(3)) return undefined; const v = r.be(1, 2); r.pos += 3; return v; }
      case 0xd1: { if (!need(3)) return undefined; const v = r.be(1, 2); r.pos += 3; return v >= 32768 ? v - 65536 : v; }
      case 0xce: { if (!need(5)) return undefined; const v = r.be(1, 4); r.pos += 5; return v; }
      case 0xd2: { if (!need(5)) return undefined; const v = r.be(1, 4); r.pos += 5; return v | 0; }
      case 0xcf: case 0xd3: {
        if (!need(9)) return undefined;
        const v = Number(BigInt.asIntN(64, r.big(1)));
        r.pos += 9;
        return v;
      }
      case 0xc0: r.pos += 1; return undefined;
      case 0xc3: r.pos += 1; return true;
      case 0xc2: r.pos += 1; return false;
      case 0xca: {
        if (!need(5)) return undefined;
        for (let k = 0; k < 4; k++) fview.setUint8(k, r.u8(1 + k));
        r.pos += 5;
        return fview.getFloat32(0);
      }
      case 0xcb: {
        if (!need(9)) return undefined;
        for (let k = 0; k < 8; k++) fview.setUint8(k, r.u8(1 + k));
        r.pos += 9;
        return fview.getFloat64(0);
      }
      case 0xd9: {
        if (!need(2)) return undefined;
        const l = r.u8(1);
        if (!need(2 + l)) return undefined;
        const v = r.s.slice(r.pos + 2, r.pos + 2 + l);
        r.pos += 2 + l;
        return v;
      }
      case 0xda: {
        if (!need(3)) return undefined;
        const l = r.be(1, 2);
        if (!need(3 + l)) return undefined;
        const v = r.s.slice(r.pos + 3, r.pos + 3 + l);
        r.pos += 3 + l;
        return v;
      }
      case 0xdb: {
        if (!need(5)) return undefined;
        const l = r.be(1, 4);
        r.pos += 5;
        if (!need(l)) return undefined;
        const v = r.s.slice(r.pos, r.pos + l);
        r.pos += l;
        return v;
      }
      case 0xdc: { if (!need(3)) return undefined; const l = r.be(1, 2); r.pos += 3; return decodeArray(r, l); }
      case 0xdd: { if (!need(5)) return undefined; const l = r.be(1, 4); r.pos += 5; return decodeArray(r, l); }
      case 0xde: { if (!need(3)) return undefined; const l = r.be(1, 2); r.pos += 3; return decodeMap(r, l); }
      case 0xdf: { if (!need(5)) return undefined; const l = r.be(1, 4); r.pos += 5; return decodeMap(r, l); }
    }
    if ((c & 0x80) === 0) { r.pos += 1; return c; }
    if ((c & 0xe0) === 0xe0) { r.pos += 1; return c - 256; }
    if ((c & 0xe0) === 0xa0) {
      const l = c & 0x1f;
      if (!need(1 + l)) return undefined;
      const v = r.s.slice(r.pos + 1, r.pos + 1 + l);
      r.pos += 1 + l;
      return v;
    }
    if ((c & 0xf0) === 0x90) { r.pos += 1; return decodeArray(r, c & 0xf); }
    if ((c & 0xf0) === 0x80) { r.pos += 1; return decodeMap(r, c & 0xf); }
    r.err = BADFMT;
    return undefined;
  };

  const decodeArray = (r: Reader, len: number): LuaTable => {
    const t = new LuaTable();
    for (let i = 1; i <= len; i++) {
      const v = decode(r);
      if (r.err) return t;
      t.set(i, v);
    }
    return t;
  };

  const decodeMap = (r: Reader, len: number): LuaTable => {
    const t = new LuaTable();
    while (len-- > 0) {
      const k = decode(r);
      if (r.err) return t;
      const v = decode(r);
      if (r.err) return t;
      t.set(k, v);
    }
    return t;
  };

  const unpackFull = (s: string, limit: number, offset: number): LuaValue[] => {
    const decodeAll = limit === 0 && offset === 0;
    const len = s.length;
    if (offset < 0 || limit < 0) {
      libError(L, `Invalid request to unpack with offset of ${offset | 0} and limit of ${len | 0}.`);
    } else if (offset > len) {
      libError(L, `Start offset ${offset | 0} greater than input length ${len | 0}.`);
    }
    if (decodeAll) limit = INT_MAX;
    const r = new Reader(s, offset);
    const out: LuaValue[] = decodeAll ? [] : [undefined];
    for (let cnt = 0; r.left > 0 && cnt < limit; cnt++) {
      // every value is a result: they must fit in LUAI_MAXCSTACK (8000) slots with the argument
      if (cnt + 2 > 8000) {
        libError(L, 'stack overflow (too many return values at once; use unpack_one or unpack_limit instead.)');
      }
      const v = decode(r);
      if (r.err === EOF) libError(L, 'Missing bytes in input.');
      if (r.err === BADFMT) libError(L, 'Bad data format in input.');
      out.push(v);
    }
    if (!decodeAll) out[0] = r.left === 0 ? -1 : r.pos;
    return out;
  };

  function unpack(s: LuaValue): LuaValue[] {
    return unpackFull(checkString(L, s, 1, 'unpack', arguments.length), 0, 0);
  }

  function unpack_one(s: LuaValue, off: LuaValue): LuaValue[] {
    const offset = optInteger(L, off, 2, 'unpack_one', 0);
    return unpackFull(checkString(L, s, 1, 'unpack_one', arguments.length), 1, offset);
  }

  function unpack_limit(s: LuaValue, lim: LuaValue, off: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const limit = checkInteger(L, lim, 2, 'unpack_limit', argc);
    const offset = optInteger(L, off, 3, 'unpack_limit', 0);
    return unpackFull(checkString(L, s, 1, 'unpack_limit', argc), limit, offset);
  }

  const lib = makeLib({ pack, unpack, unpack_one, unpack_limit });
  lib.set('_NAME', 'cmsgpack');
  lib.set('_VERSION', 'lua-cmsgpack 0.4.0');
  lib.set('_COPYRIGHT', 'Copyright (C) 2012, Redis Ltd.');
  lib.set('_DESCRIPTION', 'MessagePack C implementation for Lua');
  L.globals.set('cmsgpack', lib);
  return lib;
}
