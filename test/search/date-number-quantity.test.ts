import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ids, load, type R } from './fixtures.ts';

const UCUM = 'http://unitsofmeasure.org';
const obs = (id: string, extra: Record<string, unknown>): R => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'test' }, ...extra });
const risk = (id: string, probability: number): R => ({ resourceType: 'RiskAssessment', id, status: 'final', subject: { reference: 'Patient/p' }, prediction: [{ probabilityDecimal: probability }] });

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Patient', id: 'p' },
      obs('d1', { effectiveDateTime: '2013-01-14T00:00:00Z' }),
      obs('d2', { effectiveDateTime: '2013-01-14T10:00:00Z' }),
      obs('d3', { effectiveDateTime: '2013-01-15T00:00:00Z' }),
      obs('d4', { effectiveDateTime: '2013-01-14' }),
      obs('p1', { effectivePeriod: { start: '2013-01-10', end: '2013-01-20' } }),
      obs('p2', { effectivePeriod: { start: '2013-02-01' } }),
      obs('q1', { valueQuantity: { value: 5.4, unit: 'mg', system: UCUM, code: 'mg' } }),
      obs('q2', { valueQuantity: { value: 5.35, unit: 'mg', system: UCUM, code: 'mg' } }),
      obs('q3', { valueQuantity: { value: 5.45, unit: 'mg', system: UCUM, code: 'mg' } }),
      obs('q4', { valueQuantity: { value: 5.4, unit: 'mg' } }),
      obs('q5', { valueQuantity: { value: 5.4, unit: 'g', system: UCUM, code: 'g' } }),
      risk('n1', 10),
      risk('n2', 9.96),
      risk('n3', 10.04),
      risk('n4', 10.05),
      risk('n5', 9.94),
      risk('n6', 10.0004),
    ]);
  });

  const dates = (q: string) => ids(client(), `Observation?date=${encodeURIComponent(q)}`);

  describe('date parameters', () => {
    it('match eq when the value lies within the day searched, as the spec example says', async () => {
      assert.deepEqual(await dates('eq2013-01-14'), ['d1', 'd2', 'd4']);
      assert.deepEqual(await dates('2013-01-14'), ['d1', 'd2', 'd4']);
    });
    it('match ne for values outside the day searched', async () => {
      assert.deepEqual(await dates('ne2013-01-14'), ['d3', 'p1', 'p2']);
    });
    it('match lt and gt against the range a less precise value covers', async () => {
      assert.deepEqual(await dates('lt2013-01-14T10:00:00Z'), ['d1', 'd4', 'p1']);
      assert.deepEqual(await dates('gt2013-01-14T10:00:00Z'), ['d3', 'd4', 'p1', 'p2']);
    });
    it('match ge and le including values within the searched day', async () => {
      assert.deepEqual(await dates('ge2013-01-15'), ['d3', 'p1', 'p2']);
      assert.deepEqual(await dates('le2013-01-14'), ['d1', 'd2', 'd4', 'p1']);
    });
    it('match sa (starts after) and eb (ends before)', async () => {
      assert.deepEqual(await dates('sa2013-01-14'), ['d3', 'p2']);
      assert.deepEqual(await dates('eb2013-01-15'), ['d1', 'd2', 'd4']);
    });
    it('match a month or a year with everything inside it, but not an open-ended period', async () => {
      assert.deepEqual(await dates('2013-01'), ['d1', 'd2', 'd3', 'd4', 'p1']);
      assert.deepEqual(await dates('2013'), ['d1', 'd2', 'd3', 'd4', 'p1']);
    });
    it('compare instants with time zones in UTC', async () => {
      assert.deepEqual(await dates('2013-01-14T11:00:00+01:00'), ['d2']);
      assert.deepEqual(await dates('2013-01-14T10:00:00+01:00'), []);
    });
    it('match ap for values near the one searched', async () => {
      // 10% of the time since 2013 widens the range by more than a year, so the period from February overlaps it
      assert.deepEqual(await dates('ap2013-01-14'), ['d1', 'd2', 'd3', 'd4', 'p1', 'p2']);
    });
    it('reject a value that is not a date with 400', async () => {
      assert.equal((await client().get('Observation?date=yesterday')).status, 400);
    });
    it('search _lastUpdated on the time the server stored each resource', async () => {
      assert.equal((await ids(client(), 'Patient?_lastUpdated=gt2000-01-01')).length, 1);
      assert.deepEqual(await ids(client(), 'Patient?_lastUpdated=lt2000-01-01'), []);
    });
  });

  describe('number parameters', () => {
    const prob = (q: string) => ids(client(), `RiskAssessment?probability=${encodeURIComponent(q)}`);
    it('match a value within the precision the search value is written with', async () => {
      assert.deepEqual(await prob('10'), ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
      assert.deepEqual(await prob('10.0'), ['n1', 'n2', 'n3', 'n6']);
      assert.deepEqual(await prob('10.000'), ['n1', 'n6']);
      assert.deepEqual(await prob('1e1'), ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    });
    it('compare exactly with gt, lt, ge and le', async () => {
      assert.deepEqual(await prob('gt10'), ['n3', 'n4', 'n6']);
      assert.deepEqual(await prob('lt10'), ['n2', 'n5']);
      assert.deepEqual(await prob('ge10'), ['n1', 'n3', 'n4', 'n6']);
      assert.deepEqual(await prob('le10'), ['n1', 'n2', 'n5']);
    });
    it('match ne outside the precision range and ap within 10%', async () => {
      assert.deepEqual(await prob('ne10.0'), ['n4', 'n5']);
      assert.deepEqual(await prob('ap10'), ['n1', 'n2', 'n3', 'n4', 'n5', 'n6']);
    });
  });

  describe('quantity parameters', () => {
    const qty = (q: string) => ids(client(), `Observation?value-quantity=${encodeURIComponent(q)}`);
    it('match 5.4|http://unitsofmeasure.org|mg from 5.35 up to but not including 5.45 mg', async () => {
      assert.deepEqual(await qty(`5.4|${UCUM}|mg`), ['q1', 'q2']);
    });
    it('match a unit by code or by unit text when no system is given', async () => {
      assert.deepEqual(await qty('5.4||mg'), ['q1', 'q2', 'q4']);
    });
    it('match any unit when only a number is given', async () => {
      assert.deepEqual(await qty('5.4'), ['q1', 'q2', 'q4', 'q5']);
    });
    it('apply prefixes to quantities', async () => {
      assert.deepEqual(await qty(`gt5.4|${UCUM}|mg`), ['q3', 'q5'], '5.4 g is more than 5.4 mg');
      assert.deepEqual(await qty(`le5.4|${UCUM}|mg`), ['q1', 'q2']);
      assert.deepEqual(await qty(`ap5.4|${UCUM}|mg`), ['q1', 'q2', 'q3']);
    });
  });
});

