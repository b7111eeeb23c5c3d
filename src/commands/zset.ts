// Sorted-set commands (ZADD ... BZMPOP), with Valkey's replies, errors, keyspace events and
// encoding conversions: a set starts compact (listpack) while it holds at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes, and moves to the
// skiplist for good as soon as one more member would break either limit. Results stored by
// ZRANGESTORE / ZUNIONSTORE / ZINTERSTORE / ZDIFFSTORE are compact when they fit those limits.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/keyspace.js';
import { E } from '../errors.js';
import { changed, isArg, lookupTyped, lookupTypedWrite, WRONGTYPE } from './util.js';
import { parseCursor } from './keyspace.js';
import { registerTypeDigest, registerTypeReload } from './debug.js';
import { formatDouble, parseDouble, parseI64 } from '../util/number.js';
import { stringMatchBuf } from '../util/glob.js';
import {
  ENC_LISTPACK, ENC_SKIPLIST, NOTIFY_GENERIC, NOTIFY_ZSET, OBJ_SET, OBJ_ZSET,
} from '../store/types.js';
import {
  PACK_MAX_BYTES, ZPack, buildZset, compareEntries, compareLexBounds, gteMin, lexGteMin, lexLteMax, lteMax,
  type LexBound, type ScoreRange, type ZEntry, type ZsetObj, type ZVisitor,
} from '../ds/zset.js';
import { ZSkiplist } from '../ds/skiplist.js';
import { registerZsetRdb } from './zset-rdb.js';
import type { SetObject } from '../ds/set.js';

const LONG_MAX = 9223372036854775807n;

// ------------------------------------------------------------------ parsing

const DEC_NONZERO = /[1-9]/;
const HEX_NONZERO = /[1-9a-f]/;

/**
 * A score or weight as getDoubleFromObject reads it (string2d): the whole argument, no leading
 * blank, no NaN, and no overflow to infinity or underflow to zero (ERANGE).
 */
export function parseScore(b: Buffer): number | null {
  // Fast path: a plain decimal ("-12", "3.25"), which Number() rounds exactly like strtod.
  const n = b.length;
  if (n > 0 && n <= 18) {
    let i = b[0] === 45 ? 1 : 0;
    let digits = 0, dot = false;
    for (; i < n; i++) {
      const ch = b[i]!;
      if (ch >= 48 && ch <= 57) digits++;
      else if (ch === 46 && !dot) dot = true;
      else break;
    }
    if (i === n && digits > 0) {
      // Digits only (at most 17 with a sign, so up to 15 without one are exact in a double):
      // the value directly, without making a string.
      if (!dot && digits <= 15) {
        let v = 0;
        for (let k = b[0] === 45 ? 1 : 0; k < n; k++) v = v * 10 + (b[k]! - 48);
        return b[0] === 45 ? -v : v;
      }
      return Number(b.latin1Slice(0, n));
    }
  }
  const v = parseDouble(b);
  if (v === null) return null;
  if (v === Infinity || v === -Infinity || v === 0) {
    // strtod reports ERANGE for overflow (to inf) and underflow (to 0): string2d refuses both.
    const s = b.latin1Slice(0, b.length).toLowerCase();
    const hex = s.indexOf('0x');
    if (v !== 0) return hex < 0 && s.includes('inf') ? v : null;
    const mant = hex >= 0 ? s.slice(hex + 2).split('p')[0]! : s.split('e')[0]!;
    if ((hex >= 0 ? HEX_NONZERO : DEC_NONZERO).test(mant)) return null;
  }
  return v;
}

const SPACE = /^[ \t\n\v\f\r]+/;

/** C strtod over a NUL-terminated argument that must be consumed whole (zslParseRange). */
function strtodWhole(b: Buffer, from: number): number | null {
  let end = b.indexOf(0, from);
  if (end < 0) end = b.length;
  const raw = b.latin1Slice(from, end);
  if (raw.length === 0) return 0; // nothing converted, end pointer at the terminator
  const s = raw.replace(SPACE, '');
  if (s.length === 0) return null;
  return parseDouble(s);
}

/** Parses a score interval; null when either end is not a float. */
export function parseScoreRange(minB: Buffer, maxB: Buffer): ScoreRange | null {
  const minex = minB.length > 0 && minB[0] === 40;
  const maxex = maxB.length > 0 && maxB[0] === 40;
  const min = strtodWhole(minB, minex ? 1 : 0);
  const max = strtodWhole(maxB, maxex ? 1 : 0);
  if (min === null || max === null) return null;
  return { min, max, minex, maxex };
}

function parseLexItem(b: Buffer): LexBound | null {
  if (b.length === 0) return null;
  switch (b[0]) {
    case 43: return b.length === 1 ? { inf: 1, ex: true, v: b } : null; // '+'
    case 45: return b.length === 1 ? { inf: -1, ex: true, v: b } : null; // '-'
    case 40: return { inf: 0, ex: true, v: Buffer.from(b.subarray(1)) }; // '('
    case 91: return { inf: 0, ex: false, v: Buffer.from(b.subarray(1)) }; // '['
    default: return null;
  }
}

export function parseLexRange(minB: Buffer, maxB: Buffer): { min: LexBound; max: LexBound } | null {
  const min = parseLexItem(minB);
  const max = parseLexItem(maxB);
  if (min === null || max === null) return null;
  return { min, max };
}

/** A signed 64-bit argument as getLongFromObjectOrReply reads it (bigint), or null. */
function longArg(c: Client, b: Buffer, err: string = E.notInteger): bigint | null {
  const v = parseI64(b);
  if (v === null) c.w.error(err);
  return v;
}

/** getRangeLongFromObjectOrReply with a fixed message for every failure. */
function rangedArg(c: Client, b: Buffer, min: bigint, max: bigint, err: string): number | null {
  const v = parseI64(b);
  if (v === null || v < min || v > max) { c.w.error(err); return null; }
  return Number(v);
}

/** A blocking timeout in seconds → absolute deadline in ms (0 = forever), or null after replying. */
function timeoutArg(c: Client, b: Buffer): number | null {
  const v = parseDouble(b);
  if (v === null) { c.w.error(E.timeoutInvalid); return null; }
  const ms = v * 1000;
  if (ms > 9.223372036854776e18) { c.w.error(E.timeoutOutOfRange); return null; }
  const t = Math.ceil(ms);
  if (t < 0) { c.w.error(E.timeoutNegative); return null; }
  const now = c.server.ks.now;
  if (t > 0 && t > 9.223372036854776e18 - now) { c.w.error(E.timeoutOutOfRange); return null; }
  return t > 0 ? now + t : 0;
}

// ------------------------------------------------------------------ formatting

/** Shortest round-trip digits and decimal exponent of a finite non-zero |d|. */
function digitsOf(d: number): { digits: string; e: number } {
  const s = Math.abs(d).toExponential();
  const ep = s.indexOf('e');
  return { digits: s.slice(0, ep).replace('.', ''), e: Number(s.slice(ep + 1)) };
}

