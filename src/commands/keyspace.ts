// Generic keyspace commands: DEL, UNLINK, EXISTS, TYPE, RENAME, RENAMENX, MOVE, COPY, SWAPDB,
// FLUSHDB, FLUSHALL, DBSIZE, RANDOMKEY, KEYS, SCAN, TOUCH and OBJECT. They work on any value
// type through the keyspace interface; only COPY needs the value itself (strings are copied by
// the store, collection objects through their clone()).
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Db } from '../store/keyspace.js';
import { LOOKUP_NOTOUCH, LOOKUP_NOSTATS } from '../store/keyspace.js';
import { E } from '../errors.js';
import {
  ENCODING_NAMES, ENC_INT, NOTIFY_GENERIC, OBJ_STRING, StoredObject, TYPE_NAMES,
} from '../store/types.js';
import { changed, isArg } from './util.js';
import { parseI64, parseInt64 } from '../util/number.js';
import { stringMatchBuf } from '../util/glob.js';

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;
/** OBJECT REFCOUNT of a shared object (Valkey's OBJ_SHARED_REFCOUNT). */
const SHARED_REFCOUNT = 2147483647;
/** Valkey shares the integer objects 0..9999 when no LRU/LFU policy needs per-key fields. */
const SHARED_INTEGERS = 10000;

/** Valkey frees a value in the background when freeing it costs more than this many steps. */
const LAZYFREE_THRESHOLD = 64;

/**
 * A collection object may tell how much work freeing it is (Valkey's free effort: list nodes,
 * hash table entries, stream nodes, ...). Values above LAZYFREE_THRESHOLD deleted by UNLINK (or
 * DEL with lazyfree-lazy-user-del) count in INFO lazyfreed_objects, as Valkey's background
 * frees do; the memory itself goes back through the garbage collector either way.
 */
interface FreeEffort { freeEffort(): number }

function lazyFreeCandidate(c: Client, key: Buffer): boolean {
  const a = c.db.findRaw(key);
  if (a === 0) return false;
  const ar = c.server.ks.arena;
  if (ar.type(a) === OBJ_STRING) return false;
  const o = c.db.object(a) as Partial<FreeEffort> | undefined;
  return typeof o?.freeEffort === 'function' && o.freeEffort() > LAZYFREE_THRESHOLD;
}

/** A collection object that can duplicate itself (COPY). */
interface Cloneable extends StoredObject { clone(): StoredObject }

function isCloneable(o: unknown): o is Cloneable {
  return typeof o === 'object' && o !== null && typeof (o as { clone?: unknown }).clone === 'function';
}

/**
 * Parses a C int like getIntFromObjectOrReply: not an integer → `err` (default "not an integer"),
 * outside the int range → `err` too when given, else the int range error. Null after a reply.
 */
function cIntArg(c: Client, b: Buffer, err?: string): number | null {
  const v = parseInt64(b);
  if (v === null) { c.w.error(err ?? E.notInteger); return null; }
  if (v < INT_MIN || v > INT_MAX) { c.w.error(err ?? E.intRange); return null; }
  return v;
}

/** The database with index id, or null after replying "DB index is out of range". */
function dbOrReply(c: Client, id: number): Db | null {
  const db = id >= 0 ? c.server.ks.dbs[id] : undefined;
  if (!db) { c.w.error(E.dbIndex); return null; }
  return db;
}

function clusterEnabled(c: Client): boolean { return c.server.config.bool('cluster-enabled'); }

// ------------------------------------------------------------------ DEL / UNLINK / EXISTS / TOUCH

function delGeneric(c: Client, argv: Buffer[], lazy: boolean): void {
  const db = c.db;
  const stats = c.server.ks.stats;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!;
    const big = lazy && lazyFreeCandidate(c, key);
    // delete() treats a logically expired key as absent (and expires it on the way).
    if (db.delete(key)) {
      if (big) stats.lazyfreedObjects++;
      changed(c, key, 'del', NOTIFY_GENERIC);
      n++;
    }
  }
  c.w.int(n);
}

function delCommand(c: Client, argv: Buffer[]): void {
  delGeneric(c, argv, c.server.config.bool('lazyfree-lazy-user-del'));
}

function unlinkCommand(c: Client, argv: Buffer[]): void { delGeneric(c, argv, true); }

function existsCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (db.lookup(argv[i]!, LOOKUP_NOTOUCH) !== 0) n++;
  c.w.int(n);
}

function touchCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (db.lookup(argv[i]!) !== 0) n++;
  c.w.int(n);
}

// ------------------------------------------------------------------ TYPE / DBSIZE / RANDOMKEY

