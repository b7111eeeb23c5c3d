// RDB persistence: the format pieces (CRC-64, LZF, lengths and string encodings), SAVE / BGSAVE /
// DEBUG RELOAD / start-up loading round trips, copy-on-write consistency of background saves while
// writes go on, DUMP / RESTORE, and files exchanged with real valkey-server / redis-server.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { createHash } from 'node:crypto';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { crc64 } from '../src/persistence/crc64.js';
import { lzfCompress, lzfDecompress } from '../src/persistence/lzf.js';
import {
  RdbOut, RdbReader, RdbError, parseMagic, rdbMagic, saveOptions, serializeSync, loadRdb, verifyDumpPayload,
  Snapshot, recycleChunk, type LoadResult, registerRdbType, writeHeader, RDB_VERSION,
} from '../src/persistence/rdb.js';
import { Crc64 } from '../src/persistence/crc64.js';
import { datasetDigest } from '../src/commands/debug.js';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const dirs: string[] = [];
const servers: RunningServer[] = [];
const clients: Valkey[] = [];
const children: ChildProcess[] = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'peregrine-rdb-'));
  dirs.push(d);
  return d;
}

async function server(dir: string, config: Record<string, string> = {}, logs?: string[]): Promise<{ srv: RunningServer; r: Valkey }> {
  const srv = await startServer({
    config: { dir, 'enable-debug-command': 'yes', ...(logs ? { loglevel: 'notice' } : {}), ...config },
    ...(logs ? { logSink: (l: string) => logs.push(l) } : {}),
  });
  servers.push(srv);
  const r = new Valkey({ host: '127.0.0.1', port: srv.port, lazyConnect: false, retryStrategy: () => null });
  clients.push(r);
  return { srv, r };
}

async function stop(x: { srv: RunningServer; r: Valkey }): Promise<void> {
  x.r.disconnect();
  await x.srv.close();
}

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.close();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

async function persistenceInfo(r: Valkey, field: string): Promise<string> {
  const t = await r.call('info', 'persistence') as string;
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(t);
  return m ? m[1]! : '';
}

async function bgsaveDone(r: Valkey): Promise<void> {
  await waitFor(async () => (await persistenceInfo(r, 'rdb_bgsave_in_progress')) === '0', 'BGSAVE to finish');
}

/** Every key of every db as "db:key=value|ttl" lines, sorted (TTL as absolute ms, or -1; a hash's value is its field-value pairs, sorted). */
function hashText(flat: string[]): string {
  const pairs: string[] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push(JSON.stringify([flat[i], flat[i + 1]]));
  return pairs.sort().join(',');
}

async function dumpAll(r: Valkey, dbs = 16): Promise<string[]> {
  const out: string[] = [];
  for (let db = 0; db < dbs; db++) {
    await r.call('select', String(db));
    const keys = await r.call('keys', '*') as string[];
    for (const k of keys) {
      const v = (await r.call('type', k)) === 'hash' ? hashText(await r.call('hgetall', k) as string[]) : await r.call('get', k);
      const t = await r.call('pexpiretime', k);
      out.push(`${db}:${k}=${v}|${t}`);
    }
  }
  await r.call('select', '0');
  return out.sort();
}

// ------------------------------------------------------------------ format pieces

describe('format pieces', () => {
  test('CRC-64 (Jones, reflected) check value', () => {
    assert.equal(crc64(Buffer.from('123456789')), 0xe9c6d914c4b8d9can);
    assert.equal(crc64(Buffer.alloc(0)), 0n);
    // The slicing-by-8 path and the byte path agree at every length and alignment.
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => (i * 37 + 11) & 255));
    for (let n = 0; n < 40; n++) {
      let slow = 0n;
      for (let i = 0; i <= n; i++) slow = crc64(data, 0, i); // exercise many lengths
      assert.equal(crc64(data, 3, 3 + n), crc64(Buffer.from(data.subarray(3, 3 + n))));
      assert.equal(typeof slow, 'bigint');
    }
  });

  test('LZF round trips, refuses output past the limit, rejects corrupt streams', () => {
    const text = Buffer.from('hello world '.repeat(200));
    const c = lzfCompress(text, text.length - 4)!;
    assert.ok(c !== null && c.length < text.length / 5);
    assert.deepEqual(lzfDecompress(c, text.length), text);
    // Random bytes do not shrink: no result within the limit.
    const rnd = Buffer.from(Array.from({ length: 1000 }, () => Math.floor(Math.random() * 256)));
    assert.equal(lzfCompress(rnd, rnd.length - 4), null);
    // Mixed content, long matches (> 264) and long literal runs (> 32).
    const mixed = Buffer.concat([rnd.subarray(0, 100), Buffer.alloc(3000, 'a'), rnd.subarray(100, 300), text]);
    const cm = lzfCompress(mixed, mixed.length)!;
    assert.deepEqual(lzfDecompress(cm, mixed.length), mixed);
    assert.equal(lzfDecompress(cm, mixed.length + 1), null, 'length mismatch');
    assert.equal(lzfDecompress(Buffer.from([0x20, 0x00]), 3), null, 'reference before the start');
    assert.equal(lzfDecompress(Buffer.from([0x05, 0x41]), 6), null, 'truncated literal');
  });

  test('lengths use the shortest of the 1/2/5/9-byte forms', () => {
    const cases: Array<[number, string]> = [
      [0, '00'], [63, '3f'], [64, '4040'], [16383, '7fff'], [16384, '8000004000'],
      [0xffffffff, '80ffffffff'], [0x100000000, '810000000100000000'],
    ];
    for (const [n, hex] of cases) {
      const o = new RdbOut();
      o.len(n);
      assert.equal(o.take().toString('hex'), hex, `len ${n}`);
      const r = new RdbReader(Buffer.from(hex, 'hex'));
      assert.equal(r.len(), n);
    }
    assert.throws(() => new RdbReader(Buffer.from('c0', 'hex')).len(), RdbError);
  });

  test('strings: int8/16/32 encodings for canonical integers only, LZF past 20 bytes, raw otherwise', () => {
    const enc = (s: string, compress = false) => { const o = new RdbOut(); o.str(Buffer.from(s), compress); return o.take(); };
    assert.equal(enc('0').toString('hex'), 'c000');
    assert.equal(enc('-1').toString('hex'), 'c0ff');
    assert.equal(enc('127').toString('hex'), 'c07f');
    assert.equal(enc('128').toString('hex'), 'c18000');
    assert.equal(enc('-32768').toString('hex'), 'c10080');
    assert.equal(enc('32768').toString('hex'), 'c200800000');
    assert.equal(enc('2147483647').toString('hex'), 'c2ffffff7f');
    assert.equal(enc('-2147483648').toString('hex'), 'c200000080');
    for (const raw of ['2147483648', '007', '-0', '+1', ' 1', '1a', '', '12345678901']) {
      assert.equal(enc(raw)[0], raw.length, `'${raw}' stays raw`);
    }
    const long = 'abc'.repeat(20);
    assert.equal(enc(long, true)[0], 0xc3);
    assert.equal(enc(long, false)[0], long.length);
    assert.equal(enc('a'.repeat(20), true)[0], 20, '20 bytes are never compressed');
    for (const s of ['0', '-1', '128', '-32768', '2147483647', '-2147483648', long, 'x', '']) {
      assert.equal(new RdbReader(enc(s, true)).strText(), s);
    }
  });

  test('magic strings and version acceptance', () => {
    assert.equal(rdbMagic(80), 'VALKEY080');
    assert.equal(rdbMagic(11), 'REDIS0011');
    assert.equal(parseMagic(Buffer.from('VALKEY080')), 80);
    assert.equal(parseMagic(Buffer.from('REDIS0009')), 9);
    assert.throws(() => parseMagic(Buffer.from('REDIS0012')), /Can't handle RDB format version 12/);
    assert.throws(() => parseMagic(Buffer.from('VALKEY081')), /Can't handle RDB format version 81/);
    assert.throws(() => parseMagic(Buffer.from('VALKEY011')), /Wrong signature/);
    assert.throws(() => parseMagic(Buffer.from('REDIS0080')), /Wrong signature/);
    assert.throws(() => parseMagic(Buffer.from('HELLO0011')), /Wrong signature/);
  });
});

