// Connection commands over real sockets: PING, ECHO, SELECT, QUIT, HELLO (RESP2 <-> RESP3),
// AUTH with requirepass, RESET; the idle `timeout` and `maxclients`.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer, VALKEY_VERSION } from '../src/index.js';
import { RawConn, ReplyError, encodeCommand, sleep, type Reply } from '../bench/resp.js';

const servers: RunningServer[] = [];
const conns: RawConn[] = [];
const clients: Valkey[] = [];

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

function client(port: number, opts: Record<string, unknown> = {}): Valkey {
  const v = new Valkey({ port, lazyConnect: false, maxRetriesPerRequest: 0, ...opts });
  clients.push(v);
  return v;
}

after(async () => {
  for (const v of clients) v.disconnect();
  for (const c of conns) c.close();
  for (const s of servers) await s.close();
});

function errText(r: Reply): string {
  assert.ok(r instanceof ReplyError, `expected an error reply, got ${JSON.stringify(r)}`);
  return r.message;
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

let port = 0;
before(async () => { port = (await server()).port; });

describe('PING / ECHO / SELECT', () => {
  test('PING and ECHO', async () => {
    const v = client(port);
    assert.equal(await v.call('PING'), 'PONG');
    assert.equal(await v.call('PING', 'hello'), 'hello');
    assert.equal(await v.call('ECHO', 'x y\r\nz'), 'x y\r\nz');
    await assert.rejects(v.call('PING', 'a', 'b'), /^ReplyError: ERR wrong number of arguments for 'ping' command$/);
  });

  test('SELECT switches the database; errors as Valkey', async () => {
    const c = await raw(port);
    assert.equal(await c.call('SELECT', '3'), 'OK');
    assert.equal(await c.call('SET', 'selk', 'in3'), 'OK');
    assert.equal(await c.call('SELECT', '0'), 'OK');
    assert.equal(await c.call('GET', 'selk'), null);
    assert.equal(await c.call('SELECT', '3'), 'OK');
    assert.equal(await c.call('GET', 'selk'), 'in3');
    assert.equal(errText(await c.call('SELECT', 'abc')), 'ERR value is not an integer or out of range');
    assert.equal(errText(await c.call('SELECT', '99999999999')),
      'ERR value is out of range, value must between -2147483648 and 2147483647');
    assert.equal(errText(await c.call('SELECT', '-1')), 'ERR DB index is out of range');
    assert.equal(errText(await c.call('SELECT', '16')), 'ERR DB index is out of range');
  });
});

describe('QUIT', () => {
  test('replies OK and closes; pipelined commands after it are not run', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([encodeCommand(['QUIT']), encodeCommand(['SET', 'after-quit', 'x'])]));
    assert.equal(await c.raw(), '+OK\r\n');
    await c.closed();
    assert.equal(c.queued, 0);
    const v = client(port);
    assert.equal(await v.call('GET', 'after-quit'), null);
  });

  test('a large pipelined write after QUIT is discarded too', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([encodeCommand(['QUIT']), encodeCommand(['SET', 'after-quit-big', 'x'.repeat(100_000)])]));
    assert.equal(await c.raw(), '+OK\r\n');
    await c.closed();
    const v = client(port);
    assert.equal(await v.call('EXISTS', 'after-quit-big'), 0);
  });
});

