// DEBUG: the testing and inspection subcommands Valkey's test suite and users rely on.
// (The dispatcher already refuses DEBUG unless enable-debug-command allows it.)
//
// Extension points for later subsystems:
//  - registerTypeDigest(type, fn): how DEBUG DIGEST / DIGEST-VALUE walk a collection type.
//  - setReloadHandler(fn): persistence replaces the in-memory DEBUG RELOAD with a real one.
//  - debugSettings(server): knobs set by DEBUG that other subsystems read (quicklist packed
//    threshold, skip-checksum-validation, pause-cron, dict-resizing, reply buffer, ...).
import { createHash } from 'node:crypto';
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { Db } from '../store/keyspace.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { replyHelp } from './server.js';
import { parseInt64 } from '../util/number.js';
import { stringMatch } from '../util/glob.js';
import { FLAG_OBJ } from '../store/arena.js';
import {
  ENC_INT, ENC_HT, ENC_SKIPLIST, ENC_QUICKLIST, ENC_LISTPACK, ENCODING_NAMES, OBJ_STRING, OBJ_LIST, OBJ_SET, OBJ_ZSET, OBJ_HASH,
} from '../store/types.js';
import { changeReplicationId } from '../server/info.js';

// ------------------------------------------------------------------ settings

export interface DebugSettings {
  /** Elements larger than this go to plain quicklist nodes (bytes). */
  quicklistPackedThreshold: number;
  skipChecksumValidation: boolean;
  disableDenyScripts: boolean;
  pauseCron: boolean;
  dictResizing: boolean;
  aofFlushSleepUs: number;
  pauseAfterFork: boolean;
  delayRdbClientFreeSeconds: number;
  /** -1 = never reset the reply buffer peak. */
  replyBufferPeakResetTimeMs: number;
  replyBufferResizing: boolean;
}

const DEFAULT_PACKED_THRESHOLD = 1 << 30;
const settings = new WeakMap<Server, DebugSettings>();

export function debugSettings(s: Server): DebugSettings {
  let d = settings.get(s);
  if (!d) {
    d = {
      quicklistPackedThreshold: DEFAULT_PACKED_THRESHOLD, skipChecksumValidation: false, disableDenyScripts: false,
      pauseCron: false, dictResizing: true, aofFlushSleepUs: 0, pauseAfterFork: false, delayRdbClientFreeSeconds: 0,
      replyBufferPeakResetTimeMs: 5000, replyBufferResizing: true,
    };
    settings.set(s, d);
  }
  return d;
}

/** C atoi: optional sign and leading digits, 0 when there are none. */
function atoi(b: Buffer): number {
  const m = /^\s*([+-]?\d+)/.exec(b.toString('latin1'));
  return m ? parseInt(m[1]!, 10) | 0 : 0;
}

/** C strtod on the leading part of the argument (0 when it is not a number). */
function strtod(b: Buffer): number {
  const m = /^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|inf(inity)?|nan)/i.exec(b.toString('latin1'));
  if (!m) return 0;
  const v = parseFloat(m[0]!.replace(/inf(inity)?/i, 'Infinity'));
  return Number.isNaN(v) ? 0 : v;
}

/** Valkey's memtoull: a size with an optional unit (b, k, kb, m, mb, g, gb). */
function memtoull(s: string): number | null {
  const m = /^(\d+)(b|k|kb|m|mb|g|gb)?$/i.exec(s);
  if (!m) return null;
  const mul: Record<string, number> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1e6, mb: 1 << 20, g: 1e9, gb: 1 << 30 };
  return Number(m[1]) * mul[(m[2] ?? '').toLowerCase()]!;
}

// ------------------------------------------------------------------ digests

function sha1(data: Uint8Array): Buffer { return createHash('sha1').update(data).digest(); }

/** digest ^= SHA1(data) */
export function xorDigest(digest: Buffer, data: Uint8Array): void {
  const h = sha1(data);
  for (let i = 0; i < 20; i++) digest[i]! ^= h[i]!;
}

/** digest = SHA1(digest ^ SHA1(data)): order-sensitive mixing. */
export function mixDigest(digest: Buffer, data: Uint8Array): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

