// Generic keyspace commands over a real socket: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, MOVE,
// COPY, SWAPDB, FLUSHDB, FLUSHALL, DBSIZE, RANDOMKEY, KEYS, SCAN, TOUCH, OBJECT.
import { test, describe, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, RunningServer } from '../src/index.js';
import { OBJ_LIST, OBJ_HASH, ENC_QUICKLIST, ENC_LISTPACK, StoredObject } from '../src/store/types.js';

let srv: RunningServer;
let r: Valkey;
let events: { db: number; key: string | null; event: string }[] = [];

/** A stand-in collection object (the real list/hash types come from other families). */
class FakeList implements StoredObject {
  clones = 0;
  constructor(public items: string[]) {}
  memoryUsage(): number { return 16 * this.items.length; }
  clone(): FakeList { this.clones++; return new FakeList([...this.items]); }
}
class NoCloneObj implements StoredObject { memoryUsage(): number { return 1; } }

const B = (s: string) => Buffer.from(s);
const ks = () => srv.server.ks;

async function err(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  throw new Error('expected an error reply');
}

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false });
  ks().onChange((db, key, event) => events.push({ db, key: key ? key.toString('latin1') : null, event }));
});
after(async () => { r.disconnect(); await srv.close(); });
beforeEach(async () => { await r.call('select', '0'); await r.call('flushall'); events = []; });

describe('DEL / UNLINK / EXISTS', () => {
  test('DEL single and vararg, duplicates counted once, missing keys ignored', async () => {
    await r.call('set', 'a', '1'); await r.call('set', 'b', '2'); await r.call('set', 'c', '3');
    assert.equal(await r.call('del', 'a'), 1);
    assert.equal(await r.call('get', 'a'), null);
    assert.equal(await r.call('del', 'b', 'b', 'c', 'nope'), 2);
    assert.equal(await r.call('dbsize'), 0);
    assert.deepEqual(events.filter((e) => e.event === 'del').map((e) => e.key), ['a', 'b', 'c']);
  });

  test('UNLINK behaves like DEL', async () => {
    await r.call('set', 'a', '1'); await r.call('set', 'big', 'x'.repeat(100000));
    assert.equal(await r.call('unlink', 'a', 'big', 'zz'), 2);
    assert.equal(await r.call('exists', 'a', 'big'), 0);
    assert.equal(events.filter((e) => e.event === 'del').length, 2);
  });

  test('UNLINK of a value that is costly to free counts in lazyfreedObjects', async () => {
    const big = new FakeList(Array.from({ length: 100 }, (_, i) => String(i)));
    const small = new FakeList(['a']);
    const effort = (o: FakeList) => Object.assign(o, { freeEffort: () => o.items.length });
    ks().dbs[0]!.setObject(B('big'), OBJ_LIST, ENC_QUICKLIST, effort(big));
    ks().dbs[0]!.setObject(B('small'), OBJ_LIST, ENC_QUICKLIST, effort(small));
    ks().dbs[0]!.setObject(B('noeffort'), OBJ_LIST, ENC_QUICKLIST, new FakeList([]));
    await r.call('set', 'str', 'x'.repeat(20000));
    const before = ks().stats.lazyfreedObjects;
    assert.equal(await r.call('unlink', 'small', 'noeffort', 'str'), 3);
    assert.equal(ks().stats.lazyfreedObjects, before);
    assert.equal(await r.call('unlink', 'big'), 1);
    assert.equal(ks().stats.lazyfreedObjects, before + 1);
  });

  test('a logically expired key is not counted by DEL and is reported as expired', async () => {
    ks().dbs[0]!.setString(B('old'), B('v'), Date.now() - 10);
    assert.equal(await r.call('del', 'old'), 0);
    assert.deepEqual(events.map((e) => e.event), ['expired']);
    assert.equal(await r.call('dbsize'), 0);
  });

  test('EXISTS counts every argument, including repeats; expired keys do not exist', async () => {
    await r.call('set', 'a', '1');
    ks().dbs[0]!.setString(B('old'), B('v'), Date.now() - 10);
    assert.equal(await r.call('exists', 'a'), 1);
    assert.equal(await r.call('exists', 'a', 'a', 'b', 'old'), 2);
    assert.equal(await r.call('exists', 'nope'), 0);
  });

  test('arity errors', async () => {
    assert.equal(await err(r.call('del')), "ERR wrong number of arguments for 'del' command");
    assert.equal(await err(r.call('exists')), "ERR wrong number of arguments for 'exists' command");
    assert.equal(await err(r.call('unlink')), "ERR wrong number of arguments for 'unlink' command");
  });

  test('zero-length key and value', async () => {
    await r.call('set', '', '');
    assert.equal(await r.call('exists', ''), 1);
    assert.equal(await r.call('type', ''), 'string');
    assert.equal(await r.call('del', ''), 1);
  });
});

