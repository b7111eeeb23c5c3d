// SORT / SORT_RO over real sockets: lists, sets and sorted sets; BY (keys, hash fields,
// constants), GET (#, keys, hash fields, missing values), LIMIT clamping, ASC/DESC, ALPHA,
// numeric parsing and its errors, STORE (encoding, TTL, events, deletion on empty results),
// and the key positions COMMAND GETKEYS reports.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand } from '../bench/resp.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../src/store/types.js';
import { err } from './helpers.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
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
  srv.server.ks.flushAll(false);
  await r.call('CONFIG', 'SET', 'list-max-listpack-size', '-2', 'set-max-intset-entries', '512');
  events.length = 0;
});

const evs = (): string[] => events.filter((e) => e[1] !== 'flushall').map((e) => `${e[1]}:${e[0]}`);
const exists = (k: string): boolean => srv.server.ks.dbs[0]!.existsNoSideEffects(Buffer.from(k));
const SYNTAX = 'ERR syntax error';
const NOTDOUBLE = "ERR One or more scores can't be converted into double";

/** Random distinct weights per element; returns the elements in weight order. */
async function dataset(n: number, cmd: 'RPUSH' | 'SADD' | 'ZADD'): Promise<string[]> {
  const weights = new Map<string, number>();
  const used = new Set<number>();
  for (let i = 0; i < n; i++) {
    let w: number;
    do { w = Math.random() < 0.5 ? Math.floor(Math.random() * 1e6) : Math.random(); } while (used.has(w));
    used.add(w);
    weights.set(String(i), w);
    if (cmd === 'ZADD') await r.call('ZADD', 'tosort', String(n - i), String(i));
    else await r.call(cmd, 'tosort', String(i));
    await r.call('SET', `weight_${i}`, String(w));
    await r.call('HSET', `wobj_${i}`, 'weight', String(w));
  }
  return [...weights.keys()].sort((a, b) => weights.get(a)! - weights.get(b)!);
}

describe('SORT by weights', () => {
  for (const [cmd, n, encName] of [
    ['RPUSH', 16, 'listpack'], ['RPUSH', 300, 'quicklist'], ['SADD', 16, 'intset'], ['SADD', 100, 'hashtable'],
    ['ZADD', 16, 'listpack'], ['ZADD', 200, 'skiplist'],
  ] as const) {
    test(`${cmd} ${n} (${encName}): BY key, BY hash field, LIMIT`, async () => {
      await r.call('CONFIG', 'SET', 'list-max-listpack-size', '16', 'set-max-intset-entries', '32');
      const expected = await dataset(n, cmd);
      if (cmd !== 'ZADD') assert.equal(await r.call('OBJECT', 'ENCODING', 'tosort'), encName);
      assert.deepEqual(await r.call('SORT', 'tosort', 'BY', 'weight_*'), expected);
      assert.deepEqual(await r.call('SORT', 'tosort', 'BY', 'weight_*', 'LIMIT', '5', '5'), expected.slice(5, 10));
      assert.deepEqual(await r.call('SORT', 'tosort', 'BY', 'wobj_*->weight'), expected);
      assert.deepEqual(await r.call('SORT', 'tosort', 'BY', 'weight_*', 'DESC'), expected.slice().reverse());
      assert.deepEqual(await r.call('SORT_RO', 'tosort', 'BY', 'wobj_*->weight'), expected);
    });
  }
});

