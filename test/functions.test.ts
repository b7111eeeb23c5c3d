// FUNCTION LOAD / LIST / DELETE / FLUSH / DUMP / RESTORE / STATS / HELP and FCALL / FCALL_RO over
// real sockets: library metadata and registration errors, the registration-time sandbox, flags,
// reply shapes in RESP2 and RESP3, DUMP payloads and restore policies, propagation, and functions
// kept by DEBUG RELOAD and saved in (and loaded from) RDB files.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand } from '../bench/resp.js';
import { E } from '../src/errors.js';

let srv: RunningServer;
let r: RawConn;
const conns: RawConn[] = [];

async function raw(c: RawConn, ...args: (string | number | Buffer)[]): Promise<string> {
  await c.write(encodeCommand(args));
  return c.raw();
}

function code(lib: string, fn: string, body: string, engine = 'lua'): string {
  return `#!${engine} name=${lib}\nserver.register_function('${fn}', function(KEYS, ARGV)\n ${body} \nend)`;
}

function noWritesCode(lib: string, fn: string, body: string): string {
  return `#!lua name=${lib}\nserver.register_function{function_name='${fn}', callback=function(KEYS, ARGV)\n ${body} \nend, flags={'no-writes'}}`;
}

let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'peregrine-fn-'));
  srv = await startServer({ config: { 'enable-debug-command': 'yes', dir } });
  r = await RawConn.connect(srv.port);
  conns.push(r);
});

