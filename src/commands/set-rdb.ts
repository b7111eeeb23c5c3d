// RDB encoding of sets (the persistence registry's codec for OBJ_SET), as Valkey writes and
// reads them:
//  - intset:    RDB_TYPE_SET_INTSET, the intset blob ([u32 width][u32 count][integers]);
//  - listpack:  RDB_TYPE_SET_LISTPACK, a real listpack (RDB 11+; plain RDB_TYPE_SET before);
//  - hashtable: RDB_TYPE_SET, the member count then each member as an RDB string.
// Loading applies Valkey's rules: blobs over the current limits become hashtables, and a plain
// set is rebuilt member by member, choosing intset / listpack / hashtable again.
import {
  RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK, RdbError,
  registerRdbType, type LoadedValue, type RdbLoadContext, type RdbOut, type RdbReader,
} from '../persistence/rdb.js';
import { ENC_HT, ENC_INTSET, ENC_LISTPACK, OBJ_SET } from '../store/types.js';
import { SetObject, type SetLimits } from '../ds/set.js';

/** RDB version that introduced RDB_TYPE_SET_LISTPACK. */
const RDB_VERSION_SET_LISTPACK = 11;

function limitsOf(ctx: RdbLoadContext): SetLimits {
  const cfg = ctx.server.config;
  return {
    maxIntset: cfg.num('set-max-intset-entries'),
    maxLpEntries: cfg.num('set-max-listpack-entries'),
    maxLpValue: cfg.num('set-max-listpack-value'),
  };
}

function loaded(s: SetObject): LoadedValue {
  return { type: OBJ_SET, enc: s.enc, obj: s, empty: s.n === 0 };
}

export function registerSetRdb(): void {
  registerRdbType(OBJ_SET, {
    rdbType(_obj: unknown, enc: number, version: number): number {
      if (enc === ENC_INTSET) return RDB_TYPE_SET_INTSET;
      if (enc === ENC_LISTPACK && version >= RDB_VERSION_SET_LISTPACK) return RDB_TYPE_SET_LISTPACK;
      return RDB_TYPE_SET;
    },
    save(out: RdbOut, obj: unknown, rdbType: number, _version: number, compress: boolean): void {
      const s = obj as SetObject;
      if (rdbType === RDB_TYPE_SET_INTSET) { out.str(s.intsetBlob(), compress); return; }
      if (rdbType === RDB_TYPE_SET_LISTPACK) { out.str(s.listpackBlob(), compress); return; }
      out.len(s.n);
      s.forEach((m) => out.str(m, compress));
    },
    loadTypes: [RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK],
    load(r: RdbReader, rdbType: number, ctx: RdbLoadContext): LoadedValue {
      const lim = limitsOf(ctx);
      if (rdbType === RDB_TYPE_SET) {
        const len = r.len();
        const load = SetObject.loader(len, lim);
        for (let i = 0; i < len; i++) {
          if (!load.add(r.str())) throw new RdbError('Duplicate set members detected');
        }
        return loaded(load.done());
      }
      if (rdbType === RDB_TYPE_SET_INTSET) {
        const s = SetObject.fromIntsetBlob(r.str());
        if (s === null) throw new RdbError('Intset integrity check failed.');
        if (s.n > lim.maxIntset) s.convertTo(ENC_HT);
        return loaded(s);
      }
      const s = SetObject.fromListpackBlob(r.str());
      if (s === null) throw new RdbError('Set listpack integrity check failed.');
      if (s.n > lim.maxLpEntries) s.convertTo(ENC_HT);
      return loaded(s);
    },
  });
}
