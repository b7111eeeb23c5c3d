// COMMAND and its subcommands: introspection of the command table. Only implemented commands
// (those with a handler in the registry) are listed, with Valkey's reply shapes: flags and
// categories as sets of status replies, key specs and documentation as maps.
import type { Registry, Command, KeySpecJson, ArgSpec } from './registry.js';
import { CMD } from './registry.js';
import type { Client } from '../server/client.js';
import type { Writer } from '../protocol/writer.js';
import { E } from '../errors.js';
import { isArg } from './util.js';
import { stringMatch } from '../util/glob.js';
import { replyHelp } from './server.js';

// ------------------------------------------------------------------ lookups

/** Looks up "name" or "container|sub" among implemented commands, as Valkey's strict lookup. */
export function lookupByFullName(r: Registry, name: string): Command | undefined {
  const parts = name.split('|');
  if (parts.length < 1 || parts.length > 2) return undefined;
  const base = r.commands.get(parts[0]!.toLowerCase());
  if (!base) return undefined;
  if (parts.length === 1) return base;
  const sub = base.subcommands?.get(parts[1]!.toLowerCase());
  return sub && sub.handler ? sub : undefined;
}

/** Looks up the command an argv would run (container + subcommand when it has them). */
function lookupArgv(r: Registry, argv: Buffer[]): Command | undefined {
  if (argv.length === 0) return undefined;
  const base = r.commands.get(argv[0]!.toString('latin1').toLowerCase());
  if (!base) return undefined;
  if (!base.subcommands || argv.length === 1) return base.handler || base.subcommands ? base : undefined;
  const sub = base.subcommands.get(argv[1]!.toString('latin1').toLowerCase());
  return sub && sub.handler ? sub : undefined;
}

function implementedSubs(c: Command): Command[] {
  return c.subcommands ? [...c.subcommands.values()].filter((s) => s.handler) : [];
}

// ------------------------------------------------------------------ key specs

export const KEY_FLAG = {
  RO: 1 << 0, RW: 1 << 1, OW: 1 << 2, RM: 1 << 3, ACCESS: 1 << 4, UPDATE: 1 << 5, INSERT: 1 << 6,
  DELETE: 1 << 7, NOT_KEY: 1 << 8, INCOMPLETE: 1 << 9, VARIABLE_FLAGS: 1 << 10,
} as const;
const KEY_FLAG_NAMES: Array<[number, string]> = [
  [KEY_FLAG.RO, 'RO'], [KEY_FLAG.RW, 'RW'], [KEY_FLAG.OW, 'OW'], [KEY_FLAG.RM, 'RM'],
  [KEY_FLAG.ACCESS, 'access'], [KEY_FLAG.UPDATE, 'update'], [KEY_FLAG.INSERT, 'insert'],
  [KEY_FLAG.DELETE, 'delete'], [KEY_FLAG.NOT_KEY, 'not_key'], [KEY_FLAG.INCOMPLETE, 'incomplete'],
  [KEY_FLAG.VARIABLE_FLAGS, 'variable_flags'],
];

export function keySpecFlags(ks: KeySpecJson): number {
  let f = 0;
  for (const n of ks.flags) f |= (KEY_FLAG as Record<string, number>)[n.toUpperCase()] ?? 0;
  return f;
}

function writeFlagSet(w: Writer, flags: number, table: Array<[number, string]>): void {
  let n = 0;
  for (const [bit] of table) if (flags & bit) n++;
  w.set(n);
  for (const [bit, name] of table) if (flags & bit) w.simple(name);
}

