// The hash value type: a field → value map with optional per-field expiry (Valkey 9).
//
// Two representations, as in Valkey:
//  - listpack: every pair packed, in insertion order, into ONE flat latin1 string (one char per
//    byte: [len][field][len][value]...), searched linearly. A small hash costs one small object
//    and one string — no JS object or ArrayBuffer per field. Used while the hash is small
//    (hash-max-listpack-entries / -value) and no field has a TTL. Every change builds the new
//    packed string in a shared scratch buffer (like a listpack's realloc + memmove), so the
//    stored string is always flat and never references an older one.
//  - hashtable (HashTable): fields and values as flat latin1 strings in dense slot arrays, an
//    open-addressing index from field bytes to slot (so a lookup hashes and compares the
//    argument's bytes: no string is made for a field that is already there), and — only while some field has a TTL — a Float64Array of expiry
//    times per slot plus a min-heap of (expiry, field) for the active expiry job. Dense slots
//    give O(1) uniform random picks and a SCAN cursor that survives inserts and deletes.
//
// Field expiry follows Valkey 9: a field whose time has passed is invisible to every read and
// lookup (lazy expiry hides it) but stays stored — and counted by length — until the active
// expiry job (popExpired) or an overwrite removes it. A hash converts to the hashtable form when
// a field gets a TTL, and never converts back.
//
// This module is pure: no server imports. Times are absolute unix milliseconds; 0 = no expiry.
import type { StoredObject } from '../store/types.js';
import { hashBytes } from '../store/hash.js';

/** Results of set(). */
export const SET_UPDATED = 0;
export const SET_INSERTED = 1;
/** Inserted over a field that had expired but was not yet reclaimed. */
export const SET_OVER_EXPIRED = 2;

/** setExpire() condition flags (as Valkey's EXPIRE_*). */
export const HEXP_NX = 1, HEXP_XX = 2, HEXP_GT = 4, HEXP_LT = 8;

/** setExpire() results: the per-field codes HEXPIRE replies. */
export const HEXP_NO_FIELD = -2;
export const HEXP_CONDITION = 0;
export const HEXP_SET = 1;
export const HEXP_DELETED = 2;

/** Per-entry bookkeeping bytes counted by memoryUsage() for the hashtable form. */
const TABLE_ENTRY_OVERHEAD = 56;
const OBJECT_OVERHEAD = 32;
/** A packed form longer than this converts to the hashtable (keeps strings well below V8's limit). */
const MAX_PACKED = 64 * 1024 * 1024;

/**
 * Where get() found a value: `s.slice(start, end)` without allocating (valid until the next
 * change to the hash).
 */
export const REF = { s: '', start: 0, end: 0 };

// ------------------------------------------------------------------ packed-form helpers

function lenHdr(len: number): number { return len < 0x80 ? 1 : len < 0x4000 ? 2 : 5; }

let scratch = Buffer.allocUnsafeSlow(4096);
function scratchFor(n: number): Buffer {
  if (scratch.length < n) scratch = Buffer.allocUnsafeSlow(Math.max(n, scratch.length * 2));
  return scratch;
}

/** Writes a length header into b at p; returns the position after it. */
function putLen(b: Buffer, p: number, len: number): number {
  if (len < 0x80) { b[p] = len; return p + 1; }
  if (len < 0x4000) { b[p] = 0x80 | (len >>> 8); b[p + 1] = len & 255; return p + 2; }
  b[p] = 0xc0;
  b.writeUInt32BE(len, p + 1);
  return p + 5;
}

// Decoded header of the element at some position of a packed string.
let hLen = 0;
let hStart = 0;
function getLen(s: string, p: number): void {
  const x = s.charCodeAt(p);
  if (x < 0x80) { hLen = x; hStart = p + 1; }
  else if (x < 0xc0) { hLen = ((x & 0x3f) << 8) | s.charCodeAt(p + 1); hStart = p + 2; }
  else {
    hLen = s.charCodeAt(p + 1) * 0x1000000 + ((s.charCodeAt(p + 2) << 16) | (s.charCodeAt(p + 3) << 8) | s.charCodeAt(p + 4));
    hStart = p + 5;
  }
}

