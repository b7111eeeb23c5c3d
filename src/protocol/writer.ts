// The one reply writer. Commands describe replies in RESP3 terms (map, set, double, null,
// boolean, verbatim, big number, push); on a RESP2 connection each is written as the RESP2
// shape Valkey uses for it. Replies accumulate in a per-client buffer that is written to the
// socket once per batch of requests.
import { formatDouble } from '../util/number.js';
import { viewAt, copyBytes } from '../util/bufview.js';

const CRLF = Buffer.from('\r\n');
const INITIAL = 1024;
/** Longest value bulkAt copies through DataViews (above it the native copy wins). */
const DV_COPY_MAX = 128;
/** After a flush, buffers larger than this are dropped rather than kept for reuse. */
const KEEP_MAX = 64 * 1024;
/** A flush keeps writing into the rest of the buffer while at least this much is left. */
const MIN_REST = 512;

export class Writer {
  /**
   * Where replies are written: a buffer, or (after a flush) the unused rest of one. `take()`
   * hands out the bytes written so far as a view and moves `buf` past them, so bytes given to a
   * socket are never copied and never overwritten.
   */
  buf: Buffer | null = null;
  pos = 0;
  /** The ArrayBuffer behind `buf` and where `buf` starts in it (views are cut without reading `.buffer`). */
  private bufAb: ArrayBuffer = new ArrayBuffer(0);
  private bufBase = 0;
  /** Size of the last buffer allocated (a fresh one after a flush is as big). */
  private cap = INITIAL;
  /** Protocol version of the connection: 2 or 3. */
  resp = 2;
  /** Number of error replies written (the dispatcher compares before/after a call). */
  errors = 0;
  /** Called with each error text (without the leading '-'). */
  onError: ((msg: string) => void) | null = null;
  /** When > 0 replies are discarded (CLIENT REPLY OFF/SKIP). */
  mute = 0;

  get length(): number { return this.pos; }
  /** Bytes handed over by the last take() (the size of the last batch of replies). */
  private lastTake = 0;

  private ensure(n: number): Buffer {
    let b = this.buf;
    if (b === null) {
      // Room for a few batches like the last one, so that the rest left after a take() usually
      // holds the next batch whole (no fresh buffer and copy in the middle of it).
      b = this.buf = Buffer.allocUnsafe(Math.max(this.cap, n, Math.min(KEEP_MAX, this.lastTake * 4)));
      this.cap = b.length;
      this.bufAb = b.buffer as ArrayBuffer; this.bufBase = b.byteOffset;
    } else if (this.pos + n > b.length) {
      // The rest of a flushed buffer ran out: a fresh one of the usual size, doubled if too small.
      let size = this.cap;
      while (size < this.pos + n) size *= 2;
      const nb = Buffer.allocUnsafe(size);
      b.copy(nb, 0, 0, this.pos);
      b = this.buf = nb;
      this.cap = size;
      this.bufAb = b.buffer as ArrayBuffer; this.bufBase = b.byteOffset;
    }
    return b;
  }

  /** Takes the accumulated bytes (a view nothing writes to again), leaving the writer empty. */
  take(): Buffer | null {
    if (this.pos === 0) return null;
    const b = this.buf!;
    const out = viewAt(this.bufAb, this.bufBase, this.pos);
    this.lastTake = this.pos;
    if (this.cap > KEEP_MAX) {
      this.buf = null;
      this.cap = INITIAL;
    } else if (b.length - this.pos < Math.max(MIN_REST, this.pos)) {
      // Too little left for another batch of this size: the next one starts a fresh buffer.
      this.buf = null;
    } else {
      this.bufBase += this.pos;
      this.buf = viewAt(this.bufAb, this.bufBase, b.length - this.pos);
    }
    this.pos = 0;
    return out;
  }

  /** Drops everything written since `mark` (e.g. to replace a reply). */
  truncate(mark: number): void { this.pos = mark; }

  raw(data: Uint8Array): void {
    const n = data.length;
    const b = this.ensure(n);
    if (n <= 16) { let p = this.pos; for (let i = 0; i < n; i++) b[p++] = data[i]!; this.pos = p; return; }
    b.set(data, this.pos);
    this.pos += n;
  }

