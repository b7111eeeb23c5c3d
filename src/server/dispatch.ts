// processCommand and call: every generic check happens here, once, before any handler runs —
// command lookup, arity, protected commands, authentication, transaction queueing, and the
// hooks for ACL, cluster redirects, OOM, read-only replicas and client pause. Handlers only do
// their own work.
import { performance } from 'node:perf_hooks';
import { CMD, Command } from '../commands/registry.js';
import { E } from '../errors.js';
import type { Client } from './client.js';
import { CLIENT_REPLY_OFF, CLIENT_REPLY_ON, CLIENT_REPLY_SKIP } from './client.js';
import type { Server } from './server.js';

function preview(argv: Buffer[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    const s = argv[i]!.toString('latin1');
    args += `'${s.slice(0, 128 - args.length)}' `;
  }
  return args;
}

/** Commands that run immediately inside MULTI instead of being queued. */
export function runsInsideMulti(cmd: Command): boolean {
  const n = cmd.parent ? cmd.parent.name : cmd.name;
  return n === 'exec' || n === 'discard' || n === 'multi' || n === 'watch' || n === 'quit' || n === 'reset';
}

// Top-level command lookup from the name bytes, without making a string per request: names
// resolved once are kept in a table keyed by (length, first and last byte folded to lowercase)
// and compared case-insensitively byte by byte. Registries only ever gain commands, so entries
// never go stale; the table belongs to one registry (tests run several servers in a process).
interface NameEntry { name: Uint8Array; cmd: Command }
let nameOwner: unknown = null;
let nameTable = new Map<number, NameEntry[]>();
const NAME_MAX = 64;

function nameKey(b: Uint8Array): number {
  const n = b.length;
  return (n << 16) | ((b[0]! | 0x20) << 8) | (b[n - 1]! | 0x20);
}

// The name Buffer of the last lookup: the parser hands out one Buffer per distinct name it has
// seen (RespParser.commandName), so a client repeating a command repeats the object.
let lastName: Buffer | null = null;
let lastCmd: Command | undefined;

function lookupTop(s: Server, name: Buffer): Command | undefined {
  const reg = s.registry;
  if (name === lastName && nameOwner === reg) return lastCmd;
  const cmd = lookupTopSlow(s, name);
  // Only names from the table are remembered by identity (never a name that failed).
  if (cmd !== undefined) { lastName = name; lastCmd = cmd; }
  return cmd;
}

function lookupTopSlow(s: Server, name: Buffer): Command | undefined {
  const reg = s.registry;
  if (nameOwner !== reg) { nameOwner = reg; nameTable = new Map(); lastName = null; }
  const n = name.length;
  if (n === 0 || n > NAME_MAX) return reg.lookup(name);
  const list = nameTable.get(nameKey(name));
  if (list !== undefined) {
    next: for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      const nb = e.name;
      for (let j = 0; j < n; j++) {
        let ch = name[j]!;
        if (ch >= 65 && ch <= 90) ch |= 0x20;
        if (ch !== nb[j]) continue next;
      }
      return e.cmd;
    }
  }
  const cmd = reg.lookup(name);
  if (cmd !== undefined && cmd.name.length === n) {
    const nb = Buffer.from(cmd.name, 'latin1');
    const k = nameKey(nb);
    const l = nameTable.get(k);
    if (l === undefined) nameTable.set(k, [{ name: nb, cmd }]); else l.push({ name: nb, cmd });
  }
  return cmd;
}

/** Resolves argv to a command (or subcommand); replies with the error and returns null when unknown. */
export function resolveCommand(s: Server, argv: Buffer[]): Command | string {
  const base = lookupTop(s, argv[0]!);
  if (base === undefined) {
    return E.unknownCommand(argv[0]!.toString('latin1').slice(0, 128), preview(argv));
  }
  if (base.subcommands !== null && argv.length >= 2) {
    const sub = base.subcommands.get(argv[1]!.toString('latin1').toLowerCase());
    if (sub === undefined || sub.handler === null) {
      return E.unknownSubcommand(argv[1]!.toString('latin1').slice(0, 128), argv[0]!.toString('latin1'));
    }
    return sub;
  }
  return base;
}

