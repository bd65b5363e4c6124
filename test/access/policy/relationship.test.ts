import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { Relationships, resolveAccessor, type Accessor } from '../../../src/access/policy/index.ts';
import { access, forEachStore, patient, ref, type R } from './fixtures.ts';

const org = (id: string, ods: string): R => ({ resourceType: 'Organization', id, identifier: [{ system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: ods }], name: id });
const encounter = (id: string, p: string, status: string, extra: Record<string, unknown>): R => ({ resourceType: 'Encounter', id, status, class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' }, subject: ref(`Patient/${p}`), ...extra });
const episode = (id: string, p: string, status: string, extra: Record<string, unknown>): R => ({ resourceType: 'EpisodeOfCare', id, status, patient: ref(`Patient/${p}`), ...extra });
const careTeam = (id: string, p: string, status: string, members: string[]): R => ({ resourceType: 'CareTeam', id, status, subject: ref(`Patient/${p}`), participant: members.map((m) => ({ member: ref(m) })) });

const RELATED = [
  'registered-at-practice',
  'registered-with-doctor',
  'registered-with-role',
  'encounter-at-org',
  'encounter-as-participant',
  'planned-encounter',
  'episode-at-org',
  'episode-as-manager',
  'care-team-member',
  'care-team-org',
];
const UNRELATED = ['registered-elsewhere', 'finished-encounter', 'encounter-elsewhere', 'finished-episode', 'inactive-care-team', 'deleted-encounter', 'other-doctor-care-team'];

forEachStore((name, db) => {
  let gp: Accessor;
  before(async () => {
    const d = db();
    await d.put(
      org('org-gp', 'A81001'),
      org('org-trust', 'RR8'),
      org('org-other', 'B82002'),
      { resourceType: 'Practitioner', id: 'dr-smith', name: [{ family: 'Smith' }] },
      { resourceType: 'Practitioner', id: 'dr-jones', name: [{ family: 'Jones' }] },
      { resourceType: 'PractitionerRole', id: 'role-gp', practitioner: ref('Practitioner/dr-smith'), organization: ref('Organization/org-gp') },
      ...[...RELATED, ...UNRELATED].map((id, n) => patient(id, n, id.startsWith('registered') ? {} : { generalPractitioner: [ref('Organization/org-other')] })),
    );
    await d.put(
      patient('registered-at-practice', 0, { generalPractitioner: [ref('Organization/org-gp')] }),
      patient('registered-with-doctor', 1, { generalPractitioner: [ref('Practitioner/dr-smith')] }),
      patient('registered-with-role', 2, { generalPractitioner: [ref('PractitionerRole/role-gp')] }),
      patient('registered-elsewhere', RELATED.length, { generalPractitioner: [ref('Organization/org-other')] }),
      encounter('e1', 'encounter-at-org', 'in-progress', { serviceProvider: ref('Organization/org-gp') }),
      encounter('e2', 'encounter-as-participant', 'arrived', { serviceProvider: ref('Organization/org-trust'), participant: [{ individual: ref('PractitionerRole/role-gp') }] }),
      encounter('e3', 'planned-encounter', 'planned', { participant: [{ individual: ref('Practitioner/dr-smith') }] }),
      encounter('e4', 'finished-encounter', 'finished', { serviceProvider: ref('Organization/org-gp') }),
      encounter('e5', 'encounter-elsewhere', 'in-progress', { serviceProvider: ref('Organization/org-trust') }),
      encounter('e6', 'deleted-encounter', 'in-progress', { serviceProvider: ref('Organization/org-gp') }),
      episode('ep1', 'episode-at-org', 'active', { managingOrganization: ref('Organization/org-gp') }),
      episode('ep2', 'episode-as-manager', 'waitlist', { managingOrganization: ref('Organization/org-trust'), careManager: ref('Practitioner/dr-smith') }),
      episode('ep3', 'finished-episode', 'finished', { managingOrganization: ref('Organization/org-gp') }),
      careTeam('ct1', 'care-team-member', 'active', ['Practitioner/dr-smith']),
      careTeam('ct2', 'care-team-org', 'active', ['Organization/org-gp']),
      careTeam('ct3', 'inactive-care-team', 'inactive', ['Practitioner/dr-smith']),
      careTeam('ct4', 'other-doctor-care-team', 'active', ['Practitioner/dr-jones']),
    );
    await d.remove('Encounter', 'e6');
    gp = await resolveAccessor(d.store, access('clinician', { organization: undefined }));
  });

  it('resolves a PractitionerRole to its practitioner and organisation, with their identifiers', () => {
    assert.equal(gp.practitioner, 'Practitioner/dr-smith');
    assert.equal(gp.organization, 'Organization/org-gp');
    assert.ok(gp.identifiers.some((i) => i.value === 'A81001'));
  });

  it('finds every kind of care relationship, and none that is over or belongs to someone else', async () => {
    const set = await new Relationships(name).compute(db().store, gp);
    assert.deepEqual([...set].sort(), [...RELATED].sort());
  });

  it('answers the single check the same way, patient by patient', async () => {
    const rel = new Relationships(name);
    for (const p of RELATED) assert.equal(await rel.hasRelationship(db().store, gp, p), true, p);
    for (const p of UNRELATED) assert.equal(await rel.hasRelationship(db().store, gp, p), false, p);
  });

  it('gives a clinician of another organisation only their own patients', async () => {
    const jones: Accessor = { fhirUser: 'Practitioner/dr-jones', practitioner: 'Practitioner/dr-jones', organization: 'Organization/org-trust', clientId: 'x', identifiers: [] };
    const set = await new Relationships(name).compute(db().store, jones);
    assert.deepEqual([...set].sort(), ['encounter-as-participant', 'encounter-elsewhere', 'episode-as-manager', 'other-doctor-care-team']);
  });

  it('gives an accessor with no practitioner or organisation no relationships', async () => {
    const set = await new Relationships(name).compute(db().store, { clientId: 'system', identifiers: [] });
    assert.equal(set.size, 0);
  });

  it('reuses the set for its lifetime, sees a new relationship at once in the single check, and forgets an ended one when the set expires', async () => {
    let now = 1_000_000;
    const rel = new Relationships(name, { ttlMs: 15_000, now: () => now });
    const d = db();
    assert.equal((await rel.related(d.store, gp)).has('encounter-elsewhere'), false);
    await d.put(encounter('e7', 'encounter-elsewhere', 'in-progress', { serviceProvider: ref('Organization/org-gp') }));
    assert.equal((await rel.related(d.store, gp)).has('encounter-elsewhere'), false, 'the cached set');
    assert.equal(await rel.hasRelationship(d.store, gp, 'encounter-elsewhere'), true, 'the single check asks the store');
    await d.put(encounter('e7', 'encounter-elsewhere', 'finished', { serviceProvider: ref('Organization/org-gp') }));
    now += 16_000;
    assert.equal((await rel.related(d.store, gp)).has('encounter-elsewhere'), false, 'recomputed after the lifetime');
    assert.equal(await rel.hasRelationship(d.store, gp, 'encounter-elsewhere'), false);
  });

  it('computes the set of a GP practice with 1,000 registered patients quickly', async (t) => {
    const d = db();
    const practice = (n: number) => `Organization/practice-${n}`;
    await d.put(org('practice-0', 'P00000'), org('practice-1', 'P00001'), { resourceType: 'PractitionerRole', id: 'role-p0', practitioner: ref('Practitioner/dr-jones'), organization: ref(practice(0)) });
    for (let batch = 0; batch < 6; batch++) {
      const resources: R[] = [];
      for (let i = 0; i < 500; i++) {
        const n = batch * 500 + i;
        const id = `bulk-${n}`;
        // patients 0–999 at practice 0, the rest at practice 1; two finished encounters each
        resources.push(patient(id, 1000 + n, { generalPractitioner: [ref(practice(n < 1000 ? 0 : 1))] }));
        for (const k of [0, 1]) resources.push(encounter(`bulk-e${n}-${k}`, id, 'finished', { serviceProvider: ref(practice(n < 1000 ? 0 : 1)) }));
      }
      await d.put(...resources);
    }
    await d.store.optimize();
    const accessor: Accessor = { fhirUser: 'PractitionerRole/role-p0', practitioner: 'Practitioner/dr-jones', organization: practice(0), clientId: 'x', identifiers: [] };
    const rel = new Relationships(name);
    const times: number[] = [];
    let size = 0;
    for (let i = 0; i < 15; i++) {
      const start = performance.now();
      size = (await rel.compute(d.store, accessor)).size;
      times.push(performance.now() - start);
    }
    const single: number[] = [];
    for (let i = 0; i < 50; i++) {
      const start = performance.now();
      await new Relationships(name).hasRelationship(d.store, accessor, `bulk-${1000 + i}`);
      single.push(performance.now() - start);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    t.diagnostic(`${name}: relationship set of 1,000 registered patients (of 3,000, with 6,000 Encounters) in ${median(times).toFixed(1)} ms (median of 15); single check (a 'no') ${median(single).toFixed(2)} ms`);
    assert.ok(size >= 1000 && size < 1100, `size ${size}`);
    assert.ok(median(times) < 250, `median ${median(times)} ms`);
  });
});
