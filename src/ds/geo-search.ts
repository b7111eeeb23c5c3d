// The match collection behind GEOSEARCH / GEORADIUS*: the members of a sorted set found inside a
// search shape are recorded in reusable typed arrays (distance, score and where the member bytes
// are) instead of one object and one Buffer per match, and the order Valkey replies in is then
// computed over an index permutation:
//  - every match, ordered (ASC/DESC): Valkey uses the C library's qsort, a stable merge sort in
//    glibc, so equal distances keep the scan order;
//  - only the best `count` (COUNT without ANY, more matches than count): Valkey uses a partial
//    Bentley-McIlroy quicksort that only finishes the partitions overlapping the first `count`
//    slots. Its result for equal distances depends on the exact sequence of swaps, so
//    `selectFirst` performs the same partitioning steps on the permutation (linear on average,
//    plus an n log n sort of the kept prefix) and ties come out exactly as Valkey's.
// Scores decode to the centre of their 52-bit geohash cell with plain arithmetic (no arrays).
import type { ZsetObj } from './zset.js';
import { distanceInShape, GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, type GeoShape } from '../util/geohash.js';
import { squash32 } from '../util/bits.js';

const TWO32 = 4294967296;
/** Equal-score runs at least this long are recorded without visiting their members. */
const RUN_MIN = 64;
/** Walk slice sizes (see collect). */
const SLICE_MIN = 32;
const SLICE_MAX = 8192;
const CELLS = 2 ** 26;


/** Results of decodeInto. */
export let decodedLon = 0;
export let decodedLat = 0;

/**
 * Decodes a stored score (a 52-bit geohash) into decodedLon / decodedLat, the centre of its cell
 * clamped to the WGS84 ranges: the same arithmetic as util/geohash decodeScore for the scores
 * GEOADD writes, without the intermediate arrays. Returns false for scores outside [0, 2^52]
 * (the caller then uses the general decoder).
 */
export function decodeInto(score: number): boolean {
  if (!(score >= 0 && score < 2 ** 53)) return false;
  const s = Math.trunc(score);
  const hi = Math.floor(s / TWO32);
  const lo = (s - hi * TWO32) >>> 0;
  const h = hi >>> 0;
  const ilat = (squash32(lo) | (squash32(h) << 16)) >>> 0;
  const ilon = (squash32(lo >>> 1) | (squash32(h >>> 1) << 16)) >>> 0;
  const latScale = GEO_LAT_MAX - GEO_LAT_MIN;
  const lonScale = GEO_LONG_MAX - GEO_LONG_MIN;
  const latMin = GEO_LAT_MIN + (ilat * 1.0 / CELLS) * latScale;
  const latMax = GEO_LAT_MIN + ((ilat + 1) * 1.0 / CELLS) * latScale;
  const lonMin = GEO_LONG_MIN + (ilon * 1.0 / CELLS) * lonScale;
  const lonMax = GEO_LONG_MIN + ((ilon + 1) * 1.0 / CELLS) * lonScale;
  let lon = (lonMin + lonMax) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (latMin + latMax) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  decodedLon = lon;
  decodedLat = lat;
  return true;
}

/**
 * Matches of one search, in scan order. One instance is reused by every search (commands run
 * one at a time); `reset` keeps the arrays, which grow by doubling and shrink back when a large
 * capacity goes mostly unused.
 */
export class GeoMatches {
  n = 0;
  dist = new Float64Array(256);
  /**
   * Member bytes: offset and length in `shared` (the set's own member heap), or offset and ~length
   * (negative) in `own` for members copied there. Scores are not kept: the few reply rows look
   * them up (three stores per match measure clearly faster than five on dense sets).
   */
  off = new Int32Array(256);
  len = new Int32Array(256);
  /** Index permutation giving the reply order. */
  order = new Int32Array(256);
  shared: Buffer | null = null;
  own = Buffer.allocUnsafeSlow(4096);
  ownUsed = 0;
  /** Decoder fallback for scores decodeInto does not handle. */
  decodeSlow: ((score: number) => [number, number]) | null = null;

  reset(): void {
    // Large arrays stay while searches keep using a good part of them.
    if (this.dist.length > 1 << 16 && this.n < this.dist.length >>> 3) { this.n = 0; this.alloc(256); }
    if (this.own.length > 1 << 20 && this.ownUsed < this.own.length >>> 3) this.own = Buffer.allocUnsafeSlow(4096);
    this.n = 0;
    this.shared = null;
    this.ownUsed = 0;
    this.runs = 0;
    this.set = null;
    this.rBuf = this.own;
  }

  private alloc(cap: number): void {
    const keep = Math.min(this.n, cap);
    const grow = <T extends Float64Array | Int32Array | Uint8Array>(a: T, b: T): T => { b.set(a.subarray(0, keep)); return b; };
    this.dist = grow(this.dist, new Float64Array(cap));
    this.off = grow(this.off, new Int32Array(cap));
    this.len = grow(this.len, new Int32Array(cap));
    this.order = new Int32Array(cap);
  }

