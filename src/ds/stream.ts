// The stream data structure: an append-mostly log of entries (ID + field/value pairs) plus
// consumer groups.
//
// Entries are packed into *nodes*, each a byte buffer of listpack elements laid out as Valkey
// lays out its stream listpacks (so node sizes, and therefore node splits and approximate
// trimming, come out exactly as in Valkey):
//
//   master entry:  num-fields, field-1 .. field-N, 0
//   each entry:    flags, ms-delta, seq-delta, [num-fields, field-1 .. field-N], value-1 .. value-N, lp-count
//
// An entry whose field names equal the master's (flag SAMEFIELDS) stores only its values; IDs
// are deltas against the node's master ID (the ID of the entry that opened the node); lp-count
// (the number of elements before it in the entry) lets iteration walk a node backwards. The
// live/deleted counters of a node are kept as numbers on the node object rather than inside the
// buffer, so flagging an entry deleted is a one-byte change. Nodes sit in an array sorted by
// master ID (binary search, O(1) removal at the head for trimming); a stream of millions of
// entries is a few thousand buffers, not millions of objects.
//
// Stream IDs are two unsigned 64-bit numbers. They are held as `U64`: a JS number when the
// value is a safe integer (the normal case), a bigint above 2^53 - 1. Every U64 is kept in this
// normalized form, so equal values are `===` and `<` compares mixed forms correctly.
//
// Consumer groups keep their pending entries lists (PELs) in IdTree: a sorted, chunked
// ID index (a flat B+-tree of small leaves with parallel arrays) instead of one object per
// pending entry.
import { backlenSize, encDataLen as lpEncDataLen, writeBacklen } from './listpack.js';
import type { StoredObject } from '../store/types.js';

export type U64 = number | bigint;

export const U64_MAX = 0xffffffffffffffffn;
const MAX_SAFE = 9007199254740991;
const TWO64 = 1n << 64n;
const MASK64 = TWO64 - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** A bigint in [0, 2^64) in normalized U64 form. */
export function norm(b: bigint): U64 { return b <= 9007199254740991n ? Number(b) : b; }
export function toBig(x: U64): bigint { return typeof x === 'bigint' ? x : BigInt(x); }

export function add1(x: U64): U64 {
  if (typeof x === 'number') return x < MAX_SAFE ? x + 1 : norm(BigInt(x) + 1n);
  return norm(x + 1n);
}
export function sub1(x: U64): U64 { return typeof x === 'number' ? x - 1 : norm(x - 1n); }

/** A stream ID. */
export interface SID { readonly ms: U64; readonly seq: U64 }

export const ID_ZERO: SID = { ms: 0, seq: 0 };
export const ID_MAX: SID = { ms: U64_MAX, seq: U64_MAX };

export function cmpId(am: U64, as: U64, bm: U64, bs: U64): number {
  if (am !== bm) return am < bm ? -1 : 1;
  if (as !== bs) return as < bs ? -1 : 1;
  return 0;
}
export function cmp(a: SID, b: SID): number { return cmpId(a.ms, a.seq, b.ms, b.seq); }
export function isZero(a: SID): boolean { return a.ms === 0 && a.seq === 0; }
export function isMax(a: SID): boolean { return a.ms === U64_MAX && a.seq === U64_MAX; }

/** The next ID, or null when id is the largest (Valkey then wraps to 0-0 and reports an error). */
export function incrId(id: SID): SID | null {
  if (id.seq === U64_MAX) {
    if (id.ms === U64_MAX) return null;
    return { ms: add1(id.ms), seq: 0 };
  }
  return { ms: id.ms, seq: add1(id.seq) };
}

/** The previous ID, or null when id is 0-0. */
export function decrId(id: SID): SID | null {
  if (id.seq === 0) {
    if (id.ms === 0) return null;
    return { ms: sub1(id.ms), seq: U64_MAX };
  }
  return { ms: id.ms, seq: sub1(id.seq) };
}

export function idString(ms: U64, seq: U64): string { return `${ms}-${seq}`; }
export function sidString(id: SID): string { return `${id.ms}-${id.seq}`; }

/** (a - b) modulo 2^64, as the signed 64-bit value Valkey stores for ID deltas. */
function delta(a: U64, b: U64): number | bigint {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  let d = (toBig(a) - toBig(b)) & MASK64;
  if (d > I64_MAX) d -= TWO64;
  return d >= -9007199254740991n && d <= 9007199254740991n ? Number(d) : d;
}

/** base + d modulo 2^64. */
function undelta(base: U64, d: number | bigint): U64 {
  if (typeof base === 'number' && typeof d === 'number') {
    const s = base + d;
    if (s >= 0 && s <= MAX_SAFE) return s;
  }
  let r = (toBig(base) + toBig(d)) % TWO64;
  if (r < 0n) r += TWO64;
  return norm(r);
}

// ------------------------------------------------------------------ listpack elements

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;

/** Bytes of a listpack node besides its elements: 4-byte total, 2-byte count, end marker. */
const LP_OVERHEAD = 7;
/** Valkey caps a stream listpack at 1GB whatever stream-node-max-bytes says. */
export const STREAM_LISTPACK_MAX_SIZE = 1 << 30;

/** Encoding + data length of an integer element. */
function intEncLen(v: number | bigint): number {
  if (typeof v === 'bigint') {
    if (v >= -2147483648n && v <= 2147483647n) return intEncLen(Number(v));
    return 9;
  }
  if (v >= 0 && v <= 127) return 1;
  if (v >= -4096 && v <= 4095) return 2;
  if (v >= -32768 && v <= 32767) return 3;
  if (v >= -8388608 && v <= 8388607) return 4;
  if (v >= -2147483648 && v <= 2147483647) return 5;
  return 9;
}

/** Bytes of an integer element. */
export function intElemSize(v: number | bigint): number {
  const l = intEncLen(v);
  return l + backlenSize(l);
}

// classify() result: whether the string is a canonical int64 and its value.
let kInt = false;
let kNum: number | bigint = 0;

const I64_MIN_DIGITS = '9223372036854775808';
const I64_MAX_DIGITS = '9223372036854775807';

/** True (setting kNum) when v is the canonical decimal text of an int64, as lpStringToInt64. */
function canonicalInt(v: Uint8Array): boolean {
  const n = v.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  let neg = false;
  if (v[0] === 45) { if (n === 1) return false; neg = true; i = 1; }
  const d0 = v[i]!;
  if (d0 === 48) { if (n !== 1) return false; kNum = 0; return true; }
  if (d0 < 49 || d0 > 57) return false;
  const digits = n - i;
  if (digits <= 15) {
    let x = 0;
    for (; i < n; i++) {
      const d = v[i]! - 48;
      if (d < 0 || d > 9) return false;
      x = x * 10 + d;
    }
    kNum = neg ? -x : x;
    return true;
  }
  if (digits > 19) return false;
  for (let j = i; j < n; j++) { const d = v[j]! - 48; if (d < 0 || d > 9) return false; }
  if (digits === 19) {
    const lim = neg ? I64_MIN_DIGITS : I64_MAX_DIGITS;
    for (let j = 0; j < 19; j++) {
      const c = v[i + j]!, l = lim.charCodeAt(j);
      if (c < l) break;
      if (c > l) return false;
    }
  }
  const b = BigInt(Buffer.from(v.buffer, v.byteOffset, n).latin1Slice(0, n));
  kNum = b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
  return true;
}

