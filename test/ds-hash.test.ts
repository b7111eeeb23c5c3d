// The hash data structure on its own: the packed (listpack) form and its conversion, the
// hashtable form, per-field expiry (lazy hiding, the expiry heap, reclaiming), the SCAN cursor
// guarantee under concurrent changes, random picks, clone and memory figures.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HashObject, REF, SET_INSERTED, SET_OVER_EXPIRED, SET_UPDATED, HEXP_NX, HEXP_XX, HEXP_GT, HEXP_LT,
  HEXP_NO_FIELD, HEXP_CONDITION, HEXP_SET, HEXP_DELETED,
} from '../src/ds/hash.js';
import { prng } from './prng.js';

const B = (s: string | number): Buffer => Buffer.from(String(s), 'latin1');
const BIG = 1 << 30;

/** Every live pair as [field, value] strings, sorted. */
function pairs(o: HashObject, now = 0): [string, string][] {
  const out: [string, string][] = [];
  if (o.isListpack) {
    o.lpForEach((s, fs, fe, vs, ve) => { out.push([s.substring(fs, fe), s.substring(vs, ve)]); });
  } else {
    for (let s = 0; s < o.length; s++) if (!o.isExpiredSlot(s, now)) out.push([o.fieldAt(s), o.valueAt(s)]);
  }
  return out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

describe('packed (listpack) form', () => {
  test('set, get, update, delete keep insertion order and values', () => {
    const o = new HashObject();
    assert.equal(o.isListpack, true);
    assert.equal(o.set(B('a'), B('1'), 0, false, 0, BIG, BIG), SET_INSERTED);
    assert.equal(o.set(B('b'), B('2'), 0, false, 0, BIG, BIG), SET_INSERTED);
    assert.equal(o.set(B('c'), B('3'), 0, false, 0, BIG, BIG), SET_INSERTED);
    assert.equal(o.set(B('b'), B('two'), 0, false, 0, BIG, BIG), SET_UPDATED);
    assert.equal(o.length, 3);
    assert.equal(o.get(B('b'), 0), 'two');
    assert.equal(o.get(B('zz'), 0), null);
    const order: string[] = [];
    o.lpForEach((s, fs, fe) => { order.push(s.substring(fs, fe)); });
    assert.deepEqual(order, ['a', 'b', 'c']);
    assert.equal(o.delete(B('a'), 0), true);
    assert.equal(o.delete(B('a'), 0), false);
    assert.deepEqual(pairs(o), [['b', 'two'], ['c', '3']]);
    assert.equal(o.delete(B('b'), 0), true);
    assert.equal(o.delete(B('c'), 0), true);
    assert.equal(o.length, 0);
    assert.equal(o.lp, '\u0000', 'an empty packed hash is just its zero count');
  });

  test('binary fields and values of every header size round-trip', () => {
    const o = new HashObject();
    const sizes = [0, 1, 127, 128, 16383, 16384, 70000];
    for (const n of sizes) {
      const f = Buffer.alloc(n % 300 + 1, n & 255);
      f[0] = n & 255;
      const v = Buffer.alloc(n);
      for (let i = 0; i < n; i++) v[i] = (i * 7 + n) & 255;
      o.set(Buffer.concat([B(`f${n}:`), f]), v, 0, false, 0, BIG, BIG);
    }
    assert.equal(o.isListpack, true);
    for (const n of sizes) {
      const f = Buffer.alloc(n % 300 + 1, n & 255);
      f[0] = n & 255;
      const got = o.get(Buffer.concat([B(`f${n}:`), f]), 0)!;
      const v = Buffer.alloc(n);
      for (let i = 0; i < n; i++) v[i] = (i * 7 + n) & 255;
      assert.deepEqual(Buffer.from(got, 'latin1'), v, `size ${n}`);
    }
    // Replace with a value whose header size differs (grow and shrink in the middle).
    o.set(B('f128:') , B('x'), 0, false, 0, BIG, BIG);
    o.set(B('f0:\u0000'), Buffer.alloc(20000, 1), 0, false, 0, BIG, BIG);
    assert.equal(o.get(B('f0:\u0000'), 0)!.length, 20000);
    o.set(B('f0:\u0000'), B('y'), 0, false, 0, BIG, BIG);
    assert.equal(o.get(B('f0:\u0000'), 0), 'y');
  });

  test('pair counts across header sizes (127, 128, 16384 pairs)', () => {
    const o = new HashObject();
    for (let i = 0; i < 130; i++) o.set(B(`f${i}`), B(`v${i}`), 0, false, 0, BIG, BIG);
    assert.equal(o.length, 130);
    for (let i = 129; i >= 100; i--) assert.equal(o.delete(B(`f${i}`), 0), true);
    assert.equal(o.length, 100);
    assert.equal(o.get(B('f99'), 0), 'v99');
    assert.equal(o.get(B('f0'), 0), 'v0');
    assert.equal(o.lpOffsets().length, 100);
    // Built as a table and packed in one pass (16500 single appends would be quadratic).
    const big = new HashObject();
    for (let i = 0; i < 16500; i++) big.set(B(i), B(''), 0, false, 0, 0, BIG);
    assert.equal(big.isListpack, false);
    assert.equal(big.convertToListpack(BIG, BIG), true);
    assert.equal(big.length, 16500);
    big.delete(B(0), 0);
    assert.equal(big.length, 16499);
    assert.equal(big.exists(B(16499), 0), true);
    big.convertToTable();
    assert.equal(big.length, 16499);
    assert.equal(big.convertToListpack(BIG, BIG), true);
    assert.equal(big.length, 16499);
    assert.equal(big.exists(B(123), 0), true);
  });

  test('converts to the hashtable past max entries or max value length', () => {
    const o = new HashObject();
    for (let i = 0; i < 4; i++) o.set(B(`f${i}`), B(i), 0, false, 0, 4, 64);
    assert.equal(o.isListpack, true);
    o.set(B('f4'), B(4), 0, false, 0, 4, 64);
    assert.equal(o.isListpack, false);
    assert.equal(o.length, 5);
    assert.deepEqual(pairs(o).map((p) => p[1]), ['0', '1', '2', '3', '4']);

    const v = new HashObject();
    v.set(B('a'), B('x'.repeat(8)), 0, false, 0, 128, 8);
    assert.equal(v.isListpack, true);
    v.set(B('b'), B('x'.repeat(9)), 0, false, 0, 128, 8);
    assert.equal(v.isListpack, false);

    const f = new HashObject();
    f.set(B('abcdefghi'), B('1'), 0, false, 0, 128, 8);
    assert.equal(f.isListpack, false);
  });

  test('tryConversion: too many new pairs or a long argument', () => {
    const argv = [B('hset'), B('k'), B('a'), B('1'), B('b'), B('2')];
    const o = new HashObject();
    o.tryConversion(argv, 2, 5, 2, 64);
    assert.equal(o.isListpack, true);
    o.tryConversion(argv, 2, 5, 1, 64);
    assert.equal(o.isListpack, false);
    const p = new HashObject();
    p.tryConversion([B('hset'), B('k'), B('a'), B('x'.repeat(65))], 2, 3, 128, 64);
    assert.equal(p.isListpack, false);
  });

  test('packed fields have no TTL: HEXPIRE codes and conversion', () => {
    const o = new HashObject();
    o.set(B('a'), B('1'), 0, false, 0, 128, 64);
    o.set(B('b'), B('2'), 0, false, 0, 128, 64);
    assert.equal(o.setExpire(B('zz'), 5000, 0, false, 1000), HEXP_NO_FIELD);
    assert.equal(o.setExpire(B('a'), 5000, HEXP_XX, false, 1000), HEXP_CONDITION);
    assert.equal(o.setExpire(B('a'), 5000, HEXP_GT, false, 1000), HEXP_CONDITION);
    assert.equal(o.isListpack, true);
    assert.equal(o.setExpire(B('b'), 0, 0, true, 1000), HEXP_DELETED);
    assert.equal(o.isListpack, true);
    assert.equal(o.persist(B('a'), 1000), -1);
    assert.equal(o.persist(B('zz'), 1000), -2);
    assert.equal(o.setExpire(B('a'), 5000, HEXP_NX, false, 1000), HEXP_SET);
    assert.equal(o.isListpack, false);
    assert.equal(o.expiryOf(B('a'), 1000), 5000);
  });
});

describe('hashtable form and field expiry', () => {
  function table(n: number): HashObject {
    const o = new HashObject();
    for (let i = 0; i < n; i++) o.set(B(`f${i}`), B(`v${i}`), 0, false, 0, 0, 64);
    assert.equal(o.isListpack, false);
    return o;
  }

  test('expired fields are hidden but counted until reclaimed', () => {
    const o = table(3);
    assert.equal(o.setExpire(B('f0'), 1000, 0, false, 500), HEXP_SET);
    assert.equal(o.hasVolatile(), true);
    assert.equal(o.get(B('f0'), 999), 'v0');
    assert.equal(o.get(B('f0'), 1000), 'v0', 'a field expires only once now is past its time');
    assert.equal(o.get(B('f0'), 1001), null);
    assert.equal(o.exists(B('f0'), 1001), false);
    assert.equal(o.expiryOf(B('f0'), 1001), -2);
    assert.equal(o.length, 3);
    assert.equal(o.liveCount(1001), 2);
    // HDEL does not see it either.
    assert.equal(o.delete(B('f0'), 1001), false);
    assert.equal(o.length, 3);
    assert.deepEqual(o.popExpired(1001, 10), ['f0']);
    assert.equal(o.length, 2);
    assert.equal(o.hasVolatile(), false);
  });

  test('set over an expired field counts as an insert and clears its TTL', () => {
    const o = table(2);
    o.setExpire(B('f1'), 1000, 0, false, 0);
    assert.equal(o.set(B('f1'), B('new'), 0, false, 2000, 0, 64), SET_OVER_EXPIRED);
    assert.equal(o.expiryOf(B('f1'), 2000), 0);
    assert.equal(o.hasVolatile(), false);
    // Live field: an update; KEEPTTL keeps the time, otherwise it is cleared.
    o.setExpire(B('f0'), 9000, 0, false, 2000);
    assert.equal(o.set(B('f0'), B('x'), 0, true, 2000, 0, 64), SET_UPDATED);
    assert.equal(o.expiryOf(B('f0'), 2000), 9000);
    assert.equal(o.set(B('f0'), B('y'), 0, false, 2000, 0, 64), SET_UPDATED);
    assert.equal(o.expiryOf(B('f0'), 2000), 0);
    // KEEPTTL over an expired field does not resurrect the old time.
    o.setExpire(B('f0'), 3000, 0, false, 2000);
    assert.equal(o.set(B('f0'), B('z'), 0, true, 4000, 0, 64), SET_OVER_EXPIRED);
    assert.equal(o.expiryOf(B('f0'), 4000), 0);
    assert.equal(o.set(B('nf'), B('v'), 7000, false, 4000, 0, 64), SET_INSERTED);
    assert.equal(o.expiryOf(B('nf'), 4000), 7000);
  });

  test('NX / XX / GT / LT conditions', () => {
    const o = table(1);
    const f = B('f0');
    assert.equal(o.setExpire(f, 5000, HEXP_XX, false, 0), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 5000, HEXP_GT, false, 0), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 5000, HEXP_LT, false, 0), HEXP_SET);
    assert.equal(o.setExpire(f, 6000, HEXP_NX, false, 0), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 6000, HEXP_XX, false, 0), HEXP_SET);
    assert.equal(o.setExpire(f, 6000, HEXP_GT, false, 0), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 7000, HEXP_GT, false, 0), HEXP_SET);
    assert.equal(o.setExpire(f, 7000, HEXP_LT, false, 0), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 4000, HEXP_LT, false, 0), HEXP_SET);
    assert.equal(o.expiryOf(f, 0), 4000);
    // A failed condition does not delete even with a past time.
    assert.equal(o.setExpire(f, 0, HEXP_NX, true, 100), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 0, HEXP_GT, true, 100), HEXP_CONDITION);
    assert.equal(o.setExpire(f, 0, 0, true, 100), HEXP_DELETED);
    assert.equal(o.length, 0);
    assert.equal(o.hasVolatile(), false);
  });

  test('persist', () => {
    const o = table(2);
    o.setExpire(B('f0'), 5000, 0, false, 0);
    assert.equal(o.persist(B('f0'), 0), 1);
    assert.equal(o.persist(B('f0'), 0), -1);
    assert.equal(o.persist(B('nope'), 0), -2);
    assert.equal(o.hasVolatile(), false);
  });

  test('popExpired goes earliest first, in batches, skipping stale heap entries', () => {
    const o = table(200);
    for (let i = 0; i < 200; i++) o.setExpire(B(`f${i}`), 1000 + i, 0, false, 0);
    // Move some times around (stale heap entries), persist and delete a few.
    for (let i = 0; i < 50; i++) o.setExpire(B(`f${i}`), 5000 + i, 0, false, 0);
    o.persist(B('f60'), 0);
    o.delete(B('f61'), 0);
    assert.equal(o.volatileCount, 198);
    assert.equal(o.nextExpiry(), 1050);
    const first = o.popExpired(1100, 10);
    assert.deepEqual(first, ['f50', 'f51', 'f52', 'f53', 'f54', 'f55', 'f56', 'f57', 'f58', 'f59']);
    const rest = o.popExpired(1100, 1000);
    // 1062..1099 expire (f60 persisted, f61 deleted); f100 (time 1100) does not.
    assert.equal(rest.length, 38);
    assert.equal(rest[0], 'f62');
    assert.equal(o.nextExpiry(), 1100);
    assert.deepEqual(o.popExpired(6000, 1000).length, 198 - 48);
    assert.equal(o.length, 1);
    assert.deepEqual(pairs(o, 6000), [['f60', 'v60']]);
    assert.equal(o.hasVolatile(), false);
    assert.equal(o.nextExpiry(), 0);
  });

  test('many TTL rewrites keep the heap bounded', () => {
    const o = table(10);
    for (let r = 0; r < 1000; r++) for (let i = 0; i < 10; i++) o.setExpire(B(`f${i}`), 10000 + r * 10 + i, 0, false, 0);
    const heap = (o.t as unknown as { heapT: number[] }).heapT;
    assert.ok(heap.length < 200, `heap has ${heap.length} entries`);
    assert.equal(o.nextExpiry(), 10000 + 999 * 10);
  });

  test('random slots are uniform and skip expired fields', () => {
    const o = table(10);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) counts[o.randomSlot(0)]++;
    for (const c of counts) assert.ok(c > 1600 && c < 2400, `count ${c}`);
    for (let i = 0; i < 9; i++) o.setExpire(B(`f${i}`), 10, 0, false, 0);
    for (let i = 0; i < 200; i++) assert.equal(o.fieldAt(o.randomSlot(100)), 'f9');
    o.setExpire(B('f9'), 10, 0, false, 0);
    assert.equal(o.randomSlot(100), -1);
  });

  test('scan returns every field present throughout, despite inserts and deletes', () => {
    for (let round = 0; round < 20; round++) {
      const o = table(300);
      const seen = new Set<string>();
      const stable = new Set<string>();
      for (let i = 0; i < 300; i++) if (i % 3 !== 0) stable.add(`f${i}`);
      let cursor = 0, added = 0;
      do {
        cursor = o.scanTable(cursor, 7, 0, (s) => { seen.add(o.fieldAt(s)); });
        // Delete fields that are not in the stable set, add new ones.
        for (let k = 0; k < 3; k++) {
          const victim = `f${Math.floor(Math.random() * 100) * 3}`;
          o.delete(B(victim), 0);
          o.set(B(`n${added++}`), B('x'), 0, false, 0, 0, 64);
        }
      } while (cursor !== 0);
      for (const f of stable) assert.ok(seen.has(f), `missed ${f}`);
    }
  });

  test('scan cursor past the end is clamped; expired fields are skipped', () => {
    const o = table(5);
    o.setExpire(B('f2'), 10, 0, false, 0);
    const seen: string[] = [];
    assert.equal(o.scanTable(1e12, 100, 100, (s) => { seen.push(o.fieldAt(s)); }), 0);
    assert.deepEqual(seen.sort(), ['f0', 'f1', 'f3', 'f4']);
  });
});

