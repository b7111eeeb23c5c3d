// Geospatial commands (GEOADD ... GEOSEARCHSTORE). Positions live in ordinary sorted sets whose
// scores are 52-bit interleaved geohashes (src/util/geohash.ts), so a geo key is a zset for every
// other command, and scores are identical to Valkey's. GEOADD is a ZADD with computed scores (and
// is propagated as that ZADD); searches scan the score ranges of the covering geohash cells.
import type { Registry } from './registry.js';
import type { Client } from '../server/client.js';
import { E } from '../errors.js';
import { isArg, lookupTyped, WRONGTYPE } from './util.js';
import { storeResult, zaddGeneric } from './zset.js';
import { parseDouble, parseI64 } from '../util/number.js';
import { OBJ_ZSET } from '../store/types.js';
import { compareEntries, type ZEntry, type ZsetObj } from '../ds/zset.js';
import { GeoMatches, decodeInto, decodedLat, decodedLon } from '../ds/geo-search.js';
import {
  GEO_LAT_MAX, GEO_LAT_MIN, GEO_LONG_MAX, GEO_LONG_MIN, align52, decodeScore, distance,
  geoScore, geohashString, isZero, searchCells, type GeoShape, type HashBits,
} from '../util/geohash.js';

const ZADD = Buffer.from('zadd');

// ------------------------------------------------------------------ formatting

/** printf("%f"). */
function fmtF(d: number): string {
  if (Number.isNaN(d)) return d < 0 ? '-nan' : 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Math.abs(d) >= 1e21) return BigInt(d).toString() + '.000000';
  const s = d.toFixed(6);
  return s;
}

/** Distance with four decimals (Valkey's fixed-point formatting with llrint rounding). */
export function formatDistance(d: number): string {
  if (d === 0) return '0.0000';
  const x = d * 10000;
  let r = Math.round(x);
  if (Math.abs(x - Math.trunc(x)) === 0.5) r = 2 * Math.round(x / 2);
  const neg = r < 0;
  let digits = (neg ? -r : r).toString();
  if (!Number.isSafeInteger(r)) digits = BigInt(neg ? -r : r).toString();
  if (digits.length < 5) digits = '0'.repeat(5 - digits.length) + digits;
  return (neg ? '-' : '') + digits.slice(0, -4) + '.' + digits.slice(-4);
}

/** "%.17Lf" of a double with trailing zeros removed (Valkey's human long double form). */
export function formatHumanLD(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (Number.isNaN(d)) return 'nan';
  let s = Math.abs(d) >= 1e21 ? BigInt(d).toString() : d.toFixed(17);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '-0') s = '0';
  return s;
}

function replyHuman(c: Client, d: number): void {
  const s = formatHumanLD(d);
  if (c.resp === 3) c.w.raw(Buffer.from(',' + s + '\r\n', 'latin1'));
  else c.w.bulk(s);
}

// ------------------------------------------------------------------ argument parsing

/** Parses a longitude,latitude pair; replies and returns null when invalid or out of range. */
function lonLatArg(c: Client, a: Buffer, b: Buffer): [number, number] | null {
  const lon = parseDouble(a);
  if (lon === null) { c.w.error(E.notFloat); return null; }
  const lat = parseDouble(b);
  if (lat === null) { c.w.error(E.notFloat); return null; }
  if (lon < GEO_LONG_MIN || lon > GEO_LONG_MAX || lat < GEO_LAT_MIN || lat > GEO_LAT_MAX) {
    c.w.error(E.geoInvalidPair(fmtF(lon), fmtF(lat)));
    return null;
  }
  return [lon, lat];
}

/** Metres per unit; replies and returns -1 for an unknown unit. */
function unitArg(c: Client, b: Buffer): number {
  if (isArg(b, 'm')) return 1;
  if (isArg(b, 'km')) return 1000;
  if (isArg(b, 'ft')) return 0.3048;
  if (isArg(b, 'mi')) return 1609.34;
  c.w.error(E.geoUnit);
  return -1;
}

/** A non-negative number argument with its own error text; null after replying. */
function measureArg(c: Client, b: Buffer, err: string): number | null {
  const v = parseDouble(b);
  if (v === null) { c.w.error(err); return null; }
  return v;
}

