// Bitmaps on string values: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
//
// Bit 0 is the most significant bit of the first byte, as in Valkey. Everything works on the
// value bytes where they live (the arena slab for inline values, the BigString buffer for
// out-of-line ones): reads go through db.stringView, writes change the bytes in place and grow
// the value only when a bit past its end is written. Counting and searching skip through the
// aligned middle of a range 32 bits at a time.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { FLAG_OBJ, HDR, MAX_INLINE_VALUE } from '../store/arena.js';
import { BigString, ENC_RAW, NOTIFY_GENERIC, NOTIFY_STRING, OBJ_STRING } from '../store/types.js';
import { changed, isArg } from './util.js';
import { parseI64, parseInt64 } from '../util/number.js';
import { constants as bufferConstants } from 'node:buffer';

const EMPTY = Buffer.alloc(0);

// ------------------------------------------------------------------ raw-byte kernels

/** Set bits per byte value. */
const POP8 = new Uint8Array(256);
for (let i = 1; i < 256; i++) POP8[i] = (i & 1) + POP8[i >> 1]!;

/** Below this many bytes the word loops are not worth setting up. */
const WORD_MIN = 64;

/** Number of set bits in b[start, end). */
function popcount(b: Buffer, start: number, end: number): number {
  let n = 0;
  let i = start;
  if (end - i >= WORD_MIN) {
    while ((b.byteOffset + i) & 3) n += POP8[b[i++]!]!;
    const words = (end - i) >>> 2;
    const w = new Int32Array(b.buffer, b.byteOffset + i, words);
    let k = 0;
    // Four words per step, their byte counts summed before the final multiply.
    for (const last = words - 3; k < last; k += 4) {
      let x = w[k]!, y = w[k + 1]!, z = w[k + 2]!, t = w[k + 3]!;
      x -= (x >>> 1) & 0x55555555; x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      y -= (y >>> 1) & 0x55555555; y = (y & 0x33333333) + ((y >>> 2) & 0x33333333);
      z -= (z >>> 1) & 0x55555555; z = (z & 0x33333333) + ((z >>> 2) & 0x33333333);
      t -= (t >>> 1) & 0x55555555; t = (t & 0x33333333) + ((t >>> 2) & 0x33333333);
      // Each byte now holds at most 8 per word: the four sums fit a byte (<= 32).
      const s = ((x + (x >>> 4)) & 0x0f0f0f0f) + ((y + (y >>> 4)) & 0x0f0f0f0f) +
        ((z + (z >>> 4)) & 0x0f0f0f0f) + ((t + (t >>> 4)) & 0x0f0f0f0f);
      n += Math.imul(s, 0x01010101) >>> 24;
    }
    for (; k < words; k++) {
      let x = w[k]!;
      x -= (x >>> 1) & 0x55555555;
      x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
      n += Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
    }
    i += words << 2;
  }
  while (i < end) n += POP8[b[i++]!]!;
  return n;
}

/**
 * Index of the first byte in b[start, end) that differs from `skip` (0x00 or 0xff), or `end`.
 */
function skipBytes(b: Buffer, start: number, end: number, skip: number): number {
  let i = start;
  if (end - i >= WORD_MIN) {
    while ((b.byteOffset + i) & 3) { if (b[i] !== skip) return i; i++; }
    const words = (end - i) >>> 2;
    const w = new Int32Array(b.buffer, b.byteOffset + i, words);
    let k = 0;
    // Four words per test while the run lasts, then word by word up to the one that differs.
    if (skip === 0) {
      while (k + 4 <= words && (w[k]! | w[k + 1]! | w[k + 2]! | w[k + 3]!) === 0) k += 4;
      while (k < words && w[k] === 0) k++;
    } else {
      while (k + 4 <= words && (w[k]! & w[k + 1]! & w[k + 2]! & w[k + 3]!) === -1) k += 4;
      while (k < words && w[k] === -1) k++;
    }
    i += k << 2;
  }
  while (i < end && b[i] === skip) i++;
  return i;
}

