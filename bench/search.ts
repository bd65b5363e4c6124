/**
 * Search latency and throughput over HTTP, as the search issue asks: at least 1,000 synthetic
 * patients and at least 200,000 resources. `meridian seed` gives about 63 resources a patient, so
 * 1,000 synthetic UK patients (63k resources, with NHS numbers) are loaded together with the
 * Synthea R4 Bundles in ../shared/testdata/synthea (617 patients, 191k resources, long histories):
 * about 254,000 resources. Then a fixed mix of typical queries (parameters drawn from the loaded
 * data) runs against `meridian serve` in a child process (so the load generator has its own
 * process, as in bench:ingest), printing p50/p95/p99 per query and requests/s for the mix with
 * concurrent clients, per store.
 *
 *   npm run bench:search                                   # both stores, ~254k resources each
 *   npm run bench:search -- --stores sqlite --keep         # keep the loaded store and reuse it next time
 *   npm run bench:search -- --patients 3000 --synthea 0    # synthetic patients only (~190k resources)
 *   npm run bench:search -- --explain                      # and print each query's SQL plan
 *
 * After the first store's mix, the same client runs against a server that only replays some of the
 * mix's responses (bench/lib/replay-server.mjs): the transport floor, the most any server could
 * reach on this machine with responses of those sizes, to read the mix's figure against.
 *
 * Targets (search issue, 2-core machine, ≥ 200k resources): selective token p50 < 5 ms;
 * Observation?patient&_sort=-date&_count=50 p50 < 10 ms; _include/_revinclude p50 < 20 ms;
 * ≥ 2,000 requests/s for the mix on SQLite.
 */
import { execFileSync } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { openStore } from '../src/storage/open.ts';
import { onEachStore, parseStores, type StoreName } from './lib/stores.ts';
import { spawnReplay, spawnServer, type ChildServer } from './lib/child-server.ts';
import { printProfile, summarizeProfile } from './lib/profile.ts';
import { cpuSince, describeCpu, threadCpu, totalCpu } from './lib/threads.ts';
import { int, loadNote, ms, percentile } from './lib/stats.ts';

const HELP = `Usage: npm run bench:search -- [options]

  --patients N     synthetic patients to load (meridian seed, deterministic; default 1000)
  --synthea N      Synthea Bundles to load as well (default all 617)
  --stores LIST    sqlite and/or postgres (default both)
  --requests N     sequential requests per query (default 200)
  --clients N      concurrent clients for the mix (default 8)
  --seconds N      how long the mix runs (default 10)
  --keep           keep the loaded stores (${tmpdir()}/meridian-bench-search.db, database meridian_bench_search) and reuse them next time
  --explain        print each query's SQL and the database's plan for it
  --mix-only       skip the one-query-at-a-time latencies: only the mix (with --keep, to compare two versions quickly)
  --profile        write a CPU profile of the server during the mix and summarise its main thread
  --only TEXT      the mix runs only the queries whose name contains TEXT (to see one query's cost under load)`;

