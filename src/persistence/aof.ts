// The append-only file, multi-part as Valkey 7+ keeps it: a directory (`appenddirname`) holding
// a manifest, one base file (an RDB image) and incremental files of propagated commands.
//
// Commands reach the AOF through the Propagator feed and are written to the current incr file
// at once (so an acknowledged write is in the OS before its reply leaves); `appendfsync` decides
// when the file is fsynced: after every write (always), from a one-second timer (everysec), or
// never by us (no).
//
// A rewrite (BGREWRITEAOF, CONFIG SET appendonly yes, first start) plays the part of Valkey's
// fork child with the same fork-less Snapshot as BGSAVE: the base is serialized in slices while
// new commands go to a fresh incr file; when the snapshot ends the manifest switches to the new
// base and the older files become history and are deleted.
import { performance } from 'node:perf_hooks';
import { splitArgs } from '../server/config.js';
import {
  closeSync, existsSync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, truncateSync,
  unlinkSync, writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import type { Registry } from '../commands/registry.js';
import { CommandStreamEncoder, PROPAGATE_AOF } from '../replication/propagate.js';
import { rdbFunctionHooks, recycleChunk, saveOptions, Snapshot, type SnapshotSink } from './rdb.js';
import {
  beginLoading, currentSnapshot, dataDir, diskErrorChecks, endLoading, imageLoader, loadingProgressLog, logLoadError, persistence, yieldToEvents,
} from './manager.js';
import { registerInfoFields, usedMemory } from '../server/info.js';
import { call, resolveCommand } from '../server/dispatch.js';
import { debugHooks } from '../commands/debug.js';
import './aofrewrite.js';
import { E } from '../errors.js';

type AofFileType = 'b' | 'h' | 'i';

export interface AofInfo { name: string; seq: number; type: AofFileType }

export interface AofManifest {
  base: AofInfo | null;
  history: AofInfo[];
  incrs: AofInfo[];
  currBaseSeq: number;
  currIncrSeq: number;
}

interface Rewrite {
  snapshot: Snapshot;
  /** The base is an RDB image (aof-use-rdb-preamble yes), else commands. */
  rdb: boolean;
  fd: number;
  tmpPath: string;
  startedAt: number;
}

export interface AofState {
  state: 'off' | 'on' | 'wait_rewrite';
  manifest: AofManifest;
  fd: number;
  /** Path of the file `fd` writes (the last incr, or the temp incr while waiting for the first rewrite). */
  fdPath: string;
  encoder: CommandStreamEncoder;
  unsynced: boolean;
  rewrite: Rewrite | null;
  scheduled: boolean;
  lastRewriteTimeSec: number;
  lastBgrewriteStatus: 'ok' | 'err';
  lastWriteStatus: 'ok' | 'err';
  /** strerror-style text of the last write error (MISCONF). */
  lastWriteError: string;
  /** Bytes a failed write left unwritten (appendfsync everysec / no): retried from the cron, written before anything newer. */
  pending: Buffer[];
  /**
   * Unwritten bytes of incr files the AOF has moved away from (a rewrite opened a new one while
   * they waited), oldest first: retried into their own file while the manifest still lists it,
   * dropped once a finished rewrite's base covers them.
   */
  stranded: Array<{ name: string; path: string; bytes: Buffer[] }>;
  /** The last fsync of the incr file failed (appendfsync everysec): writes get MISCONF until one works. */
  fsyncStatus: 'ok' | 'err';
  /** strerror-style text of the last fsync error. */
  fsyncError: string;
  /** When a write error was last logged (at most one line per 30 s, as Valkey). */
  lastWriteErrorLog: number;
  rewrites: number;
  failures: number;
  currentSize: number;
  baseSize: number;
  lastFsync: number;
  /** When the last rewrite failed (a scheduled retry waits a few seconds). */
  lastFailAt: number;
  removeFeed: (() => void) | null;
}

const states = new WeakMap<Server, AofState>();

function emptyManifest(): AofManifest {
  return { base: null, history: [], incrs: [], currBaseSeq: 0, currIncrSeq: 0 };
}

export function aof(s: Server): AofState {
  let st = states.get(s);
  if (st === undefined) {
    st = {
      state: 'off', manifest: emptyManifest(), fd: -1, fdPath: '', encoder: new CommandStreamEncoder(), unsynced: false,
      rewrite: null, scheduled: false, lastRewriteTimeSec: -1, lastBgrewriteStatus: 'ok', lastWriteStatus: 'ok', lastWriteError: '',
      pending: [], stranded: [], fsyncStatus: 'ok', fsyncError: '', lastWriteErrorLog: 0, rewrites: 0, failures: 0, currentSize: 0, baseSize: 0, lastFsync: Date.now(), lastFailAt: 0, removeFeed: null,
    };
    states.set(s, st);
  }
  return st;
}

// ------------------------------------------------------------------ names and the manifest

function fileName(s: Server): string { return s.config.str('appendfilename'); }
export function aofDir(s: Server): string { return join(dataDir(s), s.config.str('appenddirname')); }
function manifestName(s: Server): string { return `${fileName(s)}.manifest`; }
function tempIncrName(s: Server): string { return `temp-${fileName(s)}.incr`; }

/** The manifest text: base first, then history, then incr files, one `file .. seq .. type ..` line each. */
export function formatManifest(m: AofManifest): string {
  const line = (i: AofInfo) => `file ${quoteName(i.name)} seq ${i.seq} type ${i.type}\n`;
  let out = '';
  if (m.base) out += line(m.base);
  for (const h of m.history) out += line(h);
  for (const i of m.incrs) out += line(i);
  return out;
}

/** File names with spaces or odd bytes are written quoted, as sdscatrepr does. */
function quoteName(n: string): string {
  if (/^[\x21-\x7e]+$/.test(n) && !n.includes('"') && !n.includes('\\')) return n;
  let o = '"';
  for (const ch of Buffer.from(n, 'latin1')) {
    if (ch === 0x5c) o += '\\\\';
    else if (ch === 0x22) o += '\\"';
    else if (ch === 0x0a) o += '\\n';
    else if (ch === 0x0d) o += '\\r';
    else if (ch === 0x09) o += '\\t';
    else if (ch >= 32 && ch < 127) o += String.fromCharCode(ch);
    else o += '\\x' + ch.toString(16).padStart(2, '0');
  }
  return o + '"';
}


/** Parses a manifest; throws with Valkey's message on a malformed one. */
export function parseManifest(text: string): AofManifest {
  const m = emptyManifest();
  const lines = text.split('\n');
  for (let raw of lines) {
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.startsWith('#') || raw.trim() === '') continue;
    const args = splitArgs(raw);
    if (args === null || args.length < 6 || args.length % 2 !== 0) throw new Error('Invalid AOF manifest file format');
    let name = '', seq = -1, type = '';
    for (let i = 0; i < args.length; i += 2) {
      const k = args[i]!.toLowerCase(), v = args[i + 1]!;
      if (k === 'file') name = v;
      else if (k === 'seq') seq = Number(v);
      else if (k === 'type') type = v;
    }
    if (name === '' || !Number.isInteger(seq) || seq < 0 || (type !== 'b' && type !== 'h' && type !== 'i')) {
      throw new Error('Invalid AOF manifest file format');
    }
    const info: AofInfo = { name, seq, type };
    if (type === 'b') {
      if (m.base !== null) throw new Error('Found duplicate base file information');
      m.base = info;
      m.currBaseSeq = seq;
    } else if (type === 'h') m.history.push(info);
    else {
      if (seq <= m.currIncrSeq) throw new Error('Found a non-monotonic sequence number');
      m.incrs.push(info);
      m.currIncrSeq = seq;
    }
  }
  return m;
}

