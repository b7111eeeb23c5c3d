// The keyspace: databases over one shared arena, and the single interface every write goes
// through. Each write reports a change event (db, key, event, class) to the registered
// listeners, so WATCH, keyspace notifications, client tracking, replication, AOF and slot
// statistics hook in here once instead of in every command family.
import { performance } from 'node:perf_hooks';
import { Arena, FLAG_OBJ, HDR, MAX_CLASS_BLOCK, MAX_INLINE_VALUE, ADDR_UNITS_SHIFT, ADDR_UNIT_MASK } from './arena.js';
import { Dict } from './dict.js';
import { hashKey } from './hash.js';
import {
  BigString, ENC_EMBSTR, ENC_INT, ENC_RAW, NOTIFY_EXPIRED, NOTIFY_GENERIC, OBJ_STRING, StoredObject,
} from './types.js';

/** Valkey keeps strings up to this length in the embstr encoding. */
export const EMBSTR_LIMIT = 44;

export type ChangeListener = (db: number, key: Buffer | null, event: string, cls: number) => void;

export const LOOKUP_NONE = 0;
export const LOOKUP_NOTOUCH = 1;
export const LOOKUP_NOEXPIRE = 2;
export const LOOKUP_NOSTATS = 4;
export const LOOKUP_WRITE = 8;

export class KeyspaceStats {
  expiredKeys = 0;
  expiredStalePerc = 0;
  expiredTimeCapReached = 0;
  expireCycleCpuMs = 0;
  evictedKeys = 0;
  hits = 0;
  misses = 0;
  expiredSubkeys = 0;
  /** Blocks freed by the background (lazy) freer since start. */
  lazyfreedObjects = 0;
}

/** A detached table being freed in the background, with the position reached so far. */
interface LazyFreeJob {
  dict: Dict;
  /** 0 = t0, 1 = t1. */
  table: number;
  bucket: number;
  remaining: number;
  /** False for blocks a snapshot kept past a synchronous flush: not counted as lazyfreed_objects. */
  stat: boolean;
}

/** Dense list of the keys that carry a TTL, for uniform sampling by the active expire cycle. */
class TtlIndex {
  addrs = new Uint32Array(16);
  count = 0;
  constructor(private arena: Arena) {}
  add(a: number): void {
    if (this.count === this.addrs.length) {
      const n = new Uint32Array(Math.ceil(this.addrs.length * 1.5));
      n.set(this.addrs);
      this.addrs = n;
    }
    this.arena.setTtlPos(a, this.count);
    this.addrs[this.count++] = a;
  }
  remove(a: number): void {
    const pos = this.arena.ttlPos(a);
    const last = this.addrs[--this.count]!;
    this.addrs[pos] = last;
    this.arena.setTtlPos(last, pos);
    if (this.addrs.length > 64 && this.count * 4 < this.addrs.length) {
      this.addrs = this.addrs.slice(0, Math.max(16, this.count * 2));
    }
  }
  moved(oldA: number, newA: number): void {
    const pos = this.arena.ttlPos(oldA);
    this.addrs[pos] = newA;
    this.arena.setTtlPos(newA, pos);
  }
  clear(): void { this.addrs = new Uint32Array(16); this.count = 0; }
}

export class Db {
  dict: Dict;
  ttl: TtlIndex;
  /** Running average TTL (ms) of keys seen by the expire cycle, for INFO keyspace avg_ttl. */
  avgTtl = 0;
  /** Key whose lookups are being served — set by lookups for callers needing the hash. */
  constructor(public id: number, readonly ks: Keyspace) {
    this.dict = new Dict(ks.arena);
    this.ttl = new TtlIndex(ks.arena);
  }

  get size(): number { return this.dict.size; }
  get expiresCount(): number { return this.ttl.count; }

  // ---------------------------------------------------------------- lookups

