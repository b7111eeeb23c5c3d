// ACL users: the user table (with the "default" user that requirepass maps to), the rule
// grammar of ACL SETUSER, the permission check the dispatcher runs through hooks.acl (commands,
// first arguments, key patterns per key-spec access, pub/sub channels), AUTH's credential check,
// the ACL LOG and the ACL command itself.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { ConfigLoadError, type Config } from '../server/config.js';
import type { Registry, Command, KeySpecJson } from './registry.js';
import { ACL_CATEGORIES, CMD, extractBySpec } from './registry.js';
import type { Server } from '../server/server.js';
import type { Client } from '../server/client.js';
import { redactArg } from '../server/client.js';
import { E } from '../errors.js';
import { stringMatch } from '../util/glob.js';
import { parseInt64 } from '../util/number.js';
import { authBackend } from './connection.js';
import { clientInfoString, userDirectory } from './client.js';
import { isScriptClient } from '../scripting/engine.js';
import { pubsubOf } from '../pubsub/pubsub.js';
import { onResetStats, registerInfoFields } from '../server/info.js';

const PERM_R = 1, PERM_W = 2, PERM_ALL = 3;
export const ACL_OK = 0, ACL_DENIED_CMD = 1, ACL_DENIED_KEY = 2, ACL_DENIED_AUTH = 3, ACL_DENIED_CHANNEL = 4;

interface KeyPattern { pattern: string; flags: number }

class RuleError extends Error {}

const ERR = {
  unknown: 'Unknown command or category name in ACL',
  syntax: 'Syntax error',
  afterAllKeys: "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns",
  afterAllChannels: "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels",
  noSuchPass: 'The password you are trying to remove from the user does not exist',
  badHash: 'The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters',
  subFirstArg: 'Allowing first-arg of a subcommand is not supported',
};

function hashPassword(p: Buffer): string { return createHash('sha256').update(p).digest('hex'); }

function hasSpaces(s: string): boolean { return /[\s\0]/.test(s); }

/** All commands (top level and subcommands) the ACL rules range over. */
function allCommands(reg: Registry): Command[] {
  const out: Command[] = [];
  for (const c of specd(reg).values()) {
    out.push(c);
    if (c.subcommands) for (const s of c.subcommands.values()) out.push(s);
  }
  return out;
}

function maxCommandId(reg: Registry): number {
  let m = 0;
  for (const c of allCommands(reg)) if (c.id > m) m = c.id;
  return m + 1;
}

/** Every command Valkey's spec knows, implemented or not (rules may name any of them). */
function specd(reg: Registry): Map<string, Command> {
  return (reg as unknown as { all: Map<string, Command> }).all;
}

/** Valkey's ACL command lookup: "name" or "container|sub" (null when unknown). */
function lookupAclCommand(reg: Registry, name: string): Command | null {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return null;
  const top = specd(reg).get(parts[0]!);
  if (!top) return null;
  if (parts.length === 1) return top;
  return top.subcommands?.get(parts[1]!) ?? null;
}

export class Selector {
  allKeys = false;
  allChannels = false;
  allCommands = false;
  /** Set by +@all / allcommands only (Valkey's reserved "future commands" bit). */
  future = false;
  bits: Uint8Array;
  firstArgs: Map<number, string[]> | null = null;
  rules = '';
  patterns: KeyPattern[] = [];
  channels: string[] = [];

  constructor(readonly acl: AclState, readonly root: boolean) {
    this.bits = new Uint8Array(acl.maxId);
    if (acl.server.config.str('acl-pubsub-default') === 'allchannels') this.allChannels = true;
  }

  clone(): Selector {
    const s = new Selector(this.acl, this.root);
    s.allKeys = this.allKeys; s.allChannels = this.allChannels; s.allCommands = this.allCommands;
    s.future = this.future; s.bits = this.bits.slice(); s.rules = this.rules;
    s.firstArgs = this.firstArgs ? new Map([...this.firstArgs].map(([k, v]) => [k, [...v]])) : null;
    s.patterns = this.patterns.map((p) => ({ ...p }));
    s.channels = [...this.channels];
    return s;
  }

  private setBit(cmd: Command, v: boolean): void {
    if (cmd.id < this.bits.length) this.bits[cmd.id] = v ? 1 : 0;
    if (!v) this.allCommands = false;
  }

  private changePerm(cmd: Command, allow: boolean): void {
    this.setBit(cmd, allow);
    this.firstArgs?.delete(cmd.id);
    if (cmd.subcommands) for (const s of cmd.subcommands.values()) this.setBit(s, allow);
  }

  private updateRules(rule: string, allow: boolean): void {
    const r = rule.toLowerCase();
    const kept = this.rules === '' ? [] : this.rules.split(' ').filter((x) => {
      const body = x.slice(1);
      return !(body === r || (body.startsWith(r) && body[r.length] === '|'));
    });
    kept.push((allow ? '+' : '-') + r);
    this.rules = kept.join(' ');
  }

