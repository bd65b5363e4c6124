/**
 * Audit write throughput (not a test: no assertions). Run:
 *   node --import tsx test/audit/record-bench.ts [sqlite|postgres] [events] [callers]
 * Prints the cost of building one event's record, and for record() — `callers` concurrent callers
 * each awaiting its event, as concurrent HTTP requests do — events/s and main-thread µs per event;
 * then recordInTx, one event per transaction. AUDIT_CONCURRENCY and AUDIT_MAX_BATCH override the
 * group-commit defaults.
 */
import { performance } from 'node:perf_hooks';
import { randomUUID } from 'node:crypto';
import { buildAuditEvent, createAuditLog } from '../../src/audit/index.ts';
import { auditRecord } from '../../src/audit/build.ts';
import { openStore } from '../../src/storage/index.ts';
import { testStores } from '../helpers/stores.ts';
import { access, input } from './fixtures.ts';

const [which = 'sqlite', eventsArg = '60000', callersArg = '128'] = process.argv.slice(2);
const N = Number(eventsArg);
const CALLERS = Number(callersArg);
const backend = testStores().find((s) => s.name === which) ?? (() => { throw new Error(`No test store ${which} (see MERIDIAN_TEST_STORES)`); })();
const OBSERVER = 'https://meridian.example.nhs.uk/fhir';

// realistic sizes: UUID ids, a clinician with an organisation and a token id
const who = access({ fhirUser: `Practitioner/${randomUUID()}`, organization: randomUUID(), tokenId: randomUUID(), clientName: 'Clinical Portal' });
const patients = Array.from({ length: 5000 }, () => randomUUID());
const read = (i: number) => {
  const id = randomUUID();
  return input({ access: who, id, entities: [`Observation/${id}/_history/1`], patients: [patients[i % patients.length]], recorded: Date.now() });
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let t = performance.now();
for (let i = 0; i < 100_000; i++) auditRecord(read(i), OBSERVER);
const sample = buildAuditEvent(read(0), OBSERVER);
console.log(`record: ${(((performance.now() - t) / 100_000) * 1000).toFixed(1)} µs/event (including making its input), ${sample.detail.length} bytes of detail besides the columns (${sample.content.length} bytes of AuditEvent JSON when read)`);

const store = await openStore(await backend.create());
try {
  const tuning = { concurrency: Number(process.env.AUDIT_CONCURRENCY) || undefined, maxBatch: Number(process.env.AUDIT_MAX_BATCH) || undefined };
  const log = createAuditLog(store, { now: () => Date.now(), observer: OBSERVER, ...tuning });
  const rates: number[] = [];
  const costs: number[] = [];
  for (let rep = 0; rep < 3; rep++) {
    let next = 0;
    const elu = performance.eventLoopUtilization();
    t = performance.now();
    await Promise.all(Array.from({ length: CALLERS }, async () => {
      while (next < N) await log.record(read(next++));
    }));
    const seconds = (performance.now() - t) / 1000;
    rates.push(N / seconds);
    costs.push((performance.eventLoopUtilization(elu).active * 1000) / N);
  }
  console.log(`${which} record(), ${CALLERS} callers: ${rates.map((r) => Math.round(r)).join(', ')} events/s (median ${Math.round(median(rates))}); main thread ${median(costs).toFixed(1)} µs/event`);
  const M = Math.min(N / 10, 3000);
  t = performance.now();
  for (let i = 0; i < M; i++) await store.transaction((tx) => log.recordInTx(tx, read(i)));
  console.log(`${which} recordInTx, one event per transaction, one at a time: ${Math.round(M / ((performance.now() - t) / 1000))} events/s`);
  await log.close();
} finally {
  await store.close();
  await backend.cleanup();
}
