import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ucum } from '../../src/search/ucum.ts';
import { ids, load, type R } from './fixtures.ts';

const UCUM = 'http://unitsofmeasure.org';
const q = (value: number, code: string, system = UCUM) => ({ value, unit: code, system, code });
const obs = (id: string, valueQuantity: Record<string, unknown>): R => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'test' }, valueQuantity });
const condition = (id: string, onset: Record<string, unknown>): R => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p' }, ...onset });

describe('UCUM canonical units', () => {
  it('convert multiplicative units and the affine temperatures, and refuse the rest', () => {
    assert.deepEqual(ucum.canonical('mg'), { unit: 'g', factor: 0.001, offset: 0 });
    assert.equal(ucum.canonical('mmol/L')?.unit, ucum.canonical('mol/L')?.unit);
    assert.equal(ucum.canonical('[lb_av]')?.unit, 'g');
    assert.deepEqual(ucum.canonical('Cel'), { unit: 'K', factor: 1, offset: 273.15 });
    for (const code of ['[pH]', '[iU]/L', 'not a unit', '']) assert.equal(ucum.canonical(code), undefined, code);
  });
});

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Patient', id: 'p' },
      obs('mmol', q(5.4, 'mmol/L')),
      obs('mol', q(0.0054, 'mol/L')),
      obs('mol-edge', q(0.00536, 'mol/L')),
      obs('mol-out', q(0.0055, 'mol/L')),
      obs('mass', q(5.4, 'mg/dL')),
      obs('other-system', q(5.4, 'mmol/L', 'http://example.org/units')),
      obs('kg', q(70, 'kg')),
      obs('lb', q(154.3, '[lb_av]')),
      obs('cm', q(180, 'cm')),
      obs('m', q(1.76, 'm')),
      obs('cel', q(37, 'Cel')),
      obs('kelvin', q(310.15, 'K')),
      obs('fahrenheit', q(98.6, '[degF]')),
      obs('iu', q(5, '[iU]/L')),
      condition('range', { onsetRange: { low: { value: 20, unit: 'a', system: UCUM, code: 'a' }, high: { value: 30, unit: 'a', system: UCUM, code: 'a' } } }),
      condition('narrow', { onsetRange: { low: { value: 20, system: UCUM, code: 'a' }, high: { value: 20.4, system: UCUM, code: 'a' } } }),
      condition('open', { onsetRange: { low: { value: 50, system: UCUM, code: 'a' } } }),
      condition('age', { onsetAge: { value: 25, unit: 'years', system: UCUM, code: 'a' } }),
      { resourceType: 'RiskAssessment', id: 'r-range', status: 'final', subject: { reference: 'Patient/p' }, prediction: [{ probabilityRange: { low: { value: 0.2 }, high: { value: 0.4 } } }] },
      { resourceType: 'RiskAssessment', id: 'r-point', status: 'final', subject: { reference: 'Patient/p' }, prediction: [{ probabilityDecimal: 0.3 }] },
    ]);
  });
  const value = (v: string) => ids(client(), `Observation?value-quantity=${encodeURIComponent(v)}`);
  const onset = (v: string) => ids(client(), `Condition?onset-age=${encodeURIComponent(v)}`);
  const probability = (v: string) => ids(client(), `RiskAssessment?probability=${encodeURIComponent(v)}`);

  describe('quantities in comparable UCUM units', () => {
    it('find 0.0054 mol/L for 5.4 mmol/L, within the search value’s precision (5.35–5.45 mmol/L)', async () => {
      assert.deepEqual(await value(`5.4|${UCUM}|mmol/L`), ['mmol', 'mol', 'mol-edge']);
      assert.deepEqual(await value(`0.0054|${UCUM}|mol/L`), ['mmol', 'mol', 'mol-edge']);
    });
    it('never match units of another kind, another system, or by code alone without the UCUM system', async () => {
      assert.deepEqual(await value(`5.4|${UCUM}|mg/dL`), ['mass']);
      assert.deepEqual(await value('5.4||mmol/L'), ['mmol', 'other-system']);
      assert.deepEqual(await value('5.4|http://example.org/units|mmol/L'), ['other-system']);
    });
    it('apply prefixes in the canonical unit', async () => {
      assert.deepEqual(await value(`gt5.4|${UCUM}|mmol/L`), ['mol-out']);
      assert.deepEqual(await value(`lt0.0054|${UCUM}|mol/L`), ['mol-edge']);
      assert.deepEqual(await value(`ge0.05|${UCUM}|g/L`), ['mass'], '5.4 mg/dL is 0.054 g/L');
      assert.deepEqual(await value(`ge1|${UCUM}|g/L`), []);
    });
    it('convert pounds to kilograms and centimetres to metres', async () => {
      assert.deepEqual(await value(`154|${UCUM}|[lb_av]`), ['kg', 'lb']);
      assert.deepEqual(await value(`70|${UCUM}|kg`), ['kg', 'lb']);
      assert.deepEqual(await value(`1.8|${UCUM}|m`), ['cm', 'm']);
      assert.deepEqual(await value(`ge178|${UCUM}|cm`), ['cm']);
    });
    it('convert Celsius and Fahrenheit to kelvin, offset and all', async () => {
      assert.deepEqual(await value(`37|${UCUM}|Cel`), ['cel', 'fahrenheit', 'kelvin']);
      assert.deepEqual(await value(`98.6|${UCUM}|[degF]`), ['cel', 'fahrenheit', 'kelvin']);
      assert.deepEqual(await value(`gt99|${UCUM}|[degF]`), []);
      assert.deepEqual(await value(`lt37.1|${UCUM}|Cel`), ['cel', 'fahrenheit', 'kelvin']);
    });
    it('match units that do not convert (arbitrary units) by their code', async () => {
      assert.deepEqual(await value(`5|${UCUM}|[iU]/L`), ['iu']);
    });
    it('convert years and months', async () => {
      assert.deepEqual(await onset(`300|${UCUM}|mo`), ['age']);
    });
  });

  describe('ranges', () => {
    it('match eq only when the search value’s range holds the whole range', async () => {
      assert.deepEqual(await onset(`20|${UCUM}|a`), ['narrow']);
      assert.deepEqual(await onset(`25|${UCUM}|a`), ['age']);
    });
    it('match gt and lt when the range reaches above or below the value', async () => {
      assert.deepEqual(await onset(`gt25|${UCUM}|a`), ['open', 'range']);
      assert.deepEqual(await onset(`lt25|${UCUM}|a`), ['narrow', 'range']);
      assert.deepEqual(await onset(`gt1000|${UCUM}|a`), ['open'], 'an open end reaches on');
    });
    it('match sa and eb when the whole range lies after or before the value', async () => {
      assert.deepEqual(await onset(`sa19|${UCUM}|a`), ['age', 'narrow', 'open', 'range']);
      assert.deepEqual(await onset(`sa20|${UCUM}|a`), ['age', 'open']);
      assert.deepEqual(await onset(`eb31|${UCUM}|a`), ['age', 'narrow', 'range']);
    });
    it('match ap when the range overlaps the value ±10%', async () => {
      assert.deepEqual(await onset(`ap33|${UCUM}|a`), ['range']);
    });
    it('match in a canonical unit too', async () => {
      assert.deepEqual(await onset(`gt348|${UCUM}|mo`), ['open', 'range'], '348 months is 29 years');
    });
    it('index a number parameter’s Range (RiskAssessment.probabilityRange) as an interval', async () => {
      assert.deepEqual(await probability('gt0.35'), ['r-range']);
      assert.deepEqual(await probability('lt0.25'), ['r-range']);
      assert.deepEqual(await probability('0.3'), ['r-point']);
      assert.deepEqual(await probability('ap0.3'), ['r-point', 'r-range']);
      assert.deepEqual(await probability('sa0.1'), ['r-point', 'r-range']);
      assert.deepEqual(await probability('eb0.35'), ['r-point']);
    });
  });
});
