// The wire protocol over raw sockets: pipelining, partial reads, inline commands, binary
// safety, RESP2/RESP3 reply shapes, protocol errors (exact texts, connection closed after),
// big arguments and the request size limits.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startServer, type RunningServer } from '../src/index.js';
import { Writer } from '../src/protocol/writer.js';
import { RawConn, encodeCommand, sleep, decode } from '../bench/resp.js';

const cmd = encodeCommand;
const conns: RawConn[] = [];
const servers: RunningServer[] = [];

async function open(port: number): Promise<RawConn> {
  const c = await RawConn.connect(port);
  conns.push(c);
  return c;
}

async function server(config: Record<string, string> = {}): Promise<RunningServer> {
  const s = await startServer({ config });
  servers.push(s);
  return s;
}

after(async () => {
  for (const c of conns) c.close();
  for (const s of servers) await s.close();
});

/** True if the server replies to `args` with an unknown-command error. */
async function missing(port: number, ...args: string[]): Promise<boolean> {
  const c = await open(port);
  const r = (await c.call(...args)) as unknown;
  c.close();
  return typeof r === 'object' && r !== null && 'message' in r && /^ERR unknown (sub)?command/.test((r as { message: string }).message);
}

const bulk = (s: string | Buffer) => {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'latin1');
  return `$${b.length}\r\n${b.toString('latin1')}\r\n`;
};

let port = 0;
before(async () => { port = (await server()).port; });

describe('pipelining', () => {
  test('many commands in one write: every reply, in order', async () => {
    const c = await open(port);
    const parts: Buffer[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 1500; i++) {
      parts.push(cmd(['SET', `pipe:${i}`, `value-${i}`])); expected.push('+OK\r\n');
      parts.push(cmd(['GET', `pipe:${i}`])); expected.push(bulk(`value-${i}`));
      if (i % 3 === 0) { parts.push(Buffer.from('PING\r\n')); expected.push('+PONG\r\n'); }
      if (i % 5 === 0) { parts.push(cmd(['ECHO', String(i)])); expected.push(bulk(String(i))); }
      if (i % 7 === 0) { parts.push(cmd(['GET', `nope:${i}`])); expected.push('$-1\r\n'); }
    }
    await c.write(Buffer.concat(parts));
    for (let i = 0; i < expected.length; i++) assert.equal(await c.raw(), expected[i], `reply #${i}`);
    assert.equal(c.queued, 0);
  });

  test('errors inside a pipeline do not disturb the replies around them', async () => {
    const c = await open(port);
    await c.write(Buffer.concat([
      cmd(['SET', 'pe', '1']), cmd(['NOSUCHCMD', 'a', 'b']), cmd(['GET']), cmd(['GET', 'pe']),
      Buffer.from('nosuch inline\r\n'), cmd(['PING']),
    ]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), "-ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' \r\n");
    assert.equal(await c.raw(), "-ERR wrong number of arguments for 'get' command\r\n");
    assert.equal(await c.raw(), '$1\r\n1\r\n');
    assert.equal(await c.raw(), "-ERR unknown command 'nosuch', with args beginning with: 'inline' \r\n");
    assert.equal(await c.raw(), '+PONG\r\n');
  });

  test('large replies to a pipeline keep their order', async () => {
    const c = await open(port);
    const big = (i: number) => Buffer.alloc(100_000 + i, 97 + (i % 26));
    const parts: Buffer[] = [];
    for (let i = 0; i < 20; i++) parts.push(cmd(['SET', `bigpipe:${i}`, big(i)]));
    for (let i = 0; i < 20; i++) parts.push(cmd(['GET', `bigpipe:${i}`]));
    await c.write(Buffer.concat(parts));
    for (let i = 0; i < 20; i++) assert.equal(await c.raw(), '+OK\r\n');
    for (let i = 0; i < 20; i++) {
      const f = await c.frame();
      assert.ok(f.equals(Buffer.from(bulk(big(i)), 'latin1')), `GET #${i}`);
    }
  });

  test('pipelines from many connections at once', async () => {
    const cs = await Promise.all(Array.from({ length: 20 }, () => open(port)));
    await Promise.all(cs.map(async (c, k) => {
      const parts: Buffer[] = [];
      for (let i = 0; i < 200; i++) parts.push(cmd(['SET', `mc:${k}:${i}`, `${k}/${i}`]), cmd(['GET', `mc:${k}:${i}`]));
      await c.write(Buffer.concat(parts));
      for (let i = 0; i < 200; i++) {
        assert.equal(await c.raw(), '+OK\r\n');
        assert.equal(await c.raw(), bulk(`${k}/${i}`));
      }
    }));
  });
});

