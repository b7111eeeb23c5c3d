// Parser fuzzing, bounded in time (FUZZ_MS scales it; FUZZ_SEED replays a run).
//  - RespParser directly: random valid request streams fed in random chunkings must yield
//    exactly the generated commands; a valid prefix followed by a malformed request must yield
//    the same commands and the same error whatever the chunking; random garbage must only ever
//    produce commands or a ProtocolError.
//  - Over the network: many connections send random and mutated RESP to one server; every
//    byte the server sends back must be well-formed RESP, a protocol error must be the last
//    reply on its connection, and afterwards the server must still work.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { RespParser, ProtocolError } from '../src/protocol/parser.js';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyFramer, encodeCommand, sleep } from '../bench/resp.js';

const TOTAL_MS = Number(process.env.FUZZ_MS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? (Date.now() % 1_000_000_007));

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const bytes = (n: number) => { const b = Buffer.allocUnsafe(n); for (let i = 0; i < n; i++) b[i] = int(256); return b; };
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!;
  return { next, int, bytes, pick };
}
type Rng = ReturnType<typeof rng>;

function argLength(r: Rng): number {
  const x = r.next();
  if (x < 0.6) return r.int(12);
  if (x < 0.9) return r.int(300);
  if (x < 0.98) return 300 + r.int(5000);
  return 32 * 1024 + r.int(70_000); // the parser's big-argument path
}

const SAFE = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_-.,;!?/@#%^&*()[]{}<>=+|~`$');

/** Encodes args as an inline request that splitArgs must decode back to the same args. */
function inlineRequest(r: Rng, args: Buffer[]): Buffer {
  const seps = [' ', '  ', '\t', ' \t '];
  const parts: string[] = [];
  for (const a of args) {
    const plain = a.length > 0 && a.every((c) => SAFE.includes(c) && c !== 34 && c !== 39);
    if (plain && r.next() < 0.6) { parts.push(a.toString('latin1')); continue; }
    let q = '"';
    for (const c of a) {
      if (c === 34) q += '\\"';
      else if (c === 92) q += '\\\\';
      else if (c === 10) q += r.next() < 0.5 ? '\\n' : '\\x0a';
      else if (c === 13) q += '\\r';
      else if (c === 9) q += '\\t';
      else if (c >= 32 && c < 127) q += String.fromCharCode(c);
      else {
        const hex = c.toString(16).padStart(2, '0');
        q += '\\x' + (r.next() < 0.5 ? hex : hex.toUpperCase());
      }
    }
    parts.push(q + '"');
  }
  let line = r.pick(['', ' ', '\t']);
  parts.forEach((p, i) => { line += (i ? r.pick(seps) : '') + p; });
  if (line.startsWith('*')) line = ' ' + line; // a leading '*' would make it a multibulk request
  line += r.pick(['', ' ']) + r.pick(['\r\n', '\n']);
  return Buffer.from(line, 'latin1');
}

/** A random valid request stream and the commands it holds. */
function validStream(r: Rng, n: number): { stream: Buffer; cmds: Buffer[][] } {
  const parts: Buffer[] = [];
  const cmds: Buffer[][] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next();
    if (x < 0.03) { parts.push(Buffer.from(r.pick(['\r\n', '\n', '*0\r\n', '*-1\r\n', '   \r\n']))); continue; }
    const argc = 1 + r.int(r.next() < 0.9 ? 5 : 40);
    if (x < 0.25) {
      // inline: printable-ish arguments of modest size (an inline line is capped at 64 KB)
      const args: Buffer[] = [];
      for (let j = 0; j < argc; j++) {
        const len = (j === 0 ? 1 : 0) + r.int(r.next() < 0.9 ? 10 : 200);
        args.push(r.next() < 0.7 ? Buffer.from(Array.from({ length: len }, () => r.pick([...SAFE]))) : r.bytes(len));
      }
      parts.push(inlineRequest(r, args));
      cmds.push(args);
    } else {
      const args: Buffer[] = [];
      for (let j = 0; j < argc; j++) args.push(r.bytes(argLength(r)));
      parts.push(encodeCommand(args));
      cmds.push(args);
    }
  }
  return { stream: Buffer.concat(parts), cmds };
}