describe('TYPE / DBSIZE / TOUCH', () => {
  test('TYPE reports string, collection types and none', async () => {
    await r.call('set', 's', 'v');
    ks().dbs[0]!.setObject(B('l'), OBJ_LIST, ENC_QUICKLIST, new FakeList(['a']));
    ks().dbs[0]!.setObject(B('h'), OBJ_HASH, ENC_LISTPACK, new FakeList([]));
    assert.equal(await r.call('type', 's'), 'string');
    assert.equal(await r.call('type', 'l'), 'list');
    assert.equal(await r.call('type', 'h'), 'hash');
    assert.equal(await r.call('type', 'nope'), 'none');
    ks().dbs[0]!.setString(B('old'), B('v'), Date.now() - 10);
    assert.equal(await r.call('type', 'old'), 'none');
  });

  test('DBSIZE counts the selected database only', async () => {
    for (let i = 0; i < 10; i++) await r.call('set', `k${i}`, 'v');
    await r.call('select', '1');
    await r.call('set', 'other', 'v');
    assert.equal(await r.call('dbsize'), 1);
    await r.call('select', '0');
    assert.equal(await r.call('dbsize'), 10);
  });

  test('TOUCH counts existing keys and resets their idle time', async () => {
    await r.call('set', 'a', '1'); await r.call('set', 'b', '2');
    const a = ks().dbs[0]!.findRaw(B('a'));
    ks().arena.setLru(a, (ks().lruClock - 100) & 0xffffff);
    assert.ok((await r.call('object', 'idletime', 'a')) as number >= 100);
    assert.equal(await r.call('touch', 'a', 'b', 'c', 'a'), 3);
    assert.ok((await r.call('object', 'idletime', 'a')) as number <= 1);
    assert.equal(await err(r.call('touch')), "ERR wrong number of arguments for 'touch' command");
  });
});

describe('RENAME / RENAMENX', () => {
  test('RENAME moves the value; the source goes away', async () => {
    await r.call('set', 'mykey', 'hello');
    events = [];
    assert.equal(await r.call('rename', 'mykey', 'mykey1'), 'OK');
    assert.equal(await r.call('get', 'mykey1'), 'hello');
    assert.equal(await r.call('exists', 'mykey'), 0);
    assert.deepEqual(events.map((e) => [e.key, e.event]), [['mykey', 'rename_from'], ['mykey1', 'rename_to']]);
  });

  test('RENAME over an existing key replaces it', async () => {
    await r.call('set', 'a', 'va'); await r.call('set', 'b', 'vb');
    assert.equal(await r.call('rename', 'a', 'b'), 'OK');
    assert.equal(await r.call('get', 'b'), 'va');
    assert.equal(await r.call('dbsize'), 1);
  });

  test('RENAMENX only renames onto a missing key', async () => {
    await r.call('set', 'a', 'va'); await r.call('set', 'b', 'vb');
    assert.equal(await r.call('renamenx', 'a', 'b'), 0);
    assert.equal(await r.call('get', 'b'), 'vb');
    assert.equal(await r.call('renamenx', 'a', 'c'), 1);
    assert.equal(await r.call('get', 'c'), 'va');
    assert.equal(await r.call('exists', 'a'), 0);
  });

  test('missing source: ERR no such key (also when source equals destination)', async () => {
    assert.equal(await err(r.call('rename', 'nokey', 'x')), 'ERR no such key');
    assert.equal(await err(r.call('renamenx', 'nokey', 'x')), 'ERR no such key');
    assert.equal(await err(r.call('rename', 'nokey', 'nokey')), 'ERR no such key');
    ks().dbs[0]!.setString(B('old'), B('v'), Date.now() - 10);
    assert.equal(await err(r.call('rename', 'old', 'x')), 'ERR no such key');
  });

  test('same source and destination: RENAME OK, RENAMENX 0, no events', async () => {
    await r.call('set', 'a', '1');
    events = [];
    assert.equal(await r.call('rename', 'a', 'a'), 'OK');
    assert.equal(await r.call('renamenx', 'a', 'a'), 0);
    assert.equal(await r.call('get', 'a'), '1');
    assert.equal(events.length, 0);
  });

  test('the TTL moves with the key and the target TTL is not inherited', async () => {
    await r.call('set', 'a', '1'); await r.call('expire', 'a', '100');
    await r.call('rename', 'a', 'b');
    const ttl = await r.call('ttl', 'b') as number;
    assert.ok(ttl > 95 && ttl <= 100);
    await r.call('set', 'c', '1'); await r.call('expire', 'c', '100');
    await r.call('set', 'd', '1');
    await r.call('rename', 'd', 'c');
    assert.equal(await r.call('ttl', 'c'), -1);
    assert.equal(ks().dbs[0]!.expiresCount, 1);
  });

  test('collection objects and big values are renamed intact', async () => {
    const obj = new FakeList(['x', 'y']);
    ks().dbs[0]!.setObject(B('l'), OBJ_LIST, ENC_QUICKLIST, obj);
    await r.call('rename', 'l', 'l2');
    assert.equal(await r.call('type', 'l2'), 'list');
    assert.equal(ks().dbs[0]!.object(ks().dbs[0]!.findRaw(B('l2'))), obj);
    const big = 'z'.repeat(50000);
    await r.call('set', 'big', big);
    await r.call('rename', 'big', 'big2');
    assert.equal(await r.call('get', 'big2'), big);
  });

  test('arity errors', async () => {
    assert.equal(await err(r.call('rename', 'a')), "ERR wrong number of arguments for 'rename' command");
    assert.equal(await err(r.call('renamenx', 'a', 'b', 'c')), "ERR wrong number of arguments for 'renamenx' command");
  });
});