function sameBytes(s: string, o: number, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (s.charCodeAt(o + i) !== b[i]) return false;
  return true;
}

function latin1(b: Buffer): string { return b.latin1Slice(0, b.length); }

/** Hash of a latin1 string's bytes (the same value hashBytes gives for the bytes). */
function hashStr(k: string): number {
  const b = scratchFor(k.length);
  b.latin1Write(k, 0, k.length);
  return hashBytes(b, 0, k.length);
}

// ------------------------------------------------------------------ the hashtable form

class HashTable {
  fields: string[] = [];
  vals: string[] = [];
  /** Hash of each slot's field. */
  private hs = new Uint32Array(8);
  /**
   * The index: linear probing, power-of-two size, at most half full; an entry is slot + 1
   * (0 = empty). Deletions shift later entries back (no tombstones).
   */
  private ix = new Int32Array(16);

  /** Slot of the field with bytes b and hash h, or -1 (expired fields included). */
  findBytes(b: Uint8Array, h: number): number {
    const ix = this.ix, hs = this.hs, fields = this.fields;
    const mask = ix.length - 1;
    const n = b.length;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = ix[i]!;
      if (e === 0) return -1;
      const sl = e - 1;
      if (hs[sl] === h) {
        const f = fields[sl]!;
        if (f.length === n && sameBytes(f, 0, b, n)) return sl;
      }
    }
  }

  /** Slot of field k, or -1 (expired fields included). */
  find(k: string): number {
    const h = hashStr(k);
    const ix = this.ix, hs = this.hs, fields = this.fields;
    const mask = ix.length - 1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const e = ix[i]!;
      if (e === 0) return -1;
      if (hs[e - 1] === h && fields[e - 1] === k) return e - 1;
    }
  }

  /** Index position holding slot sl. */
  private posOf(sl: number): number {
    const ix = this.ix;
    const mask = ix.length - 1;
    let i = this.hs[sl]! & mask;
    while (ix[i] !== sl + 1) i = (i + 1) & mask;
    return i;
  }

  private place(sl: number, h: number): void {
    const ix = this.ix;
    const mask = ix.length - 1;
    let i = h & mask;
    while (ix[i] !== 0) i = (i + 1) & mask;
    ix[i] = sl + 1;
  }

  /** Rebuilds the index with `size` positions. */
  private reindex(size: number): void {
    this.ix = new Int32Array(size);
    const hs = this.hs;
    for (let sl = 0; sl < this.fields.length; sl++) this.place(sl, hs[sl]!);
  }

  /** Empties index position i, moving later entries of the run back as needed. */
  private unplace(i: number): void {
    const ix = this.ix, hs = this.hs;
    const mask = ix.length - 1;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const e = ix[j]!;
      if (e === 0) break;
      const home = hs[e - 1]! & mask;
      // The entry at j may fill the hole at i when its home is not in (i, j] (cyclically).
      if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
        ix[i] = e;
        i = j;
      }
    }
    ix[i] = 0;
  }

  /** Number of index positions (tests). */
  get indexSize(): number { return this.ix.length; }
  /** Expiry per slot (0 = none); allocated while some field has a TTL. */
  exps: Float64Array | null = null;
  /** Fields with a TTL (expired-but-unreclaimed ones included). */
  volatileCount = 0;
  heapT: number[] | null = null;
  heapF: string[] | null = null;
  /** Sum of field + value lengths (for memoryUsage). */
  bytes = 0;

  /** Slot of a live (not expired) field, or -1. */
  slotOf(b: Uint8Array, now: number): number {
    const s = this.findBytes(b, hashBytes(b, 0, b.length));
    if (s < 0) return -1;
    const e = this.exps;
    if (e !== null) { const t = e[s]!; if (t !== 0 && t < now) return -1; }
    return s;
  }

  expired(s: number, now: number): boolean {
    const e = this.exps;
    if (e === null) return false;
    const t = e[s]!;
    return t !== 0 && t < now;
  }

  private ensureExps(): Float64Array {
    let e = this.exps;
    const need = this.fields.length;
    if (e === null || e.length < need) {
      const ne = new Float64Array(Math.max(8, need + (need >>> 1)));
      if (e !== null) ne.set(e.subarray(0, Math.min(e.length, need)));
      this.exps = e = ne;
    }
    return e;
  }

  /** Sets the expiry of slot s (0 clears it), keeping the counters and the heap right. */
  setExpiry(s: number, t: number): void {
    const had = this.exps !== null ? this.exps[s]! : 0;
    if (had === t) return;
    if (t === 0) {
      this.exps![s] = 0;
      if (--this.volatileCount === 0) this.dropVolatile();
      return;
    }
    const e = this.ensureExps();
    e[s] = t;
    if (had === 0) this.volatileCount++;
    this.heapPush(t, this.fields[s]!);
  }

  private dropVolatile(): void {
    this.exps = null;
    this.volatileCount = 0;
    this.heapT = null;
    this.heapF = null;
  }

  /** Adds a field known to be absent; h is the hash of its bytes. */
  insert(k: string, v: string, t: number, h: number): void {
    const s = this.fields.length;
    this.fields.push(k);
    this.vals.push(v);
    if (this.hs.length <= s) {
      const nh = new Uint32Array(this.hs.length * 2);
      nh.set(this.hs);
      this.hs = nh;
    }
    this.hs[s] = h;
    if ((s + 1) * 2 > this.ix.length) this.reindex(this.ix.length * 2);
    else this.place(s, h);
    this.bytes += k.length + v.length;
    if (this.exps !== null) {
      if (this.exps.length <= s) this.ensureExps();
      this.exps[s] = 0;
    }
    if (t !== 0) this.setExpiry(s, t);
  }

  /** Removes slot s (moving the last slot into its place). */
  removeSlot(s: number): void {
    const fields = this.fields, vals = this.vals;
    const k = fields[s]!;
    this.bytes -= k.length + vals[s]!.length;
    const e = this.exps;
    if (e !== null && e[s] !== 0) {
      e[s] = 0;
      if (--this.volatileCount === 0) this.dropVolatile();
    }
    this.unplace(this.posOf(s));
    const last = fields.length - 1;
    if (s !== last) {
      this.ix[this.posOf(last)] = s + 1;
      this.hs[s] = this.hs[last]!;
      fields[s] = fields[last]!;
      vals[s] = vals[last]!;
      if (this.exps !== null) { this.exps[s] = this.exps[last]!; this.exps[last] = 0; }
    }
    fields.pop();
    vals.pop();
    const n = fields.length;
    if (this.ix.length > 16 && n * 8 < this.ix.length) {
      let size = 16;
      while (size < n * 2) size *= 2;
      this.reindex(size);
      if (this.hs.length > 64 && n * 4 < this.hs.length) this.hs = this.hs.slice(0, n * 2);
    }
  }

  // ---- min-heap of (expiry, field); entries go stale when a field changes and are skipped.

  private heapPush(t: number, f: string): void {
    let T = this.heapT, F = this.heapF;
    if (T === null || F === null) { this.heapT = T = []; this.heapF = F = []; }
    if (T.length > 64 && T.length > this.volatileCount * 2) {
      // Mostly stale entries: rebuild from the expiry array (which already holds t).
      this.heapRebuild();
      return;
    }
    let i = T.length;
    T.push(t); F.push(f);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (T[p]! <= t) break;
      T[i] = T[p]!; F[i] = F[p]!;
      i = p;
    }
    T[i] = t; F[i] = f;
  }

  private heapPop(): void {
    const T = this.heapT!, F = this.heapF!;
    const lt = T.pop()!, lf = F.pop()!;
    const n = T.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && T[c + 1]! < T[c]!) c++;
      if (T[c]! >= lt) break;
      T[i] = T[c]!; F[i] = F[c]!;
      i = c;
    }
    T[i] = lt; F[i] = lf;
  }

  heapRebuild(): void {
    const T: number[] = [], F: string[] = [];
    this.heapT = T; this.heapF = F;
    const e = this.exps;
    if (e === null) return;
    const fields = this.fields;
    for (let s = 0; s < fields.length; s++) {
      const t = e[s]!;
      if (t !== 0) { T.push(t); F.push(fields[s]!); }
    }
    const n = T.length;
    for (let i = (n >> 1) - 1; i >= 0; i--) {
      const t = T[i]!, f = F[i]!;
      let j = i;
      for (;;) {
        let c = 2 * j + 1;
        if (c >= n) break;
        if (c + 1 < n && T[c + 1]! < T[c]!) c++;
        if (T[c]! >= t) break;
        T[j] = T[c]!; F[j] = F[c]!;
        j = c;
      }
      T[j] = t; F[j] = f;
    }
  }

  /** The earliest expiry among the fields (0 when none), dropping stale heap entries. */
  nextExpiry(): number {
    if (this.volatileCount === 0) return 0;
    const T = this.heapT!, F = this.heapF!;
    while (T.length > 0) {
      const s = this.find(F[0]!);
      if (s >= 0 && this.exps![s] === T[0]) return T[0]!;
      this.heapPop();
    }
    return 0;
  }

  popExpired(now: number, max: number, out: string[]): void {
    while (out.length < max && this.volatileCount > 0) {
      const T = this.heapT!, F = this.heapF!;
      if (T.length === 0) break;
      const t = T[0]!, f = F[0]!;
      const s = this.find(f);
      if (s < 0 || this.exps![s] !== t) { this.heapPop(); continue; }
      if (!(t < now)) break;
      this.heapPop();
      this.removeSlot(s);
      out.push(f);
    }
  }

  clone(): HashTable {
    const t = new HashTable();
    t.fields = this.fields.slice();
    t.vals = this.vals.slice();
    t.hs = this.hs.slice();
    t.ix = this.ix.slice();
    t.bytes = this.bytes;
    if (this.exps !== null) {
      t.exps = this.exps.slice();
      t.volatileCount = this.volatileCount;
      t.heapRebuild();
    }
    return t;
  }
}

