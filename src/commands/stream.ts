// The stream family: XADD, XRANGE, XREVRANGE, XLEN, XDEL, XTRIM, XSETID, XREAD, XREADGROUP,
// XGROUP (CREATE/SETID/DESTROY/CREATECONSUMER/DELCONSUMER/HELP), XACK, XPENDING, XCLAIM,
// XAUTOCLAIM and XINFO (STREAM/GROUPS/CONSUMERS/HELP), with the replies, errors, keyspace events,
// consumer-group bookkeeping (entries-read, lag) and blocking behaviour of Valkey's t_stream.c.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Writer } from '../protocol/writer.js';
import { E } from '../errors.js';
import { changed, isArg, WRONGTYPE } from './util.js';
import { registerTypeDigest } from './debug.js';
import { replyHelp, subcommandSyntaxError } from './server.js';
import { registerStreamRdb } from './stream-rdb.js';
import { parseI64 } from '../util/number.js';
import { ENC_STREAM, NOTIFY_STREAM, OBJ_STREAM } from '../store/types.js';
import {
  Stream, ConsumerGroup, Consumer, IdCursor, StreamIterator, ENTRIES_READ_INVALID, ID_MAX, ID_ZERO,
  TRIM_MAXLEN, TRIM_MINID, U64_MAX, STREAM_LISTPACK_MAX_SIZE, add1, cmp, cmpId, decrId, incrId, isMax,
  idString, isZero, norm, sidString, type SID, type TrimArgs, type U64,
} from '../ds/stream.js';

const LLONG_MAX = 9223372036854775807n;

// ------------------------------------------------------------------ errors

const X = {
  invalidId: 'ERR Invalid stream ID specified as stream command argument',
  addSmaller: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
  addZero: 'ERR The ID specified in XADD must be greater than 0-0',
  exhausted: 'ERR The stream has exhausted the last possible ID, unable to add more items',
  tooLarge: 'ERR Elements are too large to be stored',
  maxlenNegative: 'ERR The MAXLEN argument must be >= 0.',
  limitNegative: 'ERR The LIMIT argument must be >= 0.',
  trimConflict: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
  limitNoStrategy: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
  xtrimNoStrategy: 'ERR syntax error, XTRIM must be called with a trimming strategy',
  limitNoApprox: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
  invalidStart: 'ERR invalid start ID for the interval',
  invalidEnd: 'ERR invalid end ID for the interval',
  unbalanced: (cmd: string, sym: string) =>
    `ERR Unbalanced '${cmd}' list of streams: for each stream key an ID or '${sym}' must be specified.`,
  groupOnlyXreadgroup: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
  noackOnlyXreadgroup: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.',
  missingGroup: 'ERR Missing GROUP option for XREADGROUP',
  noGroupRead: (key: string, group: string) =>
    `NOGROUP No such key '${key}' or consumer group '${group}' in XREADGROUP with GROUP option`,
  dollarInGroup: 'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
  plusInGroup: 'ERR The + ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The + ID would just return an empty result set.',
  gtWithoutGroup: 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
  lastIdZero: 'ERR the stream last element ID is 0-0',
  entriesRead: 'ERR value for ENTRIESREAD must be positive or -1',
  xgroupNoKey: 'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
  noGroupForKey: (group: string, key: string) => `NOGROUP No such consumer group '${group}' for key name '${key}'`,
  busyGroup: 'BUSYGROUP Consumer Group name already exists',
  entriesAddedNegative: 'ERR entries_added must be positive',
  setidSmallerThanMaxDel: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
  setidSmallerThanCurMaxDel: 'ERR The ID specified in XSETID is smaller than current max_deleted_entry_id',
  setidSmallerThanTop: 'ERR The ID specified in XSETID is smaller than the target stream top item',
  setidEntriesAdded: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
  noGroup: (key: string, group: string) => `NOGROUP No such key '${key}' or consumer group '${group}'`,
  claimMinIdle: 'ERR Invalid min-idle-time argument for XCLAIM',
  claimIdle: 'ERR Invalid IDLE option argument for XCLAIM',
  claimTime: 'ERR Invalid TIME option argument for XCLAIM',
  claimRetry: 'ERR Invalid RETRYCOUNT option argument for XCLAIM',
  claimOption: (opt: string) => `ERR Unrecognized XCLAIM option '${opt}'`,
  autoclaimMinIdle: 'ERR Invalid min-idle-time argument for XAUTOCLAIM',
  autoclaimCount: 'ERR COUNT must be > 0',
} as const;

// ------------------------------------------------------------------ small helpers

/** Key or name text for error messages (as %s of the raw bytes). */
function text(b: Buffer): string { return b.toString(); }

function notify(c: Client, key: Buffer, event: string): void { changed(c, key, event, NOTIFY_STREAM); }

/** getLongLongFromObjectOrReply: a signed 64-bit argument as bigint, or null after replying. */
function llArg(c: Client, b: Buffer, err: string = E.notInteger): bigint | null {
  const v = parseI64(b);
  if (v === null) c.w.error(err);
  return v;
}

/** Clamps a bigint to a JS number (counts, limits: precision beyond 2^53 never matters there). */
function num(v: bigint): number { return Number(v); }

/** The stream at key for reading: null when absent, WRONGTYPE after replying on a type mismatch. */
function readStream(c: Client, key: Buffer): Stream | null | typeof WRONGTYPE {
  const a = c.db.lookup(key);
  if (a === 0) return null;
  if (c.server.ks.arena.type(a) !== OBJ_STREAM) { c.w.error(E.wrongType); return WRONGTYPE; }
  return c.db.object<Stream>(a);
}

function writeStream(c: Client, key: Buffer): Stream | null | typeof WRONGTYPE {
  const a = c.db.lookupWrite(key);
  if (a === 0) return null;
  if (c.server.ks.arena.type(a) !== OBJ_STREAM) { c.w.error(E.wrongType); return WRONGTYPE; }
  return c.db.object<Stream>(a);
}

/** Creates an empty stream at key (the keyspace reports the new key). */
function createStream(c: Client, key: Buffer): Stream {
  const s = new Stream();
  c.db.setObject(key, OBJ_STREAM, ENC_STREAM, s);
  return s;
}

// ------------------------------------------------------------------ propagation

// Propagation to replicas / AOF (the propagator belongs to the replication subsystem). As in
// Valkey, XADD/XTRIM go out with the generated ID and the exact trim result, and the consumer
// group commands go out as their effects: XCLAIM ... FORCE JUSTID for each delivered or claimed
// entry, XGROUP SETID ... ENTRIESREAD for a moved last-delivered ID, XGROUP CREATECONSUMER.
interface PropagatorLike { also(dbid: number, argv: Buffer[]): void; preventCurrent(): void }
function propagator(c: Client): PropagatorLike | undefined {
  return (c.server as unknown as { propagator?: PropagatorLike }).propagator;
}

/** Replaces argument i of the command vector that will be propagated (SLOWLOG keeps the original). */
function rewriteArg(c: Client, i: number, v: string): void {
  const argv = c.argv.slice();
  argv[i] = Buffer.from(v, 'latin1');
  c.argv = argv;
}

const B = (s: string): Buffer => Buffer.from(s, 'latin1');
const P_XCLAIM = B('XCLAIM'), P_XGROUP = B('XGROUP'), P_SETID = B('SETID'), P_CREATECONSUMER = B('CREATECONSUMER');
const P_ZERO = B('0'), P_TIME = B('TIME'), P_RETRYCOUNT = B('RETRYCOUNT'), P_FORCE = B('FORCE');
const P_JUSTID = B('JUSTID'), P_LASTID = B('LASTID'), P_ENTRIESREAD = B('ENTRIESREAD');

/** What a group operation needs to propagate itself: the key and the group name as given. */
interface GroupProp { prop: PropagatorLike; key: Buffer; group: Buffer }

