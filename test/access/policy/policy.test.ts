import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { createAccessPolicy, nationalDataOptOut, type AccessPolicy } from '../../../src/access/policy/index.ts';
import { inPatientCompartment } from '../../../src/search/compartment.ts';
import { access, forEachStore, patient, ref, type R } from './fixtures.ts';

const privacy = (id: string, p: string, provision: Record<string, unknown>): R => ({
  resourceType: 'Consent',
  id,
  status: 'active',
  scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] },
  category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }],
  patient: ref(`Patient/${p}`),
  provision,
});
const observation = (id: string, p: string, extra: Record<string, unknown> = {}): R => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'BP' }, subject: ref(`Patient/${p}`), ...extra });

forEachStore((name, db) => {
  let policy: AccessPolicy;
  const gp = access('clinician', { organization: undefined });
  before(async () => {
    const d = db();
    policy = createAccessPolicy({ dialect: name, inPatientCompartment });
    await d.put(
      { resourceType: 'Organization', id: 'org-gp', name: 'Practice' },
      { resourceType: 'Practitioner', id: 'dr-smith' },
      { resourceType: 'PractitionerRole', id: 'role-gp', practitioner: ref('Practitioner/dr-smith'), organization: ref('Organization/org-gp') },
      ...['mine', 'refuses-gp', 'refuses-drugs', 'opted-out', 'stranger'].map((id, n) => patient(id, n, id === 'stranger' ? {} : { generalPractitioner: [ref('Organization/org-gp')] })),
    );
    await d.put(
      privacy('k1', 'refuses-gp', { type: 'deny', actor: [{ reference: ref('Organization/org-gp') }] }),
      privacy('k2', 'refuses-drugs', { type: 'permit', provision: [{ type: 'deny', class: [{ system: 'http://hl7.org/fhir/resource-types', code: 'MedicationRequest' }] }] }),
      { ...nationalDataOptOut('opted-out'), id: 'k3' } as R,
      observation('o-mine', 'mine'),
      observation('o-stranger', 'stranger'),
    );
  });

  it('gives a clinician their care set from the store', async () => {
    const care = await policy.careSet(db().store, gp);
    assert.deepEqual([...care.related].sort(), ['mine', 'opted-out', 'refuses-drugs', 'refuses-gp']);
    assert.equal(care.breakGlass.size, 0);
    assert.equal((await policy.careSet(db().store, access('system'))).related.size, 0, 'nobody else has one');
  });

  it('adds break-glass grants to the care set, with their reasons', async () => {
    await db().store.transaction((tx) => policy.breakGlass.grant(tx, gp, 'stranger', 'Collapsed in the waiting room'));
    const care = await policy.careSet(db().store, gp);
    assert.equal(care.breakGlass.get('stranger'), 'Collapsed in the waiting room');
  });

  it('lists the patients whose Consent refuses the accessor everything, and not those refusing some data', async () => {
    assert.deepEqual([...(await policy.consentDeniesAll(db().store, gp))], ['refuses-gp']);
    assert.deepEqual([...(await policy.consentDeniesAll(db().store, access('patient', { fhirUser: 'Patient/refuses-gp', patient: 'refuses-gp' })))], [], 'not to the patient themselves');
  });

  it('tells a search which patients need a per-resource Consent check, by resource type', async () => {
    const store = db().store;
    const all = await policy.consentRefusals(store, gp);
    assert.deepEqual([...all.all], ['refuses-gp']);
    assert.deepEqual([...all.some], ['refuses-drugs']);
    assert.deepEqual([...(await policy.consentRefusals(store, gp, ['MedicationRequest'])).all].sort(), ['refuses-drugs', 'refuses-gp'], 'all of a refused type');
    const observations = await policy.consentRefusals(store, gp, ['Observation']);
    assert.deepEqual([...observations.all, ...observations.some], ['refuses-gp'], 'no check needed for types the Consent allows');
  });

  it('checks one resource against the patient’s Consent', async () => {
    const store = db().store;
    assert.equal(await policy.consentDenies(store, gp, 'refuses-drugs', { resourceType: 'MedicationRequest', id: 'm1' }), 'Consent/k2');
    assert.equal(await policy.consentDenies(store, gp, 'refuses-drugs', { resourceType: 'Observation', id: 'o1' }), undefined);
    assert.equal(await policy.consentDenies(store, access('system', { purposeOfUse: 'HRESCH' }), 'opted-out', { resourceType: 'Observation', id: 'o1' }), undefined, 'the opt-out is its own rule');
  });

  it('decides from the store: relationship, break-glass, Consent, opt-out', async () => {
    const store = db().store;
    const decide = async (who: typeof gp, r: R, patients: string[]) => {
      const d = await policy.decide(store, who, r, patients);
      return d.allow ? (d.breakGlass ? 'break-glass' : 'allow') : `${d.status} ${d.reason}`;
    };
    assert.equal(await decide(gp, observation('o-mine', 'mine'), ['mine']), 'allow');
    assert.equal(await decide(gp, observation('o-stranger', 'stranger'), ['stranger']), 'break-glass');
    assert.equal(await decide(access('clinician', { fhirUser: 'Practitioner/dr-jones' }), observation('o-stranger', 'stranger'), ['stranger']), '403 no-relationship');
    assert.equal(await decide(gp, observation('o-x', 'refuses-gp'), ['refuses-gp']), '403 consent');
    assert.equal(await decide(access('system', { purposeOfUse: 'HRESCH' }), observation('o-y', 'opted-out'), ['opted-out']), '404 opt-out');
    assert.equal(await decide(access('system', { purposeOfUse: 'HRESCH' }), observation('o-mine', 'mine'), ['mine']), 'allow');
  });

  it('sees a Consent written in this process once told of the change', async () => {
    const store = db().store;
    assert.deepEqual(await policy.optedOut(store), new Set(['opted-out']));
    await db().put({ ...nationalDataOptOut('mine'), id: 'k4' } as R);
    policy.changed('Consent');
    assert.deepEqual(await policy.optedOut(store), new Set(['opted-out', 'mine']));
  });
});
