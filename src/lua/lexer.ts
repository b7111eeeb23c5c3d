// Lua 5.1 lexer: turns a byte string (one char per byte) into tokens, reporting errors with 5.1's
// wording ("chunk:line: msg near 'tok'").

import { LuaError } from './value.js';

// Token codes. Single-character tokens use their char code (< 256); the rest start at 257.
export const T = {
  AND: 257, BREAK: 258, DO: 259, ELSE: 260, ELSEIF: 261, END: 262, FALSE: 263, FOR: 264, FUNCTION: 265,
  IF: 266, IN: 267, LOCAL: 268, NIL: 269, NOT: 270, OR: 271, REPEAT: 272, RETURN: 273, THEN: 274,
  TRUE: 275, UNTIL: 276, WHILE: 277,
  CONCAT: 278, DOTS: 279, EQ: 280, GE: 281, LE: 282, NE: 283,
  NUMBER: 284, NAME: 285, STRING: 286, EOS: 287,
} as const;

const TOKEN_NAMES: string[] = [
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'if', 'in', 'local', 'nil',
  'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
  '..', '...', '==', '>=', '<=', '~=', '<number>', '<name>', '<string>', '<eof>',
];

const RESERVED = new Map<string, number>();
for (let i = 0; i < 21; i++) RESERVED.set(TOKEN_NAMES[i], 257 + i);

/** The text of a token code for messages (luaX_token2str). */
export function tokenToString(tok: number): string {
  if (tok < 257) {
    if (tok < 32 || tok === 127) return `char(${tok})`;
    return String.fromCharCode(tok);
  }
  return TOKEN_NAMES[tok - 257];
}

/** The chunk name as messages show it (luaO_chunkid, except that a plain name is kept verbatim). */
export function chunkId(source: string): string {
  if (source.startsWith('=') || source.startsWith('@')) return source.slice(1);
  return source;
}

/** `[string "..."]` form of a source text used as chunk name (loadstring without a name). */
export function stringChunkId(source: string): string {
  let len = source.search(/[\n\r]/);
  if (len < 0) len = source.length;
  const max = 60 - 17; // LUA_IDSIZE - sizeof(' [string "..."] ')
  if (len > max) len = max;
  if (len < source.length) return `[string "${source.slice(0, len)}..."]`;
  return `[string "${source}"]`;
}

function isDigit(c: number): boolean { return c >= 48 && c <= 57; }
function isAlpha(c: number): boolean { return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95; }
function isAlnum(c: number): boolean { return isAlpha(c) || isDigit(c); }
function isSpace(c: number): boolean { return c === 32 || (c >= 9 && c <= 13); }

export class Lexer {
  private pos = 0;
  private cur: number; // current char code, -1 at end
  line = 1;
  lastLine = 1;
  /** current token */
  tok: number = 0;
  /** value of a NAME / STRING (string) or NUMBER (number) token */
  val: string | number = '';
  /** source text of the current token (for "near" messages) */
  private text = '';
  private aheadTok = -1;
  private aheadVal: string | number = '';
  private aheadText = '';
  private aheadLine = 0;
  readonly chunk: string;
  /** the name `coroutine` appears in the source (the chunk is compiled in coroutine mode) */
  sawCoroutine = false;

  constructor(private readonly src: string, chunkname: string) {
    this.chunk = chunkId(chunkname);
    this.cur = src.length > 0 ? src.charCodeAt(0) : -1;
    // Skip a first line starting with '#' (shebang), as luaL_loadfile does for files.
  }

  private ch(): number { return this.cur; }

  private next(): void {
    this.pos++;
    this.cur = this.pos < this.src.length ? this.src.charCodeAt(this.pos) : -1;
  }

  private incLine(): void {
    const old = this.cur;
    this.next(); // skip \n or \r
    if ((this.ch() === 10 || this.ch() === 13) && this.ch() !== old) this.next(); // \n\r or \r\n
    this.line++;
  }

  error(msg: string, tok?: number): never {
    let m = `${this.chunk}:${this.line}: ${msg}`;
    if (tok !== undefined) m += ` near '${this.tokenText(tok)}'`;
    throw new LuaError(m);
  }

  private tokenText(tok: number): string {
    if (tok === T.NAME || tok === T.STRING || tok === T.NUMBER) return this.text;
    return tokenToString(tok);
  }

  /** A syntax error at the current token. */
  syntaxError(msg: string): never {
    this.error(msg, this.tok);
  }

  /** The current token (a method, so TS does not narrow it across advance()). */
  t(): number { return this.tok; }

  /** Advances to the next token. */
  advance(): void {
    this.lastLine = this.line;
    if (this.aheadTok >= 0) {
      this.tok = this.aheadTok; this.val = this.aheadVal; this.text = this.aheadText;
      this.aheadTok = -1;
      return;
    }
    this.tok = this.scan();
  }

  /** Looks at the token after the current one. */
  peek(): number {
    if (this.aheadTok < 0) {
      const tok = this.tok, val = this.val, text = this.text;
      this.aheadTok = this.scan();
      this.aheadVal = this.val; this.aheadText = this.text; this.aheadLine = this.line;
      this.tok = tok; this.val = val; this.text = text;
    }
    void this.aheadLine;
    return this.aheadTok;
  }

