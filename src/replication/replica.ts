// The replica side of replication: REPLICAOF / SLAVEOF (and the `replicaof` directive), the link
// to the primary, the handshake (PING, AUTH, REPLCONF, PSYNC), the full resynchronization (an RDB
// framed as a `$<len>` bulk or between `$EOF:<mark>` markers, loaded in place of the data), the
// command stream applied through the normal dispatcher as the primary's client, REPLCONF ACKs,
// partial resynchronization after a dropped link, and promotion with REPLICAOF NO ONE.
//
// Link states as ROLE names them: none, connect (waiting to connect), connecting, handshake,
// sync (RDB transfer), connected. The processed offset is the primary-side ReplicationPrimary's
// `offset`: a replica's stream is its primary's, passed on verbatim to its own replicas.
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Server } from '../server/server.js';
import { CLIENT_REPLY_OFF, type Client } from '../server/client.js';
import { ProtocolError } from '../protocol/parser.js';
import { CMD } from '../commands/registry.js';
import { queuedLacks } from '../commands/multi.js';
import { encodeCommand } from './propagate.js';
import { primary } from './primary.js';
import { changeReplicationId, registerInfoFields, replicaInfoHook, replicationIds, setReplicationId, setSecondaryReplicationId } from '../server/info.js';
import { loadImage, persistenceHooks } from '../persistence/manager.js';
import { rdbFunctionHooks } from '../persistence/rdb.js';
import { perServer } from '../server/per-server.js';
import { VALKEY_VERSION } from '../version.js';

export type LinkState = 'none' | 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected';

type Step = 'ping' | 'replies' | 'psync' | 'payload-head' | 'payload' | 'stream';

const EOF_MARK_LEN = 40;
const EMPTY = Buffer.alloc(0);

export const E_READONLY = "READONLY You can't write against a read only replica.";
export const E_UNBLOCKED_ROLE = 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)';
export const E_MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";

export class ReplicaLink {
  host: string | null = null;
  port = 0;
  state: LinkState = 'none';
  /** The primary's client: the link's commands run as this client (kept across a dropped link). */
  master: Client | null = null;
  /** Whether the next PSYNC can ask to continue (a cached primary, or our own history). */
  private canContinue = false;
  private sock: net.Socket | null = null;
  private step: Step = 'ping';
  private inbuf: Buffer = Buffer.alloc(0);
  /** Replies still expected to the pipelined handshake commands, by command. */
  private expect: string[] = [];
  private fullReplid = '';
  /** The primary answered PSYNC with an error: this sync uses the pre-PSYNC SYNC. */
  private syncOnly = false;
  private fullOffset = 0;
  /** RDB transfer: '$<len>' size (-1 for EOF framing), the mark, and what arrived so far. */
  private payloadSize = -1;
  private eofMark = '';
  /** The last bytes received of an EOF-framed payload (at most the mark's length). */
  private eofTail: Buffer = Buffer.alloc(0);
  private payload: Buffer[] = [];
  private payloadBytes = 0;
  lastIo = 0;
  private lastConnectTry = 0;
  private lastAck = 0;
  linkDownSince = 0;
  /** Bytes read from the primary's stream (slave_read_repl_offset). */
  readOffset = 0;

  constructor(private readonly s: Server) {}

  // ---------------------------------------------------------------- REPLICAOF

  /** Becomes a replica of host:port (Valkey's replicationSetPrimary). */
  setPrimary(host: string, port: number): void {
    const s = this.s;
    const p = primary(s);
    const wasPrimary = this.host === null;
    this.dropLink();
    this.host = host;
    this.port = port;
    s.config.set('replicaof', [host, String(port)], 'startup');
    if (wasPrimary) {
      this.unblockAll();
      // Keys past their TTL read as missing but stay until the primary's DEL (no active expiry).
      s.ks.expireDeletes = false;
      // Our own history can be continued from the new primary when it shares it.
      p.upstream = true;
      this.master = null;
      this.canContinue = p.offset > 0 || p.backlog !== null;
      this.readOffset = p.offset;
      p.disconnectReplicas();
    }
    this.state = 'connect';
    this.lastConnectTry = 0;
    this.linkDownSince = Math.floor(Date.now() / 1000);
    setImmediate(() => this.cron());
  }