/** Bytes of the element that stores string v (integer-encoded when canonical). Sets kInt/kNum. */
function strElemSize(v: Uint8Array): number {
  if (canonicalInt(v)) { kInt = true; return intElemSize(kNum); }
  kInt = false;
  const n = v.length;
  const l = n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
  return l + backlenSize(l);
}

/** Writes an integer element at p; returns the offset after it. */
function writeInt(buf: Buffer, p: number, v: number | bigint): number {
  const l = intEncLen(v);
  if (l === 9) {
    buf[p] = 0xf4;
    buf.writeBigInt64LE(typeof v === 'bigint' ? v : BigInt(v), p + 1);
  } else {
    const x = Number(v);
    switch (l) {
      case 1: buf[p] = x; break;
      case 2: { const u = x < 0 ? 8192 + x : x; buf[p] = 0xc0 | (u >> 8); buf[p + 1] = u & 0xff; break; }
      case 3: buf[p] = 0xf1; buf.writeInt16LE(x, p + 1); break;
      case 4: {
        const u = x < 0 ? 16777216 + x : x;
        buf[p] = 0xf2; buf[p + 1] = u & 0xff; buf[p + 2] = (u >> 8) & 0xff; buf[p + 3] = u >>> 16;
        break;
      }
      default: buf[p] = 0xf3; buf.writeInt32LE(x, p + 1);
    }
  }
  return writeBacklen(buf, p + l, l);
}

/** Writes the element for string v (classified by the strElemSize call just before). */
function writeStr(buf: Buffer, p: number, v: Uint8Array): number {
  if (kInt) return writeInt(buf, p, kNum);
  const n = v.length;
  let q: number;
  if (n < 64) { buf[p] = 0x80 | n; q = p + 1; }
  else if (n < 4096) { buf[p] = 0xe0 | (n >> 8); buf[p + 1] = n & 0xff; q = p + 2; }
  else { buf[p] = 0xf0; buf.writeUInt32LE(n, p + 1); q = p + 5; }
  if (n <= 16) for (let i = 0; i < n; i++) buf[q + i] = v[i]!;
  else buf.set(v, q);
  return writeBacklen(buf, q + n, q + n - p);
}

/** Encoding + data length of the element at p. */
function encDataLen(buf: Buffer, p: number): number {
  const l = lpEncDataLen(buf, p);
  if (l < 0) throw new Error('corrupt stream node');
  return l;
}

/** Offset of the element after the one at p. */
function skip(buf: Buffer, p: number): number {
  const l = encDataLen(buf, p);
  return p + l + backlenSize(l);
}

