// The primary side of replication: SYNC and PSYNC full resynchronization (disk-based $<len> and
// diskless $EOF framing), the stream that follows, the backlog and partial resync, REPLCONF, and
// the INFO replication figures.
import { test, describe, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { ReplStream, attach } from './repl-stream.js';
import { Backlog, replicationTesting } from '../src/replication/primary.js';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { parseMagic, RdbReader, RDB_OPCODE_AUX, RDB_OPCODE_EOF, RDB_OPCODE_SELECTDB, RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_EXPIRETIME_MS, RDB_OPCODE_FUNCTION2 } from '../src/persistence/rdb.js';
import { Crc64 } from '../src/persistence/crc64.js';

let srv: RunningServer;
let r: Valkey;
const streams: ReplStream[] = [];
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

serverForFile({ 'repl-ping-replica-period': '3600', 'repl-diskless-sync-delay': '0' }, (s, c) => { srv = s; r = c; });
afterEach(async () => {
  for (const s of streams.splice(0)) s.close();
  await waitFor(async () => Number(await info('connected_slaves')) === 0, 'replicas to go');
});

async function info(field: string): Promise<string> {
  const t = await r.call('info', 'replication') as string;
  const m = new RegExp(`^${field}:(.*)\\r$`, 'm').exec(t);
  return m ? m[1]! : '';
}

async function waitFor(cond: () => Promise<boolean> | boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Key names (by db), AUX fields and function libraries (their code) found in an RDB image. */
function scanRdb(rdb: Buffer): {
  version: number; aux: Map<string, string>; keys: Map<number, Map<string, string>>; functions: string[];
} {
  const version = parseMagic(rdb);
  const rd = new RdbReader(rdb);
  rd.pos = 9;
  const aux = new Map<string, string>();
  const keys = new Map<number, Map<string, string>>();
  const functions: string[] = [];
  let db = 0;
  for (;;) {
    const t = rd.byte();
    if (t === RDB_OPCODE_EOF) break;
    if (t === RDB_OPCODE_FUNCTION2) { functions.push(rd.strText()); continue; }
    if (t === RDB_OPCODE_AUX) { aux.set(rd.strText(), rd.strText()); continue; }
    if (t === RDB_OPCODE_SELECTDB) { db = rd.len(); continue; }
    if (t === RDB_OPCODE_RESIZEDB) { rd.len(); rd.len(); continue; }
    if (t === RDB_OPCODE_EXPIRETIME_MS) { rd.i64le(); continue; }
    assert.equal(t, 0, 'only strings in these tests');
    const k = rd.strText();
    const v = rd.strText();
    if (!keys.has(db)) keys.set(db, new Map());
    keys.get(db)!.set(k, v);
  }
  // Nothing after EOF but the checksum of everything before it.
  assert.equal(rd.pos, rdb.length - 8, 'the checksum right after EOF');
  assert.deepEqual(rdb.subarray(rd.pos), new Crc64().update(rdb, 0, rd.pos).bytes(), 'the checksum');
  return { version, aux, keys, functions };
}

describe('SYNC (the test-harness way)', () => {
  test('inline SYNC gets $<len> and the RDB, then the stream starting with SELECT', async () => {
    await r.call('flushall');
    await r.call('set', 'before', '1');
    await r.call('select', '4');
    await r.call('set', 'in4', 'x');
    await r.call('select', '0');
    const { stream, rdb } = await attach(srv.port);
    streams.push(stream);
    const parsed = scanRdb(rdb);
    assert.equal(parsed.version, 80);
    assert.equal(parsed.aux.get('valkey-ver'), '9.0.0');
    assert.match(parsed.aux.get('repl-id') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(parsed.keys.get(0)?.get('before'), '1');
    assert.equal(parsed.keys.get(4)?.get('in4'), 'x');
    await r.call('set', 'after', '2');
    assert.deepEqual(await stream.commands(2), ['select 0', 'set after 2']);
    assert.equal(await info('connected_slaves'), '1');
    assert.match(await info('slave0'), /^ip=127\.0\.0\.1,port=0,state=online,offset=0,lag=\d+,type=replica$/);
    assert.equal(await info('repl_backlog_active'), '1');
  });

  test('master_repl_offset counts every byte of the stream; the backlog holds them', async () => {
    const { stream } = await attach(srv.port);
    streams.push(stream);
    const off0 = Number(await info('master_repl_offset'));
    await r.call('set', 'k', 'v');
    await stream.commands(2);
    const sel = '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n';
    const cmd = '*3\r\n$3\r\nset\r\n$1\r\nk\r\n$1\r\nv\r\n';
    assert.equal(Number(await info('master_repl_offset')), off0 + sel.length + cmd.length);
    const first = Number(await info('repl_backlog_first_byte_offset'));
    const hist = Number(await info('repl_backlog_histlen'));
    assert.equal(first + hist - 1, off0 + sel.length + cmd.length);
  });

  test('writes made while the snapshot is being written are in the stream, not in the RDB', async () => {
    await r.call('flushall');
    for (let i = 0; i < 20; i++) await r.call('set', `k${i}`, String(i));
    await r.call('config', 'set', 'rdb-key-save-delay', '20000'); // 20 ms per key
    const stream = await ReplStream.connect(srv.port);
    streams.push(stream);
    stream.send('SYNC\r\n');
    await waitFor(async () => (await r.call('info', 'persistence') as string).includes('rdb_bgsave_in_progress:1'), 'the snapshot');
    await r.call('set', 'k0', 'changed');
    await r.call('del', 'k1');
    await r.call('set', 'new', 'n');
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    const { rdb } = await stream.rdbPayload(10000);
    const keys = scanRdb(rdb).keys.get(0)!;
    assert.equal(keys.size, 20);
    assert.equal(keys.get('k0'), '0');
    assert.equal(keys.get('k1'), '1');
    assert.equal(keys.has('new'), false);
    const got = await stream.commands(4);
    assert.deepEqual(got, ['select 0', 'set k0 changed', 'del k1', 'set new n']);
  });

  test('SYNC from a client that is already a replica is ignored; a client with pending output is refused', async () => {
    const { stream } = await attach(srv.port);
    streams.push(stream);
    stream.send('SYNC\r\n');
    await sleep(50);
    assert.equal(stream.pending, 0);
    const s2 = await ReplStream.connect(srv.port);
    streams.push(s2);
    s2.send('PING\r\nSYNC\r\n');
    assert.equal(await s2.line(), '+PONG');
    assert.equal(await s2.line(), '-ERR SYNC and PSYNC are invalid with pending output');
  });
});

describe('PSYNC', () => {
  test('PSYNC ? -1 answers +FULLRESYNC <replid> <offset> then the dump and the stream', async () => {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'listening-port', '6380');
    assert.equal(await s.line(), '+OK');
    s.command('REPLCONF', 'capa', 'psync2');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', '?', '-1');
    const m = /^\+FULLRESYNC ([0-9a-f]{40}) (\d+)$/.exec(await s.lineSkippingKeepalives());
    assert.ok(m);
    assert.equal(m[1], await info('master_replid'));
    assert.equal(Number(m[2]), Number(await info('master_repl_offset')));
    const { rdb, eof } = await s.rdbPayload();
    assert.equal(eof, false);
    assert.equal(scanRdb(rdb).version, 80);
    await r.call('incr', 'ctr');
    const got = await s.commands(2);
    assert.equal(got[1], 'incr ctr');
    assert.match(await info('slave0'), /port=6380,state=online/);
  });

  test('capa eof with diskless sync streams $EOF:<mark> ... <mark>; the stream starts at the first ACK', async () => {
    await r.call('config', 'set', 'repl-diskless-sync', 'yes');
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
    assert.equal(await s.line(), '+OK');
    s.command('REPLCONF', 'version', '9.0.0');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', '?', '-1');
    const full = await s.lineSkippingKeepalives();
    assert.match(full, /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
    const offset = Number(full.split(' ')[2]);
    const { rdb, eof } = await s.rdbPayload();
    assert.equal(eof, true);
    assert.equal(scanRdb(rdb).version, 80);
    await r.call('set', 'x', '1');
    assert.equal(await s.next(200), null, 'nothing before the ACK');
    assert.match(await info('slave0'), /state=rdb_transmitted/);
    s.command('REPLCONF', 'ACK', String(offset));
    assert.deepEqual(await s.commands(2), ['select 0', 'set x 1']);
    assert.match(await info('slave0'), new RegExp(`state=online,offset=${offset},`));
  });

  test('a replica announcing an older version gets RDB 11 (REDIS0011) over the socket', async () => {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'capa', 'eof', 'version', '8.1.0');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', '?', '-1');
    await s.lineSkippingKeepalives();
    const { rdb } = await s.rdbPayload();
    assert.equal(rdb.toString('latin1', 0, 9), 'REDIS0011');
  });

  test('PSYNC with my replid and an offset in the backlog continues: +CONTINUE and the missing bytes', async () => {
    const { stream } = await attach(srv.port); // keeps a backlog alive
    streams.push(stream);
    await r.call('set', 'p', '1');
    await stream.commands(2);
    const replid = await info('master_replid');
    const offNow = Number(await info('master_repl_offset'));
    await r.call('set', 'p', '2');
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'capa', 'psync2');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', replid, String(offNow + 1));
    assert.equal(await s.line(), `+CONTINUE ${replid}`);
    assert.deepEqual(await s.commands(1), ['set p 2']);
    await r.call('set', 'p', '3');
    assert.deepEqual(await s.commands(1), ['set p 3']);
    // An unknown replid or an offset past the backlog gets a full resync.
    const s2 = await ReplStream.connect(srv.port);
    streams.push(s2);
    s2.command('PSYNC', replid, String(offNow + 100000));
    assert.match(await s2.lineSkippingKeepalives(), /^\+FULLRESYNC /);
  });
});

describe('ROLE and WAIT', () => {
  test('ROLE lists the online replicas with their acknowledged offsets', async () => {
    const role0 = await r.call('role') as [string, number, unknown[]];
    assert.equal(role0[0], 'master');
    assert.equal(role0[1], Number(await info('master_repl_offset')));
    assert.deepEqual(role0[2], []);
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'listening-port', '7777');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', '?', '-1');
    const offset = Number((await s.lineSkippingKeepalives()).split(' ')[2]);
    await s.rdbPayload();
    s.command('REPLCONF', 'ACK', String(offset));
    await waitFor(async () => ((await r.call('role')) as unknown[][])[2]!.length === 1, 'the replica in ROLE');
    const role = await r.call('role') as [string, number, string[][]];
    assert.deepEqual(role[2], [['127.0.0.1', '7777', String(offset)]]);
  });

  test('WAIT: immediate when enough replicas acknowledged, else blocks until ACKs or the timeout', async () => {
    assert.equal(await r.call('wait', '0', '0'), 0);
    const t0 = Date.now();
    assert.equal(await r.call('wait', '1', '100'), 0);
    assert.ok(Date.now() - t0 >= 90);
    await assert.rejects(r.call('wait', '1', '-1'), /ERR timeout is negative/);
    await assert.rejects(r.call('wait', 'x', '1'), /ERR value is not an integer or out of range/);
    await assert.rejects(r.call('wait', '1', 'x'), /ERR timeout is not an integer or out of range/);
    // A replica that acknowledges when asked.
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('PSYNC', '?', '-1');
    await s.lineSkippingKeepalives();
    await s.rdbPayload();
    s.command('REPLCONF', 'ACK', '0');
    await waitFor(async () => /state=online/.test(await info('slave0')), 'online');
    const c2 = new Valkey({ port: srv.port, lazyConnect: false });
    await c2.call('set', 'w', '1');
    const waiting = c2.call('wait', '1', '0');
    // The primary asks for an ACK through the stream.
    let cmd: string[] | null;
    do { cmd = await s.next(2000); } while (cmd !== null && cmd[0] !== 'replconf');
    assert.deepEqual(cmd, ['replconf', 'GETACK', '*']);
    s.command('REPLCONF', 'ACK', await info('master_repl_offset'));
    assert.equal(await waiting, 1);
    c2.disconnect();
    // Inside MULTI it never blocks: the count of replicas that have this client's last write.
    await r.call('set', 'w', '2');
    const tx = r.multi();
    tx.call('wait', '5', '0');
    assert.deepEqual(await tx.exec(), [[null, 0]]);
  });

  test('CLIENT UNBLOCK ends a WAIT with the current count, or with an error', async () => {
    const c2 = new Valkey({ port: srv.port, lazyConnect: false });
    try {
      const id = await c2.call('client', 'id') as number;
      const p1 = c2.call('wait', '3', '0');
      await waitFor(async () => (await r.call('client', 'unblock', String(id))) === 1, 'the unblock');
      assert.equal(await p1, 0);
      const p2 = c2.call('wait', '3', '0').catch((e: Error) => e.message);
      await waitFor(async () => (await r.call('client', 'unblock', String(id), 'error')) === 1, 'the unblock');
      assert.equal(await p2, 'UNBLOCKED client unblocked via CLIENT UNBLOCK');
    } finally {
      c2.disconnect();
    }
  });
});

