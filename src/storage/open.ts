/** Opens the store a `--store` / MERIDIAN_STORE value names: `sqlite:PATH` or `postgres://...`. */
import { SqliteStore } from './sqlite/sqlite-store.ts';
import type { ResourceStore } from './types.ts';

export { DEFAULT_READERS } from './sqlite/sqlite-store.ts';

export interface StoreOptions {
  /** SQLite: reader threads for searches (0: none, searches run on the main thread); PostgreSQL ignores it. */
  readers?: number;
}

export async function openStore(spec: string, options: StoreOptions = {}): Promise<ResourceStore> {
  let store: ResourceStore;
  if (spec.startsWith('sqlite:')) {
    store = new SqliteStore(spec.slice('sqlite:'.length) || './data/meridian.db', { readers: options.readers });
  } else if (spec.startsWith('postgres://') || spec.startsWith('postgresql://')) {
    const { PostgresStore } = await import('./postgres/postgres-store.ts');
    store = new PostgresStore(spec);
  } else {
    throw new Error(`Unknown store "${spec}": use sqlite:PATH (for example sqlite:./data/meridian.db) or postgres://user@host:port/database`);
  }
  await store.migrate();
  return store;
}