function loadManifest(s: Server): AofManifest {
  const path = join(aofDir(s), manifestName(s));
  if (!existsSync(path)) return emptyManifest();
  const text = readFileSync(path, 'latin1');
  if (text.length === 0) throw new Error(`Found an empty AOF manifest`);
  return parseManifest(text);
}

/** Writes the manifest atomically (temp file, fsync, rename). */
function persistManifest(s: Server, m: AofManifest): void {
  const dir = aofDir(s);
  const tmp = join(dir, `temp-${manifestName(s)}`);
  const fd = openSync(tmp, 'w');
  try {
    writeAll(fd, Buffer.from(formatManifest(m), 'latin1'));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, manifestName(s)));
}

function writeAll(fd: number, b: Buffer): void {
  let off = 0;
  while (off < b.length) off += writeSync(fd, b, off, b.length - off);
}

function ensureDir(s: Server): void {
  mkdirSync(aofDir(s), { recursive: true });
}

function fileSize(path: string): number {
  try { return statSync(path).size; } catch { return 0; }
}

function deleteHistory(s: Server, m: AofManifest): void {
  if (m.history.length === 0) return;
  for (const h of m.history) {
    try { unlinkSync(join(aofDir(s), h.name)); } catch { /* already gone */ }
    s.log.notice(`Removing the history file ${h.name} in the background`);
  }
  m.history = [];
  try { persistManifest(s, m); } catch { /* the history lines are harmless */ }
}

// ------------------------------------------------------------------ writing

/**
 * Fsyncs and closes the incr file. When a rewrite moves to a new incr file (`tracked`) the result
 * counts as the AOF's fsync status, as the close job of Valkey's background thread; when the AOF
 * stops or the server shuts down a failure is only logged.
 */
function closeFd(s: Server, st: AofState, tracked: boolean): void {
  if (st.fd < 0) return;
  if (tracked) syncFd(s, st);
  else {
    try { fdatasyncSync(st.fd); } catch (e) {
      if (!ignoredFsyncError(e)) s.log.warning(`Fail to fsync the AOF file: ${strerror(e as NodeJS.ErrnoException)}`);
    }
  }
  try { closeSync(st.fd); } catch { /* ignore */ }
  st.fd = -1;
}

function openAppend(s: Server, st: AofState, path: string): void {
  closeFd(s, st, true);
  st.fd = openSync(path, 'a');
  st.fdPath = path;
  st.encoder = new CommandStreamEncoder();
}

function feed(s: Server, dbid: number, argv: Buffer[]): void {
  const st = aof(s);
  if (st.state === 'off' || st.fd < 0) return;
  let bytes = st.encoder.encode(dbid, argv);
  if (s.config.bool('aof-timestamp-enabled') && st.encoder.selectedDb >= 0) {
    // Annotations carry the time of the write (used by point-in-time recovery tools).
    bytes = Buffer.concat([Buffer.from(`#TS:${Math.floor(Date.now() / 1000)}\r\n`, 'latin1'), bytes]);
  }
  appendBytes(s, st, bytes);
}

/** Seconds between two logged AOF write errors (Valkey's AOF_WRITE_LOG_ERROR_RATE). */
const AOF_WRITE_LOG_ERROR_RATE_MS = 30_000;

