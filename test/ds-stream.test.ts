// The stream structure on its own: 64-bit IDs (numbers and bigints), packed nodes split at
// stream-node-max-entries / -bytes with Valkey's exact listpack sizes, iteration both ways
// against a model, tombstones, trimming (exact, approximate, LIMIT), the PEL index against a
// model, consumer groups, the entries-read / lag estimates, clone independence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Stream, IdTree, ID_MAX, ID_ZERO, U64_MAX, TRIM_MAXLEN, TRIM_MINID, ENTRIES_READ_INVALID,
  cmp, cmpId, decrId, incrId, add1, norm, sidString, type SID, type U64,
  loadStreamRdb, saveStreamRdb, nodeToListpack, nodeFromListpack, StreamFormatError, RDB_TYPE_STREAM_LISTPACKS_3,
} from '../src/ds/stream.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const id = (ms: U64, seq: U64): SID => ({ ms, seq });
const pairs = (...kv: string[]): Buffer[] => kv.map(b);

function add(s: Stream, ms: U64, seq: U64, kv: string[], maxBytes = 4096, maxEntries = 100): void {
  s.append(pairs(...kv), 0, kv.length / 2, id(ms, seq), maxBytes, maxEntries);
}

/** [id, fields] of every entry between start and end, in the given direction. */
function range(s: Stream, start: SID | null, end: SID | null, rev = false): [string, string[]][] {
  const it = s.iter(start, end, rev);
  const out: [string, string[]][] = [];
  while (it.next()) {
    const f: string[] = [];
    it.emitFields((buf, st, e) => f.push(buf.latin1Slice(st, e)));
    out.push([sidString({ ms: it.ms, seq: it.seq }), f]);
  }
  return out;
}

