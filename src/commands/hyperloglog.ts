// HyperLogLog commands: PFADD, PFCOUNT, PFMERGE, PFDEBUG, PFSELFTEST.
//
// Values are plain strings in Valkey's HLL byte format (src/ds/hyperloglog.ts). Dense values
// (fixed 12304 bytes) are updated where they live; sparse ones are edited in a copy and stored
// back, since they grow and shrink.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { ENC_RAW, NOTIFY_STRING, OBJ_STRING } from '../store/types.js';
import { changed, isArg } from './util.js';
import {
  HLL_DENSE, HLL_DENSE_SIZE, HLL_REGISTERS, HLL_SPARSE, HllWork, cacheValid, cachedCard, createHll,
  decodeSparse, denseGet, denseSet, denseSetMax, hllCount, invalidateCache, isHllValue, mergeInto,
  patIndex, patLen, rawCount, setCachedCard,
} from '../ds/hyperloglog.js';

/** Checks a string block holds an HLL; replies and returns false otherwise. */
function checkHll(c: Client, a: number): boolean {
  const ar = c.server.ks.arena;
  if (ar.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return false; }
  if (!isHllValue(c.db.stringView(a))) { c.w.error(E.hllWrongType); return false; }
  return true;
}

function maxBytes(c: Client): number { return c.server.config.num('hll-sparse-max-bytes'); }

/** Marks a string block raw-encoded before its bytes are changed in place. */
function makeRaw(c: Client, a: number): void {
  const ar = c.server.ks.arena;
  if (ar.encoding(a) !== ENC_RAW) ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
}

function pfaddCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const db = c.db;
  const a = db.lookupWrite(key);
  let updated = 0;
  if (a !== 0 && !checkHll(c, a)) return;
  const view = a !== 0 ? db.stringView(a) : null;
  if (view !== null && view[4] === HLL_DENSE) {
    // In place: registers only ever grow, the size never changes.
    makeRaw(c, a);
    for (let j = 2; j < argv.length; j++) {
      const count = patLen(argv[j]!);
      updated += denseSetMax(view, patIndex, count);
    }
    if (updated) invalidateCache(view);
  } else {
    const work = new HllWork(view ?? createHll());
    if (view === null) updated++;
    const limit = maxBytes(c);
    let failed = false;
    for (let j = 2; j < argv.length; j++) {
      const r = work.add(argv[j]!, limit);
      if (r === 1) updated++;
      else if (r < 0) { failed = true; break; }
    }
    if (updated) {
      invalidateCache(work.buf);
      db.setString(key, work.bytes(), -1, ENC_RAW);
    }
    if (failed) {
      if (updated) changed(c, key, 'pfadd', NOTIFY_STRING);
      c.w.error(E.hllCorrupted);
      return;
    }
  }
  if (updated) changed(c, key, 'pfadd', NOTIFY_STRING);
  c.w.int(updated ? 1 : 0);
}

function pfcountCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const a = db.lookup(argv[j]!);
      if (a === 0) continue;
      if (!checkHll(c, a)) return;
      if (!mergeInto(max, db.stringView(a))) { c.w.error(E.hllCorrupted); return; }
    }
    c.w.int(rawCount(max));
    return;
  }
  const key = argv[1]!;
  const a = db.lookup(key);
  if (a === 0) { c.w.int(0); return; }
  if (!checkHll(c, a)) return;
  let v = db.stringView(a);
  if (cacheValid(v)) { c.w.int(cachedCard(v)); return; }
  const card = hllCount(v);
  if (card < 0) { c.w.error(E.hllCorrupted); return; }
  // Caching the estimate modifies the value: a write for snapshots, WATCH and replicas.
  const ks = c.server.ks;
  if (ks.beforeWrite !== null) { ks.beforeWrite(a); v = db.stringView(a); }
  makeRaw(c, a);
  setCachedCard(v, card);
  changed(c, key, 'pfcount', 0);
  c.w.int(card);
}

function pfmergeCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const a = db.lookup(argv[j]!);
    if (a === 0) continue;
    if (!checkHll(c, a)) return;
    const v = db.stringView(a);
    if (v[4] === HLL_DENSE) useDense = true;
    if (!mergeInto(max, v)) { c.w.error(E.hllCorrupted); return; }
  }
  const key = argv[1]!;
  const a = db.lookupWrite(key);
  const view = a !== 0 ? db.stringView(a) : null;
  if (view !== null && view[4] === HLL_DENSE) {
    makeRaw(c, a);
    for (let j = 0; j < HLL_REGISTERS; j++) if (max[j] !== 0) denseSet(view, j, max[j]!);
    invalidateCache(view);
  } else {
    const work = new HllWork(view ?? createHll());
    if (useDense && !work.toDense()) { c.w.error(E.hllCorrupted); return; }
    const limit = maxBytes(c);
    for (let j = 0; j < HLL_REGISTERS; j++) {
      if (max[j] === 0) continue;
      if (work.encoding === HLL_DENSE) denseSet(work.buf, j, max[j]!);
      else work.set(j, max[j]!, limit);
    }
    invalidateCache(work.buf);
    db.setString(key, work.bytes(), -1, ENC_RAW);
  }
  changed(c, key, 'pfadd', NOTIFY_STRING);
  c.w.ok();
}