describe('SORT basics', () => {
  test('numeric and ALPHA, ASC and DESC', async () => {
    await r.call('RPUSH', 'l', '3', '1', '2', '10', '-5', '2.5', '1e2');
    assert.deepEqual(await r.call('SORT', 'l'), ['-5', '1', '2', '2.5', '3', '10', '1e2']);
    assert.deepEqual(await r.call('SORT', 'l', 'DESC'), ['1e2', '10', '3', '2.5', '2', '1', '-5']);
    assert.deepEqual(await r.call('SORT', 'l', 'ALPHA'), ['-5', '1', '10', '1e2', '2', '2.5', '3']);
    assert.deepEqual(await r.call('SORT', 'l', 'alpha', 'desc', 'asc'), ['-5', '1', '10', '1e2', '2', '2.5', '3']);
    await r.call('RPUSH', 'f', '1.1', '5.10', '3.10', '7.44', '2.1', '5.75', '6.12', '0.25', '1.15');
    assert.deepEqual(await r.call('SORT', 'f'), ['0.25', '1.1', '1.15', '2.1', '3.10', '5.10', '5.75', '6.12', '7.44']);
  });

  test('equal scores sort by the element bytes', async () => {
    const els = ['a', 'b', 'c', 'd', 'e', 'aa', 'aaa', 'azz', 'z'];
    await r.call('SADD', 's', ...els);
    assert.deepEqual(await r.call('SORT', 's', 'BY', 'score:*'), els.slice().sort());
  });

  test('strtod rules: blanks first, empty as 0, inf; NaN, trailing text, overflow are errors', async () => {
    await r.call('RPUSH', 'a', ' 1', '', '-inf', '0x10', '+inf', '.5');
    assert.deepEqual(await r.call('SORT', 'a'), ['-inf', '', '.5', ' 1', '0x10', '+inf']);
    for (const bad of ['1 ', 'nan', 'abc', '1e400', '1e-400', '   ', '1x']) {
      await r.call('DEL', 'b');
      await r.call('RPUSH', 'b', '1', bad);
      assert.equal(await err(r.call('SORT', 'b')), NOTDOUBLE, JSON.stringify(bad));
    }
    // BY values are checked the same way; a missing BY key is 0.
    await r.call('SADD', 's', '1', '2', '3', '4');
    await r.call('MSET', 'score:1', '10', 'score:2', '20', 'score:3', '30', 'score:4', 'not-a-double');
    assert.equal(await err(r.call('SORT', 's', 'BY', 'score:*')), NOTDOUBLE);
    await r.call('DEL', 'score:4');
    assert.deepEqual(await r.call('SORT', 's', 'BY', 'score:*'), ['4', '1', '2', '3']);
    // No conversion when not sorting, or sorting ALPHA.
    await r.call('RPUSH', 'x', '1', 'zz');
    assert.deepEqual(await r.call('SORT', 'x', 'BY', 'nosort'), ['1', 'zz']);
    assert.deepEqual(await r.call('SORT', 'x', 'ALPHA'), ['1', 'zz']);
  });

  test('missing key sorts as an empty list; wrong types; syntax errors', async () => {
    assert.deepEqual(await r.call('SORT', 'nokey'), []);
    await r.call('SET', 'str', 'x');
    await r.call('HSET', 'h', 'f', 'v');
    assert.match(await err(r.call('SORT', 'str')), /^WRONGTYPE/);
    assert.match(await err(r.call('SORT', 'h')), /^WRONGTYPE/);
    await r.call('RPUSH', 'l', '1');
    assert.equal(await err(r.call('SORT', 'l', 'foo')), SYNTAX);
    assert.equal(await err(r.call('SORT', 'l', 'LIMIT', '1')), SYNTAX);
    assert.equal(await err(r.call('SORT', 'l', 'BY')), SYNTAX);
    assert.equal(await err(r.call('SORT', 'l', 'GET')), SYNTAX);
    assert.equal(await err(r.call('SORT', 'l', 'STORE')), SYNTAX);
    assert.equal(await err(r.call('SORT', 'l', 'LIMIT', 'a', '1')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('SORT', 'l', 'LIMIT', '1', '1.5')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('SORT_RO', 'l', 'STORE', 'dst')), SYNTAX);
    // Options are checked before the key type.
    assert.equal(await err(r.call('SORT', 'str', 'foo')), SYNTAX);
  });

  test('LIMIT clamping', async () => {
    await r.call('RPUSH', 'l', '5', '4', '3', '2', '1');
    const cases: [string, string, string[]][] = [
      ['0', '0', []], ['-5', '2', ['1', '2']], ['3', '100', ['4', '5']], ['100', '1', []],
      ['2', '9223372036854775807', ['3', '4', '5']], ['-9223372036854775808', '1', ['1']],
      ['1', '-5', ['2', '3', '4', '5']], ['4', '1', ['5']], ['5', '1', []],
    ];
    for (const [s, n, exp] of cases) assert.deepEqual(await r.call('SORT', 'l', 'LIMIT', s, n), exp, `${s} ${n}`);
    assert.deepEqual(await r.call('SORT', 'nokey', 'LIMIT', '0', '10'), []);
  });
});