  private scan(): number {
    const src = this.src;
    for (;;) {
      const c = this.cur;
      switch (c) {
        case -1: return T.EOS;
        case 10: case 13: this.incLine(); continue;
        case 45: { // '-'
          this.next();
          if (this.ch() !== 45) return 45;
          this.next();
          if (this.ch() === 91) { // '['
            const start = this.pos;
            const sep = this.skipSep();
            if (sep >= 0) { this.readLongString(sep, false, start); continue; }
          }
          while (this.ch() !== 10 && this.ch() !== 13 && this.ch() !== -1) this.next();
          continue;
        }
        case 91: { // '['
          const start = this.pos;
          const sep = this.skipSep();
          if (sep >= 0) {
            this.val = this.readLongString(sep, true, start);
            return T.STRING;
          }
          if (sep === -1) return 91;
          this.text = '[' + '='.repeat(-sep - 1);
          this.error('invalid long string delimiter', T.STRING);
        }
        // falls through (unreachable)
        case 61: this.next(); if (this.ch() !== 61) return 61; this.next(); return T.EQ;
        case 60: this.next(); if (this.ch() !== 61) return 60; this.next(); return T.LE;
        case 62: this.next(); if (this.ch() !== 61) return 62; this.next(); return T.GE;
        case 126: this.next(); if (this.ch() !== 61) return 126; this.next(); return T.NE;
        case 34: case 39: this.readString(c); return T.STRING;
        case 46: { // '.'
          const start = this.pos;
          this.next();
          if (this.ch() === 46) {
            this.next();
            if (this.ch() === 46) { this.next(); return T.DOTS; }
            return T.CONCAT;
          }
          if (!isDigit(this.cur)) return 46;
          this.readNumber(start);
          return T.NUMBER;
        }
        default: {
          if (isSpace(c)) { this.next(); continue; }
          if (isDigit(c)) { this.readNumber(this.pos); return T.NUMBER; }
          if (isAlpha(c)) {
            const start = this.pos;
            do this.next(); while (isAlnum(this.cur));
            const name = src.slice(start, this.pos);
            const r = RESERVED.get(name);
            if (r !== undefined) return r;
            if (name === 'coroutine') this.sawCoroutine = true;
            this.val = name; this.text = name;
            return T.NAME;
          }
          this.next();
          return c;
        }
      }
    }
  }

  // At '[' or ']': counts '=' and returns the count if the bracket repeats, else -count-1.
  private skipSep(): number {
    const s = this.cur;
    let count = 0;
    this.next();
    while (this.ch() === 61) { this.next(); count++; }
    return this.ch() === s ? count : -count - 1;
  }

  private readLongString(sep: number, isString: boolean, start: number): string {
    this.next(); // skip second '['
    if (this.ch() === 10 || this.ch() === 13) this.incLine();
    let out = '';
    let segStart = this.pos;
    for (;;) {
      const c = this.cur;
      if (c === -1) {
        this.text = this.src.slice(start, this.pos);
        this.error(isString ? 'unfinished long string' : 'unfinished long comment', T.EOS);
      } else if (c === 93) { // ']'
        const segEnd = this.pos;
        if (this.skipSep() === sep) {
          out += this.src.slice(segStart, segEnd);
          this.next();
          this.text = this.src.slice(start, this.pos);
          return out;
        }
      } else if (c === 91) { // '['
        const segEnd = this.pos;
        if (this.skipSep() === sep) {
          this.next();
          if (sep === 0) {
            this.text = this.src.slice(start, this.pos);
            this.error('nesting of [[...]] is deprecated', 91);
          }
        }
        void segEnd;
      } else if (c === 10 || c === 13) {
        out += this.src.slice(segStart, this.pos) + '\n';
        this.incLine();
        segStart = this.pos;
      } else {
        this.next();
      }
    }
  }

  private readString(del: number): void {
    const start = this.pos;
    this.next();
    let out = '';
    for (;;) {
      const c = this.cur;
      if (c === del) break;
      if (c === -1) { this.text = String.fromCharCode(del) + out; this.error('unfinished string', T.EOS); }
      if (c === 10 || c === 13) { this.text = String.fromCharCode(del) + out; this.error('unfinished string', T.STRING); }
      if (c === 92) { // '\'
        this.next();
        const e = this.cur;
        switch (e) {
          case 97: out += '\x07'; this.next(); break;
          case 98: out += '\b'; this.next(); break;
          case 102: out += '\f'; this.next(); break;
          case 110: out += '\n'; this.next(); break;
          case 114: out += '\r'; this.next(); break;
          case 116: out += '\t'; this.next(); break;
          case 118: out += '\v'; this.next(); break;
          case 10: case 13: out += '\n'; this.incLine(); break;
          case -1: break; // the loop reports the unfinished string
          default: {
            if (!isDigit(e)) { out += String.fromCharCode(e); this.next(); break; }
            let v = 0, i = 0;
            do { v = v * 10 + (this.cur - 48); this.next(); i++; } while (i < 3 && isDigit(this.cur));
            if (v > 255) { this.text = String.fromCharCode(del) + out; this.error('escape sequence too large', T.STRING); }
            out += String.fromCharCode(v);
          }
        }
        continue;
      }
      out += String.fromCharCode(c);
      this.next();
    }
    this.next();
    void start;
    this.val = out;
    this.text = String.fromCharCode(del) + out + String.fromCharCode(del);
  }

  private readNumber(start: number): void {
    while (isDigit(this.cur) || this.ch() === 46) this.next();
    if (this.ch() === 69 || this.ch() === 101) {
      this.next();
      if (this.ch() === 43 || this.ch() === 45) this.next();
    }
    while (isAlnum(this.cur)) this.next();
    const s = this.src.slice(start, this.pos);
    this.text = s;
    const n = parseNumeral(s);
    if (n === undefined) this.error('malformed number', T.NUMBER);
    this.val = n;
  }
}

function parseNumeral(s: string): number | undefined {
  if (/^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(s)) return Number(s);
  const m = /^0[xX]([0-9a-fA-F]+)$/.exec(s);
  if (m !== null) return parseInt(m[1], 16);
  return undefined;
}
