// Server introspection and administration: INFO, CONFIG, MEMORY, TIME and LASTSAVE.
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import type { Registry } from './registry.js';
import { redactArg, type Client } from '../server/client.js';
import { isLocal } from '../server/server.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { parseInt64 } from '../util/number.js';
import { FLAG_OBJ } from '../store/arena.js';
import { genInfo, memoryOverview, resetStats, bytesToHuman } from '../server/info.js';
import { timeFreeze } from '../server/dispatch.js';

/**
 * A HELP reply: "<CMD> <subcommand> [<arg> [value] [opt] ...]. Subcommands are:", the lines,
 * then HELP's own entry, all as status replies.
 */
export function replyHelp(c: Client, lines: string[]): void {
  const w = c.w;
  w.arr(lines.length + 3);
  w.simple(`${c.argv[0]!.toString('latin1').toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) w.simple(l);
  w.simple('HELP');
  w.simple('    Print this help.');
}

/** The error for an unknown subcommand or a subcommand with the wrong arguments. */
export function subcommandSyntaxError(c: Client): void {
  c.w.error(E.unknownSubcommandOrArgs(c.argv[1]!.toString('latin1').slice(0, 128), c.argv[0]!.toString('latin1')));
}

// ------------------------------------------------------------------ INFO

function infoCommand(c: Client, argv: Buffer[]): void {
  const args: string[] = [];
  for (let i = 1; i < argv.length; i++) args.push(argv[i]!.toString('latin1'));
  c.w.verbatim(genInfo(c.server, args));
}

// ------------------------------------------------------------------ CONFIG

function configGet(c: Client, argv: Buffer[]): void {
  const patterns: string[] = [];
  for (let i = 2; i < argv.length; i++) patterns.push(argv[i]!.toString());
  const pairs = c.server.config.matchGet(patterns);
  const w = c.w;
  w.map(pairs.length);
  for (const [k, v] of pairs) { w.bulk(k); w.bulk(v); }
}

function configSet(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 !== 0) { c.w.error(E.syntax); return; }
  const pairs: Array<[string, string]> = [];
  const cfg = c.server.config;
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i]!.toString();
    pairs.push([name, argv[i + 1]!.toString()]);
    // Secrets never reach SLOWLOG or MONITOR, whatever the outcome.
    if (cfg.isSensitive(name)) redactArg(argv, i + 1);
  }
  const err = cfg.setMany(pairs, { local: isLocal(c) });
  if (err !== null) { c.w.error(err); return; }
  c.w.ok();
}

function configResetStat(c: Client): void {
  resetStats(c.server);
  c.w.ok();
}

function configRewrite(c: Client): void {
  const s = c.server;
  const err = s.config.rewrite();
  if (err !== null) {
    if (err.startsWith('ERR Rewriting')) s.log.warning(`CONFIG REWRITE failed: ${err.slice('ERR Rewriting config file: '.length)}`);
    c.w.error(err);
    return;
  }
  s.log.notice('CONFIG REWRITE executed with success.');
  c.w.ok();
}

const CONFIG_HELP = [
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
];

// ------------------------------------------------------------------ MEMORY

/** Bytes used by the key: its arena block plus the out-of-line object, if any. */
export function keyMemoryUsage(c: Client, a: number, samples = 5): number {
  const ar = c.server.ks.arena;
  let n = ar.capacity(a);
  if (ar.flags(a) & FLAG_OBJ) {
    // Collections may estimate from `samples` elements (0 = all), as Valkey does.
    const o = ar.objs[ar.valLen(a)] as { memoryUsage?: (samples?: number) => number } | undefined;
    if (o && typeof o.memoryUsage === 'function') n += o.memoryUsage(samples);
  }
  // The bucket slot that points at the block.
  return n + 4;
}

function memoryUsage(c: Client, argv: Buffer[]): void {
  let samples = 5;
  for (let j = 3; j < argv.length; j++) {
    if (isArg(argv[j]!, 'samples') && j + 1 < argv.length) {
      const n = parseInt64(argv[j + 1]!);
      if (n === null) { c.w.error(E.notInteger); return; }
      if (n < 0) { c.w.error(E.syntax); return; }
      samples = n;
      j++;
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const a = c.db.findRaw(argv[2]!);
  if (a === 0) { c.w.nil(); return; }
  c.w.int(keyMemoryUsage(c, a, samples));
}

function memoryStats(c: Client): void {
  const s = c.server;
  const mo = memoryOverview(s);
  const w = c.w;
  const entries: Array<[string, number | 'double', number?]> = [];
  const int = (k: string, v: number) => entries.push([k, Math.floor(v)]);
  const dbl = (k: string, v: number) => entries.push([k, 'double', Number.isFinite(v) ? v : 0]);
  const heap = process.memoryUsage();
  const active = heap.heapTotal + heap.external;
  int('peak.allocated', mo.peak);
  int('total.allocated', mo.used);
  int('startup.allocated', mo.startup);
  int('replication.backlog', 0);
  int('clients.slaves', 0);
  int('clients.normal', mo.clientsNormal);
  int('cluster.links', 0);
  int('aof.buffer', 0);
  int('lua.caches', 0);
  int('functions.caches', 0);
  const dbStart = entries.length;
  int('overhead.db.hashtable.lut', mo.lut);
  int('overhead.db.hashtable.rehashing', mo.rehashingOverhead);
  int('overhead.total', mo.overheadTotal);
  int('db.dict.rehashing.count', mo.rehashingCount);
  int('keys.count', mo.keys);
  int('keys.bytes-per-key', mo.keys ? Math.floor((mo.used - mo.startup) / mo.keys) : 0);
  int('dataset.bytes', mo.dataset);
  dbl('dataset.percentage', (mo.dataset * 100) / Math.max(1, mo.used - mo.startup));
  dbl('peak.percentage', (mo.used * 100) / Math.max(1, mo.peak));
  int('allocator.allocated', mo.used);
  int('allocator.active', active);
  int('allocator.resident', mo.rss);
  int('allocator.muzzy', 0);
  dbl('allocator-fragmentation.ratio', active / Math.max(1, mo.used));
  int('allocator-fragmentation.bytes', Math.max(0, active - mo.used));
  dbl('allocator-rss.ratio', mo.rss / Math.max(1, active));
  int('allocator-rss.bytes', mo.rss - active);
  dbl('rss-overhead.ratio', 1);
  int('rss-overhead.bytes', 0);
  dbl('fragmentation', mo.rss / Math.max(1, mo.used));
  int('fragmentation.bytes', mo.rss - mo.used);
  w.map(entries.length + mo.perDb.length);
  for (let i = 0; i < entries.length; i++) {
    if (i === dbStart) {
      for (const d of mo.perDb) {
        w.bulk(`db.${d.id}`);
        w.map(2);
        w.bulk('overhead.hashtable.main'); w.int(d.main);
        w.bulk('overhead.hashtable.expires'); w.int(d.expires);
      }
    }
    const [k, v, d] = entries[i]!;
    w.bulk(k);
    if (v === 'double') w.double(d!); else w.int(v);
  }
}

function memoryDoctor(c: Client): void {
  const mo = memoryOverview(c.server);
  const issues: string[] = [];
  if (mo.used < 5 * 1024 * 1024) {
    c.w.verbatim('This instance is empty or uses very little memory, so there is nothing to analyze. ' +
      'Run MEMORY DOCTOR again once the dataset has grown.\n');
    return;
  }
  if (mo.peak / mo.used > 1.5) {
    issues.push(` * Peak memory: at some point memory use reached ${bytesToHuman(mo.peak)}, ` +
      `more than 150% of the current ${bytesToHuman(mo.used)}. Memory freed since then may not have been returned to the operating system, which explains a high RSS.`);
  }
  const frag = mo.rss / Math.max(1, mo.used);
  if (frag > 1.4) {
    issues.push(` * High RSS overhead: the process RSS (${bytesToHuman(mo.rss)}) is ${frag.toFixed(2)} times the memory in use. ` +
      'The JavaScript heap keeps free space around after large deletions; it shrinks again as the collector compacts it.');
  }
  if (mo.clientsNormal > 200 * 1024 * 1024) {
    issues.push(` * Big client buffers: normal clients hold ${bytesToHuman(mo.clientsNormal)} in query and output buffers. ` +
      'Check CLIENT LIST for clients with large qbuf or omem values.');
  }
  if (issues.length === 0) {
    c.w.verbatim('No memory problem found in this instance.\n');
    return;
  }
  c.w.verbatim(`Memory report:\n\n${issues.join('\n\n')}\n`);
}

function memoryMallocStats(c: Client): void {
  const h = v8.getHeapStatistics();
  let out = `___ Begin V8 heap statistics ___\n`;
  for (const [k, v] of Object.entries(h)) out += `${k}: ${v}\n`;
  for (const sp of v8.getHeapSpaceStatistics()) {
    out += `space ${sp.space_name}: size=${sp.space_size} used=${sp.space_used_size} available=${sp.space_available_size} physical=${sp.physical_space_size}\n`;
  }
  const ar = c.server.ks.arena;
  out += `arena: slab_bytes=${ar.slabBytes} used_bytes=${ar.usedBytes} free_bytes=${ar.fragmentationBytes()}\n`;
  out += `--- End V8 heap statistics ---\n`;
  c.w.verbatim(out);
}

function memoryPurge(c: Client): void {
  const g = globalThis as { gc?: () => void };
  if (typeof g.gc === 'function') g.gc();
  c.w.ok();
}

const MEMORY_HELP = [
  'DOCTOR',
  '    Return memory problems reports.',
  'MALLOC-STATS',
  '    Return internal statistics report from the memory allocator.',
  'PURGE',
  '    Attempt to purge dirty pages for reclamation by the allocator.',
  'STATS',
  '    Return information about the memory usage of the server.',
  'USAGE <key> [SAMPLES <count>]',
  '    Return memory in bytes used by <key> and its value. Nested values are',
  '    sampled up to <count> times (default: 5, 0 means sample all).',
];

// ------------------------------------------------------------------ TIME, LASTSAVE

function timeCommand(c: Client): void {
  // Inside a script the time is the one the script started at (Valkey freezes it).
  const us = timeFreeze.on ? c.server.ks.now * 1000 : Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const sec = Math.floor(us / 1e6);
  c.w.arr(2);
  c.w.bulk(String(sec));
  c.w.bulk(String(us - sec * 1e6));
}

export function registerServer(r: Registry): void {
  r.handle('info', infoCommand);
  r.handle('config|get', configGet);
  r.handle('config|set', configSet);
  r.handle('config|resetstat', (c) => configResetStat(c));
  r.handle('config|rewrite', (c) => configRewrite(c));
  r.handle('config|help', (c) => replyHelp(c, CONFIG_HELP));
  r.handle('memory|usage', memoryUsage);
  r.handle('memory|stats', (c) => memoryStats(c));
  r.handle('memory|doctor', (c) => memoryDoctor(c));
  r.handle('memory|malloc-stats', (c) => memoryMallocStats(c));
  r.handle('memory|purge', (c) => memoryPurge(c));
  r.handle('memory|help', (c) => replyHelp(c, MEMORY_HELP));
  r.handle('time', (c) => timeCommand(c));
  r.handle('lastsave', (c) => c.w.int(c.server.lastSave));
}
