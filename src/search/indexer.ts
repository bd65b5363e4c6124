/** Turns a resource into its index rows: every search parameter of its type, deduplicated, plus compartments. */
import type { IndexRows } from '../storage/index.ts';
import type { Resource } from '../interactions/types.ts';
import { addCompartments } from './compartment.ts';
import { addText } from './params/text.ts';
import type { SearchRegistry } from './registry.ts';

function dedupe<T>(list: T[] | undefined): T[] | undefined {
  if (!list || list.length < 2) return list;
  const seen = new Set<string>();
  return list.filter((row) => {
    // rows are flat records of primitives: their values, in order, identify them
    let key = '';
    for (const k in row) {
      const v = (row as Record<string, unknown>)[k];
      key += v === null || v === undefined ? '\u0002\u0001' : `${v}\u0001`;
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function indexResource(registry: SearchRegistry, resource: Resource): IndexRows {
  const rows: IndexRows = {};
  for (const extract of registry.extractorsFor(resource.resourceType)) extract(resource, rows);
  for (const key of Object.keys(rows) as (keyof IndexRows)[]) (rows as Record<string, unknown[] | undefined>)[key] = dedupe(rows[key] as unknown[]);
  addCompartments(resource.resourceType, resource.id, rows);
  addText(resource, rows);
  return rows;
}
