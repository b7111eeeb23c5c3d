// Bitmaps over real sockets: SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD, BITFIELD_RO.
// Every command with its options, edge cases and error replies (texts as Valkey sends them),
// state the replies cannot show (encoding, TTL, keyspace events, dirty counter) inspected
// in-process, naive bit-by-bit models fuzzed against the server, and, when a reference
// redis-server binary is installed, the same random command sequences run on both servers
// with the replies compared one by one.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, ReplyFramer, encodeCommand } from '../bench/resp.js';
import { prng } from './prng.js';
import {
  ENC_EMBSTR, ENC_INT, ENC_QUICKLIST, ENC_RAW, NOTIFY_GENERIC, NOTIFY_STRING, OBJ_LIST,
} from '../src/store/types.js';
import { err } from './helpers.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
const events: [string, string, number][] = [];

before(async () => {
  srv = await startServer();
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  raw = await RawConn.connect(srv.port);
  srv.server.ks.onChange((_db, key, event, cls) => { events.push([key ? key.toString('latin1') : '', event, cls]); });
});

after(async () => {
  r.disconnect();
  raw.close();
  await srv.close();
});

beforeEach(() => {
  srv.server.ks.flushAll(false);
  events.length = 0;
});

const db = () => srv.server.ks.dbs[0]!;
const addr = (key: string) => db().findRaw(Buffer.from(key));
const enc = (key: string): number => srv.server.ks.arena.encoding(addr(key));
const exists = (key: string): boolean => db().existsNoSideEffects(Buffer.from(key));
const dirty = (): number => srv.server.ks.dirty;
const evs = () => events.filter((e) => e[1] !== 'flushall').map((e) => `${e[1]}:${e[0]}`);
function makeList(key: string): void {
  db().setObject(Buffer.from(key), OBJ_LIST, ENC_QUICKLIST, { memoryUsage: () => 0 });
}
/**
 * Sends BITFIELD on a raw connection and returns the elements as exact decimal text (null for
 * nil): iovalkey reads integers beyond 2^53 as rounded numbers.
 */
async function bf(...args: string[]): Promise<(string | null)[]> {
  await raw.write(encodeCommand(['BITFIELD', ...args]));
  const lines = (await raw.raw()).split('\r\n');
  if (lines[0]![0] === '-') throw new Error(lines[0]!.slice(1));
  const n = Number(lines[0]!.slice(1));
  const out: (string | null)[] = [];
  for (let i = 1; i <= n; i++) out.push(lines[i]![0] === ':' ? lines[i]!.slice(1) : null);
  return out;
}
const getBuf = async (key: string): Promise<Buffer | null> => (await r.callBuffer('GET', key)) as Buffer | null;

const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
const SYNTAX = 'ERR syntax error';
const NOTINT = 'ERR value is not an integer or out of range';
const BITOFF = 'ERR bit offset is not an integer or out of range';
const BITVAL = 'ERR bit is not an integer or out of range';
const BFTYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

// ------------------------------------------------------------------ naive models

function bitOf(v: Buffer, pos: number): number {
  const byte = Math.floor(pos / 8);
  return byte < v.length ? (v[byte]! >> (7 - (pos % 8))) & 1 : 0;
}
function modelCount(v: Buffer, s: number, e: number): number {
  let n = 0;
  for (let p = s; p <= e; p++) n += bitOf(v, p);
  return n;
}
/** Valkey's index normalisation, for the models. */
function norm(start: number, end: number, total: number): [number, number] {
  if (start < 0) start = total + start;
  if (end < 0) end = total + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  return [start, end];
}
function modelBitcount(v: Buffer, start?: number, end?: number, unit?: 'BIT' | 'BYTE'): number {
  if (start === undefined) return modelCount(v, 0, v.length * 8 - 1);
  const isBit = unit === 'BIT';
  const e0 = end ?? v.length - 1;
  if (start < 0 && e0 < 0 && start > e0) return 0;
  const [s, e] = norm(start, e0, isBit ? v.length * 8 : v.length);
  if (s > e) return 0;
  return isBit ? modelCount(v, s, e) : modelCount(v, s * 8, e * 8 + 7);
}
function modelBitpos(v: Buffer | null, bit: number, start?: number, end?: number, unit?: 'BIT' | 'BYTE'): number {
  if (v === null) return bit ? -1 : 0;
  const isBit = unit === 'BIT';
  let [s, e] = norm(start ?? 0, end ?? (isBit ? v.length * 8 : v.length) - 1, isBit ? v.length * 8 : v.length);
  if (s > e) return -1;
  if (!isBit) { s *= 8; e = e * 8 + 7; }
  for (let p = s; p <= e; p++) if (bitOf(v, p) === bit) return p;
  if (bit === 1 || end !== undefined) return -1;
  return e + 1;
}
function modelBitop(op: string, srcs: Buffer[]): Buffer {
  const max = Math.max(0, ...srcs.map((s) => s.length));
  const out = Buffer.alloc(max);
  for (let i = 0; i < max; i++) {
    const at = (s: Buffer) => (i < s.length ? s[i]! : 0);
    let x = at(srcs[0]!);
    if (op === 'NOT') x = ~x & 0xff;
    for (let j = 1; j < srcs.length; j++) {
      if (op === 'AND') x &= at(srcs[j]!);
      else if (op === 'OR') x |= at(srcs[j]!);
      else x ^= at(srcs[j]!);
    }
    out[i] = x;
  }
  return out;
}
/** Reads a bitfield bit by bit (BigInt), as the model of BITFIELD GET. */
function modelField(v: Buffer, off: number, bits: number, signed: boolean): bigint {
  let u = 0n;
  for (let j = 0; j < bits; j++) u = (u << 1n) | BigInt(bitOf(v, off + j));
  return signed ? BigInt.asIntN(bits, u) : u;
}
function randBytes(n: number, rnd: () => number): Buffer {
  const b = Buffer.alloc(n);
  const mode = Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    b[i] = mode === 0 ? 0 : mode === 1 ? 0xff : mode === 2 ? (rnd() < 0.9 ? 0 : Math.floor(rnd() * 256)) : Math.floor(rnd() * 256);
  }
  return b;
}

// ------------------------------------------------------------------ SETBIT / GETBIT

