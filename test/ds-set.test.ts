// The set structure on its own: integer parsing, the three representations, conversions at
// the limits, the hashtable against a model under random operations, SSCAN guarantees,
// random-member uniformity, clone independence.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SetObject, memberToInt, memberBytes, type Member, type SetLimits } from '../src/ds/set.js';
import { ENC_HT, ENC_INTSET, ENC_LISTPACK } from '../src/store/types.js';

const LIM: SetLimits = { maxIntset: 512, maxLpEntries: 128, maxLpValue: 64 };
const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const text = (m: Member): string => memberBytes(m).toString('latin1');
const sorted = (s: SetObject): string[] => s.members().map(text).sort();

function build(members: string[], lim = LIM): SetObject {
  const s = SetObject.create(b(members[0]!), 1, lim);
  for (const m of members) s.add(b(m), lim);
  return s;
}

describe('memberToInt (string2ll)', () => {
  test('canonical integers', () => {
    assert.equal(memberToInt(b('0')), 0);
    assert.equal(memberToInt(b('-1')), -1);
    assert.equal(memberToInt(b('123456789012345')), 123456789012345);
    assert.equal(memberToInt(b('9007199254740991')), 9007199254740991);
    assert.equal(memberToInt(b('9007199254740993')), 9007199254740993n);
    assert.equal(memberToInt(b('9223372036854775807')), 9223372036854775807n);
    assert.equal(memberToInt(b('-9223372036854775808')), -9223372036854775808n);
  });
  test('rejections', () => {
    for (const s of ['', '-', '01', '-0', '+1', ' 1', '1 ', '1.0', 'a', '9223372036854775808',
      '-9223372036854775809', '123456789012345678901', '0x10']) {
      assert.equal(memberToInt(b(s)), null, s);
    }
  });
});

describe('intset', () => {
  test('sorted, deduplicated, width upgrades 16 -> 32 -> 64', () => {
    const s = SetObject.intset();
    for (const v of [5, -3, 5, 40000, -40000, 3000000000, -9223372036854775808n, 7]) s.addInt(v, LIM);
    assert.equal(s.enc, ENC_INTSET);
    assert.equal(s.n, 7);
    assert.deepEqual(s.members().map(text),
      ['-9223372036854775808', '-40000', '-3', '5', '7', '40000', '3000000000']);
    assert.ok(s.has(b('3000000000')));
    assert.ok(s.has(b('-9223372036854775808')));
    assert.ok(!s.has(b('6')));
    assert.ok(!s.has(b('05')));
    assert.ok(s.remove(b('-3')));
    assert.ok(!s.remove(b('-3')));
    assert.ok(!s.remove(b('abc')));
    assert.equal(s.n, 6);
  });
  test('lookups of values wider than the current width', () => {
    const s = build(['1', '2', '3']);
    assert.ok(!s.has(b('100000')));
    assert.ok(!s.has(b('-100000')));
    assert.ok(!s.has(b('9223372036854775807')));
    assert.ok(!s.remove(b('9223372036854775807')));
  });
  test('a non-integer converts to listpack when small, hashtable when not', () => {
    const s = build(['1', '2', '3']);
    assert.ok(s.add(b('a'), LIM));
    assert.equal(s.enc, ENC_LISTPACK);
    assert.deepEqual(sorted(s), ['1', '2', '3', 'a']);
    const big = SetObject.intset();
    for (let i = 0; i < 128; i++) big.addInt(i, LIM);
    big.add(b('x'), LIM);
    assert.equal(big.enc, ENC_HT);
    assert.equal(big.n, 129);
    // Integers too long for a listpack value force a hashtable too.
    const wide = build(['1', '12345678901']);
    wide.add(b('a'), { ...LIM, maxLpValue: 10 });
    assert.equal(wide.enc, ENC_HT);
  });
  test('more than set-max-intset-entries converts to hashtable', () => {
    const lim = { ...LIM, maxIntset: 4 };
    const s = build(['1', '2', '3', '4'], lim);
    assert.equal(s.enc, ENC_INTSET);
    s.add(b('5'), lim);
    assert.equal(s.enc, ENC_HT);
    assert.deepEqual(sorted(s), ['1', '2', '3', '4', '5']);
  });
});

