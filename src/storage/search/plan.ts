/**
 * The dialect-neutral search plan: a small tree of immutable nodes that search/ builds and
 * each store dialect renders to SQL. Nodes name index tables and their columns; values are
 * typed (numbers, strings), never SQL text.
 */
export type IndexTable = 'idx_string' | 'idx_token' | 'idx_reference' | 'idx_date' | 'idx_number' | 'idx_quantity' | 'idx_uri' | 'idx_composite' | 'idx_compartment' | 'idx_position';

export type Value = string | number | null;

/** A condition over the columns of one index row (or of the resources row, for `resource` filters). */
export type Cond =
  | { readonly op: 'eq' | 'lt' | 'le' | 'gt' | 'ge'; readonly column: string; readonly value: Value }
  | { readonly op: 'in'; readonly column: string; readonly values: readonly Value[] }
  | { readonly op: 'null' | 'not-null'; readonly column: string }
  /** Text that starts with / contains `value` (a literal, not a pattern). */
  | { readonly op: 'starts-with' | 'contains' | 'ends-with'; readonly column: string; readonly value: string }
  | { readonly op: 'and' | 'or'; readonly conds: readonly Cond[] }
  | { readonly op: 'not'; readonly cond: Cond }
  | { readonly op: 'true' | 'false' }
  /** The row's interval (`low`..`high`, epoch ms) is longer than a day (high > low + 86,400,000): answered by idx_date's partial index `idx_date_wide`. */
  | { readonly op: 'wide' }
  /** The row is a plain parameter's, not a composite's (its param has no `$`): answered by idx_quantity's partial index `idx_quantity_canonical`. */
  | { readonly op: 'not-composite' };

/** A condition on a resource (alias of the current level). */
export type Filter =
  | { readonly kind: 'and' | 'or'; readonly filters: readonly Filter[] }
  | { readonly kind: 'not'; readonly filter: Filter }
  | { readonly kind: 'true' | 'false' }
  /**
   * Some row of `table` for this resource and `param` satisfies `where`. `rare`: few resources
   * match, often none (e.g. restricted security labels), so a `not` of it first asks once whether
   * any resource of the searched types matches, and probes each candidate only when one does.
   */
  | { readonly kind: 'index'; readonly table: IndexTable; readonly param: string; readonly where: Cond; readonly rare?: boolean }
  /** A condition on the resource row itself (columns `id`, `last_updated`). */
  | { readonly kind: 'resource'; readonly where: Cond }
  /** A reference in `param` points to a current resource of one of `targets` that satisfies its filter. */
  | { readonly kind: 'chain'; readonly param: string; readonly targets: readonly { readonly type: string; readonly filter: Filter }[] }
  /** Some current `type` resource satisfying `filter` refers to this resource through `param` (`_has`). */
  | { readonly kind: 'has'; readonly type: string; readonly param: string; readonly filter: Filter }
  /** The resource belongs to compartment `compartment`/`id`. */
  | { readonly kind: 'compartment'; readonly compartment: string; readonly id: string }
  /**
   * Access control: every Patient compartment the resource belongs to is among `ids` ('within'),
   * or none of them is ('outside'). A resource in no Patient compartment passes both.
   */
  | { readonly kind: 'patients'; readonly mode: 'within' | 'outside'; readonly ids: readonly string[] }
  /** Full-text: the resource's narrative (`_text`) or whole text (`_content`) satisfies `query`. */
  | { readonly kind: 'text'; readonly param: '_text' | '_content'; readonly query: TextQuery }
  /** A position in `param` lies within `distance` metres (great-circle) of the point (WGS84 degrees). */
  | { readonly kind: 'near'; readonly param: string; readonly latitude: number; readonly longitude: number; readonly distance: number }
  /**
   * Rows of several index tables that came from the same repeating element (composite parameters
   * of three or more components): every part's row has param `prefix` + an element key + the part's
   * `suffix`, the element key the same for all parts, and satisfies the part's `where`.
   */
  | { readonly kind: 'tuple'; readonly prefix: string; readonly parts: readonly { readonly table: IndexTable; readonly suffix: string; readonly where: Cond }[] };