function groupProp(c: Client, key: Buffer, group: Buffer): GroupProp | null {
  const prop = propagator(c);
  if (!prop) return null;
  prop.preventCurrent();
  return { prop, key, group };
}

/** XCLAIM <key> <group> <owner> 0 <id> TIME <t> RETRYCOUNT <n> FORCE JUSTID LASTID <group last>. */
function propagateClaim(c: Client, gp: GroupProp | null, g: ConsumerGroup, id: Buffer, owner: Consumer | null,
                        time: number, count: number): void {
  if (gp === null) return;
  gp.prop.also(c.db.id, [
    P_XCLAIM, gp.key, gp.group, owner ? owner.name : Buffer.alloc(0), P_ZERO, id, P_TIME, B(String(time)),
    P_RETRYCOUNT, B(String(count)), P_FORCE, P_JUSTID, P_LASTID, B(sidString(g.last)),
  ]);
}

/** XGROUP SETID <key> <group> <last> ENTRIESREAD <entries read>. */
function propagateGroupId(c: Client, gp: GroupProp | null, g: ConsumerGroup): void {
  if (gp === null) return;
  gp.prop.also(c.db.id, [P_XGROUP, P_SETID, gp.key, gp.group, B(sidString(g.last)), P_ENTRIESREAD, B(String(g.entriesRead))]);
}

// ------------------------------------------------------------------ ID parsing

/** True for the C isspace() characters. */
function isSpace(ch: number): boolean { return ch === 32 || (ch >= 9 && ch <= 13); }

/**
 * Valkey's string2ull: a strict int64 text (negative refused), else what strtoull accepts in
 * base 10 (leading blanks, a sign — a minus wraps around — digits to the end, no overflow).
 */
function string2ull(b: Buffer, s: number, e: number): U64 | null {
  if (e <= s) return null;
  const strict = parseI64(b.subarray(s, e));
  if (strict !== null) return strict < 0n ? null : norm(strict);
  let i = s;
  while (i < e && isSpace(b[i]!)) i++;
  let neg = false;
  if (i < e && (b[i] === 43 || b[i] === 45)) { neg = b[i] === 45; i++; }
  if (i >= e) return null;
  let v = 0n;
  let digits = 0;
  for (; i < e; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return null;
    v = v * 10n + BigInt(d);
    digits++;
    if (v > U64_MAX) return null;
  }
  if (digits === 0) return null;
  if (neg && v !== 0n) v = (1n << 64n) - v;
  return norm(v);
}

/** Set by parseId: false when the ID was given as "<ms>-*". */
let seqGiven = true;

/**
 * Parses "<ms>-<seq>", "<ms>" (seq = missingSeq), "-" / "+" (unless strict) and, with allowStar,
 * "<ms>-*". Null when invalid (no reply).
 */
function parseId(b: Buffer, missingSeq: U64, strict: boolean, allowStar = false): SID | null {
  seqGiven = true;
  if (b.length > 127) return null;
  let n = b.indexOf(0);
  if (n < 0) n = b.length;
  if (n === 1 && (b[0] === 45 || b[0] === 43)) {
    if (strict) return null;
    return b[0] === 45 ? ID_ZERO : ID_MAX;
  }
  let dash = -1;
  for (let i = 0; i < n; i++) if (b[i] === 45) { dash = i; break; }
  const ms = string2ull(b, 0, dash < 0 ? n : dash);
  if (ms === null) return null;
  let seq: U64;
  if (dash >= 0) {
    if (allowStar && n - dash - 1 === 1 && b[dash + 1] === 42) {
      seq = 0;
      seqGiven = false;
    } else {
      const v = string2ull(b, dash + 1, n);
      if (v === null) return null;
      seq = v;
    }
  } else seq = missingSeq;
  return { ms, seq };
}

/** A strict ID argument, or null after replying. */
function idArg(c: Client, b: Buffer, strict = true, missingSeq: U64 = 0): SID | null {
  const id = parseId(b, missingSeq, strict);
  if (id === null) c.w.error(X.invalidId);
  return id;
}

/** An interval bound ("(" for exclusive); `ex` is set for an exclusive one. Null after replying. */
let ex = false;
function intervalArg(c: Client, b: Buffer, missingSeq: U64): SID | null {
  ex = b.length > 1 && b[0] === 40;
  const id = ex ? parseId(b.subarray(1), missingSeq, true) : parseId(b, missingSeq, false);
  if (id === null) c.w.error(X.invalidId);
  return id;
}

/** Start bound of a range (exclusive bounds move up one); null after replying. */
function rangeStart(c: Client, b: Buffer): SID | null {
  let id = intervalArg(c, b, 0);
  if (id === null) return null;
  if (ex) {
    id = incrId(id);
    if (id === null) { c.w.error(X.invalidStart); return null; }
  }
  return id;
}

/** End bound of a range (exclusive bounds move down one); null after replying. */
function rangeEnd(c: Client, b: Buffer): SID | null {
  let id = intervalArg(c, b, U64_MAX);
  if (id === null) return null;
  if (ex) {
    id = decrId(id);
    if (id === null) { c.w.error(X.invalidEnd); return null; }
  }
  return id;
}

// ------------------------------------------------------------------ replies

function writeId(w: Writer, ms: U64, seq: U64): void { w.bulkLatin1(`${ms}-${seq}`); }
function writeSid(w: Writer, id: SID): void { w.bulkLatin1(sidString(id)); }

/** Emit callback writing each field / value as a bulk string. */
function bulkOut(w: Writer): (b: Buffer, s: number, e: number) => void {
  return (b, s, e) => w.bulkFrom(b, s, e);
}

/** Writes the entry the iterator is on: [id, [field, value, ...]]. */
function writeEntry(w: Writer, it: StreamIterator, out: (b: Buffer, s: number, e: number) => void): void {
  w.arr(2);
  writeId(w, it.ms, it.seq);
  w.arr(it.nf * 2);
  it.emitFields(out);
}

/** Inserts raw reply bytes at `mark`, before what was written since (a deferred header). */
function insertAt(w: Writer, mark: number, text: string): void {
  const hb = Buffer.from(text, 'latin1');
  const end = w.length;
  w.raw(hb);
  const buf = w.buf!;
  buf.copyWithin(mark + hb.length, mark, end);
  hb.copy(buf, mark);
}

/** Inserts an array header for n elements at `mark` (a length known only afterwards). */
function insertHeader(w: Writer, mark: number, n: number): void { insertAt(w, mark, `*${n}\r\n`); }

/**
 * Replies with the entries from start to end (inclusive; end null = to the last), at most count
 * (0 = all), reversed with rev; returns how many. With a group (XREADGROUP ">"), advances the
 * group's last-delivered ID and read counter and, unless noack, records each entry in the PELs.
 * With raw, no array header is written (the caller frames the entries).
 */
