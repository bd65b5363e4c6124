/** Messages between the SQLite store (main thread) and its reader threads (reader-thread.ts). */

export interface ReaderRequest {
  id: number;
  kind: 'get' | 'all';
  sql: string;
  params: unknown[];
}

/** A reader's first message says it is ready (or why it could not open the database); then one answer per request. */
export type ReaderResponse =
  | { id: number; result: unknown }
  | { id: number; error: { message: string; code?: string } }
  | { ready: true }
  | { ready: false; error: { message: string; code?: string } };
