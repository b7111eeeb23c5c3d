// The latency monitor: per-event samples above latency-monitor-threshold (ms), kept for the
// last 160 seconds (one slot per second), as LATENCY LATEST / HISTORY / GRAPH report them.
export interface LatencySample { time: number; latency: number }

export class LatencyEvent {
  samples: LatencySample[] = [];
  max = 0;
  constructor(readonly name: string) {}
}

const HISTORY = 160;

export class LatencyMonitor {
  events = new Map<string, LatencyEvent>();

  add(event: string, ms: number): void {
    const latency = Math.floor(ms);
    const now = Math.floor(Date.now() / 1000);
    let e = this.events.get(event);
    if (!e) { e = new LatencyEvent(event); this.events.set(event, e); }
    if (latency > e.max) e.max = latency;
    const last = e.samples[e.samples.length - 1];
    if (last && last.time === now) {
      if (latency > last.latency) last.latency = latency;
      return;
    }
    e.samples.push({ time: now, latency });
    if (e.samples.length > HISTORY) e.samples.shift();
  }

  /** Deletes every event, or the named ones (case-insensitive); returns how many were deleted. */
  reset(names?: string[]): number {
    if (!names || names.length === 0) { const n = this.events.size; this.events.clear(); return n; }
    let n = 0;
    for (const name of names) {
      const want = name.toLowerCase();
      for (const key of [...this.events.keys()]) {
        if (key.toLowerCase() === want) { this.events.delete(key); n++; }
      }
    }
    return n;
  }

  /** The event named `name` (case-sensitive, as Valkey's event dictionary). */
  get(name: string): LatencyEvent | undefined { return this.events.get(name); }
}
