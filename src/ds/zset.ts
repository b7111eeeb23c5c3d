// Sorted sets: the shared interface of the two representations, range specifications, and the
// compact representation used for small sets (Valkey's "listpack" encoding).
//
// Both representations keep (member, score) pairs ordered by score, then by member bytes
// (memcmp order, shorter first on a common prefix), and answer positional (rank) queries:
// commands find the rank interval a range covers, then walk it. Members are handed to visitors
// as (buffer, offset, length) slices of the structure's own storage, valid until the next write.
//
// ZPack layout: entries back to back, in order, kept in a latin1 string between operations:
//   [score: float64 LE][member length: varint][member bytes]
// Lookups are linear, as in a listpack; the structure only holds a few hundred entries at most
// (zset-max-listpack-entries / -value decide when a set moves to the skiplist).
import type { StoredObject } from '../store/types.js';
import { ZSkiplist } from './skiplist.js';

/** Receives one element: member bytes are buf[off, off + len). */
export type ZVisitor = (buf: Buffer, off: number, len: number, score: number) => void;

/** The operations the sorted-set commands need from either representation. */
export interface ZsetObj extends StoredObject {
  /** True for the compact (listpack) representation. */
  readonly isPack: boolean;
  readonly length: number;
  /** Score of a member; NaN when absent (NaN is never stored). */
  score(m: Uint8Array): number;
  /** score() for a member about to be written (add / update with the same Buffer may reuse the lookup). */
  lookup(m: Uint8Array): number;
  /** Drops what lookup() remembered (the caller's argument must not be kept). */
  forget(): void;
  /** Adds a member known to be absent. */
  add(m: Uint8Array, s: number): void;
  /** Changes the score of a member known to be present with score `cur`. */
  update(m: Uint8Array, cur: number, s: number): void;
  /** Removes a member; false when absent. */
  remove(m: Uint8Array): boolean;
  /** 0-based rank of a member in ascending order, -1 when absent; sets `lastScore`. */
  rank(m: Uint8Array): number;
  lastScore: number;
  /** Index of the first element with score >= min (> min when ex); `length` when none. */
  firstByScore(min: number, ex: boolean): number;
  /** Index of the last element with score <= max (< max when ex); -1 when none. */
  lastByScore(max: number, ex: boolean): number;
  /** Index of the first element whose member is inside the lower lex bound; `length` when none. */
  firstByLex(min: LexBound): number;
  /** Index of the last element whose member is inside the upper lex bound; -1 when none. */
  lastByLex(max: LexBound): number;
  /** Visits `count` elements from index `start`, ascending, or descending when `rev`. */
  each(start: number, count: number, rev: boolean, fn: ZVisitor): void;
  /** Removes the elements with indexes start..end (inclusive, valid). */
  removeRange(start: number, end: number): void;
  /** A deep copy in the same representation. */
  clone(): ZsetObj;
  memoryUsage(samples?: number): number;
}

// ------------------------------------------------------------------ ranges

/** A score interval, as ZRANGEBYSCORE parses it ("(" marks an exclusive end). */
export interface ScoreRange { min: number; max: number; minex: boolean; maxex: boolean }

export function gteMin(v: number, r: ScoreRange): boolean { return r.minex ? v > r.min : v >= r.min; }
export function lteMax(v: number, r: ScoreRange): boolean { return r.maxex ? v < r.max : v <= r.max; }

/** One end of a lexicographic interval: "-" (inf -1), "+" (inf 1), or "[v" / "(v". */
export interface LexBound { inf: -1 | 0 | 1; ex: boolean; v: Buffer }

/** memcmp order of buf[off, off+len) against b (shorter is smaller on a common prefix). */
export function compareBytes(buf: Uint8Array, off: number, len: number, b: Uint8Array): number {
  const bl = b.length;
  const n = len < bl ? len : bl;
  for (let i = 0; i < n; i++) {
    const d = buf[off + i]! - b[i]!;
    if (d !== 0) return d;
  }
  return len - bl;
}

/** Compares two lex bounds as Valkey's sdscmplex does ("-" below everything, "+" above). */
export function compareLexBounds(a: LexBound, b: LexBound): number {
  if (a.inf === b.inf && a.inf !== 0) return 0;
  if (a.inf === -1 || b.inf === 1) return -1;
  if (a.inf === 1 || b.inf === -1) return 1;
  return Buffer.compare(a.v, b.v);
}

export function lexGteMin(buf: Uint8Array, off: number, len: number, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf < 0;
  const c = compareBytes(buf, off, len, b.v);
  return b.ex ? c > 0 : c >= 0;
}

