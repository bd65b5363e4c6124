import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildUkCorePackage, UKCORE_PACKAGE_NAME } from '../../scripts/build-ukcore-package.ts';
import { addPackage, ConformanceRegistry, loadPackage, UKCORE_PACKAGE_DIR } from '../../src/validation/index.ts';
import { TESTDATA, testDefinitions, UKCORE } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'meridian-packages-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('the UK Core package build', () => {
  const out = join(tmp, 'uk-core');
  const { files, version } = buildUkCorePackage(join(TESTDATA, 'ukcore/conformance'), out);

  it('writes every conformance resource, one file each, with package.json and .index.json', () => {
    assert.equal(files, 379);
    const names = readdirSync(out);
    assert.ok(names.includes('package.json') && names.includes('.index.json'));
    assert.equal(names.filter((n) => n.endsWith('.json') && !n.startsWith('.') && n !== 'package.json').length, 379);
    const index = JSON.parse(readFileSync(join(out, '.index.json'), 'utf8')) as { files: { filename: string; url?: string }[] };
    assert.equal(index.files.length, 379);
    assert.ok(index.files.some((f) => f.url === `${UKCORE}/UKCore-Patient`));
  });

  it('names the package and its FHIR version', () => {
    const manifest = JSON.parse(readFileSync(join(out, 'package.json'), 'utf8')) as { name: string; version: string; fhirVersions: string[] };
    assert.equal(manifest.name, UKCORE_PACKAGE_NAME);
    assert.equal(manifest.version, version);
    assert.deepEqual(manifest.fhirVersions, ['4.0.1']);
  });

  it('is the same as the package checked into packages/uk-core', () => {
    for (const name of readdirSync(out)) {
      assert.equal(readFileSync(join(out, name), 'utf8'), readFileSync(join(UKCORE_PACKAGE_DIR, name), 'utf8'), name);
    }
  });
});

describe('loadPackage', () => {
  it('loads the shipped UK Core folder: 153 StructureDefinitions, 134 ValueSets, 88 CodeSystems, 3 ConceptMaps', () => {
    const pkg = loadPackage(UKCORE_PACKAGE_DIR);
    assert.equal(pkg.name, UKCORE_PACKAGE_NAME);
    const count = (type: string) => pkg.resources.filter((r) => r.resourceType === type).length;
    assert.equal(count('StructureDefinition'), 153);
    assert.equal(count('ValueSet'), 134);
    assert.equal(count('CodeSystem'), 88);
    assert.equal(count('ConceptMap'), 3);
  });

  it('loads a .tgz in the npm layout (package/ folder)', () => {
    const dir = join(tmp, 'tgz-src');
    execFileSync('mkdir', ['-p', join(dir, 'package')]);
    writeFileSync(join(dir, 'package/package.json'), JSON.stringify({ name: 'example.fhir.test', version: '1.2.3', fhirVersions: ['4.0.1'] }));
    writeFileSync(
      join(dir, 'package/ValueSet-colours.json'),
      JSON.stringify({ resourceType: 'ValueSet', id: 'colours', url: 'http://example.org/ValueSet/colours', compose: { include: [{ system: 'http://example.org/colours', concept: [{ code: 'red' }] }] } }),
    );
    writeFileSync(join(dir, 'package/Patient-example.json'), JSON.stringify({ resourceType: 'Patient', id: 'example' }));
    const tgz = join(tmp, 'example.tgz');
    execFileSync('tar', ['-czf', tgz, '-C', dir, 'package']);
    const pkg = loadPackage(tgz);
    assert.equal(pkg.name, 'example.fhir.test');
    assert.equal(pkg.version, '1.2.3');
    assert.deepEqual(pkg.resources.map((r) => r.url), ['http://example.org/ValueSet/colours']);
  });

  it('loads a single conformance resource file', () => {
    const file = join(tmp, 'cs.json');
    writeFileSync(file, JSON.stringify({ resourceType: 'CodeSystem', url: 'http://example.org/cs', content: 'complete', concept: [{ code: 'a' }] }));
    const pkg = loadPackage(file);
    assert.equal(pkg.resources.length, 1);
  });

  it('refuses a file that holds no conformance resource', () => {
    const file = join(tmp, 'patient.json');
    writeFileSync(file, JSON.stringify({ resourceType: 'Patient' }));
    assert.throws(() => loadPackage(file), /no conformance resource/);
  });
});

describe('ConformanceRegistry', () => {
  const registry = new ConformanceRegistry(testDefinitions());
  addPackage(registry, loadPackage(UKCORE_PACKAGE_DIR));

  it('finds package resources by canonical URL, with or without |version', () => {
    assert.equal(registry.structureDefinition(`${UKCORE}/UKCore-Patient`)?.name, 'UKCorePatient');
    assert.equal(registry.structureDefinition(`${UKCORE}/UKCore-Patient|2.6.1`)?.name, 'UKCorePatient');
    assert.ok(registry.valueSet('https://fhir.hl7.org.uk/ValueSet/UKCore-NHSNumberVerificationStatus'));
    assert.ok(registry.codeSystem('https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland'));
  });

  it('falls back to the core definitions', () => {
    assert.equal(registry.structureDefinition('http://hl7.org/fhir/StructureDefinition/Patient')?.kind, 'resource');
  });

  it('records the packages it holds', () => {
    assert.deepEqual(registry.packages.map((p) => p.name), [UKCORE_PACKAGE_NAME]);
  });

  it('changes generation when a resource is added, so caches can tell', () => {
    const before = registry.generation;
    registry.add({ resourceType: 'ValueSet', url: 'http://example.org/vs' });
    assert.ok(registry.generation > before);
  });
});
