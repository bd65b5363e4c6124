/**
 * Writes of one transaction, gathered and sent as one statement: the versions, their index rows
 * and outbox events travel as arrays (`unnest`), and data-modifying CTEs upsert the current rows,
 * append history, drop old index rows and insert the new ones. All CTEs share one snapshot, so the
 * DELETEs see only the index rows that existed before the statement, never those it inserts.
 * A 300-entry transaction Bundle of creates is then one round trip instead of hundreds.
 */
import { tableRows } from '../index-rows.ts';
import { INDEX_TABLES } from '../schema.ts';
import type { IndexRows, OutboxEvent, StoredVersion } from '../types.ts';

type ColumnType = 'text' | 'bigint' | 'float8' | 'tsvector';

/** The per-row columns of each index table (after rid and resource_type), with their types. */
export const INDEX_COLUMNS: Record<(typeof INDEX_TABLES)[number], [string, ColumnType][]> = {
  idx_string: [['param', 'text'], ['value', 'text']],
  idx_token: [['param', 'text'], ['system', 'text'], ['code', 'text'], ['text', 'text']],
  idx_reference: [['param', 'text'], ['target_type', 'text'], ['target_id', 'text'], ['version', 'text'], ['url', 'text']],
  idx_date: [['param', 'text'], ['low', 'bigint'], ['high', 'bigint']],
  idx_number: [['param', 'text'], ['low', 'float8'], ['high', 'float8'], ['value', 'float8']],
  idx_quantity: [
    ['param', 'text'],
    ['system', 'text'],
    ['code', 'text'],
    ['unit', 'text'],
    ['low', 'float8'],
    ['high', 'float8'],
    ['value', 'float8'],
    ['canonical_code', 'text'],
    ['canonical_low', 'float8'],
    ['canonical_high', 'float8'],
  ],
  idx_uri: [['param', 'text'], ['value', 'text']],
  idx_composite: [['param', 'text'], ['value', 'text']],
  idx_compartment: [['param', 'text'], ['compartment_id', 'text']],
  idx_text: [['param', 'text'], ['value', 'tsvector']],
  idx_position: [['param', 'text'], ['latitude', 'float8'], ['longitude', 'float8']],
};

/** Parameters: $1..$7 the versions' fields, $8..$12 the outbox events' fields, then per index table its rows' version ordinals and columns. */
const VERSION_ARRAYS = ['text', 'text', 'integer', 'bigint', 'boolean', 'text', 'text'];
const OUTBOX_ARRAYS = ['text', 'text', 'integer', 'text', 'bigint'];

interface Slot {
  table: string;
  /** null: the ordinal of the version the row belongs to. */
  column: string | null;
  type: ColumnType | 'integer';
}

const SLOTS: Slot[] = INDEX_TABLES.flatMap((table) => [
  { table, column: null, type: 'integer' as const },
  ...INDEX_COLUMNS[table].map(([column, type]) => ({ table, column, type })),
]);
const FIRST_SLOT_PARAM = VERSION_ARRAYS.length + OUTBOX_ARRAYS.length + 1;
const SLOT_OF = new Map(SLOTS.map((s, i) => [`${s.table}.${s.column ?? '#ordinal'}`, i]));

function buildText(): string {
  const param = (i: number, type: string) => `$${i}::${type}[]`;
  const ctes = [
    `v AS (SELECT * FROM unnest(${VERSION_ARRAYS.map((t, i) => param(i + 1, t)).join(', ')})
      WITH ORDINALITY AS v(resource_type, id, version_id, last_updated, deleted, content, method, n))`,
    `r AS (INSERT INTO resources (resource_type, id, version_id, last_updated, deleted, content)
      SELECT resource_type, id, version_id, last_updated, deleted, content FROM v ORDER BY n
      ON CONFLICT (resource_type, id) DO UPDATE SET version_id = excluded.version_id, last_updated = excluded.last_updated,
      deleted = excluded.deleted, content = excluded.content
      RETURNING rid, resource_type, id)`,
    `rv AS (SELECT r.rid, v.resource_type, v.id, v.version_id, v.last_updated, v.deleted, v.content, v.method, v.n
      FROM r JOIN v ON v.resource_type = r.resource_type AND v.id = r.id)`,
    `h AS (INSERT INTO resource_history (rid, resource_type, id, version_id, last_updated, deleted, method, content)
      SELECT rid, resource_type, id, version_id, last_updated, deleted, method, content FROM rv ORDER BY n)`,
    `o AS (INSERT INTO outbox (resource_type, id, version_id, event, created, dispatched)
      SELECT e.resource_type, e.id, e.version_id, e.event, e.created, FALSE
      FROM unnest(${OUTBOX_ARRAYS.map((t, i) => param(VERSION_ARRAYS.length + i + 1, t)).join(', ')})
      WITH ORDINALITY AS e(resource_type, id, version_id, event, created, n) ORDER BY e.n)`,
  ];
  INDEX_TABLES.forEach((table, i) => {
    ctes.push(`d${i} AS (DELETE FROM ${table} x USING rv WHERE rv.version_id > 1 AND x.rid = rv.rid)`);
    const slots = SLOTS.map((s, k) => ({ ...s, param: FIRST_SLOT_PARAM + k })).filter((s) => s.table === table);
    const columns = slots.slice(1).map((s) => s.column!);
    ctes.push(
      `i${i} AS (INSERT INTO ${table} (rid, resource_type, ${columns.join(', ')})
        SELECT rv.rid, rv.resource_type, ${columns.map((c) => `u.${c}`).join(', ')}
        FROM unnest(${slots.map((s) => param(s.param, s.type)).join(', ')}) AS u(n, ${columns.join(', ')}) JOIN rv ON rv.n = u.n)`,
    );
  });
  return `WITH ${ctes.join(',\n')}\nSELECT count(*) AS n FROM r`;
}