export function lexLteMax(buf: Uint8Array, off: number, len: number, b: LexBound): boolean {
  if (b.inf !== 0) return b.inf > 0;
  const c = compareBytes(buf, off, len, b.v);
  return b.ex ? c < 0 : c <= 0;
}

// ------------------------------------------------------------------ varints

/** Bytes a varint length prefix takes. */
export function varintSize(n: number): number {
  let s = 1;
  while (n >= 128) { n = Math.floor(n / 128); s++; }
  return s;
}

/** Writes a varint at off; returns the offset after it. */
export function writeVarint(buf: Uint8Array, off: number, n: number): number {
  while (n >= 128) { buf[off++] = (n & 127) | 128; n = Math.floor(n / 128); }
  buf[off++] = n;
  return off;
}

// Decoding sets these two (avoids allocating a pair per call).
let vLen = 0;
let vOff = 0;

/** Decodes the varint at off into vLen, with vOff the offset after it. */
function readVarint(buf: Uint8Array, off: number): void {
  let b = buf[off++]!;
  if (b < 128) { vLen = b; vOff = off; return; }
  let n = b & 127, mul = 128;
  for (;;) {
    b = buf[off++]!;
    n += (b & 127) * mul;
    if (b < 128) break;
    mul *= 128;
  }
  vLen = n; vOff = off;
}

// ------------------------------------------------------------------ ZPack

/**
 * Largest compact set, in bytes. Valkey stops at 1 GiB (lpSafeToAdd); a V8 string cannot hold
 * that much, so the compact form gives up a little earlier in absurd configurations.
 */
export const PACK_MAX_BYTES = 500 * 1024 * 1024;

// Operations decode the entries into a buffer: the shared scratch buffer when it is free, or a
// buffer of their own when an outer operation (an each() whose visitor reads another set) holds it.
let SCRATCH = Buffer.allocUnsafeSlow(8192);
let scratchBusy = false;

/** A buffer holding `s` (latin1) with `extra` spare bytes after it. */
function acquire(s: string, extra: number): Buffer {
  const need = s.length + extra;
  let b: Buffer;
  if (!scratchBusy) {
    if (SCRATCH.length < need) SCRATCH = Buffer.allocUnsafeSlow(Math.max(need + (need >> 1), 8192));
    b = SCRATCH;
    scratchBusy = true;
  } else {
    b = Buffer.allocUnsafe(need);
  }
  if (s.length > 0) b.latin1Write(s, 0, s.length);
  return b;
}

function release(b: Buffer): void {
  if (b === SCRATCH) {
    scratchBusy = false;
    // Do not keep a huge scratch buffer around after a big operation.
    if (b.length > 1 << 20) SCRATCH = Buffer.allocUnsafeSlow(8192);
  }
}

// Buffer.readDoubleLE / writeDoubleLE cost several times a DataView access on Node 20: scores
// are read and written through a DataView of the buffer at hand (almost always SCRATCH).
let dvBuf: Buffer | null = null;
let dv: DataView = new DataView(new ArrayBuffer(8));

function viewOf(buf: Buffer): DataView {
  if (buf !== dvBuf) { dvBuf = buf; dv = new DataView(buf.buffer, buf.byteOffset, buf.length); }
  return dv;
}

function readScore(buf: Buffer, off: number): number { return viewOf(buf).getFloat64(off, true); }

/**
 * The compact sorted set. Between operations its entries (see the header for the layout) live
 * in one latin1 string, which costs a fraction of a typed array's overhead per key.
 */
export class ZPack implements ZsetObj {
  readonly isPack = true;
  lastScore = 0;
  /** The entries, one byte per character. */
  s = '';
  count = 0;

  get length(): number { return this.count; }

  /** Bytes of the entries (the listpack size analogue). */
  get bytes(): number { return this.s.length; }

  score(m: Uint8Array): number {
    const buf = acquire(this.s, 0);
    try {
      const off = findIn(buf, this.s.length, m);
      return off < 0 ? NaN : readScore(buf, off);
    } finally { release(buf); }
  }

  lookup(m: Uint8Array): number { return this.score(m); }

  forget(): void {}

  add(m: Uint8Array, s: number): void {
    const used = this.s.length;
    const size = 8 + varintSize(m.length) + m.length;
    const buf = acquire(this.s, size);
    try {
      const off = insertPos(buf, used, m, s);
      if (off < used) buf.copyWithin(off + size, off, used);
      writeEntry(buf, off, m, s);
      this.s = buf.latin1Slice(0, used + size);
      this.count++;
    } finally { release(buf); }
  }

