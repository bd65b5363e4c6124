import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadR4Definitions } from '../../src/fhir/definitions.ts';
import { FhirError } from '../../src/fhir/errors.ts';
import { applyFhirPathPatch } from '../../src/fhir/patch/index.ts';
import { parseFhirXml } from '../../src/fhir/xml/index.ts';

const defs = loadR4Definitions();
type Json = Record<string, unknown>;

interface Case {
  name: string;
  input: Json;
  diff: Json;
  output?: Json;
  error?: string;
}

/** The cases of fhir-patch-tests.xml: each <case> has <input>, <diff> and either <output> or <error msg>. */
function readCases(): Case[] {
  const file = readFileSync(join(process.cwd(), '../shared/testdata/fhir-test-cases/r4/patch/fhir-patch-tests.xml'), 'utf8');
  const inner = (block: string, tag: string) => new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(block)?.[1];
  return [...file.matchAll(/<case name="([^"]*)"[^>]*>([\s\S]*?)<\/case>/g)].map(([, name, block]) => {
    const output = inner(block, 'output');
    const error = /<error msg="([^"]*)"/.exec(block)?.[1];
    return {
      name,
      input: parseFhirXml(inner(block, 'input') as string, defs),
      diff: parseFhirXml(inner(block, 'diff') as string, defs),
      ...(output !== undefined ? { output: parseFhirXml(output, defs) } : {}),
      ...(error !== undefined ? { error: error.replace(/&apos;/g, "'") } : {}),
    };
  });
}

/**
 * Two XHTML narratives that differ only in how a character is written (`&quot;` or `"`)
 * say the same thing; the test file writes the patched div one way in the Parameters and
 * the other way in the expected output.
 */
function sameNarrative(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sameNarrative);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, k === 'div' && typeof v === 'string' ? v.replace(/&quot;/g, '"').replace(/&apos;/g, "'") : sameNarrative(v)]),
  );
}

function fails(fn: () => unknown, status: number, text?: RegExp | string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FhirError, `expected a FhirError, got ${String(err)}`);
    assert.equal(err.status, status, err.message);
    if (typeof text === 'string') assert.equal(err.message, text);
    else if (text) assert.match(err.message, text);
    return true;
  });
}

/** Cases of the file that cannot pass, with the reason. None so far. */
const EXEMPT: Record<string, string> = {};

describe('FHIRPath Patch: the FHIR test cases (fhir-patch-tests.xml)', () => {
  const cases = readCases();
  it('reads all 33 cases', () => assert.equal(cases.length, 33));
  for (const c of cases) {
    const reason = EXEMPT[c.name];
    if (c.error !== undefined) {
      it(`${c.name}: fails with 422 "${c.error}"`, { skip: reason }, () => fails(() => applyFhirPathPatch(c.input, c.diff, defs), 422, c.error));
    } else {
      it(`${c.name}: gives the expected resource`, { skip: reason }, () => {
        assert.deepStrictEqual(sameNarrative(applyFhirPathPatch(c.input, c.diff, defs)), sameNarrative(c.output));
      });
    }
  }
});

const op = (type: string, path: string, more: Json[] = []): Json => ({
  name: 'operation',
  part: [{ name: 'type', valueCode: type }, { name: 'path', valueString: path }, ...more],
});
const patch = (...parameter: Json[]): Json => ({ resourceType: 'Parameters', parameter });

