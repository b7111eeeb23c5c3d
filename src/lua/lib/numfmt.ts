// C printf's %e/%f/%g digits for doubles, exact (round half to even on exact binary ties, as glibc),
// with fast paths through JS's own conversions when no tie is possible.

const view = new DataView(new ArrayBuffer(8));

/** |x| = mant * 2^exp exactly (x finite, nonzero). */
function decompose(x: number): { mant: bigint; exp: number } {
  view.setFloat64(0, Math.abs(x));
  const hi = view.getUint32(0), lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (bexp === 0) return { mant, exp: -1074 };
  mant |= 1n << 52n;
  return { mant, exp: bexp - 1075 };
}

/** round(num / den), half to even. */
function divRound(num: bigint, den: bigint): bigint {
  let q = num / den;
  const twice = (num - q * den) * 2n;
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** The `n` significant digits of |x| (finite, nonzero) and the decimal exponent of the first one. */
export function exactDigits(x: number, n: number): { digits: string; exp: number } {
  const { mant, exp: e } = decompose(x);
  let exp10 = Math.floor(Math.log10(Math.abs(x)));
  for (let tries = 0; tries < 4; tries++) {
    const k = n - 1 - exp10;
    let num = mant;
    let den = 1n;
    if (e >= 0) num <<= BigInt(e); else den <<= BigInt(-e);
    if (k >= 0) num *= 10n ** BigInt(k); else den *= 10n ** BigInt(-k);
    const s = divRound(num, den).toString();
    if (s.length > n) {
      if (s.length === n + 1 && /^10*$/.test(s)) return { digits: s.slice(0, n), exp: exp10 + 1 };
      exp10++;
      continue;
    }
    if (s.length < n) { exp10--; continue; }
    return { digits: s, exp: exp10 };
  }
  throw new Error('exactDigits: no convergence');
}

const POW10: number[] = [];
for (let i = 0; i <= 22; i++) POW10.push(10 ** i);

/**
 * n (<= 15) significant digits of |x| from JS's shortest round-trip representation S: when S has at
 * most n digits it is the nearest n-digit decimal; otherwise S is rounded, unless its tail is so close
 * to a half that S's own error could decide (then null: use the exact path).
 */
function shortestDigits(ax: number, n: number): { digits: string; exp: number } | null {
  const s = String(ax);
  let digits: string;
  let exp: number;
  const ei = s.indexOf('e');
  if (ei >= 0) {
    const mant = s.slice(0, ei);
    digits = mant.length > 1 ? mant[0] + mant.slice(2) : mant;
    exp = parseInt(s.slice(ei + 1), 10);
  } else {
    const dot = s.indexOf('.');
    if (dot < 0) {
      digits = s;
      exp = s.length - 1;
    } else if (s.charCodeAt(0) !== 48) {
      digits = s.slice(0, dot) + s.slice(dot + 1);
      exp = dot - 1;
    } else {
      let z = dot + 1;
      while (s.charCodeAt(z) === 48) z++;
      digits = s.slice(z);
      exp = dot - z;
    }
  }
  let k = digits.length;
  while (k > 1 && digits.charCodeAt(k - 1) === 48) k--;
  if (k < digits.length) digits = digits.slice(0, k);
  if (k <= n) return { digits, exp };
  const tlen = k - n;
  const tail = parseInt(digits.slice(n), 10);
  const half = 5 * POW10[tlen - 1];
  // S's distance to x, in units of S's last digit (half an ulp), plus slack
  const err = ax * 1.2e-16 / 10 ** (exp - k + 1) + 1;
  if (Math.abs(tail - half) <= err) return null;
  let head = digits.slice(0, n);
  if (tail > half) {
    // increment the decimal string
    let i = n - 1;
    while (i >= 0 && head.charCodeAt(i) === 57) i--;
    if (i < 0) return { digits: '1', exp: exp + 1 };
    head = head.slice(0, i) + String.fromCharCode(head.charCodeAt(i) + 1);
  }
  return { digits: head, exp };
}

/** n significant digits of |x| (finite, nonzero) and the exponent, as %e rounds them (exactly n digits). */
export function sigDigits(x: number, n: number): { digits: string; exp: number } {
  // (subnormals have fewer significant bits: their shortest form says less)
  if (n <= 15 && (x >= 2.2250738585072014e-308 || x <= -2.2250738585072014e-308)) {
    const r = shortestDigits(Math.abs(x), n);
    if (r !== null) {
      if (r.digits.length < n) r.digits += '0'.repeat(n - r.digits.length);
      return r;
    }
  }
  return exactDigits(x, n);
}

/** |x| with exactly `prec` decimals (C's %.<prec>f without sign). */
export function fixedDigits(ax: number, prec: number): string {
  if (ax < 1e21) {
    const scaled = ax * 10 ** prec;
    if (prec <= 22 && scaled < 4503599627370496 && scaled - Math.floor(scaled) !== 0.5) return ax.toFixed(prec);
  }
  if (ax === 0) return prec > 0 ? '0.' + '0'.repeat(prec) : '0';
  const { mant, exp: e } = decompose(ax);
  let num = mant * 10n ** BigInt(prec);
  let den = 1n;
  if (e >= 0) num <<= BigInt(e); else den <<= BigInt(-e);
  let s = divRound(num, den).toString();
  if (prec === 0) return s;
  if (s.length <= prec) s = '0'.repeat(prec - s.length + 1) + s;
  return s.slice(0, s.length - prec) + '.' + s.slice(s.length - prec);
}

/** Digits and exponent as "d.ddde+XX". */
export function expForm(digits: string, exp: number, alt: boolean, upper: boolean): string {
  let m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : (alt ? digits + '.' : digits);
  const ax = Math.abs(exp);
  m += (upper ? 'E' : 'e') + (exp < 0 ? '-' : '+') + (ax < 10 ? '0' : '') + ax;
  return m;
}

function stripZeros(s: string): string {
  if (s.indexOf('.') < 0) return s;
  let i = s.length;
  while (s.charCodeAt(i - 1) === 48) i--;
  if (s.charCodeAt(i - 1) === 46) i--;
  return s.slice(0, i);
}

/** %.<prec>g of |x| (finite), without sign; `alt` is the '#' flag. */
export function gDigits(ax: number, prec: number, alt: boolean, upper: boolean): string {
  const p = prec === 0 ? 1 : prec;
  if (ax === 0) return alt ? (p > 1 ? '0.' + '0'.repeat(p - 1) : '0.') : '0';
  const d = sigDigits(ax, p);
  if (d.exp < -4 || d.exp >= p) {
    let digits = d.digits;
    if (!alt) {
      let z = digits.length;
      while (z > 1 && digits.charCodeAt(z - 1) === 48) z--;
      digits = digits.slice(0, z);
    }
    return expForm(digits, d.exp, alt, upper);
  }
  // fixed notation with p-1-exp decimals: place the point in the rounded digits
  const digits = d.digits;
  let body: string;
  if (d.exp >= 0) {
    const intLen = d.exp + 1;
    body = digits.length > intLen ? digits.slice(0, intLen) + '.' + digits.slice(intLen) : digits;
  } else {
    body = '0.' + '0'.repeat(-d.exp - 1) + digits;
  }
  if (alt) return body.indexOf('.') < 0 ? body + '.' : body;
  return stripZeros(body);
}

/** C's "%.<prec>g" of a number, as Lua's tostring (prec 14) and cjson (encode_number_precision) print. */
export function formatNumberG(x: number, prec: number): string {
  if (Number.isInteger(x) && x < POW10[prec] && x > -POW10[prec]) return Object.is(x, -0) ? '-0' : String(x);
  if (x !== x) return x > 0 ? 'nan' : '-nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  const body = gDigits(Math.abs(x), prec, false, false);
  return x < 0 ? '-' + body : body;
}
