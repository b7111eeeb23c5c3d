// Command propagation as seen on the replication stream: effect rewrites (absolute times,
// DEL/UNLINK), SELECT insertion, MULTI/EXEC wrapping of execution units, lazy and active expiry,
// and the Propagator API itself.
import { test, describe, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { attach, globMatch, type ReplStream } from './repl-stream.js';
import { Propagator, rewriteArg, rewriteArgv, encodeCommand, CommandStreamEncoder } from '../src/replication/propagate.js';

let srv: RunningServer;
let r: Valkey;
let repl: ReplStream | null = null;
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

serverForFile({ 'enable-debug-command': 'yes', 'repl-ping-replica-period': '3600' }, (s, c) => { srv = s; r = c; });
beforeEach(async () => {
  await r.call('select', '9');
  await r.call('flushall');
  await r.call('config', 'set', 'lazyfree-lazy-expire', 'yes');
  await r.call('config', 'set', 'lazyfree-lazy-server-del', 'yes');
});
afterEach(async () => {
  repl?.close();
  repl = null;
  await r.call('debug', 'set-active-expire', '1');
});

async function open(): Promise<ReplStream> {
  const a = await attach(srv.port);
  repl = a.stream;
  return a.stream;
}

/** Asserts the next commands of the stream match the harness-style patterns, then that nothing else follows. */
async function expectStream(s: ReplStream, patterns: string[], quietMs = 150): Promise<void> {
  const got = await s.commands(patterns.length);
  assert.equal(got.length, patterns.length, `stream so far: ${JSON.stringify(got)}`);
  patterns.forEach((p, i) => assert.ok(globMatch(p, got[i]!), `#${i}: '${got[i]}' !~ '${p}' (all: ${JSON.stringify(got)})`));
  const extra = await s.next(quietMs);
  assert.equal(extra, null, `unexpected extra command ${JSON.stringify(extra)}`);
}

describe('rewrites', () => {
  test('SET with relative or second-based expiry becomes SET ... PXAT <ms>; PXAT is kept verbatim', async () => {
    const s = await open();
    const t0 = Date.now();
    await r.call('set', 'k', 'v', 'ex', '100');
    await r.call('set', 'k', 'v', 'px', '100000');
    await r.call('set', 'k', 'v', 'exat', String(Math.floor(t0 / 1000) + 100));
    await r.call('set', 'k', 'v', 'pxat', String(t0 + 100000));
    await r.call('setex', 'k', '100', 'v');
    await r.call('psetex', 'k', '100000', 'v');
    await r.call('set', 'k', 'v', 'nx', 'ex', '100'); // not set: not propagated
    await r.call('set', 'k', 'v', 'xx', 'px', '5000', 'get');
    const got = await s.commands(8);
    assert.equal(got[0], 'select 9');
    assert.match(got[1]!, /^set k v PXAT \d{13}$/);
    const ms = Number(got[1]!.split(' ')[4]);
    assert.ok(ms >= t0 + 100000 && ms <= Date.now() + 100000);
    assert.match(got[2]!, /^set k v PXAT \d{13}$/);
    assert.equal(got[3], `set k v PXAT ${(Math.floor(t0 / 1000) + 100) * 1000}`);
    assert.equal(got[4], `set k v pxat ${t0 + 100000}`);
    assert.match(got[5]!, /^set k v PXAT \d{13}$/);
    assert.match(got[6]!, /^set k v PXAT \d{13}$/);
    assert.match(got[7]!, /^set k v PXAT \d{13}$/);
    assert.equal(await s.next(150), null);
  });

  test('SET ... GET is propagated without GET; GETSET as SET; INCRBYFLOAT as SET KEEPTTL', async () => {
    const s = await open();
    await r.call('set', 'a', '1', 'GET');
    await r.call('set', 'a', '2', 'get', 'xx', 'Get');
    await r.call('getset', 'a', '3');
    await r.call('incrbyfloat', 'f', '1.5');
    await r.call('incrbyfloat', 'f', '0.25');
    await expectStream(s, ['select 9', 'set a 1', 'set a 2 xx', 'SET a 3', 'SET f 1.5 KEEPTTL', 'SET f 1.75 KEEPTTL'].map((p) => p.replace(/^SET/, 'set')));
  });

  test('GETEX: PEXPIREAT for a TTL, PERSIST only when a TTL was removed, UNLINK for a past time, nothing plain', async () => {
    const s = await open();
    await r.call('set', 'foo', 'bar', 'EX', '100');
    await r.call('getex', 'foo', 'PERSIST');
    await r.call('getex', 'foo', 'PERSIST'); // no TTL any more: nothing
    await r.call('getex', 'foo');
    await r.call('getex', 'foo', 'px', '200000');
    await r.call('getex', 'foo', 'exat', String(Math.floor(Date.now() / 1000) - 100));
    await r.call('getex', 'missing', 'ex', '10');
    await expectStream(s, ['select 9', 'set foo bar PXAT *', 'persist foo', 'pexpireat foo *', 'unlink foo']);
  });

  test('GETDEL and DELIFEQ become DEL; a DEL of a missing key is not propagated', async () => {
    const s = await open();
    await r.call('set', 'foo', 'bar');
    await r.call('getdel', 'foo');
    await r.call('getdel', 'foo');
    await r.call('set', 'x', 'y');
    await r.call('delifeq', 'x', 'nope');
    await r.call('delifeq', 'x', 'y');
    await r.call('del', 'x');
    await expectStream(s, ['select 9', 'set foo bar', 'del foo', 'set x y', 'del x']);
  });

  test('EXPIRE family becomes PEXPIREAT; a past time deletes as UNLINK (DEL with lazyfree-lazy-expire no)', async () => {
    const s = await open();
    await r.call('set', 'k', 'v');
    await r.call('expire', 'k', '100');
    await r.call('pexpire', 'k', '200000', 'gt');
    await r.call('expireat', 'k', String(Math.floor(Date.now() / 1000) + 500));
    await r.call('expireat', 'k', String(Math.floor(Date.now() / 1000) - 100));
    await r.call('config', 'set', 'lazyfree-lazy-expire', 'no');
    await r.call('set', 'k', 'v');
    await r.call('pexpire', 'k', '-1');
    await r.call('set', 'k', 'v');
    await r.call('set', 'k', 'v', 'pxat', '1');
    await expectStream(s, ['select 9', 'set k v', 'pexpireat k *', 'pexpireat k * gt', 'pexpireat k *', 'unlink k',
      'set k v', 'del k', 'set k v', 'del k']);
  });

  test('SET EXAT / PXAT in the past on a missing key propagates nothing', async () => {
    const s = await open();
    await r.call('set', 'foo', 'bar', 'exat', String(Math.floor(Date.now() / 1000) - 100));
    await r.call('incr', 'n');
    await expectStream(s, ['select 9', 'incr n']);
  });

  test('RESTORE with a relative TTL is replicated with the absolute time and ABSTTL', async () => {
    await r.call('set', 'src', 'bar');
    const payload = await r.callBuffer('dump', 'src') as Buffer;
    const s = await open();
    await r.callBuffer('restore', 'a', '100000', payload);
    await r.callBuffer('restore', 'b', String(Date.now() + 100000), payload, 'absttl');
    await r.callBuffer('restore', 'c', '0', payload);
    const got = await s.commands(4);
    assert.equal(got[0], 'select 9');
    assert.ok(globMatch('restore a * * ABSTTL', got[1]!), got[1]);
    assert.ok(globMatch('restore b * * absttl', got[2]!), got[2]);
    assert.ok(globMatch('restore c 0 *', got[3]!), got[3]);
    assert.ok(!got[3]!.endsWith('ABSTTL'));
  });

  test('read commands and writes that change nothing are not propagated', async () => {
    const s = await open();
    await r.call('get', 'nothing');
    await r.call('set', 'k', 'v');
    await r.call('set', 'k', 'w', 'nx');
    await r.call('setnx', 'k', 'z');
    await r.call('exists', 'k');
    await r.call('expire', 'missing', '10');
    await r.call('persist', 'k');
    await r.call('append', 'k', 'x');
    await expectStream(s, ['select 9', 'set k v', 'append k x']);
  });

  test('FLUSHALL and FLUSHDB are propagated even when nothing was there', async () => {
    const s = await open();
    await r.call('flushdb');
    await r.call('flushall');
    await expectStream(s, ['select 9', 'flushdb', 'flushall']);
  });
});

describe('SELECT', () => {
  test('a SELECT precedes the first command and each change of database, and only then', async () => {
    const s = await open();
    await r.call('set', 'a', '1');
    await r.call('set', 'b', '1');
    await r.call('select', '3');
    await r.call('set', 'c', '1');
    await r.call('select', '9');
    await r.call('get', 'a');
    await r.call('incr', 'a');
    await expectStream(s, ['select 9', 'set a 1', 'set b 1', 'select 3', 'set c 1', 'select 9', 'incr a']);
  });

  test('MOVE is propagated in the source database', async () => {
    const s = await open();
    await r.call('set', 'm', '1');
    await r.call('move', 'm', '2');
    await expectStream(s, ['select 9', 'set m 1', 'move m 2']);
  });
});

describe('execution units', () => {
  test('EXEC with several writes is wrapped in MULTI/EXEC; a single write and read-only transactions are not', async () => {
    const s = await open();
    let tx = r.multi();
    tx.set('a', '1'); tx.incr('a'); tx.get('a');
    await tx.exec();
    tx = r.multi();
    tx.get('a'); tx.set('b', '2');
    await tx.exec();
    tx = r.multi();
    tx.get('a'); tx.exists('b');
    await tx.exec();
    await expectStream(s, ['multi', 'select 9', 'set a 1', 'incr a', 'exec', 'set b 2']);
  });

  test('a write that lazily expires the key it touches goes out as MULTI / UNLINK / write / EXEC', async () => {
    await r.call('debug', 'set-active-expire', '0');
    await r.call('set', 'k', 'old', 'px', '1');
    await sleep(5);
    const s = await open();
    await r.call('set', 'k', 'new');
    await expectStream(s, ['multi', 'select 9', 'unlink k', 'set k new', 'exec']);
  });

  test('a read that lazily expires a key propagates only the deletion', async () => {
    await r.call('debug', 'set-active-expire', '0');
    await r.call('set', 'foo', 'bar', 'px', '1');
    const s = await open();
    await sleep(5);
    assert.equal(await r.call('get', 'foo'), null);
    await r.call('set', 'x', '1');
    await expectStream(s, ['select 9', 'unlink foo', 'set x 1']);
  });

  test('SCAN and RANDOMKEY deletions of expired keys are not wrapped in MULTI/EXEC', async () => {
    await r.call('debug', 'set-active-expire', '0');
    await r.call('set', 'foo1', 'bar', 'px', '1');
    await r.call('set', 'foo2', 'bar', 'px', '1');
    await sleep(5);
    let s = await open();
    await r.call('scan', '0');
    await expectStream(s, ['select 9', 'unlink foo*', 'unlink foo*']);
    s.close();
    await r.call('set', 'foo1', 'bar', 'px', '1');
    await r.call('set', 'foo2', 'bar', 'px', '1');
    await sleep(5);
    s = await open();
    await r.call('randomkey');
    await expectStream(s, ['select 9', 'unlink foo*', 'unlink foo*']);
  });

  test('active expiry propagates each deletion on its own (DEL with lazyfree-lazy-expire no)', async () => {
    await r.call('config', 'set', 'lazyfree-lazy-expire', 'no');
    const s = await open();
    await r.call('psetex', 'e1', '20', 'v');
    const got = await s.commands(3, 3000);
    assert.deepEqual(got.slice(0, 2), ['select 9', 'set e1 v PXAT ' + got[1]!.split(' ')[4]]);
    assert.equal(got[2], 'del e1');
  });

  test('lazy expiry does not count as a dataset change', async () => {
    await r.call('debug', 'set-active-expire', '0');
    await r.call('set', 'foo', 'bar', 'px', '1');
    await sleep(5);
    const before = srv.server.ks.dirty;
    await r.call('get', 'foo');
    assert.equal(srv.server.ks.dirty, before);
  });
});

describe('Propagator API', () => {
  test('feeds receive (dbid, argv); nested calls flush at the outermost exit; removal stops delivery', () => {
    const fake = { ks: { dirty: 0 }, loading: false, config: { bool: () => true } } as unknown as ConstructorParameters<typeof Propagator>[0];
    const p = new Propagator(fake);
    const got: string[] = [];
    assert.equal(p.active, false);
    const remove = p.addFeed((db, argv) => got.push(`${db}:${argv.map((a) => a.toString()).join(' ')}`));
    assert.equal(p.active, true);
    const cmd = { name: 'set', flags: 0 } as never;
    const exec = { name: 'exec', flags: 0 } as never;
    const c = { db: { id: 2 }, argv: [Buffer.from('SET'), Buffer.from('k'), Buffer.from('v')] } as never;
    // A top-level write.
    p.enter(cmd, c); (fake as unknown as { ks: { dirty: number } }).ks.dirty++; p.exit(c, cmd);
    assert.deepEqual(got, ['2:SET k v']);
    // EXEC containing two writes: MULTI ... EXEC, EXEC itself is not propagated.
    got.length = 0;
    p.enter(exec, c);
    for (let i = 0; i < 2; i++) { p.enter(cmd, c); (fake as unknown as { ks: { dirty: number } }).ks.dirty++; p.exit(c, cmd); }
    assert.deepEqual(got, []);
    p.exit(c, exec);
    assert.deepEqual(got, ['-1:MULTI', '2:SET k v', '2:SET k v', '-1:EXEC']);
    // preventCurrent / forceCurrent
    got.length = 0;
    p.enter(cmd, c); (fake as unknown as { ks: { dirty: number } }).ks.dirty++; p.preventCurrent(); p.exit(c, cmd);
    p.enter(cmd, c); p.forceCurrent(); p.exit(c, cmd);
    assert.deepEqual(got, ['2:SET k v']);
    // also() outside a command goes out at once.
    got.length = 0;
    p.also(0, [Buffer.from('PING')]);
    assert.deepEqual(got, ['0:PING']);
    remove();
    assert.equal(p.active, false);
    p.also(0, [Buffer.from('PING')]);
    assert.deepEqual(got, ['0:PING']);
  });

  test('rewriteArgv / rewriteArg replace the propagated vector without touching the original', () => {
    const orig = [Buffer.from('SET'), Buffer.from('k'), Buffer.from('v')];
    const c = { argv: orig } as { argv: Buffer[] };
    rewriteArg(c as never, 0, 'X');
    assert.equal(orig[0]!.toString(), 'SET');
    assert.deepEqual(c.argv.map(String), ['X', 'k', 'v']);
    rewriteArgv(c as never, 'DEL', Buffer.from('k'));
    assert.deepEqual(c.argv.map(String), ['DEL', 'k']);
  });

  test('encoder: RESP multibulk with SELECT on database changes only', () => {
    assert.equal(encodeCommand([Buffer.from('SET'), Buffer.from('k'), Buffer.from('')]).toString(),
      '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
    const e = new CommandStreamEncoder();
    assert.equal(e.encode(-1, [Buffer.from('PING')]).toString(), '*1\r\n$4\r\nPING\r\n');
    assert.equal(e.encode(12, [Buffer.from('X')]).toString(), '*2\r\n$6\r\nSELECT\r\n$2\r\n12\r\n*1\r\n$1\r\nX\r\n');
    assert.equal(e.encode(12, [Buffer.from('X')]).toString(), '*1\r\n$1\r\nX\r\n');
    assert.equal(e.encode(-1, [Buffer.from('MULTI')]).toString(), '*1\r\n$5\r\nMULTI\r\n');
    assert.equal(e.selectedDb, 12);
  });
});
