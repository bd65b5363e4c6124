/**
 * The cost of access control and audit: read and search throughput of one `meridian serve` (child
 * process, SQLite, 1,000 patients registered at one GP practice with 5 Observations each), measured
 * in one run for the same requests
 *   - without a token (`--dev` open access; every request still audited),
 *   - with a backend-service token (system/*.rs, obtained by the SMART backend-services flow),
 *   - with a clinician's token (user/*.rs: scopes, care relationship and Consent checks),
 * and, when `--baseline REV` names a commit from before access control (default 88c341b), the same
 * requests against that commit's server, running beside it on the same store file — the unsecured
 * throughput the issue compares with. Callers are measured in interleaved rounds (medians reported),
 * so that a change in the machine's load falls on all of them alike.
 *
 *   npm run bench:access
 *   npm run bench:access -- --duration 10 --connections 10 --baseline none
 *
 * Target (issue 6): read and search with auth and audit ≥ 70% of the unsecured throughput.
 */
import autocannon from 'autocannon';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { spawnServer, type ChildServer } from './lib/child-server.ts';
import { cpuSince, describeCpu, threadCpu, totalCpu } from './lib/threads.ts';
import { printProfile, summarizeProfile } from './lib/profile.ts';
import { int, loadNote, verdict } from './lib/stats.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '10' },
    patients: { type: 'string', default: '1000' },
    baseline: { type: 'string', default: '88c341b' },
    only: { type: 'string' },
    profile: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log(`Usage: npm run bench:access -- [--duration S] [--rounds N] [--connections N] [--patients N] [--baseline REV|none] [--only SCENARIO:CALLER] [--profile]

  --rounds N           measure every caller N times, interleaved, and report medians (default 3)
  --only read:system   one scenario (read|search) for one caller (dev|system|clinician|baseline)
  --profile            write a CPU profile of the server and summarise where the time went (use with --only)`);
  process.exit(0);
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const patients = Number(values.patients);
const PORT = 18000 + Math.floor(Math.random() * 2000);
const BASE = `http://127.0.0.1:${PORT}/fhir`;

function nhsNumber(i: number): string {
  for (let base = 999_000_000 + i * 2; ; base++) {
    const digits = String(base).split('').map(Number);
    const check = 11 - (digits.reduce((sum, d, k) => sum + d * (10 - k), 0) % 11);
    if (check === 10) continue;
    return `${base}${check === 11 ? 0 : check}`;
  }
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<any> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', ...headers }, body: JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** 1,000 patients at one practice, a clinician there, 5 Observations each. */
async function seed(base: string): Promise<string[]> {
  await post(base, {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      { resource: { resourceType: 'Organization', id: 'bench-gp', name: 'Bench Surgery' }, request: { method: 'PUT', url: 'Organization/bench-gp' } },
      { resource: { resourceType: 'Practitioner', id: 'bench-dr', name: [{ family: 'Bench' }] }, request: { method: 'PUT', url: 'Practitioner/bench-dr' } },
      { resource: { resourceType: 'PractitionerRole', id: 'bench-dr-role', practitioner: { reference: 'Practitioner/bench-dr' }, organization: { reference: 'Organization/bench-gp' } }, request: { method: 'PUT', url: 'PractitionerRole/bench-dr-role' } },
    ],
  });
  const ids: string[] = [];
  for (let start = 0; start < patients; start += 100) {
    const entry: unknown[] = [];
    for (let i = start; i < Math.min(patients, start + 100); i++) {
      const id = `bench-p${i}`;
      ids.push(id);
      entry.push({ resource: { resourceType: 'Patient', id, identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber(i) }], name: [{ family: `Bench${i}` }], generalPractitioner: [{ reference: 'Organization/bench-gp' }] }, request: { method: 'PUT', url: `Patient/${id}` } });
      for (let k = 0; k < 5; k++) {
        entry.push({ resource: { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] }, subject: { reference: `Patient/${id}` }, effectiveDateTime: `2026-0${1 + k}-01`, valueQuantity: { value: 60 + k, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' } }, request: { method: 'POST', url: 'Observation' } });
      }
    }
    await post(base, { resourceType: 'Bundle', type: 'transaction', entry }, { prefer: 'return=minimal' });
  }
  return ids;
}

