// Sorted-set data structures in isolation: the compact ZPack and the typed-array ZSkiplist,
// checked against a simple reference model through random operation sequences, plus the
// internal invariants of the skiplist (spans, hash index, storage compaction).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ZPack, buildZset, compareBytes, compareEntries, compareLexBounds, lexGteMin, lexLteMax, varintSize, writeVarint,
  type LexBound, type ZEntry, type ZsetObj,
} from '../src/ds/zset.js';
import { ZSkiplist } from '../src/ds/skiplist.js';

/** Reference: sorted array of entries. */
class Model {
  items: ZEntry[] = [];
  find(m: Buffer): number { return this.items.findIndex((e) => e.m.equals(m)); }
  add(m: Buffer, s: number): void { this.items.push({ m, s }); this.items.sort(compareEntries); }
  remove(m: Buffer): boolean { const i = this.find(m); if (i < 0) return false; this.items.splice(i, 1); return true; }
}

function dump(z: ZsetObj): [string, number][] {
  const out: [string, number][] = [];
  z.each(0, z.length, false, (b, off, len, s) => out.push([b.toString('latin1', off, off + len), s]));
  return out;
}
function dumpRev(z: ZsetObj): [string, number][] {
  const out: [string, number][] = [];
  if (z.length > 0) z.each(z.length - 1, z.length, true, (b, off, len, s) => out.push([b.toString('latin1', off, off + len), s]));
  return out;
}
const modelDump = (m: Model): [string, number][] => m.items.map((e) => [e.m.toString('latin1'), e.s]);

let seed = 12345;
function rand(n: number): number { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; }

function randomMember(): Buffer {
  const kind = rand(10);
  if (kind === 0) return Buffer.alloc(rand(300) + 128, 97 + rand(3)); // long (multi-byte varint)
  if (kind === 1) return Buffer.from([rand(256), rand(256)]); // binary
  if (kind === 2) return Buffer.alloc(0);
  return Buffer.from('m' + rand(400));
}
function randomScore(): number {
  const k = rand(12);
  if (k === 0) return Infinity;
  if (k === 1) return -Infinity;
  if (k === 2) return rand(5); // many ties
  return (rand(2000) - 1000) / 7;
}

function exercise(make: () => ZsetObj, ops: number, checkEvery: number): void {
  const z = make();
  const model = new Model();
  for (let i = 0; i < ops; i++) {
    const m = randomMember();
    const op = rand(10);
    const cur = z.score(m);
    const mi = model.find(m);
    assert.equal(Number.isNaN(cur), mi < 0, 'presence');
    if (mi >= 0) assert.equal(cur, model.items[mi]!.s);
    if (op < 5) {
      const s = randomScore();
      if (mi < 0) { z.add(m, s); model.add(m, s); } else { z.update(m, cur, s); model.remove(m); model.add(m, s); }
    } else if (op < 8) {
      assert.equal(z.remove(m), model.remove(m));
    } else if (op === 8 && z.length > 0) {
      const a = rand(z.length), b = Math.min(z.length - 1, a + rand(20));
      z.removeRange(a, b);
      model.items.splice(a, b - a + 1);
    } else {
      const r = z.rank(m);
      assert.equal(r, model.find(m));
      if (r >= 0) assert.equal(z.lastScore, model.items[r]!.s);
    }
    assert.equal(z.length, model.items.length);
    if (i % checkEvery === 0) {
      assert.deepEqual(dump(z), modelDump(model));
      assert.deepEqual(dumpRev(z), modelDump(model).reverse());
      if (z instanceof ZSkiplist) assert.equal(z.validate(), null);
      // Score bounds.
      for (let k = 0; k < 5; k++) {
        const v = randomScore(), ex = rand(2) === 1;
        const first = model.items.findIndex((e) => (ex ? e.s > v : e.s >= v));
        assert.equal(z.firstByScore(v, ex), first < 0 ? model.items.length : first);
        let last = -1;
        model.items.forEach((e, idx) => { if (ex ? e.s < v : e.s <= v) last = idx; });
        assert.equal(z.lastByScore(v, ex), last);
      }
      // Random windows both ways.
      if (z.length > 0) {
        const s = rand(z.length), n = 1 + rand(z.length - s);
        const fwd: string[] = [];
        z.each(s, n, false, (b, off, len) => fwd.push(b.toString('latin1', off, off + len)));
        assert.deepEqual(fwd, model.items.slice(s, s + n).map((e) => e.m.toString('latin1')));
        const back: string[] = [];
        const e = s + n - 1;
        z.each(e, n, true, (b, off, len) => back.push(b.toString('latin1', off, off + len)));
        assert.deepEqual(back, model.items.slice(s, s + n).map((x) => x.m.toString('latin1')).reverse());
      }
    }
  }
  assert.deepEqual(dump(z), modelDump(model));
  const c = z.clone();
  assert.deepEqual(dump(c), modelDump(model));
  assert.equal(c.isPack, z.isPack);
}

