import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consentDecision, recordConsent, CLIENT_ID_SYSTEM, type Accessor, type AccessQuery, type Consent, type Provision } from '../../../src/access/policy/index.ts';

const gp: Accessor = {
  fhirUser: 'PractitionerRole/role-gp',
  practitioner: 'Practitioner/dr-smith',
  organization: 'Organization/org-gp',
  clientId: 'gp-app',
  identifiers: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A81001' }],
};
const other: Accessor = { fhirUser: 'Practitioner/dr-jones', practitioner: 'Practitioner/dr-jones', organization: 'Organization/org-trust', clientId: 'trust-app', identifiers: [] };
const AT = Date.parse('2024-06-01T12:00:00Z');

const privacy = (provision: Provision, over: Partial<Consent> = {}): Consent => ({
  resourceType: 'Consent',
  id: over.id ?? 'c1',
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  patient: { reference: 'Patient/p1' },
  provision,
  ...over,
});
const q = (over: Partial<AccessQuery> = {}): AccessQuery => ({ accessor: gp, purposeOfUse: 'TREAT', at: AT, resourceType: 'Observation', resource: observation(), ...over });
const observation = (over: Record<string, unknown> = {}) => ({ resourceType: 'Observation', id: 'o1', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: 'Patient/p1' }, effectiveDateTime: '2024-05-01', ...over });
const decision = (consents: Consent[], over: Partial<AccessQuery> = {}) => consentDecision(consents, q(over)).decision;
const actor = (reference: string) => ({ reference: { reference } });

describe('Consent: which Consents count', () => {
  it('applies an active patient-privacy Consent and names it', () => {
    assert.deepEqual(consentDecision([privacy({ type: 'deny' })], q()), { decision: 'deny', consent: 'c1' });
  });
  it('ignores Consents that are not active (proposed, inactive, rejected, entered-in-error)', () => {
    for (const status of ['proposed', 'inactive', 'rejected', 'entered-in-error', 'draft']) assert.equal(decision([privacy({ type: 'deny' }, { status })]), 'none', status);
  });
  it('ignores treatment and advance-directive Consents, which are not about sharing', () => {
    for (const code of ['treatment', 'adr']) assert.equal(decision([privacy({ type: 'deny' }, { scope: { coding: [{ code }] } })]), 'none', code);
  });
  it('says none when there is no Consent, or one without a provision', () => {
    assert.equal(decision([]), 'none');
    assert.equal(decision([privacy(undefined as unknown as Provision)]), 'none');
  });
  it('lets a deny in any Consent win over a permit in another', () => {
    const d = consentDecision([privacy({ type: 'permit' }, { id: 'yes' }), privacy({ type: 'deny' }, { id: 'no' })], q());
    assert.deepEqual(d, { decision: 'deny', consent: 'no' });
  });
});

describe('Consent: the base provision and nested provisions', () => {
  it('uses the base type for everything its nested provisions do not match', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', actor: [actor('Organization/org-trust')] }] });
    assert.equal(decision([c]), 'permit');
    assert.equal(decision([c], { accessor: other }), 'deny');
  });
  it('lets a nested permit open a base deny to one organisation only', () => {
    const c = privacy({ type: 'deny', provision: [{ type: 'permit', actor: [actor('Organization/org-gp')] }] });
    assert.equal(decision([c]), 'permit');
    assert.equal(decision([c], { accessor: other }), 'deny');
  });
  it('lets the deepest matching provision win (permit inside deny inside permit)', () => {
    const c = privacy({
      type: 'permit',
      provision: [{ type: 'deny', class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'Observation' }], provision: [{ type: 'permit', actor: [actor('Organization/org-gp')] }] }],
    });
    assert.equal(decision([c]), 'permit', 'the GP, by the innermost permit');
    assert.equal(decision([c], { accessor: other }), 'deny', 'anyone else, by the middle deny');
    assert.equal(decision([c], { accessor: other, resourceType: 'Condition', resource: { resourceType: 'Condition', id: 'x' } }), 'permit', 'other data, by the base');
  });
  it('gives a nested provision without a type its parent’s type', () => {
    const c = privacy({ type: 'deny', provision: [{ actor: [actor('Organization/org-gp')] }] });
    assert.equal(decision([c]), 'deny');
  });
  it('says nothing when the base provision’s own conditions do not hold', () => {
    const c = privacy({ type: 'deny', actor: [actor('Organization/org-trust')] });
    assert.equal(decision([c]), 'none');
  });
  it('lets deny win between matching sibling provisions', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'permit', actor: [actor('Organization/org-gp')] }, { type: 'deny', purpose: [{ code: 'TREAT' }] }] });
    assert.equal(decision([c]), 'deny');
  });
});

