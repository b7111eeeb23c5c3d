// EVAL / EVALSHA / EVAL_RO / EVALSHA_RO and SCRIPT over real sockets: conversions both ways in
// RESP2 and RESP3, the redis/server API, sandbox rules, error replies and their statistics,
// script flags (shebang), the script cache (LRU eviction of EVAL scripts), effects replication
// (MULTI/EXEC wrapping, set_repl), scripts inside MULTI, frozen time, and busy scripts (BUSY,
// SCRIPT KILL, UNKILLABLE, SHUTDOWN NOSAVE) against a server in a child process.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand, sleep } from '../bench/resp.js';
import { E } from '../src/errors.js';

let srv: RunningServer;
let r: RawConn;
const conns: RawConn[] = [];

async function conn(): Promise<RawConn> {
  const c = await RawConn.connect(srv.port);
  conns.push(c);
  return c;
}

/** Sends a command and returns the raw reply text. */
async function raw(c: RawConn, ...args: (string | number)[]): Promise<string> {
  await c.write(encodeCommand(args));
  return c.raw();
}

function sha1(s: string): string {
  // The same digest SCRIPT LOAD returns.
  return createHashHex(s);
}
import { createHash } from 'node:crypto';
function createHashHex(s: string): string { return createHash('sha1').update(s).digest('hex'); }

async function infoField(c: RawConn, section: string, name: string): Promise<string> {
  const text = String(await c.call('INFO', section));
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(text);
  return m ? m[1]!.trim() : '';
}

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes' } });
  r = await conn();
});

after(async () => {
  for (const c of conns) c.close();
  await srv.close();
});

describe('Lua -> RESP conversion', () => {
  test('strings, numbers (truncated), booleans, nil, status and error tables', async () => {
    assert.equal(await raw(r, 'EVAL', "return 'hello'", 0), '$5\r\nhello\r\n');
    assert.equal(await raw(r, 'EVAL', 'return 100.5', 0), ':100\r\n');
    assert.equal(await raw(r, 'EVAL', 'return -3.9', 0), ':-3\r\n');
    assert.equal(await raw(r, 'EVAL', 'return true', 0), ':1\r\n');
    assert.equal(await raw(r, 'EVAL', 'return false', 0), '$-1\r\n');
    assert.equal(await raw(r, 'EVAL', 'return nil', 0), '$-1\r\n');
    assert.equal(await raw(r, 'EVAL', "return {ok='fine'}", 0), '+fine\r\n');
    assert.equal(await raw(r, 'EVAL', "return {ok='a\\r\\nb'}", 0), '+a  b\r\n');
    assert.equal(await raw(r, 'EVAL', "return {err='ERR this is an error'}", 0), '-ERR this is an error\r\n');
    assert.equal(await raw(r, 'EVAL', 'return redis.error_reply("MY_ERR_CODE custom msg")', 0), '-MY_ERR_CODE custom msg\r\n');
    assert.equal(await raw(r, 'EVAL', 'return redis.error_reply("")', 0), '-ERR \r\n');
    assert.equal(await raw(r, 'EVAL', 'return redis.status_reply("MY_OK")', 0), '+MY_OK\r\n');
  });

  test('arrays stop at the first nil; nested tables; _G is an empty array', async () => {
    assert.equal(await raw(r, 'EVAL', "return {1,2,3,'ciao',{1,2}}", 0),
      '*5\r\n:1\r\n:2\r\n:3\r\n$4\r\nciao\r\n*2\r\n:1\r\n:2\r\n');
    assert.equal(await raw(r, 'EVAL', 'return {1,nil,3}', 0), '*1\r\n:1\r\n');
    assert.equal(await raw(r, 'EVAL', 'return _G', 0), '*0\r\n');
    assert.equal(await raw(r, 'EVAL', 'local a = {}; setmetatable(a,{__index=function() foo() end}) return a', 0), '*0\r\n');
  });

  test('RESP3 types from Lua: double, big number, map, set, verbatim, booleans', async () => {
    const c = await conn();
    await c.call('HELLO', '3');
    assert.equal(await raw(c, 'EVAL', 'return {double=3.5}', 0), ',3.5\r\n');
    assert.equal(await raw(c, 'EVAL', "return {big_number='123\\r\\n123'}", 0), '(123  123\r\n');
    assert.equal(await raw(c, 'EVAL', "return {map={a=1}}", 0), '%1\r\n$1\r\na\r\n:1\r\n');
    assert.equal(await raw(c, 'EVAL', "return {set={a=true}}", 0), '~1\r\n$1\r\na\r\n');
    assert.equal(await raw(c, 'EVAL', "return {verbatim_string={format='txt', string='hi'}}", 0), '=6\r\ntxt:hi\r\n');
    // Booleans: with the script in RESP2 (the default) false is a null, true is 1.
    assert.equal(await raw(c, 'EVAL', 'return false', 0), '_\r\n');
    assert.equal(await raw(c, 'EVAL', 'return true', 0), ':1\r\n');
    assert.equal(await raw(c, 'EVAL', 'redis.setresp(3) return false', 0), '#f\r\n');
    assert.equal(await raw(c, 'EVAL', 'redis.setresp(3) return true', 0), '#t\r\n');
    // The same on a RESP2 connection: RESP2 shapes.
    assert.equal(await raw(r, 'EVAL', 'return {double=3.5}', 0), '$3\r\n3.5\r\n');
    assert.equal(await raw(r, 'EVAL', "return {map={a=1}}", 0), '*2\r\n$1\r\na\r\n:1\r\n');
    assert.equal(await raw(r, 'EVAL', 'redis.setresp(3) return false', 0), ':0\r\n');
  });

  test('a recursive table ends with "reached lua stack limit" and the connection survives', async () => {
    const c = await conn();
    // The whole nested reply is one frame: *1 headers down to the error that replaces the rest.
    const f = await raw(c, 'EVAL', 'local a = {}; local b = {a}; a[1] = b; return a', 0);
    const m = /^((?:\*1\r\n)+)-ERR reached lua stack limit\r\n$/.exec(f);
    assert.ok(m, f.slice(-100));
    assert.ok(m[1]!.length / 4 > 100);
    assert.equal(await raw(c, 'PING'), '+PONG\r\n');
  });
});

