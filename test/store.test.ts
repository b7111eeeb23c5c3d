// Unit tests of the off-heap store itself (src/store/arena.ts, dict.ts, keyspace.ts): no server,
// no sockets. They check the invariants the command families rely on: incremental rehash,
// the SCAN guarantee while the table grows and shrinks, the TTL index, block reuse, big values
// stored out of line, big keys in dedicated slabs, active expiry and lazy freeing.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Keyspace, Db } from '../src/store/keyspace.js';
import { Arena, FLAG_OBJ, MAX_CLASS_BLOCK, MAX_INLINE_VALUE, ADDR_UNIT_MASK, ADDR_UNITS_SHIFT, SLAB_SIZE } from '../src/store/arena.js';
import { Dict } from '../src/store/dict.js';
import { hashKey } from '../src/store/hash.js';
import { BigString, OBJ_LIST, ENC_QUICKLIST, StoredObject, ENC_EMBSTR, ENC_INT, ENC_RAW } from '../src/store/types.js';

const k = (i: number | string) => Buffer.from(`key:${i}`);
const v = (i: number | string) => Buffer.from(`value-${i}`);

function fresh(dbs = 4): { ks: Keyspace; db: Db } {
  const ks = new Keyspace(dbs);
  ks.now = Date.now();
  return { ks, db: ks.dbs[0]! };
}

/** Every key of the db by walking the dict. */
function allKeys(db: Db): Set<string> {
  const out = new Set<string>();
  db.dict.forEach((a) => out.add(db.ks.arena.keyView(a).toString()));
  return out;
}

/** Checks the TTL index against the blocks: same count, positions point back, no stale entry. */
function checkTtlIndex(db: Db): void {
  const ar = db.ks.arena;
  let withTtl = 0;
  db.dict.forEach((a) => { if (ar.expire(a) !== 0) withTtl++; });
  assert.equal(db.ttl.count, withTtl, 'TTL index count matches keys with an expire');
  const seen = new Set<number>();
  for (let i = 0; i < db.ttl.count; i++) {
    const a = db.ttl.addrs[i]!;
    assert.equal(ar.ttlPos(a), i, 'ttlPos points back at the index slot');
    assert.notEqual(ar.expire(a), 0, 'indexed key has an expire');
    assert.equal(db.findRaw(ar.keyView(a)), a, 'indexed block is the live block of its key');
    assert.ok(!seen.has(a), 'no duplicate in the TTL index');
    seen.add(a);
  }
}

/** Runs a full SCAN, calling `between` after every step; returns every key seen. */
function fullScan(db: Db, between: (step: number) => void): Set<string> {
  const seen = new Set<string>();
  let cursor = 0;
  let step = 0;
  do {
    cursor = db.dict.scan(cursor, (a) => seen.add(db.ks.arena.keyView(a).toString()));
    between(step++);
  } while (cursor !== 0);
  return seen;
}