describe('SETBIT / GETBIT', () => {
  test('SETBIT creates the key, returns the old bit, grows with zero bytes', async () => {
    assert.equal(await r.call('SETBIT', 'k', '1', '1'), 0);
    assert.deepEqual(await getBuf('k'), Buffer.from([0x40]));
    assert.equal(await r.call('SETBIT', 'k', '1', '1'), 1);
    assert.equal(await r.call('SETBIT', 'k', '1', '0'), 1);
    assert.equal(await r.call('SETBIT', 'k', '1', '0'), 0);
    assert.equal(await r.call('SETBIT', 'k', '23', '1'), 0);
    assert.deepEqual(await getBuf('k'), Buffer.from([0, 0, 1]));
    assert.equal(await r.call('SETBIT', 'k', '0', '1'), 0);
    assert.deepEqual(await getBuf('k'), Buffer.from([0x80, 0, 1]));
    assert.equal(enc('k'), ENC_RAW);
  });

  test('SETBIT against string and int encoded values works on their bytes, and makes them raw', async () => {
    await r.call('SET', 's', '@');
    assert.equal(enc('s'), ENC_EMBSTR);
    assert.equal(await r.call('SETBIT', 's', '2', '1'), 0);
    assert.equal(await r.call('GET', 's'), '`');
    assert.equal(await r.call('SETBIT', 's', '1', '0'), 1);
    assert.equal(await r.call('GET', 's'), ' ');
    assert.equal(enc('s'), ENC_RAW);
    await r.call('SET', 'i', '1');
    assert.equal(enc('i'), ENC_INT);
    assert.equal(await r.call('SETBIT', 'i', '6', '1'), 0);
    assert.equal(await r.call('GET', 'i'), '3');
    assert.equal(await r.call('SETBIT', 'i', '2', '0'), 1);
    assert.equal(await r.call('GET', 'i'), '\x13');
    assert.equal(enc('i'), ENC_RAW);
    // Even a SETBIT that changes nothing leaves the value raw (it was unshared for writing).
    await r.call('SET', 'j', '5');
    assert.equal(await r.call('SETBIT', 'j', '2', '1'), 1);
    assert.equal(enc('j'), ENC_RAW);
  });

  test('SETBIT keeps the TTL', async () => {
    await r.call('SET', 't', 'abc', 'EX', '100');
    await r.call('SETBIT', 't', '100', '1');
    assert.ok((await r.call('PTTL', 't') as number) > 90000);
  });

  test('SETBIT jumping from an inline value far out of line keeps contents and TTL', async () => {
    await r.call('SET', 'j', 'hello', 'EX', '100');
    assert.equal(await r.call('SETBIT', 'j', String(50000 * 8 + 7), '1'), 0);
    const v = (await getBuf('j'))!;
    assert.equal(v.length, 50001);
    assert.equal(v.subarray(0, 5).toString(), 'hello');
    assert.equal(v.subarray(5, 50000).every((x) => x === 0), true);
    assert.equal(v[50000], 1);
    assert.ok((await r.call('PTTL', 'j') as number) > 90000);
    // Growing the big value again, and a new key created big at once.
    assert.equal(await r.call('SETBIT', 'j', String(3000000 * 8), '1'), 0);
    assert.equal(await r.call('STRLEN', 'j'), 3000001);
    assert.equal(await r.call('BITCOUNT', 'j'), 21 + 1 + 1); // 'hello' has 21 set bits
    assert.equal(await r.call('SETBIT', 'n', String(9000 * 8), '1'), 0);
    assert.equal(await r.call('STRLEN', 'n'), 9001);
    assert.equal(await r.call('BITPOS', 'n', '1'), 9000 * 8);
    assert.equal(enc('n'), ENC_RAW);
  });

  test('SETBIT grows values across the inline / out-of-line boundary', async () => {
    const model = Buffer.alloc(40000);
    const rnd = prng(7);
    // Left to right growth (the amortised path), then random writes over the whole range.
    for (let off = 0; off < 40000 * 8; off += 997) {
      await r.call('SETBIT', 'g', String(off), '1');
      model[off >> 3]! |= 0x80 >> (off & 7);
    }
    for (let i = 0; i < 300; i++) {
      const off = Math.floor(rnd() * 40000 * 8);
      const on = rnd() < 0.5 ? 1 : 0;
      const old = await r.call('SETBIT', 'g', String(off), String(on));
      assert.equal(old, bitOf(model, off));
      if (on) model[off >> 3]! |= 0x80 >> (off & 7); else model[off >> 3]! &= ~(0x80 >> (off & 7));
    }
    const len = Math.floor(((Math.floor((40000 * 8 - 1) / 997) * 997)) / 8) + 1;
    const got = (await getBuf('g'))!;
    assert.equal(got.length, Math.max(len, got.length));
    assert.deepEqual(got, model.subarray(0, got.length));
    assert.equal(await r.call('STRLEN', 'g'), got.length);
  });

  test('SETBIT fuzzing against a model (like the TCL suite)', async () => {
    const rnd = prng(11);
    const model = Buffer.alloc(256);
    let len = 0;
    for (let i = 0; i < 500; i++) {
      const off = Math.floor(rnd() * 2048);
      const on = rnd() < 0.5 ? 1 : 0;
      await r.call('SETBIT', 'f', String(off), String(on));
      if (on) model[off >> 3]! |= 0x80 >> (off & 7); else model[off >> 3]! &= ~(0x80 >> (off & 7));
      len = Math.max(len, (off >> 3) + 1);
    }
    assert.deepEqual(await getBuf('f'), model.subarray(0, len));
  });

  test('SETBIT errors: offset, bit value, wrong type, in that order', async () => {
    assert.equal(await err(r.call('SETBIT', 'k', String(4 * 1024 * 1024 * 1024), '1')), BITOFF);
    assert.equal(await err(r.call('SETBIT', 'k', '-1', '1')), BITOFF);
    assert.equal(await err(r.call('SETBIT', 'k', 'abc', '1')), BITOFF);
    assert.equal(await err(r.call('SETBIT', 'k', '1.5', '1')), BITOFF);
    assert.equal(await err(r.call('SETBIT', 'k', '99999999999999999999', '1')), BITOFF);
    for (const v of ['-1', '2', '10', '20', 'a', '', '1.0', ' 1']) {
      assert.equal(await err(r.call('SETBIT', 'k', '0', v)), BITVAL, v);
    }
    assert.equal(exists('k'), false);
    makeList('l');
    assert.equal(await err(r.call('SETBIT', 'l', '0', '1')), WRONGTYPE);
    assert.equal(await err(r.call('SETBIT', 'l', '-1', '1')), BITOFF);
    assert.equal(await err(r.call('SETBIT', 'l', '0', '5')), BITVAL);
    assert.equal(await err(r.call('SETBIT', 'k')), "ERR wrong number of arguments for 'setbit' command");
  });

  test('SETBIT offsets are bounded by proto-max-bulk-len', async () => {
    await r.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb');
    try {
      assert.equal(await err(r.call('SETBIT', 'k', String(1024 * 1024 * 8), '1')), BITOFF);
      assert.equal(await r.call('SETBIT', 'k', String(1024 * 1024 * 8 - 1), '1'), 0);
      assert.equal(await r.call('STRLEN', 'k'), 1024 * 1024);
      assert.equal(await err(r.call('GETBIT', 'k', String(1024 * 1024 * 8))), BITOFF);
      assert.equal(await r.call('GETBIT', 'k', String(1024 * 1024 * 8 - 1)), 1);
    } finally {
      await r.call('CONFIG', 'SET', 'proto-max-bulk-len', String(512 * 1024 * 1024));
    }
    // The last bit of the default 512 MB limit is addressable (checked without allocating).
    assert.equal(await r.call('GETBIT', 'k', String(4 * 1024 * 1024 * 1024 - 1)), 0);
  });

  test('SETBIT events and dirty counter: only when the value changes or grows', async () => {
    let d = dirty();
    await r.call('SETBIT', 'k', '0', '0'); // creates: counts
    assert.equal(dirty(), d + 1);
    await r.call('SETBIT', 'k', '0', '0'); // no change
    await r.call('SETBIT', 'k', '7', '0');
    assert.equal(dirty(), d + 1);
    await r.call('SETBIT', 'k', '0', '1');
    await r.call('SETBIT', 'k', '0', '1');
    assert.equal(dirty(), d + 2);
    await r.call('SETBIT', 'k', '90', '0'); // grows only
    assert.equal(dirty(), d + 3);
    assert.deepEqual(evs(), ['setbit:k', 'setbit:k', 'setbit:k']);
    assert.ok(events.every((e) => e[2] === NOTIFY_STRING));
    d = dirty();
    // Big (out of line) values: in place as well.
    await r.call('SETBIT', 'big', String(100000 * 8), '1');
    await r.call('SETBIT', 'big', String(100000 * 8), '1');
    await r.call('SETBIT', 'big', '5', '1');
    assert.equal(dirty(), d + 2);
  });

  test('SETBIT on an expired key starts from an empty value', async () => {
    await r.call('SET', 'e', '\xff\xff', 'PX', '1');
    await new Promise((res) => setTimeout(res, 10));
    assert.equal(await r.call('SETBIT', 'e', '3', '1'), 0);
    assert.deepEqual(await getBuf('e'), Buffer.from([0x10]));
    assert.equal(await r.call('PTTL', 'e'), -1);
  });

  test('GETBIT: missing key, beyond the end, strings and int-encoded values', async () => {
    assert.equal(await r.call('GETBIT', 'nokey', '0'), 0);
    assert.equal(await r.call('GETBIT', 'nokey', '99999'), 0);
    await r.call('SET', 's', '`');
    const bits = [0, 1, 1, 0, 0, 0, 0, 0];
    for (let i = 0; i < 8; i++) assert.equal(await r.call('GETBIT', 's', String(i)), bits[i]);
    for (const off of ['8', '100', '10000', '4294967295']) assert.equal(await r.call('GETBIT', 's', off), 0);
    await r.call('SET', 'i', '1'); // '1' = 0x31
    const ib = [0, 0, 1, 1, 0, 0, 0, 1];
    for (let i = 0; i < 8; i++) assert.equal(await r.call('GETBIT', 'i', String(i)), ib[i]);
    assert.equal(enc('i'), ENC_INT);
    const big = Buffer.alloc(20000);
    big[19999] = 1;
    await r.call('SET', 'b', big);
    assert.equal(await r.call('GETBIT', 'b', String(19999 * 8 + 7)), 1);
    assert.equal(await r.call('GETBIT', 'b', String(19999 * 8 + 6)), 0);
    assert.equal(await r.call('GETBIT', 'b', String(20000 * 8)), 0);
  });

  test('GETBIT errors', async () => {
    assert.equal(await err(r.call('GETBIT', 'k', '-1')), BITOFF);
    assert.equal(await err(r.call('GETBIT', 'k', 'x')), BITOFF);
    assert.equal(await err(r.call('GETBIT', 'k', String(4 * 1024 * 1024 * 1024))), BITOFF);
    makeList('l');
    assert.equal(await err(r.call('GETBIT', 'l', '0')), WRONGTYPE);
    assert.equal(await err(r.call('GETBIT', 'l', '-5')), BITOFF);
  });
});

