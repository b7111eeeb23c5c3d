// String commands.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { OBJ_STRING, NOTIFY_STRING } from '../store/types.js';
import { lookupTyped, changed } from './util.js';

function getCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_STRING);
  if (a < 0) return;
  if (a === 0) { c.w.nil(); return; }
  c.w.bulk(c.db.stringView(a));
}

function setCommand(c: Client, argv: Buffer[]): void {
  if (argv.length !== 3) { c.w.error(E.syntax); return; }
  c.db.setString(argv[1]!, argv[2]!, 0);
  changed(c, argv[1]!, 'set', NOTIFY_STRING);
  c.w.ok();
}

export function registerString(r: Registry): void {
  r.handle('get', getCommand);
  r.handle('set', setCommand);
}
