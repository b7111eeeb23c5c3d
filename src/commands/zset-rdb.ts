// RDB encoding of sorted sets (the persistence registry's codec for OBJ_ZSET), as Valkey writes
// and reads them:
//  - listpack: RDB_TYPE_ZSET_LISTPACK, a real listpack of member, score, member, score ... where
//    integral scores are integer entries and the others their shortest text (byte-identical to
//    Valkey's blob);
//  - skiplist: RDB_TYPE_ZSET_2, the count, then from the highest element down each member as an
//    RDB string and its score as a little-endian double.
// Loading also reads the older RDB_TYPE_ZSET (text scores) and RDB_TYPE_ZSET_ZIPLIST, and applies
// Valkey's rules: a ZSET/ZSET_2 value small enough for the listpack limits becomes compact, a
// packed one over zset-max-listpack-entries becomes a skiplist.
import {
  RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST, RdbError,
  registerRdbType, type LoadedValue, type RdbLoadContext, type RdbOut, type RdbReader,
} from '../persistence/rdb.js';
import { ENC_LISTPACK, ENC_SKIPLIST, OBJ_ZSET } from '../store/types.js';
import { isCanonicalInt64 } from '../store/keyspace.js';
import { formatDouble } from '../util/number.js';
import { PACK_MAX_BYTES, buildZset, compareEntries, type ZEntry, type ZsetObj } from '../ds/zset.js';

const LP_HDR = 6;
const LP_EOF = 0xff;

// ------------------------------------------------------------------ listpack writing

/** Appends one listpack entry (integer-encoded when v is the canonical text of an int64). */
function lpEntry(out: number[], v: Uint8Array): void {
  const start = out.length;
  if (v.length > 0 && v.length <= 20 && isCanonicalInt64(v)) {
    const n = BigInt(Buffer.from(v.buffer, v.byteOffset, v.length).latin1Slice(0, v.length));
    if (n >= 0n && n <= 127n) out.push(Number(n));
    else if (n >= -4096n && n <= 4095n) {
      const u = Number(n < 0n ? (1n << 13n) + n : n);
      out.push(0xc0 | (u >> 8), u & 0xff);
    } else if (n >= -32768n && n <= 32767n) {
      const u = Number(n < 0n ? (1n << 16n) + n : n);
      out.push(0xf1, u & 0xff, u >> 8);
    } else if (n >= -8388608n && n <= 8388607n) {
      const u = Number(n < 0n ? (1n << 24n) + n : n);
      out.push(0xf2, u & 0xff, (u >> 8) & 0xff, u >> 16);
    } else if (n >= -2147483648n && n <= 2147483647n) {
      const u = Number(n < 0n ? (1n << 32n) + n : n);
      out.push(0xf3, u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24);
    } else {
      let u = n < 0n ? (1n << 64n) + n : n;
      out.push(0xf4);
      for (let i = 0; i < 8; i++) { out.push(Number(u & 0xffn)); u >>= 8n; }
    }
  } else {
    const len = v.length;
    if (len < 64) out.push(0x80 | len);
    else if (len < 4096) out.push(0xe0 | (len >> 8), len & 0xff);
    else out.push(0xf0, len & 0xff, (len >>> 8) & 0xff, (len >>> 16) & 0xff, len >>> 24);
    for (let i = 0; i < len; i++) out.push(v[i]!);
  }
  // Back length: the entry size in 7-bit groups, most significant first, continuation bits on
  // all but the first byte.
  let l = out.length - start;
  const groups: number[] = [];
  do { groups.unshift(l & 127); l = Math.floor(l / 128); } while (l > 0);
  for (let i = 0; i < groups.length; i++) out.push(i === 0 ? groups[i]! : groups[i]! | 128);
}

/** The listpack blob Valkey keeps for a compact sorted set. */
export function zsetListpackBlob(z: ZsetObj): Buffer {
  const out: number[] = [0, 0, 0, 0, 0, 0];
  z.each(0, z.length, false, (b, off, len, s) => {
    lpEntry(out, b.subarray(off, off + len));
    lpEntry(out, Buffer.from(formatDouble(s === 0 ? 0 : s), 'latin1'));
  });
  out.push(LP_EOF);
  const buf = Buffer.from(out);
  buf.writeUInt32LE(buf.length, 0);
  buf.writeUInt16LE(Math.min(z.length * 2, 65535), 4);
  return buf;
}

