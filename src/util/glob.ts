// Glob-style pattern matching with the exact semantics of Valkey's
// stringmatchlen(): used by KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET, ACL
// key/channel patterns, etc.
//
// Supported syntax:
//   *        any sequence of characters (including none)
//   ?        exactly one character
//   [abc]    one character out of the set; [^abc] negated; [a-z] ranges
//            (reversed ranges like [z-a] work too); `\` escapes inside sets
//   \x       the literal character x
// Quirks preserved on purpose: an unterminated `[` set is closed at the end
// of the pattern, a trailing lone `\` matches a literal backslash, `[a-]`
// is a range ending at `]`, and abusive nesting is cut off (no match).
//
// Characters are compared as UTF-16 code units. Strings holding one byte per
// code unit (latin1 "binary" strings, or plain ASCII) therefore behave
// byte-for-byte like the server; stringMatchBuf() matches raw byte buffers.

const STAR = 42; // '*'
const QMARK = 63; // '?'
const LBRACKET = 91; // '['
const RBRACKET = 93; // ']'
const BACKSLASH = 92; // '\\'
const CARET = 94; // '^'
const DASH = 45; // '-'

const MAX_NESTING = 1000;

/** ASCII-only lowercase, like C tolower() in the "C" locale. */
function lower(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/**
 * Range endpoints are compared as C `char`, which is signed on the platforms
 * the server runs on: bytes 0x80..0xff sort *below* ASCII.
 */
function signedByte(c: number): number {
  return c >= 128 && c <= 255 ? c - 256 : c;
}

/** Mutable flag shared across recursion levels of one top-level match. */
interface MatchState {
  skipLonger: boolean;
}

function matchImpl(
  p: string,
  pi: number,
  s: string,
  si: number,
  nocase: boolean,
  state: MatchState,
  nesting: number,
): boolean {
  if (nesting > MAX_NESTING) return false;
  const plen = p.length;
  const slen = s.length;

  while (pi < plen && si < slen) {
    const pc = p.charCodeAt(pi);
    switch (pc) {
      case STAR: {
        // Collapse consecutive stars.
        while (pi + 1 < plen && p.charCodeAt(pi + 1) === STAR) pi++;
        if (pi + 1 === plen) return true; // trailing star matches the rest
        while (si < slen) {
          if (matchImpl(p, pi + 1, s, si, nocase, state, nesting + 1)) return true;
          if (state.skipLonger) return false;
          si++;
        }
        // The rest of the pattern matched nowhere in the remaining string, so
        // no earlier star can help by consuming more: stop the whole search.
        state.skipLonger = true;
        return false;
      }
      case QMARK:
        si++;
        break;
      case LBRACKET: {
        pi++;
        const negate = pi < plen && p.charCodeAt(pi) === CARET;
        if (negate) pi++;
        const c = s.charCodeAt(si);
        let matched = false;
        for (;;) {
          const remaining = plen - pi;
          const cur = remaining > 0 ? p.charCodeAt(pi) : 0;
          if (cur === BACKSLASH && remaining >= 2) {
            pi++;
            if (p.charCodeAt(pi) === c) matched = true;
          } else if (cur === RBRACKET && remaining > 0) {
            break;
          } else if (remaining === 0) {
            // Unterminated set: step back so the common advance below lands
            // exactly on the end of the pattern.
            pi--;
            break;
          } else if (remaining >= 3 && p.charCodeAt(pi + 1) === DASH) {
            let start = signedByte(cur);
            let end = signedByte(p.charCodeAt(pi + 2));
            let ch = signedByte(c);
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            pi += 2;
            if (ch >= start && ch <= end) matched = true;
          } else if (nocase ? lower(cur) === lower(c) : cur === c) {
            matched = true;
          }
          pi++;
        }
        if (negate) matched = !matched;
        if (!matched) return false;
        si++;
        break;
      }
      case BACKSLASH:
      default: {
        let lit = pc;
        if (pc === BACKSLASH && plen - pi >= 2) {
          pi++;
          lit = p.charCodeAt(pi);
        }
        const c = s.charCodeAt(si);
        if (nocase ? lower(lit) !== lower(c) : lit !== c) return false;
        si++;
        break;
      }
    }
    pi++;
    if (si === slen) {
      // String exhausted: only trailing stars may remain in the pattern.
      while (pi < plen && p.charCodeAt(pi) === STAR) pi++;
      break;
    }
  }
  return pi === plen && si === slen;
}

/**
 * Match `str` against the glob `pattern`, exactly like Valkey's stringmatchlen().
 * With `nocase`, ASCII letters compare case-insensitively.
 */
export function stringMatch(pattern: string, str: string, nocase = false): boolean {
  // Fast path for the most common pattern. Like the server's matcher, `*`
  // does not match the empty string (callers such as KEYS special-case it).
  if (pattern === '*') return str.length > 0;
  return matchImpl(pattern, 0, str, 0, nocase, { skipLonger: false }, 0);
}

/** Byte-exact variant of stringMatch() for raw buffers. */
export function stringMatchBuf(pattern: Uint8Array, str: Uint8Array, nocase = false): boolean {
  return stringMatch(latin1(pattern), latin1(str), nocase);
}

function latin1(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
}

/** True if `pattern` contains any glob metacharacter (`*`, `?` or `[`). */
export function hasGlobChars(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR || c === QMARK || c === LBRACKET) return true;
  }
  return false;
}
