// HyperLogLog over real sockets: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST, the byte format
// (header, sparse opcodes, dense registers, cached cardinality), promotion to dense, corrupted
// values, the error bound at 1M elements, and — when a reference redis-server is installed —
// the same PFADD/PFMERGE sequences run on both servers with GET values compared byte for byte.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import {
  HLL_DENSE_SIZE, HllWork, createHll, decodeSparse, denseGet, hllCount, mergeInto, murmurHash64A, patIndex, patLen,
  rawCount,
} from '../src/ds/hyperloglog.js';

let srv: RunningServer;
let r: Valkey;

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
});

after(async () => {
  r.disconnect();
  await srv.close();
});

beforeEach(async () => {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
});

async function err(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  throw new Error('expected an error reply');
}

/** Reference MurmurHash64A on BigInt. */
function murmurRef(b: Uint8Array, seed: bigint): bigint {
  const M = 0xc6a4a7935bd1e995n, MASK = (1n << 64n) - 1n;
  let h = (seed ^ (BigInt(b.length) * M)) & MASK;
  const nblocks = b.length >> 3;
  for (let i = 0; i < nblocks; i++) {
    let k = 0n;
    for (let j = 7; j >= 0; j--) k = (k << 8n) | BigInt(b[i * 8 + j]!);
    k = (k * M) & MASK; k ^= k >> 47n; k = (k * M) & MASK;
    h ^= k; h = (h * M) & MASK;
  }
  const t = nblocks * 8, rem = b.length & 7;
  if (rem > 0) {
    for (let j = rem - 1; j >= 0; j--) h ^= BigInt(b[t + j]!) << BigInt(8 * j);
    h = (h * M) & MASK;
  }
  h ^= h >> 47n; h = (h * M) & MASK; h ^= h >> 47n;
  return h;
}

describe('hash and format', () => {
  test('MurmurHash64A matches a BigInt reference for every tail length', () => {
    for (let len = 0; len < 40; len++) {
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = (i * 37 + len * 11 + 200) & 0xff;
      assert.equal(murmurHash64A(b), murmurRef(b, 0xadc83b19n), `len ${len}`);
      assert.equal(murmurHash64A(b, 7), murmurRef(b, 7n));
    }
  });

  test('pattern length and index come from the hash', () => {
    for (const s of ['a', 'hello', 'x'.repeat(100), '']) {
      const h = murmurRef(Buffer.from(s), 0xadc83b19n);
      const count = patLen(Buffer.from(s));
      assert.equal(patIndex, Number(h & 0x3fffn));
      let rest = (h >> 14n) | (1n << 50n), n = 1;
      while ((rest & 1n) === 0n) { rest >>= 1n; n++; }
      assert.equal(count, n);
    }
  });

  test('a new HLL is one XZERO opcode; sparse and dense agree', () => {
    const e = createHll();
    assert.equal(e.toString('latin1', 0, 4), 'HYLL');
    assert.equal(e.length, 18);
    assert.equal(decodeSparse(e), 'Z:16384');
    const s = new HllWork(e);
    const d = new HllWork(e);
    assert.ok(d.toDense());
    assert.equal(d.len, HLL_DENSE_SIZE);
    for (let i = 0; i < 2000; i++) {
      const el = Buffer.from(`el-${i}`);
      assert.equal(s.add(el, 1 << 20), d.add(el, 1 << 20));
    }
    assert.equal(hllCount(s.bytes()), hllCount(d.bytes()));
    // Merging either encoding gives the same registers as reading them one by one.
    const m1 = new Uint8Array(16384), m2 = new Uint8Array(16384);
    assert.ok(mergeInto(m1, s.bytes()));
    assert.ok(mergeInto(m2, d.bytes()));
    assert.deepEqual(m1, m2);
    for (let i = 0; i < 16384; i++) assert.equal(m2[i], denseGet(d.bytes(), i));
    assert.equal(rawCount(m1), hllCount(d.bytes()));
  });
});

