// The SORTED SET family over real sockets: every command with its options, edge cases and error
// paths, in both encodings (listpack and skiplist) with Valkey's conversion points, RESP2 and
// RESP3 reply shapes, set inputs to the set operations, keyspace events, and the blocking pops
// with several clients, FIFO service, timeouts and CLIENT UNBLOCK. Expected replies are the
// ones Valkey sends (checked against a Valkey server while writing these tests).
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand, sleep } from '../bench/resp.js';
import { NOTIFY_GENERIC, NOTIFY_ZSET } from '../src/store/types.js';
import { formatG17, fpconvDtoa, parseScore, parseScoreRange } from '../src/commands/zset.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
let conns: RawConn[] = [];
const events: [string, string, number][] = [];

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  raw = await RawConn.connect(srv.port);
  srv.server.ks.onChange((_db, key, event, cls) => { events.push([key ? key.toString('latin1') : '', event, cls]); });
});

after(async () => {
  r.disconnect();
  raw.close();
  await srv.close();
});

beforeEach(async () => {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
  await r.call('CONFIG', 'SET', 'zset-max-listpack-value', '64');
  events.length = 0;
});

afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await waitBlocked(0);
});

const call = (...args: (string | number)[]): Promise<unknown> => r.call(String(args[0]), ...args.slice(1).map(String));
const enc = async (key: string): Promise<unknown> => call('OBJECT', 'ENCODING', key);

/** Raw RESP text of a reply on the shared raw connection. */
async function rawCall(...args: (string | number)[]): Promise<string> {
  await raw.write(encodeCommand(args));
  return raw.raw();
}

async function conn(): Promise<RawConn> {
  const c = await RawConn.connect(srv.port);
  conns.push(c);
  return c;
}

/** Opens a client and sends a (blocking) command without waiting for its reply. */
async function send(...args: (string | number)[]): Promise<RawConn> {
  const c = await conn();
  await c.write(encodeCommand(args));
  return c;
}

async function waitBlocked(n: number, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (srv.server.blocking.blockedClients !== n) {
    if (Date.now() > end) throw new Error(`expected ${n} blocked clients, have ${srv.server.blocking.blockedClients}`);
    await sleep(2);
  }
}

async function noReply(c: RawConn, ms = 80): Promise<void> {
  await sleep(ms);
  assert.equal(c.queued, 0, 'unexpected reply');
}

async function rejects(p: Promise<unknown>, message: string): Promise<void> {
  await assert.rejects(p, (e: Error) => { assert.equal(e.message, message); return true; });
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const NOTINT = 'ERR value is not an integer or out of range';
const NOTFLOAT = 'ERR value is not a valid float';
const MINMAX = 'ERR min or max is not a float';
const MINMAXLEX = 'ERR min or max not valid string range item';

/** Runs fn once per encoding, with the config that produces it. */
function bothEncodings(name: string, fn: (encoding: 'listpack' | 'skiplist') => Promise<void>): void {
  for (const e of ['listpack', 'skiplist'] as const) {
    test(`${name} (${e})`, async () => {
      if (e === 'skiplist') await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
      await fn(e);
    });
  }
}

// ====================================================================== parsing helpers

describe('parsing and formatting helpers', () => {
  test('scores: string2d rules', () => {
    const p = (s: string) => parseScore(Buffer.from(s));
    assert.equal(p('1.5'), 1.5);
    assert.equal(p('-inf'), -Infinity);
    assert.equal(p('+Infinity'), Infinity);
    assert.equal(p('0x10'), 16);
    assert.equal(p('1e-310'), 1e-310); // denormal: accepted
    for (const bad of ['', ' 1', '1 ', 'nan', '1e400', '-1e400', '1e-400', 'abc', '1.5x', '--1', '0x1p2000', '0x1p-2000', '-0x8p-1100']) {
      assert.equal(p(bad), null, bad);
    }
    assert.equal(p('0x0p-2000'), 0);
    assert.equal(p('-0x1.8p1'), -3);
    assert.equal(p('0e10'), 0);
    assert.equal(p('0.000'), 0);
  });

  test('score ranges: strtod rules', () => {
    const r2 = (a: string, b: string) => parseScoreRange(Buffer.from(a), Buffer.from(b));
    assert.deepEqual(r2('(1', '+inf'), { min: 1, max: Infinity, minex: true, maxex: false });
    assert.deepEqual(r2('', '('), { min: 0, max: 0, minex: false, maxex: true });
    assert.deepEqual(r2('  2', '1e400'), { min: 2, max: Infinity, minex: false, maxex: false });
    assert.equal(r2('  ', '1'), null);
    assert.equal(r2('nan', '1'), null);
    assert.equal(r2('1', '(nan'), null);
    assert.equal(r2('1x', '2'), null);
    assert.deepEqual(r2('1\0garbage', '2'), { min: 1, max: 2, minex: false, maxex: false });
  });

  test('%.17g and fpconv layouts', () => {
    assert.equal(formatG17(0.1), '0.10000000000000001');
    assert.equal(formatG17(1e20), '1e+20');
    assert.equal(formatG17(1e-5), '1.0000000000000001e-05');
    assert.equal(formatG17(123456789012345678), '1.2345678901234568e+17');
    assert.equal(formatG17(3), '3');
    assert.equal(formatG17(-1.5), '-1.5');
    assert.equal(formatG17(-0), '-0');
    assert.equal(formatG17(Infinity), 'inf');
    assert.equal(fpconvDtoa(1e10), '1e+10');
    assert.equal(fpconvDtoa(123456), '123456');
    assert.equal(fpconvDtoa(0.1), '0.1');
    assert.equal(fpconvDtoa(-1.5e-7), '-1.5e-7');
    assert.equal(fpconvDtoa(-0), '-0');
    assert.equal(fpconvDtoa(-Infinity), '-inf');
  });
});

// ====================================================================== encodings

describe('encodings and conversions', () => {
  test('listpack while small, skiplist past zset-max-listpack-entries', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.equal(await enc('z'), 'listpack');
    await call('ZADD', 'z', 5, 'e');
    assert.equal(await enc('z'), 'skiplist');
    // Never converted back.
    await call('ZREM', 'z', 'a', 'b', 'c', 'd');
    assert.equal(await enc('z'), 'skiplist');
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1, 'WITHSCORES'), ['e', '5']);
  });

  test('member longer than zset-max-listpack-value converts', async () => {
    await call('ZADD', 'z', 1, 'y'.repeat(64));
    assert.equal(await enc('z'), 'listpack');
    await call('ZADD', 'z', 1, 'x'.repeat(65));
    assert.equal(await enc('z'), 'skiplist');
    await call('ZADD', 'n', 1, 'x'.repeat(65));
    assert.equal(await enc('n'), 'skiplist');
  });

  test('ZADD size hints: pairs counted with duplicates, applied to existing keys too', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await call('ZADD', 'dup', 1, 'a', 1, 'a', 1, 'a', 1, 'a', 1, 'a');
    assert.equal(await enc('dup'), 'skiplist');
    assert.equal(await call('ZCARD', 'dup'), 1);
    await call('ZADD', 'e', 1, 'a');
    // XX adds nothing, yet the hint converts the key up front, as in Valkey.
    assert.equal(await call('ZADD', 'e', 'XX', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e'), 0);
    assert.equal(await enc('e'), 'skiplist');
    await call('ZADD', 'f', 1, 'a');
    await call('ZADD', 'f', 'XX', 1, 'x'.repeat(65));
    assert.equal(await enc('f'), 'skiplist');
  });

  test('zset-max-listpack-entries 0 always gives a skiplist; alias names', async () => {
    await call('CONFIG', 'SET', 'zset-max-ziplist-entries', '0');
    assert.deepEqual(await call('CONFIG', 'GET', 'zset-max-ziplist-entries'), ['zset-max-ziplist-entries', '0']);
    await call('ZADD', 'z', 1, 'a');
    assert.equal(await enc('z'), 'skiplist');
  });

  test('exactly at the limits stays listpack (64 members in one ZADD)', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '64');
    const args: (string | number)[] = [];
    for (let i = 0; i < 128; i++) args.push(i);
    await call('ZADD', 'z', ...args);
    assert.equal(await enc('z'), 'listpack');
    assert.equal(await call('ZCARD', 'z'), 64);
    assert.equal(await call('ZADD', 'z', 1, 'b'), 1);
    assert.equal(await enc('z'), 'skiplist');
  });

  test('stored results are listpack exactly when they fit', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    await call('ZADD', 'g', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', 6, 'f');
    await call('ZRANGESTORE', 'h', 'g', 0, 3);
    assert.equal(await enc('h'), 'listpack');
    await call('ZRANGESTORE', 'h', 'g', 0, 4);
    assert.equal(await enc('h'), 'skiplist');
    await call('ZRANGESTORE', 'h', 'g', '(1', 5, 'BYSCORE');
    assert.equal(await enc('h'), 'listpack');
    await call('ZUNIONSTORE', 'u', 1, 'g');
    assert.equal(await enc('u'), 'skiplist');
    await call('ZINTERSTORE', 'u', 2, 'g', 'h');
    assert.equal(await enc('u'), 'listpack');
    await call('ZADD', 'long', 1, 'x'.repeat(65), 2, 'b');
    await call('ZRANGESTORE', 'h', 'long', 0, 0);
    assert.equal(await enc('h'), 'skiplist');
    await call('ZRANGESTORE', 'h', 'long', 1, 1);
    assert.equal(await enc('h'), 'listpack');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await call('ZRANGESTORE', 'h', 'g', 0, 0);
    assert.equal(await enc('h'), 'skiplist');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '1');
    await call('ZRANGESTORE', 'h', 'g', 0, 1);
    assert.equal(await enc('h'), 'skiplist');
  });

  test('COPY keeps the encoding and contents; DEBUG DIGEST-VALUE agrees across encodings', async () => {
    await call('ZADD', 'lp', '1e10', 'a', '1e17', 'b', '-1.5e-7', 'c', '0.1', 'd', 'inf', 'f', '-inf', 'g', 7, 'h');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await call('ZADD', 'sl', '1e10', 'a', '1e17', 'b', '-1.5e-7', 'c', '0.1', 'd', 'inf', 'f', '-inf', 'g', 7, 'h');
    assert.equal(await enc('lp'), 'listpack');
    assert.equal(await enc('sl'), 'skiplist');
    const d1 = await call('DEBUG', 'DIGEST-VALUE', 'lp');
    assert.deepEqual(await call('DEBUG', 'DIGEST-VALUE', 'sl'), d1);
    // Valkey's digest for this value (fpconv score text, member/score pair digests XORed).
    assert.deepEqual(d1, ['e5864c9aef1581288cf3cfc37bb42b3770cecd41']);
    await call('COPY', 'lp', 'lp2');
    await call('COPY', 'sl', 'sl2');
    assert.equal(await enc('lp2'), 'listpack');
    assert.equal(await enc('sl2'), 'skiplist');
    assert.deepEqual(await call('ZRANGE', 'sl2', 0, -1, 'WITHSCORES'), await call('ZRANGE', 'sl', 0, -1, 'WITHSCORES'));
    await call('ZADD', 'sl2', 100, 'zz');
    assert.equal(await call('ZCARD', 'sl'), 7);
    assert.equal(await call('ZCARD', 'sl2'), 8);
  });

  test('MEMORY USAGE and DEBUG OBJECT report the object', async () => {
    await call('ZADD', 'z', 1, 'a');
    const small = Number(await call('MEMORY', 'USAGE', 'z'));
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const args: (string | number)[] = [];
    for (let i = 0; i < 2000; i++) args.push(i, 'member:' + i);
    await call('ZADD', 'big', ...args);
    const big = Number(await call('MEMORY', 'USAGE', 'big'));
    assert.ok(big > small && big > 2000 * 20, `${small} ${big}`);
    assert.match(String(await call('DEBUG', 'OBJECT', 'big')), /encoding:skiplist serializedlength:\d+/);
  });

  test('-0 survives in a skiplist and reads back as 0 from a listpack', async () => {
    await call('ZADD', 'lp', '-0', 'a');
    assert.equal(await call('ZSCORE', 'lp', 'a'), '0');
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await call('ZADD', 'sl', '-0', 'a');
    assert.equal(await call('ZSCORE', 'sl', 'a'), '-0');
  });
});

