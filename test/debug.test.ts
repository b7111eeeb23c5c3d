// DEBUG over a real socket: the subcommands Valkey's test suite relies on.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn } from '../bench/resp.js';
import { registerTypeDigest } from '../src/commands/debug.js';
import { OBJ_SET, OBJ_HASH, OBJ_LIST, OBJ_ZSET, OBJ_STREAM, ENC_HT, ENC_QUICKLIST, ENC_SKIPLIST, ENC_STREAM } from '../src/store/types.js';

let srv: RunningServer;
let r: Valkey;
const logLines: string[] = [];

before(async () => {
  srv = await startServer({ config: { 'enable-debug-command': 'yes', loglevel: 'notice' }, logSink: (l) => logLines.push(l) });
  r = new Valkey({ port: srv.port, lazyConnect: false });
});
after(async () => {
  r.disconnect();
  await srv.close();
});

describe('DEBUG gate and HELP', () => {
  test('refused unless enable-debug-command allows it', async () => {
    const s2 = await startServer();
    const c2 = new Valkey({ port: s2.port, lazyConnect: false });
    try {
      await assert.rejects(c2.call('DEBUG', 'HELP'), /ERR DEBUG command not allowed/);
    } finally {
      c2.disconnect();
      await s2.close();
    }
  });

  test('HELP and unknown subcommands', async () => {
    const help = await r.call('DEBUG', 'HELP') as string[];
    assert.equal(help[0], 'DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('SLEEP <seconds>'));
    await assert.rejects(r.call('DEBUG', 'nosuch'), /^ReplyError: ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.$/);
    await assert.rejects(r.call('DEBUG', 'sleep'), /unknown subcommand or wrong number of arguments for 'sleep'/);
  });
});

describe('DEBUG OBJECT', () => {
  test('Valkey\'s line format', async () => {
    await r.call('SET', 'num', '12345');
    await r.call('SET', 'str', 'hello');
    // Incompressible, so the RDB length is prefix + bytes (Valkey reports 102 for it too).
    await r.call('SET', 'long', 'u8jzPde0IgxLd6GncfBAepfJBd0Kh8oOOL8dKLzdocJ2isAjIhKtJ0RlgLKOmxgJTeKdNnFRIBXuDL7DxtpYlSXpfKtHF4vUCsMe');
    const re = /^Value at:0x[0-9a-f]+ refcount:1 encoding:(\w+) serializedlength:(\d+) lru:(\d+) lru_seconds_idle:(\d+) lfu_freq:\d+ lfu_access_time_minutes:\d+$/;
    const num = re.exec(await r.call('DEBUG', 'OBJECT', 'num') as string)!;
    assert.equal(num[1], 'int');
    assert.equal(num[2], '3');
    const str = re.exec(await r.call('DEBUG', 'OBJECT', 'str') as string)!;
    assert.equal(str[1], 'embstr');
    assert.equal(str[2], '6');
    const long = re.exec(await r.call('DEBUG', 'OBJECT', 'long') as string)!;
    assert.equal(long[1], 'raw');
    assert.equal(long[2], '102');
    assert.match(await r.call('DEBUG', 'OBJECT', 'str', 'fast') as string,
      /^Value at:0x[0-9a-f]+ refcount:1 encoding:embstr lru:\d+ lru_seconds_idle:\d+ lfu_freq:\d+ lfu_access_time_minutes:\d+$/);
  });

  test('small integers report the shared-object refcount', async () => {
    await r.call('SET', 'five', '5');
    assert.match(await r.call('DEBUG', 'OBJECT', 'five') as string, / refcount:2147483647 encoding:int /);
    await r.call('SET', 'big', '10000');
    assert.match(await r.call('DEBUG', 'OBJECT', 'big') as string, / refcount:1 encoding:int /);
  });

  test('the address is stable while a value is modified in place', async () => {
    await r.call('SET', 'inplace', '20000');
    const at = async () => (await r.call('DEBUG', 'OBJECT', 'inplace') as string).split(' ')[1];
    const a1 = await at();
    await r.call('INCR', 'inplace');
    assert.equal(await at(), a1);
  });

  test('missing key', async () => {
    await assert.rejects(r.call('DEBUG', 'OBJECT', 'nokey'), /^ReplyError: ERR no such key$/);
  });
});

describe('DEBUG DIGEST and DIGEST-VALUE', () => {
  test('empty dataset digest is all zeros', async () => {
    await r.call('FLUSHALL');
    assert.equal(await r.call('DEBUG', 'DIGEST'), '0'.repeat(40));
  });

  test('same content gives the same digest regardless of insertion order', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'b', 'hello');
    const d1 = await r.call('DEBUG', 'DIGEST') as string;
    assert.match(d1, /^[0-9a-f]{40}$/);
    await r.call('FLUSHALL');
    await r.call('SET', 'b', 'hello');
    await r.call('SET', 'a', '1');
    assert.equal(await r.call('DEBUG', 'DIGEST'), d1);
    await r.call('SET', 'b', 'hellO');
    assert.notEqual(await r.call('DEBUG', 'DIGEST'), d1);
    await r.call('SET', 'b', 'hello');
    assert.equal(await r.call('DEBUG', 'DIGEST'), d1);
    await r.call('EXPIRE', 'b', '1000');
    const withTtl = await r.call('DEBUG', 'DIGEST');
    assert.notEqual(withTtl, d1);
    await r.call('PERSIST', 'b');
    assert.equal(await r.call('DEBUG', 'DIGEST'), d1);
    await r.call('MOVE', 'a', '5');
    assert.notEqual(await r.call('DEBUG', 'DIGEST'), d1);
  });

  test('DIGEST is byte-identical to Valkey\'s for the same string dataset', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'b', 'hello');
    await r.call('SET', 'c', 'world', 'EX', '1000');
    await r.call('SELECT', '2');
    await r.call('SET', 'z', '12345678901234567890');
    await r.call('SELECT', '0');
    // valkey-server gives this digest for the same four keys.
    assert.equal(await r.call('DEBUG', 'DIGEST'), '10ee93911b103fca3756fdf57aa5b0d83483389c');
  });

  test('collections: digests match Valkey\'s for the same values', async () => {
    await r.call('FLUSHALL');
    await r.call('SADD', 's', 'a', 'b', 'c');
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await r.call('RPUSH', 'l', 'a', 'b', 'c');
    await r.call('ZADD', 'z', '1', 'a', '2.5', 'b');
    // Values valkey-server reports for SADD s a b c / HSET h f1 v1 f2 v2 / RPUSH l a b c / ZADD z 1 a 2.5 b.
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 's', 'h', 'l', 'z'), [
      '593c2414786d75446e97f4ea5d4b731f3313da72',
      '047cc60ea73a34cde6d08a2721a4a26d19ee6570',
      '8bf72d812571eea9b927f3c11beb0c4165a6ff89',
      'c45c5b051acd64070e5ed1a949939d5145f806c5',
    ]);
    await r.call('XADD', 'x', '1-0', 'f', 'v');
    const [x] = await r.call('DEBUG', 'DIGEST-VALUE', 'x') as string[];
    assert.notEqual(x, '0'.repeat(40));
    await r.call('FLUSHALL');
  });

  test('DIGEST-VALUE matches Valkey for strings and is zeros for missing keys', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'c', 'world', 'EX', '1000');
    // Values computed by valkey-server for the same keys.
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE', 'a', 'c', 'nokey'), [
      'b4fc66738120fba0b5aa500ab5c2bf89cea1c5da',
      '9b57a64cff36f9a962c2df21b924b0916c6e2b53',
      '0'.repeat(40),
    ]);
    assert.deepEqual(await r.call('DEBUG', 'DIGEST-VALUE'), []);
  });
});

