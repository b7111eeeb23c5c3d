// Batch key prefetching (the counterpart of Valkey 8's batched dict prefetch).
//
// With a large keyspace most of a GET or SET is waiting for memory: the bucket, then the entry
// block. Looked up one command at a time, those misses come one after another. When a read holds
// several pipelined requests, their keys are hashed first and the buckets, then the blocks, are
// touched in two short loops whose loads do not depend on each other, so the CPU overlaps the
// misses. The commands then run on warm cache lines. It is only a hint: nothing is stored, a
// wrong guess (a request that has no key in its second argument, a SELECT in the batch) costs
// a few loads.
import type { Dict } from './dict.js';
import { type Arena, ADDR_UNITS_SHIFT, ADDR_UNIT_MASK } from './arena.js';
import { hashBytes } from './hash.js';

/** Most requests looked ahead at per read. */
export const PREFETCH_MAX = 16;
/**
 * Smallest key index worth it: below this the index and most entries stay in the CPU caches and
 * the look-ahead costs more than it saves (measured: no gain at 100k keys, a gain from ~1M).
 */
export const PREFETCH_MIN_KEYS = 1 << 18;
const bucketOf = new Uint32Array(PREFETCH_MAX);
/** Keeps the touched words live, so that the loads are not optimized away. */
let sink = 0;
/** Batches prefetched so far (for tests). */
let batches = 0;

/** Touches the buckets and first chain blocks of `n` keys (`offs`: offset, length pairs in `b`). */
export function prefetchKeys(dict: Dict, arena: Arena, b: Buffer, offs: Int32Array, n: number): void {
  const t0 = dict.t0, t1 = dict.t1;
  if (t0.length === 0) return;
  const m0 = t0.length - 1, m1 = t1 !== null ? t1.length - 1 : 0, moved = dict.rehashIdx;
  for (let i = 0; i < n; i++) {
    const h = hashBytes(b, offs[2 * i]!, offs[2 * i + 1]!);
    // While a resize runs, buckets below rehashIdx have moved to the new table.
    bucketOf[i] = t1 !== null && (h & m0) < moved ? t1[h & m1]! : t0[h & m0]!;
  }
  const u32 = arena.u32;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = bucketOf[i]!;
    if (a !== 0) s += u32[a >>> ADDR_UNITS_SHIFT]![((a & ADDR_UNIT_MASK) << 1) + 3]!;
  }
  sink = s;
  batches++;
}

/** For tests: the value the last prefetch read, and the number of batches prefetched. */
export function prefetchSink(): number { return sink; }
export function prefetchBatches(): number { return batches; }
