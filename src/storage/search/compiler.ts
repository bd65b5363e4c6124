/**
 * Renders a search plan to SQL: the page, the count, includes, and the other queries the search
 * and its jobs need. The default compiler speaks standard SQL with `$n` placeholders; a dialect
 * overrides only what differs (see sqlite.ts, postgres.ts). The criteria are rendered by
 * filters.ts, their conditions by conds.ts.
 */
import type { CompiledQuery } from '../types.ts';
import type { Cond, Filter, IncludeStep, IndexTable, Keyset, RevIncludeStep, SearchPlan, SortBy, Value } from './plan.ts';
import type { Params } from './conds.ts';
import { FilterCompiler } from './filters.ts';
import { haversineSql } from './geo.ts';

/** A row of the `jobs` table (background work such as `$reindex`); params and result are JSON text. */
export interface JobRow {
  id: string;
  kind: string;
  status: 'queued' | 'in-progress' | 'completed' | 'failed' | 'cancelled';
  progress: number;
  params: string | null;
  result: string | null;
  created: number;
  updated: number;
}
const ROW_COLUMNS = 'r.rid, r.resource_type, r.id, r.version_id, r.last_updated, r.content';

/** Sort keys whose index a page can walk in key order (SqlCompiler.walks): table → columns. */
const WALKS: Partial<Record<IndexTable, readonly string[]>> = { idx_date: ['high', 'low'], idx_string: ['value'], idx_token: ['code'] };

/** What a query returning resource rows returns besides them. */
export interface RowOptions {
  /** `patients`: the row's Patient compartments, comma-separated (ids have no commas), or NULL (for access checks and the audit trail, without a query of their own). */
  patients?: boolean;
}

export class SqlCompiler extends FilterCompiler {
  /**
   * Whether a page by candidates (candidatePage) stops probing once the page is full. SQLite keeps
   * the CTE's rid order and stops at the limit; PostgreSQL probes every candidate and sorts the
   * matches, so a page by candidates costs it a probe of each one (search/page.ts weighs that).
   */
  readonly probesStopAtLimit: boolean = false;

  protected sortExpr(s: SortBy, p: Params): string {
    const k = s.key;
    if (k.kind === 'column') return this.column('r', k.column);
    if (k.kind === 'distance') {
      const g = this.nextAlias('s');
      return `(SELECT MIN(${haversineSql(g, k.latitude, k.longitude, p)}) FROM idx_position ${g} WHERE ${g}.rid = r.rid AND ${g}.param = ${p.add(k.param)})`;
    }
    const i = this.nextAlias('s');
    return `(SELECT ${k.aggregate.toUpperCase()}(${this.column(i, k.column)}) FROM ${k.table} ${i} WHERE ${i}.rid = r.rid AND ${i}.param = ${p.add(k.param)})`;
  }

  /** Rows after (or before) the keyset position, in the order of `sort` then rid; NULL sort values last. */
  protected keyset(sort: readonly SortBy[], after: Keyset, keyCols: string[], p: Params): string {
    const alternatives: string[] = [];
    const equal: string[] = [];
    sort.forEach((s, n) => {
      const k = keyCols[n];
      const v = after.values[n] ?? null;
      const ascending = s.descending === after.backwards;
      let beyond: string;
      if (!after.backwards) beyond = v === null ? '1 = 0' : `(${k} IS NULL OR ${k} ${ascending ? '>' : '<'} ${p.add(v)})`;
      else beyond = v === null ? `${k} IS NOT NULL` : `${k} ${ascending ? '>' : '<'} ${p.add(v)}`;
      alternatives.push([...equal, beyond].join(' AND '));
      equal.push(v === null ? `${k} IS NULL` : `${k} = ${p.add(v)}`);
    });
    alternatives.push([...equal, `rid ${after.backwards ? '<' : '>'} ${p.add(after.rid)}`].join(' AND '));
    return `(${alternatives.map((x) => `(${x})`).join(' OR ')})`;
  }

