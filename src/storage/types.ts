/**
 * What the interactions need from a database. Two backends implement it:
 * storage/sqlite (embedded default) and storage/postgres (production).
 */

/** One version of one resource, as stored. */
export interface StoredVersion {
  resourceType: string;
  id: string;
  versionId: number;
  /** Epoch milliseconds (UTC). */
  lastUpdated: number;
  deleted: boolean;
  /** The resource's JSON text, with id and meta as stored; null for a deletion. */
  json: string | null;
  /** The interaction that produced this version. */
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
}

/** Typed index rows, written with the resource in the same transaction. Each dialect encodes them. */
export interface IndexRows {
  string?: { param: string; value: string }[];
  token?: { param: string; system: string | null; code: string | null; text?: string | null }[];
  reference?: { param: string; targetType: string | null; targetId: string | null; version?: string | null; url?: string | null }[];
  date?: { param: string; low: number; high: number }[];
  /** `low`..`high`: the interval the value covers (a point value: the value itself; a Range: its ends, open ends ±Infinity); `value` is what it sorts by. */
  number?: { param: string; low: number; high: number; value: number }[];
  quantity?: {
    param: string;
    system: string | null;
    code: string | null;
    unit?: string | null;
    low: number;
    high: number;
    value: number;
    /** UCUM quantities whose unit converts: the canonical unit ("g.m-3") and the interval in it. */
    canonicalCode?: string | null;
    canonicalLow?: number | null;
    canonicalHigh?: number | null;
  }[];
  uri?: { param: string; value: string }[];
  composite?: { param: string; value: string }[];
  /** Full-text: `_text` (narrative) and `_content` (whole resource), each its folded words separated by single spaces, in order. */
  text?: { param: '_text' | '_content'; value: string }[];
  /** WGS84 positions in degrees (Location.position, for `near`). */
  position?: { param: string; latitude: number; longitude: number }[];
  /** Compartments this resource belongs to, e.g. param 'Patient', compartmentId '123'. */
  compartment?: { param: string; compartmentId: string }[];
}

export interface HistoryQuery {
  resourceType?: string;
  id?: string;
  /** Only versions updated at or after this instant (epoch ms). */
  since?: number;
  /** Only versions current at some point within this period (epoch ms, inclusive): `_at` with its precision. */
  at?: { low: number; high: number };
  /** Keyset paging: versions with sequence strictly below this one (newest first). */
  beforeSeq?: number;
  count: number;
}

export interface HistoryPage {
  entries: (StoredVersion & { seq: number })[];
  total: number;
}

export interface OutboxEvent {
  resourceType: string;
  id: string;
  versionId: number;
  event: 'create' | 'update' | 'delete';
}

/** Reads; answered from a consistent snapshot. */
export interface StoreReader {
  readCurrent(resourceType: string, id: string): Promise<StoredVersion | undefined>;
  readVersion(resourceType: string, id: string, versionId: number): Promise<StoredVersion | undefined>;
  history(query: HistoryQuery): Promise<HistoryPage>;
  /**
   * Runs a query compiled for this store's dialect by storage/search (never hand-written SQL
   * from outside storage/) and returns its rows.
   */
  select(query: CompiledQuery): Promise<Record<string, unknown>[]>;
}

/** A parameterised query in one dialect: `text` with `?` (SQLite) or `$n` (PostgreSQL) placeholders. */
export interface CompiledQuery {
  text: string;
  params: unknown[];
}

/** Reads and writes inside one database transaction. */
export interface StoreTx extends StoreReader {
  /** Reads the current version and locks it until the transaction ends. */
  readCurrentForUpdate(resourceType: string, id: string): Promise<StoredVersion | undefined>;
  /** Serialises concurrent transactions that use the same key (conditional creates). */
  lock(key: string): Promise<void>;
  /** Appends a version to history and makes it current; replaces the resource's index rows. */
  writeVersion(version: StoredVersion, index: IndexRows): Promise<void>;
  appendOutbox(event: OutboxEvent): Promise<void>;
  /**
   * Queues a statement compiled by storage/ whose result nobody needs (an append, such as an
   * AuditEvent): SQLite sends it with the transaction's other writes, without a round trip of its
   * own. A failure surfaces at the latest when the transaction commits, and rolls it back.
   */
  run(query: CompiledQuery): Promise<void>;
  /**
   * Replaces the index rows of current resources without writing a version (after search
   * parameters changed). An entry whose resource is no longer at `versionId` (changed or deleted
   * since it was read) is skipped: its newer write indexed it already. Returns how many were rewritten.
   */
  reindex(entries: readonly ReindexEntry[]): Promise<number>;
  /**
   * Runs `fn` once this transaction has committed, before `transaction()` resolves; never if it
   * rolls back (nor for an attempt that is retried). A failing hook does not undo the commit.
   */
  afterCommit(fn: () => void | Promise<void>): void;
}

export interface ReindexEntry {
  resourceType: string;
  id: string;
  versionId: number;
  index: IndexRows;
}

export interface ResourceStore extends StoreReader {
  readonly dialect: 'sqlite' | 'postgres';
  /** Brings the schema up to date. Idempotent. */
  migrate(): Promise<void>;
  /**
   * Runs `fn` in one database transaction: commits if it resolves, rolls back if it throws.
   * `fn` may be run again after a write conflict (PostgreSQL), so it must have no effect outside `tx`.
   */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /** Refreshes the query planner's statistics (and on PostgreSQL, the visibility map); run after bulk loads (import, seed). */
  optimize(): Promise<void>;
  close(): Promise<void>;
}
