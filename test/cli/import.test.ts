/** The real `meridian` command, run as a child process: help, usage errors and `meridian import` into a SQLite file. */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { startMeridian, type Client } from '../helpers/server.ts';

const BIN = resolve(process.cwd(), 'bin/meridian.js');
const SYNTHEA = resolve(process.cwd(), '../shared/testdata/synthea');
const NDJSON = resolve(process.cwd(), '../shared/testdata/bulk-ndjson/10-patients');
const dir = mkdtempSync(join(tmpdir(), 'meridian-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function meridian(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { env: { ...process.env, MERIDIAN_STORE: undefined }, maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const SUMMARY = /^(Interrupted: imported|Imported) (\d+) resources from (?:(\d+) of )?(\d+) files? in (\d+(?:\.\d+)?) s \((\d+) resources\/s\); (\d+) failures?(?:; (\d+) files? skipped)?$/m;

function summary(run: Run) {
  const m = SUMMARY.exec(run.stdout);
  assert.ok(m, `no summary line in:\n${run.stdout}\n${run.stderr}`);
  return { resources: Number(m[2]), files: Number(m[4]), seconds: Number(m[5]), rate: Number(m[6]), failures: Number(m[7]), skipped: Number(m[8] ?? 0) };
}

/** Opens the imported file as a server would, reads what the test needs, and closes it again. */
async function withServer<T>(db: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = await startMeridian(`sqlite:${db}`);
  try {
    return await fn(client);
  } finally {
    await client.meridian.close();
  }
}

describe('meridian help and usage', () => {
  for (const args of [['--help'], ['serve', '--help'], ['import', '--help']]) {
    test(`meridian ${args.join(' ')} prints usage and exits 0`, async () => {
      const run = await meridian(...args);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, args.length === 1 ? /^Usage: meridian <command>/m : new RegExp(`^Usage: meridian ${args[0]} `, 'm'));
    });
  }

  test('an unknown command exits 2 and lists the commands', async () => {
    const run = await meridian('frobnicate');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /unknown command "frobnicate"/);
    assert.match(run.stderr, /import +load Bundles/);
  });

  test('import without files, with an unknown option or a missing path exits 2 and says why', async () => {
    const none = await meridian('import', '--store', `sqlite:${join(dir, 'unused.db')}`);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /name at least one file or directory/);
    const option = await meridian('import', '--frobnicate', NDJSON);
    assert.equal(option.code, 2);
    assert.match(option.stderr, /Unknown option '--frobnicate'/);
    const missing = await meridian('import', '--store', `sqlite:${join(dir, 'unused.db')}`, join(dir, 'no-such-file.json'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no-such-file\.json does not exist/);
  });
});