// ------------------------------------------------------------------ BITCOUNT

describe('BITCOUNT', () => {
  test('whole string, missing key, test vectors', async () => {
    assert.equal(await r.call('BITCOUNT', 'no'), 0);
    assert.equal(await r.call('BITCOUNT', 'no', '0', '-1'), 0);
    assert.equal(await r.call('BITCOUNT', 'no', '0', '-1', 'BIT'), 0);
    const vectors = ['', '\xaa', '\x00\x00\xff', 'foobar', '123'];
    const expected = [0, 4, 8, 26, 10];
    for (let i = 0; i < vectors.length; i++) {
      await r.call('SET', 'v', Buffer.from(vectors[i]!, 'latin1'));
      assert.equal(await r.call('BITCOUNT', 'v'), expected[i], vectors[i]);
    }
  });

  test('byte and bit ranges, negative indexes, clamping', async () => {
    await r.call('SET', 's', 'foobar');
    assert.equal(await r.call('BITCOUNT', 's', '0', '0'), 4);
    assert.equal(await r.call('BITCOUNT', 's', '1', '1'), 6);
    assert.equal(await r.call('BITCOUNT', 's', '1', '1', 'byte'), 6);
    assert.equal(await r.call('BITCOUNT', 's', '5', '30', 'BIT'), 17);
    assert.equal(await r.call('BITCOUNT', 's', '-2', '-1'), 7);
    assert.equal(await r.call('BITCOUNT', 's', '-100', '100'), 26);
    assert.equal(await r.call('BITCOUNT', 's', '0', '-1', 'bit'), 26);
    assert.equal(await r.call('BITCOUNT', 's', '0', '4294967296'), 26);
    assert.equal(await r.call('BITCOUNT', 's', '-9223372036854775808', '9223372036854775807'), 26);
    assert.equal(await r.call('BITCOUNT', 's', '-9223372036854775808', '9223372036854775807', 'BIT'), 26);
    // start > end after normalisation, and both negative with start > end.
    assert.equal(await r.call('BITCOUNT', 's', '3', '2'), 0);
    assert.equal(await r.call('BITCOUNT', 's', '-1', '-2'), 0);
    assert.equal(await r.call('BITCOUNT', 's', '-1', '-20'), 0);
    assert.equal(await r.call('BITCOUNT', 's', '-9223372036854775807', '-9223372036854775808'), 0);
    assert.equal(await r.call('BITCOUNT', 's', '100', '200'), 0);
    assert.equal(await r.call('BITCOUNT', 's', '-2', '-1', 'BIT'), 1); // 'r' ends with ...010
    assert.equal(await r.call('BITCOUNT', 's', '-3', '-1', 'BIT'), 1);
    assert.equal(await r.call('BITCOUNT', 's', '-4', '-1', 'BIT'), 1);
    assert.equal(await r.call('BITCOUNT', 's', '-5', '-1', 'BIT'), 2);
    // Start without end: to the end of the string (Valkey 8+).
    assert.equal(await r.call('BITCOUNT', 's', '1'), 22);
    assert.equal(await r.call('BITCOUNT', 's', '-1'), 4);
    assert.equal(await r.call('BITCOUNT', 's', '100'), 0);
    // Misaligned prefix, full words, remainder (as in the TCL suite).
    await r.call('SET', 'str', 'ab');
    assert.equal(await r.call('BITCOUNT', 'str', '1', '-1'), 3);
    await r.call('SET', 'str', '__PPxxxxxxxxxxxxxxxxRR__');
    assert.equal(await r.call('BITCOUNT', 'str', '2', '-3'), 74);
  });

  test('errors: syntax, not an integer, wrong type (after argument parsing)', async () => {
    assert.equal(await err(r.call('BITCOUNT', 's', '0', '1', 'hello')), SYNTAX);
    assert.equal(await err(r.call('BITCOUNT', 's', '0', '1', 'hello', 'hello2')), SYNTAX);
    assert.equal(await err(r.call('BITCOUNT', 's', '0', '1', 'BIT', 'x')), SYNTAX);
    assert.equal(await err(r.call('BITCOUNT', 's', 'a', 'b')), NOTINT);
    assert.equal(await err(r.call('BITCOUNT', 's', '0', 'b')), NOTINT);
    assert.equal(await err(r.call('BITCOUNT', 's', 'a')), NOTINT);
    assert.equal(await err(r.call('BITCOUNT', 's', '0', 'b', 'bogus')), SYNTAX); // unit before end
    assert.equal(await err(r.call('BITCOUNT', 's', 'a', '0', 'bogus')), NOTINT); // start first
    await r.call('SET', 's', '1');
    assert.equal(await err(r.call('BITCOUNT', 's', '0', '1', 'hello')), SYNTAX);
    makeList('l');
    assert.equal(await err(r.call('BITCOUNT', 'l')), WRONGTYPE);
    assert.equal(await err(r.call('BITCOUNT', 'l', '0', '1')), WRONGTYPE);
    assert.equal(await err(r.call('BITCOUNT', 'l', 'a', 'b')), NOTINT);
    assert.equal(await err(r.call('BITCOUNT', 'l', '-1', '-2')), WRONGTYPE);
  });

  test('fuzzing against a model: all sizes and alignments, BYTE and BIT', async () => {
    const rnd = prng(23);
    for (let i = 0; i < 60; i++) {
      const n = i < 40 ? Math.floor(rnd() * 300) : Math.floor(rnd() * 20000);
      const v = randBytes(n, rnd);
      // Vary the key length so inline values start at different alignments.
      const key = 'k'.repeat(1 + (i % 7));
      await r.call('SET', key, v);
      assert.equal(await r.call('BITCOUNT', key), modelBitcount(v));
      for (let j = 0; j < 6; j++) {
        const isBit = rnd() < 0.5;
        const total = isBit ? n * 8 : n;
        const s = Math.floor(rnd() * (total + 10)) - 5 - (rnd() < 0.3 ? total : 0);
        const e = Math.floor(rnd() * (total + 10)) - 5 - (rnd() < 0.3 ? total : 0);
        const args = isBit ? [String(s), String(e), 'BIT'] : [String(s), String(e)];
        assert.equal(await r.call('BITCOUNT', key, ...args), modelBitcount(v, s, e, isBit ? 'BIT' : 'BYTE'),
          `n=${n} ${args.join(' ')}`);
      }
    }
  });
});

// ------------------------------------------------------------------ BITPOS

