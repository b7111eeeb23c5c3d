// The replica side of replication: REPLICAOF / SLAVEOF, the handshake and full sync from a
// Peregrine primary (diskless and disk-based), the applied command stream, read-only replicas,
// INFO / ROLE, partial resync after a dropped link, promotion with REPLICAOF NO ONE, and interop
// with redis-server when it is installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { startServer, type RunningServer } from '../src/index.js';
import { err } from './helpers.js';
import { RespParser } from '../src/protocol/parser.js';
import { saveOptions, serializeSync } from '../src/persistence/rdb.js';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function info(c: Valkey, field: string): Promise<string> {
  const t = await c.call('info', 'replication') as string;
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(t);
  return m ? m[1]! : '';
}

async function linkUp(c: Valkey): Promise<void> {
  await waitFor(async () => (await info(c, 'master_link_status')) === 'up', 'the link to come up');
}

/** Waits until the replica processed everything the primary produced. */
async function caughtUp(p: Valkey, r: Valkey): Promise<void> {
  await waitFor(async () => {
    const po = await info(p, 'master_repl_offset');
    return po === (await info(r, 'slave_repl_offset'));
  }, 'the replica to catch up');
}

interface Pair { p: RunningServer; r: RunningServer; cp: Valkey; cr: Valkey; logs: string[] }

async function pair(primaryConf: Record<string, string> = {}, replicaConf: Record<string, string> = {}): Promise<Pair> {
  const logs: string[] = [];
  const p = await startServer({ config: { 'repl-diskless-sync-delay': '0', 'enable-debug-command': 'yes', ...primaryConf } });
  const r = await startServer({ config: { loglevel: 'notice', 'enable-debug-command': 'yes', ...replicaConf }, logSink: (l) => logs.push(l) });
  return { p, r, cp: new Valkey({ port: p.port }), cr: new Valkey({ port: r.port }), logs };
}

async function closePair(x: Pair): Promise<void> {
  x.cp.disconnect();
  x.cr.disconnect();
  await x.r.close();
  await x.p.close();
}

/**
 * For a describe block: a primary holding a=1 and a replica whose link to it is up, made before
 * the block's tests and closed after them. The returned object is filled in by `before`.
 */
function linkedPairForSuite(): Pair {
  const x = {} as Pair;
  before(async () => {
    Object.assign(x, await pair());
    await x.cp.set('a', '1');
    await x.cr.call('replicaof', '127.0.0.1', String(x.p.port));
    await linkUp(x.cr);
  });
  after(async () => { await closePair(x); });
  return x;
}

