// The primary side of replication: replica links, the replication stream with its offset and
// backlog, and full synchronization (SYNC / PSYNC answered with +FULLRESYNC, an RDB snapshot,
// then the live command stream). A PSYNC whose replid/offset the backlog can still serve gets
// +CONTINUE and the missing part of the stream.
//
// Replica states follow Valkey's: wait_bgsave (waiting for a snapshot to start), then
// send_bulk while the snapshot is produced and transferred (commands meanwhile are kept for the
// replica), online once the stream flows. A diskless (capa eof) transfer ends in
// rdb_transmitted until the replica's first REPLCONF ACK.
import { readFile } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { CLIENT_REPLY_OFF } from '../server/client.js';
import { E } from '../errors.js';
import { CommandStreamEncoder, encodeCommand, PROPAGATE_REPL } from './propagate.js';
import { changeReplicationId, registerInfoFields, replicationIds, setSecondaryReplicationId } from '../server/info.js';
import {
  currentSnapshot, persistence, persistenceHooks, startBgsave, type SnapshotTarget,
} from '../persistence/manager.js';
import { RDB_VERSION, RDB_VERSION_REDIS_MAX, type RdbParts, type SnapshotSink } from '../persistence/rdb.js';
import { perServer } from '../server/per-server.js';

export const enum ReplState {
  /** Waiting for a snapshot to start. */
  WaitBgsaveStart,
  /** The snapshot is being produced (and, diskless, streamed). */
  WaitBgsaveEnd,
  /** The dump file is being sent. */
  SendBulk,
  /** Diskless transfer done; the stream starts at the replica's first ACK. */
  RdbTransmitted,
  Online,
}

const STATE_NAMES = ['wait_bgsave', 'wait_bgsave', 'send_bulk', 'rdb_transmitted', 'online'];

export interface Replica {
  c: Client;
  state: ReplState;
  /** Plain SYNC (pre-PSYNC protocol): no +FULLRESYNC line, never timed out on ACKs. */
  preSync: boolean;
  capaEof: boolean;
  capaPsync2: boolean;
  listeningPort: number;
  ipAddress: string;
  /** Announced version (REPLCONF version), or '' when not announced. */
  version: string;
  rdbOnly: boolean;
  /** The parts of the snapshot it asked for (REPLCONF rdb-filter-only), or null for all of it. */
  include: RdbParts | null;
  ackOffset: number;
  ackTime: number;
  /** Stream bytes produced since this replica's snapshot point, not yet sent. */
  pending: Buffer[];
  pendingBytes: number;
  /** Offset the replica's data starts from (the +FULLRESYNC offset). */
  initialOffset: number;
  /** How the replica gets its snapshot, and which RDB version. */
  target: SnapshotTarget;
  rdbVersion: number;
  /** When it started waiting for a snapshot (for repl-diskless-sync-delay). */
  waitSince: number;
}

/**
 * A bounded history of the most recent stream bytes, for partial resynchronization: a ring
 * buffer of repl-backlog-size bytes, allocated as it fills.
 */
export class Backlog {
  private buf: Buffer;
  /** Next write position in buf. */
  private pos = 0;
  histlen = 0;
  /** Stream offset of the first byte held (Valkey's repl_backlog->offset). */
  offset: number;

  constructor(public size: number, startOffset: number) {
    this.offset = startOffset + 1;
    this.buf = Buffer.allocUnsafe(Math.min(size, 64 * 1024));
  }

  append(b: Buffer): void {
    const n = b.length;
    if (this.buf.length < this.size && this.pos + n > this.buf.length && this.histlen === this.pos) {
      // Still growing (never wrapped): enlarge up to the configured size.
      let cap = this.buf.length;
      while (cap < this.pos + n && cap < this.size) cap *= 2;
      cap = Math.min(cap, this.size);
      const nb = Buffer.allocUnsafe(cap);
      this.buf.copy(nb, 0, 0, this.pos);
      this.buf = nb;
    }
    const cap = this.buf.length;
    if (n >= cap) {
      b.copy(this.buf, 0, n - cap);
      this.pos = 0;
      const dropped = this.histlen + n - cap;
      this.histlen = cap;
      this.offset += dropped;
      return;
    }
    const first = Math.min(n, cap - this.pos);
    b.copy(this.buf, this.pos, 0, first);
    if (first < n) b.copy(this.buf, 0, first);
    this.pos = (this.pos + n) % cap;
    const total = this.histlen + n;
    if (total > cap) { this.offset += total - cap; this.histlen = cap; } else this.histlen = total;
  }

