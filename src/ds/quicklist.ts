// Lists, stored the way Valkey stores them so sizes, encodings and conversions match:
//
//  - A small list is one *listpack*: a single byte buffer in Valkey's listpack format (6-byte
//    header, entries of encoding + data + backward length, 0xFF terminator). Integers in
//    canonical decimal form are stored in the compact integer encodings, exactly as Valkey does,
//    so the byte size that decides conversions is the same.
//  - A large list is a *quicklist*: a sequence of nodes, each a listpack limited by the
//    list-max-listpack-size "fill" (entry count, or bytes for -1..-5), plus "plain" nodes holding
//    one large element as raw bytes. Node splitting and merging follow Valkey's rules, so a list
//    has the same node layout (and converts back to a listpack at the same moment).
//
// Nodes live in a dense array with free room at both ends (O(1) pushes at either end) and a
// Fenwick tree over node element counts, so finding the node of any index is O(log nodes):
// LINDEX / LSET / LRANGE in the middle of a long list do not walk the list.
//
// Nothing here knows about the server: the fill comes from the caller, and the test-only packed
// threshold (DEBUG QUICKLIST-PACKED-THRESHOLD) is a module setting like Valkey's static one.

import { backlenSize, encDataLen as lpEncDataLen, writeBacklen } from './listpack.js';

// ------------------------------------------------------------------ limits

export const LP_HDR = 6;
const LP_EOF = 0xff;
/** Byte limits of the negative fill levels -1..-5. */
const FILL_BYTES = [4096, 8192, 16384, 32768, 65536];
/** Largest multi-element node when the fill is an entry count. */
const SIZE_SAFETY_LIMIT = 8192;
/** Estimated per-entry overhead when deciding whether an element still fits a node. */
const SIZE_ESTIMATE_OVERHEAD = 8;
const FILL_MAX = 32767;

let packedThreshold = 0;
/** Elements at least this large go to plain nodes (0: decided by the fill, the default). */
export function setPackedThreshold(bytes: number): void { packedThreshold = bytes; }

function negFillLimit(fill: number): number {
  let off = -fill - 1;
  if (off >= FILL_BYTES.length) off = FILL_BYTES.length - 1;
  return FILL_BYTES[off]!;
}

/** Byte and count limits of a node (or of a listpack-encoded list) for a fill value. */
export function nodeLimit(fill: number): { size: number; count: number } {
  if (fill >= 0) return { size: Infinity, count: fill === 0 ? 1 : fill };
  return { size: negFillLimit(fill), count: Infinity };
}

/** True when a node of `sz` bytes and `count` entries would exceed the fill's limits. */
export function exceedsLimit(fill: number, sz: number, count: number): boolean {
  if (fill < 0) return sz > negFillLimit(fill);
  if (sz > SIZE_SAFETY_LIMIT) return true;
  return count > (fill === 0 ? 1 : fill);
}

function isLarge(sz: number, fill: number): boolean {
  if (packedThreshold !== 0) return sz >= packedThreshold;
  return fill >= 0 ? sz > SIZE_SAFETY_LIMIT : sz > negFillLimit(fill);
}

// ------------------------------------------------------------------ listpack entries

/** A listpack buffer: `buf[0, sz)` is a valid listpack; `buf.length` is its capacity. */
export interface PackNode {
  buf: Buffer;
  sz: number;
  count: number;
  /** True for a plain quicklist node (buf[0, sz) is one raw element). */
  readonly plain: boolean;
  /** Byte offsets of every SEEK_STEP-th entry, built by long seeks, dropped by any change. */
  seek: Int32Array | null;
}

const SEEK_SHIFT = 5;
const SEEK_STEP = 1 << SEEK_SHIFT;

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;

// Result of classify(): the value as an integer when it is a canonical int64.
let cIsInt = false;
let cNum = 0;
let cBig: bigint | null = null;

/** Parses v as Valkey's lpStringToInt64 does (canonical decimal int64 only). */
function parseCanonicalInt(v: Uint8Array): boolean {
  const n = v.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  let neg = false;
  if (v[0] === 45) { if (n === 1) return false; neg = true; i = 1; }
  const d0 = v[i]!;
  if (d0 === 48) {
    if (n !== 1) return false;
    cNum = 0; cBig = null;
    return true;
  }
  if (d0 < 49 || d0 > 57) return false;
  if (n - i <= 15) {
    let x = 0;
    for (; i < n; i++) {
      const d = v[i]! - 48;
      if (d < 0 || d > 9) return false;
      x = x * 10 + d;
    }
    cNum = neg ? -x : x; cBig = null;
    return true;
  }
  for (let j = i; j < n; j++) { const d = v[j]! - 48; if (d < 0 || d > 9) return false; }
  const b = BigInt(Buffer.from(v.buffer, v.byteOffset, n).latin1Slice(0, n));
  if (b > I64_MAX || b < I64_MIN) return false;
  if (b >= -9007199254740991n && b <= 9007199254740991n) { cNum = Number(b); cBig = null; } else cBig = b;
  return true;
}

function intEncLen(x: number): number {
  if (x >= 0 && x <= 127) return 1;
  if (x >= -4096 && x <= 4095) return 2;
  if (x >= -32768 && x <= 32767) return 3;
  if (x >= -8388608 && x <= 8388607) return 4;
  if (x >= -2147483648 && x <= 2147483647) return 5;
  return 9;
}

/** Encoding + data length of the entry that would store v (sets the classify result). */
function classify(v: Uint8Array): number {
  if (parseCanonicalInt(v)) {
    cIsInt = true;
    return cBig !== null ? 9 : intEncLen(cNum);
  }
  cIsInt = false;
  const n = v.length;
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}


/** Bytes a listpack entry for v takes (encoding, data and backward length). */
export function entryBytes(v: Uint8Array): number {
  const l = classify(v);
  return l + backlenSize(l);
}

/** Writes the entry classified last for v at p; l is its encoding + data length. */
function writeEntry(buf: Buffer, p: number, v: Uint8Array, l: number): void {
  if (cIsInt) {
    if (cBig !== null) {
      buf[p] = 0xf4;
      buf.writeBigInt64LE(cBig, p + 1);
    } else {
      const x = cNum;
      switch (l) {
        case 1: buf[p] = x; break;
        case 2: { const u = x < 0 ? 8192 + x : x; buf[p] = 0xc0 | (u >> 8); buf[p + 1] = u & 0xff; break; }
        case 3: buf[p] = 0xf1; buf.writeInt16LE(x, p + 1); break;
        case 4: { const u = x < 0 ? 16777216 + x : x; buf[p] = 0xf2; buf[p + 1] = u & 0xff; buf[p + 2] = (u >> 8) & 0xff; buf[p + 3] = u >>> 16; break; }
        case 5: buf[p] = 0xf3; buf.writeInt32LE(x, p + 1); break;
        default: buf[p] = 0xf4; buf.writeBigInt64LE(BigInt(x), p + 1);
      }
    }
  } else {
    const n = v.length;
    let q: number;
    if (n < 64) { buf[p] = 0x80 | n; q = p + 1; }
    else if (n < 4096) { buf[p] = 0xe0 | (n >> 8); buf[p + 1] = n & 0xff; q = p + 2; }
    else { buf[p] = 0xf0; buf.writeUInt32LE(n, p + 1); q = p + 5; }
    if (n <= 16) for (let i = 0; i < n; i++) buf[q + i] = v[i]!;
    else buf.set(v, q);
  }
  writeBacklen(buf, p + l, l);
}