describe('min-replicas-to-write', () => {
  test('writes and EXEC of queued writes get NOREPLICAS without enough good replicas; reads pass', async () => {
    try {
      await r.call('config', 'set', 'min-replicas-to-write', '1', 'min-replicas-max-lag', '10');
      assert.equal(await info('min_slaves_good_slaves'), '0');
      await assert.rejects(r.call('set', 'mr', '1'), /^ReplyError: NOREPLICAS Not enough good replicas to write\.$/);
      assert.equal(await r.call('get', 'mr'), null);
      // Queued while allowed, refused at EXEC (the transaction is discarded).
      await r.call('config', 'set', 'min-replicas-to-write', '0');
      const t = new Valkey({ port: srv.port, lazyConnect: false });
      try {
        assert.equal(await t.call('MULTI'), 'OK');
        assert.equal(await t.call('SET', 'mr', 'queued'), 'QUEUED');
        await r.call('config', 'set', 'min-replicas-to-write', '1');
        await assert.rejects(t.call('EXEC'), /^ReplyError: EXECABORT Transaction discarded because of: NOREPLICAS/);
        assert.equal(await r.call('get', 'mr'), null);
      } finally { t.disconnect(); }
      // min-replicas-max-lag 0 turns the check off, as in Valkey.
      await r.call('config', 'set', 'min-replicas-max-lag', '0');
      assert.equal(await r.call('set', 'mr', '2'), 'OK');
      await r.call('config', 'set', 'min-replicas-max-lag', '10');
      // An online replica that acknowledged recently counts as good.
      const s = await ReplStream.connect(srv.port);
      streams.push(s);
      s.command('PSYNC', '?', '-1');
      const offset = Number((await s.lineSkippingKeepalives()).split(' ')[2]);
      await s.rdbPayload();
      s.command('REPLCONF', 'ACK', String(offset));
      await waitFor(async () => (await info('min_slaves_good_slaves')) === '1', 'one good replica');
      assert.equal(await r.call('set', 'mr', '3'), 'OK');
    } finally {
      await r.call('config', 'set', 'min-replicas-to-write', '0', 'min-replicas-max-lag', '10');
    }
  });
});

