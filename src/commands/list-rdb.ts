// RDB encoding of lists (the persistence registry's codec for OBJ_LIST), as Valkey writes and
// reads them:
//  - written as RDB_TYPE_LIST_QUICKLIST_2: the node count, then per node its container (1 plain,
//    2 packed) and its bytes (a listpack, or the raw element of a plain node). A listpack-encoded
//    list is written as a one-node quicklist.
//  - read from QUICKLIST_2, and from the older QUICKLIST (ziplist nodes), ZIPLIST (one ziplist)
//    and LIST (one string per element) types. The list is rebuilt with the current
//    list-max-listpack-size and converted to a listpack when it is a single small node.
import {
  RDB_TYPE_LIST, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_LIST_ZIPLIST, RdbError,
  registerRdbType, type LoadedValue, type RdbLoadContext, type RdbOut, type RdbReader,
} from '../persistence/rdb.js';
import { ENC_LISTPACK, ENC_QUICKLIST, OBJ_LIST } from '../store/types.js';
import { LP_HDR, ListObject } from '../ds/quicklist.js';

const CONTAINER_PLAIN = 1;
const CONTAINER_PACKED = 2;

function loaded(o: ListObject | null): LoadedValue {
  if (o === null) return { type: OBJ_LIST, enc: ENC_LISTPACK, obj: new ListObject(), empty: true };
  return { type: OBJ_LIST, enc: o.isQuicklist ? ENC_QUICKLIST : ENC_LISTPACK, obj: o };
}

/** Checks that b is a well-formed listpack (sizes, terminator, entry boundaries). */
function validListpack(b: Buffer): boolean {
  if (b.length < LP_HDR + 1 || b.readUInt32LE(0) !== b.length || b[b.length - 1] !== 0xff) return false;
  const end = b.length - 1;
  let p = LP_HDR;
  let count = 0;
  while (p < end) {
    const x = b[p]!;
    let l: number;
    if (x < 0x80) l = 1;
    else if (x < 0xc0) l = 1 + (x & 0x3f);
    else if (x < 0xe0) l = 2;
    else if (x < 0xf0) { if (p + 1 >= end) return false; l = 2 + (((x & 0x0f) << 8) | b[p + 1]!); }
    else if (x === 0xf0) { if (p + 5 > end) return false; l = 5 + b.readUInt32LE(p + 1); }
    else if (x === 0xf1) l = 3;
    else if (x === 0xf2) l = 4;
    else if (x === 0xf3) l = 5;
    else if (x === 0xf4) l = 9;
    else return false;
    const bl = l <= 127 ? 1 : l < 16383 ? 2 : l < 2097151 ? 3 : l < 268435455 ? 4 : 5;
    if (p + l + bl > end) return false;
    // The backward length must encode l.
    let q = p + l + bl - 1, v = 0, mul = 1;
    for (;;) {
      const y = b[q]!;
      v += (y & 127) * mul;
      if (!(y & 128)) break;
      mul *= 128;
      if (--q < p + l) return false;
    }
    if (v !== l) return false;
    p += l + bl;
    count++;
  }
  const hdrCount = b.readUInt16LE(4);
  return p === end && (hdrCount === 65535 || hdrCount === count);
}

