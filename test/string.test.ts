// The STRING family over real sockets: every command, option, edge case and error path, with
// replies compared to what Valkey 9 sends. Server state the replies cannot show (encodings,
// TTLs, keyspace events, dirty counter) is inspected in-process.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, type Reply } from '../bench/resp.js';
import {
  ENC_EMBSTR, ENC_INT, ENC_QUICKLIST, ENC_RAW, NOTIFY_GENERIC, NOTIFY_STRING, OBJ_LIST,
} from '../src/store/types.js';
import { incrByFloatText, LD_NAN_OR_INF, LD_NOT_FLOAT, parseLongDouble } from '../src/util/longdouble.js';
import { err } from './helpers.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
const extra: Valkey[] = [];
const events: [string, string, number][] = [];

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  raw = await RawConn.connect(srv.port);
  srv.server.ks.onChange((_db, key, event, cls) => { events.push([key ? key.toString('latin1') : '', event, cls]); });
});

after(async () => {
  r.disconnect();
  raw.close();
  for (const c of extra) c.disconnect();
  await srv.close();
});

beforeEach(() => {
  srv.server.ks.flushAll(false);
  events.length = 0;
});

const db = () => srv.server.ks.dbs[0]!;
const addr = (key: string) => db().findRaw(Buffer.from(key));
/** EXISTS, answered in-process (the keyspace commands belong to another area). */
const exists = (...keys: string[]): number => keys.reduce((n, k) => n + (db().existsNoSideEffects(Buffer.from(k)) ? 1 : 0), 0);
const del = (key: string): boolean => db().delete(Buffer.from(key));
const enc = (key: string): number => srv.server.ks.arena.encoding(addr(key));
/** Remaining TTL in ms (-1 without TTL, -2 absent), from the server's own state. */
const pttl = (key: string): number => {
  const a = addr(key);
  if (a === 0) return -2;
  const e = db().expireOf(a);
  return e === 0 ? -1 : e - Date.now();
};
/** Puts a non-string value (a list object) under key. */
function makeList(key: string): void {
  db().setObject(Buffer.from(key), OBJ_LIST, ENC_QUICKLIST, { memoryUsage: () => 0 });
}
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const NOTINT = 'ERR value is not an integer or out of range';
const NOTFLOAT = 'ERR value is not a valid float';
/** Sends a command on the raw connection and returns the reply bytes as text. */
async function rawText(...args: string[]): Promise<string> {
  await raw.write(encodeCommand(args));
  return raw.raw();
}
const evs = () => events.filter((e) => e[1] !== 'flushall').map((e) => `${e[1]}:${e[0]}`);

describe('GET / SET', () => {
  test('set and get, empty and binary values', async () => {
    assert.equal(await r.call('SET', 'x', 'foobar'), 'OK');
    assert.equal(await r.call('GET', 'x'), 'foobar');
    assert.equal(await r.call('SET', 'x', ''), 'OK');
    assert.equal(await r.call('GET', 'x'), '');
    const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
    await r.call('SET', 'b', bin);
    assert.deepEqual(await r.callBuffer('GET', 'b'), bin);
    assert.equal(await r.call('GET', 'nokey'), null);
  });

  test('values of every size round-trip (inline, out of line, very big)', async () => {
    for (const n of [1, 32, 33, 44, 45, 8191, 8192, 8193, 100000, 4000000]) {
      const v = Buffer.alloc(n, 'abcd');
      await r.call('SET', 'v', v);
      assert.deepEqual(await r.callBuffer('GET', 'v'), v, `size ${n}`);
    }
    // Shrinking and growing in place keeps the contents right.
    await r.call('SET', 'v', 'short');
    assert.equal(await r.call('GET', 'v'), 'short');
  });

  test('GET returns every byte of short binary values, whatever their length and key length', async () => {
    // Replies of up to 128 bytes are copied 4 bytes at a time plus a byte tail; keys of other
    // lengths put the value at other alignments in its block.
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 24;
    for (const key of ['k', 'key:000000000001', 'a-longer-key-of-27-bytes-xx']) {
      for (let n = 0; n <= 140; n++) {
        const v = Buffer.alloc(n);
        for (let i = 0; i < n; i++) v[i] = rnd();
        await r.call('SET', key, v);
        assert.deepEqual(await r.callBuffer('GET', key), v, `key ${key}, ${n} bytes`);
      }
      // Several in one pipeline: each reply lands at another place of the reply buffer.
      const p = r.pipeline();
      const want: Buffer[] = [];
      for (let n = 60; n < 100; n++) {
        const v = Buffer.alloc(n, n);
        want.push(v);
        p.set(`${key}:${n}`, v);
        p.getBuffer(`${key}:${n}`);
      }
      const res = await p.exec();
      assert.deepEqual(res!.filter((_, i) => i % 2 === 1).map(([, v]) => v), want);
    }
  });

  test('GET against a non-string is WRONGTYPE', async () => {
    makeList('l');
    assert.equal(await err(r.call('GET', 'l')), WRONGTYPE);
  });

  test('SET overwrites any type and clears the TTL', async () => {
    makeList('l');
    assert.equal(await r.call('SET', 'l', 'v'), 'OK');
    assert.equal(await r.call('GET', 'l'), 'v');
    await r.call('SET', 't', 'v', 'EX', '100');
    assert.ok(pttl('t') > 90000);
    await r.call('SET', 't', 'w');
    assert.equal(pttl('t'), -1);
  });

  test('SET picks int, embstr and raw encodings like Valkey', async () => {
    const cases: [string, number][] = [
      ['12345', ENC_INT], ['-9223372036854775808', ENC_INT], ['9223372036854775807', ENC_INT],
      ['9223372036854775808', ENC_EMBSTR], ['0', ENC_INT], ['-0', ENC_EMBSTR], ['012', ENC_EMBSTR],
      ['+1', ENC_EMBSTR], [' 1', ENC_EMBSTR], ['a'.repeat(44), ENC_EMBSTR], ['a'.repeat(45), ENC_RAW],
    ];
    for (const [v, e] of cases) {
      await r.call('SET', 'k', v);
      assert.equal(enc('k'), e, v);
    }
  });

  test('SET emits "set"; plain SET on a volatile db still lazily expires the old key', async () => {
    await r.call('SET', 'a', '1');
    assert.deepEqual(events.slice(-1), [['a', 'set', NOTIFY_STRING]]);
    srv.server.activeExpireEnabled = false; // only lazy expiry may remove the key here
    try {
      await r.call('SET', 'old', 'v', 'PX', '1');
      await new Promise((res) => setTimeout(res, 5));
      events.length = 0;
      await r.call('SET', 'old', 'new');
      assert.deepEqual(evs(), ['expired:old', 'set:old']);
      assert.equal(await r.call('GET', 'old'), 'new');
    } finally {
      srv.server.activeExpireEnabled = true;
    }
  });
});