/** fpconv_dtoa's layout (what DEBUG DIGEST hashes scores as). */
export function fpconvDtoa(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  const neg = d < 0;
  const { digits, e } = digitsOf(d);
  const nd = digits.length;
  const K = e - (nd - 1);
  const exp = Math.abs(K + nd - 1);
  let out: string;
  if (K >= 0 && exp < nd + 7) out = digits + '0'.repeat(K);
  else if (K < 0 && (K > -7 || exp < 4)) {
    const offset = nd + K;
    out = offset <= 0 ? '0.' + '0'.repeat(-offset) + digits : digits.slice(0, offset) + '.' + digits.slice(offset);
  } else {
    out = digits[0]! + (nd > 1 ? '.' + digits.slice(1) : '') + 'e' + (e < 0 ? '-' : '+') + String(exp);
  }
  return neg ? '-' + out : out;
}

/** printf("%.17g"), as ZSCAN prints skiplist scores. */
export function formatG17(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const neg = d < 0;
  const s = Math.abs(d).toExponential(16);
  const ep = s.indexOf('e');
  const e = Number(s.slice(ep + 1));
  let digits = s.slice(0, ep).replace('.', '');
  let out: string;
  if (e < -4 || e >= 17) {
    digits = digits.replace(/0+$/, '');
    const ex = Math.abs(e);
    out = digits[0]! + (digits.length > 1 ? '.' + digits.slice(1) : '') + 'e' + (e < 0 ? '-' : '+') + (ex < 10 ? '0' : '') + ex;
  } else if (e < 0) {
    out = ('0.' + '0'.repeat(-e - 1) + digits).replace(/\.?0+$/, '');
  } else {
    const int = digits.slice(0, e + 1);
    const frac = digits.slice(e + 1).replace(/0+$/, '');
    out = frac.length > 0 ? int + '.' + frac : int;
  }
  return neg ? '-' + out : out;
}

// ------------------------------------------------------------------ object helpers

function maxEntries(c: Client): number { return c.server.config.num('zset-max-listpack-entries'); }
function maxValue(c: Client): number { return c.server.config.num('zset-max-listpack-value'); }

function zobj(c: Client, a: number): ZsetObj { return c.db.object<ZsetObj>(a); }

/** Creates the key with an empty set sized by Valkey's hints (zsetTypeCreate). */
function createZset(c: Client, key: Buffer, sizeHint: number, lenHint: number): number {
  if (sizeHint <= maxEntries(c) && lenHint <= maxValue(c)) return c.db.setObject(key, OBJ_ZSET, ENC_LISTPACK, new ZPack());
  return c.db.setObject(key, OBJ_ZSET, ENC_SKIPLIST, new ZSkiplist(sizeHint));
}

function toSkiplist(c: Client, a: number, z: ZPack, capacity: number): ZSkiplist {
  const sl = z.toSkiplist(capacity);
  c.db.replaceObject(a, ENC_SKIPLIST, sl);
  return sl;
}

/** A score reply (c.w.double), without the intermediate Buffer of a RESP2 bulk string. */
function replyScore(c: Client, s: number): void {
  if (c.resp > 2) c.w.double(s); else c.w.bulkLatin1(formatDouble(s));
}

/** Adjusts the dirty counter so a command adds what Valkey's does (each changed() counts one). */
function addDirty(c: Client, n: number): void { c.server.ks.dirty += n; }

/** Whether a result of `count` members, the longest `maxLen` bytes, is stored compact. */
function fitsPack(c: Client, count: number, maxLen: number, totalLen: number): boolean {
  return count <= maxEntries(c) && maxLen <= maxValue(c) && totalLen < PACK_MAX_BYTES;
}

/** Stores a result set at dst (or deletes dst when empty) with Valkey's events. Replies the count. */
export function storeResult(c: Client, dst: Buffer, entries: ZEntry[], event: string): void {
  if (entries.length === 0) {
    c.w.int(0);
    if (c.db.delete(dst)) changed(c, dst, 'del', NOTIFY_GENERIC);
    return;
  }
  let maxLen = 0, total = 0;
  for (const e of entries) { if (e.m.length > maxLen) maxLen = e.m.length; total += e.m.length; }
  const pack = fitsPack(c, entries.length, maxLen, total);
  c.db.setObject(dst, OBJ_ZSET, pack ? ENC_LISTPACK : ENC_SKIPLIST, buildZset(entries, pack));
  c.w.int(entries.length);
  changed(c, dst, event, NOTIFY_ZSET);
}

// ------------------------------------------------------------------ ZADD / ZINCRBY

const NX = 1, XX = 2, GT = 4, LT = 8, INCR = 16;

export function zaddGeneric(c: Client, argv: Buffer[], flags: number): void {
  const key = argv[1]!;
  let ch = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = argv[i]!;
    if (isArg(o, 'nx')) flags |= NX;
    else if (isArg(o, 'xx')) flags |= XX;
    else if (isArg(o, 'ch')) ch = true;
    else if (isArg(o, 'incr')) flags |= INCR;
    else if (isArg(o, 'gt')) flags |= GT;
    else if (isArg(o, 'lt')) flags |= LT;
    else break;
  }
  const incr = (flags & INCR) !== 0, nx = (flags & NX) !== 0, xx = (flags & XX) !== 0;
  const gt = (flags & GT) !== 0, lt = (flags & LT) !== 0;
  const rest = argv.length - i;
  if (rest % 2 !== 0 || rest === 0) { c.w.error(E.syntax); return; }
  const pairs = rest / 2;
  if (nx && xx) { c.w.error(E.zaddXxNx); return; }
  if ((gt && nx) || (lt && nx) || (gt && lt)) { c.w.error(E.zaddGtLtNx); return; }
  if (incr && pairs > 1) { c.w.error(E.zaddIncrPair); return; }
  const scores = new Array<number>(pairs);
  let maxLen = 0;
  for (let j = 0; j < pairs; j++) {
    const s = parseScore(argv[i + 2 * j]!);
    if (s === null) { c.w.error(E.notFloat); return; }
    scores[j] = s;
    const ml = argv[i + 2 * j + 1]!.length;
    if (ml > maxLen) maxLen = ml;
  }
  let a = lookupTypedWrite(c, key, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  let added = 0, updated = 0, processed = 0;
  let score = 0;
  let err = false;
  if (a === 0) {
    if (xx) { if (incr) c.w.nil(); else c.w.int(0); return; }
    a = createZset(c, key, pairs, maxLen);
  } else if (zobj(c, a).isPack && (pairs > maxEntries(c) || maxLen > maxValue(c))) {
    const z = zobj(c, a) as ZPack;
    toSkiplist(c, a, z, z.length + pairs);
  }
  let z = zobj(c, a);
  for (let j = 0; j < pairs; j++) {
    let s = scores[j]!;
    const m = argv[i + 2 * j + 1]!;
    const cur = z.lookup(m);
    if (!Number.isNaN(cur)) {
      if (nx) continue;
      if (incr) {
        s += cur;
        if (Number.isNaN(s)) { err = true; break; }
      }
      if ((lt && s >= cur) || (gt && s <= cur)) continue;
      processed++;
      score = s;
      if (s !== cur) { z.update(m, cur, s); updated++; }
    } else if (!xx) {
      if (z instanceof ZPack &&
          (z.length + 1 > maxEntries(c) || m.length > maxValue(c) || z.bytes + m.length > PACK_MAX_BYTES)) {
        z = toSkiplist(c, a, z, z.length + 1);
      }
      z.add(m, s);
      added++;
      processed++;
      score = s;
    }
  }
  z.forget();
  if (err) c.w.error(E.zsetNaN);
  else if (incr) { if (processed) replyScore(c, score); else c.w.nil(); }
  else c.w.int(ch ? added + updated : added);
  if (added || updated) {
    changed(c, key, incr ? 'zincr' : 'zadd', NOTIFY_ZSET);
    addDirty(c, added + updated - 1);
  }
}

