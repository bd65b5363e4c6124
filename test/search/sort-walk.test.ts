/**
 * Pages sorted by one key found by walking the key's index (search/page.ts, SqlCompiler.walkPage)
 * hold exactly the rows the default plan (every match's key read and sorted) finds, page after
 * page, on every store: latest and earliest dates, codes and names in both directions, with ties,
 * resources with two values or the same value twice, resources without a value (last), deleted
 * ones, and criteria matching much, some or little of the type. A walk that runs out of budget
 * gives way to the default plan. So do the pages before (`previous` links).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import type { ResourceStore } from '../../src/storage/types.ts';
import { compilerFor, type Filter, type SearchPlan, type SortBy, type SqlCompiler } from '../../src/storage/search/index.ts';
import { choosePage, selectPage, TUNING } from '../../src/search/page.ts';
import { toPlanRow } from '../../src/search/rows.ts';
import { indexedWriter, testStores } from '../helpers/stores.ts';

const OBSERVATIONS = 60;
const PATIENTS = 30;
const DAY = 86_400_000;
const T0 = Date.UTC(2020, 0, 1);
const oid = (n: number) => `o${String(n).padStart(2, '0')}`;

/** Observation n's date rows: none for every tenth, two for every seventh, the same one twice for n % 11 = 5; three share each day. */
function datesOf(n: number): { param: string; low: number; high: number }[] {
  if (n % 10 === 9) return [];
  const day = { param: 'date', low: T0 + (n % 20) * DAY, high: T0 + (n % 20) * DAY + DAY - 1 };
  if (n % 7 === 0) return [day, { param: 'date', low: T0 - (n + 1) * DAY, high: T0 + 40 * DAY + (n % 3) }];
  if (n % 11 === 5) return [day, { ...day }];
  return [day];
}
const FAMILIES = ['Ames', 'Baker', 'Cole', 'Baker', 'Drew', 'Ames', 'Evans'];
/** Patient n's family names (folded): none for every eighth, two for every fifth. */
function familiesOf(n: number): string[] {
  if (n % 8 === 7) return [];
  const first = FAMILIES[n % FAMILIES.length].toLowerCase();
  return n % 5 === 0 ? [first, FAMILIES[(n + 3) % FAMILIES.length].toLowerCase()] : [first];
}

const token = (param: string, code: string): Filter => ({ kind: 'index', table: 'idx_token', param, where: { op: 'eq', column: 'code', value: code } });
const date: (descending: boolean) => SortBy = (descending) => ({ key: { kind: 'index', table: 'idx_date', param: 'date', column: descending ? 'high' : 'low', aggregate: descending ? 'max' : 'min' }, descending });
const code: (descending: boolean) => SortBy = (descending) => ({ key: { kind: 'index', table: 'idx_token', param: 'code', column: 'code', aggregate: descending ? 'max' : 'min' }, descending });
const family: (descending: boolean) => SortBy = (descending) => ({ key: { kind: 'index', table: 'idx_string', param: 'family', column: 'value', aggregate: descending ? 'max' : 'min' }, descending });

const FILTERS: Record<string, { type: string; filter: Filter }> = {
  'every Observation': { type: 'Observation', filter: { kind: 'true' } },
  'final (two in three)': { type: 'Observation', filter: token('status', 'final') },
  'preliminary (one in three)': { type: 'Observation', filter: token('status', 'preliminary') },
  'code c1 or c2': { type: 'Observation', filter: { kind: 'or', filters: [token('code', 'c1'), token('code', 'c2')] } },
  'not final': { type: 'Observation', filter: { kind: 'not', filter: token('status', 'final') } },
  'every Patient': { type: 'Patient', filter: { kind: 'true' } },
  'active Patients': { type: 'Patient', filter: token('active', 'true') },
};
const SORTS: Record<string, { types: string[]; sort: SortBy }> = {
  'latest date first': { types: ['Observation'], sort: date(true) },
  'earliest date first': { types: ['Observation'], sort: date(false) },
  'code ascending': { types: ['Observation'], sort: code(false) },
  'code descending': { types: ['Observation'], sort: code(true) },
  'family ascending': { types: ['Patient'], sort: family(false) },
  'family descending': { types: ['Patient'], sort: family(true) },
};

