/**
 * Full validation throughput (structure, base invariants and bindings, profiles, UK rules).
 * Run: node --import tsx bench/validate.ts [seconds]
 * Prints resources/s for the R4 specification examples against core, and for the UK Core
 * examples against their UK Core profiles (named by file, as the tests do), with the base
 * definition's invariants and bindings too, and without them, as on writes (`core: false`);
 * and the synthetic UK records `meridian seed` writes (200 patients), as on writes.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadR4Definitions } from '../src/fhir/definitions.ts';
import { population } from '../src/synth/index.ts';
import { createValidator } from '../src/validation/index.ts';

const seconds = Number(process.argv[2] ?? 3);
const testdata = resolve(process.cwd(), '../shared/testdata');
const validator = createValidator({ defs: loadR4Definitions() });

function load(dir: string): { file: string; resource: Record<string, unknown>; bytes: number }[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return { file, resource: JSON.parse(text) as Record<string, unknown>, bytes: Buffer.byteLength(text) };
    });
}

function run(label: string, cases: { resource: unknown; profile?: string }[], core = true): void {
  for (const c of cases) validator.validate(c.resource, { profile: c.profile, core }); // compile and warm up
  let count = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < limit) {
    for (const c of cases) validator.validate(c.resource, { profile: c.profile, core });
    count += cases.length;
    now = process.hrtime.bigint();
  }
  const rate = count / (Number(now - start) / 1e9);
  console.log(`${label}: ${Math.round(rate).toLocaleString('en-GB')} resources/s (${cases.length} resources)`);
}

const r4 = load(join(testdata, 'r4-examples'));
run('R4 examples against core', r4.map((e) => ({ resource: e.resource })));
run('R4 examples under 10 KiB against core', r4.filter((e) => e.bytes < 10 * 1024).map((e) => ({ resource: e.resource })));

const profiles = validator.registry.addedStructureDefinitions().filter((sd) => sd.url.startsWith('https://fhir.hl7.org.uk/StructureDefinition/UKCore-'));
const uk = load(join(testdata, 'ukcore/examples')).map((e) => {
  const byName = profiles.filter((p) => e.file.startsWith(`${p.id}-`) && p.type === e.resource.resourceType).sort((a, b) => b.id!.length - a.id!.length)[0];
  const profile = byName?.url ?? profiles.find((p) => p.id === `UKCore-${String(e.resource.resourceType)}`)?.url;
  return { resource: e.resource, profile };
});
run('UK Core examples against their UK Core profiles', uk);
run('UK Core examples against their UK Core profiles, as on writes (core: false)', uk, false);

const seeded: { resource: unknown }[] = [];
for (const record of population({ patients: 200 }).records()) for (const resource of record.resources) seeded.push({ resource });
run('Seeded UK records (meridian seed), as on writes (core: false)', seeded, false);