after(async () => {
  for (const c of conns) c.close();
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('FUNCTION LOAD and FCALL', () => {
  test('load, call (case-insensitive), replace, delete', async () => {
    await r.call('FUNCTION', 'FLUSH');
    assert.equal(await r.call('FUNCTION', 'LOAD', code('test', 'test', "return 'hello'")), 'test');
    assert.equal(await r.call('FCALL', 'test', 0), 'hello');
    assert.equal(await r.call('FCALL', 'TEST', 0), 'hello');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', code('test', 'test', "return 'hello1'")), "-ERR Library 'test' already exists\r\n");
    assert.equal(await r.call('FUNCTION', 'LOAD', 'REPLACE', code('test', 'test', "return 'hello1'")), 'test');
    assert.equal(await r.call('FCALL', 'test', 0), 'hello1');
    // A failed replace keeps the old library.
    assert.match(await raw(r, 'FUNCTION', 'LOAD', 'REPLACE', code('test', 'test', 'error')), /^-ERR Error compiling function: user_function:/);
    assert.equal(await r.call('FCALL', 'test', 0), 'hello1');
    assert.equal(await r.call('FUNCTION', 'DELETE', 'test'), 'OK');
    assert.equal(await raw(r, 'FCALL', 'test', 0), `-${E.functionNotFound}\r\n`);
    assert.equal(await raw(r, 'FUNCTION', 'DELETE', 'test'), `-${E.libraryNotFound}\r\n`);
  });

  test('metadata and option errors', async () => {
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', 'foo', 'bar', code('t', 't', 'return 1')), '-ERR Unknown option given: foo\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', code('bad\x00format', 't', 'return 1')),
      '-ERR Library names can only contain letters, numbers, or underscores(_) and must be at least one character long\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', code('t', 't', 'return 1', 'bad_engine')), "-ERR Engine 'bad_engine' not found\r\n");
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', "#! name=test\nserver.register_function('foo', function() return 1 end)"), "-ERR Engine '' not found\r\n");
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', "#!lua name=test foo=bar\nserver.register_function('foo', function() return 1 end)"),
      '-ERR Invalid metadata value given: foo=bar\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', "#!lua\nserver.register_function('foo', function() return 1 end)"), '-ERR Library name was not given\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', "#!lua name=foo name=bar\nserver.register_function('foo', function() return 1 end)"),
      '-ERR Invalid metadata value, name argument was given multiple times\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', 'return 1'), '-ERR Missing library metadata\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', '#!lua name=x'), '-ERR Invalid library metadata\r\n');
    assert.equal(await r.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=\"quoted\"\nserver.register_function('fq', function() return 1 end)"), 'quoted');
    assert.equal(await raw(r, 'FUNCTION', 'LOAD', '#!lua name=empty\nreturn 1'), '-ERR No functions registered\r\n');
  });

  test('register_function argument errors', async () => {
    const cases: [string, string][] = [
      ['server.register_function()', 'wrong number of arguments to server.register_function'],
      ["server.register_function('f1')", 'calling server.register_function with a single argument is only applicable to Lua table (representing named arguments).'],
      ["server.register_function('f1', function() return 1 end, {}, 'description', 'extra arg')", 'wrong number of arguments to server.register_function'],
      ['server.register_function(nil, function() return 1 end)', 'first argument to server.register_function must be a string'],
      ["server.register_function('f1', 'not a function')", 'second argument to server.register_function must be a function'],
      ["server.register_function('', function() return 1 end)", 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long'],
      ["server.register_function{function_name=function() return 1 end, callback=function() return 1 end}", 'function_name argument given to server.register_function must be a string'],
      ["server.register_function{function_name='f1', callback='bad'}", 'callback argument given to server.register_function must be a function'],
      ["server.register_function{function_name='f1', callback=function() end, description=function() end}", 'description argument given to server.register_function must be a string'],
      ["server.register_function{function_name='f1', callback=function() end, some_unknown='x'}", 'unknown argument given to server.register_function'],
      ["server.register_function{callback=function() end}", 'server.register_function must get a function name argument'],
      ["server.register_function{function_name='f1'}", 'server.register_function must get a callback argument'],
      ["server.register_function{function_name='f1', callback=function() end, flags='bad'}", 'flags argument to server.register_function must be a table representing function flags'],
      ["server.register_function{function_name='f1', callback=function() end, flags={'unknown'}}", 'unknown flag given'],
      ["server.register_function('f1', function() end) server.register_function('f1', function() end)", 'Function already exists in the library'],
    ];
    for (const [body, msg] of cases) {
      assert.equal(await raw(r, 'FUNCTION', 'LOAD', 'REPLACE', `#!lua name=lib2\n${body}`), `-ERR Error registering functions: ERR ${msg}\r\n`, body);
    }
  });

  test('the registration sandbox: only register_function, log and versions; timeout; read-only globals', async () => {
    const err = async (body: string) => raw(r, 'FUNCTION', 'LOAD', 'REPLACE', `#!lua name=lib2\n${body}`);
    assert.match(await err('return math.random()'), /Script attempted to access nonexistent global variable 'math'/);
    assert.match(await err("return redis.call('ping')"), /Script attempted to access nonexistent global variable 'call'/);
    assert.match(await err('return redis.setresp(3)'), /Script attempted to access nonexistent global variable 'setresp'/);
    assert.match(await err('mt = getmetatable(_G)'), /Script attempted to access nonexistent global variable 'getmetatable'/);
    assert.match(await err('a = 1'), /Attempt to modify a readonly table/);
    assert.equal(await err('local a = 1 while 1 do a = a + 1 end'), '-ERR Error registering functions: ERR FUNCTION LOAD timeout\r\n');
    assert.equal(await r.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=lib2\nredis.log(redis.LOG_NOTICE, 'loading') server.register_function('vv', function() return redis.REDIS_VERSION end)"), 'lib2');
    assert.equal(typeof await r.call('FCALL', 'vv', 0), 'string');
  });

  test('call-time sandbox: library API unreachable, globals read-only, shared locals work', async () => {
    await r.call('FUNCTION', 'FLUSH');
    await r.call('FUNCTION', 'LOAD', `#!lua name=lib1
local lib = redis
local function add1(a) return a + 1 end
lib.register_function('f1', function() lib.redis = redis return {ok='OK'} end)
lib.register_function('f2', function() lib.register_function('f3', function() return 1 end) end)
server.register_function('f4', function() return add1(1) end)
server.register_function('f5', function() return server.register_function end)
server.register_function('f6', function() mt = getmetatable(_G) end)
server.register_function('f7', function() return redis.call('ping') end)`);
    assert.match(await raw(r, 'FCALL', 'f1', 0), /Attempt to modify a readonly table/);
    assert.match(await raw(r, 'FCALL', 'f2', 0), /server\.register_function can only be called on FUNCTION LOAD command/);
    assert.equal(await r.call('FCALL', 'f4', 0), 2);
    assert.equal(await raw(r, 'FCALL', 'f5', 0), '$-1\r\n');
    assert.match(await raw(r, 'FCALL', 'f6', 0), /Attempt to modify a readonly table/);
    assert.equal(await r.call('FCALL', 'f7', 0), 'PONG');
  });

  test('FCALL numkeys errors, KEYS and ARGV, COMMAND GETKEYS', async () => {
    await r.call('FUNCTION', 'LOAD', 'REPLACE', code('kv', 'kv', "return redis.call('set', KEYS[1], ARGV[1])"));
    assert.equal(await raw(r, 'FCALL', 'kv', 'bad_arg'), `-${E.badNumkeys}\r\n`);
    assert.equal(await raw(r, 'FCALL', 'kv', 10, 'key1'), `-${E.numkeysGreater}\r\n`);
    assert.equal(await raw(r, 'FCALL', 'kv', -1, 'key1'), `-${E.numkeysNegative}\r\n`);
    assert.equal(await r.call('FCALL', 'kv', 1, 'x', 'foo'), 'OK');
    assert.equal(await r.call('GET', 'x'), 'foo');
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'fcall', 'kv', 1, 'x', 'foo'), ['x']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'fcall_ro', 'kv', 1, 'x', 'foo'), ['x']);
  });

  test('flags: no-writes, fcall_ro, allow-oom, deny-oom', async () => {
    await r.call('FUNCTION', 'LOAD', 'REPLACE', noWritesCode('fl', 'fl', "return redis.call('set', 'x', '1')"));
    assert.match(await raw(r, 'FCALL_RO', 'fl', 1, 'x'), /^-ERR Write commands are not allowed from read-only scripts\. script: fl, on @user_function:3\./);
    assert.match(await raw(r, 'FCALL', 'fl', 1, 'x'), /Write commands are not allowed from read-only scripts/);
    await r.call('FUNCTION', 'LOAD', 'REPLACE', noWritesCode('fl', 'fl', "return redis.call('get', 'x')"));
    await r.call('SET', 'x', '1');
    assert.equal(await r.call('FCALL_RO', 'fl', 1, 'x'), '1');
    await r.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=fw\nserver.register_function{function_name='fw', callback=function() return redis.call('set', 'x', 1) end}");
    assert.equal(await raw(r, 'FCALL_RO', 'fw', 1, 'x'), `-${E.scriptWriteOnRo}\r\n`);
    await r.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=fo\nserver.register_function{function_name='fo', callback=function() return redis.call('set', 'x', '1') end, flags={'allow-oom'}}");
    await r.call('CONFIG', 'SET', 'maxmemory', '1');
    try {
      assert.equal(await r.call('FCALL', 'fo', 1, 'x'), 'OK');
      assert.match(await raw(r, 'FCALL', 'fw', 1, 'x'), /^-OOM command not allowed when used memory > 'maxmemory'/);
      assert.equal(await r.call('FCALL', 'fl', 1, 'x'), '1');
      assert.match(await raw(r, 'FUNCTION', 'LOAD', 'REPLACE', code('oom', 'oom', 'return 1')), /^-OOM command not allowed when used memory/);
    } finally {
      await r.call('CONFIG', 'SET', 'maxmemory', '0');
    }
  });
});