// ------------------------------------------------------------------ round trips

describe('SAVE and loading at start-up', () => {
  test('strings with TTLs across databases survive a restart; expired keys are dropped on load', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    const far = Date.now() + 3_600_000;
    await r.call('set', 'plain', 'value');
    await r.call('set', 'int', '12345');
    await r.call('set', 'neg', '-7');
    await r.call('set', 'bigint', '9223372036854775807');
    await r.call('set', 'ttl', 'x', 'pxat', String(far));
    await r.call('set', 'compressible', 'abcd'.repeat(1000));
    await r.call('set', 'empty', '');
    await r.call('set', 'binary', Buffer.from([0, 1, 2, 255, 13, 10]));
    await r.call('select', '3');
    await r.call('set', 'db3', 'three');
    await r.call('select', '15');
    const db15Expires = Date.now() + 1500;
    await r.call('set', 'db15', 'fifteen', 'pxat', String(db15Expires));
    await r.call('select', '0');
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 255;
    await r.call('set', 'big', big);
    const before = await dumpAll(r);
    assert.equal(await r.call('save'), 'OK');
    // The file must hold db15's key (alive at SAVE) for the load to drop it as expired.
    assert.ok(Date.now() < db15Expires, 'the machine is too slow for this test: db15 expired before SAVE');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    assert.equal(await persistenceInfo(r, 'rdb_changes_since_last_save'), '0');
    assert.ok(Math.abs(Number(await r.call('lastsave')) - Date.now() / 1000) < 3);
    await stop(a);
    await sleep(Math.max(0, db15Expires - Date.now()) + 50); // db15's key expires meanwhile
    const logs: string[] = [];
    const b = await server(dir, {}, logs);
    assert.deepEqual(await dumpAll(b.r), before.filter((l) => !l.startsWith('15:')));
    assert.deepEqual(await b.r.callBuffer('get', 'big'), big);
    assert.equal(await b.r.call('object', 'encoding', 'int'), 'int');
    assert.equal(await b.r.call('pexpiretime', 'ttl'), far);
    assert.ok(logs.some((l) => l.includes('Loading RDB produced by Valkey version 9.0.0')), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('Done loading RDB, keys loaded: 10, keys expired: 1.')), logs.join('\n'));
    assert.ok(logs.some((l) => /DB loaded from disk: \d+\.\d{3} seconds/.test(l)));
    assert.equal(await persistenceInfo(b.r, 'rdb_last_load_keys_loaded'), '10');
    assert.equal(await persistenceInfo(b.r, 'rdb_last_load_keys_expired'), '1');
    await stop(b);
  });

  test('rdbcompression no stores long strings raw; a corrupt file stops the start-up', async () => {
    const dir = tmp();
    const a = await server(dir, { rdbcompression: 'no' });
    await a.r.call('set', 'k', 'z'.repeat(5000));
    await a.r.call('save');
    const size = statSync(join(dir, 'dump.rdb')).size;
    assert.ok(size > 5000);
    await a.r.call('config', 'set', 'rdbcompression', 'yes');
    await a.r.call('save');
    assert.ok(statSync(join(dir, 'dump.rdb')).size < 1000);
    await stop(a);
    const f = readFileSync(join(dir, 'dump.rdb'));
    f[f.length - 12] ^= 0xff; // inside the data, before the checksum
    writeFileSync(join(dir, 'dump.rdb'), f);
    const logs: string[] = [];
    await assert.rejects(server(dir, {}, logs));
    assert.ok(logs.some((l) => l.includes('Fatal error loading the DB')), logs.join('\n'));
  });

  test('a file saved with rdbchecksum no loads without a check', async () => {
    const dir = tmp();
    const a = await server(dir, { rdbchecksum: 'no' });
    await a.r.call('set', 'k', 'v');
    await a.r.call('save');
    await stop(a);
    const f = readFileSync(join(dir, 'dump.rdb'));
    assert.ok(f.subarray(f.length - 8).every((b) => b === 0));
    const logs: string[] = [];
    const b = await server(dir, {}, logs);
    assert.equal(await b.r.call('get', 'k'), 'v');
    assert.ok(logs.some((l) => l.includes('RDB file was saved with checksum disabled: no check performed.')));
    await stop(b);
  });

  test('SHUTDOWN SAVE and save points write the file', async () => {
    const dir = tmp();
    const logs: string[] = [];
    const a = await server(dir, {}, logs);
    await a.r.call('config', 'set', 'save', '1 1');
    await a.r.call('set', 'k', 'v');
    await waitFor(() => logs.some((l) => l.includes('1 changes in 1 seconds. Saving...')), 'the save point', 4000);
    await bgsaveDone(a.r);
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    await a.r.call('config', 'set', 'save', '');
    await a.r.call('set', 'k2', 'v2');
    await a.r.call('shutdown', 'save').catch(() => {});
    await a.srv.server.closed;
    a.r.disconnect();
    const b = await server(dir);
    assert.equal(await b.r.call('get', 'k2'), 'v2');
    await stop(b);
  });
});

