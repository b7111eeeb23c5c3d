// CRC-64 as used by RDB files and DUMP payloads: the "Jones" polynomial 0xad93d23594c935a9,
// reflected input and output, initial value 0, no final xor. crc64(0, "123456789") is
// 0xe9c6d914c4b8d9ca.
//
// The 64-bit register is kept as two unsigned 32-bit halves so the byte loop stays in small
// integers. Eight tables (slicing-by-8) let the main loop consume 8 bytes per step.

const POLY = 0xad93d23594c935a9n;

function reflect64(v: bigint): bigint {
  let r = 0n;
  for (let i = 0; i < 64; i++) { r = (r << 1n) | (v & 1n); v >>= 1n; }
  return r;
}

const RPOLY = reflect64(POLY);
const P_LO = Number(RPOLY & 0xffffffffn) >>> 0;
const P_HI = Number(RPOLY >> 32n) >>> 0;

/** T_LO[k * 256 + i], T_HI[k * 256 + i]: slicing tables, k = 0..7. */
const T_LO = new Uint32Array(8 * 256);
const T_HI = new Uint32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let lo = i, hi = 0;
  for (let j = 0; j < 8; j++) {
    const bit = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (bit) { lo = (lo ^ P_LO) >>> 0; hi = (hi ^ P_HI) >>> 0; }
  }
  T_LO[i] = lo; T_HI[i] = hi;
}
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const plo = T_LO[(k - 1) * 256 + i]!, phi = T_HI[(k - 1) * 256 + i]!;
    const idx = plo & 0xff;
    T_LO[k * 256 + i] = (((plo >>> 8) | ((phi & 0xff) << 24)) ^ T_LO[idx]!) >>> 0;
    T_HI[k * 256 + i] = ((phi >>> 8) ^ T_HI[idx]!) >>> 0;
  }
}

/** A running CRC-64 over a byte stream. */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(b: Uint8Array, start = 0, end = b.length): this {
    let lo = this.lo, hi = this.hi;
    let i = start;
    const end8 = start + ((end - start) & ~7);
    while (i < end8) {
      const l = (lo ^ (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24))) >>> 0;
      const h = (hi ^ (b[i + 4]! | (b[i + 5]! << 8) | (b[i + 6]! << 16) | (b[i + 7]! << 24))) >>> 0;
      const i7 = l & 0xff, i6 = (l >>> 8) & 0xff, i5 = (l >>> 16) & 0xff, i4 = l >>> 24;
      const i3 = h & 0xff, i2 = (h >>> 8) & 0xff, i1 = (h >>> 16) & 0xff, i0 = h >>> 24;
      lo = (T_LO[7 * 256 + i7]! ^ T_LO[6 * 256 + i6]! ^ T_LO[5 * 256 + i5]! ^ T_LO[4 * 256 + i4]! ^
        T_LO[3 * 256 + i3]! ^ T_LO[2 * 256 + i2]! ^ T_LO[256 + i1]! ^ T_LO[i0]!) >>> 0;
      hi = (T_HI[7 * 256 + i7]! ^ T_HI[6 * 256 + i6]! ^ T_HI[5 * 256 + i5]! ^ T_HI[4 * 256 + i4]! ^
        T_HI[3 * 256 + i3]! ^ T_HI[2 * 256 + i2]! ^ T_HI[256 + i1]! ^ T_HI[i0]!) >>> 0;
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ b[i]!) & 0xff;
      lo = (((lo >>> 8) | ((hi & 0xff) << 24)) ^ T_LO[idx]!) >>> 0;
      hi = ((hi >>> 8) ^ T_HI[idx]!) >>> 0;
    }
    this.lo = lo; this.hi = hi;
    return this;
  }

  /** The 8 little-endian bytes of the CRC, as stored after an RDB's EOF opcode. */
  bytes(): Buffer {
    const b = Buffer.allocUnsafe(8);
    b.writeUInt32LE(this.lo, 0);
    b.writeUInt32LE(this.hi, 4);
    return b;
  }

  value(): bigint { return (BigInt(this.hi) << 32n) | BigInt(this.lo); }
}

/** CRC-64 of a buffer (from a zero register). */
export function crc64(b: Uint8Array, start = 0, end = b.length): bigint {
  return new Crc64().update(b, start, end).value();
}
