// SORT and SORT_RO over lists, sets and sorted sets, as Valkey's sort.c behaves:
//   SORT key [BY pattern] [LIMIT offset count] [GET pattern ...] [ASC|DESC] [ALPHA] [STORE dst]
// BY / GET patterns substitute the element for the first '*' and read a string key, or a hash
// field with "key->field"; "#" (GET) is the element itself; a BY pattern without '*' means "do
// not sort" (lists and sorted sets keep their native order; sets are sorted anyway when the
// result is stored, so that it is deterministic). Numeric sorting parses values as strtod does
// (a missing value sorts as 0), ties fall back to comparing the elements; ALPHA compares bytes.
// STORE writes a list (replacing any value, without TTL) and reports 'sortstore'.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { changed, isArg } from './util.js';
import { debugSettings } from './debug.js';
import { parseDouble, parseI64 } from '../util/number.js';
import {
  ENC_LISTPACK, ENC_QUICKLIST, ENC_SKIPLIST, NOTIFY_GENERIC, NOTIFY_LIST, OBJ_HASH, OBJ_LIST, OBJ_SET, OBJ_STRING, OBJ_ZSET,
} from '../store/types.js';
import { ListObject, setPackedThreshold } from '../ds/quicklist.js';
import { memberBytes, type SetObject } from '../ds/set.js';
import { isScriptClient } from '../scripting/engine.js';
import { userHasFullReadAccess } from './acl.js';

const DEFAULT_PACKED_THRESHOLD = 1 << 30;
const DBL_MIN = 2.2250738585072014e-308;

// The parts of the list, sorted-set and hash objects SORT reads (their families own them).
interface ListLike {
  readonly length: number;
  range(from: number, n: number, reverse: boolean, fn: (src: Buffer, start: number, end: number) => void): void;
}
interface ZsetLike {
  readonly isPack: boolean;
  readonly length: number;
  each(start: number, count: number, rev: boolean, fn: (buf: Buffer, off: number, len: number, score: number) => void): void;
  toSkiplist?: () => object;
}
interface HashLike { get(field: Buffer, now: number): Buffer | string | null }

interface SortItem {
  el: Buffer;
  score: number;
  /** ALPHA with BY: the value compared (null when the key or field is missing). */
  cmp: Buffer | null;
}

// ------------------------------------------------------------------ cluster slots

const CRC16_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let j = 0; j < 8; j++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    t[i] = crc;
  }
  return t;
})();

function crc16(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

function keySlot(k: Buffer): number {
  const open = k.indexOf(123);
  if (open >= 0) {
    const close = k.indexOf(125, open + 1);
    if (close > open + 1) return crc16(k, open + 1, close) & 0x3fff;
  }
  return crc16(k, 0, k.length) & 0x3fff;
}

/** The slot every key a pattern can produce hashes to, or -1 when they may differ. */
function patternSlot(p: Buffer): number {
  let s = -1;
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]!;
    if (ch === 42 || ch === 63 || ch === 91 || ch === 92) return -1;
    if (s === -1 && ch === 123) s = i;
    else if (s >= 0 && ch === 125 && i === s + 1) s = -2;
    else if (s >= 0 && ch === 125) return crc16(p, s + 1, i) & 0x3fff;
  }
  return crc16(p, 0, p.length) & 0x3fff;
}

// ------------------------------------------------------------------ patterns

/**
 * The value a BY / GET pattern names for element `el` (Valkey's lookupKeyByPattern): the
 * element for "#", null when the pattern has no '*', the key is missing or has the wrong type.
 */
function lookupByPattern(c: Client, pattern: Buffer, el: Buffer): Buffer | null {
  if (pattern.length === 1 && pattern[0] === 35) return el;
  const star = pattern.indexOf(42);
  if (star < 0) return null;
  // "->field" after the '*' (with a non-empty field) dereferences a hash field.
  const arrow = pattern.indexOf('->', star + 1, 'latin1');
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const postEnd = hasField ? arrow : pattern.length;
  const key = Buffer.allocUnsafe(star + el.length + (postEnd - star - 1));
  pattern.copy(key, 0, 0, star);
  el.copy(key, star);
  pattern.copy(key, star + el.length, star + 1, postEnd);
  const db = c.db;
  const a = db.lookup(key);
  if (a === 0) return null;
  const type = c.server.ks.arena.type(a);
  if (hasField) {
    if (type !== OBJ_HASH) return null;
    const v = db.object<HashLike>(a).get(pattern.subarray(arrow + 2), c.server.ks.now);
    if (v === null) return null;
    return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
  }
  if (type !== OBJ_STRING) return null;
  return db.stringView(a);
}