  protected where(plan: Pick<SearchPlan, 'types' | 'filter'>, p: Params): string {
    // a resource_type condition on resources would lead SQLite to scan the type; the driving index rows already carry it
    const typed = plan.types && !this.drivesByRid(plan.filter) ? this.typeCond('r.resource_type', plan.types, p) : undefined;
    const parts = [typed, this.notDeleted('r'), this.filter(plan.filter, { alias: 'r', types: plan.types }, p)];
    return parts.filter((x) => x && x !== '1 = 1').join(' AND ');
  }

  /** `string_agg` (PostgreSQL), `group_concat` (SQLite): the values of `expr`, comma-separated. */
  protected commaList(expr: string): string {
    return `string_agg(${expr}, ',')`;
  }

  /** The row columns of alias `r`, and what `opts` asks besides. */
  private rowColumns(opts: RowOptions): string {
    if (!opts.patients) return ROW_COLUMNS;
    return `${ROW_COLUMNS}, (SELECT ${this.commaList('pc.compartment_id')} FROM idx_compartment pc WHERE pc.rid = r.rid AND pc.param = 'Patient') AS patients`;
  }

  /** The page: rows with columns rid, resource_type, id, version_id, last_updated, content (unless `idsOnly`), k0…kn. */
  select(plan: SearchPlan, opts: RowOptions & { idsOnly?: boolean } = {}): CompiledQuery {
    const p = this.newParams();
    const columns = opts.idsOnly ? 'r.rid, r.resource_type, r.id' : this.rowColumns(opts);
    const back = plan.after?.backwards ?? false;
    const keyExprs = plan.sort.map((s) => this.sortExpr(s, p));
    const keyCols = plan.sort.map((_, n) => `k${n}`);
    const where = this.where(plan, p);
    const order = (prefix: string, rid: string) =>
      [
        ...plan.sort.flatMap((s, n) => {
          const desc = s.descending !== back;
          const key = `${prefix}${keyCols[n]}${desc ? ' DESC' : ''}`;
          // a column of the row (_id, _lastUpdated) is never NULL: without the NULLs-last term an
          // index on (resource_type, column) gives the order, and a page reads a page's worth of it
          // (Observation?_sort=-_lastUpdated&_count=10 on the 250k bench store: 137 ms → under 5)
          return s.key.kind === 'column' ? [key] : [`(${prefix}${keyCols[n]} IS NULL)${back ? ' DESC' : ''}`, key];
        }),
        `${rid}${back ? ' DESC' : ''}`,
      ].join(', ');
    // the page is chosen on rids and sort keys alone, then its rows are read: sorting many matches whole (their JSON) is what makes a page slow
    if (plan.walk && this.walks(plan)) return p.finish(this.walkPage(plan, plan.walk.budget, columns, p));
    if (plan.candidates && !plan.sort.length && plan.types && !back) return p.finish(this.candidatePage(plan, plan.types, plan.candidates.first, columns, p));
    if (!plan.sort.length) {
      const driven = this.drivenPage(plan, p);
      if (driven) return p.finish(`SELECT ${columns} FROM resources r WHERE r.rid IN (${driven}) ORDER BY ${order('', 'r.rid')}`);
      const keyset = plan.after ? ` AND r.rid ${back ? '<' : '>'} ${p.add(plan.after.rid)}` : '';
      const page = `SELECT r.rid FROM resources r WHERE ${where}${keyset} ORDER BY ${order('', 'r.rid')} LIMIT ${p.add(plan.limit)}`;
      return p.finish(`SELECT ${columns} FROM resources r WHERE r.rid IN (${page}) ORDER BY ${order('', 'r.rid')}`);
    }
    const inner = `SELECT r.rid, ${keyExprs.map((e, n) => `${e} AS ${keyCols[n]}`).join(', ')} FROM resources r WHERE ${where}`;
    const keyset = plan.after ? ` WHERE ${this.keyset(plan.sort, plan.after, keyCols, p)}` : '';
    const page = `SELECT * FROM (${inner}) t${keyset} ORDER BY ${order('', 'rid')} LIMIT ${p.add(plan.limit)}`;
    return p.finish(`SELECT ${columns}, ${keyCols.map((k) => `t.${k}`).join(', ')} FROM (${page}) t JOIN resources r ON r.rid = t.rid ORDER BY ${order('t.', 't.rid')}`);
  }

