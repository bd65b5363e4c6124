/**
 * SQLite: `?` placeholders, `+col` to keep a filter off its index, and a batch appended as
 * multi-row INSERTs of bound values (measured about twice as fast as reading a JSON parameter
 * with `json_each`). A statement takes up to 256 rows, padded with NULL rows to 4, 32 or 256, so
 * three statement texts per table serve every batch size (the statement cache keeps them), a
 * batch of up to 256 events and references is two statements (each a message to the writer
 * thread), and a statement binds at most 3,072 values. The events go first; then their references, each carrying how many events
 * before the batch's last one its event is: within the writer's transaction consecutive inserts
 * take consecutive seqs ending at MAX(seq), so no ids travel back between the statements.
 */
import { AuditSql } from './compiler.ts';
import type { CompiledQuery } from '../types.ts';
import type { AuditRow } from './types.ts';

const EVENT_COLUMNS = ['recorded', 'type', 'subtype', 'action', 'outcome', 'agent', 'user_name', 'client_id', 'organization', 'purpose', 'break_glass', 'content'];
/** Rows per statement: a chunk is padded with rows of NULLs up to the next of these sizes, which the statement skips. */
const SIZES = [4, 32, 256];
const MAX = SIZES[SIZES.length - 1];

const tuples = (rows: number, width: number) => Array(rows).fill(`(${Array(width).fill('?').join(', ')})`).join(', ');
const columnList = (n: number) => Array.from({ length: n }, (_, i) => `v.column${i + 1}`).join(', ');

// `column1 IS NOT NULL` skips the padding; rows are inserted in VALUES order, so seqs follow the batch's order
const insertEvents = new Map(
  SIZES.map((n) => [n, `INSERT INTO audit_event (${EVENT_COLUMNS.join(', ')}) SELECT ${columnList(EVENT_COLUMNS.length)} FROM (VALUES ${tuples(n, EVENT_COLUMNS.length)}) v WHERE v.column1 IS NOT NULL RETURNING seq`]),
);
const insertReferences = new Map(
  SIZES.map((n) => [
    n,
    `INSERT INTO audit_entity (reference, recorded, seq) SELECT v.column1, v.column2, m.last - v.column3 ` +
      `FROM (VALUES ${tuples(n, 3)}) v, (SELECT MAX(seq) AS last FROM audit_event) m WHERE v.column1 IS NOT NULL RETURNING seq`,
  ]),
);

/** Statements inserting `rows` (each given as its column values) `MAX` at a time, the last chunk padded to a statement size. */
function chunked(insert: Map<number, string>, rows: readonly unknown[][], width: number): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  for (let at = 0; at < rows.length; at += MAX) {
    const chunk = rows.slice(at, at + MAX);
    const size = SIZES.find((n) => n >= chunk.length)!;
    const params = chunk.flat();
    for (let pad = chunk.length; pad < size; pad++) for (let k = 0; k < width; k++) params.push(null);
    out.push({ text: insert.get(size)!, params });
  }
  return out;
}

export class SqliteAuditSql extends AuditSql {
  protected placeholder(): string {
    return '?';
  }

  protected override filterColumn(col: string): string {
    return `+${col}`;
  }

  insert(rows: readonly AuditRow[]): CompiledQuery[] {
    const events = rows.map((r) => [r.recorded, r.type, r.subtype, r.action, r.outcome, r.agent, r.userName, r.clientId, r.organization, r.purpose, r.breakGlass ? 1 : 0, r.content]);
    const references: [string, number, number][] = [];
    rows.forEach((r, i) => {
      for (const ref of r.references) references.push([ref, r.recorded, rows.length - 1 - i]);
    });
    return [...chunked(insertEvents, events, EVENT_COLUMNS.length), ...chunked(insertReferences, references, 3)];
  }
}
