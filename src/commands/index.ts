// Registers every command family with the registry.
import type { Registry } from './registry.js';
import { registerString } from './string.js';
import { registerConnection } from './connection.js';
import { registerClient } from './client.js';
import { registerMonitor } from './monitor.js';
import { registerKeyspace } from './keyspace.js';
import { registerExpire } from './expire.js';
import { registerServer } from './server.js';
import { registerCommand } from './command.js';
import { registerDebug } from './debug.js';
import { registerList } from './list.js';
import { registerHash } from './hash.js';
import { registerSet } from './set.js';
import { registerBitops } from './bitops.js';
import { registerZset } from './zset.js';
import { registerSort } from './sort.js';
import { registerPersistence } from './persistence.js';
import { registerAof } from '../persistence/aof.js';
import { registerReplication } from './replication.js';
import { registerStream } from './stream.js';
import { registerMulti } from './multi.js';
import { registerHyperLogLog } from './hyperloglog.js';
import { registerGeo } from './geo.js';

export function registerAll(r: Registry): void {
  registerConnection(r);
  registerClient(r);
  registerMonitor(r);
  registerString(r);
  registerKeyspace(r);
  registerExpire(r);
  registerServer(r);
  registerCommand(r);
  registerDebug(r);
  registerList(r);
  registerHash(r);
  registerSet(r);
  registerBitops(r);
  registerZset(r);
  registerSort(r);
  registerPersistence(r);
  registerAof(r);
  registerReplication(r);
  registerStream(r);
  registerMulti(r);
  registerHyperLogLog(r);
  registerGeo(r);
}
