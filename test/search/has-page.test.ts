/**
 * `_has` pages found by probing the candidates in rid order (search/page.ts) hold exactly the rows
 * the default plan (driven by the referring resources' index rows) finds, page after page, on
 * every store: for common, concentrated and rare codes, deleted candidates, access-control filters
 * inside and outside the `_has`, and a `_has` nested in it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import type { ResourceStore } from '../../src/storage/types.ts';
import { and, compilerFor, type Filter, type SearchPlan, type SqlCompiler } from '../../src/storage/search/index.ts';
import { choosePage, EstimateCache, phaseTwo, selectPage, TUNING } from '../../src/search/page.ts';
import { indexedWriter, testStores } from '../helpers/stores.ts';

const PATIENTS = 40;
const pid = (n: number) => `p${String(n).padStart(2, '0')}`;
/** Codes of each patient's Observations: `c` common (every patient but the last five), `k` concentrated on the last five, `r` rare. */
function codesOf(n: number): string[] {
  if (n >= PATIENTS - 5) return Array(30).fill('k');
  return ['c', 'c', 'c', 'x', ...(n % 17 === 3 ? ['r'] : [])];
}

const code = (value: string): Filter => ({ kind: 'index', table: 'idx_token', param: 'code', where: { op: 'eq', column: 'code', value } });
const has = (filter: Filter): Filter => ({ kind: 'has', type: 'Observation', param: 'patient', filter });
const within = (ids: string[]): Filter => ({ kind: 'patients', mode: 'within', ids });
const outside = (ids: string[]): Filter => ({ kind: 'patients', mode: 'outside', ids });
const reported: Filter = { kind: 'has', type: 'DiagnosticReport', param: 'result', filter: { kind: 'index', table: 'idx_token', param: 'status', where: { op: 'eq', column: 'code', value: 'final' } } };

const subject = (n: number): Filter => ({ kind: 'index', table: 'idx_reference', param: 'patient', where: { op: 'eq', column: 'target_id', value: pid(n) } });

/** Patients found by `_has` filters, and Observations by plain criteria (driven by their own index rows). */
const FILTERS: Record<string, { type: string; filter: Filter }> = {
  common: { type: 'Patient', filter: has(code('c')) },
  concentrated: { type: 'Patient', filter: has(code('k')) },
  rare: { type: 'Patient', filter: has(code('r')) },
  'common or rare': { type: 'Patient', filter: has({ kind: 'or', filters: [code('r'), code('c')] }) },
  'confined inside': { type: 'Patient', filter: has(and([code('c'), within([pid(1), pid(2), pid(9), pid(30)])])) },
  'confined outside': { type: 'Patient', filter: and([has(and([code('c'), outside([pid(0), pid(4)])])), outside([pid(0), pid(4)]), within(Array.from({ length: 30 }, (_, n) => pid(n)))]) },
  nested: { type: 'Patient', filter: has(and([code('c'), reported])) },
  'Observations: common code': { type: 'Observation', filter: code('c') },
  'Observations: concentrated code': { type: 'Observation', filter: code('k') },
  'Observations: rare code': { type: 'Observation', filter: code('r') },
  'Observations: either code': { type: 'Observation', filter: { kind: 'or', filters: [code('r'), code('k')] } },
  'Observations: code and patient': { type: 'Observation', filter: and([code('c'), subject(12)]) },
  'Observations: code, confined': { type: 'Observation', filter: and([code('x'), outside([pid(3), pid(4)])]) },
};

