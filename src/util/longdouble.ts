// Exact emulation of the x87 80-bit "long double" arithmetic INCRBYFLOAT and HINCRBYFLOAT use
// in Valkey on x86-64: strtold parsing (correctly rounded to a 64-bit significand), one
// correctly rounded addition, and "%.17Lf" formatting with trailing zeros removed. Doing the
// arithmetic in doubles instead would print 0.30000000000000004 where Valkey prints 0.3, and
// would overflow at 1.8e308 where Valkey's range reaches 1.19e4932.
//
// A finite value is sign * m * 2^e with m < 2^64 (BigInt). Everything is exact rational
// arithmetic on BigInts followed by round-half-to-even, which is what the FPU and glibc do in
// the default rounding mode.

export interface LongDouble {
  neg: boolean;
  /** Significand (0 for zero); below 2^64. */
  m: bigint;
  /** Binary exponent of the significand's least significant bit. */
  e: number;
  /** Infinity (m and e unused). */
  inf: boolean;
}

const SIG_BITS = 64;
/** Weight of the least significant bit of the smallest subnormal: 2^-16445. */
const E_MIN = -16445;
/** Values at or above 2^16384 overflow to infinity. */
const LOG2_LIMIT = 16384;
const TWO64 = 1n << 64n;
const TWO63 = 1n << 63n;
/** strtold input is limited to this many bytes by Valkey (MAX_LONG_DOUBLE_CHARS). */
const MAX_CHARS = 5 * 1024;

function bitLength(n: bigint): number {
  // n > 0. toString(16) is linear and exact; good enough for the sizes involved here.
  const h = n.toString(16);
  const top = parseInt(h[0]!, 16);
  return (h.length - 1) * 4 + (32 - Math.clz32(top));
}

function pow2(k: number): bigint { return 1n << BigInt(k); }

/** Rounds the exact positive rational num/den to the extended format. */
function roundRational(neg: boolean, num: bigint, den: bigint): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0, inf: false };
  // k = floor(log2(num/den)).
  let k = bitLength(num) - bitLength(den);
  if (k >= 0 ? num < den << BigInt(k) : num << BigInt(-k) < den) k--;
  if (k >= LOG2_LIMIT) return { neg, m: 0n, e: 0, inf: true };
  let e = k - (SIG_BITS - 1);
  if (e < E_MIN) e = E_MIN;
  let n = num, d = den;
  if (e >= 0) d = den << BigInt(e); else n = num << BigInt(-e);
  let q = n / d;
  const r2 = (n - q * d) * 2n;
  if (r2 > d || (r2 === d && (q & 1n) === 1n)) q++;
  if (q === TWO64) { q = TWO63; e++; }
  if (q !== 0n && bitLength(q) + e > LOG2_LIMIT) return { neg, m: 0n, e: 0, inf: true };
  return { neg, m: q, e, inf: false };
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;

function clampExp(s: string): number {
  const v = Number(s);
  return v > 1e9 ? 1e9 : v < -1e9 ? -1e9 : v;
}

/**
 * Parses like Valkey's string2ld: the whole input must be a strtold number (decimal, hex float
 * or inf/infinity; no leading space; no NaN); an overflow or an underflow to zero is rejected.
 * Returns null when the input is not a valid float.
 */