// ------------------------------------------------------------------ listpack / ziplist reading

/** The elements of a listpack blob as bytes, or null when it is malformed. */
export function listpackElements(b: Buffer): Buffer[] | null {
  if (b.length < LP_HDR + 1 || b.readUInt32LE(0) !== b.length || b[b.length - 1] !== LP_EOF) return null;
  const out: Buffer[] = [];
  const end = b.length - 1;
  let p = LP_HDR;
  while (p < end) {
    const x = b[p]!;
    let head: number, dataLen: number;
    let value: Buffer | null = null;
    if (x < 0x80) { head = 1; dataLen = 0; value = Buffer.from(String(x)); }
    else if (x < 0xc0) { head = 1; dataLen = x & 0x3f; }
    else if (x < 0xe0) {
      if (p + 1 >= end) return null;
      const u = ((x & 0x1f) << 8) | b[p + 1]!;
      head = 2; dataLen = 0; value = Buffer.from(String(u >= 4096 ? u - 8192 : u));
    } else if (x < 0xf0) {
      if (p + 1 >= end) return null;
      head = 2; dataLen = ((x & 0x0f) << 8) | b[p + 1]!;
    } else if (x === 0xf0) {
      if (p + 5 > end) return null;
      head = 5; dataLen = b.readUInt32LE(p + 1);
    } else if (x >= 0xf1 && x <= 0xf4) {
      const w = x === 0xf1 ? 2 : x === 0xf2 ? 3 : x === 0xf3 ? 4 : 8;
      if (p + 1 + w > end) return null;
      let v: bigint;
      if (w === 2) v = BigInt(b.readInt16LE(p + 1));
      else if (w === 3) { const u = b.readUIntLE(p + 1, 3); v = BigInt(u >= 0x800000 ? u - 0x1000000 : u); }
      else if (w === 4) v = BigInt(b.readInt32LE(p + 1));
      else v = b.readBigInt64LE(p + 1);
      head = 1 + w; dataLen = 0; value = Buffer.from(v.toString());
    } else return null;
    const l = head + dataLen;
    if (p + l > end) return null;
    if (value === null) value = Buffer.from(b.subarray(p + head, p + l));
    const bl = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    if (p + l + bl > end) return null;
    let q = p + l + bl - 1, v = 0, mul = 1;
    for (;;) {
      const y = b[q]!;
      v += (y & 127) * mul;
      if (!(y & 128)) break;
      mul *= 128;
      if (--q < p + l) return null;
    }
    if (v !== l) return null;
    out.push(value);
    p += l + bl;
  }
  const hdr = b.readUInt16LE(4);
  if (p !== end || (hdr !== 65535 && hdr !== out.length)) return null;
  return out;
}

/** The elements of a ziplist (the pre-7.0 packed format), or null when it is malformed. */
export function ziplistElements(z: Buffer): Buffer[] | null {
  if (z.length < 11 || z.readUInt32LE(0) !== z.length || z[z.length - 1] !== 0xff) return null;
  const out: Buffer[] = [];
  const end = z.length - 1;
  let p = 10;
  while (p < end) {
    p += z[p] === 0xfe ? 5 : 1; // previous entry length
    if (p >= end) return null;
    const e = z[p]!;
    const kind = e >> 6;
    if (kind === 0) { const n = e & 0x3f; out.push(Buffer.from(z.subarray(p + 1, p + 1 + n))); p += 1 + n; }
    else if (kind === 1) { const n = ((e & 0x3f) << 8) | z[p + 1]!; out.push(Buffer.from(z.subarray(p + 2, p + 2 + n))); p += 2 + n; }
    else if (e === 0x80) { const n = z.readUInt32BE(p + 1); out.push(Buffer.from(z.subarray(p + 5, p + 5 + n))); p += 5 + n; }
    else {
      let v: number | bigint;
      if (e === 0xc0) { v = z.readInt16LE(p + 1); p += 3; }
      else if (e === 0xd0) { v = z.readInt32LE(p + 1); p += 5; }
      else if (e === 0xe0) { v = z.readBigInt64LE(p + 1); p += 9; }
      else if (e === 0xf0) { const u = z.readUIntLE(p + 1, 3); v = u >= 0x800000 ? u - 0x1000000 : u; p += 4; }
      else if (e === 0xfe) { v = z.readInt8(p + 1); p += 2; }
      else if (e >= 0xf1 && e <= 0xfd) { v = (e & 0x0f) - 1; p += 1; }
      else return null;
      out.push(Buffer.from(String(v)));
    }
    if (p > end) return null;
  }
  return out;
}

