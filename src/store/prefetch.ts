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
import type { Arena } from './arena.js';
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
  for (let i = 0; i < n; i++) bucketOf[i] = dict.chainHead(hashBytes(b, offs[2 * i]!, offs[2 * i + 1]!));
  let s = 0;
  for (let i = 0; i < n; i++) {
    const a = bucketOf[i]!;
    if (a !== 0) s += arena.keyLen(a);
  }
  sink = s;
  batches++;
}

/** For tests: the value the last prefetch read, and the number of batches prefetched. */
export function prefetchSink(): number { return sink; }
export function prefetchBatches(): number { return batches; }