describe('dict: incremental rehash', () => {
  test('many inserts and deletes keep every key findable, rehashing a little at a time', () => {
    const { db } = fresh();
    const N = 50000;
    let sawRehash = false;
    let maxBucketsMoved = 0;
    for (let i = 0; i < N; i++) {
      const before = db.dict.rehashIdx;
      db.setString(k(i), v(i));
      if (db.dict.isRehashing()) {
        sawRehash = true;
        if (before >= 0 && db.dict.rehashIdx >= 0) maxBucketsMoved = Math.max(maxBucketsMoved, db.dict.rehashIdx - before);
      }
    }
    assert.ok(sawRehash, 'the table resized incrementally');
    // A write does two rehash steps (lookup + insert), each moving one non-empty bucket and
    // skipping at most ten empty ones.
    assert.ok(maxBucketsMoved <= 22, `at most a few buckets per operation (saw ${maxBucketsMoved})`);
    assert.equal(db.size, N);
    for (let i = 0; i < N; i++) {
      const a = db.findRaw(k(i));
      assert.notEqual(a, 0, `key ${i} present`);
      assert.deepEqual(db.stringView(a), v(i));
    }
    // Delete 95%: the table must shrink (incrementally) and keep the rest.
    for (let i = 0; i < N; i++) if (i % 20 !== 0) assert.ok(db.delete(k(i)));
    assert.equal(db.size, N / 20);
    while (db.dict.isRehashing()) db.dict.rehash(100);
    db.dict.checkResize();
    while (db.dict.isRehashing()) db.dict.rehash(100);
    assert.ok(db.dict.bucketCount() <= 8 * db.size, `shrunk to ${db.dict.bucketCount()} buckets for ${db.size} keys`);
    for (let i = 0; i < N; i += 20) assert.notEqual(db.findRaw(k(i)), 0);
    for (let i = 1; i < N; i += 20) assert.equal(db.findRaw(k(i)), 0);
    assert.equal(allKeys(db).size, N / 20);
  });

  test('rehashMs finishes a pending resize', () => {
    const { db } = fresh();
    for (let i = 0; i < 5000; i++) db.setString(k(i), v(i));
    for (let i = 0; i < 20 && !db.dict.isRehashing(); i++) db.setString(k(`x${i}`), v(i));
    db.dict.rehashMs(50);
    assert.equal(db.dict.isRehashing(), false);
    assert.equal(db.dict.t1, null);
    for (let i = 0; i < 5000; i++) assert.notEqual(db.findRaw(k(i)), 0);
  });

  test('a paused dict does not move buckets on lookups', () => {
    const { db } = fresh();
    for (let i = 0; i < 3000; i++) db.setString(k(i), v(i));
    while (!db.dict.isRehashing()) db.setString(k(`p${db.size}`), v(0));
    const idx = db.dict.rehashIdx;
    db.dict.pauseRehash++;
    for (let i = 0; i < 100; i++) db.findRaw(k(i));
    assert.equal(db.dict.rehashIdx, idx);
    db.dict.pauseRehash--;
    db.findRaw(k(1));
    assert.ok(db.dict.rehashIdx !== idx);
  });
});

describe('dict: SCAN guarantee', () => {
  test('keys present for the whole iteration are returned while the table grows', () => {
    const { db } = fresh();
    const N = 2000;
    for (let i = 0; i < N; i++) db.setString(k(i), v(i));
    let added = 0;
    const startBuckets = db.dict.bucketCount();
    let maxBuckets = startBuckets;
    const seen = fullScan(db, () => {
      // Grow aggressively between the first steps: the table doubles several times during the
      // walk (growth must stop at some point, or the walk never catches up).
      for (let j = 0; j < 300 && added < 20000; j++) db.setString(k(`grow-${added++}`), v(j));
      maxBuckets = Math.max(maxBuckets, db.dict.bucketCount());
    });
    assert.ok(maxBuckets >= startBuckets * 4, `table grew during the scan (${startBuckets} -> ${maxBuckets})`);
    for (let i = 0; i < N; i++) assert.ok(seen.has(k(i).toString()), `original key ${i} returned`);
  });

  test('keys present for the whole iteration are returned while the table shrinks', () => {
    const { db } = fresh();
    const KEEP = 300, EXTRA = 30000;
    for (let i = 0; i < KEEP; i++) db.setString(k(i), v(i));
    for (let i = 0; i < EXTRA; i++) db.setString(k(`extra-${i}`), v(i));
    while (db.dict.isRehashing()) db.dict.rehash(100);
    const startBuckets = db.dict.bucketCount();
    let minBuckets = startBuckets;
    let next = 0;
    const seen = fullScan(db, () => {
      for (let j = 0; j < 2000 && next < EXTRA; j++) db.delete(k(`extra-${next++}`));
      // Lookups drive the incremental rehash of the shrink.
      for (let j = 0; j < 50; j++) db.findRaw(k(j));
      minBuckets = Math.min(minBuckets, db.dict.bucketCount());
    });
    assert.ok(minBuckets <= startBuckets / 8, `table shrank during the scan (${startBuckets} -> ${minBuckets})`);
    for (let i = 0; i < KEEP; i++) assert.ok(seen.has(k(i).toString()), `kept key ${i} returned`);
  });

  test('grow then shrink within one iteration, with the walk starting mid-rehash', () => {
    const { db } = fresh();
    const KEEP = 500;
    for (let i = 0; i < KEEP; i++) db.setString(k(i), v(i));
    while (!db.dict.isRehashing()) db.setString(k(`pre-${db.size}`), v(0));
    let phase = 0, n = 0, del = 0;
    const seen = fullScan(db, (step) => {
      if (step < 15) { for (let j = 0; j < 400; j++) db.setString(k(`g-${n++}`), v(j)); }
      else { for (let j = 0; j < 800 && del < n; j++) db.delete(k(`g-${del++}`)); phase = 1; }
    });
    assert.equal(phase, 1);
    for (let i = 0; i < KEEP; i++) assert.ok(seen.has(k(i).toString()), `key ${i} returned`);
  });

  test('an empty table returns cursor 0 at once', () => {
    const { db } = fresh();
    let calls = 0;
    assert.equal(db.dict.scan(0, () => calls++), 0);
    assert.equal(calls, 0);
  });
});

