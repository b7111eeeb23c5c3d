// Set values in the three representations Valkey uses, switching between them at the same
// thresholds:
//
//  - intset:    a sorted array of integers in the narrowest of 16/32/64-bit widths that holds
//               them all (the width only ever grows), for small sets of integers;
//  - listpack:  members packed one after another in one byte buffer ([varint length][bytes]),
//               searched linearly, kept in insertion order; for small sets;
//  - hashtable: members in chunked byte storage ([u32 position][varint length][bytes]; chunks of
//               at most 64 KiB, big members alone in their own), a dense index (entry location,
//               hash and chain link per member, members at positions 0..n-1, in paged arrays)
//               and chained buckets that grow and shrink by incremental rehashing as Valkey's
//               dict does: no operation ever moves the whole set at once. Removal moves the last
//               member into the freed position, so members stay dense: random members are
//               uniform and O(1), and SSCAN walks the positions downwards, which returns every
//               member present for the whole scan even when members come and go between calls.
//               Chunks left mostly empty by removals hand their live entries to the current
//               chunk and are freed.
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

/** Listpacks stay below 1 GiB (Valkey's lpSafeToAdd). */
const LP_SAFETY_SIZE = 1 << 30;

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

function nextPow2(n: number): number {
  let s = 4;
  while (s < n) s *= 2;
  return s;
}


// ---- small representations live in one latin1 string each (a JS string costs a few bytes
// over its length; a typed array costs a couple of hundred).

/** Set by lpData(): the length of the listpack entry just decoded. */
let LEN = 0;

/** Decodes the listpack entry header at `off`; returns where its bytes start (LEN = length). */
function lpData(s: string, off: number): number {
  let b = s.charCodeAt(off++);
  if (b < 0x80) { LEN = b; return off; }
  let len = b & 0x7f, mul = 128;
  for (;;) {
    b = s.charCodeAt(off++);
    len += (b & 0x7f) * mul;
    if (b < 0x80) break;
    mul *= 128;
  }
  LEN = len;
  return off;
}

function lpHeader(len: number): string {
  if (len < 0x80) return String.fromCharCode(len);
  let h = '';
  while (len >= 0x80) { h += String.fromCharCode((len % 128) | 0x80); len = Math.floor(len / 128); }
  return h + String.fromCharCode(len);
}

function latin1Of(m: Uint8Array): string {
  const b = Buffer.isBuffer(m) ? m : Buffer.from(m.buffer, m.byteOffset, m.byteLength);
  return b.latin1Slice(0, b.length);
}

/** s[start, start + m.length) equals m (the last byte first: members often share a prefix). */
function strEqualsBytes(s: string, start: number, m: Uint8Array): boolean {
  const len = m.length;
  if (len === 0) return true;
  if (s.charCodeAt(start + len - 1) !== m[len - 1]) return false;
  for (let i = 0; i < len - 1; i++) if (s.charCodeAt(start + i) !== m[i]) return false;
  return true;
}

/** Fixed-width little-endian two's complement text of v. */
function encodeInt(v: number | bigint, width: 2 | 4 | 8): string {
  if (width === 2) { const x = (v as number) & 0xffff; return String.fromCharCode(x & 0xff, x >>> 8); }
  if (width === 4) {
    const x = (v as number) | 0;
    return String.fromCharCode(x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff);
  }
  let u = BigInt.asUintN(64, BigInt(v));
  let out = '';
  for (let i = 0; i < 8; i++) { out += String.fromCharCode(Number(u & 0xffn)); u >>= 8n; }
  return out;
}

function decodeInt(s: string, i: number, width: 2 | 4 | 8): number | bigint {
  const o = i * width;
  if (width === 2) return ((s.charCodeAt(o) | (s.charCodeAt(o + 1) << 8)) << 16) >> 16;
  const lo = (s.charCodeAt(o) | (s.charCodeAt(o + 1) << 8) | (s.charCodeAt(o + 2) << 16) | (s.charCodeAt(o + 3) << 24));
  if (width === 4) return lo;
  const hi = (s.charCodeAt(o + 4) | (s.charCodeAt(o + 5) << 8) | (s.charCodeAt(o + 6) << 16) | (s.charCodeAt(o + 7) << 24));
  const v = hi * 4294967296 + (lo >>> 0);
  if (Number.isSafeInteger(v)) return v;
  return (BigInt(hi) << 32n) + BigInt(lo >>> 0);
}

// ---- Valkey's listpack entry format (for RDB): integers in the smallest integer encoding,
// strings with a 6/12/32-bit length, each entry followed by its backward length.

function lpBacklen(l: number): number[] {
  if (l <= 127) return [l];
  if (l < 16383) return [l >> 7, (l & 127) | 128];
  if (l < 2097151) return [l >> 14, ((l >> 7) & 127) | 128, (l & 127) | 128];
  if (l < 268435455) return [l >>> 21, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128];
  return [Math.floor(l / 268435456), ((l >>> 21) & 127) | 128, ((l >>> 14) & 127) | 128, ((l >>> 7) & 127) | 128, (l & 127) | 128];
}

