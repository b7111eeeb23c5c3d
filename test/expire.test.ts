// Expiry commands over a real socket: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (NX | XX | GT | LT),
// TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST; lazy and active expiry.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, RunningServer } from '../src/index.js';

let srv: RunningServer;
let r: Valkey;
let events: { db: number; key: string | null; event: string }[] = [];
const ks = () => srv.server.ks;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function err(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  throw new Error('expected an error reply');
}

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false });
  ks().onChange((db, key, event) => events.push({ db, key: key ? key.toString('latin1') : null, event }));
});
after(async () => { r.disconnect(); await srv.close(); });
beforeEach(async () => { await r.call('select', '0'); await r.call('flushall'); events = []; });

describe('EXPIRE family', () => {
  test('EXPIRE sets a TTL, can be set again, reports an expire event', async () => {
    await r.call('set', 'x', 'foobar');
    assert.equal(await r.call('expire', 'x', '5'), 1);
    assert.equal(await r.call('ttl', 'x'), 5);
    assert.equal(await r.call('expire', 'x', '10'), 1);
    assert.equal(await r.call('ttl', 'x'), 10);
    assert.equal(await r.call('expire', 'x', '2'), 1);
    assert.equal(await r.call('get', 'x'), 'foobar');
    assert.deepEqual(events.filter((e) => e.event === 'expire').map((e) => e.key), ['x', 'x', 'x']);
  });

  test('PEXPIRE, EXPIREAT and PEXPIREAT set the expected absolute times', async () => {
    await r.call('set', 'a', '1'); await r.call('set', 'b', '1'); await r.call('set', 'c', '1');
    const before = Date.now();
    assert.equal(await r.call('pexpire', 'a', '100000'), 1);
    const pt = await r.call('pexpiretime', 'a') as number;
    assert.ok(pt >= before + 100000 && pt <= Date.now() + 100000);
    const at = Math.floor(Date.now() / 1000) + 1000;
    assert.equal(await r.call('expireat', 'b', String(at)), 1);
    assert.equal(await r.call('expiretime', 'b'), at);
    assert.equal(await r.call('pexpiretime', 'b'), at * 1000);
    assert.equal(await r.call('pexpireat', 'c', String(at * 1000 + 123)), 1);
    assert.equal(await r.call('pexpiretime', 'c'), at * 1000 + 123);
    assert.equal(await r.call('expiretime', 'c'), at);
  });

  test('missing key: 0, even with a past time or options', async () => {
    assert.equal(await r.call('expire', 'nokey', '100'), 0);
    assert.equal(await r.call('pexpire', 'nokey', '-100'), 0);
    assert.equal(await r.call('expireat', 'nokey', '1'), 0);
    assert.equal(await r.call('expire', 'nokey', '100', 'nx'), 0);
    assert.equal(events.length, 0);
  });

  test('negative or past times delete the key with a del event', async () => {
    for (const [cmd, t] of [['expire', '-10'], ['pexpire', '0'], ['expireat', '1'], ['pexpireat', String(Date.now() - 1)]] as const) {
      await r.call('set', 'foo', 'bar');
      events = [];
      assert.equal(await r.call(cmd, 'foo', t), 1, cmd);
      assert.equal(await r.call('exists', 'foo'), 0, cmd);
      assert.deepEqual(events.map((e) => e.event), ['del'], cmd);
    }
    // Also on a volatile key, and not counted as an expiry.
    await r.call('set', 'foo', 'bar'); await r.call('expire', 'foo', '100');
    const expiredBefore = ks().stats.expiredKeys;
    assert.equal(await r.call('expire', 'foo', '-1'), 1);
    assert.equal(await r.call('ttl', 'foo'), -2);
    assert.equal(ks().stats.expiredKeys, expiredBefore);
    assert.equal(ks().dbs[0]!.expiresCount, 0);
  });

  test('big values: overflow of the unit conversion or the base time is an error', async () => {
    await r.call('set', 'foo', 'bar');
    for (const v of ['9223370399119966', '9223372036854776', '10000000000000000', '18446744073709561', '-9223372036854776', '-9999999999999999']) {
      assert.equal(await err(r.call('expire', 'foo', v)), "ERR invalid expire time in 'expire' command", v);
    }
    assert.equal(await err(r.call('pexpire', 'foo', '9223372036854770000')), "ERR invalid expire time in 'pexpire' command");
    assert.equal(await err(r.call('expireat', 'foo', '9223372036854776')), "ERR invalid expire time in 'expireat' command");
    assert.equal(await r.call('ttl', 'foo'), -1);
    // Within range they work: far future, or far past (deletes).
    assert.equal(await r.call('pexpireat', 'foo', '9223372036854770000'), 1);
    assert.equal(await r.call('pexpiretime', 'foo'), 9223372036854770000);
    assert.equal(await r.call('pexpireat', 'foo', '-9223372036854770000'), 1);
    assert.equal(await r.call('ttl', 'foo'), -2);
  });

  test('non-integer and empty times', async () => {
    await r.call('set', 'foo', 'bar');
    for (const v of ['', 'abc', '1.5', ' 1', '+1', '01', '9223372036854775808']) {
      assert.equal(await err(r.call('expire', 'foo', v)), 'ERR value is not an integer or out of range', `'${v}'`);
    }
    assert.equal(await err(r.call('pexpireat', 'foo', 'x')), 'ERR value is not an integer or out of range');
    assert.equal(await r.call('ttl', 'foo'), -1);
  });

  test('NX / XX / GT / LT semantics', async () => {
    await r.call('set', 'v', '1'); await r.call('expire', 'v', '100');
    await r.call('set', 'p', '1');
    // NX: only without a TTL.
    assert.equal(await r.call('expire', 'v', '200', 'nx'), 0);
    assert.equal(await r.call('ttl', 'v'), 100);
    assert.equal(await r.call('expire', 'p', '200', 'NX'), 1);
    assert.equal(await r.call('ttl', 'p'), 200);
    await r.call('persist', 'p');
    // XX: only with a TTL.
    assert.equal(await r.call('expire', 'p', '200', 'xx'), 0);
    assert.equal(await r.call('ttl', 'p'), -1);
    assert.equal(await r.call('expire', 'v', '200', 'XX'), 1);
    assert.equal(await r.call('ttl', 'v'), 200);
    // GT: only a later time; no TTL counts as infinite.
    assert.equal(await r.call('expire', 'v', '100', 'gt'), 0);
    assert.equal(await r.call('ttl', 'v'), 200);
    assert.equal(await r.call('expire', 'v', '300', 'gt'), 1);
    assert.equal(await r.call('ttl', 'v'), 300);
    assert.equal(await r.call('expire', 'p', '300', 'gt'), 0);
    assert.equal(await r.call('ttl', 'p'), -1);
    // LT: only an earlier time; on a key without TTL it applies.
    assert.equal(await r.call('expire', 'v', '400', 'lt'), 0);
    assert.equal(await r.call('expire', 'v', '300', 'lt'), 0, 'equal is not less');
    assert.equal(await r.call('expire', 'v', '100', 'lt'), 1);
    assert.equal(await r.call('ttl', 'v'), 100);
    assert.equal(await r.call('expire', 'p', '100', 'lt'), 1);
    assert.equal(await r.call('ttl', 'p'), 100);
    // LT + XX.
    await r.call('persist', 'p');
    assert.equal(await r.call('expire', 'p', '50', 'lt', 'xx'), 0);
    assert.equal(await r.call('ttl', 'p'), -1);
    assert.equal(await r.call('expire', 'v', '50', 'xx', 'lt'), 1);
    assert.equal(await r.call('ttl', 'v'), 50);
    // GT with a past time on a key without TTL fails; LT with a past time deletes.
    assert.equal(await r.call('expire', 'p', '-1', 'gt'), 0);
    assert.equal(await r.call('expire', 'p', '-1', 'lt'), 1);
    assert.equal(await r.call('exists', 'p'), 0);
  });

  test('option errors come before the time is parsed', async () => {
    await r.call('set', 'foo', 'bar');
    const nx = 'ERR NX and XX, GT or LT options at the same time are not compatible';
    assert.equal(await err(r.call('expire', 'foo', '200', 'gt', 'lt')), 'ERR GT and LT options at the same time are not compatible');
    assert.equal(await err(r.call('expire', 'foo', '200', 'nx', 'gt')), nx);
    assert.equal(await err(r.call('expire', 'foo', '200', 'nx', 'lt')), nx);
    assert.equal(await err(r.call('expire', 'foo', '200', 'nx', 'xx')), nx);
    assert.equal(await err(r.call('pexpire', 'foo', 'abc', 'XX', 'nx')), nx);
    assert.equal(await err(r.call('expire', 'foo', '200', 'xx', 'gt', 'lt')), 'ERR GT and LT options at the same time are not compatible');
    assert.equal(await err(r.call('expire', 'foo', '200', 'AB')), 'ERR Unsupported option AB');
    assert.equal(await err(r.call('expire', 'foo', '200', 'XX', 'AB')), 'ERR Unsupported option AB');
    assert.equal(await err(r.call('expireat', 'foo', 'abc', 'nx', 'foo')), 'ERR Unsupported option foo');
    assert.equal(await r.call('expire', 'foo', '200', 'nx', 'nx'), 1, 'repeating an option is fine');
    assert.equal(await err(r.call('expire', 'foo')), "ERR wrong number of arguments for 'expire' command");
    assert.equal(await err(r.call('pexpireat', 'foo')), "ERR wrong number of arguments for 'pexpireat' command");
  });

  test('the write is propagated as PEXPIREAT with an absolute time, or as DEL/UNLINK', async () => {
    const seen: string[][] = [];
    srv.server.hooks.afterCall = (c, cmd) => {
      if (['expire', 'pexpire', 'expireat', 'pexpireat'].includes(cmd.name)) seen.push(c.argv.map((b) => b.toString()));
    };
    try {
      await r.call('set', 'foo', 'bar');
      const before = Date.now();
      await r.call('expire', 'foo', '100', 'gt');
      await r.call('set', 'foo', 'bar');
      await r.call('expire', 'foo', '100');
      await r.call('expire', 'foo', '-1');
      assert.equal(seen[0]![0], 'expire', 'unchanged when nothing was written');
      assert.equal(seen[1]![0], 'PEXPIREAT');
      const when = Number(seen[1]![2]);
      assert.ok(when >= before + 100000 && when <= Date.now() + 100000);
      assert.deepEqual(seen[2]!, ['UNLINK', 'foo']);
    } finally {
      delete srv.server.hooks.afterCall;
    }
  });
});