  /**
   * Finds a live key. Expired keys are deleted on the way (lazy expiry) and reported absent.
   * Touches the LRU/LFU field unless LOOKUP_NOTOUCH.
   */
  lookup(key: Buffer, flags = LOOKUP_NONE): number {
    const a = this.dict.find(key, hashKey(key));
    if (a !== 0) {
      const ks = this.ks;
      // Any caller may go on to change the value in place (some commands that write look keys up
      // for reading, e.g. XREADGROUP): a snapshot in progress copies it first.
      if (ks.beforeWrite !== null && !ks.readOnlyCall) ks.beforeWrite(a);
      const ar = ks.arena;
      const exp = ar.expire(a);
      if (exp !== 0 && exp <= ks.now && !(flags & LOOKUP_NOEXPIRE) && ks.expireIfNeeded(this, a, key)) {
        if (!(flags & LOOKUP_NOSTATS)) ks.stats.misses++;
        if (ks.onKeyMiss !== null && !(flags & LOOKUP_WRITE)) ks.onKeyMiss(this, key);
        return 0;
      }
      if (!(flags & LOOKUP_NOTOUCH) && !ks.noTouch) ks.touch(a);
      if (ar.flags(a) & FLAG_OBJ) ar.markObj(ar.valLen(a));
      if (!(flags & LOOKUP_NOSTATS)) ks.stats.hits++;
      return a;
    }
    if (!(flags & LOOKUP_NOSTATS)) this.ks.stats.misses++;
    if (this.ks.onKeyMiss !== null && !(flags & LOOKUP_WRITE)) this.ks.onKeyMiss(this, key);
    return 0;
  }

  /** Lookup for writes: no hit/miss statistics. */
  lookupWrite(key: Buffer): number { return this.lookup(key, LOOKUP_NOSTATS | LOOKUP_WRITE); }

  /** True when the key exists and is not logically expired (no deletion, no touch). */
  existsNoSideEffects(key: Buffer): boolean {
    const a = this.dict.find(key, hashKey(key));
    if (a === 0) return false;
    const exp = this.ks.arena.expire(a);
    return !(exp !== 0 && exp <= this.ks.now);
  }

  /** Finds a block regardless of expiry. */
  findRaw(key: Buffer): number {
    const a = this.dict.find(key, hashKey(key));
    // Callers may modify what they find (e.g. the hash-field expiry job): copy-on-write first.
    if (a !== 0 && this.ks.beforeWrite !== null) this.ks.beforeWrite(a);
    if (a !== 0 && this.ks.arena.flags(a) & FLAG_OBJ) this.ks.arena.markObj(this.ks.arena.valLen(a));
    return a;
  }

  isExpired(a: number): boolean {
    const exp = this.ks.arena.expire(a);
    return exp !== 0 && exp <= this.ks.now && !this.ks.keysNeverExpire;
  }

  /**
   * The block of key about to be overwritten, or 0. A logically expired one is expired first
   * (its "expired" event and DEL propagation), so the write creates a new key, as Valkey's
   * lookupKeyWrite + dbAdd do.
   */
  private liveOrNone(key: Buffer, h: number): number {
    const old = this.dict.find(key, h);
    if (old !== 0 && this.ks.expireDeletes && this.isExpired(old)) {
      this.ks.expireIfNeeded(this, old, key);
      return 0;
    }
    return old;
  }

  // ---------------------------------------------------------------- string values

  /** A Buffer view of a string value (valid until the next write to this key). */
  stringView(a: number): Buffer {
    const ar = this.ks.arena;
    if (ar.flags(a) & FLAG_OBJ) return (ar.objs[ar.valLen(a)] as BigString).view();
    const slab = ar.u8[a >>> ADDR_UNITS_SHIFT]!;
    const o = ((a & ADDR_UNIT_MASK) << 3) + HDR + ar.keyLen(a);
    return slab.subarray(o, o + ar.valLen(a));
  }

  stringLength(a: number): number {
    const ar = this.ks.arena;
    if (ar.flags(a) & FLAG_OBJ) return (ar.objs[ar.valLen(a)] as BigString).len;
    return ar.valLen(a);
  }