/**
 * Appends `bytes` (after whatever an earlier failed write left) to the incr file; `null` retries
 * the leftover only. As valkey-server's flushAppendOnlyFile: under appendfsync always a failed
 * write or fsync ends the process (the write is applied and its reply queued: durability can no
 * longer be promised); otherwise the bytes stay queued, writes get MISCONF until a retry works.
 */
function appendBytes(s: Server, st: AofState, bytes: Buffer | null): void {
  if (bytes !== null) st.pending.push(bytes);
  // Bytes an older incr file still lacks go first; newer ones wait behind them.
  if (st.stranded.length > 0 && !writeStranded(s, st)) return;
  if (st.pending.length === 0) {
    // Nothing is left unwritten (a rewrite's base covered what was): the error is over.
    if (st.lastWriteStatus === 'err') writeErrorSolved(s, st);
    return;
  }
  const buf = st.pending.length === 1 ? st.pending[0]! : Buffer.concat(st.pending);
  const always = s.config.str('appendfsync') === 'always';
  const left = writeOrKeep(s, st, st.fd, buf, always);
  if (left !== null) {
    st.pending = [left];
    return;
  }
  st.pending = [];
  if (st.lastWriteStatus === 'err') writeErrorSolved(s, st);
  if (always) {
    try {
      fdatasyncSync(st.fd);
    } catch (e) {
      s.log.warning(`Can't persist AOF for fsync error when the AOF fsync policy is 'always': ${strerror(e as NodeJS.ErrnoException)}. Exiting...`);
      s.fatalExit(1);
    }
  } else st.unsynced = true;
}

function writeErrorSolved(s: Server, st: AofState): void {
  s.log.notice('AOF write error looks solved. The server can write again.');
  st.lastWriteStatus = 'ok';
}

/**
 * Retries the bytes of older incr files, each into its own file (O_APPEND, so after whatever it
 * holds), dropping those of files the manifest no longer lists. False while one still fails.
 */
function writeStranded(s: Server, st: AofState): boolean {
  dropCoveredStranded(st);
  while (st.stranded.length > 0) {
    const g = st.stranded[0]!;
    let fd: number;
    try {
      fd = openSync(g.path, 'a');
    } catch (e) {
      noteWriteError(s, st, e as NodeJS.ErrnoException);
      return false;
    }
    try {
      const buf = g.bytes.length === 1 ? g.bytes[0]! : Buffer.concat(g.bytes);
      const left = writeOrKeep(s, st, fd, buf, false);
      if (left !== null) { g.bytes = [left]; return false; }
      try { fdatasyncSync(fd); } catch { /* the file is closed: as a background close job, only the data matters */ }
    } finally {
      try { closeSync(fd); } catch { /* ignore */ }
    }
    st.stranded.shift();
  }
  return true;
}

/** Unwritten bytes of incr files the manifest no longer lists are in a rewritten base already. */
function dropCoveredStranded(st: AofState): void {
  if (st.stranded.length === 0) return;
  const live = new Set(st.manifest.incrs.map((i) => i.name));
  st.stranded = st.stranded.filter((g) => live.has(g.name));
}

/** True when a write error may be logged now (at most one line per 30 s, as Valkey); notes the time. */
function writeErrorLogDue(st: AofState): boolean {
  const now = Date.now();
  if (now - st.lastWriteErrorLog <= AOF_WRITE_LOG_ERROR_RATE_MS) return false;
  st.lastWriteErrorLog = now;
  return true;
}

/** The error of a write that could not start (e.g. the file could not be opened). */
function noteWriteError(s: Server, st: AofState, e: NodeJS.ErrnoException): void {
  st.lastWriteError = strerror(e);
  if (writeErrorLogDue(st)) s.log.warning(`Error writing to the AOF file: ${st.lastWriteError}`);
  st.lastWriteStatus = 'err';
}

/**
 * Writes buf whole to fd; returns null when done, else the bytes still to write (the write error
 * noted). Under appendfsync always a failure ends the process instead.
 */
function writeOrKeep(s: Server, st: AofState, fd: number, buf: Buffer, always: boolean): Buffer | null {
  let n = 0;
  try {
    while (n < buf.length) n += writeSync(fd, buf, n, buf.length - n);
  } catch (e) {
    return writeFailed(s, st, fd, buf, n, e as NodeJS.ErrnoException, always);
  }
  st.currentSize += buf.length;
  return null;
}

function writeFailed(s: Server, st: AofState, fd: number, buf: Buffer, written: number, e: NodeJS.ErrnoException, always: boolean): Buffer {
  const canLog = writeErrorLogDue(st);
  if (written === 0) {
    st.lastWriteError = strerror(e);
    if (canLog) s.log.warning(`Error writing to the AOF file: ${st.lastWriteError}`);
  } else {
    // A short write: take the partial command back out of the file when possible.
    if (canLog) s.log.warning(`Short write while writing to the AOF file: (nwritten=${written}, expected=${buf.length})`);
    try {
      ftruncateSync(fd, fstatSync(fd).size - written);
      written = 0;
    } catch (te) {
      if (canLog) s.log.warning(`Could not remove short write from the append-only file. The server may refuse to load the AOF the next time it starts.  ftruncate: ${strerror(te as NodeJS.ErrnoException)}`);
    }
    st.lastWriteError = strerror({ code: 'ENOSPC' } as NodeJS.ErrnoException);
  }
  if (always) {
    s.log.warning("Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting...");
    s.fatalExit(1);
    return buf;
  }
  st.lastWriteStatus = 'err';
  st.currentSize += written;
  return written > 0 ? buf.subarray(written) : buf;
}