describe('TTL family and PERSIST', () => {
  test('-2 for a missing key, -1 for a key without TTL', async () => {
    await r.call('set', 'p', '1');
    for (const cmd of ['ttl', 'pttl', 'expiretime', 'pexpiretime']) {
      assert.equal(await r.call(cmd, 'nokey'), -2, cmd);
      assert.equal(await r.call(cmd, 'p'), -1, cmd);
    }
  });

  test('TTL rounds to the nearest second, PTTL is in milliseconds', async () => {
    await r.call('set', 'a', '1');
    await r.call('pexpire', 'a', '1600');
    assert.equal(await r.call('ttl', 'a'), 2);
    await r.call('pexpire', 'a', '1400');
    assert.equal(await r.call('ttl', 'a'), 1);
    const pttl = await r.call('pttl', 'a') as number;
    assert.ok(pttl > 1300 && pttl <= 1400);
  });

  test('PERSIST removes the TTL once', async () => {
    await r.call('set', 'x', 'foo');
    await r.call('expire', 'x', '100');
    events = [];
    assert.equal(await r.call('persist', 'x'), 1);
    assert.equal(await r.call('ttl', 'x'), -1);
    assert.equal(await r.call('persist', 'x'), 0);
    assert.equal(await r.call('persist', 'nokey'), 0);
    assert.deepEqual(events.map((e) => [e.key, e.event]), [['x', 'persist']]);
    assert.equal(ks().dbs[0]!.expiresCount, 0);
    assert.equal(await err(r.call('persist')), "ERR wrong number of arguments for 'persist' command");
    assert.equal(await err(r.call('ttl', 'a', 'b')), "ERR wrong number of arguments for 'ttl' command");
  });
});

