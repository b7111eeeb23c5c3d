// RDB encoding of sorted sets: byte-identical blobs with Valkey (payloads taken from Valkey's
// DUMP with rdbcompression off), loading of every sorted-set RDB type with Valkey's encoding
// rules and corruption errors, and a DEBUG RELOAD round trip over a socket.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import {
  RDB_TYPE_ZSET, RDB_TYPE_ZSET_2, RDB_TYPE_ZSET_LISTPACK, RDB_TYPE_ZSET_ZIPLIST, RdbError, RdbOut, RdbReader,
  rdbCodecFor, type LoadedValue,
} from '../src/persistence/rdb.js';
import { ENC_LISTPACK, ENC_SKIPLIST, OBJ_ZSET } from '../src/store/types.js';
import { listpackElements, zsetListpackBlob } from '../src/commands/zset-rdb.js';
import type { ZsetObj } from '../src/ds/zset.js';

let srv: RunningServer;
let r: Valkey;

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes', save: '' } });
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
});

after(async () => {
  r.disconnect();
  await srv.close();
});

beforeEach(async () => {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await r.call('CONFIG', 'SET', 'zset-max-listpack-value', '64');
});

const call = (...args: (string | number)[]): Promise<unknown> => r.call(String(args[0]), ...args.slice(1).map(String));

// Valkey's DUMP payloads (without the version and CRC trailer) for:
//   ZADD lp 1 a 2.5 b -3 c 1e20 d 0.1 e 100 123 -70000 x inf i -inf j      (listpack)
//   ZADD sl 1 a 2.5 b -3 c 1e20 d 0.1 e 100 123 -0 k                       (skiplist)
const VALKEY_LP = '114049490000001200816a02842d696e6605817802f290eefe04816302dffd0281650283302e3104816102010181620283322e35047b0164018164028531652b32300681690283696e6604ff';
const VALKEY_SL = '05070164408cb5781daf1544c07b0000000000005940016200000000000004400161000000000000f03f01659a9999999999b93f016b0000000000000080016300000000000008c0';

function codec() { return rdbCodecFor(OBJ_ZSET)!; }

function objOf(key: string): { obj: ZsetObj; enc: number } {
  const db = srv.server.ks.dbs[0]!;
  const a = db.findRaw(Buffer.from(key));
  return { obj: db.object<ZsetObj>(a), enc: srv.server.ks.arena.encoding(a) };
}

function save(key: string): string {
  const { obj, enc } = objOf(key);
  const t = codec().rdbType(obj, enc, 80);
  const out = new RdbOut();
  out.byte(t);
  codec().save(out, obj, t, 80, false);
  return out.take().toString('hex');
}

function load(hex: string): LoadedValue {
  const b = Buffer.from(hex, 'hex');
  const rd = new RdbReader(b);
  const t = rd.byte();
  return codec().load(rd, t, { server: srv.server, version: 80, now: Date.now(), dropExpired: false });
}

function elements(z: ZsetObj): string[] {
  const out: string[] = [];
  z.each(0, z.length, false, (b, off, len, s) => out.push(`${b.toString('latin1', off, off + len)}=${s}`));
  return out;
}

/** An RDB string for raw bytes (length prefix, no compression). */
function rdbStr(b: Buffer): Buffer {
  const out = new RdbOut();
  out.len(b.length);
  out.raw(b);
  return out.take();
}

