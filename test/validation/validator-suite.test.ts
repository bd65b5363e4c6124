import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { scoreValidatorSuite } from '../../bench/validator-suite.ts';
import { coreResources, testDefinitions } from './helpers.ts';

/** Measured verdict agreement minus one point; raise it when the validator improves. */
const VERDICT_FLOOR = 0.77;

describe("HL7's validator test suite (self-contained R4 cases)", () => {
  const score = scoreValidatorSuite(testDefinitions(), coreResources());

  it('runs every self-contained case that has a Java expectation and an input', () => {
    assert.ok(score.run >= 240, `ran ${score.run}`);
  });

  it(`agrees with the Java validator's valid/invalid verdict at least ${VERDICT_FLOOR * 100}% of the time (Firely: 69%)`, () => {
    assert.ok(score.verdictAgreement >= VERDICT_FLOOR, `verdict agreement ${(score.verdictAgreement * 100).toFixed(1)}%`);
  });

  it('never crashes on a case', () => {
    const crashes = score.results.filter((r) => r.messages.some((m) => m.startsWith('crash:')));
    assert.deepEqual(crashes.map((r) => `${r.name}: ${r.messages[0]}`), []);
  });
});