describe('HELLO', () => {
  test('HELLO 3 switches to RESP3 and replies with the exact server map', async () => {
    const c = await raw(port);
    const id = await c.call('CLIENT', 'ID') as number;
    await c.write(encodeCommand(['HELLO', '3']));
    const expected = '%7\r\n' + bulk('server') + bulk('valkey') + bulk('version') + bulk(VALKEY_VERSION) +
      bulk('proto') + ':3\r\n' + bulk('id') + `:${id}\r\n` + bulk('mode') + bulk('standalone') +
      bulk('role') + bulk('master') + bulk('modules') + '*0\r\n';
    assert.equal(await c.raw(), expected);
    // Replies are RESP3 from now on: a missing key is the RESP3 null.
    await c.write(encodeCommand(['GET', 'no-such-key']));
    assert.equal(await c.raw(), '_\r\n');
    // HELLO without a version reports the current protocol without changing it.
    const m = await c.call('HELLO') as Map<Reply, Reply>;
    assert.ok(m instanceof Map);
    assert.equal(m.get('proto'), 3);
    await c.write(encodeCommand(['HELLO', '2']));
    const arr = await c.reply() as Reply[];
    assert.ok(Array.isArray(arr));
    assert.equal(arr.length, 14);
    assert.deepEqual(arr.slice(0, 6), ['server', 'valkey', 'version', VALKEY_VERSION, 'proto', 2]);
    assert.deepEqual(arr.slice(8, 14), ['mode', 'standalone', 'role', 'master', 'modules', []]);
    await c.write(encodeCommand(['GET', 'no-such-key']));
    assert.equal(await c.raw(), '$-1\r\n');
  });

  test('errors: unsupported version, non-integer version, bad options, bad name', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('HELLO', '4')), 'NOPROTO unsupported protocol version');
    assert.equal(errText(await c.call('HELLO', '1')), 'NOPROTO unsupported protocol version');
    assert.equal(errText(await c.call('HELLO', 'abc')), 'ERR Protocol version is not an integer or out of range');
    assert.equal(errText(await c.call('HELLO', '3', 'foo')), "ERR Syntax error in HELLO option 'foo'");
    assert.equal(errText(await c.call('HELLO', '3', 'AUTH', 'default')), "ERR Syntax error in HELLO option 'AUTH'");
    assert.equal(errText(await c.call('HELLO', '3', 'SETNAME', 'a b')),
      'ERR Client names cannot contain spaces, newlines or special characters.');
    // None of the failed calls changed the protocol.
    assert.equal(await c.call('GET', 'no-such-key'), null);
    assert.equal(c.received.map((b) => b.toString('latin1')).join('').includes('%7'), false);
  });

  test('SETNAME sets the connection name', async () => {
    const c = await raw(port);
    const m = await c.call('HELLO', '2', 'SETNAME', 'hello-named') as Reply[];
    assert.equal(m[5], 2);
    assert.equal(await c.call('CLIENT', 'GETNAME'), 'hello-named');
  });

  test('availability_zone is reported when configured', async () => {
    const s = await server({ 'availability-zone': 'zone-a' });
    const c = await raw(s.port);
    const m = await c.call('HELLO', '3') as Map<Reply, Reply>;
    assert.equal(m.size, 8);
    assert.equal(m.get('availability_zone'), 'zone-a');
  });
});

