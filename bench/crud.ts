/**
 * CRUD over HTTP with concurrent clients (autocannon, loopback only): read by id, create and update
 * of Patients, each for a bounded time, on a fresh store seeded with 1,000 Patients. The server is the
 * real `meridian serve` in a child process, so that the load generator does not share its event loop.
 *
 *   npm run bench:crud                                     # SQLite, 10 s per scenario, 10 connections
 *   npm run bench:crud -- --stores sqlite,postgres --connections 50 --duration 5
 *   npm run bench:crud -- --profile                        # also a CPU profile of the server per scenario
 *
 * Target (foundation issue, 2-core machine): read ≥ 4,000 requests/s with p99 < 10 ms on SQLite.
 */
import autocannon from 'autocannon';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { spawnServer, type ChildServer } from './lib/child-server.ts';
import { printProfile, summarizeProfile } from './lib/profile.ts';
import { onEachStore, parseStores, type StoreName } from './lib/stores.ts';
import { int, loadNote, verdict } from './lib/stats.ts';

const HELP = `Usage: npm run bench:crud -- [options]

  --stores LIST        stores to measure (default sqlite; sqlite,postgres for both)
  --duration S         seconds per scenario (default 10)
  --connections N      concurrent connections (default 10)
  --scenarios LIST     read,create,update (default all three)
  --seed N             Patients created before the scenarios (default 1000)
  --log-level LEVEL    the server's log level (default warn; info logs every request as production would)
  --profile            write a CPU profile of the server per scenario and summarise where the time goes`;

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: 'sqlite' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '10' },
    scenarios: { type: 'string', default: 'read,create,update' },
    seed: { type: 'string', default: '1000' },
    'log-level': { type: 'string', default: 'warn' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const stores = parseStores(values.stores);
const duration = Number(values.duration);
const connections = Number(values.connections);
const seedCount = Number(values.seed);
const scenarios = values.scenarios.split(',') as Scenario[];
if (![duration, connections, seedCount].every((n) => Number.isInteger(n) && n > 0) || !scenarios.every((s) => s === 'read' || s === 'create' || s === 'update')) {
  console.error(HELP);
  process.exit(2);
}
if (duration > 120) throw new Error('--duration is bounded to 120 s per scenario');

type Scenario = 'read' | 'create' | 'update';

/** The i-th valid NHS number in the range never issued to real people (999 000 0000 – 999 999 9999), Modulus 11 check digit. */
function nhsNumber(i: number): string {
  for (let base = 999_000_000 + i * 2; ; base++) {
    const digits = String(base).split('').map(Number);
    const check = 11 - (digits.reduce((sum, d, k) => sum + d * (10 - k), 0) % 11);
    if (check === 10) continue; // no valid number with these nine digits
    return `${base}${check === 11 ? 0 : check}`;
  }
}

function patient(i: number, id?: string): Record<string, unknown> {
  const nhs = nhsNumber(i);
  return {
    resourceType: 'Patient',
    ...(id ? { id } : {}),
    meta: { profile: ['https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient'] },
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhs }],
    active: true,
    name: [{ use: 'official', family: `Bench${i}`, given: ['Alex', 'Sam'], prefix: ['Mx'] }],
    telecom: [{ system: 'phone', value: '01632 960000', use: 'home' }],
    gender: i % 2 ? 'female' : 'male',
    birthDate: `19${String(40 + (i % 60)).padStart(2, '0')}-0${1 + (i % 9)}-1${i % 10}`,
    address: [{ use: 'home', line: [`${i} High Street`], city: 'Leeds', postalCode: 'LS1 4AP', country: 'GB' }],
  };
}