describe('partial reads', () => {
  test('a command split byte by byte is executed once complete', async () => {
    const c = await open(port);
    const bytes = Buffer.concat([cmd(['SET', 'bytewise', 'hello world']), cmd(['GET', 'bytewise'])]);
    const firstEnd = cmd(['SET', 'bytewise', 'hello world']).length;
    for (let i = 0; i < bytes.length; i++) {
      await c.write(bytes.subarray(i, i + 1));
      await sleep(1);
      if (i === firstEnd - 2) {
        await sleep(20);
        assert.equal(c.received.length, 0, 'no reply before the final byte of the request');
      }
    }
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), bulk('hello world'));
  });

  test('inline command split byte by byte', async () => {
    const c = await open(port);
    const bytes = Buffer.from('ECHO "split inline"\r\n');
    for (let i = 0; i < bytes.length; i++) { await c.write(bytes.subarray(i, i + 1)); await sleep(1); }
    assert.equal(await c.raw(), bulk('split inline'));
  });

  test('every split point of a request gives the same reply', async () => {
    const c = await open(port);
    const req = cmd(['ECHO', 'abc\r\ndef']);
    for (let i = 1; i < req.length; i++) {
      await c.write(req.subarray(0, i));
      await sleep(2);
      await c.write(req.subarray(i));
      assert.equal(await c.raw(), bulk('abc\r\ndef'), `split at ${i}`);
    }
  });

  test('a big argument split around its header and trailing CRLF', async () => {
    const c = await open(port);
    const value = Buffer.alloc(40_000);
    for (let i = 0; i < value.length; i++) value[i] = (i * 7) & 255;
    const req = cmd(['SET', 'bigsplit', value]);
    const headerEnd = req.indexOf('$40000\r\n') + 8;
    // header alone, value in 997-byte pieces, then "\r" alone and "\n" glued to the next request
    await c.write(req.subarray(0, headerEnd)); await sleep(2);
    let p = headerEnd;
    while (p < req.length - 2) {
      const n = Math.min(997, req.length - 2 - p);
      await c.write(req.subarray(p, p + n)); p += n;
    }
    await sleep(2);
    await c.write('\r'); await sleep(2);
    await c.write(Buffer.concat([Buffer.from('\n'), cmd(['GET', 'bigsplit'])]));
    assert.equal(await c.raw(), '+OK\r\n');
    const f = await c.frame();
    assert.ok(f.equals(Buffer.concat([Buffer.from('$40000\r\n'), value, Buffer.from('\r\n')])));
  });

  test('a multibulk header that is incomplete waits for more input', async () => {
    const c = await open(port);
    await c.write('*2\r'); await sleep(10);
    await c.write('\n$4\r\nEC'); await sleep(10);
    await c.write('HO\r\n$2'); await sleep(10);
    assert.equal(c.received.length, 0);
    await c.write('\r\nhi\r\n');
    assert.equal(await c.raw(), '$2\r\nhi\r\n');
  });
});

