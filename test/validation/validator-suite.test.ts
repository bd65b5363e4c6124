import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { caseSettings, scoreValidatorSuite, terminologyServerErrors } from '../../bench/validator-suite.ts';
import { coreResources, testDefinitions } from './helpers.ts';

/** Measured agreement minus about one point; raise them when the validator improves. */
const VERDICT_FLOOR = 0.92;
const ERROR_COUNT_FLOOR = 0.77;

describe("HL7's validator test suite (self-contained R4 cases)", () => {
  const score = scoreValidatorSuite(testDefinitions(), coreResources());

  it('runs every self-contained case that has a Java expectation and an input, and needs no terminology server', () => {
    assert.ok(score.run >= 225, `ran ${score.run}`);
    const tx = score.results.filter((r) => r.needsTerminologyServer);
    assert.ok(tx.length > 0 && tx.length < 20, `${tx.length} cases need a terminology server`);
    assert.ok(tx.every((r) => r.skipped !== undefined && r.actualErrors >= 0), 'they are still run, and reported apart');
  });

  it(`agrees with the Java validator's valid/invalid verdict at least ${VERDICT_FLOOR * 100}% of the time (Firely: 69%)`, () => {
    assert.ok(score.verdictAgreement >= VERDICT_FLOOR, `verdict agreement ${(score.verdictAgreement * 100).toFixed(1)}%`);
  });

  it(`agrees with the Java validator's error count at least ${ERROR_COUNT_FLOOR * 100}% of the time`, () => {
    assert.ok(score.errorCountAgreement >= ERROR_COUNT_FLOOR, `error-count agreement ${(score.errorCountAgreement * 100).toFixed(1)}%`);
  });

  it('never crashes on a case', () => {
    const crashes = score.results.filter((r) => r.messages.some((m) => m.startsWith('crash:')));
    assert.deepEqual(crashes.map((r) => `${r.name}: ${r.messages[0]}`), []);
  });
});

describe('which cases need a terminology server', () => {
  const server = [{ url: 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-server', valueUrl: 'https://tx.example.org' }];

  it('those with an error the server raised about a code or display', () => {
    assert.equal(terminologyServerErrors([{ severity: 'error', expression: ['Observation.code.coding[0].display'], extension: server }]).length, 1);
    assert.equal(terminologyServerErrors([{ severity: 'error', expression: ['Observation.code.coding[0].code'], extension: server }]).length, 1);
  });

  it('not those where the server only warned, judged something else, or was not involved', () => {
    assert.equal(terminologyServerErrors([{ severity: 'warning', expression: ['Observation.code.coding[0].code'], extension: server }]).length, 0);
    assert.equal(terminologyServerErrors([{ severity: 'error', expression: ['Measure.type[0].coding[0].system'], extension: server }]).length, 0);
    assert.equal(terminologyServerErrors([{ severity: 'error', expression: ['Observation.code.coding[0].code'] }]).length, 0);
  });
});

describe("a case's manifest settings", () => {
  it('map to the validator policies Meridian has, and nothing else', () => {
    assert.deepEqual(caseSettings({ name: 'a', 'security-checks': true }).policy, { securityChecks: true });
    assert.deepEqual(caseSettings({ name: 'a', examples: false }).policy, { exampleUrls: 'error' });
    assert.deepEqual(caseSettings({ name: 'a', noHtmlInMarkdown: true }).policy, { htmlInMarkdown: 'error' });
    assert.deepEqual(caseSettings({ name: 'a', 'allowed-extension-domain': 'https://fhir.nhs.uk/StructureDefinition' }).policy, { allowedExtensionDomains: ['https://fhir.nhs.uk/StructureDefinition'] });
    assert.deepEqual(caseSettings({ name: 'a', 'allow-comments': true, validateContains: 'IGNORE' }).policy, {});
  });
});
