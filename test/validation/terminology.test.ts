import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ConformanceRegistry, Terminology } from '../../src/validation/index.ts';
import { testDefinitions, testValidator } from './helpers.ts';

const CS = 'http://example.org/CodeSystem/animals';

function registry(): ConformanceRegistry {
  const r = new ConformanceRegistry(testDefinitions());
  r.addAll([
    {
      resourceType: 'CodeSystem',
      url: CS,
      content: 'complete',
      concept: [
        { code: 'animal', display: 'Animal', concept: [{ code: 'mammal', display: 'Mammal', concept: [{ code: 'dog', display: 'Dog' }, { code: 'cat', display: 'Cat' }] }, { code: 'bird', display: 'Bird' }] },
        { code: 'rock', display: 'Rock', property: [{ code: 'colour', valueCode: 'grey' }] },
      ],
    },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/mammals', compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/below-mammal', compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'descendant-of', value: 'mammal' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/regex', compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'regex', value: 'b.*' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/grey', compose: { include: [{ system: CS, filter: [{ property: 'colour', op: '=', value: 'grey' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/all-but-cat', compose: { include: [{ system: CS }], exclude: [{ system: CS, concept: [{ code: 'cat' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/nested', compose: { include: [{ valueSet: ['http://example.org/vs/mammals'] }, { system: CS, concept: [{ code: 'rock' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/snomed', compose: { include: [{ system: 'http://snomed.info/sct', filter: [{ property: 'concept', op: 'is-a', value: '404684003' }] }] } },
    { resourceType: 'ValueSet', url: 'http://example.org/vs/snomed-list', compose: { include: [{ system: 'http://snomed.info/sct', concept: [{ code: '22298006' }] }] } },
  ]);
  return r;
}

const tx = new Terminology(registry());
const codes = (url: string) => [...tx.expand(url)!.codes.keys()].map((k) => k.slice(CS.length + 1)).sort();

describe('ValueSet expansion', () => {
  it('is-a includes the concept and everything below it', () => assert.deepEqual(codes('http://example.org/vs/mammals'), ['cat', 'dog', 'mammal']));
  it('descendant-of leaves the concept itself out', () => assert.deepEqual(codes('http://example.org/vs/below-mammal'), ['cat', 'dog']));
  it('regex matches whole codes', () => assert.deepEqual(codes('http://example.org/vs/regex'), ['bird']));
  it('= filters on a property', () => assert.deepEqual(codes('http://example.org/vs/grey'), ['rock']));
  it('a whole system minus excluded concepts', () => assert.deepEqual(codes('http://example.org/vs/all-but-cat'), ['animal', 'bird', 'dog', 'mammal', 'rock']));
  it('nested ValueSets and concept lists', () => assert.deepEqual(codes('http://example.org/vs/nested'), ['cat', 'dog', 'mammal', 'rock']));
  it('records systems it cannot enumerate as open', () => assert.deepEqual([...tx.expand('http://example.org/vs/snomed')!.open], ['http://snomed.info/sct']));
  it('is undefined for an unknown ValueSet', () => assert.equal(tx.expand('http://example.org/none'), undefined));
});

describe('code checks', () => {
  it('finds a code in a ValueSet, and says why one is not', () => {
    assert.equal(tx.inValueSet('http://example.org/vs/mammals', CS, 'dog').status, 'valid');
    assert.equal(tx.inValueSet('http://example.org/vs/mammals', CS, 'bird').status, 'invalid');
  });

  it('answers "not-checked", never "invalid", for codes of systems it does not hold', () => {
    assert.equal(tx.inValueSet('http://example.org/vs/snomed', 'http://snomed.info/sct', '22298006').status, 'not-checked');
    assert.equal(tx.inCodeSystem('http://snomed.info/sct', '22298006').status, 'not-checked');
  });

  it('checks listed SNOMED concepts without holding SNOMED', () => {
    assert.equal(tx.inValueSet('http://example.org/vs/snomed-list', 'http://snomed.info/sct', '22298006').status, 'valid');
    assert.equal(tx.inValueSet('http://example.org/vs/snomed-list', 'http://snomed.info/sct', '1234').status, 'invalid');
  });

  it('rejects unknown codes of a complete CodeSystem and flags a wrong display', () => {
    assert.equal(tx.inCodeSystem(CS, 'fish').status, 'invalid');
    const check = tx.inCodeSystem(CS, 'dog', 'Wolf');
    assert.equal(check.status, 'valid');
    assert.match(check.displayProblem!, /should be 'Dog'/);
  });

  it('checks the core ValueSets (administrative-gender)', () => {
    const core = testValidator().terminology;
    assert.equal(core.inValueSet('http://hl7.org/fhir/ValueSet/administrative-gender|4.0.1', undefined, 'female').status, 'valid');
    assert.equal(core.inValueSet('http://hl7.org/fhir/ValueSet/administrative-gender', undefined, 'f').status, 'invalid');
  });

  it('treats the older NHS number verification CodeSystem as England\'s', () => {
    const uk = testValidator().terminology;
    const vs = 'https://fhir.hl7.org.uk/ValueSet/UKCore-NHSNumberVerificationStatus';
    assert.equal(uk.inValueSet(vs, 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus', '01').status, 'valid');
    assert.equal(uk.inValueSet(vs, 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', '01').status, 'valid');
  });
});
