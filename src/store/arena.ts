// Off-heap entry arena.
//
// Every key lives in one block inside an 8 MiB slab. Slabs are external memory: the garbage
// collector never scans their contents, so millions of keys cost no GC time.
//
// Shared slabs are windows of a few large reserved ArrayBuffers ("chunks": 64 MiB, then doubling
// up to 1 GiB). A fresh ArrayBuffer is zero-filled by calloc, which maps big sizes lazily, so a
// reserved but untouched chunk costs address space, not RSS. V8 counts every ArrayBuffer as
// external memory and starts a GC each time that grows by 64 MiB since the last one: one
// ArrayBuffer per 8 MiB slab made key loading run a mark-compact every 8 slabs, and even a few
// growing chunks cost a scavenge or mark-compact each, under load some over 10 ms. Chunks are
// therefore SharedArrayBuffers, whose memory V8 leaves out of that per-isolate count (it cannot
// tell which isolate owns shared memory). Chunks are never freed, so the count has nothing to
// trigger. Dedicated slabs (one big value each, freed with the value) stay ArrayBuffers, so that
// the GC still runs when many of them die.
//
// Block layout (byte offsets from the block start, 8-byte aligned):
//   0  u32 next      address of the next block in the same hash bucket (0 = end of chain)
//   4  u32 ttlPos    position of this key in its database's TTL index (valid when expire != 0)
//   8  u32 meta      type (4 bits) | encoding (4 bits) | LRU clock or LFU data (24 bits)
//  12  u32 keyLen
//  16  u32 valLen    inline string length, or index into `objs` when FLAG_OBJ is set
//  20  u8  sizeClass (DEDICATED for blocks that own a whole slab)
//  21  u8  flags
//  24  f64 expire    absolute unix time in ms, 0 = no TTL
//  32  key bytes, then inline value bytes
//
// An address is a u32: slabId * 2^20 + (offset / 8). Address 0 is never handed out.
// Freed blocks go to per-size-class free lists and are reused; small blocks are bump-allocated.
// Values that do not fit inline (and every non-string type) live in `objs`, a JS array
// indexed from the block, so collection types hang off the same entries.

/** A chunk of shared slabs (see above); PEREGRINE_CHUNK_AB=1 uses plain ArrayBuffers. */
const newChunk: (size: number) => ArrayBufferLike =
  typeof SharedArrayBuffer === 'function' && process.env.PEREGRINE_CHUNK_AB !== '1'
    ? (size) => new SharedArrayBuffer(size) : (size) => new ArrayBuffer(size);

export const HDR = 32;
export const SLAB_SHIFT = 23;
export const SLAB_SIZE = 1 << SLAB_SHIFT;
const UNITS_SHIFT = 20; // SLAB_SIZE / 8 units per slab
const UNIT_MASK = (1 << UNITS_SHIFT) - 1;
export const MAX_SLABS = 4096;
/** First reserved chunk, and the largest (bytes; multiples of SLAB_SIZE). */
const CHUNK_FIRST = 64 * 1024 * 1024;
const CHUNK_MAX = 1024 * 1024 * 1024;
/** Largest block that is carved out of a shared slab. Larger blocks get a dedicated slab. */
export const MAX_CLASS_BLOCK = 16384;
/** Values longer than this are stored out of line (in `objs`). */
export const MAX_INLINE_VALUE = 8192;

export const FLAG_OBJ = 1;
const DEDICATED = 255;
/** Byte offset of the block inside a dedicated slab (keeps its address non-zero). */
const DEDICATED_OFFSET = 8;

// Size classes: 8-byte steps to 256, then ~12.5% steps up to MAX_CLASS_BLOCK.
const classSizes: number[] = [];
for (let s = 40; s <= 256; s += 8) classSizes.push(s);
for (let s = 256; s < MAX_CLASS_BLOCK; ) {
  s = Math.min(MAX_CLASS_BLOCK, (s + (s >> 3) + 7) & ~7);
  classSizes.push(s);
}
const CLASS_SIZE = Uint32Array.from(classSizes);
const NUM_CLASSES = CLASS_SIZE.length;
const classLookup = new Uint8Array((MAX_CLASS_BLOCK >> 3) + 1);
{
  let c = 0;
  for (let u = 0; u <= MAX_CLASS_BLOCK >> 3; u++) {
    while (CLASS_SIZE[c]! < u << 3) c++;
    classLookup[u] = c;
  }
}

export function blockSizeFor(keyLen: number, valLen: number): number {
  return HDR + keyLen + valLen;
}