// ------------------------------------------------------------------ the hash object

/** The packed form of an empty hash: a pair count of 0 and no pairs. */
const EMPTY_PACKED = '\u0000';

/** Number of pairs of a packed string (its leading count header); sets hStart to the first pair. */
function packedCount(s: string): number {
  getLen(s, 0);
  return hLen;
}

export class HashObject implements StoredObject {
  /**
   * The packed (listpack) form — a latin1 string: a pair-count header, then
   * [len][field][len][value] per pair — or the hashtable form. One property keeps a small hash
   * at one small object plus one string.
   */
  d: string | HashTable = EMPTY_PACKED;

  get isListpack(): boolean { return typeof this.d === 'string'; }
  /** The packed string (offsets from lpForEach / lpEntry point into it), or null. */
  get lp(): string | null { return typeof this.d === 'string' ? this.d : null; }
  /** The hashtable form, or null. */
  get t(): HashTable | null { return typeof this.d === 'string' ? null : this.d; }
  /** Pairs in the packed form. */
  get lpCount(): number { return typeof this.d === 'string' ? packedCount(this.d) : 0; }
  /** Number of fields, including expired fields not yet reclaimed (Valkey's HLEN). */
  get length(): number { const d = this.d; return typeof d === 'string' ? packedCount(d) : d.fields.length; }
  /** For DEBUG HTSTATS-KEY. */
  get size(): number { return this.length; }
  get volatileCount(): number { const d = this.d; return typeof d === 'string' ? 0 : d.volatileCount; }
  hasVolatile(): boolean { const d = this.d; return typeof d !== 'string' && d.volatileCount > 0; }

