// Client-side caching over real sockets: CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO,
// invalidation in default, BCAST, OPTIN, OPTOUT and NOLOOP modes, RESP3 pushes and RESP2
// redirection through the __redis__:invalidate channel, ordering after the command's reply,
// flushes, table limit, INFO / CLIENT LIST fields, RESET and disconnects.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyError, sleep, type Reply } from '../bench/resp.js';

const servers: RunningServer[] = [];
const conns: RawConn[] = [];
const clients: Valkey[] = [];

async function raw(p = port): Promise<RawConn> {
  const c = await RawConn.connect(p);
  conns.push(c);
  return c;
}

/** A RESP3 connection (HELLO 3). */
async function raw3(p = port): Promise<RawConn> {
  const c = await raw(p);
  await c.call('HELLO', '3');
  return c;
}

function client(p = port): Valkey {
  const v = new Valkey({ port: p, lazyConnect: false, maxRetriesPerRequest: 0 });
  clients.push(v);
  return v;
}

let port = 0;
before(async () => {
  const s = await startServer({ config: { 'enable-debug-command': 'yes' } });
  servers.push(s);
  port = s.port;
});

after(async () => {
  for (const v of clients) v.disconnect();
  for (const c of conns) c.close();
  for (const s of servers) await s.close();
});