describe('ZPack', () => {
  test('random operations match the model', () => { seed = 1; exercise(() => new ZPack(), 3000, 50); });

  test('ordering: score first, then memcmp with shorter first', () => {
    const z = new ZPack();
    for (const [m, s] of [['b', 1], ['a', 1], ['ab', 1], ['', 1], ['z', 0], ['\xff', 1], ['c', -Infinity]] as const) {
      z.add(Buffer.from(m, 'latin1'), s);
    }
    assert.deepEqual(dump(z).map((e) => e[0]), ['c', 'z', '', 'a', 'ab', 'b', '\xff']);
  });

  test('-0 is stored as 0 (a listpack keeps integral scores as integers); the skiplist keeps it', () => {
    const z = new ZPack();
    z.add(Buffer.from('a'), -0);
    z.add(Buffer.from('b'), 0);
    assert.ok(Object.is(z.score(Buffer.from('a')), 0));
    assert.deepEqual(dump(z).map((e) => e[0]), ['a', 'b']);
    const s = new ZSkiplist();
    s.add(Buffer.from('a'), -0);
    s.add(Buffer.from('b'), 0);
    assert.ok(Object.is(s.score(Buffer.from('a')), -0));
    assert.deepEqual(dump(s).map((e) => e[0]), ['a', 'b']);
  });

  test('toSkiplist keeps the elements; bytes given back after removals', () => {
    const z = new ZPack();
    for (let i = 0; i < 100; i++) z.add(Buffer.from('member-' + i), i % 7);
    const sl = z.toSkiplist(200);
    assert.deepEqual(dump(sl), dump(z));
    assert.equal(sl.validate(), null);
    const before = z.bytes;
    z.removeRange(0, 95);
    assert.ok(z.bytes < before && z.memoryUsage() < before);
    assert.equal(z.length, 4);
    assert.ok(z.maxMemberLength() >= 8);
  });
});

describe('ZPack scratch buffers', () => {
  test('a visitor may read other packs (and the same pack) while iterating', () => {
    const a = new ZPack(), b = new ZPack();
    for (let i = 0; i < 20; i++) { a.add(Buffer.from('k' + i), i); if (i % 2 === 0) b.add(Buffer.from('k' + i), i * 10); }
    const seen: [string, number, number][] = [];
    a.each(0, a.length, false, (buf, off, len, s) => {
      const m = buf.subarray(off, off + len);
      seen.push([m.toString(), s, b.score(m)]);
      assert.equal(a.rank(m), seen.length - 1);
      b.each(0, 1, false, () => {});
    });
    assert.equal(seen.length, 20);
    for (const [m, s, bs] of seen) assert.equal(Number.isNaN(bs) ? -1 : bs, Number(m.slice(1)) % 2 === 0 ? s * 10 : -1);
  });

  test('clone shares nothing mutable', () => {
    const a = new ZPack();
    a.add(Buffer.from('x'), 1);
    const c = a.clone();
    c.add(Buffer.from('y'), 2);
    a.remove(Buffer.from('x'));
    assert.deepEqual(dump(a), []);
    assert.deepEqual(dump(c), [['x', 1], ['y', 2]]);
  });
});

