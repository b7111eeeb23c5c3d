// CLIENT: connection introspection and control (ID, INFO, LIST, KILL, SETNAME, GETNAME, SETINFO,
// PAUSE, UNPAUSE, REPLY, NO-EVICT, NO-TOUCH, UNBLOCK, CAPA, HELP).
import type { Registry } from './registry.js';
import {
  Client, CAPA_REDIRECT, CLIENT_REPLY_OFF, CLIENT_REPLY_ON, CLIENT_REPLY_SKIP,
} from '../server/client.js';
import type { Server } from '../server/server.js';
import { E } from '../errors.js';
import { parseInt64 } from '../util/number.js';
import { isArg, lower } from './util.js';

// ------------------------------------------------------------------ shared helpers

/**
 * The reply to `<CMD> HELP`: a heading, the given lines, and the HELP entry, each as a simple
 * string (the layout every Valkey container command uses).
 */
export function replyHelp(c: Client, lines: string[]): void {
  const cmd = c.argv[0] ? c.argv[0].toString('latin1').toUpperCase() : '';
  c.w.arr(lines.length + 3);
  c.w.simple(`${cmd} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const l of lines) c.w.simple(l);
  c.w.simple('HELP');
  c.w.simple('    Print this help.');
}

/** True when every byte is a printable, non-space ASCII character (what CLIENT LIST can show). */
function printable(b: Buffer): boolean {
  for (const ch of b) if (ch < 0x21 || ch > 0x7e) return false;
  return true;
}

/** Checks a client name (empty is allowed: it clears the name); returns the error text or null. */
export function validateClientName(name: Buffer): string | null {
  return printable(name) ? null : E.clientNameChars;
}

/** CLIENT LIST client types. */
export type ClientType = 'normal' | 'replica' | 'pubsub' | 'master';

export function clientType(c: Client): ClientType {
  if (c.extraFlags.includes('M')) return 'master';
  // MONITOR clients count as normal ones.
  if (c.extraFlags.includes('S') && !c.monitor) return 'replica';
  if (c.subs + c.psubs + c.ssubs > 0) return 'pubsub';
  return 'normal';
}

function clientTypeByName(name: string): ClientType | null {
  switch (name.toLowerCase()) {
    case 'normal': return 'normal';
    case 'slave': case 'replica': return 'replica';
    case 'pubsub': return 'pubsub';
    case 'master': case 'primary': return 'master';
    default: return null;
  }
}

/** Flag letters in the order CLIENT LIST shows them. */
const FLAG_ORDER = 'SOMPxbtRBdcuAUreTI';
const FLAG_FILTER_CHARS = FLAG_ORDER + 'N';

/** The flags= field of CLIENT LIST. */
export function clientFlags(c: Client): string {
  const set = new Set<string>(c.extraFlags);
  if (c.monitor) { set.delete('S'); set.add('O'); }
  if (c.subs + c.psubs + c.ssubs > 0) set.add('P');
  if (c.inMulti) set.add('x');
  if (c.blocked) set.add('b');
  if (c.closeAfterReply) set.add('c');
  if (c.unixSocket) set.add('U');
  if (c.noEvict) set.add('e');
  if (c.noTouch) set.add('T');
  let out = '';
  for (const f of FLAG_ORDER) if (set.has(f)) out += f;
  return out || 'N';
}

function clientCapa(c: Client): string { return c.capa & CAPA_REDIRECT ? 'r' : ''; }

function argvMem(c: Client, current: Client | null): number {
  if (c !== current && !c.blocked) return 0;
  let n = 0;
  for (const a of c.argv) n += a.length;
  return n;
}

/** One CLIENT LIST line (without the newline). `current` is the client running the command. */
export function clientInfoString(c: Client, current: Client | null = null): string {
  const now = Date.now();
  const pending = c.queuedBytes;
  const rbs = c.w.buf ? c.w.buf.length : 0;
  const qbuf = c.parser.pending;
  const qfree = c.parser.free;
  const am = argvMem(c, current);
  const tot = c.parser.allocated + am + c.multiMem + pending + rbs + 1024;
  const tracking = c.extraFlags.includes('t');
  const cmd = c.cmd ?? c.lastCmd;
  return `id=${c.id} addr=${c.addr} laddr=${c.laddr} fd=${c.fd} name=${c.name}` +
    ` age=${Math.floor(now / 1000) - Math.floor(c.createdAt / 1000)}` +
    ` idle=${Math.floor(now / 1000) - Math.floor(c.lastInteraction / 1000)}` +
    ` flags=${clientFlags(c)} db=${c.db.id} sub=${c.subs} psub=${c.psubs} ssub=${c.ssubs}` +
    ` multi=${c.inMulti ? c.multiCount : -1} watch=${c.watchCount}` +
    ` qbuf=${qbuf} qbuf-free=${qfree} argv-mem=${am} multi-mem=${c.multiMem}` +
    ` rbs=${rbs} rbp=${rbs} obl=${c.w.length} oll=${pending > 0 ? 1 : 0} omem=${pending} tot-mem=${tot}` +
    ` events=${pending > 0 ? 'rw' : 'r'} cmd=${cmd ? cmd.fullName : 'NULL'} user=${c.user}` +
    ` redir=${tracking ? Math.max(0, c.trackingRedirect) : -1} resp=${c.resp}` +
    ` lib-name=${c.libName} lib-ver=${c.libVer}` +
    ` tot-net-in=${c.netIn} tot-net-out=${c.netOut} tot-cmds=${c.commands}`;
}

/** The client's IP address (without port or IPv6 brackets). */
function clientIp(c: Client): string {
  const a = c.addr;
  const i = a.lastIndexOf(':');
  const ip = i < 0 ? a : a.slice(0, i);
  return ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
}

// ------------------------------------------------------------------ LIST / KILL filters

interface ClientFilter {
  ids: Set<number> | null; notIds: Set<number> | null;
  type: ClientType | null; notType: ClientType | null;
  user: string | null; notUser: string | null;
  addr: string | null; notAddr: string | null;
  laddr: string | null; notLaddr: string | null;
  skipme: boolean;
  maxAge: number;
  idle: number;
  name: string | null; notName: string | null;
  flags: string | null; notFlags: string | null;
  libName: string | null; notLibName: string | null;
  libVer: string | null; notLibVer: string | null;
  db: number | null; notDb: number | null;
  capa: string | null; notCapa: string | null;
  ip: string | null; notIp: string | null;
}

function emptyFilter(skipme: boolean): ClientFilter {
  return {
    ids: null, notIds: null, type: null, notType: null, user: null, notUser: null, addr: null,
    notAddr: null, laddr: null, notLaddr: null, skipme, maxAge: 0, idle: 0, name: null,
    notName: null, flags: null, notFlags: null, libName: null, notLibName: null, libVer: null,
    notLibVer: null, db: null, notDb: null, capa: null, notCapa: null, ip: null, notIp: null,
  };
}

/** Whether a user of that name exists (ACLs replace this; until then only "default"). */
export const userDirectory = {
  exists(_s: Server, name: string): boolean { return name === 'default'; },
};

/**
 * Parses the filters of CLIENT LIST / CLIENT KILL from argv[from]. `forKill` selects KILL's
 * validation (ids must be > 0). Replies with the error and returns null when invalid.
 */
function parseFilters(c: Client, argv: Buffer[], from: number, forKill: boolean): ClientFilter | null {
  const f = emptyFilter(forKill);
  const w = c.w;
  let i = from;
  while (i < argv.length) {
    const opt = lower(argv[i]!);
    const hasValue = i + 1 < argv.length;
    if (!hasValue) { w.error(E.syntax); return null; }
    const raw = argv[i + 1]!;
    const val = raw.toString();
    if (opt === 'id' || opt === 'not-id') {
      // One or more ids: the first is required, further integers are taken while they parse.
      const ids = new Set<number>();
      let j = i + 1;
      for (; j < argv.length; j++) {
        const n = parseInt64(argv[j]!);
        if (n === null) {
          if (j === i + 1) { w.error(forKill ? 'ERR client-id should be greater than 0' : 'ERR Invalid client ID'); return null; }
          break;
        }
        if (forKill && n < 1) { w.error('ERR client-id should be greater than 0'); return null; }
        ids.add(n);
      }
      if (opt === 'id') f.ids = ids; else f.notIds = ids;
      i = j;
      continue;
    }
    switch (opt) {
      case 'type': case 'not-type': {
        const t = clientTypeByName(val);
        if (t === null) { w.error(`ERR Unknown client type '${val}'`); return null; }
        if (opt === 'type') f.type = t; else f.notType = t;
        break;
      }
      case 'user': case 'not-user':
        if (!userDirectory.exists(c.server, val)) { w.error(`ERR No such user '${val}'`); return null; }
        if (opt === 'user') f.user = val; else f.notUser = val;
        break;
      case 'addr': f.addr = val; break;
      case 'not-addr': f.notAddr = val; break;
      case 'laddr': f.laddr = val; break;
      case 'not-laddr': f.notLaddr = val; break;
      case 'skipme':
        if (isArg(raw, 'yes')) f.skipme = true;
        else if (isArg(raw, 'no')) f.skipme = false;
        else { w.error(E.syntax); return null; }
        break;
      case 'maxage': case 'idle': {
        const n = parseInt64(raw);
        if (n === null) { w.error(`ERR ${opt} is not an integer or out of range`); return null; }
        if (n <= 0) { w.error(`ERR ${opt} should be greater than 0`); return null; }
        if (opt === 'maxage') f.maxAge = n; else f.idle = n;
        break;
      }
      case 'name': f.name = val; break;
      case 'not-name': f.notName = val; break;
      case 'flags': case 'not-flags':
        for (const ch of val) {
          if (!FLAG_FILTER_CHARS.includes(ch)) {
            w.error(opt === 'flags' ? `ERR Unknown flags found in the provided filter: ${val}`
              : `ERR Unknown flags found in the NOT-FLAGS filter: ${val}`);
            return null;
          }
        }
        if (opt === 'flags') f.flags = val; else f.notFlags = val;
        break;
      case 'capa': case 'not-capa':
        for (const ch of val) {
          if (ch !== 'r') {
            w.error(opt === 'capa' ? `ERR Unknown capa found in the provided filter: ${val}`
              : `ERR Unknown capa found in the NOT-CAPA filter: ${val}`);
            return null;
          }
        }
        if (opt === 'capa') f.capa = val; else f.notCapa = val;
        break;
      case 'lib-name': f.libName = val; break;
      case 'not-lib-name': f.notLibName = val; break;
      case 'lib-ver': f.libVer = val; break;
      case 'not-lib-ver': f.notLibVer = val; break;
      case 'db': case 'not-db': {
        const n = parseInt64(raw);
        if (n === null) { w.error(E.notInteger); return null; }
        if (opt === 'db') f.db = n; else f.notDb = n;
        break;
      }
      case 'ip': f.ip = val; break;
      case 'not-ip': f.notIp = val; break;
      default:
        w.error(E.syntax);
        return null;
    }
    i += 2;
  }
  return f;
}

function hasAll(have: string, want: string): boolean {
  for (const ch of want) if (!have.includes(ch)) return false;
  return true;
}

function matches(cl: Client, f: ClientFilter, self: Client): boolean {
  if (f.skipme && cl === self) return false;
  if (f.ids && !f.ids.has(cl.id)) return false;
  if (f.notIds && f.notIds.has(cl.id)) return false;
  if (f.addr !== null && cl.addr !== f.addr) return false;
  if (f.notAddr !== null && cl.addr === f.notAddr) return false;
  if (f.laddr !== null && cl.laddr !== f.laddr) return false;
  if (f.notLaddr !== null && cl.laddr === f.notLaddr) return false;
  if (f.type !== null || f.notType !== null) {
    const t = clientType(cl);
    if (f.type !== null && t !== f.type) return false;
    if (f.notType !== null && t === f.notType) return false;
  }
  if (f.user !== null && cl.user !== f.user) return false;
  if (f.notUser !== null && cl.user === f.notUser) return false;
  const nowS = Math.floor(Date.now() / 1000);
  if (f.maxAge > 0 && nowS - Math.floor(cl.createdAt / 1000) < f.maxAge) return false;
  if (f.idle > 0 && nowS - Math.floor(cl.lastInteraction / 1000) < f.idle) return false;
  if (f.name !== null && cl.name !== f.name) return false;
  if (f.notName !== null && cl.name === f.notName) return false;
  if (f.flags !== null || f.notFlags !== null) {
    const fl = clientFlags(cl);
    if (f.flags !== null && !hasAll(fl, f.flags)) return false;
    if (f.notFlags !== null && hasAll(fl, f.notFlags)) return false;
  }
  if (f.capa !== null && !hasAll(clientCapa(cl), f.capa)) return false;
  if (f.notCapa !== null && hasAll(clientCapa(cl), f.notCapa)) return false;
  if (f.libName !== null && cl.libName !== f.libName) return false;
  if (f.notLibName !== null && cl.libName === f.notLibName) return false;
  if (f.libVer !== null && cl.libVer !== f.libVer) return false;
  if (f.notLibVer !== null && cl.libVer === f.notLibVer) return false;
  if (f.db !== null && cl.db.id !== f.db) return false;
  if (f.notDb !== null && cl.db.id === f.notDb) return false;
  if (f.ip !== null && clientIp(cl) !== f.ip) return false;
  if (f.notIp !== null && clientIp(cl) === f.notIp) return false;
  return true;
}

// ------------------------------------------------------------------ subcommands

function clientId(c: Client): void { c.w.int(c.id); }

function clientInfo(c: Client): void { c.w.verbatim(clientInfoString(c, c) + '\n'); }

function clientList(c: Client, argv: Buffer[]): void {
  const f = parseFilters(c, argv, 2, false);
  if (!f) return;
  let out = '';
  if (f.ids && argv.length > 2 && lower(argv[2]!) === 'id' && onlyIdFilter(f)) {
    // Like Valkey, CLIENT LIST ID lists in the order the ids were given.
    for (const id of f.ids) {
      const cl = c.server.clients.get(id);
      if (cl) out += clientInfoString(cl, c) + '\n';
    }
  } else {
    for (const cl of c.server.clients.values()) {
      if (matches(cl, f, c)) out += clientInfoString(cl, c) + '\n';
    }
  }
  c.w.verbatim(out);
}

function onlyIdFilter(f: ClientFilter): boolean {
  const base = emptyFilter(false);
  for (const k of Object.keys(base) as Array<keyof ClientFilter>) {
    if (k === 'ids') continue;
    if (f[k] !== base[k]) return false;
  }
  return true;
}

function clientKill(c: Client, argv: Buffer[]): void {
  const s = c.server;
  if (argv.length === 3) {
    // Old form: CLIENT KILL <addr> (may kill the calling client).
    const addr = argv[2]!.toString();
    let killed = 0;
    for (const cl of [...s.clients.values()]) {
      if (cl.addr !== addr) continue;
      killed++;
      if (cl === c) c.closeAfterReply = true; else cl.close();
    }
    if (killed === 0) c.w.error(E.noSuchClient); else c.w.ok();
    return;
  }
  const f = parseFilters(c, argv, 2, true);
  if (!f) return;
  let killed = 0;
  let self = false;
  for (const cl of [...s.clients.values()]) {
    if (!matches(cl, f, c)) continue;
    killed++;
    if (cl === c) self = true; else cl.close();
  }
  c.w.int(killed);
  // The caller is closed only once its reply is queued.
  if (self) c.closeAfterReply = true;
}

function clientSetName(c: Client, argv: Buffer[]): void {
  const err = validateClientName(argv[2]!);
  if (err) { c.w.error(err); return; }
  c.name = argv[2]!.toString();
  c.w.ok();
}

function clientGetName(c: Client): void {
  if (c.name) c.w.bulk(c.name); else c.w.nil();
}

function clientSetInfo(c: Client, argv: Buffer[]): void {
  const attr = argv[2]!.toString();
  const val = argv[3]!;
  const which = attr.toLowerCase();
  if (which !== 'lib-name' && which !== 'lib-ver') { c.w.error(`ERR Unrecognized option '${attr}'`); return; }
  if (!printable(val)) { c.w.error(`ERR ${attr} cannot contain spaces, newlines or special characters.`); return; }
  if (which === 'lib-name') c.libName = val.toString(); else c.libVer = val.toString();
  c.w.ok();
}

function clientPause(c: Client, argv: Buffer[]): void {
  let mode: 'all' | 'write' = 'all';
  if (argv.length === 4) {
    if (isArg(argv[3]!, 'write')) mode = 'write';
    else if (!isArg(argv[3]!, 'all')) { c.w.error('ERR CLIENT PAUSE mode must be WRITE or ALL'); return; }
  } else if (argv.length > 4) {
    c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString(), 'client'));
    return;
  }
  const ms = parseInt64(argv[2]!);
  if (ms === null) { c.w.error(E.timeoutNotInteger); return; }
  if (ms < 0) { c.w.error(E.timeoutNegative); return; }
  const now = Date.now();
  if (ms > Number.MAX_SAFE_INTEGER - now) { c.w.error(E.timeoutOutOfRange); return; }
  c.server.pause.pause(mode, ms > 0 ? now + ms : 0, c.server.ks);
  c.w.ok();
}

function clientUnpause(c: Client): void {
  c.server.pause.unpause();
  c.w.ok();
}

function clientReply(c: Client, argv: Buffer[]): void {
  const a = argv[2]!;
  if (isArg(a, 'on')) { c.replyMode = CLIENT_REPLY_ON; c.w.ok(); }
  else if (isArg(a, 'off')) c.replyMode = CLIENT_REPLY_OFF;
  else if (isArg(a, 'skip')) { if (c.replyMode !== CLIENT_REPLY_OFF) c.replyMode = CLIENT_REPLY_SKIP; }
  else c.w.error(E.syntax);
}

function onOff(c: Client, arg: Buffer, set: (v: boolean) => void): void {
  if (isArg(arg, 'on')) set(true);
  else if (isArg(arg, 'off')) set(false);
  else { c.w.error(E.syntax); return; }
  c.w.ok();
}

function clientNoEvict(c: Client, argv: Buffer[]): void { onOff(c, argv[2]!, (v) => { c.noEvict = v; }); }
function clientNoTouch(c: Client, argv: Buffer[]): void { onOff(c, argv[2]!, (v) => { c.noTouch = v; }); }

function clientUnblock(c: Client, argv: Buffer[]): void {
  if (argv.length > 4) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString(), 'client')); return; }
  let error = false;
  if (argv.length === 4) {
    if (isArg(argv[3]!, 'timeout')) error = false;
    else if (isArg(argv[3]!, 'error')) error = true;
    else { c.w.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR'); return; }
  }
  const id = parseInt64(argv[2]!);
  if (id === null) { c.w.error(E.notInteger); return; }
  const target = c.server.clients.get(id);
  // Only a client waiting in a blocking command with a timeout can be unblocked; a client held
  // by CLIENT PAUSE is not.
  if (target && target.blocked && target.blockedReason !== 'pause' && target.onUnblock) {
    target.onUnblock(error);
    c.w.int(1);
  } else {
    c.w.int(0);
  }
}

function clientCapaCmd(c: Client, argv: Buffer[]): void {
  for (let i = 2; i < argv.length; i++) if (isArg(argv[i]!, 'redirect')) c.capa |= CAPA_REDIRECT;
  c.w.ok();
}

/** Help lines per subcommand; only implemented subcommands are listed. */
const HELP: Array<[string, string[]]> = [
  ['caching', ['CACHING (YES|NO)', '    In OPTIN/OPTOUT tracking mode, decide whether the next command\'s keys are tracked.']],
  ['capa', ['CAPA <option> [options...]', '    Declare capabilities of this client. Known options:', '    * REDIRECT',
    '      Redirect replies are understood (primary/replica failover in standalone mode).']],
  ['getredir', ['GETREDIR', '    Return the id of the client tracking notifications are redirected to.']],
  ['getname', ['GETNAME', '    Return the name of this connection.']],
  ['id', ['ID', '    Return the id of this connection.']],
  ['info', ['INFO', '    Return information about this connection.']],
  ['kill', ['KILL <ip:port>', '    Close the connection from <ip:port>.',
    'KILL <option> <value> [<option> <value> [...]]', '    Close the connections that match every filter. Filters:',
    '    * ADDR (<ip:port>|<unixsocket>:0)', '      Remote address of the connection.',
    '    * LADDR (<ip:port>|<unixsocket>:0)', '      Local (bound) address of the connection.',
    '    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)', '      Kind of connection.',
    '    * USER <username>', '      User the connection is authenticated as.',
    '    * SKIPME (YES|NO)', '      Whether to spare the calling connection (default: YES).',
    '    * ID <client-id> [<client-id>...]', '      Connection ids.',
    '    * MAXAGE <maxage>', '      Connections at least <maxage> seconds old.',
    '    * NAME <name>, IDLE <seconds>, FLAGS <flags>, LIB-NAME <name>, LIB-VER <version>,',
    '      DB <db>, CAPA <capa>, IP <ip>', '      Connection name, idle time, flags, library, database, capabilities, IP.',
    '    * NOT-<filter> <value>', '      Any filter but SKIPME and MAXAGE, negated.']],
  ['list', ['LIST [options ...]', '    Return information about connections, filtered as KILL filters (default: all).']],
  ['unpause', ['UNPAUSE', '    End a client pause: held commands run.']],
  ['pause', ['PAUSE <timeout> [WRITE|ALL]', '    Hold every command (ALL) or only writes (WRITE) for <timeout> milliseconds.']],
  ['reply', ['REPLY (ON|OFF|SKIP)', '    Turn replies to this connection on or off, or skip the next one.']],
  ['setname', ['SETNAME <name>', '    Give this connection the name <name>.']],
  ['setinfo', ['SETINFO <option> <value>', '    Record an attribute of this connection. Options are:',
    '    * LIB-NAME: the client library name.', '    * LIB-VER: the client library version.']],
  ['unblock', ['UNBLOCK <clientid> [TIMEOUT|ERROR]', '    End the blocking command of that client, as a timeout (default) or with an error.']],
  ['tracking', ['TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]', '         [OPTIN] [OPTOUT] [NOLOOP]',
    '    Turn server assisted client side caching on or off.']],
  ['trackinginfo', ['TRACKINGINFO', '    Report the tracking state of this connection.']],
  ['no-evict', ['NO-EVICT (ON|OFF)', '    Exempt this connection from client eviction, or not.']],
  ['no-touch', ['NO-TOUCH (ON|OFF)', '    When on, commands of this connection leave the LRU/LFU of keys untouched.']],
];

function clientHelp(c: Client): void {
  const container = c.server.registry.commands.get('client');
  const lines: string[] = [];
  for (const [sub, text] of HELP) {
    if (container?.subcommands?.get(sub)?.handler) lines.push(...text);
  }
  replyHelp(c, lines);
}

export function registerClient(r: Registry): void {
  r.handle('client|id', clientId);
  r.handle('client|info', clientInfo);
  r.handle('client|list', clientList);
  r.handle('client|kill', clientKill);
  r.handle('client|setname', clientSetName);
  r.handle('client|getname', clientGetName);
  r.handle('client|setinfo', clientSetInfo);
  r.handle('client|pause', clientPause);
  r.handle('client|unpause', clientUnpause);
  r.handle('client|reply', clientReply);
  r.handle('client|no-evict', clientNoEvict);
  r.handle('client|no-touch', clientNoTouch);
  r.handle('client|unblock', clientUnblock);
  r.handle('client|capa', clientCapaCmd);
  r.handle('client|help', clientHelp);
}