/** Encoding + data length of the entry at p. */
function encDataLen(buf: Buffer, p: number): number {
  const l = lpEncDataLen(buf, p);
  if (l < 0) throw new Error('corrupt listpack entry');
  return l;
}

/** Total length of the entry at p. */
function entryLen(buf: Buffer, p: number): number {
  const l = encDataLen(buf, p);
  return l + backlenSize(l);
}

/** Start of the entry before the one at p (p may be the terminator); -1 at the first entry. */
function prevEntry(buf: Buffer, p: number): number {
  if (p <= LP_HDR) return -1;
  let q = p - 1;
  let val = 0;
  let mul = 1;
  for (;;) {
    const x = buf[q]!;
    val += (x & 127) * mul;
    if (!(x & 128)) break;
    mul *= 128;
    q--;
  }
  return q - val;
}

// Result of decode(): either an integer or the string buf[dStart, dEnd).
let dIsInt = false;
let dNum = 0;
let dBig: bigint | null = null;
let dStart = 0;
let dEnd = 0;

function decode(buf: Buffer, p: number): void {
  const b = buf[p]!;
  if (b < 0x80) { dIsInt = true; dNum = b; dBig = null; return; }
  if (b < 0xc0) { dIsInt = false; dStart = p + 1; dEnd = dStart + (b & 0x3f); return; }
  if (b < 0xe0) {
    const u = ((b & 0x1f) << 8) | buf[p + 1]!;
    dIsInt = true; dNum = u >= 4096 ? u - 8192 : u; dBig = null;
    return;
  }
  if (b < 0xf0) { dIsInt = false; dStart = p + 2; dEnd = dStart + (((b & 0x0f) << 8) | buf[p + 1]!); return; }
  dIsInt = true; dBig = null;
  switch (b) {
    case 0xf0: dIsInt = false; dStart = p + 5; dEnd = dStart + buf.readUInt32LE(p + 1); return;
    case 0xf1: dNum = buf.readInt16LE(p + 1); return;
    case 0xf2: { const u = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16); dNum = u >= 8388608 ? u - 16777216 : u; return; }
    case 0xf3: dNum = buf.readInt32LE(p + 1); return;
    case 0xf4: {
      const v = buf.readBigInt64LE(p + 1);
      if (v >= -9007199254740991n && v <= 9007199254740991n) dNum = Number(v); else dBig = v;
      return;
    }
  }
  throw new Error('corrupt listpack entry');
}

/** Receives one element as bytes src[start, end) (a view: copy it to keep it). */
export type Emit = (src: Buffer, start: number, end: number) => void;

const intScratch = Buffer.allocUnsafe(24);

/** Writes the decimal text of the integer decoded last at the end of intScratch; returns its start. */
function intText(): number {
  if (dBig !== null) {
    const s = dBig.toString();
    intScratch.latin1Write(s, 24 - s.length);
    return 24 - s.length;
  }
  let v = dNum;
  if (v === 0) { intScratch[23] = 48; return 23; }
  const neg = v < 0;
  if (neg) v = -v;
  let p = 24;
  while (v > 0) {
    const q = Math.floor(v / 10);
    intScratch[--p] = 48 + (v - q * 10);
    v = q;
  }
  if (neg) intScratch[--p] = 45;
  return p;
}

/** Emits the element decoded last. */
function emitDecoded(buf: Buffer, fn: Emit): void {
  if (!dIsInt) { fn(buf, dStart, dEnd); return; }
  fn(intScratch, intText(), 24);
}

/** A copy of the element decoded last. */
function decodedCopy(buf: Buffer): Buffer {
  const from = dIsInt ? intText() : dStart;
  const src = dIsInt ? intScratch : buf;
  const end = dIsInt ? 24 : dEnd;
  const out = Buffer.allocUnsafe(end - from);
  if (end - from <= 32) for (let i = from; i < end; i++) out[i - from] = src[i]!;
  else src.copy(out, 0, from, end);
  return out;
}

/** Emits the element at p of node n. */
function emitAt(n: PackNode, p: number, fn: Emit): void {
  if (n.plain) { fn(n.buf, 0, n.sz); return; }
  decode(n.buf, p);
  emitDecoded(n.buf, fn);
}

/** A needle for comparisons against entries (LREM, LPOS, LINSERT pivots). */
export class Needle {
  readonly isInt: boolean;
  readonly num: number;
  readonly big: bigint | null;
  constructor(readonly bytes: Buffer) {
    this.isInt = parseCanonicalInt(bytes);
    this.num = cNum;
    this.big = this.isInt ? cBig : null;
  }
}

function matches(n: PackNode, p: number, nd: Needle): boolean {
  const buf = n.buf;
  if (n.plain) return n.sz === nd.bytes.length && buf.compare(nd.bytes, 0, n.sz, 0, n.sz) === 0;
  decode(buf, p);
  if (dIsInt) {
    if (!nd.isInt) return false;
    return dBig !== null ? nd.big === dBig : nd.big === null && nd.num === dNum;
  }
  // A string entry is never a canonical integer (those are stored as integers).
  if (nd.isInt) return false;
  const len = dEnd - dStart;
  const b = nd.bytes;
  if (len !== b.length) return false;
  if (len <= 16) {
    for (let i = 0; i < len; i++) if (buf[dStart + i] !== b[i]) return false;
    return true;
  }
  return buf.compare(b, 0, len, dStart, dEnd) === 0;
}

// ------------------------------------------------------------------ listpack buffer operations

function allocBuf(n: number): Buffer { return Buffer.allocUnsafe(n); }

function writeHeader(n: PackNode): void {
  n.seek = null;
  const b = n.buf;
  const sz = n.sz;
  // By hand: Buffer.writeUInt32LE costs several times more on Node 20.
  b[0] = sz & 0xff; b[1] = (sz >>> 8) & 0xff; b[2] = (sz >>> 16) & 0xff; b[3] = sz >>> 24;
  const c = n.count < 65535 ? n.count : 65535;
  b[4] = c & 0xff; b[5] = c >> 8;
}

/** A new empty listpack buffer with room for `cap` bytes. */
function newPack(cap = 16): Buffer {
  const b = allocBuf(Math.max(cap, LP_HDR + 1));
  b.writeUInt32LE(LP_HDR + 1, 0);
  b[4] = 0; b[5] = 0;
  b[LP_HDR] = LP_EOF;
  return b;
}

function ensureCap(n: PackNode, need: number): void {
  if (n.buf.length >= need) return;
  // Capacities are powers of two: a node growing one push at a time to its fill limit (a power
  // of two for every byte fill, and the count fills' safety limit) is copied a handful of
  // times and never ends above the limit, instead of a copy (and, past 4 KiB, a fresh
  // ArrayBuffer) every few pushes with 25% steps.
  let cap = 128;
  while (cap < need) cap *= 2;
  const nb = allocBuf(cap);
  n.buf.copy(nb, 0, 0, n.sz);
  n.buf = nb;
}

/** Gives back memory after deletions left a buffer mostly empty. */
function maybeShrink(n: PackNode): void {
  const cap = n.buf.length;
  if (n.buf === SCRATCH) return;
  if (cap > 512 && n.sz * 4 < cap) {
    const nb = allocBuf(n.sz * 2);
    n.buf.copy(nb, 0, 0, n.sz);
    n.buf = nb;
  }
}

/** Inserts v as a new entry at byte offset p (before the entry there; sz-1 appends). */
function lpInsertAt(n: PackNode, p: number, v: Uint8Array): void {
  const l = classify(v);
  const tot = l + backlenSize(l);
  const sz = n.sz;
  ensureCap(n, sz + tot);
  const buf = n.buf;
  if (p < sz) buf.copyWithin(p + tot, p, sz);
  writeEntry(buf, p, v, l);
  n.sz = sz + tot;
  n.count++;
  writeHeader(n);
}

function lpAppend(n: PackNode, v: Uint8Array): void { lpInsertAt(n, n.sz - 1, v); }
function lpPrepend(n: PackNode, v: Uint8Array): void { lpInsertAt(n, LP_HDR, v); }

/** Deletes the entry at p; the next entry (or the terminator) is then at p. */
function lpDeleteAt(n: PackNode, p: number): void {
  const tot = entryLen(n.buf, p);
  n.buf.copyWithin(p, p + tot, n.sz);
  n.sz -= tot;
  n.count--;
  writeHeader(n);
  maybeShrink(n);
}

/** Replaces the entry at p with v. */
function lpReplaceAt(n: PackNode, p: number, v: Uint8Array): void {
  const old = entryLen(n.buf, p);
  const l = classify(v);
  const tot = l + backlenSize(l);
  const sz = n.sz;
  if (tot !== old) {
    ensureCap(n, sz - old + tot);
    n.buf.copyWithin(p + tot, p + old, sz);
    n.sz = sz - old + tot;
  }
  writeEntry(n.buf, p, v, l);
  writeHeader(n);
}

/** Byte offset of entry idx (0 <= idx < count), walking from the nearer end. */
function lpSeek(n: PackNode, idx: number): number {
  const buf = n.buf;
  if (idx < 2 * SEEK_STEP) {
    let p = LP_HDR;
    for (let i = 0; i < idx; i++) p += entryLen(buf, p);
    return p;
  }
  if (n.count - idx <= 2 * SEEK_STEP) {
    let p = prevEntry(buf, n.sz - 1);
    for (let i = n.count - 1; i > idx; i--) p = prevEntry(buf, p);
    return p;
  }
  let seek = n.seek;
  if (seek === null) {
    seek = new Int32Array((n.count >> SEEK_SHIFT) + 1);
    let p = LP_HDR;
    for (let i = 0; i < n.count; i++) {
      if ((i & (SEEK_STEP - 1)) === 0) seek[i >> SEEK_SHIFT] = p;
      p += entryLen(buf, p);
    }
    n.seek = seek;
  }
  let p = seek[idx >> SEEK_SHIFT]!;
  for (let i = idx & (SEEK_STEP - 1); i > 0; i--) p += entryLen(buf, p);
  return p;
}

/** Deletes `del` entries starting at entry idx. */
function lpDeleteRange(n: PackNode, idx: number, del: number): void {
  if (del <= 0) return;
  const buf = n.buf;
  const p = lpSeek(n, idx);
  let q = p;
  for (let i = 0; i < del; i++) q += entryLen(buf, q);
  buf.copyWithin(p, q, n.sz);
  n.sz -= q - p;
  n.count -= del;
  writeHeader(n);
  maybeShrink(n);
}

// ------------------------------------------------------------------ quicklist nodes

export class QLNode implements PackNode {
  seek: Int32Array | null = null;
  constructor(public buf: Buffer, public sz: number, public count: number, public plain: boolean) {}

  static packed(v: Uint8Array): QLNode {
    const n = new QLNode(newPack(LP_HDR + 1 + entryBytes(v)), LP_HDR + 1, 0, false);
    lpAppend(n, v);
    return n;
  }

  static plainOf(v: Uint8Array): QLNode {
    const b = allocBuf(v.length);
    b.set(v, 0);
    return new QLNode(b, v.length, 1, true);
  }

  clone(): QLNode {
    const b = allocBuf(this.sz);
    this.buf.copy(b, 0, 0, this.sz);
    return new QLNode(b, this.sz, this.count, this.plain);
  }
}

function allowInsert(n: QLNode | null, fill: number, sz: number): boolean {
  if (n === null) return false;
  if (n.plain || isLarge(sz, fill)) return false;
  return !exceedsLimit(fill, n.sz + sz + SIZE_ESTIMATE_OVERHEAD, n.count + 1);
}

function allowMerge(a: QLNode | null, b: QLNode | null, fill: number): boolean {
  if (a === null || b === null) return false;
  if (a.plain || b.plain) return false;
  return !exceedsLimit(fill, a.sz + b.sz - 7, a.count + b.count);
}

/**
 * The quicklist: nodes in slots[lo, hi), a Fenwick tree over their element counts (rebuilt lazily
 * after a node is inserted or removed in the middle).
 */
export class QuickList {
  slots: Array<QLNode | undefined>;
  lo: number;
  hi: number;
  private tree: Float64Array;
  private treeDirty = false;
  private topBit = 1;
  /** Total elements. */
  count = 0;
  readonly fill: number;

  constructor(fill: number) {
    this.fill = fill > FILL_MAX ? FILL_MAX : fill < -5 ? -5 : fill;
    this.slots = new Array<QLNode | undefined>(4);
    this.lo = this.hi = 2;
    this.tree = new Float64Array(5);
    this.topBit = 4;
  }

  get len(): number { return this.hi - this.lo; }
  get head(): QLNode | null { return this.hi > this.lo ? this.slots[this.lo]! : null; }
  get tail(): QLNode | null { return this.hi > this.lo ? this.slots[this.hi - 1]! : null; }
  node(slot: number): QLNode { return this.slots[slot]!; }

  // ---------------------------------------------------------------- slots and counts

  private adj(slot: number, d: number): void {
    if (this.treeDirty) return;
    const t = this.tree;
    const cap = this.slots.length;
    for (let i = slot + 1; i <= cap; i += i & -i) t[i] += d;
  }

  private rebuild(): void {
    const cap = this.slots.length;
    if (this.tree.length !== cap + 1) this.tree = new Float64Array(cap + 1); else this.tree.fill(0);
    const t = this.tree;
    const s = this.slots;
    for (let i = this.lo; i < this.hi; i++) t[i + 1] = s[i]!.count;
    for (let i = 1; i <= cap; i++) {
      const j = i + (i & -i);
      if (j <= cap) t[j] += t[i]!;
    }
    let b = 1;
    while (b * 2 <= cap) b *= 2;
    this.topBit = b;
    this.treeDirty = false;
  }

  /** Moves the nodes into a larger array with room at both ends. */
  private regrow(): void {
    const n = this.hi - this.lo;
    const cap = Math.max(8, n * 2 + 4);
    const ns = new Array<QLNode | undefined>(cap);
    const start = (cap - n) >> 1;
    for (let i = 0; i < n; i++) ns[start + i] = this.slots[this.lo + i];
    this.slots = ns;
    this.lo = start;
    this.hi = start + n;
    this.treeDirty = true;
  }