/** A backend-service token by the SMART flow: register a client with a public key, sign an assertion, POST /auth/token. */
async function backendToken(root: string, scope: string): Promise<string> {
  const { publicKey, privateKey } = await generateKeyPair('ES384');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES384' };
  const created = await post(`${root}/admin/clients`, { name: 'bench backend', jwks: { keys: [jwk] }, scope }, { 'content-type': 'application/json' });
  const clientId = String(created.id ?? created.client?.id);
  const tokenUrl = `${root}/auth/token`;
  const assertion = await new SignJWT({ jti: crypto.randomUUID() })
    .setProtectedHeader({ alg: 'ES384', kid: 'bench' })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(tokenUrl)
    .setExpirationTime('4m')
    .sign(privateKey);
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion });
  const res = await fetch(tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form });
  const body = (await res.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`no token: ${JSON.stringify(body)}`);
  return body.access_token;
}

/** A clinician's token: a user at the practice, minted by the operator command `meridian token`. */
async function clinicianToken(root: string, store: string): Promise<string> {
  await post(`${root}/admin/users`, { username: 'dr.bench', password: 'bench bench bench bench', roles: ['clinician'], fhirUser: 'PractitionerRole/bench-dr-role', organization: 'bench-gp' }, { 'content-type': 'application/json' });
  return execFileSync(process.execPath, ['bin/meridian.js', 'token', '--store', store, '--user', 'dr.bench', '--scope', 'user/*.rs', '--base-url', BASE, '--lifetime', '1h'], { encoding: 'utf8' }).trim();
}

type Scenario = 'read' | 'search';
const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)];

async function load(base: string, scenario: Scenario, ids: string[], token: string | undefined, seconds: number, pid?: number) {
  const url = new URL(base);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const request: autocannon.Request =
    scenario === 'read'
      ? { method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `${url.pathname}/Patient/${pick(ids)}` }) }
      : { method: 'GET', headers, setupRequest: (r) => ({ ...r, path: `${url.pathname}/Observation?subject=Patient/${pick(ids)}&_sort=-date&_count=5` }) };
  const cpu0 = threadCpu(pid);
  const r = await autocannon({ url: url.origin, connections, duration: seconds, requests: [request] });
  const spent = cpuSince(cpu0, threadCpu(pid));
  if (process.env.BENCH_THREADS && spent.size) console.error(`    server CPU per request: ${describeCpu(spent, r.requests.total, r.duration || seconds)}`);
  // the server's CPU per request (every thread: HTTP, access, audit writer): robust to the load generator sharing the cores
  const cpu = spent.size ? (totalCpu(spent) * 1000) / r.requests.total : undefined;
  return { rps: r.requests.total / (r.duration || seconds), p50: r.latency.p50, p99: r.latency.p99, bad: r.non2xx + r.errors + r.timeouts, cpu };
}

/** A worktree of `rev` with this checkout's node_modules, for the unsecured baseline. */
function baselineRoot(rev: string): string | undefined {
  if (rev === 'none') return undefined;
  const dir = join(tmpdir(), `meridian-baseline-${rev}`);
  if (!existsSync(dir)) {
    const made = spawnSync('git', ['worktree', 'add', '--detach', dir, rev], { encoding: 'utf8' });
    if (made.status !== 0) {
      console.error(`  (no baseline: git worktree add ${rev} failed: ${made.stderr.trim()})`);
      return undefined;
    }
    symlinkSync(resolve('node_modules'), join(dir, 'node_modules'));
  }
  return dir;
}

