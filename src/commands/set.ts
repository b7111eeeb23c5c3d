// The SET family: SADD, SREM, SMEMBERS, SISMEMBER, SMISMEMBER, SCARD, SPOP, SRANDMEMBER, SMOVE,
// SINTER/SUNION/SDIFF (+STORE), SINTERCARD, SSCAN — replies, errors, encodings (intset /
// listpack / hashtable at Valkey's thresholds) and keyspace events as in Valkey's t_set.c.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Writer } from '../protocol/writer.js';
import { E } from '../errors.js';
import { changed, isArg, lookupTypedWrite, WRONGTYPE } from './util.js';
import { parseCursor } from './keyspace.js';
import { registerTypeDigest, registerTypeReload } from './debug.js';
import { parseI64 } from '../util/number.js';
import { stringMatchBuf } from '../util/glob.js';
import { ENC_HT, ENC_INTSET, ENC_LISTPACK, NOTIFY_GENERIC, NOTIFY_SET, OBJ_SET } from '../store/types.js';
import { SetObject, memberBytes, type Member, type SetLimits } from '../ds/set.js';
import { registerSetRdb } from './set-rdb.js';

const LONG_MAX = (1n << 63n) - 1n;

/** SPOP uses the "build the remaining set" strategy when remaining * this <= count. */
const SPOP_MOVE_STRATEGY_MUL = 5;
/** SRANDMEMBER copies the whole set and removes when count * this > size. */
const SRANDMEMBER_SUB_STRATEGY_MUL = 3;
/** Reply bytes after which a negative-count SRANDMEMBER gives up and disconnects the client. */
const OBUF_GUARD = 1 << 30;

export function setLimits(c: Client): SetLimits {
  const cfg = c.server.config;
  return {
    maxIntset: cfg.num('set-max-intset-entries'),
    maxLpEntries: cfg.num('set-max-listpack-entries'),
    maxLpValue: cfg.num('set-max-listpack-value'),
  };
}

/** Records the set's current representation in its block when a conversion changed it. */
function syncEncoding(c: Client, a: number, set: SetObject): void {
  if (c.server.ks.arena.encoding(a) !== set.enc) c.db.replaceObject(a, set.enc, set);
}

// Propagation to replicas / AOF (the propagator belongs to the replication subsystem).
interface PropagatorLike { also(dbid: number, argv: Buffer[]): void; preventCurrent(): void }
function propagator(c: Client): PropagatorLike | undefined {
  return (c.server as unknown as { propagator?: PropagatorLike }).propagator;
}
const SREM = Buffer.from('SREM');
const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');
/** SPOP with a count is propagated as SREMs of at most this many members. */
const SPOP_PROPAGATE_BATCH = 1024;

/** Collects popped members and propagates them as SREM key m1 m2 ... in batches. */
class SremBatcher {
  private batch: Buffer[] = [];
  private readonly prop: PropagatorLike | undefined;
  constructor(private readonly c: Client, private readonly key: Buffer) {
    this.prop = propagator(c);
    this.prop?.preventCurrent();
  }
  add(m: Member): void {
    if (!this.prop) return;
    this.batch.push(Buffer.from(memberBytes(m)));
    if (this.batch.length === SPOP_PROPAGATE_BATCH) this.flush();
  }
  flush(): void {
    if (!this.prop || this.batch.length === 0) return;
    this.prop.also(this.c.db.id, [SREM, this.key, ...this.batch]);
    this.batch = [];
  }
}

/** Valkey counts `n` changes in `dirty` for a write reported with `calls` notifications. */
function addDirty(c: Client, n: number, calls: number): void {
  c.server.ks.dirty += n - calls;
}

export function writeMember(w: Writer, m: Member): void {
  if (typeof m === 'object') w.bulk(m);
  else w.bulk(String(m));
}

/** Writes every member of a set (no header). */
function writeMembers(w: Writer, set: SetObject): void {
  set.visit((buf, s, e) => w.bulkFrom(buf, s, e), (v) => w.bulk(String(v)),
    (t, s, e) => w.bulkLatin1(t, s, e));
}

