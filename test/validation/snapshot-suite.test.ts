import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { scoreSnapshotSuite } from '../../bench/snapshot-suite.ts';
import { coreResources, testDefinitions } from './helpers.ts';

/** Measured results; raise them when the generator improves. */
const SAME_ELEMENTS = 66;
const SAME_PROPERTIES = 56;
const REJECTED = 10;

describe("HL7's snapshot-generation cases that apply to R4", () => {
  const score = scoreSnapshotSuite(testDefinitions(), coreResources());

  it('applies to R4 where the profiles are for FHIR 4.x and parse as R4', () => {
    assert.equal(score.cases, 114);
    assert.ok(score.applicable >= 99, `${score.applicable} apply`);
  });

  it(`generates the expected elements for at least ${SAME_ELEMENTS} cases, and the expected properties too for ${SAME_PROPERTIES}`, () => {
    assert.ok(score.generate.sameElements >= SAME_ELEMENTS, `${score.generate.sameElements} of ${score.generate.run}`);
    assert.ok(score.generate.sameProperties >= SAME_PROPERTIES, `${score.generate.sameProperties} of ${score.generate.run}`);
  });

  it(`rejects at least ${REJECTED} of the differentials that must fail`, () => {
    assert.ok(score.fail.rejected >= REJECTED, `${score.fail.rejected} of ${score.fail.run}`);
  });
});
