// Transactions: MULTI, EXEC, DISCARD, WATCH, UNWATCH.
//
// MULTI puts the client in queueing mode: the dispatcher runs every generic check on each
// following command and then hands it to the `queue` hook (here), which copies its arguments and
// answers +QUEUED. A command rejected while queueing (unknown, wrong arity, OOM, ...) flags the
// transaction, and EXEC then fails with EXECABORT. EXEC runs the queue through the dispatcher's
// call() — so every command gets its own statistics, slow log entry and MONITOR line — with
// blocking denied (BLPOP and friends answer as on timeout); clients blocked on keys the
// transaction made ready are served after EXEC as a whole.
//
// WATCH is optimistic locking on the keyspace change events: any write to a watched key (and the
// expiry of a key that was alive when watched) marks the watching client "dirty", and its next
// EXEC answers a null array. The expiry rules follow Valkey: a key already logically expired when
// WATCHed is remembered as such; its later deletion is no change, while EXEC finding a watched
// key that expired after WATCH counts as a change. FLUSHDB / FLUSHALL / SWAPDB touch a watched
// key only when it existed (SWAPDB: in either database) — tracked per watched key, since those
// events arrive after the databases have changed.
import { CMD, type Command, type Registry } from './registry.js';
import { call } from '../server/dispatch.js';
import { CLIENT_REPLY_ON, CLIENT_REPLY_SKIP, clientResetHooks, type Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import { registerInfoFields } from '../server/info.js';
import { E } from '../errors.js';

/** One (database, key) pair watched by at least one client. */
interface WatchEntry {
  readonly id: string;
  readonly db: number;
  readonly key: Buffer;
  /**
   * Whether the key is physically present (expired or not). Refreshed at WATCH time and after
   * every change event on the key, so that a FLUSHDB / SWAPDB event, which arrives after the
   * databases changed, can still tell whether the key existed before.
   */
  exists: boolean;
  readonly watchers: WatchedKey[];
}

/** A client's watch on an entry. */
interface WatchedKey {
  readonly entry: WatchEntry;
  readonly c: Client;
  /** The key was already logically expired when watched (its deletion is then no change). */
  expired: boolean;
}

interface Queued { cmd: Command; argv: Buffer[] }

/** Per-client transaction state. */
interface TxState {
  queue: Queued[];
  /** A watched key was touched: EXEC answers a null array. */
  dirtyCas: boolean;
  /** A command was rejected while queueing: EXEC answers EXECABORT. */
  dirtyExec: boolean;
  watched: WatchedKey[];
}

/** Per-server watch table. */
interface MultiServerState {
  readonly entries: Map<string, WatchEntry>;
}

const servers = new WeakMap<Server, MultiServerState>();
const clients = new WeakMap<Client, TxState>();

function entryId(db: number, key: Buffer): string { return db + '\0' + key.latin1Slice(0, key.length); }

/** Bytes a queued argument accounts for in CLIENT LIST multi-mem (its length plus a pointer). */
const ARG_OVERHEAD = 8;

function txOf(c: Client): TxState {
  let t = clients.get(c);
  if (t === undefined) {
    t = { queue: [], dirtyCas: false, dirtyExec: false, watched: [] };
    clients.set(c, t);
  }
  return t;
}

/** Installs the server hooks and the change listener the first time a server needs them. */
function serverState(s: Server): MultiServerState {
  const known = servers.get(s);
  if (known !== undefined) return known;
  const state: MultiServerState = { entries: new Map() };
  servers.set(s, state);
  s.hooks.queue = queueCommand;
  s.hooks.flagTransaction = flagTransaction;
  s.hooks.discardTransaction = (c) => {
    const wasMulti = c.inMulti;
    discardTransaction(c);
    // Monitors saw MULTI; show that the transaction ended.
    if (wasMulti && s.monitors.size > 0) s.feedMonitors(c, [Buffer.from('exec')]);
  };
  const prevClosed = s.hooks.clientClosed;
  s.hooks.clientClosed = (c) => {
    if (prevClosed) prevClosed(c);
    if (clients.has(c)) {
      unwatchAll(c);
      clients.delete(c);
    }
  };
  s.ks.onChange((db, key, event) => {
    if (state.entries.size === 0) return;
    if (key === null) wholeDbChanged(s, state, db, event);
    else keyChanged(s, state, db, key);
  });
  return state;
}

// ------------------------------------------------------------------ queueing

function queueCommand(c: Client, cmd: Command, argv: Buffer[]): void {
  const t = txOf(c);
  // CLIENT LIST cmd= names the command just queued, as in Valkey.
  c.cmd = cmd;
  c.lastCmd = cmd;
  // An aborted transaction keeps answering QUEUED but holds nothing.
  if (!t.dirtyCas && !t.dirtyExec) {
    // The arguments are views of the query buffer: keep one private copy of all of them.
    let total = 0;
    for (const a of argv) total += a.length;
    const store = Buffer.allocUnsafe(total);
    const copy: Buffer[] = new Array(argv.length);
    let off = 0;
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      a.copy(store, off);
      copy[i] = store.subarray(off, off + a.length);
      off += a.length;
    }
    t.queue.push({ cmd, argv: copy });
    const s = c.server;
    c.multiCount = t.queue.length;
    c.multiFlags |= s.pause.effectiveFlags ? s.pause.effectiveFlags(c, cmd, argv) : cmd.flags;
    c.multiMem += total + ARG_OVERHEAD * argv.length;
  }
  const w = c.w;
  const mark = w.length;
  const mode = c.replyMode;
  w.simple('QUEUED');
  if (mode !== CLIENT_REPLY_ON) {
    w.truncate(mark);
    if (mode === CLIENT_REPLY_SKIP) c.replyMode = CLIENT_REPLY_ON;
  }
}

