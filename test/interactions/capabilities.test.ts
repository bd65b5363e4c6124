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
