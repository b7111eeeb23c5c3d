// Incremental, Buffer-based RESP request parser.
//
// Requests are parsed straight from the received chunk whenever possible, and arguments are
// zero-copy views. Only an incomplete request's tail is copied into the client's private query
// buffer, which is reused for later reads (like Valkey's querybuf) and shrunk by the server cron
// (`cronResize`) when the client goes idle or its recent reads are much smaller than the buffer.
// A large bulk argument (>= 32 KB) is assembled in a buffer of its exact size, so a 100 MB value
// arriving in 64 KB reads costs one copy; afterwards that buffer serves as the query buffer.
//
// Lifetime rule: the argument views of a command are valid until the next call to `next()` or
// `feed()`. Anything that keeps arguments longer (MULTI queues, paused or blocked commands,
// data structures) must copy them.

import { splitArgsBuf } from '../util/splitargs.js';
import { view, viewAt } from '../util/bufview.js';

/** Longest inline request or multibulk/bulk header line Valkey accepts (PROTO_INLINE_MAX_SIZE). */
export const INLINE_MAX = 64 * 1024;
/** Bulk arguments at least this big are assembled in their own buffer (PROTO_MBULK_BIG_ARG). */
const BIG_ARG = 32 * 1024;
/** Size of a freshly allocated private query buffer (about Valkey's first allocation). */
const QB_INITIAL = 20 * 1024;
/** Buffers above this are shrunk when recent reads needed less than half (PROTO_RESIZE_THRESHOLD). */
const RESIZE_THRESHOLD = 32 * 1024;

export class ProtocolError extends Error {}

/** Command names cached per client, and the longest name cached. */
const NAME_CACHE_SIZE = 8;
const NAME_CACHE_MAX_LEN = 32;

const CR = 13, LF = 10;

export interface ParserLimits {
  maxBulkLen: number;
  /** False until the client authenticates when a password is required: tighter limits apply. */
  authenticated: boolean;
}

export class RespParser {
  /** The bytes being parsed: the received chunk, or a view of the private query buffer. */
  private buf: Buffer | null = null;
  private pos = 0;
  /** True when `buf` is a view of `qb`. */
  private inQb = false;
  /** The private query buffer (reused across reads) and the number of valid bytes in it. */
  private qb: Buffer | null = null;
  private qbUsed = 0;
  /** Largest amount of input buffered or read at once since the last cron resize. */
  private peak = 0;
  /** Remaining bulk args of the current multibulk request (0 = between requests). */
  private remaining = 0;
  private args: Buffer[] = [];
  /** Bulk length being waited for (-1 = header not read yet). */
  private bulkLen = -1;
  private big: Buffer | null = null;
  private bigFill = 0;
  /** The input buffer argument views were last cut from, its ArrayBuffer and byte offset. */
  private vSrc: Buffer | null = null;
  private vAb: ArrayBuffer = new ArrayBuffer(0);
  private vBase = 0;
  /** Recently seen command names (see commandName) and the slot the next new one replaces. */
  private names: Buffer[] = [];
  private nameNext = 0;
  /** True if the request being parsed is inline. */
  inline = false;

  constructor(private limits: ParserLimits) {}

  /** Bytes received and not yet parsed into a command (CLIENT LIST qbuf). */
  get pending(): number {
    return (this.buf ? this.buf.length - this.pos : 0) + (this.big ? this.bigFill : 0);
  }
  /** Bytes allocated for query buffering. */
  get allocated(): number {
    let n = this.big ? this.big.length : 0;
    if (this.qb) n += this.qb.length;
    else if (this.buf) n += this.buf.length - this.pos;
    return n;
  }
  /** Allocated but unused query-buffer bytes (CLIENT LIST qbuf-free). */
  get free(): number { return Math.max(0, this.allocated - this.pending); }