// ------------------------------------------------------------------ ZREM / ZREMRANGEBY*

function zremCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const z = zobj(c, a);
  let deleted = 0, removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j]!)) deleted++;
    if (z.length === 0) { c.db.removeBlock(a); removed = true; break; }
  }
  if (deleted) {
    changed(c, key, 'zrem', NOTIFY_ZSET);
    if (removed) changed(c, key, 'del', NOTIFY_GENERIC);
    addDirty(c, deleted - 1 - (removed ? 1 : 0));
  }
  c.w.int(deleted);
}

type RangeKind = 'rank' | 'score' | 'lex';

function zremrangeGeneric(c: Client, argv: Buffer[], kind: RangeKind): void {
  const key = argv[1]!;
  let start = 0, end = 0;
  let sr: ScoreRange | null = null;
  let lr: { min: LexBound; max: LexBound } | null = null;
  if (kind === 'rank') {
    const s = longArg(c, argv[2]!); if (s === null) return;
    const e = longArg(c, argv[3]!); if (e === null) return;
    start = Number(s); end = Number(e);
  } else if (kind === 'score') {
    sr = parseScoreRange(argv[2]!, argv[3]!);
    if (sr === null) { c.w.error(E.zMinMaxFloat); return; }
  } else {
    lr = parseLexRange(argv[2]!, argv[3]!);
    if (lr === null) { c.w.error(E.zMinMaxLex); return; }
  }
  const a = lookupTypedWrite(c, key, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const z = zobj(c, a);
  const len = z.length;
  if (kind === 'rank') {
    if (start < 0) start = len + start;
    if (end < 0) end = len + end;
    if (start < 0) start = 0;
    if (start > end || start >= len) { c.w.int(0); return; }
    if (end >= len) end = len - 1;
  } else if (kind === 'score') {
    start = z.firstByScore(sr!.min, sr!.minex);
    end = z.lastByScore(sr!.max, sr!.maxex);
  } else {
    if (!lexRangeMayHit(z, lr!.min, lr!.max)) { start = 0; end = -1; } else {
      start = z.firstByLex(lr!.min);
      end = z.lastByLex(lr!.max);
    }
  }
  const deleted = start <= end && start < len ? end - start + 1 : 0;
  if (deleted > 0) z.removeRange(start, end);
  let removed = false;
  if (z.length === 0) { c.db.removeBlock(a); removed = true; }
  if (deleted) {
    changed(c, key, kind === 'rank' ? 'zremrangebyrank' : kind === 'score' ? 'zremrangebyscore' : 'zremrangebylex', NOTIFY_ZSET);
    if (removed) changed(c, key, 'del', NOTIFY_GENERIC);
    addDirty(c, deleted - 1 - (removed ? 1 : 0));
  }
  c.w.int(deleted);
}

/** zslIsInLexRange / zzlIsInLexRange: false when the range cannot hold any element. */
function lexRangeMayHit(z: ZsetObj, min: LexBound, max: LexBound): boolean {
  const cmp = compareLexBounds(min, max);
  if (cmp > 0 || (cmp === 0 && (min.ex || max.ex))) return false;
  if (z.length === 0) return false;
  let ok = true;
  z.each(z.length - 1, 1, true, (b, off, len) => { ok = lexGteMin(b, off, len, min); });
  if (!ok) return false;
  z.each(0, 1, false, (b, off, len) => { ok = lexLteMax(b, off, len, max); });
  return ok;
}

// ------------------------------------------------------------------ ZRANGE family

/** Where a range's elements go: the client, or a set stored by ZRANGESTORE. */
interface RangeSink {
  withScores: boolean;
  begin(n: number): void;
  emit: ZVisitor;
  end(n: number): void;
}

// Range replies to a client are assembled in one scratch buffer by a plain function (no
// closures per call, no writer call per element) and handed to the reply writer in one copy
// (every 32 KiB for long ranges). The bytes are the writer's own: "$len" bulk members, scores
// as bulk strings (RESP2) or doubles in 2-element arrays (RESP3), formatted as formatDouble.
let RB = Buffer.allocUnsafeSlow(32 * 1024 + 1024);
let rbView = new DataView(RB.buffer, RB.byteOffset, RB.length);
let rbPos = 0;
let rbScores = false;
let rbResp3 = false;
let rbOut: Client['w'] | null = null;
const RB_FLUSH = 32 * 1024;

/** Room for n more bytes in the scratch buffer (grown for a huge member). */
function rbRoom(n: number): Buffer {
  if (rbPos + n > RB.length) {
    const nb = Buffer.allocUnsafeSlow(Math.max(RB.length * 2, rbPos + n + 1024));
    RB.copy(nb, 0, 0, rbPos);
    RB = nb;
    rbView = new DataView(nb.buffer, nb.byteOffset, nb.length);
  }
  return RB;
}

// Views of the buffer members are copied from (usually one scratch buffer, so this is cached).
let srcBuf: Buffer | null = null;
let srcView: DataView = rbView;

function decimalLength(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  let k = 1;
  while (n >= 10) { n = Math.floor(n / 10); k++; }
  return k;
}

/** Writes the decimal digits of a non-negative safe integer at p; returns the end. */
function putDecimal(b: Buffer, p: number, n: number): number {
  if (n < 10) { b[p] = 48 + n; return p + 1; }
  if (n < 100) { const t = (n / 10) | 0; b[p] = 48 + t; b[p + 1] = 48 + n - 10 * t; return p + 2; }
  const k = decimalLength(n);
  let q = p + k;
  if (n <= 0x7fffffff) {
    do { const t = (n / 10) | 0; b[--q] = 48 + n - 10 * t; n = t; } while (n > 0);
  } else {
    do { b[--q] = 48 + (n % 10); n = Math.floor(n / 10); } while (n > 0);
  }
  return p + k;
}

function rbEmit(src: Buffer, off: number, len: number, s: number): void {
  const b = rbRoom(len + 64);
  let p = rbPos;
  if (rbScores && rbResp3) { b[p++] = 42; b[p++] = 50; b[p++] = 13; b[p++] = 10; }
  b[p++] = 36;
  p = putDecimal(b, p, len);
  b[p++] = 13; b[p++] = 10;
  if (len <= 64) {
    // Four bytes at a time through DataViews: much cheaper than byte stores or a native copy
    // call for short members.
    if (src !== srcBuf) { srcBuf = src; srcView = new DataView(src.buffer, src.byteOffset, src.length); }
    const sv = srcView, dv = rbView;
    let i = 0;
    for (; i + 4 <= len; i += 4) dv.setUint32(p + i, sv.getUint32(off + i));
    for (; i < len; i++) b[p + i] = src[off + i]!;
    p += len;
  } else { src.copy(b, p, off, off + len); p += len; }
  b[p++] = 13; b[p++] = 10;
  if (rbScores) {
    if (s !== 0 && Number.isSafeInteger(s)) {
      // formatDouble of an integer is its decimal text.
      const neg = s < 0;
      const a = neg ? -s : s;
      const k = decimalLength(a) + (neg ? 1 : 0);
      if (rbResp3) b[p++] = 44;
      else { b[p++] = 36; p = putDecimal(b, p, k); b[p++] = 13; b[p++] = 10; }
      if (neg) b[p++] = 45;
      p = putDecimal(b, p, a);
      b[p++] = 13; b[p++] = 10;
    } else {
      rbPos = p;
      const t = formatDouble(s);
      const bb = rbRoom(t.length + 16);
      if (rbResp3) bb[p++] = 44;
      else { bb[p++] = 36; p = putDecimal(bb, p, t.length); bb[p++] = 13; bb[p++] = 10; }
      p += bb.latin1Write(t, p, t.length);
      bb[p++] = 13; bb[p++] = 10;
    }
  }
  rbPos = p;
  if (p >= RB_FLUSH) { rbOut!.raw(RB.subarray(0, p)); rbPos = 0; }
}

/** Replies n elements of z from index first (descending when rev) to the client. */
function replyRange(c: Client, z: ZsetObj, first: number, n: number, rev: boolean, withScores: boolean): void {
  const w = c.w;
  const resp3 = c.resp > 2;
  w.arr(withScores && !resp3 ? n * 2 : n);
  if (n <= 0) return;
  rbPos = 0; rbScores = withScores; rbResp3 = resp3; rbOut = w;
  try {
    z.each(first, n, rev, rbEmit);
    if (rbPos > 0) w.raw(RB.subarray(0, rbPos));
  } finally {
    rbPos = 0; rbOut = null;
    srcBuf = null;
    if (RB.length > 1 << 20) {
      RB = Buffer.allocUnsafeSlow(32 * 1024 + 1024);
      rbView = new DataView(RB.buffer, RB.byteOffset, RB.length);
    }
  }
}

function storeSink(c: Client, dst: Buffer, rev: boolean): RangeSink {
  const entries: ZEntry[] = [];
  return {
    withScores: true,
    begin: () => {},
    emit: (b, off, len, s) => { entries.push({ m: Buffer.from(b.subarray(off, off + len)), s }); },
    end: () => {
      if (rev) entries.reverse(); // reverse ranges arrive in descending order
      storeResult(c, dst, entries, 'zrangestore');
    },
  };
}

/**
 * ZRANGE and its relatives: <src> <min> <max> [BYSCORE|BYLEX] [REV] [WITHSCORES] [LIMIT off cnt].
 * `argStart` is the index of <src>; `kind` / `rev` are preset by the legacy commands.
 */
function zrangeGeneric(c: Client, argv: Buffer[], argStart: number, dst: Buffer | null,
                       kind: RangeKind | null, rev: boolean | null): void {
  const key = argv[argStart]!;
  let minIdx = argStart + 1, maxIdx = argStart + 2;
  let withScores = false;
  let offset = 0n, limit = -1n;
  for (let j = argStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = argv[j]!;
    if (dst === null && isArg(o, 'withscores')) withScores = true;
    else if (isArg(o, 'limit') && left >= 2) {
      const off = longArg(c, argv[j + 1]!); if (off === null) return;
      const lim = longArg(c, argv[j + 2]!); if (lim === null) return;
      offset = off; limit = lim;
      j += 2;
    } else if (rev === null && isArg(o, 'rev')) rev = true;
    else if (kind === null && isArg(o, 'bylex')) kind = 'lex';
    else if (kind === null && isArg(o, 'byscore')) kind = 'score';
    else { c.w.error(E.syntax); return; }
  }
  if (rev === null) rev = false;
  if (kind === null) kind = 'rank';
  if (limit !== -1n && kind === 'rank') { c.w.error(E.zLimitRank); return; }
  if (withScores && kind === 'lex') { c.w.error(E.zWithscoresBylex); return; }
  if (rev && kind !== 'rank') { const t = minIdx; minIdx = maxIdx; maxIdx = t; }
  let start = 0n, end = 0n;
  let sr: ScoreRange | null = null;
  let lr: { min: LexBound; max: LexBound } | null = null;
  if (kind === 'rank') {
    const s = longArg(c, argv[minIdx]!); if (s === null) return;
    const e = longArg(c, argv[maxIdx]!); if (e === null) return;
    start = s; end = e;
  } else if (kind === 'score') {
    sr = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (sr === null) { c.w.error(E.zMinMaxFloat); return; }
  } else {
    lr = parseLexRange(argv[minIdx]!, argv[maxIdx]!);
    if (lr === null) { c.w.error(E.zMinMaxLex); return; }
  }
  const sink = dst !== null ? storeSink(c, dst, rev) : null;
  const a = lookupTyped(c, key, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { emptyRange(c, sink); return; }
  const z = zobj(c, a);
  const len = z.length;
  let first: number, n: number;
  if (kind === 'rank') {
    let s = start, e = end;
    const L = BigInt(len);
    if (s < 0n) s = L + s;
    if (e < 0n) e = L + e;
    if (s < 0n) s = 0n;
    if (s > e || s >= L) { emptyRange(c, sink); return; }
    if (e >= L) e = L - 1n;
    n = Number(e - s) + 1;
    first = rev ? len - 1 - Number(s) : Number(s);
  } else {
    let F: number, Lst: number;
    if (kind === 'score') {
      F = z.firstByScore(sr!.min, sr!.minex);
      Lst = z.lastByScore(sr!.max, sr!.maxex);
    } else if (lexRangeMayHit(z, lr!.min, lr!.max)) {
      F = z.firstByLex(lr!.min);
      Lst = z.lastByLex(lr!.max);
    } else { F = len; Lst = -1; }
    const win = rangeWindow(z, F, Lst, offset, rev);
    first = win[0]; n = win[1];
    if (n > 0 && limit >= 0n && BigInt(n) > limit) n = Number(limit);
  }
  if (sink === null) { replyRange(c, z, first, n, rev, withScores); return; }
  sink.begin(n);
  z.each(first, n, rev, sink.emit);
  sink.end(n);
}

/** The reply (or stored result) of a range that selects nothing. */
function emptyRange(c: Client, sink: RangeSink | null): void {
  if (sink === null) { c.w.arr(0); return; }
  sink.begin(0);
  sink.end(0);
}

/**
 * The start index and size of a BYSCORE / BYLEX window over the in-range indexes F..L, after
 * LIMIT's offset. A negative offset selects nothing on a listpack but counts from the far end
 * of the range on a skiplist, as Valkey's two code paths do.
 */
function rangeWindow(z: ZsetObj, F: number, L: number, offset: bigint, rev: boolean): [number, number] {
  if (F > L || F >= z.length || L < 0) return [0, 0];
  const span = BigInt(L - F + 1);
  if (offset >= 0n) {
    if (offset >= span) return [0, 0];
    const o = Number(offset);
    return rev ? [L - o, L - o - F + 1] : [F + o, L - F - o + 1];
  }
  if (z.isPack) return [0, 0];
  if (!rev) {
    // The (-offset)-th element counting back from the last one in range.
    if (-offset > span) return [0, 0];
    const s = L + 1 + Number(offset);
    return [s, L - s + 1];
  }
  const k = -offset - 1n;
  if (k >= span) return [0, 0];
  const s = F + Number(k);
  return [s, s - F + 1];
}

// ------------------------------------------------------------------ single-key reads

function zcardCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  c.w.int(a === 0 ? 0 : zobj(c, a).length);
}

function zscoreCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const s = zobj(c, a).score(argv[2]!);
  if (Number.isNaN(s)) c.w.nil(); else replyScore(c, s);
}

function zmscoreCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  const z = a === 0 ? null : zobj(c, a);
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z === null ? NaN : z.score(argv[j]!);
    if (Number.isNaN(s)) c.w.nil(); else replyScore(c, s);
  }
}

function zrankGeneric(c: Client, argv: Buffer[], reverse: boolean): void {
  if (argv.length > 4) { c.w.error(E.arity(argv[0]!.toString('latin1').toLowerCase())); return; }
  let withScore = false;
  if (argv.length > 3) {
    if (isArg(argv[3]!, 'withscore')) withScore = true;
    else { c.w.error(E.syntax); return; }
  }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  const z = a === 0 ? null : zobj(c, a);
  const r = z === null ? -1 : z.rank(argv[2]!);
  if (r < 0) { if (withScore) c.w.nullArray(); else c.w.nil(); return; }
  if (withScore) c.w.arr(2);
  c.w.int(reverse ? z!.length - 1 - r : r);
  if (withScore) replyScore(c, z!.lastScore);
}

function zcountCommand(c: Client, argv: Buffer[]): void {
  const sr = parseScoreRange(argv[2]!, argv[3]!);
  if (sr === null) { c.w.error(E.zMinMaxFloat); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const z = zobj(c, a);
  const F = z.firstByScore(sr.min, sr.minex), L = z.lastByScore(sr.max, sr.maxex);
  c.w.int(F <= L ? L - F + 1 : 0);
}

function zlexcountCommand(c: Client, argv: Buffer[]): void {
  const lr = parseLexRange(argv[2]!, argv[3]!);
  if (lr === null) { c.w.error(E.zMinMaxLex); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const z = zobj(c, a);
  if (!lexRangeMayHit(z, lr.min, lr.max)) { c.w.int(0); return; }
  const F = z.firstByLex(lr.min), L = z.lastByLex(lr.max);
  c.w.int(F <= L ? L - F + 1 : 0);
}

// ------------------------------------------------------------------ ZSCAN

function zscanCommand(c: Client, argv: Buffer[]): void {
  const cur = parseCursor(argv[2]!);
  if (cur === null) { c.w.error(E.invalidCursor); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.arr(2); c.w.bulk('0'); c.w.arr(0); return; }
  let count = 10;
  let pattern: Buffer | null = null;
  let noScores = false;
  for (let i = 3; i < argv.length; i++) {
    const left = argv.length - i;
    const o = argv[i]!;
    if (isArg(o, 'count') && left >= 2) {
      const v = longArg(c, argv[i + 1]!); if (v === null) return;
      if (v < 1n) { c.w.error(E.syntax); return; }
      count = v > 1000000000n ? 1000000000 : Number(v);
      i++;
    } else if (isArg(o, 'match') && left >= 2) {
      const p = argv[++i]!;
      pattern = p.length === 1 && p[0] === 42 ? null : p;
    } else if (isArg(o, 'novalues')) {
      c.w.error(E.novaluesOnlyHscan); return;
    } else if (isArg(o, 'noscores')) {
      noScores = true;
    } else { c.w.error(E.syntax); return; }
  }
  const z = zobj(c, a);
  const out: (Buffer | string)[] = [];
  let cursor = 0;
  if (z instanceof ZSkiplist) {
    let sampled = 0;
    const visit: ZVisitor = (b, off, len, s) => {
      sampled++;
      const m = b.subarray(off, off + len);
      if (pattern !== null && !stringMatchBuf(pattern, m, false)) return;
      out.push(Buffer.from(m));
      if (!noScores) out.push(formatG17(s));
    };
    let maxIterations = count * 10;
    cursor = Number(cur & 0xffffffffn);
    do {
      cursor = z.scan(cursor, visit);
    } while (cursor !== 0 && maxIterations-- > 0 && sampled < count);
  } else {
    z.each(0, z.length, false, (b, off, len, s) => {
      const m = b.subarray(off, off + len);
      if (pattern !== null && !stringMatchBuf(pattern, m, false)) return;
      out.push(Buffer.from(m));
      // A listpack holds scores as d2string text.
      if (!noScores) out.push(formatDouble(s));
    });
  }
  c.w.arr(2);
  c.w.bulk(String(cursor));
  c.w.arr(out.length);
  for (const x of out) c.w.bulk(x);
}

// ------------------------------------------------------------------ ZPOP family

/**
 * Pops up to `count` elements (-1: a single one) from the first existing set among `keys`,
 * replying in one of Valkey's four shapes.
 */
function genericZpop(c: Client, keys: Buffer[], max: boolean, emitKey: boolean, count: number,
                     nested: boolean, nilWhenEmpty: boolean, rewrite: number): void {
  let a = 0, key: Buffer | null = null;
  for (const k of keys) {
    a = lookupTypedWrite(c, k, OBJ_ZSET);
    if (a === WRONGTYPE) return;
    if (a !== 0) { key = k; break; }
  }
  if (a === 0 || key === null) { if (nilWhenEmpty) c.w.nullArray(); else c.w.arr(0); return; }
  if (count === 0) { c.w.arr(0); return; }
  if (count === -1) count = 1;
  popFrom(c, a, key, max, emitKey, count, nested, rewrite);
}

const ZPOPMIN = Buffer.from('ZPOPMIN');
const ZPOPMAX = Buffer.from('ZPOPMAX');
/** How a pop is propagated: as itself, or as ZPOPMIN/ZPOPMAX without or with a count. */
const AS_IS = 0, AS_POP = 1, AS_POP_COUNT = 2;

function popFrom(c: Client, a: number, key: Buffer, max: boolean, emitKey: boolean, count: number, nested: boolean,
                 rewrite: number): void {
  const z = zobj(c, a);
  const len = z.length;
  const n = count > len ? len : count;
  // Replicas and the AOF get the plain pop that had the same effect (rewriteClientCommandVector).
  if (rewrite === AS_POP) c.argv = [max ? ZPOPMAX : ZPOPMIN, key];
  else if (rewrite === AS_POP_COUNT) c.argv = [max ? ZPOPMAX : ZPOPMIN, key, Buffer.from(String(n))];
  const w = c.w;
  if (!nested && !emitKey) w.arr(n * 2);
  else if (nested && !emitKey) w.arr(n);
  else if (!nested && emitKey) { w.arr(n * 2 + 1); w.bulk(key); }
  else { w.arr(2); w.bulk(key); w.arr(n); }
  z.each(max ? len - 1 : 0, n, max, (b, off, l, s) => {
    if (nested) w.arr(2);
    w.bulkFrom(b, off, off + l);
    w.double(s);
  });
  if (max) z.removeRange(len - n, len - 1); else z.removeRange(0, n - 1);
  changed(c, key, max ? 'zpopmax' : 'zpopmin', NOTIFY_ZSET);
  let removed = false;
  if (z.length === 0) {
    c.db.removeBlock(a);
    changed(c, key, 'del', NOTIFY_GENERIC);
    removed = true;
  }
  addDirty(c, n - 1 - (removed ? 1 : 0));
}

function zpopCommand(c: Client, argv: Buffer[], max: boolean): void {
  if (argv.length > 3) { c.w.error(E.syntax); return; }
  let count = -1;
  if (argv.length === 3) {
    const v = rangedArg(c, argv[2]!, 0n, LONG_MAX, E.positive);
    if (v === null) return;
    count = v;
  }
  genericZpop(c, [argv[1]!], max, false, count, c.resp > 2 && count !== -1, false, AS_IS);
}

function zsetReady(c: Client, key: Buffer): boolean {
  const st = c.bstate;
  const db = st ? c.server.ks.dbs[st.dbId]! : c.db;
  const a = db.findRaw(key);
  return a !== 0 && !db.isExpired(a) && c.server.ks.arena.type(a) === OBJ_ZSET;
}

const timeoutReply = (c: Client): void => c.w.nullArray();

/** BZPOPMIN / BZPOPMAX / BZMPOP: pop when a key has elements, else block. */
function blockingZpop(c: Client, keys: Buffer[], timeoutArgIdx: number, max: boolean, count: number,
                      nested: boolean): void {
  const deadline = timeoutArg(c, c.argv[timeoutArgIdx]!);
  if (deadline === null) return;
  for (const k of keys) {
    const a = lookupTypedWrite(c, k, OBJ_ZSET);
    if (a === WRONGTYPE) return;
    if (a === 0) continue;
    popFrom(c, a, k, max, true, count === -1 ? 1 : count, nested, count === -1 ? AS_POP : AS_POP_COUNT);
    return;
  }
  if (c.denyBlocking || c.inMulti) { c.w.nullArray(); return; }
  c.server.blocking.block(c, keys, c.bstate ? c.bstate.deadline : deadline, timeoutReply, { ready: zsetReady });
}

function bzpopCommand(c: Client, argv: Buffer[], max: boolean): void {
  blockingZpop(c, argv.slice(1, argv.length - 1), argv.length - 1, max, -1, false);
}

function zmpopGeneric(c: Client, argv: Buffer[], numkeysIdx: number, block: boolean): void {
  const numkeys = rangedArg(c, argv[numkeysIdx]!, 1n, LONG_MAX, E.numkeysPositive);
  if (numkeys === null) return;
  const whereIdx = numkeysIdx + numkeys + 1;
  if (whereIdx >= argv.length) { c.w.error(E.syntax); return; }
  let max: boolean;
  if (isArg(argv[whereIdx]!, 'min')) max = false;
  else if (isArg(argv[whereIdx]!, 'max')) max = true;
  else { c.w.error(E.syntax); return; }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && isArg(argv[j]!, 'count') && more > 0) {
      j++;
      const v = rangedArg(c, argv[j]!, 1n, LONG_MAX, E.countPositive);
      if (v === null) return;
      count = v;
    } else { c.w.error(E.syntax); return; }
  }
  if (count === -1) count = 1;
  const keys = argv.slice(numkeysIdx + 1, numkeysIdx + 1 + numkeys);
  if (block) blockingZpop(c, keys, 1, max, count, true);
  else genericZpop(c, keys, max, true, count, true, true, AS_POP_COUNT);
}

