// The LIST family: pushes and pops at both ends (with counts), ranges, indexes, inserts,
// removals, trims, LPOS, moves between lists, the multi-key pops, and the blocking commands
// (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP) on top of the shared blocking framework.
//
// Lists are ListObject values (src/ds/quicklist.ts): a listpack while small, a quicklist when
// large, converting at list-max-listpack-size exactly when Valkey does (including back to a
// listpack when a shrinking quicklist is down to one small node). Each write reports Valkey's
// keyspace events (lpush, rpop, linsert, ..., and del when a list empties) and counts `dirty`
// as Valkey does.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { ENC_LISTPACK, ENC_QUICKLIST, NOTIFY_GENERIC, NOTIFY_LIST, OBJ_LIST } from '../store/types.js';
import { changed, isArg, lookupTyped, lookupTypedWrite, WRONGTYPE } from './util.js';
import { parseI64, parseInt64 } from '../util/number.js';
import { parseLongDouble } from '../util/longdouble.js';
import { ListObject, Needle, setPackedThreshold, type Emit } from '../ds/quicklist.js';
import { debugSettings, registerTypeDigest, registerTypeReload } from './debug.js';
import { registerListRdb } from './list-rdb.js';

const LLONG_MAX = 9223372036854775807;
const LONG_RANGE_ERR = 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807';
/** The quicklist-packed-threshold DEBUG stores when it is at its default (decided by the fill). */
const DEFAULT_PACKED_THRESHOLD = 1 << 30;

// ------------------------------------------------------------------ helpers

/** The list-max-listpack-size config (the quicklist "fill"). */
function fillOf(c: Client): number { return c.server.config.num('list-max-listpack-size'); }

/** Applies DEBUG QUICKLIST-PACKED-THRESHOLD before a write that may place elements. */
function syncThreshold(c: Client): void {
  const t = debugSettings(c.server).quicklistPackedThreshold;
  setPackedThreshold(t === DEFAULT_PACKED_THRESHOLD ? 0 : t);
}

/** Keeps the block's encoding in step with the object's representation. */
function syncEncoding(c: Client, a: number, o: ListObject): void {
  const want = o.isQuicklist ? ENC_QUICKLIST : ENC_LISTPACK;
  if (c.server.ks.arena.encoding(a) !== want) c.db.replaceObject(a, want, o);
}

/** Creates an empty list at key (Valkey's dbAdd, which reports a "new" key). */
function createList(c: Client, key: Buffer): { a: number; o: ListObject } {
  const o = new ListObject();
  const a = c.db.setObject(key, OBJ_LIST, ENC_LISTPACK, o);
  return { a, o };
}

/** Sets the dirty counter to `base + n` after the change events of one write. */
function setDirty(c: Client, base: number, n: number): void { c.server.ks.dirty = base + n; }

/** Reports a change without touching `dirty` (the caller accounts for it). */
function notify(c: Client, key: Buffer, event: string, cls: number): void {
  const ks = c.server.ks;
  const d = ks.dirty;
  changed(c, key, event, cls);
  ks.dirty = d;
}

/** Converts the list before adding elements of `bytes` total length when it would outgrow a listpack. */
function growFor(c: Client, a: number, o: ListObject, bytes: number, count: number): void {
  if (o.convertIfGrowing(fillOf(c), bytes, count)) syncEncoding(c, a, o);
}

/**
 * After elements were popped from key: the pop event, the key's deletion when the list is
 * empty (with a del event), or a conversion back to a listpack; `count` is added to dirty.
 */
function elementsRemoved(c: Client, key: Buffer, a: number, o: ListObject, head: boolean, count: number): void {
  const d = c.server.ks.dirty;
  notify(c, key, head ? 'lpop' : 'rpop', NOTIFY_LIST);
  if (o.length === 0) {
    c.db.removeBlock(a);
    notify(c, key, 'del', NOTIFY_GENERIC);
  } else if (o.convertIfSmall(fillOf(c), true)) {
    syncEncoding(c, a, o);
  }
  setDirty(c, d, count);
}

