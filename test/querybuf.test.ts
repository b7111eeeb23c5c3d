// The private query buffer: allocated for a partly received request, reused, reported by
// CLIENT LIST qbuf/qbuf-free, shrunk by the cron, and never corrupting argument views.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type RunningServer } from '../src/index.js';
import { RespParser } from '../src/protocol/parser.js';
import { RawConn, sleep } from '../bench/resp.js';

const servers: RunningServer[] = [];
const conns: RawConn[] = [];
after(async () => {
  for (const c of conns) c.close();
  for (const s of servers) await s.close();
});

async function qbufOf(port: number, name: string): Promise<{ qbuf: number; free: number }> {
  const admin = await RawConn.connect(port);
  conns.push(admin);
  const list = String(await admin.call('CLIENT', 'LIST'));
  admin.close();
  const line = list.split('\n').find((l) => l.includes(`name=${name} `))!;
  return { qbuf: Number(/qbuf=(\d+)/.exec(line)![1]), free: Number(/qbuf-free=(\d+)/.exec(line)![1]) };
}

test('a partial request gets a private query buffer; a complete one does not', async () => {
  const s = await startServer({ config: { hz: 100 } });
  servers.push(s);
  const c = await RawConn.connect(s.port);
  conns.push(c);
  assert.equal(await c.call('CLIENT', 'SETNAME', 'qb'), 'OK');
  assert.deepEqual(await qbufOf(s.port, 'qb'), { qbuf: 0, free: 0 });
  await c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nhel');
  await sleep(50);
  const mid = await qbufOf(s.port, 'qb');
  assert.equal(mid.qbuf > 0, true);
  assert.equal(mid.qbuf + mid.free >= 16384, true);
  await c.write('lo\r\n');
  assert.equal(String(await c.reply()), 'OK');
  assert.equal(String(await c.call('GET', 'k')), 'hello');
});

test('argument views survive the query buffer being compacted mid-request', () => {
  const p = new RespParser({ maxBulkLen: 1 << 30, authenticated: true });
  const req = Buffer.from('*4\r\n$4\r\nMSET\r\n$3\r\nabc\r\n$3\r\nxyz\r\n$4\r\ntail\r\n');
  const out: string[][] = [];
  // Feed one byte at a time: the request is completed through many compactions.
  for (let i = 0; i < req.length; i++) {
    p.feed(req.subarray(i, i + 1));
    for (let cmd = p.next(); cmd !== null; cmd = p.next()) out.push(cmd.map((a) => a.toString()));
  }
  assert.deepEqual(out, [['MSET', 'abc', 'xyz', 'tail']]);
});

test('cron frees an idle client\'s buffer and shrinks an oversized one to the recent peak', () => {
  const p = new RespParser({ maxBulkLen: 1 << 30, authenticated: true });
  p.feed(Buffer.from('*1\r\n$4\r\nPI'));
  assert.equal(p.next(), null);
  assert.equal(p.allocated >= 16384, true);
  p.feed(Buffer.from('NG\r\n'));
  assert.deepEqual(p.next()!.map(String), ['PING']);
  assert.equal(p.next(), null);
  p.cronResize(true);
  assert.equal(p.allocated, 0);
  // A big argument's buffer becomes the query buffer; an active client's is trimmed.
  const big = Buffer.alloc(100_000, 97);
  p.feed(Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$100000\r\n'), big.subarray(0, 10)]));
  assert.equal(p.next(), null);
  p.feed(Buffer.concat([big.subarray(10), Buffer.from('\r\n')]));
  assert.equal(p.next()![1]!.length, 100_000);
  assert.equal(p.next(), null);
  assert.equal(p.allocated >= 100_002, true);
  p.cronResize(false); // the peak still reflects the big argument
  p.feed(Buffer.from('*1\r\n$4\r\nPING\r\n'));
  assert.deepEqual(p.next()!.map(String), ['PING']);
  p.cronResize(false);
  assert.equal(p.allocated > 0 && p.allocated < 100_002, true);
});
