// The STRING family: GET/SET and their variants, ranges, counters, MGET/MSET, LCS, DELIFEQ.
//
// GET and SET are the hot path: option keywords are matched on the raw bytes, replies are
// copied straight from the arena slab into the reply buffer, and integer results are written
// through a preallocated scratch buffer, so the common cases allocate nothing per call.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { ADDR_UNITS_SHIFT, FLAG_OBJ, HDR, MAX_INLINE_VALUE } from '../store/arena.js';
import {
  BigString, ENC_EMBSTR, ENC_INT, ENC_RAW, NOTIFY_GENERIC, NOTIFY_STRING, OBJ_STRING,
} from '../store/types.js';
import { EMBSTR_LIMIT } from '../store/keyspace.js';
import { changed, isArg } from './util.js';
import { parseI64, parseInt64 } from '../util/number.js';
import { incrByFloatText, LD_NOT_FLOAT } from '../util/longdouble.js';
import { rewriteArg, rewriteArgv } from '../replication/propagate.js';

const I64_MAX = 9223372036854775807n;
const I64_MIN = -9223372036854775808n;
/** LLONG_MAX / 1000: the largest number of seconds that converts to milliseconds. */
const MAX_SECONDS = 9223372036854775n;

// ------------------------------------------------------------------ helpers

/** Replies with the string value of block `a`, copying from its storage. */
function replyValue(c: Client, a: number): void {
  const ar = c.server.ks.arena;
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    c.w.bulkFrom(bs.buf, 0, bs.len);
  } else {
    const id = a >>> ADDR_UNITS_SHIFT;
    c.w.bulkAt(ar.slabAb[id]!, ar.slabDv[id]!, ar.slabBase[id]!, ar.valueOffset(a), ar.valLen(a));
  }
}

/** True when the string value of block `a` equals `b` byte for byte. */
function valueEquals(c: Client, a: number, b: Buffer): boolean {
  const ar = c.server.ks.arena;
  let src: Buffer, off: number, len: number;
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    src = bs.buf; off = 0; len = bs.len;
  } else {
    src = ar.slabOf(a); off = ar.valueOffset(a); len = ar.valLen(a);
  }
  if (len !== b.length) return false;
  return src.compare(b, 0, len, off, off + len) === 0;
}

/** Looks up a key for reading; replies WRONGTYPE (returning -1) when it is not a string. */
function lookupString(c: Client, key: Buffer): number {
  const a = c.db.lookup(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return -1; }
  return a;
}

/** Same for writes (no hit/miss statistics). */
function lookupStringWrite(c: Client, key: Buffer): number {
  const a = c.db.lookupWrite(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return -1; }
  return a;
}

/** Valkey's checkAlreadyExpired: an absolute time not in the future deletes instead of setting. */
function alreadyExpired(c: Client, when: number): boolean {
  return when <= c.server.ks.now && !c.server.loading;
}

/** Deletes a key whose new TTL is already in the past (deleteExpiredKeyFromOverwrite...). */
function deleteOverwritten(c: Client, key: Buffer): void {
  if (c.db.delete(key)) {
    // Replicated as an explicit deletion.
    rewriteArgv(c, c.server.config.bool('lazyfree-lazy-expire') ? 'UNLINK' : 'DEL', key);
    changed(c, key, 'del', NOTIFY_GENERIC);
  }
}

/**
 * Reports the generic 'expire' event that follows a write which also set a TTL. Valkey counts
 * such a write once in `dirty`, so the second notification gives its increment back.
 */
function expireEventAfterWrite(c: Client, key: Buffer): void {
  changed(c, key, 'expire', NOTIFY_GENERIC);
  c.server.ks.dirty--;
}

/**
 * Replaces the value of the live string block `a` with `val` inside the block when it fits
 * (saving the second hash lookup of setString). TTL and LRU stay as they are. Returns false
 * when the caller must go through setString instead.
 */
