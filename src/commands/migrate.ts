// MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password]
//         [AUTH2 username password] [KEYS key ...]
//
// Moves (or copies) keys to another instance: each key is serialized as for DUMP and sent as a
// RESTORE (after AUTH and SELECT as needed); the keys the target acknowledged are deleted here,
// and the command is propagated as DEL of those keys. Like Valkey, the command runs
// synchronously: connecting, writing and reading the replies each have `timeout` milliseconds,
// and the server serves nothing else meanwhile (a MIGRATE to this very server therefore times
// out). The socket work happens in a worker thread (migrate-worker.ts) while this thread waits on
// a shared flag. Connections are cached per host:port (at most 64, closed after 10 s unused),
// remembering the database last selected on them, and counted in INFO migrate_cached_sockets.
import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { redactArg } from '../server/client.js';
import type { Server } from '../server/server.js';
import { E } from '../errors.js';
import { changed, isArg } from './util.js';
import { dumpPayload } from '../persistence/rdb.js';
import { rewriteArgv, encodeCommand } from '../replication/propagate.js';
import { registerInfoFields } from '../server/info.js';
import { perServer } from '../server/per-server.js';
import { parseI64 } from '../util/number.js';
import { NOTIFY_GENERIC } from '../store/types.js';
import { FAIL_WRITE, type ConnectReply, type ExchangeReply, type WorkerRequest } from './migrate-worker.js';

/** Most cached connections; a new one beyond that closes a random cached one. */
const CACHE_ITEMS = 64;
/** Cached connections unused for more than this many seconds are closed by the cron. */
const CACHE_TTL_S = 10;
/** How long the main thread waits for the worker beyond the command's own timeouts. */
const WORKER_GRACE_MS = 5000;

// ---------------------------------------------------------------- the worker link

/** The worker thread doing MIGRATE's socket work; one per process, started on first use. */
class Link {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** Bumped by the worker after each answer it posts. */
  private readonly flag: Int32Array;
  private seq = 0;
  broken = false;
  /** Tells cached connections of an earlier (replaced) worker from this one's. */
  readonly generation: number;

  constructor(generation: number) {
    this.generation = generation;
    const sab = new SharedArrayBuffer(4);
    this.flag = new Int32Array(sab);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.worker = new Worker(new URL('./migrate-worker.js', import.meta.url), {
      workerData: { migrateFlag: sab, migratePort: port2 },
      transferList: [port2],
    });
    this.worker.unref();
    this.worker.on('error', () => { this.broken = true; });
    this.worker.on('exit', () => { this.broken = true; });
  }

  /** Posts a request and blocks until its answer (null if the worker did not answer in capMs). */
  call<T extends { seq: number }>(req: WorkerRequest, capMs: number): T | null {
    if (req.op === 'close') { this.worker.postMessage(req); return null; }
    req.seq = ++this.seq;
    const deadline = performance.now() + capMs;
    this.worker.postMessage(req);
    for (;;) {
      const seen = Atomics.load(this.flag, 0);
      for (let m = receiveMessageOnPort(this.port); m !== undefined; m = receiveMessageOnPort(this.port)) {
        const msg = m.message as T;
        if (msg.seq === req.seq) return msg;
      }
      const left = deadline - performance.now();
      if (left <= 0 || this.broken) break;
      Atomics.wait(this.flag, 0, seen, left);
    }
    this.broken = true;
    void this.worker.terminate();
    return null;
  }

  close(id: number): void {
    if (!this.broken) this.worker.postMessage({ op: 'close', id } satisfies WorkerRequest);
  }
}

let link: Link | null = null;
let generations = 0;

function getLink(): Link {
  if (link === null || link.broken) link = new Link(++generations);
  return link;
}

// ---------------------------------------------------------------- per-server connection cache

interface CachedConn {
  /** The socket's id in the worker. */
  id: number;
  generation: number;
  /** Database last selected on the connection (null: unknown, SELECT next time). */
  lastDbid: string | null;
  /** Unix time (s) of the last use. */
  lastUse: number;
}

let nextConnId = 1;

const cacheOf = perServer((s: Server) => {
  const cache = new Map<string, CachedConn>();
  let lastSweep = 0;
  s.cronHooks.push(() => {
    const now = Date.now();
    if (now - lastSweep < 1000) return;
    lastSweep = now;
    const secs = Math.floor(now / 1000);
    for (const [name, cs] of cache) {
      if (secs - cs.lastUse > CACHE_TTL_S) closeCached(cache, name, cs);
    }
  });
  return cache;
});

