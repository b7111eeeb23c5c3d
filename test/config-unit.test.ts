// Unit tests for the configuration subsystem (src/server/config.ts,
// src/server/config-table.ts) and the glob matcher (src/util/glob.ts).
// No server is started: the Config class is exercised directly.

import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Config,
  ConfigLoadError,
  CONFIG_REWRITE_SIGNATURE,
  keyspaceEventsFlagsToString,
  keyspaceEventsStringToFlags,
  parseMemory,
  reprString,
  splitArgs,
  NOTIFY_ALL,
  NOTIFY_KEYSPACE,
  NOTIFY_KEY_MISS,
} from '../src/server/config.js';
import { CONFIG_TABLE } from '../src/server/config-table.js';
import { stringMatch, stringMatchBuf } from '../src/util/glob.js';
import { VALKEY_VERSION } from '../src/version.js';

const SET_ERR = (name: string, msg: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${msg}`;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'peregrine-config-'));
}

/** Run loadStartup and return the ConfigLoadError it throws. */
function loadError(argv: string[], file?: string): ConfigLoadError {
  const cfg = new Config();
  try {
    cfg.loadStartup(file, argv);
  } catch (e) {
    assert.ok(e instanceof ConfigLoadError, `unexpected error type: ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigLoadError');
}

function loaded(argv: string[], file?: string): Config {
  const cfg = new Config();
  cfg.loadStartup(file, argv);
  return cfg;
}

// ---------------------------------------------------------------------------

describe('config table', () => {
  test('has every parameter once with consistent definitions', () => {
    const seen = new Set<string>();
    for (const d of CONFIG_TABLE) {
      for (const n of d.alias === undefined ? [d.name] : [d.name, d.alias]) {
        assert.ok(!seen.has(n), `duplicate name ${n}`);
        seen.add(n);
      }
      if (d.type === 'int' || d.type === 'uint' || d.type === 'memory') {
        assert.ok(d.min <= d.default && d.default <= d.max, `${d.name} default within bounds`);
      }
    }
    assert.ok(CONFIG_TABLE.length >= 199);
    for (const n of ['maxmemory', 'save', 'bind', 'replicaof', 'slaveof', 'masterauth', 'hash-max-ziplist-entries']) {
      assert.ok(seen.has(n), n);
    }
  });
});

describe('defaults and CONFIG GET formatting', () => {
  const cfg = new Config();
  const expected: Record<string, string> = {
    port: '6379',
    hz: '10',
    databases: '16',
    maxmemory: '0',
    'maxmemory-policy': 'noeviction',
    'maxmemory-clients': '0',
    'proto-max-bulk-len': '536870912',
    'client-query-buffer-limit': '1073741824',
    save: '3600 1 300 100 60 10000',
    'client-output-buffer-limit': 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60',
    bind: '* -::*',
    'oom-score-adj-values': '0 200 800',
    'latency-tracking-info-percentiles': '50 99 99.9',
    'notify-keyspace-events': '',
    appendonly: 'no',
    'protected-mode': 'yes',
    loglevel: 'notice',
    'shutdown-on-sigint': 'default',
    'syslog-facility': 'local0',
    'acl-pubsub-default': 'resetchannels',
    'tls-auth-clients': 'yes',
    requirepass: '',
    dbfilename: 'dump.rdb',
    'syslog-ident': 'valkey',
    unixsocketperm: '0',
    'list-max-listpack-size': '-2',
    'slowlog-log-slower-than': '10000',
    replicaof: '',
    dir: process.cwd(),
  };
  for (const [k, v] of Object.entries(expected)) {
    test(`${k} = ${JSON.stringify(v)}`, () => assert.equal(cfg.get(k), v));
  }

  test('names and aliases are case-insensitive', () => {
    assert.equal(cfg.get('MAXMEMORY-POLICY'), 'noeviction');
    assert.equal(cfg.get('slaveof'), '');
    assert.equal(cfg.get('hash-max-ziplist-entries'), '512');
    assert.equal(cfg.get('Hash-Max-Listpack-Entries'), '512');
    assert.equal(cfg.get('no-such-config'), undefined);
    assert.equal(cfg.canonicalName('MASTERAUTH'), 'primaryauth');
  });

  test('typed getters', () => {
    assert.equal(cfg.num('port'), 6379);
    assert.equal(cfg.num('PORT'), 6379);
    assert.equal(cfg.num('loglevel'), 2);
    assert.equal(cfg.bool('appendonly'), false);
    assert.equal(cfg.bool('slave-read-only'), true);
    assert.equal(cfg.str('dbfilename'), 'dump.rdb');
    assert.equal(cfg.strOrNull('requirepass'), null);
    assert.equal(cfg.bigint('maxmemory'), 0n);
    assert.deepEqual(cfg.saveParams(), [
      { seconds: 3600, changes: 1 },
      { seconds: 300, changes: 100 },
      { seconds: 60, changes: 10000 },
    ]);
    assert.deepEqual(cfg.clientOutputBufferLimit('replica'), {
      hardBytes: 268435456,
      softBytes: 67108864,
      softSeconds: 60,
    });
    assert.deepEqual(cfg.bindAddresses(), ['*', '-::*']);
    assert.throws(() => cfg.num('dbfilename'), TypeError);
    assert.throws(() => cfg.bool('port'), TypeError);
    assert.throws(() => cfg.str('nope'), TypeError);
  });
});