function overwriteInPlace(c: Client, a: number, val: Uint8Array, enc: number): boolean {
  const ar = c.server.ks.arena;
  if (ar.flags(a) & FLAG_OBJ) return false;
  const len = val.length;
  if (len > MAX_INLINE_VALUE || ar.capacity(a) < HDR + ar.keyLen(a) + len) return false;
  const slab = ar.slabOf(a);
  const off = ar.valueOffset(a);
  for (let i = 0; i < len; i++) slab[off + i] = val[i]!;
  ar.setValLen(a, len);
  ar.setTypeEnc(a, OBJ_STRING, enc);
  return true;
}

/** Checks that a string of size+append bytes stays within proto-max-bulk-len; replies if not. */
function checkStringLength(c: Client, size: number, append: number): boolean {
  if (size + append > c.server.protoMaxBulkLen) { c.w.error(E.stringTooLong); return false; }
  return true;
}

// Scratch space for decimal integers: one buffer with a view per length, so storing an
// integer result allocates nothing.
const numBuf = Buffer.alloc(24);
const numViews: Buffer[] = [];
for (let i = 0; i <= 24; i++) numViews.push(numBuf.subarray(0, i));

/** Writes the decimal text of a safe integer into numBuf and returns the view of it. */
function intText(v: number): Buffer {
  let n = v < 0 ? -v : v;
  let i = 24;
  do { const q = Math.floor(n / 10); numBuf[--i] = 48 + (n - q * 10); n = q; } while (n > 0);
  if (v < 0) numBuf[--i] = 45;
  const len = 24 - i;
  numBuf.copyWithin(0, i, 24);
  return numViews[len]!;
}

/**
 * Parses the stored value of block `a` as a strict 64-bit integer (string2ll). Returns a number
 * when it has at most 15 digits, a bigint for longer ones, null when it is not an integer.
 */
function storedInt(c: Client, a: number): number | bigint | null {
  const ar = c.server.ks.arena;
  if (ar.flags(a) & FLAG_OBJ) return null; // far longer than any integer
  const len = ar.valLen(a);
  if (len === 0 || len > 20) return null;
  const src = ar.slabOf(a);
  const off = ar.valueOffset(a);
  if (len <= 15) {
    let i = off;
    const end = off + len;
    const neg = src[i] === 45;
    if (neg) { i++; if (i === end) return null; }
    if (src[i] === 48) return len === 1 ? 0 : null;
    let v = 0;
    for (; i < end; i++) {
      const d = src[i]! - 48;
      if (d < 0 || d > 9) return null;
      v = v * 10 + d;
    }
    return neg ? -v : v;
  }
  return parseI64(src.subarray(off, off + len));
}

/** Parses an integer argument exactly (bigint only beyond 15 digits); replies when invalid. */
function exactIntArg(c: Client, b: Buffer): number | bigint | null {
  const v = b.length <= 15 ? parseInt64(b) : parseI64(b);
  if (v === null) c.w.error(E.notInteger);
  return v;
}

/**
 * Stores val under key, dropping any TTL, as a plain SET does. The write lookup lazily expires
 * a stale key before it is overwritten and touches the LRU clock; with no volatile key in the
 * db there is nothing to expire, so the value is written with a single hash lookup and only
 * the touch is repeated.
 */
function storePlain(c: Client, key: Buffer, val: Buffer): void {
  const db = c.db;
  if (db.expiresCount !== 0) {
    db.lookupWrite(key);
    db.setString(key, val, 0);
    return;
  }
  const ks = c.server.ks;
  const n = db.size;
  const a = db.setString(key, val, 0);
  if (db.size === n && !ks.noTouch) ks.touch(a);
}

// ------------------------------------------------------------------ SET options

const F_NX = 1, F_XX = 2, F_EX = 4, F_PX = 8, F_KEEPTTL = 16, F_GET = 32, F_EXAT = 64, F_PXAT = 128,
  F_PERSIST = 256, F_IFEQ = 512;
const F_ANY_EXPIRE = F_EX | F_PX | F_EXAT | F_PXAT;
const F_CONDITION = F_NX | F_XX | F_IFEQ;

