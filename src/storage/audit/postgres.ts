/**
 * PostgreSQL: `$n` placeholders, and a batch appended in one statement whose text never changes:
 * the columns travel as arrays (`unnest`) and the events' JSON as one JSON array, the events take
 * their seqs from the identity's sequence first (so that their references can name them), and
 * data-modifying CTEs insert both tables.
 */
import { AuditSql } from './compiler.ts';
import type { CompiledQuery } from '../types.ts';
import type { AuditRow } from './types.ts';

const COLUMNS: [string, string][] = [
  ['recorded', 'bigint'],
  ['type', 'text'],
  ['subtype', 'text'],
  ['action', 'text'],
  ['outcome', 'integer'],
  ['agent', 'text'],
  ['user_name', 'text'],
  ['client_id', 'text'],
  ['organization', 'text'],
  ['purpose', 'text'],
  ['break_glass', 'boolean'],
];
const names = COLUMNS.map(([c]) => c).join(', ');

const arrays = COLUMNS.map(([, t], i) => `unnest($${i + 1}::${t}[])`).join(', ');
const json = `$${COLUMNS.length + 1}::json`;
const refs = COLUMNS.length + 2;

/**
 * `audit_event_seq_seq` is the sequence PostgreSQL made for the identity column `audit_event.seq`.
 * `ROWS FROM` zips the column arrays with the elements of the JSON array of events, which keep
 * their text (a `json` value is the text it was given).
 */
const INSERT = `WITH v AS MATERIALIZED (
    SELECT nextval('audit_event_seq_seq') AS seq, u.n, ${COLUMNS.map(([c]) => `u.${c}`).join(', ')}, u.detail::text AS detail
    FROM ROWS FROM (${arrays}, json_array_elements(${json})) WITH ORDINALITY AS u(${names}, detail, n)
  ),
  e AS (INSERT INTO audit_event (seq, ${names}, detail) OVERRIDING SYSTEM VALUE SELECT seq, ${names}, detail FROM v),
  x AS (INSERT INTO audit_entity (reference, recorded, seq)
    SELECT l.reference, v.recorded, v.seq FROM unnest($${refs}::bigint[], $${refs + 1}::text[]) AS l(n, reference) JOIN v ON v.n = l.n)
  SELECT COUNT(*)::integer AS n FROM v`;

export class PostgresAuditSql extends AuditSql {
  protected placeholder(n: number): string {
    return `$${n}`;
  }

  insert(rows: readonly AuditRow[]): CompiledQuery[] {
    if (!rows.length) return [];
    const refN: number[] = [];
    const refValue: string[] = [];
    rows.forEach((r, i) => {
      for (const ref of r.references) {
        refN.push(i + 1);
        refValue.push(ref);
      }
    });
    const columns: unknown[][] = COLUMNS.map(() => []);
    for (const r of rows) {
      [r.recorded, r.type, r.subtype, r.action, r.outcome, r.agent, r.userName, r.clientId, r.organization, r.purpose, r.breakGlass].forEach((v, k) => columns[k].push(v));
    }
    // the events' details (JSON objects) spliced together as they are: no escaping of strings into an array literal
    const details = `[${rows.map((r) => r.detail).join(',')}]`;
    return [{ text: INSERT, params: [...columns, details, refN, refValue] }];
  }
}