describe('create and size hints', () => {
  test('setTypeCreate rules', () => {
    assert.equal(SetObject.create(b('1'), 1, LIM).enc, ENC_INTSET);
    assert.equal(SetObject.create(b('1'), 513, LIM).enc, ENC_HT);
    assert.equal(SetObject.create(b('a'), 128, LIM).enc, ENC_LISTPACK);
    assert.equal(SetObject.create(b('a'), 129, LIM).enc, ENC_HT);
    assert.equal(SetObject.create(b('1'), 200, { ...LIM, maxIntset: 100 }).enc, ENC_HT);
  });
  test('maybeConvert on a size hint', () => {
    const lp = build(['a']);
    lp.maybeConvert(128, LIM);
    assert.equal(lp.enc, ENC_LISTPACK);
    lp.maybeConvert(129, LIM);
    assert.equal(lp.enc, ENC_HT);
    const is = build(['1']);
    is.maybeConvert(513, LIM);
    assert.equal(is.enc, ENC_HT);
    assert.ok(is.has(b('1')));
  });
});

describe('listpack', () => {
  test('insertion order, removal, long values convert', () => {
    const s = build(['b', 'a', 'c']);
    assert.equal(s.enc, ENC_LISTPACK);
    assert.deepEqual(s.members().map(text), ['b', 'a', 'c']);
    assert.ok(s.remove(b('a')));
    assert.deepEqual(s.members().map(text), ['b', 'c']);
    assert.ok(!s.add(b('b'), LIM));
    assert.ok(s.add(b('x'.repeat(65)), LIM));
    assert.equal(s.enc, ENC_HT);
    assert.deepEqual(sorted(s), ['b', 'c', 'x'.repeat(65)]);
  });
  test('entry 129 converts to hashtable', () => {
    const s = build(['a']);
    for (let i = 0; i < 127; i++) s.add(b(`m${i}`), LIM);
    assert.equal(s.enc, ENC_LISTPACK);
    assert.equal(s.n, 128);
    s.add(b('z'), LIM);
    assert.equal(s.enc, ENC_HT);
    assert.equal(s.n, 129);
  });
  test('binary members and long lengths (multi-byte length headers)', () => {
    const lim = { ...LIM, maxLpValue: 100000 };
    const s = build(['a'], lim);
    const bin = Buffer.from([0, 255, 13, 10, 0]);
    const long = Buffer.alloc(20000, 7);
    s.add(bin, lim);
    s.add(long, lim);
    assert.ok(s.has(bin));
    assert.ok(s.has(long));
    assert.ok(!s.has(Buffer.alloc(20000, 8)));
    assert.ok(s.remove(bin));
    assert.ok(s.has(long));
    s.convertTo(ENC_HT);
    assert.ok(s.has(long));
    assert.ok(s.has(b('a')));
  });
  test('positions: sample, read, remove in one pass', () => {
    const s = build(['a', 'b', 'c', 'd', 'e', 'f']);
    assert.deepEqual(s.membersAt([1, 3, 5], true).map(text), ['b', 'd', 'f']);
    s.removePositions([0, 2, 4]);
    assert.deepEqual(s.members().map(text), ['b', 'd', 'f']);
    for (let k = 0; k <= 3; k++) {
      const pos = s.samplePositions(k);
      assert.equal(pos.length, k);
      for (let i = 1; i < pos.length; i++) assert.ok(pos[i]! > pos[i - 1]!);
    }
  });
});