describe('BGSAVE', () => {
  test('starts, reports progress in INFO, refuses a second one, and updates LASTSAVE', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    for (let i = 0; i < 30; i++) await r.call('set', `k${i}`, String(i));
    await r.call('config', 'set', 'rdb-key-save-delay', '10000');
    assert.equal(await r.call('bgsave'), 'Background saving started');
    assert.equal(await persistenceInfo(r, 'rdb_bgsave_in_progress'), '1');
    assert.equal(await persistenceInfo(r, 'current_save_keys_total'), '30');
    await assert.rejects(r.call('bgsave'), /ERR Background save already in progress/);
    await assert.rejects(r.call('save'), /ERR Background save already in progress/);
    await assert.rejects(r.call('bgsave', 'schedule'), /ERR Background save already in progress/);
    await assert.rejects(r.call('bgsave', 'foo'), /ERR syntax error/);
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    await bgsaveDone(r);
    assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok');
    assert.equal(await persistenceInfo(r, 'rdb_changes_since_last_save'), '0');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    // Nothing left behind but the dump.
    assert.deepEqual((await import('node:fs')).readdirSync(dir), ['dump.rdb']);
    await stop(a);
  });

  test('BGSAVE CANCEL stops a running save (no file); without one it is an error', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    await assert.rejects(r.call('bgsave', 'cancel'), /ERR Background saving is currently not in progress or scheduled/);
    for (let i = 0; i < 10; i++) await r.call('set', `k${i}`, 'v');
    await r.call('config', 'set', 'rdb-key-save-delay', '100000');
    await r.call('bgsave');
    assert.equal(await r.call('bgsave', 'cancel'), 'Background saving cancelled');
    await bgsaveDone(r);
    assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok', 'a cancelled save is not an error');
    await sleep(50);
    assert.deepEqual((await import('node:fs')).readdirSync(dir), []);
    await stop(a);
  });

  test('BGSAVE inside MULTI/EXEC is scheduled and runs after the transaction', async () => {
    const dir = tmp();
    const a = await server(dir);
    const tx = a.r.multi();
    tx.set('k', 'v');
    tx.bgsave();
    const res = await tx.exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 'Background saving scheduled']]);
    await waitFor(() => existsSync(join(dir, 'dump.rdb')), 'the scheduled save');
    await stop(a);
  });

  test('the snapshot is the dataset at BGSAVE time, whatever happens to it meanwhile', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    for (let db = 0; db < 3; db++) {
      await r.call('select', String(db));
      for (let i = 0; i < 40; i++) await r.call('set', `k${i}`, `v${db}-${i}`);
      await r.call('set', 'counter', '10');
      await r.call('set', 'text', 'hello');
      await r.call('set', 'big', 'B'.repeat(20000));
      await r.call('set', 'ttl', 'x', 'px', '600000');
      await r.call('set', 'gone', 'soon', 'px', '150');
    }
    await r.call('select', '0');
    const before = await dumpAll(r, 3);
    await r.call('config', 'set', 'rdb-key-save-delay', '5000'); // ~5 ms per key: ~0.7 s in all
    assert.equal(await r.call('bgsave'), 'Background saving started');
    // Modify everything in every way while the snapshot is written.
    for (let db = 0; db < 3; db++) {
      await r.call('select', String(db));
      await r.call('incr', 'counter');
      await r.call('append', 'text', ' world');
      await r.call('setrange', 'big', '0', 'XYZ');
      await r.call('append', 'big', 'tail');
      await r.call('persist', 'ttl');
      await r.call('expire', 'k1', '1000');
      await r.call('del', 'k2');
      await r.call('rename', 'k3', 'renamed');
      await r.call('set', 'k4', 'overwritten');
      await r.call('getdel', 'k5');
      await r.call('set', 'created', 'later');
      await r.call('incrbyfloat', 'k6', '1').catch(() => {});
      await r.call('move', 'k7', '9');
    }
    await r.call('select', '0');
    await r.call('swapdb', '0', '1');
    await sleep(200); // 'gone' expires: actively or lazily on the reads below
    await r.call('get', 'gone');
    await r.call('flushdb'); // db 0 (the old db 1) goes entirely: the snapshot keeps its index
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    await bgsaveDone(r);
    assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok');
    await r.call('flushall');
    await stop(a);
    const b = await server(dir);
    // Loaded on a primary: the short-TTL keys are past their time by now and dropped.
    assert.deepEqual(await dumpAll(b.r, 3), before.filter((l) => !/:gone=/.test(l)));
    await stop(b);
  });

  test('collections changed during a background save are saved as they were (DEBUG DIGEST)', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    for (let i = 0; i < 5; i++) {
      await r.call('rpush', `list${i}`, 'a', 'b', 'c', String(i));
      await r.call('sadd', `set${i}`, 'x', 'y', String(i));
      await r.call('sadd', `iset${i}`, '1', '2', String(i + 10));
      await r.call('zadd', `zset${i}`, '1', 'one', '2', 'two', String(i), 'n');
      await r.call('hset', `hash${i}`, 'f1', 'v1', 'f2', String(i));
      await r.call('xadd', `stream${i}`, '1-1', 'f', 'v');
      await r.call('xadd', `stream${i}`, '2-1', 'g', 'w');
      await r.call('xgroup', 'create', `stream${i}`, 'grp', '0');
    }
    for (let i = 0; i < 300; i++) await r.call('rpush', 'biglist', `element-${i}-${'z'.repeat(i % 50)}`);
    const digest = await r.call('debug', 'digest');
    await r.call('config', 'set', 'rdb-key-save-delay', '10000');
    await r.call('bgsave');
    for (let i = 0; i < 5; i++) {
      await r.call('lpush', `list${i}`, 'new');
      await r.call('lset', `list${i}`, '2', 'changed');
      await r.call('sadd', `set${i}`, 'added');
      await r.call('spop', `iset${i}`);
      await r.call('zincrby', `zset${i}`, '10', 'one');
      await r.call('hset', `hash${i}`, 'f1', 'other');
      await r.call('hincrby', `hash${i}`, 'n', '5');
      await r.call('xadd', `stream${i}`, '3-1', 'h', 'x');
      await r.call('xreadgroup', 'group', 'grp', 'alice', 'count', '1', 'streams', `stream${i}`, '>');
    }
    await r.call('ltrim', 'biglist', '0', '9');
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    await bgsaveDone(r);
    assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok');
    await stop(a);
    const b = await server(dir);
    assert.equal(await b.r.call('debug', 'digest'), digest);
    assert.equal(await b.r.call('llen', 'biglist'), 300);
    await stop(b);
  });

  for (const recycles of [false, true]) {
    test(`writes between slices (${recycles ? 'pooled chunks' : 'copied chunks'}): early copies land in their database's section, new keys stay out`, async () => {
      const dir = tmp();
      const a = await server(dir);
      const r = a.r;
      // Two databases; db 2's section opens only after db 0's, so its early copies wait in its
      // own buffer. Values of 300 hex digits: a few MB in all, so chunks are emitted mid-way.
      const val = (db: number, i: number) => `${db}-${i}-` + [0, 1, 2, 3, 4].map((k) => createHash('sha256').update(`${db}:${i}:${k}`).digest('hex')).join('');
      for (const [db, n] of [[0, 6000], [2, 4000]] as const) {
        const p = r.pipeline();
        p.select(db);
        for (let i = 0; i < n; i++) p.set(`k${i}`, val(db, i));
        p.rpush('list', 'a', 'b', 'c');
        p.hset('hash', 'f', 'v');
        await p.exec();
      }
      await r.call('select', '0');
      const digest = await r.call('debug', 'digest');
      const s = a.srv.server;
      const chunks: Buffer[] = [];
      const snap = new Snapshot(s, saveOptions(s), {
        write: (c) => { chunks.push(Buffer.from(c)); if (recycles) recycleChunk(c); },
        recycles,
      });
      assert.ok(snap.start(0));
      assert.equal(snap.keysTotal, 10004);
      let round = 0;
      while (snap.step(Infinity, 311, 113)) {
        // Between two slices: overwrites (in place and with a new block), deletes, reads, new
        // keys (which may reuse the blocks just freed), collection changes, in both databases.
        const p = r.pipeline();
        for (const db of [0, 2]) {
          p.select(db);
          for (let j = 0; j < 40; j++) {
            const i = (round * 397 + j * 131 + db) % 4000;
            p.set(`k${i}`, `changed-${round}`);
            p.del(`k${(i + 7) % 4000}`);
            p.get(`k${(i + 13) % 4000}`);
            p.append(`k${(i + 29) % 4000}`, 'x'.repeat(500));
            p.set(`new-${round}-${j}`, 'later');
          }
          p.rpush('list', String(round));
          p.hset('hash', `f${round}`, 'w');
          p.rename(`k${3000 + round}`, `moved-${round}`);
        }
        p.select(0);
        await p.exec();
        round++;
      }
      assert.ok(round > 10, `the snapshot took several slices (${round})`);
      assert.equal(snap.error, null);
      assert.equal(snap.keysProcessed, snap.keysTotal);
      assert.ok(snap.cowBytes > 0);
      assert.notEqual(await r.call('debug', 'digest'), digest, 'the dataset did change meanwhile');
      assert.ok(chunks.length >= 3, `emitted in chunks (${chunks.length})`);
      const dir2 = tmp();
      writeFileSync(join(dir2, 'dump.rdb'), Buffer.concat(chunks));
      await stop(a);
      const b = await server(dir2);
      assert.equal(await b.r.call('debug', 'digest'), digest);
      assert.equal(await b.r.call('dbsize'), 6002);
      await stop(b);
    });
  }

  test('reads during a snapshot copy nothing; writes during the walk of the index are emitted in chunks, not held', async () => {
    const dir = tmp();
    const a = await server(dir);
    const r = a.r;
    const val = (i: number) => `v${i}-` + createHash('sha256').update(String(i)).digest('hex') + createHash('sha256').update(`${i}.`).digest('hex');
    const p = r.pipeline();
    for (let i = 0; i < 12000; i++) p.set(`k${i}`, val(i));
    p.hset('h', 'f', 'v');
    p.rpush('l', 'x');
    await p.exec();
    const digest = await r.call('debug', 'digest');
    const s = a.srv.server;
    const chunks: Buffer[] = [];
    const snap = new Snapshot(s, saveOptions(s), { write: (c) => { chunks.push(Buffer.from(c)); } });
    assert.ok(snap.start(0));
    // One SCAN step of the walk: nearly every key is still unwritten.
    assert.ok(snap.step(Infinity, Infinity, 1));
    // Read-only commands copy nothing.
    const reads = r.pipeline();
    for (let i = 0; i < 12000; i += 3) { reads.get(`k${i}`); reads.strlen(`k${i + 1}`); reads.exists(`k${i + 2}`); }
    reads.hget('h', 'f');
    reads.lrange('l', 0, -1);
    await reads.exec();
    assert.equal(snap.cowBytes, 0);
    // Writes copy the old values first: more than a chunk's worth while the walk goes on, handed
    // to the sink in chunks of at most 1 MB rather than collected in one growing buffer.
    const writes = r.pipeline();
    for (let i = 0; i < 12000; i++) writes.set(`k${i}`, 'new');
    await writes.exec();
    assert.ok(snap.cowBytes > 1_200_000, `copied ${snap.cowBytes} bytes`);
    assert.ok(chunks.length >= 1, 'copies were emitted during the walk');
    while (snap.step(Infinity, Infinity)) { /* to the end */ }
    assert.equal(snap.error, null);
    assert.ok(Math.max(...chunks.map((c) => c.length)) <= 1 << 20, `largest chunk ${Math.max(...chunks.map((c) => c.length))} bytes`);
    const dir2 = tmp();
    writeFileSync(join(dir2, 'dump.rdb'), Buffer.concat(chunks));
    await stop(a);
    const b = await server(dir2);
    assert.equal(await b.r.call('debug', 'digest'), digest);
    assert.equal(await b.r.call('get', 'k11999'), val(11999));
    await stop(b);
  });

  test('FLUSHALL during a background save stops it (as Valkey kills its child): no file, status still ok; with save points the empty dataset is saved', async () => {
    const dir = tmp();
    const logs: string[] = [];
    const a = await server(dir, {}, logs);
    const r = a.r;
    for (let i = 0; i < 50; i++) await r.call('set', `k${i}`, String(i));
    await r.call('config', 'set', 'rdb-key-save-delay', '20000');
    await r.call('bgsave');
    const t0 = Date.now();
    assert.equal(await r.call('flushall'), 'OK');
    assert.ok(Date.now() - t0 < 500, 'FLUSHALL does not wait for the save');
    assert.equal(await persistenceInfo(r, 'rdb_bgsave_in_progress'), '0');
    assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok', 'a killed save is not a failed one');
    // The change counter grows by the keys removed (50 SETs + 50 flushed).
    assert.equal(await persistenceInfo(r, 'rdb_changes_since_last_save'), '100');
    assert.ok(logs.some((l) => /Background saving terminated by signal 10/.test(l)), logs.join('\n'));
    await sleep(100);
    assert.equal(existsSync(join(dir, 'dump.rdb')), false, 'the killed save wrote no file');
    assert.deepEqual((await import('node:fs')).readdirSync(dir).filter((f) => f.startsWith('temp-')), [], 'no temp file left');
    // FLUSHALL ASYNC and an empty dataset: the same, and the counter does not move.
    await r.call('set', 'x', '1');
    await r.call('config', 'set', 'rdb-key-save-delay', '20000');
    await r.call('bgsave');
    assert.equal(await r.call('flushall', 'async'), 'OK');
    assert.equal(await persistenceInfo(r, 'rdb_bgsave_in_progress'), '0');
    const dirty = await persistenceInfo(r, 'rdb_changes_since_last_save');
    await r.call('flushall');
    assert.equal(await persistenceInfo(r, 'rdb_changes_since_last_save'), dirty);
    // With save points: killed, then the empty dataset saved at once (counter 0, status ok).
    for (let i = 0; i < 20; i++) await r.call('set', `k${i}`, String(i));
    await r.call('config', 'set', 'save', '3600 1');
    await r.call('bgsave');
    assert.equal(await r.call('flushall'), 'OK');
    assert.equal(await persistenceInfo(r, 'rdb_bgsave_in_progress'), '0');
    assert.equal(await persistenceInfo(r, 'rdb_changes_since_last_save'), '0');
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    await stop(a);
    const b = await server(dir);
    assert.equal(await b.r.call('dbsize'), 0);
    await stop(b);
  });
});