describe('MOVE', () => {
  test('moves a key to another database, with events on both', async () => {
    await r.call('set', 'mykey', 'foo');
    events = [];
    assert.equal(await r.call('move', 'mykey', '9'), 1);
    assert.equal(await r.call('exists', 'mykey'), 0);
    await r.call('select', '9');
    assert.equal(await r.call('get', 'mykey'), 'foo');
    assert.deepEqual(events.map((e) => [e.db, e.event]), [[0, 'move_from'], [9, 'move_to']]);
  });

  test('returns 0 when the key is missing or already exists in the target', async () => {
    assert.equal(await r.call('move', 'nokey', '1'), 0);
    await r.call('set', 'k', 'src');
    await r.call('select', '1'); await r.call('set', 'k', 'dst'); await r.call('select', '0');
    assert.equal(await r.call('move', 'k', '1'), 0);
    assert.equal(await r.call('get', 'k'), 'src');
  });

  test('keeps the TTL, and does not invent one', async () => {
    await r.call('set', 'v', '1'); await r.call('expire', 'v', '100');
    await r.call('set', 'p', '1');
    await r.call('move', 'v', '1'); await r.call('move', 'p', '1');
    await r.call('select', '1');
    const ttl = await r.call('ttl', 'v') as number;
    assert.ok(ttl > 95 && ttl <= 100);
    assert.equal(await r.call('ttl', 'p'), -1);
    assert.equal(ks().dbs[0]!.expiresCount, 0);
    assert.equal(ks().dbs[1]!.expiresCount, 1);
  });

  test('error paths', async () => {
    await r.call('set', 'k', 'v');
    assert.equal(await err(r.call('move', 'k', '0')), 'ERR source and destination objects are the same');
    assert.equal(await err(r.call('move', 'k', '16')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('move', 'k', '-1')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('move', 'k', 'notanumber')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('move', 'k', '99999999999')), 'ERR value is out of range, value must between -2147483648 and 2147483647');
    assert.equal(await err(r.call('move', 'k', '99999999999999999999')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('move', 'k')), "ERR wrong number of arguments for 'move' command");
    assert.equal(await r.call('get', 'k'), 'v');
  });
});

