/** Messages between the SQLite store (main thread) and its writer thread. */

/**
 * A resource's index rows as flatIndexRows (../index-rows.ts) lays them out: one flat array,
 * which costs far less to copy between threads than an object per row.
 */
export type FlatIndexRows = (string | number | null)[];

export type WriterOp =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'exec'; sql: string }
  | { kind: 'get' | 'all'; sql: string; params: unknown[] }
  /** A statement whose rows nobody needs (an append): run, not read. */
  | { kind: 'run'; sql: string; params: unknown[] }
  | {
      kind: 'write';
      version: [resourceType: string, id: string, versionId: number, lastUpdated: number, deleted: number, json: string | null, method: string];
      index: FlatIndexRows;
    }
  | { kind: 'reindex'; resourceType: string; id: string; versionId: number; index: FlatIndexRows }
  | { kind: 'outbox'; values: [resourceType: string, id: string, versionId: number, event: string, created: number] };

/**
 * A transaction is sent as one or more requests: the first starts with `begin`, the last ends with
 * `commit` (or is a lone `rollback`). A request holding a whole transaction may be answered only
 * when a later one commits too (group commit).
 */
export interface WriterRequest {
  id: number;
  ops: WriterOp[];
}

/** The result of the last op, or the error of the first op that failed. */
export type WriterResponse = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };
