// Fuzzing the persistence decoders: mutated RDB files (flipped, inserted and deleted bytes,
// truncations) and mutated RESTORE payloads (with a valid CRC, so the value decoders see the
// damage). Whatever the input: no crash, no hang (time-bounded), a clean refusal (RdbError /
// `-ERR Bad data format`) or a value the server can read back; the server keeps answering.
// A few mutated files also go through a real start-up: exit code 0 or 1, never a signal.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawn } from 'node:child_process';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { loadRdb, RdbError } from '../src/persistence/rdb.js';
import { Crc64 } from '../src/persistence/crc64.js';
import { prng as rng } from './prng.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 100000);
const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));


function mutate(src: Buffer, rand: () => number, keepHead: number): Buffer {
  let b = Buffer.from(src);
  const ops = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < ops; i++) {
    const pos = keepHead + Math.floor(rand() * Math.max(1, b.length - keepHead));
    const kind = rand();
    if (kind < 0.5) {
      b[pos] = rand() < 0.3 ? [0, 0xff, 0x7f, 0x80, 0xc0, 0xc3, 0x40][Math.floor(rand() * 7)]! : Math.floor(rand() * 256);
    } else if (kind < 0.7) {
      const ins = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)));
      b = Buffer.concat([b.subarray(0, pos), ins, b.subarray(pos)]);
    } else if (kind < 0.85) {
      b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + Math.floor(rand() * 8)))]);
    } else {
      b = b.subarray(0, pos);
    }
  }
  return b;
}

let dir: string;
let srv: RunningServer;
let r: Valkey;
let image: Buffer;
const payloads: Array<{ key: string; p: Buffer }> = [];
const logs: string[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peregrine-pfuzz-'));
  srv = await startServer({ config: { dir, 'enable-debug-command': 'yes', loglevel: 'notice' }, logSink: (l) => logs.push(l) });
  r = new Valkey({ port: srv.port, lazyConnect: false });
  // One key of every type and encoding.
  await r.call('SET', 'str:int', '12345');
  await r.call('SET', 'str:raw', 'hello world');
  await r.call('SET', 'str:lzf', 'abcabcabcabcabcabcabcabcabcabcabcabcabcabc');
  await r.call('SET', 'str:ttl', 'v', 'PX', '100000000');
  await r.call('RPUSH', 'list:lp', 'a', '1', '-7', 'bbbbbbbbbbbbbbbbbbbb');
  await r.call('RPUSH', 'list:ql', ...Array.from({ length: 300 }, (_, i) => `element-${i}`));
  await r.call('SADD', 'set:int', '1', '2', '3', '-100000');
  await r.call('SADD', 'set:lp', 'a', 'b', 'c');
  await r.call('SADD', 'set:ht', ...Array.from({ length: 200 }, (_, i) => `m${i}`));
  await r.call('ZADD', 'zset:lp', '1', 'a', '2.5', 'b', '-3', 'c');
  await r.call('ZADD', 'zset:sl', ...Array.from({ length: 200 }, (_, i) => [String(i / 3), `z${i}`]).flat());
  await r.call('HSET', 'hash:lp', 'f1', 'v1', 'f2', '2');
  await r.call('HSET', 'hash:ht', ...Array.from({ length: 200 }, (_, i) => [`f${i}`, `v${i}`]).flat());
  await r.call('HSET', 'hash:ttl', 'a', '1', 'b', '2').catch(() => {});
  await r.call('HEXPIRE', 'hash:ttl', '100000', 'FIELDS', '1', 'a').catch(() => {});
  for (let i = 0; i < 20; i++) await r.call('XADD', 'stream', '*', 'f', String(i), 'g', 'x');
  await r.call('XGROUP', 'CREATE', 'stream', 'grp', '0');
  await r.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '5', 'STREAMS', 'stream', '>');
  await r.call('PFADD', 'hll', 'a', 'b', 'c');
  await r.call('SAVE');
  image = readFileSync(join(dir, 'dump.rdb'));
  for (const key of (await r.call('KEYS', '*')) as string[]) {
    payloads.push({ key, p: (await r.callBuffer('DUMP', key)) as Buffer });
  }
});

