import { squash32 } from './bits.js';
// Geohash arithmetic used by the GEO commands. Positions are stored as sorted-set scores: the
// longitude and latitude are each quantised to 26 bits over [-180,180] x [-85.05112878,85.05112878]
// and interleaved (latitude on even bits, longitude on odd bits) into a 52-bit integer, exactly as
// Valkey does, so the same coordinates give the same score on both servers. Searches cover the
// query shape with the geohash cell of a suitable precision plus its eight neighbours, and filter
// candidates by great-circle (haversine) distance.

export const GEO_STEP_MAX = 26;
export const GEO_LAT_MIN = -85.05112878;
export const GEO_LAT_MAX = 85.05112878;
export const GEO_LONG_MIN = -180;
export const GEO_LONG_MAX = 180;

/** Mean earth radius (metres) the distance computations use. */
export const EARTH_RADIUS_IN_METERS = 6372797.560856;
const MERCATOR_MAX = 20037726.37;
const D_R = Math.PI / 180.0;

export interface Range { min: number; max: number }
/** A geohash cell: `bits` holds 2*step interleaved bits. step 0 with bits 0 marks "no cell". */
export interface HashBits { bits: bigint; step: number }
export interface Area { lon: Range; lat: Range }

const LONG_RANGE: Range = { min: GEO_LONG_MIN, max: GEO_LONG_MAX };
const LAT_RANGE: Range = { min: GEO_LAT_MIN, max: GEO_LAT_MAX };
const TWO32 = 4294967296;

/** Spreads the low 16 bits of v onto the even bit positions of a 32-bit value. */
function spread16(v: number): number {
  v &= 0xffff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v >>> 0;
}


/** C's double → uint32 conversion for the non-negative, in-range values used here. */
function toU32(d: number): number { return Math.trunc(d) >>> 0; }

/** Interleaves x (even bits) and y (odd bits): the two 32-bit halves of the 64-bit result. */
function interleave(x: number, y: number): [number, number] {
  const lo = (spread16(x) | (spread16(y) << 1)) >>> 0;
  const hi = (spread16(x >>> 16) | (spread16(y >>> 16) << 1)) >>> 0;
  return [hi, lo];
}

/** Quantised offsets of a position inside the ranges, or null when it is outside. */
function offsets(lonR: Range, latR: Range, lon: number, lat: number, step: number): [number, number] | null {
  if (step > 32 || step === 0) return null;
  if (lon > GEO_LONG_MAX || lon < GEO_LONG_MIN || lat > GEO_LAT_MAX || lat < GEO_LAT_MIN) return null;
  if (lat < latR.min || lat > latR.max || lon < lonR.min || lon > lonR.max) return null;
  let latOff = (lat - latR.min) / (latR.max - latR.min);
  let lonOff = (lon - lonR.min) / (lonR.max - lonR.min);
  latOff *= 2 ** step;
  lonOff *= 2 ** step;
  return [toU32(latOff), toU32(lonOff)];
}

/** Encodes a position at `step` bits per coordinate over the given ranges (bits 0 when invalid). */
export function encode(lonR: Range, latR: Range, lon: number, lat: number, step: number): HashBits {
  const o = offsets(lonR, latR, lon, lat, step);
  if (o === null) return { bits: 0n, step };
  const [hi, lo] = interleave(o[0], o[1]);
  return { bits: (BigInt(hi) << 32n) | BigInt(lo), step };
}

/** The sorted-set score of a WGS84 position (52-bit geohash as a double); NaN when invalid. */
export function geoScore(lon: number, lat: number): number {
  const o = offsets(LONG_RANGE, LAT_RANGE, lon, lat, GEO_STEP_MAX);
  if (o === null) return NaN;
  const [hi, lo] = interleave(o[0], o[1]);
  return hi * TWO32 + lo;
}

/** The 52-bit score range a cell covers starts at this value. */
export function align52(h: HashBits): number {
  return Number(BigInt.asUintN(64, h.bits << BigInt(52 - h.step * 2)));
}

function decodeParts(hi: number, lo: number, step: number, lonR: Range, latR: Range): Area {
  const ilat = (squash32(lo) | (squash32(hi) << 16)) >>> 0;
  const ilon = (squash32(lo >>> 1) | (squash32(hi >>> 1) << 16)) >>> 0;
  const latScale = latR.max - latR.min;
  const lonScale = lonR.max - lonR.min;
  const div = 2 ** step;
  return {
    lat: { min: latR.min + (ilat * 1.0 / div) * latScale, max: latR.min + ((ilat + 1) * 1.0 / div) * latScale },
    lon: { min: lonR.min + (ilon * 1.0 / div) * lonScale, max: lonR.min + ((ilon + 1) * 1.0 / div) * lonScale },
  };
}

