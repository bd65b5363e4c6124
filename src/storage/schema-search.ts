/** Migration 5: full-text search (search/). */
import type { Migration, SchemaDialect } from './schema.ts';

export function searchMigrations(_d: SchemaDialect): Migration[] {
  return [];
}