  // =====================================================================================
  // packed form

  /** Offset of the entry holding field, or -1. */
  private lpFind(s: string, field: Uint8Array): number {
    const end = s.length;
    const flen = field.length;
    getLen(s, 0);
    let p = hStart;
    while (p < end) {
      getLen(s, p);
      if (hLen === flen && sameBytes(s, hStart, field, flen)) return p;
      getLen(s, hStart + hLen);
      p = hStart + hLen;
    }
    return -1;
  }

  /** Offsets of every entry, in order. */
  lpOffsets(): Int32Array {
    const s = this.d as string;
    const out = new Int32Array(packedCount(s));
    let p = hStart, i = 0;
    while (p < s.length) {
      out[i++] = p;
      getLen(s, p);
      getLen(s, hStart + hLen);
      p = hStart + hLen;
    }
    return out;
  }

  /** Field and value ranges of the entry at p: [fs, fe, vs, ve] inside `lp`. */
  lpEntry(p: number): [number, number, number, number] {
    const s = this.d as string;
    getLen(s, p);
    const fs = hStart, fe = hStart + hLen;
    getLen(s, fe);
    return [fs, fe, hStart, hStart + hLen];
  }

  /**
   * Visits every pair of the packed form with the ranges of field and value inside the packed
   * string (no allocation). Stops early when fn returns false.
   */
  lpForEach(fn: (s: string, fs: number, fe: number, vs: number, ve: number) => boolean | void): void {
    const s = this.d as string;
    const end = s.length;
    getLen(s, 0);
    let p = hStart;
    while (p < end) {
      getLen(s, p);
      const fs = hStart, fe = hStart + hLen;
      getLen(s, fe);
      const vs = hStart, ve = hStart + hLen;
      p = ve;
      if (fn(s, fs, fe, vs, ve) === false) return;
    }
  }

