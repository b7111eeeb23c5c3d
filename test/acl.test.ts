import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { err } from './helpers.js';

let srv: RunningServer;
let r: Valkey;
const extra: Valkey[] = [];

before(async () => {
  srv = await startServer({});
  r = new Valkey({ port: srv.port, lazyConnect: false });
});
after(async () => {
  for (const c of extra) c.disconnect();
  r.disconnect();
  await srv.close();
});

function conn(): Valkey {
  const c = new Valkey({ port: srv.port, lazyConnect: false, retryStrategy: () => null, maxRetriesPerRequest: 0, enableReadyCheck: false });
  c.on('error', () => {});
  extra.push(c);
  return c;
}

async function as(user: string, pass: string): Promise<Valkey> {
  const c = conn();
  assert.equal(await c.call('AUTH', user, pass), 'OK');
  return c;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('default user and ACL LIST / USERS / WHOAMI', async () => {
  assert.deepEqual(await r.call('ACL', 'LIST'), ['user default on nopass sanitize-payload ~* &* +@all']);
  assert.deepEqual(await r.call('ACL', 'USERS'), ['default']);
  assert.equal(await r.call('ACL', 'WHOAMI'), 'default');
});

test('SETUSER rules and the canonical rule string', async () => {
  assert.equal(await r.call('ACL', 'SETUSER', 'u1', 'on', '>p1', '~obj:*', '%R~ro:*', '%W~wo:*', '&news.*',
    '+get', '+@hash', '-hdel', '+config|get', '+select|0'), 'OK');
  const l = (await r.call('ACL', 'LIST')) as string[];
  assert.equal(l[1], `user u1 on sanitize-payload #${sha('p1')} ~obj:* %R~ro:* %W~wo:* resetchannels &news.* -@all +get +@hash -hdel +config|get +select|0`);
  // A repeated rule moves to the end; -@all / +@all clear the command rules.
  await r.call('ACL', 'SETUSER', 'u1', '+get');
  assert.match(((await r.call('ACL', 'LIST')) as string[])[1]!, /\+select\|0 \+get$/);
  await r.call('ACL', 'SETUSER', 'u2', 'allcommands', '-@dangerous', 'allkeys', 'allchannels', 'nopass');
  assert.equal(((await r.call('ACL', 'LIST')) as string[])[2], 'user u2 off nopass sanitize-payload ~* &* +@all -@dangerous');
  await r.call('ACL', 'SETUSER', 'u2', 'nocommands', 'resetkeys', 'resetchannels');
  assert.equal(((await r.call('ACL', 'LIST')) as string[])[2], 'user u2 off nopass sanitize-payload resetchannels -@all');
  await r.call('ACL', 'SETUSER', 'u2', 'reset');
  assert.equal(((await r.call('ACL', 'LIST')) as string[])[2], 'user u2 off sanitize-payload resetchannels -@all');
  assert.deepEqual(await r.call('ACL', 'DELUSER', 'u2', 'nosuch'), 1);
});

test('SETUSER errors leave the user unchanged', async () => {
  const before = await r.call('ACL', 'LIST');
  assert.equal(await err(r.call('ACL', 'SETUSER', 'u1', '+get', '+nosuchcmd')),
    "ERR Error in ACL SETUSER modifier '+nosuchcmd': Unknown command or category name in ACL");
  assert.equal(await err(r.call('ACL', 'SETUSER', 'u1', '+@nosuch')),
    "ERR Error in ACL SETUSER modifier '+@nosuch': Unknown command or category name in ACL");
  assert.equal(await err(r.call('ACL', 'SETUSER', 'u1', 'bogus')), "ERR Error in ACL SETUSER modifier 'bogus': Syntax error");
  assert.equal(await err(r.call('ACL', 'SETUSER', 'u1', '%X~a')), "ERR Error in ACL SETUSER modifier '%X~a': Syntax error");
  assert.match(await err(r.call('ACL', 'SETUSER', 'x', 'allkeys', '~a')), /Adding a pattern after the \* pattern \(or the 'allkeys' flag\)/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'x', 'allchannels', '&a')), /'allchannels' flag/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'u1', '<nosuch')), /The password you are trying to remove from the user does not exist/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'u1', '#abc')), /must be exactly 64 characters/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'u1', '+config|get|x')), /Allowing first-arg of a subcommand is not supported/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'u1', '+config|nosuch')), /Unknown command/);
  assert.match(await err(r.call('ACL', 'SETUSER', 'u1', '+select|')), /Syntax error/);
  assert.equal(await err(r.call('ACL', 'SETUSER', 'a b')), "ERR Usernames can't contain spaces or null characters");
  assert.equal(await err(r.call('ACL', 'SETUSER', 'x', '(~a', '+get')), "ERR Unmatched parenthesis in acl selector starting at '(~a'.");
  assert.deepEqual(await r.call('ACL', 'LIST'), before);
  assert.deepEqual(await r.call('ACL', 'USERS'), ['default', 'u1']);
});