export function parseLongDouble(b: Uint8Array): LongDouble | null {
  const n = b.length;
  if (n === 0 || n >= MAX_CHARS) return null;
  const s = Buffer.from(b.buffer, b.byteOffset, n).latin1Slice(0, n);
  let mt = DEC_RE.exec(s);
  if (mt !== null) {
    const intDigits = mt[2]!, fracDigits = mt[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return null;
    const neg = mt[1] === '-';
    let digits = (intDigits + fracDigits).replace(/^0+/, '');
    if (digits.length === 0) return { neg, m: 0n, e: 0, inf: false };
    let exp = (mt[4] !== undefined ? clampExp(mt[4]) : 0) - fracDigits.length;
    const stripped = digits.replace(/0+$/, '');
    exp += digits.length - stripped.length;
    digits = stripped;
    const magnitude = digits.length + exp; // value is in [10^(magnitude-1), 10^magnitude)
    if (magnitude - 1 > 4932) return null; // >= 1e4933: overflow (ERANGE, HUGE_VAL)
    if (magnitude < -4952) return null; // < 1e-4952: rounds to zero (ERANGE)
    const mant = BigInt(digits);
    const r = exp >= 0 ? roundRational(neg, mant * 10n ** BigInt(exp), 1n)
      : roundRational(neg, mant, 10n ** BigInt(-exp));
    if (r.inf || r.m === 0n) return null;
    return r;
  }
  mt = HEX_RE.exec(s);
  if (mt !== null) {
    const intDigits = mt[2]!, fracDigits = mt[3] ?? '';
    if (intDigits.length + fracDigits.length === 0) return null;
    const neg = mt[1] === '-';
    const mant = BigInt('0x' + (intDigits + fracDigits || '0'));
    if (mant === 0n) return { neg, m: 0n, e: 0, inf: false };
    const exp = (mt[4] !== undefined ? clampExp(mt[4]) : 0) - 4 * fracDigits.length;
    const top = bitLength(mant) + exp;
    if (top > LOG2_LIMIT + 1) return null;
    if (top < E_MIN - 2) return null;
    const r = exp >= 0 ? roundRational(neg, mant << BigInt(exp), 1n) : roundRational(neg, mant, pow2(-exp));
    if (r.inf || r.m === 0n) return null;
    return r;
  }
  mt = INF_RE.exec(s);
  if (mt !== null) return { neg: mt[1] === '-', m: 0n, e: 0, inf: true };
  return null;
}

/** A long double from a JS integer or bigint (exact for |v| < 2^64). */
export function longDoubleFromInt(v: number | bigint): LongDouble {
  let b = BigInt(v);
  const neg = b < 0n;
  if (neg) b = -b;
  return roundRational(neg, b, 1n);
}

/**
 * a + b rounded once, as the FPU does. Infinity plus anything is infinity, inf - inf is NaN:
 * both come back with `inf` set (the callers reject either result the same way).
 */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.inf || b.inf) return { neg: false, m: 0n, e: 0, inf: true };
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0, inf: false } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const va = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const vb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = va + vb;
  if (sum === 0n) return { neg: false, m: 0n, e: 0, inf: false };
  const neg = sum < 0n;
  const mag = neg ? -sum : sum;
  return e >= 0 ? roundRational(neg, mag << BigInt(e), 1n) : roundRational(neg, mag, pow2(-e));
}

const TEN17 = 10n ** 17n;

/**
 * "%.17Lf" with the trailing zeros (and a trailing '.') removed and "-0" printed as "0":
 * Valkey's ld2string in LD_STR_HUMAN mode.
 */
export function formatLongDoubleHuman(x: LongDouble): string {
  if (x.inf) return x.neg ? '-inf' : 'inf';
  let q: bigint;
  if (x.e >= 0) {
    q = (x.m << BigInt(x.e)) * TEN17;
  } else {
    const num = x.m * TEN17;
    const sh = BigInt(-x.e);
    q = num >> sh;
    const rem = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q++;
  }
  const ip = q / TEN17;
  const frac = (q % TEN17).toString().padStart(17, '0').replace(/0+$/, '');
  let s = ip.toString();
  if (frac.length) s += '.' + frac;
  if (x.neg && s !== '0') s = '-' + s;
  return s;
}

/** Outcome of an INCRBYFLOAT-style addition on stored text. */
export const LD_NOT_FLOAT = 1;
export const LD_NAN_OR_INF = 2;

/**
 * Adds the float text `incr` to the float text `cur` (null = absent key, i.e. 0) and returns
 * the formatted result, or LD_NOT_FLOAT / LD_NAN_OR_INF. The current value is parsed before
 * the increment, as Valkey does.
 */
export function incrByFloatText(cur: Uint8Array | null, incr: Uint8Array): string | number {
  let a: LongDouble;
  if (cur === null) a = { neg: false, m: 0n, e: 0, inf: false };
  else {
    const p = parseLongDouble(cur);
    if (p === null) return LD_NOT_FLOAT;
    a = p;
  }
  const b = parseLongDouble(incr);
  if (b === null) return LD_NOT_FLOAT;
  const r = addLongDouble(a, b);
  if (r.inf) return LD_NAN_OR_INF;
  return formatLongDoubleHuman(r);
}