  /**
   * Stores a string value under key, replacing whatever was there.
   * `expireAt`: -1 keep the current TTL, 0 no TTL, >0 absolute ms.
   * `enc`: the encoding to report (ENC_INT / ENC_EMBSTR / ENC_RAW); -1 picks it from the bytes.
   * Returns the block address. Emits no event: the caller reports the change with `changed()`.
   */
  setString(key: Buffer, val: Uint8Array, expireAt = 0, enc = -1): number {
    const h = hashKey(key);
    const old = this.liveOrNone(key, h);
    if (old !== 0 && this.ks.beforeWrite !== null) this.ks.beforeWrite(old);
    return this.writeString(key, h, old, val, val.length, expireAt, enc < 0 ? stringEncoding(val) : enc);
  }

  /** Replaces the value of an existing string block with `len` bytes from `val`. */
  private writeString(key: Buffer, h: number, old: number, val: Uint8Array, len: number, expireAt: number, enc: number): number {
    const ks = this.ks;
    const ar = ks.arena;
    // Out of line when long, or when key + value would not fit a shared-slab block (a big key
    // with a medium value): only the key itself ever needs a dedicated slab.
    const big = len > MAX_INLINE_VALUE || HDR + key.length + len > MAX_CLASS_BLOCK;
    const need = HDR + key.length + (big ? 0 : len);
    let oldExpire = 0;
    if (old !== 0) {
      oldExpire = ar.expire(old);
      const inlineOld = !(ar.flags(old) & FLAG_OBJ);
      if (!big && inlineOld && ar.capacity(old) >= need) {
        // Rewrite in place.
        const off = ar.valueOffset(old);
        ar.slabOf(old).set(val.length === len ? val : val.subarray(0, len), off);
        ar.setValLen(old, len);
        ar.setTypeEnc(old, OBJ_STRING, enc);
        this.applyExpire(old, expireAt < 0 ? oldExpire : expireAt, oldExpire);
        return old;
      }
      if (big && !inlineOld && ar.type(old) === OBJ_STRING) {
        const bs = ar.objs[ar.valLen(old)] as BigString;
        if (bs.buf.length >= len && bs.buf !== val) {
          bs.buf.set(val.length === len ? val : val.subarray(0, len), 0);
          bs.len = len;
          ar.setTypeEnc(old, OBJ_STRING, enc);
          this.applyExpire(old, expireAt < 0 ? oldExpire : expireAt, oldExpire);
          return old;
        }
      }
    }
    const a = ar.alloc(need);
    if (big) {
      const buf = Buffer.allocUnsafe(len);
      buf.set(val.length === len ? val : val.subarray(0, len), 0);
      ar.initBlock(a, key, (OBJ_STRING << 28) | (enc << 24) | ks.lruInit(), ar.storeObj(new BigString(buf, len)), FLAG_OBJ);
    } else {
      ar.initBlock(a, key, (OBJ_STRING << 28) | (enc << 24) | ks.lruInit(), len, 0);
      ar.slabOf(a).set(val.length === len ? val : val.subarray(0, len), ar.valueOffset(a));
    }
    this.install(a, old, h, expireAt < 0 ? oldExpire : expireAt);
    return a;
  }

  /** Stores a collection object under key (replacing any value). Returns the address. */
  setObject(key: Buffer, type: number, enc: number, obj: StoredObject, expireAt = 0): number {
    const ks = this.ks;
    const ar = ks.arena;
    const h = hashKey(key);
    const old = this.liveOrNone(key, h);
    if (old !== 0 && ks.beforeWrite !== null) ks.beforeWrite(old);
    const oldExpire = old !== 0 ? ar.expire(old) : 0;
    const a = ar.alloc(HDR + key.length);
    ar.initBlock(a, key, (type << 28) | (enc << 24) | ks.lruInit(), ar.storeObj(obj), FLAG_OBJ);
    this.install(a, old, h, expireAt < 0 ? oldExpire : expireAt);
    return a;
  }

  /** The collection object of a block. */
  object<T = unknown>(a: number): T {
    const ar = this.ks.arena;
    const i = ar.valLen(a);
    ar.markObj(i);
    return ar.objs[i] as T;
  }