  private lpAppend(s: string, field: Uint8Array, value: Uint8Array): void {
    const count = packedCount(s);
    const base = hStart;
    const body = s.length - base;
    const total = lenHdr(count + 1) + body + lenHdr(field.length) + field.length + lenHdr(value.length) + value.length;
    const b = scratchFor(total);
    let p = putLen(b, 0, count + 1);
    if (body > 0) p += b.latin1Write(base === 0 ? s : s.substring(base), p);
    p = putLen(b, p, field.length);
    b.set(field, p); p += field.length;
    p = putLen(b, p, value.length);
    b.set(value, p); p += value.length;
    this.d = b.latin1Slice(0, p);
  }

  private lpReplaceValue(s: string, p: number, value: Uint8Array): void {
    getLen(s, p);
    const vh = hStart + hLen;
    getLen(s, vh);
    const tail = hStart + hLen;
    const total = vh + lenHdr(value.length) + value.length + (s.length - tail);
    const b = scratchFor(total);
    let q = b.latin1Write(s, 0, vh);
    q = putLen(b, q, value.length);
    b.set(value, q); q += value.length;
    if (tail < s.length) q += b.latin1Write(s.substring(tail), q);
    this.d = b.latin1Slice(0, q);
  }

  private lpDeleteAt(s: string, p: number): void {
    const count = packedCount(s);
    const base = hStart;
    getLen(s, p);
    getLen(s, hStart + hLen);
    const e = hStart + hLen;
    if (count === 1) { this.d = EMPTY_PACKED; return; }
    const total = lenHdr(count - 1) + (s.length - base) - (e - p);
    const b = scratchFor(total);
    let q = putLen(b, 0, count - 1);
    if (p > base) q += b.latin1Write(s.substring(base, p), q);
    if (e < s.length) q += b.latin1Write(s.substring(e), q);
    this.d = b.latin1Slice(0, q);
  }

  /** Switches to the hashtable form (never back). */
  convertToTable(): void {
    const s = this.d;
    if (typeof s !== 'string') return;
    const t = new HashTable();
    const n = s.length;
    // Copies out of a scratch image of the packed string: the new strings are flat and
    // independent of it.
    const b = scratchFor(n);
    b.latin1Write(s, 0);
    getLen(s, 0);
    let p = hStart;
    while (p < n) {
      getLen(s, p);
      const fs = hStart, fe = hStart + hLen;
      getLen(s, fe);
      const vs = hStart, ve = hStart + hLen;
      p = ve;
      t.insert(b.latin1Slice(fs, fe), b.latin1Slice(vs, ve), 0, hashBytes(b, fs, fe - fs));
    }
    this.d = t;
  }

