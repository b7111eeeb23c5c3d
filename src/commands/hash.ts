// The hash family: HSET, HSETNX, HMSET, HGET, HMGET, HGETALL, HKEYS, HVALS, HLEN, HSTRLEN,
// HEXISTS, HDEL, HINCRBY, HINCRBYFLOAT, HRANDFIELD, HSCAN, and Valkey 9's field expiration:
// HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT, HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST,
// HSETEX and HGETEX.
//
// Field expiry works as in Valkey 9: an expired field is hidden from every read at once (lazy
// expiry), and removed by the active expiry job, which walks the keys holding fields with a TTL
// (tracked per database, see VolatileTracker), deletes the expired fields in batches with one
// `hexpired` event per key, and deletes the key (with a `del` event) when its last field goes.
import { performance } from 'node:perf_hooks';
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/keyspace.js';
import type { Dict } from '../store/dict.js';
import { E } from '../errors.js';
import { ENC_HT, ENC_LISTPACK, NOTIFY_GENERIC, NOTIFY_HASH, OBJ_HASH } from '../store/types.js';
import { changed, isArg, lookupTyped, lookupTypedWrite, WRONGTYPE } from './util.js';
import {
  HashObject, REF, SET_UPDATED, SET_OVER_EXPIRED, HEXP_NX, HEXP_XX, HEXP_GT, HEXP_LT,
  HEXP_SET, HEXP_DELETED,
} from '../ds/hash.js';
import { registerTypeDigest, registerTypeReload } from './debug.js';
import { parseCursor } from './keyspace.js';
import { LLONG_MAX, LLONG_MIN, parseI64 } from '../util/number.js';
import { addLongDouble, formatLongDoubleHuman, parseLongDouble, type LongDouble } from '../util/longdouble.js';
import { stringMatch } from '../util/glob.js';
import { setVolatileItemsCounter } from '../server/info.js';
import { registerHashRdb } from './hash-rdb.js';

const HSET = Buffer.from('HSET');
const HSETEX = Buffer.from('HSETEX');
const HDEL = Buffer.from('HDEL');
const HPEXPIREAT = Buffer.from('HPEXPIREAT');
const HPERSIST = Buffer.from('HPERSIST');
const PXAT = Buffer.from('PXAT');
const KEEPTTL = Buffer.from('KEEPTTL');
const FIELDS = Buffer.from('FIELDS');
const ONE = Buffer.from('1');

/** Fields the active expiry job deletes from one key before moving on. */
const EXPIRE_BATCH = 80;
/** HRANDFIELD: a count above size / 3 copies the hash and removes random fields instead. */
const HRANDFIELD_SUB_STRATEGY_MUL = 3;
/** Reply bytes after which a negative-count HRANDFIELD gives up and disconnects the client. */
const OBUF_GUARD = 1 << 30;
/** The same limit for the picks gathered before replying (hashes with field TTLs). */
const PICKS_GUARD = 1 << 24;

// ------------------------------------------------------------------ helpers

/** Replies the value of field (a bulk string), or a null when it is absent or expired. */
function replyField(c: Client, o: HashObject, field: Buffer, now: number): void {
  if (o.ref(field, now)) c.w.bulkLatin1(REF.s, REF.start, REF.end); else c.w.nil();
}

function maxEntries(c: Client): number { return c.server.config.num('hash-max-listpack-entries'); }
function maxValue(c: Client): number { return c.server.config.num('hash-max-listpack-value'); }

/** Keeps the encoding recorded in the key's block (OBJECT ENCODING) in step with the object. */
function syncEncoding(db: Db, a: number, o: HashObject): void {
  const want = o.isListpack ? ENC_LISTPACK : ENC_HT;
  if (db.ks.arena.encoding(a) !== want) db.replaceObject(a, want, o);
}

/** Stores a new hash under key (a === 0) or returns the existing address. */
function storeIfNew(db: Db, key: Buffer, a: number, o: HashObject): number {
  if (a !== 0) return a;
  return db.setObject(key, OBJ_HASH, o.isListpack ? ENC_LISTPACK : ENC_HT, o);
}

function cmdName(c: Client, argv: Buffer[]): string {
  return c.cmd ? c.cmd.fullName : argv[0]!.toString('latin1').toLowerCase();
}

// ------------------------------------------------------------------ volatile key tracking

/**
 * The keys of one database whose hash has at least one field with a TTL, as dense arrays (for
 * uniform random sampling by the active expiry job) plus a Map from key to position.
 */
class VolatileSet {
  keys: string[] = [];
  objs: HashObject[] = [];
  /**
   * Per key, a lower bound of its earliest field expiry: the active job skips a sampled key
   * without touching its hash while this is in the future.
   */
  next = new Float64Array(16);
  pos = new Map<string, number>();
  constructor(public dict: Dict) {}

  get size(): number { return this.keys.length; }

  set(k: string, o: HashObject, next: number): boolean {
    const i = this.pos.get(k);
    if (i !== undefined) { this.objs[i] = o; this.next[i] = next; return false; }
    const n = this.keys.length;
    if (n === this.next.length) {
      const nn = new Float64Array(n * 2);
      nn.set(this.next);
      this.next = nn;
    }
    this.pos.set(k, n);
    this.keys.push(k);
    this.objs.push(o);
    this.next[n] = next;
    return true;
  }

  delete(k: string): boolean {
    const i = this.pos.get(k);
    if (i === undefined) return false;
    this.pos.delete(k);
    const last = this.keys.length - 1;
    if (i !== last) {
      const lk = this.keys[last]!;
      this.keys[i] = lk;
      this.objs[i] = this.objs[last]!;
      this.next[i] = this.next[last]!;
      this.pos.set(lk, i);
    }
    this.keys.pop();
    this.objs.pop();
    if (this.next.length > 64 && this.keys.length * 4 < this.next.length) this.next = this.next.slice(0, this.next.length >> 1);
    return true;
  }

  clear(): void { this.keys = []; this.objs = []; this.next = new Float64Array(16); this.pos.clear(); }
}

/**
 * Per server: for each database, the keys whose hash has at least one field with a TTL
 * (Valkey's keys_with_volatile_items). Hash commands update it directly; every other write is
 * seen through the keyspace change events: an event on a tracked key re-checks it (DEL, SET over
 * it, key expiry, RENAME/MOVE away, ...), and RENAME/MOVE/COPY/RESTORE destinations are checked
 * for a volatile hash arriving. Each set belongs to the database's key dict, so SWAPDB and
 * asynchronous FLUSHDB (which swap or replace dicts) are followed by comparing dict identity.
 */
