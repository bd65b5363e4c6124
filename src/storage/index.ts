export type { StoredVersion, IndexRows, HistoryQuery, HistoryPage, OutboxEvent, StoreReader, StoreTx, ResourceStore, CompiledQuery } from './types.ts';
export { openStore } from './open.ts';