describe('incremental key-set capture (BGSAVE replies at once)', () => {
  /** Loads a snapshot image into a fresh server with expiry off (keys past their TTL stay). */
  async function loadImage(chunks: Buffer[]): Promise<{ b: { srv: RunningServer; r: Valkey }; res: LoadResult }> {
    const b = await server(tmp());
    await b.r.call('debug', 'set-active-expire', '0');
    const res = loadRdb(b.srv.server, Buffer.concat(chunks), { dropExpired: false });
    return { b, res };
  }

  test('start() does no per-key work: 200k keys start in well under the old capture time', async () => {
    const logs: string[] = [];
    const a = await server(tmp(), { loglevel: 'verbose' }, logs);
    await a.r.call('debug', 'populate', '200000');
    const s = a.srv.server;
    const times: number[] = [];
    for (let i = 0; i < 3; i++) {
      const snap = new Snapshot(s, saveOptions(s), { write: () => {} });
      assert.ok(snap.start(0));
      times.push(snap.captureMs);
      assert.equal(snap.keysTotal, 200000);
      assert.equal(snap.keysProcessed, 0, 'nothing serialized by start()');
      if (i === 0) {
        // The walk of the index and the writes are spread over slices of 0.5 ms.
        let slices = 0;
        while (snap.step(0.5, Infinity)) slices++;
        assert.ok(slices >= 20, `${slices} slices`);
        assert.equal(snap.keysProcessed, 200000);
        assert.equal(snap.error, null);
      } else {
        assert.ok(snap.step(0.5, Infinity), 'one slice does not finish');
        assert.ok(snap.keysProcessed < 200000);
        snap.abort('test');
      }
      assert.equal(s.ks.beforeWrite, null);
      assert.equal(s.ks.arena.onAlloc, null, 'the arena hook goes with the snapshot');
    }
    // The walk over the chains took 40-60 ms for 200k keys; noting the databases takes microseconds.
    assert.ok(Math.min(...times) < 5, `start() ${times.map((t) => t.toFixed(2)).join(', ')} ms`);
    // BGSAVE's reply does not wait for a walk either (and the save completes).
    assert.equal(await a.r.call('bgsave'), 'Background saving started');
    await bgsaveDone(a.r);
    assert.equal(await persistenceInfo(a.r, 'rdb_last_bgsave_status'), 'ok');
    assert.ok(logs.some((l) => /Background save: 200000 keys, snapshot started in \d+\.\d{3} ms/.test(l)), 'start logged');
    const m = logs.map((l) => /Background save: 200000 keys written in (\d+) slices \(longest ([\d.]+) ms\), 0 bytes copied before writes/.exec(l)).find((x) => x);
    assert.ok(m && Number(m[1]) >= 20, `slices logged: ${logs.filter((l) => /Background save:/.test(l)).join(' / ')}`);
    await stop(a);
  });

  test('keys created, deleted, renamed, moved, swapped, expired and modified during a slow walk: the image is the start', async () => {
    const a = await server(tmp());
    const r = a.r;
    const s = a.srv.server;
    const ks = s.ks;
    // db 0: strings (some with short TTLs that expire during the walk), collections; db 1 and 2:
    // strings; db 2 is filled in-process so that its index is in the middle of a resize at the
    // start. db 5 and 9 are empty at the start.
    for (const db of [0, 1]) {
      const p = r.pipeline();
      p.select(db);
      for (let i = 0; i < 2500; i++) p.set(`k${i}`, `v${db}-${i}-${'x'.repeat(i % 90)}`);
      for (let i = 0; i < 50; i++) {
        p.rpush(`list${i}`, 'a', 'b', String(i));
        p.hset(`hash${i}`, 'f', String(i), 'g', 'w');
        p.sadd(`set${i}`, 'x', 'y', String(i));
        p.zadd(`zset${i}`, String(i), 'm', '1', 'n');
        p.set(`counter${i}`, String(i));
      }
      if (db === 0) for (let i = 0; i < 200; i++) p.set(`short${i}`, 'ttl', 'PX', String(150 + i));
      await p.exec();
    }
    await r.call('select', '0');
    const db2 = ks.dbs[2]!;
    let n = 0;
    while (n < 1000 || !db2.dict.isRehashing()) { db2.setString(Buffer.from(`k${n}`), Buffer.from(`v2-${n}`), 0); n++; }
    assert.ok(db2.dict.isRehashing(), 'db 2 is resizing at the start');
    const sizes = [0, 1, 2].map((i) => ks.dbs[i]!.size);
    const digest = datasetDigest(s);
    const chunks: Buffer[] = [];
    const snap = new Snapshot(s, saveOptions(s), { write: (c) => { chunks.push(Buffer.from(c)); } });
    assert.ok(snap.start(0));
    assert.equal(snap.keysTotal, sizes[0]! + sizes[1]! + sizes[2]!);
    const dict0 = ks.dbs[0]!.dict;
    const tables0 = new Set<number>([dict0.bucketCount()]);
    let round = 0;
    while (snap.step(Infinity, 60, 400)) {
      const p = r.pipeline();
      for (const db of [0, 1, 2]) {
        p.select(db);
        for (let j = 0; j < 4; j++) {
          const i = (round * 211 + j * 37 + db) % 2500;
          p.set(`k${i}`, `changed-${round}`);                 // in place or a new block
          p.append(`k${(i + 1) % 2500}`, 'y'.repeat(300));     // grows: a new block
          p.del(`k${(i + 2) % 2500}`);
          p.unlink(`k${(i + 3) % 2500}`);
          p.getdel(`k${(i + 4) % 2500}`);
          p.get(`k${(i + 5) % 2500}`);
          p.rename(`k${(i + 6) % 2500}`, `renamed-${round}-${j}`);
          p.rename(`k${(i + 7) % 2500}`, `k${(i + 8) % 2500}`); // over an existing key
          p.move(`k${(i + 9) % 2500}`, db === 1 ? '0' : '1');   // into a database of the snapshot
          p.move(`k${(i + 10) % 2500}`, '9');                   // into one empty at the start
          p.copy(`k${(i + 11) % 2500}`, `k${(i + 11) % 2500}`, 'DB', '5');
          p.expire(`k${(i + 12) % 2500}`, '1000');
          p.set(`new-${round}-${j}`, 'later');
        }
        const c = round % 50;
        p.incr(`counter${c}`);
        p.rpush(`list${c}`, String(round));
        p.lpop(`list${(c + 1) % 50}`);
        p.hset(`hash${c}`, 'f', `r${round}`);
        p.sadd(`set${c}`, `r${round}`);
        p.zincrby(`zset${c}`, '5', 'm');
        p.del(`list${(c + 7) % 50}`);
        p.rename(`hash${(c + 9) % 50}`, `hash-renamed-${round}`);
      }
      // Indexes resize while walked (db 0 grows, then shrinks) and before (db 2 grows, db 1 shrinks).
      if (round === 2) { p.select(0); for (let i = 0; i < 6000; i++) p.set(`grow-${i}`, 'g'); }
      if (round === 3) { p.select(2); for (let i = 0; i < 3000; i++) p.set(`grow-${i}`, 'g'); }
      if (round === 5) { p.select(1); for (let i = 1000; i < 2400; i++) p.del(`k${i}`); }
      if (round === 9) { p.select(0); for (let i = 0; i < 6000; i++) p.del(`grow-${i}`); for (let i = 500; i < 2500; i++) p.del(`k${i}`); }
      if (round === 4) p.swapdb('1', '2');
      if (round === 6) p.swapdb('0', '5'); // a database of the snapshot and one empty at the start
      if (round === 8) p.swapdb('0', '5');
      if (round === 9) { p.select(5); p.set('in-5', 'later'); }
      p.select(0);
      p.get('short3'); // lazily expired (once past its time)
      await p.exec();
      tables0.add(dict0.bucketCount());
      if (round % 10 === 0) await sleep(30); // the active expire cycle runs
      if (round === 12) {
        await sleep(400); // every short TTL is past: the active cycle deletes some, the reads below the rest
        const q = r.pipeline();
        for (let i = 0; i < 200; i++) q.get(`short${i}`);
        await q.exec();
      }
      round++;
    }
    assert.ok(round > 20, `several slices (${round})`);
    assert.ok(tables0.size >= 3, `db 0's index resized during the snapshot (${[...tables0].join(', ')} buckets)`);
    assert.equal(snap.error, null);
    assert.equal(snap.keysProcessed, snap.keysTotal, 'every key of the start once');
    assert.ok(snap.cowBytes > 0);
    assert.ok(ks.stats.expiredKeys >= 200, 'the short-TTL keys expired meanwhile');
    assert.notEqual(datasetDigest(s), digest);
    await stop(a);
    const { b, res } = await loadImage(chunks);
    assert.equal(res.keysLoaded, snap.keysTotal); // (a duplicated key would have failed the load)
    assert.deepEqual([0, 1, 2, 5, 9].map((i) => b.srv.server.ks.dbs[i]!.size), [...sizes, 0, 0]);
    assert.equal(datasetDigest(b.srv.server), digest);
    await stop(b);
  });

  test('FLUSHDB / FLUSHDB ASYNC during a background save: the save goes on in slices and keeps the old data of that db', async () => {
    for (const flush of [['flushdb'], ['flushdb', 'async']]) {
      const dir = tmp();
      const a = await server(dir);
      const r = a.r;
      for (const db of [0, 3]) {
        await r.call('select', String(db));
        for (let i = 0; i < 40; i++) await r.call('set', `k${i}`, `${db}-${i}`);
        await r.call('sadd', 'set', 'a', 'b', String(db));
      }
      const before = await r.call('debug', 'digest');
      await r.call('config', 'set', 'rdb-key-save-delay', '20000');
      assert.equal(await r.call('bgsave'), 'Background saving started');
      await r.call('select', '3');
      const t0 = Date.now();
      await r.call(...(flush as [string, ...string[]]));
      assert.ok(Date.now() - t0 < 500, 'the flush does not finish the save');
      assert.equal(await persistenceInfo(r, 'rdb_bgsave_in_progress'), '1', `${flush.join(' ')}: still running`);
      assert.ok(Number(await persistenceInfo(r, 'current_save_keys_processed')) < 82, 'not serialized at once');
      assert.equal(await r.call('dbsize'), 0);
      // New keys in the flushed db (they may reuse nothing of the old blocks) stay out of the image.
      for (let i = 0; i < 30; i++) await r.call('set', `k${i}`, 'new');
      await r.call('select', '0');
      await r.call('flushdb'); // the other db too, before or after its turn
      await r.call('config', 'set', 'rdb-key-save-delay', '0');
      await bgsaveDone(r);
      assert.equal(await persistenceInfo(r, 'rdb_last_bgsave_status'), 'ok');
      // The kept blocks are freed afterwards by the background freer.
      await waitFor(async () => /lazyfree_pending_objects:0\r/.test(await r.call('info', 'memory') as string), 'the kept blocks to be freed');
      await stop(a);
      const b = await server(dir);
      assert.equal(await b.r.call('debug', 'digest'), before, flush.join(' '));
      assert.equal(await b.r.call('dbsize'), 41);
      await stop(b);
    }
  });

  test('FLUSHALL during BGREWRITEAOF: the rewrite is not stopped and its base is the dataset of its start', async () => {
    const dir = tmp();
    const a = await server(dir, { appendonly: 'yes' });
    const r = a.r;
    for (let i = 0; i < 60; i++) await r.call('set', `k${i}`, String(i));
    await waitFor(async () => (await persistenceInfo(r, 'aof_rewrite_in_progress')) === '0', 'the first rewrite');
    await r.call('config', 'set', 'rdb-key-save-delay', '20000');
    await r.call('bgrewriteaof');
    await r.call('flushall');
    await r.call('set', 'after', '1');
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    await waitFor(async () => (await persistenceInfo(r, 'aof_rewrite_in_progress')) === '0', 'the rewrite');
    assert.equal(await persistenceInfo(r, 'aof_last_bgrewrite_status'), 'ok');
    await stop(a);
    const b = await server(dir, { appendonly: 'yes' });
    assert.deepEqual(await b.r.call('keys', '*'), ['after']);
    await stop(b);
  });

  test('an AOF base in RDB format taken during writes is the dataset of its start', async () => {
    const a = await server(tmp());
    const r = a.r;
    const p = r.pipeline();
    for (let i = 0; i < 3000; i++) p.set(`k${i}`, `v${i}`);
    await p.exec();
    const digest = await r.call('debug', 'digest');
    const s = a.srv.server;
    const chunks: Buffer[] = [];
    const snap = new Snapshot(s, { ...saveOptions(s), aofBase: true }, { write: (c) => { chunks.push(Buffer.from(c)); } });
    assert.ok(snap.start(0));
    let round = 0;
    while (snap.step(Infinity, 200, 40)) {
      const q = r.pipeline();
      for (let j = 0; j < 30; j++) { q.del(`k${(round * 31 + j) % 3000}`); q.set(`n${round}-${j}`, 'x'); }
      await q.exec();
      round++;
    }
    assert.equal(snap.keysProcessed, 3000);
    await stop(a);
    const { b } = await loadImage(chunks);
    assert.equal(await b.r.call('debug', 'digest'), digest);
    await stop(b);
  });
});

