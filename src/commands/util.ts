// Small helpers command handlers share: look up a key of a type or reply, parse an argument
// or reply, report a change. Each returns a sentinel after replying so handlers can bail out.
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { parseDouble, parseInt64 } from '../util/number.js';

export const WRONGTYPE = -1;

/** Looks up key for reading; replies WRONGTYPE and returns WRONGTYPE when its type differs. */
export function lookupTyped(c: Client, key: Buffer, type: number): number {
  const a = c.db.lookup(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== type) { c.w.error(E.wrongType); return WRONGTYPE; }
  return a;
}

/** Same for writes (no hit/miss statistics). */
export function lookupTypedWrite(c: Client, key: Buffer, type: number): number {
  const a = c.db.lookupWrite(key);
  if (a !== 0 && c.server.ks.arena.type(a) !== type) { c.w.error(E.wrongType); return WRONGTYPE; }
  return a;
}

/** Parses an integer argument; replies `err` and returns null when invalid. */
export function intArg(c: Client, b: Buffer, err: string = E.notInteger): number | null {
  const v = parseInt64(b);
  if (v === null) c.w.error(err);
  return v;
}

/** Parses a float argument; replies and returns null when invalid. */
export function floatArg(c: Client, b: Buffer, err: string = E.notFloat): number | null {
  const v = parseDouble(b);
  if (v === null) c.w.error(err);
  return v;
}

/** Reports a write to the keyspace listeners (WATCH, notifications, tracking, ...). */
export function changed(c: Client, key: Buffer, event: string, cls: number): void {
  c.server.ks.changed(c.db.id, key, event, cls);
}

/** Case-insensitive comparison of an argument with an ASCII keyword given in lowercase. */
export function isArg(b: Buffer, lower: string): boolean {
  const n = lower.length;
  if (b.length !== n) return false;
  for (let i = 0; i < n; i++) {
    let ch = b[i]!;
    if (ch >= 65 && ch <= 90) ch |= 0x20;
    if (ch !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Lowercase latin1 text of an argument (for option matching in slow paths). */
export function lower(b: Buffer): string { return b.toString('latin1').toLowerCase(); }
