// The LIST family over real sockets: every command, its options, edge cases and error paths,
// reply shapes on RESP2 and RESP3 (null vs empty), encodings and their conversions at
// list-max-listpack-size, plain nodes, keyspace events and the dirty counter.
// Blocking commands are covered in test/blocking.test.ts.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn } from '../bench/resp.js';
import { NOTIFY_GENERIC, NOTIFY_LIST, NOTIFY_NEW } from '../src/store/types.js';

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
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'list-max-listpack-size', '-2');
  await r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0');
  events.length = 0;
});

const call = (...args: (string | number | Buffer)[]): Promise<unknown> => r.call(String(args[0]), ...args.slice(1).map((a) => (Buffer.isBuffer(a) ? a : String(a))));
const enc = async (key: string): Promise<string> => String(await r.call('OBJECT', 'ENCODING', key));
const lrange = async (key: string): Promise<string[]> => (await r.call('LRANGE', key, '0', '-1')) as string[];
const dirty = (): number => srv.server.ks.dirty;
const fails = async (p: Promise<unknown>, msg: string | RegExp): Promise<void> => {
  await assert.rejects(p, (e: Error) => (typeof msg === 'string' ? e.message === msg : msg.test(e.message)));
};
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

describe('LPUSH / RPUSH / LPUSHX / RPUSHX', () => {
  test('push to both ends, variadic, replies with the new length', async () => {
    assert.equal(await call('LPUSH', 'l', 'a', 'b', 'c'), 3);
    assert.equal(await call('RPUSH', 'l', '1', '2'), 5);
    assert.deepEqual(await lrange('l'), ['c', 'b', 'a', '1', '2']);
    assert.equal(await call('TYPE', 'l'), 'list');
    assert.equal(await enc('l'), 'listpack');
  });

  test('X variants only push to existing lists', async () => {
    assert.equal(await call('LPUSHX', 'l', 'a'), 0);
    assert.equal(await call('RPUSHX', 'l', 'a', 'b'), 0);
    assert.equal(await call('EXISTS', 'l'), 0);
    await call('RPUSH', 'l', 'x');
    assert.equal(await call('LPUSHX', 'l', 'a', 'b'), 3);
    assert.equal(await call('RPUSHX', 'l', 'y', 'z'), 5);
    assert.deepEqual(await lrange('l'), ['b', 'a', 'x', 'y', 'z']);
  });

  test('WRONGTYPE against other types, nothing changes', async () => {
    await call('SET', 's', 'v');
    for (const c of ['LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX']) await fails(call(c, 's', 'a'), WRONGTYPE);
    assert.equal(await call('GET', 's'), 'v');
  });

  test('arity', async () => {
    await fails(call('LPUSH', 'l'), "ERR wrong number of arguments for 'lpush' command");
    await fails(call('RPUSHX', 'l'), "ERR wrong number of arguments for 'rpushx' command");
  });

  test('events: new + lpush for a new key, dirty counts elements', async () => {
    const d = dirty();
    await call('LPUSH', 'l', 'a', 'b', 'c');
    // 'new' comes from the keyspace's onNewKey hook, not the change events (see notify.test.ts).
    assert.deepEqual(events, [['l', 'lpush', NOTIFY_LIST]]);
    assert.equal(dirty(), d + 3);
    events.length = 0;
    await call('RPUSHX', 'l', 'd');
    assert.deepEqual(events, [['l', 'rpush', NOTIFY_LIST]]);
    events.length = 0;
    await call('LPUSHX', 'nokey', 'd');
    assert.deepEqual(events, []);
  });

  test('binary-safe elements and integer-looking strings round-trip exactly', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
    const vals = ['0', '-0', '007', '+5', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '1e3', '', ' 1'];
    await call('RPUSH', 'l', bin, ...vals);
    const got = (await r.callBuffer('LRANGE', 'l', '0', '-1')) as Buffer[];
    assert.deepEqual(got[0], bin);
    assert.deepEqual(got.slice(1).map((b) => b.toString()), vals);
  });
});