describe('FUNCTION LIST, STATS, FLUSH', () => {
  test('LIST shapes (RESP2 and RESP3), WITHCODE, LIBRARYNAME, argument errors', async () => {
    await r.call('FUNCTION', 'FLUSH');
    await r.call('FUNCTION', 'LOAD', "#!lua name=library1\nserver.register_function{function_name='f6', callback=function(keys, args) return 7 end, description='some desc', flags={'no-writes', 'allow-stale'}}");
    await r.call('FUNCTION', 'LOAD', "#!lua name=lib1\nserver.register_function('f7', function(keys, args) return 7 end)");
    assert.deepEqual(await r.call('FUNCTION', 'LIST', 'LIBRARYNAME', 'library*'),
      [['library_name', 'library1', 'engine', 'LUA', 'functions', [['name', 'f6', 'description', 'some desc', 'flags', ['no-writes', 'allow-stale']]]]]);
    const withCode = await r.call('FUNCTION', 'LIST', 'WITHCODE', 'LIBRARYNAME', 'lib1') as unknown[][];
    assert.deepEqual(withCode[0]!.slice(6), ['library_code', "#!lua name=lib1\nserver.register_function('f7', function(keys, args) return 7 end)"]);
    const c = await RawConn.connect(srv.port);
    conns.push(c);
    await c.call('HELLO', '3');
    assert.equal(await raw(c, 'FUNCTION', 'LIST', 'LIBRARYNAME', 'lib1'),
      '*1\r\n%3\r\n$12\r\nlibrary_name\r\n$4\r\nlib1\r\n$6\r\nengine\r\n$3\r\nLUA\r\n$9\r\nfunctions\r\n*1\r\n' +
      '%3\r\n$4\r\nname\r\n$2\r\nf7\r\n$11\r\ndescription\r\n_\r\n$5\r\nflags\r\n~0\r\n');
    assert.equal(await raw(c, 'FUNCTION', 'LIST', 'LIBRARYNAME', 'library1').then((s) => s.includes('~2\r\n+no-writes\r\n+allow-stale\r\n')), true);
    assert.equal(await raw(r, 'FUNCTION', 'LIST', 'bad_argument'), '-ERR Unknown argument bad_argument\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LIST', 'libraryname'), '-ERR library name argument was not given\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LIST', 'withcode', 'withcode'), '-ERR Unknown argument withcode\r\n');
    assert.equal(await raw(r, 'FUNCTION', 'LIST', 'withcode', 'libraryname', 'foo', 'libraryname', 'foo'), '-ERR Unknown argument libraryname\r\n');
  });

  test('STATS counts libraries and functions; FLUSH empties (SYNC, ASYNC, bad option); FLUSHALL keeps them', async () => {
    await r.call('FUNCTION', 'FLUSH');
    await r.call('FUNCTION', 'LOAD', "#!lua name=test1\nserver.register_function('f1', function() return 1 end)\nserver.register_function('f2', function() return 1 end)");
    await r.call('FUNCTION', 'LOAD', "#!lua name=test2\nserver.register_function('f3', function() return 1 end)");
    assert.deepEqual(await r.call('FUNCTION', 'STATS'),
      ['running_script', null, 'engines', ['LUA', ['libraries_count', 2, 'functions_count', 3]]]);
    await r.call('FLUSHALL');
    assert.equal((await r.call('FUNCTION', 'LIST') as unknown[]).length, 2);
    assert.equal(await r.call('FUNCTION', 'DELETE', 'test1'), 'OK');
    assert.deepEqual(await r.call('FUNCTION', 'STATS'),
      ['running_script', null, 'engines', ['LUA', ['libraries_count', 1, 'functions_count', 1]]]);
    assert.equal(await raw(r, 'FUNCTION', 'FLUSH', 'bad_arg'), `-${E.functionFlushOption}\r\n`);
    assert.equal(await raw(r, 'FUNCTION', 'FLUSH', 'sync', 'extra_arg'), "-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.\r\n");
    assert.equal(await r.call('FUNCTION', 'FLUSH', 'ASYNC'), 'OK');
    assert.deepEqual(await r.call('FUNCTION', 'LIST'), []);
    assert.equal(await raw(r, 'FUNCTION', 'KILL'), `-${E.notBusy}\r\n`);
    assert.match(await raw(r, 'FUNCTION', 'bad_subcommand'), /^-ERR unknown subcommand 'bad_subcommand'/);
    const help = await r.call('FUNCTION', 'HELP') as string[];
    assert.equal(help[0], 'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
  });
});

