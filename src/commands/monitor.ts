// Server introspection and control: MONITOR, SLOWLOG, LATENCY, SHUTDOWN.
import type { Registry, Command } from './registry.js';
import type { Client } from '../server/client.js';
import type { Server } from '../server/server.js';
import type { LatencyEvent } from '../server/latency.js';
import { E } from '../errors.js';
import { parseInt64 } from '../util/number.js';
import { isArg, lower } from './util.js';
import { clientInfoString, replyHelp } from './client.js';

// ------------------------------------------------------------------ MONITOR

function monitor(c: Client): void {
  if (c.denyBlocking) { c.w.error("ERR MONITOR isn't allowed for DENY BLOCKING client"); return; }
  // Already monitoring (or a replica link): ignored, without a reply, as Valkey does.
  if (c.monitor || c.extraFlags.includes('S')) return;
  c.monitor = true;
  c.server.monitors.add(c);
  c.w.ok();
}

// ------------------------------------------------------------------ SLOWLOG

function slowlogGet(c: Client, argv: Buffer[]): void {
  const log = c.server.slowlog;
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString(), 'slowlog')); return; }
  let count = 10;
  if (argv.length === 3) {
    const n = parseInt64(argv[2]!);
    if (n === null || n < -1) { c.w.error('ERR count should be greater than or equal to -1'); return; }
    count = n === -1 ? log.entries.length : n;
  }
  count = Math.min(count, log.entries.length);
  const w = c.w;
  w.arr(count);
  for (let i = 0; i < count; i++) {
    const e = log.entries[i]!;
    w.arr(6);
    w.int(e.id);
    w.int(e.time);
    w.int(e.durationUs);
    w.arr(e.args.length);
    for (const a of e.args) w.bulk(a);
    w.bulk(e.addr);
    w.bulk(e.name);
  }
}

function slowlogLen(c: Client): void { c.w.int(c.server.slowlog.entries.length); }

function slowlogReset(c: Client): void {
  c.server.slowlog.reset();
  c.w.ok();
}

function slowlogHelp(c: Client): void {
  replyHelp(c, [
    'GET [<count>]',
    '    Return the <count> most recent entries of the slow log (default: 10, -1 for all).',
    '    Each entry holds: id, unix timestamp, execution time in microseconds,',
    '    the arguments, the client address, and the client name.',
    'LEN',
    '    Return the number of entries in the slow log.',
    'RESET',
    '    Empty the slow log.',
  ]);
}

// ------------------------------------------------------------------ LATENCY

function latencyLatest(c: Client): void {
  const w = c.w;
  const events = [...c.server.latency.events.values()];
  w.arr(events.length);
  for (const e of events) {
    const last = e.samples[e.samples.length - 1];
    w.arr(4);
    w.bulk(e.name);
    w.int(last ? last.time : 0);
    w.int(last ? last.latency : 0);
    w.int(e.max);
  }
}

function latencyHistory(c: Client, argv: Buffer[]): void {
  const e = c.server.latency.get(argv[2]!.toString());
  const samples = e ? e.samples : [];
  c.w.arr(samples.length);
  for (const s of samples) { c.w.arr(2); c.w.int(s.time); c.w.int(s.latency); }
}

function latencyReset(c: Client, argv: Buffer[]): void {
  const names = argv.slice(2).map((a) => a.toString());
  c.w.int(c.server.latency.reset(names));
}

