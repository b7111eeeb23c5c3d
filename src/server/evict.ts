// maxmemory: key eviction under a memory limit, as valkey-server does it.
//
// Before every command (while maxmemory is set) performEvictions() compares the used memory
// (info.ts usedMemory(), what INFO used_memory reports, minus the replicas' output buffers) with
// the limit and deletes keys chosen by maxmemory-policy until enough was freed. A command flagged
// denyoom (EXEC of such commands, a script that may write) is refused with -OOM when nothing
// more can be evicted. Work per call is bounded by maxmemory-eviction-tenacity; when the bound
// is hit, eviction goes on between event-loop turns until memory is back under the limit.
//
// The LRU/LFU/TTL policies keep a small pool of the best candidates seen so far (ordered by a
// score: idle time, inverted frequency or closeness of expiry); each round samples
// maxmemory-samples keys of every database into it and evicts the best live entry.
import { performance } from 'node:perf_hooks';
import { CMD, Command } from '../commands/registry.js';
import { E } from '../errors.js';
import { primary } from '../replication/primary.js';
import { hashKey } from '../store/hash.js';
import type { Db } from '../store/keyspace.js';
import { NOTIFY_EVICTED } from '../store/types.js';
import type { Client } from './client.js';
import { timeFreeze } from './dispatch.js';
import { onResetStats, registerInfoFields, usedMemory } from './info.js';
import type { Server } from './server.js';
import { perServer } from './per-server.js';

export const EVICT_OK = 0;
export const EVICT_RUNNING = 1;
export const EVICT_FAIL = 2;

const POOL_SIZE = 16;
/** Above this fill ratio a key index grows whatever the memory limit says. */
const MAX_LOAD_FACTOR = 1.618;

const POLICY_NONE = 0;
const POLICY_LRU = 1;
const POLICY_LFU = 2;
const POLICY_TTL = 3;
const POLICY_RANDOM = 4;

interface PoolEntry { score: number; key: Buffer | null; db: number }

const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');

export class Evictor {
  /** Candidates in ascending score order (best candidate last); key null = empty slot. */
  readonly pool: PoolEntry[] = [];
  kind = POLICY_NONE;
  allKeys = false;
  samples = 5;
  tenacity = 10;
  lazy = true;
  ignoreOnReplica = true;
  /** Database the random policies try first next time. */
  private nextDb = 0;
  /** An eviction continuation is scheduled between event-loop turns. */
  procRunning = false;
  private procHandle: NodeJS.Immediate | null = null;
  /** performance.now() when memory went over the limit without being resolved, 0 when under. */
  exceededSince = 0;
  /** Accumulated ms spent over the limit (INFO total_eviction_exceeded_time). */
  exceededTotalMs = 0;
  /** Whether the last check before a command found memory over the limit (scripts read it). */
  preCommandOom = false;
  /** Set by the replication side when this server replicates from a primary. */
  isReplica: () => boolean = () => false;

  constructor(private readonly s: Server) {
    for (let i = 0; i < POOL_SIZE; i++) this.pool.push({ score: 0, key: null, db: 0 });
    this.refresh();
  }

  refresh(): void {
    const cfg = this.s.config;
    const p = cfg.str('maxmemory-policy');
    this.allKeys = p.startsWith('allkeys-');
    if (p === 'noeviction') this.kind = POLICY_NONE;
    else if (p.endsWith('-lru')) this.kind = POLICY_LRU;
    else if (p.endsWith('-lfu')) this.kind = POLICY_LFU;
    else if (p === 'volatile-ttl') this.kind = POLICY_TTL;
    else this.kind = POLICY_RANDOM;
    this.samples = cfg.num('maxmemory-samples');
    this.tenacity = cfg.num('maxmemory-eviction-tenacity');
    this.lazy = cfg.bool('lazyfree-lazy-eviction');
    this.ignoreOnReplica = cfg.bool('replica-ignore-maxmemory');
  }

  /** Time bound of one eviction call in ms (Infinity at tenacity 100). */
  timeLimitMs(): number {
    const t = this.tenacity;
    if (t <= 10) return (50 * t) / 1000;
    if (t < 100) return (500 * Math.pow(1.15, t - 10)) / 1000;
    return Infinity;
  }