  /** Inserts node before slot pos (lo <= pos <= hi); returns its slot. Nodes at or after pos move up by one. */
  insertNodeAt(pos: number, node: QLNode): number {
    if (pos === this.lo) {
      if (this.lo === 0) this.regrow();
      this.slots[--this.lo] = node;
      this.adj(this.lo, node.count);
      return this.lo;
    }
    if (pos === this.hi) {
      if (this.hi === this.slots.length) this.regrow();
      pos = this.hi++;
      this.slots[pos] = node;
      this.adj(pos, node.count);
      return pos;
    }
    if (this.hi === this.slots.length) {
      const oldLo = this.lo;
      this.regrow();
      pos += this.lo - oldLo;
    }
    const s = this.slots;
    for (let i = this.hi; i > pos; i--) s[i] = s[i - 1];
    s[pos] = node;
    this.hi++;
    this.treeDirty = true;
    return pos;
  }

  /** Back to an empty node array (keeping its capacity). */
  private resetEmpty(): void {
    const cap = this.slots.length;
    this.lo = this.hi = cap >> 1;
    this.rebuild();
  }

  /** Removes the node at slot pos and its elements from the count; returns the slot of the node that followed it. */
  removeNodeAt(pos: number): number {
    const s = this.slots;
    const node = s[pos]!;
    this.count -= node.count;
    let next: number;
    if (pos === this.lo) {
      this.adj(pos, -node.count);
      s[pos] = undefined;
      next = ++this.lo;
    } else if (pos === this.hi - 1) {
      this.adj(pos, -node.count);
      s[pos] = undefined;
      next = --this.hi;
    } else {
      for (let i = pos; i < this.hi - 1; i++) s[i] = s[i + 1];
      s[--this.hi] = undefined;
      this.treeDirty = true;
      next = pos;
    }
    if (this.lo === this.hi) {
      this.resetEmpty();
      next = this.hi;
    }
    return next;
  }

  private slotOf(n: QLNode, hint = -1): number {
    const s = this.slots;
    if (hint >= this.lo && hint < this.hi && s[hint] === n) return hint;
    for (let d = 1; d <= 2; d++) {
      if (s[hint + d] === n && hint + d < this.hi) return hint + d;
      if (s[hint - d] === n && hint - d >= this.lo) return hint - d;
    }
    const i = s.indexOf(n, this.lo);
    if (i < 0 || i >= this.hi) throw new Error('quicklist node not found');
    return i;
  }

  private removeNode(n: QLNode, hint = -1): void { this.removeNodeAt(this.slotOf(n, hint)); }

  private insertNode(ref: QLNode, n: QLNode, after: boolean, hint = -1): void {
    const s = this.slotOf(ref, hint);
    this.insertNodeAt(after ? s + 1 : s, n);
  }

  /** Element offset within the node found by find(). */
  fOff = 0;

  /** Slot of the node holding element idx (0 <= idx < count); sets fOff. */
  find(idx: number): number {
    const head = this.slots[this.lo]!;
    if (idx < head.count) { this.fOff = idx; return this.lo; }
    const tail = this.slots[this.hi - 1]!;
    const tailStart = this.count - tail.count;
    if (idx >= tailStart) { this.fOff = idx - tailStart; return this.hi - 1; }
    if (this.treeDirty) this.rebuild();
    const t = this.tree;
    const cap = this.slots.length;
    let pos = 0;
    let rem = idx;
    for (let step = this.topBit; step > 0; step >>= 1) {
      const nx = pos + step;
      if (nx <= cap && t[nx]! <= rem) { pos = nx; rem -= t[nx]!; }
    }
    this.fOff = rem;
    return pos;
  }

  // ---------------------------------------------------------------- pushes and pops

  push(v: Uint8Array, head: boolean): void {
    const sz = v.length;
    const fill = this.fill;
    if (isLarge(sz, fill)) {
      this.insertNodeAt(head ? this.lo : this.hi, QLNode.plainOf(v));
    } else {
      const slot = head ? this.lo : this.hi - 1;
      const n = this.hi > this.lo ? this.slots[slot]! : null;
      if (allowInsert(n, fill, sz)) {
        if (head) lpPrepend(n!, v); else lpAppend(n!, v);
        this.adj(slot, 1);
      } else {
        this.insertNodeAt(head ? this.lo : this.hi, QLNode.packed(v));
      }
    }
    this.count++;
  }

  /** Removes the first (head) or last element, emitting it first. */
  popTo(head: boolean, fn: Emit): void {
    const slot = head ? this.lo : this.hi - 1;
    const n = this.slots[slot]!;
    if (n.plain) {
      fn(n.buf, 0, n.sz);
      this.removeNodeAt(slot);
      return;
    }
    const p = head ? LP_HDR : prevEntry(n.buf, n.sz - 1);
    decode(n.buf, p);
    emitDecoded(n.buf, fn);
    this.delEntry(slot, p);
  }

  /** Removes the first (head) or last element and returns a copy of it. */
  pop(head: boolean): Buffer {
    const slot = head ? this.lo : this.hi - 1;
    const n = this.slots[slot]!;
    if (n.plain) {
      this.removeNodeAt(slot);
      return n.buf.length === n.sz ? n.buf : n.buf.subarray(0, n.sz);
    }
    const p = head ? LP_HDR : prevEntry(n.buf, n.sz - 1);
    decode(n.buf, p);
    const out = decodedCopy(n.buf);
    this.delEntry(slot, p);
    return out;
  }

  /** Deletes the entry at byte offset p of the node at slot; removes the node when it empties. */
  private delEntry(slot: number, p: number): void {
    const n = this.slots[slot]!;
    if (n.plain || n.count === 1) { this.removeNodeAt(slot); return; }
    lpDeleteAt(n, p);
    this.adj(slot, -1);
    this.count--;
  }

  // ---------------------------------------------------------------- structure changes

  /**
   * Splits node in two. after=true: node keeps entries [0, off], the returned node gets the rest;
   * after=false: the returned node gets [0, off), node keeps [off, end).
   */
  private split(node: QLNode, off: number, after: boolean): QLNode {
    const at = after ? off + 1 : off;
    const p = lpSeek(node, at);
    const src = node.buf;
    const rightBytes = node.sz - p; // includes the terminator
    const leftBytes = p - LP_HDR;
    let keepCount: number, newCount: number;
    const nn = new QLNode(src, 0, 0, false);
    if (after) {
      // new node: header + src[p, sz)
      const nb = allocBuf(LP_HDR + rightBytes);
      src.copy(nb, LP_HDR, p, node.sz);
      newCount = node.count - at; keepCount = at;
      nn.buf = nb; nn.sz = LP_HDR + rightBytes; nn.count = newCount;
      const kb = allocBuf(p + 1);
      src.copy(kb, 0, 0, p);
      kb[p] = LP_EOF;
      node.buf = kb; node.sz = p + 1; node.count = keepCount;
    } else {
      const nb = allocBuf(LP_HDR + leftBytes + 1);
      src.copy(nb, LP_HDR, LP_HDR, p);
      nb[LP_HDR + leftBytes] = LP_EOF;
      newCount = at; keepCount = node.count - at;
      nn.buf = nb; nn.sz = LP_HDR + leftBytes + 1; nn.count = newCount;
      const kb = allocBuf(LP_HDR + rightBytes);
      src.copy(kb, LP_HDR, p, node.sz);
      node.buf = kb; node.sz = LP_HDR + rightBytes; node.count = keepCount;
    }
    writeHeader(nn);
    writeHeader(node);
    this.treeDirty = true;
    return nn;
  }