describe('backlog', () => {
  test('a ring of the most recent bytes: offsets, wrap-around, chunks larger than the ring, resize', () => {
    const size = 100;
    const b = new Backlog(size, 1000);
    let all = '';
    let offset = 1000;
    const check = () => {
      const held = all.slice(-size);
      assert.equal(b.histlen, held.length);
      assert.equal(b.offset, offset - held.length + 1);
      // Every offset inside the window reads back the exact tail.
      for (let from = b.offset; from <= b.offset + b.histlen; from += 7) {
        assert.equal(Buffer.concat(b.readFrom(from)).toString(), all.slice(all.length - (b.offset + b.histlen - from)));
      }
    };
    let seed = 7;
    for (let i = 0; i < 300; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const n = i === 150 ? 250 : seed % 37;
      const chunk = Array.from({ length: n }, (_, j) => String.fromCharCode(97 + ((i + j) % 26))).join('');
      b.append(Buffer.from(chunk));
      all += chunk;
      offset += n;
      check();
    }
    b.resize(40);
    assert.equal(b.histlen, 40);
    assert.equal(Buffer.concat(b.readFrom(b.offset)).toString(), all.slice(-40));
    b.append(Buffer.from('xyz'));
    all += 'xyz';
    assert.equal(Buffer.concat(b.readFrom(b.offset)).toString(), all.slice(-40));
  });
});

