import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { checkUkRules, isValidNhsNumber, nhsNumberProblem, odsCodeProblem } from '../../src/validation/index.ts';

describe('NHS number (Modulus 11)', () => {
  it('accepts valid numbers, including the synthetic 999 range', () => {
    for (const n of ['9000000009', '9449306621', '9999999468', '4010232137']) assert.ok(isValidNhsNumber(n), n);
  });

  it('rejects a wrong check digit and says which digit it should be', () => {
    assert.match(nhsNumberProblem('9000000008')!, /check digit should be 9/);
  });

  it('rejects numbers whose check digit would be 10', () => {
    assert.match(nhsNumberProblem('1000000010')!, /no check digit is possible/);
  });

  it('rejects repeated digits even where the check digit works out', () => {
    for (const n of ['0000000000', '1111111111', '2222222222', '9999999999']) assert.match(nhsNumberProblem(n)!, /all ten digits are the same/, n);
  });

  it('rejects anything but ten digits', () => {
    for (const n of ['900 000 0009', '900000000', '90000000091', '90000000O9', '']) assert.ok(nhsNumberProblem(n), n);
  });
});

describe('ODS codes', () => {
  it('accepts organisation codes of 3 to 6 letters and digits', () => {
    for (const c of ['X26', 'RR8', 'A81001', 'RBA11', '8HK48']) assert.equal(odsCodeProblem(c), undefined, c);
  });

  it('rejects lower case, punctuation and the wrong length', () => {
    for (const c of ['rr8', 'R-8', 'AB', 'ABCDEFG']) assert.ok(odsCodeProblem(c), c);
  });

  it('allows site codes up to 9 characters', () => {
    assert.equal(odsCodeProblem('RBAAA0123', true), undefined);
  });
});

describe('checkUkRules', () => {
  it('points at the value of a bad NHS number identifier', () => {
    const issues = checkUkRules({
      resourceType: 'Patient',
      identifier: [{ system: 'http://example.org', value: 'x' }, { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '1111111111' }],
    });
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0].expression, ['Patient.identifier[1].value']);
    assert.equal(issues[0].severity, 'error');
  });

  it('checks identifiers anywhere, such as an ODS code on a reference', () => {
    const issues = checkUkRules({
      resourceType: 'Observation',
      performer: [{ identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: 'not ods' } }],
    });
    assert.deepEqual(issues[0].expression, ['Observation.performer[0].identifier.value']);
  });

  it('accepts verification statuses from the older CodeSystem PDS sends, and rejects unknown codes', () => {
    const status = (system: string, code: string) => ({
      resourceType: 'Patient',
      identifier: [
        {
          system: 'https://fhir.nhs.uk/Id/nhs-number',
          value: '9000000009',
          extension: [{ url: 'https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-NHSNumberVerificationStatus', valueCodeableConcept: { coding: [{ system, code }] } }],
        },
      ],
    });
    assert.deepEqual(checkUkRules(status('https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus', '01')), []);
    assert.deepEqual(checkUkRules(status('https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', '02')), []);
    assert.equal(checkUkRules(status('https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus', '99')).length, 1);
  });
});