describe('BITPOS', () => {
  test('missing key, empty string, short strings', async () => {
    assert.equal(await r.call('BITPOS', 'no', '0'), 0);
    assert.equal(await r.call('BITPOS', 'no', '1'), -1);
    assert.equal(await r.call('BITPOS', 'no', '0', '5', '10', 'BIT'), 0);
    assert.equal(await r.call('BITPOS', 'no', '1', '5'), -1);
    await r.call('SET', 'e', '');
    assert.equal(await r.call('BITPOS', 'e', '0'), -1);
    assert.equal(await r.call('BITPOS', 'e', '1'), -1);
    await r.call('SET', 's', Buffer.from([0xff, 0xf0, 0x00]));
    assert.equal(await r.call('BITPOS', 's', '0'), 12);
    await r.call('SET', 's', Buffer.from([0x00, 0x0f, 0x00]));
    assert.equal(await r.call('BITPOS', 's', '1'), 12);
    await r.call('SET', 's', Buffer.alloc(100));
    assert.equal(await r.call('BITPOS', 's', '1'), -1);
  });

  test('bit=0 semantics change when an end is given', async () => {
    await r.call('SET', 'str', Buffer.from([0xff, 0xff, 0xff]));
    assert.equal(await r.call('BITPOS', 'str', '0'), 24);
    assert.equal(await r.call('BITPOS', 'str', '0', '0'), 24);
    assert.equal(await r.call('BITPOS', 'str', '0', '1'), 24);
    assert.equal(await r.call('BITPOS', 'str', '0', '0', '-1'), -1);
    assert.equal(await r.call('BITPOS', 'str', '0', '0', '-1', 'bit'), -1);
    assert.equal(await r.call('BITPOS', 'str', '0', '0', '100'), -1);
    assert.equal(await r.call('BITPOS', 'str', '0', '5'), -1); // start past the end
  });

  test('intervals in bytes and bits (TCL suite cases)', async () => {
    await r.call('SET', 'str', Buffer.from([0x00, 0xff, 0x00]));
    assert.equal(await r.call('BITPOS', 'str', '0', '0', '-1'), 0);
    assert.equal(await r.call('BITPOS', 'str', '0', '1', '-1'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '2', '-1'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '2', '200'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '1', '1'), -1);
    assert.equal(await r.call('BITPOS', 'str', '0', '0', '-1', 'bit'), 0);
    assert.equal(await r.call('BITPOS', 'str', '0', '8', '-1', 'bit'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '16', '-1', 'bit'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '16', '200', 'bit'), 16);
    assert.equal(await r.call('BITPOS', 'str', '0', '8', '8', 'bit'), -1);
    await r.call('SET', 'str', Buffer.from([0xff, 0x00, 0xff]));
    assert.equal(await r.call('BITPOS', 'str', '1', '0', '-1'), 0);
    assert.equal(await r.call('BITPOS', 'str', '1', '1', '-1'), 16);
    assert.equal(await r.call('BITPOS', 'str', '1', '2', '-1'), 16);
    assert.equal(await r.call('BITPOS', 'str', '1', '2', '200'), 16);
    assert.equal(await r.call('BITPOS', 'str', '1', '1', '1'), -1);
    assert.equal(await r.call('BITPOS', 'str', '1', '7', '15', 'bit'), 7);
    assert.equal(await r.call('BITPOS', 'str', '1', '8', '15', 'BIT'), -1);
    assert.equal(await r.call('BITPOS', 'str', '1', '-9', '-1', 'BIT'), 15 + 1);
    assert.equal(await r.call('BITPOS', 'str', '1', '3', '2'), -1);
  });

  test('unaligned starts, full words and remainders', async () => {
    for (const bit of [0, 1]) {
      const fill = bit ? 0x00 : 0xff;
      for (const pad of [0, 1, 3, 7, 8, 9, 15, 16, 31, 64, 65, 200]) {
        for (const at of [0, 1, 5, 8, 63, 64, 100]) {
          const v = Buffer.alloc(pad + at + 4, fill);
          v[pad + at] = bit ? 0x01 : 0xfe;
          const key = 'x'.repeat(1 + (pad % 5));
          await r.call('SET', key, v);
          assert.equal(await r.call('BITPOS', key, String(bit), String(pad)), (pad + at) * 8 + 7, `bit=${bit} pad=${pad} at=${at}`);
        }
      }
    }
  });

  test('errors', async () => {
    assert.equal(await err(r.call('BITPOS', 's', 'a')), NOTINT);
    assert.equal(await err(r.call('BITPOS', 's', '2')), 'ERR The bit argument must be 1 or 0.');
    assert.equal(await err(r.call('BITPOS', 's', '-1', '0', '1', 'x', 'y')), 'ERR The bit argument must be 1 or 0.');
    assert.equal(await err(r.call('BITPOS', 's', '0', '1', 'hello', 'hello2')), SYNTAX);
    assert.equal(await err(r.call('BITPOS', 's', '0', '0', '1', 'hello')), SYNTAX);
    assert.equal(await err(r.call('BITPOS', 's', '0', 'a', 'b')), NOTINT);
    assert.equal(await err(r.call('BITPOS', 's', '0', '0', 'b')), NOTINT);
    assert.equal(await err(r.call('BITPOS', 's', '0', '0', 'b', 'hello')), SYNTAX);
    await r.call('SET', 's', '1');
    assert.equal(await err(r.call('BITPOS', 's', '0', '0', '1', 'hello')), SYNTAX);
    makeList('l');
    assert.equal(await err(r.call('BITPOS', 'l', '0')), WRONGTYPE);
    assert.equal(await err(r.call('BITPOS', 'l', '1', '10', '100')), WRONGTYPE);
    assert.equal(await err(r.call('BITPOS', 'l', 'a')), NOTINT);
    assert.equal(await err(r.call('BITPOS', 'l', '1', 'a', 'b')), NOTINT);
  });

  test('fuzzing against a model', async () => {
    const rnd = prng(31);
    for (let i = 0; i < 80; i++) {
      const n = i < 60 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 12000);
      const v = randBytes(n, rnd);
      const key = 'p'.repeat(1 + (i % 5));
      await r.call('SET', key, v);
      for (const bit of [0, 1]) {
        assert.equal(await r.call('BITPOS', key, String(bit)), modelBitpos(v, bit));
        for (let j = 0; j < 4; j++) {
          const form = Math.floor(rnd() * 3);
          const isBit = form === 2 && rnd() < 0.7;
          const total = isBit ? n * 8 : n;
          const s = Math.floor(rnd() * (total + 6)) - 3 - (rnd() < 0.3 ? total : 0);
          const e = Math.floor(rnd() * (total + 6)) - 3 - (rnd() < 0.3 ? total : 0);
          const args = form === 0 ? [String(s)] : form === 1 || !isBit ? [String(s), String(e)] : [String(s), String(e), 'BIT'];
          const want = form === 0 ? modelBitpos(v, bit, s) : modelBitpos(v, bit, s, e, isBit ? 'BIT' : 'BYTE');
          assert.equal(await r.call('BITPOS', key, String(bit), ...args), want, `n=${n} bit=${bit} ${args.join(' ')}`);
        }
      }
    }
  });

  test('BITPOS and BITCOUNT agree with SETBIT-built bitmaps', async () => {
    const rnd = prng(5);
    const max = 64 * 1024;
    const model = Buffer.alloc(max / 8);
    let first = -1;
    for (let j = 0; j < 300; j++) {
      const off = Math.floor(rnd() * max);
      await r.call('SETBIT', 'b', String(off), '1');
      model[off >> 3]! |= 0x80 >> (off & 7);
      if (first === -1 || off < first) first = off;
      assert.equal(await r.call('BITPOS', 'b', '1'), first);
    }
    const v = (await getBuf('b'))!;
    assert.equal(await r.call('BITCOUNT', 'b'), modelBitcount(v));
    assert.equal(await r.call('BITPOS', 'b', '0'), modelBitpos(v, 0));
  });
});

// ------------------------------------------------------------------ BITOP

