// The RDB snapshot format (as Valkey 9 writes and reads it), and the snapshot engine.
//
// Format pieces: RdbOut (a growable byte sink with the RDB length/string/number encodings),
// RdbReader (the matching decoder), per-type codecs (`registerRdbType`) so each collection
// family plugs its own encodings in, and `loadRdb` which fills the keyspace from a file image.
//
// Snapshots without fork: a Snapshot notes, at its start, each database's key index (nothing per
// key), then walks those indexes in time slices with a SCAN cursor and serializes what it meets,
// leaving out the blocks the arena handed out after the start (`arena.onAlloc`). The keyspace
// calls `beforeWrite(address)` before it modifies, replaces or frees a block (a key of the start
// not serialized yet is serialized right then: copy-on-write) and `beforeFlush(index)` before
// dropping a database's keys wholesale (the snapshot keeps that index and frees it when done), so
// the snapshot is the dataset exactly as it was when it started.
import { performance } from 'node:perf_hooks';
import type { Server } from '../server/server.js';
import type { Db, Keyspace } from '../store/keyspace.js';
import { FLAG_OBJ, ADDR_UNITS_SHIFT, ADDR_UNIT_MASK } from '../store/arena.js';
import type { Dict } from '../store/dict.js';
import { hashBytes } from '../store/hash.js';
import { BigString, OBJ_STRING, StoredObject } from '../store/types.js';
import { Crc64 } from './crc64.js';
import { lzfCompressInto, lzfDecompress, LZF_SLACK } from './lzf.js';
import { VALKEY_VERSION, REDIS_VERSION } from '../version.js';
import { rev32 } from '../util/bits.js';

// ------------------------------------------------------------------ constants

/** The RDB version Valkey 9 writes (magic `VALKEY080`). */
export const RDB_VERSION = 80;
/** The last version of the open-source `REDIS00xx` range (Valkey 7.2 / 8.x, Redis 7.2). */
export const RDB_VERSION_REDIS_MAX = 11;
/** Lowest version the writer can produce (Redis 7.0). */
export const RDB_VERSION_MIN_WRITE = 10;

export const RDB_TYPE_STRING = 0;
export const RDB_TYPE_LIST = 1;
export const RDB_TYPE_SET = 2;
export const RDB_TYPE_ZSET = 3;
export const RDB_TYPE_HASH = 4;
export const RDB_TYPE_ZSET_2 = 5;
export const RDB_TYPE_MODULE_PRE_GA = 6;
export const RDB_TYPE_MODULE_2 = 7;
export const RDB_TYPE_HASH_ZIPMAP = 9;
export const RDB_TYPE_LIST_ZIPLIST = 10;
export const RDB_TYPE_SET_INTSET = 11;
export const RDB_TYPE_ZSET_ZIPLIST = 12;
export const RDB_TYPE_HASH_ZIPLIST = 13;
export const RDB_TYPE_LIST_QUICKLIST = 14;
export const RDB_TYPE_STREAM_LISTPACKS = 15;
export const RDB_TYPE_HASH_LISTPACK = 16;
export const RDB_TYPE_ZSET_LISTPACK = 17;
export const RDB_TYPE_LIST_QUICKLIST_2 = 18;
export const RDB_TYPE_STREAM_LISTPACKS_2 = 19;
export const RDB_TYPE_SET_LISTPACK = 20;
export const RDB_TYPE_STREAM_LISTPACKS_3 = 21;
export const RDB_TYPE_HASH_2 = 22;

export const RDB_OPCODE_SLOT_IMPORT = 243;
export const RDB_OPCODE_SLOT_INFO = 244;
export const RDB_OPCODE_FUNCTION2 = 245;
/**
 * Function libraries in snapshots, filled in by scripting: `save` writes one FUNCTION2 record per
 * library after the AUX fields; `load` creates a library from a record's code (replacing one of
 * the same name when `replace`), returning an error text; `flush` drops them all.
 */
export const rdbFunctionHooks: {
  save: ((s: Server, out: RdbOut, compress: boolean) => void) | null;
  load: ((s: Server, code: Buffer, replace: boolean) => string | null) | null;
  flush: ((s: Server) => void) | null;
} = { save: null, load: null, flush: null };
export const RDB_OPCODE_FUNCTION_PRE_GA = 246;
export const RDB_OPCODE_MODULE_AUX = 247;
export const RDB_OPCODE_IDLE = 248;
export const RDB_OPCODE_FREQ = 249;
export const RDB_OPCODE_AUX = 250;
export const RDB_OPCODE_RESIZEDB = 251;
export const RDB_OPCODE_EXPIRETIME_MS = 252;
export const RDB_OPCODE_EXPIRETIME = 253;
export const RDB_OPCODE_SELECTDB = 254;
export const RDB_OPCODE_EOF = 255;

const ENC_INT8 = 0, ENC_INT16 = 1, ENC_INT32 = 2, ENC_LZF = 3;

/** Magic string of an RDB version: `REDIS0011` up to 79, `VALKEY080` from 80. */
export function rdbMagic(version: number): string {
  return version >= 80 ? `VALKEY${String(version).padStart(3, '0')}` : `REDIS${String(version).padStart(4, '0')}`;
}

export class RdbError extends Error {}

// ------------------------------------------------------------------ writer

/** A growable output buffer with the RDB encodings. */
export class RdbOut {
  buf: Buffer;
  pos = 0;

  constructor(initial = 4096) { this.buf = Buffer.allocUnsafe(initial); }

