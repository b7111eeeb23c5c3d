// GEO commands over real sockets. Expected scores, geohashes, positions and distances were taken
// from a real Valkey server given the same commands, so they check bit-exact compatibility of the
// 52-bit geohash scores and of Valkey's number formatting (RESP2 and RESP3), plus every error path,
// STORE/STOREDIST results, keyspace events and GEOADD's propagation as ZADD.
import { describe, test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { Valkey } from 'iovalkey';
import { startServer, type RunningServer } from '../src/index.js';
import { RawConn, encodeCommand } from '../bench/resp.js';
import {
  decodeScore, distance, estimateSteps, geoScore, geohashString, searchCells, isZero,
} from '../src/util/geohash.js';
import { formatDistance, formatHumanLD } from '../src/commands/geo.js';
import { prng } from './prng.js';

let srv: RunningServer;
let r: Valkey;
let raw: RawConn;
const events: [string, string][] = [];

before(async () => {
  srv = await startServer({});
  r = new Valkey({ port: srv.port, lazyConnect: false, maxRetriesPerRequest: 0 });
  raw = await RawConn.connect(srv.port);
  srv.server.ks.onChange((_db, key, event) => { events.push([key ? key.toString('latin1') : '', event]); });
});

after(async () => {
  r.disconnect();
  raw.close();
  await srv.close();
});

beforeEach(async () => {
  await r.call('FLUSHALL');
  events.length = 0;
});

async function rawText(...args: string[]): Promise<string> {
  await raw.write(encodeCommand(args));
  return raw.raw();
}

async function err(p: Promise<unknown>): Promise<string> {
  try { await p; } catch (e) { return (e as Error).message; }
  throw new Error('expected an error');
}

async function sicily(): Promise<void> {
  await r.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
}

describe('geohash arithmetic', () => {
  test('scores match Valkey bit for bit, including the range edges', () => {
    assert.equal(geoScore(13.361389, 38.115556), 3479099956230698);
    assert.equal(geoScore(15.087269, 37.502669), 3479447370796909);
    assert.equal(geoScore(13, 38), 3479065152021743);
    assert.equal(geoScore(-180, -85.05112878), 0);
    assert.equal(geoScore(180, 85.05112878), 13510798882111488);
    assert.equal(geoScore(0, 0), 3377699720527872);
    assert.ok(Number.isNaN(geoScore(181, 0)));
    assert.ok(Number.isNaN(geoScore(0, 85.06)));
  });

  test('decoding, geohash strings and distances', () => {
    const [lon, lat] = decodeScore(3479099956230698);
    assert.equal(formatHumanLD(lon), '13.36138933897018433');
    assert.equal(formatHumanLD(lat), '38.11555639549629859');
    assert.equal(geohashString(3479099956230698), 'sqc8b49rny0');
    assert.equal(geohashString(0), '00bh0hbj200');
    assert.equal(geohashString(13510798882111488), 'bp05b5048p0');
    const [lon2, lat2] = decodeScore(3479447370796909);
    assert.equal(formatDistance(distance(lon, lat, lon2, lat2)), '166274.1516');
    assert.equal(formatDistance(0), '0.0000');
    assert.equal(formatDistance(0.00004), '0.0000');
    assert.equal(formatDistance(0.7750), '0.7750');
    assert.equal(formatHumanLD(180), '180');
    assert.equal(formatHumanLD(-0), '0');
  });

  test('step estimation and search cells', () => {
    assert.equal(estimateSteps(0, 0), 26);
    assert.equal(estimateSteps(1000, 0), 14);
    assert.equal(estimateSteps(1000, 70), 13);
    assert.equal(estimateSteps(1000, -85), 12);
    assert.equal(estimateSteps(1e9, 0), 1);
    const cells = searchCells({ lon: 15, lat: 37, conversion: 1000, circle: true, radius: 200, width: 0, height: 0 });
    assert.equal(cells.length, 9);
    assert.ok(!isZero(cells[0]!));
  });
});

describe('GEOADD', () => {
  test('adds, stores Valkey scores, NX / XX / CH', async () => {
    assert.equal(await r.call('GEOADD', 'Sicily', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania'), 2);
    assert.equal(await r.call('ZSCORE', 'Sicily', 'Palermo'), '3479099956230698');
    assert.equal(await r.call('ZSCORE', 'Sicily', 'Catania'), '3479447370796909');
    assert.equal(await r.call('GEOADD', 'Sicily', 'NX', 'CH', '13.361389', '38.115556', 'Palermo', '12.0', '37.0', 'x'), 1);
    assert.equal(await r.call('GEOADD', 'Sicily', 'XX', 'CH', '13.0', '38.0', 'x', '14', '39', 'y'), 1);
    assert.equal(await r.call('ZSCORE', 'Sicily', 'x'), '3479065152021743');
    assert.equal(await r.call('ZSCORE', 'Sicily', 'y'), null);
    assert.equal(await r.call('GEOADD', 'Sicily', '13.0', '38.0', 'x'), 0);
    assert.equal(await r.call('TYPE', 'Sicily'), 'zset');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'Sicily'), 'listpack');
    assert.deepEqual(events.filter((e) => e[0] === 'Sicily').map((e) => e[1]), ['zadd', 'zadd', 'zadd']);
  });

  test('range edges', async () => {
    assert.equal(await r.call('GEOADD', 'k', '-180', '-85.05112878', 'sw', '180', '85.05112878', 'ne', '0', '0', 'zero'), 3);
    assert.deepEqual(await r.call('ZMSCORE', 'k', 'sw', 'ne', 'zero'), ['0', '13510798882111488', '3377699720527872']);
  });

  test('errors', async () => {
    assert.equal(await err(r.call('GEOADD', 'k', 'NX', 'XX', '1', '1', 'a')), 'ERR syntax error');
    assert.equal(await err(r.call('GEOADD', 'k', '1', '1', 'a', '2')), 'ERR syntax error');
    assert.equal(await err(r.call('GEOADD', 'k', 'CH', 'CH', 'CH')), 'ERR syntax error');
    assert.equal(await err(r.call('GEOADD', 'k', '200', '100', 'bad')),
      'ERR invalid longitude,latitude pair 200.000000,100.000000');
    assert.equal(await err(r.call('GEOADD', 'k', '1', '1', 'ok', '0', '85.06', 'bad')),
      'ERR invalid longitude,latitude pair 0.000000,85.060000');
    assert.equal(await err(r.call('GEOADD', 'k', 'abc', '10', 'bad')), 'ERR value is not a valid float');
    assert.equal(await r.call('EXISTS', 'k'), 0, 'nothing added when one pair is invalid');
    await r.call('SET', 's', 'x');
    assert.match(await err(r.call('GEOADD', 's', '1', '1', 'a')), /^WRONGTYPE/);
  });

  test('converts to a skiplist past zset-max-listpack-entries', async () => {
    await r.call('CONFIG', 'SET', 'zset-max-listpack-entries', '4');
    try {
      const args: string[] = [];
      for (let i = 0; i < 6; i++) args.push(String(i), String(i), 'm' + i);
      assert.equal(await r.call('GEOADD', 'big', ...args), 6);
      assert.equal(await r.call('OBJECT', 'ENCODING', 'big'), 'skiplist');
      assert.deepEqual(await r.call('GEOSEARCH', 'big', 'FROMLONLAT', '0', '0', 'BYRADIUS', '200', 'km', 'ASC'), ['m0', 'm1']);
    } finally {
      await r.call('CONFIG', 'SET', 'zset-max-listpack-entries', '128');
    }
  });
});

describe('GEODIST / GEOHASH / GEOPOS', () => {
  test('GEODIST units and missing members', async () => {
    await sicily();
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'Catania'), '166274.1516');
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km'), '166.2742');
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'MI'), '103.3182');
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'ft'), '545518.8700');
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'Palermo'), '0.0000');
    assert.equal(await r.call('GEODIST', 'Sicily', 'Palermo', 'nope'), null);
    assert.equal(await r.call('GEODIST', 'nokey', 'a', 'b'), null);
    assert.equal(await err(r.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'yd')),
      'ERR unsupported unit provided. please use M, KM, FT, MI');
    assert.equal(await err(r.call('GEODIST', 'Sicily', 'Palermo', 'Catania', 'km', 'x')), 'ERR syntax error');
    await r.call('SET', 's', 'x');
    assert.match(await err(r.call('GEODIST', 's', 'a', 'b')), /^WRONGTYPE/);
  });

  test('GEOHASH', async () => {
    await sicily();
    await r.call('GEOADD', 'Sicily', '-180', '-85.05112878', 'sw', '0', '0', 'zero');
    assert.deepEqual(await r.call('GEOHASH', 'Sicily', 'Palermo', 'Catania', 'nope', 'sw', 'zero'),
      ['sqc8b49rny0', 'sqdtr74hyu0', null, '00bh0hbj200', 's0000000000']);
    assert.deepEqual(await r.call('GEOHASH', 'nokey', 'a', 'b'), [null, null]);
    await r.call('SET', 's', 'x');
    assert.match(await err(r.call('GEOHASH', 's', 'a')), /^WRONGTYPE/);
  });

  test('GEOPOS in RESP2 and RESP3', async () => {
    await sicily();
    assert.deepEqual(await r.call('GEOPOS', 'Sicily', 'Palermo', 'nope'),
      [['13.36138933897018433', '38.11555639549629859'], null]);
    assert.deepEqual(await r.call('GEOPOS', 'nokey', 'a'), [null]);
    assert.equal(await rawText('GEOPOS', 'Sicily', 'Catania', 'nope'),
      '*2\r\n*2\r\n$20\r\n15.08726745843887329\r\n$20\r\n37.50266842333162032\r\n*-1\r\n');
    await rawText('HELLO', '3');
    try {
      assert.equal(await rawText('GEOPOS', 'Sicily', 'Catania', 'nope'),
        '*2\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n_\r\n');
      assert.equal(await rawText('GEOHASH', 'Sicily', 'nope'), '*1\r\n_\r\n');
      assert.equal(await rawText('GEODIST', 'Sicily', 'nope', 'Palermo'), '_\r\n');
    } finally { await rawText('HELLO', '2'); }
    await r.call('SET', 's', 'x');
    assert.match(await err(r.call('GEOPOS', 's', 'a')), /^WRONGTYPE/);
  });
});