describe('RESP -> Lua conversion', () => {
  test('integer, bulk, nil bulk, array, status and error replies', async () => {
    await r.call('SET', 'x', '0');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('incr',KEYS[1]) return {type(foo),foo}", 1, 'x'),
      '*2\r\n$6\r\nnumber\r\n:1\r\n');
    await r.call('SET', 'mykey', 'myval');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('get',KEYS[1]) return {type(foo),foo}", 1, 'mykey'),
      '*2\r\n$6\r\nstring\r\n$5\r\nmyval\r\n');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('get','nokey') return {type(foo),foo == false}", 0),
      '*2\r\n$7\r\nboolean\r\n:1\r\n');
    await r.call('DEL', 'l');
    await r.call('RPUSH', 'l', 'a', 'b', 'c');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('lrange',KEYS[1],0,-1) return {type(foo),foo[1],foo[3],#foo}", 1, 'l'),
      '*4\r\n$5\r\ntable\r\n$1\r\na\r\n$1\r\nc\r\n:3\r\n');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('set',KEYS[1],'v') return {type(foo),foo['ok']}", 1, 'k'),
      '*2\r\n$5\r\ntable\r\n$2\r\nOK\r\n');
    assert.equal(await raw(r, 'EVAL', "local foo = redis.pcall('incr',KEYS[1]) return {type(foo),foo['err']}", 1, 'mykey'),
      `*2\r\n$5\r\ntable\r\n$${E.notInteger.length}\r\n${E.notInteger}\r\n`);
  });

  test('setresp(3): maps, sets, doubles, nulls as Valkey hands them to Lua', async () => {
    await r.call('DEL', 'h');
    await r.call('HSET', 'h', 'f', 'v');
    assert.equal(await raw(r, 'EVAL', "redis.setresp(3) local t = redis.call('hgetall', KEYS[1]) return t.map.f", 1, 'h'), '$1\r\nv\r\n');
    assert.equal(await raw(r, 'EVAL', "redis.setresp(2) local t = redis.call('hgetall', KEYS[1]) return t", 1, 'h'),
      '*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
    await r.call('DEL', 'z');
    await r.call('ZADD', 'z', '1.5', 'm');
    assert.equal(await raw(r, 'EVAL', "redis.setresp(3) local t = redis.call('zscore', KEYS[1], 'm') return tostring(t.double)", 1, 'z'),
      '$3\r\n1.5\r\n');
    assert.equal(await raw(r, 'EVAL', "redis.setresp(3) local t = redis.call('get', 'nokey') return type(t)", 0), '$3\r\nnil\r\n');
    assert.match(await raw(r, 'EVAL', 'redis.setresp(4)', 0), /^-ERR RESP version must be 2 or 3\. script: /);
  });

  test('numbers as arguments: integers exactly, others in shortest form', async () => {
    assert.equal(await raw(r, 'EVAL', "redis.call('set','foo',9007199254740991) return redis.call('get','foo')", 0),
      '$16\r\n9007199254740991\r\n');
    assert.equal(await raw(r, 'EVAL', "redis.call('set','foo',0.1) return redis.call('get','foo')", 0), '$3\r\n0.1\r\n');
    assert.match(await raw(r, 'EVAL', "return redis.call('ping', {})", 0), /^-ERR Command arguments must be strings or integers script: /);
  });
});

