import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { loadR4Definitions } from '../../src/fhir/definitions.ts';
import type { Issue } from '../../src/fhir/errors.ts';
import { createStructureValidator } from '../../src/validation/index.ts';

const validator = createStructureValidator(loadR4Definitions());
const testdata = resolve(process.cwd(), '../shared/testdata');

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

function describeIssues(issues: Issue[]): string {
  return issues.map((i) => `${i.code} at ${i.expression?.join(', ')}: ${i.diagnostics}`).join('\n');
}

/**
 * Official examples that are genuinely invalid against base R4, with the reason and the
 * expressions of the errors they must produce (so an exemption never hides a new problem).
 */
const INVALID_EXAMPLES: Record<string, { reason: string; errors: number; expression: RegExp }> = {
  'Questionnaire-qs1.json': {
    reason: 'its 32 nested display items have no linkId, which Questionnaire.item.linkId (1..1) requires',
    errors: 32,
    expression: /^Questionnaire\.item\[0\](\.item\[\d+\])+\.linkId$/,
  },
  'Extension-UKCore-ConditionEpisode-Example.json': {
    reason: 'its extension has both valueCode and valueCodeableConcept, but Extension.value[x] allows only one type',
    errors: 1,
    expression: /^Condition\.extension\[0\]\.value$/,
  },
};

function checkExamples(dir: string): void {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    const known = INVALID_EXAMPLES[file];
    if (known === undefined) {
      it(`finds no errors in ${file}`, () => {
        const issues = validator.validate(readJson(join(dir, file)));
        assert.equal(issues.length, 0, describeIssues(issues));
      });
    } else {
      it(`rejects ${file} because ${known.reason}`, () => {
        const issues = validator.validate(readJson(join(dir, file)));
        assert.equal(issues.length, known.errors, describeIssues(issues));
        for (const issue of issues) assert.match(issue.expression?.[0] ?? '', known.expression);
      });
    }
  }
}

describe('every R4 specification example', () => {
  const dir = join(testdata, 'r4-examples');
  it('is all 702 of them', () => {
    assert.equal(readdirSync(dir).filter((f) => f.endsWith('.json')).length, 702);
  });
  checkExamples(dir);
});

describe('every UK Core example, against base R4', () => {
  checkExamples(join(testdata, 'ukcore', 'examples'));
});

/** Validates `resource` and checks it yields exactly one error with this code and expression. */
function expectOne(resource: unknown, code: string, expression: string, diagnostics?: RegExp): void {
  const issues = validator.validate(resource);
  assert.equal(issues.length, 1, describeIssues(issues));
  const [issue] = issues;
  assert.equal(issue.severity, 'error');
  assert.equal(issue.code, code, describeIssues(issues));
  assert.deepEqual(issue.expression, [expression], describeIssues(issues));
  assert.ok(issue.diagnostics && issue.diagnostics.length > 10, 'has plain-English diagnostics');
  if (diagnostics) assert.match(issue.diagnostics, diagnostics);
}

const observation = (extra: Record<string, unknown>): Record<string, unknown> => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  ...extra,
});