describe('BITOP', () => {
  test('NOT of empty and known strings; destination can be a source', async () => {
    await r.call('SET', 's', '');
    assert.equal(await r.call('BITOP', 'NOT', 'dest', 's'), 0);
    assert.equal(await r.call('GET', 'dest'), null);
    await r.call('SET', 's', Buffer.from([0xaa, 0x00, 0xff, 0x55]));
    assert.equal(await r.call('BITOP', 'not', 'dest', 's'), 4);
    assert.deepEqual(await getBuf('dest'), Buffer.from([0x55, 0xff, 0x00, 0xaa]));
    assert.equal(await r.call('BITOP', 'NOT', 's', 's'), 4);
    assert.deepEqual(await getBuf('s'), Buffer.from([0x55, 0xff, 0x00, 0xaa]));
  });

  test('AND / OR / XOR: single key, missing keys, zero padding', async () => {
    await r.call('SET', 'a', Buffer.from([1, 2, 0xff]));
    for (const op of ['AND', 'OR', 'XOR']) {
      assert.equal(await r.call('BITOP', op, 'res', 'a'), 3);
      assert.deepEqual(await getBuf('res'), Buffer.from([1, 2, 0xff]), op);
    }
    await r.call('BITOP', 'AND', 'r1', 'nokey', 'a');
    await r.call('BITOP', 'OR', 'r2', 'nokey', 'a', 'nokey2');
    await r.call('BITOP', 'XOR', 'r3', 'nokey', 'a');
    assert.deepEqual(await getBuf('r1'), Buffer.from([0, 0, 0]));
    assert.deepEqual(await getBuf('r2'), Buffer.from([1, 2, 0xff]));
    assert.deepEqual(await getBuf('r3'), Buffer.from([1, 2, 0xff]));
    await r.call('SET', 'a', Buffer.from([1, 2, 0xff, 0xff]));
    await r.call('SET', 'b', Buffer.from([1, 2, 0xff]));
    await r.call('BITOP', 'AND', 'r1', 'a', 'b');
    await r.call('BITOP', 'OR', 'r2', 'a', 'b');
    await r.call('BITOP', 'XOR', 'r3', 'a', 'b');
    assert.deepEqual(await getBuf('r1'), Buffer.from([1, 2, 0xff, 0]));
    assert.deepEqual(await getBuf('r2'), Buffer.from([1, 2, 0xff, 0xff]));
    assert.deepEqual(await getBuf('r3'), Buffer.from([0, 0, 0, 0xff]));
    // Empty after non-empty, int-encoded sources.
    await r.call('SET', 'z', Buffer.alloc(32));
    assert.equal(await r.call('BITOP', 'OR', 'x', 'z', 'nokey'), 32);
    await r.call('SET', 'i1', '1');
    await r.call('SET', 'i2', '2');
    assert.equal(await r.call('BITOP', 'XOR', 'dest', 'i1', 'i2', 'i1'), 1);
    assert.equal(await r.call('GET', 'dest'), '2');
  });

  test('the result replaces any type, drops the TTL, is raw; empty result deletes', async () => {
    makeList('dest');
    await r.call('SET', 'a', 'abc');
    assert.equal(await r.call('BITOP', 'OR', 'dest', 'a'), 3);
    assert.equal(await r.call('GET', 'dest'), 'abc');
    assert.equal(enc('dest'), ENC_RAW);
    await r.call('SET', 't', 'x', 'EX', '100');
    await r.call('BITOP', 'AND', 't', 'a');
    assert.equal(await r.call('PTTL', 't'), -1);
    events.length = 0;
    const d = dirty();
    assert.equal(await r.call('BITOP', 'AND', 'dest', 'nokey1', 'nokey2'), 0);
    assert.equal(exists('dest'), false);
    assert.deepEqual(events, [['dest', 'del', NOTIFY_GENERIC]]);
    assert.equal(dirty(), d + 1);
    // Nothing to delete: no event, no dirty.
    assert.equal(await r.call('BITOP', 'AND', 'dest', 'nokey1'), 0);
    assert.equal(dirty(), d + 1);
    assert.equal(events.length, 1);
    // A stored result is reported like Valkey: a 'set' event of the string class.
    await r.call('BITOP', 'OR', 'dest', 'a');
    assert.deepEqual(events[1], ['dest', 'set', NOTIFY_STRING]);
  });

  test('errors', async () => {
    assert.equal(await err(r.call('BITOP', 'NAND', 'd', 'a')), SYNTAX);
    assert.equal(await err(r.call('BITOP', 'NOT', 'd', 'a', 'b')), 'ERR BITOP NOT must be called with a single source key.');
    makeList('c');
    await r.call('SET', 'a', '1');
    assert.equal(await err(r.call('BITOP', 'XOR', 'd', 'a', 'c', 'nokey')), WRONGTYPE);
    assert.equal(await err(r.call('BITOP', 'NOT', 'd', 'c')), WRONGTYPE);
    assert.equal(exists('d'), false);
    assert.equal(await err(r.call('BITOP', 'AND', 'd')), "ERR wrong number of arguments for 'bitop' command");
  });

  test('fuzzing against a model: sizes around the word paths, unaligned sources, many keys', async () => {
    const rnd = prng(47);
    for (const op of ['AND', 'OR', 'XOR', 'NOT']) {
      for (let i = 0; i < 25; i++) {
        const nk = op === 'NOT' ? 1 : 1 + Math.floor(rnd() * 18);
        const srcs: Buffer[] = [];
        const keys: string[] = [];
        for (let j = 0; j < nk; j++) {
          const n = i < 15 ? Math.floor(rnd() * 200) : Math.floor(rnd() * 20000);
          const key = `v${j}${'_'.repeat(Math.floor(rnd() * 4))}`;
          if (rnd() < 0.1 && !keys.includes(key)) { keys.push(key); srcs.push(Buffer.alloc(0)); continue; }
          const v = randBytes(n, rnd);
          await r.call('SET', key, v);
          const at = keys.indexOf(key);
          if (at >= 0) srcs[at] = v; // a repeated key: the latest value counts everywhere
          keys.push(key);
          srcs.push(v);
        }
        for (let j = 0; j < keys.length; j++) {
          const k = keys[j]!;
          const last = keys.lastIndexOf(k);
          srcs[j] = srcs[last]!;
        }
        const want = modelBitop(op, srcs);
        assert.equal(await r.call('BITOP', op, 'target', ...keys), want.length);
        if (want.length === 0) assert.equal(exists('target'), false);
        else assert.deepEqual(await getBuf('target'), want, `${op} ${i}`);
        await r.call('DEL', ...new Set(keys));
      }
    }
  });
});

// ------------------------------------------------------------------ BITFIELD