/** Stores a dense copy of a sparse HLL under key; null (after replying) when malformed. */
function convertToDense(c: Client, key: Buffer, v: Buffer): Buffer | null {
  const work = new HllWork(v);
  if (!work.toDense()) { c.w.error(E.hllCorrupted); return null; }
  c.db.setString(key, work.bytes(), -1, ENC_RAW);
  changed(c, key, 'pfdebug', 0);
  return work.buf;
}

function pfdebugCommand(c: Client, argv: Buffer[]): void {
  const sub = argv[1]!;
  const key = argv[2]!;
  const db = c.db;
  const a = db.lookupWrite(key);
  if (a === 0) { c.w.error('ERR The specified key does not exist'); return; }
  if (!checkHll(c, a)) return;
  makeRaw(c, a);
  const v = db.stringView(a);
  const name = sub.toString('latin1');
  if (argv.length !== 3) { c.w.error(`ERR Wrong number of arguments for the '${name}' subcommand`); return; }
  if (isArg(sub, 'getreg')) {
    let regs: Uint8Array = v;
    if (v[4] === HLL_SPARSE) {
      const d = convertToDense(c, key, v);
      if (d === null) return;
      regs = d;
    }
    c.w.arr(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) c.w.int(denseGet(regs, j));
  } else if (isArg(sub, 'decode')) {
    if (v[4] !== HLL_SPARSE) { c.w.error('ERR HLL encoding is not sparse'); return; }
    c.w.bulk(decodeSparse(v));
  } else if (isArg(sub, 'encoding')) {
    c.w.simple(v[4] === HLL_DENSE ? 'dense' : 'sparse');
  } else if (isArg(sub, 'todense')) {
    if (v[4] === HLL_SPARSE) {
      if (convertToDense(c, key, v) === null) return;
      c.w.int(1);
    } else c.w.int(0);
  } else {
    c.w.error(`ERR Unknown PFDEBUG subcommand '${name}'`);
  }
}

function pfselftestCommand(c: Client): void {
  // 1: every register keeps its value without disturbing its neighbours.
  const dense = Buffer.alloc(HLL_DENSE_SIZE);
  const bytes = new Uint8Array(HLL_REGISTERS);
  for (let cycle = 0; cycle < 1000; cycle++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) | 0;
      bytes[i] = r;
      denseSet(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const got = denseGet(dense, i);
      if (got !== bytes[i]) {
        c.w.error(`ERR TESTFAILED Register ${i} should be ${bytes[i]} but is ${got}`);
        return;
      }
    }
  }
  // 2: estimates stay within a few standard errors, dense and sparse agreeing.
  dense.fill(0);
  dense.write('HYLL', 0, 'latin1');
  const sparse = new HllWork(createHll());
  const limit = maxBytes(c);
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  const seedLo = (Math.random() * 4294967296) >>> 0, seedHi = (Math.random() * 4294967296) >>> 0;
  const ele = Buffer.alloc(8);
  let checkpoint = 1;
  for (let j = 1; j <= 10000000; j++) {
    const lo = (j % 4294967296) ^ seedLo, hi = Math.floor(j / 4294967296) ^ seedHi;
    ele.writeUInt32LE(lo >>> 0, 0);
    ele.writeUInt32LE(hi >>> 0, 4);
    const count = patLen(ele);
    const index = patIndex;
    denseSetMax(dense, index, count);
    sparse.set(index, count, limit);
    if (j === checkpoint) {
      if (j < Math.floor(limit / 2) && sparse.encoding !== HLL_SPARSE) {
        c.w.error('ERR TESTFAILED sparse encoding not used');
        return;
      }
      const est = hllCount(dense);
      if (est !== hllCount(sparse.bytes())) { c.w.error('ERR TESTFAILED dense/sparse disagree'); return; }
      let maxerr = Math.ceil(relerr * 6 * checkpoint);
      if (j === 10) maxerr = 1;
      const abserr = Math.abs(checkpoint - est);
      if (abserr > maxerr) {
        c.w.error(`ERR TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
        return;
      }
      checkpoint *= 10;
    }
  }
  c.w.ok();
}

export function registerHyperLogLog(r: Registry): void {
  r.handle('pfadd', pfaddCommand);
  r.handle('pfcount', pfcountCommand);
  r.handle('pfmerge', pfmergeCommand);
  r.handle('pfdebug', pfdebugCommand);
  r.handle('pfselftest', pfselftestCommand);
}
