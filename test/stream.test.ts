// The STREAM family over real sockets: every command with its options, edge cases and error
// paths, RESP2/RESP3 reply shapes, blocking reads with several clients (XREAD and XREADGROUP,
// wake-ups on XADD, on group/stream deletion and type changes), consumer-group failover via
// XAUTOCLAIM, XINFO bookkeeping (entries-read, lag), keyspace events, COPY / DIGEST / TYPE /
// OBJECT ENCODING, and what gets propagated to replicas.
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, sleep, type Reply } from '../bench/resp.js';
import { NOTIFY_NEW, NOTIFY_STREAM } from '../src/store/types.js';

let srv: RunningServer;
let r: Valkey;
let conns: RawConn[] = [];
const events: [string, string, number][] = [];

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  srv.server.ks.onChange((_db, key, event, cls) => { events.push([key ? key.toString('latin1') : '', event, cls]); });
});

after(async () => {
  r.disconnect();
  await srv.close();
});

beforeEach(async () => {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'stream-node-max-entries', '100');
  await r.call('CONFIG', 'SET', 'stream-node-max-bytes', '4096');
  events.length = 0;
});

afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await waitBlocked(0);
});

type Arg = string | number | Buffer;
const call = (...args: Arg[]): Promise<unknown> =>
  r.call(String(args[0]), ...args.slice(1).map((a) => (Buffer.isBuffer(a) ? a : String(a))));
const fails = async (p: Promise<unknown>, msg: string | RegExp): Promise<void> => {
  await assert.rejects(p, (e: Error) => (typeof msg === 'string' ? e.message === msg : msg.test(e.message)));
};
const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';

async function conn(): Promise<RawConn> {
  const c = await RawConn.connect(srv.port);
  conns.push(c);
  return c;
}

/** Opens a client and sends a (blocking) command without waiting for its reply. */
async function send(...args: Arg[]): Promise<RawConn> {
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

/** A flat [k, v, k, v] reply as an object. */
function obj(reply: unknown): Record<string, unknown> {
  const a = reply as unknown[];
  const o: Record<string, unknown> = {};
  for (let i = 0; i < a.length; i += 2) o[String(a[i])] = a[i + 1];
  return o;
}

const xinfo = async (key: string): Promise<Record<string, unknown>> => obj(await call('XINFO', 'STREAM', key));
const groupsInfo = async (key: string): Promise<Record<string, unknown>[]> =>
  ((await call('XINFO', 'GROUPS', key)) as unknown[]).map(obj);

async function fill(key: string, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) await call('XADD', key, `${i}-0`, 'f', String(i));
}