describe('DEBUG PROTOCOL', () => {
  test('RESP2 shapes', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      const ask = async (t: string) => { await c.write(`*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$${t.length}\r\n${t}\r\n`); return c.raw(); };
      assert.equal(await ask('string'), '$11\r\nHello World\r\n');
      assert.equal(await ask('integer'), ':12345\r\n');
      assert.equal(await ask('double'), '$5\r\n3.141\r\n');
      assert.equal(await ask('bignum'), '$37\r\n1234567999999999999999999999999999999\r\n');
      assert.equal(await ask('null'), '$-1\r\n');
      assert.equal(await ask('array'), '*3\r\n:0\r\n:1\r\n:2\r\n');
      assert.equal(await ask('set'), '*3\r\n:0\r\n:1\r\n:2\r\n');
      assert.equal(await ask('map'), '*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n');
      assert.equal(await ask('attrib'), '$39\r\nSome real reply following the attribute\r\n');
      assert.equal(await ask('push'), '-ERR RESP2 is not supported by this command\r\n');
      assert.equal(await ask('true'), ':1\r\n');
      assert.equal(await ask('false'), ':0\r\n');
      assert.equal(await ask('verbatim'), '$25\r\nThis is a verbatim\nstring\r\n');
      assert.match(await ask('nope'), /^-ERR Wrong protocol type name/);
    } finally { c.close(); }
  });

  test('RESP3 shapes', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.call('HELLO', '3');
      const ask = async (t: string) => { await c.write(`*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$${t.length}\r\n${t}\r\n`); return c.raw(); };
      assert.equal(await ask('double'), ',3.141\r\n');
      assert.equal(await ask('bignum'), '(1234567999999999999999999999999999999\r\n');
      assert.equal(await ask('null'), '_\r\n');
      assert.equal(await ask('set'), '~3\r\n:0\r\n:1\r\n:2\r\n');
      assert.equal(await ask('map'), '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n');
      assert.equal(await ask('true'), '#t\r\n');
      assert.equal(await ask('verbatim'), '=29\r\ntxt:This is a verbatim\nstring\r\n');
      assert.equal(await ask('push'), '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n');
      assert.equal(await c.raw(), '$40\r\nSome real reply following the push reply\r\n');
      await c.write('*3\r\n$5\r\nDEBUG\r\n$8\r\nPROTOCOL\r\n$6\r\nattrib\r\n');
      assert.equal(await c.raw(), '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n');
    } finally { c.close(); }
  });
});