describe('redis API', () => {
  test('call errors carry Valkey wording and the script position', async () => {
    const body = "redis.call('nosuchcommand')";
    assert.equal(await raw(r, 'EVAL', body, 0),
      `-ERR Unknown command called from script script: ${sha1(body)}, on @user_script:1.\r\n`);
    assert.match(await raw(r, 'EVAL', "redis.call('get','a','b','c')", 0), /^-ERR Wrong number of args calling command from script script: /);
    assert.match(await raw(r, 'EVAL', 'return redis.call()', 0), /^-ERR Please specify at least one argument for this call script: /);
    await r.call('SET', 'foo', 'bar');
    assert.match(await raw(r, 'EVAL', "redis.call('lpush',KEYS[1],'val')", 1, 'foo'), /^-WRONGTYPE Operation against a key/);
    assert.match(await raw(r, 'EVAL', "redis.call('multi')", 0), /^-ERR This Redis command is not allowed from script script: /);
    assert.match(await raw(r, 'EVAL', "\n\nredis.call('select', 99)", 0), /^-ERR DB index is out of range script: \w{40}, on @user_script:3\.\r\n$/);
  });

  test('CLUSTER from a script: RESET is a no-script command, the others say cluster support is disabled', async () => {
    assert.match(await raw(r, 'EVAL', "redis.call('cluster', 'reset', 'hard')", 0), /^-ERR This Redis command is not allowed from script script: /);
    assert.match(await raw(r, 'EVAL', "return redis.pcall('cluster', 'reset')", 0), /^-ERR This Redis command is not allowed from script/);
    assert.match(await raw(r, 'EVAL', "redis.call('cluster', 'info')", 0), /^-ERR This instance has cluster support disabled script: /);
    assert.match(await raw(r, 'EVAL', "redis.call('cluster', 'nosuch')", 0), /^-ERR Unknown command called from script script: /);
  });

  test('sha1hex, log, version fields, replicate_commands, breakpoint, set_repl validation', async () => {
    assert.equal(await raw(r, 'EVAL', "return redis.sha1hex('')", 0), '$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n');
    assert.equal(await raw(r, 'EVAL', "return server.sha1hex('Pizza & Mandolino')", 0), '$40\r\n74822d82031af7493c20eefa13bd07ec4fada82f\r\n');
    assert.match(await raw(r, 'EVAL', 'redis.sha1hex()', 0), /wrong number of arguments/);
    assert.equal(await raw(r, 'EVAL', "redis.log(redis.LOG_WARNING, 'from', 'a script') return 1", 0), ':1\r\n');
    assert.match(await raw(r, 'EVAL', "redis.log(99, 'x')", 0), /^-ERR Invalid log level\./);
    assert.match(await raw(r, 'EVAL', 'redis.log(1)', 0), /^-ERR server\.log\(\) requires two arguments or more\./);
    assert.equal(await raw(r, 'EVAL', 'return redis.REDIS_VERSION == server.REDIS_VERSION', 0), ':1\r\n');
    assert.equal(await raw(r, 'EVAL', 'return redis.replicate_commands()', 0), ':1\r\n');
    assert.equal(await raw(r, 'EVAL', 'return redis.breakpoint()', 0), '$-1\r\n');
    assert.match(await raw(r, 'EVAL', 'redis.set_repl(12345)', 0), /^-ERR Invalid replication flags\. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE\./);
    assert.equal(await raw(r, 'EVAL', 'return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_ALL}', 0),
      '*5\r\n:0\r\n:1\r\n:2\r\n:2\r\n:3\r\n');
    assert.equal(await raw(r, 'EVAL', "return redis.acl_check_cmd('set','xx',1)", 0), ':1\r\n');
    assert.match(await raw(r, 'EVAL', "return redis.acl_check_cmd('invalid-cmd','arg')", 0), /Invalid command passed to server\.acl_check_cmd\(\)/);
  });

  test('pcall returns error text for error tables; blocking commands do not block', async () => {
    await r.call('DEL', 'pl');
    await r.call('LPUSH', 'pl', 'a');
    assert.equal(await raw(r, 'EVAL', "local s, e = pcall(function() redis.call('incr', 'pl') end) return e", 0),
      `$${E.wrongType.length}\r\n${E.wrongType}\r\n`);
    assert.match(await raw(r, 'EVAL', "local status, res = pcall(function() return foo end); return 'status: ' .. tostring(status) .. ' result: ' .. res", 0),
      /status: false result: user_script:1: Script attempted to access nonexistent global variable 'foo'/);
    await r.call('DEL', 'bl');
    assert.equal(await raw(r, 'EVAL', "return redis.pcall('blpop','bl',0)", 1, 'bl'), '*-1\r\n'.replace('*-1', '$-1'));
  });

  test('math.random is seedable and deterministic per seed', async () => {
    const a = await raw(r, 'EVAL', 'math.randomseed(ARGV[1]); return tostring(math.random())', 0, 10);
    const b = await raw(r, 'EVAL', 'math.randomseed(ARGV[1]); return tostring(math.random())', 0, 10);
    const c = await raw(r, 'EVAL', 'math.randomseed(ARGV[1]); return tostring(math.random())', 0, 20);
    assert.equal(a, b);
    assert.notEqual(b, c);
    assert.equal(await raw(r, 'EVAL', 'local x = math.random(5) return x >= 1 and x <= 5', 0), ':1\r\n');
  });
});