describe('DEBUG RELOAD', () => {
  test('saves, empties, loads back (dropping expired keys); NOSAVE loads the existing file', async () => {
    const dir = tmp();
    const a = await server(dir, { 'enable-protected-configs': 'yes' });
    const r = a.r;
    await r.call('set', 'a', '1');
    await r.call('set', 'b', '2', 'px', '50');
    await r.call('debug', 'set-active-expire', '0');
    await sleep(80);
    assert.equal(await r.call('dbsize'), 2);
    assert.equal(await r.call('debug', 'reload'), 'OK');
    assert.equal(await r.call('dbsize'), 1);
    assert.ok(existsSync(join(dir, 'dump.rdb')));
    await r.call('set', 'c', '3');
    assert.equal(await r.call('debug', 'reload', 'nosave'), 'OK');
    assert.equal(await r.call('get', 'c'), null, 'the file did not have it');
    assert.equal(await r.call('get', 'a'), '1');
    await r.call('set', 'c', '3');
    assert.equal(await r.call('debug', 'reload', 'nosave', 'noflush', 'merge'), 'OK');
    assert.equal(await r.call('get', 'c'), '3');
    await assert.rejects(r.call('debug', 'reload', 'nosave', 'noflush'), /ERR Error trying to load the RDB dump/);
    await r.call('config', 'set', 'dbfilename', 'missing.rdb');
    await assert.rejects(r.call('debug', 'reload', 'nosave'), /ERR Error trying to load the RDB dump/);
    await stop(a);
  });
});

