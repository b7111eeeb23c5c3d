// LuaBitOp ("bit") as bundled with Valkey: 32-bit operations on Lua numbers. Arguments are normalised
// like the C library does: add 2^52+2^51 to the double and take the low 32 bits of its representation
// (rounding to nearest, wrapping modulo 2^32).

import { LuaTable } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import { makeLib, typeError } from './args.js';
import type { LibState } from './args.js';
import { stringToNumber } from '../value.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The 32-bit pattern of a number, as an unsigned integer. */
export function tobit32(n: number): number {
  if (n >= -2147483648 && n <= 4294967295 && Math.floor(n) === n) return n >>> 0;
  f64[0] = n + 6755399441055744.0;
  return u32[LOW];
}

export function openBit(L: LibState): LuaTable {
  const barg = (v: LuaValue, i: number, fname: string, argc: number): number => {
    let n: number;
    if (typeof v === 'number') return tobit32(v);
    if (typeof v === 'string') {
      const x = stringToNumber(v);
      if (x !== undefined) return tobit32(x);
    }
    n = 0;
    const b = tobit32(n);
    if (b === 0) typeError(L, i, fname, 'number', v, argc);
    return b;
  };
  const ret = (b: number): LuaValue[] => [b | 0];

  function tobit(x: LuaValue): LuaValue[] { return ret(barg(x, 1, 'tobit', arguments.length)); }
  function bnot(x: LuaValue): LuaValue[] { return ret(~barg(x, 1, 'bnot', arguments.length)); }
  const op = (name: string, f: (a: number, b: number) => number): LuaFunction =>
    (...args: LuaValue[]): LuaValue[] => {
      const n = args.length;
      let b = barg(args[0], 1, name, n);
      for (let i = n; i > 1; i--) b = f(b, barg(args[i - 1], i, name, n));
      return ret(b);
    };
  const sh = (name: string, f: (b: number, n: number) => number): LuaFunction =>
    function (x: LuaValue, y: LuaValue): LuaValue[] {
      const argc = arguments.length;
      const b = barg(x, 1, name, argc);
      const n = barg(y, 2, name, argc) & 31;
      return ret(f(b, n));
    };
  function bswap(x: LuaValue): LuaValue[] {
    const b = barg(x, 1, 'bswap', arguments.length);
    return ret((b >>> 24) | ((b >>> 8) & 0xff00) | ((b & 0xff00) << 8) | (b << 24));
  }
  function tohex(x: LuaValue, y: LuaValue): LuaValue[] {
    const argc = arguments.length;
    let b = barg(x, 1, 'tohex', argc);
    let n = argc < 2 ? 8 : barg(y, 2, 'tohex', argc) | 0;
    let digits = '0123456789abcdef';
    if (n === -2147483648) n = -2147483647;
    if (n < 0) { n = -n; digits = '0123456789ABCDEF'; }
    if (n > 8) n = 8;
    const out = new Array<string>(n);
    for (let i = n - 1; i >= 0; i--) { out[i] = digits[b & 15]; b >>>= 4; }
    return [out.join('')];
  }

  const lib = makeLib({
    tobit, bnot,
    band: op('band', (a, b) => a & b),
    bor: op('bor', (a, b) => a | b),
    bxor: op('bxor', (a, b) => a ^ b),
    lshift: sh('lshift', (b, n) => b << n),
    rshift: sh('rshift', (b, n) => b >>> n),
    arshift: sh('arshift', (b, n) => (b | 0) >> n),
    rol: sh('rol', (b, n) => (b << n) | (b >>> (32 - n))),
    ror: sh('ror', (b, n) => (b << (32 - n)) | (b >>> n)),
    bswap, tohex,
  });
  L.globals.set('bit', lib);
  return lib;
}