  private ascii(s: string): void {
    const b = this.ensure(s.length);
    this.pos += b.latin1Write(s, this.pos);
  }

  private line(prefix: number, s: string): void {
    const b = this.ensure(s.length + 3);
    b[this.pos++] = prefix;
    this.pos += b.latin1Write(s, this.pos);
    b[this.pos++] = 13; b[this.pos++] = 10;
  }

  private header(prefix: number, n: number): void {
    const b = this.ensure(24);
    b[this.pos++] = prefix;
    this.digits(b, n);
    b[this.pos++] = 13; b[this.pos++] = 10;
  }

  /** Decimal text of an integer at pos; short non-negative ones by hand (no native call). */
  private digits(b: Buffer, n: number): void {
    if (n >= 0 && n < 10000 && (n | 0) === n) {
      let p = this.pos;
      if (n >= 1000) b[p++] = 48 + Math.floor(n / 1000);
      if (n >= 100) b[p++] = 48 + (Math.floor(n / 100) % 10);
      if (n >= 10) b[p++] = 48 + (Math.floor(n / 10) % 10);
      b[p++] = 48 + (n % 10);
      this.pos = p;
    } else if (n >= 10000 && n <= 0x7fffffff && (n | 0) === n) {
      // Up to 10 digits, written from the last one back (no string).
      const len = n >= 1e9 ? 10 : n >= 1e8 ? 9 : n >= 1e7 ? 8 : n >= 1e6 ? 7 : n >= 1e5 ? 6 : 5;
      let p = this.pos + len;
      this.pos = p;
      while (n > 0) { const q = (n / 10) | 0; b[--p] = 48 + (n - q * 10); n = q; }
    } else this.pos += b.latin1Write(String(n), this.pos);
  }

  ok(): void { this.raw(OK); }
  simple(s: string): void { this.line(43, s); }
  /** An error reply; `msg` starts with its code, e.g. "ERR syntax error". Newlines become spaces. */
  error(msg: string): void {
    if (msg.includes('\r') || msg.includes('\n')) msg = msg.replace(/[\r\n]/g, ' ');
    this.errors++;
    if (this.onError) this.onError(msg);
    this.line(45, msg);
  }
  int(n: number | bigint): void {
    if (typeof n === 'bigint') { this.line(58, n.toString()); return; }
    const b = this.ensure(24);
    b[this.pos++] = 58;
    if (n < 0 && n > -10000) { b[this.pos++] = 45; this.digits(b, -n); } else this.digits(b, n);
    b[this.pos++] = 13; b[this.pos++] = 10;
  }

  bulk(v: Uint8Array | string): void {
    if (typeof v === 'string') v = Buffer.from(v);
    const len = v.length;
    this.header(36, len);
    const b = this.ensure(len + 2);
    let p = this.pos;
    // Native copies cost ~100ns of call overhead: short values are copied by hand.
    if (len <= 32) for (let i = 0; i < len; i++) b[p++] = v[i]!;
    else { b.set(v, p); p += len; }
    b[p++] = 13; b[p++] = 10;
    this.pos = p;
  }
  /**
   * Bulk string of `len` bytes at byte `start` of the slab that starts at byte `srcBase` of `ab`
   * (the arena's shared slabs; `srcDv` views all of `ab`, so no `.buffer` lookup is needed).
   */
  bulkAt(ab: ArrayBufferLike, srcDv: DataView, srcBase: number, start: number, len: number): void {
    this.header(36, len);
    const b = this.ensure(len + 2);
    let p = this.pos;
    if (len <= DV_COPY_MAX) {
      // Short values: 4-byte moves through DataViews. A typed-array copy out of a SharedArrayBuffer
      // goes through V8's relaxed (atomic-safe) memmove plus a view allocation, about twice the
      // time at 80 bytes (a byte loop is slower still).
      const d = this.dataView();
      let o = this.bufBase + p, i = srcBase + start;
      const end = i + len;
      for (; i + 8 <= end; i += 8, o += 8) {
        d.setUint32(o, srcDv.getUint32(i, true), true);
        d.setUint32(o + 4, srcDv.getUint32(i + 4, true), true);
      }
      for (; i < end; i++, o++) d.setUint8(o, srcDv.getUint8(i));
      p += len;
    } else { b.set(new Uint8Array(ab, srcBase + start, len), p); p += len; }
    b[p++] = 13; b[p++] = 10;
    this.pos = p;
  }