  get length(): number { return this.pos; }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.pos);
    this.buf = nb;
  }

  byte(v: number): void { this.ensure(1); this.buf[this.pos++] = v; }

  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  u16le(v: number): void { this.ensure(2); this.buf.writeUInt16LE(v, this.pos); this.pos += 2; }
  u32le(v: number): void { this.ensure(4); this.buf.writeUInt32LE(v >>> 0, this.pos); this.pos += 4; }
  i32le(v: number): void { this.ensure(4); this.buf.writeInt32LE(v, this.pos); this.pos += 4; }

  /** A signed 64-bit little-endian integer (exact for safe integers). */
  i64le(v: number | bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64LE(typeof v === 'bigint' ? v : BigInt(Math.trunc(v)), this.pos);
    this.pos += 8;
  }

  /** An IEEE-754 double, little-endian (ZSET_2 scores). */
  f64le(v: number): void { this.ensure(8); this.buf.writeDoubleLE(v, this.pos); this.pos += 8; }

  /** RDB length encoding (big-endian for the 32/64-bit forms). */
  len(n: number): void {
    this.ensure(9);
    const b = this.buf;
    if (n < 64) b[this.pos++] = n;
    else if (n < 16384) { b[this.pos++] = 0x40 | (n >>> 8); b[this.pos++] = n & 0xff; }
    else if (n <= 0xffffffff) { b[this.pos++] = 0x80; b.writeUInt32BE(n, this.pos); this.pos += 4; }
    else { b[this.pos++] = 0x81; b.writeBigUInt64BE(BigInt(n), this.pos); this.pos += 8; }
  }

  /**
   * An RDB string: integer-encoded when it is the canonical text of an int32 (≤ 11 bytes),
   * LZF-compressed when `compress` and it is longer than 20 bytes and shrinks by at least
   * 4 bytes, raw otherwise.
   */
  str(s: Uint8Array, compress = false): void { this.strRange(s, 0, s.length, compress); }

  /** `str` of the bytes src[start, end) (e.g. a key or value inside an arena slab, without a view). */
  strRange(src: Uint8Array, start: number, end: number, compress = false): void {
    const n = end - start;
    if (n <= 11 && n > 0) {
      const v = int32Of(src, start, end);
      if (v !== null) { this.intStr(v); return; }
    }
    if (compress && n > 20) {
      const maxOut = n - 4;
      let tmp = lzfScratch;
      if (tmp.length < maxOut + LZF_SLACK) {
        // The shared scratch grows up to 1 MB; a longer value gets a buffer of its own.
        tmp = Buffer.allocUnsafeSlow(maxOut + LZF_SLACK);
        if (tmp.length <= (1 << 20)) lzfScratch = tmp;
      }
      const c = lzfCompressInto(src, start, end, maxOut, tmp, 0);
      if (c >= 0) {
        this.byte(0xc0 | ENC_LZF);
        this.len(c);
        this.len(n);
        this.ensure(c);
        if (c <= 64) { const b = this.buf; let p = this.pos; for (let i = 0; i < c; i++) b[p++] = tmp[i]!; }
        else tmp.copy(this.buf, this.pos, 0, c);
        this.pos += c;
        return;
      }
    }
    this.len(n);
    this.ensure(n);
    const b = this.buf;
    let p = this.pos;
    if (n <= 128) for (let i = start; i < end; i++) b[p++] = src[i]!;
    else if (src instanceof Buffer) src.copy(b, p, start, end);
    else b.set(src.subarray(start, end), p);
    this.pos += n;
  }

  /** A string given as text (AUX fields, numbers). */
  text(s: string): void { this.str(Buffer.from(s, 'latin1')); }

  /** An integer written in the smallest integer string encoding (or as text beyond int32). */
  intStr(v: number): void {
    if (v >= -128 && v <= 127) { this.byte(0xc0 | ENC_INT8); this.byte(v & 0xff); }
    else if (v >= -32768 && v <= 32767) { this.byte(0xc0 | ENC_INT16); this.ensure(2); this.buf.writeInt16LE(v, this.pos); this.pos += 2; }
    else if (v >= -2147483648 && v <= 2147483647) { this.byte(0xc0 | ENC_INT32); this.i32le(v); }
    else { const t = Buffer.from(String(v)); this.len(t.length); this.raw(t); }
  }

  /** A score in the old "string double" form (ZSET type 3). */
  strDouble(v: number): void {
    if (Number.isNaN(v)) { this.byte(253); return; }
    if (v === Infinity) { this.byte(254); return; }
    if (v === -Infinity) { this.byte(255); return; }
    const t = Buffer.from(formatG17(v));
    this.byte(t.length);
    this.raw(t);
  }

  auxField(key: string, value: string): void {
    this.byte(RDB_OPCODE_AUX);
    this.text(key);
    this.text(value);
  }

  /** Takes the bytes written so far, leaving the writer empty (the buffer is reused). */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    return out;
  }
}

export function formatG17(v: number): string {
  // %.17g: enough digits to round-trip; JS's shortest form also round-trips.
  return String(v);
}

/** Compression output of RdbOut.strRange (grown on demand, reused). */
let lzfScratch = Buffer.allocUnsafeSlow(4096);

/** The int32 value of s[start, end) when it is the canonical decimal text of an int32, else null. */
function int32Of(s: Uint8Array, start: number, end: number): number | null {
  const n = end - start;
  let i = start, neg = false;
  if (s[start] === 45) { if (n === 1) return null; neg = true; i++; }
  if (s[i] === 48) return n === 1 ? 0 : null; // no leading zeros, no "-0"
  let v = 0;
  for (; i < end; i++) {
    const c = s[i]!;
    if (c < 48 || c > 57) return null;
    v = v * 10 + (c - 48);
  }
  if (neg) v = -v;
  return v >= -2147483648 && v <= 2147483647 ? v : null;
}

// ------------------------------------------------------------------ reader

/** A decoder over an in-memory RDB image (a whole file, or a DUMP payload). */
export class RdbReader {
  pos = 0;
  constructor(readonly buf: Buffer, readonly end = buf.length) {}

  get remaining(): number { return this.end - this.pos; }

  need(n: number): void {
    if (this.pos + n > this.end) throw new RdbError('Unexpected EOF reading RDB file');
  }

  byte(): number { this.need(1); return this.buf[this.pos++]!; }

  bytes(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return b;
  }

  u32le(): number { this.need(4); const v = this.buf.readUInt32LE(this.pos); this.pos += 4; return v; }
  i32le(): number { this.need(4); const v = this.buf.readInt32LE(this.pos); this.pos += 4; return v; }
  i64le(): number { this.need(8); const v = this.buf.readBigInt64LE(this.pos); this.pos += 8; return Number(v); }
  f64le(): number { this.need(8); const v = this.buf.readDoubleLE(this.pos); this.pos += 8; return v; }
  f32le(): number { this.need(4); const v = this.buf.readFloatLE(this.pos); this.pos += 4; return v; }

  /** Reads a length; returns -1 - encoding for the special string encodings (0xC0 | enc). */
  lenOrEnc(): number {
    const b = this.byte();
    const t = b >>> 6;
    if (t === 0) return b & 0x3f;
    if (t === 1) return ((b & 0x3f) << 8) | this.byte();
    if (t === 3) return -1 - (b & 0x3f);
    if (b === 0x80) { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
    if (b === 0x81) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos); this.pos += 8;
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RdbError('Length too large');
      return Number(v);
    }
    throw new RdbError(`Unknown length encoding ${b} in rdbLoadLen()`);
  }

  len(): number {
    const n = this.lenOrEnc();
    if (n < 0) throw new RdbError('Unexpected string encoding where a length was expected');
    return n;
  }

  /** Reads a string (any encoding) as bytes. The result may be a view into the image. */
  str(): Buffer {
    const n = this.lenOrEnc();
    if (n >= 0) return this.bytes(n);
    switch (-1 - n) {
      case ENC_INT8: return Buffer.from(String((this.byte() << 24) >> 24));
      case ENC_INT16: { this.need(2); const v = this.buf.readInt16LE(this.pos); this.pos += 2; return Buffer.from(String(v)); }
      case ENC_INT32: return Buffer.from(String(this.i32le()));
      case ENC_LZF: {
        const clen = this.len();
        const olen = this.len();
        const data = this.bytes(clen);
        const out = lzfDecompress(data, olen);
        if (out === null) throw new RdbError('Invalid LZF compressed string');
        return out;
      }
      default: throw new RdbError(`Unknown RDB string encoding type ${-1 - n}`);
    }
  }

  strText(): string { return this.str().toString('latin1'); }

  /** An integer stored as an RDB string (e.g. AUX values). */
  strInt(): number {
    const t = this.strText();
    const v = Number(t);
    if (!Number.isFinite(v)) throw new RdbError(`Invalid integer '${t}'`);
    return v;
  }

  /** The old "string double" (ZSET type 3). */
  strDouble(): number {
    const n = this.byte();
    if (n === 253) return NaN;
    if (n === 254) return Infinity;
    if (n === 255) return -Infinity;
    const v = Number(this.bytes(n).toString('latin1'));
    if (Number.isNaN(v)) throw new RdbError('Invalid double');
    return v;
  }
}