  /** Applies one selector rule; throws RuleError with Valkey's message. */
  apply(op: string): void {
    const lop = op.toLowerCase();
    const reg = this.acl.server.registry;
    if (lop === 'allkeys' || op === '~*') { this.allKeys = true; this.patterns = []; }
    else if (lop === 'resetkeys') { this.allKeys = false; this.patterns = []; }
    else if (lop === 'allchannels' || op === '&*') { this.allChannels = true; this.channels = []; }
    else if (lop === 'resetchannels') { this.allChannels = false; this.channels = []; }
    else if (lop === 'allcommands' || lop === '+@all') {
      this.bits.fill(1); this.allCommands = true; this.future = true; this.rules = ''; this.firstArgs = null;
    } else if (lop === 'nocommands' || lop === '-@all') {
      this.bits.fill(0); this.allCommands = false; this.future = false; this.rules = ''; this.firstArgs = null;
    } else if (op[0] === '~' || op[0] === '%') {
      if (this.allKeys) throw new RuleError(ERR.afterAllKeys);
      let flags = 0, off = 1;
      if (op[0] === '%') {
        let closed = false;
        for (; off < op.length; off++) {
          const ch = op[off]!.toUpperCase();
          if (ch === 'R' && !(flags & PERM_R)) flags |= PERM_R;
          else if (ch === 'W' && !(flags & PERM_W)) flags |= PERM_W;
          else if (op[off] === '~' && flags) { off++; closed = true; break; }
          else throw new RuleError(ERR.syntax);
        }
        if (!closed) throw new RuleError(ERR.syntax);
      } else flags = PERM_ALL;
      const pat = op.slice(off);
      if (hasSpaces(pat)) throw new RuleError(ERR.syntax);
      const found = this.patterns.find((p) => p.pattern === pat);
      if (found) found.flags |= flags; else this.patterns.push({ pattern: pat, flags });
      this.allKeys = false;
    } else if (op[0] === '&') {
      if (this.allChannels) throw new RuleError(ERR.afterAllChannels);
      const pat = op.slice(1);
      if (hasSpaces(pat)) throw new RuleError(ERR.syntax);
      if (!this.channels.includes(pat)) this.channels.push(pat);
      this.allChannels = false;
    } else if ((op[0] === '+' || op[0] === '-') && op[1] === '@') {
      const cat = lop.slice(2);
      if (!(ACL_CATEGORIES as readonly string[]).includes(cat)) throw new RuleError(ERR.unknown);
      const allow = op[0] === '+';
      this.updateRules(lop.slice(1), allow);
      for (const c of allCommands(reg)) if (c.aclCategories.includes(cat)) this.changePerm(c, allow);
    } else if (op[0] === '+') {
      const body = op.slice(1);
      const bar = body.lastIndexOf('|');
      if (bar < 0) {
        const cmd = lookupAclCommand(reg, body);
        if (!cmd) throw new RuleError(ERR.unknown);
        this.changePerm(cmd, true);
        this.updateRules(cmd.fullName, true);
      } else {
        const cmd = lookupAclCommand(reg, body.slice(0, bar));
        if (!cmd) throw new RuleError(ERR.unknown);
        if (cmd.parent) throw new RuleError(ERR.subFirstArg);
        const sub = body.slice(bar + 1);
        if (sub === '') throw new RuleError(ERR.syntax);
        if (cmd.subcommands) {
          const sc = lookupAclCommand(reg, body);
          if (!sc) throw new RuleError(ERR.unknown);
          this.changePerm(sc, true);
        } else {
          this.acl.server.log.warning(`Deprecation warning: Allowing a first arg of an otherwise blocked command is a misuse of ACL and may get disabled in the future (offender: +${body})`);
          this.firstArgs ??= new Map();
          const l = this.firstArgs.get(cmd.id) ?? [];
          if (!l.some((x) => x.toLowerCase() === sub.toLowerCase())) l.push(sub);
          this.firstArgs.set(cmd.id, l);
        }
        this.updateRules(body, true);
      }
    } else if (op[0] === '-') {
      const cmd = lookupAclCommand(reg, op.slice(1));
      if (!cmd) throw new RuleError(ERR.unknown);
      this.changePerm(cmd, false);
      this.updateRules(cmd.fullName, false);
    } else throw new RuleError(ERR.syntax);
  }

  commandRules(): string {
    const head = this.future ? '+@all' : '-@all';
    return this.rules ? `${head} ${this.rules}` : head;
  }

  keysDescription(): string {
    if (this.allKeys) return '~*';
    return this.patterns.map(patternString).join(' ');
  }

  channelsDescription(): string {
    if (this.allChannels) return '&*';
    return this.channels.map((c) => '&' + c).join(' ');
  }

  describe(): string {
    let res = '';
    if (this.allKeys) res += '~* ';
    else for (const p of this.patterns) res += patternString(p) + ' ';
    if (this.allChannels) res += '&* ';
    else { res += 'resetchannels '; for (const c of this.channels) res += `&${c} `; }
    return res + this.commandRules();
  }

  /** Valkey's per-selector check: ACL_OK or the reason, with the offending argv index. */
  check(cmd: Command, argv: Buffer[], keys: () => Array<[number, number]>): [number, number] {
    if (!this.allCommands && !(cmd.flags & CMD.no_auth) && !this.bits[cmd.id]) {
      const fa = this.firstArgs?.get(cmd.id);
      const idx = cmd.parent ? 2 : 1;
      if (!fa || argv.length <= idx) return [ACL_DENIED_CMD, 0];
      const arg = argv[idx]!.toString('latin1').toLowerCase();
      if (!fa.some((x) => x.toLowerCase() === arg)) return [ACL_DENIED_CMD, 0];
    }
    if (!this.allKeys && (cmd.keysFn || cmd.spec.key_specs?.some((k) => !k.flags.includes('NOT_KEY')))) {
      for (const [idx, need] of keys()) {
        if (!this.keyAllowed(argv[idx]!.toString('latin1'), need)) return [ACL_DENIED_KEY, idx];
      }
    }
    if (!this.allChannels) {
      for (const [idx, pattern] of channelArgs(cmd, argv)) {
        const ch = argv[idx]!.toString('latin1');
        const ok = this.channels.some((p) => (pattern ? p === ch : stringMatch(p, ch, false)));
        if (!ok) return [ACL_DENIED_CHANNEL, idx];
      }
    }
    return [ACL_OK, 0];
  }

  keyAllowed(key: string, need: number): boolean {
    if (this.allKeys) return true;
    for (const p of this.patterns) {
      if ((p.flags & need) !== need) continue;
      if (stringMatch(p.pattern, key, false)) return true;
    }
    return false;
  }
}

