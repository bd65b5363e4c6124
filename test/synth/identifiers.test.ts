import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isTestRangeNhsNumber, isValidNhsNumber, nhsCheckDigit, nhsNumberForRank, NHS_NUMBER_CAPACITY, Permutation, trustOdsCode } from '../../src/synth/identifiers.ts';
import { Random } from '../../src/synth/random.ts';

describe('NHS numbers', () => {
  it('computes the Modulus 11 check digit of known numbers', () => {
    assert.equal(nhsCheckDigit('943476591'), 9); // 943 476 5919, NHS Digital's published example
    assert.equal(isValidNhsNumber('9434765919'), true);
    assert.equal(isValidNhsNumber('9434765918'), false);
  });

  it('issues only valid numbers in the test range, unique across ranks', () => {
    const seen = new Set<string>();
    const perm = new Permutation(NHS_NUMBER_CAPACITY, 123456789, 987654321);
    for (let i = 0; i < 50_000; i++) {
      const n = nhsNumberForRank(perm.at(i));
      assert.ok(isTestRangeNhsNumber(n), n);
      seen.add(n);
    }
    assert.equal(seen.size, 50_000);
    assert.ok(isTestRangeNhsNumber(nhsNumberForRank(0)) && isTestRangeNhsNumber(nhsNumberForRank(NHS_NUMBER_CAPACITY - 1)));
  });

  it('gives trusts distinct R-codes', () => {
    const codes = new Set(Array.from({ length: 1024 }, (_, i) => trustOdsCode(i)));
    assert.equal(codes.size, 1024);
    for (const c of codes) assert.match(c, /^R[0-9A-Z]{2}$/);
  });
});

describe('Random', () => {
  it('is deterministic per label and differs between labels', () => {
    const a = Random.from('s', 'patient', 1);
    const b = Random.from('s', 'patient', 1);
    const c = Random.from('s', 'patient', 2);
    const xs = Array.from({ length: 5 }, () => a.u32());
    assert.deepEqual(Array.from({ length: 5 }, () => b.u32()), xs);
    assert.notDeepEqual(Array.from({ length: 5 }, () => c.u32()), xs);
    assert.match(Random.from('x').uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