function memberPos(z: ZsetObj, m: Buffer): [number, number] | null {
  const s = z.score(m);
  if (Number.isNaN(s)) return null;
  return decodeScore(s);
}

// ------------------------------------------------------------------ GEOADD

function geoaddCommand(c: Client, argv: Buffer[]): void {
  let nx = false, xx = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const o = argv[i]!;
    if (isArg(o, 'nx')) nx = true;
    else if (isArg(o, 'xx')) xx = true;
    else if (isArg(o, 'ch')) { /* passed on to ZADD */ } else break;
  }
  if ((argv.length - i) % 3 !== 0 || (xx && nx)) { c.w.error(E.syntax); return; }
  const n = (argv.length - i) / 3;
  const zargv: Buffer[] = [ZADD];
  for (let j = 1; j < i; j++) zargv.push(Buffer.from(argv[j]!));
  for (let j = 0; j < n; j++) {
    const base = i + j * 3;
    const xy = lonLatArg(c, argv[base]!, argv[base + 1]!);
    if (xy === null) return;
    zargv.push(Buffer.from(String(geoScore(xy[0], xy[1]))), Buffer.from(argv[base + 2]!));
  }
  c.argv = zargv;
  zaddGeneric(c, zargv, 0);
}

// ------------------------------------------------------------------ GEODIST / GEOHASH / GEOPOS

function geodistCommand(c: Client, argv: Buffer[]): void {
  let toMeter = 1;
  if (argv.length === 5) {
    toMeter = unitArg(c, argv[4]!);
    if (toMeter < 0) return;
  } else if (argv.length > 5) { c.w.error(E.syntax); return; }
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  if (a === 0) { c.w.nil(); return; }
  const z = c.db.object<ZsetObj>(a);
  const p1 = memberPos(z, argv[2]!);
  const p2 = p1 && memberPos(z, argv[3]!);
  if (!p1 || !p2) { c.w.nil(); return; }
  c.w.bulk(formatDistance(distance(p1[0], p1[1], p2[0], p2[1]) / toMeter));
}

function geohashCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  const z = a === 0 ? null : c.db.object<ZsetObj>(a);
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const s = z ? z.score(argv[j]!) : NaN;
    if (Number.isNaN(s)) c.w.nil();
    else c.w.bulk(geohashString(s));
  }
}

