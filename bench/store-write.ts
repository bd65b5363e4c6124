/**
 * Store write throughput: 20,000 Observations (about 1 KB of JSON and 8 index rows each) written
 * in transactions of 300, as a transaction Bundle would, into each store; then each again as an
 * update (read for update, write version 2), as a Bundle of PUTs would. Prints resources/s.
 *
 *   node --import tsx bench/store-write.ts            # both stores (MERIDIAN_TEST_STORES=postgres for one)
 *   BENCH_RESOURCES=50000 BENCH_BATCH=300 node --import tsx bench/store-write.ts
 *
 * PostgreSQL: a scratch database is created on 127.0.0.1:5432 (MERIDIAN_TEST_PG) and dropped after.
 */
import { randomUUID } from 'node:crypto';
import { openStore } from '../src/storage/open.ts';
import type { IndexRows, ResourceStore, StoredVersion } from '../src/storage/types.ts';
import { testStores } from '../test/helpers/stores.ts';

const TOTAL = Number(process.env.BENCH_RESOURCES ?? 20_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 300);
const LOINC = 'http://loinc.org';
const CODES = [
  ['8867-4', 'Heart rate', '/min', 60, 100],
  ['8310-5', 'Body temperature', 'Cel', 36, 38],
  ['9279-1', 'Respiratory rate', '/min', 12, 20],
  ['29463-7', 'Body weight', 'kg', 50, 100],
] as const;

function observation(i: number): { version: StoredVersion; index: IndexRows } {
  const id = randomUUID();
  const patient = `pat-${i % 500}`;
  const [code, display, unit, min, max] = CODES[i % CODES.length];
  const value = Math.round((min + Math.random() * (max - min)) * 10) / 10;
  const effective = Date.UTC(2024, 0, 1) + i * 60_000;
  const lastUpdated = Date.now();
  const resource = {
    resourceType: 'Observation',
    id,
    meta: { versionId: '1', lastUpdated: new Date(lastUpdated).toISOString(), profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Observation'] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' }] }],
    code: { coding: [{ system: LOINC, code, display }, { system: 'http://snomed.info/sct', code: String(364075005 + i % 4), display }], text: display },
    subject: { reference: `Patient/${patient}` },
    encounter: { reference: `Encounter/enc-${i % 2000}` },
    effectiveDateTime: new Date(effective).toISOString(),
    issued: new Date(effective + 300_000).toISOString(),
    performer: [{ reference: 'Practitioner/gp-1', display: 'Dr A Smith' }],
    valueQuantity: { value, unit, system: 'http://unitsofmeasure.org', code: unit },
    interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: 'N', display: 'Normal' }] }],
  };
  return {
    version: { resourceType: 'Observation', id, versionId: 1, lastUpdated, deleted: false, json: JSON.stringify(resource), method: 'POST' },
    index: {
      token: [
        { param: 'status', system: 'http://hl7.org/fhir/observation-status', code: 'final' },
        { param: 'category', system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        { param: 'code', system: LOINC, code, text: display },
      ],
      reference: [
        { param: 'subject', targetType: 'Patient', targetId: patient },
        { param: 'encounter', targetType: 'Encounter', targetId: `enc-${i % 2000}` },
      ],
      date: [{ param: 'date', low: effective, high: effective + 999 }],
      quantity: [{ param: 'value-quantity', system: 'http://unitsofmeasure.org', code: unit, unit, low: value - 0.05, high: value + 0.05, value }],
      compartment: [{ param: 'Patient', compartmentId: patient }],
    },
  };
}

const data = Array.from({ length: TOTAL }, (_, i) => observation(i));
console.log(`${TOTAL} Observations (${Math.round(data.reduce((n, d) => n + d.version.json!.length, 0) / TOTAL)} bytes of JSON, 8 index rows each), transactions of ${BATCH}`);

/** Writes every Observation once, in transactions of BATCH; `update` reads each for update first and writes version 2. */
async function run(store: ResourceStore, update: boolean): Promise<number> {
  const started = process.hrtime.bigint();
  for (let start = 0; start < TOTAL; start += BATCH) {
    await store.transaction(async (tx) => {
      for (const { version, index } of data.slice(start, start + BATCH)) {
        let v = version;
        if (update) {
          const current = await tx.readCurrentForUpdate(version.resourceType, version.id);
          v = { ...version, versionId: current!.versionId + 1, lastUpdated: Date.now(), method: 'PUT' };
        }
        await tx.writeVersion(v, index);
        await tx.appendOutbox({ resourceType: v.resourceType, id: v.id, versionId: v.versionId, event: update ? 'update' : 'create' });
      }
    });
  }
  return TOTAL / (Number(process.hrtime.bigint() - started) / 1e9);
}

for (const backend of testStores()) {
  const store = await openStore(await backend.create());
  try {
    const created = await run(store, false);
    const updated = await run(store, true);
    const rate = (n: number) => Math.round(n).toLocaleString('en-GB').padStart(7);
    console.log(`${backend.name.padEnd(8)} create ${rate(created)} resources/s   read-for-update + update ${rate(updated)} resources/s`);
  } finally {
    await store.close();
    await backend.cleanup();
  }
}