export function processCommand(s: Server, c: Client, argv: Buffer[]): void {
  const resolved = resolveCommand(s, argv);
  if (typeof resolved === 'string') {
    // Cross-protocol scripting defence: an HTTP request is not a client.
    const first = argv[0]!.toString('latin1').toLowerCase();
    if (first === 'host:' || first === 'post') {
      s.log.warning('Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Valkey. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Valkey instance. Connection aborted.');
      c.close();
      return;
    }
    reject(s, c, null, resolved);
    return;
  }
  const cmd = resolved;
  const argc = argv.length;
  if ((cmd.arity > 0 && cmd.arity !== argc) || argc < -cmd.arity || cmd.handler === null) {
    reject(s, c, cmd, E.arity(cmd.fullName));
    return;
  }
  // EVAL/FCALL of a script with declared flags take their write/denyoom/stale flags from it.
  const flags = cmd.flags & CMD.noscript && s.pause.effectiveFlags ? s.pause.effectiveFlags(c, cmd, argv) : cmd.flags;
  if (flags & CMD.protected) {
    const which = cmd.name === 'debug' ? 'enable-debug-command' : 'enable-module-command';
    if (!s.allowProtected(which, c)) {
      const nm = cmd.name === 'debug' ? 'DEBUG' : 'MODULE';
      reject(s, c, cmd, `ERR ${nm} command not allowed. If the ${which} option is set to "local", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.`);
      return;
    }
  }
  if (!c.authenticated && !(flags & CMD.no_auth)) {
    reject(s, c, cmd, E.noAuth);
    return;
  }
  if (c.inMulti && flags & CMD.no_multi) {
    reject(s, c, cmd, 'ERR Command not allowed inside a transaction');
    return;
  }
  const hooks = s.hooks;
  if (hooks.acl) {
    const err = hooks.acl(c, cmd, argv);
    if (err) { reject(s, c, cmd, err); return; }
  }
  if (hooks.cluster) {
    const err = hooks.cluster(c, cmd, argv);
    if (err) { reject(s, c, cmd, err); return; }
  }
  // EXEC writes when one of its queued commands does.
  const isWrite = (flags & CMD.write) !== 0 || (cmd.name === 'exec' && (c.multiFlags & CMD.write) !== 0);
  if (s.maxmemory > 0 && hooks.oom) {
    const err = hooks.oom(c, cmd, argv);
    if (err) { reject(s, c, cmd, err); return; }
  }
  if (hooks.beforeCommand) hooks.beforeCommand(c, cmd);
  if (hooks.diskError && (isWrite || cmd.name === 'ping')) {
    const err = hooks.diskError(c);
    if (err) { reject(s, c, cmd, err); return; }
  }
  // min-replicas-to-write: writes (and EXEC of queued writes) need enough replicas that acked recently.
  if (isWrite && s.lacksGoodReplicas()) {
    reject(s, c, cmd, E.noReplicas);
    return;
  }
  if (isWrite && hooks.readonly) {
    const err = hooks.readonly(c, cmd, argv);
    if (err) { reject(s, c, cmd, err); return; }
  }
  if (hooks.stale) {
    const err = hooks.stale(c, cmd, flags);
    if (err) { reject(s, c, cmd, err); return; }
  }
  if (c.subs + c.psubs + c.ssubs > 0 && c.resp === 2 && !(flags & CMD.pubsub && cmd.name.includes('subscribe')) &&
      cmd.name !== 'ping' && cmd.name !== 'quit' && cmd.name !== 'reset') {
    reject(s, c, cmd, E.pubsubContext(cmd.fullName));
    return;
  }
  if (s.loading && !(flags & CMD.loading)) {
    reject(s, c, cmd, E.loading);
    return;
  }
  // While a script runs past busy-reply-threshold only commands flagged allow-busy run.
  if (hooks.busy) {
    const err = hooks.busy(c, cmd);
    if (err) { reject(s, c, cmd, err); return; }
  }
  // A MONITOR connection counts as a replica link: it may not touch the keyspace.
  if (c.monitor && flags & (CMD.write | CMD.readonly | CMD.may_replicate)) {
    reject(s, c, cmd, "ERR Replica can't interact with the keyspace");
    return;
  }
  if (s.pause.isPaused(c, cmd, argv)) {
    // Keep the request and stop reading from this client until the pause ends.
    s.pause.block(c, argv);
    return;
  }
  if (c.inMulti && !runsInsideMulti(cmd) && hooks.queue) {
    hooks.queue(c, cmd, argv);
    return;
  }
  call(s, c, cmd, argv);
  // Wake clients blocked on keys this command (or transaction) made ready — not in the middle of
  // a busy script (commands served meanwhile), whose own command serves them when it ends.
  if (s.blocking.hasReady && !timeFreeze.on) s.blocking.serveReady();
}

/** Rejects a command before execution: counts it and replies with the error. */
export function reject(s: Server, c: Client, cmd: Command | null, err: string): void {
  if (cmd) cmd.rejected++;
  if (c.inMulti && s.hooks.flagTransaction) s.hooks.flagTransaction(c);
  if (cmd !== null && cmd.name === 'exec') {
    // A rejected EXEC always ends the transaction, saying why (Valkey's execCommandAbort).
    if (s.hooks.discardTransaction) s.hooks.discardTransaction(c);
    err = E.execAbortBecause(err);
  }
  const mark = c.w.length;
  const modeBefore = c.replyMode;
  c.w.error(err);
  if (modeBefore !== CLIENT_REPLY_ON) {
    c.w.truncate(mark);
    if (modeBefore === CLIENT_REPLY_SKIP) c.replyMode = CLIENT_REPLY_ON;
  }
}

/** While `on` (a script runs), commands see the time the script started at (Valkey freezes it). */
export const timeFreeze = { on: false };