/** Splits a buffer into random chunks (each a fresh copy, like socket reads). */
function chunks(r: Rng, b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const mode = r.int(4);
  let p = 0;
  while (p < b.length) {
    const n = mode === 0 ? 1 + r.int(4) : mode === 1 ? 1 + r.int(64) : mode === 2 ? 1 + r.int(70_000) : (r.next() < 0.5 ? 1 : 1 + r.int(20_000));
    out.push(Buffer.from(b.subarray(p, p + n)));
    p += n;
  }
  return out;
}

/** Splits a buffer at up to 63 random points. */
function fewChunks(r: Rng, b: Buffer): Buffer[] {
  const cuts = Array.from({ length: r.int(64) }, () => r.int(b.length + 1)).sort((x, y) => x - y);
  const out: Buffer[] = [];
  let p = 0;
  for (const c of [...cuts, b.length]) { if (c > p) { out.push(b.subarray(p, c)); p = c; } }
  return out;
}

type Outcome = { cmds: Buffer[][]; error: string | null };

function parseAll(pieces: Buffer[], limits = { maxBulkLen: 512 * 1024 * 1024, authenticated: true }): Outcome {
  const p = new RespParser(limits);
  const cmds: Buffer[][] = [];
  for (const piece of pieces) {
    p.feed(piece);
    for (;;) {
      let c: Buffer[] | null;
      try {
        c = p.next();
      } catch (e) {
        if (e instanceof ProtocolError) return { cmds, error: e.message };
        throw e;
      }
      if (c === null) break;
      // Argument views are valid until the next next()/feed() (the query buffer is reused): keep copies.
      if (c.length > 0) cmds.push(c.map((a) => Buffer.from(a)));
    }
  }
  return { cmds, error: null };
}

function assertSameCommands(got: Buffer[][], want: Buffer[][], ctx: string): void {
  assert.equal(got.length, want.length, `${ctx}: command count`);
  for (let i = 0; i < want.length; i++) {
    assert.equal(got[i]!.length, want[i]!.length, `${ctx}: argc of command #${i}`);
    for (let j = 0; j < want[i]!.length; j++) {
      if (!got[i]![j]!.equals(want[i]![j]!)) {
        assert.fail(`${ctx}: command #${i} arg #${j} differs (len ${got[i]![j]!.length} vs ${want[i]![j]!.length})`);
      }
    }
  }
}

const MALFORMED = [
  '*3000000000\r\n', '*abc\r\n', '*01\r\n', '*1\r\nfoo\r\n', '*2\r\n$1\r\na\r\n:1\r\n', '*1\r\n$-5\r\n',
  '*1\r\n$x\r\n', '*1\r\n$99999999999\r\n', 'ECHO "unterminated\r\n', "ECHO 'x'y\r\n", 'ECHO "a"b\r\n', '*\r\n',
];