function patternString(p: KeyPattern): string {
  return (p.flags === PERM_ALL ? '~' : p.flags === PERM_R ? '%R~' : '%W~') + p.pattern;
}

/** The channel arguments ACL checks (publish / subscribe kinds), with whether each is a pattern. */
function channelArgs(cmd: Command, argv: Buffer[]): Array<[number, boolean]> {
  if (cmd.parent) return [];
  switch (cmd.name) {
    case 'publish': case 'spublish': return [[1, false]];
    case 'subscribe': case 'ssubscribe': return argv.slice(1).map((_, i) => [i + 1, false]);
    case 'psubscribe': return argv.slice(1).map((_, i) => [i + 1, true]);
    default: return [];
  }
}

function specNeed(flags: string[]): number {
  let need = 0;
  if (flags.includes('ACCESS')) need |= PERM_R;
  if (flags.includes('INSERT') || flags.includes('DELETE') || flags.includes('UPDATE')) need |= PERM_W;
  return need;
}

/** The keys of a command with the access each needs (read / write bits). */
function keysWithAccess(cmd: Command, argv: Buffer[]): Array<[number, number]> {
  const specs = cmd.spec.key_specs ?? [];
  if (cmd.name === 'migrate' && !cmd.parent) return migrateKeys(argv, specNeed(specs[0]?.flags ?? []));
  // A spec that reaches past the arguments makes the whole extraction invalid: no keys to check
  // (the command itself reports the error).
  if (specs.some((ks) => specOverflows(ks, argv))) return [];
  if (cmd.keysFn) {
    // The access of a key a spec also finds is that spec's; others get every spec's.
    let need = 0;
    const bySpec = new Map<number, number>();
    for (const ks of specs) {
      if (ks.flags.includes('NOT_KEY')) continue;
      const n = specNeed(ks.flags);
      need |= n;
      const idx: number[] = [];
      extractBySpec(ks, argv, idx);
      for (const i of idx) if (!bySpec.has(i)) bySpec.set(i, n);
    }
    // SORT's only other key is the STORE destination, which is only written.
    if (cmd.name === 'sort') return cmd.keysFn(argv).map((i) => [i, i === 1 ? PERM_R : PERM_W]);
    return cmd.keysFn(argv).map((i) => [i, bySpec.get(i) ?? need]);
  }
  const out: Array<[number, number]> = [];
  for (const ks of specs) {
    if (ks.flags.includes('NOT_KEY')) continue;
    const idx: number[] = [];
    extractBySpec(ks, argv, idx);
    let need = specNeed(ks.flags);
    if (ks.flags.includes('VARIABLE_FLAGS')) need = variableNeed(cmd, argv, need);
    for (const i of idx) out.push([i, need]);
  }
  return out;
}

function specOverflows(ks: KeySpecJson, argv: Buffer[]): boolean {
  const fk = ks.find_keys;
  if (fk.keynum && ks.begin_search.index) {
    const start = ks.begin_search.index.pos;
    const ni = start + fk.keynum.keynumidx;
    if (ni >= argv.length) return false;
    const n = Number(argv[ni]!.toString('latin1'));
    if (!Number.isInteger(n) || n <= 0) return false;
    return start + fk.keynum.firstkey + (n - 1) * fk.keynum.step >= argv.length;
  }
  if (fk.range && ks.begin_search.index && fk.range.lastkey >= 0) {
    const start = ks.begin_search.index.pos;
    return start < argv.length && start + fk.range.lastkey >= argv.length;
  }
  return false;
}

/** MIGRATE's keys: the key argument, or (when it is empty) the ones after the KEYS option. */
function migrateKeys(argv: Buffer[], need: number): Array<[number, number]> {
  for (let i = 6; i < argv.length; i++) {
    const a = argv[i]!.toString('latin1').toLowerCase();
    if (a === 'auth') i += 1;
    else if (a === 'auth2') i += 2;
    else if (a === 'keys') {
      if (argv[3]!.length !== 0) break;
      const out: Array<[number, number]> = [];
      for (let j = i + 1; j < argv.length; j++) out.push([j, need]);
      return out;
    }
  }
  return argv.length > 3 ? [[3, need]] : [];
}

/** SET without GET only writes; BITFIELD with only GET subcommands only reads. */
function variableNeed(cmd: Command, argv: Buffer[], need: number): number {
  const lower = (i: number) => argv[i]!.toString('latin1').toLowerCase();
  if (cmd.name === 'set') {
    // GET among the options (after the value) makes it read too.
    for (let i = 3; i < argv.length; i++) if (lower(i) === 'get') return PERM_R | PERM_W;
    return PERM_W;
  }
  if (cmd.name === 'bitfield') {
    for (let i = 2; i < argv.length; i++) {
      const rem = argv.length - i - 1;
      const a = lower(i);
      if (a === 'get' && rem >= 2) i += 2;
      else if (a === 'overflow' && rem >= 1) i += 1;
      else return PERM_R | PERM_W; // SET / INCRBY, or a syntax error: not read-only
    }
    return PERM_R;
  }
  return need;
}

export class User {
  enabled = false;
  nopass = false;
  sanitize = 'sanitize-payload';
  passwords: string[] = [];
  selectors: Selector[];
  /** Cached: a root selector allowing everything (the check is skipped). */
  unrestricted = false;

  constructor(readonly acl: AclState, readonly name: string) {
    this.selectors = [new Selector(acl, true)];
  }

  clone(): User {
    const u = new User(this.acl, this.name);
    u.enabled = this.enabled; u.nopass = this.nopass; u.sanitize = this.sanitize;
    u.passwords = [...this.passwords];
    u.selectors = this.selectors.map((s) => s.clone());
    u.refresh();
    return u;
  }

