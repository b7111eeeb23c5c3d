// Pub/sub registries and message delivery.
//
// Three independent namespaces: classic channels, glob patterns (matched against classic
// channels only) and shard channels. Each maps a name to the set of subscribed clients; each
// client keeps the names it is subscribed to (for UNSUBSCRIBE without arguments, RESET and
// disconnection). Names are kept as latin1 strings (one char per byte), so they are exact for
// binary channel names and usable as Map keys.
//
// A published message is encoded once (everything but the RESP2 `*n` / RESP3 `>n` header)
// and the same bytes are appended to every receiver's writer; each receiver is flushed once per
// event-loop turn. Push data for the client whose command is running is held back until that
// command (or its whole EXEC / script) has replied, as Valkey does, so a client publishing to
// itself sees its reply first and CLIENT REPLY OFF does not swallow subscription confirmations.
//
// Subscribers whose pending output grows past `client-output-buffer-limit pubsub` are
// disconnected (pubsub/obuf.ts), checked as messages are appended and from the cron.
import type { Server } from '../server/server.js';
import { CLIENT_REPLY_ON, clientResetHooks, type Client } from '../server/client.js';
import { stringMatch } from '../util/glob.js';
import { outputLimitsOf, type OutputLimits } from './obuf.js';
import { registerInfoFields } from '../server/info.js';
import { perServer } from '../server/per-server.js';

/** One channel or pattern and its subscribers. */
export interface Subscription {
  /** Private copy of the name. */
  readonly name: Buffer;
  readonly clients: Set<Client>;
}

/** What one client is subscribed to (name → private copy of the name). */
export interface ClientSubs {
  channels: Map<string, Buffer>;
  patterns: Map<string, Buffer>;
  shard: Map<string, Buffer>;
}

export const KIND_CHANNEL = 0;
export const KIND_PATTERN = 1;
export const KIND_SHARD = 2;
export type Kind = typeof KIND_CHANNEL | typeof KIND_PATTERN | typeof KIND_SHARD;

const HDR2 = [Buffer.from('*0\r\n'), Buffer.from('*1\r\n'), Buffer.from('*2\r\n'), Buffer.from('*3\r\n'), Buffer.from('*4\r\n')];
const HDR3 = [Buffer.from('>0\r\n'), Buffer.from('>1\r\n'), Buffer.from('>2\r\n'), Buffer.from('>3\r\n'), Buffer.from('>4\r\n')];
const MESSAGE = bulkBytes(Buffer.from('message'));
const SMESSAGE = bulkBytes(Buffer.from('smessage'));
const PMESSAGE = bulkBytes(Buffer.from('pmessage'));

/** `$<len>\r\n<bytes>\r\n` as a Buffer. */
function bulkBytes(b: Uint8Array): Buffer {
  const head = `$${b.length}\r\n`;
  const out = Buffer.allocUnsafe(head.length + b.length + 2);
  let p = out.latin1Write(head, 0);
  out.set(b, p); p += b.length;
  out[p++] = 13; out[p] = 10;
  return out;
}

/** Concatenation of bulk strings: the body of a message after its aggregate header. */
function encodeBody(prefix: Buffer, parts: Uint8Array[]): Buffer {
  let len = prefix.length;
  for (const p of parts) len += p.length + 16;
  const out = Buffer.allocUnsafe(len);
  out.set(prefix, 0);
  let pos = prefix.length;
  for (const p of parts) {
    pos += out.latin1Write(`$${p.length}\r\n`, pos);
    out.set(p, pos); pos += p.length;
    out[pos++] = 13; out[pos++] = 10;
  }
  return out.subarray(0, pos);
}

export class PubSub {
  readonly channels = new Map<string, Subscription>();
  readonly patterns = new Map<string, Subscription>();
  readonly shard = new Map<string, Subscription>();
  /** Clients with at least one subscription of any kind. */
  readonly subscribers = new Set<Client>();
  private readonly perClient = new WeakMap<Client, ClientSubs>();
  /** Push data held back for the client whose command is running. */
  private heldFor: Client | null = null;
  private held: Buffer[] = [];
  private readonly limits: OutputLimits;
  /** Messages delivered (receivers summed), for tests and benchmarks. */
  delivered = 0;

