// One connected client: its socket, request parser, reply writer and per-connection state.
// Requests from one read are executed in order and their replies leave in one socket write.
import type { Socket } from 'node:net';
import { sharedReadMemory } from './readbuf.js';
import { directWrite, directWriteHandle } from './handle-write.js';
import { RespParser, ProtocolError } from '../protocol/parser.js';
import { Writer } from '../protocol/writer.js';
import type { Db } from '../store/keyspace.js';
import type { Server } from './server.js';
import type { Command } from '../commands/registry.js';
import type { BlockState } from './blocking.js';
import { E } from '../errors.js';
import { beginBatch, endBatch } from './dispatch.js';
import { prefetchKeys, PREFETCH_MAX, PREFETCH_MIN_KEYS } from '../store/prefetch.js';

/** Key offsets found by the parser's look-ahead for prefetching (shared: used within one onData). */
const scanOffs = new Int32Array(2 * PREFETCH_MAX);

export const CLIENT_REPLY_ON = 0, CLIENT_REPLY_OFF = 1, CLIENT_REPLY_SKIP = 2;

/** CLIENT CAPA bits. */
export const CAPA_REDIRECT = 1;

/** The placeholder that replaces a sensitive argument in SLOWLOG and MONITOR output. */
export const REDACTED = Buffer.from('(redacted)');

/**
 * Replaces argv[i] with "(redacted)" so that SLOWLOG and MONITOR (which run after the handler,
 * with the same argv array) never show it. Call it after the handler has used the argument.
 */
export function redactArg(argv: Buffer[], i: number): void {
  if (i < argv.length) argv[i] = REDACTED;
}

/**
 * Per-subsystem cleanup run by RESET (and by anything else that needs a client back in its
 * freshly-connected state): MULTI discards its queue and unwatches, pub/sub unsubscribes everything,
 * tracking turns off, ... Each subsystem registers its own once at start-up.
 */
export const clientResetHooks: Array<(c: Client) => void> = [];

/** Formats a socket address the way Valkey does: "ip:port", "[ipv6]:port". */
export function formatAddr(ip: string | undefined, port: number | undefined): string {
  let a = ip ?? '?';
  if (a.startsWith('::ffff:') && a.indexOf('.') > 0) a = a.slice(7);
  if (a.includes(':')) a = `[${a}]`;
  return `${a}:${port ?? 0}`;
}

export class Client {
  readonly id: number;
  readonly parser: RespParser;
  readonly w = new Writer();
  db: Db;
  name = '';
  /** CLIENT CAPA bits (CAPA_REDIRECT). */
  capa = 0;
  libName = '';
  libVer = '';
  user = 'default';
  authenticated: boolean;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  /** The command being executed (or last executed). */
  cmd: Command | null = null;
  lastCmd: Command | null = null;
  argv: Buffer[] = [];
  /** Set while blocked (paused, or waiting on a key): input is buffered, not executed. */
  blocked = false;
  blockedReason: '' | 'pause' | 'key' | 'other' = '';
  /** Called to unblock with a timeout/unblock error; installed by whoever blocks the client. */
  onUnblock: ((error: boolean) => void) | null = null;
  /** What the client waits for while blocked on keys (see server/blocking.ts). */
  bstate: BlockState | null = null;
  closeAfterReply = false;
  closed = false;
  /** Set while running inside EXEC or a script: commands that would block must not (MONITOR, SHUTDOWN, ...). */
  denyBlocking = false;
  monitor = false;
  replyMode = CLIENT_REPLY_ON;
  noEvict = false;
  noTouch = false;
  /** Subscription counts (pub/sub issue). */
  subs = 0; psubs = 0; ssubs = 0;
  inMulti = false;
  multiCount = 0;
  /** OR of the flags of the commands queued in MULTI (CLIENT PAUSE WRITE holds an EXEC that writes). */
  multiFlags = 0;
  /** Bytes of the arguments queued in MULTI (CLIENT LIST multi-mem). */
  multiMem = 0;
  /** CLIENT TRACKING redirect target (-1 when tracking is off or not redirected), for CLIENT LIST redir=. */
  trackingRedirect = -1;
  watchCount = 0;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  /** Connected through the unix socket. */
  readonly unixSocket: boolean;
  netIn = 0;
  netOut = 0;
  commands = 0;
  /** Flags shown by CLIENT LIST beyond the derived ones. */
  extraFlags = '';
  /** Reads arrive in a buffer shared by all clients (server/readbuf.ts): nothing may point into it after onData. */
  sharedReads = false;
  /** The socket's stream handle when replies are written to it directly (server/handle-write.ts). */
  private handle: ReturnType<typeof directWriteHandle> = null;
  /** Bytes of direct writes the kernel has not taken yet. */
  directQueued = 0;
  private pendingFlush = false;
  /** True while the input loop is running (re-entrancy guard). */
  private processing = false;