describe('hashtable', () => {
  test('random operations agree with a model', () => {
    const s = SetObject.hashtable();
    const model = new Set<string>();
    let seed = 12345;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let i = 0; i < 60000; i++) {
      const k = `k${rnd(5000)}`;
      const op = rnd(10);
      if (op < 5) assert.equal(s.add(b(k), LIM), !model.has(k) && (model.add(k), true));
      else if (op < 8) assert.equal(s.remove(b(k)), model.delete(k));
      else assert.equal(s.has(b(k)), model.has(k));
      if (op === 9 && s.n > 0) {
        const m = text(s.popRandom());
        assert.ok(model.delete(m));
      }
    }
    assert.equal(s.n, model.size);
    assert.deepEqual(sorted(s), [...model].sort());
    // Shrinking to nothing and growing again.
    for (const k of [...model]) assert.ok(s.remove(b(k)));
    assert.equal(s.n, 0);
    assert.ok(s.add(b('again'), LIM));
    assert.deepEqual(sorted(s), ['again']);
  });
  test('SSCAN returns every member present for the whole scan, under writes', () => {
    const s = SetObject.hashtable();
    for (let i = 0; i < 1000; i++) s.add(b(String(i)), LIM);
    s.add(b('x'), LIM);
    const seen = new Set<string>();
    let cursor = 0, iter = 0;
    do {
      cursor = s.scan(cursor, 10, (m) => seen.add(m.toString()));
      iter++;
      if (iter === 3) for (let i = 100; i < 1000; i++) s.remove(b(String(i)));
      if (iter === 5) for (let i = 2000; i < 2500; i++) s.add(b(String(i)), LIM);
    } while (cursor !== 0);
    for (let i = 0; i < 100; i++) assert.ok(seen.has(String(i)), `missing ${i}`);
    assert.ok(seen.has('x'));
  });
  test('random members are uniform', () => {
    const s = SetObject.hashtable();
    for (let i = 0; i < 10; i++) s.add(b(`m${i}`), LIM);
    const counts = new Map<string, number>();
    for (let i = 0; i < 20000; i++) {
      const m = text(s.randomMember());
      counts.set(m, (counts.get(m) ?? 0) + 1);
    }
    assert.equal(counts.size, 10);
    for (const v of counts.values()) assert.ok(v > 1600 && v < 2400, `count ${v}`);
  });
  test('maybeConvertToIntset', () => {
    const s = SetObject.hashtable();
    for (const m of ['3', '1', '2']) s.add(b(m), LIM);
    s.maybeConvertToIntset(LIM);
    assert.equal(s.enc, ENC_INTSET);
    assert.deepEqual(s.members().map(text), ['1', '2', '3']);
    const t = SetObject.hashtable();
    for (let i = 0; i < 10; i++) t.add(b(String(i)), LIM);
    t.maybeConvertToIntset({ ...LIM, maxIntset: 5 });
    assert.equal(t.enc, ENC_HT);
  });
});

describe('clone and memory', () => {
  for (const [name, members] of [
    ['intset', ['1', '2', '3']], ['listpack', ['a', 'b', '1']],
    ['hashtable', Array.from({ length: 300 }, (_, i) => `e${i}`)],
  ] as const) {
    test(`clone of a ${name} is deep`, () => {
      const s = build([...members]);
      const c = s.clone();
      assert.equal(c.enc, s.enc);
      assert.deepEqual(sorted(c), sorted(s));
      c.add(b('new'), LIM);
      c.remove(b(members[0]));
      assert.ok(!s.has(b('new')));
      assert.ok(s.has(b(members[0])));
      assert.ok(s.memoryUsage() > 0);
    });
  }
  test('hashtable memory per member stays compact', () => {
    const s = SetObject.hashtable();
    for (let i = 0; i < 100000; i++) s.add(b(`element:${String(i).padStart(12, '0')}`), LIM);
    // 20-byte members: bytes + 1 length byte + 8 bytes of index + table.
    assert.ok(s.memoryUsage() / s.n < 60, `${s.memoryUsage() / s.n} B/member`);
  });
});