describe('REPLCONF', () => {
  test('options and errors', async () => {
    assert.equal(await r.call('replconf', 'listening-port', '1234', 'ip-address', '10.0.0.1', 'capa', 'whatever'), 'OK');
    await assert.rejects(r.call('replconf', 'listening-port'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('replconf', 'nope', '1'), /ERR Unrecognized REPLCONF option: nope/);
    await assert.rejects(r.call('replconf', 'listening-port', 'x'), /ERR value is not an integer or out of range/);
    await assert.rejects(r.call('replconf', 'rdb-only', '2'), /ERR value is out of range, value must between 0 and 1/);
    await assert.rejects(r.call('replconf', 'version', '9.x'), /ERR Unrecognized version format: 9\.x/);
    await assert.rejects(r.call('replconf', 'rdb-filter-only', 'keys'), /^ReplyError: ERR Unsupported rdb-filter-only option: keys$/);
    await assert.rejects(r.call('replconf', 'rdb-filter-only', 'FUNCTIONS "a b"'), /^ReplyError: ERR Unsupported rdb-filter-only option: a b$/);
    await assert.rejects(r.call('replconf', 'rdb-filter-only', '"functions'), /^ReplyError: ERR Missing rdb-filter-only values$/);
    assert.equal(await r.call('replconf', 'rdb-filter-only', ' "functions" '), 'OK');
    assert.equal(await r.call('replconf', 'rdb-filter-only', ''), 'OK');
    await assert.rejects(r.call('replconf', 'ip-address', 'a'.repeat(300)), /too long: 300 bytes/);
    // ACK and GETACK from a non-replica are silently ignored: the next reply is PING's.
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'ACK', '10');
    s.command('REPLCONF', 'GETACK', '*');
    s.command('PING');
    assert.equal(await s.line(), '+PONG');
  });

  test('REPLCONF rdb-only 1 + SYNC: the dump, then the connection closes', async () => {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'rdb-only', '1');
    assert.equal(await s.line(), '+OK');
    s.send('SYNC\r\n');
    await s.rdbPayload();
    await waitFor(() => s.closed, 'the close');
  });
});