  /** Memory left out of the eviction figure: output buffers of replicas. */
  notCounted(): number {
    let n = 0;
    for (const r of primary(this.s).replicas) n += r.c.outputBytes;
    return n;
  }

  /** Used memory as eviction sees it. */
  used(): number {
    const u = usedMemory(this.s);
    const nc = this.notCounted();
    return u > nc ? u - nc : 0;
  }

  private safe(): boolean {
    const s = this.s;
    if (s.loading || timeFreeze.on) return false;
    if (this.ignoreOnReplica && this.isReplica()) return false;
    // CLIENT PAUSE (WRITE or ALL) pauses evictions too.
    if (s.pause.paused) return false;
    return true;
  }

  /** Evicts keys until used memory is under maxmemory, within the time bound. */
  perform(): number {
    const s = this.s;
    if (!this.safe()) return EVICT_OK;
    const max = s.maxmemory;
    let result = EVICT_FAIL;
    const used = max > 0 ? this.used() : 0;
    if (max === 0 || used <= max) { result = EVICT_OK; return this.metrics(result); }
    if (this.kind === POLICY_NONE) return this.metrics(EVICT_FAIL);
    const toFree = used - max;
    const limit = this.timeLimitMs();
    const start = performance.now();
    const ks = s.ks;
    const ar = ks.arena;
    let freed = 0;
    let keys = 0;
    let exhausted = false;
    while (freed < toFree) {
      const pick = this.kind === POLICY_RANDOM ? this.pickRandom() : this.pickFromPool();
      if (pick === null) { exhausted = true; break; }
      const [db, a] = pick;
      ar.settleObjects();
      const before = ar.usedBytes + ar.objBytes + tableBytes(db);
      const t0 = performance.now();
      this.evict(db, a);
      const t1 = performance.now();
      if (s.latencyThresholdMs > 0 && t1 - t0 >= s.latencyThresholdMs) s.latency.add('eviction-del', t1 - t0);
      freed += before - (ar.usedBytes + ar.objBytes + tableBytes(db));
      keys++;
      if (keys % 16 === 0) {
        // Frees are immediate here, so the real figure can be checked directly.
        if (this.used() <= max) break;
        if (performance.now() - start > limit) { this.startProc(); break; }
      }
    }
    // The evictions queued invalidation messages (client tracking) for other clients: hand them
    // to the sockets now, as valkey-server's event loop does before the next command, so they
    // are not counted as used memory by the next check and do not feed more evictions.
    if (keys > 0) for (const c of s.clients.values()) if (c.w.length > 0 && !c.closeAfterReply) c.flush();
    if (!exhausted) result = this.procRunning ? EVICT_RUNNING : EVICT_OK;
    const ms = performance.now() - start;
    if (s.latencyThresholdMs > 0 && ms >= s.latencyThresholdMs) s.latency.add('eviction-cycle', ms);
    return this.metrics(result);
  }

  closeExceeded(): void { this.metrics(EVICT_OK); }

  private metrics(result: number): number {
    if (result === EVICT_OK) {
      if (this.exceededSince !== 0) {
        this.exceededTotalMs += performance.now() - this.exceededSince;
        this.exceededSince = 0;
      }
    } else if (this.exceededSince === 0) {
      this.exceededSince = performance.now();
    }
    return result;
  }

  /** Deletes one key the way eviction does: event, statistics, propagation. */
  private evict(db: Db, a: number): void {
    const ks = this.s.ks;
    const key = ks.arena.keyCopy(a);
    db.removeBlock(a);
    ks.stats.evictedKeys++;
    ks.changed(db.id, key, 'evicted', NOTIFY_EVICTED);
    // Not a change of the dataset by a client: eviction does not count toward saves.
    ks.dirty--;
    this.s.propagator.also(db.id, [this.lazy ? UNLINK : DEL, key]);
  }

