// maxmemory and eviction over a real socket: which keys each policy evicts, the OOM refusal of
// denyoom commands (and of EXEC queuing them), the `evicted` keyspace event, statistics, the
// eviction that continues after CONFIG SET maxmemory, and the propagation of evictions.
import { test, describe, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { attach, type ReplStream } from './repl-stream.js';
import { usedMemory } from '../src/server/info.js';
import { evictor } from '../src/server/evict.js';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

let srv: RunningServer;
let r: Valkey;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

serverForFile({ 'enable-debug-command': 'yes', 'repl-ping-replica-period': '3600' }, (s, c) => { srv = s; r = c; });
beforeEach(async () => {
  await r.call('config', 'set', 'maxmemory', '0');
  await r.call('config', 'set', 'maxmemory-policy', 'noeviction');
  await r.call('config', 'set', 'maxmemory-samples', '5');
  await r.call('config', 'set', 'notify-keyspace-events', '');
  await r.call('select', '0');
  await r.call('flushall');
  await r.call('config', 'resetstat');
});

const info = async (section: string) => (await r.call('INFO', section)) as string;
const field = (text: string, name: string) => {
  const m = new RegExp(`^${name}:(.*?)\\r$`, 'm').exec(text);
  return m ? m[1]! : '';
};
const stat = async (name: string) => Number(field(await info('all'), name));
const used = async () => Number(field(await info('memory'), 'used_memory'));
const val = 'v'.repeat(100);

/**
 * Writes n keys in pipelines of 100: one large pipeline grows the connection's query buffer, and
 * the cron shrinking it later frees memory the tests' used-memory arithmetic does not expect.
 */
async function fill(prefix: string, n: number, ttl = 0, v = val): Promise<void> {
  for (let from = 0; from < n; from += 100) {
    const p = r.pipeline();
    for (let i = from; i < Math.min(n, from + 100); i++) {
      if (ttl) p.call('set', `${prefix}${i}`, v, 'ex', String(ttl + i)); else p.call('set', `${prefix}${i}`, v);
    }
    await p.exec();
  }
}

async function exists(keys: string[]): Promise<boolean[]> {
  const p = r.pipeline();
  for (const k of keys) p.call('exists', k);
  const res = await p.exec();
  return res!.map(([, v]) => v === 1);
}

/** Lowers maxmemory to `bytes` below the current use and makes one write so eviction runs now. */
/**
 * used_memory once the clients cron has finished shrinking query/output buffers: memory it frees
 * after a reading would be headroom a test does not expect.
 */
async function settledUsed(): Promise<number> {
  let before = await used();
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const now = await used();
    if (now === before) break;
    before = now;
  }
  return before;
}

async function squeeze(bytes: number): Promise<number> {
  const u = await settledUsed();
  await r.call('config', 'set', 'maxmemory', String(u - bytes));
  await r.call('set', 'trigger', 'x');
  // Under a random policy the trigger key itself may be evicted: then DEL finds nothing.
  const triggerEvicted = (await r.call('del', 'trigger')) === 0 ? 1 : 0;
  await settled();
  return triggerEvicted;
}

/** Bytes allocated for the query buffers of every connected client, right now. */
const queryBuffers = () => [...srv.server.clients.values()].reduce((n, cl) => n + cl.parser.allocated, 0);

/** Waits for the eviction that continues between event-loop turns to finish. */
async function settled(): Promise<void> {
  const ev = evictor(srv.server);
  for (let i = 0; i < 400 && ev.procRunning; i++) await sleep(5);
  assert.equal(ev.procRunning, false);
}