  /** Appends a match whose member is buf[off, off+len); `stable` says buf outlives the search. */
  push(d: number, buf: Buffer, off: number, len: number, stable: boolean): void {
    const i = this.n;
    if (i === this.dist.length) this.alloc(i * 2);
    this.dist[i] = d;
    if (stable && (this.shared === null || this.shared === buf)) {
      this.shared = buf;
      this.off[i] = off;
      this.len[i] = len;
    } else {
      if (this.ownUsed + len > this.own.length) {
        const nb = Buffer.allocUnsafeSlow(Math.max(this.own.length * 2, this.ownUsed + len));
        this.own.copy(nb, 0, 0, this.ownUsed);
        this.own = nb;
      }
      const o = this.own, p = this.ownUsed;
      if (len <= 32) for (let k = 0; k < len; k++) o[p + k] = buf[off + k]!;
      else buf.copy(o, p, off, off + len);
      this.off[i] = p;
      this.len[i] = ~len;
      this.ownUsed = p + len;
    }
    this.n = i + 1;
  }

  /**
   * Runs of equal scores: matches [runIndex[k], runIndex[k] + runLength[k]) are the set's
   * elements from rank runRank[k] on. Their off/len slots are unused; members are found by rank.
   */
  runs = 0;
  runIndex: number[] = [];
  runLength: number[] = [];
  runRank: number[] = [];
  /** The set searched (runs resolve their members in it). */
  set: ZsetObj | null = null;

  /** Appends `count` matches at distance d that are the set's elements from `rank` on. */
  private pushRun(d: number, rank: number, count: number): void {
    const i = this.n;
    if (i + count > this.dist.length) {
      let cap = this.dist.length * 2;
      while (cap < i + count) cap *= 2;
      this.alloc(cap);
    }
    this.dist.fill(d, i, i + count);
    const k = this.runs++;
    this.runIndex[k] = i;
    this.runLength[k] = count;
    this.runRank[k] = rank;
    this.n = i + count;
  }

  /** Rank of match i when it belongs to a run, else -1. */
  private runRankOf(i: number): number {
    let lo = 0, hi = this.runs - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const start = this.runIndex[mid]!;
      if (i < start) hi = mid - 1;
      else if (i >= start + this.runLength[mid]!) lo = mid + 1;
      else return this.runRank[mid]! + (i - start);
    }
    return -1;
  }

  // Location of the member resolved by resolve().
  rBuf: Buffer = this.own;
  rOff = 0;
  rLen = 0;

  /** Sets rBuf / rOff / rLen to match i's member (valid until the next search). */
  resolve(i: number): void {
    if (this.runs !== 0) {
      const r = this.runRankOf(i);
      if (r >= 0) {
        this.set!.each(r, 1, false, (buf, off, len) => { this.rBuf = buf; this.rOff = off; this.rLen = len; });
        return;
      }
    }
    const l = this.len[i]!;
    if (l < 0) { this.rBuf = this.own; this.rLen = ~l; } else { this.rBuf = this.shared!; this.rLen = l; }
    this.rOff = this.off[i]!;
  }

  /** A view of match i's member (valid until the next search). */
  member(i: number): Buffer {
    this.resolve(i);
    return this.rBuf.subarray(this.rOff, this.rOff + this.rLen);
  }

  /**
   * Collects the members with scores in [min, max) that lie inside the shape, stopping once the
   * collection holds `limit` matches (0 = no limit).
   */
  collect(z: ZsetObj, min: number, max: number, shape: GeoShape, limit: number): void {
    let first = z.firstByScore(min, false);
    const last = z.lastByScore(max, true);
    if (first > last || first >= z.length) return;
    this.set = z;
    // The skiplist hands out views of its member heap, which nothing changes during a search;
    // the compact encoding decodes into a scratch buffer, so its members are copied.
    const stable = !z.isPack;
    let stop = false;
    // Equal scores are equal positions: consecutive ones reuse the previous decode and distance,
    // and a long run of them (many members at one place) in the skiplist is recorded as a run
    // found with one rank lookup instead of visiting every member.
    let prevScore = NaN, prevDist = -1, runChecked = false;
    let rank = first, skipTo = -1;
    const visit = (buf: Buffer, off: number, len: number, score: number): void => {
      if (stop || skipTo >= 0) return;
      const r = rank++;
      let d: number;
      if (score === prevScore) {
        d = prevDist;
        if (stable && !runChecked) {
          runChecked = true;
          const end = Math.min(z.lastByScore(score, false), last);
          if (end - r + 1 >= RUN_MIN) {
            let count = end - r + 1;
            if (d >= 0) {
              if (limit && this.n + count > limit) count = limit - this.n;
              this.pushRun(d, r, count);
              if (limit && this.n >= limit) stop = true;
            }
            skipTo = end + 1;
            return;
          }
        }
      } else {
        let lon: number, lat: number;
        if (decodeInto(score)) { lon = decodedLon; lat = decodedLat; } else { [lon, lat] = this.decodeSlow!(score); }
        d = distanceInShape(shape, lon, lat);
        prevScore = score;
        prevDist = d;
        runChecked = false;
      }
      if (d < 0) return;
      const i = this.n;
      if (stable && i < this.dist.length && buf === this.shared) {
        // Fast path: a view of the set's member heap.
        this.dist[i] = d;
        this.off[i] = off;
        this.len[i] = len;
        this.n = i + 1;
      } else {
        this.push(d, buf, off, len, stable);
      }
      if (limit && this.n >= limit) stop = true;
    };
    // The walk goes in slices (growing while nothing interrupts it) so that it can jump over a
    // run or end soon after the limit is reached.
    // (The compact encoding has no runs and restarts each walk from its first entry: one walk.)
    let slice = stable ? SLICE_MIN : last - first + 1;
    while (!stop && first <= last) {
      let k = Math.min(last - first + 1, slice);
      if (limit) k = Math.min(k, Math.max(SLICE_MIN, limit - this.n));
      rank = first;
      skipTo = -1;
      z.each(first, k, false, visit);
      if (skipTo >= 0) { first = skipTo; slice = SLICE_MIN; } else { first += k; if (slice < SLICE_MAX) slice *= 2; }
    }
  }

  /** order[0..n) = scan order. */
  identity(): void {
    const o = this.order;
    for (let i = 0; i < this.n; i++) o[i] = i;
  }

  /** Orders every match by distance (desc: farthest first); ties keep the scan order. */
  sortAll(desc: boolean): void {
    this.identity();
    const d = this.dist;
    const view = this.order.subarray(0, this.n);
    if (desc) view.sort((a, b) => (d[a]! < d[b]! ? 1 : d[a]! > d[b]! ? -1 : a - b));
    else view.sort((a, b) => (d[a]! < d[b]! ? -1 : d[a]! > d[b]! ? 1 : a - b));
  }

  /**
   * Puts the `count` nearest (desc: farthest) matches, in order, at order[0..count), with
   * Valkey's partial quicksort (see the header): 0 < count < n.
   */
  selectFirst(count: number, desc: boolean): void {
    this.identity();
    partialSort(this.order, this.dist, this.n, count - 1, desc);
  }
}