/** The set at key for reading: null when absent, WRONGTYPE (after replying) when not a set. */
function readSet(c: Client, key: Buffer): SetObject | null | typeof WRONGTYPE {
  const a = c.db.lookup(key);
  if (a === 0) return null;
  if (c.server.ks.arena.type(a) !== OBJ_SET) { c.w.error(E.wrongType); return WRONGTYPE; }
  return c.db.object<SetObject>(a);
}

/** Empties a key holding a set: the block goes and 'del' is reported. */
function deleteEmpty(c: Client, key: Buffer, a: number): void {
  c.db.removeBlock(a);
  changed(c, key, 'del', NOTIFY_GENERIC);
}

/** Replaces or deletes the destination of a *STORE command with `set`; replies the size. */
function storeResult(c: Client, dst: Buffer, set: SetObject, event: string): void {
  if (set.n > 0) {
    c.db.setObject(dst, OBJ_SET, set.enc, set);
    c.w.int(set.n);
    changed(c, dst, event, NOTIFY_SET);
  } else {
    c.w.int(0);
    if (c.db.delete(dst)) changed(c, dst, 'del', NOTIFY_GENERIC);
  }
}

// ------------------------------------------------------------------ SADD / SREM

function sadd(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  let a = lookupTypedWrite(c, key, OBJ_SET);
  if (a === WRONGTYPE) return;
  const lim = setLimits(c);
  const hint = argv.length - 2;
  let set: SetObject;
  if (a === 0) {
    set = SetObject.create(argv[2]!, hint, lim);
    a = c.db.setObject(key, OBJ_SET, set.enc, set);
  } else {
    set = c.db.object<SetObject>(a);
    set.maybeConvert(hint, lim);
  }
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (set.add(argv[j]!, lim)) added++;
  syncEncoding(c, a, set);
  if (added) {
    changed(c, key, 'sadd', NOTIFY_SET);
    addDirty(c, added, 1);
  }
  c.w.int(added);
}

function srem(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_SET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.int(0); return; }
  const set = c.db.object<SetObject>(a);
  let deleted = 0;
  let removed = false;
  for (let j = 2; j < argv.length; j++) {
    if (set.remove(argv[j]!)) {
      deleted++;
      if (set.n === 0) { c.db.removeBlock(a); removed = true; break; }
    }
  }
  if (deleted) {
    changed(c, key, 'srem', NOTIFY_SET);
    if (removed) changed(c, key, 'del', NOTIFY_GENERIC);
    addDirty(c, deleted, removed ? 2 : 1);
  }
  c.w.int(deleted);
}

// ------------------------------------------------------------------ SMOVE

function smove(c: Client, argv: Buffer[]): void {
  const src = argv[1]!, dst = argv[2]!, ele = argv[3]!;
  const db = c.db;
  const ar = c.server.ks.arena;
  const sa = db.lookupWrite(src);
  const da = db.lookupWrite(dst);
  if (sa === 0) { c.w.int(0); return; }
  if (ar.type(sa) !== OBJ_SET || (da !== 0 && ar.type(da) !== OBJ_SET)) { c.w.error(E.wrongType); return; }
  const sset = db.object<SetObject>(sa);
  if (sa === da) { c.w.int(sset.has(ele) ? 1 : 0); return; }
  if (!sset.remove(ele)) { c.w.int(0); return; }
  syncEncoding(c, sa, sset);
  changed(c, src, 'srem', NOTIFY_SET);
  if (sset.n === 0) { deleteEmpty(c, src, sa); c.server.ks.dirty--; }
  const lim = setLimits(c);
  let dset: SetObject;
  let a = da;
  if (a === 0) {
    dset = SetObject.create(ele, 1, lim);
    a = db.setObject(dst, OBJ_SET, dset.enc, dset);
  } else dset = db.object<SetObject>(a);
  if (dset.add(ele, lim)) {
    syncEncoding(c, a, dset);
    changed(c, dst, 'sadd', NOTIFY_SET);
  }
  c.w.int(1);
}

// ------------------------------------------------------------------ reads

function sismember(c: Client, argv: Buffer[]): void {
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  c.w.int(set !== null && set.has(argv[2]!) ? 1 : 0);
}