/**
 * First bit equal to `bit` between bit positions first..last (inclusive, given as bytes and
 * bit-in-byte so positions beyond 2^32 stay exact). Returns the absolute bit position, or -1.
 */
function findBit(b: Buffer, sByte: number, sBit: number, eByte: number, eBit: number, bit: number): number {
  const flip = bit ? 0 : 0xff;
  let i = sByte;
  // The first byte, without the bits before the start.
  let x = ((b[i]! ^ flip) & (0xff >> sBit));
  if (i === eByte) x &= (0xff << (7 - eBit)) & 0xff;
  if (x !== 0) return i * 8 + Math.clz32(x) - 24;
  if (i === eByte) return -1;
  i = skipBytes(b, i + 1, eByte, flip);
  if (i < eByte) return i * 8 + Math.clz32((b[i]! ^ flip) & 0xff) - 24;
  // The last byte, without the bits after the end.
  x = (b[eByte]! ^ flip) & (0xff << (7 - eBit)) & 0xff;
  return x !== 0 ? eByte * 8 + Math.clz32(x) - 24 : -1;
}

// Scratch space to realign a source of BITOP whose bytes do not start on a 4-byte boundary.
const alignScratch = Buffer.allocUnsafeSlow(64 * 1024);

/** Returns src, or a copy of it starting on a 4-byte boundary. */
function aligned(src: Buffer): Buffer {
  if ((src.byteOffset & 3) === 0) return src;
  const s = src.length <= alignScratch.length ? alignScratch : Buffer.allocUnsafeSlow(src.length);
  src.copy(s, 0);
  return s.subarray(0, src.length);
}

const OP_AND = 0, OP_OR = 1, OP_XOR = 2, OP_NOT = 3;

/** res[0, src.length) op= src (res is 4-byte aligned). AND also clears res past src's end. */
function combine(res: Buffer, src: Buffer, op: number): void {
  const len = src.length;
  let i = 0;
  if (len >= WORD_MIN) {
    const s = aligned(src);
    const words = len >>> 2;
    const rw = new Int32Array(res.buffer, res.byteOffset, words);
    const sw = new Int32Array(s.buffer, s.byteOffset, words);
    if (op === OP_AND) for (let k = 0; k < words; k++) rw[k]! &= sw[k]!;
    else if (op === OP_OR) for (let k = 0; k < words; k++) rw[k]! |= sw[k]!;
    else for (let k = 0; k < words; k++) rw[k]! ^= sw[k]!;
    i = words << 2;
  }
  if (op === OP_AND) for (; i < len; i++) res[i]! &= src[i]!;
  else if (op === OP_OR) for (; i < len; i++) res[i]! |= src[i]!;
  else for (; i < len; i++) res[i]! ^= src[i]!;
  if (op === OP_AND && len < res.length) res.fill(0, len);
}

/** Inverts every byte of res (4-byte aligned). */
function invert(res: Buffer): void {
  const len = res.length;
  const words = len >>> 2;
  const rw = new Int32Array(res.buffer, res.byteOffset, words);
  for (let k = 0; k < words; k++) rw[k] = ~rw[k]!;
  for (let i = words << 2; i < len; i++) res[i] = ~res[i]! & 0xff;
}

// ------------------------------------------------------------------ argument helpers

/**
 * Valkey's getBitOffsetFromArgument: a bit offset >= 0 whose byte is below proto-max-bulk-len.
 * With `bits` > 0 a leading '#' multiplies the offset by the field width (BITFIELD). Returns
 * -1 after replying the error.
 */
function bitOffsetArg(c: Client, arg: Buffer, bits: number): number {
  let off: number;
  if (bits > 0 && arg.length > 0 && arg[0] === 35 /* # */) {
    const v = parseI64(arg.subarray(1));
    if (v === null) { c.w.error(E.bitOffset); return -1; }
    off = Number(BigInt.asIntN(64, v * BigInt(bits)));
  } else {
    const v = parseInt64(arg);
    if (v === null) { c.w.error(E.bitOffset); return -1; }
    off = v;
  }
  if (off < 0 || Math.floor(off / 8) >= c.server.protoMaxBulkLen) { c.w.error(E.bitOffset); return -1; }
  return off;
}

