// Lua 5.1's string library over byte strings (each char code is one byte).

import { EMPTY, LuaTable, numberToString, typeName } from '../value.js';
import type { LuaFunction, LuaValue } from '../value.js';
import {
  argError, checkInt, checkInteger, checkNumber, checkString, indexValue, libError, makeLib, markNativeGlobals, nativeFunctions, rawError, optInteger, typeError,
} from './args.js';
import type { LibState } from './args.js';
import { MatchState, hasSpecials, isDigit } from './lpattern.js';
import { expForm, fixedDigits, gDigits, sigDigits } from './numfmt.js';

// ---------------------------------------------------------------------------------------------
// printf-style number formatting (what C's sprintf does for Lua 5.1's string.format)

const TWO63 = 9223372036854775808;

interface Spec {
  minus: boolean;
  plus: boolean;
  space: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  prec: number; // -1 when absent
}

function pad(spec: Spec, sign: string, prefix: string, body: string, zeroAllowed: boolean): string {
  const len = sign.length + prefix.length + body.length;
  if (len >= spec.width) return sign + prefix + body;
  const fill = spec.width - len;
  if (spec.minus) return sign + prefix + body + ' '.repeat(fill);
  if (spec.zero && zeroAllowed) return sign + prefix + '0'.repeat(fill) + body;
  return ' '.repeat(fill) + sign + prefix + body;
}

/** C's (long long) cast of a double on x86-64: truncation, INT64_MIN when out of range or NaN. */
function toInt64(x: number): bigint | number {
  if (x > -TWO63 && x < TWO63) {
    const t = Math.trunc(x);
    return Math.abs(t) <= Number.MAX_SAFE_INTEGER ? t : BigInt(t);
  }
  return -(2n ** 63n);
}

/** C's (unsigned long long) cast of a double as gcc compiles it on x86-64. */
function toUint64(x: number): bigint | number {
  if (!(x >= TWO63)) {
    const s = toInt64(x);
    if (typeof s === 'number' && s >= 0) return s;
    return BigInt.asUintN(64, BigInt(s));
  }
  const w = x - TWO63;
  if (w < TWO63) return BigInt(Math.trunc(w)) + 2n ** 63n;
  return 0;
}

function formatInteger(spec: Spec, conv: number, x: number): string {
  let sign = '';
  let digits: string;
  let prefix = '';
  if (conv === 100 || conv === 105) { // d i
    const v = toInt64(x);
    const neg = v < 0;
    digits = (neg ? -v : v).toString();
    if (neg) sign = '-';
    else if (spec.plus) sign = '+';
    else if (spec.space) sign = ' ';
  } else {
    const v = toUint64(x);
    const radix = conv === 111 ? 8 : conv === 117 ? 10 : 16;
    digits = v.toString(radix);
    if (conv === 88) digits = digits.toUpperCase();
    if (spec.alt) {
      if (conv === 111) { if (digits[0] !== '0') digits = '0' + digits; }
      else if (conv !== 117 && v != 0) prefix = conv === 88 ? '0X' : '0x';
    }
  }
  if (spec.prec >= 0) {
    if (spec.prec === 0 && digits === '0') digits = (conv === 111 && spec.alt) ? '0' : '';
    if (digits.length < spec.prec) digits = '0'.repeat(spec.prec - digits.length) + digits;
  }
  return pad(spec, sign, prefix, digits, spec.prec < 0);
}

function formatFloat(spec: Spec, conv: number, x: number): string {
  const upper = conv === 69 || conv === 71; // E G
  const neg = x < 0 || Object.is(x, -0) || (x !== x);
  const sign = neg ? '-' : spec.plus ? '+' : spec.space ? ' ' : '';
  if (!Number.isFinite(x)) {
    const body = x !== x ? (upper ? 'NAN' : 'nan') : (upper ? 'INF' : 'inf');
    return pad(spec, sign, '', body, false);
  }
  const ax = Math.abs(x);
  const prec = spec.prec < 0 ? 6 : spec.prec;
  let body: string;
  if (conv === 102) { // f
    body = fixedDigits(ax, prec);
    if (spec.alt && prec === 0) body += '.';
  } else if (conv === 101 || conv === 69) { // e E
    if (ax === 0) body = expForm('0'.repeat(prec + 1), 0, spec.alt, upper);
    else {
      const d = sigDigits(ax, prec + 1);
      body = expForm(d.digits, d.exp, spec.alt, upper);
    }
  } else { // g G
    body = gDigits(ax, prec, spec.alt, upper);
  }
  return pad(spec, sign, '', body, true);
}

