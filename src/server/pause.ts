// CLIENT PAUSE / UNPAUSE: while paused, affected commands are held (their clients stop being
// read) until the pause ends or times out; then each held client resumes in order.
import { CMD, Command } from '../commands/registry.js';
import type { Client } from './client.js';

export class PauseState {
  /** 'all' | 'write' | '' */
  mode: '' | 'all' | 'write' = '';
  until = 0;
  private held: Array<{ c: Client; argv: Buffer[] }> = [];
  private timer: NodeJS.Timeout | null = null;
  /** Runs a held request (installed by the server: the dispatcher). */
  resumeFn: ((c: Client, argv: Buffer[]) => void) | null = null;

  get paused(): boolean { return this.mode !== '' && Date.now() < this.until; }

  pause(mode: 'all' | 'write', timeoutMs: number): void {
    const until = Date.now() + timeoutMs;
    // A new pause can only extend or strengthen the current one.
    if (this.paused) {
      if (this.mode === 'all' && mode === 'write') mode = 'all';
      this.until = Math.max(this.until, until);
    } else this.until = until;
    this.mode = mode;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.unpause(), Math.max(0, this.until - Date.now()));
  }

  unpause(): void {
    this.mode = '';
    this.until = 0;
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    const held = this.held;
    this.held = [];
    for (const { c, argv } of held) {
      if (c.closed) continue;
      c.blocked = false;
      c.blockedReason = '';
      if (this.resumeFn) this.resumeFn(c, argv);
      c.resume();
    }
  }

  isPaused(c: Client, cmd: Command, argv: Buffer[]): boolean {
    if (this.mode === '' || c.blocked) return false;
    if (Date.now() >= this.until) { this.unpause(); return false; }
    if (c.inMulti && cmd.name !== 'exec') return false;
    if (this.mode === 'all') return true;
    // WRITE pause: anything that may change the dataset waits.
    if (cmd.flags & (CMD.write | CMD.may_replicate)) return true;
    const n = cmd.name;
    if (n === 'eval' || n === 'evalsha' || n === 'fcall') return true;
    void argv;
    return false;
  }

  block(c: Client, argv: Buffer[]): void {
    c.blocked = true;
    c.blockedReason = 'pause';
    this.held.push({ c, argv });
  }

  get heldCount(): number { return this.held.length; }
}
