/**
 * The SQLite writer thread: owns the one writing connection and runs batches of operations in
 * arrival order, so that SQLite's work on one transaction overlaps the main thread's work
 * (parsing, validating, indexing) on the next.
 *
 * Three things make its share of the work smaller:
 * - Rows are inserted many to a statement: a request's history, index and outbox rows are
 *   gathered per table and inserted CHUNK rows at a time (before anything that could read them,
 *   and at the end of the request), rather than one statement per row.
 * - Group commit: transactions that queue up behind one another share one SQLite transaction,
 *   each after the first in a savepoint of its own, and each is answered when that SQLite
 *   transaction commits: once no more requests are waiting (the writer never waits for work to
 *   come), or at MAX_GROUP transactions. The COMMIT's cost (writing every page changed to the
 *   WAL: on Synthea ingest ~8 pages a resource, one write at a time) then grows with the pages
 *   changed rather than with the transactions, as consecutive transactions change many of the
 *   same pages. A transaction that fails or is rolled back is undone alone (to its savepoint); a
 *   failed COMMIT fails every transaction in it, none of which was answered before. A
 *   transaction sent in several requests (it reads in between) is never kept waiting on others:
 *   the group commits before it begins.
 * - Checkpoints run beside it: a checkpointer thread of its own copies committed pages from the
 *   WAL into the database file (class Checkpointer below).
 */
import Database from 'better-sqlite3';
import { openSync, readSync } from 'node:fs';
import { endianness } from 'node:os';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import { INDEX_TABLES } from '../schema.ts';
import { INDEX_LAYOUT } from '../index-rows.ts';
import { batches, valueTuples } from '../multi-row.ts';
import { configure, PRAGMAS, statementCache } from './configure.ts';
import type { FlatIndexRows, WriterOp, WriterRequest, WriterResponse } from './writer-protocol.ts';

/** Rows per multi-row INSERT; what remains is inserted in halves (16, 8 … 1), so a table needs few distinct statements. */
const CHUNK = 32;
/** Transactions sharing one COMMIT at most. */
const MAX_GROUP = 8;

/** Rows of one table waiting to be inserted, their values one after another. */
interface Pending {
  table: string;
  columns: readonly string[];
  width: number;
  values: unknown[];
  rows: number;
  /** INSERT statements by rows per statement. */
  inserts: Map<number, Database.Statement>;
}

function pending(table: string, columns: readonly string[]): Pending {
  return { table, columns, width: columns.length, values: [], rows: 0, inserts: new Map() };
}