// ------------------------------------------------------------------ ZRANDMEMBER

/** Reply size past which an endless ZRANDMEMBER -<huge> stops and the client is dropped. */
const OBUF_GUARD = 1 << 30;

function zrandmemberCommand(c: Client, argv: Buffer[]): void {
  if (argv.length >= 3) {
    const l = parseI64(argv[2]!);
    if (l === null) { c.w.error(E.notInteger); return; }
    if (l < -LONG_MAX || l > LONG_MAX) { c.w.error(E.longRange('-9223372036854775807', '9223372036854775807')); return; }
    let withScores = false;
    if (argv.length > 4 || (argv.length === 4 && !isArg(argv[3]!, 'withscores'))) { c.w.error(E.syntax); return; }
    if (argv.length === 4) {
      withScores = true;
      if (l < -(LONG_MAX / 2n) || l > LONG_MAX / 2n) { c.w.error(E.valueOutOfRange); return; }
    }
    zrandWithCount(c, argv[1]!, l, withScores);
    return;
  }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const z = zobj(c, a);
  z.each(Math.floor(Math.random() * z.length), 1, false, (b, off, len) => c.w.bulkFrom(b, off, off + len));
}

function zrandWithCount(c: Client, key: Buffer, l: bigint, withScores: boolean): void {
  const a = lookupTyped(c, key, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0 || l === 0n) { c.w.arr(0); return; }
  const z = zobj(c, a);
  const size = z.length;
  const w = c.w;
  const nested = withScores && c.resp > 2;
  const emit: ZVisitor = (b, off, len, s) => {
    if (nested) w.arr(2);
    w.bulkFrom(b, off, off + len);
    if (withScores) w.double(s);
  };
  const uniq = l > 0n;
  const count = uniq ? l : -l;
  if (!uniq || count === 1n) {
    // With repetitions, in random order.
    const n = Number(count);
    w.arr(withScores && c.resp === 2 ? n * 2 : n);
    if (z.isPack && n > 1) {
      // Decode the compact set once.
      const ms: Buffer[] = [], ss: number[] = [];
      z.each(0, size, false, (b, off, len, s) => { ms.push(Buffer.from(b.subarray(off, off + len))); ss.push(s); });
      for (let i = 0; i < n; i++) {
        const k = Math.floor(Math.random() * size);
        emit(ms[k]!, 0, ms[k]!.length, ss[k]!);
        if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
      }
      return;
    }
    for (let i = 0; i < n; i++) {
      z.each(Math.floor(Math.random() * size), 1, false, emit);
      // Like a client over its output buffer limit: stop and disconnect on absurd counts.
      if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
    }
    return;
  }
  if (count >= BigInt(size)) {
    // The whole set, walked from the top as Valkey's set-operation iterator does.
    w.arr(withScores && c.resp === 2 ? size * 2 : size);
    z.each(size - 1, size, true, emit);
    return;
  }
  const n = Number(count);
  w.arr(withScores && c.resp === 2 ? n * 2 : n);
  if (z.isPack) {
    // Distinct positions, emitted in order (as lpRandomPairsUnique).
    let need = n;
    for (let i = 0; i < size && need > 0; i++) {
      if (Math.random() * (size - i) < need) { z.each(i, 1, false, emit); need--; }
    }
    return;
  }
  // Distinct random positions, in the order drawn.
  const picked = new Set<number>();
  if (n * 3 > size) {
    // Many of them: shuffle a prefix of all positions.
    const pos = new Uint32Array(size);
    for (let i = 0; i < size; i++) pos[i] = i;
    for (let i = 0; i < n; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = pos[i]!; pos[i] = pos[j]!; pos[j] = t;
      z.each(pos[i]!, 1, false, emit);
    }
    return;
  }
  while (picked.size < n) {
    const p = Math.floor(Math.random() * size);
    if (picked.has(p)) continue;
    picked.add(p);
    z.each(p, 1, false, emit);
  }
}

