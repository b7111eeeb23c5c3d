// The per-database key index: a chained hash table whose buckets are a Uint32Array of block
// addresses and whose chains run through the `next` field of each arena block.
//
// Resizing is incremental, as in Valkey: while a resize is in progress two bucket arrays exist
// and every operation (plus a timed step from the server cron) moves a few buckets from the
// old array to the new one. No operation ever rehashes the whole table at once.
//
// SCAN uses the reverse-binary cursor walk, so a full iteration returns every key that was
// present for the whole iteration even if the table grows or shrinks in between.
import { performance } from 'node:perf_hooks';
import { Arena, HDR, ADDR_UNITS_SHIFT, ADDR_UNIT_MASK } from './arena.js';
import { hashBytes } from './hash.js';
import { rev32 } from '../util/bits.js';

const INITIAL_SIZE = 4;


function nextPow2(n: number): number {
  let s = INITIAL_SIZE;
  while (s < n) s *= 2;
  return s;
}

export class Dict {
  t0: Uint32Array = new Uint32Array(0);
  t1: Uint32Array | null = null;
  /** Next t0 bucket to move while rehashing; -1 when not rehashing. */
  rehashIdx = -1;
  size = 0;
  /** Iterators that forbid rehash steps (e.g. during KEYS). */
  pauseRehash = 0;
  /** When false the table does not start automatic resizes. */
  resizeAllowed = true;

  constructor(private readonly arena: Arena) {}

  bucketCount(): number { return this.t0.length + (this.t1 ? this.t1.length : 0); }
  isRehashing(): boolean { return this.rehashIdx >= 0; }

  private hashOfBlock(a: number): number {
    const slab = this.arena.u8[a >>> ADDR_UNITS_SHIFT]!;
    const off = ((a & ADDR_UNIT_MASK) << 3);
    return hashBytes(slab, off + HDR, this.arena.keyLen(a));
  }

  /** Moves up to n buckets (visiting at most n*10 empty ones). Returns true if more remain. */
  rehash(n: number): boolean {
    if (this.rehashIdx < 0) return false;
    const t0 = this.t0, t1 = this.t1!;
    const mask1 = t1.length - 1;
    const ar = this.arena;
    let emptyVisits = n * 10;
    while (n-- > 0 && this.rehashIdx < t0.length) {
      while (t0[this.rehashIdx] === 0) {
        this.rehashIdx++;
        if (this.rehashIdx >= t0.length) break;
        if (--emptyVisits === 0) return true;
      }
      if (this.rehashIdx >= t0.length) break;
      let a = t0[this.rehashIdx]!;
      while (a !== 0) {
        const nx = ar.next(a);
        const b = this.hashOfBlock(a) & mask1;
        ar.setNext(a, t1[b]!);
        t1[b] = a;
        a = nx;
      }
      t0[this.rehashIdx] = 0;
      this.rehashIdx++;
    }
    if (this.rehashIdx >= t0.length) {
      this.t0 = t1;
      this.t1 = null;
      this.rehashIdx = -1;
      return false;
    }
    return true;
  }

  /** Rehashes for about `ms` milliseconds. */
  rehashMs(ms: number): void {
    if (this.rehashIdx < 0) return;
    const end = performance.now() + ms;
    while (this.rehash(100)) {
      if (performance.now() > end) break;
    }
  }

  private step(): void {
    if (this.rehashIdx >= 0 && this.pauseRehash === 0) this.rehash(1);
  }

  private startResize(newSize: number): void {
    if (this.rehashIdx >= 0) return;
    if (this.t0.length === 0) { this.t0 = new Uint32Array(newSize); return; }
    if (newSize === this.t0.length) return;
    this.t1 = new Uint32Array(newSize);
    this.rehashIdx = 0;
  }

  /** Grows or shrinks when the load factor asks for it. */
  checkResize(): void {
    if (this.rehashIdx >= 0 || !this.resizeAllowed) return;
    const buckets = this.t0.length;
    if (buckets === 0) { this.startResize(INITIAL_SIZE); return; }
    if (this.size >= buckets) {
      const n = nextPow2(this.size * 2);
      const guard = this.arena.growGuard;
      if (guard !== null && !guard(n * 4, this.size / buckets)) return;
      this.startResize(n);
    }
    else if (buckets > INITIAL_SIZE && this.size * 8 < buckets) this.startResize(nextPow2(this.size));
  }

  /**
   * For prefetching: the first block of the chain that holds a key hashing to `h` (0 for an empty
   * bucket), unless the key was added while the current resize runs (find() then looks in the
   * new table too). Buckets below rehashIdx have moved to the new table. No rehash step is taken.
   */
  chainHead(h: number): number {
    const t0 = this.t0;
    if (t0.length === 0) return 0;
    const b0 = h & (t0.length - 1);
    const t1 = this.t1;
    return t1 !== null && b0 < this.rehashIdx ? t1[h & (t1.length - 1)]! : t0[b0]!;
  }