// ====================================================================== ZADD / ZINCRBY

describe('ZADD and ZINCRBY', () => {
  bothEncodings('basic add, update and reply counts', async () => {
    assert.equal(await call('ZADD', 'z', 10, 'x', 20, 'y', 30, 'z'), 3);
    assert.equal(await call('ZADD', 'z', 1, 'y'), 0);
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1), ['y', 'x', 'z']);
    assert.equal(await call('ZADD', 'z', 5, 'n', 20, 'x', 30, 'z'), 1);
    assert.equal(await call('ZADD', 'z', 'CH', 12, 'x', 22, 'y', 30, 'z'), 2);
    assert.equal(await call('ZADD', 'z', 'ch', 'nx', 1, 'x', 2, 'new'), 1);
  });

  bothEncodings('NX / XX / GT / LT', async () => {
    await call('ZADD', 'z', 10, 'x', 20, 'y', 30, 'z');
    assert.equal(await call('ZADD', 'z', 'NX', 11, 'x', 100, 'a'), 1);
    assert.equal(await call('ZSCORE', 'z', 'x'), '10');
    assert.equal(await call('ZADD', 'z', 'XX', 5, 'foo', 11, 'x'), 0);
    assert.equal(await call('ZSCORE', 'z', 'x'), '11');
    assert.equal(await call('ZSCORE', 'z', 'foo'), null);
    assert.equal(await call('ZADD', 'z', 'GT', 'CH', 5, 'foo', 12, 'x', 19, 'y'), 2);
    assert.deepEqual(await call('ZMSCORE', 'z', 'x', 'y', 'foo'), ['12', '20', '5']);
    assert.equal(await call('ZADD', 'z', 'LT', 'CH', 6, 'foo', 11, 'x', 29, 'z'), 2);
    assert.deepEqual(await call('ZMSCORE', 'z', 'x', 'z', 'foo'), ['11', '29', '5']);
    assert.equal(await call('ZADD', 'z', 'GT', 'XX', 'CH', 100, 'new2', 50, 'x'), 1);
    assert.equal(await call('ZSCORE', 'z', 'new2'), null);
    assert.equal(await call('ZADD', 'z', 'LT', 'XX', 'CH', 1, 'x', 1, 'new3'), 1);
    assert.equal(await call('ZSCORE', 'z', 'x'), '1');
  });

  bothEncodings('INCR option and ZINCRBY', async () => {
    assert.equal(await call('ZINCRBY', 'z', 5, 'a'), '5');
    assert.equal(await call('ZINCRBY', 'z', '-2.5', 'a'), '2.5');
    assert.equal(await call('ZADD', 'z', 'INCR', '0.5', 'a'), '3');
    assert.equal(await call('ZADD', 'z', 'NX', 'INCR', 1, 'a'), null);
    assert.equal(await call('ZADD', 'z', 'XX', 'INCR', 1, 'nope'), null);
    assert.equal(await call('ZADD', 'z', 'LT', 'INCR', 1, 'a'), null);
    assert.equal(await call('ZADD', 'z', 'GT', 'INCR', -1, 'a'), null);
    assert.equal(await call('ZADD', 'z', 'GT', 'INCR', 1, 'a'), '4');
    assert.equal(await call('ZSCORE', 'z', 'a'), '4');
    // inf stays inf; inf + -inf is an error and leaves the score alone.
    assert.equal(await call('ZINCRBY', 'z', 'inf', 'i'), 'inf');
    assert.equal(await call('ZADD', 'z', 'LT', 'INCR', 1, 'i'), null);
    await rejects(call('ZINCRBY', 'z', '-inf', 'i'), 'ERR resulting score is not a number (NaN)');
    assert.equal(await call('ZSCORE', 'z', 'i'), 'inf');
    await rejects(call('ZADD', 'z', 'INCR', '-inf', 'i'), 'ERR resulting score is not a number (NaN)');
    await rejects(call('ZINCRBY', 'z', 'v', 'a'), NOTFLOAT);
    await rejects(call('ZINCRBY', 'z', 'nan', 'a'), NOTFLOAT);
    await rejects(call('ZINCRBY', 'z', 1, 'a', 2), "ERR wrong number of arguments for 'zincrby' command");
  });

  test('option and syntax errors', async () => {
    await rejects(call('ZADD', 'z', 'XX', 'NX', 1, 'a'), 'ERR XX and NX options at the same time are not compatible');
    await rejects(call('ZADD', 'z', 'GT', 'NX', 1, 'a'), 'ERR GT, LT, and/or NX options at the same time are not compatible');
    await rejects(call('ZADD', 'z', 'LT', 'NX', 1, 'a'), 'ERR GT, LT, and/or NX options at the same time are not compatible');
    await rejects(call('ZADD', 'z', 'GT', 'LT', 1, 'a'), 'ERR GT, LT, and/or NX options at the same time are not compatible');
    await rejects(call('ZADD', 'z', 'INCR', 1, 'a', 2, 'b'), 'ERR INCR option supports a single increment-element pair');
    await rejects(call('ZADD', 'z', 1, 'a', 2), SYNTAX);
    await rejects(call('ZADD', 'z', 'XX', 1), SYNTAX);
    await rejects(call('ZADD', 'z', 'NX', 'XX'), SYNTAX); // options only: no pairs
    await rejects(call('ZADD', 'z', 1), "ERR wrong number of arguments for 'zadd' command");
    for (const bad of ['nan', 'abc', '', ' 1', '1e400', '1e-400', '30.badscore']) {
      await rejects(call('ZADD', 'z', 10, 'a', bad, 'b'), NOTFLOAT);
    }
    assert.equal(await call('EXISTS', 'z'), 0);
    await call('SET', 's', 'x');
    await rejects(call('ZADD', 's', 1, 'a'), WRONGTYPE);
    await rejects(call('ZINCRBY', 's', 1, 'a'), WRONGTYPE);
    // Parse errors come before the type check.
    await rejects(call('ZADD', 's', 'x', 'a'), NOTFLOAT);
  });

  test('XX on a missing key creates nothing', async () => {
    assert.equal(await call('ZADD', 'z', 'XX', 10, 'x'), 0);
    assert.equal(await call('TYPE', 'z'), 'none');
    assert.equal(await call('ZADD', 'z', 'XX', 'INCR', 10, 'x'), null);
    assert.equal(await call('EXISTS', 'z'), 0);
  });

  test('score formats: doubles, integers, infinities, extremes', async () => {
    await call('ZADD', 'z', '0.1', 'a', '1e20', 'b', '1e-5', 'c', '123456789012345678', 'd', '3.0', 'e', '+inf', 'f', '-inf', 'g', '0x10', 'h');
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1, 'WITHSCORES'),
      ['g', '-inf', 'c', '0.00001', 'a', '0.1', 'e', '3', 'h', '16', 'd', '123456789012345680', 'b', '1e+20', 'f', 'inf']);
    const dblmax = '179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368.00000000000000000';
    await call('ZADD', 'm', dblmax, 'dblmax');
    assert.equal(await enc('m'), 'listpack');
    assert.equal(await call('ZSCORE', 'm', 'dblmax'), '1.7976931348623157e+308');
  });

  test('binary-safe members, empty member', async () => {
    const m = Buffer.from([0, 255, 10, 13, 0]);
    await r.zadd('z', 1, m);
    await r.zadd('z', 2, '');
    const got = await r.callBuffer('ZRANGE', 'z', '0', '-1') as Buffer[];
    assert.deepEqual(got.map((b) => b.toString('hex')), [m.toString('hex'), '']);
    assert.equal(await call('ZSCORE', 'z', ''), '2');
  });

  test('RESP3: INCR replies a double, nil is null', async () => {
    await rawCall('HELLO', 3);
    try {
      assert.equal(await rawCall('ZADD', 'z', 'INCR', '1.5', 'a'), ',1.5\r\n');
      assert.equal(await rawCall('ZADD', 'z', 'NX', 'INCR', 1, 'a'), '_\r\n');
      assert.equal(await rawCall('ZINCRBY', 'z', 'inf', 'a'), ',inf\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });
});

// ====================================================================== ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK

describe('ZREM, ZCARD, ZSCORE, ZMSCORE, ZRANK, ZREVRANK', () => {
  bothEncodings('ZREM variadic, deletes the emptied key', async () => {
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    assert.equal(await call('ZREM', 'z', 'x', 'a', 'a', 'b'), 2);
    assert.equal(await call('ZCARD', 'z'), 1);
    assert.equal(await call('ZREM', 'z', 'c', 'x', 'y'), 1);
    assert.equal(await call('EXISTS', 'z'), 0);
    assert.equal(await call('ZREM', 'z', 'c'), 0);
    assert.equal(await call('ZCARD', 'z'), 0);
  });

  bothEncodings('ZSCORE / ZMSCORE', async () => {
    await call('ZADD', 'z', 1, 'a', '2.5', 'b');
    assert.equal(await call('ZSCORE', 'z', 'b'), '2.5');
    assert.equal(await call('ZSCORE', 'z', 'x'), null);
    assert.equal(await call('ZSCORE', 'nokey', 'x'), null);
    assert.deepEqual(await call('ZMSCORE', 'z', 'a', 'x', 'b'), ['1', null, '2.5']);
    assert.deepEqual(await call('ZMSCORE', 'nokey', 'a', 'b'), [null, null]);
    await rejects(call('ZMSCORE', 'z'), "ERR wrong number of arguments for 'zmscore' command");
  });

  bothEncodings('ZRANK / ZREVRANK with and without WITHSCORE', async () => {
    await call('ZADD', 'z', 10, 'x', 20, 'y', 30, 'z');
    assert.equal(await call('ZRANK', 'z', 'x'), 0);
    assert.equal(await call('ZRANK', 'z', 'z'), 2);
    assert.equal(await call('ZREVRANK', 'z', 'x'), 2);
    assert.deepEqual(await call('ZRANK', 'z', 'y', 'WITHSCORE'), [1, '20']);
    assert.deepEqual(await call('ZREVRANK', 'z', 'y', 'withscore'), [1, '20']);
    assert.equal(await call('ZRANK', 'z', 'nope'), null);
    assert.equal(await rawCall('ZRANK', 'z', 'nope', 'WITHSCORE'), '*-1\r\n');
    assert.equal(await rawCall('ZRANK', 'nokey', 'nope', 'WITHSCORE'), '*-1\r\n');
    assert.equal(await rawCall('ZRANK', 'nokey', 'nope'), '$-1\r\n');
    await call('ZREM', 'z', 'y');
    assert.equal(await call('ZRANK', 'z', 'z'), 1);
    await rejects(call('ZRANK', 'z', 'x', 'WITHSCORES'), SYNTAX);
    await rejects(call('ZRANK', 'z', 'x', 'WITHSCORE', 'x'), "ERR wrong number of arguments for 'zrank' command");
    await rejects(call('ZREVRANK', 'z', 'x', 'WITHSCORE', 'x'), "ERR wrong number of arguments for 'zrevrank' command");
  });

  test('RESP3 shapes of ZSCORE, ZMSCORE and ZRANK WITHSCORE', async () => {
    await call('ZADD', 'z', '1.5', 'a');
    await rawCall('HELLO', 3);
    try {
      assert.equal(await rawCall('ZSCORE', 'z', 'a'), ',1.5\r\n');
      assert.equal(await rawCall('ZSCORE', 'z', 'x'), '_\r\n');
      assert.equal(await rawCall('ZMSCORE', 'z', 'a', 'x'), '*2\r\n,1.5\r\n_\r\n');
      assert.equal(await rawCall('ZRANK', 'z', 'a', 'WITHSCORE'), '*2\r\n:0\r\n,1.5\r\n');
      assert.equal(await rawCall('ZRANK', 'z', 'x', 'WITHSCORE'), '_\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });

  test('wrong type', async () => {
    await call('SET', 's', 'x');
    for (const args of [['ZREM', 's', 'a'], ['ZCARD', 's'], ['ZSCORE', 's', 'a'], ['ZMSCORE', 's', 'a'], ['ZRANK', 's', 'a'], ['ZREVRANK', 's', 'a']]) {
      await rejects(call(...args), WRONGTYPE);
    }
  });
});

// ====================================================================== ZRANGE family

describe('ZRANGE family', () => {
  bothEncodings('by rank, forwards and reversed, with scores', async () => {
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await call('ZRANGE', 'z', 0, -2), ['a', 'b', 'c']);
    assert.deepEqual(await call('ZRANGE', 'z', 1, -1), ['b', 'c', 'd']);
    assert.deepEqual(await call('ZRANGE', 'z', -2, -1), ['c', 'd']);
    assert.deepEqual(await call('ZRANGE', 'z', -10, 10), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await call('ZRANGE', 'z', 5, 10), []);
    assert.deepEqual(await call('ZRANGE', 'z', 3, 1), []);
    assert.deepEqual(await call('ZRANGE', 'z', '-9223372036854775808', '9223372036854775807'), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await call('ZRANGE', 'z', 0, 1, 'WITHSCORES'), ['a', '1', 'b', '2']);
    assert.deepEqual(await call('ZREVRANGE', 'z', 0, -1), ['d', 'c', 'b', 'a']);
    assert.deepEqual(await call('ZREVRANGE', 'z', 1, 2, 'WITHSCORES'), ['c', '3', 'b', '2']);
    assert.deepEqual(await call('ZRANGE', 'z', 0, 1, 'REV'), ['d', 'c']);
    assert.deepEqual(await call('ZRANGE', 'nokey', 0, -1), []);
    // LIMIT 0 -1 is accepted even by rank (it is the "no limit" default).
    assert.deepEqual(await call('ZRANGE', 'z', 0, 0, 'LIMIT', 0, -1), ['a']);
  });

  bothEncodings('by score: inclusive, exclusive, infinities, LIMIT', async () => {
    await call('ZADD', 'z', '-inf', 'ninf', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e', '+inf', 'pinf');
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 2, 4), ['b', 'c', 'd']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '(2', '(4'), ['c']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '-inf', '(1'), ['ninf']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '(5', '+inf'), ['pinf']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '(3', '(3'), []);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 4, 2), []);
    assert.deepEqual(await call('ZREVRANGEBYSCORE', 'z', 4, 2), ['d', 'c', 'b']);
    assert.deepEqual(await call('ZREVRANGEBYSCORE', 'z', '(4', '(2', 'WITHSCORES'), ['c', '3']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 0, 10, 'WITHSCORES', 'LIMIT', 1, 2), ['b', '2', 'c', '3']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 0, 10, 'LIMIT', 2, -1), ['c', 'd', 'e']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 0, 10, 'LIMIT', 0, 0), []);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 0, 10, 'LIMIT', 10, 1), []);
    assert.deepEqual(await call('ZREVRANGEBYSCORE', 'z', 10, 0, 'LIMIT', 1, 2), ['d', 'c']);
    assert.deepEqual(await call('ZRANGE', 'z', '(1', 4, 'BYSCORE', 'LIMIT', 1, 1), ['c']);
    assert.deepEqual(await call('ZRANGE', 'z', 4, '(1', 'BYSCORE', 'REV', 'WITHSCORES'), ['d', '4', 'c', '3', 'b', '2']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '', ''), []); // empty ends parse as 0
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', '  1', 1), ['a']);
  });

  test('negative LIMIT offsets: empty on a listpack, from the far end on a skiplist (as Valkey)', async () => {
    await call('ZADD', 'lp', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
    assert.deepEqual(await call('ZRANGEBYSCORE', 'lp', '-inf', '+inf', 'LIMIT', -2, 3), []);
    assert.deepEqual(await call('ZRANGEBYLEX', 'lp', '-', '+', 'LIMIT', -1, 3), []);
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    await call('ZADD', 'sl', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
    assert.deepEqual(await call('ZRANGEBYSCORE', 'sl', '-inf', '+inf', 'LIMIT', -2, 3), ['d', 'e']);
    assert.deepEqual(await call('ZREVRANGEBYSCORE', 'sl', '+inf', '-inf', 'LIMIT', -2, 3), ['b', 'a']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'sl', 2, 4, 'LIMIT', -2, 5), ['c', 'd']);
    assert.deepEqual(await call('ZRANGEBYSCORE', 'sl', 2, 4, 'LIMIT', -4, 5), []);
    assert.deepEqual(await call('ZRANGEBYLEX', 'sl', '-', '+', 'LIMIT', -2, 3), ['d', 'e']);
  });

  bothEncodings('by lex: bounds, REV, LIMIT, ZLEXCOUNT', async () => {
    await call('ZADD', 'z', 0, 'alpha', 0, 'bar', 0, 'cool', 0, 'down', 0, 'elephant', 0, 'foo', 0, 'great', 0, 'hill', 0, 'omega');
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '-', '[cool'), ['alpha', 'bar', 'cool']);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '[bar', '[down'), ['bar', 'cool', 'down']);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '(bar', '(down'), ['cool']);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '[g', '+'), ['great', 'hill', 'omega']);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '+', '-'), []);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '[cool', '(cool'), []);
    assert.deepEqual(await call('ZREVRANGEBYLEX', 'z', '[cool', '-'), ['cool', 'bar', 'alpha']);
    assert.deepEqual(await call('ZREVRANGEBYLEX', 'z', '+', '(great'), ['omega', 'hill']);
    assert.deepEqual(await call('ZRANGEBYLEX', 'z', '-', '+', 'LIMIT', 2, 3), ['cool', 'down', 'elephant']);
    assert.deepEqual(await call('ZREVRANGEBYLEX', 'z', '+', '-', 'LIMIT', 0, 2), ['omega', 'hill']);
    assert.deepEqual(await call('ZRANGE', 'z', '[d', '[f', 'BYLEX'), ['down', 'elephant']);
    assert.deepEqual(await call('ZRANGE', 'z', '[f', '[d', 'BYLEX', 'REV'), ['elephant', 'down']);
    assert.equal(await call('ZLEXCOUNT', 'z', '-', '+'), 9);
    assert.equal(await call('ZLEXCOUNT', 'z', '[bar', '(foo'), 4);
    assert.equal(await call('ZLEXCOUNT', 'z', '(foo', '[bar'), 0);
    assert.equal(await call('ZLEXCOUNT', 'z', '[cool', '[cool'), 1);
    assert.equal(await call('ZLEXCOUNT', 'z', '(cool', '[cool'), 0);
    assert.equal(await call('ZLEXCOUNT', 'nokey', '-', '+'), 0);
    for (const [a, b] of [['foo', '[bar'], ['[foo', 'bar'], ['+x', '[a'], ['-x', '[a'], ['', '+']]) {
      await rejects(call('ZRANGEBYLEX', 'z', a!, b!), MINMAXLEX);
      await rejects(call('ZLEXCOUNT', 'z', a!, b!), MINMAXLEX);
    }
  });

  bothEncodings('ZCOUNT', async () => {
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.equal(await call('ZCOUNT', 'z', '-inf', '+inf'), 4);
    assert.equal(await call('ZCOUNT', 'z', '(1', 3), 2);
    assert.equal(await call('ZCOUNT', 'z', '(1', '(1'), 0);
    assert.equal(await call('ZCOUNT', 'z', 5, 10), 0);
    assert.equal(await call('ZCOUNT', 'nokey', 0, 1), 0);
    await rejects(call('ZCOUNT', 'z', 'a', 1), MINMAX);
    await rejects(call('ZCOUNT', 'z', 1, 'nan'), MINMAX);
  });

  test('syntax and argument errors', async () => {
    await call('ZADD', 'z', 1, 'a');
    await rejects(call('ZRANGE', 'z', 0, -1, 'LIMIT', 0, 1), 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    await rejects(call('ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'), 'ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    await rejects(call('ZRANGE', 'z', 0, -1, 'BYSCORE', 'BYLEX'), SYNTAX);
    await rejects(call('ZRANGE', 'z', 0, -1, 'REV', 'REV'), SYNTAX);
    await rejects(call('ZRANGE', 'z', 0, -1, 'LIMIT', 0), SYNTAX);
    await rejects(call('ZRANGE', 'z', 0, -1, 'foo'), SYNTAX);
    await rejects(call('ZRANGE', 'z', 0, -1, 'BYSCORE', 'LIMIT', 'x', 1), NOTINT);
    await rejects(call('ZRANGE', 'z', 'a', -1), NOTINT);
    await rejects(call('ZRANGE', 'z', 0, '9223372036854775808'), NOTINT);
    await rejects(call('ZREVRANGE', 'z', 0, -1, 'REV'), SYNTAX);
    await rejects(call('ZRANGEBYSCORE', 'z', 0, 1, 'BYLEX'), SYNTAX);
    await rejects(call('ZRANGEBYSCORE', 'z', 'a', 1), MINMAX);
    await rejects(call('ZRANGEBYSCORE', 'z', '(a', 1), MINMAX);
    await rejects(call('ZRANGEBYSCORE', 'z', '  ', 1), MINMAX);
    await rejects(call('ZRANGEBYSCORE', 'z', 'nan', 1), MINMAX);
    await rejects(call('ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'), 'ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    await call('SET', 's', 'x');
    await rejects(call('ZRANGE', 's', 0, -1), WRONGTYPE);
    await rejects(call('ZRANGEBYSCORE', 's', 0, 1), WRONGTYPE);
    await rejects(call('ZRANGEBYLEX', 's', '-', '+'), WRONGTYPE);
    // Parse errors before the type check.
    await rejects(call('ZRANGEBYSCORE', 's', 'x', 1), MINMAX);
  });

  test('RESP3: WITHSCORES gives [member, score] pairs, plain ranges stay flat', async () => {
    await call('ZADD', 'z', 1, 'a', '2.5', 'b');
    await rawCall('HELLO', 3);
    try {
      assert.equal(await rawCall('ZRANGE', 'z', 0, -1, 'WITHSCORES'), '*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n');
      assert.equal(await rawCall('ZRANGE', 'z', 0, -1), '*2\r\n$1\r\na\r\n$1\r\nb\r\n');
      assert.equal(await rawCall('ZRANGEBYSCORE', 'z', 2, 3, 'WITHSCORES'), '*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });

  test('a large skiplist: windows anywhere, both directions', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const n = 3000;
    const args: (string | number)[] = [];
    for (let i = 0; i < n; i++) args.push(i % 50, 'm' + String(i).padStart(5, '0'));
    await call('ZADD', 'z', ...args);
    const all = await call('ZRANGE', 'z', 0, -1) as string[];
    const sorted = [...all].sort((a, b) => {
      const sa = Number(a.slice(1)) % 50, sb = Number(b.slice(1)) % 50;
      return sa - sb || (a < b ? -1 : a > b ? 1 : 0);
    });
    assert.deepEqual(all, sorted);
    assert.deepEqual(await call('ZRANGE', 'z', 1000, 1010), all.slice(1000, 1011));
    assert.deepEqual(await call('ZREVRANGE', 'z', 1000, 1010), [...all].reverse().slice(1000, 1011));
    assert.deepEqual(await call('ZREVRANGE', 'z', 0, -1), [...all].reverse());
    assert.deepEqual(await call('ZRANGEBYSCORE', 'z', 10, '(12'), all.slice(600, 720));
    assert.deepEqual(await call('ZREVRANGEBYSCORE', 'z', '(12', 10, 'LIMIT', 5, 3), all.slice(600, 720).reverse().slice(5, 8));
    assert.equal(await call('ZCOUNT', 'z', 10, '(12'), 120);
    for (const i of [0, 1, 777, 2999]) assert.equal(await call('ZRANK', 'z', all[i]!), i);
  });
});

// ====================================================================== ZRANGESTORE

describe('ZRANGESTORE', () => {
  bothEncodings('stores ranges of every kind', async () => {
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd');
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 0, -1), 4);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3', 'd', '4']);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 1, 2), 2);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1), ['b', 'c']);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 0, 1, 'REV'), 2);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1, 'WITHSCORES'), ['c', '3', 'd', '4']);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', '(1', '+inf', 'BYSCORE', 'LIMIT', 1, 5), 2);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1), ['c', 'd']);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 5, '(1', 'BYSCORE', 'REV', 'LIMIT', 0, 2), 2);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1), ['c', 'd']);
    await call('ZADD', 'l', 0, 'a', 0, 'b', 0, 'c');
    assert.equal(await call('ZRANGESTORE', 'd', 'l', '[b', '+', 'BYLEX'), 2);
    assert.deepEqual(await call('ZRANGE', 'd', 0, -1, 'WITHSCORES'), ['b', '0', 'c', '0']);
    // Destination replaced whatever it held, including a TTL.
    await call('SET', 'str', 'x', 'EX', 100);
    assert.equal(await call('ZRANGESTORE', 'str', 'z', 0, 0), 1);
    assert.equal(await call('TTL', 'str'), -1);
    assert.equal(await call('TYPE', 'str'), 'zset');
    // The source may be the destination.
    assert.equal(await call('ZRANGESTORE', 'z', 'z', 1, 2), 2);
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1), ['b', 'c']);
  });

  test('empty results and missing sources delete the destination', async () => {
    await call('ZADD', 'z', 1, 'a');
    await call('ZADD', 'd', 1, 'x');
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 5, 10), 0);
    assert.equal(await call('EXISTS', 'd'), 0);
    await call('ZADD', 'd', 1, 'x');
    assert.equal(await call('ZRANGESTORE', 'd', 'nokey', 0, -1), 0);
    assert.equal(await call('EXISTS', 'd'), 0);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', '[x', '[y', 'BYLEX'), 0);
    assert.equal(await call('ZRANGESTORE', 'd', 'z', 5, 6, 'BYSCORE'), 0);
    assert.equal(await call('EXISTS', 'd'), 0);
  });

  test('errors', async () => {
    await call('ZADD', 'z', 1, 'a');
    await call('SET', 's', 'x');
    await call('ZADD', 'd', 1, 'keep');
    await rejects(call('ZRANGESTORE', 'd', 's', 0, -1), WRONGTYPE);
    assert.equal(await call('ZCARD', 'd'), 1);
    await rejects(call('ZRANGESTORE', 'd', 'z', 0, -1, 'WITHSCORES'), SYNTAX);
    await rejects(call('ZRANGESTORE', 'd', 'z', 0, -1, 'LIMIT', 0, 1), 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    await rejects(call('ZRANGESTORE', 'd', 'z'), "ERR wrong number of arguments for 'zrangestore' command");
  });
});