  feed(chunk: Buffer): void {
    if (chunk.length > this.peak) this.peak = chunk.length;
    if (this.big !== null) {
      // Fill the big argument first; anything beyond it is parsed normally.
      const total = this.bulkLen + 2;
      if (this.big.length < total) {
        // The cron shrank an idle half-received argument: grow it back to its full size.
        const nb = Buffer.allocUnsafe(total);
        this.big.copy(nb, 0, 0, this.bigFill);
        this.big = nb;
      }
      const n = Math.min(total - this.bigFill, chunk.length);
      chunk.copy(this.big, this.bigFill, 0, n);
      this.bigFill += n;
      chunk = chunk.subarray(n);
      if (this.bigFill === total) {
        // The argument must be followed by CRLF; keep it in the stream.
        this.args.push(this.big.subarray(0, this.bulkLen));
        // Like Valkey, the big buffer becomes the query buffer for what follows — once the
        // request it completes has been executed, which is before anything is written to it.
        if (this.remaining === 1) { this.qb = this.big; this.qbUsed = 0; }
        this.big = null;
        this.bigFill = 0;
        this.bulkLen = -1;
        this.remaining--;
      }
      if (chunk.length === 0) return;
    }
    const unread = this.buf !== null ? this.buf.length - this.pos : 0;
    if (unread === 0) {
      this.buf = chunk;
      this.pos = 0;
      this.inQb = false;
      return;
    }
    // Append to the unread bytes in the private query buffer (compacting or growing it).
    const need = unread + chunk.length;
    if (need > this.peak) this.peak = need;
    const old = this.buf!;
    const start = this.pos;
    if (this.qb === null || this.qb.length < need) {
      const nb = Buffer.allocUnsafe(Math.max(QB_INITIAL, need * 2));
      old.copy(nb, 0, start, start + unread);
      this.qb = nb;
    } else {
      this.protectArgs();
      if (!this.inQb) old.copy(this.qb, 0, start, start + unread);
      else if (start > 0) this.qb.copyWithin(0, start, start + unread);
    }
    chunk.copy(this.qb, unread);
    this.qbUsed = need;
    this.buf = this.qb.subarray(0, need);
    this.pos = 0;
    this.inQb = true;
  }

  /** Keeps the unparsed tail of a received chunk in the private query buffer. */
  private stash(): void {
    const b = this.buf;
    if (b === null || this.inQb) return;
    const n = b.length - this.pos;
    if (n <= 0) return;
    if (this.qb === null || this.qb.length < n) this.qb = Buffer.allocUnsafe(Math.max(QB_INITIAL, n * 2));
    else this.protectArgs();
    b.copy(this.qb, 0, this.pos, b.length);
    this.qbUsed = n;
    this.buf = this.qb.subarray(0, n);
    this.pos = 0;
    this.inQb = true;
  }

  /**
   * Before the query buffer is overwritten, copies the arguments of a partly received request
   * that still point into it (received chunks and big-argument buffers are never overwritten).
   */
  private protectArgs(): void {
    const ab = this.qb!.buffer;
    const args = this.args;
    for (let i = 0; i < args.length; i++) if (args[i]!.buffer === ab) args[i] = Buffer.from(args[i]!);
  }

  /**
   * Copies what still points into memory the caller is about to reuse (`ext`, the memory of the
   * chunks it fed): the unparsed bytes, and the arguments of a request not yet complete. A
   * client reading into a shared buffer calls this before the next read overwrites it.
   */
  detach(ext: ArrayBufferLike): void {
    const args = this.args;
    for (let i = 0; i < args.length; i++) if (args[i]!.buffer === ext) args[i] = Buffer.from(args[i]!);
    const b = this.buf;
    if (b !== null && !this.inQb) {
      if (this.pos < b.length) this.stash(); else this.consumed();
    }
  }

  /** Marks the current input consumed. */
  private consumed(): void {
    this.buf = null;
    this.pos = 0;
    this.inQb = false;
    this.qbUsed = 0;
  }

  /**
   * Query-buffer housekeeping, called by the server cron: an idle client's buffer is freed
   * (or shrunk to what it holds), and a busy client's oversized buffer is shrunk to its recent peak.
   */
  cronResize(idle: boolean): void {
    const used = this.pending;
    const alloc = this.allocated;
    if (alloc - used > 4096) {
      if (idle) {
        if (this.big !== null) {
          if (this.bigFill < this.big.length) this.big = Buffer.from(this.big.subarray(0, this.bigFill));
        } else this.shrinkQb(this.inQb ? this.buf!.length - this.pos : 0);
      } else if (alloc > RESIZE_THRESHOLD && alloc / 2 > this.peak && this.big === null) {
        // An active client keeps a small buffer: it is likely to need one again soon.
        this.shrinkQb(Math.max(used, this.peak, 1024));
      }
    }
    this.peak = this.big !== null ? this.bulkLen + 2 : used;
  }