function replyRange(c: Client, s: Stream, start: SID, end: SID | null, count: number, rev: boolean,
                    grp: ConsumerGroup | null, consumer: Consumer | null, noack: boolean, raw: boolean,
                    gp: GroupProp | null = null): number {
  const w = c.w;
  const mark = w.length;
  const it = s.iter(start, end, rev);
  const out = bulkOut(w);
  const now = c.server.ks.now;
  let gcur: IdCursor | null = null, ccur: IdCursor | null = null;
  let n = 0;
  let lastMoved = false;
  while (it.next()) {
    if (grp !== null && cmpId(it.ms, it.seq, grp.last.ms, grp.last.seq) > 0) {
      lastMoved = true;
      const id: SID = { ms: it.ms, seq: it.seq };
      if (grp.entriesRead !== ENTRIES_READ_INVALID && !s.rangeHasTombstones(id, null)) {
        grp.entriesRead = add1(grp.entriesRead);
      } else if (s.entriesAdded !== 0) {
        grp.entriesRead = s.estimateDistance(id);
      }
      grp.last = id;
    }
    writeEntry(w, it, out);
    if (grp !== null && consumer !== null && !noack) {
      gcur ??= grp.pel.cursor();
      ccur ??= consumer.pel.cursor();
      if (!grp.pel.insert(gcur, it.ms, it.seq, now, 1, consumer)) {
        // Already pending (the group's last ID was moved back): reassign it to this consumer.
        const old = gcur.owner;
        if (old !== null) old.pel.remove(it.ms, it.seq);
        gcur.owner = consumer;
        gcur.time = now;
        gcur.count = 1;
      }
      consumer.pel.insert(ccur, it.ms, it.seq);
      consumer.activeTime = now;
      propagateClaim(c, gp, grp, B(idString(it.ms, it.seq)), consumer, gcur.time, gcur.count);
    }
    n++;
    if (count !== 0 && n === count) break;
  }
  if (lastMoved) propagateGroupId(c, gp, grp!);
  if (!raw) insertHeader(w, mark, n);
  return n;
}

/** The consumer's own history (XREADGROUP with an ID): pending entries from start on. */
function replyHistory(c: Client, s: Stream, grp: ConsumerGroup, consumer: Consumer, start: SID, count: number): void {
  const w = c.w;
  const mark = w.length;
  const now = c.server.ks.now;
  const cur = consumer.pel.seek(consumer.pel.cursor(), start.ms, start.seq);
  const gcur = grp.pel.cursor();
  let n = 0;
  while (cur.valid && (count === 0 || n < count)) {
    const id = cur.id();
    if (replyRange(c, s, id, id, 1, false, null, null, false, true) === 0) {
      // Pending but no longer in the stream (deleted or trimmed): the ID with a null entry.
      w.arr(2);
      writeSid(w, id);
      w.nullArray();
    } else if (grp.pel.find(gcur, id.ms, id.seq)) {
      gcur.time = now;
      gcur.count++;
    }
    n++;
    cur.next();
  }
  insertHeader(w, mark, n);
}

// ------------------------------------------------------------------ XADD / XTRIM

interface AddTrimArgs extends TrimArgs {
  /** Index of the MAXLEN / MINID value argument, and of the LIMIT keyword (0 = none). */
  argIdx: number;
  limitIdx: number;
  id: SID;
  idGiven: boolean;
  seqGiven: boolean;
  noMkstream: boolean;
}

/** Parses the options of XADD / XTRIM; returns the index of the ID (XADD) or -1 after replying. */
function parseAddTrim(c: Client, argv: Buffer[], xadd: boolean, a: AddTrimArgs): number {
  let i = 2;
  let limitGiven = false;
  const argc = argv.length;
  for (; i < argc; i++) {
    const more = argc - 1 - i;
    const opt = argv[i]!;
    if (xadd && opt.length === 1 && opt[0] === 42) break;
    if (isArg(opt, 'maxlen') && more) {
      if (a.strategy !== 0) { c.w.error(X.trimConflict); return -1; }
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next.length === 1 && next[0] === 126) { a.approx = true; i++; }
      else if (more >= 2 && next.length === 1 && next[0] === 61) i++;
      const v = llArg(c, argv[i + 1]!);
      if (v === null) return -1;
      if (v < 0n) { c.w.error(X.maxlenNegative); return -1; }
      a.maxlen = num(v);
      i++;
      a.strategy = TRIM_MAXLEN;
      a.argIdx = i;
    } else if (isArg(opt, 'minid') && more) {
      if (a.strategy !== 0) { c.w.error(X.trimConflict); return -1; }
      a.approx = false;
      const next = argv[i + 1]!;
      if (more >= 2 && next.length === 1 && next[0] === 126) { a.approx = true; i++; }
      else if (more >= 2 && next.length === 1 && next[0] === 61) i++;
      const id = idArg(c, argv[i + 1]!);
      if (id === null) return -1;
      a.minid = id;
      i++;
      a.strategy = TRIM_MINID;
      a.argIdx = i;
    } else if (isArg(opt, 'limit') && more) {
      const v = llArg(c, argv[i + 1]!);
      if (v === null) return -1;
      if (v < 0n) { c.w.error(X.limitNegative); return -1; }
      a.limit = num(v);
      limitGiven = true;
      a.limitIdx = i;
      i++;
    } else if (xadd && isArg(opt, 'nomkstream')) {
      a.noMkstream = true;
    } else if (xadd) {
      const id = parseId(opt, 0, true, true);
      if (id === null) { c.w.error(X.invalidId); return -1; }
      a.id = id;
      a.seqGiven = seqGiven;
      a.idGiven = true;
      break;
    } else {
      c.w.error(E.syntax);
      return -1;
    }
  }
  if (a.limit && a.strategy === 0) { c.w.error(X.limitNoStrategy); return -1; }
  if (!xadd && a.strategy === 0) { c.w.error(X.xtrimNoStrategy); return -1; }
  if (limitGiven) {
    if (!a.approx) { c.w.error(X.limitNoApprox); return -1; }
  } else if (a.approx) {
    // Approximate trimming does at most 100 nodes' worth of work unless told otherwise.
    let limit = 100 * c.server.config.num('stream-node-max-entries');
    if (limit <= 0) limit = 10000;
    if (limit > 1000000) limit = 1000000;
    a.limit = limit;
  } else {
    a.limit = 0;
  }
  return i;
}

function newAddTrimArgs(): AddTrimArgs {
  return {
    strategy: 0, maxlen: 0, minid: ID_ZERO, approx: false, limit: 0, argIdx: 0, limitIdx: 0,
    id: ID_ZERO, idGiven: false, seqGiven: true, noMkstream: false,
  };
}

function xadd(c: Client, argv: Buffer[]): void {
  const a = newAddTrimArgs();
  const idpos = parseAddTrim(c, argv, true, a);
  if (idpos < 0) return;
  const fieldPos = idpos + 1;
  const nargs = argv.length - fieldPos;
  if (nargs < 2 || nargs % 2 === 1) { c.w.error(E.arity('xadd')); return; }
  if (a.idGiven && a.seqGiven && isZero(a.id)) { c.w.error(X.addZero); return; }
  const key = argv[1]!;
  let s = writeStream(c, key);
  if (s === WRONGTYPE) return;
  if (s === null) {
    if (a.noMkstream) { c.w.nil(); return; }
    s = createStream(c, key);
  }
  if (isMax(s.last)) { c.w.error(X.exhausted); return; }
  // The new ID: explicit, "<ms>-*" (next sequence in that millisecond), or from the clock.
  let id: SID | null;
  const last = s.last;
  if (a.idGiven) {
    if (a.seqGiven) id = a.id;
    else if (last.ms === a.id.ms) {
      if (last.seq === U64_MAX) { c.w.error(X.addSmaller); return; }
      id = { ms: last.ms, seq: add1(last.seq) };
    } else id = { ms: a.id.ms, seq: 0 };
  } else {
    const now = c.server.ks.now;
    if (now > last.ms) id = { ms: now, seq: 0 };
    else id = incrId(last) ?? ID_ZERO;
  }
  if (cmp(id, last) <= 0) { c.w.error(X.addSmaller); return; }
  const nf = nargs / 2;
  let tot = 0;
  for (let i = fieldPos; i < argv.length; i++) tot += argv[i]!.length;
  if (tot > STREAM_LISTPACK_MAX_SIZE) { c.w.error(X.tooLarge); return; }
  const cfg = c.server.config;
  s.append(argv, fieldPos, nf, id, cfg.num('stream-node-max-bytes'), cfg.num('stream-node-max-entries'));
  writeSid(c.w, id);
  notify(c, key, 'xadd');
  if (!a.idGiven || !a.seqGiven) rewriteArg(c, idpos, sidString(id));
  if (a.strategy !== 0) {
    if (s.trim(a) > 0) notify(c, key, 'xtrim');
    if (a.approx) rewriteTrim(c, s, a);
  }
}

