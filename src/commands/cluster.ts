// CLUSTER and ASKING on a server that does not run in cluster mode: like a Valkey started without
// cluster-enabled, every CLUSTER subcommand (HELP included) and ASKING answer that cluster support
// is disabled. The commands still exist, so their flags apply: a script calling CLUSTER RESET is
// refused as a no-script command, and arity and unknown subcommands get the usual errors.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';

const DISABLED = 'ERR This instance has cluster support disabled';

/** Valkey's CLUSTER subcommands (every one of them answers the same here). */
const SUBCOMMANDS = [
  'addslots', 'addslotsrange', 'bumpepoch', 'cancelslotmigrations', 'count-failure-reports',
  'countkeysinslot', 'delslots', 'delslotsrange', 'failover', 'flushslot', 'flushslots', 'forget',
  'getkeysinslot', 'getslotmigrations', 'help', 'info', 'keyslot', 'links', 'meet', 'migrateslots',
  'myid', 'myshardid', 'nodes', 'replicas', 'replicate', 'reset', 'saveconfig', 'set-config-epoch',
  'setslot', 'shards', 'slaves', 'slot-stats', 'slots', 'syncslots',
];

function disabled(c: Client): void {
  c.w.error(DISABLED);
}

export function registerCluster(r: Registry): void {
  for (const sub of SUBCOMMANDS) r.handle(`cluster|${sub}`, disabled);
  r.handle('asking', disabled);
}
