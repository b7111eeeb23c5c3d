// Set values in the three representations Valkey uses, switching between them at the same
// thresholds:
//
//  - intset:    a sorted array of integers in the narrowest of 16/32/64-bit widths that holds
//               them all (the width only ever grows), for small sets of integers;
//  - listpack:  members packed one after another in one byte buffer ([varint length][bytes]),
//               searched linearly, kept in insertion order; for small sets;
//  - hashtable: the same packed byte buffer (entries may leave holes, compacted when they
//               add up) plus a dense index (entry offset and hash per member, members
//               0..n-1) and an open-addressing table (linear probing, backward-shift deletion)
//               mapping hashes to dense positions. Removal moves the last member into the hole,
//               so members stay dense: random members are uniform and O(1), and SSCAN walks the
//               dense positions downwards, which returns every member present for the whole
//               scan even when members are added or removed between calls.
//
// Members are binary strings. Integer members of an intset are canonical decimal strings
// (Valkey's string2ll: no sign '+', no leading zeros, no "-0", within int64).
import { hashBytes } from '../store/hash.js';
import { ENC_HT, ENC_INTSET, ENC_LISTPACK } from '../store/types.js';

/** Encoding thresholds (set-max-intset-entries, set-max-listpack-entries, set-max-listpack-value). */
export interface SetLimits {
  maxIntset: number;
  maxLpEntries: number;
  maxLpValue: number;
}

/** A member as stored: bytes (a view, valid until the set changes) or an intset integer. */
export type Member = Buffer | number | bigint;

const I16_MIN = -32768, I16_MAX = 32767;
const I32_MIN = -2147483648, I32_MAX = 2147483647;
const I64_MIN = -(1n << 63n), I64_MAX = (1n << 63n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);

/** Intsets hold at most 2^30 entries whatever the configuration says. */
const INTSET_HARD_MAX = 1 << 30;

/**
 * Parses a member as Valkey's string2ll does. Returns a number when it is exact (|v| < 2^53),
 * a bigint for the rest of the int64 range, null when the bytes are not a canonical integer.
 */
