/**
 * The SQLite store's reader threads (src/storage/sqlite/reader-pool.ts), in process: what a
 * query costs on this thread and through a reader thread (the message round trip and the
 * structured clone of its rows), how long a reader takes to start, and requests/s for
 * concurrent "searches" (a page of 50 resources, then this thread parses and serialises them,
 * as the server does) with 0 (on this thread), 1, 2 and 3 readers.
 *
 *   node --import tsx bench/sqlite-readers.ts                  # 20,000 resources in a scratch file
 *   BENCH_RESOURCES=50000 BENCH_CLIENTS=8 node --import tsx bench/sqlite-readers.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.ts';
import { ReaderPool, type Query } from '../src/storage/sqlite/reader-pool.ts';
import { configure, statementCache } from '../src/storage/sqlite/configure.ts';
import type { StoredVersion } from '../src/storage/types.ts';
import { int, loadNote, percentile } from './lib/stats.ts';

const TOTAL = Number(process.env.BENCH_RESOURCES ?? 20_000);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);

const READ_CURRENT = `SELECT resource_type, id, version_id, last_updated, deleted, content, NULL AS method FROM resources WHERE resource_type = ? AND id = ?`;
const PAGE = `SELECT resource_type, id, version_id, last_updated, content FROM resources WHERE resource_type = 'Observation' AND rid > ? ORDER BY rid LIMIT 50`;
/** About a millisecond of SQLite work for one row: the shape of a search that filters in SQL. */
const FILTER = `SELECT resource_type, id, version_id, last_updated, content FROM resources WHERE resource_type = 'Observation' AND rid > ? AND content LIKE '%"value": 99.9%' LIMIT 1`;

function observation(i: number): StoredVersion {
  const resource = {
    resourceType: 'Observation',
    id: `obs-${i}`,
    status: 'final',
    code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }], text: 'Heart rate' },
    subject: { reference: `Patient/pat-${i % 500}` },
    encounter: { reference: `Encounter/enc-${i % 2000}` },
    effectiveDateTime: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    performer: [{ reference: 'Practitioner/gp-1', display: 'Dr A Smith' }],
    valueQuantity: { value: 60 + (i % 400) / 10, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
    note: [{ text: 'x'.repeat(400) }],
  };
  return { resourceType: 'Observation', id: `obs-${i}`, versionId: 1, lastUpdated: Date.now(), deleted: false, json: JSON.stringify(resource), method: 'POST' };
}

function us(values: number[], p: number): string {
  return `${(percentile(values, p) * 1000).toFixed(0)} µs`;
}

/** Sequential latency of `q` (after a warm-up), p50 and p95. */
async function latency(q: Query, kind: 'get' | 'all', sql: string, params: () => unknown[], n = 2000): Promise<number[]> {
  for (let i = 0; i < 200; i++) await q(kind, sql, params());
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await q(kind, sql, params());
    times.push(performance.now() - t);
  }
  return times;
}

