export type { StoredVersion, IndexRows, HistoryQuery, HistoryPage, OutboxEvent, ReindexEntry, StoreReader, StoreTx, ResourceStore, CompiledQuery } from './types.ts';
export { openStore, DEFAULT_READERS, type StoreOptions } from './open.ts';
