// A BullMQ-style set of Lua scripts run the way job-queue libraries run them: the client library's
// defineCommand sends EVALSHA and falls back to EVAL on NOSCRIPT; scripts touch several keys,
// call blocking-type commands (which must not block inside a script), use locks with tokens,
// error_reply for lost locks, a rate limiter, and PUBLISH/XADD for events.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';

let srv: RunningServer;
let r: Valkey;

// KEYS: wait list, id counter, events stream. ARGV: job name, data, timestamp.
const ADD_JOB = `
local id = redis.call('INCR', KEYS[2])
local jobKey = KEYS[2] .. ':' .. id
redis.call('HSET', jobKey, 'name', ARGV[1], 'data', ARGV[2], 'timestamp', ARGV[3], 'attempts', 0)
redis.call('LPUSH', KEYS[1], id)
redis.call('XADD', KEYS[3], 'MAXLEN', '~', 1000, '*', 'event', 'waiting', 'jobId', id)
return id`;

// KEYS: wait, active, id counter (prefix of job hashes). ARGV: lock token, lock ms.
// BRPOPLPUSH inside a script never blocks: nil when the wait list is empty.
const MOVE_TO_ACTIVE = `
local id = redis.call('BRPOPLPUSH', KEYS[1], KEYS[2], 0)
if not id then return nil end
local jobKey = KEYS[3] .. ':' .. id
redis.call('SET', jobKey .. ':lock', ARGV[1], 'PX', ARGV[2])
redis.call('HINCRBY', jobKey, 'attempts', 1)
local data = redis.call('HGET', jobKey, 'data')
return {id, data}`;

// KEYS: active, completed zset, id counter prefix, events stream. ARGV: id, token, result, ts.
const MOVE_TO_COMPLETED = `
local jobKey = KEYS[3] .. ':' .. ARGV[1]
local lock = redis.call('GET', jobKey .. ':lock')
if lock ~= ARGV[2] then
  return redis.error_reply('ERR Missing lock for job ' .. ARGV[1] .. '. moveToFinished')
end
if redis.call('LREM', KEYS[1], -1, ARGV[1]) == 0 then
  return redis.error_reply('ERR Job ' .. ARGV[1] .. ' is not in the active list')
end
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
redis.call('HSET', jobKey, 'returnvalue', ARGV[3], 'finishedOn', ARGV[4])
redis.call('DEL', jobKey .. ':lock')
redis.call('XADD', KEYS[4], '*', 'event', 'completed', 'jobId', ARGV[1])
redis.call('PUBLISH', KEYS[4] .. ':completed', ARGV[1])
return 0`;

// KEYS: lock key. ARGV: token, ms. Extends the lock only for its owner.
const EXTEND_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`;

// KEYS: limiter key. ARGV: max, window ms. Returns {allowed 0/1, count, ttl}.
const RATE_LIMIT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
local ttl = redis.call('PTTL', KEYS[1])
if n > tonumber(ARGV[1]) then return {0, n, ttl} end
return {1, n, ttl}`;

interface Queue extends Valkey {
  addJob(wait: string, ids: string, events: string, name: string, data: string, ts: number): Promise<number>;
  moveToActive(wait: string, active: string, ids: string, token: string, ms: number): Promise<[string, string] | null>;
  moveToCompleted(active: string, completed: string, ids: string, events: string, id: string, token: string,
    result: string, ts: number): Promise<number>;
  extendLock(lock: string, token: string, ms: number): Promise<number>;
  rateLimit(key: string, max: number, windowMs: number): Promise<[number, number, number]>;
}

function queueClient(): Queue {
  const q = new Valkey({ port: srv.port, lazyConnect: false }) as Queue;
  q.defineCommand('addJob', { numberOfKeys: 3, lua: ADD_JOB });
  q.defineCommand('moveToActive', { numberOfKeys: 3, lua: MOVE_TO_ACTIVE });
  q.defineCommand('moveToCompleted', { numberOfKeys: 4, lua: MOVE_TO_COMPLETED });
  q.defineCommand('extendLock', { numberOfKeys: 1, lua: EXTEND_LOCK });
  q.defineCommand('rateLimit', { numberOfKeys: 1, lua: RATE_LIMIT });
  return q;
}

