// CLUSTER and ASKING on a server not running in cluster mode: every subcommand answers that
// cluster support is disabled, with the usual arity and unknown-subcommand errors before that.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { serverForFile, err } from './helpers.js';

let r: Valkey;
serverForFile({}, (_s, c) => { r = c; });

const DISABLED = 'ERR This instance has cluster support disabled';

test('every CLUSTER subcommand and ASKING say cluster support is disabled', async () => {
  for (const args of [['info'], ['help'], ['nodes'], ['myid'], ['slots'], ['shards'], ['keyslot', 'foo'],
    ['reset', 'hard'], ['reset'], ['countkeysinslot', '1'], ['getkeysinslot', '1', '1'], ['meet', '127.0.0.1', '7000'],
    ['slot-stats', 'slotsrange', '0', '1'], ['setslot', '1', 'stable']]) {
    assert.equal(await err(r.call('cluster', ...args)), DISABLED, args.join(' '));
  }
  assert.equal(await err(r.call('asking')), DISABLED);
  assert.equal(await err(r.call('cluster', 'nosuch')), "ERR unknown subcommand 'nosuch'. Try CLUSTER HELP.");
  assert.equal(await err(r.call('cluster', 'info', 'extra')), "ERR wrong number of arguments for 'cluster|info' command");
  assert.equal(await err(r.call('asking', 'x')), "ERR wrong number of arguments for 'asking' command");
  assert.equal(await err(r.call('cluster')), "ERR wrong number of arguments for 'cluster' command");
});

test('inside MULTI the subcommands queue and fail when EXEC runs them', async () => {
  assert.equal(await r.call('multi'), 'OK');
  assert.equal(await r.call('cluster', 'info'), 'QUEUED');
  assert.equal(await r.call('ping'), 'QUEUED');
  const res = await r.call('exec') as unknown[];
  assert.equal(res.length, 2);
  assert.ok(res[0] instanceof Error);
  assert.equal((res[0] as Error).message, DISABLED);
  assert.equal(res[1], 'PONG');
});
