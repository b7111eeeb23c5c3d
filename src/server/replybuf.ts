// The reply buffer size CLIENT LIST reports (rbs / rbp) and INFO's reply_buffer_shrinks /
// reply_buffer_expands, sized by Valkey's policy. A Valkey client has a fixed reply buffer (16 KB
// at first) in front of its reply list; the cron halves it while the peak use since the last
// peak reset stays under half of it (down to 1 KB), and doubles it (up to 16 KB) when a batch of
// replies filled it. Peregrine's writer allocates differently (see protocol/writer.ts), so the
// size is the one Valkey's policy gives for this client's traffic: the peak is the largest batch
// of replies sent at once (Client.flush), capped at the buffer size.
import type { Client } from './client.js';
import type { Server } from './server.js';
import { debugSettings } from '../commands/debug.js';
import { onResetStats, registerInfoFields } from './info.js';

/** The buffer a new client starts with, and the largest the cron grows it to. */
export const REPLY_CHUNK_BYTES = 16 * 1024;
/** The smallest the cron shrinks it to. */
const REPLY_MIN_BYTES = 1024;

interface Counters { shrinks: number; expands: number }
const counters = new WeakMap<Server, Counters>();

function countersOf(s: Server): Counters {
  let k = counters.get(s);
  if (k === undefined) { k = { shrinks: 0, expands: 0 }; counters.set(s, k); }
  return k;
}

registerInfoFields('stats', (s) => {
  const k = countersOf(s);
  return { reply_buffer_shrinks: k.shrinks, reply_buffer_expands: k.expands };
});
onResetStats((s) => { const k = countersOf(s); k.shrinks = 0; k.expands = 0; });

/** The peak CLIENT LIST shows (rbp): what of the buffer the largest batch would have used. */
export function replyBufferPeak(c: Client): number { return Math.min(c.rbPeak, c.rbSize); }

/** One cron pass for a client (Valkey's clientsCronResizeOutputBuffer). `now` in ms. */
export function resizeReplyBuffer(s: Server, c: Client, now: number): void {
  const dbg = debugSettings(s);
  if (!dbg.replyBufferResizing) return;
  const size = c.rbSize;
  const peak = replyBufferPeak(c);
  let next = 0;
  if (size / 2 >= REPLY_MIN_BYTES && peak < size / 2) {
    next = Math.max(REPLY_MIN_BYTES, peak + 1);
    countersOf(s).shrinks++;
  } else if (size * 2 < REPLY_CHUNK_BYTES * 2 && peak === size) {
    next = Math.min(REPLY_CHUNK_BYTES, size * 2);
    countersOf(s).expands++;
  }
  // The peak starts over every reset period, from what is waiting to be sent right now.
  const resetMs = dbg.replyBufferPeakResetTimeMs;
  if (resetMs >= 0 && now - c.rbPeakResetAt >= resetMs) {
    c.rbPeak = c.w.length;
    c.rbPeakResetAt = now;
  }
  if (next !== 0) c.rbSize = next;
}
