/** What the interaction pipeline tells audit about each interaction, and the audit log it writes to. */
import type { AccessContext } from '../access/types.ts';
import type { StoreTx } from '../storage/index.ts';

export interface AuditInput {
  access: AccessContext;
  /** The interaction, e.g. 'read', 'search-type', 'create', 'transaction', 'operation'. */
  interaction: string;
  /** The HTTP method. */
  method: string;
  /** The operation's name without `$`, for interaction 'operation'. */
  operation?: string;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** The request's query string (searches), without the leading `?`. */
  query?: string;
  /** Ids of Patients whose data was read, returned or written. */
  patients: string[];
  /**
   * Resources touched, as 'Type/id/_history/n' or 'Type/id'. An event lists at most
   * MAX_ENTITIES of them and says how many it left out.
   */
  entities: string[];
  /** How many more resources were touched than `entities` lists (when the caller capped it); the event reports them as left out. */
  entitiesOmitted?: number;
  /** The HTTP status, and on failure the error's diagnostics. */
  status: number;
  message?: string;
  /** Set when the access was granted by breaking the glass, with the reason the user gave. */
  breakGlass?: { reason: string };
  /** Epoch milliseconds. */
  recorded: number;
}

export interface AuditLog {
  /** Inside a write's own database transaction (commits or rolls back with it). */
  recordInTx(tx: StoreTx, input: AuditInput): Promise<void>;
  /**
   * Reads, and failed writes after their rollback: group-committed in batches (one transaction
   * per batch) — the promise resolves only once the event is durable, so a caller can refuse to
   * answer until it is, and rejects if it could not be stored.
   */
  record(input: AuditInput): Promise<void>;
  /**
   * Reads: the event joins the next group commit (written within milliseconds) and the caller
   * goes on at once — unless the log is failing or too far behind, when it waits for its event to
   * be stored (and is refused if it cannot be). Meridian never answers with data while its audit
   * log cannot be written.
   */
  recordSoon(input: AuditInput): Promise<void>;
  /** Resolves once every event recorded so far is stored (before answering a query of the audit log). */
  flush(): Promise<void>;
  /** Flushes and stops; `record` refuses new events from then on. */
  close(): Promise<void>;
}

export interface AuditLogOptions {
  now(): number;
  /** This server's name or base URL: the observer of every event. */
  observer: string;
  /** Most events one group-commit transaction holds (default 5,000). */
  maxBatch?: number;
  /** How long (ms) a batch waits for more events once its first arrives (default 0: the next turn of the event loop). */
  maxDelayMs?: number;
  /** Batches being committed at once (default 1 on SQLite, whose writes are serialised anyway, and 2 on PostgreSQL). */
  concurrency?: number;
}