/** Valkey's legacy (first, last, step) triple and movablekeys flag, derived from the key specs. */
function legacyKeys(cmd: Command): { first: number; last: number; step: number; movable: boolean } {
  const specs = cmd.spec.key_specs ?? [];
  if (specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  const isRange = (k: KeySpecJson) => k.begin_search.index !== undefined && k.find_keys.range !== undefined;
  if (specs.length === 1 && isRange(specs[0]!)) {
    const k = specs[0]!;
    const pos = k.begin_search.index!.pos, r = k.find_keys.range!;
    return {
      first: pos, last: r.lastkey >= 0 ? pos + r.lastkey : r.lastkey, step: r.step,
      movable: (keySpecFlags(k) & KEY_FLAG.INCOMPLETE) !== 0,
    };
  }
  let movable = false;
  let first = Infinity, last = 0, prevLast = 0;
  const u32 = (v: number) => v >>> 0;
  for (const k of specs) {
    if (!isRange(k)) { movable = true; continue; }
    const pos = k.begin_search.index!.pos, r = k.find_keys.range!;
    if (r.step !== 1 || (prevLast && prevLast !== pos - 1)) { movable = true; continue; }
    if (keySpecFlags(k) & KEY_FLAG.INCOMPLETE) movable = true;
    first = Math.min(first, pos);
    const abs = r.lastkey >= 0 ? r.lastkey + pos : r.lastkey;
    last = u32(last) >= u32(abs) ? last : abs;
    prevLast = last;
  }
  if (first === Infinity) return { first: 0, last: 0, step: 0, movable: true };
  return { first, last, step: 1, movable };
}

/** Key positions and flags found by the key specs; null when a spec cannot be applied (Valkey's -1). */
function keysBySpecs(cmd: Command, argv: Buffer[]): Array<{ pos: number; flags: number }> | null {
  const argc = argv.length;
  const out: Array<{ pos: number; flags: number }> = [];
  for (const ks of cmd.spec.key_specs ?? []) {
    const flags = keySpecFlags(ks);
    if (flags & KEY_FLAG.NOT_KEY) continue;
    let first = 0;
    const bs = ks.begin_search;
    if (bs.index) first = bs.index.pos;
    else if (bs.keyword) {
      const kw = bs.keyword.keyword.toLowerCase();
      const from = bs.keyword.startfrom;
      const start = from > 0 ? from : argc + from;
      const end = from > 0 ? argc - 1 : 1;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i]!.toString('latin1').toLowerCase() === kw) { first = i + 1; break; }
      }
      if (!first) continue;
    } else return null;
    let last: number, step: number;
    const fk = ks.find_keys;
    if (fk.range) {
      step = fk.range.step;
      if (fk.range.lastkey >= 0) last = first + fk.range.lastkey;
      else if (!fk.range.limit) last = argc + fk.range.lastkey;
      else last = first + (Math.floor((argc - first) / fk.range.limit) + fk.range.lastkey);
    } else if (fk.keynum) {
      step = fk.keynum.step;
      if (fk.keynum.keynumidx >= argc || first + fk.keynum.keynumidx >= argc) return null;
      const s = argv[first + fk.keynum.keynumidx]!.toString('latin1');
      if (!/^-?(0|[1-9][0-9]*)$/.test(s)) return null;
      const numkeys = Number(s);
      if (numkeys < 0 || !Number.isSafeInteger(numkeys)) return null;
      first += fk.keynum.firstkey;
      last = first + numkeys - 1;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step || 1) {
      if (i >= argc || i < first) continue;
      out.push({ pos: i, flags });
    }
    if (flags & KEY_FLAG.INCOMPLETE) return null;
  }
  return out;
}

const ARG_NAMES_RW = KEY_FLAG.RW | KEY_FLAG.ACCESS | KEY_FLAG.UPDATE;

/** Valkey's native key finders for commands whose specs cannot describe them fully. */
function nativeKeys(cmd: Command, argv: Buffer[]): Array<{ pos: number; flags: number }> {
  const argc = argv.length;
  const lc = (i: number) => argv[i]!.toString('latin1').toLowerCase();
  switch (cmd.fullName) {
    case 'set': {
      for (let i = 3; i < argc; i++) if (lc(i) === 'get') return [{ pos: 1, flags: ARG_NAMES_RW }];
      return [{ pos: 1, flags: KEY_FLAG.OW | KEY_FLAG.UPDATE }];
    }
    case 'bitfield': {
      let readonly = true;
      for (let i = 2; i < argc; i++) {
        const rem = argc - i - 1;
        const a = lc(i);
        if (a === 'get' && rem >= 2) i += 2;
        else if ((a === 'set' || a === 'incrby') && rem >= 3) { readonly = false; break; }
        else if (a === 'overflow' && rem >= 1) i += 1;
        else { readonly = false; break; }
      }
      return [{ pos: 1, flags: readonly ? KEY_FLAG.RO | KEY_FLAG.ACCESS : ARG_NAMES_RW }];
    }
    case 'sort': {
      const out = [{ pos: 1, flags: KEY_FLAG.RO | KEY_FLAG.ACCESS }];
      let store = -1;
      const skip: Record<string, number> = { limit: 2, get: 1, by: 1 };
      for (let i = 2; i < argc; i++) {
        const a = lc(i);
        if (skip[a] !== undefined) i += skip[a]!;
        else if (a === 'store' && i + 1 < argc) store = i + 1;
      }
      if (store > 0) out.push({ pos: store, flags: KEY_FLAG.OW | KEY_FLAG.UPDATE });
      return out;
    }
    case 'sort_ro':
      return [{ pos: 1, flags: KEY_FLAG.RO | KEY_FLAG.ACCESS }];
    case 'migrate': {
      let first = 3, num = 1;
      const skip: Record<string, number> = { copy: 0, replace: 0, auth: 1, auth2: 2 };
      if (argc > 6) {
        for (let i = 6; i < argc; i++) {
          const a = lc(i);
          if (a === 'keys') {
            if (argv[3]!.length > 0) num = 0; else { first = i + 1; num = argc - first; }
            break;
          }
          if (skip[a] !== undefined) i += skip[a]!;
        }
      }
      const out = [];
      for (let i = 0; i < num; i++) out.push({ pos: first + i, flags: KEY_FLAG.RW | KEY_FLAG.ACCESS | KEY_FLAG.DELETE });
      return out;
    }
    default: {
      // Commands with a custom key function in the registry: positions from it, flags from the
      // first key spec (without the meta flags).
      if (cmd.keysFn) {
        const ks0 = cmd.spec.key_specs?.[0];
        const flags = ks0 ? keySpecFlags(ks0) & ~(KEY_FLAG.INCOMPLETE | KEY_FLAG.VARIABLE_FLAGS) : 0;
        return cmd.keysFn(argv).map((pos) => ({ pos, flags }));
      }
      return [];
    }
  }
}

