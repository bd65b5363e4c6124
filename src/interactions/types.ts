/** What every interaction receives and returns. Interactions never see HTTP. */
import type { Definitions } from '../fhir/definitions.ts';
import type { Method, Route } from '../fhir/url.ts';
import type { Issue, OperationOutcome } from '../fhir/errors.ts';
import type { ResourceStore, StoreReader, StoreTx, IndexRows } from '../storage/index.ts';
import type { Filter } from '../storage/search/index.ts';
import type { AccessContext } from '../access/types.ts';
import type { Guard } from '../access/guard.ts';
import type { Trail } from '../access/trail.ts';

export type Resource = { resourceType: string; id?: string; meta?: Meta; [key: string]: unknown };
export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  [key: string]: unknown;
}

export interface Prefer {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
}

export interface FhirRequest extends Route {
  method: Method;
  /** Query (and form) parameters, in order, repeated names kept. */
  params: [string, string][];
  /** The parsed body: a resource, a Parameters resource, or a JSON Patch document. */
  body?: unknown;
  /** How the body is to be read: a FHIR resource or a JSON Patch document. */
  bodyType?: 'resource' | 'json-patch';
  ifMatch?: string;
  ifNoneExist?: string;
  ifNoneMatch?: string;
  ifModifiedSince?: string;
  prefer: Prefer;
  /** The FHIR base URL as the client sees it, without a trailing slash. */
  baseUrl: string;
}

/** A resource body: an object, or stored JSON text passed through without parsing. */
export type Body = Resource | { raw: string };

export interface FhirResponse {
  status: number;
  body?: Body;
  location?: string;
  etag?: string;
  /** Epoch milliseconds; HTTP renders it as a Last-Modified date. */
  lastModified?: number;
  /** For batch/transaction entries that carry an outcome. */
  outcome?: OperationOutcome;
}

/** Validates a resource: structure always, plus profiles (claimed, required by policy, or asked for); holds the conformance registry and terminology. */
export type { Validator as ResourceValidator } from '../validation/index.ts';
import type { Validator as ResourceValidator } from '../validation/index.ts';

export type { AuditInput, AuditLog } from '../audit/index.ts';
import type { AuditLog } from '../audit/index.ts';

/** Turns a resource into its index rows and answers conditional criteria; the search issue supplies the full engine. */
export interface SearchEngine {
  index(resource: Resource): IndexRows;
  /** The ids of the Patients whose compartment `resource` is in. */
  patientsOf(resource: Resource): string[];
  /** A search filter for criteria such as a SMART scope's query restriction (`category=laboratory`). */
  criteriaFilter(resourceType: string, params: readonly [string, string][]): Filter;
  /** Ids of current resources matching a conditional query (e.g. `identifier=sys|123`). */
  matchIds(db: StoreReader, resourceType: string, params: [string, string][], limit: number): Promise<string[]>;
  search?(request: FhirRequest, ctx: InteractionContext, db: StoreReader): Promise<FhirResponse>;
  readonly supportedParameters?: (resourceType: string) => { name: string; type: string; definition?: string; documentation?: string }[];
  /** Changes whenever the search parameters in force change (a custom SearchParameter stored or removed). */
  readonly generation?: () => number;
  /** Resource types whose stored instances change how search works (SearchParameter, ValueSet, CodeSystem). */
  readonly definitionTypes?: ReadonlySet<string>;
  /** Reloads the stored definitions; run after a write of one of `definitionTypes` has committed, and at start-up. */
  refreshDefinitions?(db: StoreReader): Promise<void>;
  /** Polls the store every `ms` for definitions written by other processes. */
  watchDefinitions?(db: StoreReader, ms: number): void;
  /** Records a background job re-extracting the index rows of current resources of `types` (all when undefined), started once `tx` commits; returns its id. */
  startReindex?(store: ResourceStore, tx: StoreTx, types: string[] | undefined): Promise<string>;
  /** A background job's state, or undefined when there is no such job. */
  job?(db: StoreReader, id: string): Promise<JobState | undefined>;
  /** Stops background work (polling, jobs between batches). */
  close?(): Promise<void>;
}

export interface JobState {
  id: string;
  kind: string;
  status: 'queued' | 'in-progress' | 'completed' | 'failed' | 'cancelled';
  /** 0 … 1. */
  progress: number;
  params: Record<string, unknown>;
  result?: Record<string, unknown>;
  created: number;
  updated: number;
}

export interface ServerConfig {
  /** Check the R4 base invariants and bindings on every write, not only in $validate (slower ingest). */
  validateCoreOnWrite: boolean;
  conditionalDelete: 'single' | 'multiple';
  /** Most resources a conditional delete may remove at once. */
  conditionalDeleteLimit: number;
  defaultPageSize: number;
  maxPageSize: number;
  /** Development mode (`--dev`): operator aids such as `_explain=true` are open to every client. */
  dev?: boolean;
}

export interface InteractionContext {
  /** Who is asking (set per request; in-process operator tools run with `openAccess`). */
  access: AccessContext;
  /** Access rules: scope checks, per-resource checks, search filters. */
  guard: Guard;
  /** Records an AuditEvent for every interaction. */
  audit: AuditLog;
  /** What the current request touched, for its AuditEvent (set per request by `handle`). */
  trail?: Trail;
  defs: Definitions;
  store: ResourceStore;
  validator: ResourceValidator;
  search: SearchEngine;
  config: ServerConfig;
  /** Epoch milliseconds; injectable for tests. */
  now(): number;
}

export type Db = StoreReader | StoreTx;
export type { StoreTx, StoreReader };