/** The area of a cell over the WGS84 ranges the scores use. */
export function decodeArea(h: HashBits): Area {
  const b = BigInt.asUintN(64, h.bits);
  return decodeParts(Number(b >> 32n), Number(b & 0xffffffffn), h.step, LONG_RANGE, LAT_RANGE);
}

/** C's (uint64_t) conversion of a score, as the two 32-bit halves. */
function scoreBits(score: number): [number, number] {
  if (score >= 0 && score < 2 ** 53) {
    const s = Math.trunc(score);
    const hi = Math.floor(s / TWO32);
    return [hi >>> 0, (s - hi * TWO32) >>> 0];
  }
  let b: bigint;
  if (Number.isNaN(score) || score >= 2 ** 64 || score <= -(2 ** 63)) b = 0x8000000000000000n;
  else b = BigInt.asUintN(64, BigInt(Math.trunc(score)));
  return [Number(b >> 32n), Number(b & 0xffffffffn)];
}

/** Decodes a score into [longitude, latitude] (the centre of its cell, clamped to the ranges). */
export function decodeScore(score: number): [number, number] {
  const [hi, lo] = scoreBits(score);
  const a = decodeParts(hi, lo, GEO_STEP_MAX, LONG_RANGE, LAT_RANGE);
  let lon = (a.lon.min + a.lon.max) / 2;
  if (lon > GEO_LONG_MAX) lon = GEO_LONG_MAX;
  if (lon < GEO_LONG_MIN) lon = GEO_LONG_MIN;
  let lat = (a.lat.min + a.lat.max) / 2;
  if (lat > GEO_LAT_MAX) lat = GEO_LAT_MAX;
  if (lat < GEO_LAT_MIN) lat = GEO_LAT_MIN;
  return [lon, lat];
}

const GEO_ALPHABET = '0123456789bcdefghjkmnpqrstuvwxyz';

/** The standard 11-character geohash string of a stored score ([-90,90] latitude range). */
export function geohashString(score: number): string {
  const [lon, lat] = decodeScore(score);
  const h = encode({ min: -180, max: 180 }, { min: -90, max: 90 }, lon, lat, 26);
  let out = '';
  for (let i = 0; i < 11; i++) {
    const idx = i === 10 ? 0 : Number((h.bits >> BigInt(52 - (i + 1) * 5)) & 0x1fn);
    out += GEO_ALPHABET[idx];
  }
  return out;
}

// ------------------------------------------------------------------ neighbours

const ODD = 0xaaaaaaaaaaaaaaaan;
const EVEN = 0x5555555555555555n;

function moveX(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const sh = BigInt(64 - h.step * 2);
  let x = h.bits & ODD;
  const y = h.bits & EVEN;
  const zz = EVEN >> sh;
  if (d > 0) x = x + (zz + 1n);
  else x = BigInt.asUintN(64, (x | zz) - (zz + 1n));
  x &= ODD >> sh;
  return { bits: x | y, step: h.step };
}

function moveY(h: HashBits, d: number): HashBits {
  if (d === 0) return h;
  const sh = BigInt(64 - h.step * 2);
  const x = h.bits & ODD;
  let y = h.bits & EVEN;
  const zz = ODD >> sh;
  if (d > 0) y = y + (zz + 1n);
  else y = BigInt.asUintN(64, (y | zz) - (zz + 1n));
  y &= EVEN >> sh;
  return { bits: x | y, step: h.step };
}

export interface Neighbors {
  north: HashBits; south: HashBits; east: HashBits; west: HashBits;
  northEast: HashBits; northWest: HashBits; southEast: HashBits; southWest: HashBits;
}

export function neighbors(h: HashBits): Neighbors {
  return {
    east: moveX(h, 1), west: moveX(h, -1), south: moveY(h, -1), north: moveY(h, 1),
    northWest: moveY(moveX(h, -1), 1), northEast: moveY(moveX(h, 1), 1),
    southEast: moveY(moveX(h, 1), -1), southWest: moveY(moveX(h, -1), -1),
  };
}

// ------------------------------------------------------------------ shapes and search areas

/** A search shape: a circle (radius) or a box (width x height), in `conversion` units of metres. */
export interface GeoShape {
  lon: number; lat: number;
  conversion: number;
  circle: boolean;
  radius: number;
  width: number; height: number;
}

const degRad = (a: number): number => a * D_R;
const radDeg = (a: number): number => a / D_R;

