/** The ResourceStore contract, run against every store (SQLite and PostgreSQL) on a real database. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../src/storage/open.ts';
import type { IndexRows, ResourceStore, StoredVersion } from '../../src/storage/types.ts';
import { INDEX_TABLES, migrations } from '../../src/storage/schema.ts';
import { parseStoreUrl } from '../../src/storage/postgres/postgres-store.ts';
import { testStores } from '../helpers/stores.ts';

describe('storage: the PostgreSQL store URL', () => {
  it('takes the pool size from ?pool= and passes the rest of the URL to pg', () => {
    assert.deepEqual(parseStoreUrl('postgres://meridian:s%40cret@db:5432/fhir?pool=25&sslmode=require'), {
      connectionString: 'postgres://meridian:s%40cret@db:5432/fhir?sslmode=require',
      poolSize: 25,
    });
    assert.deepEqual(parseStoreUrl('postgres://db/fhir'), { connectionString: 'postgres://db/fhir', poolSize: 10 });
    assert.throws(() => parseStoreUrl('postgres://db/fhir?pool=0'), /pool=0/);
  });
});

function version(resourceType: string, id: string, versionId: number, extra: Partial<StoredVersion> = {}): StoredVersion {
  return {
    resourceType,
    id,
    versionId,
    lastUpdated: 1_700_000_000_000 + versionId,
    deleted: false,
    json: JSON.stringify({ resourceType, id, meta: { versionId: String(versionId) } }),
    method: versionId === 1 ? 'POST' : 'PUT',
    ...extra,
  };
}

function deletion(resourceType: string, id: string, versionId: number, lastUpdated?: number): StoredVersion {
  return version(resourceType, id, versionId, { deleted: true, json: null, method: 'DELETE', ...(lastUpdated ? { lastUpdated } : {}) });
}

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

function tokens(...values: [string | null, string][]): IndexRows {
  return { token: values.map(([system, code]) => ({ param: 'identifier', system, code })) };
}

/** Every index row shape at once, so that each index table is written. */
const ALL_KINDS: IndexRows = {
  string: [{ param: 'name', value: 'smith' }],
  token: [{ param: 'identifier', system: NHS, code: '9000000009', text: 'NHS number' }],
  reference: [{ param: 'general-practitioner', targetType: 'Practitioner', targetId: 'gp1' }],
  date: [{ param: 'birthdate', low: 0, high: 86_399_999 }],
  number: [{ param: 'n', low: 1.5, high: 2.5, value: 2 }],
  quantity: [{ param: 'q', system: 'http://unitsofmeasure.org', code: 'mg', unit: 'mg', low: 4.5, high: 5.5, value: 5 }],
  uri: [{ param: 'url', value: 'http://example.org' }],
  composite: [{ param: 'c', value: 'a$b' }],
  compartment: [{ param: 'Patient', compartmentId: 'p1' }],
  text: [{ param: '_content', value: 'jane smith leeds' }],
  position: [{ param: 'near', latitude: 53.8, longitude: -1.55 }],
};

