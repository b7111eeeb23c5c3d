// Lua 5.1's math library, with math.random/math.randomseed as Valkey replaces them: a drand48-style
// 48-bit linear congruential generator shared by every script (and the function engine) of the process,
// so a given seed yields the same sequence on every platform.

import { LuaTable } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import { argError, checkInt, checkNumber, libError, makeLib } from './args.js';
import type { LibState } from './args.js';

// ---- the shared generator: X(n+1) = (0x5DEECE66D * X(n) + 0xB) mod 2^48, kept as two 24-bit halves.
const A_LO = 0xece66d;
const A_HI = 0x5de;
const TWO24 = 16777216;
let xLo = 0xabcd330e & 0xffffff; // initial state 0x1234ABCD330E
let xHi = 0x1234ab;

/** Seeds the generator as serverSrand48 does: X = seed (32 bits) << 16 | 0x330E. */
export function lrand48Seed(seed: number): void {
  const s = seed >>> 0;
  const x1 = s & 0xffff;
  const x2 = (s >>> 16) & 0xffff;
  // X = x2 << 32 | x1 << 16 | 0x330E
  xLo = ((x1 & 0xff) << 16) | 0x330e;
  xHi = (x2 << 8) | (x1 >>> 8);
}

/** The next value in 0..2^31-1 (serverLrand48). */
export function lrand48(): number {
  const p = A_LO * xLo + 0xb;
  const lo = p % TWO24;
  const carry = Math.floor(p / TWO24);
  const hi = (A_HI * xLo + A_LO * xHi + carry) % TWO24;
  xLo = lo;
  xHi = hi;
  // bits 47..17 of X
  return hi * 128 + (lo >>> 17);
}

const INT32_MAX = 2147483647;
const RADIANS_PER_DEGREE = Math.PI / 180;

function cPow(x: number, y: number): number {
  if (x === 1 || y === 0) return 1;
  if (x === -1 && (y === Infinity || y === -Infinity)) return 1;
  return Math.pow(x, y);
}

function frexp(x: number): [number, number] {
  if (x === 0 || !Number.isFinite(x)) return [x, 0];
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  let e = (buf.getUint16(0) >>> 4) & 0x7ff;
  let adj = 0;
  if (e === 0) { // subnormal: scale into the normal range first
    buf.setFloat64(0, x * 18014398509481984); // 2^54
    e = (buf.getUint16(0) >>> 4) & 0x7ff;
    adj = -54;
  }
  const exp = e - 1022 + adj;
  // set the exponent field to 1022 (a value in [0.5, 1))
  const w = buf.getUint16(0);
  buf.setUint16(0, (w & 0x800f) | (1022 << 4));
  return [buf.getFloat64(0), exp];
}

function ldexp(m: number, e: number): number {
  if (m === 0 || !Number.isFinite(m)) return m;
  while (e > 1023) { m *= 8.98846567431158e307; e -= 1023; if (!Number.isFinite(m)) return m; } // 2^1023
  while (e < -1022) {
    // step down but keep the last step's rounding single
    if (e < -1022 - 52) { m *= 2.2250738585072014e-308; e += 1022; if (m === 0) return m; }
    else { m *= 2 ** (e + 52); return m * 2.220446049250313e-16; } // 2^-52
  }
  return m * 2 ** e;
}