describe('loader consistency', () => {
  test('with sanitize-dump-payload yes, a value that decodes but cannot be encoded again refuses the whole file (as RESTORE refuses it)', async () => {
    // A codec for a made-up type whose decoder accepts what its encoder cannot write.
    const OBJ_FAKE = 13, RDB_FAKE = 230; // (an unused 4-bit type)
    registerRdbType(OBJ_FAKE, {
      rdbType: () => RDB_FAKE,
      save(out, obj) { if ((obj as { bad: boolean }).bad) throw new Error('value out of range'); out.len(0); },
      loadTypes: [RDB_FAKE],
      load(r) { return { type: OBJ_FAKE, enc: 0, obj: { bad: r.byte() === 1 } as never }; },
    });
    const file = (bad: number) => {
      const out = new RdbOut();
      writeHeader(out, saveOptions(a.srv.server), 0);
      out.byte(254); out.len(0);
      out.byte(0); out.str(Buffer.from('before')); out.str(Buffer.from('v'));
      out.byte(RDB_FAKE); out.str(Buffer.from('odd')); out.byte(bad);
      out.byte(255);
      const body = out.take();
      return Buffer.concat([body, new Crc64().update(body).bytes()]);
    };
    const a = await server(tmp());
    const s = a.srv.server;
    s.ks.flushAll(false);
    assert.equal(loadRdb(s, file(0)).keysLoaded, 2);
    s.ks.flushAll(false);
    // Without deep sanitization the check is skipped (it costs a second encoding per collection).
    assert.equal(loadRdb(s, file(1)).keysLoaded, 2);
    s.ks.flushAll(false);
    await a.r.call('config', 'set', 'sanitize-dump-payload', 'yes');
    assert.throws(() => loadRdb(s, file(1)), (e: Error) => e instanceof RdbError &&
      e.message === "Internal error in RDB reading offset " + (file(1).length - 9) + ", key 'odd': the loaded value cannot be saved again (value out of range)");
    s.ks.flushAll(false);
    await stop(a);
  });
});