/** Looks up key for writing; replies WRONGTYPE (returning -1) when it is not a string. */
function lookupStringWrite(c: Client, key: Buffer): number {
  const a = c.db.lookupWrite(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return -1; }
  return a;
}

/** Same for reads (hit/miss statistics). */
function lookupString(c: Client, key: Buffer): number {
  const a = c.db.lookup(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return -1; }
  return a;
}

/** Set by writableValue: the key was created or its value grew. */
let grew = false;

/**
 * A writable view of the string value of key (block `a`, 0 when absent), created or
 * zero-padded to at least `len` bytes, and marked raw-encoded (Valkey unshares the value before
 * writing bits into it). Writes into the view change the stored value. Large values grow
 * their buffer geometrically so that bitmaps filled left to right cost amortised O(1) per byte.
 * Returns null, after replying, for a length beyond what a Node.js Buffer can hold (reachable
 * only with proto-max-bulk-len raised past 4 GB).
 */
function writableValue(c: Client, key: Buffer, a: number, len: number): Buffer | null {
  const db = c.db;
  const ar = c.server.ks.arena;
  grew = false;
  if (len > bufferConstants.MAX_LENGTH) { c.w.error(E.stringTooLong); return null; }
  if (a === 0) {
    grew = true;
    if (len <= MAX_INLINE_VALUE) return db.stringView(db.setString(key, Buffer.alloc(len), 0, ENC_RAW));
    // Start out of line with a small buffer, grown below with a single big allocation.
    a = db.setString(key, Buffer.alloc(MAX_INLINE_VALUE + 1), 0, ENC_RAW);
  } else if (len > MAX_INLINE_VALUE && !(ar.flags(a) & FLAG_OBJ)) {
    // Inline now, out of line after: move it out first (setString copies small values only).
    grew = true;
    const cur = ar.valLen(a);
    const nb = Buffer.alloc(MAX_INLINE_VALUE + 1);
    const off = ar.valueOffset(a);
    ar.slabOf(a).copy(nb, 0, off, off + cur);
    a = db.setString(key, nb, -1, ENC_RAW);
  }
  if (ar.encoding(a) !== ENC_RAW) ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    if (len > bs.len) {
      grew = true;
      if (len > bs.buf.length) {
        let cap = len < 1024 * 1024 ? len * 2 : len + 1024 * 1024;
        if (cap > c.server.protoMaxBulkLen) cap = Math.max(len, c.server.protoMaxBulkLen);
        if (cap > bufferConstants.MAX_LENGTH) cap = bufferConstants.MAX_LENGTH;
        const nb = Buffer.allocUnsafeSlow(cap);
        bs.buf.copy(nb, 0, 0, bs.len);
        bs.buf = nb;
      }
      bs.buf.fill(0, bs.len, len);
      bs.len = len;
    }
    return bs.view();
  }
  const cur = ar.valLen(a);
  if (len <= cur) return db.stringView(a);
  grew = true;
  if (len <= MAX_INLINE_VALUE && ar.capacity(a) >= HDR + ar.keyLen(a) + len) {
    const off = ar.valueOffset(a);
    ar.slabOf(a).fill(0, off + cur, off + len);
    ar.setValLen(a, len);
    return db.stringView(a);
  }
  const nb = Buffer.alloc(len);
  const off = ar.valueOffset(a);
  ar.slabOf(a).copy(nb, 0, off, off + cur);
  return db.stringView(db.setString(key, nb, -1, ENC_RAW));
}

// ------------------------------------------------------------------ SETBIT / GETBIT

