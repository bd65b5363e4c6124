/** The store's part of $reindex and of definitions taking effect: StoreTx.reindex and StoreTx.afterCommit, on every store. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import type { IndexRows, ResourceStore, StoredVersion } from '../../src/storage/types.ts';
import { compilerFor, type Filter } from '../../src/storage/search/index.ts';
import { testStores } from '../helpers/stores.ts';

const version = (id: string, versionId: number, deleted = false): StoredVersion => ({
  resourceType: 'Patient',
  id,
  versionId,
  lastUpdated: 1_700_000_000_000 + versionId,
  deleted,
  json: deleted ? null : JSON.stringify({ resourceType: 'Patient', id }),
  method: deleted ? 'DELETE' : versionId === 1 ? 'POST' : 'PUT',
});
const rows = (value: string): IndexRows => ({ string: [{ param: 'family', value }], date: [{ param: 'birthdate', low: -Infinity, high: 0 }] });

for (const t of testStores()) {
  describe(`storage: reindex and after-commit hooks on ${t.name}`, () => {
    let store: ResourceStore;
    before(async () => {
      store = await openStore(await t.create());
    });
    after(async () => {
      await store.close();
      await t.cleanup();
    });
    const families = async (id: string) => {
      const compiler = compilerFor(store.dialect);
      const found: string[] = [];
      for (const value of ['old', 'new', 'newer'])
        if ((await store.select(compiler.select({ types: ['Patient'], filter: { kind: 'index', table: 'idx_string', param: 'family', where: { op: 'eq', column: 'value', value } }, sort: [], limit: 10 }))).some((r) => r.id === id)) found.push(value);
      return found;
    };

    it('rewrites only the index rows of resources still at the version read', async () => {
      await store.transaction(async (tx) => {
        await tx.writeVersion(version('a', 1), rows('old'));
        await tx.writeVersion(version('b', 1), rows('old'));
        await tx.writeVersion(version('c', 1), rows('old'));
      });
      await store.transaction((tx) => tx.writeVersion(version('b', 2), rows('newer')));
      await store.transaction((tx) => tx.writeVersion(version('c', 2, true), {}));
      const n = await store.transaction((tx) =>
        tx.reindex(['a', 'b', 'c'].map((id) => ({ resourceType: 'Patient', id, versionId: 1, index: rows('new') }))),
      );
      assert.equal(n, 1);
      assert.deepEqual(await families('a'), ['new']);
      assert.deepEqual(await families('b'), ['newer']);
      assert.deepEqual(await families('c'), []);
      const current = await store.readCurrent('Patient', 'a');
      assert.equal(current?.versionId, 1, 'no new version is written');
      assert.equal((await store.history({ resourceType: 'Patient', id: 'a', count: 10 })).total, 1);
    });

    it('runs after-commit hooks once the transaction commits, and never after a rollback', async () => {
      const ran: string[] = [];
      await store.transaction(async (tx) => {
        tx.afterCommit(() => void ran.push('committed'));
        await tx.writeVersion(version('d', 1), {});
        assert.deepEqual(ran, []);
      });
      assert.deepEqual(ran, ['committed']);
      await assert.rejects(
        store.transaction(async (tx) => {
          tx.afterCommit(() => void ran.push('rolled back'));
          await tx.writeVersion(version('e', 1), {});
          throw new Error('no');
        }),
        /no/,
      );
      await store.transaction(async () => undefined);
      assert.deepEqual(ran, ['committed']);
      assert.equal(await store.readCurrent('Patient', 'e'), undefined);
    });

    it('rewrites full-text and position rows with the others, and drops them with a deletion', async () => {
      const compiler = compilerFor(store.dialect);
      const found = async (filter: Filter) => (await store.select(compiler.select({ types: ['Patient'], filter, sort: [], limit: 10 }))).map((r) => String(r.id)).sort();
      const text = (word: string): Filter => ({ kind: 'text', param: '_content', query: { op: 'term', words: [word], prefix: false } });
      const near = (latitude: number): Filter => ({ kind: 'near', param: 'near', latitude, longitude: 0, distance: 1000 });
      const indexed = (word: string, latitude: number): IndexRows => ({ text: [{ param: '_content', value: `${word} smith` }], position: [{ param: 'near', latitude, longitude: 0 }] });
      await store.transaction(async (tx) => {
        await tx.writeVersion(version('t1', 1), indexed('aardvark', 10));
        await tx.writeVersion(version('t2', 1), indexed('aardvark', 10));
      });
      assert.deepEqual(await found(text('aardvark')), ['t1', 't2']);
      assert.equal(await store.transaction((tx) => tx.reindex([{ resourceType: 'Patient', id: 't1', versionId: 1, index: indexed('badger', 20) }])), 1);
      assert.deepEqual(await found(text('aardvark')), ['t2']);
      assert.deepEqual(await found(text('badger')), ['t1']);
      assert.deepEqual(await found(near(10)), ['t2']);
      assert.deepEqual(await found(near(20)), ['t1']);
      await store.transaction((tx) => tx.writeVersion(version('t2', 2, true), {}));
      assert.deepEqual(await found(text('aardvark')), []);
      assert.deepEqual(await found(near(10)), []);
    });

    it('lets a hook start a transaction of its own', async () => {
      let inner = false;
      await store.transaction(async (tx) => {
        tx.afterCommit(() => store.transaction(async () => void (inner = true)));
      });
      assert.ok(inner);
    });
  });
}