describe('DUMP / RESTORE', () => {
  test('round trip, TTLs, REPLACE, and errors', async () => {
    const a = await server(tmp());
    const r = a.r;
    await r.call('set', 'src', 'x'.repeat(100));
    const p = await r.callBuffer('dump', 'src') as Buffer;
    assert.equal(p.readUInt16LE(p.length - 10), 80, 'RDB version in the footer');
    assert.equal(verifyDumpPayload(p), 80);
    assert.equal(await r.call('dump', 'nope'), null);
    assert.equal(await r.call('restore', 'dst', '0', p), 'OK');
    assert.equal(await r.call('get', 'dst'), 'x'.repeat(100));
    assert.equal(await r.call('pttl', 'dst'), -1);
    await assert.rejects(r.call('restore', 'dst', '0', p), /BUSYKEY Target key name already exists\./);
    assert.equal(await r.call('restore', 'dst', '5000', p, 'replace'), 'OK');
    const pttl = await r.call('pttl', 'dst') as number;
    assert.ok(pttl > 4000 && pttl <= 5000);
    const at = Date.now() + 100000;
    assert.equal(await r.call('restore', 'abs', String(at), p, 'absttl'), 'OK');
    assert.equal(await r.call('pexpiretime', 'abs'), at);
    assert.equal(await r.call('restore', 'past', '1', p, 'absttl'), 'OK');
    assert.equal(await r.call('exists', 'past'), 0);
    await assert.rejects(r.call('restore', 'x', '-1', p), /ERR Invalid TTL value, must be >= 0/);
    await assert.rejects(r.call('restore', 'x', 'a', p), /ERR value is not an integer/);
    await assert.rejects(r.call('restore', 'x', '0', p, 'idletime', '-1'), /ERR Invalid IDLETIME value, must be >= 0/);
    await assert.rejects(r.call('restore', 'x', '0', p, 'freq', '256'), /ERR Invalid FREQ value, must be >= 0 and <= 255/);
    await assert.rejects(r.call('restore', 'x', '0', p, 'freq', '1', 'idletime', '1'), /ERR syntax error/);
    await assert.rejects(r.call('restore', 'x', '0', p, 'bogus'), /ERR syntax error/);
    const bad = Buffer.from(p);
    bad[3] ^= 1;
    await assert.rejects(r.call('restore', 'x', '0', bad), /ERR DUMP payload version or checksum are wrong/);
    await r.call('debug', 'set-skip-checksum-validation', '1');
    await assert.rejects(r.call('restore', 'x', '0', Buffer.concat([Buffer.from([0x63]), p.subarray(1)])), /ERR Bad data format/);
    await r.call('debug', 'set-skip-checksum-validation', '0');
    const future = Buffer.from(p);
    future.writeUInt16LE(81, future.length - 10);
    await assert.rejects(r.call('restore', 'x', '0', future), /ERR DUMP payload version or checksum are wrong/);
    await stop(a);
  });
});

// ------------------------------------------------------------------ interoperability

const VALKEY = '/work/valkey-src/src/valkey-server';
const REDIS = '/usr/bin/redis-server';

/** Small hashes (listpack in memory) whose entries take every listpack encoding: [key, field, value, ...]. */
const SMALL_HASHES: string[][] = [
  ['h:small', 'a', '1', 'b', '2'],
  ['h:ints', 'u7', '127', 'i13', '-4096', 'i13b', '4095', 'i16', '32767', 'i16n', '-32769', 'i24', '8388607', 'i24n', '-8388608',
    'i32', '2147483647', 'i32n', '-2147483649', 'i64', '9223372036854775807', 'i64n', '-9223372036854775808',
    'over', '9223372036854775808', 'zero', '0', 'mzero', '-0', 'lead', '007', 'plus', '+5', 'space', ' 5', 'float', '1.5', 'empty', ''],
  ['h:strings', 's63', 'x'.repeat(63), 's64', 'y'.repeat(64), 'rep', 'abc'.repeat(10), 'bin', '\u00ff\u0000\r\n'],
];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/** Starts a reference server loading dir/file; resolves with a client once it answers. */
async function reference(bin: string, dir: string, file: string): Promise<{ r: Valkey; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--dbfilename', file, '--save', ''],
    { stdio: 'ignore' });
  children.push(child);
  const r = new Valkey({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => { /* connection refused until the server is up */ });
  clients.push(r);
  await waitFor(async () => {
    try { await r.connect(); return (await r.call('ping')) === 'PONG'; } catch { r.disconnect(); return false; }
  }, `${bin} to start`, 10000);
  return { r, child };
}