function geoposCommand(c: Client, argv: Buffer[]): void {
  const a = lookupTyped(c, argv[1]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  const z = a === 0 ? null : c.db.object<ZsetObj>(a);
  c.w.arr(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const p = z ? memberPos(z, argv[j]!) : null;
    if (!p) { c.w.nullArray(); continue; }
    c.w.arr(2);
    replyHuman(c, p[0]);
    replyHuman(c, p[1]);
  }
}

// ------------------------------------------------------------------ searches

const RADIUS_COORDS = 1, RADIUS_MEMBER = 2, RADIUS_NOSTORE = 4, GEOSEARCH = 8, GEOSEARCHSTORE = 16;
const SORT_NONE = 0, SORT_ASC = 1, SORT_DESC = 2;

/** The reusable match collection (commands run one at a time). */
const matches = new GeoMatches();
matches.decodeSlow = decodeScore;

/** Collects the matches of the covering cells (Valkey's centre cell and its 8 neighbours). */
function membersOfCells(z: ZsetObj, cells: HashBits[], shape: GeoShape, limit: number): void {
  let last = 0;
  for (let i = 0; i < cells.length; i++) {
    const h = cells[i]!;
    if (isZero(h)) continue;
    // With very large radii neighbouring cells can coincide: skip a repeat of the previous one.
    if (last && h.bits === cells[last]!.bits && h.step === cells[last]!.step) continue;
    if (matches.n && limit && matches.n >= limit) break;
    const min = align52(h);
    const max = align52({ bits: h.bits + 1n, step: h.step });
    matches.collect(z, min, max, shape, limit);
    last = i;
  }
}

function georadiusGeneric(c: Client, argv: Buffer[], srcIdx: number, flags: number): void {
  const a = lookupTyped(c, argv[srcIdx]!, OBJ_ZSET);
  if (a === WRONGTYPE) return;
  const z = a === 0 ? null : c.db.object<ZsetObj>(a);
  let storeKey: Buffer | null = null;
  let storeDist = false;
  const shape: GeoShape = { lon: 0, lat: 0, conversion: 1, circle: true, radius: 0, width: 0, height: 0 };
  let base: number;

  const distanceArgs = (at: number): boolean => {
    const r = measureArg(c, argv[at]!, E.geoNeedRadius);
    if (r === null) return false;
    if (r < 0) { c.w.error(E.geoRadiusNegative); return false; }
    const conv = unitArg(c, argv[at + 1]!);
    if (conv < 0) return false;
    shape.radius = r;
    shape.conversion = conv;
    return true;
  };

  if (flags & RADIUS_COORDS) {
    base = 6;
    shape.circle = true;
    const xy = lonLatArg(c, argv[2]!, argv[3]!);
    if (!xy) return;
    [shape.lon, shape.lat] = xy;
    if (!distanceArgs(base - 2)) return;
  } else if ((flags & RADIUS_MEMBER) && !z) {
    base = 5;
  } else if (flags & RADIUS_MEMBER) {
    base = 5;
    shape.circle = true;
    const p = memberPos(z!, argv[2]!);
    if (!p) { c.w.error(E.geoNoMember); return; }
    [shape.lon, shape.lat] = p;
    if (!distanceArgs(base - 2)) return;
  } else {
    base = 2;
    if (flags & GEOSEARCHSTORE) { base = 3; storeKey = argv[1]!; }
  }

  let withDist = false, withHash = false, withCoord = false;
  let fromMember = false, fromLoc = false, byRadius = false, byBox = false;
  let sort = SORT_NONE;
  let any = false;
  let count = 0;
  const remaining = argv.length - base;
  for (let i = 0; i < remaining; i++) {
    const arg = argv[base + i]!;
    if (isArg(arg, 'withdist')) withDist = true;
    else if (isArg(arg, 'withhash')) withHash = true;
    else if (isArg(arg, 'withcoord')) withCoord = true;
    else if (isArg(arg, 'any')) any = true;
    else if (isArg(arg, 'asc')) sort = SORT_ASC;
    else if (isArg(arg, 'desc')) sort = SORT_DESC;
    else if (isArg(arg, 'count') && i + 1 < remaining) {
      const v = parseI64(argv[base + i + 1]!);
      if (v === null) { c.w.error(E.notInteger); return; }
      if (v <= 0n) { c.w.error(E.geoCountPositive); return; }
      count = v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
      i++;
    } else if (isArg(arg, 'store') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = argv[base + i + 1]!;
      storeDist = false;
      i++;
    } else if (isArg(arg, 'storedist') && i + 1 < remaining && !(flags & RADIUS_NOSTORE) && !(flags & GEOSEARCH)) {
      storeKey = argv[base + i + 1]!;
      storeDist = true;
      i++;
    } else if (isArg(arg, 'storedist') && (flags & GEOSEARCH) && (flags & GEOSEARCHSTORE)) {
      storeDist = true;
    } else if (isArg(arg, 'frommember') && i + 1 < remaining && (flags & GEOSEARCH) && !fromLoc) {
      if (z) {
        const p = memberPos(z, argv[base + i + 1]!);
        if (!p) { c.w.error(E.geoNoMember); return; }
        [shape.lon, shape.lat] = p;
      }
      fromMember = true;
      i++;
    } else if (isArg(arg, 'fromlonlat') && i + 2 < remaining && (flags & GEOSEARCH) && !fromMember) {
      const xy = lonLatArg(c, argv[base + i + 1]!, argv[base + i + 2]!);
      if (!xy) return;
      [shape.lon, shape.lat] = xy;
      fromLoc = true;
      i += 2;
    } else if (isArg(arg, 'byradius') && i + 2 < remaining && (flags & GEOSEARCH) && !byBox) {
      if (!distanceArgs(base + i + 1)) return;
      shape.circle = true;
      byRadius = true;
      i += 2;
    } else if (isArg(arg, 'bybox') && i + 3 < remaining && (flags & GEOSEARCH) && !byRadius) {
      const w = measureArg(c, argv[base + i + 1]!, E.geoNeedWidth);
      if (w === null) return;
      const h = measureArg(c, argv[base + i + 2]!, E.geoNeedHeight);
      if (h === null) return;
      if (h < 0 || w < 0) { c.w.error(E.geoBoxNegative); return; }
      const conv = unitArg(c, argv[base + i + 3]!);
      if (conv < 0) return;
      shape.width = w;
      shape.height = h;
      shape.conversion = conv;
      shape.circle = false;
      byBox = true;
      i += 3;
    } else { c.w.error(E.syntax); return; }
  }

  if (storeKey && (withDist || withHash || withCoord)) {
    c.w.error(E.geoStoreWith(flags & GEOSEARCHSTORE ? 'GEOSEARCHSTORE' : 'STORE option in GEORADIUS'));
    return;
  }
  const cmdName = argv[0]!.toString('latin1');
  if ((flags & GEOSEARCH) && !(fromMember || fromLoc)) { c.w.error(E.geoNeedFrom(cmdName)); return; }
  if ((flags & GEOSEARCH) && !(byRadius || byBox)) { c.w.error(E.geoNeedBy(cmdName)); return; }
  if (any && !count) { c.w.error(E.geoAnyNeedsCount); return; }

  if (!z) {
    if (storeKey) storeResult(c, storeKey, [], '');
    else c.w.arr(0);
    return;
  }

  if (count !== 0 && sort === SORT_NONE && !any) sort = SORT_ASC;

  const m = matches;
  m.reset();
  membersOfCells(z, searchCells(shape), shape, any ? count : 0);
  const found = m.n;

  if (found === 0 && storeKey === null) { m.reset(); c.w.arr(0); return; }

  const n = count === 0 || found < count ? found : count;
  if (sort === SORT_NONE) m.identity();
  else if (n === found) m.sortAll(sort === SORT_DESC);
  else m.selectFirst(n, sort === SORT_DESC);
  const order = m.order;

  if (storeKey === null) {
    const opts = (withDist ? 1 : 0) + (withCoord ? 1 : 0) + (withHash ? 1 : 0);
    c.w.arr(n);
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      if (opts) c.w.arr(opts + 1);
      m.resolve(i);
      c.w.bulkFrom(m.rBuf, m.rOff, m.rOff + m.rLen);
      if (withDist) c.w.bulk(formatDistance(m.dist[i]! / shape.conversion));
      if (!withHash && !withCoord) continue;
      const s = z.score(m.member(i));
      if (withHash) c.w.int(s);
      if (withCoord) {
        let lon: number, lat: number;
        if (decodeInto(s)) { lon = decodedLon; lat = decodedLat; } else [lon, lat] = decodeScore(s);
        c.w.arr(2);
        replyHuman(c, lon);
        replyHuman(c, lat);
      }
    }
    m.reset();
    return;
  }

  const entries: ZEntry[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const member = m.member(i);
    entries[k] = { m: Buffer.from(member), s: storeDist ? m.dist[i]! / shape.conversion : z.score(member) };
  }
  m.reset();
  entries.sort(compareEntries);
  storeResult(c, storeKey, entries, flags & GEOSEARCH ? 'geosearchstore' : 'georadiusstore');
  if (n > 1) c.server.ks.dirty += n - 1;
}

export function registerGeo(r: Registry): void {
  r.handle('geoadd', geoaddCommand);
  r.handle('geodist', geodistCommand);
  r.handle('geohash', geohashCommand);
  r.handle('geopos', geoposCommand);
  r.handle('georadius', (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS));
  r.handle('georadiusbymember', (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER));
  r.handle('georadius_ro', (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_COORDS | RADIUS_NOSTORE));
  r.handle('georadiusbymember_ro', (c, argv) => georadiusGeneric(c, argv, 1, RADIUS_MEMBER | RADIUS_NOSTORE));
  r.handle('geosearch', (c, argv) => georadiusGeneric(c, argv, 1, GEOSEARCH));
  r.handle('geosearchstore', (c, argv) => georadiusGeneric(c, argv, 2, GEOSEARCH | GEOSEARCHSTORE));
}
