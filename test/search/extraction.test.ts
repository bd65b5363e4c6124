import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { definitions } from '../../src/app/app.ts';
import { compileExpression, unionTerms } from '../../src/search/expression.ts';
import { compileFastPath } from '../../src/search/fast-path.ts';
import { indexResource } from '../../src/search/indexer.ts';
import { SearchRegistry } from '../../src/search/registry.ts';
import type { IndexRows } from '../../src/storage/index.ts';
import type { Resource } from '../../src/interactions/types.ts';

const defs = definitions();
const R4_EXAMPLES = join(process.cwd(), '../shared/testdata/r4-examples');
const UKCORE_EXAMPLES = join(process.cwd(), '../shared/testdata/ukcore/examples');

function loadDir(dir: string): Resource[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource)
    .filter((r) => defs.isResourceType(r.resourceType));
}

const examples = loadDir(R4_EXAMPLES);
const fast = new SearchRegistry(defs);
const slow = new SearchRegistry(defs, { forceFhirpath: true });

function canonical(rows: IndexRows): string {
  return JSON.stringify(
    Object.entries(rows)
      .filter(([, v]) => v?.length)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => [k, (v as unknown[]).map((x) => JSON.stringify(x)).sort()]),
  );
}

/** Values a parameter's expression may select that have nothing searchable in them. */
function unindexable(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith('#') || !/^\d{4}/.test(value);
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  if (typeof v.reference === 'string' && v.reference.startsWith('#')) return true; // contained
  if (v.resourceType && !v.id) return true; // a resource without id
  if ('low' in v || 'high' in v || 'origin' in v) return true; // Range, SampledData
  if ('title' in v || 'contentType' in v) return true; // Attachment
  if ('repeat' in v && !('event' in v)) return true; // a Timing without dates
  if ('use' in v && !('value' in v)) return true; // an Identifier without value
  if ('longitude' in v) return true; // Location.position (near is not supported)
  return false;
}

describe('index extraction', () => {
  it('finds the 702 R4 examples', () => {
    assert.equal(readdirSync(R4_EXAMPLES).length, 702);
    assert.ok(examples.length > 690);
  });

  it('gives the same rows by the JSON fast path as by fhirpath for every R4 example', () => {
    const differ: string[] = [];
    for (const r of examples) if (canonical(indexResource(fast, r)) !== canonical(indexResource(slow, r))) differ.push(`${r.resourceType}/${r.id}`);
    assert.deepEqual(differ, []);
  });

  it('answers nearly every search parameter expression term by the fast path', () => {
    let terms = 0;
    let walked = 0;
    for (const type of defs.resourceTypes)
      for (const sp of defs.searchParameters(type)) {
        if (!sp.expression) continue;
        for (const term of unionTerms(sp.expression)) {
          terms++;
          if (compileFastPath(term.replace(/\.where\(resolve\(\) is [A-Za-z]+\)$/, ''), type) !== undefined) walked++;
        }
      }
    assert.ok(walked / terms > 0.99, `${walked} of ${terms}`);
  });

  it('yields index rows for each parameter whose expression selects a searchable value', () => {
    const missing: string[] = [];
    for (const r of examples) {
      const rows = indexResource(fast, r);
      const params = new Set(Object.values(rows).flatMap((list) => (list as { param: string }[]).map((x) => x.param.split(/[:$]/)[0])));
      for (const sp of defs.searchParameters(r.resourceType)) {
        if (!sp.expression || sp.type === 'composite' || sp.type === 'special' || sp.code === '_id' || sp.code === '_lastUpdated') continue;
        const values = compileExpression(sp.expression, r.resourceType, { forceFhirpath: true }).evaluate(r);
        if (values.length && !params.has(sp.code) && !values.every(unindexable)) missing.push(`${r.resourceType}/${r.id} ${sp.code}`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it('indexes every UK Core example without an error', () => {
    for (const r of loadDir(UKCORE_EXAMPLES)) assert.doesNotThrow(() => indexResource(fast, r), `${r.resourceType}/${r.id}`);
  });

  it('puts a resource in the Patient compartments of the patients it refers to', () => {
    const rows = indexResource(fast, { resourceType: 'Observation', id: 'o', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/p1' }, performer: [{ reference: 'Patient/p2' }, { reference: 'Practitioner/d' }] });
    assert.deepEqual(rows.compartment?.map((c) => c.compartmentId).sort(), ['p1', 'p2']);
    assert.deepEqual(indexResource(fast, { resourceType: 'Patient', id: 'p9' }).compartment, [{ param: 'Patient', compartmentId: 'p9' }]);
  });

  it('keeps identifier token rows for conditional operations', () => {
    const rows = indexResource(fast, { resourceType: 'Patient', id: 'p', identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }] });
    assert.ok(rows.token?.some((t) => t.param === 'identifier' && t.system === 'https://fhir.nhs.uk/Id/nhs-number' && t.code === '9000000009'));
  });

  it('folds case and accents of string values and keeps them as written for :exact', () => {
    const rows = indexResource(fast, { resourceType: 'Patient', id: 'p', name: [{ family: 'Ärnold', given: ['Zoë'] }] });
    const family = rows.string?.filter((s) => s.param.startsWith('family')).map((s) => `${s.param}=${s.value}`).sort();
    assert.deepEqual(family, ['family:exact=Ärnold', 'family=arnold']);
  });

  it('indexes a date with the range its precision covers', () => {
    const rows = indexResource(fast, { resourceType: 'Patient', id: 'p', birthDate: '2024-03' });
    const d = rows.date?.find((x) => x.param === 'birthdate');
    assert.deepEqual(d, { param: 'birthdate', low: Date.UTC(2024, 2, 1), high: Date.UTC(2024, 3, 1) - 1 });
  });
});