/** Drops the queued commands (the client stays in MULTI). */
function resetQueue(c: Client, t: TxState): void {
  t.queue = [];
  c.multiCount = 0;
  c.multiFlags = 0;
  c.multiMem = 0;
}

function flagTransaction(c: Client): void {
  if (!c.inMulti) return;
  const t = txOf(c);
  t.dirtyExec = true;
  resetQueue(c, t);
}

function setDirtyCas(c: Client, t: TxState): void {
  t.dirtyCas = true;
  resetQueue(c, t);
  if (!c.extraFlags.includes('d')) c.extraFlags += 'd';
}

function clearDirtyCas(c: Client, t: TxState): void {
  t.dirtyCas = false;
  if (c.extraFlags.includes('d')) c.extraFlags = c.extraFlags.replace(/d/g, '');
}

/** Leaves MULTI: forgets the queue, the abort reasons and every watched key. */
export function discardTransaction(c: Client): void {
  const t = clients.get(c);
  c.inMulti = false;
  c.multiCount = 0;
  c.multiFlags = 0;
  c.multiMem = 0;
  if (t === undefined) return;
  t.queue = [];
  t.dirtyExec = false;
  clearDirtyCas(c, t);
  unwatchAll(c);
}

// ------------------------------------------------------------------ watching

function watchKey(st: MultiServerState, c: Client, t: TxState, key: Buffer): void {
  const dbId = c.db.id;
  const id = entryId(dbId, key);
  for (const wk of t.watched) if (wk.entry.id === id) return;
  const db = c.db;
  const a = db.findRaw(key);
  let entry = st.entries.get(id);
  if (entry === undefined) {
    entry = { id, db: dbId, key: Buffer.from(key), exists: a !== 0, watchers: [] };
    st.entries.set(id, entry);
  } else {
    entry.exists = a !== 0;
  }
  const wk: WatchedKey = { entry, c, expired: a !== 0 && db.isExpired(a) };
  entry.watchers.push(wk);
  t.watched.push(wk);
  c.watchCount = t.watched.length;
}