function typeCommand(c: Client, argv: Buffer[]): void {
  const a = c.db.lookup(argv[1]!, LOOKUP_NOTOUCH);
  c.w.simple(a === 0 ? 'none' : TYPE_NAMES[c.server.ks.arena.type(a)] ?? 'none');
}

function dbsizeCommand(c: Client): void { c.w.int(c.db.size); }

function randomkeyCommand(c: Client): void {
  const db = c.db;
  const ks = c.server.ks;
  const ar = ks.arena;
  // When every key carries a TTL and expired keys cannot be deleted (a replica), all of them
  // may be logically expired: give up after some tries and return one anyway, like Valkey.
  const allVolatile = db.expiresCount === db.size;
  let tries = 100;
  for (;;) {
    const a = db.dict.random();
    if (a === 0) { c.w.nil(); return; }
    if (db.isExpired(a)) {
      if (allVolatile && !ks.expireDeletes && --tries === 0) { c.w.bulk(ar.keyCopy(a)); return; }
      const key = ar.keyCopy(a);
      if (db.lookup(key, LOOKUP_NOTOUCH | LOOKUP_NOSTATS) === 0) continue;
      c.w.bulk(key);
      return;
    }
    c.w.bulk(ar.keyCopy(a));
    return;
  }
}

// ------------------------------------------------------------------ KEYS / SCAN

function keysCommand(c: Client, argv: Buffer[]): void {
  const pattern = argv[1]!;
  const all = pattern.length === 1 && pattern[0] === 42; // "*"
  const db = c.db;
  const ar = c.server.ks.arena;
  // Key views stay valid: nothing is written while the reply is built.
  const out: Buffer[] = [];
  db.dict.forEach((a) => {
    const key = ar.keyView(a);
    if ((all || stringMatchBuf(pattern, key, false)) && !db.isExpired(a)) out.push(key);
  });
  c.w.arr(out.length);
  for (const k of out) c.w.bulk(k);
}

const U64_MAX = (1n << 64n) - 1n;
const STRTOULL_RE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/**
 * Parses a SCAN cursor like Valkey's string2ull: a canonical integer must not be negative;
 * otherwise strtoull rules apply (leading blanks, a sign, leading zeros, wrap-around of '-').
 */
export function parseCursor(b: Buffer): bigint | null {
  const strict = parseI64(b);
  if (strict !== null) return strict < 0n ? null : strict;
  const m = STRTOULL_RE.exec(b.toString('latin1'));
  if (!m) return null;
  let v = BigInt(m[2]!);
  if (v > U64_MAX) return null;
  if (m[1] === '-') v = (U64_MAX + 1n - v) & U64_MAX;
  return v;
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
function scanCommand(c: Client, argv: Buffer[]): void {
  const cur = parseCursor(argv[1]!);
  if (cur === null) { c.w.error(E.invalidCursor); return; }
  let count = 10;
  let pattern: Buffer | null = null;
  let type = -1;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i]!;
    if (isArg(opt, 'count') && more >= 1) {
      const v = parseInt64(argv[++i]!);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v < 1) { c.w.error(E.syntax); return; }
      count = v;
    } else if (isArg(opt, 'match') && more >= 1) {
      const p = argv[++i]!;
      pattern = p.length === 1 && p[0] === 42 ? null : p;
    } else if (isArg(opt, 'type') && more >= 1) {
      const name = argv[++i]!.toString('latin1');
      const lname = name.toLowerCase();
      type = TYPE_NAMES.indexOf(lname);
      if (type < 0 || lname === 'module') { c.w.error(E.unknownTypeName(name)); return; }
    } else if (isArg(opt, 'novalues')) {
      c.w.error('ERR NOVALUES option can only be used in HSCAN'); return;
    } else if (isArg(opt, 'noscores')) {
      c.w.error('ERR NOSCORES option can only be used in ZSCAN'); return;
    } else {
      c.w.error(E.syntax); return;
    }
  }
  const db = c.db;
  const ar = c.server.ks.arena;
  const keys: Buffer[] = [];
  const maybeExpired: boolean[] = [];
  let sampled = 0;
  let cursor = Number(cur & 0xffffffffn);
  let maxIterations = count * 10;
  const now = c.server.ks.now;
  const visit = (a: number): void => {
    sampled++;
    if (type >= 0 && ar.type(a) !== type) return;
    const key = ar.keyView(a);
    if (pattern !== null && !stringMatchBuf(pattern, key, false)) return;
    keys.push(Buffer.from(key));
    const exp = ar.expire(a);
    maybeExpired.push(exp !== 0 && exp <= now);
  };
  do {
    cursor = db.dict.scan(cursor, visit);
  } while (cursor !== 0 && maxIterations-- > 0 && sampled < count);
  // Expired keys are deleted (lazy expiry) and left out of the reply, after the walk.
  let n = keys.length;
  for (let i = 0; i < keys.length; i++) {
    if (maybeExpired[i] && db.lookup(keys[i]!, LOOKUP_NOTOUCH | LOOKUP_NOSTATS) === 0) {
      maybeExpired[i] = true; n--;
    } else maybeExpired[i] = false;
  }
  c.w.arr(2);
  c.w.bulk(String(cursor));
  c.w.arr(n);
  for (let i = 0; i < keys.length; i++) if (!maybeExpired[i]) c.w.bulk(keys[i]!);
}

