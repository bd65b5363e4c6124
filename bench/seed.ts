/**
 * `meridian seed` throughput: patients/s, resources per patient, resources/s and peak RSS, to
 * files (--out) and into a fresh SQLite store in-process (--into sqlite:). Each run is its own
 * process so peak RSS is the command's own.
 *
 *   node --import tsx bench/seed.ts
 *   BENCH_OUT_PATIENTS=10000 BENCH_SQLITE_PATIENTS=1000 node --import tsx bench/seed.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const OUT_PATIENTS = Number(process.env.BENCH_OUT_PATIENTS ?? 10_000);
const SQLITE_PATIENTS = Number(process.env.BENCH_SQLITE_PATIENTS ?? 1_000);

function run(label: string, args: string[]): void {
  const started = performance.now();
  const out = execFileSync(process.execPath, ['bin/meridian.js', 'seed', '--seed', 'bench', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const wall = (performance.now() - started) / 1000;
  const summary = out.split('\n').find((l) => l.startsWith('Seeded')) ?? out;
  console.log(`${label.padEnd(16)} wall ${wall.toFixed(1)} s  ${summary.replace(/^Seeded /, '')}`);
}

const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-seed-'));
try {
  run(`--out (${OUT_PATIENTS})`, ['--patients', String(OUT_PATIENTS), '--out', join(dir, 'out')]);
  rmSync(join(dir, 'out'), { recursive: true, force: true });
  run(`--out ndjson (${OUT_PATIENTS})`, ['--patients', String(OUT_PATIENTS), '--out', join(dir, 'ndjson'), '--format', 'ndjson']);
  rmSync(join(dir, 'ndjson'), { recursive: true, force: true });
  run(`--into sqlite (${SQLITE_PATIENTS})`, ['--patients', String(SQLITE_PATIENTS), '--into', `sqlite:${join(dir, 'bench.db')}`]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