  constructor(readonly s: Server) {
    this.limits = outputLimitsOf(s);
  }

  subsOf(c: Client): ClientSubs | undefined { return this.perClient.get(c); }

  private ensureSubs(c: Client): ClientSubs {
    let st = this.perClient.get(c);
    if (st === undefined) {
      st = { channels: new Map(), patterns: new Map(), shard: new Map() };
      this.perClient.set(c, st);
    }
    return st;
  }

  private registry(kind: Kind): Map<string, Subscription> {
    return kind === KIND_CHANNEL ? this.channels : kind === KIND_PATTERN ? this.patterns : this.shard;
  }

  private clientMap(st: ClientSubs, kind: Kind): Map<string, Buffer> {
    return kind === KIND_CHANNEL ? st.channels : kind === KIND_PATTERN ? st.patterns : st.shard;
  }

  private syncCounts(c: Client, st: ClientSubs): void {
    c.subs = st.channels.size;
    c.psubs = st.patterns.size;
    c.ssubs = st.shard.size;
    if (c.subs + c.psubs + c.ssubs > 0) this.subscribers.add(c);
    else this.subscribers.delete(c);
  }

  /** The count a (un)subscribe confirmation reports: channels+patterns, or shard channels. */
  static countFor(c: Client, kind: Kind): number { return kind === KIND_SHARD ? c.ssubs : c.subs + c.psubs; }

  /** Adds a subscription; returns false when the client already had it. */
  subscribe(c: Client, kind: Kind, name: Buffer): boolean {
    const st = this.ensureSubs(c);
    const mine = this.clientMap(st, kind);
    const key = name.latin1Slice(0, name.length);
    if (mine.has(key)) return false;
    const reg = this.registry(kind);
    let sub = reg.get(key);
    if (sub === undefined) {
      sub = { name: Buffer.from(name), clients: new Set() };
      reg.set(key, sub);
    }
    sub.clients.add(c);
    mine.set(key, sub.name);
    this.syncCounts(c, st);
    return true;
  }

  /** Removes a subscription; returns false when the client did not have it. */
  unsubscribe(c: Client, kind: Kind, name: Buffer | string): boolean {
    const st = this.perClient.get(c);
    if (st === undefined) return false;
    const mine = this.clientMap(st, kind);
    const key = typeof name === 'string' ? name : name.latin1Slice(0, name.length);
    if (!mine.delete(key)) return false;
    const reg = this.registry(kind);
    const sub = reg.get(key);
    if (sub !== undefined) {
      sub.clients.delete(c);
      if (sub.clients.size === 0) reg.delete(key);
    }
    this.syncCounts(c, st);
    return true;
  }

  /** The names the client is subscribed to in one namespace, in subscription order. */
  namesOf(c: Client, kind: Kind): Array<[string, Buffer]> {
    const st = this.perClient.get(c);
    return st === undefined ? [] : [...this.clientMap(st, kind)];
  }

  /** Drops every subscription of a client without replying (RESET, disconnection). */
  dropAll(c: Client): void {
    const st = this.perClient.get(c);
    if (st !== undefined) {
      for (const kind of [KIND_CHANNEL, KIND_PATTERN, KIND_SHARD] as Kind[]) {
        for (const key of [...this.clientMap(st, kind).keys()]) this.unsubscribe(c, kind, key);
      }
      this.perClient.delete(c);
    }
    c.subs = 0; c.psubs = 0; c.ssubs = 0;
    this.subscribers.delete(c);
    if (this.heldFor === c) { this.heldFor = null; this.held = []; }
  }

  // ---------------------------------------------------------------- delivery

  /**
   * Sends a message to the subscribers of a channel (and, for classic channels, of every
   * matching pattern). Returns the number of receivers.
   */
  publish(channel: Buffer, message: Buffer, sharded: boolean): number {
    const key = channel.latin1Slice(0, channel.length);
    let receivers = 0;
    const sub = (sharded ? this.shard : this.channels).get(key);
    if (sub !== undefined) {
      const body = encodeBody(sharded ? SMESSAGE : MESSAGE, [channel, message]);
      for (const c of sub.clients) { this.deliver(c, 3, body); receivers++; }
    }
    if (!sharded && this.patterns.size > 0) {
      for (const [pkey, psub] of this.patterns) {
        if (!stringMatch(pkey, key, false)) continue;
        const body = encodeBody(PMESSAGE, [psub.name, channel, message]);
        for (const c of psub.clients) { this.deliver(c, 4, body); receivers++; }
      }
    }
    this.delivered += receivers;
    return receivers;
  }

