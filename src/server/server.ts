// The server: listeners, clients, the keyspace, the command registry and the cron.
import { performance } from 'node:perf_hooks';
import net from 'node:net';
import { existsSync, unlinkSync } from 'node:fs';
import { Registry, Command } from '../commands/registry.js';
import { registerAll } from '../commands/index.js';
import { Keyspace } from '../store/keyspace.js';
import { PREFETCH_MAX } from '../store/prefetch.js';
import { Config } from './config.js';
import { readIntoSharedBuffer } from './readbuf.js';
import { Client } from './client.js';
import { call, processCommand } from './dispatch.js';
import { Logger } from './log.js';
import { SlowLog } from './slowlog.js';
import { LatencyMonitor } from './latency.js';
import { PauseState } from './pause.js';
import { BlockingManager } from './blocking.js';
import { Propagator } from '../replication/propagate.js';
import { installPersistence, loadDataAtStartup } from '../persistence/manager.js';
import { aofShutdown, aofStartup, installAof } from '../persistence/aof.js';
import { installReplication } from '../replication/primary.js';
import { installReplica } from '../replication/replica.js';
import { installScripting } from '../scripting/scripting.js';
import { installAcl, registerAclDirectives } from '../commands/acl.js';
import { installPubsub } from '../pubsub/pubsub.js';
import { installNotify } from './notify.js';
import { installEviction } from './evict.js';
import { listenNow } from './listen.js';
import { errorCode } from '../errors.js';
import { REDIS_VERSION, VALKEY_VERSION, PEREGRINE_VERSION } from '../version.js';

export class ServerStats {
  totalConnections = 0;
  rejectedConnections = 0;
  commandsProcessed = 0;
  netInput = 0;
  netOutput = 0;
  protocolErrors = 0;
  totalErrorReplies = 0;
  unexpectedErrorReplies = 0;
  clientQueryBufferLimitDisconnections = 0;
  clientOutputBufferLimitDisconnections = 0;
  evictedClients = 0;
  /** Ring of per-100ms samples for instantaneous_* rates. */
  opsSamples: number[] = [];
  inSamples: number[] = [];
  outSamples: number[] = [];
  lastSample = { time: Date.now(), ops: 0, netIn: 0, netOut: 0 };
  errorStats = new Map<string, number>();
  reset(): void {
    this.totalConnections = 0; this.rejectedConnections = 0; this.commandsProcessed = 0;
    this.netInput = 0; this.netOutput = 0; this.protocolErrors = 0; this.totalErrorReplies = 0;
    this.unexpectedErrorReplies = 0; this.clientQueryBufferLimitDisconnections = 0;
    this.clientOutputBufferLimitDisconnections = 0; this.evictedClients = 0;
    this.opsSamples = []; this.inSamples = []; this.outSamples = [];
    this.errorStats.clear();
  }
}

/** Hook points for the generic checks and side effects later subsystems add. */
export interface ServerHooks {
  acl?: (c: Client, cmd: Command, argv: Buffer[]) => string | null;
  cluster?: (c: Client, cmd: Command, argv: Buffer[]) => string | null;
  /** For EXEC, the queued commands' flags are in c.multiFlags (Valkey refuses EXEC of denyoom ones). */
  oom?: (c: Client, cmd: Command, argv: Buffer[]) => string | null;
  readonly?: (c: Client, cmd: Command, argv: Buffer[]) => string | null;
  /** A replica whose link is down with replica-serve-stale-data no: the -MASTERDOWN error, or null. */
  stale?: (c: Client, cmd: Command, flags: number) => string | null;
  /** MISCONF: writes (and PING) refused while the last save or AOF write failed. */
  diskError?: (c: Client) => string | null;
  queue?: (c: Client, cmd: Command, argv: Buffer[]) => void;
  flagTransaction?: (c: Client) => void;
  /** A rejected EXEC ends the transaction (MULTI state and watches) — see dispatch reject(). */
  discardTransaction?: (c: Client) => void;
  /** Before a command is queued or executed, once the generic checks passed up to OOM (tracking table limit). */
  beforeCommand?: (c: Client, cmd: Command) => void;
  /** Entering call() (nested for EXEC / scripts), and leaving it on every path, blocked included. */
  enterCall?: (c: Client, cmd: Command) => void;
  leaveCall?: (c: Client, cmd: Command, argv: Buffer[]) => void;
  afterCall?: (c: Client, cmd: Command, argv: Buffer[]) => void;
  /** BUSY error while a timed-out script runs (scripting/scripting.ts). */
  busy?: (c: Client, cmd: Command) => string | null;
  clientClosed?: (c: Client) => void;
  /**
   * Output buffer limits (pubsub/obuf.ts): called with the bytes about to be written to a client;
   * returns true when it disconnected the client instead (the bytes are then dropped).
   */
  outputCheck?: (c: Client, pending: number) => boolean;
}

