import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type Consent, type DecideFacts, type Decision } from '../../../src/access/policy/index.ts';
import { openAccess } from '../../../src/access/types.ts';
import { inPatientCompartment } from '../../../src/search/compartment.ts';
import { access } from './fixtures.ts';

/** A world: p1 is the GP's patient, p2 is not (break-glass for p3), p4 opted out, p5 refuses the GP by consent. */
function facts(over: Partial<DecideFacts> = {}): DecideFacts {
  const consents: Record<string, Consent[]> = {
    p5: [{ resourceType: 'Consent', id: 'no-gp', status: 'active', scope: { coding: [{ code: 'patient-privacy' }] }, provision: { type: 'deny', actor: [{ reference: { reference: 'Organization/org-gp' } }] } }],
    p6: [{ resourceType: 'Consent', id: 'no-emergency', status: 'active', scope: { coding: [{ code: 'patient-privacy' }] }, provision: { type: 'deny', purpose: [{ code: 'ETREAT' }] } }],
  };
  return {
    accessor: { fhirUser: 'PractitionerRole/role-gp', practitioner: 'Practitioner/dr-smith', organization: 'Organization/org-gp', clientId: 'app', identifiers: [] },
    at: Date.parse('2024-06-01T12:00:00Z'),
    inPatientCompartment,
    related: (p) => ['p1', 'p4', 'p5', 'p6'].includes(p),
    breakGlass: async (p) => (p === 'p3' || p === 'p5' ? 'Unconscious in ED' : undefined),
    consents: (p) => consents[p] ?? [],
    optedOut: (p) => p === 'p4',
    ...over,
  };
}

const obs = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Observation', id: 'o1', status: 'final', ...extra });
const restricted = obs({ meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } });
const org = { resourceType: 'Organization', id: 'org-gp' };
const outcome = (d: Decision) => (d.allow ? 'allow' : `${d.status} ${d.reason}`);