export function memberToInt(b: Uint8Array): number | bigint | null {
  const n = b.length;
  if (n === 0 || n > 20) return null;
  let i = 0;
  const neg = b[0] === 45;
  if (neg) { if (n === 1) return null; i = 1; }
  const d0 = b[i]!;
  if (d0 === 48) return n === 1 ? 0 : null;
  if (d0 < 49 || d0 > 57) return null;
  if (n - i <= 15) {
    let v = 0;
    for (; i < n; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    return neg ? -v : v;
  }
  let v = 0n;
  for (; i < n; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10n + BigInt(c);
  }
  if (neg) v = -v;
  if (v < I64_MIN || v > I64_MAX) return null;
  return v >= -SAFE_MAX && v <= SAFE_MAX ? Number(v) : v;
}

/** Bytes of a member (integers as their decimal text). */
export function memberBytes(m: Member): Buffer {
  return typeof m === 'object' ? m : Buffer.from(String(m), 'latin1');
}

function varintSize(len: number): number {
  let s = 1;
  while (len >= 0x80) { len = Math.floor(len / 128); s++; }
  return s;
}

function widthOf(v: number | bigint): 2 | 4 | 8 {
  if (typeof v === 'bigint') return 8;
  if (v >= I16_MIN && v <= I16_MAX) return 2;
  if (v >= I32_MIN && v <= I32_MAX) return 4;
  return 8;
}

type IntArray = Int16Array | Int32Array | BigInt64Array;

function newIntArray(width: 2 | 4 | 8, cap: number): IntArray {
  return width === 2 ? new Int16Array(cap) : width === 4 ? new Int32Array(cap) : new BigInt64Array(cap);
}

/** An int64 read from a BigInt64Array as a number when exact. */
function normInt(v: bigint): number | bigint {
  return v >= -SAFE_MAX && v <= SAFE_MAX ? Number(v) : v;
}

function nextPow2(n: number): number {
  let s = 8;
  while (s < n) s *= 2;
  return s;
}

/** Table capacity for n members (load factor at most 3/4). */
function tableCapFor(n: number): number { return nextPow2(Math.ceil((n * 4) / 3) + 1); }

export class SetObject {
  /** ENC_INTSET, ENC_LISTPACK or ENC_HT. */
  enc: number;
  /** Number of members. */
  n = 0;

  // ---- intset
  private ints: IntArray | null = null;
  private width: 2 | 4 | 8 = 2;

  // ---- listpack and hashtable: packed entries
  private buf: Buffer = EMPTY;
  private used = 0;

  // ---- hashtable index
  private offs: Uint32Array | null = null;
  private hashes: Uint32Array | null = null;
  private table: Int32Array | null = null;
  private mask = 0;
  /** Bytes of removed entries still in `buf`. */
  private garbage = 0;

  /** Set by dataAt(): the length of the entry just decoded. */
  private lastLen = 0;

  private constructor(enc: number) { this.enc = enc; }

  // ================================================================ construction

  static intset(): SetObject {
    const s = new SetObject(ENC_INTSET);
    s.ints = new Int16Array(4);
    return s;
  }

  static listpack(capBytes = 16): SetObject {
    const s = new SetObject(ENC_LISTPACK);
    s.buf = Buffer.alloc(Math.max(capBytes, 8));
    return s;
  }

  static hashtable(cap = 0): SetObject {
    const s = new SetObject(ENC_HT);
    s.buf = Buffer.alloc(64);
    s.initIndex(Math.max(cap, 4));
    return s;
  }

  /** The empty set Valkey's setTypeCreate picks for a first member and a size hint. */
  static create(first: Uint8Array, sizeHint: number, lim: SetLimits): SetObject {
    if (sizeHint <= lim.maxIntset && memberToInt(first) !== null) return SetObject.intset();
    if (sizeHint <= lim.maxLpEntries) return SetObject.listpack();
    return SetObject.hashtable(sizeHint);
  }

  /** Number of members (also read by DEBUG HTSTATS-KEY). */
  get size(): number { return this.n; }

  // ================================================================ conversions

  /** Converts to a hashtable up front when `sizeHint` more members would not fit (setTypeMaybeConvert). */
  maybeConvert(sizeHint: number, lim: SetLimits): void {
    if ((this.enc === ENC_LISTPACK && sizeHint > lim.maxLpEntries) ||
        (this.enc === ENC_INTSET && sizeHint > lim.maxIntset)) {
      this.convertTo(ENC_HT, sizeHint);
    }
  }

  /** Changes the representation; `cap` presizes the hashtable. */
  convertTo(enc: number, cap = this.n): void {
    if (enc === this.enc) return;
    if (enc === ENC_INTSET) { this.toIntset(); return; }
    if (this.enc === ENC_INTSET) {
      // Integers to packed text.
      const ints = this.ints!;
      const n = this.n;
      let bytes = 0;
      const texts: string[] = new Array(n);
      for (let i = 0; i < n; i++) { const t = String(ints[i]!); texts[i] = t; bytes += t.length + 1; }
      this.buf = Buffer.alloc(Math.max(bytes + (enc === ENC_LISTPACK ? 24 : 0), 8));
      let p = 0;
      for (let i = 0; i < n; i++) { const t = texts[i]!; this.buf[p++] = t.length; p += this.buf.latin1Write(t, p); }
      this.used = p;
      this.ints = null;
    }
    if (enc === ENC_HT) {
      // The packed entries stay where they are; index them.
      this.enc = ENC_HT;
      this.initIndex(Math.max(cap, this.n));
      const n = this.n;
      const offs = this.offs!, hashes = this.hashes!;
      let off = 0;
      for (let i = 0; i < n; i++) {
        const start = this.dataAt(off);
        const len = this.lastLen;
        offs[i] = off;
        const h = hashBytes(this.buf, start, len);
        hashes[i] = h;
        this.tableInsert(h, i);
        off = start + len;
      }
    } else {
      this.enc = ENC_LISTPACK;
    }
  }

  /** Rebuilds as an intset (every member must be an integer). */
  private toIntset(): void {
    const vals: Array<number | bigint> = [];
    let width = 2 as 2 | 4 | 8;
    this.forEach((m) => {
      const v = memberToInt(m);
      if (v === null) throw new Error('set member is not an integer');
      vals.push(v);
      const w = widthOf(v);
      if (w > width) width = w;
    });
    vals.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const arr = newIntArray(width, Math.max(vals.length, 4));
    if (width === 8) for (let i = 0; i < vals.length; i++) (arr as BigInt64Array)[i] = BigInt(vals[i]!);
    else for (let i = 0; i < vals.length; i++) (arr as Int32Array)[i] = vals[i] as number;
    this.enc = ENC_INTSET;
    this.ints = arr;
    this.width = width;
    this.buf = EMPTY;
    this.used = 0;
    this.offs = this.hashes = null;
    this.table = null;
    this.garbage = 0;
  }

  /**
   * Converts to an intset when every member is an integer and the intset limit allows it
   * (Valkey's maybeConvertToIntset, used by SINTERSTORE).
   */
  maybeConvertToIntset(lim: SetLimits): void {
    if (this.enc === ENC_INTSET) return;
    if (this.n > Math.min(lim.maxIntset, INTSET_HARD_MAX)) return;
    this.toIntset();
  }

  // ================================================================ membership

  has(m: Uint8Array): boolean {
    if (this.enc === ENC_INTSET) {
      const v = memberToInt(m);
      return v !== null && this.intFind(v) >= 0;
    }
    if (this.enc === ENC_LISTPACK) return this.lpFind(m) >= 0;
    return this.htFind(m, hashBytes(m, 0, m.length)) >= 0;
  }

  /** Membership of a member given in stored form (an integer from an intset, or bytes). */
  hasMember(m: Member): boolean {
    if (typeof m === 'object') return this.has(m);
    if (this.enc === ENC_INTSET) return this.intFind(m) >= 0;
    return this.has(memberBytes(m));
  }

  // ================================================================ add / remove

  /** Adds a member; true when it was not there. Converts as Valkey's setTypeAdd does. */
  add(m: Uint8Array, lim: SetLimits): boolean {
    const enc = this.enc;
    if (enc === ENC_HT) return this.htAdd(m, hashBytes(m, 0, m.length));
    if (enc === ENC_LISTPACK) {
      if (this.lpFind(m) >= 0) return false;
      if (this.n < lim.maxLpEntries && m.length <= lim.maxLpValue) {
        this.append(m);
        this.n++;
        return true;
      }
      this.convertTo(ENC_HT, this.n + 1);
      this.htAdd(m, hashBytes(m, 0, m.length));
      return true;
    }
    // intset
    const v = memberToInt(m);
    if (v !== null) return this.addInt(v, lim);
    // A non-integer: listpack when it stays within the listpack limits, else hashtable.
    let maxLen = 0;
    if (this.n > 0) {
      maxLen = Math.max(String(this.intAt(0)).length, String(this.intAt(this.n - 1)).length);
    }
    if (this.n < lim.maxLpEntries && m.length <= lim.maxLpValue && maxLen <= lim.maxLpValue) {
      this.convertTo(ENC_LISTPACK, this.n + 1);
      this.append(m);
      this.n++;
    } else {
      this.convertTo(ENC_HT, this.n + 1);
      this.htAdd(m, hashBytes(m, 0, m.length));
    }
    return true;
  }

  /** Adds an integer member (setTypeAddAux with an integer). */
  addInt(v: number | bigint, lim: SetLimits): boolean {
    if (this.enc !== ENC_INTSET) return this.add(memberBytes(v), lim);
    if (!this.intAdd(v)) return false;
    if (this.n > Math.min(lim.maxIntset, INTSET_HARD_MAX)) this.convertTo(ENC_HT, this.n);
    return true;
  }

  /** Adds a member given in stored form. */
  addMember(m: Member, lim: SetLimits): boolean {
    return typeof m === 'object' ? this.add(m, lim) : this.addInt(m, lim);
  }

  /** Removes a member; true when it was there. */
  remove(m: Uint8Array): boolean {
    if (this.enc === ENC_INTSET) {
      const v = memberToInt(m);
      if (v === null) return false;
      const i = this.intFind(v);
      if (i < 0) return false;
      this.intRemoveAt(i);
      return true;
    }
    if (this.enc === ENC_LISTPACK) {
      const off = this.lpFind(m);
      if (off < 0) return false;
      this.lpRemoveAt(off);
      return true;
    }
    const idx = this.htFind(m, hashBytes(m, 0, m.length));
    if (idx < 0) return false;
    this.htRemoveIndex(idx);
    return true;
  }

  removeMember(m: Member): boolean {
    if (typeof m === 'object') return this.remove(m);
    if (this.enc === ENC_INTSET) {
      const i = this.intFind(m);
      if (i < 0) return false;
      this.intRemoveAt(i);
      return true;
    }
    return this.remove(memberBytes(m));
  }

  // ================================================================ positional access

  /**
   * The member at position i (0 <= i < n): intset order (ascending), listpack order
   * (insertion; O(i) to reach), hashtable dense order. Byte members are views into the set.
   */
  memberAt(i: number): Member {
    if (this.enc === ENC_INTSET) return this.intAt(i);
    if (this.enc === ENC_HT) {
      const start = this.dataAt(this.offs![i]!);
      return this.buf.subarray(start, start + this.lastLen);
    }
    let off = 0;
    for (let k = 0; k < i; k++) off = this.dataAt(off) + this.lastLen;
    const start = this.dataAt(off);
    return this.buf.subarray(start, start + this.lastLen);
  }

  /** A uniformly random member (the set must not be empty). */
  randomMember(): Member {
    return this.memberAt(Math.floor(Math.random() * this.n));
  }

  /** Removes and returns a uniformly random member (copied out of the set). */
  popRandom(): Member {
    const i = Math.floor(Math.random() * this.n);
    if (this.enc === ENC_INTSET) {
      const v = this.intAt(i);
      this.intRemoveAt(i);
      return v;
    }
    if (this.enc === ENC_HT) {
      const start = this.dataAt(this.offs![i]!);
      const copy = Buffer.from(this.buf.subarray(start, start + this.lastLen));
      this.htRemoveIndex(i);
      return copy;
    }
    let off = 0;
    for (let k = 0; k < i; k++) off = this.dataAt(off) + this.lastLen;
    const start = this.dataAt(off);
    const copy = Buffer.from(this.buf.subarray(start, start + this.lastLen));
    this.lpRemoveAt(off);
    return copy;
  }

  /**
   * Picks `k` distinct positions uniformly (k <= n) in ascending order, in one pass — the
   * selection sampling Valkey's lpNextRandom does over a listpack.
   */
  samplePositions(k: number): number[] {
    const out: number[] = [];
    const n = this.n;
    for (let i = 0; i < n && out.length < k; i++) {
      const need = k - out.length;
      if (Math.random() * (n - i) < need) out.push(i);
    }
    return out;
  }

  /** The members at ascending positions `pos`, in one pass (copies when `copy`). */
  membersAt(pos: number[], copy: boolean): Member[] {
    const out: Member[] = new Array(pos.length);
    if (this.enc !== ENC_LISTPACK) {
      for (let j = 0; j < pos.length; j++) {
        const m = this.memberAt(pos[j]!);
        out[j] = copy && typeof m === 'object' ? Buffer.from(m) : m;
      }
      return out;
    }
    let off = 0, i = 0;
    for (let j = 0; j < pos.length; j++) {
      const p = pos[j]!;
      for (; i < p; i++) off = this.dataAt(off) + this.lastLen;
      const start = this.dataAt(off);
      const v = this.buf.subarray(start, start + this.lastLen);
      out[j] = copy ? Buffer.from(v) : v;
    }
    return out;
  }

  /** Removes the members at ascending positions `pos` (listpack: one pass; others: any order). */
  removePositions(pos: number[]): void {
    if (this.enc === ENC_LISTPACK) {
      // Compact in one pass, skipping the removed entries.
      let off = 0, w = 0, j = 0;
      const n = this.n;
      for (let i = 0; i < n; i++) {
        const start = this.dataAt(off);
        const end = start + this.lastLen;
        if (j < pos.length && pos[j] === i) { j++; }
        else {
          if (w !== off) this.buf.copyWithin(w, off, end);
          w += end - off;
        }
        off = end;
      }
      this.used = w;
      this.n -= pos.length;
      return;
    }
    // Highest first, so positions stay valid (removal only moves the last member).
    for (let j = pos.length - 1; j >= 0; j--) {
      if (this.enc === ENC_INTSET) this.intRemoveAt(pos[j]!);
      else this.htRemoveIndex(pos[j]!);
    }
  }

  // ================================================================ iteration

  /** Calls fn with every member as bytes (views valid during the call only). */
  forEach(fn: (m: Buffer) => void): void {
    if (this.enc === ENC_INTSET) {
      const ints = this.ints!;
      for (let i = 0; i < this.n; i++) fn(Buffer.from(String(ints[i]!), 'latin1'));
      return;
    }
    if (this.enc === ENC_LISTPACK) {
      let off = 0;
      for (let i = 0; i < this.n; i++) {
        const start = this.dataAt(off);
        const end = start + this.lastLen;
        fn(this.buf.subarray(start, end));
        off = end;
      }
      return;
    }
    const offs = this.offs!;
    for (let i = 0; i < this.n; i++) {
      const start = this.dataAt(offs[i]!);
      fn(this.buf.subarray(start, start + this.lastLen));
    }
  }

  /**
   * Visits every member without creating views: packed members as (buf, start, end),
   * intset members as integers.
   */
  visit(onBytes: (buf: Buffer, start: number, end: number) => void, onInt: (v: number | bigint) => void): void {
    if (this.enc === ENC_INTSET) {
      const ints = this.ints!;
      if (this.width === 8) for (let i = 0; i < this.n; i++) onInt(normInt((ints as BigInt64Array)[i]!));
      else for (let i = 0; i < this.n; i++) onInt((ints as Int32Array)[i]!);
      return;
    }
    const buf = this.buf;
    if (this.enc === ENC_LISTPACK) {
      let off = 0;
      for (let i = 0; i < this.n; i++) {
        const start = this.dataAt(off);
        const end = start + this.lastLen;
        onBytes(buf, start, end);
        off = end;
      }
      return;
    }
    const offs = this.offs!;
    for (let i = 0; i < this.n; i++) {
      const start = this.dataAt(offs[i]!);
      onBytes(buf, start, start + this.lastLen);
    }
  }

  /** Every member in stored form (byte members copied when `copy`). */
  members(copy = false): Member[] {
    const out: Member[] = [];
    if (this.enc === ENC_INTSET) {
      for (let i = 0; i < this.n; i++) out.push(this.intAt(i));
      return out;
    }
    this.forEach((m) => out.push(copy ? Buffer.from(m) : m));
    return out;
  }

  /**
   * One step of SSCAN over a hashtable: visits up to `count` members walking the dense
   * positions downwards from `cursor` (0 = start). Returns the next cursor, 0 when done.
   */
  scan(cursor: number, count: number, fn: (m: Buffer) => void): number {
    let p = cursor === 0 ? this.n : Math.min(cursor, this.n);
    while (count-- > 0 && p > 0) {
      p--;
      const m = this.memberAt(p);
      fn(memberBytes(m));
    }
    return p;
  }

  // ================================================================ StoredObject

  memoryUsage(): number {
    let n = 64;
    if (this.ints) n += this.ints.byteLength;
    n += this.buf.length;
    if (this.offs) n += this.offs.byteLength + this.hashes!.byteLength + this.table!.byteLength;
    return n;
  }

  /** Work to free this set (UNLINK frees big hashtables lazily, as Valkey does). */
  freeEffort(): number { return this.enc === ENC_HT ? this.n : 1; }

  clone(): SetObject {
    const s = new SetObject(this.enc);
    s.n = this.n;
    s.width = this.width;
    if (this.ints) s.ints = this.ints.slice() as IntArray;
    if (this.enc !== ENC_INTSET) {
      s.buf = Buffer.alloc(Math.max(this.used, 8));
      this.buf.copy(s.buf, 0, 0, this.used);
      s.used = this.used;
    }
    if (this.offs) {
      s.offs = this.offs.slice();
      s.hashes = this.hashes!.slice();
      s.table = this.table!.slice();
      s.mask = this.mask;
      s.garbage = this.garbage;
    }
    return s;
  }

  /** Bytes Valkey's RDB serialization would take (approximately), for DEBUG OBJECT. */
  serializedLength(): number {
    if (this.enc === ENC_INTSET) return 8 + this.n * this.width + 2;
    let bytes = 0;
    this.visit((_b, s, e) => { bytes += e - s + 2; }, () => {});
    return bytes + (this.enc === ENC_LISTPACK ? 7 : 5);
  }

  // ================================================================ intset internals

  /** The i-th smallest integer. */
  intAt(i: number): number | bigint {
    const v = this.ints![i]!;
    return typeof v === 'bigint' ? normInt(v) : v;
  }

  /** Position of v, or -(insertion point) - 1. */
  private intFind(v: number | bigint): number {
    const ints = this.ints!;
    let lo = 0, hi = this.n - 1;
    if (this.width === 8) {
      const x = BigInt(v);
      const arr = ints as BigInt64Array;
      while (lo <= hi) {
        const mid = (lo + hi) >>> 1;
        const m = arr[mid]!;
        if (m < x) lo = mid + 1; else if (m > x) hi = mid - 1; else return mid;
      }
      return -lo - 1;
    }
    if (typeof v === 'bigint' || widthOf(v) > this.width) {
      // Outside the current width: not present; it would go to one end.
      return v < 0 ? -1 : -this.n - 1;
    }
    const arr = ints as Int32Array;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = arr[mid]!;
      if (m < v) lo = mid + 1; else if (m > v) hi = mid - 1; else return mid;
    }
    return -lo - 1;
  }

  private intAdd(v: number | bigint): boolean {
    const w = widthOf(v);
    if (w > this.width) this.intUpgrade(w);
    const pos = this.intFind(v);
    if (pos >= 0) return false;
    const at = -pos - 1;
    let ints = this.ints!;
    if (this.n === ints.length) {
      const grown = newIntArray(this.width, Math.max(4, this.n + (this.n >> 1) + 1));
      (grown as Int32Array).set(ints as Int32Array);
      ints = this.ints = grown;
    }
    if (at < this.n) ints.copyWithin(at + 1, at, this.n);
    if (this.width === 8) (ints as BigInt64Array)[at] = BigInt(v);
    else (ints as Int32Array)[at] = v as number;
    this.n++;
    return true;
  }

  private intUpgrade(width: 2 | 4 | 8): void {
    const old = this.ints!;
    const arr = newIntArray(width, Math.max(4, this.n + 1));
    if (width === 8) for (let i = 0; i < this.n; i++) (arr as BigInt64Array)[i] = BigInt(old[i] as number);
    else (arr as Int32Array).set((old as Int16Array).subarray(0, this.n));
    this.ints = arr;
    this.width = width;
  }

  private intRemoveAt(i: number): void {
    const ints = this.ints!;
    ints.copyWithin(i, i + 1, this.n);
    this.n--;
    if (ints.length > 16 && this.n * 4 < ints.length) {
      const shrunk = newIntArray(this.width, Math.max(4, this.n * 2));
      (shrunk as Int32Array).set((ints as Int32Array).subarray(0, this.n));
      this.ints = shrunk;
    }
  }

  // ================================================================ packed-entry internals

  /** Decodes the entry header at `off`: returns where its bytes start, sets lastLen. */
  private dataAt(off: number): number {
    const buf = this.buf;
    let b = buf[off++]!;
    if (b < 0x80) { this.lastLen = b; return off; }
    let len = b & 0x7f, mul = 128;
    for (;;) {
      b = buf[off++]!;
      len += (b & 0x7f) * mul;
      if (b < 0x80) break;
      mul *= 128;
    }
    this.lastLen = len;
    return off;
  }

  /** Appends an entry; returns its offset. */
  private append(m: Uint8Array): number {
    const len = m.length;
    const need = varintSize(len) + len;
    if (this.used + need > this.buf.length) this.growBuf(need);
    const buf = this.buf;
    const off = this.used;
    let p = off;
    let l = len;
    while (l >= 0x80) { buf[p++] = (l % 128) | 0x80; l = Math.floor(l / 128); }
    buf[p++] = l;
    if (len <= 32) for (let i = 0; i < len; i++) buf[p + i] = m[i]!;
    else buf.set(m, p);
    this.used = p + len;
    return off;
  }

  private growBuf(need: number): void {
    if (this.enc === ENC_HT && this.garbage > 0 && this.garbage * 2 >= this.used) {
      this.compact(need);
      return;
    }
    const cap = this.buf.length;
    const want = this.used + need;
    let size = cap < 64 ? Math.max(cap * 2, 16) : cap + (cap >> 1);
    if (size < want) size = want + (want >> 3);
    const nb = Buffer.alloc(size);
    this.buf.copy(nb, 0, 0, this.used);
    this.buf = nb;
  }

  /** Rewrites the hashtable's entries without holes, leaving room for `extra` bytes. */
  private compact(extra: number): void {
    const live = this.used - this.garbage;
    const size = Math.max(16, live + extra + ((live + extra) >> 2));
    const nb = Buffer.alloc(size);
    const offs = this.offs!;
    let p = 0;
    for (let i = 0; i < this.n; i++) {
      const off = offs[i]!;
      const start = this.dataAt(off);
      const end = start + this.lastLen;
      this.buf.copy(nb, p, off, end);
      offs[i] = p;
      p += end - off;
    }
    this.buf = nb;
    this.used = p;
    this.garbage = 0;
  }

  private bytesEqual(start: number, m: Uint8Array): boolean {
    const buf = this.buf;
    const len = m.length;
    for (let i = 0; i < len; i++) if (buf[start + i] !== m[i]) return false;
    return true;
  }

  /** Offset of the listpack entry equal to m, or -1. */
  private lpFind(m: Uint8Array): number {
    const len = m.length;
    let off = 0;
    for (let i = 0; i < this.n; i++) {
      const start = this.dataAt(off);
      const l = this.lastLen;
      if (l === len && this.bytesEqual(start, m)) return off;
      off = start + l;
    }
    return -1;
  }

  private lpRemoveAt(off: number): void {
    const end = this.dataAt(off) + this.lastLen;
    this.buf.copyWithin(off, end, this.used);
    this.used -= end - off;
    this.n--;
    if (this.buf.length > 256 && this.used * 4 < this.buf.length) {
      const nb = Buffer.alloc(Math.max(16, this.used * 2));
      this.buf.copy(nb, 0, 0, this.used);
      this.buf = nb;
    }
  }

  // ================================================================ hashtable internals

  private initIndex(cap: number): void {
    this.offs = new Uint32Array(cap);
    this.hashes = new Uint32Array(cap);
    const tcap = tableCapFor(cap);
    this.table = new Int32Array(tcap);
    this.mask = tcap - 1;
  }

  private tableInsert(h: number, idx: number): void {
    const table = this.table!;
    const mask = this.mask;
    let s = h & mask;
    while (table[s] !== 0) s = (s + 1) & mask;
    table[s] = idx + 1;
  }

  /** Dense position of the member, or -1. */
  private htFind(m: Uint8Array, h: number): number {
    const table = this.table!, hashes = this.hashes!, offs = this.offs!;
    const mask = this.mask;
    const len = m.length;
    let s = h & mask;
    for (;;) {
      const t = table[s]!;
      if (t === 0) return -1;
      const idx = t - 1;
      if (hashes[idx] === h) {
        const start = this.dataAt(offs[idx]!);
        if (this.lastLen === len && this.bytesEqual(start, m)) return idx;
      }
      s = (s + 1) & mask;
    }
  }

  private htAdd(m: Uint8Array, h: number): boolean {
    if (this.htFind(m, h) >= 0) return false;
    const n = this.n;
    if (n === this.offs!.length) {
      const cap = Math.max(8, n + (n >> 1));
      const o = new Uint32Array(cap); o.set(this.offs!); this.offs = o;
      const hs = new Uint32Array(cap); hs.set(this.hashes!); this.hashes = hs;
    }
    if ((n + 1) * 4 > (this.mask + 1) * 3) this.rebuildTable(tableCapFor(n + 1) * 2);
    this.offs![n] = this.append(m);
    this.hashes![n] = h;
    this.tableInsert(h, n);
    this.n = n + 1;
    return true;
  }

  private rebuildTable(tcap: number): void {
    this.table = new Int32Array(tcap);
    this.mask = tcap - 1;
    const hashes = this.hashes!;
    for (let i = 0; i < this.n; i++) this.tableInsert(hashes[i]!, i);
  }

  /** Table slot holding dense position idx. */
  private slotOf(idx: number): number {
    const table = this.table!;
    const mask = this.mask;
    let s = this.hashes![idx]! & mask;
    while (table[s] !== idx + 1) s = (s + 1) & mask;
    return s;
  }

  private htRemoveIndex(idx: number): void {
    const table = this.table!, hashes = this.hashes!, offs = this.offs!;
    const mask = this.mask;
    // Free the slot, shifting back the entries of the probe run that follows it.
    let hole = this.slotOf(idx);
    let j = hole;
    for (;;) {
      j = (j + 1) & mask;
      const t = table[j]!;
      if (t === 0) break;
      const home = hashes[t - 1]! & mask;
      // Move t into the hole unless its home lies cyclically in (hole, j].
      const inRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!inRange) { table[hole] = t; hole = j; }
    }
    table[hole] = 0;
    // Account for the entry bytes left behind.
    const start = this.dataAt(offs[idx]!);
    this.garbage += start + this.lastLen - offs[idx]!;
    // Keep positions dense: the last member takes the freed position.
    const last = this.n - 1;
    if (idx !== last) {
      const s = this.slotOf(last);
      table[s] = idx + 1;
      offs[idx] = offs[last]!;
      hashes[idx] = hashes[last]!;
    }
    this.n = last;
    if (this.n === 0) {
      this.used = 0;
      this.garbage = 0;
    } else if (this.garbage > 4096 && this.garbage * 2 > this.used) {
      this.compact(0);
    }
    // Shrink the index when it is mostly empty.
    const tcap = this.mask + 1;
    if (tcap > 16 && this.n * 8 < tcap) {
      const cap = Math.max(8, this.n * 2);
      this.offs = offs.slice(0, cap);
      this.hashes = hashes.slice(0, cap);
      this.rebuildTable(tableCapFor(cap));
    }
  }
}

const EMPTY = Buffer.alloc(0);