describe('ZSkiplist', () => {
  test('random operations match the model', () => { seed = 2; exercise(() => new ZSkiplist(), 6000, 100); });

  test('large set: ranks, reverse windows, compaction and shrinking', () => {
    const z = new ZSkiplist();
    const n = 20000;
    for (let i = 0; i < n; i++) z.add(Buffer.from('user:' + i), (i * 7919) % 1000);
    assert.equal(z.validate(), null);
    const all = dump(z);
    for (let k = 0; k < 200; k++) {
      const i = (k * 97) % n;
      assert.equal(z.rank(Buffer.from(all[i]![0])), i);
    }
    // A window larger than the internal reverse chunk.
    const back: string[] = [];
    z.each(n - 1, 10000, true, (b, off, len) => back.push(b.toString('latin1', off, off + len)));
    assert.deepEqual(back, all.slice(n - 10000).map((e) => e[0]).reverse());
    const mem = z.memoryUsage();
    // Remove most members: storage shrinks and stays consistent.
    for (let i = 0; i < n; i++) if (i % 10 !== 0) assert.ok(z.remove(Buffer.from('user:' + i)));
    assert.equal(z.length, n / 10);
    assert.equal(z.validate(), null);
    assert.ok(z.memoryUsage() < mem / 2, `memory ${z.memoryUsage()} vs ${mem}`);
    z.removeRange(0, z.length - 1);
    assert.equal(z.length, 0);
    assert.equal(z.tail, 0);
    z.add(Buffer.from('x'), 1);
    assert.deepEqual(dump(z), [['x', 1]]);
  });

  test('in-order build, then regular inserts', () => {
    const z = new ZSkiplist(10, 10);
    for (let i = 0; i < 1000; i++) { const m = Buffer.from('k' + String(i).padStart(4, '0')); z.appendSorted(m, 0, m.length, 1); }
    z.finishAppend();
    assert.equal(z.validate(), null);
    z.add(Buffer.from('a'), 1);
    z.add(Buffer.from('zz'), 0.5);
    assert.equal(z.validate(), null);
    assert.equal(z.rank(Buffer.from('zz')), 0);
    assert.equal(z.rank(Buffer.from('a')), 1);
    assert.equal(z.rank(Buffer.from('k0999')), 1001);
  });

  test('score updates in place and by moving', () => {
    const z = new ZSkiplist();
    for (let i = 0; i < 50; i++) z.add(Buffer.from('m' + i), i);
    z.update(Buffer.from('m10'), 10, 10.5); // stays between m10's neighbours
    assert.equal(z.rank(Buffer.from('m10')), 10);
    z.update(Buffer.from('m10'), 10.5, 100);
    assert.equal(z.rank(Buffer.from('m10')), 49);
    z.update(Buffer.from('m10'), 100, -1);
    assert.equal(z.rank(Buffer.from('m10')), 0);
    assert.equal(z.validate(), null);
  });

  test('cursor scan returns every element across a resize', () => {
    const z = new ZSkiplist();
    for (let i = 0; i < 500; i++) z.add(Buffer.from('e' + i), i);
    const seen = new Set<string>();
    let cursor = 0, steps = 0;
    do {
      cursor = z.scan(cursor, (b, off, len) => { seen.add(b.toString('latin1', off, off + len)); });
      steps++;
      if (steps === 100) for (let i = 500; i < 1500; i++) z.add(Buffer.from('e' + i), i); // table grows mid-scan
    } while (cursor !== 0);
    for (let i = 0; i < 500; i++) assert.ok(seen.has('e' + i), 'e' + i);
  });

  test('lex bounds', () => {
    const z = new ZSkiplist();
    for (const m of ['a', 'b', 'c', 'd', 'e']) z.add(Buffer.from(m), 0);
    const b = (s: string): LexBound => s === '-' ? { inf: -1, ex: true, v: Buffer.alloc(0) }
      : s === '+' ? { inf: 1, ex: true, v: Buffer.alloc(0) } : { inf: 0, ex: s[0] === '(', v: Buffer.from(s.slice(1)) };
    assert.equal(z.firstByLex(b('[b')), 1);
    assert.equal(z.firstByLex(b('(b')), 2);
    assert.equal(z.firstByLex(b('-')), 0);
    assert.equal(z.firstByLex(b('+')), 5);
    assert.equal(z.lastByLex(b('[d')), 3);
    assert.equal(z.lastByLex(b('(d')), 2);
    assert.equal(z.lastByLex(b('+')), 4);
    assert.equal(z.lastByLex(b('-')), -1);
    const p = new ZPack();
    for (const m of ['a', 'b', 'c', 'd', 'e']) p.add(Buffer.from(m), 0);
    for (const s of ['[b', '(b', '-', '+', '[zz', '[']) {
      assert.equal(p.firstByLex(b(s)), z.firstByLex(b(s)), s);
      assert.equal(p.lastByLex(b(s)), z.lastByLex(b(s)), s);
    }
  });
});