describe('GEORADIUS / GEORADIUSBYMEMBER', () => {
  test('replies with options, sorting and COUNT [ANY]', async () => {
    await sicily();
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'WITHCOORD', 'WITHHASH'), [
      ['Palermo', '190.4424', 3479099956230698, ['13.36138933897018433', '38.11555639549629859']],
      ['Catania', '56.4413', 3479447370796909, ['15.08726745843887329', '37.50266842333162032']],
    ]);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'WITHDIST', 'ASC'),
      [['Catania', '56.4413'], ['Palermo', '190.4424']]);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'DESC'), ['Palermo', 'Catania']);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1'), ['Catania']);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'ANY'), ['Palermo']);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '100', 'km'), ['Catania']);
    assert.deepEqual(await r.call('GEORADIUS', 'Sicily', '15', '37', '1', 'm'), []);
    assert.deepEqual(await r.call('GEORADIUS', 'nokey', '15', '37', '1', 'm'), []);
    assert.deepEqual(await r.call('GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'ASC'), ['Catania', 'Palermo']);
    assert.deepEqual(await r.call('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '200', 'km', 'WITHDIST'),
      [['Palermo', '0.0000'], ['Catania', '166.2742']]);
    assert.deepEqual(await r.call('GEORADIUSBYMEMBER_RO', 'Sicily', 'Palermo', '100', 'km'), ['Palermo']);
    assert.deepEqual(await r.call('GEORADIUSBYMEMBER', 'nokey', 'x', '100', 'km'), []);
  });

  test('STORE and STOREDIST', async () => {
    await sicily();
    assert.equal(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst'), 2);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'),
      ['Palermo', '3479099956230698', 'Catania', '3479447370796909']);
    assert.equal(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'STOREDIST', 'dst'), 2);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'),
      ['Catania', '56.4412578701582', 'Palermo', '190.44242984775784']);
    assert.equal(await r.call('GEORADIUS', 'Sicily', '15', '37', '200', 'km', 'COUNT', '1', 'STORE', 'dst'), 1);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1'), ['Catania']);
    events.length = 0;
    assert.equal(await r.call('GEORADIUS', 'Sicily', '15', '37', '1', 'm', 'STORE', 'dst'), 0);
    assert.equal(await r.call('EXISTS', 'dst'), 0);
    assert.deepEqual(events, [['dst', 'del']]);
    await r.call('SET', 'dst2', 'x');
    assert.equal(await r.call('GEORADIUSBYMEMBER', 'nokey', 'x', '1', 'km', 'STORE', 'dst2'), 0);
    assert.equal(await r.call('EXISTS', 'dst2'), 0);
    events.length = 0;
    await r.call('GEORADIUSBYMEMBER', 'Sicily', 'Palermo', '1', 'km', 'STORE', 'dst3');
    assert.deepEqual(events, [['dst3', 'georadiusstore']]);
  });

  test('errors', async () => {
    await sicily();
    const g = (...a: string[]): Promise<string> => err(r.call('GEORADIUS', 'Sicily', '15', '37', ...a));
    assert.equal(await g('200', 'km', 'ANY'), 'ERR the ANY argument requires COUNT argument');
    assert.equal(await g('200', 'km', 'COUNT', '0'), 'ERR COUNT must be > 0');
    assert.equal(await g('200', 'km', 'COUNT', '-3'), 'ERR COUNT must be > 0');
    assert.equal(await g('200', 'km', 'COUNT', 'abc'), 'ERR value is not an integer or out of range');
    assert.equal(await g('-1', 'km'), 'ERR radius cannot be negative');
    assert.equal(await g('abc', 'km'), 'ERR need numeric radius');
    assert.equal(await g('10', 'parsec'), 'ERR unsupported unit provided. please use M, KM, FT, MI');
    assert.equal(await g('200', 'km', 'STORE', 'dst', 'WITHDIST'),
      'ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD options');
    assert.equal(await g('200', 'km', 'bogus'), 'ERR syntax error');
    assert.equal(await g('200', 'km', 'STORE'), 'ERR syntax error');
    assert.equal(await err(r.call('GEORADIUS_RO', 'Sicily', '15', '37', '200', 'km', 'STORE', 'dst')), 'ERR syntax error');
    assert.equal(await err(r.call('GEORADIUS', 'Sicily', '200', '37', '200', 'km')),
      'ERR invalid longitude,latitude pair 200.000000,37.000000');
    assert.equal(await err(r.call('GEORADIUSBYMEMBER', 'Sicily', 'nope', '200', 'km')),
      'ERR could not decode requested zset member');
    await r.call('SET', 's', 'x');
    assert.match(await err(r.call('GEORADIUS', 's', '15', '37', '200', 'km')), /^WRONGTYPE/);
  });
});