class VolatileTracker {
  private sets: VolatileSet[] = [];
  private total = 0;
  private dbCursor = 0;
  /** End of the current active expiry run (performance.now() time). */
  private deadline = 0;

  constructor(private readonly s: Server) {
    for (const db of s.ks.dbs) this.sets.push(new VolatileSet(db.dict));
    s.ks.onChange((dbId, key, event, cls) => this.onChange(dbId, key, event, cls));
    s.cronHooks.push((periodMs) => this.cron(periodMs));
  }

  /** The set of db, re-attached to the right dict after SWAPDB or a dict replacement. */
  setFor(db: Db): VolatileSet {
    const i = db.id;
    const cur = this.sets[i]!;
    if (cur.dict === db.dict) return cur;
    const j = this.sets.findIndex((v) => v.dict === db.dict);
    if (j >= 0) {
      this.sets[i] = this.sets[j]!;
      this.sets[j] = cur;
    } else {
      this.total -= cur.size;
      this.sets[i] = new VolatileSet(db.dict);
    }
    return this.sets[i]!;
  }

  count(db: Db): number { return this.setFor(db).size; }

  /** Records whether key (holding o, or nothing) has volatile fields, and its next expiry. */
  update(db: Db, key: Buffer, o: HashObject | null): void {
    this.put(this.setFor(db), key.latin1Slice(0, key.length), o !== null && o.hasVolatile() ? o : null);
  }

  private put(v: VolatileSet, k: string, o: HashObject | null): void {
    if (o !== null) { if (v.set(k, o, o.nextExpiry())) this.total++; }
    else if (v.delete(k)) this.total--;
  }

  /** Re-reads what key holds now. */
  private recheck(db: Db, v: VolatileSet, k: string, key: Buffer): void {
    const a = db.findRaw(key);
    let o: HashObject | null = null;
    if (a !== 0 && db.ks.arena.type(a) === OBJ_HASH) {
      const obj = db.object<unknown>(a);
      if (obj instanceof HashObject && obj.hasVolatile()) o = obj;
    }
    this.put(v, k, o);
  }

  private onChange(dbId: number, key: Buffer | null, event: string, cls: number): void {
    if (key === null) {
      const db = this.s.ks.dbs[dbId];
      if (db === undefined) return;
      const v = this.setFor(db);
      if (event === 'flushdb' || event === 'flushall') {
        this.total -= v.size;
        v.clear();
      } else if (event === 'reload') {
        // The dataset was reloaded (possibly from a file, into a new dict): find every hash
        // with volatile fields again.
        for (const k of [...v.keys]) this.recheck(db, v, k, Buffer.from(k, 'latin1'));
        const ar = db.ks.arena;
        db.dict.forEach((a) => {
          if (ar.type(a) !== OBJ_HASH) return;
          const o = db.object<unknown>(a);
          if (o instanceof HashObject && o.hasVolatile()) this.put(v, ar.keyView(a).latin1Slice(), o);
        });
      }
      return;
    }
    // Hash commands keep the tracking up to date themselves.
    if (cls === NOTIFY_HASH) return;
    const arrival = event === 'rename_to' || event === 'move_to' || event === 'copy_to' || event === 'restore';
    if (this.total === 0 && !arrival) return;
    const db = this.s.ks.dbs[dbId];
    if (db === undefined) return;
    const v = this.setFor(db);
    const k = key.latin1Slice(0, key.length);
    if (arrival || v.pos.has(k)) this.recheck(db, v, k, key);
  }

  /**
   * The active field expiry job, run by the server cron (Valkey's FIELDS expire cycle): for each
   * database, samples tracked keys at random in rounds of 20 (more with active-expire-effort),
   * deleting their expired fields; another round follows while more than 10% of the sampled keys
   * had something to delete. Bounded by a quarter of the cron period, checked after every key.
   */
  private cron(periodMs: number): void {
    const s = this.s;
    const ks = s.ks;
    if (this.total === 0 || !s.activeExpireEnabled || !ks.expireDeletes) return;
    this.deadline = performance.now() + Math.max(1, periodMs / 4);
    const effort = Math.max(1, Math.min(10, s.config.num('active-expire-effort'))) - 1;
    const perLoop = 20 + 5 * effort;
    const acceptableStale = 10 - effort;
    const now = Date.now();
    const ndb = ks.dbs.length;
    for (let d = 0; d < ndb; d++) {
      const dbIdx = (this.dbCursor + d) % ndb;
      const db = ks.dbs[dbIdx]!;
      const v = this.setFor(db);
      for (;;) {
        let sampled = 0, expired = 0;
        const n = Math.min(perLoop, v.size);
        while (sampled < n && v.size > 0) {
          const i = Math.floor(Math.random() * v.size);
          sampled++;
          if (!(v.next[i]! < now)) continue;
          if (this.reclaim(db, v, i, now)) expired++;
          if ((sampled & 7) === 0 && performance.now() > this.deadline) {
            this.dbCursor = dbIdx;
            return;
          }
        }
        if (sampled === 0 || expired * 100 <= sampled * acceptableStale) break;
        if (performance.now() > this.deadline) {
          this.dbCursor = dbIdx;
          return;
        }
      }
    }
    this.dbCursor = (this.dbCursor + 1) % ndb;
  }

  /**
   * Deletes the expired fields of one tracked key (the key too when nothing is left), in
   * batches while time remains. Returns true when it deleted something.
   */
  private reclaim(db: Db, v: VolatileSet, i: number, now: number): boolean {
    const k = v.keys[i]!, o = v.objs[i]!;
    if (!o.hasVolatile()) { this.put(v, k, null); return false; }
    const next = o.nextExpiry();
    v.next[i] = next;
    if (next === 0 || !(next < now)) return false;
    const ks = this.s.ks;
    const key = Buffer.from(k, 'latin1');
    const a = db.findRaw(key);
    if (a === 0 || ks.arena.type(a) !== OBJ_HASH || db.object(a) !== o) {
      this.recheck(db, v, k, key);
      return false;
    }
    let removed = 0;
    for (;;) {
      const n = o.popExpired(now, EXPIRE_BATCH).length;
      removed += n;
      if (n < EXPIRE_BATCH || performance.now() > this.deadline) break;
    }
    if (!o.hasVolatile()) this.put(v, k, null);
    if (removed === 0) return false;
    ks.stats.expiredSubkeys += removed;
    ks.changed(db.id, key, 'hexpired', NOTIFY_HASH);
    if (o.length === 0) {
      db.removeBlock(a);
      ks.changed(db.id, key, 'del', NOTIFY_GENERIC);
    }
    return true;
  }
}

