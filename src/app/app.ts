/** The composition root: builds every part from the configuration and wires them together. */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { loadR4Definitions, type Definitions } from '../fhir/definitions.ts';
import { buildHttpServer } from '../http/server.ts';
import type { InteractionContext } from '../interactions/types.ts';
import { createSearchEngine } from '../search/index.ts';
import { openStore } from '../storage/index.ts';
import { createValidator, loadR4ConformanceResources, type CanonicalResource } from '../validation/index.ts';
import type { MeridianConfig } from './config.ts';

export interface Meridian {
  ctx: InteractionContext;
  http: FastifyInstance;
  close(): Promise<void>;
}

let sharedDefinitions: Definitions | undefined;
let sharedConformance: CanonicalResource[] | undefined;

/** The R4 definitions are immutable; one copy per process serves every instance (tests start many). */
export function definitions(): Definitions {
  return (sharedDefinitions ??= loadR4Definitions());
}

/** Everything the interactions need, without HTTP (the importer and tests use it directly). */
export async function createContext(config: MeridianConfig): Promise<InteractionContext> {
  const defs = definitions();
  const store = await openStore(config.store);
  const validator = createValidator({
    defs,
    coreResources: (sharedConformance ??= loadR4ConformanceResources()),
    packages: config.packages,
    // extensions from IGs not loaded here (e.g. US Core in Synthea data) are reported, not refused
    policy: { requireProfiles: config.requireProfiles, unknownExtension: 'warning' },
  });
  const search = createSearchEngine(defs, store.dialect, { conformance: validator.registry, terminology: validator.terminology });
  // SearchParameters, ValueSets and CodeSystems stored earlier (or by other processes sharing the database)
  await search.refreshDefinitions!(store);
  if (store.dialect === 'postgres') search.watchDefinitions!(store, DEFINITIONS_POLL_MS);
  return { defs, store, validator, search, config, now: () => Date.now() };
}

/** How often a process looks for definitions other processes stored (PostgreSQL only: SQLite has one process). */
const DEFINITIONS_POLL_MS = 5000;

export async function createMeridian(config: MeridianConfig, logger: Logger | false = false): Promise<Meridian> {
  const ctx = await createContext(config);
  const store = ctx.store;
  const http = buildHttpServer(ctx, { bodyLimit: config.bodyLimit, baseUrl: config.baseUrl, logger });
  return {
    ctx,
    http,
    async close() {
      await http.close();
      await ctx.search.close?.();
      await store.close();
    },
  };
}