function setbitCommand(c: Client, argv: Buffer[]): void {
  const key = argv[1]!;
  const off = bitOffsetArg(c, argv[2]!, 0);
  if (off < 0) return;
  const on = parseInt64(argv[3]!);
  if (on !== 0 && on !== 1) { c.w.error(E.bitValue); return; }
  const a = lookupStringWrite(c, key);
  if (a < 0) return;
  const byte = Math.floor(off / 8);
  const shift = 7 - (off & 7);
  const ar = c.server.ks.arena;
  let old: number;
  let dirty: boolean;
  if (a !== 0 && !(ar.flags(a) & FLAG_OBJ) && byte < ar.valLen(a)) {
    // Inside an inline value: flip the bit in the slab.
    const slab = ar.slabOf(a);
    const p = ar.valueOffset(a) + byte;
    const v = slab[p]!;
    old = (v >> shift) & 1;
    dirty = old !== on;
    if (dirty) slab[p] = on ? v | (1 << shift) : v & ~(1 << shift);
    if (ar.encoding(a) !== ENC_RAW) ar.setTypeEnc(a, OBJ_STRING, ENC_RAW);
  } else {
    const view = writableValue(c, key, a, byte + 1);
    if (view === null) return;
    const v = view[byte]!;
    old = (v >> shift) & 1;
    dirty = grew || old !== on;
    if (dirty) view[byte] = on ? v | (1 << shift) : v & ~(1 << shift);
  }
  if (dirty) changed(c, key, 'setbit', NOTIFY_STRING);
  c.w.int(old);
}

function getbitCommand(c: Client, argv: Buffer[]): void {
  const off = bitOffsetArg(c, argv[2]!, 0);
  if (off < 0) return;
  const a = lookupString(c, argv[1]!);
  if (a < 0) return;
  if (a === 0) { c.w.int(0); return; }
  const byte = Math.floor(off / 8);
  const ar = c.server.ks.arena;
  let v = 0;
  if (ar.flags(a) & FLAG_OBJ) {
    const bs = ar.objs[ar.valLen(a)] as BigString;
    if (byte < bs.len) v = bs.buf[byte]!;
  } else if (byte < ar.valLen(a)) {
    v = ar.slabOf(a)[ar.valueOffset(a) + byte]!;
  }
  c.w.int((v >> (7 - (off & 7))) & 1);
}

// ------------------------------------------------------------------ BITCOUNT / BITPOS

/** Parses a range index exactly: a number, or a bigint when it has more than 15 digits. */
function indexArg(c: Client, b: Buffer): number | bigint | null {
  const v = b.length <= 15 ? parseInt64(b) : parseI64(b);
  if (v === null) c.w.error(E.notInteger);
  return v;
}

/** 0 = BYTE, 1 = BIT, -1 after replying a syntax error. */
function unitArg(c: Client, b: Buffer): number {
  if (isArg(b, 'bit')) return 1;
  if (isArg(b, 'byte')) return 0;
  c.w.error(E.syntax);
  return -1;
}

// Range resolved by resolveRange (inclusive, in bits when isBit, else in bytes).
let rStart = 0;
let rEnd = 0;

/**
 * Valkey's index normalisation for BITCOUNT/BITPOS: negative indexes count from the end,
 * then both ends are clamped to the value. Indexes beyond 2^53 only ever clamp, so they are
 * brought to numbers first.
 */
function resolveRange(start: number | bigint, end: number | bigint, total: number): void {
  let s = typeof start === 'bigint' ? Number(start) : start;
  let e = typeof end === 'bigint' ? Number(end) : end;
  if (s < 0) s = total + s;
  if (e < 0) e = total + e;
  if (s < 0) s = 0;
  if (e < 0) e = 0;
  if (e >= total) e = total - 1;
  rStart = s;
  rEnd = e;
}

