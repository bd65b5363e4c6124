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

export function tableRows(rid: number, resourceType: string, index: IndexRows): TableRows[] {
  const out: TableRows[] = [];
  for (const key of Object.keys(index) as (keyof IndexRows)[]) {
    const values = index[key] as Record<string, unknown>[] | undefined;
    if (!values?.length) continue;
    const { table, columns } = COLUMNS[key];
    out.push({
      table,
      columns: ['rid', 'resource_type', 'param', ...columns],
      rows: values.map((v) => [rid, resourceType, v.param, ...columns.map((c) => v[FIELD[c] ?? c] ?? null)]),
    });
  }
  return out;
}
