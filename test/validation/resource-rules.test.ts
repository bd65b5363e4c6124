import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { testValidator } from './helpers.ts';

type Json = Record<string, unknown>;

const v = testValidator();
const found = (r: unknown) =>
  v
    .validate(r)
    .filter((i) => i.severity === 'error')
    .map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
const has = (r: unknown, at: string, pattern: RegExp) => {
  const all = found(r);
  assert.ok(all.some((m) => m.startsWith(`${at}:`) && pattern.test(m)), `${at} ${pattern}\n${all.join('\n')}`);
};

const codeSystem = (extra: Json): Json => ({ resourceType: 'CodeSystem', url: 'http://example.org/CodeSystem/x', status: 'draft', content: 'complete', ...extra });

describe('CodeSystem rules', () => {
  it('content and concepts agree', () => {
    has(codeSystem({ content: 'not-present', concept: [{ code: 'a' }] }), 'CodeSystem.concept[0]', /not-present/);
    has(codeSystem({ count: 3, concept: [{ code: 'a', concept: [{ code: 'b' }] }] }), 'CodeSystem.count', /2 concepts where its count says 3/);
    assert.deepEqual(found(codeSystem({ count: 2, concept: [{ code: 'a', concept: [{ code: 'b' }] }] })), []);
  });

  it('a supplement says so, and only describes codes of the code system it supplements', () => {
    has(codeSystem({ supplements: 'http://loinc.org', concept: [{ code: 'x' }] }), 'CodeSystem.content', /supplement/);
    has(codeSystem({ content: 'supplement', supplements: 'http://hl7.org/fhir/administrative-gender', concept: [{ code: 'nope' }] }), 'CodeSystem.concept[0]', /'nope' is not a code of/);
    assert.deepEqual(found(codeSystem({ content: 'supplement', supplements: 'http://hl7.org/fhir/administrative-gender', concept: [{ code: 'male', designation: [{ value: 'M' }] }] })), []);
  });

  it('properties: declared once, a defined property with its type, and used with the declared type', () => {
    const cs = codeSystem({
      property: [
        { uri: 'http://hl7.org/fhir/concept-properties#notSelectable', code: 'notSelectable', type: 'dateTime' },
        { code: 'notSelectable', type: 'boolean' },
        { uri: 'http://hl7.org/fhir/concept-properties#notSelectable', code: 'not-selectable', type: 'boolean' },
        { code: 'weight', type: 'decimal' },
      ],
      concept: [{ code: 'a', property: [{ code: 'weight', valueInteger: 12 }, { code: 'notSelectable', valueBoolean: true }] }],
    });
    has(cs, 'CodeSystem.property[0]', /has the type boolean, not dateTime/);
    has(cs, 'CodeSystem.property[1]', /code 'notSelectable' is already declared/);
    has(cs, 'CodeSystem.property[2]', /URI .* is already declared/);
    has(cs, 'CodeSystem.concept[0].property[0]', /declared with the type decimal, but has a integer value/);
    has(cs, 'CodeSystem.concept[0].property[1]', /declared with the type dateTime, but has a boolean value/);
  });
});

