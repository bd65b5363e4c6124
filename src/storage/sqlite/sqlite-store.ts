/**
 * The embedded store: better-sqlite3 in WAL mode. Reads by id outside transactions run on a
 * connection in this thread (a few microseconds: less than a message to another thread);
 * searches and history run on read-only connections in reader threads (reader-pool.ts), several
 * at once and off the event loop. Every transaction runs on the one writing connection, which
 * lives in a worker thread (writer-thread.ts). Writes are buffered and sent in batches, and a
 * transaction's COMMIT is queued without waiting, so SQLite's work on one transaction overlaps
 * the main thread's work on the next; the writer runs everything in arrival order, so each
 * transaction sees all those queued before it.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
import { migrations } from '../schema.ts';
import { rowToVersion, historySql, type SqlRow } from '../sql.ts';
import { flatIndexRows } from '../index-rows.ts';
import { Mutex } from '../mutex.ts';
import { runHooks } from '../hooks.ts';
import { configure, statementCache } from './configure.ts';
import { ReaderPool, type Query } from './reader-pool.ts';
import type { WriterOp, WriterResponse } from './writer-protocol.ts';
import type { CompiledQuery, HistoryPage, HistoryQuery, IndexRows, OutboxEvent, ReindexEntry, ResourceStore, StoredVersion, StoreReader, StoreTx } from '../types.ts';

const DIALECT = { kind: 'sqlite' as const, serial: 'INTEGER PRIMARY KEY AUTOINCREMENT', bigint: 'INTEGER', double: 'REAL', bool: 'INTEGER' };

const READ_CURRENT = `SELECT resource_type, id, version_id, last_updated, deleted, content, NULL AS method FROM resources WHERE resource_type = ? AND id = ?`;
const READ_VERSION = `SELECT resource_type, id, version_id, last_updated, deleted, content, method FROM resource_history WHERE resource_type = ? AND id = ? AND version_id = ?`;

/** The reads, whatever connection answers them. */
class SqliteReads implements StoreReader {
  /**
   * @param query runs a read on some connection: this thread's reader, or the writer thread
   * @param search runs the longer reads (search, history): by default as `query` does
   */
  constructor(
    protected readonly query: Query,
    private readonly search: Query = query,
  ) {}

  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const row = (await this.query('get', READ_CURRENT, [resourceType, id])) as SqlRow | undefined;
    return row && rowToVersion(row);
  }

  async readVersion(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const row = (await this.query('get', READ_VERSION, [resourceType, id, versionId])) as SqlRow | undefined;
    return row && rowToVersion(row);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    const q = historySql(query, () => () => '?');
    const [rows, count] = (await Promise.all([this.search('all', q.list, q.listParams), this.search('get', q.count, q.countParams)])) as [
      (SqlRow & { seq: number })[],
      { n: number },
    ];
    const total = count.n;
    return { entries: rows.map((r) => ({ ...rowToVersion(r), seq: Number(r.seq) })), total: Number(total) };
  }

  async select(query: CompiledQuery): Promise<Record<string, unknown>[]> {
    return (await this.search('all', query.text, query.params)) as Record<string, unknown>[];
  }
}

/** The writer thread: numbered requests, answered in order. */
class Writer {
  private readonly worker: Worker;
  private next = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(path: string) {
    this.worker = new Worker(new URL('./writer-bootstrap.mjs', import.meta.url), { workerData: { path } });
    this.worker.on('message', (res: WriterResponse) => {
      const w = this.waiting.get(res.id);
      this.waiting.delete(res.id);
      if (this.waiting.size === 0) this.worker.unref(); // an idle writer keeps no process alive
      if ('error' in res) w?.reject(Object.assign(new Error(res.error.message), { code: res.error.code }));
      else w?.resolve(res.result);
    });
    this.worker.on('error', (err) => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    });
    this.worker.unref();
  }

  send(ops: WriterOp[]): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, ops }); // structured clone: keeps ±Infinity (open date ranges), which JSON would not
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/** One transaction on the writer: writes are buffered until a read, or the commit, needs them sent. */
class SqliteTx extends SqliteReads implements StoreTx {
  readonly hooks: (() => void | Promise<void>)[] = [];
  private pending: WriterOp[] = [{ kind: 'begin' }];

  constructor(private readonly writer: Writer) {
    super((kind, sql, params) => this.flush({ kind, sql, params }));
  }

  /** Sends the buffered writes followed by `op`, and answers with `op`'s result. */
  flush(op: WriterOp): Promise<unknown> {
    const ops = this.pending;
    ops.push(op);
    this.pending = [];
    return this.writer.send(ops);
  }

  /** Queues the commit; the promise settles when SQLite has committed (or failed to). */
  commit(): Promise<unknown> {
    return this.flush({ kind: 'commit' });
  }

