/**
 * Reads (on the pool, or on a transaction's client) and a transaction's writes. The fixed
 * statements are named, so each connection parses and plans them once.
 */
import type pg from 'pg';
import { historySql, rowToVersion, type Placeholder, type SqlRow } from '../sql.ts';
import type { CompiledQuery, HistoryPage, HistoryQuery, IndexRows, OutboxEvent, ReindexEntry, StoredVersion, StoreReader, StoreTx } from '../types.ts';
import type { CommitHook } from '../hooks.ts';
import { tableRows } from '../index-rows.ts';
import { INDEX_TABLES } from '../schema.ts';
import { columnValue, INDEX_COLUMNS, WRITE_BATCH_STATEMENT, WriteBatch } from './write-batch.ts';

export interface Queryable {
  /** `about`: the one resource whose rows the statement reads, when that is all it reads. */
  query<R extends pg.QueryResultRow = any>(config: pg.QueryConfig, about?: ResourceKey): Promise<pg.QueryResult<R>>;
}

export interface ResourceKey {
  resourceType: string;
  id: string;
}

/** The pool as a Queryable. */
export const onPool = (pool: pg.Pool): Queryable => ({ query: (config) => pool.query(config) });

const READ_CURRENT = {
  name: 'meridian_read_current',
  text: `SELECT resource_type, id, version_id, last_updated, deleted, content, NULL AS method FROM resources WHERE resource_type = $1 AND id = $2`,
};
const READ_CURRENT_FOR_UPDATE = { name: 'meridian_read_current_for_update', text: `${READ_CURRENT.text} FOR UPDATE` };
const READ_VERSION = {
  name: 'meridian_read_version',
  text: `SELECT resource_type, id, version_id, last_updated, deleted, content, method FROM resource_history WHERE resource_type = $1 AND id = $2 AND version_id = $3`,
};
/** The rids of the entries still at the version read, locked until the transaction ends. */
const REINDEX_CURRENT = {
  name: 'meridian_reindex_current',
  text: `SELECT r.rid, r.resource_type, r.id FROM resources r
    JOIN unnest($1::text[], $2::text[], $3::integer[]) AS e(resource_type, id, version_id)
    ON r.resource_type = e.resource_type AND r.id = e.id AND r.version_id = e.version_id
    WHERE NOT r.deleted FOR UPDATE OF r`,
};
/** Drops every index row of the given rids (one statement: data-modifying CTEs). */
const REINDEX_DELETE = {
  name: 'meridian_reindex_delete',
  text: `WITH ${INDEX_TABLES.map((t, i) => `d${i} AS (DELETE FROM ${t} WHERE rid = ANY($1::bigint[]))`).join(', ')} SELECT 1`,
};
/** Inserts one index table's rows given as column arrays. */
const REINDEX_INSERT = Object.fromEntries(
  INDEX_TABLES.map((t) => {
    const cols = INDEX_COLUMNS[t];
    const arrays = [`$1::bigint[]`, `$2::text[]`, ...cols.map(([, type], i) => `$${i + 3}::${type}[]`)];
    return [t, { name: `meridian_reindex_${t}`, text: `INSERT INTO ${t} (rid, resource_type, ${cols.map(([c]) => c).join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})` }];
  }),
) as Record<(typeof INDEX_TABLES)[number], { name: string; text: string }>;