const trackers = new WeakMap<Server, VolatileTracker>();

function tracker(s: Server): VolatileTracker {
  let t = trackers.get(s);
  if (t === undefined) { t = new VolatileTracker(s); trackers.set(s, t); }
  return t;
}

/** After a hash command: records a change of "has volatile fields" for key. */
function trackIfChanged(c: Client, key: Buffer, o: HashObject, had: boolean, keyGone = false, ttlSet = false): void {
  if (keyGone) { if (had) tracker(c.server).update(c.db, key, null); return; }
  // A new TTL may be earlier than the key's recorded next expiry: record it again.
  if (had !== o.hasVolatile() || (ttlSet && had)) tracker(c.server).update(c.db, key, o);
}

/** INFO keyspace keys_with_volatile_items. */
export function keysWithVolatileItems(s: Server, dbId: number): number {
  const t = trackers.get(s);
  const db = s.ks.dbs[dbId];
  return t === undefined || db === undefined ? 0 : t.count(db);
}

// ------------------------------------------------------------------ HSET / HSETNX / HMSET

/** HSET key field value [field value ...] and HMSET (same, replies OK). */
function hsetCommand(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  if ((argc & 1) === 1) { c.w.error(E.arity(cmdName(c, argv))); return; }
  const key = argv[1]!;
  const db = c.db;
  let a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const o = a === 0 ? new HashObject() : db.object<HashObject>(a);
  const ks = c.server.ks;
  const now = ks.now;
  const me = maxEntries(c), mv = maxValue(c);
  o.tryConversion(argv, 2, argc - 1, me, mv);
  const had = o.hasVolatile();
  let created = 0, overExpired = 0;
  for (let i = 2; i < argc; i += 2) {
    const r = o.set(argv[i]!, argv[i + 1]!, 0, false, now, me, mv);
    if (r !== SET_UPDATED) created++;
    if (r === SET_OVER_EXPIRED) overExpired++;
  }
  a = storeIfNew(db, key, a, o);
  syncEncoding(db, a, o);
  trackIfChanged(c, key, o, had);
  if (overExpired) {
    ks.stats.expiredSubkeys += overExpired;
    changed(c, key, 'hexpired', NOTIFY_HASH);
  }
  changed(c, key, 'hset', NOTIFY_HASH);
  ks.dirty += (argc - 2) / 2 - 1;
  const b1 = argv[0]![1]!;
  if (b1 === 0x73 || b1 === 0x53) c.w.int(created); else c.w.ok();
}

/** HSETNX key field value */
function hsetnxCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const db = c.db;
  let a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const ks = c.server.ks;
  const now = ks.now;
  const o = a === 0 ? new HashObject() : db.object<HashObject>(a);
  if (a !== 0 && o.exists(argv[2]!, now)) { c.w.int(0); return; }
  const me = maxEntries(c), mv = maxValue(c);
  o.tryConversion(argv, 2, 3, me, mv);
  const had = o.hasVolatile();
  const r = o.set(argv[2]!, argv[3]!, 0, false, now, me, mv);
  a = storeIfNew(db, key, a, o);
  syncEncoding(db, a, o);
  trackIfChanged(c, key, o, had);
  if (r === SET_OVER_EXPIRED) {
    ks.stats.expiredSubkeys++;
    changed(c, key, 'hexpired', NOTIFY_HASH);
  }
  changed(c, key, 'hset', NOTIFY_HASH);
  // With volatile fields a replica may find the field expired: propagate as HSET.
  if (had) c.argv = [HSET, key, argv[2]!, argv[3]!];
  c.w.int(1);
}

// ------------------------------------------------------------------ reads

function hgetCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  replyField(c, c.db.object<HashObject>(a), argv[2]!, c.server.ks.now);
}

function hmgetCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const argc = argv.length;
  c.w.arr(argc - 2);
  if (a === 0) { for (let i = 2; i < argc; i++) c.w.nil(); return; }
  const o = c.db.object<HashObject>(a);
  const now = c.server.ks.now;
  for (let i = 2; i < argc; i++) replyField(c, o, argv[i]!, now);
}

function hlenCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  c.w.int(a === 0 ? 0 : c.db.object<HashObject>(a).length);
}

function hstrlenCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  c.w.int(c.db.object<HashObject>(a).ref(argv[2]!, c.server.ks.now) ? REF.end - REF.start : 0);
}

function hexistsCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  c.w.int(a !== 0 && c.db.object<HashObject>(a).exists(argv[2]!, c.server.ks.now) ? 1 : 0);
}

const WANT_FIELDS = 1, WANT_VALUES = 2;

/** HGETALL (a map), HKEYS, HVALS (arrays): live fields only. */
function getallGeneric(c: Client, argv: Buffer[], what: number): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const w = c.w;
  const both = what === (WANT_FIELDS | WANT_VALUES);
  if (a === 0) { if (both) w.map(0); else w.arr(0); return; }
  const o = c.db.object<HashObject>(a);
  const now = c.server.ks.now;
  const n = o.liveCount(now);
  if (both) w.map(n); else w.arr(n);
  if (o.isListpack) {
    o.lpForEach((lp, fs, fe, vs, ve) => {
      if (what & WANT_FIELDS) w.bulkLatin1(lp, fs, fe);
      if (what & WANT_VALUES) w.bulkLatin1(lp, vs, ve);
    });
    return;
  }
  const len = o.length;
  for (let s = 0; s < len; s++) {
    if (o.isExpiredSlot(s, now)) continue;
    if (what & WANT_FIELDS) w.bulkLatin1(o.fieldAt(s));
    if (what & WANT_VALUES) w.bulkLatin1(o.valueAt(s));
  }
}

function hgetallCommand(c: Client, argv: Buffer[]): void { getallGeneric(c, argv, WANT_FIELDS | WANT_VALUES); }
function hkeysCommand(c: Client, argv: Buffer[]): void { getallGeneric(c, argv, WANT_FIELDS); }
function hvalsCommand(c: Client, argv: Buffer[]): void { getallGeneric(c, argv, WANT_VALUES); }

// ------------------------------------------------------------------ HDEL

function hdelCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const db = c.db;
  const a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const o = db.object<HashObject>(a);
  const now = c.server.ks.now;
  const had = o.hasVolatile();
  let deleted = 0;
  let gone = false;
  for (let j = 2; j < argv.length; j++) {
    if (o.delete(argv[j]!, now)) {
      deleted++;
      if (o.length === 0) { db.removeBlock(a); gone = true; break; }
    }
  }
  if (deleted) {
    trackIfChanged(c, key, o, had, gone);
    changed(c, key, 'hdel', NOTIFY_HASH);
    if (gone) changed(c, key, 'del', NOTIFY_GENERIC);
    c.server.ks.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

// ------------------------------------------------------------------ HINCRBY / HINCRBYFLOAT

/** Stores the new text of a counter field, keeping its TTL, and reports the write. */
function storeCounter(c: Client, argv: Buffer[], a: number, o: HashObject, text: Buffer, expiry: number,
  event: string, alwaysRewrite: boolean): void {
  const key = argv[1]!, field = argv[2]!;
  const db = c.db;
  const ks = c.server.ks;
  const had = o.hasVolatile();
  const r = o.set(field, text, expiry, false, ks.now, maxEntries(c), maxValue(c));
  a = storeIfNew(db, key, a, o);
  syncEncoding(db, a, o);
  trackIfChanged(c, key, o, had);
  if (r === SET_OVER_EXPIRED) {
    ks.stats.expiredSubkeys++;
    changed(c, key, 'hexpired', NOTIFY_HASH);
  }
  changed(c, key, event, NOTIFY_HASH);
  // Replicate the resulting value (HSETEX keeps the field's TTL on the replica).
  if (alwaysRewrite || had) {
    c.argv = expiry === 0 ? [HSET, key, field, text]
      : [HSETEX, key, PXAT, Buffer.from(String(expiry)), FIELDS, ONE, field, text];
  }
}

function hincrbyCommand(c: Client, argv: Buffer[]): void {
  const incr = parseI64(argv[3]!);
  if (incr === null) { c.w.error(E.notInteger); return; }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const now = c.server.ks.now;
  const o = a === 0 ? new HashObject() : c.db.object<HashObject>(a);
  let cur = 0n;
  let expiry = 0;
  const v = a === 0 ? null : o.get(argv[2]!, now);
  if (v !== null) {
    const p = parseI64(Buffer.from(v, 'latin1'));
    if (p === null) { c.w.error(E.hashNotInteger); return; }
    cur = p;
    expiry = o.expiryOf(argv[2]!, now);
  }
  if ((incr < 0n && cur < 0n && incr < LLONG_MIN - cur) || (incr > 0n && cur > 0n && incr > LLONG_MAX - cur)) {
    c.w.error(E.overflow);
    return;
  }
  const result = cur + incr;
  storeCounter(c, argv, a, o, Buffer.from(result.toString()), expiry, 'hincrby', false);
  c.w.int(result >= -9007199254740991n && result <= 9007199254740991n ? Number(result) : result);
}

function hincrbyfloatCommand(c: Client, argv: Buffer[]): void {
  const incr = parseLongDouble(argv[3]!);
  if (incr === null) { c.w.error(E.notFloat); return; }
  if (incr.inf) { c.w.error(E.valueNanOrInf); return; }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const now = c.server.ks.now;
  const o = a === 0 ? new HashObject() : c.db.object<HashObject>(a);
  let cur: LongDouble = { neg: false, m: 0n, e: 0, inf: false };
  let expiry = 0;
  const v = a === 0 ? null : o.get(argv[2]!, now);
  if (v !== null) {
    const p = parseLongDouble(Buffer.from(v, 'latin1'));
    if (p === null) { c.w.error(E.hashNotFloat); return; }
    cur = p;
    expiry = o.expiryOf(argv[2]!, now);
  }
  const sum = addLongDouble(cur, incr);
  if (sum.inf) { c.w.error(E.nanOrInf); return; }
  const text = Buffer.from(formatLongDoubleHuman(sum), 'latin1');
  storeCounter(c, argv, a, o, text, expiry, 'hincrbyfloat', true);
  c.w.bulk(text);
}

// ------------------------------------------------------------------ HRANDFIELD

const LONG_MAX_STR = '9223372036854775807';

function hrandfieldCommand(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  if (argc >= 3) {
    const l = parseI64(argv[2]!);
    if (l === null) { c.w.error(E.notInteger); return; }
    if (l < -LLONG_MAX) { c.w.error(E.longRange('-' + LONG_MAX_STR, LONG_MAX_STR)); return; }
    let withValues = false;
    if (argc > 4 || (argc === 4 && !isArg(argv[3]!, 'withvalues'))) { c.w.error(E.syntax); return; }
    if (argc === 4) {
      withValues = true;
      if (l < -(LLONG_MAX / 2n) || l > LLONG_MAX / 2n) { c.w.error(E.valueOutOfRange); return; }
    }
    hrandfieldWithCount(c, argv, l, withValues);
    return;
  }
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const o = c.db.object<HashObject>(a);
  if (o.isListpack) {
    const offs = o.lpOffsets();
    const [fs, fe] = o.lpEntry(offs[Math.floor(Math.random() * offs.length)]!);
    c.w.bulkLatin1(o.lp!, fs, fe);
    return;
  }
  const s = o.randomSlot(c.server.ks.now);
  if (s < 0) c.w.nil(); else c.w.bulkLatin1(o.fieldAt(s));
}

function hrandfieldWithCount(c: Client, argv: Buffer[], l: bigint, withValues: boolean): void {
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const w = c.w;
  if (a === 0 || l === 0n) { w.arr(0); return; }
  const o = c.db.object<HashObject>(a);
  const now = c.server.ks.now;
  const uniq = l > 0n;
  const countBig = uniq ? l : -l;
  const size = o.length;
  const resp3 = w.resp >= 3;
  const pairs = withValues && resp3;
  const header = (n: number): void => { w.arr(withValues && !resp3 ? n * 2 : n); };

  // CASE 1: negative count (repeats allowed, random order), or a single field. Like a client
  // going over its output buffer limit, an absurd count stops past OBUF_GUARD reply bytes and
  // the client is disconnected.
  if (!uniq || countBig === 1n) {
    const count = countBig > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(countBig);
    if (o.isListpack) {
      const offs = o.lpOffsets();
      header(count);
      const lp = o.lp!;
      for (let i = 0; i < count; i++) {
        const [fs, fe, vs, ve] = o.lpEntry(offs[Math.floor(Math.random() * offs.length)]!);
        if (pairs) w.arr(2);
        w.bulkLatin1(lp, fs, fe);
        if (withValues) w.bulkLatin1(lp, vs, ve);
        if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
      }
      return;
    }
    const writeSlot = (sl: number): void => {
      if (pairs) w.arr(2);
      w.bulkLatin1(o.fieldAt(sl));
      if (withValues) w.bulkLatin1(o.valueAt(sl));
    };
    if (!o.hasVolatile()) {
      header(count);
      for (let i = 0; i < count; i++) {
        writeSlot(o.randomSlot(now));
        if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
      }
      return;
    }
    // Fields may have expired (a pick can fail): pick first, then size the reply.
    const picks: number[] = [];
    for (let i = 0; i < count; i++) {
      const sl = o.randomSlot(now);
      if (sl < 0) break;
      picks.push(sl);
      if (picks.length >= PICKS_GUARD) { c.closeAfterReply = true; break; }
    }
    header(picks.length);
    for (const sl of picks) writeSlot(sl);
    return;
  }

  // CASE 2: asking for at least as many fields as there are: the whole hash.
  if (countBig >= BigInt(size)) {
    header(o.liveCount(now));
    if (o.isListpack) {
      o.lpForEach((lp, fs, fe, vs, ve) => {
        if (pairs) w.arr(2);
        w.bulkLatin1(lp, fs, fe);
        if (withValues) w.bulkLatin1(lp, vs, ve);
      });
    } else {
      for (let s = 0; s < size; s++) {
        if (o.isExpiredSlot(s, now)) continue;
        if (pairs) w.arr(2);
        w.bulkLatin1(o.fieldAt(s));
        if (withValues) w.bulkLatin1(o.valueAt(s));
      }
    }
    return;
  }
  const count = Number(countBig);

  // CASE 2.5 (listpack): unique fields by selection sampling, in listpack order.
  if (o.isListpack) {
    header(count);
    let need = count, left = size;
    o.lpForEach((lp, fs, fe, vs, ve) => {
      if (need === 0) return false;
      if (Math.random() * left < need) {
        need--;
        if (pairs) w.arr(2);
        w.bulkLatin1(lp, fs, fe);
        if (withValues) w.bulkLatin1(lp, vs, ve);
      }
      left--;
      return true;
    });
    return;
  }

  // CASE 3: count close to the size: copy the live fields, remove random ones.
  if (count * HRANDFIELD_SUB_STRATEGY_MUL > size) {
    const slots: number[] = [];
    for (let s = 0; s < size; s++) if (!o.isExpiredSlot(s, now)) slots.push(s);
    while (slots.length > count) {
      const i = Math.floor(Math.random() * slots.length);
      slots[i] = slots[slots.length - 1]!;
      slots.pop();
    }
    header(slots.length);
    for (const s of slots) {
      if (pairs) w.arr(2);
      w.bulkLatin1(o.fieldAt(s));
      if (withValues) w.bulkLatin1(o.valueAt(s));
    }
    return;
  }

  // CASE 4: a big hash compared to count: random picks, skipping repeats, with a try limit.
  const seen = new Set<number>();
  const picks: number[] = [];
  let tries = count * 10;
  while (picks.length < count && tries-- > 0) {
    const s = o.randomSlot(now);
    if (s < 0) break;
    if (seen.has(s)) continue;
    seen.add(s);
    picks.push(s);
  }
  header(picks.length);
  for (const s of picks) {
    if (pairs) w.arr(2);
    w.bulkLatin1(o.fieldAt(s));
    if (withValues) w.bulkLatin1(o.valueAt(s));
  }
}

// ------------------------------------------------------------------ HSCAN

/** HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES] */
function hscanCommand(c: Client, argv: Buffer[]): void {
  const cur = parseCursor(argv[2]!);
  if (cur === null) { c.w.error(E.invalidCursor); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const w = c.w;
  if (a === 0) { w.arr(2); w.bulk('0'); w.arr(0); return; }
  let count = 10;
  let pattern: string | null = null;
  let novalues = false;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i]!;
    const more = argv.length - i - 1;
    if (isArg(opt, 'count') && more >= 1) {
      const v = parseI64(argv[++i]!);
      if (v === null) { w.error(E.notInteger); return; }
      if (v < 1n) { w.error(E.syntax); return; }
      count = v > 1000000000n ? 1000000000 : Number(v);
    } else if (isArg(opt, 'match') && more >= 1) {
      const p = argv[++i]!;
      pattern = p.length === 1 && p[0] === 42 ? null : p.latin1Slice(0, p.length);
    } else if (isArg(opt, 'novalues')) {
      novalues = true;
    } else if (isArg(opt, 'noscores')) {
      w.error(E.noscoresOnlyZscan); return;
    } else {
      w.error(E.syntax); return;
    }
  }
  const o = c.db.object<HashObject>(a);
  const now = c.server.ks.now;
  if (o.isListpack) {
    const out: number[] = [];
    o.lpForEach((lp, fs, fe, vs, ve) => {
      if (pattern !== null && !stringMatch(pattern, lp.substring(fs, fe))) return;
      out.push(fs, fe);
      if (!novalues) out.push(vs, ve);
    });
    const lp = o.lp!;
    w.arr(2);
    w.bulk('0');
    w.arr(out.length / 2);
    for (let i = 0; i < out.length; i += 2) w.bulkLatin1(lp, out[i]!, out[i + 1]!);
    return;
  }
  const slots: number[] = [];
  const start = cur > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(cur);
  const next = o.scanTable(start, count, now, (s) => {
    if (pattern !== null && !stringMatch(pattern, o.fieldAt(s))) return;
    slots.push(s);
  });
  w.arr(2);
  w.bulk(String(next));
  w.arr(novalues ? slots.length : slots.length * 2);
  for (const s of slots) {
    w.bulkLatin1(o.fieldAt(s));
    if (!novalues) w.bulkLatin1(o.valueAt(s));
  }
}

