/** Migration 2: users, clients, authorization codes, refresh tokens, signing keys (access/). */
import type { Migration, SchemaDialect } from './schema.ts';

export function accountsMigrations(_d: SchemaDialect): Migration[] {
  return [];
}
