// The SET family over real sockets: every command, encodings and their conversions, replies in
// RESP2 and RESP3, errors, keyspace events and the dirty counter (in-process), random-member
// semantics of SPOP / SRANDMEMBER with counts.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand } from '../bench/resp.js';
import { ENC_HT, ENC_INTSET, ENC_LISTPACK, ENC_QUICKLIST, NOTIFY_GENERIC, NOTIFY_SET, OBJ_LIST, OBJ_SET } from '../src/store/types.js';
import { RdbOut, RdbReader, rdbCodecFor, RDB_TYPE_SET, RDB_TYPE_SET_INTSET, RDB_TYPE_SET_LISTPACK } from '../src/persistence/rdb.js';
import type { SetObject } from '../src/ds/set.js';
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
  await r.call('CONFIG', 'SET', 'set-max-intset-entries', '512', 'set-max-listpack-entries', '128', 'set-max-listpack-value', '64');
  events.length = 0;
});

const db = () => srv.server.ks.dbs[0]!;
const exists = (k: string): boolean => db().existsNoSideEffects(Buffer.from(k));
const evs = (): string[] => events.filter((e) => e[1] !== 'flushall').map((e) => `${e[1]}:${e[0]}`);
const enc = (k: string) => r.call('OBJECT', 'ENCODING', k);
const sorted = async (p: Promise<unknown>): Promise<string[]> => ((await p) as string[]).slice().sort();
function makeList(key: string): void {
  db().setObject(Buffer.from(key), OBJ_LIST, ENC_QUICKLIST, { memoryUsage: () => 0 });
}
async function rawText(...args: string[]): Promise<string> {
  await raw.write(encodeCommand(args));
  return raw.raw();
}
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const range = (n: number, f: (i: number) => string = String): string[] => Array.from({ length: n }, (_, i) => f(i));

describe('SADD / SREM / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS', () => {
  test('basics on every encoding', async () => {
    for (const [first, encName] of [['17', 'intset'], ['foo', 'listpack']] as const) {
      await r.call('DEL', 's');
      assert.equal(await r.call('SADD', 's', first), 1);
      assert.equal(await enc('s'), encName);
      assert.equal(await r.call('SADD', 's', '16'), 1);
      assert.equal(await r.call('SADD', 's', '16'), 0);
      assert.equal(await r.call('SCARD', 's'), 2);
      assert.equal(await r.call('SISMEMBER', 's', '16'), 1);
      assert.equal(await r.call('SISMEMBER', 's', '18'), 0);
      assert.deepEqual(await r.call('SMISMEMBER', 's', '16', '18', first), [1, 0, 1]);
      assert.deepEqual(await sorted(r.call('SMEMBERS', 's')), [first, '16'].sort());
    }
    await r.call('SADD', 'h', ...range(200, (i) => `m${i}`));
    assert.equal(await enc('h'), 'hashtable');
    assert.equal(await r.call('SCARD', 'h'), 200);
    assert.equal(await r.call('SISMEMBER', 'h', 'm199'), 1);
    assert.equal(await r.call('SISMEMBER', 'h', 'm200'), 0);
    assert.deepEqual(await sorted(r.call('SMEMBERS', 'h')), range(200, (i) => `m${i}`).sort());
  });

  test('missing keys read as empty sets', async () => {
    assert.equal(await r.call('SCARD', 'nokey'), 0);
    assert.equal(await r.call('SISMEMBER', 'nokey', 'a'), 0);
    assert.deepEqual(await r.call('SMISMEMBER', 'nokey', 'a', 'b'), [0, 0]);
    assert.deepEqual(await r.call('SMEMBERS', 'nokey'), []);
    assert.equal(await r.call('SREM', 'nokey', 'a'), 0);
  });

  test('WRONGTYPE everywhere', async () => {
    makeList('l');
    for (const args of [['SADD', 'l', 'a'], ['SREM', 'l', 'a'], ['SCARD', 'l'], ['SISMEMBER', 'l', 'a'],
      ['SMISMEMBER', 'l', 'a'], ['SMEMBERS', 'l'], ['SPOP', 'l'], ['SPOP', 'l', '2'], ['SRANDMEMBER', 'l'],
      ['SRANDMEMBER', 'l', '2'], ['SSCAN', 'l', '0'], ['SINTER', 'l'], ['SUNION', 'l'], ['SDIFF', 'l'],
      ['SINTERCARD', '1', 'l']]) {
      assert.equal(await err(r.call(args[0]!, ...args.slice(1))), WRONGTYPE, args.join(' '));
    }
  });

  test('arity errors come from the dispatcher', async () => {
    assert.match(await err(r.call('SMISMEMBER', 's')), /wrong number of arguments for 'smismember'/);
    assert.match(await err(r.call('SADD', 's')), /wrong number of arguments for 'sadd'/);
  });

  test('variadic SADD and SREM; the key goes with its last member', async () => {
    assert.equal(await r.call('SADD', 's', 'a', 'b', 'c'), 3);
    assert.equal(await r.call('SADD', 's', 'A', 'a', 'b', 'c', 'B'), 2);
    assert.equal(await r.call('SREM', 's', 'k', 'k'), 0);
    assert.equal(await r.call('SREM', 's', 'A', 'B', 'x'), 2);
    assert.equal(await r.call('SREM', 's', 'a', 'b', 'c', 'd', 'e'), 3);
    assert.ok(!exists('s'));
    assert.deepEqual(evs(), ['sadd:s', 'sadd:s', 'srem:s', 'srem:s', 'del:s']);
    assert.equal(events.find((e) => e[1] === 'sadd')![2], NOTIFY_SET);
    assert.equal(events.find((e) => e[1] === 'del')![2], NOTIFY_GENERIC);
  });

  test('no event and no dirty change when nothing changes; dirty counts members', async () => {
    await r.call('SADD', 's', 'a');
    events.length = 0;
    const d0 = srv.server.ks.dirty;
    await r.call('SADD', 's', 'a');
    await r.call('SREM', 's', 'zz');
    assert.deepEqual(evs(), []);
    assert.equal(srv.server.ks.dirty, d0);
    await r.call('SADD', 's', 'b', 'c', 'd');
    assert.equal(srv.server.ks.dirty, d0 + 3);
  });

  test('binary members', async () => {
    const bin = Buffer.from([0, 1, 255, 13, 10]);
    await r.call('SADD', 'b', bin, 'x');
    assert.equal(await r.call('SISMEMBER', 'b', bin), 1);
    const ms = (await r.callBuffer('SMEMBERS', 'b')) as Buffer[];
    assert.ok(ms.some((m) => m.equals(bin)));
    await r.call('SADD', 'hb', bin, ...range(200));
    assert.equal(await r.call('SISMEMBER', 'hb', bin), 1);
  });
});

