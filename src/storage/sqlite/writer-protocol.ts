/** Messages between the SQLite store (main thread) and its writer thread. */
import type { TableRows } from '../index-rows.ts';

export type WriterOp =
  | { kind: 'begin' }
  | { kind: 'commit' }
  | { kind: 'rollback' }
  | { kind: 'exec'; sql: string }
  | { kind: 'get' | 'all'; sql: string; params: unknown[] }
  | {
      kind: 'write';
      version: [resourceType: string, id: string, versionId: number, lastUpdated: number, deleted: number, json: string | null, method: string];
      index: TableRows[];
    }
  | { kind: 'reindex'; resourceType: string; id: string; versionId: number; index: TableRows[] }
  | { kind: 'outbox'; values: [resourceType: string, id: string, versionId: number, event: string, created: number] };

export interface WriterRequest {
  id: number;
  ops: WriterOp[];
}

/** The result of the last op, or the error of the first op that failed. */
export type WriterResponse = { id: number; result: unknown } | { id: number; error: { message: string; code?: string } };
