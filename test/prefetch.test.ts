// Batch key prefetching: the parser's look-ahead (which requests and keys it reports, and that it
// consumes nothing), the prefetch itself, and pipelines against a keyspace big enough to turn
// prefetching on, with prefetching on and off giving the same replies.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RespParser } from '../src/protocol/parser.js';
import { Keyspace } from '../src/store/keyspace.js';
import { prefetchKeys, prefetchSink, prefetchBatches, PREFETCH_MAX, PREFETCH_MIN_KEYS } from '../src/store/prefetch.js';
import { RawConn, encodeCommand } from '../bench/resp.js';
import { serverForFile } from './helpers.js';
import type { Valkey } from 'iovalkey';

const cmd = (...a: string[]) => encodeCommand(a);

function scan(input: Buffer, max = PREFETCH_MAX): { keys: string[]; parser: RespParser } {
  const p = new RespParser({ maxBulkLen: 1 << 30, authenticated: true });
  p.feed(input);
  const offs = new Int32Array(2 * PREFETCH_MAX);
  const b = p.scanKeys(offs, max);
  const keys: string[] = [];
  for (let i = 0; i < p.scanCount; i++) keys.push(b!.toString('latin1', offs[2 * i]!, offs[2 * i]! + offs[2 * i + 1]!));
  return { keys, parser: p };
}

describe('parser look-ahead (scanKeys)', () => {
  test('reports the second argument of each complete request, in order', () => {
    const { keys } = scan(Buffer.concat([cmd('SET', 'k1', 'v'), cmd('GET', 'key:2'), cmd('HSET', 'h', 'f', 'v'), cmd('PING')]));
    // PING has no second argument: it is skipped, not an end.
    assert.deepEqual(keys, ['k1', 'key:2', 'h']);
  });

  test('stops at an incomplete request and at the limit', () => {
    const full = Buffer.concat([cmd('GET', 'a'), cmd('GET', 'b'), cmd('SET', 'c', 'value')]);
    assert.deepEqual(scan(full.subarray(0, full.length - 3)).keys, ['a', 'b']);
    assert.deepEqual(scan(full, 2).keys, ['a', 'b']);
    // Cut inside the key's length header, and inside the key itself.
    const two = Buffer.concat([cmd('GET', 'a'), cmd('GET', 'bbbbbbbbbbbb')]);
    for (let cut = cmd('GET', 'a').length + 1; cut < two.length; cut++) {
      assert.deepEqual(scan(two.subarray(0, cut)).keys, ['a'], `cut at ${cut}`);
    }
  });

  test('stops at inline requests and malformed input, and reports nothing for them', () => {
    assert.deepEqual(scan(Buffer.from('GET a\r\nGET b\r\n')).keys, []);
    assert.deepEqual(scan(Buffer.concat([cmd('GET', 'a'), Buffer.from('GET b\r\n'), cmd('GET', 'c')])).keys, ['a']);
    assert.deepEqual(scan(Buffer.from('*2\r\n+GET\r\n$1\r\na\r\n')).keys, []);
    assert.deepEqual(scan(Buffer.from('*x\r\n')).keys, []);
    assert.deepEqual(scan(Buffer.from('*2\r\n$-1\r\n')).keys, []);
  });

  test('consumes nothing: the requests still parse afterwards', () => {
    const { keys, parser } = scan(Buffer.concat([cmd('SET', 'k', 'v'), cmd('GET', 'k')]));
    assert.deepEqual(keys, ['k', 'k']);
    assert.deepEqual(parser.next()!.map(String), ['SET', 'k', 'v']);
    assert.deepEqual(parser.next()!.map(String), ['GET', 'k']);
    assert.equal(parser.next(), null);
  });

  test('reports nothing while a request is half parsed', () => {
    const p = new RespParser({ maxBulkLen: 1 << 30, authenticated: true });
    p.feed(Buffer.from('*2\r\n$3\r\nGET\r\n'));
    assert.equal(p.next(), null);
    const offs = new Int32Array(2 * PREFETCH_MAX);
    assert.equal(p.scanKeys(offs, PREFETCH_MAX), null);
    assert.equal(p.scanCount, 0);
  });
});