describe('LPOP / RPOP', () => {
  test('single pops and the key goes when empty', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await call('LPOP', 'l'), 'a');
    assert.equal(await call('RPOP', 'l'), 'c');
    assert.equal(await call('LPOP', 'l'), 'b');
    assert.equal(await call('EXISTS', 'l'), 0);
    assert.equal(await call('LPOP', 'l'), null);
  });

  test('with a count: range from each end, capped by the length', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c', 'd', 'e', 'f', 'g');
    assert.deepEqual(await call('LPOP', 'l', 1), ['a']);
    assert.deepEqual(await call('LPOP', 'l', 2), ['b', 'c']);
    assert.deepEqual(await call('RPOP', 'l', 2), ['g', 'f']);
    assert.deepEqual(await call('RPOP', 'l', 100), ['e', 'd']);
    assert.equal(await call('EXISTS', 'l'), 0);
  });

  test('count 0 is an empty array even for an existing list', async () => {
    await call('RPUSH', 'l', 'a');
    assert.deepEqual(await call('LPOP', 'l', 0), []);
    assert.deepEqual(await call('RPOP', 'l', 0), []);
    assert.equal(await call('LLEN', 'l'), 1);
  });

  test('count errors and arity', async () => {
    await fails(call('LPOP', 'l', -1), 'ERR value is out of range, must be positive');
    await fails(call('RPOP', 'l', 'abc'), 'ERR value is out of range, must be positive');
    await fails(call('LPOP', 'l', '-123'), 'ERR value is out of range, must be positive');
    await fails(call('LPOP', 'l', 1, 1), "ERR wrong number of arguments for 'lpop' command");
    await fails(call('RPOP', 'l', 2, 2), "ERR wrong number of arguments for 'rpop' command");
    await call('SET', 's', 'x');
    await fails(call('LPOP', 's'), WRONGTYPE);
    await fails(call('RPOP', 's', 2), WRONGTYPE);
  });

  for (const proto of [2, 3]) {
    test(`reply shapes on RESP${proto}: null bulk, null array, empty array`, async () => {
      const c = await RawConn.connect(srv.port);
      try {
        await c.call('HELLO', proto);
        await c.write('*2\r\n$3\r\nDEL\r\n$2\r\nnk\r\n');
        await c.raw();
        const nil = proto === 2 ? '$-1\r\n' : '_\r\n';
        const nilArr = proto === 2 ? '*-1\r\n' : '_\r\n';
        for (const cmd of ['LPOP', 'RPOP']) {
          await c.write(`*2\r\n$4\r\n${cmd}\r\n$2\r\nnk\r\n`);
          assert.equal(await c.raw(), nil);
          for (const n of ['0', '1']) {
            await c.write(`*3\r\n$4\r\n${cmd}\r\n$2\r\nnk\r\n$1\r\n${n}\r\n`);
            assert.equal(await c.raw(), nilArr);
          }
        }
        await c.call('RPUSH', 'ex', 'zero');
        await c.write('*3\r\n$4\r\nLPOP\r\n$2\r\nex\r\n$1\r\n0\r\n');
        assert.equal(await c.raw(), '*0\r\n');
        await c.write('*3\r\n$4\r\nRPOP\r\n$2\r\nex\r\n$1\r\n0\r\n');
        assert.equal(await c.raw(), '*0\r\n');
        await c.write('*3\r\n$6\r\nLINDEX\r\n$2\r\nnk\r\n$1\r\n0\r\n');
        assert.equal(await c.raw(), nil);
        await c.write('*3\r\n$4\r\nLPOS\r\n$2\r\nnk\r\n$1\r\nx\r\n');
        assert.equal(await c.raw(), nil);
        await c.write('*5\r\n$4\r\nLPOS\r\n$2\r\nnk\r\n$1\r\nx\r\n$5\r\nCOUNT\r\n$1\r\n0\r\n');
        assert.equal(await c.raw(), '*0\r\n');
        await c.write('*4\r\n$5\r\nLMPOP\r\n$1\r\n1\r\n$2\r\nnk\r\n$4\r\nLEFT\r\n');
        assert.equal(await c.raw(), nilArr);
        await c.write('*3\r\n$9\r\nRPOPLPUSH\r\n$2\r\nnk\r\n$2\r\nzz\r\n');
        assert.equal(await c.raw(), nil);
        await c.write('*4\r\n$6\r\nLRANGE\r\n$2\r\nnk\r\n$1\r\n0\r\n$2\r\n-1\r\n');
        assert.equal(await c.raw(), '*0\r\n');
      } finally { c.close(); }
    });
  }

  test('events: lpop/rpop, then del when emptied; dirty counts popped elements', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    events.length = 0;
    let d = dirty();
    await call('LPOP', 'l');
    assert.deepEqual(events, [['l', 'lpop', NOTIFY_LIST]]);
    assert.equal(dirty(), d + 1);
    events.length = 0;
    d = dirty();
    await call('RPOP', 'l', 5);
    assert.deepEqual(events, [['l', 'rpop', NOTIFY_LIST], ['l', 'del', NOTIFY_GENERIC]]);
    assert.equal(dirty(), d + 2);
    events.length = 0;
    await call('RPOP', 'l');
    await call('RPUSH', 'l', 'x');
    events.length = 0;
    await call('LPOP', 'l', 0);
    assert.deepEqual(events, []);
  });
});

