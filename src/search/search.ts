/**
 * The search interaction (type, system and compartment level): parameters → plan → SQL in the
 * store's dialect → a searchset Bundle with `match` and `include` entries and paging links.
 */
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import { parseSummary, selectElements, summarize, type SummaryMode } from '../fhir/summary.ts';
import { bundleBody, type BundleEntry } from '../interactions/bundle-body.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource } from '../interactions/types.ts';
import type { CompiledQuery, StoreReader } from '../storage/index.ts';
import { and, type Filter, type PlanRow, type SearchPlan, type SortBy, type SqlCompiler } from '../storage/search/index.ts';
import { inPatientCompartment } from './compartment.ts';
import { includes, parseInclude, type IncludeRequest } from './includes.ts';
import { decodeCursor, encodeCursor, withQuery } from './paging.ts';
import { choosePage, selectPage, TUNING, type EstimateCache } from './page.ts';
import { mergeDateRanges, nearOf, planParameter, planSort, UnknownParameter, type PlanContext } from './planner.ts';
import type { SearchRegistry } from './registry.ts';
import type { Terminology } from '../validation/index.ts';
import { toPlanRow } from './rows.ts';

export interface SearchEnv {
  registry: SearchRegistry;
  compiler: SqlCompiler;
  /** ValueSet expansion and CodeSystem hierarchies, for `:in`, `:not-in`, `:above`, `:below` on tokens. */
  terminology?: Terminology;
  /** Recent answers to the query that chooses how a `_has` page is found (search/page.ts). */
  estimates?: EstimateCache;
}

/** Parameters that shape the result rather than select resources. */
const RESULT = new Set(['_sort', '_count', '_include', '_revinclude', '_summary', '_elements', '_total', '_cursor', '_format', '_pretty', '_type', '_explain']);

function resultName(name: string): string {
  return name.split(':')[0];
}

function typesOf(req: FhirRequest, ctx: InteractionContext): string[] | undefined {
  if (req.interaction === 'search-compartment') {
    if (req.compartment !== 'Patient') throw new FhirError('incorrect', `Only the Patient compartment is supported, not ${req.compartment}`, { code: 'not-supported' });
    if (req.resourceType && !inPatientCompartment(req.resourceType)) throw new FhirError('incorrect', `${req.resourceType} resources are not in the Patient compartment`);
    return req.resourceType ? [req.resourceType] : ctx.defs.resourceTypes.filter(inPatientCompartment);
  }
  if (req.interaction === 'search-system') {
    const listed = req.params.filter(([n]) => n === '_type').flatMap(([, v]) => v.split(',').filter(Boolean));
    for (const t of listed) if (!ctx.defs.isResourceType(t)) throw new FhirError('incorrect', `_type: ${t} is not a resource type`);
    return listed.length ? [...new Set(listed)] : undefined;
  }
  return [req.resourceType!];
}

interface Parsed {
  filter: Filter;
  sort: SortBy[];
  count: number;
  total: 'none' | 'estimate' | 'accurate' | undefined;
  summary?: SummaryMode;
  elements?: string[];
  cursor?: string;
  explain: boolean;
  include: IncludeRequest;
  /** The parameters applied, as the self link shows them. */
  used: [string, string][];
}

function single(name: string, values: string[]): string {
  if (values.length > 1) throw new FhirError('incorrect', `${name} may be given only once`);
  return values[0];
}

