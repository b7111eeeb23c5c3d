// HyperLogLog kept in Valkey's string layout, so values move between servers with GET/SET.
//
// Layout: a 16-byte header ("HYLL", encoding byte 0 = dense / 1 = sparse, 3 unused bytes, an
// 8-byte little-endian cached cardinality whose top bit marks the cache stale), then either
// 16384 registers of 6 bits packed LSB-first (dense, 12288 bytes), or a run-length sequence
// of opcodes (sparse): 00xxxxxx = run of 1..64 zero registers, 01xxxxxx yyyyyyyy = run of
// 1..16384 zero registers, 1vvvvvxx = run of 1..4 registers holding value 1..32.
//
// Every routine here tolerates corrupted input: bytes read past the end count as zero and
// malformed runs are reported, never thrown.

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + (HLL_REGISTERS * 6) / 8;
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const REG_MASK = HLL_REGISTERS - 1;
const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
const ALPHA_INF = 0.721347520444481703680;
const SEED = 0xadc83b19;

// ------------------------------------------------------------------ MurmurHash64A

const M_LO = 0x5bd1e995, M_HI = 0xc6a4a793;
let rLo = 0, rHi = 0;

/** (hi:lo) * m mod 2^64 into rHi:rLo, exact through 16-bit partial products. */
function mulM(lo: number, hi: number): void {
  const a0 = lo & 0xffff, a1 = lo >>> 16;
  const b0 = M_LO & 0xffff, b1 = M_LO >>> 16;
  const mid = a0 * b1 + a1 * b0;
  const low = a0 * b0 + (mid % 65536) * 65536;
  // Kept as signed 32-bit values: they stay small integers for the engine (no boxing).
  rLo = low | 0;
  rHi = (a1 * b1 + Math.floor(mid / 65536) + Math.floor(low / 4294967296) +
    Math.imul(hi, M_LO) + Math.imul(lo, M_HI)) | 0;
}

let hashLo = 0, hashHi = 0;

/** MurmurHash64A (little-endian reading, as Valkey) of b[start, end): result in hashHi:hashLo (signed 32-bit halves). */
function murmur(b: Uint8Array, start: number, end: number, seed: number): void {
  const len = end - start;
  mulM(len >>> 0, Math.floor(len / 4294967296));
  let hLo = rLo ^ seed, hHi = rHi;
  const stop = end - (len & 7);
  let i = start;
  for (; i < stop; i += 8) {
    let kLo = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    let kHi = b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24);
    mulM(kLo, kHi); kLo = rLo; kHi = rHi;
    kLo ^= kHi >>> 15;
    mulM(kLo, kHi);
    hLo ^= rLo; hHi ^= rHi;
    mulM(hLo, hHi); hLo = rLo; hHi = rHi;
  }
  const rem = len & 7;
  if (rem > 0) {
    if (rem >= 7) hHi ^= b[i + 6]! << 16;
    if (rem >= 6) hHi ^= b[i + 5]! << 8;
    if (rem >= 5) hHi ^= b[i + 4]!;
    if (rem >= 4) hLo ^= b[i + 3]! << 24;
    if (rem >= 3) hLo ^= b[i + 2]! << 16;
    if (rem >= 2) hLo ^= b[i + 1]! << 8;
    hLo ^= b[i]!;
    mulM(hLo, hHi); hLo = rLo; hHi = rHi;
  }
  hLo ^= hHi >>> 15;
  mulM(hLo, hHi); hLo = rLo; hHi = rHi;
  hLo ^= hHi >>> 15;
  hashLo = hLo; hashHi = hHi;
}

/** The 64-bit MurmurHash64A of b with a seed (Valkey's HLL seed by default). */
export function murmurHash64A(b: Uint8Array, seed = SEED): bigint {
  murmur(b, 0, b.length, seed);
  return (BigInt(hashHi >>> 0) << 32n) | BigInt(hashLo >>> 0);
}

function ctz(x: number): number { return 31 - Math.clz32(x & -x); }

/** Register index of the last patLen call. */
export let patIndex = 0;

/** Length of the 0...01 run after the index bits of the element's hash (1..51); sets patIndex. */
export function patLen(ele: Uint8Array): number {
  murmur(ele, 0, ele.length, SEED);
  patIndex = hashLo & REG_MASK;
  const w = ((hashLo >>> HLL_P) | (hashHi << (32 - HLL_P))) >>> 0;
  if (w !== 0) return ctz(w) + 1;
  return 32 + ctz((hashHi >>> HLL_P) | (1 << (HLL_Q - 32))) + 1;
}

