// Seeded 32-bit hash over bytes (murmur3 mixing). The seed is random per process so
// that clients cannot precompute colliding keys.
let SEED = (Math.random() * 0x100000000) >>> 0;

export function setHashSeed(seed: number): void { SEED = seed >>> 0; }

export function hashBytes(b: Uint8Array, off: number, len: number): number {
  let h = SEED ^ len;
  let i = off;
  const end4 = off + (len & ~3);
  while (i < end4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
    i += 4;
  }
  const rest = len & 3;
  if (rest !== 0) {
    let k = b[i]!;
    if (rest > 1) k ^= b[i + 1]! << 8;
    if (rest > 2) k ^= b[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export function hashKey(key: Buffer): number { return hashBytes(key, 0, key.length); }
