/** Migration 4: break-glass grants (access/). */
import type { Migration, SchemaDialect } from './schema.ts';

export function accessMigrations(_d: SchemaDialect): Migration[] {
  return [];
}