function bitcountCommand(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  if (argc > 5) { c.w.error(E.syntax); return; }
  let start: number | bigint = 0, end: number | bigint = -1;
  let isBit = 0;
  if (argc >= 3) {
    const s = indexArg(c, argv[2]!);
    if (s === null) return;
    start = s;
    if (argc === 5) { isBit = unitArg(c, argv[4]!); if (isBit < 0) return; }
    if (argc >= 4) {
      const e = indexArg(c, argv[3]!);
      if (e === null) return;
      end = e;
    }
  }
  const a = lookupString(c, argv[1]!);
  if (a < 0) return;
  if (a === 0) { c.w.int(0); return; }
  const v = c.db.stringView(a);
  const len = v.length;
  if (argc < 3) { c.w.int(popcount(v, 0, len)); return; }
  // Both negative and start after end: empty before any clamping.
  if (start < 0 && end < 0 && start > end) { c.w.int(0); return; }
  resolveRange(start, end, isBit ? len * 8 : len);
  const s = rStart, e = rEnd;
  if (s > e) { c.w.int(0); return; }
  if (!isBit) { c.w.int(popcount(v, s, e + 1)); return; }
  const sByte = Math.floor(s / 8), eByte = Math.floor(e / 8);
  let n = popcount(v, sByte, eByte + 1);
  // Take away the bits of the edge bytes outside the range.
  n -= POP8[v[sByte]! & ~(0xff >> (s & 7)) & 0xff]!;
  n -= POP8[v[eByte]! & ((1 << (7 - (e & 7))) - 1)]!;
  c.w.int(n);
}

function bitposCommand(c: Client, argv: Buffer[]): void {
  const argc = argv.length;
  const bit = parseInt64(argv[2]!);
  if (bit === null) { c.w.error(E.notInteger); return; }
  if (bit !== 0 && bit !== 1) { c.w.error(E.bitposBit); return; }
  if (argc > 6) { c.w.error(E.syntax); return; }
  let start: number | bigint = 0, end: number | bigint = -1;
  let isBit = 0;
  const endGiven = argc >= 5;
  if (argc >= 4) {
    const s = indexArg(c, argv[3]!);
    if (s === null) return;
    start = s;
    if (argc === 6) { isBit = unitArg(c, argv[5]!); if (isBit < 0) return; }
    if (endGiven) {
      const e = indexArg(c, argv[4]!);
      if (e === null) return;
      end = e;
    }
  }
  const a = lookupString(c, argv[1]!);
  if (a < 0) return;
  // A missing key is an endless run of zero bits.
  if (a === 0) { c.w.int(bit ? -1 : 0); return; }
  const v = c.db.stringView(a);
  const len = v.length;
  resolveRange(start, end, isBit ? len * 8 : len);
  if (rStart > rEnd) { c.w.int(-1); return; }
  let sByte: number, sBit: number, eByte: number, eBit: number;
  if (isBit) {
    sByte = Math.floor(rStart / 8); sBit = rStart & 7;
    eByte = Math.floor(rEnd / 8); eBit = rEnd & 7;
  } else {
    sByte = rStart; sBit = 0; eByte = rEnd; eBit = 7;
  }
  const pos = findBit(v, sByte, sBit, eByte, eBit, bit);
  if (pos >= 0 || bit === 1) { c.w.int(pos); return; }
  // No clear bit in the range: without an explicit end the value counts as zero-padded on
  // the right, so the first clear bit is the one just past the range.
  c.w.int(endGiven ? -1 : eByte * 8 + eBit + 1);
}

// ------------------------------------------------------------------ BITOP