/** The C library's text for an errno code (Node only has the code). */
function strerror(e: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOSPC: 'No space left on device', EIO: 'Input/output error', EACCES: 'Permission denied', EBADF: 'Bad file descriptor',
    EDQUOT: 'Disk quota exceeded', EROFS: 'Read-only file system', EFBIG: 'File too large', EPERM: 'Operation not permitted',
  };
  return (e.code && texts[e.code]) ?? e.message;
}

diskErrorChecks.push((s) => {
  const st = aof(s);
  return () => aofDiskError(st);
});

/** The AOF's MISCONF error for writes, or null. */
function aofDiskError(st: AofState): string | null {
  if (st.state === 'off') return null;
  if (st.lastWriteStatus === 'err') return E.aofMisconf(st.lastWriteError);
  if (st.fsyncStatus === 'err') {
    // As Valkey, the fsync's error becomes the AOF's last error (script errors quote it too).
    st.lastWriteError = st.fsyncError;
    return E.aofMisconf(st.fsyncError);
  }
  return null;
}

/** Errors that do not mean the data missed the disk (as Valkey's fsync job, which ignores them). */
function ignoredFsyncError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EBADF' || code === 'EINVAL';
}

/**
 * Fsyncs the incr file and records the outcome (appendfsync everysec): a failure turns on
 * MISCONF and `aof_last_write_status:err` (logged once, when the status changes); the next fsync
 * that works turns them off. The data of a failed fsync is not fsynced again: the next one comes
 * with the next bytes written, or when a rewrite closes the file.
 */
function syncFd(s: Server, st: AofState): void {
  try {
    fdatasyncSync(st.fd);
  } catch (e) {
    if (!ignoredFsyncError(e)) {
      const why = strerror(e as NodeJS.ErrnoException);
      if (st.fsyncStatus === 'ok') s.log.warning(`Fail to fsync the AOF file: ${why}`);
      st.fsyncStatus = 'err';
      st.fsyncError = why;
      return;
    }
  }
  st.fsyncStatus = 'ok';
}

/** Fsyncs the current incr file (everysec from the cron, and before loads and shutdown). */
export function flushAof(s: Server): void {
  const st = aof(s);
  if (st.fd < 0 || !st.unsynced) return;
  syncFd(s, st);
  st.unsynced = false;
  st.lastFsync = Date.now();
}

// ------------------------------------------------------------------ rewrite

/** Starts a background rewrite. Returns an error text, 'scheduled', or null when started. */
export function startRewrite(s: Server): string | null {
  const st = aof(s);
  if (st.rewrite !== null) return 'ERR Background append only file rewriting already in progress';
  if (currentSnapshot(s) !== null) { st.scheduled = true; return 'scheduled'; }
  try {
    ensureDir(s);
  } catch (e) {
    s.log.warning(`Can't open or create append-only dir ${s.config.str('appenddirname')}: ${(e as Error).message}`);
    st.lastBgrewriteStatus = 'err';
    return 'ERR Can\'t open or create append-only dir';
  }
  const dir = aofDir(s);
  if (st.state === 'off') {
    try { st.manifest = loadManifest(s); } catch { st.manifest = emptyManifest(); }
  }
  const m = st.manifest;
  try {
    if (st.state === 'on') {
      // New writes go to a fresh incr file from now on; the rewritten base covers the rest.
      flushAof(s);
      // Bytes a failed write left belong to the file being left (one more try there first): if
      // the rewrite fails they are retried into it, if it succeeds its base holds their effect.
      if (st.pending.length > 0) appendBytes(s, st, null);
      const left = st.pending, oldPath = st.fdPath;
      const seq = m.currIncrSeq + 1;
      const name = `${fileName(s)}.${seq}.incr.aof`;
      openAppend(s, st, join(dir, name));
      if (left.length > 0) {
        st.stranded.push({ name: basename(oldPath), path: oldPath, bytes: left });
        st.pending = [];
      }
      m.currIncrSeq = seq;
      m.incrs.push({ name, seq, type: 'i' });
      persistManifest(s, m);
    } else if (st.state === 'wait_rewrite' && st.fd < 0) {
      openAppend(s, st, join(dir, tempIncrName(s)));
    }
  } catch (e) {
    s.log.warning(`Can't open the append-only file: ${(e as Error).message}`);
    st.lastBgrewriteStatus = 'err';
    return 'ERR Can\'t open the append-only file';
  }
  const tmpPath = join(dir, `temp-rewriteaof-bg-${process.pid}.aof`);
  let fd: number;
  try {
    fd = openSync(tmpPath, 'w');
  } catch (e) {
    s.log.warning(`Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): ${(e as Error).message}`);
    st.lastBgrewriteStatus = 'err';
    return 'ERR';
  }
  const sink: SnapshotSink = { write: (chunk) => { writeAll(fd, chunk); recycleChunk(chunk); }, recycles: true };
  const rdb = s.config.bool('aof-use-rdb-preamble');
  const snap = new Snapshot(s, { ...saveOptions(s), aofCommands: !rdb, aofBase: rdb }, sink);
  if (!snap.start(usedMemory(s))) {
    closeSync(fd);
    try { unlinkSync(tmpPath); } catch { /* ignore */ }
    st.scheduled = true;
    return 'scheduled';
  }
  const delay = s.config.num('rdb-key-save-delay');
  if (delay > 0) snap.keyDelayUs = delay;
  const rw: Rewrite = { snapshot: snap, rdb, fd, tmpPath, startedAt: Date.now() };
  st.rewrite = rw;
  st.scheduled = false;
  s.log.notice(`Background append only file rewriting started by pid ${process.pid}`);
  snap.onFinish((err) => finishRewrite(s, rw, err));
  snap.run();
  return null;
}