/** Deletes an emptied list (del event) or tries the shrinking conversion. */
function afterShrink(c: Client, key: Buffer, a: number, o: ListObject): void {
  if (o.length === 0) {
    c.db.removeBlock(a);
    notify(c, key, 'del', NOTIFY_GENERIC);
  } else if (o.convertIfSmall(fillOf(c), true)) {
    syncEncoding(c, a, o);
  }
}

// Elements go to the reply through one plain function and the writer it was last pointed at
// (no closure per command; emitters run synchronously inside the call that asked for them).
let emitTo: Client['w'] | null = null;
function emitBulk(b: Buffer, s: number, e: number): void { emitTo!.bulkFrom(b, s, e); }

function replyEmitter(c: Client): Emit {
  emitTo = c.w;
  return emitBulk;
}

/** Replies with elements [start, end] (inclusive, negative from the tail), reversed if asked. */
function replyRange(c: Client, o: ListObject, start: number, end: number, reverse: boolean): void {
  const llen = o.length;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) { c.w.arr(0); return; }
  if (end >= llen) end = llen - 1;
  const n = end - start + 1;
  c.w.arr(n);
  o.range(reverse ? end : start, n, reverse, replyEmitter(c));
}

/** Valkey's getLongFromObjectOrReply. */
function longArg(c: Client, b: Buffer, err: string = E.notInteger): number | null {
  const v = parseInt64(b);
  if (v === null) c.w.error(err);
  return v;
}

/** getRangeLongFromObjectOrReply(-LONG_MAX, LONG_MAX): rejects only LLONG_MIN beyond parsing. */
function symmetricLongArg(c: Client, b: Buffer): number | null {
  const v = parseI64(b);
  if (v === null) { c.w.error(E.notInteger); return null; }
  if (v < -9223372036854775807n) { c.w.error(LONG_RANGE_ERR); return null; }
  return Number(v);
}

/** getPositiveLongFromObjectOrReply / getRangeLong(min 1) with one message for every failure. */
function boundedLongArg(c: Client, b: Buffer, min: number, err: string): number | null {
  const v = parseInt64(b);
  if (v === null || v < min) { c.w.error(err); return null; }
  return v;
}

/** LEFT / RIGHT: true for LEFT (the head); null after replying with a syntax error. */
function whereArg(c: Client, b: Buffer): boolean | null {
  if (isArg(b, 'left')) return true;
  if (isArg(b, 'right')) return false;
  c.w.error(E.syntax);
  return null;
}

/**
 * A blocking command's timeout in seconds (sub-second precision) as an absolute deadline in ms
 * (0 = wait forever), with Valkey's errors. Returns null after replying with an error.
 */
export function parseBlockTimeout(c: Client, b: Buffer): number | null {
  const ld = parseLongDouble(b);
  if (ld === null) { c.w.error(E.timeoutInvalid); return null; }
  let sec: number;
  if (ld.inf) sec = Infinity;
  else sec = ld.m === 0n ? 0 : Number(ld.m) * 2 ** ld.e;
  if (ld.neg) sec = -sec;
  const ms = sec * 1000;
  if (ms > LLONG_MAX) { c.w.error(E.timeoutOutOfRange); return null; }
  const t = Math.ceil(ms);
  if (t < 0) { c.w.error(E.timeoutNegative); return null; }
  if (t > 0) {
    const now = c.server.ks.now;
    if (t > LLONG_MAX - now) { c.w.error(E.timeoutOutOfRange); return null; }
    return now + t;
  }
  return 0;
}

/** Readiness test for list waiters: the key holds a live list. */
function listReady(c: Client, key: Buffer): boolean {
  const db = c.db;
  const a = db.findRaw(key);
  return a !== 0 && !db.isExpired(a) && c.server.ks.arena.type(a) === OBJ_LIST;
}

function timeoutReply(c: Client): void { c.w.nullArray(); }

const LPOP = Buffer.from('LPOP');
const RPOP = Buffer.from('RPOP');
const LMOVE = Buffer.from('LMOVE');
const RPOPLPUSH = Buffer.from('RPOPLPUSH');