/** A deterministic pseudo-random generator. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

describe('IDs', () => {
  test('normalized 64-bit values compare across number and bigint forms', () => {
    assert.equal(norm(5n), 5);
    assert.equal(norm(2n ** 60n), 2n ** 60n);
    assert.equal(cmpId(9007199254740991, 0, 9007199254740992n, 0), -1);
    assert.equal(cmpId(U64_MAX, 0, 1, U64_MAX), 1);
    assert.equal(cmpId(3, U64_MAX, 3, U64_MAX), 0);
    assert.equal(add1(9007199254740991), 9007199254740992n);
  });

  test('increment and decrement carry between the two halves', () => {
    assert.deepEqual(incrId(id(1, U64_MAX)), id(2, 0));
    assert.equal(incrId(ID_MAX), null);
    assert.deepEqual(decrId(id(2, 0)), id(1, U64_MAX));
    assert.equal(decrId(ID_ZERO), null);
    assert.deepEqual(decrId(id(5, 9007199254740992n)), id(5, 9007199254740991));
  });
});

describe('nodes', () => {
  test('listpack size of a node is what Valkey computes', () => {
    const s = new Stream();
    add(s, 1, 0, ['f', 'v']);
    // header 6 + count 2 + deleted 2 + num-fields 2 + "f" 3 + 0 2 + flags 2 + ms 2 + seq 2 + "v" 3 + lp-count 2 + end 1
    assert.equal(s.nodes[s.head]!.lpBytes(), 29);
    add(s, 1, 1, ['f', '12345']); // same fields; "12345" is a 16-bit integer element (4 bytes)
    assert.equal(s.nodes[s.head]!.lpBytes(), 29 + 2 + 2 + 2 + 4 + 2);
  });

  test('a new node starts at stream-node-max-entries (live + deleted entries)', () => {
    const s = new Stream();
    for (let i = 1; i <= 10; i++) add(s, i, 0, ['a', String(i)], 4096, 3);
    assert.equal(s.nodeCount, 4);
    assert.equal(s.length, 10);
    add(s, 11, 0, ['a', 'x'], 4096, 3);
    assert.ok(s.deleteEntry(id(11, 0)));
    // The tail node holds 1 live + 1 deleted entry: room for one more, then a new node.
    add(s, 12, 0, ['a', 'x'], 4096, 3);
    assert.equal(s.nodeCount, 4);
    add(s, 13, 0, ['a', 'x'], 4096, 3);
    assert.equal(s.nodeCount, 5);
    // A node whose last live entry goes is removed, tombstones and all.
    assert.ok(s.deleteEntry(id(13, 0)));
    assert.equal(s.nodeCount, 4);
  });

  test('a new node starts when the listpack would reach stream-node-max-bytes', () => {
    const s = new Stream();
    add(s, 1, 0, ['f', 'v'], 40, 0); // 29 bytes
    add(s, 2, 0, ['f', 'v'], 40, 0); // 29 + 2 >= 40? no: appended (41 bytes now)
    assert.equal(s.nodeCount, 1);
    add(s, 3, 0, ['f', 'v'], 40, 0); // 41 + 2 >= 40: new node
    assert.equal(s.nodeCount, 2);
    // 0 means no byte limit (up to 1GB) and no entry limit.
    const t = new Stream();
    for (let i = 1; i < 500; i++) add(t, i, 0, ['f', 'x'.repeat(100)], 0, 0);
    assert.equal(t.nodeCount, 1);
  });

  test('entries with the master fields store values only, others their own fields', () => {
    const s = new Stream();
    add(s, 1, 0, ['a', '1', 'b', '2']);
    add(s, 2, 0, ['a', '3', 'b', '4']);
    add(s, 3, 0, ['b', '5', 'a', '6']);
    add(s, 4, 0, ['a', '7']);
    add(s, 5, 0, []);
    assert.deepEqual(range(s, null, null), [
      ['1-0', ['a', '1', 'b', '2']], ['2-0', ['a', '3', 'b', '4']], ['3-0', ['b', '5', 'a', '6']],
      ['4-0', ['a', '7']], ['5-0', []],
    ]);
  });

  test('integers, big integers and non-canonical numbers keep their exact text', () => {
    const s = new Stream();
    const vals = ['0', '-1', '127', '128', '-4096', '4095', '-32769', '8388608', '2147483648', '9223372036854775807',
      '-9223372036854775808', '9223372036854775808', '007', '-0', '1e3', ' 1', 'x'.repeat(5000)];
    let ms = 1;
    for (const v of vals) add(s, ms++, 0, [v, v]);
    assert.deepEqual(range(s, null, null).map((e) => e[1][1]), vals);
    assert.deepEqual(range(s, null, null).map((e) => e[1][0]), vals);
  });

  test('IDs beyond 2^53 and deltas that wrap around 2^64', () => {
    const s = new Stream();
    const ids: SID[] = [
      id(1, U64_MAX), id(2, 0), id(2, 18446744073709551614n), id(9007199254740993n, 5),
      id(U64_MAX, 0), id(U64_MAX, U64_MAX),
    ];
    for (const x of ids) s.append(pairs('f', 'v'), 0, 1, x, 4096, 100);
    assert.deepEqual(range(s, null, null).map((e) => e[0]), ids.map(sidString));
    assert.deepEqual(range(s, null, null, true).map((e) => e[0]), ids.map(sidString).reverse());
    assert.deepEqual(s.lastValidId(), id(U64_MAX, U64_MAX));
    assert.deepEqual(range(s, id(2, 1), id(9007199254740993n, 5)).map((e) => e[0]),
      ['2-18446744073709551614', '9007199254740993-5']);
  });
});

describe('radix tree size', () => {
  test('node count as Valkey reports it (radix-tree-nodes), measured on Valkey', () => {
    // One entry per node, IDs 1700000000000 + 7i: Valkey's XINFO radix-tree-nodes for n entries.
    const valkey: [number, number][] = [[1, 2], [2, 6], [3, 8], [5, 12], [10, 22], [20, 42], [50, 104], [100, 205], [200, 408], [500, 1016]];
    for (const [n, nodes] of valkey) {
      const s = new Stream();
      for (let i = 1; i <= n; i++) add(s, 1700000000000 + i * 7, 0, ['f', 'v'], 4096, 1);
      assert.equal(s.raxNodes(), nodes, `n=${n}`);
    }
    assert.equal(new Stream().raxNodes(), 1);
  });
});

describe('iteration against a model', () => {
  for (const [maxBytes, maxEntries] of [[4096, 100], [100, 0], [0, 3], [200, 7]] as const) {
    test(`random ranges both ways (max-bytes ${maxBytes}, max-entries ${maxEntries})`, () => {
      const r = rng(maxBytes * 31 + maxEntries);
      const s = new Stream();
      const model: [SID, string[]][] = [];
      let ms = 1000;
      const fieldsets = [['a'], ['a', 'b'], ['x', 'y', 'z'], ['b', 'a']];
      for (let i = 0; i < 600; i++) {
        ms += r(3);
        const x = id(ms, model.length && model[model.length - 1]![0].ms === ms ? add1(model[model.length - 1]![0].seq) : r(5));
        const kv: string[] = [];
        for (const f of fieldsets[r(fieldsets.length)]!) kv.push(f, r(3) === 0 ? String(r(100000) - 50000) : 'v'.repeat(r(40)));
        add(s, x.ms, x.seq, kv, maxBytes, maxEntries);
        model.push([x, kv]);
        if (r(8) === 0) {
          const k = r(model.length);
          assert.ok(s.deleteEntry(model[k]![0]));
          model.splice(k, 1);
        }
      }
      assert.equal(s.length, model.length);
      const all = model.map(([x, kv]) => [sidString(x), kv] as [string, string[]]);
      assert.deepEqual(range(s, null, null), all);
      assert.deepEqual(range(s, null, null, true), [...all].reverse());
      for (let q = 0; q < 100; q++) {
        const lo = id(1000 + r(ms - 1000 + 2), r(6));
        const hi = id(1000 + r(ms - 1000 + 2), r(6));
        const want = model.filter(([x]) => cmp(x, lo) >= 0 && cmp(x, hi) <= 0).map(([x, kv]) => [sidString(x), kv]);
        assert.deepEqual(range(s, lo, hi), want);
        assert.deepEqual(range(s, lo, hi, true), [...want].reverse());
      }
    });
  }
});

describe('deletion', () => {
  test('tombstones are skipped; a node goes when its last live entry does', () => {
    const s = new Stream();
    for (let i = 1; i <= 6; i++) add(s, i, 0, ['f', String(i)], 4096, 3);
    assert.equal(s.nodeCount, 2);
    assert.equal(s.deleteEntry(id(2, 0)), true);
    assert.equal(s.deleteEntry(id(2, 0)), false);
    assert.equal(s.deleteEntry(id(7, 0)), false);
    assert.deepEqual(range(s, null, null).map((e) => e[0]), ['1-0', '3-0', '4-0', '5-0', '6-0']);
    s.deleteEntry(id(1, 0));
    s.deleteEntry(id(3, 0));
    assert.equal(s.nodeCount, 1);
    assert.deepEqual(s.edgeId(true, true), id(4, 0));
    s.deleteEntry(id(6, 0));
    assert.deepEqual(s.lastValidId(), id(5, 0));
    assert.deepEqual(s.edgeId(false, false), id(6, 0)); // the tombstone is still the last entry
    assert.equal(s.exists(id(5, 0)), true);
    assert.equal(s.exists(id(6, 0)), false);
  });
});

describe('trimming', () => {
  function build(n: number, maxEntries: number): Stream {
    const s = new Stream();
    for (let i = 1; i <= n; i++) add(s, i, 0, ['f', 'v'], 4096, maxEntries);
    return s;
  }
  const args = (o: Partial<{ strategy: number; maxlen: number; minid: SID; approx: boolean; limit: number }>) => ({
    strategy: TRIM_MAXLEN, maxlen: 0, minid: ID_ZERO, approx: false, limit: 0, ...o,
  });

  test('MAXLEN exact flags entries inside the first remaining node', () => {
    const s = build(25, 10);
    assert.equal(s.trim(args({ maxlen: 12 })), 13);
    assert.equal(s.length, 12);
    assert.deepEqual(s.first, id(14, 0));
    assert.equal(s.nodeCount, 2);
    assert.equal(range(s, null, null)[0]![0], '14-0');
  });

  test('MAXLEN ~ removes whole nodes only', () => {
    const s = build(25, 10);
    assert.equal(s.trim(args({ maxlen: 12, approx: true })), 10);
    assert.equal(s.length, 15);
    assert.equal(s.trim(args({ maxlen: 12, approx: true })), 0);
  });

  test('LIMIT caps the entries removed', () => {
    const s = build(30, 10);
    assert.equal(s.trim(args({ maxlen: 0, approx: true, limit: 15 })), 10);
    assert.equal(s.trim(args({ maxlen: 0, approx: true, limit: 5 })), 0);
  });

  test('MINID exact and approximate', () => {
    const s = build(25, 10);
    assert.equal(s.trim(args({ strategy: TRIM_MINID, minid: id(15, 0), approx: true })), 10);
    assert.equal(s.trim(args({ strategy: TRIM_MINID, minid: id(15, 0) })), 4);
    assert.deepEqual(s.first, id(15, 0));
    assert.equal(s.trim(args({ strategy: TRIM_MINID, minid: id(1, 0) })), 0);
    assert.equal(s.trim(args({ strategy: TRIM_MINID, minid: id(100, 0) })), 11);
    assert.equal(s.length, 0);
    assert.deepEqual(s.first, ID_ZERO);
  });

  test('MAXLEN 0 empties the stream but keeps its metadata', () => {
    const s = build(5, 100);
    s.trim(args({ maxlen: 0 }));
    assert.equal(s.length, 0);
    assert.equal(s.nodeCount, 0);
    assert.deepEqual(s.last, id(5, 0));
    assert.equal(s.entriesAdded, 5);
  });
});

describe('PEL index against a model', () => {
  test('random inserts, removals and seeks across leaf splits and merges', () => {
    const r = rng(7);
    const t = new IdTree(true);
    const model = new Map<string, [SID, number]>();
    const key = (x: SID): string => sidString(x);
    const sorted = (): [SID, number][] => [...model.values()].sort((a, b2) => cmp(a[0], b2[0]));
    const cur = t.cursor();
    for (let i = 0; i < 5000; i++) {
      const x = id(r(300), r(4) === 0 ? 9007199254740993n + BigInt(r(3)) : r(3));
      if (r(3) !== 0) {
        const inserted = t.insert(cur, x.ms, x.seq, i, i * 2, null);
        assert.equal(inserted, !model.has(key(x)));
        if (inserted) model.set(key(x), [x, i]);
        assert.equal(cur.time, model.get(key(x))![1]);
      } else {
        assert.equal(t.remove(x.ms, x.seq), model.delete(key(x)));
      }
      assert.equal(t.size, model.size);
    }
    const all = sorted();
    const walked: string[] = [];
    t.forEach((c) => { walked.push(key(c.id())); assert.equal(c.count, c.time * 2); });
    assert.deepEqual(walked, all.map((e) => key(e[0])));
    for (let q = 0; q < 200; q++) {
      const x = id(r(310), r(4));
      t.seek(cur, x.ms, x.seq);
      const want = all.find((e) => cmp(e[0], x) >= 0);
      if (want === undefined) assert.equal(cur.valid, false);
      else assert.equal(key(cur.id()), key(want[0]));
    }
    assert.deepEqual(t.firstId(), all[0]![0]);
    assert.deepEqual(t.lastId(), all[all.length - 1]![0]);
    // removeAt leaves the cursor on the following ID.
    t.seek(cur, 0, 0);
    while (cur.valid) t.removeAt(cur);
    assert.equal(t.size, 0);
    assert.equal(t.firstId(), null);
  });
});

describe('consumer groups', () => {
  test('groups and consumers are unique by name and listed in byte order', () => {
    const s = new Stream();
    assert.ok(s.createGroup(b('g2'), ID_ZERO, ENTRIES_READ_INVALID));
    assert.ok(s.createGroup(b('g1'), ID_ZERO, 0));
    assert.equal(s.createGroup(b('g1'), ID_ZERO, 0), null);
    assert.deepEqual(s.sortedGroups().map((g) => g.name.toString()), ['g1', 'g2']);
    const g = s.group(b('g1'))!;
    assert.ok(g.createConsumer(b('bob'), 1));
    assert.ok(g.createConsumer(b('Alice'), 2));
    assert.equal(g.createConsumer(b('bob'), 3), null);
    assert.deepEqual(g.sortedConsumers().map((x) => x.name.toString()), ['Alice', 'bob']);
    assert.ok(s.destroyGroup(b('g2')));
    assert.equal(s.groupCount, 1);
  });

  test('deleting a consumer drops its pending entries from the group PEL', () => {
    const s = new Stream();
    const g = s.createGroup(b('g'), ID_ZERO, 0)!;
    const a = g.createConsumer(b('a'), 0)!, c2 = g.createConsumer(b('c'), 0)!;
    const gc = g.pel.cursor();
    for (let i = 1; i <= 5; i++) {
      const owner = i % 2 ? a : c2;
      g.pel.insert(gc, i, 0, 100, 1, owner);
      owner.pel.insert(owner.pel.cursor(), i, 0);
    }
    assert.equal(g.deleteConsumer(a), 3);
    assert.equal(g.pel.size, 2);
    assert.deepEqual(g.pel.firstId(), id(2, 0));
  });

  test('entries-read estimate and lag follow Valkey (XDELs make them unknown)', () => {
    const s = new Stream();
    for (let i = 1; i <= 5; i++) add(s, i, 0, ['data', 'x']);
    const g = s.createGroup(b('g'), ID_ZERO, ENTRIES_READ_INVALID)!;
    assert.equal(s.lag(g), 5n);
    assert.equal(s.estimateDistance(id(5, 0)), 5);
    assert.equal(s.estimateDistance(id(1, 0)), 1);
    assert.equal(s.estimateDistance(id(0, 5)), 0);
    assert.equal(s.estimateDistance(id(3, 0)), -1);
    assert.equal(s.estimateDistance(id(6, 0)), -1);
    s.deleteEntry(id(3, 0));
    s.maxDeleted = id(3, 0);
    assert.equal(s.rangeHasTombstones(g.last, null), true);
    assert.equal(s.lag(g), null);
    g.last = id(4, 0);
    assert.equal(s.rangeHasTombstones(g.last, null), false);
    g.entriesRead = 4;
    assert.equal(s.lag(g), 1n);
    const empty = new Stream();
    assert.equal(empty.lag(empty.createGroup(b('g'), ID_ZERO, ENTRIES_READ_INVALID)!), 0n);
  });
});

describe('clone', () => {
  test('a deep copy: entries, metadata, groups, PELs with their owners', () => {
    const s = new Stream();
    for (let i = 1; i <= 250; i++) add(s, i, 0, ['f', String(i)], 4096, 100);
    s.deleteEntry(id(7, 0));
    s.maxDeleted = id(7, 0);
    const g = s.createGroup(b('g'), id(3, 0), 3)!;
    const alice = g.createConsumer(b('alice'), 10)!;
    alice.activeTime = 11;
    const gc = g.pel.cursor();
    for (let i = 1; i <= 3; i++) { g.pel.insert(gc, i, 0, 50 + i, i, alice); alice.pel.insert(alice.pel.cursor(), i, 0); }
    const c = s.clone();
    assert.deepEqual(range(c, null, null), range(s, null, null));
    assert.equal(c.length, s.length);
    assert.deepEqual([c.last, c.first, c.maxDeleted, c.entriesAdded], [s.last, s.first, s.maxDeleted, s.entriesAdded]);
    const cg = c.group(b('g'))!;
    const ca = cg.consumer(b('alice'))!;
    assert.notEqual(ca, alice);
    assert.deepEqual([ca.seenTime, ca.activeTime, ca.pel.size], [10, 11, 3]);
    const cur = cg.pel.cursor();
    assert.ok(cg.pel.find(cur, 2, 0));
    assert.equal(cur.owner, ca);
    assert.deepEqual([cur.time, cur.count], [52, 2]);
    // Independence both ways.
    add(c, 300, 0, ['f', 'new']);
    s.deleteEntry(id(1, 0));
    cg.pel.remove(1, 0);
    assert.equal(c.length, 250);
    assert.equal(s.length, 248);
    assert.equal(g.pel.size, 3);
    assert.equal(range(c, id(1, 0), id(1, 0)).length, 1);
  });

  test('memory: a million small entries take a few bytes of overhead each', () => {
    const s = new Stream();
    const f1 = b('sensor'), f2 = b('temp');
    const vals = Array.from({ length: 100 }, (_, i) => b(String(i)));
    const argv = [f1, f1, f2, f2];
    for (let i = 0; i < 1_000_000; i++) {
      argv[1] = vals[i % 100]!; argv[3] = vals[(i * 7) % 100]!;
      s.append(argv, 0, 2, id(1700000000000 + Math.floor(i / 3), i % 3), 4096, 100);
    }
    assert.equal(s.length, 1_000_000);
    assert.equal(s.nodeCount, 10_000);
    // Each entry is ~12 packed bytes; nodes add ~1.5 bytes per entry.
    assert.ok(s.memoryUsage() < 20 * 1024 * 1024, `memoryUsage ${s.memoryUsage()}`);
  });
});

describe('Valkey listpacks and RDB payloads', () => {
  /** A minimal RDB writer/reader for stream payloads (raw and integer-encoded strings). */
  class Sink {
    parts: Buffer[] = [];
    byte(v: number): void { this.parts.push(Buffer.from([v])); }
    raw(b: Uint8Array): void { this.parts.push(Buffer.from(b)); }
    str(s: Uint8Array): void {
      const t = Buffer.from(s).toString('latin1');
      if (s.length <= 11 && /^-?[1-9]\d*$|^0$/.test(t) && Math.abs(Number(t)) < 2 ** 31) {
        const v = Number(t);
        if (v >= -128 && v <= 127) { this.byte(0xc0); this.byte(v & 0xff); return; }
        const x = Buffer.alloc(4);
        if (v >= -32768 && v <= 32767) { this.byte(0xc1); x.writeInt16LE(v); this.raw(x.subarray(0, 2)); return; }
        this.byte(0xc2); x.writeInt32LE(v); this.raw(x);
        return;
      }
      if (s.length < 64) this.byte(s.length);
      else if (s.length < 16384) { this.byte(0x40 | (s.length >> 8)); this.byte(s.length & 0xff); }
      else { this.byte(0x80); const x = Buffer.alloc(4); x.writeUInt32BE(s.length); this.raw(x); }
      this.raw(s);
    }
    get bytes(): Buffer { return Buffer.concat(this.parts); }
  }
  class Source {
    pos = 0;
    constructor(readonly buf: Buffer) {}
    byte(): number { if (this.pos >= this.buf.length) throw new Error('EOF'); return this.buf[this.pos++]!; }
    bytes(n: number): Buffer { if (this.pos + n > this.buf.length) throw new Error('EOF'); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
    str(): Buffer {
      const b = this.byte();
      if (b >> 6 === 0) return this.bytes(b & 63);
      if (b >> 6 === 1) return this.bytes(((b & 63) << 8) | this.byte());
      if (b === 0x80) return this.bytes(this.bytes(4).readUInt32BE(0));
      if (b === 0xc0) return Buffer.from(String((this.byte() << 24) >> 24));
      if (b === 0xc1) return Buffer.from(String(this.bytes(2).readInt16LE(0)));
      if (b === 0xc2) return Buffer.from(String(this.bytes(4).readInt32LE(0)));
      throw new Error(`unsupported string encoding ${b}`);
    }
  }

  // DUMP payload (type byte, version and checksum removed) from Valkey with rdbcompression off:
  //   XADD x 1-1 a 1; XADD x 2-2 b 2 c 3; XADD x 2-3 a 12345678901; XDEL x 1-1
  //   XGROUP CREATE x g 0; XGROUP CREATE x h $ ENTRIESREAD 3
  //   XCLAIM x g alice 0 2-2 TIME 1700000000000 RETRYCOUNT 2 FORCE JUSTID; XGROUP CREATECONSUMER x g bob
  const VALKEY_PAYLOAD = Buffer.from(
    '01100000000000000001000000000000000140424200000018000201010101018161020001030100010001010104010001010101010201' +
    '816202020181630203010801020101010201f4351cdcdf02000000090401ff0202030202010103020167000081ffffffffffffffff0100' +
    '0000000000000200000000000000020068e5cf8b010000020205616c6963656afd3001a20100006afd3001a2010000010000000000000002' +
    '000000000000000203626f626dfd3001a2010000ffffffffffffffff0001680203030000', 'hex');

  test('a Valkey payload loads, and saving it again gives the same bytes', () => {
    const s = loadStreamRdb(new Source(VALKEY_PAYLOAD), RDB_TYPE_STREAM_LISTPACKS_3);
    assert.deepEqual(range(s, null, null), [['2-2', ['b', '2', 'c', '3']], ['2-3', ['a', '12345678901']]]);
    assert.deepEqual([s.length, s.last, s.first, s.maxDeleted, s.entriesAdded], [2, id(2, 3), id(2, 2), id(1, 1), 3]);
    const [g, h] = s.sortedGroups();
    assert.deepEqual([g!.name.toString(), g!.last, g!.entriesRead], ['g', ID_ZERO, ENTRIES_READ_INVALID]);
    assert.deepEqual([h!.name.toString(), h!.last, h!.entriesRead], ['h', id(2, 3), 3]);
    const cur = g!.pel.cursor();
    assert.ok(g!.pel.find(cur, 2, 2));
    assert.deepEqual([cur.time, cur.count, cur.owner!.name.toString()], [1700000000000, 2, 'alice']);
    const bob = g!.consumer(b('bob'))!;
    assert.deepEqual([bob.activeTime, bob.pel.size], [-1, 0]);
    const out = new Sink();
    saveStreamRdb(s, out, false);
    assert.deepEqual(out.bytes, VALKEY_PAYLOAD);
  });

  test('round trip of a large stream with tombstones, big IDs and groups', () => {
    const s = new Stream();
    for (let i = 1; i <= 500; i++) add(s, i, i % 3, i % 7 ? ['f', String(i)] : ['g', 'x'.repeat(i)], 512, 20);
    s.append(pairs('f', 'v'), 0, 1, id(U64_MAX, 1), 512, 20);
    for (let i = 1; i <= 500; i += 5) s.deleteEntry(id(i, i % 3));
    s.maxDeleted = id(496, 1);
    const g = s.createGroup(b('grp'), id(100, 1), 99)!;
    const c = g.createConsumer(b('c1'), 5)!;
    const cur = g.pel.cursor();
    for (let i = 2; i <= 300; i += 7) { g.pel.insert(cur, i, i % 3, 1000 + i, i, c); c.pel.insert(c.pel.cursor(), i, i % 3); }
    const out = new Sink();
    saveStreamRdb(s, out, false);
    const t = loadStreamRdb(new Source(out.bytes), RDB_TYPE_STREAM_LISTPACKS_3);
    assert.deepEqual(range(t, null, null), range(s, null, null));
    assert.equal(t.nodeCount, s.nodeCount);
    assert.deepEqual([t.length, t.last, t.first, t.maxDeleted, t.entriesAdded], [s.length, s.last, s.first, s.maxDeleted, s.entriesAdded]);
    const tg = t.group(b('grp'))!;
    assert.equal(tg.pel.size, g.pel.size);
    assert.equal(tg.consumer(b('c1'))!.pel.size, c.pel.size);
    for (let i = 0; i < s.nodeCount; i++) assert.deepEqual(nodeToListpack(t.nodes[t.head + i]!), nodeToListpack(s.nodes[s.head + i]!));
  });

  test('corrupt payloads are rejected, never loaded half-way', () => {
    const bad = (buf: Buffer): void => {
      assert.throws(() => loadStreamRdb(new Source(buf), RDB_TYPE_STREAM_LISTPACKS_3));
    };
    bad(VALKEY_PAYLOAD.subarray(0, 40));
    // Flip bytes inside the listpack: every variant must fail cleanly or load consistently.
    for (let i = 20; i < 75; i++) {
      const copy = Buffer.from(VALKEY_PAYLOAD);
      copy[i] = copy[i]! ^ 0x5a;
      try {
        const s = loadStreamRdb(new Source(copy), RDB_TYPE_STREAM_LISTPACKS_3);
        range(s, null, null);
        range(s, null, null, true);
      } catch (e) {
        assert.ok(e instanceof Error);
      }
    }
    assert.throws(() => nodeFromListpack(1, 0, Buffer.from([7, 0, 0, 0, 0, 0, 0xff])), StreamFormatError);
  });
});
