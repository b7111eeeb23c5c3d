// SLOWLOG and LATENCY over real sockets.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, type Reply } from '../bench/resp.js';

const servers: RunningServer[] = [];
const conns: RawConn[] = [];

async function server(config: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer({ config });
  servers.push(s);
  return s;
}

async function raw(port: number): Promise<RawConn> {
  const c = await RawConn.connect(port);
  conns.push(c);
  return c;
}

after(async () => {
  for (const c of conns) c.close();
  for (const s of servers) await s.close();
});

function errText(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error reply, got ${JSON.stringify(r)}`);
  return r.message;
}

type Entry = [number, number, number, string[], string, string];

describe('SLOWLOG', () => {
  let s: RunningServer;
  let c: RawConn;
  before(async () => {
    s = await server({ 'slowlog-log-slower-than': '1000000' });
    c = await raw(s.port);
  });

  test('starts empty; only commands at least as slow as the threshold are logged', async () => {
    assert.equal(await c.call('SLOWLOG', 'LEN'), 0);
    assert.deepEqual(await c.call('SLOWLOG', 'GET'), []);
    await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 0);
    s.server.config.set('slowlog-log-slower-than', '0', 'runtime');
    await c.call('PING');
    // The CONFIG SET above ran through the API, so PING is the first logged command (and
    // SLOWLOG LEN the second).
    assert.equal(await c.call('SLOWLOG', 'LEN'), 1);
    assert.equal(await c.call('SLOWLOG', 'LEN'), 2);
  });

  test('entries: id, unix time, duration, arguments, client address, client name', async () => {
    assert.equal(await c.call('SLOWLOG', 'RESET'), 'OK');
    await c.call('CLIENT', 'SETNAME', 'slow-client');
    await c.call('ECHO', 'hello world');
    const all = await c.call('SLOWLOG', 'GET', '-1') as Entry[];
    // Newest first: SLOWLOG RESET was logged too (the log is emptied before RESET itself is logged).
    assert.deepEqual(all.map((e) => e[3]), [['ECHO', 'hello world'], ['CLIENT', 'SETNAME', 'slow-client'], ['SLOWLOG', 'RESET']]);
    const [id, time, dur, args, addr, name] = all[0]!;
    assert.equal(id, all[1]![0] + 1);
    assert.ok(Math.abs(time - Date.now() / 1000) < 5);
    assert.equal(typeof dur, 'number');
    assert.ok(dur >= 0);
    assert.deepEqual(args, ['ECHO', 'hello world']);
    assert.equal(addr, `${c.socket.localAddress}:${c.socket.localPort}`);
    assert.equal(name, 'slow-client');
    assert.equal(all[2]![5], '', 'name at the time of logging');
  });

  test('GET count: default 10, -1 all, 0 none; errors', async () => {
    await c.call('SLOWLOG', 'RESET');
    for (let i = 0; i < 15; i++) await c.call('PING');
    assert.equal((await c.call('SLOWLOG', 'GET') as Entry[]).length, 10);
    assert.equal((await c.call('SLOWLOG', 'GET', '5') as Entry[]).length, 5);
    assert.equal((await c.call('SLOWLOG', 'GET', '0') as Entry[]).length, 0);
    // Each SLOWLOG call is logged once it has replied.
    const n = await c.call('SLOWLOG', 'LEN') as number;
    assert.equal((await c.call('SLOWLOG', 'GET', '-1') as Entry[]).length, n + 1);
    assert.equal((await c.call('SLOWLOG', 'GET', '1000') as Entry[]).length, n + 2);
    assert.equal(errText(await c.call('SLOWLOG', 'GET', '-2')), 'ERR count should be greater than or equal to -1');
    assert.equal(errText(await c.call('SLOWLOG', 'GET', '-222')), 'ERR count should be greater than or equal to -1');
    assert.equal(errText(await c.call('SLOWLOG', 'GET', 'abc')), 'ERR count should be greater than or equal to -1');
    assert.equal(errText(await c.call('SLOWLOG', 'GET', '1', '2')),
      "ERR unknown subcommand or wrong number of arguments for 'GET'. Try SLOWLOG HELP.");
    assert.equal(errText(await c.call('SLOWLOG', 'LEN', 'x')), "ERR wrong number of arguments for 'slowlog|len' command");
    assert.equal(errText(await c.call('SLOWLOG', 'FOO')), "ERR unknown subcommand 'FOO'. Try SLOWLOG HELP.");
  });

  test('slowlog-max-len trims the oldest entries; 0 keeps nothing', async () => {
    s.server.config.set('slowlog-max-len', '10', 'runtime');
    for (let i = 0; i < 30; i++) await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 10);
    s.server.config.set('slowlog-max-len', '0', 'runtime');
    await c.call('SLOWLOG', 'RESET');
    for (let i = 0; i < 10; i++) await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 0);
    s.server.config.set('slowlog-max-len', '128', 'runtime');
    await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 1);
  });

  test('a negative threshold disables the log', async () => {
    s.server.config.set('slowlog-log-slower-than', '-1', 'runtime');
    await c.call('SLOWLOG', 'RESET');
    for (let i = 0; i < 5; i++) await c.call('PING');
    assert.equal(await c.call('SLOWLOG', 'LEN'), 0);
    s.server.config.set('slowlog-log-slower-than', '0', 'runtime');
  });

  test('long argument lists and long arguments are trimmed', async () => {
    await c.call('SLOWLOG', 'RESET');
    const many = Array.from({ length: 32 }, (_, i) => String(i + 3)); // 33 arguments in all
    // PING takes any number of arguments at dispatch (it rejects extra ones itself, once executed).
    await c.call('PING', ...many);
    await c.call('ECHO', 'A'.repeat(129));
    const [second, first] = await c.call('SLOWLOG', 'GET', '2') as Entry[];
    assert.equal(first![3].length, 32);
    assert.deepEqual(first![3].slice(0, 3), ['PING', '3', '4']);
    assert.equal(first![3][30], '32');
    assert.equal(first![3][31], '... (2 more arguments)');
    assert.deepEqual(second![3], ['ECHO', 'A'.repeat(128) + '... (1 more bytes)']);
  });

  test('credentials are redacted', async () => {
    await c.call('SLOWLOG', 'RESET');
    await c.call('AUTH', 'pw');
    await c.call('AUTH', 'user', 'pw');
    await c.call('HELLO', '2', 'AUTH', 'default', 'pw', 'SETNAME', 'n');
    const e = await c.call('SLOWLOG', 'GET', '3') as Entry[];
    assert.deepEqual(e.map((x) => x[3]), [
      ['HELLO', '2', 'AUTH', '(redacted)', '(redacted)', 'SETNAME', 'n'],
      ['AUTH', '(redacted)', '(redacted)'],
      ['AUTH', '(redacted)'],
    ]);
  });

  test('MIGRATE passwords are redacted (AUTH and AUTH2)', async () => {
    await c.call('SLOWLOG', 'RESET');
    const t = String(s.port);
    assert.equal(await c.call('MIGRATE', '127.0.0.1', t, 'nokey', '9', '5000'), 'NOKEY');
    assert.equal(await c.call('MIGRATE', '127.0.0.1', t, 'nokey', '9', '5000', 'AUTH', 'pw'), 'NOKEY');
    assert.equal(await c.call('MIGRATE', '127.0.0.1', t, 'nokey', '9', '5000', 'COPY', 'AUTH2', 'user', 'pw'), 'NOKEY');
    // Redacted even when a later argument is a syntax error.
    assert.equal(errText(await c.call('MIGRATE', '127.0.0.1', t, 'nokey', '9', '5000', 'AUTH', 'pw', 'BOGUS')), 'ERR syntax error');
    const e = await c.call('SLOWLOG', 'GET', '4') as Entry[];
    assert.deepEqual(e.map((x) => x[3].slice(3)), [
      ['nokey', '9', '5000', 'AUTH', '(redacted)', 'BOGUS'],
      ['nokey', '9', '5000', 'COPY', 'AUTH2', '(redacted)', '(redacted)'],
      ['nokey', '9', '5000', 'AUTH', '(redacted)'],
      ['nokey', '9', '5000'],
    ]);
  });

  test('RESP3 and HELP', async () => {
    const c3 = await raw(s.port);
    await c3.call('HELLO', '3');
    const e = await c3.call('SLOWLOG', 'GET', '1') as Reply[][];
    assert.equal(e.length, 1);
    assert.equal(e[0]!.length, 6);
    const help = await c.call('SLOWLOG', 'HELP') as string[];
    assert.equal(help[0], 'SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('GET [<count>]') && help.includes('LEN') && help.includes('RESET'));
    assert.deepEqual(help.slice(-2), ['HELP', '    Print this help.']);
  });

  test('works through iovalkey', async () => {
    const v = new Valkey({ port: s.port, lazyConnect: false });
    try {
      await v.call('SLOWLOG', 'RESET');
      await v.set('slow-k', 'v');
      const entries = await v.call('SLOWLOG', 'GET', '1') as unknown[][];
      assert.deepEqual(entries[0]![3], ['set', 'slow-k', 'v']);
    } finally { v.disconnect(); }
  });
});

describe('LATENCY', () => {
  let s: RunningServer;
  let c: RawConn;
  before(async () => {
    s = await server();
    c = await raw(s.port);
  });

  test('no events: LATEST empty, HISTORY empty, GRAPH error, DOCTOR explains, RESET 0', async () => {
    assert.deepEqual(await c.call('LATENCY', 'LATEST'), []);
    assert.deepEqual(await c.call('LATENCY', 'HISTORY', 'command'), []);
    assert.equal(errText(await c.call('LATENCY', 'GRAPH', 'command')), "ERR No samples available for event 'command'");
    assert.match(await c.call('LATENCY', 'DOCTOR') as string, /disabled/);
    s.server.config.set('latency-monitor-threshold', '100', 'runtime');
    assert.match(await c.call('LATENCY', 'DOCTOR') as string, /No latency spike/);
    assert.equal(await c.call('LATENCY', 'RESET'), 0);
    assert.equal(await c.call('LATENCY', 'RESET', 'blabla'), 0);
  });

  test('recorded events: LATEST, HISTORY, GRAPH, DOCTOR, RESET', async () => {
    const lat = s.server.latency;
    lat.add('command', 250.7);
    lat.add('command', 120); // same second: keeps the higher sample
    lat.add('expire-cycle', 30);
    const latest = await c.call('LATENCY', 'LATEST') as [string, number, number, number][];
    assert.equal(latest.length, 2);
    const cmd = latest.find((e) => e[0] === 'command')!;
    assert.ok(Math.abs(cmd[1] - Date.now() / 1000) < 5);
    assert.equal(cmd[2], 250);
    assert.equal(cmd[3], 250);
    const hist = await c.call('LATENCY', 'HISTORY', 'command') as [number, number][];
    assert.equal(hist.length, 1);
    assert.equal(hist[0]![1], 250);
    // Event names are case-sensitive for HISTORY, not for RESET.
    assert.deepEqual(await c.call('LATENCY', 'HISTORY', 'COMMAND'), []);
    const graph = await c.call('LATENCY', 'GRAPH', 'command') as string;
    assert.match(graph, /^command - high 250 ms, low 250 ms \(all time high 250 ms\)\n-{80}\n/);
    const doctor = await c.call('LATENCY', 'DOCTOR') as string;
    assert.match(doctor, /command/);
    assert.match(doctor, /expire-cycle/);
    assert.equal(await c.call('LATENCY', 'RESET', 'EXPIRE-CYCLE', 'nope'), 1);
    assert.deepEqual((await c.call('LATENCY', 'LATEST') as Reply[][]).map((e) => e[0]), ['command']);
    assert.equal(await c.call('LATENCY', 'RESET'), 1);
    assert.deepEqual(await c.call('LATENCY', 'LATEST'), []);
  });

  test('slow commands are recorded as "command" events above the threshold', async () => {
    const t = await server({ 'latency-monitor-threshold': '1' });
    const k = await raw(t.port);
    // Nothing this fast crosses 1 ms reliably, so slow down a handler for one call.
    const cmd = t.server.registry.lookupName('echo')!;
    const orig = cmd.handler!;
    cmd.handler = (cl, argv) => { const end = performance.now() + 5; while (performance.now() < end) { /* spin */ } orig(cl, argv); };
    await k.call('ECHO', 'slow');
    cmd.handler = orig;
    const latest = await k.call('LATENCY', 'LATEST') as [string, number, number, number][];
    assert.equal(latest.length, 1);
    assert.equal(latest[0]![0], 'fast-command'); // ECHO is a fast command
    assert.ok(latest[0]![2] >= 5);
  });

  test('HISTOGRAM: per-command cumulative distribution', async () => {
    const t = await server();
    const k = await raw(t.port);
    for (let i = 0; i < 5; i++) await k.call('PING');
    await k.call('CLIENT', 'ID');
    await k.call('CLIENT', 'ID');
    await k.call('CLIENT', 'GETNAME');
    const h = await k.call('LATENCY', 'HISTOGRAM', 'ping') as Reply[];
    assert.equal(h.length, 2);
    assert.equal(h[0], 'ping');
    const body = h[1] as Reply[];
    assert.equal(body[0], 'calls');
    assert.equal(body[1], 5);
    assert.equal(body[2], 'histogram_usec');
    const buckets = body[3] as number[];
    assert.ok(buckets.length >= 2 && buckets.length % 2 === 0);
    let prevUs = 0, prevN = 0;
    for (let i = 0; i < buckets.length; i += 2) {
      const us = buckets[i]!, n = buckets[i + 1]!;
      assert.ok(us > prevUs, 'bucket bounds ascend');
      assert.ok([1, 2, 4, 8, 16, 33, 66, 132, 264, 528, 1056, 2113, 4227, 8454, 16908, 33816, 67633].includes(us) || us > 67633,
        `bucket ${us} is one of Valkey's power-of-two levels`);
      assert.ok(n > prevN, 'counts are cumulative');
      prevUs = us; prevN = n;
    }
    assert.equal(prevN, 5, 'the last bucket holds every call');

    // A container name expands to its subcommands that ran; unknown names are skipped.
    const cl = await k.call('LATENCY', 'HISTOGRAM', 'client', 'blabla') as Reply[];
    const names = cl.filter((_, i) => i % 2 === 0);
    assert.deepEqual(names.sort(), ['client|getname', 'client|id']);
    const id = await k.call('LATENCY', 'HISTOGRAM', 'CLIENT|ID') as Reply[];
    assert.equal(id[0], 'client|id');
    assert.equal((id[1] as Reply[])[1], 2);
    assert.deepEqual(await k.call('LATENCY', 'HISTOGRAM', 'blabla', 'zadd'), []);

    // Without arguments: every command that ran.
    const all = await k.call('LATENCY', 'HISTOGRAM') as Reply[];
    const allNames = all.filter((_, i) => i % 2 === 0);
    for (const n of ['ping', 'client|id', 'client|getname', 'latency|histogram']) assert.ok(allNames.includes(n), n);

    // RESP3: maps.
    await k.call('HELLO', '3');
    const m = await k.call('LATENCY', 'HISTOGRAM', 'ping') as Map<Reply, Reply>;
    assert.ok(m instanceof Map);
    const pm = m.get('ping') as Map<Reply, Reply>;
    assert.equal(pm.get('calls'), 5);
    assert.ok(pm.get('histogram_usec') instanceof Map);
  });

  test('HELP and arity', async () => {
    const help = await c.call('LATENCY', 'HELP') as string[];
    assert.equal(help[0], 'LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    for (const l of ['DOCTOR', 'GRAPH <event>', 'HISTORY <event>', 'LATEST', 'RESET [<event> ...]', 'HISTOGRAM [COMMAND ...]']) {
      assert.ok(help.includes(l), l);
    }
    assert.equal(errText(await c.call('LATENCY', 'HELP', 'xxx')), "ERR wrong number of arguments for 'latency|help' command");
    assert.equal(errText(await c.call('LATENCY', 'HISTORY')), "ERR wrong number of arguments for 'latency|history' command");
    await c.write(encodeCommand(['LATENCY', 'LATEST']));
    assert.equal(await c.raw(), '*0\r\n');
  });
});