  /** Merges b (right neighbour) into a; removes b. Returns a. */
  private mergePair(a: QLNode, b: QLNode): QLNode {
    const sz = a.sz + b.sz - LP_HDR - 1;
    const nb = allocBuf(sz);
    a.buf.copy(nb, 0, 0, a.sz - 1);
    b.buf.copy(nb, a.sz - 1, LP_HDR, b.sz);
    const bc = b.count;
    a.buf = nb; a.sz = sz; a.count += bc;
    writeHeader(a);
    this.count += bc; // removeNode subtracts b's elements, which now live in a
    this.removeNode(b);
    this.treeDirty = true;
    return a;
  }

  private at(slot: number): QLNode | null {
    return slot >= this.lo && slot < this.hi ? this.slots[slot]! : null;
  }

  /** Tries to merge the nodes around center, as Valkey does after a split; returns the center's node. */
  private mergeNodes(center: QLNode): QLNode {
    const fill = this.fill;
    let c = this.slotOf(center);
    const prev = this.at(c - 1), prevPrev = this.at(c - 2);
    const next = this.at(c + 1), nextNext = this.at(c + 2);
    if (allowMerge(prev, prevPrev, fill)) this.mergePair(prevPrev!, prev!);
    if (allowMerge(next, nextNext, fill)) this.mergePair(next!, nextNext!);
    c = this.slotOf(center);
    const cp = this.at(c - 1);
    let target: QLNode;
    if (allowMerge(center, cp, fill)) target = this.mergePair(cp!, center);
    else target = center;
    const t = this.slotOf(target);
    const tn = this.at(t + 1);
    if (allowMerge(target, tn, fill)) target = this.mergePair(target, tn!);
    return target;
  }

  /** Inserts v before/after entry `off` (byte offset p) of the node at slot (Valkey's _quicklistInsert). */
  insertAt(slot: number, off: number, p: number, v: Uint8Array, after: boolean): void {
    const fill = this.fill;
    const sz = v.length;
    const node = this.slots[slot]!;
    const full = !allowInsert(node, fill, sz);
    const atTail = after && off === node.count - 1;
    const atHead = !after && off === 0;
    const next = this.at(slot + 1), prev = this.at(slot - 1);
    const availNext = atTail && allowInsert(next, fill, sz);
    const availPrev = atHead && allowInsert(prev, fill, sz);
    this.count++;
    if (isLarge(sz, fill)) {
      if (node.plain || atTail || atHead) {
        this.insertNodeAt(after ? slot + 1 : slot, QLNode.plainOf(v));
      } else {
        const nn = this.split(node, off, after);
        const pn = QLNode.plainOf(v);
        this.insertNodeAt(after ? slot + 1 : slot, pn);
        this.insertNode(pn, nn, after);
      }
      return;
    }
    if (!full) {
      lpInsertAt(node, after ? p + entryLen(node.buf, p) : p, v);
      this.adj(slot, 1);
    } else if (atTail && availNext) {
      lpPrepend(next!, v);
      this.adj(slot + 1, 1);
    } else if (atHead && availPrev) {
      lpAppend(prev!, v);
      this.adj(slot - 1, 1);
    } else if (atTail || atHead) {
      this.insertNodeAt(after ? slot + 1 : slot, QLNode.packed(v));
    } else {
      const nn = this.split(node, off, after);
      if (after) lpPrepend(nn, v); else lpAppend(nn, v);
      this.insertNodeAt(after ? slot + 1 : slot, nn);
      this.mergeNodes(node);
    }
  }

  /** Replaces element idx (0 <= idx < count) with v (Valkey's quicklistReplaceEntry). */
  replace(idx: number, v: Uint8Array): void {
    const fill = this.fill;
    const sz = v.length;
    const slot = this.find(idx);
    const off = this.fOff;
    const node = this.slots[slot]!;
    if (!node.plain && !isLarge(sz, fill)) {
      lpReplaceAt(node, lpSeek(node, off), v);
      return;
    }
    if (node.plain) {
      if (isLarge(sz, fill)) {
        const b = allocBuf(sz);
        b.set(v, 0);
        node.buf = b; node.sz = sz;
      } else {
        this.insertAt(slot, 0, 0, v, true);
        this.removeNode(node, slot);
      }
      return;
    }
    // A large element replacing an entry of a packed node: it gets a plain node of its own.
    let splitNode: QLNode | null = null;
    if (off !== node.count - 1) splitNode = this.split(node, off, true);
    const nn = QLNode.plainOf(v);
    this.insertNodeAt(slot + 1, nn);
    if (splitNode) this.insertNode(nn, splitNode, true, slot + 1);
    this.count++;
    if (node.count === 1) {
      this.removeNode(node, slot);
    } else {
      const s = this.slotOf(node, slot);
      lpDeleteAt(node, prevEntry(node.buf, node.sz - 1));
      this.count--;
      this.adj(s, -1);
      this.mergeNodes(nn);
    }
  }

  /** Deletes count elements from start (negative: from the end), as quicklistDelRange. */
  delRange(start: number, n: number): void {
    if (n <= 0 || this.count === 0) return;
    let extent = n;
    if (start >= 0 && extent > this.count - start) extent = this.count - start;
    else if (start < 0 && extent > -start) extent = -start;
    const idx = start >= 0 ? start : this.count + start;
    if (idx < 0 || idx >= this.count) return;
    let slot = this.find(idx);
    let off = this.fOff;
    while (extent > 0 && slot < this.hi) {
      const node = this.slots[slot]!;
      const del = Math.min(extent, node.count - off);
      if (node.plain || (off === 0 && del === node.count)) {
        slot = this.removeNodeAt(slot);
      } else {
        lpDeleteRange(node, off, del);
        this.count -= del;
        this.adj(slot, -del);
        slot++;
      }
      extent -= del;
      off = 0;
    }
  }

  /** Drops emptied nodes (count 0) after an in-place removal pass and rebuilds the index. */
  compact(): void {
    const s = this.slots;
    let w = this.lo;
    let total = 0;
    for (let i = this.lo; i < this.hi; i++) {
      const n = s[i]!;
      if (n.count > 0) { s[w++] = n; total += n.count; }
    }
    for (let i = w; i < this.hi; i++) s[i] = undefined;
    this.hi = w;
    this.count = total;
    if (this.lo === this.hi) this.lo = this.hi = s.length >> 1;
    this.treeDirty = true;
  }

  /** Adds a pre-built node at the tail (conversion, loading). */
  appendNode(n: QLNode): void {
    this.insertNodeAt(this.hi, n);
    this.count += n.count;
  }

  clone(): QuickList {
    const q = new QuickList(this.fill);
    for (let i = this.lo; i < this.hi; i++) q.appendNode(this.slots[i]!.clone());
    return q;
  }
}

// ------------------------------------------------------------------ the list object

