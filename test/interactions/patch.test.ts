import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const JSON_PATCH = { 'content-type': 'application/json-patch+json' };

forEachStore((_store, client) => {
  const make = async () => (await client().post('Patient', { resourceType: 'Patient', name: [{ family: 'Smith', given: ['Jane'] }], gender: 'female' })).body;

  test('JSON Patch changes the resource and makes a new version', async () => {
    const p = await make();
    const res = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify([{ op: 'replace', path: '/gender', value: 'male' }, { op: 'add', path: '/active', value: true }]), JSON_PATCH);
    assert.equal(res.status, 200);
    assert.equal(res.body.gender, 'male');
    assert.equal(res.body.active, true);
    assert.equal(res.body.meta.versionId, '2');
    assert.equal(res.headers.etag, 'W/"2"');
  });

  test('FHIRPath Patch with a Parameters body changes the resource', async () => {
    const p = await make();
    const body = {
      resourceType: 'Parameters',
      parameter: [{ name: 'operation', part: [{ name: 'type', valueCode: 'replace' }, { name: 'path', valueString: 'Patient.gender' }, { name: 'value', valueCode: 'other' }] }],
    };
    const res = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify(body), { 'content-type': 'application/fhir+json' });
    assert.equal(res.status, 200);
    assert.equal(res.body.gender, 'other');
  });

  test('a failing JSON Patch test operation answers 422 and changes nothing', async () => {
    const p = await make();
    const res = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify([{ op: 'test', path: '/gender', value: 'male' }, { op: 'remove', path: '/name' }]), JSON_PATCH);
    assert.equal(res.status, 422);
    assert.equal((await client().get(`Patient/${p.id}`)).body.meta.versionId, '1');
  });

  test('a patch producing an invalid resource answers 422; one changing the id answers 422', async () => {
    const p = await make();
    const invalid = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify([{ op: 'replace', path: '/gender', value: 12 }]), JSON_PATCH);
    assert.equal(invalid.status, 422);
    const id = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify([{ op: 'replace', path: '/id', value: 'x' }]), JSON_PATCH);
    assert.equal(id.status, 422);
  });

  test('a malformed JSON Patch document answers 400', async () => {
    const p = await make();
    const res = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify({ op: 'nope' }), JSON_PATCH);
    assert.equal(res.status, 400);
  });

  test('patch honours If-Match; patching a missing resource answers 404', async () => {
    const p = await make();
    const stale = await client().request('PATCH', `Patient/${p.id}`, JSON.stringify([{ op: 'add', path: '/active', value: true }]), { ...JSON_PATCH, 'if-match': 'W/"7"' });
    assert.equal(stale.status, 412);
    const missing = await client().request('PATCH', 'Patient/none', JSON.stringify([{ op: 'add', path: '/active', value: true }]), JSON_PATCH);
    assert.equal(missing.status, 404);
  });
});
