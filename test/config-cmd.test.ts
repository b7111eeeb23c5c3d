// CONFIG GET / SET / RESETSTAT / REWRITE / HELP, plus MEMORY, TIME, LASTSAVE and FUNCTION FLUSH,
// over a real socket.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { RawConn } from '../bench/resp.js';

let srv: RunningServer;
let r: Valkey;
const dir = mkdtempSync(join(tmpdir(), 'peregrine-config-cmd-'));

serverForFile({}, (s, c) => { srv = s; r = c; });
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const pairs = (a: unknown) => {
  const arr = a as string[];
  const m = new Map<string, string>();
  for (let i = 0; i < arr.length; i += 2) m.set(arr[i]!, arr[i + 1]!);
  return m;
};

describe('CONFIG GET', () => {
  test('exact names, globs, aliases, no duplicates', async () => {
    assert.deepEqual(await r.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '0']);
    const m = pairs(await r.call('CONFIG', 'GET', 'maxmemory', 'maxmemory*', 'bind', '*of'));
    assert.equal(m.get('maxmemory'), '0');
    assert.ok(m.has('maxmemory-samples') && m.has('maxmemory-clients') && m.has('maxmemory-policy'));
    assert.ok(m.has('slaveof') && m.has('replicaof'));
    assert.equal(m.get('bind'), '127.0.0.1');
    assert.equal((await r.call('CONFIG', 'GET', 'maxmemory', 'maxmemory*') as string[]).filter((x) => x === 'maxmemory').length, 1);
  });

  test('unknown names give an empty reply; case-insensitive patterns', async () => {
    assert.deepEqual(await r.call('CONFIG', 'GET', 'no-such-config'), []);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'MAXMEMORY'), ['MAXMEMORY', '0']);
  });

  test('hidden configs only by exact name', async () => {
    const all = pairs(await r.call('CONFIG', 'GET', '*'));
    assert.ok(!all.has('key-load-delay'));
    assert.ok(pairs(await r.call('CONFIG', 'GET', 'key-load-delay')).has('key-load-delay'));
  });

  test('arity is checked by the dispatcher', async () => {
    await assert.rejects(r.call('CONFIG', 'GET'), /wrong number of arguments for 'config\|get' command/);
  });

  test('RESP3 reply is a map', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.call('HELLO', '3');
      await c.write('*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$2\r\nhz\r\n');
      assert.equal(await c.raw(), '%1\r\n$2\r\nhz\r\n$2\r\n10\r\n');
    } finally { c.close(); }
  });
});

