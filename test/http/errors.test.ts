import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore, startMeridian } from '../helpers/server.ts';
import { testStores } from '../helpers/stores.ts';

forEachStore((_store, client) => {
  const isOutcome = (body: any) => assert.equal(body?.resourceType, 'OperationOutcome');

  test('malformed JSON answers 400', async () => {
    const res = await client().request('POST', 'Patient', '{"resourceType": "Patient",', { 'content-type': 'application/fhir+json' });
    assert.equal(res.status, 400);
    isOutcome(res.body);
  });

  test('an unknown resource type answers 404', async () => {
    const res = await client().get('Pateint/1');
    assert.equal(res.status, 404);
    isOutcome(res.body);
    assert.equal((await client().post('Pateint', { resourceType: 'Pateint' })).status, 404);
  });

  test('an unsupported method answers 405', async () => {
    const res = await client().request('POST', 'Patient/123', { resourceType: 'Patient' });
    assert.equal(res.status, 405);
    isOutcome(res.body);
    assert.equal((await client().request('DELETE', 'metadata')).status, 405);
    assert.equal((await client().request('PUT', '_history', { resourceType: 'Patient' })).status, 405);
  });

  test('a wrong content type answers 415', async () => {
    const res = await client().request('POST', 'Patient', 'name=x', { 'content-type': 'text/plain' });
    assert.equal(res.status, 415);
    isOutcome(res.body);
  });

  test('a resource failing structural validation answers 422 with the location', async () => {
    const res = await client().post('Patient', { resourceType: 'Patient', birthDate: '1990-13-45', nmae: [] });
    assert.equal(res.status, 422);
    isOutcome(res.body);
    const expressions = res.body.issue.flatMap((i: any) => i.expression ?? []);
    assert.ok(expressions.includes('Patient.birthDate'), JSON.stringify(res.body));
    assert.ok(expressions.some((e: string) => e.startsWith('Patient.nmae')));
  });

  test('an empty body, a non-object body and a resource without resourceType answer 400', async () => {
    assert.equal((await client().request('POST', 'Patient', '', { 'content-type': 'application/fhir+json' })).status, 400);
    assert.equal((await client().post('Patient', [1, 2])).status, 400);
    assert.equal((await client().post('Patient', { name: [] })).status, 400);
  });

  test('an invalid id in the URL answers 400', async () => {
    assert.equal((await client().get('Patient/' + 'x'.repeat(65))).status, 400);
    assert.equal((await client().put('Patient/bad_id', { resourceType: 'Patient', id: 'bad_id' })).status, 400);
  });

  test('paths outside the FHIR base answer 404 with an OperationOutcome', async () => {
    const res = await client().get('/nothing-here');
    assert.equal(res.status, 404);
    isOutcome(res.body);
  });

  test('an unknown operation answers 404; $validate reports issues without storing', async () => {
    assert.equal((await client().post('Patient/$nope', { resourceType: 'Parameters' })).status, 404);
    const res = await client().post('Patient/$validate', { resourceType: 'Patient', birthDate: 'x' });
    assert.equal(res.status, 200);
    assert.equal(res.body.issue[0].severity, 'error');
    const ok = await client().post('Patient/$validate', { resourceType: 'Patient', active: true });
    assert.equal(ok.status, 200);
    assert.ok(!ok.body.issue.some((i: any) => i.severity === 'error'), JSON.stringify(ok.body));
  });
});

for (const store of testStores().slice(0, 1)) {
  test('a body over the configured limit answers 413; the default limit accepts a 4 MB Bundle', async () => {
    const small = await startMeridian(await store.create(), { 'body-limit': '1kb' });
    try {
      const res = await small.post('Patient', { resourceType: 'Patient', text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${'x'.repeat(2000)}</div>` } });
      assert.equal(res.status, 413);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    } finally {
      await small.meridian.close();
    }
    const normal = await startMeridian(await store.create());
    try {
      const entry = Array.from({ length: 4000 }, (_, i) => ({
        resource: { resourceType: 'Basic', code: { text: `entry ${i} ${'y'.repeat(900)}` } },
        request: { method: 'POST', url: 'Basic' },
      }));
      const res = await normal.post('', { resourceType: 'Bundle', type: 'transaction', entry });
      assert.equal(res.status, 200);
    } finally {
      await normal.meridian.close();
      await store.cleanup();
    }
  });
}

for (const store of testStores().slice(0, 1)) {
  test('a malformed URL answers 400 with an OperationOutcome, not the framework default', async () => {
    const client = await startMeridian(await store.create());
    try {
      const res = await client.get('Patient/%ZZ');
      assert.equal(res.status, 400);
      assert.equal(res.body.resourceType, 'OperationOutcome');
    } finally {
      await client.meridian.close();
      await store.cleanup();
    }
  });
}