function finishRewrite(s: Server, rw: Rewrite, err: Error | null): void {
  const st = aof(s);
  if (st.rewrite !== rw) return; // killed: killRewrite cleaned up
  st.rewrite = null;
  st.lastRewriteTimeSec = Math.floor((Date.now() - rw.startedAt) / 1000);
  if (err === null) {
    try {
      fsyncSync(rw.fd);
    } catch (e) { err = e as Error; }
  }
  try { closeSync(rw.fd); } catch { /* ignore */ }
  if (err !== null) {
    try { unlinkSync(rw.tmpPath); } catch { /* ignore */ }
    s.log.warning(`Background AOF rewrite terminated with error: ${err.message}`);
    st.lastBgrewriteStatus = 'err';
    st.failures++;
    st.lastFailAt = Date.now();
    // Enabling the AOF waits for a good base: try again from the cron.
    if (st.state === 'wait_rewrite') st.scheduled = true;
    return;
  }
  const dir = aofDir(s);
  const m = st.manifest;
  try {
    const baseSeq = m.currBaseSeq + 1;
    const baseName = `${fileName(s)}.${baseSeq}.base.${rw.rdb ? 'rdb' : 'aof'}`;
    renameSync(rw.tmpPath, join(dir, baseName));
    if (m.base) m.history.push({ ...m.base, type: 'h' });
    m.base = { name: baseName, seq: baseSeq, type: 'b' };
    m.currBaseSeq = baseSeq;
    if (st.state === 'wait_rewrite') {
      // The commands received during the rewrite become the first incr file.
      for (const i of m.incrs) m.history.push({ ...i, type: 'h' });
      const seq = m.currIncrSeq + 1;
      const name = `${fileName(s)}.${seq}.incr.aof`;
      flushAof(s);
      renameSync(join(dir, tempIncrName(s)), join(dir, name));
      st.fdPath = join(dir, name);
      m.incrs = [{ name, seq, type: 'i' }];
      m.currIncrSeq = seq;
      st.state = 'on';
      s.log.notice('AOF rewrite done, the append only file is enabled');
    } else if (st.state === 'off') {
      // BGREWRITEAOF with the AOF disabled: the new base alone describes the dataset.
      for (const i of m.incrs) m.history.push({ ...i, type: 'h' });
      m.incrs = [];
    } else {
      // Every incr file but the one opened when the rewrite started is covered by the new base.
      const last = m.incrs[m.incrs.length - 1];
      for (const i of m.incrs) if (i !== last) m.history.push({ ...i, type: 'h' });
      m.incrs = last ? [last] : [];
    }
    persistManifest(s, m);
  } catch (e) {
    s.log.warning(`Background AOF rewrite failed while installing the new files: ${(e as Error).message}`);
    try { unlinkSync(rw.tmpPath); } catch { /* ignore */ }
    st.lastBgrewriteStatus = 'err';
    st.failures++;
    return;
  }
  // Unwritten bytes of the files the new base replaced are in that base already.
  dropCoveredStranded(st);
  st.baseSize = fileSize(join(dir, m.base!.name));
  st.currentSize = st.baseSize + m.incrs.reduce((n, i) => n + fileSize(join(dir, i.name)), 0);
  st.lastBgrewriteStatus = 'ok';
  st.failures = 0;
  st.rewrites++;
  deleteHistory(s, m);
  s.log.notice('Background AOF rewrite terminated with success');
  s.log.notice('Background AOF rewrite finished successfully');
}

function killRewrite(s: Server): void {
  const st = aof(s);
  const rw = st.rewrite;
  if (rw === null) return;
  s.log.notice('Killing running AOF rewrite child');
  st.rewrite = null;
  rw.snapshot.abort('killed');
  try { closeSync(rw.fd); } catch { /* ignore */ }
  try { unlinkSync(rw.tmpPath); } catch { /* ignore */ }
}

/** Completes a running rewrite synchronously (before DEBUG LOADAOF). */
function finishRunningRewrite(s: Server): void {
  aof(s).rewrite?.snapshot.runToEnd();
}

// ------------------------------------------------------------------ on / off

function startAppendOnly(s: Server): string | null {
  const st = aof(s);
  if (st.state !== 'off') return null;
  st.state = 'wait_rewrite';
  if (st.removeFeed === null) st.removeFeed = s.propagator.addFeed((dbid, argv) => feed(s, dbid, argv), PROPAGATE_AOF);
  try {
    ensureDir(s);
    st.manifest = loadManifest(s);
  } catch (e) {
    s.log.warning(`AOF: can't read the existing manifest (${(e as Error).message}); starting a new one`);
    st.manifest = emptyManifest();
  }
  const r = startRewrite(s);
  if (r !== null && r !== 'scheduled') {
    stopAppendOnly(s);
    return 'Unable to turn on AOF. Check server logs.';
  }
  // Errors of the AOF as it was before it was turned off do not concern the new one.
  st.lastFsync = Date.now();
  if (st.fsyncStatus === 'err') {
    s.log.warning('AOF reopen, just ignore the AOF fsync error in bio job');
    st.fsyncStatus = 'ok';
  }
  if (st.lastWriteStatus === 'err') {
    s.log.warning('AOF reopen, just ignore the last error.');
    st.lastWriteStatus = 'ok';
  }
  return null;
}