// ------------------------------------------------------------------ type registry

/** What a type loader hands back: the object and how it is stored in the keyspace. */
export interface LoadedValue {
  type: number;
  enc: number;
  obj: StoredObject;
  /** True when the value turned out empty: the key is skipped, as Valkey does. */
  empty?: boolean;
}

export interface RdbLoadContext {
  server: Server;
  /** The version of the RDB being read. */
  version: number;
  /** Unix ms now (for field TTLs that are already past). */
  now: number;
  /** True when loading on a primary: expired keys/fields are dropped. */
  dropExpired: boolean;
}

/** How one value type (OBJ_*) is saved to and loaded from an RDB. */
export interface RdbTypeCodec {
  /**
   * The RDB type byte to write for `obj` in an RDB of `version`. Return -1 when the value cannot
   * be represented in that version (saving then fails, as Valkey's does).
   */
  rdbType(obj: unknown, enc: number, version: number): number;
  /** Writes the value payload (what follows the key) for the chosen type byte. */
  save(out: RdbOut, obj: unknown, rdbType: number, version: number, compress: boolean): void;
  /** The RDB type bytes `load` understands. */
  loadTypes: number[];
  /** Reads one value of type `rdbType`. */
  load(r: RdbReader, rdbType: number, ctx: RdbLoadContext): LoadedValue;
}

const codecs = new Map<number, RdbTypeCodec>();
const loaders = new Map<number, RdbTypeCodec>();

/** Registers the RDB codec of a value type (OBJ_LIST, OBJ_SET, ...). */
export function registerRdbType(objType: number, codec: RdbTypeCodec): void {
  codecs.set(objType, codec);
  for (const t of codec.loadTypes) loaders.set(t, codec);
}

export function rdbCodecFor(objType: number): RdbTypeCodec | undefined { return codecs.get(objType); }

// ------------------------------------------------------------------ entries

export interface SaveOptions {
  version: number;
  compression: boolean;
  checksum: boolean;
  /** AUX fields, in order, after the standard ones. */
  aux: Array<[string, string]>;
  /** Write IDLE (lru) or FREQ (lfu) before each key, as Valkey does under those policies. */
  accessInfo: 'lru' | 'lfu' | null;
  /** An AOF base in command format instead of an RDB image (aof-use-rdb-preamble no). */
  aofCommands?: boolean;
  /** An RDB image used as an AOF base (the aof-base AUX field says 1). */
  aofBase?: boolean;
  /**
   * The parts written between the header and EOF (default: all). A replica's REPLCONF
   * rdb-filter-only narrows it: no data (keys, module AUX) and, unless asked for, no functions.
   */
  include?: RdbParts;
}

export interface RdbParts { data: boolean; functions: boolean }

/** The command-format writers of an AOF base (persistence/aofrewrite.ts fills them in). */
export const aofEntryWriter: {
  header: ((s: Server, out: RdbOut) => void) | null;
  select: ((out: RdbOut, dbId: number) => void) | null;
  entry: ((out: RdbOut, ks: Keyspace, a: number) => void) | null;
} = { header: null, select: null, entry: null };

/** Save options from the server's configuration. `extraAux` are e.g. the replication fields. */
export function saveOptions(s: Server, extraAux: Array<[string, string]> = [], version = RDB_VERSION): SaveOptions {
  const policy = s.config.str('maxmemory-policy');
  return {
    version,
    compression: s.config.bool('rdbcompression'),
    checksum: s.config.bool('rdbchecksum'),
    aux: extraAux,
    accessInfo: policy.includes('lru') ? 'lru' : policy.includes('lfu') ? 'lfu' : null,
  };
}

/** Writes the magic string and the AUX header. */
export function writeHeader(out: RdbOut, opts: SaveOptions, usedMem: number, aofBase = false): void {
  out.raw(Buffer.from(rdbMagic(opts.version), 'latin1'));
  if (opts.version >= RDB_VERSION_REDIS_MAX) out.auxField('valkey-ver', VALKEY_VERSION);
  else out.auxField('redis-ver', REDIS_VERSION);
  out.auxField('redis-bits', '64');
  out.auxField('ctime', String(Math.floor(Date.now() / 1000)));
  out.auxField('used-mem', String(Math.floor(usedMem)));
  for (const [k, v] of opts.aux) out.auxField(k, v);
  out.auxField('aof-base', aofBase ? '1' : '0');
}

export function writeDbHeader(out: RdbOut, dbId: number, size: number, expires: number): void {
  out.byte(RDB_OPCODE_SELECTDB);
  out.len(dbId);
  out.byte(RDB_OPCODE_RESIZEDB);
  out.len(size);
  out.len(expires);
}

/** The string value of block `a` (a view into the arena). */
export function stringValue(ks: Keyspace, a: number): Buffer {
  const ar = ks.arena;
  if (ar.flags(a) & FLAG_OBJ) return (ar.objs[ar.valLen(a)] as BigString).view();
  const slab = ar.u8[a >>> ADDR_UNITS_SHIFT]!;
  const o = ar.valueOffset(a);
  return slab.subarray(o, o + ar.valLen(a));
}

/** Type byte for the value of block `a`, or throws when the version cannot hold it. */
function entryType(ks: Keyspace, a: number, version: number): number {
  const ar = ks.arena;
  const type = ar.type(a);
  if (type === OBJ_STRING) return RDB_TYPE_STRING;
  const codec = codecs.get(type);
  if (codec === undefined) {
    throw new RdbError(`Can't store key '${ar.keyView(a).toString('latin1')}': no RDB encoding for value type ${type}`);
  }
  const t = codec.rdbType(ar.objs[ar.valLen(a)], ar.encoding(a), version);
  if (t < 0) throw new RdbError(`Can't store key '${ar.keyView(a).toString('latin1')}' in RDB version ${version}`);
  return t;
}

/** Writes the value of block `a` with type byte `rdbType` (what follows the key). */
export function writeValue(out: RdbOut, ks: Keyspace, a: number, rdbType: number, opts: SaveOptions): void {
  const ar = ks.arena;
  const type = ar.type(a);
  if (type === OBJ_STRING) {
    if (ar.flags(a) & FLAG_OBJ) out.str((ar.objs[ar.valLen(a)] as BigString).view(), opts.compression);
    else {
      const o = ar.valueOffset(a);
      out.strRange(ar.u8[a >>> ADDR_UNITS_SHIFT]!, o, o + ar.valLen(a), opts.compression);
    }
    return;
  }
  codecs.get(type)!.save(out, ar.objs[ar.valLen(a)], rdbType, opts.version, opts.compression);
}

