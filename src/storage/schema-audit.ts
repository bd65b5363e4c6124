/** Migration 3: AuditEvents (audit/). */
import type { Migration, SchemaDialect } from './schema.ts';

export function auditMigrations(_d: SchemaDialect): Migration[] {
  return [];
}
