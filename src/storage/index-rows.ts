/** Flattens typed index rows into table rows; each dialect turns these into INSERTs. */
import type { IndexRows } from './types.ts';

export interface TableRows {
  table: string;
  columns: string[];
  rows: unknown[][];
}

const COLUMNS: Record<keyof IndexRows, { table: string; columns: string[] }> = {
  string: { table: 'idx_string', columns: ['value'] },
  token: { table: 'idx_token', columns: ['system', 'code', 'text'] },
  reference: { table: 'idx_reference', columns: ['target_type', 'target_id', 'version', 'url'] },
  date: { table: 'idx_date', columns: ['low', 'high'] },
  number: { table: 'idx_number', columns: ['low', 'high', 'value'] },
  quantity: { table: 'idx_quantity', columns: ['system', 'code', 'unit', 'low', 'high', 'value', 'canonical_code', 'canonical_low', 'canonical_high'] },
  uri: { table: 'idx_uri', columns: ['value'] },
  composite: { table: 'idx_composite', columns: ['value'] },
  compartment: { table: 'idx_compartment', columns: ['compartment_id'] },
  text: { table: 'idx_text', columns: ['value'] },
  position: { table: 'idx_position', columns: ['latitude', 'longitude'] },
};

const FIELD: Record<string, string> = {
  target_type: 'targetType',
  target_id: 'targetId',
  compartment_id: 'compartmentId',
  canonical_code: 'canonicalCode',
  canonical_low: 'canonicalLow',
  canonical_high: 'canonicalHigh',
};

/** Each kind of index row: its table, its columns after rid, resource_type and param, and the IndexRows fields they come from. */
export const INDEX_LAYOUT: readonly { key: keyof IndexRows; table: string; columns: readonly string[]; fields: readonly string[] }[] = (
  Object.keys(COLUMNS) as (keyof IndexRows)[]
).map((key) => ({ key, table: COLUMNS[key].table, columns: COLUMNS[key].columns, fields: COLUMNS[key].columns.map((c) => FIELD[c] ?? c) }));

const LAYOUT_OF = new Map(INDEX_LAYOUT.map((l) => [l.key, l]));

export function tableRows(rid: number, resourceType: string, index: IndexRows): TableRows[] {
  const out: TableRows[] = [];
  for (const key of Object.keys(index) as (keyof IndexRows)[]) {
    const values = index[key] as Record<string, unknown>[] | undefined;
    if (!values?.length) continue;
    const { table, columns, fields } = LAYOUT_OF.get(key)!;
    const rows: unknown[][] = new Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const row: unknown[] = [rid, resourceType, v.param];
      for (const f of fields) row.push(v[f] ?? null);
      rows[i] = row;
    }
    out.push({ table, columns: ['rid', 'resource_type', 'param', ...columns], rows });
  }
  return out;
}

/**
 * A resource's index rows as one flat array, cheap to copy to another thread: for each kind of
 * row present, its position in INDEX_LAYOUT, the number of rows, then each row's param and
 * column values in INDEX_LAYOUT order (missing values as null). The rid and resource type,
 * the same for every row, are left to the receiver.
 */
export function flatIndexRows(index: IndexRows): (string | number | null)[] {
  const out: (string | number | null)[] = [];
  for (let t = 0; t < INDEX_LAYOUT.length; t++) {
    const { key, fields } = INDEX_LAYOUT[t];
    const values = index[key] as Record<string, string | number | null | undefined>[] | undefined;
    if (!values?.length) continue;
    out.push(t, values.length);
    for (const v of values) {
      out.push(v.param as string);
      for (const f of fields) out.push(v[f] ?? null);
    }
  }
  return out;
}