export function parseSearch(req: FhirRequest, ctx: InteractionContext, env: SearchEnv, types: string[] | undefined): Parsed {
  const pctx: PlanContext = { registry: env.registry, baseUrl: req.baseUrl, now: ctx.now(), terminology: env.terminology };
  const filters: Filter[] = [];
  const used: [string, string][] = [];
  const grouped = new Map<string, string[]>();
  const include: IncludeRequest = { include: [], revinclude: [] };
  const strict = req.prefer.handling === 'strict';
  for (const [name, value] of req.params) {
    const base = resultName(name);
    if (RESULT.has(base)) {
      if (base === '_include' || base === '_revinclude') parseInclude(env.registry, name, value, include);
      else (grouped.get(base) ?? grouped.set(base, []).get(base)!).push(value);
      if (base !== '_cursor' && base !== '_format') used.push([name, value]);
      continue;
    }
    try {
      filters.push(planParameter(pctx, types, name, value));
      used.push([name, value]);
    } catch (err) {
      if (!(err instanceof UnknownParameter)) throw err;
      if (strict) throw new FhirError('incorrect', `Unknown or unsupported search parameter ${name}: ${err.message}`, { code: 'not-supported' });
    }
  }
  const get = (n: string) => (grouped.has(n) ? single(n, grouped.get(n)!) : undefined);
  if (req.compartment && req.id) filters.unshift({ kind: 'compartment', compartment: req.compartment, id: req.id });
  const countText = get('_count');
  const count = countText === undefined ? ctx.config.defaultPageSize : Number(countText);
  if (!Number.isInteger(count) || count < 0) throw new FhirError('incorrect', `_count=${countText} is not a whole number of 0 or more`);
  const total = get('_total');
  if (total !== undefined && !['none', 'estimate', 'accurate'].includes(total)) throw new FhirError('incorrect', `_total=${total} is not one of none, estimate, accurate`);
  const elements = get('_elements');
  return {
    filter: and(mergeDateRanges(pctx, types, filters)),
    sort: sortOf(pctx, types, req.params, grouped.get('_sort')),
    count: Math.min(count, ctx.config.maxPageSize),
    total: total as Parsed['total'],
    summary: parseSummary(get('_summary')),
    elements: elements === undefined ? undefined : elements.split(',').map((e) => e.trim()).filter(Boolean),
    cursor: get('_cursor'),
    explain: get('_explain') === 'true',
    include,
    used,
  };
}

/** `_sort` as given; without it, by distance when the search has a `near` parameter. */
function sortOf(pctx: PlanContext, types: string[] | undefined, params: [string, string][], sorts: string[] | undefined): SortBy[] {
  const near = nearOf(pctx, types, params);
  if (sorts) return sorts.flatMap((v) => planSort(pctx, types, v, near?.point));
  return near ? [{ key: { kind: 'distance', param: near.param, latitude: near.point.latitude, longitude: near.point.longitude }, descending: false }] : [];
}

/** `_explain=true`: the SQL of the page query and the database's plan for it, as information issues (no results). */
async function explain(ctx: InteractionContext, db: StoreReader, compiler: SqlCompiler, query: CompiledQuery): Promise<FhirResponse> {
  if (!ctx.access.roles.has('admin')) throw new FhirError('forbidden', '_explain=true is open only to administrators (and to everyone in --dev mode without a token)');
  const rows = await db.select(compiler.explain(query));
  const plan = rows.map((r) => String(r.detail ?? r['QUERY PLAN'] ?? JSON.stringify(r))).join('\n');
  const outcome = operationOutcome([
    { severity: 'information', code: 'informational', diagnostics: `SQL: ${query.text}\nParameters: ${JSON.stringify(query.params)}` },
    { severity: 'information', code: 'informational', diagnostics: `Plan:\n${plan}` },
  ]);
  return { status: 200, body: outcome as unknown as Resource };
}

function shape(row: PlanRow, p: Parsed, ctx: InteractionContext): BundleEntry['resource'] {
  if (!p.summary && !p.elements) return { raw: row.content };
  let resource = JSON.parse(row.content) as Record<string, unknown>;
  if (p.summary) resource = summarize(resource, p.summary, ctx.defs);
  if (p.elements) resource = selectElements(resource, p.elements, ctx.defs);
  return resource as Resource;
}

