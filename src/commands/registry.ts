// The declarative command registry. Valkey's command specs (src/commands/spec.json, generated
// from the per-command JSON files) describe name, arity, flags, key specs, ACL categories and
// arguments; families attach handlers by name. This one table drives dispatch, COMMAND and
// COMMAND DOCS, ACL categories, key extraction for cluster routing, and MULTI queueing.
import { createRequire } from 'node:module';
import type { Client } from '../server/client.js';

export interface KeySpecJson {
  notes?: string;
  flags: string[];
  begin_search: { index?: { pos: number }; keyword?: { keyword: string; startfrom: number }; unknown?: null };
  find_keys: {
    range?: { lastkey: number; step: number; limit: number };
    keynum?: { keynumidx: number; firstkey: number; step: number };
    unknown?: null;
  };
}

export interface ArgSpec {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  display_text?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  since?: string;
  deprecated_since?: string;
  value?: string;
  arguments?: ArgSpec[];
}

export interface CommandSpec {
  name: string;
  container?: string;
  group: string;
  since: string;
  arity: number;
  complexity?: string;
  flags: string[];
  acl: string[];
  key_specs?: KeySpecJson[];
  arguments?: ArgSpec[];
  tips?: string[];
  doc_flags?: string[];
  deprecated_since?: string;
  get_keys_function?: string;
}

export type Handler = (c: Client, argv: Buffer[]) => void;
/** Returns the argv indexes of the keys of a command whose keys a spec cannot describe. */
export type KeysFn = (argv: Buffer[]) => number[];

// Command flags, as a bitmask.
export const CMD = {
  write: 1 << 0, readonly: 1 << 1, denyoom: 1 << 2, module: 1 << 3, admin: 1 << 4, pubsub: 1 << 5,
  noscript: 1 << 6, blocking: 1 << 7, loading: 1 << 8, stale: 1 << 9, skip_monitor: 1 << 10,
  skip_slowlog: 1 << 11, asking: 1 << 12, fast: 1 << 13, no_auth: 1 << 14, may_replicate: 1 << 15,
  sentinel: 1 << 16, only_sentinel: 1 << 17, no_mandatory_keys: 1 << 18, protected: 1 << 19,
  no_async_loading: 1 << 20, no_multi: 1 << 21, movablekeys: 1 << 22, allow_busy: 1 << 23,
  touches_arbitrary_keys: 1 << 24,
} as const;
export type CmdFlagName = keyof typeof CMD;

export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog',
  'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous', 'connection',
  'transaction', 'scripting',
] as const;

const POW2 = Float64Array.from({ length: 33 }, (_, i) => 2 ** i);
const SIXTEENTHS = Float64Array.from({ length: 16 }, (_, k) => 2 ** (k / 16));

/** Valkey's per-command latency histogram buckets are microsecond-precise; we keep raw samples. */
export class LatencyHistogram {
  // Log-linear buckets: value v (µs) goes to bucket floor(log2(v)*16)/16-ish, enough for percentiles.
  counts = new Float64Array(64 * 16);
  total = 0;
  record(us: number): void {
    // Bucket floor(16·log2(v)) without a logarithm: the power of two from clz32 of the integer
    // part, then the sixteenth from the mantissa against the 2^(k/16) steps.
    let idx = 0;
    if (us > 1) {
      if (us < 4294967296) {
        const e = 31 - Math.clz32(us);
        const m = us / POW2[e]!; // in [1, 2)
        let k = 0;
        while (k < 15 && m >= SIXTEENTHS[k + 1]!) k++;
        idx = e * 16 + k;
      } else idx = this.counts.length - 1;
      if (idx > this.counts.length - 1) idx = this.counts.length - 1;
    }
    this.counts[idx]!++;
    this.total++;
  }
  percentile(p: number): number {
    if (this.total === 0) return 0;
    const target = (p / 100) * this.total;
    let acc = 0;
    for (let i = 0; i < this.counts.length; i++) {
      acc += this.counts[i]!;
      if (acc >= target && this.counts[i]! > 0) return Math.pow(2, (i + 1) / 16);
    }
    return 0;
  }
  reset(): void { this.counts.fill(0); this.total = 0; }
}

