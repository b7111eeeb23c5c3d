// COMMAND and its subcommands over a real socket: reply shapes as Valkey's, drawn from the
// registry of implemented commands only.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { RawConn } from '../bench/resp.js';

let srv: RunningServer;
let r: Valkey;

serverForFile({}, (s, c) => { srv = s; r = c; });

const implementedTop = () => [...srv.server.registry.commands.keys()];

describe('COMMAND, COUNT, LIST', () => {
  test('COUNT is the number of implemented top-level commands', async () => {
    const n = await r.call('COMMAND', 'COUNT');
    assert.equal(n, implementedTop().length);
    assert.ok((n as number) > 10);
  });

  test('COMMAND returns one 10-element entry per command', async () => {
    const all = await r.call('COMMAND') as unknown[][];
    assert.equal(all.length, implementedTop().length);
    for (const e of all) assert.equal(e.length, 10);
    assert.deepEqual(new Set(all.map((e) => e[0])), new Set(implementedTop()));
  });

  test('LIST includes subcommands and supports filters', async () => {
    const list = await r.call('COMMAND', 'LIST') as string[];
    assert.ok(list.includes('set') && list.includes('config|get') && list.includes('command|list'));
    assert.ok(!list.includes('config'.toUpperCase()));
    assert.deepEqual(await r.call('COMMAND', 'LIST', 'FILTERBY', 'PATTERN', 'set'), ['set']);
    const cfg = await r.call('COMMAND', 'LIST', 'FILTERBY', 'pattern', 'config*') as string[];
    assert.ok(cfg.includes('config') && cfg.includes('config|get'));
    const re = await r.call('COMMAND', 'LIST', 'FILTERBY', 'pattern', 'config|*re*') as string[];
    assert.deepEqual(re.sort(), ['config|resetstat', 'config|rewrite']);
    assert.deepEqual(await r.call('COMMAND', 'LIST', 'FILTERBY', 'pattern', 'non_exists*'), []);
    const str = await r.call('COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'string') as string[];
    assert.ok(str.includes('get') && str.includes('set') && !str.includes('ping'));
    const admin = await r.call('COMMAND', 'LIST', 'FILTERBY', 'ACLCAT', 'admin') as string[];
    assert.ok(admin.includes('config|set') && admin.includes('debug'));
    assert.deepEqual(await r.call('COMMAND', 'LIST', 'FILTERBY', 'aclcat', 'non_existing_category'), []);
    assert.deepEqual(await r.call('COMMAND', 'LIST', 'FILTERBY', 'module', 'nomodule'), []);
  });

  test('LIST syntax errors', async () => {
    await assert.rejects(r.call('COMMAND', 'LIST', 'bad_arg'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('COMMAND', 'LIST', 'FILTERBY', 'bad_arg'), /^ReplyError: ERR syntax error$/);
    await assert.rejects(r.call('COMMAND', 'LIST', 'FILTERBY', 'bad_arg', 'x'), /^ReplyError: ERR syntax error$/);
  });
});

describe('COMMAND INFO', () => {
  test('GET: flags, key range, categories, key specs', async () => {
    const [get] = await r.call('COMMAND', 'INFO', 'get') as unknown[][];
    assert.deepEqual(get!.slice(0, 9), [
      'get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [],
      [['flags', ['RO', 'access'], 'begin_search', ['type', 'index', 'spec', ['index', 1]],
        'find_keys', ['type', 'range', 'spec', ['lastkey', 0, 'keystep', 1, 'limit', 0]]]],
    ]);
    assert.deepEqual(get![9], []);
  });

  test('SET has notes in its key spec and is not movablekeys', async () => {
    const [set] = await r.call('COMMAND', 'INFO', 'SET') as unknown[][];
    assert.deepEqual(set![2], ['write', 'denyoom']);
    assert.deepEqual(set![6], ['@write', '@string', '@slow']);
    const ks = (set![8] as unknown[][])[0]!;
    assert.equal(ks[0], 'notes');
    assert.deepEqual(ks[3], ['RW', 'access', 'update', 'variable_flags']);
  });

  test('MSET range with step 2; hidden flags are not shown', async () => {
    const [mset] = await r.call('COMMAND', 'INFO', 'mset') as unknown[][];
    assert.deepEqual(mset!.slice(1, 6), [-3, ['write', 'denyoom'], 1, -1, 2]);
    const [debug] = await r.call('COMMAND', 'INFO', 'debug') as unknown[][];
    assert.ok(!(debug![2] as string[]).includes('protected'));
    assert.deepEqual(debug![2], ['admin', 'noscript', 'loading', 'stale']);
  });

  test('containers list their implemented subcommands', async () => {
    const [config] = await r.call('COMMAND', 'INFO', 'config') as unknown[][];
    assert.equal(config![0], 'config');
    assert.equal(config![1], -2);
    const subs = (config![9] as unknown[][]).map((s) => s[0]).sort();
    assert.deepEqual(subs, ['config|get', 'config|help', 'config|resetstat', 'config|rewrite', 'config|set']);
    const [cg] = await r.call('COMMAND', 'INFO', 'config|get') as unknown[][];
    assert.deepEqual(cg!.slice(0, 3), ['config|get', -3, ['admin', 'noscript', 'loading', 'stale']]);
    const [rs] = await r.call('COMMAND', 'INFO', 'config|resetstat') as unknown[][];
    assert.deepEqual(rs![7], ['request_policy:all_nodes', 'response_policy:all_succeeded']);
  });

  test('unknown names and invalid subcommand paths give null', async () => {
    assert.deepEqual(await r.call('COMMAND', 'INFO', 'nosuch', 'get|key', 'config|get|key', 'config|nosuch'), [null, null, null, null]);
  });

  test('without names: every command', async () => {
    assert.equal((await r.call('COMMAND', 'INFO') as unknown[]).length, implementedTop().length);
  });

  test('RESP3 shapes: sets of status replies, maps for key specs', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.call('HELLO', '3');
      await c.write('*3\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n$3\r\nget\r\n');
      const raw = await c.raw();
      assert.ok(raw.startsWith('*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n~0\r\n~1\r\n%3\r\n$5\r\nflags\r\n~2\r\n+RO\r\n+access\r\n'), raw);
      await c.write('*3\r\n$7\r\nCOMMAND\r\n$4\r\nINFO\r\n$5\r\nnosuch\r\n');
      assert.equal(await c.raw(), '*1\r\n_\r\n');
    } finally { c.close(); }
  });
});