/** Offset of the element before the one starting at p. */
function prev(buf: Buffer, p: number): number {
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

// decode() result: an integer (dInt, dNum) or the string buf[dS, dE).
let dInt = false;
let dNum: number | bigint = 0;
let dS = 0;
let dE = 0;

function decode(buf: Buffer, p: number): void {
  const b = buf[p]!;
  if (b < 0x80) { dInt = true; dNum = b; return; }
  if (b < 0xc0) { dInt = false; dS = p + 1; dE = dS + (b & 0x3f); return; }
  if (b < 0xe0) {
    const u = ((b & 0x1f) << 8) | buf[p + 1]!;
    dInt = true; dNum = u >= 4096 ? u - 8192 : u;
    return;
  }
  if (b < 0xf0) { dInt = false; dS = p + 2; dE = dS + (((b & 0x0f) << 8) | buf[p + 1]!); return; }
  dInt = true;
  switch (b) {
    case 0xf0: dInt = false; dS = p + 5; dE = dS + buf.readUInt32LE(p + 1); return;
    case 0xf1: dNum = buf.readInt16LE(p + 1); return;
    case 0xf2: {
      const u = buf[p + 1]! | (buf[p + 2]! << 8) | (buf[p + 3]! << 16);
      dNum = u >= 8388608 ? u - 16777216 : u;
      return;
    }
    case 0xf3: dNum = buf.readInt32LE(p + 1); return;
    case 0xf4: {
      const v = buf.readBigInt64LE(p + 1);
      dNum = v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
      return;
    }
  }
  throw new Error('corrupt stream node');
}

/** The integer element at p (stream metadata elements are always integers). */
function intAt(buf: Buffer, p: number): number | bigint {
  decode(buf, p);
  if (dInt) return dNum;
  // Never written by us, but accept the string form of an integer as lpGetInteger does.
  const s = buf.latin1Slice(dS, dE);
  const b = BigInt(s);
  return b >= -9007199254740991n && b <= 9007199254740991n ? Number(b) : b;
}

/** Small integer element (flags, counts) at p. */
function smallAt(buf: Buffer, p: number): number { return Number(intAt(buf, p)); }

/** Receives a field or value as bytes src[start, end) — a view valid only during the call. */
export type Emit = (src: Buffer, start: number, end: number) => void;

const intScratch = Buffer.allocUnsafe(24);

/** Writes the decimal text of the integer decoded last into intScratch; returns its start. */
function intText(): number {
  const v = dNum;
  if (typeof v === 'bigint') {
    const s = v.toString();
    intScratch.latin1Write(s, 24 - s.length);
    return 24 - s.length;
  }
  if (v === 0) { intScratch[23] = 48; return 23; }
  let x = v < 0 ? -v : v;
  let p = 24;
  while (x > 0) {
    const q = Math.floor(x / 10);
    intScratch[--p] = 48 + (x - q * 10);
    x = q;
  }
  if (v < 0) intScratch[--p] = 45;
  return p;
}

/** Emits the element at p. */
function emitAt(buf: Buffer, p: number, out: Emit): void {
  decode(buf, p);
  if (dInt) out(intScratch, intText(), 24);
  else out(buf, dS, dE);
}

/** True when the element at p holds exactly the bytes v. */
function elemEquals(buf: Buffer, p: number, v: Uint8Array): boolean {
  decode(buf, p);
  if (dInt) {
    const s = intText();
    const n = 24 - s;
    if (n !== v.length) return false;
    for (let i = 0; i < n; i++) if (intScratch[s + i] !== v[i]) return false;
    return true;
  }
  const n = dE - dS;
  if (n !== v.length) return false;
  if (n <= 16) {
    for (let i = 0; i < n; i++) if (buf[dS + i] !== v[i]) return false;
    return true;
  }
  return buf.compare(v, 0, n, dS, dE) === 0;
}

// ------------------------------------------------------------------ nodes

export class StreamNode {
  /** Elements in buf[0, sz); buf.length is the capacity. */
  buf: Buffer;
  sz = 0;
  /** Live and deleted (tombstone) entries. */
  count = 0;
  deleted = 0;
  /** Number of master fields, and the offset of the first entry. */
  nf = 0;
  first = 0;
  constructor(readonly ms: U64, readonly seq: U64, cap: number) { this.buf = Buffer.allocUnsafeSlow(cap); }

  /** Size of the equivalent Valkey listpack (what stream-node-max-bytes limits). */
  lpBytes(): number { return LP_OVERHEAD + intElemSize(this.count) + intElemSize(this.deleted) + this.sz; }

  ensure(extra: number): void {
    const need = this.sz + extra;
    if (need <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    if (cap < need) cap = need;
    const nb = Buffer.allocUnsafeSlow(cap);
    this.buf.copy(nb, 0, 0, this.sz);
    this.buf = nb;
  }

  /** Drops spare capacity (a node that will not grow any more). */
  shrink(): void {
    if (this.buf.length === this.sz) return;
    // Not from the shared small-buffer pool: a long-lived node would pin a whole pool slab.
    const nb = Buffer.allocUnsafeSlow(this.sz);
    this.buf.copy(nb, 0, 0, this.sz);
    this.buf = nb;
  }

  clone(): StreamNode {
    const n = new StreamNode(this.ms, this.seq, 0);
    n.buf = Buffer.allocUnsafeSlow(this.sz);
    this.buf.copy(n.buf, 0, 0, this.sz);
    n.sz = this.sz; n.count = this.count; n.deleted = this.deleted; n.nf = this.nf; n.first = this.first;
    return n;
  }

  /** ID of the last entry, tombstones included (null for a node without entries). */
  lastId(): SID | null {
    if (this.sz <= this.first) return null;
    const buf = this.buf;
    let q = prev(buf, this.sz);
    let n = smallAt(buf, q);
    if (n === 0) return null;
    while (n-- > 0) q = prev(buf, q);
    q = skip(buf, q);
    const msd = intAt(buf, q);
    q = skip(buf, q);
    const seqd = intAt(buf, q);
    return { ms: undelta(this.ms, msd), seq: undelta(this.seq, seqd) };
  }
}

// ------------------------------------------------------------------ iteration

/**
 * Walks the entries of a stream between two IDs (inclusive), forward or backward. After next()
 * returns true, `ms`/`seq`/`nf`/`flags` describe the entry and emitFields() gives its content.
 */
export class StreamIterator {
  ms: U64 = 0;
  seq: U64 = 0;
  nf = 0;
  flags = 0;
  skipTombstones = true;
  private ni: number;
  private node: StreamNode | null = null;
  /** Forward: offset of the next entry to read. Backward: offset of the last entry read. */
  private p = 0;
  /** Offset of the current entry's flags and of its first field (or value). */
  private pf = 0;
  private pv = 0;
  constructor(private readonly s: Stream, private readonly startMs: U64, private readonly startSeq: U64,
              private readonly endMs: U64, private readonly endSeq: U64, private readonly rev: boolean) {
    // Start in the last node whose master ID is <= the first ID wanted (its earlier entries are
    // skipped); backwards, in the last node that can hold entries <= end.
    if (!rev) {
      const i = s.nodeLE(startMs, startSeq);
      this.ni = (i < s.head ? s.head : i) - 1;
    } else {
      this.ni = s.nodeLE(endMs, endSeq) + 1;
    }
  }

  /** Reads the entry at q into the iterator fields; returns the offset after its lp-count. */
  private parse(node: StreamNode, q: number): number {
    const buf = node.buf;
    this.pf = q;
    this.flags = buf[q]!; // flags are 0..3: a one-byte element
    q += 2;
    this.ms = undelta(node.ms, intAt(buf, q));
    q = skip(buf, q);
    this.seq = undelta(node.seq, intAt(buf, q));
    q = skip(buf, q);
    let elems: number;
    if (this.flags & FLAG_SAMEFIELDS) {
      this.nf = node.nf;
      elems = node.nf;
    } else {
      this.nf = smallAt(buf, q);
      q = skip(buf, q);
      elems = this.nf * 2;
    }
    this.pv = q;
    if (!this.rev) {
      for (let i = 0; i < elems; i++) q = skip(buf, q);
      q = skip(buf, q); // lp-count
    }
    return q;
  }

  next(): boolean {
    const s = this.s;
    for (;;) {
      let node = this.node;
      if (node === null) {
        if (!this.rev) {
          if (++this.ni >= s.nodes.length) return false;
          node = this.node = s.nodes[this.ni]!;
          this.p = node.first;
        } else {
          if (--this.ni < s.head) return false;
          node = this.node = s.nodes[this.ni]!;
          this.p = node.sz;
        }
      }
      if (!this.rev) {
        if (this.p >= node.sz) { this.node = null; continue; }
        this.p = this.parse(node, this.p);
        if (cmpId(this.ms, this.seq, this.startMs, this.startSeq) >= 0 &&
            (!this.skipTombstones || !(this.flags & FLAG_DELETED))) {
          return cmpId(this.ms, this.seq, this.endMs, this.endSeq) <= 0;
        }
      } else {
        if (this.p <= node.first) { this.node = null; continue; }
        const buf = node.buf;
        let q = prev(buf, this.p);
        let n = smallAt(buf, q);
        while (n-- > 0) q = prev(buf, q);
        this.parse(node, q);
        this.p = q;
        if (cmpId(this.ms, this.seq, this.endMs, this.endSeq) <= 0 &&
            (!this.skipTombstones || !(this.flags & FLAG_DELETED))) {
          return cmpId(this.ms, this.seq, this.startMs, this.startSeq) >= 0;
        }
      }
    }
  }

  get deleted(): boolean { return (this.flags & FLAG_DELETED) !== 0; }

  /** Emits field-1, value-1, field-2, value-2 ... of the current entry. */
  emitFields(out: Emit): void {
    const node = this.node!;
    const buf = node.buf;
    let q = this.pv;
    if (this.flags & FLAG_SAMEFIELDS) {
      // The master fields start right after the master's num-fields element.
      let f = skip(buf, 0);
      for (let i = 0; i < this.nf; i++) {
        emitAt(buf, f, out); f = skip(buf, f);
        emitAt(buf, q, out); q = skip(buf, q);
      }
    } else {
      for (let i = 0; i < this.nf * 2; i++) { emitAt(buf, q, out); q = skip(buf, q); }
    }
  }

  /** Flags the current entry deleted (the iterator must not be used for it afterwards). */
  removeCurrent(): void {
    const node = this.node!;
    node.buf[this.pf] = this.flags | FLAG_DELETED;
    this.s.entryRemoved(this.ni, node);
  }
}

// ------------------------------------------------------------------ PEL index

class Leaf {
  ms: U64[] = [];
  seq: U64[] = [];
  /** Delivery time, delivery count and owner (group PELs only). */
  t: number[] = [];
  n: number[] = [];
  o: (Consumer | null)[] = [];
}

const LEAF_MAX = 64;
const LEAF_MERGE = 12;

/** Position in an IdTree (leaf index, index in the leaf). */
export class IdCursor {
  li = 0;
  i = 0;
  constructor(readonly t: IdTree) {}
  get valid(): boolean { return this.li < this.t.leaves.length; }
  get ms(): U64 { return this.t.leaves[this.li]!.ms[this.i]!; }
  get seq(): U64 { return this.t.leaves[this.li]!.seq[this.i]!; }
  get time(): number { return this.t.leaves[this.li]!.t[this.i]!; }
  set time(v: number) { this.t.leaves[this.li]!.t[this.i] = v; }
  get count(): number { return this.t.leaves[this.li]!.n[this.i]!; }
  set count(v: number) { this.t.leaves[this.li]!.n[this.i] = v; }
  get owner(): Consumer | null { return this.t.leaves[this.li]!.o[this.i]!; }
  set owner(v: Consumer | null) { this.t.leaves[this.li]!.o[this.i] = v; }
  id(): SID { return { ms: this.ms, seq: this.seq }; }
  next(): void {
    const leaf = this.t.leaves[this.li]!;
    if (++this.i >= leaf.ms.length) { this.li++; this.i = 0; }
  }
}

/**
 * A sorted set of stream IDs, optionally with per-ID delivery data (a group PEL: delivery time,
 * delivery count, owning consumer). Leaves of at most LEAF_MAX IDs in parallel arrays.
 */
export class IdTree {
  leaves: Leaf[] = [];
  size = 0;
  constructor(readonly data: boolean) {}

  /** Index of the leaf that holds (or would hold) id. */
  private leafFor(ms: U64, seq: U64): number {
    const L = this.leaves;
    let lo = 0, hi = L.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      const f = L[mid]!;
      if (cmpId(f.ms[0]!, f.seq[0]!, ms, seq) <= 0) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  /** First index in leaf with an ID >= (ms, seq). */
  private static lower(leaf: Leaf, ms: U64, seq: U64): number {
    let lo = 0, hi = leaf.ms.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmpId(leaf.ms[mid]!, leaf.seq[mid]!, ms, seq) < 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /** Positions cur at the first ID >= (ms, seq) (cur.valid false when none). */
  seek(cur: IdCursor, ms: U64, seq: U64): IdCursor {
    if (this.leaves.length === 0) { cur.li = 0; cur.i = 0; return cur; }
    const li = this.leafFor(ms, seq);
    const leaf = this.leaves[li]!;
    const i = IdTree.lower(leaf, ms, seq);
    if (i >= leaf.ms.length) { cur.li = li + 1; cur.i = 0; } else { cur.li = li; cur.i = i; }
    return cur;
  }

  cursor(): IdCursor { return new IdCursor(this); }
  first(): IdCursor { return this.cursor(); }

  /** Positions cur on id; false when absent. */
  find(cur: IdCursor, ms: U64, seq: U64): boolean {
    if (this.leaves.length === 0) return false;
    const li = this.leafFor(ms, seq);
    const leaf = this.leaves[li]!;
    const i = IdTree.lower(leaf, ms, seq);
    if (i >= leaf.ms.length || leaf.ms[i] !== ms || leaf.seq[i] !== seq) return false;
    cur.li = li; cur.i = i;
    return true;
  }

  has(ms: U64, seq: U64): boolean { return this.find(scratchCursor(this), ms, seq); }

  /** Inserts id; false (cur left on the existing ID) when present. cur ends on the inserted ID. */
  insert(cur: IdCursor, ms: U64, seq: U64, time = 0, count = 0, owner: Consumer | null = null): boolean {
    const L = this.leaves;
    if (L.length === 0) L.push(new Leaf());
    let li = this.leafFor(ms, seq);
    let leaf = L[li]!;
    const i = IdTree.lower(leaf, ms, seq);
    if (i < leaf.ms.length && leaf.ms[i] === ms && leaf.seq[i] === seq) { cur.li = li; cur.i = i; return false; }
    this.size++;
    const n = leaf.ms.length;
    if (i === n) {
      // Appending at the end of the last leaf: open a new leaf rather than splitting a full one.
      if (n >= LEAF_MAX && li === L.length - 1) {
        leaf = new Leaf();
        L.push(leaf);
        li++;
      }
      leaf.ms.push(ms); leaf.seq.push(seq);
      if (this.data) { leaf.t.push(time); leaf.n.push(count); leaf.o.push(owner); }
      cur.li = li; cur.i = leaf.ms.length - 1;
    } else {
      leaf.ms.splice(i, 0, ms); leaf.seq.splice(i, 0, seq);
      if (this.data) { leaf.t.splice(i, 0, time); leaf.n.splice(i, 0, count); leaf.o.splice(i, 0, owner); }
      cur.li = li; cur.i = i;
    }
    if (leaf.ms.length > LEAF_MAX) {
      const half = leaf.ms.length >> 1;
      const right = new Leaf();
      right.ms = leaf.ms.splice(half); right.seq = leaf.seq.splice(half);
      if (this.data) { right.t = leaf.t.splice(half); right.n = leaf.n.splice(half); right.o = leaf.o.splice(half); }
      L.splice(li + 1, 0, right);
      if (cur.i >= half) { cur.li = li + 1; cur.i -= half; }
    }
    return true;
  }

  /** Removes the ID at cur; cur then points at the following ID. */
  removeAt(cur: IdCursor): void {
    const L = this.leaves;
    const li = cur.li;
    const leaf = L[li]!;
    const i = cur.i;
    leaf.ms.splice(i, 1); leaf.seq.splice(i, 1);
    if (this.data) { leaf.t.splice(i, 1); leaf.n.splice(i, 1); leaf.o.splice(i, 1); }
    this.size--;
    if (leaf.ms.length === 0) {
      L.splice(li, 1);
      cur.i = 0;
      return;
    }
    // Merge a small leaf into its right neighbour when both fit in one.
    const right = L[li + 1];
    if (leaf.ms.length < LEAF_MERGE && right && leaf.ms.length + right.ms.length <= LEAF_MAX / 2) {
      leaf.ms.push(...right.ms); leaf.seq.push(...right.seq);
      if (this.data) { leaf.t.push(...right.t); leaf.n.push(...right.n); leaf.o.push(...right.o); }
      L.splice(li + 1, 1);
    }
    if (i >= leaf.ms.length) { cur.li = li + 1; cur.i = 0; }
  }

  remove(ms: U64, seq: U64): boolean {
    const cur = scratchCursor(this);
    if (!this.find(cur, ms, seq)) return false;
    this.removeAt(cur);
    return true;
  }

  firstId(): SID | null {
    const f = this.leaves[0];
    return f ? { ms: f.ms[0]!, seq: f.seq[0]! } : null;
  }

  lastId(): SID | null {
    const l = this.leaves[this.leaves.length - 1];
    if (!l) return null;
    const n = l.ms.length - 1;
    return { ms: l.ms[n]!, seq: l.seq[n]! };
  }

  /** Calls fn for each ID in order (with the cursor positioned on it) until fn returns false. */
  forEach(fn: (cur: IdCursor) => boolean | void): void {
    const cur = this.cursor();
    while (cur.valid) {
      if (fn(cur) === false) return;
      cur.next();
    }
  }

  /** A copy with the owners mapped through `owner`. */
  clone(owner: (c: Consumer | null) => Consumer | null): IdTree {
    const t = new IdTree(this.data);
    t.size = this.size;
    for (const l of this.leaves) {
      const n = new Leaf();
      n.ms = l.ms.slice(); n.seq = l.seq.slice();
      if (this.data) { n.t = l.t.slice(); n.n = l.n.slice(); n.o = l.o.map(owner); }
      t.leaves.push(n);
    }
    return t;
  }

  memoryUsage(): number { return this.leaves.length * 120 + this.size * (this.data ? 52 : 26); }
}

const scratchCursors = new WeakMap<IdTree, IdCursor>();
function scratchCursor(t: IdTree): IdCursor {
  let c = scratchCursors.get(t);
  if (!c) { c = new IdCursor(t); scratchCursors.set(t, c); }
  return c;
}

// ------------------------------------------------------------------ consumer groups

export class Consumer {
  /** Last time the consumer attempted an action, and last successful read/claim (-1 never). */
  seenTime: number;
  activeTime = -1;
  pel = new IdTree(false);
  constructor(readonly name: Buffer, now: number) { this.seenTime = now; }
}

/** entries_read value meaning "unknown". */
export const ENTRIES_READ_INVALID = -1;

export class ConsumerGroup {
  pel = new IdTree(true);
  /** Consumers by name (latin1 of the bytes). */
  readonly consumers = new Map<string, Consumer>();
  /** entries_read: a logical read counter, or ENTRIES_READ_INVALID. */
  constructor(readonly name: Buffer, public last: SID, public entriesRead: number | bigint) {}

  consumer(name: Buffer): Consumer | undefined { return this.consumers.get(name.latin1Slice(0, name.length)); }

  /** Creates a consumer; null when it exists. */
  createConsumer(name: Buffer, now: number): Consumer | null {
    const k = name.latin1Slice(0, name.length);
    if (this.consumers.has(k)) return null;
    const c = new Consumer(Buffer.from(name), now);
    this.consumers.set(k, c);
    return c;
  }

  /** Deletes a consumer and its pending entries from the group PEL; returns how many it had. */
  deleteConsumer(c: Consumer): number {
    const n = c.pel.size;
    c.pel.forEach((cur) => { this.pel.remove(cur.ms, cur.seq); });
    this.consumers.delete(c.name.latin1Slice(0, c.name.length));
    return n;
  }

  /** Consumers in name order (byte order, as Valkey's radix tree lists them). */
  sortedConsumers(): Consumer[] {
    const keys = [...this.consumers.keys()].sort();
    return keys.map((k) => this.consumers.get(k)!);
  }
}

// ------------------------------------------------------------------ the stream

export interface TrimArgs {
  /** 1 = MAXLEN, 2 = MINID. */
  strategy: number;
  maxlen: number;
  minid: SID;
  approx: boolean;
  /** Max entries to delete, 0 = unlimited. */
  limit: number;
}

export const TRIM_MAXLEN = 1;
export const TRIM_MINID = 2;

export class Stream implements StoredObject {
  /** Nodes in master-ID order; nodes[head ..] are live. */
  nodes: StreamNode[] = [];
  head = 0;
  length = 0;
  last: SID = ID_ZERO;
  first: SID = ID_ZERO;
  maxDeleted: SID = ID_ZERO;
  entriesAdded: U64 = 0;
  /** Groups by name (latin1 of the bytes), created on demand. */
  groups: Map<string, ConsumerGroup> | null = null;

  get nodeCount(): number { return this.nodes.length - this.head; }

  /** Index of the last node whose master ID is <= id, or head - 1 when none. */
  nodeLE(ms: U64, seq: U64): number {
    const N = this.nodes;
    let lo = this.head, hi = N.length - 1, ans = this.head - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const n = N[mid]!;
      if (cmpId(n.ms, n.seq, ms, seq) <= 0) { ans = mid; lo = mid + 1; } else hi = mid - 1;
    }
    return ans;
  }

  iter(start: SID | null, end: SID | null, rev: boolean): StreamIterator {
    const s = start ?? ID_ZERO, e = end ?? ID_MAX;
    return new StreamIterator(this, s.ms, s.seq, e.ms, e.seq, rev);
  }

  /**
   * Appends an entry with ID id (already validated: greater than `last`) and the field/value
   * pairs argv[from ..] (nf pairs). maxBytes / maxEntries are stream-node-max-bytes / -entries.
   */
  append(argv: Buffer[], from: number, nf: number, id: SID, maxBytes: number, maxEntries: number): void {
    let totLen = 0;
    for (let i = 0; i < nf * 2; i++) totLen += argv[from + i]!.length;
    let node = this.nodes.length > this.head ? this.nodes[this.nodes.length - 1]! : null;
    // A stream's first node starts small; once a node has filled up, the next one starts with
    // the room the previous one needed (two allocations per node instead of a doubling series).
    let room = 64;
    if (node !== null) {
      const nodeMax = maxBytes === 0 || maxBytes > STREAM_LISTPACK_MAX_SIZE ? STREAM_LISTPACK_MAX_SIZE : maxBytes;
      if (node.lpBytes() + totLen >= nodeMax || (maxEntries > 0 && node.count + node.deleted >= maxEntries)) {
        room = Math.min(node.sz + (node.sz >> 3), 1 << 16);
        node.shrink();
        node = null;
      }
    }
    let same = false;
    if (node === null) {
      let msz = intElemSize(nf) + 2; // num-fields ... 0
      for (let i = 0; i < nf; i++) msz += strElemSize(argv[from + i * 2]!);
      node = new StreamNode(id.ms, id.seq, Math.max(room, msz * 2 + totLen + 16));
      const buf = node.buf;
      let p = writeInt(buf, 0, nf);
      for (let i = 0; i < nf; i++) {
        const f = argv[from + i * 2]!;
        strElemSize(f);
        p = writeStr(buf, p, f);
      }
      p = writeInt(buf, p, 0);
      node.sz = node.first = p;
      node.nf = nf;
      this.nodes.push(node);
      same = true;
    } else if (nf === node.nf) {
      const buf = node.buf;
      let p = skip(buf, 0);
      same = true;
      for (let i = 0; i < nf; i++) {
        if (!elemEquals(buf, p, argv[from + i * 2]!)) { same = false; break; }
        p = skip(buf, p);
      }
    }
    const msd = delta(id.ms, node.ms);
    const seqd = delta(id.seq, node.seq);
    let elems = nf + 3;
    let size = 2 + intElemSize(msd) + intElemSize(seqd);
    if (!same) { size += intElemSize(nf); elems += nf + 1; }
    for (let i = 0; i < nf; i++) {
      if (!same) size += strElemSize(argv[from + i * 2]!);
      size += strElemSize(argv[from + i * 2 + 1]!);
    }
    size += intElemSize(elems);
    node.ensure(size);
    const buf = node.buf;
    let p = node.sz;
    buf[p] = same ? FLAG_SAMEFIELDS : 0; buf[p + 1] = 1; p += 2;
    p = writeInt(buf, p, msd);
    p = writeInt(buf, p, seqd);
    if (!same) p = writeInt(buf, p, nf);
    for (let i = 0; i < nf; i++) {
      if (!same) { const f = argv[from + i * 2]!; strElemSize(f); p = writeStr(buf, p, f); }
      const v = argv[from + i * 2 + 1]!;
      strElemSize(v);
      p = writeStr(buf, p, v);
    }
    p = writeInt(buf, p, elems);
    node.sz = p;
    node.count++;
    this.length++;
    this.entriesAdded = add1(this.entriesAdded);
    this.last = id;
    if (this.length === 1) this.first = id;
  }

  /** Called by the iterator after flagging an entry deleted in node nodes[ni]. */
  entryRemoved(ni: number, node: StreamNode): void {
    if (node.count === 1) this.removeNode(ni);
    else { node.count--; node.deleted++; }
    this.length--;
  }

  private removeNode(ni: number): void {
    if (ni === this.head) {
      this.nodes[ni] = undefined as unknown as StreamNode;
      this.head++;
      if (this.head === this.nodes.length) { this.nodes = []; this.head = 0; }
      else if (this.head >= 64 && this.head * 2 >= this.nodes.length) { this.nodes = this.nodes.slice(this.head); this.head = 0; }
    } else this.nodes.splice(ni, 1);
  }

  /** Deletes the entry with this ID; false when there is none (or it is already deleted). */
  deleteEntry(id: SID): boolean {
    const it = new StreamIterator(this, id.ms, id.seq, id.ms, id.seq, false);
    if (!it.next()) return false;
    it.removeCurrent();
    return true;
  }

  exists(id: SID): boolean {
    const it = new StreamIterator(this, id.ms, id.seq, id.ms, id.seq, false);
    return it.next();
  }

  /** First or last entry ID (tombstones skipped unless asked); max / 0-0 when there is none. */
  edgeId(first: boolean, skipTombstones: boolean): SID {
    const it = new StreamIterator(this, 0, 0, U64_MAX, U64_MAX, !first);
    it.skipTombstones = skipTombstones;
    if (it.next()) return { ms: it.ms, seq: it.seq };
    return first ? ID_MAX : ID_ZERO;
  }

  /** ID of the last live entry (0-0 when empty). */
  lastValidId(): SID { return this.edgeId(false, true); }

  /** Trims as XADD / XTRIM do; returns the number of entries removed. */
  trim(a: TrimArgs): number {
    if (a.strategy === 0) return 0;
    let deleted = 0;
    while (this.head < this.nodes.length) {
      if (a.strategy === TRIM_MAXLEN && this.length <= a.maxlen) break;
      const node = this.nodes[this.head]!;
      const entries = node.count;
      if (a.limit && deleted + entries > a.limit) break;
      let removeNode: boolean;
      if (a.strategy === TRIM_MAXLEN) removeNode = this.length - entries >= a.maxlen;
      else {
        const lid = node.lastId() ?? ID_ZERO;
        removeNode = cmp(lid, a.minid) < 0;
      }
      if (removeNode) {
        this.removeNode(this.head);
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (a.approx) break;
      // Flag entries inside the node.
      const buf = node.buf;
      let p = node.first;
      let fromNode = 0;
      while (p < node.sz) {
        const pf = p;
        const flags = buf[p]!;
        p += 2;
        const msd = intAt(buf, p); p = skip(buf, p);
        const seqd = intAt(buf, p); p = skip(buf, p);
        let stop: boolean;
        if (a.strategy === TRIM_MAXLEN) stop = this.length <= a.maxlen;
        else stop = cmpId(undelta(node.ms, msd), undelta(node.seq, seqd), a.minid.ms, a.minid.seq) >= 0;
        if (stop) break;
        let elems: number;
        if (flags & FLAG_SAMEFIELDS) elems = node.nf;
        else { elems = smallAt(buf, p) * 2; p = skip(buf, p); }
        for (let i = 0; i < elems; i++) p = skip(buf, p);
        p = skip(buf, p);
        if (!(flags & FLAG_DELETED)) {
          buf[pf] = flags | FLAG_DELETED;
          fromNode++;
          this.length--;
        }
      }
      deleted += fromNode;
      node.count -= fromNode;
      node.deleted += fromNode;
      break;
    }
    if (this.length === 0) this.first = ID_ZERO;
    else if (deleted) this.first = this.edgeId(true, true);
    return deleted;
  }

  // -------------------------------------------------------------- groups

  group(name: Buffer): ConsumerGroup | undefined {
    return this.groups?.get(name.latin1Slice(0, name.length));
  }

  /** Creates a group; null when one with this name exists. */
  createGroup(name: Buffer, last: SID, entriesRead: number | bigint): ConsumerGroup | null {
    const k = name.latin1Slice(0, name.length);
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(k)) return null;
    const g = new ConsumerGroup(Buffer.from(name), last, entriesRead);
    this.groups.set(k, g);
    return g;
  }

  destroyGroup(name: Buffer): boolean {
    return this.groups !== null && this.groups.delete(name.latin1Slice(0, name.length));
  }

  /** Groups in name order. */
  sortedGroups(): ConsumerGroup[] {
    if (this.groups === null) return [];
    const keys = [...this.groups.keys()].sort();
    return keys.map((k) => this.groups!.get(k)!);
  }

  get groupCount(): number { return this.groups === null ? 0 : this.groups.size; }

  /** True when a tombstone may lie in [start, end] (streamRangeHasTombstones). */
  rangeHasTombstones(start: SID | null, end: SID | null): boolean {
    if (this.length === 0 || isZero(this.maxDeleted)) return false;
    if (cmp(this.first, this.maxDeleted) > 0) return false;
    const s = start ?? ID_ZERO, e = end ?? ID_MAX;
    return cmp(s, this.maxDeleted) <= 0 && cmp(this.maxDeleted, e) <= 0;
  }

  /** The logical read counter of id, or -1 when it cannot be known. */
  estimateDistance(id: SID): U64 | -1 {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && cmp(id, this.last) < 1) return this.entriesAdded;
    const cl = cmp(id, this.last);
    if (cl === 0) return this.entriesAdded;
    if (cl > 0) return -1;
    const cf = cmp(id, this.first);
    if (isZero(this.maxDeleted) || cmp(this.maxDeleted, this.first) < 0) {
      if (cf < 0) return norm(toBig(this.entriesAdded) - BigInt(this.length));
      if (cf === 0) return norm(toBig(this.entriesAdded) - BigInt(this.length) + 1n);
    }
    return -1;
  }

  /** A group's lag, or null when it cannot be computed. */
  lag(g: ConsumerGroup): bigint | null {
    if (this.entriesAdded === 0) return 0n;
    if (g.entriesRead !== ENTRIES_READ_INVALID && !this.rangeHasTombstones(g.last, null)) {
      return toBig(this.entriesAdded) - BigInt(g.entriesRead);
    }
    const er = this.estimateDistance(g.last);
    if (er === -1) return null;
    return toBig(this.entriesAdded) - toBig(er);
  }

  // -------------------------------------------------------------- StoredObject

  memoryUsage(): number {
    let n = 160 + (this.nodes.length - this.head) * 8;
    for (let i = this.head; i < this.nodes.length; i++) n += this.nodes[i]!.buf.length + 120;
    if (this.groups) {
      for (const g of this.groups.values()) {
        n += 200 + g.name.length + g.pel.memoryUsage();
        for (const c of g.consumers.values()) n += 150 + c.name.length + c.pel.memoryUsage();
      }
    }
    return n;
  }

  /**
   * Work needed to free the stream, estimated as Valkey does: one per radix tree node, and for
   * the groups, their number times (1 + the first group's PEL size).
   */
  freeEffort(): number {
    let n = this.raxNodesEstimate();
    const gs = this.sortedGroups();
    if (gs.length > 0) n += gs.length * (1 + gs[0]!.pel.size);
    return n;
  }

  /** Bytes of the value in an (uncompressed) RDB, for DEBUG OBJECT serializedlength. */
  serializedLength(): number {
    let n = 0;
    saveStreamRdb(this, {
      byte: () => { n++; },
      raw: (b) => { n += b.length; },
      str: (b) => { n += (b.length < 64 ? 1 : b.length < 16384 ? 2 : 5) + b.length; },
    }, false);
    return n;
  }

  clone(): Stream {
    const s = new Stream();
    for (let i = this.head; i < this.nodes.length; i++) s.nodes.push(this.nodes[i]!.clone());
    s.length = this.length;
    s.last = this.last; s.first = this.first; s.maxDeleted = this.maxDeleted;
    s.entriesAdded = this.entriesAdded;
    if (this.groups) {
      for (const g of this.sortedGroups()) {
        const ng = s.createGroup(g.name, g.last, g.entriesRead)!;
        const map = new Map<Consumer, Consumer>();
        for (const c of g.sortedConsumers()) {
          const nc = ng.createConsumer(c.name, c.seenTime)!;
          nc.activeTime = c.activeTime;
          nc.pel = c.pel.clone(() => null);
          map.set(c, nc);
        }
        ng.pel = g.pel.clone((o) => (o ? map.get(o) ?? null : null));
      }
    }
    return s;
  }

  /** Every entry in order, for digests and tests: [id, [field, value, ...]]. */
  *entries(): Generator<[SID, Buffer[]]> {
    const it = this.iter(null, null, false);
    while (it.next()) {
      const parts: Buffer[] = [];
      it.emitFields((b, s, e) => parts.push(Buffer.from(b.subarray(s, e))));
      yield [{ ms: it.ms, seq: it.seq }, parts];
    }
  }

  /**
   * The number of nodes Valkey's radix tree would have for these node keys (16-byte big-endian
   * master IDs): a compressed trie has one node per branching point, one compressed node per
   * edge that spans more than one byte, one (empty) node per key, and a compressed root when
   * all keys share a first byte.
   */
  raxNodes(): number {
    const N = this.nodes, n = N.length - this.head;
    if (n === 0) return 1;
    let branches = 0, runs = 0;
    const stack: number[] = []; // depths of the branching points on the rightmost path
    let cur = 16; // depth of the node hanging as last child below the stack top
    const edge = (from: number, to: number): void => { if (to > from + 1) runs++; };
    let prevKey = idKey(N[this.head]!);
    for (let i = this.head + 1; i < N.length; i++) {
      const key = idKey(N[i]!);
      let l = 0;
      while (l < 16 && key[l] === prevKey[l]) l++;
      prevKey = key;
      while (stack.length > 0 && stack[stack.length - 1]! > l) { const d = stack.pop()!; edge(d, cur); cur = d; }
      if (stack.length === 0 || stack[stack.length - 1]! < l) { edge(l, cur); stack.push(l); branches++; }
      else edge(l, cur);
      cur = 16;
    }
    while (stack.length > 0) { const d = stack.pop()!; edge(d, cur); cur = d; }
    if (cur > 0) runs++; // the root is a compressed node down to the first branching point
    return branches + runs + n;
  }

  /** An estimate of the radix tree node count, in constant time. */
  raxNodesEstimate(): number {
    const k = this.nodes.length - this.head;
    return k <= 1 ? k + 1 : 2 * k + 2;
  }
}

// ------------------------------------------------------------------ Valkey listpacks and RDB

/** Thrown for a malformed serialized stream. */
export class StreamFormatError extends Error {}

/** Offset after the element at p, or -1 when it does not fit before `end` or is malformed. */
function safeSkip(buf: Buffer, p: number, end: number): number {
  if (p >= end) return -1;
  const b = buf[p]!;
  if ((b >= 0xc0 && b < 0xf0 && p + 2 > end) || (b >= 0xf0 && p + 5 > end)) return -1;
  if (b >= 0xf5) return -1;
  const l = encDataLen(buf, p);
  const q = p + l + backlenSize(l);
  return q <= end ? q : -1;
}

/** The integer element at p (the string form of an integer accepted too), or null. */
function safeInt(buf: Buffer, p: number): number | bigint | null {
  decode(buf, p);
  if (dInt) return dNum;
  const s = buf.latin1Slice(dS, dE);
  if (!/^-?\d{1,19}$/.test(s)) return null;
  const v = BigInt(s);
  return v >= -9007199254740991n && v <= 9007199254740991n ? Number(v) : v;
}

/** The node as a Valkey listpack (header, count, deleted, elements, end marker). */
export function nodeToListpack(n: StreamNode): Buffer {
  let elems = 2;
  for (let p = 0; p < n.sz; p = skip(n.buf, p)) elems++;
  const total = n.lpBytes();
  const out = Buffer.allocUnsafe(total);
  out.writeUInt32LE(total, 0);
  out.writeUInt16LE(elems < 65535 ? elems : 65535, 4);
  let p = writeInt(out, 6, n.count);
  p = writeInt(out, p, n.deleted);
  n.buf.copy(out, p, 0, n.sz);
  out[total - 1] = 0xff;
  return out;
}

/**
 * A node from a Valkey stream listpack whose master ID is (ms, seq), with a full structural
 * check (as Valkey's deep sanitization does): every entry well formed, counts consistent.
 */
export function nodeFromListpack(ms: U64, seq: U64, lp: Buffer): StreamNode {
  const bad = (why: string): never => { throw new StreamFormatError(`Stream listpack integrity check failed: ${why}`); };
  if (lp.length < 7 || lp.readUInt32LE(0) !== lp.length || lp[lp.length - 1] !== 0xff) bad('header');
  const end = lp.length - 1;
  if (end === 6) throw new StreamFormatError('Empty listpack inside stream');
  let p = 6;
  const count = safeInt(lp, p);
  p = safeSkip(lp, p, end);
  if (count === null || p < 0) bad('count');
  const deleted = safeInt(lp, p);
  p = safeSkip(lp, p, end);
  if (deleted === null || p < 0) bad('deleted');
  const body = lp.subarray(p, end);
  const bend = body.length;
  let q = 0;
  const nf = safeInt(body, q);
  q = safeSkip(body, q, bend);
  if (nf === null || q < 0 || Number(nf) < 0) bad('master fields');
  for (let i = 0; i < Number(nf); i++) { q = safeSkip(body, q, bend); if (q < 0) bad('master field'); }
  if (safeInt(body, q) !== 0) bad('master terminator');
  q = safeSkip(body, q, bend);
  if (q < 0) bad('master terminator');
  const first = q;
  let entries = Number(count) + Number(deleted);
  if (Number(count) < 0 || Number(deleted) < 0) bad('counts');
  let live = 0;
  while (entries-- > 0) {
    const flags = safeInt(body, q);
    if (flags === null || q >= bend) bad('flags');
    q = safeSkip(body, q, bend);
    for (let i = 0; i < 2; i++) {
      if (q < 0 || safeInt(body, q) === null) bad('entry id');
      q = safeSkip(body, q, bend);
    }
    let fields = Number(nf);
    let extra = 3;
    if (!(Number(flags) & FLAG_SAMEFIELDS)) {
      const f = q < 0 ? null : safeInt(body, q);
      if (f === null || Number(f) < 0) bad('entry fields');
      fields = Number(f);
      q = safeSkip(body, q, bend);
      for (let i = 0; i < fields; i++) { if (q < 0) bad('entry field'); q = safeSkip(body, q, bend); }
      extra += fields + 1;
    }
    for (let i = 0; i < fields; i++) { if (q < 0) bad('entry value'); q = safeSkip(body, q, bend); }
    if (q < 0) bad('lp-count');
    const lpCount = safeInt(body, q);
    if (lpCount === null || Number(lpCount) !== fields + extra) bad('lp-count');
    q = safeSkip(body, q, bend);
    if (q < 0) bad('lp-count');
    if (!(Number(flags) & FLAG_DELETED)) live++;
  }
  if (q !== bend) bad('trailing elements');
  if (live !== Number(count)) bad('live entry count');
  const n = new StreamNode(ms, seq, 0);
  n.buf = Buffer.allocUnsafeSlow(bend);
  body.copy(n.buf, 0, 0, bend);
  n.sz = bend;
  n.count = Number(count);
  n.deleted = Number(deleted);
  n.nf = Number(nf);
  n.first = first;
  return n;
}

export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;

/** The parts of an RDB writer the stream codec uses. */
export interface StreamRdbSink {
  byte(v: number): void;
  raw(b: Uint8Array): void;
  /** An RDB string (possibly compressed). */
  str(s: Uint8Array, compress?: boolean): void;
}

/** The parts of an RDB reader the stream codec uses. */
export interface StreamRdbSource {
  byte(): number;
  bytes(n: number): Buffer;
  /** An RDB string of any encoding. */
  str(): Buffer;
}

/** RDB length encoding of an unsigned 64-bit value (negative values as their two's complement). */
function rdbLen(out: StreamRdbSink, v: number | bigint): void {
  if (typeof v === 'number' && v >= 0 && v < 64) { out.byte(v); return; }
  if (typeof v === 'number' && v >= 0 && v < 16384) { out.byte(0x40 | (v >>> 8)); out.byte(v & 0xff); return; }
  let b = typeof v === 'bigint' ? v : BigInt(v);
  if (b < 0n) b += TWO64;
  const t = Buffer.allocUnsafe(9);
  if (b <= 0xffffffffn) { t[0] = 0x80; t.writeUInt32BE(Number(b), 1); out.raw(t.subarray(0, 5)); return; }
  t[0] = 0x81;
  t.writeBigUInt64BE(b, 1);
  out.raw(t);
}

function rdbReadLen(r: StreamRdbSource): U64 {
  const b = r.byte();
  const t = b >>> 6;
  if (t === 0) return b & 0x3f;
  if (t === 1) return ((b & 0x3f) << 8) | r.byte();
  if (b === 0x80) return r.bytes(4).readUInt32BE(0);
  if (b === 0x81) return norm(r.bytes(8).readBigUInt64BE(0));
  throw new StreamFormatError(`Unknown length encoding ${b} in rdbLoadLen()`);
}

function msTime(out: StreamRdbSink, v: number): void {
  const t = Buffer.allocUnsafe(8);
  t.writeBigInt64LE(BigInt(v), 0);
  out.raw(t);
}

function readMsTime(r: StreamRdbSource): number { return Number(r.bytes(8).readBigInt64LE(0)); }

function idKey(id: SID): Buffer {
  const k = Buffer.allocUnsafe(16);
  k.writeBigUInt64BE(toBig(id.ms), 0);
  k.writeBigUInt64BE(toBig(id.seq), 8);
  return k;
}

function keyId(k: Buffer): SID { return { ms: norm(k.readBigUInt64BE(0)), seq: norm(k.readBigUInt64BE(8)) }; }

/** Writes a stream as Valkey's RDB_TYPE_STREAM_LISTPACKS_3 payload. */
export function saveStreamRdb(s: Stream, out: StreamRdbSink, compress: boolean): void {
  rdbLen(out, s.nodeCount);
  for (let i = s.head; i < s.nodes.length; i++) {
    const n = s.nodes[i]!;
    out.str(idKey(n), compress);
    out.str(nodeToListpack(n), compress);
  }
  rdbLen(out, s.length);
  rdbLen(out, s.last.ms); rdbLen(out, s.last.seq);
  rdbLen(out, s.first.ms); rdbLen(out, s.first.seq);
  rdbLen(out, s.maxDeleted.ms); rdbLen(out, s.maxDeleted.seq);
  rdbLen(out, s.entriesAdded);
  const groups = s.sortedGroups();
  rdbLen(out, groups.length);
  for (const g of groups) {
    out.str(g.name, compress);
    rdbLen(out, g.last.ms); rdbLen(out, g.last.seq);
    rdbLen(out, g.entriesRead);
    rdbLen(out, g.pel.size);
    g.pel.forEach((c) => {
      out.raw(idKey(c));
      msTime(out, c.time);
      rdbLen(out, c.count);
    });
    const consumers = g.sortedConsumers();
    rdbLen(out, consumers.length);
    for (const c of consumers) {
      out.str(c.name, compress);
      msTime(out, c.seenTime);
      msTime(out, c.activeTime);
      rdbLen(out, c.pel.size);
      c.pel.forEach((cur) => { out.raw(idKey(cur)); });
    }
  }
}

/** Reads a stream payload of RDB type 15, 19 or 21 (throws StreamFormatError when corrupt). */
export function loadStreamRdb(r: StreamRdbSource, rdbType: number): Stream {
  const s = new Stream();
  const corrupt = (why: string): never => { throw new StreamFormatError(why); };
  let nodes = Number(rdbReadLen(r));
  const list: StreamNode[] = [];
  let live = 0;
  while (nodes-- > 0) {
    const key = r.str();
    if (key.length !== 16) corrupt('Stream node key entry is not the size of a stream ID');
    const id = keyId(key);
    const n = nodeFromListpack(id.ms, id.seq, Buffer.from(r.str()));
    live += n.count;
    list.push(n);
  }
  list.sort((a, b) => cmpId(a.ms, a.seq, b.ms, b.seq));
  for (let i = 1; i < list.length; i++) {
    if (cmpId(list[i - 1]!.ms, list[i - 1]!.seq, list[i]!.ms, list[i]!.seq) === 0) corrupt('Listpack re-added with existing key');
  }
  s.nodes = list;
  const length = rdbReadLen(r);
  if (Number(length) !== live) corrupt('Stream length inconsistent with the listpacks');
  s.length = live;
  s.last = { ms: rdbReadLen(r), seq: rdbReadLen(r) };
  if (rdbType >= RDB_TYPE_STREAM_LISTPACKS_2) {
    s.first = { ms: rdbReadLen(r), seq: rdbReadLen(r) };
    s.maxDeleted = { ms: rdbReadLen(r), seq: rdbReadLen(r) };
    s.entriesAdded = rdbReadLen(r);
  } else {
    // Older payloads: the counters start from what the stream holds now.
    s.entriesAdded = s.length;
    s.first = s.edgeId(true, true);
  }
  let groups = Number(rdbReadLen(r));
  while (groups-- > 0) {
    const name = Buffer.from(r.str());
    const last: SID = { ms: rdbReadLen(r), seq: rdbReadLen(r) };
    let entriesRead: number | bigint;
    if (rdbType >= RDB_TYPE_STREAM_LISTPACKS_2) {
      const v = toBig(rdbReadLen(r));
      entriesRead = v >= 1n << 63n ? Number(v - TWO64) : norm(v);
      if (typeof entriesRead === 'number' && entriesRead < 0) entriesRead = ENTRIES_READ_INVALID;
    } else {
      entriesRead = s.estimateDistance(last);
    }
    const g = s.createGroup(name, last, entriesRead);
    if (g === null) corrupt(`Duplicated consumer group name ${name.toString()}`);
    const cur = g!.pel.cursor();
    let pel = Number(rdbReadLen(r));
    while (pel-- > 0) {
      const id = keyId(r.bytes(16));
      const time = readMsTime(r);
      const count = Number(rdbReadLen(r));
      if (!g!.pel.insert(cur, id.ms, id.seq, time, count, null)) corrupt('Duplicated global PEL entry loading stream consumer group');
    }
    let consumers = Number(rdbReadLen(r));
    while (consumers-- > 0) {
      const cname = Buffer.from(r.str());
      const c = g!.createConsumer(cname, 0);
      if (c === null) corrupt('Duplicate stream consumer detected.');
      c!.seenTime = readMsTime(r);
      c!.activeTime = rdbType >= RDB_TYPE_STREAM_LISTPACKS_3 ? readMsTime(r) : c!.seenTime;
      const ccur = c!.pel.cursor();
      let n = Number(rdbReadLen(r));
      while (n-- > 0) {
        const id = keyId(r.bytes(16));
        if (!g!.pel.find(cur, id.ms, id.seq)) corrupt('Consumer entry not found in group global PEL');
        cur.owner = c!;
        if (!c!.pel.insert(ccur, id.ms, id.seq)) corrupt('Duplicated consumer PEL entry loading a stream consumer group');
      }
    }
    // Every pending entry must belong to a consumer.
    g!.pel.forEach((c) => { if (c.owner === null) corrupt('Stream CG PEL entry without consumer'); });
  }
  return s;
}
