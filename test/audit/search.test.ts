/** Reading and searching AuditEvents on a real database: by patient, agent, date, type and more, newest first, keyset-paged. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { auditEventInteraction, buildAuditEvent, createAuditLog, readAuditEvent, searchAuditEvents } from '../../src/audit/index.ts';
import { auditSqlFor } from '../../src/storage/audit/index.ts';
import { testStores } from '../helpers/stores.ts';
import { access, body, freshStore, input, nextCursor, OBSERVER, readContext, request } from './fixtures.ts';

const day = (d: number) => Date.UTC(2025, 0, d, 10);
const prac1 = access();
const prac2 = access({ fhirUser: 'Practitioner/prac2', userName: 'ajones', clientId: 'hospital-app', organization: 'org2' });
const patientA = access({ fhirUser: 'Patient/pat-a', userName: 'pat-a-user', clientId: 'nhs-app', organization: undefined, roles: new Set(['patient']) });
const research = access({ fhirUser: undefined, userName: undefined, organization: undefined, clientId: 'research-export', purposeOfUse: 'HRESCH' });

/** Eight events, e1 … e8, one a day from 1 January 2025. */
const EVENTS = [
  input({ access: prac1, patients: ['pat-a'], recorded: day(1) }),
  input({ access: prac2, interaction: 'search-type', id: undefined, query: 'patient=pat-a', patients: ['pat-a'], entities: ['Observation/obs1/_history/1', 'Observation/obs2/_history/1', 'Observation/obs3/_history/1'], recorded: day(2) }),
  input({ access: prac1, interaction: 'create', method: 'POST', resourceType: 'Condition', id: 'cond1', patients: ['pat-b'], entities: ['Condition/cond1/_history/1'], status: 201, recorded: day(3) }),
  input({ access: patientA, resourceType: 'Patient', id: 'pat-a', patients: ['pat-a'], entities: ['Patient/pat-a/_history/4'], recorded: day(4) }),
  input({ access: prac2, patients: ['pat-b'], entities: [], status: 403, message: 'No relationship', recorded: day(5) }),
  input({ access: prac2, patients: ['pat-a'], breakGlass: { reason: 'Collapsed in clinic' }, recorded: day(6) }),
  input({ access: research, interaction: 'search-type', id: undefined, query: '_count=100', patients: ['pat-a', 'pat-b'], entities: [], recorded: day(7) }),
  input({ access: prac1, interaction: 'delete', method: 'DELETE', id: 'obs9', patients: ['pat-c'], entities: ['Observation/obs9/_history/2'], status: 204, recorded: day(8) }),
];
const label = (e: any) => `e${new Date(e.recorded).getUTCDate()}`;

