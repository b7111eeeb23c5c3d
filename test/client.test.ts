// CLIENT subcommands, MONITOR and SHUTDOWN over real sockets.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
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

function client(port: number): Valkey {
  const v = new Valkey({ port, lazyConnect: false, maxRetriesPerRequest: 0 });
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

/** The fields of one CLIENT LIST / INFO line. */
function fields(line: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of line.trim().split(' ')) {
    const i = kv.indexOf('=');
    m.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return m;
}

function lines(list: string): string[] { return list.split('\n').filter((l) => l.length > 0); }

async function ids(c: RawConn, ...filter: string[]): Promise<number[]> {
  const list = await c.call('CLIENT', 'LIST', ...filter) as string;
  return lines(list).map((l) => Number(fields(l).get('id')));
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, ms = 3000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timeout waiting for ${what}`);
    await sleep(10);
  }
}

const FIELDS = ['id', 'addr', 'laddr', 'fd', 'name', 'age', 'idle', 'flags', 'db', 'sub', 'psub', 'ssub', 'multi',
  'watch', 'qbuf', 'qbuf-free', 'argv-mem', 'multi-mem', 'rbs', 'rbp', 'obl', 'oll', 'omem', 'tot-mem', 'events',
  'cmd', 'user', 'redir', 'resp', 'lib-name', 'lib-ver', 'tot-net-in', 'tot-net-out', 'tot-cmds'];

let port = 0;
let srv: RunningServer;
before(async () => { srv = await server(); port = srv.port; });

describe('CLIENT ID / INFO / LIST', () => {
  test('INFO has Valkey\'s fields in Valkey\'s order and describes this connection', async () => {
    const c = await raw(port);
    const id = await c.call('CLIENT', 'ID') as number;
    assert.equal(typeof id, 'number');
    const info = await c.call('CLIENT', 'INFO') as string;
    assert.ok(info.endsWith('\n'));
    const f = fields(info);
    assert.deepEqual([...f.keys()], FIELDS);
    assert.equal(f.get('id'), String(id));
    const local = `${c.socket.localAddress}:${c.socket.localPort}`;
    assert.equal(f.get('addr'), local);
    assert.equal(f.get('laddr'), `127.0.0.1:${port}`);
    assert.match(f.get('fd')!, /^\d+$/);
    assert.equal(f.get('name'), '');
    assert.equal(f.get('flags'), 'N');
    assert.equal(f.get('db'), '0');
    assert.equal(f.get('multi'), '-1');
    assert.equal(f.get('qbuf'), '0');
    assert.equal(f.get('argv-mem'), '10'); // "client" + "info"
    assert.equal(f.get('obl'), '0');
    assert.equal(f.get('events'), 'r');
    assert.equal(f.get('cmd'), 'client|info');
    assert.equal(f.get('user'), 'default');
    assert.equal(f.get('redir'), '-1');
    assert.equal(f.get('resp'), '2');
    assert.equal(f.get('tot-cmds'), '1');
    // CLIENT ID (14 bytes) + CLIENT INFO (26 bytes) received so far.
    assert.equal(f.get('tot-net-in'), String(encodeCommand(['CLIENT', 'ID']).length + 26));
  });

  test('tot-net-in / tot-net-out / tot-cmds advance per command', async () => {
    const c = await raw(port);
    const f1 = fields(await c.call('CLIENT', 'INFO') as string);
    const f2 = fields(await c.call('CLIENT', 'INFO') as string);
    assert.equal(Number(f2.get('tot-net-in')), Number(f1.get('tot-net-in')) + 26);
    assert.ok(Number(f2.get('tot-net-out')) > Number(f1.get('tot-net-out')) + 300);
    assert.equal(Number(f2.get('tot-cmds')), Number(f1.get('tot-cmds')) + 1);
    // A rejected command (unknown) is not an executed command.
    await c.call('NO-SUCH-COMMAND');
    const f3 = fields(await c.call('CLIENT', 'INFO') as string);
    assert.equal(Number(f3.get('tot-cmds')), Number(f2.get('tot-cmds')) + 1);
  });

  test('tot-cmds counts the commands a script runs for the client that ran the script', async () => {
    const c = await raw(port);
    const f1 = fields(await c.call('CLIENT', 'INFO') as string);
    // CLIENT INFO itself, EVAL, and the PING and GET the script calls.
    assert.equal(await c.call('EVAL', "server.call('ping'); return server.call('get', KEYS[1])", '1', 'totcmds-k'), null);
    const f2 = fields(await c.call('CLIENT', 'INFO') as string);
    assert.equal(Number(f2.get('tot-cmds')), Number(f1.get('tot-cmds')) + 4);
    // A command of EXEC counts once, EXEC too (MULTI before them).
    await c.call('MULTI');
    await c.call('PING');
    await c.call('EXEC');
    const f3 = fields(await c.call('CLIENT', 'INFO') as string);
    assert.equal(Number(f3.get('tot-cmds')), Number(f2.get('tot-cmds')) + 4);
  });

  test('CLIENT INFO in RESP3 is a verbatim string', async () => {
    const c = await raw(port);
    await c.call('HELLO', '3');
    await c.write(encodeCommand(['CLIENT', 'INFO']));
    assert.match(await c.raw(), /^=\d+\r\ntxt:id=\d+ .* resp=3 .*\n\r\n$/s);
  });

  test('LIST shows every connection; ID and TYPE filters', async () => {
    const a = await raw(port);
    const b = await raw(port);
    const ida = await a.call('CLIENT', 'ID') as number;
    const idb = await b.call('CLIENT', 'ID') as number;
    const all = await ids(a);
    assert.ok(all.includes(ida) && all.includes(idb));
    for (const l of lines(await a.call('CLIENT', 'LIST') as string)) assert.deepEqual([...fields(l).keys()], FIELDS);
    assert.deepEqual(await ids(a, 'ID', String(idb), String(ida)), [idb, ida]);
    assert.deepEqual(await ids(a, 'ID', '999999'), []);
    assert.equal(await a.call('CLIENT', 'LIST', 'ID', '999999'), '');
    const normal = await ids(a, 'TYPE', 'normal');
    assert.ok(normal.includes(ida) && normal.includes(idb));
    assert.deepEqual(await ids(a, 'TYPE', 'pubsub'), []);
    assert.deepEqual(await ids(a, 'TYPE', 'replica'), []);
    assert.deepEqual(await ids(a, 'TYPE', 'master'), []);
    assert.equal(fields((await a.call('CLIENT', 'LIST', 'ID', String(ida))) as string).get('cmd'), 'client|list');
    assert.equal(fields((await a.call('CLIENT', 'LIST', 'ID', String(idb))) as string).get('cmd'), 'client|id');
  });

  test('LIST filters from Valkey 8.1/9.0 (combined with AND), and their NOT- forms', async () => {
    const a = await raw(port);
    const b = await raw(port);
    const ida = await a.call('CLIENT', 'ID') as number;
    const idb = await b.call('CLIENT', 'ID') as number;
    await b.call('CLIENT', 'SETNAME', 'filter-b');
    await b.call('CLIENT', 'SETINFO', 'LIB-NAME', 'libb');
    await b.call('CLIENT', 'SETINFO', 'LIB-VER', '9.9');
    await b.call('SELECT', '7');
    await b.call('CLIENT', 'NO-EVICT', 'on');
    await b.call('CLIENT', 'CAPA', 'redirect');
    const infoB = fields(await b.call('CLIENT', 'INFO') as string);
    assert.deepEqual(await ids(a, 'NAME', 'filter-b'), [idb]);
    assert.deepEqual(await ids(a, 'LIB-NAME', 'libb'), [idb]);
    assert.deepEqual(await ids(a, 'LIB-VER', '9.9'), [idb]);
    assert.deepEqual(await ids(a, 'DB', '7'), [idb]);
    assert.deepEqual(await ids(a, 'FLAGS', 'e'), [idb]);
    assert.deepEqual(await ids(a, 'CAPA', 'r'), [idb]);
    assert.deepEqual(await ids(a, 'ADDR', infoB.get('addr')!), [idb]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-NAME', 'filter-b'), [ida]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-ID', String(idb)), [ida]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-DB', '7'), [ida]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-FLAGS', 'e'), [ida]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'SKIPME', 'yes'), [idb]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'USER', 'default', 'IP', '127.0.0.1'), [ida, idb]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-IP', '127.0.0.1'), []);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'LADDR', `127.0.0.1:${port}`), [ida, idb]);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'IDLE', '1000'), []);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'MAXAGE', '1000'), []);
    assert.deepEqual(await ids(a, 'ID', String(ida), String(idb), 'NOT-TYPE', 'normal'), []);
  });

  test('LIST errors', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'TYPE', 'foo')), "ERR Unknown client type 'foo'");
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'ID', 'abc')), 'ERR Invalid client ID');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'foo')), 'ERR syntax error');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'ID')), 'ERR syntax error');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'USER', 'nobody')), "ERR No such user 'nobody'");
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'FLAGS', 'Z')), 'ERR Unknown flags found in the provided filter: Z');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'CAPA', 'x')), 'ERR Unknown capa found in the provided filter: x');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'IDLE', '0')), 'ERR idle should be greater than 0');
    assert.equal(errText(await c.call('CLIENT', 'LIST', 'SKIPME', 'maybe')), 'ERR syntax error');
  });

  test('unix socket clients: "<path>:0" addresses, flag U, "unix:<path>" in MONITOR', async () => {
    const path = `/tmp/peregrine-client-test-${process.pid}.sock`;
    const s = await server({ unixsocket: path });
    const m = await raw(s.port);
    assert.equal(await m.call('MONITOR'), 'OK');
    const sock = net.connect({ path });
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.write(encodeCommand(['CLIENT', 'INFO']));
    await waitFor(() => got.endsWith('\n\r\n'), 'CLIENT INFO over the unix socket');
    const f = fields(got.slice(got.indexOf('\r\n') + 2, -2));
    sock.destroy();
    assert.equal(f.get('addr'), `${path}:0`);
    assert.equal(f.get('laddr'), `${path}:0`);
    assert.equal(f.get('flags'), 'U');
    const sock2 = net.connect({ path });
    await new Promise((r) => sock2.once('connect', r));
    sock2.write(encodeCommand(['ECHO', 'via-unix']));
    const line = await m.raw();
    sock2.destroy();
    // CLIENT INFO (not an admin command) was fed to the monitor first.
    const echo = line.includes('via-unix') ? line : await m.raw();
    assert.match(echo, new RegExp(`^\\+\\d+\\.\\d{6} \\[0 unix:${path.replace(/[.]/g, '\\.')}\\] "ECHO" "via-unix"\r\n$`));
  });

  test('IPv6 addresses are shown in brackets', async (t) => {
    let s: RunningServer;
    try { s = await startServer({ host: '::1' }); } catch { t.skip('no IPv6 loopback'); return; }
    servers.push(s);
    const c = await new Promise<RawConn>((resolve, reject) => {
      RawConn.connect(s.port, '::1').then(resolve, reject);
    });
    conns.push(c);
    const f = fields(await c.call('CLIENT', 'INFO') as string);
    assert.match(f.get('addr')!, /^\[::1\]:\d+$/);
    assert.equal(f.get('laddr'), `[::1]:${s.port}`);
  });
});

describe('CLIENT SETNAME / GETNAME / SETINFO', () => {
  test('names', async () => {
    const c = await raw(port);
    assert.equal(await c.call('CLIENT', 'GETNAME'), null);
    assert.equal(await c.call('CLIENT', 'SETNAME', 'conn-1'), 'OK');
    assert.equal(await c.call('CLIENT', 'GETNAME'), 'conn-1');
    assert.match(await c.call('CLIENT', 'INFO') as string, / name=conn-1 /);
    for (const bad of ['a b', 'a\nb', 'tab\there', 'é']) {
      assert.equal(errText(await c.call('CLIENT', 'SETNAME', bad)),
        'ERR Client names cannot contain spaces, newlines or special characters.');
    }
    assert.equal(await c.call('CLIENT', 'GETNAME'), 'conn-1');
    assert.equal(await c.call('CLIENT', 'SETNAME', ''), 'OK');
    assert.equal(await c.call('CLIENT', 'GETNAME'), null);
    assert.equal(errText(await c.call('CLIENT', 'GETNAME', 'x')), "ERR wrong number of arguments for 'client|getname' command");
    // iovalkey's connectionName option uses CLIENT SETNAME.
    const v = new Valkey({ port, connectionName: 'from-iovalkey', lazyConnect: false });
    clients.push(v);
    assert.equal(await v.call('CLIENT', 'GETNAME'), 'from-iovalkey');
  });

  test('closed named connections disappear from the list', async () => {
    const c = await raw(port);
    const other = await raw(port);
    await other.call('CLIENT', 'SETNAME', 'going-away');
    assert.match(await c.call('CLIENT', 'LIST') as string, /name=going-away /);
    other.close();
    await waitFor(async () => !(await c.call('CLIENT', 'LIST') as string).includes('going-away'), 'the closed client to go');
  });

  test('SETINFO LIB-NAME / LIB-VER', async () => {
    const c = await raw(port);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'LIB-NAME', 'redis.py'), 'OK');
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-ver', '1.2.3'), 'OK');
    assert.match(await c.call('CLIENT', 'INFO') as string, / lib-name=redis\.py lib-ver=1\.2\.3 /);
    assert.equal(errText(await c.call('CLIENT', 'SETINFO', 'lib-name', 'valkey py')),
      'ERR lib-name cannot contain spaces, newlines or special characters.');
    assert.equal(errText(await c.call('CLIENT', 'SETINFO', 'LIB-VER', 'a\nb')),
      'ERR LIB-VER cannot contain spaces, newlines or special characters.');
    assert.equal(errText(await c.call('CLIENT', 'SETINFO', 'badger', 'hamster')), "ERR Unrecognized option 'badger'");
    assert.equal(errText(await c.call('CLIENT', 'SETINFO', 'lib-name')), "ERR wrong number of arguments for 'client|setinfo' command");
    assert.match(await c.call('CLIENT', 'INFO') as string, / lib-name=redis\.py lib-ver=1\.2\.3 /);
    assert.equal(await c.call('CLIENT', 'SETINFO', 'lib-name', ''), 'OK');
    assert.match(await c.call('CLIENT', 'INFO') as string, / lib-name= lib-ver=1\.2\.3 /);
  });
});

describe('CLIENT KILL', () => {
  test('old form kills by address; "No such client" otherwise', async () => {
    const c = await raw(port);
    const victim = await raw(port);
    const addr = `${victim.socket.localAddress}:${victim.socket.localPort}`;
    assert.equal(await c.call('CLIENT', 'KILL', addr), 'OK');
    await victim.closed();
    assert.equal(errText(await c.call('CLIENT', 'KILL', addr)), 'ERR No such client');
    assert.equal(errText(await c.call('CLIENT', 'KILL', '000.123.321.567:0000')), 'ERR No such client');
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'ADDR')), 'ERR No such client');
  });

  test('old form can kill the caller: the reply arrives, then the connection closes', async () => {
    const c = await raw(port);
    const addr = `${c.socket.localAddress}:${c.socket.localPort}`;
    await c.write(Buffer.concat([encodeCommand(['CLIENT', 'KILL', addr]), encodeCommand(['PING'])]));
    assert.equal(await c.raw(), '+OK\r\n');
    await c.closed();
    assert.equal(c.queued, 0);
  });

  test('new form: ID, ADDR, LADDR, TYPE, USER, SKIPME, MAXAGE, and the count of killed clients', async () => {
    const s = await server();
    const me = await raw(s.port);
    const a = await raw(s.port);
    const b = await raw(s.port);
    const ida = await a.call('CLIENT', 'ID') as number;
    const idb = await b.call('CLIENT', 'ID') as number;
    assert.equal(await me.call('CLIENT', 'KILL', 'ID', '123456'), 0);
    assert.equal(await me.call('CLIENT', 'KILL', 'ID', String(ida)), 1);
    await a.closed();
    assert.equal(await me.call('CLIENT', 'KILL', 'ADDR', `${b.socket.localAddress}:${b.socket.localPort}`, 'TYPE', 'pubsub'), 0);
    assert.equal(await me.call('CLIENT', 'KILL', 'ADDR', `${b.socket.localAddress}:${b.socket.localPort}`, 'TYPE', 'normal'), 1);
    await b.closed();
    void idb;

    // SKIPME yes (the default) spares the caller; LADDR matches everyone here.
    const c1 = await raw(s.port);
    const c2 = await raw(s.port);
    await c1.call('PING'); await c2.call('PING');
    assert.equal(await me.call('CLIENT', 'KILL', 'LADDR', `127.0.0.1:${s.port}`), 2);
    await c1.closed(); await c2.closed();
    assert.equal(await me.call('PING'), 'PONG');

    // USER: only "default" exists until ACLs.
    const c3 = await raw(s.port);
    await c3.call('PING');
    assert.equal(await me.call('CLIENT', 'KILL', 'USER', 'default'), 1);
    await c3.closed();

    // MAXAGE: only connections at least that many seconds old.
    const old = await raw(s.port);
    const oldId = await old.call('CLIENT', 'ID') as number;
    await sleep(2100);
    const young = await raw(s.port);
    const youngId = await young.call('CLIENT', 'ID') as number;
    // Ages are whole seconds: the young one is at most 1 s old here, the old one at least 2 s.
    assert.equal(await me.call('CLIENT', 'KILL', 'ID', String(oldId), String(youngId), 'MAXAGE', '2'), 1);
    await old.closed();
    assert.equal(await young.call('PING'), 'PONG');

    // SKIPME no kills the caller too, after its reply.
    await me.write(Buffer.concat([encodeCommand(['CLIENT', 'KILL', 'SKIPME', 'no']), encodeCommand(['PING'])]));
    assert.equal(await me.raw(), ':2\r\n');
    await me.closed();
    await young.closed();
    assert.equal(me.queued, 0);
  });

  test('argument errors', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('CLIENT', 'KILL')), "ERR wrong number of arguments for 'client|kill' command");
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'ID', '10', 'wrong_arg')), 'ERR syntax error');
    for (const bad of ['str', '-1', '0']) {
      assert.equal(errText(await c.call('CLIENT', 'KILL', 'ID', bad)), 'ERR client-id should be greater than 0');
    }
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'TYPE', 'wrong_type')), "ERR Unknown client type 'wrong_type'");
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'USER', 'wrong_user')), "ERR No such user 'wrong_user'");
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'SKIPME', 'yes_or_no')), 'ERR syntax error');
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'MAXAGE', 'str')), 'ERR maxage is not an integer or out of range');
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'MAXAGE', '9999999999999999999')), 'ERR maxage is not an integer or out of range');
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'MAXAGE', '-1')), 'ERR maxage should be greater than 0');
    assert.equal(errText(await c.call('CLIENT', 'KILL', 'ADDR', '1.2.3.4:5', 'TYPE')), 'ERR syntax error');
  });
});

describe('CLIENT REPLY', () => {
  test('OFF silences replies until ON', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([
      encodeCommand(['CLIENT', 'REPLY', 'OFF']), encodeCommand(['PING', 'pong']), encodeCommand(['GET', 'x']),
      encodeCommand(['NO-SUCH-CMD']), encodeCommand(['CLIENT', 'REPLY', 'ON']), encodeCommand(['PING', 'pong3']),
    ]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), '$5\r\npong3\r\n');
    await sleep(20);
    assert.equal(c.queued, 0);
  });

  test('SKIP silences only the next command; SKIP is ignored while OFF', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([
      encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['PING', 'pong']), encodeCommand(['PING', 'pong2']),
      encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['NO-SUCH-CMD']), encodeCommand(['PING', 'pong3']),
    ]));
    assert.equal(await c.raw(), '$5\r\npong2\r\n');
    assert.equal(await c.raw(), '$5\r\npong3\r\n');
    await c.write(Buffer.concat([
      encodeCommand(['CLIENT', 'REPLY', 'OFF']), encodeCommand(['CLIENT', 'REPLY', 'SKIP']),
      encodeCommand(['PING', 'a']), encodeCommand(['PING', 'b']), encodeCommand(['CLIENT', 'REPLY', 'ON']),
    ]));
    assert.equal(await c.raw(), '+OK\r\n');
    await sleep(20);
    assert.equal(c.queued, 0);
  });

  test('ON right after SKIP answers OK', async () => {
    const c = await raw(port);
    await c.write(Buffer.concat([encodeCommand(['CLIENT', 'REPLY', 'SKIP']), encodeCommand(['CLIENT', 'REPLY', 'ON']),
      encodeCommand(['PING'])]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), '+PONG\r\n');
  });

  test('errors', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('CLIENT', 'REPLY', 'wrongInput')), 'ERR syntax error');
    assert.equal(errText(await c.call('CLIENT', 'REPLY')), "ERR wrong number of arguments for 'client|reply' command");
  });
});

describe('CLIENT NO-EVICT / NO-TOUCH / CAPA / HELP', () => {
  test('flags e and T, and their errors', async () => {
    const c = await raw(port);
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'on'), 'OK');
    assert.match(await c.call('CLIENT', 'INFO') as string, / flags=e /);
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'ON'), 'OK');
    assert.match(await c.call('CLIENT', 'INFO') as string, / flags=eT /);
    assert.equal(await c.call('CLIENT', 'NO-EVICT', 'off'), 'OK');
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'off'), 'OK');
    assert.match(await c.call('CLIENT', 'INFO') as string, / flags=N /);
    assert.equal(errText(await c.call('CLIENT', 'NO-EVICT', 'wrongInput')), 'ERR syntax error');
    assert.equal(errText(await c.call('CLIENT', 'NO-TOUCH', 'x')), 'ERR syntax error');
  });

  test('NO-TOUCH leaves the LRU clock of keys alone', async () => {
    const s = await server();
    const c = await raw(s.port);
    assert.equal(await c.call('SET', 'lru-key', 'v'), 'OK');
    const ks = s.server.ks;
    const db = ks.dbs[0]!;
    const a = db.lookup(Buffer.from('lru-key'), 1 | 4 /* NOTOUCH | NOSTATS: only the address */);
    ks.arena.setLru(a, 12345);
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'on'), 'OK');
    assert.equal(await c.call('GET', 'lru-key'), 'v');
    assert.equal(ks.arena.lru(a), 12345);
    assert.equal(await c.call('CLIENT', 'NO-TOUCH', 'off'), 'OK');
    assert.equal(await c.call('GET', 'lru-key'), 'v');
    assert.notEqual(ks.arena.lru(a), 12345);
  });

  test('CAPA accepts any options and records REDIRECT', async () => {
    const c = await raw(port);
    const id = await c.call('CLIENT', 'ID') as number;
    assert.equal(await c.call('CLIENT', 'CAPA', 'foo'), 'OK');
    assert.deepEqual(await ids(c, 'ID', String(id), 'CAPA', 'r'), []);
    assert.equal(await c.call('CLIENT', 'CAPA', 'bar', 'REDIRECT'), 'OK');
    assert.deepEqual(await ids(c, 'ID', String(id), 'CAPA', 'r'), [id]);
    assert.equal(errText(await c.call('CLIENT', 'CAPA')), "ERR wrong number of arguments for 'client|capa' command");
  });

  test('HELP: heading, one entry per implemented subcommand, HELP last', async () => {
    const c = await raw(port);
    const help = await c.call('CLIENT', 'HELP') as string[];
    assert.equal(help[0], 'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.deepEqual(help.slice(-2), ['HELP', '    Print this help.']);
    for (const sub of ['ID', 'INFO', 'GETNAME', 'KILL <ip:port>', 'PAUSE <timeout> [WRITE|ALL]', 'REPLY (ON|OFF|SKIP)',
      'UNBLOCK <clientid> [TIMEOUT|ERROR]', 'NO-EVICT (ON|OFF)', 'NO-TOUCH (ON|OFF)']) {
      assert.ok(help.includes(sub), `help lists ${sub}`);
    }
    // Implemented in commands/tracking.ts: listed with the other subcommands.
    for (const sub of ['TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]', 'CACHING (YES|NO)', 'GETREDIR', 'TRACKINGINFO']) {
      assert.ok(help.includes(sub), `help lists ${sub}`);
    }
    assert.ok(!help.some((l) => l.startsWith('IMPORT-SOURCE')), 'unimplemented subcommands are not listed');
    assert.equal(errText(await c.call('CLIENT', 'FOO')), "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
    assert.equal(errText(await c.call('CLIENT', 'HELP', 'x')), "ERR wrong number of arguments for 'client|help' command");
  });
});

describe('CLIENT PAUSE / UNPAUSE', () => {
  test('WRITE holds writes, not reads; UNPAUSE releases them in order', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const w1 = await raw(s.port);
    const w2 = await raw(s.port);
    const r = await raw(s.port);
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    await w1.write(encodeCommand(['SET', 'pk', 'one']));
    await w2.write(encodeCommand(['SET', 'pk', 'two']));
    assert.equal(await r.call('GET', 'pk'), null);
    assert.equal(await r.call('PING'), 'PONG');
    await waitFor(() => s.server.pause.heldCount === 2, 'two held clients');
    assert.match(await admin.call('CLIENT', 'LIST', 'ID', String(await r.call('CLIENT', 'ID'))) as string, /flags=N/);
    const list = await admin.call('CLIENT', 'LIST') as string;
    assert.equal(lines(list).filter((l) => fields(l).get('flags') === 'b').length, 2);
    assert.equal(w1.queued + w2.queued, 0);
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await w1.raw(), '+OK\r\n');
    assert.equal(await w2.raw(), '+OK\r\n');
    assert.equal(await r.call('GET', 'pk'), 'two');
  });

  test('pipelined commands after a held one wait behind it', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const c = await raw(s.port);
    assert.equal(await admin.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    await c.write(Buffer.concat([encodeCommand(['SET', 'k1', 'v']), encodeCommand(['GET', 'k1'])]));
    await sleep(50);
    assert.equal(c.queued, 0);
    await admin.call('CLIENT', 'UNPAUSE');
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), '$1\r\nv\r\n');
  });

  test('ALL holds reads too and ends by itself when the timeout passes', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const r = await raw(s.port);
    const t0 = Date.now();
    assert.equal(await admin.call('CLIENT', 'PAUSE', '300'), 'OK');
    assert.equal(await r.call('PING'), 'PONG');
    assert.ok(Date.now() - t0 >= 250, 'PING waited for the pause');
    assert.equal(s.server.pause.paused, false);
  });

  test('an older ALL pause outranks a newer, shorter WRITE pause', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const setter = await raw(s.port);
    assert.equal(await setter.call('SET', 'FOO', 'BAR'), 'OK');
    const t0 = Date.now();
    assert.equal(await admin.call('CLIENT', 'PAUSE', '300', 'ALL'), 'OK');
    // Under ALL even CLIENT PAUSE waits; once it runs the mode stays ALL and the end time stays.
    await admin.write(encodeCommand(['CLIENT', 'PAUSE', '20', 'WRITE']));
    await sleep(50);
    assert.equal(await setter.call('GET', 'FOO'), 'BAR');
    assert.ok(Date.now() - t0 >= 250);
    assert.equal(await admin.raw(), '+OK\r\n');
  });

  test('a shorter second pause keeps the first end time', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const w = await raw(s.port);
    assert.equal(await admin.call('CLIENT', 'PAUSE', '60000', 'WRITE'), 'OK');
    assert.equal(await admin.call('CLIENT', 'PAUSE', '10', 'WRITE'), 'OK');
    await sleep(100);
    await w.write(encodeCommand(['SET', 'FOO', 'BAR']));
    await waitFor(() => s.server.pause.heldCount === 1, 'the SET to be held');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await w.raw(), '+OK\r\n');
  });

  test('keys do not expire (are not deleted) while paused', async () => {
    const s = await server();
    const c = await raw(s.port);
    // Active expiry is off until the pause starts, so a slow machine cannot delete the key first.
    s.server.activeExpireEnabled = false;
    assert.equal(await c.call('SET', 'exp-key', 'v', 'PX', '30').then((r) => r, () => 'n/a'), 'OK');
    const db = s.server.ks.dbs[0]!;
    assert.equal(await c.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    s.server.activeExpireEnabled = true;
    await sleep(80);
    assert.equal(await c.call('GET', 'exp-key'), null, 'logically expired');
    assert.equal(db.size, 1, 'but still stored');
    assert.equal(await c.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await c.call('GET', 'exp-key'), null);
    assert.equal(db.size, 0);
  });

  test('syntax errors are answered at once during a pause; CLIENT PAUSE errors', async () => {
    const s = await server();
    const c = await raw(s.port);
    assert.equal(await c.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    assert.equal(errText(await c.call('SET', 'FOO')), "ERR wrong number of arguments for 'set' command");
    assert.equal(errText(await c.call('CLIENT', 'PAUSE', 'abc')), 'ERR timeout is not an integer or out of range');
    assert.equal(errText(await c.call('CLIENT', 'PAUSE', '-1')), 'ERR timeout is negative');
    assert.equal(errText(await c.call('CLIENT', 'PAUSE', '10', 'foo')), 'ERR CLIENT PAUSE mode must be WRITE or ALL');
    assert.equal(errText(await c.call('CLIENT', 'PAUSE', '10', 'ALL', 'x')),
      "ERR unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP.");
    assert.equal(await c.call('CLIENT', 'UNPAUSE'), 'OK');
    // PAUSE 0 pauses nothing.
    assert.equal(await c.call('CLIENT', 'PAUSE', '0'), 'OK');
    assert.equal(s.server.pause.paused, false);
    assert.equal(await c.call('SET', 'FOO', 'x'), 'OK');
  });

  test('a held client that disconnects is dropped; huge timeouts do not overflow the timer', async () => {
    const s = await server();
    const admin = await raw(s.port);
    const w = await raw(s.port);
    assert.equal(await admin.call('CLIENT', 'PAUSE', '99999999999', 'WRITE'), 'OK');
    await w.write(encodeCommand(['SET', 'gone', '1']));
    await waitFor(() => s.server.pause.heldCount === 1, 'held');
    await sleep(30);
    assert.equal(s.server.pause.paused, true, 'still paused (the timer did not fire early)');
    w.close();
    await waitFor(() => s.server.pause.heldCount === 0, 'dropped');
    assert.equal(await admin.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await admin.call('GET', 'gone'), null);
  });
});

describe('CLIENT UNBLOCK', () => {
  test('ends a blocking command through the client\'s onUnblock hook; 0 otherwise', async () => {
    const s = await server();
    const c = await raw(s.port);
    const target = await raw(s.port);
    const tid = await target.call('CLIENT', 'ID') as number;
    assert.equal(await c.call('CLIENT', 'UNBLOCK', String(tid)), 0);
    assert.equal(await c.call('CLIENT', 'UNBLOCK', '999999'), 0);
    // Simulate a client blocked in a command with a timeout (as BLPOP does).
    const cl = s.server.clients.get(tid)!;
    const calls: boolean[] = [];
    const block = () => {
      cl.blocked = true;
      cl.blockedReason = 'key';
      cl.onUnblock = (error) => {
        calls.push(error);
        if (error) cl.w.error('UNBLOCKED client unblocked via CLIENT UNBLOCK'); else cl.w.nullArray();
        cl.resume();
        cl.flushSoon();
      };
    };
    block();
    assert.match(await c.call('CLIENT', 'LIST', 'ID', String(tid)) as string, / flags=b /);
    assert.equal(await c.call('CLIENT', 'UNBLOCK', String(tid)), 1);
    assert.equal(await target.raw(), '*-1\r\n');
    block();
    assert.equal(await c.call('CLIENT', 'UNBLOCK', String(tid), 'ERROR'), 1);
    assert.equal(errText(await target.reply()), 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
    block();
    assert.equal(await c.call('CLIENT', 'UNBLOCK', String(tid), 'timeout'), 1);
    assert.equal(await target.raw(), '*-1\r\n');
    assert.deepEqual(calls, [false, true, false]);
    assert.equal(await target.call('PING'), 'PONG');
  });

  test('a client held by CLIENT PAUSE is not unblocked', async () => {
    const s = await server();
    const c = await raw(s.port);
    const w = await raw(s.port);
    const wid = await w.call('CLIENT', 'ID') as number;
    assert.equal(await c.call('CLIENT', 'PAUSE', '100000', 'WRITE'), 'OK');
    await w.write(encodeCommand(['SET', 'x', '1']));
    await waitFor(() => s.server.pause.heldCount === 1, 'held');
    assert.equal(await c.call('CLIENT', 'UNBLOCK', String(wid)), 0);
    assert.equal(await c.call('CLIENT', 'UNPAUSE'), 'OK');
    assert.equal(await w.raw(), '+OK\r\n');
  });

  test('errors', async () => {
    const c = await raw(port);
    assert.equal(errText(await c.call('CLIENT', 'UNBLOCK', 'asd')), 'ERR value is not an integer or out of range');
    assert.equal(errText(await c.call('CLIENT', 'UNBLOCK', '1', 'foo')), 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  });
});

describe('MONITOR', () => {
  test('streams executed commands in Valkey\'s format', async () => {
    const m = await raw(port);
    assert.equal(await m.call('MONITOR'), 'OK');
    const c = await raw(port);
    const addr = `${c.socket.localAddress}:${c.socket.localPort}`;
    await c.call('set', 'mon', 'a"b\\c\r\n\x01 ');
    await c.call('select', '2');
    await c.call('get', 'mon');
    const l1 = await m.raw();
    assert.match(l1, /^\+\d{10}\.\d{6} \[0 [^\]]+\] "set" "mon" "a\\"b\\\\c\\r\\n\\x01 "\r\n$/);
    assert.ok(l1.includes(`[0 ${addr}]`));
    assert.match(await m.raw(), /^\+\d+\.\d{6} \[2 [^\]]+\] "select" "2"\r\n$/);
    assert.match(await m.raw(), /^\+\d+\.\d{6} \[2 [^\]]+\] "get" "mon"\r\n$/);
  });

  test('redacts credentials; leaves out admin commands; a second MONITOR is ignored', async () => {
    const m = await raw(port);
    assert.equal(await m.call('MONITOR'), 'OK');
    const c = await raw(port);
    await c.call('auth', 'not-real');
    await c.call('auth', 'not-real', 'not-a-password');
    await c.call('hello', '2', 'AUTH', 'someone', 'secret');
    await c.call('client', 'list');
    await c.call('ping');
    assert.match(await m.raw(), /"auth" "\(redacted\)"\r\n$/);
    assert.match(await m.raw(), /"auth" "\(redacted\)" "\(redacted\)"\r\n$/);
    assert.match(await m.raw(), /"hello" "2" "AUTH" "\(redacted\)" "\(redacted\)"\r\n$/);
    assert.match(await m.raw(), /"ping"\r\n$/);
    assert.ok(!m.received.map((b) => b.toString()).join('').includes('secret'));
    await m.write(encodeCommand(['MONITOR']));
    await sleep(30);
    assert.equal(m.queued, 0, 'no reply to a repeated MONITOR');
    assert.match(await c.call('CLIENT', 'LIST') as string, / flags=O /);
  });

  test('a monitoring connection sees its own commands and may not touch the keyspace', async () => {
    const m = await raw(port);
    assert.equal(await m.call('MONITOR'), 'OK');
    await m.write(encodeCommand(['PING']));
    assert.equal(await m.raw(), '+PONG\r\n');
    assert.match(await m.raw(), /^\+\d+\.\d{6} \[0 [^\]]+\] "PING"\r\n$/);
    assert.equal(errText(await m.call('GET', 'x')), "ERR Replica can't interact with the keyspace");
    assert.equal(errText(await m.call('SET', 'x', '1')), "ERR Replica can't interact with the keyspace");
  });

  test('iovalkey monitor() receives events', async () => {
    const v = client(port);
    const mon = await v.monitor();
    const seen: string[][] = [];
    mon.on('monitor', (_t: string, args: string[]) => seen.push(args));
    const c = client(port);
    // monitor() may resolve before the server has processed MONITOR: write until an event shows up.
    await waitFor(async () => {
      await c.set('iov-mon', '1');
      await sleep(20);
      return seen.some((a) => a[0] === 'set' && a[1] === 'iov-mon');
    }, 'the SET event', 5000);
    mon.disconnect();
  });
});

describe('SHUTDOWN', () => {
  test('SHUTDOWN NOSAVE stops the server', async () => {
    const s = await startServer();
    const c = await raw(s.port);
    await c.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    await c.closed();
    assert.equal(c.queued, 0);
    await s.server.closed;
    await assert.rejects(new Promise((resolve, reject) => {
      const sock = net.connect(s.port, '127.0.0.1', () => { sock.destroy(); resolve(null); });
      sock.on('error', reject);
    }));
  });

  test('with save points configured, plain SHUTDOWN still stops (nothing to save to)', async () => {
    const s = await startServer({ config: { save: '3600 1' } });
    const c = await raw(s.port);
    await c.write(encodeCommand(['SHUTDOWN']));
    await c.closed();
    await s.server.closed;
  });

  test('SHUTDOWN SAVE: fails when the RDB cannot be written (unless FORCE), else saves and stops; ABORT and syntax errors', async () => {
    const s = await startServer({ config: { 'enable-protected-configs': 'yes' } });
    servers.push(s);
    const c = await raw(s.port);
    assert.equal(errText(await c.call('SHUTDOWN', 'ABORT')), 'ERR No shutdown in progress.');
    assert.equal(errText(await c.call('SHUTDOWN', 'SAVE', 'NOSAVE')), 'ERR syntax error');
    assert.equal(errText(await c.call('SHUTDOWN', 'ABORT', 'NOW')), 'ERR syntax error');
    assert.equal(errText(await c.call('SHUTDOWN', 'LATER')), 'ERR syntax error');
    assert.equal(await c.call('SET', 'k', 'v'), 'OK');
    // A data directory that disappeared: the save fails and the server keeps running.
    const gone = mkdtempSync(join(tmpdir(), 'peregrine-gone-'));
    assert.equal(await c.call('CONFIG', 'SET', 'dir', gone), 'OK');
    rmSync(gone, { recursive: true, force: true });
    assert.equal(errText(await c.call('SHUTDOWN', 'SAVE')), 'ERR Errors trying to SHUTDOWN. Check logs.');
    assert.equal(await c.call('PING'), 'PONG');
    // A writable one: SHUTDOWN SAVE writes dump.rdb and stops.
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-save-'));
    try {
      assert.equal(await c.call('CONFIG', 'SET', 'dir', dir), 'OK');
      await c.write(encodeCommand(['SHUTDOWN', 'SAVE']));
      await c.closed();
      await s.server.closed;
      assert.equal(existsSync(join(dir, 'dump.rdb')), true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
