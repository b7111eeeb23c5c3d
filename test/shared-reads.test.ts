// Client sockets read into one buffer shared by every connection (src/server/readbuf.ts): each
// read overwrites the bytes of the one before. These tests check that nothing the server keeps
// (values of every type, arguments of a request split across reads, the unparsed rest of a
// pipeline behind a blocked or paused command, MULTI queues) still points into that buffer.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import net from 'node:net';
import { RawConn, encodeCommand, sleep } from '../bench/resp.js';

let srv: RunningServer;
let r: Valkey;

serverForFile({}, (s, c) => { srv = s; r = c; }, { maxRetriesPerRequest: 0 });

const active = (): boolean => [...srv.server.clients.values()].some((c) => c.sharedReads);

/** A value that differs at every position from any other request's bytes. */
const val = (tag: string, i: number): string => `${tag}-${i}-${'x'.repeat(i % 7)}-${tag}`;

describe('shared read buffer', () => {
  test('is in use on this Node (or the stream fallback is, and says so)', async (t) => {
    await r.call('PING'); // the shared client is connected
    if (!active()) {
      t.diagnostic(`Node ${process.version}: accepted sockets could not be switched to a shared read buffer; 'data' events are used`);
      return;
    }
    assert.ok(active());
  });

  test('values of every type stored from one read survive the reads that follow', async () => {
    const n = 200;
    const p = r.pipeline();
    for (let i = 0; i < n; i++) {
      p.call('SET', `s${i}`, val('str', i));
      p.call('RPUSH', 'list', val('list', i));
      p.call('SADD', 'set', val('set', i));
      p.call('HSET', 'hash', val('field', i), val('hval', i));
      p.call('ZADD', 'zset', String(i), val('zm', i));
      p.call('XADD', 'stream', `${i + 1}-0`, val('sf', i), val('sv', i));
      p.call('PFADD', 'hll', val('hll', i));
      p.call('GEOADD', 'geo', String((i % 300) - 150), String((i % 140) - 70), val('place', i));
    }
    await p.exec();
    // Plenty of unrelated traffic through the same buffer from other connections.
    const others = await Promise.all([1, 2, 3].map(() => RawConn.connect(srv.port)));
    try {
      for (let k = 0; k < 20; k++) {
        await Promise.all(others.map((o, j) => o.call('SET', `noise${j}`, 'n'.repeat(50 + k))));
      }
    } finally {
      for (const o of others) o.close();
    }
    for (let i = 0; i < n; i += 17) assert.equal(await r.call('GET', `s${i}`), val('str', i));
    const list = (await r.call('LRANGE', 'list', 0, -1)) as string[];
    assert.deepEqual(list, Array.from({ length: n }, (_, i) => val('list', i)));
    const members = ((await r.call('SMEMBERS', 'set')) as string[]).sort();
    assert.deepEqual(members, Array.from({ length: n }, (_, i) => val('set', i)).sort());
    for (let i = 0; i < n; i += 13) assert.equal(await r.call('HGET', 'hash', val('field', i)), val('hval', i));
    const z = (await r.call('ZRANGE', 'zset', 0, -1)) as string[];
    assert.deepEqual(z, Array.from({ length: n }, (_, i) => val('zm', i)));
    const xs = (await r.call('XRANGE', 'stream', '-', '+', 'COUNT', 3)) as [string, string[]][];
    assert.deepEqual(xs.map(([id, f]) => [id, f]), [0, 1, 2].map((i) => [`${i + 1}-0`, [val('sf', i), val('sv', i)]]));
    assert.equal(await r.call('PFCOUNT', 'hll'), n);
    const pos = (await r.call('GEOPOS', 'geo', val('place', 5))) as [string, string][];
    assert.ok(Math.abs(Number(pos[0]![0]) - (5 - 150)) < 1e-4);
  });

  test('a request split across many reads, byte by byte and in odd pieces', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      const big = 'B'.repeat(40 * 1024); // assembled in its own buffer (>= 32 KB)
      const req = Buffer.concat([
        encodeCommand(['SET', 'split1', 'value-one']),
        encodeCommand(['SET', 'split2', big]),
        encodeCommand(['SADD', 'splitset', 'm1', 'm2', 'm3']),
        encodeCommand(['GET', 'split1']),
      ]);
      // Pieces of 1..7 bytes for the first part, then larger ones, each its own read.
      let off = 0;
      let k = 0;
      while (off < req.length) {
        const size = off < 200 ? 1 + (k % 7) : 1000 + (k % 3000);
        await c.write(req.subarray(off, Math.min(req.length, off + size)));
        off += size;
        k++;
        // Interleave another client's traffic so the shared buffer is overwritten in between.
        if (k % 5 === 0) await r.call('SET', 'interleave', `i${k}`.repeat(30));
        if (off < 200) await sleep(1);
      }
      assert.equal(await c.raw(), '+OK\r\n');
      assert.equal(await c.raw(), '+OK\r\n');
      assert.equal(await c.raw(), ':3\r\n');
      assert.equal(await c.raw(), '$9\r\nvalue-one\r\n');
    } finally {
      c.close();
    }
    assert.equal(await r.call('STRLEN', 'split2'), 40 * 1024);
    assert.equal(await r.call('GETRANGE', 'split2', 0, 3), 'BBBB');
    assert.deepEqual(((await r.call('SMEMBERS', 'splitset')) as string[]).sort(), ['m1', 'm2', 'm3']);
  });

  test('the rest of a pipeline behind a blocked command runs intact once it unblocks', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.write(Buffer.concat([
        encodeCommand(['BLPOP', 'wakeme', 5]),
        encodeCommand(['SET', 'after-block', 'kept-while-blocked']),
        encodeCommand(['RPUSH', 'after-list', 'e1', 'e2']),
      ]));
      for (let i = 0; i < 100 && srv.server.blocking.blockedClients === 0; i++) await sleep(5);
      assert.equal(srv.server.blocking.blockedClients, 1);
      // Overwrite the shared buffer many times while the pipeline waits.
      for (let i = 0; i < 30; i++) await r.call('SET', 'noise', 'Z'.repeat(100 + i));
      await r.call('RPUSH', 'wakeme', 'hello');
      assert.equal(await c.raw(), '*2\r\n$6\r\nwakeme\r\n$5\r\nhello\r\n');
      assert.equal(await c.raw(), '+OK\r\n');
      assert.equal(await c.raw(), ':2\r\n');
    } finally {
      c.close();
    }
    assert.equal(await r.call('GET', 'after-block'), 'kept-while-blocked');
    assert.deepEqual(await r.call('LRANGE', 'after-list', 0, -1), ['e1', 'e2']);
  });

  test('commands held by CLIENT PAUSE and queued by MULTI keep their arguments', async () => {
    const paused = await RawConn.connect(srv.port);
    const tx = await RawConn.connect(srv.port);
    try {
      assert.equal(await tx.call('MULTI'), 'OK');
      assert.equal(await tx.call('SET', 'queued1', 'q-value-1'), 'QUEUED');
      assert.equal(await tx.call('HSET', 'queued-h', 'qf', 'q-value-2'), 'QUEUED');
      await r.call('CLIENT', 'PAUSE', 300, 'WRITE');
      await paused.write(Buffer.concat([
        encodeCommand(['SET', 'paused1', 'p-value-1']),
        encodeCommand(['LPUSH', 'paused-l', 'p-value-2']),
      ]));
      for (let i = 0; i < 20; i++) await r.call('GET', `noise-${'y'.repeat(40 + i)}`);
      assert.deepEqual(await paused.reply(2000), 'OK');
      assert.deepEqual(await paused.reply(2000), 1);
      assert.deepEqual(await tx.call('EXEC'), ['OK', 1]);
    } finally {
      paused.close();
      tx.close();
    }
    assert.equal(await r.call('GET', 'paused1'), 'p-value-1');
    assert.deepEqual(await r.call('LRANGE', 'paused-l', 0, -1), ['p-value-2']);
    assert.equal(await r.call('GET', 'queued1'), 'q-value-1');
    assert.equal(await r.call('HGET', 'queued-h', 'qf'), 'q-value-2');
  });

  test('replies the kernel takes only in part (a reader that stalls) arrive whole and in order', async () => {
    const big = Buffer.alloc(6 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    await r.call('SET', 'bigreply', big);
    const sock = net.connect({ port: srv.port, host: '127.0.0.1' });
    await new Promise<void>((res) => sock.once('connect', () => res()));
    const chunks: Buffer[] = [];
    sock.on('data', (d: Buffer) => chunks.push(d));
    sock.pause(); // stall: the server's socket buffer fills and its write is partial
    const pipeline = [];
    for (let i = 0; i < 3; i++) pipeline.push(encodeCommand(['GET', 'bigreply']), encodeCommand(['ECHO', `after-${i}`]));
    sock.write(Buffer.concat(pipeline));
    await sleep(300);
    const server = [...srv.server.clients.values()].find((c) => c.socket !== null && c.socket.remotePort === sock.localPort);
    assert.ok(server, 'server-side client found');
    assert.ok(server.queuedBytes > 0, 'part of the replies waits for the kernel');
    // Meanwhile other clients keep being served.
    assert.equal(await r.call('PING'), 'PONG');
    sock.resume();
    const header = Buffer.from(`$${big.length}\r\n`);
    const want = Buffer.concat([0, 1, 2].flatMap((i) => [header, big, Buffer.from(`\r\n$7\r\nafter-${i}\r\n`)]));
    const deadline = Date.now() + 10000;
    while (chunks.reduce((n, c) => n + c.length, 0) < want.length && Date.now() < deadline) await sleep(10);
    sock.destroy();
    const got = Buffer.concat(chunks);
    assert.equal(got.length, want.length);
    assert.ok(got.equals(want), 'replies arrive byte for byte in request order');
  });

  test('replies waiting for a stalled reader show in CLIENT LIST omem, and killing the reader mid-write is safe', async () => {
    const big = Buffer.alloc(4 * 1024 * 1024, 0x61);
    await r.call('SET', 'bigreply2', big);
    const sock = net.connect({ port: srv.port, host: '127.0.0.1' });
    await new Promise<void>((res) => sock.once('connect', () => res()));
    sock.on('error', () => {});
    sock.pause();
    sock.write(Buffer.concat([encodeCommand(['CLIENT', 'SETNAME', 'stalled']), encodeCommand(['GET', 'bigreply2']), encodeCommand(['GET', 'bigreply2'])]));
    let line = '';
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const list = String(await r.call('CLIENT', 'LIST'));
      line = list.split('\n').find((l) => l.includes('name=stalled')) ?? '';
      const omem = Number(/ omem=(\d+)/.exec(line)?.[1] ?? 0);
      if (omem > 0) break;
      await sleep(20);
    }
    const omem = Number(/ omem=(\d+)/.exec(line)?.[1] ?? -1);
    const oll = Number(/ oll=(\d+)/.exec(line)?.[1] ?? -1);
    assert.ok(omem > 0 && omem <= 2 * (big.length + 16), `omem counts the replies the kernel has not taken: ${line}`);
    assert.equal(oll, 1);
    const id = /^id=(\d+)/.exec(line)![1]!;
    assert.equal(await r.call('CLIENT', 'KILL', 'ID', id), 1);
    sock.destroy();
    await sleep(50);
    assert.equal(await r.call('PING'), 'PONG');
    assert.ok(!String(await r.call('CLIENT', 'LIST')).includes('name=stalled'));
    await r.call('DEL', 'bigreply2');
  });

  test('many clients pipelining at once: every reply matches its own request', async () => {
    const conns = await Promise.all(Array.from({ length: 8 }, () => RawConn.connect(srv.port)));
    try {
      await Promise.all(conns.map(async (c, j) => {
        for (let round = 0; round < 10; round++) {
          const cmds = [];
          for (let i = 0; i < 50; i++) cmds.push(encodeCommand(['SET', `c${j}:${i}`, `v${j}:${round}:${i}`]), encodeCommand(['GET', `c${j}:${i}`]));
          await c.write(Buffer.concat(cmds));
          for (let i = 0; i < 50; i++) {
            assert.equal(await c.raw(), '+OK\r\n');
            const want = `v${j}:${round}:${i}`;
            assert.equal(await c.raw(), `$${want.length}\r\n${want}\r\n`);
          }
        }
      }));
    } finally {
      for (const c of conns) c.close();
    }
  });
});
