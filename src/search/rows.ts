/** Reading plan rows back from either store (PostgreSQL returns bigint columns as text). */
import type { PlanRow, Value } from '../storage/search/index.ts';

export function toPlanRow(r: Record<string, unknown>, keyCount: number): PlanRow {
  const keys: Value[] = [];
  for (let n = 0; n < keyCount; n++) {
    const k = r[`k${n}`];
    keys.push(k === undefined || k === null ? null : typeof k === 'number' ? k : String(k));
  }
  return {
    rid: Number(r.rid),
    resourceType: String(r.resource_type),
    id: String(r.id),
    versionId: Number(r.version_id),
    lastUpdated: Number(r.last_updated),
    content: r.content === undefined || r.content === null ? '' : String(r.content),
    keys,
    patients: r.patients === undefined ? undefined : r.patients === null ? [] : String(r.patients).split(','),
  };
}