function unwatchAll(c: Client): void {
  const t = clients.get(c);
  if (t === undefined || t.watched.length === 0) return;
  const st = servers.get(c.server);
  for (const wk of t.watched) {
    const ws = wk.entry.watchers;
    const i = ws.indexOf(wk);
    if (i >= 0) ws.splice(i, 1);
    if (ws.length === 0 && st) st.entries.delete(wk.entry.id);
  }
  t.watched = [];
  c.watchCount = 0;
}

/** A write to one key: every client watching it is dirty (see the expiry rules above). */
function keyChanged(s: Server, st: MultiServerState, dbId: number, key: Buffer): void {
  const entry = st.entries.get(entryId(dbId, key));
  if (entry === undefined) return;
  const db = s.ks.dbs[dbId]!;
  const a = db.findRaw(key);
  entry.exists = a !== 0;
  for (const wk of [...entry.watchers]) {
    if (wk.expired) {
      // Watched while already expired: deleting it changes nothing logically; from now on
      // it is an ordinary missing key. A key rewritten but still expired is no change either.
      if (a === 0) { wk.expired = false; continue; }
      if (db.isExpired(a)) continue;
    }
    const t = txOf(wk.c);
    setDirtyCas(wk.c, t);
    // Once dirty, nothing more can happen to this transaction: stop watching.
    unwatchAll(wk.c);
  }
}

/**
 * FLUSHDB / FLUSHALL / SWAPDB / DEBUG RELOAD of a whole database (the event comes after the
 * change). A watched key counts as touched only if it existed before, or (SWAPDB) exists now.
 */
function wholeDbChanged(s: Server, st: MultiServerState, dbId: number, event: string): void {
  const db = s.ks.dbs[dbId]!;
  const swap = event === 'swapdb';
  for (const entry of [...st.entries.values()]) {
    if (entry.db !== dbId) continue;
    const existed = entry.exists;
    const a = db.findRaw(entry.key);
    const nowExists = a !== 0;
    entry.exists = nowExists;
    // For a flush, the key's new state is "missing" as far as watching is concerned (a reload
    // repopulates the database, but Valkey treats it as emptied then reloaded).
    const replaced = swap && nowExists;
    if (!existed && !replaced) continue;
    const replacedExpired = replaced && db.isExpired(a);
    for (const wk of [...entry.watchers]) {
      if (wk.expired) {
        // An expired key replaced by nothing is no change; by another expired key neither.
        if (!replaced) { wk.expired = false; continue; }
        if (replacedExpired) continue;
      } else if (!existed && replacedExpired) {
        // A missing key replaced by an already expired one: still logically missing.
        wk.expired = true;
        continue;
      }
      setDirtyCas(wk.c, txOf(wk.c));
    }
  }
}

/** True when a watched key that was alive at WATCH time has logically expired since. */
function watchedKeyExpired(s: Server, t: TxState): boolean {
  for (const wk of t.watched) {
    if (wk.expired) continue;
    const db = s.ks.dbs[wk.entry.db]!;
    const a = db.findRaw(wk.entry.key);
    if (a !== 0 && db.isExpired(a)) return true;
  }
  return false;
}

/** The client whose EXEC is running (EXEC cannot nest). */
let executing: Client | null = null;

/** Whether some command c has queued in MULTI lacks `flag` (EXEC on a stale replica checks CMD.stale). */
export function queuedLacks(c: Client, flag: number): boolean {
  const t = clients.get(c);
  return t !== undefined && t.queue.some((q) => (q.cmd.flags & flag) === 0);
}

/** True while c's EXEC runs its queued commands (Valkey's server.in_exec, for that client). */
export function inExec(c: Client): boolean { return executing === c; }