describe('sandbox', () => {
  test('globals are read-only, undefined globals raise, dangerous functions are absent', async () => {
    const body = 'return a';
    assert.equal(await raw(r, 'EVAL', body, 0),
      `-ERR user_script:1: Script attempted to access nonexistent global variable 'a' script: ${sha1(body)}, on @user_script:1.\r\n`);
    assert.match(await raw(r, 'EVAL', 'a=10', 0), /^-ERR user_script:1: Attempt to modify a readonly table script: /);
    assert.match(await raw(r, 'EVAL', 'redis.call = function() return 1 end', 0), /Attempt to modify a readonly table/);
    assert.match(await raw(r, 'EVAL', 'cjson.encode = function() return 1 end', 0), /Attempt to modify a readonly table/);
    assert.match(await raw(r, 'EVAL', 'setmetatable(_G, {})', 0), /Attempt to modify a readonly table/);
    assert.match(await raw(r, 'EVAL', 'local g = getmetatable(_G) g.__index = {}', 0), /Attempt to modify a readonly table/);
    assert.match(await raw(r, 'EVAL', '_G = {}', 0), /Attempt to modify a readonly table/);
    for (const fn of ['loadfile', 'dofile', 'print']) {
      assert.match(await raw(r, 'EVAL', `${fn}('x')`, 0), new RegExp(`Script attempted to access nonexistent global variable '${fn}'`));
    }
    assert.match(await raw(r, 'EVAL', 'os.execute()', 0), /attempt to call field 'execute' \(a nil value\)/);
    assert.equal(await raw(r, 'EVAL', 'local n = 0 for k, v in pairs(os) do n = n + 1 end return {n, type(os.clock)}', 0),
      '*2\r\n:1\r\n$8\r\nfunction\r\n');
  });

  test('runtime errors and error() report positions like the error handler', async () => {
    const b1 = "\nerror('boom')";
    assert.equal(await raw(r, 'EVAL', b1, 0), `-ERR user_script:2: boom script: ${sha1(b1)}, on @user_script:2.\r\n`);
    const b2 = "error({err='MY_CODE custom'})";
    assert.equal(await raw(r, 'EVAL', b2, 0), `-MY_CODE custom script: ${sha1(b2)}, on @user_script:1.\r\n`);
    assert.match(await raw(r, 'EVAL', 'local t = nil; return t.x', 0), /^-ERR user_script:1: attempt to index local 't' \(a nil value\) script: /);
    assert.match(await raw(r, 'EVAL', 'return 1 +', 0), /^-ERR Error compiling script \(new function\): user_script:1: /);
  });
});

