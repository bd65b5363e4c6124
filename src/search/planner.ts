/**
 * Search parameters → plan filters. One parameter occurrence becomes one filter (its values ORed);
 * occurrences are ANDed. Chains (`subject:Patient.name=x`, any depth) and `_has` (nested) recurse
 * into the referenced or referring type. Unknown parameters are reported, not planned.
 */
import { FhirError } from '../fhir/errors.ts';
import type { SearchParameter } from '../fhir/definitions.ts';
import { and, condAnd, condOr, or, type Cond, type Filter, type SortBy } from '../storage/search/index.ts';
import { splitEscaped, unescape } from './normalize.ts';
import { compositeComponents, compositeFilter, compositeUnion } from './params/composite.ts';
import { dateCond } from './params/date.ts';
import { textFilter } from './params/text.ts';
import { parseNear, type NearValue } from './params/position.ts';
import type { ParamQuery } from './params/types.ts';
import { paramType, type SearchRegistry } from './registry.ts';
import type { Terminology } from '../validation/index.ts';

export interface PlanContext {
  registry: SearchRegistry;
  baseUrl: string;
  now: number;
  terminology?: Terminology;
}

export class UnknownParameter extends Error {
  constructor(readonly parameter: string, reason: string) {
    super(reason);
  }
}

function splitName(name: string): { code: string; modifier?: string } {
  const colon = name.indexOf(':');
  return colon < 0 ? { code: name } : { code: name.slice(0, colon), modifier: name.slice(colon + 1) };
}

/** The parameter `code` as it applies to all of `types` (undefined: any type, so only Resource-level ones). */
function paramFor(ctx: PlanContext, types: readonly string[] | undefined, code: string): SearchParameter | undefined {
  if (!types) return ctx.registry.param('Resource', code) ?? ctx.registry.param('DomainResource', code);
  const sps = types.map((t) => ctx.registry.param(t, code));
  if (sps.some((sp) => !sp)) return undefined;
  if (sps.some((sp) => sp!.type !== sps[0]!.type)) return undefined;
  return sps[0];
}

function resourceColumnFilter(code: string, modifier: string | undefined, values: string[], ctx: PlanContext, name: string): Filter {
  if (code === '_id') {
    const cond: Cond = { op: 'in', column: 'id', values: values.map(unescape) };
    if (modifier === undefined) return { kind: 'resource', where: cond };
    if (modifier === 'not') return { kind: 'resource', where: { op: 'not', cond } };
    throw new FhirError('incorrect', `The modifier :${modifier} is not supported on _id`, { code: 'not-supported' });
  }
  if (modifier !== undefined) throw new FhirError('incorrect', `The modifier :${modifier} is not supported on _lastUpdated`, { code: 'not-supported' });
  const q = { sp: { code: name } as SearchParameter, param: name, values, resourceType: '', baseUrl: ctx.baseUrl, now: ctx.now } as ParamQuery;
  return { kind: 'resource', where: condOr(values.map((v) => dateCond(q, v, { low: 'last_updated', high: 'last_updated' }))) };
}

/** `_list=id`: resources that List/id names in an entry (List's `item` parameter, read backwards). */
function listFilter(modifier: string | undefined, values: string[], name: string): Filter {
  if (modifier !== undefined) throw new FhirError('incorrect', `The modifier :${modifier} is not supported on _list`, { code: 'not-supported' });
  const ids = values.map(unescape);
  for (const id of ids) if (id.startsWith('$')) throw new FhirError('incorrect', `${name}=${id}: functional lists are not supported; name a List by its id`, { code: 'not-supported' });
  return { kind: 'has', type: 'List', param: 'item', filter: { kind: 'resource', where: { op: 'in', column: 'id', values: ids } } };
}