test('GETUSER reply', async () => {
  await r.call('ACL', 'SETUSER', 'g', 'on', '>a', '~k*', '&c', '+get', '(~x* +set)');
  const g = (await r.call('ACL', 'GETUSER', 'g')) as unknown[];
  assert.deepEqual(g, ['flags', ['on', 'sanitize-payload'], 'passwords', [sha('a')], 'commands', '-@all +get',
    'keys', '~k*', 'channels', '&c', 'selectors', [['commands', '-@all +set', 'keys', '~x*', 'channels', '']]]);
  assert.equal(await r.call('ACL', 'GETUSER', 'nosuch'), null);
  await r.call('ACL', 'SETUSER', 'g', 'clearselectors');
  assert.deepEqual(((await r.call('ACL', 'GETUSER', 'g')) as unknown[])[11], []);
  await r.call('ACL', 'DELUSER', 'g');
});

test('AUTH: passwords, several passwords, hashes, disabled users, WRONGPASS', async () => {
  await r.call('ACL', 'SETUSER', 'pw', 'on', '>one', '>two', '+@all', '~*');
  const c = conn();
  assert.equal(await c.call('AUTH', 'pw', 'one'), 'OK');
  assert.equal(await c.call('ACL', 'WHOAMI'), 'pw');
  assert.equal(await c.call('AUTH', 'pw', 'two'), 'OK');
  assert.equal(await err(c.call('AUTH', 'pw', 'three')), 'WRONGPASS invalid username-password pair or user is disabled.');
  assert.equal(await err(c.call('AUTH', 'nosuch', 'x')), 'WRONGPASS invalid username-password pair or user is disabled.');
  // Rotation: remove one password by plaintext, add one by hash, remove it by hash.
  await r.call('ACL', 'SETUSER', 'pw', '<one', `#${sha('three')}`);
  assert.match(await err(c.call('AUTH', 'pw', 'one')), /WRONGPASS/);
  assert.equal(await c.call('AUTH', 'pw', 'three'), 'OK');
  await r.call('ACL', 'SETUSER', 'pw', `!${sha('three')}`);
  assert.match(await err(c.call('AUTH', 'pw', 'three')), /WRONGPASS/);
  await r.call('ACL', 'SETUSER', 'pw', 'off');
  assert.match(await err(c.call('AUTH', 'pw', 'two')), /WRONGPASS/);
  // Already authenticated connections keep working after off.
  assert.equal(await c.call('ACL', 'WHOAMI'), 'pw');
  await r.call('ACL', 'SETUSER', 'pw', 'on', 'nopass');
  assert.equal(await c.call('AUTH', 'pw', 'anything'), 'OK');
  await r.call('ACL', 'SETUSER', 'pw', 'resetpass');
  assert.match(await err(c.call('AUTH', 'pw', 'anything')), /WRONGPASS/);
  // HELLO AUTH
  await r.call('ACL', 'SETUSER', 'pw', '>hp');
  const h = (await c.call('HELLO', '2', 'AUTH', 'pw', 'hp')) as unknown[];
  assert.equal(h[0], 'server');
  assert.equal(await c.call('ACL', 'WHOAMI'), 'pw');
  assert.match(await err(c.call('HELLO', '2', 'AUTH', 'pw', 'bad')), /WRONGPASS/);
  // AUTH <pass> with a nopass default user
  assert.match(await err(c.call('AUTH', 'x')), /AUTH <password> called without any password configured/);
});