  rollback(): Promise<unknown> {
    this.pending = [];
    return this.writer.send([{ kind: 'rollback' }]);
  }

  async readCurrentForUpdate(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return this.readCurrent(resourceType, id); // the writer holds the database's write lock for the whole transaction
  }

  async lock(): Promise<void> {
    // write transactions are serialised: one at a time on the writer
  }

  async writeVersion(v: StoredVersion, index: IndexRows): Promise<void> {
    this.pending.push({
      kind: 'write',
      version: [v.resourceType, v.id, v.versionId, v.lastUpdated, v.deleted ? 1 : 0, v.json, v.method],
      index: flatIndexRows(index),
    });
  }

  async reindex(entries: readonly ReindexEntry[]): Promise<number> {
    if (!entries.length) return 0;
    const ops: WriterOp[] = entries.map((e) => ({ kind: 'reindex', resourceType: e.resourceType, id: e.id, versionId: e.versionId, index: flatIndexRows(e.index) }));
    const last = ops.pop()!;
    this.pending.push(...ops);
    return (await this.flush(last)) as number;
  }

  afterCommit(fn: () => void | Promise<void>): void {
    this.hooks.push(fn);
  }

  async run(query: CompiledQuery): Promise<void> {
    this.pending.push({ kind: 'run', sql: query.text, params: query.params }); // sent with the next flush
  }

  async appendOutbox(e: OutboxEvent): Promise<void> {
    this.pending.push({ kind: 'outbox', values: [e.resourceType, e.id, e.versionId, e.event, Date.now()] });
  }
}

function localQuery(db: Database.Database): Query {
  const stmt = statementCache(db);
  return async (kind, sql, params) => (kind === 'get' ? stmt(sql).get(...params) : stmt(sql).all(...params));
}

export interface SqliteOptions {
  /** Reader threads for searches and history (0: run them on this thread's connection). */
  readers?: number;
}

/**
 * Reader threads when not told. On the search mix (bench:search, 250k resources, 2 cores) they take
 * the server's thread from about 2.6 to 0.9 ms of CPU per request, and use all of both cores;
 * one thread would leave the SQL (about 2 ms a request) on one core.
 */
export const DEFAULT_READERS = 2;

export class SqliteStore extends SqliteReads implements ResourceStore {
  readonly dialect = 'sqlite' as const;
  private readonly reader: Database.Database;
  private readonly writer: Writer;
  private readonly pool?: ReaderPool;
  /** Held while a transaction runs its function: transactions are built one at a time. */
  private readonly mutex = new Mutex();

  constructor(path: string, options: SqliteOptions = {}) {
    if (path === ':memory:') throw new Error('The SQLite store needs a file (sqlite:PATH): its reader and writer are separate connections');
    mkdirSync(dirname(path), { recursive: true });
    const reader = new Database(path);
    configure(reader);
    const local = localQuery(reader);
    const readers = options.readers ?? DEFAULT_READERS;
    const pool = readers > 0 ? new ReaderPool(path, { size: readers, fallback: local }) : undefined;
    super(local, pool?.query);
    this.reader = reader;
    this.pool = pool;
    this.writer = new Writer(path);
  }

  async migrate(): Promise<void> {
    const db = this.reader;
    db.exec(`CREATE TABLE IF NOT EXISTS meridian_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
    const applied = new Set((db.prepare(`SELECT version FROM meridian_migrations`).all() as { version: number }[]).map((r) => r.version));
    for (const m of migrations(DIALECT)) {
      if (applied.has(m.version)) continue;
      db.transaction(() => {
        for (const s of m.statements) db.exec(s);
        db.prepare(`INSERT INTO meridian_migrations VALUES (?, ?, ?)`).run(m.version, m.description, Date.now());
      })();
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const { result, tx, committed } = await this.mutex.run(async () => {
      const tx = new SqliteTx(this.writer);
      try {
        const result = await fn(tx);
        // queued, not awaited: the next transaction may start building while SQLite commits this one
        const committed = tx.commit();
        committed.catch(() => undefined);
        return { result, tx, committed };
      } catch (err) {
        await tx.rollback();
        throw err;
      }
    });
    await committed;
    // outside the mutex, so that a hook may start a transaction of its own
    await runHooks(tx.hooks);
    return result;
  }

  /** Starts the reader threads now rather than once searches need them; settles when they are ready. */
  async startReaders(): Promise<void> {
    await this.pool?.start();
  }

  async optimize(): Promise<void> {
    await this.mutex.run(() => this.writer.send([{ kind: 'exec', sql: 'ANALYZE' }, { kind: 'exec', sql: 'PRAGMA optimize' }]));
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      await this.writer.send([{ kind: 'rollback' }]); // waits for everything queued before
      await this.writer.close();
      await this.pool?.close();
      this.reader.close();
    });
  }
}