/** Plans one parameter occurrence `name=value` on resources of `types`. Throws UnknownParameter if it does not apply. */
export function planParameter(ctx: PlanContext, types: readonly string[] | undefined, name: string, value: string): Filter {
  if (name.startsWith('_has:')) return planHas(ctx, types, name, value);
  const dot = name.indexOf('.');
  const head = dot < 0 ? name : name.slice(0, dot);
  const { code, modifier } = splitName(head);
  const values = splitEscaped(value, ',');
  if (dot < 0 && (code === '_id' || code === '_lastUpdated')) return resourceColumnFilter(code, modifier, values, ctx, name);
  if (dot < 0 && code === '_list') return listFilter(modifier, values, name);
  if (dot < 0 && (code === '_text' || code === '_content')) return textFilter(code, modifier, value);
  const sp = paramFor(ctx, types, code);
  if (!sp) throw new UnknownParameter(name, `${code} is not a search parameter of ${types?.join(', ') ?? 'every resource type'}`);
  if (!sp.expression) throw new UnknownParameter(name, `${code} is not supported by this server`);
  if (dot >= 0) return planChain(ctx, sp, modifier, name.slice(dot + 1), value, name);
  const q: ParamQuery = { sp, param: code, modifier, values, resourceType: types?.[0] ?? 'Resource', baseUrl: ctx.baseUrl, now: ctx.now, terminology: ctx.terminology };
  if (sp.type === 'composite') {
    const united = types?.length === 1 ? compositeUnion(sp, types[0], ctx.registry.params(types[0]), (url) => ctx.registry.byDefinition(url)) : undefined;
    if (united) return or(united.map((code) => compositeFilter({ ...q, param: code }, compositeComponents(sp, (url) => ctx.registry.byDefinition(url), paramType))));
    return compositeFilter(q, compositeComponents(sp, (url) => ctx.registry.byDefinition(url), paramType));
  }
  const type = paramType(sp.type);
  if (!type) throw new UnknownParameter(name, `${sp.type} parameter ${code} is not supported`);
  return type.filter(q);
}

function planChain(ctx: PlanContext, sp: SearchParameter, modifier: string | undefined, rest: string, value: string, name: string): Filter {
  if (sp.type !== 'reference') throw new FhirError('incorrect', `${name}: only reference parameters can be chained, and ${sp.code} is a ${sp.type}`);
  const candidates = modifier ? [modifier] : (sp.target ?? []);
  if (modifier && !(sp.target ?? []).includes(modifier)) throw new FhirError('incorrect', `${name}: ${sp.code} does not refer to ${modifier}`);
  const chained = splitName(rest.split('.')[0]).code;
  const targets = candidates.filter((t) => chained.startsWith('_') || ctx.registry.param(t, chained));
  if (!targets.length) throw new UnknownParameter(name, `${chained} is not a search parameter of ${candidates.join(', ')}`);
  return { kind: 'chain', param: sp.code, targets: targets.map((type) => ({ type, filter: planParameter(ctx, [type], rest, value) })) };
}

function planHas(ctx: PlanContext, types: readonly string[] | undefined, name: string, value: string): Filter {
  const m = /^_has:([A-Z][A-Za-z]+):([^:]+):(.+)$/.exec(name);
  if (!m) throw new FhirError('incorrect', `${name} is not of the form _has:Type:reference:parameter`);
  const [, type, param, rest] = m;
  if (!ctx.registry.defs.isResourceType(type)) throw new FhirError('incorrect', `${name}: ${type} is not a resource type`);
  const sp = ctx.registry.param(type, param);
  if (sp?.type !== 'reference') throw new FhirError('incorrect', `${name}: ${param} is not a reference parameter of ${type}`);
  if (types && !types.some((t) => sp.target?.includes(t))) throw new FhirError('incorrect', `${name}: ${type}.${param} does not refer to ${types.join(', ')}`);
  return { kind: 'has', type, param, filter: planParameter(ctx, [type], rest, value) };
}

/** `_sort=-date,name` → sort keys. */
export function planSort(ctx: PlanContext, types: readonly string[] | undefined, value: string, near?: NearValue): SortBy[] {
  return value
    .split(',')
    .filter(Boolean)
    .map((part) => {
      const descending = part.startsWith('-');
      const code = descending ? part.slice(1) : part;
      if (code === '_id') return { key: { kind: 'column', column: 'id' }, descending };
      if (code === '_lastUpdated') return { key: { kind: 'column', column: 'last_updated' }, descending };
      const sp = paramFor(ctx, types, code);
      if (sp?.type === 'special' && near) return { key: { kind: 'distance', param: code, latitude: near.latitude, longitude: near.longitude }, descending };
      const type = sp && paramType(sp.type);
      if (!type) throw new FhirError('incorrect', `_sort: ${code} is not a sortable search parameter of ${types?.join(', ') ?? 'every resource type'}`);
      return { key: type.sort(code, descending), descending };
    });
}