describe('LRANGE / LINDEX / LLEN', () => {
  test('ranges with negative, inverted and out-of-range indexes', async () => {
    await call('RPUSH', 'l', 'hello', '1', '2', '3', '4', '5', '6', '7', '8', '9');
    assert.deepEqual(await call('LRANGE', 'l', 1, -2), ['1', '2', '3', '4', '5', '6', '7', '8']);
    assert.deepEqual(await call('LRANGE', 'l', -3, -1), ['7', '8', '9']);
    assert.deepEqual(await call('LRANGE', 'l', 4, 4), ['4']);
    assert.deepEqual(await call('LRANGE', 'l', 6, 2), []);
    assert.deepEqual(await call('LRANGE', 'l', -1, -2), []);
    assert.deepEqual((await call('LRANGE', 'l', -1000, 1000) as string[]).length, 10);
    assert.deepEqual(await call('LRANGE', 'l', 0, -10), ['hello']);
    assert.deepEqual(await call('LRANGE', 'l', 0, -11), []);
    assert.deepEqual(await call('LRANGE', 'l', 10, 20), []);
    assert.deepEqual(await call('LRANGE', 'nokey', 0, 1), []);
    await fails(call('LRANGE', 'l', 'a', 1), 'ERR value is not an integer or out of range');
    await fails(call('LRANGE', 'l', 0, '1.5'), 'ERR value is not an integer or out of range');
  });

  test('LINDEX from both ends, out of range is nil', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await call('LINDEX', 'l', 0), 'a');
    assert.equal(await call('LINDEX', 'l', -1), 'c');
    assert.equal(await call('LINDEX', 'l', 3), null);
    assert.equal(await call('LINDEX', 'l', -4), null);
    assert.equal(await call('LINDEX', 'nokey', 10), null);
    await fails(call('LINDEX', 'l', 'x'), 'ERR value is not an integer or out of range');
    // A missing key answers nil before the index is parsed, as Valkey does.
    assert.equal(await call('LINDEX', 'nokey', 'x'), null);
  });

  test('LLEN and WRONGTYPE of the readers', async () => {
    assert.equal(await call('LLEN', 'nokey'), 0);
    await call('RPUSH', 'l', 'a', 'b');
    assert.equal(await call('LLEN', 'l'), 2);
    await call('SET', 's', 'x');
    await fails(call('LLEN', 's'), WRONGTYPE);
    await fails(call('LINDEX', 's', 0), WRONGTYPE);
    await fails(call('LRANGE', 's', 0, 1), WRONGTYPE);
    await fails(call('LPOS', 's', 'x'), WRONGTYPE);
  });

  test('LINDEX / LRANGE in the middle of a long quicklist', async () => {
    const n = 50000;
    const batch: string[] = [];
    for (let i = 0; i < n; i++) batch.push(String(i));
    for (let i = 0; i < n; i += 5000) await r.call('RPUSH', 'big', ...batch.slice(i, i + 5000));
    assert.equal(await enc('big'), 'quicklist');
    for (const i of [0, 1, 12345, 25000, 37777, n - 1]) {
      assert.equal(await call('LINDEX', 'big', i), String(i));
      assert.equal(await call('LINDEX', 'big', -(n - i)), String(i));
    }
    assert.deepEqual(await call('LRANGE', 'big', 24998, 25002), ['24998', '24999', '25000', '25001', '25002']);
    await call('LSET', 'big', 25000, 'mid');
    assert.equal(await call('LINDEX', 'big', 25000), 'mid');
    assert.equal(await call('LLEN', 'big'), n);
  });
});

describe('LSET', () => {
  test('replaces by index from both ends', async () => {
    await call('RPUSH', 'l', '99', '98', 'hello', '96', '95');
    assert.equal(await call('LSET', 'l', 1, 'foo'), 'OK');
    assert.equal(await call('LSET', 'l', -1, 'bar'), 'OK');
    assert.deepEqual(await lrange('l'), ['99', 'foo', 'hello', '96', 'bar']);
  });

  test('the index is truncated to 32 bits, as Valkey\'s int parameter does', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await call('LSET', 'l', '-9223372036854775808', 'x'), 'OK');
    assert.equal(await call('LSET', 'l', '4294967297', 'y'), 'OK');
    assert.equal(await call('LSET', 'l', '4294967295', 'z'), 'OK'); // -1
    assert.deepEqual(await lrange('l'), ['x', 'y', 'z']);
    await fails(call('LSET', 'l', '2147483648', 'w'), 'ERR index out of range');
  });

  test('errors: no such key, out of range, not an integer, WRONGTYPE', async () => {
    await fails(call('LSET', 'nokey', 0, 'x'), 'ERR no such key');
    await call('RPUSH', 'l', 'a');
    await fails(call('LSET', 'l', 1, 'x'), 'ERR index out of range');
    await fails(call('LSET', 'l', -2, 'x'), 'ERR index out of range');
    await fails(call('LSET', 'l', 'x', 'x'), 'ERR value is not an integer or out of range');
    await call('SET', 's', 'x');
    await fails(call('LSET', 's', 0, 'x'), WRONGTYPE);
  });

  test('event and dirty', async () => {
    await call('RPUSH', 'l', 'a');
    events.length = 0;
    const d = dirty();
    await call('LSET', 'l', 0, 'b');
    assert.deepEqual(events, [['l', 'lset', NOTIFY_LIST]]);
    assert.equal(dirty(), d + 1);
    events.length = 0;
    await call('LSET', 'l', 5, 'b').catch(() => {});
    assert.deepEqual(events, []);
  });
});

describe('LINSERT', () => {
  test('before and after the first match, -1 without a match', async () => {
    await call('RPUSH', 'l', 'a', 'hello', 'c', 'd');
    assert.equal(await call('LINSERT', 'l', 'before', 'c', 'zz'), 5);
    assert.equal(await call('LINSERT', 'l', 'AFTER', 'c', 'yy'), 6);
    assert.equal(await call('LINSERT', 'l', 'after', 'd', 'dd'), 7);
    assert.equal(await call('LINSERT', 'l', 'after', 'bad', 'ddd'), -1);
    assert.equal(await call('LINSERT', 'l', 'BEFORE', 'a', 'aa'), 8);
    assert.deepEqual(await lrange('l'), ['aa', 'a', 'hello', 'zz', 'c', 'yy', 'd', 'dd']);
    assert.equal(await call('LINSERT', 'l', 'before', 'aa', '42'), 9);
    assert.equal(await call('LINDEX', 'l', 0), '42');
    // integer pivots match integer-encoded elements
    assert.equal(await call('LINSERT', 'l', 'after', '42', '43'), 10);
    assert.equal(await call('LINDEX', 'l', 1), '43');
  });

  test('missing key, syntax error, WRONGTYPE', async () => {
    assert.equal(await call('LINSERT', 'nokey', 'before', '0', '0'), 0);
    await call('RPUSH', 'l', 'a');
    await fails(call('LINSERT', 'l', 'aft3r', 'a', '42'), 'ERR syntax error');
    await call('SET', 's', 'x');
    await fails(call('LINSERT', 's', 'after', '0', '0'), WRONGTYPE);
  });

  test('events only when inserted', async () => {
    await call('RPUSH', 'l', 'a');
    events.length = 0;
    await call('LINSERT', 'l', 'after', 'zz', 'x');
    assert.deepEqual(events, []);
    await call('LINSERT', 'l', 'after', 'a', 'x');
    assert.deepEqual(events, [['l', 'linsert', NOTIFY_LIST]]);
  });
});

