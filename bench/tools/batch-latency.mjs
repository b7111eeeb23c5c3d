// Batch-latency load generator (docs/performance.md, session 5): 50 connections each send 16 SETs of
// 80-byte values to random keys and wait for the 16 replies; prints rps, batch latency percentiles and,
// per half second, the batches over 5 ms. Usage: node bench/tools/batch-latency.mjs PORT [requests] [keyspace]
import net from 'node:net';
const port = +process.argv[2], N = +(process.argv[3] || 5000000), R = +(process.argv[4] || 5000000);
const C = 50, P = 16;
const val = 'x'.repeat(80);
const one = Buffer.from(`*3\r\n$3\r\nSET\r\n$16\r\nkey:000000000000\r\n$80\r\n${val}\r\n`);
const keyOff = one.indexOf('key:') + 4;
let sent = 0, done = 0; const t0 = performance.now();
const lats = []; const slow = [];
let finished = 0;
function fill(buf) {
  for (let i = 0; i < P; i++) {
    let r = Math.floor(Math.random() * R);
    const o = i * one.length + keyOff + 11;
    for (let d = 0; d < 12; d++) { buf[o - d] = 48 + (r % 10); r = Math.floor(r / 10); }
  }
}
for (let c = 0; c < C; c++) {
  const s = net.connect(port, '127.0.0.1'); s.setNoDelay(true);
  const buf = Buffer.alloc(one.length * P); for (let i = 0; i < P; i++) one.copy(buf, i * one.length);
  let want = 0, start = 0;
  const go = () => { if (sent >= N) { s.end(); if (++finished === C) report(); return; } sent += P; fill(buf); want = 5 * P; start = performance.now(); s.write(buf); };
  s.on('connect', go);
  s.on('data', (d) => { want -= d.length; if (want <= 0) { const now = performance.now(); const l = now - start; lats.push(l); if (l > 5) slow.push([(start - t0) | 0, l]); done += P; go(); } });
}
function report() {
  const el = (performance.now() - t0) / 1000;
  lats.sort((a, b) => a - b);
  const q = (p) => lats[Math.min(lats.length - 1, Math.floor(p * lats.length))].toFixed(2);
  console.log(`rps ${(done / el) | 0} p50 ${q(0.5)} p99 ${q(0.99)} p99.9 ${q(0.999)} max ${q(1)} batches ${lats.length}`);
  // slow batches bucketed per 500ms
  const b = new Map(); for (const [t, l] of slow) { const k = Math.floor(t / 500) * 500; const e = b.get(k) || [0, 0]; e[0]++; e[1] = Math.max(e[1], l); b.set(k, e); }
  console.log('slow(>5ms) batches per 500ms window [t ms: count, max]:');
  console.log([...b].map(([k, [n, m]]) => `${k}:${n},${m.toFixed(1)}`).join('  '));
}