describe('The access decision', () => {
  const cases: [string, Parameters<typeof decide>[0], Record<string, unknown>, string[], string, Partial<DecideFacts>?][] = [
    ['open mode allows everything, even restricted data of any patient', openAccess(), restricted, ['p2'], 'allow'],
    ['a patient sees their own record', access('patient'), obs(), ['p1'], 'allow'],
    ['a patient is not held to their own Consent', access('patient', { fhirUser: 'Patient/p5', patient: 'p5' }), obs(), ['p5'], 'allow'],
    ['a patient cannot see another patient’s data: 404', access('patient'), obs(), ['p2'], '404 other-patient'],
    ['a patient cannot see a resource shared with another patient: 404', access('patient'), obs(), ['p1', 'p2'], '404 other-patient'],
    ['a patient cannot see patient data that belongs to no patient: 404', access('patient'), obs(), [], '404 other-patient'],
    ['a patient sees resources outside any compartment', access('patient'), org, [], 'allow'],
    ['a patient does not see their own restricted data without clearance: 404', access('patient'), restricted, ['p1'], '404 label'],
    ['a proxy is held to the patient’s Consent, as 404', access('proxy', { patient: 'p5' }), obs(), ['p5'], '404 consent', { accessor: { fhirUser: 'RelatedPerson/parent', organization: 'Organization/org-gp', clientId: 'a', identifiers: [] } }],
    ['a clinician sees a patient they care for', access('clinician'), obs(), ['p1'], 'allow'],
    ['a clinician without a relationship gets 403 (they must break the glass)', access('clinician'), obs(), ['p2'], '403 no-relationship'],
    ['a clinician who broke the glass sees that patient', access('clinician'), obs(), ['p3'], 'allow'],
    ['break-glass does not count for purposes other than care', access('clinician', { purposeOfUse: 'HRESCH' }), obs(), ['p3'], '403 no-relationship'],
    ['a clinician needs every patient of a shared resource', access('clinician'), obs(), ['p1', 'p2'], '403 no-relationship'],
    ['a clinician sees resources outside any compartment', access('clinician'), org, [], 'allow'],
    ['a clinician without clearance does not see restricted data: 404, not 403', access('clinician'), restricted, ['p2'], '404 label'],
    ['a cleared clinician sees restricted data', access('clinician', { clearance: new Set(['R']) }), restricted, ['p1'], 'allow'],
    ['a Consent refusing only emergency treatment leaves ordinary care alone', access('clinician'), obs(), ['p6'], 'allow'],
    ['a refusing Consent is overridden by break-glass', access('clinician'), obs(), ['p5'], 'allow'],
    ['a refusing Consent applies without break-glass', access('clinician'), obs(), ['p5'], '403 consent', { breakGlass: () => undefined }],
    ['a Consent naming emergency treatment holds even against break-glass', access('clinician'), obs(), ['p6'], '403 consent', { breakGlass: () => 'Unconscious in ED', related: () => false }],
    ['a clinician researching an opted-out patient gets 404', access('clinician', { purposeOfUse: 'HRESCH' }), obs(), ['p4'], '404 opt-out'],
    ['a clinician treating an opted-out patient is not affected', access('clinician'), obs(), ['p4'], 'allow'],
    ['a system with a care purpose sees an opted-out patient', access('system'), obs(), ['p4'], 'allow'],
    ['a system doing research does not see an opted-out patient: 404', access('system', { purposeOfUse: 'HRESCH' }), obs(), ['p4'], '404 opt-out'],
    ['a system doing planning sees a patient who did not opt out', access('system', { purposeOfUse: 'HOPERAT' }), obs(), ['p2'], 'allow'],
    ['a system is held to Consents that name it', access('system'), obs(), ['p7'], '403 consent', { consents: () => [{ resourceType: 'Consent', id: 'x', status: 'active', scope: { coding: [{ code: 'patient-privacy' }] }, provision: { type: 'deny', actor: [{ reference: { identifier: { system: 'https://meridian.nhs.uk/Id/client', value: 'app' } } }] } }] }],
    ['an administrator does not see patient data', access('admin'), obs(), ['p1'], '403 admin'],
    ['an administrator sees resources outside any compartment', access('admin'), org, [], 'allow'],
    ['an administrator who is also a clinician is a clinician', access('admin', { roles: new Set(['admin', 'clinician']), fhirUser: 'Practitioner/dr-smith' }), obs(), ['p1'], 'allow'],
    ['a user with no clinical role does not see patient data', access('clinician', { roles: new Set() }), obs(), ['p1'], '403 no-clinical-role'],
  ];
  for (const [title, who, resource, patients, expected, over] of cases) {
    it(title, async () => assert.equal(outcome(await decide(who, resource as never, patients, facts(over))), expected));
  }

  it('says which patients were seen only by breaking the glass, with the reason', async () => {
    const d = await decide(access('clinician'), obs(), ['p3'], facts());
    assert.deepEqual(d, { allow: true, breakGlass: [{ patient: 'p3', reason: 'Unconscious in ED' }] });
    const overridden = await decide(access('clinician'), obs(), ['p5'], facts());
    assert.deepEqual(overridden, { allow: true, breakGlass: [{ patient: 'p5', reason: 'Unconscious in ED' }] }, 'a consent override is a break-glass access too');
    assert.deepEqual(await decide(access('clinician'), obs(), ['p1'], facts()), { allow: true });
  });

  it('prefers 404 to 403 when patients are refused for different reasons', async () => {
    const d = await decide(access('clinician', { purposeOfUse: 'HRESCH' }), obs(), ['p2', 'p4'], facts({ related: (p) => p === 'p4' }));
    assert.equal(outcome(d), '404 opt-out');
  });

  it('names the refusing Consent and puts no patient data in its message', async () => {
    const d = await decide(access('clinician'), obs(), ['p5'], facts({ breakGlass: () => undefined }));
    assert.ok(!d.allow);
    assert.equal(d.consent, 'no-gp');
    assert.doesNotMatch(d.message, /p5/);
  });
});
