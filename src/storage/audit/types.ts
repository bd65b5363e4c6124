/** The audit tables' rows and queries, as audit/ hands them to storage (see schema-audit.ts). */

/** One AuditEvent about to be appended. */
export interface AuditRow {
  /** Epoch milliseconds. */
  recorded: number;
  /** AuditEvent.type code (e.g. `rest`). */
  type: string;
  /** The first AuditEvent.subtype code: the FHIR restful interaction (e.g. `read`, `search-type`). */
  subtype: string;
  /** C, R, U, D or E. */
  action: string;
  /** 0, 4, 8 or 12. */
  outcome: number;
  /** The person behind the request as a reference (`Practitioner/1`), when there is one. */
  agent: string | null;
  userName: string | null;
  clientId: string;
  /** The Organization id the user acted for. */
  organization: string | null;
  /** v3 ActReason code. */
  purpose: string;
  breakGlass: boolean;
  /**
   * The AuditEvent's JSON without an id: it must begin `{"resourceType":"AuditEvent",`. The id is
   * the row's `seq`, assigned as it is stored and put back in when read (see `withId`).
   */
  content: string;
  /** Distinct `Type/id` references the event names in `entity.what`: every patient as `Patient/{id}`, and the resources touched. */
  references: string[];
}

/** Columns a search may filter on; those with an index of their own may drive a search. */
export type AuditColumn = 'agent' | 'user_name' | 'client_id' | 'type' | 'subtype' | 'action' | 'outcome' | 'purpose' | 'break_glass';

export const INDEXED_COLUMNS: ReadonlySet<AuditColumn> = new Set(['agent', 'user_name', 'client_id', 'subtype']);

/** A search criterion. The criteria of a query all apply (AND); the values within one are alternatives (OR). */
export type AuditCriterion =
  /** `_id`: event seqs. */
  | { kind: 'id'; values: number[] }
  /** The event names one of these references in `entity.what` (`Patient/1`, `Observation/2`). */
  | { kind: 'reference'; values: string[] }
  /** One of these column = value pairs holds. */
  | { kind: 'column'; values: { column: AuditColumn; value: string | number }[] }
  /** The event is (or is not) a break-glass access. */
  | { kind: 'break-glass'; value: boolean }
  /** `recorded` compared with an epoch-millisecond value. */
  | { kind: 'recorded'; op: 'lt' | 'le' | 'gt' | 'ge'; value: number }
  /** `recorded` outside [low, high] (the `ne` prefix). */
  | { kind: 'recorded-not'; low: number; high: number };

/** Where a page continues from: the last event of the page before (newest first). */
export interface AuditKey {
  recorded: number;
  seq: number;
}

export interface AuditQuery {
  criteria: AuditCriterion[];
  /** Only events strictly older than this one, in (recorded, seq) order. */
  after?: AuditKey;
  limit: number;
}

/** A stored event as a search or read returns it. */
export interface AuditEventRow {
  seq: number;
  recorded: number;
  /** The AuditEvent's JSON with its id. */
  json: string;
}

const PREFIX = '{"resourceType":"AuditEvent",';

/** The stored JSON with the event's id put back in. */
export function withId(content: string, seq: number): string {
  if (!content.startsWith(PREFIX)) throw new Error(`Audit event ${seq} is not stored as an AuditEvent`);
  return `${PREFIX}"id":"${seq}",${content.slice(PREFIX.length)}`;
}