/** The writer's logic over a connection; `respond` sends each request's answer. */
export function createWriter(db: Database.Database, respond: (res: WriterResponse) => void, committed: () => void = () => {}): (req: WriterRequest) => void {
  const stmt = statementCache(db);
  const history = pending('resource_history', ['rid', 'resource_type', 'id', 'version_id', 'last_updated', 'deleted', 'method', 'content']);
  const outbox = pending('outbox', ['resource_type', 'id', 'version_id', 'event', 'created', 'dispatched']);
  const TEXT = INDEX_LAYOUT.findIndex((l) => l.table === 'idx_text');
  const indexTables = INDEX_LAYOUT.map((l) => pending(l.table, ['rid', 'resource_type', 'param', ...l.columns]));
  // history first: index rows and events of a version follow it, as they did one statement at a time
  const tables = [history, ...indexTables.filter((_, t) => t !== TEXT), outbox];
  /** Resources with rows still waiting: their rows must be in before they are deleted. */
  const waitingRids = new Set<number>();

  const insertResource = db.prepare(`INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)`);
  const upsertResource = db.prepare(
    `INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
     deleted = excluded.deleted, content = excluded.content RETURNING rid`,
  );
  const insertText = db.prepare(`INSERT INTO idx_text (rowid, narrative, content) VALUES (?, ?, ?)`);

  function insertStatement(p: Pending, rows: number): Database.Statement {
    let s = p.inserts.get(rows);
    if (!s) {
      // OR FAIL: a failing row fails the statement without undoing the rows before it, so SQLite keeps no statement
      // journal for it (inside a savepoint that journal made these inserts twice as costly); the transaction is undone anyway
      s = db.prepare(`INSERT OR FAIL INTO ${p.table} (${p.columns.join(', ')}) VALUES ${valueTuples(rows, p.width)}`);
      p.inserts.set(rows, s);
    }
    return s;
  }

  /** Inserts every waiting row. */
  function flush(): void {
    for (const p of tables) {
      if (!p.rows) continue;
      const { values, rows, width } = p;
      p.values = [];
      p.rows = 0;
      let i = 0;
      for (const k of batches(rows, CHUNK)) {
        insertStatement(p, k).run(k === rows ? values : values.slice(i * width, (i + k) * width));
        i += k;
      }
    }
    waitingRids.clear();
  }

  function discard(): void {
    for (const p of tables) (p.values = []), (p.rows = 0);
    waitingRids.clear();
  }

  function addIndex(rid: number, resourceType: string, index: FlatIndexRows): void {
    for (let i = 0; i < index.length; ) {
      const t = index[i] as number;
      const n = index[i + 1] as number;
      i += 2;
      if (t === TEXT) {
        // one FTS5 row per resource (rowid = rid): the narrative and the whole resource's words
        let narrative = '';
        let content = '';
        for (let r = 0; r < n; r++, i += 2) {
          if (index[i] === '_text') narrative = String(index[i + 1]);
          else if (index[i] === '_content') content = String(index[i + 1]);
        }
        insertText.run(rid, narrative, content);
        continue;
      }
      const p = indexTables[t];
      const width = p.width - 2; // param and the columns after it
      const values = p.values;
      for (let r = 0; r < n; r++) {
        values.push(rid, resourceType);
        for (let c = 0; c < width; c++) values.push(index[i++]);
      }
      p.rows += n;
    }
    waitingRids.add(rid);
  }

  function deleteIndex(rid: number): void {
    if (waitingRids.has(rid)) flush();
    // the FTS5 table (contentless, with contentless_delete) is keyed by rowid
    for (const table of INDEX_TABLES) stmt(table === 'idx_text' ? `DELETE FROM idx_text WHERE rowid = ?` : `DELETE FROM ${table} WHERE rid = ?`).run(rid);
  }

  /** A transaction is open: in a savepoint of its own (others before it wait to commit), or alone in the SQLite transaction. */
  let inTx: 'savepoint' | 'alone' | false = false;
  /** Requests whose transactions are done and wait for the SQLite transaction holding them to commit. */
  let grouped: number[] = [];
  let scheduled = false;

  function commitGroup(): void {
    scheduled = false;
    if (!grouped.length || inTx) return;
    const ids = grouped;
    grouped = [];
    let error: { message: string; code?: string } | undefined;
    try {
      db.exec('COMMIT');
    } catch (err) {
      error = describe(err);
      if (db.inTransaction) db.exec('ROLLBACK');
    }
    for (const id of ids) respond(error ? { id, error } : { id, result: undefined });
    if (!error) committed();
  }

  /** Undoes the open transaction, if any, and only it. */
  function undo(): void {
    if (inTx === 'savepoint') {
      db.exec('ROLLBACK TO tx');
      db.exec('RELEASE tx');
    } else if (db.inTransaction && (inTx === 'alone' || !grouped.length)) db.exec('ROLLBACK');
    inTx = false;
  }

  function run(op: WriterOp): unknown {
    switch (op.kind) {
      case 'begin':
        // the first transaction of a group needs no savepoint: undoing it undoes the SQLite transaction
        if (db.inTransaction) db.exec('SAVEPOINT tx'), (inTx = 'savepoint');
        else db.exec('BEGIN IMMEDIATE'), (inTx = 'alone');
        return undefined;
      case 'commit':
        flush();
        if (inTx === 'savepoint') db.exec('RELEASE tx');
        inTx = false;
        return undefined;
      case 'rollback':
        discard();
        undo();
        return undefined;
      case 'exec':
        flush();
        return db.exec(op.sql), undefined;
      case 'get':
        flush();
        return stmt(op.sql).get(...op.params);
      case 'all':
        flush();
        return stmt(op.sql).all(...op.params);
      case 'run':
        flush();
        stmt(op.sql).run(...op.params);
        return undefined;
      case 'write': {
        const [resourceType, id, versionId, lastUpdated, deleted, json, method] = op.version;
        let rid: number;
        if (versionId === 1) {
          // a first version: no row to update (a conflict is an error, as it would be for the history row)
          rid = Number(insertResource.run(resourceType, id, versionId, lastUpdated, deleted, json).lastInsertRowid);
        } else {
          rid = (upsertResource.get(resourceType, id, versionId, lastUpdated, deleted, json) as { rid: number }).rid;
          deleteIndex(rid);
        }
        history.values.push(rid, resourceType, id, versionId, lastUpdated, deleted, method, json);
        history.rows++;
        addIndex(rid, resourceType, op.index);
        return undefined;
      }
      case 'reindex': {
        flush();
        const row = stmt(`SELECT rid FROM resources WHERE resource_type = ? AND id = ? AND version_id = ? AND NOT deleted`).get(op.resourceType, op.id, op.versionId) as
          | { rid: number }
          | undefined;
        if (!row) return 0;
        deleteIndex(row.rid);
        addIndex(row.rid, op.resourceType, op.index);
        return 1;
      }
      case 'outbox':
        outbox.values.push(...op.values, 0);
        outbox.rows++;
        return undefined;
    }
  }

  return (req) => {
    const ops = req.ops;
    const whole = ops.length > 1 && ops[0].kind === 'begin' && ops[ops.length - 1].kind === 'commit';
    // anything but a whole transaction runs after the transactions waiting have committed
    if (!inTx && !whole) commitGroup();
    let result: unknown;
    let counted = 0;
    let reindexed = false;
    try {
      for (const op of ops) {
        result = run(op);
        if (op.kind === 'reindex') (counted += result as number), (reindexed = true);
      }
      flush();
    } catch (err) {
      discard();
      // a transaction whose last request fails is undone, and only it
      if (ops[ops.length - 1].kind === 'commit') undo();
      respond({ id: req.id, error: describe(err) });
      return;
    }
    if (ops[ops.length - 1].kind === 'commit') {
      // answered when the SQLite transaction commits: now if the group is full, else once no more requests are queued
      grouped.push(req.id);
      if (grouped.length >= MAX_GROUP) commitGroup();
      else if (!scheduled) (scheduled = true), setImmediate(commitGroup);
      return;
    }
    respond({ id: req.id, result: reindexed ? counted : result });
  };
}