function bitopCommand(c: Client, argv: Buffer[]): void {
  const opArg = argv[1]!;
  let op: number;
  if (isArg(opArg, 'and')) op = OP_AND;
  else if (isArg(opArg, 'or')) op = OP_OR;
  else if (isArg(opArg, 'xor')) op = OP_XOR;
  else if (isArg(opArg, 'not')) op = OP_NOT;
  else { c.w.error(E.syntax); return; }
  const argc = argv.length;
  if (op === OP_NOT && argc !== 4) { c.w.error(E.bitopNotSingle); return; }
  const db = c.db;
  const ar = c.server.ks.arena;
  const srcs: Buffer[] = [];
  let maxlen = 0;
  for (let j = 3; j < argc; j++) {
    const a = db.lookup(argv[j]!);
    if (a === 0) { srcs.push(EMPTY); continue; }
    if (ar.type(a) !== OBJ_STRING) { c.w.error(E.wrongType); return; }
    // A view into the keyspace: nothing is written before the result is complete.
    const v = db.stringView(a);
    srcs.push(v);
    if (v.length > maxlen) maxlen = v.length;
  }
  const dest = argv[2]!;
  if (maxlen === 0) {
    if (db.delete(dest)) changed(c, dest, 'del', NOTIFY_GENERIC);
    c.w.int(0);
    return;
  }
  // A fresh, unpooled buffer: zero-filled and 4-byte aligned.
  const res = Buffer.alloc(maxlen);
  srcs[0]!.copy(res, 0);
  if (op === OP_NOT) invert(res);
  else for (let j = 1; j < srcs.length; j++) combine(res, srcs[j]!, op);
  db.setString(dest, res, 0, ENC_RAW);
  changed(c, dest, 'set', NOTIFY_STRING);
  c.w.int(maxlen);
}

// ------------------------------------------------------------------ BITFIELD

const BF_GET = 0, BF_SET = 1, BF_INCRBY = 2;
const OV_WRAP = 0, OV_SAT = 1, OV_FAIL = 2;

interface BitfieldOp {
  op: number;
  overflow: number;
  signed: boolean;
  bits: number;
  offset: number;
  /** SET value or INCRBY increment: a number when it has at most 15 digits. */
  value: number | bigint;
}

/** Parses a field type (i1..i64, u1..u63); 0 after replying the error. Sign in `typeSigned`. */
let typeSigned = false;
function bitfieldTypeArg(c: Client, b: Buffer): number {
  const s = b.length > 0 ? b[0] : 0;
  if (s !== 0x69 /* i */ && s !== 0x75 /* u */) { c.w.error(E.bitfieldType); return 0; }
  typeSigned = s === 0x69;
  const n = parseInt64(b.subarray(1));
  if (n === null || n < 1 || n > (typeSigned ? 64 : 63)) { c.w.error(E.bitfieldType); return 0; }
  return n;
}

// The last field read by readField: its bits as two 32-bit halves (hi holds bits 32..63).
let fHi = 0;
let fLo = 0;

/** Reads `bits` bits at bit offset `off` of v (zero past its end) into fHi/fLo. */
function readField(v: Buffer, off: number, bits: number): void {
  let hi = 0, lo = 0;
  const len = v.length;
  let byte = Math.floor(off / 8);
  let sh = off & 7;
  let left = bits;
  while (left > 0) {
    const cur = byte < len ? v[byte]! : 0;
    const take = Math.min(8 - sh, left);
    const chunk = (cur >> (8 - sh - take)) & ((1 << take) - 1);
    hi = ((hi << take) | (lo >>> (32 - take))) >>> 0;
    lo = ((lo << take) | chunk) >>> 0;
    left -= take;
    sh = 0;
    byte++;
  }
  fHi = hi;
  fLo = lo;
}

/** Writes the low `bits` bits of hi:lo at bit offset `off` of v (which is long enough). */
function writeField(v: Buffer, off: number, bits: number, hi: number, lo: number): void {
  let byte = Math.floor(off / 8);
  let sh = off & 7;
  let left = bits;
  while (left > 0) {
    const take = Math.min(8 - sh, left);
    // The next `take` bits of the value, from its most significant end.
    const from = left - take; // bit index (from the LSB) of the lowest bit taken
    let chunk: number;
    if (from >= 32) chunk = (hi >>> (from - 32)) & ((1 << take) - 1);
    else if (from + take <= 32) chunk = (lo >>> from) & ((1 << take) - 1);
    else chunk = ((lo >>> from) | (hi << (32 - from))) & ((1 << take) - 1);
    const mask = ((1 << take) - 1) << (8 - sh - take);
    v[byte] = (v[byte]! & ~mask) | (chunk << (8 - sh - take));
    left -= take;
    sh = 0;
    byte++;
  }
}