// ====================================================================== ZREMRANGEBY*

describe('ZREMRANGEBYRANK / SCORE / LEX', () => {
  bothEncodings('ranges, empty ranges and key deletion', async () => {
    const fill = () => call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
    await fill();
    assert.equal(await call('ZREMRANGEBYRANK', 'z', 1, 2), 2);
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1), ['a', 'd', 'e']);
    assert.equal(await call('ZREMRANGEBYRANK', 'z', -1, -1), 1);
    assert.equal(await call('ZREMRANGEBYRANK', 'z', 5, 10), 0);
    assert.equal(await call('ZREMRANGEBYRANK', 'z', 1, 0), 0);
    assert.equal(await call('ZREMRANGEBYRANK', 'z', -100, 100), 2);
    assert.equal(await call('EXISTS', 'z'), 0);
    await fill();
    assert.equal(await call('ZREMRANGEBYSCORE', 'z', '(1', 3), 2);
    assert.equal(await call('ZREMRANGEBYSCORE', 'z', 10, 20), 0);
    assert.equal(await call('ZREMRANGEBYSCORE', 'z', '-inf', '(5'), 2);
    assert.deepEqual(await call('ZRANGE', 'z', 0, -1), ['e']);
    assert.equal(await call('ZREMRANGEBYSCORE', 'z', '-inf', '+inf'), 1);
    assert.equal(await call('EXISTS', 'z'), 0);
    await call('ZADD', 'l', 0, 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e');
    assert.equal(await call('ZREMRANGEBYLEX', 'l', '[b', '(d'), 2);
    assert.equal(await call('ZREMRANGEBYLEX', 'l', '(e', '+'), 0);
    assert.equal(await call('ZREMRANGEBYLEX', 'l', '+', '-'), 0);
    assert.deepEqual(await call('ZRANGE', 'l', 0, -1), ['a', 'd', 'e']);
    assert.equal(await call('ZREMRANGEBYLEX', 'l', '-', '+'), 3);
    assert.equal(await call('EXISTS', 'l'), 0);
    assert.equal(await call('ZREMRANGEBYRANK', 'nokey', 0, -1), 0);
  });

  test('errors', async () => {
    await call('ZADD', 'z', 1, 'a');
    await rejects(call('ZREMRANGEBYRANK', 'z', 'a', 1), NOTINT);
    await rejects(call('ZREMRANGEBYSCORE', 'z', 'x', 1), MINMAX);
    await rejects(call('ZREMRANGEBYLEX', 'z', 'x', '+'), MINMAXLEX);
    await call('SET', 's', 'x');
    await rejects(call('ZREMRANGEBYRANK', 's', 0, 1), WRONGTYPE);
    await rejects(call('ZREMRANGEBYSCORE', 's', 0, 1), WRONGTYPE);
    await rejects(call('ZREMRANGEBYLEX', 's', '-', '+'), WRONGTYPE);
    // Range errors before the type check.
    await rejects(call('ZREMRANGEBYSCORE', 's', 'x', 1), MINMAX);
  });
});

