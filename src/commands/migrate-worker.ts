// The network side of MIGRATE, run in a worker thread. MIGRATE talks to the target instance
// synchronously (the source server does nothing else meanwhile, as Valkey's blocking connect,
// write and read-line calls make it), so the main thread posts one request here and sleeps on a
// shared flag until this thread has done the socket work and posted the answer back.
//
// The sockets live here, keyed by the id the main thread chose; the main thread keeps the cache
// bookkeeping (which host:port, last database, last use) and tells this thread when to close one.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import net from 'node:net';

export interface ConnectRequest { op: 'connect'; seq: number; id: number; host: string; port: number; timeout: number }
/** Write `data`, then read `lines` reply lines. */
export interface ExchangeRequest { op: 'exchange'; seq: number; id: number; data: Uint8Array; lines: number; timeout: number }
export interface CloseRequest { op: 'close'; id: number }
export type WorkerRequest = ConnectRequest | ExchangeRequest | CloseRequest;

/** Where an exchange failed. */
export const FAIL_NONE = 0, FAIL_WRITE = 1, FAIL_READ = 2;

export interface ConnectReply { seq: number; ok: boolean }
export interface ExchangeReply {
  seq: number;
  /** The reply lines read (without CR LF), fewer than asked when the exchange failed. */
  lines: string[];
  fail: number;
  /** The failure was the timeout running out (Valkey does not retry those). */
  timedOut: boolean;
}

interface Conn {
  sock: net.Socket;
  /** Bytes received and not yet consumed as lines. */
  buf: Buffer;
  dead: boolean;
  lastUse: number;
  /** Called when data arrives or the socket dies while an exchange waits. */
  wake: (() => void) | null;
}

/** Longest delay setTimeout accepts. */
const MAX_TIMER = 2 ** 31 - 1;
/**
 * Sockets unused for this long are closed here even without a close request (the main thread
 * closes them after 10 s from its cron; a server that stopped no longer runs its cron).
 */
const ORPHAN_MS = 60_000;

const conns = new Map<number, Conn>();

function clampTimeout(ms: number): number { return Math.min(Math.max(ms, 1), MAX_TIMER); }

function drop(id: number, c: Conn): void {
  c.dead = true;
  c.sock.destroy();
  if (conns.get(id) === c) conns.delete(id);
}

function connect(req: ConnectRequest, reply: (r: ConnectReply) => void): void {
  const old = conns.get(req.id);
  if (old) drop(req.id, old);
  let settled = false;
  let sock: net.Socket;
  try {
    sock = net.connect({ host: req.host, port: req.port });
  } catch {
    // An impossible port (negative, above 65535).
    reply({ seq: req.seq, ok: false });
    return;
  }
  const c: Conn = { sock, buf: Buffer.alloc(0), dead: false, lastUse: Date.now(), wake: null };
  const settle = (ok: boolean) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (ok) {
      sock.setNoDelay(true);
      conns.set(req.id, c);
    } else {
      c.dead = true;
      sock.destroy();
    }
    reply({ seq: req.seq, ok });
  };
  const timer = setTimeout(() => settle(false), clampTimeout(req.timeout));
  sock.on('connect', () => settle(true));
  sock.on('data', (d: Buffer) => {
    c.buf = c.buf.length === 0 ? d : Buffer.concat([c.buf, d]);
    c.wake?.();
  });
  const died = () => {
    c.dead = true;
    if (!settled) { settle(false); return; }
    c.wake?.();
  };
  sock.on('error', died);
  sock.on('end', died);
  sock.on('close', died);
}

function exchange(req: ExchangeRequest, reply: (r: ExchangeReply) => void): void {
  const c = conns.get(req.id);
  const lines: string[] = [];
  if (c === undefined || c.dead) {
    if (c) drop(req.id, c);
    reply({ seq: req.seq, lines, fail: FAIL_WRITE, timedOut: false });
    return;
  }
  c.lastUse = Date.now();
  const timeout = clampTimeout(req.timeout);
  let finished = false;
  let writing = true;
  let timer: NodeJS.Timeout | null = null;
  const finish = (fail: number, timedOut: boolean) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    c.wake = null;
    c.lastUse = Date.now();
    if (fail !== FAIL_NONE) drop(req.id, c);
    reply({ seq: req.seq, lines, fail, timedOut });
  };
  // Writing: the timeout runs while no byte leaves (Valkey's limit is per 64 KB chunk written).
  let written = c.sock.bytesWritten;
  const armWrite = () => {
    timer = setTimeout(() => {
      if (c.sock.bytesWritten > written) { written = c.sock.bytesWritten; armWrite(); }
      else finish(FAIL_WRITE, true);
    }, timeout);
  };
  // Reading: each line must arrive within the timeout.
  const armRead = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => finish(FAIL_READ, true), timeout);
  };
  const takeLines = () => {
    if (finished || writing) return;
    let progressed = false;
    while (lines.length < req.lines) {
      const nl = c.buf.indexOf(10);
      if (nl < 0) break;
      const end = nl > 0 && c.buf[nl - 1] === 13 ? nl - 1 : nl;
      lines.push(c.buf.toString('utf8', 0, end));
      c.buf = c.buf.subarray(nl + 1);
      progressed = true;
    }
    if (lines.length === req.lines) { finish(FAIL_NONE, false); return; }
    if (c.dead) { finish(FAIL_READ, false); return; }
    if (progressed) armRead();
  };
  c.wake = () => {
    if (writing) { if (c.dead) finish(FAIL_WRITE, false); return; }
    takeLines();
  };
  armWrite();
  c.sock.write(req.data, (err) => {
    if (finished) return;
    if (err) { finish(FAIL_WRITE, false); return; }
    writing = false;
    armRead();
    takeLines();
  });
}

function start(port: MessagePort, flag: Int32Array): void {
  const answer = (msg: ConnectReply | ExchangeReply) => {
    port.postMessage(msg);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  parentPort!.on('message', (req: WorkerRequest) => {
    if (req.op === 'connect') connect(req, answer);
    else if (req.op === 'exchange') exchange(req, answer);
    else {
      const c = conns.get(req.id);
      if (c) drop(req.id, c);
    }
  });
  setInterval(() => {
    const now = Date.now();
    for (const [id, c] of conns) if (c.wake === null && now - c.lastUse > ORPHAN_MS) drop(id, c);
  }, 5000).unref();
}

if (parentPort !== null && workerData?.migrateFlag !== undefined) {
  start(workerData.migratePort as MessagePort, new Int32Array(workerData.migrateFlag as SharedArrayBuffer));
}