describe('GEOSEARCH / GEOSEARCHSTORE', () => {
  test('FROMMEMBER / FROMLONLAT, BYRADIUS / BYBOX', async () => {
    await sicily();
    await r.call('GEOADD', 'Sicily', '13', '38', 'x');
    assert.deepEqual(await r.call('GEOSEARCH', 'Sicily', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'ASC', 'WITHCOORD', 'WITHDIST'), [
      ['Catania', '56.4413', ['15.08726745843887329', '37.50266842333162032']],
      ['Palermo', '190.4424', ['13.36138933897018433', '38.11555639549629859']],
    ]);
    assert.deepEqual(await r.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'ASC', 'WITHDIST', 'WITHHASH'), [
      ['Palermo', '0.0000', 3479099956230698],
      ['x', '34.1601', 3479065152021743],
      ['Catania', '166.2742', 3479447370796909],
    ]);
    assert.deepEqual(await r.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '400', 'km', 'COUNT', '2', 'DESC'),
      ['Catania', 'x']);
    // A narrow box excludes a point within the same radius.
    assert.deepEqual(await r.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYBOX', '400', '10', 'km', 'ASC'), ['Palermo']);
    assert.deepEqual(await r.call('GEOSEARCH', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '1', 'ANY'), ['x']);
    assert.deepEqual(await r.call('GEOSEARCH', 'nokey', 'FROMMEMBER', 'a', 'BYRADIUS', '1', 'km'), []);
    assert.deepEqual(await r.call('geosearch', 'Sicily', 'frommember', 'Palermo', 'byradius', '1', 'm'), ['Palermo']);
  });

  test('wide searches, poles and the antimeridian', async () => {
    await r.call('GEOADD', 'w', '0', '0', 'a', '0.001', '0.001', 'b', '-0.001', '-0.001', 'c', '179.99', '0', 'd',
      '-179.99', '0', 'e', '0', '85', 'f', '0', '-85', 'g', '100.5', '-45.3', 'h');
    assert.deepEqual(await r.call('GEOSEARCH', 'w', 'FROMLONLAT', '0', '0', 'BYRADIUS', '10000', 'km', 'ASC', 'WITHDIST'), [
      ['a', '0.0003'], ['b', '0.1573'], ['c', '0.1573'], ['f', '9454.2355'], ['g', '9454.2355'],
    ]);
    assert.deepEqual(await r.call('GEOSEARCH', 'w', 'FROMLONLAT', '180', '0', 'BYRADIUS', '100', 'km', 'ASC', 'WITHDIST'),
      [['d', '1.1125']]);
    assert.deepEqual(await r.call('GEORADIUS', 'w', '0', '0', '0', 'm', 'WITHDIST'), [], 'a is 0.3 mm away');
    assert.deepEqual(await r.call('GEORADIUS', 'w', '0', '0', '20000', 'km', 'ASC'),
      ['a', 'b', 'c', 'f', 'g', 'h']);
  });

  test('GEOSEARCHSTORE', async () => {
    await sicily();
    await r.call('GEOADD', 'Sicily', '13', '38', 'x');
    events.length = 0;
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'STOREDIST'), 3);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'),
      ['Palermo', '0', 'x', '34.16011111561878', 'Catania', '166.27415156960032']);
    assert.deepEqual(events, [['dst', 'geosearchstore']]);
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'COUNT', '2'), 2);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES'),
      ['x', '3479065152021743', 'Palermo', '3479099956230698']);
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'nokey', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km'), 0);
    assert.equal(await r.call('EXISTS', 'dst'), 0);
  });

  test('errors', async () => {
    await sicily();
    const s = (...a: string[]): Promise<string> => err(r.call('GEOSEARCH', 'Sicily', ...a));
    assert.equal(await s('FROMMEMBER', 'nope', 'BYBOX', '1', '1', 'km'), 'ERR could not decode requested zset member');
    assert.equal(await s('BYBOX', '1', '1', 'km', 'ASC'), 'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH');
    assert.equal(await err(r.call('geosearch', 'Sicily', 'BYBOX', '1', '1', 'km', 'ASC')),
      'ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'ASC', 'WITHDIST', 'WITHHASH'), 'ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km'), 'ERR syntax error');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYRADIUS', '1', 'km', 'BYBOX', '1', '1', 'km'), 'ERR syntax error');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYBOX', '-1', '1', 'km'), 'ERR height or width cannot be negative');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYBOX', 'a', '1', 'km'), 'ERR need numeric width');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYBOX', '1', 'a', 'km'), 'ERR need numeric height');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYBOX', '1', '1', 'au'), 'ERR unsupported unit provided. please use M, KM, FT, MI');
    assert.equal(await s('FROMLONLAT', '200', '1', 'BYBOX', '1', '1', 'km'), 'ERR invalid longitude,latitude pair 200.000000,1.000000');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'STORE', 'x'), 'ERR syntax error');
    assert.equal(await s('FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'STOREDIST'), 'ERR syntax error');
    assert.equal(await err(r.call('GEOSEARCHSTORE', 'dst', 'Sicily', 'FROMMEMBER', 'Palermo', 'BYRADIUS', '500', 'km', 'WITHDIST')),
      'ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options');
    // With no source key arguments are still validated.
    assert.equal(await err(r.call('GEOSEARCH', 'nokey', 'FROMMEMBER', 'a', 'COUNT', '1', 'ASC')),
      'ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH');
    await r.call('SET', 'str', 'x');
    assert.match(await err(r.call('GEOSEARCH', 'str', 'FROMLONLAT', '1', '1', 'BYRADIUS', '1', 'km')), /^WRONGTYPE/);
  });
});