  /** Appends an element that sorts after every present one (building in order). */
  append(m: Uint8Array, s: number): void {
    const used = this.s.length;
    const size = 8 + varintSize(m.length) + m.length;
    const buf = acquire(this.s, size);
    try {
      writeEntry(buf, used, m, s);
      this.s = buf.latin1Slice(0, used + size);
      this.count++;
    } finally { release(buf); }
  }

  update(m: Uint8Array, cur: number, s: number): void {
    if (this.remove(m)) this.add(m, s);
    void cur;
  }

  remove(m: Uint8Array): boolean {
    const used = this.s.length;
    const buf = acquire(this.s, 0);
    try {
      const off = findIn(buf, used, m);
      if (off < 0) return false;
      readVarint(buf, off + 8);
      const end = vOff + vLen;
      buf.copyWithin(off, end, used);
      this.s = buf.latin1Slice(0, used - (end - off));
      this.count--;
      return true;
    } finally { release(buf); }
  }

  rank(m: Uint8Array): number {
    const end = this.s.length, ml = m.length;
    const buf = acquire(this.s, 0);
    try {
      let off = 0, r = 0;
      while (off < end) {
        readVarint(buf, off + 8);
        const len = vLen, p = vOff;
        if (len === ml) {
          let i = 0;
          while (i < len && buf[p + i] === m[i]) i++;
          if (i === len) { this.lastScore = readScore(buf, off); return r; }
        }
        off = p + len;
        r++;
      }
      return -1;
    } finally { release(buf); }
  }

  firstByScore(min: number, ex: boolean): number {
    const end = this.s.length;
    const buf = acquire(this.s, 0);
    try {
      let off = 0, i = 0;
      while (off < end) {
        const sc = readScore(buf, off);
        if (ex ? sc > min : sc >= min) return i;
        readVarint(buf, off + 8);
        off = vOff + vLen;
        i++;
      }
      return i;
    } finally { release(buf); }
  }

  lastByScore(max: number, ex: boolean): number {
    const end = this.s.length;
    const buf = acquire(this.s, 0);
    try {
      let off = 0, i = 0, last = -1;
      while (off < end) {
        const sc = readScore(buf, off);
        if (ex ? sc < max : sc <= max) last = i;
        readVarint(buf, off + 8);
        off = vOff + vLen;
        i++;
      }
      return last;
    } finally { release(buf); }
  }

  firstByLex(min: LexBound): number {
    const end = this.s.length;
    const buf = acquire(this.s, 0);
    try {
      let off = 0, i = 0;
      while (off < end) {
        readVarint(buf, off + 8);
        if (lexGteMin(buf, vOff, vLen, min)) return i;
        off = vOff + vLen;
        i++;
      }
      return i;
    } finally { release(buf); }
  }

  lastByLex(max: LexBound): number {
    const end = this.s.length;
    const buf = acquire(this.s, 0);
    try {
      let off = 0, i = 0, last = -1;
      while (off < end) {
        readVarint(buf, off + 8);
        if (lexLteMax(buf, vOff, vLen, max)) last = i;
        off = vOff + vLen;
        i++;
      }
      return last;
    } finally { release(buf); }
  }

  each(start: number, count: number, rev: boolean, fn: ZVisitor): void {
    if (count <= 0) return;
    const buf = acquire(this.s, 0);
    try {
      if (!rev) {
        let off = offsetOf(buf, start);
        while (count-- > 0) {
          const sc = readScore(buf, off);
          readVarint(buf, off + 8);
          const p = vOff, len = vLen;
          off = p + len;
          fn(buf, p, len, sc);
        }
        return;
      }
      // Backwards: note the entry offsets of the window first.
      const lo = start - count + 1;
      const offs = new Array<number>(count);
      let off = offsetOf(buf, lo);
      for (let k = 0; k < count; k++) {
        offs[k] = off;
        readVarint(buf, off + 8);
        off = vOff + vLen;
      }
      for (let k = count - 1; k >= 0; k--) {
        const o = offs[k]!;
        readVarint(buf, o + 8);
        fn(buf, vOff, vLen, readScore(buf, o));
      }
    } finally { release(buf); }
  }

  removeRange(start: number, end: number): void {
    const buf = acquire(this.s, 0);
    try {
      const a = offsetOf(buf, start);
      let b = a;
      for (let i = start; i <= end; i++) { readVarint(buf, b + 8); b = vOff + vLen; }
      const used = this.s.length;
      buf.copyWithin(a, b, used);
      this.s = buf.latin1Slice(0, used - (b - a));
      this.count -= end - start + 1;
    } finally { release(buf); }
  }