  /** Swaps the object of a block for another (e.g. an encoding conversion). */
  replaceObject(a: number, enc: number, obj: StoredObject): void {
    if (this.ks.beforeWrite !== null) this.ks.beforeWrite(a);
    const ar = this.ks.arena;
    ar.objs[ar.valLen(a)] = obj;
    ar.markObj(ar.valLen(a));
    ar.setTypeEnc(a, ar.type(a), enc);
  }

  /** Links new block `a` in place of `old` (or as a new key), setting its TTL. */
  private install(a: number, old: number, h: number, expireAt: number): void {
    const ar = this.ks.arena;
    if (old !== 0) {
      const oldExp = ar.expire(old);
      this.dict.replace(old, a, h);
      if (oldExp !== 0) {
        if (expireAt !== 0) { this.ttl.moved(old, a); ar.setExpireField(a, expireAt); }
        else this.ttl.remove(old);
      } else if (expireAt !== 0) {
        ar.setExpireField(a, expireAt);
        this.ttl.add(a);
      }
      this.ks.freeBlock(old);
    } else {
      this.dict.insert(a, h);
      if (expireAt !== 0) { ar.setExpireField(a, expireAt); this.ttl.add(a); }
      if (this.ks.onNewKey !== null) this.ks.onNewKey(this, ar.keyView(a));
    }
  }

  private applyExpire(a: number, want: number, had: number): void {
    if (want === had) return;
    const ar = this.ks.arena;
    if (had !== 0 && want === 0) this.ttl.remove(a);
    else if (had === 0 && want !== 0) this.ttl.add(a);
    ar.setExpireField(a, want);
  }

  // ---------------------------------------------------------------- TTL

  expireOf(a: number): number { return this.ks.arena.expire(a); }

  /** Sets (ms > 0) or clears (ms = 0) the TTL of a live block. */
  setExpire(a: number, ms: number): void {
    if (this.ks.beforeWrite !== null) this.ks.beforeWrite(a);
    this.applyExpire(a, ms, this.ks.arena.expire(a));
  }

  // ---------------------------------------------------------------- deletion

  /** Deletes key; returns true if it existed (expired keys count as absent). */
  delete(key: Buffer): boolean {
    const h = hashKey(key);
    const a = this.dict.find(key, h);
    if (a === 0) return false;
    const expired = this.isExpired(a);
    if (expired) {
      this.ks.expireIfNeeded(this, a, key);
      return false;
    }
    this.removeBlock(a, h);
    return true;
  }

  /** Unlinks and frees a block. */
  removeBlock(a: number, h = -1): void {
    if (this.ks.beforeWrite !== null) this.ks.beforeWrite(a);
    const ar = this.ks.arena;
    if (h < 0) h = hashKey(ar.keyView(a));
    if (ar.expire(a) !== 0) this.ttl.remove(a);
    this.dict.remove(a, h);
    this.ks.freeBlock(a);
  }

  /**
   * Moves a live block to another key name in this or another database (RENAME / MOVE).
   * The destination must be absent. Keeps value and TTL. Returns the new address.
   */
  relocate(a: number, newKey: Buffer, dst: Db): number {
    const ks = this.ks;
    if (ks.beforeWrite !== null) ks.beforeWrite(a);
    const ar = ks.arena;
    const flags = ar.flags(a);
    const expire = ar.expire(a);
    const valLen = ar.valLen(a);
    const inlineLen = flags & FLAG_OBJ ? 0 : valLen;
    let na: number;
    if (inlineLen && HDR + newKey.length + inlineLen > MAX_CLASS_BLOCK) {
      // A longer name would push the block out of the size classes: move the value out of line.
      na = ar.alloc(HDR + newKey.length);
      const buf = Buffer.from(this.stringView(a));
      ar.initBlock(na, newKey, ar.meta(a), ar.storeObj(new BigString(buf, buf.length)), flags | FLAG_OBJ);
    } else {
      na = ar.alloc(HDR + newKey.length + inlineLen);
      ar.initBlock(na, newKey, ar.meta(a), valLen, flags);
      if (inlineLen) ar.slabOf(na).set(this.stringView(a), ar.valueOffset(na));
    }
    // Detach the old block without releasing its object.
    ar.setFlags(a, flags & ~FLAG_OBJ);
    this.removeBlock(a);
    dst.install(na, 0, hashKey(newKey), expire);
    return na;
  }