/** "12s" / "3m" / "2h" / "1d": how long ago a sample was taken. */
function agoLabel(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

const GRAPH_COLS = 80;
const GRAPH_ROWS = 4;

/**
 * An ASCII chart of an event's samples: one column per sample (oldest first, wrapped every 80
 * columns), bar heights scaled between the lowest and highest sample, and below each column the
 * sample's age written vertically.
 */
function latencyGraphText(e: LatencyEvent): string {
  const samples = e.samples;
  let min = 0, max = 0;
  samples.forEach((s, i) => {
    if (i === 0 || s.latency < min) min = s.latency;
    if (i === 0 || s.latency > max) max = s.latency;
  });
  let out = `${e.name} - high ${max} ms, low ${min} ms (all time high ${e.max} ms)\n`;
  out += '-'.repeat(GRAPH_COLS) + '\n';
  const nowS = Math.floor(Date.now() / 1000);
  const range = max - min || 1;
  const levels = GRAPH_ROWS * 3;
  for (let start = 0; start < samples.length; start += GRAPH_COLS) {
    if (start !== 0) out += '\n';
    const part = samples.slice(start, start + GRAPH_COLS);
    const heights = part.map((s) => Math.min(levels - 1, Math.floor(((s.latency - min) * levels) / range)));
    for (let row = GRAPH_ROWS - 1; row >= 0; row--) {
      let line = '';
      for (const h of heights) {
        const inRow = h - row * 3;
        line += inRow >= 3 ? '|' : inRow >= 0 ? '_o#'[inRow]! : ' ';
      }
      out += line + '\n';
    }
    const labels = part.map((s) => agoLabel(nowS - s.time));
    const depth = Math.max(...labels.map((l) => l.length));
    out += ' '.repeat(part.length) + '\n';
    for (let r = 0; r < depth; r++) {
      out += labels.map((l) => l[r] ?? ' ').join('') + '\n';
    }
  }
  return out;
}

function latencyGraph(c: Client, argv: Buffer[]): void {
  const name = argv[2]!.toString();
  const e = c.server.latency.get(name);
  if (!e || e.samples.length === 0) { c.w.error(`ERR No samples available for event '${name}'`); return; }
  c.w.verbatim(latencyGraphText(e));
}

/** A plain-language report on the recorded latency events. */
function latencyDoctorText(s: Server): string {
  const events = [...s.latency.events.values()];
  const threshold = s.latencyThresholdMs;
  if (events.length === 0) {
    if (threshold === 0) {
      return 'Latency monitoring is disabled on this Peregrine instance, so there is nothing to analyse. ' +
        'Enable it with "CONFIG SET latency-monitor-threshold <milliseconds>".\n';
    }
    return `No latency spike above the ${threshold} ms threshold has been recorded since the latency ` +
      'monitor was enabled or last reset.\n';
  }
  let out = 'Latency report for this Peregrine instance.\n\n';
  const nowS = Math.floor(Date.now() / 1000);
  let commandEvents = false, expireEvents = false;
  events.forEach((e, i) => {
    const n = e.samples.length;
    const sum = e.samples.reduce((a, x) => a + x.latency, 0);
    const avg = n ? Math.round(sum / n) : 0;
    const first = n ? e.samples[0]!.time : nowS;
    const period = n > 1 ? Math.round((e.samples[n - 1]!.time - first) / (n - 1)) : 0;
    out += `${i + 1}. ${e.name}: ${n} latency spikes (average ${avg} ms, highest ${e.max} ms), ` +
      `the oldest ${agoLabel(nowS - first)} ago` + (n > 1 ? `, one every ${period} s on average.` : '.') + '\n';
    if (e.name === 'command' || e.name === 'fast-command') commandEvents = true;
    if (e.name.startsWith('expire')) expireEvents = true;
  });
  out += '\nSuggestions:\n\n';
  let k = 0;
  if (commandEvents) {
    out += `- ${++k}. Slow commands were recorded: look at SLOWLOG GET to find them. Commands that work on ` +
      'large collections (KEYS, SMEMBERS, HGETALL, LRANGE over whole lists, SORT, ...) are the usual cause; ' +
      'prefer incremental forms such as SCAN, SSCAN, HSCAN and ZSCAN.\n';
    const slower = s.slowlog.threshold;
    if (slower < 0 || slower > threshold * 1000) {
      out += `- ${++k}. The slow log threshold (slowlog-log-slower-than) is ${slower < 0 ? 'disabled' : `${slower} us`}, ` +
        `above the latency monitor threshold of ${threshold} ms: lower it so the slow commands get logged.\n`;
    }
  }
  if (expireEvents) {
    out += `- ${++k}. Key expiry took a long time: many keys expiring at the same moment block the server; ` +
      'spread expire times, or delete large keys with UNLINK.\n';
  }
  if (k === 0) out += '- No specific advice for these events.\n';
  return out;
}

function latencyDoctor(c: Client): void { c.w.verbatim(latencyDoctorText(c.server)); }

/** Valkey's HDR histogram reports at 1024 ns, 2048 ns, ...; each level is shown in µs as the highest
 *  value equivalent to it at 2 significant digits. */
function levelMicros(k: number): number {
  const ns = 1024 * 2 ** k;
  return Math.floor((ns + ns / 128 - 1) / 1000);
}

/** The {calls, histogram_usec} map of one command. */
function writeCommandHistogram(c: Client, cmd: Command): void {
  const h = cmd.latency;
  const w = c.w;
  const counts = h.counts;
  // Cumulative counts at power-of-two levels; the fine buckets are 1/16 of a power of two wide.
  const points: Array<[number, number]> = [];
  let cum = 0, prev = 0, idx = 0;
  for (let k = 0; cum < h.total && k < 64; k++) {
    const last = Math.min(counts.length - 1, 16 * k);
    while (idx <= last) cum += counts[idx++]!;
    if (k === 63) while (idx < counts.length) cum += counts[idx++]!;
    if (cum > prev) points.push([levelMicros(k), cum]);
    prev = cum;
  }
  w.map(2);
  w.bulk('calls'); w.int(h.total);
  w.bulk('histogram_usec');
  w.map(points.length);
  for (const [us, n] of points) { w.int(us); w.int(n); }
}

function latencyHistogram(c: Client, argv: Buffer[]): void {
  const reg = c.server.registry;
  const picked: Command[] = [];
  if (argv.length === 2) {
    for (const cmd of reg.allImplemented()) if (cmd.latency.total > 0) picked.push(cmd);
  } else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = reg.lookupName(argv[i]!.toString());
      if (!cmd) continue;
      if (cmd.latency.total > 0) picked.push(cmd);
      if (cmd.subcommands) for (const sub of reg.implementedSubcommands(cmd)) if (sub.latency.total > 0) picked.push(sub);
    }
  }
  c.w.map(picked.length);
  for (const cmd of picked) {
    c.w.bulk(cmd.fullName);
    writeCommandHistogram(c, cmd);
  }
}