const only = values.only;
// the load before this run starts (at the end, the average counts the run itself)
const loadBefore = loadNote();
const rounds = Number(values.rounds);
const profileDir = values.profile ? mkdtempSync(join(tmpdir(), 'meridian-prof-access-')) : undefined;
type Sample = { rps: number; p50: number; p99: number; bad: number; cpu?: number };
const rows: { who: string; scenario: Scenario; samples: Sample[] }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'meridian-bench-access-'));
const store = `sqlite:${join(dir, 'bench.db')}`;
const servers: ChildServer[] = [];
try {
  const server = await spawnServer(store, { args: ['--dev', '--port', String(PORT), '--base-url', BASE, '--rate-limit', '0'], profileDir: only?.endsWith(':baseline') ? undefined : profileDir });
  servers.push(server);
  const root = new URL(BASE).origin;
  console.error(`seeding ${patients} patients with 5 Observations each…`);
  const ids = await seed(server.base);
  const system = await backendToken(root, 'system/*.rs');
  const clinician = await clinicianToken(root, store);
  // the baseline serves the same store file at the same time, from its own process (it only reads; its schema ignores the newer tables)
  const root0 = only && !only.endsWith(':baseline') ? undefined : baselineRoot(values.baseline);
  const baseline = root0 ? await spawnServer(store, { root: root0, args: ['--dev', '--port', String(PORT + 1)], profileDir: only ? profileDir : undefined }) : undefined;
  if (baseline) servers.push(baseline);
  const callers: [string, string, ChildServer, string | undefined][] = [
    ['dev', '--dev, no token (open, audited)', server, undefined],
    ['system', 'backend service token', server, system],
    ['clinician', 'clinician token', server, clinician],
    ...(baseline ? [['baseline', `baseline ${values.baseline} (no access control, no audit)`, baseline, undefined] as [string, string, ChildServer, undefined]] : []),
  ];
  for (const s of servers) await load(s.base, 'read', ids, undefined, 2); // warm up
  // rounds interleave the callers, so that a change in the machine's load falls on all of them alike; each figure is the median of its rounds
  for (let round = 1; round <= rounds; round++) {
    for (const scenario of ['read', 'search'] as Scenario[]) {
      for (const [short, who, target, token] of callers) {
        if (only && only !== `${scenario}:${short}`) continue;
        console.error(`  round ${round}/${rounds} ${scenario}: ${who}, ${connections} connections, ${duration} s`);
        let row = rows.find((r) => r.who === who && r.scenario === scenario);
        if (!row) rows.push((row = { who, scenario, samples: [] }));
        row.samples.push(await load(target.base, scenario, ids, token, duration, target.child.pid));
      }
    }
  }
} finally {
  for (const s of servers) await s.stop();
  rmSync(dir, { recursive: true, force: true });
}
if (profileDir) {
  const file = readdirSync(profileDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)); // the main thread's (thread id 0)
  if (file) printProfile(`server CPU profile (last ${duration} s)`, summarizeProfile(join(profileDir, file), { lastSeconds: duration }));
  console.log(`profile kept in ${profileDir}`);
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const summary = rows.map(({ who, scenario, samples }) => ({
  who,
  scenario,
  rps: median(samples.map((x) => x.rps)),
  p50: median(samples.map((x) => x.p50)),
  p99: median(samples.map((x) => x.p99)),
  bad: samples.reduce((n, x) => n + x.bad, 0),
  cpu: samples.every((x) => x.cpu !== undefined) ? median(samples.map((x) => x.cpu!)) : undefined,
  spread: samples.map((x) => int(x.rps)).join(' / '),
}));

console.log(`\nAccess control and audit cost — SQLite, ${patients} patients, ${connections} connections, ${rounds} round${rounds > 1 ? 's' : ''} of ${duration} s (medians; before starting: ${loadBefore})`);
console.log('scenario  caller                                              req/s    p50 ms  p99 ms  non-2xx  server CPU µs/req  req/s by round');
for (const r of summary) console.log(`${r.scenario.padEnd(9)} ${r.who.padEnd(50)} ${int(r.rps).padStart(8)} ${String(r.p50).padStart(8)} ${String(r.p99).padStart(7)} ${String(r.bad).padStart(8)}  ${r.cpu === undefined ? '—' : r.cpu.toFixed(0).padStart(17)}  ${r.spread}`);
for (const scenario of ['read', 'search'] as Scenario[]) {
  const dev = summary.find((r) => r.scenario === scenario && r.who.startsWith('--dev'));
  if (!dev) continue;
  const baseline = summary.find((r) => r.scenario === scenario && r.who.startsWith('baseline'));
  for (const r of summary.filter((x) => x.scenario === scenario && x.who.includes('token') && !x.who.startsWith('--dev'))) {
    // the cost of enforcement: the same server and requests without a token (--dev, still audited)
    const vsDev = r.rps / dev.rps;
    console.log(`${scenario}: ${r.who} = ${(vsDev * 100).toFixed(0)}% of --dev without a token (enforcement only; both audited) ${verdict(vsDev >= 0.7)}`);
    // the cost of enforcement and audit: the code from before access control
    if (baseline) {
      const ratio = r.rps / baseline.rps;
      console.log(`${scenario}: ${r.who} = ${(ratio * 100).toFixed(0)}% of ${baseline.who} (enforcement and audit) ${verdict(ratio >= 0.7)} (target ≥ 70%)`);
    }
  }
}