  /** Copies a block into dst under newKey (COPY); the object is cloned by `clone`. */
  copyTo(a: number, newKey: Buffer, dst: Db, clone: (obj: unknown, type: number) => StoredObject): number {
    const ar = this.ks.arena;
    const type = ar.type(a);
    const expire = ar.expire(a);
    if (type === OBJ_STRING) {
      return dst.setString(newKey, this.stringView(a), expire, ar.encoding(a));
    }
    return dst.setObject(newKey, type, ar.encoding(a), clone(this.object(a), type), expire);
  }

  /** Removes every key (Keyspace.flushDb / flushAll first let a snapshot in progress keep the index). */
  clear(): void {
    const ks = this.ks;
    if (this.dict.size > 0) {
      const ar = ks.arena;
      this.dict.forEach((a) => ar.free(a));
    }
    this.dict.clear();
    this.ttl.clear();
    this.avgTtl = 0;
  }

  /** Detaches the contents (for lazy freeing); returns the old index. */
  detach(): Dict {
    const d = this.dict;
    this.dict = new Dict(this.ks.arena);
    this.ttl.clear();
    this.avgTtl = 0;
    return d;
  }
}

/** Valkey's encoding choice for a string written by SET and friends. */
export function stringEncoding(v: Uint8Array): number {
  if (v.length <= 20 && isCanonicalInt64(v)) return ENC_INT;
  return v.length <= EMBSTR_LIMIT ? ENC_EMBSTR : ENC_RAW;
}

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';
/** True when v is the canonical decimal text of a signed 64-bit integer (like string2ll). */
export function isCanonicalInt64(v: Uint8Array): boolean {
  const n = v.length;
  if (n === 0 || n > 20) return false;
  let i = 0;
  let neg = false;
  if (v[0] === 45) { neg = true; i = 1; if (n === 1) return false; }
  if (v[i] === 48) return n === 1; // "0" only; "-0" and leading zeros are not canonical
  const digits = n - i;
  if (digits > 19) return false;
  for (let j = i; j < n; j++) { const c = v[j]!; if (c < 48 || c > 57) return false; }
  if (digits === 19) {
    const lim = neg ? INT64_MIN_DIGITS : INT64_MAX_DIGITS;
    for (let j = 0; j < 19; j++) {
      const c = v[i + j]!, l = lim.charCodeAt(j);
      if (c < l) return true;
      if (c > l) return false;
    }
  }
  return true;
}