/** Writes one key entry: [EXPIRETIME_MS] [IDLE | FREQ] type key value. */
export function writeEntry(out: RdbOut, ks: Keyspace, a: number, opts: SaveOptions): void {
  const ar = ks.arena;
  const t = entryType(ks, a, opts.version);
  const exp = ar.expire(a);
  if (exp !== 0) { out.byte(RDB_OPCODE_EXPIRETIME_MS); out.i64le(Math.trunc(exp)); }
  if (opts.accessInfo === 'lru') { out.byte(RDB_OPCODE_IDLE); out.len(ks.idleSeconds(a)); }
  else if (opts.accessInfo === 'lfu') { out.byte(RDB_OPCODE_FREQ); out.byte(ks.lfuDecr(ar.lru(a))); }
  out.byte(t);
  const ko = ar.keyOffset(a);
  out.strRange(ar.u8[a >>> ADDR_UNITS_SHIFT]!, ko, ko + ar.keyLen(a), opts.compression);
  writeValue(out, ks, a, t, opts);
}

/** Value types present in the keyspace that have no registered RDB codec. */
export function typesWithoutCodec(ks: Keyspace): number[] {
  const missing = new Set<number>();
  const ar = ks.arena;
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    db.dict.forEach((a) => {
      const t = ar.type(a);
      if (t !== OBJ_STRING && !codecs.has(t)) missing.add(t);
    });
  }
  return [...missing];
}

// ------------------------------------------------------------------ synchronous save

/**
 * Serializes the whole keyspace at once (SAVE, SHUTDOWN, DEBUG RELOAD). Returns the chunks of
 * the file image, checksum included.
 */
export function serializeSync(s: Server, opts: SaveOptions, usedMem: number): Buffer[] {
  const ks = s.ks;
  const out = new RdbOut(1 << 16);
  const crc = new Crc64();
  const chunks: Buffer[] = [];
  const flush = (force: boolean) => {
    if (!force && out.length < (1 << 20)) return;
    const b = out.take();
    crc.update(b);
    chunks.push(b);
  };
  writeHeader(out, opts, usedMem);
  rdbFunctionHooks.save?.(s, out, opts.compression);
  for (const db of ks.dbs) {
    if (db.size === 0) continue;
    writeDbHeader(out, db.id, db.size, db.expiresCount);
    db.dict.forEach((a) => { writeEntry(out, ks, a, opts); flush(false); });
  }
  out.byte(RDB_OPCODE_EOF);
  flush(true);
  chunks.push(opts.checksum ? crc.bytes() : Buffer.alloc(8));
  return chunks;
}

// ------------------------------------------------------------------ incremental snapshot

/**
 * Per-slab bitmaps over arena addresses: one bit per 8-byte unit (128 KB per 8 MB slab),
 * allocated whole on first use. A snapshot keeps two: the blocks it must not (or no longer needs
 * to) write, and the blocks it has found in the current database's index and will write next,
 * walking the set bits in address order (so serialization reads the arena front to back instead
 * of jumping around in hash order).
 */
class BlockBits {
  maps: (Uint32Array | undefined)[] = [];

  mark(a: number): void {
    const s = a >>> ADDR_UNITS_SHIFT;
    const u = a & ADDR_UNIT_MASK;
    let m = this.maps[s];
    if (m === undefined) {
      while (this.maps.length < s) this.maps.push(undefined);
      m = this.maps[s] = new Uint32Array((ADDR_UNIT_MASK + 1) >>> 5);
    }
    m[u >>> 5]! |= 1 << (u & 31);
  }

  has(a: number): boolean {
    const m = this.maps[a >>> ADDR_UNITS_SHIFT];
    if (m === undefined) return false;
    const u = a & ADDR_UNIT_MASK;
    return (m[u >>> 5]! & (1 << (u & 31))) !== 0;
  }

  clear(a: number): void {
    const m = this.maps[a >>> ADDR_UNITS_SHIFT];
    if (m === undefined) return;
    const u = a & ADDR_UNIT_MASK;
    m[u >>> 5]! &= ~(1 << (u & 31));
  }
}


/** True when block `a` (whose key hashes to `h`) is linked in `d`. */
function dictHolds(ks: Keyspace, d: Dict, a: number, h: number): boolean {
  const next = ks.arena.u32;
  const t0 = d.t0;
  if (t0.length !== 0) {
    for (let x = t0[h & (t0.length - 1)]!; x !== 0; x = next[x >>> ADDR_UNITS_SHIFT]![(x & ADDR_UNIT_MASK) << 1]!) if (x === a) return true;
  }
  const t1 = d.t1;
  if (t1 !== null) {
    for (let x = t1[h & (t1.length - 1)]!; x !== 0; x = next[x >>> ADDR_UNITS_SHIFT]![(x & ADDR_UNIT_MASK) << 1]!) if (x === a) return true;
  }
  return false;
}

/**
 * Output chunks of background saves. A snapshot serializes straight into a chunk-sized buffer
 * and, once it holds EMIT_BYTES, hands that buffer itself to the sink (no copy) and goes on in
 * another one. Sinks that recycle (file writers) give a chunk back once it is on disk, so a long
 * save cycles through a few buffers instead of leaving its whole output behind as garbage (which
 * would grow the RSS and bring on full GCs in the middle of the save).
 */
const CHUNK_BYTES = 1 << 20;
/** Emitted once this full: the rest of the chunk takes the entry that crosses the mark. */
const EMIT_BYTES = CHUNK_BYTES - (64 << 10);
const POOL_MAX = 4;
const chunkPool: Buffer[] = [];

function newChunk(): Buffer { return chunkPool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES); }

/** Hands back a chunk a sink has finished with (only pool-sized ones are kept). */
export function recycleChunk(b: Buffer): void {
  if (b.byteOffset === 0 && b.buffer.byteLength === CHUNK_BYTES && chunkPool.length < POOL_MAX) {
    chunkPool.push(Buffer.from(b.buffer, 0, CHUNK_BYTES));
  }
}

/** Where a snapshot's bytes go, in order. */
export interface SnapshotSink {
  write(chunk: Buffer): void;
  /** True while the consumer is behind: the snapshot waits before producing more. */
  congested?(): boolean;
  /** The sink hands written chunks back with recycleChunk (they may come from the pool). */
  recycles?: boolean;
}

interface DbPlan {
  id: number;
  /**
   * The database's key index at the start. Blocks never move from one index to another (MOVE and
   * RENAME make new blocks; SWAPDB swaps whole indexes between databases), so every key present at
   * the start is in this index until it is deleted; FLUSHDB / FLUSHALL leave the index to the
   * snapshot (onBeforeFlush) instead of freeing its blocks.
   */
  dict: Dict;
  /** Keys at the start (the RESIZEDB hint). */
  size: number;
  expires: number;
  /** SCAN cursor of the walk over `dict`; `scanned` once it came back to 0. */
  cursor: number;
  scanned: boolean;
  /** Entries copied before this database's section was open (written when it opens). */
  deferred: RdbOut | null;
}

/** Default time slice of a background snapshot, in ms (client requests are served in between). */
export const SNAPSHOT_SLICE_MS = 0.5;

