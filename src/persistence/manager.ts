// RDB persistence for one server: SAVE, background saves (BGSAVE, save points, snapshots for
// replication), loading at start-up, DEBUG RELOAD, the SHUTDOWN save and the INFO persistence
// fields.
//
// A background save is a Snapshot (rdb.ts) serialized in time slices while commands keep
// running; it plays the part of Valkey's fork child. Only one runs at a time ("child_type RDB"),
// whether it writes the dump file or streams to replica sockets.
import { performance } from 'node:perf_hooks';
import { readFile } from 'node:fs/promises';
import { closeSync, existsSync, statSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, write as fsWrite, fsync, close as fsClose, rename } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Server } from '../server/server.js';
import {
  loadRdbSteps, RdbError, rdbFunctionHooks, recycleChunk, RDB_VERSION, saveOptions, serializeSync, Snapshot, SnapshotSink, typesWithoutCodec, type LoadOptions, type RdbParts,
  type LoadResult,
} from './rdb.js';
import { TYPE_NAMES } from '../store/types.js';
import { registerInfoFields, usedMemory } from '../server/info.js';
import { inMemoryReload, setReloadHandler } from '../commands/debug.js';
import { shutdownHooks } from '../commands/monitor.js';
import { flushAllHooks } from '../commands/keyspace.js';
import { NOTIFY_LOADED } from '../store/types.js';
import { E } from '../errors.js';
import { strerror } from '../server/config.js';

/** Seconds to wait before retrying a failed background save from the save points. */
const BGSAVE_RETRY_DELAY = 5;

export type SnapshotTarget = 'disk' | 'socket';

interface BackgroundSave {
  snapshot: Snapshot;
  target: SnapshotTarget;
  /** Temp file being written (disk target). */
  tmpPath: string;
  finalPath: string;
  dirtyAtStart: number;
}

export interface PersistenceState {
  current: BackgroundSave | null;
  scheduled: boolean;
  lastBgsaveStatus: 'ok' | 'err';
  lastBgsaveTry: number;
  lastBgsaveTimeSec: number;
  rdbSaves: number;
  lastCowSize: number;
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
  /** The load in course, if any. */
  loading: LoadingProgress | null;
  /** Called when a background save ends (replication waits on disk snapshots). */
  doneListeners: Array<(target: SnapshotTarget, ok: boolean, path: string) => void>;
}

/**
 * Hooks the replication layer fills in: the repl-* AUX fields to store with a snapshot, and what
 * to do with replication info found in an RDB loaded at start-up.
 */
export const persistenceHooks: {
  saveInfo: ((s: Server) => Array<[string, string]>) | null;
  restoreReplInfo: ((s: Server, res: LoadResult) => void) | null;
} = { saveInfo: null, restoreReplInfo: null };

const states = new WeakMap<Server, PersistenceState>();
let tmpSeq = 0;

export function persistence(s: Server): PersistenceState {
  let st = states.get(s);
  if (st === undefined) {
    st = {
      current: null, scheduled: false, lastBgsaveStatus: 'ok', lastBgsaveTry: 0, lastBgsaveTimeSec: -1, rdbSaves: 0,
      lastCowSize: 0, lastLoadKeysLoaded: 0, lastLoadKeysExpired: 0, loading: null, doneListeners: [],
    };
    states.set(s, st);
  }
  return st;
}

/** The data directory: valkey-server's working directory, or an embedded server's own `dir`. */
export function dataDir(s: Server): string { return resolve(s.config.str('dir')); }

/** Absolute path of the RDB file. */
export function rdbPath(s: Server): string { return join(dataDir(s), s.config.str('dbfilename')); }

function auxFor(s: Server): Array<[string, string]> {
  return persistenceHooks.saveInfo ? persistenceHooks.saveInfo(s) : [];
}

// ------------------------------------------------------------------ synchronous save

/** Writes the whole dataset to `path` through a temp file (SAVE). Returns an error text or null. */
export function saveSync(s: Server, path = rdbPath(s)): string | null {
  persistence(s).rdbSaves++;
  const chunks = serializeSync(s, saveOptions(s, auxFor(s)), usedMemory(s));
  const err = writeFileAtomic(s, path, chunks);
  if (err !== null) return err;
  s.log.notice('DB saved on disk');
  s.ks.dirty = 0;
  s.lastSave = Math.floor(Date.now() / 1000);
  persistence(s).lastBgsaveStatus = 'ok';
  return null;
}

