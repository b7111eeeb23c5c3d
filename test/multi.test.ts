// Transactions over real sockets: MULTI / EXEC / DISCARD / WATCH / UNWATCH — queueing and its
// errors (EXECABORT), run-time errors inside EXEC, a rejected EXEC, WATCH invalidated by other
// clients, by expiry (lazy and active), FLUSHALL / FLUSHDB / SWAPDB (only for keys that existed),
// DISCARD / UNWATCH / RESET / disconnect clearing state, blocking commands inside MULTI acting
// non-blocking, blocked clients served after EXEC as a whole, CLIENT LIST / INFO fields, command
// and error statistics, MONITOR, slow log, CLIENT PAUSE, and the iovalkey multi() API.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, sleep, type Reply } from '../bench/resp.js';
import { CMD } from '../src/commands/registry.js';
import { E } from '../src/errors.js';

let srv: RunningServer;
let r: RawConn;
const conns: RawConn[] = [];
const clients: Valkey[] = [];

async function conn(): Promise<RawConn> {
  const c = await RawConn.connect(srv.port);
  conns.push(c);
  return c;
}

function errText(x: Reply): string {
  assert.ok(x instanceof ReplyError, `expected an error reply, got ${JSON.stringify(x)}`);
  return x.message;
}

/** A field of a CLIENT INFO line. */
function field(info: Reply, name: string): string {
  const m = new RegExp(`(?:^| )${name}=(\\S*)`).exec(String(info));
  assert.ok(m, `no ${name}= in ${String(info)}`);
  return m[1]!;
}

async function info(c: RawConn, section: string): Promise<Map<string, string>> {
  const text = String(await c.call('INFO', section));
  const m = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1));
  }
  return m;
}

/** MULTI, PING, EXEC on the shared client: ['PONG'], or null when a watched key changed. */
async function pingTransaction(): Promise<unknown> {
  await r.call('MULTI');
  await r.call('PING');
  return r.call('EXEC');
}

async function until(fn: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('condition not reached');
    await sleep(5);
  }
}

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = await conn();
});

after(async () => {
  for (const v of clients) v.disconnect();
  for (const c of conns) c.close();
  await srv.close();
});

beforeEach(async () => {
  // Leave any transaction a failed test may have left open, then start from an empty dataset.
  await r.call('RESET');
  await r.call('FLUSHALL');
  await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
});