/**
 * A point-in-time snapshot of the keyspace serialized incrementally (BGSAVE and replication
 * full syncs). Only one may be active per keyspace: it owns the keyspace's write hooks.
 *
 * Starting costs nothing per key: the snapshot notes each non-empty database's key index and
 * size, and from then on the arena tells it about every block it hands out (`onAlloc`): those
 * are keys created after the start, which it marks "skip" (never to be written). Databases are
 * written one after the other, each in two phases spread over slices: the walk of its index with
 * a SCAN cursor (safe across resizes: every key present for the whole walk is met at least once),
 * which marks each block met that is not marked yet "pending"; then the write of the pending
 * blocks in address order, each marked "skip" as it goes out. A key present at the start that is
 * about to change or go before it was written is serialized at once (copy-before-write): into the
 * output itself when its database's section is the one being written (entries may come in any
 * order within a section), otherwise into that database's deferred buffer. Either way the copy is
 * just its encoded bytes, written out with the next chunk: there is no per-key bookkeeping to free
 * later. Marks are per address: a block freed (and so written first) and its address handed out
 * again is marked at that point, so the new key stays out.
 */
export class Snapshot {
  readonly startedAt = Date.now();
  keysTotal = 0;
  keysProcessed = 0;
  bytesWritten = 0;
  /** Bytes of the entries serialized early because a key was about to change (the fork's copy-on-write). */
  cowBytes = 0;
  /** How long start() took (ms), for the log and the `fork` latency event: no per-key work. */
  captureMs = 0;
  /** Slices run by run() so far, and the longest (ms), for the log. */
  slices = 0;
  maxSliceMs = 0;
  done = false;
  error: Error | null = null;
  private plans: DbPlan[] = [];
  private dbIdx = 0;
  private dbStarted = false;
  /** Blocks written already, and blocks created after the start: never (again) to write. */
  private readonly skip = new BlockBits();
  /** Blocks of the current database found by its walk and not written yet. */
  private readonly pending = new BlockBits();
  /** Where the write of the pending blocks is: slab, then 32-unit word. */
  private slab = 0;
  private word = 0;
  /** True while step() is writing an entry into `out` (a copy then goes to the deferred buffer). */
  private inStep = false;
  private readonly out: RdbOut;
  private readonly crc = new Crc64();
  /** Bytes of `out` before this offset are already in the checksum (done slice by slice, not a megabyte at once on emit). */
  private crcPos = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly ks: Keyspace;
  private finishCbs: Array<(err: Error | null) => void> = [];
  /** Microseconds to spend per key (the hidden rdb-key-save-delay config, for tests). */
  keyDelayUs = 0;

  constructor(private readonly s: Server, readonly opts: SaveOptions, private readonly sink: SnapshotSink) {
    this.ks = s.ks;
    this.out = new RdbOut(1 << 16);
    if (sink.recycles === true) this.out.buf = newChunk();
  }

  /** Notes the databases and writes the header. Returns false if another snapshot is active. */
  start(usedMem: number): boolean {
    const ks = this.ks;
    if (ks.beforeWrite !== null || ks.beforeFlush !== null || ks.arena.onAlloc !== null) return false;
    const t0 = performance.now();
    const include = this.opts.include;
    for (const db of ks.dbs) {
      if (db.size === 0 || include?.data === false) continue;
      this.plans.push({
        id: db.id, dict: db.dict, size: db.size, expires: db.expiresCount, cursor: 0, scanned: false, deferred: null,
      });
      this.keysTotal += db.size;
    }
    ks.beforeWrite = this.onBeforeWrite;
    ks.beforeFlush = this.onBeforeFlush;
    ks.arena.onAlloc = this.onAlloc;
    this.captureMs = performance.now() - t0;
    if (this.opts.aofCommands) {
      aofEntryWriter.header!(this.s, this.out);
    } else {
      writeHeader(this.out, this.opts, usedMem, this.opts.aofBase === true);
      if (include?.functions !== false) rdbFunctionHooks.save?.(this.s, this.out, this.opts.compression);
    }
    return true;
  }

  /** One key in the snapshot's format (an RDB entry, or the commands of an AOF base). */
  private writeKey(out: RdbOut, a: number): void {
    if (this.opts.aofCommands) aofEntryWriter.entry!(out, this.ks, a);
    else writeEntry(out, this.ks, a, this.opts);
  }

  /** Registers a completion callback (called once, with the error if the snapshot failed). */
  onFinish(cb: (err: Error | null) => void): void {
    if (this.done) cb(this.error); else this.finishCbs.push(cb);
  }

  private readonly onAlloc = (a: number): void => { this.skip.mark(a); };