describe('sorted-set RDB codec', () => {
  test('listpack and skiplist payloads are byte-identical to Valkey', async () => {
    await call('ZADD', 'lp', 1, 'a', '2.5', 'b', -3, 'c', '1e20', 'd', '0.1', 'e', 100, '123', -70000, 'x', 'inf', 'i', '-inf', 'j');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await call('ZADD', 'sl', 1, 'a', '2.5', 'b', -3, 'c', '1e20', 'd', '0.1', 'e', 100, '123', '-0', 'k');
    assert.equal(save('lp'), VALKEY_LP);
    assert.equal(save('sl'), VALKEY_SL);
  });

  test('Valkey payloads load back with the load-time encoding rules', async () => {
    const lp = load(VALKEY_LP);
    assert.equal(lp.type, OBJ_ZSET);
    assert.equal(lp.enc, ENC_LISTPACK);
    assert.deepEqual(elements(lp.obj as ZsetObj),
      ['j=-Infinity', 'x=-70000', 'c=-3', 'e=0.1', 'a=1', 'b=2.5', '123=100', 'd=100000000000000000000', 'i=Infinity']);
    // A small skiplist comes back compact (and its -0 as 0, as a listpack stores it).
    const sl = load(VALKEY_SL);
    assert.equal(sl.enc, ENC_LISTPACK);
    assert.deepEqual(elements(sl.obj as ZsetObj), ['c=-3', 'k=0', 'e=0.1', 'a=1', 'b=2.5', '123=100', 'd=100000000000000000000']);
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '5');
    assert.equal(load(VALKEY_LP).enc, ENC_SKIPLIST);
    assert.equal(load(VALKEY_SL).enc, ENC_SKIPLIST);
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    await call('CONFIG', 'SET', 'zset-max-listpack-value', '2');
    // ZSET_2 checks member lengths; a packed blob only the count.
    assert.equal(load(VALKEY_SL).enc, ENC_SKIPLIST);
    assert.equal(load(VALKEY_LP).enc, ENC_LISTPACK);
  });

  test('old types: text scores (ZSET) and ziplists', () => {
    const out = new RdbOut();
    out.byte(RDB_TYPE_ZSET);
    out.len(3);
    out.str(Buffer.from('b')); out.strDouble(2.5);
    out.str(Buffer.from('a')); out.strDouble(-Infinity);
    out.str(Buffer.from('c')); out.strDouble(7);
    const z = load(out.take().toString('hex'));
    assert.deepEqual(elements(z.obj as ZsetObj), ['a=-Infinity', 'b=2.5', 'c=7']);
    // ziplist: "a" 1 "b" "2.5"
    const entries = Buffer.from([0x00, 0x01, 0x61, 0x03, 0xf2, 0x02, 0x01, 0x62, 0x03, 0x03, 0x32, 0x2e, 0x35]);
    const zl = Buffer.alloc(10 + entries.length + 1);
    zl.writeUInt32LE(zl.length, 0);
    zl.writeUInt32LE(10 + 7, 4);
    zl.writeUInt16LE(4, 8);
    entries.copy(zl, 10);
    zl[zl.length - 1] = 0xff;
    const zz = load(Buffer.concat([Buffer.from([RDB_TYPE_ZSET_ZIPLIST]), rdbStr(zl)]).toString('hex'));
    assert.equal(zz.enc, ENC_LISTPACK);
    assert.deepEqual(elements(zz.obj as ZsetObj), ['a=1', 'b=2.5']);
  });

  test('empty values are skipped; corrupt ones are errors', () => {
    const empty = new RdbOut();
    empty.byte(RDB_TYPE_ZSET_2);
    empty.len(0);
    assert.equal(load(empty.take().toString('hex')).empty, true);
    const dup = new RdbOut();
    dup.byte(RDB_TYPE_ZSET_2);
    dup.len(2);
    dup.str(Buffer.from('a')); dup.f64le(1);
    dup.str(Buffer.from('a')); dup.f64le(2);
    assert.throws(() => load(dup.take().toString('hex')), (e: Error) => e instanceof RdbError && e.message === 'Duplicate zset fields detected');
    const nan = new RdbOut();
    nan.byte(RDB_TYPE_ZSET_2);
    nan.len(1);
    nan.str(Buffer.from('a')); nan.f64le(NaN);
    assert.throws(() => load(nan.take().toString('hex')), (e: Error) => e.message === 'Zset with NAN score detected');
    const bad = Buffer.from(VALKEY_LP, 'hex');
    bad[20] = 0x99; // break an entry's back length
    assert.throws(() => load(bad.toString('hex')), (e: Error) => e.message === 'Zset listpack integrity check failed.');
    const odd = Buffer.concat([Buffer.from([RDB_TYPE_ZSET_LISTPACK]), rdbStr(Buffer.from([7, 0, 0, 0, 1, 0, 0x81, 0x61, 0x02, 0xff]))]);
    assert.throws(() => load(odd.toString('hex')), (e: Error) => e.message === 'Zset listpack integrity check failed.');
  });

  test('listpack integer encodings round trip', () => {
    const values = ['0', '127', '128', '-1', '-4096', '4095', '-4097', '32767', '-32768', '32768', '8388607', '-8388608',
      '8388608', '2147483647', '-2147483648', '2147483648', '9223372036854775807', '-9223372036854775808',
      '9223372036854775808', '007', '-0', '1.5', 'x'.repeat(63), 'y'.repeat(64), 'z'.repeat(4095), 'w'.repeat(4096)];
    const z = { length: values.length, each: (_s: number, _n: number, _r: boolean, fn: (b: Buffer, o: number, l: number, s: number) => void) => {
      values.forEach((v, i) => { const b = Buffer.from(v); fn(b, 0, b.length, i); });
    } } as unknown as ZsetObj;
    const elems = listpackElements(zsetListpackBlob(z))!;
    assert.ok(elems !== null);
    assert.deepEqual(elems.filter((_, i) => i % 2 === 0).map((b) => b.toString()), values);
    assert.deepEqual(elems.filter((_, i) => i % 2 === 1).map((b) => Number(b.toString())), values.map((_, i) => i));
  });
});

describe('DEBUG RELOAD', () => {
  test('sorted sets survive with their scores; encodings re-chosen as on load', async () => {
    await call('ZADD', 'lp', 1, 'a', '2.5', 'b', '-inf', 'c');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const args: (string | number)[] = [];
    for (let i = 0; i < 300; i++) args.push(i / 7, 'm' + i);
    await call('ZADD', 'big', ...args);
    await call('ZADD', 'small', 1, 'x', 2, 'y');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    const before = [await call('ZRANGE', 'lp', 0, -1, 'WITHSCORES'), await call('ZRANGE', 'big', 0, -1, 'WITHSCORES')];
    assert.equal(await call('DEBUG', 'RELOAD'), 'OK');
    assert.deepEqual([await call('ZRANGE', 'lp', 0, -1, 'WITHSCORES'), await call('ZRANGE', 'big', 0, -1, 'WITHSCORES')], before);
    assert.equal(await call('OBJECT', 'ENCODING', 'lp'), 'listpack');
    assert.equal(await call('OBJECT', 'ENCODING', 'big'), 'skiplist');
    assert.equal(await call('OBJECT', 'ENCODING', 'small'), 'listpack');
  });
});