export class Arena {
  /** Byte views of each slab. */
  u8: Buffer[] = [];
  /** The ArrayBuffer each slab views and the slab's byte offset in it (for views without `.buffer` lookups). */
  slabAb: ArrayBufferLike[] = [];
  slabBase: number[] = [];
  /** A DataView over each slab's ArrayBuffer (absolute offsets: slabBase + offset), for short copies out of shared memory. */
  slabDv: DataView[] = [];
  private chunkDv: DataView | null = null;
  /** u32 views of each slab. */
  u32: Uint32Array[] = [];
  /** f64 views of each slab. */
  f64: Float64Array[] = [];
  private freeSlabIds: number[] = [];
  private freeHead = new Uint32Array(NUM_CLASSES);
  private curSlab = -1;
  private curOff = SLAB_SIZE;
  /** The chunk shared slabs are being carved from, the next slab offset in it, and its size. */
  private chunk: ArrayBufferLike | null = null;
  private chunkOff = 0;
  private nextChunk = CHUNK_FIRST;
  /** Bytes of live blocks (by class size). */
  usedBytes = 0;
  /**
   * Bytes of ArrayBuffers the arena holds (reserved chunks, committed lazily, plus dedicated
   * slabs): the part of V8's external memory that is the arena's.
   */
  slabBytes = 0;
  /** Out-of-line values and collection objects. */
  objs: unknown[] = [undefined];
  private freeObjs: number[] = [];
  /**
   * maxmemory accounting of out-of-line objects: the last memoryUsage() figure of each object,
   * their sum, and the objects touched since (re-measured by settleObjects()).
   */
  objBytes = 0;
  private objSize: number[] = [0];
  private objDirty: number[] = [0];
  private dirtyObjs: number[] = [];
  /**
   * Asked before a key index grows (bytes the new table needs, current fill ratio); false keeps
   * the table as it is for now (maxmemory: no growth that would push used memory over the limit).
   */
  growGuard: ((moreBytes: number, fill: number) => boolean) | null = null;
  /**
   * Told the address of every block handed out while set (a snapshot in progress marks the blocks
   * created after its start, which it must leave out). null otherwise.
   */
  onAlloc: ((a: number) => void) | null = null;

  constructor() {}

  private newSlab(size: number): number {
    const id = this.freeSlabIds.length ? this.freeSlabIds.pop()! : this.u8.length;
    if (id >= MAX_SLABS) throw new Error('OOM: arena address space exhausted');
    const ab = new ArrayBuffer(size);
    this.u8[id] = Buffer.from(ab);
    this.slabAb[id] = ab; this.slabBase[id] = 0;
    this.slabDv[id] = new DataView(ab);
    this.u32[id] = new Uint32Array(ab);
    this.f64[id] = new Float64Array(ab);
    this.slabBytes += size;
    return id;
  }

  /** A new shared slab: the next 8 MiB window of the current chunk (reserving one when needed). */
  private newSharedSlab(): number {
    if (this.chunk === null || this.chunkOff + SLAB_SIZE > this.chunk.byteLength) {
      let size = this.nextChunk;
      let ab: ArrayBufferLike | null = null;
      // Fall back to smaller reservations when the address space or overcommit refuses a big one.
      for (; ab === null; size = Math.max(SLAB_SIZE, size >>> 1)) {
        try { ab = newChunk(size); } catch (e) { if (size === SLAB_SIZE) throw e; }
      }
      this.chunk = ab;
      this.chunkDv = new DataView(ab);
      this.chunkOff = 0;
      this.slabBytes += ab.byteLength;
      this.nextChunk = Math.min(CHUNK_MAX, ab.byteLength * 2);
    }
    const id = this.freeSlabIds.length ? this.freeSlabIds.pop()! : this.u8.length;
    if (id >= MAX_SLABS) throw new Error('OOM: arena address space exhausted');
    const ab = this.chunk, off = this.chunkOff;
    this.chunkOff += SLAB_SIZE;
    this.u8[id] = Buffer.from(ab, off, SLAB_SIZE);
    this.slabAb[id] = ab; this.slabBase[id] = off;
    this.slabDv[id] = this.chunkDv!;
    this.u32[id] = new Uint32Array(ab, off, SLAB_SIZE >>> 2);
    this.f64[id] = new Float64Array(ab, off, SLAB_SIZE >>> 3);
    return id;
  }