// ------------------------------------------------------------------ header

/** Why a string is not a HyperLogLog (null when it is one, by Valkey's checks). */
export function isHllValue(v: Uint8Array): boolean {
  if (v.length < HLL_HDR_SIZE) return false;
  if (v[0] !== 0x48 || v[1] !== 0x59 || v[2] !== 0x4c || v[3] !== 0x4c) return false;
  if (v[4]! > HLL_SPARSE) return false;
  if (v[4] === HLL_DENSE && v.length !== HLL_DENSE_SIZE) return false;
  return true;
}

export function cacheValid(v: Uint8Array): boolean { return (v[15]! & 0x80) === 0; }
export function invalidateCache(v: Uint8Array): void { v[15] = v[15]! | 0x80; }

/** The cached cardinality (meaningful when cacheValid). */
export function cachedCard(v: Uint8Array): bigint {
  let n = 0n;
  for (let i = 15; i >= 8; i--) n = (n << 8n) | BigInt(v[i]!);
  return n;
}

export function setCachedCard(v: Uint8Array, card: number): void {
  let x = card;
  for (let i = 8; i < 16; i++) { v[i] = x % 256; x = Math.floor(x / 256); }
}

/** A new empty HLL: sparse, one XZERO opcode covering every register. */
export function createHll(): Buffer {
  const b = Buffer.alloc(HLL_HDR_SIZE + 2);
  b.write('HYLL', 0, 'latin1');
  b[4] = HLL_SPARSE;
  const n = HLL_REGISTERS - 1;
  b[16] = 0x40 | (n >> 8);
  b[17] = n & 0xff;
  return b;
}

// ------------------------------------------------------------------ dense registers

/** Register i of a dense value (registers after the 16-byte header). */
export function denseGet(v: Uint8Array, i: number): number {
  const bit = i * 6;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < v.length ? v[byte + 1]! : 0;
  return ((v[byte]! >> fb) | (b1 << (8 - fb))) & 63;
}

export function denseSet(v: Uint8Array, i: number, val: number): void {
  const bit = i * 6;
  const byte = HLL_HDR_SIZE + (bit >>> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  v[byte] = (v[byte]! & ~(63 << fb)) | (val << fb);
  if (byte + 1 < v.length) v[byte + 1] = (v[byte + 1]! & ~(63 >> fb8)) | (val >> fb8);
}

/** Raises register `index` of a dense value to `count`: 1 when it changed, else 0. */
export function denseSetMax(v: Uint8Array, index: number, count: number): number {
  if (denseGet(v, index) >= count) return 0;
  denseSet(v, index, count);
  return 1;
}

/** Adds the counts of each register value of a dense value to histo. */
function denseHisto(v: Uint8Array, histo: Int32Array): void {
  let p = HLL_HDR_SIZE;
  for (let j = 0; j < HLL_REGISTERS / 4; j++, p += 3) {
    const b0 = v[p]!, b1 = v[p + 1]!, b2 = v[p + 2]!;
    histo[b0 & 63]!++;
    histo[((b0 >> 6) | (b1 << 2)) & 63]!++;
    histo[((b1 >> 4) | (b2 << 4)) & 63]!++;
    histo[(b2 >> 2) & 63]!++;
  }
}

// ------------------------------------------------------------------ sparse

/** Adds the sparse value's register counts to histo; false when the opcodes are malformed. */
function sparseHisto(v: Uint8Array, histo: Int32Array): boolean {
  let idx = 0;
  const end = v.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = v[p]!;
    if ((op & 0xc0) === 0) {
      const run = (op & 0x3f) + 1;
      idx += run; histo[0]! += run; p++;
    } else if ((op & 0xc0) === 0x40) {
      const run = (((op & 0x3f) << 8) | (p + 1 < end ? v[p + 1]! : 0)) + 1;
      idx += run; histo[0]! += run; p += 2;
    } else {
      const run = (op & 3) + 1;
      idx += run; histo[((op >> 2) & 0x1f) + 1]! += run; p++;
    }
  }
  return idx === HLL_REGISTERS;
}