describe('used memory', () => {
  test('INFO used_memory is the figure eviction uses, and it moves with the dataset exactly', async () => {
    const a = await used();
    const direct = usedMemory(srv.server);
    assert.ok(Math.abs(direct - a) < 64 * 1024, `${direct} vs ${a}`);
    const a0 = direct - queryBuffers();
    await fill('k', 1000);
    const b = await used();
    // 1000 blocks of ~144 bytes, the index table, and the query buffer the pipeline grew.
    assert.ok(b - a > 1000 * 100 && b - a < 1000 * 400, `grew by ${b - a}`);
    await r.call('flushall');
    // What remains is the query buffer the pipeline grew (trimmed later by the clients cron, at
    // any moment): read both in the same turn, against the same reading taken before the fill.
    const c = usedMemory(srv.server) - queryBuffers();
    assert.ok(Math.abs(c - a0) < 32 * 1024, `after flush ${c} vs ${a0} (without query buffers)`);
  });

  test('collections are counted by their size and released on delete', async () => {
    const a = await settledUsed();
    // Pipelines of 100, so that client buffers stay small next to the collections.
    for (let from = 0; from < 2000; from += 100) {
      const p = r.pipeline();
      for (let i = from; i < from + 100; i++) p.call('rpush', 'list', val);
      for (let i = from; i < from + 100; i++) p.call('hset', 'hash', `f${i}`, val);
      await p.exec();
    }
    const b = await used();
    assert.ok(b - a > 2 * 2000 * 100, `grew by ${b - a}`);
    await r.call('del', 'list', 'hash');
    const c = await settledUsed();
    assert.ok(c - a < (b - a) / 8, `after del ${c - a} (grew by ${b - a})`);
  });
});

describe('noeviction', () => {
  test('denyoom commands get -OOM; reads, DEL and non-denyoom commands still run', async () => {
    await fill('k', 50);
    await r.call('config', 'set', 'maxmemory', '1');
    await assert.rejects(r.call('set', 'new', 'x'), (e: Error) => e.message === OOM);
    await assert.rejects(r.call('rpush', 'l', 'x'), (e: Error) => e.message === OOM);
    assert.equal(await r.call('get', 'k1'), val);
    assert.equal(await r.call('del', 'k1'), 1);
    assert.equal(await r.call('exists', 'k2'), 1);
    assert.equal(await r.call('expire', 'k2', '100'), 1); // EXPIRE is not denyoom
    assert.equal(Number(await r.call('dbsize')), 49);
    assert.equal(await stat('evicted_keys'), 0);
    const es = field(await info('errorstats'), 'errorstat_OOM');
    assert.match(es, /^count=2$/);
    await r.call('config', 'set', 'maxmemory', '0');
    assert.equal(await r.call('set', 'new', 'x'), 'OK');
  });

  test('EXEC of queued denyoom commands is refused with EXECABORT; read-only EXEC runs', async () => {
    await r.call('set', 'a', '1');
    const other = new Valkey({ port: srv.port, lazyConnect: false });
    try {
      await r.call('multi');
      await r.call('set', 'a', '2');
      await r.call('incr', 'a');
      await other.call('config', 'set', 'maxmemory', '1');
      await assert.rejects(r.call('exec'), (e: Error) => e.message === `EXECABORT Transaction discarded because of: ${OOM}`);
      assert.equal(await r.call('get', 'a'), '1');
      await r.call('multi');
      await r.call('get', 'a');
      assert.deepEqual(await r.call('exec'), ['1']);
      // Queuing a denyoom command while over the limit fails and the EXEC aborts.
      await r.call('multi');
      await assert.rejects(r.call('set', 'a', '3'), (e: Error) => e.message === OOM);
      await assert.rejects(r.call('exec'), (e: Error) => e.message === 'EXECABORT Transaction discarded because of previous errors.');
    } finally {
      other.disconnect();
    }
  });

  test('scripts: a shebang script that may write is refused; EVAL without flags cannot write', async () => {
    await r.call('config', 'set', 'maxmemory', '1');
    // Declared flags make EVAL denyoom unless allow-oom or no-writes: refused before running.
    await assert.rejects(r.call('eval', '#!lua\nreturn 1', '0'), (e: Error) => e.message === OOM);
    assert.equal(await r.call('eval', '#!lua flags=no-writes\nreturn 1', '0'), 1);
    assert.equal(await r.call('eval', "#!lua flags=allow-oom\nreturn redis.call('set','x','1')", '0'), 'OK');
    await assert.rejects(r.call('eval', "return redis.call('set','y','1')", '0'), /OOM command not allowed/);
    assert.equal(await r.call('eval', "return redis.call('get','x')", '0'), '1');
  });
});