  /** The bytes from stream offset `from` (inclusive) to the end. */
  readFrom(from: number): Buffer[] {
    const skip = from - this.offset;
    const len = this.histlen - skip;
    if (len <= 0) return [];
    const cap = this.buf.length;
    const start = ((this.pos - len) % cap + cap) % cap;
    if (start + len <= cap) return [Buffer.from(this.buf.subarray(start, start + len))];
    return [Buffer.from(this.buf.subarray(start)), Buffer.from(this.buf.subarray(0, len - (cap - start)))];
  }

  /** A new size (CONFIG SET repl-backlog-size): keeps the most recent bytes that fit. */
  resize(size: number): void {
    if (size === this.size) return;
    const keep = Math.min(this.histlen, size);
    const tail = Buffer.concat(this.readFrom(this.offset + this.histlen - keep));
    this.size = size;
    this.buf = Buffer.allocUnsafe(Math.max(Math.min(size, 64 * 1024), keep));
    this.pos = 0;
    this.offset += this.histlen - keep;
    this.histlen = 0;
    this.append(tail);
  }
}

export class ReplicationPrimary {
  readonly replicas: Replica[] = [];
  private byClient = new WeakMap<Client, Replica>();
  /** master_repl_offset: bytes ever produced into the replication stream. */
  offset = 0;
  backlog: Backlog | null = null;
  /** Tracks the db of the stream (Valkey's replicas_eldb). */
  readonly encoder = new CommandStreamEncoder();
  private removeFeed: (() => void) | null = null;
  private batch: Buffer[] = [];
  private flushScheduled = false;
  /** Unix seconds since when there have been no replicas (for repl-backlog-ttl). */
  private noReplicasSince = Math.floor(Date.now() / 1000);
  /** Stream offset right after each client's last propagated write (for WAIT). */
  private woff = new WeakMap<Client, number>();
  /** Clients blocked in WAIT. */
  private waiters: Array<{ c: Client; offset: number; num: number; timer: NodeJS.Timeout | null }> = [];
  private getackScheduled = false;
  /** Replication cron runs (once per second), as Valkey's replication_cron_loops. */
  private cronLoops = 1;
  private lastReplCron = 0;

  constructor(private readonly s: Server) {
    persistence(s).doneListeners.push((target, ok, path) => this.snapshotDone(target, ok, path));
  }

  replicaOf(c: Client): Replica | undefined { return this.byClient.get(c); }

  // ---------------------------------------------------------------- the stream

  private createBacklog(): void {
    // A new history: fresh replication id, no secondary id (Valkey does this when the first
    // replica arrives and there is no backlog).
    changeReplicationId(this.s);
    this.backlog = new Backlog(this.s.config.num('repl-backlog-size'), this.offset);
    this.removeFeed = this.s.propagator.addFeed((dbid, argv) => this.feedCommand(dbid, argv), PROPAGATE_REPL);
  }

  /**
   * Start-up from an RDB that carries replication info (valkey-server's loadDataFromDisk as a
   * primary): the saved id becomes the secondary id valid up to the saved offset, the stream
   * offset continues from there, and a backlog starts so replicas of the old history can
   * continue with a partial resync.
   */
  restoreFromRdb(replId: string, replOffset: number): void {
    setSecondaryReplicationId(this.s, replId, replOffset + 1);
    this.offset += replOffset;
    this.backlog = new Backlog(this.s.config.num('repl-backlog-size'), this.offset);
    if (this.removeFeed === null) this.removeFeed = this.s.propagator.addFeed((dbid, argv) => this.feedCommand(dbid, argv), PROPAGATE_REPL);
    this.noReplicasSince = Math.floor(Date.now() / 1000);
  }

  private freeBacklog(): void {
    this.backlog = null;
    this.removeFeed?.();
    this.removeFeed = null;
  }