/** The field just read as an unsigned bigint. */
function fieldU(): bigint { return (BigInt(fHi) << 32n) | BigInt(fLo); }

function bitfieldGeneric(c: Client, argv: Buffer[], readonlyCmd: boolean): void {
  const argc = argv.length;
  const ops: BitfieldOp[] = [];
  let overflow = OV_WRAP;
  let writes = false;
  let highest = 0; // highest bit written
  for (let j = 2; j < argc; j++) {
    const rem = argc - j - 1;
    const sub = argv[j]!;
    let op: number;
    if (isArg(sub, 'get') && rem >= 2) op = BF_GET;
    else if (isArg(sub, 'set') && rem >= 3) op = BF_SET;
    else if (isArg(sub, 'incrby') && rem >= 3) op = BF_INCRBY;
    else if (isArg(sub, 'overflow') && rem >= 1) {
      const t = argv[++j]!;
      if (isArg(t, 'wrap')) overflow = OV_WRAP;
      else if (isArg(t, 'sat')) overflow = OV_SAT;
      else if (isArg(t, 'fail')) overflow = OV_FAIL;
      else { c.w.error(E.bitfieldOverflow); return; }
      continue;
    } else { c.w.error(E.syntax); return; }
    const bits = bitfieldTypeArg(c, argv[j + 1]!);
    if (bits === 0) return;
    const signed = typeSigned;
    const offset = bitOffsetArg(c, argv[j + 2]!, bits);
    if (offset < 0) return;
    let value: number | bigint = 0;
    if (op !== BF_GET) {
      writes = true;
      if (offset + bits - 1 > highest) highest = offset + bits - 1;
      const arg = argv[j + 3]!;
      const v = arg.length <= 15 ? parseInt64(arg) : parseI64(arg);
      if (v === null) { c.w.error(E.notInteger); return; }
      value = v;
    }
    ops.push({ op, overflow, signed, bits, offset, value });
    j += op === BF_GET ? 2 : 3;
  }

  const key = argv[1]!;
  let view: Buffer;
  let created = false;
  if (!writes) {
    const a = lookupString(c, key);
    if (a < 0) return;
    view = a === 0 ? EMPTY : c.db.stringView(a);
  } else {
    if (readonlyCmd) { c.w.error(E.bitfieldRo); return; }
    const a = lookupStringWrite(c, key);
    if (a < 0) return;
    const w = writableValue(c, key, a, Math.floor(highest / 8) + 1);
    if (w === null) return;
    view = w;
    created = grew;
  }

  c.w.arr(ops.length);
  let changes = 0;
  for (let k = 0; k < ops.length; k++) {
    const o = ops[k]!;
    readField(view, o.offset, o.bits);
    if (o.op === BF_GET) {
      if (o.bits <= 32) {
        let x = fLo;
        if (o.signed && x >= 2 ** (o.bits - 1)) x -= 2 ** o.bits;
        c.w.int(x);
      } else {
        const u = fieldU();
        c.w.int(o.signed ? BigInt.asIntN(o.bits, u) : u);
      }
      continue;
    }
    const r = o.bits <= 32 && typeof o.value === 'number' ? smallUpdate(o) : bigUpdate(o);
    if (r === null) { c.w.nil(); continue; }
    c.w.int(r);
    writeField(view, o.offset, o.bits, nHi, nLo);
    if (created || nChanged) changes++;
  }
  if (changes > 0) {
    changed(c, key, 'setbit', NOTIFY_STRING);
    c.server.ks.dirty += changes - 1;
  }
}

// Result of smallUpdate/bigUpdate: the new field bits and whether they differ from the old.
let nHi = 0;
let nLo = 0;
let nChanged = false;

/**
 * SET or INCRBY on a field of at most 32 bits with an argument below 10^15: exact in doubles.
 * Reads the old field from fLo. Returns the reply value, or null when OVERFLOW FAIL refuses.
 */