function smismember(c: Client, argv: Buffer[]): void {
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) c.w.int(set !== null && set.has(argv[j]!) ? 1 : 0);
}

function scard(c: Client, argv: Buffer[]): void {
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  c.w.int(set === null ? 0 : set.n);
}

function smembers(c: Client, argv: Buffer[]): void {
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  if (set === null) { c.w.set(0); return; }
  c.w.set(set.n);
  writeMembers(c.w, set);
}

// ------------------------------------------------------------------ SPOP

/** A count argument that must be a non-negative long; null after replying. */
function positiveCount(c: Client, b: Buffer): number | null {
  const v = parseI64(b);
  if (v === null || v < 0n) { c.w.error(E.positive); return null; }
  return Number(v);
}

function spop(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) { spopWithCount(c, argv); return; }
  if (argv.length > 3) { c.w.error(E.syntax); return; }
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_SET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const set = c.db.object<SetObject>(a);
  const m = set.popRandom();
  writeMember(c.w, m);
  // Replicated as the SREM of the member that went.
  c.argv = [SREM, key, Buffer.from(memberBytes(m))];
  changed(c, key, 'spop', NOTIFY_SET);
  if (set.n === 0) { deleteEmpty(c, key, a); c.server.ks.dirty--; }
}

function spopWithCount(c: Client, argv: Buffer[]): void {
  const count = positiveCount(c, argv[2]!);
  if (count === null) return;
  const key = argv[1]!;
  const a = lookupTypedWrite(c, key, OBJ_SET);
  if (a === WRONGTYPE) return;
  const w = c.w;
  if (a === 0 || count === 0) { w.set(0); return; }
  const set = c.db.object<SetObject>(a);
  const size = set.n;

  // CASE 1: the whole set goes.
  if (count >= size) {
    w.set(size);
    writeMembers(w, set);
    c.db.removeBlock(a);
    // Replicated as the deletion of the key.
    c.argv = [c.server.config.bool('lazyfree-lazy-server-del') ? UNLINK : DEL, key];
    changed(c, key, 'spop', NOTIFY_SET);
    changed(c, key, 'del', NOTIFY_GENERIC);
    addDirty(c, size, 2);
    return;
  }

  const remaining = size - count;
  // Replicated as SREMs of the members that went.
  const srems = new SremBatcher(c, key);
  w.set(count);
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: few members go: take them out one by one (a listpack in one pass).
    if (set.enc === ENC_LISTPACK) {
      const pos = set.samplePositions(count);
      for (const m of set.membersAt(pos, false)) { writeMember(w, m); srems.add(m); }
      set.removePositions(pos);
    } else {
      for (let i = 0; i < count; i++) { const m = set.popRandom(); writeMember(w, m); srems.add(m); }
    }
    syncEncoding(c, a, set);
  } else {
    // CASE 3: most members go: build a new set from the ones that stay, reply the rest.
    const lim = setLimits(c);
    let kept: SetObject | null = null;
    if (set.enc === ENC_LISTPACK) {
      kept = SetObject.listpack();
      const pos = set.samplePositions(remaining);
      for (const m of set.membersAt(pos, true)) kept.addMember(m, lim);
      set.removePositions(pos);
    } else {
      for (let i = 0; i < remaining; i++) {
        let m = set.randomMember();
        if (typeof m === 'object') m = Buffer.from(m);
        if (kept === null) kept = typeof m === 'object' ? SetObject.listpack() : SetObject.intset();
        kept.addMember(m, lim);
        set.removeMember(m);
      }
    }
    writeMembers(w, set);
    set.forEach((m) => srems.add(m));
    c.db.replaceObject(a, kept!.enc, kept!);
  }
  srems.flush();
  changed(c, key, 'spop', NOTIFY_SET);
  addDirty(c, count, 1);
}

// ------------------------------------------------------------------ SRANDMEMBER

function srandmember(c: Client, argv: Buffer[]): void {
  if (argv.length === 3) { srandmemberWithCount(c, argv); return; }
  if (argv.length > 3) { c.w.error(E.syntax); return; }
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  if (set === null) { c.w.nil(); return; }
  writeMember(c.w, set.randomMember());
}