describe('AUTH and requirepass', () => {
  test('AUTH without a configured password', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('AUTH', 'x')),
      'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    // The default user has no password: any password is accepted with the username form.
    assert.equal(await c.call('AUTH', 'default', 'anything'), 'OK');
    assert.equal(errText(await c.call('AUTH', 'someone', 'x')), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(errText(await c.call('AUTH', 'a', 'b', 'c')), 'ERR syntax error');
    const m = await c.call('HELLO', '3', 'AUTH', 'default', 'whatever') as Map<Reply, Reply>;
    assert.equal(m.get('proto'), 3);
  });

  test('requirepass: NOAUTH until authenticated, WRONGPASS, AUTH forms, HELLO AUTH', async () => {
    const s = await server({ requirepass: 's3cret' });
    const c = await raw(s.port);
    assert.equal(errText(await c.call('PING')), 'NOAUTH Authentication required.');
    assert.equal(errText(await c.call('GET', 'k')), 'NOAUTH Authentication required.');
    assert.equal(errText(await c.call('AUTH', 'wrong')), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(errText(await c.call('AUTH', 'default', 'wrong')), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(errText(await c.call('AUTH', 'nobody', 's3cret')), 'WRONGPASS invalid username-password pair or user is disabled.');
    assert.equal(errText(await c.call('PING')), 'NOAUTH Authentication required.');
    assert.equal(errText(await c.call('HELLO', '3')),
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
    assert.equal(errText(await c.call('HELLO', '3', 'AUTH', 'default', 'nope')),
      'WRONGPASS invalid username-password pair or user is disabled.');
    // A failed HELLO AUTH neither authenticates nor switches protocol.
    assert.equal(errText(await c.call('PING')), 'NOAUTH Authentication required.');
    assert.equal(await c.call('AUTH', 's3cret'), 'OK');
    assert.equal(await c.call('PING'), 'PONG');

    const c2 = await raw(s.port);
    assert.equal(await c2.call('AUTH', 'default', 's3cret'), 'OK');
    assert.equal(await c2.call('PING'), 'PONG');

    const c3 = await raw(s.port);
    const m = await c3.call('HELLO', '3', 'SETNAME', 'authed', 'AUTH', 'default', 's3cret') as Map<Reply, Reply>;
    assert.equal(m.get('proto'), 3);
    assert.equal(await c3.call('CLIENT', 'GETNAME'), 'authed');

    // iovalkey authenticates with the password option.
    const v = client(s.port, { password: 's3cret' });
    assert.equal(await v.call('PING'), 'PONG');
  });

  test('unauthenticated clients get the tighter request limits', async () => {
    const s = await server({ requirepass: 'pw' });
    const c = await raw(s.port);
    // More than 10 arguments before authentication is a protocol error that closes the connection.
    await c.write(encodeCommand(['ECHO', ...Array.from({ length: 11 }, () => 'x')]));
    assert.match(errText(await c.reply()), /^ERR Protocol error: /);
    await c.closed();
    const c2 = await raw(s.port);
    assert.equal(await c2.call('AUTH', 'pw'), 'OK');
    // Once authenticated the same request parses (and fails only on arity).
    assert.equal(errText(await c2.call('ECHO', ...Array.from({ length: 11 }, () => 'x'))),
      "ERR wrong number of arguments for 'echo' command");
  });

  test('CONFIG SET requirepass: connected clients stay authenticated, new ones must AUTH', async () => {
    const s = await server();
    const c = await raw(s.port);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(s.server.config.set('requirepass', 'later', 'runtime'), null);
    assert.equal(await c.call('PING'), 'PONG');
    const c2 = await raw(s.port);
    assert.equal(errText(await c2.call('PING')), 'NOAUTH Authentication required.');
    assert.equal(await c2.call('AUTH', 'later'), 'OK');
    // RESET puts the old client back in the default (unauthenticated) state.
    assert.equal(await c.call('RESET'), 'RESET');
    assert.equal(errText(await c.call('PING')), 'NOAUTH Authentication required.');
    assert.equal(s.server.config.set('requirepass', '', 'runtime'), null);
    assert.equal(await c.call('RESET'), 'RESET');
    assert.equal(await c.call('PING'), 'PONG');
  });
});

describe('RESET', () => {
  test('restores the state of a new connection but keeps the library name', async () => {
    const c = await raw(port);
    assert.equal(await c.call('SELECT', '5'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETNAME', 'before-reset'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'mylib'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), 'OK');
    await c.call('HELLO', '3');
    const info1 = await c.call('CLIENT', 'INFO') as string;
    assert.match(info1, / name=before-reset .* flags=eT db=5 .* resp=3 lib-name=mylib /);
    await c.write(encodeCommand(['RESET']));
    assert.equal(await c.raw(), '+RESET\r\n');
    const info2 = await c.call('CLIENT', 'INFO') as string;
    assert.match(info2, / name= .* flags=N db=0 .* resp=2 lib-name=mylib /);
    assert.equal(await c.call('CLIENT', 'GETNAME'), null);
  });

  test('turns CLIENT REPLY OFF back on and leaves MONITOR mode', async () => {
    const c = await raw(port);
    await c.write(encodeCommand(['CLIENT', 'REPLY', 'OFF']));
    await c.write(encodeCommand(['PING']));
    await c.write(encodeCommand(['RESET']));
    assert.equal(await c.raw(), '+RESET\r\n');
    assert.equal(await c.call('PING'), 'PONG');

    const m = await raw(port);
    assert.equal(await m.call('MONITOR'), 'OK');
    assert.equal(await m.call('RESET'), 'RESET');
    const other = client(port);
    await other.call('SET', 'not-monitored', '1');
    await sleep(50);
    assert.equal(m.queued, 0);
    assert.equal(await m.call('PING'), 'PONG');
  });

  test('RESET while SKIP is active is itself skipped', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['RESET']), encodeCommand(['PING', 'after'])]));
    assert.equal(await c.raw(), '$5\r\nafter\r\n');
  });
});

describe('idle timeout and maxclients', () => {
  test('clients idle longer than `timeout` are closed; active ones are not', async () => {
    const s = await server({ timeout: '1', hz: '50' });
    const idle = await raw(s.port);
    const busy = await raw(s.port);
    assert.equal(await idle.call('PING'), 'PONG');
    const deadline = Date.now() + 4000;
    while (!idle.ended && Date.now() < deadline) {
      assert.equal(await busy.call('PING'), 'PONG');
      await sleep(200);
    }
    assert.equal(idle.ended, true, 'the idle client was closed');
    assert.equal(busy.ended, false);
    assert.equal(await busy.call('PING'), 'PONG');
  });

  test('maxclients: connections beyond the limit are refused with an error', async () => {
    const s = await server({ maxclients: '2' });
    const a = await raw(s.port);
    const b = await raw(s.port);
    assert.equal(await a.call('PING'), 'PONG');
    assert.equal(await b.call('PING'), 'PONG');
    const c = await raw(s.port);
    assert.equal(await c.raw(), '-ERR max number of clients reached\r\n');
    await c.closed();
    a.close();
    await sleep(50);
    const d = await raw(s.port);
    assert.equal(await d.call('PING'), 'PONG');
    // The limit can be changed at run time.
    assert.equal(s.server.config.set('maxclients', '3', 'runtime'), null);
    const e = await raw(s.port);
    assert.equal(await e.call('PING'), 'PONG');
  });
});