describe('policies', () => {
  test('allkeys-random evicts until under the limit and counts evicted_keys', async () => {
    await fill('k', 2000);
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    const triggerEvicted = await squeeze(100 * 1024);
    // DBSIZE and the counter in one transaction: the client buffers of the commands in between
    // could otherwise trigger one more eviction.
    const res = await r.multi().call('dbsize').call('info', 'all').exec();
    const n = Number(res![0]![1]);
    assert.ok(n < 2000 && n > 1000, `dbsize ${n}`);
    const max = Number(field(await info('memory'), 'maxmemory'));
    assert.ok((await used()) <= max + 4096);
    assert.equal(Number(field(res![1]![1] as string, 'evicted_keys')), 2000 - n + triggerEvicted);
  });

  for (const policy of ['volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl']) {
    test(`${policy} evicts only keys with a TTL, then refuses writes`, async () => {
      await fill('p', 600);
      await fill('v', 600, 1000);
      await r.call('config', 'set', 'maxmemory-policy', policy);
      await squeeze(40 * 1024);
      const persistent = await exists(Array.from({ length: 600 }, (_, i) => `p${i}`));
      assert.ok(persistent.every(Boolean), 'a key without TTL was evicted');
      const volatile = await exists(Array.from({ length: 600 }, (_, i) => `v${i}`));
      const gone = volatile.filter((x) => !x).length;
      assert.ok(gone > 0 && gone < 600, `volatile evicted: ${gone}`);
      // Far below what the persistent keys alone need: every volatile key goes, then OOM.
      await r.call('config', 'set', 'maxmemory', '1');
      await settled();
      await assert.rejects(r.call('set', 'another', 'x'), (e: Error) => e.message === OOM);
      assert.equal(Number(await r.call('dbsize')), 600);
      assert.ok((await exists(['p0', 'p599'])).every(Boolean));
    });
  }

  test('volatile-ttl evicts the keys closest to expiring first', async () => {
    await fill('v', 1000, 1000); // v<i> expires in 1000 + i seconds
    await r.call('config', 'set', 'maxmemory-policy', 'volatile-ttl');
    await r.call('config', 'set', 'maxmemory-samples', '20');
    await squeeze(40 * 1024);
    const alive = await exists(Array.from({ length: 1000 }, (_, i) => `v${i}`));
    const evicted = alive.map((x, i) => (x ? -1 : i)).filter((i) => i >= 0);
    assert.ok(evicted.length > 50, `evicted ${evicted.length}`);
    const avg = evicted.reduce((s, i) => s + i, 0) / evicted.length;
    // Uniform choice would average ~500; the pool picks among the shortest TTLs.
    assert.ok(avg < 300, `average index of evicted keys ${avg}`);
    assert.ok(alive[999] && alive[998], 'the longest TTLs survive');
  });

  test('allkeys-lru keeps recently used keys rather than idle ones', async () => {
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-lru');
    await r.call('config', 'set', 'maxmemory-samples', '10');
    await fill('k', 1000);
    await sleep(2200); // the LRU clock has a 1 s resolution
    const p = r.pipeline();
    for (let i = 0; i < 1000; i += 2) p.call('get', `k${i}`);
    await p.exec();
    await squeeze(50 * 1024);
    const alive = await exists(Array.from({ length: 1000 }, (_, i) => `k${i}`));
    let touched = 0, idle = 0;
    alive.forEach((x, i) => { if (!x) { if (i % 2 === 0) touched++; else idle++; } });
    assert.ok(touched + idle > 100, `evicted ${touched + idle}`);
    assert.ok(touched * 5 < idle, `evicted touched ${touched} vs idle ${idle}`);
  });

  test('allkeys-lfu keeps frequently used keys; new keys start with OBJECT FREQ 5', async () => {
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-lfu');
    await r.call('config', 'set', 'maxmemory-samples', '10');
    await r.call('config', 'set', 'lfu-log-factor', '0');
    await fill('k', 1000);
    assert.equal(await r.call('object', 'freq', 'k1'), 5);
    const p = r.pipeline();
    for (let rep = 0; rep < 10; rep++) for (let i = 0; i < 1000; i += 2) p.call('get', `k${i}`);
    await p.exec();
    assert.ok(Number(await r.call('object', 'freq', 'k0')) > 10);
    // Fewer bytes than the cold half holds, so that no hot key needs to go.
    await squeeze(25 * 1024);
    const alive = await exists(Array.from({ length: 1000 }, (_, i) => `k${i}`));
    let hot = 0, cold = 0;
    alive.forEach((x, i) => { if (!x) { if (i % 2 === 0) hot++; else cold++; } });
    assert.ok(hot + cold > 100, `evicted ${hot + cold}`);
    assert.equal(hot, 0, `evicted hot ${hot} vs cold ${cold}`);
    await r.call('config', 'set', 'lfu-log-factor', '10');
  });

  test('eviction spans every database', async () => {
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    await fill('a', 500);
    await r.call('select', '3');
    await fill('b', 500);
    await r.call('select', '0');
    await squeeze(60 * 1024);
    const d0 = Number(await r.call('dbsize'));
    await r.call('select', '3');
    const d3 = Number(await r.call('dbsize'));
    await r.call('select', '0');
    assert.ok(d0 < 500 && d3 < 500, `db0 ${d0} db3 ${d3}`);
  });
});

