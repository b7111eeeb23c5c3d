// Lua 5.1 pattern matching over byte strings (the engine behind string.find/match/gmatch/gsub).
// Character classes are those of the C locale: only ASCII letters, digits, punctuation, spaces.
// A pattern ends at its first NUL byte, as the C implementation reads it as a C string.

import { libError } from './args.js';
import type { LibState } from './args.js';

export const MAXCAPTURES = 32;
const CAP_UNFINISHED = -1;
const CAP_POSITION = -2;

// Class bits per byte.
const C_ALPHA = 1, C_CNTRL = 2, C_DIGIT = 4, C_LOWER = 8, C_PUNCT = 16, C_SPACE = 32, C_UPPER = 64, C_XDIGIT = 128;
const CTYPE = new Uint8Array(256);
for (let c = 0; c < 256; c++) {
  let m = 0;
  if (c >= 65 && c <= 90) m |= C_ALPHA | C_UPPER;
  if (c >= 97 && c <= 122) m |= C_ALPHA | C_LOWER;
  if (c < 32 || c === 127) m |= C_CNTRL;
  if (c >= 48 && c <= 57) m |= C_DIGIT | C_XDIGIT;
  if ((c >= 65 && c <= 70) || (c >= 97 && c <= 102)) m |= C_XDIGIT;
  if ((c >= 9 && c <= 13) || c === 32) m |= C_SPACE;
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) m |= C_PUNCT;
  CTYPE[c] = m;
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Does byte c belong to class letter cl (%a, %D, ...)? A non-class letter matches itself. */
function matchClass(c: number, cl: number): boolean {
  const lower = cl >= 65 && cl <= 90 ? cl + 32 : cl;
  let res: boolean;
  switch (lower) {
    case 97: res = (CTYPE[c] & C_ALPHA) !== 0; break; // a
    case 99: res = (CTYPE[c] & C_CNTRL) !== 0; break; // c
    case 100: res = (CTYPE[c] & C_DIGIT) !== 0; break; // d
    case 108: res = (CTYPE[c] & C_LOWER) !== 0; break; // l
    case 112: res = (CTYPE[c] & C_PUNCT) !== 0; break; // p
    case 115: res = (CTYPE[c] & C_SPACE) !== 0; break; // s
    case 117: res = (CTYPE[c] & C_UPPER) !== 0; break; // u
    case 119: res = (CTYPE[c] & (C_ALPHA | C_DIGIT)) !== 0; break; // w
    case 120: res = (CTYPE[c] & C_XDIGIT) !== 0; break; // x
    case 122: res = c === 0; break; // z
    default: return cl === c;
  }
  return cl >= 97 && cl <= 122 ? res : !res;
}

export class MatchState {
  level = 0;
  readonly capInit: number[] = [];
  readonly capLen: number[] = [];
  readonly plen: number;
  readonly pat: string;
  constructor(readonly L: LibState, readonly src: string, pat: string) {
    const z = pat.indexOf('\0');
    this.pat = z < 0 ? pat : pat.slice(0, z);
    this.plen = this.pat.length;
  }

  private pc(p: number): number {
    return p < this.plen ? this.pat.charCodeAt(p) : 0;
  }

  private classEnd(p: number): number {
    const pat = this.pat, plen = this.plen;
    const c = pat.charCodeAt(p++);
    if (c === 37) { // %
      if (p >= plen) libError(this.L, "malformed pattern (ends with '%')");
      return p + 1;
    }
    if (c === 91) { // [
      if (pat.charCodeAt(p) === 94) p++;
      do {
        if (p >= plen) libError(this.L, "malformed pattern (missing ']')");
        const cc = pat.charCodeAt(p++);
        if (cc === 37 && p < plen) p++;
      } while (pat.charCodeAt(p) !== 93);
      return p + 1;
    }
    return p;
  }

  /** p at '[', ec at the closing ']'. */
  private matchBracket(c: number, p: number, ec: number): boolean {
    const pat = this.pat;
    let sig = true;
    if (pat.charCodeAt(p + 1) === 94) { sig = false; p++; }
    while (++p < ec) {
      const pc = pat.charCodeAt(p);
      if (pc === 37) {
        p++;
        if (matchClass(c, pat.charCodeAt(p))) return sig;
      } else if (pat.charCodeAt(p + 1) === 45 && p + 2 < ec) {
        p += 2;
        if (pc <= c && c <= pat.charCodeAt(p)) return sig;
      } else if (pc === c) {
        return sig;
      }
    }
    return !sig;
  }

  private singleMatch(c: number, p: number, ep: number): boolean {
    const pc = this.pat.charCodeAt(p);
    switch (pc) {
      case 46: return true; // .
      case 37: return matchClass(c, this.pat.charCodeAt(p + 1));
      case 91: return this.matchBracket(c, p, ep - 1);
      default: return pc === c;
    }
  }

  private matchBalance(s: number, p: number): number {
    if (p + 1 >= this.plen) libError(this.L, 'unbalanced pattern');
    const src = this.src;
    const end = src.length;
    const b = this.pat.charCodeAt(p);
    if (s >= end || src.charCodeAt(s) !== b) return -1;
    const e = this.pat.charCodeAt(p + 1);
    let cont = 1;
    while (++s < end) {
      const c = src.charCodeAt(s);
      if (c === e) {
        if (--cont === 0) return s + 1;
      } else if (c === b) {
        cont++;
      }
    }
    return -1;
  }