/** Valkey's log line for a temp RDB file that cannot be created (SAVE and BGSAVE alike). */
function logTempOpenFailure(s: Server, path: string, e: unknown): void {
  s.log.warning(`Failed opening the temp RDB file ${path.split('/').pop()} (in server root dir ${dataDir(s)}) for saving: ${strerror(e)}`);
}

function writeFileAtomic(s: Server, path: string, chunks: Buffer[]): string | null {
  const tmp = join(s.config.str('dir'), `temp-${process.pid}.rdb`);
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
  } catch (e) {
    logTempOpenFailure(s, tmp, e);
    return 'ERR';
  }
  try {
    for (const c of chunks) {
      let off = 0;
      while (off < c.length) off += writeSync(fd, c, off, c.length - off);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) try { closeSync(fd); } catch { /* ignore */ }
    try { unlinkSync(tmp); } catch { /* ignore */ }
    s.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
    return 'ERR';
  }
  return null;
}

// ------------------------------------------------------------------ background saves

/** Appends chunks to a file with asynchronous writes; reports congestion past 2 MB queued (the queue is memory the snapshot adds). */
class FileSink implements SnapshotSink {
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private closing: ((err: Error | null) => void) | null = null;
  error: Error | null = null;
  readonly recycles = true;

  constructor(private readonly fd: number) {}

  write(chunk: Buffer): void {
    if (this.error) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.pump();
  }

  congested(): boolean { return this.queued > 2 * 1024 * 1024; }

  private pump(): void {
    if (this.writing || this.error) return;
    if (this.queue.length === 0) {
      if (this.closing) this.finishClose();
      return;
    }
    // One chunk per write (no concatenated copy); a written chunk goes back to the pool.
    const buf = this.queue.shift()!;
    this.writing = true;
    const writeFrom = (off: number) => {
      fsWrite(this.fd, buf, off, buf.length - off, null, (err, n) => {
        if (err) { this.writing = false; this.fail(err); return; }
        if (off + n < buf.length) { writeFrom(off + n); return; }
        this.queued -= buf.length;
        this.writing = false;
        recycleChunk(buf);
        this.pump();
      });
    };
    writeFrom(0);
  }

  private fail(err: Error): void {
    this.error = err;
    this.queue = [];
    if (this.closing) this.finishClose();
  }

  /** Flushes, fsyncs and closes the file. */
  close(cb: (err: Error | null) => void): void {
    this.closing = cb;
    if (!this.writing) this.pump();
  }

  private finishClose(): void {
    const cb = this.closing!;
    this.closing = null;
    if (this.error) { fsClose(this.fd, () => cb(this.error)); return; }
    fsync(this.fd, (e1) => fsClose(this.fd, (e2) => cb(e1 ?? e2 ?? null)));
  }

  /** Abandons the file (no more writes are issued). */
  abandon(): void {
    this.error = this.error ?? new Error('aborted');
    this.queue = [];
    if (!this.writing) fsClose(this.fd, () => {});
    else this.closing = () => {};
  }
}

export interface BgsaveOptions {
  target: SnapshotTarget;
  /** For socket targets: where the bytes go. */
  sink?: SnapshotSink;
  version?: number;
  /** Extra AUX fields (defaults to the replication info). */
  aux?: Array<[string, string]>;
  /** The parts of the RDB to write (a filtered replica's); default all. */
  include?: RdbParts;
}

/**
 * Starts a background save. Returns the snapshot, or an error text when one is already running
 * or the file cannot be created.
 */
