// Command propagation: what the replication stream (and, later, the AOF) receives.
//
// Valkey replicates effects: after a command that changed the dataset (the dirty counter
// grew) its argument vector is propagated, as the handler may have rewritten it (EXPIRE →
// PEXPIREAT, SET EX → SET PXAT, GETDEL → DEL, ...; see `rewriteArgv`). Deletions caused by
// expiry are propagated as DEL or UNLINK. Everything one execution unit produces (a command,
// EXEC with its queued commands, a blocked command being served) is collected and sent when the
// outermost call returns, wrapped in MULTI/EXEC when there is more than one — except for
// commands that touch arbitrary keys (SCAN, RANDOMKEY), whose lazy-expiry deletions go out bare.
//
// Consumers register a feed with `addFeed`; each receives (dbid, argv) with dbid -1 for
// commands not tied to a database (MULTI, EXEC, PING). `CommandStreamEncoder` turns that into
// RESP bytes with the SELECTs a consumer needs.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import type { Db } from '../store/keyspace.js';
import { CMD, type Command } from '../commands/registry.js';

export type PropagationFeed = (dbid: number, argv: Buffer[]) => void;

const MULTI = [Buffer.from('MULTI')];
const EXEC = [Buffer.from('EXEC')];
const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');

interface PendingOp { dbid: number; argv: Buffer[]; target: number }

/** Propagation targets: the AOF and the replicas (a script's redis.set_repl chooses). */
export const PROPAGATE_AOF = 1, PROPAGATE_REPL = 2, PROPAGATE_ALL = 3;

export class Propagator {
  private feeds: PropagationFeed[] = [];
  /** The target of each feed (same index as `feeds`). */
  private feedTargets: number[] = [];
  /** Depth of nested call()s; propagation happens when the outermost one returns. */
  nesting = 0;
  private ops: PendingOp[] = [];
  /** Flags of the outermost command of the current execution unit. */
  private topFlags = 0;
  /** Per nesting level: dirty counter before the call, and the prevent/force marks. */
  private dirtyAt: number[] = [0];
  private markAt: number[] = [0];
  /** Per nesting level: the targets a forced propagation goes to (forceCurrent's argument). */
  private forceTargetAt: number[] = [0];
  /** Commands propagated since start (for tests and INFO-like reporting). */
  propagated = 0;
  /** Where commands that run now go (PROPAGATE_* bits; a script's redis.set_repl). */
  targets = PROPAGATE_ALL;
  /** The client whose execution unit is running (null outside commands, e.g. in the cron). */
  currentClient: Client | null = null;

  constructor(private readonly s: Server) {}

  /** Adds a consumer (`target`: PROPAGATE_AOF, PROPAGATE_REPL or both); returns a function that removes it. */
  addFeed(fn: PropagationFeed, target = PROPAGATE_ALL): () => void {
    this.feeds.push(fn);
    this.feedTargets.push(target);
    return () => {
      const i = this.feeds.indexOf(fn);
      if (i >= 0) { this.feeds.splice(i, 1); this.feedTargets.splice(i, 1); }
    };
  }

  /** True when some consumer wants commands (Valkey's shouldPropagate). */
  get active(): boolean { return this.feeds.length > 0 && !this.s.loading; }

  /** Called by call() before a handler runs. */
  enter(cmd: Command, c: Client): void {
    const n = this.nesting++;
    if (n === 0) { this.topFlags = cmd.flags; this.currentClient = c; }
    this.dirtyAt[n] = this.s.ks.dirty;
    this.markAt[n] = 0;
    this.forceTargetAt[n] = 0;
  }

  /** Called by call() after the handler: propagates the command if it changed the dataset. */
  exit(c: Client, cmd: Command): void {
    const n = this.nesting - 1;
    const mark = this.markAt[n]!;
    const dirty = this.s.ks.dirty > this.dirtyAt[n]!;
    if (this.feeds.length > 0 && (dirty || mark & MARK_FORCE) &&
        !(mark & MARK_PREVENT) && cmd.name !== 'exec' && !this.s.loading && this.targets !== 0) {
      // Still inside the unit: queued with whatever else it produced. A command that changed
      // nothing goes only where its forceCurrent() asked (PUBLISH: replicas, not the AOF).
      this.also(c.db.id, c.argv, dirty ? this.targets : this.targets & this.forceTargetAt[n]!);
    }
    this.nesting = n;
    if (n === 0) {
      if (this.ops.length > 0) this.flush();
      this.currentClient = null;
    }
  }

