// Number parsing and formatting with Valkey's exact rules.

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
export const LLONG_MAX = I64_MAX;
export const LLONG_MIN = I64_MIN;

/**
 * Strict signed 64-bit integer parse (Valkey's string2ll): optional '-', no '+', no spaces,
 * no leading zeros, nothing after the digits. Returns null when invalid or out of range.
 */
export function parseI64(b: Uint8Array): bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  if (n === 1 && b[0] === 48) return 0n;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) { i = 1; if (n === 1) return null; }
  if (b[i]! < 49 || b[i]! > 57) return null;
  // Fast path: up to 15 digits fits a double exactly.
  if (n - i <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return BigInt(neg ? -v : v);
  }
  for (let j = i; j < n; j++) { const c = b[j]!; if (c < 48 || c > 57) return null; }
  let v = BigInt(Buffer.from(b.buffer, b.byteOffset, b.byteLength).latin1Slice(0, n));
  if (v > I64_MAX || v < I64_MIN) return null;
  return v;
}

/** Like parseI64 but returns a JS number (exact below 2^53); null when invalid. */
export function parseInt64(b: Uint8Array): number | null {
  const n = b.length;
  if (n > 0 && n <= 15) {
    let i = 0;
    const neg = b[0] === 45;
    if (neg) { i = 1; if (n === 1) return null; }
    if (b[i] === 48) return n === 1 ? 0 : null;
    let v = 0;
    for (; i < n; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  const v = parseI64(b);
  return v === null ? null : Number(v);
}

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?)$/i;

/**
 * strtod-style double parse as Valkey's getDoubleFromObject uses it: the whole string must
 * be consumed, no leading blank, no NaN. Accepts inf/infinity and hex floats like strtod.
 */
export function parseDouble(b: Uint8Array | string): number | null {
  const s = typeof b === 'string' ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength).latin1Slice(0, b.length);
  if (s.length === 0 || s.length > 5000) return null;
  if (!FLOAT_RE.test(s)) return null;
  const lower = s.toLowerCase();
  let v: number;
  if (lower.includes('inf')) v = lower.startsWith('-') ? -Infinity : Infinity;
  else if (lower.includes('0x')) v = parseHexFloat(lower);
  else v = Number(s);
  if (Number.isNaN(v)) return null;
  return v;
}

function parseHexFloat(s: string): number {
  let sign = 1;
  if (s[0] === '-' || s[0] === '+') { if (s[0] === '-') sign = -1; s = s.slice(1); }
  s = s.slice(2);
  let exp = 0;
  const p = s.indexOf('p');
  if (p >= 0) { exp = Number(s.slice(p + 1)); s = s.slice(0, p); }
  const dot = s.indexOf('.');
  let mant = 0;
  let frac = 0;
  const intPart = dot >= 0 ? s.slice(0, dot) : s;
  const fracPart = dot >= 0 ? s.slice(dot + 1) : '';
  for (const c of intPart) mant = mant * 16 + parseInt(c, 16);
  for (const c of fracPart) { mant = mant * 16 + parseInt(c, 16); frac += 4; }
  return sign * mant * Math.pow(2, exp - frac);
}

/** Double formatting of Valkey's d2string (shortest round-trip digits, fpconv layout). */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && d >= -4611686018427387903 && d <= 4611686018427387903) {
    return Number.isSafeInteger(d) ? String(d) : BigInt(d).toString();
  }
  const neg = d < 0;
  const e = Math.abs(d).toExponential();
  const ep = e.indexOf('e');
  const digits = e.slice(0, ep).replace('.', '');
  const E = Number(e.slice(ep + 1));
  const ndigits = digits.length;
  const K = E - (ndigits - 1);
  const exp = Math.abs(K + ndigits - 1);
  let out: string;
  if (K >= 0 && exp < ndigits + 7) {
    out = digits + '0'.repeat(K);
  } else if (K < 0 && (K > -7 || exp < 4)) {
    const offset = ndigits - Math.abs(K);
    if (offset <= 0) out = '0.' + '0'.repeat(-offset) + digits;
    else out = digits.slice(0, offset) + '.' + digits.slice(offset);
  } else {
    const nd = Math.min(ndigits, 18 - (neg ? 1 : 0));
    out = digits[0]! + (nd > 1 ? '.' + digits.slice(1, nd) : '') + 'e' + (E < 0 ? '-' : '+') + String(exp);
  }
  return neg ? '-' + out : out;
}

/**
 * Formats a long double result the way INCRBYFLOAT / HINCRBYFLOAT do (ld2string LD_STR_HUMAN:
 * "%.17Lf" with trailing zeros removed). We compute in doubles, so this prints the double's
 * shortest exact decimal expansion with up to 17 fractional digits.
 */
export function formatHumanDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  let s: string;
  const abs = Math.abs(d);
  if (abs >= 1e21 || (abs !== 0 && abs < 1e-6)) {
    // toFixed handles up to 1e21; beyond that print the integer part exactly.
    s = abs >= 1e21 ? BigInt(Math.round(d)).toString() : d.toFixed(17);
  } else {
    // Shortest round-trip form avoids binary noise like 10.500000000000000001.
    s = String(d);
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

/** Bytes of the decimal text of n. */
export function intToBuffer(n: number | bigint): Buffer { return Buffer.from(String(n)); }