  copyFrom(o: User): void {
    this.enabled = o.enabled; this.nopass = o.nopass; this.sanitize = o.sanitize;
    this.passwords = [...o.passwords]; this.selectors = o.selectors.map((s) => s.clone());
    this.refresh();
  }

  refresh(): void {
    const r = this.selectors[0]!;
    this.unrestricted = r.allCommands && r.allKeys && r.allChannels;
  }

  get root(): Selector { return this.selectors[0]!; }

  /** Applies one user rule (Valkey's ACLSetUser); throws RuleError. */
  apply(op: string): void {
    if (op.length === 0) return;
    const lop = op.toLowerCase();
    if (lop === 'on') this.enabled = true;
    else if (lop === 'off') this.enabled = false;
    else if (lop === 'skip-sanitize-payload' || lop === 'sanitize-payload') this.sanitize = lop;
    else if (lop === 'nopass') { this.nopass = true; this.passwords = []; }
    else if (lop === 'resetpass') { this.nopass = false; this.passwords = []; }
    else if (op[0] === '>' || op[0] === '#') {
      let h: string;
      if (op[0] === '>') h = hashPassword(Buffer.from(op.slice(1), 'latin1'));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new RuleError(ERR.badHash);
      }
      if (!this.passwords.includes(h)) this.passwords.push(h);
      this.nopass = false;
    } else if (op[0] === '<' || op[0] === '!') {
      let h: string;
      if (op[0] === '<') h = hashPassword(Buffer.from(op.slice(1), 'latin1'));
      else {
        h = op.slice(1);
        if (!/^[0-9a-f]{64}$/.test(h)) throw new RuleError(ERR.badHash);
      }
      const i = this.passwords.indexOf(h);
      if (i < 0) throw new RuleError(ERR.noSuchPass);
      this.passwords.splice(i, 1);
    } else if (op[0] === '(' && op[op.length - 1] === ')') {
      const s = new Selector(this.acl, false);
      for (const part of op.slice(1, -1).split(/\s+/)) if (part) s.apply(part);
      this.selectors.push(s);
    } else if (lop === 'clearselectors') {
      this.selectors.length = 1;
    } else if (lop === 'reset') {
      this.apply('resetpass'); this.apply('resetkeys'); this.apply('resetchannels');
      if (this.acl.server.config.str('acl-pubsub-default') === 'allchannels') this.apply('allchannels');
      this.apply('off'); this.apply('sanitize-payload'); this.apply('clearselectors'); this.apply('-@all');
    } else this.root.apply(op);
    this.refresh();
  }

  flagNames(): string[] {
    const f: string[] = [];
    f.push(this.enabled ? 'on' : 'off');
    if (this.nopass) f.push('nopass');
    f.push(this.sanitize);
    return f;
  }

  describe(): string {
    let res = this.flagNames().join(' ') + ' ';
    for (const p of this.passwords) res += `#${p} `;
    res += this.root.describe();
    for (const s of this.selectors.slice(1)) res += ` (${s.describe()})`;
    return res;
  }

  /** Valkey's ACLCheckAllUserCommandPerm: [result, argv index of the offending key/channel]. */
  check(cmd: Command, argv: Buffer[]): [number, number] {
    if (this.unrestricted) return [ACL_OK, 0];
    let cache: Array<[number, number]> | null = null;
    const keys = () => (cache ??= keysWithAccess(cmd, argv));
    let relevant = ACL_DENIED_CMD, lastIdx = 0;
    for (const s of this.selectors) {
      const [r, idx] = s.check(cmd, argv, keys);
      if (r === ACL_OK) return [ACL_OK, 0];
      if (r > relevant || (r === relevant && idx > lastIdx)) { relevant = r; lastIdx = idx; }
    }
    return [relevant, lastIdx];
  }
}

interface LogEntry {
  count: number; reason: number; context: string; object: string; username: string;
  ctime: number; created: number; id: number; cinfo: string;
}

/** Joins a selector spread over several arguments ("(~x" "+get)"); the index of an unclosed one. */
function mergeSelectorArgs(ops: string[]): string[] | number {
  const merged: string[] = [];
  let open = -1, sel = '';
  for (let j = 0; j < ops.length; j++) {
    const op = ops[j]!;
    if (open < 0 && op[0] === '(' && op[op.length - 1] !== ')') { sel = op; open = j; continue; }
    if (open >= 0) {
      sel += ' ' + op;
      if (op[op.length - 1] === ')') { open = -1; merged.push(sel); }
      continue;
    }
    merged.push(op);
  }
  return open >= 0 ? open : merged;
}

export class AclState {
  readonly users = new Map<string, User>();
  readonly maxId: number;
  log: LogEntry[] = [];
  logNextId = 0;
  deniedAuth = 0; deniedCmd = 0; deniedKey = 0; deniedChannel = 0;

