import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

forEachStore((_store, client) => {
  test('concurrent If-Match updates from 10 clients lose no update: exactly one wins per version', async () => {
    const created = (await client().post('Basic', { resourceType: 'Basic', code: { text: 'counter' }, extension: [{ url: 'urn:count', valueInteger: 0 }] })).body;
    const id = created.id;
    const clients = 10;
    const rounds = 5;
    let wins = 0;
    const worker = async (n: number) => {
      let done = 0;
      while (done < rounds) {
        const current = await client().get(`Basic/${id}`);
        const count = current.body.extension[0].valueInteger;
        const next = { ...current.body, extension: [{ url: 'urn:count', valueInteger: count + 1 }], code: { text: `by ${n}` } };
        const res = await client().put(`Basic/${id}`, next, { 'if-match': current.headers.etag as string });
        if (res.status === 200) {
          wins++;
          done++;
        } else assert.equal(res.status, 412, JSON.stringify(res.body));
      }
    };
    await Promise.all(Array.from({ length: clients }, (_, n) => worker(n)));
    const final = await client().get(`Basic/${id}`);
    assert.equal(wins, clients * rounds);
    assert.equal(final.body.extension[0].valueInteger, clients * rounds, 'every successful update built on the one before');
    assert.equal(final.body.meta.versionId, String(clients * rounds + 1));
    const history = await client().get(`Basic/${id}/_history?_count=1000`);
    const versions = history.body.entry.map((e: any) => Number(e.resource.meta.versionId));
    assert.deepEqual(versions, Array.from({ length: clients * rounds + 1 }, (_, i) => clients * rounds + 1 - i));
  });

  test('concurrent update-as-create of one new id gives consecutive versions and no error', async () => {
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => client().put('Basic/race-new', { resourceType: 'Basic', id: 'race-new', code: { text: `writer ${i}` } })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 200, 200, 200, 201]);
    assert.equal((await client().get('Basic/race-new')).body.meta.versionId, '5');
  });
});