export interface ServerOptions {
  /** Config file path (valkey.conf format). */
  configFile?: string;
  /** Command-line style overrides: ['--port', '0', ...]. */
  argv?: string[];
  /** Parameter overrides applied after the file and argv. */
  config?: Record<string, string | number | boolean>;
  /** Captures log lines instead of printing them. */
  logSink?: (line: string) => void;
  /** Exit the process on SHUTDOWN (the CLI sets this). */
  exitOnShutdown?: boolean;
  /** Running inside a host process: never chdir (the `dir` parameter is kept as a path). */
  embedded?: boolean;
}

export class Server {
  readonly config: Config;
  readonly registry = new Registry();
  ks!: Keyspace;
  readonly log = new Logger();
  readonly stats = new ServerStats();
  readonly clients = new Map<number, Client>();
  readonly monitors = new Set<Client>();
  readonly slowlog = new SlowLog();
  readonly latency = new LatencyMonitor();
  readonly pause = new PauseState();
  blocking!: BlockingManager;
  /** Command propagation to replicas / AOF (replication/propagate.ts). */
  readonly propagator: Propagator = new Propagator(this);
  /** Periodic work of other subsystems (e.g. hash-field expiry), run on every cron tick. */
  readonly cronHooks: Array<(periodMs: number) => void> = [];
  readonly hooks: ServerHooks = {};
  readonly startTime = Date.now();
  readonly runId = randomHex(40);
  private nextClientId = 1;
  private listeners: net.Server[] = [];
  private unixListener: net.Server | null = null;
  private cronTimer: NodeJS.Timeout | null = null;
  private flushQueue: Client[] = [];
  private flushScheduled = false;
  port = 0;
  loading = false;
  shuttingDown = false;
  activeExpireEnabled = true;
  lastSave = Math.floor(Date.now() / 1000);
  cronLoops = 0;
  /** DEBUG PAUSE-CRON: while true the cron does no work (it keeps rescheduling itself). */
  cronPaused = false;
  // Cached config values used on hot paths.
  protoMaxBulkLen = 512 * 1024 * 1024;
  queryBufferLimit = 1024 * 1024 * 1024;
  /** prefetch-batch-max-size: most pipelined requests of one read whose keys are prefetched (< 2: off). */
  prefetchBatch = 16;
  maxmemory = 0;
  /** min-replicas-to-write when min-replicas-max-lag is also set (0: writes need no replicas). */
  minReplicasToWrite = 0;
  /** Online replicas whose last ACK is within min-replicas-max-lag (installed by replication). */
  goodReplicasCount: () => number = () => 0;
  /** True when min-replicas-to-write is in force and too few good replicas are connected (writes get NOREPLICAS). */
  lacksGoodReplicas(): boolean {
    return this.minReplicasToWrite > 0 && this.goodReplicasCount() < this.minReplicasToWrite;
  }
  latencyThresholdMs = 0;
  /** latency-tracking: per-command latency histograms are recorded only when on. */
  latencyTracking = true;
  requirepass = '';
  private exitOnShutdown: boolean;
  /** Resolves when the server has fully stopped. */
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(opts: ServerOptions = {}) {
    this.config = new Config({ chdirOnDir: !opts.embedded });
    this.exitOnShutdown = opts.exitOnShutdown ?? false;
    if (opts.logSink) this.log.sink = opts.logSink;
    registerAclDirectives(this.config);
    this.config.loadStartup(opts.configFile, opts.argv ?? []);
    for (const [k, v] of Object.entries(opts.config ?? {})) {
      const err = this.config.set(k, typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v), 'startup');
      if (err) throw new Error(`config ${k}: ${err}`);
    }
    this.closed = new Promise((r) => (this.resolveClosed = r));
    this.ks = new Keyspace(this.config.num('databases'));
    this.ks.onExpire = (db, key) => this.propagator.expired(db, key);
    this.blocking = new BlockingManager(this);
    this.blocking.callFn = (c, cmd, argv) => call(this, c, cmd, argv);
    this.bindConfig();
    registerAll(this.registry);
    installPersistence(this);
    installAof(this);
    installReplication(this);
    installReplica(this);
    installEviction(this);
    installScripting(this);
    installAcl(this);
    installPubsub(this);
    installNotify(this);
    this.pause.resumeFn = (c, argv) => processCommand(this, c, argv);
  }

  /** Caches hot config values and installs apply hooks. */
  private bindConfig(): void {
    const cfg = this.config;
    const refresh = () => {
      this.protoMaxBulkLen = cfg.num('proto-max-bulk-len');
      this.queryBufferLimit = cfg.num('client-query-buffer-limit');
      this.prefetchBatch = Math.min(cfg.num('prefetch-batch-max-size'), PREFETCH_MAX);
      this.maxmemory = cfg.num('maxmemory');
      this.minReplicasToWrite = cfg.num('min-replicas-max-lag') > 0 ? cfg.num('min-replicas-to-write') : 0;
      this.latencyThresholdMs = cfg.num('latency-monitor-threshold');
      this.latencyTracking = cfg.bool('latency-tracking');
      this.requirepass = cfg.str('requirepass');
      this.slowlog.threshold = cfg.num('slowlog-log-slower-than');
      this.slowlog.maxLen = cfg.num('slowlog-max-len');
      const policy = cfg.str('maxmemory-policy');
      this.ks.lfuMode = policy.includes('lfu');
      this.ks.lfuLogFactor = cfg.num('lfu-log-factor');
      this.ks.lfuDecayTime = cfg.num('lfu-decay-time');
      this.log.setLevel(cfg.str('loglevel'));
      this.log.file = cfg.str('logfile');
      for (const c of this.clients.values()) {
        (c.parser as unknown as { limits: { maxBulkLen: number } }).limits.maxBulkLen = this.protoMaxBulkLen;
      }
      return null;
    };
    refresh();
    for (const name of ['proto-max-bulk-len', 'client-query-buffer-limit', 'maxmemory', 'latency-monitor-threshold', 'latency-tracking',
      'requirepass', 'slowlog-log-slower-than', 'slowlog-max-len', 'maxmemory-policy', 'lfu-log-factor',
      'lfu-decay-time', 'loglevel', 'logfile', 'min-replicas-to-write', 'min-replicas-max-lag', 'prefetch-batch-max-size']) {
      cfg.onChange(name, refresh);
    }
    cfg.onChange('requirepass', () => {
      refresh();
      return null;
    });
    // CONFIG SET port / bind listen again at once; a failure rolls the CONFIG SET back (and the
    // restored values listen again).
    cfg.onChange('port', () => (this.relisten() ? null : 'Unable to listen on this port. Check server logs.'));
    cfg.onChange('bind', () => (this.relisten() ? null : 'Failed to bind to specified addresses.'));
  }

  /**
   * Replaces the TCP listeners with ones for the configured bind addresses and port (Valkey's
   * changeListener); connected clients stay. Port 0 means no TCP listener. On failure every new
   * listener is closed again and false is returned (the log says which address failed).
   */
  private relisten(): boolean {
    if (this.shuttingDown) return true;
    for (const l of this.listeners) l.close();
    this.listeners = [];
    const port = this.config.num('port');
    this.port = port;
    if (port === 0) return true;
    const backlog = this.config.num('tcp-backlog');
    // No bind address (bind "") means no TCP listener, as in Valkey.
    for (const raw of this.config.str('bind').split(/\s+/).filter(Boolean)) {
      const optional = raw.startsWith('-');
      const a = optional ? raw.slice(1) : raw;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      const r = listenNow(host, port, a === '::*', backlog, (sock) => this.accept(sock));
      if (r instanceof net.Server) { this.listeners.push(r); continue; }
      this.log.warning(`Warning: Could not create server TCP listening socket ${a}:${port}: ${r.message}`);
      // Like Valkey: an optional address that does not exist here, or an address family the
      // system lacks, is skipped.
      if ((optional && r.code === 'EADDRNOTAVAIL') || r.code === 'EAFNOSUPPORT' || r.code === 'EPROTONOSUPPORT') continue;
      for (const l of this.listeners) l.close();
      this.listeners = [];
      return false;
    }
    return true;
  }

  authRequired(): boolean { return this.requirepass !== ''; }

  /** enable-debug-command / enable-module-command: no | yes | local. */
  allowProtected(option: string, c: Client): boolean {
    const v = this.config.str(option);
    if (v === 'yes') return true;
    if (v === 'local') return isLocal(c);
    return false;
  }

  dispatch(c: Client, argv: Buffer[]): void { processCommand(this, c, argv); }

  /**
   * Counts an error reply in INFO errorstats. `custom` marks errors a script made up (returned
   * error tables): once 128 distinct codes exist, new custom codes are folded into
   * ERRORSTATS_OVERFLOW, while the server's own error codes are always tracked.
   */
  countError(msg: string, custom = false): void {
    this.stats.totalErrorReplies++;
    let code = errorCode(msg);
    const es = this.stats.errorStats;
    if (custom && !es.has(code) && es.size >= 128) code = 'ERRORSTATS_OVERFLOW';
    es.set(code, (es.get(code) ?? 0) + 1);
  }

  // ---------------------------------------------------------------- networking

  async start(): Promise<void> {
    const binds = this.config.str('bind').split(/\s+/).filter(Boolean);
    const wantPort = this.config.num('port');
    let port = wantPort;
    for (const raw of binds.length ? binds : ['*']) {
      const optional = raw.startsWith('-');
      const a = optional ? raw.slice(1) : raw;
      const host = a === '*' ? '0.0.0.0' : a === '::*' ? '::' : a;
      try {
        const srv = await this.listen(host, port, a === '::*');
        if (port === 0) port = (srv.address() as net.AddressInfo).port;
        this.listeners.push(srv);
      } catch (e) {
        if (optional) continue;
        const err = e as NodeJS.ErrnoException;
        this.log.warning(`Warning: Could not create server TCP listening socket ${a}:${port}: ${err.message}`);
        await this.close();
        throw err;
      }
    }
    this.port = port;
    // A port picked by the system is the configured port from now on (CONFIG GET port tells it).
    if (wantPort === 0 && port !== 0) this.config.set('port', String(port), 'startup');
    const unixPath = this.config.str('unixsocket');
    if (unixPath) {
      if (existsSync(unixPath)) { try { unlinkSync(unixPath); } catch { /* ignore */ } }
      this.unixListener = net.createServer((s) => this.accept(s));
      await new Promise<void>((res, rej) => {
        this.unixListener!.once('error', rej);
        this.unixListener!.listen(unixPath, () => res());
      });
    }
    this.log.notice(`Peregrine ${PEREGRINE_VERSION} (Valkey ${VALKEY_VERSION} compatible, redis_version ${REDIS_VERSION}) pid=${process.pid}, just started`);
    this.log.notice(`Running mode=standalone, port=${this.port}.`);
    this.scheduleCron();
    this.log.notice('Server initialized');
    try {
      if (!(await aofStartup(this))) await loadDataAtStartup(this);
    } catch (e) {
      // A dataset that cannot be loaded stops the start-up (valkey-server exits).
      await this.close();
      throw e;
    }
    this.log.notice('Ready to accept connections tcp');
    if (unixPath) this.log.notice('Ready to accept connections unix');
  }

  private listen(host: string, port: number, v6only: boolean): Promise<net.Server> {
    return new Promise((resolve, reject) => {
      const srv = net.createServer({ noDelay: true }, (s) => this.accept(s));
      srv.once('error', reject);
      srv.listen({ host, port, ipv6Only: v6only, backlog: this.config.num('tcp-backlog') }, () => {
        srv.removeListener('error', reject);
        resolve(srv);
      });
    });
  }

  private accept(socket: net.Socket): void {
    socket.setNoDelay(true);
    const keepalive = this.config.num('tcp-keepalive');
    if (keepalive > 0) socket.setKeepAlive(true, keepalive * 1000);
    if (this.clients.size >= this.config.num('maxclients')) {
      this.stats.rejectedConnections++;
      socket.end('-ERR max number of clients reached\r\n');
      return;
    }
    if (this.config.bool('protected-mode') && !this.authRequired() && this.config.str('bind') === '* -::*' &&
        !isLoopback(socket.remoteAddress)) {
      this.stats.rejectedConnections++;
      socket.end('-DENIED Running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers, you may adopt one of the following solutions: 1) Just disable protected mode sending the command \'CONFIG SET protected-mode no\' from the loopback interface by connecting to the server from the same host the server is running, however MAKE SURE it\'s not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the configuration file, and setting the protected mode option to \'no\', and then restarting the server. 3) If you started the server manually just for testing, restart it with the \'--protected-mode no\' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n');
      return;
    }
    const c = new Client(this, socket, this.nextClientId++);
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
    if (readIntoSharedBuffer(socket, (chunk) => c.onData(chunk))) c.sharedReads = true;
    else socket.on('data', (chunk: Buffer) => c.onData(chunk));
    socket.on('error', () => c.close());
    socket.on('close', () => { if (!c.closed) { c.closed = true; this.removeClient(c); } });
  }

  /** A client not attached to a socket (scripts, embedded callers, tests). */
  fakeClient(): Client { return new Client(this, null, this.nextClientId++); }

  removeClient(c: Client): void {
    if (!this.clients.delete(c.id)) return;
    this.monitors.delete(c);
    this.blocking.clientGone(c);
    if (c.blocked && c.onUnblock) c.onUnblock(true);
    if (this.hooks.clientClosed) this.hooks.clientClosed(c);
  }

  scheduleFlush(c: Client): void {
    this.flushQueue.push(c);
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      const q = this.flushQueue;
      this.flushQueue = [];
      for (const cl of q) cl.flush();
    });
  }

  /** Sends a MONITOR line for a command to every monitoring client. */
  feedMonitors(c: Client, argv: Buffer[]): void {
    const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
    const ts = `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
    const who = c.socket ? (c.unixSocket ? `unix:${this.config.str('unixsocket')}` : c.addr) : 'lua';
    let line = `+${ts} [${c.db.id} ${who}]`;
    for (const a of argv) line += ' ' + reprArg(a);
    line += '\r\n';
    const buf = Buffer.from(line, 'latin1');
    for (const m of this.monitors) {
      if (m.closed) continue;
      m.w.raw(buf);
      m.flushSoon();
    }
  }

  // ---------------------------------------------------------------- cron

  private scheduleCron(): void {
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    this.cronTimer = setTimeout(() => this.cron(), 1000 / hz);
    this.cronTimer.unref?.();
  }

  private cron(): void {
    if (this.shuttingDown) return;
    if (this.cronPaused) { this.scheduleCron(); return; }
    this.cronLoops++;
    const ks = this.ks;
    ks.updateLruClock();
    const hz = Math.max(1, Math.min(500, this.config.num('hz')));
    const periodMs = 1000 / hz;
    // Active expiry in slices of at most 2 ms, yielding to I/O between slices, for up to a
    // quarter of the cron period while the sampled share of expired keys stays high.
    if (this.activeExpireEnabled && !this.loading) {
      const effort = this.config.num('active-expire-effort');
      const deadline = performance.now() + periodMs / 4;
      const slice = () => {
        const t0 = performance.now();
        const stale = ks.activeExpire(2, effort);
        // Valkey's expire-cycle latency event (one slice here is one of its cycles).
        if (this.latencyThresholdMs > 0) {
          const ms = performance.now() - t0;
          if (ms >= this.latencyThresholdMs) this.latency.add('expire-cycle', ms);
        }
        if (stale && performance.now() < deadline && !this.shuttingDown) setImmediate(slice);
      };
      slice();
    }
    if (this.config.bool('activerehashing')) ks.rehashStep(1);
    if (ks.lazyFreePending) ks.lazyFreeStep(2);
    for (const hook of this.cronHooks) hook(periodMs);
    this.sampleRates();
    this.clientsCron();
    this.scheduleCron();
  }

  private sampleRates(): void {
    const s = this.stats;
    const now = Date.now();
    const dt = now - s.lastSample.time;
    if (dt < 100) return;
    const push = (arr: number[], v: number) => { arr.push(v); if (arr.length > 16) arr.shift(); };
    push(s.opsSamples, ((s.commandsProcessed - s.lastSample.ops) * 1000) / dt);
    push(s.inSamples, ((s.netInput - s.lastSample.netIn) * 1000) / dt / 1024);
    push(s.outSamples, ((s.netOutput - s.lastSample.netOut) * 1000) / dt / 1024);
    s.lastSample = { time: now, ops: s.commandsProcessed, netIn: s.netInput, netOut: s.netOutput };
  }

  private clientsCron(): void {
    const timeout = this.config.num('timeout');
    const now = Date.now();
    for (const c of this.clients.values()) {
      const idleMs = now - c.lastInteraction;
      if (timeout > 0 && idleMs > timeout * 1000 &&
          !(c.blocked || c.monitor || c.subs + c.psubs + c.ssubs > 0)) {
        this.log.verbose('Closing idle client');
        c.close();
        continue;
      }
      c.parser.cronResize(idleMs > 2000);
    }
  }

  // ---------------------------------------------------------------- shutdown

  async close(): Promise<void> {
    if (this.shuttingDown) return this.closed;
    this.shuttingDown = true;
    if (this.cronTimer) clearTimeout(this.cronTimer);
    aofShutdown(this);
    const waits: Promise<void>[] = [];
    for (const l of this.listeners) waits.push(new Promise((r) => l.close(() => r())));
    if (this.unixListener) {
      const u = this.unixListener;
      waits.push(new Promise((r) => u.close(() => r())));
    }
    for (const c of [...this.clients.values()]) {
      c.flush();
      c.socket?.destroy();
      c.closed = true;
      this.removeClient(c);
    }
    await Promise.all(waits);
    this.resolveClosed();
  }

  /**
   * An unrecoverable error (valkey-server's exit(1)): the CLI process exits at once, replies not
   * sent yet included; an embedded server drops its connections unanswered and stops.
   */
  fatalExit(code: number): void {
    if (this.exitOnShutdown) process.exit(code);
    for (const c of this.clients.values()) { c.socket?.destroy(); c.closed = true; }
    void this.close();
  }

  /** SHUTDOWN: log like Valkey, stop, and exit when running as the CLI. */
  async shutdown(reason = 'User requested shutdown...'): Promise<void> {
    this.log.warning(reason);
    await this.close();
    this.log.warning('Valkey is now ready to exit, bye bye...');
    if (this.exitOnShutdown) process.exit(0);
  }
}

function isLoopback(addr: string | undefined): boolean {
  if (!addr) return true; // unix socket
  return addr === '127.0.0.1' || addr === '::1' || addr === '::ffff:127.0.0.1' || addr.startsWith('127.');
}

export function isLocal(c: Client): boolean {
  if (!c.socket) return true;
  return isLoopback(c.socket.remoteAddress);
}

function randomHex(n: number): string {
  let s = '';
  while (s.length < n) s += Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return s.slice(0, n);
}

/** Quotes an argument the way MONITOR and SLOWLOG-like outputs do (sdscatrepr). */
export function reprArg(a: Buffer): string {
  let s = '"';
  for (const ch of a) {
    switch (ch) {
      case 0x5c: s += '\\\\'; break;
      case 0x22: s += '\\"'; break;
      case 0x0a: s += '\\n'; break;
      case 0x0d: s += '\\r'; break;
      case 0x09: s += '\\t'; break;
      case 0x07: s += '\\a'; break;
      case 0x08: s += '\\b'; break;
      default:
        if (ch >= 32 && ch < 127) s += String.fromCharCode(ch);
        else s += '\\x' + ch.toString(16).padStart(2, '0');
    }
  }
  return s + '"';
}