  /**
   * Whether a page of `plan` can be found by walking its sort key's index (SearchPlan `walk`): one
   * type, one key, a resource's first row in the walk's order holding its key — its lowest value
   * for an ascending sort (MIN), its highest for a descending one (MAX) — and an index that gives
   * that order: idx_date_high for the latest date, idx_date_lookup for the earliest,
   * idx_string_lookup and idx_token_lookup in both directions (backwards too, for a `previous`
   * page). Not from a cursor among the resources without a value (they come last, and are not in
   * the index).
   */
  walks(plan: SearchPlan): boolean {
    if (plan.types?.length !== 1 || plan.sort.length !== 1) return false;
    const { key, descending } = plan.sort[0];
    if (key.kind !== 'index' || key.aggregate !== (descending ? 'max' : 'min')) return false;
    if (plan.after && (plan.after.values[0] ?? null) === null) return false;
    return WALKS[key.table]?.includes(key.column) ?? false;
  }

  /**
   * The page by walking the sort key's index (see `walks`): the first `budget` index rows of the
   * type and parameter in the key's order (after the keyset), each kept if it holds its resource's
   * key and the resource is current and satisfies every criterion (probed by rid), until the page
   * is full. A resource whose key appears in two of its rows comes twice (search/page.ts keeps the
   * first); one without a value never comes. Each row also carries `w_walked`, how many index rows
   * the walk read: fewer than the budget means the index had no more in that direction.
   */
  protected walkPage(plan: SearchPlan, budget: number, columns: string, p: Params): string {
    const { key, descending } = plan.sort[0];
    if (key.kind !== 'index') throw new Error('walkPage: the sort key is not an index column');
    // backwards (a `previous` page), the walk goes the other way from the cursor, and its rows are reversed afterwards as any backward page's are
    const back = plan.after?.backwards ?? false;
    const dir = descending !== back ? ' DESC' : '';
    const ridDir = back ? ' DESC' : '';
    const x = this.nextAlias('w');
    const s = this.nextAlias('s');
    const conds = [`${x}.resource_type = ${p.add(plan.types![0])}`, `${x}.param = ${p.add(key.param)}`, `${x}.${key.column} IS NOT NULL`];
    if (plan.after) {
      const v = p.add(plan.after.values[0] ?? null);
      conds.push(`(${x}.${key.column} ${dir ? '<' : '>'} ${v} OR (${x}.${key.column} = ${v} AND ${x}.rid ${back ? '<' : '>'} ${p.add(plan.after.rid)}))`);
    }
    const walked = `SELECT ${x}.rid, ${x}.${key.column} AS k0 FROM ${key.table} ${x} WHERE ${conds.join(' AND ')} ORDER BY ${x}.${key.column}${dir}, ${x}.rid${ridDir} LIMIT ${p.add(budget)}`;
    const holdsKey = `d.k0 = (SELECT ${key.aggregate.toUpperCase()}(${s}.${key.column}) FROM ${key.table} ${s} WHERE ${s}.rid = d.rid AND ${s}.param = ${p.add(key.param)})`;
    const checks = [this.notDeleted('r'), this.filter(plan.filter, { alias: 'r', types: plan.types }, p, false)].filter((c) => c !== '1 = 1');
    const matches = `EXISTS (SELECT 1 FROM resources r WHERE r.rid = d.rid AND ${checks.join(' AND ')})`;
    const page = `SELECT d.rid, d.k0 FROM d WHERE ${holdsKey} AND ${matches} ORDER BY d.k0${dir}, d.rid${ridDir} LIMIT ${p.add(plan.limit)}`;
    return `WITH d AS (${walked}) SELECT ${columns}, w.k0, (SELECT COUNT(*) FROM d) AS w_walked FROM (${page}) w JOIN resources r ON r.rid = w.rid ORDER BY w.k0${dir}, w.rid${ridDir}`;
  }