describe('a crafted bad resource', () => {
  it('is accepted when it is in fact valid', () => {
    assert.deepEqual(
      validator.validate({
        resourceType: 'Patient',
        id: 'p-1.a',
        meta: { lastUpdated: '2024-02-29T10:00:00.123Z' },
        active: true,
        name: [{ given: ['Ann', null], _given: [null, { extension: [{ url: 'http://x', valueString: 'Y' }] }], family: 'Smith' }],
        birthDate: '1970-01-01',
        _birthDate: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-birthTime', valueDateTime: '1970-01-01T08:00:00Z' }] },
        multipleBirthInteger: 2,
      }),
      [],
    );
  });

  it('reports an unknown element', () => {
    expectOne({ resourceType: 'Patient', foo: 'bar' }, 'structure', 'Patient.foo', /Unknown element "foo"/);
  });

  it('reports a wrong choice suffix as an unknown element', () => {
    expectOne(observation({ valueFoo: 1 }), 'structure', 'Observation.valueFoo');
  });

  it('reports a bad date', () => {
    expectOne({ resourceType: 'Patient', birthDate: '1970-13-01' }, 'value', 'Patient.birthDate', /date/);
  });

  it('reports a date that is not on the calendar', () => {
    expectOne({ resourceType: 'Patient', birthDate: '2023-02-29' }, 'value', 'Patient.birthDate', /calendar/);
  });

  it('reports a bad id', () => {
    expectOne({ resourceType: 'Patient', id: 'not an id' }, 'value', 'Patient.id', /id/);
  });

  it('reports an id longer than 64 characters', () => {
    expectOne({ resourceType: 'Patient', id: 'a'.repeat(65) }, 'value', 'Patient.id');
  });

  it('reports a string where an array is expected', () => {
    expectOne({ resourceType: 'Patient', name: [{ given: 'Ann' }] }, 'structure', 'Patient.name[0].given', /array/);
  });

  it('reports an object where an array is expected', () => {
    expectOne({ resourceType: 'Patient', name: { family: 'Smith' } }, 'structure', 'Patient.name', /array/);
  });

  it('reports an array where a single value is expected', () => {
    expectOne({ resourceType: 'Patient', gender: ['male'] }, 'structure', 'Patient.gender', /single/);
  });

  it('reports a missing required element (Observation.status)', () => {
    expectOne({ resourceType: 'Observation', code: { text: 'x' } }, 'required', 'Observation.status', /Observation\.status/);
  });

  it('reports a missing required element (Bundle.type)', () => {
    expectOne({ resourceType: 'Bundle' }, 'required', 'Bundle.type');
  });

  it('reports a missing required element inside a backbone element', () => {
    expectOne(observation({ component: [{ valueString: 'x' }] }), 'required', 'Observation.component[0].code');
  });

  it('reports an extension without a url', () => {
    expectOne({ resourceType: 'Patient', extension: [{ valueString: 'x' }] }, 'required', 'Patient.extension[0].url');
  });

  it('reports two types of one choice element', () => {
    expectOne(observation({ valueString: 'a', valueQuantity: { value: 1 } }), 'structure', 'Observation.value', /valueString and valueQuantity/);
  });

  it('reports an unknown resourceType', () => {
    expectOne({ resourceType: 'Patent' }, 'invalid', 'Resource.resourceType', /"Patent" is not a known/);
  });

  it('reports an abstract resourceType as unknown', () => {
    expectOne({ resourceType: 'DomainResource' }, 'invalid', 'Resource.resourceType');
  });

  it('reports a missing resourceType', () => {
    expectOne({ id: 'x' }, 'required', 'Resource', /no resourceType/);
  });

  it('reports a bad contained resource at its own path', () => {
    expectOne(
      { resourceType: 'Patient', contained: [{ resourceType: 'Practitioner', id: 'pr', name: { family: 'Who' } }] },
      'structure',
      'Patient.contained[0].name',
    );
  });

  it('reports a contained resource with an unknown type', () => {
    expectOne({ resourceType: 'Patient', contained: [{ resourceType: 'Nope', id: 'x' }] }, 'invalid', 'Patient.contained[0].resourceType');
  });

  it('reports a bad Bundle entry resource at its own path', () => {
    const entry = { resource: observation({}) };
    const bad = { resource: { resourceType: 'Observation', code: { text: 'x' } } };
    expectOne({ resourceType: 'Bundle', type: 'collection', entry: [entry, entry, bad] }, 'required', 'Bundle.entry[2].resource.status');
  });

  it('reports a bad resource inside Parameters.parameter.part', () => {
    expectOne(
      { resourceType: 'Parameters', parameter: [{ name: 'a', part: [{ name: 'b', resource: { resourceType: 'Patient', active: 'yes' } }] }] },
      'value',
      'Parameters.parameter[0].part[0].resource.active',
    );
  });

  it('follows contentReference into nested Questionnaire items', () => {
    expectOne(
      { resourceType: 'Questionnaire', status: 'draft', item: [{ linkId: '1', type: 'group', item: [{ linkId: '1.1', type: 'string', bogus: 1 }] }] },
      'structure',
      'Questionnaire.item[0].item[0].bogus',
    );
  });

  it('reports a bad boolean', () => {
    expectOne({ resourceType: 'Patient', active: 'true' }, 'value', 'Patient.active', /boolean/);
  });

  it('reports an integer out of the 32-bit range', () => {
    expectOne(observation({ valueInteger: 2147483648 }), 'value', 'Observation.value.ofType(integer)', /2147483647/);
  });

  it('reports a decimal given as a string', () => {
    expectOne(observation({ valueQuantity: { value: '1.5' } }), 'value', 'Observation.value.ofType(Quantity).value', /number/);
  });

  it('reports an unsignedInt below zero', () => {
    expectOne(
      { resourceType: 'Media', status: 'completed', content: { contentType: 'image/png', size: -1 } },
      'value',
      'Media.content.size',
      /between 0 and/,
    );
  });

  it('reports an instant without a timezone', () => {
    expectOne(observation({ issued: '2020-01-01T10:00:00' }), 'value', 'Observation.issued', /timezone/);
  });

  it('reports a dateTime with hours but no timezone', () => {
    expectOne(observation({ effectiveDateTime: '2020-01-01T10:00:00' }), 'value', 'Observation.effective.ofType(dateTime)');
  });

  it('reports an empty string', () => {
    expectOne({ resourceType: 'Patient', name: [{ family: '' }] }, 'value', 'Patient.name[0].family', /empty string/);
  });

  it('reports an empty object', () => {
    expectOne({ resourceType: 'Patient', maritalStatus: {} }, 'structure', 'Patient.maritalStatus', /empty object/);
  });

  it('reports an empty array', () => {
    expectOne({ resourceType: 'Patient', identifier: [] }, 'structure', 'Patient.identifier', /empty array/);
  });

  it('reports null for a single value', () => {
    expectOne({ resourceType: 'Patient', gender: null }, 'structure', 'Patient.gender', /null/);
  });

  it('reports null in a primitive array with no extension at that index', () => {
    expectOne({ resourceType: 'Patient', name: [{ given: ['Ann', null] }] }, 'structure', 'Patient.name[0].given[1]', /null/);
  });

  it('reports a _given array that does not align with given', () => {
    expectOne(
      { resourceType: 'Patient', name: [{ given: ['Ann', 'Bo'], _given: [{ extension: [{ url: 'http://x', valueCode: 'a' }] }] }] },
      'structure',
      'Patient.name[0].given',
      /_given has 1 entries but given has 2/,
    );
  });

  it('reports a bad extension inside a _birthDate companion at the element path', () => {
    expectOne({ resourceType: 'Patient', birthDate: '1970', _birthDate: { extension: [{ valueBoolean: true }] } }, 'required', 'Patient.birthDate.extension[0].url');
  });

  it('reports a value inside a _birthDate companion as an unknown element', () => {
    expectOne({ resourceType: 'Patient', _birthDate: { value: '1970' } }, 'structure', 'Patient.birthDate.value');
  });

  it('reports a _name companion of a complex element', () => {
    expectOne({ resourceType: 'Patient', _maritalStatus: { id: 'x' } }, 'structure', 'Patient._maritalStatus', /not a primitive element/);
  });

  it('reports a narrative div that is not an XHTML div', () => {
    expectOne({ resourceType: 'Patient', text: { status: 'generated', div: '<p>hi</p>' } }, 'value', 'Patient.text.div', /<div>/);
  });

  it('reports a code with surrounding whitespace', () => {
    expectOne(observation({ status: ' final' }), 'value', 'Observation.status', /code/);
  });

  it('reports a resource that is not a JSON object', () => {
    expectOne([{ resourceType: 'Patient' }], 'structure', 'Resource', /JSON object/);
  });

  it('reports invalid base64 data', () => {
    expectOne({ resourceType: 'Binary', contentType: 'text/plain', data: 'AAA' }, 'value', 'Binary.data', /base64/);
  });

  it('stops at hostile nesting with an error instead of exhausting the stack', () => {
    let item: Record<string, unknown> = { linkId: 'leaf', type: 'display' };
    for (let i = 0; i < 2000; i++) item = { linkId: String(i), type: 'group', item: [item] };
    const issues = validator.validate({ resourceType: 'Questionnaire', status: 'draft', item: [item] });
    assert.equal(issues.length, 1, describeIssues(issues));
    assert.equal(issues[0].code, 'too-costly');
  });

  it('reports null only once for a required element', () => {
    expectOne(observation({ status: null }), 'structure', 'Observation.status', /null/);
  });

  it('reports every error, not just the first', () => {
    const issues = validator.validate({ resourceType: 'Observation', foo: 1, issued: 'yesterday' });
    assert.deepEqual(issues.map((i) => i.expression?.[0]).sort(), ['Observation.code', 'Observation.foo', 'Observation.issued', 'Observation.status']);
  });
});
