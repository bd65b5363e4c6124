/** $access-log: who accessed a patient's record, in plain words, newest first, paged — through the operation. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createAuditLog } from '../../src/audit/index.ts';
import { accessLogOperation } from '../../src/operations/access-log.ts';
import { OPERATIONS } from '../../src/operations/index.ts';
import type { InteractionContext } from '../../src/interactions/types.ts';
import type { ResourceStore } from '../../src/storage/index.ts';
import { testStores } from '../helpers/stores.ts';
import { access, body, freshStore, input, nextCursor, OBSERVER, readContext, request } from './fixtures.ts';

const at = (day: number, hour = 9) => Date.UTC(2025, 2, day, hour, 5);
const SUMMARY = 'http://meridian.nhs.uk/fhir/StructureDefinition/access-log-summary';

const RESOURCES = [
  { resourceType: 'Patient', id: 'pat1', name: [{ given: ['Amira'], family: 'Khan' }] },
  { resourceType: 'Patient', id: 'pat2', name: [{ given: ['Other'], family: 'Person' }] },
  { resourceType: 'Organization', id: 'org1', name: 'Leeds Teaching Hospitals NHS Trust' },
  { resourceType: 'Organization', id: 'org2', name: 'Park Lane Surgery' },
  { resourceType: 'Practitioner', id: 'prac1', name: [{ prefix: ['Dr'], given: ['Jane'], family: 'Smith' }] },
  { resourceType: 'Practitioner', id: 'prac2', name: [{ text: 'Dr Alan Jones' }] },
  { resourceType: 'PractitionerRole', id: 'role1', practitioner: { reference: 'Practitioner/prac1' }, organization: { reference: 'Organization/org2' }, code: [{ text: 'GP' }] },
];

async function store(db: ResourceStore, resources: Record<string, unknown>[]): Promise<void> {
  await db.transaction(async (tx) => {
    for (const r of resources) {
      await tx.writeVersion({ resourceType: String(r.resourceType), id: String(r.id), versionId: 1, lastUpdated: at(1), deleted: false, json: JSON.stringify(r), method: 'PUT' }, {});
    }
  });
}

const observations = (n: number) => Array.from({ length: n }, (_, i) => `Observation/o${i}/_history/1`);

/** What happened to pat1 (and once to pat2), oldest first. */
const HISTORY = [
  input({ access: access({ fhirUser: 'PractitionerRole/role1', organization: undefined }), interaction: 'search-type', id: undefined, query: 'patient=pat1', patients: ['pat1'], entities: observations(12), recorded: at(3) }),
  input({ access: access({ fhirUser: 'Practitioner/prac2', userName: 'ajones', clientName: 'Emergency Department System', organization: 'org1' }), patients: ['pat1'], breakGlass: { reason: 'Unconscious on arrival in A&E' }, recorded: at(4) }),
  input({ access: access(), interaction: 'update', method: 'PUT', resourceType: 'AllergyIntolerance', id: 'al1', patients: ['pat1'], entities: ['AllergyIntolerance/al1/_history/2'], recorded: at(5) }),
  input({ access: access({ fhirUser: 'Patient/pat1', userName: 'amira', clientName: 'NHS App', organization: undefined, roles: new Set(['patient']) }), resourceType: 'Patient', id: 'pat1', patients: ['pat1'], entities: ['Patient/pat1/_history/1'], recorded: at(6) }),
  input({ access: access({ fhirUser: undefined, userName: undefined, organization: undefined, clientId: 'research-export', clientName: 'Research export', purposeOfUse: 'HRESCH' }), interaction: 'search-type', id: undefined, patients: ['pat1'], entities: observations(2), recorded: at(7) }),
  input({ access: access({ fhirUser: 'Practitioner/unknown', userName: 'locum1', organization: undefined }), patients: ['pat1'], entities: [], status: 403, message: 'No legitimate relationship', recorded: at(8) }),
  input({ access: access(), patients: ['pat2'], recorded: at(9) }),
];