describe('SET options', () => {
  test('NX and XX', async () => {
    assert.equal(await r.call('SET', 'foo', '1', 'NX'), 'OK');
    assert.equal(await r.call('SET', 'foo', '2', 'nx'), null);
    assert.equal(await r.call('GET', 'foo'), '1');
    assert.equal(await r.call('SET', 'bar', '1', 'XX'), null);
    assert.equal(exists('bar'), 0);
    assert.equal(await r.call('SET', 'foo', '3', 'xX'), 'OK');
    assert.equal(await r.call('GET', 'foo'), '3');
    // Repeating the same condition is accepted.
    assert.equal(await r.call('SET', 'foo', '4', 'XX', 'XX'), 'OK');
  });

  test('GET returns the old value, alone and with NX/XX', async () => {
    assert.equal(await r.call('SET', 'foo', 'bar', 'GET'), null);
    assert.equal(await r.call('SET', 'foo', 'bar2', 'GET'), 'bar');
    assert.equal(await r.call('GET', 'foo'), 'bar2');
    assert.equal(await r.call('SET', 'foo', 'baz', 'GET', 'XX'), 'bar2');
    assert.equal(await r.call('GET', 'foo'), 'baz');
    assert.equal(await r.call('SET', 'foo', 'qux', 'GET', 'NX'), 'baz');
    assert.equal(await r.call('GET', 'foo'), 'baz');
    assert.equal(await r.call('SET', 'nx', 'v', 'GET', 'NX'), null);
    assert.equal(await r.call('GET', 'nx'), 'v');
    assert.equal(await r.call('SET', 'xx', 'v', 'GET', 'XX'), null);
    assert.equal(exists('xx'), 0);
    assert.equal(await r.call('SET', 'foo', 'x', 'get', 'get'), 'baz');
  });

  test('GET against a non-string is WRONGTYPE and sets nothing', async () => {
    makeList('l');
    assert.equal(await err(r.call('SET', 'l', 'bar', 'GET')), WRONGTYPE);
    assert.equal(srv.server.ks.arena.type(addr('l')), OBJ_LIST);
  });

  test('IFEQ sets only when the current value matches', async () => {
    await r.call('SET', 'foo', 'initial_value');
    assert.equal(await r.call('SET', 'foo', 'new_value', 'IFEQ', 'initial_value'), 'OK');
    assert.equal(await r.call('GET', 'foo'), 'new_value');
    assert.equal(await r.call('SET', 'foo', 'no', 'ifeq', 'wrong_value'), null);
    assert.equal(await r.call('GET', 'foo'), 'new_value');
    assert.equal(await r.call('SET', 'missing', 'v', 'IFEQ', 'x'), null);
    assert.equal(exists('missing'), 0);
    // Int-encoded values compare by their text.
    await r.call('SET', 'n', '100');
    assert.equal(await r.call('SET', 'n', '7', 'IFEQ', '100'), 'OK');
    assert.equal(await r.call('SET', 'n', '8', 'IFEQ', '0100'), null);
    // A big (out of line) value compares too.
    const big = 'z'.repeat(20000);
    await r.call('SET', 'big', big);
    assert.equal(await r.call('SET', 'big', 'small', 'IFEQ', big), 'OK');
  });

  test('IFEQ with GET, with expiration, and against non-strings', async () => {
    assert.equal(await r.call('SET', 'foo', 'new_value', 'IFEQ', 'initial_value', 'GET'), null);
    assert.equal(await r.call('GET', 'foo'), null);
    await r.call('SET', 'foo', 'initial_value');
    assert.equal(await r.call('SET', 'foo', 'new_value', 'IFEQ', 'initial_value', 'GET'), 'initial_value');
    assert.equal(await r.call('GET', 'foo'), 'new_value');
    assert.equal(await r.call('SET', 'foo', 'x', 'GET', 'IFEQ', 'nope'), 'new_value');
    assert.equal(await r.call('GET', 'foo'), 'new_value');
    assert.equal(await r.call('SET', 'foo', 'v2', 'IFEQ', 'new_value', 'EX', '100'), 'OK');
    assert.ok(pttl('foo') > 90000);
    makeList('l');
    assert.equal(await err(r.call('SET', 'l', 'new', 'IFEQ', 'x')), WRONGTYPE);
    assert.equal(await err(r.call('SET', 'l', 'new', 'IFEQ', 'x', 'GET')), WRONGTYPE);
  });

  test('conflicting or incomplete options are syntax errors', async () => {
    const bad = [
      ['NX', 'XX'], ['XX', 'NX'], ['IFEQ', 'v', 'XX'], ['IFEQ', 'v', 'NX'], ['NX', 'IFEQ', 'v'],
      ['XX', 'IFEQ', 'v'], ['IFEQ', 'a', 'IFEQ', 'b'], ['IFEQ'], ['EX'], ['PX'], ['EXAT'], ['PXAT'],
      ['EX', '10', 'PX', '100'], ['PX', '100', 'EX', '10'], ['EX', '10', 'EXAT', '10'], ['EXAT', '10', 'PXAT', '10'],
      ['PXAT', '10', 'EX', '10'], ['EX', '10', 'KEEPTTL'], ['KEEPTTL', 'EX', '10'], ['KEEPTTL', 'PXAT', '10'],
      ['PERSIST'], ['non-existing-option'], ['GETT'], ['N'], ['EXATT', '1'], ['KEEPTTLX'],
    ];
    for (const opts of bad) {
      assert.equal(await err(r.call('SET', 'foo', 'bar', ...opts)), SYNTAX, opts.join(' '));
    }
    assert.equal(exists('foo'), 0);
    // The same expiration option twice is fine (the last one wins).
    assert.equal(await r.call('SET', 'foo', 'bar', 'EX', '10', 'EX', '1000'), 'OK');
    assert.ok(pttl('foo') > 900000);
    assert.equal(await r.call('SET', 'foo', 'bar', 'KEEPTTL', 'KEEPTTL'), 'OK');
  });

  test('EX, PX, EXAT, PXAT and KEEPTTL', async () => {
    await r.call('SET', 'foo', 'bar', 'EX', '10');
    let t = pttl('foo');
    assert.ok(t > 9000 && t <= 10000, `ttl ${t}`);
    await r.call('SET', 'foo', 'bar', 'px', '10000');
    t = pttl('foo');
    assert.ok(t > 9000 && t <= 10000);
    await r.call('SET', 'foo', 'bar', 'exat', String(Math.floor(Date.now() / 1000) + 100));
    t = pttl('foo');
    assert.ok(t > 98000 && t <= 100000);
    await r.call('SET', 'foo', 'bar', 'pxat', String(Date.now() + 50000));
    t = pttl('foo');
    assert.ok(t > 49000 && t <= 50000);
    await r.call('SET', 'foo', 'baz', 'KEEPTTL');
    t = pttl('foo');
    assert.ok(t > 49000 && t <= 50000);
    assert.equal(await r.call('GET', 'foo'), 'baz');
    await r.call('SET', 'foo', 'bar', 'XX', 'PX', '10000');
    assert.ok(pttl('foo') <= 10000);
    await r.call('SET', 'nottl', 'v', 'KEEPTTL');
    assert.equal(pttl('nottl'), -1);
  });

  test('invalid expire times', async () => {
    const E = "ERR invalid expire time in 'set' command";
    for (const v of ['0', '-1', '-9999999999999999', '10000000000000000', '9223372036854776', '9223372036854775807']) {
      assert.equal(await err(r.call('SET', 'foo', 'bar', 'EX', v)), E, `EX ${v}`);
    }
    for (const v of ['0', '-5', '9223372036854775807', '9223372036854770000']) {
      assert.equal(await err(r.call('SET', 'foo', 'bar', 'PX', v)), E, `PX ${v}`);
    }
    assert.equal(await err(r.call('SET', 'foo', 'bar', 'EXAT', '0')), E);
    assert.equal(await err(r.call('SET', 'foo', 'bar', 'EXAT', '9223372036854776')), E);
    assert.equal(await err(r.call('SET', 'foo', 'bar', 'PXAT', '-1')), E);
    for (const v of ['abc', '1.5', '', ' 1', '9223372036854775808']) {
      assert.equal(await err(r.call('SET', 'foo', 'bar', 'EX', v)), NOTINT, `EX '${v}'`);
    }
    assert.equal(exists('foo'), 0);
    // The largest accepted values.
    assert.equal(await r.call('SET', 'foo', 'bar', 'EXAT', '9223372036854775'), 'OK');
    assert.equal(await r.call('SET', 'foo', 'bar', 'PXAT', '9223372036854775807'), 'OK');
    assert.equal(await r.call('SET', 'foo', 'bar', 'EX', '9007199254740993'), 'OK');
    assert.ok(pttl('foo') > 9e18);
    // The expire time is checked before the type.
    makeList('l');
    assert.equal(await err(r.call('SET', 'l', 'x', 'GET', 'EX', '0')), E);
  });

  test('EXAT/PXAT in the past deletes the key instead of setting it', async () => {
    await r.call('SET', 'foo', 'bar');
    events.length = 0;
    assert.equal(await r.call('SET', 'foo', 'bar', 'EXAT', String(Math.floor(Date.now() / 1000) - 100)), 'OK');
    assert.equal(exists('foo'), 0);
    assert.deepEqual(evs(), ['del:foo']);
    assert.equal(await r.call('SET', 'foo', 'bar', 'PXAT', String(Date.now() - 10000)), 'OK');
    assert.equal(exists('foo'), 0);
    await r.call('SET', 'foo', 'old');
    assert.equal(await r.call('SET', 'foo', 'bar', 'PXAT', '1', 'GET'), 'old');
    assert.equal(exists('foo'), 0);
    assert.equal(await r.call('SET', 'foo', 'bar', 'PXAT', '1', 'NX'), 'OK');
    assert.equal(exists('foo'), 0);
  });

  test('SET with a TTL emits set then expire and counts one change', async () => {
    const ks = srv.server.ks;
    const d0 = ks.dirty;
    await r.call('SET', 'foo', 'bar', 'EX', '100');
    assert.deepEqual(events, [['foo', 'set', NOTIFY_STRING], ['foo', 'expire', NOTIFY_GENERIC]]);
    assert.equal(ks.dirty - d0, 1);
    events.length = 0;
    await r.call('SET', 'foo', 'x', 'NX', 'EX', '10');
    assert.deepEqual(events, []);
  });
});

