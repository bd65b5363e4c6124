/**
 * Renders a search plan to SQL. The default compiler speaks standard SQL with `$n`
 * placeholders; a dialect overrides only what differs (see sqlite.ts, postgres.ts).
 *
 * Criteria on index rows become `rid IN (SELECT rid FROM idx_… WHERE resource_type = ? AND
 * param = ? AND …)`, which both databases can drive from the index's lookup key, so the most
 * selective criterion leads the query.
 */
import type { CompiledQuery } from '../types.ts';
import type { Cond, Filter, IncludeStep, Keyset, RevIncludeStep, SearchPlan, SortBy, TextQuery, Value } from './plan.ts';
import { haversineSql, nearSql } from './geo.ts';

const COLUMN = /^[a-z_]+$/;

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

/**
 * Collects parameters while one query is rendered. `add` returns a marker; `finish` turns the
 * markers into the dialect's placeholders in text order, so parts may be rendered in any order.
 */
export class Params {
  private readonly collected: unknown[] = [];
  constructor(private readonly placeholder: (n: number) => string) {}
  add(value: unknown): string {
    this.collected.push(value);
    return `\u0000${this.collected.length - 1}\u0000`;
  }
  finish(text: string): CompiledQuery {
    const params: unknown[] = [];
    const out = text.replace(/\u0000(\d+)\u0000/g, (_, i: string) => {
      params.push(this.collected[Number(i)]);
      return this.placeholder(params.length);
    });
    return { text: out, params };
  }
}

interface Scope {
  alias: string;
  /** Resource types the rows of `alias` can have (undefined: any). */
  types?: readonly string[];
}

export class SqlCompiler {
  private aliasCount = 0;

  /** `$1`, `$2`, … by default. */
  protected placeholder(n: number): string {
    return `$${n}`;
  }

  protected newParams(): Params {
    this.aliasCount = 0;
    return new Params((n) => this.placeholder(n));
  }

  protected column(alias: string, column: string): string {
    if (!COLUMN.test(column)) throw new Error(`Not a column name: ${column}`);
    return `${alias}.${column}`;
  }

  /** Escapes LIKE wildcards so that `value` matches literally (escape character `\`). */
  protected likeLiteral(value: string): string {
    return value.replace(/[\\%_]/g, (c) => `\\${c}`);
  }

  protected startsWith(col: string, value: string, p: Params): string {
    return `${col} LIKE ${p.add(this.likeLiteral(value) + '%')} ESCAPE '\\'`;
  }

  protected contains(col: string, value: string, p: Params): string {
    return `${col} LIKE ${p.add('%' + this.likeLiteral(value) + '%')} ESCAPE '\\'`;
  }

  /** `col` is one of `values` (any number of them, as one parameter). */
  protected inList(col: string, values: readonly string[], p: Params): string {
    return `${col} = ANY(${p.add(values)})`;
  }

  protected endsWith(col: string, value: string, p: Params): string {
    return `${col} LIKE ${p.add('%' + this.likeLiteral(value))} ESCAPE '\\'`;
  }

  /**
   * Full-text (`_text`, `_content`). PostgreSQL: the parameter's tsvector row, through its own GIN
   * index, against the query as a tsquery (phrases with `<->`, prefixes with `:*`).
   */
  protected textFilter(f: Extract<Filter, { kind: 'text' }>, scope: Scope, p: Params, drive: boolean): string {
    const t = this.nextAlias('t');
    // the parameter is written out (not bound) so that the planner picks the parameter's partial index
    const match = `${t}.param = '${f.param === '_text' ? '_text' : '_content'}' AND ${t}.value @@ ${p.add(tsquery(f.query))}::tsquery`;
    if (!drive) return `EXISTS (SELECT 1 FROM idx_text ${t} WHERE ${t}.rid = ${scope.alias}.rid AND ${match})`;
    return `${scope.alias}.rid IN (SELECT ${t}.rid FROM idx_text ${t} WHERE ${match})`;
  }