/** Whether the command can have keys at all (Valkey's doesCommandHaveKeys). */
function hasKeys(cmd: Command): boolean {
  if (cmd.spec.get_keys_function || cmd.keysFn) return true;
  return (cmd.spec.key_specs ?? []).some((k) => !(keySpecFlags(k) & KEY_FLAG.NOT_KEY));
}

/** The keys of a full command line with their flags, as COMMAND GETKEYS computes them. */
export function getKeysWithFlags(cmd: Command, argv: Buffer[]): Array<{ pos: number; flags: number }> {
  const specs = cmd.spec.key_specs ?? [];
  const hasSpec = specs.some((k) => !(keySpecFlags(k) & KEY_FLAG.NOT_KEY));
  const varFlags = specs.some((k) => keySpecFlags(k) & KEY_FLAG.VARIABLE_FLAGS);
  if (hasSpec && !varFlags) {
    const r = keysBySpecs(cmd, argv);
    if (r !== null) return r;
  }
  if (cmd.spec.get_keys_function || cmd.keysFn) return nativeKeys(cmd, argv);
  return [];
}

// ------------------------------------------------------------------ replies

/** Command flags in Valkey's order; the hidden ones (may_replicate, sentinel, protected, ...) are left out. */
const COMMAND_FLAG_NAMES: Array<[number, string]> = [
  [CMD.write, 'write'], [CMD.readonly, 'readonly'], [CMD.denyoom, 'denyoom'], [CMD.module, 'module'],
  [CMD.admin, 'admin'], [CMD.pubsub, 'pubsub'], [CMD.noscript, 'noscript'], [CMD.blocking, 'blocking'],
  [CMD.loading, 'loading'], [CMD.stale, 'stale'], [CMD.skip_monitor, 'skip_monitor'],
  [CMD.skip_slowlog, 'skip_slowlog'], [CMD.asking, 'asking'], [CMD.fast, 'fast'], [CMD.no_auth, 'no_auth'],
  [CMD.no_mandatory_keys, 'no_mandatory_keys'], [CMD.no_async_loading, 'no_async_loading'],
  [CMD.no_multi, 'no_multi'], [CMD.movablekeys, 'movablekeys'], [CMD.allow_busy, 'allow_busy'],
];

function commandFlags(cmd: Command): number {
  const lk = legacyKeys(cmd);
  let f = cmd.flags & ~CMD.movablekeys;
  if (lk.movable) f |= CMD.movablekeys;
  return f;
}

