// Connection commands: PING, ECHO, QUIT, SELECT, HELLO, AUTH, RESET.
import type { Registry } from './registry.js';
import type { Server } from '../server/server.js';
import { Client, CLIENT_REPLY_ON, CLIENT_REPLY_SKIP, clientResetHooks, redactArg } from '../server/client.js';
import { E } from '../errors.js';
import { parseInt64 } from '../util/number.js';
import { isArg } from './util.js';
import { VALKEY_VERSION } from '../version.js';
import { validateClientName } from './client.js';

/**
 * How credentials are checked. Until ACLs exist there is one user, "default", whose password is
 * `requirepass` (no password: any password is accepted). The ACL subsystem replaces these.
 */
export const authBackend = {
  /** True when the default user needs no password (new connections start authenticated). */
  defaultUserNoPass(s: Server): boolean { return !s.authRequired(); },
  /** Checks a username/password pair; returns the error reply text, or null when they are valid. */
  authenticate(s: Server, user: Buffer, pass: Buffer, _c?: Client): string | null {
    if (!isDefaultUser(user)) return E.wrongPass;
    if (authBackend.defaultUserNoPass(s)) return null;
    const want = s.requirepass;
    if (pass.equals(Buffer.from(want, 'latin1')) || pass.equals(Buffer.from(want))) return null;
    return E.wrongPass;
  },
};

function isDefaultUser(user: Buffer): boolean {
  return user.length === 7 && user.toString('latin1') === 'default';
}

function ping(c: Client, argv: Buffer[]): void {
  if (argv.length > 2) { c.w.error(E.arity('ping')); return; }
  if (c.subs + c.psubs + c.ssubs > 0 && c.resp === 2) {
    c.w.arr(2); c.w.bulk('pong'); c.w.bulk(argv.length === 2 ? argv[1]! : Buffer.alloc(0));
    return;
  }
  if (argv.length === 2) c.w.bulk(argv[1]!); else c.w.simple('PONG');
}

function echo(c: Client, argv: Buffer[]): void { c.w.bulk(argv[1]!); }

function quit(c: Client): void {
  c.w.ok();
  c.closeAfterReply = true;
}

function select(c: Client, argv: Buffer[]): void {
  const id = parseInt64(argv[1]!);
  if (id === null) { c.w.error(E.notInteger); return; }
  if (id < -2147483648 || id > 2147483647) { c.w.error(E.intRange); return; }
  if (c.server.config.bool('cluster-enabled') && id !== 0) { c.w.error(E.selectCluster); return; }
  const db = c.server.ks.dbs[id];
  if (id < 0 || !db) { c.w.error(E.dbIndex); return; }
  c.db = db;
  c.w.ok();
}

/** Authenticates `c` as `user`; replies with the error and returns false on failure. */
function authenticateOrReply(c: Client, user: Buffer, pass: Buffer): boolean {
  const err = authBackend.authenticate(c.server, user, pass, c);
  if (err !== null) { c.w.error(err); return false; }
  c.user = user.toString('latin1');
  c.setAuthenticated(true);
  return true;
}

function auth(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) { c.w.error(E.syntax); return; }
  let user: Buffer, pass: Buffer;
  if (argv.length === 2) {
    pass = argv[1]!;
    redactArg(argv, 1);
    if (authBackend.defaultUserNoPass(c.server)) { c.w.error(E.authNoPassword); return; }
    user = Buffer.from('default');
  } else {
    user = argv[1]!;
    pass = argv[2]!;
    redactArg(argv, 1);
    redactArg(argv, 2);
  }
  if (authenticateOrReply(c, user, pass)) c.w.ok();
}

/** Valkey reports the primary/replica role; replication sets `primaryHost` on the server. */
function serverRole(s: Server): string {
  const host = (s as unknown as { primaryHost?: string | null }).primaryHost;
  if (host !== undefined) return host ? 'replica' : 'master';
  return s.config.str('replicaof') ? 'replica' : 'master';
}