  constructor(readonly server: Server) {
    this.maxId = maxCommandId(server.registry);
    const d = new User(this, 'default');
    for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) d.apply(op);
    this.users.set('default', d);
    this.syncRequirepass();
  }

  get defaultUser(): User { return this.users.get('default')!; }

  /** requirepass is the default user's only password (empty: nopass). */
  syncRequirepass(): void {
    const d = this.defaultUser;
    const pass = this.server.config.str('requirepass');
    d.apply('resetpass');
    if (pass !== '') d.apply('>' + Buffer.from(pass).toString('latin1')); else d.apply('nopass');
  }

  /** Creates or modifies a user from SETUSER-style rules; returns the error text or null. */
  setUser(name: string, ops: string[]): string | null {
    const merged = mergeSelectorArgs(ops);
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${ops[merged]}'.`;
    const existing = this.users.get(name);
    const temp = existing ? existing.clone() : new User(this, name);
    for (const op of merged) {
      try { temp.apply(op); } catch (e) {
        if (e instanceof RuleError) return `Error in ACL SETUSER modifier '${op}': ${e.message}`;
        throw e;
      }
    }
    if (existing) {
      this.killPubsubClientsIfNeeded(existing, temp);
      existing.copyFrom(temp);
    } else this.users.set(name, temp);
    return null;
  }

  /** Clients of `old` subscribed to channels the new rules no longer allow are disconnected. */
  private killPubsubClientsIfNeeded(old: User, next: User): void {
    if (next.selectors.some((x) => x.allChannels)) return;
    const upcoming = new Set<string>();
    for (const x of next.selectors) for (const ch of x.channels) upcoming.add(ch);
    const oldChannels = old.selectors.some((x) => x.allChannels) ? null : old.selectors.flatMap((x) => x.channels);
    if (oldChannels !== null && oldChannels.every((ch) => upcoming.has(ch))) return;
    const list = [...upcoming];
    const ok = (ch: string, pattern: boolean) => list.some((p) => (pattern ? p === ch : stringMatch(p, ch, false)));
    const ps = pubsubOf(this.server);
    for (const c of [...this.server.clients.values()]) {
      if (c.user !== old.name) continue;
      const subs = ps.subsOf(c);
      if (!subs) continue;
      let kill = false;
      for (const p of subs.patterns.keys()) if (!ok(p, true)) { kill = true; break; }
      if (!kill) for (const ch of subs.channels.keys()) if (!ok(ch, false)) { kill = true; break; }
      if (!kill) for (const ch of subs.shard.keys()) if (!ok(ch, false)) { kill = true; break; }
      if (kill) c.close();
    }
  }

  /** ACL LOAD: replaces every user with the file's, or changes nothing and returns the errors. */
  loadFromFile(file: string): string | null {
    let text: string;
    try { text = readFileSync(file, 'latin1'); } catch (e) {
      return `Error loading ACLs, opening file '${file}': ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'No such file or directory' : (e as Error).message}`;
    }
    const next = new Map<string, User>();
    let errors = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
      if (line === '') continue;
      const n = i + 1;
      const argv = line.split(' ');
      if (argv[0] !== 'user' || argv.length < 2) {
        errors += `${file}:${n} should start with user keyword followed by the username. `;
        continue;
      }
      const name = argv[1]!;
      if (hasSpaces(name)) { errors += `'${file}:${n}: username '${name}' contains invalid characters. `; continue; }
      if (next.has(name)) { errors += `WARNING: Duplicate user '${name}' found on line ${n}. `; continue; }
      const u = new User(this, name);
      next.set(name, u);
      const merged = mergeSelectorArgs(argv.slice(2));
      if (typeof merged === 'number') { errors += `${file}:${n}: Unmatched parenthesis in selector definition.`; continue; }
      let syntax = false;
      for (const op of merged) {
        try { u.apply(op.replace(/^[\t\r\n]+|[\t\r\n]+$/g, '')); } catch (e) {
          if (!(e instanceof RuleError)) throw e;
          if (e.message === ERR.unknown) errors += `${file}:${n}: Error in applying operation '${op}': ${e.message}. `;
          else if (!syntax) { errors += `${file}:${n}: ${e.message}. `; syntax = true; }
        }
      }
    }
    if (errors !== '') return errors + 'WARNING: ACL errors detected, no change to the previously active ACL rules was performed';
    if (!next.has('default')) {
      const d = new User(this, 'default');
      for (const op of ['+@all', '~*', '&*', 'on', 'nopass']) d.apply(op);
      next.set('default', d);
    }
    const old = new Map(this.users);
    this.users.clear();
    for (const [k, v] of next) this.users.set(k, v);
    for (const [name, u] of old) {
      const nu = this.users.get(name);
      if (nu) this.killPubsubClientsIfNeeded(u, nu);
    }
    for (const c of [...this.server.clients.values()]) if (!this.users.has(c.user)) c.close();
    return null;
  }

  /** The ACL file text: one `user` line per user. */
  fileText(): string {
    return sortedUsers(this).map((u) => `user ${u.name} ${u.describe()}\n`).join('');
  }

  saveToFile(file: string): boolean {
    const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
    let fd = -1;
    try {
      fd = openSync(tmp, 'w', 0o644);
      writeSync(fd, Buffer.from(this.fileText(), 'latin1'));
      fsyncSync(fd);
      closeSync(fd);
      fd = -1;
      renameSync(tmp, file);
      return true;
    } catch (e) {
      this.server.log.warning(`Writing ACL file for ACL SAVE: ${(e as Error).message}`);
      if (fd !== -1) closeSync(fd);
      try { unlinkSync(tmp); } catch { /* already gone */ }
      return false;
    }
  }

  addLog(c: Client, reason: number, context: string, object: string, username: string, cmd: Command | null = null): void {
    if (reason === ACL_DENIED_AUTH) this.deniedAuth++;
    else if (reason === ACL_DENIED_CMD) this.deniedCmd++;
    else if (reason === ACL_DENIED_KEY) this.deniedKey++;
    else if (reason === ACL_DENIED_CHANNEL) this.deniedChannel++;
    const max = this.server.config.num('acllog-max-len');
    if (max === 0) { this.log.length = 0; return; }
    const now = this.server.ks.now || Date.now();
    const real = this.server.propagator.currentClient ?? c;
    // The denied command is the client's current one (it never reached call()).
    const saved = real.cmd;
    // (Inside EXEC the client's command stays EXEC.)
    if (cmd && real === c && !(c.inMulti && c.cmd?.name === 'exec')) real.cmd = cmd;
    const cinfo = clientInfoString(real, real);
    real.cmd = saved;
    for (let i = 0; i < Math.min(10, this.log.length); i++) {
      const e = this.log[i]!;
      if (e.reason === reason && e.context === context && Math.abs(e.ctime - now) <= 60000 &&
          e.object === object && e.username === username) {
        this.log.splice(i, 1);
        this.log.unshift(e);
        e.cinfo = cinfo; e.ctime = now; e.count++;
        return;
      }
    }
    this.log.unshift({ count: 1, reason, context, object, username, ctime: now, created: now, id: this.logNextId++, cinfo });
    if (this.log.length > max) this.log.length = max;
  }
}

