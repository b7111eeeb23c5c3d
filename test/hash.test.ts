// The HASH family over real sockets: every command, option, edge case and error path, with the
// replies Valkey 9 sends — including field expiration (HEXPIRE family, HTTL family, HPERSIST,
// HSETEX, HGETEX), lazy hiding of expired fields, the active expiry job, and the key going away
// with its last field. Server state the replies cannot show (keyspace events, expired_fields,
// propagated argv) is inspected in-process.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand, sleep } from '../bench/resp.js';
import { ENC_HT, ENC_LISTPACK, NOTIFY_GENERIC, NOTIFY_HASH, OBJ_HASH } from '../src/store/types.js';
import { HashObject } from '../src/ds/hash.js';
import { err } from './helpers.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
const events: [string, string, number, number][] = [];

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  raw = await RawConn.connect(srv.port);
  srv.server.ks.onChange((db, key, event, cls) => { events.push([key ? key.toString('latin1') : '', event, cls, db]); });
});

after(async () => {
  r.disconnect();
  raw.close();
  await srv.close();
});

beforeEach(async () => {
  srv.server.ks.flushAll(false);
  srv.server.activeExpireEnabled = true;
  await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '128');
  await r.call('CONFIG', 'SET', 'hash-max-listpack-value', '64');
  events.length = 0;
});

const db = (i = 0) => srv.server.ks.dbs[i]!;
const addr = (key: string, i = 0) => db(i).findRaw(Buffer.from(key));
const enc = (key: string): number => srv.server.ks.arena.encoding(addr(key));
const obj = (key: string, i = 0): HashObject => db(i).object<HashObject>(addr(key, i));
const exists = (key: string, i = 0): boolean => db(i).existsNoSideEffects(Buffer.from(key));
const evs = () => events.filter((e) => e[1] !== 'flushall').map((e) => `${e[1]}:${e[0]}`);
const expiredFields = () => srv.server.ks.stats.expiredSubkeys;

/** Sends a command on the raw connection and returns the reply bytes as text. */
async function rawText(...args: (string | number)[]): Promise<string> {
  await raw.write(encodeCommand(args));
  return raw.raw();
}
async function waitFor(cond: () => boolean | Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await sleep(20);
  }
  assert.fail('condition not met in time');
}
async function volatileKeys(dbi = 0): Promise<number> {
  const info = String(await r.call('INFO', 'keyspace'));
  const m = new RegExp(`db${dbi}:.*keys_with_volatile_items=(\\d+)`).exec(info);
  return m ? Number(m[1]) : 0;
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const NOTINT = 'ERR value is not an integer or out of range';
const NUMFIELDS = 'ERR numfields should be greater than 0 and match the provided number of fields';

describe('HSET / HMSET / HSETNX', () => {
  test('HSET counts new fields, updates others, HMSET replies OK', async () => {
    assert.equal(await r.call('HSET', 'h', 'a', '1', 'b', '2'), 2);
    assert.equal(await r.call('HSET', 'h', 'a', '10', 'c', '3'), 1);
    assert.equal(await r.call('HMSET', 'h', 'd', '4', 'a', '11'), 'OK');
    assert.equal(await r.call('HGET', 'h', 'a'), '11');
    assert.equal(await r.call('HLEN', 'h'), 4);
    // The same field twice in one call: counted once, last value wins.
    assert.equal(await r.call('HSET', 'g', 'x', '1', 'x', '2'), 1);
    assert.equal(await r.call('HGET', 'g', 'x'), '2');
    assert.deepEqual(evs(), ['hset:h', 'hset:h', 'hset:h', 'hset:g']);
    assert.ok(events.every((e) => e[2] === NOTIFY_HASH));
  });

  test('wrong number of arguments (odd pairs) and arity', async () => {
    assert.equal(await err(r.call('HSET', 'h', 'a', '1', 'b')), "ERR wrong number of arguments for 'hset' command");
    assert.equal(await err(r.call('HMSET', 'h', 'a', '1', 'b')), "ERR wrong number of arguments for 'hmset' command");
    assert.equal(await err(r.call('HSET', 'h', 'a')), "ERR wrong number of arguments for 'hset' command");
    assert.equal(exists('h'), false);
  });

  test('HSETNX sets only missing fields', async () => {
    assert.equal(await r.call('HSETNX', 'h', 'a', '1'), 1);
    assert.equal(await r.call('HSETNX', 'h', 'a', '2'), 0);
    assert.equal(await r.call('HGET', 'h', 'a'), '1');
    assert.equal(await r.call('HSETNX', 'h', 'b', '2'), 1);
    assert.deepEqual(evs(), ['hset:h', 'hset:h']);
  });

  test('binary and empty fields and values', async () => {
    const bin = Buffer.from([0, 255, 13, 10, 1, 2]);
    await r.call('HSET', 'h', bin, bin, '', '', 'e', '');
    assert.deepEqual(await r.callBuffer('HGET', 'h', bin), bin);
    assert.equal(await r.call('HGET', 'h', ''), '');
    assert.equal(await r.call('HSTRLEN', 'h', 'e'), 0);
    assert.equal(await r.call('HEXISTS', 'h', ''), 1);
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '0');
    await r.call('HSET', 'k', bin, bin);
    assert.equal(enc('k'), ENC_HT);
    assert.deepEqual(await r.callBuffer('HGET', 'k', bin), bin);
    const all = await r.callBuffer('HGETALL', 'k') as Buffer[];
    assert.deepEqual(all, [bin, bin]);
  });

  test('every command against a wrong type', async () => {
    await r.call('SET', 's', 'v');
    const cmds: string[][] = [
      ['HSET', 's', 'a', '1'], ['HMSET', 's', 'a', '1'], ['HSETNX', 's', 'a', '1'], ['HGET', 's', 'a'],
      ['HMGET', 's', 'a'], ['HGETALL', 's'], ['HKEYS', 's'], ['HVALS', 's'], ['HLEN', 's'], ['HSTRLEN', 's', 'a'],
      ['HEXISTS', 's', 'a'], ['HDEL', 's', 'a'], ['HINCRBY', 's', 'a', '1'], ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HRANDFIELD', 's'], ['HRANDFIELD', 's', '2'], ['HSCAN', 's', '0'], ['HEXPIRE', 's', '10', 'FIELDS', '1', 'a'],
      ['HPEXPIRE', 's', '10', 'FIELDS', '1', 'a'], ['HEXPIREAT', 's', '10', 'FIELDS', '1', 'a'],
      ['HPEXPIREAT', 's', '10', 'FIELDS', '1', 'a'], ['HTTL', 's', 'FIELDS', '1', 'a'], ['HPTTL', 's', 'FIELDS', '1', 'a'],
      ['HEXPIRETIME', 's', 'FIELDS', '1', 'a'], ['HPEXPIRETIME', 's', 'FIELDS', '1', 'a'],
      ['HPERSIST', 's', 'FIELDS', '1', 'a'], ['HSETEX', 's', 'FIELDS', '1', 'a', 'b'], ['HGETEX', 's', 'FIELDS', '1', 'a'],
    ];
    for (const c of cmds) assert.equal(await err(r.call(c[0]!, ...c.slice(1))), WRONGTYPE, c.join(' '));
    assert.equal(await r.call('GET', 's'), 'v');
  });
});

