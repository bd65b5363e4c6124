/**
 * Renders conditions on the columns of one row (of an index table or of `resources`) to SQL, with
 * the parameters collected on the way. The base of every dialect's compiler: a dialect overrides
 * the placeholders and the few operators that differ (prefix matches, lists).
 */
import type { CompiledQuery } from '../types.ts';
import type { Cond } from './plan.ts';

const COLUMN = /^[a-z_]+$/;

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
    // the text between markers and the markers' numbers alternate: text, number, text, …
    const parts = text.split('\u0000');
    const params: unknown[] = [];
    let out = parts[0];
    for (let i = 1; i + 1 < parts.length; i += 2) {
      params.push(this.collected[Number(parts[i])]);
      out += this.placeholder(params.length) + parts[i + 1];
    }
    return { text: out, params };
  }
}

export class CondCompiler {
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

  /**
   * A prefix match as a range of binary (byte-wise) order, which a lookup index serves:
   * `value` ≤ col < `value` + the last code point. `ge`/`lt` are the dialect's byte-wise operators.
   */
  protected prefixRange(col: string, value: string, p: Params, ge: string, lt: string): string {
    return `(${col} ${ge} ${p.add(value)} AND ${col} ${lt} ${p.add(value + '\u{10FFFF}')})`;
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
}