describe('FHIRPath Patch on a resource', () => {
  const patient = (): Json => ({
    resourceType: 'Patient',
    id: 'p1',
    name: [{ family: 'Smith', given: ['Ann', 'Jo'], _given: [null, { extension: [{ url: 'http://e', valueString: 'x' }] }] }],
    birthDate: '1970-01-01',
    _birthDate: { extension: [{ url: 'http://example.org/t', valueDateTime: '1970-01-01T10:00:00Z' }] },
    contained: [{ resourceType: 'Organization', id: 'o1', name: 'Acme' }],
  });
  const observation = (): Json => ({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, valueQuantity: { value: 1.5, unit: 'kg' } });

  it('never changes its input', () => {
    const input = patient();
    const before = structuredClone(input);
    applyFhirPathPatch(input, patch(op('delete', 'Patient.name[0].given[0]'), op('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1980-02-02' }])), defs);
    assert.deepEqual(input, before);
  });

  it('keeps primitive lists and their extensions aligned', () => {
    const out = applyFhirPathPatch(patient(), patch(op('delete', 'Patient.name[0].given[0]')), defs);
    assert.deepEqual(out.name, [{ family: 'Smith', given: ['Jo'], _given: [{ extension: [{ url: 'http://e', valueString: 'x' }] }] }]);
    const inserted = applyFhirPathPatch(patient(), patch(op('insert', 'Patient.name[0].given', [{ name: 'index', valueInteger: 1 }, { name: 'value', valueString: 'Mo' }])), defs);
    assert.deepEqual((inserted.name as Json[])[0].given, ['Ann', 'Mo', 'Jo']);
    assert.deepEqual((inserted.name as Json[])[0]._given, [null, null, { extension: [{ url: 'http://e', valueString: 'x' }] }]);
  });

  it('replaces a primitive with its extensions (the whole element is replaced)', () => {
    const out = applyFhirPathPatch(patient(), patch(op('replace', 'Patient.birthDate', [{ name: 'value', valueDate: '1980-02-02' }])), defs);
    assert.equal(out.birthDate, '1980-02-02');
    assert.equal(out._birthDate, undefined);
  });

  it('adds an extension to a primitive and deletes it again', () => {
    const ext = { name: 'value', part: [{ name: 'url', valueUri: 'http://e2' }, { name: 'value', valueCode: 'c' }] };
    const out = applyFhirPathPatch(patient(), patch(op('add', 'Patient.name[0].given[0]', [{ name: 'name', valueString: 'extension' }, ext])), defs);
    assert.deepEqual(((out.name as Json[])[0]._given as unknown[])[0], { extension: [{ url: 'http://e2', valueCode: 'c' }] });
    const back = applyFhirPathPatch(out, patch(op('delete', 'Patient.name[0].given[0].extension')), defs);
    assert.deepEqual(back, patient());
  });

  it('replaces a choice element with another of its types', () => {
    const out = applyFhirPathPatch(observation(), patch(op('replace', 'Observation.value', [{ name: 'value', valueString: 'heavy' }])), defs);
    assert.equal(out.valueString, 'heavy');
    assert.equal(out.valueQuantity, undefined);
    const q = applyFhirPathPatch(observation(), patch(op('replace', 'Observation.value.value', [{ name: 'value', valueDecimal: 2.25 }])), defs);
    assert.deepEqual(q.valueQuantity, { value: 2.25, unit: 'kg' });
  });

  it('adds a choice element named without its type', () => {
    const out = applyFhirPathPatch(
      { resourceType: 'Observation', status: 'final', code: { text: 'x' } },
      patch(op('add', 'Observation', [{ name: 'name', valueString: 'value' }, { name: 'value', valueCodeableConcept: { text: 'pos' } }])),
      defs,
    );
    assert.deepEqual(out.valueCodeableConcept, { text: 'pos' });
  });

  it('patches inside a contained resource', () => {
    const out = applyFhirPathPatch(patient(), patch(op('replace', "Patient.contained.ofType(Organization).name", [{ name: 'value', valueString: 'Acme Ltd' }])), defs);
    assert.deepEqual(out.contained, [{ resourceType: 'Organization', id: 'o1', name: 'Acme Ltd' }]);
  });

  it('inserts into an empty list', () => {
    const out = applyFhirPathPatch(patient(), patch(op('insert', 'Patient.telecom', [{ name: 'index', valueInteger: 0 }, { name: 'value', valueContactPoint: { system: 'phone', value: '1' } }])), defs);
    assert.deepEqual(out.telecom, [{ system: 'phone', value: '1' }]);
  });

  it('deleting nothing is not an error', () => {
    assert.deepEqual(applyFhirPathPatch(patient(), patch(op('delete', 'Patient.gender')), defs), patient());
  });

  it('returns 422 when an operation does not fit the resource', () => {
    const cases: [Json, RegExp][] = [
      [op('delete', 'Patient.name.given'), /only a single element can be deleted/],
      [op('replace', 'Patient.gender', [{ name: 'value', valueCode: 'male' }]), /No content found at Patient.gender when replacing/],
      [op('add', 'Patient', [{ name: 'name', valueString: 'birthDate' }, { name: 'value', valueDate: '2000-01-01' }]), /already has a value/],
      [op('add', 'Patient', [{ name: 'name', valueString: 'colour' }, { name: 'value', valueString: 'red' }]), /Patient has no element 'colour'/],
      [op('add', 'Patient', [{ name: 'name', valueString: 'maritalStatus' }, { name: 'value', valueString: 'M' }]), /cannot be used for Patient.maritalStatus/],
      [op('insert', 'Patient.name', [{ name: 'index', valueInteger: 2 }, { name: 'value', valueHumanName: { text: 'x' } }]), /beyond the end/],
      [op('insert', "Patient.name[0].given.where($this = 'Jo')", [{ name: 'index', valueInteger: 0 }, { name: 'value', valueString: 'x' }]), /whole list/],
      [op('move', 'Patient.name', [{ name: 'source', valueInteger: 0 }, { name: 'destination', valueInteger: 1 }]), /destination index 1 is outside/],
      [op('replace', 'Patient', [{ name: 'value', valueString: 'x' }]), /the resource itself/],
      [op('replace', "'a' + 'b'", [{ name: 'value', valueString: 'x' }]), /must select elements of the resource/],
    ];
    for (const [operation, text] of cases) fails(() => applyFhirPathPatch(patient(), patch(operation), defs), 422, text);
  });

  it('returns 400 for a malformed Parameters document', () => {
    const cases: [unknown, RegExp][] = [
      [{ resourceType: 'Patient' }, /must be a Parameters resource/],
      [{ resourceType: 'Parameters', parameter: [{ name: 'op' }] }, /named 'operation'/],
      [patch(op('frob', 'Patient')), /'type' part/],
      [patch(op('add', 'Patient', [{ name: 'value', valueString: 'x' }])), /needs a 'name' part/],
      [patch(op('delete', 'Patient.name', [{ name: 'value', valueString: 'x' }])), /takes no 'value' part/],
      [patch(op('insert', 'Patient.name', [{ name: 'index', valueInteger: -1 }, { name: 'value', valueString: 'x' }])), /valueInteger of 0 or more/],
      [patch(op('replace', 'Patient.name', [{ name: 'value' }])), /exactly one of value\[x\], part or resource/],
      [patch(op('delete', 'Patient.name[')), /not a valid FHIRPath expression/],
      [patch(op('delete', '')), /non-empty valueString/],
    ];
    for (const [parameters, text] of cases) fails(() => applyFhirPathPatch(patient(), parameters, defs), 400, text);
  });
});