// ------------------------------------------------------------------ ZUNION / ZINTER / ZDIFF

type SetOp = 'union' | 'inter' | 'diff';
const AGG_SUM = 0, AGG_MIN = 1, AGG_MAX = 2;

/** One input of a set operation: a sorted set, a plain set (scores 1), or nothing. */
interface OpSrc {
  z: ZsetObj | null;
  s: SetObject | null;
  len: number;
  weight: number;
}

/** Visits every element of src; a sorted set is walked in chunks so `stop` can end the walk early. */
function srcEach(src: OpSrc, fn: ZVisitor, stop?: () => boolean): void {
  const z = src.z;
  if (z !== null) {
    const len = z.length;
    for (let i = 0; i < len; i += 256) {
      z.each(i, Math.min(256, len - i), false, fn);
      if (stop && stop()) return;
    }
  } else if (src.s !== null) src.s.forEach((m) => fn(m, 0, m.length, 1));
}

/** Score of member m in src (1 for set members); NaN when absent. */
function srcScore(src: OpSrc, m: Buffer): number {
  if (src.z !== null) return src.z.score(m);
  if (src.s !== null) return src.s.has(m) ? 1 : NaN;
  return NaN;
}

function aggregate(target: number, v: number, agg: number): number {
  if (agg === AGG_SUM) { const r = target + v; return Number.isNaN(r) ? 0 : r; }
  if (agg === AGG_MIN) return v < target ? v : target;
  return v > target ? v : target;
}

