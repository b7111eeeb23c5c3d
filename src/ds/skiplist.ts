// The large sorted-set representation (Valkey's "skiplist" encoding): a skiplist with spans
// (so ranks are O(log n)) plus a hash index from member to node, all stored in one typed-array
// heap so a member costs a few dozen bytes instead of several JS objects, and one descent step
// touches a single node record.
//
// A node is the word offset of its record in the heap (Uint32 words, 8-byte aligned); the
// header is the record at offset 0, so 0 also means "no node" in links. A record with k levels:
//   [0,1]  score (float64)
//   [2]    offset of its member in `mem` (entry = varint length + bytes)
//   [3]    next node in its hash bucket (also links free records)
//   [4]    forward link at level 0
//   [5]    k
//   [4+2i, 5+2i] forward link and span at level i >= 1
// i.e. 4 + 2k words. Level-0 spans are always 1 and are not stored. The span of a missing
// forward link is the distance to the end of the list (length - rank), which keeps insertion
// and deletion arithmetic uniform.
//
// There are no backward links: reverse walks find their window by rank and walk it forwards.
import { hashBytes } from '../store/hash.js';
import type { LexBound, ZsetObj, ZVisitor } from './zset.js';
import { compareBytes, lexGteMin, lexLteMax } from './zset.js';
import { rev32 } from '../util/bits.js';

const MAX_LEVEL = 32;
const HEADER_WORDS = 4 + 2 * MAX_LEVEL;

// xorshift32 for level draws (P = 1/4 per extra level, as Valkey).
let rnd = (Math.random() * 0xffffffff) >>> 0 || 1;
function randomLevel(): number {
  let level = 1;
  for (;;) {
    rnd ^= rnd << 13; rnd ^= rnd >>> 17; rnd ^= rnd << 5;
    if ((rnd & 3) !== 0 || level >= MAX_LEVEL) return level;
    level++;
  }
}

// Scratch arrays for descents (single-threaded, never re-entered).
const update = new Uint32Array(MAX_LEVEL);
const rankAt = new Float64Array(MAX_LEVEL);

function grow(n: number): number { return n < 65536 ? n * 2 : Math.floor(n * 1.25); }

export class ZSkiplist implements ZsetObj {
  readonly isPack = false;
  lastScore = 0;
  length = 0;
  /** Number of levels in use (>= 1). */
  level = 1;
  /** Last node (0 when empty). */
  tail = 0;

  /** The node heap, as words and as doubles (same memory). */
  private h: Uint32Array;
  private d: Float64Array;
  private heapUsed = HEADER_WORDS;
  private heapDead = 0;
  /** Free records per level count (linked through their hash-next word). */
  private free = new Uint32Array(MAX_LEVEL + 1);

  private bk: Uint32Array;

  /** Member entries. */
  mem: Buffer;
  private memUsed = 0;
  private memDead = 0;

  // State of an in-order build (appendSorted / finishAppend).
  private last: Uint32Array | null = null;
  private lastRank: Float64Array | null = null;

  constructor(capacity = 16, memBytes = 256) {
    const words = HEADER_WORDS + Math.ceil(capacity * 6.7) + 8;
    this.h = new Uint32Array(words + (words & 1));
    this.d = new Float64Array(this.h.buffer);
    this.h[5] = MAX_LEVEL;
    let b = 8;
    while (b < capacity) b *= 2;
    this.bk = new Uint32Array(b);
    this.mem = Buffer.allocUnsafeSlow(Math.max(memBytes, 64));
  }

  // ---------------------------------------------------------------- storage

  private allocRecord(levels: number): number {
    const h = this.h;
    const head = this.free[levels]!;
    if (head !== 0) {
      this.free[levels] = h[head + 3]!;
      return head;
    }
    const size = 4 + 2 * levels;
    if (this.heapUsed + size > h.length) {
      let want = grow(h.length);
      if (want < this.heapUsed + size) want = this.heapUsed + size;
      want += want & 1;
      const n = new Uint32Array(want);
      n.set(h.subarray(0, this.heapUsed));
      this.h = n;
      this.d = new Float64Array(n.buffer);
    }
    const x = this.heapUsed;
    this.heapUsed += size;
    return x;
  }