describe('SETNX / SETEX / PSETEX', () => {
  test('SETNX', async () => {
    assert.equal(await r.call('SETNX', 'novar', 'foobared'), 1);
    assert.equal(await r.call('GET', 'novar'), 'foobared');
    assert.equal(await r.call('SETNX', 'novar', 'blabla'), 0);
    assert.equal(await r.call('GET', 'novar'), 'foobared');
    await r.call('SET', 'x', '10', 'PX', '1');
    await new Promise((res) => setTimeout(res, 5));
    assert.equal(await r.call('SETNX', 'x', '20'), 1);
    assert.equal(await r.call('GET', 'x'), '20');
    makeList('l');
    assert.equal(await r.call('SETNX', 'l', 'x'), 0);
  });

  test('SETEX and PSETEX', async () => {
    assert.equal(await r.call('SETEX', 'k', '100', 'v'), 'OK');
    assert.equal(await r.call('GET', 'k'), 'v');
    assert.ok(pttl('k') > 99000);
    assert.equal(await r.call('PSETEX', 'k', '5000', 'w'), 'OK');
    assert.equal(await r.call('GET', 'k'), 'w');
    const t = pttl('k');
    assert.ok(t > 4000 && t <= 5000);
    assert.deepEqual(evs(), ['set:k', 'expire:k', 'set:k', 'expire:k']);
  });

  test('SETEX and PSETEX errors name the command', async () => {
    assert.equal(await err(r.call('SETEX', 'k', '0', 'v')), "ERR invalid expire time in 'setex' command");
    assert.equal(await err(r.call('SETEX', 'k', '-10', 'v')), "ERR invalid expire time in 'setex' command");
    assert.equal(await err(r.call('PSETEX', 'k', '0', 'v')), "ERR invalid expire time in 'psetex' command");
    assert.equal(await err(r.call('SETEX', 'k', 'abc', 'v')), NOTINT);
    assert.equal(await err(r.call('PSETEX', 'k', '1.5', 'v')), NOTINT);
    assert.equal(await err(r.call('SETEX', 'k', '10')), "ERR wrong number of arguments for 'setex' command");
    assert.equal(exists('k'), 0);
  });
});