function errText(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error reply, got ${JSON.stringify(r)}`);
  return r.message;
}

/** Next frame must be the given reply (nothing else queued before it). */
async function expectReply(c: RawConn, want: Reply): Promise<void> {
  assert.deepEqual(await c.reply(), want);
}

/** Nothing arrived beyond what we consumed: a PING answers PONG right away. */
async function nothingPending(c: RawConn): Promise<void> {
  await sleep(30);
  assert.equal(c.queued, 0, 'no unexpected frame queued');
  assert.equal(await c.call('PING'), 'PONG');
}

async function info(v: Valkey, field: string): Promise<string> {
  const text = await v.call('INFO', 'everything') as string;
  const m = new RegExp(`\\r\\n${field}:([^\\r]*)\\r\\n`).exec(text);
  assert.ok(m, `INFO has ${field}`);
  return m[1]!;
}

describe('CLIENT TRACKING argument validation', () => {
  test('every validation error is byte-identical to Valkey', async () => {
    const v = client();
    const other = client();
    const otherId = await other.call('CLIENT', 'ID') as number;
    const cases: Array<[string[], string]> = [
      [['maybe'], 'ERR syntax error'],
      [['on', 'bogus'], 'ERR syntax error'],
      [['on', 'REDIRECT'], 'ERR syntax error'],
      [['on', 'PREFIX'], 'ERR syntax error'],
      [['on', 'REDIRECT', 'abc'], 'ERR value is not an integer or out of range'],
      [['on', 'REDIRECT', '987654'], 'ERR The client ID you want redirect to does not exist'],
      [['on', 'REDIRECT', '0'], 'ERR The client ID you want redirect to does not exist'],
      [['on', 'REDIRECT', String(otherId), 'REDIRECT', String(otherId)], 'ERR A client can only redirect to a single other client'],
      [['on', 'PREFIX', 'a'], 'ERR PREFIX option requires BCAST mode to be enabled'],
      [['on', 'BCAST', 'OPTIN'], 'ERR OPTIN and OPTOUT are not compatible with BCAST'],
      [['on', 'BCAST', 'OPTOUT'], 'ERR OPTIN and OPTOUT are not compatible with BCAST'],
      [['on', 'OPTIN', 'OPTOUT'], "ERR You can't specify both OPTIN mode and OPTOUT mode"],
      [['on', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO'],
        "ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap."],
      [['on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'FOOBAR'],
        "ERR Prefix 'FOO' overlaps with another provided prefix 'FOOBAR'. Prefixes for a single client must not overlap."],
      [['on', 'BCAST', 'PREFIX', 'x', 'PREFIX', 'x'],
        "ERR Prefix 'x' overlaps with another provided prefix 'x'. Prefixes for a single client must not overlap."],
      // Options are parsed (and rejected) even when turning tracking off.
      [['off', 'REDIRECT', '987654'], 'ERR The client ID you want redirect to does not exist'],
      [['off', 'nope'], 'ERR syntax error'],
    ];
    for (const [args, err] of cases) {
      await assert.rejects(v.call('CLIENT', 'TRACKING', ...args), (e: Error) => {
        assert.equal(e.message, err, `CLIENT TRACKING ${args.join(' ')}`);
        return true;
      });
    }
    // Nothing above turned tracking on.
    assert.equal(await v.call('CLIENT', 'GETREDIR'), -1);
    await assert.rejects(v.call('CLIENT', 'TRACKING'), /^ReplyError: ERR wrong number of arguments for 'client\|tracking' command$/);
    // OFF with valid options is fine.
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off', 'BCAST', 'NOLOOP'), 'OK');
  });

  test('mode switches while tracking is on, and prefix overlaps with existing prefixes', async () => {
    const v = client();
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'OPTIN'), 'OK');
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'OPTOUT'),
      { message: "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode." });
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'BCAST'),
      { message: "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode." });
    // Same mode again is accepted (and resets the other options).
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'OPTIN', 'NOLOOP'), 'OK');
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'optin', 'noloop'], 'redirect', 0, 'prefixes', []]);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on'), 'OK');
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on'], 'redirect', 0, 'prefixes', []]);
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'BCAST'), /switch BCAST mode/);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off'), 'OK');

    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO', 'PREFIX', 'BAR'), 'OK');
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FO'),
      { message: "ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap." });
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BARB'),
      { message: "ERR Prefix 'BARB' overlaps with an existing prefix 'BAR'. Prefixes for a single client must not overlap." });
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'FOO'), /existing prefix 'FOO'/);
    await assert.rejects(v.call('CLIENT', 'TRACKING', 'on', 'PREFIX', 'ZED'), { message: 'ERR PREFIX option requires BCAST mode to be enabled' });
    // Adding a non-overlapping prefix works; prefixes are listed in byte order.
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'BA'.replace('A', 'Z')), 'OK');
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'bcast'], 'redirect', 0, 'prefixes', ['BAR', 'BZ', 'FOO']]);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off'), 'OK');
  });

  test('CLIENT CACHING rules and errors', async () => {
    const v = client();
    await assert.rejects(v.call('CLIENT', 'CACHING', 'yes'),
      { message: 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled' });
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on'), 'OK');
    await assert.rejects(v.call('CLIENT', 'CACHING', 'yes'), { message: 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.' });
    await assert.rejects(v.call('CLIENT', 'CACHING', 'no'), { message: 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.' });
    await assert.rejects(v.call('CLIENT', 'CACHING', 'maybe'), { message: 'ERR syntax error' });
    await assert.rejects(v.call('CLIENT', 'CACHING', 'yes', 'extra'), /^ReplyError: ERR wrong number of arguments for 'client\|caching' command$/);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off'), 'OK');
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'OPTIN'), 'OK');
    await assert.rejects(v.call('CLIENT', 'CACHING', 'no'), /only valid when tracking is enabled in OPTOUT mode/);
    assert.equal(await v.call('CLIENT', 'CACHING', 'YES'), 'OK');
    assert.deepEqual((await v.call('CLIENT', 'TRACKINGINFO') as Reply[])[1], ['on', 'optin', 'caching-yes']);
    // CLIENT subcommands keep the flag; any other command consumes it.
    assert.deepEqual((await v.call('CLIENT', 'TRACKINGINFO') as Reply[])[1], ['on', 'optin', 'caching-yes']);
    await v.call('PING');
    assert.deepEqual((await v.call('CLIENT', 'TRACKINGINFO') as Reply[])[1], ['on', 'optin']);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off'), 'OK');
    assert.equal(await v.call('CLIENT', 'TRACKING', 'on', 'OPTOUT'), 'OK');
    await assert.rejects(v.call('CLIENT', 'CACHING', 'yes'), /only valid when tracking is enabled in OPTIN mode/);
    assert.equal(await v.call('CLIENT', 'CACHING', 'no'), 'OK');
    assert.deepEqual((await v.call('CLIENT', 'TRACKINGINFO') as Reply[])[1], ['on', 'optout', 'caching-no']);
    assert.equal(await v.call('CLIENT', 'TRACKING', 'off'), 'OK');
  });
});

describe('GETREDIR / TRACKINGINFO', () => {
  test('RESP2 replies', async () => {
    const v = client();
    const other = client();
    const otherId = await other.call('CLIENT', 'ID') as number;
    assert.equal(await v.call('CLIENT', 'GETREDIR'), -1);
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['off'], 'redirect', -1, 'prefixes', []]);
    await v.call('CLIENT', 'TRACKING', 'on');
    assert.equal(await v.call('CLIENT', 'GETREDIR'), 0);
    await v.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(otherId), 'NOLOOP');
    assert.equal(await v.call('CLIENT', 'GETREDIR'), otherId);
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'noloop'], 'redirect', otherId, 'prefixes', []]);
    await v.call('CLIENT', 'TRACKING', 'off');
    await v.call('CLIENT', 'TRACKING', 'on', 'BCAST');
    assert.deepEqual(await v.call('CLIENT', 'TRACKINGINFO'), ['flags', ['on', 'bcast'], 'redirect', 0, 'prefixes', ['']]);
    await v.call('CLIENT', 'TRACKING', 'off');
    assert.equal(await v.call('CLIENT', 'GETREDIR'), -1);
  });

  test('RESP3 reply is a map with a set of flags', async () => {
    const c = await raw3();
    await c.write('CLIENT TRACKINGINFO\r\n');
    assert.equal(await c.raw(), '%3\r\n$5\r\nflags\r\n~1\r\n$3\r\noff\r\n$8\r\nredirect\r\n:-1\r\n$8\r\nprefixes\r\n*0\r\n');
    assert.equal(await c.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p:', 'NOLOOP'), 'OK');
    await c.write('CLIENT TRACKINGINFO\r\n');
    assert.equal(await c.raw(),
      '%3\r\n$5\r\nflags\r\n~3\r\n$2\r\non\r\n$5\r\nbcast\r\n$6\r\nnoloop\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*1\r\n$2\r\np:\r\n');
    assert.equal(await c.call('CLIENT', 'TRACKING', 'off'), 'OK');
  });
});

describe('default mode invalidation', () => {
  test('RESP3: keys read are invalidated once when another client writes them', async () => {
    const r = await raw3();
    const w = client();
    await w.call('MSET', 'dm:a', '1', 'dm:b', '1');
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on'), 'OK');
    assert.equal(await r.call('GET', 'dm:a'), '1');
    await w.call('INCR', 'dm:b'); // not read: no message
    await w.call('INCR', 'dm:a');
    await r.write('PING\r\n');
    assert.equal(await r.raw(), '>2\r\n$10\r\ninvalidate\r\n*1\r\n$4\r\ndm:a\r\n');
    await expectReply(r, 'PONG');
    // The entry is gone: a second write says nothing until the key is read again.
    await w.call('INCR', 'dm:a');
    await nothingPending(r);
    // Keys of multi-key reads are all remembered; missing keys too.
    assert.deepEqual(await r.call('MGET', 'dm:a', 'dm:b', 'dm:none'), ['3', '2', null]);
    await w.call('SET', 'dm:none', 'x');
    await w.call('DEL', 'dm:b');
    await expectReply(r, ['invalidate', ['dm:none']]);
    await expectReply(r, ['invalidate', ['dm:b']]);
    await nothingPending(r);
    // Writes (not reads) do not track.
    await r.call('SET', 'dm:w', '1');
    await w.call('SET', 'dm:w', '2');
    await nothingPending(r);
    assert.equal(await r.call('CLIENT', 'TRACKING', 'off'), 'OK');
    await w.call('SET', 'dm:a', 'z');
    await nothingPending(r);
  });

  test('RESP2 without redirect: keys tracked, nothing sent on the connection', async () => {
    const r = await raw();
    const w = client();
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on'), 'OK');
    await r.call('GET', 'r2:a');
    await w.call('SET', 'r2:a', '1');
    await nothingPending(r);
    // Switching to RESP3 later makes the invalidations of keys read before visible.
    await r.call('GET', 'r2:a');
    await r.call('HELLO', '3');
    await w.call('SET', 'r2:a', '2');
    await expectReply(r, ['invalidate', ['r2:a']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('RESP2 redirect to a subscriber of __redis__:invalidate (iovalkey subscriber and raw bytes)', async () => {
    const sub = client();
    const subId = await sub.call('CLIENT', 'ID') as number;
    const got: Array<[string, string]> = [];
    sub.on('message', (ch: string, msg: string) => got.push([ch, msg]));
    await sub.subscribe('__redis__:invalidate');
    const rawSub = await raw();
    const rawId = await rawSub.call('CLIENT', 'ID') as number;
    await rawSub.call('SUBSCRIBE', '__redis__:invalidate');
    const r = client();
    const w = client();
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(subId)), 'OK');
    await w.call('SET', 'rd:a', '1');
    await r.call('GET', 'rd:a');
    await w.call('SET', 'rd:a', '2');
    for (let i = 0; i < 50 && got.length === 0; i++) await sleep(10);
    assert.deepEqual(got, [['__redis__:invalidate', 'rd:a']]);
    // Raw bytes: a pub/sub message whose payload is an array of keys.
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(rawId)), 'OK');
    await r.call('GET', 'rd:a');
    await w.call('SET', 'rd:a', '3');
    assert.equal(await rawSub.raw(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$4\r\nrd:a\r\n');
    // FLUSHDB sends a null payload.
    await w.call('FLUSHDB');
    assert.equal(await rawSub.raw(), '*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n');
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('redirect to a RESP2 connection that is not subscribed sends nothing; to RESP3 sends a push', async () => {
    const target = await raw();
    const tid = await target.call('CLIENT', 'ID') as number;
    const r = client();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(tid));
    await r.call('GET', 'rr:a');
    await w.call('SET', 'rr:a', '1');
    await nothingPending(target);
    await target.call('HELLO', '3');
    await r.call('GET', 'rr:a');
    await w.call('SET', 'rr:a', '2');
    await expectReply(target, ['invalidate', ['rr:a']]);
    // Several clients can redirect to the same connection.
    const r2 = client();
    await r2.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(tid));
    await r.call('GET', 'rr:x');
    await r2.call('GET', 'rr:y');
    await w.call('SET', 'rr:x', '1');
    await w.call('SET', 'rr:y', '1');
    await expectReply(target, ['invalidate', ['rr:x']]);
    await expectReply(target, ['invalidate', ['rr:y']]);
    await r.call('CLIENT', 'TRACKING', 'off');
    await r2.call('CLIENT', 'TRACKING', 'off');
  });

  test('broken redirect: tracking-redir-broken push, flags R and broken_redirect', async () => {
    const target = await raw();
    const tid = await target.call('CLIENT', 'ID') as number;
    const r = await raw3();
    const rid = await r.call('CLIENT', 'ID') as number;
    const w = client();
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(tid)), 'OK');
    await r.call('GET', 'br:a');
    let line = (await w.call('CLIENT', 'LIST', 'ID', String(rid)) as string);
    assert.match(line, / flags=t /);
    assert.match(line, new RegExp(` redir=${tid} `));
    assert.equal(await target.call('QUIT'), 'OK');
    await target.closed();
    await w.call('SET', 'br:a', '1');
    assert.deepEqual(await r.reply(), ['tracking-redir-broken', tid]);
    const ti = await r.call('CLIENT', 'TRACKINGINFO') as Map<Reply, Reply>;
    assert.deepEqual(ti.get('flags'), new Set(['on', 'broken_redirect']));
    assert.equal(ti.get('redirect'), tid);
    line = (await w.call('CLIENT', 'LIST', 'ID', String(rid)) as string);
    assert.match(line, / flags=tR /);
    // A RESP2 client with a broken redirect gets nothing.
    await r.call('HELLO', '2');
    await r.call('GET', 'br:a');
    await w.call('SET', 'br:a', '2');
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
    line = (await w.call('CLIENT', 'LIST', 'ID', String(rid)) as string);
    assert.match(line, / flags=N /);
    assert.match(line, / redir=-1 /);
  });

  test('NOLOOP: own writes are not reported, others are', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on', 'NOLOOP');
    assert.deepEqual(await r.call('MGET', 'nl:1', 'nl:loop', 'nl:2'), [null, null, null]);
    await w.call('SET', 'nl:1', '1');
    await expectReply(r, ['invalidate', ['nl:1']]);
    assert.equal(await r.call('SET', 'nl:loop', '1'), 'OK');
    await w.call('SET', 'nl:2', '1');
    await expectReply(r, ['invalidate', ['nl:2']]);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('OPTIN tracks only after CLIENT CACHING yes; OPTOUT skips after CLIENT CACHING no', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on', 'OPTIN');
    await r.call('GET', 'oi:a');
    await w.call('SET', 'oi:a', '1');
    await nothingPending(r);
    await r.call('CLIENT', 'CACHING', 'yes');
    await r.call('GET', 'oi:a');
    await r.call('GET', 'oi:b'); // caching applied to the previous command only
    await w.call('SET', 'oi:b', '1');
    await w.call('SET', 'oi:a', '2');
    await expectReply(r, ['invalidate', ['oi:a']]);
    await nothingPending(r);
    // In a transaction, CACHING yes covers every command of the EXEC.
    await r.call('CLIENT', 'CACHING', 'yes');
    await r.call('MULTI');
    await r.call('GET', 'oi:a');
    await r.call('GET', 'oi:b');
    assert.deepEqual(await r.call('EXEC'), ['2', '1']);
    await w.call('SET', 'oi:a', '3');
    await w.call('SET', 'oi:b', '3');
    await expectReply(r, ['invalidate', ['oi:a']]);
    await expectReply(r, ['invalidate', ['oi:b']]);
    await r.call('CLIENT', 'TRACKING', 'off');

    await r.call('CLIENT', 'TRACKING', 'on', 'OPTOUT');
    await r.call('CLIENT', 'CACHING', 'no');
    await r.call('GET', 'oo:a');
    await r.call('GET', 'oo:b');
    await w.call('SET', 'oo:a', '1');
    await w.call('SET', 'oo:b', '1');
    await expectReply(r, ['invalidate', ['oo:b']]);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });
});

describe('ordering: invalidations for the executing client follow its reply', () => {
  test('own write of a tracked key: reply first, then the push', async () => {
    const r = await raw3();
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('HSET', 'ord:h', 'f', '1');
    await r.call('HGET', 'ord:h', 'f');
    await r.write('*3\r\n$4\r\nHDEL\r\n$5\r\nord:h\r\n$1\r\nf\r\n');
    assert.equal(await r.raw(), ':1\r\n');
    assert.equal(await r.raw(), '>2\r\n$10\r\ninvalidate\r\n*1\r\n$5\r\nord:h\r\n');
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('MULTI/EXEC: pushes after the EXEC reply', async () => {
    const r = await raw3();
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('MSET', 'ord:a', '1', 'ord:b', '2');
    await r.call('GET', 'ord:a');
    await r.call('MULTI');
    await r.call('INCR', 'ord:a');
    await r.call('GET', 'ord:b');
    assert.deepEqual(await r.call('EXEC'), [2, '2']);
    await expectReply(r, ['invalidate', ['ord:a']]);
    // FLUSHDB inside a transaction: "everything" after the EXEC reply.
    await r.call('GET', 'ord:a');
    await r.call('MULTI');
    await r.call('FLUSHDB');
    assert.deepEqual(await r.call('EXEC'), ['OK']);
    await expectReply(r, ['invalidate', null]);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('lazily expired key read by the tracking client: push after the reply', async () => {
    const r = await raw3();
    const w = client();
    await w.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    try {
      await r.call('CLIENT', 'TRACKING', 'on');
      await r.call('MSET', 'ord:x', '1', 'ord:y', '2');
      await r.call('PEXPIRE', 'ord:y', '50');
      await r.call('GET', 'ord:y');
      await sleep(80);
      assert.deepEqual(await r.call('MGET', 'ord:x', 'ord:y'), ['1', null]);
      await expectReply(r, ['invalidate', ['ord:y']]);
      await r.call('CLIENT', 'TRACKING', 'off');
    } finally {
      await w.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    }
  });

  test('active expiry sends an invalidation', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on');
    await w.call('SET', 'ord:exp', 'v', 'PX', '30');
    await r.call('GET', 'ord:exp');
    assert.deepEqual(await r.reply(3000), ['invalidate', ['ord:exp']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('unblocked BLMOVE: the reply, then the invalidation of the destination', async () => {
    const r = await raw3();
    const w = client();
    await w.call('RPUSH', 'ord:l2', 'a');
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('LRANGE', 'ord:l2', '0', '-1');
    await r.write('*6\r\n$6\r\nBLMOVE\r\n$7\r\nord:l1x\r\n$6\r\nord:l2\r\n$4\r\nLEFT\r\n$4\r\nLEFT\r\n$1\r\n0\r\n');
    for (let i = 0; i < 100; i++) {
      if (await info(w, 'blocked_clients') === '1') break;
      await sleep(10);
    }
    await w.call('RPUSH', 'ord:l1x', 'foo');
    await expectReply(r, 'foo');
    await expectReply(r, ['invalidate', ['ord:l2']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('CLIENT REPLY OFF still receives pushes', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('GET', 'ro:a');
    await r.write('CLIENT REPLY OFF\r\n');
    await w.call('SET', 'ro:a', '1');
    await expectReply(r, ['invalidate', ['ro:a']]);
    assert.equal(await r.call('CLIENT', 'REPLY', 'ON'), 'OK');
    assert.equal(await r.call('PING'), 'PONG');
    await r.call('CLIENT', 'TRACKING', 'off');
  });
});

describe('BCAST mode', () => {
  test('empty prefix: every modified key, batched per loop turn', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST');
    await w.call('MSET', 'bc:a', '1', 'bc:b', '2', 'bc:c', '3');
    const m = await r.reply() as Reply[];
    assert.equal(m[0], 'invalidate');
    assert.deepEqual((m[1] as string[]).sort(), ['bc:a', 'bc:b', 'bc:c']);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('prefixes: one message per prefix, other keys ignored; prefixes can be added', async () => {
    const r = await raw3();
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'a:', 'PREFIX', 'b:');
    await r.call('MULTI');
    for (const k of ['a:1', 'a:2', 'b:1', 'b:2', 'c:1']) await r.call('INCR', k);
    assert.deepEqual(await r.call('EXEC'), [1, 1, 1, 1, 1]);
    const got = [await r.reply(), await r.reply()] as Reply[][];
    const keys = got.flatMap((m) => { assert.equal(m[0], 'invalidate'); return m[1] as string[]; }).sort();
    assert.deepEqual(keys, ['a:1', 'a:2', 'b:1', 'b:2']);
    await nothingPending(r);
    assert.equal(await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'c:'), 'OK');
    await r.call('INCR', 'c:1234');
    await expectReply(r, ['invalidate', ['c:1234']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('NOLOOP hides only keys last modified by the client itself; expiry is nobody\'s', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'PREFIX', 'bn:');
    await w.call('SET', 'bn:other1', '1');
    await expectReply(r, ['invalidate', ['bn:other1']]);
    await r.call('SET', 'bn:loop', '1');
    await w.call('SET', 'bn:other2', '1');
    await expectReply(r, ['invalidate', ['bn:other2']]);
    await nothingPending(r);
    await r.call('SET', 'bn:exp', 'v', 'PX', '100');
    await r.call('SET', 'bn:exp2', 'v');
    assert.deepEqual(await r.reply(3000), ['invalidate', ['bn:exp']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('after switching from default to BCAST, pre-BCAST keys come only as broadcasts', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('GET', 'sw:key');
    await r.call('CLIENT', 'TRACKING', 'off');
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST');
    await w.call('INCR', 'sw:key');
    await expectReply(r, ['invalidate', ['sw:key']]);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('CLIENT LIST flags tB; BCAST RESP2 redirect to a subscriber', async () => {
    const sub = await raw();
    const sid = await sub.call('CLIENT', 'ID') as number;
    await sub.call('SUBSCRIBE', '__redis__:invalidate');
    const r = client();
    const rid = await r.call('CLIENT', 'ID') as number;
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'REDIRECT', String(sid), 'PREFIX', 'bl:');
    assert.match(await r.call('CLIENT', 'LIST', 'ID', String(rid)) as string, new RegExp(` flags=tB .* redir=${sid} `));
    await r.call('SET', 'bl:x', '1');
    assert.deepEqual(await sub.reply(), ['message', '__redis__:invalidate', ['bl:x']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });
});

describe('scripts', () => {
  test('keys read by commands a script runs are tracked for the caller; the script\'s own keys are not', async () => {
    const r = await raw3();
    const w = client();
    await r.call('CLIENT', 'TRACKING', 'on');
    await w.call('MSET', 'sc:a', '1', 'sc:b', '1');
    // Declared keys alone are not tracked: only what the script reads.
    await r.call('EVAL', "redis.call('set', 'sc:c', 'x')", '2', 'sc:a', 'sc:b');
    await w.call('MSET', 'sc:a', '2', 'sc:b', '2');
    await nothingPending(r);
    await r.call('EVAL', "return redis.call('get', 'sc:b')", '2', 'sc:a', 'sc:b');
    await w.call('MSET', 'sc:a', '3', 'sc:b', '3');
    await expectReply(r, ['invalidate', ['sc:b']]);
    await r.call('EVAL_RO', "return redis.call('ping')", '2', 'sc:a', 'sc:b');
    await w.call('MSET', 'sc:a', '4', 'sc:b', '4');
    await nothingPending(r);
    await r.call('EVAL_RO', "return redis.call('get', 'sc:a')", '1', 'sc:a');
    await w.call('SET', 'sc:a', '5');
    await expectReply(r, ['invalidate', ['sc:a']]);
    await r.call('CLIENT', 'TRACKING', 'off');
  });

  test('NOLOOP: a script\'s writes count as the caller\'s in default mode, not in BCAST mode (as Valkey)', async () => {
    const r = await raw3();
    await r.call('CLIENT', 'TRACKING', 'on', 'NOLOOP');
    await r.call('GET', 'sn:k');
    assert.equal(await r.call('EVAL', "return redis.call('set', 'sn:k', '1')", '0'), 'OK');
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
    await r.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'NOLOOP', 'PREFIX', 'sn:');
    await r.call('SET', 'sn:own', '1');
    assert.equal(await r.call('EVAL', "return redis.call('set', 'sn:script', '1')", '0'), 'OK');
    await expectReply(r, ['invalidate', ['sn:script']]);
    await nothingPending(r);
    await r.call('CLIENT', 'TRACKING', 'off');
  });
});

describe('flushes, table limit, INFO, RESET, disconnects', () => {
  test('FLUSHALL and FLUSHDB: one null invalidation to every tracking client; table emptied', async () => {
    const a = await raw3();
    const b = await raw3();
    const w = client();
    await w.call('FLUSHALL'); // start from an empty table
    await a.call('CLIENT', 'TRACKING', 'on');
    await b.call('CLIENT', 'TRACKING', 'on', 'BCAST');
    await a.call('GET', 'fl:1');
    await a.call('GET', 'fl:2');
    assert.equal(await info(w, 'tracking_total_keys'), '2');
    await w.call('FLUSHALL');
    await expectReply(a, ['invalidate', null]);
    await expectReply(b, ['invalidate', null]);
    assert.equal(await info(w, 'tracking_total_keys'), '0');
    assert.equal(await info(w, 'tracking_total_items'), '0');
    await nothingPending(a);
    await nothingPending(b);
    await a.call('GET', 'fl:1');
    await w.call('FLUSHALL', 'ASYNC');
    await expectReply(a, ['invalidate', null]);
    await expectReply(b, ['invalidate', null]);
    assert.equal(await info(w, 'tracking_total_keys'), '0');
    await w.call('FLUSHDB');
    await expectReply(a, ['invalidate', null]);
    await expectReply(b, ['invalidate', null]);
    await nothingPending(a);
    await nothingPending(b);
    await a.call('CLIENT', 'TRACKING', 'off');
    await b.call('CLIENT', 'TRACKING', 'off');
  });

  test('tracking-table-max-keys evicts keys with invalidations', async () => {
    const s = await startServer({});
    servers.push(s);
    const w = client(s.port);
    const r = await raw3(s.port);
    await r.call('CLIENT', 'TRACKING', 'on');
    for (let i = 0; i < 150; i++) await r.call('GET', `lim:${i}`);
    assert.equal(await info(w, 'tracking_total_keys'), '150');
    await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
    const seen = new Set<string>();
    for (let i = 0; i < 149; i++) {
      const m = await r.reply(3000) as Reply[];
      assert.equal(m[0], 'invalidate');
      seen.add((m[1] as string[])[0]!);
    }
    assert.equal(seen.size, 149);
    assert.equal(await info(w, 'tracking_total_keys'), '1');
    assert.equal(await info(w, 'tracking_total_items'), '1');
    await nothingPending(r);
    // The limit applies before each command too (even one that is only queued).
    await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '2');
    await r.call('MGET', 'lim:x', 'lim:y');
    await w.call('CONFIG', 'SET', 'tracking-table-max-keys', '1');
    await r.call('CLIENT', 'TRACKING', 'on'); // cron may also get there first; both are fine
    await sleep(250);
    assert.equal(await info(w, 'tracking_total_keys'), '1');
  });

  test('first CLIENT TRACKING ON of a server inside MULTI: invalidations still follow the EXEC reply', async () => {
    const s = await startServer({});
    servers.push(s);
    const r = await raw3(s.port);
    await r.call('MULTI');
    await r.call('CLIENT', 'TRACKING', 'on');
    await r.call('GET', 'mx:k');
    await r.call('SET', 'mx:k', 'v');
    await r.call('PING');
    await r.write('EXEC\r\n');
    assert.equal(await r.raw(), '*4\r\n+OK\r\n_\r\n+OK\r\n+PONG\r\n');
    await expectReply(r, ['invalidate', ['mx:k']]);
    await nothingPending(r);
    // And the next top-level write of a tracked key behaves the same.
    await r.call('GET', 'mx:k');
    await r.write('DEL mx:k\r\n');
    assert.equal(await r.raw(), ':1\r\n');
    await expectReply(r, ['invalidate', ['mx:k']]);
  });

  test('INFO counters, RESET and disconnects', async () => {
    const s = await startServer({});
    servers.push(s);
    const w = client(s.port);
    const a = client(s.port);
    const b = await raw(s.port);
    assert.equal(await info(w, 'tracking_clients'), '0');
    await a.call('CLIENT', 'TRACKING', 'on');
    await a.call('MGET', 'i:1', 'i:2');
    await b.call('CLIENT', 'TRACKING', 'on');
    await b.call('GET', 'i:1');
    await b.call('CLIENT', 'TRACKING', 'off');
    await b.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'p1', 'PREFIX', 'p2');
    assert.equal(await info(w, 'tracking_clients'), '2');
    assert.equal(await info(w, 'tracking_total_keys'), '2');
    assert.equal(await info(w, 'tracking_total_items'), '3');
    assert.equal(await info(w, 'tracking_total_prefixes'), '2');
    // RESET turns tracking off (and drops the prefixes).
    assert.equal(await b.call('RESET'), 'RESET');
    assert.deepEqual(await b.call('CLIENT', 'TRACKINGINFO'), ['flags', ['off'], 'redirect', -1, 'prefixes', []]);
    assert.equal(await info(w, 'tracking_clients'), '1');
    assert.equal(await info(w, 'tracking_total_prefixes'), '0');
    // A key change clears the entry, ids of clients no longer tracking included.
    await w.call('SET', 'i:1', 'x');
    assert.equal(await info(w, 'tracking_total_keys'), '1');
    assert.equal(await info(w, 'tracking_total_items'), '1');
    // Disconnecting cleans up the client's state.
    await b.call('CLIENT', 'TRACKING', 'on', 'BCAST', 'PREFIX', 'q');
    assert.equal(await info(w, 'tracking_total_prefixes'), '1');
    b.close();
    a.disconnect();
    for (let i = 0; i < 100 && await info(w, 'tracking_clients') !== '0'; i++) await sleep(10);
    assert.equal(await info(w, 'tracking_clients'), '0');
    assert.equal(await info(w, 'tracking_total_prefixes'), '0');
  });
});