describe('FUNCTION DUMP and RESTORE', () => {
  test('payload format, policies, collisions, bad payloads', async () => {
    await r.call('FUNCTION', 'FLUSH');
    const lib = code('test', 'test', "return 'hello'");
    await r.call('FUNCTION', 'LOAD', lib);
    await r.write(encodeCommand(['FUNCTION', 'DUMP']));
    const frame = await r.frame();
    const len = Number(/^\$(\d+)\r\n/.exec(frame.toString('latin1'))![1]);
    const payload = frame.subarray(frame.indexOf(10) + 1, frame.indexOf(10) + 1 + len);
    // Opcode FUNCTION2, the code as an RDB string, the 2-byte RDB version, the CRC64.
    assert.equal(payload[0], 245);
    assert.equal(payload.readUInt16LE(payload.length - 10), 80);
    await r.call('FUNCTION', 'DELETE', 'test');
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload), '+OK\r\n');
    assert.equal(await r.call('FCALL', 'test', 0), 'hello');
    // APPEND (default) refuses an existing library; REPLACE replaces it; FLUSH drops the others.
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload, 'APPEND'), '-ERR Library test already exists\r\n');
    await r.call('FUNCTION', 'LOAD', 'REPLACE', code('test', 'test', "return 'hello1'"));
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload, 'REPLACE'), '+OK\r\n');
    assert.equal(await r.call('FCALL', 'test', 0), 'hello');
    await r.call('FUNCTION', 'LOAD', code('other', 'other', 'return 2'));
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload, 'FLUSH'), '+OK\r\n');
    assert.equal(await raw(r, 'FCALL', 'other', 0), `-${E.functionNotFound}\r\n`);
    // A function name used by another library.
    await r.call('FUNCTION', 'FLUSH');
    await r.call('FUNCTION', 'LOAD', code('lib9', 'test', 'return 9'));
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload), '-ERR Function test already exists\r\n');
    assert.equal(await r.call('FCALL', 'test', 0), 9);
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', 'bad_payload'), `-${E.dumpPayload}\r\n`);
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', payload, 'bad'), `-${E.functionRestorePolicy}\r\n`);
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', 'arg1', 'args2', 'arg3'),
      "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.\r\n");
    // A payload whose record is not a function.
    const bad = Buffer.from(payload);
    bad[0] = 0;
    const { Crc64 } = await import('../src/persistence/crc64.js');
    new Crc64().update(bad.subarray(0, bad.length - 8)).bytes().copy(bad, bad.length - 8);
    assert.equal(await raw(r, 'FUNCTION', 'RESTORE', bad), '-ERR given type is not a function\r\n');
  });
});

