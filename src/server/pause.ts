// CLIENT PAUSE / UNPAUSE. While a pause is in force, an affected command is not executed: its
// client is postponed (marked blocked, its request kept, no further input read) until the pause
// ends — by CLIENT UNPAUSE or when it times out — and then every held request is dispatched again
// in arrival order (it may be held again if a new pause started meanwhile).
//
// As in Valkey:
// - ALL holds every command (CLIENT UNPAUSE included: only the timeout ends an ALL pause issued
//   from the same connection); WRITE holds commands that may change the dataset or replicate
//   (write or may-replicate flags, and an EXEC whose queued commands include such a command).
// - A second pause keeps the later end time and the more restrictive mode of the two.
// - While paused, keys are not expired (lazy expiry reports them missing without deleting them,
//   the active cycle stops), so that nothing is written.
import { CMD, Command } from '../commands/registry.js';
import type { Client } from './client.js';

/** Longest delay a Node timer accepts; longer pauses re-arm the timer. */
const MAX_TIMER_MS = 0x7fffffff;

/** The part of the keyspace a pause switches off. */
export interface PausableExpiry { expireDeletes: boolean }

export class PauseState {
  /** 'all' | 'write' | '' (not paused) */
  mode: '' | 'all' | 'write' = '';
  /** Unix time (ms) the pause ends at. */
  until = 0;
  private held: Array<{ c: Client; argv: Buffer[] }> = [];
  private timer: NodeJS.Timeout | null = null;
  private expiry: PausableExpiry | null = null;
  private expireWas = true;
  /** Runs a held request again (installed by the server: the dispatcher). */
  resumeFn: ((c: Client, argv: Buffer[]) => void) | null = null;
  /**
   * The flags that decide whether a command is held. Scripting installs one that reads a
   * script's declared flags (EVAL of a `#!lua flags=no-writes` script is not a write).
   */
  effectiveFlags: ((c: Client, cmd: Command, argv: Buffer[]) => number) | null = null;

  get paused(): boolean { return this.mode !== '' && Date.now() < this.until; }

  /**
   * Starts (or extends) a pause until the absolute time `untilMs`. `expiry` is the keyspace
   * whose key deletion by expiry is suspended for the duration.
   */
  pause(mode: 'all' | 'write', untilMs: number, expiry?: PausableExpiry): void {
    if (this.paused) {
      if (this.mode === 'all') mode = 'all';
      this.until = Math.max(this.until, untilMs);
    } else {
      this.until = untilMs;
    }
    this.mode = mode;
    if (Date.now() >= this.until) { this.unpause(); return; }
    if (expiry && this.expiry === null) {
      this.expiry = expiry;
      this.expireWas = expiry.expireDeletes;
      expiry.expireDeletes = false;
    }
    this.arm();
  }

  private arm(): void {
    if (this.timer) clearTimeout(this.timer);
    const left = Math.max(0, this.until - Date.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      if (Date.now() >= this.until) this.unpause(); else this.arm();
    }, Math.min(left, MAX_TIMER_MS));
    this.timer.unref?.();
  }

  /** Ends the pause and dispatches every held request again, in order. */
  unpause(): void {
    this.mode = '';
    this.until = 0;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    if (this.expiry) {
      this.expiry.expireDeletes = this.expireWas;
      this.expiry = null;
    }
    const held = this.held;
    this.held = [];
    for (const { c, argv } of held) {
      if (c.closed) continue;
      c.blocked = false;
      c.blockedReason = '';
      if (this.resumeFn) this.resumeFn(c, argv);
      // The request may have blocked again (a new pause, or a blocking command): then it stays.
      if (!c.blocked) c.resume();
    }
  }

  /** True when `cmd` must wait for the pause to end. */
  isPaused(c: Client, cmd: Command, argv: Buffer[]): boolean {
    if (this.mode === '') return false;
    if (Date.now() >= this.until) { this.unpause(); return false; }
    if (this.mode === 'all') return true;
    const flags = this.effectiveFlags ? this.effectiveFlags(c, cmd, argv) : cmd.flags;
    const mayReplicate = CMD.write | CMD.may_replicate;
    if (flags & mayReplicate) return true;
    if (cmd.name === 'exec' && c.multiFlags & mayReplicate) return true;
    return false;
  }

  /** Postpones `c` with its request `argv` until the pause ends. */
  block(c: Client, argv: Buffer[]): void {
    c.blocked = true;
    c.blockedReason = 'pause';
    // Arguments are views of the query buffer, valid only until the next read: keep copies.
    this.held.push({ c, argv: argv.map((a) => Buffer.from(a)) });
  }

  /** Number of clients currently postponed by the pause. */
  get heldCount(): number {
    let n = 0;
    for (const h of this.held) if (!h.c.closed) n++;
    return n;
  }
}
