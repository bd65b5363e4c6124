import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const withNumber = (value: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: NHS, value }],
  ...extra,
});

forEachStore((_store, client) => {
  test('conditional create with no match creates; with one match answers 200 and writes nothing', async () => {
    const first = await client().post('Patient', withNumber('9000000017'), { 'if-none-exist': `identifier=${NHS}|9000000017` });
    assert.equal(first.status, 201);
    const again = await client().post('Patient', withNumber('9000000017', { active: true }), { 'if-none-exist': `identifier=${NHS}|9000000017` });
    assert.equal(again.status, 200);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.body.active, undefined);
    assert.equal((await client().get(`Patient/${first.body.id}/_history`)).body.total, 1);
  });

  test('conditional create matching several resources answers 412', async () => {
    await client().post('Patient', withNumber('9000000025'));
    await client().post('Patient', withNumber('9000000025'));
    const res = await client().post('Patient', withNumber('9000000025'), { 'if-none-exist': `identifier=${NHS}|9000000025` });
    assert.equal(res.status, 412);
    assert.equal(res.body.issue[0].code, 'multiple-matches');
  });

  test('conditional create by _id matches that resource', async () => {
    const created = await client().post('Patient', withNumber('9000000033'));
    const res = await client().post('Patient', withNumber('9000000033'), { 'if-none-exist': `_id=${created.body.id}` });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.body.id);
  });

  test('conditional update creates when nothing matches and updates the one match', async () => {
    const created = await client().put(`Patient?identifier=${NHS}|9000000041`, withNumber('9000000041'));
    assert.equal(created.status, 201);
    const updated = await client().put(`Patient?identifier=${NHS}|9000000041`, withNumber('9000000041', { active: true }));
    assert.equal(updated.status, 200);
    assert.equal(updated.body.id, created.body.id);
    assert.equal(updated.body.meta.versionId, '2');
  });

  test('conditional update matching several answers 412; an id conflicting with the match answers 400', async () => {
    await client().post('Patient', withNumber('9000000068'));
    await client().post('Patient', withNumber('9000000068'));
    assert.equal((await client().put(`Patient?identifier=${NHS}|9000000068`, withNumber('9000000068'))).status, 412);
    await client().post('Patient', withNumber('9000000076'));
    const res = await client().put(`Patient?identifier=${NHS}|9000000076`, withNumber('9000000076', { id: 'other' }));
    assert.equal(res.status, 400);
  });

  test('conditional operations without criteria, or on unsupported parameters, answer 400', async () => {
    assert.equal((await client().put('Patient', withNumber('9000000084'))).status, 400);
    assert.equal((await client().del('Patient')).status, 400);
  });

  test('conditional delete removes every match (multiple mode) and answers 204 when nothing matches', async () => {
    const a = await client().post('Patient', withNumber('9000000092'));
    const b = await client().post('Patient', withNumber('9000000092'));
    const res = await client().del(`Patient?identifier=${NHS}|9000000092`);
    assert.equal(res.status, 204);
    assert.equal((await client().get(`Patient/${a.body.id}`)).status, 410);
    assert.equal((await client().get(`Patient/${b.body.id}`)).status, 410);
    assert.equal((await client().del(`Patient?identifier=${NHS}|9000000092`)).status, 204);
  });

  test('identifier criteria match on code alone, on system|code, and on system| alone', async () => {
    const created = await client().post('Patient', withNumber('9000000106'));
    const byCode = await client().post('Patient', withNumber('9000000106'), { 'if-none-exist': 'identifier=9000000106' });
    assert.equal(byCode.body.id, created.body.id);
    const wrongSystem = await client().post('Patient', withNumber('9000000106'), { 'if-none-exist': 'identifier=urn:other|9000000106' });
    assert.equal(wrongSystem.status, 201);
  });

  test('conditional patch patches the single match', async () => {
    const created = await client().post('Patient', withNumber('9000000114'));
    const res = await client().request('PATCH', `Patient?identifier=${NHS}|9000000114`, JSON.stringify([{ op: 'add', path: '/active', value: true }]), {
      'content-type': 'application/json-patch+json',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.id, created.body.id);
    assert.equal(res.body.active, true);
  });
});
