/** SQLite: `?` placeholders; a prefix match as a range over the binary collation, so the lookup index serves it. */
import { SqlCompiler } from './compiler.ts';
import type { Params } from './conds.ts';
import type { CompiledQuery } from '../types.ts';
import type { Filter, TextQuery } from './plan.ts';

export class SqliteCompiler extends SqlCompiler {
  override readonly probesStopAtLimit = true;

  protected override placeholder(): string {
    return '?';
  }

  protected override startsWith(col: string, value: string, p: Params): string {
    return this.prefixRange(col, value, p, '>=', '<'); // SQLite's default collation is binary
  }

  protected override inList(col: string, values: readonly string[], p: Params): string {
    return `${col} IN (SELECT value FROM json_each(${p.add(JSON.stringify(values))}))`;
  }

  /**
   * Full-text: the FTS5 table (rowid = rid, a `narrative` and a `content` column) queried with a
   * column filter. Its rows do not carry the resource type, so it never stands in for the type check.
   */
  protected override textFilter(f: Extract<Filter, { kind: 'text' }>, scope: { alias: string }, p: Params): string {
    const t = this.nextAlias('t');
    const column = f.param === '_text' ? 'narrative' : 'content';
    return `${scope.alias}.rid IN (SELECT ${t}.rowid FROM idx_text ${t} WHERE ${t}.idx_text MATCH ${p.add(`{${column}} : (${fts5(f.query)})`)})`;
  }

  /** SQLite has no LATERAL, and needs none: it reads `rid IN (…)` first and the rows by rid in that order. */
  protected override drivenPage(): string | undefined {
    return undefined;
  }

  protected override commaList(expr: string): string {
    return `group_concat(${expr}, ',')`;
  }

  override explain(query: CompiledQuery): CompiledQuery {
    return { text: `EXPLAIN QUERY PLAN ${query.text}`, params: query.params };
  }
}

/** A text query in FTS5's syntax: "heart rate" AND "rat" * … (words are letters and digits; quotes doubled all the same). */
export function fts5(q: TextQuery): string {
  if (q.op === 'term') return `"${q.words.join(' ').replace(/"/g, '""')}"${q.prefix ? ' *' : ''}`;
  return `(${q.args.map(fts5).join(q.op === 'and' ? ' AND ' : ' OR ')})`;
}