function lpEncodeEntry(m: Buffer): Buffer {
  const v = memberToInt(m);
  let head: Buffer;
  if (v !== null) {
    if (typeof v === 'number' && v >= 0 && v <= 127) head = Buffer.from([v]);
    else if (typeof v === 'number' && v >= -4096 && v <= 4095) {
      const u = v < 0 ? 8192 + v : v;
      head = Buffer.from([0xc0 | (u >> 8), u & 0xff]);
    } else if (typeof v === 'number' && v >= -32768 && v <= 32767) {
      head = Buffer.allocUnsafe(3); head[0] = 0xf1; head.writeInt16LE(v, 1);
    } else if (typeof v === 'number' && v >= -8388608 && v <= 8388607) {
      const u = v < 0 ? 16777216 + v : v;
      head = Buffer.from([0xf2, u & 0xff, (u >> 8) & 0xff, u >>> 16]);
    } else if (typeof v === 'number' && v >= I32_MIN && v <= I32_MAX) {
      head = Buffer.allocUnsafe(5); head[0] = 0xf3; head.writeInt32LE(v, 1);
    } else {
      head = Buffer.allocUnsafe(9); head[0] = 0xf4; head.writeBigInt64LE(BigInt(v), 1);
    }
  } else {
    const n = m.length;
    let h: Buffer;
    if (n < 64) h = Buffer.from([0x80 | n]);
    else if (n < 4096) h = Buffer.from([0xe0 | (n >> 8), n & 0xff]);
    else { h = Buffer.allocUnsafe(5); h[0] = 0xf0; h.writeUInt32LE(n, 1); }
    head = Buffer.concat([h, m]);
  }
  return Buffer.concat([head, Buffer.from(lpBacklen(head.length))]);
}

/** The members of a serialized listpack (integers as decimal text); null when malformed. */
function lpDecodeAll(b: Uint8Array): Buffer[] | null {
  const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (v.length < 7 || v.readUInt32LE(0) !== v.length || v[v.length - 1] !== 0xff) return null;
  const out: Buffer[] = [];
  let p = 6;
  const end = v.length - 1;
  while (p < end) {
    const e = v[p]!;
    let l: number;
    let m: Buffer;
    if (e < 0x80) { l = 1; m = Buffer.from(String(e)); }
    else if (e < 0xc0) { const n = e & 0x3f; l = 1 + n; m = v.subarray(p + 1, p + 1 + n); }
    else if (e < 0xe0) {
      const u = ((e & 0x1f) << 8) | v[p + 1]!;
      l = 2; m = Buffer.from(String(u >= 4096 ? u - 8192 : u));
    } else if (e < 0xf0) {
      const n = ((e & 0x0f) << 8) | v[p + 1]!;
      l = 2 + n; m = v.subarray(p + 2, p + 2 + n);
    } else if (e === 0xf0) {
      const n = v.readUInt32LE(p + 1);
      l = 5 + n; m = v.subarray(p + 5, p + 5 + n);
    } else if (e === 0xf1) { l = 3; m = Buffer.from(String(v.readInt16LE(p + 1))); }
    else if (e === 0xf2) {
      const u = v[p + 1]! | (v[p + 2]! << 8) | (v[p + 3]! << 16);
      l = 4; m = Buffer.from(String(u >= 8388608 ? u - 16777216 : u));
    } else if (e === 0xf3) { l = 5; m = Buffer.from(String(v.readInt32LE(p + 1))); }
    else if (e === 0xf4) { l = 9; m = Buffer.from(String(v.readBigInt64LE(p + 1))); }
    else return null;
    p += l + lpBacklen(l).length;
    if (p > end) return null;
    out.push(m);
  }
  const count = v.readUInt16LE(4);
  if (count !== 65535 && count !== out.length) return null;
  return out;
}

export class SetObject {
  /** ENC_INTSET, ENC_LISTPACK or ENC_HT. */
  enc: number;
  /** Number of members. */
  n = 0;
  /** Intset: integers of `w` bytes each, ascending. Listpack: [varint length][bytes] entries. */
  private s = '';
  /** Intset width in bytes (2, 4 or 8; it only grows). */
  private w: 2 | 4 | 8 = 2;
  /** The hashtable (null in the other representations). */
  ht: HTable | null = null;

  private constructor(enc: number) { this.enc = enc; }

  // ================================================================ construction

  static intset(): SetObject { return new SetObject(ENC_INTSET); }

  static listpack(): SetObject { return new SetObject(ENC_LISTPACK); }