describe('REPLCONF rdb-filter-only (valkey-cli --functions-rdb / --replica)', () => {
  const LIB = "#!lua name=flib\nserver.register_function('ffunc', function() return 1 end)";

  async function fill(): Promise<void> {
    await r.call('flushall');
    await r.call('function', 'flush');
    await r.call('function', 'load', LIB);
    for (let i = 0; i < 5; i++) await r.call('set', `k${i}`, String(i));
    await r.call('select', '3');
    await r.call('set', 'in3', 'x');
    await r.call('select', '0');
  }

  /** A connection set up as valkey-cli does it: capa eof, rdb-only, then the filter. */
  async function filtered(filter: string, rdbOnly = true): Promise<ReplStream> {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'capa', 'eof');
    assert.equal(await s.line(), '+OK');
    if (rdbOnly) {
      s.command('REPLCONF', 'rdb-only', '1');
      assert.equal(await s.line(), '+OK');
    }
    s.command('REPLCONF', 'rdb-filter-only', filter);
    assert.equal(await s.line(), '+OK');
    return s;
  }

  /** A full replica: capa eof + PSYNC ? -1. */
  async function fullReplica(): Promise<ReplStream> {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'capa', 'eof', 'capa', 'psync2');
    assert.equal(await s.line(), '+OK');
    s.command('PSYNC', '?', '-1');
    return s;
  }

  test('functions: the header AUX fields, the libraries, no keys, EOF and checksum; even with diskless sync off', async () => {
    await fill();
    // A filtered snapshot never goes through the dump file, and starts at once (no diskless delay).
    await r.call('config', 'set', 'repl-diskless-sync', 'no', 'repl-diskless-sync-delay', '5');
    try {
      const s = await filtered('functions');
      const t0 = Date.now();
      s.send('SYNC\r\n');
      const { rdb, eof } = await s.rdbPayload();
      assert.ok(Date.now() - t0 < 2000, 'no diskless-sync delay');
      assert.equal(eof, true, 'over the socket with an EOF mark');
      const p = scanRdb(rdb);
      // (No REPLCONF version announced: the RDB version older readers take.)
      assert.equal(p.version, 11);
      assert.equal(p.aux.get('valkey-ver'), '9.0.0');
      assert.equal(p.aux.get('redis-bits'), '64');
      assert.match(p.aux.get('repl-id') ?? '', /^[0-9a-f]{40}$/);
      assert.equal(p.keys.size, 0);
      assert.deepEqual(p.functions, [LIB]);
      await waitFor(() => s.closed, 'the close (rdb only)');
      assert.equal(await r.call('dbsize'), 5, 'nothing touched on the primary');
    } finally {
      await r.call('config', 'set', 'repl-diskless-sync', 'yes', 'repl-diskless-sync-delay', '0');
    }
  });

  test('an empty filter list: neither keys nor functions; the stream follows for a replica that is not rdb-only', async () => {
    await fill();
    // valkey-cli --replica: capa eof, rdb-filter-only "", SYNC, then REPLCONF ACK 0.
    const s = await filtered('', false);
    s.send('SYNC\r\n');
    const { rdb, eof } = await s.rdbPayload();
    assert.equal(eof, true);
    const p = scanRdb(rdb);
    assert.equal(p.keys.size, 0);
    assert.deepEqual(p.functions, []);
    assert.ok(p.aux.has('ctime'));
    s.command('REPLCONF', 'ACK', '0');
    await waitFor(async () => /state=online/.test(await info('slave0')), 'online');
    await r.call('set', 'later', '1');
    assert.deepEqual(await s.commands(2), ['select 0', 'set later 1']);
  });

  test('a filter without the EOF capability is refused (no dump file with partial contents)', async () => {
    const s = await ReplStream.connect(srv.port);
    streams.push(s);
    s.command('REPLCONF', 'rdb-filter-only', 'functions');
    assert.equal(await s.line(), '+OK');
    s.send('SYNC\r\n');
    assert.equal(await s.line(), '-ERR Filtered replica requires EOF capability');
    s.command('PSYNC', '?', '-1');
    assert.equal(await s.line(), '-ERR Filtered replica requires EOF capability');
    // Still a normal connection.
    s.command('PING');
    assert.equal(await s.line(), '+PONG');
    assert.equal(await info('connected_slaves'), '0');
  });

  test('replicas asking for different parts at the same time never share a snapshot', async () => {
    await fill();
    // All three wait together for the diskless delay; the full replicas share one snapshot, the
    // filtered one gets its own, after it.
    await r.call('config', 'set', 'repl-diskless-sync', 'yes', 'repl-diskless-sync-delay', '1');
    try {
      const a = await fullReplica();
      const f = await filtered('functions');
      f.send('SYNC\r\n');
      const b = await fullReplica();
      await waitFor(async () => (await r.call('info', 'replication') as string).includes('slave2:'), 'three replicas');
      for (const full of [a, b]) {
        assert.match(await full.lineSkippingKeepalives(), /^\+FULLRESYNC [0-9a-f]{40} \d+$/);
        const { rdb, eof } = await full.rdbPayload(5000);
        assert.equal(eof, true);
        const p = scanRdb(rdb);
        assert.equal(p.keys.get(0)?.size, 5);
        assert.equal(p.keys.get(3)?.get('in3'), 'x');
        assert.deepEqual(p.functions, [LIB]);
      }
      const { rdb } = await f.rdbPayload(5000);
      const p = scanRdb(rdb);
      assert.equal(p.keys.size, 0);
      assert.deepEqual(p.functions, [LIB]);
      await waitFor(() => f.closed, 'the close (rdb only)');
    } finally {
      await r.call('config', 'set', 'repl-diskless-sync-delay', '0');
    }
  });

  test('a filtered sync arriving while a full one is being written waits for its own snapshot', async () => {
    await fill();
    await r.call('config', 'set', 'rdb-key-save-delay', '100000'); // 100 ms per key
    const a = await fullReplica();
    assert.match(await a.lineSkippingKeepalives(), /^\+FULLRESYNC/);
    await waitFor(async () => (await r.call('info', 'persistence') as string).includes('rdb_bgsave_in_progress:1'), 'the snapshot');
    const f = await filtered('functions');
    f.send('SYNC\r\n');
    await r.call('config', 'set', 'rdb-key-save-delay', '0');
    const full = scanRdb((await a.rdbPayload(5000)).rdb);
    assert.equal(full.keys.get(0)?.size, 5);
    assert.deepEqual(full.functions, [LIB]);
    const p = scanRdb((await f.rdbPayload(5000)).rdb);
    assert.equal(p.keys.size, 0);
    assert.deepEqual(p.functions, [LIB]);
  });
});