  /**
   * A primary turning replica: clients blocked in BLPOP, WAIT, ... get an -UNBLOCKED error and
   * are disconnected (their command can no longer complete here). Paused clients stay: their
   * command runs, or is refused, when the pause ends.
   */
  private unblockAll(): void {
    for (const c of [...this.s.clients.values()]) {
      if (!c.blocked || c.blockedReason === 'pause' || c.onUnblock === null) continue;
      const mark = c.w.length;
      c.onUnblock(true);
      c.w.truncate(mark);
      c.w.error(E_UNBLOCKED_ROLE);
      c.closeAfterReply = true;
      c.flushSoon();
    }
  }

  /** REPLICAOF NO ONE: back to primary, keeping the data and continuing the history under a new id. */
  unsetPrimary(): void {
    const s = this.s;
    if (this.host === null) return;
    const p = primary(s);
    this.dropLink();
    if (this.master !== null) this.s.clients.delete(this.master.id);
    this.host = null;
    this.port = 0;
    this.state = 'none';
    this.master = null;
    this.canContinue = false;
    s.config.set('replicaof', ['no', 'one'], 'startup');
    // The old id stays valid up to the current offset, so replicas of the same history continue.
    const old = replicationIds(s).replid;
    changeReplicationId(s);
    setSecondaryReplicationId(s, old, p.offset + 1);
    p.upstream = false;
    s.ks.expireDeletes = true;
    p.encoder.selectedDb = -1;
    p.disconnectReplicas();
  }

  // ---------------------------------------------------------------- the link

  private connect(): void {
    const s = this.s;
    if (this.host === null) return;
    this.lastConnectTry = Date.now();
    s.log.notice(`Connecting to PRIMARY ${this.host}:${this.port}`);
    const sock = net.connect({ host: this.host, port: this.port });
    this.sock = sock;
    this.state = 'connecting';
    this.inbuf = Buffer.alloc(0);
    this.lastIo = Date.now();
    sock.setNoDelay(true);
    // The link never keeps the process alive by itself, and dies with a server that closed.
    sock.unref();
    sock.on('connect', () => {
      if (this.sock !== sock) return;
      s.log.notice('PRIMARY <-> REPLICA sync started');
      this.state = 'handshake';
      this.step = 'ping';
      this.send(['PING']);
    });
    sock.on('data', (chunk: Buffer) => { if (this.sock === sock) this.onData(chunk); });
    sock.on('error', (e) => {
      if (this.sock !== sock) return;
      if (this.state === 'connecting') s.log.warning(`Error condition on socket for SYNC: ${e.message}`);
    });
    sock.on('close', () => { if (this.sock === sock) this.linkLost(); });
  }

  /** Closes the connection to the primary (if any), caching the primary when the link was up. */
  private dropLink(): void {
    const sock = this.sock;
    if (sock === null) return;
    this.linkLost();
    sock.destroy();
  }

  /** The server is closing: the link goes and is not re-established. */
  hangUp(): void {
    const sock = this.sock;
    this.sock = null;
    this.state = this.host === null ? 'none' : 'connect';
    sock?.destroy();
  }

  private linkLost(): void {
    const s = this.s;
    const was = this.state;
    primary(s).upstreamLinkUp = false;
    this.sock?.destroy();
    this.sock = null;
    this.inbuf = Buffer.alloc(0);
    this.payload = [];
    this.payloadBytes = 0;
    if (this.host === null) return;
    if (this.master !== null) {
      this.s.clients.delete(this.master.id);
      if (this.master.closed) {
        // Killed (CLIENT KILL TYPE MASTER): a fresh client continues where it was.
        const db = this.master.db;
        this.master = this.newMasterClient();
        this.master.db = db;
      }
    }
    if (was === 'connected') {
      s.log.notice('Connection with primary lost.');
      s.log.notice('Caching the disconnected primary state.');
      this.canContinue = true;
      this.linkDownSince = Math.floor(Date.now() / 1000);
    } else if (was === 'sync') {
      s.log.warning('I/O error trying to sync with PRIMARY: connection lost');
    }
    this.state = 'connect';
  }

  private abort(msg: string): void {
    this.s.log.warning(msg);
    const sock = this.sock;
    this.linkLost();
    sock?.destroy();
  }

  private send(args: string[]): void {
    this.sock?.write(encodeCommand(args.map((a) => Buffer.from(a))));
  }

  private sendAck(): void {
    if (this.state !== 'connected') return;
    this.lastAck = Date.now();
    this.send(['REPLCONF', 'ACK', String(primary(this.s).offset)]);
  }

