/**
 * Search latency and throughput over HTTP: loads Synthea R4 transaction Bundles from
 * ../shared/testdata/synthea into a fresh SQLite file and a fresh PostgreSQL database, then runs a
 * fixed mix of typical queries (parameters drawn from the loaded data) and prints p50/p95/p99 per
 * query and requests/s for the mix with concurrent clients.
 *
 *   npm run bench:search                                          # 200 patients, both stores
 *   npm run bench:search -- --patients 617 --stores sqlite        # all of them (~191k resources)
 *
 * Targets (search issue, 2-core machine, ≥ 200k resources): token p50 < 5 ms;
 * Observation?patient&_sort=-date&_count=50 p50 < 10 ms; _include/_revinclude p50 < 20 ms;
 * ≥ 2,000 requests/s for the mix on SQLite.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { onEachStore, parseStores, type StoreName } from './lib/stores.ts';
import { startServer } from './lib/server.ts';
import { int, ms, percentile } from './lib/stats.ts';

const { values } = parseArgs({
  options: { patients: { type: 'string' }, stores: { type: 'string' }, requests: { type: 'string' }, clients: { type: 'string' }, seconds: { type: 'string' } },
});
const stores = parseStores(values.stores);
const patients = Number(values.patients ?? 200);
const requests = Number(values.requests ?? 200);
const clients = Number(values.clients ?? 8);
const seconds = Number(values.seconds ?? 5);
const dir = resolve(process.cwd(), '../shared/testdata/synthea');
const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort().slice(0, patients);
const bodies = files.map((f) => gunzipSync(readFileSync(join(dir, f))));

interface Sample {
  id: string;
  family: string;
  ssn: string;
  code: string;
}

type Query = { name: string; target?: number; url: (s: Sample) => string };
const QUERIES: Query[] = [
  { name: 'token: Patient?identifier=ssn', target: 5, url: (s) => `Patient?identifier=http://hl7.org/fhir/sid/us-ssn|${s.ssn}` },
  { name: 'string: Patient?name=prefix', url: (s) => `Patient?name=${encodeURIComponent(s.family.slice(0, 3))}` },
  { name: 'date range: Observation?date=1 week', url: () => 'Observation?date=ge2018-01-01&date=lt2018-01-08&_count=50' },
  { name: 'Observation?patient&code&_sort=-date', url: (s) => `Observation?patient=${s.id}&code=${s.code}&_sort=-date` },
  { name: 'Observation?patient&_sort=-date&_count=50', target: 10, url: (s) => `Observation?patient=${s.id}&_sort=-date&_count=50` },
  { name: '_include: Observation→Encounter (50)', target: 20, url: (s) => `Observation?patient=${s.id}&_count=50&_include=Observation:encounter` },
  { name: '_revinclude: Encounter←Observation', target: 20, url: (s) => `Encounter?patient=${s.id}&_count=50&_revinclude=Observation:encounter` },
  { name: 'chain: Observation?encounter.patient.family', url: (s) => `Observation?encounter.patient.family=${encodeURIComponent(s.family)}&_count=50` },
  { name: '_has: Patient?_has:Observation:patient:code', url: (s) => `Patient?_has:Observation:patient:code=${s.code}&_count=50` },
];

async function get(base: string, url: string): Promise<any> {
  const res = await fetch(`${base}/${url}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

async function load(base: string): Promise<number> {
  let next = 0;
  let resources = 0;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: bodies[i] });
      const text = await res.text();
      if (!res.ok) throw new Error(`${files[i]}: HTTP ${res.status} ${text.slice(0, 300)}`);
      resources += (JSON.parse(text) as { entry?: unknown[] }).entry?.length ?? 0;
    }
  };
  await Promise.all([worker(), worker()]);
  return resources;
}

async function samples(base: string): Promise<Sample[]> {
  const out: Sample[] = [];
  const bundle = await get(base, 'Patient?_count=100&_elements=identifier,name');
  for (const e of bundle.entry ?? []) {
    const p = e.resource;
    const ssn = p.identifier?.find((i: any) => i.system === 'http://hl7.org/fhir/sid/us-ssn')?.value;
    const obs = await get(base, `Observation?patient=${p.id}&_count=1&_elements=code`);
    const code = obs.entry?.[0]?.resource.code?.coding?.[0]?.code;
    if (ssn && code && p.name?.[0]?.family) out.push({ id: p.id, family: p.name[0].family, ssn, code });
  }
  return out;
}

async function run(store: StoreName, spec: string): Promise<void> {
  const server = await startServer(spec);
  try {
    const t0 = performance.now();
    const resources = await load(server.base);
    console.log(`\n${store}: loaded ${bodies.length} patients, ${int(resources)} resources in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const picks = await samples(server.base);
    let n = 0;
    const pick = () => picks[n++ % picks.length];
    console.log(`${'query'.padEnd(46)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)}  results  target`);
    for (const q of QUERIES) {
      const times: number[] = [];
      let matched = 0;
      for (let i = 0; i < 20; i++) await get(server.base, q.url(pick()));
      for (let i = 0; i < requests; i++) {
        const t = performance.now();
        const b = await get(server.base, q.url(pick()));
        times.push(performance.now() - t);
        matched += b.entry?.length ?? 0;
      }
      const p50 = percentile(times, 50);
      const target = q.target === undefined ? '' : `p50 < ${q.target} ms: ${p50 < q.target ? 'met' : 'MISSED'}`;
      console.log(`${q.name.padEnd(46)} ${ms(p50).padStart(9)} ${ms(percentile(times, 95)).padStart(9)} ${ms(percentile(times, 99)).padStart(9)} ${String(Math.round(matched / requests)).padStart(8)}  ${target}`);
    }
    let done = 0;
    const end = performance.now() + seconds * 1000;
    const client = async () => {
      for (let i = 0; performance.now() < end; i++) {
        await get(server.base, QUERIES[(done + i) % QUERIES.length].url(pick()));
        done++;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, client));
    const rate = done / ((performance.now() - started) / 1000);
    console.log(`mix with ${clients} concurrent clients: ${int(rate)} requests/s${store === 'sqlite' ? ` (target ≥ 2,000: ${rate >= 2000 ? 'met' : 'MISSED'})` : ''}`);
  } finally {
    await server.close();
  }
}

console.log(`${bodies.length} Synthea patients; ${requests} sequential requests per query after 20 to warm up; mix for ${seconds} s`);
await onEachStore(stores, (name, spec) => run(name, spec));