describe('persistence and propagation', () => {
  test('functions survive DEBUG RELOAD; NOFLUSH fails on existing libraries, MERGE replaces', async () => {
    await r.call('FUNCTION', 'FLUSH');
    await r.call('FUNCTION', 'LOAD', code('test', 'test', "return 'hello'"));
    assert.equal(await r.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await r.call('FCALL', 'test', 0), 'hello');
    assert.match(await raw(r, 'DEBUG', 'RELOAD', 'NOFLUSH'), /^-ERR Error trying to load the RDB/);
    assert.equal(await r.call('DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'), 'OK');
    assert.deepEqual(await r.call('FUNCTION', 'LIST'),
      [['library_name', 'test', 'engine', 'LUA', 'functions', [['name', 'test', 'description', null, 'flags', []]]]]);
  });

  test('functions saved by SAVE load at start-up', async () => {
    const d2 = mkdtempSync(join(tmpdir(), 'peregrine-fn2-'));
    try {
      const s1 = await startServer({ config: { dir: d2 } });
      const c1 = new Valkey({ port: s1.port, lazyConnect: false });
      await c1.call('FUNCTION', 'LOAD', noWritesCode('saved', 'saved', "return 'from disk'"));
      await c1.call('SAVE');
      c1.disconnect();
      await s1.close();
      const s2 = await startServer({ config: { dir: d2 } });
      const c2 = new Valkey({ port: s2.port, lazyConnect: false });
      assert.equal(await c2.call('FCALL', 'saved', 0), 'from disk');
      assert.equal(await c2.call('FCALL_RO', 'saved', 0), 'from disk');
      c2.disconnect();
      await s2.close();
    } finally {
      rmSync(d2, { recursive: true, force: true });
    }
  });

  test('LOAD, DELETE, FLUSH and RESTORE are propagated; FCALL propagates its effects', async () => {
    const got: string[][] = [];
    const stop = srv.server.propagator.addFeed((_db, argv) => got.push(argv.map((a) => a.toString('latin1'))));
    try {
      await r.call('FUNCTION', 'FLUSH');
      await r.call('FUNCTION', 'LOAD', code('p', 'p', "redis.call('set', KEYS[1], '1') redis.call('incr', KEYS[1])"));
      await r.call('FCALL', 'p', 1, 'pk');
      await r.call('FUNCTION', 'DELETE', 'p');
    } finally {
      stop();
    }
    assert.deepEqual(got.map((a) => a.slice(0, 2).join(' ')),
      ['FUNCTION FLUSH', 'FUNCTION LOAD', 'MULTI', 'set pk', 'incr pk', 'EXEC', 'FUNCTION DELETE']);
  });
});