  constructor(readonly server: Server, readonly socket: Socket | null, id: number) {
    this.id = id;
    this.authenticated = !server.authRequired();
    this.parser = new RespParser({ maxBulkLen: server.protoMaxBulkLen, authenticated: this.authenticated });
    this.db = server.ks.dbs[0]!;
    this.w.onError = (msg) => server.countError(msg);
    if (socket) {
      // A unix-socket connection has no remote address; Valkey shows "<socket path>:0" for both ends.
      const handle = (socket as unknown as { _handle?: { fd?: number; constructor?: { name?: string } } })._handle;
      this.unixSocket = handle?.constructor?.name === 'Pipe';
      if (this.unixSocket) {
        this.addr = this.laddr = `${server.config.str('unixsocket')}:0`;
      } else {
        this.addr = formatAddr(socket.remoteAddress, socket.remotePort);
        this.laddr = formatAddr(socket.localAddress, socket.localPort);
      }
      this.fd = handle && typeof handle.fd === 'number' ? handle.fd : -1;
      this.handle = directWriteHandle(socket);
    } else {
      this.addr = ''; this.laddr = ''; this.fd = -1; this.unixSocket = false;
    }
  }

  get resp(): number { return this.w.resp; }
  set resp(v: number) { this.w.resp = v; }

  setAuthenticated(v: boolean): void {
    this.authenticated = v;
    (this.parser as unknown as { limits: { authenticated: boolean } }).limits.authenticated = v;
  }

  /** Feeds received bytes and executes every complete request. */
  onData(chunk: Buffer): void {
    this.netIn += chunk.length;
    this.server.stats.netInput += chunk.length;
    if (this.closed || this.closeAfterReply) { this.lastInteraction = Date.now(); return; }
    this.parser.feed(chunk);
    const limit = this.server.queryBufferLimit;
    // Arguments queued by MULTI count as query buffer too (Valkey: querybuf + multi argv sums).
    if (this.parser.allocated > limit || (this.multiMem > 0 && this.parser.pending + this.multiMem > limit)) {
      this.server.log.warning(`Closing client that reached max query buffer length: id=${this.id} addr=${this.addr} (qbuf initial bytes: ${this.parser.pending})`);
      this.server.stats.clientQueryBufferLimitDisconnections++;
      this.close();
      return;
    }
    const n0 = this.commands;
    // Pipelined requests: their keys are prefetched a batch at a time as they run (prefetch.ts).
    this.prefetchLeft = chunk.length >= 64 && this.server.prefetchBatch > 1 ? 0 : -1;
    this.processInput();
    if (this.sharedReads) this.parser.detach(sharedReadMemory()!);
    // Receiving (and replying) is interaction. A command that ran set the command time from a
    // clock reading at most ~1 ms old: reuse it rather than reading the clock once more per read.
    this.flush(this.commands !== n0 ? this.server.ks.now : Date.now());
  }