/**
 * Replaces the command as it is propagated to replicas and the AOF (Valkey's
 * rewriteClientCommandVector): blocking and multi-key pops go out as the plain command that
 * had the same effect.
 */
function rewriteArgv(c: Client, argv: Buffer[]): void { c.argv = argv; }

/** True when the client may not block (inside MULTI/EXEC or a script): it replies as on timeout. */
function mayNotBlock(c: Client): boolean { return c.denyBlocking || c.inMulti; }

// ------------------------------------------------------------------ push / pop

function pushGeneric(c: Client, argv: Buffer[], head: boolean, xx: boolean): void {
  const key = argv[1]!;
  let a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  let o: ListObject;
  const d = c.server.ks.dirty;
  if (a === 0) {
    if (xx) { c.w.int(0); return; }
    ({ a, o } = createList(c, key));
  } else {
    o = c.db.object<ListObject>(a);
  }
  syncThreshold(c);
  const n = argv.length - 2;
  let bytes = 0;
  for (let j = 2; j < argv.length; j++) bytes += argv[j]!.length;
  growFor(c, a, o, bytes, n);
  for (let j = 2; j < argv.length; j++) o.push(argv[j]!, head);
  c.w.int(o.length);
  notify(c, key, head ? 'lpush' : 'rpush', NOTIFY_LIST);
  setDirty(c, d, n);
}

function popGeneric(c: Client, argv: Buffer[], head: boolean): void {
  if (argv.length > 3) { c.w.error(E.arity(head ? 'lpop' : 'rpop')); return; }
  const hasCount = argv.length === 3;
  let count = 0;
  if (hasCount) {
    const v = boundedLongArg(c, argv[2]!, 0, E.positive);
    if (v === null) return;
    count = v;
  }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { if (hasCount) c.w.nullArray(); else c.w.nil(); return; }
  if (hasCount && count === 0) { c.w.arr(0); return; }
  const o = c.db.object<ListObject>(a);
  if (!hasCount) {
    o.popTo(head, replyEmitter(c));
    elementsRemoved(c, key, a, o, head, 1);
    return;
  }
  const llen = o.length;
  const n = Math.min(count, llen);
  c.w.arr(n);
  o.range(head ? 0 : llen - 1, n, !head, replyEmitter(c));
  o.delRange(head ? 0 : -n, n);
  elementsRemoved(c, key, a, o, head, n);
}

/** Replies [key, [elements...]] with up to count elements popped from one end (LMPOP / BLMPOP). */
function popRangeWithKey(c: Client, key: Buffer, a: number, o: ListObject, head: boolean, count: number): void {
  const llen = o.length;
  const n = Math.min(count, llen);
  c.w.arr(2);
  c.w.bulk(key);
  c.w.arr(n);
  o.range(head ? 0 : llen - 1, n, !head, replyEmitter(c));
  o.delRange(head ? 0 : -n, n);
  elementsRemoved(c, key, a, o, head, n);
  rewriteArgv(c, [head ? LPOP : RPOP, key, Buffer.from(String(n))]);
}

// ------------------------------------------------------------------ reads

function llenCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_LIST);
  if (a === WRONGTYPE) return;
  c.w.int(a === 0 ? 0 : c.db.object<ListObject>(a).length);
}

function lindexCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const idx = longArg(c, argv[2]!);
  if (idx === null) return;
  if (!c.db.object<ListObject>(a).index(idx, replyEmitter(c))) c.w.nil();
}