export class Keyspace {
  readonly arena = new Arena();
  dbs: Db[] = [];
  readonly stats = new KeyspaceStats();
  /** Command time in ms: keys expire relative to it (fixed for the duration of one command). */
  now = Date.now();
  /** LRU clock (seconds, 24 bits), refreshed by the server cron. */
  lruClock = 0;
  /** Set while a NO-TOUCH client runs a command. */
  noTouch = false;
  /** Writes since the last save. */
  dirty = 0;
  /** When false, lazy expiry reports keys as expired but does not delete them (replicas, pause). */
  expireDeletes = true;
  /**
   * Set while a replica runs its primary's commands: keys past their TTL still exist for them
   * (the primary's own DEL removes them), so both sides compute the same results.
   */
  keysNeverExpire = false;
  lfuMode = false;
  lfuLogFactor = 10;
  lfuDecayTime = 1;
  private listeners: ChangeListener[] = [];
  /** Keyspace notifications: a key was added to a database (Valkey's "new" event, from dbAdd). */
  onNewKey: ((db: Db, key: Buffer) => void) | null = null;
  /** Keyspace notifications: a read lookup found no key ("keymiss"). */
  onKeyMiss: ((db: Db, key: Buffer) => void) | null = null;
  /** Called for every key deleted by expiry (lazy or active) so it can be propagated. */
  onExpire: ((db: Db, key: Buffer) => void) | null = null;
  /**
   * Copy-on-write hook of a snapshot in progress (persistence/rdb.ts): called with a block's
   * address before the block is modified in place, replaced or freed, and on every lookup that
   * finds it (callers may then change the value in place) unless `readOnlyCall` is set. null when
   * no snapshot runs.
   */
  beforeWrite: ((a: number) => void) | null = null;
  /**
   * Set by the dispatcher while a command flagged read-only (and not write) runs: its lookups do
   * not copy the keys they find for a snapshot, since it changes nothing. (Writes through
   * setString/setObject/replaceObject and the other mutators still copy first; a read-only
   * command that updates a cache in place, as PFCOUNT, calls beforeWrite itself.)
   */
  readOnlyCall = false;
  /**
   * Called with a database's key index before its keys are dropped wholesale (FLUSHDB, FLUSHALL),
   * same purpose. Returns true when the snapshot keeps that index: the database then gets a new
   * one and the old blocks are not freed here (the snapshot hands them to freeLater() when done).
   */
  beforeFlush: ((dict: Dict) => boolean) | null = null;
  private lazyFree: LazyFreeJob[] = [];
  private lazyPending = 0;
  /** Database the next active expire slice starts with (rotates so none starves). */
  private expireDbCursor = 0;

  constructor(databases: number) {
    for (let i = 0; i < databases; i++) this.dbs.push(new Db(i, this));
    this.updateLruClock();
  }

  onChange(fn: ChangeListener): void { this.listeners.push(fn); }

  /**
   * Reports a write to key (or null for "every key of the db") to the listeners; `dirty` is what
   * the change counter grows by (a flush counts the keys it removed).
   */
  changed(db: number, key: Buffer | null, event: string, cls: number, dirty = 1): void {
    this.dirty += dirty;
    const ls = this.listeners;
    for (let i = 0; i < ls.length; i++) ls[i]!(db, key, event, cls);
  }

  updateLruClock(): void { this.lruClock = Math.floor(Date.now() / 1000) & 0xffffff; }

  lruInit(): number {
    if (this.lfuMode) return ((Math.floor(Date.now() / 60000) & 0xffff) << 8) | 5;
    return this.lruClock;
  }

  touch(a: number): void {
    const ar = this.arena;
    if (!this.lfuMode) { ar.setLru(a, this.lruClock); return; }
    // LFU: 16 bits of minutes since last decrement, 8-bit logarithmic counter.
    const v = ar.lru(a);
    let counter = this.lfuDecr(v);
    if (counter < 255) {
      const r = Math.random();
      const base = Math.max(0, counter - 5);
      const p = 1.0 / (base * this.lfuLogFactor + 1);
      if (r < p) counter++;
    }
    ar.setLru(a, ((Math.floor(Date.now() / 60000) & 0xffff) << 8) | counter);
  }

  /** LFU counter after applying the time decay. */
  lfuDecr(v: number): number {
    const ldt = v >>> 8;
    let counter = v & 255;
    const now = Math.floor(Date.now() / 60000) & 0xffff;
    const elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
    const periods = this.lfuDecayTime ? Math.floor(elapsed / this.lfuDecayTime) : 0;
    if (periods) counter = periods > counter ? 0 : counter - periods;
    return counter;
  }

  /** Idle seconds of a block (LRU mode). */
  idleSeconds(a: number): number {
    const lru = this.arena.lru(a);
    const now = this.lruClock;
    return now >= lru ? now - lru : now + (0xffffff - lru);
  }

  freeBlock(a: number): void { this.arena.free(a); }

