// In-process microbenchmark of the collection commands issue 3's bench measures: each request
// goes through the server's dispatcher (Server.dispatch, as a socket client's would) with a fake
// client, on the argument shapes redis-benchmark sends (`-t lpush,lpop,sadd,hset,zadd -r 100000
// -d 80`, ZRANGE zr100 0 99, and the leaderboard's ZINCRBY / ZREVRANGE 0 9 WITHSCORES / ZRANK).
// Arguments are views into one request buffer whose __rand_int__ digits are rewritten in place
// before each call, so the harness allocates nothing per request. Times are process CPU time
// per request (user + system, all threads), best of MICRO_ROUNDS rounds.
//
//   node dist/bench/micro-collections.js [test,...]      (default: all)
//   MICRO_N (requests per test, 100000), MICRO_LB (leaderboard members, 1000000),
//   MICRO_ROUNDS (timed rounds per test, best kept; 3), MICRO_MODE=handler (call the handler
//   directly, skipping the dispatcher's generic work).
import { startServer } from '../src/index.js';
import { processCommand } from '../src/server/dispatch.js';
import type { Client } from '../src/server/client.js';
import type { Server } from '../src/server/server.js';
import type { Command } from '../src/commands/registry.js';
import os from 'node:os';

const N = Number(process.env.MICRO_N ?? 100_000);
const LB = Number(process.env.MICRO_LB ?? 1_000_000);
const ROUNDS = Number(process.env.MICRO_ROUNDS ?? 3);
const HANDLER_ONLY = process.env.MICRO_MODE === 'handler';
const RAND = '__rand_int__';

/** A request whose arguments are views of one buffer; rand() rewrites every __rand_int__ in place. */
class Req {
  argv: Buffer[];
  private slots: number[] = [];
  private buf: Buffer;
  constructor(parts: string[], private range: number) {
    const total = parts.reduce((n, p) => n + Buffer.byteLength(p) + 16, 0);
    this.buf = Buffer.alloc(total);
    this.argv = [];
    let off = 0;
    for (const p of parts) {
      off += 8; // room like a RESP header between arguments
      const n = this.buf.write(p, off, 'latin1');
      this.argv.push(this.buf.subarray(off, off + n));
      let i = p.indexOf(RAND);
      while (i >= 0) { this.slots.push(off + i); i = p.indexOf(RAND, i + 1); }
      off += n;
    }
  }
  rand(): void {
    const b = this.buf;
    for (const s of this.slots) {
      let x = Math.floor(Math.random() * this.range);
      for (let i = 11; i >= 0; i--) { b[s + i] = 48 + (x % 10); x = Math.floor(x / 10); }
    }
  }
}

function runner(s: Server, c: Client) {
  const cmds = new Map<Buffer[], Command>();
  return (argv: Buffer[]): void => {
    if (HANDLER_ONLY) {
      let cmd = cmds.get(argv);
      if (cmd === undefined) { cmd = s.registry.lookup(argv[0]!)!; cmds.set(argv, cmd); }
      c.cmd = cmd; c.argv = argv;
      cmd.handler!(c, argv);
    } else {
      processCommand(s, c, argv);
    }
    c.w.truncate(0);
  };
}

interface Result { name: string; nsPerOp: number; heapBPerOp: number }

function timeIt(name: string, n: number, rounds: number, exec: (argv: Buffer[]) => void, req: Req,
  setup?: () => void): Result {
  let best = Infinity;
  let heap = 0;
  for (let r = 0; r < rounds; r++) {
    if (setup) setup();
    const h0 = process.memoryUsage().heapUsed;
    // Process CPU time, not wall time: on a shared machine the process is often descheduled.
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) { req.rand(); exec(req.argv); }
    const t1 = process.cpuUsage(t0);
    const ns = (t1.user + t1.system) * 1000 / n;
    const h1 = process.memoryUsage().heapUsed;
    if (ns < best) { best = ns; heap = (h1 - h0) / n; }
  }
  return { name, nsPerOp: best, heapBPerOp: heap };
}