describe('EVALSHA, SCRIPT and the script cache', () => {
  test('SCRIPT LOAD / EXISTS / SHOW / FLUSH and EVALSHA (case-insensitive sha)', async () => {
    await r.call('SCRIPT', 'FLUSH');
    const body = "return redis.call('get',KEYS[1])";
    assert.equal(await r.call('SCRIPT', 'LOAD', body), 'fd758d1589d044dd850a6f05d52f2eefd27f033f');
    await r.call('SET', 'mykey', 'myval');
    assert.equal(await r.call('EVALSHA', 'fd758d1589d044dd850a6f05d52f2eefd27f033f', 1, 'mykey'), 'myval');
    assert.equal(await r.call('EVALSHA', 'FD758D1589D044DD850A6F05D52F2EEFD27F033F', 1, 'mykey'), 'myval');
    assert.equal(await r.call('EVALSHA_RO', 'fd758d1589d044dd850a6f05d52f2eefd27f033f', 1, 'mykey'), 'myval');
    assert.equal(await raw(r, 'SCRIPT', 'EXISTS', 'fd758d1589d044dd850a6f05d52f2eefd27f033f', 'ffd632c7d33e571e9f24556ebed26c3479a87130'),
      '*2\r\n:1\r\n:0\r\n');
    assert.equal(await r.call('SCRIPT', 'SHOW', 'fd758d1589d044dd850a6f05d52f2eefd27f033f'), body);
    assert.equal(await raw(r, 'SCRIPT', 'SHOW', 'b534286061d4b06c06015ae8'), `-${E.noScriptShort}\r\n`);
    assert.equal(await raw(r, 'EVALSHA', 'NotValidShaSUM', 0), `-${E.noScriptShort}\r\n`);
    assert.equal(await raw(r, 'EVALSHA', 'ffd632c7d33e571e9f24556ebed26c3479a87130', 0), `-${E.noScriptShort}\r\n`);
    assert.equal(await raw(r, 'SCRIPT', 'FLUSH', 'ASYNC'), '+OK\r\n');
    assert.equal(await raw(r, 'SCRIPT', 'FLUSH', 'bad'), `-${E.scriptFlushOption}\r\n`);
    assert.equal(await raw(r, 'EVALSHA', 'fd758d1589d044dd850a6f05d52f2eefd27f033f', 1, 'mykey'), `-${E.noScriptShort}\r\n`);
    assert.equal(await infoField(r, 'memory', 'number_of_cached_scripts'), '0');
  });

  test('numkeys validation', async () => {
    assert.equal(await raw(r, 'EVAL', "return 'hello'", -12), `-${E.numkeysNegative}\r\n`);
    assert.equal(await raw(r, 'EVAL', "return 'hello'", 2, 'a'), `-${E.numkeysGreater}\r\n`);
    assert.equal(await raw(r, 'EVAL', "return 'hello'", 'x'), `-${E.notInteger}\r\n`);
    assert.equal(await raw(r, 'EVAL', 'return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}', 2, 'a', 'b', 'c', 'd'),
      '*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n');
  });

  test('EVAL scripts are evicted in LRU order past 500; SCRIPT LOAD ones are not', async () => {
    await r.call('SCRIPT', 'FLUSH');
    await r.call('CONFIG', 'RESETSTAT');
    const loaded = String(await r.call('SCRIPT', 'LOAD', 'return 0'));
    for (let j = 1; j <= 500; j++) await r.call('EVAL', `return ${j}`, 0);
    await r.call('EVAL', 'return 1', 0);
    await r.call('EVAL', 'return 1000', 0);
    assert.equal(await r.call('EVALSHA', sha1('return 1'), 0), 1);
    assert.equal(await raw(r, 'EVALSHA', sha1('return 2'), 0), `-${E.noScriptShort}\r\n`);
    assert.equal(await r.call('EVALSHA', loaded, 0), 0);
    assert.equal(await infoField(r, 'stats', 'evicted_scripts'), '1');
    assert.equal(await infoField(r, 'memory', 'number_of_cached_scripts'), '501');
    await r.call('SCRIPT', 'FLUSH');
  });
});

