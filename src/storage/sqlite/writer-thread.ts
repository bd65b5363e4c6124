/**
 * The SQLite writer thread: owns the one writing connection and runs batches of operations in
 * arrival order, so that SQLite's work on one transaction overlaps the main thread's work
 * (parsing, validating, indexing) on the next.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';
import { INDEX_TABLES } from '../schema.ts';
import { configure, statementCache } from './configure.ts';
import type { TableRows } from '../index-rows.ts';
import type { WriterOp, WriterRequest, WriterResponse } from './writer-protocol.ts';

const db = new Database((workerData as { path: string }).path);
configure(db);
const stmt = statementCache(db);

function insertIndex(rid: number, index: TableRows[]): void {
  for (const t of index) {
    if (t.table === 'idx_text') {
      insertText(rid, t);
      continue;
    }
    const insert = stmt(`INSERT INTO ${t.table} (${t.columns.join(', ')}) VALUES (${t.columns.map(() => '?').join(', ')})`);
    for (const row of t.rows) {
      row[0] = rid; // rows come with a placeholder rid: the resource's rid is known only here
      insert.run(...row);
    }
  }
}

/** Full-text rows go to the FTS5 table as one row per resource (rowid = rid): the narrative and the whole resource's words. */
function insertText(rid: number, t: TableRows): void {
  let narrative = '';
  let content = '';
  for (const [, , param, value] of t.rows) {
    if (param === '_text') narrative = String(value);
    else if (param === '_content') content = String(value);
  }
  stmt(`INSERT INTO idx_text (rowid, narrative, content) VALUES (?, ?, ?)`).run(rid, narrative, content);
}

function deleteIndex(rid: number): void {
  // the FTS5 table (contentless, with contentless_delete) is keyed by rowid
  for (const table of INDEX_TABLES) stmt(table === 'idx_text' ? `DELETE FROM idx_text WHERE rowid = ?` : `DELETE FROM ${table} WHERE rid = ?`).run(rid);
}

function run(op: WriterOp): unknown {
  switch (op.kind) {
    case 'begin':
      return db.exec('BEGIN IMMEDIATE');
    case 'commit':
      return db.exec('COMMIT');
    case 'rollback':
      return db.inTransaction ? db.exec('ROLLBACK') : undefined;
    case 'exec':
      return db.exec(op.sql);
    case 'get':
      return stmt(op.sql).get(...op.params);
    case 'all':
      return stmt(op.sql).all(...op.params);
    case 'write': {
      const [resourceType, id, versionId, lastUpdated, deleted, json, method] = op.version;
      const { rid } = stmt(
        `INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
         deleted = excluded.deleted, content = excluded.content RETURNING rid`,
      ).get(resourceType, id, versionId, lastUpdated, deleted, json) as { rid: number };
      stmt(`INSERT INTO resource_history (rid, resource_type, id, version_id, last_updated, deleted, method, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(
        rid,
        resourceType,
        id,
        versionId,
        lastUpdated,
        deleted,
        method,
        json,
      );
      if (versionId > 1) deleteIndex(rid);
      insertIndex(rid, op.index);
      return undefined;
    }
    case 'reindex': {
      const row = stmt(`SELECT rid FROM resources WHERE resource_type = ? AND id = ? AND version_id = ? AND NOT deleted`).get(
        op.resourceType,
        op.id,
        op.versionId,
      ) as { rid: number } | undefined;
      if (!row) return 0;
      deleteIndex(row.rid);
      insertIndex(row.rid, op.index);
      return 1;
    }
    case 'outbox':
      return stmt(`INSERT INTO outbox (resource_type, id, version_id, event, created, dispatched) VALUES (?, ?, ?, ?, ?, 0)`).run(...op.values);
  }
}

parentPort!.on('message', (req: WriterRequest) => {
  let result: unknown;
  let response: WriterResponse;
  let counted = 0;
  try {
    for (const op of req.ops) {
      result = run(op);
      if (op.kind === 'reindex') counted += result as number;
    }
    response = { id: req.id, result: req.ops.some((o) => o.kind === 'reindex') ? counted : result };
  } catch (err) {
    // a failed commit batch leaves nothing half-done for the next transaction
    if (req.ops.some((o) => o.kind === 'commit') && db.inTransaction) db.exec('ROLLBACK');
    const e = err as { message?: string; code?: string };
    response = { id: req.id, error: { message: e.message ?? String(err), code: e.code } };
  }
  parentPort!.postMessage(response);
});