describe('CONFIG SET: types, bounds and errors', () => {
  test('integers', () => {
    const cfg = new Config();
    assert.equal(cfg.set('hz', 'abc', 'runtime'), SET_ERR('hz', "argument couldn't be parsed into an integer"));
    assert.equal(cfg.set('hz', ' 5', 'runtime'), SET_ERR('hz', "argument couldn't be parsed into an integer"));
    assert.equal(cfg.set('hz', '05', 'runtime'), SET_ERR('hz', "argument couldn't be parsed into an integer"));
    assert.equal(cfg.set('port', '65536', 'runtime'), SET_ERR('port', 'argument must be between 0 and 65535 inclusive'));
    assert.equal(cfg.set('port', '-1', 'runtime'), SET_ERR('port', 'argument must be between 0 and 65535 inclusive'));
    assert.equal(
      cfg.set('maxclients', '-1', 'runtime'),
      SET_ERR('maxclients', 'argument must be between 1 and 4294967295 inclusive'),
    );
    assert.equal(
      cfg.set('maxmemory-samples', '0', 'runtime'),
      SET_ERR('maxmemory-samples', 'argument must be between 1 and 64 inclusive'),
    );
    assert.equal(cfg.set('timeout', '300', 'runtime'), null);
    assert.equal(cfg.get('timeout'), '300');
    assert.equal(cfg.num('timeout'), 300);
    assert.equal(cfg.set('slowlog-log-slower-than', '-1', 'runtime'), null);
    assert.equal(cfg.num('slowlog-log-slower-than'), -1);
  });

  test('hz is clamped to [1, 500]', () => {
    const cfg = new Config();
    assert.equal(cfg.set('hz', '1000', 'runtime'), null);
    assert.equal(cfg.get('hz'), '500');
    assert.equal(cfg.set('hz', '0', 'runtime'), null);
    assert.equal(cfg.num('hz'), 1);
  });

  test('memory values', () => {
    const cfg = new Config();
    for (const [input, bytes] of [
      ['1k', '1000'],
      ['1kb', '1024'],
      ['1KB', '1024'],
      ['2m', '2000000'],
      ['2mb', '2097152'],
      ['1g', '1000000000'],
      ['1gb', '1073741824'],
      ['100b', '100'],
      ['12345', '12345'],
    ] as const) {
      assert.equal(cfg.set('maxmemory', input, 'runtime'), null, input);
      assert.equal(cfg.get('maxmemory'), bytes, input);
    }
    assert.equal(cfg.set('maxmemory', '-1', 'runtime'), SET_ERR('maxmemory', 'argument must be a memory value'));
    assert.equal(cfg.set('maxmemory', '1tb', 'runtime'), SET_ERR('maxmemory', 'argument must be a memory value'));
    assert.equal(cfg.set('maxmemory', '18446744073709551615', 'runtime'), null);
    assert.equal(cfg.get('maxmemory'), '18446744073709551615');
    assert.equal(cfg.bigint('maxmemory'), 2n ** 64n - 1n);
    assert.equal(
      cfg.set('client-query-buffer-limit', '1000', 'runtime'),
      SET_ERR('client-query-buffer-limit', 'argument must be between 1048576 and 9223372036854775807 inclusive'),
    );
    assert.equal(parseMemory('10mb'), 10n * 1024n * 1024n);
    assert.equal(parseMemory('x'), null);
  });

  test('memory or percent (maxmemory-clients)', () => {
    const cfg = new Config();
    assert.equal(cfg.set('maxmemory-clients', '10%', 'runtime'), null);
    assert.equal(cfg.get('maxmemory-clients'), '10%');
    assert.equal(cfg.num('maxmemory-clients'), -10);
    assert.equal(cfg.set('maxmemory-clients', '1mb', 'runtime'), null);
    assert.equal(cfg.get('maxmemory-clients'), '1048576');
    assert.equal(
      cfg.set('maxmemory-clients', '200%', 'runtime'),
      SET_ERR('maxmemory-clients', 'percentage argument must be less or equal to 100'),
    );
    assert.equal(
      cfg.set('maxmemory-clients', 'x%', 'runtime'),
      SET_ERR('maxmemory-clients', 'argument must be a memory or percent value'),
    );
  });

  test('booleans', () => {
    const cfg = new Config();
    assert.equal(cfg.set('appendonly', 'maybe', 'runtime'), SET_ERR('appendonly', "argument must be 'yes' or 'no'"));
    assert.equal(cfg.set('appendonly', 'YES', 'runtime'), null);
    assert.equal(cfg.get('appendonly'), 'yes');
    assert.equal(cfg.bool('appendonly'), true);
    assert.match(cfg.set('activedefrag', 'yes', 'runtime') ?? '', /Active defragmentation cannot be enabled/);
  });

  test('enums', () => {
    const cfg = new Config();
    assert.equal(
      cfg.set('loglevel', 'loud', 'runtime'),
      SET_ERR('loglevel', 'argument(s) must be one of the following: debug, verbose, notice, warning, nothing'),
    );
    assert.equal(cfg.set('loglevel', 'WARNING', 'runtime'), null);
    assert.equal(cfg.get('loglevel'), 'warning');
    assert.equal(cfg.num('loglevel'), 3);
    // `relative` is a synonym of `yes` and reported as `yes`.
    assert.equal(cfg.set('oom-score-adj', 'relative', 'runtime'), null);
    assert.equal(cfg.get('oom-score-adj'), 'yes');
  });

  test('flag enums (multi-arg)', () => {
    const cfg = new Config();
    assert.equal(cfg.set('shutdown-on-sigterm', 'nosave force now', 'runtime'), null);
    assert.equal(cfg.get('shutdown-on-sigterm'), 'nosave now force');
    assert.equal(cfg.num('shutdown-on-sigterm'), 2 | 4 | 8);
    assert.equal(
      cfg.set('shutdown-on-sigterm', 'save nosave', 'runtime'),
      SET_ERR('shutdown-on-sigterm', "shutdown options SAVE and NOSAVE can't be used simultaneously"),
    );
    assert.equal(
      cfg.set('shutdown-on-sigterm', '', 'runtime'),
      SET_ERR('shutdown-on-sigterm', 'argument(s) must be one of the following: default, save, nosave, now, force'),
    );
    assert.equal(cfg.set('shutdown-on-sigterm', 'default', 'runtime'), null);
    assert.equal(cfg.get('shutdown-on-sigterm'), 'default');
  });

  test('strings', () => {
    const cfg = new Config();
    assert.equal(cfg.set('enable-protected-configs', 'yes', 'startup'), null); // dbfilename is protected
    assert.equal(cfg.set('dbfilename', 'a/b.rdb', 'runtime'), SET_ERR('dbfilename', "dbfilename can't be a path, just a filename"));
    assert.equal(cfg.set('dbfilename', '', 'runtime'), SET_ERR('dbfilename', "dbfilename can't be empty"));
    assert.equal(cfg.set('dbfilename', 'x.rdb', 'runtime'), null);
    assert.equal(cfg.get('dbfilename'), 'x.rdb');
    assert.equal(cfg.set('requirepass', 'secret', 'runtime'), null);
    assert.equal(cfg.get('requirepass'), 'secret');
    assert.equal(cfg.set('requirepass', '', 'runtime'), null);
    assert.equal(cfg.strOrNull('requirepass'), null);
    assert.ok(cfg.isSensitive('masterauth'));
    assert.equal(
      cfg.set('cluster-announce-hostname', 'bad_host', 'runtime'),
      SET_ERR('cluster-announce-hostname', 'Hostnames may only contain alphanumeric characters, hyphens or dots'),
    );
    assert.equal(
      cfg.set('proc-title-template', '{nope}', 'runtime'),
      SET_ERR('proc-title-template', 'template format is invalid or contains unknown variables'),
    );
    assert.equal(cfg.set('proc-title-template', '{title} {port}', 'runtime'), null);
  });

  test('immutable, protected, unknown, loading', () => {
    const cfg = new Config();
    assert.equal(cfg.set('daemonize', 'yes', 'runtime'), SET_ERR('daemonize', "can't set immutable config"));
    assert.equal(cfg.set('slaveof', 'h 1', 'runtime'), SET_ERR('slaveof', "can't set immutable config"));
    assert.equal(cfg.set('dir', '/tmp', 'runtime'), SET_ERR('dir', "can't set protected config"));
    assert.equal(cfg.set('foo', 'bar', 'runtime'), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    // Startup values bypass immutability.
    assert.equal(cfg.set('daemonize', 'yes', 'startup'), null);
    assert.equal(cfg.get('daemonize'), 'yes');
    cfg.loading = true;
    assert.equal(cfg.set('appendonly', 'yes', 'runtime'), 'LOADING Valkey is loading the dataset in memory');
    assert.equal(cfg.set('loglevel', 'debug', 'runtime'), null);
  });

  test('enable-protected-configs yes/local', () => {
    const cwd = process.cwd();
    const dir = tmpDir();
    try {
      for (const mode of ['yes', 'local']) {
        const cfg = new Config();
        assert.equal(cfg.set('enable-protected-configs', mode, 'startup'), null);
        assert.equal(cfg.setMany([['dbfilename', 'p.rdb']]), null);
        assert.equal(cfg.set('dir', dir, 'runtime'), null);
        assert.equal(cfg.get('dir'), fs.realpathSync(dir));
        assert.equal(process.cwd(), fs.realpathSync(dir));
        assert.equal(cfg.set('dir', path.join(dir, 'missing'), 'runtime'), SET_ERR('dir', 'No such file or directory'));
        process.chdir(cwd);
        if (mode === 'local') {
          assert.equal(cfg.setMany([['dbfilename', 'q.rdb']], { local: false }), SET_ERR('dbfilename', "can't set protected config"));
        }
      }
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('special: save', () => {
    const cfg = new Config();
    assert.equal(cfg.set('save', '100 10 5 1', 'runtime'), null);
    assert.equal(cfg.get('save'), '100 10 5 1');
    assert.equal(cfg.set('save', '100', 'runtime'), SET_ERR('save', 'Invalid save parameters'));
    assert.equal(cfg.set('save', '0 1', 'runtime'), SET_ERR('save', 'Invalid save parameters'));
    assert.equal(cfg.set('save', 'a b', 'runtime'), SET_ERR('save', 'Invalid save parameters'));
    assert.equal(cfg.get('save'), '100 10 5 1');
    assert.equal(cfg.set('save', '', 'runtime'), null);
    assert.equal(cfg.get('save'), '');
    assert.deepEqual(cfg.saveParams(), []);
  });

  test('special: client-output-buffer-limit', () => {
    const cfg = new Config();
    assert.equal(cfg.set('client-output-buffer-limit', 'pubsub 1mb 512kb 30 slave 1gb 0 0', 'runtime'), null);
    assert.equal(
      cfg.get('client-output-buffer-limit'),
      'normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 524288 30',
    );
    assert.equal(
      cfg.set('client-output-buffer-limit', 'normal 1 2', 'runtime'),
      SET_ERR('client-output-buffer-limit', 'Wrong number of arguments in buffer limit configuration.'),
    );
    assert.equal(
      cfg.set('client-output-buffer-limit', 'master 1 2 3', 'runtime'),
      SET_ERR('client-output-buffer-limit', 'Invalid client class specified in buffer limit configuration.'),
    );
    assert.equal(
      cfg.set('client-output-buffer-limit', 'normal 1 2 -3', 'runtime'),
      SET_ERR('client-output-buffer-limit', 'Error in hard, soft or soft_seconds setting in buffer limit configuration.'),
    );
  });

  test('special: notify-keyspace-events', () => {
    const cfg = new Config();
    assert.equal(cfg.set('notify-keyspace-events', 'KEA', 'runtime'), null);
    assert.equal(cfg.get('notify-keyspace-events'), 'AKE');
    assert.equal(cfg.num('notify-keyspace-events'), keyspaceEventsStringToFlags('AKE'));
    assert.equal(
      cfg.set('notify-keyspace-events', 'Kq', 'runtime'),
      SET_ERR('notify-keyspace-events', "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."),
    );
    assert.equal(keyspaceEventsStringToFlags('A'), NOTIFY_ALL);
    assert.equal(keyspaceEventsStringToFlags('x?'), -1);
    assert.equal(keyspaceEventsFlagsToString(NOTIFY_KEYSPACE | NOTIFY_KEY_MISS), 'Km');
    assert.equal(keyspaceEventsFlagsToString(keyspaceEventsStringToFlags('Exg$')), 'g$xE');
    assert.equal(keyspaceEventsFlagsToString(keyspaceEventsStringToFlags('nA')), 'A');
  });

  test('special: bind, oom-score-adj-values, latency percentiles, unixsocketperm', () => {
    const cfg = new Config();
    assert.equal(cfg.set('bind', '127.0.0.1 ::1', 'runtime'), null);
    assert.deepEqual(cfg.bindAddresses(), ['127.0.0.1', '::1']);
    assert.equal(cfg.set('bind', Array(17).fill('1.1.1.1').join(' '), 'runtime'), SET_ERR('bind', 'Too many bind addresses specified.'));
    assert.equal(cfg.set('oom-score-adj-values', '0 100 3000', 'runtime'),
      SET_ERR('oom-score-adj-values', 'Invalid oom-score-adj-values, elements must be between -2000 and 2000.'));
    assert.equal(cfg.set('oom-score-adj-values', '1 2', 'runtime'), SET_ERR('oom-score-adj-values', 'wrong number of arguments'));
    assert.equal(cfg.set('oom-score-adj-values', '-100 100 1000', 'runtime'), null);
    assert.equal(cfg.get('oom-score-adj-values'), '-100 100 1000');
    assert.equal(cfg.set('latency-tracking-info-percentiles', '50.0 99.99 100', 'runtime'), null);
    assert.equal(cfg.get('latency-tracking-info-percentiles'), '50 99.99 100');
    assert.equal(cfg.set('latency-tracking-info-percentiles', '101', 'runtime'),
      SET_ERR('latency-tracking-info-percentiles', 'latency-tracking-info-percentiles parameters should sit between [0.0,100.0]'));
    assert.equal(cfg.set('latency-tracking-info-percentiles', 'abc', 'runtime'),
      SET_ERR('latency-tracking-info-percentiles', 'Invalid latency-tracking-info-percentiles parameters'));
    assert.equal(cfg.set('latency-tracking-info-percentiles', '', 'runtime'), null);
    assert.equal(cfg.get('latency-tracking-info-percentiles'), '');
    assert.equal(cfg.set('unixsocketperm', '700', 'startup'), null);
    assert.equal(cfg.get('unixsocketperm'), '700');
    assert.equal(cfg.num('unixsocketperm'), 0o700);
    assert.equal(cfg.set('unixsocketperm', '1000', 'startup'),
      SET_ERR('unixsocketperm', 'argument must be between 0 and 777 inclusive'));
    assert.equal(cfg.set('unixsocketperm', '9', 'startup'),
      SET_ERR('unixsocketperm', "argument couldn't be parsed as an octal number"));
  });
});

describe('CONFIG SET with several parameters', () => {
  test('all values are applied', () => {
    const cfg = new Config();
    assert.equal(cfg.setMany([['maxmemory', '10000001'], ['repl-backlog-size', '10000002'], ['save', '3000 5']]), null);
    assert.equal(cfg.get('maxmemory'), '10000001');
    assert.equal(cfg.get('repl-backlog-size'), '10000002');
    assert.equal(cfg.get('save'), '3000 5');
  });

  test('rollback on a set error', () => {
    const cfg = new Config();
    assert.equal(cfg.set('maxmemory', '10000002', 'runtime'), null);
    assert.equal(
      cfg.setMany([['maxmemory', '10000001'], ['maxmemory-clients', '200%'], ['client-query-buffer-limit', 'invalid']]),
      SET_ERR('maxmemory-clients', 'percentage argument must be less or equal to 100'),
    );
    assert.equal(cfg.get('maxmemory'), '10000002');
    assert.equal(cfg.get('maxmemory-clients'), '0');
    assert.equal(cfg.get('client-query-buffer-limit'), '1073741824');
  });

  test('duplicate, unknown and immutable precedence', () => {
    const cfg = new Config();
    assert.equal(cfg.setMany([['maxmemory', '1'], ['MAXMEMORY', '2']]), SET_ERR('MAXMEMORY', 'duplicate parameter'));
    assert.equal(cfg.setMany([['foo', '1'], ['daemonize', 'yes']]), "ERR Unknown option or number of arguments for CONFIG SET - 'foo'");
    assert.equal(cfg.setMany([['daemonize', 'yes'], ['foo', '1']]), SET_ERR('daemonize', "can't set immutable config"));
    assert.equal(cfg.get('maxmemory'), '0');
  });

  test('apply hooks run once after all values are set, failures roll back', () => {
    const cfg = new Config();
    const calls: string[] = [];
    const shared = (c: Config) => {
      calls.push(`shared:${c.get('maxmemory')}:${c.get('timeout')}`);
      return null;
    };
    cfg.onChange('maxmemory', shared);
    cfg.onChange('timeout', shared);
    let failPort = false;
    cfg.onChange('port', (c) => {
      calls.push(`port:${c.num('port')}`);
      return failPort ? 'Unable to listen on this port. Check server logs.' : null;
    });

    assert.equal(cfg.setMany([['maxmemory', '5mb'], ['timeout', '7']]), null);
    assert.deepEqual(calls, ['shared:5242880:7']);

    // Unchanged values do not trigger hooks.
    calls.length = 0;
    assert.equal(cfg.set('timeout', '7', 'runtime'), null);
    assert.deepEqual(calls, []);

    failPort = true;
    assert.equal(
      cfg.setMany([['maxmemory', '1mb'], ['port', '7777'], ['timeout', '9']]),
      SET_ERR('port', 'Unable to listen on this port. Check server logs.'),
    );
    assert.equal(cfg.get('maxmemory'), '5242880');
    assert.equal(cfg.get('port'), '6379');
    assert.equal(cfg.get('timeout'), '7');
    // Hooks ran with the new values, then again with the restored ones.
    assert.deepEqual(calls, ['shared:1048576:9', 'port:7777', 'shared:5242880:7', 'port:6379']);
  });
});

describe('CONFIG GET with patterns', () => {
  const cfg = new Config();

  test('glob, explicit names, aliases and no duplicates', () => {
    const res = cfg.matchGet(['maxmemory', 'maxmemory*', 'bind', '*of']);
    const keys = res.map(([k]) => k);
    assert.equal(new Set(keys).size, keys.length);
    for (const k of ['maxmemory', 'maxmemory-samples', 'maxmemory-clients', 'maxmemory-policy', 'bind', 'replicaof', 'slaveof']) {
      assert.ok(keys.includes(k), k);
    }
  });

  test('hidden configs only by exact name', () => {
    const all = new Map(cfg.matchGet(['*']));
    assert.ok(!all.has('key-load-delay'));
    assert.ok(all.has('hash-max-ziplist-entries'));
    assert.ok(all.has('hash-max-listpack-entries'));
    assert.deepEqual(cfg.matchGet(['key-load-delay']), [['key-load-delay', '0']]);
  });

  test('exact lookups keep the typed name; globs are case-insensitive', () => {
    assert.deepEqual(cfg.matchGet(['PORT']), [['PORT', '6379']]);
    assert.deepEqual(cfg.matchGet(['PORT', 'port']), [['PORT', '6379']]);
    assert.deepEqual(cfg.matchGet(['P?RT']), [['port', '6379']]);
    assert.deepEqual(cfg.matchGet(['nothing-here*']), []);
  });
});

describe('config file parsing', () => {
  test('splitArgs quoting rules', () => {
    assert.deepEqual(splitArgs('a  b\tc'), ['a', 'b', 'c']);
    assert.deepEqual(splitArgs('"a b" \'c d\''), ['a b', 'c d']);
    assert.deepEqual(splitArgs('"\\n\\t\\r\\x41\\"\\\\"'), ['\n\t\rA"\\']);
    assert.deepEqual(splitArgs("'it\\'s' '\\n'"), ["it's", '\\n']);
    assert.deepEqual(splitArgs('"\\xc3\\xa9"'), ['é']);
    assert.deepEqual(splitArgs('x"y z"'), ['xy z']);
    assert.deepEqual(splitArgs('""'), ['']);
    assert.deepEqual(splitArgs('   '), []);
    assert.equal(splitArgs('"abc'), null);
    assert.equal(splitArgs("'abc"), null);
    assert.equal(splitArgs('"abc"def'), null);
    for (const s of ['plain', 'with space', 'quote"s', 'back\\slash', 'nl\n', 'é', '\x01']) {
      assert.deepEqual(splitArgs(reprString(s)), [s]);
    }
  });

  test('parseText skips comments and reports unbalanced quotes', () => {
    const lines = Config.parseText('# comment\n\n  port 6380  \r\nsave "" \n   # indented comment\nbind "a b"\n');
    assert.deepEqual(lines, [
      { line: 3, raw: 'port 6380', args: ['port', '6380'] },
      { line: 4, raw: 'save ""', args: ['save', ''] },
      { line: 6, raw: 'bind "a b"', args: ['bind', 'a b'] },
    ]);
    assert.throws(
      () => Config.parseText('port 1\nfoo "bar\n'),
      (e: unknown) =>
        e instanceof ConfigLoadError &&
        e.message ===
          `*** FATAL CONFIG FILE ERROR (Version ${VALKEY_VERSION}) ***\n` +
            `Reading the configuration file, at line 2\n>>> 'foo "bar'\nUnbalanced quotes in configuration line`,
    );
  });

  test('loading a file with include, aliases, deprecated and module directives', () => {
    const dir = tmpDir();
    try {
      fs.writeFileSync(path.join(dir, 'extra.conf'), 'maxmemory 2mb\nhash-max-ziplist-entries 21\n');
      const main = path.join(dir, 'main.conf');
      fs.writeFileSync(
        main,
        [
          '# test config',
          'PORT 7000',
          `include ${path.join(dir, 'extra.conf')}`,
          'hash-max-listpack-entries 20',
          'list-max-ziplist-entries 512',
          'mymodule.option some value',
          'save 900 1',
          'save "300 10"',
          'notify-keyspace-events "Ex"',
          'shutdown-on-sigint "nosave now"',
          'requirepass "p@ss word"',
          '',
        ].join('\n'),
      );
      const cfg = loaded([], main);
      assert.equal(cfg.configFile, main);
      assert.equal(cfg.num('port'), 7000);
      assert.equal(cfg.get('maxmemory'), '2097152');
      assert.equal(cfg.get('hash-max-listpack-entries'), '20');
      assert.equal(cfg.get('save'), '900 1 300 10');
      assert.equal(cfg.get('notify-keyspace-events'), 'xE');
      assert.equal(cfg.get('shutdown-on-sigint'), 'nosave now');
      assert.equal(cfg.get('requirepass'), 'p@ss word');
      assert.equal(cfg.moduleConfigQueue.get('mymodule.option'), 'some value');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('include with wildcards', () => {
    const dir = tmpDir();
    try {
      fs.mkdirSync(path.join(dir, 'conf.d'));
      fs.writeFileSync(path.join(dir, 'conf.d', 'a.conf'), 'timeout 11\n');
      fs.writeFileSync(path.join(dir, 'conf.d', 'b.conf'), 'timeout 12\ntcp-keepalive 5\n');
      const main = path.join(dir, 'main.conf');
      fs.writeFileSync(main, `include ${dir}/conf.d/*.conf\ninclude ${dir}/none/*.conf\n`);
      const cfg = loaded([], main);
      assert.equal(cfg.get('timeout'), '12');
      assert.equal(cfg.get('tcp-keepalive'), '5');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('errors: unknown directive, typed errors, missing files', () => {
    const dir = tmpDir();
    try {
      const main = path.join(dir, 'bad.conf');
      fs.writeFileSync(main, 'port 6380\n\nfoo bar\n');
      let e = loadError([], main);
      assert.equal(
        e.message,
        `*** FATAL CONFIG FILE ERROR (Version ${VALKEY_VERSION}) ***\n` +
          "Reading the configuration file, at line 3\n>>> 'foo bar'\nBad directive or wrong number of arguments",
      );
      assert.equal(e.line, 3);
      assert.equal(e.reason, 'Bad directive or wrong number of arguments');

      fs.writeFileSync(main, 'maxmemory lots\n');
      e = loadError([], main);
      assert.equal(e.reason, 'argument must be a memory value');
      assert.equal(e.lineText, 'maxmemory lots');

      fs.writeFileSync(main, 'port 1 2\n');
      assert.equal(loadError([], main).reason, 'wrong number of arguments');

      fs.writeFileSync(main, `include ${path.join(dir, 'missing.conf')}\n`);
      assert.match(loadError([], main).message, /^Fatal error, can't open config file '.*missing\.conf': No such file or directory$/);
      assert.match(loadError([], path.join(dir, 'nope.conf')).message, /can't open config file/);

      // rename-command etc. can be registered by other modules
      fs.writeFileSync(main, 'rename-command flushdb ""\n');
      assert.equal(loadError([], main).reason, 'Bad directive or wrong number of arguments');
      const cfg = new Config();
      const seen: string[][] = [];
      cfg.registerDirective('rename-command', (args) => (seen.push(args), null), 2, 2);
      cfg.loadStartup(main, []);
      assert.deepEqual(seen, [['flushdb', '']]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('command line options', () => {
  const fatal = (line: number | undefined, text: string | undefined, reason: string) =>
    `*** FATAL CONFIG FILE ERROR (Version ${VALKEY_VERSION}) ***\n` +
    (line === undefined ? '' : `Reading the configuration file, at line ${line}\n>>> '${text}'\n`) +
    reason;

  test('error cases', () => {
    assert.equal(loadError(['--invalid']).message, fatal(2, 'invalid', 'Bad directive or wrong number of arguments'));
    assert.equal(loadError(['--port']).message, fatal(2, 'port', 'wrong number of arguments'));
    assert.equal(loadError(['--port', '6380', '--loglevel']).message, fatal(3, 'loglevel', 'wrong number of arguments'));
    assert.equal(loadError(['--port', '6379', '6380']).message, fatal(2, 'port "6379" "6380"', 'wrong number of arguments'));
    assert.equal(
      loadError(['--port', '--loglevel', 'verbose']).message,
      fatal(2, 'port "--loglevel" "verbose"', 'wrong number of arguments'),
    );
    assert.equal(
      loadError(['--port', '--bla', '--loglevel', 'verbose']).message,
      fatal(2, 'port "--bla"', "argument couldn't be parsed into an integer"),
    );
    assert.match(loadError(['--logfile', '--my--log--file', '--loglevel', '--bla']).message, /'loglevel "--bla"'\nargument\(s\) must be one of the following/);
    assert.match(loadError(['--shutdown-on-sigint']).message, /'shutdown-on-sigint'\nargument\(s\) must be one of the following/);
    assert.match(
      loadError(['--shutdown-on-sigint', 'now force', '--shutdown-on-sigterm']).message,
      /'shutdown-on-sigterm'\nargument\(s\) must be one of the following/,
    );
    assert.equal(
      loadError(['--replicaof', '127.0.0.1', 'abc']).message,
      fatal(2, 'replicaof "127.0.0.1" "abc"', 'Invalid primary port'),
    );
    assert.equal(
      loadError(['--cluster-enabled', 'yes', '--replicaof', 'h', '1']).message,
      fatal(undefined, undefined, 'replicaof directive not allowed in cluster mode'),
    );
  });

  test('values', () => {
    let cfg = loaded(['--maxmemory 700mb', '--maxmemory-policy volatile-lru']);
    assert.equal(cfg.get('maxmemory'), '734003200');
    assert.equal(cfg.get('maxmemory-policy'), 'volatile-lru');

    cfg = loaded(["--maxmemory '700mb'", "--maxmemory-policy 'volatile-lru'"]);
    assert.equal(cfg.get('maxmemory'), '734003200');
    // A separate value argument is quoted verbatim, so its quotes are data.
    assert.equal(loadError(['--maxmemory', "'700mb'"]).reason, 'argument must be a memory value');

    cfg = loaded(['--proc-title-template', '--my--title--template', '--loglevel', 'verbose']);
    assert.equal(cfg.get('proc-title-template'), '--my--title--template');
    assert.equal(cfg.get('loglevel'), 'verbose');

    for (const argv of [
      ['--save', '--loglevel', 'verbose'],
      ['--loglevel', 'verbose', '--save'],
      ['--save', '', '--loglevel', 'verbose'],
      ['--loglevel', 'verbose', '--save', ''],
    ]) {
      cfg = loaded(argv);
      assert.equal(cfg.get('save'), '', argv.join(' '));
      assert.equal(cfg.get('loglevel'), 'verbose', argv.join(' '));
    }

    cfg = loaded(['--proc-title-template', '--save', '--save', '', '--loglevel', 'verbose']);
    assert.equal(cfg.get('proc-title-template'), '--save');
    assert.equal(cfg.get('save'), '');

    cfg = loaded(['--shutdown-on-sigint', 'nosave', 'force', 'now', '--shutdown-on-sigterm', 'nosave force']);
    assert.equal(cfg.get('shutdown-on-sigint'), 'nosave now force');
    assert.equal(cfg.get('shutdown-on-sigterm'), 'nosave force');

    cfg = loaded(['--port', '0', '--bind', '127.0.0.1', '::1', '--hz', '900']);
    assert.equal(cfg.get('port'), '0');
    assert.equal(cfg.get('bind'), '127.0.0.1 ::1');
    assert.equal(cfg.get('hz'), '500');
  });

  test('file first, command line last; first save line replaces the defaults', () => {
    const dir = tmpDir();
    try {
      const main = path.join(dir, 'x.conf');
      fs.writeFileSync(main, 'save 900 1\nport 7001\n');
      let cfg = loaded(['--save', '100', '100', '--port', '7002'], main);
      assert.equal(cfg.get('save'), '900 1 100 100');
      assert.equal(cfg.get('port'), '7002');
      cfg = loaded(['--save', ''], main);
      assert.equal(cfg.get('save'), '');
      fs.writeFileSync(main, 'port 7001\n');
      assert.equal(loaded([], main).get('save'), '3600 1 300 100 60 10000');
      assert.deepEqual(Config.splitCommandLine(['x.conf', '--port', '1']), { configFile: 'x.conf', options: ['--port', '1'] });
      assert.deepEqual(Config.splitCommandLine(['--port', '1']), { configFile: undefined, options: ['--port', '1'] });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('CONFIG REWRITE', () => {
  test('without a config file', () => {
    assert.equal(new Config().rewrite(), 'ERR The server is running without a config file');
  });

  test('keeps layout, replaces in place, appends, drops defaults', () => {
    const cwd = process.cwd();
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'r.conf');
      fs.writeFileSync(
        file,
        [
          '# My config',
          'port 7000',
          '',
          '',
          '# memory',
          'maxmemory 1mb',
          'save 900 1',
          'save 300 10',
          'slave-read-only no',
          'timeout 0',
          'rename-command flushdb ""',
          '',
        ].join('\n'),
      );
      const cfg = new Config();
      cfg.registerDirective('rename-command', () => null, 2, 2);
      cfg.loadStartup(file, []);
      assert.equal(cfg.get('save'), '900 1 300 10');
      assert.equal(cfg.get('replica-read-only'), 'no');

      // Lines the rewrite does not understand are kept as comments.
      fs.appendFileSync(file, 'unknown-option 5\n');
      assert.equal(cfg.setMany([['maxmemory', '2gb'], ['replica-read-only', 'yes'], ['hz', '20'], ['requirepass', 'a"b']]), null);
      assert.equal(cfg.rewrite(), null);
      const text = fs.readFileSync(file, 'utf8');
      const lines = text.split('\n');
      assert.equal(lines[0], '# My config');
      assert.equal(lines[1], 'port 7000');
      assert.equal(lines[2], '');
      assert.equal(lines[3], '# memory'); // consecutive blank lines collapsed
      assert.equal(lines[4], 'maxmemory 2gb');
      assert.equal(lines[5], 'save 900 1 300 10');
      assert.ok(!text.includes('save 300 10\n'));
      assert.ok(text.includes('replica-read-only yes'));
      assert.ok(!text.includes('slave-read-only'));
      assert.ok(text.includes('timeout 0')); // present in file: kept even at default
      assert.ok(text.includes('rename-command flushdb ""'));
      assert.ok(text.includes('# ??? unknown-option 5'));
      const sig = lines.indexOf(CONFIG_REWRITE_SIGNATURE);
      assert.ok(sig > 0);
      const generated = lines.slice(sig + 1);
      assert.ok(generated.includes('hz 20'));
      assert.ok(generated.includes('requirepass "a\\"b"'));
      assert.ok(generated.includes(`dir ${reprString(process.cwd())}`));
      assert.ok(generated.includes('latency-tracking-info-percentiles 50 99 99.9'));
      assert.ok(!generated.some((l) => l.startsWith('maxmemory-policy')));
      assert.ok(!generated.some((l) => l.startsWith('bind')));

      // Rewriting again keeps a single signature and converges (the file's
      // final newline turns into one trailing blank line, as in the server).
      assert.equal(cfg.rewrite(), null);
      const again = fs.readFileSync(file, 'utf8');
      assert.equal(again, text + '\n');
      assert.equal(cfg.rewrite(), null);
      assert.equal(fs.readFileSync(file, 'utf8'), again);
      assert.equal(again.split(CONFIG_REWRITE_SIGNATURE).length, 2);

      // The rewritten file loads back to the same values.
      const back = new Config();
      back.registerDirective('rename-command', () => null, 2, 2);
      fs.writeFileSync(file, again.replace('# ??? unknown-option 5\n', ''));
      back.loadStartup(file, []);
      for (const [k, v] of cfg.matchGet(['*'])) assert.equal(back.get(k), v, k);

      // Values back at default that came from the rewrite section are dropped.
      assert.equal(cfg.set('hz', '10', 'runtime'), null);
      assert.equal(cfg.set('save', '', 'runtime'), null);
      assert.equal(cfg.rewrite(), null);
      const third = fs.readFileSync(file, 'utf8');
      assert.ok(third.includes('hz 10')); // line existed: rewritten in place
      assert.ok(third.includes('save ""'));
    } finally {
      process.chdir(cwd);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('force writes every parameter and the result loads back', () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'f.conf');
      fs.writeFileSync(file, '');
      const cfg = loaded([], file);
      assert.equal(cfg.set('client-output-buffer-limit', 'normal 1mb 0 0', 'runtime'), null);
      assert.equal(cfg.set('maxmemory-clients', '5%', 'runtime'), null);
      assert.equal(cfg.rewrite(file, { force: true }), null);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.startsWith(CONFIG_REWRITE_SIGNATURE + '\n'));
      assert.ok(text.includes('client-output-buffer-limit normal 1mb 0 0\n'));
      assert.ok(text.includes('client-output-buffer-limit replica 256mb 64mb 60\n'));
      assert.ok(text.includes('maxmemory-clients 5%\n'));
      assert.ok(text.includes('unixsocketperm 0\n'));
      const back = loaded([], file);
      for (const [k, v] of cfg.matchGet(['*'])) assert.equal(back.get(k), v, k);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('rewrite providers replace directive lines', () => {
    const dir = tmpDir();
    try {
      const file = path.join(dir, 'u.conf');
      fs.writeFileSync(file, 'user alice on\nuser bob on\n');
      const cfg = new Config();
      cfg.registerDirective('user', () => null);
      cfg.registerRewriteProvider('user', () => ['user default on nopass ~* +@all']);
      cfg.loadStartup(file, []);
      assert.equal(cfg.rewrite(), null);
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.startsWith('user default on nopass ~* +@all\n\n'));
      assert.ok(!text.includes('alice'));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('stringMatch', () => {
  const cases: Array<[string, string, boolean, boolean?]> = [
    ['*', 'anything', true],
    ['*', '', false], // like the server: `*` needs at least one char via the matcher
    ['', '', true],
    ['', 'a', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h*llo', 'hllo', true],
    ['h*llo', 'heeeello', true],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hbllo', true], // reversed range
    ['h[a-b]llo', 'hcllo', false],
    ['h\\*llo', 'h*llo', true],
    ['h\\*llo', 'hello', false],
    ['[\\]]', ']', true],
    ['[a-]', ']', true], // `a-]` is a range from ']' to 'a'
    ['[a-]', '-', false],
    ['[abc', 'a', true], // unterminated set
    ['[abc', 'b', true],
    ['[^', 'x', true],
    ['a\\', 'a\\', true], // trailing backslash is literal
    ['a*b*c', 'aXbYc', true],
    ['a*b*c', 'aXbY', false],
    ['**a', 'a', true],
    ['a**', 'a', true],
    ['*a*', 'bab', true],
    ['HELLO', 'hello', false],
    ['HELLO', 'hello', true, true],
    ['[A-C]x', 'bx', true, true],
    ['[a-c]x', 'BX', true, true],
    ['*?', 'a', true],
    ['*?*?', 'a', false],
  ];
  for (const [p, s, expected, nocase] of cases) {
    test(`${JSON.stringify(p)} ~ ${JSON.stringify(s)}${nocase ? ' (nocase)' : ''}`, () => {
      assert.equal(stringMatch(p, s, nocase ?? false), expected);
    });
  }

  test('bytes >= 0x80 sort below ASCII in ranges (signed char)', () => {
    assert.equal(stringMatchBuf(Buffer.from('[\x00-a]', 'latin1'), Buffer.from([0xe9])), false);
    assert.equal(stringMatchBuf(Buffer.from('[\x80-a]', 'latin1'), Buffer.from([0xe9])), true);
    assert.equal(stringMatchBuf(Buffer.from('?'), Buffer.from('é')), false); // two bytes
  });

  test('pathological patterns finish quickly', () => {
    const start = Date.now();
    assert.equal(stringMatch('a*a*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(100)), false);
    assert.equal(stringMatch('*'.repeat(2000) + 'x', 'y'.repeat(50)), false);
    assert.ok(Date.now() - start < 1000);
  });
});