function latencyHelp(c: Client): void {
  replyHelp(c, [
    'DOCTOR',
    '    Return a report on the recorded latency events, with suggestions.',
    'GRAPH <event>',
    '    Return an ASCII chart of the samples of the <event> class.',
    'HISTORY <event>',
    '    Return the (timestamp, latency) samples of the <event> class.',
    'LATEST',
    '    Return the most recent sample of every event class.',
    'RESET [<event> ...]',
    '    Delete the samples of the given event classes',
    '    (default: of every event class).',
    'HISTOGRAM [COMMAND ...]',
    '    Return the cumulative latency distribution of the given commands,',
    '    or of every command that has run when none is given.',
  ]);
}

// ------------------------------------------------------------------ SHUTDOWN

/**
 * Persistence hook for SHUTDOWN: saves the dataset synchronously and returns null, or an error
 * text. Set by the persistence subsystem; while it is null there is nothing that can save.
 */
export const shutdownHooks: { save: ((s: Server) => string | null) | null } = { save: null };

function shutdown(c: Client, argv: Buffer[]): void {
  let nosave = false, save = false, now = false, force = false, abort = false;
  for (let i = 1; i < argv.length; i++) {
    const a = lower(argv[i]!);
    if (a === 'nosave') nosave = true;
    else if (a === 'save') save = true;
    else if (a === 'now') now = true;
    else if (a === 'force') force = true;
    else if (a === 'safe' || a === 'failover') { /* no replicas or cluster to hand over to */ }
    else if (a === 'abort') abort = true;
    else { c.w.error(E.syntax); return; }
  }
  if ((abort && argv.length > 2) || (nosave && save)) { c.w.error(E.syntax); return; }
  const s = c.server;
  // Shutdown never waits for replicas here, so there is never one in progress to abort.
  if (abort) { c.w.error('ERR No shutdown in progress.'); return; }
  if (!now && c.denyBlocking) {
    c.w.error("ERR SHUTDOWN without NOW or ABORT isn't allowed for DENY BLOCKING client");
    return;
  }
  if (s.loading) { nosave = true; save = false; }
  const info = clientInfoString(c, c);
  const requested = `User requested shutdown... (user request from '${s.config.bool('hide-user-data-from-log') ? redactInfo(info) : info}')`;
  const wantSave = save || (!nosave && s.config.saveParams().length > 0);
  if (wantSave) {
    if (shutdownHooks.save) {
      s.log.notice('Saving the final RDB snapshot before exiting.');
      const err = shutdownHooks.save(s);
      if (err !== null && !force) return failShutdown(c, requested, 'Error trying to save the DB, can\'t exit.');
      if (err !== null) s.log.warning('Error trying to save the DB. Exit anyway.');
    } else if (save) {
      // An explicit SAVE cannot be honoured: there is no persistence, and pretending would lose data silently.
      if (!force) return failShutdown(c, requested, 'Error trying to save the DB, can\'t exit: persistence is not available.');
      s.log.warning('Error trying to save the DB (persistence is not available). Exit anyway.');
    } else {
      s.log.notice('Not saving a final RDB snapshot: persistence is not available.');
    }
  }
  // No reply: the connection closes with the server.
  c.closeAfterReply = true;
  queueMicrotask(() => { void s.shutdown(requested); });
}

function failShutdown(c: Client, requested: string, why: string): void {
  const s = c.server;
  s.log.notice(requested);
  s.log.warning(why);
  s.log.warning('Errors trying to shut down the server. Check the logs for more information.');
  c.w.error(E.shutdownErrors);
}

function redactInfo(info: string): string {
  return info.replace(/ name=\S*/, ' name=*redacted*').replace(/ user=\S*/, ' user=*redacted*');
}

export function registerMonitor(r: Registry): void {
  r.handle('monitor', monitor);
  r.handle('slowlog|get', slowlogGet);
  r.handle('slowlog|len', slowlogLen);
  r.handle('slowlog|reset', slowlogReset);
  r.handle('slowlog|help', slowlogHelp);
  r.handle('latency|latest', latencyLatest);
  r.handle('latency|history', latencyHistory);
  r.handle('latency|reset', latencyReset);
  r.handle('latency|graph', latencyGraph);
  r.handle('latency|doctor', latencyDoctor);
  r.handle('latency|histogram', latencyHistogram);
  r.handle('latency|help', latencyHelp);
  r.handle('shutdown', shutdown);
}