export function startBgsave(s: Server, opts: BgsaveOptions): Snapshot | string {
  const st = persistence(s);
  if (st.current !== null) return 'ERR Background save already in progress';
  st.lastBgsaveTry = Math.floor(Date.now() / 1000);
  const so = saveOptions(s, opts.aux ?? auxFor(s), opts.version ?? RDB_VERSION);
  if (opts.include) so.include = opts.include;
  let sink: SnapshotSink;
  let fileSink: FileSink | null = null;
  let tmpPath = '';
  /** The temp file could not be created: like Valkey's child, the save starts and then fails. */
  let openError: Error | null = null;
  const finalPath = rdbPath(s);
  if (opts.target === 'disk') {
    tmpPath = join(s.config.str('dir'), `temp-${process.pid}-${++tmpSeq}.rdb`);
    try {
      fileSink = new FileSink(openSync(tmpPath, 'w'));
      sink = fileSink;
    } catch (e) {
      openError = e as Error;
      sink = { write() { /* nothing is written */ } };
    }
  } else {
    sink = opts.sink!;
  }
  const snap = new Snapshot(s, so, sink);
  if (!snap.start(usedMemory(s))) {
    fileSink?.abandon();
    if (tmpPath) try { unlinkSync(tmpPath); } catch { /* ignore */ }
    return 'ERR Background save already in progress';
  }
  // Starting the snapshot is the fork-less counterpart of fork(): reported as Valkey reports the
  // fork. It notes the databases only; their key indexes are walked in the slices that follow.
  if (s.latencyThresholdMs > 0 && snap.captureMs >= s.latencyThresholdMs) s.latency.add('fork', snap.captureMs);
  s.log.verbose(`Background save: ${snap.keysTotal} keys, snapshot started in ${snap.captureMs.toFixed(3)} ms`);
  const delay = s.config.num('rdb-key-save-delay');
  if (delay > 0) snap.keyDelayUs = delay;
  const bg: BackgroundSave = { snapshot: snap, target: opts.target, tmpPath, finalPath, dirtyAtStart: s.ks.dirty };
  st.current = bg;
  st.rdbSaves++;
  if (opts.target === 'disk') s.log.notice(`Background saving started by pid ${process.pid}`);
  else s.log.notice(`Background RDB transfer started by pid ${process.pid} to replica sockets`);
  snap.onFinish((err) => {
    if (fileSink === null) { finishBgsave(s, bg, err); return; } // (socket target, or no temp file)
    if (err) {
      fileSink.abandon();
      try { unlinkSync(tmpPath); } catch { /* ignore */ }
      finishBgsave(s, bg, err);
      return;
    }
    fileSink.close((e) => {
      if (e) {
        try { unlinkSync(tmpPath); } catch { /* ignore */ }
        finishBgsave(s, bg, e);
        return;
      }
      rename(tmpPath, finalPath, (re) => {
        if (re) try { unlinkSync(tmpPath); } catch { /* ignore */ }
        finishBgsave(s, bg, re);
      });
    });
  });
  if (openError === null) snap.run();
  else {
    const e = openError;
    setImmediate(() => {
      logTempOpenFailure(s, tmpPath, e);
      snap.failWith(Object.assign(new Error(`can't open the temp RDB file: ${strerror(e)}`), { logged: true }));
    });
  }
  return snap;
}

function finishBgsave(s: Server, bg: BackgroundSave, err: Error | null): void {
  const st = persistence(s);
  if (st.current === bg) st.current = null;
  const ok = err === null;
  st.lastBgsaveTimeSec = Math.floor((Date.now() - bg.snapshot.startedAt) / 1000);
  st.lastCowSize = bg.snapshot.cowBytes;
  s.log.verbose(`Background save: ${bg.snapshot.keysProcessed} keys written in ${bg.snapshot.slices} slices (longest ${bg.snapshot.maxSliceMs.toFixed(2)} ms), ${bg.snapshot.cowBytes} bytes copied before writes`);
  if (bg.snapshot.cancelled) {
    // Like a fork child killed on purpose (SIGUSR1): logged, but not a failed save.
    s.log.warning(`Background ${bg.target === 'disk' ? 'saving' : 'RDB transfer'} terminated by signal 10`);
  } else if (bg.target === 'disk') {
    if (ok) {
      s.log.notice('DB saved on disk');
      s.log.notice('Background saving terminated with success');
      s.ks.dirty -= bg.dirtyAtStart;
      if (s.ks.dirty < 0) s.ks.dirty = 0;
      s.lastSave = Math.floor(Date.now() / 1000);
      st.lastBgsaveStatus = 'ok';
    } else {
      // (As Valkey: the child logs the cause, the parent "Background saving error".)
      if (!(err as Error & { logged?: boolean }).logged) s.log.warning(`Write error saving DB on disk: ${err!.message}`);
      s.log.warning('Background saving error');
      st.lastBgsaveStatus = 'err';
    }
  } else if (ok) s.log.notice('Background RDB transfer terminated with success');
  else s.log.warning(`Background RDB transfer error: ${err!.message}`);
  for (const l of [...st.doneListeners]) l(bg.target, ok, bg.finalPath);
  // A BGSAVE SCHEDULE waiting for this one starts from the cron.
}