function closeCached(cache: Map<string, CachedConn>, name: string, cs: CachedConn): void {
  cache.delete(name);
  if (link !== null && link.generation === cs.generation) link.close(cs.id);
}

registerInfoFields('stats', (s) => ({ migrate_cached_sockets: cacheOf(s).size }));

/**
 * The cached connection to host:port, or a new one (null after replying the connect error).
 * The cache key is the host and port arguments as given, like Valkey's.
 */
function getConnection(c: Client, host: Buffer, port: Buffer, timeout: number): CachedConn | null {
  const cache = cacheOf(c.server);
  const name = `${host.toString('latin1')}:${port.toString('latin1')}`;
  const now = Math.floor(Date.now() / 1000);
  const cached = cache.get(name);
  if (cached !== undefined) {
    if (link !== null && !link.broken && link.generation === cached.generation) {
      cached.lastUse = now;
      return cached;
    }
    cache.delete(name); // its worker is gone
  }
  if (cache.size >= CACHE_ITEMS) {
    // Full: one cached connection chosen at random makes room.
    let i = Math.floor(Math.random() * cache.size);
    for (const [n, cs] of cache) if (i-- === 0) { closeCached(cache, n, cs); break; }
  }
  const l = getLink();
  const id = nextConnId++;
  // Valkey takes the port with atoi(): leading digits, 0 when there are none.
  const portNum = Number(/^\s*[+-]?\d*/.exec(port.toString('latin1'))![0].trim() || '0') || 0;
  const r = l.call<ConnectReply>(
    { op: 'connect', seq: 0, id, host: host.toString(), port: portNum, timeout }, timeout + WORKER_GRACE_MS);
  if (r === null || !r.ok) {
    l.close(id);
    c.w.error('IOERR error or timeout connecting to the client');
    return null;
  }
  const cs: CachedConn = { id, generation: l.generation, lastDbid: null, lastUse: now };
  cache.set(name, cs);
  return cs;
}

function closeConnection(c: Client, host: Buffer, port: Buffer): void {
  const cache = cacheOf(c.server);
  const name = `${host.toString('latin1')}:${port.toString('latin1')}`;
  const cs = cache.get(name);
  if (cs !== undefined) closeCached(cache, name, cs);
}

// ---------------------------------------------------------------- the command

const AUTH = Buffer.from('AUTH');
const SELECT = Buffer.from('SELECT');
const RESTORE = Buffer.from('RESTORE');
const REPLACE = Buffer.from('REPLACE');

