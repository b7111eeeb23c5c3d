// SYNC, PSYNC and REPLCONF: what a replica (or valkey-cli --replica / --rdb, or the test
// harness) sends to attach to this server's replication stream. See replication/primary.ts.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { parseInt64, parseI64 } from '../util/number.js';
import { splitArgsBuf } from '../util/splitargs.js';
import { primary, replconfState, ReplState } from '../replication/primary.js';
import { replicaLink } from '../replication/replica.js';

function syncCommand(c: Client, argv: Buffer[]): void { primary(c.server).sync(c, argv); }

/** ROLE: ["master", offset, [[ip, port, acked offset] per online replica]] (or the replica view). */
function roleCommand(c: Client): void {
  const s = c.server;
  const link = replicaLink(s);
  if (link.host !== null) { link.roleReply(c); return; }
  const p = primary(s);
  const online = p.replicas.filter((r) => r.state === ReplState.Online);
  c.w.arr(3);
  c.w.bulk('master');
  c.w.int(p.offset);
  c.w.arr(online.length);
  for (const r of online) {
    c.w.arr(3);
    c.w.bulk(r.ipAddress || (r.c.socket?.remoteAddress ?? '').replace(/^::ffff:/, ''));
    c.w.bulk(String(r.listeningPort));
    c.w.bulk(String(r.ackOffset));
  }
}

/** REPLICAOF host port | REPLICAOF NO ONE (and its alias SLAVEOF). */
function replicaofCommand(c: Client, argv: Buffer[]): void {
  const s = c.server;
  if (s.config.bool('cluster-enabled')) { c.w.error('ERR REPLICAOF not allowed in cluster mode.'); return; }
  const link = replicaLink(s);
  if (isArg(argv[1]!, 'no') && isArg(argv[2]!, 'one')) {
    if (link.host !== null) {
      link.unsetPrimary();
      s.log.notice(`PRIMARY MODE enabled (user request from 'id=${c.id} addr=${c.addr} laddr=${c.laddr}')`);
    }
    c.w.ok();
    return;
  }
  if (primary(s).replicaOf(c) !== undefined) { c.w.error('ERR Command is not valid when client is a replica.'); return; }
  const port = parseInt64(argv[2]!);
  if (port === null || port < 0 || port > 65535) { c.w.error('ERR Invalid master port'); return; }
  const host = argv[1]!.toString('latin1');
  if (link.host !== null && link.host.toLowerCase() === host.toLowerCase() && link.port === port) {
    s.log.notice('REPLICAOF would result into synchronization with the primary we are already connected with. No operation performed.');
    c.w.simple('OK Already connected to specified master');
    return;
  }
  link.setPrimary(host, port);
  s.log.notice(`REPLICAOF ${host}:${port} enabled (user request from 'id=${c.id} addr=${c.addr} laddr=${c.laddr}')`);
  c.w.ok();
}

/** WAIT numreplicas timeout */
function waitCommand(c: Client, argv: Buffer[]): void {
  const s = c.server;
  if (s.config.replicaOf() !== null) {
    c.w.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
    return;
  }
  const num = parseInt64(argv[1]!);
  if (num === null) { c.w.error(E.notInteger); return; }
  const timeout = parseInt64(argv[2]!);
  if (timeout === null) { c.w.error('ERR timeout is not an integer or out of range'); return; }
  if (timeout < 0) { c.w.error(E.timeoutNegative); return; }
  primary(s).wait(c, num, timeout);
}

/** Valkey's version2num: "x.y.z" with each part in 0..255. */
function validVersion(v: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m !== null && [m[1], m[2], m[3]].every((p) => Number(p) <= 255);
}

function replconfCommand(c: Client, argv: Buffer[]): void {
  if (argv.length % 2 === 0) { c.w.error(E.syntax); return; }
  const s = c.server;
  const p = primary(s);
  const st = replconfState(s, c);
  for (let j = 1; j < argv.length; j += 2) {
    const opt = argv[j]!;
    const val = argv[j + 1]!;
    if (isArg(opt, 'listening-port')) {
      const port = parseInt64(val);
      if (port === null) { c.w.error(E.notInteger); return; }
      st.listeningPort = port;
    } else if (isArg(opt, 'ip-address')) {
      if (val.length >= 256) {
        c.w.error(`ERR REPLCONF ip-address provided by replica instance is too long: ${val.length} bytes`);
        return;
      }
      st.ipAddress = val.toString('latin1');
    } else if (isArg(opt, 'capa')) {
      // Capabilities this primary does not know (dual-channel: not supported here) are ignored.
      if (isArg(val, 'eof')) st.capaEof = true;
      else if (isArg(val, 'psync2')) st.capaPsync2 = true;
    } else if (isArg(opt, 'ack')) {
      // From a replica: how much of the stream it processed. Never answered.
      const off = parseI64(val);
      if (p.replicaOf(c) === undefined || off === null) return;
      p.ack(c, Number(off));
      return;
    } else if (isArg(opt, 'getack')) {
      // Only meaningful on a replica (its primary asks for an ACK): nothing to do, no reply.
      return;
    } else if (isArg(opt, 'rdb-only')) {
      const v = parseInt64(val);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v < 0 || v > 1) { c.w.error('ERR value is out of range, value must between 0 and 1'); return; }
      st.rdbOnly = v === 1;
    } else if (isArg(opt, 'rdb-filter-only')) {
      // "Include" filters: any filter list leaves the data out; the functions go in only when
      // named. (The setting stays as far as the list was read, even when a later entry fails.)
      const filters = splitArgsBuf(val);
      if (filters === null) { c.w.error('ERR Missing rdb-filter-only values'); return; }
      st.include = { data: false, functions: false };
      for (const f of filters) {
        if (isArg(f, 'functions')) st.include.functions = true;
        else { c.w.error(`ERR Unsupported rdb-filter-only option: ${f.toString('latin1')}`); return; }
      }
    } else if (isArg(opt, 'version')) {
      const v = val.toString('latin1');
      if (!validVersion(v)) { c.w.error(`ERR Unrecognized version format: ${v}`); return; }
      st.version = v;
    } else if (isArg(opt, 'rdb-channel')) {
      const v = parseInt64(val);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v < 0 || v > 1) { c.w.error('ERR value is out of range, value must between 0 and 1'); return; }
    } else if (isArg(opt, 'set-rdb-client-id')) {
      const v = parseI64(val);
      if (v === null) { c.w.error(E.notInteger); return; }
      c.w.error(`ERR Unrecognized RDB client id ${v}`);
      return;
    } else if (isArg(opt, 'set-cluster-node-id')) {
      // Cluster mode only; nothing to record in standalone mode.
    } else {
      c.w.error(E.replconfUnknown(opt.toString('latin1')));
      return;
    }
  }
  c.w.ok();
}

export function registerReplication(r: Registry): void {
  r.handle('sync', syncCommand);
  r.handle('psync', syncCommand);
  r.handle('replconf', replconfCommand);
  r.handle('role', roleCommand);
  r.handle('wait', waitCommand);
  r.handle('replicaof', replicaofCommand);
  r.handle('slaveof', replicaofCommand);
}