function zsetOpGeneric(c: Client, argv: Buffer[], dst: Buffer | null, numkeysIdx: number, op: SetOp, cardOnly: boolean): void {
  const nk = longArg(c, argv[numkeysIdx]!);
  if (nk === null) return;
  if (nk < 1n) { c.w.error(E.zAtLeastOneKey(c.cmd ? c.cmd.fullName : argv[0]!.toString('latin1').toLowerCase())); return; }
  if (nk > BigInt(argv.length - (numkeysIdx + 1))) { c.w.error(E.syntax); return; }
  const setnum = Number(nk);
  const srcs: OpSrc[] = [];
  const objs: unknown[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const a = c.db.lookup(argv[j]!);
    let src: OpSrc = { z: null, s: null, len: 0, weight: 1 };
    if (a !== 0) {
      const t = c.server.ks.arena.type(a);
      if (t !== OBJ_ZSET && t !== OBJ_SET) { c.w.error(E.wrongType); return; }
      if (t === OBJ_ZSET) { const z = zobj(c, a); src = { z, s: null, len: z.length, weight: 1 }; }
      else { const s = c.db.object<SetObject>(a); src = { z: null, s, len: s.size, weight: 1 }; }
      objs.push(c.db.object(a));
    } else objs.push(null);
    srcs.push(src);
  }
  let agg = AGG_SUM;
  let withScores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const o = argv[j]!;
    if (op !== 'diff' && !cardOnly && remaining >= setnum + 1 && isArg(o, 'weights')) {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const wv = parseScore(argv[j]!);
        if (wv === null) { c.w.error(E.zWeightFloat); return; }
        srcs[i]!.weight = wv;
      }
    } else if (op !== 'diff' && !cardOnly && remaining >= 2 && isArg(o, 'aggregate')) {
      const v = argv[j + 1]!;
      if (isArg(v, 'sum')) agg = AGG_SUM;
      else if (isArg(v, 'min')) agg = AGG_MIN;
      else if (isArg(v, 'max')) agg = AGG_MAX;
      else { c.w.error(E.syntax); return; }
      j += 2;
    } else if (remaining >= 1 && dst === null && !cardOnly && isArg(o, 'withscores')) {
      j++;
      withScores = true;
    } else if (cardOnly && remaining >= 2 && isArg(o, 'limit')) {
      const v = rangedArg(c, argv[j + 1]!, 0n, LONG_MAX, E.zLimitNegative);
      if (v === null) return;
      limit = v;
      j += 2;
    } else { c.w.error(E.syntax); return; }
  }
  // Keep each source's identity (the same key twice) for the inter/diff shortcuts.
  const order = srcs.map((s, i) => ({ s, o: objs[i] }));
  if (op !== 'diff') order.sort((x, y) => x.s.len - y.s.len);
  const entries: ZEntry[] = [];
  let card = 0;
  if (op === 'inter') {
    const first = order[0]!;
    if (first.s.len > 0) {
      const rest = order.slice(1);
      srcEach(first.s, (b, off, len, s0) => {
        if (cardOnly && limit && card >= limit) return;
        const m = b.subarray(off, off + len);
        let score = first.s.weight * s0;
        if (Number.isNaN(score)) score = 0;
        for (const r of rest) {
          let v: number;
          if (r.o === first.o) v = s0 * r.s.weight;
          else {
            v = srcScore(r.s, m);
            if (Number.isNaN(v)) return;
            v *= r.s.weight;
          }
          score = aggregate(score, v, agg);
        }
        if (cardOnly) card++;
        else entries.push({ m: Buffer.from(m), s: score });
      }, cardOnly && limit ? () => card >= limit : undefined);
    }
  } else if (op === 'union') {
    const acc = new Map<string, number>();
    for (const { s: src } of order) {
      if (src.len === 0) continue;
      srcEach(src, (b, off, len, s0) => {
        let score = src.weight * s0;
        if (Number.isNaN(score)) score = 0;
        const k = b.latin1Slice(off, off + len);
        const prev = acc.get(k);
        acc.set(k, prev === undefined ? score : aggregate(prev, score, agg));
      });
    }
    for (const [k, s] of acc) entries.push({ m: Buffer.from(k, 'latin1'), s });
  } else {
    const first = order[0]!;
    if (first.s.len > 0 && !order.slice(1).some((r) => r.o !== null && r.o === first.o)) {
      const rest = order.slice(1);
      srcEach(first.s, (b, off, len, s0) => {
        const m = b.subarray(off, off + len);
        for (const r of rest) if (!Number.isNaN(srcScore(r.s, m))) return;
        entries.push({ m: Buffer.from(m), s: s0 });
      });
    }
  }
  if (cardOnly) { c.w.int(card); return; }
  entries.sort(compareEntries);
  if (dst !== null) {
    storeResult(c, dst, entries, op === 'union' ? 'zunionstore' : op === 'inter' ? 'zinterstore' : 'zdiffstore');
    return;
  }
  const w = c.w;
  w.arr(withScores && c.resp === 2 ? entries.length * 2 : entries.length);
  for (const e of entries) {
    if (withScores && c.resp > 2) w.arr(2);
    w.bulk(e.m);
    if (withScores) w.double(e.s);
  }
}