function writeKeySpecs(w: Writer, cmd: Command): void {
  const specs = cmd.spec.key_specs ?? [];
  w.set(specs.length);
  for (const ks of specs) {
    w.map(ks.notes ? 4 : 3);
    if (ks.notes) { w.bulk('notes'); w.bulk(ks.notes); }
    w.bulk('flags');
    writeFlagSet(w, keySpecFlags(ks), KEY_FLAG_NAMES);
    w.bulk('begin_search');
    w.map(2);
    const bs = ks.begin_search;
    if (bs.index) {
      w.bulk('type'); w.bulk('index');
      w.bulk('spec'); w.map(1); w.bulk('index'); w.int(bs.index.pos);
    } else if (bs.keyword) {
      w.bulk('type'); w.bulk('keyword');
      w.bulk('spec'); w.map(2);
      w.bulk('keyword'); w.bulk(bs.keyword.keyword);
      w.bulk('startfrom'); w.int(bs.keyword.startfrom);
    } else {
      w.bulk('type'); w.bulk('unknown');
      w.bulk('spec'); w.map(0);
    }
    w.bulk('find_keys');
    w.map(2);
    const fk = ks.find_keys;
    if (fk.range) {
      w.bulk('type'); w.bulk('range');
      w.bulk('spec'); w.map(3);
      w.bulk('lastkey'); w.int(fk.range.lastkey);
      w.bulk('keystep'); w.int(fk.range.step);
      w.bulk('limit'); w.int(fk.range.limit);
    } else if (fk.keynum) {
      w.bulk('type'); w.bulk('keynum');
      w.bulk('spec'); w.map(3);
      w.bulk('keynumidx'); w.int(fk.keynum.keynumidx);
      w.bulk('firstkey'); w.int(fk.keynum.firstkey);
      w.bulk('keystep'); w.int(fk.keynum.step);
    } else {
      w.bulk('type'); w.bulk('unknown');
      w.bulk('spec'); w.map(0);
    }
  }
}

/** One COMMAND INFO entry (or a null for an unknown name). */
export function writeCommandInfo(w: Writer, cmd: Command | undefined): void {
  if (!cmd) { w.nil(); return; }
  const lk = legacyKeys(cmd);
  w.arr(10);
  w.bulk(cmd.fullName);
  w.int(cmd.arity);
  writeFlagSet(w, commandFlags(cmd), COMMAND_FLAG_NAMES);
  w.int(lk.first);
  w.int(lk.last);
  w.int(lk.step);
  w.set(cmd.aclCategories.length);
  for (const cat of cmd.aclCategories) w.simple(`@${cat}`);
  const tips = cmd.spec.tips ?? [];
  w.set(tips.length);
  for (const t of tips) w.bulk(t);
  writeKeySpecs(w, cmd);
  if (!cmd.subcommands) { w.set(0); return; }
  const subs = implementedSubs(cmd);
  w.arr(subs.length);
  for (const s of subs) writeCommandInfo(w, s);
}

function writeArgs(w: Writer, args: ArgSpec[]): void {
  w.arr(args.length);
  for (const a of args) {
    const nested = a.type === 'oneof' || a.type === 'block';
    let flags = 0;
    if (a.optional) flags |= 1;
    if (a.multiple) flags |= 2;
    if (a.multiple_token) flags |= 4;
    let n = 2;
    if (a.key_spec_index !== undefined) n++;
    if (a.token !== undefined) n++;
    if (a.since !== undefined) n++;
    if (a.deprecated_since !== undefined) n++;
    if (flags) n++;
    n++; // display_text or arguments
    w.map(n);
    w.bulk('name'); w.bulk(a.name);
    w.bulk('type'); w.bulk(a.type);
    if (!nested) { w.bulk('display_text'); w.bulk(a.display_text ?? a.name); }
    if (a.key_spec_index !== undefined) { w.bulk('key_spec_index'); w.int(a.key_spec_index); }
    if (a.token !== undefined) { w.bulk('token'); w.bulk(a.token); }
    if (a.since !== undefined) { w.bulk('since'); w.bulk(a.since); }
    if (a.deprecated_since !== undefined) { w.bulk('deprecated_since'); w.bulk(a.deprecated_since); }
    if (flags) { w.bulk('flags'); writeFlagSet(w, flags, ARG_FLAG_NAMES); }
    if (nested) { w.bulk('arguments'); writeArgs(w, a.arguments ?? []); }
  }
}

const ARG_FLAG_NAMES: Array<[number, string]> = [[1, 'optional'], [2, 'multiple'], [4, 'multiple_token']];
const DOC_FLAG_NAMES: Array<[number, string]> = [[1, 'deprecated'], [2, 'syscmd']];

/** One COMMAND DOCS entry (without the prose summary). */
export function writeCommandDocs(w: Writer, cmd: Command): void {
  const sp = cmd.spec;
  let docFlags = 0;
  for (const f of sp.doc_flags ?? []) docFlags |= f.toLowerCase() === 'deprecated' ? 1 : f.toLowerCase() === 'syscmd' ? 2 : 0;
  const subs = cmd.subcommands ? implementedSubs(cmd) : null;
  let n = 1;
  if (sp.since) n++;
  if (sp.complexity) n++;
  if (docFlags) n++;
  if (sp.deprecated_since) n++;
  if (sp.arguments && sp.arguments.length) n++;
  if (subs) n++;
  w.map(n);
  if (sp.since) { w.bulk('since'); w.bulk(sp.since); }
  // Valkey spells the group names with dashes in replies (sorted_set -> sorted-set).
  w.bulk('group'); w.bulk(sp.group.replace(/_/g, '-'));
  if (sp.complexity) { w.bulk('complexity'); w.bulk(sp.complexity); }
  if (docFlags) { w.bulk('doc_flags'); writeFlagSet(w, docFlags, DOC_FLAG_NAMES); }
  if (sp.deprecated_since) { w.bulk('deprecated_since'); w.bulk(sp.deprecated_since); }
  if (sp.arguments && sp.arguments.length) { w.bulk('arguments'); writeArgs(w, sp.arguments); }
  if (subs) {
    w.bulk('subcommands');
    w.map(subs.length);
    for (const s of subs) { w.bulk(s.fullName); writeCommandDocs(w, s); }
  }
}