describe('RespParser unit fuzz', () => {
  test(`random chunkings of valid streams yield the same commands (seed ${SEED})`, () => {
    const r = rng(SEED);
    const deadline = Date.now() + TOTAL_MS * 0.2;
    let rounds = 0, commands = 0;
    while (Date.now() < deadline || rounds < 20) {
      const { stream, cmds } = validStream(r, 1 + r.int(60));
      for (let k = 0; k < 3; k++) {
        const out = parseAll(chunks(r, stream));
        assert.equal(out.error, null, `round ${rounds}: unexpected error ${out.error}`);
        assertSameCommands(out.cmds, cmds, `seed ${SEED} round ${rounds} chunking ${k}`);
      }
      rounds++;
      commands += cmds.length;
    }
    assert.ok(commands > 0);
  });

  test(`a malformed request after valid ones: same commands and same error for any chunking (seed ${SEED})`, () => {
    const r = rng(SEED + 1);
    const deadline = Date.now() + TOTAL_MS * 0.1;
    let rounds = 0;
    while (Date.now() < deadline || rounds < 20) {
      const { stream, cmds } = validStream(r, r.int(10));
      const bad = r.pick(MALFORMED);
      const whole = Buffer.concat([stream, Buffer.from(bad, 'latin1'), Buffer.from('PING\r\n')]);
      const reference = parseAll([whole]);
      assert.notEqual(reference.error, null, `${JSON.stringify(bad)} must be rejected`);
      assertSameCommands(reference.cmds, cmds, `seed ${SEED} round ${rounds} (one chunk)`);
      for (let k = 0; k < 3; k++) {
        const out = parseAll(chunks(r, whole));
        assert.equal(out.error, reference.error, `seed ${SEED} round ${rounds}: error for ${JSON.stringify(bad)}`);
        assertSameCommands(out.cmds, cmds, `seed ${SEED} round ${rounds} chunking ${k}`);
      }
      rounds++;
    }
  });

  test(`random and mutated input only yields commands or a ProtocolError (seed ${SEED})`, () => {
    const r = rng(SEED + 2);
    const deadline = Date.now() + TOTAL_MS * 0.1;
    let rounds = 0, errors = 0;
    while (Date.now() < deadline || rounds < 50) {
      const input = r.next() < 0.5 ? r.bytes(r.int(2000)) : mutate(r, validStream(r, 1 + r.int(8)).stream);
      const limits = { maxBulkLen: 1024 * 1024, authenticated: r.next() < 0.8 };
      const out = parseAll(chunks(r, input), limits);
      if (out.error !== null) {
        errors++;
        assert.match(out.error, /^Protocol error: /);
      }
      for (const c of out.cmds) for (const a of c) assert.ok(Buffer.isBuffer(a));
      rounds++;
    }
    assert.ok(errors > 0, 'some inputs were rejected');
  });
});

/** Applies a few random mutations to a request stream. */
function mutate(r: Rng, src: Buffer): Buffer {
  let b = Buffer.from(src);
  const n = 1 + r.int(4);
  for (let i = 0; i < n; i++) {
    const pos = b.length ? r.int(b.length) : 0;
    switch (r.int(8)) {
      case 0: if (b.length) b[pos] = b[pos]! ^ (1 << r.int(8)); break; // bit flip
      case 1: b = Buffer.concat([b.subarray(0, pos), r.bytes(1 + r.int(8)), b.subarray(pos)]); break; // insert
      case 2: b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + 1 + r.int(16)))]); break; // delete
      case 3: b = b.subarray(0, pos); break; // truncate
      case 4: b = Buffer.concat([b, b.subarray(pos, pos + r.int(64))]); break; // duplicate a range
      case 5: { // rewrite a length field
        const at = b.indexOf(r.next() < 0.5 ? '$' : '*', pos);
        if (at >= 0) {
          const end = b.indexOf('\r', at);
          const num = r.pick(['-1', '0', '-0', '01', '2147483648', '65537', '99999999999999999999', 'x', '', '3', '16385', '1048577']);
          b = Buffer.concat([b.subarray(0, at + 1), Buffer.from(num), b.subarray(end < 0 ? b.length : end)]);
        }
        break;
      }
      case 6: b = Buffer.concat([b.subarray(0, pos), Buffer.from(r.pick(['\r\n', '\r', '\n', '"', "'", '\\', '*', '$', '\x00'])), b.subarray(pos)]); break;
      default: if (b.length) b[pos] = r.pick([13, 10, 34, 39, 42, 36, 0, 32]); break;
    }
  }
  return b;
}