describe('reads', () => {
  test('HGET / HMGET / HEXISTS / HSTRLEN / HLEN on present and missing keys and fields', async () => {
    await r.call('HSET', 'h', 'a', 'hello', 'n', '-9223372036854775808');
    assert.equal(await r.call('HGET', 'h', 'a'), 'hello');
    assert.equal(await r.call('HGET', 'h', 'zz'), null);
    assert.equal(await r.call('HGET', 'nokey', 'a'), null);
    assert.deepEqual(await r.call('HMGET', 'h', 'a', 'zz', 'n'), ['hello', null, '-9223372036854775808']);
    assert.deepEqual(await r.call('HMGET', 'nokey', 'a', 'b'), [null, null]);
    assert.equal(await r.call('HEXISTS', 'h', 'a'), 1);
    assert.equal(await r.call('HEXISTS', 'h', 'zz'), 0);
    assert.equal(await r.call('HEXISTS', 'nokey', 'a'), 0);
    assert.equal(await r.call('HSTRLEN', 'h', 'a'), 5);
    assert.equal(await r.call('HSTRLEN', 'h', 'n'), 20);
    assert.equal(await r.call('HSTRLEN', 'h', 'zz'), 0);
    assert.equal(await r.call('HSTRLEN', 'nokey', 'a'), 0);
    assert.equal(await r.call('HLEN', 'h'), 2);
    assert.equal(await r.call('HLEN', 'nokey'), 0);
  });

  test('HGETALL / HKEYS / HVALS in both encodings, RESP2 and RESP3', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    assert.deepEqual(await r.call('HGETALL', 'h'), ['a', '1', 'b', '2', 'c', '3']);
    assert.deepEqual(await r.call('HKEYS', 'h'), ['a', 'b', 'c']);
    assert.deepEqual(await r.call('HVALS', 'h'), ['1', '2', '3']);
    assert.deepEqual(await r.call('HGETALL', 'nokey'), []);
    assert.deepEqual(await r.call('HKEYS', 'nokey'), []);
    assert.equal(await rawText('HGETALL', 'nokey'), '*0\r\n');
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
    await r.call('HSET', 'big', 'x', '1', 'y', '2', 'z', '3');
    assert.equal(enc('big'), ENC_HT);
    assert.deepEqual((await r.call('HGETALL', 'big') as string[]).join(','), 'x,1,y,2,z,3');
    assert.deepEqual(((await r.call('HKEYS', 'big')) as string[]).sort(), ['x', 'y', 'z']);
    assert.deepEqual(((await r.call('HVALS', 'big')) as string[]).sort(), ['1', '2', '3']);
    await raw.call('HELLO', '3');
    try {
      assert.equal(await rawText('HGETALL', 'nokey'), '%0\r\n');
      assert.equal(await rawText('HGETALL', 'h'), '%3\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n');
      assert.equal(await rawText('HKEYS', 'h'), '*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n');
      assert.equal(await rawText('HGET', 'h', 'zz'), '_\r\n');
    } finally {
      await raw.call('HELLO', '2');
    }
  });
});

describe('HDEL', () => {
  test('return value, several fields, key removed when empty', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.call('HDEL', 'h', 'x', 'y'), 0);
    assert.equal(await r.call('HDEL', 'h', 'a', 'c', 'f'), 2);
    assert.deepEqual(await r.call('HGETALL', 'h'), ['b', '2']);
    assert.equal(await r.call('HDEL', 'h', 'b', 'b', 'zz'), 1);
    assert.equal(exists('h'), false);
    assert.equal(await r.call('HDEL', 'nokey', 'a'), 0);
    assert.deepEqual(evs(), ['hset:h', 'hdel:h', 'hdel:h', 'del:h']);
    assert.equal(events[3]![2], NOTIFY_GENERIC);
  });

  test('hashtable encoding, and deleting every field at once', async () => {
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '1');
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(enc('h'), ENC_HT);
    assert.equal(await r.call('HDEL', 'h', 'a', 'b', 'c', 'd', 'e'), 3);
    assert.equal(exists('h'), false);
  });
});

describe('HINCRBY / HINCRBYFLOAT', () => {
  test('HINCRBY creates, increments, keeps the encoding rules', async () => {
    assert.equal(await r.call('HINCRBY', 'h', 'n', '2'), 2);
    assert.equal(await r.call('HINCRBY', 'h', 'n', '-5'), -3);
    await r.call('HSET', 'h', 'big', '17179869184');
    assert.equal(await r.call('HINCRBY', 'h', 'big', '17179869184'), 34359738368);
    await r.call('HSET', 'h', 'edge', '-9223372036854775484');
    assert.equal(await rawText('HINCRBY', 'h', 'edge', '-1'), ':-9223372036854775485\r\n');
    assert.deepEqual(evs(), ['hincrby:h', 'hincrby:h', 'hset:h', 'hincrby:h', 'hset:h', 'hincrby:h']);
  });

  test('HINCRBY errors', async () => {
    await r.call('HSET', 'h', 'str', ' 11', 's2', '11 ', 'n', '9223372036854775807', 'm', '-9223372036854775808');
    assert.equal(await err(r.call('HINCRBY', 'h', 'n', 'x')), NOTINT);
    assert.equal(await err(r.call('HINCRBY', 'h', 'n', '1.5')), NOTINT);
    assert.equal(await err(r.call('HINCRBY', 'h', 'str', '1')), 'ERR hash value is not an integer');
    assert.equal(await err(r.call('HINCRBY', 'h', 's2', '1')), 'ERR hash value is not an integer');
    assert.equal(await err(r.call('HINCRBY', 'h', 'n', '1')), 'ERR increment or decrement would overflow');
    assert.equal(await err(r.call('HINCRBY', 'h', 'm', '-1')), 'ERR increment or decrement would overflow');
    assert.equal(await r.call('HINCRBY', 'h', 'n', '-9223372036854775808'), -1);
    // A bad increment on a missing key creates nothing.
    assert.equal(await err(r.call('HINCRBY', 'new', 'f', 'abc')), NOTINT);
    assert.equal(exists('new'), false);
  });

  test('HINCRBYFLOAT formats like INCRBYFLOAT (long double, %.17Lf trimmed)', async () => {
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'f', '1.23'), '1.23');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'f', '0.77'), '2');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'f', '-0.1'), '1.9');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'g', '10.5'), '10.5');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'g', '5.0e3'), '5010.5');
    await r.call('HSET', 'h', 'i', '17179869184');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'i', '17179869184'), '34359738368');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'z', '0.1'), '0.1');
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'z', '0.2'), '0.3');
    assert.equal(await r.call('HGET', 'h', 'z'), '0.3');
    assert.deepEqual(evs().slice(0, 2), ['hincrbyfloat:h', 'hincrbyfloat:h']);
  });

  test('HINCRBYFLOAT errors', async () => {
    await r.call('HSET', 'h', 'str', ' 11', 's2', '11 ', 'nul', '1\x002', 'x', '1');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'x', 'v')), 'ERR value is not a valid float');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'x', 'nan')), 'ERR value is not a valid float');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'x', '+inf')), 'ERR value is NaN or Infinity');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'str', '1')), 'ERR hash value is not a float');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 's2', '1')), 'ERR hash value is not a float');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'nul', '1')), 'ERR hash value is not a float');
    await r.call('HSET', 'h', 'huge', '1e4932');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'h', 'huge', '1e4932')), 'ERR increment would produce NaN or Infinity');
    assert.equal(await err(r.call('HINCRBYFLOAT', 'hfoo', 'field', '+inf')), 'ERR value is NaN or Infinity');
    assert.equal(exists('hfoo'), false);
    await r.call('SET', 's', 'v');
    // The increment is checked before the type.
    assert.equal(await err(r.call('HINCRBYFLOAT', 's', 'f', 'bad')), 'ERR value is not a valid float');
    assert.equal(await err(r.call('HINCRBY', 's', 'f', 'bad')), NOTINT);
  });

  test('results longer than hash-max-listpack-value convert the hash', async () => {
    await r.call('CONFIG', 'SET', 'hash-max-listpack-value', '8');
    await r.call('HSET', 'small', 'tmp', '0');
    await r.call('HSET', 'big', 'tmp', '0');
    await r.call('HINCRBYFLOAT', 'small', 'tmp', '0.000005');
    await r.call('HINCRBYFLOAT', 'big', 'tmp', '0.0000005');
    assert.equal(enc('small'), ENC_LISTPACK);
    assert.equal(enc('big'), ENC_HT);
    await r.call('HINCRBYFLOAT', 'f8', 'abcdefgh', '1');
    await r.call('HINCRBYFLOAT', 'f9', 'abcdefghi', '1');
    assert.equal(enc('f8'), ENC_LISTPACK);
    assert.equal(enc('f9'), ENC_HT);
  });
});

