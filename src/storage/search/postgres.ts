/** PostgreSQL: the default compiler as it is (`$n` placeholders, LIKE … ESCAPE). */
import { SqlCompiler } from './compiler.ts';

export class PostgresCompiler extends SqlCompiler {}