describe('hashtable index (byte-keyed, open addressing)', () => {
  /** A random binary string: bytes 0..255, lengths 0..maxLen. */
  function rbytes(rnd: () => number, maxLen: number): string {
    const n = Math.floor(rnd() * (maxLen + 1));
    let out = '';
    for (let i = 0; i < n; i++) out += String.fromCharCode(Math.floor(rnd() * 256));
    return out;
  }

  test('matches a Map under random sets, overwrites and deletes of binary fields, growing and shrinking', () => {
    const rnd = prng(0x5eed);
    const o = new HashObject();
    o.convertToTable();
    const model = new Map<string, string>();
    const pool: string[] = [];
    for (let i = 0; i < 3000; i++) pool.push(rbytes(rnd, 12));
    pool.push('', '\u0000', '\u00ff\u0000\u0080');
    let maxIndex = 0;
    for (let step = 0; step < 60000; step++) {
      // Three phases: grow to ~2500 fields, churn, then shrink to almost nothing.
      const phase = step < 20000 ? 0 : step < 40000 ? 1 : 2;
      const del = phase === 0 ? rnd() < 0.1 : phase === 1 ? rnd() < 0.5 : rnd() < 0.95;
      const f = pool[Math.floor(rnd() * pool.length)]!;
      if (del) {
        assert.equal(o.delete(B(f), 0), model.delete(f), `delete ${JSON.stringify(f)}`);
      } else {
        const v = rbytes(rnd, 6);
        const r = o.set(B(f), B(v), 0, false, 0, 0, 64);
        assert.equal(r, model.has(f) ? SET_UPDATED : SET_INSERTED);
        model.set(f, v);
      }
      assert.equal(o.isListpack, false);
      maxIndex = Math.max(maxIndex, o.t!.indexSize);
      if (step % 5000 === 4999 || step === 59999) {
        assert.equal(o.length, model.size);
        for (const p of pool) {
          assert.equal(o.get(B(p), 0), model.get(p) ?? null, `get ${JSON.stringify(p)}`);
          assert.equal(o.exists(B(p), 0), model.has(p));
        }
        assert.deepEqual(pairs(o), [...model].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)));
        // At most half full, and not oversized after the shrink.
        assert.ok(o.t!.indexSize >= o.length * 2);
        assert.ok(o.t!.indexSize <= Math.max(16, o.length * 8));
      }
    }
    assert.ok(maxIndex >= 4096, `index grew to ${maxIndex}`);
    // Down to 5 fields: the index shrinks back.
    for (const f of [...model.keys()].slice(5)) { assert.equal(o.delete(B(f), 0), true); model.delete(f); }
    assert.equal(o.length, model.size);
    for (const [f, v] of model) assert.equal(o.get(B(f), 0), v);
    assert.ok(o.t!.indexSize <= 64, `index shrank to ${o.t!.indexSize}`);
  });

  test('a dense small index: deletes shift probe runs back across the wrap-around', () => {
    // 7 fields in 16 positions, deleted and re-added in every order: each lookup must still
    // find every remaining field.
    const rnd = prng(7);
    for (let round = 0; round < 300; round++) {
      const o = new HashObject();
      o.convertToTable();
      const fs: string[] = [];
      for (let i = 0; i < 7; i++) { const f = `k${round}:${i}`; fs.push(f); o.set(B(f), B(i), 0, false, 0, 0, 64); }
      assert.equal(o.t!.indexSize, 16);
      const live = new Set(fs);
      for (let k = 0; k < 20; k++) {
        const f = fs[Math.floor(rnd() * fs.length)]!;
        if (live.has(f)) { assert.equal(o.delete(B(f), 0), true); live.delete(f); }
        else { assert.equal(o.set(B(f), B('x'), 0, false, 0, 0, 64), SET_INSERTED); live.add(f); }
        for (const g of fs) assert.equal(o.exists(B(g), 0), live.has(g), `${g} after step ${k} of round ${round}`);
      }
    }
  });

  test('field TTLs follow fields whose slots move; the expiry job finds them by name', () => {
    const o = new HashObject();
    for (let i = 0; i < 200; i++) o.set(B(`f${i}`), B(`v${i}`), 0, false, 0, 0, 64);
    for (let i = 0; i < 200; i += 2) assert.equal(o.setExpire(B(`f${i}`), 1000 + i, 0, false, 0), HEXP_SET);
    // Deleting low slots moves the last slots (with their TTLs) into them.
    for (let i = 1; i < 100; i += 2) assert.equal(o.delete(B(`f${i}`), 0), true);
    for (let i = 0; i < 200; i++) {
      const want = i < 100 && i % 2 === 1 ? -2 : i % 2 === 0 ? 1000 + i : 0;
      assert.equal(o.expiryOf(B(`f${i}`), 0), want, `f${i}`);
    }
    assert.equal(o.nextExpiry(), 1000);
    assert.deepEqual(o.popExpired(1011, 100), ['f0', 'f2', 'f4', 'f6', 'f8', 'f10']);
    assert.equal(o.exists(B('f10'), 0), false);
    assert.equal(o.get(B('f12'), 0), 'v12');
    // Hidden once the time passes, before the job reclaims it; overwriting counts as an insert.
    assert.equal(o.exists(B('f12'), 1013), false);
    assert.equal(o.set(B('f12'), B('new'), 0, false, 1013, 0, 64), SET_OVER_EXPIRED);
    assert.equal(o.expiryOf(B('f12'), 1013), 0);
    assert.equal(o.length, 200 - 50 - 6);
  });

  test('a clone has its own index', () => {
    const o = new HashObject();
    for (let i = 0; i < 100; i++) o.set(B(`f${i}`), B(`v${i}`), 0, false, 0, 0, 64);
    const c = o.clone();
    for (let i = 0; i < 100; i += 2) o.delete(B(`f${i}`), 0);
    o.set(B('only-in-original'), B('1'), 0, false, 0, 0, 64);
    assert.equal(c.length, 100);
    for (let i = 0; i < 100; i++) assert.equal(c.get(B(`f${i}`), 0), `v${i}`);
    assert.equal(c.exists(B('only-in-original'), 0), false);
    assert.equal(o.length, 51);
  });
});