describe('GETEX / GETDEL / GETSET / DELIFEQ', () => {
  test('GETEX options set or remove the TTL', async () => {
    await r.call('SET', 'foo', 'bar');
    assert.equal(await r.call('GETEX', 'foo', 'EX', '10'), 'bar');
    assert.ok(pttl('foo') > 9000 && pttl('foo') <= 10000);
    assert.equal(await r.call('GETEX', 'foo', 'px', '20000'), 'bar');
    assert.ok(pttl('foo') > 19000);
    await r.call('GETEX', 'foo', 'EXAT', String(Math.floor(Date.now() / 1000) + 100));
    assert.ok(pttl('foo') > 98000);
    await r.call('GETEX', 'foo', 'PXAT', String(Date.now() + 30000));
    assert.ok(pttl('foo') > 29000 && pttl('foo') <= 30000);
    events.length = 0;
    assert.equal(await r.call('GETEX', 'foo'), 'bar');
    assert.ok(pttl('foo') > 29000);
    assert.equal(await r.call('GETEX', 'foo', 'PERSIST'), 'bar');
    assert.equal(pttl('foo'), -1);
    assert.equal(await r.call('GETEX', 'foo', 'PERSIST'), 'bar');
    assert.deepEqual(events, [['foo', 'persist', NOTIFY_GENERIC]]);
    events.length = 0;
    await r.call('GETEX', 'foo', 'EX', '5');
    assert.deepEqual(events, [['foo', 'expire', NOTIFY_GENERIC]]);
  });

  test('GETEX with a past absolute time replies and deletes', async () => {
    await r.call('SET', 'foo', 'bar');
    events.length = 0;
    assert.equal(await r.call('GETEX', 'foo', 'EXAT', String(Math.floor(Date.now() / 1000) - 100)), 'bar');
    assert.equal(exists('foo'), 0);
    assert.deepEqual(events, [['foo', 'del', NOTIFY_GENERIC]]);
    await r.call('SET', 'foo', 'bar');
    assert.equal(await r.call('GETEX', 'foo', 'PXAT', '1'), 'bar');
    assert.equal(exists('foo'), 0);
  });

  test('GETEX on missing, expired and wrong-type keys', async () => {
    assert.equal(await r.call('GETEX', 'nokey'), null);
    assert.equal(await r.call('GETEX', 'nokey', 'EX', '10'), null);
    await r.call('SET', 'foo', 'bar', 'PX', '1');
    await new Promise((res) => setTimeout(res, 5));
    assert.equal(await r.call('GETEX', 'foo'), null);
    makeList('l');
    assert.equal(await err(r.call('GETEX', 'l')), WRONGTYPE);
    assert.equal(await err(r.call('GETEX', 'l', 'PERSIST')), WRONGTYPE);
  });

  test('GETEX option errors', async () => {
    await r.call('SET', 'foo', 'bar');
    const bad = [
      ['non-existent-option'], ['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['IFEQ', 'x'], ['EX'], ['PERSIST', 'EX', '10'],
      ['EX', '10', 'PERSIST'], ['EX', '10', 'PX', '10'], ['PXAT', '10', 'EXAT', '10'],
    ];
    for (const opts of bad) assert.equal(await err(r.call('GETEX', 'foo', ...opts)), SYNTAX, opts.join(' '));
    const E = "ERR invalid expire time in 'getex' command";
    assert.equal(await err(r.call('GETEX', 'foo', 'EX', '10000000000000000')), E);
    assert.equal(await err(r.call('GETEX', 'foo', 'EX', '-9999999999999999')), E);
    assert.equal(await err(r.call('GETEX', 'foo', 'PX', '0')), E);
    assert.equal(await err(r.call('GETEX', 'foo', 'EX', 'ten')), NOTINT);
    assert.equal(await err(r.call('GETEX')), "ERR wrong number of arguments for 'getex' command");
    assert.equal(pttl('foo'), -1);
  });

  test('GETDEL', async () => {
    await r.call('SET', 'foo', 'bar');
    events.length = 0;
    assert.equal(await r.call('GETDEL', 'foo'), 'bar');
    assert.equal(await r.call('GETDEL', 'foo'), null);
    assert.deepEqual(events, [['foo', 'del', NOTIFY_GENERIC]]);
    makeList('l');
    assert.equal(await err(r.call('GETDEL', 'l')), WRONGTYPE);
    assert.equal(srv.server.ks.arena.type(addr('l')), OBJ_LIST);
  });

  test('GETSET', async () => {
    assert.equal(await r.call('GETSET', 'foo', 'xyz'), null);
    assert.equal(await r.call('GET', 'foo'), 'xyz');
    await r.call('SET', 'foo', 'bar', 'EX', '100');
    assert.equal(await r.call('GETSET', 'foo', 'xyz'), 'bar');
    assert.equal(await r.call('GET', 'foo'), 'xyz');
    assert.equal(pttl('foo'), -1);
    await r.call('GETSET', 'foo', '42');
    assert.equal(enc('foo'), ENC_INT);
    makeList('l');
    assert.equal(await err(r.call('GETSET', 'l', 'x')), WRONGTYPE);
  });

  test('DELIFEQ', async () => {
    assert.equal(await r.call('DELIFEQ', 'foo', 'test'), 0);
    await r.call('SET', 'foo', 'test');
    assert.equal(await r.call('DELIFEQ', 'foo', 'nope'), 0);
    assert.equal(await r.call('DELIFEQ', 'foo', 'Test'), 0);
    events.length = 0;
    assert.equal(await r.call('DELIFEQ', 'foo', 'test'), 1);
    assert.deepEqual(events, [['foo', 'del', NOTIFY_GENERIC]]);
    assert.equal(exists('foo'), 0);
    await r.call('SET', 'n', '12');
    assert.equal(await r.call('DELIFEQ', 'n', '12'), 1);
    makeList('l');
    assert.equal(await err(r.call('DELIFEQ', 'l', 'test')), WRONGTYPE);
    assert.equal(await err(r.call('DELIFEQ', 'foo')), "ERR wrong number of arguments for 'delifeq' command");
  });
});

describe('MGET / MSET / MSETNX / STRLEN', () => {
  test('MGET returns nil for missing and non-string keys', async () => {
    await r.call('SET', 'foo', 'BAR');
    await r.call('SET', 'bar', 'FOO');
    makeList('myset');
    assert.deepEqual(await r.call('MGET', 'foo', 'baazz', 'bar', 'myset'), ['BAR', null, 'FOO', null]);
    assert.deepEqual(await r.call('MGET', 'nokey'), [null]);
  });

  test('MSET', async () => {
    assert.equal(await r.call('MSET', 'x', '10', 'y', 'foo bar', 'z', 'x x x x x x x\n\n\r\n'), 'OK');
    assert.deepEqual(await r.call('MGET', 'x', 'y', 'z'), ['10', 'foo bar', 'x x x x x x x\n\n\r\n']);
    assert.equal(await r.call('MSET', 'x', 'xxx', 'x', 'yyy'), 'OK');
    assert.equal(await r.call('GET', 'x'), 'yyy');
    assert.equal(await err(r.call('MSET', 'x', '10', 'y', 'foo bar', 'z')), "ERR wrong number of arguments for 'mset' command");
    assert.equal(await err(r.call('MSETNX', 'x', '20', 'y', 'foo bar', 'z')), "ERR wrong number of arguments for 'msetnx' command");
    // MSET replaces other types and TTLs.
    makeList('l');
    await r.call('SET', 't', 'v', 'EX', '100');
    events.length = 0;
    await r.call('MSET', 'l', 'a', 't', 'b');
    assert.deepEqual(await r.call('MGET', 'l', 't'), ['a', 'b']);
    assert.equal(pttl('t'), -1);
    assert.deepEqual(evs(), ['set:l', 'set:t']);
  });

  test('MSETNX', async () => {
    await r.call('SET', 'x', 'x');
    assert.equal(await r.call('MSETNX', 'x1', 'xxx', 'y2', 'yyy', 'x', '20'), 0);
    assert.equal(exists('x1', 'y2'), 0);
    assert.equal(await r.call('MSETNX', 'x1', 'xxx', 'y2', 'yyy'), 1);
    assert.deepEqual(await r.call('MGET', 'x1', 'y2'), ['xxx', 'yyy']);
    del('x1');
    assert.equal(await r.call('MSETNX', 'x1', 'xxx', 'x1', 'yyy'), 1);
    assert.equal(await r.call('GET', 'x1'), 'yyy');
    assert.equal(await r.call('MSETNX', 'x1', 'xxx', 'x1', 'zzz'), 0);
    assert.equal(await r.call('GET', 'x1'), 'yyy');
    makeList('l');
    assert.equal(await r.call('MSETNX', 'l', 'a'), 0);
  });

  test('STRLEN', async () => {
    assert.equal(await r.call('STRLEN', 'notakey'), 0);
    await r.call('SET', 'myinteger', '-555');
    assert.equal(await r.call('STRLEN', 'myinteger'), 4);
    await r.call('SET', 'mystring', 'foozzz0123456789 baz');
    assert.equal(await r.call('STRLEN', 'mystring'), 20);
    await r.call('SET', 'big', 'q'.repeat(70000));
    assert.equal(await r.call('STRLEN', 'big'), 70000);
    makeList('l');
    assert.equal(await err(r.call('STRLEN', 'l')), WRONGTYPE);
  });
});

describe('APPEND / SETRANGE / GETRANGE', () => {
  test('APPEND creates, appends, and the result is raw', async () => {
    assert.equal(await r.call('APPEND', 'foo', '1'), 1);
    assert.equal(enc('foo'), ENC_INT);
    assert.equal(await r.call('APPEND', 'foo', '2'), 2);
    assert.equal(enc('foo'), ENC_RAW);
    assert.equal(await r.call('GET', 'foo'), '12');
    assert.equal(await r.call('APPEND', 'foo', ''), 2);
    await r.call('SET', 'bar', '12');
    assert.equal(enc('bar'), ENC_INT);
    assert.deepEqual(evs(), ['append:foo', 'append:foo', 'append:foo', 'set:bar']);
    makeList('l');
    assert.equal(await err(r.call('APPEND', 'l', 'x')), WRONGTYPE);
  });

  test('APPEND keeps the TTL and grows across every storage size', async () => {
    await r.call('SET', 's', 'start', 'EX', '100');
    let expect = 'start';
    const chunk = 'abcdefghij'.repeat(97);
    for (let i = 0; i < 200; i++) {
      const n = await r.call('APPEND', 's', chunk);
      expect += chunk;
      assert.equal(n, expect.length);
    }
    assert.equal(await r.call('GET', 's'), expect);
    assert.ok(pttl('s') > 90000);
    assert.equal(await r.call('STRLEN', 's'), expect.length);
    const bin = Buffer.from([0, 255, 10]);
    await r.call('APPEND', 's', bin);
    const got = await r.callBuffer('GET', 's') as Buffer;
    assert.deepEqual(got.subarray(got.length - 3), bin);
  });

  test('SETRANGE against non-existing and string keys', async () => {
    assert.equal(await r.call('SETRANGE', 'mykey', '0', 'foo'), 3);
    assert.equal(await r.call('GET', 'mykey'), 'foo');
    del('mykey');
    assert.equal(await r.call('SETRANGE', 'mykey', '0', ''), 0);
    assert.equal(exists('mykey'), 0);
    assert.equal(await r.call('SETRANGE', 'mykey', '1', 'foo'), 4);
    assert.equal(await r.call('GET', 'mykey'), '\0foo');
    assert.equal(enc('mykey'), ENC_RAW);
    await r.call('SET', 'mykey', 'foo');
    assert.equal(await r.call('SETRANGE', 'mykey', '0', 'b'), 3);
    assert.equal(await r.call('GET', 'mykey'), 'boo');
    assert.equal(await r.call('SETRANGE', 'mykey', '0', ''), 3);
    assert.equal(await r.call('GET', 'mykey'), 'boo');
    assert.equal(await r.call('SETRANGE', 'mykey', '1', 'b'), 3);
    assert.equal(await r.call('GET', 'mykey'), 'bbo');
    assert.equal(await r.call('SETRANGE', 'mykey', '4', 'bar'), 7);
    assert.equal(await r.call('GET', 'mykey'), 'bbo\0bar');
  });

  test('SETRANGE against integer-encoded keys changes the encoding only when writing', async () => {
    await r.call('SET', 'mykey', '1234');
    assert.equal(await r.call('SETRANGE', 'mykey', '0', '2'), 4);
    assert.equal(enc('mykey'), ENC_RAW);
    assert.equal(await r.call('GET', 'mykey'), '2234');
    await r.call('SET', 'mykey', '1234');
    assert.equal(await r.call('SETRANGE', 'mykey', '0', ''), 4);
    assert.equal(enc('mykey'), ENC_INT);
    await r.call('SET', 'mykey', '1234');
    assert.equal(await r.call('SETRANGE', 'mykey', '5', '2'), 6);
    assert.equal(await r.call('GET', 'mykey'), '1234\x002');
  });

  test('SETRANGE on big values, keeping the TTL, and events', async () => {
    const big = 'a'.repeat(10000);
    await r.call('SET', 'b', big, 'EX', '100');
    events.length = 0;
    assert.equal(await r.call('SETRANGE', 'b', '5', 'XYZ'), 10000);
    assert.equal(await r.call('SETRANGE', 'b', '20000', 'END'), 20003);
    const got = await r.call('GET', 'b') as string;
    assert.equal(got.length, 20003);
    assert.equal(got.slice(0, 10), 'aaaaaXYZaa');
    assert.equal(got.slice(10000, 20000), '\0'.repeat(10000));
    assert.equal(got.slice(20000), 'END');
    assert.ok(pttl('b') > 90000);
    assert.deepEqual(evs(), ['setrange:b', 'setrange:b']);
    // Growing a small value past the inline limit.
    await r.call('SET', 's', 'abc');
    assert.equal(await r.call('SETRANGE', 's', '9000', 'Z'), 9001);
    const s = await r.call('GET', 's') as string;
    assert.equal(s.slice(0, 3) + s.slice(8999), 'abc\0Z');
  });

  test('SETRANGE errors', async () => {
    assert.equal(await err(r.call('SETRANGE', 'mykey', String(512 * 1024 * 1024 - 4), 'world')),
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    await r.call('SET', 'mykey', 'hello');
    assert.equal(await err(r.call('SETRANGE', 'mykey', '-1', 'world')), 'ERR offset is out of range');
    assert.equal(await err(r.call('SETRANGE', 'mykey', String(512 * 1024 * 1024 - 4), 'world')),
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    assert.equal(await err(r.call('SETRANGE', 'mykey', '9223372036854775807', 'A')),
      'ERR string exceeds maximum allowed size (proto-max-bulk-len)');
    assert.equal(await err(r.call('SETRANGE', 'mykey', '9223372036854775808', 'A')), NOTINT);
    assert.equal(await err(r.call('SETRANGE', 'mykey', 'x', 'A')), NOTINT);
    // The offset is validated before the key is looked at.
    makeList('l');
    assert.equal(await err(r.call('SETRANGE', 'l', '-1', 'bar')), 'ERR offset is out of range');
    assert.equal(await err(r.call('SETRANGE', 'l', '0', 'bar')), WRONGTYPE);
    assert.equal(await err(r.call('SETRANGE', 'l', '0', '')), WRONGTYPE);
    assert.equal(await r.call('GET', 'mykey'), 'hello');
  });

  test('GETRANGE', async () => {
    assert.equal(await r.call('GETRANGE', 'mykey', '0', '-1'), '');
    await r.call('SET', 'mykey', 'Hello World');
    assert.equal(await r.call('GETRANGE', 'mykey', '0', '3'), 'Hell');
    assert.equal(await r.call('GETRANGE', 'mykey', '0', '-1'), 'Hello World');
    assert.equal(await r.call('GETRANGE', 'mykey', '-4', '-1'), 'orld');
    assert.equal(await r.call('GETRANGE', 'mykey', '5', '3'), '');
    assert.equal(await r.call('GETRANGE', 'mykey', '5', '5000'), ' World');
    assert.equal(await r.call('GETRANGE', 'mykey', '-5000', '10000'), 'Hello World');
    assert.equal(await r.call('GETRANGE', 'mykey', '-1', '-5'), '');
    assert.equal(await r.call('GETRANGE', 'mykey', '-5000', '-4000'), 'H');
    assert.equal(await r.call('GETRANGE', 'mykey', '0', '4294967297'), 'Hello World');
    assert.equal(await r.call('GETRANGE', 'mykey', '-9223372036854775808', '9223372036854775807'), 'Hello World');
    await r.call('SET', 'mykey', '1234');
    assert.equal(await r.call('GETRANGE', 'mykey', '0', '2'), '123');
    assert.equal(await r.call('GETRANGE', 'mykey', '-3', '-1'), '234');
    assert.equal(await r.call('GETRANGE', 'mykey', '3', '5000'), '4');
    await r.call('SET', 'e', '');
    assert.equal(await r.call('GETRANGE', 'e', '0', '-1'), '');
    const big = Buffer.alloc(30000);
    for (let i = 0; i < big.length; i++) big[i] = i & 255;
    await r.call('SET', 'big', big);
    assert.deepEqual(await r.callBuffer('GETRANGE', 'big', '1000', '20999'), big.subarray(1000, 21000));
    assert.equal(await err(r.call('GETRANGE', 'mykey', 'x', '1')), NOTINT);
    assert.equal(await err(r.call('GETRANGE', 'mykey', '0', '1.5')), NOTINT);
    makeList('l');
    assert.equal(await err(r.call('GETRANGE', 'l', '0', '-1')), WRONGTYPE);
  });

  test('GETRANGE fuzzing against a reference slice', async () => {
    // Valkey's documented semantics: negative indexes count from the end, both ends are
    // clamped, and two negative indexes in the wrong order give an empty string.
    const ref = (v: Buffer, s: number, e: number): Buffer => {
      const len = v.length;
      if (s < 0 && e < 0 && s > e) return Buffer.alloc(0);
      if (s < 0) s = Math.max(0, len + s);
      if (e < 0) e = Math.max(0, len + e);
      if (e >= len) e = len - 1;
      return s > e || len === 0 ? Buffer.alloc(0) : v.subarray(s, e + 1);
    };
    for (let i = 0; i < 300; i++) {
      const len = Math.floor(Math.random() * 64);
      const v = Buffer.alloc(len);
      for (let j = 0; j < len; j++) v[j] = Math.floor(Math.random() * 256);
      await r.call('SET', 'bin', v);
      const s = Math.floor(Math.random() * 150) - 75, e = Math.floor(Math.random() * 150) - 75;
      assert.deepEqual(await r.callBuffer('GETRANGE', 'bin', String(s), String(e)), ref(v, s, e), `len ${len} ${s} ${e}`);
    }
  });

  test('SUBSTR', async () => {
    await r.call('SET', 'key', 'abcde');
    assert.equal(await r.call('SUBSTR', 'key', '0', '0'), 'a');
    assert.equal(await r.call('SUBSTR', 'key', '0', '3'), 'abcd');
    assert.equal(await r.call('SUBSTR', 'key', '-4', '-1'), 'bcde');
    assert.equal(await r.call('SUBSTR', 'key', '-1', '-3'), '');
    assert.equal(await r.call('SUBSTR', 'key', '7', '8'), '');
    assert.equal(await r.call('SUBSTR', 'nokey', '0', '1'), '');
  });

  test('proto-max-bulk-len bounds APPEND and SETRANGE', async () => {
    const s2 = await startServer({ config: { 'proto-max-bulk-len': '1mb' } });
    const c2 = new Valkey({ port: s2.port, lazyConnect: false, maxRetriesPerRequest: 0 });
    try {
      const TOO = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';
      await c2.call('SET', 'k', 'x'.repeat(1024 * 1024 - 2));
      assert.equal(await c2.call('APPEND', 'k', 'ab'), 1024 * 1024);
      assert.equal(await err(c2.call('APPEND', 'k', 'c')), TOO);
      assert.equal(await c2.call('SETRANGE', 'k', String(1024 * 1024 - 1), 'Z'), 1024 * 1024);
      assert.equal(await err(c2.call('SETRANGE', 'k', String(1024 * 1024 - 1), 'ZZ')), TOO);
      assert.equal(await err(c2.call('SETRANGE', 'new', String(1024 * 1024), 'Z')), TOO);
      assert.equal(await c2.call('SETRANGE', 'new', String(1024 * 1024 - 1), 'Z'), 1024 * 1024);
      assert.equal(await c2.call('STRLEN', 'k'), 1024 * 1024);
    } finally {
      c2.disconnect();
      await s2.close();
    }
  });
});

describe('INCR / DECR / INCRBY / DECRBY', () => {
  test('counters create, increment and decrement', async () => {
    assert.equal(await r.call('INCR', 'novar'), 1);
    assert.equal(await r.call('GET', 'novar'), '1');
    assert.equal(await r.call('INCR', 'novar'), 2);
    assert.equal(await r.call('DECR', 'novar'), 1);
    assert.equal(await r.call('DECR', 'other'), -1);
    assert.equal(await r.call('INCR', 'other'), 0);
    await r.call('SET', 'novar', '100');
    assert.equal(await r.call('INCR', 'novar'), 101);
    assert.equal(await r.call('DECRBY', 'nokey', '1'), -1);
    assert.equal(await r.call('INCRBY', 'n', '-5'), -5);
    assert.equal(await r.call('DECRBY', 'n', '-15'), 10);
    assert.equal(await r.call('INCRBY', 'n', '0'), 10);
    assert.deepEqual(evs().slice(-3), ['incrby:n', 'incrby:n', 'incrby:n']);
  });

  test('64-bit values are exact beyond 2^53', async () => {
    await r.call('SET', 'novar', '17179869184');
    assert.equal(await r.call('INCR', 'novar'), 17179869185);
    await r.call('SET', 'novar', '17179869184');
    assert.equal(await r.call('INCRBY', 'novar', '17179869184'), 34359738368);
    await r.call('SET', 'novar', '17179869184');
    assert.equal(await r.call('DECRBY', 'novar', '17179869185'), -1);
    await r.call('SET', 'big', '9007199254740993');
    assert.equal(await rawText('INCR', 'big'), ':9007199254740994\r\n');
    assert.equal(await r.call('GET', 'big'), '9007199254740994');
    await r.call('SET', 'big', '9223372036854775806');
    assert.equal(await rawText('INCR', 'big'), ':9223372036854775807\r\n');
    assert.equal(await r.call('GET', 'big'), '9223372036854775807');
    assert.equal(await err(r.call('INCR', 'big')), 'ERR increment or decrement would overflow');
    assert.equal(await r.call('GET', 'big'), '9223372036854775807');
    await r.call('SET', 'neg', '-9223372036854775807');
    assert.equal(await rawText('DECR', 'neg'), ':-9223372036854775808\r\n');
    assert.equal(await err(r.call('DECR', 'neg')), 'ERR increment or decrement would overflow');
    assert.equal(await err(r.call('INCRBY', 'neg', '-1')), 'ERR increment or decrement would overflow');
    assert.equal(await r.call('INCRBY', 'neg', '9223372036854775807'), -1);
    assert.equal(await rawText('INCRBY', 'x', '-9223372036854775808'), ':-9223372036854775808\r\n');
    assert.equal(await r.call('INCRBY', 'y', '9007199254740991'), 9007199254740991);
    assert.equal(await rawText('INCR', 'y'), ':9007199254740992\r\n');
    assert.equal(await r.call('GET', 'y'), '9007199254740992');
    assert.equal(await r.call('INCRBY', 'y', '-9007199254740993'), -1);
    await r.call('SET', 'z', '1234567890123456789');
    assert.equal(await rawText('DECRBY', 'z', '1234567890123456788'), ':1\r\n');
    assert.equal(enc('z'), ENC_INT);
  });

  test('DECRBY LLONG_MIN cannot be negated', async () => {
    await r.call('SET', 'x', '0');
    assert.equal(await err(r.call('DECRBY', 'x', '-9223372036854775808')), 'ERR decrement would overflow');
    assert.equal(await r.call('GET', 'x'), '0');
  });

  test('non-integer values and arguments', async () => {
    for (const v of ['    11', '11    ', '    11    ', 'abc', '1.5', '+1', '-0', '007', '', '9223372036854775808', '1e3']) {
      await r.call('SET', 'novar', v);
      assert.equal(await err(r.call('INCR', 'novar')), NOTINT, `'${v}'`);
      assert.equal(await r.call('GET', 'novar'), v);
    }
    await r.call('SET', 'huge', 'x'.repeat(20000));
    assert.equal(await err(r.call('INCR', 'huge')), NOTINT);
    for (const v of ['v', '1.5', '', ' 1', '9223372036854775808', '-9223372036854775809']) {
      assert.equal(await err(r.call('INCRBY', 'k', v)), NOTINT, `'${v}'`);
      assert.equal(await err(r.call('DECRBY', 'k', v)), NOTINT, `'${v}'`);
    }
    assert.equal(await err(r.call('INCR', 'k', 'v')), "ERR wrong number of arguments for 'incr' command");
    assert.equal(await err(r.call('DECR', 'k', 'v')), "ERR wrong number of arguments for 'decr' command");
    makeList('mylist');
    assert.equal(await err(r.call('INCR', 'mylist')), WRONGTYPE);
    assert.equal(await err(r.call('DECRBY', 'mylist', '2')), WRONGTYPE);
    assert.equal(exists('k'), 0);
  });

  test('results are int-encoded, keep the TTL, and update in place', async () => {
    for (const cmd of ['INCR', 'DECR', 'INCRBY', 'DECRBY']) {
      await r.call('SET', 'foo', '1');
      await r.call('APPEND', 'foo', '2');
      assert.equal(enc('foo'), ENC_RAW);
      if (cmd.endsWith('BY')) await r.call(cmd, 'foo', '1'); else await r.call(cmd, 'foo');
      assert.equal(enc('foo'), ENC_INT, cmd);
      assert.equal(await r.call('GET', 'foo'), cmd.startsWith('INCR') ? '13' : '11');
    }
    await r.call('SET', 'foo', '20000', 'EX', '100');
    await r.call('INCR', 'foo');
    const a1 = addr('foo');
    await r.call('INCR', 'foo');
    assert.equal(addr('foo'), a1);
    assert.ok(pttl('foo') > 90000);
  });
});

describe('INCRBYFLOAT', () => {
  test('basic increments', async () => {
    assert.equal(await r.call('INCRBYFLOAT', 'novar', '1'), '1');
    assert.equal(await r.call('GET', 'novar'), '1');
    assert.equal(await r.call('INCRBYFLOAT', 'novar', '0.25'), '1.25');
    await r.call('SET', 'novar', '1.5');
    assert.equal(await r.call('INCRBYFLOAT', 'novar', '1.5'), '3');
    await r.call('SET', 'novar', '17179869184');
    assert.equal(await r.call('INCRBYFLOAT', 'novar', '1.5'), '17179869185.5');
    await r.call('SET', 'novar', '17179869184');
    assert.equal(await r.call('INCRBYFLOAT', 'novar', '17179869184'), '34359738368');
    await r.call('SET', 'foo', '1');
    assert.equal(await r.call('INCRBYFLOAT', 'foo', '-1.1'), '-0.1');
    await r.call('SET', 'foo', '10.50');
    assert.equal(await r.call('INCRBYFLOAT', 'foo', '0.1'), '10.6');
    await r.call('SET', 'foo', '5.0e3');
    assert.equal(await r.call('INCRBYFLOAT', 'foo', '2.0e2'), '5200');
    assert.deepEqual(evs().slice(-1), ['incrbyfloat:foo']);
  });

  test('long double precision and formatting like Valkey', async () => {
    await r.call('SET', 'f', '0.1');
    assert.equal(await r.call('INCRBYFLOAT', 'f', '0.2'), '0.3');
    assert.equal(await r.call('INCRBYFLOAT', 'f', '0.1'), '0.4');
    del('f');
    for (let i = 0; i < 10; i++) await r.call('INCRBYFLOAT', 'f', '0.1');
    assert.equal(await r.call('GET', 'f'), '1');
    await r.call('SET', 'x', '1e308');
    const v = await r.call('INCRBYFLOAT', 'x', '1e308') as string;
    assert.equal(v.length, 309);
    assert.ok(v.startsWith('1999999999999999999'));
    assert.equal(await r.call('INCRBYFLOAT', 'y', '0x10p2'), '64');
    assert.equal(await r.call('INCRBYFLOAT', 'y', '.5'), '64.5');
    assert.equal(await r.call('INCRBYFLOAT', 'y', '+1.'), '65.5');
    assert.equal(await r.call('INCRBYFLOAT', 'z', '1e-20'), '0');
    assert.equal(await r.call('INCRBYFLOAT', 'w', '0.000000000000000015'), '0.00000000000000002');
    assert.equal(await r.call('INCRBYFLOAT', 'w', '-0.000000000000000015'), '0');
    assert.equal(await r.call('INCRBYFLOAT', 'w', '0.000000000000000006'), '0.00000000000000001');
  });

  test('no negative zero', async () => {
    await r.call('INCRBYFLOAT', 'foo', String(1 / 41));
    await r.call('INCRBYFLOAT', 'foo', String(-1 / 41));
    assert.equal(await r.call('GET', 'foo'), '0');
    await r.call('SET', 'z', '-0.0');
    assert.equal(await r.call('INCRBYFLOAT', 'z', '0'), '0');
  });

  test('invalid values, NaN and infinity', async () => {
    for (const v of ['    11', '11    ', ' 11 ', 'abc', '1e', '', 'nan', '1..2', '0x', '1e99999']) {
      await r.call('SET', 'novar', v);
      assert.equal(await err(r.call('INCRBYFLOAT', 'novar', '1.0')), NOTFLOAT, `'${v}'`);
    }
    await r.call('SET', 'foo', '1');
    await r.call('SETRANGE', 'foo', '2', '2');
    assert.equal(await err(r.call('INCRBYFLOAT', 'foo', '1')), NOTFLOAT);
    assert.equal(await err(r.call('INCRBYFLOAT', 'k', 'v')), NOTFLOAT);
    assert.equal(await err(r.call('INCRBYFLOAT', 'k', 'NaN')), NOTFLOAT);
    assert.equal(await err(r.call('INCRBYFLOAT', 'k', '1 ')), NOTFLOAT);
    await r.call('SET', 'foo', '0');
    assert.equal(await err(r.call('INCRBYFLOAT', 'foo', '+inf')), 'ERR increment would produce NaN or Infinity');
    assert.equal(await err(r.call('INCRBYFLOAT', 'foo', '-Infinity')), 'ERR increment would produce NaN or Infinity');
    await r.call('SET', 'foo', '1e4932');
    assert.equal(await err(r.call('INCRBYFLOAT', 'foo', '1e4932')), 'ERR increment would produce NaN or Infinity');
    await r.call('SET', 'inf', 'inf');
    assert.equal(await err(r.call('INCRBYFLOAT', 'inf', '1')), 'ERR increment would produce NaN or Infinity');
    assert.equal(await r.call('GET', 'foo'), '1e4932');
    assert.equal(exists('k'), 0);
    makeList('mylist');
    assert.equal(await err(r.call('INCRBYFLOAT', 'mylist', '1.0')), WRONGTYPE);
  });

  test('result encoding is embstr (raw when long) and the TTL is kept', async () => {
    await r.call('SET', 'f', '1', 'EX', '100');
    assert.equal(await r.call('INCRBYFLOAT', 'f', '2'), '3');
    assert.equal(enc('f'), ENC_EMBSTR);
    assert.ok(pttl('f') > 90000);
    await r.call('INCRBYFLOAT', 'f', '1e60');
    assert.equal(enc('f'), ENC_RAW);
  });

  test('the long double helpers', () => {
    assert.equal(incrByFloatText(null, Buffer.from('1.5')), '1.5');
    assert.equal(incrByFloatText(Buffer.from('x'), Buffer.from('1')), LD_NOT_FLOAT);
    assert.equal(incrByFloatText(Buffer.from('1'), Buffer.from('y')), LD_NOT_FLOAT);
    assert.equal(incrByFloatText(Buffer.from('inf'), Buffer.from('-inf')), LD_NAN_OR_INF);
    assert.equal(incrByFloatText(Buffer.from('0.1'), Buffer.from('0.2')), '0.3');
    assert.equal(incrByFloatText(Buffer.from('-1'), Buffer.from('0.5')), '-0.5');
    assert.equal(incrByFloatText(Buffer.from('3.6451995318824746e-4951'), Buffer.from('0')), '0');
    assert.equal(parseLongDouble(Buffer.from('1e-5000')), null); // underflows to zero
    assert.equal(parseLongDouble(Buffer.from('0e-5000'))!.m, 0n);
    assert.equal(parseLongDouble(Buffer.from('0x1p16384')), null); // overflows
    assert.ok(parseLongDouble(Buffer.from('0x1p16383')) !== null);
    assert.equal(parseLongDouble(Buffer.from('1'.repeat(5120))), null); // too long for Valkey
  });
});

describe('LCS', () => {
  const rna1 = 'CACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTTCGTCCGGGTGTG';
  const rna2 = 'ATTAAAGGTTTATACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT';
  const rnalcs = 'ACCTTCCCAGGTAACAAACCAACCAACTTTCGATCTCTTGTAGATCTGTTCTCTAAACGAACTTTAAAATCTGTGTGGCTGTCACTCGGCTGCATGCTTAGTGCACTCACGCAGTATAATTAATAACTAATTACTGTCGTTGACAGGACACGAGTAACTCGTCTATCTTCTGCAGGCTGCTTACGGTTTCGTCCGTGTTGCAGCCGATCATCAGCACATCTAGGTTT';

  test('string, LEN and IDX replies', async () => {
    await r.call('SET', 'virus1', rna1);
    await r.call('SET', 'virus2', rna2);
    assert.equal(await r.call('LCS', 'virus1', 'virus2'), rnalcs);
    assert.equal(await r.call('LCS', 'virus1', 'virus2', 'LEN'), rnalcs.length);
    assert.deepEqual(await r.call('LCS', 'virus1', 'virus2', 'IDX'), [
      'matches', [
        [[238, 238], [239, 239]], [[236, 236], [238, 238]], [[229, 230], [236, 237]],
        [[224, 224], [235, 235]], [[1, 222], [13, 234]],
      ],
      'len', 227,
    ]);
    assert.deepEqual(await r.call('LCS', 'virus1', 'virus2', 'IDX', 'WITHMATCHLEN'), [
      'matches', [
        [[238, 238], [239, 239], 1], [[236, 236], [238, 238], 1], [[229, 230], [236, 237], 2],
        [[224, 224], [235, 235], 1], [[1, 222], [13, 234], 222],
      ],
      'len', 227,
    ]);
    assert.deepEqual(await r.call('LCS', 'virus1', 'virus2', 'IDX', 'WITHMATCHLEN', 'MINMATCHLEN', '5'),
      ['matches', [[[1, 222], [13, 234], 222]], 'len', 227]);
    assert.deepEqual(await r.call('LCS', 'virus1', 'virus2', 'idx', 'minmatchlen', '-3'),
      await r.call('LCS', 'virus1', 'virus2', 'IDX'));
    // MINMATCHLEN and WITHMATCHLEN without IDX are accepted and ignored.
    assert.equal(await r.call('LCS', 'virus1', 'virus2', 'MINMATCHLEN', '5', 'WITHMATCHLEN'), rnalcs);
  });

  test('small cases and missing keys', async () => {
    await r.call('MSET', 'k1', 'ohmytext', 'k2', 'mynewtext');
    assert.equal(await r.call('LCS', 'k1', 'k2'), 'mytext');
    assert.deepEqual(await r.call('LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN'),
      ['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
    assert.deepEqual(await r.call('LCS', 'k1', 'k2', 'IDX'),
      ['matches', [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], 'len', 6]);
    assert.equal(await r.call('LCS', 'k1', 'nokey'), '');
    assert.equal(await r.call('LCS', 'nokey', 'k1', 'LEN'), 0);
    assert.deepEqual(await r.call('LCS', 'nokey', 'nokey2', 'IDX'), ['matches', [], 'len', 0]);
    await r.call('SET', 'n1', '12345');
    await r.call('SET', 'n2', '2x4');
    assert.equal(await r.call('LCS', 'n1', 'n2'), '24');
    assert.equal(await r.call('LCS', 'k1', 'k1'), 'ohmytext');
  });

  test('RESP3 replies a map', async () => {
    const c3 = await RawConn.connect(srv.port);
    try {
      const hello = await c3.call('HELLO', '3');
      if (hello instanceof ReplyError) return; // HELLO belongs to another area
      await c3.call('MSET', 'k1', 'ohmytext', 'k2', 'mynewtext');
      const m = await c3.call('LCS', 'k1', 'k2', 'IDX', 'MINMATCHLEN', '4') as Map<Reply, Reply>;
      assert.ok(m instanceof Map);
      assert.deepEqual(m.get('matches'), [[[4, 7], [5, 8]]]);
      assert.equal(m.get('len'), 6);
    } finally {
      c3.close();
    }
  });

  test('errors', async () => {
    await r.call('MSET', 'k1', 'a', 'k2', 'b');
    assert.equal(await err(r.call('LCS', 'k1', 'k2', 'LEN', 'IDX')),
      'ERR If you want both the length and indexes, please just use IDX.');
    assert.equal(await err(r.call('LCS', 'k1', 'k2', 'FOO')), SYNTAX);
    assert.equal(await err(r.call('LCS', 'k1', 'k2', 'MINMATCHLEN')), SYNTAX);
    assert.equal(await err(r.call('LCS', 'k1', 'k2', 'MINMATCHLEN', 'x')), NOTINT);
    makeList('l');
    assert.equal(await err(r.call('LCS', 'k1', 'l')), 'ERR The specified keys must contain string values');
    assert.equal(await err(r.call('LCS', 'l', 'k1', 'FOO')), 'ERR The specified keys must contain string values');
    assert.equal(await err(r.call('LCS', 'k1')), "ERR wrong number of arguments for 'lcs' command");
  });

  test('the transient table is bounded by proto-max-bulk-len', async () => {
    const s2 = await startServer({ config: { 'proto-max-bulk-len': '1mb' } });
    const c2 = new Valkey({ port: s2.port, lazyConnect: false, maxRetriesPerRequest: 0 });
    try {
      await c2.call('SET', 'a', 'x'.repeat(600));
      await c2.call('SET', 'b', 'x'.repeat(600));
      assert.equal(await err(c2.call('LCS', 'a', 'b')),
        'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
      await c2.call('SET', 'b', 'x'.repeat(400));
      assert.equal(await c2.call('LCS', 'a', 'b', 'LEN'), 400);
    } finally {
      c2.disconnect();
      await s2.close();
    }
  });
});

describe('pipelined and raw protocol checks', () => {
  test('replies are byte-exact', async () => {
    assert.equal(await raw.call('SET', 'k', 'v'), 'OK');
    await raw.write('*2\r\n$3\r\nGET\r\n$1\r\nk\r\n');
    assert.equal(await raw.raw(), '$1\r\nv\r\n');
    await raw.write('*2\r\n$3\r\nGET\r\n$4\r\nnone\r\n');
    assert.equal(await raw.raw(), '$-1\r\n');
    await raw.write('*3\r\n$4\r\nINCR\r\n$1\r\nk\r\n$1\r\nx\r\n');
    // Arity error from the dispatcher.
    assert.equal(await raw.raw(), "-ERR wrong number of arguments for 'incr' command\r\n");
    await raw.write('*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n*2\r\n$6\r\nSTRLEN\r\n$1\r\nn\r\n*4\r\n$8\r\nGETRANGE\r\n$1\r\nn\r\n$1\r\n0\r\n$2\r\n-1\r\n');
    assert.equal(await raw.raw(), ':1\r\n');
    assert.equal(await raw.raw(), ':1\r\n');
    assert.equal(await raw.raw(), '$1\r\n1\r\n');
    await raw.write('*3\r\n$11\r\nINCRBYFLOAT\r\n$1\r\nn\r\n$3\r\n1.5\r\n');
    assert.equal(await raw.raw(), '$3\r\n2.5\r\n');
    await raw.write('*4\r\n$4\r\nMGET\r\n$1\r\nk\r\n$1\r\nx\r\n$1\r\nn\r\n');
    assert.equal(await raw.raw(), '*3\r\n$1\r\nv\r\n$-1\r\n$3\r\n2.5\r\n');
  });

  test('many keys in one pipeline', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 2000; i++) p.set(`key:${i}`, `val:${i}`);
    for (let i = 0; i < 2000; i++) p.get(`key:${i}`);
    const res = await p.exec();
    for (let i = 0; i < 2000; i++) {
      assert.deepEqual(res![i], [null, 'OK']);
      assert.deepEqual(res![2000 + i], [null, `val:${i}`]);
    }
  });
});