describe('helpers', () => {
  test('compareBytes is memcmp order, shorter first', () => {
    const B = (s: string) => Buffer.from(s, 'latin1');
    assert.ok(compareBytes(B('ab'), 0, 2, B('abc')) < 0);
    assert.ok(compareBytes(B('b'), 0, 1, B('abc')) > 0);
    assert.equal(compareBytes(B('xabc'), 1, 3, B('abc')), 0);
    assert.ok(compareBytes(B('\xff'), 0, 1, B('a')) > 0);
  });

  test('lex bound predicates and comparison', () => {
    const minus: LexBound = { inf: -1, ex: true, v: Buffer.alloc(0) };
    const plus: LexBound = { inf: 1, ex: true, v: Buffer.alloc(0) };
    const inc: LexBound = { inf: 0, ex: false, v: Buffer.from('b') };
    const exc: LexBound = { inf: 0, ex: true, v: Buffer.from('b') };
    const b = Buffer.from('b');
    assert.equal(lexGteMin(b, 0, 1, minus), true);
    assert.equal(lexGteMin(b, 0, 1, plus), false);
    assert.equal(lexLteMax(b, 0, 1, plus), true);
    assert.equal(lexLteMax(b, 0, 1, minus), false);
    assert.equal(lexGteMin(b, 0, 1, inc), true);
    assert.equal(lexGteMin(b, 0, 1, exc), false);
    assert.equal(lexLteMax(b, 0, 1, exc), false);
    assert.equal(compareLexBounds(minus, minus), 0);
    assert.equal(compareLexBounds(plus, minus), 1);
    assert.equal(compareLexBounds(minus, inc), -1);
    assert.equal(compareLexBounds(inc, exc), 0);
  });

  test('varints', () => {
    for (const n of [0, 1, 127, 128, 16383, 16384, 1 << 28, 2 ** 31 + 5]) {
      const buf = Buffer.alloc(10);
      assert.equal(writeVarint(buf, 0, n), varintSize(n));
    }
  });

  test('buildZset in both representations', () => {
    const entries: ZEntry[] = [];
    for (let i = 0; i < 300; i++) entries.push({ m: Buffer.from('x' + i), s: i % 13 });
    entries.sort(compareEntries);
    const a = buildZset(entries, true), b = buildZset(entries, false);
    assert.equal(a.isPack, true);
    assert.equal(b.isPack, false);
    assert.deepEqual(dump(a), dump(b));
    assert.equal((b as ZSkiplist).validate(), null);
  });
});
