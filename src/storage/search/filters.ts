/**
 * Renders the criteria of a search plan (its filters and conditions) to SQL. Criteria on index
 * rows become `rid IN (SELECT rid FROM idx_… WHERE resource_type = ? AND param = ? AND …)` when
 * they drive the query, which both databases can read from the index's lookup key, so the most
 * selective criterion leads; the others probe each candidate row (`EXISTS (… WHERE rid = r.rid)`).
 * The queries built on them (the page, counts, includes) are in compiler.ts.
 */
import type { Cond, Filter, TextQuery } from './plan.ts';
import { CondCompiler, type Params } from './conds.ts';
import { nearSql } from './geo.ts';

/** Beyond this many resource types a `rare` negation just probes each row (asking whether any matches would cost a lookup per type). */
const MAX_LISTED_TYPES = 8;

export interface Scope {
  alias: string;
  /** Resource types the rows of `alias` can have (undefined: any). */
  types?: readonly string[];
}

export class FilterCompiler extends CondCompiler {
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

  /**
   * How early a criterion should be applied: the lowest rank drives the query (read from its
   * index), the others are checked per candidate row. A static guess, good for typical FHIR data.
   */
  protected rank(f: Filter): number {
    switch (f.kind) {
      case 'resource':
        return namesColumn(f.where, 'id') ? 0 : 7;
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
      case 'not': {
        const probe = `NOT (${this.filter(f.filter, scope, p, false)})`;
        const inner = f.filter;
        if (inner.kind !== 'index' || !inner.rare || !scope.types || scope.types.length > MAX_LISTED_TYPES) return probe;
        // asked once per query (an uncorrelated subquery) from the lookup index: when no resource of these types matches, no row is probed
        const i = this.nextAlias('i');
        const any = [this.typeCond(`${i}.resource_type`, scope.types, p), `${i}.param = ${p.add(inner.param)}`, this.cond(inner.where, i, p)];
        return `(NOT EXISTS (SELECT 1 FROM ${inner.table} ${i} WHERE ${any.join(' AND ')}) OR ${probe})`;
      }
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
        const target = this.typeCond(`${x}.target_type`, scope.types, p) ?? `${x}.target_type = ${a}.resource_type`;
        const refers = [`${x}.resource_type = ${p.add(f.type)}`, `${x}.param = ${p.add(f.param)}`, target];
        // a deleted resource has no index rows: criteria on index rows alone need not read the referring resource's row
        const indexed = this.onIndexesOnly(f.filter);
        if (!drive && indexed) {
          // probe: the references to this resource, each checked on the referring resource's index rows until one matches
          const where = [...refers, `${x}.target_id = ${a}.id`, this.filter(f.filter, { alias: x, types: [f.type] }, p, false)];
          return `EXISTS (SELECT 1 FROM idx_reference ${x} WHERE ${where.join(' AND ')})`;
        }
        const r = this.nextAlias('r');
        if (!drive) {
          // probe: the references to this resource, then whether the referring resource matches
          const where = [...refers, `${x}.target_id = ${a}.id`, `${r}.resource_type = ${p.add(f.type)}`, this.notDeleted(r), this.filter(f.filter, { alias: r, types: [f.type] }, p, false)];
          return `EXISTS (SELECT 1 FROM idx_reference ${x} JOIN resources ${r} ON ${r}.rid = ${x}.rid WHERE ${where.join(' AND ')})`;
        }
        if (indexed && this.drivesByRid(f.filter)) {
          // drive from the referring resources' index rows straight to their references
          return `${a}.id IN (SELECT ${x}.target_id FROM idx_reference ${x} WHERE ${[this.filter(f.filter, { alias: x, types: [f.type] }, p), ...refers].join(' AND ')})`;
        }
        // drive: the matching referring resources first (CROSS JOIN keeps that order in SQLite), then their references
        const where = [this.resourceWhere(r, f.type, f.filter, p), `${x}.rid = ${r}.rid`, ...refers];
        return `${a}.id IN (SELECT ${x}.target_id FROM resources ${r} CROSS JOIN idx_reference ${x} WHERE ${where.join(' AND ')})`;
      }
    }
  }


  /**
   * Whether a filter reads index rows only (by rid), never the resource row's own columns (id, type,
   * last_updated): then it can be checked on a resource's index rows (its rid) without its row.
   */
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
      case 'patients':
      case 'true':
      case 'false':
        return true;
      default:
        return false;
    }
  }

  /** The filter that drives the query, when it hands over rids of the plan's types (so the type needs no check of its own). */
  protected drivesByRid(f: Filter): boolean {
    if (f.kind === 'or') return f.filters.length > 0 && f.filters.every((x) => this.drivesByRid(x));
    if (f.kind === 'and') return f.filters.length > 0 && this.drivesByRid([...f.filters].sort((x, y) => this.rank(x) - this.rank(y))[0]);
    return (f.kind === 'index' && f.where.op !== 'true') || f.kind === 'compartment' || f.kind === 'chain' || f.kind === 'near' || f.kind === 'tuple';
  }

  /** Conditions for current resources of `type` (alias `r`) matching `filter`, the filter driving. */
  protected resourceWhere(r: string, type: string, filter: Filter, p: Params): string {
    const typed = this.drivesByRid(filter) ? undefined : `${r}.resource_type = ${p.add(type)}`;
    return [typed, this.notDeleted(r), this.filter(filter, { alias: r, types: [type] }, p)].filter((x) => x && x !== '1 = 1').join(' AND ');
  }
}

/** Whether a condition names `column`. */
function namesColumn(c: Cond, column: string): boolean {
  if (c.op === 'and' || c.op === 'or') return c.conds.some((x) => namesColumn(x, column));
  if (c.op === 'not') return namesColumn(c.cond, column);
  return 'column' in c && c.column === column;
}

/** A text query as PostgreSQL tsquery input: 'heart' <-> 'rat':* & ( 'a' | 'b' ). */
export function tsquery(q: TextQuery): string {
  if (q.op === 'term') {
    const words = q.words.map((w) => `'${w.replace(/['\\]/g, (c) => `\\${c}`)}'`);
    if (q.prefix) words[words.length - 1] += ':*';
    return words.length === 1 ? words[0] : `(${words.join(' <-> ')})`;
  }
  return `(${q.args.map(tsquery).join(q.op === 'and' ? ' & ' : ' | ')})`;
}