/**
 * The SQLite writer (src/storage/sqlite/writer-thread.ts), driven directly: rows inserted many to a
 * statement, and group commit (transactions that queue up share one COMMIT, each undone alone).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite/sqlite-store.ts';
import { configure } from '../../src/storage/sqlite/configure.ts';
import { createWriter } from '../../src/storage/sqlite/writer-thread.ts';
import { flatIndexRows } from '../../src/storage/index-rows.ts';
import type { WriterOp, WriterRequest, WriterResponse } from '../../src/storage/sqlite/writer-protocol.ts';
import type { IndexRows } from '../../src/storage/types.ts';

const skip = process.env.MERIDIAN_TEST_STORES !== undefined && !process.env.MERIDIAN_TEST_STORES.split(',').includes('sqlite');

function write(id: string, index: IndexRows = {}, versionId = 1): WriterOp {
  const json = JSON.stringify({ resourceType: 'Observation', id });
  return { kind: 'write', version: ['Observation', id, versionId, 1_700_000_000_000 + versionId, 0, json, versionId === 1 ? 'POST' : 'PUT'], index: flatIndexRows(index) };
}

const tick = () => new Promise<void>((done) => setImmediate(done));

describe('storage: SQLite writer', { skip }, () => {
  let dir: string;
  let db: Database.Database;
  let answers: WriterResponse[];
  let handle: (req: WriterRequest) => void;
  let next = 0;
  const send = (...ops: WriterOp[]) => {
    const id = next++;
    handle({ id, ops });
    return id;
  };
  const answer = (id: number) => answers.find((a) => a.id === id);
  const ids = () => (db.prepare(`SELECT id FROM resources ORDER BY id`).all() as { id: string }[]).map((r) => r.id);
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meridian-test-writer-'));
    const path = join(dir, 'test.db');
    const store = new SqliteStore(path, { readers: 0 });
    await store.migrate();
    await store.close();
    db = new Database(path);
    configure(db);
  });
  after(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    answers = [];
    handle = createWriter(db, (res) => answers.push(res));
    for (const t of ['resources', 'resource_history', 'idx_token', 'idx_reference', 'idx_text', 'outbox']) db.exec(`DELETE FROM ${t}`);
  });

  it('inserts every index row, many to a statement, whatever their number', async () => {
    // 70 token rows: two statements of 32 and the rest in halves (4 + 2)
    const token = Array.from({ length: 70 }, (_, i) => ({ param: 'code', system: 'http://loinc.org', code: `c${i}`, text: null }));
    const a = send(
      { kind: 'begin' },
      write('a', { token, reference: [{ param: 'subject', targetType: 'Patient', targetId: 'p', version: null, url: null }], text: [{ param: '_content', value: 'heart rate' }] }),
      { kind: 'outbox', values: ['Observation', 'a', 1, 'create', 1] },
      write('b', { token: token.slice(0, 3) }),
      { kind: 'outbox', values: ['Observation', 'b', 1, 'create', 2] },
      { kind: 'commit' },
    );
    await tick();
    assert.deepEqual(answer(a), { id: a, result: undefined });
    assert.equal(count('idx_token'), 73);
    assert.equal(count('resource_history'), 2);
    assert.equal(count('outbox'), 2);
    const rid = (db.prepare(`SELECT rid FROM resources WHERE id = 'a'`).get() as { rid: number }).rid;
    assert.equal((db.prepare(`SELECT count(*) AS n FROM idx_token WHERE rid = ? AND resource_type = 'Observation' AND param = 'code'`).get(rid) as { n: number }).n, 70);
    assert.deepEqual(db.prepare(`SELECT target_type, target_id FROM idx_reference WHERE rid = ?`).get(rid), { target_type: 'Patient', target_id: 'p' });
    assert.deepEqual(db.prepare(`SELECT rowid FROM idx_text WHERE idx_text MATCH 'heart'`).all(), [{ rowid: rid }]);
  });

  it('a new version replaces the index rows of the one before, also within one request', async () => {
    const a = send(
      { kind: 'begin' },
      write('a', { token: [{ param: 'code', system: null, code: 'one', text: null }] }),
      write('a', { token: [{ param: 'code', system: null, code: 'two', text: null }] }, 2),
      { kind: 'commit' },
    );
    await tick();
    assert.deepEqual(answer(a), { id: a, result: undefined });
    assert.deepEqual(db.prepare(`SELECT code FROM idx_token`).all(), [{ code: 'two' }]);
  });

  it('reads within a transaction see the rows written before them', async () => {
    send({ kind: 'begin' }, write('a', { token: [{ param: 'code', system: null, code: 'x', text: null }] }));
    const read = send({ kind: 'get', sql: `SELECT count(*) AS n FROM idx_token`, params: [] });
    assert.deepEqual(answer(read), { id: read, result: { n: 1 } });
    send({ kind: 'commit' });
    await tick();
    assert.equal(answers.length, 3);
  });

  it('transactions queued together commit together, and are answered only then', async () => {
    const a = send({ kind: 'begin' }, write('a'), { kind: 'commit' });
    const b = send({ kind: 'begin' }, write('b'), { kind: 'commit' });
    assert.equal(answers.length, 0); // neither answered before the COMMIT
    assert.ok(db.inTransaction);
    await tick();
    assert.deepEqual(answers, [
      { id: a, result: undefined },
      { id: b, result: undefined },
    ]);
    assert.ok(!db.inTransaction);
    assert.deepEqual(ids(), ['a', 'b']);
  });

  it('a transaction that fails in a group is undone alone', async () => {
    const a = send({ kind: 'begin' }, write('a', { token: [{ param: 'code', system: null, code: 'kept', text: null }] }), { kind: 'commit' });
    // a second first version of a: refused by the resources table's unique key
    const b = send({ kind: 'begin' }, write('b', { token: [{ param: 'code', system: null, code: 'undone', text: null }] }), write('a'), { kind: 'commit' });
    const c = send({ kind: 'begin' }, write('c'), { kind: 'commit' });
    await tick();
    assert.deepEqual(answer(a), { id: a, result: undefined });
    assert.match((answer(b) as { error: { message: string } }).error.message, /UNIQUE/);
    assert.deepEqual(answer(c), { id: c, result: undefined });
    assert.deepEqual(ids(), ['a', 'c']);
    assert.deepEqual(db.prepare(`SELECT code FROM idx_token`).all(), [{ code: 'kept' }]);
    assert.equal(count('resource_history'), 2);
  });

  it('the first transaction of a group failing leaves none of it behind', async () => {
    const a = send({ kind: 'begin' }, write('a'), write('a'), { kind: 'commit' });
    const b = send({ kind: 'begin' }, write('b'), { kind: 'commit' });
    await tick();
    assert.ok('error' in answer(a)!);
    assert.deepEqual(answer(b), { id: b, result: undefined });
    assert.deepEqual(ids(), ['b']);
  });

  it('a transaction rolled back after others joined the group leaves them to commit', async () => {
    const a = send({ kind: 'begin' }, write('a'), { kind: 'commit' });
    // sent in two requests: the group commits before it begins, so it is never kept waiting on a
    const b1 = send({ kind: 'begin' }, write('b'), { kind: 'get', sql: `SELECT count(*) AS n FROM resources`, params: [] });
    assert.deepEqual(answer(a), { id: a, result: undefined });
    assert.deepEqual(answer(b1), { id: b1, result: { n: 2 } });
    const b2 = send({ kind: 'rollback' });
    assert.deepEqual(answer(b2), { id: b2, result: undefined });
    const c = send({ kind: 'begin' }, write('c'), { kind: 'commit' });
    const d = send({ kind: 'begin' }, write('d'), { kind: 'commit' });
    const e = send({ kind: 'begin' }, write('e'), { kind: 'get', sql: `SELECT 1 AS one`, params: [] });
    assert.deepEqual([answer(c), answer(d)], [
      { id: c, result: undefined },
      { id: d, result: undefined },
    ]);
    send({ kind: 'rollback' });
    await tick();
    assert.equal(answers.length, 7);
    assert.deepEqual(ids(), ['a', 'c', 'd']);
    assert.ok(!db.inTransaction);
  });
});