  private maxExpand(s: number, p: number, ep: number): number {
    const src = this.src;
    const end = src.length;
    let i = 0;
    while (s + i < end && this.singleMatch(src.charCodeAt(s + i), p, ep)) i++;
    while (i >= 0) {
      const r = this.match(s + i, ep + 1);
      if (r !== -1) return r;
      i--;
    }
    return -1;
  }

  private minExpand(s: number, p: number, ep: number): number {
    const src = this.src;
    const end = src.length;
    for (;;) {
      const r = this.match(s, ep + 1);
      if (r !== -1) return r;
      if (s < end && this.singleMatch(src.charCodeAt(s), p, ep)) s++;
      else return -1;
    }
  }

  private startCapture(s: number, p: number, what: number): number {
    const level = this.level;
    if (level >= MAXCAPTURES) libError(this.L, 'too many captures');
    this.capInit[level] = s;
    this.capLen[level] = what;
    this.level = level + 1;
    const r = this.match(s, p);
    if (r === -1) this.level--;
    return r;
  }

  private endCapture(s: number, p: number): number {
    let l = this.level - 1;
    for (; l >= 0; l--) if (this.capLen[l] === CAP_UNFINISHED) break;
    if (l < 0) libError(this.L, 'invalid pattern capture');
    this.capLen[l] = s - this.capInit[l];
    const r = this.match(s, p);
    if (r === -1) this.capLen[l] = CAP_UNFINISHED;
    return r;
  }

  private matchCapture(s: number, digit: number): number {
    const l = digit - 49;
    if (l < 0 || l >= this.level || this.capLen[l] === CAP_UNFINISHED) libError(this.L, 'invalid capture index');
    const len = this.capLen[l];
    if (len < 0) return -1; // a position capture has no text to repeat
    const src = this.src;
    if (src.length - s < len) return -1;
    const init = this.capInit[l];
    for (let k = 0; k < len; k++) if (src.charCodeAt(init + k) !== src.charCodeAt(s + k)) return -1;
    return s + len;
  }

  /** Matches the pattern from p against the subject from s: the end of the match, or -1. */
  match(s: number, p: number): number {
    const pat = this.pat, plen = this.plen, src = this.src;
    const end = src.length;
    for (;;) {
      if (p >= plen) return s;
      const pc = pat.charCodeAt(p);
      if (pc === 40) { // (
        if (this.pc(p + 1) === 41) return this.startCapture(s, p + 2, CAP_POSITION);
        return this.startCapture(s, p + 1, CAP_UNFINISHED);
      }
      if (pc === 41) return this.endCapture(s, p + 1); // )
      if (pc === 37) { // %
        const nc = this.pc(p + 1);
        if (nc === 98) { // %b
          s = this.matchBalance(s, p + 2);
          if (s === -1) return -1;
          p += 4;
          continue;
        }
        if (nc === 102) { // %f
          p += 2;
          if (this.pc(p) !== 91) libError(this.L, "missing '[' after '%f' in pattern");
          const ep = this.classEnd(p);
          const prev = s === 0 ? 0 : src.charCodeAt(s - 1);
          const cur = s < end ? src.charCodeAt(s) : 0;
          if (this.matchBracket(prev, p, ep - 1) || !this.matchBracket(cur, p, ep - 1)) return -1;
          p = ep;
          continue;
        }
        if (isDigit(nc)) { // back-reference %1-%9
          s = this.matchCapture(s, nc);
          if (s === -1) return -1;
          p += 2;
          continue;
        }
      } else if (pc === 36 && p + 1 === plen) { // $ at the end
        return s === end ? s : -1;
      }
      // A single-character class, possibly followed by a quantifier.
      const ep = this.classEnd(p);
      const m = s < end && this.singleMatch(src.charCodeAt(s), p, ep);
      const q = ep < plen ? pat.charCodeAt(ep) : 0;
      if (q === 63) { // ?
        if (m) {
          const r = this.match(s + 1, ep + 1);
          if (r !== -1) return r;
        }
        p = ep + 1;
        continue;
      }
      if (q === 42) return this.maxExpand(s, p, ep); // *
      if (q === 43) return m ? this.maxExpand(s + 1, p, ep) : -1; // +
      if (q === 45) return this.minExpand(s, p, ep); // -
      if (!m) return -1;
      s++;
      p = ep;
    }
  }

  /** Capture i (0-based) of a match spanning [s, e): a string, or a position for () captures. */
  capture(i: number, s: number, e: number): string | number {
    if (i >= this.level) {
      if (i === 0) return this.src.slice(s, e);
      return libError(this.L, 'invalid capture index');
    }
    const l = this.capLen[i];
    if (l === CAP_UNFINISHED) libError(this.L, 'unfinished capture');
    const init = this.capInit[i];
    if (l === CAP_POSITION) return init + 1;
    return this.src.slice(init, init + l);
  }

  /** All captures of a match (the whole match when the pattern has none and wholeMatch is set). */
  captures(s: number, e: number, wholeMatch: boolean): (string | number)[] {
    const n = this.level === 0 && wholeMatch ? 1 : this.level;
    const out = new Array<string | number>(n);
    for (let i = 0; i < n; i++) out[i] = this.capture(i, s, e);
    return out;
  }
}

const SPECIALS = /[\^$*+?.(\[%-]/;

/** Does the pattern (up to its first NUL) use any magic character? */
export function hasSpecials(p: string): boolean {
  const z = p.indexOf('\0');
  return SPECIALS.test(z < 0 ? p : p.slice(0, z));
}