async function seed(base: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < n; start += 500) {
    const entry = Array.from({ length: Math.min(500, n - start) }, (_, k) => ({ resource: patient(start + k), request: { method: 'POST', url: 'Patient' } }));
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: JSON.stringify({ resourceType: 'Bundle', type: 'transaction', entry }) });
    if (!res.ok) throw new Error(`seeding failed: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { entry: { response: { location: string } }[] };
    for (const e of body.entry) ids.push(/Patient\/([^/]+)\//.exec(e.response.location)![1]);
  }
  return ids;
}

interface Measured {
  store: StoreName;
  scenario: Scenario;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  bad: number;
  profile?: string;
}

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)];

function load(base: string, scenario: Scenario, ids: string[], seconds: number): Promise<autocannon.Result> {
  const origin = new URL(base).origin;
  const path = new URL(base).pathname;
  const json = { 'content-type': 'application/fhir+json' };
  const updates = new Map(ids.map((id, i) => [id, JSON.stringify(patient(i, id))]));
  const createBody = JSON.stringify(patient(424242));
  const setup: Record<Scenario, autocannon.Request> = {
    read: { method: 'GET', setupRequest: (r) => ({ ...r, path: `${path}/Patient/${pick(ids)}` }) },
    create: { method: 'POST', path: `${path}/Patient`, headers: json, body: createBody },
    update: {
      method: 'PUT',
      headers: json,
      setupRequest: (r) => {
        const id = pick(ids);
        return { ...r, path: `${path}/Patient/${id}`, body: updates.get(id)! };
      },
    },
  };
  return autocannon({ url: origin, connections, duration: seconds, requests: [setup[scenario]] });
}

async function measure(name: StoreName, spec: string): Promise<Measured[]> {
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'meridian-prof-')) : undefined;
  const out: Measured[] = [];
  let server: ChildServer | undefined = await spawnServer(spec, { logLevel: values['log-level'] });
  try {
    const ids = await seed(server.base, seedCount);
    console.error(`  ${name}: seeded ${ids.length} Patients; warming up`);
    await load(server.base, 'read', ids, 2);
    for (const scenario of scenarios) {
      if (profileDir) {
        // one server per scenario, so that each profile holds one scenario (on the same seeded store)
        await server.stop();
        server = await spawnServer(spec, { logLevel: values['log-level'], profileDir: join(profileDir, scenario) });
        await load(server.base, scenario === 'create' ? 'read' : scenario, ids, 2);
      }
      console.error(`  ${name}: ${scenario}, ${connections} connections, ${duration} s`);
      const r = await load(server.base, scenario, ids, duration);
      out.push({
        store: name,
        scenario,
        rps: r.requests.total / (r.duration || duration),
        p50: r.latency.p50,
        p99: r.latency.p99,
        requests: r.requests.total,
        bad: r.non2xx + r.errors + r.timeouts,
        profile: profileDir && join(profileDir, scenario),
      });
    }
  } finally {
    await server.stop();
  }
  if (profileDir) {
    for (const m of out) {
      const file = readdirSync(m.profile!).find((f) => f.endsWith('.cpuprofile'));
      if (file) printProfile(`${m.store} ${m.scenario}: server CPU profile (last ${duration} s)`, summarizeProfile(join(m.profile!, file), { lastSeconds: duration }));
    }
    console.log(`\nprofiles kept in ${profileDir} (open them in Chrome DevTools › Performance)`);
  }
  return out;
}

console.log(`Before starting: ${loadNote()}`);
const results: Measured[] = [];
await onEachStore(stores, async (name, spec) => {
  results.push(...(await measure(name, spec)));
});

console.log(`\n${connections} connections, ${duration} s per scenario, ${int(seedCount)} seeded Patients`);
console.log('store     scenario   requests/s     p50     p99   requests   non-2xx/errors   (latency in whole ms, as autocannon records it)');
for (const r of results) {
  const target = r.store === 'sqlite' && r.scenario === 'read' ? `   ${verdict(r.rps >= 4000 && r.p99 < 10)} (≥ 4,000/s, p99 < 10 ms)` : '';
  console.log(
    `${r.store.padEnd(9)} ${r.scenario.padEnd(8)} ${int(r.rps).padStart(12)} ${`${r.p50} ms`.padStart(7)} ${`${r.p99} ms`.padStart(7)} ${int(r.requests).padStart(10)} ${String(r.bad).padStart(16)}${target}`,
  );
}
if (results.some((r) => r.bad)) process.exitCode = 1;