describe('encodings', () => {
  test('listpack until entries / value length limits, never back', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'h'), 'listpack');
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '4');
    for (let i = 0; i < 4; i++) await r.call('HSET', 'h', `f${i}`, 'v');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    await r.call('HDEL', 'h', 'f0', 'f1', 'f2', 'f3');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    await r.call('HSET', 'v', 'a', 'x'.repeat(64));
    assert.equal(await r.call('OBJECT', 'ENCODING', 'v'), 'listpack');
    await r.call('HSET', 'v', 'a', 'x'.repeat(65));
    assert.equal(await r.call('OBJECT', 'ENCODING', 'v'), 'hashtable');
    // More new pairs in one HSET than the limit: converted up front.
    await r.call('HSET', 'm', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'm'), 'hashtable');
    await r.call('CONFIG', 'SET', 'hash-max-ziplist-entries', '0');
    await r.call('HSETNX', 'z', 'a', '1');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'z'), 'hashtable');
  });

  test('a field TTL converts to hashtable; COPY / MEMORY USAGE / DEBUG DIGEST', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.ok(Number(await r.call('MEMORY', 'USAGE', 'h')) > 0);
    const d1 = await r.call('DEBUG', 'DIGEST-VALUE', 'h');
    await r.call('HEXPIRE', 'h', '1000', 'FIELDS', '1', 'a');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'h'), 'hashtable');
    // Same content, other encoding: same digest.
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 'h'), d1);
    assert.equal(await r.call('COPY', 'h', 'h2'), 1);
    assert.equal(await r.call('OBJECT', 'ENCODING', 'h2'), 'hashtable');
    assert.equal(await r.call('MEMORY', 'USAGE', 'h2'), await r.call('MEMORY', 'USAGE', 'h'));
    const t = await r.call('HPEXPIRETIME', 'h2', 'FIELDS', '2', 'a', 'b') as number[];
    assert.deepEqual(t, await r.call('HPEXPIRETIME', 'h', 'FIELDS', '2', 'a', 'b'));
    assert.equal(t[1], -1);
    await r.call('HSET', 'h2', 'c', '3');
    assert.equal(await r.call('HLEN', 'h'), 2);
    await r.call('HSET', 'lp', 'a', '1');
    await r.call('COPY', 'lp', 'lp2');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'lp2'), 'listpack');
    assert.equal(await r.call('HGET', 'lp2', 'a'), '1');
  });
});

describe('HRANDFIELD', () => {
  for (const kind of ['listpack', 'hashtable']) {
    test(`counts, uniqueness and values - ${kind}`, async () => {
      if (kind === 'hashtable') await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '3');
      const fields = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
      for (const f of fields) await r.call('HSET', 'h', f, f.toUpperCase());
      assert.equal(enc('h'), kind === 'listpack' ? ENC_LISTPACK : ENC_HT);
      assert.ok(fields.includes(await r.call('HRANDFIELD', 'h') as string));
      const neg = await r.call('HRANDFIELD', 'h', '-25') as string[];
      assert.equal(neg.length, 25);
      const negv = await r.call('HRANDFIELD', 'h', '-7', 'WITHVALUES') as string[];
      assert.equal(negv.length, 14);
      for (let i = 0; i < negv.length; i += 2) assert.equal(negv[i + 1], negv[i]!.toUpperCase());
      for (const n of [10, 20]) {
        const all = await r.call('HRANDFIELD', 'h', String(n)) as string[];
        assert.deepEqual([...all].sort(), fields);
      }
      for (const n of [8, 5, 2, 1]) {
        const res = await r.call('HRANDFIELD', 'h', String(n)) as string[];
        assert.equal(res.length, n);
        assert.equal(new Set(res).size, n);
        const wv = await r.call('HRANDFIELD', 'h', String(n), 'withvalues') as string[];
        assert.equal(wv.length, n * 2);
        for (let i = 0; i < wv.length; i += 2) assert.equal(wv[i + 1], wv[i]!.toUpperCase());
      }
      // Uniform: every field shows up, roughly equally, with repeats allowed.
      const counts = new Map<string, number>();
      for (const f of await r.call('HRANDFIELD', 'h', '-5000') as string[]) counts.set(f, (counts.get(f) ?? 0) + 1);
      assert.equal(counts.size, 10);
      for (const c of counts.values()) assert.ok(c > 350 && c < 650, `count ${c}`);
      // Positive counts pick every field eventually.
      const seen = new Set<string>();
      for (let i = 0; i < 200 && seen.size < 10; i++) for (const f of await r.call('HRANDFIELD', 'h', '3') as string[]) seen.add(f);
      assert.equal(seen.size, 10);
    });
  }

  test('edge cases and errors', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '0'), []);
    assert.equal(await rawText('HRANDFIELD', 'h', '0'), '*0\r\n');
    assert.equal(await rawText('HRANDFIELD', 'nokey', '100'), '*0\r\n');
    assert.equal(await rawText('HRANDFIELD', 'nokey'), '$-1\r\n');
    assert.equal(await err(r.call('HRANDFIELD', 'h', 'x')), NOTINT);
    assert.equal(await err(r.call('HRANDFIELD', 'h', '1', 'foo')), SYNTAX);
    assert.equal(await err(r.call('HRANDFIELD', 'h', '1', 'withvalues', 'x')), SYNTAX);
    assert.equal(await err(r.call('HRANDFIELD', 'h', '-9223372036854775808')),
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    assert.equal(await err(r.call('HRANDFIELD', 'h', '-9223372036854770000', 'withvalues')), 'ERR value is out of range');
    assert.equal(await err(r.call('HRANDFIELD', 'h', '9223372036854770000', 'withvalues')), 'ERR value is out of range');
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '9223372036854770000'), ['a']);
  });

  test('RESP3 WITHVALUES replies pairs', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    await raw.call('HELLO', '3');
    try {
      const res = await raw.call('HRANDFIELD', 'h', '3', 'WITHVALUES') as string[][];
      assert.equal(res.length, 3);
      for (const p of res) assert.equal(p.length, 2);
      const neg = await raw.call('HRANDFIELD', 'h', '-2', 'WITHVALUES') as string[][];
      assert.equal(neg.length, 2);
      assert.equal(neg[0]!.length, 2);
      const plain = await raw.call('HRANDFIELD', 'h', '3') as string[];
      assert.equal(typeof plain[0], 'string');
      assert.equal(await rawText('HRANDFIELD', 'nokey'), '_\r\n');
    } finally {
      await raw.call('HELLO', '2');
    }
  });
});