describe('propagation', () => {
  test('GEOADD is propagated as ZADD with the computed scores', async () => {
    const seen: string[][] = [];
    srv.server.hooks.afterCall = (c, cmd) => {
      if (cmd.name === 'geoadd') seen.push(c.argv.map((b) => b.toString()));
    };
    try {
      await r.call('GEOADD', 'k', 'CH', '13.361389', '38.115556', 'Palermo', '15.087269', '37.502669', 'Catania');
      assert.deepEqual(seen, [['zadd', 'k', 'CH', '3479099956230698', 'Palermo', '3479447370796909', 'Catania']]);
      assert.equal(await r.call('ZSCORE', 'k', 'Palermo'), '3479099956230698');
    } finally {
      delete srv.server.hooks.afterCall;
    }
  });
});

// ------------------------------------------------------------------ COUNT / ANY / ties on large sets

/** GEOADDs [lon, lat, member] triples in batches. */
async function addPoints(key: string, pts: [number | string, number | string, string][]): Promise<void> {
  for (let i = 0; i < pts.length; i += 1000) {
    const args: string[] = [];
    for (const [lon, lat, m] of pts.slice(i, i + 1000)) args.push(String(lon), String(lat), m);
    await r.call('GEOADD', key, ...args);
  }
}


const pad = (i: number, n: number): string => String(i).padStart(n, '0');
const names = (reply: unknown): string[] => (reply as string[][]).map((x) => x[0]!);
const dists = (reply: unknown): number[] => (reply as string[][]).map((x) => Number(x[1]));
const run = (...args: string[]): Promise<unknown> => r.call(args[0]!, ...args.slice(1));