/** The running background save, if any. */
export function currentSnapshot(s: Server): { snapshot: Snapshot; target: SnapshotTarget } | null {
  const c = persistence(s).current;
  return c ? { snapshot: c.snapshot, target: c.target } : null;
}

/** Stops a running background save (BGSAVE CANCEL, SHUTDOWN). */
export function killBgsave(s: Server, reason: string): boolean {
  const st = persistence(s);
  const cur = st.current;
  if (cur === null) return false;
  cur.snapshot.abort(reason);
  return true;
}

/** Save points and scheduled BGSAVE, once per cron tick. */
function persistenceCron(s: Server): void {
  const st = persistence(s);
  if (st.current !== null || s.loading) return;
  const now = Math.floor(Date.now() / 1000);
  const retryOk = now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY || st.lastBgsaveStatus === 'ok';
  if (st.scheduled && retryOk) {
    st.scheduled = false;
    startBgsave(s, { target: 'disk' });
    return;
  }
  const dirty = s.ks.dirty;
  if (dirty === 0) return;
  for (const p of s.config.saveParams()) {
    if (dirty >= p.changes && now - s.lastSave > p.seconds && retryOk) {
      s.log.notice(`${p.changes} changes in ${p.seconds} seconds. Saving...`);
      startBgsave(s, { target: 'disk' });
      return;
    }
  }
}

// ------------------------------------------------------------------ loading

/** Progress of a load in course (INFO persistence loading_* fields, the periodic log line). */
export interface LoadingProgress {
  /** Unix seconds when it started. */
  startTime: number;
  startMs: number;
  totalBytes: number;
  loadedBytes: number;
  /** used-mem AUX field of the file (loading_rdb_used_mem). */
  rdbUsedMem: number;
  lastLogMs: number;
  keys: number;
}

/** Seconds between two "Loading..." log lines. */
const LOADING_LOG_PERIOD_MS = 2000;
/** Longest stretch of loading work before other events get a turn. */
const LOADING_SLICE_MS = 10;

function loadLog(s: Server): LoadOptions['log'] {
  return (level, msg) => (level === 'warning' ? s.log.warning(msg) : level === 'notice' ? s.log.notice(msg) : s.log.verbose(msg));
}

/** Starts the loading state (`loading:1`, -LOADING replies). */
export function beginLoading(s: Server, totalBytes: number): LoadingProgress {
  const now = Date.now();
  const p: LoadingProgress = {
    startTime: Math.floor(now / 1000), startMs: now, totalBytes, loadedBytes: 0, rdbUsedMem: 0, lastLogMs: now, keys: 0,
  };
  persistence(s).loading = p;
  s.loading = true;
  return p;
}

export function endLoading(s: Server): void {
  persistence(s).loading = null;
  s.loading = false;
}

/** Logs the loading progress once per period. */
export function loadingProgressLog(s: Server, p: LoadingProgress, what: string): void {
  const now = Date.now();
  if (now - p.lastLogMs < LOADING_LOG_PERIOD_MS) return;
  p.lastLogMs = now;
  const perc = p.totalBytes > 0 ? (p.loadedBytes / p.totalBytes) * 100 : 0;
  s.log.notice(`Loading ${what}: ${perc.toFixed(2)}% (${p.loadedBytes} of ${p.totalBytes} bytes, ${p.keys} keys) in ${((now - p.startMs) / 1000).toFixed(1)} seconds`);
}

