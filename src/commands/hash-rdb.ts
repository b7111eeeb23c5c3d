// RDB encoding of hashes (the persistence registry's codec for OBJ_HASH):
//  - RDB_TYPE_HASH: the field count, then field and value strings (any hash without field TTLs);
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
import { HashObject } from '../ds/hash.js';
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

export function registerHashRdb(): void {
  registerRdbType(OBJ_HASH, {
    rdbType(obj: unknown, _enc: number, version: number): number {
      if (!(obj as HashObject).hasVolatile()) return RDB_TYPE_HASH;
      return version >= RDB_VERSION_HASH_2 ? RDB_TYPE_HASH_2 : -1;
    },
    save(out: RdbOut, obj: unknown, rdbType: number, _version: number, compress: boolean): void {
      const o = obj as HashObject;
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