const { values } = parseArgs({
  options: {
    patients: { type: 'string' }, synthea: { type: 'string' }, stores: { type: 'string' }, requests: { type: 'string' },
    clients: { type: 'string' }, seconds: { type: 'string' }, keep: { type: 'boolean' }, explain: { type: 'boolean' }, 'mix-only': { type: 'boolean' }, profile: { type: 'boolean' }, only: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const stores = parseStores(values.stores);
const patients = Number(values.patients ?? 1000);
const requests = Number(values.requests ?? 200);
const clients = Number(values.clients ?? 8);
const seconds = Number(values.seconds ?? 10);
const syntheaDir = resolve(process.cwd(), '../shared/testdata/synthea');
const syntheaFiles = readdirSync(syntheaDir).filter((f) => f.endsWith('.json.gz')).sort().slice(0, values.synthea === undefined ? undefined : Number(values.synthea));

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

interface Sample {
  id: string;
  family: string;
  code: string;
  /** Synthetic patients only. */
  nhs?: string;
}

type Query = { name: string; target?: number; url: (s: Sample, nhs: Sample) => string };
/** The fixed mix (the issue's list); every query runs in turn, one per client request. */
const MIX: Query[] = [
  { name: 'token: Patient?identifier=NHS number', target: 5, url: (_, n) => `Patient?identifier=${NHS}|${n.nhs}` },
  { name: 'string: Patient?name=prefix', url: (s) => `Patient?name=${encodeURIComponent(s.family.slice(0, 3))}` },
  { name: 'date range: Observation?date=1 week', url: () => 'Observation?date=ge2018-01-01&date=lt2018-01-08&_count=50' },
  { name: 'Observation?patient&code&_sort=-date', url: (s) => `Observation?patient=${s.id}&code=${s.code}&_sort=-date` },
  { name: 'Observation?patient&_sort=-date&_count=50', target: 10, url: (s) => `Observation?patient=${s.id}&_sort=-date&_count=50` },
  { name: '_include: Observation→Encounter (50)', target: 20, url: (s) => `Observation?patient=${s.id}&_count=50&_include=Observation:encounter` },
  { name: '_revinclude: Encounter←Observation', target: 20, url: (s) => `Encounter?patient=${s.id}&_count=50&_revinclude=Observation:encounter` },
  { name: 'chain: Observation?encounter.patient.family', url: (s) => `Observation?encounter.patient.family=${encodeURIComponent(s.family)}&_count=50` },
  { name: '_has: Patient?_has:Observation:patient:code', url: (s) => `Patient?_has:Observation:patient:code=${s.code}&_count=50` },
];
/** Measured too, outside the mix: the search features added since the mix was fixed. */
const EXTRA: Query[] = [
  { name: 'type: Observation?_count=50 (no criterion)', url: () => 'Observation?_count=50' },
  { name: 'Observation?_sort=-_lastUpdated&_count=10', url: () => 'Observation?_sort=-_lastUpdated&_count=10' },
  { name: 'unselective token: Observation?status=final', url: () => 'Observation?status=final&_count=10' },
  { name: 'unselective quantity: value-quantity=gt100', url: () => 'Observation?value-quantity=gt100&_count=10' },
  { name: 'unselective date: Encounter?date=ge2015', url: () => 'Encounter?date=ge2015-01-01&_count=10' },
  { name: 'string sort: Patient?_sort=family', url: () => 'Patient?_sort=family&_count=10' },
  { name: 'latest: Observation?_sort=-date&_count=10', url: () => 'Observation?_sort=-date&_count=10' },
  { name: 'latest: category=laboratory&_sort=-date', url: () => 'Observation?category=laboratory&_sort=-date&_count=10' },
  { name: 'latest: Encounter?_sort=-date&_count=10', url: () => 'Encounter?_sort=-date&_count=10' },
  { name: '_content: Condition?_content=word', url: (s) => `Condition?_content=${encodeURIComponent(s.family.slice(0, 4))}*&_count=50` },
  { name: '_content: Observation?_content=phrase', url: () => `Observation?_content=${encodeURIComponent('"body weight"')}&_count=50` },
  { name: 'quantity (UCUM): value-quantity=154|[lb_av]', url: () => `Observation?value-quantity=${encodeURIComponent('154|http://unitsofmeasure.org|[lb_av]')}&_count=50` },
];

async function get(base: string, url: string): Promise<any> {
  const res = await fetch(`${base}/${url}`);
  const text = await res.text();
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/**
 * The mix's load generator, lean so as to leave the (shared) CPUs to the server: node:http over
 * keep-alive connections (one per client), each answer's status checked (anything but 200 stops
 * the run) and its body read to the end but not parsed.
 */
function leanClient(base: string, connections: number): { get: (url: string) => Promise<void>; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const root = new URL(base);
  const get = (url: string) =>
    new Promise<void>((done, fail) => {
      const req = request({ agent, host: root.hostname, port: root.port, path: `${root.pathname}/${url}`, headers: { accept: 'application/fhir+json' } }, (res) => {
        if (res.statusCode !== 200) {
          let text = '';
          res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => fail(new Error(`${url}: HTTP ${res.statusCode} ${text.slice(0, 300)}`)));
          return;
        }
        res.on('end', () => done()).on('error', fail).resume();
      });
      req.on('error', fail).end();
    });
  return { get, close: () => agent.destroy() };
}

/** The synthetic population as transaction Bundles (organisations first), made by `meridian seed`. */
function seedBundles(): Buffer[] {
  if (!patients) return [];
  const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-seed-'));
  try {
    execFileSync(process.execPath, ['bin/meridian.js', 'seed', '--patients', String(patients), '--seed', 'bench', '--out', dir], { stdio: ['ignore', 'ignore', 'ignore'] });
    return readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function load(base: string, bodies: Buffer[]): Promise<number> {
  let next = 0;
  let resources = 0;
  const post = async (body: Buffer) => {
    const res = await fetch(base, { method: 'POST', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: body as unknown as BodyInit });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status} ${text.slice(0, 300)}`);
    resources += (JSON.parse(text) as { entry?: unknown[] }).entry?.length ?? 0;
  };
  await post(bodies[0]); // the organisations (or the first Synthea Bundle) before anything refers to them
  next = 1;
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) await post(bodies[i]);
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  return resources;
}

async function samples(base: string): Promise<{ all: Sample[]; nhs: Sample[] }> {
  const out: Sample[] = [];
  const pick = async (system: string, count: number) => {
    const bundle = await get(base, `Patient?identifier=${encodeURIComponent(`${system}|`)}&_count=${count}&_elements=identifier,name`);
    for (const e of bundle.entry ?? []) {
      const p = e.resource;
      const obs = await get(base, `Observation?patient=${p.id}&_count=1&_elements=code`);
      const code = obs.entry?.[0]?.resource.code?.coding?.[0]?.code;
      const nhs = p.identifier?.find((i: any) => i.system === NHS)?.value;
      if (code && p.name?.[0]?.family) out.push({ id: p.id, family: p.name[0].family, code, nhs });
    }
  };
  await pick(NHS, 100);
  await pick('http://hl7.org/fhir/sid/us-ssn', 100);
  return { all: out, nhs: out.filter((s) => s.nhs) };
}

/** The spec of a kept store, created if need be; undefined for a fresh one. */
async function keptStore(store: StoreName): Promise<string> {
  if (store === 'sqlite') {
    mkdirSync(tmpdir(), { recursive: true });
    return `sqlite:${join(tmpdir(), 'meridian-bench-search.db')}`;
  }
  const admin = process.env.MERIDIAN_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rows } = await client.query(`SELECT 1 FROM pg_database WHERE datname = 'meridian_bench_search'`);
    if (!rows.length) await client.query('CREATE DATABASE meridian_bench_search');
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = '/meridian_bench_search';
  return url.toString();
}

async function countResources(spec: string): Promise<number> {
  const store = await openStore(spec);
  try {
    const rows = await store.select({ text: 'SELECT COUNT(*) AS n FROM resources', params: [] });
    return Number(rows[0].n);
  } finally {
    await store.close();
  }
}

/** Whether the transport floor has been measured (once a run: it does not depend on the store). */
let floorDone = false;

/** `clients` concurrent clients for `seconds`, each request the next query of the mix; requests/s and the server's CPU by thread. */
async function runMix(server: ChildServer, url: (n: number) => string): Promise<{ rate: number; done: number; elapsed: number; spent: Map<string, number> }> {
  let done = 0;
  const end = performance.now() + seconds * 1000;
  const lean = leanClient(server.base, clients);
  const client = async () => {
    for (let i = 0; performance.now() < end; i++) {
      await lean.get(url(done + i));
      done++;
    }
  };
  const started = performance.now();
  const cpu0 = threadCpu(server.child.pid);
  await Promise.all(Array.from({ length: clients }, client)).finally(lean.close);
  const elapsed = (performance.now() - started) / 1000;
  return { rate: done / elapsed, done, elapsed, spent: cpuSince(cpu0, threadCpu(server.child.pid)) };
}

/**
 * The most this code could serve on this machine: the same mix against a server that runs every
 * query on its main thread (`--readers 0`), which spends the least CPU a request (no hand-over to
 * reader threads). If every core did that work and nothing else (no load generator, no
 * coordination), requests/s could not exceed cores ÷ that CPU.
 */
async function ceiling(spec: string, url: (n: number) => string): Promise<void> {
  const server = await spawnServer(spec, { args: ['--dev', '--port', '0', '--readers', '0'] });
  try {
    for (let n = 0; n < 50; n++) await (await fetch(`${server.base}/${url(n)}`)).text(); // warm up
    const one = await runMix(server, url);
    const cpuMs = totalCpu(one.spent) / one.done;
    const cores = availableParallelism();
    console.log(
      `  ceiling: with every query on the main thread (--readers 0) the server spends ${(cpuMs * 1000).toFixed(0)} µs of CPU a request (${int(one.rate)} requests/s); ` +
        `${cores} cores doing only that work could serve at most ${int((cores * 1000) / cpuMs)} requests/s`,
    );
  } finally {
    await server.stop();
  }
}

async function run(store: StoreName, spec: string, bodies: () => Buffer[]): Promise<void> {
  let mixEnded = performance.now();
  let mixUrl: ((n: number) => string) | undefined;
  let summary = '';
  const present = await countResources(spec);
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), `meridian-prof-search-${store}-`)) : undefined;
  let server = await spawnServer(spec, { profileDir });
  try {
    if (present === 0) {
      const t0 = performance.now();
      const all = bodies();
      const resources = await load(server.base, all);
      const s = (performance.now() - t0) / 1000;
      console.log(`\n${store}: loaded ${int(resources)} resources (${patients} synthetic patients, ${syntheaFiles.length} Synthea) in ${s.toFixed(0)} s (${int(resources / s)}/s)`);
      // fresh planner statistics after a bulk load, as `meridian import` and `meridian seed --into` do
      await server.stop();
      const opened = await openStore(spec);
      await opened.optimize();
      await opened.close();
      server = await spawnServer(spec, { profileDir });
    } else console.log(`\n${store}: reusing ${int(present)} resources already loaded (--keep)`);
    const { all, nhs } = await samples(server.base);
    let n = 0;
    const pick = () => all[n++ % all.length];
    const pickNhs = () => nhs[n++ % nhs.length];
    if (!values['mix-only']) console.log(`${'query'.padEnd(46)} ${'p50'.padStart(9)} ${'p95'.padStart(9)} ${'p99'.padStart(9)}  results  CPU/req  target`);
    const missed: string[] = [];
    for (const q of values['mix-only'] ? [] : [...MIX, ...EXTRA]) {
      if (q === EXTRA[0]) console.log('  (not in the mix)');
      const times: number[] = [];
      let matched = 0;
      for (let i = 0; i < 20; i++) await get(server.base, q.url(pick(), pickNhs()));
      const before = threadCpu(server.child.pid);
      for (let i = 0; i < requests; i++) {
        const url = q.url(pick(), pickNhs());
        const t = performance.now();
        const b = await get(server.base, url);
        times.push(performance.now() - t);
        matched += b.entry?.length ?? 0;
      }
      const cpu = totalCpu(cpuSince(before, threadCpu(server.child.pid)));
      const p50 = percentile(times, 50);
      const met = q.target === undefined || p50 < q.target;
      if (!met) missed.push(q.name);
      const target = q.target === undefined ? '' : `p50 < ${q.target} ms: ${met ? 'met' : 'MISSED'}`;
      const cpuMs = cpu ? `${(cpu / requests).toFixed(2)} ms` : '—';
      console.log(`${q.name.padEnd(46)} ${ms(p50).padStart(9)} ${ms(percentile(times, 95)).padStart(9)} ${ms(percentile(times, 99)).padStart(9)} ${String(Math.round(matched / requests)).padStart(8)} ${cpuMs.padStart(9)}  ${target}`);
      if (values.explain) {
        const outcome = await get(server.base, `${q.url(pick(), pickNhs())}&_explain=true`);
        for (const issue of outcome.issue ?? []) console.log(`      ${String(issue.diagnostics).replace(/\n/g, '\n      ')}`);
      }
    }
    const mixed = values.only === undefined ? MIX : MIX.filter((q) => q.name.includes(values.only!));
    if (!mixed.length) throw new Error(`--only ${values.only}: no query of the mix has that in its name`);
    const url = (n: number) => mixed[n % mixed.length].url(pick(), pickNhs());
    mixUrl = url;
    // the responses the floor replays: a few of each query's, in the mix's order
    const replies: string[] = [];
    if (!floorDone) for (let n = 0; n < mixed.length * 10; n++) replies.push(await (await fetch(`${server.base}/${url(n)}`)).text());
    const mix = await runMix(server, url);
    mixEnded = performance.now();
    const verdict = store === 'sqlite' ? ` (target ≥ 2,000: ${mix.rate >= 2000 ? 'met' : 'MISSED'})` : '';
    console.log(`mix of ${mixed.length} queries, ${clients} concurrent clients, ${seconds} s: ${int(mix.rate)} requests/s${verdict}`);
    if (mix.spent.size) console.log(`  server CPU per request ${((totalCpu(mix.spent) * 1000) / mix.done).toFixed(0)} µs: ${describeCpu(mix.spent, mix.done, mix.elapsed)}`);
    if (!floorDone) {
      // the ceiling this machine puts on any server for responses of these sizes (and this load generator)
      floorDone = true;
      const replay = await spawnReplay(replies);
      try {
        const floor = await runMix(replay, url);
        const kb = replies.reduce((n, b) => n + Buffer.byteLength(b), 0) / replies.length / 1024;
        console.log(`  transport floor: a server that only sends the same responses (${kb.toFixed(0)} kB on average) reaches ${int(floor.rate)} requests/s with this client; the mix is ${Math.round((100 * mix.rate) / floor.rate)}% of that`);
      } finally {
        await replay.stop();
      }
    }
    summary = `${store} summary: ${int(mix.rate)} requests/s; latency targets ${missed.length ? `missed: ${missed.join('; ')}` : 'all met'}`;
  } finally {
    await server.stop();
  }
  // the mix ended this long before the server stopped (the transport floor ran in between)
  const endedBefore = (performance.now() - mixEnded) / 1000;
  if (store === 'sqlite' && mixUrl) await ceiling(spec, mixUrl);
  console.log(`${summary}; ${loadNote()}`);
  if (profileDir) {
    const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)); // the main thread's (thread id 0)
    if (file) printProfile(`server main thread during the mix (${seconds} s)`, summarizeProfile(join(profileDir, file), { lastSeconds: seconds, endedBefore, top: 30 }));
    console.log(`profile kept in ${profileDir}`);
  }
}

console.log(`Before starting: ${loadNote()}`);
console.log(`${patients} synthetic patients + ${syntheaFiles.length} Synthea Bundles; ${requests} sequential requests per query after 20 to warm up; mix for ${seconds} s with ${clients} clients`);
let cached: Buffer[] | undefined;
const bodies = () => (cached ??= [...seedBundles(), ...syntheaFiles.map((f) => gunzipSync(readFileSync(join(syntheaDir, f))))]);
if (values.keep) {
  for (const store of stores) {
    const spec = await keptStore(store);
    if (!existsSync(spec.slice('sqlite:'.length)) && store === 'sqlite') console.log(`sqlite: loading into ${spec} (kept)`);
    await run(store, spec, bodies);
  }
} else await onEachStore(stores, (name, spec) => run(name, spec, bodies));
