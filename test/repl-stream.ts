// Test helper: a raw connection that attaches to a server's replication stream the way a
// replica (or Valkey's test harness) does, and reads the handshake, the RDB payload and the
// propagated commands.
import net from 'node:net';

export class ReplStream {
  private buf = Buffer.alloc(0);
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => { this.buf = Buffer.concat([this.buf, d]); this.wake(); });
    sock.on('close', () => { this.closed = true; this.wake(); });
    sock.on('error', () => { /* reported through close */ });
  }

  static connect(port: number): Promise<ReplStream> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => resolve(new ReplStream(s)));
      s.once('error', reject);
    });
  }

  private wake(): void { const w = this.waiters; this.waiters = []; for (const f of w) f(); }

  /** Waits until `n` bytes are buffered (or the connection closes / times out). */
  private async need(n: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.buf.length < n) {
      if (this.closed) return false;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => { clearTimeout(t); res(); });
      });
    }
    return true;
  }

  send(s: string | Buffer): void { this.sock.write(s); }

  /** Sends a command as a RESP multibulk. */
  command(...args: string[]): void {
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    this.sock.write(out);
  }

  /** Reads one line (without CRLF / LF). */
  async line(timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.buf.indexOf(10);
      if (i >= 0) {
        const end = i > 0 && this.buf[i - 1] === 13 ? i - 1 : i;
        const l = this.buf.toString('latin1', 0, end);
        this.buf = this.buf.subarray(i + 1);
        return l;
      }
      if (!(await this.need(this.buf.length + 1, deadline - Date.now()))) throw new Error(`no line (closed=${this.closed})`);
    }
  }

  /** Reads the first non-empty line (replicas skip newline keep-alives). */
  async lineSkippingKeepalives(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const l = await this.line(deadline - Date.now());
      if (l !== '') return l;
    }
  }

  async bytes(n: number, timeoutMs = 5000): Promise<Buffer> {
    if (!(await this.need(n, timeoutMs))) throw new Error(`short read: wanted ${n}, have ${this.buf.length}`);
    const b = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return Buffer.from(b);
  }

  /** Reads an RDB payload in either framing: `$<len>` or `$EOF:<mark>` ... `<mark>`. */
  async rdbPayload(timeoutMs = 5000): Promise<{ rdb: Buffer; eof: boolean }> {
    const head = await this.lineSkippingKeepalives(timeoutMs);
    if (!head.startsWith('$')) throw new Error(`expected a bulk header, got '${head}'`);
    if (head.startsWith('$EOF:')) {
      const mark = Buffer.from(head.slice(5), 'latin1');
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = this.buf.indexOf(mark);
        if (i >= 0) {
          const rdb = Buffer.from(this.buf.subarray(0, i));
          this.buf = this.buf.subarray(i + mark.length);
          return { rdb, eof: true };
        }
        if (!(await this.need(this.buf.length + 1, deadline - Date.now()))) throw new Error('no EOF mark');
      }
    }
    return { rdb: await this.bytes(Number(head.slice(1)), timeoutMs), eof: false };
  }

  /** Reads one propagated command as strings (arg 0 lowercased, as the harness does), or null on timeout. */
  async next(timeoutMs = 1000): Promise<string[] | null> {
    let head: string;
    try { head = await this.line(timeoutMs); } catch { return null; }
    if (!head.startsWith('*')) throw new Error(`expected a multibulk, got '${head}'`);
    const n = Number(head.slice(1));
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const h = await this.line(timeoutMs);
      const len = Number(h.slice(1));
      const v = await this.bytes(len + 2, timeoutMs);
      out.push(v.toString('latin1', 0, len));
    }
    out[0] = out[0]!.toLowerCase();
    return out;
  }

  /** Reads `n` commands, each rendered as a space-joined string. */
  async commands(n: number, timeoutMs = 2000): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const c = await this.next(timeoutMs);
      if (c === null) break;
      out.push(c.join(' '));
    }
    return out;
  }

  /** Bytes buffered and not read yet. */
  get pending(): number { return this.buf.length; }

  close(): void { this.sock.destroy(); }
}

/** Attaches with inline SYNC as Valkey's attach_to_replication_stream does; returns after the RDB. */
export async function attach(port: number): Promise<{ stream: ReplStream; rdb: Buffer }> {
  const stream = await ReplStream.connect(port);
  stream.send('SYNC\r\n');
  const { rdb } = await stream.rdbPayload();
  return { stream, rdb };
}

/** Glob match of one harness-style pattern (only `*` wildcards). */
export function globMatch(pattern: string, s: string): boolean {
  const re = new RegExp('^' + pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*') + '$', 's');
  return re.test(s);
}