/** INFO total_watched_keys: distinct (database, key) pairs watched. */
export function totalWatchedKeys(s: Server): number {
  const st = servers.get(s);
  return st ? st.entries.size : 0;
}

// ------------------------------------------------------------------ commands

function multiCommand(c: Client): void {
  if (c.inMulti) { c.w.error(E.multiNested); return; }
  serverState(c.server);
  c.inMulti = true;
  c.multiCount = 0;
  c.multiFlags = 0;
  c.multiMem = 0;
  c.w.ok();
}

function discardCommand(c: Client): void {
  if (!c.inMulti) { c.w.error(E.discardNoMulti); return; }
  discardTransaction(c);
  c.w.ok();
}

/** Valkey's reason texts for a command that ACL rules no longer allow at EXEC time. */
function aclReason(err: string): string {
  if (/\bkeys?\b/i.test(err)) return 'no permission to touch the specified keys';
  if (/channel/i.test(err)) return 'no permission to access one of the channels used as arguments';
  return 'no permission to execute the command or subcommand';
}

function execCommand(c: Client, argv: Buffer[]): void {
  const w = c.w;
  if (!c.inMulti) { w.error(E.noMulti); return; }
  const s = c.server;
  const t = txOf(c);
  if (!t.dirtyCas && watchedKeyExpired(s, t)) setDirtyCas(c, t);
  if (t.dirtyExec || t.dirtyCas) {
    if (t.dirtyExec) w.error(E.execAbort);
    else w.nullArray();
    discardTransaction(c);
    return;
  }
  const execCmd = c.cmd;
  const queue = t.queue;
  const denyBefore = c.denyBlocking;
  c.denyBlocking = true;
  // Our own writes must not dirty us: stop watching before running anything.
  unwatchAll(c);
  // Errors replied by the queued commands are theirs: EXEC itself succeeded.
  const errorsBefore = w.errors;
  const acl = s.hooks.acl;
  w.arr(queue.length);
  const outer = executing;
  executing = c;
  try {
    for (const q of queue) {
      // ACL rules may have changed since the command was queued.
      const denied = acl ? acl(c, q.cmd, q.argv) : null;
      if (denied) {
        w.error(E.aclChangedBeforeExec(aclReason(denied)));
        continue;
      }
      call(s, c, q.cmd, q.argv);
    }
  } finally {
    executing = outer;
    c.denyBlocking = denyBefore;
    c.cmd = execCmd;
    c.argv = argv;
    w.errors = errorsBefore;
    discardTransaction(c);
  }
}

function watchCommand(c: Client, argv: Buffer[]): void {
  if (c.inMulti) { c.w.error(E.watchInMulti); return; }
  const st = serverState(c.server);
  const t = txOf(c);
  // Nothing more can happen to a transaction that is already dirty.
  if (!t.dirtyCas) for (let i = 1; i < argv.length; i++) watchKey(st, c, t, argv[i]!);
  c.w.ok();
}

function unwatchCommand(c: Client): void {
  const t = clients.get(c);
  if (t !== undefined) {
    unwatchAll(c);
    clearDirtyCas(c, t);
  }
  c.w.ok();
}

let globalHooksInstalled = false;

export function registerMulti(r: Registry): void {
  r.handle('multi', multiCommand);
  // EXEC is not logged in the slow log itself (Valkey's SKIP_COMMANDLOG); its commands are.
  r.handle('exec', execCommand).flags |= CMD.skip_slowlog;
  r.handle('discard', discardCommand);
  r.handle('watch', watchCommand);
  r.handle('unwatch', unwatchCommand);
  if (!globalHooksInstalled) {
    globalHooksInstalled = true;
    // RESET leaves MULTI and unwatches everything.
    clientResetHooks.push((c) => { if (clients.has(c) || c.inMulti) discardTransaction(c); });
    registerInfoFields('clients', (s) => ({ total_watched_keys: totalWatchedKeys(s) }));
  }
}