describe('HSCAN', () => {
  test('small hash in one call, MATCH, NOVALUES', async () => {
    await r.call('HSET', 'h', 'a1', '1', 'b1', '2', 'a2', '3');
    assert.deepEqual(await r.call('HSCAN', 'h', '0'), ['0', ['a1', '1', 'b1', '2', 'a2', '3']]);
    assert.deepEqual(await r.call('HSCAN', 'h', '0', 'MATCH', 'a*'), ['0', ['a1', '1', 'a2', '3']]);
    assert.deepEqual(await r.call('HSCAN', 'h', '0', 'NOVALUES'), ['0', ['a1', 'b1', 'a2']]);
    assert.deepEqual(await r.call('HSCAN', 'h', '0', 'match', '*', 'count', '1', 'novalues'), ['0', ['a1', 'b1', 'a2']]);
    assert.deepEqual(await r.call('HSCAN', 'nokey', '0'), ['0', []]);
  });

  test('big hash: full iteration with COUNT, MATCH and NOVALUES', async () => {
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '16');
    const args: string[] = [];
    for (let i = 0; i < 500; i++) args.push(`f${i}`, `v${i}`);
    await r.call('HSET', 'h', ...args);
    for (const count of ['1', '10', '100']) {
      const got = new Map<string, string>();
      let cursor = '0', calls = 0;
      do {
        const [next, items] = await r.call('HSCAN', 'h', cursor, 'COUNT', count) as [string, string[]];
        for (let i = 0; i < items.length; i += 2) got.set(items[i]!, items[i + 1]!);
        cursor = next;
        calls++;
      } while (cursor !== '0');
      assert.equal(got.size, 500);
      assert.equal(got.get('f123'), 'v123');
      assert.ok(calls >= 500 / Number(count));
    }
    const keys = new Set<string>();
    let cursor = '0';
    do {
      const [next, items] = await r.call('HSCAN', 'h', cursor, 'MATCH', 'f1*', 'NOVALUES') as [string, string[]];
      for (const k of items) keys.add(k);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(keys.size, 111);
    assert.ok([...keys].every((k) => k.startsWith('f1')));
  });

  test('errors', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.equal(await err(r.call('HSCAN', 'h', 'x')), 'ERR invalid cursor');
    assert.equal(await err(r.call('HSCAN', 'h', '-1')), 'ERR invalid cursor');
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'COUNT', 'x')), NOTINT);
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'COUNT', '0')), SYNTAX);
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'COUNT')), SYNTAX);
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'TYPE', 'hash')), SYNTAX);
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'NOSCORES')), 'ERR NOSCORES option can only be used in ZSCAN');
    assert.equal(await err(r.call('HSCAN', 'h', '0', 'FOO')), SYNTAX);
    // Options are not looked at when the key is missing.
    assert.deepEqual(await r.call('HSCAN', 'nokey', '0', 'FOO'), ['0', []]);
    assert.deepEqual(await r.call('HSCAN', 'h', '18446744073709551615'), ['0', ['a', '1']]);
  });
});

describe('HEXPIRE family', () => {
  test('codes per field, conditions, and the key removed by a past time', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    assert.deepEqual(await r.call('HEXPIRE', 'h', '100', 'FIELDS', '2', 'a', 'zz'), [1, -2]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '200', 'NX', 'FIELDS', '2', 'a', 'b'), [0, 1]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '300', 'XX', 'FIELDS', '2', 'a', 'c'), [1, 0]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '250', 'GT', 'FIELDS', '3', 'a', 'b', 'c'), [0, 1, 0]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '100', 'LT', 'FIELDS', '3', 'a', 'b', 'c'), [1, 1, 1]);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '4', 'a', 'b', 'c', 'zz'), [100, 100, 100, -2]);
    assert.deepEqual(await r.call('HEXPIRE', 'nokey', '10', 'FIELDS', '2', 'a', 'b'), [-2, -2]);
    events.length = 0;
    const before = expiredFields();
    assert.deepEqual(await r.call('HEXPIRE', 'h', '0', 'FIELDS', '2', 'a', 'zz'), [2, -2]);
    assert.equal(expiredFields(), before + 1);
    assert.deepEqual(await r.call('HPEXPIRE', 'h', '0', 'FIELDS', '2', 'b', 'c'), [2, 2]);
    assert.equal(exists('h'), false);
    assert.deepEqual(evs(), ['hexpired:h', 'hexpired:h', 'del:h']);
  });

  test('listpack hashes: XX and GT fail, a past time deletes without conversion', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.deepEqual(await r.call('HEXPIRE', 'h', '100', 'XX', 'FIELDS', '1', 'a'), [0]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '100', 'GT', 'FIELDS', '1', 'a'), [0]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '0', 'GT', 'FIELDS', '1', 'a'), [0]);
    assert.equal(enc('h'), ENC_LISTPACK);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '0', 'FIELDS', '1', 'a'), [2]);
    assert.equal(enc('h'), ENC_LISTPACK);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '10', 'LT', 'FIELDS', '1', 'b'), [1]);
    assert.equal(enc('h'), ENC_HT);
    // A failed condition never deletes, even with a past time.
    assert.deepEqual(await r.call('HEXPIRE', 'h', '0', 'NX', 'FIELDS', '1', 'b'), [0]);
    assert.equal(await r.call('HLEN', 'h'), 1);
  });

  test('HPEXPIRE / HEXPIREAT / HPEXPIREAT and the HTTL family', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    const now = Date.now();
    assert.deepEqual(await r.call('HPEXPIRE', 'h', '50000', 'FIELDS', '1', 'a'), [1]);
    const sec = Math.floor(now / 1000) + 1000;
    assert.deepEqual(await r.call('HEXPIREAT', 'h', String(sec), 'FIELDS', '1', 'b'), [1]);
    const ms = now + 123456789;
    assert.deepEqual(await r.call('HPEXPIREAT', 'h', String(ms), 'FIELDS', '1', 'c'), [1]);
    const pttl = await r.call('HPTTL', 'h', 'FIELDS', '1', 'a') as number[];
    assert.ok(pttl[0]! > 49000 && pttl[0]! <= 50000);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '1', 'a'), [50]);
    assert.deepEqual(await r.call('HEXPIRETIME', 'h', 'FIELDS', '3', 'b', 'c', 'zz'), [sec, Math.floor((ms + 500) / 1000), -2]);
    assert.deepEqual(await r.call('HPEXPIRETIME', 'h', 'FIELDS', '2', 'c', 'b'), [ms, sec * 1000]);
    await r.call('HSET', 'h', 'd', '4');
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '1', 'd'), [-1]);
    assert.deepEqual(await r.call('HPTTL', 'nokey', 'FIELDS', '2', 'a', 'b'), [-2, -2]);
    assert.deepEqual(await r.call('HEXPIRETIME', 'nokey', 'FIELDS', '1', 'a'), [-2]);
  });

  test('errors', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.equal(await err(r.call('HEXPIRE', 'h', '10')), "ERR wrong number of arguments for 'hexpire' command");
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', '0')), "ERR wrong number of arguments for 'hexpire' command");
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', '0', 'a')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', '2', 'a')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', '1', 'a', 'b')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', '-1', 'a')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'NX', 'NX', 'FIELDS')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELD', '1', 'a')), NUMFIELDS);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'FIELDS', 'x', 'a')), NOTINT);
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'BAD', 'FIELDS', '1', 'a')), 'ERR Unsupported option BAD');
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'NX', 'XX', 'FIELDS', '1', 'a')),
      'ERR NX and XX, GT or LT options at the same time are not compatible');
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'NX', 'GT', 'FIELDS', '1', 'a')),
      'ERR NX and XX, GT or LT options at the same time are not compatible');
    assert.equal(await err(r.call('HEXPIRE', 'h', '10', 'GT', 'LT', 'FIELDS', '1', 'a')),
      'ERR GT and LT options at the same time are not compatible');
    assert.equal(await err(r.call('HEXPIRE', 'h', 'abc', 'FIELDS', '1', 'a')), NOTINT);
    assert.equal(await err(r.call('HEXPIRE', 'h', '-5', 'FIELDS', '1', 'a')), "ERR invalid expire time in 'hexpire' command");
    assert.equal(await err(r.call('HPEXPIREAT', 'h', '-1', 'FIELDS', '1', 'a')), "ERR invalid expire time in 'hpexpireat' command");
    assert.equal(await err(r.call('HEXPIRE', 'h', '9223372036854775', 'FIELDS', '1', 'a')), "ERR invalid expire time in 'hexpire' command");
    assert.equal(await err(r.call('HPEXPIRE', 'h', '9223372036854775807', 'FIELDS', '1', 'a')), "ERR invalid expire time in 'hpexpire' command");
    // Option errors come before the time, the time before the type.
    await r.call('SET', 's', 'v');
    assert.equal(await err(r.call('HEXPIRE', 's', 'abc', 'FIELDS', '1', 'a')), NOTINT);
    assert.equal(await err(r.call('HEXPIRE', 's', 'abc', 'FIELDS', '2', 'a')), NUMFIELDS);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '1', 'a'), [-1]);
    assert.equal(enc('h'), ENC_LISTPACK);
  });

  test('HTTL family errors', async () => {
    assert.equal(await err(r.call('HTTL', 'h', 'FIELDS', '2', 'a')), SYNTAX);
    assert.equal(await err(r.call('HPTTL', 'h', 'FIELDS', '0', 'a')), SYNTAX);
    assert.equal(await err(r.call('HEXPIRETIME', 'h', 'FIELDS', 'x', 'a')), NOTINT);
    assert.equal(await err(r.call('HPEXPIRETIME', 'h', 'FIELDS', '1')), "ERR wrong number of arguments for 'hpexpiretime' command");
  });

  test('propagation rewrites: HPEXPIREAT, HDEL', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    const seen: string[] = [];
    srv.server.hooks.afterCall = (c) => { seen.push(c.argv.map((b) => b.toString()).join(' ')); };
    try {
      const t0 = Date.now();
      await r.call('HEXPIRE', 'h', '100', 'NX', 'FIELDS', '1', 'a');
      await r.call('HEXPIRE', 'h', '0', 'FIELDS', '1', 'b');
      const [exp] = await r.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'a') as number[];
      assert.ok(exp! >= t0 + 100000);
      assert.equal(seen[0], `HPEXPIREAT h ${exp} NX FIELDS 1 a`);
      assert.equal(seen[1], 'HDEL h b');
    } finally {
      srv.server.hooks.afterCall = undefined;
    }
  });
});