describe('COPY', () => {
  test('copies a string in the same database; the copy is independent', async () => {
    await r.call('set', 'mykey', 'foobar');
    events = [];
    assert.equal(await r.call('copy', 'mykey', 'mynewkey'), 1);
    assert.equal(await r.call('get', 'mynewkey'), 'foobar');
    await r.call('set', 'mykey', 'changed');
    assert.equal(await r.call('get', 'mynewkey'), 'foobar');
    assert.deepEqual(events.slice(0, 1).map((e) => [e.db, e.key, e.event]), [[0, 'mynewkey', 'copy_to']]);
  });

  test('copies to another database with DB', async () => {
    await r.call('set', 'k', 'v');
    assert.equal(await r.call('copy', 'k', 'k', 'db', '3'), 1);
    await r.call('select', '3');
    assert.equal(await r.call('get', 'k'), 'v');
    assert.equal(events.at(-1)!.db, 3);
  });

  test('does not replace without REPLACE; replaces with it (options in any case and order)', async () => {
    await r.call('set', 'a', 'va'); await r.call('set', 'b', 'vb');
    assert.equal(await r.call('copy', 'a', 'b'), 0);
    assert.equal(await r.call('get', 'b'), 'vb');
    assert.equal(await r.call('copy', 'a', 'b', 'RePlAcE'), 1);
    assert.equal(await r.call('get', 'b'), 'va');
    await r.call('set', 'a', 'newer');
    assert.equal(await r.call('copy', 'a', 'b', 'replace', 'DB', '0'), 1);
    assert.equal(await r.call('get', 'b'), 'newer');
  });

  test('copies the TTL, and no TTL when there is none (even over a volatile target)', async () => {
    await r.call('set', 'v', '1'); await r.call('expire', 'v', '100');
    await r.call('copy', 'v', 'v2');
    const ttl = await r.call('pttl', 'v2') as number;
    assert.ok(ttl > 95000 && ttl <= 100000);
    await r.call('set', 'p', '1');
    await r.call('copy', 'p', 'v2', 'replace');
    assert.equal(await r.call('ttl', 'v2'), -1);
    assert.equal(ks().dbs[0]!.expiresCount, 1);
  });

  test('returns 0 for a missing source', async () => {
    assert.equal(await r.call('copy', 'nokey', 'x'), 0);
    assert.equal(await r.call('exists', 'x'), 0);
  });

  test('keeps the string encoding and copies big values', async () => {
    await r.call('set', 'n', '12345');
    await r.call('copy', 'n', 'n2');
    assert.equal(await r.call('object', 'encoding', 'n2'), 'int');
    const big = 'q'.repeat(30000);
    await r.call('set', 'big', big);
    await r.call('copy', 'big', 'big2');
    await r.call('set', 'big', 'other');
    assert.equal(await r.call('get', 'big2'), big);
    assert.equal(await r.call('object', 'encoding', 'big2'), 'raw');
  });

  test('collection objects are copied through clone()', async () => {
    const obj = new FakeList(['a', 'b']);
    ks().dbs[0]!.setObject(B('l'), OBJ_LIST, ENC_QUICKLIST, obj);
    assert.equal(await r.call('copy', 'l', 'l2', 'db', '2'), 1);
    assert.equal(obj.clones, 1);
    const db2 = ks().dbs[2]!;
    const copy = db2.object<FakeList>(db2.findRaw(B('l2')));
    assert.notEqual(copy, obj);
    assert.deepEqual(copy.items, ['a', 'b']);
    await r.call('select', '2');
    assert.equal(await r.call('type', 'l2'), 'list');
    assert.equal(await r.call('object', 'encoding', 'l2'), 'quicklist');
  });

  test('an object that cannot clone itself is refused and nothing changes', async () => {
    ks().dbs[0]!.setObject(B('o'), OBJ_LIST, ENC_QUICKLIST, new NoCloneObj());
    await r.call('set', 'dst', 'keep');
    assert.equal(await err(r.call('copy', 'o', 'dst', 'replace')), 'ERR unknown type object');
    assert.equal(await r.call('get', 'dst'), 'keep');
  });

  test('error paths', async () => {
    await r.call('set', 'k', 'v');
    assert.equal(await err(r.call('copy', 'k', 'k')), 'ERR source and destination objects are the same');
    assert.equal(await err(r.call('copy', 'k', 'k', 'db', '0')), 'ERR source and destination objects are the same');
    assert.equal(await err(r.call('copy', 'k', 'x', 'db', 'notanumber')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('copy', 'k', 'x', 'db', '16')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('copy', 'k', 'x', 'db', '-1')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('copy', 'k', 'x', 'db')), 'ERR syntax error');
    assert.equal(await err(r.call('copy', 'k', 'x', 'foo')), 'ERR syntax error');
    assert.equal(await err(r.call('copy', 'k')), "ERR wrong number of arguments for 'copy' command");
    assert.equal(await r.call('exists', 'x'), 0);
  });
});

