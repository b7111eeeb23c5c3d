// Key expiry commands: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT (with NX | XX | GT | LT), TTL, PTTL,
// EXPIRETIME, PEXPIRETIME and PERSIST. Expire times are absolute unix milliseconds stored in the
// key's arena block; the keyspace's TTL index lets the active expire cycle sample them.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { LOOKUP_NOTOUCH } from '../store/keyspace.js';
import { E } from '../errors.js';
import { NOTIFY_GENERIC } from '../store/types.js';
import { changed, isArg } from './util.js';
import { LLONG_MAX, LLONG_MIN, parseI64 } from '../util/number.js';

const EXPIRE_NX = 1, EXPIRE_XX = 2, EXPIRE_GT = 4, EXPIRE_LT = 8;

const PEXPIREAT = Buffer.from('PEXPIREAT');
const DEL = Buffer.from('DEL');
const UNLINK = Buffer.from('UNLINK');

/** Parses the NX | XX | GT | LT flags from argv[3...]; replies and returns -1 on error. */
function parseExpireFlags(c: Client, argv: Buffer[]): number {
  let flags = 0;
  for (let i = 3; i < argv.length; i++) {
    const opt = argv[i]!;
    if (isArg(opt, 'nx')) flags |= EXPIRE_NX;
    else if (isArg(opt, 'xx')) flags |= EXPIRE_XX;
    else if (isArg(opt, 'gt')) flags |= EXPIRE_GT;
    else if (isArg(opt, 'lt')) flags |= EXPIRE_LT;
    else { c.w.error(E.unsupportedOption(opt.toString('latin1'))); return -1; }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) { c.w.error(E.expireNxConflict); return -1; }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) { c.w.error(E.expireGtLtConflict); return -1; }
  return flags;
}

/**
 * The shared body of the four EXPIRE commands. `basetime` is the command time for relative
 * forms and 0 for the *AT forms; `seconds` says the argument's unit.
 */
function expireGeneric(c: Client, argv: Buffer[], relative: boolean, seconds: boolean): void {
  const flags = parseExpireFlags(c, argv);
  if (flags < 0) return;
  let when = parseI64(argv[2]!);
  if (when === null) { c.w.error(E.notInteger); return; }
  const ks = c.server.ks;
  const cmdName = c.cmd ? c.cmd.fullName : argv[0]!.toString('latin1').toLowerCase();
  // Negative times are allowed; only an overflow of the unit conversion or of the base-time
  // addition is an error.
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) { c.w.error(E.invalidExpire(cmdName)); return; }
    when *= 1000n;
  }
  const base = relative ? BigInt(ks.now) : 0n;
  if (when > LLONG_MAX - base) { c.w.error(E.invalidExpire(cmdName)); return; }
  when += base;

  const db = c.db;
  const key = argv[1]!;
  const a = db.lookupWrite(key);
  if (a === 0) { c.w.int(0); return; }
  const whenMs = Number(when);
  if (flags) {
    const current = db.expireOf(a); // 0 = no TTL, which counts as an infinite TTL
    if (flags & EXPIRE_NX && current !== 0) { c.w.int(0); return; }
    if (flags & EXPIRE_XX && current === 0) { c.w.int(0); return; }
    if (flags & EXPIRE_GT && (current === 0 || whenMs <= current)) { c.w.int(0); return; }
    if (flags & EXPIRE_LT && current !== 0 && whenMs >= current) { c.w.int(0); return; }
  }

  if (whenMs <= ks.now && ks.expireDeletes && !c.server.loading) {
    // A time in the past deletes the key, reported (and propagated) as a deletion.
    db.removeBlock(a);
    const lazy = c.server.config.bool('lazyfree-lazy-expire');
    c.argv = [lazy ? UNLINK : DEL, key];
    changed(c, key, 'del', NOTIFY_GENERIC);
    c.w.int(1);
    return;
  }
  // 0 means "no TTL" in the store: an expired-at-epoch key (kept on a replica) gets the
  // smallest positive time instead, which still reads back as 0.
  db.setExpire(a, whenMs === 0 ? Number.MIN_VALUE : whenMs);
  // Propagate as PEXPIREAT with the absolute time.
  c.argv = [PEXPIREAT, key, Buffer.from(when.toString()), ...argv.slice(3)];
  changed(c, key, 'expire', NOTIFY_GENERIC);
  c.w.int(1);
}

function expireCommand(c: Client, argv: Buffer[]): void { expireGeneric(c, argv, true, true); }
function pexpireCommand(c: Client, argv: Buffer[]): void { expireGeneric(c, argv, true, false); }
function expireatCommand(c: Client, argv: Buffer[]): void { expireGeneric(c, argv, false, true); }
function pexpireatCommand(c: Client, argv: Buffer[]): void { expireGeneric(c, argv, false, false); }

/** TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 no key, -1 no TTL. */
function ttlGeneric(c: Client, argv: Buffer[], ms: boolean, absolute: boolean): void {
  const db = c.db;
  const a = db.lookup(argv[1]!, LOOKUP_NOTOUCH);
  if (a === 0) { c.w.int(-2); return; }
  const expire = db.expireOf(a);
  if (expire === 0) { c.w.int(-1); return; }
  let t = Math.trunc(absolute ? expire : expire - c.server.ks.now);
  if (t < 0) t = 0;
  c.w.int(ms ? t : Math.floor((t + 500) / 1000));
}

function ttlCommand(c: Client, argv: Buffer[]): void { ttlGeneric(c, argv, false, false); }
function pttlCommand(c: Client, argv: Buffer[]): void { ttlGeneric(c, argv, true, false); }
function expiretimeCommand(c: Client, argv: Buffer[]): void { ttlGeneric(c, argv, false, true); }
function pexpiretimeCommand(c: Client, argv: Buffer[]): void { ttlGeneric(c, argv, true, true); }

function persistCommand(c: Client, argv: Buffer[]): void {
  const db = c.db;
  const key = argv[1]!;
  const a = db.lookupWrite(key);
  if (a === 0 || db.expireOf(a) === 0) { c.w.int(0); return; }
  db.setExpire(a, 0);
  changed(c, key, 'persist', NOTIFY_GENERIC);
  c.w.int(1);
}

export function registerExpire(r: Registry): void {
  r.handle('expire', expireCommand);
  r.handle('pexpire', pexpireCommand);
  r.handle('expireat', expireatCommand);
  r.handle('pexpireat', pexpireatCommand);
  r.handle('ttl', ttlCommand);
  r.handle('pttl', pttlCommand);
  r.handle('expiretime', expiretimeCommand);
  r.handle('pexpiretime', pexpiretimeCommand);
  r.handle('persist', persistCommand);
}