/** Reused one-node "slot array" for walking a listpack-encoded list with the quicklist code. */
const ONE: PackNode[] = [];
// Walk state set by ListObject.nodes() and locate() (single-threaded, used right away).
let wS: ArrayLike<PackNode | undefined> = ONE;
let wLo = 0;
let wHi = 0;
let lSlot = 0;
let lP = 0;

/**
 * Listpacks up to this many bytes are kept as a latin1 string (one char per byte) between
 * operations: a string costs a small header where a Buffer costs a typed-array object, which
 * matters when there are millions of small lists. Each operation works on a scratch copy.
 */
const COMPACT_MAX = 512;
const SCRATCH = Buffer.allocUnsafeSlow(8192);
let scratchOwner: ListObject | null = null;

export interface ListDebugInfo { nodes: number; count: number; uncompressedSize: number; plainNodes: number; fill?: number }

/**
 * A list value. Listpack encoding: the object itself is the single listpack and `ql` is null;
 * the bytes are in `str` (small, between operations) or in `buf`. Quicklist encoding: `ql`
 * holds the nodes.
 */
export class ListObject implements PackNode {
  buf: Buffer;
  sz: number;
  count: number;
  ql: QuickList | null = null;
  seek: Int32Array | null = null;
  /** The listpack as latin1 text while it is small and not being worked on. */
  private str: string | null;

  constructor() {
    this.buf = EMPTY_PACK;
    this.sz = LP_HDR + 1;
    this.count = 0;
    this.str = EMPTY_STR;
  }

  get plain(): boolean { return false; }
  get isQuicklist(): boolean { return this.ql !== null; }
  get length(): number { return this.ql !== null ? this.ql.count : this.count; }

  // ---------------------------------------------------------------- compact form

  /** Makes the listpack bytes available in `buf`; returns the compact string it came from. */
  private open(): string | null {
    const str = this.str;
    if (str === null) return null;
    let b: Buffer;
    if (scratchOwner === null) { b = SCRATCH; scratchOwner = this; } else b = allocBuf(str.length + 64);
    b.latin1Write(str, 0, str.length);
    this.buf = b;
    this.str = null;
    return str;
  }

  /**
   * Ends an operation: a small listpack goes (back) to the compact form — unchanged if it was
   * not modified — and a larger one gets a buffer of its own if it was on the scratch buffer.
   */
  private close(prev: string | null, modified: boolean): void {
    const b = this.buf;
    if (scratchOwner === this) scratchOwner = null;
    if (this.ql !== null) return;
    if (prev !== null && !modified) { this.str = prev; this.buf = EMPTY_PACK; return; }
    if (this.sz <= COMPACT_MAX) {
      if (prev === null && !modified) return;
      this.str = b.latin1Slice(0, this.sz);
      this.buf = EMPTY_PACK;
      return;
    }
    if (b === SCRATCH) {
      const nb = allocBuf(this.sz + (this.sz >> 2) + 16);
      b.copy(nb, 0, 0, this.sz);
      this.buf = nb;
    }
  }

  // ---------------------------------------------------------------- encoding conversions

  /**
   * Before adding elements of `addBytes` total length (`addCount` of them): converts a listpack
   * that would outgrow the limits of `fill` (the list-max-listpack-size config) to a quicklist.
   * Returns true when it converted.
   */
  convertIfGrowing(fill: number, addBytes: number, addCount: number): boolean {
    if (this.ql !== null) return false;
    if (!exceedsLimit(fill, this.sz + addBytes, this.count + addCount)) return false;
    this.toQuicklist(fill);
    return true;
  }

  /** Converts to a quicklist (fill from the config; compression is not implemented). */
  toQuicklist(fill: number): void {
    if (this.ql !== null) return;
    const q = new QuickList(fill);
    if (this.count > 0) {
      let b: Buffer;
      if (this.str !== null) b = Buffer.from(this.str, 'latin1');
      else b = this.buf.length === this.sz ? this.buf : Buffer.from(this.buf.subarray(0, this.sz));
      q.appendNode(new QLNode(b, this.sz, this.count, false));
    }
    this.ql = q;
    this.buf = EMPTY_PACK;
    this.str = null;
    this.sz = LP_HDR + 1;
    this.count = 0;
    this.seek = null;
  }

  /**
   * Converts a quicklist of one packed node back to a listpack when it is small enough:
   * below half the limits when shrinking (hysteresis), within them otherwise. Returns true when
   * it converted.
   */
  convertIfSmall(fill: number, shrinking: boolean): boolean {
    const q = this.ql;
    if (q === null || q.len !== 1) return false;
    const n = q.head!;
    if (n.plain) return false;
    let { size, count } = nodeLimit(fill);
    if (shrinking) { size /= 2; count /= 2; }
    if (n.sz > size || n.count > count) return false;
    this.ql = null;
    this.sz = n.sz;
    this.count = n.count;
    this.seek = n.seek;
    if (n.sz <= COMPACT_MAX) { this.str = n.buf.latin1Slice(0, n.sz); this.buf = EMPTY_PACK; } else this.buf = n.buf;
    return true;
  }

  // ---------------------------------------------------------------- walking

  /** Sets wS/wLo/wHi to the node array and slot range, for the shared walking code. */
  private nodes(): void {
    const q = this.ql;
    if (q !== null) { wS = q.slots; wLo = q.lo; wHi = q.hi; return; }
    ONE[0] = this;
    wS = ONE; wLo = 0; wHi = 1;
  }

  /** Sets lSlot/lP to the slot and byte offset of element idx (0 <= idx < length). */
  private locate(idx: number): void {
    const q = this.ql;
    if (q === null) { lSlot = 0; lP = lpSeek(this, idx); return; }
    const slot = q.find(idx);
    const n = q.slots[slot]!;
    lSlot = slot;
    lP = n.plain ? 0 : lpSeek(n, q.fOff);
  }

  /**
   * Emits n elements starting at index `from`, towards the tail (or towards the head when
   * reverse). The caller keeps the range within the list.
   */
  range(from: number, n: number, reverse: boolean, fn: Emit): void {
    if (n <= 0) return;
    const prev = this.open();
    try {
      this.walkRange(from, n, reverse, fn);
    } finally {
      this.close(prev, false);
    }
  }

  private walkRange(from: number, n: number, reverse: boolean, fn: Emit): void {
    this.nodes();
    const s = wS, lo = wLo, hi = wHi;
    this.locate(from);
    let slot = lSlot, p = lP;
    let node = s[slot]!;
    for (;;) {
      emitAt(node, p, fn);
      if (--n === 0) return;
      if (!reverse) {
        p = node.plain ? node.sz : p + entryLen(node.buf, p);
        if (node.plain || node.buf[p] === LP_EOF) {
          if (++slot >= hi) return;
          node = s[slot]!;
          p = LP_HDR;
          if (node.plain) p = 0;
        }
      } else {
        p = node.plain ? -1 : prevEntry(node.buf, p);
        if (p < 0) {
          if (--slot < lo) return;
          node = s[slot]!;
          p = node.plain ? 0 : prevEntry(node.buf, node.sz - 1);
        }
      }
    }
  }

  /** Emits every element head to tail. */
  forEach(fn: Emit): void { this.range(0, this.length, false, fn); }

