// The list structure on its own: listpack entry encodings and sizes (Valkey's byte layout),
// quicklist node splitting / merging / plain nodes, conversions, and a randomized comparison of
// every operation against a plain array model with structural self-checks.
import { describe, test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import {
  ListObject, Needle, entryBytes, exceedsLimit, nodeLimit, setPackedThreshold, LP_HDR,
} from '../src/ds/quicklist.js';

const B = (s: string | number): Buffer => Buffer.from(String(s));
const S = (b: Buffer | null): string | null => (b === null ? null : b.toString('latin1'));

function build(items: Array<string | number>, fill = -2): ListObject {
  const o = new ListObject();
  for (const it of items) {
    o.convertIfGrowing(fill, B(it).length, 1);
    o.push(B(it), false);
  }
  return o;
}

function all(o: ListObject): string[] { return o.toArray().map((b) => b.toString('latin1')); }

afterEach(() => setPackedThreshold(0));

describe('listpack entries', () => {
  test('integer encodings take Valkey\'s sizes', () => {
    // value -> encoding + data bytes, plus one backlen byte
    const cases: Array<[string, number]> = [
      ['0', 2], ['127', 2], ['128', 3], ['-1', 3], ['4095', 3], ['-4096', 3], ['4096', 4], ['-32768', 4],
      ['32768', 5], ['8388607', 5], ['8388608', 6], ['-2147483648', 6], ['2147483648', 10],
      ['9223372036854775807', 10], ['-9223372036854775808', 10],
    ];
    for (const [v, n] of cases) assert.equal(entryBytes(B(v)), n, v);
  });

  test('non-canonical numbers are strings', () => {
    for (const v of ['-0', '01', '+1', '1 ', ' 1', '9223372036854775808', '-9223372036854775809', '1.5', '', '-']) {
      assert.equal(entryBytes(Buffer.from(v)), v.length + 2, JSON.stringify(v));
    }
  });

  test('string length classes and backlen sizes', () => {
    assert.equal(entryBytes(Buffer.alloc(63, 120)), 63 + 1 + 1);
    assert.equal(entryBytes(Buffer.alloc(64, 120)), 64 + 2 + 1);
    assert.equal(entryBytes(Buffer.alloc(125, 120)), 125 + 2 + 1); // l = 127: one backlen byte
    assert.equal(entryBytes(Buffer.alloc(126, 120)), 126 + 2 + 2); // l = 128
    assert.equal(entryBytes(Buffer.alloc(4095, 120)), 4095 + 2 + 2);
    assert.equal(entryBytes(Buffer.alloc(4096, 120)), 4096 + 5 + 2);
    assert.equal(entryBytes(Buffer.alloc(20000, 120)), 20000 + 5 + 3);
  });

  test('values round-trip through every encoding, forwards and backwards', () => {
    const vals = ['0', '12', '127', '128', '-1', '-4096', '4095', '32767', '-32768', '8388607', '-8388608',
      '2147483647', '-2147483648', '2147483648', '9007199254740993', '9223372036854775807',
      '-9223372036854775808', '9223372036854775808', 'x'.repeat(31), 'x'.repeat(64), 'y'.repeat(8191),
      'z'.repeat(65535), '', 'hello', '-0', '007'];
    const o = new ListObject();
    for (const v of vals) o.push(B(v), false);
    o.verify();
    assert.deepEqual(all(o), vals);
    const rev: string[] = [];
    o.range(vals.length - 1, vals.length, true, (b, s, e) => rev.push(b.toString('latin1', s, e)));
    assert.deepEqual(rev, [...vals].reverse());
    for (let i = 0; i < vals.length; i++) assert.equal(S(o.get(i)), vals[i]);
    for (let i = 1; i <= vals.length; i++) assert.equal(S(o.get(-i)), vals[vals.length - i]);
    assert.equal(o.get(vals.length), null);
    assert.equal(o.get(-vals.length - 1), null);
  });

  test('the listpack header carries total bytes and element count', () => {
    const o = build(['a', 'b', '1']);
    const n = o.serializedNodes();
    assert.equal(n.length, 1);
    const lp = n[0]!.bytes;
    assert.equal(lp.readUInt32LE(0), lp.length);
    assert.equal(lp.readUInt16LE(4), 3);
    assert.equal(lp[lp.length - 1], 0xff);
    // a (0x81 'a' 2) b (0x81 'b' 2) 1 (0x01 1) EOF
    assert.deepEqual([...lp.subarray(LP_HDR)], [0x81, 97, 2, 0x81, 98, 2, 1, 1, 0xff]);
  });
});

describe('compact small listpacks', () => {
  test('a small listpack is held as a string, a larger one as a buffer, and back', () => {
    const o = new ListObject();
    assert.equal(o.isCompact, true);
    for (let i = 0; i < 5; i++) o.push(B(`v${i}`), false);
    assert.equal(o.isCompact, true);
    o.verify();
    o.push(Buffer.alloc(600, 120), true);
    assert.equal(o.isCompact, false);
    o.verify();
    assert.equal(o.pop(true).length, 600);
    assert.equal(o.isCompact, true);
    o.verify();
    assert.deepEqual(all(o), ['v0', 'v1', 'v2', 'v3', 'v4']);
    const c = o.clone();
    c.push(B('x'), false);
    assert.deepEqual(all(o), ['v0', 'v1', 'v2', 'v3', 'v4']);
    assert.deepEqual(all(c), ['v0', 'v1', 'v2', 'v3', 'v4', 'x']);
    // reads leave the compact form untouched
    assert.equal(S(o.get(2)), 'v2');
    assert.equal(o.isCompact, true);
  });

  test('two lists can be worked on at once (a callback touching another list)', () => {
    const a = build(['a1', 'a2', 'a3']);
    const b = build(['b1']);
    a.forEach((buf, s, e) => { b.push(buf.subarray(s, e), false); });
    a.verify(); b.verify();
    assert.deepEqual(all(b), ['b1', 'a1', 'a2', 'a3']);
    assert.deepEqual(all(a), ['a1', 'a2', 'a3']);
  });
});

describe('limits', () => {
  test('fill levels', () => {
    assert.deepEqual(nodeLimit(-1), { size: 4096, count: Infinity });
    assert.deepEqual(nodeLimit(-2), { size: 8192, count: Infinity });
    assert.deepEqual(nodeLimit(-5), { size: 65536, count: Infinity });
    assert.deepEqual(nodeLimit(-6), { size: 65536, count: Infinity });
    assert.deepEqual(nodeLimit(0), { size: Infinity, count: 1 });
    assert.deepEqual(nodeLimit(5), { size: Infinity, count: 5 });
    assert.equal(exceedsLimit(5, 8193, 1), true); // safety limit for count fills
    assert.equal(exceedsLimit(5, 8192, 5), false);
    assert.equal(exceedsLimit(5, 100, 6), true);
    assert.equal(exceedsLimit(-1, 4097, 1), true);
  });
});

describe('encoding conversions', () => {
  test('listpack grows into a quicklist at the byte limit', () => {
    const o = new ListObject();
    // 7 bytes empty; 60000-byte string: 60000 + 5 + 3 = 60008 -> 60015 bytes
    assert.equal(o.convertIfGrowing(-6, 60000, 1), false);
    o.push(Buffer.alloc(60000, 120), false);
    assert.equal(o.serializedNodes()[0]!.bytes.length, 60015);
    assert.equal(o.convertIfGrowing(-6, 5521, 1), false); // 65536
    assert.equal(o.convertIfGrowing(-6, 5522, 1), true);
    assert.equal(o.isQuicklist, true);
    assert.equal(o.length, 1);
  });

  test('count fill converts past the count, and shrinks back below half', () => {
    const o = build(['a', 'b', 'c'], 3);
    assert.equal(o.isQuicklist, false);
    assert.equal(o.convertIfGrowing(3, 1, 1), true);
    o.push(B('d'), false);
    assert.equal(o.debugQuicklist().nodes, 2); // [a b c] [d]
    o.delRange(-3, 3);
    assert.deepEqual(all(o), ['a']);
    assert.equal(o.convertIfSmall(3, true), true);
    assert.equal(o.isQuicklist, false);
  });

  test('a single plain node never converts back', () => {
    setPackedThreshold(1);
    const o = build(['a']);
    o.toQuicklist(1);
    o.push(B('xx'), false);
    o.pop(true);
    assert.equal(o.convertIfSmall(1, false), false);
  });

  test('fromElements builds the encoding SORT STORE and loading choose', () => {
    assert.equal(ListObject.fromElements([B('a'), B('b')], -2).isQuicklist, false);
    const big = ListObject.fromElements(Array.from({ length: 3000 }, (_, i) => B(`element-${i}`)), -2);
    assert.equal(big.isQuicklist, true);
    assert.equal(big.length, 3000);
    big.verify();
  });

  test('fromNodes round-trips serializedNodes', () => {
    const o = build(Array.from({ length: 2000 }, (_, i) => `v${i}`));
    o.toQuicklist(-2);
    o.push(Buffer.alloc(9000, 97), false);
    for (let i = 0; i < 2000; i++) o.push(B(i), false);
    const copy = ListObject.fromNodes(o.serializedNodes(), -2)!;
    copy.verify();
    assert.deepEqual(all(copy), all(o));
    assert.equal(copy.debugQuicklist().nodes, o.debugQuicklist().nodes);
    assert.equal(ListObject.fromNodes([], -2), null);
  });
});

describe('quicklist layout', () => {
  test('push fills nodes up to the count limit', () => {
    const o = new ListObject();
    o.toQuicklist(5);
    for (let i = 0; i < 12; i++) o.push(B(i), false);
    assert.equal(o.debugQuicklist().nodes, 3);
    for (let i = 0; i < 3; i++) o.push(B(i), true);
    assert.equal(o.debugQuicklist().nodes, 4);
    o.verify();
  });

  test('large elements get plain nodes and keep their neighbours intact', () => {
    const o = new ListObject();
    o.toQuicklist(-2);
    o.push(B('a'), false);
    o.push(Buffer.alloc(9000, 120), false);
    o.push(B('b'), false);
    assert.equal(o.debugQuicklist().plainNodes, 1);
    assert.equal(o.debugQuicklist().nodes, 3);
    assert.equal(o.get(1)!.length, 9000);
    o.verify();
  });

  test('LSET of a large element in the middle of a packed node splits it', () => {
    setPackedThreshold(5);
    const o = new ListObject();
    o.toQuicklist(4);
    for (const v of ['aa', 'bb', 'cc', 'dd', 'ee']) o.push(B(v), false);
    assert.equal(o.debugQuicklist().nodes, 2); // [aa bb cc dd] [ee]
    o.set(2, B('e'.repeat(10)));
    o.verify();
    assert.deepEqual(all(o), ['aa', 'bb', 'eeeeeeeeee', 'dd', 'ee']);
    assert.equal(o.debugQuicklist().plainNodes, 1);
  });

  test('LSET on a plain node with a small element re-packs it', () => {
    setPackedThreshold(5);
    const o = new ListObject();
    o.toQuicklist(-2);
    o.push(B('aa'), false);
    o.push(B('x'.repeat(50)), false);
    o.push(B('bb'), false);
    o.set(1, B('cc'));
    o.verify();
    assert.deepEqual(all(o), ['aa', 'cc', 'bb']);
    assert.equal(o.debugQuicklist().plainNodes, 0);
  });

  test('LINSERT into a full node splits and merges as Valkey does', () => {
    const o = new ListObject();
    o.toQuicklist(4);
    for (let i = 0; i < 8; i++) o.push(B(`e${i}`), false); // [e0..e3] [e4..e7]
    assert.ok(o.insert(new Needle(B('e1')), B('x'), true));
    o.verify();
    assert.deepEqual(all(o), ['e0', 'e1', 'x', 'e2', 'e3', 'e4', 'e5', 'e6', 'e7']);
    // split [e0 e1] + [x e2 e3]; nothing can merge within 4 entries
    assert.equal(o.debugQuicklist().nodes, 3);
    assert.equal(o.insert(new Needle(B('nope')), B('y'), false), false);
  });
});

describe('randomized against an array model', () => {
  function rnd(n: number): number { return Math.floor(Math.random() * n); }
  function randomValue(): string {
    switch (rnd(6)) {
      case 0: return String(rnd(300) - 150);
      case 1: return String(rnd(2 ** 31) * (rnd(2) ? 1 : -1));
      case 2: return 'x'.repeat(rnd(100));
      case 3: return 'y'.repeat(rnd(10000));
      case 4: return String(BigInt(rnd(2 ** 30)) * 9000000000n);
      default: return `v${rnd(20)}`;
    }
  }

  for (const fill of [-2, -1, 1, 4, 16]) {
    test(`fill ${fill}`, () => {
      const o = new ListObject();
      let model: string[] = [];
      if (fill > 0) setPackedThreshold(rnd(2) ? 0 : 200);
      for (let step = 0; step < 2500; step++) {
        const op = rnd(12);
        const v = randomValue();
        const len = model.length;
        switch (op) {
          case 0: case 1: {
            o.convertIfGrowing(fill, v.length, 1);
            o.push(B(v), op === 0);
            if (op === 0) model.unshift(v); else model.push(v);
            break;
          }
          case 2: case 3: {
            if (!len) break;
            const got = o.pop(op === 2).toString('latin1');
            assert.equal(got, op === 2 ? model.shift() : model.pop());
            break;
          }
          case 4: {
            if (!len) break;
            const i = rnd(len * 2) - len;
            o.convertIfGrowing(fill, v.length, 1);
            assert.equal(o.set(i, B(v)), true);
            model[i < 0 ? len + i : i] = v;
            o.convertIfSmall(fill, true);
            break;
          }
          case 5: {
            if (!len) break;
            const pivot = model[rnd(len)]!;
            const after = rnd(2) === 0;
            o.convertIfGrowing(fill, v.length, 1);
            assert.equal(o.insert(new Needle(B(pivot)), B(v), after), true);
            const at = model.indexOf(pivot);
            model.splice(after ? at + 1 : at, 0, v);
            break;
          }
          case 6: {
            if (!len) break;
            const target = model[rnd(len)]!;
            const count = rnd(5) - 2;
            const removed = o.remove(new Needle(B(target)), count);
            let n = 0;
            if (count >= 0) {
              model = model.filter((x) => (x === target && (count === 0 || n < count) ? (n++, false) : true));
            } else {
              const rev = [...model].reverse().filter((x) => (x === target && n < -count ? (n++, false) : true));
              model = rev.reverse();
            }
            assert.equal(removed, n);
            break;
          }
          case 7: {
            if (!len) break;
            const a = rnd(len), b = a + rnd(len);
            const ltrim = a, rtrim = Math.max(0, len - Math.min(b, len - 1) - 1);
            o.delRange(0, ltrim);
            o.delRange(-rtrim, rtrim);
            model = model.slice(ltrim, len - rtrim);
            break;
          }
          case 8: {
            if (!len) break;
            const n = 1 + rnd(5);
            const head = rnd(2) === 0;
            o.delRange(head ? 0 : -Math.min(n, len), n);
            if (head) model.splice(0, n); else model.splice(Math.max(0, len - n), n);
            break;
          }
          case 9: {
            if (!len) break;
            const i = rnd(len);
            assert.equal(S(o.get(i)), model[i]);
            const from = rnd(len), n = 1 + rnd(len - from);
            const got: string[] = [];
            o.range(from, n, false, (b, s, e) => got.push(b.toString('latin1', s, e)));
            assert.deepEqual(got, model.slice(from, from + n));
            const back: string[] = [];
            o.range(from + n - 1, n, true, (b, s, e) => back.push(b.toString('latin1', s, e)));
            assert.deepEqual(back, model.slice(from, from + n).reverse());
            break;
          }
          case 10: {
            if (!len) break;
            const target = model[rnd(len)]!;
            const rank = (rnd(3) + 1) * (rnd(2) ? 1 : -1);
            const got: number[] = [];
            o.positions(new Needle(B(target)), rank, 0, (i) => { got.push(i); return true; });
            const idx = model.map((x, i) => (x === target ? i : -1)).filter((i) => i >= 0);
            const want = rank > 0 ? idx.slice(rank - 1) : [...idx].reverse().slice(-rank - 1);
            assert.deepEqual(got, want);
            break;
          }
          default:
            o.convertIfSmall(fill, true);
        }
        if (o.length === 0) { assert.equal(model.length, 0); continue; }
        if (step % 50 === 0) { o.verify(); assert.deepEqual(all(o), model); }
      }
      o.verify();
      assert.deepEqual(all(o), model);
      const c = o.clone();
      c.verify();
      assert.deepEqual(all(c), model);
      assert.ok(o.memoryUsage() > 0);
    });
  }
});

describe('big lists', () => {
  test('index lookups stay correct across many nodes and head/tail churn', () => {
    const o = new ListObject();
    o.toQuicklist(8);
    const model: number[] = [];
    for (let i = 0; i < 20000; i++) { o.push(B(i), i % 3 === 0); if (i % 3 === 0) model.unshift(i); else model.push(i); }
    for (let i = 0; i < 5000; i++) { o.pop(i % 2 === 0); if (i % 2 === 0) model.shift(); else model.pop(); }
    o.verify();
    for (let k = 0; k < 2000; k++) {
      const i = Math.floor(Math.random() * model.length);
      assert.equal(S(o.get(i)), String(model[i]));
    }
    o.set(7777, B('mid'));
    model[7777] = 'mid' as unknown as number;
    assert.equal(S(o.get(7777)), 'mid');
    o.verify();
  });
});