forEachStore((_store, client) => {
  before(async () => {
    const enc = (id: string, periods: [string, string][]): R => ({
      resourceType: 'Encounter', id, status: 'finished', class: { code: 'AMB' },
      period: { start: periods[0][0], end: periods[0][1] },
      location: periods.map(([start, end]) => ({ location: { reference: 'Location/l' }, period: { start, end } })),
    });
    await load(client(), [
      obs('w1', { effectiveDateTime: '2018-01-03T10:00:00Z' }),
      obs('w2', { effectiveDateTime: '2018-01-07T23:59:59Z' }),
      obs('w3', { effectiveDateTime: '2018-01-08T00:00:00Z' }),
      obs('w4', { effectiveDateTime: '2017-12-31' }),
      obs('w5', { effectivePeriod: { start: '2017-06-01', end: '2018-02-01' } }),
      obs('w6', { effectiveDateTime: '2018-01' }),
      obs('w7', { effectivePeriod: { start: '2016-01-01', end: '2017-01-01' } }),
      enc('e1', [['2018-01-01', '2018-01-02'], ['2020-01-01', '2020-01-02']]),
      enc('e2', [['2019-03-01', '2019-03-02']]),
    ]);
  });

  describe('date ranges (criteria ANDed on one parameter)', () => {
    const dates = (q: string) => ids(client(), `Observation?${q}`);
    it('hold for the same value of a single-valued parameter, points and periods alike', async () => {
      assert.deepEqual(await dates('date=ge2018-01-01&date=lt2018-01-08'), ['w1', 'w2', 'w5', 'w6']);
      assert.deepEqual(await dates('date=gt2018-01-03&date=le2018-01-08'), ['w2', 'w3', 'w5', 'w6']);
      assert.deepEqual(await dates('date=lt2018-01-08&date=ge2018-01-01&date=ne2018-01-03'), ['w2', 'w5', 'w6']);
      assert.deepEqual(await dates('date=ge2016-06-01&date=le2016-07-01'), ['w7']);
      assert.deepEqual(await dates('date=sa2017-12-30&date=eb2018-01-04'), ['w1', 'w4']);
    });
    it('are read from a window on the index (one filter), not one whole side of the timeline each', async () => {
      const sql = async (q: string) => String((await client().get(`${q}&_explain=true`)).body.issue[0].diagnostics);
      assert.match(await sql('Observation?date=ge2018-01-01&date=lt2018-01-08'), /high > \w+\.low \+ 86400000/);
      assert.doesNotMatch(await sql('Encounter?location-period=ge2019-01-01&location-period=lt2018-06-01'), /86400000/);
    });
    it('are met by different values of a multi-valued parameter, as the spec reads AND', async () => {
      // e1 stayed at a location in January 2018 and at one in January 2020: one value is before 2018-06, another after 2019
      assert.deepEqual(await ids(client(), 'Encounter?location-period=ge2019-01-01&location-period=lt2018-06-01'), ['e1']);
      assert.deepEqual(await ids(client(), 'Encounter?location-period=ge2019-01-01&location-period=lt2019-06-01'), ['e1', 'e2']);
      assert.deepEqual(await ids(client(), 'Encounter?date=ge2019-01-01&date=lt2018-06-01'), [], 'Encounter.period is single-valued');
    });
  });
});