for (const t of testStores()) {
  describe(`pages sorted by walking the key's index on ${t.name}`, () => {
    let store: ResourceStore;
    let compiler: SqlCompiler;
    before(async () => {
      store = await openStore(await t.create());
      compiler = compilerFor(store.dialect);
      const write = indexedWriter(store);
      // written latest first, so that rid order is not the dates' order
      for (let n = OBSERVATIONS - 1; n >= 0; n--) {
        await write('Observation', oid(n), {
          date: datesOf(n),
          token: [
            { param: 'status', system: null, code: n % 3 === 0 ? 'preliminary' : 'final' },
            { param: 'code', system: 'http://loinc.org', code: `c${n % 5}` },
            ...(n % 4 === 0 ? [{ param: 'code', system: 'http://snomed.info/sct', code: `s${n % 6}` }] : []),
          ],
        });
      }
      for (let n = 0; n < PATIENTS; n++) {
        await write('Patient', `p${String(n).padStart(2, '0')}`, { string: familiesOf(n).map((value) => ({ param: 'family', value })), token: [{ param: 'active', system: null, code: n % 4 === 1 ? 'false' : 'true' }] });
      }
      for (const n of [4, 33]) await write('Observation', oid(n), {}, true);
      await write('Patient', 'p03', {}, true);
      await store.optimize();
    });
    after(async () => {
      await store.close();
      await t.cleanup();
    });

    type Find = (plan: SearchPlan) => Promise<Record<string, unknown>[]>;
    /**
     * Every page in turn (keyset paging on the sort key and rid), as ids; then from the first row
     * of each page but the first, the page before it (a `previous` link: backwards, in reverse).
     */
    async function pages(types: string[], filter: Filter, sort: SortBy, limit: number, find: Find): Promise<{ forward: string[][]; backward: string[][] }> {
      const forward: string[][] = [];
      const starts: NonNullable<SearchPlan['after']>[] = [];
      let after: SearchPlan['after'];
      for (;;) {
        const rows = await find({ types, filter, sort: [sort], limit, after });
        if (!rows.length) break;
        forward.push(rows.map((r) => String(r.id)));
        const [first, last] = [toPlanRow(rows[0], 1), toPlanRow(rows[rows.length - 1], 1)];
        if (after) starts.push({ values: first.keys, rid: first.rid, backwards: true });
        after = { values: last.keys, rid: last.rid, backwards: false };
        assert.ok(forward.length <= OBSERVATIONS, 'paging ends');
      }
      const backward: string[][] = [];
      for (const start of starts) backward.push((await find({ types, filter, sort: [sort], limit, after: start })).map((r) => String(r.id)));
      return { forward, backward };
    }
    const byDefault: Find = (plan) => store.select(compiler.select(plan));

    for (const [sortName, { types, sort }] of Object.entries(SORTS)) {
      for (const [filterName, { type, filter }] of Object.entries(FILTERS)) {
        if (type !== types[0]) continue;
        it(`finds the same pages, ${sortName}, for ${filterName}`, async () => {
          for (const limit of [1, 2, 5, 13, 100]) {
            const expected = await pages(types, filter, sort, limit, byDefault);
            assert.ok(expected.forward.flat().length, `${filterName}: something matches`);
            // chosen, always walked with budgets from too small to ample, and never walked
            for (const walkRows of [TUNING.walkRows, 1, 3, 1000]) {
              const tuning = { ...TUNING, rowsPerMatch: 0, walkRows };
              assert.deepEqual(await pages(types, filter, sort, limit, (plan) => selectPage(store, compiler, plan, {}, tuning)), expected, `${limit} a page, walkRows ${walkRows}`);
            }
            assert.deepEqual(await pages(types, filter, sort, limit, (plan) => selectPage(store, compiler, plan)), expected, `${limit} a page: as chosen`);
          }
        });
      }
    }

    it('walks for no criterion or a common one, sorts the matches of a rare one, and never walks a key it cannot', async () => {
      const plan = (filter: Filter, sort = date(true), limit = 3): SearchPlan => ({ types: ['Observation'], filter, sort: [sort], limit });
      const tuning = { ...TUNING, rowsPerMatch: 1 };
      assert.ok((await choosePage(store, compiler, plan({ kind: 'true' }), tuning)).plan.walk);
      assert.ok((await choosePage(store, compiler, plan(token('status', 'final')), tuning)).plan.walk);
      assert.equal((await choosePage(store, compiler, plan(token('code', 's5')), tuning)).plan.walk, undefined, 'a rare code');
      assert.equal((await choosePage(store, compiler, plan(token('status', 'final'), date(true), 100), tuning)).plan.walk, undefined, 'fewer rows than the page');
      // by _lastUpdated (an index of its own), a quantity (no walkable index), two keys, two types
      const lastUpdated: SortBy = { key: { kind: 'column', column: 'last_updated' }, descending: true };
      const quantity: SortBy = { key: { kind: 'index', table: 'idx_quantity', param: 'value-quantity', column: 'value', aggregate: 'max' }, descending: true };
      assert.equal((await choosePage(store, compiler, plan({ kind: 'true' }, lastUpdated), tuning)).plan.walk, undefined);
      assert.equal((await choosePage(store, compiler, plan({ kind: 'true' }, quantity), tuning)).plan.walk, undefined);
      assert.equal((await choosePage(store, compiler, { ...plan({ kind: 'true' }), sort: [date(true), code(false)] }, tuning)).plan.walk, undefined);
      assert.equal((await choosePage(store, compiler, { ...plan({ kind: 'true' }), types: ['Observation', 'Patient'] }, tuning)).plan.walk, undefined);
      assert.ok((await choosePage(store, compiler, { ...plan({ kind: 'true' }), after: { values: [T0], rid: 1, backwards: true } }, tuning)).plan.walk, 'backwards');
      // from a cursor among the resources without a value (they are not in the index)
      assert.equal((await choosePage(store, compiler, { ...plan({ kind: 'true' }), after: { values: [null], rid: 1, backwards: false } }, tuning)).plan.walk, undefined);
    });

    it('reads the latest dates from idx_date_high and the earliest from idx_date_lookup, without sorting the type (SQLite)', async (tc) => {
      if (t.name !== 'sqlite') return tc.skip('SQLite only');
      for (const [sort, index] of [
        [date(true), 'idx_date_high'],
        [date(false), 'idx_date_lookup'],
      ] as const) {
        const query = compiler.select({ types: ['Observation'], filter: { kind: 'true' }, sort: [sort], limit: 5, walk: { budget: 200 } });
        const plan = (await store.select(compiler.explain(query))).map((r) => String(r.detail)).join('\n');
        assert.match(plan, new RegExp(`SEARCH \\w+ USING COVERING INDEX ${index}`), plan);
        // the walk's co-routines (d, w) are read in turn; no table is scanned, and only ties are sorted
        assert.doesNotMatch(plan, /^SCAN (?!d$|w$)/m, plan);
        assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, plan);
      }
    });
  });
}