  static hashtable(cap = 0): SetObject {
    const s = new SetObject(ENC_HT);
    s.ht = new HTable(cap);
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
    if (enc === ENC_HT) {
      // Room for what is there now plus a quarter, entry headers included.
      const bytes = this.enc === ENC_LISTPACK ? this.s.length + 4 * this.n : 16 * this.n;
      const ht = new HTable(Math.max(cap, this.n), bytes + (bytes >> 2));
      this.forEach((m) => ht.insert(m, hashBytes(m, 0, m.length)));
      this.ht = ht;
      this.s = '';
      this.enc = ENC_HT;
      return;
    }
    // intset -> listpack: the integers as text entries.
    let lp = '';
    for (let i = 0; i < this.n; i++) { const t = String(this.intAt(i)); lp += String.fromCharCode(t.length) + t; }
    this.s = lp;
    this.enc = ENC_LISTPACK;
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
    let s = '';
    for (const v of vals) s += encodeInt(v, width);
    this.enc = ENC_INTSET;
    this.s = s;
    this.w = width;
    this.ht = null;
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

  /**
   * The set as an RDB save and load would give it back (DEBUG RELOAD): intsets and listpacks
   * keep their form unless over the limits; a hashtable is rebuilt member by member, which
   * picks an intset or a listpack again when the set has become small enough.
   */
  reloaded(lim: SetLimits): SetObject {
    if (this.enc === ENC_INTSET) {
      if (this.n > lim.maxIntset) this.convertTo(ENC_HT);
      return this;
    }
    if (this.enc === ENC_LISTPACK) {
      if (this.n > lim.maxLpEntries) this.convertTo(ENC_HT);
      return this;
    }
    if (this.n > Math.min(lim.maxIntset, INTSET_HARD_MAX)) return this;
    const load = SetObject.loader(this.n, lim);
    this.forEach((m) => load.add(m));
    return load.done();
  }

  /**
   * Builds a set member by member the way Valkey loads an RDB "set" (a saved hashtable) of
   * `len` members: an intset while the members are integers and the count allows it, then a
   * listpack while the limits allow it, else a hashtable. `add` returns false on a duplicate.
   */
  static loader(len: number, lim: SetLimits): { add(m: Uint8Array): boolean; done(): SetObject } {
    const out = len > Math.min(lim.maxIntset, INTSET_HARD_MAX) ? SetObject.hashtable(len) : SetObject.intset();
    let maxLen = 0;
    let total = 0;
    return {
      add(m: Uint8Array): boolean {
        if (m.length > maxLen) maxLen = m.length;
        total += m.length;
        if (out.enc === ENC_INTSET) {
          const v = memberToInt(m);
          if (v !== null) return out.intAdd(v);
          if (out.n < lim.maxLpEntries && maxLen <= lim.maxLpValue && total < LP_SAFETY_SIZE) out.convertTo(ENC_LISTPACK);
          else out.convertTo(ENC_HT, len);
        }
        if (out.enc === ENC_LISTPACK) {
          if (out.n < lim.maxLpEntries && m.length <= lim.maxLpValue && out.s.length + m.length < LP_SAFETY_SIZE) {
            if (out.lpFind(m) >= 0) return false;
            out.s += lpHeader(m.length) + latin1Of(m);
            out.n++;
            return true;
          }
          out.convertTo(ENC_HT, len);
        }
        return out.htAdd(m);
      },
      done: () => out,
    };
  }

  // ================================================================ RDB forms

  /** The intset as Valkey serializes it: [u32 width][u32 count][little-endian integers]. */
  intsetBlob(): Buffer {
    const body = Buffer.from(this.s, 'latin1');
    const out = Buffer.allocUnsafe(8 + body.length);
    out.writeUInt32LE(this.w, 0);
    out.writeUInt32LE(this.n, 4);
    body.copy(out, 8);
    return out;
  }

  /** An intset from its serialized form; null when it is malformed (or not sorted / unique). */
  static fromIntsetBlob(b: Uint8Array): SetObject | null {
    if (b.length < 8) return null;
    const v = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
    const w = v.readUInt32LE(0);
    const n = v.readUInt32LE(4);
    if ((w !== 2 && w !== 4 && w !== 8) || v.length !== 8 + n * w) return null;
    const s = new SetObject(ENC_INTSET);
    s.w = w;
    s.n = n;
    s.s = v.latin1Slice(8, v.length);
    for (let i = 1; i < n; i++) if (!(s.intAt(i - 1) < s.intAt(i))) return null;
    return s;
  }

  /** The listpack as Valkey serializes it (a real listpack, integers in integer encodings). */
  listpackBlob(): Buffer {
    const entries: Buffer[] = [];
    let size = 7;
    this.forEach((m) => { const e = lpEncodeEntry(m); entries.push(e); size += e.length; });
    const out = Buffer.allocUnsafe(size);
    out.writeUInt32LE(size, 0);
    out.writeUInt16LE(Math.min(this.n, 65535), 4);
    let p = 6;
    for (const e of entries) { e.copy(out, p); p += e.length; }
    out[p] = 0xff;
    return out;
  }

  /** A listpack set from a serialized listpack; null when malformed or with duplicates. */
  static fromListpackBlob(b: Uint8Array): SetObject | null {
    const members = lpDecodeAll(b);
    if (members === null) return null;
    const s = SetObject.listpack();
    for (const m of members) {
      if (s.lpFind(m) >= 0) return null;
      s.s += lpHeader(m.length) + latin1Of(m);
      s.n++;
    }
    return s;
  }

  // ================================================================ membership

  has(m: Uint8Array): boolean {
    if (this.enc === ENC_INTSET) {
      const v = memberToInt(m);
      return v !== null && this.intFind(v) >= 0;
    }
    if (this.enc === ENC_LISTPACK) return this.lpFind(m) >= 0;
    return this.ht!.find(m, hashBytes(m, 0, m.length)) >= 0;
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
    if (enc === ENC_HT) return this.htAdd(m);
    if (enc === ENC_LISTPACK) {
      if (this.lpFind(m) >= 0) return false;
      if (this.n < lim.maxLpEntries && m.length <= lim.maxLpValue) {
        this.s += lpHeader(m.length) + latin1Of(m);
        this.n++;
        return true;
      }
      this.convertTo(ENC_HT, this.n + 1);
      this.htAdd(m);
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
      this.s += lpHeader(m.length) + latin1Of(m);
      this.n++;
    } else {
      this.convertTo(ENC_HT, this.n + 1);
      this.htAdd(m);
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
    if (!this.ht!.remove(m, hashBytes(m, 0, m.length))) return false;
    this.n--;
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

  /** Offset of the i-th listpack entry. */
  private lpOffset(i: number): number {
    let off = 0;
    for (let k = 0; k < i; k++) off = lpData(this.s, off) + LEN;
    return off;
  }

  /** Bytes of the listpack entry at `off` (a copy). */
  private lpBytesAt(off: number): Buffer {
    const start = lpData(this.s, off);
    return Buffer.from(this.s.substring(start, start + LEN), 'latin1');
  }

  /**
   * The member at position i (0 <= i < n): intset order (ascending), listpack order
   * (insertion; O(i) to reach), hashtable dense order. Hashtable members are views into the
   * set; listpack members copies.
   */
  memberAt(i: number): Member {
    if (this.enc === ENC_INTSET) return this.intAt(i);
    if (this.enc === ENC_HT) return this.ht!.view(i);
    return this.lpBytesAt(this.lpOffset(i));
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
      const copy = Buffer.from(this.ht!.view(i));
      this.ht!.removeAt(i);
      this.n--;
      return copy;
    }
    const off = this.lpOffset(i);
    const m = this.lpBytesAt(off);
    this.lpRemoveAt(off);
    return m;
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

  /** The members at ascending positions `pos`, in one pass (byte members copied when `copy`). */
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
      for (; i < p; i++) off = lpData(this.s, off) + LEN;
      out[j] = this.lpBytesAt(off);
    }
    return out;
  }

  /** Removes the members at ascending positions `pos`. */
  removePositions(pos: number[]): void {
    if (this.enc === ENC_LISTPACK) {
      // Rebuild in one pass, skipping the removed entries.
      const s = this.s;
      let out = '';
      let off = 0, j = 0;
      for (let i = 0; i < this.n; i++) {
        const end = lpData(s, off) + LEN;
        if (j < pos.length && pos[j] === i) j++;
        else out += s.substring(off, end);
        off = end;
      }
      this.s = out;
      this.n -= pos.length;
      return;
    }
    // Highest first, so positions stay valid (removal only moves the last member).
    for (let j = pos.length - 1; j >= 0; j--) {
      if (this.enc === ENC_INTSET) this.intRemoveAt(pos[j]!);
      else { this.ht!.removeAt(pos[j]!); this.n--; }
    }
  }

  // ================================================================ iteration

  /** Calls fn with every member as bytes (hashtable members are views valid during the call). */
  forEach(fn: (m: Buffer) => void): void {
    if (this.enc === ENC_INTSET) {
      for (let i = 0; i < this.n; i++) fn(Buffer.from(String(this.intAt(i)), 'latin1'));
      return;
    }
    if (this.enc === ENC_LISTPACK) {
      const s = this.s;
      let off = 0;
      for (let i = 0; i < this.n; i++) {
        const start = lpData(s, off);
        const end = start + LEN;
        fn(Buffer.from(s.substring(start, end), 'latin1'));
        off = end;
      }
      return;
    }
    const ht = this.ht!;
    for (let i = 0; i < this.n; i++) fn(ht.view(i));
  }

  /**
   * Visits every member without creating buffers: hashtable members as (buf, start, end),
   * listpack members as (latin1 string, start, end), intset members as integers.
   */
  visit(
    onBytes: (buf: Buffer, start: number, end: number) => void,
    onInt: (v: number | bigint) => void,
    onText: (s: string, start: number, end: number) => void,
  ): void {
    if (this.enc === ENC_INTSET) {
      for (let i = 0; i < this.n; i++) onInt(this.intAt(i));
      return;
    }
    if (this.enc === ENC_LISTPACK) {
      const s = this.s;
      let off = 0;
      for (let i = 0; i < this.n; i++) {
        const start = lpData(s, off);
        const end = start + LEN;
        onText(s, start, end);
        off = end;
      }
      return;
    }
    const ht = this.ht!;
    for (let i = 0; i < this.n; i++) {
      const start = ht.decodeAt(i);
      onBytes(ht.lastBuf, start, start + ht.lastLen);
    }
  }

  /** Every member in stored form (hashtable members copied when `copy`). */
  members(copy = false): Member[] {
    const out: Member[] = [];
    if (this.enc === ENC_INTSET) {
      for (let i = 0; i < this.n; i++) out.push(this.intAt(i));
      return out;
    }
    this.forEach((m) => out.push(copy && this.enc === ENC_HT ? Buffer.from(m) : m));
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
      fn(memberBytes(this.memberAt(p)));
    }
    return p;
  }