/**
 * Whether the client's user may run the command with read access to every key (some selector
 * allows the command and has ~* or %R~* ): SORT's BY and GET patterns need it.
 */
export function userHasFullReadAccess(c: Client, cmd: Command, argv: Buffer[]): boolean {
  const u = aclOf(c.server).users.get(c.user);
  if (u === undefined || u.unrestricted) return true;
  let cache: Array<[number, number]> | null = null;
  const keys = () => (cache ??= keysWithAccess(cmd, argv));
  return u.selectors.some((s) => s.check(cmd, argv, keys)[0] === ACL_OK &&
    (s.allKeys || s.patterns.some((p) => (p.flags & PERM_R) === PERM_R && p.pattern === '*')));
}

/** Set while server.acl_check_cmd asks: such checks leave no ACL LOG entry. */
export const aclQuiet = { on: false };

const states = new WeakMap<Server, AclState>();

export function aclOf(s: Server): AclState {
  let st = states.get(s);
  if (!st) { st = new AclState(s); states.set(s, st); }
  return st;
}

export function aclErrorMessage(res: number, user: string, cmd: Command, val: string, verbose: boolean): string {
  if (res === ACL_DENIED_CMD) return `User ${user} has no permissions to run the '${cmd.fullName}' command`;
  if (res === ACL_DENIED_KEY) return verbose ? `User ${user} has no permissions to access the '${val}' key` : 'No permissions to access a key';
  return verbose ? `User ${user} has no permissions to access the '${val}' channel` : 'No permissions to access a channel';
}

/** The dispatcher's permission check (also used for script calls and EXEC's queued commands). */
function aclHook(st: AclState, c: Client, cmd: Command, argv: Buffer[]): string | null {
  const u = st.users.get(c.user);
  if (u === undefined || u.unrestricted) return null;
  const [res, idx] = u.check(cmd, argv);
  if (res === ACL_OK) return null;
  if (!aclQuiet.on) {
    const context = isScriptClient(c) ? 'lua' : c.inMulti ? 'multi' : 'toplevel';
    const object = res === ACL_DENIED_CMD ? cmd.fullName : argv[idx]!.toString('latin1');
    st.addLog(c, res, context, object, u.name, cmd);
  }
  return 'NOPERM ' + aclErrorMessage(res, u.name, cmd, argv[idx]?.toString('latin1') ?? '', false);
}


// ---- the ACL command ----

function reply(c: Client): AclState { return aclOf(c.server); }

function setuser(c: Client, argv: Buffer[]): void {
  const name = argv[2]!.toString('latin1');
  const ops = argv.slice(3).map((a) => a.toString('latin1'));
  for (let j = 2; j < argv.length; j++) redactArg(argv, j);
  if (hasSpaces(name)) { c.w.error("ERR Usernames can't contain spaces or null characters"); return; }
  const err = reply(c).setUser(name, ops);
  if (err) c.w.error('ERR ' + err); else c.w.ok();
}

function deluser(c: Client, argv: Buffer[]): void {
  const st = reply(c);
  const names = argv.slice(2).map((a) => a.toString('latin1'));
  for (let j = 2; j < argv.length; j++) redactArg(argv, j);
  if (names.includes('default')) { c.w.error("ERR The 'default' user cannot be removed"); return; }
  let deleted = 0;
  for (const n of names) {
    if (!st.users.delete(n)) continue;
    deleted++;
    for (const cl of [...c.server.clients.values()]) {
      if (cl.user !== n) continue;
      if (cl === c) c.closeAfterReply = true; else cl.close();
    }
  }
  c.w.int(deleted);
}

function selectorFields(c: Client, s: Selector): void {
  c.w.bulk('commands'); c.w.bulk(s.commandRules());
  c.w.bulk('keys'); c.w.bulk(s.keysDescription());
  c.w.bulk('channels'); c.w.bulk(s.channelsDescription());
}

function getuser(c: Client, argv: Buffer[]): void {
  const u = reply(c).users.get(argv[2]!.toString('latin1'));
  redactArg(argv, 2);
  if (!u) { c.w.nil(); return; }
  const w = c.w;
  w.map(6);
  w.bulk('flags');
  const flags = u.flagNames();
  w.set(flags.length); for (const f of flags) w.bulk(f);
  w.bulk('passwords'); w.arr(u.passwords.length); for (const p of u.passwords) w.bulk(p);
  selectorFields(c, u.root);
  w.bulk('selectors');
  w.arr(u.selectors.length - 1);
  for (const s of u.selectors.slice(1)) { w.map(3); selectorFields(c, s); }
}

function sortedUsers(st: AclState): User[] {
  return [...st.users.values()].sort((a, b) => Buffer.compare(Buffer.from(a.name, 'latin1'), Buffer.from(b.name, 'latin1')));
}

function list(c: Client): void {
  const us = sortedUsers(reply(c));
  c.w.arr(us.length);
  for (const u of us) c.w.bulk(Buffer.from(`user ${u.name} ${u.describe()}`, 'latin1'));
}

function users(c: Client): void {
  const us = sortedUsers(reply(c));
  c.w.arr(us.length);
  for (const u of us) c.w.bulk(Buffer.from(u.name, 'latin1'));
}

function whoami(c: Client): void { c.w.bulk(Buffer.from(c.user, 'latin1')); }