// Where the parser found the expire and comparison arguments (argv indexes; 0 = none).
let optExpire = 0;
let optCompare = 0;

/**
 * Valkey's parseExtendedStringArgumentsOrReply: options of SET (forSet) or GETEX from argv[start].
 * Returns the flags, or -1 after replying a syntax error. The same option may repeat (the last
 * value wins); conflicting options are a syntax error.
 */
function parseExtended(c: Client, argv: Buffer[], start: number, forSet: boolean): number {
  let flags = 0;
  optExpire = 0;
  optCompare = 0;
  const argc = argv.length;
  for (let j = start; j < argc; j++) {
    const opt = argv[j]!;
    const hasNext = j < argc - 1;
    const len = opt.length;
    let ok = false;
    if (len === 2) {
      const c0 = opt[0]! | 0x20, c1 = opt[1]! | 0x20;
      if (c1 === 0x78) { // 'x'
        if (c0 === 0x6e) { // nx
          if (forSet && !(flags & (F_XX | F_IFEQ))) { flags |= F_NX; ok = true; }
        } else if (c0 === 0x78) { // xx
          if (forSet && !(flags & (F_NX | F_IFEQ))) { flags |= F_XX; ok = true; }
        } else if (c0 === 0x65) { // ex
          if (hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EXAT | F_PX | F_PXAT))) {
            flags |= F_EX; optExpire = ++j; ok = true;
          }
        } else if (c0 === 0x70) { // px
          if (hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PXAT))) {
            flags |= F_PX; optExpire = ++j; ok = true;
          }
        }
      }
    } else if (len === 3) {
      if (forSet && isArg(opt, 'get')) { flags |= F_GET; ok = true; }
    } else if (len === 4) {
      if (isArg(opt, 'exat')) {
        if (hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_PX | F_PXAT))) {
          flags |= F_EXAT; optExpire = ++j; ok = true;
        }
      } else if (isArg(opt, 'pxat')) {
        if (hasNext && !(flags & (F_KEEPTTL | F_PERSIST | F_EX | F_EXAT | F_PX))) {
          flags |= F_PXAT; optExpire = ++j; ok = true;
        }
      } else if (isArg(opt, 'ifeq')) {
        if (forSet && hasNext && !(flags & F_CONDITION)) { flags |= F_IFEQ; optCompare = ++j; ok = true; }
      }
    } else if (len === 7) {
      if (isArg(opt, 'keepttl')) {
        if (forSet && !(flags & (F_PERSIST | F_ANY_EXPIRE))) { flags |= F_KEEPTTL; ok = true; }
      } else if (isArg(opt, 'persist')) {
        if (!forSet && !(flags & (F_ANY_EXPIRE | F_KEEPTTL))) { flags |= F_PERSIST; ok = true; }
      }
    }
    if (!ok) { c.w.error(E.syntax); return -1; }
  }
  return flags;
}

/**
 * Converts an EX/PX/EXAT/PXAT argument to an absolute unix time in ms, with Valkey's checks:
 * not an integer → ERR not an integer; <= 0, or overflowing when converted → invalid expire
 * time. Returns -1 after replying an error.
 */
function expireAt(c: Client, arg: Buffer, flags: number, cmdName: string): number {
  const v = parseInt64(arg);
  if (v === null) { c.w.error(E.notInteger); return -1; }
  if (v <= 0) { c.w.error(E.invalidExpire(cmdName)); return -1; }
  const seconds = (flags & (F_EX | F_EXAT)) !== 0;
  const relative = (flags & (F_EX | F_PX)) !== 0;
  if (Number.isSafeInteger(v)) {
    // Below 2^53 neither the conversion nor adding the clock can pass LLONG_MAX.
    let ms = seconds ? v * 1000 : v;
    if (relative) ms += c.server.ks.now;
    return ms;
  }
  let big = parseI64(arg)!;
  if (seconds) {
    if (big > MAX_SECONDS) { c.w.error(E.invalidExpire(cmdName)); return -1; }
    big *= 1000n;
  }
  if (relative) {
    big += BigInt(c.server.ks.now);
    if (big > I64_MAX) { c.w.error(E.invalidExpire(cmdName)); return -1; }
  }
  return Number(big);
}