export const WRITE_BATCH_STATEMENT = { name: 'meridian_write_batch', text: buildText() };

// BIGINT cannot hold ±Infinity (an open-ended date range); store the int64 extremes instead.
const INT64_MAX = '9223372036854775807';
const INT64_MIN = '-9223372036854775808';
export const bigintValue = (v: unknown): unknown => (v === Infinity ? INT64_MAX : v === -Infinity ? INT64_MIN : v);

/**
 * Full-text words ("heart rate normal", already folded by search/) as tsvector input with their
 * positions ("heart:1 rate:2 normal:3"), so that phrases match; words are letters and digits only,
 * which tsvector input takes unquoted. PostgreSQL keeps positions up to 16,383.
 */
export function tsvectorValue(v: unknown): string {
  const words = String(v ?? '');
  if (!words) return '';
  let out = '';
  let n = 0;
  for (const w of words.split(' ')) if (w) out += `${n ? ' ' : ''}${w}:${Math.min(++n, 16383)}`;
  return out;
}

/** A row value as its column's array parameter takes it. */
export function columnValue(type: string, v: unknown): unknown {
  return type === 'bigint' ? bigintValue(v) : type === 'tsvector' ? tsvectorValue(v) : v;
}

/** Versions and outbox events waiting to be written, as the statement's parameter arrays. */
export class WriteBatch {
  /** Versions gathered, at most one per resource (one statement cannot upsert a row twice). */
  private readonly keys = new Set<string>();
  private readonly versions: unknown[][] = VERSION_ARRAYS.map(() => []);
  private readonly outbox: unknown[][] = OUTBOX_ARRAYS.map(() => []);
  private readonly index: unknown[][] = SLOTS.map(() => []);

  get size(): number {
    return this.keys.size + this.outbox[0].length;
  }

  has(resourceType: string, id: string): boolean {
    return this.keys.has(`${resourceType}/${id}`);
  }

  addVersion(v: StoredVersion, index: IndexRows): void {
    // validate the index rows before changing anything, so that a refused version leaves the batch as it was
    const tables = tableRows(0, v.resourceType, index).map((t) => ({
      rows: t.rows,
      // columns are rid, resource_type, then the per-row ones
      slots: t.columns.slice(2).map((c) => {
        const slot = SLOT_OF.get(`${t.table}.${c}`);
        if (slot === undefined) throw new Error(`The PostgreSQL store does not know index column ${t.table}.${c}`);
        return slot;
      }),
      ordinalSlot: SLOT_OF.get(`${t.table}.#ordinal`)!,
    }));
    this.keys.add(`${v.resourceType}/${v.id}`);
    const fields = [v.resourceType, v.id, v.versionId, v.lastUpdated, v.deleted, v.json, v.method];
    fields.forEach((f, i) => this.versions[i].push(f));
    const ordinal = this.versions[0].length;
    for (const t of tables) {
      for (const row of t.rows) {
        this.index[t.ordinalSlot].push(ordinal);
        for (let k = 0; k < t.slots.length; k++) {
          const slot = t.slots[k];
          this.index[slot].push(columnValue(SLOTS[slot].type, row[k + 2]));
        }
      }
    }
  }

  addOutbox(e: OutboxEvent): void {
    [e.resourceType, e.id, e.versionId, e.event, Date.now()].forEach((f, i) => this.outbox[i].push(f));
  }

  values(): unknown[] {
    return [...this.versions, ...this.outbox, ...this.index];
  }
}