export class Command {
  readonly name: string;
  readonly fullName: string;
  readonly arity: number;
  flags = 0;
  readonly flagNames: string[];
  aclCategories: string[];
  handler: Handler | null = null;
  keysFn: KeysFn | null = null;
  subcommands: Map<string, Command> | null = null;
  parent: Command | null = null;
  firstKey = 0;
  lastKey = 0;
  keyStep = 0;
  /** Numeric id, for ACL bitmaps. */
  id = 0;
  // statistics
  calls = 0;
  usec = 0;
  failed = 0;
  rejected = 0;
  readonly latency = new LatencyHistogram();

  constructor(readonly spec: CommandSpec, parent: Command | null) {
    this.parent = parent;
    this.name = spec.name;
    this.fullName = parent ? `${parent.name}|${spec.name}` : spec.name;
    this.arity = spec.arity;
    this.flagNames = spec.flags;
    for (const f of spec.flags) {
      const bit = (CMD as Record<string, number>)[f];
      if (bit !== undefined) this.flags |= bit;
    }
    if (spec.get_keys_function && spec.key_specs?.some((k) => k.find_keys.unknown !== undefined || k.begin_search.unknown !== undefined)) {
      this.flags |= CMD.movablekeys;
    }
    if (spec.key_specs?.some((k) => k.find_keys.keynum !== undefined || k.begin_search.keyword !== undefined)) {
      this.flags |= CMD.movablekeys;
    }
    this.aclCategories = implicitCategories(spec.acl, this.flags);
    this.computeLegacyRange();
  }

  has(flag: number): boolean { return (this.flags & flag) !== 0; }

  /** Valkey's legacy (first, last, step) triple derived from the key specs. */
  private computeLegacyRange(): void {
    const specs = this.spec.key_specs ?? [];
    let first = 0, last = 0, step = 0, prevLast = 0;
    for (const ks of specs) {
      if (!ks.begin_search.index || !ks.find_keys.range) continue;
      const pos = ks.begin_search.index.pos;
      const r = ks.find_keys.range;
      if (first === 0) {
        first = pos; last = r.lastkey < 0 ? r.lastkey : pos + r.lastkey; step = r.step;
        prevLast = last;
        continue;
      }
      // Only contiguous ranges with the same step merge into the legacy triple.
      if (r.lastkey >= 0 && prevLast >= 0 && pos === prevLast + step && r.step === step) {
        last = pos + r.lastkey; prevLast = last;
      } else {
        this.flags |= CMD.movablekeys;
        break;
      }
    }
    this.firstKey = first; this.lastKey = last; this.keyStep = step;
  }

  /** argv indexes of the keys (by key specs, or the custom function). */
  keyIndexes(argv: Buffer[]): number[] {
    if (this.keysFn) return this.keysFn(argv);
    const out: number[] = [];
    for (const ks of this.spec.key_specs ?? []) extractBySpec(ks, argv, out);
    return out;
  }
}

function implicitCategories(explicit: string[], flags: number): string[] {
  const cats = new Set(explicit);
  if (flags & CMD.write) cats.add('write');
  if (flags & CMD.readonly && !cats.has('scripting')) cats.add('read');
  if (flags & CMD.admin) { cats.add('admin'); cats.add('dangerous'); }
  if (flags & CMD.pubsub) cats.add('pubsub');
  if (flags & CMD.fast) cats.add('fast');
  if (flags & CMD.blocking) cats.add('blocking');
  if (!cats.has('fast')) cats.add('slow');
  return ACL_CATEGORIES.filter((c) => cats.has(c));
}

