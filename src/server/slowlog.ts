// SLOWLOG: commands slower than slowlog-log-slower-than microseconds, newest first.
import type { Client } from './client.js';

export interface SlowlogEntry {
  id: number;
  time: number; // unix seconds
  durationUs: number;
  args: Buffer[];
  addr: string;
  name: string;
}

const MAX_ARGC = 32;
const MAX_ARGLEN = 128;

export class SlowLog {
  entries: SlowlogEntry[] = [];
  nextId = 0;
  /** Microseconds; negative disables the log. */
  threshold = 10000;
  maxLen = 128;

  add(c: Client, argv: Buffer[], durationUs: number): void {
    // A zero-length log is disabled: nothing is recorded and no id is consumed.
    if (this.threshold < 0 || this.maxLen <= 0) return;
    const args: Buffer[] = [];
    const n = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < n; i++) {
      if (n < argv.length && i === n - 1) {
        args.push(Buffer.from(`... (${argv.length - MAX_ARGC + 1} more arguments)`));
        break;
      }
      const a = argv[i]!;
      if (a.length > MAX_ARGLEN) {
        args.push(Buffer.concat([a.subarray(0, MAX_ARGLEN), Buffer.from(`... (${a.length - MAX_ARGLEN} more bytes)`)]));
      } else args.push(Buffer.from(a));
    }
    this.entries.unshift({
      id: this.nextId++, time: Math.floor(Date.now() / 1000), durationUs: Math.floor(durationUs),
      args, addr: c.addr, name: c.name,
    });
    while (this.entries.length > this.maxLen) this.entries.pop();
  }

  reset(): void { this.entries = []; }
}