async function cmdstat(name: string): Promise<{ calls: number; failed: number }> {
  const info = await r.info('commandstats');
  const m = new RegExp(`cmdstat_${name}:calls=(\\d+),.*failed_calls=(\\d+)`).exec(info);
  return m ? { calls: Number(m[1]), failed: Number(m[2]) } : { calls: 0, failed: 0 };
}

serverForFile({}, (s, c) => { srv = s; r = c; });

test('EVALSHA with NOSCRIPT fallback: EVAL loads the script, EVALSHA hits the cache, SCRIPT FLUSH makes the library fall back', async () => {
  await r.flushall();
  await r.call('SCRIPT', 'FLUSH');
  await r.call('CONFIG', 'RESETSTAT');
  const q = queueClient();
  try {
    // First use on this connection: the library sends EVAL (which also loads the script).
    assert.equal(await q.addJob('q:wait', 'q:id', 'q:events', 'email', '{"to":"a"}', 1), 1);
    assert.equal((await cmdstat('eval')).calls, 1);
    assert.equal(await q.addJob('q:wait', 'q:id', 'q:events', 'email', '{"to":"b"}', 2), 2);
    assert.equal((await cmdstat('eval')).calls, 1, 'no second EVAL: EVALSHA hits the cache');
    assert.deepEqual(await cmdstat('evalsha'), { calls: 1, failed: 0 });
    // Multi-key effects of one script.
    assert.deepEqual(await r.lrange('q:wait', 0, -1), ['2', '1']);
    assert.deepEqual(await r.hgetall('q:id:1'), { name: 'email', data: '{"to":"a"}', timestamp: '1', attempts: '0' });
    assert.equal(await r.xlen('q:events'), 2);
    // SCRIPT FLUSH in the middle of the run: EVALSHA fails with NOSCRIPT, the library falls back
    // to EVAL and keeps working.
    await r.call('SCRIPT', 'FLUSH');
    assert.equal(await q.addJob('q:wait', 'q:id', 'q:events', 'sms', 'x', 3), 3);
    assert.deepEqual(await cmdstat('evalsha'), { calls: 2, failed: 1 });
    assert.equal((await cmdstat('eval')).calls, 2);
    assert.equal(await q.addJob('q:wait', 'q:id', 'q:events', 'sms', 'y', 4), 4);
    assert.deepEqual(await cmdstat('evalsha'), { calls: 3, failed: 1 });
    assert.equal((await cmdstat('eval')).calls, 2);
    assert.equal(await r.llen('q:wait'), 4);
  } finally { q.disconnect(); }
});

