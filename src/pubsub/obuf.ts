// Output buffer limits (`client-output-buffer-limit`) for the normal and pubsub client classes.
//
// A client's pending output is what the kernel has not yet taken (Client.queuedBytes: the
// socket's stream plus direct handle writes) plus what its writer holds. When it reaches the
// class's hard limit, or
// stays at or over the soft limit for longer than the soft seconds, the client is disconnected,
// its pending output dropped (the server keeps none of it), the disconnection counted in
// client_output_buffer_limit_disconnections and logged like Valkey. The checks run when a reply
// batch is about to be written, when pub/sub messages are appended, and from the cron for
// subscribers (a soft limit must expire even without traffic). Replica links have their own
// accounting in the replication subsystem and are not checked here.
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { clientInfoString } from '../commands/client.js';

interface Limit { hard: number; soft: number; seconds: number }

export class OutputLimits {
  private normal: Limit = { hard: 0, soft: 0, seconds: 0 };
  private pubsub: Limit = { hard: 0, soft: 0, seconds: 0 };
  /** Unix seconds when a client was first seen at or over its soft limit. */
  private softSince = new WeakMap<Client, number>();

  constructor(private readonly s: Server) {
    const refresh = () => {
      const n = s.config.clientOutputBufferLimit('normal');
      const p = s.config.clientOutputBufferLimit('pubsub');
      this.normal = { hard: n.hardBytes, soft: n.softBytes, seconds: n.softSeconds };
      this.pubsub = { hard: p.hardBytes, soft: p.softBytes, seconds: p.softSeconds };
      return null;
    };
    refresh();
    s.config.onChange('client-output-buffer-limit', refresh);
  }

  /** True when some limit of the normal or pubsub class is set. */
  get any(): boolean {
    return this.normal.hard > 0 || this.normal.soft > 0 || this.pubsub.hard > 0 || this.pubsub.soft > 0;
  }

  /**
   * Checks a client with `extra` bytes about to be added to its pending output; disconnects it
   * (returning true) when over a limit. `async` picks the log wording Valkey uses when the check
   * happens while output is being added rather than from the cron.
   */
  check(c: Client, extra: number, async: boolean): boolean {
    if (c.closed || c.socket === null) return false;
    const lim = c.subs + c.psubs + c.ssubs > 0 ? this.pubsub : this.normal;
    if (lim.hard === 0 && lim.soft === 0) return false;
    // Replica and primary links are another class.
    if (!c.monitor && /[SM]/.test(c.extraFlags)) return false;
    const used = c.outputBytes + extra;
    const hard = lim.hard > 0 && used >= lim.hard;
    let soft = lim.soft > 0 && used >= lim.soft;
    if (soft) {
      const now = Math.floor(Date.now() / 1000);
      const since = this.softSince.get(c);
      if (since === undefined) { this.softSince.set(c, now); soft = false; }
      else if (now - since <= lim.seconds) soft = false;
    } else this.softSince.delete(c);
    if (!hard && !soft) return false;
    const info = clientInfoString(c);
    this.s.stats.clientOutputBufferLimitDisconnections++;
    c.w.truncate(0);
    const sock = c.socket;
    c.close();
    sock.destroy();
    this.s.log.warning(async
      ? `Client ${info} scheduled to be closed ASAP for overcoming of output buffer limits.`
      : `Client ${info} closed for overcoming of output buffer limits.`);
    return true;
  }
}

const instances = new WeakMap<Server, OutputLimits>();

/** The output-limit checker of a server; the first call installs the server's reply-flush hook. */
export function outputLimitsOf(s: Server): OutputLimits {
  let o = instances.get(s);
  if (o === undefined) {
    const ol = o = new OutputLimits(s);
    instances.set(s, ol);
    // Asked for every reply batch of this server's clients.
    s.hooks.outputCheck = (c, pending) => ol.any && ol.check(c, pending, true);
  }
  return o;
}
