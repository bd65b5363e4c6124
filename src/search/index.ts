/**
 * The search engine: index extraction for every R4 SearchParameter, and the search interaction
 * (parse → plan → SQL in the store's dialect). Conditional operations use the same engine.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Definitions } from '../fhir/definitions.ts';
import type { SearchEngine } from '../interactions/types.ts';
import type { ConformanceRegistry, Terminology } from '../validation/index.ts';
import { compilerFor } from '../storage/search/index.ts';
import { checkSearchParameter, DEFINITION_TYPES, StoredDefinitions } from './definitions.ts';
import { indexResource } from './indexer.ts';
import { paramType, RESOURCE_COLUMNS, SearchRegistry } from './registry.ts';
import { Reindexer } from './reindex-job.ts';
import { parseSearch, search } from './search.ts';
import { EstimateCache } from './page.ts';
import { patientExtractor } from './patients.ts';

export interface SearchEngineOptions {
  /** Where stored ValueSets and CodeSystems are registered (the validator's registry), for `:in`, `:not-in`, `:above`, `:below`. */
  conformance?: ConformanceRegistry;
  terminology?: Terminology;
}

export { parseToken } from './params/token.ts';
export { SearchRegistry } from './registry.ts';
export { indexResource } from './indexer.ts';

const FULL_TEXT = new Set(['_text', '_content']);

export function createSearchEngine(defs: Definitions, dialect: 'sqlite' | 'postgres', opts: SearchEngineOptions = {}): SearchEngine {
  const registry = new SearchRegistry(defs);
  const compiler = compilerFor(dialect);
  const env = { registry, compiler, terminology: opts.terminology, estimates: new EstimateCache() };
  const supported = new Map<string, { name: string; type: string; definition?: string; documentation?: string }[]>();
  let supportedGeneration = registry.generation;
  const stored = new StoredDefinitions(registry, compiler, opts.conformance);
  const reindexer = new Reindexer(registry, compiler);
  const patientsOf = patientExtractor(registry);
  const criteriaCtx = { defs, config: { defaultPageSize: 1, maxPageSize: 1 }, now: () => Date.now() } as never;
  return {
    patientsOf,
    criteriaFilter(resourceType, params) {
      const req = { interaction: 'search-type', method: 'GET', resourceType, params: [...params], prefer: { handling: 'strict' }, baseUrl: '' } as const;
      return parseSearch(req as never, criteriaCtx, env, [resourceType]).filter;
    },
    index(resource) {
      // a SearchParameter that cannot be used for search is refused (422) as it is written
      if (resource.resourceType === 'SearchParameter') checkSearchParameter(registry, resource);
      return indexResource(registry, resource);
    },
    definitionTypes: new Set(DEFINITION_TYPES),
    refreshDefinitions: (db) => stored.refresh(db),
    watchDefinitions: (db, ms) => stored.watch(db, ms),
    startReindex: (store, tx, types) => reindexer.start(store, tx, types),
    job: (db, id) => reindexer.job(db, id),
    async close() {
      stored.stop();
      await reindexer.close();
    },
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
    generation: () => registry.generation,
    supportedParameters(resourceType) {
      if (supportedGeneration !== registry.generation) (supported.clear(), (supportedGeneration = registry.generation));
      let list = supported.get(resourceType);
      if (list) return list;
      list = registry
        .params(resourceType)
        // _text and _content have no expression: full-text search reads the resource itself (params/text.ts)
        .filter((sp) => FULL_TEXT.has(sp.code) || (sp.expression && (RESOURCE_COLUMNS.has(sp.code) || paramType(sp.type) || sp.type === 'composite')))
        .map((sp) => ({ name: sp.code, type: sp.type, definition: sp.url, documentation: typeof sp.description === 'string' ? sp.description : undefined }));
      supported.set(resourceType, list);
      return list;
    },
  };
}