// ------------------------------------------------------------------ handlers

function commandAll(c: Client): void {
  const cmds = [...c.server.registry.commands.values()];
  c.w.arr(cmds.length);
  for (const cmd of cmds) writeCommandInfo(c.w, cmd);
}

function commandInfo(c: Client, argv: Buffer[]): void {
  if (argv.length === 2) { commandAll(c); return; }
  c.w.arr(argv.length - 2);
  for (let i = 2; i < argv.length; i++) writeCommandInfo(c.w, lookupByFullName(c.server.registry, argv[i]!.toString('latin1')));
}

function commandDocs(c: Client, argv: Buffer[]): void {
  const r = c.server.registry;
  const found: Command[] = [];
  if (argv.length === 2) found.push(...r.commands.values());
  else {
    for (let i = 2; i < argv.length; i++) {
      const cmd = lookupByFullName(r, argv[i]!.toString('latin1'));
      if (cmd) found.push(cmd);
    }
  }
  c.w.map(found.length);
  for (const cmd of found) { c.w.bulk(cmd.fullName); writeCommandDocs(c.w, cmd); }
}

function commandList(c: Client, argv: Buffer[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    const more = argv.length - 1 - i;
    if (isArg(argv[i]!, 'filterby') && more === 2) {
      const arg = argv[i + 2]!.toString('latin1');
      const kind = argv[i + 1]!;
      if (isArg(kind, 'module')) filter = () => false;
      else if (isArg(kind, 'aclcat')) {
        const cat = arg.toLowerCase();
        filter = (cmd) => cmd.aclCategories.includes(cat);
      } else if (isArg(kind, 'pattern')) filter = (cmd) => stringMatch(arg, cmd.fullName, true);
      else { c.w.error(E.syntax); return; }
      i += 2;
    } else { c.w.error(E.syntax); return; }
  }
  const names: string[] = [];
  for (const cmd of c.server.registry.commands.values()) {
    if (!filter || filter(cmd)) names.push(cmd.fullName);
    for (const s of implementedSubs(cmd)) if (!filter || filter(s)) names.push(s.fullName);
  }
  c.w.arr(names.length);
  for (const n of names) c.w.bulk(n);
}

function commandGetKeys(c: Client, argv: Buffer[], withFlags: boolean): void {
  const args = argv.slice(2);
  const cmd = lookupArgv(c.server.registry, args);
  if (!cmd) { c.w.error('ERR Invalid command specified'); return; }
  if (!hasKeys(cmd)) { c.w.error('ERR The command has no key arguments'); return; }
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    c.w.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysWithFlags(cmd, args);
  if (keys.length === 0) {
    if (cmd.flags & CMD.no_mandatory_keys) c.w.arr(0);
    else c.w.error('ERR Invalid arguments specified for command');
    return;
  }
  c.w.arr(keys.length);
  for (const k of keys) {
    if (!withFlags) { c.w.bulk(args[k.pos]!); continue; }
    c.w.arr(2);
    c.w.bulk(args[k.pos]!);
    writeFlagSet(c.w, k.flags, KEY_FLAG_NAMES);
  }
}

const COMMAND_HELP = [
  '(no subcommand)',
  '    Return details about all commands.',
  'COUNT',
  '    Return the total number of commands in this server.',
  'LIST',
  '    Return a list of all commands in this server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full command.',
];

export function registerCommand(r: Registry): void {
  r.handle('command', (c) => commandAll(c));
  r.handle('command|count', (c) => c.w.int(c.server.registry.commands.size));
  r.handle('command|info', commandInfo);
  r.handle('command|docs', commandDocs);
  r.handle('command|list', commandList);
  r.handle('command|getkeys', (c, argv) => commandGetKeys(c, argv, false));
  r.handle('command|getkeysandflags', (c, argv) => commandGetKeys(c, argv, true));
  r.handle('command|help', (c) => replyHelp(c, COMMAND_HELP));
}