describe('commands', () => {
  test('PFADD / PFCOUNT basics and return values', async () => {
    assert.equal(await r.call('PFADD', 'h'), 1);
    assert.equal(await r.call('PFADD', 'h'), 0);
    assert.equal(await r.call('PFCOUNT', 'h'), 0);
    assert.equal(await r.call('PFADD', 'h', 'a', 'b', 'c'), 1);
    assert.equal(await r.call('PFADD', 'h', 'a', 'b'), 0);
    assert.equal(await r.call('PFCOUNT', 'h'), 3);
    assert.equal(await r.call('PFCOUNT', 'missing'), 0);
    assert.equal(await r.call('PFCOUNT', 'missing', 'other'), 0);
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'h'), 'sparse');
  });

  test('PFCOUNT caches the cardinality in the header and PFADD invalidates it', async () => {
    await r.call('PFADD', 'h', 'a', 'b', 'c');
    let v = await r.getBuffer('h');
    assert.equal(v![15]! & 0x80, 0x80);
    assert.equal(await r.call('PFCOUNT', 'h'), 3);
    v = await r.getBuffer('h');
    assert.equal(v![15], 0);
    assert.equal(v!.readBigUInt64LE(8), 3n);
    // A forged cache value is returned as is while valid.
    await r.call('SETRANGE', 'h', '8', Buffer.from([42]));
    assert.equal(await r.call('PFCOUNT', 'h'), 42);
    await r.call('PFADD', 'h', 'd');
    v = await r.getBuffer('h');
    assert.equal(v![15]! & 0x80, 0x80);
    assert.equal(await r.call('PFCOUNT', 'h'), 4);
  });

  test('multi-key PFCOUNT is the union and leaves keys untouched', async () => {
    await r.call('PFADD', 'a', 'x', 'y', 'z');
    await r.call('PFADD', 'b', 'y', 'z', 'w');
    const before = await r.getBuffer('a');
    assert.equal(await r.call('PFCOUNT', 'a', 'b'), 4);
    assert.equal(await r.call('PFCOUNT', 'a', 'b', 'nokey'), 4);
    assert.deepEqual(await r.getBuffer('a'), before);
  });

  test('PFMERGE', async () => {
    await r.call('PFADD', 'h1', 'a', 'b', 'c');
    await r.call('PFADD', 'h2', 'b', 'c', 'd');
    await r.call('PFADD', 'h3', 'c', 'd', 'e');
    assert.equal(await r.call('PFMERGE', 'h', 'h1', 'h2', 'h3'), 'OK');
    assert.equal(await r.call('PFCOUNT', 'h'), 5);
    assert.equal(await r.call('PFMERGE', 'empty', 'nothing'), 'OK');
    assert.equal(await r.call('EXISTS', 'empty'), 1);
    assert.equal(await r.call('PFCOUNT', 'empty'), 0);
    assert.equal(await r.call('PFMERGE', 'h1'), 'OK');
    assert.equal(await r.call('PFCOUNT', 'h1'), 3);
    // A dense source makes the destination dense.
    await r.call('PFDEBUG', 'TODENSE', 'h2');
    await r.call('PFMERGE', 'd', 'h1', 'h2');
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'd'), 'dense');
    assert.equal(await r.call('PFCOUNT', 'd'), 4);
    // Into an existing dense destination.
    await r.call('PFMERGE', 'd', 'h3');
    assert.equal(await r.call('PFCOUNT', 'd'), 5);
    // TTL is kept.
    await r.call('PEXPIRE', 'h1', '100000');
    await r.call('PFMERGE', 'h1', 'h3');
    assert.ok((await r.call('PTTL', 'h1') as number) > 0);
  });

  test('PFDEBUG subcommands', async () => {
    await r.call('PFADD', 'h', 'a', 'b', 'c');
    const dec = await r.call('PFDEBUG', 'DECODE', 'h') as string;
    assert.match(dec, /^(Z:\d+|z:\d+|v:\d+,\d+)( (Z:\d+|z:\d+|v:\d+,\d+))*$/);
    const regs = await r.call('PFDEBUG', 'GETREG', 'h') as number[];
    assert.equal(regs.length, 16384);
    assert.equal(regs.filter((x) => x > 0).length, 3);
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'h'), 'dense');
    assert.equal(await r.call('STRLEN', 'h'), HLL_DENSE_SIZE);
    assert.equal(await r.call('PFDEBUG', 'TODENSE', 'h'), 0);
    assert.equal(await err(r.call('PFDEBUG', 'DECODE', 'h')), 'ERR HLL encoding is not sparse');
    await r.call('PFADD', 's', 'a');
    assert.equal(await r.call('PFDEBUG', 'TODENSE', 's'), 1);
    assert.equal(await r.call('PFCOUNT', 's'), 1);
    assert.equal(await err(r.call('PFDEBUG', 'GETREG', 'nokey')), 'ERR The specified key does not exist');
    assert.equal(await err(r.call('PFDEBUG', 'FOO', 'h')), "ERR Unknown PFDEBUG subcommand 'FOO'");
    await r.call('SET', 'str', 'hello');
    assert.equal(await err(r.call('PFDEBUG', 'ENCODING', 'str')), 'WRONGTYPE Key is not a valid HyperLogLog string value.');
  });

  test('sparse to dense promotion follows hll-sparse-max-bytes', async () => {
    await r.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '30');
    await r.call('PFADD', 'h', 'a');
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'h'), 'sparse');
    let n = 0;
    while ((await r.call('PFDEBUG', 'ENCODING', 'h')) === 'sparse') {
      assert.ok((await r.call('STRLEN', 'h') as number) <= 30);
      await r.call('PFADD', 'h', `e${n++}`);
    }
    assert.equal(await r.call('STRLEN', 'h'), HLL_DENSE_SIZE);
    assert.equal(await r.call('PFCOUNT', 'h'), n + 1);
    await r.call('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
    const els: string[] = [];
    for (let i = 0; i < 3000; i++) els.push(`x${i}`);
    await r.call('PFADD', 'big', ...els.slice(0, 100));
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'big'), 'sparse');
    await r.call('PFADD', 'big', ...els);
    assert.equal(await r.call('PFDEBUG', 'ENCODING', 'big'), 'dense');
  });

  test('type errors and corrupted values', async () => {
    await r.call('SET', 'str', 'bar');
    await r.call('LPUSH', 'list', 'x');
    const notHll = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
    const wt = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    assert.equal(await err(r.call('PFADD', 'str', '1')), notHll);
    assert.equal(await err(r.call('PFCOUNT', 'str')), notHll);
    assert.equal(await err(r.call('PFCOUNT', 'nokey', 'str')), notHll);
    assert.equal(await err(r.call('PFMERGE', 'x', 'str')), notHll);
    assert.equal(await err(r.call('PFMERGE', 'str', 'x')), notHll);
    assert.equal(await err(r.call('PFADD', 'list', '1')), wt);
    assert.equal(await err(r.call('PFCOUNT', 'list')), wt);
    await r.call('SET', 'num', '12345678901234567');
    assert.equal(await err(r.call('PFCOUNT', 'num')), notHll);
    // Extra bytes after the opcodes.
    await r.call('PFADD', 'h', 'a', 'b', 'c');
    await r.call('APPEND', 'h', 'hello');
    assert.equal(await err(r.call('PFCOUNT', 'h')), 'INVALIDOBJ Corrupted HLL object detected');
    assert.equal(await err(r.call('PFCOUNT', 'h', 'h')), 'INVALIDOBJ Corrupted HLL object detected');
    assert.equal(await err(r.call('PFMERGE', 'd', 'h')), 'INVALIDOBJ Corrupted HLL object detected');
    assert.equal(await err(r.call('PFDEBUG', 'TODENSE', 'h')), 'INVALIDOBJ Corrupted HLL object detected');
    // Magic, encoding byte, dense length.
    await r.call('DEL', 'h'); await r.call('PFADD', 'h', 'a', 'b', 'c');
    await r.call('SETRANGE', 'h', '0', '0123');
    assert.equal(await err(r.call('PFCOUNT', 'h')), notHll);
    await r.call('DEL', 'h'); await r.call('PFADD', 'h', 'a', 'b', 'c');
    await r.call('SETRANGE', 'h', '4', 'x');
    assert.equal(await err(r.call('PFCOUNT', 'h')), notHll);
    await r.call('DEL', 'h'); await r.call('PFADD', 'h', 'a', 'b', 'c');
    await r.call('SETRANGE', 'h', '4', Buffer.from([0]));
    assert.equal(await err(r.call('PFCOUNT', 'h')), notHll);
    // Opcodes covering too few registers: PFADD past them reports the corruption.
    await r.call('SET', 'h', Buffer.concat([createHll().subarray(0, 16), Buffer.from([0x00])]));
    assert.equal(await err(r.call('PFADD', 'h', 'zzz')), 'INVALIDOBJ Corrupted HLL object detected');
    // A truncated XZERO reads its missing byte as zero (as Valkey): PFADD works, PFCOUNT refuses.
    await r.call('SET', 'h', Buffer.concat([createHll().subarray(0, 16), Buffer.from([0x7f])]));
    assert.equal(await r.call('PFADD', 'h', 'zzz'), 1);
    assert.equal(await err(r.call('PFCOUNT', 'h')), 'INVALIDOBJ Corrupted HLL object detected');
  });

  test('random corruption never crashes the server', async () => {
    let seed = 12345;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (let j = 0; j < 300; j++) {
      await r.call('DEL', 'h');
      const items: string[] = [];
      const n = rnd(3000);
      for (let i = 0; i < n; i++) items.push(String(rnd(1 << 30)));
      await r.call('PFADD', 'h', 'first', ...items);
      for (let i = 0; i < 5; i++) {
        const len = await r.call('STRLEN', 'h') as number;
        await r.call('SETRANGE', 'h', String(rnd(len)), Buffer.from([rnd(256)]));
        if (rnd(2) === 0) break;
      }
      for (const cmd of [['PFCOUNT', 'h'], ['PFADD', 'h', 'q', 'r', 's'], ['PFCOUNT', 'h', 'h'], ['PFMERGE', 'h2', 'h'], ['PFDEBUG', 'GETREG', 'h']]) {
        try { await r.call(cmd[0]!, ...cmd.slice(1)); } catch (e) { assert.match((e as Error).message, /^(INVALIDOBJ|WRONGTYPE|ERR)/); }
      }
    }
    assert.equal(await r.call('PING'), 'PONG');
  });

  test('1M elements stay within the error bound', async () => {
    const N = 1_000_000, batch = 20_000;
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < N; i += batch) {
      const els: string[] = new Array(batch);
      for (let k = 0; k < batch; k++) els[k] = `element:${i + k}`;
      pending.push(r.call('PFADD', 'big', ...els));
    }
    await Promise.all(pending);
    const card = await r.call('PFCOUNT', 'big') as number;
    const stdErr = 1.04 / Math.sqrt(16384);
    assert.ok(Math.abs(card - N) / N < 3 * stdErr, `card ${card}`);
    await r.call('PFADD', 'half', ...Array.from({ length: 1000 }, (_, k) => `element:${k}`));
    const union = await r.call('PFCOUNT', 'big', 'half') as number;
    assert.equal(union, card);
  });

  test('writes are reported: pfadd events for PFADD and PFMERGE, a change for a cache update', async () => {
    const seen: [string, string, number][] = [];
    const ks = srv.server.ks;
    ks.onChange((_db, key, event, cls) => { seen.push([key ? key.toString('latin1') : '', event, cls]); });
    await r.call('PFADD', 'ev', 'a');
    await r.call('PFADD', 'ev', 'a');
    await r.call('PFMERGE', 'ev2', 'ev');
    const dirty = ks.dirty;
    await r.call('PFCOUNT', 'ev');
    assert.ok(ks.dirty > dirty);
    const d2 = ks.dirty;
    await r.call('PFCOUNT', 'ev');
    assert.equal(ks.dirty, d2);
    const mine = seen.filter(([k]) => k === 'ev' || k === 'ev2');
    assert.deepEqual(mine.slice(0, 2), [['ev', 'pfadd', 8], ['ev2', 'pfadd', 8]]);
    assert.equal(mine.length, 3);
    assert.equal(mine[2]![0], 'ev');
    assert.equal(mine[2]![2], 0);
    assert.equal(await r.call('OBJECT', 'ENCODING', 'ev'), 'raw');
  });

  test('PFSELFTEST passes', { timeout: 120_000 }, async () => {
    assert.equal(await r.call('PFSELFTEST'), 'OK');
  });
});

