// Connection commands: PING, ECHO, QUIT, SELECT.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { parseInt64 } from '../util/number.js';

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
  if (id === null) { c.w.error(E.invalidDb); return; }
  const db = c.server.ks.dbs[id];
  if (id < 0 || !db) { c.w.error(E.dbIndex); return; }
  c.db = db;
  c.w.ok();
}

export function registerConnection(r: Registry): void {
  r.handle('ping', ping);
  r.handle('echo', echo);
  r.handle('quit', quit);
  r.handle('select', select);
}
