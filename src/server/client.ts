// One connected client: its socket, request parser, reply writer and per-connection state.
// Requests from one read are executed in order and their replies leave in one socket write.
import type { Socket } from 'node:net';
import { RespParser, ProtocolError } from '../protocol/parser.js';
import { Writer } from '../protocol/writer.js';
import type { Db } from '../store/keyspace.js';
import type { Server } from './server.js';
import type { Command } from '../commands/registry.js';
import { E } from '../errors.js';

export const CLIENT_REPLY_ON = 0, CLIENT_REPLY_OFF = 1, CLIENT_REPLY_SKIP = 2;

export class Client {
  readonly id: number;
  readonly parser: RespParser;
  readonly w = new Writer();
  db: Db;
  name = '';
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
  closeAfterReply = false;
  closed = false;
  monitor = false;
  replyMode = CLIENT_REPLY_ON;
  noEvict = false;
  noTouch = false;
  /** Subscription counts (pub/sub issue). */
  subs = 0; psubs = 0; ssubs = 0;
  inMulti = false;
  multiCount = 0;
  watchCount = 0;
  readonly addr: string;
  readonly laddr: string;
  readonly fd: number;
  netIn = 0;
  netOut = 0;
  commands = 0;
  /** Flags shown by CLIENT LIST beyond the derived ones. */
  extraFlags = '';
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
      this.addr = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
      this.laddr = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
      const h = (socket as unknown as { _handle?: { fd?: number } })._handle;
      this.fd = h && typeof h.fd === 'number' ? h.fd : -1;
    } else {
      this.addr = ''; this.laddr = ''; this.fd = -1;
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
    this.lastInteraction = Date.now();
    if (this.closeAfterReply) return;
    this.parser.feed(chunk);
    const limit = this.server.queryBufferLimit;
    if (this.parser.allocated > limit) {
      this.server.log.warning(`Closing client that reached max query buffer length: id=${this.id} addr=${this.addr} (qbuf initial bytes: ${this.parser.pending})`);
      this.server.stats.clientQueryBufferLimitDisconnections++;
      this.close();
      return;
    }
    this.processInput();
    this.flush();
  }

  /** Executes buffered requests until blocked, closing, or out of complete requests. */
  processInput(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.blocked && !this.closeAfterReply && !this.closed) {
        let argv: Buffer[] | null;
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
    }
  }

  /** Sends what the writer holds. */
  flush(): void {
    this.pendingFlush = false;
    const out = this.w.take();
    if (out !== null && this.socket && !this.closed) {
      this.netOut += out.length;
      this.server.stats.netOutput += out.length;
      this.socket.write(out);
    }
    if (this.closeAfterReply && !this.closed) this.close();
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
      if (out) this.socket.end(out); else this.socket.end();
      this.socket.destroySoon?.();
    }
    this.server.removeClient(this);
  }

  /** Bytes in the output queue not yet handed to the kernel. */
  get outputBytes(): number { return (this.socket?.writableLength ?? 0) + this.w.length; }
}