describe('SWAPDB', () => {
  test('swaps contents; connected clients see the new data', async () => {
    await r.call('set', 'a', 'db0');
    await r.call('select', '1'); await r.call('set', 'b', 'db1'); await r.call('expire', 'b', '100');
    assert.equal(await r.call('swapdb', '0', '1'), 'OK');
    assert.equal(await r.call('get', 'a'), 'db0');
    assert.equal(await r.call('exists', 'b'), 0);
    await r.call('select', '0');
    assert.equal(await r.call('get', 'b'), 'db1');
    assert.ok((await r.call('ttl', 'b') as number) > 0);
    assert.equal(await r.call('swapdb', '0', '0'), 'OK');
    assert.equal(await r.call('get', 'b'), 'db1');
  });

  test('error paths', async () => {
    assert.equal(await err(r.call('swapdb', 'x', '1')), 'ERR invalid first DB index');
    assert.equal(await err(r.call('swapdb', '0', 'y')), 'ERR invalid second DB index');
    assert.equal(await err(r.call('swapdb', '2147483648', '0')), 'ERR invalid first DB index');
    assert.equal(await err(r.call('copy', 'k', 'x', 'db', '2147483648')), 'ERR value is out of range, value must between -2147483648 and 2147483647');
    assert.equal(await err(r.call('swapdb', '0', '16')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('swapdb', '-1', '0')), 'ERR DB index is out of range');
    assert.equal(await err(r.call('swapdb', '0')), "ERR wrong number of arguments for 'swapdb' command");
  });

  test('SWAPDB then FLUSHDB empties only the swapped-in data', async () => {
    await r.call('set', 'k0', 'v');
    await r.call('select', '5'); await r.call('set', 'k5', 'v'); await r.call('set', 'k5b', 'v');
    await r.call('swapdb', '0', '5');
    await r.call('flushdb');
    assert.equal(await r.call('dbsize'), 0);
    await r.call('select', '0');
    assert.equal(await r.call('dbsize'), 2);
  });
});

describe('FLUSHDB / FLUSHALL', () => {
  test('FLUSHDB empties the selected database only, with SYNC, ASYNC or neither', async () => {
    for (const mode of [[], ['sync'], ['ASYNC']]) {
      for (let i = 0; i < 100; i++) await r.call('set', `k${i}`, 'v');
      await r.call('select', '1'); await r.call('set', 'keep', 'v'); await r.call('select', '0');
      assert.equal(await r.call('flushdb', ...mode), 'OK');
      assert.equal(await r.call('dbsize'), 0);
      await r.call('select', '1');
      assert.equal(await r.call('dbsize'), 1);
      await r.call('select', '0');
    }
  });

  test('FLUSHDB ASYNC of a large database frees in the background', async () => {
    const db = ks().dbs[0]!;
    for (let i = 0; i < 50000; i++) db.setString(B(`key:${i}`), B(`val:${i}`));
    const used = ks().arena.usedBytes;
    assert.equal(await r.call('flushdb', 'async'), 'OK');
    assert.equal(await r.call('dbsize'), 0);
    await r.call('set', 'after', '1');
    assert.equal(await r.call('get', 'after'), '1');
    for (let i = 0; i < 100 && ks().lazyFreePending > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(ks().lazyFreePending, 0);
    assert.ok(ks().arena.usedBytes < used / 100);
  });

  test('FLUSHALL empties every database', async () => {
    for (const mode of [[], ['sync'], ['async']]) {
      await r.call('set', 'a', '1');
      await r.call('select', '7'); await r.call('set', 'b', '1'); await r.call('select', '0');
      assert.equal(await r.call('flushall', ...mode), 'OK');
      assert.equal(await r.call('dbsize'), 0);
      await r.call('select', '7');
      assert.equal(await r.call('dbsize'), 0);
      await r.call('select', '0');
    }
  });

  test('syntax errors', async () => {
    assert.equal(await err(r.call('flushdb', 'foo')), 'ERR syntax error');
    assert.equal(await err(r.call('flushdb', 'sync', 'async')), 'ERR syntax error');
    assert.equal(await err(r.call('flushall', 'now')), 'ERR syntax error');
    assert.equal(await err(r.call('flushall', 'async', 'async')), 'ERR syntax error');
  });
});

describe('RANDOMKEY', () => {
  test('nil on an empty database, a key otherwise', async () => {
    assert.equal(await r.call('randomkey'), null);
    await r.call('set', 'foo', 'x'); await r.call('set', 'bar', 'y');
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) seen.add(await r.call('randomkey') as string);
    assert.deepEqual([...seen].sort(), ['bar', 'foo']);
  });

  test('skips and deletes expired keys', async () => {
    const db = ks().dbs[0]!;
    for (let i = 0; i < 20; i++) db.setString(B(`old${i}`), B('v'), Date.now() - 10);
    assert.equal(await r.call('randomkey'), null);
    assert.equal(await r.call('dbsize'), 0);
    for (let i = 0; i < 20; i++) db.setString(B(`old${i}`), B('v'), Date.now() - 10);
    await r.call('set', 'live', 'v');
    assert.equal(await r.call('randomkey'), 'live');
  });

  test('arity', async () => {
    assert.equal(await err(r.call('randomkey', 'x')), "ERR wrong number of arguments for 'randomkey' command");
  });
});