describe('phase 2: probing more candidates or following the index', () => {
  // phase 1 found 10 matches among 100 candidates; 40 are missing; 1,600 candidates in all, 5,000 driving index rows
  const at = { drivingRows: 5000, candidates: 1600, probeCost: 10, probed: 100, found: 10, missing: 40 };
  const tuning = { ...TUNING, candidateCost: 0.1 };
  it('where probing stops at the limit (SQLite), weighs the probes the page still needs: 400 × 10 + 800 × 0.1 < 5,000', () => {
    assert.deepEqual(phaseTwo(at, tuning, true), { way: 'candidates', budget: 800 });
  });
  it('where every candidate read is probed (PostgreSQL), weighs its whole budget, twice the probes needed: 800 × 10 > 5,000', () => {
    assert.deepEqual(phaseTwo(at, tuning, false), { way: 'index', budget: 800 });
    assert.equal(phaseTwo({ ...at, candidates: 450 }, tuning, false).way, 'candidates');
  });
  it('bounds the probes by the budget, not by the candidates left: a common criterion on PostgreSQL probes 198 of 8,000', () => {
    // Observation?value-quantity=gt100&_count=10 on the bench store: 2 matches among the first 22 of 113,000 Observations
    const common = { drivingRows: 1100, candidates: 8000, probeCost: 4, probed: 22, found: 2, missing: 9 };
    assert.deepEqual(phaseTwo(common, tuning, false), { way: 'candidates', budget: 198 });
    // SQLite may read up to what the index rows would cost (1,100 / 4 − 22), and probes only until the page is full
    assert.deepEqual(phaseTwo(common, tuning, true), { way: 'candidates', budget: 253 });
  });
  it('never counts more probes than candidates remain', () => {
    assert.equal(phaseTwo({ ...at, found: 1, candidates: 300 }, tuning, true).way, 'candidates');
    assert.equal(phaseTwo({ ...at, found: 1, candidates: 300 }, tuning, false).way, 'candidates');
  });
});