describe('keep-alives and PING', () => {
  test('a replica waiting for the dump gets newline keep-alives before the payload', async () => {
    await r.call('flushall');
    for (let i = 0; i < 15; i++) await r.call('set', `w${i}`, 'v');
    await r.call('config', 'set', 'rdb-key-save-delay', '100000'); // 100 ms per key
    try {
      const s = await ReplStream.connect(srv.port);
      streams.push(s);
      s.send('SYNC\r\n');
      assert.equal(await s.line(3000), '', 'a bare newline first');
      await r.call('config', 'set', 'rdb-key-save-delay', '0');
      const { rdb } = await s.rdbPayload(5000);
      assert.equal(scanRdb(rdb).keys.get(0)!.size, 15);
    } finally {
      await r.call('config', 'set', 'rdb-key-save-delay', '0');
    }
  });

  test('online replicas get PING every repl-ping-replica-period seconds', async () => {
    await r.call('config', 'set', 'repl-ping-replica-period', '1');
    try {
      const { stream } = await attach(srv.port);
      streams.push(stream);
      assert.deepEqual(await stream.next(3000), ['ping']);
    } finally {
      await r.call('config', 'set', 'repl-ping-replica-period', '3600');
    }
  });
});

// ------------------------------------------------------------------ a real replica

