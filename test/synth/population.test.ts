/** The generated population: determinism, identifiers, references, prevalence and codes. */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { population, transactionBundle } from '../../src/synth/generate.ts';
import { isTestRangeNhsNumber } from '../../src/synth/identifiers.ts';
import { AGE_PYRAMID } from '../../src/synth/tables/people.ts';
import { bandOf, LONG_TERM_CONDITIONS, MEDICINES, CHILDHOOD_SCHEDULE, ALLERGIES, ACUTE_CONDITIONS } from '../../src/synth/tables/clinical.ts';
import type { Resource } from '../../src/synth/fhir.ts';

function digest(seed: string, patients: number): string {
  const h = createHash('sha256');
  const pop = population({ patients, seed });
  h.update(JSON.stringify(transactionBundle(pop.directory.resources)));
  for (const rec of pop.records()) h.update(JSON.stringify(transactionBundle(rec.resources)));
  return h.digest('hex');
}

/** Verhoeff check used by SNOMED CT identifiers (dm+d ids are SNOMED ids too). */
function verhoeff(id: string): boolean {
  const D = [[0,1,2,3,4,5,6,7,8,9],[1,2,3,4,0,6,7,8,9,5],[2,3,4,0,1,7,8,9,5,6],[3,4,0,1,2,8,9,5,6,7],[4,0,1,2,3,9,5,6,7,8],[5,9,8,7,6,0,4,3,2,1],[6,5,9,8,7,1,0,4,3,2],[7,6,5,9,8,2,1,0,4,3],[8,7,6,5,9,3,2,1,0,4],[9,8,7,6,5,4,3,2,1,0]];
  const F = [[0,1,2,3,4,5,6,7,8,9],[1,5,7,6,2,8,3,0,9,4]];
  for (let i = 2; i < 8; i++) F[i] = F[1].map((_, j) => F[i - 1][F[1][j]]);
  let c = 0;
  [...id].reverse().forEach((ch, i) => (c = D[c][F[i % 8][Number(ch)]]));
  return c === 0;
}

describe('synthetic population', () => {
  const N = 2000;
  const all: Resource[] = [];
  const people: { age: number; conditions: string[] }[] = [];
  before(() => {
    const pop = population({ patients: N, seed: 'prevalence' });
    all.push(...pop.directory.resources);
    for (const rec of pop.records()) {
      all.push(...rec.resources);
      people.push({ age: rec.person.ageAtEnd, conditions: rec.conditions });
    }
  });

  it('is byte-identical for the same seed and different for another', () => {
    const a = digest('alpha', 30);
    assert.equal(digest('alpha', 30), a);
    assert.notEqual(digest('beta', 30), a);
  });

  it('gives every patient a valid NHS number from the test range with its verification status', () => {
    const patients = all.filter((r) => r.resourceType === 'Patient');
    assert.ok(patients.length >= N);
    for (const p of patients) {
      for (const id of (p.identifier as { system: string; value: string; extension?: { url: string }[] }[]).filter((i) => i.system === 'https://fhir.nhs.uk/Id/nhs-number')) {
        assert.ok(isTestRangeNhsNumber(id.value), id.value);
        assert.equal(id.extension?.[0].url, 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus');
      }
    }
  });

  it('has no duplicate identifiers except on deliberate duplicate records, which say whose they are', () => {
    const owners = new Map<string, string>();
    const ids = new Set<string>();
    let duplicates = 0;
    for (const r of all) {
      const key = `${r.resourceType}/${r.id}`;
      assert.ok(!ids.has(key), `id ${key} repeats`);
      ids.add(key);
      const deliberate = ((r.meta as { tag?: { display: string }[] }).tag ?? [])[0]?.display;
      if (deliberate) duplicates++;
      for (const i of (r.identifier as { system?: string; value: string }[] | undefined) ?? []) {
        const k = `${r.resourceType}|${i.system}|${i.value}`;
        if (r.resourceType === 'Endpoint') continue; // an Endpoint carries its organisation's ODS code
        const owner = owners.get(k);
        if (owner !== undefined) assert.ok(deliberate === `Deliberate duplicate of ${owner}`, `${k} is on ${owner} and ${key}`);
        else owners.set(k, key);
      }
    }
    assert.ok(duplicates > 0 && duplicates < N * 0.03, `${duplicates} deliberate duplicates`);
  });

  it('resolves every reference inside the output', () => {
    const ids = new Set(all.map((r) => `${r.resourceType}/${r.id}`));
    const walk = (v: unknown, where: string): void => {
      if (Array.isArray(v)) v.forEach((x) => walk(x, where));
      else if (v && typeof v === 'object') {
        const ref = (v as { reference?: unknown }).reference;
        if (typeof ref === 'string') assert.ok(ids.has(ref), `${where} refers to missing ${ref}`);
        for (const x of Object.values(v)) walk(x, where);
      }
    };
    for (const r of all) walk(r, `${r.resourceType}/${r.id}`);
  });

  it('declares a profile on every resource (UK Core where one exists)', () => {
    for (const r of all) {
      const p = (r.meta as { profile?: string[] }).profile?.[0] ?? '';
      if (r.resourceType === 'Endpoint') assert.equal(p, 'http://hl7.org/fhir/StructureDefinition/Endpoint');
      else assert.ok(p.startsWith('https://fhir.hl7.org.uk/StructureDefinition/UKCore-'), `${r.resourceType} declares ${p}`);
    }
  });

  it('follows the age pyramid within 2.5 percentage points per ten-year band', () => {
    const total = AGE_PYRAMID.reduce((s, b) => s + b[2], 0);
    for (let lo = 0; lo < 90; lo += 10) {
      const expected = AGE_PYRAMID.filter((b) => b[0] >= lo && b[0] < lo + 10).reduce((s, b) => s + b[2], 0) / total;
      // the record ends at death for the few who died, so ages are a little lower than at the as-of date
      const observed = people.filter((p) => p.age >= lo && p.age < lo + 10).length / people.length;
      assert.ok(Math.abs(observed - expected) < 0.025, `ages ${lo}-${lo + 9}: ${observed.toFixed(3)} vs ${expected.toFixed(3)}`);
    }
  });

  it('matches condition prevalence by age band within four standard errors', () => {
    for (const key of ['hypertension', 'diabetes-type-2', 'asthma', 'osteoarthritis', 'depression']) {
      const c = LONG_TERM_CONDITIONS.find((x) => x.key === key)!;
      for (let band = 1; band < 5; band++) {
        const group = people.filter((p) => bandOf(p.age) === band && p.age >= c.minOnsetAge);
        if (group.length < 100) continue;
        const expected = c.prevalence[band];
        const observed = group.filter((p) => p.conditions.includes(key)).length / group.length;
        const tolerance = 4 * Math.sqrt((expected * (1 - expected)) / group.length) + 0.01;
        assert.ok(Math.abs(observed - expected) <= tolerance, `${key} band ${band}: ${observed.toFixed(3)} vs ${expected} ± ${tolerance.toFixed(3)}`);
      }
    }
  });

  it('uses SNOMED CT and dm+d identifiers with valid check digits', () => {
    const codes = [
      ...LONG_TERM_CONDITIONS.map((c) => c.code), ...Object.values(MEDICINES).map((m) => m.code), ...CHILDHOOD_SCHEDULE.map((d) => d.code),
      ...ALLERGIES.flatMap((a) => [a.code, a.reaction.code]), ...ACUTE_CONDITIONS.map((c) => c.code),
    ];
    for (const c of codes) assert.ok(verhoeff(c), c);
  });
});
