/**
 * Transaction ingest over HTTP: the Synthea R4 transaction Bundles in ../shared/testdata/synthea,
 * POSTed to a Meridian started in this process on a fresh SQLite file and then on a fresh
 * PostgreSQL database, a few Bundles in flight at once. Prints resources/s and p50/p95 per Bundle.
 *
 *   npm run bench:ingest                                  # all 617 Bundles, both stores
 *   npm run bench:ingest -- --limit 100 --stores sqlite   # fewer
 *
 * Targets (foundation issue, 2-core machine): ≥ 5,000 resources/s on SQLite, ≥ 2,000 on PostgreSQL.
 * The Bundles are decompressed before the clock starts, so the figures are the server's.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { onEachStore, parseStores, type StoreName } from './lib/stores.ts';
import { cpuSince, describeCpu, threadCpu, totalCpu } from './lib/threads.ts';
import { spawnServer } from './lib/child-server.ts';
import { int, loadNote, ms, percentile, verdict } from './lib/stats.ts';
import { printProfile, summarizeProfile } from './lib/profile.ts';

const TARGET: Record<StoreName, number> = { sqlite: 5_000, postgres: 2_000 };
const HELP = `Usage: npm run bench:ingest -- [--limit N] [--stores sqlite,postgres] [--concurrency N] [--profile]

  --limit N          Bundles to post (default: all 617)
  --stores LIST      stores to measure, in order (default sqlite,postgres)
  --concurrency N    Bundles in flight at once, i.e. loading clients (default 4)
  --profile          write CPU profiles of the server's threads (--cpu-prof) and summarise them

Besides resources/s (wall clock, which other work on the machine lowers), it prints the server's
CPU time per resource by thread (Linux): a steadier figure for comparing two versions.`;

const { values } = parseArgs({
  options: {
    limit: { type: 'string' },
    stores: { type: 'string' },
    concurrency: { type: 'string' },
    profile: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const stores = parseStores(values.stores);
const concurrency = Number(values.concurrency ?? 4);
const dir = resolve(process.cwd(), '../shared/testdata/synthea');
const files = readdirSync(dir).filter((f) => f.endsWith('.json.gz')).sort();
const limit = values.limit === undefined ? files.length : Number(values.limit);
if (!Number.isInteger(limit) || limit < 1 || !Number.isInteger(concurrency) || concurrency < 1) {
  console.error(HELP);
  process.exit(2);
}

console.log(`Before starting: ${loadNote()}`);
const prepStart = performance.now();
const bodies = files.slice(0, limit).map((f) => gunzipSync(readFileSync(join(dir, f))));
const mb = bodies.reduce((n, b) => n + b.length, 0) / 1e6;
console.log(`${bodies.length} Synthea transaction Bundles (${int(mb)} MB of JSON) decompressed in ${((performance.now() - prepStart) / 1000).toFixed(1)} s; ${concurrency} in flight`);

interface Result {
  store: StoreName;
  bundles: number;
  resources: number;
  seconds: number;
  latencies: number[];
  failures: string[];
  /** CPU milliseconds the server spent during the run, by thread name (Linux only; empty elsewhere). */
  cpu: Map<string, number>;
  profileDir?: string;
}


async function run(store: StoreName, spec: string): Promise<Result> {
  // the real `meridian serve` in its own process, so that the load generator does not share its event loop
  const profileDir = values.profile ? mkdtempSync(join(tmpdir(), `meridian-prof-ingest-${store}-`)) : undefined;
  const server = await spawnServer(spec, { profileDir });
  const latencies: number[] = [];
  const failures: string[] = [];
  let resources = 0;
  let next = 0;
  const cpuBefore = threadCpu(server.child.pid!);
  const started = performance.now();
  let lastDraw = 0;
  const draw = (final = false) => {
    const now = performance.now();
    if (!final && now - lastDraw < 1000) return;
    lastDraw = now;
    const secs = (now - started) / 1000;
    const line = `  ${store}: ${latencies.length}/${bodies.length} Bundles, ${int(resources)} resources, ${int(resources / secs)} resources/s`;
    process.stderr.write(process.stderr.isTTY ? `\r${line}\x1b[K${final ? '\n' : ''}` : `${line}\n`);
  };
  const worker = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const t0 = performance.now();
      const res = await fetch(server.base, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
        body: bodies[i],
      });
      const text = await res.text();
      latencies.push(performance.now() - t0);
      if (res.ok) resources += (JSON.parse(text) as { entry?: unknown[] }).entry?.length ?? 0;
      else failures.push(`${files[i]}: HTTP ${res.status} ${text.slice(0, 300)}`);
      draw();
    }
  };
  let cpu = new Map<string, number>();
  let seconds = 0;
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    seconds = (performance.now() - started) / 1000;
    cpu = cpuSince(cpuBefore, threadCpu(server.child.pid!));
    draw(true);
    await server.stop();
  }
  return { store, bundles: bodies.length, resources, seconds, latencies, failures, cpu, profileDir };
}

const results: Result[] = [];
await onEachStore(stores, async (name, spec) => {
  results.push(await run(name, spec));
});

console.log('\nstore      Bundles  resources   seconds  resources/s   p50/Bundle  p95/Bundle  failures');
for (const r of results) {
  const rate = r.resources / r.seconds;
  console.log(
    `${r.store.padEnd(9)} ${String(r.bundles).padStart(8)} ${int(r.resources).padStart(10)} ${r.seconds.toFixed(1).padStart(9)} ${int(rate).padStart(12)} ` +
      `${ms(percentile(r.latencies, 50)).padStart(12)} ${ms(percentile(r.latencies, 95)).padStart(11)} ${String(r.failures.length).padStart(9)}` +
      `   ${verdict(rate >= TARGET[r.store])} (≥ ${int(TARGET[r.store])}/s)`,
  );
  for (const f of r.failures.slice(0, 10)) console.log(`  failed: ${f}`);
}
for (const r of results) {
  if (!r.cpu.size || !r.resources) continue;
  // the busiest threads by name (the main thread, the SQLite writer), the rest (GC helpers, libuv) together
  const total = totalCpu(r.cpu);
  console.log(`\n${r.store}: server CPU per resource ${((total * 1000) / r.resources).toFixed(1)} µs: ${describeCpu(r.cpu, r.resources, r.seconds)}`);
}
for (const r of results) {
  if (!r.profileDir) continue;
  for (const file of readdirSync(r.profileDir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    printProfile(`${r.store}: ${file}`, summarizeProfile(join(r.profileDir, file), { lastSeconds: r.seconds, top: 30 }));
  }
  console.log(`\nprofiles kept in ${r.profileDir} (open them in Chrome DevTools › Performance)`);
}
if (results.some((r) => r.failures.length)) process.exitCode = 1;
