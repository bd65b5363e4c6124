import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startMeridian } from '../helpers/server.ts';
import { testStores } from '../helpers/stores.ts';

const UKCORE_PATIENT = 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient';

for (const store of testStores()) {
  test(`on ${store.name}: with UK Core Patient required, a Patient with an invalid NHS number is rejected with 422 at its identifier`, async () => {
    const client = await startMeridian(await store.create(), { 'require-profile': `Patient=${UKCORE_PATIENT}` });
    try {
      const patient = (value: string) => ({
        resourceType: 'Patient',
        identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value }],
        name: [{ family: 'Jones', given: ['Sam'] }],
        gender: 'female',
        birthDate: '1990-01-01',
      });
      const bad = await client.post('Patient', patient('9000000008'));
      assert.equal(bad.status, 422, bad.text);
      assert.equal(bad.body.resourceType, 'OperationOutcome');
      assert.ok(
        bad.body.issue.some((i: { severity: string; expression?: string[] }) => i.severity === 'error' && i.expression?.some((e) => e.startsWith('Patient.identifier[0]'))),
        bad.text,
      );
      const good = await client.post('Patient', patient('9000000009'));
      assert.equal(good.status, 201, good.text);
      // cpt-2 (a telecom value needs a system) is checked on writes only under the policy's profile
      const noSystem = { ...patient('9000000009'), telecom: [{ value: '0113 496 0000' }] };
      const refused = await client.post('Patient', noSystem);
      assert.equal(refused.status, 422, refused.text);
      assert.ok(refused.body.issue.some((i: { expression?: string[] }) => i.expression?.includes('Patient.telecom[0]')), refused.text);
      const withoutPolicy = await startMeridian(await store.create());
      try {
        assert.equal((await withoutPolicy.post('Patient', noSystem)).status, 201, 'without the policy the same Patient is stored');
      } finally {
        await withoutPolicy.meridian.close();
      }
    } finally {
      await client.meridian.close();
      await store.cleanup();
    }
  });
}