describe('prefetchKeys', () => {
  test('touches the key blocks of present keys (through a resize as well)', () => {
    const ks = new Keyspace(1);
    const db = ks.dbs[0]!;
    const keys: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      const k = Buffer.from(`key:${i}`);
      keys.push(k);
      db.setString(k, Buffer.from('v'));
      if (i === 1500) assert.ok(db.dict.isRehashing() || db.dict.size > 0);
    }
    const input = Buffer.concat(keys.slice(0, 16).map((k) => cmd('GET', k.toString())));
    const p = new RespParser({ maxBulkLen: 1 << 30, authenticated: true });
    p.feed(input);
    const offs = new Int32Array(2 * PREFETCH_MAX);
    const b = p.scanKeys(offs, PREFETCH_MAX)!;
    prefetchKeys(db.dict, ks.arena, b, offs, p.scanCount);
    // Each touched word is the key length of the bucket's first block: a positive sum.
    assert.ok(prefetchSink() > 0);
    // Absent keys and an empty index are fine.
    const empty = new Keyspace(1);
    prefetchKeys(empty.dbs[0]!.dict, empty.arena, b, offs, p.scanCount);
  });
});

describe('pipelines over a keyspace large enough for prefetching', () => {
  let r: Valkey;
  let port = 0;
  serverForFile({ 'enable-debug-command': 'yes' }, (s, c) => { port = s.port; r = c; });

  test('prefetching on and off give the same replies, with SELECT and misses mixed in', async () => {
    const n = PREFETCH_MIN_KEYS + 1000;
    assert.equal(await r.call('DEBUG', 'POPULATE', String(n), 'key', '8'), 'OK');
    assert.equal(await r.call('SELECT', '1'), 'OK');
    await r.call('SET', 'key:5', 'in-db-1');
    await r.call('SELECT', '0');
    const conn = await RawConn.connect(port);
    try {
      const batch: Buffer[] = [];
      for (let i = 0; i < 40; i++) {
        batch.push(cmd('GET', `key:${i * 997}`));
        batch.push(cmd('SET', `new:${i}`, `v${i}`));
        batch.push(cmd('GET', `missing:${i}`));
        if (i === 20) batch.push(cmd('SELECT', '1'), cmd('GET', 'key:5'), cmd('SELECT', '0'));
        batch.push(cmd('GET', `new:${i}`));
      }
      const input = Buffer.concat(batch);
      const replies: unknown[][] = [];
      const ran: number[] = [];
      for (const size of ['16', '0', '16']) {
        await conn.call('CONFIG', 'SET', 'prefetch-batch-max-size', size);
        const b0 = prefetchBatches();
        await conn.write(input);
        const got: unknown[] = [];
        for (let i = 0; i < batch.length; i++) got.push(await conn.reply());
        replies.push(got);
        ran.push(prefetchBatches() - b0);
      }
      // (The server runs in this process: its prefetch counter is visible here.)
      assert.ok(ran[0]! > 0 && ran[2]! > 0, `prefetched batches: ${ran}`);
      assert.equal(ran[1], 0, `prefetched batches: ${ran}`);
      assert.deepEqual(replies[1], replies[0]);
      assert.deepEqual(replies[2], replies[0]);
      const got = replies[0]!;
      // The batch's replies are the ones each command gives on its own.
      assert.equal(got[0], await r.call('GET', 'key:0'));
      assert.equal(got[4 * 39 + 3 + 3], 'v39');
      assert.ok(got.includes('in-db-1'));
      assert.equal(got.filter((x) => x === null).length, 40);
    } finally {
      conn.close();
    }
  });
});