for (const backend of testStores()) {
  describe(`audit search: ${backend.name}`, () => {
    const db = freshStore(backend);
    const search = async (params: [string, string][]) => body(await searchAuditEvents(request(params), readContext(db.get()), db.get()));
    const labels = async (query: string) => ((await search([...new URLSearchParams(query)])).entry ?? []).map((x: any) => label(x.resource));

    before(async () => {
      const audit = createAuditLog(db.get(), { now: () => Date.now(), observer: OBSERVER });
      await Promise.all(EVENTS.map((e) => audit.record(e)));
      // 25 events for paging, recorded three to a millisecond so that ties are broken by id
      await Promise.all(Array.from({ length: 25 }, (_, i) => audit.record(input({ access: access({ userName: 'pager-user', clientId: 'pager-client' }), patients: ['pager'], recorded: day(20) + Math.floor(i / 3) }))));
      await audit.close();
    });

    it('by patient, newest first (id, Patient/id, several)', async () => {
      assert.deepEqual(await labels('patient=pat-a'), ['e7', 'e6', 'e4', 'e2', 'e1']);
      assert.deepEqual(await labels('patient=Patient/pat-b'), ['e7', 'e5', 'e3']);
      assert.deepEqual(await labels('patient=pat-b,pat-c'), ['e8', 'e7', 'e5', 'e3']);
    });

    it('by agent: a person by reference, a user name, or a client id', async () => {
      assert.deepEqual(await labels('agent=Practitioner/prac2'), ['e6', 'e5', 'e2']);
      assert.deepEqual(await labels('agent=jsmith'), ['e8', 'e3', 'e1']);
      assert.deepEqual(await labels('agent=research-export'), ['e7']);
      assert.deepEqual(await labels('agent=nhs-app'), ['e4']);
      assert.deepEqual(await labels('agent=Practitioner/prac1&patient=pat-b'), ['e3']);
    });

    it('by date with prefixes, alone and with a patient', async () => {
      assert.deepEqual(await labels('date=2025-01-02'), ['e2']);
      assert.deepEqual(await labels('date=ge2025-01-05&date=lt2025-01-09'), ['e8', 'e7', 'e6', 'e5']);
      assert.deepEqual(await labels('date=lt2025-01-03'), ['e2', 'e1']);
      assert.deepEqual(await labels('date=ge2025-01-02&date=le2025-01-04'), ['e4', 'e3', 'e2']);
      assert.deepEqual(await labels('date=ne2025-01-03&date=lt2025-01-09'), ['e8', 'e7', 'e6', 'e5', 'e4', 'e2', 'e1']);
      assert.deepEqual(await labels('patient=pat-a&date=ge2025-01-04'), ['e7', 'e6', 'e4']);
      assert.deepEqual(await labels('date=sa2025-01-07&date=lt2025-01-09'), ['e8']);
    });

    it('by type, subtype, action, outcome, purpose, entity, _id and break-glass', async () => {
      assert.equal((await labels('type=rest&date=lt2025-01-09')).length, 8);
      assert.equal((await labels('type=http://terminology.hl7.org/CodeSystem/audit-event-type|rest&date=lt2025-01-09')).length, 8);
      assert.deepEqual(await labels('type=http://example.org|rest'), []);
      assert.deepEqual(await labels('subtype=create'), ['e3']);
      assert.deepEqual(await labels('subtype=search-type'), ['e7', 'e2']);
      assert.deepEqual(await labels('action=C,D'), ['e8', 'e3']);
      assert.deepEqual(await labels('outcome=4'), ['e5']);
      assert.deepEqual(await labels('purpose=HRESCH'), ['e7']);
      assert.deepEqual(await labels('entity=Observation/obs1&date=lt2025-01-09'), ['e6', 'e5', 'e1'], 'direct reads (the refused one too)');
      assert.deepEqual(await labels('entity=Observation/obs2'), [], 'a search result is listed in its event, not indexed');
      assert.deepEqual(await labels('entity=Observation/obs9/_history/2'), ['e8']);
      assert.deepEqual(await labels('entity=Patient/pat-b'), ['e7', 'e5', 'e3']);
      assert.deepEqual(await labels('_security=BTG'), ['e6']);
      assert.deepEqual(await labels('_security=BTG&patient=pat-b'), []);
      const [e3] = (await search([['subtype', 'create']])).entry;
      assert.deepEqual(await labels(`_id=${e3.resource.id}`), ['e3']);
    });

    it('reads back exactly the AuditEvent built for each event, its id put in', async () => {
      const stored = (await search([['date', 'lt2025-01-09'], ['_count', '100']])).entry.map((e: any) => e.resource);
      assert.equal(stored.length, EVENTS.length);
      for (const event of stored) {
        const built = buildAuditEvent(EVENTS.find((e) => e.recorded === Date.parse(event.recorded))!, OBSERVER).content;
        assert.equal(JSON.stringify(event), built.replace('{"resourceType":"AuditEvent",', `{"resourceType":"AuditEvent","id":"${event.id}",`), label(event));
      }
    });

    it('reads one AuditEvent by id, with its id, version and fullUrl', async () => {
      const [entry] = (await search([['subtype', 'create']])).entry;
      assert.equal(entry.fullUrl, `http://test.local/fhir/AuditEvent/${entry.resource.id}`);
      const res = await readAuditEvent(request([], { interaction: 'read', id: entry.resource.id }), readContext(db.get()), db.get());
      assert.equal(res.status, 200);
      assert.equal(res.etag, 'W/"1"');
      assert.equal(res.lastModified, day(3));
      assert.deepEqual(body(res), entry.resource);
      await assert.rejects(readAuditEvent(request([], { interaction: 'read', id: '999999999' }), readContext(db.get()), db.get()), { status: 404 });
      await assert.rejects(readAuditEvent(request([], { interaction: 'read', id: 'not-a-number' }), readContext(db.get()), db.get()), { status: 404 });
    });

    for (const [what, query] of [
      ['a patient', 'patient=pager'],
      ['a user name (two indexes merged)', 'agent=pager-user'],
      ['a date range', 'date=ge2025-01-20&date=lt2025-01-21'],
    ]) {
      it(`pages by keyset with next links: ${what}`, async () => {
        const seen: any[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const bundle = await search([...new URLSearchParams(query), ['_count', '10'], ...(cursor ? [['_cursor', cursor] as [string, string]] : [])]);
          pages++;
          seen.push(...(bundle.entry ?? []).map((e: any) => e.resource));
          cursor = nextCursor(bundle);
          if (cursor) assert.match(bundle.link.find((l: any) => l.relation === 'next').url, /_count=10/);
        } while (cursor && pages < 10);
        assert.equal(pages, 3);
        assert.equal(seen.length, 25);
        assert.equal(new Set(seen.map((e) => e.id)).size, 25);
        const keys = seen.map((e) => [Date.parse(e.recorded), Number(e.id)]);
        for (let i = 1; i < keys.length; i++) assert.ok(keys[i - 1][0] > keys[i][0] || (keys[i - 1][0] === keys[i][0] && keys[i - 1][1] > keys[i][1]), `newest first at ${i}`);
      });
    }

    it('answers read, vread and search (also in a Patient compartment), and refuses every write and history with 405', async () => {
      const run = (route: Parameters<typeof request>[1], params: [string, string][] = []) => auditEventInteraction(request(params, route), readContext(db.get()), db.get());
      const inCompartment = body(await run({ interaction: 'search-compartment', compartment: 'Patient', id: 'pat-b' }));
      assert.deepEqual(inCompartment.entry.map((e: any) => label(e.resource)), ['e7', 'e5', 'e3']);
      const id = inCompartment.entry[0].resource.id;
      assert.equal(body(await run({ interaction: 'vread', id, versionId: '1' })).id, id);
      for (const interaction of ['create', 'update', 'patch', 'delete', 'conditional-delete', 'history-instance', 'history-type'] as const) {
        await assert.rejects(run({ interaction, id }), { status: 405 }, interaction);
      }
    });

    it('lists only newest first, and refuses an unknown parameter only when asked to be strict', async () => {
      await assert.rejects(search([['_sort', 'date']]), { status: 400 });
      assert.equal((await search([['colour', 'blue'], ['date', 'lt2025-01-09']])).entry.length, 8);
      await assert.rejects(searchAuditEvents(request([['colour', 'blue']], { prefer: { handling: 'strict' } }), readContext(db.get()), db.get()), { status: 400 });
    });

    if (backend.name === 'sqlite') {
      it('each kind of search reads its page from an index, in order, without sorting', async () => {
        const sql = auditSqlFor('sqlite');
        const plan = async (criteria: Parameters<typeof sql.search>[0]['criteria']) => {
          const q = sql.search({ criteria, limit: 20, after: { recorded: day(30), seq: 1e9 } });
          const rows = await db.get().select({ text: `EXPLAIN QUERY PLAN ${q.text}`, params: q.params });
          return rows.map((r) => String(r.detail)).join('\n');
        };
        const cases: [Parameters<typeof plan>[0], RegExp][] = [
          [[{ kind: 'reference', values: ['Patient/pat-a'] }, { kind: 'recorded', op: 'ge', value: day(2) }], /SEARCH d USING PRIMARY KEY \(reference=\? AND \(recorded,seq\)<\(\?,\?\)|SEARCH d USING PRIMARY KEY \(reference=\?/],
          [[{ kind: 'column', values: [{ column: 'agent', value: 'Practitioner/prac1' }] }, { kind: 'column', values: [{ column: 'client_id', value: 'gp-app' }] }], /USING INDEX audit_event_agent/],
          [[{ kind: 'column', values: [{ column: 'subtype', value: 'read' }] }], /USING INDEX audit_event_subtype/],
          [[{ kind: 'break-glass', value: true }], /USING INDEX audit_event_break_glass/],
          [[{ kind: 'recorded', op: 'ge', value: day(2) }, { kind: 'column', values: [{ column: 'action', value: 'R' }] }], /USING INDEX audit_event_recorded/],
        ];
        for (const [criteria, index] of cases) {
          const text = await plan(criteria);
          assert.match(text, index, text);
          assert.doesNotMatch(text, /TEMP B-TREE/, text);
        }
        const union = await plan([{ kind: 'column', values: [{ column: 'user_name', value: 'x' }, { column: 'client_id', value: 'x' }] }]);
        assert.match(union, /audit_event_user/, union);
        assert.match(union, /audit_event_client/, union);
      });
    }
  });
}