describe('TTL index', () => {
  test('stays consistent through set, overwrite, persist, delete, relocate, copy and swap', () => {
    const { ks, db } = fresh();
    const db1 = ks.dbs[1]!;
    const now = ks.now;
    for (let i = 0; i < 2000; i++) db.setString(k(i), v(i), i % 2 ? now + 100000 + i : 0);
    checkTtlIndex(db);
    assert.equal(db.expiresCount, 1000);
    // Overwrite: keep TTL (-1), drop TTL (0), set a new one.
    for (let i = 0; i < 300; i++) db.setString(k(i), Buffer.alloc(i * 3, 'x'), -1);
    for (let i = 300; i < 600; i++) db.setString(k(i), v(i), 0);
    for (let i = 600; i < 900; i++) db.setString(k(i), Buffer.alloc(200, 'y'), now + 5000);
    checkTtlIndex(db);
    // Persist and set expires directly.
    for (let i = 900; i < 1200; i++) db.setExpire(db.findRaw(k(i)), i % 3 ? 0 : now + 1);
    checkTtlIndex(db);
    // Deletes.
    for (let i = 1200; i < 1400; i++) db.delete(k(i));
    checkTtlIndex(db);
    // Relocations inside the db and to another db.
    for (let i = 1400; i < 1500; i++) db.relocate(db.findRaw(k(i)), k(`renamed-${i}`), db);
    for (let i = 1500; i < 1600; i++) db.relocate(db.findRaw(k(i)), k(i), db1);
    checkTtlIndex(db); checkTtlIndex(db1);
    for (let i = 1500; i < 1600; i++) {
      const a = db1.findRaw(k(i));
      assert.equal(ks.arena.expire(a) !== 0, i % 2 === 1, 'TTL moved with the key');
    }
    // Copies.
    for (let i = 1600; i < 1700; i++) db.copyTo(db.findRaw(k(i)), k(`copy-${i}`), db1, () => { throw new Error('no'); });
    checkTtlIndex(db); checkTtlIndex(db1);
    ks.swapDb(0, 1);
    checkTtlIndex(ks.dbs[0]!); checkTtlIndex(ks.dbs[1]!);
    assert.equal(ks.dbs[0]!.findRaw(k(1601)), 0);
    assert.notEqual(ks.dbs[0]!.findRaw(k('copy-1601')), 0);
  });

  test('active expiry removes expired keys and leaves the others', () => {
    const { ks, db } = fresh();
    const db3 = ks.dbs[3]!;
    const past = Date.now() - 1000, future = Date.now() + 3600_000;
    for (let i = 0; i < 20000; i++) db.setString(k(i), v(i), i % 10 === 0 ? future : past);
    for (let i = 0; i < 5000; i++) db3.setString(k(i), v(i), past);
    const events: string[] = [];
    ks.onChange((_db, _key, ev) => events.push(ev));
    let rounds = 0;
    while ((db.size > 2000 || db3.size > 0) && rounds < 2000) { ks.activeExpire(2, 1); rounds++; }
    // Sampling stops once fewer than 10% of samples are expired, so a few may be left over.
    assert.ok(db.size - 2000 <= 0.1 * db.size + 50, `db0 has ${db.size} keys left`);
    assert.ok(db3.size <= 50, `db3 has ${db3.size} keys left`);
    for (let i = 0; i < 20000; i += 10) assert.notEqual(db.findRaw(k(i)), 0, 'live key kept');
    assert.equal(ks.stats.expiredKeys, 25000 - db.size - db3.size);
    assert.ok(events.length > 0 && events.every((e) => e === 'expired'));
    checkTtlIndex(db); checkTtlIndex(db3);
    assert.ok(db.avgTtl > 0, 'average TTL is tracked');
  });

  test('active expiry gives up after its time budget and reports staleness', () => {
    const { ks, db } = fresh();
    const past = Date.now() - 1;
    for (let i = 0; i < 200000; i++) db.setString(k(i), v(i), past);
    const t0 = performance.now();
    const stale = ks.activeExpire(1, 1);
    const took = performance.now() - t0;
    assert.equal(stale, true);
    assert.ok(db.size > 0 && db.size < 200000);
    assert.ok(took < 50, `one slice took ${took.toFixed(1)} ms`);
    assert.ok(ks.stats.expiredTimeCapReached >= 1);
  });

  test('lazy expiry on lookup deletes the key and counts it', () => {
    const { ks, db } = fresh();
    db.setString(k(1), v(1), Date.now() - 5);
    assert.equal(db.size, 1);
    assert.equal(db.lookup(k(1)), 0);
    assert.equal(db.size, 0);
    assert.equal(ks.stats.expiredKeys, 1);
    checkTtlIndex(db);
  });
});