function lrangeCommand(c: Client, argv: Buffer[]): void {
  const start = longArg(c, argv[2]!);
  if (start === null) return;
  const end = longArg(c, argv[3]!);
  if (end === null) return;
  const a = lookupTyped(c, argv[1]!, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.arr(0); return; }
  replyRange(c, c.db.object<ListObject>(a), start, end, false);
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lposCommand(c: Client, argv: Buffer[]): void {
  let rank = 1, count = -1, maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!;
    const more = argv.length - 1 - j;
    if (isArg(opt, 'rank') && more) {
      const v = symmetricLongArg(c, argv[++j]!);
      if (v === null) return;
      if (v === 0) { c.w.error(E.lposRankZero); return; }
      rank = v;
    } else if (isArg(opt, 'count') && more) {
      const v = boundedLongArg(c, argv[++j]!, 0, E.lposCountNegative);
      if (v === null) return;
      count = v;
    } else if (isArg(opt, 'maxlen') && more) {
      const v = boundedLongArg(c, argv[++j]!, 0, E.lposMaxlenNegative);
      if (v === null) return;
      maxlen = v;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const a = lookupTyped(c, argv[1]!, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { if (count !== -1) c.w.arr(0); else c.w.nil(); return; }
  const o = c.db.object<ListObject>(a);
  const found: number[] = [];
  o.positions(new Needle(argv[2]!), rank, maxlen, (i) => {
    found.push(i);
    return count !== -1 && (count === 0 || found.length < count);
  });
  if (count !== -1) {
    c.w.arr(found.length);
    for (const i of found) c.w.int(i);
  } else if (found.length) c.w.int(found[0]!);
  else c.w.nil();
}

// ------------------------------------------------------------------ in-place writes

function lsetCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.error(E.noSuchKey); return; }
  const big = parseI64(argv[2]!);
  if (big === null) { c.w.error(E.notInteger); return; }
  // Valkey passes the index on as a C int: it is truncated to 32 bits.
  const idx = Number(BigInt.asIntN(32, big));
  const o = c.db.object<ListObject>(a);
  const v = argv[3]!;
  syncThreshold(c);
  growFor(c, a, o, v.length, 1);
  if (!o.set(idx, v)) { c.w.error(E.outOfRange); return; }
  if (o.convertIfSmall(fillOf(c), true)) syncEncoding(c, a, o);
  c.w.ok();
  const d = c.server.ks.dirty;
  notify(c, key, 'lset', NOTIFY_LIST);
  setDirty(c, d, 1);
}

/** LINSERT key BEFORE|AFTER pivot element */
function linsertCommand(c: Client, argv: Buffer[]): void {
  let after: boolean;
  if (isArg(argv[2]!, 'after')) after = true;
  else if (isArg(argv[2]!, 'before')) after = false;
  else { c.w.error(E.syntax); return; }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const o = c.db.object<ListObject>(a);
  const v = argv[4]!;
  syncThreshold(c);
  // Like Valkey: converts as if the insert will happen, before looking for the pivot.
  growFor(c, a, o, v.length, 1);
  if (!o.insert(new Needle(argv[3]!), v, after)) { c.w.int(-1); return; }
  const d = c.server.ks.dirty;
  notify(c, key, 'linsert', NOTIFY_LIST);
  setDirty(c, d, 1);
  c.w.int(o.length);
}

/** LREM key count element */
function lremCommand(c: Client, argv: Buffer[]): void {
  const count = symmetricLongArg(c, argv[2]!);
  if (count === null) return;
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const o = c.db.object<ListObject>(a);
  const removed = o.remove(new Needle(argv[3]!), count);
  if (removed) {
    const d = c.server.ks.dirty;
    notify(c, key, 'lrem', NOTIFY_LIST);
    afterShrink(c, key, a, o);
    setDirty(c, d, removed);
  }
  c.w.int(removed);
}

/** LTRIM key start stop */
function ltrimCommand(c: Client, argv: Buffer[]): void {
  let start = longArg(c, argv[2]!);
  if (start === null) return;
  let end = longArg(c, argv[3]!);
  if (end === null) return;
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.ok(); return; }
  const o = c.db.object<ListObject>(a);
  const llen = o.length;
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  let ltrim: number, rtrim: number;
  if (start > end || start >= llen) {
    ltrim = llen; rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start; rtrim = llen - end - 1;
  }
  o.delRange(0, ltrim);
  o.delRange(-rtrim, rtrim);
  const d = c.server.ks.dirty;
  notify(c, key, 'ltrim', NOTIFY_LIST);
  afterShrink(c, key, a, o);
  setDirty(c, d, ltrim + rtrim);
  c.w.ok();
}

// ------------------------------------------------------------------ moves

/**
 * Pops from src (head or tail) and pushes to dst, replying with the element (LMOVE,
 * RPOPLPUSH, and the blocking variants once src has elements).
 */
