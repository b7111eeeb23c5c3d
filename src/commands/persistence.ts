// SAVE and BGSAVE [SCHEDULE | CANCEL] (LASTSAVE lives with the other server commands; the
// machinery is in persistence/manager.ts), and DUMP / RESTORE, which carry one value in the RDB
// serialization.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { changed, isArg } from './util.js';
import { currentSnapshot, killBgsave, persistence, saveSync, startBgsave } from '../persistence/manager.js';
import { dumpPayload, parseDumpPayload, verifyDumpPayload } from '../persistence/rdb.js';
import { debugSettings } from './debug.js';
import { rewriteArg, rewriteArgv } from '../replication/propagate.js';
import { parseI64 } from '../util/number.js';
import { NOTIFY_GENERIC } from '../store/types.js';

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

// ------------------------------------------------------------------ DUMP / RESTORE

function dumpCommand(c: Client, argv: Buffer[]): void {
  const a = c.db.lookup(argv[1]!);
  if (a === 0) { c.w.nil(); return; }
  let p: Buffer;
  try {
    p = dumpPayload(c.server, a);
  } catch (e) {
    c.w.error(`ERR ${(e as Error).message}`);
    return;
  }
  c.w.bulk(p);
}

/** RESTORE key ttl serialized-value [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency] */
function restoreCommand(c: Client, argv: Buffer[]): void {
  const s = c.server;
  const ks = s.ks;
  let replace = false, absttl = false;
  let idle = -1n, freq = -1n;
  for (let j = 4; j < argv.length; j++) {
    const more = argv.length - j - 1;
    const o = argv[j]!;
    if (isArg(o, 'replace')) replace = true;
    else if (isArg(o, 'absttl')) absttl = true;
    else if (isArg(o, 'idletime') && more >= 1 && freq === -1n) {
      const v = parseI64(argv[j + 1]!);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v < 0n) { c.w.error('ERR Invalid IDLETIME value, must be >= 0'); return; }
      idle = v;
      j++;
    } else if (isArg(o, 'freq') && more >= 1 && idle === -1n) {
      const v = parseI64(argv[j + 1]!);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v < 0n || v > 255n) { c.w.error('ERR Invalid FREQ value, must be >= 0 and <= 255'); return; }
      freq = v;
      j++;
    } else { c.w.error(E.syntax); return; }
  }
  const key = argv[1]!;
  const db = c.db;
  if (!replace && db.lookupWrite(key) !== 0) { c.w.error('BUSYKEY Target key name already exists.'); return; }
  const ttlArg = parseI64(argv[2]!);
  if (ttlArg === null) { c.w.error(E.notInteger); return; }
  if (ttlArg < 0n) { c.w.error('ERR Invalid TTL value, must be >= 0'); return; }
  const payload = argv[3]!;
  const version = verifyDumpPayload(payload, debugSettings(s).skipChecksumValidation);
  if (typeof version === 'string') { c.w.error(`ERR ${version}`); return; }
  let value: ReturnType<typeof parseDumpPayload>;
  try {
    value = parseDumpPayload(s, payload, version);
  } catch {
    c.w.error('ERR Bad data format');
    return;
  }
  if ('value' in value && value.value.empty) { c.w.error('ERR Bad data format'); return; }
  let deleted = false;
  if (replace) deleted = db.delete(key);
  let ttl = Number(ttlArg);
  if (ttl !== 0 && !absttl) ttl += ks.now;
  if (ttl !== 0 && ttl <= ks.now && !s.loading) {
    if (deleted) {
      rewriteArgv(c, s.config.bool('lazyfree-lazy-server-del') ? 'UNLINK' : 'DEL', key);
      changed(c, key, 'del', NOTIFY_GENERIC);
    }
    c.w.ok();
    return;
  }
  let a = 'str' in value
    ? db.setString(key, value.str, ttl)
    : db.setObject(key, value.value.type, value.value.enc, value.value.obj, ttl);
  if ('value' in value) {
    // A damaged payload can decode into integers the encodings cannot hold again (e.g. a u64
    // where a signed 64-bit listpack integer goes): refuse it now rather than fail every later
    // DUMP / BGSAVE of the key.
    try {
      dumpPayload(s, a);
    } catch {
      db.delete(key);
      a = 0;
    }
    if (a === 0) {
      if (deleted) changed(c, key, 'del', NOTIFY_GENERIC);
      c.w.error('ERR Bad data format');
      return;
    }
  }
  if (ttl !== 0 && !absttl) {
    // Replicated with the absolute time.
    rewriteArg(c, 2, String(ttl));
    rewriteArgv(c, ...c.argv, 'ABSTTL');
  }
  const policy = s.config.str('maxmemory-policy');
  if (freq >= 0n && policy.includes('lfu')) {
    ks.arena.setLru(a, ((Math.floor(Date.now() / 60000) & 0xffff) << 8) | Number(freq));
  } else if (idle >= 0n && policy.includes('lru')) {
    const secs = idle > 0xffffffn ? 0xffffff : Number(idle);
    ks.arena.setLru(a, (ks.lruClock - secs) & 0xffffff);
  }
  changed(c, key, 'restore', NOTIFY_GENERIC);
  c.w.ok();
}

export function registerPersistence(r: Registry): void {
  r.handle('save', saveCommand);
  r.handle('bgsave', bgsaveCommand);
  r.handle('dump', dumpCommand);
  r.handle('restore', restoreCommand);
}