after(async () => {
  r?.disconnect();
  await srv?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe(`persistence fuzz (seed ${SEED})`, () => {
  test('mutated RDB images: RdbError or a load, never another failure, each within a bound', async () => {
    const rand = rng(SEED);
    const s = srv.server;
    const deadline = Date.now() + 20000;
    let loaded = 0, refused = 0, other = 0, n = 0;
    const others: string[] = [];
    for (; n < 600 && Date.now() < deadline; n++) {
      const m = mutate(image, rand, 9);
      // Half of them without the checksum, so the damaged data gets decoded and stored.
      const skipChecksum = n % 2 === 0;
      s.ks.flushAll(false);
      const t0 = performance.now();
      try {
        loadRdb(s, m, { skipChecksum });
        loaded++;
      } catch (e) {
        if (e instanceof RdbError) refused++;
        else { other++; if (others.length < 5) others.push(String((e as Error).stack).split('\n').slice(0, 3).join(' | ')); }
      }
      const ms = performance.now() - t0;
      assert.ok(ms < 2000, `load #${n} took ${ms.toFixed(0)} ms`);
      if (skipChecksum && n % 20 === 0) {
        // Whatever got loaded can be read and dumped.
        assert.match(await r.call('DEBUG', 'DIGEST') as string, /^[0-9a-f]{40}$/);
        for (const k of (await r.call('KEYS', '*')) as string[]) await r.callBuffer('DUMP', k);
      }
    }
    s.ks.flushAll(false);
    assert.equal(await r.call('PING'), 'PONG');
    assert.ok(n >= 100, `only ${n} mutations ran`);
    assert.ok(refused > 0);
    assert.equal(other, 0, `non-RdbError failures (loaded ${loaded}, refused ${refused}):\n${others.join('\n')}`);
  });

  test('mutated RESTORE payloads: OK or -ERR Bad data format; restored values read back; no internal errors', async () => {
    const rand = rng(SEED + 1);
    const deadline = Date.now() + 20000;
    let ok = 0, bad = 0, n = 0;
    const unexpected: string[] = [];
    for (; n < 1500 && Date.now() < deadline; n++) {
      const { key, p } = payloads[Math.floor(rand() * payloads.length)]!;
      const body = mutate(p.subarray(0, p.length - 10), rand, 0);
      const footer = Buffer.from(p.subarray(p.length - 10, p.length - 8));
      const withVer = Buffer.concat([body, footer]);
      const crc = new Crc64().update(withVer).bytes();
      const payload = Buffer.concat([withVer, crc]);
      try {
        await r.call('RESTORE', `fz:${key}`, '0', payload, 'REPLACE');
        ok++;
        // Read the whole value back through its type's commands.
        const t = await r.call('TYPE', `fz:${key}`) as string;
        const k = `fz:${key}`;
        if (t === 'string') await r.call('GET', k);
        else if (t === 'list') await r.call('LRANGE', k, '0', '-1');
        else if (t === 'set') await r.call('SMEMBERS', k);
        else if (t === 'zset') await r.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
        else if (t === 'hash') await r.call('HGETALL', k);
        else if (t === 'stream') { await r.call('XRANGE', k, '-', '+'); await r.call('XINFO', 'STREAM', k, 'FULL'); }
        await r.call('DEBUG', 'DIGEST-VALUE', k);
        await r.callBuffer('DUMP', k);
      } catch (e) {
        const msg = (e as Error).message;
        if (msg === 'ERR Bad data format' || msg === 'ERR DUMP payload version or checksum are wrong') bad++;
        else if (unexpected.length < 10) unexpected.push(msg);
      }
    }
    assert.equal(await r.call('PING'), 'PONG');
    assert.ok(n >= 100, `only ${n} payloads ran`);
    assert.ok(bad > 0 && ok > 0, `ok ${ok} bad ${bad}`);
    assert.deepEqual(unexpected, [], `unexpected replies after ${n} payloads`);
    assert.deepEqual(logs.filter((l) => /Internal error/.test(l)).slice(0, 3), []);
  });

  test('mutated files at a real start-up: exit 0 (loaded) or 1 (refused), never a signal or a hang', async () => {
    const rand = rng(SEED + 2);
    const d = mkdtempSync(join(tmpdir(), 'peregrine-pfuzz-cli-'));
    try {
      for (let i = 0; i < 4; i++) {
        writeFileSync(join(d, 'dump.rdb'), mutate(image, rand, 9));
        const child = spawn(process.execPath, [CLI, '--port', '0', '--bind', '127.0.0.1', '--dir', d, '--save', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (b: Buffer) => { out += b.toString(); if (/Ready to accept connections/.test(out)) child.kill('SIGTERM'); });
        child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
        const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
        const code = await new Promise<number | string>((res) => child.on('exit', (c, sig) => res(c ?? sig ?? -1)));
        clearTimeout(timer);
        assert.ok(code === 0 || code === 1, `exit ${code}: ${out.slice(-500)}`);
        if (code === 1) assert.match(out, /Fatal error loading the DB, check server logs\. Exiting\./);
      }
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
