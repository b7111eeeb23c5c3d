// Listpack entry layout shared by every structure that stores Valkey-format listpacks
// (lists, stream nodes): an encoding byte (plus data), then a backward length of 1-5 bytes.

/** Bytes of the backward-length field for an entry whose encoding+data take l bytes. */
export function backlenSize(l: number): number {
  return l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
}

/**
 * Writes the backward length of an entry whose encoding+data take l bytes at q (most significant
 * 7-bit group first; every byte after the first has bit 7 set); returns the offset after it.
 */
export function writeBacklen(buf: Buffer, q: number, l: number): number {
  if (l <= 127) { buf[q] = l; return q + 1; }
  if (l < 16383) { buf[q] = l >> 7; buf[q + 1] = (l & 127) | 128; return q + 2; }
  if (l < 2097151) {
    buf[q] = l >> 14; buf[q + 1] = ((l >> 7) & 127) | 128; buf[q + 2] = (l & 127) | 128;
    return q + 3;
  }
  if (l < 268435455) {
    buf[q] = l >>> 21; buf[q + 1] = ((l >>> 14) & 127) | 128; buf[q + 2] = ((l >>> 7) & 127) | 128;
    buf[q + 3] = (l & 127) | 128;
    return q + 4;
  }
  buf[q] = Math.floor(l / 268435456); buf[q + 1] = ((l >>> 21) & 127) | 128; buf[q + 2] = ((l >>> 14) & 127) | 128;
  buf[q + 3] = ((l >>> 7) & 127) | 128; buf[q + 4] = (l & 127) | 128;
  return q + 5;
}

/** Bytes of the encoding and data of the entry at p, or -1 for an unknown encoding byte. */
export function encDataLen(buf: Buffer, p: number): number {
  const b = buf[p]!;
  if (b < 0x80) return 1;
  if (b < 0xc0) return 1 + (b & 0x3f);
  if (b < 0xe0) return 2;
  if (b < 0xf0) return 2 + (((b & 0x0f) << 8) | buf[p + 1]!);
  switch (b) {
    case 0xf0: return 5 + buf.readUInt32LE(p + 1);
    case 0xf1: return 3;
    case 0xf2: return 4;
    case 0xf3: return 5;
    case 0xf4: return 9;
  }
  return -1;
}
