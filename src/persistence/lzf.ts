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

const table = new Int32Array(HASH_SIZE);

function hash3(b: Uint8Array, i: number): number {
  const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
  return (Math.imul(v, 0x9e3779b1) >>> (32 - HASH_BITS)) & (HASH_SIZE - 1);
}

/**
 * Compresses `input` into at most `maxOut` bytes. Returns the compressed bytes, or null when
 * the result would not fit (the caller then stores the data uncompressed).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  const n = input.length;
  if (n === 0 || maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut + MAX_MATCH + 4);
  table.fill(-1);
  let op = 0;
  // Position of the control byte of the open literal run, and its length.
  let ctrl = op++;
  let lit = 0;
  let ip = 0;
  while (ip + 2 < n) {
    const h = hash3(input, ip);
    const ref = table[h]!;
    table[h] = ip;
    const dist = ip - ref;
    if (ref >= 0 && dist <= MAX_DISTANCE && input[ref] === input[ip] &&
        input[ref + 1] === input[ip + 1] && input[ref + 2] === input[ip + 2]) {
      let len = 3;
      const maxLen = Math.min(MAX_MATCH, n - ip);
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
      if (op >= maxOut) return null;
      // Index a few positions inside the match so later data can refer to them.
      const stop = Math.min(ip + len, n - 2);
      for (let k = ip + 1; k < stop; k++) table[hash3(input, k)] = k;
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
    if (op >= maxOut) return null;
  }
  while (ip < n) {
    out[op++] = input[ip++]!;
    if (++lit === MAX_LITERAL) {
      out[ctrl] = MAX_LITERAL - 1;
      ctrl = op++;
      lit = 0;
    }
    if (op > maxOut) return null;
  }
  if (lit > 0) out[ctrl] = lit - 1; else op--;
  if (op > maxOut) return null;
  return out.subarray(0, op);
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