/** A full-text query: terms (a word, or a phrase of words in order; the last one a prefix if `prefix`) combined with AND and OR. */
export type TextQuery =
  | { readonly op: 'term'; readonly words: readonly string[]; readonly prefix: boolean }
  | { readonly op: 'and' | 'or'; readonly args: readonly TextQuery[] };

/** What results are ordered by: a resource column or an aggregate of a parameter's index rows. */
export type SortKey =
  | { readonly kind: 'column'; readonly column: 'id' | 'last_updated' }
  | { readonly kind: 'index'; readonly table: IndexTable; readonly param: string; readonly column: string; readonly aggregate: 'min' | 'max' }
  /** The great-circle distance from a point to the nearest position in `param` (as a value that orders like it). */
  | { readonly kind: 'distance'; readonly param: string; readonly latitude: number; readonly longitude: number };

export interface SortBy {
  readonly key: SortKey;
  readonly descending: boolean;
}

/** Keyset position: the sort values and rid of the row a page starts after (or before, going back). */
export interface Keyset {
  readonly values: readonly Value[];
  readonly rid: number;
  readonly backwards: boolean;
}

export interface SearchPlan {
  /** Resource types searched; undefined means every type. */
  readonly types?: readonly string[];
  readonly filter: Filter;
  readonly sort: readonly SortBy[];
  /** Rows to return at most. */
  readonly limit: number;
  readonly after?: Keyset;
  /**
   * How the page is found when there is no `sort`: by default the most selective criterion drives
   * (its index rows first). With `candidates`, the current resources of `types` are read in rid
   * order (after `after`; only the `first` ones when given) and every criterion is checked on each,
   * until the page is full: for criteria that match many index rows but whose first matches come
   * early in rid order, such as `_has` on a common code (search/page.ts chooses).
   */
  readonly candidates?: { readonly first?: number };
  /**
   * How a page with one `sort` key is found: by default every match's sort value is read and the
   * matches sorted. With `walk`, the key's index rows are read in the key's order instead (at most
   * `budget` of them; SqlCompiler.walks says which keys can), each checked by every criterion,
   * until the page is full: for criteria that match much of the type (search/page.ts chooses).
   */
  readonly walk?: { readonly budget: number };
}

/** One row of a page: the resource and its sort values `k0..kn`. */
export interface PlanRow {
  rid: number;
  resourceType: string;
  id: string;
  versionId: number;
  lastUpdated: number;
  content: string;
  keys: Value[];
  /** Its Patient compartments, when the query was asked for them (RowOptions). */
  patients?: string[];
}

/** Resources an `_include` follows: references in `param` (any when undefined) of the given rows. */
export interface IncludeStep {
  readonly sourceType: string;
  readonly param?: string;
  readonly targetType?: string;
}

/** Resources a `_revinclude` adds: those of `sourceType` whose `param` refers to one of the targets. */
export interface RevIncludeStep {
  readonly sourceType: string;
  readonly param?: string;
}

/** All of `filters` (those that always hold left out). */
export const and = (filters: Filter[]): Filter => {
  const some = filters.filter((f) => f.kind !== 'true');
  return some.length === 0 ? { kind: 'true' } : some.length === 1 ? some[0] : { kind: 'and', filters: Object.freeze(some) };
};
/** Any of `filters` (those that never hold left out). */
export const or = (filters: Filter[]): Filter => {
  const some = filters.filter((f) => f.kind !== 'false');
  return some.length === 0 ? { kind: 'false' } : some.length === 1 ? some[0] : { kind: 'or', filters: Object.freeze(some) };
};
export const condAnd = (conds: Cond[]): Cond => (conds.length === 0 ? { op: 'true' } : conds.length === 1 ? conds[0] : { op: 'and', conds: Object.freeze(conds) });
export const condOr = (conds: Cond[]): Cond => (conds.length === 0 ? { op: 'false' } : conds.length === 1 ? conds[0] : { op: 'or', conds: Object.freeze(conds) });