// ------------------------------------------------------------------ field expiration

/**
 * Finds the FIELDS keyword from argv[from] (not the last argument) and parses the number after
 * it. Returns [index of the first field, numfields] — numfields 0 when FIELDS is missing — or
 * null after replying an error from `parseOptions` (called with the option range) or a
 * not-an-integer numfields.
 */
function locateFields(c: Client, argv: Buffer[], from: number,
  parseOptions: (end: number) => boolean): [number, bigint] | null {
  const argc = argv.length;
  for (let i = from; i < argc - 1; i++) {
    if (isArg(argv[i]!, 'fields')) {
      if (!parseOptions(i)) return null;
      const n = parseI64(argv[i + 1]!);
      if (n === null) { c.w.error(E.notInteger); return null; }
      return [i + 2, n];
    }
  }
  return [argc - 1, 0n];
}

/**
 * Valkey's convertExpireArgumentToUnixTime: a non-negative integer, in seconds or ms, plus the
 * base time; overflow is an invalid expire time. Returns the absolute ms or null after a reply.
 */
function expireArgToTime(c: Client, argv: Buffer[], arg: Buffer, seconds: boolean, base: number): number | null {
  let when = parseI64(arg);
  if (when === null) { c.w.error(E.notInteger); return null; }
  const bad = (): null => { c.w.error(E.invalidExpire(cmdName(c, argv))); return null; };
  if (when < 0n) return bad();
  if (seconds) {
    if (when > LLONG_MAX / 1000n) return bad();
    when *= 1000n;
  }
  const b = BigInt(base);
  if (when > LLONG_MAX - b) return bad();
  return Number(when + b);
}

