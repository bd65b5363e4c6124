import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ids, load, type R } from './fixtures.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';
const LOINC = 'http://loinc.org';
const obs = (id: string, extra: Record<string, unknown>): R => ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code: '8867-4' }] }, ...extra });

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Organization', id: 'org1', name: 'Leeds Teaching Hospitals' },
      { resourceType: 'Organization', id: 'org2', name: 'Other Trust' },
      { resourceType: 'Practitioner', id: 'gp1', name: [{ family: 'Smith' }] },
      { resourceType: 'Patient', id: 'pa', name: [{ given: ['Alice'] }], managingOrganization: { reference: 'Organization/org1' }, generalPractitioner: [{ reference: 'Practitioner/gp1' }] },
      { resourceType: 'Patient', id: 'pb', name: [{ given: ['Bob'] }], managingOrganization: { reference: 'Organization/org2' } },
      { resourceType: 'Group', id: 'g1', type: 'person', actual: true, name: 'Alice group' },
      obs('o1', { subject: { reference: 'Patient/pa' }, code: { coding: [{ system: LOINC, code: '8480-6' }] }, performer: [{ reference: 'Practitioner/gp1' }] }),
      obs('o2', { subject: { reference: 'Patient/pb' } }),
      obs('o3', { subject: { identifier: { system: NHS, value: '9000000009' } } }),
      obs('o4', { subject: { reference: 'http://test.local/fhir/Patient/pa' } }),
      obs('o5', { subject: { reference: 'Group/g1' } }),
      obs('o6', {}),
      obs('comp', {
        subject: { reference: 'Patient/pb' },
        code: { coding: [{ system: LOINC, code: '85354-9' }] },
        component: [
          { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: { value: 150, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
          { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: { value: 95, unit: 'mmHg', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } },
        ],
      }),
      { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: { reference: 'Patient/pa' } },
      { resourceType: 'DiagnosticReport', id: 'dr1', status: 'final', code: { text: 'panel' }, subject: { reference: 'Patient/pa' }, result: [{ reference: 'Observation/o1' }] },
      { resourceType: 'ValueSet', id: 'vs1', status: 'active', url: 'http://example.org/fhir/ValueSet/a/b' },
      { resourceType: 'ValueSet', id: 'vs2', status: 'active', url: 'http://example.org/fhir/ValueSet/a' },
    ]);
  });

  describe('reference parameters', () => {
    it('match Type/id, a bare id, :Type and the server\'s own absolute URL alike', async () => {
      for (const q of ['subject=Patient/pa', 'subject=pa', 'subject:Patient=pa', 'patient=pa', `subject=${encodeURIComponent('http://test.local/fhir/Patient/pa')}`]) {
        assert.deepEqual(await ids(client(), `Observation?${q}`), ['o1', 'o4'], q);
      }
    });
    it('keep to the named target type', async () => {
      assert.deepEqual(await ids(client(), 'Observation?subject:Group=g1'), ['o5']);
      assert.deepEqual(await ids(client(), 'Observation?subject=Group/pa'), []);
    });
    it('match a logical reference by its identifier with :identifier', async () => {
      assert.deepEqual(await ids(client(), `Observation?subject:identifier=${NHS}|9000000009`), ['o3']);
    });
    it('find resources without a reference using :missing', async () => {
      assert.deepEqual(await ids(client(), 'Observation?subject:missing=true'), ['o6']);
      assert.ok((await ids(client(), 'Observation?subject:missing=false')).includes('o3'));
    });
  });

  describe('chained parameters', () => {
    it('search a property of the referenced resource', async () => {
      assert.deepEqual(await ids(client(), 'Observation?subject:Patient.name=alice'), ['o1', 'o4']);
      // Group has no name parameter, so only the Patient target applies
      assert.deepEqual(await ids(client(), 'Observation?subject.name=alice'), ['o1', 'o4']);
    });
    it('follow chains of two levels', async () => {
      assert.deepEqual(await ids(client(), 'Observation?patient.organization.name=leeds'), ['o1', 'o4']);
      assert.deepEqual(await ids(client(), 'Observation?patient.organization._id=org2'), ['comp', 'o2']);
    });
    it('reject a chain through a parameter that is not a reference with 400', async () => {
      assert.equal((await client().get('Observation?code.name=x')).status, 400);
    });
  });

  describe('reverse chaining with _has', () => {
    it('find patients that observations refer to', async () => {
      assert.deepEqual(await ids(client(), 'Patient?_has:Observation:patient:code=8480-6'), ['pa']);
      assert.deepEqual(await ids(client(), 'Patient?_has:Observation:patient:code=8867-4'), ['pa', 'pb']);
    });
    it('nest _has within _has', async () => {
      assert.deepEqual(await ids(client(), 'Patient?_has:Observation:patient:_has:DiagnosticReport:result:status=final'), ['pa']);
    });
  });

  describe('compartment search', () => {
    it('returns the resources of one type in a patient\'s compartment', async () => {
      assert.deepEqual(await ids(client(), 'Patient/pa/Observation'), ['o1', 'o4']);
      assert.deepEqual(await ids(client(), 'Patient/pa/Observation?code=8480-6'), ['o1']);
    });
    it('returns every resource in the compartment for *', async () => {
      const res = await client().get('Patient/pa/*');
      const refs = (res.body.entry ?? []).map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();
      assert.deepEqual(refs, ['DiagnosticReport/dr1', 'Encounter/e1', 'Observation/o1', 'Observation/o4', 'Patient/pa']);
    });
  });

  describe('uri parameters', () => {
    it('match exactly, and by path with :below and :above', async () => {
      assert.deepEqual(await ids(client(), 'ValueSet?url=http://example.org/fhir/ValueSet/a'), ['vs2']);
      assert.deepEqual(await ids(client(), 'ValueSet?url:below=http://example.org/fhir/ValueSet/a'), ['vs1', 'vs2']);
      assert.deepEqual(await ids(client(), 'ValueSet?url:above=http://example.org/fhir/ValueSet/a/b/c'), ['vs1', 'vs2']);
    });
  });

  describe('composite parameters', () => {
    it('match the code and value of the same component', async () => {
      const q = (v: string) => ids(client(), `Observation?component-code-value-quantity=${encodeURIComponent(v)}`);
      assert.deepEqual(await q(`${LOINC}|8480-6$gt140`), ['comp']);
      assert.deepEqual(await q('8480-6$gt140'), ['comp']);
      assert.deepEqual(await q(`${LOINC}|8462-4$gt140`), []);
      assert.deepEqual(await q(`${LOINC}|8462-4$95`), ['comp']);
    });
  });
});