function describe(err: unknown): { message: string; code?: string } {
  const e = err as { message?: string; code?: string };
  return { message: e.message ?? String(err), code: e.code };
}

/**
 * The checkpointer is asked to copy WAL frames into the database file once this many (4 KiB
 * pages) wait: as many as the writer itself used to let wait (configure.ts).
 */
const CHECKPOINT_FRAMES = 20_000;
/**
 * Once the WAL holds RESTART_FRAMES frames, it is to start over from its beginning, which the
 * writer does at its next transaction if every frame has been copied by then. The checkpointer is
 * asked again until at most SYNC_FRAMES remain (about what one commit adds while the checkpointer
 * copies: on Synthea ingest 4,000–25,000), which the writer then copies itself, between
 * transactions; past MAX_FRAMES it copies whatever remains. (The frames the checkpointer has
 * copied cost readers nothing: they look up pages only among those not yet copied.)
 */
const RESTART_FRAMES = 40_000;
const SYNC_FRAMES = 12_000;
const MAX_FRAMES = 100_000;
/** While the checkpointer runs, the writer's own automatic checkpoints are a fallback only, for a WAL grown this far. */
const WRITER_AUTOCHECKPOINT = 200_000;

/**
 * The checkpointer thread (checkpoint-thread.mjs). Copying committed pages into the database file,
 * and the fsyncs that go with it, were a quarter of the writer's time on a large ingest, and it
 * waited on the fsyncs besides; most of it now happens beside the writer. After each commit the
 * writer reads how many frames the WAL holds and how many are copied from the WAL index header
 * in the -shm file (https://www.sqlite.org/walformat.html: mxFrame at byte 16, nBackfill at byte
 * 96, in the machine's byte order). A RESTART checkpoint by the checkpointer would start the WAL
 * over without the writer, but it made the writer's BEGIN fail with SQLITE_BUSY now and then.
 */
class Checkpointer {
  private readonly worker: Worker;
  private readonly header = Buffer.alloc(100);
  private readonly le = endianness() === 'LE';
  private shm: number | undefined;
  private running = false;
  private failed = false;

  constructor(
    private readonly path: string,
    private readonly db: Database.Database,
  ) {
    this.worker = new Worker(new URL('./checkpoint-thread.mjs', import.meta.url), { workerData: { path, pragmas: PRAGMAS }, execArgv: [] });
    this.worker.on('message', (m: { ready?: boolean }) => {
      if (m.ready) db.pragma(`wal_autocheckpoint = ${WRITER_AUTOCHECKPOINT}`);
      else this.running = false;
    });
    // without it, the writer checkpoints as it did before
    this.worker.on('error', () => this.fail());
    this.worker.on('exit', () => this.fail());
  }

  private fail(): void {
    if (this.failed) return;
    this.failed = true;
    try {
      this.db.pragma(PRAGMAS.find((p) => p.startsWith('wal_autocheckpoint'))!);
    } catch {
      // the connection is closing
    }
  }

  /** After a commit, outside any transaction. */
  committed(): void {
    if (this.failed || this.running) return;
    let frames: number;
    let copied: number;
    try {
      this.shm ??= openSync(`${this.path}-shm`, 'r');
      readSync(this.shm, this.header, 0, 100, 0);
      frames = this.le ? this.header.readUInt32LE(16) : this.header.readUInt32BE(16);
      copied = this.le ? this.header.readUInt32LE(96) : this.header.readUInt32BE(96);
    } catch {
      return this.fail();
    }
    const waiting = frames - copied;
    if (frames >= RESTART_FRAMES && (waiting <= SYNC_FRAMES || frames >= MAX_FRAMES)) this.db.pragma('wal_checkpoint(PASSIVE)');
    else if (waiting >= CHECKPOINT_FRAMES || frames >= RESTART_FRAMES) {
      this.running = true;
      this.worker.postMessage(null);
    }
  }
}

if (parentPort && (workerData as { path?: string } | null)?.path) {
  const port = parentPort;
  const path = (workerData as { path: string }).path;
  const db = new Database(path);
  configure(db);
  const checkpointer = new Checkpointer(path, db);
  port.on('message', createWriter(db, (res) => port.postMessage(res), () => checkpointer.committed()));
}