describe('arena', () => {
  test('freed blocks are reused: usedBytes returns to its baseline and no slab is added', () => {
    const { ks, db } = fresh();
    const ar = ks.arena;
    const base = ar.usedBytes;
    for (let i = 0; i < 20000; i++) db.setString(k(i), Buffer.alloc(i % 300, 'a'), i % 3 ? Date.now() + 60000 : 0);
    const used = ar.usedBytes;
    const slabs = ar.slabBytes;
    assert.ok(used > base);
    for (let i = 0; i < 20000; i++) db.delete(k(i));
    assert.equal(ar.usedBytes, base);
    // Same workload again: every block comes from the free lists or the bump area.
    for (let i = 0; i < 20000; i++) db.setString(k(i), Buffer.alloc(i % 300, 'a'));
    assert.equal(ar.usedBytes, used);
    assert.equal(ar.slabBytes, slabs);
    for (let i = 0; i < 20000; i++) db.delete(k(i));
    assert.equal(ar.usedBytes, base);
  });

  test('overwrites that grow and shrink values keep the accounting exact', () => {
    const { ks, db } = fresh();
    const ar = ks.arena;
    const base = ar.usedBytes;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 2000; i++) db.setString(k(i), Buffer.alloc((i * 7 + round * 131) % 2000, 'z'));
    }
    for (let i = 0; i < 2000; i++) {
      assert.equal(db.stringLength(db.findRaw(k(i))), (i * 7 + 4 * 131) % 2000);
    }
    for (let i = 0; i < 2000; i++) db.delete(k(i));
    assert.equal(ar.usedBytes, base);
  });

  test('values larger than 8 KB live out of line and are released with their key', () => {
    const { ks, db } = fresh();
    const ar = ks.arena;
    const base = ar.usedBytes;
    const big = Buffer.alloc(MAX_INLINE_VALUE + 1000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 255;
    const a = db.setString(k('big'), big);
    assert.ok(ar.flags(a) & FLAG_OBJ, 'stored out of line');
    assert.ok(ar.objs[ar.valLen(a)] instanceof BigString);
    assert.deepEqual(db.stringView(a), big);
    assert.equal(db.stringLength(a), big.length);
    assert.ok(ar.usedBytes - base < 128, 'the block itself stays small');
    // Overwrite with a smaller big value, then with a small one (back inline), then a big one.
    const big2 = Buffer.alloc(MAX_INLINE_VALUE + 10, 7);
    assert.deepEqual(db.stringView(db.setString(k('big'), big2)), big2);
    const small = db.setString(k('big'), v('small'));
    assert.equal(ar.flags(small) & FLAG_OBJ, 0);
    assert.deepEqual(db.stringView(small), v('small'));
    const objSlot = ar.valLen(db.setString(k('big'), big));
    assert.deepEqual(db.stringView(db.findRaw(k('big'))), big);
    // Renaming keeps the object; deleting releases it.
    const moved = db.relocate(db.findRaw(k('big')), k('big2'), db);
    assert.deepEqual(db.stringView(moved), big);
    assert.equal(ar.valLen(moved), objSlot);
    db.delete(k('big2'));
    assert.equal(ar.objs[objSlot], undefined, 'object slot released');
    assert.equal(ar.usedBytes, base);
  });

  test('a medium value with a long key goes out of line instead of needing a dedicated slab', () => {
    const { ks, db } = fresh();
    const ar = ks.arena;
    const key = Buffer.alloc(9000, 'k');
    const val = Buffer.alloc(8000, 'v');
    const slabsBefore = ar.slabCount();
    const a = db.setString(key, val);
    assert.ok(ar.flags(a) & FLAG_OBJ);
    assert.ok(ar.capacity(a) <= MAX_CLASS_BLOCK);
    assert.deepEqual(db.stringView(a), val);
    assert.ok(ar.slabCount() <= slabsBefore + 1);
    // Renaming an inline value to a long name also stays within the size classes.
    const b = db.setString(k('short'), val);
    assert.equal(ar.flags(b) & FLAG_OBJ, 0);
    const moved = db.relocate(b, key.subarray(0, 8900), db);
    assert.ok(ar.capacity(moved) <= MAX_CLASS_BLOCK);
    assert.deepEqual(db.stringView(moved), val);
  });

  test('keys larger than 16 KB get a dedicated slab, never address 0, and give it back', () => {
    // A fresh arena whose very first block is a dedicated one.
    const { ks, db } = fresh();
    const ar = ks.arena;
    const key = Buffer.alloc(20000);
    for (let i = 0; i < key.length; i++) key[i] = (i * 13) & 255;
    const baseUsed = ar.usedBytes, baseSlab = ar.slabBytes;
    const a = db.setString(key, v('x'));
    assert.notEqual(a, 0, 'address 0 is never handed out');
    assert.ok(ar.capacity(a) >= 32 + key.length);
    assert.equal(db.findRaw(key), a);
    assert.deepEqual(ar.keyView(a), key);
    assert.deepEqual(db.stringView(a), v('x'));
    // Small keys around it still work.
    for (let i = 0; i < 100; i++) db.setString(k(i), v(i));
    const key2 = Buffer.concat([key, Buffer.from('2')]);
    db.setString(key2, Buffer.alloc(MAX_INLINE_VALUE + 5, 1), Date.now() + 10000);
    assert.equal(db.expiresCount, 1);
    assert.equal(ar.keyLen(db.findRaw(key2)), key2.length);
    // Rename a big key to another big key and back to a small one.
    const r = db.relocate(db.findRaw(key2), Buffer.concat([key, Buffer.from('3')]), db);
    assert.notEqual(ar.expire(r), 0);
    const r2 = db.relocate(r, k('was-big'), db);
    assert.equal(ar.keyLen(r2), k('was-big').length);
    checkTtlIndex(db);
    db.delete(key);
    db.delete(k('was-big'));
    for (let i = 0; i < 100; i++) db.delete(k(i));
    assert.equal(ar.usedBytes, baseUsed);
    // Shared slabs stay (for reuse); dedicated ones are gone. Reserved, uncarved chunk space
    // is not a slab.
    assert.ok(ar.slabBytes - baseSlab - ar.reservedFreeBytes() <= 8 * 1024 * 1024);
  });

  test('shared slabs are 8 MiB windows of a few growing reserved chunks', () => {
    const ar = new Arena();
    const size = 200; // one size class, bump-allocated
    const perSlab = Math.floor(SLAB_SIZE / 200) - 1;
    const addrs: number[] = [];
    // Enough blocks for 10 slabs: the first chunk (64 MiB) holds 8, the second the rest.
    for (let i = 0; i < perSlab * 10; i++) addrs.push(ar.alloc(size));
    const slabs = new Set(addrs.map((a) => a >>> ADDR_UNITS_SHIFT));
    assert.ok(slabs.size >= 10);
    const buffers = new Set([...slabs].map((id) => ar.u8[id]!.buffer));
    assert.equal(buffers.size, 2, 'two reservations, not one ArrayBuffer per slab');
    for (const id of slabs) {
      assert.equal(ar.u8[id]!.length, SLAB_SIZE);
      assert.equal(ar.u32[id]!.byteOffset, ar.u8[id]!.byteOffset);
      assert.equal(ar.f64[id]!.byteOffset, ar.u8[id]!.byteOffset);
    }
    // Blocks in neighbouring windows do not overlap: write every header, then read them back.
    for (let i = 0; i < addrs.length; i++) ar.setValLen(addrs[i]!, i);
    for (let i = 0; i < addrs.length; i++) assert.equal(ar.valLen(addrs[i]!), i);
    assert.equal(ar.slabBytes, (64 + 128) * 1024 * 1024);
    assert.equal(ar.fragmentationBytes() + ar.usedBytes + ar.reservedFreeBytes(), ar.slabBytes);
    ar.reset();
    assert.equal(ar.slabBytes, 0);
    assert.equal(ar.reservedFreeBytes(), 0);
  });

  test('addresses encode slab and offset; block 0 of slab 0 is skipped', () => {
    const ar = new Arena();
    const a = ar.alloc(40);
    assert.notEqual(a, 0);
    assert.equal(a & ADDR_UNIT_MASK, 1);
    const b = ar.alloc(40);
    ar.free(a);
    assert.equal(ar.alloc(40), a, 'same-class block reused LIFO');
    assert.notEqual(b, a);
  });
});

