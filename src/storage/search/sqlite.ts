/** SQLite: `?` placeholders; a prefix match as a range over the binary collation, so the lookup index serves it. */
import { SqlCompiler, type Params } from './compiler.ts';
import type { CompiledQuery } from '../types.ts';

const MAX_CHAR = '\u{10FFFF}';

export class SqliteCompiler extends SqlCompiler {
  protected override placeholder(): string {
    return '?';
  }

  protected override startsWith(col: string, value: string, p: Params): string {
    return `(${col} >= ${p.add(value)} AND ${col} < ${p.add(value + MAX_CHAR)})`;
  }

  protected override inList(col: string, values: readonly string[], p: Params): string {
    return `${col} IN (SELECT value FROM json_each(${p.add(JSON.stringify(values))}))`;
  }

  override explain(query: CompiledQuery): CompiledQuery {
    return { text: `EXPLAIN QUERY PLAN ${query.text}`, params: query.params };
  }
}