/**
 * The common body of SET, SETNX, SETEX and PSETEX (Valkey's setGenericCommand). `expireArg`
 * is the unparsed TTL (or null); `okInt` selects the 1/0 replies of SETNX.
 */
function setGeneric(c: Client, flags: number, key: Buffer, val: Buffer,
  expireArg: Buffer | null, compare: Buffer | null, okInt: boolean, cmdName: string): void {
  let when = 0;
  if (expireArg !== null) {
    when = expireAt(c, expireArg, flags, cmdName);
    if (when < 0) return;
  }
  const db = c.db;
  const getOld = (flags & F_GET) !== 0;
  if (getOld) {
    const old = lookupString(c, key);
    if (old < 0) return;
    if (old === 0) c.w.nil(); else replyValue(c, old);
  }
  const a = db.lookupWrite(key);
  const found = a !== 0;
  if (flags & F_IFEQ) {
    if (!found) { if (!getOld) c.w.nil(); return; }
    if (!getOld && c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return; }
    if (!valueEquals(c, a, compare!)) { if (!getOld) c.w.nil(); return; }
  }
  if ((flags & F_NX && found) || (flags & F_XX && !found)) {
    if (!getOld) { if (okInt) c.w.int(0); else c.w.nil(); }
    return;
  }
  if (expireArg !== null && alreadyExpired(c, when)) {
    if (found) deleteOverwritten(c, key);
    if (!getOld) c.w.ok();
    return;
  }
  db.setString(key, val, expireArg !== null ? when : flags & F_KEEPTTL ? -1 : 0);
  changed(c, key, 'set', NOTIFY_STRING);
  if (expireArg !== null) {
    expireEventAfterWrite(c, key);
    // Replicated with an absolute time: SET key value PXAT <ms> (PXAT as given stays as is).
    if (!(flags & F_PXAT)) {
      const ms = String(when);
      if (cmdName === 'set' && c.argv.length === 5) { rewriteArg(c, 3, 'PXAT'); rewriteArg(c, 4, ms); }
      else rewriteArgv(c, 'SET', key, val, 'PXAT', ms);
    }
  } else if (getOld) {
    // Replicated without the GET token(s).
    rewriteArgv(c, ...c.argv.filter((a, j) => j < 3 || !isArg(a, 'get')));
  }
  if (!getOld) { if (okInt) c.w.int(1); else c.w.ok(); }
}

// ------------------------------------------------------------------ GET / SET family

function getCommand(c: Client, argv: Buffer[]): void {
  const a = c.db.lookup(argv[1]!);
  if (a === 0) { c.w.nil(); return; }
  if (c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return; }
  replyValue(c, a);
}

function setCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  if (argv.length === 3) {
    storePlain(c, key, argv[2]!);
    changed(c, key, 'set', NOTIFY_STRING);
    c.w.ok();
    return;
  }
  const flags = parseExtended(c, argv, 3, true);
  if (flags < 0) return;
  setGeneric(c, flags, key, argv[2]!, optExpire ? argv[optExpire]! : null,
    optCompare ? argv[optCompare]! : null, false, 'set');
}

function setnxCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_NX, argv[1]!, argv[2]!, null, null, true, 'setnx');
}

function setexCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_EX, argv[1]!, argv[3]!, argv[2]!, null, false, 'setex');
}

function psetexCommand(c: Client, argv: Buffer[]): void {
  setGeneric(c, F_PX, argv[1]!, argv[3]!, argv[2]!, null, false, 'psetex');
}