export interface DigestCtx {
  mix(data: Uint8Array | string | number): void;
  xor(data: Uint8Array | string | number): void;
  /** XORs into the value digest the SHA1-mix of several parts (one unordered element, e.g. a field/value pair). */
  element(...parts: Array<Uint8Array | string | number>): void;
}
export type TypeDigest = (obj: unknown, ctx: DigestCtx) => void;
const typeDigests = new Map<number, TypeDigest>();

/** Lets a collection family describe how DEBUG DIGEST walks its objects. */
export function registerTypeDigest(type: number, fn: TypeDigest): void { typeDigests.set(type, fn); }

function bytesOf(v: Uint8Array | string | number): Uint8Array {
  if (typeof v === 'number') return Buffer.from(scoreString(v));
  return typeof v === 'string' ? Buffer.from(v) : v;
}

/** Scores as Valkey's shortest round-trip formatting writes them. */
function scoreString(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isInteger(d) && Math.abs(d) < 1e17) return String(d);
  return String(d).replace('e+', 'e');
}

function makeCtx(digest: Buffer): DigestCtx {
  return {
    mix: (d) => mixDigest(digest, bytesOf(d)),
    xor: (d) => xorDigest(digest, bytesOf(d)),
    element: (...parts) => {
      const e = Buffer.alloc(20);
      for (const p of parts) mixDigest(e, bytesOf(p));
      xorDigest(digest, e);
    },
  };
}