function stopAppendOnly(s: Server): void {
  const st = aof(s);
  if (st.state === 'off') return;
  flushAof(s);
  closeFd(s, st, false);
  killRewrite(s);
  if (st.state === 'wait_rewrite') {
    try { unlinkSync(join(aofDir(s), tempIncrName(s))); } catch { /* ignore */ }
  }
  st.state = 'off';
  st.scheduled = false;
  st.pending = [];
  st.stranded = [];
  st.removeFeed?.();
  st.removeFeed = null;
}

// ------------------------------------------------------------------ loading

export class AofLoadError extends Error {}

type LoadStatus = 'ok' | 'empty' | 'truncated';

/**
 * Replays one AOF file. An RDB image (base file) is loaded as such; otherwise the file is a
 * sequence of RESP commands, `#` annotation lines, and MULTI/EXEC blocks applied whole.
 */
function* loadFile(s: Server, name: string, lastFile: boolean): Generator<number, LoadStatus, void> {
  const path = join(aofDir(s), name);
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (e) {
    s.log.warning(`Fatal error: can't open the append log file ${name} for reading: ${(e as Error).message}`);
    throw new AofLoadError(`can't open ${name}`);
  }
  if (data.length === 0) return 'empty';
  if (data.subarray(0, 5).toString('latin1') === 'REDIS' || data.subarray(0, 6).toString('latin1') === 'VALKEY') {
    s.log.notice('Reading RDB base file on AOF loading...');
    const run = imageLoader(s, data, { allowDuplicates: true });
    try {
      for (;;) {
        const n = run.it.next();
        if (n.done) { run.done(n.value); break; }
        yield n.value;
      }
    } catch (e) {
      logLoadError(s, e);
      s.log.warning(`Error reading the RDB base file ${name}, AOF loading aborted`);
      throw new AofLoadError((e as Error).message);
    } finally {
      run.cleanup();
    }
    return 'ok';
  }
  const fake = s.fakeClient();
  let pos = 0;
  let validUpTo = 0;
  let validBeforeMulti = 0;
  let multi: Buffer[][] | null = null;
  const run = (argv: Buffer[]) => {
    const cmd = resolveCommand(s, argv);
    if (typeof cmd === 'string') {
      s.log.warning(`Unknown command '${argv[0]!.toString('latin1')}' reading the append only file ${name}`);
      throw new AofLoadError('unknown command');
    }
    call(s, fake, cmd, argv);
    fake.w.truncate(0);
  };
  const line = (): string | null => {
    const e = data.indexOf('\r\n', pos, 'latin1');
    if (e < 0) return null;
    const l = data.toString('latin1', pos, e);
    pos = e + 2;
    return l;
  };
  let truncated = false;
  const badFormat = () => {
    s.log.warning(`Bad file format reading the append only file ${name}: make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>`);
    throw new AofLoadError('bad format');
  };
  outer: while (pos < data.length) {
    if (data[pos] === 0x23 /* # */) {
      if (line() === null) { truncated = true; break; }
      validUpTo = pos;
      continue;
    }
    if (data[pos] !== 0x2a /* * */) badFormat();
    const head = line();
    if (head === null) { truncated = true; break; }
    const argc = Number(head.slice(1));
    if (!Number.isInteger(argc) || argc < 1) badFormat();
    const argv: Buffer[] = [];
    for (let i = 0; i < argc; i++) {
      if (pos >= data.length) { truncated = true; break outer; }
      if (data[pos] !== 0x24 /* $ */) badFormat();
      const l = line();
      if (l === null) { truncated = true; break outer; }
      const len = Number(l.slice(1));
      if (!Number.isInteger(len) || len < 0) badFormat();
      if (pos + len + 2 > data.length) { truncated = true; break outer; }
      argv.push(Buffer.from(data.subarray(pos, pos + len)));
      pos += len + 2;
    }
    const name0 = argv[0]!.toString('latin1').toLowerCase();
    if (name0 === 'multi') {
      validBeforeMulti = validUpTo;
      multi = [];
    } else if (name0 === 'exec' && multi !== null) {
      for (const q of multi) run(q);
      multi = null;
    } else if (multi !== null) {
      multi.push(argv);
    } else {
      run(argv);
    }
    validUpTo = pos;
    yield pos;
  }
  if (!truncated && multi === null) return 'ok';
  if (multi !== null) {
    s.log.warning(`Revert incomplete MULTI/EXEC transaction in AOF file ${name}`);
    validUpTo = validBeforeMulti;
  }
  if (!truncated) {
    // A file ending inside MULTI without a torn command.
    truncated = true;
  }
  if (s.config.bool('aof-load-truncated') && lastFile) {
    s.log.warning(`!!! Warning: short read while loading the AOF file ${name}!!!`);
    s.log.warning(`!!! Truncating the AOF ${name} at offset ${validUpTo} !!!`);
    try {
      truncateSync(path, validUpTo);
    } catch (e) {
      s.log.warning(`Error truncating the AOF file ${name}: ${(e as Error).message}`);
      throw new AofLoadError('truncate failed');
    }
    s.log.warning(`AOF ${name} loaded anyway because aof-load-truncated is enabled`);
    return 'truncated';
  }
  if (!lastFile) {
    s.log.warning('Fatal error: the truncated file is not the last file');
  } else {
    s.log.warning(`Unexpected end of file reading the append only file ${name}. You can: 1) Make a backup of your AOF file, then use ./valkey-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
  }
  throw new AofLoadError('truncated');
}

/** The files of the manifest in loading order; throws when one is missing. */
function filesToLoad(s: Server, m: AofManifest): AofInfo[] {
  const files: AofInfo[] = [];
  if (m.base) files.push(m.base);
  files.push(...m.incrs);
  const dir = aofDir(s);
  for (const f of files) {
    if (!existsSync(join(dir, f.name))) {
      s.log.warning(`The append log file ${f.name} doesn't exist`);
      throw new AofLoadError(`missing ${f.name}`);
    }
  }
  return files;
}

