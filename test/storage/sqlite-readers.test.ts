/** The SQLite store's reader threads (src/storage/sqlite/reader-pool.ts): same answers as this thread's connection. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { ReaderPool } from '../../src/storage/sqlite/reader-pool.ts';
import type { StoredVersion } from '../../src/storage/types.ts';

const skip = process.env.MERIDIAN_TEST_STORES !== undefined && !process.env.MERIDIAN_TEST_STORES.split(',').includes('sqlite');

function version(id: string, versionId = 1): StoredVersion {
  return { resourceType: 'Patient', id, versionId, lastUpdated: 1_700_000_000_000 + versionId, deleted: false, json: JSON.stringify({ resourceType: 'Patient', id }), method: 'POST' };
}

describe('storage: SQLite reader threads', { skip }, () => {
  let dir: string;
  let path: string;
  /** Searches on this thread, and on two reader threads, over the same file. */
  let inThread: SqliteStore;
  let pooled: SqliteStore;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-test-readers-'));
    path = join(dir, 'test.db');
    inThread = new SqliteStore(path, { readers: 0 });
    await inThread.migrate();
    pooled = new SqliteStore(path, { readers: 2 });
    await pooled.startReaders();
  });
  after(async () => {
    await pooled.close();
    await inThread.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers searches with the same rows and value types as this thread (±Infinity, large integers, nulls, text)', async () => {
    await inThread.transaction((tx) => tx.writeVersion(version('types'), { date: [{ param: 'birthdate', low: -8.64e15, high: 8.64e15 }], number: [{ param: 'n', low: -Infinity, high: Infinity, value: 0.1 }] }));
    const queries = [
      { text: `SELECT low, high, value FROM idx_number WHERE param = ? AND low < ?`, params: ['n', Infinity] },
      { text: `SELECT low, high FROM idx_date WHERE high > ?`, params: [-Infinity] },
      { text: `SELECT 9007199254740993 AS big, 1e999 AS inf, NULL AS absent, 'é' AS text, x'00ff' IS NULL AS no, 2.5 AS real`, params: [] },
      { text: `SELECT * FROM resources WHERE id = ?`, params: ['types'] },
    ];
    for (const q of queries) {
      const want = await inThread.select(q);
      assert.ok(want.length > 0, q.text);
      assert.deepStrictEqual(await pooled.select(q), want, q.text);
    }
  });

  it('sees every transaction committed before the search was sent', async () => {
    for (let i = 0; i < 20; i++) {
      await pooled.transaction((tx) => tx.writeVersion(version(`ryw-${i}`), {}));
      const rows = await pooled.select({ text: `SELECT id FROM resources WHERE id = ?`, params: [`ryw-${i}`] });
      assert.deepEqual(rows, [{ id: `ryw-${i}` }]);
    }
    const page = await pooled.history({ resourceType: 'Patient', id: 'ryw-3', count: 10 });
    assert.equal(page.total, 1);
    assert.deepEqual(page.entries.map((e) => e.id), ['ryw-3']);
  });

  it('rejects bad SQL with the error this thread would throw (SqliteError, code, message)', async () => {
    for (const text of ['SELEC 1', 'SELECT * FROM no_such_table', `SELECT * FROM idx_text WHERE idx_text MATCH '"unbalanced'`]) {
      const want = await inThread.select({ text, params: [] }).then(() => assert.fail('no error'), (e: unknown) => e as Error & { code: string });
      const got = await pooled.select({ text, params: [] }).then(() => assert.fail('no error'), (e: unknown) => e as Error & { code: string });
      assert.ok(got instanceof Database.SqliteError, text);
      assert.equal(got.code, want.code, text);
      assert.equal(got.message, want.message, text);
    }
    // the reader goes on answering
    assert.deepEqual(await pooled.select({ text: 'SELECT 1 AS one', params: [] }), [{ one: 1 }]);
  });

  it('runs concurrent searches on several threads, on demand, and falls back to this thread until one is ready', async () => {
    let fallbacks = 0;
    const pool = new ReaderPool(path, { size: 2, fallback: async () => (fallbacks++, [{ here: true }]), startAfterMs: 0 });
    assert.deepEqual(await pool.query('all', 'SELECT 1 AS one', []), [{ here: true }]);
    assert.equal(pool.started, 1); // the first query starts one thread, and does not wait for it
    await pool.start();
    assert.equal(pool.ready, 2);
    const sleepy = `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT count(*) AS c FROM n`;
    const rows = await Promise.all(Array.from({ length: 6 }, () => pool.query('get', sleepy, [])));
    assert.deepEqual(rows, Array(6).fill({ c: 100000 }));
    assert.equal(fallbacks, 1);
    await pool.close();
    assert.equal(pool.started, 0);
    assert.deepEqual(await pool.query('all', 'SELECT 1', []), [{ here: true }]); // closed: the fallback answers (and fails as a closed connection does)
  });

  it('gives up on threads, not on queries, when a reader cannot open the database', async () => {
    let fallbacks = 0;
    const pool = new ReaderPool(join(dir, 'missing', 'nothing.db'), { size: 2, fallback: async () => (fallbacks++, []), startAfterMs: 0 });
    await pool.start();
    assert.equal(pool.ready, 0);
    await pool.query('all', 'SELECT 1', []);
    assert.equal(pool.started, 0);
    assert.equal(fallbacks, 1);
    await pool.close();
  });

  it('closes with searches in flight: they settle rather than hang, and later ones fail as on a closed connection', async () => {
    const store = new SqliteStore(path, { readers: 1 });
    await store.startReaders();
    const slow = store.select({ text: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300000) SELECT count(*) AS c FROM n`, params: [] });
    await store.close();
    const hung = new Promise((resolve) => setTimeout(resolve, 5000, 'hung').unref()).then(String);
    assert.notEqual(await Promise.race([slow.then(() => 'answered', () => 'failed'), hung]), 'hung');
    await assert.rejects(store.select({ text: 'SELECT 1', params: [] }), /not open/);
  });
});