describe('meridian import', () => {
  test('loads three Synthea transaction Bundles (gzip), references rewritten to the new ids', async () => {
    const files = readdirSync(SYNTHEA).filter((f) => f.endsWith('.json.gz')).sort().slice(0, 3).map((f) => join(SYNTHEA, f));
    const bundles = files.map((f) => JSON.parse(gunzipSync(readFileSync(f)).toString('utf8')) as { entry: { resource: { resourceType: string } }[] });
    const expected = bundles.reduce((n, b) => n + b.entry.length, 0);
    const db = join(dir, 'synthea.db');
    const run = await meridian('import', '--store', `sqlite:${db}`, ...files);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const s = summary(run);
    assert.deepEqual({ resources: s.resources, files: s.files, failures: s.failures }, { resources: expected, files: 3, failures: 0 });
    assert.ok(s.seconds > 0 && s.rate > 0, run.stdout);
    assert.match(run.stderr, /\[#+\] 3\/3 files, \d+ resources/, 'a progress line');
    // the planner's statistics are fresh after the load (SQLite keeps none until ANALYZE)
    assert.match(run.stderr, /statistics refreshed in \d/);
    const stats = new Database(db, { readonly: true });
    try {
      assert.ok((stats.prepare(`SELECT COUNT(*) AS n FROM sqlite_stat1 WHERE tbl = 'idx_token'`).get() as { n: number }).n > 0, 'sqlite_stat1 has idx_token');
    } finally {
      stats.close();
    }

    await withServer(db, async (client) => {
      const patients = await client.get('Patient/_history');
      assert.equal(patients.body.total, 3);
      const id = patients.body.entry[0].resource.id;
      const patient = await client.get(`Patient/${id}`);
      assert.equal(patient.status, 200);
      const family = patient.body.name[0].family;
      assert.ok(bundles.some((b) => b.entry.some((e: any) => e.resource.resourceType === 'Patient' && e.resource.name[0].family === family)));
      const observations = await client.get('Observation/_history?_count=1');
      const count = bundles.reduce((n, b) => n + b.entry.filter((e) => e.resource.resourceType === 'Observation').length, 0);
      assert.equal(observations.body.total, count);
      const subject = observations.body.entry[0].resource.subject.reference as string;
      assert.match(subject, /^Patient\/[0-9a-f-]{36}$/, 'urn:uuid references point at the stored Patient');
      assert.equal((await client.get(subject)).status, 200);
    });
  });

  test('loads an NDJSON bulk export directory, keeps ids, resolves conditional references and skips log.ndjson', async () => {
    const ndjson = readdirSync(NDJSON).filter((f) => f.endsWith('.ndjson') && f !== 'log.ndjson');
    const lines = (f: string) => readFileSync(join(NDJSON, f), 'utf8').split('\n').filter((l) => l.trim());
    const expected = ndjson.reduce((n, f) => n + lines(f).length, 0);
    const db = join(dir, 'ndjson.db');
    const run = await meridian('import', '--store', `sqlite:${db}`, NDJSON);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const s = summary(run);
    assert.deepEqual({ resources: s.resources, files: s.files, failures: s.failures, skipped: s.skipped }, { resources: expected, files: ndjson.length, failures: 0, skipped: 1 });
    assert.match(run.stdout, /skipped: .*log\.ndjson: not FHIR NDJSON/);

    const patient = JSON.parse(lines('Patient.000.ndjson')[0]);
    const encounter = JSON.parse(lines('Encounter.000.ndjson')[0]);
    const conditional = encounter.participant[0].individual.reference as string;
    assert.match(conditional, /^Practitioner\?identifier=/, 'the export refers to practitioners by identifier');
    await withServer(db, async (client) => {
      const read = await client.get(`Patient/${patient.id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.name, patient.name);
      const enc = await client.get(`Encounter/${encounter.id}`);
      const resolved = enc.body.participant[0].individual.reference as string;
      assert.match(resolved, /^Practitioner\/[^?]+$/);
      const practitioner = await client.get(resolved);
      assert.equal(practitioner.status, 200);
      assert.equal(`Practitioner?identifier=${practitioner.body.identifier[0].system}|${practitioner.body.identifier[0].value}`, conditional);
    });
  });

  test('reports broken files with their reasons, exits 1, and still loads the good ones (a failed transaction writes nothing)', async () => {
    const broken = join(dir, 'broken');
    const inputs = join(broken, 'in');
    mkdirSync(inputs, { recursive: true });
    writeFileSync(join(inputs, 'a-truncated.json'), '{"resourceType": "Patient", "name": [');
    writeFileSync(join(inputs, 'b-not-gzip.json.gz'), 'plain text');
    const invalid = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'would-be-written' }, request: { method: 'PUT', url: 'Patient/would-be-written' } },
        { resource: { resourceType: 'Patient', birthDate: 'last tuesday' }, request: { method: 'POST', url: 'Patient' } },
      ],
    };
    writeFileSync(join(inputs, 'c-invalid-transaction.json'), JSON.stringify(invalid));
    writeFileSync(join(inputs, 'd-good.json'), JSON.stringify({ resourceType: 'Patient', id: 'good', active: true }));
    writeFileSync(join(inputs, 'e-lines.ndjson'), `${JSON.stringify({ resourceType: 'Patient', id: 'line-1' })}\nnot json\n`);
    const db = join(broken, 'store.db');
    const run = await meridian('import', '--store', `sqlite:${db}`, inputs);
    assert.equal(run.code, 1, run.stdout + run.stderr);
    const s = summary(run);
    assert.deepEqual({ resources: s.resources, files: s.files, failures: s.failures }, { resources: 2, files: 5, failures: 4 });
    assert.match(run.stdout, /failed: .*a-truncated\.json: is not valid JSON/);
    assert.match(run.stdout, /failed: .*b-not-gzip\.json\.gz: is not valid gzip/);
    assert.match(run.stdout, /failed: .*c-invalid-transaction\.json: 422: Bundle\.entry\[1\]: Patient\.birthDate/);
    assert.match(run.stdout, /failed: .*e-lines\.ndjson:2: the line is not valid JSON/);
    await withServer(db, async (client) => {
      assert.equal((await client.get('Patient/good')).status, 200);
      assert.equal((await client.get('Patient/line-1')).status, 200);
      assert.equal((await client.get('Patient/would-be-written')).status, 404, 'the failed transaction wrote nothing');
    });
  });

  test('Ctrl-C stops after the Bundles in flight, exits 130, and leaves exactly what it reports', async () => {
    const db = join(dir, 'interrupted.db');
    const child = spawn(process.execPath, [BIN, 'import', '--store', `sqlite:${db}`, SYNTHEA], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    let signalled = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      // interrupt once some Bundles are in: the first progress line with resources
      if (!signalled && /files, [1-9]\d* resources/.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    assert.equal(code, 130, stdout + stderr);
    const s = summary({ code, stdout, stderr });
    assert.match(stdout, /^Interrupted: imported/m);
    assert.ok(s.resources > 0 && s.resources < 191_093, stdout);
    await withServer(db, async (client) => {
      const all = await client.get('_history?_count=1');
      assert.equal(all.body.total, s.resources, 'every reported resource is stored, and nothing more');
    });
  });
});
