/**
 * Builds the UK Core FHIR package shipped with Meridian (packages/uk-core/) from the UK Core
 * conformance resources in ../shared/testdata/ukcore/conformance (HL7 UK, Apache-2.0 per each
 * resource's copyright). The output follows the FHIR package format: package.json, .index.json
 * and one JSON file per resource, named {resourceType}-{id}.json. Resources are copied as
 * published (differentials only); snapshots are generated when the package is loaded.
 *
 * Run: node --import tsx scripts/build-ukcore-package.ts [source] [target]
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const UKCORE_PACKAGE_NAME = 'fhir.r4.ukcore.stu3.currentbuild';
/** The UK Core build this package is made from: its CapabilityStatement's version and the source commit. */
const SOURCE_COMMIT = '55dd5f7e';

const PACKAGE_TYPES = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'SearchParameter', 'NamingSystem', 'CapabilityStatement']);

interface Resource {
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  kind?: string;
  type?: string;
  [key: string]: unknown;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...jsonFiles(path));
    else if (name.endsWith('.json')) out.push(path);
  }
  return out;
}

export function buildUkCorePackage(source: string, target: string): { files: number; version: string } {
  const resources: Resource[] = [];
  for (const file of jsonFiles(source)) {
    const r = JSON.parse(readFileSync(file, 'utf8')) as Resource;
    if (!PACKAGE_TYPES.has(r.resourceType)) throw new Error(`${file}: unexpected ${r.resourceType}`);
    if (typeof r.id !== 'string') throw new Error(`${file}: no id`);
    resources.push(r);
  }
  resources.sort((a, b) => `${a.resourceType}-${a.id}`.localeCompare(`${b.resourceType}-${b.id}`));
  const capability = resources.find((r) => r.resourceType === 'CapabilityStatement');
  const version = `${capability?.version ?? '0.0.0'}-build.${SOURCE_COMMIT}`;

  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  const index: Record<string, unknown>[] = [];
  const seen = new Set<string>();
  for (const r of resources) {
    const filename = `${r.resourceType}-${r.id}.json`;
    if (seen.has(filename)) throw new Error(`two resources would be written to ${filename}`);
    seen.add(filename);
    writeFileSync(join(target, filename), JSON.stringify(r, null, 2) + '\n');
    const entry: Record<string, unknown> = { filename, resourceType: r.resourceType, id: r.id };
    if (r.url) entry.url = r.url;
    if (r.version) entry.version = r.version;
    if (r.resourceType === 'StructureDefinition') {
      entry.kind = r.kind;
      entry.type = r.type;
    }
    index.push(entry);
  }
  writeFileSync(join(target, '.index.json'), JSON.stringify({ 'index-version': 1, files: index }, null, 2) + '\n');
  const manifest = {
    name: UKCORE_PACKAGE_NAME,
    version,
    description: `UK Core R4 conformance resources (current build, source commit ${SOURCE_COMMIT}), packaged for Meridian. Differentials only; snapshots are generated on load.`,
    author: 'HL7 UK',
    license: 'Apache-2.0',
    canonical: 'https://fhir.hl7.org.uk',
    url: 'https://simplifier.net/hl7fhirukcorer4',
    fhirVersions: ['4.0.1'],
    type: 'fhir.ig',
    dependencies: { 'hl7.fhir.r4.core': '4.0.1' },
  };
  writeFileSync(join(target, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(
    join(target, 'NOTICE.md'),
    '# UK Core\n\nThe conformance resources in this folder are published by HL7 UK under the Apache License 2.0, as each resource\'s `copyright` states. ' +
      'They are copied unchanged by `scripts/build-ukcore-package.ts`; do not edit them by hand.\n',
  );
  return { files: resources.length, version };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const root = resolve(new URL('..', import.meta.url).pathname);
  const source = resolve(process.argv[2] ?? join(root, '../shared/testdata/ukcore/conformance'));
  const target = resolve(process.argv[3] ?? join(root, 'packages/uk-core'));
  const { files, version } = buildUkCorePackage(source, target);
  console.log(`Wrote ${files} resources to ${target} as ${UKCORE_PACKAGE_NAME}@${version}`);
}
