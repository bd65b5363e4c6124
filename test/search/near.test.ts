import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { boundingBox, EARTH_RADIUS } from '../../src/storage/search/geo.ts';
import { ids, load, orderedIds, link, type R } from './fixtures.ts';

const place = (id: string, latitude: number, longitude: number): R => ({ resourceType: 'Location', id, name: id, position: { latitude, longitude } });

describe('near geometry', () => {
  it('bounds a circle by a box, split at the antimeridian, whole longitudes near a pole', () => {
    const leeds = boundingBox(53.8, -1.55, 10_000);
    assert.ok(leeds.maxLat - leeds.minLat > 0.17 && leeds.maxLat - leeds.minLat < 0.19);
    assert.equal(leeds.lon.length, 1);
    assert.equal(boundingBox(-17, 179.9, 50_000).lon.length, 2);
    assert.deepEqual(boundingBox(89.9, 0, 50_000).lon, [[-180, 180]]);
    assert.ok(EARTH_RADIUS > 6_371_000 && EARTH_RADIUS < 6_372_000);
  });
});

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      place('leeds', 53.7997, -1.5492), // Leeds city centre
      place('bradford', 53.7938, -1.7564), // 13.7 km west of Leeds
      place('york', 53.959, -1.0815), // 35.4 km north-east (17.7 km north, 30.7 km east)
      place('london', 51.5074, -0.1278), // 272 km south
      place('fiji-east', -17.0, 179.95), // either side of the antimeridian, 10.6 km apart
      place('fiji-west', -17.0, -179.95),
      { resourceType: 'Location', id: 'nowhere', name: 'no position' },
    ]);
  });
  const near = (v: string) => ids(client(), `Location?near=${encodeURIComponent(v)}`);

  describe('Location?near', () => {
    it('finds positions within the distance, in kilometres by default', async () => {
      assert.deepEqual(await near('53.7997|-1.5492|15'), ['bradford', 'leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|15|km'), ['bradford', 'leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|13|km'), ['leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|40|km'), ['bradford', 'leeds', 'york']);
    });
    it('checks the great-circle distance, not only the box around it', async () => {
      // York lies inside the box of a 33 km circle around Leeds (its latitude and longitude each within 33 km) but 35.4 km away
      assert.deepEqual(await near('53.7997|-1.5492|33|km'), ['bradford', 'leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|36|km'), ['bradford', 'leeds', 'york']);
    });
    it('takes metres and miles', async () => {
      assert.deepEqual(await near('53.7997|-1.5492|500|m'), ['leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|9|[mi_i]'), ['bradford', 'leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|8|mi'), ['leeds']);
      assert.deepEqual(await near('53.7997|-1.5492|200|[mi_i]'), ['bradford', 'leeds', 'london', 'york']);
    });
    it('uses 5 km when no distance is given', async () => {
      assert.deepEqual(await near('53.80|-1.55'), ['leeds']);
    });
    it('finds positions across the antimeridian', async () => {
      assert.deepEqual(await near('-17.0|179.99|15|km'), ['fiji-east', 'fiji-west']);
    });
    it('orders results by distance from the point, nearest first, also across pages', async () => {
      const first = await client().get(`Location?near=${encodeURIComponent('53.96|-1.08|300|km')}&_count=2`);
      assert.deepEqual(orderedIds(first), ['york', 'leeds']);
      assert.deepEqual(orderedIds(await client().get(link(first, 'next')!)), ['bradford', 'london']);
      assert.deepEqual(orderedIds(await client().get(`Location?near=${encodeURIComponent('51.5|-0.13|300|km')}`)), ['london', 'leeds', 'bradford', 'york']);
      assert.deepEqual(orderedIds(await client().get(`Location?near=${encodeURIComponent('51.5|-0.13|300|km')}&_sort=-near`)), ['york', 'bradford', 'leeds', 'london']);
      assert.deepEqual(orderedIds(await client().get(`Location?near=${encodeURIComponent('51.5|-0.13|300|km')}&_sort=_id`)), ['bradford', 'leeds', 'london', 'york']);
    });
    it('ORs points separated by commas, and finds Locations without a position with :missing', async () => {
      assert.deepEqual(await near('53.96|-1.08|1|km,51.5|-0.13|1|km'), ['london', 'york']);
      assert.deepEqual(await ids(client(), 'Location?near:missing=true'), ['nowhere']);
    });
    it('answers 400 for a point off the Earth, a unit that is not a length, or a malformed value', async () => {
      for (const v of ['91|0|1|km', '0|181', '53|-1|1|kg', '53', 'a|b|1|km', '53|-1|-1|km']) {
        assert.equal((await client().get(`Location?near=${encodeURIComponent(v)}`)).status, 400, v);
      }
    });
  });
});