  /** Copies of every element (head to tail). */
  toArray(): Buffer[] {
    const out: Buffer[] = [];
    this.forEach((b, s, e) => { out.push(Buffer.from(b.subarray(s, e))); });
    return out;
  }

  /** Emits element idx (negative counts from the tail); false when out of range. */
  index(idx: number, fn: Emit): boolean {
    const len = this.length;
    if (idx < 0) idx += len;
    if (idx < 0 || idx >= len) return false;
    const prev = this.open();
    try {
      this.locate(idx);
      this.nodes();
      emitAt(wS[lSlot]!, lP, fn);
    } finally {
      this.close(prev, false);
    }
    return true;
  }

  /** A copy of element idx, or null. */
  get(idx: number): Buffer | null {
    let out: Buffer | null = null;
    this.index(idx, (b, s, e) => { out = Buffer.from(b.subarray(s, e)); });
    return out;
  }

  // ---------------------------------------------------------------- writes

  push(v: Uint8Array, head: boolean): void {
    if (this.ql !== null) { this.ql.push(v, head); return; }
    const prev = this.open();
    if (head) lpPrepend(this, v); else lpAppend(this, v);
    this.close(prev, true);
  }

  /** Removes the head or tail element, emitting it first; the list must not be empty. */
  popTo(head: boolean, fn: Emit): void {
    if (this.ql !== null) { this.ql.popTo(head, fn); return; }
    const prev = this.open();
    try {
      const p = head ? LP_HDR : prevEntry(this.buf, this.sz - 1);
      decode(this.buf, p);
      emitDecoded(this.buf, fn);
      lpDeleteAt(this, p);
    } finally {
      this.close(prev, true);
    }
  }

  /** Removes and returns (a copy of) the head or tail element; the list must not be empty. */
  pop(head: boolean): Buffer {
    if (this.ql !== null) return this.ql.pop(head);
    const prev = this.open();
    const p = head ? LP_HDR : prevEntry(this.buf, this.sz - 1);
    decode(this.buf, p);
    const out = decodedCopy(this.buf);
    lpDeleteAt(this, p);
    this.close(prev, true);
    return out;
  }

  /** Replaces element idx (negative counts from the tail); false when out of range. */
  set(idx: number, v: Uint8Array): boolean {
    const len = this.length;
    if (idx < 0) idx += len;
    if (idx < 0 || idx >= len) return false;
    if (this.ql !== null) { this.ql.replace(idx, v); return true; }
    const prev = this.open();
    lpReplaceAt(this, lpSeek(this, idx), v);
    this.close(prev, true);
    return true;
  }

  /** Inserts v before/after the first element equal to pivot; false when there is none. */
  insert(pivot: Needle, v: Uint8Array, after: boolean): boolean {
    const prev = this.open();
    let done = false;
    try {
      done = this.insertFirst(pivot, v, after);
    } finally {
      this.close(prev, done);
    }
    return done;
  }

  private insertFirst(pivot: Needle, v: Uint8Array, after: boolean): boolean {
    this.nodes();
    const s = wS, lo = wLo, hi = wHi;
    for (let slot = lo; slot < hi; slot++) {
      const n = s[slot]!;
      if (n.plain) {
        if (matches(n, 0, pivot)) { this.insertAt(slot, 0, 0, v, after); return true; }
        continue;
      }
      const buf = n.buf;
      let p = LP_HDR;
      for (let off = 0; buf[p] !== LP_EOF; off++) {
        if (matches(n, p, pivot)) { this.insertAt(slot, off, p, v, after); return true; }
        p += entryLen(buf, p);
      }
    }
    return false;
  }

  private insertAt(slot: number, off: number, p: number, v: Uint8Array, after: boolean): void {
    if (this.ql !== null) { this.ql.insertAt(slot, off, p, v, after); return; }
    lpInsertAt(this, after ? p + entryLen(this.buf, p) : p, v);
  }

  /**
   * Removes elements equal to needle: all when count is 0, else up to |count| from the head
   * (count > 0) or the tail (count < 0). Returns how many were removed.
   */
  remove(needle: Needle, count: number): number {
    const prev = this.open();
    let removed = 0;
    try {
      removed = this.removeMatches(needle, count);
    } finally {
      this.close(prev, removed > 0);
    }
    return removed;
  }

  private removeMatches(needle: Needle, count: number): number {
    const limit = count === 0 ? Infinity : Math.abs(count);
    const fromTail = count < 0;
    this.nodes();
    const s = wS, lo = wLo, hi = wHi;
    let removed = 0;
    const q = this.ql;
    for (let k = 0; k < hi - lo && removed < limit; k++) {
      const slot = fromTail ? hi - 1 - k : lo + k;
      const n = s[slot]!;
      if (n.plain) {
        if (matches(n, 0, needle)) { n.count = 0; removed++; }
        continue;
      }
      if (!fromTail) {
        let p = LP_HDR;
        while (n.buf[p] !== LP_EOF && removed < limit) {
          if (matches(n, p, needle)) { lpDeleteAt(n, p); removed++; } else p += entryLen(n.buf, p);
        }
      } else {
        let p = prevEntry(n.buf, n.sz - 1);
        while (p >= 0 && removed < limit) {
          const prev = prevEntry(n.buf, p);
          if (matches(n, p, needle)) { lpDeleteAt(n, p); removed++; }
          p = prev;
        }
      }
    }
    if (removed > 0 && q !== null) q.compact();
    return removed;
  }

  /** Deletes n elements from index start (negative: from the end). */
  delRange(start: number, n: number): void {
    if (this.ql !== null) { this.ql.delRange(start, n); return; }
    const len = this.count;
    if (n <= 0 || len === 0) return;
    let idx = start >= 0 ? start : len + start;
    if (idx < 0) idx = 0;
    if (idx >= len) return;
    const prev = this.open();
    lpDeleteRange(this, idx, Math.min(n, len - idx));
    this.close(prev, true);
  }

  /**
   * LPOS: reports (through `hit`) the indexes of elements equal to needle, starting with the
   * rank-th match (rank < 0 searches from the tail), scanning at most maxlen elements (0 = all).
   * `hit` returns false to stop.
   */
  positions(needle: Needle, rank: number, maxlen: number, hit: (index: number) => boolean): void {
    const prev = this.open();
    try {
      this.findPositions(needle, rank, maxlen, hit);
    } finally {
      this.close(prev, false);
    }
  }

  private findPositions(needle: Needle, rank: number, maxlen: number, hit: (index: number) => boolean): void {
    const len = this.length;
    const fromTail = rank < 0;
    const want = Math.abs(rank);
    this.nodes();
    const s = wS, lo = wLo, hi = wHi;
    let index = 0;
    let matchesSeen = 0;
    for (let k = 0; k < hi - lo; k++) {
      const n = s[fromTail ? hi - 1 - k : lo + k]!;
      if (n.plain) {
        if (maxlen !== 0 && index >= maxlen) return;
        if (matches(n, 0, needle) && ++matchesSeen >= want) {
          if (!hit(fromTail ? len - index - 1 : index)) return;
        }
        index++;
        continue;
      }
      const buf = n.buf;
      let p = fromTail ? prevEntry(buf, n.sz - 1) : LP_HDR;
      while (fromTail ? p >= 0 : buf[p] !== LP_EOF) {
        if (maxlen !== 0 && index >= maxlen) return;
        if (matches(n, p, needle) && ++matchesSeen >= want) {
          if (!hit(fromTail ? len - index - 1 : index)) return;
        }
        index++;
        p = fromTail ? prevEntry(buf, p) : p + entryLen(buf, p);
      }
    }
  }

  // ---------------------------------------------------------------- object protocol

  clone(): ListObject {
    const o = new ListObject();
    if (this.ql !== null) {
      o.ql = this.ql.clone();
      o.str = null;
    } else if (this.str !== null) {
      o.str = this.str; // strings are immutable: shared until either side changes
      o.sz = this.sz; o.count = this.count;
    } else {
      const b = allocBuf(this.sz);
      this.buf.copy(b, 0, 0, this.sz);
      o.buf = b; o.sz = this.sz; o.count = this.count; o.str = null;
    }
    return o;
  }

  /** Approximate bytes held (buffers at capacity plus object overheads). */
  memoryUsage(): number {
    const q = this.ql;
    if (q === null) return 64 + (this.str !== null ? 16 + this.str.length : 96 + this.buf.length);
    let n = 64 + 64 + q.slots.length * 8 + (q.slots.length + 1) * 8;
    for (let i = q.lo; i < q.hi; i++) n += 48 + 96 + q.slots[i]!.buf.length;
    return n;
  }

  /** Bytes of the value in an RDB without compression (DEBUG OBJECT serializedlength). */
  serializedLength(): number {
    const lenSize = (n: number): number => (n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9);
    const nodes = this.serializedNodes();
    let n = lenSize(nodes.length);
    for (const nd of nodes) n += 1 + lenSize(nd.bytes.length) + nd.bytes.length;
    return n;
  }

  /** Node statistics for DEBUG OBJECT (ql_nodes, ql_uncompressed_size). */
  debugQuicklist(): ListDebugInfo {
    const q = this.ql;
    if (q === null) return { nodes: 1, count: this.count, uncompressedSize: this.sz, plainNodes: 0 };
    let size = 0, plain = 0;
    for (let i = q.lo; i < q.hi; i++) { const n = q.slots[i]!; size += n.sz; if (n.plain) plain++; }
    return { nodes: q.len, count: q.count, uncompressedSize: size, plainNodes: plain, fill: q.fill };
  }

  /**
   * The serialized form persistence needs: the listpack (listpack encoding), or each quicklist
   * node as [plain?, bytes] (bytes are a listpack, or the raw element of a plain node).
   */
  serializedNodes(): Array<{ plain: boolean; bytes: Buffer }> {
    const q = this.ql;
    if (q === null) {
      const bytes = this.str !== null ? Buffer.from(this.str, 'latin1') : this.buf.subarray(0, this.sz);
      return [{ plain: false, bytes }];
    }
    const out: Array<{ plain: boolean; bytes: Buffer }> = [];
    for (let i = q.lo; i < q.hi; i++) { const n = q.slots[i]!; out.push({ plain: n.plain, bytes: n.buf.subarray(0, n.sz) }); }
    return out;
  }

  /**
   * Builds a list from elements as SORT ... STORE and RDB loading do: a quicklist, converted
   * to a listpack when it ends up a single small node (unless `convert` is false).
   */
  static fromElements(elems: Iterable<Uint8Array>, fill: number, convert = true): ListObject {
    const o = new ListObject();
    o.toQuicklist(fill);
    for (const e of elems) o.ql!.push(e, false);
    if (convert) o.convertIfSmall(fill, false);
    return o;
  }

  /** A listpack (exact-size buffer) holding elems, e.g. a node converted from an old ziplist. */
  static buildListpack(elems: Iterable<Uint8Array>): Buffer {
    const n = new QLNode(newPack(64), LP_HDR + 1, 0, false);
    for (const e of elems) lpAppend(n, e);
    return Buffer.from(n.buf.subarray(0, n.sz));
  }

  /**
   * Builds a list from serialized nodes (listpacks and plain elements), as RDB loading of the
   * quicklist encoding does; empty listpacks are skipped. Returns null when empty.
   */
  static fromNodes(nodes: Iterable<{ plain: boolean; bytes: Uint8Array }>, fill: number): ListObject | null {
    const o = new ListObject();
    o.toQuicklist(fill);
    const q = o.ql!;
    for (const { plain, bytes } of nodes) {
      const b = allocBuf(bytes.length);
      b.set(bytes, 0);
      if (plain) { q.appendNode(new QLNode(b, b.length, 1, true)); continue; }
      let count = 0;
      for (let p = LP_HDR; b[p] !== LP_EOF; p += entryLen(b, p)) count++;
      if (count > 0) q.appendNode(new QLNode(b, b.length, count, false));
    }
    if (q.count === 0) return null;
    o.convertIfSmall(fill, false);
    return o;
  }

  /** True while a listpack-encoded list is held in the compact string form (for tests). */
  get isCompact(): boolean { return this.str !== null; }

  /** Structural self-check for tests: sizes, counts, headers and backward lengths agree. */
  verify(): void {
    if (this.ql === null && (this.str !== null) !== (this.sz <= COMPACT_MAX)) {
      throw new Error(`listpack of ${this.sz} bytes ${this.str !== null ? 'is' : 'is not'} compact`);
    }
    const prev = this.open();
    try {
      this.check();
    } finally {
      this.close(prev, false);
    }
  }

  private check(): void {
    this.nodes();
    const s = wS, lo = wLo, hi = wHi;
    let total = 0;
    for (let i = lo; i < hi; i++) {
      const n = s[i]!;
      if (n.plain) { if (n.count !== 1) throw new Error('plain node count'); total++; continue; }
      const b = n.buf;
      if (b.readUInt32LE(0) !== n.sz) throw new Error(`node ${i}: header size ${b.readUInt32LE(0)} != ${n.sz}`);
      if (b[n.sz - 1] !== LP_EOF) throw new Error(`node ${i}: no terminator`);
      let c = 0, p = LP_HDR, last = -1;
      while (b[p] !== LP_EOF) {
        if (prevEntry(b, p) !== last) throw new Error(`node ${i}: bad backlen at ${p}`);
        last = p;
        p += entryLen(b, p);
        c++;
      }
      if (p !== n.sz - 1) throw new Error(`node ${i}: entries end at ${p}, size ${n.sz}`);
      if (prevEntry(b, p) !== last) throw new Error(`node ${i}: bad last backlen`);
      if (c !== n.count) throw new Error(`node ${i}: count ${n.count} but ${c} entries`);
      if (this.ql !== null && c === 0) throw new Error(`node ${i}: empty`);
      total += c;
    }
    if (total !== this.length) throw new Error(`length ${this.length} but ${total} elements`);
    if (this.ql !== null) {
      const q = this.ql;
      // Every index must resolve to the right node.
      let base = 0;
      for (let i = q.lo; i < q.hi; i++) {
        const n = q.slots[i]!;
        const at = q.find(base);
        if (at !== i || q.fOff !== 0) throw new Error(`find(${base}) = ${at}/${q.fOff}, want ${i}/0`);
        base += n.count;
      }
    }
  }
}

const EMPTY_PACK = newPack(LP_HDR + 1);
const EMPTY_STR = EMPTY_PACK.latin1Slice(0, LP_HDR + 1);
