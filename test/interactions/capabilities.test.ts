import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

forEachStore((_store, client) => {
  test('metadata is a CapabilityStatement covering all 146 R4 resource types with their interactions', async () => {
    const res = await client().get('metadata');
    assert.equal(res.status, 200);
    assert.equal(res.body.resourceType, 'CapabilityStatement');
    assert.equal(res.body.fhirVersion, '4.0.1');
    const rest = res.body.rest[0];
    assert.equal(rest.resource.length, 146);
    const patient = rest.resource.find((r: any) => r.type === 'Patient');
    for (const code of ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create']) {
      assert.ok(patient.interaction.some((i: any) => i.code === code), code);
    }
    assert.equal(patient.conditionalDelete, 'multiple');
    assert.deepEqual(rest.interaction.map((i: any) => i.code).slice(0, 3), ['transaction', 'batch', 'history-system']);
    assert.ok(!rest.resource.some((r: any) => r.type === 'SubscriptionStatus'), 'R4B-only types are not offered');
  });
});

forEachStore((_store, client) => {
  test('metadata announces SMART on FHIR with its OAuth endpoints, and AuditEvent as read-only', async () => {
    const rest = (await client().get('metadata')).body.rest[0];
    assert.equal(rest.security.service[0].coding[0].code, 'SMART-on-FHIR');
    const uris = rest.security.extension.find((e: any) => e.url.endsWith('/oauth-uris')).extension;
    assert.equal(uris.find((u: any) => u.url === 'token').valueUri, 'http://test.local/auth/token');
    const audit = rest.resource.find((r: any) => r.type === 'AuditEvent');
    assert.deepEqual(audit.interaction.map((i: any) => i.code), ['read', 'vread', 'search-type']);
    const patient = rest.resource.find((r: any) => r.type === 'Patient');
    assert.ok(patient.operation.some((o: any) => o.name === 'access-log') && patient.operation.some((o: any) => o.name === 'break-glass'));
  });
});

forEachStore((_store, client) => {
  test('metadata is built once and served again until the search parameters change', async () => {
    const first = await client().get('metadata');
    await new Promise((r) => setTimeout(r, 5));
    const again = await client().get('metadata');
    // the same statement, not one built again (its date would be later)
    assert.equal(again.text, first.text);
    const sp = {
      resourceType: 'SearchParameter',
      url: 'http://example.org/fhir/SearchParameter/capability-test',
      name: 'CapabilityTest',
      status: 'active',
      description: 'A parameter stored to change the CapabilityStatement',
      code: 'capability-test',
      base: ['Patient'],
      type: 'token',
      expression: 'Patient.gender',
    };
    assert.equal((await client().post('SearchParameter', sp)).status, 201);
    const after = (await client().get('metadata')).body;
    const patient = after.rest[0].resource.find((r: any) => r.type === 'Patient');
    assert.ok(patient.searchParam.some((p: any) => p.name === 'capability-test'), 'the new parameter is announced');
    assert.ok(!first.body.rest[0].resource.find((r: any) => r.type === 'Patient').searchParam.some((p: any) => p.name === 'capability-test'));
  });
});
