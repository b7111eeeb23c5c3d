// The "struct" library bundled with Valkey (Roberto Ierusalimschy's struct.c): pack/unpack/size of
// binary records. Sizes as on x86-64 Linux: short 2, int 4, long 8, size_t 8, float 4, double 8;
// native order little-endian; maximum alignment 8.

import { LuaTable, stringToNumber } from '../value.js';
import type { LuaValue } from '../value.js';
import { argError, cInt64, cUint64, checkNumber, checkString, libError, makeLib, optInteger } from './args.js';
import type { LibState } from './args.js';

const BIG = 0;
const LITTLE = 1;
const MAXINTSIZE = 32;
const MAXALIGN = 8;
const INT_MAX = 2147483647;

interface Header { endian: number; align: number }

function isDigitCode(c: number): boolean { return c >= 48 && c <= 57; }
function isAlnumCode(c: number): boolean {
  return isDigitCode(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function openStruct(L: LibState): LuaTable {
  // A cursor over the format string (which, as a C string, ends at its first NUL).
  class Fmt {
    i = 0;
    readonly s: string;
    constructor(s: string) {
      const z = s.indexOf('\0');
      this.s = z < 0 ? s : s.slice(0, z);
    }
    more(): boolean { return this.i < this.s.length; }
    next(): number { return this.s.charCodeAt(this.i++); }
    getnum(df: number): number {
      if (!isDigitCode(this.s.charCodeAt(this.i))) return df;
      let a = 0;
      do {
        const d = this.s.charCodeAt(this.i) - 48;
        if (a > Math.floor(INT_MAX / 10) || a * 10 > INT_MAX - d) libError(L, 'integral size overflow');
        a = a * 10 + d;
        this.i++;
      } while (isDigitCode(this.s.charCodeAt(this.i)));
      return a;
    }
  }

  function optsize(opt: number, f: Fmt): number {
    switch (opt) {
      case 66: case 98: return 1; // B b
      case 72: case 104: return 2; // H h
      case 76: case 108: return 8; // L l
      case 84: return 8; // T
      case 102: return 4; // f
      case 100: return 8; // d
      case 120: return 1; // x
      case 99: return f.getnum(1); // c
      case 105: case 73: { // i I
        const sz = f.getnum(4);
        if (sz > MAXINTSIZE) libError(L, `integral size ${sz} is larger than limit of ${MAXINTSIZE}`);
        return sz;
      }
      default: return 0;
    }
  }

  function gettoalign(len: number, h: Header, opt: number, size: number): number {
    if (size === 0 || opt === 99) return 0;
    if (size > h.align) size = h.align;
    return (size - (len & (size - 1))) & (size - 1);
  }

  function controloptions(opt: number, f: Fmt, h: Header, fname: string): void {
    switch (opt) {
      case 32: return;
      case 62: h.endian = BIG; return;
      case 60: h.endian = LITTLE; return;
      case 33: {
        const a = f.getnum(MAXALIGN);
        if (!(a > 0 && (a & (a - 1)) === 0)) libError(L, `alignment ${a} is not a power of 2`);
        h.align = a;
        return;
      }
      default:
        argError(L, 1, fname, `invalid format option '${String.fromCharCode(opt)}'`);
    }
  }

  function putinteger(out: number[], n: number, endian: number, size: number): void {
    let value = n < 0 ? BigInt.asUintN(64, cInt64(n)) : cUint64(n);
    const bytes = new Array<number>(size);
    for (let i = 0; i < size; i++) {
      bytes[endian === LITTLE ? i : size - 1 - i] = Number(value & 0xffn);
      value >>= 8n;
    }
    for (const b of bytes) out.push(b);
  }

  function getinteger(data: string, pos: number, endian: number, signed: boolean, size: number): number {
    let l = 0n;
    for (let k = 0; k < size; k++) {
      const idx = endian === BIG ? pos + k : pos + size - 1 - k;
      l = BigInt.asUintN(64, (l << 8n) | BigInt(data.charCodeAt(idx)));
    }
    if (!signed) return Number(l);
    const mask = BigInt.asUintN(64, ~0n << BigInt((size * 8 - 1) & 63));
    if ((l & mask) !== 0n) l |= mask;
    return Number(BigInt.asIntN(64, l));
  }

  const fbuf = new DataView(new ArrayBuffer(8));

  function pack(...args: LuaValue[]): LuaValue[] {
    // The C function pushes a nil marker after its arguments: one missing argument reads as nil.
    const argc = args.length + 1;
    const f = new Fmt(checkString(L, args[0], 1, 'pack', args.length));
    const h: Header = { endian: LITTLE, align: 1 };
    let arg = 2;
    let total = 0;
    const out: number[] = [];
    const chunks: string[] = [];
    const flush = (): void => {
      if (out.length > 0) {
        chunks.push(String.fromCharCode.apply(null, out));
        out.length = 0;
      }
    };
    while (f.more()) {
      const opt = f.next();
      let size = optsize(opt, f);
      let toalign = gettoalign(total, h, opt, size);
      total += toalign;
      while (toalign-- > 0) out.push(0);
      switch (opt) {
        case 98: case 66: case 104: case 72: case 108: case 76: case 84: case 105: case 73: {
          const n = checkNumber(L, args[arg - 1], arg, 'pack', argc);
          arg++;
          putinteger(out, n, h.endian, size);
          break;
        }
        case 120: out.push(0); break;
        case 102: {
          const n = checkNumber(L, args[arg - 1], arg, 'pack', argc);
          arg++;
          if (n !== n) fbuf.setUint32(0, 0xffc00000, h.endian === LITTLE); // x86's default NaN: sign bit set
          else fbuf.setFloat32(0, n, h.endian === LITTLE);
          for (let k = 0; k < 4; k++) out.push(fbuf.getUint8(k));
          break;
        }
        case 100: {
          const n = checkNumber(L, args[arg - 1], arg, 'pack', argc);
          arg++;
          if (n !== n) { // x86's default NaN has the sign bit set
            fbuf.setBigUint64(0, 0xfff8000000000000n, h.endian === LITTLE);
          } else fbuf.setFloat64(0, n, h.endian === LITTLE);
          for (let k = 0; k < 8; k++) out.push(fbuf.getUint8(k));
          break;
        }
        case 99: case 115: {
          const s = checkString(L, args[arg - 1], arg, 'pack', argc);
          arg++;
          const l = s.length;
          if (size === 0) size = l;
          if (!(l >= size)) argError(L, arg, 'pack', 'string too short');
          flush();
          chunks.push(size === l ? s : s.slice(0, size));
          if (opt === 115) { out.push(0); size++; }
          break;
        }
        default: controloptions(opt, f, h, 'pack');
      }
      total += size;
    }
    flush();
    return [chunks.join('')];
  }

  function unpack(a1: LuaValue, a2: LuaValue, a3: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const f = new Fmt(checkString(L, a1, 1, 'unpack', argc));
    const data = checkString(L, a2, 2, 'unpack', argc);
    const ld = data.length;
    let pos = optInteger(L, a3, 3, 'unpack', 1);
    if (pos === 0) argError(L, 3, 'unpack', 'offset must be 1 or greater');
    const negative = pos < 0; // a huge size_t in C: every item is out of range
    pos--;
    const h: Header = { endian: LITTLE, align: 1 };
    const res: LuaValue[] = [];
    while (f.more()) {
      const opt = f.next();
      let size = optsize(opt, f);
      if (!negative) pos += gettoalign(pos, h, opt, size);
      if (negative || !(size <= ld && pos <= ld - size)) argError(L, 2, 'unpack', 'data string too short');
      if (argc + res.length + 2 > 8000) libError(L, 'stack overflow (too many results)');
      switch (opt) {
        case 98: case 66: case 104: case 72: case 108: case 76: case 84: case 105: case 73: {
          const signed = opt >= 97;
          res.push(getinteger(data, pos, h.endian, signed, size));
          break;
        }
        case 120: break;
        case 102: {
          for (let k = 0; k < 4; k++) fbuf.setUint8(k, data.charCodeAt(pos + k));
          res.push(fbuf.getFloat32(0, h.endian === LITTLE));
          break;
        }
        case 100: {
          for (let k = 0; k < 8; k++) fbuf.setUint8(k, data.charCodeAt(pos + k));
          res.push(fbuf.getFloat64(0, h.endian === LITTLE));
          break;
        }
        case 99: {
          if (size === 0) {
            const prev = res.length === 0 ? undefined : res[res.length - 1];
            const pn = typeof prev === 'number' ? prev : typeof prev === 'string' ? stringToNumber(prev) : undefined;
            if (pn === undefined) libError(L, "format 'c0' needs a previous size");
            size = pn >= 0 && pn < 18446744073709551616 ? Math.trunc(pn) : 18446744073709551616;
            res.pop();
            if (!(size <= ld && pos <= ld - size)) argError(L, 2, 'unpack', 'data string too short');
          }
          res.push(data.slice(pos, pos + size));
          break;
        }
        case 115: {
          const e = data.indexOf('\0', pos);
          if (e < 0) libError(L, 'unfinished string in data');
          size = e - pos + 1;
          res.push(data.slice(pos, e));
          break;
        }
        default: controloptions(opt, f, h, 'unpack');
      }
      pos += size;
    }
    res.push(pos + 1);
    return res;
  }

  function size(a1: LuaValue): LuaValue[] {
    const f = new Fmt(checkString(L, a1, 1, 'size', arguments.length));
    const h: Header = { endian: LITTLE, align: 1 };
    let pos = 0;
    while (f.more()) {
      const opt = f.next();
      const sz = optsize(opt, f);
      pos += gettoalign(pos, h, opt, sz);
      if (opt === 115) argError(L, 1, 'size', "option 's' has no fixed size");
      else if (opt === 99 && sz === 0) argError(L, 1, 'size', "option 'c0' has no fixed size");
      if (!isAlnumCode(opt)) controloptions(opt, f, h, 'size');
      pos += sz;
    }
    return [pos];
  }

  const lib = makeLib({ pack, unpack, size });
  L.globals.set('struct', lib);
  return lib;
}