describe('encodings and conversions', () => {
  test('intset -> listpack / hashtable on a non-integer', async () => {
    await r.call('SADD', 's', '1', '2', '3');
    assert.equal(await enc('s'), 'intset');
    await r.call('SADD', 's', 'a');
    assert.equal(await enc('s'), 'listpack');
    await r.call('SADD', 'big', ...range(130));
    assert.equal(await enc('big'), 'intset');
    await r.call('SADD', 'big', 'a');
    assert.equal(await enc('big'), 'hashtable');
  });

  test('integers beyond 64 bits are strings', async () => {
    await r.call('SADD', 's', '213244124402402314402033402');
    assert.equal(await enc('s'), 'listpack');
    await r.call('SADD', 'i', '9223372036854775807', '-9223372036854775808');
    assert.equal(await enc('i'), 'intset');
    assert.deepEqual(await r.call('SMEMBERS', 'i'), ['-9223372036854775808', '9223372036854775807']);
    await r.call('SADD', 'n', '01');
    assert.equal(await enc('n'), 'listpack');
  });

  for (const kind of ['single', 'multiple', 'single_multiple']) {
    test(`intset holds exactly set-max-intset-entries (${kind})`, async () => {
      const all = range(512);
      if (kind === 'single') for (const m of all) await r.call('SADD', 's', m);
      else if (kind === 'multiple') await r.call('SADD', 's', ...all);
      else { await r.call('SADD', 's', '1'); await r.call('SADD', 's', ...all); }
      assert.equal(await enc('s'), 'intset');
      assert.equal(await r.call('SCARD', 's'), 512);
      await r.call('SADD', 's', '512');
      assert.equal(await enc('s'), 'hashtable');
    });
    test(`listpack holds exactly set-max-listpack-entries (${kind})`, async () => {
      const all = ['a', ...range(127)];
      if (kind === 'single') for (const m of all) await r.call('SADD', 's', m);
      else if (kind === 'multiple') await r.call('SADD', 's', ...all);
      else { await r.call('SADD', 's', 'a'); await r.call('SADD', 's', ...all); }
      assert.equal(await enc('s'), 'listpack');
      assert.equal(await r.call('SCARD', 's'), 128);
      await r.call('SADD', 's', 'b');
      assert.equal(await enc('s'), 'hashtable');
    });
  }

  test('set-max-listpack-value and CONFIG SET thresholds', async () => {
    await r.call('SADD', 's', 'a', 'x'.repeat(64));
    assert.equal(await enc('s'), 'listpack');
    await r.call('SADD', 's', 'y'.repeat(65));
    assert.equal(await enc('s'), 'hashtable');
    await r.call('CONFIG', 'SET', 'set-max-listpack-entries', '0');
    await r.call('SADD', 'z', 'a');
    assert.equal(await enc('z'), 'hashtable');
    await r.call('CONFIG', 'SET', 'set-max-intset-entries', '0');
    await r.call('SADD', 'zi', '1');
    assert.equal(await enc('zi'), 'hashtable');
  });

  test('hashtables never convert back on SREM', async () => {
    await r.call('SADD', 's', ...range(200, (i) => `m${i}`));
    await r.call('SREM', 's', ...range(199, (i) => `m${i}`));
    assert.equal(await enc('s'), 'hashtable');
    assert.deepEqual(await r.call('SMEMBERS', 's'), ['m199']);
  });

  test('COPY keeps the encoding and the contents (DEBUG DIGEST-VALUE)', async () => {
    for (const members of [['1', '2', '3'], ['1', 'a'], range(200, (i) => `e${i}`)]) {
      await r.call('DEL', 'a', 'b');
      await r.call('SADD', 'a', ...members);
      await r.call('COPY', 'a', 'b');
      assert.equal(await enc('b'), await enc('a'));
      const d = await r.call('DEBUG', 'DIGEST-VALUE', 'a');
      assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 'b'), d);
      await r.call('SADD', 'b', 'new');
      assert.equal(await r.call('SISMEMBER', 'a', 'new'), 0);
    }
  });

  test('DEBUG DIGEST-VALUE is order-independent (same as Valkey for equal sets)', async () => {
    await r.call('SADD', 'x', 'c', 'a', 'b');
    await r.call('SADD', 'y', 'a', 'b', 'c');
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 'x'), await r.call('DEBUG', 'DIGEST-VALUE', 'y'));
  });

  test('DEBUG RELOAD gives sets back as an RDB load does', async () => {
    await r.call('SADD', 'intset', ...range(100));
    await r.call('SADD', 'bigint', ...range(1280));
    await r.call('SADD', 'small', ...range(50, (i) => `i${i}`));
    await r.call('SADD', 'big', ...range(256, (i) => `i${i}`));
    // Hashtables that shrank come back in a small encoding.
    await r.call('SADD', 'shrunk', ...range(200, (i) => `m${i}`));
    await r.call('SREM', 'shrunk', ...range(190, (i) => `m${i}`));
    await r.call('SADD', 'shrunkint', 'x', ...range(200));
    await r.call('SREM', 'shrunkint', 'x', ...range(190));
    const before = await r.call('DEBUG', 'DIGEST');
    assert.equal(await enc('shrunk'), 'hashtable');
    assert.equal(await r.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await r.call('DEBUG', 'DIGEST'), before);
    for (const [k, e] of [['intset', 'intset'], ['bigint', 'hashtable'], ['small', 'listpack'], ['big', 'hashtable'],
      ['shrunk', 'listpack'], ['shrunkint', 'intset']]) {
      assert.equal(await enc(k!), e, k);
    }
    // Encodings over the current limits become hashtables.
    await r.call('CONFIG', 'SET', 'set-max-intset-entries', '50', 'set-max-listpack-entries', '10');
    assert.equal(await r.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await enc('intset'), 'hashtable');
    assert.equal(await enc('small'), 'hashtable');
    assert.equal(await r.call('DEBUG', 'DIGEST'), before);
  });

  test('RDB codec: type bytes, round trips, load-time limits', async () => {
    const codec = rdbCodecFor(OBJ_SET)!;
    assert.ok(codec);
    const ctx = { server: srv.server, version: 80, now: Date.now(), dropExpired: true };
    const roundTrip = (key: string, version = 80): { t: number; enc: number; obj: SetObject } => {
      const a = db().findRaw(Buffer.from(key));
      const obj = db().object<SetObject>(a);
      const t = codec.rdbType(obj, srv.server.ks.arena.encoding(a), version);
      const out = new RdbOut();
      codec.save(out, obj, t, version, true);
      const v = codec.load(new RdbReader(out.take()), t, ctx);
      return { t, enc: v.enc, obj: v.obj as SetObject };
    };
    await r.call('SADD', 'i', '1', '2', '-3', '5000000000');
    await r.call('SADD', 'l', 'a', '1', 'x'.repeat(40));
    await r.call('SADD', 'h', ...range(300, (i) => `m${i}`));
    let v = roundTrip('i');
    assert.deepEqual([v.t, v.enc], [RDB_TYPE_SET_INTSET, ENC_INTSET]);
    assert.deepEqual(v.obj.members().map(String), ['-3', '1', '2', '5000000000']);
    v = roundTrip('l');
    assert.deepEqual([v.t, v.enc], [RDB_TYPE_SET_LISTPACK, ENC_LISTPACK]);
    assert.deepEqual(v.obj.members().map(String), ['a', '1', 'x'.repeat(40)]);
    // RDB 10 has no listpack sets: plain sets, re-encoded on load.
    v = roundTrip('l', 10);
    assert.deepEqual([v.t, v.enc], [RDB_TYPE_SET, ENC_LISTPACK]);
    v = roundTrip('h');
    assert.deepEqual([v.t, v.enc], [RDB_TYPE_SET, ENC_HT]);
    assert.equal(v.obj.n, 300);
    await r.call('CONFIG', 'SET', 'set-max-intset-entries', '2', 'set-max-listpack-entries', '2');
    assert.equal(roundTrip('i').enc, ENC_HT);
    assert.equal(roundTrip('l').enc, ENC_HT);
  });

  test('MEMORY USAGE grows with the set', async () => {
    await r.call('SADD', 's', 'a');
    const small = (await r.call('MEMORY', 'USAGE', 's')) as number;
    await r.call('SADD', 's', ...range(1000, (i) => `member-${i}`));
    assert.ok((await r.call('MEMORY', 'USAGE', 's')) as number > small + 10000);
  });
});