describe('DEBUG RELOAD', () => {
  test('keeps the dataset, drops keys whose TTL passed, resets the change counter', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('FLUSHALL');
    await r.call('SET', 'keep', 'v');
    await r.call('SET', 'ttl', 'v', 'EX', '100');
    await r.call('SET', 'gone', 'v', 'PX', '1');
    await new Promise((res) => setTimeout(res, 20));
    const digestBefore = await r.call('DEBUG', 'DIGEST');
    assert.equal(await r.call('DEBUG', 'RELOAD'), 'OK');
    assert.equal(await r.call('DBSIZE'), 2);
    assert.equal(await r.call('GET', 'keep'), 'v');
    assert.ok(Number(await r.call('TTL', 'ttl')) > 90);
    assert.notEqual(await r.call('DEBUG', 'DIGEST'), digestBefore);
    assert.match(await r.call('INFO', 'persistence') as string, /rdb_changes_since_last_save:0\r\n/);
    assert.ok(logLines.some((l) => l.includes('DB reloaded by DEBUG RELOAD')));
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
  });

  test('options', async () => {
    await assert.rejects(r.call('DEBUG', 'RELOAD', 'BOGUS'), /^ReplyError: ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.$/);
    // NOSAVE reloads the last saved file (written by the previous test's RELOAD): unsaved writes go.
    await r.call('SET', 'unsaved', 'x');
    assert.equal(await r.call('DEBUG', 'RELOAD', 'NOSAVE'), 'OK');
    assert.equal(await r.call('EXISTS', 'unsaved'), 0);
    // Without FLUSH the file's keys collide with the live ones unless MERGE is given.
    await assert.rejects(r.call('DEBUG', 'RELOAD', 'NOFLUSH'), /Error trying to load the RDB dump/);
    assert.equal(await r.call('DEBUG', 'RELOAD', 'NOFLUSH', 'MERGE'), 'OK');
    assert.equal(await r.call('GET', 'keep'), 'v');
  });
});