describe('lazy and active expiry', () => {
  test('a key is gone after its time; access expires it lazily and counts it', async () => {
    await srv.server.config.set('hz', '1', 'startup');
    srv.server.activeExpireEnabled = false;
    try {
      await r.call('set', 'x', 'foo');
      await r.call('pexpire', 'x', '100');
      assert.equal(await r.call('get', 'x'), 'foo');
      await sleep(150);
      assert.equal(await r.call('dbsize'), 1, 'still present before any access');
      const expired = ks().stats.expiredKeys;
      events = [];
      assert.equal(await r.call('get', 'x'), null);
      assert.equal(await r.call('dbsize'), 0);
      assert.equal(ks().stats.expiredKeys, expired + 1);
      assert.deepEqual(events.map((e) => [e.key, e.event]), [['x', 'expired']]);
    } finally {
      srv.server.activeExpireEnabled = true;
      await srv.server.config.set('hz', '10', 'startup');
    }
  });

  test('EXPIRE does not resurrect an expired key', async () => {
    srv.server.activeExpireEnabled = false;
    try {
      await r.call('set', 'foo', 'bar');
      await r.call('pexpire', 'foo', '10');
      await sleep(30);
      assert.equal(await r.call('expire', 'foo', '100'), 0);
      assert.equal(await r.call('exists', 'foo'), 0);
    } finally {
      srv.server.activeExpireEnabled = true;
    }
  });

  test('the active cycle removes expired keys without access, without stalling the server', async () => {
    const N = 30000;
    const tStart = Date.now();
    // Keys in two databases, 90% with a short TTL.
    for (const db of ['0', '3']) {
      await r.call('select', db);
      const p = r.pipeline();
      for (let i = 0; i < N; i++) {
        p.call('set', `k:${i}`, 'v');
        if (i % 10 !== 0) p.call('pexpire', `k:${i}`, String(3000 + (i % 500)));
      }
      await p.exec();
    }
    await r.call('select', '0');
    const live = N / 10;
    // (Unless the machine is so loaded that storing them took longer than their TTL.)
    if (Date.now() - tStart < 2500) assert.ok((await r.call('dbsize') as number) > live * 2, 'the volatile keys were stored');
    let maxPing = 0;
    await r.call('config', 'set', 'latency-monitor-threshold', '1');
    await r.call('latency', 'reset');
    const deadline = Date.now() + 15000;
    let size0 = N, size3 = N;
    while (Date.now() < deadline) {
      const t0 = performance.now();
      await r.call('ping');
      maxPing = Math.max(maxPing, performance.now() - t0);
      size0 = ks().dbs[0]!.size; size3 = ks().dbs[3]!.size;
      if (size0 <= live * 1.1 && size3 <= live * 1.1) break;
      await sleep(20);
    }
    // Only DBSIZE-like reads of the store: no key was accessed.
    assert.ok(size0 <= live * 1.1, `db0 still holds ${size0} keys`);
    assert.ok(size3 <= live * 1.1, `db3 still holds ${size3} keys`);
    // The server's own record of its expiry slices (LATENCY's expire-cycle event, every slice
    // of 1 ms or more): none near a stall. A PING's wait alone would also count the time this
    // machine gave other processes, so it is only reported.
    const hist = (await r.call('latency', 'history', 'expire-cycle')) as [number, number][];
    await r.call('config', 'set', 'latency-monitor-threshold', '0');
    const worst = Math.max(0, ...hist.map(([, ms]) => ms));
    assert.ok(worst < 100, `an expiry slice took ${worst} ms (longest PING wait ${maxPing.toFixed(0)} ms)`);
    assert.ok(ks().stats.expiredKeys >= 2 * (N - live) * 0.9);
    assert.equal(await r.call('dbsize'), size0);
    // Every live key is still there.
    const p = r.pipeline();
    for (let i = 0; i < N; i += 10) p.call('exists', `k:${i}`);
    const res = await p.exec();
    assert.ok(res!.every(([e, v]) => e === null && v === 1));
  });
});
