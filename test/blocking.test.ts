// Blocking list commands over real sockets with several clients: BLPOP / BRPOP / BLMOVE /
// BRPOPLPUSH / BLMPOP served at once or after blocking, FIFO order between waiters, sub-second
// timeouts, wake-ups by any write that creates the key (push, LMOVE, RENAME, MOVE, COPY,
// SWAPDB), keys of the wrong type not waking anyone, CLIENT UNBLOCK, INFO counts, command
// statistics, pipelining, disconnects, and the non-blocking behaviour where blocking is denied.
import { describe, test, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, sleep, type Reply } from '../bench/resp.js';
import { NOTIFY_GENERIC, NOTIFY_LIST } from '../src/store/types.js';

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
  events.length = 0;
});

afterEach(async () => {
  for (const c of conns) c.close();
  conns = [];
  await waitBlocked(0);
});

const call = (...args: (string | number)[]): Promise<unknown> => r.call(String(args[0]), ...args.slice(1).map(String));

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

async function info(section: string): Promise<Record<string, string>> {
  const text = String(await r.call('INFO', section));
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

/** Asserts that c has no reply within ms. */
async function noReply(c: RawConn, ms = 100): Promise<void> {
  await sleep(ms);
  assert.equal(c.queued, 0, 'unexpected reply');
}

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';

describe('served without blocking', () => {
  test('BLPOP / BRPOP take from the first non-empty key in argument order', async () => {
    await call('RPUSH', 'b', 'b1', 'b2', 'b3');
    await call('RPUSH', 'c', 'c1');
    assert.deepEqual(await call('BLPOP', 'a', 'b', 'c', 1), ['b', 'b1']);
    assert.deepEqual(await call('BRPOP', 'a', 'b', 'c', 1), ['b', 'b3']);
    assert.deepEqual(await call('BRPOP', 'c', 'b', 0), ['c', 'c1']);
    assert.equal(await call('EXISTS', 'c'), 0);
    assert.deepEqual(await call('BLMPOP', 0, 2, 'a', 'b', 'LEFT', 'COUNT', 5), ['b', ['b2']]);
    await call('RPUSH', 's', 'x', 'y');
    assert.equal(await call('BLMOVE', 's', 'd', 'LEFT', 'RIGHT', 0), 'x');
    assert.equal(await call('BRPOPLPUSH', 's', 'd', 0), 'y');
    assert.deepEqual(await call('LRANGE', 'd', 0, -1), ['y', 'x']);
  });

  test('WRONGTYPE on a key before any list, and timeout errors', async () => {
    await call('SET', 's', 'x');
    await assert.rejects(call('BLPOP', 'nokey', 's', 0), { message: WRONGTYPE });
    await assert.rejects(call('BLMPOP', 0, 2, 'nokey', 's', 'LEFT'), { message: WRONGTYPE });
    await assert.rejects(call('BRPOPLPUSH', 's', 'd', 0), { message: WRONGTYPE });
    await assert.rejects(call('BLPOP', 'k', -1), { message: 'ERR timeout is negative' });
    await assert.rejects(call('BLPOP', 'k', 'abc'), { message: 'ERR timeout is not a float or out of range' });
    await assert.rejects(call('BLPOP', 'k', '0x7FFFFFFFFFFFFF'), { message: 'ERR timeout is out of range' });
    await assert.rejects(call('BLPOP', 'k', 'inf'), { message: 'ERR timeout is out of range' });
    await assert.rejects(call('BLMOVE', 'k', 'd', 'LEFT', 'LEFT', 'nan'), { message: 'ERR timeout is not a float or out of range' });
    await assert.rejects(call('BLMOVE', 'k', 'd', 'UP', 'LEFT', 0), { message: 'ERR syntax error' });
    await assert.rejects(call('BLMPOP', 'x', 1, 'k', 'LEFT'), { message: 'ERR timeout is not a float or out of range' });
    // numkeys / where / count are checked before the timeout
    await assert.rejects(call('BLMPOP', 'x', 0, 'k', 'LEFT'), { message: 'ERR numkeys should be greater than 0' });
    await assert.rejects(call('BLMPOP', 0, 1, 'k', 'LEFT', 'COUNT', 0), { message: 'ERR count should be greater than 0' });
    assert.equal(srv.server.blocking.blockedClients, 0);
  });

  test('events of a pop that empties the list', async () => {
    await call('RPUSH', 'k', 'v');
    events.length = 0;
    await call('BLPOP', 'k', 0);
    assert.deepEqual(events, [['k', 'lpop', NOTIFY_LIST], ['k', 'del', NOTIFY_GENERIC]]);
  });
});

describe('blocking and waking', () => {
  test('a push wakes the waiter, which pops and deletes the emptied key', async () => {
    const c = await send('BLPOP', 'k', 5);
    await waitBlocked(1);
    assert.equal(await call('RPUSH', 'k', 'foo'), 1);
    assert.deepEqual(await c.reply(), ['k', 'foo']);
    assert.equal(await call('EXISTS', 'k'), 0);
  });

  test('variadic LPUSH serves the element pushed last (the head)', async () => {
    const c = await send('BLPOP', 'k', 0);
    await waitBlocked(1);
    assert.equal(await call('LPUSH', 'k', 'foo', 'bar'), 2);
    assert.deepEqual(await c.reply(), ['k', 'bar']);
    assert.deepEqual(await call('LRANGE', 'k', 0, -1), ['foo']);
  });

  test('BRPOP takes the tail; any of several keys wakes it', async () => {
    const c = await send('BRPOP', 'k1', 'k2', 0);
    await waitBlocked(1);
    await call('RPUSH', 'k2', 'a', 'b');
    assert.deepEqual(await c.reply(), ['k2', 'b']);
  });

  test('the same key given several times', async () => {
    const c = await send('BLPOP', 'l1', 'l2', 'l2', 'l1', 0);
    await waitBlocked(1);
    assert.equal((await info('clients')).total_blocking_keys, '2');
    await call('LPUSH', 'l2', 'b');
    assert.deepEqual(await c.reply(), ['l2', 'b']);
  });

  test('FIFO between waiters on one key', async () => {
    const a = await send('BLPOP', 'q', 0);
    await waitBlocked(1);
    const b = await send('BLPOP', 'q', 0);
    await waitBlocked(2);
    const c = await send('BRPOP', 'q', 0);
    await waitBlocked(3);
    await call('RPUSH', 'q', 'one');
    assert.deepEqual(await a.reply(), ['q', 'one']);
    await noReply(b, 50);
    await call('RPUSH', 'q', 'two', 'three', 'four');
    assert.deepEqual(await b.reply(), ['q', 'two']);
    assert.deepEqual(await c.reply(), ['q', 'four']);
    assert.deepEqual(await call('LRANGE', 'q', 0, -1), ['three']);
  });

  test('FIFO is kept while another client pipelines a push and a blocking pop', async () => {
    const a = await send('BLPOP', 'm', 0);
    await waitBlocked(1);
    const b = await conn();
    await b.write('LPUSH m 1\r\nBLPOP m 0\r\n');
    assert.deepEqual(await a.reply(), ['m', '1']);
    assert.equal(await b.reply(), 1);
    await waitBlocked(1);
    await call('LPUSH', 'm', '2');
    assert.deepEqual(await b.reply(), ['m', '2']);
  });

  test('commands pipelined after a blocking one wait for it', async () => {
    const c = await conn();
    await c.write('BLPOP k 0\r\nPING\r\n');
    await waitBlocked(1);
    await noReply(c, 50);
    await call('RPUSH', 'k', 'x');
    assert.deepEqual(await c.reply(), ['k', 'x']);
    assert.equal(await c.reply(), 'PONG');
  });

  test('a key created with another type does not wake list waiters', async () => {
    const c = await send('BLPOP', 'k', 0);
    await waitBlocked(1);
    await call('SET', 'k', 'str');
    await noReply(c, 50);
    assert.equal(srv.server.blocking.blockedClients, 1);
    await call('DEL', 'k');
    await call('LPUSH', 'k', 'b');
    assert.deepEqual(await c.reply(), ['k', 'b']);
  });

  test('BLMPOP waiters with different counts', async () => {
    const c1 = await send('BLMPOP', 0, 2, 'b1', 'b2', 'LEFT', 'COUNT', 1);
    await waitBlocked(1);
    const c2 = await send('BLMPOP', 0, 2, 'b1', 'b2', 'RIGHT', 'COUNT', 10);
    await waitBlocked(2);
    const c3 = await send('BLMPOP', 0, 2, 'b1', 'b2', 'LEFT', 'COUNT', 10);
    await waitBlocked(3);
    await call('LPUSH', 'b1', 'a', 'b', 'c', 'd', 'e');
    assert.deepEqual(await c1.reply(), ['b1', ['e']]);
    assert.deepEqual(await c2.reply(), ['b1', ['a', 'b', 'c', 'd']]);
    await noReply(c3, 30);
    await call('RPUSH', 'b2', '1', '2');
    assert.deepEqual(await c3.reply(), ['b2', ['1', '2']]);
  });

  test('served pops count in dirty like the plain commands', async () => {
    const c = await send('BLPOP', 'k', 0);
    await waitBlocked(1);
    const d = srv.server.ks.dirty;
    await call('LPUSH', 'k', 'a');
    assert.deepEqual(await c.reply(), ['k', 'a']);
    assert.equal(srv.server.ks.dirty, d + 2);
    await c.write(encodeCommand(['BLMOVE', 'k', 'k2', 'LEFT', 'LEFT', 0]));
    await waitBlocked(1);
    const d2 = srv.server.ks.dirty;
    await call('LPUSH', 'k', 'a');
    assert.equal(await c.reply(), 'a');
    assert.equal(srv.server.ks.dirty, d2 + 2);
  });
});

describe('timeouts', () => {
  test('sub-second timeouts reply with a null array', async () => {
    for (const cmd of [['BLPOP', 'k', '0.1'], ['BRPOP', 'k', '0.1'], ['BLMPOP', '0.1', '1', 'k', 'LEFT'],
      ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.1'], ['BRPOPLPUSH', 'k', 'd', '0.1']]) {
      const t0 = Date.now();
      const c = await send(...cmd);
      assert.equal(await c.raw(), '*-1\r\n', cmd[0]);
      const ms = Date.now() - t0;
      assert.ok(ms >= 95 && ms < 600, `${cmd[0]} took ${ms} ms`);
    }
  });

  test('RESP3 timeout reply is a null; 0.001 does not block forever', async () => {
    const c = await conn();
    await c.call('HELLO', 3);
    await c.write(encodeCommand(['BLPOP', 'k', '0.001']));
    assert.equal(await c.raw(), '_\r\n');
    await c.write(encodeCommand(['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', '0.001']));
    assert.equal(await c.raw(), '_\r\n');
  });

  test('timeout 0 waits until served', async () => {
    const c = await send('BRPOPLPUSH', 'k', 'd', 0);
    await waitBlocked(1);
    await noReply(c, 300);
    await call('RPUSH', 'k', 'foo');
    assert.equal(await c.reply(), 'foo');
    assert.deepEqual(await call('LRANGE', 'd', 0, -1), ['foo']);
  });

  test('timeouts beyond the 24.8-day timer limit still wait (without a spinning timer)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => { warnings.push(w.name); };
    process.on('warning', onWarning);
    const c = await send('BLPOP', 'k', 3000000);
    await waitBlocked(1);
    await noReply(c, 150);
    process.off('warning', onWarning);
    assert.deepEqual(warnings.filter((n) => n === 'TimeoutOverflowWarning'), []);
    assert.equal(srv.server.blocking.blockedClients, 1);
    await call('RPUSH', 'k', 'late');
    assert.deepEqual(await c.reply(), ['k', 'late']);
  });

  test('the deadline stays absolute while the client waits through wake-ups', async () => {
    const t0 = Date.now();
    const c = await send('BLPOP', 'k', '0.4');
    await waitBlocked(1);
    await sleep(150);
    // A wake-up that finds no list (wrong type) does not restart the timeout.
    await call('SET', 'k', 'x');
    await call('DEL', 'k');
    assert.equal(await c.raw(), '*-1\r\n');
    const ms = Date.now() - t0;
    assert.ok(ms >= 390 && ms < 700, `took ${ms} ms`);
  });

  test('a key that expired before the wake-up does not serve', async () => {
    await call('DEBUG', 'SET-ACTIVE-EXPIRE', 0);
    try {
      await call('SELECT', 1);
      await call('RPUSH', 'k', 'hello');
      await call('PEXPIRE', 'k', 50);
      await call('SELECT', 0);
      await sleep(80);
      const c = await send('BRPOP', 'k', '0.3');
      await waitBlocked(1);
      await call('SWAPDB', 0, 1);
      assert.equal(await c.raw(), '*-1\r\n');
    } finally {
      await call('DEBUG', 'SET-ACTIVE-EXPIRE', 1);
      await call('SELECT', 0);
    }
  });
});

describe('wake-ups by other writes', () => {
  test('RENAME moves a list into place', async () => {
    const c = await send('BLPOP', 'foo', 0);
    await waitBlocked(1);
    await call('LPUSH', 'bob', 'abc', 'def', 'hij');
    await call('RENAME', 'bob', 'foo');
    assert.deepEqual(await c.reply(), ['foo', 'hij']);
  });

  test('MOVE from another database', async () => {
    const c = await send('BLMPOP', 0, 1, 'k', 'RIGHT', 'COUNT', 2);
    await waitBlocked(1);
    await call('SELECT', 5);
    await call('RPUSH', 'k', 'a', 'b', 'c');
    await call('MOVE', 'k', 0);
    await call('SELECT', 0);
    assert.deepEqual(await c.reply(), ['k', ['c', 'b']]);
  });

  test('SWAPDB brings a list in', async () => {
    await call('SELECT', 1);
    await call('RPUSH', 'k', 'hello');
    await call('SELECT', 0);
    const c = await send('BRPOP', 'k', 5);
    await waitBlocked(1);
    await call('SWAPDB', 1, 0);
    assert.deepEqual(await c.reply(), ['k', 'hello']);
  });

  test('COPY creates the list', async () => {
    await call('RPUSH', 'src', 'x');
    const c = await send('BLPOP', 'dst', 0);
    await waitBlocked(1);
    await call('COPY', 'src', 'dst');
    assert.deepEqual(await c.reply(), ['dst', 'x']);
    assert.deepEqual(await call('LRANGE', 'src', 0, -1), ['x']);
  });

  test('a waiter in another database is not woken', async () => {
    const c = await conn();
    await c.call('SELECT', 2);
    await c.write(encodeCommand(['BLPOP', 'k', 0]));
    await waitBlocked(1);
    await call('RPUSH', 'k', 'db0');
    await noReply(c, 50);
    await call('SELECT', 2);
    await call('RPUSH', 'k', 'db2');
    await call('SELECT', 0);
    assert.deepEqual(await c.reply(), ['k', 'db2']);
  });
});

describe('moves between blocked clients', () => {
  for (const [from, to] of [['left', 'left'], ['left', 'right'], ['right', 'left'], ['right', 'right']]) {
    test(`BLMOVE ${from} ${to} feeding a client BLPOPing the target`, async () => {
      const popper = await send('BLPOP', 'target', 0);
      await waitBlocked(1);
      const mover = await send('BLMOVE', 'blist', 'target', from!, to!, 0);
      await waitBlocked(2);
      await call('RPUSH', 'blist', 'foo');
      assert.equal(await mover.reply(), 'foo');
      assert.deepEqual(await popper.reply(), ['target', 'foo']);
      assert.equal(await call('EXISTS', 'target'), 0);
    });
  }

  test('linked BLMOVEs', async () => {
    const a = await send('BLMOVE', 'list1', 'list2', 'RIGHT', 'LEFT', 0);
    await waitBlocked(1);
    const b = await send('BLMOVE', 'list2', 'list3', 'LEFT', 'RIGHT', 0);
    await waitBlocked(2);
    await call('RPUSH', 'list1', 'foo');
    assert.equal(await a.reply(), 'foo');
    assert.equal(await b.reply(), 'foo');
    assert.deepEqual(await call('LRANGE', 'list1', 0, -1), []);
    assert.deepEqual(await call('LRANGE', 'list2', 0, -1), []);
    assert.deepEqual(await call('LRANGE', 'list3', 0, -1), ['foo']);
  });

  test('circular and self-referential BRPOPLPUSH', async () => {
    const a = await send('BRPOPLPUSH', 'list1', 'list2', 0);
    await waitBlocked(1);
    const b = await send('BRPOPLPUSH', 'list2', 'list1', 0);
    await waitBlocked(2);
    await call('RPUSH', 'list1', 'foo');
    assert.equal(await a.reply(), 'foo');
    assert.equal(await b.reply(), 'foo');
    assert.deepEqual(await call('LRANGE', 'list1', 0, -1), ['foo']);
    assert.deepEqual(await call('LRANGE', 'list2', 0, -1), []);
    const s = await send('BRPOPLPUSH', 'self', 'self', 0);
    await waitBlocked(1);
    await call('RPUSH', 'self', 'x');
    assert.equal(await s.reply(), 'x');
    assert.deepEqual(await call('LRANGE', 'self', 0, -1), ['x']);
  });

  test('a wrong-type destination fails the woken mover and leaves the element', async () => {
    await call('SET', 'target1', 'nolist');
    const a = await send('BRPOPLPUSH', 'blist', 'target1', 0);
    await waitBlocked(1);
    const b = await send('BRPOPLPUSH', 'blist', 'target2', 0);
    await waitBlocked(2);
    await call('RPUSH', 'blist', 'foo');
    assert.ok((await a.reply()) instanceof ReplyError);
    assert.equal(await b.reply(), 'foo');
    assert.deepEqual(await call('LRANGE', 'target2', 0, -1), ['foo']);
    const c = await send('BRPOPLPUSH', 'blist2', 'target1', 0);
    await waitBlocked(1);
    await call('RPUSH', 'blist2', 'a', 'b', 'c');
    const e = await c.reply() as ReplyError;
    assert.equal(e.message, WRONGTYPE);
    assert.deepEqual(await call('LRANGE', 'blist2', 0, -1), ['a', 'b', 'c']);
  });

  test('a client closing while a chain unblocks does not break it', async () => {
    const a = await conn();
    await a.write(Buffer.concat([encodeCommand(['BRPOPLPUSH', 'a', 'b', 0]), encodeCommand(['BRPOPLPUSH', 'a', 'b', 0])]));
    await waitBlocked(1);
    const b = await send('BRPOPLPUSH', 'b', 'c', 0);
    await waitBlocked(2);
    await call('LPUSH', 'a', 'data');
    a.close();
    b.close();
    assert.equal(await call('PING'), 'PONG');
  });
});

describe('CLIENT UNBLOCK, INFO and statistics', () => {
  test('CLIENT UNBLOCK with TIMEOUT (default) and ERROR', async () => {
    const c = await conn();
    const id = await c.call('CLIENT', 'ID') as number;
    for (const how of [[], ['TIMEOUT'], ['timeout']]) {
      await c.write(encodeCommand(['BLPOP', 'l', 0]));
      await waitBlocked(1);
      assert.equal(await call('CLIENT', 'UNBLOCK', id, ...how), 1);
      assert.equal(await c.raw(), '*-1\r\n');
    }
    await c.write(encodeCommand(['BLMPOP', 0, 1, 'l', 'RIGHT']));
    await waitBlocked(1);
    assert.equal(await call('CLIENT', 'UNBLOCK', id, 'ERROR'), 1);
    assert.equal(await c.raw(), '-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n');
    assert.equal(await call('CLIENT', 'UNBLOCK', id), 0);
    await assert.rejects(call('CLIENT', 'UNBLOCK', 'asd'), { message: 'ERR value is not an integer or out of range' });
    await assert.rejects(call('CLIENT', 'UNBLOCK', id, 'MAYBE'), { message: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR' });
    // still usable
    await c.write(encodeCommand(['BLPOP', 'l', 0]));
    await waitBlocked(1);
    await call('LPUSH', 'l', 'foo');
    assert.deepEqual(await c.reply(), ['l', 'foo']);
  });

  test('INFO clients: blocked_clients and total_blocking_keys', async () => {
    let i = await info('clients');
    assert.equal(i.blocked_clients, '0');
    assert.equal(i.total_blocking_keys, '0');
    const a = await send('BLPOP', 'k1', 'k2', 0);
    const b = await send('BRPOP', 'k2', 'k3', 5);
    await waitBlocked(2);
    i = await info('clients');
    assert.equal(i.blocked_clients, '2');
    assert.equal(i.total_blocking_keys, '3');
    assert.equal(i.clients_in_timeout_table, '2');
    assert.match(String(await call('CLIENT', 'LIST')), /flags=b .*cmd=blpop/);
    await call('RPUSH', 'k2', 'x');
    assert.deepEqual(await a.reply(), ['k2', 'x']);
    i = await info('clients');
    assert.equal(i.blocked_clients, '1');
    assert.equal(i.total_blocking_keys, '2');
    b.close();
    await waitBlocked(0);
    i = await info('clients');
    assert.equal(i.total_blocking_keys, '0');
  });

  test('a blocking command is counted once: served, timed out, or unblocked', async () => {
    await call('CONFIG', 'RESETSTAT');
    const c = await conn();
    const id = await c.call('CLIENT', 'ID') as number;
    await call('CONFIG', 'RESETSTAT');
    await c.write(encodeCommand(['BLPOP', 'mylist', 0]));
    await waitBlocked(1);
    await call('LPUSH', 'mylist', '1');
    await c.reply();
    assert.match((await info('commandstats')).cmdstat_blpop!, /^calls=1,.*rejected_calls=0,failed_calls=0$/);
    await call('CONFIG', 'RESETSTAT');
    await c.write(encodeCommand(['BLPOP', 'mylist', 0]));
    await waitBlocked(1);
    await call('CLIENT', 'UNBLOCK', id, 'TIMEOUT');
    await c.raw();
    assert.match((await info('commandstats')).cmdstat_blpop!, /^calls=1,.*rejected_calls=0,failed_calls=0$/);
    await c.write(encodeCommand(['BLPOP', 'mylist', '0.05']));
    await c.raw();
    assert.match((await info('commandstats')).cmdstat_blpop!, /^calls=2,/);
    await c.write(encodeCommand(['BLPOP', 'mylist', 0]));
    await waitBlocked(1);
    await call('CLIENT', 'UNBLOCK', id, 'ERROR');
    await c.raw();
    assert.match((await info('commandstats')).cmdstat_blpop!, /^calls=3,.*failed_calls=1$/);
  });

  test('MONITOR shows a blocking command once, when it is issued', async () => {
    const mon = await conn();
    assert.equal(await mon.call('MONITOR'), 'OK');
    const c = await send('BLPOP', 'mylist', 0);
    await waitBlocked(1);
    await call('LPUSH', 'mylist', '1');
    assert.deepEqual(await c.reply(), ['mylist', '1']);
    await call('LPUSH', 'mylist', '2');
    const lines: string[] = [];
    for (let i = 0; i < 3; i++) lines.push(String(await mon.reply()));
    assert.match(lines[0]!, /"BLPOP" "mylist" "0"$/i);
    assert.match(lines[1]!, /"LPUSH" "mylist" "1"$/i);
    assert.match(lines[2]!, /"LPUSH" "mylist" "2"$/i);
  });

  test('a disconnected waiter leaves the queue and later pushes stay', async () => {
    const a = await send('BLPOP', 'k', 0);
    await waitBlocked(1);
    a.close();
    await waitBlocked(0);
    assert.equal((await info('clients')).total_blocking_keys, '0');
    await call('RPUSH', 'k', 'kept');
    assert.deepEqual(await call('LRANGE', 'k', 0, -1), ['kept']);
  });
});

describe('transactions', () => {
  test('a key created and deleted inside MULTI/EXEC wakes nobody', async () => {
    const c = await send('BLPOP', 'list', 0);
    await waitBlocked(1);
    const m = await conn();
    await m.write('MULTI\r\nLPUSH list a\r\nDEL list\r\nSET list foo\r\nEXEC\r\n');
    for (let i = 0; i < 4; i++) await m.reply();
    assert.deepEqual(await m.reply(), [1, 1, 'OK']);
    await noReply(c, 50);
    await call('DEL', 'list');
    await call('LPUSH', 'list', 'b');
    assert.deepEqual(await c.reply(), ['list', 'b']);
  });

  test('waiters see the state after EXEC as a whole', async () => {
    const c = await send('BLPOP', 'list', 0);
    await waitBlocked(1);
    const m = await conn();
    await m.write('MULTI\r\nLPUSH list a\r\nLPUSH list b\r\nLPUSH list c\r\nEXEC\r\n');
    for (let i = 0; i < 4; i++) await m.reply();
    assert.deepEqual(await m.reply(), [1, 2, 3]);
    assert.deepEqual(await c.reply(), ['list', 'c']);
  });

  test('blocking commands inside MULTI answer at once', async () => {
    await call('LPUSH', 'xlist', 'foo', 'bar');
    const m = await conn();
    await m.write('MULTI\r\nBRPOPLPUSH xlist target 0\r\nBRPOPLPUSH xlist target 0\r\nBRPOPLPUSH xlist target 0\r\n' +
      'BLPOP xlist 0\r\nBLMPOP 0 1 xlist LEFT\r\nBLMOVE xlist target LEFT LEFT 0\r\nLRANGE target 0 -1\r\nEXEC\r\n');
    for (let i = 0; i < 8; i++) await m.reply();
    assert.deepEqual(await m.reply(), ['foo', 'bar', null, null, null, null, ['bar', 'foo']]);
    assert.equal(srv.server.blocking.blockedClients, 0);
  });

  test('waiters served in FIFO order across keys pushed in one EXEC', async () => {
    const a = await send('BRPOPLPUSH', 'l1', 'l3', 0);
    await waitBlocked(1);
    const b = await send('BLPOP', 'l2', 0);
    await waitBlocked(2);
    const c = await send('BLMPOP', 0, 2, 'l2', 'l3', 'LEFT', 'COUNT', 1);
    await waitBlocked(3);
    const m = await conn();
    await m.write('MULTI\r\nLPUSH l1 1\r\nLPUSH l2 2\r\nEXEC\r\n');
    for (let i = 0; i < 4; i++) await m.reply();
    assert.equal(await a.reply(), '1');
    assert.deepEqual(await b.reply(), ['l2', '2']);
    assert.deepEqual(await c.reply(), ['l3', ['1']]);
  });
});

describe('where blocking is denied', () => {
  test('inside MULTI/EXEC or scripts the commands answer as on timeout', async () => {
    const c = await conn();
    const id = await c.call('CLIENT', 'ID') as number;
    const client = srv.server.clients.get(id)!;
    client.denyBlocking = true;
    try {
      const replies: Reply[] = [];
      for (const cmd of [['BLPOP', 'k', 0], ['BRPOP', 'k', 0], ['BLMPOP', 0, 1, 'k', 'LEFT'],
        ['BLMOVE', 'k', 'd', 'LEFT', 'LEFT', 0], ['BRPOPLPUSH', 'k', 'd', 0]]) {
        await c.write(encodeCommand(cmd));
        replies.push(await c.raw());
      }
      assert.deepEqual(replies, ['*-1\r\n', '*-1\r\n', '*-1\r\n', '$-1\r\n', '$-1\r\n']);
      assert.equal(srv.server.blocking.blockedClients, 0);
      await call('RPUSH', 'k', 'a');
      assert.deepEqual(await c.call('BLPOP', 'k', 0), ['k', 'a']);
    } finally {
      client.denyBlocking = false;
    }
  });
});