describe('HPERSIST', () => {
  test('codes and event', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.deepEqual(await r.call('HPERSIST', 'h', 'FIELDS', '2', 'a', 'zz'), [-1, -2]);
    await r.call('HEXPIRE', 'h', '100', 'FIELDS', '1', 'a');
    events.length = 0;
    assert.deepEqual(await r.call('HPERSIST', 'h', 'FIELDS', '3', 'a', 'b', 'zz'), [1, -1, -2]);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '1', 'a'), [-1]);
    assert.deepEqual(await r.call('HPERSIST', 'nokey', 'FIELDS', '1', 'a'), [-2]);
    assert.deepEqual(evs(), ['hpersist:h']);
    assert.equal(await volatileKeys(), 0);
  });

  test('errors', async () => {
    assert.equal(await err(r.call('HPERSIST', 'h', 'FIELDS', '2', 'a')), NUMFIELDS);
    assert.equal(await err(r.call('HPERSIST', 'h', 'FIELDS', 'x', 'a')), NOTINT);
    assert.equal(await err(r.call('HPERSIST', 'h', 'FIELDS', '1')), "ERR wrong number of arguments for 'hpersist' command");
  });
});

describe('HSETEX', () => {
  test('EX / PX / EXAT / PXAT set values and TTLs, events hset + hexpire', async () => {
    const now = Date.now();
    assert.equal(await r.call('HSETEX', 'h', 'EX', '100', 'FIELDS', '2', 'a', '1', 'b', '2'), 1);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '2', 'a', 'b'), [100, 100]);
    assert.equal(await r.call('HSETEX', 'h', 'PX', '20000', 'FIELDS', '1', 'a', 'x'), 1);
    const [pt] = await r.call('HPTTL', 'h', 'FIELDS', '1', 'a') as number[];
    assert.ok(pt! > 19000 && pt! <= 20000);
    const sec = Math.floor(now / 1000) + 500;
    await r.call('HSETEX', 'h', 'EXAT', String(sec), 'FIELDS', '1', 'c', '3');
    assert.deepEqual(await r.call('HEXPIRETIME', 'h', 'FIELDS', '1', 'c'), [sec]);
    await r.call('HSETEX', 'h', 'PXAT', String(now + 77777), 'FIELDS', '1', 'd', '4');
    assert.deepEqual(await r.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'd'), [now + 77777]);
    assert.deepEqual(await r.call('HMGET', 'h', 'a', 'b', 'c', 'd'), ['x', '2', '3', '4']);
    assert.equal(enc('h'), ENC_HT);
    assert.deepEqual(evs(), ['hset:h', 'hexpire:h', 'hset:h', 'hexpire:h', 'hset:h', 'hexpire:h', 'hset:h', 'hexpire:h']);
  });

  test('no expiry option: plain set that clears TTLs; KEEPTTL keeps them', async () => {
    await r.call('HSETEX', 'h', 'PX', '100000', 'FIELDS', '2', 'a', '1', 'b', '2');
    const [t] = await r.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'a') as number[];
    assert.equal(await r.call('HSETEX', 'h', 'KEEPTTL', 'FIELDS', '1', 'a', 'new'), 1);
    assert.deepEqual(await r.call('HPEXPIRETIME', 'h', 'FIELDS', '1', 'a'), [t]);
    assert.equal(await r.call('HGET', 'h', 'a'), 'new');
    assert.equal(await r.call('HSETEX', 'h', 'FIELDS', '1', 'b', 'plain'), 1);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '1', 'b'), [-1]);
    await r.call('HSETEX', 'l', 'FIELDS', '1', 'a', '1');
    assert.equal(enc('l'), ENC_LISTPACK);
  });

  test('FNX / FXX: all fields or none', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.equal(await r.call('HSETEX', 'h', 'FNX', 'EX', '10', 'FIELDS', '2', 'a', '2', 'b', '2'), 0);
    assert.deepEqual(await r.call('HMGET', 'h', 'a', 'b'), ['1', null]);
    assert.equal(await r.call('HSETEX', 'h', 'FNX', 'FIELDS', '2', 'b', '2', 'c', '3'), 1);
    assert.equal(await r.call('HSETEX', 'h', 'FXX', 'PX', '100000', 'FIELDS', '2', 'a', 'x', 'q', 'y'), 0);
    assert.equal(await r.call('HEXISTS', 'h', 'q'), 0);
    assert.equal(await r.call('HSETEX', 'h', 'FXX', 'PX', '100000', 'FIELDS', '2', 'a', 'x', 'b', 'y'), 1);
    assert.deepEqual(await r.call('HMGET', 'h', 'a', 'b', 'c'), ['x', 'y', '3']);
    assert.equal(await r.call('HSETEX', 'nokey', 'FXX', 'FIELDS', '1', 'a', 'b'), 0);
    assert.equal(exists('nokey'), false);
    assert.equal(await r.call('HSETEX', 'nokey', 'FNX', 'FIELDS', '1', 'a', 'b'), 1);
  });

  test('a past time deletes the fields (and the key), with hset hexpire hexpired del', async () => {
    for (const [opt, val] of [['EX', '0'], ['PX', '0'], ['EXAT', '1'], ['PXAT', String(Date.now() - 200000)]] as const) {
      srv.server.ks.flushAll(false);
      events.length = 0;
      await r.call('HSET', 'h', 'f1', 'v1');
      const before = expiredFields();
      assert.equal(await r.call('HSETEX', 'h', opt, val, 'FIELDS', '2', 'f1', 'v1', 'f2', 'v2'), 1);
      assert.equal(exists('h'), false, opt);
      assert.equal(expiredFields(), before + 2);
      assert.deepEqual(evs(), ['hset:h', 'hset:h', 'hexpire:h', 'hexpired:h', 'del:h']);
    }
    // A missing key: nothing is stored, the events still fire.
    events.length = 0;
    assert.equal(await r.call('HSETEX', 'nk', 'PX', '0', 'FIELDS', '1', 'a', 'b'), 1);
    assert.equal(exists('nk'), false);
    assert.deepEqual(evs(), ['hset:nk', 'hexpire:nk', 'hexpired:nk', 'del:nk']);
    // Some fields left: the key stays.
    await r.call('HSET', 'k', 'a', '1', 'b', '2');
    await r.call('HSETEX', 'k', 'EX', '0', 'FIELDS', '1', 'a', 'x');
    assert.deepEqual(await r.call('HGETALL', 'k'), ['b', '2']);
  });

  test('errors', async () => {
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', '10', 'FIELDS', '0', 'a', 'b')), NUMFIELDS);
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', '10', 'FIELDS', '2', 'a', 'b')), NUMFIELDS);
    assert.equal(await err(r.call('HSETEX', 'h', 'PX', '100', 'FIELDS', '1', 'a', 'b', 'c')), NUMFIELDS);
    assert.equal(await err(r.call('HSETEX', 'h', 'KEEPTTL', 'KEEPTTL', 'KEEPTTL', 'FIELDS')), NUMFIELDS);
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', '-10', 'FIELDS', '1', 'a', 'b')), "ERR invalid expire time in 'hsetex' command");
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', 'abc', 'FIELDS', '1', 'a', 'b')), NOTINT);
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', '10', 'PX', '10', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'EX', '10', 'KEEPTTL', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'FNX', 'FXX', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'PERSIST', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'NX', 'FIELDS', '1', 'a', 'b')), SYNTAX);
    assert.equal(await err(r.call('HSETEX', 'h', 'FIELDS', 'x', 'a', 'b')), NOTINT);
    assert.equal(exists('h'), false);
    // The type is checked before the expire time.
    await r.call('SET', 's', 'v');
    assert.equal(await err(r.call('HSETEX', 's', 'EX', '-1', 'FIELDS', '1', 'a', 'b')), WRONGTYPE);
  });

  test('propagated without field conditions and with PXAT', async () => {
    const seen: string[] = [];
    srv.server.hooks.afterCall = (c) => { seen.push(c.argv.map((b) => b.toString()).join(' ')); };
    try {
      const exp = Date.now() + 1000000;
      await r.call('HSETEX', 'h', 'FNX', 'PXAT', String(exp), 'FIELDS', '1', 'f', 'v');
      await r.call('HSETEX', 'h', 'fxx', 'EX', '100', 'FIELDS', '1', 'f', 'w');
      await r.call('HSETEX', 'h', 'PX', '0', 'FIELDS', '2', 'f', 'x', 'g', 'y');
      assert.equal(seen[0], `HSETEX h PXAT ${exp} FIELDS 1 f v`);
      assert.match(seen[1]!, /^HSETEX h PXAT \d+ FIELDS 1 f w$/);
      assert.equal(seen[2], 'HDEL h f');
    } finally {
      srv.server.hooks.afterCall = undefined;
    }
  });
});