  /** Keeps evicting between event-loop turns until memory is fine or nothing is left. */
  startProc(): void {
    if (this.procRunning) return;
    this.procRunning = true;
    const step = () => {
      this.procHandle = null;
      if (this.s.shuttingDown) { this.procRunning = false; return; }
      if (this.perform() === EVICT_RUNNING) { this.procHandle = setImmediate(step); return; }
      this.procRunning = false;
    };
    this.procHandle = setImmediate(step);
  }

  stop(): void {
    if (this.procHandle !== null) clearImmediate(this.procHandle);
    this.procHandle = null;
    this.procRunning = false;
  }

  // ---------------------------------------------------------------- choosing keys

  private pickRandom(): [Db, number] | null {
    const dbs = this.s.ks.dbs;
    for (let i = 0; i < dbs.length; i++) {
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[this.nextDb]!;
      let a = 0;
      if (this.allKeys) a = db.size > 0 ? db.dict.random() : 0;
      else if (db.ttl.count > 0) a = db.ttl.addrs[Math.floor(Math.random() * db.ttl.count)]!;
      if (a !== 0) return [db, a];
    }
    return null;
  }

  private pickFromPool(): [Db, number] | null {
    const ks = this.s.ks;
    const pool = this.pool;
    for (;;) {
      let total = 0;
      for (const db of ks.dbs) {
        const n = this.allKeys ? db.size : db.ttl.count;
        if (n === 0) continue;
        total += n;
        this.populate(db);
      }
      if (total === 0) return null;
      // Best candidates first; entries whose key is gone (or lost its TTL) are skipped.
      for (let k = POOL_SIZE - 1; k >= 0; k--) {
        const e = pool[k]!;
        if (e.key === null) continue;
        const key = e.key;
        const db = ks.dbs[e.db]!;
        e.key = null;
        e.score = 0;
        const a = db.dict.find(key, hashKey(key));
        if (a === 0) continue;
        if (!this.allKeys && ks.arena.expire(a) === 0) continue;
        return [db, a];
      }
    }
  }

  /** Samples keys of db into the pool. */
  private populate(db: Db): void {
    const want = this.samples;
    const sample = this.allKeys ? sampleDict(db, want) : sampleTtl(db, want);
    const ks = this.s.ks;
    const ar = ks.arena;
    const pool = this.pool;
    for (let j = 0; j < sample.length; j++) {
      const a = sample[j]!;
      let score: number;
      if (this.kind === POLICY_LRU) score = ks.idleSeconds(a);
      else if (this.kind === POLICY_LFU) score = 255 - ks.lfuDecr(ar.lru(a));
      else score = Number.MAX_SAFE_INTEGER - ar.expire(a);
      // First slot that is empty or holds a worse (lower) score.
      let k = 0;
      while (k < POOL_SIZE && pool[k]!.key !== null && pool[k]!.score < score) k++;
      if (k === 0 && pool[POOL_SIZE - 1]!.key !== null) continue; // worse than everything kept
      const key = ar.keyView(a);
      // The same key may already be in the pool (sampled again): keep one entry.
      let dup = false;
      for (let i = 0; i < POOL_SIZE; i++) {
        const e = pool[i]!;
        if (e.key !== null && e.db === db.id && e.key.equals(key)) { dup = true; break; }
      }
      if (dup) continue;
      if (k < POOL_SIZE && pool[k]!.key === null) {
        // empty slot: take it
      } else if (pool[POOL_SIZE - 1]!.key === null) {
        // room on the right: shift k.. one place right
        const last = pool.pop()!;
        pool.splice(k, 0, last);
      } else {
        // full: drop the worst (leftmost) and insert just before k
        k--;
        const first = pool.shift()!;
        pool.splice(k, 0, first);
      }
      const e = pool[k]!;
      e.key = Buffer.from(key);
      e.score = score;
      e.db = db.id;
    }
  }
}

function tableBytes(db: Db): number {
  const d = db.dict;
  return d.t0.byteLength + (d.t1 !== null ? d.t1.byteLength : 0) + db.ttl.addrs.byteLength;
}