describe('CONFIG SET', () => {
  test('one and several parameters', async () => {
    assert.equal(await r.call('CONFIG', 'SET', 'maxmemory-samples', '7'), 'OK');
    assert.deepEqual(await r.call('CONFIG', 'GET', 'maxmemory-samples'), ['maxmemory-samples', '7']);
    assert.equal(await r.call('CONFIG', 'SET', 'maxmemory', '10000001', 'repl-backlog-size', '10000002', 'save', '3000 5'), 'OK');
    const m = pairs(await r.call('CONFIG', 'GET', 'maxmemory', 'repl-backlog-size', 'save'));
    assert.equal(m.get('maxmemory'), '10000001');
    assert.equal(m.get('repl-backlog-size'), '10000002');
    assert.equal(m.get('save'), '3000 5');
    await r.call('CONFIG', 'SET', 'maxmemory', '0', 'maxmemory-samples', '5');
  });

  test('the change reaches the running server (apply hooks)', async () => {
    await r.call('CONFIG', 'SET', 'maxmemory', '2mb');
    assert.equal(srv.server.maxmemory, 2 * 1024 * 1024);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '1234');
    assert.equal(srv.server.slowlog.threshold, 1234);
    await r.call('CONFIG', 'SET', 'maxmemory', '0', 'slowlog-log-slower-than', '10000');
    assert.equal(srv.server.maxmemory, 0);
  });

  test('odd argument count is a syntax error', async () => {
    await assert.rejects(r.call('CONFIG', 'SET', 'maxmemory', '1', 'hz'), /^ReplyError: ERR syntax error$/);
  });

  test('errors: unknown, immutable, duplicate, bad value with rollback', async () => {
    await assert.rejects(r.call('CONFIG', 'SET', 'nosuch', '1'),
      /ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'/);
    await assert.rejects(r.call('CONFIG', 'SET', 'daemonize', 'yes'), /ERR CONFIG SET failed \(possibly related to argument 'daemonize'\) - can't set immutable config/);
    await assert.rejects(r.call('CONFIG', 'SET', 'maxmemory', '1', 'maxmemory', '2'), /duplicate parameter/);
    await r.call('CONFIG', 'SET', 'maxmemory', '10000002');
    await assert.rejects(r.call('CONFIG', 'SET', 'maxmemory', '10000001', 'maxmemory-clients', '200%', 'client-query-buffer-limit', 'invalid'),
      /^ReplyError: ERR CONFIG SET failed \(possibly related to argument 'maxmemory-clients'\) - percentage argument must be less or equal to 100$/);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '10000002']);
    await r.call('CONFIG', 'SET', 'maxmemory', '0');
  });

  test('values of sensitive parameters are redacted from the slow log', async () => {
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '0');
    await r.call('CONFIG', 'SET', 'masterauth', 'topsecret', 'maxmemory-samples', '5');
    const entry = srv.server.slowlog.entries.find((e) => e.args.some((a) => a.toString() === 'masterauth'))!;
    assert.deepEqual(entry.args.map((a) => a.toString()),
      ['CONFIG', 'SET', 'masterauth', '(redacted)', 'maxmemory-samples', '5']);
    await r.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000', 'masterauth', '');
    assert.deepEqual(await r.call('CONFIG', 'GET', 'masterauth'), ['masterauth', '']);
  });

  test('latency-tracking-info-percentiles validates values', async () => {
    const before = await r.call('CONFIG', 'GET', 'latency-tracking-info-percentiles');
    await assert.rejects(r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '10.0 50.0 a'), /ERR CONFIG SET failed/);
    await assert.rejects(r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '10.0 50.0 101.0'), /ERR CONFIG SET failed/);
    assert.deepEqual(await r.call('CONFIG', 'GET', 'latency-tracking-info-percentiles'), before);
  });
});

describe('CONFIG SET port / bind', () => {
  /** A port nothing listens on right now. */
  async function freePort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
    const p = (s.address() as net.AddressInfo).port;
    await new Promise<void>((res) => s.close(() => res()));
    return p;
  }
  async function ping(p: number): Promise<string> {
    const c = await RawConn.connect(p);
    try { return await c.call('PING') as string; } finally { c.close(); }
  }
  async function refused(p: number): Promise<boolean> {
    return new Promise((res) => {
      const s = net.connect(p, '127.0.0.1');
      s.once('connect', () => { s.destroy(); res(false); });
      s.once('error', () => res(true));
    });
  }

  test('a system-picked port is what CONFIG GET port reports', async () => {
    assert.deepEqual(await r.call('CONFIG', 'GET', 'port'), ['port', String(srv.port)]);
  });

  test('the server moves to the new port at once; connected clients stay', async () => {
    const s = await startServer();
    const c = new Valkey({ port: s.port, lazyConnect: false, retryStrategy: () => null });
    try {
      const old = s.port;
      const p = await freePort();
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(p)), 'OK');
      assert.equal(await ping(p), 'PONG');
      assert.ok(await refused(old));
      assert.equal(await c.call('PING'), 'PONG');
      assert.match(await c.call('INFO', 'server') as string, new RegExp(`\r\ntcp_port:${p}\r\n`));
      // Port 0: no TCP listener at all (as in Valkey).
      assert.equal(await c.call('CONFIG', 'SET', 'port', '0'), 'OK');
      assert.ok(await refused(p));
      assert.equal(await c.call('CONFIG', 'SET', 'port', String(old)), 'OK');
      assert.equal(await ping(old), 'PONG');
    } finally {
      c.disconnect();
      await s.close();
    }
  });

  test('a port in use fails and rolls the whole CONFIG SET back; the old port keeps working', async () => {
    const busy = net.createServer();
    await new Promise<void>((res) => busy.listen(0, '127.0.0.1', res));
    const used = (busy.address() as net.AddressInfo).port;
    const lines: string[] = [];
    const s = await startServer({ logSink: (l) => lines.push(l) });
    const c = new Valkey({ port: s.port, lazyConnect: false, retryStrategy: () => null });
    try {
      await assert.rejects(
        c.call('CONFIG', 'SET', 'maxmemory', '10000001', 'port', String(used), 'client-query-buffer-limit', '10m'),
        { message: "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs." },
      );
      assert.deepEqual(await c.call('CONFIG', 'GET', 'maxmemory', 'port', 'client-query-buffer-limit'),
        ['maxmemory', '0', 'port', String(s.port), 'client-query-buffer-limit', '1073741824']);
      assert.ok(lines.some((l) => l.includes(`Could not create server TCP listening socket 127.0.0.1:${used}: Address already in use`)));
      assert.equal(await ping(s.port), 'PONG');
      assert.equal(await c.call('PING'), 'PONG');
    } finally {
      c.disconnect();
      await s.close();
      await new Promise<void>((res) => busy.close(() => res()));
    }
  });

  test('bind: new addresses listen at once; a bad one is refused and the old ones stay', async () => {
    const s = await startServer();
    const c = new Valkey({ port: s.port, lazyConnect: false, retryStrategy: () => null });
    try {
      await assert.rejects(c.call('CONFIG', 'SET', 'bind', '999.999.999.999'),
        { message: "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses." });
      assert.deepEqual(await c.call('CONFIG', 'GET', 'bind'), ['bind', '127.0.0.1']);
      assert.equal(await ping(s.port), 'PONG');
      // An optional address this host does not have is skipped.
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1 -10.255.255.254'), 'OK');
      assert.equal(await ping(s.port), 'PONG');
      // No address: no TCP listener.
      assert.equal(await c.call('CONFIG', 'SET', 'bind', ''), 'OK');
      assert.ok(await refused(s.port));
      assert.equal(await c.call('CONFIG', 'SET', 'bind', '127.0.0.1'), 'OK');
      assert.equal(await ping(s.port), 'PONG');
    } finally {
      c.disconnect();
      await s.close();
    }
  });
});