  /** One propagated command into the stream (with a SELECT when its db differs). */
  feedCommand(dbid: number, argv: Buffer[]): void {
    // A replica's stream is its primary's, passed on verbatim (proxyBytes).
    if (this.upstream) return;
    this.feedBytes(this.encoder.encode(dbid, argv));
  }

  /** Set while this server is a replica: its stream and offset are the upstream primary's. */
  upstream = false;
  /** A replica whose link to its primary is up (it can serve replicas of its own). */
  upstreamLinkUp = false;
  /** A replica: the db its primary's stream has selected (for the repl-stream-db of its snapshots). */
  upstreamDb: () => number = () => -1;

  /** Upstream stream bytes this replica processed: they advance the offset and go to its own replicas. */
  proxyBytes(b: Buffer): void {
    if (this.backlog === null && this.replicas.length === 0) { this.offset += b.length; return; }
    this.feedBytes(b);
  }

  /**
   * A full sync from the upstream primary finished: the stream restarts at `offset` (a fresh
   * backlog, so this replica can serve partial resyncs later), and its own replicas resync.
   */
  restartStream(offset: number): void {
    this.disconnectReplicas();
    this.offset = offset;
    this.backlog = new Backlog(this.s.config.num('repl-backlog-size'), offset);
    if (this.removeFeed === null) this.removeFeed = this.s.propagator.addFeed((dbid, argv) => this.feedCommand(dbid, argv), PROPAGATE_REPL);
    this.encoder.selectedDb = -1;
  }

  /** Drops every replica link (they reconnect and resynchronize). */
  disconnectReplicas(): void {
    for (const r of [...this.replicas]) r.c.close();
  }