test('requirepass is the default user password', async () => {
  await r.call('CONFIG', 'SET', 'requirepass', 'sekret');
  try {
    assert.match(((await r.call('ACL', 'LIST')) as string[])[0]!, new RegExp(`^user default on sanitize-payload #${sha('sekret')} ~\\* &\\* \\+@all$`));
    const c = conn();
    assert.match(await err(c.call('GET', 'x')), /NOAUTH/);
    assert.equal(await c.call('AUTH', 'sekret'), 'OK');
    assert.equal(await c.call('AUTH', 'default', 'sekret'), 'OK');
    assert.match(await err(c.call('AUTH', 'wrong')), /WRONGPASS/);
  } finally {
    await r.call('CONFIG', 'SET', 'requirepass', '');
  }
  assert.equal(((await r.call('ACL', 'LIST')) as string[])[0], 'user default on nopass sanitize-payload ~* &* +@all');
  // ACL SETUSER default >pass also requires AUTH on new connections.
  await r.call('ACL', 'SETUSER', 'default', 'resetpass', '>dp');
  try {
    const c = conn();
    assert.match(await err(c.call('PING')), /NOAUTH/);
    assert.equal(await c.call('AUTH', 'dp'), 'OK');
  } finally {
    await r.call('ACL', 'SETUSER', 'default', 'nopass');
  }
});

test('NOPERM: commands, subcommands, categories and first args', async () => {
  await r.call('ACL', 'SETUSER', 'cu', 'on', '>p', 'allkeys', '+@string', '-append', '+config|get', '+select|0', '+acl|whoami');
  const c = await as('cu', 'p');
  assert.equal(await c.call('SET', 'a', '1'), 'OK');
  assert.equal(await err(c.call('APPEND', 'a', '1')), "NOPERM User cu has no permissions to run the 'append' command");
  assert.equal(await err(c.call('LPUSH', 'l', '1')), "NOPERM User cu has no permissions to run the 'lpush' command");
  assert.ok(await c.call('CONFIG', 'GET', 'maxmemory'));
  assert.equal(await err(c.call('CONFIG', 'SET', 'maxmemory', '0')), "NOPERM User cu has no permissions to run the 'config|set' command");
  assert.equal(await c.call('SELECT', '0'), 'OK');
  assert.equal(await err(c.call('SELECT', '1')), "NOPERM User cu has no permissions to run the 'select' command");
  assert.equal(await c.call('ACL', 'WHOAMI'), 'cu');
  // no-auth commands are always allowed
  assert.equal(await c.call('AUTH', 'cu', 'p'), 'OK');
  // -@all then categories
  await r.call('ACL', 'SETUSER', 'cu', 'nocommands', '+@read');
  assert.equal(await c.call('GET', 'a'), '1');
  assert.match(await err(c.call('SET', 'a', '2')), /no permissions to run the 'set' command/);
  await r.call('ACL', 'SETUSER', 'cu', '+@all', '-@write');
  assert.match(await err(c.call('DEL', 'a')), /'del' command/);
  assert.equal(await c.call('PING'), 'PONG');
});

test('NOPERM: key patterns by read / write access', async () => {
  await r.call('ACL', 'SETUSER', 'ku', 'on', '>p', '+@all', '~app:*', '%R~read:*', '%W~write:*');
  const c = await as('ku', 'p');
  assert.equal(await c.call('SET', 'app:1', 'v'), 'OK');
  assert.equal(await c.call('GET', 'app:1'), 'v');
  assert.equal(await err(c.call('GET', 'other')), 'NOPERM No permissions to access a key');
  assert.equal(await c.call('GET', 'read:1'), null);
  assert.equal(await err(c.call('SET', 'read:1', 'x')), 'NOPERM No permissions to access a key');
  // SET without GET only writes; with GET it also reads.
  assert.equal(await c.call('SET', 'write:1', 'x'), 'OK');
  assert.equal(await err(c.call('SET', 'write:1', 'x', 'GET')), 'NOPERM No permissions to access a key');
  assert.equal(await err(c.call('GET', 'write:1')), 'NOPERM No permissions to access a key');
  // Source read / destination write
  await r.set('read:src', 'abc');
  assert.equal(await c.call('COPY', 'read:src', 'write:dst'), 1);
  assert.equal(await err(c.call('COPY', 'write:dst', 'read:src2')), 'NOPERM No permissions to access a key');
  assert.equal(await err(c.call('MSET', 'app:2', 'x', 'nope', 'y')), 'NOPERM No permissions to access a key');
  assert.equal(await r.call('ACL', 'DRYRUN', 'ku', 'MSET', 'app:2', 'x', 'nope', 'y'),
    "User ku has no permissions to access the 'nope' key");
  assert.equal(await r.call('ACL', 'DRYRUN', 'ku', 'GET', 'app:2'), 'OK');
  // Commands without keys pass key checks.
  assert.equal(typeof (await c.call('DBSIZE')), 'number');
});

