// A fast pipelined raw-socket loader: SET key:<12 digits> <value> [EX ttl] for keys 1..n,
// batches of commands built in place, a bounded number of batches in flight, replies counted
// by their line ends (SET replies are single-line). Optionally records per-request latency.
import net from 'node:net';

export interface LoadOptions {
  port: number;
  host?: string;
  keys: number;
  valueSize?: number;
  /** Seconds; adds EX <ttl> to every SET. */
  ttl?: number;
  /** Commands per write. */
  batch?: number;
  /** Batches in flight. */
  window?: number;
  /** First key index (keys are numbered from 1). */
  first?: number;
}

export interface LoadResult {
  keys: number;
  ms: number;
  errors: number;
  firstError: string | null;
}

const KEY_PREFIX = 'key:';
const KEY_DIGITS = 12; // "key:000000000001" is 16 bytes

/** Builds one SET command template; returns it with the offset of the key digits. */
function template(valueSize: number, ttl: number | undefined): { tpl: Buffer; digitsAt: number } {
  const key = KEY_PREFIX + '0'.repeat(KEY_DIGITS);
  const value = 'v'.repeat(valueSize);
  let s = `*${ttl ? 5 : 3}\r\n$3\r\nSET\r\n$${key.length}\r\n`;
  const digitsAt = s.length + KEY_PREFIX.length;
  s += `${key}\r\n$${value.length}\r\n${value}\r\n`;
  if (ttl) s += `$2\r\nEX\r\n$${String(ttl).length}\r\n${ttl}\r\n`;
  return { tpl: Buffer.from(s, 'latin1'), digitsAt };
}

function writeDigits(b: Buffer, at: number, n: number): void {
  for (let i = KEY_DIGITS - 1; i >= 0; i--) { b[at + i] = 48 + (n % 10); n = Math.floor(n / 10); }
}

export function loadKeys(opts: LoadOptions): Promise<LoadResult> {
  const batch = opts.batch ?? 1000;
  const window = opts.window ?? 8;
  const { tpl, digitsAt } = template(opts.valueSize ?? 80, opts.ttl);
  const first = opts.first ?? 1;
  const total = opts.keys;
  return new Promise((resolve, reject) => {
    const sock = net.connect({ port: opts.port, host: opts.host ?? '127.0.0.1' });
    sock.setNoDelay(true);
    const start = performance.now();
    let sent = 0, replied = 0, errors = 0;
    let firstError: string | null = null;
    let lastByte = 10; // the byte before the current one ('\n' = a reply starts here)
    let errorLine: number[] | null = null;
    const sendBatch = () => {
      const n = Math.min(batch, total - sent);
      if (n <= 0) return;
      const buf = Buffer.allocUnsafe(tpl.length * n);
      for (let i = 0; i < n; i++) {
        const off = i * tpl.length;
        tpl.copy(buf, off);
        writeDigits(buf, off + digitsAt, first + sent + i);
      }
      sent += n;
      sock.write(buf);
    };
    sock.on('connect', () => { for (let i = 0; i < window; i++) sendBatch(); });
    sock.on('data', (d: Buffer) => {
      for (let i = 0; i < d.length; i++) {
        const c = d[i]!;
        if (lastByte === 10 && c === 45 /* '-' */) { errors++; if (firstError === null) errorLine = []; }
        if (errorLine !== null && c !== 13 && c !== 10) errorLine.push(c);
        if (c === 10) {
          replied++;
          if (errorLine !== null && firstError === null) { firstError = Buffer.from(errorLine).toString('latin1'); errorLine = null; }
          if (replied % batch === 0) sendBatch();
        }
        lastByte = c;
      }
      if (replied >= total) {
        sock.destroy();
        resolve({ keys: total, ms: performance.now() - start, errors, firstError });
      }
    });
    sock.on('error', reject);
    sock.on('close', () => {
      if (replied < total) reject(new Error(`connection closed after ${replied}/${total} replies${firstError ? ` (first error: ${firstError})` : ''}`));
    });
  });
}