describe('BITFIELD', () => {
  test('signed and unsigned SET and GET basics', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'SET', 'i8', '0', '-100'), [0]);
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'SET', 'i8', '0', '101'), [-100]);
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'GET', 'i8', '0'), [101]);
    assert.deepEqual(await r.call('BITFIELD', 'u', 'SET', 'u8', '0', '255'), [0]);
    assert.deepEqual(await r.call('BITFIELD', 'u', 'SET', 'u8', '0', '100'), [255]);
    assert.deepEqual(await r.call('BITFIELD', 'u', 'GET', 'u8', '0'), [100]);
    assert.deepEqual(await r.call('BITFIELD', 's', 'SET', 'i8', '0', '-100', 'GET', 'i8', '0'), [0, -100]);
    assert.deepEqual(await r.call('BITFIELD', 'x', 'set', 'u1', '0', '1', 'get', 'u1', '0', 'incrby', 'u1', '0', '1'), [0, 1, 0]);
    assert.equal(enc('x'), ENC_RAW);
  });

  test('only the key: empty array, wrong type still checked', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'bits'), []);
    assert.deepEqual(await r.call('BITFIELD_RO', 'bits'), []);
    assert.equal(exists('bits'), false);
    makeList('l');
    assert.equal(await err(r.call('BITFIELD', 'l')), WRONGTYPE);
    assert.equal(await err(r.call('BITFIELD_RO', 'l', 'GET', 'u8', '0')), WRONGTYPE);
    assert.equal(await err(r.call('BITFIELD', 'l', 'SET', 'u8', '0', '1')), WRONGTYPE);
  });

  test('#<idx> offsets multiply by the width', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'SET', 'u8', '#0', '65', 'SET', 'u8', '#1', '66', 'SET', 'u8', '#2', '67'), [0, 0, 0]);
    assert.equal(await r.call('GET', 'bits'), 'ABC');
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'GET', 'u8', '#1', 'GET', 'u4', '#3'), [66, 2]);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'u8', '#-1')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'u8', '#')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'u8', '#x')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'u8', '##1')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'i64', '#' + String(2 ** 26))), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'bits', 'GET', 'i64', '#9223372036854775807')), BITOFF);
  });

  test('INCRBY basics and chaining', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'), [1, 1]);
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'), [2, 2]);
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'), [3, 3]);
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'SAT', 'INCRBY', 'u2', '102', '1'), [0, 3]);
    await r.call('DEL', 'bits');
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'INCRBY', 'u2', '100', '1', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '102', '5', 'GET', 'u2', '102'), [1, null, 0]);
    await r.call('DEL', 'bits');
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'incrby', 'u2', '100', '1', 'overflow', 'sat', 'incrby', 'u2', '102', '1',
      'overflow', 'wrap', 'incrby', 'u2', '104', '5', 'get', 'u8', '100'), [1, 1, 1, 0b01010100]);
  });

  test('unsigned overflow: wrap, sat, fail', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '255', 'INCRBY', 'u8', '0', '100'), [0, 99]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '0', '-100'), [255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'INCRBY', 'u8', '0', '-512'), [255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '257', 'GET', 'u8', '0'), [255, 1]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'SET', 'u8', '0', '-1', 'GET', 'u8', '0'), [1, 255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '300', 'GET', 'u8', '0'), [255, 255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'SET', 'u8', '0', '-5', 'GET', 'u8', '0'), [255, 255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '-300'), [0]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'u8', '0', '300'), [255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '1', 'SET', 'u8', '0', '256', 'GET', 'u8', '0'), [null, null, 255]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '-255'), [0]);
    // u63 limits need 64-bit arithmetic.
    assert.deepEqual(await bf('c', 'SET', 'u63', '0', '9223372036854775807', 'GET', 'u63', '0'), ['0', '9223372036854775807']);
    assert.deepEqual(await bf('c', 'INCRBY', 'u63', '0', '1'), ['0']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '-1'), ['0']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'SAT', 'INCRBY', 'u63', '0', '9223372036854775807', 'INCRBY', 'u63', '0', '1'),
      ['9223372036854775807', '9223372036854775807']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'WRAP', 'INCRBY', 'u63', '0', '2', 'INCRBY', 'u63', '0', '-9223372036854775808'),
      ['1', '1']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'FAIL', 'INCRBY', 'u63', '0', '-2', 'SET', 'u63', '0', '-1', 'GET', 'u63', '0'),
      [null, null, '1']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'WRAP', 'SET', 'u63', '0', '-1', 'GET', 'u63', '0'), ['1', '9223372036854775807']);
  });

  test('signed overflow: wrap, sat, fail, and the i64 limits', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '127', 'INCRBY', 'i8', '0', '1'), [0, -128]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '-1'), [127]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'INCRBY', 'i8', '0', '256'), [127]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'WRAP', 'SET', 'i8', '0', '200', 'GET', 'i8', '0'), [127, -56]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '200', 'GET', 'i8', '0'), [-56, 127]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-200', 'GET', 'i8', '0'), [127, -128]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '-1000', 'INCRBY', 'i8', '0', '1000'), [-128, 127]);
    assert.deepEqual(await r.call('BITFIELD', 'b', 'OVERFLOW', 'FAIL', 'INCRBY', 'i8', '0', '1', 'INCRBY', 'i8', '0', '-255', 'INCRBY', 'i8', '0', '-1'), [null, -128, null]);
    assert.deepEqual(await bf('c', 'SET', 'i64', '0', '9223372036854775807'), ['0']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'WRAP', 'INCRBY', 'i64', '0', '1'), ['-9223372036854775808']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '0', '9223372036854775807', 'INCRBY', 'i64', '0', '1'),
      ['-9223372036854775808', '-1', '0']);
    assert.deepEqual(await bf('c', 'OVERFLOW', 'FAIL', 'INCRBY', 'i64', '0', '1', 'INCRBY', 'i64', '0', '-9223372036854775808',
      'INCRBY', 'i64', '0', '-2'), ['1', '-9223372036854775807', null]);
    assert.deepEqual(await bf('c', 'GET', 'i64', '0', 'GET', 'u63', '0', 'GET', 'i63', '1'), ['-9223372036854775807', '4611686018427387904', '1']);
    // SET far outside a narrow signed field: Valkey's 64-bit overflow check wraps for values
    // near INT64_MIN and saturates them high (the reference servers do the same).
    assert.deepEqual(await bf('d', 'OVERFLOW', 'SAT', 'SET', 'i8', '0', '-9223372036854775800', 'SET', 'i8', '8', '-9223372036854775000', 'GET', 'i8', '0', 'GET', 'i8', '8'),
      ['0', '0', '127', '-128']);
    assert.deepEqual(await bf('d', 'OVERFLOW', 'SAT', 'SET', 'i63', '16', '-9223372036854775808', 'GET', 'i63', '16'), ['0', '4611686018427387903']);
    // The stored bytes of 64-bit values.
    await r.call('BITFIELD', 'c', 'SET', 'i64', '0', '-2');
    assert.deepEqual(await getBuf('c'), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]));
    await r.call('BITFIELD', 'c', 'SET', 'i64', '0', '-9223372036854775808');
    assert.deepEqual(await getBuf('c'), Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0]));
  });

  test('fields at any bit offset, straddling bytes, reading past the end', async () => {
    await r.call('SET', 'v', Buffer.from([0b10110011, 0b01011100, 0xff]));
    assert.deepEqual(await r.call('BITFIELD', 'v', 'GET', 'u5', '6', 'GET', 'i5', '6', 'GET', 'u12', '3', 'GET', 'u8', '20', 'GET', 'i3', '22'),
      [0b11010, 0b11010 - 32, 0b100110101110, 0b11110000, -2]);
    assert.deepEqual(await r.call('BITFIELD', 'v', 'GET', 'u8', '100', 'GET', 'i64', '1000000'), [0, 0]);
    // Writing a 5-bit value 23 at offset 7 into zeros (the layout example of Valkey's sources).
    await r.call('BITFIELD', 'w', 'SET', 'u5', '7', '23');
    assert.deepEqual(await getBuf('w'), Buffer.from([0b00000001, 0b01110000]));
    // A write grows to the farthest bit written by any operation, zero-filled.
    await r.call('BITFIELD', 'x', 'SET', 'u1', '0', '1', 'GET', 'u8', '200', 'SET', 'u3', '70', '0');
    assert.equal(await r.call('STRLEN', 'x'), 10);
  });

  test('BITFIELD_RO: GET only', async () => {
    await r.call('SET', 'v', 'A');
    assert.deepEqual(await r.call('BITFIELD_RO', 'v', 'GET', 'u8', '0', 'GET', 'i4', '#1'), [65, 1]);
    assert.deepEqual(await r.call('BITFIELD_RO', 'v', 'OVERFLOW', 'SAT', 'GET', 'u8', '0'), [65]);
    assert.equal(await err(r.call('BITFIELD_RO', 'v', 'SET', 'u8', '0', '1')), 'ERR BITFIELD_RO only supports the GET subcommand');
    assert.equal(await err(r.call('BITFIELD_RO', 'v', 'GET', 'u8', '0', 'INCRBY', 'u8', '0', '1')), 'ERR BITFIELD_RO only supports the GET subcommand');
    // Argument errors come first.
    assert.equal(await err(r.call('BITFIELD_RO', 'v', 'SET', 'u64', '0', '1')), BFTYPE);
    assert.equal(await r.call('GET', 'v'), 'A');
    assert.deepEqual(await r.call('BITFIELD_RO', 'nokey', 'GET', 'u8', '0'), [0]);
    assert.equal(exists('nokey'), false);
  });

  test('errors: syntax, types, offsets, values, overflow types', async () => {
    for (const t of ['u64', 'i65', 'u0', 'i0', 'x8', 'I8', 'U8', 'i', 'u', '', 'i08', 'i-1', 'u+8', 'i8 ', 'i99999999999999999999']) {
      assert.equal(await err(r.call('BITFIELD', 'k', 'GET', t, '0')), BFTYPE, t);
    }
    assert.equal(await err(r.call('BITFIELD', 'k', 'GET', 'u8')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'SET', 'u8', '0')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'INCRBY', 'u8', '0')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'OVERFLOW')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'BOGUS', 'u8', '0')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'GET', 'u8', '0', 'extra')), SYNTAX);
    assert.equal(await err(r.call('BITFIELD', 'k', 'OVERFLOW', 'BOGUS', 'GET', 'u8', '0')), 'ERR Invalid OVERFLOW type specified');
    assert.equal(await err(r.call('BITFIELD', 'k', 'GET', 'u8', '-1')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'k', 'GET', 'u8', 'x')), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'k', 'GET', 'u8', String(4 * 1024 * 1024 * 1024))), BITOFF);
    assert.equal(await err(r.call('BITFIELD', 'k', 'SET', 'u8', '0', 'x')), NOTINT);
    assert.equal(await err(r.call('BITFIELD', 'k', 'SET', 'u8', '0', '9223372036854775808')), NOTINT);
    assert.equal(await err(r.call('BITFIELD', 'k', 'INCRBY', 'u8', '0', '1.5')), NOTINT);
    // An error anywhere means nothing is done, even for operations before it.
    assert.equal(await err(r.call('BITFIELD', 'k', 'SET', 'u8', '0', '1', 'GET', 'u99', '0')), BFTYPE);
    assert.equal(exists('k'), false);
    // Parsing happens before the type check.
    makeList('l');
    assert.equal(await err(r.call('BITFIELD', 'l', 'GET', 'u64', '0')), BFTYPE);
  });

  test('events and dirty counter: one setbit event, dirty counts each changing write', async () => {
    let d = dirty();
    await r.call('BITFIELD', 'k', 'SET', 'i5', '0', '0'); // creates: counts
    assert.equal(dirty(), d + 1);
    await r.call('BITFIELD', 'k', 'SET', 'i5', '0', '0');
    assert.equal(dirty(), d + 1);
    await r.call('BITFIELD', 'k', 'SET', 'i5', '0', '1', 'SET', 'i5', '0', '1', 'SET', 'i5', '0', '0');
    assert.equal(dirty(), d + 3);
    await r.call('BITFIELD', 'k', 'INCRBY', 'i5', '0', '1', 'INCRBY', 'i5', '0', '1');
    assert.equal(dirty(), d + 5);
    await r.call('BITFIELD', 'k', 'INCRBY', 'i5', '0', '0'); // no change
    assert.equal(dirty(), d + 5);
    await r.call('BITFIELD', 'k', 'SET', 'i5', '90', '0'); // grows only
    assert.equal(dirty(), d + 6);
    await r.call('BITFIELD', 'k', 'GET', 'i5', '0');
    assert.equal(dirty(), d + 6);
    assert.deepEqual(evs(), ['setbit:k', 'setbit:k', 'setbit:k', 'setbit:k']);
    // OVERFLOW FAIL refusing every write creates the zero-filled key without an event (as Valkey).
    events.length = 0;
    d = dirty();
    assert.deepEqual(await r.call('BITFIELD', 'f', 'OVERFLOW', 'FAIL', 'SET', 'u2', '0', '9'), [null]);
    assert.deepEqual(events, []);
    assert.equal(dirty(), d);
    assert.deepEqual(await getBuf('f'), Buffer.from([0]));
  });

  test('regressions from the TCL suite (#3221, #3564)', async () => {
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'SET', 'i8', '0', '255'), [0]);
    await r.call('DEL', 'bits');
    assert.deepEqual(await r.call('BITFIELD', 'bits', 'SET', 'u8', '0', '255'), [0]);
    for (let j = 0; j < 10; j++) {
      await r.call('DEL', 'mystring');
      const res = await r.call('BITFIELD', 'mystring', 'SET', 'i8', '0', '10', 'SET', 'i8', '64', '10', 'INCRBY', 'i8', '10', '99900');
      assert.deepEqual(res, [0, 0, 60]);
    }
  });

  test('fuzzing GET against a bit-by-bit model, SET round trips at every width', async () => {
    const rnd = prng(99);
    const v = randBytes(64, () => rnd());
    await r.call('SET', 'm', v);
    for (let i = 0; i < 300; i++) {
      const signed = rnd() < 0.5;
      const bits = 1 + Math.floor(rnd() * (signed ? 64 : 63));
      const off = Math.floor(rnd() * 600);
      const got = await bf('m', 'GET', `${signed ? 'i' : 'u'}${bits}`, String(off));
      assert.deepEqual(got, [String(modelField(v, off, bits, signed))], `${signed ? 'i' : 'u'}${bits} @${off}`);
    }
    // SET then GET back each width with values in range (exact comparison through GET bytes).
    for (let i = 0; i < 200; i++) {
      const signed = rnd() < 0.5;
      const bits = 1 + Math.floor(rnd() * (signed ? 64 : 63));
      const off = Math.floor(rnd() * 200);
      let val = 0n;
      for (let j = 0; j < bits; j++) val = (val << 1n) | (rnd() < 0.5 ? 1n : 0n);
      if (signed) val = BigInt.asIntN(bits, val);
      const before = (await getBuf('m'))!;
      await r.call('BITFIELD', 'm', 'SET', `${signed ? 'i' : 'u'}${bits}`, String(off), val.toString());
      const after = (await getBuf('m'))!;
      assert.equal(modelField(after, off, bits, signed), val);
      // Bits outside the field are untouched.
      for (let p = 0; p < after.length * 8; p++) {
        if (p >= off && p < off + bits) continue;
        if (bitOf(before, p) !== bitOf(after, p)) assert.fail(`bit ${p} changed by ${bits}-bit write at ${off}`);
      }
    }
  });
});