  // ================================================================ StoredObject

  memoryUsage(): number {
    return 56 + 16 + this.s.length + (this.ht ? this.ht.memoryUsage() : 0);
  }

  /** Work to free this set (UNLINK frees big hashtable sets lazily, as Valkey does). */
  freeEffort(): number { return this.enc === ENC_HT ? this.n : 1; }

  clone(): SetObject {
    const s = new SetObject(this.enc);
    s.n = this.n;
    s.w = this.w;
    s.s = this.s; // strings are immutable: sharing is a copy
    if (this.ht) s.ht = this.ht.clone();
    return s;
  }

  /** Bytes Valkey's RDB serialization would take (approximately), for DEBUG OBJECT. */
  serializedLength(): number {
    if (this.enc === ENC_INTSET) return 8 + this.n * this.w + 2;
    if (this.enc === ENC_LISTPACK) return this.s.length + this.n + 7;
    let bytes = 0;
    this.visit((_b, s, e) => { bytes += e - s + 2; }, () => {}, () => {});
    return bytes + 5;
  }

  // ================================================================ intset internals

  /** The i-th smallest integer. */
  intAt(i: number): number | bigint { return decodeInt(this.s, i, this.w); }

  /** Position of v, or -(insertion point) - 1. */
  private intFind(v: number | bigint): number {
    if (widthOf(v) > this.w) return v < 0 ? -1 : -this.n - 1;
    let lo = 0, hi = this.n - 1;
    const s = this.s, w = this.w;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = decodeInt(s, mid, w);
      if (m < v) lo = mid + 1; else if (m > v) hi = mid - 1; else return mid;
    }
    return -lo - 1;
  }

  private intAdd(v: number | bigint): boolean {
    const w = widthOf(v);
    if (w > this.w) this.intUpgrade(w);
    const pos = this.intFind(v);
    if (pos >= 0) return false;
    const at = (-pos - 1) * this.w;
    this.s = this.s.substring(0, at) + encodeInt(v, this.w) + this.s.substring(at);
    this.n++;
    return true;
  }

  private intUpgrade(width: 2 | 4 | 8): void {
    let s = '';
    for (let i = 0; i < this.n; i++) s += encodeInt(this.intAt(i), width);
    this.s = s;
    this.w = width;
  }

  private intRemoveAt(i: number): void {
    const w = this.w;
    this.s = this.s.substring(0, i * w) + this.s.substring((i + 1) * w);
    this.n--;
  }

  // ================================================================ listpack internals

  /** Offset of the listpack entry equal to m, or -1. */
  private lpFind(m: Uint8Array): number {
    const s = this.s;
    const len = m.length;
    let off = 0;
    for (let i = 0; i < this.n; i++) {
      const start = lpData(s, off);
      const l = LEN;
      if (l === len && strEqualsBytes(s, start, m)) return off;
      off = start + l;
    }
    return -1;
  }

  private lpRemoveAt(off: number): void {
    const end = lpData(this.s, off) + LEN;
    this.s = this.s.substring(0, off) + this.s.substring(end);
    this.n--;
  }

  // ================================================================ hashtable internals

  private htAdd(m: Uint8Array): boolean {
    if (!this.ht!.add(m, hashBytes(m, 0, m.length))) return false;
    this.n++;
    return true;
  }
}