  /** Finds the block address of key (0 when absent). */
  find(key: Buffer, h: number): number {
    if (this.size === 0) return 0;
    this.step();
    const ar = this.arena;
    const t0 = this.t0;
    const b0 = h & (t0.length - 1);
    if (this.rehashIdx < 0 || b0 >= this.rehashIdx) {
      for (let a = t0[b0]!; a !== 0; a = ar.next(a)) if (ar.keyEquals(a, key)) return a;
    }
    const t1 = this.t1;
    if (t1 !== null) {
      for (let a = t1[h & (t1.length - 1)]!; a !== 0; a = ar.next(a)) if (ar.keyEquals(a, key)) return a;
    }
    return 0;
  }

  private bucketArrayFor(h: number): [Uint32Array, number] {
    if (this.t1 !== null) return [this.t1, h & (this.t1.length - 1)];
    return [this.t0, h & (this.t0.length - 1)];
  }

  /** Inserts a block whose key is known to be absent. */
  insert(a: number, h: number): void {
    this.checkResize();
    this.step();
    const [t, b] = this.bucketArrayFor(h);
    this.arena.setNext(a, t[b]!);
    t[b] = a;
    this.size++;
  }

  /** Replaces `oldA` by `newA` in its chain (the block moved). */
  replace(oldA: number, newA: number, h: number): void {
    const ar = this.arena;
    ar.setNext(newA, ar.next(oldA));
    if (this.relink(this.t0, h, oldA, newA)) return;
    if (this.t1 !== null && this.relink(this.t1, h, oldA, newA)) return;
    throw new Error('dict.replace: block not found');
  }

  /** Unlinks block `a` (key hash h). Does not free it. */
  remove(a: number, h: number): void {
    const ar = this.arena;
    const nx = ar.next(a);
    if (this.relink(this.t0, h, a, nx) || (this.t1 !== null && this.relink(this.t1, h, a, nx))) {
      this.size--;
      this.checkResize();
      return;
    }
    throw new Error('dict.remove: block not found');
  }

  private relink(t: Uint32Array, h: number, oldA: number, repl: number): boolean {
    if (t.length === 0) return false;
    const ar = this.arena;
    const b = h & (t.length - 1);
    let p = t[b]!;
    if (p === oldA) { t[b] = repl; return true; }
    while (p !== 0) {
      const nx = ar.next(p);
      if (nx === oldA) { ar.setNext(p, repl); return true; }
      p = nx;
    }
    return false;
  }

  /** Visits one SCAN step; returns the next cursor (0 when done). */
  scan(cursor: number, fn: (a: number) => void): number {
    if (this.size === 0) return 0;
    let v = cursor >>> 0;
    const ar = this.arena;
    const emit = (t: Uint32Array, b: number) => {
      for (let a = t[b]!; a !== 0; ) { const nx = ar.next(a); fn(a); a = nx; }
    };
    this.pauseRehash++;
    try {
      if (this.t1 === null) {
        const m0 = this.t0.length - 1;
        emit(this.t0, v & m0);
        v = (v | ~m0) >>> 0;
        v = rev32(v); v = (v + 1) >>> 0; v = rev32(v);
      } else {
        let small = this.t0, big = this.t1;
        if (small.length > big.length) { const t = small; small = big; big = t; }
        const m0 = small.length - 1, m1 = big.length - 1;
        emit(small, v & m0);
        do {
          emit(big, v & m1);
          v = (v | ~m1) >>> 0;
          v = rev32(v); v = (v + 1) >>> 0; v = rev32(v);
        } while ((v & (m0 ^ m1)) !== 0);
      }
    } finally {
      this.pauseRehash--;
    }
    return v;
  }

  /** A uniformly chosen bucket's random entry (0 if empty). */
  random(): number {
    if (this.size === 0) return 0;
    const ar = this.arena;
    for (let tries = 0; tries < 1000000; tries++) {
      let a: number;
      if (this.t1 !== null) {
        const total = this.t0.length + this.t1.length;
        const r = Math.floor(Math.random() * total);
        a = r < this.t0.length ? this.t0[r]! : this.t1[r - this.t0.length]!;
      } else {
        a = this.t0[Math.floor(Math.random() * this.t0.length)]!;
      }
      if (a === 0) continue;
      let n = 0;
      for (let p = a; p !== 0; p = ar.next(p)) n++;
      let k = Math.floor(Math.random() * n);
      while (k-- > 0) a = ar.next(a);
      return a;
    }
    return 0;
  }

  /** Calls fn for every block; fn may remove the block it is given. */
  forEach(fn: (a: number) => void): void {
    const ar = this.arena;
    this.pauseRehash++;
    try {
      for (const t of this.t1 ? [this.t0, this.t1] : [this.t0]) {
        for (let b = 0; b < t.length; b++) {
          for (let a = t[b]!; a !== 0; ) { const nx = ar.next(a); fn(a); a = nx; }
        }
      }
    } finally {
      this.pauseRehash--;
    }
  }

  /** Forgets every entry (the caller frees the blocks). */
  clear(): void {
    this.t0 = new Uint32Array(0);
    this.t1 = null;
    this.rehashIdx = -1;
    this.size = 0;
  }
}