// ------------------------------------------------------------------ cross-check with a reference server

const REFERENCE = process.env.BITOPS_REFERENCE_SERVER ?? '/usr/bin/redis-server';

/** A minimal RESP connection over a unix socket to the reference server. */
class SockConn {
  private framer = new ReplyFramer();
  private frames: Buffer[] = [];
  private waiter: (() => void) | null = null;
  private closed = false;
  private constructor(private readonly sock: net.Socket) {
    sock.on('data', (d: Buffer) => {
      this.framer.feed(d);
      for (let f = this.framer.next(); f !== null; f = this.framer.next()) this.frames.push(f);
      this.waiter?.();
    });
    const end = () => { this.closed = true; this.waiter?.(); };
    sock.on('close', end);
    sock.on('error', end);
  }
  static connect(path: string): Promise<SockConn> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ path }, () => { s.removeListener('error', reject); resolve(new SockConn(s)); });
      s.once('error', reject);
    });
  }
  async raw(args: (string | Buffer)[]): Promise<string> {
    this.sock.write(encodeCommand(args));
    const deadline = Date.now() + 10000;
    while (this.frames.length === 0) {
      if (this.closed) throw new Error('reference server connection closed');
      if (Date.now() > deadline) throw new Error('reference server did not reply');
      await new Promise<void>((res) => { this.waiter = res; setTimeout(res, 100); });
      this.waiter = null;
    }
    return this.frames.shift()!.toString('latin1');
  }
  close(): void { this.sock.destroy(); }
}

/** Runs a command on a raw connection: the reply bytes, compared byte for byte. */
async function rawReply(c: RawConn, args: (string | Buffer)[]): Promise<string> {
  await c.write(encodeCommand(args));
  return c.raw();
}

/**
 * Redis 7.0 looks BITCOUNT's and BITPOS's key up before parsing the range arguments (a missing
 * key answers 0 / -1 and a wrong type WRONGTYPE even when an argument is invalid); Valkey 8+
 * parses first, so there Peregrine (following Valkey) reports the argument error.
 */