// ==================================================================== hashtable

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE - 1;
/** Regular chunks hold at most this many bytes (locations keep 16 bits of offset). */
const CHUNK_MAX = 65536;
/** Entries bigger than this get a chunk of their own. */
const BIG_ENTRY = 16384;
/** Position header of a removed entry. */
const DEAD = 0xffffffff;
/** Buckets visited at most per rehash step when they are empty (x the buckets to move). */
const EMPTY_VISITS = 10;

/** The hashtable representation: see the file comment. */
export class HTable {
  n = 0;
  /** Where decodeAt() left the entry: its buffer and length. */
  lastBuf: Buffer = Buffer.alloc(0);
  lastLen = 0;

  // Dense per-member data, in pages of PAGE entries.
  private locP: Uint32Array[] = [];
  private hashP: Uint32Array[] = [];
  /** Chain links: position + 1 of the next member in the bucket, 0 at the end. */
  private nextP: Int32Array[] = [];

  // Buckets (position + 1 of the chain head); b1 is the target of a rehash in progress.
  private b0: Int32Array;
  private b1: Int32Array | null = null;
  private rehashIdx = -1;

  // Entry storage.
  private chunks: (Buffer | null)[] = [];
  private live: number[] = [];
  private usedOf: number[] = [];
  private freeSlots: number[] = [];
  private cur = -1;
  private lastChunkSize = 0;