export { and, or };

/**
 * The order a search has when `_sort` is not given: by distance from the point of its first `near`
 * parameter, if it has one (a special parameter over positions), else none.
 */
export function nearOf(ctx: PlanContext, types: readonly string[] | undefined, params: readonly [string, string][]): { param: string; point: NearValue } | undefined {
  for (const [name, value] of params) {
    if (name.includes('.') || name.includes(':')) continue;
    const sp = paramFor(ctx, types, name);
    if (sp?.type !== 'special' || !sp.expression) continue;
    const first = splitEscaped(value, ',')[0];
    return { param: name, point: parseNear({ sp }, first) };
  }
  return undefined;
}

const DAY = 86_400_000;

/** The bounds a date condition puts on its row: high ≥ `above` and low ≤ `below` (each ±Infinity when none). */
function window(c: Cond): { above: number; below: number } {
  let above = -Infinity;
  let below = Infinity;
  const terms: Cond[] = [];
  const flatten = (x: Cond): void => void (x.op === 'and' ? x.conds.forEach(flatten) : terms.push(x));
  flatten(c);
  for (const t of terms) {
    if (t.op !== 'ge' && t.op !== 'gt' && t.op !== 'le' && t.op !== 'lt') continue;
    if (typeof t.value !== 'number') continue;
    if ((t.op === 'ge' || t.op === 'gt') && (t.column === 'high' || t.column === 'low')) above = Math.max(above, t.value);
    if ((t.op === 'le' || t.op === 'lt') && (t.column === 'low' || t.column === 'high')) below = Math.min(below, t.value);
  }
  return { above, below };
}

/**
 * A date range (`date=ge2018-01-01&date=lt2018-01-08`): criteria ANDed on the same date parameter,
 * when the parameter is single-valued for the type searched, hold for the same index row, so they
 * become one filter on it. Its window [above, below] is then read as a range on `low` for the rows
 * a day long or shorter (a row that ends after `above` starts after `above` − 1 day), and from the
 * partial index of the longer rows (idx_date_wide): both small, where each criterion alone would
 * read every value after (or before) one date. Multi-valued parameters keep their criteria apart,
 * as the spec asks (each may be met by a different value).
 */
export function mergeDateRanges(ctx: PlanContext, types: readonly string[] | undefined, filters: Filter[]): Filter[] {
  if (types?.length !== 1) return filters;
  const byParam = new Map<string, number[]>();
  filters.forEach((f, n) => {
    if (f.kind !== 'index' || f.table !== 'idx_date' || f.where.op === 'true' || f.where.op === 'or' || f.where.op === 'not') return;
    (byParam.get(f.param) ?? byParam.set(f.param, []).get(f.param)!).push(n);
  });
  const out = [...filters];
  const drop = new Set<number>();
  for (const [param, at] of byParam) {
    if (at.length < 2 || !ctx.registry.singleValued(types[0], param)) continue;
    const where = condAnd(at.map((n) => (filters[n] as { where: Cond }).where));
    const { above, below } = window(where);
    if (!Number.isFinite(above) || !Number.isFinite(below)) continue;
    const narrow: Filter = { kind: 'index', table: 'idx_date', param, where: condAnd([{ op: 'ge', column: 'low', value: above - DAY }, { op: 'le', column: 'low', value: below }, where]) };
    const wide: Filter = { kind: 'index', table: 'idx_date', param, where: condAnd([{ op: 'wide' }, { op: 'ge', column: 'high', value: above }, where]) };
    out[at[0]] = or([narrow, wide]);
    for (const n of at.slice(1)) drop.add(n);
  }
  return out.filter((_, n) => !drop.has(n));
}
