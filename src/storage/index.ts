export type { StoredVersion, IndexRows, HistoryQuery, HistoryPage, OutboxEvent, ReindexEntry, StoreReader, StoreTx, ResourceStore, CompiledQuery } from './types.ts';
export { openStore } from './open.ts';
