/**
 * SQLite: `?` placeholders, `+col` to keep a filter off its index, and a batch appended as
 * multi-row INSERTs of bound values (measured about twice as fast as reading a JSON parameter
 * with `json_each`). A statement takes a power of two of rows, 1 to 256, so a batch is a few
 * statements (255 rows: 128 + 64 + … + 1) drawn from nine texts per table that the statement
 * cache keeps, with nothing padded (padding to a few sizes cost more to build and clone than it
 * saved), and a statement binds at most 3,072 values. The events go first; then their references,
 * each carrying how many events before the batch's last one its event is: within the writer's
 * transaction consecutive inserts take consecutive seqs ending at MAX(seq), so no ids travel back
 * between the statements. They are run for their effect, returning nothing: reading back a row per
 * event (`RETURNING`) measured twice the cost of the inserts themselves.
 */
import { AuditSql } from './compiler.ts';
import type { CompiledQuery } from '../types.ts';
import type { AuditRow } from './types.ts';
import { batches, valueTuples } from '../multi-row.ts';

const EVENT_COLUMNS = ['recorded', 'type', 'subtype', 'action', 'outcome', 'agent', 'user_name', 'client_id', 'organization', 'purpose', 'break_glass', 'detail'];
/** Most rows one statement inserts; statements take 1, 2, 4 … MAX rows. */
const MAX = 256;

/** Statement texts by row count, made on first use. */
function texts(render: (rows: number) => string): (rows: number) => string {
  const made = new Map<number, string>();
  return (rows) => {
    let text = made.get(rows);
    if (text === undefined) made.set(rows, (text = render(rows)));
    return text;
  };
}

const insertEvents = texts((n) => `INSERT INTO audit_event (${EVENT_COLUMNS.join(', ')}) VALUES ${valueTuples(n, EVENT_COLUMNS.length)}`);
const insertReferences = texts(
  (n) =>
    `INSERT INTO audit_entity (reference, recorded, seq) SELECT v.column1, v.column2, m.last - v.column3 ` +
    `FROM (VALUES ${valueTuples(n, 3)}) v, (SELECT MAX(seq) AS last FROM audit_event) m`,
);

/** Statements inserting `values` (`width` to a row, in row order), each the largest power of two of rows left, up to MAX. */
function chunked(insert: (rows: number) => string, values: readonly unknown[], width: number, out: CompiledQuery[]): void {
  let at = 0;
  for (const n of batches(values.length / width, MAX)) {
    out.push({ text: insert(n), params: values.slice(at * width, (at + n) * width) });
    at += n;
  }
}

export class SqliteAuditSql extends AuditSql {
  protected placeholder(): string {
    return '?';
  }

  protected override filterColumn(col: string): string {
    return `+${col}`;
  }

  insert(rows: readonly AuditRow[]): CompiledQuery[] {
    const events: unknown[] = [];
    const references: unknown[] = [];
    const last = rows.length - 1;
    for (let i = 0; i <= last; i++) {
      const r = rows[i];
      events.push(r.recorded, r.type, r.subtype, r.action, r.outcome, r.agent, r.userName, r.clientId, r.organization, r.purpose, r.breakGlass ? 1 : 0, r.detail);
      for (const ref of r.references) references.push(ref, r.recorded, last - i);
    }
    const out: CompiledQuery[] = [];
    chunked(insertEvents, events, EVENT_COLUMNS.length, out);
    chunked(insertReferences, references, 3, out);
    return out;
  }
}
