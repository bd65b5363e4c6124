import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ids, includedRefs, link, load, matchIds, orderedIds, type R } from './fixtures.ts';

const patient = (id: string, family: string, birthDate: string, extra: Record<string, unknown> = {}): R => ({ resourceType: 'Patient', id, name: [{ family }], birthDate, ...extra });
const obs = (id: string, subject: string, date: string): R => ({ resourceType: 'Observation', id, status: 'final', code: { text: 't' }, subject: { reference: `Patient/${subject}` }, effectiveDateTime: date });

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Organization', id: 'org1', name: 'Trust' },
      patient('p1', 'Adams', '1990-01-01', { managingOrganization: { reference: 'Organization/org1' }, contact: [{ name: { family: 'Kin' } }] }),
      patient('p2', 'Baker', '1980-01-01', { managingOrganization: { reference: 'Organization/org1' } }),
      patient('p3', 'Clark', '1990-01-01'),
      patient('p4', 'Davis', '1970-01-01'),
      patient('p5', 'Evans', '1990-01-01'),
      obs('o1a', 'p1', '2024-01-01'),
      obs('o1b', 'p1', '2024-02-01'),
      obs('o2a', 'p2', '2024-03-01'),
    ]);
    const entry = Array.from({ length: 120 }, (_, n) => ({ resource: obs(`many${n}`, 'p3', '2024-04-01'), request: { method: 'PUT', url: `Observation/many${n}` } }));
    const res = await client().post('', { resourceType: 'Bundle', type: 'transaction', entry });
    assert.equal(res.status, 200, res.text);
  });

  describe('_include and _revinclude', () => {
    it('add the referenced resources once, marked as include', async () => {
      const res = await client().get('Observation?subject=p1&_include=Observation:patient');
      assert.deepEqual(matchIds(res), ['o1a', 'o1b']);
      assert.deepEqual(includedRefs(res), ['Patient/p1']);
    });
    it('follow :iterate through included resources', async () => {
      const res = await client().get('Observation?_id=o1a&_include=Observation:patient&_include:iterate=Patient:organization');
      assert.deepEqual(includedRefs(res), ['Organization/org1', 'Patient/p1']);
    });
    it('include every reference with *', async () => {
      assert.deepEqual(includedRefs(await client().get('Observation?_id=o2a&_include=*')), ['Patient/p2']);
    });
    it('add every referring resource with _revinclude, however many there are', async () => {
      const res = await client().get('Patient?_id=p3&_revinclude=Observation:subject');
      assert.equal(includedRefs(res).length, 120);
    });
    it('follow _revinclude:iterate from the resources it added', async () => {
      const res = await client().get('Organization?_id=org1&_revinclude=Patient:organization&_revinclude:iterate=Observation:subject');
      assert.deepEqual(includedRefs(res), ['Observation/o1a', 'Observation/o1b', 'Observation/o2a', 'Patient/p1', 'Patient/p2']);
    });
    it('reject an include through a parameter that is not a reference with 400', async () => {
      assert.equal((await client().get('Observation?_include=Observation:code')).status, 400);
    });
  });

  describe('_sort', () => {
    it('orders by a parameter ascending and descending', async () => {
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=family')), ['p1', 'p2', 'p3', 'p4', 'p5']);
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=-family')), ['p5', 'p4', 'p3', 'p2', 'p1']);
    });
    it('orders by several keys', async () => {
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=-birthdate,family')), ['p1', 'p3', 'p5', 'p2', 'p4']);
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=birthdate,-family')), ['p4', 'p2', 'p5', 'p3', 'p1']);
    });
    it('orders by _id and _lastUpdated', async () => {
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=-_id')), ['p5', 'p4', 'p3', 'p2', 'p1']);
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=-_lastUpdated')), ['p5', 'p4', 'p3', 'p2', 'p1']);
    });
    it('puts resources without a value last', async () => {
      assert.deepEqual(orderedIds(await client().get('Patient?_sort=organization,family')), ['p1', 'p2', 'p3', 'p4', 'p5']);
    });
  });

  describe('paging', () => {
    it('pages forward with next links and back with previous links', async () => {
      const first = await client().get('Patient?_sort=family&_count=2&_total=accurate');
      assert.deepEqual(orderedIds(first), ['p1', 'p2']);
      assert.equal(first.body.total, 5);
      assert.equal(link(first, 'previous'), undefined);
      const second = await client().get(link(first, 'next')!);
      assert.deepEqual(orderedIds(second), ['p3', 'p4']);
      const third = await client().get(link(second, 'next')!);
      assert.deepEqual(orderedIds(third), ['p5']);
      assert.equal(link(third, 'next'), undefined);
      const back = await client().get(link(third, 'previous')!);
      assert.deepEqual(orderedIds(back), ['p3', 'p4']);
      assert.deepEqual(orderedIds(await client().get(link(back, 'previous')!)), ['p1', 'p2']);
    });
    it('pages by insertion order when no _sort is given', async () => {
      const first = await client().get('Patient?_count=3');
      const second = await client().get(link(first, 'next')!);
      assert.deepEqual([...orderedIds(first), ...orderedIds(second)], ['p1', 'p2', 'p3', 'p4', 'p5']);
    });
    it('reports the total when asked, and by default only when every match is on the page', async () => {
      assert.equal((await client().get('Patient?_count=2&_total=none')).body.total, undefined);
      assert.equal((await client().get('Patient?_count=2')).body.total, undefined);
      assert.equal((await client().get('Patient?_count=2&_total=accurate')).body.total, 5);
      assert.equal((await client().get('Patient?_count=10')).body.total, 5);
      assert.equal((await client().get('Patient?_count=10&_total=none')).body.total, undefined);
    });
    it('pages criteria read from the index in rid order, forward and back, each row checked by the other criteria', async () => {
      const first = await client().get('Patient?birthdate=1990-01-01&_count=2');
      assert.deepEqual(orderedIds(first), ['p1', 'p3']);
      const second = await client().get(link(first, 'next')!);
      assert.deepEqual(orderedIds(second), ['p5']);
      assert.equal(link(second, 'next'), undefined);
      assert.deepEqual(orderedIds(await client().get(link(second, 'previous')!)), ['p1', 'p3']);
      const checked = await client().get('Patient?family=adams,clark,davis,evans&birthdate=1990-01-01&_count=1');
      assert.deepEqual(orderedIds(checked), ['p1']);
      assert.deepEqual(orderedIds(await client().get(link(checked, 'next')!)), ['p3']);
    });
    it('pages by a date key in both directions', async () => {
      const first = await client().get('Observation?_sort=-date,_id&_count=2&subject=p1,p2');
      assert.deepEqual(orderedIds(first), ['o2a', 'o1b']);
      const second = await client().get(link(first, 'next')!);
      assert.deepEqual(orderedIds(second), ['o1a']);
      assert.deepEqual(orderedIds(await client().get(link(second, 'previous')!)), ['o2a', 'o1b']);
    });
    it('answers _summary=count and _count=0 with the total and no entries', async () => {
      for (const q of ['Patient?_summary=count', 'Patient?_count=0']) {
        const res = await client().get(q);
        assert.equal(res.body.total, 5, q);
        assert.equal(res.body.entry, undefined, q);
      }
    });
  });

  describe('entries and links', () => {
    it('applies _summary=true to each entry', async () => {
      const res = await client().get('Patient?_id=p1&_summary=true');
      const r = res.body.entry[0].resource;
      assert.equal(r.contact, undefined);
      assert.deepEqual(r.name, [{ family: 'Adams' }]);
      assert.ok(r.meta.tag.some((t: any) => t.code === 'SUBSETTED'));
    });
    it('applies _elements to each entry', async () => {
      const r = (await client().get('Patient?_id=p1&_elements=birthDate')).body.entry[0].resource;
      assert.equal(r.birthDate, '1990-01-01');
      assert.equal(r.name, undefined);
    });
    it('gives each entry a fullUrl and search mode', async () => {
      const e = (await client().get('Patient?_id=p1')).body.entry[0];
      assert.equal(e.fullUrl, 'http://test.local/fhir/Patient/p1');
      assert.deepEqual(e.search, { mode: 'match' });
    });
    it('ignores unknown parameters and leaves them out of the self link', async () => {
      const res = await client().get('Patient?family=adams&unknown=1');
      assert.deepEqual(matchIds(res), ['p1']);
      assert.equal(link(res, 'self'), 'Patient?family=adams');
    });
    it('rejects unknown parameters with 400 when handling=strict is preferred', async () => {
      const res = await client().get('Patient?family=adams&unknown=1', { prefer: 'handling=strict' });
      assert.equal(res.status, 400);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    });
    it('accepts POST _search with form parameters', async () => {
      const res = await client().request('POST', 'Patient/_search', 'family=baker', { 'content-type': 'application/x-www-form-urlencoded' });
      assert.deepEqual(matchIds(res), ['p2']);
    });
  });

  describe('system level search', () => {
    it('searches the types named in _type', async () => {
      const res = await client().get('?_type=Patient,Organization&_count=100&_total=accurate');
      const types = new Set(res.body.entry.map((e: any) => e.resource.resourceType));
      assert.deepEqual([...types].sort(), ['Organization', 'Patient']);
      assert.equal(res.body.total, 6);
    });
    it('searches every type with Resource parameters', async () => {
      assert.deepEqual(await ids(client(), '?_id=p1,org1'), ['org1', 'p1']);
    });
  });

  describe('conditional operations', () => {
    it('use the full search engine for their criteria', async () => {
      const existing = await client().post('Patient', { resourceType: 'Patient', name: [{ family: 'Adams' }] }, { 'if-none-exist': 'family=adams&birthdate=1990-01-01' });
      assert.equal(existing.status, 200);
      const created = await client().post('Patient', { resourceType: 'Patient', name: [{ family: 'Nobody' }] }, { 'if-none-exist': 'family=nobody' });
      assert.equal(created.status, 201);
      await client().del(`Patient/${created.body.id}`);
    });
  });

  describe('the CapabilityStatement', () => {
    it('lists the search parameters of each type', async () => {
      const res = await client().get('metadata');
      const p = res.body.rest[0].resource.find((r: any) => r.type === 'Patient');
      const names = p.searchParam.map((s: any) => s.name);
      for (const n of ['_id', '_lastUpdated', 'name', 'birthdate', 'identifier', 'organization']) assert.ok(names.includes(n), n);
      assert.ok(p.interaction.some((i: any) => i.code === 'search-type'));
    });
  });

  describe('paging while data changes', () => {
    it('neither repeats nor skips resources when others are added or removed between pages', async () => {
      await load(client(), ['Ash', 'Birch', 'Cedar', 'Elm', 'Fir', 'Oak'].map((f, n) => ({ resourceType: 'Practitioner', id: `pr${n}`, name: [{ family: f }] })));
      const first = await client().get('Practitioner?_sort=family&_count=3');
      assert.deepEqual(orderedIds(first), ['pr0', 'pr1', 'pr2']);
      await load(client(), [{ resourceType: 'Practitioner', id: 'early', name: [{ family: 'Aardvark' }] }]);
      await client().del('Practitioner/pr3');
      await client().put('Practitioner/pr1', { resourceType: 'Practitioner', id: 'pr1', name: [{ family: 'Birch' }], active: true });
      const second = await client().get(link(first, 'next')!);
      assert.deepEqual(orderedIds(second), ['pr4', 'pr5']);
    });
  });
});