// Clock readings cost 0.1-0.3 µs each on this kind of machine, and a command used three (the
// command time, start and end). Within one batch of requests from a client's read, the end of
// one top-level command is the start of the next (so its duration also covers parsing it and the
// generic checks). The command time (ms) is a wall-clock reading taken at the first command of
// each batch and refreshed once the monotonic clock has moved 1 ms. Taking it after the batch
// arrived keeps it causal: never earlier than a clock the client read before sending (GETEX
// PXAT now+10000 then PTTL must not say 10001). About one reading per command instead of three.
let batchOn = false;
/** End of the last top-level command of the current batch, -1 before the first. */
let lastEnd = -1;
let callDepth = 0;
let wallMs = 0, wallAt = -Infinity;

/** A client starts executing the requests of one read (see Client.processInput). */
export function beginBatch(): void { batchOn = true; lastEnd = -1; wallAt = -Infinity; }
/** The batch is over: the next command outside a batch reads the clock itself. */
export function endBatch(): void { batchOn = false; }

/** Executes a command with statistics, slow log, latency monitor and MONITOR feed. */
export function call(s: Server, c: Client, cmd: Command, argv: Buffer[]): void {
  const ks = s.ks;
  c.cmd = cmd;
  c.argv = argv;
  const start = batchOn && callDepth === 0 && lastEnd >= 0 ? lastEnd : performance.now();
  if (!timeFreeze.on) {
    if (start - wallAt >= 1 || start < wallAt) { wallMs = Date.now(); wallAt = start; }
    ks.now = wallMs;
  }
  ks.noTouch = c.noTouch && cmd.name !== 'touch';
  const readOnlyBefore = ks.readOnlyCall;
  ks.readOnlyCall = (cmd.flags & (CMD.readonly | CMD.write)) === CMD.readonly;
  const w = c.w;
  const errorsBefore = w.errors;
  const mark = w.length;
  const modeBefore = c.replyMode;
  const rerun = s.blocking.isRerun(c);
  const prop = s.propagator;
  if (s.hooks.enterCall) s.hooks.enterCall(c, cmd);
  prop.enter(cmd, c);
  callDepth++;
  try {
    cmd.handler!(c, argv);
  } catch (e) {
    s.log.warning(`Internal error running '${cmd.fullName}': ${(e as Error).stack ?? e}`);
    w.error(`ERR internal error: ${(e as Error).message}`);
  } finally {
    callDepth--;
    ks.readOnlyCall = readOnlyBefore;
  }
  // Replication/AOF: the (possibly rewritten) c.argv if the dataset changed; the outermost
  // call sends what its execution unit collected.
  prop.exit(c, cmd);
  const end = performance.now();
  if (callDepth === 0) lastEnd = end;
  const durUs = (end - start) * 1000;
  ks.noTouch = false;
  if (c.blocked && c.bstate) {
    // The command blocked: it is counted when it finally runs (see server/blocking.ts), but
    // MONITOR shows it now, when it is issued (and not again when it is re-run).
    w.truncate(mark);
    if (!rerun && s.monitors.size > 0 && !(cmd.flags & (CMD.skip_monitor | CMD.admin))) s.feedMonitors(c, argv);
    if (s.hooks.leaveCall) s.hooks.leaveCall(c, cmd, argv);
    return;
  }
  s.stats.commandsProcessed++;
  // A nested call (a script's server.call, a queued command of EXEC) also counts for the client
  // whose command is running (tot-cmds), as Valkey counts it for its current client.
  (prop.currentClient ?? c).commands++;
  cmd.calls++;
  cmd.usec += durUs;
  if (s.latencyTracking) cmd.latency.record(durUs);
  if (w.errors !== errorsBefore) cmd.failed++;
  c.lastCmd = cmd;
  const after = c.replyMode;
  if (modeBefore === CLIENT_REPLY_SKIP) {
    // The skipped command's reply goes, unless the command itself turned replies back on
    // (CLIENT REPLY ON answers OK even right after CLIENT REPLY SKIP).
    if (after === CLIENT_REPLY_SKIP) { w.truncate(mark); c.replyMode = CLIENT_REPLY_ON; }
    else if (after !== CLIENT_REPLY_ON) w.truncate(mark);
  } else if (after !== CLIENT_REPLY_ON || (modeBefore === CLIENT_REPLY_OFF && after !== CLIENT_REPLY_ON)) {
    w.truncate(mark);
  }
  if (!(cmd.flags & CMD.skip_slowlog) && s.slowlog.threshold >= 0 && durUs >= s.slowlog.threshold) {
    s.slowlog.add(c, argv, durUs);
  }
  if (s.latencyThresholdMs > 0 && durUs / 1000 >= s.latencyThresholdMs) {
    s.latency.add(cmd.flags & CMD.fast ? 'fast-command' : 'command', durUs / 1000);
  }
  if (!rerun && s.monitors.size > 0 && !(cmd.flags & (CMD.skip_monitor | CMD.admin))) s.feedMonitors(c, argv);
  if (s.hooks.afterCall) s.hooks.afterCall(c, cmd, argv);
  if (s.hooks.leaveCall) s.hooks.leaveCall(c, cmd, argv);
}