/**
 * An approximate (or LIMITed) trim is propagated as the exact trim it turned out to be:
 * "MAXLEN = <length now>" / "MINID = <first ID now>", so replicas and the AOF end up identical.
 */
function rewriteTrim(c: Client, s: Stream, a: AddTrimArgs): void {
  rewriteArg(c, a.argIdx - 1, '=');
  rewriteArg(c, a.argIdx, a.strategy === TRIM_MAXLEN ? String(s.length) : sidString(s.edgeId(true, false)));
  // LIMIT only makes sense with "~": drop it so that any replica accepts the exact form.
  if (a.limitIdx > 0) {
    const argv = c.argv.slice();
    argv.splice(a.limitIdx, 2);
    c.argv = argv;
  }
}

function xtrim(c: Client, argv: Buffer[]): void {
  const a = newAddTrimArgs();
  if (parseAddTrim(c, argv, false, a) < 0) return;
  const s = writeStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  if (s === null) { c.w.int(0); return; }
  const n = s.trim(a);
  if (n > 0) {
    notify(c, argv[1]!, 'xtrim');
    if (a.approx) rewriteTrim(c, s, a);
    c.server.ks.dirty += n - 1;
  }
  c.w.int(n);
}

// ------------------------------------------------------------------ XRANGE / XREVRANGE / XLEN / XDEL

