// The AOF base file in command format (`aof-use-rdb-preamble no`), as valkey-server's
// rewriteAppendOnlyFile writes it: per database a SELECT, then per key the commands that rebuild
// it — SET; RPUSH / SADD / ZADD / HMSET with at most 64 items per command; a stream as XADD per
// entry (or XADD MAXLEN 0 for an empty one), XSETID with ENTRIESADDED / MAXDELETEDID, XGROUP
// CREATE ... ENTRIESREAD per group, XCLAIM ... FORCE per pending entry and XGROUP CREATECONSUMER
// for consumers without one — followed by PEXPIREAT when the key has a TTL. Hash fields with a
// TTL get HPEXPIREAT.
//
// The same fork-less Snapshot as an RDB base drives it: only the per-key encoding differs.
import type { Keyspace } from '../store/keyspace.js';
import { OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STREAM, OBJ_STRING, OBJ_ZSET } from '../store/types.js';
import type { ListObject } from '../ds/quicklist.js';
import type { SetObject } from '../ds/set.js';
import type { ZsetObj } from '../ds/zset.js';
import type { HashObject } from '../ds/hash.js';
import { idString, type Stream } from '../ds/stream.js';
import {
  aofEntryWriter, formatG17, RdbError, RdbOut, RdbReader, rdbFunctionHooks, RDB_OPCODE_FUNCTION2, stringValue,
} from './rdb.js';
import type { Server } from '../server/server.js';

/** Items per RPUSH / SADD / ZADD / HMSET (Valkey's AOF_REWRITE_ITEMS_PER_CMD). */
export const AOF_REWRITE_ITEMS_PER_CMD = 64;

const CRLF = Buffer.from('\r\n');

function head(out: RdbOut, n: number): void { out.raw(Buffer.from(`*${n}\r\n`, 'latin1')); }

function bulk(out: RdbOut, b: Uint8Array | string): void {
  const buf = typeof b === 'string' ? Buffer.from(b, 'latin1') : b;
  out.raw(Buffer.from(`$${buf.length}\r\n`, 'latin1'));
  out.raw(buf);
  out.raw(CRLF);
}

function bulkRange(out: RdbOut, src: Buffer, start: number, end: number): void {
  out.raw(Buffer.from(`$${end - start}\r\n`, 'latin1'));
  out.raw(src.subarray(start, end));
  out.raw(CRLF);
}

/** One command from its arguments. */
function command(out: RdbOut, ...args: Array<Uint8Array | string>): void {
  head(out, args.length);
  for (const a of args) bulk(out, a);
}

/** Emits `items` elements as commands of at most 64 items, each of `per` arguments. */
function batched(out: RdbOut, name: string, key: Uint8Array, items: number, per: number, each: (emit: () => void) => void): void {
  let count = 0;
  let left = items;
  each(() => {
    if (count === 0) {
      const n = Math.min(left, AOF_REWRITE_ITEMS_PER_CMD);
      head(out, 2 + n * per);
      bulk(out, name);
      bulk(out, key);
    }
    left--;
    if (++count === AOF_REWRITE_ITEMS_PER_CMD) count = 0;
  });
}

/** SELECT for the start of a database. */
export function rewriteSelect(out: RdbOut, dbId: number): void {
  command(out, 'SELECT', String(dbId));
}