  /**
   * Back to the packed form, as loading a saved hash does when it has no field with a TTL and
   * fits the listpack limits. Returns true when it converted.
   */
  convertToListpack(maxEntries: number, maxValue: number): boolean {
    const t = this.t;
    if (t === null) return false;
    const n = t.fields.length;
    if (t.volatileCount > 0 || n > maxEntries) return false;
    let total = lenHdr(n);
    for (let s = 0; s < n; s++) {
      const f = t.fields[s]!.length, v = t.vals[s]!.length;
      if (f > maxValue || v > maxValue) return false;
      total += lenHdr(f) + f + lenHdr(v) + v;
    }
    if (total > MAX_PACKED) return false;
    const b = scratchFor(total);
    let p = putLen(b, 0, n);
    for (let s = 0; s < n; s++) {
      const f = t.fields[s]!, v = t.vals[s]!;
      p = putLen(b, p, f.length);
      p += b.latin1Write(f, p);
      p = putLen(b, p, v.length);
      p += b.latin1Write(v, p);
    }
    this.d = b.latin1Slice(0, p);
    return true;
  }

  /** Deletes every field whose time has passed (whatever their number); returns how many. */
  dropExpired(now: number): number {
    const t = this.t;
    if (t === null || t.volatileCount === 0) return 0;
    let n = 0;
    for (let s = t.fields.length - 1; s >= 0; s--) {
      if (t.expired(s, now)) { t.removeSlot(s); n++; }
    }
    return n;
  }

  /**
   * Valkey's hashTypeTryConversion for a command about to write the pairs argv[start..end]:
   * converts when there are more new pairs than maxEntries or an argument is longer than
   * maxValue.
   */
  tryConversion(argv: Buffer[], start: number, end: number, maxEntries: number, maxValue: number): void {
    if (typeof this.d !== 'string') return;
    if ((end - start + 1) / 2 > maxEntries) { this.convertToTable(); return; }
    for (let i = start; i <= end; i++) {
      if (argv[i]!.length > maxValue) { this.convertToTable(); return; }
    }
  }

  // =====================================================================================
  // operations (fields and values as Buffers; `now` decides what has expired)

  /** Finds a live field and points REF at its value; false when absent. */
  ref(field: Buffer, now: number): boolean {
    const d = this.d;
    if (typeof d === 'string') {
      const p = this.lpFind(d, field);
      if (p < 0) return false;
      getLen(d, p);
      getLen(d, hStart + hLen);
      REF.s = d; REF.start = hStart; REF.end = hStart + hLen;
      return true;
    }
    const s = d.slotOf(field, now);
    if (s < 0) return false;
    const v = d.vals[s]!;
    REF.s = v; REF.start = 0; REF.end = v.length;
    return true;
  }

  /** The value of a live field (latin1 string), or null. */
  get(field: Buffer, now: number): string | null {
    if (!this.ref(field, now)) return null;
    return REF.start === 0 && REF.end === REF.s.length ? REF.s : REF.s.substring(REF.start, REF.end);
  }

  exists(field: Buffer, now: number): boolean {
    const d = this.d;
    if (typeof d === 'string') return this.lpFind(d, field) >= 0;
    return d.slotOf(field, now) >= 0;
  }

  /** Expiry of a live field: -2 absent, 0 none, else the absolute time. */
  expiryOf(field: Buffer, now: number): number {
    const d = this.d;
    if (typeof d === 'string') return this.lpFind(d, field) >= 0 ? 0 : -2;
    const s = d.slotOf(field, now);
    if (s < 0) return -2;
    return d.exps !== null ? d.exps[s]! : 0;
  }