describe('HGETEX', () => {
  test('without options works like HMGET', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.deepEqual(await r.call('HGETEX', 'h', 'FIELDS', '3', 'a', 'zz', 'b'), ['1', null, '2']);
    assert.deepEqual(await r.call('HGETEX', 'nokey', 'FIELDS', '2', 'a', 'b'), [null, null]);
    assert.deepEqual(evs(), ['hset:h']);
  });

  test('EX / PX / EXAT / PXAT set TTLs on existing fields only', async () => {
    for (const opt of ['EX', 'PX', 'EXAT', 'PXAT']) {
      srv.server.ks.flushAll(false);
      events.length = 0;
      await r.call('HSET', 'h', 'f1', 'v1', 'f3', 'v3');
      const val = opt === 'EX' ? '1000' : opt === 'PX' ? '1000000' : opt === 'EXAT'
        ? String(Math.floor(Date.now() / 1000) + 1000) : String(Date.now() + 1000000);
      assert.deepEqual(await r.call('HGETEX', 'h', opt, val, 'FIELDS', '3', 'f1', 'f2', 'f3'), ['v1', null, 'v3']);
      const ttl = await r.call('HTTL', 'h', 'FIELDS', '3', 'f1', 'f2', 'f3') as number[];
      assert.ok(ttl[0]! > 990 && ttl[2]! > 990, opt);
      assert.equal(ttl[1], -2);
      assert.deepEqual(evs(), ['hset:h', 'hexpire:h']);
      assert.equal(await volatileKeys(), 1);
    }
    // Nothing to change: no event, no conversion.
    srv.server.ks.flushAll(false);
    await r.call('HSET', 'h', 'f1', 'v1');
    const mem = await r.call('MEMORY', 'USAGE', 'h');
    events.length = 0;
    assert.deepEqual(await r.call('HGETEX', 'h', 'EX', '1', 'FIELDS', '1', 'f2'), [null]);
    assert.deepEqual(evs(), []);
    assert.equal(enc('h'), ENC_LISTPACK);
    assert.equal(await r.call('MEMORY', 'USAGE', 'h'), mem);
  });

  test('PERSIST; duplicates; a past time deletes and may remove the key', async () => {
    await r.call('HSET', 'h', 'f1', 'v1');
    await r.call('HSETEX', 'h', 'EX', '10000', 'FIELDS', '1', 'f2', 'v2');
    await r.call('HEXPIRE', 'h', '500', 'FIELDS', '1', 'f1');
    events.length = 0;
    assert.deepEqual(await r.call('HGETEX', 'h', 'PERSIST', 'FIELDS', '1', 'f1'), ['v1']);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '2', 'f1', 'f2'), [-1, 10000]);
    assert.deepEqual(await r.call('HGETEX', 'h', 'PERSIST', 'FIELDS', '1', 'f1'), ['v1']);
    assert.deepEqual(evs(), ['hpersist:h']);
    assert.deepEqual(await r.call('HGETEX', 'h', 'EX', '100', 'FIELDS', '2', 'f1', 'f1'), ['v1', 'v1']);
    events.length = 0;
    const before = expiredFields();
    assert.deepEqual(await r.call('HGETEX', 'h', 'EXAT', '1', 'FIELDS', '3', 'f1', 'f1', 'zz'), ['v1', null, null]);
    assert.equal(expiredFields(), before + 1);
    assert.deepEqual(await r.call('HGETEX', 'h', 'PX', '0', 'FIELDS', '1', 'f2'), ['v2']);
    assert.equal(exists('h'), false);
    assert.deepEqual(evs(), ['hexpired:h', 'hexpired:h', 'del:h']);
    assert.equal(await volatileKeys(), 0);
  });

  test('errors', async () => {
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '60', 'PX', '1000', 'FIELDS', '1', 'f1')), SYNTAX);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', 'FIELDS', '1', 'f1')), SYNTAX);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '10', 'PERSIST', 'FIELDS', '1', 'f1')), SYNTAX);
    assert.equal(await err(r.call('HGETEX', 'h', 'KEEPTTL', 'FIELDS', '1', 'f1')), SYNTAX);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '-10', 'FIELDS', '1', 'f1')), "ERR invalid expire time in 'hgetex' command");
    assert.equal(await err(r.call('HGETEX', 'h', 'PX', 'abc', 'FIELDS', '1', 'f1')), NOTINT);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '10', '1', 'f1')), NUMFIELDS);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '10', 'FIELDS', '2', 'f1')), NUMFIELDS);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '10', 'FIELDS', '1', 'f1', 'f2')), NUMFIELDS);
    assert.equal(await err(r.call('HGETEX', 'h', 'EX', '10', 'FIELDS', '0')), NUMFIELDS);
    assert.equal(await err(r.call('HGETEX', 'h', 'FIELDS', '0')), "ERR wrong number of arguments for 'hgetex' command");
    assert.equal(await err(r.call('HGETEX', 'h', 'PERSIST', 'PERSIST', 'FIELDS')), NUMFIELDS);
    assert.equal(await err(r.call('HGETEX', 'EX', '10', 'FIELDS', '1', 'f1')), SYNTAX);
  });
});