describe('script flags and read-only scripts', () => {
  test('EVAL_RO and no-writes refuse writes; shebang errors', async () => {
    assert.match(await raw(r, 'EVAL_RO', "redis.call('del', KEYS[1])", 1, 'foo'),
      /^-ERR Write commands are not allowed from read-only scripts\. script: /);
    assert.match(await raw(r, 'EVAL', "#!lua flags=no-writes\nredis.call('set','x',1)", 1, 'x'),
      /^-ERR Write commands are not allowed from read-only scripts\. script: \w+, on @user_script:2\./);
    assert.equal(await raw(r, 'EVAL_RO', "#!lua\nreturn 1", 0), `-${E.scriptWriteOnRo}\r\n`);
    assert.equal(await raw(r, 'EVAL', '#!not-lua\nreturn 1', 0), '-ERR Unexpected engine in script shebang: #!not-lua\r\n');
    assert.equal(await raw(r, 'EVAL', '#!lua badger=data\nreturn 1', 0), '-ERR Unknown lua shebang option: badger=data\r\n');
    assert.equal(await raw(r, 'EVAL', '#!lua flags=allow-oom,what?\nreturn 1', 0), '-ERR Unexpected flag in script shebang: what?\r\n');
    assert.equal(await raw(r, 'EVAL', '#!lua\nreturn 1', 0), ':1\r\n');
  });

  test('OOM: deny-oom commands refused at the start, allow-oom and no-writes scripts run', async () => {
    await r.call('SET', 'x', '123');
    await r.call('CONFIG', 'SET', 'maxmemory', '1');
    try {
      assert.match(await raw(r, 'EVAL', "redis.call('set','x',1) return 1", 1, 'x'), /^-OOM command not allowed when used memory > 'maxmemory'\. script: /);
      assert.equal(await raw(r, 'EVAL', "return redis.call('get','x')", 1, 'x'), '$3\r\n123\r\n');
      assert.match(await raw(r, 'EVAL', '#!lua flags=\nreturn 1', 0), /^-OOM /);
      assert.equal(await raw(r, 'EVAL', "#!lua flags=allow-oom\nredis.call('set','x',1) return 1", 1, 'x'), ':1\r\n');
      assert.equal(await raw(r, 'EVAL', "#!lua flags=no-writes\nredis.call('get','x') return 1", 0), ':1\r\n');
      // redis.pcall gets the OOM error table (without '-').
      assert.equal(await raw(r, 'EVAL', "local t = redis.pcall('set','x','y') return t['err']", 1, 'x'),
        `$${E.oom.length}\r\n${E.oom}\r\n`);
    } finally {
      await r.call('CONFIG', 'SET', 'maxmemory', '0');
    }
  });

  test('error statistics are counted once (rejections, command errors, script errors)', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    assert.match(await raw(r, 'EVAL', "return redis.call('select',99)", 0), /^-ERR DB index is out of range/);
    assert.equal(await infoField(r, 'stats', 'total_error_replies'), '1');
    assert.match(await infoField(r, 'commandstats', 'cmdstat_eval'), /calls=1,.*rejected_calls=0,failed_calls=1/);
    assert.match(await infoField(r, 'commandstats', 'cmdstat_select'), /failed_calls=1/);
    await r.call('CONFIG', 'RESETSTAT');
    assert.match(await raw(r, 'EVAL_RO', "return redis.call('set','x','y')", 1, 'x'), /^-ERR Write commands are not allowed/);
    assert.equal(await infoField(r, 'stats', 'total_error_replies'), '1');
    assert.match(await infoField(r, 'commandstats', 'cmdstat_set'), /calls=0,.*rejected_calls=1,failed_calls=0/);
    await r.call('CONFIG', 'RESETSTAT');
    assert.match(await raw(r, 'EVAL', 'return redis.error_reply("MY_ERR_CODE x")', 0), /^-MY_ERR_CODE x/);
    assert.equal(await infoField(r, 'errorstats', 'errorstat_MY_ERR_CODE'), 'count=1');
    // Past 128 distinct codes, new codes made up by scripts fold into ERRORSTATS_OVERFLOW; the
    // server's own codes are still tracked.
    await r.call('CONFIG', 'RESETSTAT');
    for (let j = 1; j <= 140; j++) {
      assert.equal(await raw(r, 'EVAL', "return server.error_reply(ARGV[1] .. ' my error message')", 0, j), `-${j} my error message\r\n`);
    }
    assert.equal(await infoField(r, 'errorstats', 'errorstat_ERRORSTATS_OVERFLOW'), 'count=12');
    await r.call('SET', 'a', 'b', 'c', 'd');
    assert.equal(await infoField(r, 'errorstats', 'errorstat_ERR'), 'count=1');
  });
});