function cat(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1'), 'acl')); return; }
  if (argv.length === 2) { c.w.arr(ACL_CATEGORIES.length); for (const k of ACL_CATEGORIES) c.w.bulk(k); return; }
  const name = argv[2]!.toString('latin1').toLowerCase();
  if (!(ACL_CATEGORIES as readonly string[]).includes(name)) {
    c.w.error(`ERR Unknown category '${argv[2]!.toString('latin1').slice(0, 128)}'`);
    return;
  }
  const names = allCommands(c.server.registry).filter((x) => x.aclCategories.includes(name)).map((x) => x.fullName);
  c.w.arr(names.length);
  for (const n of names) c.w.bulk(n);
}

function genpass(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1'), 'acl')); return; }
  let bits = 256;
  if (argv.length === 3) {
    const v = parseInt64(argv[2]!);
    if (v === null) { c.w.error(E.notInteger); return; }
    bits = v;
  }
  if (bits <= 0 || bits > 4096) {
    c.w.error('ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096');
    return;
  }
  const chars = Math.floor((bits + 3) / 4);
  c.w.bulk(randomBytes(Math.ceil(chars / 2)).toString('hex').slice(0, chars));
}

const REASONS = ['', 'command', 'key', 'auth', 'channel'];

function log(c: Client, argv: Buffer[]): void {
  if (argv.length > 3) { c.w.error(E.unknownSubcommandOrArgs(argv[1]!.toString('latin1'), 'acl')); return; }
  const st = reply(c);
  let count = 10;
  if (argv.length === 3) {
    if (argv[2]!.toString('latin1').toLowerCase() === 'reset') { st.log = []; c.w.ok(); return; }
    const v = parseInt64(argv[2]!);
    if (v === null) { c.w.error(E.notInteger); return; }
    count = Math.max(0, v);
  }
  count = Math.min(count, st.log.length);
  const now = c.server.ks.now || Date.now();
  const w = c.w;
  w.arr(count);
  for (let i = 0; i < count; i++) {
    const e = st.log[i]!;
    w.map(10);
    w.bulk('count'); w.int(e.count);
    w.bulk('reason'); w.bulk(REASONS[e.reason] ?? 'unknown');
    w.bulk('context'); w.bulk(e.context);
    w.bulk('object'); w.bulk(Buffer.from(e.object, 'latin1'));
    w.bulk('username'); w.bulk(Buffer.from(e.username, 'latin1'));
    w.bulk('age-seconds'); w.double((now - e.ctime) / 1000);
    w.bulk('client-info'); w.bulk(Buffer.from(e.cinfo, 'latin1'));
    w.bulk('entry-id'); w.int(e.id);
    w.bulk('timestamp-created'); w.int(e.created);
    w.bulk('timestamp-last-updated'); w.int(e.ctime);
  }
}

function dryrun(c: Client, argv: Buffer[]): void {
  const st = reply(c);
  const u = st.users.get(argv[2]!.toString('latin1'));
  if (!u) { c.w.error(`ERR User '${argv[2]!.toString('latin1')}' not found`); return; }
  const args = argv.slice(3);
  const reg = c.server.registry;
  let cmd = reg.lookup(args[0]!) ?? null;
  if (cmd && cmd.subcommands) {
    cmd = args.length >= 2 ? cmd.subcommands.get(args[1]!.toString('latin1').toLowerCase()) ?? null : null;
  }
  if (!cmd) { c.w.error(`ERR Command '${args[0]!.toString('latin1')}' not found`); return; }
  if ((cmd.arity > 0 && cmd.arity !== args.length) || args.length < -cmd.arity) {
    c.w.error(`ERR wrong number of arguments for '${cmd.fullName}' command`);
    return;
  }
  const [res, idx] = u.check(cmd, args);
  if (res !== ACL_OK) { c.w.bulk(aclErrorMessage(res, u.name, cmd, args[idx]?.toString('latin1') ?? '', true)); return; }
  c.w.ok();
}

function loadOrSave(c: Client): void {
  if (c.server.config.str('aclfile') === '') {
    c.w.error('ERR This instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a configuration file set) in order to store users in the configuration.');
    return;
  }
  const st = reply(c);
  const file = c.server.config.str('aclfile');
  if (c.argv[1]!.toString('latin1').toLowerCase() === 'load') {
    const errors = st.loadFromFile(file);
    if (errors) c.w.error('ERR ' + errors); else c.w.ok();
  } else if (st.saveToFile(file)) c.w.ok();
  else c.w.error('ERR There was an error trying to save the ACLs. Please check the server logs for more information');
}

const pendingUsers = new WeakMap<Config, string[][]>();

/**
 * Accepts `user <name> <rules...>` lines in the config file (before the server exists); they are
 * applied when the ACL state is installed.
 */
export function registerAclDirectives(cfg: Config): void {
  const list: string[][] = [];
  pendingUsers.set(cfg, list);
  cfg.registerDirective('user', (args) => {
    if (list.some((l) => l[0] === args[0])) return 'Duplicate user found. A user can only be defined once in config files';
    const merged = mergeSelectorArgs(args.slice(1));
    if (typeof merged === 'number') return `Unmatched parenthesis in acl selector starting at '${args[merged + 1]}'.`;
    list.push([args[0]!, ...merged]);
    return null;
  }, 1);
  // CONFIG REWRITE keeps the users in the config file unless they live in an ACL file.
  cfg.registerRewriteProvider('user', () => {
    const s = serversByConfig.get(cfg);
    if (!s || cfg.str('aclfile') !== '') return [];
    return sortedUsers(aclOf(s)).map((u) => `user ${u.name} ${u.describe()}`);
  });
}
const serversByConfig = new WeakMap<Config, Server>();