  /** Raw stream bytes: offset, backlog, and every replica that takes them. */
  feedBytes(b: Buffer): void {
    if (this.backlog === null && this.replicas.length === 0) return;
    this.offset += b.length;
    this.backlog?.append(b);
    const writer = this.s.propagator.currentClient;
    if (writer !== null) this.woff.set(writer, this.offset);
    let online = false;
    for (const r of this.replicas) {
      if (r.state === ReplState.Online) online = true;
      else if (r.state !== ReplState.WaitBgsaveStart) {
        r.pending.push(b);
        r.pendingBytes += b.length;
      }
    }
    if (online) {
      this.batch.push(b);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flushBatch());
      }
    }
  }

  /** Sends the batched stream bytes to the online replicas. */
  private flushBatch(): void {
    this.flushScheduled = false;
    if (this.batch.length === 0) return;
    const out = this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch);
    this.batch = [];
    const hard = this.s.config.clientOutputBufferLimit('replica').hardBytes;
    for (const r of [...this.replicas]) {
      if (r.state !== ReplState.Online) continue;
      this.write(r, out);
      if (hard > 0 && r.c.queuedBytes > hard) this.overLimit(r);
    }
  }

  private write(r: Replica, b: Buffer): void {
    const c = r.c;
    if (c.closed || !c.socket) return;
    c.netOut += b.length;
    this.s.stats.netOutput += b.length;
    c.socket.write(b);
  }

  private overLimit(r: Replica): void {
    this.s.log.warning(`Client id=${r.c.id} addr=${r.c.addr} scheduled to be closed ASAP for overcoming of output buffer limits.`);
    this.s.stats.clientOutputBufferLimitDisconnections++;
    r.c.close();
  }

  // ---------------------------------------------------------------- SYNC / PSYNC

  /**
   * SYNC and PSYNC. Replies (errors, +FULLRESYNC / +CONTINUE) go straight to the socket, ahead
   * of the snapshot and the stream; afterwards the connection is a replica link whose command
   * replies are suppressed.
   */
  sync(c: Client, argv: Buffer[]): void {
    const s = this.s;
    if (this.byClient.has(c)) return; // already a replica: ignore
    if (s.config.replicaOf() !== null && !this.upstreamLinkUp) {
      c.w.error("NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    if (c.w.length > 0) { c.w.error('ERR SYNC and PSYNC are invalid with pending output'); return; }
    // A filtered snapshot only ever goes over the socket (never into the dump file).
    const asked = pendingCapa.get(c);
    if (asked?.include && !asked.capaEof) { c.w.error('ERR Filtered replica requires EOF capability'); return; }
    const isPsync = argv[0]!.toString('latin1').toLowerCase() === 'psync';
    const pr = pendingCapa.get(c) ?? newCapa();
    pendingCapa.delete(c);
    if (isPsync && argv.length >= 4 && argv[3]!.toString('latin1').toLowerCase() === 'failover') {
      c.w.error("ERR PSYNC FAILOVER can't be sent to a master.");
      return;
    }
    const r: Replica = {
      c, state: ReplState.WaitBgsaveStart, preSync: !isPsync, capaEof: pr.capaEof, capaPsync2: pr.capaPsync2,
      listeningPort: pr.listeningPort, ipAddress: pr.ipAddress, version: pr.version, rdbOnly: pr.rdbOnly,
      include: pr.include, ackOffset: 0, ackTime: Date.now(), pending: [], pendingBytes: 0, initialOffset: 0,
      target: 'disk', rdbVersion: RDB_VERSION, waitSince: Date.now(),
    };
    if (isPsync) {
      const id = argv[1]!.toString('latin1');
      const off = Number(argv[2]!.toString('latin1'));
      if (this.tryPartial(r, id, off)) return;
      if (id !== '?') s.log.notice(`Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '${id}', my replication IDs are '${replicationIds(s).replid}' and '${replicationIds(s).replid2}')`);
      else s.log.notice(`Full resync requested by replica ${replicaName(r)}`);
    } else {
      s.log.notice(`Replica ${replicaName(r)} asks for synchronization`);
    }
    this.makeReplica(r);
    if (this.backlog === null) this.createBacklog();
    // Where the snapshot goes: straight to the socket for replicas that can take an EOF-framed
    // payload when diskless sync is on (or when the payload is not a full dump of this server);
    // the dump file otherwise.
    const diskless = s.config.bool('repl-diskless-sync');
    r.target = (diskless || r.rdbOnly || r.include !== null) && r.capaEof ? 'socket' : 'disk';
    r.rdbVersion = replicationTesting.forceRdbVersion ||
      (r.target === 'socket' ? rdbVersionFor(r.version) : RDB_VERSION);
    s.log.notice(`Starting BGSAVE for SYNC with target: ${r.target === 'socket' ? 'replicas sockets' : 'disk'}`);
    const cur = currentSnapshot(s);
    if (cur !== null && cur.target === 'disk' && r.target === 'disk') {
      // Attach to the dump being written if another replica collects the stream for it.
      const peer = this.replicas.find((o) => o !== r && o.state === ReplState.WaitBgsaveEnd && o.target === 'disk' &&
        sameParts(o.include, r.include));
      if (peer) {
        r.state = ReplState.WaitBgsaveEnd;
        r.initialOffset = peer.initialOffset;
        r.pending = [...peer.pending];
        r.pendingBytes = peer.pendingBytes;
        this.sendFullResync(r, r.initialOffset);
        s.log.notice('Waiting for end of BGSAVE for SYNC');
        return;
      }
      s.log.notice("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      return;
    }
    if (cur !== null) return; // a snapshot is running: wait for the next one
    if (r.target === 'socket' && diskless && s.config.num('repl-diskless-sync-delay') > 0) return; // the cron starts it
    this.startSnapshotFor(r.target, r.rdbVersion, r.include);
  }

  private makeReplica(r: Replica): void {
    const c = r.c;
    this.replicas.push(r);
    this.byClient.set(c, r);
    c.extraFlags = c.extraFlags.includes('S') ? c.extraFlags : c.extraFlags + 'S';
    // Replies to a replica would corrupt the stream; Valkey sends none.
    c.replyMode = CLIENT_REPLY_OFF;
    c.socket?.once('close', () => this.removeReplica(r));
  }

  private tryPartial(r: Replica, id: string, off: number): boolean {
    const s = this.s;
    const ids = replicationIds(s);
    const bl = this.backlog;
    if (id === '?' || !Number.isFinite(off)) return false;
    // The id of the history before a restart stays valid up to the offset it reached then.
    if (id !== ids.replid && (id !== ids.replid2 || off > ids.secondReplOffset)) return false;
    if (bl === null || off < bl.offset || off > bl.offset + bl.histlen) {
      s.log.notice(`Unable to partial resync with replica ${replicaName(r)} for lack of backlog (Replica request was: ${off}).`);
      return false;
    }
    this.makeReplica(r);
    r.state = ReplState.Online;
    r.ackTime = Date.now();
    this.flushBatch();
    this.write(r, Buffer.from(r.capaPsync2 ? `+CONTINUE ${ids.replid}\r\n` : '+CONTINUE\r\n'));
    let sent = 0;
    for (const b of bl.readFrom(off)) { this.write(r, b); sent += b.length; }
    s.log.notice(`Partial resynchronization request from ${replicaName(r)} accepted. Sending ${sent} bytes of backlog starting from offset ${off}.`);
    return true;
  }

  private sendFullResync(r: Replica, offset: number): void {
    if (r.preSync) return;
    this.write(r, Buffer.from(`+FULLRESYNC ${replicationIds(this.s).replid} ${offset}\r\n`));
  }

  /**
   * Starts a snapshot for the replicas waiting with this target, RDB version and filter: a
   * snapshot is only shared by replicas that asked for the same parts.
   */
  private startSnapshotFor(target: SnapshotTarget, version: number, include: RdbParts | null): void {
    const s = this.s;
    const waiting = this.replicas.filter((r) => r.state === ReplState.WaitBgsaveStart && r.target === target &&
      r.rdbVersion === version && sameParts(r.include, include));
    if (waiting.length === 0) return;
    const offset = this.offset;
    for (const r of waiting) {
      r.state = ReplState.WaitBgsaveEnd;
      r.initialOffset = offset;
      r.pending = [];
      r.pendingBytes = 0;
      this.sendFullResync(r, offset);
    }
    // The stream restarts for these replicas: the next command must carry a SELECT.
    this.encoder.selectedDb = -1;
    let result;
    if (target === 'disk') {
      result = startBgsave(s, { target: 'disk', version }); // (never filtered: see sync())
    } else {
      const mark = randomBytes(20).toString('hex');
      for (const r of waiting) this.write(r, Buffer.from(`$EOF:${mark}\r\n`));
      const sink: SnapshotSink = {
        write: (chunk) => { for (const r of waiting) if (r.state === ReplState.WaitBgsaveEnd) this.write(r, chunk); },
        congested: () => waiting.some((r) => r.c.queuedBytes > 32 * 1024 * 1024),
      };
      result = startBgsave(s, { target: 'socket', sink, version, include: include ?? undefined });
      if (typeof result !== 'string') {
        result.onFinish((err) => {
          if (err) return;
          for (const r of waiting) {
            if (r.state !== ReplState.WaitBgsaveEnd) continue;
            this.write(r, Buffer.from(mark));
            if (r.rdbOnly) {
              s.log.notice(`Synchronization with replica ${replicaName(r)} succeeded (rdb only)`);
              r.c.close();
              continue;
            }
            r.state = ReplState.RdbTransmitted;
            s.log.notice(`Streamed RDB transfer with replica ${replicaName(r)} succeeded (socket). Waiting for REPLCONF ACK from replica to enable streaming`);
          }
        });
      }
    }
    if (typeof result === 'string') {
      s.log.warning(`BGSAVE for replication failed: ${result}`);
      for (const r of waiting) {
        this.write(r, Buffer.from('-ERR BGSAVE failed, maybe there is another child process in progress. Check the server logs.\r\n'));
        r.c.close();
      }
    }
  }

  /** A background save ended: ship the dump to the replicas waiting on it, or drop them. */
  private snapshotDone(target: SnapshotTarget, ok: boolean, path: string): void {
    const s = this.s;
    const waiting = this.replicas.filter((r) => r.state === ReplState.WaitBgsaveEnd && r.target === target);
    if (!ok) {
      for (const r of waiting) {
        s.log.warning(`SYNC failed. BGSAVE child returned an error`);
        // Still waiting for the payload: say why instead of just hanging up.
        if (r.target === 'disk') this.write(r, Buffer.from('-ERR BGSAVE failed, replication can\'t continue. Check the server logs.\r\n'));
        r.c.close();
      }
    } else if (target === 'disk' && waiting.length > 0) {
      for (const r of waiting) r.state = ReplState.SendBulk;
      readFile(path, (err, data) => {
        for (const r of waiting) {
          if (r.c.closed || r.state !== ReplState.SendBulk) continue;
          if (err) {
            s.log.warning(`SYNC failed. Can't open/stat DB after BGSAVE: ${err.message}`);
            r.c.close();
            continue;
          }
          this.write(r, Buffer.from(`$${data.length}\r\n`));
          this.write(r, data);
          s.log.notice(`Synchronization with replica ${replicaName(r)} succeeded`);
          if (r.rdbOnly) { r.c.close(); continue; }
          this.putOnline(r);
        }
      });
    }
    // Replicas that could not use this snapshot get the next one.
    setImmediate(() => this.startPending());
  }

  /** Starts snapshots for replicas waiting when nothing is running (Valkey's replicationStartPendingFork). */
  private startPending(force = false): void {
    if (currentSnapshot(this.s) !== null) return;
    const waiting = this.replicas.filter((r) => r.state === ReplState.WaitBgsaveStart);
    if (waiting.length === 0) return;
    const first = waiting[0]!;
    if (first.target === 'socket' && !force && this.s.config.bool('repl-diskless-sync')) {
      const delay = this.s.config.num('repl-diskless-sync-delay') * 1000;
      const maxReplicas = this.s.config.num('repl-diskless-sync-max-replicas');
      const socketWaiting = waiting.filter((r) => r.target === 'socket' && sameParts(r.include, first.include));
      const longest = Math.max(...socketWaiting.map((r) => Date.now() - r.waitSince));
      if (longest < delay && !(maxReplicas > 0 && socketWaiting.length >= maxReplicas)) return;
    }
    this.startSnapshotFor(first.target, first.rdbVersion, first.include);
  }

  /** Sends what accumulated during the transfer and switches the replica to the live stream. */
  private putOnline(r: Replica): void {
    this.flushBatch();
    for (const b of r.pending) this.write(r, b);
    r.pending = [];
    r.pendingBytes = 0;
    r.state = ReplState.Online;
    r.ackTime = Date.now();
  }

  private removeReplica(r: Replica): void {
    const i = this.replicas.indexOf(r);
    if (i < 0) return;
    this.replicas.splice(i, 1);
    this.byClient.delete(r.c);
    this.s.log.notice(`Connection with replica ${replicaName(r)} lost.`);
    if (this.replicas.length === 0) this.noReplicasSince = Math.floor(Date.now() / 1000);
    // A diskless transfer nobody receives any more is stopped.
    const cur = currentSnapshot(this.s);
    if (cur !== null && cur.target === 'socket' &&
        !this.replicas.some((o) => o.state === ReplState.WaitBgsaveEnd && o.target === 'socket')) {
      this.s.log.warning('Diskless rdb transfer, last replica dropped, killing fork child.');
      cur.snapshot.abort('no replica left');
    }
  }

  // ---------------------------------------------------------------- REPLCONF

  /** REPLCONF ACK <offset> [FACK <aofoffset>]: no reply. */
  ack(c: Client, offset: number): void {
    const r = this.byClient.get(c);
    if (r === undefined) return;
    if (offset > r.ackOffset) r.ackOffset = offset;
    r.ackTime = Date.now();
    if (r.state === ReplState.RdbTransmitted) {
      this.putOnline(r);
      this.s.log.notice(`Synchronization with replica ${replicaName(r)} succeeded`);
    }
    if (this.waiters.length > 0) this.serveWaiters();
  }

  // ---------------------------------------------------------------- WAIT

  /** Online replicas that acknowledged at least `offset`. */
  countAcks(offset: number): number {
    let n = 0;
    for (const r of this.replicas) if (r.state === ReplState.Online && r.ackOffset >= offset) n++;
    return n;
  }

  /** WAIT numreplicas timeout: replies at once when enough replicas have the writes, else blocks. */
  wait(c: Client, num: number, timeoutMs: number): void {
    const offset = this.woff.get(c) ?? 0;
    const acks = this.countAcks(offset);
    if (acks >= num || c.denyBlocking) { c.w.int(acks); return; }
    const w = { c, offset, num, timer: null as NodeJS.Timeout | null };
    const done = (reply: () => void) => {
      const i = this.waiters.indexOf(w);
      if (i < 0) return;
      this.waiters.splice(i, 1);
      if (w.timer) clearTimeout(w.timer);
      if (c.closed) { c.blocked = false; return; }
      reply();
      c.resume();
      c.flushSoon();
    };
    c.blocked = true;
    c.blockedReason = 'other';
    c.onUnblock = (error) => done(() => { if (error) c.w.error(E.unblockedByClient); else c.w.int(this.countAcks(offset)); });
    if (timeoutMs > 0) w.timer = setTimeout(() => done(() => c.w.int(this.countAcks(offset))), timeoutMs);
    this.waiters.push(w);
    this.requestAck();
  }

  private serveWaiters(): void {
    for (const w of [...this.waiters]) {
      const n = this.countAcks(w.offset);
      if (n >= w.num) w.c.onUnblock?.(false);
    }
  }

  /** Asks every replica for an ACK (REPLCONF GETACK *), at most once per event-loop turn. */
  private requestAck(): void {
    if (this.getackScheduled) return;
    this.getackScheduled = true;
    setImmediate(() => {
      this.getackScheduled = false;
      if (this.replicas.length === 0 || this.s.pause.paused) return;
      this.feedCommand(-1, [Buffer.from('REPLCONF'), Buffer.from('GETACK'), Buffer.from('*')]);
    });
  }

  // ---------------------------------------------------------------- cron

  cron(): void {
    const s = this.s;
    const now = Date.now();
    for (const r of this.replicas) r.c.lastInteraction = now; // replica links never idle out
    if (now - this.lastReplCron >= 1000) {
      this.lastReplCron = now;
      // PING every repl-ping-replica-period seconds, so replicas can detect a dead link.
      const period = s.config.num('repl-ping-replica-period');
      if (this.cronLoops % period === 0 && this.replicas.length > 0 && !s.pause.paused) {
        this.feedCommand(-1, [Buffer.from('PING')]);
      }
      this.cronLoops++;
      // Replicas waiting for a snapshot (or for a dump file) get a newline so they do not time out.
      for (const r of this.replicas) {
        if (r.state === ReplState.WaitBgsaveStart || (r.state === ReplState.WaitBgsaveEnd && r.target === 'disk')) {
          this.write(r, NEWLINE);
        }
      }
      // Timed-out replicas (not for the pre-PSYNC protocol, which sends no ACKs).
      const timeout = s.config.num('repl-timeout') * 1000;
      for (const r of [...this.replicas]) {
        if (r.state === ReplState.Online && !r.preSync && now - r.ackTime > timeout) {
          s.log.warning(`Disconnecting timedout replica (streaming sync): ${replicaName(r)}`);
          r.c.close();
        }
      }
      this.backlog?.resize(s.config.num('repl-backlog-size'));
      // The backlog goes after repl-backlog-ttl seconds without replicas.
      const ttl = s.config.num('repl-backlog-ttl');
      if (this.backlog !== null && this.replicas.length === 0 && ttl > 0 &&
          Math.floor(now / 1000) - this.noReplicasSince > ttl) {
        changeReplicationId(s);
        this.freeBacklog();
        s.log.notice(`Replication backlog freed after ${ttl} seconds without connected replicas.`);
      }
    }
    this.startPending();
  }

  // ---------------------------------------------------------------- info

  /**
   * Online replicas whose last REPLCONF ACK is at most min-replicas-max-lag seconds old
   * (Valkey's good-replicas count, which min-replicas-to-write compares against).
   */
  goodReplicasCount(): number {
    const maxLag = this.s.config.num('min-replicas-max-lag');
    const now = Date.now();
    let n = 0;
    for (const r of this.replicas) {
      if (r.state === ReplState.Online && Math.floor((now - r.ackTime) / 1000) <= maxLag) n++;
    }
    return n;
  }

  infoFields(): Record<string, string | number> {
    const bl = this.backlog;
    const f: Record<string, string | number> = { connected_slaves: this.replicas.length };
    // Shown only while min-replicas-to-write is in force, like Valkey.
    if (this.s.minReplicasToWrite > 0) f.min_slaves_good_slaves = this.goodReplicasCount();
    Object.assign(f, {
      master_repl_offset: this.offset,
      repl_backlog_active: bl ? 1 : 0,
      repl_backlog_size: this.s.config.num('repl-backlog-size'),
      repl_backlog_first_byte_offset: bl ? bl.offset : 0,
      repl_backlog_histlen: bl ? bl.histlen : 0,
    });
    let i = 0;
    const now = Date.now();
    for (const r of this.replicas) {
      const ip = r.ipAddress || remoteIp(r.c);
      const lag = r.state === ReplState.Online ? Math.floor((now - r.ackTime) / 1000) : 0;
      f[`slave${i++}`] = `ip=${ip},port=${r.listeningPort},state=${STATE_NAMES[r.state]},offset=${r.ackOffset},lag=${lag},type=replica`;
    }
    return f;
  }
}

const NEWLINE = Buffer.from('\n');

/**
 * Test knob: send full syncs in this RDB version whatever the replica announced (0 = off). Lets
 * tests attach replicas built from development trees that announce 255.255.255 but read RDB 11.
 */
export const replicationTesting = { forceRdbVersion: 0 };

/** Highest RDB version a replica of this announced version can read (9.1's table). */
export function rdbVersionFor(version: string): number {
  const m = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (!m) return RDB_VERSION_REDIS_MAX;
  const major = Number(m[1]);
  return major >= 9 ? RDB_VERSION : RDB_VERSION_REDIS_MAX;
}

function remoteIp(c: Client): string {
  const a = c.socket?.remoteAddress ?? '?';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function replicaName(r: Replica): string {
  return `${r.ipAddress || remoteIp(r.c)}:${r.listeningPort}`;
}

// ------------------------------------------------------------------ REPLCONF state before SYNC

interface Capa {
  capaEof: boolean; capaPsync2: boolean; listeningPort: number; ipAddress: string; version: string; rdbOnly: boolean;
  include: RdbParts | null;
}
function newCapa(): Capa {
  return { capaEof: false, capaPsync2: false, listeningPort: 0, ipAddress: '', version: '', rdbOnly: false, include: null };
}

/** Whether two replicas asked for the same parts of the snapshot (null: all of it). */
function sameParts(a: RdbParts | null, b: RdbParts | null): boolean {
  return (a?.data ?? true) === (b?.data ?? true) && (a?.functions ?? true) === (b?.functions ?? true);
}

/** REPLCONF settings of connections that have not become replicas yet. */
const pendingCapa = new WeakMap<Client, Capa>();

/** What REPLCONF records for a connection (before or after it became a replica). */
export function replconfState(s: Server, c: Client): Capa {
  const r = primary(s).replicaOf(c);
  if (r) return r;
  let p = pendingCapa.get(c);
  if (!p) { p = newCapa(); pendingCapa.set(c, p); }
  return p;
}

// ------------------------------------------------------------------ per server

export const primary = perServer((s) => new ReplicationPrimary(s));

export function installReplication(s: Server): void {
  const p = primary(s);
  s.goodReplicasCount = () => p.goodReplicasCount();
  s.cronHooks.push(() => p.cron());
}

// The replication fields a snapshot carries, so a restarted replica can try a partial resync.
persistenceHooks.saveInfo = (s) => {
  const p = primary(s);
  if (p.backlog === null) return [];
  const db = p.upstream ? p.upstreamDb() : p.encoder.selectedDb;
  return [['repl-stream-db', String(db < 0 ? 0 : db)], ['repl-id', replicationIds(s).replid], ['repl-offset', String(p.offset)]];
};

persistenceHooks.restoreReplInfo = (s, res) => {
  if (res.replId === null || res.replId.length !== 40 || res.replOffset < 0 || res.replStreamDb < 0) return;
  primary(s).restoreFromRdb(res.replId, res.replOffset);
};

registerInfoFields('replication', (s) => primary(s).infoFields());
