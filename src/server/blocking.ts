// Blocking operations (BLPOP, BLMOVE, BZPOPMIN, XREAD BLOCK, ...), shared by every family.
//
// A handler that finds nothing to serve calls `block(c, keys, deadline, onTimeout)` instead of
// replying. The client stops reading input and waits in a FIFO queue per key. Every write that
// touches a key with waiters marks it ready (through the keyspace change events, so keys created
// by MULTI/EXEC, RENAME, MOVE, SWAPDB, SORT ... STORE all count). After the command that made the
// key ready has finished (after EXEC as a whole), `serveReady` re-executes each waiter's command
// in FIFO order while the key can still serve it; a waiter that finds nothing again stays in its
// place in the queue. Timeouts use one timer per blocked client, with millisecond precision.
import type { Client } from './client.js';
import type { Server } from './server.js';
import type { Command } from '../commands/registry.js';
import { E } from '../errors.js';

export interface BlockState {
  dbId: number;
  /** Queue ids ("<db>\0<key as latin1>") of the keys waited on. */
  ids: string[];
  keys: Buffer[];
  /** Absolute deadline in ms; 0 waits forever. */
  deadline: number;
  timer: NodeJS.Timeout | null;
  cmd: Command;
  argv: Buffer[];
  /** Writes the timeout reply (e.g. a null array). */
  onTimeout: (c: Client) => void;
  /** Optional readiness test for a key, before re-running the command (default: key exists). */
  ready: ((c: Client, key: Buffer) => boolean) | null;
  /** True for waiters that also wake when the key is deleted (e.g. XREADGROUP on a group). */
  onNoKey: boolean;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function qid(db: number, key: Buffer): string { return db + '\0' + key.latin1Slice(0, key.length); }

export class BlockingManager {
  private queues = new Map<string, Client[]>();
  private readyIds: string[] = [];
  private readySet = new Set<string>();
  /** Set while serveReady re-runs a waiter's command. */
  private rerunning: Client | null = null;
  /** Clients currently blocked on keys. */
  blockedClients = 0;
  /** Of those, clients waiting with onNoKey. */
  blockedOnNoKey = 0;
  /** Executes a command for a client (the dispatcher's call()). */
  callFn: ((c: Client, cmd: Command, argv: Buffer[]) => void) | null = null;

  constructor(private readonly server: Server) {
    server.ks.onChange((db, key) => {
      if (this.queues.size === 0) return;
      if (key === null) {
        // FLUSHDB / FLUSHALL / SWAPDB: every waited key of this db may have changed.
        const prefix = db + '\0';
        for (const id of this.queues.keys()) if (id.startsWith(prefix)) this.markReady(id);
        return;
      }
      const id = qid(db, key);
      if (this.queues.has(id)) this.markReady(id);
    });
  }

  get totalBlockingKeys(): number { return this.queues.size; }
  /** True while c's blocked command is being re-run because a key became ready. */
  isRerun(c: Client): boolean { return this.rerunning === c; }
  get hasReady(): boolean { return this.readyIds.length > 0; }
  /** True when a key currently has clients waiting on it. */
  hasWaiters(db: number, key: Buffer): boolean { return this.queues.has(qid(db, key)); }

  private markReady(id: string): void {
    if (this.readySet.has(id)) return;
    this.readySet.add(id);
    this.readyIds.push(id);
  }

  /**
   * Blocks client c on keys until one is ready, the deadline passes (0 = never) or it is
   * unblocked. When called again while its command is being re-run, the client keeps its place.
   */
  block(c: Client, keys: Buffer[], deadline: number, onTimeout: (c: Client) => void,
        opts: { ready?: (c: Client, key: Buffer) => boolean; onNoKey?: boolean } = {}): void {
    if (this.rerunning === c && c.bstate) {
      c.blocked = true;
      c.blockedReason = 'key';
      return;
    }
    const ids: string[] = [];
    const uniq: Buffer[] = [];
    for (const k of keys) {
      const id = qid(c.db.id, k);
      if (ids.includes(id)) continue;
      ids.push(id);
      uniq.push(Buffer.from(k));
      let q = this.queues.get(id);
      if (!q) { q = []; this.queues.set(id, q); }
      q.push(c);
    }
    const st: BlockState = {
      dbId: c.db.id, ids, keys: uniq, deadline, timer: null, cmd: c.cmd!,
      argv: c.argv.map((a) => Buffer.from(a)), onTimeout, ready: opts.ready ?? null, onNoKey: !!opts.onNoKey,
    };
    c.bstate = st;
    c.blocked = true;
    c.blockedReason = 'key';
    c.onUnblock = (error) => this.unblockExternally(c, error);
    this.blockedClients++;
    if (st.onNoKey) this.blockedOnNoKey++;
    if (deadline > 0) this.armTimer(c, st);
  }