// ------------------------------------------------------------------ RENAME / MOVE / COPY

function renameGeneric(c: Client, argv: Buffer[], nx: boolean): void {
  const src = argv[1]!, dst = argv[2]!;
  const db = c.db;
  const a = db.lookupWrite(src);
  if (a === 0) { c.w.error(E.noSuchKey); return; }
  if (src.equals(dst)) {
    if (nx) c.w.int(0); else c.w.ok();
    return;
  }
  const existing = db.lookupWrite(dst);
  if (existing !== 0) {
    if (nx) { c.w.int(0); return; }
    // The overwritten destination goes silently: the events are rename_from / rename_to.
    db.removeBlock(existing);
  }
  // Blocks never move, so `a` is still the source after the destination went away.
  db.relocate(a, dst, db);
  changed(c, src, 'rename_from', NOTIFY_GENERIC);
  changed(c, dst, 'rename_to', NOTIFY_GENERIC);
  if (nx) c.w.int(1); else c.w.ok();
}

function renameCommand(c: Client, argv: Buffer[]): void { renameGeneric(c, argv, false); }
function renamenxCommand(c: Client, argv: Buffer[]): void { renameGeneric(c, argv, true); }

function moveCommand(c: Client, argv: Buffer[]): void {
  if (clusterEnabled(c)) { c.w.error(E.moveCluster); return; }
  const id = cIntArg(c, argv[2]!);
  if (id === null) return;
  const dst = dbOrReply(c, id);
  if (dst === null) return;
  const src = c.db;
  if (dst === src) { c.w.error(E.sameObject); return; }
  const key = argv[1]!;
  const a = src.lookupWrite(key);
  if (a === 0) { c.w.int(0); return; }
  if (dst.lookupWrite(key) !== 0) { c.w.int(0); return; }
  src.relocate(a, key, dst);
  const ks = c.server.ks;
  ks.changed(src.id, key, 'move_from', NOTIFY_GENERIC);
  ks.changed(dst.id, key, 'move_to', NOTIFY_GENERIC);
  c.w.int(1);
}

/** COPY source destination [DB destination-db] [REPLACE] */
function copyCommand(c: Client, argv: Buffer[]): void {
  const src = c.db;
  let dst = c.db;
  let replace = false;
  let dstId = src.id;
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - i - 1;
    if (isArg(argv[i]!, 'replace')) {
      replace = true;
    } else if (isArg(argv[i]!, 'db') && more >= 1) {
      const id = cIntArg(c, argv[++i]!);
      if (id === null) return;
      const d = dbOrReply(c, id);
      if (d === null) return;
      dst = d;
      dstId = id;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  if (clusterEnabled(c) && (src.id !== 0 || dstId !== 0)) { c.w.error(E.copyCluster); return; }
  const key = argv[1]!, newKey = argv[2]!;
  if (src === dst && key.equals(newKey)) { c.w.error(E.sameObject); return; }
  const a = src.lookup(key);
  if (a === 0) { c.w.int(0); return; }
  const existing = dst.lookupWrite(newKey);
  if (existing !== 0 && !replace) { c.w.int(0); return; }
  const ks = c.server.ks;
  const ar = ks.arena;
  if (ar.type(a) !== OBJ_STRING && !isCloneable(src.object(a))) { c.w.error(E.unknownTypeObject); return; }
  // A replaced destination is deleted first: the copy is a new key (Valkey's "new" event).
  if (existing !== 0) dst.removeBlock(existing);
  src.copyTo(a, newKey, dst, (obj) => (obj as Cloneable).clone());
  ks.changed(dst.id, newKey, 'copy_to', NOTIFY_GENERIC);
  c.w.int(1);
}

// ------------------------------------------------------------------ SWAPDB / FLUSHDB / FLUSHALL

function swapdbCommand(c: Client, argv: Buffer[]): void {
  if (clusterEnabled(c)) { c.w.error(E.swapdbCluster); return; }
  const a = cIntArg(c, argv[1]!, E.invalidFirstDb);
  if (a === null) return;
  const b = cIntArg(c, argv[2]!, E.invalidSecondDb);
  if (b === null) return;
  const ks = c.server.ks;
  if (a < 0 || a >= ks.dbs.length || b < 0 || b >= ks.dbs.length) { c.w.error(E.dbIndex); return; }
  if (a !== b) ks.swapDb(a, b);
  else ks.dirty++;
  c.w.ok();
}

/** SYNC / ASYNC / (none: lazyfree-lazy-user-flush). Returns null after a syntax error reply. */
function flushMode(c: Client, argv: Buffer[]): boolean | null {
  if (argv.length === 1) return c.server.config.bool('lazyfree-lazy-user-flush');
  if (argv.length === 2 && isArg(argv[1]!, 'sync')) return false;
  if (argv.length === 2 && isArg(argv[1]!, 'async')) return true;
  c.w.error(E.syntax);
  return null;
}

function flushdbCommand(c: Client, argv: Buffer[]): void {
  const async = flushMode(c, argv);
  if (async === null) return;
  c.server.ks.flushDb(c.db, async);
  // An empty db leaves the change counter alone, but the flush is still replicated and logged.
  c.server.propagator.forceCurrent();
  c.w.ok();
}

/** Set by the persistence subsystem: FLUSHALL stops a background save and, with save points, saves the (empty) dataset. */
export const flushAllHooks: { before: ((c: Client) => void) | null; after: ((c: Client) => void) | null } = { before: null, after: null };

function flushallCommand(c: Client, argv: Buffer[]): void {
  const async = flushMode(c, argv);
  if (async === null) return;
  flushAllHooks.before?.(c);
  c.server.ks.flushAll(async);
  flushAllHooks.after?.(c);
  c.w.ok();
}

// ------------------------------------------------------------------ OBJECT

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Print this help.',
];

