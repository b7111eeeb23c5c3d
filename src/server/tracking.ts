// Client-side caching support (server-assisted invalidation).
//
// Two ways to follow keys:
// - default mode: every key a tracking client reads is remembered in one table (key name ->
//   ids of the clients that may cache it; key names only, databases are not told apart). When
//   the key changes, each remembered client is told once and the entry is dropped.
// - BCAST mode: the client subscribes to key prefixes; every modified key matching a prefix is
//   collected and sent to the prefix's subscribers once per event-loop turn.
// Messages go as RESP3 pushes (`invalidate [keys]`), or, when redirected to another connection
// that speaks RESP2 and is in pub/sub mode, as messages of the `__redis__:invalidate` channel.
// Invalidations for the connection that is executing a command wait until the whole command
// (transaction, script) has replied.
import type { Client } from './client.js';
import type { Server } from './server.js';
import { CMD, type Command } from '../commands/registry.js';

/** Per-client tracking state (present only while tracking is on). */
export interface ClientTracking {
  /** Redirect target id, 0 for none. */
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** CLIENT CACHING YES (optin) / NO (optout) was given for the next command. */
  caching: boolean;
  brokenRedirect: boolean;
  /** BCAST prefixes (latin1 strings), kept sorted byte-wise. */
  prefixes: string[];
}

export interface TrackingOptions {
  redirect: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  /** Prefix bytes as latin1 strings. */
  prefixes: string[];
}

interface BcastState {
  /** Keys modified since the last broadcast -> the client that last modified it (null: none). */
  keys: Map<string, Client | null>;
  clients: Set<Client>;
}

/** A pending invalidation for the executing client: a key, or null for "everything". */
type Pending = string | null;

const CHANNEL = Buffer.from('__redis__:invalidate');
const MESSAGE = Buffer.from('message');
const INVALIDATE = Buffer.from('invalidate');
const REDIR_BROKEN = Buffer.from('tracking-redir-broken');

export class TrackingState {
  /** key (latin1) -> ids of clients that may hold it. */
  readonly table = new Map<string, Set<number>>();
  /** Number of ids stored across the table. */
  totalItems = 0;
  /** prefix (latin1) -> BCAST state. */
  readonly prefixTable = new Map<string, BcastState>();
  readonly clients = new Map<Client, ClientTracking>();
  /** The client whose command is executing (outermost call), and the call nesting depth. */
  current: Client | null = null;
  depth = 0;
  /** The clients of the nested calls (a script's own client inside EVAL), innermost last. */
  private executing: Client[] = [];
  private pending: Pending[] = [];
  private broadcastScheduled = false;
  /** Consecutive limit runs that could not get the table under the limit. */
  private limitRuns = 0;

  constructor(readonly server: Server) {}

  // ---------------------------------------------------------------- enable / disable

  get(c: Client): ClientTracking | undefined { return this.clients.get(c); }