function lmoveGeneric(c: Client, src: Buffer, dst: Buffer, fromHead: boolean, toHead: boolean): void {
  const a = lookupTypedWrite(c, src, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const o = c.db.object<ListObject>(a);
  let da = lookupTypedWrite(c, dst, OBJ_LIST);
  if (da === WRONGTYPE) return;
  syncThreshold(c);
  const d = c.server.ks.dirty;
  const value = o.pop(fromHead);
  let dobj: ListObject;
  if (da === 0) {
    ({ a: da, o: dobj } = createList(c, dst));
  } else {
    dobj = c.db.object<ListObject>(da);
  }
  growFor(c, da, dobj, value.length, 1);
  dobj.push(value, toHead);
  notify(c, dst, toHead ? 'lpush' : 'rpush', NOTIFY_LIST);
  c.w.bulk(value);
  elementsRemoved(c, src, a, o, fromHead, 1);
  setDirty(c, d, 1);
}

function lmoveCommand(c: Client, argv: Buffer[]): void {
  const from = whereArg(c, argv[3]!);
  if (from === null) return;
  const to = whereArg(c, argv[4]!);
  if (to === null) return;
  lmoveGeneric(c, argv[1]!, argv[2]!, from, to);
}

function rpoplpushCommand(c: Client, argv: Buffer[]): void {
  lmoveGeneric(c, argv[1]!, argv[2]!, false, true);
}

// ------------------------------------------------------------------ multi-key pops and blocking

/** Deadline of a blocking command: parsed once, then kept while the command waits (re-runs). */
function deadlineOf(c: Client, b: Buffer): number | null {
  const t = parseBlockTimeout(c, b);
  if (t === null) return null;
  return c.bstate ? c.bstate.deadline : t;
}

/**
 * BLPOP / BRPOP / BLMPOP: pops from the first non-empty list among keys, or blocks. count is
 * -1 for the single-element [key, element] reply, else the BLMPOP count.
 */
function blockingPop(c: Client, keys: Buffer[], head: boolean, timeoutArg: Buffer, count: number): void {
  const deadline = deadlineOf(c, timeoutArg);
  if (deadline === null) return;
  for (const key of keys) {
    const a = lookupTypedWrite(c, key, OBJ_LIST);
    if (a === WRONGTYPE) return;
    if (a === 0) continue;
    const o = c.db.object<ListObject>(a);
    if (o.length === 0) continue;
    if (count !== -1) { popRangeWithKey(c, key, a, o, head, count); return; }
    c.w.arr(2);
    c.w.bulk(key);
    o.popTo(head, replyEmitter(c));
    elementsRemoved(c, key, a, o, head, 1);
    rewriteArgv(c, [head ? LPOP : RPOP, key]);
    return;
  }
  if (mayNotBlock(c)) { c.w.nullArray(); return; }
  c.server.blocking.block(c, keys, deadline, timeoutReply, { ready: listReady });
}

function blpopCommand(c: Client, argv: Buffer[]): void {
  blockingPop(c, argv.slice(1, -1), true, argv[argv.length - 1]!, -1);
}

function brpopCommand(c: Client, argv: Buffer[]): void {
  blockingPop(c, argv.slice(1, -1), false, argv[argv.length - 1]!, -1);
}

function blmoveGeneric(c: Client, argv: Buffer[], fromHead: boolean, toHead: boolean, timeoutArg: Buffer): void {
  const deadline = deadlineOf(c, timeoutArg);
  if (deadline === null) return;
  const src = argv[1]!;
  const a = lookupTypedWrite(c, src, OBJ_LIST);
  if (a === WRONGTYPE) return;
  if (a !== 0) {
    const d = c.server.ks.dirty;
    lmoveGeneric(c, src, argv[2]!, fromHead, toHead);
    if (c.server.ks.dirty !== d) {
      rewriteArgv(c, argv.length === 6 ? [LMOVE, argv[1]!, argv[2]!, argv[3]!, argv[4]!] : [RPOPLPUSH, argv[1]!, argv[2]!]);
    }
    return;
  }
  if (mayNotBlock(c)) { c.w.nil(); return; }
  c.server.blocking.block(c, [src], deadline, timeoutReply, { ready: listReady });
}

function blmoveCommand(c: Client, argv: Buffer[]): void {
  const from = whereArg(c, argv[3]!);
  if (from === null) return;
  const to = whereArg(c, argv[4]!);
  if (to === null) return;
  blmoveGeneric(c, argv, from, to, argv[5]!);
}

function brpoplpushCommand(c: Client, argv: Buffer[]): void {
  blmoveGeneric(c, argv, false, true, argv[3]!);
}

/** LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count] and BLMPOP timeout numkeys ... */
function lmpopGeneric(c: Client, argv: Buffer[], numkeysIdx: number, blocking: boolean): void {
  const numkeys = boundedLongArg(c, argv[numkeysIdx]!, 1, E.numkeysPositive);
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) { c.w.error(E.syntax); return; }
  const head = whereArg(c, argv[whereIdx]!);
  if (head === null) return;
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isArg(argv[j]!, 'count') && more) {
      const v = boundedLongArg(c, argv[++j]!, 1, E.countPositive);
      if (v === null) return;
      count = v;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, whereIdx);
  if (blocking) { blockingPop(c, keys, head, argv[1]!, count); return; }
  for (const key of keys) {
    const a = lookupTypedWrite(c, key, OBJ_LIST);
    if (a === WRONGTYPE) return;
    if (a === 0) continue;
    const o = c.db.object<ListObject>(a);
    if (o.length === 0) continue;
    popRangeWithKey(c, key, a, o, head, count);
    return;
  }
  c.w.nullArray();
}