function redis70Difference(cmd: (string | Buffer)[], ours: string, theirs: string): boolean {
  const name = String(cmd[0]).toUpperCase();
  if (name !== 'BITCOUNT' && name !== 'BITPOS') return false;
  // (Its BITCOUNT also reads the end index before the BIT|BYTE keyword.)
  return ours.startsWith('-ERR') && (theirs.startsWith('-') || theirs === ':0\r\n' || theirs === ':-1\r\n');
}

/** A random command of the bitmap family (and a few writers), in forms Redis 7.0 also has. */
function randomCommand(rnd: () => number): (string | Buffer)[] {
  const keys = ['a', 'b', 'c', 'l'];
  const key = () => keys[Math.floor(rnd() * keys.length)]!;
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
  const idx = () => String(rnd() < 0.1 ? pick(['-9223372036854775808', '9223372036854775807', 'x', '4294967296', '-1']) : int(-40, 40));
  const i64s = ['9223372036854775807', '-9223372036854775808', '-9223372036854775807', '9223372036854775806',
    '4611686018427387904', '-4611686018427387905', '4294967296', '-4294967296', '2147483648', '-2147483649'];
  const value = () => {
    const x = rnd();
    if (x < 0.3) return String(int(-300, 300));
    if (x < 0.5) return pick(i64s);
    if (x < 0.55) return pick(['x', '1.5', '9223372036854775808', '']);
    if (x < 0.8) return String(BigInt(int(-(2 ** 30), 2 ** 30)) * BigInt(int(0, 2 ** 30)));
    return String(int(-(2 ** 40), 2 ** 40));
  };
  const ftype = () => {
    if (rnd() < 0.04) return pick(['u64', 'i65', 'u0', 'x8', 'I8']);
    const s = rnd() < 0.5;
    return `${s ? 'i' : 'u'}${int(1, s ? 64 : 63)}`;
  };
  const foff = () => (rnd() < 0.2 ? `#${int(0, 20)}` : rnd() < 0.03 ? pick(['-1', 'x', '#-1']) : String(int(0, 300)));
  const unit = () => (rnd() < 0.05 ? 'bogus' : pick(['BIT', 'BYTE', 'bit', 'byte']));
  switch (Math.floor(rnd() * 14)) {
    case 0: return ['SETBIT', key(), rnd() < 0.05 ? pick(['-1', 'x', '4294967296']) : String(int(0, 400)), rnd() < 0.05 ? pick(['2', '-1', 'x']) : String(int(0, 1))];
    case 1: return ['GETBIT', key(), String(int(0, 400))];
    case 2: {
      const n = int(0, 4);
      const args: (string | Buffer)[] = ['BITCOUNT', key()];
      if (n === 1) args.push(idx(), idx()); // start without end is a Valkey 8 addition: not sent
      if (n === 2) args.push(idx(), idx(), unit());
      if (n === 3) args.push(idx(), idx(), unit(), 'extra');
      return args;
    }
    case 3: case 4: {
      const n = int(0, 4);
      const args: (string | Buffer)[] = ['BITPOS', key(), rnd() < 0.05 ? pick(['2', 'x']) : String(int(0, 1))];
      if (n >= 1) args.push(idx());
      if (n >= 2) args.push(idx());
      if (n >= 3) args.push(unit());
      if (n >= 4) args.push('extra');
      return args;
    }
    case 5: {
      const op = rnd() < 0.03 ? 'NAND' : pick(['AND', 'OR', 'XOR', 'NOT', 'and', 'Xor']);
      const n = op.toUpperCase() === 'NOT' ? (rnd() < 0.05 ? 2 : 1) : int(1, 4);
      return ['BITOP', op, key(), ...Array.from({ length: n }, key)];
    }
    case 6: case 7: case 8: {
      const args: (string | Buffer)[] = [rnd() < 0.15 ? 'BITFIELD_RO' : 'BITFIELD', key()];
      const n = int(0, 5);
      for (let j = 0; j < n; j++) {
        const x = rnd();
        if (x < 0.35) args.push('GET', ftype(), foff());
        else if (x < 0.6) args.push('SET', ftype(), foff(), value());
        else if (x < 0.85) args.push('INCRBY', ftype(), foff(), value());
        else args.push('OVERFLOW', rnd() < 0.03 ? 'bogus' : pick(['WRAP', 'SAT', 'FAIL', 'sat', 'fail']));
      }
      if (rnd() < 0.03) args.push('GET');
      return args;
    }
    case 9: return ['GET', key()];
    case 10: {
      const x = rnd();
      const v = x < 0.3 ? String(int(-1000, 100000)) : randBytes(int(0, x < 0.9 ? 40 : 300), rnd);
      return ['SET', key(), v];
    }
    case 11: return ['STRLEN', key()];
    case 12: return rnd() < 0.3 ? ['DEL', key()] : ['APPEND', key(), randBytes(int(0, 5), rnd)];
    default: return ['LPUSH', 'l', 'x'];
  }
}

describe('cross-check with a reference server', { skip: existsSync(REFERENCE) ? false : `${REFERENCE} not installed` }, () => {
  let ref: ChildProcess | null = null;
  let exited = false;
  let rc: SockConn | null = null;
  let pc: RawConn | null = null;
  let refIsValkey = false;
  let dir = '';

  before(async () => {
    // A private unix socket and no TCP port: nothing can collide with other servers.
    dir = mkdtempSync(join(tmpdir(), 'bitops-ref-'));
    const path = join(dir, 'ref.sock');
    const child = spawn(REFERENCE, ['--port', '0', '--unixsocket', path, '--save', '', '--appendonly', 'no', '--dir', dir],
      { stdio: 'ignore' });
    ref = child;
    child.once('exit', () => { exited = true; });
    child.once('error', () => { exited = true; });
    for (let i = 0; ; i++) {
      if (exited) throw new Error(`${REFERENCE} exited at startup`);
      try { rc = await SockConn.connect(path); break; } catch (e) {
        if (i > 100) throw e;
        await new Promise((res) => setTimeout(res, 100));
      }
    }
    refIsValkey = (await rc.raw(['INFO', 'server'])).includes('valkey_version');
    pc = await RawConn.connect(srv.port);
  });

  after(async () => {
    rc?.close();
    pc?.close();
    const child = ref;
    if (child && !exited) {
      await new Promise<void>((res) => {
        const t = setTimeout(() => { child.kill('SIGKILL'); res(); }, 5000);
        child.once('exit', () => { clearTimeout(t); res(); });
        child.kill('SIGTERM');
      });
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('random command sequences give byte-identical replies', async () => {
    const seeds = Number(process.env.BITOPS_CROSS_SEEDS ?? 6);
    const steps = Number(process.env.BITOPS_CROSS_STEPS ?? 600);
    const ours = pc!, theirs = rc!;
    let compared = 0;
    for (let seed = 1; seed <= seeds; seed++) {
      await theirs.raw(['FLUSHALL']);
      await rawReply(ours, ['FLUSHALL']);
      const rnd = prng(seed * 7919);
      const log: string[] = [];
      for (let i = 0; i < steps; i++) {
        const cmd = randomCommand(rnd);
        const text = cmd.map((a) => (Buffer.isBuffer(a) ? `<${a.toString('hex')}>` : a)).join(' ');
        log.push(text);
        const [a, b] = await Promise.all([rawReply(ours, cmd), theirs.raw(cmd)]);
        if (a !== b && !(refIsValkey ? false : redis70Difference(cmd, a, b))) {
          assert.fail(`seed ${seed} step ${i}: ${text}\n peregrine: ${JSON.stringify(a)}\n reference: ${JSON.stringify(b)}\nlast commands:\n${log.slice(-8).join('\n')}`);
        }
        compared++;
      }
      // Final state byte for byte.
      for (const k of ['a', 'b', 'c']) {
        assert.equal(await rawReply(ours, ['GET', k]), await theirs.raw(['GET', k]), `seed ${seed} final ${k}`);
      }
    }
    assert.equal(compared, seeds * steps);
  });
});