describe('MULTI / EXEC / DISCARD', () => {
  test('queues commands and EXEC replies with an array of their replies', async () => {
    await r.call('RPUSH', 'mylist', 'a', 'b', 'c');
    assert.equal(await r.call('MULTI'), 'OK');
    assert.equal(await r.call('LRANGE', 'mylist', '0', '-1'), 'QUEUED');
    assert.equal(await r.call('PING'), 'QUEUED');
    assert.equal(await r.call('SET', 'k', 'v'), 'QUEUED');
    assert.equal(await r.call('GET', 'k'), 'QUEUED');
    // Nothing ran yet: another client does not see k.
    const o = await conn();
    assert.equal(await o.call('EXISTS', 'k'), 0);
    assert.deepEqual(await r.call('EXEC'), [['a', 'b', 'c'], 'PONG', 'OK', 'v']);
    assert.equal(await o.call('GET', 'k'), 'v');
    // Out of MULTI again.
    assert.equal(await r.call('PING'), 'PONG');
  });

  test('an empty transaction replies an empty array', async () => {
    await r.call('MULTI');
    assert.deepEqual(await r.call('EXEC'), []);
  });

  test('DISCARD drops the queued commands', async () => {
    await r.call('RPUSH', 'mylist', 'a', 'b', 'c');
    await r.call('MULTI');
    assert.equal(await r.call('DEL', 'mylist'), 'QUEUED');
    assert.equal(await r.call('DISCARD'), 'OK');
    assert.deepEqual(await r.call('LRANGE', 'mylist', '0', '-1'), ['a', 'b', 'c']);
    assert.equal(errText(await r.call('EXEC')), 'ERR EXEC without MULTI');
  });

  test('EXEC / DISCARD without MULTI', async () => {
    assert.equal(errText(await r.call('EXEC')), 'ERR EXEC without MULTI');
    assert.equal(errText(await r.call('DISCARD')), 'ERR DISCARD without MULTI');
  });

  test('nested MULTI and WATCH inside MULTI are refused and abort the transaction', async () => {
    await r.call('MULTI');
    assert.equal(errText(await r.call('MULTI')), 'ERR Command not allowed inside a transaction');
    assert.equal(errText(await r.call('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
    await r.call('MULTI');
    assert.equal(errText(await r.call('WATCH', 'x')), 'ERR Command not allowed inside a transaction');
    assert.equal(errText(await r.call('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
    assert.equal(await r.call('PING'), 'PONG');
  });

  test('errors while queueing (unknown command, arity) make EXEC fail with EXECABORT', async () => {
    await r.call('MULTI');
    assert.equal(await r.call('SET', 'foo1', 'bar1'), 'QUEUED');
    assert.match(errText(await r.call('NON-EXISTING-COMMAND')), /^ERR unknown command 'NON-EXISTING-COMMAND'/);
    assert.equal(errText(await r.call('SET', 'x')), "ERR wrong number of arguments for 'set' command");
    // Later commands still answer QUEUED.
    assert.equal(await r.call('SET', 'foo2', 'bar2'), 'QUEUED');
    assert.equal(errText(await r.call('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
    assert.equal(await r.call('EXISTS', 'foo1', 'foo2'), 0);
    // The MULTI state is cleared.
    assert.equal(await r.call('PING'), 'PONG');
    assert.equal(errText(await r.call('EXEC')), 'ERR EXEC without MULTI');
  });

  test('run-time errors are replies inside the EXEC array; the other commands run', async () => {
    await r.call('SET', 's', 'notanumber');
    await r.call('MULTI');
    await r.call('INCR', 'n');
    await r.call('INCR', 's');
    await r.call('LPUSH', 's', 'x');
    await r.call('SET', 't', 'v');
    const res = await r.call('EXEC') as Reply[];
    assert.equal(res.length, 4);
    assert.equal(res[0], 1);
    assert.equal(errText(res[1]!), 'ERR value is not an integer or out of range');
    assert.equal(errText(res[2]!), 'WRONGTYPE Operation against a key holding the wrong kind of value');
    assert.equal(res[3], 'OK');
    assert.equal(await r.call('GET', 't'), 'v');
    assert.equal(await r.call('GET', 'n'), '1');
  });

  test('commands that alter their arguments (SPOP) and INCRBYFLOAT run as queued', async () => {
    await r.call('SADD', 'myset', 'a');
    await r.call('SET', 'f', '0');
    await r.call('MULTI');
    await r.call('SPOP', 'myset');
    await r.call('INCRBYFLOAT', 'f', '1.5');
    assert.deepEqual(await r.call('EXEC'), ['a', '1.5']);
    assert.equal(await r.call('EXISTS', 'myset'), 0);
  });

  test('a rejected EXEC (wrong arity) aborts the transaction and says why', async () => {
    await r.call('MULTI');
    await r.call('SET', 'k', 'v');
    assert.equal(errText(await r.call('EXEC', 'extra')),
      "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    assert.equal(await r.call('EXISTS', 'k'), 0);
    assert.equal(field(await r.call('CLIENT', 'INFO'), 'multi'), '-1');
    // Also outside MULTI.
    assert.equal(errText(await r.call('EXEC', 'extra')),
      "EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
  });

  test('a rejected EXEC (not authenticated) says NOAUTH inside EXECABORT', async () => {
    await r.call('CONFIG', 'SET', 'requirepass', 'secret');
    try {
      const o = await conn();
      assert.equal(errText(await o.call('EXEC')), 'EXECABORT Transaction discarded because of: NOAUTH Authentication required.');
      assert.equal(errText(await o.call('MULTI')), 'NOAUTH Authentication required.');
    } finally {
      const a = await conn();
      await a.call('AUTH', 'secret');
      await a.call('CONFIG', 'SET', 'requirepass', '');
    }
  });

  test('QUIT inside MULTI runs at once', async () => {
    const o = await conn();
    await o.call('MULTI');
    await o.call('SET', 'q', '1');
    assert.equal(await o.call('QUIT'), 'OK');
    await o.closed();
    assert.equal(await r.call('EXISTS', 'q'), 0);
  });

  test('UNWATCH inside MULTI is queued', async () => {
    await r.call('MULTI');
    assert.equal(await r.call('UNWATCH'), 'QUEUED');
    assert.deepEqual(await r.call('EXEC'), ['OK']);
  });

  test('queued arguments are private copies (pipelined, split across reads, big values)', async () => {
    const o = await conn();
    const big = 'x'.repeat(100_000);
    await o.write(encodeCommand(['MULTI']));
    for (let i = 0; i < 50; i++) {
      // One command per write, so the query buffer is reused between them.
      await o.write(encodeCommand(['SET', `key:${i}`, `value:${i}`]));
    }
    const frame = encodeCommand(['SET', 'big', big]);
    await o.write(frame.subarray(0, 1000));
    await sleep(5);
    await o.write(frame.subarray(1000));
    await o.write(encodeCommand(['EXEC']));
    assert.equal(await o.reply(), 'OK');
    for (let i = 0; i < 51; i++) assert.equal(await o.reply(), 'QUEUED');
    const res = await o.reply() as Reply[];
    assert.equal(res.length, 51);
    for (let i = 0; i < 50; i++) assert.equal(await r.call('GET', `key:${i}`), `value:${i}`);
    assert.equal(await r.call('STRLEN', 'big'), big.length);
  });

  test('RESP3: EXEC replies typed values; an aborted-by-WATCH EXEC is a null', async () => {
    const o = await conn();
    await o.call('HELLO', '3');
    await o.call('MULTI');
    await o.call('SET', 'a', '1');
    await o.call('GET', 'missing');
    assert.deepEqual(await o.call('EXEC'), ['OK', null]);
    await o.call('WATCH', 'a');
    await r.call('SET', 'a', '2');
    await o.call('MULTI');
    await o.call('PING');
    await o.write(encodeCommand(['EXEC']));
    assert.equal(await o.raw(), '_\r\n');
  });
});

describe('WATCH', () => {
  test('EXEC runs when no watched key changed', async () => {
    await r.call('WATCH', 'x', 'y', 'z');
    await r.call('WATCH', 'k');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('a watched key modified by another client: EXEC replies a null array and runs nothing', async () => {
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'a', 'b', 'x', 'k', 'z');
    const o = await conn();
    await o.call('SET', 'x', '40');
    await r.call('MULTI');
    await r.call('SET', 'done', '1');
    await r.write(encodeCommand(['EXEC']));
    assert.equal(await r.raw(), '*-1\r\n');
    assert.equal(await r.call('EXISTS', 'done'), 0);
  });

  test('the client\'s own write before MULTI also counts', async () => {
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'x');
    await r.call('SET', 'x', '40');
    assert.equal(await pingTransaction(), null);
  });

  test('every kind of write touches the key: DEL, EXPIRE, RENAME onto it, MOVE, LPUSH creating it', async () => {
    const o = await conn();
    const cases: Array<[string[], string[]]> = [
      [['SET', 'w', '1'], ['DEL', 'w']],
      [['SET', 'w', '1'], ['EXPIRE', 'w', '100']],
      [['SET', 'src', '1'], ['RENAME', 'src', 'w']],
      [['SET', 'w', '1'], ['MOVE', 'w', '3']],
      [[], ['LPUSH', 'w', 'a']],
    ];
    for (const [setup, write] of cases) {
      await r.call('FLUSHALL');
      if (setup.length) await r.call(...setup);
      await r.call('WATCH', 'w');
      await o.call(...write);
      await r.call('MULTI');
      await r.call('PING');
      assert.equal(await r.call('EXEC'), null, `${write.join(' ')} should touch the watched key`);
    }
  });

  test('SORT ... STORE with an empty result touches the destination', async () => {
    await r.call('LPUSH', 'foo', 'bar');
    await r.call('WATCH', 'foo');
    await r.call('SORT', 'emptylist', 'STORE', 'foo');
    assert.equal(await pingTransaction(), null);
  });

  test('reads and writes to other keys do not touch', async () => {
    await r.call('SET', 'x', '1');
    await r.call('WATCH', 'x');
    const o = await conn();
    await o.call('GET', 'x');
    await o.call('SET', 'y', '2');
    await r.call('MULTI');
    await r.call('INCR', 'x');
    assert.deepEqual(await r.call('EXEC'), [2]);
  });

  test('a watched key belongs to the database it was watched in', async () => {
    await r.call('SELECT', '5');
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'x');
    await r.call('SELECT', '1');
    await r.call('SET', 'x', '10');
    await r.call('SELECT', '5');
    assert.deepEqual(await pingTransaction(), ['PONG']);
    // ... and a change there does touch it.
    await r.call('WATCH', 'x');
    await r.call('SELECT', '1');
    const o = await conn();
    await o.call('SELECT', '5');
    await o.call('SET', 'x', '11');
    assert.equal(await pingTransaction(), null);
    await r.call('SELECT', '0');
  });

  test('after EXEC (successful or not) keys are no longer watched', async () => {
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'x');
    assert.deepEqual(await pingTransaction(), ['PONG']);
    await r.call('SET', 'x', '40');
    assert.deepEqual(await pingTransaction(), ['PONG']);

    await r.call('WATCH', 'x');
    await r.call('SET', 'x', '50');
    assert.equal(await pingTransaction(), null);
    await r.call('SET', 'x', '60');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('the transaction\'s own writes do not make a later command fail', async () => {
    await r.call('WATCH', 'x');
    await r.call('MULTI');
    await r.call('SET', 'x', '1');
    await r.call('INCR', 'x');
    assert.deepEqual(await r.call('EXEC'), ['OK', 2]);
  });

  test('UNWATCH forgets the keys and the dirty state', async () => {
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'x');
    await r.call('SET', 'x', '40');
    assert.equal(await r.call('UNWATCH'), 'OK');
    assert.deepEqual(await pingTransaction(), ['PONG']);
    assert.equal(await r.call('UNWATCH'), 'OK');
  });

  test('DISCARD clears the dirty flag and unwatches', async () => {
    await r.call('WATCH', 'x');
    await r.call('SET', 'x', '10');
    await r.call('MULTI');
    await r.call('DISCARD');
    await r.call('MULTI');
    await r.call('INCR', 'x');
    assert.deepEqual(await r.call('EXEC'), [11]);

    await r.call('WATCH', 'x');
    await r.call('MULTI');
    await r.call('DISCARD');
    await r.call('SET', 'x', '10');
    await r.call('MULTI');
    await r.call('INCR', 'x');
    assert.deepEqual(await r.call('EXEC'), [11]);
  });

  test('WATCH on a client that is already dirty does nothing', async () => {
    await r.call('WATCH', 'x');
    await r.call('SET', 'x', '1');
    assert.equal(await r.call('WATCH', 'y'), 'OK');
    assert.equal(field(await r.call('CLIENT', 'INFO'), 'watch'), '0');
    assert.equal(await pingTransaction(), null);
  });

  test('WATCH of a missing key is touched when the key is created', async () => {
    await r.call('WATCH', 'nokey');
    const o = await conn();
    await o.call('SET', 'nokey', '1');
    assert.equal(await pingTransaction(), null);
  });

  test('INFO watching_clients / total_watched_keys and CLIENT INFO watch=', async () => {
    const o = await conn();
    let i = await info(r, 'clients');
    assert.equal(i.get('watching_clients'), '0');
    assert.equal(i.get('total_watched_keys'), '0');
    await o.call('WATCH', 'key');
    await o.call('WATCH', 'key');
    i = await info(r, 'clients');
    assert.equal(i.get('watching_clients'), '1');
    assert.equal(i.get('total_watched_keys'), '1');
    assert.equal(field(await o.call('CLIENT', 'INFO'), 'watch'), '1');
    assert.equal(field(await r.call('CLIENT', 'INFO'), 'watch'), '0');
    await r.call('WATCH', 'key', 'key2');
    i = await info(r, 'clients');
    assert.equal(i.get('watching_clients'), '2');
    assert.equal(i.get('total_watched_keys'), '2');
    assert.equal(field(await r.call('CLIENT', 'INFO'), 'watch'), '2');
    await r.call('UNWATCH');
    i = await info(r, 'clients');
    assert.equal(i.get('watching_clients'), '1');
    assert.equal(i.get('total_watched_keys'), '1');
    // MULTI/EXEC and MULTI/DISCARD unwatch; DISCARD without MULTI does not.
    await o.call('MULTI');
    await o.call('EXEC');
    assert.equal((await info(r, 'clients')).get('watching_clients'), '0');
    await o.call('WATCH', 'key');
    await o.call('MULTI');
    await o.call('DISCARD');
    assert.equal((await info(r, 'clients')).get('watching_clients'), '0');
    await o.call('WATCH', 'key');
    await o.call('DISCARD');
    assert.equal((await info(r, 'clients')).get('watching_clients'), '1');
    // A disconnect unwatches.
    o.close();
    await until(async () => (await info(r, 'clients')).get('watching_clients') === '0');
    assert.equal((await info(r, 'clients')).get('total_watched_keys'), '0');
  });

  test('a touched key unwatches the dirty client (watch=0, flags d)', async () => {
    const o = await conn();
    await o.call('WATCH', 'a', 'b');
    assert.equal(field(await o.call('CLIENT', 'INFO'), 'flags'), 'N');
    await r.call('SET', 'a', '1');
    const ci = await o.call('CLIENT', 'INFO');
    assert.equal(field(ci, 'watch'), '0');
    assert.equal(field(ci, 'flags'), 'd');
    await o.call('MULTI');
    assert.equal(field(await r.call('CLIENT', 'LIST', 'ID', field(ci, 'id')), 'flags'), 'xd');
    assert.equal(await o.call('EXEC'), null);
    assert.equal(field(await o.call('CLIENT', 'INFO'), 'flags'), 'N');
  });
});

describe('WATCH and expiry', () => {
  test('a watched key that expires lazily makes EXEC fail', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    // Generous TTLs: on a loaded machine WATCH must still find the key alive.
    await r.call('SET', 'key', '1', 'PX', '300');
    await r.call('WATCH', 'key');
    await sleep(350);
    await r.call('MULTI');
    await r.call('INCR', 'key');
    assert.equal(await r.call('EXEC'), null);
    // Nothing ran.
    assert.equal(await r.call('EXISTS', 'key'), 0);
  });

  test('a watched key deleted by active expiry makes EXEC fail', async () => {
    await r.call('SET', 'x', 'foo', 'PX', '300');
    await r.call('WATCH', 'x');
    await until(async () => (await r.call('DBSIZE')) === 0);
    assert.equal(await pingTransaction(), null);
  });

  test('watching a key that is already (logically) expired does not fail EXEC', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('WATCH', 'x');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('deleting a watched stale key (lazy expiry by EXISTS) does not fail EXEC', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('WATCH', 'x');
    assert.equal(await r.call('EXISTS', 'x'), 0);
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('a watched stale key that is then recreated does fail EXEC', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('WATCH', 'x');
    const o = await conn();
    await o.call('SET', 'x', 'new');
    assert.equal(await pingTransaction(), null);
  });

  test('FLUSHDB while watching a stale key does not fail EXEC', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('WATCH', 'x');
    await r.call('FLUSHDB');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });
});

describe('WATCH and whole-database changes', () => {
  test('FLUSHALL / FLUSHDB touch watched keys that exist', async () => {
    for (const flush of [['FLUSHALL'], ['FLUSHDB'], ['FLUSHALL', 'ASYNC'], ['FLUSHDB', 'ASYNC']]) {
      await r.call('SET', 'x', '30');
      await r.call('WATCH', 'x');
      await r.call(...flush);
      await r.call('MULTI');
      await r.call('PING');
      assert.equal(await r.call('EXEC'), null, flush.join(' '));
    }
  });

  test('FLUSHALL / FLUSHDB do not touch watched keys that do not exist', async () => {
    for (const flush of ['FLUSHALL', 'FLUSHDB']) {
      await r.call('SET', 'other', '1');
      await r.call('DEL', 'x');
      await r.call('WATCH', 'x');
      await r.call(flush);
      await r.call('MULTI');
      await r.call('PING');
      assert.deepEqual(await r.call('EXEC'), ['PONG'], flush);
    }
  });

  test('FLUSHDB of another database does not touch', async () => {
    await r.call('SET', 'x', '1');
    await r.call('WATCH', 'x');
    const o = await conn();
    await o.call('SELECT', '2');
    await o.call('SET', 'x', '1');
    await o.call('FLUSHDB');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('FLUSHALL while one client watches several keys', async () => {
    await r.call('MSET', 'a', 'a', 'b', 'b');
    await r.call('WATCH', 'b', 'a');
    await r.call('FLUSHALL');
    assert.equal(await r.call('PING'), 'PONG');
    assert.equal(await pingTransaction(), null);
  });

  test('SWAPDB touches a watched key that exists (it goes away)', async () => {
    await r.call('SET', 'x', '30');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.equal(await pingTransaction(), null);
  });

  test('SWAPDB touches a watched key that does not exist (it appears)', async () => {
    await r.call('SELECT', '1');
    await r.call('SET', 'x', '30');
    await r.call('SELECT', '0');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.equal(await pingTransaction(), null);
  });

  test('SWAPDB does not touch a key missing on both sides', async () => {
    await r.call('SELECT', '1');
    await r.call('SET', 'other', '1');
    await r.call('SELECT', '0');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.deepEqual(await pingTransaction(), ['PONG']);
  });

  test('SWAPDB and stale keys: stale → nothing, nothing → stale, stale → stale are no change', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    // Watched stale key in db 1, replaced by nothing.
    await r.call('SELECT', '1');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.deepEqual(await pingTransaction(), ['PONG']);

    // Missing key replaced by a stale one.
    await r.call('FLUSHALL');
    await r.call('SELECT', '0');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await sleep(3);
    await r.call('SELECT', '1');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.deepEqual(await pingTransaction(), ['PONG']);

    // Stale key replaced by another stale key.
    await r.call('FLUSHALL');
    await r.call('SELECT', '1');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await r.call('SELECT', '0');
    await r.call('SET', 'x', 'bar', 'PX', '1');
    await sleep(3);
    await r.call('SELECT', '1');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.deepEqual(await pingTransaction(), ['PONG']);

    // A stale watched key replaced by a live one is a change.
    await r.call('FLUSHALL');
    await r.call('SELECT', '1');
    await r.call('SET', 'x', 'foo', 'PX', '1');
    await r.call('SELECT', '0');
    await r.call('SET', 'x', 'live');
    await sleep(3);
    await r.call('SELECT', '1');
    await r.call('WATCH', 'x');
    await r.call('SWAPDB', '0', '1');
    assert.equal(await pingTransaction(), null);
    await r.call('SELECT', '0');
  });
});

describe('RESET and disconnects', () => {
  test('RESET leaves MULTI, drops the queue and unwatches', async () => {
    const o = await conn();
    await o.call('SET', 'x', '1');
    await o.call('WATCH', 'x');
    await o.call('MULTI');
    await o.call('SET', 'y', '1');
    assert.equal(await o.call('RESET'), 'RESET');
    const ci = await o.call('CLIENT', 'INFO');
    assert.equal(field(ci, 'multi'), '-1');
    assert.equal(field(ci, 'watch'), '0');
    assert.equal(field(ci, 'multi-mem'), '0');
    assert.equal(field(ci, 'flags'), 'N');
    assert.equal(errText(await o.call('EXEC')), 'ERR EXEC without MULTI');
    assert.equal(await o.call('EXISTS', 'y'), 0);
    // The old watch is gone: a change to x does not affect a new transaction.
    await r.call('SET', 'x', '2');
    await o.call('MULTI');
    await o.call('PING');
    assert.deepEqual(await o.call('EXEC'), ['PONG']);
  });

  test('RESET clears a dirty client', async () => {
    const o = await conn();
    await o.call('WATCH', 'x');
    await r.call('SET', 'x', '1');
    await o.call('RESET');
    await o.call('MULTI');
    await o.call('PING');
    assert.deepEqual(await o.call('EXEC'), ['PONG']);
  });

  test('a client disconnecting inside MULTI leaves nothing behind', async () => {
    const o = await conn();
    await o.call('WATCH', 'x');
    await o.call('MULTI');
    await o.call('SET', 'x', 'never');
    o.close();
    await until(async () => (await info(r, 'clients')).get('watching_clients') === '0');
    assert.equal(await r.call('EXISTS', 'x'), 0);
  });
});

describe('blocking commands', () => {
  test('blocking commands inside MULTI return at once as on timeout', async () => {
    await r.call('MULTI');
    await r.call('BLPOP', 'empty_list', '0');
    await r.call('BRPOP', 'empty_list', '0');
    await r.call('BRPOPLPUSH', 'empty_list1', 'empty_list2', '0');
    await r.call('BLMOVE', 'empty_list1', 'empty_list2', 'LEFT', 'LEFT', '0');
    await r.call('BLMPOP', '0', '1', 'empty_list', 'LEFT');
    await r.call('BZPOPMIN', 'empty_zset', '0');
    await r.call('BZPOPMAX', 'empty_zset', '0');
    await r.call('BZMPOP', '0', '1', 'empty_zset', 'MIN');
    assert.deepEqual(await r.call('EXEC'), [null, null, null, null, null, null, null, null]);
    assert.equal(field(await r.call('CLIENT', 'INFO'), 'flags'), 'N');
  });

  test('blocking commands inside MULTI serve data that is there', async () => {
    await r.call('RPUSH', 'l', 'a');
    await r.call('MULTI');
    await r.call('BLPOP', 'l', '0');
    await r.call('RPUSH', 'l', 'b');
    await r.call('BLPOP', 'l', '0');
    assert.deepEqual(await r.call('EXEC'), [['l', 'a'], 1, ['l', 'b']]);
  });

  test('clients blocked on a key are served after EXEC as a whole', async () => {
    const waiter = await conn();
    await waiter.write(encodeCommand(['BLPOP', 'q', '0']));
    await until(async () => srv.server.blocking.blockedClients === 1);
    // Key created and deleted inside one transaction: the waiter never sees it.
    await r.call('MULTI');
    await r.call('RPUSH', 'q', 'x');
    await r.call('DEL', 'q');
    assert.deepEqual(await r.call('EXEC'), [1, 1]);
    await sleep(20);
    assert.equal(srv.server.blocking.blockedClients, 1);
    assert.equal(waiter.queued, 0);
    // Two pushed, one popped inside the transaction: the waiter gets what is left after EXEC.
    await r.call('MULTI');
    await r.call('RPUSH', 'q', 'a', 'b');
    await r.call('LPOP', 'q');
    assert.deepEqual(await r.call('EXEC'), [2, 'a']);
    assert.deepEqual(await waiter.reply(), ['q', 'b']);
  });
});

describe('introspection', () => {
  test('CLIENT INFO: flags x, multi= count, multi-mem', async () => {
    let ci = await r.call('CLIENT', 'INFO');
    assert.equal(field(ci, 'multi'), '-1');
    assert.equal(field(ci, 'multi-mem'), '0');
    await r.call('MULTI');
    await r.call('SET', 'k', 'v');
    await r.call('SET', 'k2', 'v2');
    await r.call('CLIENT', 'INFO');
    const o = await conn();
    const list = String(await o.call('CLIENT', 'LIST'));
    const line = list.split('\n').find((l) => l.includes('flags=x'));
    assert.ok(line, list);
    assert.equal(field(line, 'multi'), '3');
    // "set k v" = 5 bytes + 3 pointers, "set k2 v2" = 7 + 3 pointers, "client info" = 10 + 2 pointers
    assert.equal(field(line, 'multi-mem'), String(5 + 24 + 7 + 24 + 10 + 16));
    // CLIENT INFO inside EXEC still shows the transaction.
    const res = await r.call('EXEC') as Reply[];
    assert.equal(res.length, 3);
    assert.equal(field(res[2]!, 'flags'), 'x');
    assert.equal(field(res[2]!, 'multi'), '3');
    ci = await r.call('CLIENT', 'INFO');
    assert.equal(field(ci, 'flags'), 'N');
    assert.equal(field(ci, 'multi'), '-1');
    assert.equal(field(ci, 'multi-mem'), '0');
  });

  test('a queueing error empties the queue (multi=0)', async () => {
    await r.call('MULTI');
    await r.call('SET', 'k', 'v');
    await r.call('NOSUCHCMD');
    await r.call('SET', 'k2', 'v2');
    const o = await conn();
    const line = String(await o.call('CLIENT', 'LIST')).split('\n').find((l) => l.includes('flags=x'))!;
    assert.equal(field(line, 'multi'), '0');
    assert.equal(field(line, 'multi-mem'), '0');
    await r.call('DISCARD');
  });

  test('command and error statistics', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('MULTI');
    await r.call('SET', 'a', 'b');
    await r.call('AUTH', 'a');
    const res = await r.call('EXEC') as Reply[];
    assert.equal(res[0], 'OK');
    assert.match(errText(res[1]!), /^ERR AUTH/);
    let stats = await info(r, 'commandstats');
    assert.match(stats.get('cmdstat_set')!, /calls=1,.*rejected_calls=0,failed_calls=0/);
    assert.match(stats.get('cmdstat_auth')!, /calls=1,.*rejected_calls=0,failed_calls=1/);
    assert.match(stats.get('cmdstat_exec')!, /calls=1,.*rejected_calls=0,failed_calls=0/);
    assert.match(stats.get('cmdstat_multi')!, /calls=1,.*rejected_calls=0,failed_calls=0/);
    assert.equal((await info(r, 'stats')).get('total_error_replies'), '1');
    // EXEC's own error is its own.
    errText(await r.call('EXEC'));
    stats = await info(r, 'commandstats');
    assert.match(stats.get('cmdstat_exec')!, /calls=2,.*rejected_calls=0,failed_calls=1/);

    await r.call('CONFIG', 'RESETSTAT');
    await r.call('MULTI');
    errText(await r.call('SET'));
    assert.match(errText(await r.call('EXEC')), /^EXECABORT/);
    stats = await info(r, 'commandstats');
    assert.match(stats.get('cmdstat_set')!, /calls=0,.*rejected_calls=1,failed_calls=0/);
    assert.match(stats.get('cmdstat_exec')!, /calls=1,.*rejected_calls=0,failed_calls=1/);
    const errs = await info(r, 'errorstats');
    assert.equal(errs.get('errorstat_ERR'), 'count=1');
    assert.equal(errs.get('errorstat_EXECABORT'), 'count=1');
  });

  test('MONITOR shows MULTI, the commands and EXEC in order; an aborted EXEC too', async () => {
    const m = await conn();
    assert.equal(await m.call('MONITOR'), 'OK');
    await r.call('MULTI');
    await r.call('SET', 'foo', 'bar');
    await r.call('EXEC');
    assert.match(String(await m.reply()), /"multi"/i);
    assert.match(String(await m.reply()), /"set" "foo" "bar"/i);
    assert.match(String(await m.reply()), /"exec"/i);
    await r.call('MULTI');
    await r.call('SYNTAX', 'ERROR');
    await r.call('EXEC');
    assert.match(String(await m.reply()), /"multi"/i);
    assert.match(String(await m.reply()), /"exec"/i);
  });

  test('slow log: the commands of a transaction are logged, EXEC itself is not', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    try {
      await r.call('SLOWLOG', 'RESET');
      await r.call('MULTI');
      await r.call('SET', 'slowkey', 'v');
      await r.call('EXEC');
      const entries = await r.call('SLOWLOG', 'GET', '10') as Reply[][];
      const names = entries.map((e) => String((e[3] as Reply[])[0]).toLowerCase());
      assert.ok(names.includes('set'), names.join(','));
      assert.ok(names.includes('multi'), names.join(','));
      assert.ok(!names.includes('exec'), names.join(','));
    } finally {
      await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000');
    }
  });
});

describe('checks repeated at EXEC time (OOM, read-only replica hooks)', () => {
  test('OOM: refused while queueing aborts; EXEC of a denyoom command is refused; reads pass', async () => {
    const hooks = srv.server.hooks;
    const saved = hooks.oom;
    // A stand-in for the maxmemory subsystem: everything is out of memory.
    hooks.oom = (c, cmd) =>
      (cmd.flags & CMD.denyoom || (cmd.name === 'exec' && c.multiFlags & CMD.denyoom)) ? E.oom : null;
    const o = await conn();
    try {
      await r.call('SET', 'x', 'value');
      await r.call('CONFIG', 'SET', 'maxmemory', '1');
      // Refused while queueing → EXECABORT; DISCARD still works.
      await r.call('MULTI');
      assert.equal(errText(await r.call('SET', 'y', '1')), E.oom);
      assert.equal(await r.call('DISCARD'), 'OK');
      await r.call('MULTI');
      await r.call('SET', 'y', '1');
      await r.call('GET', 'x');
      assert.equal(errText(await r.call('EXEC')), E.execAbort);

      // Queued before the OOM condition: EXEC itself is refused and the transaction ends.
      await r.call('CONFIG', 'SET', 'maxmemory', '0');
      await r.call('WATCH', 'x');
      await r.call('MULTI');
      await r.call('SET', 'y', '1');
      await r.call('GET', 'x');
      await o.call('CONFIG', 'SET', 'maxmemory', '1');
      assert.equal(errText(await r.call('EXEC')),
        "EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.");
      const ci = await r.call('CLIENT', 'INFO');
      assert.equal(field(ci, 'multi'), '-1');
      assert.equal(field(ci, 'watch'), '0');
      assert.equal(await r.call('EXISTS', 'y'), 0);

      // Only reads queued: EXEC runs.
      await r.call('MULTI');
      await r.call('GET', 'x');
      await r.call('PING');
      assert.deepEqual(await r.call('EXEC'), ['value', 'PONG']);
    } finally {
      hooks.oom = saved;
      await o.call('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  test('read-only replica: EXEC with a queued write is refused, a read-only EXEC runs', async () => {
    const hooks = srv.server.hooks;
    const saved = hooks.readonly;
    let readOnly = false;
    hooks.readonly = () => (readOnly ? E.readonly : null);
    try {
      await r.call('MULTI');
      await r.call('SET', 'k', '1');
      readOnly = true;
      assert.equal(errText(await r.call('EXEC')),
        "EXECABORT Transaction discarded because of: READONLY You can't write against a read only replica.");
      assert.equal(await r.call('EXISTS', 'k'), 0);
      await r.call('MULTI');
      await r.call('GET', 'k');
      assert.deepEqual(await r.call('EXEC'), [null]);
    } finally {
      hooks.readonly = saved;
    }
  });
});

describe('ACL rules changed between queueing and EXEC', () => {
  test('a command no longer allowed gets NOPERM inside the EXEC array; the others run', async () => {
    const hooks = srv.server.hooks;
    const saved = hooks.acl;
    let deny = false;
    hooks.acl = (c, cmd) => (deny && cmd.name === 'set' ? E.noPerm(c.user, cmd.fullName) : null);
    try {
      await r.call('MULTI');
      await r.call('SET', 'k', '1');
      await r.call('INCR', 'n');
      deny = true;
      const res = await r.call('EXEC') as Reply[];
      assert.equal(errText(res[0]!), 'NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand');
      assert.equal(res[1], 1);
      assert.equal(await r.call('EXISTS', 'k'), 0);
    } finally {
      hooks.acl = saved;
    }
  });
});

describe('memory bound', () => {
  test('queued arguments count against client-query-buffer-limit', async () => {
    await r.call('CONFIG', 'SET', 'client-query-buffer-limit', String(1024 * 1024));
    try {
      const before = Number((await info(r, 'stats')).get('client_query_buffer_limit_disconnections'));
      const o = await conn();
      await o.call('MULTI');
      const value = 'v'.repeat(400 * 1024);
      assert.equal(await o.call('SET', 'a', value), 'QUEUED');
      assert.equal(await o.call('SET', 'b', value), 'QUEUED');
      // 800 KB queued: the next request pushes the total over 1 MB and the client is dropped.
      await o.write(encodeCommand(['SET', 'c', value]));
      await o.closed();
      assert.equal(Number((await info(r, 'stats')).get('client_query_buffer_limit_disconnections')), before + 1);
      assert.equal(await r.call('EXISTS', 'a', 'b', 'c'), 0);
    } finally {
      await r.call('CONFIG', 'SET', 'client-query-buffer-limit', String(1024 * 1024 * 1024));
    }
  });
});

describe('CLIENT PAUSE', () => {
  test('WRITE pause holds an EXEC with writes, not a read-only one', async () => {
    const rr = await conn();
    await rr.call('SET', 'FOO', 'BAR');
    await rr.call('MULTI');
    await rr.call('PING');
    await rr.call('GET', 'FOO');
    const w = await conn();
    await w.call('MULTI');
    await w.call('SET', 'FOO', 'NEW');
    await r.call('CLIENT', 'PAUSE', '60000', 'WRITE');
    try {
      assert.deepEqual(await rr.call('EXEC'), ['PONG', 'BAR']);
      await w.write(encodeCommand(['EXEC']));
      await sleep(50);
      assert.equal(w.queued, 0);
      assert.equal(await rr.call('GET', 'FOO'), 'BAR');
    } finally {
      await r.call('CLIENT', 'UNPAUSE');
    }
    assert.deepEqual(await w.reply(), ['OK']);
    assert.equal(await rr.call('GET', 'FOO'), 'NEW');
  });
});

describe('iovalkey', () => {
  test('multi() / exec() and watch()', async () => {
    const v = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
    clients.push(v);
    const res = await v.multi().set('a', '1').incr('a').get('a').exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 2], [null, '2']]);
    // A run-time error inside the transaction.
    const res2 = await v.multi().set('s', 'x').incr('s').exec();
    assert.equal(res2![0]![1], 'OK');
    assert.ok(res2![1]![0] instanceof Error);
    // WATCH conflict: exec() resolves to null.
    await v.watch('a');
    await r.call('SET', 'a', '10');
    const res3 = await v.multi().incr('a').exec();
    assert.equal(res3, null);
    assert.equal(await v.get('a'), '10');
    // A queueing error rejects with EXECABORT.
    await assert.rejects(v.multi().call('NOSUCHCMD').set('b', '1').exec(), /EXECABORT/);
    assert.equal(await v.exists('b'), 0);
  });
});