/** The elements of a ziplist (the pre-7.0 packed format), or null when it is malformed. */
function ziplistElements(z: Buffer): Buffer[] | null {
  if (z.length < 11 || z.readUInt32LE(0) !== z.length || z[z.length - 1] !== 0xff) return null;
  const out: Buffer[] = [];
  const end = z.length - 1;
  let p = 10;
  while (p < end) {
    // previous entry length: 1 byte, or 0xFE + 4 bytes
    p += z[p] === 0xfe ? 5 : 1;
    if (p >= end) return null;
    const e = z[p]!;
    const top = e >> 6;
    if (top === 0) { const n = e & 0x3f; out.push(z.subarray(p + 1, p + 1 + n)); p += 1 + n; }
    else if (top === 1) { const n = ((e & 0x3f) << 8) | z[p + 1]!; out.push(z.subarray(p + 2, p + 2 + n)); p += 2 + n; }
    else if (e === 0x80) { const n = z.readUInt32BE(p + 1); out.push(z.subarray(p + 5, p + 5 + n)); p += 5 + n; }
    else {
      let v: bigint | number;
      switch (e) {
        case 0xc0: v = z.readInt16LE(p + 1); p += 3; break;
        case 0xd0: v = z.readInt32LE(p + 1); p += 5; break;
        case 0xe0: v = z.readBigInt64LE(p + 1); p += 9; break;
        case 0xf0: { const u = z[p + 1]! | (z[p + 2]! << 8) | (z[p + 3]! << 16); v = u >= 8388608 ? u - 16777216 : u; p += 4; break; }
        case 0xfe: v = z.readInt8(p + 1); p += 2; break;
        default:
          if (e >= 0xf1 && e <= 0xfd) { v = (e & 0x0f) - 1; p += 1; break; }
          return null;
      }
      out.push(Buffer.from(String(v)));
    }
    if (p > end) return null;
  }
  return out;
}

function fillOf(ctx: RdbLoadContext): number { return ctx.server.config.num('list-max-listpack-size'); }

/** Registers the list codec with the RDB writer and loader. */
export function registerListRdb(): void {
  registerRdbType(OBJ_LIST, {
    rdbType: () => RDB_TYPE_LIST_QUICKLIST_2,
    save(out: RdbOut, obj: unknown, _rdbType: number, _version: number, compress: boolean): void {
      const nodes = (obj as ListObject).serializedNodes();
      out.len(nodes.length);
      for (const n of nodes) {
        out.len(n.plain ? CONTAINER_PLAIN : CONTAINER_PACKED);
        out.str(n.bytes, compress);
      }
    },
    loadTypes: [RDB_TYPE_LIST_QUICKLIST_2, RDB_TYPE_LIST_QUICKLIST, RDB_TYPE_LIST_ZIPLIST, RDB_TYPE_LIST],
    load(r: RdbReader, rdbType: number, ctx: RdbLoadContext): LoadedValue {
      const fill = fillOf(ctx);
      if (rdbType === RDB_TYPE_LIST) {
        const n = r.len();
        const elems: Buffer[] = [];
        for (let i = 0; i < n; i++) elems.push(Buffer.from(r.str()));
        return loaded(n === 0 ? null : ListObject.fromElements(elems, fill));
      }
      if (rdbType === RDB_TYPE_LIST_ZIPLIST) {
        // Pushed into a quicklist one by one; Valkey keeps the quicklist encoding here.
        const elems = ziplistElements(r.str());
        if (elems === null) throw new RdbError('List ziplist integrity check failed.');
        return loaded(elems.length === 0 ? null : ListObject.fromElements(elems, fill, false));
      }
      const n = r.len();
      const nodes: Array<{ plain: boolean; bytes: Uint8Array }> = [];
      for (let i = 0; i < n; i++) {
        let container = CONTAINER_PACKED;
        if (rdbType === RDB_TYPE_LIST_QUICKLIST_2) {
          container = r.len();
          if (container !== CONTAINER_PACKED && container !== CONTAINER_PLAIN) {
            throw new RdbError('Quicklist integrity check failed.');
          }
        }
        const data = r.str();
        if (data.length === 0) throw new RdbError('Quicklist integrity check failed.');
        if (container === CONTAINER_PLAIN) { nodes.push({ plain: true, bytes: data }); continue; }
        if (rdbType === RDB_TYPE_LIST_QUICKLIST_2) {
          if (!validListpack(data)) throw new RdbError('Listpack integrity check failed.');
          nodes.push({ plain: false, bytes: data });
        } else {
          // An old ziplist node becomes a listpack node with the same elements.
          const z = ziplistElements(data);
          if (z === null) throw new RdbError('Ziplist integrity check failed.');
          if (z.length > 0) nodes.push({ plain: false, bytes: ListObject.buildListpack(z) });
        }
      }
      return loaded(ListObject.fromNodes(nodes, fill));
    },
  });
}