function srandmemberWithCount(c: Client, argv: Buffer[]): void {
  const l = parseI64(argv[2]!);
  if (l === null) { c.w.error(E.notInteger); return; }
  if (l < -LONG_MAX) {
    c.w.error(`ERR value is out of range, value must between ${-LONG_MAX} and ${LONG_MAX}`);
    return;
  }
  const uniq = l >= 0n;
  const count = Number(uniq ? l : -l);
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  const w = c.w;
  if (set === null || count === 0) { w.arr(0); return; }
  const size = set.n;

  // CASE 1: negative count (repetitions allowed), or a single member.
  if (!uniq || count === 1) {
    w.arr(count);
    if (set.enc === ENC_LISTPACK && count > 1) {
      const all = set.members(false);
      for (let i = 0; i < count; i++) {
        writeMember(w, all[Math.floor(Math.random() * size)]!);
        if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
      }
      return;
    }
    for (let i = 0; i < count; i++) {
      writeMember(w, set.randomMember());
      // Like a client over its output buffer limit: stop and disconnect on absurd counts.
      if ((i & 4095) === 4095 && w.length > OBUF_GUARD) { c.closeAfterReply = true; return; }
    }
    return;
  }

  // CASE 2: at least as many as there are: the whole set.
  if (count >= size) {
    w.arr(size);
    writeMembers(w, set);
    return;
  }

  // CASE 2.5: a listpack: one pass of selection sampling, in listpack order.
  if (set.enc === ENC_LISTPACK) {
    w.arr(count);
    for (const m of set.membersAt(set.samplePositions(count), false)) writeMember(w, m);
    return;
  }

  w.arr(count);
  if (count * SRANDMEMBER_SUB_STRATEGY_MUL > size) {
    // CASE 3: close to the size: a random subset of all positions (partial shuffle).
    const idx = new Uint32Array(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = idx[i]!; idx[i] = idx[j]!; idx[j] = t;
      writeMember(w, set.memberAt(idx[i]!));
    }
    return;
  }
  // CASE 4: much smaller than the set: draw until enough distinct members.
  const seen = new Set<number>();
  while (seen.size < count) {
    const i = Math.floor(Math.random() * size);
    if (seen.has(i)) continue;
    seen.add(i);
    writeMember(w, set.memberAt(i));
  }
}

// ------------------------------------------------------------------ SINTER / SINTERSTORE / SINTERCARD

/** Looks up every set (null = absent); null after replying WRONGTYPE. */
function lookupSets(c: Client, keys: Buffer[]): (SetObject | null)[] | null {
  const sets: (SetObject | null)[] = new Array(keys.length);
  for (let j = 0; j < keys.length; j++) {
    const s = readSet(c, keys[j]!);
    if (s === WRONGTYPE) return null;
    sets[j] = s;
  }
  return sets;
}

const CARD = 1;

function sinterGeneric(c: Client, keys: Buffer[], dst: Buffer | null, mode: 0 | typeof CARD, limit: number): void {
  const found = lookupSets(c, keys);
  if (found === null) return;
  const w = c.w;
  if (found.some((s) => s === null)) {
    // An empty set empties the intersection.
    if (dst) {
      w.int(0);
      if (c.db.delete(dst)) changed(c, dst, 'del', NOTIFY_GENERIC);
    } else if (mode === CARD) w.int(0);
    else w.set(0);
    return;
  }
  const sets = (found as SetObject[]).slice().sort((x, y) => x.n - y.n);
  const first = sets[0]!;
  const others = sets.slice(1).filter((s) => s !== first);
  const inAll = (m: Member): boolean => {
    for (let j = 0; j < others.length; j++) if (!others[j]!.hasMember(m)) return false;
    return true;
  };

  if (mode === CARD) {
    let card = 0;
    if (first.enc === ENC_LISTPACK) {
      for (const m of first.members(false)) if (inAll(m) && ++card === limit) break;
    } else {
      const n = first.n;
      for (let i = 0; i < n; i++) if (inAll(first.memberAt(i)) && ++card === limit) break;
    }
    w.int(card);
    return;
  }
  const result: Member[] = [];
  for (const m of first.members(false)) if (inAll(m)) result.push(m);
  if (!dst) {
    w.set(result.length);
    for (const m of result) writeMember(w, m);
    return;
  }
  const lim = setLimits(c);
  const out = first.enc === ENC_INTSET ? SetObject.intset() : SetObject.listpack();
  let onlyIntegers = true;
  for (const m of result) {
    if (typeof m === 'object' && onlyIntegers && memberIsInt(m) === false) onlyIntegers = false;
    out.addMember(m, lim);
  }
  if (out.n > 0 && onlyIntegers) out.maybeConvertToIntset(lim);
  storeResult(c, dst, out, 'sinterstore');
}