describe('CONFIG RESETSTAT', () => {
  test('clears server, keyspace, command and error statistics', async () => {
    await r.call('SET', 'k', 'v');
    await r.call('GET', 'k');
    await r.call('GET', 'nokey');
    await assert.rejects(r.call('GET'), /wrong number/);
    assert.equal(await r.call('CONFIG', 'RESETSTAT'), 'OK');
    const stats = await r.call('INFO', 'stats') as string;
    assert.match(stats, /keyspace_hits:0\r\n/);
    assert.match(stats, /keyspace_misses:0\r\n/);
    assert.match(stats, /total_error_replies:0\r\n/);
    assert.match(stats, /total_commands_processed:1\r\n/);
    assert.equal(await r.call('INFO', 'errorstats'), '# Errorstats\r\n');
    const cs = await r.call('INFO', 'commandstats') as string;
    assert.ok(!cs.includes('cmdstat_get:'));
    assert.match(cs, /cmdstat_config\|resetstat:calls=1,/);
  });
});

describe('CONFIG REWRITE and HELP', () => {
  test('without a config file', async () => {
    await assert.rejects(r.call('CONFIG', 'REWRITE'), /^ReplyError: ERR The server is running without a config file$/);
  });

  test('rewrites the file the server started with', async () => {
    const file = join(dir, 'valkey.conf');
    writeFileSync(file, '# my settings\nmaxmemory-samples 3\n');
    const s2 = await startServer({ configFile: file });
    const c2 = new Valkey({ port: s2.port, lazyConnect: false });
    try {
      await c2.call('CONFIG', 'SET', 'maxmemory-samples', '9', 'hz', '20');
      assert.equal(await c2.call('CONFIG', 'REWRITE'), 'OK');
      const text = readFileSync(file, 'utf8');
      assert.match(text, /^# my settings$/m);
      assert.match(text, /^maxmemory-samples 9$/m);
      assert.match(text, /^hz 20$/m);
    } finally {
      c2.disconnect();
      await s2.close();
    }
  });

  test('HELP lists the subcommands', async () => {
    const help = await r.call('CONFIG', 'HELP') as string[];
    assert.equal(help[0], 'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('RESETSTAT') && help.includes('REWRITE'));
    assert.equal(help[help.length - 2], 'HELP');
    assert.equal(help[help.length - 1], '    Print this help.');
    await assert.rejects(r.call('CONFIG', 'NOPE'), /ERR unknown subcommand 'NOPE'. Try CONFIG HELP./);
  });
});

describe('MEMORY', () => {
  test('USAGE of strings grows with the value; absent keys give nil', async () => {
    await r.call('SET', 'small', 'x');
    await r.call('SET', 'big', 'x'.repeat(20000));
    const small = Number(await r.call('MEMORY', 'USAGE', 'small'));
    const big = Number(await r.call('MEMORY', 'USAGE', 'big'));
    assert.ok(small > 0 && small < 200, String(small));
    assert.ok(big > 20000, String(big));
    assert.equal(await r.call('MEMORY', 'USAGE', 'nokey'), null);
    assert.equal(Number(await r.call('MEMORY', 'USAGE', 'small', 'SAMPLES', '0')), small);
  });

  test('USAGE option errors', async () => {
    await assert.rejects(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES', '-1'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES', 'x'), /not an integer/);
    await assert.rejects(r.call('MEMORY', 'USAGE', 'small', 'FOO'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('MEMORY', 'USAGE', 'small', 'SAMPLES'), /^ReplyError: ERR syntax error$/);
  });

  test('STATS has Valkey\'s fields, with a db.N map per non-empty database', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'a', 'b');
    const flat = await r.call('MEMORY', 'STATS') as unknown[];
    const keys = flat.filter((_, i) => i % 2 === 0) as string[];
    for (const k of ['peak.allocated', 'total.allocated', 'startup.allocated', 'replication.backlog', 'clients.slaves',
      'clients.normal', 'cluster.links', 'aof.buffer', 'lua.caches', 'functions.caches', 'db.0',
      'overhead.db.hashtable.lut', 'overhead.db.hashtable.rehashing', 'overhead.total', 'db.dict.rehashing.count',
      'keys.count', 'keys.bytes-per-key', 'dataset.bytes', 'dataset.percentage', 'peak.percentage',
      'allocator.allocated', 'allocator.active', 'allocator.resident', 'allocator.muzzy',
      'allocator-fragmentation.ratio', 'allocator-fragmentation.bytes', 'allocator-rss.ratio', 'allocator-rss.bytes',
      'rss-overhead.ratio', 'rss-overhead.bytes', 'fragmentation', 'fragmentation.bytes']) {
      assert.ok(keys.includes(k), k);
    }
    assert.equal(keys.length, 32);
    assert.equal(flat[keys.indexOf('keys.count') * 2 + 1], 1);
    assert.deepEqual((flat[keys.indexOf('db.0') * 2 + 1] as unknown[]).filter((_, i) => i % 2 === 0),
      ['overhead.hashtable.main', 'overhead.hashtable.expires']);
    assert.equal(flat[keys.indexOf('db.dict.rehashing.count') * 2 + 1], 0);
  });

  test('DOCTOR, MALLOC-STATS, PURGE, HELP', async () => {
    assert.equal(typeof await r.call('MEMORY', 'DOCTOR'), 'string');
    assert.match(await r.call('MEMORY', 'MALLOC-STATS') as string, /heap/);
    assert.equal(await r.call('MEMORY', 'PURGE'), 'OK');
    const help = await r.call('MEMORY', 'HELP') as string[];
    assert.equal(help[0], 'MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('USAGE <key> [SAMPLES <count>]'));
  });
});

describe('TIME, LASTSAVE, FUNCTION FLUSH', () => {
  test('TIME is [seconds, microseconds] close to the local clock', async () => {
    const [sec, usec] = await r.call('TIME') as string[];
    assert.ok(Math.abs(Number(sec) - Date.now() / 1000) < 5);
    assert.ok(Number(usec) >= 0 && Number(usec) < 1000000);
    assert.match(usec!, /^\d+$/);
  });

  test('LASTSAVE is a unix time in seconds', async () => {
    const t = Number(await r.call('LASTSAVE'));
    assert.ok(t > 1600000000 && t <= Date.now() / 1000 + 1);
  });

  test('FUNCTION FLUSH accepts SYNC and ASYNC only', async () => {
    assert.equal(await r.call('FUNCTION', 'FLUSH'), 'OK');
    assert.equal(await r.call('FUNCTION', 'FLUSH', 'sync'), 'OK');
    assert.equal(await r.call('FUNCTION', 'FLUSH', 'ASYNC'), 'OK');
    await assert.rejects(r.call('FUNCTION', 'FLUSH', 'later'), /^ReplyError: ERR FUNCTION FLUSH only supports SYNC\|ASYNC option$/);
    await assert.rejects(r.call('FUNCTION', 'FLUSH', 'sync', 'x'),
      /^ReplyError: ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.$/);
  });
});