  /**
   * The rids of a page without `sort` whose criteria are driven by index rows (undefined
   * otherwise): the driving rids, distinct and in rid order, each joined to its row (LATERAL, so
   * the join cannot be turned around) and checked there by the other criteria, until the page is
   * full. PostgreSQL would otherwise often walk the whole primary key in rid order and merge it
   * with the driving rows, when it overestimates how many there are (a week's Observations, whose
   * wide-interval rows it guesses at thousands where there are none: 117 ms against 1 ms on the
   * bench data). SQLite, without LATERAL, already plans `rid IN (…)` this way (sqlite.ts).
   */
  protected drivenPage(plan: SearchPlan, p: Params): string | undefined {
    if (plan.candidates || !this.drivesByRid(plan.filter)) return undefined;
    const parts = [...conjuncts(plan.filter)].sort((x, y) => this.rank(x) - this.rank(y));
    // the driving criterion must hand over rids of the plan's types (the type is not checked again)
    if (!this.drivesByRid(parts[0])) return undefined;
    const scope = { alias: 'r', types: plan.types };
    const head = this.filter(parts[0], scope, p);
    const prefix = 'r.rid IN (';
    if (!head.startsWith(prefix) || !head.endsWith(')')) return undefined;
    const back = plan.after?.backwards ?? false;
    const keyset = plan.after ? ` WHERE d.rid ${back ? '<' : '>'} ${p.add(plan.after.rid)}` : '';
    const checks = [this.notDeleted('r'), ...parts.slice(1).map((f) => this.filter(f, scope, p, false))].filter((x) => x !== '1 = 1');
    const driving = `SELECT DISTINCT d.rid FROM (${head.slice(prefix.length, -1)}) d${keyset}`;
    return `SELECT d.rid FROM (${driving}) d CROSS JOIN LATERAL (SELECT 1 FROM resources r WHERE r.rid = d.rid AND ${checks.join(' AND ')}) r ORDER BY d.rid${back ? ' DESC' : ''} LIMIT ${p.add(plan.limit)}`;
  }

  /**
   * The page by candidates (SearchPlan `candidates`): the current resources of `types` after the
   * keyset, in rid order (rid, resource_type, id from the (resource_type, id) index, without reading
   * their rows; only the `first` ones when given), each checked by every criterion as a probe
   * until the page is full; only then is a match's row read, for its deleted flag. SQLite keeps the
   * CTE's order, so it stops at the limit; PostgreSQL sorts what matched. Each row also carries
   * `c_last`, the last candidate's rid, and `c_count`, how many there were.
   */
  protected candidatePage(plan: SearchPlan, types: readonly string[], first: number | undefined, columns: string, p: Params): string {
    const range = [this.typeCond('r.resource_type', types, p), plan.after ? `r.rid > ${p.add(plan.after.rid)}` : undefined].filter(Boolean).join(' AND ');
    const c = `SELECT r.rid, r.resource_type, r.id FROM resources r WHERE ${range} ORDER BY r.rid${first === undefined ? '' : ` LIMIT ${p.add(first)}`}`;
    const probes = this.filter(plan.filter, { alias: 'c', types }, p, false);
    const page = `SELECT c.rid FROM c CROSS JOIN resources d WHERE ${probes} AND d.rid = c.rid AND ${this.notDeleted('d')} ORDER BY c.rid LIMIT ${p.add(plan.limit)}`;
    const probed = `(SELECT MAX(c.rid) FROM c) AS c_last, (SELECT COUNT(*) FROM c) AS c_count`;
    return `WITH c AS MATERIALIZED (${c}) SELECT ${columns}, ${probed} FROM resources r WHERE r.rid IN (${page}) ORDER BY r.rid`;
  }