/** True when a field time is already past for a write (Valkey's checkAlreadyExpired). */
function alreadyExpired(c: Client, when: number): boolean {
  return when <= c.server.ks.now && !c.server.loading;
}

/** HEXPIRE / HPEXPIRE / HEXPIREAT / HPEXPIREAT key time [NX|XX|GT|LT] FIELDS numfields field... */
function hexpireGeneric(c: Client, argv: Buffer[], relative: boolean, seconds: boolean): void {
  let flags = 0;
  const loc = locateFields(c, argv, 3, (end) => {
    let nx = false, xx = false, gt = false, lt = false;
    for (let j = 3; j < end; j++) {
      const opt = argv[j]!;
      if (isArg(opt, 'nx')) { flags |= HEXP_NX; nx = true; }
      else if (isArg(opt, 'xx')) { flags |= HEXP_XX; xx = true; }
      else if (isArg(opt, 'gt')) { flags |= HEXP_GT; gt = true; }
      else if (isArg(opt, 'lt')) { flags |= HEXP_LT; lt = true; }
      else { c.w.error(E.unsupportedOption(opt.toString('latin1'))); return false; }
    }
    if (nx && (xx || gt || lt)) { c.w.error(E.expireNxConflict); return false; }
    if (gt && lt) { c.w.error(E.expireGtLtConflict); return false; }
    return true;
  });
  if (loc === null) return;
  const [fi, nf] = loc;
  const argc = argv.length;
  if (nf === 0n || nf !== BigInt(argc - fi)) { c.w.error(E.numFields); return; }
  const ks = c.server.ks;
  const when = expireArgToTime(c, argv, argv[2]!, seconds, relative ? ks.now : 0);
  if (when === null) return;
  const key = argv[1]!;
  const db = c.db;
  const a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const o = a === 0 ? null : db.object<HashObject>(a);
  const had = o !== null && o.hasVolatile();
  const expireNow = alreadyExpired(c, when);
  const now = ks.now;
  const deletedFields: Buffer[] = [];
  let updated = 0;
  c.w.arr(argc - fi);
  for (let i = fi; i < argc; i++) {
    const r = o === null ? -2 : o.setExpire(argv[i]!, when, flags, expireNow, now);
    if (r === HEXP_SET) updated++;
    else if (r === HEXP_DELETED) deletedFields.push(argv[i]!);
    c.w.int(r);
  }
  if (o === null || (updated === 0 && deletedFields.length === 0)) return;
  const gone = o.length === 0;
  if (!gone) syncEncoding(db, a, o);
  trackIfChanged(c, key, o, had, gone, updated > 0);
  if (deletedFields.length) {
    ks.stats.expiredSubkeys += deletedFields.length;
    c.argv = [HDEL, key, ...deletedFields];
    changed(c, key, 'hexpired', NOTIFY_HASH);
  } else {
    c.argv = [HPEXPIREAT, key, Buffer.from(String(when)), ...argv.slice(3)];
    changed(c, key, 'hexpire', NOTIFY_HASH);
  }
  ks.dirty += updated + deletedFields.length - 1;
  if (gone) {
    db.removeBlock(a);
    changed(c, key, 'del', NOTIFY_GENERIC);
  }
}

function hexpireCommand(c: Client, argv: Buffer[]): void { hexpireGeneric(c, argv, true, true); }
function hpexpireCommand(c: Client, argv: Buffer[]): void { hexpireGeneric(c, argv, true, false); }
function hexpireatCommand(c: Client, argv: Buffer[]): void { hexpireGeneric(c, argv, false, true); }
function hpexpireatCommand(c: Client, argv: Buffer[]): void { hexpireGeneric(c, argv, false, false); }