function fileSizeOf(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

/** Runs `fn` after other pending I/O had its turn. */
export function yieldToEvents(): Promise<void> { return new Promise((res) => setImmediate(res)); }

/**
 * Loads an RDB image into the (emptied) keyspace, with Valkey's log lines. Synchronous (DEBUG
 * RELOAD, AOF base files); with `progress`, the caller drives it in slices (see loadImageAsync).
 */
export function loadImage(s: Server, data: Buffer, opts: { allowDuplicates?: boolean } = {}): LoadResult {
  const run = imageLoader(s, data, opts);
  try {
    for (;;) {
      const n = run.it.next();
      if (n.done) return run.done(n.value);
    }
  } finally {
    run.cleanup();
  }
}

/**
 * Loads an RDB image a slice at a time, letting clients in between (they get -LOADING), with
 * progress in `p`. Rejects on a malformed image or when the server shuts down meanwhile.
 */
export async function loadImageAsync(s: Server, data: Buffer, p: LoadingProgress, what: string, opts: { allowDuplicates?: boolean; baseBytes?: number } = {}): Promise<LoadResult> {
  const run = imageLoader(s, data, { ...opts, onAux: (k, v) => { if (k === 'used-mem') p.rdbUsedMem = Number(v) || 0; } });
  const interval = Math.max(1024, s.config.num('loading-process-events-interval-bytes'));
  const base = opts.baseBytes ?? 0;
  try {
    for (;;) {
      const t0 = performance.now();
      const mark = Math.floor(p.loadedBytes / interval);
      let steps = 0;
      for (;;) {
        const n = run.it.next();
        if (n.done) {
          p.loadedBytes = base + data.length;
          return run.done(n.value);
        }
        p.loadedBytes = base + n.value;
        p.keys++;
        if (Math.floor(p.loadedBytes / interval) !== mark) break;
        if ((++steps & 31) === 0 && performance.now() - t0 >= LOADING_SLICE_MS) break;
      }
      loadingProgressLog(s, p, what);
      await yieldToEvents();
      if (s.shuttingDown) throw new Error('loading interrupted by a shutdown');
    }
  } finally {
    run.cleanup();
  }
}

export function imageLoader(s: Server, data: Buffer, opts: { allowDuplicates?: boolean; onAux?: (k: string, v: string) => void }) {
  const st = persistence(s);
  const ks = s.ks;
  const dirty = ks.dirty;
  const wasLoading = s.loading;
  s.loading = true;
  const loaded: Array<[number, Buffer]> = [];
  const it = loadRdbSteps(s, data, {
    dropExpired: true,
    allowDuplicates: opts.allowDuplicates,
    log: loadLog(s),
    onKey: (dbId, key) => { loaded.push([dbId, key]); },
    onAux: opts.onAux,
  });
  return {
    it,
    done(res: LoadResult): LoadResult {
      st.lastLoadKeysLoaded = res.keysLoaded;
      st.lastLoadKeysExpired = res.keysExpired;
      return res;
    },
    cleanup(): void {
      s.loading = wasLoading;
      // Listeners (WATCH, trackers, field-expiry bookkeeping) learn about each loaded key, as
      // Valkey's "loaded" keyspace event; loading is not a dataset change of its own.
      for (const [dbId, key] of loaded) ks.changed(dbId, key, 'loaded', NOTIFY_LOADED);
      ks.dirty = dirty;
    },
  };
}

/** Why a load failed, as Valkey logs it. */
export function logLoadError(s: Server, e: unknown): void {
  const msg = (e as Error).message;
  if (e instanceof RdbError && msg === 'Unexpected EOF reading RDB file') {
    s.log.warning('Short read or OOM loading DB. Unrecoverable error, aborting now.');
  }
  s.log.warning(`${msg}`);
}

/**
 * Loads dir/dbfilename at start-up if it exists (valkey-server's loadDataFromDisk), in slices:
 * the listeners are open and clients get -LOADING meanwhile. A file that cannot be read or
 * parsed rejects (the server must not start with part of the data); the keyspace is emptied.
 */
export async function loadDataAtStartup(s: Server): Promise<void> {
  const path = rdbPath(s);
  if (!existsSync(path)) return;
  const start = performance.now();
  // Loading from here on: nothing is served from the empty keyspace while the file is read.
  const p = beginLoading(s, fileSizeOf(path));
  try {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (e) {
      s.log.warning(`Fatal error: can't open the RDB file ${s.config.str('dbfilename')} for reading: ${(e as Error).message}`);
      throw e;
    }
    p.totalBytes = data.length;
    const res = await loadImageAsync(s, data, p, 'RDB');
    s.log.notice(`DB loaded from disk: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
    persistenceHooks.restoreReplInfo?.(s, res);
  } catch (e) {
    if (e instanceof RdbError || !(e as NodeJS.ErrnoException).code) logLoadError(s, e);
    if (e instanceof RdbError && e.message.startsWith('Internal error in RDB reading')) s.log.warning('Terminating server after rdb file reading failure.');
    s.log.warning('Fatal error loading the DB, check server logs. Exiting.');
    // Never serve part of a dataset as if it were all of it.
    s.ks.flushAll(false);
    s.ks.dirty = 0;
    throw e;
  } finally {
    endLoading(s);
  }
}

// ------------------------------------------------------------------ install

/**
 * Other sources of MISCONF (the AOF registers its write errors here): each is given a server and
 * returns that server's check, so that per-server state is looked up once, not per command.
 */
export const diskErrorChecks: Array<(s: Server) => () => string | null> = [];

/** Valkey's writeCommandsDeniedByDiskError: the MISCONF error for writes, or null. */
function diskError(s: Server, st: PersistenceState, checks: Array<() => string | null>): string | null {
  if (st.lastBgsaveStatus === 'err' && s.config.bool('stop-writes-on-bgsave-error') &&
      s.config.saveParams().length > 0) return E.bgsaveMisconf;
  for (const check of checks) {
    const err = check();
    if (err !== null) return err;
  }
  return null;
}

export function installPersistence(s: Server): void {
  const st = persistence(s);
  s.cronHooks.push(() => persistenceCron(s));
  // Asked before every write command: the states are looked up once, here (the checks are bound
  // at the first call, when every module that registers one has been loaded).
  let checks: Array<() => string | null> | null = null;
  s.hooks.diskError = () => diskError(s, st, checks ??= diskErrorChecks.map((bind) => bind(s)));
}

// DEBUG RELOAD: save, empty the dataset, load the file back.
setReloadHandler((c, opts) => {
  const s = c.server;
  const ks = s.ks;
  s.propagator.preventCurrent();
  const path = rdbPath(s);
  let image: Buffer | null = null;
  // A background save in progress completes first (its snapshot must not see the reload).
  currentSnapshot(s)?.snapshot.runToEnd();
  const missing = typesWithoutCodec(ks);
  if (missing.length > 0) {
    // A value type without an RDB encoding cannot go through the file: reload in memory.
    s.log.warning(`DEBUG RELOAD: no RDB encoding for ${missing.map((t) => TYPE_NAMES[t] ?? t).join(', ')}; reloading in memory`);
    return inMemoryReload(c, opts);
  }
  if (opts.save) {
    const chunks = serializeSync(s, saveOptions(s, auxFor(s)), usedMemory(s));
    if (writeFileAtomic(s, path, chunks) !== null) return 'ERR';
    s.log.notice('DB saved on disk');
    s.lastSave = Math.floor(Date.now() / 1000);
    image = Buffer.concat(chunks);
  } else {
    try {
      image = readFileSync(path);
    } catch (e) {
      s.log.warning(`Fatal error: can't open the RDB file ${s.config.str('dbfilename')} for reading: ${(e as Error).message}`);
      return 'ERR Error trying to load the RDB dump, check server logs.';
    }
  }
  if (opts.flush) { ks.flushAll(false); rdbFunctionHooks.flush?.(s); }
  try {
    loadImage(s, image, { allowDuplicates: opts.merge });
  } catch (e) {
    s.log.warning(`${(e as Error).message}`);
    ks.dirty = 0;
    return 'ERR Error trying to load the RDB dump, check server logs.';
  }
  for (const db of ks.dbs) ks.changed(db.id, null, 'reload', 0);
  ks.dirty = 0;
  s.log.notice('DB reloaded by DEBUG RELOAD');
  return null;
});

