// INFO over a real socket: section selection, field formats, statistics that move with traffic,
// and the RESP3 verbatim reply.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { type RunningServer } from '../src/index.js';
import { serverForFile } from './helpers.js';
import { RawConn } from '../bench/resp.js';
import { usedMemory } from '../src/server/info.js';

let srv: RunningServer;
let r: Valkey;

serverForFile({}, (s, c) => { srv = s; r = c; });

const info = async (...sections: string[]) => (await r.call('INFO', ...sections)) as string;
const field = (text: string, name: string) => {
  const m = new RegExp(`^${name.replace(/[|]/g, '\\|')}:(.*?)\\r$`, 'm').exec(text);
  return m ? m[1] : undefined;
};
const titles = (text: string) => [...text.matchAll(/^# (\w+)\r$/gm)].map((m) => m[1]);

describe('INFO sections', () => {
  test('no argument and "default" give the default sections', async () => {
    const expected = ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Modules',
      'Errorstats', 'Cluster', 'Keyspace'];
    assert.deepEqual(titles(await info()), expected);
    assert.deepEqual(titles(await info('default')), expected);
  });

  test('"all" adds commandstats and latencystats; "everything" too; debug only on request', async () => {
    const all = titles(await info('all'));
    assert.ok(all.includes('Commandstats') && all.includes('Latencystats'));
    assert.ok(!all.includes('Debug'));
    assert.deepEqual(titles(await info('everything')), all);
    assert.deepEqual(titles(await info('debug')), ['Debug']);
    assert.match(await info('debug'), /eventloop_duration_aof_sum:\d+/);
  });

  test('section names are case-insensitive, unknown ones print nothing', async () => {
    assert.deepEqual(titles(await info('CPU')), ['CPU']);
    assert.deepEqual(titles(await info('commandSTATS')), ['Commandstats']);
    assert.equal(await info('sentinel'), '');
    assert.equal(await info('nosuchsection'), '');
  });

  test('several sections, in Valkey order, each once', async () => {
    const t = await info('keyspace', 'cpu', 'cpu', 'server');
    assert.deepEqual(titles(t), ['Server', 'CPU', 'Keyspace']);
    const withAll = await info('cpu', 'all');
    assert.equal(withAll.split('used_cpu_user_children').length, 2);
    assert.ok(withAll.includes('rejected_calls') || withAll.includes('# Commandstats'));
    const withDefault = await info('cpu', 'default');
    assert.equal(withDefault.split('used_cpu_user_children').length, 2);
    assert.ok(!titles(withDefault).includes('Commandstats'));
  });

  test('sections are separated by one empty line and lines end with CRLF', async () => {
    const t = await info('server', 'clients');
    assert.ok(t.startsWith('# Server\r\n'));
    assert.ok(t.includes('\r\n\r\n# Clients\r\n'));
    assert.ok(t.endsWith('\r\n'));
  });
});

describe('INFO fields', () => {
  test('server section identifies the versions', async () => {
    const t = await info('server');
    assert.equal(field(t, 'redis_version'), '7.2.4');
    assert.equal(field(t, 'server_name'), 'valkey');
    assert.equal(field(t, 'valkey_version'), '9.0.0');
    assert.match(field(t, 'peregrine_version') ?? '', /^\d+\.\d+\.\d+/);
    assert.equal(field(t, 'server_mode'), 'standalone');
    assert.equal(field(t, 'tcp_port'), String(srv.port));
    assert.equal(field(t, 'process_id'), String(process.pid));
    assert.match(field(t, 'run_id') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(field(t, 'hz'), '10');
    assert.match(field(t, 'listener0') ?? '', /^name=tcp,bind=127\.0\.0\.1,port=\d+$/);
  });

  test('memory figures are consistent', async () => {
    const t = await info('memory');
    const used = Number(field(t, 'used_memory'));
    const rss = Number(field(t, 'used_memory_rss'));
    assert.ok(used > 0 && rss > 0);
    assert.ok(Number(field(t, 'used_memory_peak')) >= used);
    assert.match(field(t, 'used_memory_human') ?? '', /^\d+(\.\d\d[KMGTP])?B?$/);
    assert.equal(field(t, 'maxmemory'), '0');
    assert.equal(field(t, 'maxmemory_human'), '0B');
    assert.equal(field(t, 'maxmemory_policy'), 'noeviction');
    assert.match(field(t, 'mem_fragmentation_ratio') ?? '', /^\d+\.\d\d$/);
    await r.call('CONFIG', 'SET', 'maxmemory', '1mb');
    assert.equal(field(await info('memory'), 'maxmemory'), '1048576');
    assert.equal(field(await info('memory'), 'maxmemory_human'), '1.00M');
    await r.call('CONFIG', 'SET', 'maxmemory', '0');
  });

  test('usedMemory() (for maxmemory checks) agrees with used_memory', async () => {
    const reported = Number(field(await info('memory'), 'used_memory'));
    const direct = usedMemory(srv.server);
    assert.ok(Math.abs(direct - reported) < 8 * 1024 * 1024, `${direct} vs ${reported}`);
    // Arena slab space not holding keys does not count as used.
    await r.call('SET', 'one', 'v');
    const ar = srv.server.ks.arena;
    assert.ok(ar.slabBytes > ar.usedBytes);
  });

  test('persistence reports no save running and counts changes', async () => {
    await r.call('FLUSHALL');
    const before = Number(field(await info('persistence'), 'rdb_changes_since_last_save'));
    await r.call('SET', 'p1', 'x');
    await r.call('SET', 'p2', 'y');
    const t = await info('persistence');
    assert.equal(Number(field(t, 'rdb_changes_since_last_save')), before + 2);
    assert.equal(field(t, 'loading'), '0');
    assert.equal(field(t, 'rdb_bgsave_in_progress'), '0');
    assert.equal(field(t, 'aof_enabled'), '0');
    assert.equal(field(t, 'rdb_last_bgsave_status'), 'ok');
  });

  test('stats follow traffic: commands, hits and misses, connections', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'hit', '1');
    await r.call('GET', 'hit');
    await r.call('GET', 'hit');
    await r.call('GET', 'miss');
    const t = await info('stats');
    assert.equal(field(t, 'keyspace_hits'), '2');
    assert.equal(field(t, 'keyspace_misses'), '1');
    // RESETSTAT, SET, 3 GETs (INFO itself is counted after it replies).
    assert.equal(field(t, 'total_commands_processed'), '5');
    assert.ok(Number(field(t, 'total_net_input_bytes')) > 0);
    assert.equal(field(t, 'total_connections_received'), '0');
    const r2 = new Valkey({ port: srv.port, lazyConnect: false });
    await r2.call('PING');
    assert.equal(field(await info('stats'), 'total_connections_received'), '1');
    r2.disconnect();
  });

  test('expired_keys counts lazy expiry', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'e1', 'v', 'PX', '1');
    await new Promise((res) => setTimeout(res, 10));
    assert.equal(await r.call('GET', 'e1'), null);
    assert.equal(field(await info('stats'), 'expired_keys'), '1');
  });

  test('clients section counts connections', async () => {
    const t = await info('clients');
    assert.ok(Number(field(t, 'connected_clients')) >= 1);
    assert.equal(field(t, 'maxclients'), '10000');
    assert.equal(field(t, 'blocked_clients'), '0');
  });

  test('replication section of a primary', async () => {
    const t = await info('replication');
    assert.equal(field(t, 'role'), 'master');
    assert.equal(field(t, 'connected_slaves'), '0');
    assert.match(field(t, 'master_replid') ?? '', /^[0-9a-f]{40}$/);
    assert.equal(field(t, 'master_replid2'), '0'.repeat(40));
    assert.equal(field(t, 'master_repl_offset'), '0');
    assert.equal(field(t, 'second_repl_offset'), '-1');
  });

  test('cpu section uses seconds.microseconds', async () => {
    const t = await info('cpu');
    for (const f of ['used_cpu_sys', 'used_cpu_user', 'used_cpu_sys_children', 'used_cpu_user_children',
      'used_cpu_sys_main_thread', 'used_cpu_user_main_thread']) {
      assert.match(field(t, f) ?? '', /^\d+\.\d{6}$/, f);
    }
  });

  test('keyspace lists non-empty databases only', async () => {
    await r.call('FLUSHALL');
    assert.equal(await info('keyspace'), '# Keyspace\r\n');
    await r.call('SET', 'k1', 'v');
    await r.call('SET', 'k2', 'v', 'EX', '100');
    await r.call('SELECT', '3');
    await r.call('SET', 'k3', 'v');
    await r.call('SELECT', '0');
    const t = await info('keyspace');
    assert.match(field(t, 'db0') ?? '', /^keys=2,expires=1,avg_ttl=\d+,keys_with_volatile_items=0$/);
    assert.equal(field(t, 'db3'), 'keys=1,expires=0,avg_ttl=0,keys_with_volatile_items=0');
    assert.equal(field(t, 'db1'), undefined);
  });

  test('cluster section', async () => {
    assert.equal(await info('cluster'), '# Cluster\r\ncluster_enabled:0\r\n');
  });
});