  enable(c: Client, o: TrackingOptions): void {
    let t = this.clients.get(c);
    if (t === undefined) {
      t = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, caching: false, brokenRedirect: false, prefixes: [] };
      this.clients.set(c, t);
    }
    t.redirect = o.redirect;
    t.brokenRedirect = false;
    t.optin = o.optin;
    t.optout = o.optout;
    t.noloop = o.noloop;
    if (o.bcast) {
      t.bcast = true;
      if (o.prefixes.length === 0) this.addPrefix(c, t, '');
      for (const p of o.prefixes) this.addPrefix(c, t, p);
    } else {
      t.bcast = false;
    }
    this.syncClientFields(c, t);
  }

  disable(c: Client): void {
    const t = this.clients.get(c);
    if (t === undefined) return;
    for (const p of t.prefixes) {
      const bs = this.prefixTable.get(p);
      if (bs === undefined) continue;
      bs.clients.delete(c);
      if (bs.clients.size === 0) this.prefixTable.delete(p);
    }
    this.clients.delete(c);
    this.syncClientFields(c, null);
  }

  private addPrefix(c: Client, t: ClientTracking, p: string): void {
    let bs = this.prefixTable.get(p);
    if (bs === undefined) {
      bs = { keys: new Map(), clients: new Set() };
      this.prefixTable.set(p, bs);
    }
    if (bs.clients.has(c)) return;
    bs.clients.add(c);
    t.prefixes.push(p);
    t.prefixes.sort(compareBytes);
  }

  /** Mirrors the state into the Client fields CLIENT LIST reads (flags t/R/B, redir=). */
  syncClientFields(c: Client, t: ClientTracking | null): void {
    let f = c.extraFlags.replace(/[tRB]/g, '');
    if (t !== null) {
      f += 't';
      if (t.brokenRedirect) f += 'R';
      if (t.bcast) f += 'B';
      c.trackingRedirect = t.redirect;
    } else {
      c.trackingRedirect = -1;
    }
    c.extraFlags = f;
  }

  // ---------------------------------------------------------------- command lifecycle

  /** Before a command is queued or executed: keep the table within tracking-table-max-keys. */
  beforeCommand(c: Client): void {
    if (this.clients.size === 0) return;
    const prev = this.current;
    if (this.depth === 0) this.current = c;
    this.limitUsedSlots();
    if (this.depth === 0) this.current = prev;
  }

  enterCall(c: Client): void {
    if (this.depth++ === 0) this.current = c;
    this.executing.push(c);
  }

  seedExecuting(levels: number, c: Client): void {
    for (let i = 0; i < levels; i++) this.executing.push(c);
  }

  /** The client running the innermost command (who modifies keys, for BCAST NOLOOP). */
  get modifier(): Client | null {
    const e = this.executing;
    return e.length > 0 ? e[e.length - 1]! : null;
  }

  /** After a call: remember the keys read, and at the outermost level send what waited. */
  leaveCall(c: Client, cmd: Command, argv: Buffer[]): void {
    const outer = this.current;
    // (Most servers have no tracking client: no per-command map lookups then.)
    const any = this.clients.size !== 0;
    if (any && outer !== null && cmd.flags & CMD.readonly && !(cmd.flags & CMD.pubsub)) {
      const t = this.clients.get(outer);
      if (t !== undefined && !t.bcast) {
        const n = cmd.name;
        if (n !== 'eval_ro' && n !== 'evalsha_ro' && n !== 'fcall_ro') this.rememberKeys(outer, t, cmd, argv);
      }
    }
    this.executing.pop();
    if (--this.depth > 0) return;
    this.depth = 0;
    this.executing.length = 0;
    this.current = null;
    if (any && outer !== null) {
      const t = this.clients.get(outer);
      // CLIENT CACHING applies to the next command (or the whole transaction) only.
      if (t !== undefined && t.caching && !outer.inMulti && !(cmd.name === 'client' || cmd.parent?.name === 'client')) {
        t.caching = false;
      }
    }
    if (this.pending.length > 0) {
      const list = this.pending;
      this.pending = [];
      if (outer !== null && !outer.closed && this.clients.has(outer)) {
        for (const k of list) this.send(outer, k === null ? null : [k]);
      }
    }
  }

  private rememberKeys(c: Client, t: ClientTracking, cmd: Command, argv: Buffer[]): void {
    if ((t.optin && !t.caching) || (t.optout && t.caching)) return;
    const idx = cmd.keyIndexes(argv);
    for (const i of idx) {
      const a = argv[i];
      if (a === undefined) continue;
      const key = a.latin1Slice(0, a.length);
      let ids = this.table.get(key);
      if (ids === undefined) { ids = new Set(); this.table.set(key, ids); }
      if (!ids.has(c.id)) { ids.add(c.id); this.totalItems++; }
    }
  }

  // ---------------------------------------------------------------- invalidation

  /** A key was modified (or dropped from the table when `bcast` is false). */
  invalidateKey(key: string, modifier: Client | null, bcast: boolean): void {
    if (bcast && this.prefixTable.size > 0) this.rememberForBroadcast(key, modifier);
    const ids = this.table.get(key);
    if (ids === undefined) return;
    const s = this.server;
    for (const id of ids) {
      const target = s.clients.get(id);
      if (target === undefined) continue;
      const t = this.clients.get(target);
      if (t === undefined || t.bcast) continue;
      if (t.noloop && target === this.current) continue;
      if (target === this.current && this.depth > 0) this.pending.push(key);
      else this.send(target, [key]);
    }
    this.totalItems -= ids.size;
    this.table.delete(key);
  }

  /** FLUSHDB / FLUSHALL: everybody tracking is told "everything" and the table is emptied. */
  invalidateAll(): void {
    for (const c of this.clients.keys()) {
      if (c === this.current && this.depth > 0) this.pending.push(null);
      else this.send(c, null);
    }
    this.table.clear();
    this.totalItems = 0;
  }

  private rememberForBroadcast(key: string, modifier: Client | null): void {
    let any = false;
    for (const [p, bs] of this.prefixTable) {
      if (p.length > key.length) continue;
      if (p.length !== 0 && !key.startsWith(p)) continue;
      bs.keys.set(key, modifier);
      any = true;
    }
    if (any && !this.broadcastScheduled) {
      this.broadcastScheduled = true;
      setImmediate(() => {
        this.broadcastScheduled = false;
        this.broadcast();
      });
    }
  }

  /** Sends the keys collected for every prefix to the prefix's subscribers. */
  broadcast(): void {
    for (const bs of this.prefixTable.values()) {
      if (bs.keys.size === 0) continue;
      const all = [...bs.keys.keys()].sort(compareBytes);
      for (const c of bs.clients) {
        const t = this.clients.get(c);
        if (t === undefined || c.closed) continue;
        if (t.noloop) {
          const mine = all.filter((k) => bs.keys.get(k) !== c);
          if (mine.length > 0) this.send(c, mine);
        } else {
          this.send(c, all);
        }
      }
      bs.keys = new Map();
    }
  }

  /**
   * Sends one invalidation on behalf of tracking client c: to c as a push (RESP3), or to its
   * redirect target (push, or a `__redis__:invalidate` message when the target is a RESP2
   * subscriber). keys === null means every key.
   */
  send(c: Client, keys: string[] | null): void {
    const t = this.clients.get(c);
    if (t === undefined) return;
    let dst = c;
    let redirected = false;
    if (t.redirect !== 0) {
      const r = this.server.clients.get(t.redirect);
      if (r === undefined || r.closed) {
        if (!t.brokenRedirect) { t.brokenRedirect = true; this.syncClientFields(c, t); }
        if (c.resp > 2) {
          c.w.push(2);
          c.w.bulk(REDIR_BROKEN);
          c.w.int(t.redirect);
          c.flushSoon();
        }
        return;
      }
      dst = r;
      redirected = true;
    }
    const w = dst.w;
    if (dst.resp > 2) {
      w.push(2);
      w.bulk(INVALIDATE);
    } else if (redirected && dst.subs + dst.psubs + dst.ssubs > 0) {
      w.arr(3);
      w.bulk(MESSAGE);
      w.bulk(CHANNEL);
    } else {
      return;
    }
    if (keys === null) w.nil();
    else {
      w.arr(keys.length);
      for (const k of keys) w.bulkLatin1(k);
    }
    dst.flushSoon();
  }

  // ---------------------------------------------------------------- table limit

  /**
   * Over tracking-table-max-keys, drops keys from the table (telling their clients as if the
   * keys changed). The effort grows with every run that could not get under the limit.
   */
  limitUsedSlots(): void {
    const max = this.server.config.num('tracking-table-max-keys');
    if (max === 0 || this.table.size <= max) { this.limitRuns = 0; return; }
    let effort = 100 * (this.limitRuns + 1);
    while (effort-- > 0 && this.table.size > 0) {
      const key = this.randomKey();
      this.invalidateKey(key, null, false);
      if (this.table.size <= max) { this.limitRuns = 0; return; }
    }
    this.limitRuns++;
  }

  private randomKey(): string {
    // Map has no random access: walk a random distance from the start, bounded for big tables.
    const n = Math.min(this.table.size, 64);
    let skip = Math.floor(Math.random() * n);
    for (const k of this.table.keys()) if (skip-- === 0) return k;
    return this.table.keys().next().value as string;
  }

  // ---------------------------------------------------------------- INFO

  get totalKeys(): number { return this.table.size; }
  get totalPrefixes(): number { return this.prefixTable.size; }
}

