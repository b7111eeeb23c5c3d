// RDB encoding of hashes (the persistence registry's codec for OBJ_HASH), as Valkey writes them:
//  - RDB_TYPE_HASH_LISTPACK: a compact hash (OBJECT ENCODING listpack) as one RDB string holding
//    the listpack Valkey keeps in memory for it: field, value, field, value ... in insertion
//    order, canonical integers as integer entries (byte-identical to Valkey's blob);
//  - RDB_TYPE_HASH: the field count, then field and value strings (a hashtable without field TTLs);
//  - RDB_TYPE_HASH_2 (Valkey 9, RDB 80): the field count, then field, value and an 8-byte
//    little-endian absolute expiry in ms (-1 = none), for hashes with at least one field TTL.
// Loading also accepts Valkey's packed forms (HASH_LISTPACK, HASH_ZIPLIST) and rebuilds the hash
// field by field, so the encoding is chosen again under the current limits, as an RDB load does.
// Fields whose TTL has already passed are dropped; a hash left empty is skipped.
import {
  RDB_TYPE_HASH, RDB_TYPE_HASH_2, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_HASH_ZIPLIST, RdbError,
  registerRdbType, type LoadedValue, type RdbLoadContext, type RdbOut, type RdbReader,
} from '../persistence/rdb.js';
import { ENC_HT, ENC_LISTPACK, OBJ_HASH } from '../store/types.js';
import { isCanonicalInt64 } from '../store/keyspace.js';
import { HashObject } from '../ds/hash.js';
import { writeBacklen } from '../ds/listpack.js';
import { listpackElements, ziplistElements } from './zset-rdb.js';

/** First RDB version that can carry field TTLs (type 22). */
const RDB_VERSION_HASH_2 = 80;

function builder(ctx: RdbLoadContext) {
  const cfg = ctx.server.config;
  const maxEntries = cfg.num('hash-max-listpack-entries');
  const maxValue = cfg.num('hash-max-listpack-value');
  const now = Date.now();
  const o = new HashObject();
  let n = 0;
  return {
    add(field: Buffer, value: Buffer, expiry: number): void {
      if (expiry > 0 && expiry <= now) { ctx.server.ks.stats.expiredSubkeys++; return; }
      if (o.exists(field, now)) throw new RdbError('Duplicate hash fields detected');
      o.set(field, value, expiry > 0 ? expiry : 0, false, now, maxEntries, maxValue);
      n++;
    },
    done(): LoadedValue {
      return { type: OBJ_HASH, enc: o.isListpack ? ENC_LISTPACK : ENC_HT, obj: o, empty: n === 0 };
    },
  };
}

// ------------------------------------------------------------------ listpack writing

/** Scratch the listpack of one hash is built in (grows as needed, reused between hashes). */
let lpBuf = Buffer.allocUnsafe(4096);
let lpPos = 0;

function lpReserve(n: number): void {
  if (lpPos + n <= lpBuf.length) return;
  let size = lpBuf.length * 2;
  while (size < lpPos + n) size *= 2;
  const nb = Buffer.allocUnsafe(size);
  lpBuf.copy(nb, 0, 0, lpPos);
  lpBuf = nb;
}

/**
 * Appends the listpack entry for the latin1 text s[a, b): an integer entry (the narrowest of the
 * 7/13/16/24/32/64-bit forms) when the text is a canonical int64, else a string entry with a 6,
 * 12 or 32-bit length; then the entry's own size backwards, 7 bits a byte.
 */