describe('INFO commandstats, errorstats, latencystats', () => {
  test('commandstats: calls, failed and rejected calls, subcommands', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('SET', 'a', 'b');
    await assert.rejects(r.call('SET', 'a'), /wrong number of arguments/);
    await assert.rejects(r.call('SET', 'a', 'b', 'EX', 'x'), /not an integer/);
    await r.call('CONFIG', 'GET', 'hz');
    const t = await info('commandstats');
    assert.match(field(t, 'cmdstat_set') ?? '', /^calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=1$/);
    assert.match(field(t, 'cmdstat_config|get') ?? '', /^calls=1,/);
    assert.equal(field(t, 'cmdstat_get'), undefined);
  });

  test('errorstats: one line per error code, sorted', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    assert.equal(await info('errorstats'), '# Errorstats\r\n');
    await assert.rejects(r.call('NOSUCHCMD'), /unknown command/);
    await r.call('SET', 'str', 'x');
    await assert.rejects(r.call('INCR', 'str'), /not an integer/);
    const t = await info('errorstats');
    assert.equal(t, '# Errorstats\r\nerrorstat_ERR:count=2\r\n');
    assert.equal(field(await info('stats'), 'total_error_replies'), '2');
    await r.call('CONFIG', 'RESETSTAT');
    assert.equal(await info('errorstats'), '# Errorstats\r\n');
  });

  test('latencystats: percentiles from latency-tracking-info-percentiles', async () => {
    await r.call('CONFIG', 'RESETSTAT');
    await r.call('CONFIG', 'SET', 'latency-tracking', 'yes');
    await r.call('SET', 'a', 'b');
    await r.call('GET', 'a');
    let t = await info('latencystats');
    assert.match(field(t, 'latency_percentiles_usec_set') ?? '', /^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$/);
    assert.match(field(t, 'latency_percentiles_usec_config|set') ?? '', /^p50=/);
    await r.call('CONFIG', 'SET', 'latency-tracking-info-percentiles', '0.0 50.0 100.0');
    t = await info('latencystats');
    assert.match(field(t, 'latency_percentiles_usec_get') ?? '', /^p0=\d+\.\d{3},p50=\d+\.\d{3},p100=\d+\.\d{3}$/);
    await r.call('CONFIG', 'SET', 'latency-tracking', 'no');
    assert.equal(await info('latencystats'), '# Latencystats\r\n');
    await r.call('CONFIG', 'SET', 'latency-tracking', 'yes', 'latency-tracking-info-percentiles', '50 99 99.9');
    await r.call('CONFIG', 'RESETSTAT');
    assert.equal(field(await info('latencystats'), 'latency_percentiles_usec_set'), undefined);
  });
});

describe('INFO over RESP3', () => {
  test('the reply is a verbatim string of format txt', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.call('HELLO', '3');
      await c.write('*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n');
      const raw = await c.raw();
      const body = '# Cluster\r\ncluster_enabled:0\r\n';
      assert.equal(raw, `=${body.length + 4}\r\ntxt:${body}\r\n`);
    } finally { c.close(); }
  });

  test('over RESP2 it is a bulk string', async () => {
    const c = await RawConn.connect(srv.port);
    try {
      await c.write('*2\r\n$4\r\nINFO\r\n$7\r\ncluster\r\n');
      const body = '# Cluster\r\ncluster_enabled:0\r\n';
      assert.equal(await c.raw(), `$${body.length}\r\n${body}\r\n`);
    } finally { c.close(); }
  });
});
