// RDB encoding of streams (the persistence registry's codec for OBJ_STREAM), as Valkey writes
// and reads them: RDB_TYPE_STREAM_LISTPACKS_3 — the nodes as real listpacks keyed by their
// master ID, the stream counters, then each consumer group with its PEL and consumers. Types 15
// and 19 (older Valkey / Redis) load too. The byte-level work lives in src/ds/stream.ts.
import {
  RdbError, registerRdbType, type LoadedValue, type RdbOut, type RdbReader,
} from '../persistence/rdb.js';
import { ENC_STREAM, OBJ_STREAM } from '../store/types.js';
import {
  Stream, StreamFormatError, loadStreamRdb, saveStreamRdb,
  RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3,
} from '../ds/stream.js';

export function registerStreamRdb(): void {
  registerRdbType(OBJ_STREAM, {
    rdbType(): number { return RDB_TYPE_STREAM_LISTPACKS_3; },
    save(out: RdbOut, obj: unknown, _rdbType: number, _version: number, compress: boolean): void {
      saveStreamRdb(obj as Stream, out, compress);
    },
    loadTypes: [RDB_TYPE_STREAM_LISTPACKS, RDB_TYPE_STREAM_LISTPACKS_2, RDB_TYPE_STREAM_LISTPACKS_3],
    load(r: RdbReader, rdbType: number): LoadedValue {
      try {
        // An empty stream is a valid value (streams are not deleted when emptied).
        return { type: OBJ_STREAM, enc: ENC_STREAM, obj: loadStreamRdb(r, rdbType) };
      } catch (e) {
        if (e instanceof StreamFormatError) throw new RdbError(e.message);
        throw e;
      }
    },
  });
}
