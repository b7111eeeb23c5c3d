// The clients' own latency around a BGSAVE (docs/performance.md, session 5): 50 connections send
// SET/GET at pipeline 1 over 1M keys (load them first, e.g. DEBUG POPULATE 1000000 key 80); after 4.5 s
// BGSAVE is sent; prints p50/p99 of the requests sent before and during the snapshot.
// Usage: node bench/tools/snapshot-latency.mjs PORT
import net from 'node:net';
const port = +process.argv[2]; const KEYS = 1000000, C = 50;
const val = 'x'.repeat(80);
const t0 = performance.now();
const sendT = new Float64Array(4e7 / 8 | 0), lat = new Float64Array(4e7 / 8 | 0); let n = 0; let stop = false;
function conn() { return new Promise((res) => { const s = net.connect(port, '127.0.0.1', () => res(s)); s.setNoDelay(true); }); }
async function call(s, cmd) { return new Promise((res) => { s.once('data', (d) => res(d.toString())); s.write(cmd); }); }
const ctl = await conn();
const socks = []; for (let i = 0; i < C; i++) socks.push(await conn());
for (const s of socks) {
  let start = 0, set = true, want = 0;
  const go = () => { if (stop) return; const k = 'key:' + Math.floor(Math.random() * KEYS); set = !set;
    const cmd = set ? `*3\r\n$3\r\nSET\r\n$${k.length}\r\n${k}\r\n$80\r\n${val}\r\n` : `*2\r\n$3\r\nGET\r\n$${k.length}\r\n${k}\r\n`;
    start = performance.now(); s.write(cmd); };
  s.on('data', (d) => { // replies: +OK\r\n or $80\r\n...\r\n (or $-1)
    const now = performance.now(); if (n < sendT.length) { sendT[n] = start - t0; lat[n] = now - start; n++; } go(); });
  go();
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
await sleep(1500); const b0 = performance.now() - t0; await sleep(3000); const b1 = performance.now() - t0;
const s0 = performance.now() - t0; console.log('BGSAVE:', (await call(ctl, 'BGSAVE\r\n')).trim());
for (;;) { const r = await call(ctl, 'INFO persistence\r\n'); if (/rdb_bgsave_in_progress:0/.test(r)) break; await sleep(20); }
const s1 = performance.now() - t0; await sleep(500); stop = true;
function pct(a, b) { const x = []; for (let i = 0; i < n; i++) if (sendT[i] >= a && sendT[i] < b) x.push(lat[i]); x.sort((p, q) => p - q);
  const q = (p) => x[Math.min(x.length - 1, Math.floor(p * x.length))]?.toFixed(2); return `n=${x.length} rps=${(x.length / ((b - a) / 1000)) | 0} p50=${q(0.5)} p99=${q(0.99)} p99.9=${q(0.999)} max=${q(1)}`; }
console.log('before', pct(b0, b1)); console.log('during', pct(s0, s1), `snap ${((s1 - s0) / 1000).toFixed(2)}s`);
process.exit(0);