  /** Initial size of the first page (a size hint). */
  private firstPage: number;

  /** `cap`: members expected; `bytesHint`: their expected total size (sizes the first chunk). */
  constructor(cap = 4, bytesHint = 0) {
    this.b0 = new Int32Array(nextPow2(cap));
    this.firstPage = cap;
    if (bytesHint > 0) this.lastChunkSize = Math.min(CHUNK_MAX, Math.max(128, bytesHint)) >>> 1;
  }

  // ---------------------------------------------------------------- per-member data

  private loc(i: number): number { return this.locP[i >>> PAGE_BITS]![i & PAGE_MASK]!; }
  private hash(i: number): number { return this.hashP[i >>> PAGE_BITS]![i & PAGE_MASK]!; }
  private next(i: number): number { return this.nextP[i >>> PAGE_BITS]![i & PAGE_MASK]!; }
  private setNext(i: number, v: number): void { this.nextP[i >>> PAGE_BITS]![i & PAGE_MASK] = v; }

  /** Decodes member i: sets lastBuf / lastLen, returns where its bytes start. */
  decodeAt(i: number): number {
    const l = this.loc(i);
    const buf = this.chunks[l >>> 16]!;
    this.lastBuf = buf;
    let off = (l & 0xffff) + 4;
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

  view(i: number): Buffer {
    const s = this.decodeAt(i);
    return this.lastBuf.subarray(s, s + this.lastLen);
  }

  // ---------------------------------------------------------------- buckets

  /** The bucket array holding hash h's chain (the new one for buckets already moved). */
  private tableFor(h: number): Int32Array {
    const b0 = this.b0;
    if (this.rehashIdx >= 0 && (h & (b0.length - 1)) < this.rehashIdx) return this.b1!;
    return b0;
  }

  private rehashStep(): void {
    if (this.rehashIdx < 0) return;
    const b0 = this.b0, b1 = this.b1!;
    const m1 = b1.length - 1;
    let visits = EMPTY_VISITS;
    while (b0[this.rehashIdx] === 0) {
      if (++this.rehashIdx === b0.length) { this.finishRehash(); return; }
      if (--visits === 0) return;
    }
    let e = b0[this.rehashIdx]!;
    while (e !== 0) {
      const i = e - 1;
      const nx = this.next(i);
      const slot = this.hash(i) & m1;
      this.setNext(i, b1[slot]!);
      b1[slot] = e;
      e = nx;
    }
    b0[this.rehashIdx] = 0;
    if (++this.rehashIdx === b0.length) this.finishRehash();
  }

  private finishRehash(): void {
    this.b0 = this.b1!;
    this.b1 = null;
    this.rehashIdx = -1;
  }

  private startResize(size: number): void {
    if (size === this.b0.length) return;
    this.b1 = new Int32Array(size);
    this.rehashIdx = 0;
  }

  /** True while an incremental resize is in progress. */
  isRehashing(): boolean { return this.rehashIdx >= 0; }

  /** Bucket counts (main, rehash target) for DEBUG HTSTATS-KEY. */
  buckets(): [number, number] { return [this.b0.length, this.b1 ? this.b1.length : 0]; }

  // ---------------------------------------------------------------- lookups

  private equalsAt(i: number, m: Uint8Array): boolean {
    const s = this.decodeAt(i);
    const len = m.length;
    if (this.lastLen !== len) return false;
    const buf = this.lastBuf;
    for (let k = 0; k < len; k++) if (buf[s + k] !== m[k]) return false;
    return true;
  }

  /** Position of the member, or -1. */
  find(m: Uint8Array, h: number): number {
    this.rehashStep();
    const t = this.tableFor(h);
    let e = t[h & (t.length - 1)]!;
    while (e !== 0) {
      const i = e - 1;
      if (this.hash(i) === h && this.equalsAt(i, m)) return i;
      e = this.next(i);
    }
    return -1;
  }

  /** Adds a member known to be absent (`h` its hash). */
  insert(m: Uint8Array, h: number): void {
    const i = this.n;
    const p = i >>> PAGE_BITS, o = i & PAGE_MASK;
    if (p === this.locP.length) {
      // The first page starts small and doubles up to a full page; later pages are full.
      const size = p === 0 ? Math.min(PAGE, Math.max(8, this.firstPage)) : PAGE;
      this.locP.push(new Uint32Array(size));
      this.hashP.push(new Uint32Array(size));
      this.nextP.push(new Int32Array(size));
    } else if (o === this.locP[p]!.length) {
      const size = Math.min(PAGE, o * 2);
      const l = new Uint32Array(size); l.set(this.locP[p]!); this.locP[p] = l;
      const h = new Uint32Array(size); h.set(this.hashP[p]!); this.hashP[p] = h;
      const x = new Int32Array(size); x.set(this.nextP[p]!); this.nextP[p] = x;
    }
    this.locP[p]![o] = this.store(m, i);
    this.hashP[p]![o] = h;
    const t = this.tableFor(h);
    const slot = h & (t.length - 1);
    this.nextP[p]![o] = t[slot]!;
    t[slot] = i + 1;
    this.n = i + 1;
    // Grow at load factor 1, as Valkey's dict does.
    if (this.rehashIdx < 0 && this.n > this.b0.length) this.startResize(this.b0.length * 2);
  }

  add(m: Uint8Array, h: number): boolean {
    if (this.find(m, h) >= 0) return false;
    this.insert(m, h);
    return true;
  }

  remove(m: Uint8Array, h: number): boolean {
    const i = this.find(m, h);
    if (i < 0) return false;
    this.removeAt(i);
    return true;
  }

  /** Unlinks position i from its bucket chain. */
  private unlink(i: number): void {
    const t = this.tableFor(this.hash(i));
    const slot = this.hash(i) & (t.length - 1);
    let e = t[slot]!;
    if (e === i + 1) { t[slot] = this.next(i); return; }
    for (;;) {
      const nx = this.next(e - 1);
      if (nx === i + 1) { this.setNext(e - 1, this.next(i)); return; }
      e = nx;
    }
  }

  /** Makes whatever links to position `from` link to position `to` instead. */
  private relink(from: number, to: number): void {
    const t = this.tableFor(this.hash(from));
    const slot = this.hash(from) & (t.length - 1);
    let e = t[slot]!;
    if (e === from + 1) { t[slot] = to + 1; return; }
    for (;;) {
      const nx = this.next(e - 1);
      if (nx === from + 1) { this.setNext(e - 1, to + 1); return; }
      e = nx;
    }
  }

  /** Removes the member at position i; the last member takes its place. */
  removeAt(i: number): void {
    this.rehashStep();
    this.unlink(i);
    const l = this.loc(i);
    const ci = l >>> 16;
    const chunk = this.chunks[ci]!;
    const off = l & 0xffff;
    chunk[off] = DEAD & 0xff; chunk[off + 1] = (DEAD >>> 8) & 0xff; chunk[off + 2] = (DEAD >>> 16) & 0xff; chunk[off + 3] = DEAD >>> 24;
    const start = this.decodeAt(i);
    const size = start + this.lastLen - off;
    const last = this.n - 1;
    if (i !== last) {
      this.relink(last, i);
      const p = i >>> PAGE_BITS, o = i & PAGE_MASK;
      const ll = this.loc(last);
      this.locP[p]![o] = ll;
      this.hashP[p]![o] = this.hash(last);
      this.nextP[p]![o] = this.next(last);
      this.chunks[ll >>> 16]!.writeUInt32LE(i, ll & 0xffff);
    }
    this.n = last;
    // Drop pages no longer needed (keeping one spare).
    const pagesNeeded = (this.n + PAGE - 1) >>> PAGE_BITS;
    if (this.locP.length > pagesNeeded + 1) {
      this.locP.length = this.hashP.length = this.nextP.length = pagesNeeded + 1;
    }
    this.release(ci, size);
    // Shrink below 1/8 full, as Valkey's dict does.
    if (this.rehashIdx < 0 && this.b0.length > 4 && this.n * 8 < this.b0.length) {
      this.startResize(nextPow2(this.n));
    }
  }

  // ---------------------------------------------------------------- entry storage

  /** Writes member m (at position i) into the chunks; returns its location. */
  private store(m: Uint8Array, i: number): number {
    let left = -1;
    const len = m.length;
    const need = 4 + varintSize(len) + len;
    let ci: number, off: number;
    if (need > BIG_ENTRY) {
      ci = this.newChunk(need);
      off = 0;
      this.usedOf[ci] = need;
    } else {
      ci = this.cur;
      if (ci < 0 || this.usedOf[ci]! + need > this.chunks[ci]!.length) {
        const size = Math.min(CHUNK_MAX, Math.max(need, this.lastChunkSize * 2, 256));
        this.lastChunkSize = size;
        left = ci;
        ci = this.cur = this.newChunk(size);
      }
      off = this.usedOf[ci]!;
      this.usedOf[ci] = off + need;
    }
    const buf = this.chunks[ci]!;
    // By hand: Buffer.writeUInt32LE costs several times more on Node 20.
    buf[off] = i & 0xff; buf[off + 1] = (i >>> 8) & 0xff; buf[off + 2] = (i >>> 16) & 0xff; buf[off + 3] = i >>> 24;
    let p = off + 4;
    let l = len;
    while (l >= 0x80) { buf[p++] = (l % 128) | 0x80; l = Math.floor(l / 128); }
    buf[p++] = l;
    if (len <= 32) for (let k = 0; k < len; k++) buf[p + k] = m[k]!;
    else buf.set(m, p);
    this.live[ci] = (this.live[ci] ?? 0) + need;
    const loc = (ci << 16 | off) >>> 0;
    // The chunk left behind may already be mostly dead.
    if (left >= 0) this.maybeReclaim(left);
    return loc;
  }

  private newChunk(size: number): number {
    const buf = Buffer.alloc(size);
    const ci = this.freeSlots.length ? this.freeSlots.pop()! : this.chunks.length;
    this.chunks[ci] = buf;
    this.live[ci] = 0;
    this.usedOf[ci] = 0;
    return ci;
  }

  /** Accounts for `size` freed bytes in chunk ci; frees or empties the chunk when worth it. */
  private release(ci: number, size: number): void {
    this.live[ci] = this.live[ci]! - size;
    if (this.n === 0) { this.reset(); return; }
    this.maybeReclaim(ci);
  }

  private maybeReclaim(ci: number): void {
    if (ci === this.cur) return;
    const live = this.live[ci]!;
    if (live === 0) { this.freeChunk(ci); return; }
    const chunk = this.chunks[ci]!;
    if (chunk.length < 1024 || live * 4 >= chunk.length) return;
    // Move the live entries to the current chunk (a bounded amount of work) and free this one.
    const used = this.usedOf[ci]!;
    let off = 0;
    while (off < used) {
      const pos = chunk.readUInt32LE(off);
      let q = off + 4;
      let b = chunk[q++]!;
      let len = b & 0x7f;
      if (b >= 0x80) {
        let mul = 128;
        for (;;) { b = chunk[q++]!; len += (b & 0x7f) * mul; if (b < 0x80) break; mul *= 128; }
      }
      if (pos !== DEAD) {
        const loc = this.store(chunk.subarray(q, q + len), pos);
        this.locP[pos >>> PAGE_BITS]![pos & PAGE_MASK] = loc;
      }
      off = q + len;
    }
    this.freeChunk(ci);
  }

  private freeChunk(ci: number): void {
    this.chunks[ci] = null;
    this.live[ci] = 0;
    this.usedOf[ci] = 0;
    this.freeSlots.push(ci);
  }

  /** Back to an empty table. */
  private reset(): void {
    this.chunks = []; this.live = []; this.usedOf = []; this.freeSlots = [];
    this.cur = -1; this.lastChunkSize = 0;
    this.locP = []; this.hashP = []; this.nextP = [];
    this.b0 = new Int32Array(4); this.b1 = null; this.rehashIdx = -1;
    this.firstPage = 8;
  }

  // ---------------------------------------------------------------- whole-table operations

  memoryUsage(): number {
    let bytes = 96 + this.b0.byteLength + (this.b1 ? this.b1.byteLength : 0);
    for (const pg of this.locP) bytes += pg.length * 12;
    for (const c of this.chunks) if (c) bytes += c.length + 16;
    return bytes;
  }

  clone(): HTable {
    const t = new HTable(4);
    t.n = this.n;
    t.locP = this.locP.map((p) => p.slice());
    t.hashP = this.hashP.map((p) => p.slice());
    t.nextP = this.nextP.map((p) => p.slice());
    t.b0 = this.b0.slice();
    t.b1 = this.b1 ? this.b1.slice() : null;
    t.rehashIdx = this.rehashIdx;
    t.chunks = this.chunks.map((c) => (c ? Buffer.from(c) : null));
    t.live = this.live.slice();
    t.usedOf = this.usedOf.slice();
    t.freeSlots = this.freeSlots.slice();
    t.cur = this.cur;
    t.lastChunkSize = this.lastChunkSize;
    t.firstPage = this.firstPage;
    return t;
  }
}
