import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import { unreferencedContained } from '../../src/validation/contained-references.ts';
import { TESTDATA, testValidator } from './helpers.ts';

type Json = Record<string, unknown>;

/**
 * dom-3 as R4 publishes it, with `as()` on collections written `ofType()`: how R4-era engines
 * (and the Java validator) read it, and a form fhirpath 5 evaluates. It gives the ids of the
 * contained resources that fail.
 */
const DOM_3_AS_OFTYPE =
  "contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().ofType(canonical) | %resource.descendants().ofType(uri) | %resource.descendants().ofType(url))) or descendants().where(reference = '#').exists() or descendants().where(as(canonical) = '#').exists() or descendants().where(as(canonical) = '#').exists()).not()).id";

const compiled = new Map<string, (r: unknown, env: unknown) => unknown[]>();
function engineUnmatched(resource: Json): string[] {
  const type = String(resource.resourceType);
  let fn = compiled.get(type);
  if (fn === undefined) compiled.set(type, (fn = fhirpath.compile({ base: type, expression: DOM_3_AS_OFTYPE }, r4 as never, { resolveInternalTypes: true } as never) as never));
  return (fn(resource, { resource, rootResource: resource }) as string[]).sort();
}

/** The published rule only (no narrative links), as ids. */
const nativeUnmatched = (resource: Json): string[] => unreferencedContained(resource, resource, false).map((i) => String((resource.contained as Json[])[i].id)).sort();

/** Every resource with contained resources in the R4 examples (Bundle entries included). */
function examplesWithContained(): { file: string; resource: Json }[] {
  const dir = join(TESTDATA, 'r4-examples');
  const out: { file: string; resource: Json }[] = [];
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Json;
    if (Array.isArray(r.contained)) out.push({ file, resource: r });
    for (const e of (r.entry as Json[] | undefined) ?? []) if (e.resource && Array.isArray((e.resource as Json).contained)) out.push({ file, resource: e.resource as Json });
  }
  return out;
}

describe('dom-3 (contained resources are referred to), checked natively', () => {
  const examples = examplesWithContained();

  it('agrees with the engine on the R4 expression (as() read as ofType()) for every R4 example with contained resources', () => {
    assert.ok(examples.length > 100, `only ${examples.length} examples`);
    const differences = examples.filter((e) => JSON.stringify(engineUnmatched(e.resource)) !== JSON.stringify(nativeUnmatched(e.resource))).map((e) => e.file);
    assert.deepEqual(differences, []);
    // and every published example passes
    assert.deepEqual(examples.filter((e) => nativeUnmatched(e.resource).length > 0).map((e) => e.file), []);
  });

  it('agrees with the engine when the contained resources lose their references (ids renamed) or an unreferenced one is added', () => {
    const differences: string[] = [];
    let failing = 0;
    for (const e of examples) {
      const renamed = structuredClone(e.resource);
      for (const c of renamed.contained as Json[]) if (typeof c.id === 'string') c.id = `${c.id}-renamed`;
      const added = structuredClone(e.resource);
      (added.contained as Json[]).push({ resourceType: 'Basic', id: 'added', code: { text: 'x' } });
      for (const variant of [renamed, added]) {
        const native = nativeUnmatched(variant);
        if (native.length) failing++;
        if (JSON.stringify(engineUnmatched(variant)) !== JSON.stringify(native)) differences.push(e.file);
      }
    }
    assert.deepEqual(differences, []);
    assert.ok(failing >= examples.length * 2 - 5, `only ${failing} failing variants`);
  });

  it('agrees with the engine on the ways a contained resource can be referred to', () => {
    const practitioner = { resourceType: 'Practitioner', id: 'p' };
    const cases: Json[] = [
      { resourceType: 'Condition', contained: [practitioner], asserter: { reference: '#p' } },
      { resourceType: 'Condition', contained: [practitioner], subject: { reference: 'Patient/1' } },
      { resourceType: 'Condition', contained: [practitioner], extension: [{ url: 'http://example.org/x', valueCanonical: '#p' }] },
      { resourceType: 'Condition', contained: [practitioner], extension: [{ url: 'http://example.org/x', valueUri: '#p' }] },
      { resourceType: 'Condition', contained: [practitioner], extension: [{ url: 'http://example.org/x', valueString: '#p' }] },
      { resourceType: 'Condition', contained: [practitioner], _recordedDate: { extension: [{ url: 'http://example.org/x', valueReference: { reference: '#p' } }] } },
      { resourceType: 'Condition', contained: [{ ...practitioner, extension: [{ url: 'http://example.org/x', valueReference: { reference: '#' } }] }] },
      { resourceType: 'Condition', contained: [practitioner, { resourceType: 'Organization', id: 'o', extension: [{ url: 'http://example.org/x', valueReference: { reference: '#p' } }] }] },
      { resourceType: 'Condition', contained: [{ resourceType: 'Practitioner' }] },
      { resourceType: 'Questionnaire', status: 'active', contained: [{ resourceType: 'ValueSet', id: 'vs', status: 'active' }], item: [{ linkId: '1', type: 'choice', answerValueSet: '#vs' }] },
    ];
    for (const c of cases) assert.deepEqual(nativeUnmatched(c), engineUnmatched(c), JSON.stringify(c));
    assert.deepEqual(nativeUnmatched(cases[1]), ['p']);
    assert.deepEqual(nativeUnmatched(cases[4]), ['p'], 'a string that happens to be #p is not a reference');
    assert.deepEqual(nativeUnmatched(cases[6]), [], 'a contained resource that refers to its container passes');
  });

  it('counts a narrative link to a contained resource (<img src="#id">), as the rule\'s text does', () => {
    const media = {
      resourceType: 'Composition',
      contained: [{ resourceType: 'Binary', id: 'img', contentType: 'image/png', data: 'AAAA' }],
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><img src="#img" alt="x"/></div>' },
    };
    assert.deepEqual(unreferencedContained(media), []);
    assert.deepEqual(unreferencedContained(media, media, false), [0]);
  });

  it('is reported by the validator as an error at each unreferenced contained resource', () => {
    const issues = testValidator().validate({
      resourceType: 'Condition',
      subject: { reference: 'Patient/1' },
      contained: [
        { resourceType: 'Practitioner', id: 'used' },
        { resourceType: 'Practitioner', id: 'orphan' },
      ],
      asserter: { reference: '#used' },
    });
    const dom3 = issues.filter((i) => /dom-3/.test(i.diagnostics ?? ''));
    assert.deepEqual(
      dom3.map((i) => [i.severity, i.expression?.[0]]),
      [['error', 'Condition.contained[1]']],
    );
  });
});