describe('LREM', () => {
  test('all, first n from the head, last n from the tail', async () => {
    await call('RPUSH', 'l', 'hello', 'foo', 'bar', 'foobar', 'foobared', 'zap', 'bar', 'test', 'foo');
    assert.equal(await call('LREM', 'l', 0, 'bar'), 2);
    assert.deepEqual(await lrange('l'), ['hello', 'foo', 'foobar', 'foobared', 'zap', 'test', 'foo']);
    assert.equal(await call('LREM', 'l', 1, 'foo'), 1);
    assert.deepEqual(await lrange('l'), ['hello', 'foobar', 'foobared', 'zap', 'test', 'foo']);
    assert.equal(await call('LREM', 'l', 1, 'nosuch'), 0);
    await call('DEL', 'l');
    await call('RPUSH', 'l', 'e', 'foo', 'bar', 'x', 'bar', 'foo', 'foo');
    assert.equal(await call('LREM', 'l', -1, 'bar'), 1);
    assert.deepEqual(await lrange('l'), ['e', 'foo', 'bar', 'x', 'foo', 'foo']);
    assert.equal(await call('LREM', 'l', -2, 'foo'), 2);
    assert.deepEqual(await lrange('l'), ['e', 'foo', 'bar', 'x']);
  });

  test('integer-encoded elements, emptying deletes the key', async () => {
    await call('RPUSH', 'l', '1', '2', '3', '2');
    assert.equal(await call('LREM', 'l', 1, '2'), 1);
    assert.deepEqual(await lrange('l'), ['1', '3', '2']);
    events.length = 0;
    await call('DEL', 'l');
    await call('RPUSH', 'l', 'a', 'a');
    events.length = 0;
    const d = dirty();
    assert.equal(await call('LREM', 'l', 0, 'a'), 2);
    assert.deepEqual(events, [['l', 'lrem', NOTIFY_LIST], ['l', 'del', NOTIFY_GENERIC]]);
    assert.equal(dirty(), d + 2);
    assert.equal(await call('EXISTS', 'l'), 0);
  });

  test('errors', async () => {
    assert.equal(await call('LREM', 'nokey', 0, 'a'), 0);
    await fails(call('LREM', 'l', 'x', 'a'), 'ERR value is not an integer or out of range');
    await fails(call('LREM', 'l', '-9223372036854775808', 'a'),
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    await call('SET', 's', 'x');
    await fails(call('LREM', 's', 0, 'a'), WRONGTYPE);
  });
});

describe('LTRIM', () => {
  const trim = async (min: number, max: number): Promise<string[]> => {
    await call('DEL', 'l');
    await call('RPUSH', 'l', '1', '2', '3', '4', 'big');
    assert.equal(await call('LTRIM', 'l', min, max), 'OK');
    return lrange('l');
  };

  test('ranges as Valkey trims them', async () => {
    assert.deepEqual(await trim(0, 0), ['1']);
    assert.deepEqual(await trim(0, 1), ['1', '2']);
    assert.deepEqual(await trim(1, 2), ['2', '3']);
    assert.deepEqual(await trim(1, -1), ['2', '3', '4', 'big']);
    assert.deepEqual(await trim(1, -2), ['2', '3', '4']);
    assert.deepEqual(await trim(-2, -1), ['4', 'big']);
    assert.deepEqual(await trim(-1, -1), ['big']);
    assert.deepEqual(await trim(-5, -1), ['1', '2', '3', '4', 'big']);
    assert.deepEqual(await trim(-10, 10), ['1', '2', '3', '4', 'big']);
    assert.deepEqual(await trim(0, -5), ['1']);
    assert.deepEqual(await trim(0, -6), []);
    assert.deepEqual(await trim(3, 1), []);
    assert.equal(await call('EXISTS', 'l'), 0);
  });

  test('missing key, errors, events', async () => {
    assert.equal(await call('LTRIM', 'nokey', 0, 1), 'OK');
    await fails(call('LTRIM', 'l', 'a', 1), 'ERR value is not an integer or out of range');
    await call('SET', 's', 'x');
    await fails(call('LTRIM', 's', 0, 1), WRONGTYPE);
    await call('RPUSH', 'l', 'a', 'b', 'c');
    events.length = 0;
    let d = dirty();
    await call('LTRIM', 'l', 0, -1); // nothing trimmed: the event still fires
    assert.deepEqual(events, [['l', 'ltrim', NOTIFY_LIST]]);
    assert.equal(dirty(), d);
    events.length = 0;
    d = dirty();
    await call('LTRIM', 'l', 5, 6);
    assert.deepEqual(events, [['l', 'ltrim', NOTIFY_LIST], ['l', 'del', NOTIFY_GENERIC]]);
    assert.equal(dirty(), d + 3);
  });
});

describe('LPOS', () => {
  beforeEach(async () => { await call('RPUSH', 'l', 'a', 'b', 'c', 'hello', '2', '3', 'c', 'c'); });

  test('first match, RANK from both ends', async () => {
    assert.equal(await call('LPOS', 'l', 'a'), 0);
    assert.equal(await call('LPOS', 'l', 'c'), 2);
    assert.equal(await call('LPOS', 'l', '2'), 4);
    assert.equal(await call('LPOS', 'l', 'c', 'RANK', 1), 2);
    assert.equal(await call('LPOS', 'l', 'c', 'RANK', 2), 6);
    assert.equal(await call('LPOS', 'l', 'c', 'RANK', 4), null);
    assert.equal(await call('LPOS', 'l', 'c', 'RANK', -1), 7);
    assert.equal(await call('LPOS', 'l', 'c', 'RANK', -2), 6);
    assert.equal(await call('LPOS', 'l', 'x'), null);
  });

  test('COUNT, COUNT + RANK, MAXLEN', async () => {
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0), [2, 6, 7]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 1), [2]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 2), [2, 6]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 100), [2, 6, 7]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0, 'RANK', 2), [6, 7]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 2, 'RANK', -1), [7, 6]);
    assert.deepEqual(await call('LPOS', 'l', 'x', 'COUNT', 2, 'RANK', -1), []);
    assert.deepEqual(await call('LPOS', 'l', 'a', 'COUNT', 0, 'MAXLEN', 1), [0]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 1), []);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 3), [2]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 3, 'RANK', -1), [7, 6]);
    assert.deepEqual(await call('LPOS', 'l', 'c', 'COUNT', 0, 'MAXLEN', 7, 'RANK', 2), [6]);
    assert.deepEqual(await call('LPOS', 'nokey', 'c', 'COUNT', 0, 'RANK', 2), []);
    assert.equal(await call('LPOS', 'nokey', 'c'), null);
    await call('DEL', 'l');
    await call('LPUSH', 'l', 'a');
    assert.deepEqual(await call('LPOS', 'l', 'b', 'COUNT', 10, 'RANK', 5), []);
  });

  test('option errors', async () => {
    await fails(call('LPOS', 'l', 'c', 'RANK', 0),
      "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
    await fails(call('LPOS', 'l', 'c', 'RANK', '-9223372036854775808'),
      'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    await fails(call('LPOS', 'l', 'c', 'RANK', 'x'), 'ERR value is not an integer or out of range');
    await fails(call('LPOS', 'l', 'c', 'COUNT', -1), "ERR COUNT can't be negative");
    await fails(call('LPOS', 'l', 'c', 'COUNT', 'x'), "ERR COUNT can't be negative");
    await fails(call('LPOS', 'l', 'c', 'MAXLEN', -1), "ERR MAXLEN can't be negative");
    await fails(call('LPOS', 'l', 'c', 'MAXLEN', 'x'), "ERR MAXLEN can't be negative");
    await fails(call('LPOS', 'l', 'c', 'RANK'), 'ERR syntax error');
    await fails(call('LPOS', 'l', 'c', 'FOO', 1), 'ERR syntax error');
    // Options are checked before the key.
    await fails(call('LPOS', 'nokey', 'c', 'RANK', 0), /RANK can't be zero/);
  });
});

describe('LMOVE / RPOPLPUSH', () => {
  for (const from of ['left', 'right']) {
    for (const to of ['left', 'right']) {
      test(`LMOVE ${from} ${to}`, async () => {
        await call('RPUSH', 'src', 'a', 'b', 'c');
        await call('RPUSH', 'dst', 'x');
        const got = await call('LMOVE', 'src', 'dst', from.toUpperCase(), to);
        assert.equal(got, from === 'left' ? 'a' : 'c');
        assert.deepEqual(await lrange('src'), from === 'left' ? ['b', 'c'] : ['a', 'b']);
        assert.deepEqual(await lrange('dst'), to === 'left' ? [got, 'x'] : ['x', got]);
      });
    }
  }

  test('same list as source and destination rotates', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await call('RPOPLPUSH', 'l', 'l'), 'c');
    assert.deepEqual(await lrange('l'), ['c', 'a', 'b']);
    assert.equal(await call('LMOVE', 'l', 'l', 'left', 'right'), 'c');
    assert.deepEqual(await lrange('l'), ['a', 'b', 'c']);
    await call('DEL', 'l');
    await call('RPUSH', 'l', 'only');
    assert.equal(await call('LMOVE', 'l', 'l', 'left', 'left'), 'only');
    assert.deepEqual(await lrange('l'), ['only']);
  });

  test('creates the destination, deletes an emptied source', async () => {
    await call('RPUSH', 'src', 'a');
    events.length = 0;
    const d = dirty();
    assert.equal(await call('RPOPLPUSH', 'src', 'dst'), 'a');
    assert.deepEqual(events, [
      ['dst', 'lpush', NOTIFY_LIST], ['src', 'rpop', NOTIFY_LIST], ['src', 'del', NOTIFY_GENERIC],
    ]);
    assert.equal(dirty(), d + 1);
    assert.equal(await call('EXISTS', 'src'), 0);
    assert.deepEqual(await lrange('dst'), ['a']);
  });

  test('missing source is nil and creates nothing; wrong types leave both untouched', async () => {
    assert.equal(await call('RPOPLPUSH', 'nokey', 'dst'), null);
    assert.equal(await call('LMOVE', 'nokey', 'dst', 'left', 'left'), null);
    assert.equal(await call('EXISTS', 'dst'), 0);
    await call('SET', 'str', 'x');
    await fails(call('RPOPLPUSH', 'str', 'dst'), WRONGTYPE);
    await call('RPUSH', 'src', 'a', 'b');
    await fails(call('RPOPLPUSH', 'src', 'str'), WRONGTYPE);
    await fails(call('LMOVE', 'src', 'str', 'left', 'left'), WRONGTYPE);
    assert.deepEqual(await lrange('src'), ['a', 'b']);
    assert.equal(await call('GET', 'str'), 'x');
  });

  test('direction syntax errors', async () => {
    await call('RPUSH', 'src', 'a');
    await fails(call('LMOVE', 'src', 'dst', 'up', 'left'), 'ERR syntax error');
    await fails(call('LMOVE', 'src', 'dst', 'left', 'down'), 'ERR syntax error');
  });
});

