// The append-only file: enabling it at runtime (rewrite + manifest), what the incr file holds,
// restarting from the AOF (preferred over the RDB), BGREWRITEAOF switching files, truncated and
// corrupt files, DEBUG LOADAOF, and the manifest format.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Valkey } from 'iovalkey';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { startServer, type RunningServer } from '../src/index.js';
import { formatManifest, parseManifest } from '../src/persistence/aof.js';
import { loadRdb } from '../src/persistence/rdb.js';

const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const dirs: string[] = [];
const open: Array<{ srv: RunningServer; r: Valkey }> = [];

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'peregrine-aof-'));
  dirs.push(d);
  return d;
}

async function server(dir: string, config: Record<string, string> = {}): Promise<{ srv: RunningServer; r: Valkey }> {
  const srv = await startServer({ config: { dir, 'enable-debug-command': 'yes', ...config } });
  const r = new Valkey({ port: srv.port, lazyConnect: false });
  const h = { srv, r };
  open.push(h);
  return h;
}

async function stop(h: { srv: RunningServer; r: Valkey }): Promise<void> {
  h.r.disconnect();
  await h.srv.close();
  const i = open.indexOf(h);
  if (i >= 0) open.splice(i, 1);
}

async function info(r: Valkey): Promise<Map<string, string>> {
  const text = (await r.call('INFO', 'persistence')) as string;
  const m = new Map<string, string>();
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

async function waitRewrite(r: Valkey): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const m = await info(r);
    if (m.get('aof_rewrite_in_progress') === '0' && m.get('aof_rewrite_scheduled') === '0') return;
    await sleep(10);
  }
  throw new Error('AOF rewrite did not finish');
}

const manifestOf = (dir: string) => readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
const aofFiles = (dir: string) => readdirSync(join(dir, 'appendonlydir')).sort();