describe('Consent: provision.period', () => {
  it('applies a provision only within its period (bounds at their own precision)', () => {
    const c = privacy({ type: 'deny', period: { start: '2024-01-01', end: '2024-06' } });
    assert.equal(decision([c]), 'deny', 'June 2024 is within an end of 2024-06');
    assert.equal(decision([c], { at: Date.parse('2024-07-01T00:00:00Z') }), 'none', 'after the end');
    assert.equal(decision([c], { at: Date.parse('2023-12-31T23:59:59Z') }), 'none', 'before the start');
  });
  it('applies a nested period within the base', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', period: { start: '2024-05-01' } }] });
    assert.equal(decision([c]), 'deny');
    assert.equal(decision([c], { at: Date.parse('2024-04-30T00:00:00Z') }), 'permit');
  });
});

describe('Consent: provision.actor', () => {
  const deniedTo = (reference: Record<string, unknown>) => privacy({ type: 'deny', actor: [{ role: { coding: [{ code: 'PRCP' }] }, reference }] });
  it('matches the accessor’s fhirUser (their PractitionerRole)', () => assert.equal(decision([deniedTo({ reference: 'PractitionerRole/role-gp' })]), 'deny'));
  it('matches the practitioner behind their PractitionerRole', () => assert.equal(decision([deniedTo({ reference: 'Practitioner/dr-smith' })]), 'deny'));
  it('matches their organisation, by reference or by ODS code', () => {
    assert.equal(decision([deniedTo({ reference: 'https://other.example/fhir/Organization/org-gp' })]), 'deny');
    assert.equal(decision([deniedTo({ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'A81001' } })]), 'deny');
  });
  it('matches the client application by its Meridian client id', () => assert.equal(decision([deniedTo({ identifier: { system: CLIENT_ID_SYSTEM, value: 'gp-app' } })]), 'deny'));
  it('does not match anyone else', () => {
    assert.equal(decision([deniedTo({ reference: 'Practitioner/dr-jones' })]), 'none');
    assert.equal(decision([deniedTo({ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'RR8' } })]), 'none');
  });
});

describe('Consent: provision.purpose (v3 ActReason, with its hierarchy)', () => {
  it('matches the access purpose and the purposes below it', () => {
    const c = privacy({ type: 'deny', purpose: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'HRESCH' }] });
    assert.equal(decision([c], { purposeOfUse: 'HRESCH' }), 'deny');
    assert.equal(decision([c], { purposeOfUse: 'CLINTRCH' }), 'deny', 'clinical trial research is research');
    assert.equal(decision([c], { purposeOfUse: 'TREAT' }), 'none');
  });
  it('lets TREAT cover emergency treatment, but not the other way round', () => {
    assert.equal(decision([privacy({ type: 'deny', purpose: [{ code: 'TREAT' }] })], { purposeOfUse: 'ETREAT' }), 'deny');
    assert.equal(decision([privacy({ type: 'deny', purpose: [{ code: 'ETREAT' }] })], { purposeOfUse: 'TREAT' }), 'none');
  });
  it('ignores purpose codes of other systems', () => {
    assert.equal(decision([privacy({ type: 'deny', purpose: [{ system: 'http://example.org/purposes', code: 'TREAT' }] })]), 'none');
  });
});