  /** Longest member, in bytes. */
  maxMemberLength(): number {
    let max = 0;
    this.each(0, this.count, false, (_b, _off, len) => { if (len > max) max = len; });
    return max;
  }

  /** The skiplist holding the same elements (sized for `capacity` members). */
  toSkiplist(capacity = this.count): ZSkiplist {
    const z = new ZSkiplist(Math.max(capacity, this.count), this.s.length);
    this.each(0, this.count, false, (b, off, len, sc) => z.appendSorted(b, off, len, sc));
    z.finishAppend();
    return z;
  }

  /** Strings are immutable: the copy shares the entries until either side changes. */
  clone(): ZPack {
    const z = new ZPack();
    z.s = this.s;
    z.count = this.count;
    return z;
  }

  memoryUsage(): number { return this.s.length + 72; }

  /** Freeing it is one allocation (lazy-free accounting). */
  freeEffort(): number { return 1; }

  /** Approximate RDB size: the listpack blob (member + score entries) saved as a string. */
  serializedLength(): number {
    let lp = 7;
    this.each(0, this.count, false, (_b, _off, len, sc) => {
      lp += len + (len < 64 ? 2 : len < 4096 ? 4 : 9);
      lp += Number.isInteger(sc) && Math.abs(sc) < 2 ** 63 ? 5 : 20;
    });
    return lp + (lp < 64 ? 1 : lp < 16384 ? 2 : 5);
  }
}

/** Offset of the entry holding member m in buf[0, end), or -1. */
function findIn(buf: Buffer, end: number, m: Uint8Array): number {
  const ml = m.length;
  let off = 0;
  while (off < end) {
    readVarint(buf, off + 8);
    const len = vLen, p = vOff;
    if (len === ml) {
      let i = 0;
      while (i < len && buf[p + i] === m[i]) i++;
      if (i === len) return off;
    }
    off = p + len;
  }
  return -1;
}

/** Offset in buf[0, end) where (s, m) goes to keep the order. */
function insertPos(buf: Buffer, end: number, m: Uint8Array, s: number): number {
  let off = 0;
  while (off < end) {
    const es = readScore(buf, off);
    readVarint(buf, off + 8);
    if (es > s || (es === s && compareBytes(buf, vOff, vLen, m) > 0)) return off;
    off = vOff + vLen;
  }
  return end;
}

function writeEntry(buf: Buffer, off: number, m: Uint8Array, s: number): void {
  // A listpack stores integral scores as integers, so -0 reads back as 0.
  viewOf(buf).setFloat64(off, s === 0 ? 0 : s, true);
  const p = writeVarint(buf, off + 8, m.length);
  if (m.length <= 32) for (let i = 0; i < m.length; i++) buf[p + i] = m[i]!;
  else buf.set(m, p);
}

/** Offset of the entry with index i (i = count gives the end). */
function offsetOf(buf: Buffer, i: number): number {
  let off = 0;
  while (i-- > 0) { readVarint(buf, off + 8); off = vOff + vLen; }
  return off;
}

/** An element collected for building a result set (ZUNIONSTORE, ZRANGESTORE ...). */
export interface ZEntry { m: Buffer; s: number }

/** Orders entries by score, then member bytes. */
export function compareEntries(a: ZEntry, b: ZEntry): number {
  if (a.s < b.s) return -1;
  if (a.s > b.s) return 1;
  return Buffer.compare(a.m, b.m);
}

/**
 * Builds a sorted set from entries already in order, in the compact representation when
 * `pack` says so.
 */
export function buildZset(entries: ZEntry[], pack: boolean): ZsetObj {
  if (pack) {
    let size = 0;
    for (const e of entries) size += 8 + varintSize(e.m.length) + e.m.length;
    const buf = acquire('', size);
    try {
      let off = 0;
      for (const e of entries) {
        writeEntry(buf, off, e.m, e.s);
        off += 8 + varintSize(e.m.length) + e.m.length;
      }
      const z = new ZPack();
      z.s = buf.latin1Slice(0, size);
      z.count = entries.length;
      return z;
    } finally { release(buf); }
  }
  let bytes = 0;
  for (const e of entries) bytes += varintSize(e.m.length) + e.m.length;
  const z = new ZSkiplist(entries.length, bytes);
  for (const e of entries) z.appendSorted(e.m, 0, e.m.length, e.s);
  z.finishAppend();
  return z;
}