// ------------------------------------------------------------------ DEBUG DIGEST, registration

function zsetDigest(obj: unknown, ctx: { element(...parts: Array<Uint8Array | string | number>): void }): void {
  const z = obj as ZsetObj;
  z.each(0, z.length, false, (b, off, len, s) => ctx.element(Buffer.from(b.subarray(off, off + len)), fpconvDtoa(s)));
}

/**
 * What loading a snapshot does to a sorted set (DEBUG RELOAD without persistence): a skiplist
 * small enough for the limits comes back compact; a compact set over the entry limit comes back
 * as a skiplist.
 */
function zsetReload(s: Server, db: Db, a: number): void {
  const z = db.object<ZsetObj>(a);
  const entries = s.config.num('zset-max-listpack-entries');
  if (z instanceof ZSkiplist) {
    if (z.length <= entries && z.maxMemberLength() <= s.config.num('zset-max-listpack-value')) {
      const items: ZEntry[] = [];
      z.each(0, z.length, false, (b, off, len, sc) => items.push({ m: Buffer.from(b.subarray(off, off + len)), s: sc }));
      db.replaceObject(a, ENC_LISTPACK, buildZset(items, true));
    }
  } else if (z instanceof ZPack && z.length > entries) {
    db.replaceObject(a, ENC_SKIPLIST, z.toSkiplist());
  }
}

export function registerZset(r: Registry): void {
  registerTypeDigest(OBJ_ZSET, zsetDigest);
  registerTypeReload(OBJ_ZSET, zsetReload);
  registerZsetRdb();
  r.handle('zadd', (c, argv) => zaddGeneric(c, argv, 0));
  r.handle('zincrby', (c, argv) => zaddGeneric(c, argv, INCR));
  r.handle('zrem', zremCommand);
  r.handle('zremrangebyrank', (c, argv) => zremrangeGeneric(c, argv, 'rank'));
  r.handle('zremrangebyscore', (c, argv) => zremrangeGeneric(c, argv, 'score'));
  r.handle('zremrangebylex', (c, argv) => zremrangeGeneric(c, argv, 'lex'));
  r.handle('zcard', zcardCommand);
  r.handle('zscore', zscoreCommand);
  r.handle('zmscore', zmscoreCommand);
  r.handle('zrank', (c, argv) => zrankGeneric(c, argv, false));
  r.handle('zrevrank', (c, argv) => zrankGeneric(c, argv, true));
  r.handle('zcount', zcountCommand);
  r.handle('zlexcount', zlexcountCommand);
  r.handle('zrange', (c, argv) => zrangeGeneric(c, argv, 1, null, null, null));
  r.handle('zrangestore', (c, argv) => zrangeGeneric(c, argv, 2, argv[1]!, null, null));
  r.handle('zrevrange', (c, argv) => zrangeGeneric(c, argv, 1, null, 'rank', true));
  r.handle('zrangebyscore', (c, argv) => zrangeGeneric(c, argv, 1, null, 'score', false));
  r.handle('zrevrangebyscore', (c, argv) => zrangeGeneric(c, argv, 1, null, 'score', true));
  r.handle('zrangebylex', (c, argv) => zrangeGeneric(c, argv, 1, null, 'lex', false));
  r.handle('zrevrangebylex', (c, argv) => zrangeGeneric(c, argv, 1, null, 'lex', true));
  r.handle('zscan', zscanCommand);
  r.handle('zpopmin', (c, argv) => zpopCommand(c, argv, false));
  r.handle('zpopmax', (c, argv) => zpopCommand(c, argv, true));
  r.handle('bzpopmin', (c, argv) => bzpopCommand(c, argv, false));
  r.handle('bzpopmax', (c, argv) => bzpopCommand(c, argv, true));
  r.handle('zmpop', (c, argv) => zmpopGeneric(c, argv, 1, false));
  r.handle('bzmpop', (c, argv) => zmpopGeneric(c, argv, 2, true));
  r.handle('zrandmember', zrandmemberCommand);
  r.handle('zunion', (c, argv) => zsetOpGeneric(c, argv, null, 1, 'union', false));
  r.handle('zinter', (c, argv) => zsetOpGeneric(c, argv, null, 1, 'inter', false));
  r.handle('zdiff', (c, argv) => zsetOpGeneric(c, argv, null, 1, 'diff', false));
  r.handle('zintercard', (c, argv) => zsetOpGeneric(c, argv, null, 1, 'inter', true));
  r.handle('zunionstore', (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'union', false));
  r.handle('zinterstore', (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'inter', false));
  r.handle('zdiffstore', (c, argv) => zsetOpGeneric(c, argv, argv[1]!, 2, 'diff', false));
}