describe('Consent: provision.action', () => {
  it('treats a read as access, use and disclosure', () => {
    for (const code of ['access', 'use', 'disclose']) assert.equal(decision([privacy({ type: 'deny', action: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentaction', code }] }] })]), 'deny', code);
  });
  it('does not apply collect or correct to a read', () => {
    assert.equal(decision([privacy({ type: 'deny', action: [{ coding: [{ code: 'collect' }, { code: 'correct' }] }] })]), 'none');
  });
  it('applies to the actions the caller names', () => {
    assert.equal(decision([privacy({ type: 'deny', action: [{ coding: [{ code: 'correct' }] }] })], { actions: ['correct'] }), 'deny');
  });
});

describe('Consent: provision.class, code and securityLabel', () => {
  it('matches a resource type in class', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'MedicationRequest' }] }] });
    assert.equal(decision([c], { resourceType: 'MedicationRequest', resource: { resourceType: 'MedicationRequest', id: 'm1' } }), 'deny');
    assert.equal(decision([c]), 'permit');
  });
  it('matches a profile in class against meta.profile', () => {
    const c = privacy({ type: 'deny', class: [{ code: 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation' }] });
    assert.equal(decision([c], { resource: observation({ meta: { profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation|2.4.0'] } }) }), 'deny');
    assert.equal(decision([c]), 'none');
  });
  it('matches a code found anywhere in the resource', () => {
    const hiv = { coding: [{ system: 'http://snomed.info/sct', code: '86406008' }] };
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', code: [hiv] }] });
    assert.equal(decision([c], { resourceType: 'Condition', resource: { resourceType: 'Condition', id: 'x', code: hiv } }), 'deny');
    assert.equal(decision([c]), 'permit');
  });
  it('matches a security label, old and new v3 system URLs alike', () => {
    const c = privacy({ type: 'deny', securityLabel: [{ system: 'http://hl7.org/fhir/v3/Confidentiality', code: 'R' }] });
    assert.equal(decision([c], { resource: observation({ meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'R' }] } }) }), 'deny');
    assert.equal(decision([c], { resource: observation({ meta: { security: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality', code: 'N' }] } }) }), 'none');
  });
  it('fails safe without the resource: a Consent that might deny does deny', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', code: [{ coding: [{ system: 'http://snomed.info/sct', code: '86406008' }] }] }] });
    assert.equal(decision([c], { resource: undefined }), 'deny');
  });
});

describe('Consent: provision.dataPeriod and data', () => {
  const years = privacy({ type: 'permit', provision: [{ type: 'deny', dataPeriod: { start: '2010', end: '2012' } }] });
  it('matches data whose clinical time falls in the data period', () => {
    assert.equal(decision([years], { resource: observation({ effectiveDateTime: '2011-03-04' }) }), 'deny');
    assert.equal(decision([years], { resource: observation({ effectiveDateTime: undefined, effectivePeriod: { start: '2009-01-01', end: '2010-02-01' } }) }), 'deny', 'overlapping');
    assert.equal(decision([years], { resource: observation({ effectiveDateTime: '2015-01-01' }) }), 'permit');
  });
  it('does not match data with no clinical time', () => {
    assert.equal(decision([years], { resourceType: 'Patient', resource: { resourceType: 'Patient', id: 'p1' } }), 'permit');
  });
  it('matches a named instance', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', data: [{ meaning: 'instance', reference: { reference: 'Observation/o1' } }] }] });
    assert.equal(decision([c]), 'deny');
    assert.equal(decision([c], { resource: observation({ id: 'o2' }) }), 'permit');
  });
  it('matches the resources that refer to a named instance when the meaning is dependents', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', data: [{ meaning: 'dependents', reference: { reference: 'Encounter/e9' } }] }] });
    assert.equal(decision([c], { resource: observation({ encounter: { reference: 'Encounter/e9' } }) }), 'deny');
    assert.equal(decision([c]), 'permit');
  });
});

describe('Consent: break-glass (emergency) access', () => {
  it('is not refused by a deny that does not name an emergency purpose', () => {
    const c = privacy({ type: 'deny', provision: [{ type: 'permit', actor: [actor('Organization/org-trust')] }] });
    assert.equal(decision([c]), 'deny');
    assert.equal(decision([c], { purposeOfUse: 'ETREAT', emergency: true }), 'none');
  });
  it('is refused by a deny that names emergency treatment', () => {
    const c = privacy({ type: 'deny', purpose: [{ code: 'ETREAT' }] });
    assert.equal(decision([c], { purposeOfUse: 'ETREAT', emergency: true }), 'deny');
  });
});

describe('Consent: the whole-record form, for planning a search', () => {
  const base = { accessor: gp, purposeOfUse: 'TREAT', at: AT };
  it('is deny-all when every resource is refused', () => {
    assert.equal(recordConsent([privacy({ type: 'deny' })], base), 'deny-all');
    assert.equal(recordConsent([privacy({ type: 'deny', provision: [{ type: 'permit', actor: [actor('Organization/org-trust')] }] })], base), 'deny-all');
  });
  it('is permit when no resource is refused', () => {
    assert.equal(recordConsent([], base), 'permit');
    assert.equal(recordConsent([privacy({ type: 'deny', provision: [{ type: 'permit', actor: [actor('Organization/org-gp')] }] })], base), 'permit');
    assert.equal(recordConsent([privacy({ type: 'deny', purpose: [{ code: 'HRESCH' }] })], base), 'permit');
  });
  it('is deny-some when it depends on the resource', () => {
    const c = privacy({ type: 'permit', provision: [{ type: 'deny', class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'MedicationRequest' }] }] });
    assert.equal(recordConsent([c], base), 'deny-some');
    assert.equal(recordConsent([c], { ...base, resourceType: 'MedicationRequest' }), 'deny-all', 'for that type alone');
    assert.equal(recordConsent([c], { ...base, resourceType: 'Observation' }), 'permit');
    assert.equal(recordConsent([privacy({ type: 'deny', dataPeriod: { start: '2010' } })], base), 'deny-some');
  });
});