/** A score as a packed blob holds it (integer text or double text). */
function scoreOf(b: Buffer): number {
  const t = b.latin1Slice(0, b.length).toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

// ------------------------------------------------------------------ building

function limits(ctx: RdbLoadContext): { entries: number; value: number } {
  const cfg = ctx.server.config;
  return { entries: cfg.num('zset-max-listpack-entries'), value: cfg.num('zset-max-listpack-value') };
}

function loaded(z: ZsetObj): LoadedValue {
  return { type: OBJ_ZSET, enc: z.isPack ? ENC_LISTPACK : ENC_SKIPLIST, obj: z };
}

const EMPTY: LoadedValue = { type: OBJ_ZSET, enc: ENC_LISTPACK, obj: buildZset([], true), empty: true };

/** Sorts loaded pairs and refuses duplicate members. */
function ordered(entries: ZEntry[], what: string): ZEntry[] {
  entries.sort(compareEntries);
  const seen = new Set<string>();
  for (const e of entries) {
    const k = e.m.latin1Slice(0, e.m.length);
    if (seen.has(k)) throw new RdbError(what);
    seen.add(k);
  }
  return entries;
}

/** Pairs of a packed blob (member, score, ...) into a set with the packed-load rules. */
function fromPairs(elems: Buffer[] | null, ctx: RdbLoadContext, err: string): LoadedValue {
  if (elems === null || elems.length % 2 !== 0) throw new RdbError(err);
  if (elems.length === 0) return EMPTY;
  const entries: ZEntry[] = [];
  for (let i = 0; i < elems.length; i += 2) {
    const s = scoreOf(elems[i + 1]!);
    if (Number.isNaN(s)) throw new RdbError(err);
    entries.push({ m: elems[i]!, s });
  }
  ordered(entries, err);
  return loaded(buildZset(entries, entries.length <= limits(ctx).entries));
}

/** Registers the sorted-set codec with the RDB writer and loader. */
export function registerZsetRdb(): void {
  registerRdbType(OBJ_ZSET, {
    rdbType: (_obj: unknown, enc: number) => (enc === ENC_LISTPACK ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2),
    save(out: RdbOut, obj: unknown, rdbType: number, _version: number, compress: boolean): void {
      const z = obj as ZsetObj;
      if (rdbType === RDB_TYPE_ZSET_LISTPACK) { out.str(zsetListpackBlob(z), compress); return; }
      out.len(z.length);
      // Highest first: a loader inserting in that order always inserts at the head.
      if (z.length > 0) {
        z.each(z.length - 1, z.length, true, (b, off, len, s) => {
          out.str(b.subarray(off, off + len), compress);
          out.f64le(s);
        });
      }
    },
    loadTypes: [RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_ZIPLIST, RDB_TYPE_ZSET_LISTPACK],
    load(r: RdbReader, rdbType: number, ctx: RdbLoadContext): LoadedValue {
      if (rdbType === RDB_TYPE_ZSET_LISTPACK) {
        return fromPairs(listpackElements(r.str()), ctx, 'Zset listpack integrity check failed.');
      }
      if (rdbType === RDB_TYPE_ZSET_ZIPLIST) {
        return fromPairs(ziplistElements(r.str()), ctx, 'Zset ziplist integrity check failed.');
      }
      const n = r.len();
      if (n === 0) return EMPTY;
      const entries: ZEntry[] = [];
      let maxLen = 0, total = 0;
      for (let i = 0; i < n; i++) {
        const m = Buffer.from(r.str());
        const s = rdbType === RDB_TYPE_ZSET_2 ? r.f64le() : r.strDouble();
        if (Number.isNaN(s)) throw new RdbError('Zset with NAN score detected');
        if (m.length > maxLen) maxLen = m.length;
        total += m.length;
        entries.push({ m, s });
      }
      ordered(entries, 'Duplicate zset fields detected');
      const lim = limits(ctx);
      return loaded(buildZset(entries, n <= lim.entries && maxLen <= lim.value && total < PACK_MAX_BYTES));
    },
  });
}