describe('LMPOP', () => {
  test('pops from the first non-empty list', async () => {
    await call('RPUSH', 'l1', 'a', 'b', 'hello', 'd', 'e', 'f');
    assert.deepEqual(await call('LMPOP', 2, 'l1', 'l1', 'LEFT', 'COUNT', 2), ['l1', ['a', 'b']]);
    assert.deepEqual(await call('LMPOP', 2, 'l1', 'l1', 'right', 'count', 2), ['l1', ['f', 'e']]);
    assert.deepEqual(await call('LMPOP', 1, 'l1', 'left'), ['l1', ['hello']]);
    await call('RPUSH', 'l2', '1', '2', '3');
    assert.deepEqual(await call('LMPOP', 2, 'nokey', 'l2', 'right', 'count', 10), ['l2', ['3', '2', '1']]);
    assert.equal(await call('EXISTS', 'l2'), 0);
    assert.equal(await call('LMPOP', 2, 'nokey', 'l2', 'right'), null);
    assert.deepEqual(await call('LMPOP', 2, 'l2', 'l1', 'right', 'count', 10), ['l1', ['d']]);
  });

  test('argument errors', async () => {
    await fails(call('LMPOP'), "ERR wrong number of arguments for 'lmpop' command");
    await fails(call('LMPOP', 1, 'l'), "ERR wrong number of arguments for 'lmpop' command");
    for (const nk of ['0', 'a', '-1']) await fails(call('LMPOP', nk, 'l', 'LEFT'), 'ERR numkeys should be greater than 0');
    await fails(call('LMPOP', 2, 'l', 'LEFT'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'bad_where'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'LEFT', 'bar'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'RIGHT', 'LEFT'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'COUNT'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'LEFT', 'COUNT'), 'ERR syntax error');
    await fails(call('LMPOP', 1, 'l', 'LEFT', 'COUNT', 1, 'COUNT', 2), 'ERR syntax error');
    for (const n of ['0', 'a', '-1']) await fails(call('LMPOP', 1, 'l', 'LEFT', 'COUNT', n), 'ERR count should be greater than 0');
    await call('SET', 's', 'x');
    await fails(call('LMPOP', 2, 'nokey', 's', 'LEFT'), WRONGTYPE);
    await call('RPUSH', 'l', 'a');
    // The first non-empty list is served before a later key's type is looked at.
    assert.deepEqual(await call('LMPOP', 2, 'l', 's', 'LEFT'), ['l', ['a']]);
  });

  test('one pop event with the count in dirty', async () => {
    await call('RPUSH', 'l', 'a', 'b', 'c');
    events.length = 0;
    const d = dirty();
    await call('LMPOP', 1, 'l', 'RIGHT', 'COUNT', 2);
    assert.deepEqual(events, [['l', 'rpop', NOTIFY_LIST]]);
    assert.equal(dirty(), d + 2);
  });
});