  private shrinkQb(size: number): void {
    if (this.qb === null || this.qb.length <= size) return;
    const unread = this.inQb ? this.buf!.length - this.pos : 0;
    if (size === 0 && unread === 0) { this.qb = null; return; }
    const nb = Buffer.allocUnsafe(Math.max(size, unread));
    if (unread > 0) {
      this.qb.copy(nb, 0, this.pos, this.pos + unread);
      this.buf = nb.subarray(0, unread);
      this.pos = 0;
      this.qbUsed = unread;
    }
    this.qb = nb;
  }

  /**
   * The first argument of a request (the command name) as a Buffer of its own, shared by the
   * requests that spell it the same: clients repeat a handful of names, and a name already seen
   * costs a few byte comparisons instead of a new view (and lets the dispatcher reuse its lookup).
   */
  private commandName(b: Buffer, start: number, len: number): Buffer {
    const names = this.names;
    if (len <= NAME_CACHE_MAX_LEN) {
      next: for (let i = 0; i < names.length; i++) {
        const nm = names[i]!;
        if (nm.length !== len) continue;
        for (let j = 0; j < len; j++) if (nm[j] !== b[start + j]) continue next;
        return nm;
      }
      const copy = Buffer.from(view(b, start, len));
      if (names.length < NAME_CACHE_SIZE) names.push(copy);
      else names[this.nameNext++ % NAME_CACHE_SIZE] = copy;
      return copy;
    }
    return view(b, start, len);
  }

  /** An argument view of b (the ArrayBuffer behind b is looked up once per input buffer). */
  private argView(b: Buffer, start: number, len: number): Buffer {
    if (b !== this.vSrc) { this.vSrc = b; this.vAb = b.buffer as ArrayBuffer; this.vBase = b.byteOffset; }
    return viewAt(this.vAb, this.vBase + start, len);
  }

  /** Returns the next complete command, null when more input is needed. Throws ProtocolError. */
  next(): Buffer[] | null {
    if (this.big !== null) return null;
    if (this.remaining === 0 && this.args.length > 0) {
      // A request completed by a big argument in feed().
      const args = this.args;
      this.args = [];
      return args;
    }
    const b = this.buf;
    if (b === null) return null;
    const r = this.parse(b);
    if (r === null) {
      if (this.buf !== null && this.pos >= this.buf.length) this.consumed();
      else this.stash();
    }
    return r;
  }

  /**
   * Looks ahead without consuming anything: for up to `max` complete multibulk requests waiting
   * after the current position, stores the offset and length of their second argument (the first
   * key of most commands) in `out` (pairs) and returns the buffer they are in, with the count in
   * `scanCount`. Used only as a hint for batch key prefetching: it stops at the first thing that
   * is not a plain, complete multibulk request.
   */
  scanKeys(out: Int32Array, max: number): Buffer | null {
    this.scanCount = 0;
    const b = this.buf;
    if (b === null || this.remaining !== 0 || this.big !== null) return null;
    let p = this.pos, k = 0;
    while (k < max && p < b.length && b[p] === 42 /* '*' */) {
      const end = this.measureWhole(b, p, Infinity, Infinity);
      if (end < 0) break;
      if (this.wholeArgc >= 2) { out[2 * k] = this.argPos[2]!; out[2 * k + 1] = this.argPos[3]!; k++; }
      p = end;
    }
    this.scanCount = k;
    return k > 0 ? b : null;
  }
  /** Requests found by the last scanKeys(). */
  scanCount = 0;

  /** Argument offsets and lengths (pairs) of the request measured last by measureWhole(). */
  private argPos = new Int32Array(16);
  private wholeArgc = 0;

  /**
   * Measures the multibulk request at `p` when it is complete in `b` with short length lines, at
   * most `maxArgc` arguments and none longer than `maxLen`: returns its end, with the arguments'
   * offsets and lengths in argPos and their count in wholeArgc; -1 for anything else.
   */
  private measureWhole(b: Buffer, p: number, maxArgc: number, maxLen: number): number {
    const n = b.length;
    const argc = shortNumber(b, p);
    if (argc <= 0 || argc > maxArgc) return -1;
    p = fastEol + 2;
    let pos = this.argPos;
    for (let i = 0; i < argc; i++) {
      if (p >= n || b[p] !== 36 /* '$' */) return -1;
      const len = shortNumber(b, p);
      if (len < 0 || len > maxLen) return -1;
      const start = fastEol + 2;
      p = start + len + 2;
      if (p > n) return -1;
      if (2 * i + 1 >= pos.length) {
        const grown = new Int32Array(pos.length * 2);
        grown.set(pos);
        pos = this.argPos = grown;
      }
      pos[2 * i] = start;
      pos[2 * i + 1] = len;
    }
    this.wholeArgc = argc;
    return p;
  }

