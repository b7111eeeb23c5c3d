// MIGRATE: an in-process source server moving keys to a target server run as a child process
// (MIGRATE blocks the source's process while it waits for the target, as Valkey blocks its server,
// so the target must not share the process).
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn } from '../bench/resp.js';
import { attach, type ReplStream } from './repl-stream.js';
import { err } from './helpers.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

let src: RunningServer;
let r: Valkey;
let target: ChildProcess;
let targetDir: string;
let tport: number;
let t: Valkey;
const extra: Array<{ close(): void }> = [];

/** Starts `node dist/src/cli.js` on a free port; resolves with the port once it listens. */
function spawnTarget(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(process.execPath, [CLI, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--enable-debug-command', 'yes'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /Running mode=standalone, port=(\d+)/.exec(buf);
      if (m) resolve({ proc, port: Number(m[1]) });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.on('exit', () => reject(new Error(`target exited: ${buf}`)));
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((res) => s.listen(0, '127.0.0.1', res));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise<void>((res) => s.close(() => res()));
  return p;
}

async function cachedSockets(): Promise<number> {
  const info = await r.call('info', 'stats') as string;
  return Number(/migrate_cached_sockets:(\d+)/.exec(info)![1]);
}

before(async () => {
  src = await startServer({ config: { 'repl-ping-replica-period': '3600' } });
  r = new Valkey({ port: src.port, lazyConnect: false });
  targetDir = mkdtempSync(join(tmpdir(), 'peregrine-migrate-'));
  const tg = await spawnTarget(targetDir);
  target = tg.proc;
  tport = tg.port;
  t = new Valkey({ host: '127.0.0.1', port: tport, lazyConnect: false });
});

after(async () => {
  for (const x of extra) x.close();
  r.disconnect();
  t.disconnect();
  await src.close();
  target.kill('SIGKILL');
  rmSync(targetDir, { recursive: true, force: true });
});

beforeEach(async () => {
  await r.call('flushall');
  await t.call('config', 'set', 'requirepass', '');
  await t.call('flushall');
});

describe('MIGRATE', () => {
  test('argument errors, and NOKEY when no key exists', async () => {
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'nokey', '0', '1000'), 'NOKEY');
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), '', '0', '1000', 'KEYS', 'a', 'b'), 'NOKEY');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0', '1000', 'bogus')), 'ERR syntax error');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0', '1000', 'AUTH')), 'ERR syntax error');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0', '1000', 'AUTH2', 'u')), 'ERR syntax error');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0', '1000', 'KEYS', 'a')),
      'ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0', 'soon')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', 'db', '10')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('migrate', 'h', '1', 'k', '0')), "ERR wrong number of arguments for 'migrate' command");
  });

  test('moves a key with its TTL to the chosen database; replicated as DEL', async () => {
    const repl: ReplStream = (await attach(src.port)).stream;
    extra.push(repl);
    await r.call('set', 'key', 'Some Value', 'PX', '100000');
    await r.call('rpush', 'list', 'a', 'b', 'c');
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'key', '3', '5000'), 'OK');
    assert.equal(await r.call('exists', 'key'), 0);
    await t.call('select', '3');
    assert.equal(await t.call('get', 'key'), 'Some Value');
    const pttl = await t.call('pttl', 'key') as number;
    assert.ok(pttl > 90000 && pttl <= 100000, `pttl ${pttl}`);
    assert.equal(await t.call('ttl', 'list'), -2);
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'list', '3', '5000'), 'OK');
    assert.deepEqual(await t.call('lrange', 'list', '0', '-1'), ['a', 'b', 'c']);
    assert.equal(await t.call('ttl', 'list'), -1);
    await t.call('select', '0');
    const got = await repl.commands(4);
    assert.equal(got[0], 'select 0');
    assert.ok(got[1]!.startsWith('set key Some Value PXAT '), got[1]);
    assert.deepEqual(got.slice(2), ['rpush list a b c', 'del key']);
    assert.deepEqual(await repl.next(), ['del', 'list']);
  });

  test('COPY keeps the key; an existing target key is an error unless REPLACE', async () => {
    await r.call('rpush', 'list', 'x', 'y');
    await t.call('set', 'list', 'somevalue');
    const e = await err(r.call('migrate', '127.0.0.1', String(tport), 'list', '0', '5000', 'COPY'));
    assert.equal(e, 'ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'list', '0', '5000', 'copy', 'replace'), 'OK');
    assert.deepEqual(await r.call('lrange', 'list', '0', '-1'), ['x', 'y']);
    assert.deepEqual(await t.call('lrange', 'list', '0', '-1'), ['x', 'y']);
    // REPLACE without COPY moves it over the existing value.
    await r.call('set', 'list', 'new');
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'list', '0', '5000', 'REPLACE'), 'OK');
    assert.equal(await t.call('get', 'list'), 'new');
    assert.equal(await r.call('exists', 'list'), 0);
  });

  test('KEYS: only existing keys are sent, and only the ones the target took are deleted', async () => {
    await r.call('mset', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
    await t.call('mset', 'c', '_', 'd', '_');
    const e = await err(r.call('migrate', '127.0.0.1', String(tport), '', '0', '5000', 'KEYS', 'nokey', 'a', 'b', 'c', 'd', 'e'));
    assert.equal(e, 'ERR Target instance replied with error: BUSYKEY Target key name already exists.');
    assert.deepEqual((await r.call('keys', '*') as string[]).sort(), ['c', 'd']);
    assert.deepEqual(await t.call('mget', 'a', 'b', 'c', 'd', 'e'), ['1', '2', '_', '_', '5']);
  });

  test('AUTH and AUTH2: the target authenticates first; its error is passed on', async () => {
    await t.call('config', 'set', 'requirepass', 'foobar');
    await t.call('auth', 'foobar');
    // The cached connection was authenticated before the password was set: drop it.
    await t.call('client', 'kill', 'type', 'normal', 'skipme', 'yes');
    await r.call('lpush', 'list', 'a', 'b');
    const e = await err(r.call('migrate', '127.0.0.1', String(tport), 'list', '0', '5000'));
    assert.match(e, /^ERR Target instance replied with error: NOAUTH /);
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'list', '0', '5000', 'AUTH', 'foobar'), 'OK');
    assert.deepEqual(await t.call('lrange', 'list', '0', '-1'), ['b', 'a']);
    await r.call('set', 'k', 'v');
    // On a new connection (the cached one is authenticated already, and a failed AUTH would not
    // change that: the RESTORE would succeed, yet the reply is the AUTH error, as in Valkey).
    await t.call('client', 'kill', 'type', 'normal', 'skipme', 'yes');
    assert.match(await err(r.call('migrate', '127.0.0.1', String(tport), 'k', '0', '5000', 'AUTH', 'wrong')),
      /^ERR Target instance replied with error: WRONGPASS /);
    assert.equal(await r.call('exists', 'k'), 1);
    assert.equal(await t.call('exists', 'k'), 0);
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'k', '0', '5000', 'AUTH2', 'default', 'foobar'), 'OK');
    assert.equal(await t.call('get', 'k'), 'v');
  });

  test('credentials are redacted in MONITOR and the slow log', async () => {
    const m = await RawConn.connect(src.port);
    extra.push(m);
    assert.equal(await m.call('MONITOR'), 'OK');
    await r.call('config', 'set', 'slowlog-log-slower-than', '0');
    await r.call('slowlog', 'reset');
    await r.call('migrate', '127.0.0.1', String(tport), 'key', '9', '5000');
    await r.call('migrate', '127.0.0.1', String(tport), 'key', '9', '5000', 'AUTH', 'user');
    await r.call('migrate', '127.0.0.1', String(tport), 'key', '9', '5000', 'AUTH2', 'user', 'password');
    await r.call('config', 'set', 'slowlog-log-slower-than', '10000');
    const lines: string[] = [];
    while (lines.length < 3) lines.push(await m.raw());
    const text = lines.join('');
    assert.match(text, /"migrate" "127\.0\.0\.1" "\d+" "key" "9" "5000"\r\n/);
    assert.match(text, /"migrate" "127\.0\.0\.1" "\d+" "key" "9" "5000" "AUTH" "\(redacted\)"\r\n/);
    assert.match(text, /"migrate" "127\.0\.0\.1" "\d+" "key" "9" "5000" "AUTH2" "\(redacted\)" "\(redacted\)"\r\n/);
    assert.ok(!text.includes('password') && !text.includes('"user"'));
    const log = await r.call('slowlog', 'get') as Array<[number, number, number, string[]]>;
    const args = log.map((e) => e[3].slice(3).join(' '));
    assert.ok(args.includes('key 9 5000 AUTH2 (redacted) (redacted)'), JSON.stringify(args));
    assert.ok(args.includes('key 9 5000 AUTH (redacted)'), JSON.stringify(args));
  });

  test('connection failures and timeouts are IOERR', async () => {
    await r.call('set', 'k', 'v');
    assert.equal(await err(r.call('migrate', '127.0.0.1', String(await closedPort()), 'k', '0', '1000')),
      'IOERR error or timeout connecting to the client');
    // The target is busy for longer than the timeout.
    const busy = new Valkey({ host: '127.0.0.1', port: tport, lazyConnect: false });
    await busy.ping();
    const sleeping = busy.call('debug', 'sleep', '1');
    await sleep(100);
    const t0 = Date.now();
    assert.equal(await err(r.call('migrate', '127.0.0.1', String(tport), 'k', '0', '300')),
      'IOERR error or timeout reading to target instance');
    assert.ok(Date.now() - t0 < 900, `took ${Date.now() - t0} ms`);
    await sleeping;
    busy.disconnect();
    assert.equal(await r.call('get', 'k'), 'v');
    // Migrating to this very server cannot work: it does nothing else while it waits.
    assert.equal(await err(r.call('migrate', '127.0.0.1', String(src.port), 'k', '0', '200')),
      'IOERR error or timeout reading to target instance');
    assert.equal(await r.call('get', 'k'), 'v');
  });

  test('connections are cached per host:port, reused, and reopened when the target dropped them', async () => {
    // Start without a live connection to the target (a cached one it closed is replaced).
    await t.call('client', 'kill', 'type', 'normal', 'skipme', 'yes');
    await r.call('mset', 'a', '1', 'b', '2', 'c', '3');
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'a', '5', '1000'), 'OK');
    assert.equal(await cachedSockets(), 1);
    const restoring = () => t.call('client', 'list').then((l) => (l as string).split('\n').filter((x) => / cmd=restore /.test(x)));
    assert.equal((await restoring()).length, 1);
    // Same connection (its database is still selected).
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'b', '5', '1000'), 'OK');
    assert.equal((await restoring()).length, 1);
    assert.equal(await cachedSockets(), 1);
    // The target closes it: the next MIGRATE reconnects (and selects the database again).
    await t.call('client', 'kill', 'type', 'normal', 'skipme', 'yes');
    await sleep(50);
    assert.equal(await r.call('migrate', '127.0.0.1', String(tport), 'c', '5', '1000'), 'OK');
    await t.call('select', '5');
    assert.deepEqual(await t.call('mget', 'a', 'b', 'c'), ['1', '2', '3']);
    await t.call('select', '0');
    assert.equal(await cachedSockets(), 1);
    assert.equal((await restoring()).length, 1);
  });
});
