/**
 * The production store: PostgreSQL through a `pg` pool, many Meridian processes against one
 * database. Transactions run at READ COMMITTED on one pooled client; writers of one resource are
 * serialised by `SELECT … FOR UPDATE` and conditional writers by transaction-scoped advisory
 * locks. Conflicts that only a fresh attempt can resolve are retried (see retry.ts), so the
 * function passed to `transaction` must have no effect outside the transaction.
 */
import pg from 'pg';
import { migrations, type SchemaDialect } from '../schema.ts';
import type { ResourceStore, StoreTx } from '../types.ts';
import { onPool, PostgresReader, PostgresTx, TxConnection } from './postgres-reader.ts';
import { backoff, isRetryable, MAX_ATTEMPTS } from './retry.ts';
import { runHooks, type CommitHook } from '../hooks.ts';

const DIALECT: SchemaDialect = { kind: 'postgres', serial: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY', bigint: 'BIGINT', double: 'DOUBLE PRECISION', bool: 'BOOLEAN' };

const DEFAULT_POOL_SIZE = 10;
/** The session advisory lock held while migrating: any fixed number unique to Meridian. */
const MIGRATION_LOCK = 7_264_918_305;

// BIGINT (epoch milliseconds, rid, seq, COUNT) comes back as a number, as it does from SQLite; every value
// Meridian stores is within 2^53, except the int64 extremes that stand for an open end of a date range.
const INT8_OID = 20;
const INT64_EXTREME = 2n ** 63n - 1n;
function parseInt8(text: string): number {
  const n = Number(text);
  if (Number.isSafeInteger(n)) return n;
  const big = BigInt(text);
  return big >= INT64_EXTREME ? Infinity : big <= -INT64_EXTREME - 1n ? -Infinity : n;
}
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

/** Splits Meridian's own `?pool=N` off a `postgres://` URL; the rest goes to `pg` unchanged. */
export function parseStoreUrl(spec: string): { connectionString: string; poolSize: number } {
  const url = new URL(spec);
  const pool = url.searchParams.get('pool');
  if (pool === null) return { connectionString: spec, poolSize: DEFAULT_POOL_SIZE };
  const poolSize = Number(pool);
  if (!Number.isInteger(poolSize) || poolSize < 1) throw new Error(`The store URL's pool=${pool} must be a whole number of connections, at least 1`);
  url.searchParams.delete('pool');
  return { connectionString: url.toString(), poolSize };
}

/** Outcome of one attempt: done, or failed with a conflict worth another attempt. */
type Attempt<T> = { done: true; value: T; hooks: CommitHook[] } | { done: false };

export class PostgresStore extends PostgresReader implements ResourceStore {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private closed?: Promise<void>;

  constructor(spec: string) {
    const { connectionString, poolSize } = parseStoreUrl(spec);
    const pool = new pg.Pool({ connectionString, max: poolSize, application_name: 'meridian', types: TYPES });
    // An idle client whose connection drops is removed by the pool; without a listener the error would crash the process.
    pool.on('error', () => undefined);
    super(onPool(pool), true);
    this.pool = pool;
  }

  async migrate(): Promise<void> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
      try {
        await client.query(
          `CREATE TABLE IF NOT EXISTS meridian_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)`,
        );
        const { rows } = await client.query<{ version: number }>(`SELECT version FROM meridian_migrations`);
        const applied = new Set(rows.map((r) => r.version));
        for (const m of migrations(DIALECT)) {
          if (applied.has(m.version)) continue;
          await client.query('BEGIN');
          try {
            for (const s of m.statements) await client.query(s);
            await client.query(`INSERT INTO meridian_migrations VALUES ($1, $2, $3)`, [m.version, m.description, Date.now()]);
            await client.query('COMMIT');
          } catch (err) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw err;
          }
        }
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch((err: Error) => {
          broken = err; // never return a session still holding the lock to the pool
        });
      }
    } catch (err) {
      broken ??= err as Error;
      throw err;
    } finally {
      client.release(broken);
    }
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const outcome = await this.attempt(fn, attempt < MAX_ATTEMPTS);
      if (outcome.done) {
        await runHooks(outcome.hooks);
        return outcome.value;
      }
      await backoff(attempt);
    }
  }

  /** One BEGIN … COMMIT on one client; throws unless the failure is a conflict and `mayRetry`. */
  private async attempt<T>(fn: (tx: StoreTx) => Promise<T>, mayRetry: boolean): Promise<Attempt<T>> {
    const client = await this.pool.connect();
    const conn = new TxConnection(client);
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      let value: T;
      const tx = new PostgresTx(conn);
      try {
        value = await fn(tx);
        await conn.flush();
      } finally {
        conn.ended = true;
      }
      // A failed statement aborts the whole transaction (even if fn caught the error), and COMMIT would then quietly roll back.
      if (conn.failure !== undefined) throw conn.failure;
      await client.query('COMMIT');
      return { done: true, value, hooks: tx.hooks };
    } catch (err) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error;
      }
      if (mayRetry && !broken && isRetryable(conn.failure ?? err)) return { done: false };
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /**
   * VACUUM as well as ANALYZE: after a bulk load no page is yet marked all-visible, so PostgreSQL
   * reads the table behind every covering index (a bitmap heap scan) until autovacuum comes round;
   * vacuumed, the lookups become index-only scans. About 3 s for the 250k-resource bench store.
   */
  async optimize(): Promise<void> {
    await this.pool.query('VACUUM (ANALYZE)');
  }

  close(): Promise<void> {
    return (this.closed ??= this.pool.end());
  }
}