  /**
   * The common case in one pass over the request, then its arguments: a multibulk request that is
   * complete in `b`, with short length lines and no argument big enough for its own buffer.
   * Returns undefined (having changed nothing) for anything else, which the general path then
   * handles — with its exact errors for bad input.
   */
  private parseWhole(b: Buffer): Buffer[] | undefined {
    const auth = this.limits.authenticated;
    const end = this.measureWhole(b, this.pos, auth ? Infinity : 10,
      auth ? Math.min(this.limits.maxBulkLen, BIG_ARG - 1) : 16384);
    if (end < 0) return undefined;
    const pos = this.argPos, argc = this.wholeArgc;
    const name = this.commandName(b, pos[0]!, pos[1]!);
    // Short requests as literals of their final size (a push onto [name] grows the array).
    let args: Buffer[];
    if (argc === 3) args = [name, this.argView(b, pos[2]!, pos[3]!), this.argView(b, pos[4]!, pos[5]!)];
    else if (argc === 2) args = [name, this.argView(b, pos[2]!, pos[3]!)];
    else {
      args = [name];
      for (let i = 1; i < argc; i++) args.push(this.argView(b, pos[2 * i]!, pos[2 * i + 1]!));
    }
    this.pos = end;
    this.inline = false;
    return args;
  }