describe('SMOVE', () => {
  async function setup(): Promise<void> {
    await r.call('DEL', 's1', 's2', 's3');
    await r.call('SADD', 's1', '1', 'a', 'b');
    await r.call('SADD', 's2', '2', '3', '4');
    events.length = 0;
  }
  test('moves between encodings', async () => {
    await setup();
    assert.equal(await r.call('SMOVE', 's1', 's2', 'a'), 1);
    assert.deepEqual(await sorted(r.call('SMEMBERS', 's1')), ['1', 'b']);
    assert.deepEqual(await sorted(r.call('SMEMBERS', 's2')), ['2', '3', '4', 'a']);
    assert.equal(await enc('s2'), 'listpack');
    assert.deepEqual(evs(), ['srem:s1', 'sadd:s2']);
    await setup();
    assert.equal(await r.call('SMOVE', 's1', 's2', '1'), 1);
    assert.equal(await enc('s2'), 'intset');
  });
  test('to a new destination; the emptied source goes', async () => {
    await setup();
    assert.equal(await r.call('SMOVE', 's2', 's3', '2'), 1);
    assert.equal(await enc('s3'), 'intset');
    await r.call('SMOVE', 's1', 's3', 'a');
    assert.equal(await enc('s3'), 'listpack');
    await r.call('SADD', 'one', 'x');
    events.length = 0;
    assert.equal(await r.call('SMOVE', 'one', 's3', 'x'), 1);
    assert.ok(!exists('one'));
    assert.deepEqual(evs(), ['srem:one', 'del:one', 'sadd:s3']);
  });
  test('nothing to move, same key, member already in the destination', async () => {
    await setup();
    assert.equal(await r.call('SMOVE', 's1', 's2', 'foo'), 0);
    assert.equal(await r.call('SMOVE', 'nokey', 's2', 'foo'), 0);
    assert.equal(await r.call('SMOVE', 's1', 's1', 'a'), 1);
    assert.equal(await r.call('SMOVE', 's1', 's1', 'zz'), 0);
    assert.deepEqual(evs(), []);
    await r.call('SADD', 's2', 'b');
    events.length = 0;
    assert.equal(await r.call('SMOVE', 's1', 's2', 'b'), 1);
    // The destination did not change: no event for it.
    assert.deepEqual(evs(), ['srem:s1']);
  });
  test('wrong types', async () => {
    await setup();
    await r.call('SET', 'x', '10');
    assert.equal(await err(r.call('SMOVE', 'x', 's2', 'foo')), WRONGTYPE);
    assert.equal(await err(r.call('SMOVE', 's2', 'x', 'foo')), WRONGTYPE);
    // A missing source answers 0 before the destination type is looked at.
    assert.equal(await r.call('SMOVE', 'nokey', 'x', 'foo'), 0);
  });
});

