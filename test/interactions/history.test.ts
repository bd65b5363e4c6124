import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

forEachStore((_store, client) => {
  test('instance history returns every version, newest first', async () => {
    const p = (await client().post('Basic', { resourceType: 'Basic', code: { text: 'v1' } })).body;
    for (let i = 2; i <= 5; i++) await client().put(`Basic/${p.id}`, { resourceType: 'Basic', id: p.id, code: { text: `v${i}` } });
    const h = await client().get(`Basic/${p.id}/_history`);
    assert.equal(h.body.type, 'history');
    assert.equal(h.body.total, 5);
    assert.deepEqual(h.body.entry.map((e: any) => e.resource.meta.versionId), ['5', '4', '3', '2', '1']);
    assert.deepEqual(h.body.entry.map((e: any) => e.resource.code.text), ['v5', 'v4', 'v3', 'v2', 'v1']);
    assert.equal(h.body.entry[4].request.method, 'POST');
    assert.equal(h.body.entry[4].response.status, '201 Created');
  });

  test('_count pages history with next links that walk every version exactly once', async () => {
    const p = (await client().post('Basic', { resourceType: 'Basic', code: { text: 'a' } })).body;
    for (let i = 0; i < 6; i++) await client().put(`Basic/${p.id}`, { resourceType: 'Basic', id: p.id, code: { text: `b${i}` } });
    const seen: string[] = [];
    let url: string | undefined = `Basic/${p.id}/_history?_count=3`;
    while (url) {
      const page: any = (await client().get(url)).body;
      assert.equal(page.total, 7);
      seen.push(...page.entry.map((e: any) => e.resource.meta.versionId));
      const next = page.link.find((l: any) => l.relation === 'next');
      url = next ? next.url.replace('http://test.local', '') : undefined;
    }
    assert.deepEqual(seen, ['7', '6', '5', '4', '3', '2', '1']);
  });

  test('_since limits history to versions at or after an instant', async () => {
    const p = (await client().post('Basic', { resourceType: 'Basic', code: { text: 'old' } })).body;
    await sleep(5);
    const since = new Date().toISOString();
    await sleep(5);
    await client().put(`Basic/${p.id}`, { resourceType: 'Basic', id: p.id, code: { text: 'new' } });
    const h = await client().get(`Basic/${p.id}/_history?_since=${encodeURIComponent(since)}`);
    assert.deepEqual(h.body.entry.map((e: any) => e.resource.code.text), ['new']);
  });

  test('_at returns the version current at that time', async () => {
    const p = (await client().post('Basic', { resourceType: 'Basic', code: { text: 'first' } })).body;
    await sleep(5);
    const at = new Date().toISOString();
    await sleep(5);
    await client().put(`Basic/${p.id}`, { resourceType: 'Basic', id: p.id, code: { text: 'second' } });
    const h = await client().get(`Basic/${p.id}/_history?_at=${encodeURIComponent(at)}`);
    assert.deepEqual(h.body.entry.map((e: any) => e.resource.code.text), ['first']);
  });

  test('type and system history include every type or every resource', async () => {
    const flag = (await client().post('Flag', { resourceType: 'Flag', status: 'active', code: { text: 'x' }, subject: { reference: 'Patient/1' } })).body;
    const typeHistory = await client().get('Flag/_history');
    assert.ok(typeHistory.body.entry.every((e: any) => e.resource.resourceType === 'Flag'));
    assert.equal(typeHistory.body.entry[0].resource.id, flag.id);
    const system = await client().get('_history?_count=1');
    assert.equal(system.body.entry.length, 1);
    assert.ok(system.body.total >= 1);
  });

  test('bad history parameters answer 400', async () => {
    assert.equal((await client().get('_history?_since=yesterday')).status, 400);
    assert.equal((await client().get('_history?_count=-1')).status, 400);
    assert.equal((await client().get('Basic/none/_history')).status, 404);
  });
});