/** Applies the config file's users and the ACL file at start-up; throws (after logging) on errors. */
function loadUsersAtStartup(s: Server, st: AclState): void {
  serversByConfig.set(s.config, s);
  const pending = pendingUsers.get(s.config) ?? [];
  const file = s.config.str('aclfile');
  if (file !== '' && pending.length > 0) {
    const msg = 'Configuring Valkey with users defined in valkey.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your valkey.conf, but not both.';
    s.log.warning(msg);
    throw new ConfigLoadError(msg, msg);
  }
  for (const [name, ...ops] of pending) {
    if (hasSpaces(name!)) { s.log.warning('Spaces not allowed in ACL usernames'); throw new ConfigLoadError('Critical error while loading ACLs. Exiting.', 'acl'); }
    let u = st.users.get(name!);
    if (u) u.apply('reset'); else { u = new User(st, name!); st.users.set(name!, u); }
    for (const op of ops) {
      try { u.apply(op); } catch (e) {
        if (!(e instanceof RuleError)) throw e;
        s.log.warning(`Error loading ACL rule '${op}' for the user named '${name}': ${e.message}`);
        s.log.warning('Critical error while loading ACLs. Exiting.');
        throw new ConfigLoadError('Critical error while loading ACLs. Exiting.', 'acl');
      }
    }
    if (!u.enabled) s.log.notice(`The user '${name}' is disabled (there is no 'on' modifier in the user description). Make sure this is not a configuration error.`);
  }
  if (file !== '') {
    const errors = st.loadFromFile(file);
    if (errors) {
      s.log.warning(`Aborting Valkey startup because of ACL errors: ${errors}`);
      throw new ConfigLoadError(`Aborting Valkey startup because of ACL errors: ${errors}`, 'acl');
    }
  }
}

function help(c: Client): void {
  const lines = [
    'ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
    'CAT [<category>]',
    '    List all commands that belong to <category>, or all command categories',
    '    when no category is specified.',
    'DELUSER <username> [<username> ...]',
    '    Delete a list of users.',
    'DRYRUN <username> <command> [<arg> ...]',
    '    Returns whether the user can execute the given command without executing the command.',
    'GETUSER <username>',
    "    Get the user's details.",
    'GENPASS [<bits>]',
    '    Generate a secure 256-bit user password. The optional `bits` argument can',
    '    be used to specify a different size.',
    'LIST',
    '    Show users details in config file format.',
    'LOAD',
    '    Reload users from the ACL file.',
    'LOG [<count> | RESET]',
    '    Show the ACL log entries.',
    'SAVE',
    '    Save the current config to the ACL file.',
    'SETUSER <username> <attribute> [<attribute> ...]',
    '    Create or modify a user with the specified attributes.',
    'USERS',
    '    List all the registered usernames.',
    'WHOAMI',
    '    Return the current connection username.',
    'HELP',
    '    Print this help.',
  ];
  c.w.arr(lines.length);
  for (const l of lines) c.w.simple(l);
}

let infoRegistered = false;

/** Installs the ACL state on a server: the hook, AUTH's backend, CLIENT's user directory. */
export function installAcl(s: Server): AclState {
  const st = aclOf(s);
  loadUsersAtStartup(s, st);
  s.hooks.acl = (c, cmd, argv) => aclHook(st, c, cmd, argv);
  s.config.onChange('requirepass', () => { st.syncRequirepass(); return null; });
  if (!infoRegistered) {
    infoRegistered = true;
    registerInfoFields('stats', (srv) => {
      const a = aclOf(srv);
      return {
        acl_access_denied_auth: a.deniedAuth, acl_access_denied_cmd: a.deniedCmd,
        acl_access_denied_key: a.deniedKey, acl_access_denied_channel: a.deniedChannel,
      };
    });
    onResetStats((srv) => { const a = aclOf(srv); a.deniedAuth = a.deniedCmd = a.deniedKey = a.deniedChannel = 0; });
  }
  // A blocked command served later runs again: the rules may have changed meanwhile.
  const rerun = s.blocking.callFn;
  if (rerun) {
    s.blocking.callFn = (c, cmd, argv) => {
      const err = aclHook(st, c, cmd, argv);
      if (err) { cmd.rejected++; c.w.error(err); return; }
      rerun(c, cmd, argv);
    };
  }
  // New connections start authenticated only when the default user is enabled and needs no password.
  s.authRequired = () => { const d = st.defaultUser; return !(d.nopass && d.enabled); };
  return st;
}

const ensure = aclOf;

// AUTH and HELLO AUTH go through the user table once ACLs are registered.
authBackend.defaultUserNoPass = (s: Server): boolean => {
  const d = ensure(s).defaultUser;
  return d.nopass && d.enabled;
};
authBackend.authenticate = (s: Server, user: Buffer, pass: Buffer, c?: Client): string | null => {
  const st = ensure(s);
  const name = user.toString('latin1');
  const u = st.users.get(name);
  let ok = false;
  if (u && u.enabled) {
    if (u.nopass) ok = true;
    else {
      const h = Buffer.from(hashPassword(pass));
      ok = u.passwords.some((p) => timingSafeEqual(Buffer.from(p), h));
    }
  }
  if (ok) return null;
  if (c) st.addLog(c, ACL_DENIED_AUTH, c.inMulti ? 'multi' : 'toplevel', c.argv[0]?.toString('latin1') ?? 'auth', name);
  return E.wrongPass;
};
userDirectory.exists = (s: Server, name: string): boolean => ensure(s).users.has(name);

export function registerAcl(r: Registry): void {
  r.handle('acl|setuser', setuser);
  r.handle('acl|deluser', deluser);
  r.handle('acl|getuser', getuser);
  r.handle('acl|list', list);
  r.handle('acl|users', users);
  r.handle('acl|whoami', whoami);
  r.handle('acl|cat', cat);
  r.handle('acl|genpass', genpass);
  r.handle('acl|log', log);
  r.handle('acl|dryrun', dryrun);
  r.handle('acl|load', loadOrSave);
  r.handle('acl|save', loadOrSave);
  r.handle('acl|help', help);
}
