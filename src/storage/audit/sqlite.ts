/**
 * SQLite: `?` placeholders, `+col` to keep a filter off its index, and a batch appended as
 * multi-row INSERTs of bound values (measured about twice as fast as reading a JSON parameter
 * with `json_each`). Chunks hold 256, 64, 16, 4 or 1 rows, so a handful of statement texts serve
 * every batch size (the statement cache keeps them all) and a statement binds at most 3,072
 * values. The events go first; then their references, each carrying how many events before the
 * batch's last one its event is: within the writer's transaction consecutive inserts take
 * consecutive seqs ending at MAX(seq), so no ids travel back between the statements.
 */
import { AuditSql } from './compiler.ts';
import type { CompiledQuery } from '../types.ts';
import type { AuditRow } from './types.ts';

const EVENT_COLUMNS = ['recorded', 'type', 'subtype', 'action', 'outcome', 'agent', 'user_name', 'client_id', 'organization', 'purpose', 'break_glass', 'content'];
const CHUNKS = [256, 64, 16, 4, 1];

const tuples = (rows: number, width: number) => Array(rows).fill(`(${Array(width).fill('?').join(', ')})`).join(', ');

const insertEvents = new Map(CHUNKS.map((n) => [n, `INSERT INTO audit_event (${EVENT_COLUMNS.join(', ')}) VALUES ${tuples(n, EVENT_COLUMNS.length)} RETURNING seq`]));
const insertReferences = new Map(
  CHUNKS.map((n) => [
    n,
    `INSERT INTO audit_entity (reference, recorded, seq) SELECT v.column1, v.column2, m.last - v.column3 ` +
      `FROM (VALUES ${tuples(n, 3)}) v, (SELECT MAX(seq) AS last FROM audit_event) m RETURNING seq`,
  ]),
);

/** `items` cut into chunks of the sizes in CHUNKS, largest first. */
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  let at = 0;
  for (const size of CHUNKS) {
    while (items.length - at >= size) {
      out.push(items.slice(at, at + size));
      at += size;
    }
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
    const out: CompiledQuery[] = [];
    for (const chunk of chunks(rows)) {
      const params: unknown[] = [];
      for (const r of chunk) {
        params.push(r.recorded, r.type, r.subtype, r.action, r.outcome, r.agent, r.userName, r.clientId, r.organization, r.purpose, r.breakGlass ? 1 : 0, r.content);
      }
      out.push({ text: insertEvents.get(chunk.length)!, params });
    }
    const references: [string, number, number][] = [];
    rows.forEach((r, i) => {
      for (const ref of r.references) references.push([ref, r.recorded, rows.length - 1 - i]);
    });
    for (const chunk of chunks(references)) out.push({ text: insertReferences.get(chunk.length)!, params: chunk.flat() });
    return out;
  }
}
