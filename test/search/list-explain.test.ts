import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { systemToken } from '../helpers/tokens.ts';
import { forEachStore, startMeridian } from '../helpers/server.ts';
import { ids, load } from './fixtures.ts';

forEachStore((store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Patient', id: 'l1', name: [{ family: 'Listed' }] },
      { resourceType: 'Patient', id: 'l2', name: [{ family: 'Listed' }] },
      { resourceType: 'Patient', id: 'l3', name: [{ family: 'Other' }] },
      { resourceType: 'Organization', id: 'lo', name: 'Listed trust' },
      { resourceType: 'List', id: 'list1', status: 'current', mode: 'working', entry: [{ item: { reference: 'Patient/l1' } }, { item: { reference: 'Patient/l3' } }, { item: { reference: 'Organization/lo' } }] },
    ]);
  });

  describe('_list', () => {
    it('matches the resources a List names', async () => {
      assert.deepEqual(await ids(client(), 'Patient?_list=list1'), ['l1', 'l3']);
      assert.deepEqual(await ids(client(), 'Patient?_list=list1&family=listed'), ['l1']);
      assert.deepEqual(await ids(client(), '?_list=list1'), ['l1', 'l3', 'lo']);
      assert.deepEqual(await ids(client(), 'Patient?_list=nolist'), []);
    });
    it('refuses functional lists with 400', async () => {
      assert.equal((await client().get('Patient?_list=$current-problems')).status, 400);
    });
  });

  describe('_explain=true (in --dev)', () => {
    it('answers the SQL and the database plan as information issues', async () => {
      const res = await client().get('Patient?family=listed&_sort=family&_explain=true');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      const [sql, plan] = res.body.issue.map((i: any) => i.diagnostics as string);
      assert.match(sql, /^SQL: SELECT/);
      assert.match(plan, store === 'sqlite' ? /SEARCH|SCAN/ : /Scan|Limit/);
    });
    it('pages through a type without criteria in rid order from an index, not by sorting the whole type (SQLite)', async (t) => {
      // PostgreSQL's planner rightly prefers a sequential scan for tables of a few rows: its plan says nothing here
      if (store !== 'sqlite') return t.skip('SQLite only');
      for (const url of ['Patient?_count=2', 'Patient?_has:List:item:status=current&_count=1']) {
        const res = await client().get(`${url}&_explain=true`);
        assert.equal(res.status, 200, res.text);
        const plan = res.body.issue[1].diagnostics as string;
        assert.doesNotMatch(plan, /TEMP B-TREE/, `${url}:\n${plan}`);
      }
      const plan = (await client().get('Patient?_count=2&_explain=true')).body.issue[1].diagnostics as string;
      assert.match(plan, /resources_type_rid/, plan);
    });
    it('sorts a type by _lastUpdated from its (resource_type, last_updated) index (SQLite)', async (t) => {
      if (store !== 'sqlite') return t.skip('SQLite only');
      for (const url of ['Patient?_sort=-_lastUpdated&_count=2', 'Patient?_sort=_lastUpdated&_count=2']) {
        const plan = (await client().get(`${url}&_explain=true`)).body.issue[1].diagnostics as string;
        assert.match(plan, /resources_type_updated/, `${url}:\n${plan}`);
        assert.doesNotMatch(plan, /TEMP B-TREE FOR ORDER BY/, `${url}:\n${plan}`);
      }
    });
    it('is refused outside --dev: 401 without a token, 403 with a token that is not an administrator’s', async () => {
      const other = await startMeridian((client().meridian.ctx.config as unknown as { store: string }).store, { dev: 'false' });
      try {
        assert.equal((await other.get('Patient?_explain=true')).status, 401);
        const { authorization } = await systemToken(other.meridian, 'system/Patient.rs');
        assert.equal((await other.get('Patient?_explain=true', { authorization })).status, 403);
      } finally {
        await other.meridian.close();
      }
    });
  });
});