function objectHelp(c: Client): void {
  c.w.arr(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) c.w.simple(line);
}

/** OBJECT lookups neither touch the key nor count hits/misses; a missing key replies null. */
function objectLookup(c: Client, key: Buffer): number {
  const a = c.db.lookup(key, LOOKUP_NOTOUCH | LOOKUP_NOSTATS);
  if (a === 0) c.w.nil();
  return a;
}

function objectEncoding(c: Client, argv: Buffer[]): void {
  const a = objectLookup(c, argv[2]!);
  if (a === 0) return;
  c.w.bulk(ENCODING_NAMES[c.server.ks.arena.encoding(a)] ?? 'unknown');
}

function objectRefcount(c: Client, argv: Buffer[]): void {
  const a = objectLookup(c, argv[2]!);
  if (a === 0) return;
  const ar = c.server.ks.arena;
  if (ar.type(a) === OBJ_STRING && ar.encoding(a) === ENC_INT && sharedIntegersAllowed(c)) {
    const v = parseInt64(c.db.stringView(a));
    if (v !== null && v >= 0 && v < SHARED_INTEGERS) { c.w.int(SHARED_REFCOUNT); return; }
  }
  c.w.int(1);
}

function sharedIntegersAllowed(c: Client): boolean {
  if (c.server.maxmemory === 0) return true;
  const policy = c.server.config.str('maxmemory-policy');
  return !(policy.includes('lru') || policy.includes('lfu'));
}

function objectIdletime(c: Client, argv: Buffer[]): void {
  const a = objectLookup(c, argv[2]!);
  if (a === 0) return;
  const ks = c.server.ks;
  if (ks.lfuMode) { c.w.error(E.lfuSelected); return; }
  c.w.int(ks.idleSeconds(a));
}

function objectFreq(c: Client, argv: Buffer[]): void {
  const a = objectLookup(c, argv[2]!);
  if (a === 0) return;
  const ks = c.server.ks;
  if (!ks.lfuMode) { c.w.error(E.lfuNotSelected); return; }
  c.w.int(ks.lfuDecr(ks.arena.lru(a)));
}

export function registerKeyspace(r: Registry): void {
  r.handle('del', delCommand);
  r.handle('unlink', unlinkCommand);
  r.handle('exists', existsCommand);
  r.handle('touch', touchCommand);
  r.handle('type', typeCommand);
  r.handle('dbsize', dbsizeCommand);
  r.handle('randomkey', randomkeyCommand);
  r.handle('keys', keysCommand);
  r.handle('scan', scanCommand);
  r.handle('rename', renameCommand);
  r.handle('renamenx', renamenxCommand);
  r.handle('move', moveCommand);
  r.handle('copy', copyCommand);
  r.handle('swapdb', swapdbCommand);
  r.handle('flushdb', flushdbCommand);
  r.handle('flushall', flushallCommand);
  r.handle('object|help', objectHelp);
  r.handle('object|encoding', objectEncoding);
  r.handle('object|refcount', objectRefcount);
  r.handle('object|idletime', objectIdletime);
  r.handle('object|freq', objectFreq);
}