after(async () => {
  for (const h of [...open]) await stop(h);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('enabling the AOF at runtime', () => {
  test('CONFIG SET appendonly yes writes a base, an incr file and the manifest', async () => {
    const dir = tmp();
    const h = await server(dir);
    const { r } = h;
    assert.equal((await info(r)).get('aof_enabled'), '0');
    await r.call('SET', 'before', '1');
    assert.equal(await r.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    await waitRewrite(r);
    const m = await info(r);
    assert.equal(m.get('aof_enabled'), '1');
    assert.equal(m.get('aof_last_bgrewrite_status'), 'ok');
    assert.equal(m.get('aof_rewrites'), '1');
    assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    assert.deepEqual(aofFiles(dir), ['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    const base = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb'));
    assert.match(base.subarray(0, 9).toString('latin1'), /^(REDIS|VALKEY)/);
    {
      // The RDB preamble says it is an AOF base.
      const scratch = await startServer();
      assert.equal(loadRdb(scratch.server, base).aux.get('aof-base'), '1');
      await scratch.close();
    }

    // Effects are logged: SET EX becomes SET PXAT, with a SELECT first; another db gets its own SELECT.
    await r.call('SET', 'k', 'v', 'EX', '100');
    await r.call('SELECT', '3');
    await r.call('RPUSH', 'l', 'a', 'b');
    await r.call('GET', 'k'); // reads are not logged
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.match(incr, /^\*2\r\n\$6\r\nSELECT\r\n\$1\r\n0\r\n\*5\r\n\$3\r\nSET\r\n\$1\r\nk\r\n\$1\r\nv\r\n\$4\r\nPXAT\r\n\$13\r\n\d{13}\r\n/i);
    assert.ok(incr.includes('*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*4\r\n$5\r\nRPUSH\r\n$1\r\nl\r\n$1\r\na\r\n$1\r\nb\r\n'));
    assert.ok(!incr.includes('GET'));

    // Turning it off stops the logging.
    assert.equal(await r.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    assert.equal((await info(r)).get('aof_enabled'), '0');
    const size = statSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size;
    await r.call('SET', 'after', '1');
    assert.equal(statSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof')).size, size);
    await stop(h);
  });
});

describe('restart and reload', () => {
  test('a restart loads the AOF (base + incr) and prefers it over the RDB', async () => {
    const dir = tmp();
    let h = await server(dir, { appendonly: 'yes' });
    // Start-up with no files creates a base file and the first incr file.
    assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    let r = h.r;
    await r.call('SET', 'a', '1');
    await r.call('SET', 'ttl', 'x', 'EX', '1000');
    await r.call('ZADD', 'z', '1.5', 'm');
    await r.call('MULTI');
    await r.call('INCR', 'n');
    await r.call('INCR', 'n');
    await r.call('EXEC');
    await r.call('SELECT', '2');
    await r.call('SADD', 's', 'm1', 'm2');
    await r.call('SET', 'gone', 'x');
    await r.call('DEL', 'gone');
    await r.call('SAVE'); // an RDB with the same content, then diverge: the AOF must win
    await r.call('SELECT', '0');
    await r.call('SET', 'a', '2');
    await stop(h);

    h = await server(dir, { appendonly: 'yes' });
    r = h.r;
    assert.equal(await r.call('GET', 'a'), '2');
    assert.equal(await r.call('GET', 'n'), '2');
    assert.equal(await r.call('ZSCORE', 'z', 'm'), '1.5');
    const ttl = (await r.call('TTL', 'ttl')) as number;
    assert.ok(ttl > 990 && ttl <= 1000, `ttl ${ttl}`);
    await r.call('SELECT', '2');
    assert.deepEqual(((await r.call('SMEMBERS', 's')) as string[]).sort(), ['m1', 'm2']);
    assert.equal(await r.call('EXISTS', 'gone'), 0);
    // The same incr file keeps growing after the restart.
    assert.match(manifestOf(dir), /file appendonly\.aof\.1\.incr\.aof seq 1 type i\n$/);
    await stop(h);

    // With appendonly no the RDB is what loads.
    h = await server(dir);
    assert.equal(await h.r.call('GET', 'a'), '1');
    await stop(h);
  });

  test('DEBUG LOADAOF reloads from the files; without AOF files it is an error', async () => {
    const dir = tmp();
    const h = await server(dir);
    const { r } = h;
    await assert.rejects(r.call('DEBUG', 'LOADAOF'), /ERR Error trying to load the AOF files, check server logs\./);
    await r.call('CONFIG', 'SET', 'appendonly', 'yes');
    await r.call('SET', 'foo', 'bar', 'EX', '100');
    await r.call('SET', 'foo', 'bar2', 'KEEPTTL');
    await r.call('SET', 'p', 'x', 'EX', '100');
    await r.call('GETEX', 'p', 'PERSIST');
    assert.equal(await r.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await r.call('GET', 'foo'), 'bar2');
    const ttl = (await r.call('TTL', 'foo')) as number;
    assert.ok(ttl > 90 && ttl <= 100);
    assert.equal(await r.call('TTL', 'p'), -1);
    // The reload itself is not logged: the incr file does not grow.
    const incr = join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    const size = statSync(incr).size;
    assert.equal(await r.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(statSync(incr).size, size);
    await stop(h);
  });
});

describe('BGREWRITEAOF', () => {
  test('switches to a new base and incr file and deletes the old ones', async () => {
    const dir = tmp();
    let h = await server(dir, { appendonly: 'yes' });
    let r = h.r;
    for (let i = 0; i < 200; i++) await r.call('SET', `k${i}`, String(i));
    await r.call('CONFIG', 'SET', 'rdb-key-save-delay', '2000'); // 2 ms per key: the rewrite takes a while
    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    assert.equal((await info(r)).get('aof_rewrite_in_progress'), '1');
    await assert.rejects(r.call('BGREWRITEAOF'), /ERR Background append only file rewriting already in progress/);
    // Writes made during the rewrite go to the new incr file, already in the manifest.
    await r.call('SET', 'k0', 'changed');
    await r.call('SET', 'new', 'yes');
    assert.equal(manifestOf(dir),
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    await r.call('CONFIG', 'SET', 'rdb-key-save-delay', '0');
    await waitRewrite(r);
    assert.equal(manifestOf(dir), 'file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    assert.deepEqual(aofFiles(dir), ['appendonly.aof.2.base.rdb', 'appendonly.aof.2.incr.aof', 'appendonly.aof.manifest']);
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'), 'latin1');
    assert.ok(incr.includes('changed') && incr.includes('new'));
    assert.equal((await info(r)).get('aof_rewrites'), '1');
    await stop(h);

    h = await server(dir, { appendonly: 'yes' });
    r = h.r;
    assert.equal(await r.call('DBSIZE'), 201);
    assert.equal(await r.call('GET', 'k0'), 'changed');
    assert.equal(await r.call('GET', 'k199'), '199');
    assert.equal(await r.call('GET', 'new'), 'yes');
    await stop(h);
  });
});

describe('BGREWRITEAOF with the AOF disabled', () => {
  test('writes a base and a manifest that DEBUG LOADAOF reads', async () => {
    const dir = tmp();
    const h = await server(dir);
    const { r } = h;
    await r.call('SET', 'x', '10');
    await r.call('EXPIRE', 'x', '1000');
    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitRewrite(r);
    assert.equal((await info(r)).get('aof_enabled'), '0');
    assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.rdb seq 1 type b\n');
    await r.call('SET', 'x', 'changed'); // not logged: the AOF is off
    assert.equal(await r.call('DEBUG', 'LOADAOF'), 'OK');
    assert.equal(await r.call('GET', 'x'), '10');
    const ttl = (await r.call('TTL', 'x')) as number;
    assert.ok(ttl > 900 && ttl <= 1000);
    // A second rewrite continues the sequence and drops the old base.
    await r.call('BGREWRITEAOF');
    await waitRewrite(r);
    assert.equal(manifestOf(dir), 'file appendonly.aof.2.base.rdb seq 2 type b\n');
    assert.deepEqual(aofFiles(dir), ['appendonly.aof.2.base.rdb', 'appendonly.aof.manifest']);
    await stop(h);
  });
});

describe('damaged files', () => {
  async function prepared(): Promise<{ dir: string; incr: string }> {
    const dir = tmp();
    const h = await server(dir, { appendonly: 'yes' });
    await h.r.call('SET', 'a', '1');
    await h.r.call('SET', 'b', '2');
    await stop(h);
    return { dir, incr: join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof') };
  }

  test('a truncated tail is cut off with aof-load-truncated yes', async () => {
    const { dir, incr } = await prepared();
    const good = statSync(incr).size;
    appendFileSync(incr, '*3\r\n$3\r\nSET\r\n$1\r\nc\r\n$1');
    const h = await server(dir, { appendonly: 'yes' });
    assert.equal(await h.r.call('GET', 'b'), '2');
    assert.equal(await h.r.call('EXISTS', 'c'), 0);
    await h.r.call('SET', 'd', '4');
    await stop(h);
    // The file was truncated at the last whole command, then appended to.
    const text = readFileSync(incr, 'latin1');
    assert.ok(!text.slice(good).includes('$1\r\nc'));
    const h2 = await server(dir, { appendonly: 'yes' });
    assert.equal(await h2.r.call('GET', 'd'), '4');
    await stop(h2);
  });

  test('an incomplete MULTI at the end is reverted', async () => {
    const { dir, incr } = await prepared();
    const good = statSync(incr).size;
    appendFileSync(incr, '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$1\r\nm\r\n$1\r\n1\r\n');
    const h = await server(dir, { appendonly: 'yes' });
    assert.equal(await h.r.call('EXISTS', 'm'), 0);
    assert.equal(await h.r.call('GET', 'a'), '1');
    await stop(h);
    assert.equal(statSync(incr).size, good);
  });

  test('a truncated file is refused with aof-load-truncated no', async () => {
    const { dir, incr } = await prepared();
    appendFileSync(incr, '*3\r\n$3\r\nSET');
    await assert.rejects(startServer({ config: { dir, appendonly: 'yes', 'aof-load-truncated': 'no' } }));
  });

  test('garbage and unknown commands are refused', async () => {
    const { dir, incr } = await prepared();
    const original = readFileSync(incr);
    appendFileSync(incr, 'garbage\r\n');
    await assert.rejects(startServer({ config: { dir, appendonly: 'yes' } }));
    writeFileSync(incr, Buffer.concat([original, Buffer.from('*1\r\n$7\r\nNOTACMD\r\n')]));
    await assert.rejects(startServer({ config: { dir, appendonly: 'yes' } }));
  });

  test('a file named by the manifest but missing is fatal', async () => {
    const { dir, incr } = await prepared();
    rmSync(incr);
    await assert.rejects(startServer({ config: { dir, appendonly: 'yes' } }));
    assert.ok(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest')));
  });
});

describe('appendfsync', () => {
  test('every mode writes the command before the reply', async () => {
    for (const mode of ['always', 'everysec', 'no']) {
      const dir = tmp();
      const h = await server(dir, { appendonly: 'yes', appendfsync: mode });
      await h.r.call('SET', 'key', `value-${mode}`);
      const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
      assert.ok(incr.includes(`value-${mode}`), mode);
      await stop(h);
    }
  });
});

describe('manifest format', () => {
  test('parse and format round trip, with history and quoted names', () => {
    const text = 'file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.2.incr.aof seq 2 type h\n' +
      'file "my file.incr.aof" seq 4 type i\nfile appendonly.aof.5.incr.aof seq 5 type i\n';
    const m = parseManifest(text);
    assert.equal(m.base?.name, 'appendonly.aof.3.base.rdb');
    assert.equal(m.history.length, 1);
    assert.deepEqual(m.incrs.map((i) => i.name), ['my file.incr.aof', 'appendonly.aof.5.incr.aof']);
    assert.equal(m.currIncrSeq, 5);
    assert.equal(formatManifest(m), text);
    // Comments and blank lines are ignored; key order does not matter.
    assert.equal(parseManifest('# comment\n\ntype i seq 1 file x.aof\n').incrs[0]!.name, 'x.aof');
  });

  test('malformed manifests are rejected', () => {
    assert.throws(() => parseManifest('file a seq 1\n'), /Invalid AOF manifest file format/);
    assert.throws(() => parseManifest('file a seq x type i\n'), /Invalid AOF manifest file format/);
    assert.throws(() => parseManifest('file a seq 1 type z\n'), /Invalid AOF manifest file format/);
    assert.throws(() => parseManifest('file a seq 1 type b\nfile b seq 2 type b\n'), /duplicate base/);
    assert.throws(() => parseManifest('file a seq 2 type i\nfile b seq 1 type i\n'), /non-monotonic/);
  });
});

describe('aof-use-rdb-preamble no: the base in command format', () => {
  test('BGREWRITEAOF writes SELECT/SET/RPUSH/SADD/ZADD/HMSET/XADD.../PEXPIREAT in batches of 64 and it loads back', async () => {
    const dir = tmp();
    let h = await server(dir, { appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    let r = h.r;
    assert.equal(manifestOf(dir), 'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    await r.call('SET', 'str', 'hello');
    await r.call('SET', 'num', '12345');
    await r.call('SET', 'ttl', 'x', 'PX', '100000000');
    await r.call('RPUSH', 'list', ...Array.from({ length: 150 }, (_, i) => `e${i}`));
    await r.call('SADD', 'set', ...Array.from({ length: 100 }, (_, i) => `m${i}`));
    await r.call('SADD', 'iset', '1', '2', '3');
    await r.call('ZADD', 'zset', ...Array.from({ length: 70 }, (_, i) => [String(i + 0.5), `z${i}`]).flat());
    await r.call('HSET', 'hash', 'a', '1', 'b', '2');
    await r.call('HSET', 'vhash', 'a', '1', 'b', '2');
    await r.call('HPEXPIREAT', 'vhash', String(Date.now() + 100000000), 'FIELDS', '1', 'a');
    await r.call('XADD', 'stream', '1-1', 'f', 'v1');
    await r.call('XADD', 'stream', '2-1', 'f', 'v2', 'g', 'w');
    await r.call('XADD', 'stream', '3-1', 'f', 'v3');
    await r.call('XDEL', 'stream', '3-1');
    await r.call('XGROUP', 'CREATE', 'stream', 'grp', '0');
    await r.call('XREADGROUP', 'GROUP', 'grp', 'alice', 'COUNT', '1', 'STREAMS', 'stream', '>');
    await r.call('XGROUP', 'CREATECONSUMER', 'stream', 'grp', 'bob');
    await r.call('XADD', 'empty', '5-5', 'x', 'y');
    await r.call('XDEL', 'empty', '5-5');
    await r.call('SELECT', '2');
    await r.call('SET', 'other', 'db2');
    await r.call('SELECT', '0');
    const digest = await r.call('DEBUG', 'DIGEST');
    const pending = await r.call('XPENDING', 'stream', 'grp', '-', '+', '10');
    const xinfo = await r.call('XINFO', 'STREAM', 'empty');

    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitRewrite(r);
    assert.match(manifestOf(dir), /^file appendonly\.aof\.2\.base\.aof seq 2 type b\n/);
    const base = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1');
    assert.ok(base.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n'), base.slice(0, 40));
    // 150 elements: RPUSH of 64, 64 and 22; ZADD of 64 and 6 pairs; SADD of 64 and 36.
    assert.equal(base.split('*66\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n').length - 1, 2);
    assert.equal(base.split('*24\r\n$5\r\nRPUSH\r\n$4\r\nlist\r\n').length - 1, 1);
    assert.equal(base.split('*130\r\n$4\r\nZADD\r\n$4\r\nzset\r\n').length - 1, 1);
    assert.equal(base.split('*14\r\n$4\r\nZADD\r\n$4\r\nzset\r\n').length - 1, 1);
    assert.equal(base.split('*66\r\n$4\r\nSADD\r\n$3\r\nset\r\n').length - 1, 1);
    assert.equal(base.split('*38\r\n$4\r\nSADD\r\n$3\r\nset\r\n').length - 1, 1);
    assert.ok(base.includes('*3\r\n$3\r\nSET\r\n$3\r\nstr\r\n$5\r\nhello\r\n'));
    assert.ok(base.includes('$5\r\nHMSET\r\n$4\r\nhash\r\n'));
    assert.match(base, /\$10\r\nHPEXPIREAT\r\n\$5\r\nvhash\r\n\$13\r\n\d{13}\r\n\$6\r\nFIELDS\r\n\$1\r\n1\r\n\$1\r\na\r\n/);
    assert.match(base, /\$9\r\nPEXPIREAT\r\n\$3\r\nttl\r\n\$13\r\n\d{13}\r\n/);
    assert.ok(base.includes('*5\r\n$4\r\nXADD\r\n$6\r\nstream\r\n$3\r\n1-1\r\n$1\r\nf\r\n$2\r\nv1\r\n'));
    assert.ok(base.includes('*7\r\n$6\r\nXSETID\r\n$6\r\nstream\r\n$3\r\n3-1\r\n$12\r\nENTRIESADDED\r\n$1\r\n3\r\n$12\r\nMAXDELETEDID\r\n$3\r\n3-1\r\n'));
    assert.ok(base.includes('*7\r\n$4\r\nXADD\r\n$5\r\nempty\r\n$6\r\nMAXLEN\r\n$1\r\n0\r\n$3\r\n0-1\r\n$1\r\nx\r\n$1\r\ny\r\n'));
    // (The deleted entry leaves entries_read unknown: -1.)
    assert.ok(base.includes('$6\r\nXGROUP\r\n$6\r\nCREATE\r\n$6\r\nstream\r\n$3\r\ngrp\r\n$3\r\n1-1\r\n$11\r\nENTRIESREAD\r\n'));
    assert.match(base, /\*12\r\n\$6\r\nXCLAIM\r\n\$6\r\nstream\r\n\$3\r\ngrp\r\n\$5\r\nalice\r\n\$1\r\n0\r\n\$3\r\n1-1\r\n\$4\r\nTIME\r\n\$13\r\n\d{13}\r\n\$10\r\nRETRYCOUNT\r\n\$1\r\n1\r\n\$6\r\nJUSTID\r\n\$5\r\nFORCE\r\n/);
    assert.ok(base.includes('*5\r\n$6\r\nXGROUP\r\n$14\r\nCREATECONSUMER\r\n$6\r\nstream\r\n$3\r\ngrp\r\n$3\r\nbob\r\n'));
    assert.ok(base.includes('*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*3\r\n$3\r\nSET\r\n$5\r\nother\r\n$3\r\ndb2\r\n'));

    const same = async () => {
      assert.equal(await r.call('DEBUG', 'DIGEST'), digest);
      const p = (await r.call('XPENDING', 'stream', 'grp', '-', '+', '10')) as Array<[string, string, number, number]>;
      assert.deepEqual(p.map((e) => [e[0], e[1], e[3]]), (pending as typeof p).map((e) => [e[0], e[1], e[3]]));
      assert.deepEqual(await r.call('XINFO', 'STREAM', 'empty'), xinfo);
      assert.ok(((await r.call('HPEXPIRETIME', 'vhash', 'FIELDS', '1', 'a')) as number[])[0]! > Date.now());
    };
    assert.equal(await r.call('DEBUG', 'LOADAOF'), 'OK');
    await same();
    await stop(h);
    h = await server(dir, { appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    r = h.r;
    await same();
    await stop(h);
  });
});

const VALKEY_BIN = '/work/valkey-src/src/valkey-server';

describe('a command-format AOF written by Peregrine loads in valkey-server', { skip: existsSync(VALKEY_BIN) ? false : `${VALKEY_BIN} not found` }, () => {
  test('same DEBUG DIGEST after valkey-server loads the base and incr files', async () => {
    const dir = tmp();
    const h = await server(dir, { appendonly: 'yes', 'aof-use-rdb-preamble': 'no' });
    const r = h.r;
    await r.call('SET', 's', 'hello');
    await r.call('RPUSH', 'l', ...Array.from({ length: 100 }, (_, i) => `e${i}`));
    await r.call('SADD', 'st', 'x', 'y', '1');
    await r.call('ZADD', 'z', '1.5', 'a', '-2', 'b');
    await r.call('HSET', 'h', 'f', 'v', 'g', 'w');
    await r.call('SET', 't', 'v', 'PX', '100000000');
    await r.call('XADD', 'x', '1-1', 'f', 'v');
    await r.call('XADD', 'x', '2-1', 'f', 'w');
    await r.call('XGROUP', 'CREATE', 'x', 'g', '0');
    await r.call('XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '1', 'STREAMS', 'x', '>');
    await r.call('XGROUP', 'CREATECONSUMER', 'x', 'g', 'bob');
    await r.call('BGREWRITEAOF');
    await waitRewrite(r);
    await r.call('SET', 'after', 'rewrite'); // into the incr file
    const digest = await r.call('DEBUG', 'DIGEST');
    await stop(h);

    const port = await new Promise<number>((res) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
    });
    const child = spawn(VALKEY_BIN, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', '',
      '--enable-debug-command', 'yes'], { stdio: 'ignore' });
    try {
      const v = new Valkey({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      v.on('error', () => {});
      let up = false;
      for (let i = 0; i < 200 && !up; i++) {
        try { await v.connect(); up = (await v.call('PING')) === 'PONG'; } catch { v.disconnect(); await sleep(50); }
      }
      assert.ok(up, 'valkey-server started');
      for (let i = 0; i < 200 && (await v.call('INFO', 'persistence') as string).includes('loading:1'); i++) await sleep(20);
      assert.equal(await v.call('DEBUG', 'DIGEST'), digest);
      v.disconnect();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
