// Keyspace notifications: notify-keyspace-events parsing/rendering and the messages each class
// of event produces, received by real pub/sub subscribers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';

let srv: RunningServer;
let r: Valkey;
let sub: Valkey;
let got: string[] = [];

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = new Valkey({ port: srv.port, lazyConnect: false });
  sub = new Valkey({ port: srv.port, lazyConnect: false });
  sub.on('pmessageBuffer', (_p: Buffer, ch: Buffer, m: Buffer) => got.push(`${ch.toString('latin1')} ${m.toString('latin1')}`));
  await sub.psubscribe('*');
});

after(async () => {
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  sub.disconnect();
  r.disconnect();
  await srv.close();
});

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Runs commands with the given flags and returns the notifications they produced, in order. */
async function events(flags: string, cmds: (string | number)[][], db = 0, flush = true): Promise<string[]> {
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  await r.call('SELECT', String(db));
  if (flush) await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', flags);
  got = [];
  for (const c of cmds) await r.call(String(c[0]), ...c.slice(1).map(String));
  // A marker published after the commands: everything before it has arrived once it does.
  await r.publish('__marker__', 'x');
  for (let i = 0; i < 100 && !got.includes('__marker__ x'); i++) await sleep(10);
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  await r.call('SELECT', '0');
  return got.filter((g) => g !== '__marker__ x');
}

const ev = (event: string, key: string, db = 0) => `__keyevent@${db}__:${event} ${key}`;
const sp = (key: string, event: string, db = 0) => `__keyspace@${db}__:${key} ${event}`;

// ------------------------------------------------------------------ configuration