function memberIsInt(m: Buffer): boolean {
  return parseI64(m) !== null;
}

function sinter(c: Client, argv: Buffer[]): void { sinterGeneric(c, argv.slice(1), null, 0, 0); }
function sinterstore(c: Client, argv: Buffer[]): void { sinterGeneric(c, argv.slice(2), argv[1]!, 0, 0); }

function sintercard(c: Client, argv: Buffer[]): void {
  const nk = parseI64(argv[1]!);
  if (nk === null || nk < 1n) { c.w.error('ERR numkeys should be greater than 0'); return; }
  if (nk > BigInt(argv.length - 2)) { c.w.error("ERR Number of keys can't be greater than number of args"); return; }
  const numkeys = Number(nk);
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (isArg(argv[j]!, 'limit') && more > 0) {
      const v = parseI64(argv[++j]!);
      if (v === null || v < 0n) { c.w.error("ERR LIMIT can't be negative"); return; }
      limit = Number(v);
    } else { c.w.error(E.syntax); return; }
  }
  sinterGeneric(c, argv.slice(2, 2 + numkeys), null, CARD, limit);
}

// ------------------------------------------------------------------ SUNION / SDIFF (+STORE)

const UNION = 0, DIFF = 1;

function sunionDiffGeneric(c: Client, keys: Buffer[], dst: Buffer | null, op: typeof UNION | typeof DIFF): void {
  const sets = lookupSets(c, keys);
  if (sets === null) return;
  let outEnc = ENC_INTSET;
  let sameset = false;
  for (let j = 0; j < sets.length; j++) {
    const s = sets[j];
    if (!s) continue;
    if (!dst && outEnc === ENC_INTSET && s.enc !== ENC_INTSET) outEnc = ENC_HT;
    if (j > 0 && s === sets[0]) sameset = true;
  }
  // DIFF: algorithm 1 (test each member of the first set against the others) or 2 (add the
  // first set, remove the others), whichever does less work.
  let algo = 1;
  if (op === DIFF && sets[0] && !sameset) {
    let one = 0, two = 0;
    for (const s of sets) {
      if (!s) continue;
      one += sets[0].n;
      two += s.n;
    }
    one = Math.floor(one / 2);
    algo = one <= two ? 1 : 2;
    if (algo === 1 && sets.length > 1) {
      const rest = sets.slice(1).sort((x, y) => (y ? y.n : 0) - (x ? x.n : 0));
      for (let j = 1; j < sets.length; j++) sets[j] = rest[j - 1]!;
    }
  }
  const lim = setLimits(c);
  const out = outEnc === ENC_INTSET ? SetObject.intset() : SetObject.hashtable();
  if (op === UNION) {
    for (const s of sets) if (s) for (const m of s.members(false)) out.addMember(m, lim);
  } else if (sameset) {
    // The first set minus itself: empty.
  } else if (sets[0] && algo === 1) {
    const first = sets[0];
    for (const m of first.members(false)) {
      let keep = true;
      for (let j = 1; j < sets.length; j++) {
        const s = sets[j];
        if (!s) continue;
        if (s === first || s.hasMember(m)) { keep = false; break; }
      }
      if (keep) out.addMember(m, lim);
    }
  } else if (sets[0]) {
    for (let j = 0; j < sets.length; j++) {
      const s = sets[j];
      if (!s) continue;
      for (const m of s.members(false)) {
        if (j === 0) out.addMember(m, lim); else out.removeMember(m);
      }
      if (out.n === 0) break;
    }
  }
  if (!dst) {
    c.w.set(out.n);
    writeMembers(c.w, out);
    return;
  }
  storeResult(c, dst, out, op === UNION ? 'sunionstore' : 'sdiffstore');
}