export async function search(req: FhirRequest, ctx: InteractionContext, db: StoreReader, env: SearchEnv): Promise<FhirResponse> {
  const asked = typesOf(req, ctx);
  const p = parseSearch(req, ctx, env, asked);
  // access control: a filter confining the search (and its chains and _has) to what the caller may see
  const named = patientsNamed(req);
  for (const patient of named) await ctx.guard.checkPatient(ctx, db, patient);
  const counted = p.summary === 'count' || p.count === 0 || p.total === 'accurate' || p.total === 'estimate';
  const scope = await ctx.guard.searchScope(ctx, db, asked, { careChecked: named.length > 0 && !counted });
  const types = scope.types;
  const filter = and([await ctx.guard.confine(ctx, db, p.filter), scope.filter]);
  const onlyCount = p.summary === 'count' || p.count === 0;
  const after = p.cursor === undefined ? undefined : decodeCursor(p.cursor, p.sort.length);
  const plan: SearchPlan = { types, filter, sort: p.sort, limit: p.count + 1, after };
  if (p.explain) return explain(ctx, db, env.compiler, onlyCount ? env.compiler.count(plan) : env.compiler.select((await choosePage(db, env.compiler, plan, TUNING, env.estimates)).plan));
  // the rows' Patient compartments come with them when access checks or the audit trail need them
  const rowOptions = { patients: ctx.trail !== undefined || ctx.access.mode !== 'open' };
  let rows = onlyCount ? [] : (await selectPage(db, env.compiler, plan, rowOptions, TUNING, env.estimates)).map((r) => toPlanRow(r, p.sort.length));
  const more = rows.length > p.count;
  if (more) rows = rows.slice(0, p.count);
  if (after?.backwards) rows.reverse();
  let total: number | undefined;
  if (onlyCount || p.total === 'accurate' || p.total === 'estimate') {
    const counted = await db.select(env.compiler.count(plan));
    total = Number(counted[0]?.n ?? 0);
  }
  const freeTotal = total === undefined && p.total === undefined && !after && !more; // everything is on this page

  const path = [req.compartment, req.compartment ? req.id : undefined, req.resourceType ?? (req.compartment ? '*' : undefined)].filter(Boolean).join('/');
  const self = path ? `${req.baseUrl}/${path}` : req.baseUrl;
  const link = [{ relation: 'self', url: withQuery(self, p.cursor ? [...p.used, ['_cursor', p.cursor]] : p.used) }];
  if (rows.length && !onlyCount) {
    const forward = after?.backwards ? true : more;
    const backward = after?.backwards ? more : after !== undefined;
    if (forward) link.push({ relation: 'next', url: withQuery(self, [...p.used, ['_cursor', encodeCursor(rows[rows.length - 1], false)]]) });
    if (backward) link.push({ relation: 'previous', url: withQuery(self, [...p.used, ['_cursor', encodeCursor(rows[0], true)]]) });
  }

  const patients = new Map(rows.map((r) => [r.rid, r.patients ?? []]));
  rows = await ctx.guard.recheck(ctx, db, rows, patients, types ?? [], scope.careInPage);
  if (freeTotal) total = rows.length;
  for (const r of rows) ctx.trail?.touch(`${r.resourceType}/${r.id}/_history/${r.versionId}`, patients.get(r.rid) ?? []);
  const entries: BundleEntry[] = rows.map((r) => ({ fullUrl: `${req.baseUrl}/${r.resourceType}/${r.id}`, resource: shape(r, p, ctx), search: { mode: 'match' } }));
  if (rows.length && (p.include.include.length || p.include.revinclude.length)) {
    const inc = await includes(db, env.compiler, rows, p.include, rowOptions);
    for (const r of inc.rows) {
      // included resources are not filtered by the plan: each is checked, and left out if the caller may not see it
      if (!(await visible(ctx, db, r))) continue;
      entries.push({ fullUrl: `${req.baseUrl}/${r.resourceType}/${r.id}`, resource: shape(r, p, ctx), search: { mode: 'include' } });
    }
    if (!inc.complete) {
      const outcome = operationOutcome([{ severity: 'warning', code: 'incomplete', diagnostics: 'The :iterate includes were followed to a depth of 16 and not further' }]);
      entries.push({ resource: outcome as unknown as Resource, search: { mode: 'outcome' } });
    }
  }
  return { status: 200, body: bundleBody('searchset', entries, { total, link }), lastModified: ctx.now() };
}

/**
 * Whether the caller may see an included resource (the guard decides on the resource itself). With
 * open access there is nothing to decide: it is only recorded for the audit trail, with the
 * compartments its row came with, without parsing it.
 */
async function visible(ctx: InteractionContext, db: StoreReader, r: PlanRow): Promise<boolean> {
  // the row's Patient compartments came from the index with it: no FHIRPath extraction per included resource
  if (ctx.access.mode !== 'open') return ctx.guard.visible(ctx, db, JSON.parse(r.content) as Resource, r.patients);
  ctx.trail?.touch(`${r.resourceType}/${r.id}/_history/${r.versionId}`, r.patients ?? []);
  return true;
}

/** The patients a search names outright: its compartment, or a single `patient=` / `subject=Patient/…` value. */
function patientsNamed(req: FhirRequest): string[] {
  const out: string[] = [];
  if (req.compartment === 'Patient' && req.id) out.push(req.id);
  for (const [name, value] of req.params) {
    if (value.includes(',')) continue;
    const m = name === 'patient' || name === 'patient:Patient' ? /^(?:Patient\/)?([A-Za-z0-9\-.]{1,64})$/.exec(value) : name === 'subject' || name === 'subject:Patient' ? /^Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(value) : null;
    if (m) out.push(m[1]);
  }
  return out;
}
