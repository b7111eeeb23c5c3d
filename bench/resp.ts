// Raw RESP client pieces shared by the benchmark and the protocol/fuzz tests: an incremental
// reply framer (returns each complete reply as its raw bytes, RESP2 and RESP3), a decoder
// for those frames, and a minimal socket wrapper that lets a test write arbitrary bytes and
// await replies or the server closing the connection.
import net from 'node:net';

const CR = 13;

/**
 * Length of the complete reply starting at `pos`, or -1 if more bytes are needed.
 * Throws on a byte that cannot start a reply.
 */
export function frameLength(b: Buffer, pos: number): number {
  const end = frameEnd(pos);
  return end < 0 ? -1 : end - pos;

  function lineEnd(p: number): number {
    const i = b.indexOf(CR, p);
    if (i < 0 || i + 1 >= b.length) return -1;
    return i;
  }
  function frameEnd(p: number): number {
    if (p >= b.length) return -1;
    const t = b[p]!;
    const eol = lineEnd(p + 1);
    if (eol < 0) return -1;
    const after = eol + 2;
    switch (t) {
      case 43: case 45: case 58: case 95: case 44: case 35: case 40: // + - : _ , # (
        return after;
      case 36: case 33: case 61: { // $ ! = (bulk-like)
        const n = Number(b.latin1Slice(p + 1, eol));
        if (n < 0) return after;
        return b.length >= after + n + 2 ? after + n + 2 : -1;
      }
      case 42: case 126: case 62: case 37: case 124: { // * ~ > % |
        let n = Number(b.latin1Slice(p + 1, eol));
        if (n < 0) return after;
        if (t === 37 || t === 124) n *= 2;
        let q = after;
        for (let i = 0; i < n; i++) {
          q = frameEnd(q);
          if (q < 0) return -1;
        }
        // An attribute is followed by the reply it annotates.
        return t === 124 ? frameEnd(q) : q;
      }
      default:
        throw new Error(`bad reply type byte 0x${t.toString(16)} at ${p}`);
    }
  }
}

/** Splits a byte stream into complete replies. */
export class ReplyFramer {
  private buf: Buffer = Buffer.alloc(0);
  feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
  }
  /** The next complete reply (raw bytes), or null. */
  next(): Buffer | null {
    if (this.buf.length === 0) return null;
    const n = frameLength(this.buf, 0);
    if (n < 0) return null;
    const f = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return f;
  }
  get pending(): number { return this.buf.length; }
}

export type Reply =
  | string // simple string, or bulk/verbatim decoded as latin1 (see decode's `binary` flag)
  | Buffer
  | number
  | bigint
  | boolean
  | null
  | ReplyError
  | Reply[]
  | Map<Reply, Reply>
  | Set<Reply>;

export class ReplyError {
  constructor(readonly message: string) {}
}

/** Decodes one reply frame. Bulk strings become latin1 strings, or Buffers when `binary`. */
export function decode(frame: Buffer, binary = false): Reply {
  let pos = 0;
  const one = (): Reply => {
    const t = frame[pos]!;
    const eol = frame.indexOf(CR, pos);
    const line = frame.latin1Slice(pos + 1, eol);
    pos = eol + 2;
    switch (t) {
      case 43: return line;
      case 45: return new ReplyError(line);
      case 58: return Number(line);
      case 95: return null;
      case 44: return Number(line === 'inf' ? Infinity : line === '-inf' ? -Infinity : line);
      case 35: return line === 't';
      case 40: return BigInt(line);
      case 36: case 33: case 61: {
        const n = Number(line);
        if (n < 0) return null;
        const body = frame.subarray(pos, pos + n);
        pos += n + 2;
        if (t === 33) return new ReplyError(body.toString('latin1'));
        return binary ? Buffer.from(body) : body.toString('latin1');
      }
      case 42: case 62: {
        const n = Number(line);
        if (n < 0) return null;
        const a: Reply[] = [];
        for (let i = 0; i < n; i++) a.push(one());
        return a;
      }
      case 126: {
        const s = new Set<Reply>();
        for (let i = Number(line); i > 0; i--) s.add(one());
        return s;
      }
      case 37: {
        const m = new Map<Reply, Reply>();
        for (let i = Number(line); i > 0; i--) { const k = one(); m.set(k, one()); }
        return m;
      }
      case 124: {
        for (let i = Number(line) * 2; i > 0; i--) one();
        return one();
      }
      default: throw new Error(`bad reply type byte 0x${t.toString(16)}`);
    }
  };
  return one();
}

/** Encodes a command as a RESP multibulk request. */
export function encodeCommand(args: (string | Buffer | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.isBuffer(a) ? a : Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A socket that writes raw bytes and hands back raw reply frames. */
export class RawConn {
  readonly socket: net.Socket;
  private framer = new ReplyFramer();
  private frames: Buffer[] = [];
  private waiters: (() => void)[] = [];
  /** All bytes received so far. */
  received: Buffer[] = [];
  ended = false;
  error: Error | null = null;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (d: Buffer) => {
      this.received.push(d);
      this.framer.feed(d);
      for (let f = this.framer.next(); f !== null; f = this.framer.next()) this.frames.push(f);
      this.wake();
    });
    socket.on('error', (e) => { this.error = e; this.ended = true; this.wake(); });
    socket.on('close', () => { this.ended = true; this.wake(); });
    socket.on('end', () => { this.ended = true; this.wake(); });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => { s.removeListener('error', reject); resolve(new RawConn(s)); });
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private waitChange(deadline: number, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const ms = deadline - Date.now();
      if (ms <= 0) { reject(new Error(`timeout waiting for ${what}`)); return; }
      const t = setTimeout(() => reject(new Error(`timeout waiting for ${what}`)), ms);
      this.waiters.push(() => { clearTimeout(t); resolve(); });
    });
  }

  /** Writes bytes; resolves once they are handed to the kernel. */
  write(data: string | Buffer): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed) { resolve(); return; }
      this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, () => resolve());
    });
  }

  /** The next reply frame (raw bytes). Rejects on timeout or if the connection ends first. */
  async frame(timeoutMs = 5000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const f = this.frames.shift();
      if (f !== undefined) return f;
      if (this.ended) throw new Error('connection closed while waiting for a reply');
      await this.waitChange(deadline, 'a reply');
    }
  }

  /** The next reply as latin1 text, e.g. "+PONG\r\n". */
  async raw(timeoutMs = 5000): Promise<string> {
    return (await this.frame(timeoutMs)).toString('latin1');
  }

  async reply(timeoutMs = 5000, binary = false): Promise<Reply> {
    return decode(await this.frame(timeoutMs), binary);
  }

  /** Sends a command and returns its decoded reply. */
  async call(...args: (string | Buffer | number)[]): Promise<Reply> {
    await this.write(encodeCommand(args));
    return this.reply();
  }

  /** Resolves when the server has closed the connection. */
  async closed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) await this.waitChange(deadline, 'the connection to close');
  }

  /** Replies received but not consumed yet. */
  get queued(): number { return this.frames.length; }

  close(): void { this.socket.destroy(); }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