  /**
   * Sets field to value. `expiry`: 0 none, >0 absolute time (converts to the hashtable form).
   * `keepTtl` keeps the TTL of a live existing field. An expired field is overwritten as a new
   * one (SET_OVER_EXPIRED). Converts the packed form when a limit is passed.
   */
  set(field: Buffer, value: Buffer, expiry: number, keepTtl: boolean, now: number,
    maxEntries: number, maxValue: number): number {
    let d = this.d;
    if (typeof d === 'string') {
      if (expiry !== 0 || field.length > maxValue || value.length > maxValue ||
        d.length + field.length + value.length > MAX_PACKED) {
        this.convertToTable();
        d = this.d;
      }
    }
    if (typeof d === 'string') {
      const p = this.lpFind(d, field);
      if (p >= 0) { this.lpReplaceValue(d, p, value); return SET_UPDATED; }
      this.lpAppend(d, field, value);
      if (packedCount(this.d as string) > maxEntries) this.convertToTable();
      return SET_INSERTED;
    }
    const t = d;
    const h = hashBytes(field, 0, field.length);
    const s = t.findBytes(field, h);
    const v = latin1(value);
    if (s < 0) { t.insert(latin1(field), v, expiry, h); return SET_INSERTED; }
    const old = t.exps !== null ? t.exps[s]! : 0;
    const expired = old !== 0 && old < now;
    t.bytes += v.length - t.vals[s]!.length;
    t.vals[s] = v;
    t.setExpiry(s, keepTtl && !expired ? old : expiry);
    return expired ? SET_OVER_EXPIRED : SET_UPDATED;
  }

  /**
   * Deletes a live field; an expired (hidden) field is not found unless `ignoreTtl` (which
   * deletes it whatever its time).
   */
  delete(field: Buffer, now: number, ignoreTtl = false): boolean {
    const d = this.d;
    if (typeof d === 'string') {
      const p = this.lpFind(d, field);
      if (p < 0) return false;
      this.lpDeleteAt(d, p);
      return true;
    }
    const s = ignoreTtl ? d.findBytes(field, hashBytes(field, 0, field.length)) : d.slotOf(field, now);
    if (s < 0) return false;
    d.removeSlot(s);
    return true;
  }

  /**
   * HEXPIRE on one field: `when` absolute ms; `flags` HEXP_NX|XX|GT|LT; `expireNow` says the
   * time is already past (the field is deleted). Returns HEXP_NO_FIELD / CONDITION / SET /
   * DELETED.
   */
  setExpire(field: Buffer, when: number, flags: number, expireNow: boolean, now: number): number {
    const d = this.d;
    if (typeof d === 'string') {
      const p = this.lpFind(d, field);
      if (p < 0) return HEXP_NO_FIELD;
      // Packed fields have no TTL: XX and GT cannot be met.
      if (flags & (HEXP_XX | HEXP_GT)) return HEXP_CONDITION;
      if (expireNow) { this.lpDeleteAt(d, p); return HEXP_DELETED; }
      this.convertToTable();
    }
    const t = this.d as HashTable;
    const s = t.slotOf(field, now);
    if (s < 0) return HEXP_NO_FIELD;
    const cur = t.exps !== null ? t.exps[s]! : 0;
    if (flags) {
      if (flags & HEXP_NX && cur !== 0) return HEXP_CONDITION;
      if (flags & HEXP_XX && cur === 0) return HEXP_CONDITION;
      if (flags & HEXP_GT && (cur === 0 || when <= cur)) return HEXP_CONDITION;
      if (flags & HEXP_LT && cur !== 0 && when >= cur) return HEXP_CONDITION;
    }
    if (expireNow) { t.removeSlot(s); return HEXP_DELETED; }
    t.setExpiry(s, when);
    return HEXP_SET;
  }

  /** HPERSIST on one field: -2 absent, -1 no TTL, 1 removed. */
  persist(field: Buffer, now: number): number {
    const d = this.d;
    if (typeof d === 'string') return this.lpFind(d, field) >= 0 ? -1 : -2;
    const s = d.slotOf(field, now);
    if (s < 0) return -2;
    if (d.exps === null || d.exps[s] === 0) return -1;
    d.setExpiry(s, 0);
    return 1;
  }

  /** The earliest field expiry (0 when none). */
  nextExpiry(): number { return this.t !== null ? this.t.nextExpiry() : 0; }

  /**
   * Active expiry: deletes up to `max` fields whose time is before `now`, earliest first, and
   * returns their names.
   */
  popExpired(now: number, max: number): string[] {
    const out: string[] = [];
    if (this.t !== null && this.t.volatileCount > 0) this.t.popExpired(now, max, out);
    return out;
  }