/** Cell precision for a search of `meters` around latitude `lat`. */
export function estimateSteps(meters: number, lat: number): number {
  if (meters === 0) return 26;
  let step = 1;
  while (meters < MERCATOR_MAX) { meters *= 2; step++; }
  step -= 2;
  if (lat > 66 || lat < -66) {
    step--;
    if (lat > 80 || lat < -80) step--;
  }
  if (step < 1) step = 1;
  if (step > 26) step = 26;
  return step;
}

/** [minLon, minLat, maxLon, maxLat] enclosing the shape. */
export function boundingBox(s: GeoShape): [number, number, number, number] {
  const height = s.conversion * (s.circle ? s.radius : s.height / 2);
  const width = s.conversion * (s.circle ? s.radius : s.width / 2);
  const latDelta = radDeg(height / EARTH_RADIUS_IN_METERS);
  const lonDeltaTop = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat + latDelta)));
  const lonDeltaBottom = radDeg(width / EARTH_RADIUS_IN_METERS / Math.cos(degRad(s.lat - latDelta)));
  const south = s.lat < 0;
  return [
    south ? s.lon - lonDeltaBottom : s.lon - lonDeltaTop,
    s.lat - latDelta,
    south ? s.lon + lonDeltaBottom : s.lon + lonDeltaTop,
    s.lat + latDelta,
  ];
}

const ZERO: HashBits = { bits: 0n, step: 0 };
export const isZero = (h: HashBits): boolean => h.bits === 0n && h.step === 0;

/**
 * The cells to scan for a shape, in Valkey's order: centre, N, S, E, W, NE, NW, SE, SW
 * (cells that cannot intersect the shape are "zero").
 */
export function searchCells(s: GeoShape): HashBits[] {
  const [minLon, minLat, maxLon, maxLat] = boundingBox(s);
  let meters = s.circle ? s.radius : Math.sqrt((s.width / 2) * (s.width / 2) + (s.height / 2) * (s.height / 2));
  meters *= s.conversion;
  let steps = estimateSteps(meters, s.lat);
  let hash = encode(LONG_RANGE, LAT_RANGE, s.lon, s.lat, steps);
  let nb = neighbors(hash);
  let area = decodeArea(hash);
  let decrease = false;
  if (decodeArea(nb.north).lat.max < maxLat) decrease = true;
  if (decodeArea(nb.south).lat.min > minLat) decrease = true;
  if (decodeArea(nb.east).lon.max < maxLon) decrease = true;
  if (decodeArea(nb.west).lon.min > minLon) decrease = true;
  if (steps > 1 && decrease) {
    steps--;
    hash = encode(LONG_RANGE, LAT_RANGE, s.lon, s.lat, steps);
    nb = neighbors(hash);
    area = decodeArea(hash);
  }
  if (steps >= 2) {
    if (area.lat.min < minLat) { nb.south = ZERO; nb.southWest = ZERO; nb.southEast = ZERO; }
    if (area.lat.max > maxLat) { nb.north = ZERO; nb.northEast = ZERO; nb.northWest = ZERO; }
    if (area.lon.min < minLon) { nb.west = ZERO; nb.southWest = ZERO; nb.northWest = ZERO; }
    if (area.lon.max > maxLon) { nb.east = ZERO; nb.southEast = ZERO; nb.northEast = ZERO; }
  }
  return [hash, nb.north, nb.south, nb.east, nb.west, nb.northEast, nb.northWest, nb.southEast, nb.southWest];
}

// ------------------------------------------------------------------ distances

/** Distance along a meridian between two latitudes (degrees), in metres. */
export function latDistance(lat1: number, lat2: number): number {
  return EARTH_RADIUS_IN_METERS * Math.abs(degRad(lat2) - degRad(lat1));
}

/** Haversine great-circle distance in metres. */
export function distance(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const lon1r = degRad(lon1), lon2r = degRad(lon2);
  const v = Math.sin((lon2r - lon1r) / 2);
  if (v === 0.0) return latDistance(lat1, lat2);
  const lat1r = degRad(lat1), lat2r = degRad(lat2);
  const u = Math.sin((lat2r - lat1r) / 2);
  const a = u * u + Math.cos(lat1r) * Math.cos(lat2r) * v * v;
  return 2.0 * EARTH_RADIUS_IN_METERS * Math.asin(Math.sqrt(a));
}

/** Distance from the shape's centre to (lon, lat) when the point is inside the shape, else -1. */
export function distanceInShape(s: GeoShape, lon: number, lat: number): number {
  if (s.circle) {
    const d = distance(s.lon, s.lat, lon, lat);
    return d > s.radius * s.conversion ? -1 : d;
  }
  const w = s.width * s.conversion, h = s.height * s.conversion;
  if (latDistance(lat, s.lat) > h / 2) return -1;
  if (distance(lon, lat, s.lon, lat) > w / 2) return -1;
  return distance(s.lon, s.lat, lon, lat);
}