describe('ValueSet rules', () => {
  const valueSet = (compose: Json, extra: Json = {}): Json => ({ resourceType: 'ValueSet', url: 'http://example.org/ValueSet/x', status: 'draft', compose, ...extra });

  it('a compose system is absolute (a contained code system is named by its url)', () => {
    has(valueSet({ include: [{ system: '#c1' }] }), 'ValueSet.compose.include[0]', /absolute URI/);
    assert.deepEqual(found(valueSet({ include: [{ system: 'http://hl7.org/fhir/administrative-gender' }] })), []);
  });

  it('a filter on a boolean property takes true or false', () => {
    has(valueSet({ include: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-tooth', filter: [{ property: 'notSelectable', op: '=', value: '1' }] }] }), 'ValueSet.compose.include[0].filter[0]', /'true' or 'false'/);
    assert.deepEqual(found(valueSet({ include: [{ system: 'http://terminology.hl7.org/CodeSystem/ex-tooth', filter: [{ property: 'notSelectable', op: '=', value: 'true' }] }] })), []);
  });

  it('a parameterised filter value is FHIRPath over the declared parameters', () => {
    const parameterised = (language: string, expression: string) =>
      valueSet(
        { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'inactive', op: '=', _value: { extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/cqf-expression', valueExpression: { language, expression } }] } }] }] },
        { extension: [{ url: 'http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter', extension: [{ url: 'name', valueCode: 'p-inactive' }] }] },
      );
    const at = 'ValueSet.compose.include[0].filter[0].value.extension[0].value.ofType(Expression)';
    assert.deepEqual(found(parameterised('text/fhirpath', '%p-inactive')), []);
    has(parameterised('text/fhirpath', '%p-inactive3'), at, /does not declare/);
    has(parameterised('text/fhirpath', '$ and %p-inactive'), at, /not valid FHIRPath/);
    has(parameterised('text/cql', '%p-inactive'), at, /must be in FHIRPath/);
  });
});

describe('SearchParameter and CapabilityStatement rules', () => {
  const sp = (extra: Json): Json => ({ resourceType: 'SearchParameter', url: 'http://example.org/SearchParameter/x', name: 'x', status: 'draft', description: 'x', code: 'name', ...extra });

  it('a derived SearchParameter keeps the type and bases of its parent, and its expression starts at its bases', () => {
    const parent = 'http://hl7.org/fhir/SearchParameter/Organization-name';
    has(sp({ derivedFrom: parent, base: ['Organization'], type: 'token', expression: 'Organization.name' }), 'SearchParameter', /differs from the type string/);
    const wrongBase = sp({ derivedFrom: parent, base: ['Patient'], type: 'string', expression: 'Organization.name | Organization.alias' });
    has(wrongBase, 'SearchParameter', /base Patient is not a base/);
    has(wrongBase, 'SearchParameter.expression', /starts at Organization/);
    assert.deepEqual(found(sp({ derivedFrom: parent, base: ['Organization'], type: 'string', expression: 'Organization.name' })), []);
  });

  it("a CapabilityStatement's search parameter has its definition's type", () => {
    const cap = (type: string) => ({
      resourceType: 'CapabilityStatement',
      status: 'draft',
      date: '2020-01-01',
      kind: 'instance',
      implementation: { description: 'Meridian' },
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [{ mode: 'server', resource: [{ type: 'AllergyIntolerance', searchParam: [{ name: 'clinical-status', definition: 'http://hl7.org/fhir/SearchParameter/AllergyIntolerance-clinical-status', type }] }] }],
    });
    has(cap('date'), 'CapabilityStatement.rest[0].resource[0].searchParam[0]', /has the type token/);
    assert.deepEqual(found(cap('token')), []);
  });
});

describe('Questionnaire enableWhen', () => {
  const q = (items: unknown[]) => ({ resourceType: 'Questionnaire', status: 'active', item: items });

  it('refers to another item of the Questionnaire, not to itself or its own descendants', () => {
    has(q([{ linkId: '1', type: 'group', enableWhen: [{ question: '1.1', operator: 'exists', answerBoolean: true }], item: [{ linkId: '1.1', type: 'boolean' }] }]), 'Questionnaire.item[0].enableWhen[0].question', /its own descendants/);
    has(q([{ linkId: '1', type: 'boolean', enableWhen: [{ question: '1', operator: 'exists', answerBoolean: true }] }]), 'Questionnaire.item[0].enableWhen[0].question', /the item itself/);
    has(q([{ linkId: '1', type: 'boolean', enableWhen: [{ question: '9', operator: 'exists', answerBoolean: true }] }]), 'Questionnaire.item[0].enableWhen[0].question', /not an item of this Questionnaire/);
    assert.deepEqual(found(q([{ linkId: '1', type: 'boolean' }, { linkId: '2', type: 'string', enableWhen: [{ question: '1', operator: '=', answerBoolean: true }] }])), []);
  });
});

describe('StructureDefinition rules', () => {
  const profile = (differential: unknown[], extra: Json = {}) => ({
    resourceType: 'StructureDefinition',
    url: 'http://example.org/StructureDefinition/p',
    name: 'P',
    status: 'draft',
    kind: 'resource',
    abstract: false,
    type: 'Observation',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
    derivation: 'constraint',
    differential: { element: differential },
    ...extra,
  });

  it('a type profile is a profile of that type (Count is a type of its own, not a Quantity)', () => {
    has(profile([{ id: 'Observation.valueQuantity', path: 'Observation.valueQuantity', type: [{ code: 'Quantity', profile: ['http://hl7.org/fhir/StructureDefinition/Count'] }] }]), 'StructureDefinition.differential.element[0].type[0].profile[0]', /for the type Count/);
    assert.deepEqual(found(profile([{ id: 'Observation.valueQuantity', path: 'Observation.valueQuantity', type: [{ code: 'Quantity', profile: ['http://hl7.org/fhir/StructureDefinition/SimpleQuantity'] }] }])), []);
  });

  it('a profile without a snapshot must have one that can be generated (an element id and path that disagree)', () => {
    has(profile([{ id: 'Observation.valueQuantity', path: 'Observation.valueBla' }]), 'StructureDefinition', /snapshot cannot be generated/);
  });
});
