// SAVE and BGSAVE [SCHEDULE | CANCEL]. (LASTSAVE lives with the other server commands; the
// machinery is in persistence/manager.ts.)
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { currentSnapshot, killBgsave, persistence, saveSync, startBgsave } from '../persistence/manager.js';

function saveCommand(c: Client): void {
  const s = c.server;
  if (currentSnapshot(s) !== null) { c.w.error(E.bgsaveInProgress); return; }
  const err = saveSync(s);
  if (err !== null) c.w.error(E.saveFailed); else c.w.ok();
}

function bgsaveCommand(c: Client, argv: Buffer[]): void {
  const s = c.server;
  const st = persistence(s);
  let schedule = false;
  if (argv.length > 1) {
    if (argv.length === 2 && isArg(argv[1]!, 'schedule')) schedule = true;
    else if (argv.length === 2 && isArg(argv[1]!, 'cancel')) {
      if (currentSnapshot(s) !== null) {
        s.log.notice('Background saving will be aborted due to user request');
        killBgsave(s, 'cancelled by user request');
        c.w.simple('Background saving cancelled');
      } else if (st.scheduled) {
        s.log.notice('Scheduled background saving will be cancelled due to user request');
        st.scheduled = false;
        c.w.simple('Scheduled background saving cancelled');
      } else {
        c.w.error(E.bgsaveNotRunning);
      }
      return;
    } else { c.w.error(E.syntax); return; }
  }
  // Inside EXEC the save starts once the transaction has run (Valkey defers the fork too).
  const inExec = s.propagator.nesting > 1;
  if (currentSnapshot(s) !== null) {
    c.w.error(E.bgsaveInProgress);
  } else if (inExec) {
    st.scheduled = true;
    s.log.notice(schedule ? 'Background saving scheduled due to user request' : 'Background saving scheduled to run after transaction execution');
    c.w.simple('Background saving scheduled');
  } else {
    const r = startBgsave(s, { target: 'disk' });
    if (typeof r === 'string') c.w.error(r === 'ERR' ? E.saveFailed : r);
    else c.w.simple('Background saving started');
  }
}

export function registerPersistence(r: Registry): void {
  r.handle('save', saveCommand);
  r.handle('bgsave', bgsaveCommand);
}