test('workers move jobs through the queue exactly once; blocking-type commands in scripts do not block', async () => {
  await r.flushall();
  const producer = queueClient();
  const workers = [queueClient(), queueClient(), queueClient(), queueClient()];
  const sub = new Valkey({ port: srv.port, lazyConnect: false });
  const published: string[] = [];
  sub.on('message', (_ch: string, msg: string) => { published.push(msg); });
  await sub.subscribe('q:events:completed');
  try {
    // An empty wait list: BRPOPLPUSH inside the script answers nil at once.
    const t0 = Date.now();
    assert.equal(await workers[0]!.moveToActive('q:wait', 'q:active', 'q:id', 'tok', 30000), null);
    assert.ok(Date.now() - t0 < 1000);
    const N = 60;
    for (let i = 0; i < N; i++) await producer.addJob('q:wait', 'q:id', 'q:events', 'job', `payload-${i}`, i);
    const done = new Map<string, string>();
    await Promise.all(workers.map(async (w, wi) => {
      for (;;) {
        const token = `w${wi}-${Math.random()}`;
        const job = await w.moveToActive('q:wait', 'q:active', 'q:id', token, 30000);
        if (job === null) return;
        const [id, data] = job;
        assert.equal(await w.extendLock(`q:id:${id}:lock`, token, 60000), 1);
        assert.equal(await w.extendLock(`q:id:${id}:lock`, 'not-the-owner', 60000), 0);
        assert.equal(await w.moveToCompleted('q:active', 'q:completed', 'q:id', 'q:events', id, token, `done:${data}`, Number(id)), 0);
        assert.ok(!done.has(id), `job ${id} processed twice`);
        done.set(id, data);
      }
    }));
    assert.equal(done.size, N);
    assert.equal(await r.llen('q:wait'), 0);
    assert.equal(await r.llen('q:active'), 0);
    assert.equal(await r.zcard('q:completed'), N);
    assert.equal(await r.hget('q:id:17', 'returnvalue'), 'done:payload-16');
    assert.equal(await r.hget('q:id:17', 'attempts'), '1');
    assert.equal(await r.exists('q:id:17:lock'), 0);
    assert.equal(await r.xlen('q:events'), 2 * N);
    for (let i = 0; i < 100 && published.length < N; i++) await new Promise((res) => setTimeout(res, 10));
    assert.equal(published.length, N);
    // A lost lock is an error reply from the script, and nothing changes.
    await producer.addJob('q:wait', 'q:id', 'q:events', 'job', 'late', 99);
    const job = await workers[0]!.moveToActive('q:wait', 'q:active', 'q:id', 'tok-a', 30000);
    assert.ok(job);
    await r.del(`q:id:${job[0]}:lock`);
    await assert.rejects(workers[1]!.moveToCompleted('q:active', 'q:completed', 'q:id', 'q:events', job[0], 'tok-a', 'x', 1),
      new RegExp(`^ReplyError: ERR Missing lock for job ${job[0]}\\. moveToFinished`));
    assert.equal(await r.llen('q:active'), 1);
    assert.equal(await r.zcard('q:completed'), N);
  } finally {
    producer.disconnect();
    for (const w of workers) w.disconnect();
    sub.disconnect();
  }
});

test('a rate limiter script: INCR + PEXPIRE on the first hit, refusals past the limit, reset after the window', async () => {
  await r.flushall();
  const q = queueClient();
  try {
    const results: Array<[number, number, number]> = [];
    for (let i = 0; i < 7; i++) results.push(await q.rateLimit('rl:user1', 5, 300));
    assert.deepEqual(results.map((x) => x[0]), [1, 1, 1, 1, 1, 0, 0]);
    assert.deepEqual(results.map((x) => x[1]), [1, 2, 3, 4, 5, 6, 7]);
    for (const x of results) assert.ok(x[2] > 0 && x[2] <= 300, `ttl ${x[2]}`);
    // Another key is independent.
    assert.deepEqual((await q.rateLimit('rl:user2', 5, 300)).slice(0, 2), [1, 1]);
    await new Promise((res) => setTimeout(res, 400));
    assert.deepEqual((await q.rateLimit('rl:user1', 5, 300)).slice(0, 2), [1, 1]);
  } finally { q.disconnect(); }
});

test('scripts in a pipeline and inside MULTI keep their order with plain commands', async () => {
  await r.flushall();
  const q = queueClient();
  try {
    const p = q.pipeline();
    p.set('rl:x', '10');
    (p as unknown as Queue).rateLimit('rl:x', 100, 1000);
    p.get('rl:x');
    const res = (await p.exec())!.map(([e, v]) => { assert.equal(e, null); return v; });
    assert.equal(res[0], 'OK');
    assert.deepEqual((res[1] as number[]).slice(0, 2), [1, 11]);
    assert.equal(res[2], '11');
    const m = q.multi();
    (m as unknown as Queue).addJob('q:wait', 'q:id', 'q:events', 'tx', 'd', 1);
    m.llen('q:wait');
    const tx = (await m.exec())!.map(([e, v]) => { assert.equal(e, null); return v; });
    assert.deepEqual(tx, [1, 1]);
  } finally { q.disconnect(); }
});
