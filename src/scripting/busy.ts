// Busy scripts. Scripts run synchronously on the event loop; once one has run longer than
// busy-reply-threshold (lua-time-limit) the server must still answer other clients: with BUSY,
// except for the few commands allowed then (SCRIPT KILL, FUNCTION KILL/STATS, SHUTDOWN, ...).
//
// While a timed-out script runs, the Lua interrupt hook calls `pollClients`: every other client's
// socket is read synchronously (`fs.readSync` on its non-blocking descriptor; EAGAIN means no
// data) and what arrives goes through that client's normal parser and dispatcher, where the
// busy gate (`hooks.busy`) refuses what is not allowed. Replies go out at once (a socket write
// with an empty queue is attempted synchronously by libuv).
import { readSync } from 'node:fs';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';

const buf = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads and processes what other clients sent. Returns true when one of them asked for SHUTDOWN
 * (the caller then stops the script so the shutdown can proceed).
 */
export function pollClients(s: Server, except: Client): boolean {
  let shutdown = false;
  for (const c of [...s.clients.values()]) {
    if (c === except || c.closed || c.fd < 0) continue;
    for (let rounds = 0; rounds < 16; rounds++) {
      let n: number;
      try {
        n = readSync(c.fd, buf, 0, buf.length, null);
      } catch (e) {
        // EAGAIN: nothing to read; other errors are noticed by the socket itself later.
        break;
      }
      if (n <= 0) break;
      c.onData(Buffer.from(buf.subarray(0, n)));
      if (c.closeAfterReply && c.lastCmd?.name === 'shutdown') shutdown = true;
      if (n < buf.length) break;
    }
  }
  return shutdown;
}
