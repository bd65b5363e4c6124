/**
 * The search engine: index extraction for every R4 SearchParameter, and the search interaction
 * (parse → plan → SQL in the store's dialect). Conditional operations use the same engine.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Definitions } from '../fhir/definitions.ts';
import type { SearchEngine } from '../interactions/types.ts';
import { compilerFor } from '../storage/search/index.ts';
import { indexResource } from './indexer.ts';
import { paramType, RESOURCE_COLUMNS, SearchRegistry } from './registry.ts';
import { parseSearch, search } from './search.ts';

export { parseToken } from './params/token.ts';
export { SearchRegistry } from './registry.ts';
export { indexResource } from './indexer.ts';

export function createSearchEngine(defs: Definitions, dialect: 'sqlite' | 'postgres'): SearchEngine {
  const registry = new SearchRegistry(defs);
  const compiler = compilerFor(dialect);
  const env = { registry, compiler };
  const supported = new Map<string, { name: string; type: string; definition?: string; documentation?: string }[]>();
  return {
    index: (resource) => indexResource(registry, resource),
    async matchIds(db, resourceType, params, limit) {
      const req = { interaction: 'search-type', method: 'GET', resourceType, params, prefer: { handling: 'strict' }, baseUrl: '' } as const;
      const ctx = { defs, config: { defaultPageSize: limit, maxPageSize: limit }, now: () => Date.now() } as never;
      const parsed = parseSearch({ ...req, params: [...params] }, ctx, env, [resourceType]);
      if (parsed.sort.length || parsed.include.include.length || parsed.include.revinclude.length) {
        throw new FhirError('incorrect', 'Conditional criteria may not use _sort, _include or _revinclude');
      }
      const rows = await db.select(compiler.select({ types: [resourceType], filter: parsed.filter, sort: [], limit }, { idsOnly: true }));
      return rows.map((r) => String(r.id));
    },
    search: (req, ctx, db) => search(req, ctx, db, env),
    supportedParameters(resourceType) {
      let list = supported.get(resourceType);
      if (list) return list;
      list = registry
        .params(resourceType)
        .filter((sp) => sp.expression && (RESOURCE_COLUMNS.has(sp.code) || paramType(sp.type) || sp.type === 'composite'))
        .map((sp) => ({ name: sp.code, type: sp.type, definition: sp.url, documentation: typeof sp.description === 'string' ? sp.description : undefined }));
      supported.set(resourceType, list);
      return list;
    },
  };
}