for (const t of testStores()) {
  describe(`_has pages by candidates on ${t.name}`, () => {
    let store: ResourceStore;
    let compiler: SqlCompiler;
    before(async () => {
      store = await openStore(await t.create());
      compiler = compilerFor(store.dialect);
      const write = indexedWriter(store);
      for (let n = 0; n < PATIENTS; n++) await write('Patient', pid(n), { compartment: [{ param: 'Patient', compartmentId: pid(n) }] });
      for (let n = PATIENTS - 1; n >= 0; n--) {
        const codes = codesOf(n);
        for (let i = 0; i < codes.length; i++) {
          const id = `o-${pid(n)}-${i}`;
          await write('Observation', id, {
            token: [{ param: 'code', system: 'http://loinc.org', code: codes[i] }],
            reference: [{ param: 'patient', targetType: 'Patient', targetId: pid(n) }],
            compartment: [{ param: 'Patient', compartmentId: pid(n) }],
          });
          if (i === 1 && n % 3 === 0) await write('DiagnosticReport', `dr-${id}`, { token: [{ param: 'status', system: null, code: 'final' }], reference: [{ param: 'result', targetType: 'Observation', targetId: id }] });
        }
      }
      // deleted patients keep the references to them
      for (const n of [0, 7, 36]) await write('Patient', pid(n), {}, true);
      // planner statistics, as after a bulk load: without them PostgreSQL nests sequential scans (90 ms a query here)
      await store.optimize();
    });
    after(async () => {
      await store.close();
      await t.cleanup();
    });

    /** Every page in turn (keyset paging on rid), as ids. */
    async function pages({ type, filter }: { type: string; filter: Filter }, limit: number, find: (plan: SearchPlan) => Promise<Record<string, unknown>[]>): Promise<string[][]> {
      const out: string[][] = [];
      let afterRid: number | undefined;
      for (;;) {
        const rows = await find({ types: [type], filter, sort: [], limit, after: afterRid === undefined ? undefined : { values: [], rid: afterRid, backwards: false } });
        if (!rows.length) return out;
        out.push(rows.map((r) => String(r.id)));
        afterRid = Number(rows[rows.length - 1].rid);
      }
    }
    const byIndex = (plan: SearchPlan) => store.select(compiler.select(plan));

    for (const [name, filter] of Object.entries(FILTERS)) {
      it(`finds the same pages for ${name}`, async () => {
        for (const limit of [1, 2, 3, 7, 50]) {
          const expected = await pages(filter, limit, byIndex);
          assert.ok(expected.length, `${name}: something matches`);
          assert.deepEqual(await pages(filter, limit, (plan) => selectPage(store, compiler, plan)), expected, `${name}, ${limit} a page: as chosen`);
          // every path: phase 1 always, then phase 2 by the index, or by candidates (unbounded, or within a budget and then by the index)
          for (const probeCost of [0, 2, Infinity]) {
            for (const phaseOne of probeCost === 2 ? [1] : [0.5, 1, 3]) {
              const tuning = { ...TUNING, rowsPerMatch: 0, candidateCost: 0, probeCost, indexProbeCost: probeCost, phaseOne };
              assert.deepEqual(await pages(filter, limit, (plan) => selectPage(store, compiler, plan, {}, tuning)), expected, `${name}, ${limit} a page: ${JSON.stringify(tuning)}`);
            }
          }
          assert.deepEqual(await pages(filter, limit, (plan) => byIndex({ ...plan, candidates: {} })), expected, `${name}, ${limit} a page: by candidates`);
        }
      });
    }

    it('probes the candidates for a common code and drives from the index for a rare one', async () => {
      const plan = ({ type, filter }: { type: string; filter: Filter }): SearchPlan => ({ types: [type], filter, sort: [], limit: 2 });
      assert.ok((await choosePage(store, compiler, plan(FILTERS.common))).plan.candidates);
      assert.ok((await choosePage(store, compiler, plan(FILTERS.concentrated))).plan.candidates);
      assert.equal((await choosePage(store, compiler, plan(FILTERS.rare))).plan.candidates, undefined);
      assert.equal((await choosePage(store, compiler, { ...plan(FILTERS.common), sort: [{ key: { kind: 'column', column: 'id' }, descending: false }] })).plan.candidates, undefined);
    });

    it('probes the candidates for a common plain criterion of one type too, and drives from the index for a rare one or several types', async () => {
      const plan = ({ type, filter }: { type: string; filter: Filter }): SearchPlan => ({ types: [type], filter, sort: [], limit: 2 });
      const common = await choosePage(store, compiler, plan(FILTERS['Observations: common code']));
      assert.ok(common.plan.candidates);
      assert.equal(common.counted?.probeCost, TUNING.indexProbeCost);
      assert.equal((await choosePage(store, compiler, plan(FILTERS['Observations: rare code']))).plan.candidates, undefined);
      assert.equal((await choosePage(store, compiler, { ...plan(FILTERS['Observations: common code']), types: ['Observation', 'DiagnosticReport'] })).plan.candidates, undefined);
      assert.equal((await choosePage(store, compiler, plan(FILTERS.common))).counted?.probeCost, TUNING.probeCost);
    });

    it('asks the estimate again only once its answer is older than the cache keeps it, and chooses the same way with it', async () => {
      let now = 0;
      const cache = new EstimateCache(1000, 10, () => now);
      let asked = 0;
      const counting = { select: (q: Parameters<ResourceStore['select']>[0]) => (asked++, store.select(q)) } as unknown as ResourceStore;
      const plan = ({ type, filter }: { type: string; filter: Filter }): SearchPlan => ({ types: [type], filter, sort: [], limit: 2 });
      for (const name of ['common', 'rare'] as const) {
        const fresh = await choosePage(store, compiler, plan(FILTERS[name]));
        asked = 0;
        assert.deepEqual(await choosePage(counting, compiler, plan(FILTERS[name]), TUNING, cache), fresh);
        assert.deepEqual(await choosePage(counting, compiler, plan(FILTERS[name]), TUNING, cache), fresh);
        assert.equal(asked, 1, name);
      }
      now = 1000;
      await choosePage(counting, compiler, plan(FILTERS.common), TUNING, cache);
      assert.equal(asked, 2);
    });
  });
}