  /** Allocates a block of at least `size` bytes; returns its address. Header is zeroed. */
  alloc(size: number): number {
    let addr: number;
    let cls: number;
    if (size > MAX_CLASS_BLOCK) {
      // The block starts 8 bytes into its own slab, so that its address (unit 1 of the slab)
      // is never 0 even when the slab gets id 0.
      const bytes = ((size + 7) & ~7) + DEDICATED_OFFSET;
      const id = this.newSlab(bytes);
      addr = id * (1 << UNITS_SHIFT) + (DEDICATED_OFFSET >>> 3);
      cls = DEDICATED;
      this.usedBytes += bytes;
    } else {
      cls = classLookup[(size + 7) >> 3]!;
      const head = this.freeHead[cls]!;
      if (head !== 0) {
        addr = head;
        this.freeHead[cls] = this.u32[head >>> UNITS_SHIFT]![(head & UNIT_MASK) << 1]!;
      } else {
        const bsize = CLASS_SIZE[cls]!;
        if (this.curOff + bsize > SLAB_SIZE) {
          this.curSlab = this.newSharedSlab();
          this.curOff = this.curSlab === 0 ? 8 : 0; // never hand out address 0
        }
        addr = this.curSlab * (1 << UNITS_SHIFT) + (this.curOff >>> 3);
        this.curOff += bsize;
      }
      this.usedBytes += CLASS_SIZE[cls]!;
    }
    const u32 = this.u32[addr >>> UNITS_SHIFT]!;
    const i = (addr & UNIT_MASK) << 1;
    u32[i] = 0; u32[i + 1] = 0; u32[i + 2] = 0; u32[i + 3] = 0; u32[i + 4] = 0;
    u32[i + 5] = cls; // sizeClass in the low byte, flags zero
    u32[i + 6] = 0; u32[i + 7] = 0; // expire = 0.0
    if (this.onAlloc !== null) this.onAlloc(addr);
    return addr;
  }

  /** Capacity in bytes of the block at addr. */
  capacity(addr: number): number {
    const cls = this.u8[addr >>> UNITS_SHIFT]![((addr & UNIT_MASK) << 3) + 20]!;
    if (cls === DEDICATED) return this.u8[addr >>> UNITS_SHIFT]!.length - DEDICATED_OFFSET;
    return CLASS_SIZE[cls]!;
  }

  free(addr: number): void {
    const slab = addr >>> UNITS_SHIFT;
    const u8 = this.u8[slab]!;
    const off = (addr & UNIT_MASK) << 3;
    if (u8[off + 21]! & FLAG_OBJ) this.releaseObj(this.u32[slab]![(off >> 2) + 4]!);
    const cls = u8[off + 20]!;
    if (cls === DEDICATED) {
      this.usedBytes -= u8.length;
      this.slabBytes -= u8.length;
      // Drop the views so the memory can be reclaimed; keep the id for reuse.
      (this.u8 as (Buffer | undefined)[])[slab] = undefined;
      (this.u32 as (Uint32Array | undefined)[])[slab] = undefined;
      (this.f64 as (Float64Array | undefined)[])[slab] = undefined;
      (this.slabAb as (ArrayBufferLike | undefined)[])[slab] = undefined;
      (this.slabDv as (DataView | undefined)[])[slab] = undefined;
      this.freeSlabIds.push(slab);
      return;
    }
    this.usedBytes -= CLASS_SIZE[cls]!;
    this.u32[slab]![off >> 2] = this.freeHead[cls]!;
    this.freeHead[cls] = addr;
  }

  /** Number of slab ids in use (shared and dedicated), out of MAX_SLABS. */
  slabCount(): number { return this.u8.length - this.freeSlabIds.length; }

  /** Drops everything (FLUSHALL). */
  reset(): void {
    this.u8 = []; this.u32 = []; this.f64 = []; this.slabAb = []; this.slabBase = []; this.slabDv = []; this.chunkDv = null;
    this.freeSlabIds = [];
    this.freeHead.fill(0);
    this.curSlab = -1; this.curOff = SLAB_SIZE;
    this.chunk = null; this.chunkOff = 0; this.nextChunk = CHUNK_FIRST;
    this.usedBytes = 0; this.slabBytes = 0;
    this.objs = [undefined]; this.freeObjs = [];
    this.objBytes = 0; this.objSize = [0]; this.objDirty = [0]; this.dirtyObjs = [];
  }

  // ---- out-of-line objects ----
  storeObj(o: unknown): number {
    let i: number;
    if (this.freeObjs.length) {
      i = this.freeObjs.pop()!;
      this.objs[i] = o;
    } else {
      this.objs.push(o);
      i = this.objs.length - 1;
      this.objSize.push(0);
      this.objDirty.push(0);
    }
    this.markObj(i);
    return i;
  }
  releaseObj(i: number): void {
    this.objs[i] = undefined;
    this.objBytes -= this.objSize[i]!;
    this.objSize[i] = 0;
    this.freeObjs.push(i);
  }
  /** The object at index i may have changed size: re-measure it at the next settleObjects(). */
  markObj(i: number): void {
    if (this.objDirty[i] === 0) { this.objDirty[i] = 1; this.dirtyObjs.push(i); }
  }
  /** Brings objBytes up to date with the objects touched since the last call. */
  settleObjects(): void {
    const d = this.dirtyObjs;
    if (d.length === 0) return;
    for (let k = 0; k < d.length; k++) {
      const i = d[k]!;
      this.objDirty[i] = 0;
      const o = this.objs[i] as { memoryUsage?: () => number } | undefined;
      const n = o !== undefined && typeof o.memoryUsage === 'function' ? o.memoryUsage() : 0;
      this.objBytes += n - this.objSize[i]!;
      this.objSize[i] = n;
    }
    this.dirtyObjs = [];
  }