  private readLine(): string | null {
    const i = this.inbuf.indexOf(10);
    if (i < 0) return null;
    const line = this.inbuf.toString('latin1', 0, i > 0 && this.inbuf[i - 1] === 13 ? i - 1 : i);
    this.inbuf = this.inbuf.subarray(i + 1);
    return line;
  }

  private onData(chunk: Buffer): void {
    if (this.s.shuttingDown) { this.sock?.destroy(); return; }
    this.lastIo = Date.now();
    if (this.step === 'stream') { this.applyStream(chunk); return; }
    this.inbuf = this.inbuf.length === 0 ? chunk : Buffer.concat([this.inbuf, chunk]);
    this.handshake();
  }

  private handshake(): void {
    const s = this.s;
    for (;;) {
      if (this.sock === null) return;
      if (this.step === 'payload') { this.receivePayload(); return; }
      const line = this.readLine();
      if (line === null) return;
      switch (this.step) {
        case 'ping': {
          if (!(line.startsWith('+') || line.startsWith('-NOAUTH') || line.startsWith('-NOPERM') ||
                line.startsWith('-ERR operation not permitted'))) {
            this.abort(`Error reply to PING from primary: '${line}'`);
            return;
          }
          s.log.notice('Primary replied to PING, replication can continue...');
          this.expect = [];
          const pass = s.config.str('primaryauth');
          if (pass !== '') {
            const user = s.config.str('primaryuser');
            this.send(user !== '' ? ['AUTH', user, pass] : ['AUTH', pass]);
            this.expect.push('auth');
          }
          const announcePort = s.config.num('replica-announce-port');
          this.send(['REPLCONF', 'listening-port', String(announcePort > 0 ? announcePort : s.port)]);
          this.expect.push('listening-port');
          const ip = s.config.str('replica-announce-ip');
          if (ip !== '') { this.send(['REPLCONF', 'ip-address', ip]); this.expect.push('ip-address'); }
          this.send(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
          this.expect.push('capa');
          // The primary picks the RDB version it sends from this (older primaries just refuse it).
          this.send(['REPLCONF', 'version', VALKEY_VERSION]);
          this.expect.push('version');
          this.step = 'replies';
          break;
        }
        case 'replies': {
          const what = this.expect.shift()!;
          if (line.startsWith('-')) {
            if (what === 'auth') { this.abort(`Unable to AUTH to PRIMARY: ${line}`); return; }
            s.log.notice(`(Non critical) Primary does not understand REPLCONF ${what}: ${line}`);
          }
          if (this.expect.length === 0) this.sendPsync();
          break;
        }
        case 'psync': {
          if (line === '') break; // keep-alive
          if (line.startsWith('+FULLRESYNC')) {
            const [, id, off] = line.split(' ');
            this.fullReplid = id ?? '';
            this.fullOffset = Number(off ?? 0);
            s.log.notice(`Full resync from primary: ${this.fullReplid}:${this.fullOffset}`);
            this.state = 'sync';
            this.step = 'payload-head';
          } else if (line.startsWith('+CONTINUE')) {
            this.continued(line.slice(9).trim());
            return;
          } else if (line.startsWith('-ERR')) {
            // A primary from before PSYNC: the old SYNC, a snapshot, no ids (no partial resync later).
            s.log.notice(`Primary does not support PSYNC or is in error state (reply: ${line})`);
            s.log.notice('Retrying with SYNC...');
            this.send(['SYNC']);
            this.syncOnly = true;
            this.fullReplid = randomBytes(20).toString('hex');
            this.fullOffset = 0;
            this.state = 'sync';
            this.step = 'payload-head';
          } else {
            this.abort(`Unexpected reply to PSYNC from primary: ${line}`);
            return;
          }
          break;
        }
        case 'payload-head': {
          if (line === '') break; // keep-alive while the primary prepares the snapshot
          if (line.startsWith('-')) { this.abort(`Primary aborted replication with an error: ${line.slice(1)}`); return; }
          if (!line.startsWith('$')) { this.abort(`Bad protocol from PRIMARY, the first byte is not '$' (we received '${line}'), are you sure the host and port are right?`); return; }
          if (line.startsWith('$EOF:')) {
            this.eofMark = line.slice(5);
            this.eofTail = EMPTY;
            this.payloadSize = -1;
            s.log.notice('PRIMARY <-> REPLICA sync: receiving streamed RDB from primary with EOF to disk');
          } else {
            this.payloadSize = Number(line.slice(1));
            s.log.notice(`PRIMARY <-> REPLICA sync: receiving ${this.payloadSize} bytes from primary to disk`);
          }
          this.payload = [];
          this.payloadBytes = 0;
          this.step = 'payload';
          break;
        }
        default:
          return;
      }
    }
  }

  private sendPsync(): void {
    const p = primary(this.s);
    this.syncOnly = false;
    if (this.canContinue) {
      const id = replicationIds(this.s).replid;
      this.s.log.notice(`Trying a partial resynchronization (request ${id}:${p.offset + 1}).`);
      this.send(['PSYNC', id, String(p.offset + 1)]);
    } else {
      this.s.log.notice('Partial resynchronization not possible (no cached primary)');
      this.send(['PSYNC', '?', '-1']);
    }
    this.step = 'psync';
  }

  /** Collects the RDB payload; loads it once complete. */
  private receivePayload(): void {
    const data = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    if (data.length > 0) { this.payload.push(data); this.payloadBytes += data.length; }
    let rest: Buffer | null = null;
    let rdb: Buffer;
    if (this.payloadSize >= 0) {
      if (this.payloadBytes < this.payloadSize) return;
      const all = Buffer.concat(this.payload);
      rdb = all.subarray(0, this.payloadSize);
      rest = all.subarray(this.payloadSize);
    } else {
      // The mark ends what arrived so far (the primary streams nothing more before our first
      // ACK): only the last 40 bytes need checking, so a big payload is joined just once.
      const t = Buffer.concat([this.eofTail, data.subarray(Math.max(0, data.length - EOF_MARK_LEN))]);
      this.eofTail = Buffer.from(t.subarray(Math.max(0, t.length - EOF_MARK_LEN)));
      if (this.eofTail.length < EOF_MARK_LEN || this.eofTail.toString('latin1') !== this.eofMark) return;
      const all = Buffer.concat(this.payload);
      rdb = all.subarray(0, all.length - EOF_MARK_LEN);
    }
    this.payload = [];
    this.payloadBytes = 0;
    if (!this.loadPayload(rdb)) return;
    this.startStream(rest);
  }

  private loadPayload(rdb: Buffer): boolean {
    const s = this.s;
    const p = primary(s);
    s.log.notice('PRIMARY <-> REPLICA sync: Flushing old data');
    s.ks.flushAll(false);
    rdbFunctionHooks.flush?.(s);
    s.log.notice('PRIMARY <-> REPLICA sync: Loading DB in memory');
    let streamDb = 0;
    try {
      const res = loadImage(s, rdb);
      if (res.replStreamDb >= 0) streamDb = res.replStreamDb;
    } catch (e) {
      s.ks.flushAll(false);
      s.ks.dirty = 0;
      this.abort(`Failed trying to load the PRIMARY synchronization DB from socket: ${(e as Error).message}`);
      return false;
    }
    for (const db of s.ks.dbs) s.ks.changed(db.id, null, 'reload', 0);
    s.ks.dirty = 0;
    setReplicationId(s, this.fullReplid);
    setSecondaryReplicationId(s, '0'.repeat(40), -1);
    p.restartStream(this.fullOffset);
    this.readOffset = this.fullOffset;
    this.master = this.newMasterClient();
    this.master.db = s.ks.dbs[streamDb] ?? s.ks.dbs[0]!;
    s.log.notice('PRIMARY <-> REPLICA sync: Finished with success');
    return true;
  }

  private newMasterClient(): Client {
    const c = this.s.fakeClient();
    c.setAuthenticated(true);
    // No such user: the ACL check lets the primary's commands through, as Valkey's user-less primary client.
    c.user = '';
    c.replyMode = CLIENT_REPLY_OFF;
    c.extraFlags = 'M';
    // A paused write holds the primary's client; when it is let go, the rest of the stream
    // follows through applyStream (never through the ordinary client input loop).
    (c as unknown as { processInput: () => void }).processInput = () => {
      if (this.master === c && this.step === 'stream') this.applyStream(EMPTY);
    };
    return c;
  }

  /** +CONTINUE [replid]: the primary continues our history. */
  private continued(newId: string): void {
    const s = this.s;
    const p = primary(s);
    const ids = replicationIds(s);
    if (newId !== '' && newId !== ids.replid) {
      // The primary's history went on under a new id (it was promoted): ours follows.
      setSecondaryReplicationId(s, ids.replid, p.offset + 1);
      setReplicationId(s, newId);
      s.log.notice(`Primary replication ID changed to ${newId}`);
      p.disconnectReplicas();
    }
    s.log.notice('Successful partial resynchronization with primary.');
    if (this.master === null) this.master = this.newMasterClient();
    if (p.backlog === null) p.restartStream(p.offset);
    this.readOffset = p.offset;
    s.log.notice('PRIMARY <-> REPLICA sync: Primary accepted a Partial Resynchronization.');
    const rest = this.inbuf;
    this.inbuf = Buffer.alloc(0);
    this.startStream(rest);
  }

  private startStream(rest: Buffer | null): void {
    // The primary's client is listed (CLIENT LIST flags=M, CLIENT KILL TYPE MASTER) while the link is up.
    const m = this.master!;
    this.s.clients.set(m.id, m);
    this.state = 'connected';
    primary(this.s).upstreamLinkUp = true;
    this.step = 'stream';
    this.canContinue = !this.syncOnly;
    this.linkDownSince = 0;
    this.sendAck();
    if (rest !== null && rest.length > 0) this.applyStream(rest);
  }

  /** Runs the primary's commands; the offset moves by the bytes of each command processed. */
  private applyStream(chunk: Buffer): void {
    const s = this.s;
    const c = this.master!;
    const p = primary(s);
    this.readOffset += chunk.length;
    c.netIn += chunk.length;
    c.parser.feed(chunk);
    let pend = c.parser.pending;
    for (;;) {
      // Held by CLIENT PAUSE: the rest waits, in order, until the client is let go.
      if (c.blocked) return;
      let argv: Buffer[] | null;
      try {
        argv = c.parser.next();
      } catch (e) {
        if (e instanceof ProtocolError) { this.abort(`Protocol error from primary: ${e.message}`); return; }
        throw e;
      }
      if (argv === null) break;
      const n = pend - c.parser.pending;
      pend = c.parser.pending;
      if (argv.length === 0) { p.offset += n; continue; }
      const name = argv[0]!.toString('latin1').toLowerCase();
      if (name === 'replconf' && argv.length >= 2 && argv[1]!.toString('latin1').toLowerCase() === 'getack') {
        // The ACK reports what was processed before this request (as Valkey's does).
        this.sendAck();
        p.proxyBytes(encodeCommand(argv));
        continue;
      }
      const raw = encodeCommand(argv);
      s.ks.keysNeverExpire = true;
      try {
        s.dispatch(c, argv);
      } finally {
        s.ks.keysNeverExpire = false;
      }
      c.w.take();
      p.proxyBytes(raw);
      if (this.sock === null || this.master !== c) return;
    }
  }

  // ---------------------------------------------------------------- cron

  /**
   * A replica started from an RDB that carries replication info: the saved id, offset and
   * stream db make a cached primary, so the first PSYNC can continue instead of a full sync.
   */
  restoreFromRdb(replid: string, offset: number, streamDb: number): void {
    const s = this.s;
    setReplicationId(s, replid);
    setSecondaryReplicationId(s, '0'.repeat(40), -1);
    primary(s).restartStream(offset);
    this.readOffset = offset;
    this.master = this.newMasterClient();
    this.master.db = s.ks.dbs[streamDb] ?? s.ks.dbs[0]!;
    this.canContinue = true;
    s.log.notice('Using the replication info of the RDB to make a cached primary: partial resynchronization may be possible.');
  }

  cron(): void {
    if (this.host === null || this.s.loading) return;
    const now = Date.now();
    if (this.state === 'connect' && now - this.lastConnectTry >= 1000) { this.connect(); return; }
    const timeout = this.s.config.num('repl-timeout') * 1000;
    if (this.state !== 'connect' && this.state !== 'none' && now - this.lastIo > timeout) {
      if (this.state === 'connected') this.abort('MASTER timeout: no data nor PING received...');
      else this.abort('Timeout connecting to the PRIMARY...');
      return;
    }
    if (this.state === 'connected' && this.master?.closed) { this.abort('Connection with primary closed (client killed).'); return; }
    if (this.state === 'connected') {
      if (this.master) this.master.lastInteraction = now;
      if (now - this.lastAck >= 1000) this.sendAck();
    }
  }

  // ---------------------------------------------------------------- info

  infoFields(): Record<string, string | number> {
    if (this.host === null) return {};
    const s = this.s;
    const p = primary(s);
    const now = Date.now();
    const up = this.state === 'connected';
    const f: Record<string, string | number> = {
      master_host: this.host,
      master_port: this.port,
      master_link_status: up ? 'up' : 'down',
      master_last_io_seconds_ago: this.master !== null && up ? Math.floor((now - this.lastIo) / 1000) : -1,
      master_sync_in_progress: this.state === 'sync' ? 1 : 0,
      slave_read_repl_offset: this.master !== null ? this.readOffset : p.offset,
      slave_repl_offset: p.offset,
    };
    if (this.state === 'sync') {
      const total = this.payloadSize;
      f.master_sync_total_bytes = total;
      f.master_sync_read_bytes = this.payloadBytes;
      f.master_sync_left_bytes = total >= 0 ? total - this.payloadBytes : -1;
      f.master_sync_perc = total > 0 ? (this.payloadBytes * 100 / total).toFixed(2) : '0.00';
      f.master_sync_last_io_seconds_ago = Math.floor((now - this.lastIo) / 1000);
    }
    if (!up) f.master_link_down_since_seconds = this.linkDownSince > 0 ? Math.floor(now / 1000) - this.linkDownSince : -1;
    f.slave_priority = s.config.num('replica-priority');
    f.slave_read_only = s.config.bool('replica-read-only') ? 1 : 0;
    f.replica_announced = s.config.bool('replica-announced') ? 1 : 0;
    return f;
  }

  /** ROLE on a replica: ["slave", host, port, state, processed offset or -1]. */
  roleReply(c: Client): void {
    c.w.arr(5);
    c.w.bulk('slave');
    c.w.bulk(this.host ?? '');
    c.w.int(this.port);
    c.w.bulk(this.state);
    c.w.int(this.state === 'connected' ? primary(this.s).offset : -1);
  }
}

export const replicaLink = perServer((s) => new ReplicaLink(s));

export function installReplica(s: Server): void {
  const link = replicaLink(s);
  // The `replicaof` directive (config file / command line): start as a replica.
  const conf = s.config.replicaOf();
  if (conf !== null) {
    link.host = conf.host;
    link.port = conf.port;
    link.state = 'connect';
    primary(s).upstream = true;
    s.ks.expireDeletes = false;
    link.linkDownSince = 0;
  }
  s.cronHooks.push(() => link.cron());
  // Outside a pause (which saves and restores it), expiry deletes keys exactly when this is a
  // primary, even if the role changed while a pause was on.
  s.cronHooks.push(() => { if (!s.pause.paused) s.ks.expireDeletes = link.host === null; });
  // A closing server hangs up on its primary (the primary then drops this replica at once).
  const close = s.close.bind(s);
  s.close = () => { link.hangUp(); return close(); };
  // min-replicas-to-write is a primary's rule: a replica never refuses writes for it.
  const lacksGoodReplicas = s.lacksGoodReplicas.bind(s);
  s.lacksGoodReplicas = () => link.host === null && lacksGoodReplicas();
  // The primary's commands are applied even when this replica cannot persist (MISCONF is for clients).
  const diskError = s.hooks.diskError;
  if (diskError) s.hooks.diskError = (c) => (c === link.master ? null : diskError(c));
  primary(s).upstreamDb = () => (link.master !== null ? link.master.db.id : -1);
  s.hooks.readonly = (c) => {
    if (link.host === null || c === link.master || !s.config.bool('replica-read-only')) return null;
    return E_READONLY;
  };
  // `flags`: the command's, or a script's declared ones (#!lua flags=allow-stale).
  s.hooks.stale = (c, cmd, flags) => {
    if (link.host === null || link.state === 'connected' || c === link.master) return null;
    if (s.config.bool('replica-serve-stale-data')) return null;
    // EXEC is allowed on a stale replica only when every queued command is.
    if (flags & CMD.stale && !(cmd.name === 'exec' && queuedLacks(c, CMD.stale))) return null;
    return E_MASTERDOWN;
  };
}

// role:slave replaces the default; the other fields go right after it.
registerInfoFields('replication', (s): Record<string, string> => (replicaLink(s).host !== null ? { role: 'slave' } : {}));
replicaInfoHook.fields = (s) => Object.entries(replicaLink(s).infoFields());

// A replica's start-up RDB: its replication info is a cached primary (a primary's own restore,
// in primary.ts, keeps the saved id as its secondary id instead).
const restoreAsPrimary = persistenceHooks.restoreReplInfo;
persistenceHooks.restoreReplInfo = (s, res) => {
  const link = replicaLink(s);
  if (link.host === null) { restoreAsPrimary?.(s, res); return; }
  if (res.replId === null || res.replId.length !== 40 || res.replOffset < 0 || res.replStreamDb < 0) return;
  link.restoreFromRdb(res.replId, res.replOffset, res.replStreamDb);
};