function sunion(c: Client, argv: Buffer[]): void { sunionDiffGeneric(c, argv.slice(1), null, UNION); }
function sunionstore(c: Client, argv: Buffer[]): void { sunionDiffGeneric(c, argv.slice(2), argv[1]!, UNION); }
function sdiff(c: Client, argv: Buffer[]): void { sunionDiffGeneric(c, argv.slice(1), null, DIFF); }
function sdiffstore(c: Client, argv: Buffer[]): void { sunionDiffGeneric(c, argv.slice(2), argv[1]!, DIFF); }

// ------------------------------------------------------------------ SSCAN

function sscan(c: Client, argv: Buffer[]): void {
  const cur = parseCursor(argv[2]!);
  if (cur === null) { c.w.error(E.invalidCursor); return; }
  const set = readSet(c, argv[1]!);
  if (set === WRONGTYPE) return;
  const w = c.w;
  if (set === null) { w.arr(2); w.bulk('0'); w.arr(0); return; }
  let count = 10;
  let pattern: Buffer | null = null;
  for (let i = 3; i < argv.length; i++) {
    const more = argv.length - i - 1;
    const opt = argv[i]!;
    if (isArg(opt, 'count') && more >= 1) {
      const v = parseI64(argv[++i]!);
      if (v === null) { w.error(E.notInteger); return; }
      if (v < 1n) { w.error(E.syntax); return; }
      count = Number(v);
    } else if (isArg(opt, 'match') && more >= 1) {
      const p = argv[++i]!;
      pattern = p.length === 1 && p[0] === 42 ? null : p;
    } else if (isArg(opt, 'novalues')) {
      w.error('ERR NOVALUES option can only be used in HSCAN'); return;
    } else if (isArg(opt, 'noscores')) {
      w.error('ERR NOSCORES option can only be used in ZSCAN'); return;
    } else { w.error(E.syntax); return; }
  }
  const found: Buffer[] = [];
  const take = (m: Buffer): void => {
    if (pattern === null || stringMatchBuf(pattern, m, false)) found.push(m);
  };
  let next = 0;
  if (set.enc === ENC_HT) {
    // Cursors beyond 2^32 are treated as positions past the end (clamped to the size).
    const start = cur > 0xffffffffn ? 0xffffffff : Number(cur);
    next = set.scan(start, count, take);
  } else {
    set.forEach((m) => take(m));
  }
  w.arr(2);
  w.bulk(String(next));
  w.arr(found.length);
  for (const m of found) w.bulk(m);
}

// ------------------------------------------------------------------ registration

export function registerSet(r: Registry): void {
  r.handle('sadd', sadd);
  r.handle('srem', srem);
  r.handle('smove', smove);
  r.handle('sismember', sismember);
  r.handle('smismember', smismember);
  r.handle('scard', scard);
  r.handle('smembers', smembers);
  r.handle('spop', spop);
  r.handle('srandmember', srandmember);
  r.handle('sinter', sinter);
  r.handle('sinterstore', sinterstore);
  r.handle('sintercard', sintercard);
  r.handle('sunion', sunion);
  r.handle('sunionstore', sunionstore);
  r.handle('sdiff', sdiff);
  r.handle('sdiffstore', sdiffstore);
  r.handle('sscan', sscan);
  registerTypeDigest(OBJ_SET, (obj, ctx) => {
    (obj as SetObject).forEach((m) => ctx.xor(m));
  });
  registerSetRdb();
  registerTypeReload(OBJ_SET, (s, db, a) => {
    const cfg = s.config;
    const lim: SetLimits = {
      maxIntset: cfg.num('set-max-intset-entries'),
      maxLpEntries: cfg.num('set-max-listpack-entries'),
      maxLpValue: cfg.num('set-max-listpack-value'),
    };
    const set = db.object<SetObject>(a).reloaded(lim);
    db.replaceObject(a, set.enc, set);
  });
}

export { memberBytes };
