/**
 * Keyset paging: a page cursor is the sort values and rid of the row a page continues from,
 * so pages stay stable while resources are added, changed or deleted (no OFFSET).
 */
import { FhirError } from '../fhir/errors.ts';
import type { Keyset, PlanRow, Value } from '../storage/search/index.ts';

export function encodeCursor(row: PlanRow, backwards: boolean): string {
  return Buffer.from(JSON.stringify({ k: row.keys, r: row.rid, b: backwards ? 1 : 0 })).toString('base64url');
}

export function decodeCursor(text: string, keyCount: number): Keyset {
  try {
    const c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as { k: Value[]; r: number; b: number };
    if (!Array.isArray(c.k) || c.k.length !== keyCount || !Number.isInteger(c.r)) throw new Error('shape');
    if (!c.k.every((v) => v === null || typeof v === 'string' || typeof v === 'number')) throw new Error('values');
    return { values: c.k, rid: c.r, backwards: c.b === 1 };
  } catch {
    throw new FhirError('incorrect', `_cursor=${text} is not a page cursor of this search`);
  }
}

export function withQuery(url: string, params: [string, string][]): string {
  const q = new URLSearchParams(params).toString();
  return q ? `${url}?${q}` : url;
}