  private writeMember(b: Uint8Array, off: number, len: number): number {
    let size = len + 1;
    for (let n = len; n >= 128; n = Math.floor(n / 128)) size++;
    if (this.memUsed + size > this.mem.length) {
      let want = grow(this.mem.length);
      if (want < this.memUsed + size) want = this.memUsed + size + (this.memUsed >> 2);
      const nb = Buffer.allocUnsafeSlow(want);
      this.mem.copy(nb, 0, 0, this.memUsed);
      this.mem = nb;
    }
    const mem = this.mem;
    let p = this.memUsed;
    const start = p;
    let n = len;
    while (n >= 128) { mem[p++] = (n & 127) | 128; n = Math.floor(n / 128); }
    mem[p++] = n;
    if (len <= 32) for (let i = 0; i < len; i++) mem[p + i] = b[off + i]!;
    else mem.set(b.subarray(off, off + len), p);
    this.memUsed = p + len;
    return start;
  }

  /** New node (not linked) holding member b[off, off+len) and score s. */
  private newNode(b: Uint8Array, off: number, len: number, s: number, levels: number): number {
    const mo = this.writeMember(b, off, len);
    const x = this.allocRecord(levels);
    const h = this.h;
    this.d[x >>> 1] = s;
    h[x + 2] = mo;
    h[x + 3] = 0;
    h[x + 4] = 0;
    h[x + 5] = levels;
    return x;
  }

  private freeNode(x: number): void {
    const h = this.h;
    const k = h[x + 5]!;
    // Member entry: its size counts as garbage until compaction.
    this.decode(h[x + 2]!);
    this.memDead += this.dp + this.dl - h[x + 2]!;
    this.heapDead += 4 + 2 * k;
    h[x + 3] = this.free[k]!;
    this.free[k] = x;
  }

  // Decoded member of the last decode() call: length dl, bytes at mem[dp].
  private dl = 0;
  private dp = 0;

  private decode(p: number): void {
    const mem = this.mem;
    let b = mem[p++]!;
    if (b < 128) { this.dl = b; this.dp = p; return; }
    let n = b & 127, mul = 128;
    for (;;) {
      b = mem[p++]!;
      n += (b & 127) * mul;
      if (b < 128) break;
      mul *= 128;
    }
    this.dl = n; this.dp = p;
  }

  /** Node x sorts before (s, m). */
  private before(x: number, s: number, m: Uint8Array): boolean {
    const xs = this.d[x >>> 1]!;
    if (xs !== s) return xs < s;
    this.decode(this.h[x + 2]!);
    return compareBytes(this.mem, this.dp, this.dl, m) < 0;
  }

  // ---------------------------------------------------------------- hash index

  // A lookup() made just before writing the same member (ZADD: score, then update or add): its
  // hash and node are reused. Cleared by every write, so no argument outlives its command here.
  private lastM: Uint8Array | null = null;
  private lastHash = 0;
  private lastX = 0;
  private hash = 0;

  private findNode(m: Uint8Array): number {
    if (m === this.lastM) return this.lastX;
    const mem = this.mem, h = this.h, ml = m.length;
    const hash = this.hash = hashBytes(m, 0, ml);
    let x = this.bk[hash & (this.bk.length - 1)]!;
    while (x !== 0) {
      const p = h[x + 2]!;
      let len = mem[p]!, q = p + 1;
      if (len >= 128) { this.decode(p); len = this.dl; q = this.dp; }
      if (len === ml) {
        let i = 0;
        while (i < len && mem[q + i] === m[i]) i++;
        if (i === len) return x;
      }
      x = h[x + 3]!;
    }
    return 0;
  }

  private hashOf(x: number): number {
    this.decode(this.h[x + 2]!);
    return hashBytes(this.mem, this.dp, this.dl);
  }

  /** Adds a linked node to the index (the table grows before linking, see add()). */
  private hashInsert(x: number, hash: number): void {
    const b = hash & (this.bk.length - 1);
    this.h[x + 3] = this.bk[b]!;
    this.bk[b] = x;
  }