  private readonly onBeforeWrite = (a: number): void => {
    const skip = this.skip;
    if (skip.has(a)) return;
    skip.mark(a);
    // A key of the start not written yet. Pending: a key of the current database. Otherwise it is
    // in the index of the current database (not walked in full yet) or of a later one.
    const plans = this.plans;
    let i = this.dbIdx;
    if (this.pending.has(a)) this.pending.clear(a);
    else if (i < plans.length - 1) {
      const ar = this.ks.arena;
      const h = hashBytes(ar.u8[a >>> ADDR_UNITS_SHIFT]!, ar.keyOffset(a), ar.keyLen(a));
      while (i < plans.length && !dictHolds(this.ks, plans[i]!.dict, a, h)) i++;
    }
    if (i >= plans.length) return; // (not a key of the start)
    const plan = plans[i]!;
    const direct = i === this.dbIdx && this.dbStarted && !this.inStep;
    const out = direct ? this.out : (plan.deferred ??= new RdbOut(4096));
    const before = out.pos;
    try {
      this.writeKey(out, a);
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    this.cowBytes += out.pos - before;
    this.keysProcessed++;
    // Copies made while the index is still being walked go straight into the output: hand it
    // over when full, as the write loop does (else it grows, by copying, for the whole walk).
    if (direct && out.pos >= EMIT_BYTES) this.emit();
  };

  /** Key indexes a flush took from their database while this snapshot still had to write them. */
  private kept: Dict[] = [];

  /**
   * A database is about to be emptied: the snapshot keeps its index when it is one of the start
   * not written in full yet (the fork child's copy of the flushed keys, without finishing the
   * snapshot first); its blocks are freed once the snapshot ends.
   */
  private readonly onBeforeFlush = (dict: Dict): boolean => {
    for (let i = this.dbIdx; i < this.plans.length; i++) {
      if (this.plans[i]!.dict === dict) { this.kept.push(dict); return true; }
    }
    return false;
  };

  /** Schedules slices of `sliceMs` until done (requests are served between slices). */
  run(sliceMs = SNAPSHOT_SLICE_MS): void {
    const tick = () => {
      this.timer = null;
      if (this.done) return;
      if (this.s.shuttingDown) { this.fail(new Error('server shutting down')); return; }
      if (this.sink.congested?.()) { this.timer = setTimeout(tick, 5); return; }
      let more: boolean;
      const t0 = performance.now();
      if (this.keyDelayUs > 0) {
        more = this.step(0, 1);
        // Test mode (rdb-key-save-delay): every key's bytes go out at once, as a slow child writes them.
        if (more) { this.emit(); this.timer = setTimeout(tick, Math.max(1, this.keyDelayUs / 1000)); }
      } else more = this.step(sliceMs, Infinity);
      const t = performance.now() - t0;
      this.slices++;
      if (t > this.maxSliceMs) this.maxSliceMs = t;
      if (this.keyDelayUs > 0 && more) return;
      if (more) this.timer = setImmediate(tick);
    };
    this.timer = setImmediate(tick);
  }

  /** Moves the deferred entries of `plan` into the output. */
  private drainDeferred(plan: DbPlan): void {
    const d = plan.deferred!;
    plan.deferred = null;
    if (d.pos > 0) this.out.raw(d.buf.subarray(0, d.pos));
  }

  /**
   * One SCAN step over `plan`'s index: the blocks of the bucket(s) under the cursor that are not
   * marked yet are marked pending; the cursor advances (to 0 at the end of the walk).
   */
  private scanStep(plan: DbPlan): void {
    const d = plan.dict;
    if (d.size === 0) { plan.scanned = true; return; } // every key of the start went (copied first)
    let v = plan.cursor;
    if (d.t1 === null) {
      const m0 = d.t0.length - 1;
      this.takeChain(d.t0[v & m0]!);
      v = rev32(((rev32((v | ~m0) >>> 0) + 1) >>> 0));
    } else {
      let small = d.t0, big = d.t1;
      if (small.length > big.length) { const t = small; small = big; big = t; }
      const m0 = small.length - 1, m1 = big.length - 1;
      this.takeChain(small[v & m0]!);
      // Then every bucket of the bigger table that the small one's bucket expands to.
      do {
        this.takeChain(big[v & m1]!);
        v = rev32(((rev32((v | ~m1) >>> 0) + 1) >>> 0));
      } while ((v & (m0 ^ m1)) !== 0);
    }
    plan.cursor = v;
    if (v === 0) plan.scanned = true;
  }

  /** Marks pending the blocks of the chain starting at `a` that are not marked either way. */
  private takeChain(a: number): void {
    const next = this.ks.arena.u32;
    const skip = this.skip, pending = this.pending;
    for (; a !== 0; a = next[a >>> ADDR_UNITS_SHIFT]![(a & ADDR_UNIT_MASK) << 1]!) {
      if (!skip.has(a)) pending.mark(a);
    }
  }

  /**
   * Walks and serializes for up to `budgetMs` (or `maxKeys` keys written, or `maxScanSteps` SCAN
   * steps of the walk: tests use it to spread a walk over many slices). Returns true while work remains.
   */
  step(budgetMs: number, maxKeys: number, maxScanSteps = Infinity): boolean {
    if (this.done) return false;
    const start = performance.now();
    // (The walk writes nothing: with a zero budget, as rdb-key-save-delay's one key per slice, it
    // still goes on for a normal slice.)
    const scanBudget = Math.max(budgetMs, SNAPSHOT_SLICE_MS);
    const out = this.out;
    const skip = this.skip;
    let count = 0;
    let work = 0;
    try {
      while (this.dbIdx < this.plans.length) {
        const plan = this.plans[this.dbIdx]!;
        if (!this.dbStarted) {
          if (this.opts.aofCommands) aofEntryWriter.select!(out, plan.id);
          else writeDbHeader(out, plan.id, plan.size, plan.expires);
          this.dbStarted = true;
          if (plan.deferred !== null) this.drainDeferred(plan);
        }
        while (!plan.scanned) {
          this.scanStep(plan);
          if (--maxScanSteps <= 0 || ((++work & 31) === 0 && performance.now() - start >= scanBudget)) {
            this.checksumOut();
            return true;
          }
        }
        const maps = this.pending.maps;
        for (; this.slab < maps.length; this.slab++, this.word = 0) {
          const m = maps[this.slab];
          if (m === undefined) continue;
          const base = this.slab * (ADDR_UNIT_MASK + 1); // (not <<: slab ids reach 4095)
          for (; this.word < m.length; this.word++) {
            let w = m[this.word]!;
            while (w !== 0) {
              const low = w & -w;
              m[this.word] = w ^ low;
              const a = base + (this.word << 5) + (31 - Math.clz32(low));
              skip.mark(a);
              this.inStep = true;
              try { this.writeKey(out, a); } finally { this.inStep = false; }
              if (plan.deferred !== null) this.drainDeferred(plan);
              this.keysProcessed++;
              if (out.pos >= EMIT_BYTES) this.emit();
              if (++count >= maxKeys || ((++work & 31) === 0 && performance.now() - start >= budgetMs)) {
                this.checksumOut();
                return true;
              }
              // (A write between slices may have cleared bits of this word: copied already.)
              w = m[this.word]!;
            }
          }
          maps[this.slab] = undefined; // this slab is done: its bitmap can go
        }
        this.dbIdx++;
        this.slab = 0;
        this.word = 0;
        this.dbStarted = false;
      }
      if (!this.opts.aofCommands) out.byte(RDB_OPCODE_EOF);
      this.emit();
      if (!this.opts.aofCommands) {
        const tail = this.opts.checksum ? this.crc.bytes() : Buffer.alloc(8);
        this.bytesWritten += tail.length;
        this.sink.write(tail);
      }
    } catch (e) {
      this.fail(e as Error);
      return false;
    }
    this.finish(null);
    return false;
  }

  /** Completes the snapshot synchronously (before a flush, or for SHUTDOWN). */
  runToEnd(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    while (this.step(Infinity, Infinity)) { /* until done */ }
  }

  /** True when stopped on purpose (BGSAVE CANCEL, shutdown): not a save error. */
  cancelled = false;

  /** Stops the snapshot; the sink gets no more bytes. */
  abort(reason: string): void {
    if (this.done) return;
    this.cancelled = true;
    this.fail(new Error(reason));
  }

  /** Ends the snapshot with an error (its output cannot be written): a failed save. */
  failWith(err: Error): void { this.fail(err); }

  /** Hands what the output holds to the sink: the buffer itself for a recycling sink (the output continues in a pooled chunk), a copy otherwise. */
  private checksumOut(): void {
    if (this.out.pos > this.crcPos) this.crc.update(this.out.buf, this.crcPos, this.out.pos);
    this.crcPos = this.out.pos;
  }

  private emit(): void {
    const out = this.out;
    if (out.pos === 0) return;
    this.checksumOut();
    this.crcPos = 0;
    let b: Buffer;
    if (this.sink.recycles === true) {
      b = out.buf.subarray(0, out.pos);
      out.buf = newChunk();
      out.pos = 0;
    } else b = out.take();
    this.bytesWritten += b.length;
    this.sink.write(b);
  }

  private fail(err: Error): void {
    if (this.done) return;
    this.finish(err);
  }

  private finish(err: Error | null): void {
    this.done = true;
    this.error = err;
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
    if (this.ks.beforeWrite === this.onBeforeWrite) this.ks.beforeWrite = null;
    if (this.ks.beforeFlush === this.onBeforeFlush) this.ks.beforeFlush = null;
    if (this.ks.arena.onAlloc === this.onAlloc) this.ks.arena.onAlloc = null;
    this.plans = [];
    for (const d of this.kept) this.ks.freeLater(d);
    this.kept = [];
    this.skip.maps = [];
    this.pending.maps = [];
    // The output buffer goes back to the pool (its last bytes are already with the sink).
    if (this.sink.recycles === true) { recycleChunk(this.out.buf); this.out.buf = Buffer.allocUnsafe(256); this.out.pos = 0; }
    const cbs = this.finishCbs;
    this.finishCbs = [];
    for (const cb of cbs) cb(err);
  }
}

// ------------------------------------------------------------------ loading

export interface LoadResult {
  version: number;
  keysLoaded: number;
  keysExpired: number;
  emptyKeysSkipped: number;
  aux: Map<string, string>;
  /** Replication info saved with the snapshot (repl-id / repl-offset / repl-stream-db). */
  replId: string | null;
  replOffset: number;
  replStreamDb: number;
}

export interface LoadOptions {
  /** Drop keys whose TTL already passed (true on a primary). */
  dropExpired?: boolean;
  /** Replace existing keys instead of failing on duplicates (DEBUG RELOAD MERGE). */
  allowDuplicates?: boolean;
  /** Skip the checksum comparison. */
  skipChecksum?: boolean;
  /** Log lines (Valkey's loading messages). */
  log?: (level: 'notice' | 'warning' | 'verbose', msg: string) => void;
  /** Called for each key stored. */
  onKey?: (dbId: number, key: Buffer) => void;
  /** Called for each AUX field as it is read. */
  onAux?: (key: string, value: string) => void;
}

/** Parses the magic string; returns the version or throws. */
export function parseMagic(buf: Buffer): number {
  if (buf.length < 9) throw new RdbError('Short read or OOM loading DB. Unrecoverable error, aborting now.');
  const head = buf.toString('latin1', 0, 9);
  let version: number;
  if (head.startsWith('REDIS')) {
    version = Number(head.slice(5));
    if (!/^[0-9]{4}$/.test(head.slice(5)) || version > 79) throw new RdbError('Wrong signature trying to load DB from file');
    if (version < 1 || version > RDB_VERSION_REDIS_MAX) throw new RdbError(`Can't handle RDB format version ${version}`);
  } else if (head.startsWith('VALKEY')) {
    version = Number(head.slice(6));
    if (!/^[0-9]{3}$/.test(head.slice(6)) || version < 80) throw new RdbError('Wrong signature trying to load DB from file');
    if (version > RDB_VERSION) throw new RdbError(`Can't handle RDB format version ${version}`);
  } else {
    throw new RdbError('Wrong signature trying to load DB from file');
  }
  return version;
}

/**
 * Loads an RDB image into the server's keyspace (which the caller has emptied, unless merging).
 * Throws RdbError on a malformed file; keys loaded before the error stay loaded.
 */
export function loadRdb(s: Server, data: Buffer, opts: LoadOptions = {}): LoadResult {
  const it = loadRdbSteps(s, data, opts);
  for (;;) {
    const n = it.next();
    if (n.done) return n.value;
  }
}

/** Scratch output of the loader's re-encoding check (see loadRdbSteps). */
let reencodeScratch = new RdbOut(1 << 16);
const REENCODE_OPTS: SaveOptions = { version: RDB_VERSION, compression: false, checksum: false, aux: [], accessInfo: null };

/** Microseconds to wait per loaded key (the `key-load-delay` debug knob; negative: 1 µs with probability 1/-n). */
function keyLoadDelay(us: number): void {
  if (us < 0) us = Math.floor(Math.random() * -us) === 0 ? 1 : 0;
  if (us > 0) Atomics.wait(SLEEP_CELL, 0, 0, us / 1000);
}
const SLEEP_CELL = new Int32Array(new SharedArrayBuffer(4));

/**
 * The loader as steps: yields the number of bytes consumed so far after every key (and opcode
 * run), so a caller can spread a long load over several event-loop turns and report progress.
 * The checksum is computed as the bytes go by. Returns the result at the end; throws RdbError on
 * a malformed file (keys loaded before the error stay loaded).
 */
export function* loadRdbSteps(s: Server, data: Buffer, opts: LoadOptions = {}): Generator<number, LoadResult, void> {
  const log = opts.log ?? (() => {});
  const delayUs = s.config.num('key-load-delay');
  const crc = new Crc64();
  let crcPos = 0;
  const version = parseMagic(data);
  const r = new RdbReader(data);
  r.pos = 9;
  const ks = s.ks;
  const now = Date.now();
  const dropExpired = opts.dropExpired ?? true;
  // The save-again check roughly doubles the work per collection: like Valkey's deep checks, only
  // with sanitize-dump-payload yes.
  const deepCheck = s.config.str('sanitize-dump-payload') === 'yes';
  const ctx: RdbLoadContext = { server: s, version, now, dropExpired };
  const res: LoadResult = {
    version, keysLoaded: 0, keysExpired: 0, emptyKeysSkipped: 0, aux: new Map(), replId: null, replOffset: -1, replStreamDb: -1,
  };
  let db: Db = ks.dbs[0]!;
  let expireAt = -1;
  let idle = -1, freq = -1;
  const lfu = s.config.str('maxmemory-policy').includes('lfu');
  const lru = s.config.str('maxmemory-policy').includes('lru');
  for (;;) {
    const type = r.byte();
    switch (type) {
      case RDB_OPCODE_EXPIRETIME: expireAt = r.i32le() * 1000; continue;
      case RDB_OPCODE_EXPIRETIME_MS: expireAt = r.i64le(); continue;
      case RDB_OPCODE_FREQ: freq = r.byte(); continue;
      case RDB_OPCODE_IDLE: idle = r.len(); continue;
      case RDB_OPCODE_EOF: break;
      case RDB_OPCODE_SELECTDB: {
        const id = r.len();
        if (id >= ks.dbs.length) {
          throw new RdbError(`FATAL: Data file was created with a Valkey server configured to handle more than ${ks.dbs.length} databases. Exiting\n`);
        }
        db = ks.dbs[id]!;
        continue;
      }
      case RDB_OPCODE_RESIZEDB: r.len(); r.len(); continue;
      case RDB_OPCODE_SLOT_INFO: r.len(); r.len(); r.len(); continue;
      case RDB_OPCODE_SLOT_IMPORT: {
        r.str();
        const n = r.len();
        for (let i = 0; i < n; i++) { r.len(); r.len(); }
        continue;
      }
      case RDB_OPCODE_AUX: {
        const k = r.strText();
        const v = r.strText();
        res.aux.set(k, v);
        opts.onAux?.(k, v);
        if (k.startsWith('%')) log('notice', `RDB '${k}': ${v}`);
        else if (k === 'repl-id') res.replId = v;
        else if (k === 'repl-offset') res.replOffset = Number(v);
        else if (k === 'repl-stream-db') res.replStreamDb = Number(v);
        else if (k === 'redis-ver') log('notice', `Loading RDB produced by Redis version ${v}`);
        else if (k === 'valkey-ver') log('notice', `Loading RDB produced by Valkey version ${v}`);
        else if (k === 'ctime') {
          let age = Math.floor(now / 1000) - Number(v);
          if (age < 0) age = 0;
          log('notice', `RDB age ${age} seconds`);
        } else if (k === 'used-mem') log('notice', `RDB memory usage when created ${(Number(v) / (1024 * 1024)).toFixed(2)} Mb`);
        else if (k === 'aof-base' && v === '1') log('notice', 'RDB is base AOF');
        continue;
      }
      case RDB_OPCODE_MODULE_AUX: {
        const id = r.len();
        throw new RdbError(`The RDB file contains AUX module data I can't load: no matching module '${moduleName(id)}'`);
      }
      case RDB_OPCODE_FUNCTION_PRE_GA:
        throw new RdbError('Pre-release function format not supported.');
      case RDB_OPCODE_FUNCTION2: {
        const code = Buffer.from(r.str());
        const err = rdbFunctionHooks.load ? rdbFunctionHooks.load(s, code, opts.allowDuplicates === true) : null;
        if (err !== null) throw new RdbError(`Failed loading library, ${err}`);
        continue;
      }
      default: {
        const key = Buffer.from(r.str());
        let str: Buffer | null = null;
        let val: LoadedValue | null = null;
        if (type === RDB_TYPE_STRING) {
          str = Buffer.from(r.str());
        } else {
          const codec = loaders.get(type);
          if (codec === undefined) {
            if (type === RDB_TYPE_MODULE_2 || type === RDB_TYPE_MODULE_PRE_GA) {
              throw new RdbError(`The RDB file contains module data I can't load: no matching module type`);
            }
            throw new RdbError(`Unknown RDB encoding type ${type}`);
          }
          try {
            val = codec.load(r, type, ctx);
          } catch (e) {
            if (e instanceof RdbError && e.message === 'Unexpected EOF reading RDB file') throw e;
            // A decoder's consistency check (a damaged listpack, duplicates, a stream node, ...).
            throw new RdbError(`Internal error in RDB reading offset ${r.pos}, key '${key.toString('latin1')}': ${(e as Error).message}`);
          }
        }
        const exp = expireAt;
        expireAt = -1;
        const keyIdle = idle, keyFreq = freq;
        idle = -1; freq = -1;
        if (val !== null && val.empty) {
          if (res.emptyKeysSkipped++ < 10) log('notice', `rdbLoadObject skipping empty key: ${key.toString('latin1')}`);
          yield r.pos;
          continue;
        }
        if (exp !== -1 && dropExpired && exp < now) {
          res.keysExpired++;
          yield r.pos;
          continue;
        }
        const existing = db.findRaw(key);
        if (existing !== 0) {
          if (!opts.allowDuplicates) throw new RdbError(`RDB has duplicated key '${key.toString('latin1')}' in DB ${db.id}`);
        }
        const ttl = exp === -1 ? 0 : exp === 0 ? Number.MIN_VALUE : exp;
        const a = str !== null ? db.setString(key, str, ttl) : db.setObject(key, val!.type, val!.enc, val!.obj, ttl);
        if (str === null && deepCheck) {
          // A damaged value can decode into something its encodings cannot hold again (as RESTORE
          // checks): refuse the file now rather than fail every later save of the key.
          try {
            reencodeScratch.pos = 0;
            writeValue(reencodeScratch, ks, a, entryType(ks, a, RDB_VERSION), REENCODE_OPTS);
          } catch (e) {
            throw new RdbError(`Internal error in RDB reading offset ${r.pos}, key '${key.toString('latin1')}': the loaded value cannot be saved again (${(e as Error).message})`);
          } finally {
            if (reencodeScratch.buf.length > (1 << 20)) reencodeScratch = new RdbOut(1 << 16);
          }
        }
        if (lru && keyIdle >= 0) ks.arena.setLru(a, (ks.lruClock - keyIdle) & 0xffffff);
        else if (lfu && keyFreq >= 0) ks.arena.setLru(a, ((Math.floor(Date.now() / 60000) & 0xffff) << 8) | keyFreq);
        res.keysLoaded++;
        opts.onKey?.(db.id, key);
        if (delayUs !== 0) keyLoadDelay(delayUs);
        if (!opts.skipChecksum) { crc.update(data, crcPos, r.pos); crcPos = r.pos; }
        yield r.pos;
        continue;
      }
    }
    break;
  }
  if (version >= 5) {
    if (!opts.skipChecksum) crc.update(data, crcPos, r.pos);
    const stored = r.bytes(8);
    const zero = stored.every((b) => b === 0);
    if (zero) log('notice', 'RDB file was saved with checksum disabled: no check performed.');
    else if (!opts.skipChecksum) {
      const expected = crc.bytes();
      if (!expected.equals(stored)) {
        throw new RdbError('Wrong RDB checksum expected: (' + hex64(stored) + ') got (' + hex64(expected) + '). Aborting now.');
      }
    }
  }
  log('notice', `Done loading RDB, keys loaded: ${res.keysLoaded}, keys expired: ${res.keysExpired}.`);
  return res;
}

function hex64(b: Buffer): string { return b.readBigUInt64LE(0).toString(16); }

/** The 9-character name of a module id (6 bits per character, then a 10-bit version). */
function moduleName(id: number): string {
  const cs = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  let v = BigInt(id) >> 10n;
  let name = '';
  for (let i = 0; i < 9; i++) { name = cs[Number(v & 63n)]! + name; v >>= 6n; }
  return name;
}

// ------------------------------------------------------------------ DUMP / RESTORE payloads

/**
 * The DUMP payload of block `a`: type byte, value, the 2-byte RDB version and the CRC-64 of
 * everything before it. (For the DUMP/RESTORE commands.)
 */
export function dumpPayload(s: Server, a: number, version = RDB_VERSION): Buffer {
  const ks = s.ks;
  const opts = saveOptions(s, [], version);
  const out = new RdbOut(256);
  const t = entryType(ks, a, version);
  out.byte(t);
  writeValue(out, ks, a, t, opts);
  out.u16le(version);
  const body = out.take();
  const crc = new Crc64().update(body).bytes();
  return Buffer.concat([body, crc]);
}

/** Checks a DUMP payload's footer; returns the RDB version or an error text. */
export function verifyDumpPayload(p: Buffer, skipChecksum = false): number | string {
  if (p.length < 10) return 'DUMP payload version or checksum are wrong';
  const version = p.readUInt16LE(p.length - 10);
  if (version > RDB_VERSION || (version > RDB_VERSION_REDIS_MAX && version < 80)) {
    return 'DUMP payload version or checksum are wrong';
  }
  if (skipChecksum) return version;
  const stored = p.subarray(p.length - 8);
  if (stored.every((b) => b === 0)) return version;
  const crc = new Crc64().update(p, 0, p.length - 8).bytes();
  if (!crc.equals(stored)) return 'DUMP payload version or checksum are wrong';
  return version;
}

/**
 * Decodes the value of a DUMP payload (already verified). Returns the string bytes for a
 * string, or the loaded object; throws RdbError on bad data.
 */
export function parseDumpPayload(s: Server, p: Buffer, version: number): { str: Buffer } | { value: LoadedValue } {
  const r = new RdbReader(p, p.length - 10);
  const type = r.byte();
  let result: { str: Buffer } | { value: LoadedValue };
  if (type === RDB_TYPE_STRING) result = { str: Buffer.from(r.str()) };
  else {
    const codec = loaders.get(type);
    if (codec === undefined) throw new RdbError('Bad data format');
    result = { value: codec.load(r, type, { server: s, version, now: Date.now(), dropExpired: false }) };
  }
  if (r.remaining !== 0) throw new RdbError('Bad data format');
  return result;
}