/**
 * Loads the base and incr files named by the manifest, yielding the bytes loaded so far (over
 * all files) after every key or command. Returns false when there are no files.
 */
function* loadFiles(s: Server, m: AofManifest): Generator<number, boolean, void> {
  const files = filesToLoad(s, m);
  if (files.length === 0) return false;
  const dir = aofDir(s);
  const ks = s.ks;
  const dirty = ks.dirty;
  const wasLoading = s.loading;
  s.loading = true;
  let before = 0;
  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i]!;
      const start = performance.now();
      const it = loadFile(s, f.name, i === files.length - 1);
      let r: LoadStatus;
      for (;;) {
        const n = it.next();
        if (n.done) { r = n.value; break; }
        yield before + n.value;
      }
      before += fileSize(join(dir, f.name));
      if (r !== 'empty') {
        s.log.notice(`DB loaded from ${f.type === 'b' ? 'base' : 'incr'} file ${f.name}: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
      }
    }
  } finally {
    s.loading = wasLoading;
    ks.dirty = dirty;
  }
  st(s).baseSize = m.base ? fileSize(join(dir, m.base.name)) : 0;
  st(s).currentSize = files.reduce((n, f) => n + fileSize(join(dir, f.name)), 0);
  return true;
}

function loadFilesSync(s: Server, m: AofManifest): boolean {
  const it = loadFiles(s, m);
  for (;;) {
    const n = it.next();
    if (n.done) return n.value;
  }
}

/** Start-up: the same, a slice at a time with the loading state and progress (clients get -LOADING). */
async function loadFilesAsync(s: Server, m: AofManifest): Promise<boolean> {
  const files = filesToLoad(s, m);
  if (files.length === 0) return false;
  const dir = aofDir(s);
  const p = beginLoading(s, files.reduce((n, f) => n + fileSize(join(dir, f.name)), 0));
  const interval = Math.max(1024, s.config.num('loading-process-events-interval-bytes'));
  const it = loadFiles(s, m);
  try {
    for (;;) {
      const t0 = performance.now();
      const mark = Math.floor(p.loadedBytes / interval);
      let steps = 0;
      for (;;) {
        const n = it.next();
        if (n.done) return n.value;
        p.loadedBytes = n.value;
        p.keys++;
        if (Math.floor(p.loadedBytes / interval) !== mark) break;
        if ((++steps & 31) === 0 && performance.now() - t0 >= 10) break;
      }
      loadingProgressLog(s, p, 'AOF');
      await yieldToEvents();
      if (s.shuttingDown) throw new AofLoadError('loading interrupted by a shutdown');
    }
  } finally {
    it.return(false);
    endLoading(s);
  }
}

const st = aof;

/**
 * Start-up with `appendonly yes`: loads the AOF (never the RDB), creates a base file if there is
 * none, and opens the last incr file for appending. Returns false when the AOF is disabled.
 * Throws (the server must not start) on an unreadable or corrupt AOF.
 */
export async function aofStartup(s: Server): Promise<boolean> {
  if (!s.config.bool('appendonly')) return false;
  const state = aof(s);
  ensureDir(s);
  state.manifest = loadManifest(s);
  const m = state.manifest;
  const start = performance.now();
  try {
    if (await loadFilesAsync(s, m)) s.log.notice(`DB loaded from append only file: ${((performance.now() - start) / 1000).toFixed(3)} seconds`);
  } catch (e) {
    if (e instanceof AofLoadError) s.log.warning('Fatal error loading the DB, check server logs. Exiting.');
    else logLoadError(s, e);
    // Never serve part of a dataset as if it were all of it.
    s.ks.flushAll(false);
    s.ks.dirty = 0;
    throw e;
  }
  deleteHistory(s, m);
  const dir = aofDir(s);
  if (m.base === null && m.incrs.length === 0) {
    // An empty start: write the (empty) dataset as the base right away.
    const rdb = s.config.bool('aof-use-rdb-preamble');
    const baseName = `${fileName(s)}.1.base.${rdb ? 'rdb' : 'aof'}`;
    const tmp = join(dir, `temp-rewriteaof-${process.pid}.aof`);
    const fd = openSync(tmp, 'w');
    const snap = new Snapshot(s, { ...saveOptions(s), aofCommands: !rdb, aofBase: rdb }, { write: (c) => writeAll(fd, c) });
    if (!snap.start(usedMemory(s))) throw new Error('AOF: cannot create the base file');
    snap.runToEnd();
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(dir, baseName));
    m.base = { name: baseName, seq: 1, type: 'b' };
    m.currBaseSeq = 1;
    s.log.notice(`Creating AOF base file ${baseName} on server start`);
  }
  const created = m.incrs.length === 0;
  if (created) {
    const seq = m.currIncrSeq + 1;
    m.incrs.push({ name: `${fileName(s)}.${seq}.incr.aof`, seq, type: 'i' });
    m.currIncrSeq = seq;
  }
  const last = m.incrs[m.incrs.length - 1]!;
  openAppend(s, state, join(dir, last.name));
  persistManifest(s, m);
  state.state = 'on';
  if (state.removeFeed === null) state.removeFeed = s.propagator.addFeed((dbid, argv) => feed(s, dbid, argv), PROPAGATE_AOF);
  s.log.notice(`${created ? 'Creating' : 'Opening'} AOF incr file ${last.name} on server start`);
  return true;
}

/** DEBUG LOADAOF: flush, empty the dataset, reload from the files on disk. Returns an error text or null. */
export function debugLoadAof(c: Client): string | null {
  const s = c.server;
  s.propagator.preventCurrent();
  const state = aof(s);
  if (state.state !== 'off') {
    finishRunningRewrite(s);
    flushAof(s);
  }
  s.ks.flushAll(false);
  rdbFunctionHooks.flush?.(s);
  try {
    state.manifest = loadManifest(s);
    deleteHistory(s, state.manifest);
    if (!loadFilesSync(s, state.manifest)) {
      s.log.warning('DEBUG LOADAOF: there are no AOF files to load');
      s.ks.dirty = 0;
      return 'ERR Error trying to load the AOF files, check server logs.';
    }
  } catch (e) {
    if (!(e instanceof AofLoadError)) s.log.warning(`DEBUG LOADAOF: ${(e as Error).message}`);
    s.ks.dirty = 0;
    return 'ERR Error trying to load the AOF files, check server logs.';
  }
  for (const db of s.ks.dbs) s.ks.changed(db.id, null, 'reload', 0);
  s.ks.dirty = 0;
  s.log.notice('Append Only File loaded by DEBUG LOADAOF');
  return null;
}

/** SHUTDOWN: the last writes reach the disk. */
export function aofShutdown(s: Server): void {
  const state = aof(s);
  if (state.state === 'off') return;
  killRewrite(s);
  flushAof(s);
  closeFd(s, state, false);
}

// ------------------------------------------------------------------ install

/** Delay before retrying a failed rewrite. */
const REWRITE_RETRY_MS = 5000;

function aofCron(s: Server): void {
  const state = aof(s);
  if (state.state === 'off') return;
  // A failed write is retried every cron tick; success lifts the MISCONF.
  if (state.lastWriteStatus === 'err' && state.fd >= 0) appendBytes(s, state, null);
  if (state.unsynced && s.config.str('appendfsync') === 'everysec' && Date.now() - state.lastFsync >= 1000) flushAof(s);
  if (state.scheduled && state.rewrite === null && currentSnapshot(s) === null && !s.loading &&
      Date.now() - state.lastFailAt >= REWRITE_RETRY_MS) {
    const r = startRewrite(s);
    if (r !== null && r !== 'scheduled') state.scheduled = false;
  }
}

export function installAof(s: Server): void {
  aof(s);
  s.cronHooks.push(() => aofCron(s));
  s.config.onChange('appendonly', (cfg) => {
    if (cfg.bool('appendonly')) return startAppendOnly(s);
    stopAppendOnly(s);
    return null;
  });
}

function bgrewriteaofCommand(c: Client): void {
  const s = c.server;
  const state = aof(s);
  if (state.rewrite !== null) {
    c.w.error('ERR Background append only file rewriting already in progress');
    return;
  }
  if (currentSnapshot(s) !== null || persistence(s).current !== null) {
    state.scheduled = true;
    c.w.simple('Background append only file rewriting scheduled');
    return;
  }
  const r = startRewrite(s);
  if (r === 'scheduled') c.w.simple('Background append only file rewriting scheduled');
  else if (r !== null) c.w.error('ERR Can\'t execute an AOF background rewriting. Please check the server logs for more information.');
  else c.w.simple('Background append only file rewriting started');
}

export function registerAof(r: Registry): void {
  r.handle('bgrewriteaof', (c) => bgrewriteaofCommand(c));
}

registerInfoFields('persistence', (s) => {
  const a = aof(s);
  const rw = a.rewrite;
  const fields: Record<string, string | number> = {
    aof_enabled: a.state !== 'off' ? 1 : 0,
    aof_rewrite_in_progress: rw ? 1 : 0,
    aof_rewrite_scheduled: a.scheduled ? 1 : 0,
    aof_last_rewrite_time_sec: a.lastRewriteTimeSec,
    aof_current_rewrite_time_sec: rw ? Math.floor((Date.now() - rw.startedAt) / 1000) : -1,
    aof_last_bgrewrite_status: a.lastBgrewriteStatus,
    aof_rewrites: a.rewrites,
    aof_rewrites_consecutive_failures: a.failures,
    aof_last_write_status: a.lastWriteStatus === 'ok' && a.fsyncStatus === 'ok' ? 'ok' : 'err',
    aof_last_cow_size: 0,
  };
  if (a.state !== 'off') {
    fields.aof_current_size = a.currentSize;
    fields.aof_base_size = a.baseSize;
    fields.aof_pending_rewrite = a.scheduled ? 1 : 0;
    fields.aof_buffer_length = 0;
    fields.aof_pending_bio_fsync = 0;
    fields.aof_delayed_fsync = 0;
  }
  return fields;
});

debugHooks.loadAof = debugLoadAof;