function addQuoted(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | null = null;
    if (c === 34) rep = '\\"';
    else if (c === 92) rep = '\\\\';
    else if (c === 10) rep = '\\\n';
    else if (c === 13) rep = '\\r';
    else if (c === 0) rep = '\\000';
    if (rep !== null) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

function cutAtNul(s: string): string {
  const z = s.indexOf('\0');
  return z < 0 ? s : s.slice(0, z);
}

// ---------------------------------------------------------------------------------------------

function posrelat(pos: number, len: number): number {
  if (pos < 0) pos += len + 1;
  return pos >= 0 ? pos : 0;
}

function upperAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 128) return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
  }
  return s.toUpperCase();
}

function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) >= 128) return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
  }
  return s.toLowerCase();
}

/** A 5.1 binary chunk header (what string.dump's output starts with); our chunks carry no bytecode. */
const DUMP_HEADER = '\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00';

export function openString(L: LibState): LuaTable {
  function len(s: LuaValue): LuaValue[] {
    const str = typeof s === 'string' ? s : checkString(L, s, 1, 'len', arguments.length);
    return [str.length];
  }

  function sub(s: LuaValue, i: LuaValue, j: LuaValue): LuaValue[] {
    const str = typeof s === 'string' ? s : checkString(L, s, 1, 'sub', arguments.length);
    const l = str.length;
    let start = posrelat(typeof i === 'number' && (i | 0) === i ? i : checkInteger(L, i, 2, 'sub', arguments.length), l);
    let end = posrelat(j === undefined ? -1 : typeof j === 'number' && (j | 0) === j ? j : checkInteger(L, j, 3, 'sub', 3), l);
    if (start < 1) start = 1;
    if (end > l) end = l;
    return [start <= end ? str.slice(start - 1, end) : ''];
  }

  function reverse(s: LuaValue): LuaValue[] {
    const str = checkString(L, s, 1, 'reverse', arguments.length);
    let out = '';
    if (str.length < 64) {
      for (let i = str.length - 1; i >= 0; i--) out += str[i];
      return [out];
    }
    return [str.split('').reverse().join('')];
  }

  function lower(s: LuaValue): LuaValue[] {
    return [lowerAscii(checkString(L, s, 1, 'lower', arguments.length))];
  }

  function upper(s: LuaValue): LuaValue[] {
    return [upperAscii(checkString(L, s, 1, 'upper', arguments.length))];
  }

  function rep(s: LuaValue, n: LuaValue): LuaValue[] {
    const str = checkString(L, s, 1, 'rep', arguments.length);
    const cnt = checkInt(L, n, 2, 'rep', arguments.length);
    if (cnt <= 0 || str.length === 0) return [''];
    if (str.length * cnt > 0x1fffffe8) rawError('not enough memory');
    try {
      return [str.repeat(cnt)];
    } catch {
      return rawError('not enough memory');
    }
  }

  function byte(s: LuaValue, i: LuaValue, j: LuaValue): LuaValue[] {
    const str = checkString(L, s, 1, 'byte', arguments.length);
    const l = str.length;
    let posi = posrelat(optInteger(L, i, 2, 'byte', 1), l);
    let pose = posrelat(j === undefined ? posi : checkInteger(L, j, 3, 'byte', 3), l);
    if (posi <= 0) posi = 1;
    if (pose > l) pose = l;
    if (posi > pose) return EMPTY;
    const n = pose - posi + 1;
    // A C function's results must fit in LUAI_MAXCSTACK (8000) slots beside its arguments.
    if (n + arguments.length > 8000) libError(L, 'stack overflow (string slice too long)');
    const out = new Array<LuaValue>(n);
    for (let k = 0; k < n; k++) out[k] = str.charCodeAt(posi - 1 + k);
    return out;
  }

  function char(...args: LuaValue[]): LuaValue[] {
    const n = args.length;
    if (n === 1) {
      const c = checkInt(L, args[0], 1, 'char', n);
      if ((c & 255) !== c) argError(L, 1, 'char', 'invalid value');
      return [String.fromCharCode(c)];
    }
    const codes = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const c = checkInt(L, args[i], i + 1, 'char', n);
      if ((c & 255) !== c) argError(L, i + 1, 'char', 'invalid value');
      codes[i] = c;
    }
    let out = '';
    for (let i = 0; i < n; i += 8192) out += String.fromCharCode.apply(null, codes.slice(i, i + 8192));
    return [out];
  }

  let globalsMarked = false;
  function dump(f: LuaValue): LuaValue[] {
    if (typeof f !== 'function') typeError(L, 1, 'dump', 'function', f, arguments.length);
    if (!globalsMarked) { markNativeGlobals(L.globals); globalsMarked = true; }
    if (nativeFunctions.has(f)) libError(L, 'unable to dump given function');
    return [DUMP_HEADER];
  }

  function findAux(find: boolean, fname: string, args: IArguments): LuaValue[] {
    const argc = args.length;
    const s = checkString(L, args[0], 1, fname, argc);
    const p = checkString(L, args[1], 2, fname, argc);
    const l1 = s.length;
    let init = posrelat(optInteger(L, args[2], 3, fname, 1), l1) - 1;
    if (init < 0) init = 0;
    else if (init > l1) init = l1;
    if (find && ((args[3] !== undefined && args[3] !== false) || !hasSpecials(p))) {
      const idx = s.indexOf(p, init);
      if (idx >= 0) return [idx + 1, idx + p.length];
      return [undefined];
    }
    const ms = new MatchState(L, s, p);
    let pi = 0;
    const anchor = ms.pat.charCodeAt(0) === 94;
    if (anchor) pi = 1;
    let s1 = init;
    do {
      ms.level = 0;
      const e = ms.match(s1, pi);
      if (e !== -1) {
        if (find) {
          const caps = ms.captures(s1, e, false);
          if (caps.length === 0) return [s1 + 1, e];
          return [s1 + 1, e, ...caps];
        }
        return ms.captures(s1, e, true);
      }
    } while (s1++ < l1 && !anchor);
    return [undefined];
  }

  function find(): LuaValue[] {
    return findAux(true, 'find', arguments);
  }

  function match(): LuaValue[] {
    return findAux(false, 'match', arguments);
  }

  function gmatch(s: LuaValue, p: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const str = checkString(L, s, 1, 'gmatch', argc);
    const pat = checkString(L, p, 2, 'gmatch', argc);
    let pos = 0;
    const ms = new MatchState(L, str, pat);
    const iter: LuaFunction = () => {
      for (let src = pos; src <= str.length; src++) {
        ms.level = 0;
        const e = ms.match(src, 0);
        if (e !== -1) {
          pos = e === src ? e + 1 : e;
          return ms.captures(src, e, true);
        }
      }
      pos = str.length + 1;
      return EMPTY;
    };
    nativeFunctions.add(iter);
    return [iter];
  }

  function gsub(s: LuaValue, p: LuaValue, repl: LuaValue, maxN: LuaValue): LuaValue[] {
    const argc = arguments.length;
    const src = checkString(L, s, 1, 'gsub', argc);
    const pat = checkString(L, p, 2, 'gsub', argc);
    const tr = typeof repl;
    const maxS = maxN === undefined ? src.length + 1 : checkInt(L, maxN, 4, 'gsub', argc);
    if (!(tr === 'number' || tr === 'string' || tr === 'function' || repl instanceof LuaTable)) {
      argError(L, 3, 'gsub', 'string/function/table expected');
    }
    const replStr = tr === 'string' ? repl as string : tr === 'number' ? numberToString(repl as number) : '';
    const simpleRepl = (tr === 'string' || tr === 'number') && replStr.indexOf('%') < 0;
    if (simpleRepl && pat.length > 0 && pat.indexOf('\0') < 0 && !hasSpecials(pat)) {
      // A literal pattern and replacement: plain left-to-right search.
      const out: string[] = [];
      let at = 0;
      let cnt = 0;
      while (cnt < maxS) {
        const i = src.indexOf(pat, at);
        if (i < 0) break;
        out.push(src.slice(at, i), replStr);
        at = i + pat.length;
        cnt++;
      }
      if (cnt === 0) return [src, 0];
      out.push(src.slice(at));
      return [out.join(''), cnt];
    }
    const ms = new MatchState(L, src, pat);
    const anchor = ms.pat.charCodeAt(0) === 94;
    const pi = anchor ? 1 : 0;
    const parts: string[] = [];
    let pos = 0;
    let copied = 0; // src[copied, pos) is pending literal text
    let n = 0;
    const end = src.length;
    while (n < maxS) {
      ms.level = 0;
      const e = ms.match(pos, pi);
      if (e !== -1) {
        n++;
        if (pos > copied) parts.push(src.slice(copied, pos));
        if (simpleRepl) parts.push(replStr);
        else parts.push(replacement(ms, repl, replStr, pos, e));
        copied = e;
      }
      if (e !== -1 && e > pos) pos = e;
      else if (pos < end) {
        pos++;
      } else break;
      if (anchor) break;
    }
    if (copied < end) parts.push(src.slice(copied));
    return [parts.length === 1 ? parts[0] : parts.join(''), n];
  }

  function replacement(ms: MatchState, repl: LuaValue, replStr: string, s: number, e: number): string {
    if (typeof repl === 'string' || typeof repl === 'number') {
      let out = '';
      const l = replStr.length;
      for (let i = 0; i < l; i++) {
        const c = replStr.charCodeAt(i);
        if (c !== 37) { out += replStr[i]; continue; }
        i++;
        const d = i < l ? replStr.charCodeAt(i) : 0;
        if (!isDigit(d)) out += String.fromCharCode(d);
        else if (d === 48) out += ms.src.slice(s, e);
        else {
          const cap = ms.capture(d - 49, s, e);
          out += typeof cap === 'number' ? numberToString(cap) : cap;
        }
      }
      return out;
    }
    let v: LuaValue;
    if (typeof repl === 'function') {
      v = repl(...ms.captures(s, e, true))[0];
    } else {
      v = (repl as LuaTable).get(ms.capture(0, s, e));
      if (v === undefined && (repl as LuaTable).metatable !== null) v = indexValue(L, repl, ms.capture(0, s, e));
    }
    if (v === undefined || v === false) return ms.src.slice(s, e);
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return numberToString(v);
    return libError(L, `invalid replacement value (a ${typeName(v)})`);
  }

  function format(...args: LuaValue[]): LuaValue[] {
    const top = args.length;
    const fmt = checkString(L, args[0], 1, 'format', top);
    const fl = fmt.length;
    let out = '';
    let arg = 1; // 1-based index of the last argument used
    let i = 0;
    while (i < fl) {
      const pct = fmt.indexOf('%', i);
      if (pct < 0) { out += i === 0 ? fmt : fmt.slice(i); break; }
      if (pct > i) out += fmt.slice(i, pct);
      i = pct + 1;
      if (fmt.charCodeAt(i) === 37) { out += '%'; i++; continue; }
      if (++arg > top) argError(L, arg, 'format', 'no value');
      // flags, width, precision
      const fstart = i;
      const spec: Spec = { minus: false, plus: false, space: false, alt: false, zero: false, width: 0, prec: -1 };
      for (;;) {
        const c = fmt.charCodeAt(i);
        if (c === 45) spec.minus = true;
        else if (c === 43) spec.plus = true;
        else if (c === 32) spec.space = true;
        else if (c === 35) spec.alt = true;
        else if (c === 48) spec.zero = true;
        else break;
        i++;
      }
      if (i - fstart >= 6) libError(L, 'invalid format (repeated flags)');
      if (isDigit(fmt.charCodeAt(i))) {
        spec.width = fmt.charCodeAt(i++) - 48;
        if (isDigit(fmt.charCodeAt(i))) spec.width = spec.width * 10 + fmt.charCodeAt(i++) - 48;
      }
      if (fmt.charCodeAt(i) === 46) {
        i++;
        spec.prec = 0;
        if (isDigit(fmt.charCodeAt(i))) {
          spec.prec = fmt.charCodeAt(i++) - 48;
          if (isDigit(fmt.charCodeAt(i))) spec.prec = spec.prec * 10 + fmt.charCodeAt(i++) - 48;
        }
      }
      if (isDigit(fmt.charCodeAt(i))) libError(L, 'invalid format (width or precision too long)');
      const conv = i < fl ? fmt.charCodeAt(i) : 0;
      i++;
      const v = args[arg - 1];
      switch (conv) {
        case 99: { // c
          const x = checkNumber(L, v, arg, 'format', top);
          const c = (x > -2147483649 && x < 2147483648 ? Math.trunc(x) : 0) & 255;
          out += cutAtNul(pad(spec, '', '', String.fromCharCode(c), false));
          break;
        }
        case 100: case 105: // d i
          if (typeof v === 'number' && spec.width === 0 && spec.prec < 0 && !spec.plus && !spec.space &&
              Number.isSafeInteger(v)) {
            out += v === 0 ? '0' : String(v);
          } else {
            out += formatInteger(spec, conv, checkNumber(L, v, arg, 'format', top));
          }
          break;
        case 111: case 117: case 120: case 88: // o u x X
          out += formatInteger(spec, conv, checkNumber(L, v, arg, 'format', top));
          break;
        case 101: case 69: case 102: case 103: case 71: // e E f g G
          out += formatFloat(spec, conv, checkNumber(L, v, arg, 'format', top));
          break;
        case 113: // q
          out += addQuoted(checkString(L, v, arg, 'format', top));
          break;
        case 115: { // s
          const s = typeof v === 'string' ? v : checkString(L, v, arg, 'format', top);
          if (spec.prec < 0 && s.length >= 100) { out += s; break; }
          if (spec.width === 0 && spec.prec < 0) { out += cutAtNul(s); break; }
          let body = cutAtNul(s);
          if (spec.prec >= 0 && body.length > spec.prec) body = body.slice(0, spec.prec);
          out += pad(spec, '', '', body, false);
          break;
        }
        default:
          libError(L, `invalid option '%${conv === 0 ? '' : String.fromCharCode(conv)}' to 'format'`);
      }
    }
    return [out];
  }

  const lib = makeLib({
    byte, char, dump, find, format, gmatch, gsub, len, lower, match, rep, reverse, sub, upper,
  });
  lib.set('gfind', gmatch);
  L.globals.set('string', lib);
  const meta = new LuaTable();
  meta.set('__index', lib);
  L.stringMeta = meta;
  return lib;
}