test('NOPERM: pub/sub channels', async () => {
  await r.call('ACL', 'SETUSER', 'cu2', 'on', '>p', '+@all', 'allkeys', 'resetchannels', '&news.*', '&lit*');
  const c = await as('cu2', 'p');
  assert.equal(await c.call('PUBLISH', 'news.x', 'm'), 0);
  assert.equal(await err(c.call('PUBLISH', 'sport', 'm')), 'NOPERM No permissions to access a channel');
  assert.equal(await err(c.call('SUBSCRIBE', 'news.a', 'sport')), 'NOPERM No permissions to access a channel');
  // PSUBSCRIBE patterns must equal an ACL pattern literally.
  assert.equal(await err(c.call('PSUBSCRIBE', 'news.a*')), 'NOPERM No permissions to access a channel');
  const s = await as('cu2', 'p');
  await s.call('PSUBSCRIBE', 'news.*');
  assert.equal(await r.call('ACL', 'DRYRUN', 'cu2', 'PUBLISH', 'x', 'y'), "User cu2 has no permissions to access the 'x' channel");
});

test('ACL LOG entries, grouping and RESET', async () => {
  await r.call('ACL', 'LOG', 'RESET');
  await r.call('ACL', 'SETUSER', 'lu', 'on', '>p', '+get', '+multi', '+exec', '~k*');
  const c = await as('lu', 'p');
  await err(c.call('SET', 'k', 'v'));
  await err(c.call('SET', 'k', 'v'));
  await err(c.call('GET', 'x'));
  await err(c.call('AUTH', 'lu', 'bad'));
  const log = (await r.call('ACL', 'LOG')) as unknown[][];
  assert.equal(log.length, 3);
  const entry = (e: unknown[]) => Object.fromEntries(e.reduce<unknown[][]>((a, v, i) => (i % 2 ? a : [...a, [v, e[i + 1]]]), []) as Array<[string, unknown]>);
  const [auth, key, cmd] = log.map(entry);
  assert.equal(auth!.reason, 'auth'); assert.equal(auth!.object, 'AUTH'); assert.equal(auth!.username, 'lu');
  assert.equal(key!.reason, 'key'); assert.equal(key!.object, 'x'); assert.equal(key!.context, 'toplevel');
  assert.equal(cmd!.reason, 'command'); assert.equal(cmd!.object, 'set'); assert.equal(cmd!.count, 2);
  assert.match(cmd!['client-info'] as string, /user=lu/);
  assert.equal(typeof cmd!['entry-id'], 'number');
  assert.ok((cmd!['timestamp-last-updated'] as number) >= (cmd!['timestamp-created'] as number));
  assert.equal(((await r.call('ACL', 'LOG', '1')) as unknown[]).length, 1);
  // In a transaction the context is multi.
  await c.call('MULTI');
  await err(c.call('SET', 'k', 'v'));
  await err(c.call('EXEC'));
  assert.equal(entry(((await r.call('ACL', 'LOG', '1')) as unknown[][])[0]!).context, 'multi');
  assert.equal(await r.call('ACL', 'LOG', 'RESET'), 'OK');
  assert.deepEqual(await r.call('ACL', 'LOG'), []);
});

test('MULTI: permissions checked at queue time and again at EXEC', async () => {
  await r.call('ACL', 'SETUSER', 'mu', 'on', '>p', '+@all', 'allkeys');
  const c = await as('mu', 'p');
  await c.call('MULTI');
  assert.equal(await c.call('SET', 'mk', '1'), 'QUEUED');
  await r.call('ACL', 'SETUSER', 'mu', '-set');
  const res = (await c.call('EXEC')) as unknown[];
  assert.match(String(res[0]), /NOPERM ACLs rules changed between the moment the transaction was accumulated and the EXEC call. This command is no longer allowed for the following reason: no permission to execute the command or subcommand/);
});