  /** True when a publish could reach anyone (cheap pre-check for keyspace notifications). */
  get hasSubscribers(): boolean { return this.channels.size > 0 || this.patterns.size > 0; }

  /**
   * A subscription confirmation: `<kind> <name|nil> <count>` as a push. Written in place unless
   * replies are silenced (CLIENT REPLY OFF/SKIP), in which case it is held until after the
   * command so that it still reaches the client, as Valkey's push flag does.
   */
  confirm(c: Client, what: Buffer, name: Buffer | null, count: number): void {
    if (c.replyMode === CLIENT_REPLY_ON || c.socket === null) {
      const w = c.w;
      w.push(3);
      w.raw(what);
      if (name === null) w.nil(); else w.bulk(name);
      w.int(count);
      return;
    }
    const parts: Buffer[] = [c.resp === 3 ? HDR3[3]! : HDR2[3]!, what];
    parts.push(name === null ? Buffer.from(c.resp === 3 ? '_\r\n' : '$-1\r\n') : bulkBytes(name));
    parts.push(Buffer.from(`:${count}\r\n`));
    this.hold(c, Buffer.concat(parts));
  }

  private deliver(c: Client, n: number, body: Buffer): void {
    if (c.closed) return;
    const hdr = c.resp === 3 ? HDR3[n]! : HDR2[n]!;
    if (c === this.s.propagator.currentClient) {
      // The receiver is running a command: its message follows that command's reply.
      this.hold(c, hdr);
      this.hold(c, body);
      return;
    }
    const w = c.w;
    w.raw(hdr);
    w.raw(body);
    if (c.socket === null) return;
    c.flushSoon();
    if (this.limits.any) this.limits.check(c, 0, true);
  }

  private hold(c: Client, data: Buffer): void {
    if (this.heldFor !== c) {
      if (this.heldFor !== null) this.releaseHeld();
      this.heldFor = c;
    }
    this.held.push(data);
  }

  /** Appends the held push data to its client (called when its command unit has finished). */
  releaseHeld(): void {
    const c = this.heldFor;
    if (c === null) return;
    const data = this.held;
    this.heldFor = null;
    this.held = [];
    if (c.closed) return;
    for (const d of data) c.w.raw(d);
    if (c.socket !== null) c.flushSoon();
  }
}

/** The pub/sub state of a server (created by installPubsub). */
export const pubsubOf = perServer((s) => new PubSub(s));

let processHooksInstalled = false;

/** Wires pub/sub into a server: cleanup on RESET and disconnection, held pushes, limits in the cron. */
export function installPubsub(s: Server): PubSub {
  const ps = pubsubOf(s);
  if (!processHooksInstalled) {
    processHooksInstalled = true;
    clientResetHooks.push((c) => { if (c.subs + c.psubs + c.ssubs > 0) pubsubOf(c.server).dropAll(c); });
    registerInfoFields('stats', (srv) => {
      const p = pubsubOf(srv);
      return { pubsub_channels: p.channels.size, pubsub_patterns: p.patterns.size, pubsubshard_channels: p.shard.size };
    });
  }
  const prevClosed = s.hooks.clientClosed;
  s.hooks.clientClosed = (c) => {
    if (prevClosed) prevClosed(c);
    if (c.subs + c.psubs + c.ssubs > 0) ps.dropAll(c);
  };
  // Held pushes go out when the outermost call has replied (whatever path it left by).
  const prevLeave = s.hooks.leaveCall;
  s.hooks.leaveCall = (c, cmd, argv) => {
    if (prevLeave) prevLeave(c, cmd, argv);
    if (s.propagator.nesting === 0) ps.releaseHeld();
  };
  const limits = outputLimitsOf(s);
  s.cronHooks.push(() => {
    if (ps.subscribers.size === 0 || !limits.any) return;
    for (const c of [...ps.subscribers]) limits.check(c, 0, false);
  });
  return ps;
}