// ------------------------------------------------------------------ registration

/** DEBUG DIGEST walks a list head to tail, mixing each element in order. */
function listDigest(obj: unknown, ctx: { mix(d: Uint8Array): void }): void {
  if (obj instanceof ListObject) obj.forEach((b, s, e) => ctx.mix(b.subarray(s, e)));
  else for (const el of obj as Iterable<Uint8Array>) ctx.mix(el); // any other iterable of elements
}

export function registerList(r: Registry): void {
  r.handle('lpush', (c, argv) => pushGeneric(c, argv, true, false));
  r.handle('rpush', (c, argv) => pushGeneric(c, argv, false, false));
  r.handle('lpushx', (c, argv) => pushGeneric(c, argv, true, true));
  r.handle('rpushx', (c, argv) => pushGeneric(c, argv, false, true));
  r.handle('lpop', (c, argv) => popGeneric(c, argv, true));
  r.handle('rpop', (c, argv) => popGeneric(c, argv, false));
  r.handle('llen', llenCommand);
  r.handle('lindex', lindexCommand);
  r.handle('lrange', lrangeCommand);
  r.handle('lpos', lposCommand);
  r.handle('lset', lsetCommand);
  r.handle('linsert', linsertCommand);
  r.handle('lrem', lremCommand);
  r.handle('ltrim', ltrimCommand);
  r.handle('lmove', lmoveCommand);
  r.handle('rpoplpush', rpoplpushCommand);
  r.handle('lmpop', (c, argv) => lmpopGeneric(c, argv, 1, false));
  r.handle('blpop', blpopCommand);
  r.handle('brpop', brpopCommand);
  r.handle('blmove', blmoveCommand);
  r.handle('brpoplpush', brpoplpushCommand);
  r.handle('blmpop', (c, argv) => lmpopGeneric(c, argv, 2, true));
  registerTypeDigest(OBJ_LIST, listDigest);
  registerListRdb();
  // An RDB round trip keeps the nodes, rebuilds the quicklist with the current fill and converts
  // a single small node to a listpack (LIST_CONV_AUTO).
  registerTypeReload(OBJ_LIST, (s, db, a) => {
    const fill = s.config.num('list-max-listpack-size');
    const o = ListObject.fromNodes(db.object<ListObject>(a).serializedNodes(), fill);
    if (o !== null) db.replaceObject(a, o.isQuicklist ? ENC_QUICKLIST : ENC_LISTPACK, o);
  });
}