describe('BY nosort keeps native order', () => {
  test('lists: order, DESC, LIMIT', async () => {
    await r.call('LPUSH', 'l', '2', '1', '4', '3', '5');
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'nosort'), ['5', '3', '4', '1', '2']);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'nosort', 'DESC'), ['2', '1', '4', '3', '5']);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'nosort', 'LIMIT', '1', '2'), ['3', '4']);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '2'), ['1', '4']);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'nosort', 'DESC', 'LIMIT', '4', '20'), ['5']);
    assert.equal(await r.call('SORT', 'l', 'BY', 'nosort', 'LIMIT', '0', '3', 'STORE', 'dst'), 3);
    assert.deepEqual(await r.call('LRANGE', 'dst', '0', '-1'), ['5', '3', '4']);
  });
  test('sorted sets: score order, DESC, LIMIT', async () => {
    await r.call('ZADD', 'z', '1', 'a', '5', 'b', '2', 'c', '10', 'd', '3', 'e');
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'ASC'), ['a', 'c', 'e', 'b', 'd']);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'DESC'), ['d', 'b', 'e', 'c', 'a']);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'LIMIT', '0', '1'), ['a']);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '0', '2'), ['d', 'b']);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'DESC', 'LIMIT', '1', '3'), ['b', 'e', 'c']);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'LIMIT', '5', '10'), []);
    assert.deepEqual(await r.call('SORT', 'z', 'BY', 'nosort', 'LIMIT', '-10', '100'), ['a', 'c', 'e', 'b', 'd']);
    assert.deepEqual(await r.call('SORT', 'z', 'ALPHA', 'DESC'), ['e', 'd', 'c', 'b', 'a']);
  });
  test('SORT converts a listpack sorted set to a skiplist, as Valkey does', async () => {
    await r.call('ZADD', 'z', '1', 'a');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'z'), 'listpack');
    await r.call('SORT_RO', 'z', 'ALPHA');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'z'), 'skiplist');
  });
  test('sets: not sorted unless stored (then ALPHA, deterministic)', async () => {
    const els = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't', 'u', 'v', 'z', 'aa', 'aaa', 'azz'];
    await r.call('SADD', 's', ...els);
    assert.deepEqual(((await r.call('SORT', 's', 'BY', 'nosort')) as string[]).slice().sort(), els.slice().sort());
    await r.call('SORT', 's', 'ALPHA', 'BY', '_', 'STORE', 'dst');
    assert.deepEqual(await r.call('LRANGE', 'dst', '0', '-1'), els.slice().sort());
  });
});

describe('GET', () => {
  test('#, keys, hash fields, constants and missing values', async () => {
    await r.call('RPUSH', 'l', '3', '1', '2');
    await r.call('MSET', 'w_1', '10', 'w_2', '20');
    await r.call('HSET', 'h_1', 'f', 'x');
    await r.call('HSET', 'h_3', 'f', 'z', 'g', 'gg');
    assert.deepEqual(await r.call('SORT', 'l', 'GET', '#'), ['1', '2', '3']);
    assert.deepEqual(await r.call('SORT', 'l', 'GET', 'w_*', 'GET', '#', 'GET', 'h_*->f'),
      ['10', '1', 'x', '20', '2', null, null, '3', 'z']);
    assert.deepEqual(await r.call('SORT', 'l', 'GET', 'foo'), [null, null, null]);
    assert.deepEqual(await r.call('SORT_RO', 'l', 'GET', 'foo'), [null, null, null]);
    // A hash key read as a string, a string read as a hash: nil.
    assert.deepEqual(await r.call('SORT', 'l', 'GET', 'h_*', 'LIMIT', '0', '1'), [null]);
    assert.deepEqual(await r.call('SORT', 'l', 'GET', 'w_*->f', 'LIMIT', '0', '1'), [null]);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'h_*->g', 'ALPHA', 'GET', 'h_*->g'), [null, null, 'gg']);
    assert.equal(await err(r.call('SORT', 'l', 'BY', 'h_*->g', 'GET', 'h_*->g')), NOTDOUBLE);
  });
  test('a pattern ending with "->" names a plain key; only the first * is substituted', async () => {
    await r.call('RPUSH', 'l', 'a');
    await r.call('SET', 'x:a->', '100');
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'num', 'GET', 'x:*->'), ['100']);
    assert.deepEqual(await r.call('SORT_RO', 'l', 'BY', 'nosort', 'GET', 'x:*->'), ['100']);
    await r.call('SET', 'p_a_*', 'star');
    assert.deepEqual(await r.call('SORT', 'l', 'ALPHA', 'GET', 'p_*_*'), ['star']);
  });
  test('GET values and BY weights keep in step (sanity check)', async () => {
    const expected = await dataset(16, 'RPUSH');
    const l1 = (await r.call('SORT', 'tosort', 'GET', '#', 'GET', 'weight_*')) as string[];
    const l2 = (await r.call('SORT', 'tosort', 'GET', '#', 'GET', 'wobj_*->weight')) as string[];
    for (let i = 0; i < l1.length; i += 2) {
      assert.equal(l1[i], l2[i]);
      assert.equal(l1[i + 1], await r.call('GET', `weight_${l1[i]}`));
      assert.equal(l2[i + 1], l1[i + 1]);
    }
    assert.deepEqual(await r.call('SORT', 'tosort', 'BY', 'weight_*', 'GET', '#'), expected);
  });
  test('ALPHA BY: missing values sort first', async () => {
    await r.call('RPUSH', 'l', '1', '2', '3');
    await r.call('MSET', 'k_1', 'b', 'k_3', 'a');
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'k_*', 'ALPHA'), ['2', '3', '1']);
    assert.deepEqual(await r.call('SORT', 'l', 'BY', 'k_*', 'ALPHA', 'DESC'), ['1', '3', '2']);
  });
});