  private hashRemove(x: number): void {
    const h = this.h;
    const b = this.hashOf(x) & (this.bk.length - 1);
    let p = this.bk[b]!;
    if (p === x) { this.bk[b] = h[x + 3]!; return; }
    while (p !== 0) {
      const n = h[p + 3]!;
      if (n === x) { h[p + 3] = h[x + 3]!; return; }
      p = n;
    }
  }

  private rehash(size: number): void {
    const bk = new Uint32Array(size);
    const mask = size - 1;
    const h = this.h;
    for (let x = h[4]!; x !== 0; x = h[x + 4]!) {
      const b = this.hashOf(x) & mask;
      h[x + 3] = bk[b]!;
      bk[b] = x;
    }
    this.bk = bk;
  }

  // ---------------------------------------------------------------- skiplist core

  /** Links node x (levels, score and member set) into the list. */
  private link(x0: number, s: number, m: Uint8Array): void {
    const h = this.h, d = this.d;
    const lv = h[x0 + 5]!;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      let r = i === this.level - 1 ? 0 : rankAt[i + 1]!;
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        const ys = d[y >>> 1]!;
        if (ys > s || (ys === s && !this.before(y, s, m))) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
      rankAt[i] = r;
      update[i] = x;
    }
    if (lv > this.level) {
      for (let i = this.level; i < lv; i++) {
        rankAt[i] = 0;
        update[i] = 0;
        h[5 + 2 * i] = this.length;
      }
      this.level = lv;
    }
    const r0 = rankAt[0]!;
    for (let i = 0; i < lv; i++) {
      const u = update[i]!, o = 4 + 2 * i;
      h[x0 + o] = h[u + o]!;
      h[u + o] = x0;
      if (i > 0) {
        const us = h[u + o + 1]!;
        h[x0 + o + 1] = us - (r0 - rankAt[i]!);
        h[u + o + 1] = r0 - rankAt[i]! + 1;
      }
    }
    for (let i = lv; i < this.level; i++) h[update[i]! + 5 + 2 * i]++;
    if (h[x0 + 4] === 0) this.tail = x0;
    this.length++;
  }

  /** Fills update[] with the last node before (s, m) at each level. */
  private findUpdate(s: number, m: Uint8Array): void {
    const h = this.h, d = this.d;
    let x = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        const ys = d[y >>> 1]!;
        if (ys > s || (ys === s && !this.before(y, s, m))) break;
        x = y;
      }
      update[i] = x;
    }
  }

  /** Unlinks node x given update[] (the nodes before it at every level). */
  private unlink(x: number): void {
    const h = this.h;
    for (let i = 0; i < this.level; i++) {
      const u = update[i]!, o = 4 + 2 * i;
      if (h[u + o] === x) {
        if (i > 0) h[u + o + 1] = h[u + o + 1]! + h[x + o + 1]! - 1;
        h[u + o] = h[x + o]!;
      } else if (i > 0) {
        h[u + o + 1]--;
      }
    }
    if (this.tail === x) this.tail = update[0]!;
    while (this.level > 1 && h[4 + 2 * (this.level - 1)] === 0) this.level--;
    this.length--;
  }

  /** Node at 1-based rank r (0 when out of range). With `fill`, update[] gets its predecessors. */
  private nodeAtRank(r: number, fill: boolean): number {
    const h = this.h;
    const lim = fill ? r - 1 : r;
    let x = 0, traversed = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        const sp = i === 0 ? 1 : h[x + o + 1]!;
        if (traversed + sp > lim) break;
        traversed += sp;
        x = y;
      }
      if (fill) update[i] = x;
      else if (traversed === r) return x;
    }
    if (fill) return traversed + 1 === r ? h[x + 4]! : 0;
    return 0;
  }

  // ---------------------------------------------------------------- ZsetObj

  score(m: Uint8Array): number {
    const x = this.findNode(m);
    return x === 0 ? NaN : this.d[x >>> 1]!;
  }

  forget(): void { this.lastM = null; }

  lookup(m: Uint8Array): number {
    const x = this.findNode(m);
    this.lastM = m;
    this.lastX = x;
    this.lastHash = this.hash;
    return x === 0 ? NaN : this.d[x >>> 1]!;
  }

  add(m: Uint8Array, s: number): void {
    const hash = m === this.lastM ? this.lastHash : hashBytes(m, 0, m.length);
    this.lastM = null;
    if (this.length + 1 > this.bk.length) this.rehash(this.bk.length * 2);
    const x = this.newNode(m, 0, m.length, s, randomLevel());
    this.link(x, s, m);
    this.hashInsert(x, hash);
  }

  update(m: Uint8Array, cur: number, s: number): void {
    const x = this.findNode(m);
    this.lastM = null;
    if (x === 0) return;
    this.findUpdate(cur, m);
    const h = this.h, d = this.d;
    const prev = update[0]!;
    const next = h[x + 4]!;
    // Stays in place when it still sorts between its neighbours.
    if ((prev === 0 || this.before(prev, s, m)) &&
        (next === 0 || d[next >>> 1]! > s || (d[next >>> 1] === s && !this.before(next, s, m)))) {
      d[x >>> 1] = s;
      return;
    }
    this.unlink(x);
    d[x >>> 1] = s;
    this.link(x, s, m);
  }

  remove(m: Uint8Array): boolean {
    const x = this.findNode(m);
    this.lastM = null;
    if (x === 0) return false;
    this.findUpdate(this.d[x >>> 1]!, m);
    this.unlink(x);
    this.hashRemove(x);
    this.freeNode(x);
    this.maintain();
    return true;
  }

  rank(m: Uint8Array): number {
    const x0 = this.findNode(m);
    if (x0 === 0) return -1;
    const h = this.h, d = this.d;
    const s = d[x0 >>> 1]!;
    let x = 0, r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0 || y === x0) break;
        const ys = d[y >>> 1]!;
        if (ys > s || (ys === s && !this.before(y, s, m))) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
    }
    this.lastScore = s;
    return r;
  }

  firstByScore(min: number, ex: boolean): number {
    const h = this.h, d = this.d;
    let x = 0, r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        const s = d[y >>> 1]!;
        if (ex ? s > min : s >= min) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
    }
    return r;
  }

  lastByScore(max: number, ex: boolean): number {
    const h = this.h, d = this.d;
    let x = 0, r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        const s = d[y >>> 1]!;
        if (!(ex ? s < max : s <= max)) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
    }
    return r - 1;
  }

  firstByLex(min: LexBound): number {
    const h = this.h;
    let x = 0, r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        this.decode(h[y + 2]!);
        if (lexGteMin(this.mem, this.dp, this.dl, min)) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
    }
    return r;
  }

  lastByLex(max: LexBound): number {
    const h = this.h;
    let x = 0, r = 0;
    for (let i = this.level - 1; i >= 0; i--) {
      const o = 4 + 2 * i;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        this.decode(h[y + 2]!);
        if (!lexLteMax(this.mem, this.dp, this.dl, max)) break;
        r += i === 0 ? 1 : h[x + o + 1]!;
        x = y;
      }
    }
    return r - 1;
  }

  /** Node at 0-based index i (the first node when i = 0, the tail when i = length - 1). */
  private nodeAt(i: number): number {
    if (i === 0) return this.h[4]!;
    if (i === this.length - 1) return this.tail;
    return this.nodeAtRank(i + 1, false);
  }

  each(start: number, count: number, rev: boolean, fn: ZVisitor): void {
    if (count <= 0) return;
    const h = this.h, d = this.d;
    if (!rev) {
      let x = this.nodeAt(start);
      while (count-- > 0 && x !== 0) {
        this.decode(h[x + 2]!);
        const nx = h[x + 4]!;
        fn(this.mem, this.dp, this.dl, d[x >>> 1]!);
        x = nx;
      }
      return;
    }
    if (count === 1) {
      const x = this.nodeAt(start);
      this.decode(h[x + 2]!);
      fn(this.mem, this.dp, this.dl, d[x >>> 1]!);
      return;
    }
    // Backwards in windows: find each window's first node by rank, note its nodes, emit reversed.
    const CH = 4096;
    const ids = new Uint32Array(Math.min(count, CH));
    let hi = start;
    const lo = start - count + 1;
    while (hi >= lo) {
      const wlo = Math.max(lo, hi - CH + 1);
      const n = hi - wlo + 1;
      let x = this.nodeAt(wlo);
      for (let k = 0; k < n; k++) { ids[k] = x; x = h[x + 4]!; }
      for (let k = n - 1; k >= 0; k--) {
        const y = ids[k]!;
        this.decode(h[y + 2]!);
        fn(this.mem, this.dp, this.dl, d[y >>> 1]!);
      }
      hi = wlo - 1;
    }
  }

  removeRange(start: number, end: number): void {
    this.lastM = null;
    let x = this.nodeAtRank(start + 1, true);
    for (let k = start; k <= end && x !== 0; k++) {
      const next = this.h[x + 4]!;
      this.unlink(x);
      this.hashRemove(x);
      this.freeNode(x);
      x = next;
    }
    this.maintain();
  }

  // ---------------------------------------------------------------- building, upkeep

  /** Appends an element sorting after every present one (in-order build; call finishAppend). */
  appendSorted(b: Uint8Array, off: number, len: number, s: number): void {
    this.lastM = null;
    if (this.last === null) {
      this.last = new Uint32Array(MAX_LEVEL);
      this.lastRank = new Float64Array(MAX_LEVEL);
      // Continue after the current tail at every level.
      const h = this.h;
      let x = 0, r = 0;
      for (let i = this.level - 1; i >= 0; i--) {
        const o = 4 + 2 * i;
        for (;;) {
          const y = h[x + o]!;
          if (y === 0) break;
          r += i === 0 ? 1 : h[x + o + 1]!;
          x = y;
        }
        this.last[i] = x;
        this.lastRank![i] = r;
      }
    }
    if (this.length + 1 > this.bk.length) this.rehash(this.bk.length * 2);
    const last = this.last, lastRank = this.lastRank!;
    const lv = randomLevel();
    const x = this.newNode(b, off, len, s, lv);
    const h = this.h;
    if (lv > this.level) {
      for (let i = this.level; i < lv; i++) { last[i] = 0; lastRank[i] = 0; }
      this.level = lv;
    }
    const r = ++this.length;
    for (let i = 0; i < lv; i++) {
      const p = last[i]!, o = 4 + 2 * i;
      h[p + o] = x;
      if (i > 0) h[p + o + 1] = r - lastRank[i]!;
      last[i] = x;
      lastRank[i] = r;
    }
    this.tail = x;
    const bkt = hashBytes(b, off, len) & (this.bk.length - 1);
    h[x + 3] = this.bk[bkt]!;
    this.bk[bkt] = x;
  }

  /** Completes an in-order build (the last link of each level). */
  finishAppend(): void {
    const last = this.last;
    if (last === null) return;
    const h = this.h;
    for (let i = 1; i < this.level; i++) {
      const p = last[i]!, o = 4 + 2 * i;
      h[p + o] = 0;
      h[p + o + 1] = this.length - this.lastRank![i]!;
    }
    this.last = null;
    this.lastRank = null;
  }

  /** Compacts storage after deletions: dead records and member bytes, an oversized table. */
  private maintain(): void {
    if ((this.heapDead > 4096 && this.heapDead * 2 > this.heapUsed) ||
        (this.memDead > 4096 && this.memDead * 2 > this.memUsed)) {
      this.rebuild();
      return;
    }
    if (this.bk.length > 16 && this.length * 8 < this.bk.length) {
      let b = 16;
      while (b < this.length * 2) b *= 2;
      this.rehash(b);
    }
  }

  /** Replaces the storage with a compact copy of the same elements. */
  private rebuild(): void {
    const z = this.clone();
    this.h = z.h; this.d = z.d; this.heapUsed = z.heapUsed; this.heapDead = z.heapDead; this.free = z.free;
    this.bk = z.bk; this.mem = z.mem; this.memUsed = z.memUsed; this.memDead = z.memDead;
    this.length = z.length; this.level = z.level; this.tail = z.tail;
  }

  clone(): ZSkiplist {
    const z = new ZSkiplist(this.length, this.memUsed - this.memDead + 16);
    const h = this.h, d = this.d;
    for (let x = h[4]!; x !== 0; x = h[x + 4]!) {
      this.decode(h[x + 2]!);
      z.appendSorted(this.mem, this.dp, this.dl, d[x >>> 1]!);
    }
    z.finishAppend();
    return z;
  }

  memoryUsage(): number { return this.h.byteLength + this.bk.byteLength + this.mem.length + 400; }

  /** Freeing it costs one step per element in Valkey (lazy-free accounting). */
  freeEffort(): number { return this.length; }

  /** Approximate RDB size: a length, then each member as a string and its score as 8 bytes. */
  serializedLength(): number {
    const n = this.length;
    let size = n < 64 ? 1 : n < 16384 ? 2 : 5;
    const h = this.h;
    for (let x = h[4]!; x !== 0; x = h[x + 4]!) {
      this.decode(h[x + 2]!);
      const len = this.dl;
      size += len + (len < 64 ? 1 : len < 16384 ? 2 : 5) + 8;
    }
    return size;
  }

  /** Longest member, in bytes. */
  maxMemberLength(): number {
    const h = this.h;
    let max = 0;
    for (let x = h[4]!; x !== 0; x = h[x + 4]!) {
      this.decode(h[x + 2]!);
      if (this.dl > max) max = this.dl;
    }
    return max;
  }

  /** A uniformly random element. */
  random(fn: ZVisitor): void {
    const x = this.nodeAt(Math.floor(Math.random() * this.length));
    this.decode(this.h[x + 2]!);
    fn(this.mem, this.dp, this.dl, this.d[x >>> 1]!);
  }

  /**
   * One step of a cursor scan over the hash buckets (Valkey's reverse-binary cursor, so elements
   * present for the whole scan are returned at least once across resizes). Returns the next cursor.
   */
  scan(cursor: number, fn: ZVisitor): number {
    const bk = this.bk, h = this.h;
    const mask = bk.length - 1;
    let v = cursor >>> 0;
    for (let x = bk[v & mask]!; x !== 0; x = h[x + 3]!) {
      this.decode(h[x + 2]!);
      fn(this.mem, this.dp, this.dl, this.d[x >>> 1]!);
    }
    v = (v | ~mask) >>> 0;
    v = rev32(v); v = (v + 1) >>> 0; v = rev32(v);
    return v;
  }

  /** Number of hash buckets (for tests). */
  get buckets(): number { return this.bk.length; }

  /** Checks every invariant; returns an error description or null (tests). */
  validate(): string | null {
    const h = this.h;
    let n = 0, prev = 0;
    for (let x = h[4]!; x !== 0; x = h[x + 4]!) {
      n++;
      this.decode(h[x + 2]!);
      const m = Buffer.from(this.mem.subarray(this.dp, this.dp + this.dl));
      if (prev !== 0 && !this.before(prev, this.d[x >>> 1]!, m)) return `order broken at ${n}`;
      if (this.findNode(m) !== x) return `hash misses node ${n}`;
      if (h[x + 5]! < 1 || h[x + 5]! > MAX_LEVEL) return `bad level count at ${n}`;
      prev = x;
    }
    if (n !== this.length) return `length ${this.length} but ${n} nodes`;
    if (this.tail !== prev) return 'tail mismatch';
    for (let i = 1; i < this.level; i++) {
      const o = 4 + 2 * i;
      let x = 0, r = 0;
      for (;;) {
        const y = h[x + o]!;
        if (y === 0) break;
        r += h[x + o + 1]!;
        if (this.nodeAtRank(r, false) !== y) return `span broken at level ${i} rank ${r}`;
        x = y;
      }
      if (h[x + o + 1] !== this.length - r) return `end span at level ${i}`;
    }
    return null;
  }
}