describe('object bookkeeping', () => {
  test('clone is deep and reports the same memory', () => {
    const lp = new HashObject();
    lp.set(B('a'), B('1'), 0, false, 0, 128, 64);
    const lc = lp.clone();
    assert.equal(lc.memoryUsage(), lp.memoryUsage());
    lc.set(B('a'), B('2'), 0, false, 0, 128, 64);
    assert.equal(lp.get(B('a'), 0), '1');

    const t = new HashObject();
    for (let i = 0; i < 20; i++) t.set(B(`f${i}`), B(i), 0, false, 0, 4, 64);
    t.setExpire(B('f3'), 5000, 0, false, 0);
    const tc = t.clone();
    assert.equal(tc.memoryUsage(), t.memoryUsage());
    assert.equal(tc.expiryOf(B('f3'), 0), 5000);
    assert.equal(tc.volatileCount, 1);
    tc.delete(B('f0'), 0);
    tc.persist(B('f3'), 0);
    assert.equal(t.length, 20);
    assert.equal(t.expiryOf(B('f3'), 0), 5000);
    assert.deepEqual(tc.popExpired(10000, 10), []);
    assert.deepEqual(t.popExpired(10000, 10), ['f3']);
  });

  test('memory usage grows with content; free effort and serialized length', () => {
    const o = new HashObject();
    const m0 = o.memoryUsage();
    o.set(B('field'), B('value'), 0, false, 0, 128, 64);
    assert.ok(o.memoryUsage() > m0);
    assert.equal(o.freeEffort(), 1);
    assert.ok(o.serializedLength() > 10);
    o.convertToTable();
    assert.equal(o.freeEffort(), 1);
    assert.ok(o.memoryUsage() > 64);
  });

  test('forEachEntry visits every stored field with its expiry', () => {
    const o = new HashObject();
    o.set(B('a'), B('1'), 0, false, 0, 128, 64);
    o.set(B('b'), B('2'), 0, false, 0, 128, 64);
    const got: [string, string, number][] = [];
    o.forEachEntry((f, v, e) => { got.push([f, v, e]); });
    assert.deepEqual(got, [['a', '1', 0], ['b', '2', 0]]);
    o.setExpire(B('a'), 500, 0, false, 0);
    got.length = 0;
    o.forEachEntry((f, v, e) => { got.push([f, v, e]); });
    assert.deepEqual(got.sort(), [['a', '1', 500], ['b', '2', 0]]);
  });

  test('REF points at the value without copying', () => {
    const o = new HashObject();
    o.set(B('a'), B('hello'), 0, false, 0, 128, 64);
    o.set(B('b'), B('world'), 0, false, 0, 128, 64);
    assert.equal(o.ref(B('b'), 0), true);
    assert.equal(REF.s.substring(REF.start, REF.end), 'world');
    assert.equal(o.ref(B('c'), 0), false);
  });

  test('convertToListpack only without TTLs and within the limits; dropExpired', () => {
    const o = new HashObject();
    for (let i = 0; i < 5; i++) o.set(B(`f${i}`), B(`v${i}`), 0, false, 0, 2, 64);
    assert.equal(o.isListpack, false);
    assert.equal(o.convertToListpack(4, 64), false);
    assert.equal(o.convertToListpack(5, 1), false);
    o.setExpire(B('f0'), 100, 0, false, 0);
    assert.equal(o.convertToListpack(5, 64), false);
    assert.equal(o.dropExpired(50), 0);
    assert.equal(o.dropExpired(200), 1);
    assert.equal(o.convertToListpack(5, 64), true);
    assert.equal(o.isListpack, true);
    assert.deepEqual(pairs(o), [['f1', 'v1'], ['f2', 'v2'], ['f3', 'v3'], ['f4', 'v4']]);
    assert.equal(o.length, 4);
  });

  test('conversion keeps binary data exact', () => {
    const o = new HashObject();
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    o.set(all, all, 0, false, 0, 128, 1024);
    o.convertToTable();
    assert.deepEqual(Buffer.from(o.get(all, 0)!, 'latin1'), all);
  });
});