describe('execution context', () => {
  test('the caller database is used; SELECT inside a script does not change the caller', async () => {
    const c = await conn();
    await c.call('SELECT', '10');
    await c.call('SET', 'mykey', 'db10');
    assert.equal(await c.call('EVAL', "return redis.call('get',KEYS[1])", 1, 'mykey'), 'db10');
    await c.call('EVAL', "redis.call('select','9') return 1", 0);
    assert.equal(await c.call('GET', 'mykey'), 'db10');
  });

  test('time is frozen during a script (TIME, expiry)', async () => {
    // DEBUG is a noscript command: allowed from scripts only with set-disable-deny-scripts.
    assert.match(await raw(r, 'EVAL', "redis.call('DEBUG','SLEEP',0)", 0), /This Redis command is not allowed from script/);
    await r.call('DEBUG', 'set-disable-deny-scripts', '1');
    const res = await raw(r, 'EVAL', "local a = redis.call('TIME') redis.call('DEBUG','SLEEP',0.01) local b = redis.call('TIME') return a[1] == b[1] and a[2] == b[2]", 0);
    assert.equal(res, ':1\r\n');
    assert.equal(await raw(r, 'EVAL', "redis.call('SET', 'tk', 'v', 'PX', 1) redis.call('DEBUG', 'SLEEP', 0.01) return redis.call('EXISTS', 'tk')", 1, 'tk'), ':1\r\n');
    assert.equal(await r.call('EXISTS', 'tk'), 0);
    await r.call('DEBUG', 'set-disable-deny-scripts', '0');
  });

  test('scripts inside MULTI/EXEC', async () => {
    const c = await conn();
    assert.equal(await c.call('MULTI'), 'OK');
    assert.equal(await c.call('EVAL', "return redis.call('incr', KEYS[1])", 1, 'mcnt'), 'QUEUED');
    assert.equal(await c.call('EVAL', "return redis.call('incr', KEYS[1])", 1, 'mcnt'), 'QUEUED');
    assert.deepEqual(await c.call('EXEC'), [1, 2]);
  });

  test('effects are propagated, wrapped in MULTI/EXEC; the script itself is not; REPL_NONE skips', async () => {
    const got: string[][] = [];
    const stop = srv.server.propagator.addFeed((_db, argv) => got.push(argv.map((a) => a.toString('latin1'))));
    try {
      await r.call('EVAL', "redis.call('set','pa','1') redis.call('incr','pa')", 0);
      await r.call('EVAL', "redis.call('set','pb','1')", 0);
      await r.call('EVAL', "return redis.call('get','pb')", 0);
      await r.call('EVAL', "redis.call('set','pc','1') redis.set_repl(redis.REPL_NONE) redis.call('set','pd','2') redis.set_repl(redis.REPL_ALL) redis.call('set','pe','3')", 0);
      await r.call('EVAL', "redis.call('set','pf','1') return redis.call('expire','pf', 100)", 0);
    } finally {
      stop();
    }
    assert.deepEqual(got.slice(0, 6), [['MULTI'], ['set', 'pa', '1'], ['incr', 'pa'], ['EXEC'], ['set', 'pb', '1'], ['MULTI']]);
    assert.deepEqual(got.slice(6, 9), [['set', 'pc', '1'], ['set', 'pe', '3'], ['EXEC']]);
    assert.equal(got[9]![0], 'MULTI');
    assert.deepEqual(got[10], ['set', 'pf', '1']);
    assert.equal(got[11]![0]!.toLowerCase(), 'pexpireat');
    assert.equal(await r.call('GET', 'pd'), '2');
  });

  test('set_repl sends effects to the AOF only, the replicas only, both or neither', async () => {
    const { PROPAGATE_AOF, PROPAGATE_REPL } = await import('../src/replication/propagate.js');
    const aof: string[] = [], repl: string[] = [];
    const stopA = srv.server.propagator.addFeed((_db, argv) => aof.push(argv.map((a) => a.toString('latin1')).join(' ')), PROPAGATE_AOF);
    const stopR = srv.server.propagator.addFeed((_db, argv) => repl.push(argv.map((a) => a.toString('latin1')).join(' ')), PROPAGATE_REPL);
    try {
      await r.call('EVAL', `redis.call('set','a','1')
        redis.set_repl(redis.REPL_NONE) redis.call('set','b','2')
        redis.set_repl(redis.REPL_AOF) redis.call('set','c','3')
        redis.set_repl(redis.REPL_REPLICA) redis.call('set','e','5')
        redis.set_repl(redis.REPL_ALL) redis.call('set','d','4')`, 0);
    } finally {
      stopA();
      stopR();
    }
    assert.deepEqual(aof, ['MULTI', 'set a 1', 'set c 3', 'set d 4', 'EXEC']);
    assert.deepEqual(repl, ['MULTI', 'set a 1', 'set e 5', 'set d 4', 'EXEC']);
  });

  test('MONITOR shows the script command before the commands it runs', async () => {
    const m = await conn();
    assert.equal(await raw(m, 'MONITOR'), '+OK\r\n');
    await r.call('EVAL', "return redis.call('ping')", 0);
    const a = await m.raw();
    const b = await m.raw();
    assert.match(a, /"EVAL" "return redis\.call\('ping'\)" "0"/);
    assert.match(b, /\[0 lua\] "ping"/);
    m.close();
  });
});

// ------------------------------------------------------------------ busy scripts (child process)

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
  });
}

