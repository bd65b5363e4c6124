/** The search plan and its compilers, one per store dialect. */
import { SqlCompiler } from './compiler.ts';
import { PostgresCompiler } from './postgres.ts';
import { SqliteCompiler } from './sqlite.ts';

export * from './plan.ts';
export { SqlCompiler, type JobRow, type RowOptions } from './compiler.ts';

export function compilerFor(dialect: 'sqlite' | 'postgres'): SqlCompiler {
  return dialect === 'sqlite' ? new SqliteCompiler() : new PostgresCompiler();
}
