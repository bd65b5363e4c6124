/** The audit tables' SQL, one renderer per store dialect (see schema-audit.ts for the tables). */
import { PostgresAuditSql } from './postgres.ts';
import { SqliteAuditSql } from './sqlite.ts';
import type { AuditSql } from './compiler.ts';

export type { AuditSql } from './compiler.ts';
export * from './types.ts';

const renderers = { sqlite: new SqliteAuditSql(), postgres: new PostgresAuditSql() };

export function auditSqlFor(dialect: 'sqlite' | 'postgres'): AuditSql {
  return renderers[dialect];
}
