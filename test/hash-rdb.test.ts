// Hashes in RDB files: saved by SAVE / DUMP and read back by a restart / RESTORE, with field TTLs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'peregrine-hashrdb-'));
const servers: RunningServer[] = [];
const clients: Valkey[] = [];
after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<[RunningServer, Valkey]> {
  const s = await startServer({ config: { dir, 'enable-debug-command': 'yes' } });
  servers.push(s);
  const c = new Valkey({ port: s.port, lazyConnect: false });
  clients.push(c);
  return [s, c];
}

test('SAVE and restart keep small, big and field-TTL hashes', async () => {
  const [s1, c1] = await open();
  await c1.call('HSET', 'small', 'f1', 'v1', 'f2', 'v2');
  const big: string[] = [];
  for (let i = 0; i < 600; i++) big.push(`field${i}`, `value${i}`);
  await c1.call('HSET', 'big', ...big);
  await c1.call('HSET', 'ttl', 'keep', 'a', 'go', 'b');
  await c1.call('HPEXPIRE', 'ttl', '600000', 'FIELDS', '1', 'go');
  assert.equal(await c1.call('SAVE'), 'OK');
  c1.disconnect();
  await s1.close();
  const [, c2] = await open();
  assert.deepEqual(await c2.call('HGETALL', 'small'), ['f1', 'v1', 'f2', 'v2']);
  assert.equal(await c2.call('OBJECT', 'ENCODING', 'small'), 'listpack');
  assert.equal(await c2.call('HLEN', 'big'), 600);
  assert.equal(await c2.call('HGET', 'big', 'field599'), 'value599');
  assert.equal(await c2.call('OBJECT', 'ENCODING', 'big'), 'hashtable');
  assert.equal(await c2.call('HGET', 'ttl', 'go'), 'b');
  const [pttl] = await c2.call('HPTTL', 'ttl', 'FIELDS', '1', 'go') as number[];
  assert.ok(pttl! > 500000 && pttl! <= 600000, `pttl ${pttl}`);
  assert.deepEqual(await c2.call('HTTL', 'ttl', 'FIELDS', '1', 'keep'), [-1]);
});

test('DUMP / RESTORE of a hash, and DEBUG RELOAD', async () => {
  const [, c] = await open();
  await c.call('FLUSHALL');
  await c.call('HSET', 'h', 'a', '1', 'b', '2');
  const payload = await c.callBuffer('DUMP', 'h') as Buffer;
  await c.call('DEL', 'h');
  assert.equal(await c.call('RESTORE', 'h', '0', payload), 'OK');
  assert.deepEqual(await c.call('HGETALL', 'h'), ['a', '1', 'b', '2']);
  await c.call('HSETEX', 'e', 'PX', '600000', 'FIELDS', '1', 'x', 'y');
  assert.equal(await c.call('DEBUG', 'RELOAD'), 'OK');
  assert.deepEqual(await c.call('HGETALL', 'h'), ['a', '1', 'b', '2']);
  assert.equal(await c.call('HGET', 'e', 'x'), 'y');
});