  /** A DataView over the ArrayBuffer the current buffer is in (absolute offsets: bufBase + pos). */
  private dataView(): DataView {
    if (this.dvAb !== this.bufAb) { this.dvAb = this.bufAb; this.dv = new DataView(this.bufAb); }
    return this.dv!;
  }
  private dv: DataView | null = null;
  private dvAb: ArrayBufferLike | null = null;
  /** Bulk string from a slice of a buffer, without creating a view. */
  bulkFrom(src: Buffer, start: number, end: number): void {
    const len = end - start;
    this.header(36, len);
    const b = this.ensure(len + 2);
    let p = this.pos;
    if (len <= 32) for (let i = start; i < end; i++) b[p++] = src[i]!;
    else { copyBytes(src, start, len, b, p); p += len; }
    b[p++] = 13; b[p++] = 10;
    this.pos = p;
  }
  bulkStr(s: string): void { this.bulk(Buffer.from(s)); }
  /**
   * Bulk string from a latin1 string (one char per byte), or from its [start, end) slice,
   * written without an intermediate Buffer.
   */
  bulkLatin1(s: string, start = 0, end = s.length): void {
    const len = end - start;
    this.header(36, len);
    const b = this.ensure(len + 2);
    let p = this.pos;
    if (len <= 32) for (let i = start; i < end; i++) b[p++] = s.charCodeAt(i);
    else p += b.latin1Write(start === 0 && end === s.length ? s : s.substring(start, end), p, len);
    b[p++] = 13; b[p++] = 10;
    this.pos = p;
  }
  /** A null (bulk) reply. */
  nil(): void { this.raw(this.resp === 3 ? NULL3 : NULL_BULK); }
  /** A null array reply (`*-1` on RESP2). */
  nullArray(): void { this.raw(this.resp === 3 ? NULL3 : NULL_ARRAY); }
  arr(n: number): void { this.header(42, n); }
  map(n: number): void { if (this.resp === 3) this.header(37, n); else this.header(42, n * 2); }
  set(n: number): void { this.header(this.resp === 3 ? 126 : 42, n); }
  push(n: number): void { this.header(this.resp === 3 ? 62 : 42, n); }
  attribute(n: number): void { if (this.resp === 3) this.header(124, n); }
  double(d: number): void {
    if (this.resp === 3) this.line(44, formatDouble(d));
    else this.bulk(formatDouble(d));
  }
  bool(v: boolean): void {
    if (this.resp === 3) this.raw(v ? TRUE3 : FALSE3);
    else this.raw(v ? ONE : ZERO);
  }
  verbatim(text: string | Buffer, fmt = 'txt'): void {
    const body = typeof text === 'string' ? Buffer.from(text) : text;
    if (this.resp === 3) {
      this.header(61, body.length + 4);
      this.ascii(fmt + ':');
      this.raw(body);
      this.raw(CRLF);
    } else this.bulk(body);
  }
  bigNumber(s: string): void {
    if (this.resp === 3) this.line(40, s);
    else this.bulk(s);
  }
  /** Array of bulk strings. */
  bulkArray(items: (Uint8Array | string)[]): void {
    this.arr(items.length);
    for (const it of items) this.bulk(it);
  }
  /** Bulk string or nil. */
  bulkOrNil(v: Uint8Array | string | null | undefined): void {
    if (v === null || v === undefined) this.nil(); else this.bulk(v);
  }
}

const OK = Buffer.from('+OK\r\n');
const NULL3 = Buffer.from('_\r\n');
const NULL_BULK = Buffer.from('$-1\r\n');
const NULL_ARRAY = Buffer.from('*-1\r\n');
const TRUE3 = Buffer.from('#t\r\n');
const FALSE3 = Buffer.from('#f\r\n');
const ONE = Buffer.from(':1\r\n');
const ZERO = Buffer.from(':0\r\n');