describe('searches with COUNT over large sets', () => {
  // 20k distinct positions scattered over ~2 degrees around (15, 37).
  async function scattered(): Promise<void> {
    const rnd = prng(42);
    const pts: [string, string, string][] = [];
    for (let i = 0; i < 20000; i++) pts.push([(14 + rnd() * 2).toFixed(6), (36 + rnd() * 2).toFixed(6), `p${pad(i, 5)}`]);
    await addPoints('big', pts);
    assert.equal(await r.call('ZCARD', 'big'), 20000);
    assert.equal(await r.call('OBJECT', 'ENCODING', 'big'), 'skiplist');
  }

  test('COUNT without ANY returns the nearest / farthest n, in order', async () => {
    await scattered();
    // (Off the grid's axes, and the positions are distinct: no equal distances here.)
    const q = ['GEOSEARCH', 'big', 'FROMLONLAT', '15.00123', '37.00077', 'BYRADIUS', '60', 'km'];
    const all = await run(...q, 'WITHDIST', 'ASC') as string[][];
    assert.ok(all.length > 3000 && all.length < 20000, `matches: ${all.length}`);
    const d = dists(all);
    for (let i = 1; i < d.length; i++) assert.ok(d[i - 1]! <= d[i]!);
    assert.ok(d[d.length - 1]! <= 60);
    for (const n of [1, 7, 10, 41, 500]) {
      assert.deepEqual(await run(...q, 'WITHDIST', 'COUNT', String(n), 'ASC'), all.slice(0, n));
      // COUNT alone implies ASC.
      assert.deepEqual(await run(...q, 'WITHDIST', 'COUNT', String(n)), all.slice(0, n));
      const desc = await run(...q, 'WITHDIST', 'COUNT', String(n), 'DESC') as string[][];
      assert.equal(desc.length, n);
      const dd = dists(desc);
      for (let i = 1; i < n; i++) assert.ok(dd[i - 1]! >= dd[i]!);
      // The farthest n: nothing left out is farther than the last one kept.
      assert.equal(dd[0], d[d.length - 1]);
      assert.ok(d.filter((x) => x > dd[n - 1]!).length < n);
    }
    // A COUNT larger than the matches returns them all.
    assert.deepEqual(await run(...q, 'WITHDIST', 'COUNT', '19999', 'ASC'), all);
    // GEORADIUS / GEORADIUSBYMEMBER take the same path.
    assert.deepEqual(await r.call('GEORADIUS', 'big', '15.00123', '37.00077', '60', 'km', 'WITHDIST', 'COUNT', '25'), all.slice(0, 25));
    const nearest = all[0]![0]!;
    const byMember = await r.call('GEORADIUSBYMEMBER', 'big', nearest, '10', 'km', 'COUNT', '3', 'ASC') as string[];
    assert.equal(byMember[0], nearest);
    assert.equal(byMember.length, 3);
  });

  test('COUNT ANY stops at n matches, all inside the shape', async () => {
    await scattered();
    const q = ['GEOSEARCH', 'big', 'FROMLONLAT', '15', '37', 'BYBOX', '80', '80', 'km'];
    const all = new Set(names(await run(...q, 'WITHDIST')));
    for (const n of [1, 5, 100, 3000]) {
      const any = await run(...q, 'WITHDIST', 'COUNT', String(n), 'ANY') as string[][];
      assert.equal(any.length, n);
      for (const [m] of any) assert.ok(all.has(m!), m);
      assert.equal(new Set(names(any)).size, n);
      // With ANY and ASC only the n found are sorted.
      const sorted = await run(...q, 'WITHDIST', 'COUNT', String(n), 'ANY', 'ASC') as string[][];
      assert.deepEqual(new Set(names(sorted)), new Set(names(any)));
      const sd = dists(sorted);
      for (let i = 1; i < n; i++) assert.ok(sd[i - 1]! <= sd[i]!);
    }
    assert.equal((await run(...q, 'COUNT', '100000', 'ANY') as string[]).length, all.size);
  });

  test('STORE / STOREDIST keep the n chosen', async () => {
    await scattered();
    const near = await r.call('GEOSEARCH', 'big', 'FROMLONLAT', '15', '37', 'BYRADIUS', '60', 'km', 'WITHDIST', 'WITHHASH', 'COUNT', '30') as string[][];
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'big', 'FROMLONLAT', '15', '37', 'BYRADIUS', '60', 'km', 'COUNT', '30'), 30);
    const stored = await r.call('ZRANGE', 'dst', '0', '-1', 'WITHSCORES') as string[];
    const want = near.map(([m, , h]) => [String(h), m!] as const).sort((a, b) => Number(a[0]) - Number(b[0]) || (a[1] < b[1] ? -1 : 1));
    assert.deepEqual(stored, want.flatMap(([h, m]) => [m, h]));
    assert.equal(await r.call('GEORADIUS', 'big', '15', '37', '60', 'km', 'COUNT', '30', 'DESC', 'STOREDIST', 'dd'), 30);
    const far = await r.call('GEOSEARCH', 'big', 'FROMLONLAT', '15', '37', 'BYRADIUS', '60', 'km', 'WITHDIST', 'COUNT', '30', 'DESC') as string[][];
    assert.deepEqual(new Set(await r.call('ZRANGE', 'dd', '0', '-1') as string[]), new Set(names(far)));
    const sd = await r.call('ZRANGE', 'dd', '0', '-1', 'WITHSCORES') as string[];
    assert.equal(Number(sd[sd.length - 1]).toFixed(4), far[0]![1]);
  });
});