/** HTTL / HPTTL / HEXPIRETIME / HPEXPIRETIME key FIELDS numfields field... */
function httlGeneric(c: Client, argv: Buffer[], ms: boolean, absolute: boolean): void {
  const nf = parseI64(argv[3]!);
  if (nf === null) { c.w.error(E.notInteger); return; }
  const argc = argv.length;
  if (nf === 0n || nf !== BigInt(argc - 4)) { c.w.error(E.syntax); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const o = a === 0 ? null : c.db.object<HashObject>(a);
  const now = c.server.ks.now;
  const w = c.w;
  w.arr(argc - 4);
  for (let i = 4; i < argc; i++) {
    const t = o === null ? -2 : o.expiryOf(argv[i]!, now);
    if (t === -2) { w.int(-2); continue; }
    if (t === 0) { w.int(-1); continue; }
    let r = absolute ? t : t - now;
    if (r < 0) r = 0;
    w.int(ms ? r : Math.floor((r + 500) / 1000));
  }
}

function httlCommand(c: Client, argv: Buffer[]): void { httlGeneric(c, argv, false, false); }
function hpttlCommand(c: Client, argv: Buffer[]): void { httlGeneric(c, argv, true, false); }
function hexpiretimeCommand(c: Client, argv: Buffer[]): void { httlGeneric(c, argv, false, true); }
function hpexpiretimeCommand(c: Client, argv: Buffer[]): void { httlGeneric(c, argv, true, true); }

/** HPERSIST key FIELDS numfields field... */
function hpersistCommand(c: Client, argv: Buffer[]): void {
  const nf = parseI64(argv[3]!);
  if (nf === null) { c.w.error(E.notInteger); return; }
  const argc = argv.length;
  if (nf === 0n || nf !== BigInt(argc - 4)) { c.w.error(E.numFields); return; }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const o = a === 0 ? null : c.db.object<HashObject>(a);
  const had = o !== null && o.hasVolatile();
  const now = c.server.ks.now;
  let changes = 0;
  c.w.arr(argc - 4);
  for (let i = 4; i < argc; i++) {
    const r = o === null ? -2 : o.persist(argv[i]!, now);
    if (r === 1) changes++;
    c.w.int(r);
  }
  if (changes && o !== null) {
    trackIfChanged(c, key, o, had);
    changed(c, key, 'hpersist', NOTIFY_HASH);
    c.server.ks.dirty += changes - 1;
  }
}

// Options of HSETEX / HGETEX (Valkey's parseExtendedCommandArgumentsOrReply for hashes).
const O_FNX = 1, O_FXX = 2, O_EX = 4, O_PX = 8, O_EXAT = 16, O_PXAT = 32, O_KEEPTTL = 64, O_PERSIST = 128;
const O_EXPIRE = O_EX | O_PX | O_EXAT | O_PXAT;

/**
 * Parses argv[2..end) as HSETEX (forSet) or HGETEX options. Each expire option takes the next
 * argument; options may repeat but not conflict. Returns [flags, index of the expire argument]
 * or null after a syntax error.
 */
function parseHashExOptions(c: Client, argv: Buffer[], end: number, forSet: boolean): [number, number] | null {
  let flags = 0, expIdx = 0;
  for (let j = 2; j < end; j++) {
    const opt = argv[j]!;
    const hasNext = j + 1 < end;
    let ok = false;
    if (isArg(opt, 'ex') || isArg(opt, 'px') || isArg(opt, 'exat') || isArg(opt, 'pxat')) {
      const f = isArg(opt, 'ex') ? O_EX : isArg(opt, 'px') ? O_PX : isArg(opt, 'exat') ? O_EXAT : O_PXAT;
      if (hasNext && !(flags & (O_KEEPTTL | O_PERSIST | (O_EXPIRE & ~f)))) { flags |= f; expIdx = ++j; ok = true; }
    } else if (forSet && isArg(opt, 'fnx')) {
      if (!(flags & O_FXX)) { flags |= O_FNX; ok = true; }
    } else if (forSet && isArg(opt, 'fxx')) {
      if (!(flags & O_FNX)) { flags |= O_FXX; ok = true; }
    } else if (forSet && isArg(opt, 'keepttl')) {
      if (!(flags & O_EXPIRE)) { flags |= O_KEEPTTL; ok = true; }
    } else if (!forSet && isArg(opt, 'persist')) {
      if (!(flags & O_EXPIRE)) { flags |= O_PERSIST; ok = true; }
    }
    if (!ok) { c.w.error(E.syntax); return null; }
  }
  return [flags, expIdx];
}

/** HSETEX key [FNX|FXX] [EX|PX|EXAT|PXAT time|KEEPTTL] FIELDS numfields field value ... */
function hsetexCommand(c: Client, argv: Buffer[]): void {
  let flags = 0, expIdx = 0;
  const loc = locateFields(c, argv, 1, (end) => {
    const r = parseHashExOptions(c, argv, end, true);
    if (r === null) return false;
    [flags, expIdx] = r;
    return true;
  });
  if (loc === null) return;
  const [fi, nf] = loc;
  const argc = argv.length;
  if (nf === 0n || nf > LLONG_MAX / 2n || nf * 2n !== BigInt(argc - fi)) { c.w.error(E.numFields); return; }
  const key = argv[1]!;
  const db = c.db;
  let a = lookupTypedWrite(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const ks = c.server.ks;
  const now = ks.now;
  const keepTtl = (flags & O_KEEPTTL) !== 0;
  let when = 0;
  let expireNow = false;
  if (!keepTtl && expIdx) {
    const t = expireArgToTime(c, argv, argv[expIdx]!, (flags & (O_EX | O_EXAT)) !== 0, flags & (O_EX | O_PX) ? now : 0);
    if (t === null) return;
    when = t;
    expireNow = alreadyExpired(c, when);
  }
  let o = a === 0 ? null : db.object<HashObject>(a);
  if (flags & (O_FNX | O_FXX)) {
    if (o !== null) {
      for (let i = fi; i < argc; i += 2) {
        const ex = o.exists(argv[i]!, now);
        if ((flags & O_FNX && ex) || (flags & O_FXX && !ex)) { c.w.int(0); return; }
      }
    } else if (flags & O_FXX) { c.w.int(0); return; }
  }
  if (o === null) o = new HashObject();
  const had = o.hasVolatile();
  const me = maxEntries(c), mv = maxValue(c);
  let changes = 0, overExpired = 0;
  const deleted: Buffer[] = [];
  for (let i = fi; i < argc; i += 2) {
    if (expireNow) {
      if (o.delete(argv[i]!, now, true)) { deleted.push(argv[i]!); changes++; }
      ks.stats.expiredSubkeys++;
    } else {
      const r = o.set(argv[i]!, argv[i + 1]!, when, keepTtl, now, me, mv);
      changes++;
      if (r === SET_OVER_EXPIRED) overExpired++;
    }
  }
  const gone = o.length === 0;
  if (!gone) {
    a = storeIfNew(db, key, a, o);
    syncEncoding(db, a, o);
  }
  if (changes) {
    trackIfChanged(c, key, o, had, gone, when !== 0 && !expireNow);
    if (overExpired) {
      ks.stats.expiredSubkeys += overExpired;
      changed(c, key, 'hexpired', NOTIFY_HASH);
    }
    if (expireNow) c.argv = [HDEL, key, ...deleted];
    else if (flags & (O_FNX | O_FXX | O_EX | O_PX | O_EXAT)) {
      // Propagate without the field conditions and with an absolute PXAT time.
      const nv: Buffer[] = [argv[0]!, key];
      if (keepTtl) nv.push(KEEPTTL);
      else if (expIdx) nv.push(PXAT, Buffer.from(String(when)));
      nv.push(...argv.slice(fi - 2));
      c.argv = nv;
    }
    ks.dirty += changes - 1;
  }
  changed(c, key, 'hset', NOTIFY_HASH);
  if (expIdx && !keepTtl) changed(c, key, 'hexpire', NOTIFY_HASH);
  if (expireNow) changed(c, key, 'hexpired', NOTIFY_HASH);
  if (gone) {
    if (a !== 0) db.removeBlock(a);
    changed(c, key, 'del', NOTIFY_GENERIC);
  }
  c.w.int(1);
}

/** HGETEX key [EX|PX|EXAT|PXAT time|PERSIST] FIELDS numfields field ... */
function hgetexCommand(c: Client, argv: Buffer[]): void {
  let flags = 0, expIdx = 0;
  const loc = locateFields(c, argv, 1, (end) => {
    const r = parseHashExOptions(c, argv, end, false);
    if (r === null) return false;
    [flags, expIdx] = r;
    return true;
  });
  if (loc === null) return;
  const [fi, nf] = loc;
  const argc = argv.length;
  if (nf === 0n || nf !== BigInt(argc - fi)) { c.w.error(E.numFields); return; }
  const key = argv[1]!;
  const db = c.db;
  const a = lookupTyped(c, key, OBJ_HASH);
  if (a === WRONGTYPE) return;
  const ks = c.server.ks;
  const now = ks.now;
  const o = a === 0 ? null : db.object<HashObject>(a);
  const persist = (flags & O_PERSIST) !== 0;
  let when = 0, setExpiry = false, setExpired = false;
  if (!persist && expIdx) {
    const t = expireArgToTime(c, argv, argv[expIdx]!, (flags & (O_EX | O_EXAT)) !== 0, flags & (O_EX | O_PX) ? now : 0);
    if (t === null) return;
    if (alreadyExpired(c, t)) setExpired = true; else { setExpiry = true; when = t; }
  }
  const had = o !== null && o.hasVolatile();
  const w = c.w;
  const touched: Buffer[] = [];
  w.arr(argc - fi);
  for (let i = fi; i < argc; i++) {
    const f = argv[i]!;
    if (o === null) { w.nil(); continue; }
    replyField(c, o, f, now);
    let ch = false;
    if (setExpired) {
      ch = o.delete(f, now);
      if (ch) ks.stats.expiredSubkeys++;
    } else if (setExpiry) {
      ch = o.setExpire(f, when, 0, false, now) === HEXP_SET;
    } else if (persist) {
      ch = o.persist(f, now) === 1;
    }
    if (ch) touched.push(f);
  }
  if (touched.length === 0 || o === null) return;
  const gone = o.length === 0;
  if (!gone) syncEncoding(db, a, o);
  trackIfChanged(c, key, o, had, gone, setExpiry);
  if (setExpired) {
    c.argv = [HDEL, key, ...touched];
    changed(c, key, 'hexpired', NOTIFY_HASH);
  } else if (setExpiry) {
    c.argv = [HPEXPIREAT, key, Buffer.from(String(when)), FIELDS, Buffer.from(String(touched.length)), ...touched];
    changed(c, key, 'hexpire', NOTIFY_HASH);
  } else {
    c.argv = [HPERSIST, key, FIELDS, Buffer.from(String(touched.length)), ...touched];
    changed(c, key, 'hpersist', NOTIFY_HASH);
  }
  ks.dirty += touched.length - 1;
  if (gone) {
    db.removeBlock(a);
    changed(c, key, 'del', NOTIFY_GENERIC);
  }
}

// ------------------------------------------------------------------ registration

/** DEBUG DIGEST: each live field/value pair is one unordered element. */
function hashDigest(obj: unknown, ctx: { element(...parts: Array<Uint8Array | string | number>): void }): void {
  if (!(obj instanceof HashObject)) return;
  if (obj.isListpack) {
    obj.lpForEach((lp, fs, fe, vs, ve) => {
      ctx.element(Buffer.from(lp.substring(fs, fe), 'latin1'), Buffer.from(lp.substring(vs, ve), 'latin1'));
    });
    return;
  }
  const now = Date.now();
  for (let s = 0; s < obj.length; s++) {
    if (obj.isExpiredSlot(s, now)) continue;
    ctx.element(Buffer.from(obj.fieldAt(s), 'latin1'), Buffer.from(obj.valueAt(s), 'latin1'));
  }
}

/**
 * DEBUG RELOAD (in memory): a load drops the fields whose time has passed (the key too when
 * none is left) and, like Valkey's loader, gives a hash without field TTLs that fits the
 * listpack limits the listpack encoding again.
 */
function hashReload(s: Server, db: Db, a: number): void {
  const o = db.object<unknown>(a);
  if (!(o instanceof HashObject)) return;
  const dropped = o.dropExpired(Date.now());
  if (dropped) s.ks.stats.expiredSubkeys += dropped;
  if (o.length === 0) { db.removeBlock(a); return; }
  if (o.convertToListpack(s.config.num('hash-max-listpack-entries'), s.config.num('hash-max-listpack-value'))) {
    db.replaceObject(a, ENC_LISTPACK, o);
  }
}

export function registerHash(r: Registry): void {
  registerTypeDigest(OBJ_HASH, hashDigest);
  registerTypeReload(OBJ_HASH, hashReload);
  registerHashRdb();
  setVolatileItemsCounter(keysWithVolatileItems);
  r.handle('hset', hsetCommand);
  r.handle('hmset', hsetCommand);
  r.handle('hsetnx', hsetnxCommand);
  r.handle('hget', hgetCommand);
  r.handle('hmget', hmgetCommand);
  r.handle('hlen', hlenCommand);
  r.handle('hstrlen', hstrlenCommand);
  r.handle('hexists', hexistsCommand);
  r.handle('hgetall', hgetallCommand);
  r.handle('hkeys', hkeysCommand);
  r.handle('hvals', hvalsCommand);
  r.handle('hdel', hdelCommand);
  r.handle('hincrby', hincrbyCommand);
  r.handle('hincrbyfloat', hincrbyfloatCommand);
  r.handle('hrandfield', hrandfieldCommand);
  r.handle('hscan', hscanCommand);
  r.handle('hexpire', hexpireCommand);
  r.handle('hpexpire', hpexpireCommand);
  r.handle('hexpireat', hexpireatCommand);
  r.handle('hpexpireat', hpexpireatCommand);
  r.handle('httl', httlCommand);
  r.handle('hpttl', hpttlCommand);
  r.handle('hexpiretime', hexpiretimeCommand);
  r.handle('hpexpiretime', hpexpiretimeCommand);
  r.handle('hpersist', hpersistCommand);
  r.handle('hsetex', hsetexCommand);
  r.handle('hgetex', hgetexCommand);
}
