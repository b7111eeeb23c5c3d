// Pub/sub over real connections: iovalkey for the ordinary client paths, and a raw socket client
// (RESP2 and RESP3) for exact reply shapes, push messages and output-buffer behaviour.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { pubsubOf } from '../src/pubsub/pubsub.js';
import { PROPAGATE_AOF, PROPAGATE_REPL } from '../src/replication/propagate.js';

// ------------------------------------------------------------------ a raw RESP client

type Reply = string | number | bigint | null | boolean | Reply[] | { push: Reply[] } | Error;

/** Parses one RESP2/RESP3 value at buf[pos]; returns [value, next] or null when incomplete. */
function parseOne(buf: Buffer, pos: number): [Reply, number] | null {
  if (pos >= buf.length) return null;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const t = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, eol);
  const next = eol + 2;
  switch (t) {
    case '+': return [line, next];
    case '-': return [new Error(line), next];
    case ':': return [Number(line), next];
    case ',': return [Number(line), next];
    case '#': return [line === 't', next];
    case '_': return [null, next];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, next];
      if (buf.length < next + n + 2) return null;
      return [buf.toString('latin1', next, next + n), next + n + 2];
    }
    case '*': case '>': case '~': case '%': {
      let n = Number(line);
      if (n < 0) return [null, next];
      if (t === '%') n *= 2;
      const out: Reply[] = [];
      let p = next;
      for (let i = 0; i < n; i++) {
        const r = parseOne(buf, p);
        if (r === null) return null;
        out.push(r[0]); p = r[1];
      }
      return [t === '>' ? { push: out } : out, p];
    }
    default: throw new Error(`bad type ${t}`);
  }
}

class Raw {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;
  readonly sock: net.Socket;
  constructor(port: number) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.on('data', (d) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => {});
  }
  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }
  ready(): Promise<void> { return new Promise((r) => this.sock.once('connect', () => r())); }
  send(...args: (string | Buffer)[]): void {
    let s = `*${args.length}\r\n`;
    const parts: Buffer[] = [];
    for (const a of args) {
      const b = typeof a === 'string' ? Buffer.from(a) : a;
      parts.push(Buffer.from(s + `$${b.length}\r\n`), b);
      s = '\r\n';
    }
    parts.push(Buffer.from('\r\n'));
    this.sock.write(Buffer.concat(parts));
  }
  async read(timeoutMs = 2000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = parseOne(this.buf, 0);
      if (r !== null) { this.buf = this.buf.subarray(r[1]); return r[0]; }
      if (this.closed) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('read timeout');
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
  }
  async cmd(...args: (string | Buffer)[]): Promise<Reply> { this.send(...args); return this.read(); }
  /** True when nothing arrives within ms. */
  async silent(ms = 100): Promise<boolean> {
    await new Promise((r) => setTimeout(r, ms));
    return parseOne(this.buf, 0) === null;
  }
  close(): void { this.sock.destroy(); }
}

let srv: RunningServer;
let r: Valkey;
const opened: Array<{ close(): void } | Valkey> = [];

async function raw(resp = 2): Promise<Raw> {
  const c = new Raw(srv.port);
  opened.push(c);
  await c.ready();
  if (resp === 3) await c.cmd('HELLO', '3');
  return c;
}

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false });
});

after(async () => {
  for (const c of opened) {
    if (c instanceof Valkey) c.disconnect(); else c.close();
  }
  r.disconnect();
  await srv.close();
});

const push = (...items: Reply[]) => ({ push: items });
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** Closes every connection the tests opened and waits until the server has no subscriber left. */
async function clean(): Promise<void> {
  for (const c of opened.splice(0)) {
    if (c instanceof Valkey) c.disconnect(); else c.close();
  }
  await waitFor(() => pubsubOf(srv.server).subscribers.size === 0);
}

async function waitFor(cond: () => Promise<boolean> | boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await cond()) return; await sleep(20); }
  assert.fail('condition not reached');
}

// ------------------------------------------------------------------ basics