  private armTimer(c: Client, st: BlockState): void {
    // setTimeout cannot wait longer than 2^31-1 ms (it would fire at once): wait in steps.
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, st.deadline - Date.now()));
    st.timer = setTimeout(() => {
      // Timers can fire a little early: re-arm until the deadline has really passed.
      if (Date.now() < st.deadline) { this.armTimer(c, st); return; }
      if (c.bstate !== st) return;
      this.detach(c);
      st.onTimeout(c);
      this.countCall(c, st, false);
      this.finish(c);
    }, delay);
  }

  /** Removes c from every queue and clears its timer and state (does not resume input). */
  private detach(c: Client): void {
    const st = c.bstate;
    if (!st) return;
    for (const id of st.ids) {
      const q = this.queues.get(id);
      if (!q) continue;
      const i = q.indexOf(c);
      if (i >= 0) q.splice(i, 1);
      if (q.length === 0) this.queues.delete(id);
    }
    if (st.timer) clearTimeout(st.timer);
    this.blockedClients--;
    if (st.onNoKey) this.blockedOnNoKey--;
    c.bstate = null;
    c.onUnblock = null;
  }

  private finish(c: Client): void {
    if (c.closed) return;
    c.flushSoon();
    c.resume();
  }

  /** CLIENT UNBLOCK (error=true → UNBLOCKED error, else the timeout reply) and disconnects. */
  private unblockExternally(c: Client, error: boolean): void {
    const st = c.bstate;
    if (!st) return;
    this.detach(c);
    if (c.closed) { c.blocked = false; return; }
    if (error) c.w.error(E.unblockedByClient); else st.onTimeout(c);
    this.countCall(c, st, error);
    this.finish(c);
  }

  /**
   * A command that ends without being re-run (timeout, CLIENT UNBLOCK) is counted here, once,
   * as Valkey's updateStatsOnUnblock does; a command served by a re-run is counted by call().
   */
  private countCall(c: Client, st: BlockState, failed: boolean): void {
    const cmd = st.cmd;
    cmd.calls++;
    if (failed) cmd.failed++;
    c.commands++;
    c.lastCmd = cmd;
    this.server.stats.commandsProcessed++;
  }

  /** Forgets a disconnected client. */
  clientGone(c: Client): void { if (c.bstate) this.detach(c); }

  /** Serves waiters of every ready key, until no key is ready. Called after each command. */
  serveReady(): void {
    while (this.readyIds.length > 0) {
      const ids = this.readyIds;
      this.readyIds = [];
      this.readySet.clear();
      for (const id of ids) this.serveKey(id);
    }
  }

  private serveKey(id: string): void {
    const q = this.queues.get(id);
    if (!q) return;
    const ks = this.server.ks;
    // Serve a snapshot of the queue in order; stop as soon as the key cannot serve anyone.
    for (const c of [...q]) {
      const st = c.bstate;
      if (!st || c.closed) continue;
      const key = st.keys[st.ids.indexOf(id)]!;
      // A blocked client cannot SELECT, so c.db is still the database it blocked in.
      const ok = st.ready ? st.ready(c, key) : ks.dbs[st.dbId]!.existsNoSideEffects(key);
      // Waiters of one key may wait for different things (other types, stream IDs, groups):
      // one that cannot be served does not stop the others from being tried.
      if (!ok) continue;
      c.blocked = false;
      this.rerunning = c;
      try {
        this.callFn!(c, st.cmd, st.argv);
      } finally {
        this.rerunning = null;
      }
      if (c.blocked) continue; // nothing for it after all: it keeps its place
      this.detach(c);
      this.finish(c);
    }
  }
}
