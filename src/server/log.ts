// Valkey-style log lines: "<pid>:<role> <day> <mon> <year> <hh:mm:ss.mmm> <level> <message>".
import { appendFileSync } from 'node:fs';

export const LL_DEBUG = 0, LL_VERBOSE = 1, LL_NOTICE = 2, LL_WARNING = 3, LL_NOTHING = 4;
const LEVELS: Record<string, number> = { debug: 0, verbose: 1, notice: 2, warning: 3, nothing: 4 };
const MARK = ['.', '-', '*', '#'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export class Logger {
  level = LL_NOTICE;
  file = '';
  role = 'M';
  /** Set by embedders to capture lines instead of printing them. */
  sink: ((line: string) => void) | null = null;

  setLevel(name: string): void { this.level = LEVELS[name] ?? LL_NOTICE; }

  log(level: number, msg: string): void {
    if (level < this.level) return;
    const d = new Date();
    const p2 = (n: number) => (n < 10 ? '0' + n : String(n));
    const ms = String(d.getMilliseconds()).padStart(3, '0');
    const line = `${process.pid}:${this.role} ${p2(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
      `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${ms} ${MARK[level] ?? '*'} ${msg}`;
    if (this.sink) { this.sink(line); return; }
    if (this.file) {
      try { appendFileSync(this.file, line + '\n'); } catch { process.stdout.write(line + '\n'); }
    } else process.stdout.write(line + '\n');
  }
  debug(m: string): void { this.log(LL_DEBUG, m); }
  verbose(m: string): void { this.log(LL_VERBOSE, m); }
  notice(m: string): void { this.log(LL_NOTICE, m); }
  warning(m: string): void { this.log(LL_WARNING, m); }
}