describe('XADD', () => {
  test('auto IDs increase, explicit and partial IDs, reply is the ID', async () => {
    const a = String(await call('XADD', 's', '*', 'f', 'v'));
    const b = String(await call('XADD', 's', '*', 'f', 'v'));
    assert.match(a, /^\d+-\d+$/);
    const [am, as] = a.split('-').map(BigInt) as [bigint, bigint];
    const [bm, bs] = b.split('-').map(BigInt) as [bigint, bigint];
    assert.ok(bm > am || (bm === am && bs > as));
    await call('DEL', 's');
    assert.equal(await call('XADD', 's', '123-456', 'a', '1'), '123-456');
    assert.equal(await call('XADD', 's', '123-*', 'a', '1'), '123-457');
    assert.equal(await call('XADD', 's', '789-*', 'a', '1'), '789-0');
    assert.equal(await call('XADD', 's', '1000', 'a', '1'), '1000-0');
    assert.equal(await call('XADD', 'z', '0-*', 'a', '1'), '0-1');
    assert.deepEqual(await call('XRANGE', 's', '-', '+'), [
      ['123-456', ['a', '1']], ['123-457', ['a', '1']], ['789-0', ['a', '1']], ['1000-0', ['a', '1']],
    ]);
  });

  test('ID errors', async () => {
    await call('XADD', 's', '5-5', 'f', 'v');
    await fails(call('XADD', 's', '5-5', 'f', 'v'), 'ERR The ID specified in XADD is equal or smaller than the target stream top item');
    await fails(call('XADD', 's', '4-*', 'f', 'v'), /equal or smaller/);
    await fails(call('XADD', 'new', '0-0', 'f', 'v'), 'ERR The ID specified in XADD must be greater than 0-0');
    assert.equal(await call('EXISTS', 'new'), 0);
    for (const bad of ['abc', '1-x', '-1', '1-2-3', '18446744073709551616', '1-18446744073709551616', 'x'.repeat(200)]) {
      await fails(call('XADD', 's', bad, 'f', 'v'), INVALID_ID);
    }
    await call('XADD', 'm', '1-18446744073709551615', 'a', 'b');
    await fails(call('XADD', 'm', '1-*', 'c', 'd'), /equal or smaller/);
    await call('XADD', 'm', '18446744073709551615-18446744073709551615', 'a', 'b');
    await fails(call('XADD', 'm', '*', 'c', 'd'), 'ERR The stream has exhausted the last possible ID, unable to add more items');
  });

  test('arity: an ID and at least one complete field/value pair', async () => {
    await fails(call('XADD', 's', '*'), "ERR wrong number of arguments for 'xadd' command");
    await fails(call('XADD', 's', '*', 'f'), "ERR wrong number of arguments for 'xadd' command");
    await fails(call('XADD', 's', '*', 'f', 'v', 'g'), "ERR wrong number of arguments for 'xadd' command");
    await fails(call('XADD', 's', 'MAXLEN', '1', '*', 'f'), "ERR wrong number of arguments for 'xadd' command");
  });

  test('NOMKSTREAM', async () => {
    assert.equal(await call('XADD', 's', 'NOMKSTREAM', '*', 'f', 'v'), null);
    assert.equal(await call('EXISTS', 's'), 0);
    await call('XADD', 's', '1', 'f', 'v');
    assert.equal(await call('XADD', 's', 'NOMKSTREAM', '2', 'f', 'v'), '2-0');
    assert.equal(await call('XLEN', 's'), 2);
  });

  test('MAXLEN / MINID with = and ~, LIMIT, and their errors', async () => {
    for (let i = 1; i <= 20; i++) await call('XADD', 's', 'MAXLEN', '=', '5', `${i}`, 'f', String(i));
    assert.equal(await call('XLEN', 's'), 5);
    assert.equal((await call('XRANGE', 's', '-', '+') as string[][])[0]![0], '16-0');
    await call('XADD', 's', 'MINID', '19', '21', 'f', 'v');
    assert.deepEqual((await call('XRANGE', 's', '-', '+') as string[][]).map((e) => e[0]), ['19-0', '20-0', '21-0']);
    await call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    await call('DEL', 's');
    for (let i = 1; i <= 100; i++) await call('XADD', 's', `${i}`, 'f', 'v');
    await call('XADD', 's', 'MAXLEN', '~', '55', 'LIMIT', '30', '101', 'f', 'v');
    assert.equal(await call('XLEN', 's'), 71);
    await call('XADD', 's', 'MAXLEN', '~', '55', '102', 'f', 'v');
    assert.equal(await call('XLEN', 's'), 62);
    await fails(call('XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'), 'ERR The MAXLEN argument must be >= 0.');
    await fails(call('XADD', 's', 'MAXLEN', 'x', '*', 'f', 'v'), 'ERR value is not an integer or out of range');
    await fails(call('XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'), 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
    await fails(call('XADD', 's', 'LIMIT', '10', '*', 'f', 'v'), 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    await fails(call('XADD', 's', 'MAXLEN', '1', 'LIMIT', '10', '*', 'f', 'v'), 'ERR syntax error, LIMIT cannot be used without the special ~ option');
    await fails(call('XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '*', 'f', 'v'), 'ERR The LIMIT argument must be >= 0.');
    await fails(call('XADD', 's', 'MINID', '+', '*', 'f', 'v'), INVALID_ID);
    await call('XADD', 'e', 'MAXLEN', '0', '*', 'f', 'v');
    assert.equal(obj(await call('XINFO', 'STREAM', 'e')).length, 0);
  });

  test('WRONGTYPE and events: new, xadd, xtrim', async () => {
    await call('SET', 'str', 'x');
    await fails(call('XADD', 'str', '*', 'f', 'v'), WRONGTYPE);
    events.length = 0;
    await call('XADD', 's', '1', 'f', 'v');
    await call('XADD', 's', 'MAXLEN', '1', '2', 'f', 'v');
    await call('XADD', 's', 'MAXLEN', '5', '3', 'f', 'v');
    assert.deepEqual(events, [
      ['s', 'xadd', NOTIFY_STREAM], ['s', 'xadd', NOTIFY_STREAM], ['s', 'xtrim', NOTIFY_STREAM],
      ['s', 'xadd', NOTIFY_STREAM],
    ]);
  });
});

describe('XRANGE / XREVRANGE / XLEN', () => {
  beforeEach(async () => {
    for (const [id, v] of [['1-1', 'a'], ['1-2', 'b'], ['2-0', 'c'], ['3-5', 'd'], ['10-0', 'e']]) await call('XADD', 's', id!, 'f', v!);
  });
  const ids = (x: unknown): string[] => (x as string[][]).map((e) => e[0]!);

  test('inclusive, partial and exclusive bounds, COUNT', async () => {
    assert.deepEqual(ids(await call('XRANGE', 's', '-', '+')), ['1-1', '1-2', '2-0', '3-5', '10-0']);
    assert.deepEqual(ids(await call('XRANGE', 's', '1', '2')), ['1-1', '1-2', '2-0']);
    assert.deepEqual(ids(await call('XRANGE', 's', '(1-1', '(3-5')), ['1-2', '2-0']);
    assert.deepEqual(ids(await call('XRANGE', 's', '(1', '+')), ['1-1', '1-2', '2-0', '3-5', '10-0']);
    assert.deepEqual(ids(await call('XRANGE', 's', '-', '+', 'COUNT', '2')), ['1-1', '1-2']);
    assert.deepEqual(ids(await call('XREVRANGE', 's', '+', '-', 'COUNT', '2')), ['10-0', '3-5']);
    // A bare end ID means <ms>-max, so "(10" still includes 10-0.
    assert.deepEqual(ids(await call('XREVRANGE', 's', '(10', '(1-2')), ['10-0', '3-5', '2-0']);
    assert.deepEqual(ids(await call('XREVRANGE', 's', '(10-0', '(1-2')), ['3-5', '2-0']);
    assert.equal(await call('XRANGE', 's', '-', '+', 'COUNT', '-3'), null); // a negative COUNT is 0
    assert.equal(await call('XRANGE', 's', '-', '+', 'COUNT', '0'), null);
    assert.deepEqual(await call('XRANGE', 'nokey', '-', '+'), []);
    assert.deepEqual(await call('XRANGE', 's', '5', '4'), []);
  });

  test('errors', async () => {
    await fails(call('XRANGE', 's', '(-', '+'), INVALID_ID);
    await fails(call('XRANGE', 's', '-', '(+'), INVALID_ID);
    await fails(call('XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'), 'ERR invalid start ID for the interval');
    await fails(call('XRANGE', 's', '-', '(0-0'), 'ERR invalid end ID for the interval');
    await fails(call('XRANGE', 's', '-', '+', 'COUNT'), 'ERR syntax error');
    await fails(call('XRANGE', 's', '-', '+', 'LIMIT', '1'), 'ERR syntax error');
    await fails(call('XRANGE', 's', '-', '+', 'COUNT', 'x'), 'ERR value is not an integer or out of range');
    await call('SET', 'str', 'x');
    await fails(call('XRANGE', 'str', '-', '+'), WRONGTYPE);
    await fails(call('XLEN', 'str'), WRONGTYPE);
  });

  test('XLEN', async () => {
    assert.equal(await call('XLEN', 's'), 5);
    assert.equal(await call('XLEN', 'nokey'), 0);
  });

  test('binary-safe fields and values; integers keep their text', async () => {
    const bin = Buffer.from([0, 1, 2, 255, 13, 10]);
    await call('XADD', 'b', '1', bin, bin, '-0', '007', '9223372036854775808', '-9223372036854775808');
    const res = await r.callBuffer('XRANGE', 'b', '-', '+') as Buffer[][][];
    const fields = res[0]![1]!.map((x) => Buffer.from(x));
    assert.deepEqual(fields[0], bin);
    assert.deepEqual(fields.slice(2).map(String), ['-0', '007', '9223372036854775808', '-9223372036854775808']);
  });
});

describe('XDEL / XTRIM / XSETID', () => {
  test('XDEL removes existing entries, counts them, records the max deleted ID', async () => {
    await fill('s', 5);
    assert.equal(await call('XDEL', 's', '1-0', '4', '5-0', '9-0'), 3);
    assert.equal(await call('XDEL', 's', '1-0'), 0);
    assert.equal(await call('XLEN', 's'), 2);
    const info = await xinfo('s');
    assert.equal(info['max-deleted-entry-id'], '5-0');
    assert.equal(info['recorded-first-entry-id'], '2-0');
    assert.equal(await call('XDEL', 'nokey', '1'), 0);
    await fails(call('XDEL', 's', '2', 'bad'), INVALID_ID);
    assert.equal(await call('XLEN', 's'), 2); // all or nothing
    assert.ok(events.some((e) => e[1] === 'xdel'));
    await call('XDEL', 's', '2', '3');
    assert.equal(await call('EXISTS', 's'), 1); // streams stay when empty
    assert.equal(await call('XLEN', 's'), 0);
  });

  test('XTRIM MAXLEN / MINID exact and approximate, LIMIT, errors', async () => {
    await call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    await fill('s', 100);
    assert.equal(await call('XTRIM', 's', 'MAXLEN', '~', '85'), 10);
    assert.equal(await call('XLEN', 's'), 90);
    assert.equal(await call('XTRIM', 's', 'MAXLEN', '85'), 5);
    assert.equal(await call('XTRIM', 's', 'MINID', '=', '20'), 4);
    assert.equal(await call('XTRIM', 's', 'MINID', '~', '45'), 21); // the node holding 20-0 goes with it
    assert.equal(await call('XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '5'), 0);
    assert.equal(await call('XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '10'), 10);
    assert.equal(await call('XTRIM', 'nokey', 'MAXLEN', '1'), 0);
    await fails(call('XTRIM', 's'), "ERR wrong number of arguments for 'xtrim' command");
    await fails(call('XTRIM', 's', 'FOO', '1'), 'ERR syntax error');
    await fails(call('XTRIM', 's', 'LIMIT', '1', 'x'), 'ERR syntax error');
    await fails(call('XTRIM', 's', 'MAXLEN', '1', 'LIMIT', '1'), 'ERR syntax error, LIMIT cannot be used without the special ~ option');
    await fails(call('XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'), /MAXLEN and MINID/);
  });

  test('XSETID with ENTRIESADDED / MAXDELETEDID and every error', async () => {
    await fill('s', 3);
    await call('XDEL', 's', '3');
    assert.equal(await call('XSETID', 's', '5-0', 'ENTRIESADDED', '10', 'MAXDELETEDID', '4-0'), 'OK');
    const info = await xinfo('s');
    assert.deepEqual([info['last-generated-id'], info['entries-added'], info['max-deleted-entry-id']], ['5-0', 10, '4-0']);
    await fails(call('XSETID', 's', '1-0'), 'ERR The ID specified in XSETID is smaller than current max_deleted_entry_id');
    await call('XSETID', 's', '5-0', 'MAXDELETEDID', '0-0');
    assert.equal((await xinfo('s'))['max-deleted-entry-id'], '4-0'); // 0-0 leaves it
    await call('DEL', 't');
    await fill('t', 3);
    await fails(call('XSETID', 't', '2-0'), 'ERR The ID specified in XSETID is smaller than the target stream top item');
    await fails(call('XSETID', 't', '9', 'ENTRIESADDED', '2'), 'ERR The entries_added specified in XSETID is smaller than the target stream length');
    await fails(call('XSETID', 't', '9', 'ENTRIESADDED', '-1'), 'ERR entries_added must be positive');
    await fails(call('XSETID', 't', '9', 'MAXDELETEDID', '10'), 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
    await fails(call('XSETID', 'nokey', '9'), 'ERR no such key');
    await fails(call('XSETID', 't', '9', 'ENTRIESADDED'), 'ERR syntax error');
    await fails(call('XSETID', 't', '+'), INVALID_ID);
    assert.ok(events.some((e) => e[1] === 'xsetid'));
  });
});

describe('XREAD', () => {
  test('several streams, $ and +, COUNT, nothing to read', async () => {
    await fill('a', 3);
    await fill('b', 2, 10);
    assert.deepEqual(await call('XREAD', 'COUNT', '2', 'STREAMS', 'a', 'b', 'c', '0', '10', '0'), [
      ['a', [['1-0', ['f', '1']], ['2-0', ['f', '2']]]], ['b', [['11-0', ['f', '11']]]],
    ]);
    assert.equal(await call('XREAD', 'STREAMS', 'a', '$'), null);
    assert.deepEqual(await call('XREAD', 'COUNT', '5', 'STREAMS', 'a', 'nokey', '+', '+'), [['a', [['3-0', ['f', '3']]]]]);
    await call('XDEL', 'a', '3');
    assert.equal(await call('XREAD', 'STREAMS', 'a', '+'), null);
    assert.equal(await call('XREAD', 'STREAMS', 'a', '2'), null);
  });

  test('errors', async () => {
    await fails(call('XREAD', 'COUNT', '1', 'STREAMS', 'a'), "ERR Unbalanced 'xread' list of streams: for each stream key an ID or '$' must be specified.");
    await fails(call('XREAD', 'COUNT', '1', 'a', '0'), 'ERR syntax error');
    await fails(call('XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'), 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
    await fails(call('XREAD', 'NOACK', 'STREAMS', 'a', '0'), 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
    await fails(call('XREAD', 'STREAMS', 'a', '>'), 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
    await fails(call('XREAD', 'STREAMS', 'a', 'x'), INVALID_ID);
    await fails(call('XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'), 'ERR timeout is negative');
    await fails(call('XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'), 'ERR timeout is not an integer or out of range');
    await fails(call('XREAD', 'BLOCK', '9223372036854775807', 'STREAMS', 'a', '0'), 'ERR timeout is out of range');
    await call('SET', 'str', 'x');
    await fails(call('XREAD', 'STREAMS', 'str', '0'), WRONGTYPE);
  });

  test('RESP3 replies a map of stream -> entries', async () => {
    await fill('a', 1);
    const c = await conn();
    await c.call('HELLO', '3');
    const m = await c.call('XREAD', 'STREAMS', 'a', 'nokey', '0', '0') as Map<Reply, Reply>;
    assert.ok(m instanceof Map);
    assert.deepEqual([...m.entries()], [['a', [['1-0', ['f', '1']]]]]);
    assert.equal(await c.call('XREAD', 'STREAMS', 'nokey', '0'), null);
    assert.ok((await c.raw(100).catch(() => 'none')) === 'none');
  });
});

describe('blocking XREAD', () => {
  test('several clients waiting for different IDs are all served by the XADDs that satisfy them', async () => {
    await fill('s', 2);
    const dollar = await send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    const old = await send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '1');
    const later = await send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '5');
    const other = await send('XREAD', 'BLOCK', '0', 'COUNT', '1', 'STREAMS', 'x', 's', '0', '$');
    // "old" is served at once (2-0 is newer than 1-0).
    assert.deepEqual(await old.reply(), [['s', [['2-0', ['f', '2']]]]]);
    await waitBlocked(3);
    await call('XADD', 's', '3', 'f', '3');
    assert.deepEqual(await dollar.reply(), [['s', [['3-0', ['f', '3']]]]]);
    assert.deepEqual(await other.reply(), [['s', [['3-0', ['f', '3']]]]]);
    await waitBlocked(1); // "later" waits for an ID above 5-0
    await call('XADD', 's', '6', 'f', '6');
    assert.deepEqual(await later.reply(), [['s', [['6-0', ['f', '6']]]]]);
  });

  test('timeout replies null; BLOCK inside MULTI does not block', async () => {
    const c = await send('XREAD', 'BLOCK', '50', 'STREAMS', 's', '$');
    const t0 = Date.now();
    assert.equal(await c.reply(), null);
    assert.ok(Date.now() - t0 >= 40);
    const m = await conn();
    await m.call('MULTI');
    await m.call('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    assert.deepEqual(await m.call('EXEC'), [null]);
  });

  test('a key created and deleted in one transaction, or of another type, does not wake the reader', async () => {
    const c = await send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await waitBlocked(1);
    const m = await conn();
    await m.call('MULTI');
    await m.call('XADD', 's', '*', 'old', 'x');
    await m.call('DEL', 's');
    await m.call('LPUSH', 's', 'x');
    await m.call('EXEC');
    await sleep(20);
    assert.equal(c.queued, 0);
    await call('DEL', 's');
    await call('XADD', 's', '*', 'new', 'y');
    const res = await c.reply() as Reply[][];
    assert.deepEqual((res[0]![1] as Reply[][])[0]![1], ['new', 'y']);
  });

  test('all entries added by one transaction arrive together; CLIENT UNBLOCK', async () => {
    await fill('s', 1);
    const c = await send('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$');
    await waitBlocked(1);
    const m = await conn();
    await m.call('MULTI');
    for (const v of ['one', 'two', 'three']) await m.call('XADD', 's', '*', 'f', v);
    await m.call('EXEC');
    const res = await c.reply() as Reply[][];
    assert.deepEqual((res[0]![1] as Reply[][]).map((e) => (e[1] as string[])[1]), ['one', 'two', 'three']);
    const u = await send('XREAD', 'BLOCK', '0', 'STREAMS', 'nokey', '$');
    await waitBlocked(1);
    const list = String(await call('CLIENT', 'LIST'));
    const line = list.split('\n').find((l) => l.includes('cmd=xread') && / flags=b /.test(l))!;
    const cid = /id=(\d+)/.exec(line)![1]!;
    assert.equal(await call('CLIENT', 'UNBLOCK', cid, 'ERROR'), 1);
    assert.ok((await u.reply()) instanceof ReplyError);
  });
});

describe('consumer groups: XGROUP', () => {
  test('CREATE with $ / ID / MKSTREAM / ENTRIESREAD, BUSYGROUP, missing key', async () => {
    await fails(call('XGROUP', 'CREATE', 's', 'g', '$'), 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.');
    assert.equal(await call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM'), 'OK');
    await fails(call('XGROUP', 'CREATE', 's', 'g', '$'), 'BUSYGROUP Consumer Group name already exists');
    await fill('s', 4);
    assert.equal(await call('XGROUP', 'CREATE', 's', 'g2', '2', 'ENTRIESREAD', '2'), 'OK');
    await fails(call('XGROUP', 'CREATE', 's', 'g3', '$', 'ENTRIESREAD', '-3'), 'ERR value for ENTRIESREAD must be positive or -1');
    await fails(call('XGROUP', 'CREATE', 's', 'g3', '+'), INVALID_ID);
    await fails(call('XGROUP', 'CREATE', 's', 'g3', '$', 'FOO'), "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.");
    const gs = await groupsInfo('s');
    assert.deepEqual(gs.map((g) => [g.name, g['last-delivered-id'], g['entries-read'], g.lag]), [['g', '0-0', null, 4], ['g2', '2-0', 2, 2]]);
    assert.deepEqual(events.filter((e) => e[1].startsWith('xgroup') || e[1] === 'new').map((e) => e[1]),
      ['xgroup-create', 'xgroup-create']);
  });

  test('SETID, DESTROY, CREATECONSUMER, DELCONSUMER, HELP', async () => {
    await fill('s', 3);
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    assert.equal(await call('XGROUP', 'SETID', 's', 'g', '$'), 'OK');
    assert.equal((await groupsInfo('s'))[0]!['last-delivered-id'], '3-0');
    assert.equal(await call('XGROUP', 'SETID', 's', 'g', '-', 'ENTRIESREAD', '0'), 'OK');
    assert.deepEqual([(await groupsInfo('s'))[0]!['last-delivered-id'], (await groupsInfo('s'))[0]!['entries-read']], ['0-0', 0]);
    await fails(call('XGROUP', 'SETID', 's', 'nog', '0'), "NOGROUP No such consumer group 'nog' for key name 's'");
    assert.equal(await call('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'), 1);
    assert.equal(await call('XGROUP', 'CREATECONSUMER', 's', 'g', 'alice'), 0);
    await fails(call('XGROUP', 'CREATECONSUMER', 's', 'nog', 'x'), /^NOGROUP/);
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    assert.equal(await call('XGROUP', 'DELCONSUMER', 's', 'g', 'alice'), 2);
    assert.equal(await call('XGROUP', 'DELCONSUMER', 's', 'g', 'alice'), 0);
    assert.deepEqual(await call('XPENDING', 's', 'g'), [0, null, null, null]);
    assert.equal(await call('XGROUP', 'DESTROY', 's', 'g'), 1);
    assert.equal(await call('XGROUP', 'DESTROY', 's', 'g'), 0);
    await fails(call('XGROUP', 'DESTROY', 'nokey', 'g'), /requires the key to exist/);
    const help = await call('XGROUP', 'HELP') as string[];
    assert.equal(help[0], 'XGROUP <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    await fails(call('XGROUP', 'HELP', 'x'), "ERR wrong number of arguments for 'xgroup|help' command");
    const evs = events.map((e) => e[1]).filter((e) => e.startsWith('xgroup'));
    assert.deepEqual(evs, ['xgroup-create', 'xgroup-setid', 'xgroup-setid', 'xgroup-createconsumer', 'xgroup-delconsumer', 'xgroup-destroy']);
  });
});

describe('consumer groups: reading, acknowledging, pending', () => {
  beforeEach(async () => {
    await fill('s', 5);
    await call('XGROUP', 'CREATE', 's', 'g', '0');
  });

  test('">" delivers each entry once across consumers; an ID reads the consumer history', async () => {
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'),
      [['s', [['1-0', ['f', '1']], ['2-0', ['f', '2']]]]]);
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'),
      [['s', [['3-0', ['f', '3']], ['4-0', ['f', '4']], ['5-0', ['f', '5']]]]]);
    assert.equal(await call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'), null);
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'),
      [['s', [['1-0', ['f', '1']], ['2-0', ['f', '2']]]]]);
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 's', '1-0'),
      [['s', [['2-0', ['f', '2']]]]]);
    // A deleted pending entry shows as its ID with a null body.
    await call('XDEL', 's', '1');
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'),
      [['s', [['1-0', null], ['2-0', ['f', '2']]]]]);
    const pend = await call('XPENDING', 's', 'g', '-', '+', '10', 'alice') as unknown[][];
    assert.deepEqual(pend.map((p) => [p[0], p[1], p[3]]), [['1-0', 'alice', 2], ['2-0', 'alice', 4]]);
    assert.deepEqual((await groupsInfo('s'))[0], {
      name: 'g', consumers: 2, pending: 5, 'last-delivered-id': '5-0', 'entries-read': 5, lag: 0,
    });
  });

  test('NOACK reads leave no pending entries', async () => {
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'NOACK', 'STREAMS', 's', '>');
    assert.deepEqual(await call('XPENDING', 's', 'g'), [0, null, null, null]);
    assert.equal((await groupsInfo('s'))[0]!['last-delivered-id'], '5-0');
    const cons = (await call('XINFO', 'CONSUMERS', 's', 'g') as unknown[]).map(obj);
    assert.equal(cons[0]!.name, 'alice');
    assert.equal(cons[0]!.inactive, -1); // NOACK reads do not count as activity
  });

  test('errors', async () => {
    await fails(call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's'), "ERR Unbalanced 'xreadgroup' list of streams: for each stream key an ID or '>' must be specified.");
    await fails(call('XREADGROUP', 'COUNT', '1', 'NOACK', 'STREAMS', 's', '>'), 'ERR Missing GROUP option for XREADGROUP');
    await fails(call('XREADGROUP', 'GROUP', 'nog', 'c', 'STREAMS', 's', '>'), "NOGROUP No such key 's' or consumer group 'nog' in XREADGROUP with GROUP option");
    await fails(call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'nokey', '>'), /^NOGROUP No such key 'nokey'/);
    await fails(call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '$'), /^ERR The \$ ID is meaningless in the context of XREADGROUP/);
    await fails(call('XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 's', '+'), /^ERR The \+ ID is meaningless in the context of XREADGROUP/);
  });

  test('XACK and XPENDING summary / extended / IDLE / consumer filter', async () => {
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    await call('XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>');
    assert.deepEqual(await call('XPENDING', 's', 'g'), [5, '1-0', '5-0', [['alice', '2'], ['bob', '3']]]);
    const ext = await call('XPENDING', 's', 'g', '(1', '+', '3') as unknown[][];
    assert.deepEqual(ext.map((p) => [p[0], p[1], p[3]]), [['2-0', 'alice', 1], ['3-0', 'bob', 1], ['4-0', 'bob', 1]]);
    assert.deepEqual(await call('XPENDING', 's', 'g', '-', '+', '10', 'nobody'), []);
    await sleep(30);
    assert.equal((await call('XPENDING', 's', 'g', 'IDLE', '20', '-', '+', '10') as unknown[]).length, 5);
    assert.equal((await call('XPENDING', 's', 'g', 'IDLE', '100000', '-', '+', '10') as unknown[]).length, 0);
    assert.ok(((await call('XPENDING', 's', 'g', '-', '+', '1') as unknown[][])[0]![2] as number) >= 30);
    assert.equal(await call('XACK', 's', 'g', '1-0', '3', '9-0'), 2);
    assert.equal(await call('XACK', 's', 'g', '1-0'), 0);
    assert.equal(await call('XACK', 's', 'nog', '1-0'), 0);
    assert.equal(await call('XACK', 'nokey', 'g', '1-0'), 0);
    await fails(call('XACK', 's', 'g', '2-0', 'bad'), INVALID_ID);
    assert.deepEqual(await call('XPENDING', 's', 'g'), [3, '2-0', '5-0', [['alice', '1'], ['bob', '2']]]);
    await fails(call('XPENDING', 's', 'nog'), "NOGROUP No such key 's' or consumer group 'nog'");
    await fails(call('XPENDING', 's', 'g', '-', '+'), 'ERR syntax error');
    await fails(call('XPENDING', 's', 'g', 'IDLE', '1', '-', '+'), 'ERR syntax error');
    await fails(call('XPENDING', 's', 'g', '-', '+', 'x'), 'ERR value is not an integer or out of range');
  });
});

describe('XCLAIM / XAUTOCLAIM', () => {
  beforeEach(async () => {
    await fill('s', 5);
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '>');
  });
  const pending = async (): Promise<unknown[][]> => await call('XPENDING', 's', 'g', '-', '+', '10') as unknown[][];

  test('claims idle entries, increments the delivery count, creates the consumer', async () => {
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'bob', '100000', '1-0'), []);
    await sleep(20);
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'bob', '10', '1-0', '2-0'), [['1-0', ['f', '1']], ['2-0', ['f', '2']]]);
    const p = await pending();
    assert.deepEqual(p.slice(0, 2).map((x) => [x[0], x[1], x[3]]), [['1-0', 'bob', 2], ['2-0', 'bob', 2]]);
    assert.ok(events.some((e) => e[1] === 'xgroup-createconsumer'));
  });

  test('JUSTID, RETRYCOUNT, IDLE, TIME, FORCE, LASTID', async () => {
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'JUSTID'), ['1-0']);
    assert.equal((await pending())[0]![3], 1); // JUSTID does not count a delivery
    await call('XCLAIM', 's', 'g', 'bob', '0', '2-0', 'RETRYCOUNT', '7', 'IDLE', '5000');
    const p2 = (await pending())[1]!;
    assert.equal(p2[3], 7);
    assert.ok((p2[2] as number) >= 5000);
    const t = Date.now() - 60000;
    await call('XCLAIM', 's', 'g', 'bob', '0', '3-0', 'TIME', String(t), 'JUSTID');
    assert.ok(((await pending())[2]![2] as number) >= 59000);
    await call('XACK', 's', 'g', '4-0');
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'carol', '0', '4-0'), []);
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'carol', '0', '4-0', '99-0', 'FORCE', 'JUSTID'), ['4-0']);
    await call('XCLAIM', 's', 'g', 'carol', '0', '4-0', 'LASTID', '50-0', 'JUSTID');
    assert.equal((await groupsInfo('s'))[0]!['last-delivered-id'], '50-0');
  });

  test('claiming deleted or trimmed entries drops them from the PEL', async () => {
    await call('XDEL', 's', '2');
    assert.deepEqual(await call('XCLAIM', 's', 'g', 'bob', '0', '1-0', '2-0', '3-0'), [['1-0', ['f', '1']], ['3-0', ['f', '3']]]);
    assert.deepEqual((await pending()).map((p) => p[0]), ['1-0', '3-0', '4-0', '5-0']);
  });

  test('errors', async () => {
    await fails(call('XCLAIM', 's', 'nog', 'bob', '0', '1-0'), "NOGROUP No such key 's' or consumer group 'nog'");
    await fails(call('XCLAIM', 's', 'g', 'bob', 'x', '1-0'), 'ERR Invalid min-idle-time argument for XCLAIM');
    await fails(call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'FOO'), "ERR Unrecognized XCLAIM option 'FOO'");
    await fails(call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'IDLE', 'x'), 'ERR Invalid IDLE option argument for XCLAIM');
    await fails(call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'TIME', 'x'), 'ERR Invalid TIME option argument for XCLAIM');
    await fails(call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'RETRYCOUNT', 'x'), 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
    await fails(call('XCLAIM', 's', 'g', 'bob', '0', '1-0', 'LASTID', 'x'), INVALID_ID);
    await fails(call('XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '0'), 'ERR COUNT must be > 0');
    await fails(call('XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'COUNT', '8070450532247928833'), 'ERR COUNT must be > 0');
    await fails(call('XAUTOCLAIM', 's', 'g', 'bob', 'x', '0'), 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
    await fails(call('XAUTOCLAIM', 's', 'g', 'bob', '0', 'x'), INVALID_ID);
    await fails(call('XAUTOCLAIM', 's', 'g', 'bob', '0', '0', 'FOO'), 'ERR syntax error');
    await fails(call('XAUTOCLAIM', 's', 'nog', 'bob', '0', '0'), /^NOGROUP/);
  });

  test('XAUTOCLAIM iterates with a cursor and reports deleted entries', async () => {
    await call('XDEL', 's', '2');
    assert.deepEqual(await call('XAUTOCLAIM', 's', 'g', 'bob', '0', '-', 'COUNT', '2'),
      ['3-0', [['1-0', ['f', '1']]], ['2-0']]);
    assert.deepEqual(await call('XAUTOCLAIM', 's', 'g', 'bob', '0', '3-0', 'COUNT', '2', 'JUSTID'), ['5-0', ['3-0', '4-0'], []]);
    assert.deepEqual(await call('XAUTOCLAIM', 's', 'g', 'bob', '0', '5-0'), ['0-0', [['5-0', ['f', '5']]], []]);
    assert.deepEqual(await call('XAUTOCLAIM', 's', 'g', 'bob', '0', '(5-0'), ['0-0', [], []]);
  });
});

describe('failover via XAUTOCLAIM', () => {
  test('a consumer that stops acknowledging has its entries taken over by another', async () => {
    await call('XGROUP', 'CREATE', 'jobs', 'workers', '$', 'MKSTREAM');
    for (let i = 1; i <= 10; i++) await call('XADD', 'jobs', '*', 'job', String(i));
    // Worker A takes 6 jobs, acknowledges 2, then dies.
    const a = await call('XREADGROUP', 'GROUP', 'workers', 'A', 'COUNT', '6', 'STREAMS', 'jobs', '>') as [string, [string, string[]][]][];
    const aIds = a[0]![1].map((e) => e[0]);
    await call('XACK', 'jobs', 'workers', aIds[0]!, aIds[1]!);
    // Worker B processes the rest of the new jobs normally.
    const b = await call('XREADGROUP', 'GROUP', 'workers', 'B', 'STREAMS', 'jobs', '>') as [string, [string, string[]][]][];
    await call('XACK', 'jobs', 'workers', ...b[0]![1].map((e) => e[0]));
    // Too early: nothing is idle enough.
    assert.deepEqual(await call('XAUTOCLAIM', 'jobs', 'workers', 'B', '200', '0'), ['0-0', [], []]);
    await sleep(220);
    // B recovers A's 4 unacknowledged jobs, 3 at a time, following the cursor.
    const got: string[] = [];
    let cursor = '0-0';
    do {
      const res = await call('XAUTOCLAIM', 'jobs', 'workers', 'B', '200', cursor, 'COUNT', '3') as [string, [string, string[]][], string[]];
      got.push(...res[1].map((e) => e[1][1]!));
      cursor = res[0];
    } while (cursor !== '0-0');
    assert.deepEqual(got, ['3', '4', '5', '6']);
    const pend = await call('XPENDING', 'jobs', 'workers', '-', '+', '10') as unknown[][];
    assert.deepEqual(pend.map((p) => [p[1], p[3]]), [['B', 2], ['B', 2], ['B', 2], ['B', 2]]);
    await call('XACK', 'jobs', 'workers', ...pend.map((p) => String(p[0])));
    assert.deepEqual(await call('XPENDING', 'jobs', 'workers'), [0, null, null, null]);
    const cons = (await call('XINFO', 'CONSUMERS', 'jobs', 'workers') as unknown[]).map(obj);
    assert.deepEqual(cons.map((x) => [x.name, x.pending]), [['A', 0], ['B', 0]]);
    assert.equal(await call('XGROUP', 'DELCONSUMER', 'jobs', 'workers', 'A'), 0);
  });
});

describe('blocking XREADGROUP', () => {
  test('waiting consumers each get different new entries', async () => {
    await call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    const c1 = await send('XREADGROUP', 'GROUP', 'g', 'c1', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await waitBlocked(1);
    const c2 = await send('XREADGROUP', 'GROUP', 'g', 'c2', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 's', '>');
    await waitBlocked(2);
    const m = await conn();
    await m.call('MULTI');
    await m.call('XADD', 's', '1', 'f', 'a');
    await m.call('XADD', 's', '2', 'f', 'b');
    await m.call('EXEC');
    assert.deepEqual(await c1.reply(), [['s', [['1-0', ['f', 'a']]]]]);
    assert.deepEqual(await c2.reply(), [['s', [['2-0', ['f', 'b']]]]]);
    const p = await call('XPENDING', 's', 'g') as unknown[];
    assert.deepEqual(p[3], [['c1', '1'], ['c2', '1']]);
  });

  test('XGROUP DESTROY, DEL and a type change wake waiters with the matching error', async () => {
    const list = await send('BLPOP', 't', '0');
    await waitBlocked(1);
    await call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    await call('XGROUP', 'CREATE', 't', 'g', '$', 'MKSTREAM');
    await call('XGROUP', 'CREATE', 'u', 'g', '$', 'MKSTREAM');
    const a = await send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>');
    const b = await send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 't', '>');
    const c = await send('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 'u', '>');
    await waitBlocked(4);
    await call('XGROUP', 'DESTROY', 's', 'g');
    assert.deepEqual(await a.reply(), new ReplyError("NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option"));
    await call('DEL', 't'); // the list waiter before it in the queue does not stop it
    assert.deepEqual(await b.reply(), new ReplyError("NOGROUP No such key 't' or consumer group 'g' in XREADGROUP with GROUP option"));
    await call('SET', 'u', 'x');
    assert.deepEqual(await c.reply(), new ReplyError(WRONGTYPE));
    assert.equal(list.queued, 0);
  });

  test('a history read never blocks; BLOCK timeout replies null', async () => {
    await call('XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM');
    assert.deepEqual(await call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '0'), [['s', []]]);
    const t0 = Date.now();
    assert.equal(await call('XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '30', 'STREAMS', 's', '>'), null);
    assert.ok(Date.now() - t0 >= 25);
  });
});

describe('XINFO', () => {
  test('STREAM, STREAM FULL [COUNT], GROUPS, CONSUMERS, HELP, errors', async () => {
    for (const [id, f] of [['100', 'a'], ['101', 'b'], ['102', 'c'], ['103', 'e'], ['104', 'f']]) await call('XADD', 'x', id!, f!, '1');
    await call('XGROUP', 'CREATE', 'x', 'g1', '0');
    await call('XGROUP', 'CREATE', 'x', 'g2', '0');
    await call('XREADGROUP', 'GROUP', 'g1', 'Alice', 'COUNT', '1', 'STREAMS', 'x', '>');
    await call('XREADGROUP', 'GROUP', 'g1', 'Bob', 'COUNT', '1', 'STREAMS', 'x', '>');
    await call('XREADGROUP', 'GROUP', 'g1', 'Bob', 'NOACK', 'COUNT', '1', 'STREAMS', 'x', '>');
    await call('XREADGROUP', 'GROUP', 'g2', 'Charlie', 'COUNT', '4', 'STREAMS', 'x', '>');
    await call('XDEL', 'x', '103');
    const info = await xinfo('x');
    assert.deepEqual(Object.keys(info), ['length', 'radix-tree-keys', 'radix-tree-nodes', 'last-generated-id',
      'max-deleted-entry-id', 'entries-added', 'recorded-first-entry-id', 'groups', 'first-entry', 'last-entry']);
    assert.deepEqual([info.length, info['radix-tree-keys'], info['last-generated-id'], info['entries-added'], info.groups],
      [4, 1, '104-0', 5, 2]);
    assert.deepEqual(info['first-entry'], ['100-0', ['a', '1']]);
    assert.deepEqual(info['last-entry'], ['104-0', ['f', '1']]);
    const full = obj(await call('XINFO', 'STREAM', 'x', 'FULL'));
    assert.equal((full.entries as unknown[]).length, 4);
    const [g1, g2] = (full.groups as unknown[]).map(obj);
    // A tombstone after the last-delivered ID makes the lag unknown.
    assert.deepEqual([g1!.name, g1!['last-delivered-id'], g1!['entries-read'], g1!.lag, g1!['pel-count']], ['g1', '102-0', 3, null, 2]);
    assert.deepEqual([g2!.name, g2!['entries-read'], g2!.lag], ['g2', 4, null]);
    const alice = obj((g1!.consumers as unknown[])[0]);
    assert.deepEqual([alice.name, alice['pel-count'], (alice.pending as unknown[][])[0]![0]], ['Alice', 1, '100-0']);
    const limited = obj(await call('XINFO', 'STREAM', 'x', 'FULL', 'COUNT', '1'));
    assert.equal((limited.entries as unknown[]).length, 1);
    assert.equal((obj((limited.groups as unknown[])[1]).pending as unknown[]).length, 1);
    const cons = (await call('XINFO', 'CONSUMERS', 'x', 'g1') as unknown[]).map(obj);
    assert.deepEqual(cons.map((x) => [x.name, x.pending]), [['Alice', 1], ['Bob', 1]]);
    assert.deepEqual(Object.keys(cons[0]!), ['name', 'pending', 'idle', 'inactive']);
    await fails(call('XINFO', 'CONSUMERS', 'x', 'nog'), "NOGROUP No such consumer group 'nog' for key name 'x'");
    await fails(call('XINFO', 'STREAM', 'nokey'), 'ERR no such key');
    await fails(call('XINFO', 'STREAM', 'x', 'FOO'), "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.");
    await fails(call('XINFO', 'STREAM', 'x', 'FULL', 'COUNT'), /unknown subcommand or wrong number/);
    await call('SET', 'str', 'v');
    await fails(call('XINFO', 'GROUPS', 'str'), WRONGTYPE);
    assert.equal((await call('XINFO', 'HELP') as string[])[0], 'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });

  test('lag and entries-read through XDEL, XTRIM and new entries (as Valkey computes them)', async () => {
    await fill('x', 5);
    await call('XDEL', 'x', '3-0');
    await call('XGROUP', 'CREATE', 'x', 'g1', '0');
    await call('XGROUP', 'CREATE', 'x', 'g2', '0');
    const g = async (i: number): Promise<[unknown, unknown]> => {
      const x = (await groupsInfo('x'))[i]!;
      return [x['entries-read'], x.lag];
    };
    assert.deepEqual(await g(0), [null, null]);
    for (let i = 0; i < 3; i++) {
      await call('XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '1', 'STREAMS', 'x', '>');
      assert.deepEqual(await g(0), [null, null]);
    }
    await call('XREADGROUP', 'GROUP', 'g1', 'c', 'COUNT', '1', 'STREAMS', 'x', '>');
    assert.deepEqual(await g(0), [5, 0]);
    await call('XADD', 'x', '6-0', 'f', 'v');
    assert.deepEqual(await g(0), [5, 1]);
    await call('XTRIM', 'x', 'MINID', '=', '3-0');
    assert.deepEqual(await g(1), [null, 3]);
    await call('XTRIM', 'x', 'MINID', '=', '5-0');
    assert.deepEqual(await g(1), [null, 2]);
    await call('DEL', 'e');
    await call('XGROUP', 'CREATE', 'e', 'g', '0', 'MKSTREAM');
    assert.deepEqual((await groupsInfo('e'))[0]!.lag, 0);
  });
});

describe('generic commands on streams', () => {
  test('TYPE, OBJECT ENCODING, COPY with groups, DEBUG DIGEST-VALUE, MEMORY USAGE, RENAME', async () => {
    for (let i = 0; i < 300; i++) await call('XADD', 's', '*', 'item', String(i));
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    await call('XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '5', 'STREAMS', 's', '>');
    assert.equal(await call('TYPE', 's'), 'stream');
    assert.equal(await call('OBJECT', 'ENCODING', 's'), 'stream');
    assert.equal(await call('COPY', 's', 'd'), 1);
    const full = (k: string): Promise<unknown> => call('XINFO', 'STREAM', k, 'FULL');
    assert.deepEqual(await full('d'), await full('s'));
    const digest = await call('DEBUG', 'DIGEST-VALUE', 's');
    assert.deepEqual(await call('DEBUG', 'DIGEST-VALUE', 'd'), digest);
    await call('XACK', 's', 'g', (await call('XRANGE', 's', '-', '+', 'COUNT', '1') as string[][])[0]![0]!);
    assert.notDeepEqual(await full('d'), await full('s'));
    await call('DEL', 's');
    assert.deepEqual(await call('DEBUG', 'DIGEST-VALUE', 'd'), digest);
    const mem = Number(await call('MEMORY', 'USAGE', 'd'));
    assert.ok(mem > 300 * 8 && mem < 64 * 1024, `memory usage ${mem}`);
    await call('RENAME', 'd', 'r');
    assert.equal(await call('XLEN', 'r'), 300);
  });

  test('the stream-node-max-entries / -bytes parameters shape the nodes', async () => {
    await call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    for (let i = 0; i < 95; i++) await call('XADD', 's', '*', 'f', 'v');
    assert.equal((await xinfo('s'))['radix-tree-keys'], 10);
    await call('CONFIG', 'SET', 'stream-node-max-entries', '0');
    await call('CONFIG', 'SET', 'stream-node-max-bytes', '100');
    for (let i = 0; i < 10; i++) await call('XADD', 't', '*', 'field', 'x'.repeat(30));
    assert.equal((await xinfo('t'))['radix-tree-keys'], 5);
  });
});

describe('propagation', () => {
  interface Feed { addFeed(fn: (db: number, argv: Buffer[]) => void): () => void }
  const prop = (): Feed | undefined => (srv.server as unknown as { propagator?: Feed }).propagator;

  test('XADD goes out with its generated ID and the exact trim; XREADGROUP as XCLAIM + XGROUP SETID', async (t) => {
    const p = prop();
    if (!p || typeof p.addFeed !== 'function') { t.skip('no replication propagator in this build'); return; }
    await call('CONFIG', 'SET', 'stream-node-max-entries', '10');
    for (let i = 1; i <= 30; i++) await call('XADD', 's', String(i), 'f', 'v');
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    const seen: string[] = [];
    // Propagation only happens while some consumer listens (a replica or the AOF).
    const off = p.addFeed((_db, argv) => { seen.push(argv.map(String).join(' ')); });
    try {
      assert.equal(await call('XADD', 's', 'MAXLEN', '~', '15', '31-*', 'f', 'v'), '31-0');
      const id = String(await call('XADD', 's', '*', 'f', 'v'));
      await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
      await call('XREADGROUP', 'GROUP', 'g', 'bob', 'NOACK', 'COUNT', '1', 'STREAMS', 's', '>');
      await call('XCLAIM', 's', 'g', 'carol', '0', '11', 'JUSTID');
      await call('XAUTOCLAIM', 's', 'g', 'dave', '0', '0', 'COUNT', '1', 'JUSTID');
      await call('XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '10');
      const claim = (who: string, x: string, last: string): RegExp =>
        new RegExp(`^XCLAIM s g ${who} 0 ${x} TIME \\d+ RETRYCOUNT 1 FORCE JUSTID LASTID ${last}$`);
      // Several commands from one execution unit travel inside MULTI/EXEC.
      assert.deepEqual(seen.slice(2, 3).concat(seen.slice(6, 7)), ['MULTI', 'EXEC']);
      seen.splice(0, seen.length, ...seen.filter((l) => l !== 'MULTI' && l !== 'EXEC'));
      assert.deepEqual(seen.slice(0, 2), ['XADD s MAXLEN = 21 31-0 f v', `XADD s ${id} f v`]);
      assert.match(seen[2]!, claim('alice', '11-0', '11-0'));
      assert.match(seen[3]!, claim('alice', '12-0', '12-0'));
      assert.equal(seen[4], 'XGROUP SETID s g 12-0 ENTRIESREAD 12');
      assert.equal(seen[5], 'XGROUP CREATECONSUMER s g bob');
      assert.equal(seen[6], 'XGROUP SETID s g 13-0 ENTRIESREAD 13');
      assert.match(seen[7]!, claim('carol', '11', '13-0'));
      assert.match(seen[8]!, claim('dave', '11-0', '13-0'));
      // An approximate trim with LIMIT goes out as the exact trim it did, without LIMIT.
      assert.equal(seen[9], 'XTRIM s MAXLEN = 12');
      assert.equal(seen.length, 10);
    } finally {
      off();
    }
  });
});

describe('RDB codec', () => {
  test('a stream with groups survives save and load through the persistence codec (with LZF)', async () => {
    const { rdbCodecFor, RdbOut, RdbReader } = await import('../src/persistence/rdb.js');
    const { OBJ_STREAM: T } = await import('../src/store/types.js');
    for (let i = 0; i < 300; i++) await call('XADD', 's', '*', 'field', 'value'.repeat(1 + (i % 5)), 'n', String(i));
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '7', 'STREAMS', 's', '>');
    await call('XDEL', 's', (await call('XRANGE', 's', '-', '+', 'COUNT', '1') as string[][])[0]![0]!);
    const codec = rdbCodecFor(T)!;
    const a = srv.server.ks.dbs[0]!.findRaw(Buffer.from('s'));
    const value = srv.server.ks.dbs[0]!.object(a);
    const out = new RdbOut();
    const type = codec.rdbType(value, 0, 11);
    assert.equal(type, 21);
    codec.save(out, value, type, 11, true);
    const bytes = out.take();
    const ctx = { server: srv.server, version: 11, now: Date.now(), dropExpired: true };
    const loaded = codec.load(new RdbReader(bytes), type, ctx);
    await call('DEL', 's');
    srv.server.ks.dbs[0]!.setObject(Buffer.from('s2'), loaded.type, loaded.enc, loaded.obj);
    const orig = value as { length: number };
    assert.equal(await call('XLEN', 's2'), orig.length);
    const info = obj(await call('XINFO', 'STREAM', 's2', 'FULL', 'COUNT', '0'));
    assert.equal((info.entries as unknown[]).length, 299);
    assert.equal(obj((info.groups as unknown[])[0])['pel-count'], 7);
    // A truncated payload is refused with an RDB error.
    assert.throws(() => codec.load(new RdbReader(bytes.subarray(0, bytes.length >> 1)), type, ctx));
  });
});

describe('AOF rewrite commands', () => {
  test('replaying the rewrite rebuilds the same stream, groups and pending entries', async () => {
    const { streamRewriteCommands } = await import('../src/commands/stream.js');
    await fill('s', 5);
    await call('XDEL', 's', '5');
    await call('XGROUP', 'CREATE', 's', 'g', '0');
    await call('XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '4');
    await call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>');
    await call('XGROUP', 'CREATECONSUMER', 's', 'g', 'bob');
    await call('XGROUP', 'CREATE', 'empty', 'g', '$', 'MKSTREAM');
    for (const key of ['s', 'empty']) {
      const db = srv.server.ks.dbs[0]!;
      const cmds: Buffer[][] = [];
      streamRewriteCommands(Buffer.from(key), db.object(db.findRaw(Buffer.from(key))), (argv) => cmds.push(argv));
      const copy = `${key}-copy`;
      for (const argv of cmds) {
        const args = argv.slice();
        args[String(argv[0]) === 'XGROUP' ? 2 : 1] = Buffer.from(copy);
        await r.call(String(args[0]), ...args.slice(1));
      }
      const strip = (x: unknown): unknown => {
        const o = obj(x);
        o.groups = (o.groups as unknown[]).map((g) => {
          const go = obj(g);
          go.consumers = (go.consumers as unknown[]).map((c) => { const co = obj(c); return [co.name, co['pel-count'], co.pending]; });
          return go;
        });
        return o;
      };
      assert.deepEqual(strip(await call('XINFO', 'STREAM', copy, 'FULL')), strip(await call('XINFO', 'STREAM', key, 'FULL')));
    }
  });
});