async function main(): Promise<void> {
  const want = new Set((process.argv[2] ?? 'ping,lpush,lpop,sadd,hset,zadd,zrange100,zincrby,zrevrange10,zrank').split(','));
  const srv = await startServer({ config: {} });
  const s = srv.server;
  const c = s.fakeClient();
  const exec = runner(s, c);
  const data = 'x'.repeat(80);
  const results: Result[] = [];
  const del = (k: string) => exec([Buffer.from('DEL'), Buffer.from(k)]);
  const R = 100_000;

  // A warm-up of everything first so each test sees optimized code.
  const warm = () => {
    for (const [parts, n] of [
      [['LPUSH', 'mylist', data], 20000], [['LPOP', 'mylist'], 20000],
      [['SADD', 'myset', `element:${RAND}`], 20000], [['HSET', 'myhash', `element:${RAND}`, data], 20000],
      [['ZADD', 'myzset', RAND, `element:${RAND}`], 20000],
    ] as [string[], number][]) {
      const q = new Req(parts, R);
      for (let i = 0; i < n; i++) { q.rand(); exec(q.argv); }
    }
    for (const k of ['mylist', 'myset', 'myhash', 'myzset']) del(k);
  };
  warm();

  const zr = ['ZADD', 'zr100'];
  for (let i = 0; i < 100; i++) zr.push(String(i), `member:${i}`);
  exec(zr.map((x) => Buffer.from(x)));

  if (want.has('ping')) results.push(timeIt('PING', N, ROUNDS, exec, new Req(['PING'], R)));
  if (want.has('lpush') || want.has('lpop')) {
    const push = new Req(['LPUSH', 'mylist', data], R);
    const pop = new Req(['LPOP', 'mylist'], R);
    // Each LPUSH round starts from an empty list; each LPOP round pops a list of N.
    if (want.has('lpush')) results.push(timeIt('LPUSH', N, ROUNDS, exec, push, () => del('mylist')));
    if (want.has('lpop')) {
      results.push(timeIt('LPOP', N, ROUNDS, exec, pop, () => {
        del('mylist');
        for (let i = 0; i < N; i++) exec(push.argv);
      }));
    }
  }
  if (want.has('sadd')) results.push(timeIt('SADD', N, ROUNDS, exec, new Req(['SADD', 'myset', `element:${RAND}`], R), () => del('myset')));
  if (want.has('hset')) results.push(timeIt('HSET', N, ROUNDS, exec, new Req(['HSET', 'myhash', `element:${RAND}`, data], R), () => del('myhash')));
  if (want.has('zadd')) results.push(timeIt('ZADD', N, ROUNDS, exec, new Req(['ZADD', 'myzset', RAND, `element:${RAND}`], R), () => del('myzset')));
  if (want.has('zrange100')) results.push(timeIt('ZRANGE 0 99', N, ROUNDS, exec, new Req(['ZRANGE', 'zr100', '0', '99'], R)));

  if (want.has('zincrby') || want.has('zrevrange10') || want.has('zrank')) {
    const load = new Req(['ZADD', 'lb', RAND, `player:${RAND}`], LB);
    const t0 = Date.now();
    for (let i = 0; i < LB * 2; i++) { load.rand(); exec(load.argv); }
    const loadMs = Date.now() - t0;
    console.log(`leaderboard: loaded ${LB * 2} ZADDs in ${loadMs} ms (${(loadMs * 1e6 / (LB * 2)).toFixed(0)} ns/op)`);
    if (want.has('zincrby')) results.push(timeIt('ZINCRBY', N, ROUNDS, exec, new Req(['ZINCRBY', 'lb', '7', `player:${RAND}`], LB)));
    if (want.has('zrevrange10')) results.push(timeIt('ZREVRANGE 0 9 WS', N, ROUNDS, exec, new Req(['ZREVRANGE', 'lb', '0', '9', 'WITHSCORES'], LB)));
    if (want.has('zrank')) results.push(timeIt('ZRANK', N, ROUNDS, exec, new Req(['ZRANK', 'lb', `player:${RAND}`], LB)));
  }

  console.log(`mode=${HANDLER_ONLY ? 'handler' : 'dispatch'} N=${N} rounds=${ROUNDS} (best) load=${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (const r of results) {
    console.log(`${r.name.padEnd(18)} ${r.nsPerOp.toFixed(0).padStart(7)} ns/op   heap ${r.heapBPerOp.toFixed(0).padStart(6)} B/op`);
  }
  await srv.close();
}

await main();