describe('field expiry: lazy hiding', () => {
  test('an expired field is invisible to reads but still counted by HLEN', async () => {
    srv.server.activeExpireEnabled = false;
    await r.call('HSET', 'h', 'keep', 'k', 'n', '5');
    await r.call('HSETEX', 'h', 'PX', '30', 'FIELDS', '1', 'gone', 'g');
    await r.call('HPEXPIRE', 'h', '30', 'FIELDS', '1', 'n');
    await sleep(60);
    assert.equal(await r.call('HGET', 'h', 'gone'), null);
    assert.deepEqual(await r.call('HMGET', 'h', 'gone', 'keep'), [null, 'k']);
    assert.equal(await r.call('HEXISTS', 'h', 'gone'), 0);
    assert.equal(await r.call('HSTRLEN', 'h', 'gone'), 0);
    assert.equal(await r.call('HLEN', 'h'), 3);
    assert.deepEqual(await r.call('HGETALL', 'h'), ['keep', 'k']);
    assert.deepEqual(await r.call('HKEYS', 'h'), ['keep']);
    assert.deepEqual(await r.call('HVALS', 'h'), ['k']);
    assert.deepEqual(await r.call('HSCAN', 'h', '0'), ['0', ['keep', 'k']]);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '2', 'gone', 'keep'), [-2, -1]);
    assert.deepEqual(await r.call('HPERSIST', 'h', 'FIELDS', '1', 'gone'), [-2]);
    assert.deepEqual(await r.call('HEXPIRE', 'h', '100', 'FIELDS', '1', 'gone'), [-2]);
    for (let i = 0; i < 20; i++) assert.equal(await r.call('HRANDFIELD', 'h'), 'keep');
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '-4'), ['keep', 'keep', 'keep', 'keep']);
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '5'), ['keep']);
    // HDEL does not see it, and reclaims nothing.
    const before = expiredFields();
    assert.equal(await r.call('HDEL', 'h', 'gone'), 0);
    assert.equal(expiredFields(), before);
    assert.equal(await r.call('HLEN', 'h'), 3);
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 'h'), await (async () => {
      await r.call('HSET', 'cmp', 'keep', 'k');
      return r.call('DEBUG', 'DIGEST-VALUE', 'cmp');
    })());
  });

  test('writes over an expired field treat it as new (hexpired first)', async () => {
    srv.server.activeExpireEnabled = false;
    await r.call('HSETEX', 'h', 'PX', '20', 'FIELDS', '2', 'a', '1', 'b', '1');
    await r.call('HSETEX', 'h', 'PX', '20', 'FIELDS', '1', 'c', '1');
    await r.call('HSETEX', 'h', 'PX', '20', 'FIELDS', '1', 'd', '1');
    await r.call('HSETEX', 'h', 'PX', '20', 'FIELDS', '1', 'e', '1');
    await sleep(40);
    events.length = 0;
    const before = expiredFields();
    assert.equal(await r.call('HSET', 'h', 'a', 'new'), 1);
    assert.deepEqual(await r.call('HPTTL', 'h', 'FIELDS', '1', 'a'), [-1]);
    assert.equal(await r.call('HSETNX', 'h', 'b', 'nx'), 1);
    assert.equal(await r.call('HINCRBY', 'h', 'c', '1'), 1);
    assert.equal(await r.call('HINCRBYFLOAT', 'h', 'd', '1.5'), '1.5');
    assert.equal(await r.call('HSETEX', 'h', 'KEEPTTL', 'FIELDS', '1', 'e', 'k'), 1);
    assert.deepEqual(await r.call('HTTL', 'h', 'FIELDS', '5', 'a', 'b', 'c', 'd', 'e'), [-1, -1, -1, -1, -1]);
    assert.equal(await r.call('HLEN', 'h'), 5);
    assert.equal(expiredFields(), before + 5);
    assert.deepEqual(evs(), ['hexpired:h', 'hset:h', 'hexpired:h', 'hset:h', 'hexpired:h', 'hincrby:h',
      'hexpired:h', 'hincrbyfloat:h', 'hexpired:h', 'hset:h']);
    assert.equal(await volatileKeys(), 0);
  });

  test('HINCRBY / HINCRBYFLOAT keep the TTL of a live field', async () => {
    await r.call('HSET', 'h', 'n', '1', 'f', '1.5');
    await r.call('HEXPIRE', 'h', '100000', 'FIELDS', '2', 'n', 'f');
    const t = await r.call('HPEXPIRETIME', 'h', 'FIELDS', '2', 'n', 'f');
    const seen: string[] = [];
    srv.server.hooks.afterCall = (c) => { seen.push(c.argv.map((b) => b.toString()).join(' ')); };
    try {
      assert.equal(await r.call('HINCRBY', 'h', 'n', '5'), 6);
      assert.equal(await r.call('HINCRBYFLOAT', 'h', 'f', '1'), '2.5');
      await r.call('HINCRBYFLOAT', 'h', 'p', '1');
    } finally {
      srv.server.hooks.afterCall = undefined;
    }
    assert.deepEqual(await r.call('HPEXPIRETIME', 'h', 'FIELDS', '2', 'n', 'f'), t);
    const [tn, tf] = t as number[];
    assert.equal(seen[0], `HSETEX h PXAT ${tn} FIELDS 1 n 6`);
    assert.equal(seen[1], `HSETEX h PXAT ${tf} FIELDS 1 f 2.5`);
    assert.equal(seen[2], 'HSET h p 1');
  });

  test('a hash whose fields all expired still exists until reclaimed', async () => {
    srv.server.activeExpireEnabled = false;
    await r.call('HSETEX', 'h', 'PX', '10', 'FIELDS', '2', 'a', '1', 'b', '2');
    await sleep(30);
    assert.equal(await r.call('EXISTS', 'h'), 1);
    assert.deepEqual(await r.call('HGETALL', 'h'), []);
    assert.equal(await r.call('HRANDFIELD', 'h'), null);
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '1'), []);
    assert.deepEqual(await r.call('HRANDFIELD', 'h', '-3', 'WITHVALUES'), []);
    assert.equal(await r.call('HLEN', 'h'), 2);
    srv.server.activeExpireEnabled = true;
    await waitFor(() => !exists('h'));
    assert.equal(await r.call('HLEN', 'h'), 0);
  });
});