describe('inline commands', () => {
  const cases: [string, string][] = [
    ['PING\r\n', '+PONG\r\n'],
    ['PING\n', '+PONG\r\n'],
    ['   PING   \r\n', '+PONG\r\n'],
    ['ping\t\r\n', '+PONG\r\n'],
    ['ECHO "hello world"\r\n', bulk('hello world')],
    ["ECHO 'single \\' quote'\r\n", bulk("single ' quote")],
    ["ECHO 'no \\n escapes'\r\n", bulk('no \\n escapes')],
    ['ECHO "\\x41\\x42\\n\\t\\r\\b\\a\\\\\\""\r\n', bulk('AB\n\t\r\b\x07\\"')],
    ['ECHO "\\x4g"\r\n', bulk('x4g')],
    ['ECHO ""\r\n', bulk('')],
    ["ECHO ''\r\n", bulk('')],
    ['ECHO a"b c"\r\n', bulk('ab c')],
    ["ECHO a'b c'\r\n", bulk('ab c')],
    ['ECHO "a b" c\r\n', "-ERR wrong number of arguments for 'echo' command\r\n"],
    ["ECHO 'a\\'b' c\r\n", "-ERR wrong number of arguments for 'echo' command\r\n"],
    ['FOO bar\r\n', "-ERR unknown command 'FOO', with args beginning with: 'bar' \r\n"],
  ];
  for (const [input, expected] of cases) {
    test(`inline ${JSON.stringify(input)}`, async () => {
      const c = await open(port);
      await c.write(input);
      assert.equal(await c.raw(), expected);
    });
  }

  test('quoted key and value round-trip with multibulk GET', async () => {
    const c = await open(port);
    await c.write('SET "inline key" \'inline value\'\r\n');
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.call('GET', 'inline key'), 'inline value');
  });

  test('empty lines are ignored; several inline commands in one write', async () => {
    const c = await open(port);
    await c.write('\r\n\n\r\n   \r\nPING\r\n\r\nECHO x\nPING a\r\n');
    assert.equal(await c.raw(), '+PONG\r\n');
    assert.equal(await c.raw(), bulk('x'));
    assert.equal(await c.raw(), bulk('a'));
    await sleep(20);
    assert.equal(c.queued, 0);
  });

  for (const input of ['set """test-key""" test-value\r\nping\r\n', 'ECHO "abc\r\nPING\r\n', 'ECHO "a"b\r\nPING\r\n',
    "ECHO 'abc\r\nPING\r\n", "ECHO 'a'b\r\nPING\r\n", 'ECHO a"b\r\nPING\r\n']) {
    test(`unbalanced quotes ${JSON.stringify(input)} → protocol error, connection closed`, async () => {
      const c = await open(port);
      await c.write(input);
      assert.equal(await c.raw(), '-ERR Protocol error: unbalanced quotes in request\r\n');
      await c.closed();
      assert.equal(c.queued, 0, 'nothing after the error (the PING is not executed)');
    });
  }
});