for (const backend of testStores()) {
  describe(`$access-log: ${backend.name}`, () => {
    const db = freshStore(backend);
    /** Patients the operation asked access control about (it decides who may see a patient's log). */
    const checked: string[] = [];
    const guard = { checkPatient: async (_ctx: unknown, _db: unknown, id: string) => void checked.push(id) };
    const ctx = () => ({ ...readContext(db.get()), guard, audit: { flush: async () => undefined } }) as unknown as InteractionContext;
    const run = async (params: [string, string][] = [], id = 'pat1') =>
      body(await accessLogOperation.run(request(params, { interaction: 'operation', operation: 'access-log', resourceType: 'Patient', id }), ctx(), db.get()));
    const texts = (bundle: any) => (bundle.entry ?? []).map((e: any) => e.resource.text.div.replace(/<[^>]+>/g, ''));

    before(async () => {
      await store(db.get(), RESOURCES);
      const audit = createAuditLog(db.get(), { now: () => Date.now(), observer: OBSERVER });
      for (const e of HISTORY) await audit.record(e);
      await audit.close();
    });

    it('is registered as a GET operation on a Patient instance', () => {
      const op = OPERATIONS.find((o) => o.name === 'access-log');
      assert.ok(op && op.instance && !op.type && !op.system && !op.affectsState);
    });

    it('lists every access to this patient, newest first, each in plain words', async () => {
      const bundle = await run();
      assert.equal(bundle.resourceType, 'Bundle');
      assert.equal(bundle.type, 'searchset');
      assert.deepEqual(texts(bundle), [
        '8 March 2025 at 09:05: A clinician, using GP Record Viewer, tried to view 1 test result or observation for direct care, but was refused.',
        '7 March 2025 at 09:05: The system &quot;Research export&quot; viewed 2 test results and observations for research.',
        '6 March 2025 at 09:05: You, using NHS App, viewed your personal details.',
        '5 March 2025 at 09:05: Dr Jane Smith from Leeds Teaching Hospitals NHS Trust, using GP Record Viewer, updated your allergy list for direct care.',
        '4 March 2025 at 09:05: Dr Alan Jones from Leeds Teaching Hospitals NHS Trust, using Emergency Department System, viewed 1 test result or observation using emergency access (break-glass). The reason they gave: &quot;Unconscious on arrival in A&amp;E&quot;.',
        '3 March 2025 at 09:05: Dr Jane Smith (GP) from Park Lane Surgery, using GP Record Viewer, viewed 12 test results and observations for direct care.',
      ]);
      assert.equal(checked.at(-1), 'pat1', 'access control is asked first');
      for (const e of bundle.entry) {
        assert.equal(e.resource.resourceType, 'AuditEvent');
        assert.equal(e.fullUrl, `http://test.local/fhir/AuditEvent/${e.resource.id}`);
        assert.equal(e.resource.text.status, 'generated');
      }
    });

    it('gives each summary in parts, break-glass reason included', async () => {
      const bundle = await run();
      const parts = (e: any) => Object.fromEntries(e.resource.extension.find((x: any) => x.url === SUMMARY).extension.map((x: any) => [x.url, x.valueString]));
      const glass = parts(bundle.entry[4]);
      assert.deepEqual(glass, {
        when: '4 March 2025 at 09:05',
        who: 'Dr Alan Jones',
        organisation: 'Leeds Teaching Hospitals NHS Trust',
        purpose: 'emergency access (break-glass)',
        what: 'viewed 1 test result or observation',
        breakGlassReason: 'Unconscious on arrival in A&E',
      });
      assert.equal(parts(bundle.entry[1]).purpose, 'research');
      assert.deepEqual([parts(bundle.entry[0]).who, parts(bundle.entry[0]).what], ['A clinician', 'tried to view 1 test result or observation, but was refused']);
    });

    it('pages with _count and next links, and filters by date', async () => {
      const first = await run([['_count', '4']]);
      assert.equal(first.entry.length, 4);
      const cursor = nextCursor(first);
      assert.ok(cursor);
      assert.match(first.link.find((l: any) => l.relation === 'next').url, /^http:\/\/test\.local\/fhir\/Patient\/pat1\/\$access-log\?_count=4&_cursor=/);
      const second = await run([['_count', '4'], ['_cursor', cursor!]]);
      assert.equal(second.entry.length, 2);
      assert.equal(nextCursor(second), undefined);
      assert.deepEqual([...first.entry, ...second.entry].map((e: any) => e.resource.recorded), [8, 7, 6, 5, 4, 3].map((d) => new Date(at(d)).toISOString()));
      const march5to6 = await run([['date', 'ge2025-03-05'], ['date', 'lt2025-03-07']]);
      assert.deepEqual(march5to6.entry.map((e: any) => e.resource.recorded), [6, 5].map((d) => new Date(at(d)).toISOString()));
    });

    it('shows another patient only their own accesses, and 404 for a patient not known', async () => {
      const other = await run([], 'pat2');
      assert.equal(other.entry.length, 1);
      assert.match(texts(other)[0], /^9 March 2025/);
      await assert.rejects(run([], 'nobody'), { status: 404 });
      await assert.rejects(run([['patient', 'pat2']]), { status: 400 });
    });
  });
}