/** A dense copy of a sparse value (header kept, encoding set to dense), or null when malformed. */
export function sparseToDense(v: Uint8Array): Buffer | null {
  const d = Buffer.alloc(HLL_DENSE_SIZE);
  d.set(v.subarray(0, HLL_HDR_SIZE), 0);
  d[4] = HLL_DENSE;
  let idx = 0;
  const end = v.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = v[p]!;
    if ((op & 0xc0) === 0) {
      idx += (op & 0x3f) + 1; p++;
    } else if ((op & 0xc0) === 0x40) {
      idx += (((op & 0x3f) << 8) | (p + 1 < end ? v[p + 1]! : 0)) + 1; p += 2;
    } else {
      let run = (op & 3) + 1;
      const val = ((op >> 2) & 0x1f) + 1;
      if (run + idx > HLL_REGISTERS) break;
      while (run-- > 0) denseSet(d, idx++, val);
      p++;
    }
  }
  return idx === HLL_REGISTERS ? d : null;
}

/**
 * A sparse value being edited: `buf` holds `len` bytes (with spare room after them). After a
 * promotion `buf` is the dense value and `len` its size.
 */
export class HllWork {
  buf: Buffer;
  len: number;
  constructor(v: Uint8Array) {
    this.len = v.length;
    this.buf = Buffer.alloc(v.length + 32);
    this.buf.set(v, 0);
  }
  get encoding(): number { return this.buf[4]!; }
  bytes(): Buffer { return this.buf.subarray(0, this.len); }
  private reserve(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    const nb = Buffer.alloc(Math.max(this.len + extra, this.len * 2));
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }
  /** Converts to dense; false when the sparse opcodes are malformed. */
  toDense(): boolean {
    if (this.buf[4] === HLL_DENSE) return true;
    const d = sparseToDense(this.bytes());
    if (d === null) return false;
    this.buf = d;
    this.len = d.length;
    return true;
  }
  /** Raises register index to count: 1 changed, 0 unchanged, -1 malformed value. */
  set(index: number, count: number, maxBytes: number): number {
    if (this.buf[4] === HLL_DENSE) return denseSetMax(this.buf, index, count);
    return this.sparseSet(index, count, maxBytes);
  }
  add(ele: Uint8Array, maxBytes: number): number {
    const count = patLen(ele);
    return this.set(patIndex, count, maxBytes);
  }

  private promote(index: number, count: number): number {
    if (!this.toDense()) return -1;
    return denseSetMax(this.buf, index, count);
  }