// FLUSHALL (valkey-server's flushAllDataAndResetRDB): a background RDB save or transfer in
// progress is stopped, as Valkey kills its child with SIGUSR1 (not a failed save: the last
// status stays); the change counter grows by the number of keys removed (Keyspace.flushAll);
// with save points the empty dataset is saved at once, so the next restart cannot bring the
// flushed keys back.
flushAllHooks.before = (c) => {
  const s = c.server;
  if (persistence(s).current !== null) killBgsave(s, 'flushall');
};
flushAllHooks.after = (c) => {
  const s = c.server;
  if (s.config.saveParams().length > 0) saveSync(s);
  // Replicated and logged even when the counter did not move (an empty dataset, or the save reset it).
  s.propagator.forceCurrent();
};

/**
 * SIGTERM / SIGINT (valkey-server's prepareForShutdown with the shutdown-on-sig* flags): save
 * when save points exist (or the flags say SAVE, not NOSAVE), then shut down. A failed save keeps
 * the server running unless the flags say FORCE. Returns false when the shutdown was refused.
 */
export async function signalShutdown(s: Server, sig: 'SIGTERM' | 'SIGINT'): Promise<boolean> {
  const flags = s.config.num(sig === 'SIGTERM' ? 'shutdown-on-sigterm' : 'shutdown-on-sigint');
  let save = (flags & 1) !== 0;
  let nosave = (flags & 2) !== 0;
  const force = (flags & 8) !== 0;
  if (s.loading) { save = false; nosave = true; }
  if ((s.config.saveParams().length > 0 && !nosave) || save) {
    s.log.notice('Saving the final RDB snapshot before exiting.');
    const cur = persistence(s).current;
    if (cur !== null && cur.target === 'disk') {
      s.log.warning('There is a child saving an .rdb. Killing it!');
      killBgsave(s, 'shutdown');
    }
    if (saveSync(s) !== null) {
      if (!force) {
        s.log.warning("Error trying to save the DB, can't exit.");
        s.log.warning(`${sig} received but errors trying to shut down the server, check the logs for more information`);
        return false;
      }
      s.log.warning('Error trying to save the DB. Exit anyway.');
    }
  }
  await s.shutdown('User requested shutdown...');
  return true;
}