  /** Executes buffered requests until blocked, closing, or out of complete requests. */
  processInput(): void {
    if (this.processing) return;
    this.processing = true;
    beginBatch();
    try {
      while (!this.blocked && !this.closeAfterReply && !this.closed) {
        let argv: Buffer[] | null;
        if (this.prefetchLeft === 0) this.prefetchAhead();
        else if (this.prefetchLeft > 0) this.prefetchLeft--;
        try {
          argv = this.parser.next();
        } catch (e) {
          if (e instanceof ProtocolError) {
            this.server.log.verbose(`Protocol error (${e.message}) from client: id=${this.id} addr=${this.addr}`);
            this.w.error(E.protocol(e.message.replace(/^Protocol error: /, '')));
            this.server.stats.protocolErrors++;
            this.closeAfterReply = true;
            break;
          }
          throw e;
        }
        if (argv === null) break;
        if (argv.length === 0) continue;
        this.server.dispatch(this, argv);
      }
    } finally {
      this.processing = false;
      endBatch();
    }
  }

  /**
   * Requests left to run before the next look-ahead; 0: look ahead before the next request;
   * -1: not for this read (set per read by onData).
   */
  private prefetchLeft = -1;

  /**
   * Touches the keys of the next pipelined requests together (prefetch.ts), when the keyspace is
   * big enough for that to pay; after a batch, the next look-ahead comes once it has run.
   */
  private prefetchAhead(): void {
    this.prefetchLeft = -1;
    const dict = this.db.dict;
    if (dict.size < PREFETCH_MIN_KEYS) return;
    const b = this.parser.scanKeys(scanOffs, this.server.prefetchBatch);
    const n = this.parser.scanCount;
    if (b === null || n < 2) return;
    prefetchKeys(dict, this.server.ks.arena, b, scanOffs, n);
    this.prefetchLeft = n - 1;
  }

  /** Sends what the writer holds. `now`: the time to record as last interaction, when known. */
  flush(now = -1): void {
    this.pendingFlush = false;
    if (now >= 0) this.lastInteraction = now;
    const out = this.w.take();
    if (out !== null && this.socket && !this.closed) {
      const overLimit = this.server.hooks.outputCheck;
      if (overLimit !== undefined && overLimit(this, out.length)) return;
      this.netOut += out.length;
      this.server.stats.netOutput += out.length;
      // Like Valkey, sending a reply counts as interaction for the idle timeout.
      if (now < 0) this.lastInteraction = Date.now();
      this.send(out);
    }
    if (this.closeAfterReply && !this.closed) this.close();
  }

  /**
   * Hands reply bytes to the kernel: straight to the socket's handle when the socket's own
   * stream has nothing waiting (libuv keeps every write on the handle in order, so what the
   * stream sends later still goes after these bytes), else through the stream.
   */
  private send(out: Buffer): void {
    const sock = this.socket!;
    if (this.handle !== null && sock.writableLength === 0 && directWrite(this.handle, out, this) === 0) return;
    sock.write(out);
  }

  /** A direct write that had to wait failed: the connection is unusable. */
  onDirectWriteError(_status: number): void {
    this.directQueued = 0;
    if (!this.closed) this.socket?.destroy();
  }

  /** Schedules a flush for replies produced outside this client's own input handling. */
  flushSoon(): void {
    if (this.pendingFlush) return;
    this.pendingFlush = true;
    this.server.scheduleFlush(this);
  }

  /** Resumes input processing after an unblock. */
  resume(): void {
    this.blocked = false;
    this.blockedReason = '';
    this.onUnblock = null;
    queueMicrotask(() => {
      if (this.closed) return;
      this.processInput();
      this.flush();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket) {
      const out = this.w.take();
      if (out) {
        this.netOut += out.length;
        this.server.stats.netOutput += out.length;
        this.socket.end(out);
      } else this.socket.end();
      this.socket.destroySoon?.();
    }
    this.server.removeClient(this);
  }

  /** Bytes in the output queue not yet handed to the kernel. */
  get outputBytes(): number { return this.queuedBytes + this.w.length; }

  /** Bytes handed to the socket that the kernel has not taken yet. */
  get queuedBytes(): number { return (this.socket?.writableLength ?? 0) + this.directQueued; }
}