/**
 * Bentley & McIlroy's quicksort ("Engineering a Sort Function": median-of-three or ninther
 * pivot, three-way partition that parks equal keys at both ends, insertion sort below 7
 * elements) over the permutation `p` keyed by `key`, skipping every partition that lies
 * entirely after position `last`: afterwards p[0..last] holds the smallest keys in order.
 */
function partialSort(p: Int32Array, key: Float64Array, total: number, last: number, desc: boolean): void {
  // Three-way comparison of the elements at positions i and j, as qsort comparators return it
  // (NaN compares as "less" either way round).
  const cmp = (i: number, j: number): number => {
    const a = key[p[i]!]!, b = key[p[j]!]!;
    const r = a > b ? 1 : a === b ? 0 : -1;
    return desc ? -r : r;
  };
  const swap = (i: number, j: number): void => { const t = p[i]!; p[i] = p[j]!; p[j] = t; };
  const swapRun = (i: number, j: number, k: number): void => { for (let x = 0; x < k; x++) swap(i + x, j + x); };
  const median = (a: number, b: number, c: number): number =>
    cmp(a, b) < 0 ? (cmp(b, c) < 0 ? b : cmp(a, c) < 0 ? c : a) : (cmp(b, c) > 0 ? b : cmp(a, c) < 0 ? a : c);

  const run = (start: number, n: number): void => {
    for (;;) {
      if (n < 7) {
        for (let m = start + 1; m < start + n; m++) {
          for (let l = m; l > start && cmp(l - 1, l) > 0; l--) swap(l, l - 1);
        }
        return;
      }
      let pm = start + (n >>> 1);
      if (n > 7) {
        let pl = start, pn = start + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = median(pl, pl + d, pl + 2 * d);
          pm = median(pm - d, pm, pm + d);
          pn = median(pn - 2 * d, pn - d, pn);
        }
        pm = median(pl, pm, pn);
      }
      swap(start, pm);
      let pa = start + 1, pb = pa;
      let pc = start + n - 1, pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(pb, start)) <= 0) {
          if (r === 0) { swap(pa, pb); pa++; }
          pb++;
        }
        while (pb <= pc && (r = cmp(pc, start)) >= 0) {
          if (r === 0) { swap(pc, pd); pd--; }
          pc--;
        }
        if (pb > pc) break;
        swap(pb, pc);
        pb++;
        pc--;
      }
      const end = start + n;
      let r = Math.min(pa - start, pb - pa);
      swapRun(start, pb - r, r);
      r = Math.min(pd - pc, end - pd - 1);
      swapRun(pb, end - r, r);
      // The lower partition (keys below the pivot) always starts at `start`; the upper one
      // (keys above it) is only needed when it begins at or before `last`.
      r = pb - pa;
      if (r > 1 && start <= last) run(start, r);
      r = pd - pc;
      if (r <= 1) return;
      start = end - r;
      n = r;
      if (start > last) return;
    }
  };
  run(0, total);
}
