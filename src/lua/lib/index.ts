// Opens every library a Valkey script gets beside the base library: string, table, math, os (clock
// only), cjson, struct, cmsgpack, bit.

import type { LibState } from './args.js';
import { openBit } from './bit.js';
import { openCjson } from './cjson.js';
import { openCmsgpack } from './cmsgpack.js';
import { openMath } from './math.js';
import { openOs } from './os.js';
import { openString } from './string.js';
import { openStruct } from './struct.js';
import { openTable } from './table.js';

export { CJSON_NULL } from './cjson.js';
export { lrand48, lrand48Seed } from './math.js';

export function openAll(L: LibState): void {
  openTable(L);
  openString(L);
  openMath(L);
  openOs(L);
  openCjson(L);
  openStruct(L);
  openCmsgpack(L);
  openBit(L);
}

export { openBit, openCjson, openCmsgpack, openMath, openOs, openString, openStruct, openTable };
