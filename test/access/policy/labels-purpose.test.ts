import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clearedFor, confidentialityOf, hiddenLabels, isDirectCare, labelsAllow, optOutApplies, purposeCovers } from '../../../src/access/policy/index.ts';

const labelled = (...codes: [string, string][]) => ({ resourceType: 'Observation', meta: { security: codes.map(([system, code]) => ({ system, code })) } });
const V3 = 'http://terminology.hl7.org/CodeSystem/v3-Confidentiality';
const OLD = 'http://hl7.org/fhir/v3/Confidentiality';

describe('Security labels', () => {
  it('reads confidentiality codes from meta.security in either v3 system, ignoring other labels', () => {
    const r = labelled([V3, 'R'], [OLD, 'V'], ['http://terminology.hl7.org/CodeSystem/v3-ActCode', 'HIV']);
    assert.deepEqual(confidentialityOf(r), ['R', 'V']);
  });
  it('shows U, L, M and N to everyone', () => {
    for (const code of ['U', 'L', 'M', 'N']) assert.equal(labelsAllow(labelled([V3, code]), new Set()), true, code);
    assert.equal(labelsAllow({ resourceType: 'Patient' }, new Set()), true, 'unlabelled');
  });
  it('hides R from those without clearance R (or V)', () => {
    assert.equal(labelsAllow(labelled([V3, 'R']), new Set()), false);
    assert.equal(labelsAllow(labelled([V3, 'R']), new Set(['R'])), true);
    assert.equal(labelsAllow(labelled([OLD, 'R']), new Set(['V'])), true, 'V is the higher level');
  });
  it('hides V from all but clearance V', () => {
    assert.equal(labelsAllow(labelled([V3, 'V']), new Set(['R'])), false);
    assert.equal(labelsAllow(labelled([V3, 'V']), new Set(['V'])), true);
    assert.equal(clearedFor(new Set(['V']), 'v'), true);
  });
  it('needs every label cleared', () => {
    assert.equal(labelsAllow(labelled([V3, 'N'], [V3, 'V']), new Set(['R'])), false);
  });
  it('lists the codes a clearance may not see, for a _security search filter', () => {
    assert.deepEqual(hiddenLabels(new Set()), ['R', 'r', 'V', 'v']);
    assert.deepEqual(hiddenLabels(new Set(['R'])), ['V', 'v']);
    assert.deepEqual(hiddenLabels(new Set(['V'])), []);
  });
});

describe('Purposes of use', () => {
  it('follows the ActReason hierarchy', () => {
    assert.equal(purposeCovers('TREAT', 'ETREAT'), true);
    assert.equal(purposeCovers('TREAT', 'BTG'), true);
    assert.equal(purposeCovers('HRESCH', 'CLINTRCH'), true);
    assert.equal(purposeCovers('ETREAT', 'TREAT'), false);
    assert.equal(purposeCovers('HOPERAT', 'CAREMGT'), true);
  });
  it('counts treatment, emergency treatment and coordination of care as direct care', () => {
    for (const p of ['TREAT', 'ETREAT', 'BTG', 'ERTREAT', 'COC']) assert.equal(isDirectCare(p), true, p);
  });
  it('does not count research, operations (care management too), payment, public or population health as direct care', () => {
    for (const p of ['HRESCH', 'CLINTRCH', 'HOPERAT', 'CAREMGT', 'HPAYMT', 'PUBHLTH', 'POPHLTH', 'HMARKT', 'PATRQT', 'UNKNOWN']) assert.equal(isDirectCare(p), false, p);
  });
  it('applies the national data opt-out to everything but direct care and the patient’s own requests', () => {
    assert.equal(optOutApplies('HRESCH'), true);
    assert.equal(optOutApplies('HOPERAT'), true);
    assert.equal(optOutApplies('UNKNOWN'), true, 'unknown purposes fail safe');
    assert.equal(optOutApplies('TREAT'), false);
    assert.equal(optOutApplies('PATRQT'), false);
    assert.equal(optOutApplies('PWATRNY'), false);
  });
});