  private sparseSet(index: number, count: number, maxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promote(index, count);
    this.reserve(8);
    let b = this.buf;
    const start = HLL_HDR_SIZE;
    let end = this.len;
    let p = start;
    let first = 0;
    let prev = -1;
    let span = 0;
    // Step 1: find the opcode covering the register.
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else { span = (((op & 0x3f) << 8) | (p + 1 < end ? b[p + 1]! : 0)) + 1; oplen = 2; }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return -1;
    const op = b[p]!;
    const isXzero = (op & 0xc0) === 0x40;
    const isZero = (op & 0xc0) === 0;
    const isVal = (op & 0x80) !== 0;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? span : (op & 3) + 1;

    let updated = false;
    if (isVal) {
      const old = ((op >> 2) & 0x1f) + 1;
      if (old >= count) return 0;
      if (runlen === 1) { b[p] = valOp(count, 1); updated = true; }
    }
    if (!updated && isZero && runlen === 1) { b[p] = valOp(count, 1); updated = true; }
    if (!updated) {
      // Split the run into up to three opcodes.
      const seq: number[] = [];
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) zeroOps(seq, index - first);
        seq.push(valOp(count, 1));
        if (index !== last) zeroOps(seq, last - index);
      } else {
        const cur = ((op >> 2) & 0x1f) + 1;
        if (index !== first) seq.push(valOp(cur, index - first));
        seq.push(valOp(count, 1));
        if (index !== last) seq.push(valOp(cur, last - index));
      }
      const oldlen = isXzero ? 2 : 1;
      const delta = seq.length - oldlen;
      if (delta > 0 && this.len + delta > maxBytes) return this.promote(index, count);
      this.reserve(delta + 8);
      b = this.buf;
      if (delta !== 0 && next >= 0) b.copyWithin(next + delta, next, end);
      this.len += delta;
      for (let k = 0; k < seq.length; k++) b[p + k] = seq[k]!;
      end += delta;
    }
    // Step 4: merge adjacent VAL opcodes of the same value around the change.
    p = prev >= 0 ? prev : start;
    let scan = 5;
    while (p < end && scan-- > 0) {
      const o = b[p]!;
      if ((o & 0xc0) === 0x40) { p += 2; continue; }
      if ((o & 0xc0) === 0) { p++; continue; }
      if (p + 1 < end && (b[p + 1]! & 0x80)) {
        const o2 = b[p + 1]!;
        const v1 = ((o >> 2) & 0x1f) + 1;
        const v2 = ((o2 >> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (o2 & 3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end);
            this.len--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    invalidateCache(b);
    return 1;
  }
}

function valOp(val: number, len: number): number { return 0x80 | ((val - 1) << 2) | (len - 1); }

function zeroOps(seq: number[], len: number): void {
  if (len > SPARSE_ZERO_MAX_LEN) { seq.push(0x40 | ((len - 1) >> 8), (len - 1) & 0xff); }
  else seq.push(len - 1);
}

/** Maximum of each register of a value into max (16384 bytes); false when malformed. */
export function mergeInto(max: Uint8Array, v: Uint8Array): boolean {
  if (v[4] === HLL_DENSE) {
    // Three bytes hold four registers.
    let p = HLL_HDR_SIZE;
    for (let i = 0; i < HLL_REGISTERS; i += 4, p += 3) {
      const b0 = v[p]!, b1 = v[p + 1]!, b2 = v[p + 2]!;
      const r0 = b0 & 63, r1 = ((b0 >> 6) | (b1 << 2)) & 63;
      const r2 = ((b1 >> 4) | (b2 << 4)) & 63, r3 = b2 >> 2;
      if (r0 > max[i]!) max[i] = r0;
      if (r1 > max[i + 1]!) max[i + 1] = r1;
      if (r2 > max[i + 2]!) max[i + 2] = r2;
      if (r3 > max[i + 3]!) max[i + 3] = r3;
    }
    return true;
  }
  let i = 0;
  const end = v.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = v[p]!;
    if ((op & 0xc0) === 0) { i += (op & 0x3f) + 1; p++; }
    else if ((op & 0xc0) === 0x40) { i += (((op & 0x3f) << 8) | (p + 1 < end ? v[p + 1]! : 0)) + 1; p += 2; }
    else {
      let run = (op & 3) + 1;
      const val = ((op >> 2) & 0x1f) + 1;
      if (run + i > HLL_REGISTERS) break;
      while (run-- > 0) { if (val > max[i]!) max[i] = val; i++; }
      p++;
    }
  }
  return i === HLL_REGISTERS;
}

// ------------------------------------------------------------------ estimator

function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1, z = x, zp: number;
  do { x *= x; zp = z; z += x * y; y += y; } while (zp !== z);
  return z;
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1, z = 1 - x, zp: number;
  do { x = Math.sqrt(x); zp = z; y *= 0.5; const d = 1 - x; z -= d * d * y; } while (zp !== z);
  return z / 3;
}

/** Ertl's improved estimator over a register histogram (as Valkey's hllCount). */
export function estimate(histo: Int32Array): number {
  const m = HLL_REGISTERS;
  let z = m * tau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) { z += histo[j]!; z *= 0.5; }
  z += m * sigma(histo[0]! / m);
  return Math.round(ALPHA_INF * m * m / z);
}

/** Cardinality estimate of a value; -1 when a sparse value is malformed. */
export function hllCount(v: Uint8Array): number {
  const histo = new Int32Array(64);
  if (v[4] === HLL_DENSE) denseHisto(v, histo);
  else if (!sparseHisto(v, histo)) return -1;
  return estimate(histo);
}

/** Cardinality estimate of raw 8-bit registers. */
export function rawCount(regs: Uint8Array): number {
  const histo = new Int32Array(64);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[regs[i]! & 63]!++;
  return estimate(histo);
}

/** Text of the sparse opcodes as PFDEBUG DECODE shows them. */
export function decodeSparse(v: Uint8Array): string {
  const out: string[] = [];
  const end = v.length;
  let p = HLL_HDR_SIZE;
  while (p < end) {
    const op = v[p]!;
    if ((op & 0xc0) === 0) { out.push(`z:${(op & 0x3f) + 1}`); p++; }
    else if ((op & 0xc0) === 0x40) { out.push(`Z:${(((op & 0x3f) << 8) | (p + 1 < end ? v[p + 1]! : 0)) + 1}`); p += 2; }
    else { out.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`); p++; }
  }
  return out.join(' ');
}