function getexCommand(c: Client, argv: Buffer[]): void {
  const flags = parseExtended(c, argv, 2, false);
  if (flags < 0) return;
  const key = argv[1]!;
  let when = 0;
  if (optExpire) {
    when = expireAt(c, argv[optExpire]!, flags, 'getex');
    if (when < 0) return;
  }
  const a = lookupString(c, key);
  if (a < 0) return;
  if (a === 0) { c.w.nil(); return; }
  replyValue(c, a);
  if (flags & (F_EXAT | F_PXAT) && alreadyExpired(c, when)) {
    deleteOverwritten(c, key);
  } else if (optExpire) {
    c.db.setExpire(a, when);
    rewriteArgv(c, 'PEXPIREAT', key, String(when));
    changed(c, key, 'expire', NOTIFY_GENERIC);
  } else if (flags & F_PERSIST) {
    if (c.db.expireOf(a) !== 0) {
      c.db.setExpire(a, 0);
      rewriteArgv(c, 'PERSIST', key);
      changed(c, key, 'persist', NOTIFY_GENERIC);
    }
  }
}

function getdelCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupString(c, key);
  if (a < 0) return;
  if (a === 0) { c.w.nil(); return; }
  replyValue(c, a);
  c.db.removeBlock(a);
  rewriteArgv(c, 'DEL', key);
  changed(c, key, 'del', NOTIFY_GENERIC);
}

function getsetCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupString(c, key);
  if (a < 0) return;
  if (a === 0) c.w.nil(); else replyValue(c, a);
  c.db.setString(key, argv[2]!, 0);
  rewriteArg(c, 0, 'SET');
  changed(c, key, 'set', NOTIFY_STRING);
}

function delifeqCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  if (a === 0 || !valueEquals(c, a, argv[2]!)) { c.w.int(0); return; }
  c.db.removeBlock(a);
  rewriteArgv(c, 'DEL', key);
  changed(c, key, 'del', NOTIFY_GENERIC);
  c.w.int(1);
}

function mgetCommand(c: Client, argv: Buffer[]): void {
  const n = argv.length;
  const db = c.db;
  const ar = c.server.ks.arena;
  c.w.arr(n - 1);
  for (let j = 1; j < n; j++) {
    const a = db.lookup(argv[j]!);
    if (a === 0 || ar.type(a) !== OBJ_STRING) c.w.nil();
    else replyValue(c, a);
  }
}

function msetGeneric(c: Client, argv: Buffer[], nx: boolean): void {
  const n = argv.length;
  if (n % 2 === 0) { c.w.error(E.arity(nx ? 'msetnx' : 'mset')); return; }
  const db = c.db;
  if (nx) {
    for (let j = 1; j < n; j += 2) {
      if (db.lookupWrite(argv[j]!) !== 0) { c.w.int(0); return; }
    }
  }
  for (let j = 1; j < n; j += 2) {
    const key = argv[j]!;
    if (nx) db.setString(key, argv[j + 1]!, 0); else storePlain(c, key, argv[j + 1]!);
    changed(c, key, 'set', NOTIFY_STRING);
  }
  if (nx) c.w.int(1); else c.w.ok();
}

function msetCommand(c: Client, argv: Buffer[]): void { msetGeneric(c, argv, false); }
function msetnxCommand(c: Client, argv: Buffer[]): void { msetGeneric(c, argv, true); }

// ------------------------------------------------------------------ ranges and length

function strlenCommand(c: Client, argv: Buffer[]): void {
  const a = lookupString(c, argv[1]!);
  if (a < 0) return;
  c.w.int(a === 0 ? 0 : c.db.stringLength(a));
}

function appendCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const add = argv[2]!;
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  const db = c.db;
  let total: number;
  if (a === 0) {
    db.setString(key, add, 0);
    total = add.length;
  } else {
    const cur = db.stringLength(a);
    if (!checkStringLength(c, cur, add.length)) return;
    total = cur + add.length;
    appendBytes(c, a, key, cur, total, add, cur);
  }
  changed(c, key, 'append', NOTIFY_STRING);
  c.w.int(total);
}

