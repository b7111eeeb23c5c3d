// LZF compression in the liblzf stream format, which RDB files use for compressed strings.
//
// The stream is a sequence of items:
//   000LLLLL <L+1 literal bytes>                 a literal run of 1..32 bytes
//   LLLooooo oooooooo                            a back reference of L+2 bytes (L = 1..6)
//   111ooooo LLLLLLLL oooooooo                   a back reference of L+9 bytes
// where the 13-bit o is the distance to the referenced bytes minus one.

const HASH_BITS = 14;
const HASH_SIZE = 1 << HASH_BITS;
const MAX_LITERAL = 32;
const MAX_DISTANCE = 1 << 13;
const MAX_MATCH = 264; // (7 + 255) + 2

// The hash table holds input positions shifted by a per-call base: entries written by earlier
// calls are below the current base and read as empty, so no call has to clear the 64 KB table
// (which cost more than compressing a short value). Cleared only when the base wraps.
const table = new Int32Array(HASH_SIZE);
let base = 1;
const BASE_LIMIT = 0x3fffffff;

/** Bytes past `maxOut` that lzfCompressInto may touch in `dst` before it gives up. */
export const LZF_SLACK = MAX_MATCH + 4;

function hash3(b: Uint8Array, i: number): number {
  const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into at most `maxOut` bytes. Returns the compressed bytes, or null when
 * the result would not fit (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  if (input.length === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut + LZF_SLACK);
  const n = lzfCompressInto(input, 0, input.length, maxOut, out, 0);
  return n < 0 ? null : out.subarray(0, n);
}

/**
 * Compresses input[start, end) into dst at dstPos, using at most `maxOut` bytes; dst must have
 * room for maxOut + LZF_SLACK bytes from dstPos. Returns the compressed length, or -1 when the
 * result would not fit. Same output as lzfCompress, without allocating.
 */
export function lzfCompressInto(input: Uint8Array, start: number, end: number, maxOut: number, dst: Uint8Array, dstPos: number): number {
  const n = end - start;
  if (n <= 0 || maxOut <= 0) return -1;
  if (base + n + 1 >= BASE_LIMIT) { table.fill(0); base = 1; }
  // Stored value = absolute position + shift; a value below `base` (an earlier call) is empty.
  const shift = base - start;
  base += n + 1;
  const out = dst;
  const limit = dstPos + maxOut;
  let op = dstPos;
  // Position of the control byte of the open literal run, and its length.
  let ctrl = op++;
  let lit = 0;
  let ip = start;
  while (ip + 2 < end) {
    const h = hash3(input, ip);
    const ref = table[h]! - shift;
    table[h] = ip + shift;
    const dist = ip - ref;
    if (ref >= start && dist <= MAX_DISTANCE && input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 3;
      const maxLen = Math.min(MAX_MATCH, end - ip);
      while (len < maxLen && input[ref + len] === input[ip + len]) len++;
      // Close the literal run (or take back its unused control byte).
      if (lit > 0) out[ctrl] = lit - 1; else op--;
      const off = dist - 1;
      const l = len - 2;
      if (l < 7) {
        out[op++] = (l << 5) | (off >>> 8);
      } else {
        out[op++] = (7 << 5) | (off >>> 8);
        out[op++] = l - 7;
      }
      out[op++] = off & 0xff;
      if (op >= limit) return -1;
      // Index the last two positions of the match (as liblzf's VERY_FAST mode, which Valkey
      // builds): indexing every one made long runs cost a hash per byte for little gain.
      const stop = Math.min(ip + len, end - 2);
      for (let k = Math.max(ip + 1, ip + len - 2); k < stop; k++) table[hash3(input, k)] = k + shift;
      ip += len;
      ctrl = op++;
      lit = 0;
      continue;
    }
    out[op++] = input[ip++]!;
    if (++lit === MAX_LITERAL) {
      out[ctrl] = MAX_LITERAL - 1;
      ctrl = op++;
      lit = 0;
    }
    if (op >= limit) return -1;
  }
  while (ip < end) {
    out[op++] = input[ip++]!;
    if (++lit === MAX_LITERAL) {
      out[ctrl] = MAX_LITERAL - 1;
      ctrl = op++;
      lit = 0;
    }
    if (op > limit) return -1;
  }
  if (lit > 0) out[ctrl] = lit - 1; else op--;
  if (op > limit) return -1;
  return op - dstPos;
}

/**
 * Decompresses an LZF stream that must expand to exactly `outLen` bytes. Returns null when the
 * data is corrupt.
 */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  const n = input.length;
  let ip = 0, op = 0;
  while (ip < n) {
    const c = input[ip++]!;
    if (c < 32) {
      const len = c + 1;
      if (op + len > outLen || ip + len > n) return null;
      for (let k = 0; k < len; k++) out[op++] = input[ip++]!;
      continue;
    }
    let len = c >>> 5;
    if (len === 7) {
      if (ip >= n) return null;
      len += input[ip++]!;
    }
    if (ip >= n) return null;
    const ref = op - ((c & 0x1f) << 8) - input[ip++]! - 1;
    len += 2;
    if (ref < 0 || op + len > outLen) return null;
    for (let k = 0; k < len; k++) out[op++] = out[ref + k]!;
  }
  return op === outLen ? out : null;
}
