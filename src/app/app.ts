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
import { createAuthServer, type AuthServer } from '../access/auth/index.ts';
import { Guard } from '../access/guard.ts';
import { createAccessPolicy } from '../access/policy/index.ts';
import { openAccess } from '../access/types.ts';
import { createAuditLog } from '../audit/index.ts';
import { inPatientCompartment } from '../search/compartment.ts';

export interface Meridian {
  ctx: InteractionContext;
  http: FastifyInstance;
  /** The SMART on FHIR authorization server (token checks, minting, accounts). */
  auth: AuthServer;
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
  const store = await openStore(config.store, { readers: config.readers });
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
  const now = () => Date.now();
  const policy = createAccessPolicy({ dialect: store.dialect, inPatientCompartment, now });
  const guard = new Guard({ policy, patientsOf: search.patientsOf, inPatientCompartment, criteriaFilter: search.criteriaFilter, allTypes: defs.resourceTypes });
  const audit = createAuditLog(store, { now, observer: config.baseUrl ?? 'meridian', maxDelayMs: AUDIT_BATCH_MS });
  // in-process callers (import, seed, tests) act as the operator; HTTP requests carry their caller's access
  return { access: openAccess('in-process'), guard, audit, defs, store, validator, search, config, now };
}

/**
 * How long a group commit of read AuditEvents gathers before it is written. Reads do not wait for
 * it (refused and failed requests, which wait for their event, are written at once), so the
 * window costs no latency; a longer one makes fewer, larger transactions, and SQLite's work per
 * event much smaller (each commit writes every page it touched). Measured with bench:access:
 * 10 ms → 100 ms took the server's CPU per audited read from about 135 to 106 µs.
 */
const AUDIT_BATCH_MS = 100;

/** How often a process looks for definitions other processes stored (PostgreSQL only: SQLite has one process). */
const DEFINITIONS_POLL_MS = 5000;

export async function createMeridian(config: MeridianConfig, logger: Logger | false = false): Promise<Meridian> {
  const ctx = await createContext(config);
  const store = ctx.store;
  const auth = await createAuthServer({
    store,
    search: ctx.search,
    baseUrl: config.baseUrl,
    dev: config.dev,
    accessTokenLifetime: config.accessTokenLifetime,
    refreshTokenLifetime: config.refreshTokenLifetime,
    oidc: config.oidc,
    onError: (err) => (logger ? logger.warn({ err }, 'authorization server: background poll failed') : undefined),
  });
  const http = buildHttpServer(ctx, {
    bodyLimit: config.bodyLimit,
    baseUrl: config.baseUrl,
    logger,
    authenticate: (header, address) => auth.authenticate(header, address),
    dev: config.dev,
    rateLimit: config.rateLimit,
    corsOrigins: config.corsOrigins,
  });
  auth.register(http);
  return {
    ctx,
    http,
    auth,
    async close() {
      await http.close();
      await auth.close();
      await ctx.audit.close();
      await ctx.search.close?.();
      await store.close();
    },
  };
}