describe('network fuzz', () => {
  let srv: RunningServer;
  const logs: string[] = [];
  after(async () => { await srv?.close(); });

  test(`many connections of random and mutated RESP leave the server healthy (seed ${SEED})`, async () => {
    srv = await startServer({
      // Keep declared lengths from reserving much memory per fuzzing connection.
      config: { 'proto-max-bulk-len': '1mb', 'client-query-buffer-limit': '1mb', loglevel: 'verbose' },
      logSink: (l) => logs.push(l),
    });
    const port = srv.port;
    const r = rng(SEED + 3);
    const deadline = Date.now() + TOTAL_MS * 0.55;
    const corpus: Buffer[] = [
      encodeCommand(['PING']), encodeCommand(['ECHO', 'hello']), encodeCommand(['SET', 'fz:k', 'v']),
      encodeCommand(['GET', 'fz:k']), encodeCommand(['SET', 'fz:bin', Buffer.from([0, 1, 2, 13, 10, 255])]),
      Buffer.from('PING\r\n'), Buffer.from('ECHO "quoted \\x41 arg"\r\n'), Buffer.from("SET 'fz:q' \"v v\"\r\n"),
      encodeCommand(['GET', 'fz:missing']), encodeCommand(['ECHO', Buffer.alloc(40_000, 120)]),
    ];
    let connections = 0, replies = 0, protocolErrors = 0, bytesSent = 0;

    const worker = async (): Promise<void> => {
      while (Date.now() < deadline) {
        const c = await RawConn.connect(port);
        connections++;
        const framer = new ReplyFramer();
        let lastWasProtocolError = false;
        let frameError: Error | null = null;
        c.socket.on('data', (d: Buffer) => {
          try {
            framer.feed(d);
            for (let f = framer.next(); f !== null; f = framer.next()) {
              assert.equal(lastWasProtocolError, false, 'a reply followed a protocol error');
              replies++;
              if (f.toString('latin1').startsWith('-ERR Protocol error: ')) { lastWasProtocolError = true; protocolErrors++; }
            }
          } catch (e) { frameError = e as Error; }
        });
        const sends = 1 + r.int(6);
        for (let i = 0; i < sends && !c.ended; i++) {
          const x = r.next();
          const base = Buffer.concat(Array.from({ length: 1 + r.int(5) }, () => r.pick(corpus)));
          const payload = x < 0.2 ? r.bytes(r.int(3000)) : x < 0.35 ? base : mutate(r, base);
          // At most ~64 pieces, yielding to the event loop between them: client and server share
          // this process, and writes that complete synchronously would otherwise starve the server.
          for (const piece of fewChunks(r, payload)) {
            await c.write(piece);
            bytesSent += piece.length;
            await new Promise((res) => setImmediate(res));
          }
          if (r.next() < 0.3) await sleep(r.int(3));
        }
        await sleep(r.int(20));
        c.close();
        if (frameError) throw frameError;
      }
    };
    await Promise.all(Array.from({ length: 12 }, () => worker()));
    await sleep(100);

    // The server still works.
    const c = await RawConn.connect(port);
    assert.equal(await c.call('PING'), 'PONG');
    assert.equal(await c.call('SET', 'after-fuzz', 'still ok'), 'OK');
    assert.equal(await c.call('GET', 'after-fuzz'), 'still ok');
    assert.equal(await c.call('ECHO', Buffer.alloc(100_000, 65)), 'A'.repeat(100_000));
    c.close();
    for (let i = 0; i < 100 && srv.server.clients.size > 0; i++) await sleep(20);
    assert.equal(srv.server.clients.size, 0, 'every fuzzing connection was cleaned up');
    const internal = logs.filter((l) => /Internal error|TypeError|RangeError/.test(l));
    assert.deepEqual(internal, [], 'no command crashed');
    assert.ok(connections > 20, `only ${connections} connections`);
    assert.ok(protocolErrors > 0 && replies > protocolErrors, `connections=${connections} bytes=${bytesSent} replies=${replies} protocolErrors=${protocolErrors}`);
    process.stdout.write(`# network fuzz: ${connections} connections, ${bytesSent} bytes sent, ${replies} replies, ${protocolErrors} protocol errors\n`);
  });
});
