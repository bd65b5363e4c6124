/** `meridian validate`, run as a child process on files written here. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';

const BIN = resolve(process.cwd(), 'bin/meridian.js');
const dir = mkdtempSync(join(tmpdir(), 'meridian-validate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function meridian(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, 'validate', ...args], { maxBuffer: 16 << 20 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const good = join(dir, 'good.json');
const bad = join(dir, 'bad.json');
writeFileSync(good, JSON.stringify({ resourceType: 'Patient', active: true }));
writeFileSync(bad, JSON.stringify({ resourceType: 'Patient', birthDate: '1990-13-45', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9912003890' }] }));

describe('meridian validate', () => {
  test('exits 0 for a valid file and says so', async () => {
    const run = await meridian(good);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /good\.json: valid/);
  });

  test('exits 1 and prints each error with its location', async () => {
    const run = await meridian(dir);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /bad\.json: 2 errors/);
    assert.match(run.stdout, /Patient\.birthDate/);
    assert.match(run.stdout, /Patient\.identifier\[0\]\.value: .*NHS number/);
    assert.match(run.stdout, /2 files checked: 1 with errors/);
  });

  test('--format json prints one OperationOutcome per file, one line each', async () => {
    const run = await meridian(bad, good, '--format', 'json');
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.ok(lines.every((o) => o.resourceType === 'OperationOutcome'));
    assert.equal(lines[0].extension[0].valueString, bad);
    assert.ok(lines[0].issue.some((i: any) => i.severity === 'error' && i.expression[0] === 'Patient.birthDate'));
  });

  test('--profile checks against a UK Core profile; an unknown profile or missing file is a usage error (exit 2)', async () => {
    const run = await meridian(good, '--profile', 'https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient');
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.equal((await meridian(good, '--profile', 'http://example.org/none')).code, 2);
    assert.equal((await meridian(join(dir, 'missing.json'))).code, 2);
  });

  test('--package loads a profile from a single resource file', async () => {
    const profile = join(dir, 'profile.json');
    writeFileSync(
      profile,
      JSON.stringify({
        resourceType: 'StructureDefinition', url: 'http://example.org/fhir/StructureDefinition/active-patient', name: 'ActivePatient', status: 'active', kind: 'resource', abstract: false, type: 'Patient',
        baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Patient', derivation: 'constraint',
        differential: { element: [{ id: 'Patient.gender', path: 'Patient.gender', min: 1 }] },
      }),
    );
    const run = await meridian(good, '--package', profile, '--profile', 'http://example.org/fhir/StructureDefinition/active-patient');
    assert.equal(run.code, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /gender/);
  });
});
