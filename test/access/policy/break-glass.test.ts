import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { FhirError } from '../../../src/fhir/errors.ts';
import { BreakGlass, DEFAULT_BREAK_GLASS_MS, checkReason } from '../../../src/access/policy/index.ts';
import { access, forEachStore, patient } from './fixtures.ts';

const REASON = 'Unconscious in the emergency department, no GP record available';

describe('Break-glass reasons', () => {
  it('are trimmed and need at least ten characters', () => {
    assert.equal(checkReason('  Emergency  admission \n'), 'Emergency admission');
    for (const bad of ['', '   ', 'urgent', undefined]) assert.throws(() => checkReason(bad), (e: FhirError) => e.status === 400, String(bad));
  });
  it('last eight hours by default', () => assert.equal(DEFAULT_BREAK_GLASS_MS, 8 * 3_600_000));
});

forEachStore((name, db) => {
  let now = Date.parse('2024-06-01T09:00:00Z');
  const clock = () => now;
  const clinician = access('clinician');
  before(async () => {
    await db().put(patient('p1', 0), patient('p2', 1), patient('p3', 2));
  });

  it('grants a clinician access to one patient, until it expires', async () => {
    const bg = new BreakGlass(name, { now: clock });
    const store = db().store;
    const grant = await store.transaction((tx) => bg.grant(tx, clinician, 'p1', `  ${REASON}  `));
    assert.equal(grant.reason, REASON);
    assert.equal(grant.expires - grant.granted, DEFAULT_BREAK_GLASS_MS);
    assert.equal((await bg.check(store, clinician, 'p1'))?.id, grant.id);
    assert.equal(await bg.check(store, clinician, 'p2'), undefined, 'only that patient');
    assert.equal(await bg.check(store, access('clinician', { fhirUser: 'PractitionerRole/someone-else' }), 'p1'), undefined, 'only that clinician');
    now += DEFAULT_BREAK_GLASS_MS + 1;
    assert.equal(await bg.check(store, clinician, 'p1'), undefined, 'expired');
  });

  it('honours a shorter configured duration', async () => {
    const bg = new BreakGlass(name, { now: clock, durationMs: 3_600_000 });
    const grant = await db().store.transaction((tx) => bg.grant(tx, clinician, 'p2', REASON));
    assert.equal(grant.expires - grant.granted, 3_600_000);
    now += 3_600_000;
    assert.equal(await bg.check(db().store, clinician, 'p2'), undefined);
  });

  it('ends a grant when it is revoked, at once in this process', async () => {
    const bg = new BreakGlass(name, { now: clock });
    const store = db().store;
    const grant = await store.transaction((tx) => bg.grant(tx, clinician, 'p3', REASON));
    assert.ok(await bg.check(store, clinician, 'p3'), 'cached as live');
    assert.equal(await store.transaction((tx) => bg.revoke(tx, grant.id, 'admin')), true);
    assert.equal(await bg.check(store, clinician, 'p3'), undefined);
    assert.equal(await store.transaction((tx) => bg.revoke(tx, grant.id, 'admin')), false, 'already revoked');
    const [listed] = await bg.list(store, { patientId: 'p3' });
    assert.equal(listed.revokedBy, 'admin');
  });

  it('sees a grant made by another process without waiting for its cache', async () => {
    const here = new BreakGlass(name, { now: clock });
    const elsewhere = new BreakGlass(name, { now: clock });
    const store = db().store;
    assert.equal(await here.check(store, clinician, 'p2'), undefined);
    await store.transaction((tx) => elsewhere.grant(tx, clinician, 'p2', REASON));
    assert.ok(await here.check(store, clinician, 'p2'));
  });

  it('writes nothing when the transaction rolls back', async () => {
    const bg = new BreakGlass(name, { now: clock });
    const store = db().store;
    await assert.rejects(
      store.transaction(async (tx) => {
        await bg.grant(tx, access('clinician', { fhirUser: 'Practitioner/rolled-back' }), 'p1', REASON);
        throw new Error('audit failed');
      }),
    );
    assert.deepEqual(await bg.list(store, { fhirUser: 'Practitioner/rolled-back' }), []);
  });

  it('lists live grants of a patient and of a user, newest first', async () => {
    const bg = new BreakGlass(name, { now: clock });
    const store = db().store;
    const other = access('clinician', { fhirUser: 'Practitioner/dr-jones' });
    await store.transaction((tx) => bg.grant(tx, other, 'p1', REASON));
    now += 1000;
    await store.transaction((tx) => bg.grant(tx, clinician, 'p1', 'Second opinion requested in resus'));
    const live = await bg.list(store, { patientId: 'p1', live: true });
    assert.deepEqual(live.map((g) => g.fhirUser), ['PractitionerRole/role-gp', 'Practitioner/dr-jones']);
    assert.ok((await bg.list(store, { patientId: 'p1' })).length > live.length, 'expired grants stay in the record');
    assert.deepEqual([...(await bg.liveFor(store, 'Practitioner/dr-jones')).keys()], ['p1']);
  });

  it('refuses anyone but a clinician signed in as themselves, a short reason and an unknown patient', async () => {
    const bg = new BreakGlass(name, { now: clock });
    const store = db().store;
    const status = (e: unknown) => (e as FhirError).status;
    for (const who of [access('patient'), access('system'), access('admin'), access('clinician', { fhirUser: undefined })]) {
      await assert.rejects(store.transaction((tx) => bg.grant(tx, who, 'p1', REASON)), (e) => status(e) === 403);
    }
    await assert.rejects(store.transaction((tx) => bg.grant(tx, clinician, 'p1', 'because')), (e) => status(e) === 400);
    await assert.rejects(store.transaction((tx) => bg.grant(tx, clinician, 'nobody', REASON)), (e) => status(e) === 404);
  });
});