describe('KEYS', () => {
  test('glob patterns', async () => {
    for (const k of ['key_x', 'key_y', 'key_z', 'foo_a', 'foo_b', 'foo_c', 'h[e]llo', 'hallo']) await r.call('set', k, 'v');
    const keys = async (p: string) => ((await r.call('keys', p)) as string[]).sort();
    assert.deepEqual(await keys('foo*'), ['foo_a', 'foo_b', 'foo_c']);
    assert.deepEqual(await keys('*'), ['foo_a', 'foo_b', 'foo_c', 'h[e]llo', 'hallo', 'key_x', 'key_y', 'key_z']);
    assert.deepEqual(await keys('key_[xy]'), ['key_x', 'key_y']);
    assert.deepEqual(await keys('key_[^x]'), ['key_y', 'key_z']);
    assert.deepEqual(await keys('h?llo'), ['hallo']);
    assert.deepEqual(await keys('h\\[e\\]llo'), ['h[e]llo']);
    assert.deepEqual(await keys('nomatch*'), []);
  });

  test('skips logically expired keys without deleting them', async () => {
    // The active expire cycle would delete the key between the two commands on a busy machine.
    srv.server.activeExpireEnabled = false;
    try {
      await r.call('set', 'live', 'v');
      ks().dbs[0]!.setString(B('old'), B('v'), Date.now() - 10);
      assert.deepEqual(await r.call('keys', '*'), ['live']);
      assert.equal(await r.call('dbsize'), 2);
    } finally {
      srv.server.activeExpireEnabled = true;
    }
  });

  test('binary keys, and many keys', async () => {
    await r.call('set', Buffer.from([0, 1, 255]), 'v');
    const got = await r.callBuffer('keys', '*') as Buffer[];
    assert.deepEqual(got, [Buffer.from([0, 1, 255])]);
    const p = r.pipeline();
    for (let i = 0; i < 5000; i++) p.call('set', `m:${i}`, 'v');
    await p.exec();
    assert.equal((await r.call('keys', 'm:*') as string[]).length, 5000);
    assert.equal((await r.call('keys', 'm:1??') as string[]).length, 100);
  });

  test('a pathological pattern finishes quickly', async () => {
    await r.call('set', 'a'.repeat(50), 'v');
    const t0 = Date.now();
    assert.deepEqual(await r.call('keys', '*'.repeat(30) + 'b'), []);
    assert.deepEqual(await r.call('keys', 'a*'.repeat(200) + 'b'), []);
    assert.ok(Date.now() - t0 < 2000);
  });
});

