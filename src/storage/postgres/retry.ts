/**
 * Which database failures a transaction may simply run again. Under READ COMMITTED two writers
 * of the same resource are serialised by `SELECT … FOR UPDATE`, except when neither finds a row
 * (concurrent update-as-create of one new id): then the loser's history insert violates
 * UNIQUE (resource_type, id, version_id), and running its transaction again reads the winner's
 * version. Deadlocks and serialization failures are retried for the same reason.
 */

/** Attempts in all, the first included. */
export const MAX_ATTEMPTS = 6;

const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';
const UNIQUE_VIOLATION = '23505';
/** A unique violation in these tables is a lost race between writers of one resource, never bad input. */
const VERSION_TABLES = new Set(['resources', 'resource_history']);

interface PgError {
  code?: unknown;
  table?: unknown;
  cause?: unknown;
}

/** True when `err` (or an error it wraps as `cause`) is a conflict that a fresh attempt can resolve. */
export function isRetryable(err: unknown): boolean {
  for (let e = err as PgError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as PgError | undefined, depth++) {
    if (e.code === SERIALIZATION_FAILURE || e.code === DEADLOCK_DETECTED) return true;
    if (e.code === UNIQUE_VIOLATION && typeof e.table === 'string' && VERSION_TABLES.has(e.table)) return true;
  }
  return false;
}

/** Full-jitter exponential backoff: up to 4, 8, 16 … ms, at most 200 ms. */
export function backoff(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 2 ** (attempt + 1));
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}
