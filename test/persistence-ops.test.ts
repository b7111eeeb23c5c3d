// Persistence as an operator meets it: start-up loading in slices (-LOADING and the loading_*
// INFO fields meanwhile, progress log lines), corrupt and truncated files refused with a non-zero
// exit, MISCONF after a failed background save, FLUSHALL and SIGTERM saving when save points
// exist, and no acknowledged write lost after kill -9 with appendfsync always. The server runs
// as a child process (node dist/src/cli.js) where signals and exit codes matter.
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RdbOut, writeHeader, RDB_VERSION } from '../src/persistence/rdb.js';
import { Crc64 } from '../src/persistence/crc64.js';
import net from 'node:net';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const dirs: string[] = [];
const children: ChildProcess[] = [];
const clients: Valkey[] = [];
const servers: RunningServer[] = [];

after(async () => {
  for (const c of clients) c.disconnect();
  for (const s of servers) await s.close();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'peregrine-pops-'));
  dirs.push(d);
  return d;
}

interface Child {
  proc: ChildProcess;
  port: number;
  log: string[];
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/** Starts `node dist/src/cli.js` in `dir`; resolves once it listens (port > 0) or has exited (port 0). */
function spawnCli(dir: string, args: string[], opts: { fsizeKb?: number; env?: Record<string, string> } = {}): Promise<Child> {
  const argv = [CLI, '--port', '0', '--bind', '127.0.0.1', '--dir', dir, ...args];
  const env = opts.env === undefined ? process.env : { ...process.env, ...opts.env };
  // fsizeKb: a file size limit (ulimit -f) makes writes past it fail with EFBIG (Node ignores SIGXFSZ).
  // /bin/sh is dash here, whose ulimit -f counts 512-byte blocks: the limit is fsizeKb * 512 bytes.
  const proc = opts.fsizeKb === undefined
    ? spawn(process.execPath, argv, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('/bin/sh', ['-c', `ulimit -S -f ${opts.fsizeKb}; exec "$0" "$@"`, process.execPath, ...argv], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  const log: string[] = [];
  const exited = new Promise<number | string>((res) => proc.on('exit', (code, sig) => res(code ?? sig ?? -1)));
  return new Promise((resolve) => {
    let done = false;
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        log.push(line);
        const m = /Running mode=standalone, port=(\d+)/.exec(line);
        if (m && !done) { done = true; resolve({ proc, port: Number(m[1]), log, exited }); }
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    void exited.then(() => { if (!done) { done = true; resolve({ proc, port: 0, log, exited }); } });
  });
}

/** Starts the server again on `dir` with the AOF on (after a crash or kill): the child and a client. */
async function restartWithAof(dir: string): Promise<{ ch2: Child; r2: Valkey }> {
  const ch2 = await spawnCli(dir, ['--appendonly', 'yes']);
  assert.ok(ch2.port > 0, ch2.log.join('\n'));
  return { ch2, r2: connect(ch2.port) };
}

/** kill -9, then restartWithAof(). */
async function killAndRestartWithAof(ch: Child, dir: string): Promise<{ ch2: Child; r2: Valkey }> {
  ch.proc.kill('SIGKILL');
  await ch.exited;
  return restartWithAof(dir);
}

function connect(port: number): Valkey {
  const r = new Valkey({ host: '127.0.0.1', port, lazyConnect: false, enableReadyCheck: false, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  r.on('error', () => {});
  clients.push(r);
  return r;
}

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, ms = 10000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function infoMap(r: Valkey, section = 'persistence'): Promise<Map<string, string>> {
  const text = (await r.call('INFO', section)) as string;
  const m = new Map<string, string>();
  for (const l of text.split('\r\n')) {
    const i = l.indexOf(':');
    if (i > 0) m.set(l.slice(0, i), l.slice(i + 1));
  }
  return m;
}

async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return '(no error)';
}

/** An RDB file of `n` keys (DEBUG POPULATE) written by an in-process server. */
async function makeRdb(dir: string, n: number): Promise<void> {
  const srv = await startServer({ config: { dir, 'enable-debug-command': 'yes' } });
  const r = new Valkey({ port: srv.port, lazyConnect: false });
  await r.call('DEBUG', 'POPULATE', String(n));
  await r.call('SADD', 'aset', 'a', 'b', 'c');
  await r.call('SAVE');
  r.disconnect();
  await srv.close();
}

// ------------------------------------------------------------------ loading at start-up

describe('loading at start-up', () => {
  test('clients get -LOADING while the file loads in slices; INFO shows the progress; then all keys are there', async () => {
    const dir = tmp();
    await makeRdb(dir, 3000);
    const size = statSync(join(dir, 'dump.rdb')).size;
    // key-load-delay (µs per key) makes the load take a few seconds (at least 3 s: one progress
    // line). Few keys with a long wait each: every wait also costs a timer wake-up, whose price
    // grows on a busy machine (25,000 waits of 100 µs once took over 30 s there).
    const ch = await spawnCli(dir, ['--save', '', '--key-load-delay', '1000', '--loading-process-events-interval-bytes', '1024']);
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    await waitFor(async () => (await infoMap(r)).get('loading') === '1', 'loading:1', 5000);
    assert.equal(await errorOf(r.call('GET', 'key:1')), 'LOADING Valkey is loading the dataset in memory');
    assert.equal(await errorOf(r.call('DBSIZE')), 'LOADING Valkey is loading the dataset in memory');
    assert.equal(await errorOf(r.call('PING')), 'LOADING Valkey is loading the dataset in memory');
    assert.equal(await r.call('ECHO', 'x'), 'x', 'commands flagged loading run');
    // The loading state starts before the first slice is read: wait for that slice.
    await waitFor(async () => Number((await infoMap(r)).get('loading_loaded_bytes')) > 0, 'the first slice', 5000);
    const m = await infoMap(r);
    assert.equal(m.get('loading_total_bytes'), String(size));
    const loaded = Number(m.get('loading_loaded_bytes'));
    assert.ok(loaded > 0 && loaded < size, `loaded ${loaded} of ${size}`);
    const perc = Number(m.get('loading_loaded_perc'));
    assert.ok(perc > 0 && perc < 100, `perc ${perc}`);
    assert.ok(Math.abs(Number(m.get('loading_start_time')) - Date.now() / 1000) < 30);
    assert.match(m.get('loading_eta_seconds') ?? '', /^\d+$/);
    assert.ok(Number(m.get('loading_rdb_used_mem')) > 0);
    // Progress advances between two looks.
    await sleep(300);
    assert.ok(Number((await infoMap(r)).get('loading_loaded_bytes')) > loaded);

    await waitFor(async () => (await infoMap(r)).get('loading') === '0', 'the end of loading', 60000);
    const done = await infoMap(r);
    assert.equal(done.get('loading_total_bytes'), undefined, 'the loading_* fields go away');
    assert.equal(done.get('rdb_last_load_keys_loaded'), '3001');
    assert.equal(await r.call('DBSIZE'), 3001);
    assert.equal(await r.call('GET', 'key:2999'), 'value:2999');
    assert.ok(ch.log.some((l) => /Loading RDB: \d+\.\d\d% \(\d+ of \d+ bytes, \d+ keys\)/.test(l)), 'a progress log line');
    assert.ok(ch.log.some((l) => /DB loaded from disk: \d+\.\d{3} seconds/.test(l)));
    ch.proc.kill('SIGKILL');
    await ch.exited;
  });

  test('a truncated file: a clear log message, exit code 1, nothing served', async () => {
    const dir = tmp();
    await makeRdb(dir, 2000);
    const path = join(dir, 'dump.rdb');
    const full = readFileSync(path);
    writeFileSync(path, full.subarray(0, Math.floor(full.length / 2)));
    const ch = await spawnCli(dir, ['--save', '']);
    assert.equal(await ch.exited, 1);
    const text = ch.log.join('\n');
    assert.match(text, /Short read or OOM loading DB\. Unrecoverable error, aborting now\./);
    assert.match(text, /Fatal error loading the DB, check server logs\. Exiting\./);
    assert.doesNotMatch(text, /Ready to accept connections/);
  });

  test('a corrupt byte: refused by the checksum (exit code 1); a garbage file: wrong signature', async () => {
    const dir = tmp();
    await makeRdb(dir, 500);
    const path = join(dir, 'dump.rdb');
    const data = readFileSync(path);
    // Flip a byte of a value (the last key's value bytes are just before EOF + CRC).
    data[data.length - 12] ^= 0x20;
    writeFileSync(path, data);
    let ch = await spawnCli(dir, ['--save', '']);
    assert.equal(await ch.exited, 1);
    assert.match(ch.log.join('\n'), /Wrong RDB checksum expected: \([0-9a-f]+\) got \([0-9a-f]+\)\. Aborting now\./);

    writeFileSync(path, 'this is not an RDB file at all');
    ch = await spawnCli(dir, ['--save', '']);
    assert.equal(await ch.exited, 1);
    assert.match(ch.log.join('\n'), /Wrong signature trying to load DB from file/);
  });

  test('the AOF loads in slices too (-LOADING meanwhile)', async () => {
    const dir = tmp();
    const srv = await startServer({ config: { dir, appendonly: 'yes', 'enable-debug-command': 'yes' } });
    const w = new Valkey({ port: srv.port, lazyConnect: false });
    const p = w.pipeline();
    for (let i = 0; i < 5000; i++) p.call('SET', `k${i}`, `v${i}`);
    await p.exec();
    w.disconnect();
    await srv.close();
    const ch = await spawnCli(dir, ['--save', '', '--appendonly', 'yes', '--loading-process-events-interval-bytes', '1024', '--key-load-delay', '0']);
    const r = connect(ch.port);
    // Replaying 5000 commands takes long enough to see the state at least once, or it is
    // already over: either way the keys are all there at the end and nothing was half-served.
    const first = await r.call('DBSIZE').catch((e: Error) => e.message);
    assert.ok(first === 5000 || first === 'LOADING Valkey is loading the dataset in memory', String(first));
    await waitFor(async () => (await infoMap(r)).get('loading') === '0', 'the end of loading');
    assert.equal(await r.call('DBSIZE'), 5000);
    assert.equal(await r.call('GET', 'k4999'), 'v4999');
    ch.proc.kill('SIGKILL');
    await ch.exited;
  });
});

// ------------------------------------------------------------------ MISCONF

const MISCONF = "MISCONF Valkey is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Valkey logs for details about the RDB error.";

/** A server in a fresh directory with a save point (so a failed save turns on MISCONF), and a client. */
async function withSavePoint(): Promise<{ dir: string; r: Valkey }> {
  const dir = tmp();
  const srv = await startServer({ config: { dir, save: '3600 1' } });
  servers.push(srv);
  return { dir, r: connect(srv.port) };
}

describe('stop-writes-on-bgsave-error', () => {
  test('after a failed BGSAVE writes (and PING) get MISCONF until a save succeeds or the option is off', async () => {
    const { dir, r } = await withSavePoint();
    await r.call('SET', 'a', '1');
    // The final rename cannot replace a non-empty directory: the save fails (even as root).
    mkdirSync(join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the save to end');
    assert.equal((await infoMap(r)).get('rdb_last_bgsave_status'), 'err');
    assert.equal(await errorOf(r.call('SET', 'b', '2')), MISCONF);
    assert.equal(await errorOf(r.call('PING')), MISCONF);
    assert.equal(await errorOf(r.call('INCR', 'n')), MISCONF);
    // Writes are refused when queued, which aborts the transaction.
    await r.call('MULTI');
    assert.equal(await errorOf(r.call('SET', 'c', '3')), MISCONF);
    assert.equal(await errorOf(r.call('EXEC')), 'EXECABORT Transaction discarded because of previous errors.');
    // Reads still work.
    assert.equal(await r.call('GET', 'a'), '1');
    assert.equal((await infoMap(r, 'errorstats')).get('errorstat_MISCONF')?.startsWith('count='), true);

    await r.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'no');
    assert.equal(await r.call('SET', 'b', '2'), 'OK');
    await r.call('CONFIG', 'SET', 'stop-writes-on-bgsave-error', 'yes');
    assert.equal(await errorOf(r.call('SET', 'b', '3')), MISCONF);
    // Without save points there is nothing to protect.
    await r.call('CONFIG', 'SET', 'save', '');
    assert.equal(await r.call('SET', 'b', '3'), 'OK');
    await r.call('CONFIG', 'SET', 'save', '3600 1');
    assert.equal(await errorOf(r.call('SET', 'b', '4')), MISCONF);

    // A successful save lifts it.
    rmSync(join(dir, 'dump.rdb'), { recursive: true });
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the save to end');
    assert.equal((await infoMap(r)).get('rdb_last_bgsave_status'), 'ok');
    assert.equal(await r.call('SET', 'b', '4'), 'OK');
    assert.equal(await r.call('PING'), 'PONG');
  });
});

describe('a BGSAVE whose temporary file cannot be created', () => {
  test('answers "Background saving started", then fails as Valkey\'s child does: status err, the log lines, MISCONF with save points', async () => {
    const dir = tmp();
    const data = join(dir, 'data');
    mkdirSync(data);
    const logs: string[] = [];
    const srv = await startServer({ config: { dir: data, save: '', loglevel: 'notice' }, logSink: (l: string) => logs.push(l) });
    servers.push(srv);
    const r = connect(srv.port);
    await r.call('SET', 'a', '1');
    // (Root ignores permissions: the directory goes away instead.)
    rmSync(data, { recursive: true });
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the save to end');
    assert.equal((await infoMap(r)).get('rdb_last_bgsave_status'), 'err');
    assert.ok(logs.some((l) => /Failed opening the temp RDB file temp-\d+-\d+\.rdb \(in server root dir .*\) for saving: No such file or directory/.test(l)), logs.join('\n'));
    assert.ok(logs.some((l) => /# Background saving error$/.test(l)), logs.join('\n'));
    // No save points: nothing to protect, writes go on.
    assert.equal(await r.call('SET', 'b', '2'), 'OK');
    await r.call('CONFIG', 'SET', 'save', '3600 1');
    assert.equal(await errorOf(r.call('SET', 'b', '3')), MISCONF);
    // BGSAVE itself is still accepted (and fails again); once the directory is back a save lifts it.
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the save to end');
    assert.equal(await errorOf(r.call('SET', 'b', '3')), MISCONF);
    mkdirSync(data);
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the save to end');
    assert.equal((await infoMap(r)).get('rdb_last_bgsave_status'), 'ok');
    assert.equal(await r.call('SET', 'b', '3'), 'OK');
  });
});

describe('scripts under MISCONF', () => {
  test('scripts that may write are refused (declared flags up front, flagless EVAL at its first write); read-only and no-writes scripts run', async () => {
    const { dir, r } = await withSavePoint();
    await r.call('SET', 'x', 'x');
    await r.call('FUNCTION', 'LOAD', [
      '#!lua name=lib',
      "redis.register_function('w', function(k) return redis.call('set', k[1], 1) end)",
      "redis.register_function{function_name='ro', callback=function(k) return redis.call('get', k[1]) end, flags={'no-writes'}}",
    ].join('\n'));
    // The final rename cannot replace a non-empty directory: the save fails.
    mkdirSync(join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    assert.equal(await r.call('BGSAVE'), 'Background saving started');
    await waitFor(async () => (await infoMap(r)).get('rdb_last_bgsave_status') === 'err', 'the save to fail');

    // A flagless EVAL runs; its first write command fails with MISCONF (the script error names the script).
    const evalErr = await errorOf(r.call('EVAL', "return redis.call('set','x',1)", '1', 'x'));
    assert.ok(evalErr.startsWith(MISCONF + ' script: '), evalErr);
    assert.equal(await r.call('EVAL', "return redis.call('get','x')", '1', 'x'), 'x');
    // pcall sees the error as a value: nothing was written.
    assert.equal(await r.call('EVAL', "local ok = redis.pcall('set','x',2); return ok['err']", '1', 'x'), MISCONF);
    // Declared flags: refused before running unless no-writes.
    assert.equal(await errorOf(r.call('EVAL', "#!lua\nreturn redis.call('set','x',1)", '1', 'x')), MISCONF);
    assert.equal(await r.call('EVAL', "#!lua flags=no-writes\nreturn redis.call('get','x')", '1', 'x'), 'x');
    assert.equal(await r.call('EVAL_RO', "return redis.call('get','x')", '1', 'x'), 'x');
    // Functions always declare flags.
    assert.equal(await errorOf(r.call('FCALL', 'w', '1', 'x')), MISCONF);
    assert.equal(await r.call('FCALL', 'ro', '1', 'x'), 'x');
    assert.equal(await r.call('FCALL_RO', 'ro', '1', 'x'), 'x');
    // In a transaction: the flagless script is queued and fails when EXEC runs it.
    await r.call('MULTI');
    assert.equal(await r.call('EVAL', "return redis.call('set','x',1)", '1', 'x'), 'QUEUED');
    const out = await r.call('EXEC') as unknown[];
    assert.ok(out[0] instanceof Error && out[0].message.startsWith(MISCONF + ' script: '), String(out[0]));
    assert.equal(await r.call('GET', 'x'), 'x', 'nothing was written');

    // Once a save succeeds the same scripts write again.
    rmSync(join(dir, 'dump.rdb'), { recursive: true });
    await r.call('BGSAVE');
    await waitFor(async () => (await infoMap(r)).get('rdb_last_bgsave_status') === 'ok', 'a good save');
    assert.equal(await r.call('EVAL', "return redis.call('set','x',1)", '1', 'x'), 'OK');
    assert.equal(await r.call('FCALL', 'w', '1', 'x'), 'OK');
  });
});

describe('AOF write errors', () => {
  const AOF_MISCONF = 'MISCONF Errors writing to the AOF file: No space left on device';

  test('appendfsync always: a failed write ends the process (exit code 1, the log line), the write is not acknowledged', async () => {
    const dir = tmp();
    const ch = await spawnCli(dir, ['--appendonly', 'yes', '--appendfsync', 'always'], { fsizeKb: 64 });
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    assert.equal(await r.call('SET', 'small', 'v'), 'OK');
    // 100 KB past a 64 KB file size limit: a short write.
    const err = await errorOf(r.call('SET', 'big', 'x'.repeat(100_000)));
    assert.notEqual(err, '(no error)', 'no OK for a write that is not on disk');
    assert.equal(await ch.exited, 1);
    assert.ok(ch.log.some((l) => /# Short write while writing to the AOF file: \(nwritten=\d+, expected=\d+\)/.test(l)), ch.log.join('\n'));
    assert.ok(ch.log.some((l) => /# Can't recover from AOF write error when the AOF fsync policy is 'always'\. Exiting\.\.\./.test(l)), ch.log.join('\n'));
    // The partial command was taken back out: the AOF loads, with the acknowledged write only.
    const { ch2, r2 } = await restartWithAof(dir);
    assert.deepEqual(await r2.call('KEYS', '*'), ['small']);
    ch2.proc.kill('SIGKILL');
  });

  test('appendfsync everysec: MISCONF (Valkey\'s text) until a retry from the cron succeeds; nothing is lost', async () => {
    const dir = tmp();
    const ch = await spawnCli(dir, ['--appendonly', 'yes', '--appendfsync', 'everysec'], { fsizeKb: 64 });
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    // The write itself is applied and answered (its bytes wait in memory), as in Valkey.
    assert.equal(await r.call('SET', 'big', 'x'.repeat(100_000)), 'OK');
    assert.equal(await errorOf(r.call('SET', 'k', 'v')), AOF_MISCONF);
    assert.equal(await errorOf(r.call('PING')), AOF_MISCONF);
    assert.equal((await infoMap(r)).get('aof_last_write_status'), 'err');
    // Scripts: flagless EVAL at its first write, declared flags up front with the AOF text.
    const evalErr = await errorOf(r.call('EVAL', "return redis.call('set','k','v')", '0'));
    assert.ok(evalErr.startsWith(AOF_MISCONF + ' script: '), evalErr);
    assert.equal(await r.call('GET', 'k'), null);
    await sleep(300); // a few failed retries: one log line per 30 s
    assert.equal(ch.log.filter((l) => /Short write while writing to the AOF file|Error writing to the AOF file/.test(l)).length, 1, ch.log.join('\n'));
    // Room again: the cron's retry writes the queued bytes and lifts the error.
    execFileSync('prlimit', ['--pid', String(ch.proc.pid), '--fsize=unlimited:unlimited']);
    await waitFor(async () => (await infoMap(r)).get('aof_last_write_status') === 'ok', 'the retry to succeed');
    assert.ok(ch.log.some((l) => /AOF write error looks solved\. The server can write again\./.test(l)));
    assert.equal(await r.call('SET', 'k', 'v'), 'OK');
    const { ch2, r2 } = await killAndRestartWithAof(ch, dir);
    assert.equal(await r2.call('STRLEN', 'big'), 100_000);
    assert.equal(await r2.call('GET', 'k'), 'v');
    ch2.proc.kill('SIGKILL');
  });
});

/**
 * A preload library that makes fsync and fdatasync fail with EIO while the file named by
 * PEREGRINE_TEST_FAIL_FSYNC exists (the file size limit above can only fail writes). Null when no
 * C compiler is installed.
 */
function failingFsyncLibrary(): string | null {
  const d = tmp();
  const src = join(d, 'failfsync.c');
  writeFileSync(src, `#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
static int failing(void) {
  const char *flag = getenv("PEREGRINE_TEST_FAIL_FSYNC");
  return flag != NULL && access(flag, F_OK) == 0;
}
int fdatasync(int fd) {
  static int (*real)(int);
  if (failing()) { errno = EIO; return -1; }
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
  return real(fd);
}
int fsync(int fd) {
  static int (*real)(int);
  if (failing()) { errno = EIO; return -1; }
  if (real == NULL) real = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
  return real(fd);
}
`);
  const lib = join(d, 'failfsync.so');
  try {
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', lib, src, '-ldl'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  return lib;
}

describe('AOF fsync errors (appendfsync everysec)', () => {
  const lib = failingFsyncLibrary();
  const FSYNC_MISCONF = 'MISCONF Errors writing to the AOF file: Input/output error';

  test('a failed fsync turns on MISCONF and aof_last_write_status:err; the next fsync that works (new AOF bytes, a rewrite, AOF off and on) lifts them', { skip: lib === null ? 'no C compiler for the fsync preload library' : false }, async () => {
    const dir = tmp();
    const flag = join(dir, 'fail-fsync');
    const ch = await spawnCli(dir, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--enable-debug-command', 'yes'],
      { env: { LD_PRELOAD: lib!, PEREGRINE_TEST_FAIL_FSYNC: flag } });
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    const status = async () => (await infoMap(r)).get('aof_last_write_status');
    const fsyncLogLines = () => ch.log.filter((l) => /# Fail to fsync the AOF file: Input\/output error$/.test(l)).length;
    // Keys that expire without the active cycle: a read of one writes a DEL to the AOF.
    assert.equal(await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0'), 'OK');
    for (const k of ['t1', 't2', 't3']) await r.call('SET', k, 'x', 'PX', '1');

    writeFileSync(flag, '');
    // The write is applied and answered; its fsync, at most a second later, fails.
    assert.equal(await r.call('SET', 'k', 'v'), 'OK');
    await waitFor(async () => (await status()) === 'err', 'the failed fsync');
    assert.equal(await errorOf(r.call('SET', 'k2', 'v')), FSYNC_MISCONF);
    assert.equal(await errorOf(r.call('PING')), FSYNC_MISCONF);
    const evalErr = await errorOf(r.call('EVAL', "return redis.call('set','k2','v')", '0'));
    assert.ok(evalErr.startsWith(FSYNC_MISCONF + ' script: '), evalErr);
    assert.equal(await r.call('GET', 'k'), 'v', 'reads go on');
    const info = await infoMap(r);
    assert.equal(info.get('aof_last_bgrewrite_status'), 'ok');
    assert.equal(fsyncLogLines(), 1);
    // Still failing: the DEL of an expired key reaches the file, its fsync fails too (logged once only).
    assert.equal(await r.call('GET', 't1'), null);
    await sleep(1300);
    assert.equal(await status(), 'err');
    assert.equal(fsyncLogLines(), 1, ch.log.join('\n'));
    // The disk works again: nothing happens until there is something to fsync...
    rmSync(flag);
    await sleep(1300);
    assert.equal(await status(), 'err');
    assert.equal(await errorOf(r.call('SET', 'k2', 'v')), FSYNC_MISCONF);
    // ... then the next fsync (for another expired key's DEL) succeeds and writes are accepted.
    assert.equal(await r.call('GET', 't2'), null);
    await waitFor(async () => (await status()) === 'ok', 'a good fsync');
    assert.equal(await r.call('SET', 'k2', 'v2'), 'OK');

    // Once more; a rewrite fsyncs and closes the incr file it leaves, which lifts the error.
    writeFileSync(flag, '');
    assert.equal(await r.call('SET', 'k3', 'v3'), 'OK');
    await waitFor(async () => (await status()) === 'err', 'the second failed fsync');
    assert.equal(fsyncLogLines(), 2);
    rmSync(flag);
    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitFor(async () => (await status()) === 'ok', 'the fsync of the file the rewrite leaves');
    await waitFor(async () => (await infoMap(r)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
    assert.equal(await r.call('SET', 'k4', 'v4'), 'OK');

    // And AOF off then on: the error of the old AOF is dropped (Valkey's log line).
    writeFileSync(flag, '');
    assert.equal(await r.call('SET', 'k5', 'v5'), 'OK');
    await waitFor(async () => (await status()) === 'err', 'the third failed fsync');
    assert.equal(await r.call('CONFIG', 'SET', 'appendonly', 'no'), 'OK');
    assert.equal(await status(), 'err', 'the status stays while the AOF is off');
    assert.equal(await r.call('SET', 'k6', 'v6'), 'OK', 'no AOF, no AOF error');
    rmSync(flag);
    assert.equal(await r.call('CONFIG', 'SET', 'appendonly', 'yes'), 'OK');
    assert.equal(await status(), 'ok');
    assert.ok(ch.log.some((l) => /# AOF reopen, just ignore the AOF fsync error in bio job$/.test(l)), ch.log.join('\n'));
    await waitFor(async () => (await infoMap(r)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
    assert.equal(await r.call('SET', 'k7', 'v7'), 'OK');

    const { ch2, r2 } = await killAndRestartWithAof(ch, dir);
    assert.deepEqual((await r2.call('KEYS', 'k*') as string[]).sort(), ['k', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
    ch2.proc.kill('SIGKILL');
    await ch2.exited;
  });
});

describe('AOF bytes left unwritten when a rewrite opens a new incr file', () => {
  const LIMIT_BLOCKS = 128; // 64 KiB (512-byte blocks)

  /** db -> sorted keys of every non-empty db. */
  async function keysByDb(r: Valkey): Promise<Record<string, string[]>> {
    const out: Record<string, string[]> = {};
    for (let db = 0; db < 16; db++) {
      await r.call('SELECT', String(db));
      const keys = (await r.call('KEYS', '*') as string[]).sort();
      if (keys.length > 0) out[db] = keys;
    }
    await r.call('SELECT', '0');
    return out;
  }

  test('the rewrite fails: the bytes go into the file they belong to, and replay in their db', async () => {
    const dir = tmp();
    // Uncompressed values: the base of the rewrite is as big as the dataset.
    const ch = await spawnCli(dir, ['--appendonly', 'yes', '--appendfsync', 'everysec', '--rdbcompression', 'no'], { fsizeKb: LIMIT_BLOCKS });
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    assert.equal(await r.call('SELECT', '5'), 'OK');
    assert.equal(await r.call('SET', 'big', 'x'.repeat(40_000)), 'OK');
    // Past the file size limit: applied and answered, its bytes wait (the SELECT 5 is in the file already).
    assert.equal(await r.call('SET', 'big2', 'y'.repeat(30_000)), 'OK');
    assert.equal((await infoMap(r)).get('aof_last_write_status'), 'err');
    // The rewrite opens incr file 2, then fails: its base is past the limit too.
    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitFor(async () => (await infoMap(r)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
    assert.equal((await infoMap(r)).get('aof_last_bgrewrite_status'), 'err');
    const manifest = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1');
    assert.match(manifest, /appendonly\.aof\.1\.incr\.aof seq 1 type i\n.*appendonly\.aof\.2\.incr\.aof seq 2 type i\n$/s);
    // Room again: the waiting bytes reach incr file 1; later writes go to incr file 2.
    execFileSync('prlimit', ['--pid', String(ch.proc.pid), '--fsize=unlimited:unlimited']);
    await waitFor(async () => (await infoMap(r)).get('aof_last_write_status') === 'ok', 'the retry to succeed');
    assert.equal(await r.call('SET', 'k3', 'v3'), 'OK');
    const incr1 = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    const incr2 = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.2.incr.aof'), 'latin1');
    assert.ok(incr1.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n'), incr1.slice(0, 40));
    assert.ok(incr1.endsWith('y'.repeat(30_000) + '\r\n'), 'big2 ends incr file 1');
    assert.equal(incr2, '*2\r\n$6\r\nSELECT\r\n$1\r\n5\r\n*3\r\n$3\r\nSET\r\n$2\r\nk3\r\n$2\r\nv3\r\n');
    const { ch2, r2 } = await killAndRestartWithAof(ch, dir);
    assert.deepEqual(await keysByDb(r2), { 5: ['big', 'big2', 'k3'] });
    await r2.call('SELECT', '5');
    assert.equal(await r2.call('STRLEN', 'big2'), 30_000);
    ch2.proc.kill('SIGKILL');
    await ch2.exited;
  });

  test('the rewrite succeeds: its base holds their effect, they are not applied twice', async () => {
    const dir = tmp();
    const ch = await spawnCli(dir, ['--appendonly', 'yes', '--appendfsync', 'everysec'], { fsizeKb: LIMIT_BLOCKS });
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    assert.equal(await r.call('SELECT', '5'), 'OK');
    // Incr file 1 near the limit, the dataset not: a base fits.
    assert.equal(await r.call('SET', 'a', 'x'.repeat(30_000)), 'OK');
    assert.equal(await r.call('SET', 'a', 'x'.repeat(30_000)), 'OK');
    assert.equal(await r.call('APPEND', 'a', 'y'.repeat(10_000)), 40_000);
    assert.equal((await infoMap(r)).get('aof_last_write_status'), 'err');
    assert.equal(await r.call('BGREWRITEAOF'), 'Background append only file rewriting started');
    await waitFor(async () => (await infoMap(r)).get('aof_rewrite_in_progress') === '0', 'the rewrite');
    assert.equal((await infoMap(r)).get('aof_last_bgrewrite_status'), 'ok');
    // Nothing is left to write (the file the APPEND missed is history): writes go on, into incr file 2.
    await waitFor(async () => (await infoMap(r)).get('aof_last_write_status') === 'ok', 'the error to clear');
    assert.ok(ch.log.some((l) => /AOF write error looks solved\. The server can write again\./.test(l)));
    assert.equal(await r.call('SET', 'b', '1'), 'OK');
    const { ch2, r2 } = await killAndRestartWithAof(ch, dir);
    assert.deepEqual(await keysByDb(r2), { 5: ['a', 'b'] });
    await r2.call('SELECT', '5');
    assert.equal(await r2.call('STRLEN', 'a'), 40_000);
    ch2.proc.kill('SIGKILL');
    await ch2.exited;
  });
});

describe('damaged values in the RDB file at start-up', () => {
  /** An RDB file: `good` string keys, then one entry made of a DUMP payload's type byte and value under `key`. */
  function rdbWith(payload: Buffer, key: string, good: number): Buffer {
    const out = new RdbOut();
    writeHeader(out, { version: RDB_VERSION, compression: false, checksum: true, aux: [], accessInfo: null }, 0);
    out.byte(254); out.len(0);
    for (let i = 0; i < good; i++) { out.byte(0); out.str(Buffer.from(`good${i}`)); out.str(Buffer.from('v')); }
    out.byte(payload[0]!);
    out.str(Buffer.from(key));
    out.raw(payload.subarray(1, payload.length - 10));
    out.byte(255);
    const body = out.take();
    return Buffer.concat([body, new Crc64().update(body).bytes()]);
  }
  /** A DUMP payload with bytes `from` replaced by `to` (first occurrence) and its CRC fixed. */
  function damaged(p: Buffer, from: number[], to: number[]): Buffer {
    const b = Buffer.from(p);
    const i = b.indexOf(Buffer.from(from));
    assert.ok(i >= 0, `bytes ${Buffer.from(from).toString('hex')} in ${p.toString('hex')}`);
    Buffer.from(to).copy(b, i);
    const body = b.subarray(0, b.length - 8);
    return Buffer.concat([body, new Crc64().update(body).bytes()]);
  }

  test('what RESTORE calls "Bad data format" stops the start-up (exit 1, the key named in the log, nothing served); a repairable one loads consistent', async () => {
    const src = await startServer({ config: { dir: tmp() } });
    servers.push(src);
    const r = connect(src.port);
    await r.call('SADD', 'slp', 'aa', 'bb');
    await r.call('SADD', 'sint', '1', '2', '3');
    await r.call('HSET', 'h', 'f1', 'v1', 'f2', 'v2');
    await r.call('ZADD', 'z', '1', 'a', '2', 'b');
    const dump = async (k: string) => (await r.callBuffer('DUMP', k)) as Buffer;
    const cases: Array<[string, Buffer, RegExp]> = [
      ['duplicate set listpack members', damaged(await dump('slp'), [0x62, 0x62], [0x61, 0x61]), /Set listpack integrity check failed/],
      ['duplicate intset members', damaged(await dump('sint'), [2, 0, 3, 0], [1, 0, 3, 0]), /Intset integrity check failed/],
      ['unsorted intset', damaged(await dump('sint'), [1, 0, 2, 0, 3, 0], [3, 0, 2, 0, 1, 0]), /Intset integrity check failed/],
      ['duplicate hash fields', damaged(await dump('h'), [0x66, 0x32], [0x66, 0x31]), /Duplicate hash fields detected/],
      ['duplicate zset listpack members', damaged(await dump('z'), [0x81, 0x62], [0x81, 0x61]), /Zset listpack integrity check failed/],
    ];
    // The set listpack's entry count (u16 at offset 4 of the listpack, after the type and length bytes) one too high.
    {
      const b = Buffer.from(await dump('slp'));
      b.writeUInt16LE(b.readUInt16LE(6) + 1, 6);
      const body = b.subarray(0, b.length - 8);
      cases.push(['wrong set listpack entry count', Buffer.concat([body, new Crc64().update(body).bytes()]), /Set listpack integrity check failed/]);
    }
    for (const [what, payload, why] of cases) {
      assert.equal(await errorOf(r.call('RESTORE', 'x', '0', payload, 'REPLACE')), 'ERR Bad data format', what);
      const dir = tmp();
      writeFileSync(join(dir, 'dump.rdb'), rdbWith(payload, 'broken', 50));
      const ch = await spawnCli(dir, ['--save', '']);
      assert.equal(await ch.exited, 1, what);
      const log = ch.log.join('\n');
      assert.doesNotMatch(log, /Ready to accept connections/, what);
      assert.match(log, /Internal error in RDB reading offset \d+, key 'broken': /, what);
      assert.match(log, why, what);
      assert.match(log, /Terminating server after rdb file reading failure\./, what);
      assert.match(log, /Fatal error loading the DB, check server logs\. Exiting\./, what);
    }
    // A zset listpack out of score order is not lost: it loads sorted (RESTORE and start-up alike).
    const unsorted = damaged(await dump('z'), [0x81, 0x62, 0x02, 0x02, 0x01], [0x81, 0x62, 0x02, 0x00, 0x01]);
    assert.equal(await r.call('RESTORE', 'zz', '0', unsorted), 'OK');
    assert.deepEqual(await r.call('ZRANGE', 'zz', '0', '-1', 'WITHSCORES'), ['b', '0', 'a', '1']);
    const dir = tmp();
    writeFileSync(join(dir, 'dump.rdb'), rdbWith(unsorted, 'zz', 3));
    const ch = await spawnCli(dir, ['--save', '']);
    assert.ok(ch.port > 0, ch.log.join('\n'));
    await waitFor(() => ch.log.some((l) => /Ready to accept connections/.test(l)), 'the load');
    const r2 = connect(ch.port);
    assert.deepEqual(await r2.call('ZRANGE', 'zz', '0', '-1', 'WITHSCORES'), ['b', '0', 'a', '1']);
    assert.equal(await r2.call('ZRANK', 'zz', 'a'), 1);
    assert.equal(await r2.call('DBSIZE'), 4);
    ch.proc.kill('SIGKILL');
  });
});

// ------------------------------------------------------------------ FLUSHALL and signals

describe('saving on FLUSHALL and on SIGTERM', () => {
  test('FLUSHALL saves the empty dataset when save points exist (dirty back to 0), not otherwise', async () => {
    const dir = tmp();
    const srv = await startServer({ config: { dir, save: '', appendonly: 'yes' } });
    servers.push(srv);
    const r = connect(srv.port);
    await r.call('SET', 'k', 'v');
    await r.call('FLUSHALL');
    assert.equal(existsSync(join(dir, 'dump.rdb')), false);
    assert.ok(Number((await infoMap(r)).get('rdb_changes_since_last_save')) > 0);

    await r.call('SET', 'k', 'v');
    await r.call('SAVE'); // the file holds k
    await r.call('CONFIG', 'SET', 'save', '3600 100');
    await r.call('SET', 'k2', 'v2');
    await r.call('FLUSHALL');
    assert.equal((await infoMap(r)).get('rdb_changes_since_last_save'), '0');
    // The flush still reaches the AOF although the save reset the change counter.
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.equal(incr.split('FLUSHALL').length - 1, 2, 'both FLUSHALLs logged');
    await srv.close();
    // The file is the empty dataset now: a restart from it has no keys.
    const srv2 = await startServer({ config: { dir, save: '' } });
    servers.push(srv2);
    assert.equal(await connect(srv2.port).call('DBSIZE'), 0);
  });
  test('FLUSHDB adds the keys it removes to rdb_changes_since_last_save (an empty db: nothing), and is always logged', async () => {
    const dir = tmp();
    const srv = await startServer({ config: { dir, save: '', appendonly: 'yes', 'enable-debug-command': 'yes' } });
    servers.push(srv);
    const r = connect(srv.port);
    const changes = async () => Number((await infoMap(r)).get('rdb_changes_since_last_save'));
    await r.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0');
    await r.call('SET', 'a', '1');
    await r.call('SET', 'b', '2');
    await r.call('SET', 'c', '3', 'PX', '1');
    await sleep(20);
    assert.equal(await changes(), 3);
    // Three keys go, the expired one not reclaimed yet included (valkey-server: 3 -> 6).
    assert.equal(await r.call('FLUSHDB'), 'OK');
    assert.equal(await changes(), 6);
    assert.equal(await r.call('FLUSHDB'), 'OK');
    assert.equal(await changes(), 6);
    await r.call('SELECT', '3');
    await r.call('SET', 'x', '1');
    await r.call('SET', 'y', '1');
    assert.equal(await r.call('FLUSHDB', 'ASYNC'), 'OK');
    assert.equal(await changes(), 10);
    const incr = readFileSync(join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'), 'latin1');
    assert.equal(incr.split('FLUSHDB').length - 1, 3, 'every FLUSHDB logged, the one of an empty db too');
    await srv.close();
  });
  test('SIGTERM with save points saves before exiting (exit code 0); without them it does not', async () => {
    const dir = tmp();
    let ch = await spawnCli(dir, ['--save', '3600 1000']);
    let r = connect(ch.port);
    for (let i = 0; i < 100; i++) await r.call('SET', `k${i}`, String(i));
    ch.proc.kill('SIGTERM');
    assert.equal(await ch.exited, 0);
    assert.ok(ch.log.some((l) => /Received SIGTERM scheduling shutdown/.test(l)));
    assert.ok(ch.log.some((l) => /DB saved on disk/.test(l)));
    assert.ok(existsSync(join(dir, 'dump.rdb')));

    ch = await spawnCli(dir, ['--save', '']);
    r = connect(ch.port);
    await waitFor(async () => (await infoMap(r)).get('loading') === '0', 'loading');
    assert.equal(await r.call('DBSIZE'), 100);
    await r.call('SET', 'extra', 'x');
    const before = statSync(join(dir, 'dump.rdb')).mtimeMs;
    ch.proc.kill('SIGINT');
    assert.equal(await ch.exited, 0);
    assert.equal(statSync(join(dir, 'dump.rdb')).mtimeMs, before, 'no save without save points');
  });

  test('SIGTERM whose save fails keeps the server running (shutdown-on-sigterm force exits anyway)', async () => {
    const dir = tmp();
    let ch = await spawnCli(dir, ['--save', '3600 1000']);
    let r = connect(ch.port);
    await waitFor(() => ch.log.some((l) => /Ready to accept connections/.test(l)), 'ready');
    mkdirSync(join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    await r.call('SET', 'k', 'v');
    ch.proc.kill('SIGTERM');
    await waitFor(() => ch.log.some((l) => /SIGTERM received but errors trying to shut down the server/.test(l)), 'the refusal');
    assert.equal(await r.call('GET', 'k'), 'v', 'still serving');
    ch.proc.kill('SIGKILL');
    await ch.exited;

    rmSync(join(dir, 'dump.rdb'), { recursive: true });
    ch = await spawnCli(dir, ['--save', '3600 1000', '--shutdown-on-sigterm', 'force']);
    r = connect(ch.port);
    await waitFor(() => ch.log.some((l) => /Ready to accept connections/.test(l)), 'ready');
    mkdirSync(join(dir, 'dump.rdb', 'blocker'), { recursive: true });
    await r.call('SET', 'k', 'v');
    ch.proc.kill('SIGTERM');
    assert.equal(await ch.exited, 0);
    assert.ok(ch.log.some((l) => /Error trying to save the DB\. Exit anyway\./.test(l)));
  });
});

// ------------------------------------------------------------------ kill -9

describe('AOF with appendfsync always after kill -9', () => {
  test('every acknowledged write is there after a restart', async () => {
    const dir = tmp();
    let ch = await spawnCli(dir, ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    assert.ok(ch.port > 0, ch.log.join('\n'));
    const r = connect(ch.port);
    await waitFor(async () => (await infoMap(r)).get('aof_rewrite_in_progress') === '0', 'the first base');
    const acked = new Map<string, string>();
    let pushesAcked = 0;
    let stop = false;
    // Several writers pipeline writes; an entry is recorded only once its reply arrived.
    const writer = async (w: number) => {
      const c = connect(ch.port);
      for (let i = 0; !stop; i++) {
        const k = `w${w}:k${i}`;
        const v = `value-${w}-${i}-${'x'.repeat(i % 50)}`;
        try {
          await c.call('SET', k, v);
          acked.set(k, v);
          await c.call('RPUSH', `list${w}`, String(i));
          if (w === 0) pushesAcked = i + 1;
        } catch { return; }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await waitFor(() => acked.size >= 1000, 'enough acknowledged writes', 60000);
    ch.proc.kill('SIGKILL');
    stop = true;
    assert.equal(await ch.exited, 'SIGKILL');
    await Promise.all(writers);
    const ackedNow = new Map(acked);
    const pushes = pushesAcked;

    ch = await spawnCli(dir, ['--save', '', '--appendonly', 'yes', '--appendfsync', 'always']);
    const r2 = connect(ch.port);
    await waitFor(async () => (await infoMap(r2)).get('loading') === '0', 'loading');
    let missing = 0;
    const keys = [...ackedNow.keys()];
    for (let i = 0; i < keys.length; i += 500) {
      const part = keys.slice(i, i + 500);
      const vals = (await r2.call('MGET', ...part)) as Array<string | null>;
      part.forEach((k, j) => { if (vals[j] !== ackedNow.get(k)) missing++; });
    }
    assert.equal(missing, 0, `${missing} of ${keys.length} acknowledged SETs lost`);
    const list = (await r2.call('LRANGE', 'list0', '0', '-1')) as string[];
    assert.ok(list.length >= pushes, `list0 has ${list.length} elements, ${pushes} acknowledged`);
    assert.deepEqual(list.slice(0, pushes), Array.from({ length: pushes }, (_, i) => String(i)));
    ch.proc.kill('SIGKILL');
    await ch.exited;
  });
});

// ------------------------------------------------------------------ replication info in the RDB

/** Sends inline commands on a fresh socket and returns the reply line of the last one. */
function rawLine(port: number, ...cmds: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    // One at a time: PSYNC refuses to run with replies still pending.
    let sent = 0;
    const sock = net.connect({ port, host: '127.0.0.1' }, () => sock.write(cmds[sent++] + '\r\n'));
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const lines = buf.split('\r\n');
      if (lines.length - 1 < sent) return;
      if (sent < cmds.length) { sock.write(cmds[sent++] + '\r\n'); return; }
      sock.destroy();
      resolve(lines[cmds.length - 1]!);
    });
    sock.on('error', reject);
  });
}

describe('replication id and offset in the RDB', () => {
  test('a start-up from an RDB with repl-id/repl-offset continues that history (replid2, PSYNC +CONTINUE)', async () => {
    const dir = tmp();
    const oldId = 'a1b2c3d4e5'.repeat(4);
    const out = new RdbOut(256);
    writeHeader(out, { version: RDB_VERSION, compression: false, checksum: true, aux: [['repl-stream-db', '0'], ['repl-id', oldId], ['repl-offset', '1000']], accessInfo: null }, 0);
    out.byte(0xff);
    const body = out.take();
    writeFileSync(join(dir, 'dump.rdb'), Buffer.concat([body, new Crc64().update(body).bytes()]));

    const srv = await startServer({ config: { dir, save: '' } });
    servers.push(srv);
    const r = connect(srv.port);
    const m = await infoMap(r, 'replication');
    assert.equal(m.get('master_replid2'), oldId);
    assert.equal(m.get('second_repl_offset'), '1001');
    assert.equal(m.get('master_repl_offset'), '1000');
    assert.equal(m.get('repl_backlog_active'), '1');
    assert.equal(m.get('repl_backlog_first_byte_offset'), '1001');
    const newId = m.get('master_replid')!;
    assert.notEqual(newId, oldId);
    // A replica of the old history that has everything up to offset 1000 continues.
    assert.equal(await rawLine(srv.port, 'REPLCONF capa psync2', `PSYNC ${oldId} 1001`), `+CONTINUE ${newId}`);
    // One that claims more than the old history held needs a full resync.
    assert.match(await rawLine(srv.port, `PSYNC ${oldId} 1002`), /^\+FULLRESYNC /);

    // The next save carries the current id and offset.
    await r.call('SET', 'k', 'v');
    // (The full resync above started a snapshot for that replica.)
    await waitFor(async () => (await infoMap(r)).get('rdb_bgsave_in_progress') === '0', 'the replica snapshot to end');
    await r.call('SAVE');
    const saved = readFileSync(join(dir, 'dump.rdb')).toString('latin1');
    assert.ok(saved.includes(`repl-id\x28${newId}`), 'repl-id saved');
    assert.match(saved, /repl-offset/);
  });

  test('without a complete set of fields (e.g. no repl-stream-db) the ids are left alone', async () => {
    const dir = tmp();
    const out = new RdbOut(256);
    writeHeader(out, { version: RDB_VERSION, compression: false, checksum: true, aux: [['repl-id', 'f'.repeat(40)], ['repl-offset', '5']], accessInfo: null }, 0);
    out.byte(0xff);
    const body = out.take();
    writeFileSync(join(dir, 'dump.rdb'), Buffer.concat([body, new Crc64().update(body).bytes()]));
    const srv = await startServer({ config: { dir, save: '' } });
    servers.push(srv);
    const m = await infoMap(connect(srv.port), 'replication');
    assert.equal(m.get('master_replid2'), '0'.repeat(40));
    assert.equal(m.get('second_repl_offset'), '-1');
    assert.equal(m.get('master_repl_offset'), '0');
  });
});
