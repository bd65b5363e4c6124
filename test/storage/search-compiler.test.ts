import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compilerFor, type SearchPlan } from '../../src/storage/search/index.ts';

const week: SearchPlan = {
  types: ['Observation'],
  filter: {
    kind: 'and',
    filters: [
      { kind: 'index', table: 'idx_date', param: 'date', where: { op: 'and', conds: [{ op: 'ge', column: 'low', value: 1514764800000 }, { op: 'lt', column: 'low', value: 1515369600000 }] } },
      { kind: 'index', table: 'idx_token', param: 'status', where: { op: 'eq', column: 'code', value: 'final' } },
    ],
  },
  sort: [],
  limit: 51,
};

describe('the page query of a search without _sort', () => {
  it('on PostgreSQL reads the driving index rows first, in rid order, and checks each row (LATERAL), so that the planner cannot walk every resource instead', () => {
    const q = compilerFor('postgres').select(week);
    assert.match(q.text, /SELECT DISTINCT d\.rid FROM \(SELECT i\d+\.rid FROM idx_token .*\) d\) d CROSS JOIN LATERAL \(SELECT 1 FROM resources r WHERE r\.rid = d\.rid AND NOT r\.deleted AND EXISTS \(SELECT 1 FROM idx_date/);
    assert.match(q.text, /ORDER BY d\.rid LIMIT \$\d+\) ORDER BY r\.rid$/);
    const back = compilerFor('postgres').select({ ...week, after: { values: [], rid: 7, backwards: true } });
    assert.match(back.text, /WHERE d\.rid < \$\d+\) d CROSS JOIN LATERAL .* ORDER BY d\.rid DESC LIMIT/);
  });
  it('on SQLite stays rid IN (…), which it already reads driving rows first', () => {
    assert.doesNotMatch(compilerFor('sqlite').select(week).text, /LATERAL/);
  });
  it('keeps the other shape when no criterion hands over rids (a _has, or none)', () => {
    const has: SearchPlan = { ...week, types: ['Patient'], filter: { kind: 'has', type: 'Observation', param: 'patient', filter: week.filter } };
    assert.doesNotMatch(compilerFor('postgres').select(has).text, /LATERAL/);
    assert.doesNotMatch(compilerFor('postgres').select({ ...week, filter: { kind: 'true' } }).text, /LATERAL/);
  });
});