test('SUBSCRIBE / PUBLISH / UNSUBSCRIBE with iovalkey (RESP2)', async () => {
  await clean();
  const sub = new Valkey({ port: srv.port, lazyConnect: false });
  opened.push(sub);
  const got: string[] = [];
  sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`));
  assert.equal(await sub.subscribe('chan1', 'chan2'), 2);
  assert.equal(await r.publish('chan1', 'hello'), 1);
  assert.equal(await r.publish('chan2', 'world'), 1);
  assert.equal(await r.publish('other', 'x'), 0);
  await waitFor(() => got.length === 2);
  assert.deepEqual(got, ['chan1:hello', 'chan2:world']);
  await sub.unsubscribe('chan1');
  assert.equal(await r.publish('chan1', 'hello'), 0);
  assert.equal(await r.publish('chan2', 'again'), 1);
  await waitFor(() => got.length === 3);
  assert.equal(got[2], 'chan2:again');
  sub.disconnect();
  await waitFor(async () => (await r.publish('chan2', 'x')) === 0);
});

test('RESP2 reply shapes: subscribe counts, repeated subscribe, unsubscribe of unknown channels', async () => {
  await clean();
  const c = await raw();
  assert.deepEqual(await c.cmd('SUBSCRIBE', 'a', 'b', 'a'), ['subscribe', 'a', 1]);
  assert.deepEqual(await c.read(), ['subscribe', 'b', 2]);
  assert.deepEqual(await c.read(), ['subscribe', 'a', 2]);
  assert.deepEqual(await c.cmd('PSUBSCRIBE', 'x*'), ['psubscribe', 'x*', 3]);
  assert.deepEqual(await c.cmd('UNSUBSCRIBE', 'nope'), ['unsubscribe', 'nope', 3]);
  assert.deepEqual(await c.cmd('PUNSUBSCRIBE', 'nope*'), ['punsubscribe', 'nope*', 3]);
  // Without arguments: one confirmation per subscription, counting down.
  c.send('UNSUBSCRIBE');
  const a = (await c.read()) as Reply[], b = (await c.read()) as Reply[];
  assert.deepEqual([a[0], b[0]], ['unsubscribe', 'unsubscribe']);
  assert.deepEqual([a[1], b[1]].sort(), ['a', 'b']);
  assert.deepEqual([a[2], b[2]], [2, 1]);
  assert.deepEqual(await c.cmd('PUNSUBSCRIBE'), ['punsubscribe', 'x*', 0]);
  // Nothing left: a single confirmation with a nil name and a zero count.
  assert.deepEqual(await c.cmd('UNSUBSCRIBE'), ['unsubscribe', null, 0]);
  assert.deepEqual(await c.cmd('PUNSUBSCRIBE'), ['punsubscribe', null, 0]);
  assert.deepEqual(await c.cmd('SUNSUBSCRIBE'), ['sunsubscribe', null, 0]);
  // Out of subscribed mode again: ordinary commands work.
  assert.equal(await c.cmd('PING'), 'PONG');
});

test('RESP2 subscribed mode: only (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET', async () => {
  await clean();
  const c = await raw();
  await c.cmd('SUBSCRIBE', 'somechannel');
  const e = await c.cmd('GET', 'foo');
  assert.ok(e instanceof Error);
  assert.equal(e.message, "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context");
  const e2 = await c.cmd('CONFIG', 'GET', 'port');
  assert.ok(e2 instanceof Error && e2.message.includes("'config|get'"));
  assert.deepEqual(await c.cmd('PING'), ['pong', '']);
  assert.deepEqual(await c.cmd('PING', 'foo'), ['pong', 'foo']);
  assert.deepEqual(await c.cmd('SSUBSCRIBE', 'sh'), ['ssubscribe', 'sh', 1]);
  assert.deepEqual(await c.cmd('UNSUBSCRIBE', 'somechannel'), ['unsubscribe', 'somechannel', 0]);
  // Still subscribed to a shard channel: still in subscribed mode.
  assert.ok((await c.cmd('GET', 'foo')) instanceof Error);
  assert.deepEqual(await c.cmd('SUNSUBSCRIBE', 'sh'), ['sunsubscribe', 'sh', 0]);
  assert.equal(await c.cmd('PING'), 'PONG');
  assert.equal(await c.cmd('GET', 'foo'), null);
});

test('RESP3: pushes, ordinary commands while subscribed, nulls as _', async () => {
  await clean();
  const c = await raw(3);
  assert.deepEqual(await c.cmd('SUBSCRIBE', 'ch'), push('subscribe', 'ch', 1));
  assert.equal(await c.cmd('PING'), 'PONG');
  assert.equal(await c.cmd('PING', 'foo'), 'foo');
  assert.equal(await c.cmd('SET', 'k3', 'v'), 'OK');
  assert.equal(await r.publish('ch', 'm1'), 1);
  assert.deepEqual(await c.read(), push('message', 'ch', 'm1'));
  assert.deepEqual(await c.cmd('UNSUBSCRIBE', 'ch'), push('unsubscribe', 'ch', 0));
  assert.deepEqual(await c.cmd('UNSUBSCRIBE'), push('unsubscribe', null, 0));
  assert.deepEqual(await c.cmd('PUNSUBSCRIBE'), push('punsubscribe', null, 0));
});

test('RESP3: publishing to itself delivers the message after the reply (also inside MULTI)', async () => {
  await clean();
  const c = await raw(3);
  await c.cmd('SUBSCRIBE', 'foo');
  assert.equal(await c.cmd('PUBLISH', 'foo', 'bar'), 1);
  assert.deepEqual(await c.read(), push('message', 'foo', 'bar'));
  assert.equal(await c.cmd('MULTI'), 'OK');
  assert.equal(await c.cmd('PING', 'abc'), 'QUEUED');
  assert.equal(await c.cmd('PUBLISH', 'foo', 'bar'), 'QUEUED');
  assert.equal(await c.cmd('PUBLISH', 'foo', 'vaz'), 'QUEUED');
  assert.equal(await c.cmd('PING', 'def'), 'QUEUED');
  assert.deepEqual(await c.cmd('EXEC'), ['abc', 1, 1, 'def']);
  assert.deepEqual(await c.read(), push('message', 'foo', 'bar'));
  assert.deepEqual(await c.read(), push('message', 'foo', 'vaz'));
  // UNSUBSCRIBE inside MULTI: the confirmations are the queued commands' replies.
  await c.cmd('SUBSCRIBE', 'bar', 'baz');
  await c.read();
  await c.cmd('MULTI');
  await c.cmd('PING', 'abc');
  await c.cmd('UNSUBSCRIBE', 'bar');
  await c.cmd('UNSUBSCRIBE', 'baz');
  await c.cmd('PING', 'def');
  assert.deepEqual(await c.cmd('EXEC'), ['abc', push('unsubscribe', 'bar', 2), push('unsubscribe', 'baz', 1), 'def']);
  assert.equal(await c.cmd('PUBLISH', 'foo', 'vaz'), 1);
  assert.deepEqual(await c.read(), push('message', 'foo', 'vaz'));
  assert.ok(await c.silent());
});

test('RESP3 with CLIENT REPLY OFF still receives confirmations and messages', async () => {
  await clean();
  const c = await raw(3);
  c.send('CLIENT', 'REPLY', 'OFF');
  assert.deepEqual(await c.cmd('SUBSCRIBE', 'channel'), push('subscribe', 'channel', 1));
  assert.deepEqual(await c.cmd('PSUBSCRIBE', 'ch*'), push('psubscribe', 'ch*', 2));
  assert.equal(await r.publish('channel', 'hello'), 2);
  assert.deepEqual(await c.read(), push('message', 'channel', 'hello'));
  assert.deepEqual(await c.read(), push('pmessage', 'ch*', 'channel', 'hello'));
  // Ordinary replies stay silenced.
  c.send('PING');
  assert.deepEqual(await c.cmd('UNSUBSCRIBE', 'channel'), push('unsubscribe', 'channel', 1));
  assert.deepEqual(await c.cmd('PUNSUBSCRIBE', 'ch*'), push('punsubscribe', 'ch*', 0));
  assert.ok(await c.silent());
});

// ------------------------------------------------------------------ patterns

test('PSUBSCRIBE: glob matching, pmessage, mixed with SUBSCRIBE, NUMPAT', async () => {
  await clean();
  const c = await raw();
  assert.deepEqual(await c.cmd('PSUBSCRIBE', 'foo.*', 'h?llo', 'b[ae]r', 'x\\*y'), ['psubscribe', 'foo.*', 1]);
  for (let i = 0; i < 3; i++) await c.read();
  assert.deepEqual(await c.cmd('SUBSCRIBE', 'foo.bar'), ['subscribe', 'foo.bar', 5]);
  assert.equal(await r.publish('foo.bar', 'hello'), 2);
  assert.deepEqual(await c.read(), ['message', 'foo.bar', 'hello']);
  assert.deepEqual(await c.read(), ['pmessage', 'foo.*', 'foo.bar', 'hello']);
  assert.equal(await r.publish('hallo', 'a'), 1);
  assert.deepEqual(await c.read(), ['pmessage', 'h?llo', 'hallo', 'a']);
  assert.equal(await r.publish('ber', 'b'), 1);
  assert.deepEqual(await c.read(), ['pmessage', 'b[ae]r', 'ber', 'b']);
  assert.equal(await r.publish('bir', 'b'), 0);
  assert.equal(await r.publish('x*y', 'lit'), 1);
  assert.equal(await r.publish('xzy', 'lit'), 0);
  assert.deepEqual(await c.read(), ['pmessage', 'x\\*y', 'x*y', 'lit']);
  const d = await raw();
  await d.cmd('PSUBSCRIBE', 'foo.*', 'zzz*');
  await d.read();
  // Unique patterns: foo.* h?llo b[ae]r x\*y zzz*
  assert.equal(await r.call('PUBSUB', 'NUMPAT'), 5);
  // Patterns are not counted by NUMSUB, and do not show in CHANNELS.
  assert.deepEqual(await r.call('PUBSUB', 'NUMSUB', 'foo.bar', 'foo.*'), ['foo.bar', 1, 'foo.*', 0]);
  assert.equal(await r.publish('foo.x', 'two'), 2);
  assert.deepEqual(await d.read(), ['pmessage', 'foo.*', 'foo.x', 'two']);
  d.close();
  await waitFor(async () => (await r.call('PUBSUB', 'NUMPAT')) === 4);
  c.send('PUNSUBSCRIBE');
  for (let i = 0; i < 4; i++) await c.read();
  assert.equal(await r.call('PUBSUB', 'NUMPAT'), 0);
});

// ------------------------------------------------------------------ shard channels

test('SSUBSCRIBE / SPUBLISH / SUNSUBSCRIBE and their separate count', async () => {
  await clean();
  const c = await raw();
  const d = await raw(3);
  assert.deepEqual(await c.cmd('SUBSCRIBE', 'chan'), ['subscribe', 'chan', 1]);
  assert.deepEqual(await c.cmd('PSUBSCRIBE', '*'), ['psubscribe', '*', 2]);
  assert.deepEqual(await c.cmd('SSUBSCRIBE', 'chan', 'other'), ['ssubscribe', 'chan', 1]);
  assert.deepEqual(await c.read(), ['ssubscribe', 'other', 2]);
  assert.deepEqual(await d.cmd('SSUBSCRIBE', 'chan'), push('ssubscribe', 'chan', 1));
  // SPUBLISH reaches shard subscribers only (no patterns, no classic channel).
  assert.equal(await r.call('SPUBLISH', 'chan', 'hi'), 2);
  assert.deepEqual(await c.read(), ['smessage', 'chan', 'hi']);
  assert.deepEqual(await d.read(), push('smessage', 'chan', 'hi'));
  // PUBLISH reaches classic and pattern subscribers only.
  assert.equal(await r.publish('chan', 'classic'), 2);
  assert.deepEqual(await c.read(), ['message', 'chan', 'classic']);
  assert.deepEqual(await c.read(), ['pmessage', '*', 'chan', 'classic']);
  assert.ok(await d.silent());
  assert.deepEqual(((await r.call('PUBSUB', 'SHARDCHANNELS')) as string[]).sort(), ['chan', 'other']);
  assert.deepEqual(await r.call('PUBSUB', 'SHARDCHANNELS', 'o*'), ['other']);
  assert.deepEqual(await r.call('PUBSUB', 'SHARDNUMSUB', 'chan', 'other', 'none'), ['chan', 2, 'other', 1, 'none', 0]);
  assert.deepEqual(await r.call('PUBSUB', 'SHARDNUMSUB'), []);
  assert.deepEqual(await r.call('PUBSUB', 'CHANNELS'), ['chan']);
  assert.deepEqual(await c.cmd('SUNSUBSCRIBE', 'chan', 'nope'), ['sunsubscribe', 'chan', 1]);
  assert.deepEqual(await c.read(), ['sunsubscribe', 'nope', 1]);
  assert.deepEqual(await c.cmd('SUNSUBSCRIBE'), ['sunsubscribe', 'other', 0]);
  assert.deepEqual(await c.cmd('SUNSUBSCRIBE'), ['sunsubscribe', null, 0]);
  assert.equal(await r.call('SPUBLISH', 'chan', 'x'), 1);
  c.close(); d.close();
});

// ------------------------------------------------------------------ introspection

test('PUBSUB CHANNELS / NUMSUB / NUMPAT / HELP and errors', async () => {
  await clean();
  const c = await raw();
  const d = await raw();
  await c.cmd('SUBSCRIBE', 'news.a', 'news.b', 'sport');
  await c.read(); await c.read();
  await d.cmd('SUBSCRIBE', 'news.a');
  assert.deepEqual(((await r.call('PUBSUB', 'CHANNELS')) as string[]).sort(), ['news.a', 'news.b', 'sport']);
  assert.deepEqual(((await r.call('PUBSUB', 'CHANNELS', 'news.*')) as string[]).sort(), ['news.a', 'news.b']);
  assert.deepEqual(await r.call('PUBSUB', 'CHANNELS', 'x*'), []);
  assert.deepEqual(await r.call('PUBSUB', 'NUMSUB', 'news.a', 'sport', 'none'), ['news.a', 2, 'sport', 1, 'none', 0]);
  assert.deepEqual(await r.call('PUBSUB', 'NUMSUB'), []);
  const help = (await r.call('PUBSUB', 'HELP')) as string[];
  assert.match(help[0]!, /^PUBSUB <subcommand>/);
  assert.ok(help.includes('NUMPAT'));
  await assert.rejects(r.call('PUBSUB', 'CHANNELS', 'a', 'b'), /ERR unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP./);
  await assert.rejects(r.call('PUBSUB', 'NUMPAT', 'x'), /wrong number of arguments/);
  await assert.rejects(r.call('PUBSUB', 'FOO'), /unknown subcommand 'FOO'/);
  await assert.rejects(r.call('SUBSCRIBE'), /wrong number of arguments for 'subscribe'/);
  await assert.rejects(r.call('PUBLISH', 'a'), /wrong number of arguments for 'publish'/);
  c.close(); d.close();
  await waitFor(async () => ((await r.call('PUBSUB', 'CHANNELS')) as string[]).length === 0);
});

test('binary channel names and messages', async () => {
  await clean();
  const c = await raw();
  const name = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x41]);
  c.send('SUBSCRIBE', name);
  const rep = (await c.read()) as Reply[];
  assert.equal(rep[1], name.toString('latin1'));
  const msg = Buffer.from([1, 2, 0xfe, 0x0d, 0x0a]);
  assert.equal(await r.publish(name, msg), 1);
  assert.deepEqual(await c.read(), ['message', name.toString('latin1'), msg.toString('latin1')]);
  const numsub = (await r.callBuffer('PUBSUB', 'NUMSUB', name)) as Buffer[];
  assert.ok((numsub[0] as Buffer).equals(name));
  assert.equal(numsub[1], 1);
  c.close();
});

test('CLIENT LIST sub/psub/ssub and flags, INFO fields', async () => {
  await clean();
  const c = await raw();
  await c.cmd('CLIENT', 'SETNAME', 'subber');
  await c.cmd('SUBSCRIBE', 'i1', 'i2'); await c.read();
  await c.cmd('PSUBSCRIBE', 'p*');
  await c.cmd('SSUBSCRIBE', 's1');
  const line = ((await r.call('CLIENT', 'LIST')) as string).split('\n').find((l) => l.includes('name=subber'))!;
  assert.match(line, / flags=P /);
  assert.match(line, / sub=2 psub=1 ssub=1 /);
  const list = (await r.call('CLIENT', 'LIST', 'TYPE', 'pubsub')) as string;
  assert.ok(list.includes('name=subber'));
  const info = (await r.info()) as string;
  assert.match(info, /pubsub_channels:2\r\n/);
  assert.match(info, /pubsub_patterns:1\r\n/);
  assert.match(info, /pubsubshard_channels:1\r\n/);
  assert.match(info, /pubsub_clients:1\r\n/);
  c.close();
  await waitFor(async () => /pubsub_clients:0\r\n/.test((await r.info('clients')) as string));
  assert.match((await r.info('stats')) as string, /pubsub_channels:0\r\n/);
});

test('RESET and disconnection drop every subscription', async () => {
  await clean();
  const c = await raw();
  await c.cmd('SUBSCRIBE', 'r1');
  await c.cmd('PSUBSCRIBE', 'r*');
  await c.cmd('SSUBSCRIBE', 'rs');
  assert.equal(await c.cmd('RESET'), 'RESET');
  assert.deepEqual(await r.call('PUBSUB', 'NUMSUB', 'r1'), ['r1', 0]);
  assert.equal(await r.call('PUBSUB', 'NUMPAT'), 0);
  assert.deepEqual(await r.call('PUBSUB', 'SHARDNUMSUB', 'rs'), ['rs', 0]);
  assert.equal(await r.publish('r1', 'x'), 0);
  // Back to normal mode.
  assert.equal(await c.cmd('SET', 'afterreset', '1'), 'OK');
  await c.cmd('SUBSCRIBE', 'r2');
  c.close();
  await waitFor(async () => (await r.publish('r2', 'x')) === 0);
});

test('SUBSCRIBE inside MULTI is allowed, SSUBSCRIBE is not', async () => {
  await clean();
  const c = await raw(3);
  await c.cmd('MULTI');
  await c.cmd('SUBSCRIBE', 'm1');
  await c.cmd('SSUBSCRIBE', 'm2');
  const res = (await c.cmd('EXEC')) as Reply[];
  assert.deepEqual(res[0], push('subscribe', 'm1', 1));
  assert.ok(res[1] instanceof Error);
  assert.equal((res[1] as Error).message, "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
  c.close();
});

test('PUBLISH and SPUBLISH are propagated to replicas, not to the AOF', async () => {
  await clean();
  const seen: string[] = [];
  const aof: string[] = [];
  const remove = srv.server.propagator.addFeed((_db, argv) => seen.push(argv.map((a) => a.toString()).join(' ')), PROPAGATE_REPL);
  const removeAof = srv.server.propagator.addFeed((_db, argv) => aof.push(argv.map((a) => a.toString()).join(' ')), PROPAGATE_AOF);
  try {
    await r.publish('nobody', 'listens');
    await r.call('SPUBLISH', 'shard', 'msg');
    await r.set('pubsub-aof-probe', '1');
    assert.ok(seen.includes('publish nobody listens') || seen.includes('PUBLISH nobody listens'), seen.join('|'));
    assert.ok(seen.some((s) => s.toLowerCase() === 'spublish shard msg'), seen.join('|'));
    // Valkey's publishCommand forces propagation to replicas only: the AOF sees the SET alone.
    assert.deepEqual(aof.map((s) => s.toLowerCase()), ['set pubsub-aof-probe 1']);
  } finally { remove(); removeAof(); }
});

// ------------------------------------------------------------------ output buffer limits

test('client-output-buffer-limit pubsub: hard limit disconnects a slow subscriber', async () => {
  await clean();
  await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 100000 0 0');
  const before = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec((await r.info('stats')) as string)![1]);
  const lines: string[] = [];
  const log = srv.server.log as unknown as { sink: ((l: string) => void) | null };
  const prevSink = log.sink;
  log.sink = (l: string) => { lines.push(l); };
  const c = await raw();
  await c.cmd('CLIENT', 'SETNAME', 'slowsub');
  await c.cmd('SUBSCRIBE', 'flood');
  c.sock.pause(); // stop reading: output accumulates on the server
  const big = 'x'.repeat(10000);
  let disconnected = false;
  for (let i = 0; i < 5000 && !disconnected; i++) {
    await r.publish('flood', big);
    if (i % 20 === 19) {
      const list = (await r.call('CLIENT', 'LIST')) as string;
      disconnected = !list.includes('name=slowsub');
    }
  }
  assert.ok(disconnected, 'subscriber was not disconnected');
  const after = Number(/client_output_buffer_limit_disconnections:(\d+)/.exec((await r.info('stats')) as string)![1]);
  assert.equal(after, before + 1);
  log.sink = prevSink;
  // Logged like Valkey, with the CLIENT LIST line of the client.
  assert.ok(lines.some((l) => /Client id=\d+ addr=\S+ .*name=slowsub .*sub=1 .* scheduled to be closed ASAP for overcoming of output buffer limits\./.test(l)), lines.join('\n'));
  assert.equal(await r.publish('flood', 'x'), 0);
  await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  c.close();
});

test('client-output-buffer-limit pubsub: soft limit enforced after its seconds, also without traffic', async () => {
  await clean();
  await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 0 100000 1');
  const c = await raw();
  await c.cmd('CLIENT', 'SETNAME', 'softsub');
  await c.cmd('SUBSCRIBE', 'soft');
  c.sock.pause();
  const big = 'y'.repeat(10000);
  const ps = pubsubOf(srv.server);
  const me = [...ps.subscribers].find((x) => x.name === 'softsub')!;
  // Fill until over the soft limit (the kernel buffers absorb the first part).
  for (let i = 0; i < 5000 && me.outputBytes < 100000; i++) await r.publish('soft', big);
  assert.ok(me.outputBytes >= 100000);
  const t0 = Date.now();
  // Still connected right after crossing the limit; disconnected by the cron after > 1 s.
  assert.ok(((await r.call('CLIENT', 'LIST')) as string).includes('name=softsub'));
  await waitFor(async () => !((await r.call('CLIENT', 'LIST')) as string).includes('name=softsub'), 4000);
  assert.ok(Date.now() - t0 >= 900, `closed too early (${Date.now() - t0} ms)`);
  await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'pubsub 32mb 8mb 60');
  c.close();
});

test('a subscriber that reads keeps up with a pipelined publisher', async () => {
  await clean();
  const subs: Raw[] = [];
  for (let i = 0; i < 5; i++) { const s = await raw(i % 2 ? 3 : 2); await s.cmd('SUBSCRIBE', 'fan'); subs.push(s); }
  const p = new Valkey({ port: srv.port, lazyConnect: false });
  opened.push(p);
  const pipe = p.pipeline();
  for (let i = 0; i < 200; i++) pipe.publish('fan', `m${i}`);
  const res = await pipe.exec();
  assert.ok(res!.every(([err, n]: [Error | null, unknown]) => err === null && n === 5));
  for (const s of subs) {
    for (let i = 0; i < 200; i++) {
      const m = await s.read();
      const items = Array.isArray(m) ? m : (m as { push: Reply[] }).push;
      assert.deepEqual(items, ['message', 'fan', `m${i}`]);
    }
    s.close();
  }
  p.disconnect();
});

test('client-output-buffer-limit normal: a reply over the hard limit closes the client unsent; EXEC still runs everything', async () => {
  await clean();
  await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 100000 0 0');
  try {
    await r.set('big', 'z'.repeat(60000));
    const c = await raw();
    await c.cmd('CLIENT', 'SETNAME', 'bigreader');
    // One reply under the limit is sent.
    assert.equal(((await c.cmd('GET', 'big')) as string).length, 60000);
    // Two in one batch go over it: nothing is sent and the client is gone.
    c.sock.write('GET big\r\nGET big\r\n');
    await assert.rejects(c.read(), /connection closed/);
    assert.ok(!((await r.call('CLIENT', 'LIST')) as string).includes('name=bigreader'));
    // A transaction whose reply is too big still executes completely.
    const d = await raw();
    await d.cmd('MULTI');
    await d.cmd('SET', 'tx1', 'a');
    await d.cmd('GET', 'big');
    await d.cmd('GET', 'big');
    await d.cmd('SET', 'tx2', 'b');
    d.send('EXEC');
    await assert.rejects(d.read(), /connection closed/);
    d.close();
    assert.equal(await r.get('tx1'), 'a');
    assert.equal(await r.get('tx2'), 'b');
  } finally {
    await r.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0');
  }
});