function smallUpdate(o: BitfieldOp): number | null {
  const bits = o.bits;
  const arg = o.value as number;
  const span = 2 ** bits;
  let old = fLo;
  let max: number, min: number;
  if (o.signed) {
    if (old >= span / 2) old -= span;
    max = span / 2 - 1; min = -span / 2;
  } else {
    max = span - 1; min = 0;
  }
  const sum = o.op === BF_SET ? arg : old + arg;
  let nv = sum;
  if (sum > max || sum < min) {
    if (o.overflow === OV_FAIL) return null;
    if (o.overflow === OV_SAT) {
      // A negative SET value is a huge unsigned one: it saturates high.
      nv = sum > max || !o.signed && o.op === BF_SET ? max : min;
    } else {
      nv = ((sum % span) + span) % span;
      if (o.signed && nv > max) nv -= span;
    }
  }
  nChanged = nv !== old;
  nHi = 0;
  nLo = nv < 0 ? nv + span : nv;
  return o.op === BF_SET ? old : nv;
}

const U64 = (1n << 64n) - 1n;

/**
 * SET or INCRBY in 64-bit two's complement arithmetic, following Valkey's overflow checks
 * exactly (including how they behave for SET values far outside the field's range).
 */
function bigUpdate(o: BitfieldOp): bigint | null {
  const bits = BigInt(o.bits);
  const arg = BigInt(o.value);
  const oldU = fieldU();
  const isSet = o.op === BF_SET;
  let nv: bigint;
  let old: bigint;
  let ov: number; // 1 overflow, -1 underflow, 0 fits
  if (o.signed) {
    old = BigInt.asIntN(o.bits, oldU);
    const value = isSet ? arg : old;
    const incr = isSet ? 0n : arg;
    const max = o.bits === 64 ? (1n << 63n) - 1n : (1n << (bits - 1n)) - 1n;
    const min = -max - 1n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, min - value);
    if (value > max || (o.bits !== 64 && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr)) ov = 1;
    else if (value < min || (o.bits !== 64 && incr < minincr) || (value < 0n && incr < 0n && incr < minincr)) ov = -1;
    else ov = 0;
    if (ov === 0) nv = value + incr;
    else if (o.overflow === OV_FAIL) return null;
    else if (o.overflow === OV_SAT) nv = ov > 0 ? max : min;
    else nv = BigInt.asIntN(o.bits, value + incr);
  } else {
    old = oldU;
    const value = isSet ? arg & U64 : old;
    const incr = isSet ? 0n : arg;
    const max = (1n << bits) - 1n;
    const maxincr = BigInt.asIntN(64, max - value);
    const minincr = BigInt.asIntN(64, -value);
    if (value > max || (incr > 0n && incr > maxincr)) ov = 1;
    else if (incr < 0n && incr < minincr) ov = -1;
    else ov = 0;
    if (ov === 0) nv = value + incr;
    else if (o.overflow === OV_FAIL) return null;
    else if (o.overflow === OV_SAT) nv = ov > 0 ? max : 0n;
    else nv = BigInt.asUintN(o.bits, value + incr);
  }
  nChanged = nv !== old;
  const u = BigInt.asUintN(64, nv);
  nHi = Number(u >> 32n);
  nLo = Number(u & 0xffffffffn);
  return isSet ? old : nv;
}

function bitfieldCommand(c: Client, argv: Buffer[]): void { bitfieldGeneric(c, argv, false); }
function bitfieldRoCommand(c: Client, argv: Buffer[]): void { bitfieldGeneric(c, argv, true); }

// ------------------------------------------------------------------ registration

export function registerBitops(r: Registry): void {
  r.handle('setbit', setbitCommand);
  r.handle('getbit', getbitCommand);
  r.handle('bitcount', bitcountCommand);
  r.handle('bitpos', bitposCommand);
  r.handle('bitop', bitopCommand);
  r.handle('bitfield', bitfieldCommand);
  r.handle('bitfield_ro', bitfieldRoCommand);
}