describe('keyspace: flush, lazy free, swap', () => {
  test('FLUSHDB ASYNC detaches at once and frees in bounded steps', () => {
    const { ks, db } = fresh();
    const other = ks.dbs[1]!;
    const base = ks.arena.usedBytes;
    other.setString(k('keep'), v('keep'));
    const keepBytes = ks.arena.usedBytes - base;
    for (let i = 0; i < 60000; i++) db.setString(k(i), v(i), i % 2 ? Date.now() + 60000 : 0);
    ks.flushDb(db, true);
    assert.equal(db.size, 0);
    assert.equal(db.expiresCount, 0);
    assert.equal(db.findRaw(k(5)), 0);
    assert.equal(ks.lazyFreePending, 60000);
    let steps = 0;
    while (ks.lazyFreeStep(0.05)) steps++;
    assert.ok(steps >= 1, 'took more than one step');
    assert.equal(ks.lazyFreePending, 0);
    assert.equal(ks.stats.lazyfreedObjects, 60000);
    assert.equal(ks.arena.usedBytes - base, keepBytes);
    assert.notEqual(other.findRaw(k('keep')), 0);
    // The db is usable meanwhile and afterwards.
    db.setString(k(1), v(1));
    assert.deepEqual(db.stringView(db.findRaw(k(1))), v(1));
  });

  test('FLUSHDB SYNC frees now; FLUSHALL resets everything', () => {
    const { ks, db } = fresh();
    const base = ks.arena.usedBytes;
    for (let i = 0; i < 1000; i++) db.setString(k(i), v(i), Date.now() + 1000);
    ks.dbs[2]!.setString(k('x'), v('x'));
    ks.flushDb(db, false);
    assert.equal(db.size, 0);
    assert.equal(db.expiresCount, 0);
    assert.equal(ks.dbs[2]!.size, 1);
    for (let i = 0; i < 1000; i++) db.setString(k(i), v(i));
    ks.flushDb(db, true);
    ks.flushAll(false);
    assert.equal(ks.totalKeys, 0);
    assert.equal(ks.lazyFreePending, 0);
    assert.equal(ks.arena.usedBytes, base);
    db.setString(k('after'), v('after'));
    assert.deepEqual(db.stringView(db.lookup(k('after'))), v('after'));
  });

  test('swapDb exchanges contents, TTLs and average TTL', () => {
    const { ks } = fresh();
    const [a, b] = [ks.dbs[0]!, ks.dbs[1]!];
    a.setString(k('a'), v('a'), Date.now() + 10000);
    b.setString(k('b1'), v('b1'));
    b.setString(k('b2'), v('b2'));
    a.avgTtl = 123;
    ks.swapDb(0, 1);
    assert.equal(a.size, 2);
    assert.equal(b.size, 1);
    assert.equal(b.expiresCount, 1);
    assert.equal(b.avgTtl, 123);
    assert.notEqual(a.findRaw(k('b1')), 0);
    ks.swapDb(1, 1);
    assert.equal(b.size, 1);
  });

  test('copyTo clones collection objects through the callback and keeps the TTL', () => {
    const { ks, db } = fresh();
    class Obj implements StoredObject {
      constructor(public items: string[]) {}
      memoryUsage(): number { return 10; }
    }
    const exp = Date.now() + 5000;
    const a = db.setObject(k('list'), OBJ_LIST, ENC_QUICKLIST, new Obj(['x']), exp);
    const b = db.copyTo(a, k('list2'), ks.dbs[1]!, (o) => new Obj([...(o as Obj).items]));
    assert.equal(ks.arena.type(b), OBJ_LIST);
    assert.equal(ks.arena.encoding(b), ENC_QUICKLIST);
    assert.equal(ks.arena.expire(b), exp);
    assert.notEqual(ks.dbs[1]!.object(b), db.object(a));
    assert.deepEqual(ks.dbs[1]!.object<Obj>(b).items, ['x']);
  });

  test('string encodings are chosen like Valkey', () => {
    const { ks, db } = fresh();
    const enc = (s: string | Buffer) => ks.arena.encoding(db.setString(k('e'), Buffer.from(s)));
    assert.equal(enc('12345'), ENC_INT);
    assert.equal(enc('-9223372036854775808'), ENC_INT);
    assert.equal(enc('9223372036854775808'), ENC_EMBSTR);
    assert.equal(enc('012'), ENC_EMBSTR);
    assert.equal(enc('x'.repeat(44)), ENC_EMBSTR);
    assert.equal(enc('x'.repeat(45)), ENC_RAW);
  });

  test('the hash seeds every table: equal keys hash equal, and keys spread over buckets', () => {
    const d = new Dict(new Arena());
    assert.equal(hashKey(Buffer.from('abc')), hashKey(Buffer.from('abc')));
    assert.equal(d.size, 0);
    const buckets = new Set<number>();
    for (let i = 0; i < 1000; i++) buckets.add(hashKey(k(i)) & 1023);
    assert.ok(buckets.size > 550, `hash spreads keys (${buckets.size} of 1024 buckets)`);
  });
});