describe('SPOP', () => {
  test('single pops every member then the key goes', async () => {
    for (const members of [['a', 'b', 'c'], ['1', '2', '3']]) {
      await r.call('DEL', 's');
      await r.call('SADD', 's', ...members);
      const got = [await r.call('SPOP', 's'), await r.call('SPOP', 's'), await r.call('SPOP', 's')];
      assert.deepEqual((got as string[]).sort(), members);
      assert.ok(!exists('s'));
      assert.equal(await r.call('SPOP', 's'), null);
    }
  });
  test('events: spop, then del when emptied', async () => {
    await r.call('SADD', 's', 'a', 'b');
    events.length = 0;
    await r.call('SPOP', 's');
    await r.call('SPOP', 's');
    assert.deepEqual(evs(), ['spop:s', 'spop:s', 'del:s']);
  });
  for (const [name, members] of [
    ['listpack', range(26, (i) => String.fromCharCode(97 + i))],
    ['intset', range(26, (i) => String(i + 1))],
    ['hashtable', ['ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', ...range(25, (i) => String.fromCharCode(98 + i))]],
    ['big hashtable', range(1000, (i) => `m${i}`)],
  ] as const) {
    test(`with counts pops distinct members until empty (${name})`, async () => {
      await r.call('SADD', 's', ...members);
      const got: string[] = [];
      for (const n of [11, 9, 0, 4, 1, 0, 1, 0, 300, 2, 500, 1000]) {
        const part = (await r.call('SPOP', 's', String(n))) as string[];
        assert.ok(part.length <= n);
        got.push(...part);
      }
      assert.deepEqual(got.sort(), [...members].sort());
      assert.ok(!exists('s'));
    });
  }
  test('count strategies keep the rest intact (paths 1, 2 and 3)', async () => {
    for (const content of [range(20, (i) => String(i + 1)), ['a', ...range(19, (i) => String(i + 2))], range(300, (i) => `h${i}`)]) {
      for (const count of [2, content.length - 2, content.length + 10]) {
        await r.call('DEL', 's');
        await r.call('SADD', 's', ...content);
        const res = (await r.call('SPOP', 's', String(count))) as string[];
        assert.equal(res.length, Math.min(count, content.length));
        assert.equal(new Set(res).size, res.length);
        const rest = (await r.call('SMEMBERS', 's')) as string[];
        assert.deepEqual([...res, ...rest].sort(), [...content].sort());
      }
    }
  });
  test('path 3 rebuilds a hashtable as a smaller encoding, keeping the TTL', async () => {
    await r.call('SADD', 's', ...range(300, (i) => `h${i}`));
    await r.call('EXPIRE', 's', '1000');
    await r.call('SPOP', 's', '290');
    assert.equal(await enc('s'), 'listpack');
    assert.equal(await r.call('SCARD', 's'), 10);
    assert.ok((await r.call('TTL', 's')) as number > 900);
    // Members of a hashtable come out as strings: the rebuilt set is a listpack, as in Valkey.
    await r.call('SADD', 'i', ...range(1000));
    await r.call('SPOP', 'i', '995');
    assert.equal(await enc('i'), 'listpack');
    // From an intset, an intset.
    await r.call('SADD', 'j', ...range(100));
    await r.call('SPOP', 'j', '99');
    assert.equal(await enc('j'), 'intset');
    // More remaining members than a listpack holds: a hashtable again.
    await r.call('CONFIG', 'SET', 'set-max-listpack-entries', '4');
    await r.call('SADD', 'k', ...range(100, (i) => `k${i}`));
    await r.call('SPOP', 'k', '90');
    assert.equal(await enc('k'), 'hashtable');
    await r.call('SADD', 'i2', 'x', ...range(1000));
    await r.call('SPOP', 'i2', '990');
    assert.equal(await r.call('SCARD', 'i2'), 11);
  });
  test('count events and dirty', async () => {
    await r.call('SADD', 's', 'a', 'b', 'c', 'd');
    events.length = 0;
    const d0 = srv.server.ks.dirty;
    await r.call('SPOP', 's', '2');
    assert.equal(srv.server.ks.dirty, d0 + 2);
    await r.call('SPOP', 's', '10');
    assert.deepEqual(evs(), ['spop:s', 'spop:s', 'del:s']);
    assert.equal(srv.server.ks.dirty, d0 + 4);
    events.length = 0;
    await r.call('SPOP', 'nokey', '3');
    await r.call('SADD', 's', 'a');
    events.length = 0;
    await r.call('SPOP', 's', '0');
    assert.deepEqual(evs(), []);
  });
  test('errors and replies for missing keys', async () => {
    assert.deepEqual(await r.call('SPOP', 'nokey', '100'), []);
    assert.equal(await err(r.call('SPOP', 's', '-1')), 'ERR value is out of range, must be positive');
    assert.equal(await err(r.call('SPOP', 's', 'abc')), 'ERR value is out of range, must be positive');
    assert.equal(await err(r.call('SPOP', 's', '1', '2')), SYNTAX);
  });
  test('RESP3: counts reply sets, SPOP without count a bulk or null', async () => {
    await rawText('HELLO', '3');
    await rawText('SADD', 's', 'a', 'b', 'c');
    assert.equal(await rawText('SPOP', 'nokey'), '_\r\n');
    assert.equal(await rawText('SPOP', 'nokey', '2'), '~0\r\n');
    assert.equal(await rawText('SPOP', 's', '0'), '~0\r\n');
    assert.match(await rawText('SPOP', 's', '1'), /^~1\r\n\$1\r\n[abc]\r\n$/);
    assert.match(await rawText('SPOP', 's', '5'), /^~2\r\n/);
    await rawText('HELLO', '2');
    assert.equal(await rawText('SPOP', 'nokey'), '$-1\r\n');
    assert.equal(await rawText('SPOP', 'nokey', '2'), '*0\r\n');
  });
});