for (const backend of testStores()) {
  describe(`storage: ${backend.name} store`, () => {
    let spec: string;
    let store: ResourceStore;
    /** SQLite's full-text table (FTS5) keys its rows by rowid, the resource's rid. */
    const ridOf = (table: string) => (table === 'idx_text' && store.dialect === 'sqlite' ? 'rowid' : 'rid');
    /** Rows in `table` (raw SQL through the store's own query runner) whose `id` or `rid` belongs to resource `id`. */
    const rowsOf = async (table: string, id: string): Promise<number> => {
      const ph = (n: number) => (store.dialect === 'postgres' ? `$${n}` : '?');
      const where = table.startsWith('idx_')
        ? `${ridOf(table)} IN (SELECT rid FROM resource_history WHERE id = ${ph(1)})`
        : `id = ${ph(1)}`;
      const rows = await store.select({ text: `SELECT COUNT(*) AS n FROM ${table} WHERE ${where}`, params: [id] });
      return Number(rows[0].n);
    };
    /** Index rows whose resource row does not exist. */
    const orphans = async (table: string): Promise<number> => {
      const rows = await store.select({ text: `SELECT COUNT(*) AS n FROM ${table} WHERE ${ridOf(table)} NOT IN (SELECT rid FROM resources)`, params: [] });
      return Number(rows[0].n);
    };
    const write = (v: StoredVersion, index: IndexRows = {}) => store.transaction((tx) => tx.writeVersion(v, index));

    before(async () => {
      spec = await backend.create();
      store = await openStore(spec);
    });
    after(async () => {
      await store.close();
      await backend.cleanup();
    });

    it('migrates idempotently, also when several processes start at once', async () => {
      await store.migrate();
      await store.migrate();
      const fresh = await backend.create();
      const stores = await Promise.all([1, 2, 3].map(() => openStore(fresh)));
      await Promise.all(stores.map((s) => s.migrate()));
      const rows = await stores[0].select({ text: 'SELECT version FROM meridian_migrations ORDER BY version', params: [] });
      // every migration applied exactly once
      const expected = migrations({ kind: backend.name, serial: '', bigint: '', double: '', bool: '' }).map((m) => m.version);
      assert.deepEqual(rows.map((r) => Number(r.version)), expected);
      await Promise.all(stores.map((s) => s.close()));
    });

    it('writes a version and reads it back as current', async () => {
      const v = version('Patient', 'w1', 1);
      await write(v, ALL_KINDS);
      const { method: _method, ...current } = (await store.readCurrent('Patient', 'w1'))!; // the current row does not keep the method
      const { method: _written, ...expected } = v;
      assert.deepEqual(current, expected);
      assert.equal(await store.readCurrent('Patient', 'nope'), undefined);
      assert.equal(await store.readCurrent('Observation', 'w1'), undefined);
      for (const table of INDEX_TABLES) assert.equal(await rowsOf(table, 'w1'), 1, table);
    });

    it('keeps every version readable, with the method that made it', async () => {
      await write(version('Patient', 'v1', 1));
      await write(version('Patient', 'v1', 2, { method: 'PATCH' }));
      await write(version('Patient', 'v1', 3));
      for (const n of [1, 2, 3]) {
        const got = await store.readVersion('Patient', 'v1', n);
        assert.equal(got?.versionId, n);
        assert.equal(got?.json, version('Patient', 'v1', n).json);
      }
      assert.equal((await store.readVersion('Patient', 'v1', 2))?.method, 'PATCH');
      assert.equal(await store.readVersion('Patient', 'v1', 4), undefined);
      assert.equal((await store.readCurrent('Patient', 'v1'))?.versionId, 3);
    });

    it('replaces the index rows of a resource with those of its new version', async () => {
      await write(version('Patient', 'ix', 1), { ...ALL_KINDS, token: [{ param: 'identifier', system: NHS, code: 'old-ix' }] });
      await write(version('Patient', 'ix', 2), tokens([NHS, 'new-ix']));
      const codes = await store.select({ text: `SELECT code FROM idx_token WHERE rid = (SELECT rid FROM resources WHERE id = ${store.dialect === 'postgres' ? '$1' : '?'})`, params: ['ix'] });
      assert.deepEqual(codes.map((r) => r.code), ['new-ix']);
      for (const table of INDEX_TABLES) assert.equal(await rowsOf(table, 'ix'), table === 'idx_token' ? 1 : 0, table);
    });

    it('stores a deletion as a version without content, and drops its index rows', async () => {
      await write(version('Patient', 'd1', 1), tokens([NHS, 'del-1']));
      await write(deletion('Patient', 'd1', 2));
      const current = await store.readCurrent('Patient', 'd1');
      assert.equal(current?.deleted, true);
      assert.equal(current?.json, null);
      assert.equal(current?.versionId, 2);
      const v2 = await store.readVersion('Patient', 'd1', 2);
      assert.deepEqual([v2?.deleted, v2?.json, v2?.method], [true, null, 'DELETE']);
      assert.equal((await store.readVersion('Patient', 'd1', 1))?.deleted, false);
      assert.equal(await rowsOf('idx_token', 'd1'), 0, 'a deletion leaves no index rows');
      await write(version('Patient', 'd1', 3), tokens([NHS, 'del-1']));
      assert.equal(await rowsOf('idx_token', 'd1'), 1);
      assert.equal((await store.readCurrent('Patient', 'd1'))?.deleted, false);
    });

    describe('history', () => {
      // Encounter/e1 v1..v3 at t=100,200,300; Encounter/e2 v1 at 250, deleted at 400
      before(async () => {
        await store.transaction(async (tx) => {
          await tx.writeVersion(version('Encounter', 'e1', 1, { lastUpdated: 100 }), {});
          await tx.writeVersion(version('Encounter', 'e1', 2, { lastUpdated: 200 }), {});
          await tx.writeVersion(version('Encounter', 'e2', 1, { lastUpdated: 250 }), {});
          await tx.writeVersion(version('Encounter', 'e1', 3, { lastUpdated: 300 }), {});
          await tx.writeVersion(deletion('Encounter', 'e2', 2, 400), {});
        });
      });
      const keys = (page: { entries: StoredVersion[] }) => page.entries.map((e) => `${e.id}/${e.versionId}`);

      it('lists versions newest first with the total', async () => {
        const page = await store.history({ resourceType: 'Encounter', count: 10 });
        assert.deepEqual(keys(page), ['e2/2', 'e1/3', 'e2/1', 'e1/2', 'e1/1']);
        assert.equal(page.total, 5);
        assert.ok(page.entries.every((e, i, all) => i === 0 || e.seq < all[i - 1].seq));
        assert.equal(page.entries[0].deleted, true);
      });

      it('pages by sequence (beforeSeq) while the total stays that of the whole history', async () => {
        const first = await store.history({ resourceType: 'Encounter', count: 2 });
        assert.deepEqual(keys(first), ['e2/2', 'e1/3']);
        const second = await store.history({ resourceType: 'Encounter', count: 2, beforeSeq: first.entries[1].seq });
        assert.deepEqual(keys(second), ['e2/1', 'e1/2']);
        const third = await store.history({ resourceType: 'Encounter', count: 2, beforeSeq: second.entries[1].seq });
        assert.deepEqual(keys(third), ['e1/1']);
        assert.deepEqual([first.total, second.total, third.total], [5, 5, 5]);
      });

      it('narrows to one instance', async () => {
        const page = await store.history({ resourceType: 'Encounter', id: 'e1', count: 10 });
        assert.deepEqual(keys(page), ['e1/3', 'e1/2', 'e1/1']);
        assert.equal(page.total, 3);
      });

      it('answers _since: versions updated at or after the instant', async () => {
        const page = await store.history({ resourceType: 'Encounter', since: 250, count: 10 });
        assert.deepEqual(keys(page), ['e2/2', 'e1/3', 'e2/1']);
        assert.equal(page.total, 3);
      });

      it('answers _at: versions made in the period and those current when it began', async () => {
        const page = await store.history({ resourceType: 'Encounter', at: { low: 210, high: 260 }, count: 10 });
        assert.deepEqual(keys(page), ['e2/1', 'e1/2']);
        assert.equal(page.total, 2);
        const instance = await store.history({ resourceType: 'Encounter', id: 'e1', at: { low: 350, high: 500 }, count: 10 });
        assert.deepEqual(keys(instance), ['e1/3']);
        assert.equal(instance.total, 1);
      });

      it('lists the whole system history', async () => {
        const page = await store.history({ count: 1000 });
        assert.ok(page.total >= 5);
        assert.equal(page.entries.length, page.total);
      });
    });

    describe('select', () => {
      before(async () => {
        await store.transaction(async (tx) => {
          await tx.writeVersion(version('Practitioner', 'f1', 1), tokens([NHS, '111'], ['http://other', 'x']));
          await tx.writeVersion(version('Practitioner', 'f2', 1), tokens(['http://other', '111']));
        });
      });
      const byCode = () => `SELECT r.id FROM idx_token t JOIN resources r ON r.rid = t.rid WHERE t.code = ${store.dialect === 'postgres' ? '$1' : '?'} ORDER BY r.id`;

      it('runs a compiled query over the index tables', async () => {
        assert.deepEqual((await store.select({ text: byCode(), params: ['111'] })).map((r) => r.id), ['f1', 'f2']);
      });

      it('reads inside a transaction the same as outside it', async () => {
        const inside = await store.transaction(async (tx) => [
          (await tx.select({ text: byCode(), params: ['111'] })).map((r) => r.id),
          (await tx.readCurrent('Practitioner', 'f1'))?.versionId,
          (await tx.history({ resourceType: 'Practitioner', count: 10 })).total,
        ]);
        assert.deepEqual(inside, [['f1', 'f2'], 1, 2]);
      });
    });

    it('rolls back everything when the transaction throws: resource, history, index rows, outbox', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.writeVersion(version('Patient', 'rb', 1), ALL_KINDS);
          await tx.appendOutbox({ resourceType: 'Patient', id: 'rb', versionId: 1, event: 'create' });
          assert.equal((await tx.readCurrent('Patient', 'rb'))?.versionId, 1);
          throw new Error('entry 3 failed');
        }),
        /entry 3 failed/,
      );
      assert.equal(await store.readCurrent('Patient', 'rb'), undefined);
      assert.equal(await store.readVersion('Patient', 'rb', 1), undefined);
      assert.equal((await store.history({ resourceType: 'Patient', id: 'rb', count: 10 })).total, 0);
      for (const table of ['resources', 'resource_history', 'outbox']) assert.equal(await rowsOf(table, 'rb'), 0, table);
      for (const table of INDEX_TABLES) assert.equal(await orphans(table), 0, table);
    });

    it('commits the outbox event with the version', async () => {
      await store.transaction(async (tx) => {
        await tx.writeVersion(version('Patient', 'ob', 1), {});
        await tx.appendOutbox({ resourceType: 'Patient', id: 'ob', versionId: 1, event: 'create' });
      });
      assert.equal(await rowsOf('outbox', 'ob'), 1);
    });

    it('gives each of 10 concurrent read-for-update-then-write cycles its own next version', async () => {
      await write(version('Patient', 'c1', 1));
      await Promise.all(
        Array.from({ length: 10 }, () =>
          store.transaction(async (tx) => {
            const current = await tx.readCurrentForUpdate('Patient', 'c1');
            await new Promise((r) => setTimeout(r, 2)); // widen the window for a lost update
            await tx.writeVersion(version('Patient', 'c1', current!.versionId + 1), tokens([NHS, `c1-${current!.versionId + 1}`]));
          }),
        ),
      );
      const page = await store.history({ resourceType: 'Patient', id: 'c1', count: 100 });
      assert.deepEqual(page.entries.map((e) => e.versionId), [11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
      assert.equal((await store.readCurrent('Patient', 'c1'))?.versionId, 11);
      assert.equal(await rowsOf('idx_token', 'c1'), 1);
    });

    it('turns 5 concurrent update-as-creates of one new id into versions 1..5 without an error', async () => {
      let runs = 0;
      await Promise.all(
        Array.from({ length: 5 }, () =>
          store.transaction(async (tx) => {
            runs++;
            const current = await tx.readCurrentForUpdate('Patient', 'uac');
            await new Promise((r) => setTimeout(r, 20)); // every one reads "no such resource" before any writes
            await tx.writeVersion(version('Patient', 'uac', (current?.versionId ?? 0) + 1), tokens([NHS, 'uac']));
          }),
        ),
      );
      const page = await store.history({ resourceType: 'Patient', id: 'uac', count: 100 });
      assert.deepEqual(page.entries.map((e) => e.versionId), [5, 4, 3, 2, 1]);
      assert.equal(await rowsOf('idx_token', 'uac'), 1);
      if (store.dialect === 'postgres') assert.ok(runs > 5, 'the losing PostgreSQL transactions were run again');
    });

    it('serialises transactions that lock the same key', async () => {
      const order: string[] = [];
      await Promise.all(
        ['a', 'b', 'c'].map((name) =>
          store.transaction(async (tx) => {
            await tx.lock('Patient?identifier=x|1');
            order.push(`${name}:in`);
            await new Promise((r) => setTimeout(r, 10));
            order.push(`${name}:out`);
          }),
        ),
      );
      for (let i = 0; i < order.length; i += 2) assert.equal(order[i].split(':')[0], order[i + 1].split(':')[0], order.join(' '));
    });

    it('sees its own uncommitted writes inside the transaction', async () => {
      await store.transaction(async (tx) => {
        await tx.writeVersion(version('Patient', 'own', 1), tokens([NHS, 'own-1']));
        await tx.appendOutbox({ resourceType: 'Patient', id: 'own', versionId: 1, event: 'create' });
        const own = await tx.select({ text: `SELECT COUNT(*) AS n FROM idx_token WHERE code = ${store.dialect === 'postgres' ? '$1' : '?'}`, params: ['own-1'] });
        assert.equal(Number(own[0].n), 1, 'index rows written in this transaction are visible to it');
        await tx.writeVersion(version('Patient', 'own', 2), tokens([NHS, 'own-2']));
        assert.equal((await tx.readCurrentForUpdate('Patient', 'own'))?.versionId, 2);
        assert.equal((await tx.readVersion('Patient', 'own', 1))?.versionId, 1);
        assert.equal((await tx.history({ resourceType: 'Patient', id: 'own', count: 10 })).total, 2);
        const rows = await tx.select({ text: `SELECT COUNT(*) AS n FROM outbox WHERE id = ${store.dialect === 'postgres' ? '$1' : '?'}`, params: ['own'] });
        assert.equal(Number(rows[0].n), 1);
      });
      assert.equal((await store.readCurrent('Patient', 'own'))?.versionId, 2);
    });

    it('fails the whole transaction when the database refuses one write', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.writeVersion(version('Patient', 'ok-before', 1), {});
          await tx.writeVersion(version('Patient', 'refused', 1, { resourceType: null as unknown as string }), {});
          await tx.writeVersion(version('Patient', 'ok-after', 1), {});
        }),
      );
      assert.equal(await store.readCurrent('Patient', 'ok-before'), undefined);
      assert.equal(await store.readCurrent('Patient', 'ok-after'), undefined);
    });

    it('does not commit when a statement failed, even if the caller caught the error', { skip: backend.name !== 'postgres' && 'SQLite keeps a transaction usable after a failed statement' }, async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.writeVersion(version('Patient', 'swallowed', 1), {});
          await tx.select({ text: 'SELECT 1 / 0 AS n', params: [] }).catch(() => undefined);
        }),
        /division by zero/,
      );
      assert.equal(await store.readCurrent('Patient', 'swallowed'), undefined);
    });

    it('surfaces an error that a retry cannot fix, after rolling back', async () => {
      await assert.rejects(
        store.transaction(async (tx) => {
          await tx.writeVersion(version('Patient', 'bad', 1), {});
          await tx.writeVersion(version('Patient', 'bad', 1), {}); // the same version twice: a caller's bug, not a race
        }),
      );
      assert.equal(await store.readCurrent('Patient', 'bad'), undefined);
    });
  });
}