  /**
   * What the choice of how to find a page rests on (search/page.ts), for a plan without `sort`
   * driven by index rows: its own (a one-type search), or those of a `_has` that drives it
   * (undefined otherwise). `n_in`, those index rows, counted up to `capIn`; and when there are
   * `many` or more, `n_out`, the candidates (resources of the plan's types after its keyset) up to
   * `capOut`. `driver` says which, since probing a candidate for a `_has` costs far more.
   */
  estimate(plan: SearchPlan, opts: { capIn: number; capOut: number; many: number }): (CompiledQuery & { driver: 'has' | 'index' }) | undefined {
    if (plan.sort.length || !plan.types || plan.after?.backwards || !this.onCandidateColumns(plan.filter)) return undefined;
    const driver = plan.filter.kind === 'and' ? [...plan.filter.filters].sort((x, y) => this.rank(x) - this.rank(y))[0] : plan.filter;
    const p = this.newParams();
    let driving: string | undefined;
    // a `_has` counts its target's index rows; a plain criterion of a one-type search its own
    if (driver?.kind === 'has') driving = this.drivingRows(driver.filter, driver.type, opts.capIn, p);
    else if ((driver?.kind === 'index' || driver?.kind === 'or') && plan.types.length === 1) driving = this.drivingRows(driver, plan.types[0], opts.capIn, p);
    if (!driving) return undefined;
    const candidates = [this.typeCond('r.resource_type', plan.types, p), plan.after ? `r.rid > ${p.add(plan.after.rid)}` : undefined].filter(Boolean).join(' AND ');
    const out = `(SELECT COUNT(*) FROM (SELECT 1 FROM resources r WHERE ${candidates} LIMIT ${p.add(opts.capOut)}) t)`;
    // the candidates are counted only when the index rows are many (CASE evaluates its branch only then)
    const query = p.finish(`SELECT e.n_in, CASE WHEN e.n_in >= ${p.add(opts.many)} THEN ${out} END AS n_out FROM (SELECT ${driving} AS n_in) e`);
    return { ...query, driver: driver.kind === 'has' ? 'has' : 'index' };
  }

  /** Whether a filter can be checked on a candidate (rid, resource_type, id) without its row: conditions on the row name only those columns. */
  private onCandidateColumns(f: Filter): boolean {
    if (f.kind === 'and' || f.kind === 'or') return f.filters.every((x) => this.onCandidateColumns(x));
    if (f.kind === 'not') return this.onCandidateColumns(f.filter);
    return f.kind !== 'resource' || columnsOf(f.where).every((c) => c === 'id' || c === 'resource_type');
  }

  /** A count (up to `cap` for each index read) of the index rows the filter would be driven by, when it is driven by index rows. */
  private drivingRows(f: Filter, type: string, cap: number, p: Params): string | undefined {
    if (f.kind === 'and') return f.filters.length ? this.drivingRows([...f.filters].sort((x, y) => this.rank(x) - this.rank(y))[0], type, cap, p) : undefined;
    if (f.kind === 'or') {
      const parts = f.filters.map((x) => this.drivingRows(x, type, cap, p));
      return parts.length && parts.every(Boolean) ? `(${parts.join(' + ')})` : undefined;
    }
    const i = this.nextAlias('i');
    let rows: string;
    if (f.kind === 'index' && f.where.op !== 'true') rows = `SELECT 1 FROM ${f.table} ${i} WHERE ${i}.resource_type = ${p.add(type)} AND ${i}.param = ${p.add(f.param)} AND ${this.cond(f.where, i, p)}`;
    else if (f.kind === 'compartment') rows = `SELECT 1 FROM idx_compartment ${i} WHERE ${i}.resource_type = ${p.add(type)} AND ${i}.param = ${p.add(f.compartment)} AND ${i}.compartment_id = ${p.add(f.id)}`;
    else return undefined;
    return `(SELECT COUNT(*) FROM (${rows} LIMIT ${p.add(cap)}) t)`;
  }

  /** `n`: how many current resources match. */
  count(plan: Pick<SearchPlan, 'types' | 'filter'>): CompiledQuery {
    const p = this.newParams();
    return p.finish(`SELECT COUNT(*) AS n FROM resources r WHERE ${this.where(plan, p)}`);
  }

