import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

forEachStore((_store, client) => {
  test('a transaction creates resources and rewrites urn:uuid references to the new ids', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:11111111-1111-4111-8111-111111111111',
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: 'urn:uuid:22222222-2222-4222-8222-222222222222' } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:22222222-2222-4222-8222-222222222222',
          resource: { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000122' }] },
          request: { method: 'POST', url: 'Patient' },
        },
      ],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'transaction-response');
    assert.equal(res.body.entry.length, 2);
    assert.equal(res.body.entry[0].response.status, '201 Created');
    const patientLocation = res.body.entry[1].response.location as string;
    const patientId = patientLocation.split('/')[5];
    const obsId = (res.body.entry[0].response.location as string).split('/')[5];
    const obs = await client().get(`Observation/${obsId}`);
    assert.equal(obs.body.subject.reference, `Patient/${patientId}`);
  });

  test('a transaction with one invalid entry writes nothing and names the entry', async () => {
    const before = (await client().get('_history')).body.total;
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', active: true }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: 'not-a-date' }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 422);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
    assert.match(res.body.issue[0].expression[0], /^Bundle\.entry\[1\]/);
    assert.equal((await client().get('_history')).body.total, before);
  });

  test('a transaction resolves conditional references and conditional creates', async () => {
    await client().put('Patient/ref-target', { resourceType: 'Patient', id: 'ref-target', identifier: [{ system: NHS, value: '9000000130' }] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=${NHS}|9000000130` } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          fullUrl: 'urn:uuid:33333333-3333-4333-8333-333333333333',
          resource: { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000130' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NHS}|9000000130` },
        },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'y' }, subject: { reference: 'urn:uuid:33333333-3333-4333-8333-333333333333' } },
          request: { method: 'POST', url: 'Observation' },
        },
      ],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 200);
    assert.equal(res.body.entry[1].response.status, '200 OK');
    for (const i of [0, 2]) {
      const id = (res.body.entry[i].response.location as string).split('/')[5];
      assert.equal((await client().get(`Observation/${id}`)).body.subject.reference, 'Patient/ref-target');
    }
  });

  test('a conditional reference that matches nothing fails the transaction', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?identifier=${NHS}|0000000000` } }, request: { method: 'POST', url: 'Observation' } }],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 412);
    assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[0\].*matches no Patient/);
  });

  test('entries run in the order DELETE, POST, PUT, GET whatever their order in the Bundle', async () => {
    await client().put('Patient/order-1', { resourceType: 'Patient', id: 'order-1', identifier: [{ system: NHS, value: '9000000157' }] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Patient/order-2' } },
        { resource: { resourceType: 'Patient', id: 'order-2', active: true }, request: { method: 'PUT', url: 'Patient/order-2' } },
        { resource: { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000157' }] }, request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${NHS}|9000000157` } },
        { request: { method: 'DELETE', url: 'Patient/order-1' } },
      ],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.entry[0].resource.active, true, 'the GET ran after the PUT');
    assert.equal(res.body.entry[3].response.status, '204 No Content');
    assert.equal(res.body.entry[2].response.status, '201 Created', 'the conditional create ran after the DELETE');
  });

  test('two entries changing the same resource fail the transaction (no silent drop)', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000149' }] }, request: { method: 'PUT', url: `Patient?identifier=${NHS}|9000000149` } },
        { resource: { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000149' }], active: true }, request: { method: 'PUT', url: `Patient?identifier=${NHS}|9000000149` } },
      ],
    };
    await client().post('Patient', { resourceType: 'Patient', identifier: [{ system: NHS, value: '9000000149' }] });
    const res = await client().post('', bundle);
    assert.equal(res.status, 400);
    assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[1\].*also written by Bundle\.entry\[0\]/);
  });

  test('duplicate fullUrls fail the transaction', async () => {
    const entry = { fullUrl: 'urn:uuid:44444444-4444-4444-8444-444444444444', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } };
    const res = await client().post('', { resourceType: 'Bundle', type: 'transaction', entry: [entry, entry] });
    assert.equal(res.status, 400);
  });

  test('a batch runs entries independently and reports each outcome', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', active: true }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', birthDate: 'nope' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/not-there' } },
        { request: { method: 'GET', url: 'Nonsense/1' } },
      ],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 200);
    assert.equal(res.body.type, 'batch-response');
    assert.deepEqual(res.body.entry.map((e: any) => e.response.status.slice(0, 3)), ['201', '422', '404', '404']);
    assert.equal(res.body.entry[1].response.outcome.resourceType, 'OperationOutcome');
  });

  test('PATCH entries apply FHIRPath and JSON Patch (as Binary) inside a transaction', async () => {
    await client().put('Patient/patch-me', { resourceType: 'Patient', id: 'patch-me', gender: 'female' });
    const jsonPatch = Buffer.from(JSON.stringify([{ op: 'add', path: '/active', value: true }])).toString('base64');
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: jsonPatch }, request: { method: 'PATCH', url: 'Patient/patch-me' } }],
    };
    const res = await client().post('', bundle);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await client().get('Patient/patch-me')).body.active, true);
  });

  test('a Bundle of another type, or nested transactions, are rejected with 400', async () => {
    assert.equal((await client().post('', { resourceType: 'Bundle', type: 'collection' })).status, 400);
    assert.equal((await client().post('', { resourceType: 'Patient' })).status, 400);
    const nested = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Bundle', type: 'transaction' }, request: { method: 'POST', url: '/' } }] };
    assert.equal((await client().post('', nested)).status, 400);
  });
});