describe('busy scripts', () => {
  let child: ChildProcess;
  let port: number;
  let dir: string;

  before(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'peregrine-busy-'));
    child = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli.js'), '--port', String(port), '--bind', '127.0.0.1',
      '--save', '', '--dir', dir, '--busy-reply-threshold', '50'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try { (await RawConn.connect(port)).close(); return; } catch { await sleep(50); }
    }
    throw new Error('server did not start');
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('other clients get BUSY; SCRIPT KILL stops a read-only script; FUNCTION KILL refuses an EVAL', async () => {
    const a = await RawConn.connect(port);
    const b = await RawConn.connect(port);
    try {
      await a.write(encodeCommand(['EVAL', 'while true do end', 0]));
      await sleep(200);
      assert.equal(await raw(b, 'PING'), `-${E.busy}\r\n`);
      assert.equal(await raw(b, 'FUNCTION', 'KILL'), `-${E.busy}\r\n`);
      assert.equal(await raw(b, 'SCRIPT', 'KILL'), '+OK\r\n');
      assert.match(await a.raw(), /^-ERR Script killed by user with SCRIPT KILL\. script: \w+, on @user_script:1\.\r\n$/);
      assert.equal(await raw(b, 'PING'), '+PONG\r\n');
      assert.equal(await raw(b, 'SCRIPT', 'KILL'), `-${E.notBusy}\r\n`);
      // pcall cannot catch the kill.
      await a.write(encodeCommand(['EVAL', "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", 0]));
      await sleep(200);
      assert.equal(await raw(b, 'PING'), `-${E.busy}\r\n`);
      assert.equal(await raw(b, 'SCRIPT', 'KILL'), '+OK\r\n');
      assert.match(await a.raw(), /killed by user/);
      // A pipelined command after the script runs once it ends.
      await a.write(Buffer.concat([encodeCommand(['EVAL', "while 1 do redis.call('ping') end", 0]), encodeCommand(['PING'])]));
      await sleep(200);
      assert.equal(await raw(b, 'SCRIPT', 'KILL'), '+OK\r\n');
      assert.match(await a.raw(), /killed by user/);
      assert.equal(await a.raw(), '+PONG\r\n');
    } finally {
      a.close();
      b.close();
    }
  });

  test('FUNCTION KILL and FUNCTION STATS while a function is busy', async () => {
    const a = await RawConn.connect(port);
    const b = await RawConn.connect(port);
    try {
      assert.equal(await raw(b, 'FUNCTION', 'LOAD', 'REPLACE', "#!lua name=busy\nserver.register_function('spin', function() local a = 1 while true do a = a + 1 end end)"), '$4\r\nbusy\r\n');
      await a.write(encodeCommand(['FCALL', 'spin', 0]));
      await sleep(200);
      assert.equal(await raw(b, 'PING'), `-${E.busyFunction}\r\n`);
      assert.equal(await raw(b, 'SCRIPT', 'KILL'), `-${E.busyFunction}\r\n`);
      const stats = await b.call('FUNCTION', 'STATS') as unknown[];
      assert.equal(stats[0], 'running_script');
      const rs = stats[1] as unknown[];
      assert.deepEqual(rs.slice(0, 4), ['name', 'spin', 'command', ['FCALL', 'spin', '0']]);
      assert.equal(rs[4], 'duration_ms');
      assert.equal(await raw(b, 'FUNCTION', 'KILL'), '+OK\r\n');
      assert.match(await a.raw(), /^-ERR Script killed by user with FUNCTION KILL\./);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a script that wrote is UNKILLABLE; SHUTDOWN NOSAVE stops the server anyway', async () => {
    const a = await RawConn.connect(port);
    const b = await RawConn.connect(port);
    await a.write(encodeCommand(['EVAL', "redis.call('set',KEYS[1],'y'); while true do end", 1, 'x']));
    await sleep(200);
    assert.equal(await raw(b, 'PING'), `-${E.busy}\r\n`);
    assert.equal(await raw(b, 'SCRIPT', 'KILL'), `-${E.unkillable}\r\n`);
    await b.write(encodeCommand(['SHUTDOWN', 'NOSAVE']));
    await b.closed(5000);
    for (let i = 0; i < 100 && child.exitCode === null; i++) await sleep(50);
    assert.notEqual(child.exitCode, null);
    a.close();
  });
});

// iovalkey keeps working with scripts (its defineCommand uses EVALSHA with an EVAL fallback).
describe('iovalkey', () => {
  test('eval and evalsha through the client library', async () => {
    const cl = new Valkey({ port: srv.port, lazyConnect: false });
    try {
      assert.equal(await cl.eval("return redis.call('set', KEYS[1], ARGV[1])", 1, 'ik', 'iv'), 'OK');
      cl.defineCommand('getTwice', { numberOfKeys: 1, lua: "local v = redis.call('get', KEYS[1]) return {v, v}" });
      assert.deepEqual(await (cl as unknown as { getTwice(k: string): Promise<string[]> }).getTwice('ik'), ['iv', 'iv']);
    } finally {
      cl.disconnect();
    }
  });
});