/**
 * Writes `src` at `offset` into the string at block `a` (length `cur`), growing it to `total`
 * bytes (any gap is zero-filled). The result is raw-encoded. Large values grow their buffer
 * geometrically, like an sds string, so repeated APPENDs are amortised O(1) per byte.
 */
function appendBytes(c: Client, a: number, key: Buffer, cur: number, total: number, src: Buffer, offset: number): void {
  const ar = c.server.ks.arena;
  const db = c.db;
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    if (total > bs.buf.length) {
      let cap = total < 1024 * 1024 ? total * 2 : total + 1024 * 1024;
      if (cap > c.server.protoMaxBulkLen) cap = Math.max(total, c.server.protoMaxBulkLen);
      const nb = Buffer.allocUnsafe(cap);
      bs.buf.copy(nb, 0, 0, bs.len);
      bs.buf = nb;
    }
    if (offset > bs.len) bs.buf.fill(0, bs.len, offset);
    src.copy(bs.buf, offset);
    if (total > bs.len) bs.len = total;
    ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
    return;
  }
  const keyLen = ar.keyLen(a);
  if (total <= MAX_INLINE_VALUE && ar.capacity(a) >= HDR + keyLen + total) {
    // Fits in the block: write in place.
    const slab = ar.slabOf(a);
    const off = ar.valueOffset(a);
    if (offset > cur) slab.fill(0, off + cur, off + offset);
    src.copy(slab, off + offset);
    if (total > cur) ar.setValLen(a, total);
    ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
    return;
  }
  const nb = Buffer.allocUnsafe(total);
  const off = ar.valueOffset(a);
  ar.slabOf(a).copy(nb, 0, off, off + cur);
  if (offset > cur) nb.fill(0, cur, offset);
  src.copy(nb, offset);
  db.setString(key, nb, -1, ENC_RAW);
}

function setrangeCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const val = argv[3]!;
  const offset = parseInt64(argv[2]!);
  if (offset === null) { c.w.error(E.notInteger); return; }
  if (offset < 0) { c.w.error(E.offsetOutOfRange); return; }
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  const db = c.db;
  if (a === 0) {
    if (val.length === 0) { c.w.int(0); return; }
    if (!checkStringLength(c, offset, val.length)) return;
    const total = offset + val.length;
    const nb = Buffer.alloc(total);
    val.copy(nb, offset);
    db.setString(key, nb, 0, ENC_RAW);
    changed(c, key, 'setrange', NOTIFY_STRING);
    c.w.int(total);
    return;
  }
  const cur = db.stringLength(a);
  if (val.length === 0) { c.w.int(cur); return; }
  if (!checkStringLength(c, offset, val.length)) return;
  const total = Math.max(cur, offset + val.length);
  if (total === cur && !(c.server.ks.arena.flags(a) & FLAG_OBJ)) {
    // Overwrite inside the current value: in place.
    const ar = c.server.ks.arena;
    val.copy(ar.slabOf(a), ar.valueOffset(a) + offset);
    ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
  } else {
    appendBytes(c, a, key, cur, total, val, offset);
  }
  changed(c, key, 'setrange', NOTIFY_STRING);
  c.w.int(total);
}

function getrangeCommand(c: Client, argv: Buffer[]): void {
  let start = parseInt64(argv[2]!);
  if (start === null) { c.w.error(E.notInteger); return; }
  let end = parseInt64(argv[3]!);
  if (end === null) { c.w.error(E.notInteger); return; }
  const a = lookupString(c, argv[1]!);
  if (a < 0) return;
  if (a === 0) { c.w.bulk(EMPTY); return; }
  const ar = c.server.ks.arena;
  let src: Buffer, base: number, len: number;
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    src = bs.buf; base = 0; len = bs.len;
  } else {
    src = ar.slabOf(a); base = ar.valueOffset(a); len = ar.valLen(a);
  }
  if (start < 0 && end < 0 && start > end) { c.w.bulk(EMPTY); return; }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len === 0) { c.w.bulk(EMPTY); return; }
  c.w.bulkFrom(src, base + start, base + end + 1);
}