test('scripts: server.call checks the caller, acl_check_cmd', async () => {
  await r.call('ACL', 'SETUSER', 'su', 'on', '>p', '+eval', '+get', '~s*');
  const c = await as('su', 'p');
  assert.equal(await c.call('EVAL', "return server.call('get', 'sa')", '0'), null);
  assert.match(await err(c.call('EVAL', "return server.call('set', 'sa', '1')", '0')),
    /ACL failure in script: User su has no permissions to run the 'set' command/);
  assert.match(await err(c.call('EVAL', "return redis.call('get', 'x')", '0')), /ACL failure in script: No permissions to access a key/);
  assert.equal(await c.call('EVAL', "return server.acl_check_cmd('get', 'sa')", '0'), 1);
  assert.equal(await c.call('EVAL', "return redis.acl_check_cmd('set', 'sa', '1')", '0'), null);
  assert.match(await err(c.call('EVAL', "return server.acl_check_cmd('nosuch')", '0')), /Invalid command passed to server.acl_check_cmd\(\)/);
});

test('DELUSER disconnects the user\'s clients; CLIENT LIST user= and CLIENT KILL USER', async () => {
  await r.call('ACL', 'SETUSER', 'du', 'on', '>p', '+@all', 'allkeys');
  const c = await as('du', 'p');
  const c2 = await as('du', 'p');
  assert.match((await r.call('CLIENT', 'LIST')) as string, /user=du/);
  assert.equal(await r.call('CLIENT', 'KILL', 'USER', 'du'), 1 + 1);
  assert.equal(await err(r.call('CLIENT', 'KILL', 'USER', 'nosuchuser')), "ERR No such user 'nosuchuser'");
  await new Promise((res) => setTimeout(res, 50));
  const c3 = await as('du', 'p');
  const closed = new Promise((res) => c3.once('end', res));
  assert.equal(await r.call('ACL', 'DELUSER', 'du'), 1);
  await closed;
  assert.ok(c.status !== 'ready' && c2.status !== 'ready');
  assert.equal(await err(r.call('ACL', 'DELUSER', 'default')), "ERR The 'default' user cannot be removed");
});

test('ACL CAT, GENPASS, DRYRUN errors, LOAD/SAVE without aclfile', async () => {
  const cats = (await r.call('ACL', 'CAT')) as string[];
  assert.ok(cats.includes('keyspace') && cats.includes('scripting') && cats.length === 21);
  const str = (await r.call('ACL', 'CAT', 'string')) as string[];
  assert.ok(str.includes('get') && str.includes('set') && !str.includes('lpush'));
  assert.ok(((await r.call('ACL', 'CAT', 'admin')) as string[]).includes('config|set'));
  assert.equal(await err(r.call('ACL', 'CAT', 'nosuch')), "ERR Unknown category 'nosuch'");
  assert.match((await r.call('ACL', 'GENPASS')) as string, /^[0-9a-f]{64}$/);
  assert.match((await r.call('ACL', 'GENPASS', '5')) as string, /^[0-9a-f]{2}$/);
  assert.match(await err(r.call('ACL', 'GENPASS', '0')), /ACL GENPASS argument must be the number of bits/);
  assert.equal(await err(r.call('ACL', 'DRYRUN', 'nosuch', 'get', 'x')), "ERR User 'nosuch' not found");
  assert.equal(await err(r.call('ACL', 'DRYRUN', 'default', 'nosuch', 'x')), "ERR Command 'nosuch' not found");
  assert.equal(await err(r.call('ACL', 'DRYRUN', 'default', 'get')), "ERR wrong number of arguments for 'get' command");
  assert.match(await err(r.call('ACL', 'LOAD')), /This instance is not configured to use an ACL file/);
  assert.match(await err(r.call('ACL', 'SAVE')), /This instance is not configured to use an ACL file/);
});

test('selectors: a command is allowed when any selector allows it', async () => {
  await r.call('ACL', 'SETUSER', 'sel', 'on', '>p', '+get', '~a*', '(+set ~b*)');
  const c = await as('sel', 'p');
  assert.equal(await c.call('GET', 'a1'), null);
  assert.equal(await c.call('SET', 'b1', 'x'), 'OK');
  assert.equal(await err(c.call('SET', 'a1', 'x')), 'NOPERM No permissions to access a key');
  assert.equal(await err(c.call('GET', 'b1')), 'NOPERM No permissions to access a key');
  assert.equal(((await r.call('ACL', 'LIST')) as string[]).find((l) => l.startsWith('user sel')),
    `user sel on sanitize-payload #${sha('p')} ~a* resetchannels -@all +get (~b* resetchannels -@all +set)`);
});