/** CPU time of this (the main) thread so far, ms; Linux only (elsewhere NaN). */
function mainThreadCpu(): number {
  const stat = `/proc/${process.pid}/task/${process.pid}/stat`;
  if (!existsSync(stat)) return NaN;
  const fields = readFileSync(stat, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, at 100 ticks/s
}

/**
 * CLIENTS concurrent loops: run `sql`, then parse every row's content and serialise a Bundle on
 * this thread. Requests/s (needs idle cores to mean anything), and this thread's CPU per request
 * (ms; what caps requests/s when the readers have cores to run on).
 */
async function throughput(q: Query, sql: string): Promise<{ rate: number; mainMs: number }> {
  let done = 0;
  const end = performance.now() + SECONDS * 1000;
  const client = async () => {
    while (performance.now() < end) {
      const rows = (await q('all', sql, [Math.floor(Math.random() * (TOTAL - 100))])) as { content: string }[];
      JSON.stringify({ resourceType: 'Bundle', entry: rows.map((r) => ({ resource: JSON.parse(r.content) })) });
      done++;
    }
  };
  const t0 = performance.now();
  const cpu0 = mainThreadCpu();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { rate: done / ((performance.now() - t0) / 1000), mainMs: (mainThreadCpu() - cpu0) / done };
}

/** Milliseconds from a pool's first query until a reader thread answers one. */
async function startup(path: string, local: Query): Promise<number> {
  let fallbacks = 0;
  const pool = new ReaderPool(path, { size: 1, fallback: (k, s, p) => (fallbacks++, local(k, s, p)), startAfterMs: 0 });
  const t0 = performance.now();
  for (let before = -1; before !== fallbacks; ) {
    before = fallbacks;
    await pool.query('get', 'SELECT 1', []);
    await new Promise((r) => setTimeout(r, 1));
  }
  const ms = performance.now() - t0;
  await pool.close();
  return ms;
}

const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-readers-'));
const path = join(dir, 'bench.db');
try {
  console.log(`Before starting: ${loadNote()}`);
  const setup = new SqliteStore(path, { readers: 0 });
  await setup.migrate();
  for (let i = 0; i < TOTAL; i += 500) {
    await setup.transaction(async (tx) => {
      for (let j = i; j < Math.min(TOTAL, i + 500); j++) await tx.writeVersion(observation(j), {});
    });
  }
  await setup.close();

  const db = new Database(path, { readonly: true });
  configure(db);
  const stmt = statementCache(db);
  const local: Query = async (kind, sql, params) => (kind === 'get' ? stmt(sql).get(...params) : stmt(sql).all(...params));
  const byId = () => ['Observation', `obs-${Math.floor(Math.random() * TOTAL)}`];
  const page = () => [Math.floor(Math.random() * (TOTAL - 100))];

  const starts: number[] = [];
  for (let i = 0; i < 5; i++) starts.push(await startup(path, local));
  console.log(`${TOTAL} Observations of about 1 KB; reader thread start-up (first query → first answer from the thread): ${starts.map((s) => s.toFixed(0)).join(', ')} ms`);

  const pool = new ReaderPool(path, { size: 1, fallback: local });
  await pool.start();
  console.log(`\n${'sequential latency'.padEnd(44)} ${'this thread p50/p95'.padStart(22)} ${'reader thread p50/p95'.padStart(24)}`);
  for (const [name, kind, sql, params] of [
    ['read by id (1 row, ~1 KB)', 'get', READ_CURRENT, byId],
    ['SELECT 1', 'get', 'SELECT 1', () => []],
    ['page of 50 rows (~50 KB)', 'all', PAGE, page],
    ['filter scan (~1 row)', 'all', FILTER, page],
  ] as const) {
    const a = await latency(local, kind, sql, params, sql === FILTER ? 300 : 2000);
    const b = await latency(pool.query, kind, sql, params, sql === FILTER ? 300 : 2000);
    console.log(`${name.padEnd(44)} ${`${us(a, 50)} / ${us(a, 95)}`.padStart(22)} ${`${us(b, 50)} / ${us(b, 95)}`.padStart(24)}`);
  }
  await pool.close();

  console.log(`\n${CLIENTS} concurrent clients, ${SECONDS} s each: query, then JSON.parse every row and serialise a Bundle here: requests/s (main thread's CPU per request)`);
  for (const [name, sql] of [
    ['page of 50 rows', PAGE],
    ['filter scan', FILTER],
  ] as const) {
    const line: string[] = [];
    for (const readers of [0, 1, 2, 3]) {
      let q = local;
      let p: ReaderPool | undefined;
      if (readers > 0) {
        p = new ReaderPool(path, { size: readers, fallback: local });
        // start every reader: keep `readers` queries in flight until all answer from threads
        await p.start();
        q = p.query;
      }
      const { rate, mainMs } = await throughput(q, sql);
      line.push(`${readers} readers ${int(rate)}/s (${mainMs.toFixed(2)} ms)`);
      await p?.close();
    }
    console.log(`${name.padEnd(20)} ${line.join(', ')}`);
  }
  db.close();
  console.log(`After: ${loadNote()}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