describe('STORE', () => {
  test('stores a list, replacing any value and its TTL; event and dirty', async () => {
    await r.call('RPUSH', 'l', '3', '1', '2');
    await r.call('SET', 'dst', 'x', 'EX', '100');
    const d0 = srv.server.ks.dirty;
    events.length = 0;
    assert.equal(await r.call('SORT', 'l', 'STORE', 'dst'), 3);
    assert.deepEqual(await r.call('LRANGE', 'dst', '0', '-1'), ['1', '2', '3']);
    assert.equal(await r.call('TTL', 'dst'), -1);
    assert.deepEqual(evs(), ['sortstore:dst']);
    assert.equal(events[0]![2], NOTIFY_LIST);
    assert.equal(srv.server.ks.dirty, d0 + 3);
    // GET values go in order; missing ones as empty strings.
    await r.call('SET', 'w_1', 'one');
    assert.equal(await r.call('SORT', 'l', 'GET', '#', 'GET', 'w_*', 'STORE', 'dst'), 6);
    assert.deepEqual(await r.call('LRANGE', 'dst', '0', '-1'), ['1', 'one', '2', '', '3', '']);
    // The source itself can be the destination; the last STORE wins.
    assert.equal(await r.call('SORT', 'l', 'DESC', 'STORE', 'nowhere', 'STORE', 'l'), 3);
    assert.deepEqual(await r.call('LRANGE', 'l', '0', '-1'), ['3', '2', '1']);
    assert.ok(!exists('nowhere'));
  });
  test('an empty result stores nothing and deletes the destination', async () => {
    assert.equal(await r.call('SORT', 'foo', 'STORE', 'bar'), 0);
    assert.ok(!exists('bar'));
    await r.call('RPUSH', 'foo', 'bar');
    assert.equal(await r.call('SORT', 'foo', 'ALPHA', 'LIMIT', '10', '10', 'STORE', 'zap'), 0);
    assert.ok(!exists('zap'));
    events.length = 0;
    assert.equal(await r.call('SORT', 'emptylist', 'STORE', 'foo'), 0);
    assert.ok(!exists('foo'));
    assert.deepEqual(evs(), ['del:foo']);
    assert.equal(events[0]![2], NOTIFY_GENERIC);
  });
  test('a conversion error stores nothing', async () => {
    await r.call('RPUSH', 'l', '1', 'x');
    await r.call('SET', 'dst', 'keep');
    assert.equal(await err(r.call('SORT', 'l', 'STORE', 'dst')), NOTDOUBLE);
    assert.equal(await r.call('GET', 'dst'), 'keep');
  });
  test('stored list encoding follows list-max-listpack-size', async () => {
    await r.call('CONFIG', 'SET', 'list-max-listpack-size', '16');
    await r.call('RPUSH', 'l', ...Array.from({ length: 16 }, (_, i) => String(i)));
    await r.call('SORT', 'l', 'STORE', 'small');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'small'), 'listpack');
    await r.call('RPUSH', 'l', '99');
    await r.call('SORT', 'l', 'STORE', 'big');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'big'), 'quicklist');
    assert.equal(await r.call('LLEN', 'big'), 17);
    await r.call('CONFIG', 'SET', 'list-max-listpack-size', '-1');
    await r.call('CONFIG', 'SET', 'list-compress-depth', '12');
    await r.call('RPUSH', 'ones', ...'1'.repeat(6000).split(''));
    await r.call('SORT', 'ones', 'STORE', 'ql');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'ql'), 'quicklist');
    assert.match((await r.call('DEBUG', 'OBJECT', 'ql')) as string, /ql_listpack_max:-1 ql_compressed:1/);
    await r.call('CONFIG', 'SET', 'list-compress-depth', '0');
  });
});

describe('RESP3 and key positions', () => {
  test('replies are arrays with nulls for missing GET values', async () => {
    await raw.write(encodeCommand(['HELLO', '3']));
    await raw.raw();
    await raw.write(encodeCommand(['RPUSH', 'l', '1']));
    await raw.raw();
    await raw.write(encodeCommand(['SORT', 'l', 'GET', '#', 'GET', 'nokey_*']));
    assert.equal(await raw.raw(), '*2\r\n$1\r\n1\r\n_\r\n');
    await raw.write(encodeCommand(['HELLO', '2']));
    await raw.raw();
  });
  test('COMMAND GETKEYS', async () => {
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'sort', 'abc', 'store', 'def'), ['abc', 'def']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'sort_ro', 'abc'), ['abc']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'sort', 'abc', 'store', 'invalid', 'store', 'stillbad', 'store', 'def'), ['abc', 'def']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'sort', 'abc', 'by', 'store', 'get', 'store'), ['abc']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'sort', 'abc', 'limit', '0', '1', 'store', 'x'), ['abc', 'x']);
  });
});