describe('key index growth', () => {
  test('the index does not grow past maxmemory while its fill ratio is moderate (no eviction for it)', async () => {
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    // Small pipelines: one big one would leave a large query buffer that the cron may shrink
    // later, freeing memory that the headroom below does not expect.
    for (let i = 0; i < 4095; i += 150) {
      const p = r.pipeline();
      for (let j = i; j < Math.min(4095, i + 150); j++) p.call('set', `key:${j}`, 'v');
      await p.exec();
    }
    const buckets = () => srv.server.ks.dbs[0]!.dict.bucketCount();
    assert.equal(buckets(), 4096);
    await r.call('config', 'set', 'maxmemory', String((await settledUsed()) + 10 * 1024));
    await r.call('set', 'k0', 'v0');
    await r.call('set', 'k1', 'v1');
    await r.call('set', 'k2', 'v2');
    assert.equal(Number(await r.call('dbsize')), 4098);
    assert.equal(await stat('evicted_keys'), 0);
    assert.equal(buckets(), 4096);
    // Without a limit it grows at once.
    await r.call('config', 'set', 'maxmemory', '0');
    await r.call('set', 'k3', 'v3');
    assert.ok(buckets() > 4096);
  });
});

describe('side effects', () => {
  test('evicted keyspace event (class e), WATCH sees the eviction', async () => {
    await fill('k', 300);
    await r.call('config', 'set', 'notify-keyspace-events', 'Ee');
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    const sub = new Valkey({ port: srv.port, lazyConnect: false });
    const w = new Valkey({ port: srv.port, lazyConnect: false });
    const got: string[] = [];
    try {
      sub.on('message', (ch: string, msg: string) => { if (ch === '__keyevent@0__:evicted') got.push(msg); });
      await sub.subscribe('__keyevent@0__:evicted');
      // Watch every key: whichever goes, the transaction must fail.
      const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
      await w.call('watch', ...keys);
      await squeeze(8 * 1024);
      await w.call('multi');
      await w.call('ping');
      assert.equal(await w.call('exec'), null);
      await sleep(100);
      const evicted = await stat('evicted_keys');
      assert.ok(evicted > 0);
      assert.equal(got.length, evicted);
      assert.ok(got.every((k) => /^k\d+$/.test(k)));
    } finally {
      sub.disconnect();
      w.disconnect();
    }
  });

  test('CONFIG SET maxmemory lower starts eviction without waiting for a command', async () => {
    await fill('k', 2000);
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-lru');
    const u = await settledUsed();
    await r.call('config', 'set', 'maxmemory', String(u - 100 * 1024));
    await settled();
    assert.ok(srv.server.ks.dbs[0]!.size < 2000);
    assert.ok(usedMemory(srv.server) <= u - 100 * 1024);
    assert.ok((await stat('evicted_keys')) > 0);
  });

  test('tenacity bounds one call; the rest continues between event-loop turns', async () => {
    await fill('k', 5000, 0, 'x'.repeat(400));
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    await r.call('config', 'set', 'maxmemory-eviction-tenacity', '0');
    const ev = evictor(srv.server);
    const u = await used();
    srv.server.maxmemory = u - 1024 * 1024; // as CONFIG SET would, without starting the continuation
    ev.stop();
    const res = ev.perform();
    const after1 = srv.server.ks.dbs[0]!.size;
    assert.equal(res, 1, 'EVICT_RUNNING');
    assert.ok(after1 > 5000 - 2500 && after1 < 5000, `after one call ${after1}`);
    assert.ok(ev.procRunning);
    for (let i = 0; i < 200 && ev.procRunning; i++) await sleep(5);
    assert.equal(ev.procRunning, false);
    assert.ok(usedMemory(srv.server) <= srv.server.maxmemory);
    await r.call('config', 'set', 'maxmemory-eviction-tenacity', '10');
    await r.call('config', 'set', 'maxmemory', '0');
  });

  test('a long eviction cycle is recorded by the latency monitor (eviction-cycle)', async () => {
    await fill('k', 20000);
    await r.call('config', 'set', 'latency-monitor-threshold', '1');
    await r.call('latency', 'reset');
    await r.call('config', 'set', 'maxmemory-policy', 'allkeys-random');
    await r.call('config', 'set', 'maxmemory-eviction-tenacity', '100');
    await r.call('config', 'set', 'maxmemory', '1');
    await settled();
    assert.equal(Number(await r.call('dbsize')), 0);
    const latest = (await r.call('latency', 'latest')) as Array<[string, number, number, number]>;
    assert.ok(latest.some((e) => e[0] === 'eviction-cycle'), JSON.stringify(latest));
    await r.call('config', 'set', 'maxmemory', '0');
    await r.call('config', 'set', 'latency-monitor-threshold', '0');
    await r.call('config', 'set', 'maxmemory-eviction-tenacity', '10');
  });

  test('INFO fields: maxmemory, policy, exceeded time, mem_not_counted_for_evict', async () => {
    await r.call('config', 'set', 'maxmemory', '10mb');
    await r.call('config', 'set', 'maxmemory-policy', 'volatile-lfu');
    const mem = await info('memory');
    assert.equal(field(mem, 'maxmemory'), String(10 * 1024 * 1024));
    assert.equal(field(mem, 'maxmemory_human'), '10.00M');
    assert.equal(field(mem, 'maxmemory_policy'), 'volatile-lfu');
    assert.equal(field(mem, 'mem_not_counted_for_evict'), '0');
    await r.call('config', 'set', 'maxmemory', '1'); // nothing volatile to evict: stays over
    await r.call('set', 'a', '1').catch(() => {});
    await sleep(30);
    const st = await info('stats');
    assert.ok(Number(field(st, 'current_eviction_exceeded_time')) >= 20);
    assert.ok(Number(field(st, 'total_eviction_exceeded_time')) >= 20);
    await r.call('config', 'set', 'maxmemory', '0');
    await r.call('ping');
    const st2 = await info('stats');
    assert.equal(field(st2, 'current_eviction_exceeded_time'), '0');
    assert.ok(Number(field(st2, 'total_eviction_exceeded_time')) >= 20);
  });

  test('evictions reach the replication stream as UNLINK (DEL without lazyfree-lazy-eviction)', async () => {
    let s: ReplStream | null = null;
    try {
      s = (await attach(srv.port)).stream;
      await r.call('set', 'asdf1', '1');
      await r.call('set', 'asdf2', '2');
      await r.call('config', 'set', 'maxmemory-policy', 'allkeys-lru');
      await r.call('config', 'set', 'maxmemory', '1');
      for (let i = 0; i < 100 && Number(await r.call('dbsize')) > 0; i++) await sleep(10);
      await r.call('config', 'set', 'maxmemory', '0');
      await r.call('config', 'set', 'lazyfree-lazy-eviction', 'no');
      await r.call('set', 'asdf3', '3');
      await r.call('config', 'set', 'maxmemory', '1');
      for (let i = 0; i < 100 && Number(await r.call('dbsize')) > 0; i++) await sleep(10);
      await r.call('config', 'set', 'maxmemory', '0');
      await r.call('config', 'set', 'lazyfree-lazy-eviction', 'yes');
      const got = await s.commands(7);
      const norm = got.map((x) => x.replace(/asdf\d/, 'asdf*'));
      assert.deepEqual(norm, ['select 0', 'set asdf* 1', 'set asdf* 2', 'unlink asdf*', 'unlink asdf*', 'set asdf* 3', 'del asdf*']);
      assert.deepEqual(got.slice(3, 5).sort(), ['unlink asdf1', 'unlink asdf2']);
    } finally {
      s?.close();
    }
  });
});