describe('other DEBUG subcommands', () => {
  test('SLEEP blocks the server for the given time', async () => {
    const t0 = Date.now();
    assert.equal(await r.call('DEBUG', 'SLEEP', '0.2'), 'OK');
    assert.ok(Date.now() - t0 >= 190);
    assert.equal(await r.call('DEBUG', 'SLEEP', '0'), 'OK');
    assert.equal(await r.call('DEBUG', 'SLEEP', 'abc'), 'OK');
  });

  test('SET-ACTIVE-EXPIRE toggles the background cycle', async () => {
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    assert.equal(srv.server.activeExpireEnabled, false);
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1');
    assert.equal(srv.server.activeExpireEnabled, true);
  });

  test('POPULATE creates keys, skipping existing ones', async () => {
    await r.call('FLUSHALL');
    await r.call('SET', 'key:1', 'mine');
    assert.equal(await r.call('DEBUG', 'POPULATE', '3'), 'OK');
    assert.equal(await r.call('DBSIZE'), 3);
    assert.equal(await r.call('GET', 'key:0'), 'value:0');
    assert.equal(await r.call('GET', 'key:1'), 'mine');
    assert.equal(await r.call('DEBUG', 'POPULATE', '2', 'p', '10'), 'OK');
    assert.equal(await r.call('STRLEN', 'p:1'), 10);
    assert.equal(await r.call('DEBUG', 'POPULATE', '1', 'q', '3'), 'OK');
    assert.equal(await r.call('GET', 'q:0'), 'val');
    await assert.rejects(r.call('DEBUG', 'POPULATE', '-1'), /must be positive/);
    await assert.rejects(r.call('DEBUG', 'POPULATE', 'x'), /not an integer/);
  });

  test('CHANGE-REPL-ID gives a new master_replid', async () => {
    const id = () => r.call('INFO', 'replication').then((t: unknown) => /master_replid:(\w+)/.exec(t as string)![1]);
    const before = await id();
    assert.equal(await r.call('DEBUG', 'CHANGE-REPL-ID'), 'OK');
    const after = await id();
    assert.notEqual(after, before);
    assert.match(after!, /^[0-9a-f]{40}$/);
  });

  test('QUICKLIST-PACKED-THRESHOLD', async () => {
    assert.equal(await r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '100'), 'OK');
    assert.equal(await r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1mb'), 'OK');
    assert.equal(await r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '0'), 'OK');
    await assert.rejects(r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '5gb'), /^ReplyError: ERR argument must be a memory value bigger than 1 and smaller than 4gb$/);
    await assert.rejects(r.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 'abc'), /bigger than 1 and smaller than 4gb/);
  });

  test('LOG writes to the server log', async () => {
    assert.equal(await r.call('DEBUG', 'LOG', 'hello from the test'), 'OK');
    assert.ok(logLines.some((l) => l.includes('DEBUG LOG: hello from the test')));
  });

  test('ERROR, STRINGMATCH-TEST, JMAP, flags', async () => {
    await assert.rejects(r.call('DEBUG', 'ERROR', 'MYERR custom\nmessage'), /^ReplyError: MYERR custom message$/);
    assert.match(await r.call('INFO', 'errorstats') as string, /errorstat_MYERR:count=1/);
    assert.equal(await r.call('DEBUG', 'STRINGMATCH-TEST'), 'Apparently the server did not crash: test passed');
    assert.equal(await r.call('DEBUG', 'JMAP'), 'OK');
    for (const sub of ['SET-SKIP-CHECKSUM-VALIDATION', 'SET-DISABLE-DENY-SCRIPTS', 'DICT-RESIZING']) {
      assert.equal(await r.call('DEBUG', sub, '1'), 'OK', sub);
    }
    assert.equal(await r.call('DEBUG', 'REPLYBUFFER', 'PEAK-RESET-TIME', 'NEVER'), 'OK');
    assert.equal(await r.call('DEBUG', 'REPLYBUFFER', 'RESIZING', '0'), 'OK');
    await assert.rejects(r.call('DEBUG', 'REPLYBUFFER', 'NOPE', '0'), /unknown subcommand or wrong number of arguments/);
  });

  test('PAUSE-CRON stops the periodic work until resumed', async () => {
    assert.equal(await r.call('DEBUG', 'PAUSE-CRON', '1'), 'OK');
    const n = srv.server.cronLoops;
    await new Promise((res) => setTimeout(res, 350));
    assert.equal(srv.server.cronLoops, n);
    assert.equal(await r.call('DEBUG', 'PAUSE-CRON', '0'), 'OK');
    await new Promise((res) => setTimeout(res, 350));
    assert.ok(srv.server.cronLoops > n);
  });

  test('LISTPACK / QUICKLIST refuse other encodings; HTSTATS', async () => {
    await r.call('SET', 'str', 'x');
    await assert.rejects(r.call('DEBUG', 'LISTPACK', 'str'), /^ReplyError: ERR Not a listpack encoded object.$/);
    await assert.rejects(r.call('DEBUG', 'QUICKLIST', 'str'), /^ReplyError: ERR Not a quicklist encoded object.$/);
    await assert.rejects(r.call('DEBUG', 'LISTPACK', 'nokey'), /no such key/);
    assert.match(await r.call('DEBUG', 'HTSTATS', '0') as string, /^\[Dictionary HT\]\n[\s\S]*\[Expires HT\]\n/);
    await assert.rejects(r.call('DEBUG', 'HTSTATS', '99'), /^ReplyError: ERR Out of range database$/);
    await assert.rejects(r.call('DEBUG', 'HTSTATS-KEY', 'str'), /not represented using an hash table/);
    srv.server.ks.dbs[0]!.setObject(Buffer.from('hs'), OBJ_SET, ENC_HT,
      Object.assign(new Set([Buffer.from('a'), Buffer.from('b')]), { memoryUsage: () => 0 }));
    assert.match(await r.call('DEBUG', 'HTSTATS-KEY', 'hs') as string, /number of elements: 2/);
    await r.call('DEL', 'hs');
  });

  test('LOADAOF fails honestly without AOF files', async () => {
    await assert.rejects(r.call('DEBUG', 'LOADAOF'), /Error trying to load the AOF files/);
  });
});