  protected notDeleted(alias: string): string {
    return `NOT ${alias}.deleted`;
  }

  cond(c: Cond, alias: string, p: Params): string {
    switch (c.op) {
      case 'true':
        return '1 = 1';
      case 'false':
        return '1 = 0';
      case 'eq':
        return c.value === null ? `${this.column(alias, c.column)} IS NULL` : `${this.column(alias, c.column)} = ${p.add(c.value)}`;
      case 'lt':
        return `${this.column(alias, c.column)} < ${p.add(c.value)}`;
      case 'le':
        return `${this.column(alias, c.column)} <= ${p.add(c.value)}`;
      case 'gt':
        return `${this.column(alias, c.column)} > ${p.add(c.value)}`;
      case 'ge':
        return `${this.column(alias, c.column)} >= ${p.add(c.value)}`;
      case 'in':
        if (!c.values.length) return '1 = 0';
        if (c.values.length === 1) return this.cond({ op: 'eq', column: c.column, value: c.values[0] }, alias, p);
        return `${this.column(alias, c.column)} IN (${c.values.map((v) => p.add(v)).join(', ')})`;
      case 'null':
        return `${this.column(alias, c.column)} IS NULL`;
      case 'not-null':
        return `${this.column(alias, c.column)} IS NOT NULL`;
      case 'starts-with':
        return this.startsWith(this.column(alias, c.column), c.value, p);
      case 'contains':
        return this.contains(this.column(alias, c.column), c.value, p);
      case 'ends-with':
        return this.endsWith(this.column(alias, c.column), c.value, p);
      case 'and':
      case 'or':
        if (!c.conds.length) return c.op === 'and' ? '1 = 1' : '1 = 0';
        return `(${c.conds.map((x) => this.cond(x, alias, p)).join(c.op === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `NOT (${this.cond(c.cond, alias, p)})`;
      case 'wide':
        // written as idx_date_wide's own predicate (a literal, not a parameter), so that both databases use that partial index
        return `${alias}.high > ${alias}.low + 86400000`;
      case 'not-composite':
        // idx_quantity_canonical's own predicate, written out the same way
        return `${alias}.param NOT LIKE '%$%'`;
    }
  }

  protected nextAlias(prefix: string): string {
    return `${prefix}${++this.aliasCount}`;
  }

  protected typeCond(col: string, types: readonly string[] | undefined, p: Params): string | undefined {
    if (!types) return undefined;
    if (types.length === 1) return `${col} = ${p.add(types[0])}`;
    return `${col} IN (${types.map((t) => p.add(t)).join(', ')})`;
  }

  /**
   * How early a criterion should be applied: the lowest rank drives the query (read from its
   * index), the others are checked per candidate row. A static guess, good for typical FHIR data.
   */
  protected rank(f: Filter): number {
    switch (f.kind) {
      case 'resource':
        return JSON.stringify(f.where).includes('"column":"id"') ? 0 : 7;
      case 'compartment':
        return 1;
      case 'index':
        if (f.where.op === 'true') return 8;
        return { idx_token: 2, idx_reference: 2, idx_uri: 2, idx_string: 3, idx_compartment: 1 }[f.table as string] ?? 6;
      case 'chain':
        return 4;
      case 'has':
        return 5;
      case 'near':
      case 'tuple':
        return 3;
      case 'text':
        return 4;
      case 'and':
        return Math.min(...f.filters.map((x) => this.rank(x)));
      case 'or':
        // alternatives that each read an index (a date window and its wide rows) drive together
        return f.filters.every((x) => this.drivesByRid(x)) ? Math.max(...f.filters.map((x) => this.rank(x))) : 9;
      default:
        return 9;
    }
  }

  /**
   * Renders a filter on `scope.alias`. A driving filter reads its index and hands the rows over
   * (`rid IN (SELECT …)`); a checking one probes the candidate row (`EXISTS (… WHERE rid = r.rid)`).
   */
  filter(f: Filter, scope: Scope, p: Params, drive = true): string {
    const a = scope.alias;
    switch (f.kind) {
      case 'true':
        return '1 = 1';
      case 'false':
        return '1 = 0';
      case 'and': {
        if (!f.filters.length) return '1 = 1';
        const ordered = [...f.filters].sort((x, y) => this.rank(x) - this.rank(y));
        return `(${ordered.map((x, n) => this.filter(x, scope, p, drive && n === 0)).join(' AND ')})`;
      }
      case 'or': {
        if (!f.filters.length) return '1 = 0';
        const parts = f.filters.map((x) => this.filter(x, scope, p, drive));
        // alternatives that each hand over rids become one list (PostgreSQL would otherwise test every row against each)
        const head = `${a}.rid IN (`;
        if (drive && parts.length > 1 && parts.every((x) => x.startsWith(head) && x.endsWith(')'))) return `${head}${parts.map((x) => x.slice(head.length, -1)).join(' UNION ')})`;
        return `(${parts.join(' OR ')})`;
      }
      case 'not':
        return `NOT (${this.filter(f.filter, scope, p, false)})`;
      case 'resource':
        return this.cond(f.where, a, p);
      case 'index': {
        const i = this.nextAlias('i');
        if (!drive) return `EXISTS (SELECT 1 FROM ${f.table} ${i} WHERE ${i}.rid = ${a}.rid AND ${i}.param = ${p.add(f.param)} AND ${this.cond(f.where, i, p)})`;
        const where = [this.typeCond(`${i}.resource_type`, scope.types, p), `${i}.param = ${p.add(f.param)}`, this.cond(f.where, i, p)].filter(Boolean);
        return `${a}.rid IN (SELECT ${i}.rid FROM ${f.table} ${i} WHERE ${where.join(' AND ')})`;
      }
      case 'compartment': {
        const c = this.nextAlias('c');
        if (!drive) return `EXISTS (SELECT 1 FROM idx_compartment ${c} WHERE ${c}.rid = ${a}.rid AND ${c}.param = ${p.add(f.compartment)} AND ${c}.compartment_id = ${p.add(f.id)})`;
        const where = [this.typeCond(`${c}.resource_type`, scope.types, p), `${c}.param = ${p.add(f.compartment)}`, `${c}.compartment_id = ${p.add(f.id)}`].filter(Boolean);
        return `${a}.rid IN (SELECT ${c}.rid FROM idx_compartment ${c} WHERE ${where.join(' AND ')})`;
      }
      case 'patients': {
        const c = this.nextAlias('c');
        if (!f.ids.length && f.mode === 'outside') return '1 = 1';
        const listed = f.ids.length ? this.inList(`${c}.compartment_id`, f.ids, p) : '1 = 0';
        const offending = f.mode === 'within' ? `NOT (${listed})` : listed;
        return `NOT EXISTS (SELECT 1 FROM idx_compartment ${c} WHERE ${c}.rid = ${a}.rid AND ${c}.param = 'Patient' AND ${offending})`;
      }
      case 'text':
        return this.textFilter(f, scope, p, drive);
      case 'near': {
        const g = this.nextAlias('g');
        const match = `${g}.param = ${p.add(f.param)} AND ${nearSql(g, f.latitude, f.longitude, f.distance, p)}`;
        if (!drive) return `EXISTS (SELECT 1 FROM idx_position ${g} WHERE ${g}.rid = ${a}.rid AND ${match})`;
        const where = [this.typeCond(`${g}.resource_type`, scope.types, p), match].filter(Boolean);
        return `${a}.rid IN (SELECT ${g}.rid FROM idx_position ${g} WHERE ${where.join(' AND ')})`;
      }
      case 'tuple': {
        // the first part's rows lead; each other part's row is found by rid and its param (the same element key)
        const [head, ...rest] = f.parts;
        const u = f.parts.map(() => this.nextAlias('u'));
        const key = `substr(${u[0]}.param, 1, length(${u[0]}.param) - ${head.suffix.length})`;
        const joins = rest.map((part, k) => `JOIN ${part.table} ${u[k + 1]} ON ${u[k + 1]}.rid = ${u[0]}.rid AND ${u[k + 1]}.param = ${key} || ${p.add(part.suffix)}`);
        const where = [
          this.startsWith(`${u[0]}.param`, f.prefix, p),
          this.endsWith(`${u[0]}.param`, head.suffix, p),
          ...f.parts.map((part, k) => this.cond(part.where, u[k], p)),
        ];
        const from = `${head.table} ${u[0]} ${joins.join(' ')}`;
        if (!drive) return `EXISTS (SELECT 1 FROM ${from} WHERE ${u[0]}.rid = ${a}.rid AND ${where.join(' AND ')})`;
        const typed = this.typeCond(`${u[0]}.resource_type`, scope.types, p);
        return `${a}.rid IN (SELECT ${u[0]}.rid FROM ${from} WHERE ${[typed, ...where].filter(Boolean).join(' AND ')})`;
      }
      case 'chain': {
        const x = this.nextAlias('x');
        if (!drive) {
          // probe: this resource's references, then whether their target is among the matching targets
          const targets = f.targets.map((t) => {
            const r = this.nextAlias('r');
            return `(${x}.target_type = ${p.add(t.type)} AND ${x}.target_id IN (SELECT ${r}.id FROM resources ${r} WHERE ${this.resourceWhere(r, t.type, t.filter, p)}))`;
          });
          const any = targets.length ? `(${targets.join(' OR ')})` : '1 = 0';
          return `EXISTS (SELECT 1 FROM idx_reference ${x} WHERE ${x}.rid = ${a}.rid AND ${x}.param = ${p.add(f.param)} AND ${any})`;
        }
        // drive: the matching targets first (CROSS JOIN keeps that order in SQLite), then the references to each
        const parts = f.targets.map((t) => {
          const r = this.nextAlias('r');
          const refers = [this.typeCond(`${x}.resource_type`, scope.types, p), `${x}.param = ${p.add(f.param)}`, `${x}.target_id = ${r}.id`, `${x}.target_type = ${p.add(t.type)}`].filter(Boolean);
          return `SELECT ${x}.rid FROM resources ${r} CROSS JOIN idx_reference ${x} WHERE ${this.resourceWhere(r, t.type, t.filter, p)} AND ${refers.join(' AND ')}`;
        });
        return parts.length ? `${a}.rid IN (${parts.join(' UNION ALL ')})` : '1 = 0';
      }
      case 'has': {
        const x = this.nextAlias('x');
        const r = this.nextAlias('r');
        const target = this.typeCond(`${x}.target_type`, scope.types, p) ?? `${x}.target_type = ${a}.resource_type`;
        const refers = [`${x}.resource_type = ${p.add(f.type)}`, `${x}.param = ${p.add(f.param)}`, target];
        if (!drive) {
          // probe: the references to this resource, then whether the referring resource matches
          const where = [...refers, `${x}.target_id = ${a}.id`, `${r}.resource_type = ${p.add(f.type)}`, this.notDeleted(r), this.filter(f.filter, { alias: r, types: [f.type] }, p, false)];
          return `EXISTS (SELECT 1 FROM idx_reference ${x} JOIN resources ${r} ON ${r}.rid = ${x}.rid WHERE ${where.join(' AND ')})`;
        }
        if (this.onIndexesOnly(f.filter) && this.drivesByRid(f.filter)) {
          // drive from the referring resources' index rows straight to their references: a deleted resource has no index rows, so its resources row need not be read
          return `${a}.id IN (SELECT ${x}.target_id FROM idx_reference ${x} WHERE ${[this.filter(f.filter, { alias: x, types: [f.type] }, p), ...refers].join(' AND ')})`;
        }
        // drive: the matching referring resources first (CROSS JOIN keeps that order in SQLite), then their references
        const where = [this.resourceWhere(r, f.type, f.filter, p), `${x}.rid = ${r}.rid`, ...refers];
        return `${a}.id IN (SELECT ${x}.target_id FROM resources ${r} CROSS JOIN idx_reference ${x} WHERE ${where.join(' AND ')})`;
      }
    }
  }

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

  /** Whether a filter reads index rows only (by rid), never the resource row's own columns (id, type, last_updated). */
  protected onIndexesOnly(f: Filter): boolean {
    switch (f.kind) {
      case 'and':
      case 'or':
        return f.filters.every((x) => this.onIndexesOnly(x));
      case 'not':
        return this.onIndexesOnly(f.filter);
      case 'index':
      case 'compartment':
      case 'near':
      case 'tuple':
      case 'text':
      case 'chain':
        return true;
      default:
        return false;
    }
  }

  /** The filter that drives the query, when it hands over rids of the plan's types (so the type needs no check of its own). */
  private drivesByRid(f: Filter): boolean {
    if (f.kind === 'or') return f.filters.length > 0 && f.filters.every((x) => this.drivesByRid(x));
    if (f.kind === 'and') return f.filters.length > 0 && this.drivesByRid([...f.filters].sort((x, y) => this.rank(x) - this.rank(y))[0]);
    return (f.kind === 'index' && f.where.op !== 'true') || f.kind === 'compartment' || f.kind === 'chain' || f.kind === 'near' || f.kind === 'tuple';
  }

  /** Conditions for current resources of `type` (alias `r`) matching `filter`, the filter driving. */
  private resourceWhere(r: string, type: string, filter: Filter, p: Params): string {
    const typed = this.drivesByRid(filter) ? undefined : `${r}.resource_type = ${p.add(type)}`;
    return [typed, this.notDeleted(r), this.filter(filter, { alias: r, types: [type] }, p)].filter((x) => x && x !== '1 = 1').join(' AND ');
  }

  private where(plan: Pick<SearchPlan, 'types' | 'filter'>, p: Params): string {
    // a resource_type condition on resources would lead SQLite to scan the type; the driving index rows already carry it
    const typed = plan.types && !this.drivesByRid(plan.filter) ? this.typeCond('r.resource_type', plan.types, p) : undefined;
    const parts = [typed, this.notDeleted('r'), this.filter(plan.filter, { alias: 'r', types: plan.types }, p)];
    return parts.filter((x) => x && x !== '1 = 1').join(' AND ');
  }

  /** The page: rows with columns rid, resource_type, id, version_id, last_updated, content (unless `idsOnly`), k0…kn. */
  select(plan: SearchPlan, opts: { idsOnly?: boolean } = {}): CompiledQuery {
    const p = this.newParams();
    const columns = opts.idsOnly ? 'r.rid, r.resource_type, r.id' : ROW_COLUMNS;
    const back = plan.after?.backwards ?? false;
    const keyExprs = plan.sort.map((s) => this.sortExpr(s, p));
    const keyCols = plan.sort.map((_, n) => `k${n}`);
    const where = this.where(plan, p);
    const order = (prefix: string, rid: string) =>
      [
        ...plan.sort.flatMap((s, n) => {
          const desc = s.descending !== back;
          return [`(${prefix}${keyCols[n]} IS NULL)${back ? ' DESC' : ''}`, `${prefix}${keyCols[n]}${desc ? ' DESC' : ''}`];
        }),
        `${rid}${back ? ' DESC' : ''}`,
      ].join(', ');
    // the page is chosen on rids and sort keys alone, then its rows are read: sorting many matches whole (their JSON) is what makes a page slow
    if (!plan.sort.length) {
      const keyset = plan.after ? ` AND r.rid ${back ? '<' : '>'} ${p.add(plan.after.rid)}` : '';
      const page = `SELECT r.rid FROM resources r WHERE ${where}${keyset} ORDER BY ${order('', 'r.rid')} LIMIT ${p.add(plan.limit)}`;
      return p.finish(`SELECT ${columns} FROM resources r WHERE r.rid IN (${page}) ORDER BY ${order('', 'r.rid')}`);
    }
    const inner = `SELECT r.rid, ${keyExprs.map((e, n) => `${e} AS ${keyCols[n]}`).join(', ')} FROM resources r WHERE ${where}`;
    const keyset = plan.after ? ` WHERE ${this.keyset(plan.sort, plan.after, keyCols, p)}` : '';
    const page = `SELECT * FROM (${inner}) t${keyset} ORDER BY ${order('', 'rid')} LIMIT ${p.add(plan.limit)}`;
    return p.finish(`SELECT ${columns}, ${keyCols.map((k) => `t.${k}`).join(', ')} FROM (${page}) t JOIN resources r ON r.rid = t.rid ORDER BY ${order('t.', 't.rid')}`);
  }

  /** `n`: how many current resources match. */
  count(plan: Pick<SearchPlan, 'types' | 'filter'>): CompiledQuery {
    const p = this.newParams();
    return p.finish(`SELECT COUNT(*) AS n FROM resources r WHERE ${this.where(plan, p)}`);
  }

  /**
   * Current resources referred to by `sources` through the steps' parameters. Each step names its
   * source rows by rid, so the rid index drives (not the lookup index of every such reference).
   */
  include(sources: readonly { rid: number; resourceType: string }[], steps: readonly IncludeStep[]): CompiledQuery {
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
    const text =
      `SELECT ${ROW_COLUMNS} FROM idx_reference x CROSS JOIN resources r WHERE (${stepConds.length ? stepConds.map((c) => `(${c})`).join(' OR ') : '1 = 0'}) ` +
      `AND r.resource_type = x.target_type AND r.id = x.target_id AND ${this.notDeleted('r')}`;
    return p.finish(text);
  }

  /** Current resources of the step's type that refer to one of `targets` of `targetType`. */
  revinclude(targetType: string, targetIds: readonly string[], step: RevIncludeStep): CompiledQuery {
    const p = this.newParams();
    const where = [
      `x.resource_type = ${p.add(step.sourceType)}`,
      step.param === undefined ? undefined : `x.param = ${p.add(step.param)}`,
      `x.target_type = ${p.add(targetType)}`,
      `x.target_id IN (${targetIds.map((id) => p.add(id)).join(', ')})`,
      this.notDeleted('r'),
    ].filter(Boolean);
    return p.finish(`SELECT ${ROW_COLUMNS} FROM idx_reference x JOIN resources r ON r.rid = x.rid WHERE ${where.join(' AND ')}`);
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

  /** The Patient compartments (`rid`, `compartment_id`) of the given resources. */
  patientCompartments(rids: readonly number[]): CompiledQuery {
    const p = this.newParams();
    return p.finish(`SELECT c.rid, c.compartment_id FROM idx_compartment c WHERE c.param = 'Patient' AND c.rid IN (${rids.map((r) => p.add(r)).join(', ') || 'NULL'})`);
  }

  /** The query plan the database would use (for operators). */
  explain(query: CompiledQuery): CompiledQuery {
    return { text: `EXPLAIN ${query.text}`, params: query.params };
  }
}

export type { Value };

/** A text query as PostgreSQL tsquery input: 'heart' <-> 'rat':* & ( 'a' | 'b' ). */
export function tsquery(q: TextQuery): string {
  if (q.op === 'term') {
    const words = q.words.map((w) => `'${w.replace(/['\\]/g, (c) => `\\${c}`)}'`);
    if (q.prefix) words[words.length - 1] += ':*';
    return words.length === 1 ? words[0] : `(${words.join(' <-> ')})`;
  }
  return `(${q.args.map(tsquery).join(q.op === 'and' ? ' & ' : ' | ')})`;
}