function xrangeGeneric(c: Client, argv: Buffer[], rev: boolean): void {
  const start = rangeStart(c, rev ? argv[3]! : argv[2]!);
  if (start === null) return;
  const end = rangeEnd(c, rev ? argv[2]! : argv[3]!);
  if (end === null) return;
  let count = -1n;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    if (isArg(argv[j]!, 'count') && more >= 1) {
      const v = llArg(c, argv[j + 1]!);
      if (v === null) return;
      count = v < 0n ? 0n : v;
      j++;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  if (s === null) { c.w.arr(0); return; }
  if (count === 0n) { c.w.nullArray(); return; }
  replyRange(c, s, start, end, count === -1n ? 0 : num(count), rev, null, null, false, false);
}

function xrange(c: Client, argv: Buffer[]): void { xrangeGeneric(c, argv, false); }
function xrevrange(c: Client, argv: Buffer[]): void { xrangeGeneric(c, argv, true); }

function xlen(c: Client, argv: Buffer[]): void {
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  c.w.int(s === null ? 0 : s.length);
}

function xdel(c: Client, argv: Buffer[]): void {
  const s = writeStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  if (s === null) { c.w.int(0); return; }
  const ids: SID[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = idArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  let deleted = 0;
  let firstDeleted = false;
  for (const id of ids) {
    if (!s.deleteEntry(id)) continue;
    if (cmp(id, s.first) === 0) firstDeleted = true;
    if (cmp(id, s.maxDeleted) > 0) s.maxDeleted = id;
    deleted++;
  }
  if (deleted) {
    if (s.length === 0) s.first = ID_ZERO;
    else if (firstDeleted) s.first = s.edgeId(true, true);
    notify(c, argv[1]!, 'xdel');
    c.server.ks.dirty += deleted - 1;
  }
  c.w.int(deleted);
}

// ------------------------------------------------------------------ XSETID

function xsetid(c: Client, argv: Buffer[]): void {
  const id = idArg(c, argv[2]!);
  if (id === null) return;
  let entriesAdded = -1n;
  let maxDel: SID = ID_ZERO;
  for (let i = 3; i < argv.length;) {
    const more = argv.length - 1 - i;
    const opt = argv[i]!;
    if (isArg(opt, 'entriesadded') && more) {
      const v = llArg(c, argv[i + 1]!);
      if (v === null) return;
      if (v < 0n) { c.w.error(X.entriesAddedNegative); return; }
      entriesAdded = v;
      i += 2;
    } else if (isArg(opt, 'maxdeletedid') && more) {
      const m = idArg(c, argv[i + 1]!);
      if (m === null) return;
      if (cmp(id, m) < 0) { c.w.error(X.setidSmallerThanMaxDel); return; }
      maxDel = m;
      i += 2;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const s = writeStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  if (s === null) { c.w.error(E.noSuchKey); return; }
  if (cmp(id, s.maxDeleted) < 0) { c.w.error(X.setidSmallerThanCurMaxDel); return; }
  if (s.length > 0) {
    if (cmp(id, s.lastValidId()) < 0) { c.w.error(X.setidSmallerThanTop); return; }
    if (entriesAdded !== -1n && BigInt(s.length) > entriesAdded) { c.w.error(X.setidEntriesAdded); return; }
  }
  s.last = id;
  if (entriesAdded !== -1n) s.entriesAdded = norm(entriesAdded);
  if (!isZero(maxDel)) s.maxDeleted = maxDel;
  c.w.ok();
  notify(c, argv[1]!, 'xsetid');
}

// ------------------------------------------------------------------ XREAD / XREADGROUP

/** Readiness of an XREAD waiter: the key holds a stream (the re-run decides about the IDs). */
function streamReady(c: Client, key: Buffer): boolean {
  const db = c.db;
  const a = db.findRaw(key);
  return a !== 0 && !db.isExpired(a) && c.server.ks.arena.type(a) === OBJ_STREAM;
}

/** XREADGROUP waiters re-run on any change of the key (deletion and type changes included). */
function anyChange(): boolean { return true; }

function nullArrayReply(c: Client): void { c.w.nullArray(); }

/** BLOCK <ms> as an absolute deadline (0 = forever); null after replying. */
function blockDeadline(c: Client, b: Buffer): number | null {
  const v = parseI64(b);
  if (v === null) { c.w.error(E.timeoutNotInteger); return null; }
  if (v < 0n) { c.w.error(E.timeoutNegative); return null; }
  if (v === 0n) return 0;
  const now = BigInt(c.server.ks.now);
  if (v > LLONG_MAX - now) { c.w.error(E.timeoutOutOfRange); return null; }
  return Number(v + now);
}

const GT_ID: SID = ID_MAX; // ">" is carried as the maximal ID, as Valkey does

function xreadGeneric(c: Client, argv: Buffer[], group: boolean): void {
  let deadline = -1;
  let count = 0;
  let streamsArg = 0;
  let nstreams = 0;
  let noack = false;
  let groupName: Buffer | null = null;
  let consumerName: Buffer | null = null;
  const argc = argv.length;
  for (let i = 1; i < argc; i++) {
    const more = argc - i - 1;
    const o = argv[i]!;
    if (isArg(o, 'block') && more) {
      i++;
      const d = blockDeadline(c, argv[i]!);
      if (d === null) return;
      deadline = d;
    } else if (isArg(o, 'count') && more) {
      i++;
      const v = llArg(c, argv[i]!);
      if (v === null) return;
      count = v < 0n ? 0 : num(v);
    } else if (isArg(o, 'streams') && more) {
      streamsArg = i + 1;
      nstreams = argc - streamsArg;
      if (nstreams % 2 !== 0) {
        c.w.error(X.unbalanced(group ? 'xreadgroup' : 'xread', group ? '>' : '$'));
        return;
      }
      nstreams /= 2;
      break;
    } else if (isArg(o, 'group') && more >= 2) {
      if (!group) { c.w.error(X.groupOnlyXreadgroup); return; }
      groupName = argv[i + 1]!;
      consumerName = argv[i + 2]!;
      i += 2;
    } else if (isArg(o, 'noack')) {
      if (!group) { c.w.error(X.noackOnlyXreadgroup); return; }
      noack = true;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  if (streamsArg === 0) { c.w.error(E.syntax); return; }
  if (group && groupName === null) { c.w.error(X.missingGroup); return; }
  // A waiter keeps its original deadline when its command is re-run.
  if (deadline > 0 && c.bstate) deadline = c.bstate.deadline;

  const ids: SID[] = new Array(nstreams);
  const groups: ConsumerGroup[] = [];
  for (let k = 0; k < nstreams; k++) {
    const key = argv[streamsArg + k]!;
    const idb = argv[streamsArg + nstreams + k]!;
    const s = readStream(c, key);
    if (s === WRONGTYPE) return;
    if (groupName !== null) {
      const g = s === null ? undefined : s.group(groupName);
      if (g === undefined) { c.w.error(X.noGroupRead(text(key), text(groupName))); return; }
      groups.push(g);
    }
    if (idb.length === 1 && idb[0] === 36) { // $
      if (group) { c.w.error(X.dollarInGroup); return; }
      ids[k] = s ? s.last : ID_ZERO;
    } else if (idb.length === 1 && idb[0] === 43) { // +
      if (group) { c.w.error(X.plusInGroup); return; }
      if (s) {
        const d = decrId(s.last);
        if (d === null) { c.w.error(X.lastIdZero); return; }
        ids[k] = d;
      } else ids[k] = ID_ZERO;
    } else if (idb.length === 1 && idb[0] === 62) { // >
      if (!group) { c.w.error(X.gtWithoutGroup); return; }
      ids[k] = GT_ID;
    } else {
      const id = idArg(c, idb);
      if (id === null) return;
      ids[k] = id;
    }
  }

  const w = c.w;
  const ks = c.server.ks;
  let served = 0;
  let mark = 0;
  for (let k = 0; k < nstreams; k++) {
    const key = argv[streamsArg + k]!;
    const a = c.db.lookup(key);
    if (a === 0) continue;
    const s = c.db.object<Stream>(a);
    let gt = ids[k]!;
    let serve = false;
    let history = false;
    let consumer: Consumer | null = null;
    let gp: GroupProp | null = null;
    const g = group ? groups[k]! : null;
    if (g !== null) {
      if (!isMax(gt)) {
        serve = history = true;
      } else if (s.length > 0 && cmp(s.lastValidId(), g.last) > 0) {
        serve = true;
        gt = g.last;
      }
      gp = groupProp(c, key, groupName!);
      consumer = g.consumer(consumerName!) ?? null;
      if (consumer === null) {
        consumer = g.createConsumer(consumerName!, ks.now)!;
        notify(c, key, 'xgroup-createconsumer');
        // With NOACK no XCLAIM will create it on replicas.
        if (noack && gp !== null) gp.prop.also(c.db.id, [P_XGROUP, P_CREATECONSUMER, key, groupName!, consumer.name]);
      }
      consumer.seenTime = ks.now;
    } else if (s.length > 0 && cmp(s.lastValidId(), gt) > 0) {
      serve = true;
    }
    if (!serve) continue;
    if (served++ === 0) mark = w.length;
    const start = incrId(gt) ?? ID_ZERO;
    if (w.resp === 2) w.arr(2);
    w.bulk(key);
    if (history) replyHistory(c, s, g!, consumer!, start, count);
    else replyRange(c, s, start, null, count, false, g, consumer, noack, false, gp);
    if (g !== null) ks.dirty++;
  }
  if (served > 0) {
    // RESP2: an array of [key, entries] pairs; RESP3: a map of key -> entries.
    insertAt(w, mark, `${w.resp === 3 ? '%' : '*'}${served}\r\n`);
    return;
  }
  if (deadline !== -1) {
    if (c.denyBlocking || c.inMulti) { w.nullArray(); return; }
    // "$" becomes the ID it stood for now, so that the re-run after new data does not wait forever.
    for (let k = 0; k < nstreams; k++) {
      const j = streamsArg + nstreams + k;
      const b = argv[j]!;
      if (b.length === 1 && b[0] === 36) rewriteArg(c, j, sidString(ids[k]!));
    }
    const keys = argv.slice(streamsArg, streamsArg + nstreams);
    c.server.blocking.block(c, keys, deadline, nullArrayReply, group ? { ready: anyChange, onNoKey: true } : { ready: streamReady });
    return;
  }
  w.nullArray();
}

function xread(c: Client, argv: Buffer[]): void { xreadGeneric(c, argv, false); }
function xreadgroup(c: Client, argv: Buffer[]): void { xreadGeneric(c, argv, true); }

// ------------------------------------------------------------------ XGROUP

interface GroupCtx {
  s: Stream | null;
  g: ConsumerGroup | undefined;
  mkstream: boolean;
  entriesRead: bigint;
}

/** The checks every XGROUP subcommand but HELP shares; null after replying. */
function xgroupPrelude(c: Client, argv: Buffer[], sub: string): GroupCtx | null {
  const create = sub === 'create', setid = sub === 'setid';
  let mkstream = false;
  let entriesRead = BigInt(ENTRIES_READ_INVALID);
  for (let i = 5; i < argv.length;) {
    if (create && isArg(argv[i]!, 'mkstream')) { mkstream = true; i++; }
    else if ((create || setid) && isArg(argv[i]!, 'entriesread') && i + 1 < argv.length) {
      const v = llArg(c, argv[i + 1]!);
      if (v === null) return null;
      if (v < 0n && v !== -1n) { c.w.error(X.entriesRead); return null; }
      entriesRead = v;
      i += 2;
    } else {
      subcommandSyntaxError(c);
      return null;
    }
  }
  const s = writeStream(c, argv[2]!);
  if (s === WRONGTYPE) return null;
  let g: ConsumerGroup | undefined;
  if (!mkstream) {
    if (s === null) { c.w.error(X.xgroupNoKey); return null; }
    g = s.group(argv[3]!);
    if (g === undefined && (setid || sub === 'createconsumer' || sub === 'delconsumer')) {
      c.w.error(X.noGroupForKey(text(argv[3]!), text(argv[2]!)));
      return null;
    }
  } else if (s !== null) {
    g = s.group(argv[3]!);
  }
  return { s, g, mkstream, entriesRead };
}

function entriesReadValue(v: bigint): number | bigint { return v < 0n ? ENTRIES_READ_INVALID : norm(v); }

function xgroupCreate(c: Client, argv: Buffer[]): void {
  const x = xgroupPrelude(c, argv, 'create');
  if (x === null) return;
  if (argv.length < 5 || argv.length > 8) { subcommandSyntaxError(c); return; }
  let id: SID | null;
  const idb = argv[4]!;
  if (idb.length === 1 && idb[0] === 36) id = x.s ? x.s.last : ID_ZERO;
  else {
    id = idArg(c, idb);
    if (id === null) return;
  }
  const key = argv[2]!;
  const s = x.s ?? createStream(c, key);
  if (s.createGroup(argv[3]!, id, entriesReadValue(x.entriesRead)) === null) { c.w.error(X.busyGroup); return; }
  c.w.ok();
  notify(c, key, 'xgroup-create');
}

function xgroupSetid(c: Client, argv: Buffer[]): void {
  const x = xgroupPrelude(c, argv, 'setid');
  if (x === null) return;
  if (argv.length !== 5 && argv.length !== 7) { subcommandSyntaxError(c); return; }
  let id: SID | null;
  const idb = argv[4]!;
  if (idb.length === 1 && idb[0] === 36) id = x.s!.last;
  else {
    id = idArg(c, idb, false);
    if (id === null) return;
  }
  const g = x.g!;
  g.last = id;
  g.entriesRead = entriesReadValue(x.entriesRead);
  c.w.ok();
  notify(c, argv[2]!, 'xgroup-setid');
}

function xgroupDestroy(c: Client, argv: Buffer[]): void {
  const x = xgroupPrelude(c, argv, 'destroy');
  if (x === null) return;
  if (x.g === undefined) { c.w.int(0); return; }
  x.s!.destroyGroup(argv[3]!);
  c.w.int(1);
  // The change also wakes XREADGROUP waiters, which then fail with NOGROUP.
  notify(c, argv[2]!, 'xgroup-destroy');
}

function xgroupCreateconsumer(c: Client, argv: Buffer[]): void {
  const x = xgroupPrelude(c, argv, 'createconsumer');
  if (x === null) return;
  const created = x.g!.createConsumer(argv[4]!, c.server.ks.now);
  c.w.int(created ? 1 : 0);
  if (created) notify(c, argv[2]!, 'xgroup-createconsumer');
}

function xgroupDelconsumer(c: Client, argv: Buffer[]): void {
  const x = xgroupPrelude(c, argv, 'delconsumer');
  if (x === null) return;
  const g = x.g!;
  const consumer = g.consumer(argv[4]!);
  let pending = 0;
  if (consumer !== undefined) {
    pending = g.deleteConsumer(consumer);
    notify(c, argv[2]!, 'xgroup-delconsumer');
  }
  c.w.int(pending);
}

function xgroupHelp(c: Client): void {
  replyHelp(c, [
    'CREATE <key> <groupname> <id|$> [option]',
    '    Create a new consumer group. Options are:',
    '    * MKSTREAM',
    '      Create the empty stream if it does not exist.',
    '    * ENTRIESREAD entries_read',
    '      Set the group\'s entries_read counter (internal use).',
    'CREATECONSUMER <key> <groupname> <consumer>',
    '    Create a new consumer in the specified group.',
    'DELCONSUMER <key> <groupname> <consumer>',
    '    Remove the specified consumer.',
    'DESTROY <key> <groupname>',
    '    Remove the specified group.',
    'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
    '    Set the current group ID and entries_read counter.',
  ]);
}

// ------------------------------------------------------------------ XACK / XPENDING

function xack(c: Client, argv: Buffer[]): void {
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  const g = s === null ? undefined : s.group(argv[2]!);
  if (g === undefined) { c.w.int(0); return; }
  const ids: SID[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = idArg(c, argv[j]!);
    if (id === null) return;
    ids.push(id);
  }
  const cur = g.pel.cursor();
  let acked = 0;
  for (const id of ids) {
    if (!g.pel.find(cur, id.ms, id.seq)) continue;
    const owner = cur.owner;
    g.pel.removeAt(cur);
    if (owner !== null) owner.pel.remove(id.ms, id.seq);
    acked++;
  }
  c.server.ks.dirty += acked;
  c.w.int(acked);
}

function xpending(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  const justinfo = argc === 3;
  if (argc !== 3 && (argc < 6 || argc > 9)) { c.w.error(E.syntax); return; }
  let start: SID = ID_ZERO, end: SID = ID_MAX;
  let count = 0;
  let minidle = 0;
  let consumerName: Buffer | null = null;
  if (argc >= 6) {
    let si = 3;
    if (isArg(argv[3]!, 'idle')) {
      const v = llArg(c, argv[4]!);
      if (v === null) return;
      minidle = num(v);
      if (argc < 8) { c.w.error(E.syntax); return; }
      si += 2;
    }
    const cv = llArg(c, argv[si + 2]!);
    if (cv === null) return;
    count = cv < 0n ? 0 : num(cv);
    const st = rangeStart(c, argv[si]!);
    if (st === null) return;
    const en = rangeEnd(c, argv[si + 1]!);
    if (en === null) return;
    start = st; end = en;
    if (si + 3 < argc) consumerName = argv[si + 3]!;
  }
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  const g = s === null ? undefined : s.group(argv[2]!);
  if (g === undefined) { c.w.error(X.noGroup(text(argv[1]!), text(argv[2]!))); return; }
  const w = c.w;
  if (justinfo) {
    w.arr(4);
    w.int(g.pel.size);
    if (g.pel.size === 0) {
      w.nil();
      w.nil();
      w.nullArray();
      return;
    }
    writeSid(w, g.pel.firstId()!);
    writeSid(w, g.pel.lastId()!);
    const withPending = g.sortedConsumers().filter((x) => x.pel.size > 0);
    w.arr(withPending.length);
    for (const x of withPending) {
      w.arr(2);
      w.bulk(x.name);
      w.bulkLatin1(String(x.pel.size));
    }
    return;
  }
  let consumer: Consumer | undefined;
  if (consumerName !== null) {
    consumer = g.consumer(consumerName);
    if (consumer === undefined) { w.arr(0); return; }
  }
  const now = c.server.ks.now;
  const pel = consumer ? consumer.pel : g.pel;
  const cur = pel.seek(pel.cursor(), start.ms, start.seq);
  const gcur = g.pel.cursor();
  const mark = w.length;
  let n = 0;
  while (count > 0 && cur.valid && cmpId(cur.ms, cur.seq, end.ms, end.seq) <= 0) {
    // A consumer PEL holds IDs only: the delivery data lives in the group PEL.
    const d = consumer ? (g.pel.find(gcur, cur.ms, cur.seq) ? gcur : null) : cur;
    if (d === null) { cur.next(); continue; }
    if (minidle && now - d.time < minidle) { cur.next(); continue; }
    n++;
    count--;
    w.arr(4);
    writeId(w, cur.ms, cur.seq);
    const owner = d.owner;
    w.bulk(owner ? owner.name : Buffer.alloc(0));
    const elapsed = now - d.time;
    w.int(elapsed < 0 ? 0 : elapsed);
    w.int(d.count);
    cur.next();
  }
  insertHeader(w, mark, n);
}

// ------------------------------------------------------------------ XCLAIM / XAUTOCLAIM

function xclaim(c: Client, argv: Buffer[]): void {
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  const g = s === null ? undefined : s.group(argv[2]!);
  if (s === null || g === undefined) { c.w.error(X.noGroup(text(argv[1]!), text(argv[2]!))); return; }
  const mi = llArg(c, argv[4]!, X.claimMinIdle);
  if (mi === null) return;
  const minidle = mi < 0n ? 0 : num(mi);
  const ids: SID[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseId(argv[j]!, 0, true);
    if (id === null) break;
    ids.push(id);
  }
  const lastIdArg = j - 1;
  const now = c.server.ks.now;
  let retrycount = -1;
  let deliverytime = -1;
  let force = false, justid = false;
  let lastId: SID = ID_ZERO;
  for (; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isArg(opt, 'force')) force = true;
    else if (isArg(opt, 'justid')) justid = true;
    else if (isArg(opt, 'idle') && more) {
      j++;
      const v = llArg(c, argv[j]!, X.claimIdle);
      if (v === null) return;
      deliverytime = now - num(v);
    } else if (isArg(opt, 'time') && more) {
      j++;
      const v = llArg(c, argv[j]!, X.claimTime);
      if (v === null) return;
      deliverytime = num(v);
    } else if (isArg(opt, 'retrycount') && more) {
      j++;
      const v = llArg(c, argv[j]!, X.claimRetry);
      if (v === null) return;
      retrycount = num(v);
    } else if (isArg(opt, 'lastid') && more) {
      j++;
      const id = idArg(c, argv[j]!);
      if (id === null) return;
      lastId = id;
    } else {
      c.w.error(X.claimOption(text(opt)));
      return;
    }
  }
  let propagateLast = false;
  if (cmp(lastId, g.last) > 0) { g.last = lastId; propagateLast = true; }
  const gp = groupProp(c, argv[1]!, argv[2]!);
  if (deliverytime !== -1) {
    // A bogus time (negative or in the future) means "now".
    if (deliverytime < 0 || deliverytime > now) deliverytime = now;
  } else deliverytime = now;
  const key = argv[1]!;
  let consumer = g.consumer(argv[3]!);
  if (consumer === undefined) {
    consumer = g.createConsumer(argv[3]!, now)!;
    notify(c, key, 'xgroup-createconsumer');
  }
  consumer.seenTime = now;
  const w = c.w;
  const mark = w.length;
  const out = bulkOut(w);
  const cur = g.pel.cursor();
  const ccur = consumer.pel.cursor();
  let n = 0;
  for (let k = 0; k < ids.length && 5 + k <= lastIdArg; k++) {
    const id = ids[k]!;
    const idArgv = argv[5 + k]!;
    let found = g.pel.find(cur, id.ms, id.seq);
    if (!s.exists(id)) {
      // No longer in the stream: drop it from the PEL.
      if (found) {
        const owner = cur.owner;
        propagateClaim(c, gp, g, idArgv, owner, cur.time, cur.count);
        propagateLast = false;
        g.pel.removeAt(cur);
        if (owner !== null) owner.pel.remove(id.ms, id.seq);
        c.server.ks.dirty++;
      }
      continue;
    }
    if (force && !found) {
      g.pel.insert(cur, id.ms, id.seq, now, 1, null);
      found = true;
    }
    if (!found) continue;
    const owner = cur.owner;
    if (owner !== null && minidle && now - cur.time < minidle) continue;
    if (owner !== consumer && owner !== null) owner.pel.remove(id.ms, id.seq);
    cur.time = deliverytime;
    if (retrycount >= 0) cur.count = retrycount;
    else if (!justid) cur.count = cur.count + 1;
    if (owner !== consumer) {
      consumer.pel.insert(ccur, id.ms, id.seq);
      cur.owner = consumer;
    }
    if (justid) writeSid(w, id);
    else {
      const it = s.iter(id, id, false);
      it.next();
      writeEntry(w, it, out);
    }
    n++;
    consumer.activeTime = now;
    propagateClaim(c, gp, g, idArgv, consumer, cur.time, cur.count);
    propagateLast = false;
    c.server.ks.dirty++;
  }
  if (propagateLast) {
    propagateGroupId(c, gp, g);
    c.server.ks.dirty++;
  }
  insertHeader(w, mark, n);
}

function xautoclaim(c: Client, argv: Buffer[]): void {
  const mi = llArg(c, argv[4]!, X.autoclaimMinIdle);
  if (mi === null) return;
  const minidle = mi < 0n ? 0 : num(mi);
  const start = rangeStart(c, argv[5]!);
  if (start === null) return;
  let count = 100;
  let justid = false;
  const maxCount = LLONG_MAX / 16n; // Valkey refuses counts whose ID buffer would overflow
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isArg(opt, 'count') && more) {
      const v = parseI64(argv[j + 1]!);
      if (v === null || v < 1n || v > maxCount) { c.w.error(X.autoclaimCount); return; }
      count = num(v);
      j++;
    } else if (isArg(opt, 'justid')) {
      justid = true;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const s = readStream(c, argv[1]!);
  if (s === WRONGTYPE) return;
  const g = s === null ? undefined : s.group(argv[2]!);
  if (s === null || g === undefined) { c.w.error(X.noGroup(text(argv[1]!), text(argv[2]!))); return; }
  const key = argv[1]!;
  const now = c.server.ks.now;
  let consumer = g.consumer(argv[3]!);
  if (consumer === undefined) {
    consumer = g.createConsumer(argv[3]!, now)!;
    notify(c, key, 'xgroup-createconsumer');
  }
  consumer.seenTime = now;
  const gp = groupProp(c, key, argv[2]!);
  const w = c.w;
  const out = bulkOut(w);
  w.arr(3);
  const mark = w.length;
  let attempts = count * 10;
  const deleted: SID[] = [];
  const cur = g.pel.seek(g.pel.cursor(), start.ms, start.seq);
  const ccur = consumer.pel.cursor();
  let n = 0;
  while (attempts-- > 0 && count > 0 && cur.valid) {
    const id = cur.id();
    if (!s.exists(id)) {
      const owner = cur.owner;
      propagateClaim(c, gp, g, B(sidString(id)), owner, cur.time, cur.count);
      g.pel.removeAt(cur); // cur now on the following ID
      if (owner !== null) owner.pel.remove(id.ms, id.seq);
      deleted.push(id);
      c.server.ks.dirty++;
      count--;
      continue;
    }
    if (minidle && now - cur.time < minidle) { cur.next(); continue; }
    const owner = cur.owner;
    if (owner !== consumer && owner !== null) owner.pel.remove(id.ms, id.seq);
    cur.time = now;
    if (!justid) cur.count = cur.count + 1;
    if (owner !== consumer) {
      consumer.pel.insert(ccur, id.ms, id.seq);
      cur.owner = consumer;
    }
    if (justid) writeSid(w, id);
    else {
      const it = s.iter(id, id, false);
      it.next();
      writeEntry(w, it, out);
    }
    n++;
    count--;
    consumer.activeTime = now;
    propagateClaim(c, gp, g, B(sidString(id)), consumer, cur.time, cur.count);
    c.server.ks.dirty++;
    cur.next();
  }
  // The cursor for the next call: the next PEL entry, 0-0 when the scan reached the end.
  const next: SID = cur.valid ? cur.id() : ID_ZERO;
  insertHeader(w, mark, n);
  const nt = sidString(next);
  insertAt(w, mark, `$${nt.length}\r\n${nt}\r\n`);
  w.arr(deleted.length);
  for (const d of deleted) writeSid(w, d);
}

// ------------------------------------------------------------------ XINFO

function writeEntryOrNil(c: Client, s: Stream, rev: boolean): void {
  if (replyRange(c, s, ID_ZERO, ID_MAX, 1, rev, null, null, false, true) === 0) c.w.nil();
}

function writeLag(w: Writer, s: Stream, g: ConsumerGroup): void {
  const lag = s.lag(g);
  if (lag === null) w.nil(); else w.int(lag);
}

function writeEntriesRead(w: Writer, g: ConsumerGroup): void {
  if (g.entriesRead === ENTRIES_READ_INVALID) w.nil(); else w.int(g.entriesRead);
}

function xinfoLookup(c: Client, key: Buffer): Stream | null {
  const s = readStream(c, key);
  if (s === WRONGTYPE) return null;
  if (s === null) { c.w.error(E.noSuchKey); return null; }
  return s;
}

function xinfoStream(c: Client, argv: Buffer[]): void {
  const s = xinfoLookup(c, argv[2]!);
  if (s === null) return;
  const optc = argv.length - 3;
  let full = false;
  let count = 10;
  if (optc > 0) {
    if ((optc !== 1 && optc !== 3) || !isArg(argv[3]!, 'full')) { subcommandSyntaxError(c); return; }
    full = true;
    if (optc === 3) {
      if (!isArg(argv[4]!, 'count')) { subcommandSyntaxError(c); return; }
      const v = llArg(c, argv[5]!);
      if (v === null) return;
      count = v < 0n ? 10 : num(v);
    }
  }
  const w = c.w;
  w.map(full ? 9 : 10);
  w.bulkLatin1('length'); w.int(s.length);
  w.bulkLatin1('radix-tree-keys'); w.int(s.nodeCount);
  w.bulkLatin1('radix-tree-nodes'); w.int(s.raxNodes());
  w.bulkLatin1('last-generated-id'); writeSid(w, s.last);
  w.bulkLatin1('max-deleted-entry-id'); writeSid(w, s.maxDeleted);
  w.bulkLatin1('entries-added'); w.int(s.entriesAdded);
  w.bulkLatin1('recorded-first-entry-id'); writeSid(w, s.first);
  if (!full) {
    w.bulkLatin1('groups'); w.int(s.groupCount);
    w.bulkLatin1('first-entry'); writeEntryOrNil(c, s, false);
    w.bulkLatin1('last-entry'); writeEntryOrNil(c, s, true);
    return;
  }
  w.bulkLatin1('entries');
  replyRange(c, s, ID_ZERO, ID_MAX, count, false, null, null, false, false);
  w.bulkLatin1('groups');
  const groups = s.sortedGroups();
  w.arr(groups.length);
  for (const g of groups) {
    w.map(7);
    w.bulkLatin1('name'); w.bulk(g.name);
    w.bulkLatin1('last-delivered-id'); writeSid(w, g.last);
    w.bulkLatin1('entries-read'); writeEntriesRead(w, g);
    w.bulkLatin1('lag'); writeLag(w, s, g);
    w.bulkLatin1('pel-count'); w.int(g.pel.size);
    w.bulkLatin1('pending');
    let n = 0;
    let mark = w.length;
    for (const cur = g.pel.cursor(); cur.valid && (count === 0 || n < count); cur.next()) {
      w.arr(4);
      writeId(w, cur.ms, cur.seq);
      const owner = cur.owner;
      w.bulk(owner ? owner.name : Buffer.alloc(0));
      w.int(cur.time);
      w.int(cur.count);
      n++;
    }
    insertHeader(w, mark, n);
    w.bulkLatin1('consumers');
    const consumers = g.sortedConsumers();
    w.arr(consumers.length);
    const gcur = g.pel.cursor();
    for (const x of consumers) {
      w.map(5);
      w.bulkLatin1('name'); w.bulk(x.name);
      w.bulkLatin1('seen-time'); w.int(x.seenTime);
      w.bulkLatin1('active-time'); w.int(x.activeTime);
      w.bulkLatin1('pel-count'); w.int(x.pel.size);
      w.bulkLatin1('pending');
      n = 0;
      mark = w.length;
      for (const cur = x.pel.cursor(); cur.valid && (count === 0 || n < count); cur.next()) {
        w.arr(3);
        writeId(w, cur.ms, cur.seq);
        const found = g.pel.find(gcur, cur.ms, cur.seq);
        w.int(found ? gcur.time : 0);
        w.int(found ? gcur.count : 0);
        n++;
      }
      insertHeader(w, mark, n);
    }
  }
}

function xinfoGroups(c: Client, argv: Buffer[]): void {
  const s = xinfoLookup(c, argv[2]!);
  if (s === null) return;
  const w = c.w;
  const groups = s.sortedGroups();
  w.arr(groups.length);
  for (const g of groups) {
    w.map(6);
    w.bulkLatin1('name'); w.bulk(g.name);
    w.bulkLatin1('consumers'); w.int(g.consumers.size);
    w.bulkLatin1('pending'); w.int(g.pel.size);
    w.bulkLatin1('last-delivered-id'); writeSid(w, g.last);
    w.bulkLatin1('entries-read'); writeEntriesRead(w, g);
    w.bulkLatin1('lag'); writeLag(w, s, g);
  }
}

function xinfoConsumers(c: Client, argv: Buffer[]): void {
  const s = xinfoLookup(c, argv[2]!);
  if (s === null) return;
  const g = s.group(argv[3]!);
  if (g === undefined) { c.w.error(X.noGroupForKey(text(argv[3]!), text(argv[2]!))); return; }
  const w = c.w;
  const now = c.server.ks.now;
  const consumers = g.sortedConsumers();
  w.arr(consumers.length);
  for (const x of consumers) {
    const inactive = x.activeTime !== -1 ? now - x.activeTime : -1;
    let idle = now - x.seenTime;
    if (idle < 0) idle = 0;
    w.map(4);
    w.bulkLatin1('name'); w.bulk(x.name);
    w.bulkLatin1('pending'); w.int(x.pel.size);
    w.bulkLatin1('idle'); w.int(idle);
    w.bulkLatin1('inactive'); w.int(inactive);
  }
}

function xinfoHelp(c: Client): void {
  replyHelp(c, [
    'CONSUMERS <key> <groupname>',
    '    Show consumers of <groupname>.',
    'GROUPS <key>',
    '    Show the stream consumer groups.',
    'STREAM <key> [FULL [COUNT <count>]',
    '    Show information about the stream.',
  ]);
}

// ------------------------------------------------------------------ AOF rewrite

/**
 * The commands that rebuild a stream, as Valkey's AOF rewrite (without RDB preamble) emits
 * them: XADD per entry (or "XADD key MAXLEN 0 0-1 x y" for an empty stream), XSETID with the
 * counters, then per group XGROUP CREATE ... ENTRIESREAD, an XCLAIM ... FORCE per pending entry
 * and XGROUP CREATECONSUMER for consumers without any.
 */
export function streamRewriteCommands(key: Buffer, s: Stream, emit: (argv: Buffer[]) => void): void {
  if (s.length > 0) {
    const it = s.iter(null, null, false);
    while (it.next()) {
      const argv: Buffer[] = [B('XADD'), key, B(idString(it.ms, it.seq))];
      it.emitFields((b, st, e) => argv.push(Buffer.from(b.subarray(st, e))));
      emit(argv);
    }
  } else {
    emit([B('XADD'), key, B('MAXLEN'), B('0'), B('0-1'), B('x'), B('y')]);
  }
  emit([B('XSETID'), key, B(sidString(s.last)), B('ENTRIESADDED'), B(String(s.entriesAdded)),
    B('MAXDELETEDID'), B(sidString(s.maxDeleted))]);
  for (const g of s.sortedGroups()) {
    emit([P_XGROUP, B('CREATE'), key, g.name, B(sidString(g.last)), P_ENTRIESREAD, B(String(g.entriesRead))]);
    const gcur = g.pel.cursor();
    for (const c of g.sortedConsumers()) {
      if (c.pel.size === 0) { emit([P_XGROUP, P_CREATECONSUMER, key, g.name, c.name]); continue; }
      c.pel.forEach((cur) => {
        const found = g.pel.find(gcur, cur.ms, cur.seq);
        emit([P_XCLAIM, key, g.name, c.name, P_ZERO, B(idString(cur.ms, cur.seq)), P_TIME, B(String(found ? gcur.time : 0)),
          P_RETRYCOUNT, B(String(found ? gcur.count : 0)), P_JUSTID, P_FORCE]);
      });
    }
  }
}

// ------------------------------------------------------------------ registration

export function registerStream(r: Registry): void {
  r.handle('xadd', xadd);
  r.handle('xtrim', xtrim);
  r.handle('xrange', xrange);
  r.handle('xrevrange', xrevrange);
  r.handle('xlen', xlen);
  r.handle('xdel', xdel);
  r.handle('xsetid', xsetid);
  r.handle('xread', xread);
  r.handle('xreadgroup', xreadgroup);
  r.handle('xgroup|create', xgroupCreate);
  r.handle('xgroup|setid', xgroupSetid);
  r.handle('xgroup|destroy', xgroupDestroy);
  r.handle('xgroup|createconsumer', xgroupCreateconsumer);
  r.handle('xgroup|delconsumer', xgroupDelconsumer);
  r.handle('xgroup|help', xgroupHelp);
  r.handle('xack', xack);
  r.handle('xpending', xpending);
  r.handle('xclaim', xclaim);
  r.handle('xautoclaim', xautoclaim);
  r.handle('xinfo|stream', xinfoStream);
  r.handle('xinfo|groups', xinfoGroups);
  r.handle('xinfo|consumers', xinfoConsumers);
  r.handle('xinfo|help', xinfoHelp);
  registerStreamRdb();
  registerTypeDigest(OBJ_STREAM, (obj, ctx) => {
    const it = (obj as Stream).iter(null, null, false);
    while (it.next()) {
      ctx.mix(`${it.ms}.${it.seq}`);
      it.emitFields((b, s, e) => ctx.mix(b.subarray(s, e)));
    }
  });
}
