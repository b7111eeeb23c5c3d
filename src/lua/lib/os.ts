// The os library as Valkey's sandbox keeps it: only os.clock (processor time used, in seconds).

import { LuaTable } from '../value.js';
import type { LuaValue } from '../value.js';
import { makeLib } from './args.js';
import type { LibState } from './args.js';

/** C clock(): CPU time of the process, in seconds. */
export function cpuClock(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

export function openOs(L: LibState): LuaTable {
  const lib = makeLib({
    clock: (): LuaValue[] => [cpuClock()],
  });
  L.globals.set('os', lib);
  return lib;
}