describe('binary safety', () => {
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;

  test('a value with all 256 byte values round-trips', async () => {
    const c = await open(port);
    await c.write(Buffer.concat([cmd(['SET', 'bin:value', all]), cmd(['GET', 'bin:value'])]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.ok((await c.frame()).equals(Buffer.concat([Buffer.from('$256\r\n'), all, Buffer.from('\r\n')])));
  });

  test('a key with all 256 byte values is distinct from its neighbours', async () => {
    const c = await open(port);
    const other = Buffer.from(all); other[255] = 0;
    await c.write(Buffer.concat([cmd(['SET', all, 'k1']), cmd(['SET', other, 'k2']), cmd(['GET', all]), cmd(['GET', other])]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), bulk('k1'));
    assert.equal(await c.raw(), bulk('k2'));
  });

  test('every single byte value as a one-byte argument', async () => {
    const c = await open(port);
    const parts: Buffer[] = [];
    for (let i = 0; i < 256; i++) parts.push(cmd(['ECHO', Buffer.from([i])]));
    await c.write(Buffer.concat(parts));
    for (let i = 0; i < 256; i++) {
      assert.ok((await c.frame()).equals(Buffer.from([36, 49, 13, 10, i, 13, 10])), `byte ${i}`);
    }
  });

  test('arguments that look like protocol, and empty arguments', async () => {
    const c = await open(port);
    const tricky = '*1\r\n$4\r\nPING\r\n$-1\r\n+OK\r\n';
    assert.equal(await c.call('SET', 'tricky', tricky), 'OK');
    assert.equal(await c.call('GET', 'tricky'), tricky);
    assert.equal(await c.call('SET', '', ''), 'OK');
    await c.write(cmd(['GET', '']));
    assert.equal(await c.raw(), '$0\r\n\r\n');
  });
});

describe('RESP2 and RESP3 reply shapes', () => {
  const render = (resp: 2 | 3, f: (w: Writer) => void) => {
    const w = new Writer();
    w.resp = resp;
    f(w);
    return w.take()?.toString('latin1') ?? '';
  };
  const shapes: [string, (w: Writer) => void, string, string][] = [
    ['ok', (w) => w.ok(), '+OK\r\n', '+OK\r\n'],
    ['simple', (w) => w.simple('QUEUED'), '+QUEUED\r\n', '+QUEUED\r\n'],
    ['error', (w) => w.error('ERR bad\r\nthing'), '-ERR bad  thing\r\n', '-ERR bad  thing\r\n'],
    ['int', (w) => { w.int(12345); w.int(-7); w.int(2n ** 63n - 1n); }, ':12345\r\n:-7\r\n:9223372036854775807\r\n', ':12345\r\n:-7\r\n:9223372036854775807\r\n'],
    ['bulk', (w) => { w.bulk('Hello World'); w.bulk(''); w.bulk(Buffer.from([0, 13, 10])); }, '$11\r\nHello World\r\n$0\r\n\r\n$3\r\n\x00\r\n\r\n', '$11\r\nHello World\r\n$0\r\n\r\n$3\r\n\x00\r\n\r\n'],
    ['bulk utf8', (w) => w.bulk('é'), '$2\r\n\xc3\xa9\r\n', '$2\r\n\xc3\xa9\r\n'],
    ['bulkFrom', (w) => w.bulkFrom(Buffer.from('xxhelloxx'), 2, 7), '$5\r\nhello\r\n', '$5\r\nhello\r\n'],
    ['nil', (w) => w.nil(), '$-1\r\n', '_\r\n'],
    ['nullArray', (w) => w.nullArray(), '*-1\r\n', '_\r\n'],
    ['array', (w) => { w.arr(3); w.int(0); w.int(1); w.int(2); }, '*3\r\n:0\r\n:1\r\n:2\r\n', '*3\r\n:0\r\n:1\r\n:2\r\n'],
    ['big array header', (w) => w.arr(100000), '*100000\r\n', '*100000\r\n'],
    ['set', (w) => { w.set(3); w.int(0); w.int(1); w.int(2); }, '*3\r\n:0\r\n:1\r\n:2\r\n', '~3\r\n:0\r\n:1\r\n:2\r\n'],
    ['map', (w) => { w.map(3); for (let j = 0; j < 3; j++) { w.int(j); w.bool(j === 1); } },
      '*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n', '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n'],
    ['push', (w) => { w.push(2); w.bulk('server-cpu-usage'); w.int(42); }, '*2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n', '>2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n'],
    ['double', (w) => w.double(3.141), '$5\r\n3.141\r\n', ',3.141\r\n'],
    ['double inf', (w) => { w.double(Infinity); w.double(-Infinity); }, '$3\r\ninf\r\n$4\r\n-inf\r\n', ',inf\r\n,-inf\r\n'],
    ['bool', (w) => { w.bool(true); w.bool(false); }, ':1\r\n:0\r\n', '#t\r\n#f\r\n'],
    ['verbatim', (w) => w.verbatim('This is a verbatim\nstring'), '$25\r\nThis is a verbatim\nstring\r\n', '=29\r\ntxt:This is a verbatim\nstring\r\n'],
    ['bigNumber', (w) => w.bigNumber('1234567999999999999999999999999999999'), '$37\r\n1234567999999999999999999999999999999\r\n', '(1234567999999999999999999999999999999\r\n'],
    ['bulkArray', (w) => w.bulkArray(['a', Buffer.from('bc')]), '*2\r\n$1\r\na\r\n$2\r\nbc\r\n', '*2\r\n$1\r\na\r\n$2\r\nbc\r\n'],
    ['bulkOrNil', (w) => { w.bulkOrNil('x'); w.bulkOrNil(null); }, '$1\r\nx\r\n$-1\r\n', '$1\r\nx\r\n_\r\n'],
  ];
  for (const [name, f, r2, r3] of shapes) {
    test(`writer ${name}: RESP2 and RESP3 bytes`, () => {
      assert.equal(render(2, f), r2);
      assert.equal(render(3, f), r3);
    });
  }

  test('writer grows past its initial buffer and truncate() drops a partial reply', () => {
    const w = new Writer();
    const big = Buffer.alloc(300_000, 120);
    w.bulk('keep');
    const mark = w.length;
    w.arr(2); w.bulk(big);
    w.truncate(mark);
    w.bulk(big);
    const out = w.take()!;
    assert.equal(out.length, 10 + 9 + 300_000 + 2);
    assert.equal(out.subarray(0, 19).toString(), '$4\r\nkeep\r\n$300000\r\n');
    assert.equal(w.take(), null, 'take() leaves the writer empty');
  });

  test('integers of every magnitude are written as their decimal text', () => {
    const w = new Writer();
    const vals = [0, 9, 10, 9999, 10000, 10001, 99999, 100000, 999999, 1000000, 12345678, 999999999,
      1000000000, 2147483647, 2147483648, 9007199254740991, -1, -9999, -10000, -2147483648];
    for (const v of vals) w.int(v);
    w.arr(54321);
    assert.equal(w.take()!.toString('latin1'), vals.map((v) => `:${v}\r\n`).join('') + '*54321\r\n');
  });

  test('writer counts errors and reports their text', () => {
    const w = new Writer();
    const seen: string[] = [];
    w.onError = (m) => seen.push(m);
    w.error('ERR one'); w.ok(); w.error('WRONGTYPE two');
    assert.equal(w.errors, 2);
    assert.deepEqual(seen, ['ERR one', 'WRONGTYPE two']);
  });

  test('HELLO switches the connection between RESP2 and RESP3', async (t) => {
    if (await missing(port, 'HELLO', '3')) { t.skip('HELLO is not implemented yet'); return; }
    const c = await open(port);
    await c.write(cmd(['HELLO', '3']));
    const hello3 = await c.raw();
    assert.match(hello3, /^%7\r\n\$6\r\nserver\r\n/);
    assert.ok(hello3.includes('$5\r\nproto\r\n:3\r\n'));
    await c.write(cmd(['GET', 'resp:nokey']));
    assert.equal(await c.raw(), '_\r\n');
    await c.write(cmd(['HELLO', '2']));
    const hello2 = await c.raw();
    assert.match(hello2, /^\*14\r\n\$6\r\nserver\r\n/);
    assert.ok(hello2.includes('$5\r\nproto\r\n:2\r\n'));
    await c.write(cmd(['GET', 'resp:nokey']));
    assert.equal(await c.raw(), '$-1\r\n');
  });

  test('DEBUG PROTOCOL replies degrade on RESP2', async (t) => {
    const s = await server({ 'enable-debug-command': 'yes' });
    if (await missing(s.port, 'HELLO', '3')) { t.skip('HELLO is not implemented yet'); return; }
    if (await missing(s.port, 'DEBUG', 'PROTOCOL', 'string')) { t.skip('DEBUG PROTOCOL is not implemented yet'); return; }
    const expect: Record<string, [string, string]> = {
      string: ['$11\r\nHello World\r\n', '$11\r\nHello World\r\n'],
      integer: [':12345\r\n', ':12345\r\n'],
      double: ['$5\r\n3.141\r\n', ',3.141\r\n'],
      bignum: ['$37\r\n1234567999999999999999999999999999999\r\n', '(1234567999999999999999999999999999999\r\n'],
      null: ['$-1\r\n', '_\r\n'],
      array: ['*3\r\n:0\r\n:1\r\n:2\r\n', '*3\r\n:0\r\n:1\r\n:2\r\n'],
      set: ['*3\r\n:0\r\n:1\r\n:2\r\n', '~3\r\n:0\r\n:1\r\n:2\r\n'],
      map: ['*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n', '%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n'],
      attrib: ['$39\r\nSome real reply following the attribute\r\n',
        '|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n$39\r\nSome real reply following the attribute\r\n'],
      verbatim: ['$25\r\nThis is a verbatim\nstring\r\n', '=29\r\ntxt:This is a verbatim\nstring\r\n'],
      true: [':1\r\n', '#t\r\n'],
      false: [':0\r\n', '#f\r\n'],
    };
    const c = await open(s.port);
    for (const proto of [2, 3] as const) {
      await c.write(cmd(['HELLO', String(proto)]));
      await c.frame();
      for (const [type, [r2, r3]] of Object.entries(expect)) {
        await c.write(cmd(['DEBUG', 'PROTOCOL', type]));
        assert.equal(await c.raw(), proto === 2 ? r2 : r3, `DEBUG PROTOCOL ${type} on RESP${proto}`);
      }
    }
    await c.write(cmd(['HELLO', '2']));
    await c.frame();
    await c.write(cmd(['DEBUG', 'PROTOCOL', 'push']));
    assert.equal(await c.raw(), '-ERR RESP2 is not supported by this command\r\n');
  });
});

describe('protocol errors', () => {
  /** Sends input; expects `-ERR Protocol error: <msg>`, nothing after it, and the connection closed. */
  async function expectProtocolError(input: string | Buffer, msg: string, before: string[] = []): Promise<void> {
    const c = await open(port);
    await c.write(input);
    for (const b of before) assert.equal(await c.raw(), b);
    assert.equal(await c.raw(), `-ERR Protocol error: ${msg}\r\n`);
    await c.closed();
    assert.equal(c.queued, 0, 'no reply after the protocol error');
  }

  const cases: [string, string | Buffer, string][] = [
    ['out of range multibulk length', '*3000000000\r\n', 'invalid multibulk length'],
    ['multibulk length above INT_MAX', '*2147483648\r\n', 'invalid multibulk length'],
    ['non-number multibulk length', '*abc\r\n', 'invalid multibulk length'],
    ['empty multibulk length', '*\r\n', 'invalid multibulk length'],
    ['multibulk length with leading zero', '*01\r\n', 'invalid multibulk length'],
    ['multibulk length -0', '*-0\r\n', 'invalid multibulk length'],
    ['multibulk length with plus sign', '*+1\r\n', 'invalid multibulk length'],
    ['multibulk length beyond int64', '*99999999999999999999\r\n', 'invalid multibulk length'],
    ['wrong multibulk payload header', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n', "expected '$', got 'f'"],
    ['multibulk request not followed by bulk arguments', '*1\r\nfoo\r\n', "expected '$', got 'f'"],
    ['a nested array instead of a bulk', '*1\r\n*1\r\n$4\r\nPING\r\n', "expected '$', got '*'"],
    ['negative bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$-10\r\n', 'invalid bulk length'],
    ['bulk length -1', '*1\r\n$-1\r\n', 'invalid bulk length'],
    ['out of range bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$2000000000\r\n', 'invalid bulk length'],
    ['non-number bulk length', '*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$blabla\r\n', 'invalid bulk length'],
    ['empty bulk length', '*1\r\n$\r\n', 'invalid bulk length'],
    ['bulk length with leading zero', '*1\r\n$01\r\n', 'invalid bulk length'],
    ['bulk length with a blank', '*1\r\n$ 3\r\n', 'invalid bulk length'],
    ['too big inline request', 'A'.repeat(70_000), 'too big inline request'],
    ['too big mbulk count string', '*' + '1'.repeat(70_000), 'too big mbulk count string'],
    ['too big bulk count string', '*1\r\n$' + '1'.repeat(70_000), 'too big bulk count string'],
    ['desync: NUL then a long line', '\x00' + 'payload'.repeat(10_000), 'too big inline request'],
    ['desync: *NUL then a long line', '*\x00' + 'payload'.repeat(10_000), 'too big mbulk count string'],
    ['desync: $NUL then a long line', '$\x00' + 'payload'.repeat(10_000), 'too big inline request'],
  ];
  for (const [name, input, msg] of cases) {
    test(`${name} → "${msg}" and close`, () => expectProtocolError(input, msg));
  }

  test('replies before the error are sent; commands after it are not executed', async () => {
    await expectProtocolError(Buffer.concat([
      cmd(['SET', 'before-error', '1']), Buffer.from('PING\r\n*1\r\nfoo\r\n'), cmd(['SET', 'after-error', '1']),
    ]), "expected '$', got 'f'", ['+OK\r\n', '+PONG\r\n']);
    const c = await open(port);
    assert.equal(await c.call('GET', 'before-error'), '1');
    assert.equal(await c.call('GET', 'after-error'), null);
  });

  test("the '$' check waits for a complete line, like Valkey", async () => {
    const c = await open(port);
    await c.write('*1\r\nfoo');
    await sleep(30);
    assert.equal(c.received.length, 0);
    assert.equal(c.ended, false);
    await c.write('\r\n');
    assert.equal(await c.raw(), "-ERR Protocol error: expected '$', got 'f'\r\n");
    await c.closed();
  });

  test('a long desync stream is cut off (the server closes while the client is still writing)', async () => {
    const c = await open(port);
    await c.write('\x00');
    const chunk = Buffer.alloc(1024, 65);
    for (let i = 0; i < 2000 && !c.ended; i++) { await c.write(chunk); }
    assert.equal(await c.raw(), '-ERR Protocol error: too big inline request\r\n');
    await c.closed();
  });

  test('empty and negative multibulk requests are skipped', async () => {
    const c = await open(port);
    await c.write('\r\n*-10\r\n*0\r\n*-1\r\nPING\r\n');
    assert.equal(await c.raw(), '+PONG\r\n');
    await c.write('*2147483647\r\n');
    await sleep(30);
    assert.equal(c.ended, false, 'a huge (valid) multibulk count just waits for its arguments');
  });

  test('a bulk payload longer than announced is cut at the announced length', async () => {
    const c = await open(port);
    await c.write('*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n');
    assert.equal(await c.raw(), '+PONG\r\n');
    assert.equal(await c.raw(), '+PONG\r\n');
  });

  test('QUIT: +OK, then the connection closes and the rest of the query buffer is dropped', async () => {
    const c = await open(port);
    await c.write(Buffer.concat([cmd(['SET', 'before-quit', '1']), Buffer.from('QUIT\r\n'),
      cmd(['SET', 'after-quit', Buffer.alloc(1024, 120)]), Buffer.from('SET after-quit-inline 1\r\n')]));
    assert.equal(await c.raw(), '+OK\r\n');
    assert.equal(await c.raw(), '+OK\r\n');
    await c.closed();
    assert.equal(c.queued, 0);
    const d = await open(port);
    assert.equal(await d.call('GET', 'before-quit'), '1');
    assert.equal(await d.call('GET', 'after-quit'), null);
    assert.equal(await d.call('GET', 'after-quit-inline'), null);
  });

  test('the server keeps serving other clients after protocol errors', async () => {
    const c = await open(port);
    assert.equal(await c.call('PING'), 'PONG');
  });
});

describe('big arguments', () => {
  const value = Buffer.alloc(10 * 1024 * 1024);
  for (let i = 0; i < value.length; i += 4) value.writeUInt32LE((i * 2654435761) >>> 0, i);
  const digest = createHash('sha1').update(value).digest('hex');

  test('a 10 MB value arriving in many random chunks is stored intact', async () => {
    const c = await open(port);
    const req = Buffer.concat([cmd(['SET', 'big:10mb', value]), cmd(['STRLEN', 'big:10mb']), cmd(['PING'])]);
    let seed = 12345;
    const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    let p = 0;
    while (p < req.length) {
      const n = 1 + (rnd() % 200_000);
      await c.write(req.subarray(p, p + n));
      p += n;
    }
    assert.equal(await c.raw(10_000), '+OK\r\n');
    const strlen = await c.raw();
    assert.ok(strlen === `:${value.length}\r\n` || strlen.startsWith('-ERR unknown command'), strlen);
    assert.equal(await c.raw(), '+PONG\r\n');
    await c.write(cmd(['GET', 'big:10mb']));
    const f = await c.frame(10_000);
    const header = `$${value.length}\r\n`;
    assert.equal(f.subarray(0, header.length).toString(), header);
    assert.equal(createHash('sha1').update(f.subarray(header.length, f.length - 2)).digest('hex'), digest);
  });

  test('several big arguments in one command, and a command glued after them', async () => {
    const c = await open(port);
    const key = Buffer.alloc(50_000, 107);
    const v = value.subarray(0, 3 * 1024 * 1024 + 7);
    const req = Buffer.concat([cmd(['SET', key, v]), cmd(['GET', key])]);
    for (let p = 0; p < req.length; p += 65_536) await c.write(req.subarray(p, p + 65_536));
    assert.equal(await c.raw(), '+OK\r\n');
    const f = await c.frame(10_000);
    assert.ok(f.subarray(f.indexOf('\r\n') + 2, f.length - 2).equals(v));
  });
});

describe('limits', () => {
  test('proto-max-bulk-len: a bulk at the limit is accepted, one byte more is a protocol error', async () => {
    const s = await server({ 'proto-max-bulk-len': '1mb' });
    const c = await open(s.port);
    await c.write(cmd(['SET', 'atlimit', Buffer.alloc(1024 * 1024, 120)]));
    assert.equal(await c.raw(), '+OK\r\n');
    await c.write('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n$1048577\r\n');
    assert.equal(await c.raw(), '-ERR Protocol error: invalid bulk length\r\n');
    await c.closed();
  });

  test('client-query-buffer-limit: a request that outgrows it closes the connection', async () => {
    const s = await server({ 'client-query-buffer-limit': '1mb' });
    const c = await open(s.port);
    const before = s.server.stats.clientQueryBufferLimitDisconnections;
    const req = cmd(['SET', 'toobig', Buffer.alloc(2 * 1024 * 1024, 120)]);
    for (let p = 0; p < req.length && !c.ended; p += 65_536) await c.write(req.subarray(p, p + 65_536));
    await c.closed();
    assert.equal(c.queued, 0, 'closed without a reply');
    assert.equal(s.server.stats.clientQueryBufferLimitDisconnections, before + 1);
    const d = await open(s.port);
    assert.equal(await d.call('GET', 'toobig'), null);
    assert.equal(await d.call('SET', 'small', Buffer.alloc(512 * 1024, 121)), 'OK', 'requests under the limit still work');
  });

  describe('before AUTH when requirepass is set', () => {
    let s: RunningServer;
    before(async () => { s = await server({ requirepass: 'secret' }); });

    test('multibulk count above 10 → unauthenticated multibulk length', async () => {
      const c = await open(s.port);
      await c.write('*11\r\n');
      assert.equal(await c.raw(), '-ERR Protocol error: unauthenticated multibulk length\r\n');
      await c.closed();
    });

    test('bulk above 16384 bytes → unauthenticated bulk length', async () => {
      const c = await open(s.port);
      await c.write('*1\r\n$16385\r\n');
      assert.equal(await c.raw(), '-ERR Protocol error: unauthenticated bulk length\r\n');
      await c.closed();
      const d = await open(s.port);
      await d.write('*1\r\n$100000000\r\n');
      assert.equal(await d.raw(), '-ERR Protocol error: unauthenticated bulk length\r\n');
    });

    test('requests within the limits get NOAUTH', async () => {
      const c = await open(s.port);
      await c.write(cmd(['ECHO', Buffer.alloc(16384, 97)]));
      assert.equal(await c.raw(), '-NOAUTH Authentication required.\r\n');
      await c.write(cmd(['SET', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
      assert.equal(await c.raw(), '-NOAUTH Authentication required.\r\n');
      assert.equal(c.ended, false);
    });

    test('after AUTH the limits are lifted', async (t) => {
      if (await missing(s.port, 'AUTH', 'secret')) { t.skip('AUTH is not implemented yet'); return; }
      const c = await open(s.port);
      assert.equal(await c.call('AUTH', 'secret'), 'OK');
      const big = Buffer.alloc(100_000, 98);
      await c.write(cmd(['ECHO', big]));
      assert.ok((await c.frame()).equals(Buffer.from(bulk(big), 'latin1')));
      await c.write(cmd(['ECHO', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11']));
      assert.equal(await c.raw(), "-ERR wrong number of arguments for 'echo' command\r\n");
    });
  });
});

test('decode() helper sanity', () => {
  assert.deepEqual(decode(Buffer.from('*2\r\n$1\r\na\r\n:5\r\n')), ['a', 5]);
});