function asBytes(v: unknown): Uint8Array | string | number {
  if (v instanceof Uint8Array || typeof v === 'string' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return String(v);
  return String(v);
}

/** Fallback walk over iterable collection objects when the family registered nothing. */
function defaultTypeDigest(type: number, obj: unknown, ctx: DigestCtx): void {
  if (obj === null || typeof obj !== 'object' || !(Symbol.iterator in (obj as object))) return;
  for (const item of obj as Iterable<unknown>) {
    if (type === OBJ_LIST) ctx.mix(asBytes(item));
    else if (type === OBJ_SET) ctx.xor(asBytes(Array.isArray(item) ? item[0] : item));
    else if ((type === OBJ_ZSET || type === OBJ_HASH) && Array.isArray(item)) ctx.element(asBytes(item[0]), asBytes(item[1]));
  }
}

/** Mixes the type, value and TTL marker of the key at `a` into `digest` (Valkey's xorObjectDigest). */
function objectDigest(db: Db, a: number, digest: Buffer): void {
  const ar = db.ks.arena;
  const type = ar.type(a);
  const t = Buffer.alloc(4);
  t.writeUInt32BE(type, 0);
  mixDigest(digest, t);
  if (type === OBJ_STRING) mixDigest(digest, db.stringView(a));
  else {
    const obj = ar.flags(a) & FLAG_OBJ ? ar.objs[ar.valLen(a)] : undefined;
    const ctx = makeCtx(digest);
    const fn = typeDigests.get(type);
    if (fn) fn(obj, ctx); else defaultTypeDigest(type, obj, ctx);
  }
  if (ar.expire(a) !== 0) xorDigest(digest, Buffer.from('!!expire!!'));
}

/** The SHA1-based digest of the whole dataset; 40 zeros when it is empty. */
export function datasetDigest(s: Server): string {
  const final = Buffer.alloc(20);
  const ar = s.ks.arena;
  for (const db of s.ks.dbs) {
    if (db.size === 0) continue;
    const id = Buffer.alloc(4);
    id.writeUInt32BE(db.id, 0);
    mixDigest(final, id);
    db.dict.forEach((a) => {
      const d = Buffer.alloc(20);
      mixDigest(d, ar.keyView(a));
      objectDigest(db, a, d);
      xorDigest(final, d);
    });
  }
  return final.toString('hex');
}

// ------------------------------------------------------------------ OBJECT

/** Bytes the RDB length prefix takes. */
function rdbLenSize(n: number): number { return n < 64 ? 1 : n < 16384 ? 2 : n <= 0xffffffff ? 5 : 9; }

/** RDB size of a string: integer encodings for short integers, else length prefix + bytes. */
function rdbStringSize(v: Buffer): number {
  if (v.length <= 11) {
    const s = v.toString('latin1');
    if (/^-?(0|[1-9]\d*)$/.test(s)) {
      const n = Number(s);
      if (n >= -128 && n <= 127) return 2;
      if (n >= -32768 && n <= 32767) return 3;
      if (n >= -2147483648 && n <= 2147483647) return 5;
    }
  }
  return rdbLenSize(v.length) + v.length;
}

function serializedLength(c: Client, a: number): number {
  const ar = c.server.ks.arena;
  if (ar.type(a) === OBJ_STRING) return rdbStringSize(c.db.stringView(a));
  const o = ar.flags(a) & FLAG_OBJ ? ar.objs[ar.valLen(a)] as { serializedLength?: () => number; memoryUsage?: () => number } : undefined;
  if (o && typeof o.serializedLength === 'function') return o.serializedLength();
  return o && typeof o.memoryUsage === 'function' ? o.memoryUsage() : 0;
}

/**
 * Valkey shares the integers 0..9999 between keys (refcount INT_MAX) unless maxmemory with an
 * LRU/LFU policy needs per-key access times; OBJECT REFCOUNT reports the same.
 */
function refcount(c: Client, a: number): number {
  const s = c.server;
  const ar = s.ks.arena;
  if (ar.type(a) !== OBJ_STRING || ar.encoding(a) !== ENC_INT) return 1;
  if (s.maxmemory !== 0 && /lru|lfu/.test(s.config.str('maxmemory-policy'))) return 1;
  const v = parseInt64(c.db.stringView(a));
  return v !== null && v >= 0 && v < 10000 ? 2147483647 : 1;
}

function debugObject(c: Client, argv: Buffer[]): void {
  const fast = argv.length === 4 && isArg(argv[3]!, 'fast');
  const a = c.db.findRaw(argv[2]!);
  if (a === 0) { c.w.error(E.noSuchKey); return; }
  const ks = c.server.ks;
  const ar = ks.arena;
  const enc = ar.encoding(a);
  const lru = ar.lru(a);
  let s = `Value at:0x${(0x7f0000000000 + a * 8).toString(16)} refcount:${refcount(c, a)} encoding:${ENCODING_NAMES[enc] ?? 'unknown'}`;
  if (!fast) s += ` serializedlength:${serializedLength(c, a)}`;
  s += ` lru:${lru} lru_seconds_idle:${ks.idleSeconds(a)}`;
  s += ` lfu_freq:${ks.lfuDecr(lru)} lfu_access_time_minutes:${lru >>> 8}`;
  if (enc === ENC_QUICKLIST) s += quicklistExtra(c, a, fast);
  c.w.simple(s);
}

/** The ql_* fields of DEBUG OBJECT: taken from the list object when it exposes them. */
function quicklistExtra(c: Client, a: number, fast: boolean): string {
  const ar = c.server.ks.arena;
  const o = ar.objs[ar.valLen(a)] as {
    debugQuicklist?: () => { nodes: number; count: number; uncompressedSize: number; fill?: number };
    length?: number; size?: number;
  } | undefined;
  const info = o && typeof o.debugQuicklist === 'function' ? o.debugQuicklist() : null;
  const count = info ? info.count : (typeof o?.length === 'number' ? o.length : typeof o?.size === 'number' ? o.size : 0);
  const nodes = info ? info.nodes : 1;
  // The fill the quicklist was created with (clamped to -5..32767), else the config.
  const fill = info && typeof info.fill === 'number' ? info.fill : c.server.config.num('list-max-listpack-size');
  const compressed = c.server.config.num('list-compress-depth') !== 0 ? 1 : 0;
  let s = ` ql_nodes:${nodes} ql_avg_node:${(nodes ? count / nodes : 0).toFixed(2)} ql_listpack_max:${fill} ql_compressed:${compressed}`;
  if (!fast) s += ` ql_uncompressed_size:${info ? info.uncompressedSize : 0}`;
  return s;
}

// ------------------------------------------------------------------ RELOAD

export type ReloadHandler = (c: Client, opts: { merge: boolean; flush: boolean; save: boolean }) => string | null;
let reloadHandler: ReloadHandler | null = null;

/** Persistence installs the real save-flush-load cycle here. */
export function setReloadHandler(fn: ReloadHandler | null): void { reloadHandler = fn; }

/** DEBUG LOADAOF: the AOF module installs the flush-empty-reload cycle (returns an error text or null). */
export const debugHooks: { loadAof: ((c: Client) => string | null) | null } = { loadAof: null };

/** What loading does to a value of a type beyond copying it (e.g. re-choosing its encoding). */
export type ReloadFixup = (s: Server, db: Db, a: number) => void;
const reloadFixups = new Map<number, ReloadFixup>();
/** Lets a collection family apply its load-time conversions in the in-memory DEBUG RELOAD. */
export function registerTypeReload(type: number, fn: ReloadFixup): void { reloadFixups.set(type, fn); }

const RDB_LOAD_ERROR = 'ERR Error trying to load the RDB dump, check server logs.';

/**
 * Without persistence a save followed by a load gives back the same dataset, minus keys whose TTL
 * passed (a load skips them) and with access times reset. That is what this does; NOSAVE (load an
 * existing file) cannot be honoured and fails as a load failure does.
 */
export function inMemoryReload(c: Client, opts: { merge: boolean; flush: boolean; save: boolean }): string | null {
  const s = c.server;
  const ks = s.ks;
  if (!opts.save) {
    s.log.warning('DEBUG RELOAD NOSAVE: there is no RDB file to load (persistence is not available)');
    return RDB_LOAD_ERROR;
  }
  if (!opts.flush && !opts.merge && ks.totalKeys > 0) {
    s.log.warning('DEBUG RELOAD NOFLUSH: the snapshot would load keys that already exist');
    return RDB_LOAD_ERROR;
  }
  const now = Date.now();
  ks.now = now;
  const keepAccess = /lru|lfu/.test(s.config.str('maxmemory-policy'));
  for (const db of ks.dbs) {
    const expired: number[] = [];
    for (let i = 0; i < db.ttl.count; i++) {
      const a = db.ttl.addrs[i]!;
      if (ks.arena.expire(a) <= now) expired.push(a);
    }
    for (const a of expired) db.removeBlock(a);
    if (!keepAccess) db.dict.forEach((a) => ks.arena.setLru(a, ks.lruInit()));
    if (reloadFixups.size > 0) {
      db.dict.forEach((a) => {
        const fn = reloadFixups.get(ks.arena.type(a));
        if (fn) fn(s, db, a);
      });
    }
    // Watchers and trackers see the dataset replaced, as after emptyData().
    ks.changed(db.id, null, 'reload', 0);
  }
  ks.dirty = 0;
  s.lastSave = Math.floor(now / 1000);
  s.log.notice('DB reloaded by DEBUG RELOAD');
  return null;
}

function debugReload(c: Client, argv: Buffer[]): void {
  const opts = { merge: false, flush: true, save: true };
  for (let j = 2; j < argv.length; j++) {
    const o = argv[j]!;
    if (isArg(o, 'merge')) opts.merge = true;
    else if (isArg(o, 'noflush')) opts.flush = false;
    else if (isArg(o, 'nosave')) opts.save = false;
    else { c.w.error('ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.'); return; }
  }
  const err = (reloadHandler ?? inMemoryReload)(c, opts);
  if (err) c.w.error(err); else c.w.ok();
}

// ------------------------------------------------------------------ other subcommands

function debugProtocol(c: Client, name: Buffer): void {
  const w = c.w;
  const n = name.toString('latin1').toLowerCase();
  switch (n) {
    case 'string': w.bulk('Hello World'); break;
    case 'integer': w.int(12345); break;
    case 'double': w.double(3.141); break;
    case 'bignum': w.bigNumber('1234567999999999999999999999999999999'); break;
    case 'null': w.nil(); break;
    case 'array': w.arr(3); for (let j = 0; j < 3; j++) w.int(j); break;
    case 'set': w.set(3); for (let j = 0; j < 3; j++) w.int(j); break;
    case 'map': w.map(3); for (let j = 0; j < 3; j++) { w.int(j); w.bool(j === 1); } break;
    case 'attrib':
      if (c.resp >= 3) {
        w.attribute(1);
        w.bulk('key-popularity');
        w.arr(2); w.bulk('key:123'); w.int(90);
      }
      w.bulk('Some real reply following the attribute');
      break;
    case 'push':
      if (c.resp < 3) { w.error('ERR RESP2 is not supported by this command'); return; }
      w.push(2); w.bulk('server-cpu-usage'); w.int(42);
      w.bulk('Some real reply following the push reply');
      break;
    case 'true': w.bool(true); break;
    case 'false': w.bool(false); break;
    case 'verbatim': w.verbatim('This is a verbatim\nstring'); break;
    default:
      w.error('ERR Wrong protocol type name. Please use one of the following: ' +
        'string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false');
  }
}

function sleepSync(seconds: number): void {
  const ms = seconds * 1000;
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function debugPopulate(c: Client, argv: Buffer[]): void {
  const count = parseInt64(argv[2]!);
  if (count === null) { c.w.error(E.notInteger); return; }
  if (count < 0) { c.w.error(E.positive); return; }
  let valsize = 0;
  if (argv.length === 5) {
    const v = parseInt64(argv[4]!);
    if (v === null) { c.w.error(E.notInteger); return; }
    if (v < 0) { c.w.error(E.positive); return; }
    valsize = v;
  }
  const s = c.server;
  if (s.loading) { c.w.error(E.loading); return; }
  const prefix = argv.length >= 4 ? argv[3]!.toString('latin1') : 'key';
  const db = c.db;
  const ks = s.ks;
  const dirty = ks.dirty;
  for (let j = 0; j < count; j++) {
    const key = Buffer.from(`${prefix}:${j}`, 'latin1');
    if (db.existsNoSideEffects(key)) continue;
    const text = Buffer.from(`value:${j}`);
    let val: Buffer = text;
    if (valsize !== 0) {
      val = Buffer.alloc(valsize);
      text.copy(val, 0, 0, Math.min(valsize, text.length));
    }
    db.setString(key, val, 0);
    // Not a client write: watchers learn of it, the dirty counter does not.
    ks.changed(db.id, key, 'set', 0);
  }
  ks.dirty = dirty;
  c.w.ok();
}

function dictStatsText(label: string, buckets: number, elements: number): string {
  if (elements === 0) return `No stats available for empty dictionaries\n`;
  return `Hash table 0 stats (${label}):\n table size: ${buckets}\n number of elements: ${elements}\n`;
}

function debugHtstats(c: Client, argv: Buffer[]): void {
  const id = parseInt64(argv[2]!);
  if (id === null) { c.w.error(E.notInteger); return; }
  const dbs = c.server.ks.dbs;
  if (id < 0 || id >= dbs.length) { c.w.error('ERR Out of range database'); return; }
  const db = dbs[id]!;
  let out = '[Dictionary HT]\n';
  out += dictStatsText('main hash table', db.dict.bucketCount(), db.size);
  out += '[Expires HT]\n';
  out += dictStatsText('main hash table', db.ttl.addrs.length, db.expiresCount);
  c.w.verbatim(out);
}

function debugSdslen(c: Client, argv: Buffer[]): void {
  const a = c.db.findRaw(argv[2]!);
  if (a === 0) { c.w.error(E.noSuchKey); return; }
  const ar = c.server.ks.arena;
  if (ar.type(a) !== OBJ_STRING || ar.encoding(a) === ENC_INT) { c.w.error('ERR Not an sds encoded string.'); return; }
  const klen = ar.keyLen(a);
  const vlen = c.db.stringLength(a);
  const cap = ar.flags(a) & FLAG_OBJ ? (ar.objs[ar.valLen(a)] as { buf: Buffer }).buf.length : ar.capacity(a) - 32 - klen;
  c.w.simple(`key_sds_len:${klen}, key_sds_avail:0, key_zmalloc: ${klen}, val_sds_len:${vlen}, val_sds_avail:${Math.max(0, cap - vlen)}, val_zmalloc: ${cap}`);
}

/** DEBUG STRINGMATCH-TEST: random patterns against random strings; the matcher must neither throw nor hang. */
function stringmatchFuzz(): void {
  const alphabet = 'ab*?[]^-\\\\x';
  for (let i = 0; i < 1000; i++) {
    let p = '', s = '';
    const pl = Math.floor(Math.random() * 20), sl = Math.floor(Math.random() * 20);
    for (let j = 0; j < pl; j++) p += alphabet[Math.floor(Math.random() * alphabet.length)];
    for (let j = 0; j < sl; j++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
    stringMatch(p, s, false);
    stringMatch(p, s, true);
  }
}

const DEBUG_HELP = [
  'AOF-FLUSH-SLEEP <microsec>',
  '    Server will sleep before flushing the AOF, this is used for testing.',
  'CHANGE-REPL-ID',
  '    Change the replication IDs of the instance.',
  '    Dangerous: should be used only for testing the replication subsystem.',
  'CONFIG-REWRITE-FORCE-ALL',
  '    Like CONFIG REWRITE but writes all configuration options, including',
  '    keywords not listed in original configuration file or default values.',
  'DIGEST',
  '    Output a hex signature representing the current DB content.',
  'DIGEST-VALUE <key> [<key> ...]',
  '    Output a hex signature of the values of all the specified keys.',
  'ERROR <string>',
  '    Return a RESP protocol error with <string> as message. Useful for clients',
  '    unit tests to simulate error replies.',
  'LEAK <string>',
  '    Accepted for compatibility; nothing is leaked.',
  'LOG <message>',
  '    Write <message> to the server log.',
  'HTSTATS <dbid> [full]',
  '    Return hash table statistics of the specified database.',
  'JMAP',
  '    Write a summary of the JavaScript heap to the server log.',
  'LOADAOF',
  '    Flush the AOF buffers on disk and reload the AOF in memory.',
  'REPLICATE <string>',
  '    Replicates the provided string to replicas, allowing data divergence.',
  'OBJECT <key> [fast]',
  '    Show low level info about `key` and associated value.',
  '    Some fields of the default behavior may be time consuming to fetch,',
  '    and `fast` can be passed to avoid fetching them.',
  'POPULATE <count> [<prefix>] [<size>]',
  '    Create <count> string keys named key:<num>. If <prefix> is specified then',
  '    it is used instead of the \'key\' prefix. These are not propagated to',
  '    replicas.',
  'PROTOCOL <type>',
  '    Reply with a test value of the specified type. <type> can be: string,',
  '    integer, double, bignum, null, array, set, map, attrib, push, verbatim,',
  '    true, false.',
  'RELOAD [option ...]',
  '    Save the dataset and load it back. Valid <option> values:',
  '    * MERGE: conflicting keys will be loaded from the snapshot.',
  '    * NOFLUSH: the existing database will not be removed before load.',
  '    * NOSAVE: the database will be loaded from an existing snapshot.',
  'SDSLEN <key>',
  '    Show low level string info representing `key` and value.',
  'SET-ACTIVE-EXPIRE <0|1>',
  '    Setting it to 0 disables expiring keys in background when they are not',
  '    accessed (otherwise the behavior). Setting it to 1 reenables back the',
  '    default.',
  'QUICKLIST-PACKED-THRESHOLD <size>',
  '    Sets the threshold for elements to be inserted as plain vs packed nodes',
  '    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.',
  'SET-SKIP-CHECKSUM-VALIDATION <0|1>',
  '    Enables or disables checksum checks for RDB files and RESTORE\'s payload.',
  'SET-DISABLE-DENY-SCRIPTS <0|1>',
  '    Allow or forbid commands flagged noscript inside scripts.',
  'SLEEP <seconds>',
  '    Stop the server for <seconds>. Decimals allowed.',
  'STRINGMATCH-TEST',
  '    Run a fuzz tester against the glob matcher.',
  'STRUCTSIZE',
  '    Return the size of the core structures.',
  'LISTPACK <key>',
  '    Show low level info about the listpack encoding of <key>.',
  'QUICKLIST <key> [<0|1>]',
  '    Show low level info about the quicklist encoding of <key>.',
  'PAUSE-CRON <0|1>',
  '    Stop periodic cron job processing.',
  'REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>',
  '    Sets the time (in milliseconds) to wait between client reply buffer peak resets.',
  'REPLYBUFFER RESIZING <0|1>',
  '    Enable or disable the reply buffer resize cron job',
  'DICT-RESIZING <0|1>',
  '    Enable or disable the main dict and expire dict resizing.',
];

function debugCommand(c: Client, argv: Buffer[]): void {
  const s = c.server;
  const w = c.w;
  const argc = argv.length;
  const sub = argv[1]!.toString('latin1').toLowerCase();
  const st = debugSettings(s);
  switch (sub) {
    case 'help':
      if (argc !== 2) break;
      replyHelp(c, DEBUG_HELP);
      return;
    case 'log':
      if (argc !== 3) break;
      s.log.warning(`DEBUG LOG: ${argv[2]!.toString()}`);
      w.ok();
      return;
    case 'leak':
      if (argc !== 3) break;
      w.ok();
      return;
    case 'reload':
      debugReload(c, argv);
      return;
    case 'loadaof':
      {
        const err = debugHooks.loadAof ? debugHooks.loadAof(c) : 'ERR Error trying to load the AOF files, check server logs.';
        if (err !== null) w.error(err); else w.ok();
      }
      return;
    case 'object':
      if (argc !== 3 && argc !== 4) break;
      debugObject(c, argv);
      return;
    case 'sdslen':
      if (argc !== 3) break;
      debugSdslen(c, argv);
      return;
    case 'listpack':
    case 'quicklist': {
      if (sub === 'listpack' ? argc !== 3 : argc !== 3 && argc !== 4) break;
      const a = c.db.lookup(argv[2]!, 1 /* NOTOUCH */);
      if (a === 0) { w.error(E.noSuchKey); return; }
      const enc = s.ks.arena.encoding(a);
      const want = sub === 'listpack' ? ENC_LISTPACK : ENC_QUICKLIST;
      if (enc !== want) { w.error(sub === 'listpack' ? 'ERR Not a listpack encoded object.' : 'ERR Not a quicklist encoded object.'); return; }
      s.log.notice(`DEBUG ${sub.toUpperCase()} ${argv[2]!.toString()}: encoding ${ENCODING_NAMES[enc]}${s.ks.arena.type(a) === OBJ_LIST ? quicklistExtra(c, a, false) : ''}`);
      w.simple(sub === 'listpack' ? 'Listpack structure printed on stdout' : 'Quicklist structure printed on stdout');
      return;
    }
    case 'populate':
      if (argc < 3 || argc > 5) break;
      debugPopulate(c, argv);
      return;
    case 'digest': {
      if (argc !== 2) break;
      w.simple(datasetDigest(s));
      return;
    }
    case 'digest-value': {
      w.arr(argc - 2);
      for (let j = 2; j < argc; j++) {
        const d = Buffer.alloc(20);
        const a = c.db.findRaw(argv[j]!);
        if (a !== 0) objectDigest(c.db, a, d);
        w.simple(d.toString('hex'));
      }
      return;
    }
    case 'protocol':
      if (argc !== 3) break;
      debugProtocol(c, argv[2]!);
      return;
    case 'sleep':
      if (argc !== 3) break;
      sleepSync(strtod(argv[2]!));
      w.ok();
      return;
    case 'set-active-expire':
      if (argc !== 3) break;
      s.activeExpireEnabled = atoi(argv[2]!) !== 0;
      w.ok();
      return;
    case 'quicklist-packed-threshold': {
      if (argc !== 3) break;
      const sz = memtoull(argv[2]!.toString('latin1'));
      if (sz === null || sz > 2 ** 32 - 1) {
        w.error('ERR argument must be a memory value bigger than 1 and smaller than 4gb');
        return;
      }
      st.quicklistPackedThreshold = sz === 0 ? DEFAULT_PACKED_THRESHOLD : sz;
      w.ok();
      return;
    }
    case 'set-skip-checksum-validation':
      if (argc !== 3) break;
      st.skipChecksumValidation = atoi(argv[2]!) !== 0;
      w.ok();
      return;
    case 'aof-flush-sleep':
      if (argc !== 3) break;
      st.aofFlushSleepUs = atoi(argv[2]!);
      w.ok();
      return;
    case 'replicate':
      if (argc < 3) break;
      // There are no replicas to feed.
      w.ok();
      return;
    case 'error': {
      if (argc !== 3) break;
      w.error(argv[2]!.toString().replace(/[\r\n]/g, ' '));
      return;
    }
    case 'structsize':
      if (argc !== 2) break;
      w.bulk('bits:64 block_header:32 hash_bucket:4 ttl_index_entry:4 ');
      return;
    case 'htstats':
      if (argc < 3) break;
      debugHtstats(c, argv);
      return;
    case 'htstats-key': {
      if (argc < 3) break;
      const a = c.db.lookup(argv[2]!, 1);
      if (a === 0) { w.error(E.noSuchKey); return; }
      const ar = s.ks.arena;
      const enc = ar.encoding(a);
      if (enc !== ENC_HT && enc !== ENC_SKIPLIST) {
        w.error('ERR The value stored at the specified key is not represented using an hash table');
        return;
      }
      const o = ar.objs[ar.valLen(a)] as { size?: number; length?: number } | undefined;
      const n = typeof o?.size === 'number' ? o.size : typeof o?.length === 'number' ? o.length : 0;
      let buckets = 4;
      while (buckets < n) buckets *= 2;
      w.verbatim(dictStatsText('main hash table', buckets, n));
      return;
    }
    case 'change-repl-id':
      if (argc !== 2) break;
      s.log.notice('Changing replication IDs after receiving DEBUG change-repl-id');
      changeReplicationId(s);
      w.ok();
      return;
    case 'stringmatch-test':
    case 'stringmatch-len':
      if (argc !== 2) break;
      stringmatchFuzz();
      w.simple('Apparently the server did not crash: test passed');
      return;
    case 'set-disable-deny-scripts':
      if (argc !== 3) break;
      st.disableDenyScripts = atoi(argv[2]!) !== 0;
      w.ok();
      return;
    case 'config-rewrite-force-all': {
      if (argc !== 2) break;
      const err = s.config.rewrite(undefined, { force: true });
      if (err === null) { w.ok(); return; }
      const prefix = 'ERR Rewriting config file: ';
      w.error(`ERR CONFIG-REWRITE-FORCE-ALL failed: ${err.startsWith(prefix) ? err.slice(prefix.length) : err.replace(/^ERR /, '')}`);
      return;
    }
    case 'client-eviction':
      if (argc !== 2) break;
      w.error('ERR maxmemory-clients is disabled.');
      return;
    case 'jmap': {
      if (argc !== 2) break;
      const m = process.memoryUsage();
      s.log.notice(`DEBUG JMAP: rss=${m.rss} heap_total=${m.heapTotal} heap_used=${m.heapUsed} external=${m.external} array_buffers=${m.arrayBuffers}`);
      w.ok();
      return;
    }
    case 'pause-cron':
      if (argc !== 3) break;
      st.pauseCron = atoi(argv[2]!) !== 0;
      s.cronPaused = st.pauseCron;
      w.ok();
      return;
    case 'replybuffer': {
      if (argc !== 4) break;
      const what = argv[2]!;
      if (isArg(what, 'peak-reset-time')) {
        if (isArg(argv[3]!, 'never')) st.replyBufferPeakResetTimeMs = -1;
        else if (isArg(argv[3]!, 'reset')) st.replyBufferPeakResetTimeMs = 5000;
        else {
          const v = parseInt64(argv[3]!);
          if (v === null) { w.error(E.notInteger); return; }
          st.replyBufferPeakResetTimeMs = v;
        }
      } else if (isArg(what, 'resizing')) {
        st.replyBufferResizing = atoi(argv[3]!) !== 0;
      } else break;
      w.ok();
      return;
    }
    case 'pause-after-fork':
      if (argc !== 3) break;
      st.pauseAfterFork = atoi(argv[2]!) !== 0;
      w.ok();
      return;
    case 'delay-rdb-client-free-seconds':
      if (argc !== 3) break;
      st.delayRdbClientFreeSeconds = atoi(argv[2]!);
      w.ok();
      return;
    case 'dict-resizing':
      if (argc !== 3) break;
      st.dictResizing = atoi(argv[2]!) !== 0;
      for (const db of s.ks.dbs) db.dict.resizeAllowed = st.dictResizing;
      w.ok();
      return;
  }
  w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1').slice(0, 128), argv[0]!.toString('latin1')));
}

export function registerDebug(r: Registry): void {
  r.handle('debug', debugCommand);
}