describe('SCAN', () => {
  async function scanAll(...opts: string[]): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    let calls = 0;
    do {
      const [next, keys] = await r.call('scan', cursor, ...opts) as [string, string[]];
      out.push(...keys);
      cursor = next;
      assert.ok(++calls < 100000);
    } while (cursor !== '0');
    return out;
  }

  test('a full iteration returns every key', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.call('set', `key:${i}`, 'v');
    await p.exec();
    const keys = new Set(await scanAll());
    assert.equal(keys.size, 1000);
    const withCount = await scanAll('count', '100');
    assert.equal(new Set(withCount).size, 1000);
  });

  test('reply shape: the cursor is a bulk string; COUNT bounds the work per call', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.call('set', `key:${i}`, 'v');
    await p.exec();
    const [cursor, keys] = await r.call('scan', '0') as [string, string[]];
    assert.equal(typeof cursor, 'string');
    assert.notEqual(cursor, '0');
    assert.ok(keys.length >= 5 && keys.length < 100, `got ${keys.length}`);
    const [, many] = await r.call('scan', '0', 'count', '500') as [string, string[]];
    assert.ok(many.length >= 400);
  });

  test('MATCH filters', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 1000; i++) p.call('set', `key:${i}`, 'v');
    await p.exec();
    const keys = await scanAll('match', 'key:1??', 'count', '50');
    assert.deepEqual(keys.sort(), Array.from({ length: 100 }, (_, i) => `key:${100 + i}`).sort());
    assert.equal((await scanAll('match', '*')).length, 1000);
  });

  test('TYPE filters (case-insensitive)', async () => {
    await r.call('set', 's1', 'v'); await r.call('set', 's2', 'v');
    ks().dbs[0]!.setObject(B('l1'), OBJ_LIST, ENC_QUICKLIST, new FakeList([]));
    assert.deepEqual((await scanAll('type', 'string')).sort(), ['s1', 's2']);
    assert.deepEqual(await scanAll('TYPE', 'LIST'), ['l1']);
    assert.deepEqual(await scanAll('type', 'zset'), []);
    assert.deepEqual(await scanAll('type', 'list', 'match', 'x*'), []);
  });

  test('expired keys are filtered out and deleted', async () => {
    const db = ks().dbs[0]!;
    for (let i = 0; i < 50; i++) db.setString(B(`old${i}`), B('v'), Date.now() - 10);
    await r.call('set', 'live', 'v');
    assert.deepEqual(await scanAll('count', '1000'), ['live']);
    assert.equal(await r.call('dbsize'), 1);
    assert.equal(events.filter((e) => e.event === 'expired').length, 50);
  });

  test('cursor parsing: invalid cursors, and strtoull-style forms', async () => {
    await r.call('set', 'a', '1');
    for (const bad of ['abc', '-1', '1.5', '', '18446744073709551616', '12a']) {
      assert.equal(await err(r.call('scan', bad)), 'ERR invalid cursor', `cursor '${bad}'`);
    }
    for (const ok of ['18446744073709551615', '007', '+0', ' 0']) {
      const reply = await r.call('scan', ok) as [string, string[]];
      assert.equal(reply.length, 2);
    }
    const [c] = await r.call('scan', '0', 'count', '100') as [string, string[]];
    assert.equal(c, '0');
  });

  test('option errors', async () => {
    assert.equal(await err(r.call('scan', '0', 'count', '0')), 'ERR syntax error');
    assert.equal(await err(r.call('scan', '0', 'count', '-5')), 'ERR syntax error');
    assert.equal(await err(r.call('scan', '0', 'count', 'x')), 'ERR value is not an integer or out of range');
    assert.equal(await err(r.call('scan', '0', 'count')), 'ERR syntax error');
    assert.equal(await err(r.call('scan', '0', 'match')), 'ERR syntax error');
    assert.equal(await err(r.call('scan', '0', 'type', 'foo')), "ERR unknown type name 'foo'");
    assert.equal(await err(r.call('scan', '0', 'type', 'module')), "ERR unknown type name 'module'");
    assert.equal(await err(r.call('scan', '0', 'foo', 'bar')), 'ERR syntax error');
    assert.equal(await err(r.call('scan', '0', 'novalues')), 'ERR NOVALUES option can only be used in HSCAN');
    assert.equal(await err(r.call('scan', '0', 'noscores')), 'ERR NOSCORES option can only be used in ZSCAN');
    assert.equal(await err(r.call('scan', 'abc', 'count', '0')), 'ERR invalid cursor');
    assert.equal(await err(r.call('scan')), "ERR wrong number of arguments for 'scan' command");
  });

  test('every key present throughout is returned while the table grows and shrinks', async () => {
    const KEEP = 500;
    let p = r.pipeline();
    for (let i = 0; i < KEEP; i++) p.call('set', `keep:${i}`, 'v');
    for (let i = 0; i < 20000; i++) p.call('set', `tmp:${i}`, 'v');
    await p.exec();
    const seen = new Set<string>();
    let cursor = '0';
    let step = 0, added = 0, removed = 0;
    let maxBuckets = 0, minBuckets = Infinity;
    do {
      const [next, keys] = await r.call('scan', cursor, 'count', '20') as [string, string[]];
      for (const k of keys) seen.add(k);
      cursor = next;
      // First shrink (delete the tmp keys), then grow (add new ones), between SCAN calls.
      p = r.pipeline();
      if (removed < 20000) for (let j = 0; j < 1500 && removed < 20000; j++) p.call('del', `tmp:${removed++}`);
      else if (added < 30000) for (let j = 0; j < 1500; j++) p.call('set', `new:${added++}`, 'v');
      await p.exec();
      const b = ks().dbs[0]!.dict.bucketCount();
      maxBuckets = Math.max(maxBuckets, b); minBuckets = Math.min(minBuckets, b);
      step++;
    } while (cursor !== '0');
    assert.ok(minBuckets * 8 <= maxBuckets, `the table resized during the scan (${minBuckets}..${maxBuckets} buckets)`);
    for (let i = 0; i < KEEP; i++) assert.ok(seen.has(`keep:${i}`), `keep:${i} returned`);
    assert.ok(step > 10);
  });
});