describe('equal distances (replies as Valkey 8 gives them)', () => {
  // 300 members over 3 places, so every distance is shared by 100 members.
  async function groups(): Promise<void> {
    const at = [['13.361389', '38.115556'], ['15.087269', '37.502669'], ['14.5', '37.9']] as const;
    await addPoints('grp', Array.from({ length: 300 }, (_, i) => [at[i % 3]![0], at[i % 3]![1], `g${pad(i, 3)}`] as [string, string, string]));
  }
  const g = (...ids: number[]): string[] => ids.map((i) => `g${pad(i, 3)}`);
  const step = (from: number, to: number, by: number): number[] => {
    const out: number[] = [];
    for (let i = from; by > 0 ? i <= to : i >= to; i += by) out.push(i);
    return out;
  };

  test('COUNT picks the same members among ties (partial sort order)', async () => {
    await groups();
    const q = ['GEOSEARCH', 'grp', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km'];
    assert.deepEqual(await run(...q, 'COUNT', '50', 'ASC'), g(4, ...step(298, 154, -3)));
    assert.deepEqual(await run(...q, 'COUNT', '50', 'DESC'), g(297, ...step(3, 147, 3)));
    assert.deepEqual(await run(...q, 'COUNT', '8', 'DESC'), g(297, 3, 6, 9, 12, 15, 18, 21));
    assert.deepEqual(await run(...q, 'COUNT', '120', 'ASC'),
      g(4, ...step(298, 7, -3), 1, 299, 2, ...step(5, 56, 3)));
    assert.deepEqual(await run(...q, 'COUNT', '4', 'DESC', 'WITHDIST', 'WITHHASH', 'WITHCOORD'),
      g(297, 3, 6, 9).map((m) => [m, '190.4424', 3479099956230698, ['13.36138933897018433', '38.11555639549629859']]));
    // Every match sorted: equal distances keep the scan order.
    const asc = await run(...q, 'ASC') as string[];
    assert.deepEqual(asc.slice(0, 8), g(1, 4, 7, 10, 13, 16, 19, 22));
    assert.equal(asc.length, 300);
  });

  test('one place shared by many members (skiplist and listpack)', async () => {
    await addPoints('ties', Array.from({ length: 200 }, (_, i) => ['13.361389', '38.115556', `m${pad(i, 3)}`] as [string, string, string]));
    await addPoints('small', Array.from({ length: 60 }, (_, i) => ['13.361389', '38.115556', `s${pad(i, 2)}`] as [string, string, string]));
    assert.equal(await r.call('OBJECT', 'ENCODING', 'ties'), 'skiplist');
    assert.equal(await r.call('OBJECT', 'ENCODING', 'small'), 'listpack');
    const q = (k: string, ...a: string[]) => run('GEOSEARCH', k, 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', ...a);
    assert.deepEqual(await q('ties', 'COUNT', '10', 'ASC'), ['m199', 'm001', 'm002', 'm003', 'm004', 'm005', 'm006', 'm007', 'm008', 'm009']);
    assert.deepEqual(await q('ties', 'COUNT', '10', 'DESC'), ['m199', 'm001', 'm002', 'm003', 'm004', 'm005', 'm006', 'm007', 'm008', 'm009']);
    assert.deepEqual(await q('ties', 'COUNT', '3'), ['m199', 'm001', 'm002']);
    assert.deepEqual(await q('ties', 'COUNT', '3', 'ANY'), ['m000', 'm001', 'm002']);
    assert.deepEqual(await q('small', 'COUNT', '7', 'ASC'), ['s59', 's01', 's02', 's03', 's04', 's05', 's06']);
    assert.deepEqual(await q('small', 'COUNT', '45', 'DESC'), ['s59', ...Array.from({ length: 44 }, (_, i) => `s${pad(i + 1, 2)}`)]);
  });

  test('20k members at one place: COUNT, ANY, DESC and STORE', async () => {
    await addPoints('crowd', Array.from({ length: 20000 }, (_, i) => ['13.361389', '38.115556', `c${pad(i, 5)}`] as [string, string, string]));
    // A few other places around, before and after the crowd in score order.
    await r.call('GEOADD', 'crowd', '13.3', '38.1', 'west', '13.4', '38.2', 'east', '14', '37.5', 'south');
    const q = (...a: string[]) => run('GEOSEARCH', 'crowd', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', ...a);
    assert.deepEqual(await q('COUNT', '5', 'ASC', 'WITHDIST'),
      [['south', '104.5527'], ['c00000', '190.4424'], ['c00001', '190.4424'], ['c00002', '190.4424'], ['c00003', '190.4424']]);
    assert.deepEqual(await q('COUNT', '4', 'ANY'), ['south', 'west', 'c00000', 'c00001']);
    assert.deepEqual(await q('COUNT', '3', 'DESC', 'WITHDIST'), [['east', '194.1453'], ['west', '193.4940'], ['c00001', '190.4424']]);
    assert.deepEqual(await q('COUNT', '2', 'DESC', 'WITHHASH', 'WITHCOORD'), [
      ['east', 3479101074822695, ['13.40000241994857788', '38.2000006309196749']],
      ['west', 3479076843417631, ['13.299998939037323', '38.10000081174143105']],
    ]);
    const all = await q('ASC') as string[];
    assert.equal(all.length, 20003);
    assert.equal(new Set(all).size, 20003);
    assert.deepEqual(all.slice(0, 3), ['south', 'c00000', 'c00001']);
    assert.deepEqual(all.slice(-2), ['west', 'east']);
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'crowd', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '1000', 'STOREDIST'), 1000);
    assert.equal(await r.call('ZCARD', 'dst'), 1000);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '2'), ['south', 'c00000', 'c00001']);
    assert.equal(await r.call('GEOSEARCHSTORE', 'dst', 'crowd', 'FROMLONLAT', '15', '37', 'BYRADIUS', '200', 'km', 'COUNT', '7', 'ANY'), 7);
    assert.deepEqual(await r.call('ZRANGE', 'dst', '0', '-1'), ['south', 'west', 'c00000', 'c00001', 'c00002', 'c00003', 'c00004']);
  });
});