  /**
   * Called when a lookup meets an expired block. Deletes it (unless deletes are suspended)
   * and returns true when the key must be treated as absent.
   */
  expireIfNeeded(db: Db, a: number, key: Buffer): boolean {
    if (this.keysNeverExpire) return false;
    if (!this.expireDeletes) return true;
    const k = Buffer.from(key);
    db.removeBlock(a);
    this.stats.expiredKeys++;
    this.changed(db.id, k, 'expired', NOTIFY_EXPIRED);
    if (this.onExpire) this.onExpire(db, k);
    return true;
  }

  /** Deletes an expired block found by the active cycle. */
  private expireBlock(db: Db, a: number): void {
    const key = this.arena.keyCopy(a);
    db.removeBlock(a);
    this.stats.expiredKeys++;
    this.changed(db.id, key, 'expired', NOTIFY_EXPIRED);
    if (this.onExpire) this.onExpire(db, key);
  }

  /**
   * One slice of the active expire cycle: samples keys with a TTL in each database and deletes
   * the expired ones, repeating while more than `acceptableStale`% of a sample was expired, for
   * at most `budgetMs`. Databases are visited round-robin starting where the previous slice
   * stopped, so a database full of expired keys cannot starve the others. Returns true when
   * time ran out while a database still looked stale (the caller may run another slice after
   * yielding to I/O).
   */
  activeExpire(budgetMs: number, effort: number): boolean {
    if (!this.expireDeletes) return false;
    const start = performance.now();
    const e = Math.max(1, Math.min(10, effort | 0)) - 1;
    const perLoop = 20 + Math.floor((20 * e) / 4);
    const acceptableStale = 10 - e;
    this.now = Date.now();
    const ar = this.arena;
    const ndb = this.dbs.length;
    let sampledTotal = 0, expiredTotal = 0;
    for (let visited = 0; visited < ndb; visited++) {
      const dbIdx = (this.expireDbCursor + visited) % ndb;
      const db = this.dbs[dbIdx]!;
      let iterations = 0;
      while (db.ttl.count > 0) {
        let sampled = 0, expired = 0;
        let ttlSum = 0, ttlSamples = 0;
        const n = Math.min(perLoop, db.ttl.count);
        for (let i = 0; i < n && db.ttl.count > 0; i++) {
          const a = db.ttl.addrs[Math.floor(Math.random() * db.ttl.count)]!;
          const exp = ar.expire(a);
          sampled++;
          if (exp <= this.now) { this.expireBlock(db, a); expired++; }
          else { ttlSum += exp - this.now; ttlSamples++; }
        }
        if (ttlSamples) {
          const avg = ttlSum / ttlSamples;
          db.avgTtl = db.avgTtl ? (db.avgTtl / 50) * 49 + avg / 50 : avg;
        }
        sampledTotal += sampled; expiredTotal += expired;
        const stale = expired * 100 > sampled * acceptableStale;
        iterations++;
        if ((iterations & 15) === 0 && performance.now() - start > budgetMs) {
          this.stats.expiredTimeCapReached++;
          // Resume with this database next time if it still looked stale, else the next one.
          this.expireDbCursor = stale ? dbIdx : (dbIdx + 1) % ndb;
          this.finishCycle(start, sampledTotal, expiredTotal);
          return stale;
        }
        if (!stale) break;
      }
    }
    this.expireDbCursor = (this.expireDbCursor + 1) % ndb;
    this.finishCycle(start, sampledTotal, expiredTotal);
    return false;
  }

  private finishCycle(start: number, sampled: number, expired: number): void {
    this.stats.expireCycleCpuMs += performance.now() - start;
    const current = sampled ? expired / sampled : 0;
    this.stats.expiredStalePerc = this.stats.expiredStalePerc * 0.95 + current * 0.05;
  }