/** Up to n keys of db from consecutive buckets starting at a random one. */
function sampleDict(db: Db, n: number): number[] {
  const out: number[] = [];
  const d = db.dict;
  const ar = db.ks.arena;
  const tables = d.t1 !== null ? [d.t0, d.t1] : [d.t0];
  const count = Math.min(n, db.size);
  for (const t of tables) {
    const len = t.length;
    if (len === 0) continue;
    let i = Math.floor(Math.random() * len);
    // Give up after a bounded walk over empty buckets (a sparse table after deletions).
    let empty = 0;
    for (let steps = 0; steps < len && out.length < count; steps++) {
      let a = t[i]!;
      if (a === 0) {
        if (++empty >= 10 * n && out.length > 0) break;
      } else {
        empty = 0;
        while (a !== 0 && out.length < count) { out.push(a); a = ar.next(a); }
      }
      i = i + 1 === len ? 0 : i + 1;
    }
    if (out.length >= count) break;
  }
  return out;
}

/** Up to n random keys of db that carry a TTL. */
function sampleTtl(db: Db, n: number): number[] {
  const out: number[] = [];
  const t = db.ttl;
  const count = Math.min(n, t.count);
  for (let i = 0; i < count; i++) out.push(t.addrs[Math.floor(Math.random() * t.count)]!);
  return out;
}

// ------------------------------------------------------------------ wiring

export const evictor = perServer((s) => new Evictor(s));

let globalsInstalled = false;

/** Installs the OOM hook, config reactions and INFO fields (once per server, at construction). */
export function installEviction(s: Server): void {
  const ev = evictor(s);
  s.hooks.oom = (c: Client, cmd: Command, argv: Buffer[]) => oomCheck(s, ev, c, cmd, argv);
  // A key index does not grow past the limit while its chains are still short (valkey-server's
  // resize-allowed rule): the growth would only make eviction throw keys away for it.
  s.ks.arena.growGuard = (more, fill) => fill > MAX_LOAD_FACTOR || s.maxmemory === 0 || ev.used() + more <= s.maxmemory;
  for (const name of ['maxmemory-policy', 'maxmemory-samples', 'maxmemory-eviction-tenacity', 'lazyfree-lazy-eviction',
    'replica-ignore-maxmemory']) {
    s.config.onChange(name, () => { ev.refresh(); return null; });
  }
  s.config.onChange('maxmemory', () => {
    const max = s.config.num('maxmemory');
    if (max > 0) {
      const used = ev.used();
      if (max < used) {
        s.log.warning(`WARNING: the new maxmemory value set via CONFIG SET (${max}) is smaller than the current memory usage (${used}). This will result in key eviction and/or the inability to accept new write commands depending on the maxmemory-policy.`);
      }
      ev.startProc();
    } else {
      // No limit any more: a period over the limit ends here.
      ev.closeExceeded();
    }
    return null;
  });
  if (!globalsInstalled) {
    globalsInstalled = true;
    registerInfoFields('stats', (srv) => {
      const e = evictor(srv);
      const cur = e.exceededSince !== 0 ? performance.now() - e.exceededSince : 0;
      return {
        total_eviction_exceeded_time: Math.floor(e.exceededTotalMs + cur),
        current_eviction_exceeded_time: Math.floor(cur),
      };
    });
    registerInfoFields('memory', (srv) => ({ mem_not_counted_for_evict: evictor(srv).notCounted() }));
    onResetStats((srv) => {
      const e = evictor(srv);
      e.exceededTotalMs = 0;
      if (e.exceededSince !== 0) e.exceededSince = performance.now();
    });
  }
}

function oomCheck(s: Server, ev: Evictor, c: Client, cmd: Command, argv: Buffer[]): string | null {
  // Not while a busy script is being waited on: its effects and the evictions must not mix.
  if (timeFreeze.on) return null;
  const oom = ev.perform() === EVICT_FAIL;
  ev.preCommandOom = oom;
  if (!oom) return null;
  let flags = cmd.flags & CMD.noscript && s.pause.effectiveFlags ? s.pause.effectiveFlags(c, cmd, argv) : cmd.flags;
  if (cmd.name === 'exec') flags |= c.multiFlags;
  return flags & CMD.denyoom ? E.oom : null;
}
