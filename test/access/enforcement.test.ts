/**
 * Access rules on every interaction, on both stores: a patient app is confined to its patient's
 * record however it asks (by id, search, _include, _revinclude, chains, _has, history, Bundles);
 * a clinician needs a care relationship or a break-glass grant; a backend service is held to its
 * scopes and, outside direct care, never sees patients who opted out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAccess } from '../../src/access/types.ts';
import { nationalDataOptOut } from '../../src/access/policy/index.ts';
import { createContext } from '../../src/app/app.ts';
import { buildConfig } from '../../src/app/config.ts';
import type { InteractionContext } from '../../src/interactions/types.ts';
import { testStores } from '../helpers/stores.ts';
import { as, caller, ids } from './helpers.ts';

const code = { coding: [{ system: 'http://snomed.info/sct', code: '271649006' }] };
const lab = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }];
const vitals = [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }];
const nhs = (n: string) => [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: n }];

function observation(id: string, patient: string, extra: Record<string, unknown> = {}) {
  return { resourceType: 'Observation', id, status: 'final', category: lab, code, subject: { reference: `Patient/${patient}` }, performer: [{ reference: 'Practitioner/dr-a' }], valueQuantity: { value: 120, unit: 'mmHg' }, ...extra };
}

const DATA = [
  { resourceType: 'Organization', id: 'gp-a', name: 'Alpha Surgery' },
  { resourceType: 'Organization', id: 'gp-b', name: 'Bravo Medical Centre' },
  { resourceType: 'Practitioner', id: 'dr-a', name: [{ family: 'Ahmed', given: ['Asha'] }] },
  { resourceType: 'PractitionerRole', id: 'dr-a-role', practitioner: { reference: 'Practitioner/dr-a' }, organization: { reference: 'Organization/gp-a' }, active: true },
  { resourceType: 'Patient', id: 'pa', identifier: nhs('9000000009'), name: [{ family: 'Alpha' }], generalPractitioner: [{ reference: 'Organization/gp-a' }] },
  { resourceType: 'Patient', id: 'pb', identifier: nhs('9000000017'), name: [{ family: 'Bravo' }], generalPractitioner: [{ reference: 'Organization/gp-b' }] },
  { resourceType: 'Patient', id: 'pc', identifier: nhs('9000000025'), name: [{ family: 'Charlie' }], generalPractitioner: [{ reference: 'Organization/gp-b' }] },
  observation('oa', 'pa'),
  observation('oa-vitals', 'pa', { category: vitals }),
  observation('oa-restricted', 'pa', { meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } }),
  observation('ob', 'pb'),
  observation('oc', 'pc'),
];

const patientA = caller({ fhirUser: 'Patient/pa', patient: 'pa', roles: ['patient'], scope: 'patient/*.rs' });
const doctor = caller({ fhirUser: 'PractitionerRole/dr-a-role', organization: 'gp-a', roles: ['clinician'], scope: 'user/*.cruds' });
const patientDirectory = caller({ client: 'pds-mirror', scope: 'system/Patient.r' });
const research = caller({ client: 'research-extract', scope: 'system/*.rs', purpose: 'HRESCH' });
const directCare = caller({ client: 'care-record', scope: 'system/*.rs' });

for (const store of testStores()) {
  describe(`access enforcement on ${store.name}`, () => {
    let ctx: InteractionContext;
    before(async () => {
      ctx = await createContext(buildConfig({ store: await store.create(), dev: true }, {}));
      for (const r of DATA) assert.equal((await as(ctx, openAccess(), 'PUT', `${r.resourceType}/${r.id}`, r)).status, 201, `${r.resourceType}/${r.id}`);
    });
    after(async () => {
      await ctx.search.close?.();
      await ctx.store.close();
      await store.cleanup();
    });

    describe('a patient app', () => {
      it('reads its own patient’s Observation by id', async () => {
        assert.equal((await as(ctx, patientA, 'GET', 'Observation/oa')).status, 200);
      });
      it('gets 404 for another patient’s Observation by id, as if it did not exist', async () => {
        assert.equal((await as(ctx, patientA, 'GET', 'Observation/ob')).status, 404);
        assert.equal((await as(ctx, patientA, 'GET', 'Patient/pb')).status, 404);
      });
      it('finds only its own patient’s data by search', async () => {
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Observation?status=final&_sort=_id')), ['Observation/oa', 'Observation/oa-vitals']);
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Observation?_id=ob')), []);
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Patient')), ['Patient/pa']);
      });
      it('does not see restricted (R) data without clearance', async () => {
        assert.equal((await as(ctx, patientA, 'GET', 'Observation/oa-restricted')).status, 404);
      });
      it('gets nothing of another patient through _include or _revinclude', async () => {
        const inc = ids(await as(ctx, patientA, 'GET', 'Observation?_include=Observation:subject&_sort=_id'));
        assert.deepEqual(inc, ['Observation/oa', 'Observation/oa-vitals', 'Patient/pa']);
        const rev = ids(await as(ctx, patientA, 'GET', 'Practitioner?_revinclude=Observation:performer'));
        assert.deepEqual(rev.sort(), ['Observation/oa', 'Observation/oa-vitals', 'Practitioner/dr-a']);
      });
      it('learns nothing of another patient through chaining or _has', async () => {
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Observation?subject:Patient.name=Bravo')), []);
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Practitioner?_has:Observation:performer:subject=Patient/pb')), []);
        assert.deepEqual(ids(await as(ctx, patientA, 'GET', 'Practitioner?_has:Observation:performer:subject=Patient/pa')), ['Practitioner/dr-a']);
      });
      it('gets nothing of another patient through history', async () => {
        assert.equal((await as(ctx, patientA, 'GET', 'Observation/ob/_history')).status, 404);
        assert.equal((await as(ctx, patientA, 'GET', 'Observation/ob/_history/1')).status, 404);
        const all = ids(await as(ctx, patientA, 'GET', 'Observation/_history'));
        assert.deepEqual([...new Set(all)].sort(), ['Observation/oa', 'Observation/oa-vitals']);
      });
      it('gets nothing of another patient inside a transaction or batch', async () => {
        const tx = await as(ctx, patientA, 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: 'Observation/ob' } }] });
        assert.equal(tx.status, 404);
        const batch = await as(ctx, patientA, 'POST', '', { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Observation/ob' } }, { request: { method: 'GET', url: 'Observation/oa' } }] });
        assert.deepEqual(batch.body.entry.map((e: any) => e.response.status), ['404', '200 OK']);
      });
      it('may not write with read scopes, nor into another patient’s record', async () => {
        assert.equal((await as(ctx, patientA, 'POST', 'Observation', observation('x', 'pa'))).status, 403);
        const writer = caller({ fhirUser: 'Patient/pa', patient: 'pa', roles: ['patient'], scope: 'patient/Observation.crus' });
        assert.equal((await as(ctx, writer, 'POST', 'Observation', observation('x', 'pb'))).status, 403);
        assert.equal((await as(ctx, writer, 'POST', 'Observation', observation('x', 'pa', { status: 'preliminary' }))).status, 201);
        const tx = await as(ctx, writer, 'POST', '', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: observation('y', 'pb'), request: { method: 'POST', url: 'Observation' } }] });
        assert.equal(tx.status, 403);
      });
      it('left an AuditEvent for every refused attempt above, each naming the outcome', async () => {
        const admin = caller({ client: 'auditor', roles: ['admin'], scope: 'system/*.rs' });
        const refused = await as(ctx, admin, 'GET', 'AuditEvent?agent=Patient/pa&outcome=4&_count=500');
        assert.equal(refused.status, 200, refused.message);
        const kinds = new Set(refused.body.entry.map((e: any) => e.resource.subtype?.[0]?.code));
        for (const k of ['read', 'vread', 'history-instance', 'transaction', 'create']) assert.ok(kinds.has(k), `a refused ${k} is audited (found ${[...kinds].join(', ')})`);
      });
      it('is held to a scope’s query restriction', async () => {
        const labOnly = caller({ fhirUser: 'Patient/pa', patient: 'pa', roles: ['patient'], scope: 'patient/Observation.rs?category=laboratory' });
        assert.deepEqual(ids(await as(ctx, labOnly, 'GET', 'Observation?status=final')), ['Observation/oa']);
        assert.equal((await as(ctx, labOnly, 'GET', 'Observation/oa')).status, 200);
        assert.equal((await as(ctx, labOnly, 'GET', 'Observation/oa-vitals')).status, 403);
        assert.equal((await as(ctx, labOnly, 'GET', 'Patient/pa')).status, 403);
      });
    });

    describe('a clinician', () => {
      it('sees the record of a patient registered at their practice', async () => {
        assert.equal((await as(ctx, doctor, 'GET', 'Observation/oa')).status, 200);
        assert.equal((await as(ctx, doctor, 'GET', 'Patient/pa')).status, 200);
      });
      it('gets 403 for a patient they have no relationship with, and their searches leave that patient out', async () => {
        const denied = await as(ctx, doctor, 'GET', 'Observation/ob');
        assert.equal(denied.status, 403);
        assert.match(denied.message!, /break the glass/);
        assert.equal((await as(ctx, doctor, 'GET', 'Patient/pb/Observation')).status, 403);
        assert.equal((await as(ctx, doctor, 'GET', 'Observation?patient=pb')).status, 403);
        assert.deepEqual(ids(await as(ctx, doctor, 'GET', 'Observation?status=final&_sort=_id')), ['Observation/oa', 'Observation/oa-vitals']);
      });
      it('does not see, in a search about their patient, a resource that is also in an unrelated patient’s record', async () => {
        const shared = observation('shared-ab', 'pa', { performer: [{ reference: 'Patient/pb' }] });
        assert.equal((await as(ctx, openAccess(), 'PUT', 'Observation/shared-ab', shared)).status, 201);
        const found = ids(await as(ctx, doctor, 'GET', 'Observation?subject=Patient/pa'));
        assert.ok(found.includes('Observation/oa') && !found.includes('Observation/shared-ab'), found.join(','));
        assert.ok(!ids(await as(ctx, doctor, 'GET', 'Observation?code=271649006')).includes('Observation/shared-ab'));
        assert.equal((await as(ctx, doctor, 'GET', 'Observation/shared-ab')).status, 403);
        assert.equal((await as(ctx, openAccess(), 'DELETE', 'Observation/shared-ab')).status, 204);
      });
      it('may break the glass with a reason, and then sees the record', async () => {
        const tooShort = await as(ctx, doctor, 'POST', 'Patient/pb/$break-glass', { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'x' }] });
        assert.equal(tooShort.status, 400);
        const granted = await as(ctx, doctor, 'POST', 'Patient/pb/$break-glass', { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'Unconscious in A&E, no records available' }] });
        assert.equal(granted.status, 200);
        assert.equal((await as(ctx, doctor, 'GET', 'Observation/ob')).status, 200);
        assert.ok(ids(await as(ctx, doctor, 'GET', 'Observation')).includes('Observation/ob'));
      });
      it('still may not break the glass as anyone but a clinician', async () => {
        assert.equal((await as(ctx, patientA, 'POST', 'Patient/pb/$break-glass', { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: 'I want to see it please' }] })).status, 403);
      });
    });

    describe('a backend service', () => {
      it('with system/Patient.r reads Patients but cannot write or read other types', async () => {
        assert.equal((await as(ctx, patientDirectory, 'GET', 'Patient/pa')).status, 200);
        assert.equal((await as(ctx, patientDirectory, 'PUT', 'Patient/pa', DATA[4])).status, 403);
        assert.equal((await as(ctx, patientDirectory, 'POST', 'Patient', { resourceType: 'Patient' })).status, 403);
        assert.equal((await as(ctx, patientDirectory, 'DELETE', 'Patient/pa')).status, 403);
        assert.equal((await as(ctx, patientDirectory, 'GET', 'Observation/oa')).status, 403);
        assert.equal((await as(ctx, patientDirectory, 'GET', 'Patient')).status, 403);
      });
      it('may not change conformance resources without the administrator role', async () => {
        const sp = { resourceType: 'SearchParameter', url: 'http://example.org/sp', name: 'x', status: 'active', description: 'x', code: 'x', base: ['Patient'], type: 'token', expression: 'Patient.gender' };
        assert.equal((await as(ctx, caller({ scope: 'system/*.cruds' }), 'POST', 'SearchParameter', sp)).status, 403);
      });
      it('finds restricted (R) data only with clearance for it, whichever way it searches', async () => {
        const uncleared = caller({ client: 'lab-feed', scope: 'system/*.rs' });
        const cleared = caller({ client: 'lab-feed', scope: 'system/*.rs', clearance: ['R'] });
        for (const url of ['Observation?subject=Patient/pa&_sort=_id', 'Observation?_count=100', 'Patient/pa/Observation', '?_type=Observation,Patient&_count=100']) {
          assert.ok(ids(await as(ctx, uncleared, 'GET', url)).includes('Observation/oa'), url);
          assert.ok(!ids(await as(ctx, uncleared, 'GET', url)).includes('Observation/oa-restricted'), url);
          assert.ok(ids(await as(ctx, cleared, 'GET', url)).includes('Observation/oa-restricted'), url);
        }
        // types holding no restricted resource at all are searched without a per-row label check, and nothing is lost
        assert.deepEqual(ids(await as(ctx, uncleared, 'GET', 'Patient?_id=pa,pb&_sort=_id')), ['Patient/pa', 'Patient/pb']);
      });
      it('never sees a patient who opted out when the purpose is research, by search or by id', async () => {
        const optOut = { ...nationalDataOptOut('pc'), id: 'pc-opt-out' };
        assert.equal((await as(ctx, openAccess(), 'PUT', 'Consent/pc-opt-out', optOut)).status, 201);
        const patients = ids(await as(ctx, research, 'GET', 'Patient?_count=100'));
        assert.ok(patients.includes('Patient/pa') && !patients.includes('Patient/pc'));
        assert.ok(!ids(await as(ctx, research, 'GET', 'Observation?_count=100')).includes('Observation/oc'));
        assert.equal((await as(ctx, research, 'GET', 'Observation/oc')).status, 404);
        assert.ok(ids(await as(ctx, directCare, 'GET', 'Observation?_count=100')).includes('Observation/oc'));
      });
    });

    it('refuses every write to AuditEvent, even in open mode', async () => {
      assert.equal((await as(ctx, openAccess(), 'POST', 'AuditEvent', { resourceType: 'AuditEvent' })).status, 405);
    });
  });
}