  /** The running command must not be propagated as is (it propagates what it wants itself). */
  preventCurrent(): void { if (this.nesting > 0) this.markAt[this.nesting - 1]! |= MARK_PREVENT; }

  /**
   * The running command is propagated even if it did not change the dataset, to `target`
   * (PUBLISH goes to replicas only, like Valkey's forceCommandPropagation(c, PROPAGATE_REPL)).
   */
  forceCurrent(target = PROPAGATE_ALL): void {
    if (this.nesting === 0) return;
    this.markAt[this.nesting - 1]! |= MARK_FORCE;
    this.forceTargetAt[this.nesting - 1]! |= target;
  }

  /**
   * Queues a command for propagation with the current execution unit (or sends it at once when
   * no command is running, e.g. from the cron). argv is copied.
   */
  also(dbid: number, argv: Buffer[], target = this.targets): void {
    if (!this.active || target === 0) return;
    const copy = argv.map((a) => Buffer.from(a));
    if (this.nesting === 0) { this.send(dbid, copy, target); return; }
    this.ops.push({ dbid, argv: copy, target });
  }

  /** A key deleted by expiry (lazy or active): propagated as DEL, or UNLINK with lazyfree-lazy-expire. */
  expired(db: Db, key: Buffer): void {
    // Valkey does not count expiry deletions as dataset changes ("dirty"): a read command that
    // expires keys on its way is not propagated, only the deletions are.
    this.s.ks.dirty--;
    if (!this.active) return;
    this.also(db.id, [this.s.config.bool('lazyfree-lazy-expire') ? UNLINK : DEL, key], PROPAGATE_ALL);
  }

  /** Sends the commands of a finished execution unit. */
  private flush(): void {
    const ops = this.ops;
    if (ops.length === 0) return;
    this.ops = [];
    if (!this.active) return;
    const transaction = ops.length > 1 && !(this.topFlags & CMD.touches_arbitrary_keys);
    if (transaction) this.send(-1, MULTI, PROPAGATE_ALL);
    for (const op of ops) this.send(op.dbid, op.argv, op.target);
    if (transaction) this.send(-1, EXEC, PROPAGATE_ALL);
  }

  private send(dbid: number, argv: Buffer[], target: number): void {
    this.propagated++;
    const fs = this.feeds;
    const ts = this.feedTargets;
    for (let i = 0; i < fs.length; i++) if (ts[i]! & target) fs[i]!(dbid, argv);
  }
}

const MARK_PREVENT = 1, MARK_FORCE = 2;

/**
 * Replaces the command vector that will be propagated (the original argv, which SLOWLOG and
 * MONITOR show, is left alone). Strings are taken as latin1 bytes.
 */
export function rewriteArgv(c: Client, ...args: Array<Buffer | string>): void {
  c.argv = args.map((a) => (typeof a === 'string' ? Buffer.from(a, 'latin1') : a));
}

/** Replaces one argument of the command vector that will be propagated. */
export function rewriteArg(c: Client, i: number, v: Buffer | string): void {
  const argv = c.argv.slice();
  argv[i] = typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
  c.argv = argv;
}

/** RESP encoding of a command (a multibulk of bulk strings). */
export function encodeCommand(argv: Buffer[]): Buffer {
  let size = 1 + String(argv.length).length + 2;
  for (const a of argv) size += 1 + String(a.length).length + 2 + a.length + 2;
  const out = Buffer.allocUnsafe(size);
  let p = out.write(`*${argv.length}\r\n`, 0, 'latin1');
  for (const a of argv) {
    p += out.write(`$${a.length}\r\n`, p, 'latin1');
    out.set(a, p);
    p += a.length;
    out[p++] = 13; out[p++] = 10;
  }
  return out;
}

/**
 * Turns propagated commands into a RESP byte stream for one consumer, inserting SELECT whenever
 * a command belongs to a different database than the previous one.
 */
export class CommandStreamEncoder {
  /** Database of the last SELECT emitted (-1: none yet, the next command gets one). */
  selectedDb = -1;

  encode(dbid: number, argv: Buffer[]): Buffer {
    const cmd = encodeCommand(argv);
    if (dbid < 0 || dbid === this.selectedDb) return cmd;
    this.selectedDb = dbid;
    const d = String(dbid);
    const sel = Buffer.from(`*2\r\n$6\r\nSELECT\r\n$${d.length}\r\n${d}\r\n`, 'latin1');
    return Buffer.concat([sel, cmd]);
  }
}