test('INFO stats counts denials; revoking channels disconnects subscribers', async () => {
  await r.call('CONFIG', 'RESETSTAT');
  await r.call('ACL', 'SETUSER', 'mx', 'on', '>p', '+get', '+subscribe', '~a', 'resetchannels', '&ch1', '&ch2');
  const c = await as('mx', 'p');
  await err(c.call('SET', 'a', 'b'));
  await err(c.call('GET', 'b'));
  await err(c.call('AUTH', 'mx', 'wrong'));
  await err(c.call('SUBSCRIBE', 'other'));
  const info = (await r.call('INFO', 'stats')) as string;
  for (const f of ['auth', 'cmd', 'key', 'channel']) assert.match(info, new RegExp(`acl_access_denied_${f}:1\\r`));
  const sub = await as('mx', 'p');
  await sub.call('SUBSCRIBE', 'ch1');
  // Still allowed: stays connected.
  await r.call('ACL', 'SETUSER', 'mx', '&ch3');
  assert.equal(sub.status, 'ready');
  const closed = new Promise((res) => sub.once('end', res));
  await r.call('ACL', 'SETUSER', 'mx', 'resetchannels', '&ch2');
  await closed;
});

test('a blocked command is checked again when it is served', async () => {
  await r.call('ACL', 'SETUSER', 'bu', 'on', 'nopass', '+@all', 'allkeys');
  const c = await as('bu', 'x');
  const p = err(c.call('BLPOP', 'blist', '0'));
  await new Promise((res) => setTimeout(res, 50));
  await r.call('ACL', 'SETUSER', 'bu', 'resetkeys');
  await r.call('LPUSH', 'blist', 'v');
  assert.equal(await p, 'NOPERM No permissions to access a key');
  assert.equal(await r.call('LLEN', 'blist'), 1);
});

test('SORT BY / GET patterns need read access to every key; MIGRATE KEYS keys; BITFIELD access', async () => {
  await r.call('ACL', 'SETUSER', 'so', 'on', 'nopass', '+sort', '+bitfield', '~mylist', '~bf');
  await r.call('RPUSH', 'mylist', '2', '1');
  const c = await as('so', 'x');
  assert.deepEqual(await c.call('SORT', 'mylist'), ['1', '2']);
  assert.equal(await err(c.call('SORT', 'mylist', 'BY', 'w_*')), 'ERR BY option of SORT denied due to insufficient ACL permissions.');
  assert.equal(await err(c.call('SORT', 'mylist', 'GET', 'w_*')), 'ERR GET option of SORT denied due to insufficient ACL permissions.');
  // A constant BY pattern does not read other keys.
  assert.deepEqual(await c.call('SORT', 'mylist', 'BY', 'nosort'), ['2', '1']);
  await r.call('ACL', 'SETUSER', 'so', '%R~*');
  assert.equal(((await c.call('SORT', 'mylist', 'BY', 'w_*')) as string[]).length, 2);
  await r.call('ACL', 'SETUSER', 'mig', 'on', 'nopass', '+migrate', '%R~r*', '~rw*');
  assert.equal(await r.call('ACL', 'DRYRUN', 'mig', 'MIGRATE', 'h', '1', '', '0', '5000', 'AUTH2', 'KEYS', '123', 'KEYS', 'rw'), 'OK');
  assert.match((await r.call('ACL', 'DRYRUN', 'mig', 'MIGRATE', 'h', '1', '', '0', '5000', 'KEYS', 'r1')) as string, /the 'r1' key/);
  await r.call('ACL', 'SETUSER', 'bfr', 'on', 'nopass', '+bitfield', '%R~bf');
  assert.equal(await r.call('ACL', 'DRYRUN', 'bfr', 'BITFIELD', 'bf', 'GET', 'u8', '0'), 'OK');
  assert.match((await r.call('ACL', 'DRYRUN', 'bfr', 'BITFIELD', 'bf', 'SET', 'u8', '0', '1')) as string, /the 'bf' key/);
});