/** Applies one key spec to argv, appending key indexes. */
export function extractBySpec(ks: KeySpecJson, argv: Buffer[], out: number[]): void {
  const argc = argv.length;
  let start: number;
  const bs = ks.begin_search;
  if (bs.index) start = bs.index.pos;
  else if (bs.keyword) {
    const kw = bs.keyword.keyword.toLowerCase();
    const from = bs.keyword.startfrom;
    start = -1;
    if (from >= 0) {
      for (let i = from; i < argc; i++) if (argv[i]!.toString('latin1').toLowerCase() === kw) { start = i + 1; break; }
    } else {
      for (let i = argc + from; i > 0; i--) if (argv[i]!.toString('latin1').toLowerCase() === kw) { start = i + 1; break; }
    }
    if (start < 0) return;
  } else return;
  if (start >= argc) return;
  const fk = ks.find_keys;
  if (fk.range) {
    const { lastkey, step, limit } = fk.range;
    let end: number;
    if (lastkey >= 0) end = start + lastkey;
    else if (limit <= 1) end = argc + lastkey;
    else end = start + Math.floor((argc + lastkey + 1 - start) / limit) - 1;
    for (let i = start; i <= end && i < argc; i += step || 1) out.push(i);
  } else if (fk.keynum) {
    const { keynumidx, firstkey, step } = fk.keynum;
    const ni = start + keynumidx;
    if (ni >= argc) return;
    const n = Number(argv[ni]!.toString('latin1'));
    if (!Number.isInteger(n) || n < 0) return;
    const first = start + firstkey;
    for (let i = 0, j = first; i < n && j < argc; i++, j += step) out.push(j);
  }
}

const require = createRequire(import.meta.url);
const SPECS = require('./spec.json') as CommandSpec[];

export class Registry {
  /** Top-level commands that have a handler (or an implemented subcommand). */
  readonly commands = new Map<string, Command>();
  /** Every spec'd command, implemented or not (for COMMAND DOCS of unimplemented ones we skip). */
  private readonly all = new Map<string, Command>();
  private readonly byCase = new Map<string, Command>();
  private nextId = 1;

  constructor(specs: CommandSpec[] = SPECS) {
    const containers = new Map<string, Command>();
    for (const s of specs) {
      if (s.container) continue;
      const c = new Command(s, null);
      c.id = this.nextId++;
      this.all.set(s.name, c);
      containers.set(s.name, c);
    }
    for (const s of specs) {
      if (!s.container) continue;
      const parent = containers.get(s.container);
      if (!parent) continue;
      const c = new Command(s, parent);
      c.id = this.nextId++;
      (parent.subcommands ??= new Map()).set(s.name, c);
    }
  }

  /**
   * Attaches a handler. `name` is "get" or "config|get". Throws if Valkey has no such command,
   * so typos surface at start-up.
   */
  handle(name: string, handler: Handler, keysFn?: KeysFn): Command {
    const [top, sub] = name.toLowerCase().split('|') as [string, string | undefined];
    const base = this.all.get(top);
    if (!base) throw new Error(`registry: no spec for command '${top}'`);
    let cmd = base;
    if (sub !== undefined) {
      const s = base.subcommands?.get(sub);
      if (!s) throw new Error(`registry: no spec for subcommand '${name}'`);
      cmd = s;
    }
    cmd.handler = handler;
    if (keysFn) cmd.keysFn = keysFn;
    if (!this.commands.has(top)) {
      this.commands.set(top, base);
      this.byCase.set(top, base);
      this.byCase.set(top.toUpperCase(), base);
    }
    return cmd;
  }

  /** Looks up a top-level command by its name bytes. */
  lookup(nameBytes: Buffer): Command | undefined {
    const s = nameBytes.latin1Slice(0, nameBytes.length);
    return this.byCase.get(s) ?? this.commands.get(s.toLowerCase());
  }

  lookupName(name: string): Command | undefined {
    const [top, sub] = name.toLowerCase().split('|') as [string, string | undefined];
    const c = this.commands.get(top);
    if (!c || sub === undefined) return c;
    const s = c.subcommands?.get(sub);
    return s && s.handler ? s : undefined;
  }

  /** The implemented subcommands of a container. */
  implementedSubcommands(c: Command): Command[] {
    return c.subcommands ? [...c.subcommands.values()].filter((s) => s.handler) : [];
  }

  /** Every implemented command including subcommands. */
  *allImplemented(): Generator<Command> {
    for (const c of this.commands.values()) {
      if (c.handler || c.subcommands) yield c;
      for (const s of this.implementedSubcommands(c)) yield s;
    }
  }
}
