/** The audit tables' rows and queries, as audit/ hands them to storage (see schema-audit.ts). */

/**
 * One AuditEvent as stored: the columns searches filter on, and `detail`, a compact JSON object
 * of everything else the event says (audit/build.ts writes it and renders the full BALP
 * AuditEvent from the record when it is read).
 */
export interface AuditRecord {
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
  /** The rest of the event as a small JSON object (see `AuditDetail` in audit/build.ts); storage keeps it as text. */
  detail: string;
}

/** One AuditEvent about to be appended. */
export interface AuditRow extends AuditRecord {
  /**
   * Distinct `Type/id` references the event is indexed by (`patient=`, `entity=`, `$access-log`):
   * every patient as `Patient/{id}`, and the resource a single-resource read or a write touched.
   */
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

/** The columns a read or search selects, in the table's own names. */
export const STORED_COLUMNS = 'seq, recorded, type, subtype, action, outcome, agent, user_name, client_id, organization, purpose, break_glass, detail';

/** A row selected with STORED_COLUMNS (by either dialect: numbers may come as strings, booleans as 0/1) → its seq and record. */
export function storedRecord(r: Record<string, unknown>): { seq: number; record: AuditRecord } {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    seq: Number(r.seq),
    record: {
      recorded: Number(r.recorded),
      type: String(r.type),
      subtype: String(r.subtype),
      action: String(r.action),
      outcome: Number(r.outcome),
      agent: text(r.agent),
      userName: text(r.user_name),
      clientId: String(r.client_id),
      organization: text(r.organization),
      purpose: String(r.purpose),
      breakGlass: r.break_glass === true || Number(r.break_glass) === 1,
      detail: String(r.detail),
    },
  };
}
