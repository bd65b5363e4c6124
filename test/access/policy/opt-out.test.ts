import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import {
  ConsentStore,
  NATIONAL_DATA_OPT_OUT_CATEGORY,
  NATIONAL_DATA_OPT_OUT_POLICY,
  consentDecision,
  hasOptedOut,
  isNationalDataOptOut,
  nationalDataOptOut,
  optedOutPatients,
  type Accessor,
  type Consent,
} from '../../../src/access/policy/index.ts';
import { forEachStore, patient, type R } from './fixtures.ts';

const system: Accessor = { clientId: 'research-extract', identifiers: [] };

describe('National data opt-out: the Consent shape', () => {
  const optOut = nationalDataOptOut('p1', { dateTime: '2024-01-15' });
  it('is an active research-scope Consent with Meridian’s category and policy URI, refusing everything but direct care', () => {
    assert.equal(optOut.status, 'active');
    assert.equal(optOut.scope?.coding?.[0].code, 'research');
    assert.deepEqual(optOut.policy, [{ uri: NATIONAL_DATA_OPT_OUT_POLICY }]);
    assert.equal(optOut.category?.[0].coding?.[0].code, NATIONAL_DATA_OPT_OUT_CATEGORY.code);
    assert.equal(optOut.provision?.type, 'deny');
  });
  it('is recognised when active, and not once withdrawn', () => {
    assert.equal(isNationalDataOptOut(optOut), true);
    assert.equal(isNationalDataOptOut({ ...optOut, status: 'inactive' }), false);
  });
  it('is not confused with an ordinary privacy Consent', () => {
    const privacy: Consent = { resourceType: 'Consent', status: 'active', scope: { coding: [{ code: 'patient-privacy' }] }, provision: { type: 'deny' } };
    assert.equal(isNationalDataOptOut(privacy), false);
  });
  it('as a Consent, refuses research, planning and payment and leaves direct care alone', () => {
    const q = (purposeOfUse: string) => consentDecision([optOut], { accessor: system, purposeOfUse, at: Date.now(), resourceType: 'Observation' }).decision;
    for (const p of ['HRESCH', 'CLINTRCH', 'HOPERAT', 'HPAYMT', 'PUBHLTH', 'POPHLTH']) assert.equal(q(p), 'deny', p);
    for (const p of ['TREAT', 'ETREAT', 'COC', 'PATRQT']) assert.equal(q(p), 'none', p);
  });
});

forEachStore((name, db) => {
  const consent = (id: string, p: string, over: Partial<Consent> = {}): R => ({ ...nationalDataOptOut(p, { dateTime: '2024-01-15' }), id, ...over }) as R;
  before(async () => {
    const d = db();
    await d.put(...['opted-out', 'withdrawn', 'privacy-only', 'no-consent', 'deleted-opt-out', 'twice'].map((id, n) => patient(id, n)));
    await d.put(
      consent('c1', 'opted-out'),
      consent('c2', 'withdrawn', { status: 'inactive' }),
      { resourceType: 'Consent', id: 'c3', status: 'active', scope: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/consentscope', code: 'patient-privacy' }] }, category: [{ coding: [{ system: 'http://loinc.org', code: '59284-0' }] }], patient: { reference: 'Patient/privacy-only' }, provision: { type: 'deny' } },
      consent('c4', 'deleted-opt-out'),
      consent('c5', 'twice'),
      consent('c6', 'twice'),
    );
    await d.remove('Consent', 'c4');
  });

  it('lists exactly the patients with an active opt-out, once each', async () => {
    assert.deepEqual([...(await optedOutPatients(db().store, name))].sort(), ['opted-out', 'twice']);
  });

  it('answers for one patient with index lookups', async () => {
    assert.equal(await hasOptedOut(db().store, name, 'opted-out'), true);
    for (const p of ['withdrawn', 'privacy-only', 'no-consent', 'deleted-opt-out']) assert.equal(await hasOptedOut(db().store, name, p), false, p);
  });

  it('sees a new opt-out and a withdrawal as soon as the Consents change (cached otherwise)', async () => {
    let now = 5_000_000;
    const store = new ConsentStore(name, { now: () => now });
    const d = db();
    assert.equal((await store.optedOut(d.store)).has('no-consent'), false);
    await new Promise((r) => setTimeout(r, 2)); // a later last_updated than any before
    await d.put(consent('c7', 'no-consent'), consent('c1', 'opted-out', { status: 'inactive' }));
    now += 1_001; // the change stamp is read at most once a second
    const after = await store.optedOut(d.store);
    assert.equal(after.has('no-consent'), true);
    assert.equal(after.has('opted-out'), false);
  });

  it('keeps a patient’s Consents, national data opt-outs included, for the Consent policy', async () => {
    const store = new ConsentStore(name);
    const ids = (await store.ofPatient(db().store, 'twice')).map((c) => c.id).sort();
    assert.deepEqual(ids, ['c5', 'c6']);
    const active = await store.activeByPatient(db().store);
    assert.deepEqual([...active.keys()], ['privacy-only'], 'opt-outs are left to the opt-out rule');
  });
});