describe('COMMAND DOCS', () => {
  test('GET: since, group, complexity, arguments (no summary)', async () => {
    assert.deepEqual(await r.call('COMMAND', 'DOCS', 'get'), ['get', [
      'since', '1.0.0', 'group', 'string', 'complexity', 'O(1)',
      'arguments', [['name', 'key', 'type', 'key', 'display_text', 'key', 'key_spec_index', 0]],
    ]]);
  });

  test('nested arguments, tokens, flags and since of SET', async () => {
    const [, doc] = await r.call('COMMAND', 'DOCS', 'set') as [string, unknown[]];
    const m = new Map<string, unknown>();
    for (let i = 0; i < doc.length; i += 2) m.set(doc[i] as string, doc[i + 1]);
    const args = m.get('arguments') as unknown[][];
    const cond = args.find((a) => a[1] === 'condition')!;
    assert.deepEqual(cond.slice(0, 4), ['name', 'condition', 'type', 'oneof']);
    assert.deepEqual(cond[cond.indexOf('flags') + 1], ['optional']);
    const nested = cond[cond.indexOf('arguments') + 1] as unknown[][];
    assert.deepEqual(nested[0], ['name', 'nx', 'type', 'pure-token', 'display_text', 'nx', 'token', 'NX', 'since', '2.6.12']);
  });

  test('doc_flags, subcommands, unknown names skipped', async () => {
    const res = await r.call('COMMAND', 'DOCS', 'debug', 'nosuch', 'config') as unknown[];
    assert.equal(res.length, 4);
    assert.equal(res[0], 'debug');
    const dbg = res[1] as unknown[];
    assert.deepEqual(dbg.slice(dbg.indexOf('doc_flags'), dbg.indexOf('doc_flags') + 2), ['doc_flags', ['syscmd']]);
    const cfg = res[3] as unknown[];
    const subs = cfg[cfg.indexOf('subcommands') + 1] as unknown[];
    const names = subs.filter((_, i) => i % 2 === 0);
    assert.ok(names.includes('config|get') && names.includes('config|set'));
  });

  test('without names: a map of every command', async () => {
    assert.equal((await r.call('COMMAND', 'DOCS') as unknown[]).length, implementedTop().length * 2);
  });
});

describe('COMMAND GETKEYS / GETKEYSANDFLAGS', () => {
  test('keys by key spec', async () => {
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'get', 'key'), ['key']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'mset', 'a', '1', 'b', '2'), ['a', 'b']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'memory', 'usage', 'key'), ['key']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'lcs', 'key1', 'key2'), ['key1', 'key2']);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYS', 'rename', 'a', 'b'), ['a', 'b']);
  });

  test('flags, including SET\'s variable flags', async () => {
    assert.deepEqual(await r.call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k1', 'v1'), [['k1', ['OW', 'update']]]);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYSANDFLAGS', 'set', 'k1', 'v1', 'GET'), [['k1', ['RW', 'access', 'update']]]);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYSANDFLAGS', 'mset', 'k1', 'v1', 'k2', 'v2'),
      [['k1', ['OW', 'update']], ['k2', ['OW', 'update']]]);
    assert.deepEqual(await r.call('COMMAND', 'GETKEYSANDFLAGS', 'get', 'k'), [['k', ['RO', 'access']]]);
  });

  test('errors', async () => {
    await assert.rejects(r.call('COMMAND', 'GETKEYS', 'nosuch', 'x'), /^ReplyError: ERR Invalid command specified$/);
    await assert.rejects(r.call('COMMAND', 'GETKEYS', 'ping'), /^ReplyError: ERR The command has no key arguments$/);
    await assert.rejects(r.call('COMMAND', 'GETKEYS', 'get'), /^ReplyError: ERR Invalid number of arguments specified for command$/);
    await assert.rejects(r.call('COMMAND', 'GETKEYS', 'get', 'a', 'b'), /^ReplyError: ERR Invalid number of arguments specified for command$/);
    await assert.rejects(r.call('COMMAND', 'GETKEYS', 'config', 'nosuch'), /^ReplyError: ERR Invalid command specified$/);
    await assert.rejects(r.call('COMMAND', 'GETKEYS'), /wrong number of arguments for 'command\|getkeys' command/);
  });
});

describe('COMMAND HELP', () => {
  test('lists the subcommands', async () => {
    const help = await r.call('COMMAND', 'HELP') as string[];
    assert.equal(help[0], 'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:');
    assert.ok(help.includes('GETKEYSANDFLAGS <full-command>'));
    assert.equal(help[help.length - 1], '    Print this help.');
    await assert.rejects(r.call('COMMAND', 'NOPE'), /ERR unknown subcommand 'NOPE'. Try COMMAND HELP./);
  });
});