// SHUTDOWN with save points or SAVE: stop a background save, then save synchronously.
shutdownHooks.save = (s) => {
  const cur = persistence(s).current;
  if (cur !== null && cur.target === 'disk') {
    s.log.warning('There is a child saving an .rdb. Killing it!');
    killBgsave(s, 'shutdown');
  }
  return saveSync(s);
};

registerInfoFields('persistence', (s) => {
  const st = persistence(s);
  const cur = st.current;
  const snap = cur?.snapshot;
  const fields: Record<string, string | number> = {
    current_cow_size: snap ? snap.cowBytes : 0,
    current_fork_perc: snap && snap.keysTotal > 0 ? ((snap.keysProcessed / snap.keysTotal) * 100).toFixed(2) : '0.00',
    current_save_keys_processed: snap ? snap.keysProcessed : 0,
    current_save_keys_total: snap ? snap.keysTotal : 0,
    rdb_bgsave_in_progress: cur ? 1 : 0,
    rdb_last_bgsave_status: st.lastBgsaveStatus,
    rdb_last_bgsave_time_sec: st.lastBgsaveTimeSec,
    rdb_current_bgsave_time_sec: snap ? Math.floor((Date.now() - snap.startedAt) / 1000) : -1,
    rdb_saves: st.rdbSaves,
    rdb_last_cow_size: st.lastCowSize,
    rdb_last_load_keys_expired: st.lastLoadKeysExpired,
    rdb_last_load_keys_loaded: st.lastLoadKeysLoaded,
  };
  const p = st.loading;
  if (p !== null) {
    // As valkey-server computes them: the share of the file read, and the time left at the
    // rate so far (1 second until a second has passed).
    let perc = 0;
    let remaining = 1;
    if (p.totalBytes > 0) {
      perc = (p.loadedBytes / p.totalBytes) * 100;
      remaining = p.totalBytes - p.loadedBytes;
    } else if (p.rdbUsedMem > 0) {
      perc = Math.min(99.99, (p.loadedBytes / p.rdbUsedMem) * 100);
      remaining = Math.max(1, p.rdbUsedMem - p.loadedBytes);
    }
    const elapsed = Math.floor(Date.now() / 1000) - p.startTime;
    const eta = elapsed === 0 ? 1 : Math.floor((elapsed * remaining) / (p.loadedBytes + 1));
    Object.assign(fields, {
      loading_start_time: p.startTime,
      loading_total_bytes: p.totalBytes,
      loading_rdb_used_mem: p.rdbUsedMem,
      loading_loaded_bytes: p.loadedBytes,
      loading_loaded_perc: perc.toFixed(2),
      loading_eta_seconds: eta,
    });
  }
  return fields;
});