describe('SRANDMEMBER', () => {
  test('without count', async () => {
    assert.equal(await r.call('SRANDMEMBER', 'nokey'), null);
    for (const members of [['a', 'b', 'c'], ['1', '2', '3']]) {
      await r.call('DEL', 's');
      await r.call('SADD', 's', ...members);
      const seen = new Set<string>();
      for (let i = 0; i < 100; i++) seen.add((await r.call('SRANDMEMBER', 's')) as string);
      assert.deepEqual([...seen].sort(), members);
      assert.equal(await r.call('SCARD', 's'), 3);
    }
  });
  test('count 0, missing key, overflow, syntax', async () => {
    await r.call('SADD', 's', 'a');
    assert.equal(await rawText('SRANDMEMBER', 's', '0'), '*0\r\n');
    assert.equal(await rawText('SRANDMEMBER', 'nokey', '100'), '*0\r\n');
    assert.equal(await err(r.call('SRANDMEMBER', 's', '-9223372036854775808')),
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    assert.equal(await err(r.call('SRANDMEMBER', 's', 'x')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('SRANDMEMBER', 's', '1', '2')), SYNTAX);
    // Always an array (not a set) in RESP3 too.
    await rawText('HELLO', '3');
    assert.equal(await rawText('SRANDMEMBER', 's', '1'), '*1\r\n$1\r\na\r\n');
    assert.equal(await rawText('SRANDMEMBER', 'nokey', '1'), '*0\r\n');
    await rawText('HELLO', '2');
  });
  for (const [name, members] of [
    ['listpack', [...range(14, (i) => String(i * 7 + 1)), ...range(36, (i) => `name${i}`)]],
    ['intset', range(50)],
    ['hashtable', ['ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', ...range(49, (i) => `v${i}`)]],
  ] as const) {
    test(`counts on a ${name}: negative repeats, positive distinct, all paths reach every member`, async () => {
      await r.call('SADD', 's', ...members);
      const all = new Set<string>(members);
      const neg = (await r.call('SRANDMEMBER', 's', '-100')) as string[];
      assert.equal(neg.length, 100);
      for (const m of neg) assert.ok(all.has(m));
      for (const size of [50, 100]) {
        const res = (await r.call('SRANDMEMBER', 's', String(size))) as string[];
        assert.deepEqual(res.slice().sort(), [...all].sort());
      }
      for (const size of [45, 5]) {
        const seen = new Set<string>();
        for (let it = 0; it < 1000 && seen.size < all.size; it++) {
          const res = (await r.call('SRANDMEMBER', 's', String(size))) as string[];
          assert.equal(res.length, size);
          assert.equal(new Set(res).size, size, 'distinct');
          for (const m of res) { assert.ok(all.has(m)); seen.add(m); }
        }
        assert.equal(seen.size, all.size);
      }
      assert.equal(await r.call('SCARD', 's'), members.length);
    });
  }
  test('distribution is even (chi-square) for negative and positive counts', async () => {
    await r.call('SADD', 's', ...range(10, (i) => `m${i}`), ...range(1, () => 'x'.repeat(70)));
    const chi = (xs: string[]): number => {
      const counts = new Map<string, number>();
      for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
      const exp = xs.length / counts.size;
      let s = 0;
      for (const v of counts.values()) s += (v - exp) ** 2 / exp;
      return s;
    };
    assert.ok(chi((await r.call('SRANDMEMBER', 's', '-2000')) as string[]) < 40);
    for (const size of [8, 2]) {
      const xs: string[] = [];
      for (let i = 0; i < 1000 / size; i++) xs.push(...((await r.call('SRANDMEMBER', 's', String(size))) as string[]));
      assert.ok(chi(xs) < 40);
    }
  });
});

describe('SINTER / SUNION / SDIFF and STORE forms', () => {
  async function sets(kind: 'regular' | 'intset'): Promise<string> {
    await r.call('DEL', 'set1', 'set2', 'set3', 'set4', 'set5');
    await r.call('SADD', 'set1', ...range(200));
    await r.call('SADD', 'set2', ...range(200, (i) => String(i + 195)));
    await r.call('SADD', 'set3', '199', '195', '1000', '2000');
    await r.call('SADD', 'set4', ...range(195, (i) => String(i + 5)));
    await r.call('SADD', 'set5', '0');
    const large = kind === 'regular' ? 'foo' : '200';
    for (let i = 1; i <= 5; i++) await r.call('SADD', `set${i}`, large);
    return large;
  }
  for (const kind of ['regular', 'intset'] as const) {
    test(`algebra and encodings (${kind})`, async () => {
      const large = await sets(kind);
      const small = kind === 'regular' ? 'listpack' : 'intset';
      const big = kind === 'regular' ? 'hashtable' : 'intset';
      assert.equal(await enc('set1'), big);
      assert.equal(await enc('set3'), small);
      const exp2 = ['195', '196', '197', '198', '199', large].sort();
      assert.deepEqual(await sorted(r.call('SINTER', 'set1', 'set2')), exp2);
      assert.equal(await r.call('SINTERSTORE', 'res', 'set1', 'set2'), 6);
      assert.equal(await enc('res'), small);
      assert.deepEqual(await sorted(r.call('SMEMBERS', 'res')), exp2);
      assert.deepEqual(await sorted(r.call('SINTER', 'set1', 'set2', 'set3')), ['195', '199', large].sort());
      const union = [...new Set([...range(200), ...range(200, (i) => String(i + 195)), large])].sort();
      assert.deepEqual(await sorted(r.call('SUNION', 'set1', 'set2')), union);
      assert.deepEqual(await sorted(r.call('SUNION', 'nokey1', 'set1', 'set2', 'nokey2')), union);
      assert.equal(await r.call('SUNIONSTORE', 'res', 'set1', 'set2'), union.length);
      assert.equal(await enc('res'), big);
      assert.deepEqual(await sorted(r.call('SDIFF', 'set1', 'set4')), ['0', '1', '2', '3', '4']);
      assert.deepEqual(await sorted(r.call('SDIFF', 'set1', 'set4', 'set5')), ['1', '2', '3', '4']);
      assert.equal(await r.call('SDIFFSTORE', 'res', 'set1', 'set4', 'set5'), 4);
      if (kind === 'intset') assert.equal(await enc('res'), 'intset');
      const s1 = await sorted(r.call('SMEMBERS', 'set1'));
      assert.deepEqual(await sorted(r.call('SINTER', 'set1', 'set1', 'set1')), s1);
      assert.deepEqual(await sorted(r.call('SUNION', 'set1', 'set1', 'set1')), s1);
      assert.deepEqual(await r.call('SDIFF', 'set1', 'set1', 'set1'), []);
    });
  }
  test('SINTERSTORE results of integers become intsets', async () => {
    await r.call('SADD', 'a', 'a', 'b', 'c', '1', '3', '6', 'x', 'y', 'z');
    await r.call('SADD', 'b', 'e', 'f', 'g', '1', '2', '3', 'u', 'v', 'w');
    await r.call('SINTERSTORE', 'res', 'a', 'b');
    assert.deepEqual(await sorted(r.call('SMEMBERS', 'res')), ['1', '3']);
    assert.equal(await enc('res'), 'intset');
    await r.call('SADD', 'a', ...range(130, (i) => String(i + 1)));
    await r.call('SADD', 'b', ...range(130, (i) => String(i + 1)));
    assert.equal(await enc('a'), 'hashtable');
    await r.call('SINTERSTORE', 'res', 'a', 'b');
    assert.equal(await enc('res'), 'intset');
    assert.equal(await r.call('SCARD', 'res'), 130);
  });
  test('SINTER of the same integers in different encodings', async () => {
    await r.call('SADD', 'a', '1', '2', '3');
    await r.call('SADD', 'b', '1', '2', '3', 'a');
    await r.call('SREM', 'b', 'a');
    assert.equal(await enc('b'), 'listpack');
    assert.deepEqual(await sorted(r.call('SINTER', 'a', 'b')), ['1', '2', '3']);
  });
  test('missing keys are empty sets; STORE of an empty result deletes the destination', async () => {
    await r.call('SADD', 'a', 'a', 'b', 'c');
    await r.call('SADD', 'b', 'b', 'c', 'd');
    assert.deepEqual(await r.call('SINTER', 'a', 'b', 'nokey'), []);
    assert.deepEqual(await r.call('SDIFF', 'a', 'b', 'nokey'), ['a']);
    assert.deepEqual(await r.call('SDIFF', 'nokey', 'a'), []);
    for (const cmd of ['SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']) {
      await r.call('SET', 'dst', 'xxx');
      events.length = 0;
      assert.equal(await r.call(cmd, 'dst', 'foo1', 'bar2'), 0);
      assert.ok(!exists('dst'));
      assert.deepEqual(evs(), ['del:dst']);
      events.length = 0;
      assert.equal(await r.call(cmd, 'dst', 'foo1', 'bar2'), 0);
      assert.deepEqual(evs(), []);
    }
  });
  test('STORE replaces any type, clears the TTL, reports its event', async () => {
    await r.call('SADD', 'a', 'a', 'b');
    await r.call('SADD', 'b', 'b', 'c');
    for (const [cmd, ev, n] of [['SINTERSTORE', 'sinterstore', 1], ['SUNIONSTORE', 'sunionstore', 3], ['SDIFFSTORE', 'sdiffstore', 1]] as const) {
      await r.call('SET', 'dst', 'x', 'EX', '100');
      events.length = 0;
      assert.equal(await r.call(cmd, 'dst', 'a', 'b'), n);
      assert.deepEqual(evs(), [`${ev}:dst`]);
      assert.equal(await r.call('TTL', 'dst'), -1);
      assert.equal(await r.call('TYPE', 'dst'), 'set');
    }
    // The destination may be one of the sources.
    assert.equal(await r.call('SUNIONSTORE', 'a', 'a', 'b'), 3);
    assert.deepEqual(await sorted(r.call('SMEMBERS', 'a')), ['a', 'b', 'c']);
  });
  test('WRONGTYPE in any position, destination untouched', async () => {
    await r.call('SET', 'str', 'x');
    await r.call('SADD', 'a', 'a', 'b', 'c');
    await r.call('SADD', 'dst', 'e');
    for (const cmd of ['SINTER', 'SUNION', 'SDIFF']) {
      assert.equal(await err(r.call(cmd, 'str', 'nokey')), WRONGTYPE);
      assert.equal(await err(r.call(cmd, 'nokey', 'str')), WRONGTYPE);
      assert.equal(await err(r.call(cmd, 'a', 'str')), WRONGTYPE);
      assert.equal(await err(r.call(`${cmd}STORE`, 'dst', 'a', 'str')), WRONGTYPE);
      assert.equal(await err(r.call(`${cmd}STORE`, 'new', 'nokey', 'str')), WRONGTYPE);
      assert.ok(!exists('new'));
    }
    assert.deepEqual(await r.call('SMEMBERS', 'dst'), ['e']);
  });
  test('SDIFF agrees with a model (both algorithms)', async () => {
    for (let round = 0; round < 30; round++) {
      const nsets = 1 + Math.floor(Math.random() * 6);
      const keys: string[] = [];
      let model = new Set<string>();
      for (let i = 0; i < nsets; i++) {
        const k = `d${i}`;
        keys.push(k);
        await r.call('DEL', k);
        const n = i === 0 ? Math.floor(Math.random() * 100) : Math.floor(Math.random() * 300);
        const ms = range(n, () => (Math.random() < 0.5 ? String(Math.floor(Math.random() * 200)) : `s${Math.floor(Math.random() * 200)}`));
        if (ms.length) await r.call('SADD', k, ...ms);
        if (i === 0) model = new Set(ms); else for (const m of ms) model.delete(m);
      }
      assert.deepEqual(await sorted(r.call('SDIFF', ...keys)), [...model].sort());
    }
  });
  test('RESP3 replies are sets', async () => {
    await rawText('HELLO', '3');
    await rawText('SADD', 'a', 'x');
    assert.equal(await rawText('SINTER', 'a', 'a'), '~1\r\n$1\r\nx\r\n');
    assert.equal(await rawText('SINTER', 'a', 'nokey'), '~0\r\n');
    assert.equal(await rawText('SUNION', 'a'), '~1\r\n$1\r\nx\r\n');
    assert.equal(await rawText('SDIFF', 'a'), '~1\r\n$1\r\nx\r\n');
    assert.equal(await rawText('SMEMBERS', 'a'), '~1\r\n$1\r\nx\r\n');
    assert.equal(await rawText('SMEMBERS', 'nokey'), '~0\r\n');
    await rawText('HELLO', '2');
  });
});

describe('SINTERCARD', () => {
  test('argument errors', async () => {
    assert.match(await err(r.call('SINTERCARD', '1')), /wrong number of arguments for 'sintercard'/);
    assert.equal(await err(r.call('SINTERCARD', '0', 's')), 'ERR numkeys should be greater than 0');
    assert.equal(await err(r.call('SINTERCARD', 'a', 's')), 'ERR numkeys should be greater than 0');
    assert.equal(await err(r.call('SINTERCARD', '2', 's')), "ERR Number of keys can't be greater than number of args");
    assert.equal(await err(r.call('SINTERCARD', '1', 's', 't')), SYNTAX);
    assert.equal(await err(r.call('SINTERCARD', '1', 's', 'LIMIT')), SYNTAX);
    assert.equal(await err(r.call('SINTERCARD', '1', 's', 'LIMIT', '-1')), "ERR LIMIT can't be negative");
    assert.equal(await err(r.call('SINTERCARD', '1', 's', 'LIMIT', 'a')), "ERR LIMIT can't be negative");
  });
  test('counts with and without LIMIT', async () => {
    assert.equal(await r.call('SINTERCARD', '1', 'nokey'), 0);
    assert.equal(await r.call('SINTERCARD', '1', 'nokey', 'LIMIT', '10'), 0);
    await r.call('SADD', 'a', ...range(200), 'foo');
    await r.call('SADD', 'b', ...range(200, (i) => String(i + 195)), 'foo');
    await r.call('SADD', 'c', 'foo', '195', '199', '1000');
    assert.equal(await r.call('SINTERCARD', '2', 'a', 'b'), 6);
    assert.equal(await r.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '0'), 6);
    assert.equal(await r.call('SINTERCARD', '2', 'a', 'b', 'limit', '3'), 3);
    assert.equal(await r.call('SINTERCARD', '2', 'a', 'b', 'LIMIT', '10'), 6);
    assert.equal(await r.call('SINTERCARD', '3', 'a', 'b', 'c'), 3);
    assert.equal(await r.call('SINTERCARD', '3', 'a', 'b', 'c', 'LIMIT', '2'), 2);
    assert.equal(await r.call('SINTERCARD', '2', 'a', 'nokey'), 0);
    await r.call('SET', 'str', 'x');
    assert.equal(await err(r.call('SINTERCARD', '2', 'str', 'nokey')), WRONGTYPE);
  });
});