const EMPTY = Buffer.alloc(0);

// ------------------------------------------------------------------ counters

function incrDecr(c: Client, key: Buffer, incr: number | bigint): void {
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  let cur: number | bigint = 0;
  if (a !== 0) {
    const v = storedInt(c, a);
    if (v === null) { c.w.error(E.notInteger); return; }
    cur = v;
  }
  let result: number | bigint;
  if (typeof cur === 'number' && typeof incr === 'number') {
    result = cur + incr;
    if (!Number.isSafeInteger(result)) result = BigInt(cur) + BigInt(incr);
  } else {
    result = BigInt(cur) + BigInt(incr);
  }
  if (typeof result === 'bigint') {
    if (result > I64_MAX || result < I64_MIN) { c.w.error(E.overflow); return; }
    if (result >= -9007199254740991n && result <= 9007199254740991n) result = Number(result);
  }
  const text = typeof result === 'number' ? intText(result) : Buffer.from(result.toString());
  if (a === 0 || !overwriteInPlace(c, a, text, ENC_INT)) c.db.setString(key, text, -1, ENC_INT);
  changed(c, key, 'incrby', NOTIFY_STRING);
  c.w.int(result);
}

function incrCommand(c: Client, argv: Buffer[]): void { incrDecr(c, argv[1]!, 1); }
function decrCommand(c: Client, argv: Buffer[]): void { incrDecr(c, argv[1]!, -1); }

function incrbyCommand(c: Client, argv: Buffer[]): void {
  const v = exactIntArg(c, argv[2]!);
  if (v === null) return;
  incrDecr(c, argv[1]!, v);
}

function decrbyCommand(c: Client, argv: Buffer[]): void {
  const v = exactIntArg(c, argv[2]!);
  if (v === null) return;
  if (v === I64_MIN) { c.w.error(E.decrOverflow); return; }
  incrDecr(c, argv[1]!, typeof v === 'bigint' ? -v : -v);
}

function incrbyfloatCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  const r = incrByFloatText(a === 0 ? null : c.db.stringView(a), argv[2]!);
  if (typeof r === 'number') { c.w.error(r === LD_NOT_FLOAT ? E.notFloat : E.nanOrInf); return; }
  const text = Buffer.from(r, 'latin1');
  const e = text.length <= EMBSTR_LIMIT ? ENC_EMBSTR : ENC_RAW;
  if (a === 0 || !overwriteInPlace(c, a, text, e)) c.db.setString(key, text, -1, e);
  // Replicated as the resulting value, so replicas do not redo the float arithmetic.
  rewriteArgv(c, 'SET', key, text, 'KEEPTTL');
  changed(c, key, 'incrbyfloat', NOTIFY_STRING);
  c.w.bulk(text);
}

// ------------------------------------------------------------------ LCS

function lcsCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  const ar = c.server.ks.arena;
  const oa = db.lookup(argv[1]!);
  const ob = db.lookup(argv[2]!);
  if ((oa !== 0 && ar.type(oa) !== OBJ_STRING) || (ob !== 0 && ar.type(ob) !== OBJ_STRING)) {
    c.w.error(E.lcsNotStrings);
    return;
  }
  // Views into the arena: nothing below writes to the keyspace.
  const A = oa === 0 ? EMPTY : db.stringView(oa);
  const B = ob === 0 ? EMPTY : db.stringView(ob);
  let getLen = false, getIdx = false, withMatchLen = false;
  let minMatchLen = 0;
  const argc = argv.length;
  for (let j = 3; j < argc; j++) {
    const opt = argv[j]!;
    const more = argc - 1 - j;
    if (isArg(opt, 'idx')) getIdx = true;
    else if (isArg(opt, 'len')) getLen = true;
    else if (isArg(opt, 'withmatchlen')) withMatchLen = true;
    else if (isArg(opt, 'minmatchlen') && more > 0) {
      const v = parseInt64(argv[j + 1]!);
      if (v === null) { c.w.error(E.notInteger); return; }
      minMatchLen = v < 0 ? 0 : v;
      j++;
    } else { c.w.error(E.syntax); return; }
  }
  if (getLen && getIdx) { c.w.error(E.lcsLenAndIdx); return; }
  const alen = A.length, blen = B.length;
  if (alen >= 0xfffffffe || blen >= 0xfffffffe) { c.w.error(E.lcsTooLong); return; }
  const cells = (alen + 1) * (blen + 1);
  if (cells * 4 > c.server.protoMaxBulkLen) { c.w.error(E.lcsTooMuchMemory); return; }
  let t: Uint32Array;
  try { t = new Uint32Array(cells); } catch { c.w.error(E.lcsAllocFailed); return; }
  const w = blen + 1;
  // t[i*w + j] = LCS length of A[0..i) and B[0..j); row 0 and column 0 stay zero.
  for (let i = 1; i <= alen; i++) {
    const ai = A[i - 1]!;
    const row = i * w, prev = row - w;
    for (let j = 1; j <= blen; j++) {
      if (ai === B[j - 1]) t[row + j] = t[prev + j - 1]! + 1;
      else {
        const up = t[prev + j]!, left = t[row + j - 1]!;
        t[row + j] = up > left ? up : left;
      }
    }
  }
  const total = t[alen * w + blen]!;
  if (getLen) { c.w.int(total); return; }
  // Walk back from the end, collecting the LCS bytes and the matching ranges.
  const result = Buffer.allocUnsafe(total);
  let idx = total;
  const ranges: number[] = []; // aStart, aEnd, bStart, bEnd per range
  let aStart = alen, aEnd = 0, bStart = 0, bEnd = 0; // aStart === alen: no range open
  let i = alen, j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (A[i - 1] === B[j - 1]) {
      result[idx - 1] = A[i - 1]!;
      if (aStart === alen) {
        aStart = i - 1; aEnd = i - 1; bStart = j - 1; bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--; bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--; i--; j--;
    } else {
      const up = t[(i - 1) * w + j]!, left = t[i * w + j - 1]!;
      if (up > left) i--; else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) ranges.push(aStart, aEnd, bStart, bEnd);
      aStart = alen;
    }
  }
  if (!getIdx) { c.w.bulk(result); return; }
  c.w.map(2);
  c.w.bulk('matches');
  c.w.arr(ranges.length / 4);
  for (let k = 0; k < ranges.length; k += 4) {
    c.w.arr(withMatchLen ? 3 : 2);
    c.w.arr(2); c.w.int(ranges[k]!); c.w.int(ranges[k + 1]!);
    c.w.arr(2); c.w.int(ranges[k + 2]!); c.w.int(ranges[k + 3]!);
    if (withMatchLen) c.w.int(ranges[k + 1]! - ranges[k]! + 1);
  }
  c.w.bulk('len');
  c.w.int(total);
}

// ------------------------------------------------------------------ registration

export function registerString(r: Registry): void {
  r.handle('get', getCommand);
  r.handle('set', setCommand);
  r.handle('setnx', setnxCommand);
  r.handle('setex', setexCommand);
  r.handle('psetex', psetexCommand);
  r.handle('getex', getexCommand);
  r.handle('getdel', getdelCommand);
  r.handle('getset', getsetCommand);
  r.handle('delifeq', delifeqCommand);
  r.handle('mget', mgetCommand);
  r.handle('mset', msetCommand);
  r.handle('msetnx', msetnxCommand);
  r.handle('strlen', strlenCommand);
  r.handle('append', appendCommand);
  r.handle('setrange', setrangeCommand);
  r.handle('getrange', getrangeCommand);
  r.handle('substr', getrangeCommand);
  r.handle('incr', incrCommand);
  r.handle('decr', decrCommand);
  r.handle('incrby', incrbyCommand);
  r.handle('decrby', decrbyCommand);
  r.handle('incrbyfloat', incrbyfloatCommand);
  r.handle('lcs', lcsCommand);
}
