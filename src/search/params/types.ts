/** What each search parameter type supplies: index extraction and query compilation, in one file per type. */
import { FhirError } from '../../fhir/errors.ts';
import type { SearchParameter } from '../../fhir/definitions.ts';
import type { IndexRows } from '../../storage/index.ts';
import type { Filter, IndexTable, SortKey } from '../../storage/search/index.ts';
import type { Terminology } from '../../validation/index.ts';

/** One occurrence of a parameter in a query: its values are ORed. */
export interface ParamQuery {
  readonly sp: SearchParameter;
  /** The index `param` the rows are stored under (the parameter's code, or a composite's key). */
  readonly param: string;
  readonly modifier?: string;
  /** Values as written, split on unescaped commas; escapes (`\|`, `\$`, `\,`) still in place. */
  readonly values: readonly string[];
  readonly resourceType: string;
  readonly baseUrl: string;
  readonly now: number;
  /** ValueSet expansion and CodeSystem hierarchies (token `:in`, `:not-in`, `:above`, `:below`). */
  readonly terminology?: Terminology;
}

export interface ParamType {
  readonly table: IndexTable;
  /** Adds the index rows of the values the parameter's expression selected (under `param`). */
  index(values: unknown[], param: string, rows: IndexRows): void;
  filter(q: ParamQuery): Filter;
  sort(param: string, descending: boolean): SortKey;
}

export function modifierError(q: ParamQuery): FhirError {
  return new FhirError('incorrect', `The modifier :${q.modifier} is not supported on ${q.sp.type} parameter ${q.sp.code}`, { code: 'not-supported' });
}

export function valueError(q: ParamQuery, value: string, expected: string): FhirError {
  return new FhirError('incorrect', `${q.sp.code}=${value} is not ${expected}`);
}

/** `:missing=true|false`: whether the resource has no index row for the parameter. */
export function missingFilter(table: IndexTable, q: ParamQuery): Filter {
  if (q.values.length !== 1 || !['true', 'false'].includes(q.values[0])) throw valueError(q, q.values.join(','), 'true or false (:missing)');
  const has: Filter = { kind: 'index', table, param: q.param, where: { op: 'true' } };
  return q.values[0] === 'true' ? { kind: 'not', filter: has } : has;
}

export function push<K extends keyof IndexRows>(rows: IndexRows, key: K, row: NonNullable<IndexRows[K]>[number]): void {
  const list = (rows[key] ??= []) as NonNullable<IndexRows[K]>[number][];
  list.push(row);
}