describe('SSCAN', () => {
  for (const [encName, prefix, count] of [['intset', '', 100], ['listpack', 'ele:', 100], ['hashtable', 'ele:', 200]] as const) {
    test(`full iteration (${encName})`, async () => {
      await r.call('SADD', 's', ...range(count, (i) => `${prefix}${i}`));
      assert.equal(await enc('s'), encName);
      const got = new Set<string>();
      let cur = '0', calls = 0;
      do {
        const [next, items] = (await r.call('SSCAN', 's', cur)) as [string, string[]];
        for (const m of items) got.add(m);
        cur = next;
        calls++;
      } while (cur !== '0');
      assert.equal(got.size, count);
      if (encName === 'hashtable') assert.ok(calls > 5, 'a hashtable is scanned in steps');
      else assert.equal(calls, 1);
    });
  }
  test('MATCH and COUNT', async () => {
    await r.call('SADD', 's', 'foo', 'fab', 'fiz', 'foobar', '1', '2', '3', '4');
    const [, items] = (await r.call('SSCAN', 's', '0', 'MATCH', 'foo*', 'COUNT', '10000')) as [string, string[]];
    assert.deepEqual(items.sort(), ['foo', 'foobar']);
    await r.call('SADD', 'i', '1', 'a');
    assert.deepEqual(((await r.call('SSCAN', 'i', '0', 'MATCH', '*1*')) as [string, string[]])[1], ['1']);
    await r.call('SADD', 'h', ...range(300, (i) => `k${i}`));
    const [cur, some] = (await r.call('SSCAN', 'h', '0', 'COUNT', '50')) as [string, string[]];
    assert.equal(some.length, 50);
    assert.notEqual(cur, '0');
  });
  test('keeps returning members that stay while others are removed', async () => {
    await r.call('SADD', 's', 'x', ...range(800));
    const found = new Set<string>();
    let cur = '0', it = 0;
    do {
      const [next, items] = (await r.call('SSCAN', 's', cur)) as [string, string[]];
      for (const m of items) found.add(m);
      cur = next;
      if (++it === 3) await r.call('SREM', 's', ...range(700, (i) => String(i + 100)));
    } while (cur !== '0');
    for (let i = 0; i < 100; i++) assert.ok(found.has(String(i)), `missing ${i}`);
  });
  test('errors and missing keys', async () => {
    await r.call('SADD', 's', 'a');
    assert.deepEqual(await r.call('SSCAN', 'nokey', '0'), ['0', []]);
    assert.deepEqual(await r.call('SSCAN', 'nokey', '0', 'bogus'), ['0', []]);
    assert.equal(await err(r.call('SSCAN', 's', 'abc')), 'ERR invalid cursor');
    assert.equal(await err(r.call('SSCAN', 's', '0', 'COUNT', '0')), SYNTAX);
    assert.equal(await err(r.call('SSCAN', 's', '0', 'COUNT', 'x')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('SSCAN', 's', '0', 'TYPE', 'string')), SYNTAX);
    assert.equal(await err(r.call('SSCAN', 's', '0', 'NOVALUES')), 'ERR NOVALUES option can only be used in HSCAN');
    assert.equal(await err(r.call('SSCAN', 's', '0', 'NOSCORES')), 'ERR NOSCORES option can only be used in ZSCAN');
    assert.equal(await err(r.call('SSCAN', 's', '0', 'MATCH')), SYNTAX);
  });
});