describe('encodings', () => {
  test('listpack -> quicklist on the entry count', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', 3);
    await call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await enc('l'), 'listpack');
    await call('RPUSH', 'l', 'd');
    assert.equal(await enc('l'), 'quicklist');
    for (const [name, op] of [
      ['linsert', ['LINSERT', 'l2', 'after', 'b', 'x']],
      ['lset', ['LSET', 'l2', 0, 'x'.repeat(9000)]],
    ] as const) {
      await call('DEL', 'l2');
      await call('RPUSH', 'l2', 'a', 'b', 'c');
      if (name === 'lset') await call('CONFIG', 'SET', 'list-max-listpack-size', -1);
      await call(...op);
      assert.equal(await enc('l2'), 'quicklist', name);
      await call('CONFIG', 'SET', 'list-max-listpack-size', 3);
    }
  });

  test('listpack -> quicklist on bytes, and -6 acts like -5', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', -6);
    await call('RPUSH', 'l', 'x'.repeat(60000));
    assert.equal(await enc('l'), 'listpack');
    await call('RPUSH', 'l', 'x'.repeat(5536));
    assert.equal(await enc('l'), 'quicklist');
    // the quicklist keeps the clamped fill it was created with
    assert.match(String(await call('DEBUG', 'OBJECT', 'l')), / ql_listpack_max:-5 /);
    await call('CONFIG', 'SET', 'list-max-listpack-size', 7);
    assert.match(String(await call('DEBUG', 'OBJECT', 'l')), / ql_listpack_max:-5 /);
    await call('CONFIG', 'SET', 'list-max-listpack-size', 0);
    await call('RPUSH', 'z', 'a');
    assert.equal(await enc('z'), 'listpack');
    await call('RPUSH', 'z', 'b');
    assert.equal(await enc('z'), 'quicklist');
  });

  test('quicklist -> listpack when shrinking below half the limit', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', 3);
    const cases: Array<[string[], (string | number)[]]> = [
      [['a', 'b', 'c', 'd'], ['RPOP', 'lst', 3]],
      [['a', 'a', 'a', 'd'], ['LREM', 'lst', 3, 'a']],
      [['a', 'b', 'c', 'd'], ['LTRIM', 'lst', 1, 1]],
    ];
    for (const [items, op] of cases) {
      await call('DEL', 'lst');
      await call('RPUSH', 'lst', ...items);
      assert.equal(await enc('lst'), 'quicklist');
      await call(...op);
      assert.equal(await enc('lst'), 'listpack', String(op[0]));
    }
    // Two elements left of a 3 limit: above half, stays a quicklist.
    await call('DEL', 'lst');
    await call('RPUSH', 'lst', 'a', 'b', 'c', 'd');
    await call('RPOP', 'lst', 2);
    assert.equal(await enc('lst'), 'quicklist');
    await call('CONFIG', 'SET', 'list-max-listpack-size', -1);
    const big = 'x'.repeat(8192);
    await call('DEL', 'lst');
    await call('RPUSH', 'lst', big, 'a', 'b');
    await call('RPOP', 'lst', 2);
    assert.equal(await enc('lst'), 'quicklist'); // a single plain node
    await call('LSET', 'lst', -1, 'c');
    assert.equal(await enc('lst'), 'listpack');
  });

  test('RPOPLPUSH of a large value converts the destination', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', -1);
    await call('RPUSH', 'src', 'a', 'b', 'c', 'x'.repeat(8192));
    await call('RPUSH', 'dst', 'hello');
    assert.equal(await enc('src'), 'quicklist');
    assert.equal(await enc('dst'), 'listpack');
    await call('RPOPLPUSH', 'src', 'dst');
    assert.equal(await enc('dst'), 'quicklist');
    assert.equal(await enc('src'), 'listpack');
  });

  test('plain nodes with DEBUG QUICKLIST-PACKED-THRESHOLD', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', 1);
    assert.equal(await call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1b'), 'OK');
    await call('LPUSH', 'l', '9');
    await call('LPUSH', 'l', 'xxxxxxxxxx');
    await call('LPUSH', 'l', 'xxxxxxxxxx');
    assert.equal(await enc('l'), 'quicklist');
    assert.equal(await call('RPOP', 'l'), '9');
    await call('LINSERT', 'l', 'before', 'xxxxxxxxxx', '8');
    assert.deepEqual(await lrange('l'), ['8', 'xxxxxxxxxx', 'xxxxxxxxxx']);
    assert.equal(await call('LPOS', 'l', 'xxxxxxxxxx'), 1);
    assert.equal(await call('LREM', 'l', -1, 'xxxxxxxxxx'), 1);
    await call('LSET', 'l', -1, 'short');
    assert.deepEqual(await lrange('l'), ['8', 'short']);
    const info = String(await call('DEBUG', 'OBJECT', 'l'));
    assert.match(info, /encoding:quicklist .* ql_nodes:2 ql_avg_node:1\.00 ql_listpack_max:1 ql_compressed:0 ql_uncompressed_size:\d+/);
  });

  test('LSET splitting a packed node around a large element', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', 4);
    await call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5b');
    await call('RPUSH', 'l', 'aa', 'bb', 'cc', 'dd', 'ee');
    await call('LSET', 'l', 2, 'e'.repeat(10));
    assert.deepEqual(await lrange('l'), ['aa', 'bb', 'eeeeeeeeee', 'dd', 'ee']);
    // [aa bb] [plain] [dd ee]: the split-off tail merges with the next node, as in Valkey
    assert.match(String(await call('DEBUG', 'OBJECT', 'l')), /ql_nodes:3 /);
  });

  test('COPY keeps the encoding and is independent; digests follow content', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', -1);
    await call('RPUSH', 'q', 'a', 'b', 'x'.repeat(8192));
    await call('RPUSH', 'p', 'a', 'b');
    for (const k of ['q', 'p']) {
      assert.equal(await call('COPY', k, `${k}2`), 1);
      assert.equal(await enc(`${k}2`), await enc(k));
      assert.deepEqual(await call('DEBUG', 'DIGEST-VALUE', k), await call('DEBUG', 'DIGEST-VALUE', `${k}2`));
      await call('LPUSH', `${k}2`, 'new');
      assert.notDeepEqual(await lrange(k), await lrange(`${k}2`));
    }
    // Same elements in different encodings have the same digest.
    await call('DEL', 'q', 'p');
    await call('CONFIG', 'SET', 'list-max-listpack-size', 1);
    await call('RPUSH', 'q', 'a', 'b', 'c');
    await call('CONFIG', 'SET', 'list-max-listpack-size', -2);
    await call('RPUSH', 'p', 'a', 'b', 'c');
    assert.notEqual(await enc('q'), await enc('p'));
    assert.deepEqual(await call('DEBUG', 'DIGEST-VALUE', 'q'), await call('DEBUG', 'DIGEST-VALUE', 'p'));
    const before = await call('DEBUG', 'DIGEST');
    await call('LSET', 'p', 0, 'z');
    assert.notEqual(await call('DEBUG', 'DIGEST'), before);
  });

  test('DEBUG RELOAD re-chooses the encoding as loading does', async () => {
    await call('CONFIG', 'SET', 'list-max-listpack-size', 3);
    await call('RPUSH', 'l', 'a', 'b', 'c');
    await call('DEBUG', 'RELOAD');
    assert.equal(await enc('l'), 'listpack');
    await call('RPUSH', 'l', 'd');
    await call('DEBUG', 'RELOAD');
    assert.equal(await enc('l'), 'quicklist');
    await call('RPOP', 'l');
    assert.equal(await enc('l'), 'quicklist');
    await call('DEBUG', 'RELOAD');
    assert.equal(await enc('l'), 'listpack');
    assert.deepEqual(await lrange('l'), ['a', 'b', 'c']);
  });

  test('DUMP writes Valkey\'s bytes; RESTORE reads Valkey\'s payloads', async () => {
    await call('RPUSH', 'small', 'a', 'b', 'c', '1', '2', '3', '-100', '99999999999');
    const d = (await r.callBuffer('DUMP', 'small')) as Buffer;
    // RDB_TYPE_LIST_QUICKLIST_2, one packed node holding the listpack (as valkey-server writes it)
    const valkeyValue = '12010223230000000800816102816202816302010102010301df9c02f4ffe776481700000009ff';
    assert.equal(d.subarray(0, d.length - 10).toString('hex'), valkeyValue);
    // valkey-server's own DUMP of the same list (RDB version 11)
    const fromValkey = Buffer.from(valkeyValue + '0b00c2b3bd040ec51399', 'hex');
    assert.equal(await call('RESTORE', 'copy', 0, fromValkey), 'OK');
    assert.deepEqual(await lrange('copy'), ['a', 'b', 'c', '1', '2', '3', '-100', '99999999999']);
    assert.equal(await enc('copy'), 'listpack');
    // a quicklist with a plain node round-trips with its layout
    await call('CONFIG', 'SET', 'rdbcompression', 'no');
    try {
      const many: string[] = [];
      for (let i = 0; i < 3000; i++) many.push(String(i));
      await call('RPUSH', 'q', 'a', 'x'.repeat(9000), ...many);
      const dq = (await r.callBuffer('DUMP', 'q')) as Buffer;
      assert.equal(dq[0], 18);
      assert.equal(await call('RESTORE', 'q2', 0, dq), 'OK');
      assert.deepEqual(await lrange('q2'), await lrange('q'));
      const nodes = (k: string): Promise<string> => call('DEBUG', 'OBJECT', k).then((o) => /ql_nodes:\d+/.exec(String(o))![0]);
      assert.equal(await nodes('q2'), await nodes('q'));
    } finally {
      await call('CONFIG', 'SET', 'rdbcompression', 'yes');
    }
  });

  test('RESTORE of the pre-7.0 ziplist list types', async () => {
    // a ziplist of "a", 12 (immediate), 1000 (int16)
    const zl = Buffer.from('14000000' + '0f000000' + '0300' + '000161' + '03fd' + '02c0e803' + 'ff', 'hex');
    const tail = Buffer.from('0900' + '0000000000000000', 'hex');
    await call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', 1);
    try {
      // RDB_TYPE_LIST_ZIPLIST: stays a quicklist, as Valkey loads it
      assert.equal(await call('RESTORE', 'z1', 0, Buffer.concat([Buffer.from([10, zl.length]), zl, tail])), 'OK');
      assert.deepEqual(await lrange('z1'), ['a', '12', '1000']);
      assert.equal(await enc('z1'), 'quicklist');
      // RDB_TYPE_LIST_QUICKLIST: ziplist nodes become listpack nodes, then a small list converts
      assert.equal(await call('RESTORE', 'z2', 0, Buffer.concat([Buffer.from([14, 1, zl.length]), zl, tail])), 'OK');
      assert.deepEqual(await lrange('z2'), ['a', '12', '1000']);
      assert.equal(await enc('z2'), 'listpack');
      // a listpack node with a wrong backward length is refused
      const bad = Buffer.from('1201020a' + '0a000000' + '0100' + '8161' + '03' + 'ff', 'hex');
      await assert.rejects(call('RESTORE', 'z3', 0, Buffer.concat([bad, tail])));
      assert.equal(await call('EXISTS', 'z3'), 0);
    } finally {
      await call('DEBUG', 'SET-SKIP-CHECKSUM-VALIDATION', 0);
    }
  });

  test('MEMORY USAGE grows with the list', async () => {
    await call('RPUSH', 'l', 'a');
    const small = Number(await call('MEMORY', 'USAGE', 'l'));
    const many: string[] = [];
    for (let i = 0; i < 5000; i++) many.push(`element-${i}`);
    await call('RPUSH', 'l', ...many);
    const big = Number(await call('MEMORY', 'USAGE', 'l'));
    assert.ok(small > 0 && big > small + 5000 * 10, `${small} ${big}`);
  });

  test('RENAME and MOVE carry the list', async () => {
    await call('RPUSH', 'l', 'a', 'b');
    await call('RENAME', 'l', 'm');
    assert.deepEqual(await lrange('m'), ['a', 'b']);
    await call('MOVE', 'm', 3);
    await call('SELECT', 3);
    assert.deepEqual(await lrange('m'), ['a', 'b']);
    await call('SELECT', 0);
  });
});
