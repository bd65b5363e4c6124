/**
 * PostgreSQL: `$n` placeholders, LIKE … ESCAPE for contains/ends-with, and a prefix match as a
 * byte-wise range (`~>=~`, `~<~`) that the `text_pattern_ops` lookup index of string rows serves
 * whatever the database's collation, and in the generic plans of prepared statements, where a
 * `LIKE $1` pattern is unknown and no index range can be taken from it.
 */
import { SqlCompiler } from './compiler.ts';
import type { Params } from './conds.ts';

export class PostgresCompiler extends SqlCompiler {
  protected override startsWith(col: string, value: string, p: Params): string {
    return this.prefixRange(col, value, p, '~>=~', '~<~');
  }
}