/** strtod over the whole value (C string: up to the first NUL); null when it is not a double. */
function sortScore(v: Buffer): number | null {
  let end = v.indexOf(0);
  if (end < 0) end = v.length;
  if (end === 0) return 0; // strtod consumes nothing and stops at the terminator
  let i = 0;
  while (i < end && (v[i] === 32 || (v[i]! >= 9 && v[i]! <= 13))) i++;
  if (i === end) return null;
  const text = v.latin1Slice(i, end);
  const d = parseDouble(text);
  if (d === null) return null;
  const lower = text.toLowerCase();
  if (!Number.isFinite(d) && !lower.includes('inf')) return null; // overflow: ERANGE
  if (d !== 0 && Math.abs(d) < DBL_MIN) return null; // underflow: ERANGE
  if (d === 0 && /[1-9]/.test(lower.replace(/e.*$/, '').replace(/^[+-]?0x/, ''))) return null;
  return d;
}

function compareBytes(a: Buffer, b: Buffer): number { return Buffer.compare(a, b); }

// ------------------------------------------------------------------ SORT

function sortGeneric(c: Client, argv: Buffer[], readonly: boolean): void {
  const w = c.w;
  let desc = false, alpha = false, dontsort = false;
  let limitStart = 0n, limitCount = -1n;
  let sortby: Buffer | null = null;
  let storekey: Buffer | null = null;
  const gets: Buffer[] = [];
  const cluster = c.server.config.bool('cluster-enabled');
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const o = argv[j]!;
    if (isArg(o, 'asc')) desc = false;
    else if (isArg(o, 'desc')) desc = true;
    else if (isArg(o, 'alpha')) alpha = true;
    else if (isArg(o, 'limit') && left >= 2) {
      const s = parseI64(argv[j + 1]!);
      const n = s === null ? null : parseI64(argv[j + 2]!);
      if (s === null || n === null) { w.error(E.notInteger); return; }
      limitStart = s; limitCount = n;
      j += 2;
    } else if (!readonly && isArg(o, 'store') && left >= 1) {
      storekey = argv[++j]!;
    } else if (isArg(o, 'by') && left >= 1) {
      sortby = argv[++j]!;
      if (sortby.indexOf(42) < 0) dontsort = true;
      else if (cluster && patternSlot(sortby) !== keySlot(argv[1]!)) {
        w.error('ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.');
        return;
      } else if (!userHasFullReadAccess(c, c.cmd!, argv)) {
        w.error('ERR BY option of SORT denied due to insufficient ACL permissions.');
        return;
      }
    } else if (isArg(o, 'get') && left >= 1) {
      const p = argv[++j]!;
      if (cluster && !(p.length === 1 && p[0] === 35) && patternSlot(p) !== keySlot(argv[1]!)) {
        w.error('ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.');
        return;
      }
      if (!userHasFullReadAccess(c, c.cmd!, argv)) {
        w.error('ERR GET option of SORT denied due to insufficient ACL permissions.');
        return;
      }
      gets.push(p);
    } else { w.error(E.syntax); return; }
  }

  const db = c.db;
  const ar = c.server.ks.arena;
  const a = db.lookup(argv[1]!);
  const type = a === 0 ? OBJ_LIST : ar.type(a);
  if (type !== OBJ_SET && type !== OBJ_LIST && type !== OBJ_ZSET) { w.error(E.wrongType); return; }

  // A set has no order of its own: sort it when the result is stored or goes to a script
  // (deterministic output).
  if (dontsort && type === OBJ_SET && (storekey !== null || isScriptClient(c))) {
    dontsort = false;
    alpha = true;
    sortby = null;
  }
  // Sorted sets are converted to their skiplist form, as Valkey does before sorting.
  if (type === OBJ_ZSET) {
    const z = db.object<ZsetLike>(a);
    if (z.isPack && typeof z.toSkiplist === 'function') db.replaceObject(a, ENC_SKIPLIST, z.toSkiplist() as never);
  }

  let vectorlen = 0;
  if (a !== 0) {
    if (type === OBJ_LIST) vectorlen = db.object<ListLike>(a).length;
    else if (type === OBJ_SET) vectorlen = db.object<SetObject>(a).n;
    else vectorlen = db.object<ZsetLike>(a).length;
  }

  // LIMIT sanity, clamped to the size (no overflow with huge values).
  const vl = BigInt(vectorlen);
  let start = Number(limitStart < 0n ? 0n : limitStart > vl ? vl : limitStart);
  const count = Number(limitCount < -1n ? -1n : limitCount > vl ? vl : limitCount);
  let end = count < 0 ? vectorlen - 1 : start + count - 1;
  if (start >= vectorlen) { start = vectorlen - 1; end = vectorlen - 2; }
  if (end >= vectorlen) end = vectorlen - 1;

  // Load the elements (lists and sorted sets that are not sorted: only the LIMIT range).
  const items: SortItem[] = [];
  // Elements are copied: list and sorted-set visitors may hand out scratch buffers.
  const push = (el: Buffer): void => { items.push({ el, score: 0, cmp: null }); };
  if (a !== 0) {
    if (type === OBJ_LIST) {
      const l = db.object<ListLike>(a);
      if (dontsort) {
        if (end >= start) {
          const n = end - start + 1;
          if (desc) l.range(vectorlen - start - 1, n, true, (src, s, e) => push(Buffer.from(src.subarray(s, e))));
          else l.range(start, n, false, (src, s, e) => push(Buffer.from(src.subarray(s, e))));
          end -= start;
          start = 0;
        }
      } else {
        l.range(0, vectorlen, false, (src, s, e) => push(Buffer.from(src.subarray(s, e))));
      }
    } else if (type === OBJ_SET) {
      for (const m of db.object<SetObject>(a).members(false)) push(memberBytes(m));
    } else {
      const z = db.object<ZsetLike>(a);
      if (dontsort) {
        if (end >= start) {
          const n = end - start + 1;
          z.each(desc ? vectorlen - 1 - start : start, n, desc, (buf, off, len) => push(Buffer.from(buf.subarray(off, off + len))));
          end -= start;
          start = 0;
        }
      } else {
        z.each(0, vectorlen, false, (buf, off, len) => push(Buffer.from(buf.subarray(off, off + len))));
      }
    }
  }

  // Scores (or compare values), then the sort.
  let conversionError = false;
  if (!dontsort) {
    for (const it of items) {
      let byval: Buffer | null;
      if (sortby !== null) {
        byval = lookupByPattern(c, sortby, it.el);
        if (byval === null) continue;
      } else byval = it.el;
      if (alpha) {
        if (sortby !== null) it.cmp = byval;
      } else {
        const s = sortScore(byval);
        if (s === null) conversionError = true;
        else it.score = s;
      }
    }
    const bypattern = sortby !== null;
    const dir = desc ? -1 : 1;
    items.sort((x, y) => {
      let cmp: number;
      if (!alpha) {
        cmp = x.score > y.score ? 1 : x.score < y.score ? -1 : compareBytes(x.el, y.el);
      } else if (bypattern) {
        if (x.cmp === null || y.cmp === null) cmp = x.cmp === y.cmp ? 0 : x.cmp === null ? -1 : 1;
        else cmp = compareBytes(x.cmp, y.cmp);
      } else cmp = compareBytes(x.el, y.el);
      return cmp * dir;
    });
  }

  const outputlen = gets.length ? gets.length * (end - start + 1) : end - start + 1;
  if (conversionError) { w.error("ERR One or more scores can't be converted into double"); return; }

  if (storekey === null) {
    w.arr(outputlen);
    for (let j = start; j <= end; j++) {
      const el = items[j]!.el;
      if (!gets.length) w.bulk(el);
      for (const p of gets) {
        const v = lookupByPattern(c, p, el);
        if (v === null) w.nil(); else w.bulk(v);
      }
    }
    return;
  }

  const out: Buffer[] = [];
  for (let j = start; j <= end; j++) {
    const el = items[j]!.el;
    if (!gets.length) out.push(el);
    for (const p of gets) out.push(lookupByPattern(c, p, el) ?? EMPTY);
  }
  if (outputlen > 0) {
    const t = debugSettings(c.server).quicklistPackedThreshold;
    setPackedThreshold(t === DEFAULT_PACKED_THRESHOLD ? 0 : t);
    const list = ListObject.fromElements(out, c.server.config.num('list-max-listpack-size'));
    db.setObject(storekey, OBJ_LIST, list.isQuicklist ? ENC_QUICKLIST : ENC_LISTPACK, list);
    changed(c, storekey, 'sortstore', NOTIFY_LIST);
    c.server.ks.dirty += outputlen - 1;
  } else if (db.delete(storekey)) {
    changed(c, storekey, 'del', NOTIFY_GENERIC);
  }
  w.int(outputlen);
}

const EMPTY = Buffer.alloc(0);

/** Key positions of SORT: the sorted key and every STORE destination's last occurrence. */
function sortKeys(argv: Buffer[]): number[] {
  const out = [1];
  let store = -1;
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (isArg(a, 'limit')) i += 2;
    else if (isArg(a, 'get') || isArg(a, 'by')) i += 1;
    else if (isArg(a, 'store') && i + 1 < argv.length) store = i + 1;
  }
  if (store > 0) out.push(store);
  return out;
}

export function registerSort(r: Registry): void {
  r.handle('sort', (c, argv) => sortGeneric(c, argv, false), sortKeys);
  r.handle('sort_ro', (c, argv) => sortGeneric(c, argv, true));
}