function lpPutText(s: string, a: number, b: number): void {
  const len = b - a;
  lpReserve(len + 10);
  const buf = lpBuf;
  const start = lpPos;
  let p = start;
  let isInt = false;
  if (len > 0 && len <= 20) {
    // The text goes where a string entry's bytes would start; kept when it is not an integer.
    buf.latin1Write(s.substring(a, b), start + 1);
    isInt = isCanonicalInt64(buf.subarray(start + 1, start + 1 + len));
  }
  if (isInt) {
    const t = s.substring(a, b);
    if (len <= 15) {
      const n = Number(t);
      if (n >= 0 && n <= 127) buf[p++] = n;
      else if (n >= -4096 && n <= 4095) { const u = n & 0x1fff; buf[p++] = 0xc0 | (u >> 8); buf[p++] = u & 0xff; }
      else if (n >= -32768 && n <= 32767) { buf[p++] = 0xf1; buf.writeInt16LE(n, p); p += 2; }
      else if (n >= -8388608 && n <= 8388607) { buf[p++] = 0xf2; buf.writeIntLE(n, p, 3); p += 3; }
      else if (n >= -2147483648 && n <= 2147483647) { buf[p++] = 0xf3; buf.writeInt32LE(n, p); p += 4; }
      else { buf[p++] = 0xf4; buf.writeBigInt64LE(BigInt(n), p); p += 8; }
    } else {
      buf[p++] = 0xf4; buf.writeBigInt64LE(BigInt(t), p); p += 8;
    }
  } else {
    if (len < 64) buf[p++] = 0x80 | len;
    else if (len < 4096) { buf[p++] = 0xe0 | (len >> 8); buf[p++] = len & 0xff; }
    else { buf[p++] = 0xf0; buf.writeUInt32LE(len, p); p += 4; }
    if (len > 20) buf.latin1Write(s.substring(a, b), p); // shorter texts are in place already
    p += len;
  }
  lpPos = writeBacklen(buf, p, p - start);
}

/**
 * The listpack Valkey keeps for a compact hash: a 6-byte header (total bytes, element count
 * capped at 65535), the entries, the 0xff terminator. A view of a shared scratch buffer, valid
 * until the next call.
 */
export function hashListpackBlob(o: HashObject): Buffer {
  lpPos = 6;
  let elements = 0;
  o.lpForEach((s, fs, fe, vs, ve) => {
    lpPutText(s, fs, fe);
    lpPutText(s, vs, ve);
    elements += 2;
  });
  lpReserve(1);
  lpBuf[lpPos++] = 0xff;
  lpBuf.writeUInt32LE(lpPos, 0);
  lpBuf.writeUInt16LE(Math.min(elements, 65535), 4);
  return lpBuf.subarray(0, lpPos);
}

export function registerHashRdb(): void {
  registerRdbType(OBJ_HASH, {
    rdbType(obj: unknown, _enc: number, version: number): number {
      const o = obj as HashObject;
      // A compact hash never holds field TTLs (a field TTL turns it into a hashtable).
      if (o.isListpack) return RDB_TYPE_HASH_LISTPACK;
      if (!o.hasVolatile()) return RDB_TYPE_HASH;
      return version >= RDB_VERSION_HASH_2 ? RDB_TYPE_HASH_2 : -1;
    },
    save(out: RdbOut, obj: unknown, rdbType: number, _version: number, compress: boolean): void {
      const o = obj as HashObject;
      if (rdbType === RDB_TYPE_HASH_LISTPACK) { out.str(hashListpackBlob(o), compress); return; }
      out.len(o.length);
      o.forEachEntry((field, value, expiry) => {
        out.str(Buffer.from(field, 'latin1'), compress);
        out.str(Buffer.from(value, 'latin1'), compress);
        if (rdbType === RDB_TYPE_HASH_2) out.i64le(expiry > 0 ? expiry : -1);
      });
    },
    loadTypes: [RDB_TYPE_HASH, RDB_TYPE_HASH_2, RDB_TYPE_HASH_LISTPACK, RDB_TYPE_HASH_ZIPLIST],
    load(r: RdbReader, rdbType: number, ctx: RdbLoadContext): LoadedValue {
      const b = builder(ctx);
      if (rdbType === RDB_TYPE_HASH || rdbType === RDB_TYPE_HASH_2) {
        const len = r.len();
        for (let i = 0; i < len; i++) {
          const f = r.str();
          const v = r.str();
          const exp = rdbType === RDB_TYPE_HASH_2 ? r.i64le() : -1;
          b.add(f, v, exp);
        }
        return b.done();
      }
      const blob = r.str();
      const els = rdbType === RDB_TYPE_HASH_LISTPACK ? listpackElements(blob) : ziplistElements(blob);
      if (els === null || els.length % 2 !== 0) throw new RdbError('Hash listpack integrity check failed.');
      for (let i = 0; i < els.length; i += 2) b.add(els[i]!, els[i + 1]!, -1);
      return b.done();
    },
  });
}