describe('REPLICAOF command', () => {
  let x: Pair;
  before(async () => { x = await pair(); });
  after(async () => { await closePair(x); });

  test('errors and replies', async () => {
    assert.equal(await x.cr.call('replicaof', 'no', 'one'), 'OK'); // already a primary: no-op
    assert.match(await err(x.cr.call('replicaof', '127.0.0.1', 'abc')), /^ERR Invalid master port$/);
    assert.match(await err(x.cr.call('replicaof', '127.0.0.1', '65536')), /^ERR Invalid master port$/);
    assert.match(await err(x.cr.call('replicaof', '127.0.0.1', '-1')), /^ERR Invalid master port$/);
    assert.match(await err(x.cr.call('replicaof', '127.0.0.1')), /wrong number of arguments/);
    // Clients blocked on the old primary are unblocked with an error and disconnected.
    const blocked = new Valkey({ port: x.r.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const pop = blocked.call('blpop', 'nolist', '0').then(() => 'no error', (e: Error) => e.message);
    await waitFor(async () => /blocked_clients:1/.test(await x.cr.call('info', 'clients') as string), 'BLPOP to block');
    assert.equal(await x.cr.call('replicaof', '127.0.0.1', String(x.p.port)), 'OK');
    assert.equal(await pop, 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
    blocked.disconnect();
    assert.equal(await x.cr.call('replicaof', '127.0.0.1', String(x.p.port)), 'OK Already connected to specified master');
    assert.equal(await x.cr.call('slaveof', '127.0.0.1', String(x.p.port)), 'OK Already connected to specified master');
    assert.deepEqual(await x.cr.call('config', 'get', 'replicaof'), ['replicaof', `127.0.0.1 ${x.p.port}`]);
    await linkUp(x.cr);
    assert.match(await err(x.cr.call('wait', '1', '0')), /^ERR WAIT cannot be used with replica instances/);
    assert.equal(await x.cr.call('slaveof', 'NO', 'ONE'), 'OK');
    assert.equal(await info(x.cr, 'role'), 'master');
    assert.deepEqual(await x.cr.call('config', 'get', 'replicaof'), ['replicaof', '']);
  });
});

describe('full sync and the stream', () => {
  for (const diskless of ['yes', 'no']) {
    describe(`repl-diskless-sync ${diskless}`, () => {
      let x: Pair;
      before(async () => { x = await pair({ 'repl-diskless-sync': diskless }); });
      after(async () => { await closePair(x); });

      test('every data type arrives, old data is replaced', async () => {
        const { cp, cr } = x;
        await cr.set('stale-key', 'gone after sync');
        await cp.set('str', 'hello');
        await cp.set('ttl', 'v', 'PX', 100000);
        await cp.rpush('list', 'a', 'b', 'c');
        await cp.sadd('set', 'x', 'y', '1');
        await cp.zadd('zset', 1, 'one', 2.5, 'two');
        await cp.hset('hash', 'f1', 'v1', 'f2', 'v2');
        await cp.xadd('stream', '1-1', 'a', '1');
        await cp.pfadd('hll', 'a', 'b', 'c');
        await cp.call('select', '5');
        await cp.set('in5', 'five');
        await cp.call('select', '0');
        assert.equal(await cr.call('replicaof', '127.0.0.1', String(x.p.port)), 'OK');
        await linkUp(cr);
        assert.equal(await cr.get('stale-key'), null);
        assert.equal(await cr.get('str'), 'hello');
        const pttl = await cr.pttl('ttl');
        assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);
        assert.deepEqual(await cr.lrange('list', 0, -1), ['a', 'b', 'c']);
        assert.deepEqual((await cr.smembers('set')).sort(), ['1', 'x', 'y']);
        assert.deepEqual(await cr.zrange('zset', 0, -1, 'WITHSCORES'), ['one', '1', 'two', '2.5']);
        assert.deepEqual(await cr.hgetall('hash'), { f1: 'v1', f2: 'v2' });
        assert.deepEqual(await cr.call('xrange', 'stream', '-', '+'), [['1-1', ['a', '1']]]);
        assert.equal(await cr.pfcount('hll'), 3);
        await cr.call('select', '5');
        assert.equal(await cr.get('in5'), 'five');
        await cr.call('select', '0');
        assert.equal(await info(cr, 'master_replid'), await info(cp, 'master_replid'));
      });

      test('writes stream through: SELECT, expire, MULTI/EXEC, scripts, deletes', async () => {
        const { cp, cr } = x;
        await cp.call('select', '9');
        await cp.set('k9', 'nine');
        await cp.call('select', '0');
        await cp.incr('counter');
        await cp.multi().incr('counter').incrby('counter', 10).set('m', 'x').exec();
        await cp.eval("redis.call('set', KEYS[1], 'a'); redis.call('rpush', KEYS[2], 'z'); return 1", 2, 's1', 'list');
        await cp.expire('str', 1000);
        await cp.set('short', 'v', 'PX', 50);
        await cp.del('hash');
        await cp.getdel('m');
        await cp.call('flushdb', 'sync'); // db 0 only
        await cp.set('after-flush', '1');
        await caughtUp(cp, cr);
        assert.equal(await cr.get('counter'), null); // flushed
        assert.equal(await cr.get('after-flush'), '1');
        await cr.call('select', '9');
        assert.equal(await cr.get('k9'), 'nine');
        await cr.call('select', '5');
        assert.equal(await cr.get('in5'), 'five');
        await cr.call('select', '0');
        // Before the flush, check the transaction and script results on a second round.
        await cp.incr('counter');
        await cp.multi().incr('counter').incrby('counter', 10).exec();
        await cp.eval("redis.call('set', KEYS[1], 'a'); redis.call('rpush', KEYS[2], 'z'); return 1", 2, 's1', 'l2');
        await cp.set('e', 'v');
        await cp.expire('e', 1000);
        await caughtUp(cp, cr);
        assert.equal(await cr.get('counter'), '12');
        assert.equal(await cr.get('s1'), 'a');
        assert.deepEqual(await cr.lrange('l2', 0, -1), ['z']);
        const ttl = await cr.ttl('e');
        assert.ok(ttl > 990 && ttl <= 1000, `ttl ${ttl}`);
        // An expiry on the primary arrives as a DEL.
        await cp.set('short', 'v', 'PX', 30);
        await caughtUp(cp, cr);
        await sleep(60);
        assert.equal(await cp.get('short'), null);
        await caughtUp(cp, cr);
        assert.equal(await cr.exists('short'), 0);
      });

      test('CLIENT PAUSE WRITE on the replica holds the stream, which then resumes in order', async () => {
        const { cp, cr } = x;
        await cp.set('pz', '0');
        await caughtUp(cp, cr);
        await cr.call('client', 'pause', '100000', 'write');
        await cp.set('pz', '1');
        await cp.append('pz', '2');
        await cp.set('pz-other', 'x');
        await sleep(200);
        assert.equal(await cr.get('pz'), '0');
        await cr.call('client', 'unpause');
        await caughtUp(cp, cr);
        assert.equal(await cr.get('pz'), '12');
        assert.equal(await cr.get('pz-other'), 'x');
      });

      test('expiry: the replica keeps expired keys for the primary, which decides with its DEL', async () => {
        const { cp, cr } = x;
        await cp.call('debug', 'set-active-expire', '0');
        try {
          await cp.set('exp-n', '10', 'PX', 80);
          await caughtUp(cp, cr);
          await sleep(120);
          // Logically expired on both: reads say missing, the replica does not delete it itself.
          assert.equal(await cr.get('exp-n'), null);
          assert.equal(await cr.call('dbsize').then((n) => Number(n) > 0), true);
          assert.match(await cr.call('info', 'stats') as string, /\r\nexpired_keys:0\r\n/);
          // The primary's lazy expiry sends DEL; the replica applies it.
          assert.equal(await cp.get('exp-n'), null);
          await caughtUp(cp, cr);
          assert.match(await err(cr.call('debug', 'object', 'exp-n')), /no such key/);
        } finally {
          await cp.call('debug', 'set-active-expire', '1');
        }
      });

      test('the replica acknowledges its offset', async () => {
        const { cp } = x;
        await cp.set('ack', '1');
        assert.equal(await cp.call('wait', '1', '2000'), 1);
        const role = await cp.call('role') as [string, number, string[][]];
        assert.equal(role[0], 'master');
        assert.equal(role[2].length, 1);
        assert.equal(role[2][0]![1], String(x.r.port));
      });
    });
  }
});

describe('read-only replica, INFO, ROLE', () => {
  const x = linkedPairForSuite();

  test('writes from clients get READONLY, reads work', async () => {
    const { cr } = x;
    assert.equal(await err(cr.set('a', '2')), "READONLY You can't write against a read only replica.");
    assert.equal(await err(cr.call('del', 'a')), "READONLY You can't write against a read only replica.");
    assert.equal(await cr.get('a'), '1');
    // A script that writes (without declaring it) is stopped at its first write.
    assert.match(await err(cr.call('eval', "return redis.call('set', 'a', '2')", '0')), /^READONLY You can't write against a read only replica\./);
    assert.equal(await cr.call('eval', "return redis.call('get', 'a')", '0'), '1');
    assert.match(await err(cr.call('eval', '#!lua\nreturn 1', '0')), /^READONLY/);
    // Inside MULTI the write is refused when queued, and EXEC aborts.
    await cr.call('multi');
    assert.equal(await err(cr.call('incr', 'a')), "READONLY You can't write against a read only replica.");
    assert.match(await err(cr.call('exec')), /^EXECABORT/);
    await cr.call('config', 'set', 'replica-read-only', 'no');
    assert.equal(await cr.set('local', 'x'), 'OK');
    await cr.call('config', 'set', 'replica-read-only', 'yes');
  });

  test('min-replicas-to-write does not stop a replica from applying the stream', async () => {
    const { cp, cr } = x;
    await cr.call('config', 'set', 'min-replicas-to-write', '1');
    try {
      await cp.set('minrep', 'applied');
      await caughtUp(cp, cr);
      assert.equal(await cr.get('minrep'), 'applied');
    } finally {
      await cr.call('config', 'set', 'min-replicas-to-write', '0');
    }
  });

  test('INFO replication and ROLE on a replica', async () => {
    const { cp, cr } = x;
    await caughtUp(cp, cr);
    assert.equal(await info(cr, 'role'), 'slave');
    assert.equal(await info(cr, 'master_host'), '127.0.0.1');
    assert.equal(await info(cr, 'master_port'), String(x.p.port));
    assert.equal(await info(cr, 'master_link_status'), 'up');
    assert.equal(await info(cr, 'master_sync_in_progress'), '0');
    assert.equal(await info(cr, 'slave_priority'), '100');
    assert.equal(await info(cr, 'slave_read_only'), '1');
    assert.equal(await info(cr, 'replica_announced'), '1');
    assert.equal(await info(cr, 'connected_slaves'), '0');
    assert.ok(Number(await info(cr, 'master_last_io_seconds_ago')) >= 0);
    const off = await info(cr, 'slave_repl_offset');
    assert.equal(off, await info(cp, 'master_repl_offset'));
    assert.equal(await info(cr, 'slave_read_repl_offset'), off);
    assert.equal(await info(cr, 'master_repl_offset'), off);
    // Valkey's order: the replica's fields right after role, then the primary-side ones.
    const names = (await cr.call('info', 'replication') as string).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':')[0]);
    assert.deepEqual(names.slice(0, 13), ['role', 'master_host', 'master_port', 'master_link_status', 'master_last_io_seconds_ago',
      'master_sync_in_progress', 'slave_read_repl_offset', 'slave_repl_offset', 'slave_priority', 'slave_read_only',
      'replica_announced', 'connected_slaves', 'replicas_waiting_psync']);
    const role = await cr.call('role') as unknown[];
    assert.deepEqual(role, ['slave', '127.0.0.1', x.p.port, 'connected', Number(off)]);
    const hello = await cr.call('hello', '2') as unknown[];
    assert.equal(hello[hello.indexOf('role') + 1], 'replica');
  });

  test('replica-serve-stale-data no: MASTERDOWN while the link is down', async () => {
    const { cr } = x;
    await cr.call('config', 'set', 'replica-serve-stale-data', 'no');
    assert.equal(await cr.get('a'), '1'); // link up: served
    // Point it at a port where nothing listens: the link stays down.
    const dead = net.createServer();
    await new Promise<void>((res) => dead.listen(0, '127.0.0.1', () => res()));
    const port = (dead.address() as net.AddressInfo).port;
    await new Promise<void>((res) => dead.close(() => res()));
    // A transaction queued while the link was up is refused at EXEC once it is down.
    const other = new Valkey({ port: x.r.port });
    await cr.call('multi');
    await cr.call('get', 'a');
    await other.call('replicaof', '127.0.0.1', String(port));
    other.disconnect();
    assert.match(await err(cr.call('exec')), /^EXECABORT .*MASTERDOWN/);
    assert.equal(await err(cr.get('a')), "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    assert.match(await err(cr.call('ping')), /^MASTERDOWN/); // not flagged stale
    // A script's declared flags decide: allow-stale runs, no-writes alone does not.
    assert.match(await err(cr.call('eval', '#!lua flags=no-writes\nreturn 1', '0')), /^MASTERDOWN/);
    assert.equal(await cr.call('eval', '#!lua flags=allow-stale,no-writes\nreturn 1', '0'), 1);
    assert.equal(await cr.call('config', 'get', 'replica-serve-stale-data').then((v) => (v as string[])[1]), 'no'); // stale: allowed
    assert.equal(await info(cr, 'master_link_status'), 'down');
    const role = await cr.call('role') as unknown[];
    assert.equal(role[0], 'slave');
    assert.ok(['connect', 'connecting'].includes(role[3] as string));
    await cr.call('config', 'set', 'replica-serve-stale-data', 'yes');
    assert.equal(await cr.get('a'), '1');
    await cr.call('replicaof', '127.0.0.1', String(x.p.port));
    await linkUp(cr);
  });
});

describe('partial resync and promotion', () => {
  const x = linkedPairForSuite();

  test('a dropped link continues with PSYNC (+CONTINUE)', async () => {
    const { cp, cr, logs } = x;
    await cp.set('b', '2');
    await caughtUp(cp, cr);
    // A key only the replica has: a full resync would flush it, a partial one keeps it.
    await cr.call('config', 'set', 'replica-read-only', 'no');
    await cr.set('only-here', '1');
    await cr.call('config', 'set', 'replica-read-only', 'yes');
    assert.equal(await cp.call('client', 'kill', 'type', 'replica'), 1);
    await waitFor(async () => (await info(cr, 'master_link_status')) === 'down', 'the link to drop');
    await cp.set('c', '3');
    await linkUp(cr);
    await caughtUp(cp, cr);
    assert.equal(await cr.get('c'), '3');
    assert.equal(await cr.get('only-here'), '1');
    assert.ok(logs.some((l) => l.includes('Successful partial resynchronization with primary.')), 'partial resync logged');
  });

  test('CLIENT LIST shows the primary client; CLIENT KILL TYPE MASTER drops the link, which continues', async () => {
    const { cp, cr, logs } = x;
    await linkUp(cr);
    const list = await cr.call('client', 'list', 'type', 'master') as string;
    assert.match(list, /flags=M/);
    assert.equal(list.trim().split('\n').length, 1);
    const n = logs.length;
    assert.equal(await cr.call('client', 'kill', 'type', 'master'), 1);
    await waitFor(() => logs.slice(n).some((l) => l.includes('Successful partial resynchronization with primary.')), 'a partial resync');
    await cp.set('after-kill', '1');
    await linkUp(cr);
    await caughtUp(cp, cr);
    assert.equal(await cr.get('after-kill'), '1');
    assert.equal((await cr.call('client', 'list', 'type', 'master') as string).trim().split('\n').length, 1);
  });

  test('REPLICAOF NO ONE promotes: new replid, old one as replid2, offset kept, writable', async () => {
    const { cp, cr } = x;
    await caughtUp(cp, cr);
    const oldId = await info(cr, 'master_replid');
    const off = Number(await info(cr, 'master_repl_offset'));
    assert.equal(await cr.call('replicaof', 'no', 'one'), 'OK');
    assert.equal(await info(cr, 'role'), 'master');
    assert.notEqual(await info(cr, 'master_replid'), oldId);
    assert.equal(await info(cr, 'master_replid2'), oldId);
    assert.equal(Number(await info(cr, 'second_repl_offset')), off + 1);
    assert.equal(Number(await info(cr, 'master_repl_offset')), off);
    assert.equal(await cr.set('new', 'write'), 'OK');
    const role = await cr.call('role') as unknown[];
    assert.equal(role[0], 'master');
  });

  test('the old primary follows the promoted one with a partial resync', async () => {
    const { cp, cr } = x;
    // The old primary has the same history up to the promotion point.
    const logs: string[] = [];
    void logs;
    assert.equal(await cp.call('replicaof', '127.0.0.1', String(x.r.port)), 'OK');
    await linkUp(cp);
    await cr.set('from-new-primary', 'yes');
    await caughtUp(cr, cp);
    assert.equal(await cp.get('from-new-primary'), 'yes');
    assert.equal(await cp.get('new'), 'write');
    assert.equal(await info(cp, 'master_replid'), await info(cr, 'master_replid'));
    await cp.call('replicaof', 'no', 'one');
  });
});

describe('AUTH with masterauth / masteruser', () => {
  let x: Pair;
  before(async () => {
    x = await pair({ requirepass: 'secret pass' });
    x.cp.disconnect();
    x.cp = new Valkey({ port: x.p.port, password: 'secret pass' });
    await x.cp.set('auth-key', '1');
  });
  after(async () => { await closePair(x); });

  test('a wrong password keeps the link down, the right one syncs', async () => {
    const { cr } = x;
    await cr.call('config', 'set', 'masterauth', 'wrong');
    await cr.call('replicaof', '127.0.0.1', String(x.p.port));
    await sleep(400);
    assert.equal(await info(cr, 'master_link_status'), 'down');
    await cr.call('config', 'set', 'masterauth', 'secret pass');
    await linkUp(cr);
    assert.equal(await cr.get('auth-key'), '1');
    await cr.call('replicaof', 'no', 'one');
    const hasAcl = await x.cp.call('acl', 'setuser', 'repl', 'on', '>pw', '+@all', '~*').then(() => true, () => false);
    if (!hasAcl) console.log('# masteruser not tested: ACL SETUSER not available');
    else {
      await cr.call('config', 'set', 'masteruser', 'repl');
      await cr.call('config', 'set', 'masterauth', 'pw');
      await cr.call('replicaof', '127.0.0.1', String(x.p.port));
      await linkUp(cr);
      await cr.call('replicaof', 'no', 'one');
    }
  });
});

describe('replicaof at start-up', () => {
  test('the directive makes the server a replica', async () => {
    const p = await startServer({ config: { 'repl-diskless-sync-delay': '0' } });
    const cp = new Valkey({ port: p.port });
    await cp.set('boot', 'ok');
    const r = await startServer({ config: { replicaof: `127.0.0.1 ${p.port}` } });
    const cr = new Valkey({ port: r.port });
    try {
      await linkUp(cr);
      assert.equal(await cr.get('boot'), 'ok');
      assert.equal(await info(cr, 'role'), 'slave');
      // Closing the replica hangs up on the primary.
      assert.equal(await info(cp, 'connected_slaves'), '1');
      cr.disconnect();
      await r.close();
      await waitFor(async () => (await info(cp, 'connected_slaves')) === '0', 'the primary to see the replica go', 2000);
    } finally {
      cr.disconnect(); cp.disconnect();
      await r.close(); await p.close();
    }
  });
});

// ------------------------------------------------------------------ interop with redis-server / valkey-server

const PEERS: Array<{ name: string; bin: string; port: number }> = [
  { name: 'redis-server', bin: '/usr/bin/redis-server', port: 7600 + Math.floor(Math.random() * 10) },
  { name: 'valkey-server', bin: '/work/valkey-src/src/valkey-server', port: 7610 + Math.floor(Math.random() * 10) },
];

for (const { name, bin, port } of PEERS) {
  describe(`interop with ${name}`, () => {
    const have = existsSync(bin);
    let child: ChildProcess | null = null;
    let dir = '';
    let peer: RunningServer | null = null;
    let cOther: Valkey | null = null;
    let cPeer: Valkey | null = null;
    if (!have) console.log(`# skipping ${name} interop: ${bin} not found`);

    before(async () => {
      if (!have) return;
      dir = mkdtempSync(join(tmpdir(), 'peregrine-interop-'));
      child = spawn('nice', ['-n', '19', bin, '--port', String(port), '--save', '', '--dir', dir, '--bind', '127.0.0.1',
        '--repl-diskless-sync-delay', '0'], { stdio: 'ignore' });
      const probe = new Valkey({ port, lazyConnect: true, retryStrategy: () => 50 });
      await waitFor(() => probe.connect().then(() => true, () => false), `${name} to start`);
      probe.disconnect();
      peer = await startServer({ config: { 'repl-diskless-sync-delay': '0' } });
      cOther = new Valkey({ port });
      cPeer = new Valkey({ port: peer.port });
    });
    after(async () => {
      cOther?.disconnect();
      cPeer?.disconnect();
      if (child?.pid) process.kill(child.pid);
      await peer?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test(`Peregrine as replica of ${name}`, { skip: !have && `${name} not installed` }, async () => {
      await cOther!.set('from-other', 'r');
      await cOther!.rpush('rl', 'a', 'b');
      await cOther!.hset('oh', 'f', 'v');
      await cOther!.zadd('oz', 1, 'm');
      await cPeer!.call('replicaof', '127.0.0.1', String(port));
      await linkUp(cPeer!);
      assert.equal(await cPeer!.get('from-other'), 'r');
      assert.deepEqual(await cPeer!.hgetall('oh'), { f: 'v' });
      assert.deepEqual(await cPeer!.zrange('oz', 0, -1), ['m']);
      await cOther!.incr('n');
      await cOther!.multi().incr('n').incr('n').exec();
      await cOther!.call('select', '3');
      await cOther!.set('in3', 'x');
      await waitFor(async () => (await cPeer!.get('n')) === '3', `the stream from ${name}`);
      assert.deepEqual(await cPeer!.lrange('rl', 0, -1), ['a', 'b']);
      await caughtUp(cOther!, cPeer!);
      await cPeer!.call('select', '3');
      assert.equal(await cPeer!.get('in3'), 'x');
      await cPeer!.call('select', '0');
      assert.equal(await cOther!.call('wait', '1', '2000'), 1);
      await cOther!.call('select', '0');
      await cPeer!.call('replicaof', 'no', 'one');
    });

    test(`${name} as replica of Peregrine`, { skip: !have && `${name} not installed` }, async () => {
      await cPeer!.set('from-peregrine', 'p');
      await cPeer!.sadd('ps', 'a', 'b');
      await cOther!.call('replicaof', '127.0.0.1', String(peer!.port));
      await linkUp(cOther!);
      assert.equal(await cOther!.get('from-peregrine'), 'p');
      assert.deepEqual((await cOther!.smembers('ps')).sort(), ['a', 'b']);
      await cPeer!.incr('m');
      await waitFor(async () => (await cOther!.get('m')) === '1', `the stream to ${name}`);
      await cOther!.call('replicaof', 'no', 'one');
    });
  });
}

/** An RDB snapshot made by a real server holding `key` = `val` (RDB `version` when given). */
async function snapshotWith(key: string, val: string, version?: number): Promise<Buffer> {
  const src = await startServer({});
  const cs = new Valkey({ port: src.port });
  await cs.set(key, val);
  const rdb = Buffer.concat(serializeSync(src.server, version === undefined ? saveOptions(src.server) : saveOptions(src.server, [], version), 0));
  cs.disconnect();
  await src.close();
  return rdb;
}

/** A scripted primary on a free port: `onCommand` answers each command the replica sends. */
async function fakePrimary(onCommand: (sock: net.Socket, argv: Buffer[]) => void): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer((sock) => {
    const parser = new RespParser({ maxBulkLen: 1 << 20, authenticated: true });
    sock.on('data', (d) => {
      parser.feed(d);
      let argv: Buffer[] | null;
      while ((argv = parser.next()) !== null) onCommand(sock, argv);
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  return { server, port: (server.address() as net.AddressInfo).port };
}

describe('the handshake, against a scripted primary', () => {
  test('commands sent, keep-alives, bulk framing with the stream right behind, GETACK', async () => {
    // A snapshot with one key, made by a real server.
    const rdb = await snapshotWith('from-rdb', 'yes');
    const SET = Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1\r\n1\r\n');
    const GETACK = Buffer.from('*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n');
    const replid = 'a'.repeat(40);
    const seen: string[][] = [];
    const acks: string[] = [];
    const { server: fake, port } = await fakePrimary((sock, argv) => {
      const a = argv.map((b) => b.toString());
      seen.push(a);
      const name = a[0]!.toUpperCase();
      if (name === 'PING') sock.write('-NOAUTH Authentication required.\r\n');
      else if (name === 'AUTH') sock.write('+OK\r\n');
      else if (name === 'REPLCONF' && a[1]!.toLowerCase() === 'version') sock.write('-ERR Unrecognized REPLCONF option: version\r\n');
      else if (name === 'REPLCONF' && a[1]!.toUpperCase() === 'ACK') acks.push(a[2]!);
      else if (name === 'REPLCONF') sock.write('+OK\r\n');
      else if (name === 'PSYNC') {
        sock.write(`\n+FULLRESYNC ${replid} 100\r\n`);
        sock.write(Buffer.concat([Buffer.from(`\n\n$${rdb.length}\r\n`), rdb, SET, GETACK]));
      }
    });
    const r = await startServer({ config: { masteruser: 'u', masterauth: 'p w' } });
    const cr = new Valkey({ port: r.port });
    try {
      await cr.call('replicaof', '127.0.0.1', String(port));
      await waitFor(() => acks.length >= 2, 'two ACKs');
      // One when the sync is done, one answering GETACK (counting the bytes before it).
      assert.deepEqual(acks.slice(0, 2), ['100', String(100 + SET.length)]);
      assert.deepEqual(seen.slice(0, 6), [
        ['PING'], ['AUTH', 'u', 'p w'], ['REPLCONF', 'listening-port', String(r.port)],
        ['REPLCONF', 'capa', 'eof', 'capa', 'psync2'], ['REPLCONF', 'version', seen[4]![2]!], ['PSYNC', '?', '-1'],
      ]);
      await linkUp(cr);
      assert.equal(await cr.get('from-rdb'), 'yes');
      assert.equal(await cr.get('x'), '1');
      assert.equal(await info(cr, 'master_replid'), replid);
      assert.equal(Number(await info(cr, 'slave_repl_offset')), 100 + SET.length + GETACK.length);
    } finally {
      cr.disconnect();
      await r.close();
      await new Promise<void>((res) => fake.close(() => res()));
    }
  });
});

describe('role change during CLIENT PAUSE', () => {
  test('a replica promoted while paused expires keys again once the pause ends', async () => {
    const x = await pair();
    try {
      await x.cr.call('replicaof', '127.0.0.1', String(x.p.port));
      await linkUp(x.cr);
      await x.cr.call('client', 'pause', '100000', 'write');
      await x.cr.call('replicaof', 'no', 'one');
      await x.cr.call('client', 'unpause');
      await x.cr.set('short-lived', 'v', 'PX', 30);
      await sleep(80);
      await waitFor(async () => Number(await x.cr.dbsize()) === 0, 'the key to be expired and deleted', 3000);
    } finally {
      await closePair(x);
    }
  });
});

describe('a primary without PSYNC', () => {
  test('PSYNC refused with -ERR: the replica falls back to SYNC', async () => {
    const rdb = await snapshotWith('old-style', '1', 11);
    const seen: string[] = [];
    const { server: fake, port } = await fakePrimary((sock, argv) => {
      const name = argv[0]!.toString().toUpperCase();
      seen.push(name);
      if (name === 'PSYNC') sock.write("-ERR unknown command 'PSYNC'\r\n");
      else if (name === 'SYNC') sock.write(Buffer.concat([Buffer.from(`$${rdb.length}\r\n`), rdb, Buffer.from('*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n')]));
      else if (name !== 'REPLCONF' || argv[1]!.toString().toUpperCase() !== 'ACK') sock.write('+OK\r\n');
    });
    const r = await startServer({});
    const cr = new Valkey({ port: r.port });
    try {
      await cr.call('replicaof', '127.0.0.1', String(port));
      await linkUp(cr);
      assert.equal(await cr.get('old-style'), '1');
      await waitFor(async () => (await cr.get('n')) === '1', 'the stream after SYNC');
      assert.ok(seen.includes('SYNC'));
    } finally {
      cr.disconnect();
      await r.close();
      await new Promise<void>((res) => fake.close(() => res()));
    }
  });
});

describe('a large snapshot', () => {
  for (const diskless of ['yes', 'no']) {
    test(`arrives in many chunks (repl-diskless-sync ${diskless})`, async () => {
      const x = await pair({ 'repl-diskless-sync': diskless });
      try {
        const value = 'v'.repeat(200);
        for (let b = 0; b < 10; b++) {
          const pl = x.cp.pipeline();
          for (let i = 0; i < 2000; i++) pl.set(`big:${b}:${i}`, value);
          await pl.exec();
        }
        await x.cr.call('replicaof', '127.0.0.1', String(x.p.port));
        await linkUp(x.cr);
        assert.equal(await x.cr.dbsize(), 20000);
        assert.equal(await x.cr.get('big:9:1999'), value);
        await x.cp.set('after', 'big');
        await caughtUp(x.cp, x.cr);
        assert.equal(await x.cr.get('after'), 'big');
      } finally {
        await closePair(x);
      }
    });
  }
});

describe('restart of a replica', () => {
  test('the replication info of its RDB allows a partial resync', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-replica-'));
    const p = await startServer({ config: { 'repl-diskless-sync-delay': '0' } });
    const cp = new Valkey({ port: p.port });
    let r = await startServer({ config: { dir, replicaof: `127.0.0.1 ${p.port}` } });
    let cr = new Valkey({ port: r.port });
    try {
      await cp.set('before', '1');
      await cp.call('select', '4');
      await cp.set('db4', 'x');
      await linkUp(cr);
      await caughtUp(cp, cr);
      assert.equal(await cr.call('save'), 'OK');
      cr.disconnect();
      await r.close();
      await cp.set('while-down', 'y'); // still db 4: the stream has no SELECT for it
      const logs: string[] = [];
      r = await startServer({ config: { dir, replicaof: `127.0.0.1 ${p.port}`, loglevel: 'notice' }, logSink: (l) => logs.push(l) });
      cr = new Valkey({ port: r.port });
      await linkUp(cr);
      await caughtUp(cp, cr);
      assert.ok(logs.some((l) => l.includes('Successful partial resynchronization with primary.')), 'partial resync');
      await cr.call('select', '4');
      assert.equal(await cr.get('while-down'), 'y');
      assert.equal(await cr.get('db4'), 'x');
      await cr.call('select', '0');
      assert.equal(await cr.get('before'), '1');
    } finally {
      cr.disconnect(); cp.disconnect();
      await r.close(); await p.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('chained replication', () => {
  test('a replica serves its own replica with the same replid and offsets', async () => {
    const a = await startServer({ config: { 'repl-diskless-sync-delay': '0' } });
    const b = await startServer({ config: { 'repl-diskless-sync-delay': '0' } });
    const c = await startServer({});
    const ca = new Valkey({ port: a.port });
    const cb = new Valkey({ port: b.port });
    const cc = new Valkey({ port: c.port });
    try {
      await ca.set('k', 'v');
      await ca.call('select', '2');
      await ca.set('in2', 'two');
      await cb.call('replicaof', '127.0.0.1', String(a.port));
      await linkUp(cb);
      await cc.call('replicaof', '127.0.0.1', String(b.port));
      await linkUp(cc);
      assert.equal(await cc.get('k'), 'v');
      await ca.set('in2-after', 'x'); // still in db 2: no SELECT in the stream
      await ca.call('select', '0');
      await ca.incr('n');
      await ca.multi().incr('n').incr('n').exec();
      await caughtUp(ca, cc);
      assert.equal(await cc.get('n'), '3');
      await cc.call('select', '2');
      assert.equal(await cc.get('in2'), 'two');
      assert.equal(await cc.get('in2-after'), 'x');
      assert.equal(await info(cc, 'master_replid'), await info(ca, 'master_replid'));
      assert.equal(await info(cb, 'connected_slaves'), '1');
      assert.equal(await info(cc, 'slave_repl_offset'), await info(ca, 'master_repl_offset'));
      assert.equal(await cb.call('wait', '1', '0').catch((e: Error) => e.message.slice(0, 30)), 'ERR WAIT cannot be used with r');
    } finally {
      ca.disconnect(); cb.disconnect(); cc.disconnect();
      await c.close(); await b.close(); await a.close();
    }
  });

  test('a replica whose link is down refuses SYNC with NOMASTERLINK', async () => {
    const b = await startServer({});
    const cb = new Valkey({ port: b.port });
    try {
      await cb.call('replicaof', '127.0.0.1', '1');
      assert.equal(await err(cb.call('psync', '?', '-1')), "NOMASTERLINK Can't SYNC while not connected with my master");
    } finally {
      cb.disconnect();
      await b.close();
    }
  });
});