const REFERENCE = process.env.HLL_REFERENCE_SERVER ?? '/usr/bin/redis-server';

describe('cross-check with a reference server', { skip: existsSync(REFERENCE) ? false : `${REFERENCE} not installed` }, () => {
  let ref: ChildProcess | null = null;
  let exited = false;
  let rc: Valkey | null = null;
  let dir = '';

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hll-ref-'));
    const path = join(dir, 'ref.sock');
    const child = spawn(REFERENCE, ['--port', '0', '--unixsocket', path, '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' });
    ref = child;
    child.once('exit', () => { exited = true; });
    child.once('error', () => { exited = true; });
    for (let i = 0; ; i++) {
      if (exited) throw new Error(`${REFERENCE} exited at startup`);
      if (existsSync(path)) break;
      if (i > 100) throw new Error('reference did not start');
      await new Promise((res) => setTimeout(res, 100));
    }
    rc = new Valkey({ path, lazyConnect: false, maxRetriesPerRequest: 0 });
    await rc.call('PING');
  });

  after(async () => {
    rc?.disconnect();
    const child = ref;
    if (child && !exited) {
      await new Promise<void>((res) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); res(); }, 5000);
        child.once('exit', () => { clearTimeout(t); res(); });
        child.kill('SIGTERM');
      });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function both(...args: (string | Buffer)[]): Promise<[unknown, unknown]> {
    const cmd = args[0] as string;
    const rest = args.slice(1);
    const settle = (p: Promise<unknown>) => p.then((v) => v, (e: Error) => `error: ${e.message}`);
    return Promise.all([settle(r.call(cmd, ...rest)), settle(rc!.call(cmd, ...rest))]);
  }

  async function sameValue(key: string): Promise<void> {
    const [a, b] = await Promise.all([r.getBuffer(key), rc!.getBuffer(key)]);
    assert.ok(a !== null && b !== null, key);
    assert.ok(a.equals(b), `${key}: values differ (${a.length} vs ${b.length} bytes)`);
  }

  test('the same PFADD sequences give byte-identical values and counts', async () => {
    await rc!.call('FLUSHALL');
    let seed = 99;
    const rnd = (n: number) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    for (const max of ['3000', '50', '300', '3000']) {
      await both('CONFIG', 'SET', 'hll-sparse-max-bytes', max);
      for (let round = 0; round < 6; round++) {
        const key = `k${max}-${round}`;
        let total = 0;
        while (total < 4000) {
          const n = 1 + rnd(round < 3 ? 20 : 400);
          const els: string[] = [];
          for (let i = 0; i < n; i++) els.push(String(rnd(round % 2 ? 1_000_000 : 5000)) + (rnd(3) === 0 ? 'x'.repeat(rnd(20)) : ''));
          total += n;
          const [a, b] = await both('PFADD', key, ...els);
          assert.deepEqual(a, b);
          await sameValue(key);
          if (rnd(4) === 0) {
            const [ca, cb] = await both('PFCOUNT', key);
            assert.deepEqual(ca, cb);
            await sameValue(key);
          }
          if (rnd(10) === 0) {
            const [da, db] = await both('PFDEBUG', 'ENCODING', key);
            assert.deepEqual(da, db);
          }
        }
        const [ca, cb] = await both('PFCOUNT', key);
        assert.deepEqual(ca, cb);
      }
    }
    await both('CONFIG', 'SET', 'hll-sparse-max-bytes', '3000');
  });

  test('PFMERGE and multi-key PFCOUNT agree, sparse and dense destinations', async () => {
    await rc!.call('FLUSHALL');
    for (let i = 0; i < 5; i++) {
      const els = Array.from({ length: 10 + i * i * 40 }, (_, k) => `m${i}-${k}`);
      await both('PFADD', `s${i}`, ...els);
    }
    const [ca, cb] = await both('PFCOUNT', 's0', 's1', 's2', 's3', 's4');
    assert.deepEqual(ca, cb);
    for (const srcs of [['s0'], ['s0', 's1'], ['s1', 's2'], ['s0', 's1', 's2', 's3', 's4']]) {
      const dest = `d-${srcs.join('-')}`;
      const [a, b] = await both('PFMERGE', dest, ...srcs);
      assert.deepEqual(a, b);
      await sameValue(dest);
      await both('PFCOUNT', dest);
      await sameValue(dest);
    }
    // Merge into an existing sparse destination.
    await both('PFMERGE', 's0', 's1');
    await sameValue('s0');
    const [da, db] = await both('PFDEBUG', 'DECODE', 's0');
    assert.deepEqual(da, db);
    const [ga, gb] = await both('PFDEBUG', 'GETREG', 's1');
    assert.deepEqual(ga, gb);
    await sameValue('s1');
  });

  test('values written by the reference work here and vice versa', async () => {
    await rc!.call('FLUSHALL');
    const els = Array.from({ length: 5000 }, (_, k) => `v${k}`);
    await rc!.call('PFADD', 'sparse', ...els.slice(0, 50));
    await rc!.call('PFADD', 'dense', ...els);
    for (const key of ['sparse', 'dense']) {
      const v = await rc!.getBuffer(key);
      await r.call('SET', key, v!);
      assert.equal(await r.call('PFCOUNT', key), await rc!.call('PFCOUNT', key));
      await sameValue(key);
      await both('PFADD', key, 'extra1', 'extra2', 'extra3');
      await sameValue(key);
    }
    await r.call('PFADD', 'mine', ...els.slice(0, 700));
    await rc!.call('SET', 'mine', (await r.getBuffer('mine'))!);
    assert.deepEqual(...await both('PFCOUNT', 'mine'));
    assert.deepEqual(...await both('PFCOUNT', 'mine', 'dense', 'sparse'));
  });
});