describe('RDB forms (byte-identical to Valkey 9 DUMP payloads)', () => {
  const LIM2 = { ...LIM, maxLpValue: 10000 };
  test('intset blobs', () => {
    const a = build(['1', '2', '-5', '40000']);
    assert.equal(a.intsetBlob().toString('hex'), '0400000004000000fbffffff0100000002000000409c0000');
    const b = build(['1', '5000000000', '-3']);
    assert.equal(b.intsetBlob().toString('hex'), '0800000003000000fdffffffffffffff010000000000000000f2052a01000000');
    const back = SetObject.fromIntsetBlob(b.intsetBlob())!;
    assert.equal(back.enc, ENC_INTSET);
    assert.deepEqual(back.members().map(text), ['-3', '1', '5000000000']);
    assert.equal(SetObject.fromIntsetBlob(Buffer.from('0300000001000000aaaaaa', 'hex')), null);
    // Not sorted: rejected.
    assert.equal(SetObject.fromIntsetBlob(Buffer.from('02000000020000000200' + '0100', 'hex')), null);
  });
  test('listpack blobs: every integer encoding, 6/12/32-bit string lengths', () => {
    const ms = ['a', '1', '-1', '127', '128', '-4096', '4095', '4096', '-32768', '32767', '40000', '-8388608',
      '8388607', '8388608', '2147483647', '2147483648', '9223372036854775807', 'x'.repeat(70), 'y'.repeat(5000)];
    const s = build(ms, LIM2);
    assert.equal(s.enc, ENC_LISTPACK);
    const blob = s.listpackBlob();
    assert.equal(blob.length, 5165);
    // Header, the first entries ("a", 1, -1 as a 13-bit integer) and the terminator.
    assert.equal(blob.subarray(0, 16).toString('hex'), '2d14000013008161020101dfff027f01');
    assert.equal(blob[blob.length - 1], 0xff);
    const back = SetObject.fromListpackBlob(blob)!;
    assert.deepEqual(back.members().map(text), ms);
    // Truncated or duplicated contents are refused.
    assert.equal(SetObject.fromListpackBlob(blob.subarray(0, 100)), null);
    const dup = build(['a', 'b'], LIM2).listpackBlob();
    dup.write('a', dup.length - 3, 'latin1');
    assert.equal(SetObject.fromListpackBlob(dup), null);
  });
  test('loading a saved hashtable picks the encoding again', () => {
    const ints = SetObject.loader(3, LIM);
    for (const m of ['3', '1', '2']) assert.ok(ints.add(b(m)));
    assert.ok(!ints.add(b('2')));
    assert.equal(ints.done().enc, ENC_INTSET);
    const mixed = SetObject.loader(3, LIM);
    for (const m of ['1', 'a', '2']) mixed.add(b(m));
    assert.equal(mixed.done().enc, ENC_LISTPACK);
    const big = SetObject.loader(600, LIM);
    for (let i = 0; i < 600; i++) big.add(b(String(i)));
    assert.equal(big.done().enc, ENC_HT);
    const long = SetObject.loader(2, LIM);
    long.add(b('1'));
    long.add(b('z'.repeat(100)));
    assert.equal(long.done().enc, ENC_HT);
  });
  test('reloaded(): hashtables that became small come back as intset / listpack', () => {
    const h = SetObject.hashtable();
    for (let i = 0; i < 200; i++) h.add(b(`m${i}`), LIM);
    for (let i = 0; i < 190; i++) h.remove(b(`m${i}`));
    const r = h.reloaded(LIM);
    assert.equal(r.enc, ENC_LISTPACK);
    assert.deepEqual(sorted(r), range10('m', 190));
    const hi = SetObject.hashtable();
    for (let i = 0; i < 10; i++) hi.add(b(String(i)), LIM);
    assert.equal(hi.reloaded(LIM).enc, ENC_INTSET);
    const lp = build(['a', 'b']);
    assert.equal(lp.reloaded({ ...LIM, maxLpEntries: 1 }).enc, ENC_HT);
  });
});

function range10(prefix: string, from: number): string[] {
  return Array.from({ length: 10 }, (_, i) => `${prefix}${from + i}`).sort();
}