  // ---- field accessors ----
  next(a: number): number { return this.u32[a >>> UNITS_SHIFT]![(a & UNIT_MASK) << 1]!; }
  setNext(a: number, v: number): void { this.u32[a >>> UNITS_SHIFT]![(a & UNIT_MASK) << 1] = v; }
  ttlPos(a: number): number { return this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 1]!; }
  setTtlPos(a: number, v: number): void { this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 1] = v; }
  meta(a: number): number { return this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 2]!; }
  setMeta(a: number, v: number): void { this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 2] = v >>> 0; }
  type(a: number): number { return this.meta(a) >>> 28; }
  encoding(a: number): number { return (this.meta(a) >>> 24) & 15; }
  setTypeEnc(a: number, type: number, enc: number): void {
    const m = this.meta(a);
    this.setMeta(a, ((type << 28) | (enc << 24) | (m & 0xffffff)) >>> 0);
  }
  lru(a: number): number { return this.meta(a) & 0xffffff; }
  setLru(a: number, v: number): void {
    const m = this.meta(a);
    this.setMeta(a, ((m & 0xff000000) | (v & 0xffffff)) >>> 0);
  }
  keyLen(a: number): number { return this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 3]!; }
  valLen(a: number): number { return this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 4]!; }
  setValLen(a: number, v: number): void { this.u32[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 1) + 4] = v; }
  flags(a: number): number { return this.u8[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 3) + 21]!; }
  setFlags(a: number, f: number): void { this.u8[a >>> UNITS_SHIFT]![((a & UNIT_MASK) << 3) + 21] = f; }
  expire(a: number): number { return this.f64[a >>> UNITS_SHIFT]![((a & UNIT_MASK)) + 3]!; }
  setExpireField(a: number, ms: number): void { this.f64[a >>> UNITS_SHIFT]![((a & UNIT_MASK)) + 3] = ms; }
  slabOf(a: number): Buffer { return this.u8[a >>> UNITS_SHIFT]!; }
  keyOffset(a: number): number { return ((a & UNIT_MASK) << 3) + HDR; }
  valueOffset(a: number): number { return ((a & UNIT_MASK) << 3) + HDR + this.keyLen(a); }
  /** A Buffer view of the key (valid until the block is freed or moved). */
  keyView(a: number): Buffer {
    const o = ((a & UNIT_MASK) << 3) + HDR;
    return this.u8[a >>> UNITS_SHIFT]!.subarray(o, o + this.keyLen(a));
  }
  /** A copy of the key. */
  keyCopy(a: number): Buffer { return Buffer.from(this.keyView(a)); }

  /** True when the key stored at `a` equals `key`. */
  keyEquals(a: number, key: Buffer): boolean {
    const slab = this.u32[a >>> UNITS_SHIFT]!;
    const base = (a & UNIT_MASK) << 1;
    const len = key.length;
    if (slab[base + 3] !== len) return false;
    const u8 = this.u8[a >>> UNITS_SHIFT]!;
    let o = (base << 2) + HDR;
    for (let i = 0; i < len; i++) if (u8[o++] !== key[i]) return false;
    return true;
  }

  /** Writes header fields and key bytes of a fresh block. */
  initBlock(a: number, key: Buffer, meta: number, valLen: number, flags: number): void {
    const slab = a >>> UNITS_SHIFT;
    const base = (a & UNIT_MASK) << 1;
    const u32 = this.u32[slab]!;
    u32[base + 2] = meta >>> 0;
    u32[base + 3] = key.length;
    u32[base + 4] = valLen;
    this.u8[slab]![(base << 2) + 21] = flags;
    key.copy(this.u8[slab]!, (base << 2) + HDR);
  }

  /** Free capacity stats for MEMORY STATS / INFO. */
  fragmentationBytes(): number { return this.slabBytes - this.usedBytes - this.reservedFreeBytes(); }
  /** Bytes of the current chunk not carved into slabs yet (reserved, never touched). */
  reservedFreeBytes(): number { return this.chunk === null ? 0 : this.chunk.byteLength - this.chunkOff; }
}

export const ADDR_UNITS_SHIFT = UNITS_SHIFT;
export const ADDR_UNIT_MASK = UNIT_MASK;