/** The commands that rebuild key block `a`, then PEXPIREAT if it has a TTL. */
export function rewriteEntry(out: RdbOut, ks: Keyspace, a: number): void {
  const ar = ks.arena;
  const key = ar.keyView(a);
  const type = ar.type(a);
  const obj = type === OBJ_STRING ? null : ar.objs[ar.valLen(a)];
  switch (type) {
    case OBJ_STRING:
      command(out, 'SET', key, stringValue(ks, a));
      break;
    case OBJ_LIST: {
      const l = obj as ListObject;
      const n = l.length;
      batched(out, 'RPUSH', key, n, 1, (emit) => {
        l.range(0, n, false, (src, s, e) => { emit(); bulkRange(out, src, s, e); });
      });
      break;
    }
    case OBJ_SET: {
      const set = obj as SetObject;
      const members = set.members(false);
      batched(out, 'SADD', key, members.length, 1, (emit) => {
        for (const m of members) { emit(); bulk(out, typeof m === 'object' ? m : String(m)); }
      });
      break;
    }
    case OBJ_ZSET: {
      const z = obj as ZsetObj;
      const n = z.length;
      batched(out, 'ZADD', key, n, 2, (emit) => {
        z.each(0, n, false, (buf, off, len, score) => {
          emit();
          bulk(out, formatG17(score));
          bulkRange(out, buf, off, off + len);
        });
      });
      break;
    }
    case OBJ_HASH: {
      const h = obj as HashObject;
      const entries: Array<[string, string, number]> = [];
      h.forEachEntry((f, v, exp) => { entries.push([f, v, exp]); });
      batched(out, 'HMSET', key, entries.length, 2, (emit) => {
        for (const [f, v] of entries) { emit(); bulk(out, f); bulk(out, v); }
      });
      for (const [f, , exp] of entries) if (exp > 0) command(out, 'HPEXPIREAT', key, String(Math.trunc(exp)), 'FIELDS', '1', f);
      break;
    }
    case OBJ_STREAM:
      rewriteStream(out, key, obj as Stream);
      break;
    default:
      throw new RdbError(`Can't rewrite key '${key.toString('latin1')}' as commands: value type ${type}`);
  }
  const exp = ar.expire(a);
  if (exp !== 0) command(out, 'PEXPIREAT', key, String(Math.trunc(exp)));
}

function rewriteStream(out: RdbOut, key: Buffer, s: Stream): void {
  if (s.length > 0) {
    const it = s.iter(null, null, false);
    const fields: Array<[Buffer, number, number]> = [];
    while (it.next()) {
      fields.length = 0;
      it.emitFields((src, st, e) => { fields.push([src, st, e]); });
      head(out, 3 + fields.length);
      bulk(out, 'XADD');
      bulk(out, key);
      bulk(out, idString(it.ms, it.seq));
      for (const [src, st, e] of fields) bulkRange(out, src, st, e);
    }
  } else {
    // An empty stream still exists (with its last ID): create it with a throwaway entry trimmed at once.
    command(out, 'XADD', key, 'MAXLEN', '0', '0-1', 'x', 'y');
  }
  command(out, 'XSETID', key, idString(s.last.ms, s.last.seq), 'ENTRIESADDED', String(s.entriesAdded),
    'MAXDELETEDID', idString(s.maxDeleted.ms, s.maxDeleted.seq));
  for (const g of s.sortedGroups()) {
    command(out, 'XGROUP', 'CREATE', key, g.name, idString(g.last.ms, g.last.seq), 'ENTRIESREAD', String(g.entriesRead));
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) {
        command(out, 'XGROUP', 'CREATECONSUMER', key, g.name, c.name);
        continue;
      }
      // Delivery time and count live in the group PEL; the consumer's PEL lists its IDs.
      c.pel.forEach((cur) => {
        const gcur = g.pel.cursor();
        const found = g.pel.find(gcur, cur.ms, cur.seq);
        const time = found ? gcur.time : 0;
        const count = found ? gcur.count : 1;
        command(out, 'XCLAIM', key, g.name, c.name, '0', idString(cur.ms, cur.seq), 'TIME', String(time),
          'RETRYCOUNT', String(count), 'JUSTID', 'FORCE');
      });
    }
  }
}

/**
 * The start of the base: FUNCTION LOAD for each function library (their code as the RDB writer
 * of the libraries would store it), then the optional timestamp annotation.
 */
export function rewriteHeader(s: Server, out: RdbOut): void {
  if (s.config.bool('aof-timestamp-enabled')) out.raw(Buffer.from(`#TS:${Math.floor(Date.now() / 1000)}\r\n`, 'latin1'));
  if (rdbFunctionHooks.save === null) return;
  const tmp = new RdbOut(256);
  rdbFunctionHooks.save(s, tmp, false);
  const bytes = tmp.take();
  const r = new RdbReader(bytes);
  while (r.remaining > 0) {
    if (r.byte() !== RDB_OPCODE_FUNCTION2) throw new RdbError('unexpected function library record');
    command(out, 'FUNCTION', 'LOAD', r.str());
  }
}

aofEntryWriter.header = rewriteHeader;
aofEntryWriter.select = rewriteSelect;
aofEntryWriter.entry = rewriteEntry;