  /**
   * Current resources referred to by `sources` through the steps' parameters, each once. Each step
   * names its source rows by rid, so the rid index drives (not the lookup index of every such
   * reference); the targets are found on the (resource_type, id) index, and only then are their rows read.
   */
  include(sources: readonly { rid: number; resourceType: string }[], steps: readonly IncludeStep[], opts: RowOptions = {}): CompiledQuery {
    const p = this.newParams();
    const stepConds = steps.flatMap((s) => {
      const rids = sources.filter((r) => r.resourceType === s.sourceType).map((r) => r.rid);
      if (!rids.length) return [];
      return [
        [`x.rid IN (${rids.map((r) => p.add(r)).join(', ')})`, s.param === undefined ? undefined : `x.param = ${p.add(s.param)}`, s.targetType === undefined ? undefined : `x.target_type = ${p.add(s.targetType)}`]
          .filter(Boolean)
          .join(' AND '),
      ];
    });
    const targets =
      `SELECT t.rid FROM idx_reference x CROSS JOIN resources t WHERE (${stepConds.length ? stepConds.map((c) => `(${c})`).join(' OR ') : '1 = 0'}) ` +
      `AND t.resource_type = x.target_type AND t.id = x.target_id`;
    return p.finish(`SELECT ${this.rowColumns(opts)} FROM resources r WHERE r.rid IN (${targets}) AND ${this.notDeleted('r')}`);
  }

  /** Current resources of the step's type that refer to one of `targets` of `targetType`. */
  revinclude(targetType: string, targetIds: readonly string[], step: RevIncludeStep, opts: RowOptions = {}): CompiledQuery {
    const p = this.newParams();
    const where = [
      `x.resource_type = ${p.add(step.sourceType)}`,
      step.param === undefined ? undefined : `x.param = ${p.add(step.param)}`,
      `x.target_type = ${p.add(targetType)}`,
      `x.target_id IN (${targetIds.map((id) => p.add(id)).join(', ')})`,
      this.notDeleted('r'),
    ].filter(Boolean);
    return p.finish(`SELECT ${this.rowColumns(opts)} FROM idx_reference x JOIN resources r ON r.rid = x.rid WHERE ${where.join(' AND ')}`);
  }

  /** Current resources of `types` (any when undefined) after `afterRid`, in rid order: for walking a whole type in batches. */
  scan(types: readonly string[] | undefined, afterRid: number, limit: number): CompiledQuery {
    const p = this.newParams();
    const where = [this.typeCond('r.resource_type', types, p), this.notDeleted('r'), `r.rid > ${p.add(afterRid)}`].filter(Boolean);
    return p.finish(`SELECT ${ROW_COLUMNS} FROM resources r WHERE ${where.join(' AND ')} ORDER BY r.rid LIMIT ${p.add(limit)}`);
  }

  /** Per type: `resource_type`, `t` the latest change (deletions included) and `n` the rows; cheap on the (resource_type, last_updated) index. */
  changeStamp(types: readonly string[]): CompiledQuery {
    const p = this.newParams();
    return p.finish(`SELECT r.resource_type, MAX(r.last_updated) AS t, COUNT(*) AS n FROM resources r WHERE ${this.typeCond('r.resource_type', types, p)} GROUP BY r.resource_type`);
  }

  /** Creates or updates a row of the `jobs` table (returns its id). */
  saveJob(job: JobRow): CompiledQuery {
    const p = this.newParams();
    const values = [job.id, job.kind, job.status, job.progress, job.params, job.result, job.created, job.updated].map((v) => p.add(v));
    return p.finish(
      `INSERT INTO jobs (id, kind, status, progress, params, result, created, updated) VALUES (${values.join(', ')}) ` +
        `ON CONFLICT (id) DO UPDATE SET status = excluded.status, progress = excluded.progress, result = excluded.result, updated = excluded.updated RETURNING id`,
    );
  }

  readJob(id: string): CompiledQuery {
    const p = this.newParams();
    return p.finish(`SELECT id, kind, status, progress, params, result, created, updated FROM jobs WHERE id = ${p.add(id)}`);
  }

  /** The query plan the database would use (for operators). */
  explain(query: CompiledQuery): CompiledQuery {
    return { text: `EXPLAIN ${query.text}`, params: query.params };
  }
}

/** The criteria a filter requires all of (nested `and`s flattened). */
function conjuncts(f: Filter): Filter[] {
  return f.kind === 'and' ? f.filters.flatMap(conjuncts) : [f];
}

/** The columns a condition names. */
function columnsOf(c: Cond): string[] {
  if (c.op === 'and' || c.op === 'or') return c.conds.flatMap(columnsOf);
  if (c.op === 'not') return columnsOf(c.cond);
  return 'column' in c ? [c.column] : [];
}

export type { Value };
export { Params } from './conds.ts';
export { tsquery } from './filters.ts';