test('notify-keyspace-events: parsing and canonical rendering', async () => {
  const cases: Array<[string, string]> = [
    ['gKE', 'gKE'], ['$lshzxeKE', '$lshzxeKE'], ['KA', 'AK'], ['EA', 'AE'], ['', ''],
    ['Egx$', 'g$xE'], ['AKEm', 'AKEm'], ['tdn', 'tdn'], ['glshz$xetdKE', 'AKE'], ['An', 'A'],
    ['mK', 'Km'], ['KKK', 'K'],
  ];
  for (const [set, want] of cases) {
    assert.equal(await r.call('CONFIG', 'SET', 'notify-keyspace-events', set), 'OK');
    assert.deepEqual(await r.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', want], set);
  }
  await assert.rejects(r.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEq'),
    /Invalid event class character. Use 'Ag\$lshzxeKEtmdn'./);
  // The failed SET left the previous value.
  assert.deepEqual(await r.call('CONFIG', 'GET', 'notify-keyspace-events'), ['notify-keyspace-events', 'K']);
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
});

test('K and E select the channel kinds; no class, no message', async () => {
  assert.deepEqual(await events('KA', [['SET', 'foo', 'bar']]), [sp('foo', 'set')]);
  assert.deepEqual(await events('EA', [['SET', 'foo', 'bar']]), [ev('set', 'foo')]);
  assert.deepEqual(await events('KEA', [['SET', 'foo', 'bar']]), [sp('foo', 'set'), ev('set', 'foo')]);
  // Classes without K or E publish nothing, and K/E without classes neither.
  assert.deepEqual(await events('A', [['SET', 'foo', 'bar']]), []);
  assert.deepEqual(await events('KE', [['SET', 'foo', 'bar']]), []);
  // Masking: only list events.
  assert.deepEqual(await events('El', [['SET', 'foo', 'bar'], ['LPUSH', 'l', 'a'], ['DEL', 'l']]), [ev('lpush', 'l')]);
});

test('the database number is part of the channel', async () => {
  assert.deepEqual(await events('KE$', [['SET', 'k', 'v']], 5), [sp('k', 'set', 5), ev('set', 'k', 5)]);
});

// ------------------------------------------------------------------ classes

test('generic events (g)', async () => {
  assert.deepEqual(await events('Eg', [
    ['SET', 'a', '1'], ['SET', 'b', '1'], ['MSET', 'c', '1', 'd', '1'],
    ['DEL', 'a', 'nosuch'], ['UNLINK', 'b'], ['EXPIRE', 'c', '100'], ['PERSIST', 'c'], ['PEXPIRE', 'c', '100000'],
    ['RENAME', 'c', 'c2'], ['MOVE', 'c2', '1'], ['COPY', 'd', 'd2'], ['EXPIRE', 'd', '0'],
  ]), [
    ev('del', 'a'), ev('del', 'b'), ev('expire', 'c'), ev('persist', 'c'), ev('expire', 'c'),
    ev('rename_from', 'c'), ev('rename_to', 'c2'), ev('move_from', 'c2'), ev('move_to', 'c2', 1), ev('copy_to', 'd2'),
    ev('del', 'd'),
  ]);
});

test('string events ($)', async () => {
  assert.deepEqual(await events('E$', [
    ['SET', 's', 'v'], ['SETNX', 's', 'x'], ['SETNX', 't', 'x'], ['APPEND', 's', 'w'], ['INCR', 'n'], ['INCRBY', 'n', '2'],
    ['DECR', 'n'], ['INCRBYFLOAT', 'n', '1.5'], ['SETRANGE', 's', '1', 'zz'], ['GETDEL', 't'], ['GETSET', 's', 'q'],
  ]), [
    // INCR/DECR all report "incrby"; GETDEL reports a generic "del" (not in this class).
    ev('set', 's'), ev('set', 't'), ev('append', 's'), ev('incrby', 'n'), ev('incrby', 'n'), ev('incrby', 'n'),
    ev('incrbyfloat', 'n'), ev('setrange', 's'), ev('set', 's'),
  ]);
});

test('list events (l)', async () => {
  assert.deepEqual(await events('El', [
    ['LPUSH', 'l', 'a', 'b'], ['RPUSH', 'l', 'c'], ['LINSERT', 'l', 'BEFORE', 'a', 'z'], ['LSET', 'l', '0', 'y'],
    ['LREM', 'l', '1', 'z'], ['LTRIM', 'l', '0', '1'], ['LPOP', 'l'], ['RPOP', 'l'], ['RPUSH', 'm', '1', '2'],
    ['LMOVE', 'm', 'o', 'LEFT', 'RIGHT'],
  ]), [
    ev('lpush', 'l'), ev('rpush', 'l'), ev('linsert', 'l'), ev('lset', 'l'), ev('lrem', 'l'), ev('ltrim', 'l'), ev('lpop', 'l'),
    ev('rpop', 'l'), ev('rpush', 'm'), ev('rpush', 'o'), ev('lpop', 'm'),
  ]);
  // Emptying a list also deletes the key (a generic event).
  assert.deepEqual(await events('Elg', [['RPUSH', 'l', 'a'], ['LPOP', 'l']]), [ev('rpush', 'l'), ev('lpop', 'l'), ev('del', 'l')]);
});

test('set events (s)', async () => {
  assert.deepEqual(await events('Es', [
    ['SADD', 's', 'a', 'b', 'c'], ['SADD', 's', 'a'], ['SREM', 's', 'a'], ['SREM', 's', 'zz'], ['SMOVE', 's', 't', 'b'],
    ['SADD', 'u', 'x'], ['SINTERSTORE', 'v', 'u', 'u'], ['SUNIONSTORE', 'w', 'u', 't'], ['SDIFFSTORE', 'x', 'u', 't'],
  ]), [
    ev('sadd', 's'), ev('srem', 's'), ev('srem', 's'), ev('sadd', 't'), ev('sadd', 'u'),
    ev('sinterstore', 'v'), ev('sunionstore', 'w'), ev('sdiffstore', 'x'),
  ]);
});

test('zset events (z)', async () => {
  assert.deepEqual(await events('Ez', [
    ['ZADD', 'z', '1', 'a', '2', 'b', '3', 'c'], ['ZINCRBY', 'z', '1', 'a'], ['ZREM', 'z', 'a'],
    ['ZREMRANGEBYSCORE', 'z', '2', '2'], ['ZADD', 'z', '4', 'd', '5', 'e'], ['ZREMRANGEBYRANK', 'z', '0', '0'],
    ['ZPOPMIN', 'z'], ['ZUNIONSTORE', 'u', '1', 'z'],
  ]), [
    ev('zadd', 'z'), ev('zincr', 'z'), ev('zrem', 'z'), ev('zremrangebyscore', 'z'), ev('zadd', 'z'),
    ev('zremrangebyrank', 'z'), ev('zpopmin', 'z'), ev('zunionstore', 'u'),
  ]);
});

test('hash events (h), including field TTLs', async () => {
  assert.deepEqual(await events('Eh', [
    ['HSET', 'h', 'a', '1', 'b', '2'], ['HSETNX', 'h', 'c', '3'], ['HDEL', 'h', 'a'], ['HINCRBY', 'h', 'b', '1'],
    ['HINCRBYFLOAT', 'h', 'b', '0.5'], ['HEXPIRE', 'h', '100', 'FIELDS', '1', 'b'], ['HPERSIST', 'h', 'FIELDS', '1', 'b'],
  ]), [
    ev('hset', 'h'), ev('hset', 'h'), ev('hdel', 'h'), ev('hincrby', 'h'), ev('hincrbyfloat', 'h'),
    ev('hexpire', 'h'), ev('hpersist', 'h'),
  ]);
});

test('hash field expiry by the server: hexpired, then del when the hash empties', async () => {
  await r.call('FLUSHALL');
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', 'Egh');
  got = [];
  await r.call('HSET', 'hx', 'f', 'v');
  await r.call('HPEXPIRE', 'hx', '30', 'FIELDS', '1', 'f');
  for (let i = 0; i < 300 && got.length < 4; i++) await sleep(10);
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  assert.deepEqual(got, [ev('hset', 'hx'), ev('hexpire', 'hx'), ev('hexpired', 'hx'), ev('del', 'hx')]);
});

test('stream events (t)', async () => {
  assert.deepEqual(await events('Et', [
    ['XADD', 'x', '1-0', 'f', 'v'], ['XADD', 'x', '2-0', 'f', 'v'], ['XDEL', 'x', '1-0'], ['XTRIM', 'x', 'MAXLEN', '0'],
    ['XGROUP', 'CREATE', 'x', 'g', '$'], ['XGROUP', 'CREATECONSUMER', 'x', 'g', 'c'], ['XGROUP', 'SETID', 'x', 'g', '0'],
    ['XGROUP', 'DELCONSUMER', 'x', 'g', 'c'], ['XGROUP', 'DESTROY', 'x', 'g'], ['XSETID', 'x', '5-0'],
  ]), [
    ev('xadd', 'x'), ev('xadd', 'x'), ev('xdel', 'x'), ev('xtrim', 'x'), ev('xgroup-create', 'x'),
    ev('xgroup-createconsumer', 'x'), ev('xgroup-setid', 'x'), ev('xgroup-delconsumer', 'x'), ev('xgroup-destroy', 'x'),
    ev('xsetid', 'x'),
  ]);
});

test('new key events (n): once per created key, from every family', async () => {
  assert.deepEqual(await events('En', [
    ['SET', 'foo', 'bar'], ['SET', 'foo', 'baz'], ['SET', 'bar', 'bar'], ['LPUSH', 'l', 'a'], ['LPUSH', 'l', 'b'],
    ['SADD', 's', 'a'], ['HSET', 'h', 'f', 'v'], ['ZADD', 'z', '1', 'a'], ['XADD', 'x', '*', 'f', 'v'],
    ['RENAME', 'foo', 'foo2'], ['COPY', 'bar', 'bar2'], ['COPY', 'bar', 'bar2', 'REPLACE'], ['DEL', 'bar'],
    ['INCR', 'n'], ['PFADD', 'p', 'a'], ['SETBIT', 'b', '1', '1'],
  ]), [
    ev('new', 'foo'), ev('new', 'bar'), ev('new', 'l'), ev('new', 's'), ev('new', 'h'), ev('new', 'z'), ev('new', 'x'),
    ev('new', 'foo2'), ev('new', 'bar2'), ev('new', 'bar2'), ev('new', 'n'), ev('new', 'p'), ev('new', 'b'),
  ]);
  // "new" precedes the command's own event.
  assert.deepEqual(await events('KEn$', [['SET', 'k', 'v']]), [sp('k', 'new'), ev('new', 'k'), sp('k', 'set'), ev('set', 'k')]);
});

test('key miss events (m) on reads only', async () => {
  assert.deepEqual(await events('Em', [['GET', 'nosuch'], ['SET', 'k', 'v'], ['GET', 'k'], ['DEL', 'nothere'], ['LRANGE', 'l', '0', '-1']]), [
    ev('keymiss', 'nosuch'), ev('keymiss', 'l'),
  ]);
});

test('expired events (x): lazy and active expiry', async () => {
  // Lazy: the key is found expired by a read.
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  try {
    await r.call('FLUSHALL');
    await r.call('SET', 'foo', 'v', 'PX', '1');
    await sleep(20);
    const lazy = await events('Ex', [['GET', 'foo']], 0, false);
    assert.deepEqual(lazy, [ev('expired', 'foo')]);
  } finally {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  }
  // Active: nothing touches the key.
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEx');
  got = [];
  await r.call('PSETEX', 'bar', '50', 'v');
  for (let i = 0; i < 300 && got.length < 2; i++) await sleep(10);
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  assert.deepEqual(got, [sp('bar', 'expired'), ev('expired', 'bar')]);
});

test('writing over a logically expired key: expired, then new', async () => {
  await r.call('FLUSHALL');
  await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
  try {
    await r.call('SET', 'dst', 'v', 'PX', '1');
    await r.call('SADD', 'src', 'a');
    await sleep(20);
    assert.deepEqual(await events('Exns', [['SUNIONSTORE', 'dst', 'src']], 0, false),
      [ev('expired', 'dst'), ev('new', 'dst'), ev('sunionstore', 'dst')]);
  } finally {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  }
});

test('a RESP3 client sees its own notification after its reply', async () => {
  await r.call('CONFIG', 'SET', 'notify-keyspace-events', 'KA');
  try {
    const sock = net.connect(srv.port, '127.0.0.1');
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    await new Promise((res) => sock.once('connect', res));
    sock.write('HELLO 3\r\nSUBSCRIBE __keyspace@0__:self\r\nSET self v\r\n');
    const want = '+OK\r\n>3\r\n$7\r\nmessage\r\n$19\r\n__keyspace@0__:self\r\n$3\r\nset\r\n';
    for (let i = 0; i < 200 && !data.includes(want); i++) await sleep(10);
    assert.ok(data.includes(want), JSON.stringify(data.slice(-200)));
    sock.destroy();
  } finally {
    await r.call('CONFIG', 'SET', 'notify-keyspace-events', '');
  }
});

test('no notification work when nobody is subscribed, and FLUSHDB/SWAPDB publish nothing', async () => {
  assert.deepEqual(await events('KEA', [['SET', 'a', '1'], ['FLUSHDB'], ['SWAPDB', '0', '1']]), [sp('a', 'set'), ev('set', 'a')]);
});