  /**
   * Frees lazily-flushed tables for up to budgetMs. Each job remembers the bucket it reached,
   * so a huge table is walked once in total, not once per step. Returns true if work remains.
   */
  lazyFreeStep(budgetMs: number): boolean {
    const start = performance.now();
    const ar = this.arena;
    let n = 0;
    while (this.lazyFree.length) {
      const job = this.lazyFree[0]!;
      const d = job.dict;
      while (job.table < 2) {
        const t = job.table === 0 ? d.t0 : d.t1;
        if (t === null) { job.table = 2; break; }
        while (job.bucket < t.length) {
          let a = t[job.bucket]!;
          while (a !== 0) { const nx = ar.next(a); ar.free(a); a = nx; n++; }
          t[job.bucket++] = 0;
          if (n >= 1024) {
            job.remaining -= n; this.lazyPending -= n; if (job.stat) this.stats.lazyfreedObjects += n;
            n = 0;
            if (performance.now() - start > budgetMs) return true;
          }
        }
        job.table++;
        job.bucket = 0;
      }
      job.remaining -= n; this.lazyPending -= n; if (job.stat) this.stats.lazyfreedObjects += n;
      n = 0;
      this.lazyPending -= job.remaining; // 0 unless the count drifted
      this.lazyFree.shift();
    }
    return false;
  }

  /** Blocks still waiting to be freed by the background freer (INFO lazyfree_pending_objects). */
  get lazyFreePending(): number { return this.lazyPending; }

  /** FLUSHDB: sync frees now, async hands the table to the background freer. */
  /**
   * FLUSHDB. The change counter grows by the number of keys removed (expired ones not reclaimed
   * yet included), as Valkey's emptyData() count.
   */
  flushDb(db: Db, async: boolean): void {
    const removed = db.size;
    this.emptyDb(db, async);
    this.changed(db.id, null, 'flushdb', NOTIFY_GENERIC, removed);
  }

  /** Drops db's keys: kept by a snapshot in progress, handed to the background freer (async), or freed now. */
  private emptyDb(db: Db, async: boolean): void {
    if (db.size > 0 && this.beforeFlush !== null && this.beforeFlush(db.dict)) db.detach();
    else if (async && db.size > 0) this.queueFree(db.detach(), true);
    else db.clear();
  }

  /** Frees the blocks of an index a snapshot kept past a flush, in the background freer's slices. */
  freeLater(dict: Dict): void { this.queueFree(dict, false); }

  /** Hands an index's blocks to the background freer; `stat`: count them as lazyfreed_objects. */
  private queueFree(dict: Dict, stat: boolean): void {
    if (dict.size === 0) return;
    this.lazyFree.push({ dict, table: 0, bucket: 0, remaining: dict.size, stat });
    this.lazyPending += dict.size;
  }

  /** FLUSHALL; the change counter grows by the number of keys removed, as for FLUSHDB. */
  flushAll(_async: boolean): void {
    const removed = this.dbs.map((db) => db.size);
    if (this.beforeFlush !== null) {
      // A snapshot in progress keeps the indexes it still has to write; the rest is freed key by key.
      for (const db of this.dbs) this.emptyDb(db, false);
    } else {
      // Every block goes at once: dropping the slabs is O(number of slabs).
      for (const db of this.dbs) { db.dict.clear(); db.ttl.clear(); db.avgTtl = 0; }
      this.lazyFree = [];
      this.lazyPending = 0;
      this.arena.reset();
    }
    this.dbs.forEach((db, i) => this.changed(db.id, null, 'flushall', NOTIFY_GENERIC, removed[i]!));
  }

  swapDb(a: number, b: number): void {
    if (a === b) return;
    const A = this.dbs[a]!, B = this.dbs[b]!;
    const d = A.dict, t = A.ttl, avg = A.avgTtl;
    A.dict = B.dict; A.ttl = B.ttl; A.avgTtl = B.avgTtl;
    B.dict = d; B.ttl = t; B.avgTtl = avg;
    this.changed(a, null, 'swapdb', NOTIFY_GENERIC);
    this.changed(b, null, 'swapdb', NOTIFY_GENERIC);
  }

  /** Incremental rehash of every database for about ms milliseconds in total. */
  rehashStep(ms: number): void {
    for (const db of this.dbs) if (db.dict.isRehashing()) { db.dict.rehashMs(ms); return; }
  }

  get totalKeys(): number { let n = 0; for (const db of this.dbs) n += db.size; return n; }
}