/** Byte-wise order of latin1 strings (the order Valkey's radix trees iterate in). */
function compareBytes(a: string, b: string): number { return a < b ? -1 : a > b ? 1 : 0; }

// -------------------------------------------------------------------- per-server wiring

const states = new WeakMap<Server, TrackingState>();

/** The tracking state of a server, or undefined when no client ever enabled tracking. */
export function trackingOf(s: Server): TrackingState | undefined { return states.get(s); }

/** Creates the state and installs the hooks the first time a client enables tracking. */
export function trackingState(s: Server): TrackingState {
  const known = states.get(s);
  if (known !== undefined) return known;
  const st = new TrackingState(s);
  states.set(s, st);
  // Created by CLIENT TRACKING ON, i.e. inside call()s whose enterCall this state missed: take
  // the nesting from the propagator so that those calls' leaveCall balance out.
  const prop = s.propagator;
  if (prop.nesting > 0 && prop.currentClient !== null) {
    st.depth = prop.nesting;
    st.current = prop.currentClient;
    st.seedExecuting(prop.nesting, prop.currentClient);
  }
  const hooks = s.hooks;
  const prevBefore = hooks.beforeCommand;
  hooks.beforeCommand = (c, cmd) => { if (prevBefore) prevBefore(c, cmd); st.beforeCommand(c); };
  const prevEnter = hooks.enterCall;
  hooks.enterCall = (c, cmd) => { if (prevEnter) prevEnter(c, cmd); st.enterCall(c); };
  const prevLeave = hooks.leaveCall;
  hooks.leaveCall = (c, cmd, argv) => { if (prevLeave) prevLeave(c, cmd, argv); st.leaveCall(c, cmd, argv); };
  const prevClosed = hooks.clientClosed;
  hooks.clientClosed = (c) => { if (prevClosed) prevClosed(c); st.disable(c); };
  s.cronHooks.push(() => { if (st.clients.size > 0) st.limitUsedSlots(); });
  s.ks.onChange((_db, key, event) => {
    if (key === null) {
      // FLUSHALL reports every database: one "everything" message is enough.
      if (event === 'flushdb' || (event === 'flushall' && _db === 0)) st.invalidateAll();
      return;
    }
    if (st.table.size === 0 && st.prefixTable.size === 0) return;
    // Expiry and eviction are nobody's doing (NOLOOP does not hide them in BCAST mode); a
    // script's writes are its own client's, not the caller's.
    const modifier = event === 'expired' || event === 'evicted' ? null : st.modifier;
    st.invalidateKey(key.latin1Slice(0, key.length), modifier, true);
  });
  return st;
}