function migrateCommand(c: Client, argv: Buffer[]): void {
  let copy = false, replace = false;
  let user: Buffer | null = null, pass: Buffer | null = null;
  let firstKey = 3, numKeys = 1;
  for (let j = 6; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isArg(opt, 'copy')) copy = true;
    else if (isArg(opt, 'replace')) replace = true;
    else if (isArg(opt, 'auth')) {
      if (more < 1) { c.w.error(E.syntax); return; }
      pass = argv[++j]!;
      redactArg(argv, j);
    } else if (isArg(opt, 'auth2')) {
      if (more < 2) { c.w.error(E.syntax); return; }
      user = argv[++j]!;
      redactArg(argv, j);
      pass = argv[++j]!;
      redactArg(argv, j);
    } else if (isArg(opt, 'keys')) {
      if (argv[3]!.length !== 0) {
        c.w.error('ERR When using MIGRATE KEYS option, the key argument must be set to the empty string');
        return;
      }
      firstKey = j + 1;
      numKeys = argv.length - j - 1;
      break;
    } else { c.w.error(E.syntax); return; }
  }
  const timeoutArg = parseI64(argv[5]!);
  if (timeoutArg === null) { c.w.error(E.notInteger); return; }
  const dbidArg = parseI64(argv[4]!);
  if (dbidArg === null) { c.w.error(E.notInteger); return; }
  const timeout = timeoutArg <= 0n ? 1000 : timeoutArg > 2n ** 31n ? 2 ** 31 : Number(timeoutArg);
  const dbid = dbidArg.toString();

  // The keys that exist here, serialized now: if none does there is nothing to send ("NOKEY",
  // not an error: a key may well have expired meanwhile).
  const s = c.server;
  const db = c.db;
  const keys: Buffer[] = [];
  const payloads: Buffer[] = [];
  const expires: number[] = [];
  for (let j = 0; j < numKeys; j++) {
    const key = argv[firstKey + j]!;
    const a = db.lookup(key);
    if (a === 0) continue;
    let p: Buffer;
    try {
      p = dumpPayload(s, a);
    } catch (e) {
      c.w.error(`ERR ${(e as Error).message}`);
      return;
    }
    keys.push(Buffer.from(key));
    payloads.push(p);
    expires.push(db.expireOf(a));
  }
  if (keys.length === 0) { c.w.simple('NOKEY'); return; }

  let mayRetry = true;
  for (;;) {
    const cs = getConnection(c, argv[1]!, argv[2]!, timeout);
    if (cs === null) return;

    const parts: Buffer[] = [];
    if (pass !== null) parts.push(encodeCommand(user !== null ? [AUTH, user, pass] : [AUTH, pass]));
    const select = cs.lastDbid !== dbid;
    if (select) parts.push(encodeCommand([SELECT, Buffer.from(dbid)]));
    // Keys whose TTL ran out since the lookup are left out (the TTL sent is what remains).
    const sent: Buffer[] = [];
    for (let j = 0; j < keys.length; j++) {
      let ttl = 0;
      if (expires[j]! > 0) {
        ttl = expires[j]! - s.ks.now;
        if (ttl < 0) continue;
        if (ttl < 1) ttl = 1;
      }
      const cmd = [RESTORE, keys[j]!, Buffer.from(String(ttl)), payloads[j]!];
      if (replace) cmd.push(REPLACE);
      parts.push(encodeCommand(cmd));
      sent.push(keys[j]!);
    }
    const prefix = (pass !== null ? 1 : 0) + (select ? 1 : 0);
    const data = Buffer.concat(parts);
    // The worker enforces the timeouts (per 64 KB written, per reply line); this is only a bound
    // in case it stops answering.
    const cap = timeout * (2 + Math.ceil(data.length / 65536) + prefix + sent.length) + WORKER_GRACE_MS;
    const res = getLink().call<ExchangeReply>(
      { op: 'exchange', seq: 0, id: cs.id, data, lines: prefix + sent.length, timeout }, cap);

    let writeError = res === null || res.fail === FAIL_WRITE;
    const timedOut = res === null || res.timedOut;
    if (res !== null && res.fail !== FAIL_WRITE && res.lines.length >= prefix) {
      const authReply = pass !== null ? res.lines[0]! : null;
      const selectReply = select ? res.lines[prefix - 1]! : null;
      let errorFromTarget = false;
      let socketError = false;
      const deleted: Buffer[] = [];
      let j = 0;
      for (; j < sent.length; j++) {
        const line = res.lines[prefix + j];
        if (line === undefined) { socketError = true; break; }
        const failed = authReply?.startsWith('-') ? authReply
          : selectReply?.startsWith('-') ? selectReply
            : line.startsWith('-') ? line : null;
        if (failed !== null) {
          if (!errorFromTarget) {
            // The target may now be on another database: SELECT again next time.
            cs.lastDbid = null;
            errorFromTarget = true;
            c.w.error(`ERR Target instance replied with error: ${failed.slice(1)}`);
          }
        } else if (!copy) {
          db.delete(sent[j]!);
          changed(c, sent[j]!, 'del', NOTIFY_GENERIC);
          deleted.push(sent[j]!);
        }
      }
      if (!(!errorFromTarget && socketError && j === 0 && mayRetry && !timedOut)) {
        if (socketError) closeConnection(c, argv[1]!, argv[2]!);
        // Replicated as a DEL of the keys the target took.
        if (deleted.length > 0) rewriteArgv(c, 'DEL', ...deleted);
        if (errorFromTarget) return;
        if (!socketError) {
          cs.lastDbid = dbid;
          c.w.ok();
          return;
        }
        // Some keys may have been moved already: no second attempt.
        mayRetry = false;
      }
      writeError = false;
    }
    // A failed socket (often a cached one the other side closed) is dropped and, unless the
    // failure was a timeout, tried once more on a new connection.
    closeConnection(c, argv[1]!, argv[2]!);
    if (!timedOut && mayRetry) { mayRetry = false; continue; }
    c.w.error(`IOERR error or timeout ${writeError ? 'writing' : 'reading'} to target instance`);
    return;
  }
}

export function registerMigrate(r: Registry): void {
  r.handle('migrate', migrateCommand);
}