const VALKEY = '/work/valkey-src/src/valkey-server';

describe('valkey-server as a replica', { skip: !existsSync(VALKEY) }, () => {
  test('full sync over the socket, then the live stream; offsets agree', async () => {
    // This development build announces version 255.255.255 but reads RDB 11 only.
    replicationTesting.forceRdbVersion = 11;
    await r.call('flushall');
    await r.call('set', 'before', 'sync');
    await r.call('select', '5');
    await r.call('set', 'five', '5');
    await r.call('select', '0');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer();
      s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    });
    const dir = mkdtempSync(join(tmpdir(), 'peregrine-replica-'));
    const child = spawn(VALKEY, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
      '--replicaof', '127.0.0.1', String(srv.port)], { stdio: 'ignore' });
    const rep = new Valkey({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null });
    rep.on('error', () => {});
    try {
      await waitFor(async () => {
        try { await rep.connect(); } catch { rep.disconnect(); return false; }
        return /master_link_status:up/.test(await rep.call('info', 'replication') as string);
      }, 'the replica link', 15000);
      assert.equal(await rep.call('get', 'before'), 'sync');
      assert.match(await info('slave0'), new RegExp(`port=${port},state=online`));
      await r.call('set', 'after', 'x', 'ex', '1000');
      await r.call('select', '5');
      await r.call('incr', 'five');
      await r.call('select', '0');
      const tx = r.multi();
      tx.set('t1', '1'); tx.set('t2', '2');
      await tx.exec();
      await waitFor(async () => (await rep.call('get', 't2')) === '2', 'the stream to arrive');
      assert.equal(await rep.call('get', 'after'), 'x');
      const ttl = await rep.call('ttl', 'after') as number;
      assert.ok(ttl > 990 && ttl <= 1000);
      await rep.call('select', '5');
      assert.equal(await rep.call('get', 'five'), '6');
      // The replica acknowledges every second: its offset catches up with ours.
      const ours = Number(await info('master_repl_offset'));
      await waitFor(async () => new RegExp(`offset=${ours},`).test(await info('slave0')), 'the ACK', 5000);
      const theirs = /master_repl_offset:(\d+)/.exec(await rep.call('info', 'replication') as string)![1];
      assert.equal(Number(theirs), ours);
      // WAIT gets its acknowledgement through REPLCONF GETACK.
      await r.call('set', 'acked', '1');
      assert.equal(await r.call('wait', '1', '5000'), 1);
    } finally {
      replicationTesting.forceRdbVersion = 0;
      rep.disconnect();
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