  /**
   * Visits every stored field — expired ones not yet reclaimed included — with its value (as
   * latin1 strings) and its expiry (0 = none). For serializers (RDB, AOF rewrite, DUMP).
   */
  forEachEntry(fn: (field: string, value: string, expiry: number) => void): void {
    const d = this.d;
    if (typeof d === 'string') {
      this.lpForEach((s, fs, fe, vs, ve) => { fn(s.substring(fs, fe), s.substring(vs, ve), 0); });
      return;
    }
    const e = d.exps;
    for (let s = 0; s < d.fields.length; s++) fn(d.fields[s]!, d.vals[s]!, e !== null ? e[s]! : 0);
  }

  // ---- slots of the hashtable form

  fieldAt(s: number): string { return this.t!.fields[s]!; }
  valueAt(s: number): string { return this.t!.vals[s]!; }
  expiryAt(s: number): number { const e = this.t!.exps; return e !== null ? e[s]! : 0; }
  /** True when the field in slot s has a TTL that has passed. */
  isExpiredSlot(s: number, now: number): boolean { return this.t!.expired(s, now); }

  /** Number of live fields (scans the expiry array only when some field has a TTL). */
  liveCount(now: number): number {
    const t = this.d;
    if (typeof t === 'string') return packedCount(t);
    const n = t.fields.length;
    const e = t.exps;
    if (e === null) return n;
    let live = 0;
    for (let s = 0; s < n; s++) { const x = e[s]!; if (x === 0 || !(x < now)) live++; }
    return live;
  }

  /** A uniformly random live slot (hashtable form), trying up to 100 picks; -1 if none found. */
  randomSlot(now: number): number {
    const t = this.t!;
    const n = t.fields.length;
    if (n === 0) return -1;
    for (let tries = 0; tries < 100; tries++) {
      const s = Math.floor(Math.random() * n);
      if (!t.expired(s, now)) return s;
    }
    return -1;
  }

  /**
   * One step of an HSCAN over the hashtable form. Slots are visited from the highest down:
   * deleting a field moves the last slot (already visited, or added after the scan started)
   * into its place, so every field present for the whole scan is returned at least once.
   * Cursor 0 starts; the returned cursor is 0 when done, else the next slot + 1.
   */
  scanTable(cursor: number, count: number, now: number, fn: (s: number) => void): number {
    const t = this.t!;
    const n = t.fields.length;
    let pos = cursor === 0 ? n - 1 : Math.min(cursor - 1, n - 1);
    let visited = 0;
    while (pos >= 0 && visited < count) {
      if (!t.expired(pos, now)) fn(pos);
      pos--;
      visited++;
    }
    return pos < 0 ? 0 : pos + 1;
  }

  // =====================================================================================
  // StoredObject

  clone(): HashObject {
    const o = new HashObject();
    const d = this.d;
    // Strings are immutable: sharing the packed form is a copy.
    o.d = typeof d === 'string' ? d : d.clone();
    return o;
  }

  /** Approximate bytes held (deterministic: a clone reports the same figure). */
  memoryUsage(): number {
    if (this.lp !== null) return OBJECT_OVERHEAD + 16 + ((this.lp.length + 7) & ~7);
    const t = this.t!;
    let b = OBJECT_OVERHEAD + 64 + t.bytes + t.fields.length * TABLE_ENTRY_OVERHEAD;
    if (t.exps !== null) b += t.exps.byteLength + t.volatileCount * 24;
    return b;
  }

  /** Work needed to free the value (Valkey's lazyfree effort). */
  freeEffort(): number { return this.lp !== null ? 1 : this.t!.fields.length; }

  /** Approximate RDB payload size (DEBUG OBJECT serializedlength). */
  serializedLength(): number {
    if (this.lp !== null) return this.lp.length + 11;
    const t = this.t!;
    let n = 5;
    for (let s = 0; s < t.fields.length; s++) {
      const f = t.fields[s]!.length, v = t.vals[s]!.length;
      n += lenHdr(f) + f + lenHdr(v) + v;
    }
    if (t.exps !== null) n += t.volatileCount * 8;
    return n;
  }
}