describe('field expiry: active expiry', () => {
  test('fields go, one hexpired per key and run, expired_fields grows', async () => {
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3', 'f4', 'v4');
    const before = expiredFields();
    await r.call('HPEXPIRE', 'h', '1', 'FIELDS', '2', 'f1', 'f2');
    await waitFor(async () => Number(await r.call('HLEN', 'h')) === 2);
    assert.equal(expiredFields(), before + 2);
    assert.deepEqual(await r.call('HMGET', 'h', 'f1', 'f2', 'f3'), [null, null, 'v3']);
    assert.deepEqual(evs(), ['hset:h', 'hexpire:h', 'hexpired:h']);
    assert.equal(await volatileKeys(), 0);
  });

  test('the key is deleted with its last field (del event)', async () => {
    await r.call('HSETEX', 'h', 'PX', '50', 'FIELDS', '3', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await volatileKeys(), 1);
    await waitFor(() => !exists('h'));
    assert.deepEqual(evs(), ['hset:h', 'hexpire:h', 'hexpired:h', 'del:h']);
    assert.equal(events[3]![2], NOTIFY_GENERIC);
    assert.equal(await volatileKeys(), 0);
    const info = String(await r.call('INFO', 'keyspace'));
    assert.ok(!/db0:/.test(info));
  });

  test('DEBUG SET-ACTIVE-EXPIRE 0 stops it, 1 resumes', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    await r.call('HPEXPIRE', 'h', '10', 'FIELDS', '1', 'a');
    await sleep(300);
    assert.equal(await r.call('HLEN', 'h'), 2);
    assert.equal(await volatileKeys(), 1);
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    await waitFor(async () => Number(await r.call('HLEN', 'h')) === 1);
    assert.equal(await volatileKeys(), 0);
  });

  test('many keys and fields in several databases are all reclaimed', async () => {
    const c1 = new Valkey({ port: srv.port, lazyConnect: false, db: 1 });
    try {
      for (let k = 0; k < 50; k++) {
        const args: string[] = [];
        for (let f = 0; f < 40; f++) args.push(`f${f}`, 'v');
        await r.call('HSETEX', `k${k}`, 'PX', String(300 + k), 'FIELDS', '40', ...args);
        await c1.call('HSET', `k${k}`, 'keep', '1');
        await c1.call('HSETEX', `k${k}`, 'PX', '300', 'FIELDS', '1', 'x', 'y');
      }
      assert.ok(await volatileKeys() > 0);
      await waitFor(() => db(0).size === 0 && db(1).size === 50 && obj('k0', 1).length === 1);
      for (let k = 0; k < 50; k++) assert.equal(obj(`k${k}`, 1).length, 1);
      assert.equal(await volatileKeys(), 0);
    } finally {
      c1.disconnect();
    }
  });

  test('a key TTL still applies to a hash with field TTLs', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    await r.call('HEXPIRE', 'h', '1000', 'FIELDS', '1', 'a');
    await r.call('PEXPIRE', 'h', '50');
    await waitFor(() => !exists('h'));
    assert.equal(await volatileKeys(), 0);
    await r.call('HSET', 'g', 'a', '1');
    await r.call('HEXPIRE', 'g', '1000', 'FIELDS', '1', 'a');
    await r.call('PERSIST', 'g');
    assert.ok(((await r.call('HTTL', 'g', 'FIELDS', '1', 'a')) as number[])[0]! > 900);
  });
});

describe('keys_with_volatile_items tracking', () => {
  test('follows RENAME, MOVE, COPY, DEL, SET, SWAPDB, FLUSHDB and HDEL', async () => {
    await r.call('HSET', 'h', 'a', '1', 'b', '2');
    assert.equal(await volatileKeys(), 0);
    await r.call('HEXPIRE', 'h', '100', 'FIELDS', '1', 'a');
    assert.equal(await volatileKeys(), 1);
    await r.call('RENAME', 'h', 'h2');
    assert.equal(await volatileKeys(), 1);
    assert.ok(((await r.call('HTTL', 'h2', 'FIELDS', '1', 'a')) as number[])[0]! > 90);
    await r.call('COPY', 'h2', 'h3');
    assert.equal(await volatileKeys(), 2);
    await r.call('DEL', 'h3');
    assert.equal(await volatileKeys(), 1);
    await r.call('MOVE', 'h2', '1');
    assert.equal(await volatileKeys(0), 0);
    assert.equal(await volatileKeys(1), 1);
    const info = String(await r.call('INFO', 'keyspace'));
    assert.match(info, /db1:keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=1/);
    await r.call('SWAPDB', '0', '1');
    assert.equal(await volatileKeys(1), 0);
    assert.match(String(await r.call('INFO', 'keyspace')), /db0:keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=1/);
    // The active job follows the swapped database.
    await r.call('HPEXPIRE', 'h2', '1', 'FIELDS', '1', 'a');
    await waitFor(async () => Number(await r.call('HLEN', 'h2')) === 1);
    await r.call('HEXPIRE', 'h2', '100', 'FIELDS', '1', 'b');
    await r.call('SET', 'h2', 'string now');
    assert.equal(await volatileKeys(), 0);
    await r.call('HSETEX', 'x', 'EX', '100', 'FIELDS', '1', 'a', '1');
    await r.call('HSET', 'x', 'b', '2');
    await r.call('HDEL', 'x', 'a');
    assert.equal(await volatileKeys(), 0);
    await r.call('HSETEX', 'x', 'EX', '100', 'FIELDS', '1', 'a', '1');
    await r.call('FLUSHDB');
    assert.equal(await volatileKeys(), 0);
    await r.call('HSETEX', 'y', 'EX', '100', 'FIELDS', '1', 'a', '1');
    await r.call('FLUSHDB', 'ASYNC');
    await r.call('HSETEX', 'z', 'EX', '100', 'FIELDS', '1', 'a', '1');
    assert.equal(await volatileKeys(), 1);
    await r.call('FLUSHALL');
    assert.equal(await volatileKeys(), 0);
  });

  test('RENAME over a volatile hash, and DEBUG RELOAD', async () => {
    await r.call('HSETEX', 'a', 'EX', '100', 'FIELDS', '1', 'f', '1');
    await r.call('HSET', 'b', 'f', '1');
    await r.call('RENAME', 'b', 'a');
    assert.equal(await volatileKeys(), 0);
    await r.call('HSETEX', 'c', 'EX', '100', 'FIELDS', '1', 'f', '1');
    await r.call('DEBUG', 'RELOAD');
    assert.equal(await volatileKeys(), 1);
    assert.ok(((await r.call('HTTL', 'c', 'FIELDS', '1', 'f')) as number[])[0]! > 90);
  });
});

describe('DEBUG RELOAD', () => {
  test('small hashes without field TTLs load as listpack; expired fields are dropped', async () => {
    await r.call('CONFIG', 'SET', 'hash-max-listpack-entries', '2');
    // Off before the 1 ms field TTLs exist: the expiry cycle must not reach them before the reload.
    srv.server.activeExpireEnabled = false;
    await r.call('HSET', 'h', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(enc('h'), ENC_HT);
    await r.call('HDEL', 'h', 'c');
    await r.call('HSET', 'v', 'a', '1', 'b', '2');
    await r.call('HEXPIRE', 'v', '1000', 'FIELDS', '1', 'a');
    await r.call('HSET', 'gone', 'a', '1');
    await r.call('HPEXPIRE', 'gone', '1', 'FIELDS', '1', 'a');
    await r.call('HSET', 'part', 'a', '1', 'b', '2');
    await r.call('HPEXPIRE', 'part', '1', 'FIELDS', '1', 'a');
    await sleep(20);
    const before = expiredFields();
    assert.equal(await r.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(enc('h'), ENC_LISTPACK);
    assert.deepEqual(await r.call('HGETALL', 'h'), ['a', '1', 'b', '2']);
    assert.equal(enc('v'), ENC_HT);
    assert.ok(((await r.call('HTTL', 'v', 'FIELDS', '1', 'a')) as number[])[0]! > 900);
    assert.equal(exists('gone'), false);
    assert.equal(enc('part'), ENC_LISTPACK);
    assert.equal(await r.call('HLEN', 'part'), 1);
    assert.equal(expiredFields(), before + 2);
    assert.equal(await volatileKeys(), 1);
  });
});

describe('misc', () => {
  test('the hash object type and DEBUG OBJECT', async () => {
    await r.call('HSET', 'h', 'a', '1');
    assert.equal(srv.server.ks.arena.type(addr('h')), OBJ_HASH);
    assert.equal(await r.call('TYPE', 'h'), 'hash');
    assert.match(String(await r.call('DEBUG', 'OBJECT', 'h')), /encoding:listpack serializedlength:\d+/);
    assert.ok(obj('h') instanceof HashObject);
  });

});