  private parse(b: Buffer): Buffer[] | null {
    if (this.remaining === 0 && this.pos < b.length && b[this.pos] === 42 /* "*" */) {
      const whole = this.parseWhole(b);
      if (whole !== undefined) return whole;
    }
    for (;;) {
      if (this.pos >= b.length) return null;
      if (this.remaining === 0) {
        if (b[this.pos] === 42 /* '*' */) {
          const r = this.readMultibulkHeader(b);
          if (r === 0) return null;
          if (r < 0) continue; // empty command, keep parsing
        } else {
          const cmd = this.readInline(b);
          if (cmd === null) return null;
          if (cmd.length === 0) continue;
          return cmd;
        }
      }
      // Read bulk arguments.
      while (this.remaining > 0) {
        if (this.bulkLen < 0) {
          if (this.pos >= b.length) return null;
          let ll = b[this.pos] === 36 /* '$' */ ? shortNumber(b, this.pos) : -1;
          let eol: number;
          if (ll >= 0) {
            eol = fastEol;
            if (ll > this.limits.maxBulkLen) throw new ProtocolError('Protocol error: invalid bulk length');
          } else {
            eol = b.indexOf(CR, this.pos);
            if (eol < 0 || eol + 1 >= b.length) {
              if (b.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big bulk count string');
              return null;
            }
            if (eol - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big bulk count string');
            // Like Valkey, the type byte is checked once the whole line is there.
            if (b[this.pos] !== 36 /* '$' */) {
              throw new ProtocolError(`Protocol error: expected '$', got '${String.fromCharCode(b[this.pos]!)}'`);
            }
            const v = parseDecimal(b, this.pos + 1, eol);
            if (v === null || v < 0 || v > this.limits.maxBulkLen) {
              throw new ProtocolError('Protocol error: invalid bulk length');
            }
            ll = v;
          }
          if (!this.limits.authenticated && ll > 16384) {
            throw new ProtocolError('Protocol error: unauthenticated bulk length');
          }
          this.pos = eol + 2;
          this.bulkLen = ll;
          if (ll >= BIG_ARG && b.length - this.pos < ll + 2) {
            // Assemble in a dedicated buffer (value + CRLF).
            this.big = Buffer.allocUnsafe(ll + 2);
            const n = b.length - this.pos;
            b.copy(this.big, 0, this.pos, b.length);
            this.bigFill = n;
            this.pos = b.length;
            if (ll + 2 > this.peak) this.peak = ll + 2;
            return null;
          }
        }
        if (b.length - this.pos < this.bulkLen + 2) return null;
        this.args.push(this.args.length === 0 ? this.commandName(b, this.pos, this.bulkLen) : this.argView(b, this.pos, this.bulkLen));
        this.pos += this.bulkLen + 2;
        this.bulkLen = -1;
        this.remaining--;
      }
      const args = this.args;
      this.args = [];
      this.inline = false;
      return args;
    }
  }

  /** Parses "*<n>\r\n". Returns 1 when started, -1 for an empty request, 0 when incomplete. */
  private readMultibulkHeader(b: Buffer): number {
    const short = shortNumber(b, this.pos);
    if (short > 0) {
      if (!this.limits.authenticated && short > 10) {
        throw new ProtocolError('Protocol error: unauthenticated multibulk length');
      }
      this.pos = fastEol + 2;
      this.remaining = short;
      this.bulkLen = -1;
      return 1;
    }
    const eol = b.indexOf(CR, this.pos);
    if (eol < 0 || eol + 1 >= b.length) {
      if (b.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big mbulk count string');
      return 0;
    }
    if (eol - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big mbulk count string');
    const ll = parseDecimal(b, this.pos + 1, eol);
    if (ll === null || ll > 2147483647) throw new ProtocolError('Protocol error: invalid multibulk length');
    if (!this.limits.authenticated && ll > 10) {
      throw new ProtocolError('Protocol error: unauthenticated multibulk length');
    }
    this.pos = eol + 2;
    if (ll <= 0) return -1;
    this.remaining = ll;
    this.bulkLen = -1;
    return 1;
  }

  private readInline(b: Buffer): Buffer[] | null {
    const nl = b.indexOf(LF, this.pos);
    if (nl < 0) {
      if (b.length - this.pos > INLINE_MAX) throw new ProtocolError('Protocol error: too big inline request');
      return null;
    }
    let end = nl;
    if (end > this.pos && b[end - 1] === CR) end--;
    const line = b.subarray(this.pos, end);
    this.pos = nl + 1;
    const args = splitArgsBuf(line);
    if (args === null) throw new ProtocolError('Protocol error: unbalanced quotes in request');
    this.inline = true;
    return args;
  }
}

/** Where the line parsed by the last successful shortNumber() call has its CR. */
let fastEol = 0;

/**
 * The common case of a length line, parsed without a native search for the CR: the type byte at
 * `start`, then "0" or 1-9 digits without a leading zero, then CR and at least one more byte.
 * Returns the number (and sets fastEol), or -1 for anything else — the general path then
 * decides, with its exact error replies.
 */
function shortNumber(b: Buffer, start: number): number {
  const n = b.length;
  let p = start + 1;
  if (p >= n) return -1;
  let c = b[p]!;
  if (c === 48) {
    if (p + 2 < n && b[p + 1] === CR) { fastEol = p + 1; return 0; }
    return -1;
  }
  if (c < 49 || c > 57) return -1;
  let v = 0;
  const lim = p + 9 < n ? p + 9 : n;
  while (p < lim) {
    c = b[p]!;
    if (c < 48 || c > 57) break;
    v = v * 10 + (c - 48);
    p++;
  }
  if (p + 1 >= n || b[p] !== CR) return -1;
  fastEol = p;
  return v;
}

/**
 * Parses a signed 64-bit decimal in b[start, end) as strictly as Valkey's string2ll: no sign
 * but a leading '-', no leading zeros ("0" alone is fine, "-0" is not), no blanks, and within
 * the int64 range. Returns null if malformed. Values beyond 2^53 lose precision, which is
 * harmless: every limit they are compared with is far smaller.
 */
function parseDecimal(b: Buffer, start: number, end: number): number | null {
  if (start >= end) return null;
  if (end - start === 1 && b[start] === 48) return 0;
  let i = start;
  let neg = false;
  if (b[i] === 45) { neg = true; i++; }
  const digits = end - i;
  if (digits === 0 || digits > 19) return null;
  if (b[i]! < 49 || b[i]! > 57) return null; // first digit 1-9
  let v = 0;
  for (let j = i; j < end; j++) {
    const c = b[j]! - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  if (digits === 19) {
    const limit = neg ? '9223372036854775808' : '9223372036854775807';
    if (b.latin1Slice(i, end) > limit) return null;
  }
  return neg ? -v : v;
}

