/** A seeded population loads into Meridian with every write validated, and the CLI writes files. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { startMeridian, type Client } from '../helpers/server.ts';
import { population, transactionBundle } from '../../src/synth/generate.ts';
import { seedDemo } from '../../src/synth/demo.ts';

describe('loading a seeded population', () => {
  let dir: string;
  let client: Client;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-seed-'));
    client = await startMeridian(`sqlite:${join(dir, 'seed.db')}`);
  });
  after(async () => {
    await client.meridian.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('posts 20 patients as transaction Bundles over HTTP with zero failures', async () => {
    const pop = population({ patients: 20, seed: 'load' });
    const bundles = [transactionBundle(pop.directory.resources), ...[...pop.records()].map((r) => transactionBundle(r.resources))];
    for (const b of bundles) {
      const res = await client.post('', b);
      assert.equal(res.status, 200, res.text.slice(0, 500));
    }
    const found = await client.get('Patient?_summary=count');
    assert.ok(found.status === 200);
  });

  it('seeds a demo population in-process through the interactions', async () => {
    const summary = await seedDemo(client.meridian.ctx, { patients: 5 });
    assert.deepEqual(summary.failures, []);
    assert.ok(summary.resources > 5 * 10);
  });
});

describe('meridian seed --out', () => {
  it('writes identical files for the same seed, as Bundles or NDJSON', () => {
    const base = mkdtempSync(join(tmpdir(), 'meridian-seed-out-'));
    try {
      const run = (out: string, ...extra: string[]) => execFileSync(process.execPath, ['bin/meridian.js', 'seed', '--patients', '15', '--seed', 'cli', '--out', join(base, out), ...extra], { stdio: 'pipe' });
      run('a');
      run('b');
      const files = readdirSync(join(base, 'a'));
      assert.equal(files.length, 16);
      assert.equal(files[0], '0-organisations.json');
      for (const f of files) assert.ok(readFileSync(join(base, 'a', f)).equals(readFileSync(join(base, 'b', f))), f);
      run('n', '--format', 'ndjson');
      const ndjson = readdirSync(join(base, 'n'));
      assert.ok(ndjson.includes('Patient.ndjson') && ndjson.includes('Organization.ndjson'));
      const patients = readFileSync(join(base, 'n', 'Patient.ndjson'), 'utf8').trim().split('\n');
      assert.ok(patients.length >= 15);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