describe('interoperability with valkey-server and redis-server', { skip: !existsSync(VALKEY) && !existsSync(REDIS) }, () => {
  let dir: string;
  let expected: string[];
  let srv: { srv: RunningServer; r: Valkey };

  before(async () => {
    dir = tmp();
    srv = await server(dir);
    const r = srv.r;
    await r.call('set', 'str', 'hello');
    await r.call('set', 'i8', '-100');
    await r.call('set', 'i32', '123456789');
    await r.call('set', 'i64', '123456789012345');
    await r.call('set', 'lzf', 'compress me please '.repeat(50));
    await r.call('set', 'ttl', 'v', 'px', '3600000');
    await r.call('select', '7');
    await r.call('set', 'seven', '7');
    await r.call('select', '0');
    for (const [k, ...fv] of SMALL_HASHES) await r.call('hset', k, ...fv);
    await r.call('hset', 'bighash', ...Array.from({ length: 600 }, (_, i) => [`f${i}`, `v${i}`]).flat());
    expected = await dumpAll(r);
    // The same dataset in the versions older servers read.
    for (const v of [10, 11]) {
      const chunks = serializeSync(srv.srv.server, saveOptions(srv.srv.server, [], v), 0);
      writeFileSync(join(dir, `v${v}.rdb`), Buffer.concat(chunks));
    }
  });
  after(async () => { await stop(srv); });

  test('small hashes are saved as listpacks (RDB_TYPE_HASH_LISTPACK), big ones in the plain hash format', () => {
    const f = readFileSync(join(dir, 'v11.rdb'));
    // Each small hash's key is preceded by type byte 16, the big one's by 4.
    for (const [k] of SMALL_HASHES) {
      const at = f.indexOf(Buffer.concat([Buffer.from([k.length]), Buffer.from(k)]));
      assert.ok(at > 0, k);
      assert.equal(f[at - 1], 16, k);
    }
    const at = f.indexOf(Buffer.from('\x07bighash', 'latin1'));
    assert.equal(f[at - 1], 4);
  });

  test('a Peregrine RDB (version 11) loads in valkey-server', { skip: !existsSync(VALKEY) }, async () => {
    const ref = await reference(VALKEY, dir, 'v11.rdb');
    assert.deepEqual(await dumpAll(ref.r), expected);
    assert.equal(await ref.r.call('object', 'encoding', 'i64'), 'int');
    for (const [k] of SMALL_HASHES) assert.equal(await ref.r.call('object', 'encoding', k), 'listpack', k);
    assert.equal(await ref.r.call('object', 'encoding', 'bighash'), 'hashtable');
    ref.child.kill('SIGKILL');
  });

  test('a Peregrine RDB (version 10) loads in redis-server 7.0', { skip: !existsSync(REDIS) }, async () => {
    const ref = await reference(REDIS, dir, 'v10.rdb');
    assert.deepEqual(await dumpAll(ref.r), expected);
    for (const [k] of SMALL_HASHES) assert.equal(await ref.r.call('object', 'encoding', k), 'listpack', k);
    ref.child.kill('SIGKILL');
  });

  test('a Peregrine RDB with listpack hashes loads back in Peregrine (versions 10, 11 and its own)', async () => {
    for (const file of ['v10.rdb', 'v11.rdb']) {
      const p = await server(dir, { dbfilename: file });
      assert.deepEqual(await dumpAll(p.r), expected, file);
      for (const [k] of SMALL_HASHES) assert.equal(await p.r.call('object', 'encoding', k), 'listpack', `${file} ${k}`);
      assert.equal(await p.r.call('object', 'encoding', 'bighash'), 'hashtable');
      await stop(p);
    }
    const d2 = tmp();
    const a = await server(d2);
    for (const [k, ...fv] of SMALL_HASHES) await a.r.call('hset', k, ...fv);
    const want = await dumpAll(a.r);
    assert.equal(await a.r.call('save'), 'OK');
    await stop(a);
    const b = await server(d2);
    assert.deepEqual(await dumpAll(b.r), want);
    for (const [k] of SMALL_HASHES) assert.equal(await b.r.call('object', 'encoding', k), 'listpack', k);
    await stop(b);
  });

  test('DUMP of a small hash: valkey-server\'s payload byte for byte (but the RDB version); RESTORE of valkey-server\'s payload', { skip: !existsSync(VALKEY) }, async () => {
    const ref = await reference(VALKEY, tmp(), 'dump.rdb');
    const p = srv.r;
    for (const comp of ['no', 'yes']) {
      for (const r of [ref.r, p]) await r.call('config', 'set', 'rdbcompression', comp);
      for (const [k, ...fv] of SMALL_HASHES) {
        await ref.r.call('hset', k, ...fv);
        const mine = await p.callBuffer('dump', k) as Buffer;
        const theirs = await ref.r.callBuffer('dump', k) as Buffer;
        assert.equal(mine[0], 16, k);
        // Value bytes equal; the trailer is the RDB version (80 vs 11) and the CRC.
        assert.equal(mine.subarray(0, mine.length - 10).toString('hex'), theirs.subarray(0, theirs.length - 10).toString('hex'), `${k} rdbcompression ${comp}`);
        assert.equal(await p.call('restore', `${k}:fromvalkey`, '0', theirs, 'replace'), 'OK');
        assert.deepEqual(await p.call('hgetall', `${k}:fromvalkey`), await p.call('hgetall', k));
        assert.equal(await p.call('object', 'encoding', `${k}:fromvalkey`), 'listpack');
        await p.call('del', `${k}:fromvalkey`);
      }
    }
    // A hash edited in place (update, delete, increments) keeps Valkey's entry order and bytes.
    for (const r of [ref.r, p]) {
      await r.call('hset', 'edited', 'a', '1', 'b', '2', 'c', '3');
      await r.call('hdel', 'edited', 'b');
      await r.call('hset', 'edited', 'a', '99', 'd', '4');
      await r.call('hincrby', 'edited', 'c', '10');
      await r.call('hincrbyfloat', 'edited', 'x', '1.5');
    }
    const mine = await p.callBuffer('dump', 'edited') as Buffer;
    const theirs = await ref.r.callBuffer('dump', 'edited') as Buffer;
    assert.equal(mine.subarray(0, mine.length - 10).toString('hex'), theirs.subarray(0, theirs.length - 10).toString('hex'));
    await p.call('del', 'edited');
    ref.child.kill('SIGKILL');
  });

  test('an RDB written by valkey-server loads in Peregrine', { skip: !existsSync(VALKEY) }, async () => {
    const d2 = tmp();
    const ref = await reference(VALKEY, d2, 'dump.rdb');
    const r = ref.r;
    await r.call('set', 'str', 'hello');
    await r.call('set', 'n', '42');
    await r.call('set', 'neg', '-40000');
    await r.call('set', 'lzf', 'x'.repeat(1000));
    await r.call('set', 'ttl', 'v', 'pxat', String(Date.now() + 500000));
    await r.call('select', '2');
    await r.call('set', 'two', '2');
    await r.call('select', '0');
    for (const [k, ...fv] of SMALL_HASHES) await r.call('hset', k, ...fv);
    const want = await dumpAll(r);
    assert.equal(await r.call('save'), 'OK');
    ref.child.kill('SIGKILL');
    const logs: string[] = [];
    const p = await server(d2, {}, logs);
    assert.deepEqual(await dumpAll(p.r), want);
    assert.ok(logs.some((l) => /Loading RDB produced by Valkey version/.test(l)));
    await stop(p);
  });

  test('loadRdb rejects a version-12 (foreign) file', () => {
    const f = readFileSync(join(dir, 'v11.rdb'));
    f.write('REDIS0012', 0, 'latin1');
    assert.throws(() => loadRdb(srv.srv.server, f), /Can't handle RDB format version 12/);
  });
});