function hello(c: Client, argv: Buffer[]): void {
  let ver = 0;
  let next = 1;
  if (argv.length >= 2) {
    const v = parseInt64(argv[next++]!);
    if (v === null) { c.w.error('ERR Protocol version is not an integer or out of range'); return; }
    if (v < 2 || v > 3) { c.w.error(E.noProto); return; }
    ver = v;
  }
  let user: Buffer | null = null, pass: Buffer | null = null, name: Buffer | null = null;
  for (let j = next; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    const opt = argv[j]!;
    if (isArg(opt, 'auth') && more >= 2) {
      user = argv[j + 1]!;
      pass = argv[j + 2]!;
      redactArg(argv, j + 1);
      redactArg(argv, j + 2);
      j += 2;
    } else if (isArg(opt, 'setname') && more >= 1) {
      name = argv[j + 1]!;
      const err = validateClientName(name);
      if (err) { c.w.error(err); return; }
      j++;
    } else {
      c.w.error(`ERR Syntax error in HELLO option '${opt.toString()}'`);
      return;
    }
  }
  if (user && pass && !authenticateOrReply(c, user, pass)) return;
  if (!c.authenticated) { c.w.error(E.helloNoAuth); return; }
  if (name) c.name = name.toString();
  if (ver) c.resp = ver;

  const s = c.server;
  const az = s.config.str('availability-zone');
  const w = c.w;
  w.map(7 + (az ? 1 : 0));
  // Valkey 9 always answers as "valkey" (extended-redis-compatibility no longer changes HELLO).
  w.bulk('server'); w.bulk('valkey');
  w.bulk('version'); w.bulk(VALKEY_VERSION);
  w.bulk('proto'); w.int(c.resp);
  w.bulk('id'); w.int(c.id);
  w.bulk('mode'); w.bulk(s.config.bool('cluster-enabled') ? 'cluster' : 'standalone');
  w.bulk('role'); w.bulk(serverRole(s));
  w.bulk('modules'); w.arr(0);
  if (az) { w.bulk('availability_zone'); w.bulk(az); }
}

/**
 * Puts a client back in the state of a new connection: out of MONITOR, MULTI, pub/sub and
 * tracking, database 0, RESP2, no name, default user (authenticated only if it needs no password),
 * replies on, no-evict / no-touch off. The library name and version stay: they describe the
 * connection's library, not its state.
 */
export function resetClientState(c: Client): void {
  const s = c.server;
  if (c.monitor) { s.monitors.delete(c); c.monitor = false; }
  for (const hook of clientResetHooks) hook(c);
  // Whatever a subsystem left behind (or had no hook for), the client-visible state is reset here.
  c.inMulti = false;
  c.multiCount = 0;
  c.multiFlags = 0;
  c.multiMem = 0;
  c.trackingRedirect = -1;
  c.db = s.ks.dbs[0]!;
  c.resp = 2;
  c.user = 'default';
  c.setAuthenticated(authBackend.defaultUserNoPass(s));
  c.name = '';
  c.extraFlags = c.extraFlags.replace(/[tRBr]/g, '');
  // An active SKIP still swallows this command's own reply (Valkey clears only OFF and a pending SKIP).
  if (c.replyMode !== CLIENT_REPLY_SKIP) c.replyMode = CLIENT_REPLY_ON;
  c.noEvict = false;
  c.noTouch = false;
}

function reset(c: Client): void {
  if (/[SM]/.test(c.extraFlags)) { c.w.error('ERR can only reset normal client connections'); return; }
  resetClientState(c);
  c.w.simple('RESET');
}

export function registerConnection(r: Registry): void {
  r.handle('ping', ping);
  r.handle('echo', echo);
  r.handle('quit', quit);
  r.handle('select', select);
  r.handle('auth', auth);
  r.handle('hello', hello);
  r.handle('reset', reset);
}