// ====================================================================== ZPOPMIN / ZPOPMAX / ZMPOP

describe('ZPOPMIN, ZPOPMAX, ZMPOP', () => {
  bothEncodings('pops with and without count', async () => {
    await call('ZADD', 'z', -1, 'a', 1, 'b', 2, 'c', 3, 'd', 4, 'e');
    assert.deepEqual(await call('ZPOPMIN', 'z'), ['a', '-1']);
    assert.deepEqual(await call('ZPOPMAX', 'z'), ['e', '4']);
    assert.deepEqual(await call('ZPOPMIN', 'z', 2), ['b', '1', 'c', '2']);
    assert.deepEqual(await call('ZPOPMIN', 'z', 0), []);
    assert.equal(await rawCall('ZPOPMIN', 'z', 0), '*0\r\n');
    assert.deepEqual(await call('ZPOPMAX', 'z', 10), ['d', '3']);
    assert.equal(await call('EXISTS', 'z'), 0);
    assert.deepEqual(await call('ZPOPMIN', 'z'), []);
    assert.deepEqual(await call('ZPOPMIN', 'z', 3), []);
  });

  bothEncodings('ZMPOP across keys', async () => {
    await call('ZADD', 'z2', 1, 'a', 2, 'b', 3, 'c');
    assert.deepEqual(await call('ZMPOP', 2, 'z1', 'z2', 'MIN'), ['z2', [['a', '1']]]);
    assert.deepEqual(await call('ZMPOP', 2, 'z1', 'z2', 'MAX', 'COUNT', 10), ['z2', [['c', '3'], ['b', '2']]]);
    assert.equal(await call('EXISTS', 'z2'), 0);
    assert.equal(await rawCall('ZMPOP', 2, 'z1', 'z2', 'MIN'), '*-1\r\n');
  });

  test('errors', async () => {
    await call('SET', 'str', 'x');
    for (const args of [['ZPOPMIN', 'str', -1], ['ZPOPMIN', 'nokey', -2], ['ZPOPMAX', 'str', 'a']]) {
      await rejects(call(...args), 'ERR value is out of range, must be positive');
    }
    await rejects(call('ZPOPMIN', 'str'), WRONGTYPE);
    await rejects(call('ZPOPMAX', 'str', 0), WRONGTYPE);
    await rejects(call('ZPOPMIN', 'z', 1, 2), SYNTAX);
    await rejects(call('ZMPOP', 1, 'str', 'MIN'), WRONGTYPE);
    await rejects(call('ZMPOP', 2, 'nokey', 'str', 'MAX', 'COUNT', 1), WRONGTYPE);
    await rejects(call('ZMPOP', 1), "ERR wrong number of arguments for 'zmpop' command");
    for (const nk of [0, 'a', -1]) await rejects(call('ZMPOP', nk, 'z', 'MIN'), 'ERR numkeys should be greater than 0');
    for (const args of [[1, 'z', 'bad'], [1, 'z', 'MIN', 'x'], [1, 'z', 'MAX', 'MIN'], [1, 'z', 'COUNT'],
      [1, 'z', 'MAX', 'COUNT', 1, 'COUNT', 2], [2, 'z', 'z2', 'bad'], [5, 'z', 'MIN']]) {
      await rejects(call('ZMPOP', ...args), SYNTAX);
    }
    for (const cnt of [0, 'a', -1]) await rejects(call('ZMPOP', 1, 'z', 'MIN', 'COUNT', cnt), 'ERR count should be greater than 0');
  });

  test('RESP3 shapes', async () => {
    await call('ZADD', 'z', 0, 'a', 1, 'b', 2, 'c', 3, 'd');
    await rawCall('HELLO', 3);
    try {
      assert.equal(await rawCall('ZPOPMIN', 'z'), '*2\r\n$1\r\na\r\n,0\r\n');
      assert.equal(await rawCall('ZPOPMAX', 'z', 1), '*1\r\n*2\r\n$1\r\nd\r\n,3\r\n');
      assert.equal(await rawCall('ZMPOP', 1, 'z', 'MIN', 'COUNT', 2), '*2\r\n$1\r\nz\r\n*2\r\n*2\r\n$1\r\nb\r\n,1\r\n*2\r\n$1\r\nc\r\n,2\r\n');
      assert.equal(await rawCall('ZMPOP', 1, 'z', 'MIN'), '_\r\n');
      assert.equal(await rawCall('ZPOPMIN', 'z'), '*0\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });
});

// ====================================================================== blocking pops

describe('BZPOPMIN, BZPOPMAX, BZMPOP', () => {
  test('serve at once when a key has elements, in key order', async () => {
    await call('ZADD', 'z2', 3, 'd', 4, 'e', 5, 'f');
    assert.deepEqual(await call('BZPOPMIN', 'z1', 'z2', 1), ['z2', 'd', '3']);
    assert.deepEqual(await call('BZPOPMAX', 'z1', 'z2', 1), ['z2', 'f', '5']);
    assert.deepEqual(await call('BZMPOP', 1, 2, 'z1', 'z2', 'MIN', 'COUNT', 5), ['z2', [['e', '4']]]);
    assert.equal(await call('EXISTS', 'z2'), 0);
  });

  test('block until a ZADD, FIFO between waiters, one element each', async () => {
    const c1 = await send('BZPOPMIN', 'z', 0);
    await waitBlocked(1);
    const c2 = await send('BZPOPMAX', 'z', 0);
    await waitBlocked(2);
    const c3 = await send('BZPOPMIN', 'z', 0);
    await waitBlocked(3);
    assert.equal(await call('ZADD', 'z', -1, 'foo', 1, 'bar'), 2);
    assert.deepEqual(await c1.reply(), ['z', 'foo', '-1']);
    assert.deepEqual(await c2.reply(), ['z', 'bar', '1']);
    await noReply(c3);
    assert.equal(await call('EXISTS', 'z'), 0);
    await call('ZADD', 'z', 7, 'x');
    assert.deepEqual(await c3.reply(), ['z', 'x', '7']);
  });

  test('BZMPOP: several blocked clients with counts, served in order', async () => {
    const c1 = await send('BZMPOP', 0, 2, 'a', 'b', 'MIN', 'COUNT', 1);
    await waitBlocked(1);
    const c2 = await send('BZMPOP', 0, 2, 'a', 'b', 'MAX', 'COUNT', 10);
    await waitBlocked(2);
    const c3 = await send('BZMPOP', 0, 2, 'a', 'b', 'MIN', 'COUNT', 10);
    await waitBlocked(3);
    await call('ZADD', 'a', 1, 'a', 2, 'b', 3, 'c', 4, 'd', 5, 'e');
    assert.deepEqual(await c1.reply(), ['a', [['a', '1']]]);
    assert.deepEqual(await c2.reply(), ['a', [['e', '5'], ['d', '4'], ['c', '3'], ['b', '2']]]);
    await noReply(c3);
    await call('ZADD', 'b', 1, 'x', 2, 'y');
    assert.deepEqual(await c3.reply(), ['b', [['x', '1'], ['y', '2']]]);
  });

  test('a key given several times; only key arguments wake BZMPOP', async () => {
    const c = await send('BZPOPMIN', 'z1', 'z2', 'z2', 'z1', 0);
    await waitBlocked(1);
    await call('ZADD', 'z2', 1, 'b');
    assert.deepEqual(await c.reply(), ['z2', 'b', '1']);
    const m = await send('BZMPOP', 0, 1, 'myzset', 'MIN', 'COUNT', 10);
    await waitBlocked(1);
    for (const k of ['0', '1', 'min', 'count', '10']) await call('ZADD', k, 1, 'x');
    await noReply(m);
    await call('ZADD', 'myzset', 1, 'zset');
    assert.deepEqual(await m.reply(), ['myzset', [['zset', '1']]]);
  });

  test('sub-second timeouts reply a null array (RESP2 and RESP3)', async () => {
    const t0 = Date.now();
    assert.equal(await rawCall('BZPOPMIN', 'z', '0.05'), '*-1\r\n');
    assert.ok(Date.now() - t0 >= 45);
    assert.equal(await rawCall('BZMPOP', '0.01', 1, 'z', 'MAX'), '*-1\r\n');
    const c = await conn();
    await c.write(encodeCommand(['HELLO', 3]));
    await c.frame();
    await c.write(encodeCommand(['BZPOPMAX', 'z', '0.02']));
    assert.equal(await c.raw(), '_\r\n');
  });

  test('keys of another type do not wake; a later ZADD does', async () => {
    const c = await send('BZPOPMIN', 'k', 0);
    await waitBlocked(1);
    await call('SET', 'k', 'x');
    await noReply(c);
    assert.equal(srv.server.blocking.blockedClients, 1);
    await call('DEL', 'k');
    await call('ZADD', 'k', 1, 'v');
    assert.deepEqual(await c.reply(), ['k', 'v', '1']);
  });

  test('writes that create the key (ZUNIONSTORE, RENAME) wake waiters', async () => {
    await call('ZADD', 'src', 1, 'a', 2, 'b');
    const c = await send('BZPOPMAX', 'dst', 0);
    await waitBlocked(1);
    await call('ZUNIONSTORE', 'dst', 1, 'src');
    assert.deepEqual(await c.reply(), ['dst', 'b', '2']);
    const c2 = await send('BZPOPMIN', 'renamed', 0);
    await waitBlocked(1);
    await call('RENAME', 'src', 'renamed');
    assert.deepEqual(await c2.reply(), ['renamed', 'a', '1']);
  });

  test('RESP3 blocking replies', async () => {
    const c = await conn();
    await c.write(encodeCommand(['HELLO', 3]));
    await c.frame();
    await c.write(encodeCommand(['BZPOPMIN', 'z', 0]));
    await waitBlocked(1);
    await call('ZADD', 'z', 0, 'a', 1, 'b');
    assert.equal(await c.raw(), '*3\r\n$1\r\nz\r\n$1\r\na\r\n,0\r\n');
    await c.write(encodeCommand(['BZMPOP', 0, 1, 'z', 'MAX']));
    assert.equal(await c.raw(), '*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nb\r\n,1\r\n');
  });

  test('CLIENT UNBLOCK: TIMEOUT gives the null array, ERROR the UNBLOCKED error', async () => {
    const c = await send('CLIENT', 'ID');
    const id = Number((await c.reply()) as unknown);
    await c.write(encodeCommand(['BZPOPMIN', 'z', 0]));
    await waitBlocked(1);
    assert.equal(await call('CLIENT', 'UNBLOCK', id, 'TIMEOUT'), 1);
    assert.equal(await c.raw(), '*-1\r\n');
    await c.write(encodeCommand(['BZMPOP', 0, 1, 'z', 'MIN']));
    await waitBlocked(1);
    assert.equal(await call('CLIENT', 'UNBLOCK', id, 'ERROR'), 1);
    assert.equal(await c.raw(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
  });

  test('errors', async () => {
    await call('SET', 'str', 'x');
    await rejects(call('BZPOPMIN', 'str', 1), WRONGTYPE);
    await rejects(call('BZPOPMAX', 'nokey', 'str', 1), WRONGTYPE);
    await rejects(call('BZMPOP', 1, 1, 'str', 'MIN'), WRONGTYPE);
    await rejects(call('BZPOPMIN', 'z', -1), 'ERR timeout is negative');
    await rejects(call('BZPOPMIN', 'z', 'abc'), 'ERR timeout is not a float or out of range');
    await rejects(call('BZPOPMIN', 'z', 'inf'), 'ERR timeout is out of range');
    await rejects(call('BZPOPMIN', 'z', '0x7FFFFFFFFFFFFF'), 'ERR timeout is out of range');
    await rejects(call('BZMPOP', 'x', 1, 'z', 'MIN'), 'ERR timeout is not a float or out of range');
    await rejects(call('BZMPOP', 0, 0, 'z', 'MIN'), 'ERR numkeys should be greater than 0');
    await rejects(call('BZMPOP', 0, 1, 'z', 'bad'), SYNTAX);
    await rejects(call('BZMPOP', 0, 1, 'z', 'MIN', 'COUNT', 0), 'ERR count should be greater than 0');
    // The argument checks come before the timeout is read.
    await rejects(call('BZMPOP', -1, 0, 'z', 'MIN'), 'ERR numkeys should be greater than 0');
    await rejects(call('BZMPOP', 0, 1, 'z'), "ERR wrong number of arguments for 'bzmpop' command");
    await rejects(call('BZPOPMIN', 'z'), "ERR wrong number of arguments for 'bzpopmin' command");
  });

  test('a timed-out client no longer receives elements; INFO counts', async () => {
    const c = await send('BZPOPMIN', 'z', '0.05');
    await waitBlocked(1);
    const infoText = String(await call('INFO', 'clients'));
    assert.match(infoText, /blocked_clients:1/);
    assert.equal(await c.raw(), '*-1\r\n');
    await waitBlocked(0);
    await call('ZADD', 'z', 1, 'a');
    assert.equal(await call('ZCARD', 'z'), 1);
  });
});

// ====================================================================== set operations

describe('ZUNION, ZINTER, ZDIFF, their STORE forms, ZINTERCARD', () => {
  const setup = async () => {
    await call('ZADD', 'za', 1, 'a', 2, 'b', 3, 'c');
    await call('ZADD', 'zb', 1, 'b', 2, 'c', 3, 'd');
  };

  bothEncodings('basics, weights, aggregates', async () => {
    await setup();
    assert.equal(await call('ZUNIONSTORE', 'zc', 2, 'za', 'zb'), 4);
    assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '3', 'd', '3', 'c', '5']);
    assert.deepEqual(await call('ZUNION', 2, 'za', 'zb', 'WEIGHTS', 2, 3, 'WITHSCORES'), ['a', '2', 'b', '7', 'd', '9', 'c', '12']);
    assert.deepEqual(await call('ZUNION', 2, 'za', 'zb', 'AGGREGATE', 'MIN', 'WITHSCORES'), ['a', '1', 'b', '1', 'c', '2', 'd', '3']);
    assert.deepEqual(await call('ZUNION', 2, 'za', 'zb', 'AGGREGATE', 'MAX', 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3', 'd', '3']);
    assert.deepEqual(await call('ZUNION', 2, 'za', 'zb'), ['a', 'b', 'd', 'c']);
    assert.equal(await call('ZINTERSTORE', 'zc', 2, 'za', 'zb'), 2);
    assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['b', '3', 'c', '5']);
    assert.deepEqual(await call('ZINTER', 2, 'za', 'zb', 'WEIGHTS', 2, 3, 'WITHSCORES'), ['b', '7', 'c', '12']);
    assert.deepEqual(await call('ZINTER', 2, 'za', 'zb', 'AGGREGATE', 'MIN', 'WITHSCORES'), ['b', '1', 'c', '2']);
    assert.equal(await call('ZDIFFSTORE', 'zc', 2, 'za', 'zb'), 1);
    assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['a', '1']);
    assert.deepEqual(await call('ZDIFF', 2, 'za', 'zb', 'WITHSCORES'), ['a', '1']);
    assert.deepEqual(await call('ZDIFF', 2, 'za', 'za'), []);
    assert.deepEqual(await call('ZDIFF', 1, 'za'), ['a', 'b', 'c']);
    assert.equal(await call('ZINTERCARD', 2, 'za', 'zb'), 2);
    assert.equal(await call('ZINTERCARD', 2, 'za', 'zb', 'LIMIT', 0), 2);
    assert.equal(await call('ZINTERCARD', 2, 'za', 'zb', 'LIMIT', 1), 1);
    assert.equal(await call('ZINTERCARD', 2, 'za', 'zb', 'LIMIT', 10), 2);
    // The same key twice.
    assert.deepEqual(await call('ZUNION', 2, 'za', 'za', 'WITHSCORES'), ['a', '2', 'b', '4', 'c', '6']);
    assert.deepEqual(await call('ZINTER', 2, 'za', 'za', 'WEIGHTS', 1, 2, 'WITHSCORES'), ['a', '3', 'b', '6', 'c', '9']);
  });

  bothEncodings('missing and empty inputs', async () => {
    await call('ZADD', 'za', 1, 'a', 2, 'b');
    assert.deepEqual(await call('ZUNION', 1, 'nokey'), []);
    assert.deepEqual(await call('ZINTER', 1, 'nokey'), []);
    assert.equal(await call('ZINTERCARD', 1, 'nokey'), 0);
    assert.equal(await call('ZINTERCARD', 1, 'nokey', 'LIMIT', 0), 0);
    assert.deepEqual(await call('ZDIFF', 1, 'nokey'), []);
    assert.deepEqual(await call('ZUNION', 2, 'za', 'nokey', 'WITHSCORES'), ['a', '1', 'b', '2']);
    assert.deepEqual(await call('ZINTER', 2, 'za', 'nokey'), []);
    assert.deepEqual(await call('ZDIFF', 2, 'za', 'nokey', 'WITHSCORES'), ['a', '1', 'b', '2']);
    assert.equal(await call('ZUNIONSTORE', 'dst', 1, 'nokey'), 0);
    assert.equal(await call('EXISTS', 'dst'), 0);
    await call('ZADD', 'dst', 1, 'x');
    assert.equal(await call('ZINTERSTORE', 'dst', 2, 'za', 'nokey'), 0);
    assert.equal(await call('EXISTS', 'dst'), 0);
  });

  test('plain sets count with score 1, in every set encoding', async () => {
    await setup();
    for (const kind of ['intset', 'listpack', 'hashtable']) {
      await call('DEL', 's', 'si');
      if (kind === 'hashtable') {
        await call('CONFIG', 'SET', 'set-max-intset-entries', '0');
        await call('CONFIG', 'SET', 'set-max-listpack-entries', '0');
      }
      if (kind === 'intset') await call('SADD', 'si', 1, 2, 3);
      await call('SADD', 's', 'a', 'b', 'c');
      if (kind === 'intset') {
        await call('ZADD', 'zi', 1, '1', 2, '2', 3, '3', 4, '4', 5, '5');
        assert.deepEqual(await call('ZUNION', 2, 'si', 'zi', 'WITHSCORES'), ['1', '2', '2', '3', '3', '4', '4', '4', '5', '5']);
        assert.deepEqual(await call('ZINTER', 2, 'si', 'zi'), ['1', '2', '3']);
        assert.deepEqual(await call('ZDIFF', 2, 'zi', 'si'), ['4', '5']);
        assert.equal(await call('ZINTERCARD', 2, 'zi', 'si'), 3);
      }
      assert.equal(await call('ZUNIONSTORE', 'zc', 2, 's', 'zb', 'WEIGHTS', 2, 3), 4);
      assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['a', '2', 'b', '5', 'c', '8', 'd', '9']);
      assert.equal(await call('ZINTERSTORE', 'zc', 2, 's', 'zb', 'WEIGHTS', 2, 3), 2);
      assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['b', '5', 'c', '8']);
      assert.equal(await call('ZDIFFSTORE', 'zc', 2, 's', 'zb'), 1);
      assert.deepEqual(await call('ZRANGE', 'zc', 0, -1, 'WITHSCORES'), ['a', '1']);
    }
    await call('CONFIG', 'SET', 'set-max-intset-entries', '512');
    await call('CONFIG', 'SET', 'set-max-listpack-entries', '128');
  });

  test('infinities: inf + -inf sums to 0; NaN products count as 0', async () => {
    await call('ZADD', 'i1', '+inf', 'k');
    await call('ZADD', 'i2', '-inf', 'k');
    await call('ZUNIONSTORE', 'o', 2, 'i1', 'i2');
    assert.equal(await call('ZSCORE', 'o', 'k'), '0');
    await call('ZINTERSTORE', 'o', 2, 'i1', 'i2');
    assert.equal(await call('ZSCORE', 'o', 'k'), '0');
    await call('ZUNIONSTORE', 'o', 2, 'i1', 'i1');
    assert.equal(await call('ZSCORE', 'o', 'k'), 'inf');
    await call('ZUNIONSTORE', 'o', 2, 'i2', 'i2');
    assert.equal(await call('ZSCORE', 'o', 'k'), '-inf');
    await call('ZUNIONSTORE', 'o', 1, 'i1', 'WEIGHTS', 0);
    assert.equal(await call('ZSCORE', 'o', 'k'), '0');
    await call('ZINTERSTORE', 'o', 2, 'i1', 'i2', 'AGGREGATE', 'MAX');
    assert.equal(await call('ZSCORE', 'o', 'k'), 'inf');
  });

  test('errors', async () => {
    await setup();
    await call('SET', 'str', 'x');
    await rejects(call('ZUNION', 2, 'za', 'str'), WRONGTYPE);
    await rejects(call('ZUNIONSTORE', 'o', 2, 'za', 'str'), WRONGTYPE);
    // Keys are looked up before the options are read.
    await rejects(call('ZINTERCARD', 1, 'str', 'LIMIT', -1), WRONGTYPE);
    await rejects(call('ZUNIONSTORE', 'o', 0, 'za'), "ERR at least 1 input key is needed for 'zunionstore' command");
    await rejects(call('ZINTER', 0, 'za'), "ERR at least 1 input key is needed for 'zinter' command");
    await rejects(call('ZINTERCARD', 0, 'za'), "ERR at least 1 input key is needed for 'zintercard' command");
    await rejects(call('ZDIFF', -1, 'za'), "ERR at least 1 input key is needed for 'zdiff' command");
    await rejects(call('ZUNION', 'x', 'za'), NOTINT);
    await rejects(call('ZUNION', 3, 'za', 'zb'), SYNTAX);
    await rejects(call('ZUNION', 2, 'za', 'zb', 'WEIGHTS', 1), SYNTAX);
    await rejects(call('ZUNION', 2, 'za', 'zb', 'WEIGHTS', 1, 'nan'), 'ERR weight value is not a float');
    await rejects(call('ZUNIONSTORE', 'o', 2, 'za', 'zb', 'WEIGHTS', 'nan', 'nan'), 'ERR weight value is not a float');
    await rejects(call('ZUNION', 2, 'za', 'zb', 'AGGREGATE', 'AVG'), SYNTAX);
    await rejects(call('ZUNION', 2, 'za', 'zb', 'AGGREGATE'), SYNTAX);
    await rejects(call('ZDIFF', 2, 'za', 'zb', 'WEIGHTS', 1, 2), SYNTAX);
    await rejects(call('ZDIFF', 2, 'za', 'zb', 'AGGREGATE', 'MIN'), SYNTAX);
    for (const cmd of ['ZUNIONSTORE', 'ZINTERSTORE', 'ZDIFFSTORE']) await rejects(call(cmd, 'o', 2, 'za', 'zb', 'WITHSCORES'), SYNTAX);
    await rejects(call('ZINTERCARD', 1, 'za', 'za'), SYNTAX);
    await rejects(call('ZINTERCARD', 1, 'za', 'LIMIT'), SYNTAX);
    await rejects(call('ZINTERCARD', 1, 'za', 'WITHSCORES'), SYNTAX);
    await rejects(call('ZINTERCARD', 1, 'za', 'LIMIT', -1), "ERR LIMIT can't be negative");
    await rejects(call('ZINTERCARD', 1, 'za', 'LIMIT', 'a'), "ERR LIMIT can't be negative");
  });

  test('RESP3 WITHSCORES pairs', async () => {
    await setup();
    await rawCall('HELLO', 3);
    try {
      assert.equal(await rawCall('ZINTER', 2, 'za', 'zb', 'WITHSCORES'), '*2\r\n*2\r\n$1\r\nb\r\n,3\r\n*2\r\n$1\r\nc\r\n,5\r\n');
      assert.equal(await rawCall('ZDIFF', 2, 'za', 'zb'), '*1\r\n$1\r\na\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });

  test('bigger inputs agree with a model', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const a = new Map<string, number>(), b = new Map<string, number>();
    const argsA: (string | number)[] = [], argsB: (string | number)[] = [];
    for (let i = 0; i < 400; i++) { a.set('m' + i, i); argsA.push(i, 'm' + i); }
    for (let i = 200; i < 700; i += 2) { b.set('m' + i, i * 2); argsB.push(i * 2, 'm' + i); }
    await call('ZADD', 'A', ...argsA);
    await call('ZADD', 'B', ...argsB);
    const inter = [...a.keys()].filter((k) => b.has(k));
    assert.equal(await call('ZINTERCARD', 2, 'A', 'B'), inter.length);
    const union = await call('ZUNION', 2, 'A', 'B', 'WITHSCORES') as string[];
    const model = new Map(a);
    for (const [k, v] of b) model.set(k, (model.get(k) ?? 0) + v);
    assert.equal(union.length, model.size * 2);
    for (let i = 0; i < union.length; i += 2) assert.equal(Number(union[i + 1]), model.get(union[i]!));
    const diff = await call('ZDIFF', 2, 'A', 'B') as string[];
    assert.deepEqual(new Set(diff), new Set([...a.keys()].filter((k) => !b.has(k))));
  });
});

// ====================================================================== ZRANDMEMBER

describe('ZRANDMEMBER', () => {
  bothEncodings('single member, counts, negative counts, WITHSCORES', async () => {
    const contents: Record<string, string> = {};
    const args: (string | number)[] = [];
    for (let i = 0; i < 10; i++) { contents['m' + i] = String(i + 0.5); args.push(i + 0.5, 'm' + i); }
    await call('ZADD', 'z', ...args);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) seen.add(String(await call('ZRANDMEMBER', 'z')));
    assert.equal(seen.size, 10);
    assert.deepEqual(await call('ZRANDMEMBER', 'z', 0), []);
    assert.equal(await rawCall('ZRANDMEMBER', 'z', 0), '*0\r\n');
    // Positive counts: distinct members.
    for (const n of [1, 3, 8, 9]) {
      const got = await call('ZRANDMEMBER', 'z', n) as string[];
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n);
      for (const m of got) assert.ok(m in contents);
      const ws = await call('ZRANDMEMBER', 'z', n, 'WITHSCORES') as string[];
      assert.equal(ws.length, 2 * n);
      for (let i = 0; i < ws.length; i += 2) assert.equal(ws[i + 1], contents[ws[i]!]);
    }
    // Counts at or above the size: everything, from the highest score down.
    const all = await call('ZRANDMEMBER', 'z', 20, 'WITHSCORES') as string[];
    assert.deepEqual(all, (await call('ZREVRANGE', 'z', 0, -1, 'WITHSCORES')) as string[]);
    // Negative counts: repetitions allowed, exactly |count| members.
    const rep = await call('ZRANDMEMBER', 'z', -50) as string[];
    assert.equal(rep.length, 50);
    for (const m of rep) assert.ok(m in contents);
    const rws = await call('ZRANDMEMBER', 'z', -5, 'WITHSCORES') as string[];
    assert.equal(rws.length, 10);
    for (let i = 0; i < rws.length; i += 2) assert.equal(rws[i + 1], contents[rws[i]!]);
  });

  test('missing key, errors, RESP3', async () => {
    assert.equal(await call('ZRANDMEMBER', 'nokey'), null);
    assert.equal(await rawCall('ZRANDMEMBER', 'nokey', 5), '*0\r\n');
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    await rejects(call('ZRANDMEMBER', 'z', -9223372036854770000n.toString(), 'WITHSCORES'), 'ERR value is out of range');
    await rejects(call('ZRANDMEMBER', 'z', '-9223372036854775808', 'WITHSCORES'), 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    await rejects(call('ZRANDMEMBER', 'z', '-9223372036854775808'), 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    await rejects(call('ZRANDMEMBER', 'z', 'x'), NOTINT);
    await rejects(call('ZRANDMEMBER', 'z', 1, 'foo'), SYNTAX);
    await rejects(call('ZRANDMEMBER', 'z', 1, 'WITHSCORES', 'x'), SYNTAX);
    await call('SET', 's', 'x');
    await rejects(call('ZRANDMEMBER', 's'), WRONGTYPE);
    await rejects(call('ZRANDMEMBER', 's', 2), WRONGTYPE);
    await rawCall('HELLO', 3);
    try {
      assert.match(await rawCall('ZRANDMEMBER', 'z', 1, 'WITHSCORES'), /^\*1\r\n\*2\r\n\$1\r\n[abc]\r\n,[123]\r\n$/);
      assert.match(await rawCall('ZRANDMEMBER', 'z', 2), /^\*2\r\n\$1\r\n[abc]\r\n\$1\r\n[abc]\r\n$/);
      assert.equal(await rawCall('ZRANDMEMBER', 'nokey'), '_\r\n');
    } finally {
      await rawCall('HELLO', 2);
    }
  });

  test('a big skiplist: unique samples in all size regimes', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const args: (string | number)[] = [];
    for (let i = 0; i < 1000; i++) args.push(i, 'e' + i);
    await call('ZADD', 'z', ...args);
    for (const n of [5, 300, 400, 999]) {
      const got = await call('ZRANDMEMBER', 'z', n) as string[];
      assert.equal(got.length, n);
      assert.equal(new Set(got).size, n);
    }
  });
});

// ====================================================================== ZSCAN

describe('ZSCAN', () => {
  test('listpack: everything in one call, cursor 0, scores as stored', async () => {
    await call('ZADD', 'z', '0.1', 'a', '1e20', 'b', 3, 'c', '-inf', 'd');
    assert.deepEqual(await call('ZSCAN', 'z', 0), ['0', ['d', '-inf', 'a', '0.1', 'c', '3', 'b', '1e+20']]);
    assert.deepEqual(await call('ZSCAN', 'z', 0, 'MATCH', '[ab]', 'COUNT', 1), ['0', ['a', '0.1', 'b', '1e+20']]);
    assert.deepEqual(await call('ZSCAN', 'z', 0, 'NOSCORES'), ['0', ['d', 'a', 'c', 'b']]);
    assert.deepEqual(await call('ZSCAN', 'nokey', 0), ['0', []]);
  });

  test('skiplist: a cursor walk returns every member once, %.17g scores', async () => {
    await call('CONFIG', 'SET', 'zset-max-listpack-entries', '0');
    const args: (string | number)[] = [];
    for (let i = 0; i < 500; i++) args.push(i + 0.1, 'm' + i);
    await call('ZADD', 'z', ...args);
    const seen = new Map<string, string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, items] = await call('ZSCAN', 'z', cursor, 'COUNT', 20) as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.set(items[i]!, items[i + 1]!);
      cursor = next;
      rounds++;
    } while (cursor !== '0');
    assert.ok(rounds > 5);
    assert.equal(seen.size, 500);
    assert.equal(seen.get('m0'), '0.10000000000000001');
    assert.equal(seen.get('m3'), '3.1000000000000001');
    // MATCH and NOSCORES.
    const matched = new Set<string>();
    cursor = '0';
    do {
      const [next, items] = await call('ZSCAN', 'z', cursor, 'MATCH', 'm1?', 'NOSCORES') as [string, string[]];
      for (const m of items) matched.add(m);
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual([...matched].sort(), Array.from({ length: 10 }, (_, i) => 'm1' + i).sort());
  });

  test('errors', async () => {
    await call('ZADD', 'z', 1, 'a');
    await rejects(call('ZSCAN', 'z', 'x'), 'ERR invalid cursor');
    await rejects(call('ZSCAN', 'z', -1), 'ERR invalid cursor');
    await rejects(call('ZSCAN', 'z', 0, 'COUNT', 0), SYNTAX);
    await rejects(call('ZSCAN', 'z', 0, 'COUNT', 'x'), NOTINT);
    await rejects(call('ZSCAN', 'z', 0, 'TYPE', 'zset'), SYNTAX);
    await rejects(call('ZSCAN', 'z', 0, 'MATCH'), SYNTAX);
    await rejects(call('ZSCAN', 'z', 0, 'NOVALUES'), 'ERR NOVALUES option can only be used in HSCAN');
    await call('SET', 's', 'x');
    await rejects(call('ZSCAN', 's', 0), WRONGTYPE);
    // A missing key replies before the options are looked at.
    assert.deepEqual(await call('ZSCAN', 'nokey', 0, 'COUNT', 0), ['0', []]);
  });
});

// ====================================================================== keyspace events

describe('keyspace events', () => {
  const zev = () => events.filter(([, e]) => e !== 'expired');

  test('one event per write, with del when a key empties', async () => {
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    await call('ZADD', 'z', 1, 'a'); // no change: no event
    await call('ZADD', 'z', 'NX', 5, 'a');
    await call('ZINCRBY', 'z', 1, 'a');
    await call('ZADD', 'z', 'INCR', 1, 'a');
    await call('ZREM', 'z', 'nope');
    await call('ZREM', 'z', 'a');
    assert.deepEqual(zev(), [['z', 'zadd', NOTIFY_ZSET], ['z', 'zincr', NOTIFY_ZSET], ['z', 'zincr', NOTIFY_ZSET], ['z', 'zrem', NOTIFY_ZSET]]);
    events.length = 0;
    await call('ZREMRANGEBYSCORE', 'z', 10, 20);
    await call('ZREMRANGEBYSCORE', 'z', 2, 2);
    await call('ZREMRANGEBYRANK', 'z', 0, 0);
    assert.deepEqual(zev(), [['z', 'zremrangebyscore', NOTIFY_ZSET], ['z', 'zremrangebyrank', NOTIFY_ZSET], ['z', 'del', NOTIFY_GENERIC]]);
    events.length = 0;
    await call('ZADD', 'l', 0, 'a', 0, 'b');
    await call('ZREMRANGEBYLEX', 'l', '-', '+');
    await call('ZADD', 'p', 0, 'a', 1, 'b', 2, 'c');
    await call('ZPOPMIN', 'p', 2);
    await call('ZPOPMAX', 'p');
    await call('ZPOPMAX', 'p');
    assert.deepEqual(zev(), [
      ['l', 'zadd', NOTIFY_ZSET], ['l', 'zremrangebylex', NOTIFY_ZSET], ['l', 'del', NOTIFY_GENERIC],
      ['p', 'zadd', NOTIFY_ZSET], ['p', 'zpopmin', NOTIFY_ZSET], ['p', 'zpopmax', NOTIFY_ZSET], ['p', 'del', NOTIFY_GENERIC],
    ]);
  });

  test('stores and blocking pops', async () => {
    await call('ZADD', 'a', 1, 'x');
    events.length = 0;
    await call('ZUNIONSTORE', 'd', 1, 'a');
    await call('ZINTERSTORE', 'd', 1, 'a');
    await call('ZDIFFSTORE', 'd', 1, 'a');
    await call('ZRANGESTORE', 'd', 'a', 0, -1);
    await call('ZINTERSTORE', 'd', 2, 'a', 'nokey');
    await call('ZINTERSTORE', 'd', 2, 'a', 'nokey'); // nothing to delete: no event
    assert.deepEqual(zev(), [
      ['d', 'zunionstore', NOTIFY_ZSET], ['d', 'zinterstore', NOTIFY_ZSET], ['d', 'zdiffstore', NOTIFY_ZSET],
      ['d', 'zrangestore', NOTIFY_ZSET], ['d', 'del', NOTIFY_GENERIC],
    ]);
    events.length = 0;
    const c = await send('BZPOPMIN', 'b', 0);
    await waitBlocked(1);
    await call('ZADD', 'b', 1, 'v');
    await c.reply();
    assert.deepEqual(zev(), [['b', 'zadd', NOTIFY_ZSET], ['b', 'zpopmin', NOTIFY_ZSET], ['b', 'del', NOTIFY_GENERIC]]);
    events.length = 0;
    await call('ZADD', 'm', 1, 'v', 2, 'w');
    await call('ZMPOP', 1, 'm', 'MAX', 'COUNT', 5);
    assert.deepEqual(zev(), [['m', 'zadd', NOTIFY_ZSET], ['m', 'zpopmax', NOTIFY_ZSET], ['m', 'del', NOTIFY_GENERIC]]);
  });

  test('dirty counter counts each changed element', async () => {
    const ks = srv.server.ks;
    const d0 = ks.dirty;
    await call('ZADD', 'z', 1, 'a', 2, 'b', 3, 'c');
    assert.equal(ks.dirty - d0, 3);
    const d1 = ks.dirty;
    await call('ZREM', 'z', 'a', 'b');
    assert.equal(ks.dirty - d1, 2);
    const d2 = ks.dirty;
    await call('ZPOPMIN', 'z', 5);
    assert.equal(ks.dirty - d2, 1);
  });
});