export function openMath(L: LibState): LuaTable {
  const n1 = (name: string, f: (x: number) => number): LuaFunction =>
    function (x: LuaValue): LuaValue[] {
      return [f(typeof x === 'number' ? x : checkNumber(L, x, 1, name, arguments.length))];
    };

  function fmod(a: LuaValue, b: LuaValue): LuaValue[] {
    const x = checkNumber(L, a, 1, 'fmod', arguments.length);
    const y = checkNumber(L, b, 2, 'fmod', arguments.length);
    return [x % y];
  }

  function modf(a: LuaValue): LuaValue[] {
    const x = checkNumber(L, a, 1, 'modf', arguments.length);
    if (x === Infinity || x === -Infinity) return [x, x > 0 ? 0 : -0];
    const ip = Math.trunc(x);
    return [ip, x - ip === 0 && x < 0 ? -0 : x - ip];
  }

  function pow(a: LuaValue, b: LuaValue): LuaValue[] {
    const x = checkNumber(L, a, 1, 'pow', arguments.length);
    const y = checkNumber(L, b, 2, 'pow', arguments.length);
    return [cPow(x, y)];
  }

  function atan2(a: LuaValue, b: LuaValue): LuaValue[] {
    const y = checkNumber(L, a, 1, 'atan2', arguments.length);
    const x = checkNumber(L, b, 2, 'atan2', arguments.length);
    return [Math.atan2(y, x)];
  }

  function mfrexp(a: LuaValue): LuaValue[] {
    return frexp(checkNumber(L, a, 1, 'frexp', arguments.length));
  }

  function mldexp(a: LuaValue, b: LuaValue): LuaValue[] {
    const m = checkNumber(L, a, 1, 'ldexp', arguments.length);
    const e = checkInt(L, b, 2, 'ldexp', arguments.length);
    return [ldexp(m, e)];
  }

  function min(...args: LuaValue[]): LuaValue[] {
    const n = args.length;
    let m = checkNumber(L, args[0], 1, 'min', n);
    for (let i = 1; i < n; i++) {
      const d = checkNumber(L, args[i], i + 1, 'min', n);
      if (d < m) m = d;
    }
    return [m];
  }

  function max(...args: LuaValue[]): LuaValue[] {
    const n = args.length;
    let m = checkNumber(L, args[0], 1, 'max', n);
    for (let i = 1; i < n; i++) {
      const d = checkNumber(L, args[i], i + 1, 'max', n);
      if (d > m) m = d;
    }
    return [m];
  }

  function random(a: LuaValue, b: LuaValue): LuaValue[] {
    const r = (lrand48() % INT32_MAX) / INT32_MAX;
    switch (arguments.length) {
      case 0:
        return [r];
      case 1: {
        const u = checkInt(L, a, 1, 'random', 1);
        if (!(1 <= u)) argError(L, 1, 'random', 'interval is empty');
        return [Math.floor(r * u) + 1];
      }
      case 2: {
        const l = checkInt(L, a, 1, 'random', 2);
        const u = checkInt(L, b, 2, 'random', 2);
        if (!(l <= u)) argError(L, 2, 'random', 'interval is empty');
        return [Math.floor(r * (u - l + 1)) + l];
      }
      default:
        return libError(L, 'wrong number of arguments');
    }
  }

  function randomseed(a: LuaValue): LuaValue[] {
    lrand48Seed(checkInt(L, a, 1, 'randomseed', arguments.length));
    return [];
  }

  const lib = makeLib({
    abs: n1('abs', Math.abs),
    acos: n1('acos', Math.acos),
    asin: n1('asin', Math.asin),
    atan2,
    atan: n1('atan', Math.atan),
    ceil: n1('ceil', Math.ceil),
    cosh: n1('cosh', Math.cosh),
    cos: n1('cos', Math.cos),
    deg: n1('deg', (x) => x / RADIANS_PER_DEGREE),
    exp: n1('exp', Math.exp),
    floor: n1('floor', Math.floor),
    fmod,
    frexp: mfrexp,
    ldexp: mldexp,
    log10: n1('log10', Math.log10),
    log: n1('log', Math.log),
    max,
    min,
    modf,
    pow,
    rad: n1('rad', (x) => x * RADIANS_PER_DEGREE),
    random,
    randomseed,
    sinh: n1('sinh', Math.sinh),
    sin: n1('sin', Math.sin),
    sqrt: n1('sqrt', Math.sqrt),
    tanh: n1('tanh', Math.tanh),
    tan: n1('tan', Math.tan),
  });
  lib.set('pi', Math.PI);
  lib.set('huge', Infinity);
  lib.set('mod', lib.get('fmod'));
  L.globals.set('math', lib);
  return lib;
}