const LOCK = { name: 'meridian_lock', text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))` };

/** Versions and events gathered before a flush; bounds the size of one statement. */
const MAX_BATCH = 500;

/** `$1`, `$2` … numbered from one for each statement. */
const dollars = (): Placeholder => {
  let n = 0;
  return () => `$${++n}`;
};

export class PostgresReader implements StoreReader {
  /** `parallel`: the pool can run a history page and its count at once; a client runs them in turn. */
  constructor(
    protected readonly db: Queryable,
    private readonly parallel: boolean,
  ) {}

  async readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.db.query<SqlRow>({ ...READ_CURRENT, values: [resourceType, id] }, { resourceType, id });
    return rows[0] && rowToVersion(rows[0]);
  }

  async readVersion(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined> {
    const { rows } = await this.db.query<SqlRow>({ ...READ_VERSION, values: [resourceType, id, versionId] }, { resourceType, id });
    return rows[0] && rowToVersion(rows[0]);
  }

  async history(query: HistoryQuery): Promise<HistoryPage> {
    const q = historySql(query, dollars);
    const list = () => this.db.query<SqlRow & { seq: number }>({ text: q.list, values: q.listParams });
    const count = () => this.db.query<{ n: number }>({ text: q.count, values: q.countParams });
    const [page, total] = this.parallel ? await Promise.all([list(), count()]) : [await list(), await count()];
    return { entries: page.rows.map((r) => ({ ...rowToVersion(r), seq: Number(r.seq) })), total: Number(total.rows[0].n) };
  }

  async select(query: CompiledQuery): Promise<Record<string, unknown>[]> {
    const { rows } = await this.db.query<Record<string, unknown>>({ text: query.text, values: query.params });
    return rows;
  }
}

/** Statements that read no resource rows (advisory locks). */
const NO_ROWS: ResourceKey = { resourceType: '', id: '' };

/**
 * A transaction's client. Writes are gathered and flushed as one statement before a statement
 * that could read them runs (a read of one resource waits only for that resource's write), before
 * COMMIT, or when the batch is full. So a Bundle of creates is one round trip, and a Bundle of
 * updates one `SELECT … FOR UPDATE` per entry plus one write. It remembers the
 * first failed statement (PostgreSQL aborts the transaction, and COMMIT would then quietly roll
 * back) and refuses use after the transaction ends.
 */
export class TxConnection implements Queryable {
  failure: unknown;
  ended = false;
  private batch = new WriteBatch();

  constructor(private readonly client: pg.PoolClient) {}

  async query<R extends pg.QueryResultRow>(config: pg.QueryConfig, about?: ResourceKey): Promise<pg.QueryResult<R>> {
    if (!about || this.batch.has(about.resourceType, about.id)) await this.flush();
    return this.run<R>(config);
  }

  async write(version: StoredVersion, index: IndexRows): Promise<void> {
    if (this.batch.has(version.resourceType, version.id)) await this.flush();
    this.checkOpen();
    this.batch.addVersion(version, index);
    if (this.batch.size >= MAX_BATCH) await this.flush();
  }

  async outbox(event: OutboxEvent): Promise<void> {
    this.checkOpen();
    this.batch.addOutbox(event);
    if (this.batch.size >= MAX_BATCH) await this.flush();
  }

  /** Sends the gathered writes, if any. The batch is swapped out synchronously, so concurrent callers keep statement order. */
  async flush(): Promise<void> {
    if (this.batch.size === 0) return;
    const values = this.batch.values();
    this.batch = new WriteBatch();
    await this.run({ ...WRITE_BATCH_STATEMENT, values });
  }

  private checkOpen(): void {
    if (this.ended) throw new Error('This store transaction has already ended');
  }

  private async run<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<pg.QueryResult<R>> {
    this.checkOpen();
    try {
      return await this.client.query<R>(config);
    } catch (err) {
      this.failure ??= err;
      throw err;
    }
  }
}

export class PostgresTx extends PostgresReader implements StoreTx {
  /** Run by the store once this attempt has committed. */
  readonly hooks: CommitHook[] = [];

  constructor(private readonly conn: TxConnection) {
    super(conn, false);
  }

  afterCommit(fn: CommitHook): void {
    this.hooks.push(fn);
  }

  async reindex(entries: readonly ReindexEntry[]): Promise<number> {
    if (!entries.length) return 0;
    const { rows } = await this.conn.query<{ rid: number; resource_type: string; id: string }>({
      ...REINDEX_CURRENT,
      values: [entries.map((e) => e.resourceType), entries.map((e) => e.id), entries.map((e) => e.versionId)],
    });
    if (!rows.length) return 0;
    const rids = new Map(rows.map((r) => [`${r.resource_type}/${r.id}`, Number(r.rid)]));
    await this.conn.query({ ...REINDEX_DELETE, values: [[...rids.values()]] });
    const columns = new Map<string, unknown[][]>();
    for (const e of entries) {
      const rid = rids.get(`${e.resourceType}/${e.id}`);
      if (rid === undefined) continue;
      for (const t of tableRows(rid, e.resourceType, e.index)) {
        const types = ['bigint', 'text', ...INDEX_COLUMNS[t.table as (typeof INDEX_TABLES)[number]].map(([, type]) => type)];
        let arrays = columns.get(t.table);
        if (!arrays) columns.set(t.table, (arrays = types.map(() => [])));
        for (const row of t.rows) row.forEach((v, k) => arrays![k].push(columnValue(types[k], v)));
      }
    }
    for (const [table, values] of columns) await this.conn.query({ ...REINDEX_INSERT[table as (typeof INDEX_TABLES)[number]], values });
    return rids.size;
  }

  async readCurrentForUpdate(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    const { rows } = await this.conn.query<SqlRow>({ ...READ_CURRENT_FOR_UPDATE, values: [resourceType, id] }, { resourceType, id });
    return rows[0] && rowToVersion(rows[0]);
  }

  async lock(key: string): Promise<void> {
    await this.conn.query({ ...LOCK, values: [key] }, NO_ROWS);
  }

  writeVersion(version: StoredVersion, index: IndexRows): Promise<void> {
    return this.conn.write(version, index);
  }

  appendOutbox(event: OutboxEvent): Promise<void> {
    return this.conn.outbox(event);
  }

  async run(query: CompiledQuery): Promise<void> {
    await this.select(query);
  }
}