describe('OBJECT', () => {
  test('ENCODING of strings and objects; nil for a missing key', async () => {
    await r.call('set', 'i', '12345');
    await r.call('set', 'e', 'hello');
    await r.call('set', 'raw', 'x'.repeat(100));
    ks().dbs[0]!.setObject(B('l'), OBJ_LIST, ENC_QUICKLIST, new FakeList([]));
    assert.equal(await r.call('object', 'encoding', 'i'), 'int');
    assert.equal(await r.call('object', 'encoding', 'e'), 'embstr');
    assert.equal(await r.call('object', 'encoding', 'raw'), 'raw');
    assert.equal(await r.call('object', 'encoding', 'l'), 'quicklist');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'nokey'), null);
  });

  test('REFCOUNT: shared small integers, 1 otherwise', async () => {
    await r.call('set', 'small', '100');
    await r.call('set', 'bigint', '100000');
    await r.call('set', 's', 'abc');
    assert.equal(await r.call('object', 'refcount', 'small'), 2147483647);
    assert.equal(await r.call('object', 'refcount', 'bigint'), 1);
    assert.equal(await r.call('object', 'refcount', 's'), 1);
    assert.equal(await r.call('object', 'refcount', 'nokey'), null);
  });

  test('IDLETIME reads without touching; FREQ needs an LFU policy', async () => {
    await r.call('set', 'k', 'v');
    const a = ks().dbs[0]!.findRaw(B('k'));
    ks().arena.setLru(a, (ks().lruClock - 50) & 0xffffff);
    assert.ok((await r.call('object', 'idletime', 'k') as number) >= 50);
    assert.ok((await r.call('object', 'idletime', 'k') as number) >= 50, 'OBJECT does not touch the key');
    assert.equal(await r.call('object', 'idletime', 'nokey'), null);
    assert.equal(await err(r.call('object', 'freq', 'k')),
      'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
    assert.equal(await r.call('object', 'freq', 'nokey'), null);
    assert.equal(srv.server.config.set('maxmemory-policy', 'allkeys-lfu', 'startup'), null);
    ks().lfuMode = true; // what the config hook sets
    try {
      await r.call('set', 'f', 'v');
      const f0 = await r.call('object', 'freq', 'f') as number;
      assert.equal(f0, 5);
      for (let i = 0; i < 200; i++) await r.call('get', 'f');
      assert.ok((await r.call('object', 'freq', 'f') as number) > f0);
      assert.equal(await err(r.call('object', 'idletime', 'f')),
        'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.');
    } finally {
      srv.server.config.set('maxmemory-policy', 'noeviction', 'startup');
      ks().lfuMode = false;
    }
  });

  test('HELP and error paths', async () => {
    const help = await r.call('object', 'help') as string[];
    assert.equal(help[0], 'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.equal(help.at(-2), 'HELP');
    assert.equal(help.length, 15);
    assert.ok(help.includes('FREQ <key>'));
    assert.equal(await err(r.call('object', 'foo', 'k')), "ERR unknown subcommand 'foo'. Try OBJECT HELP.");
    assert.equal(await err(r.call('object', 'encoding')), "ERR wrong number of arguments for 'object|encoding' command");
    assert.equal(await err(r.call('object', 'encoding', 'a', 'b')), "ERR wrong number of arguments for 'object|encoding' command");
    assert.equal(await err(r.call('object')), "ERR wrong number of arguments for 'object' command");
  });
});
