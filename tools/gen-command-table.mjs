#!/usr/bin/env node
// Generates src/commands/spec.json from Valkey's per-command JSON specs.
// Only facts are kept (names, arity, flags, key specs, ACL categories, argument
// structure, versions); the prose fields (summary, description, history text)
// are dropped: our docs text lives in src/commands/docs.ts.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '../shared/valkey-commands';
const out = process.argv[3] ?? 'src/commands/spec.json';

function cleanArg(a) {
  const r = { name: a.name, type: a.type };
  if (a.display !== undefined) r.display_text = a.display;
  for (const k of ['key_spec_index', 'token', 'display_text', 'optional', 'multiple', 'multiple_token', 'since', 'deprecated_since', 'value']) {
    if (a[k] !== undefined) r[k] = a[k];
  }
  if (a.arguments) r.arguments = a.arguments.map(cleanArg);
  return r;
}

const list = [];
for (const f of readdirSync(dir).sort()) {
  if (!f.endsWith('.json')) continue;
  const doc = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  for (const [name, v] of Object.entries(doc)) {
    const e = { name: name.toLowerCase(), group: v.group, since: v.since, arity: v.arity };
    if (v.container) e.container = v.container.toLowerCase();
    if (v.complexity) e.complexity = v.complexity;
    e.flags = (v.command_flags ?? []).map((s) => s.toLowerCase());
    e.acl = (v.acl_categories ?? []).map((s) => s.toLowerCase());
    if (v.key_specs) e.key_specs = v.key_specs;
    if (v.arguments) e.arguments = v.arguments.map(cleanArg);
    if (v.command_tips) e.tips = v.command_tips.map((s) => s.toLowerCase());
    if (v.doc_flags) e.doc_flags = v.doc_flags.map((s) => s.toLowerCase());
    if (v.deprecated_since) e.deprecated_since = v.deprecated_since;
    if (v.get_keys_function) e.get_keys_function = v.get_keys_function;
    list.push(e);
  }
}
writeFileSync(out, JSON.stringify(list) + '\n');
console.log(`wrote ${list.length} command specs to ${out}`);
