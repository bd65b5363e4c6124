export type { StoredVersion, IndexRows, HistoryQuery, HistoryPage, Criterion, OutboxEvent, StoreReader, StoreTx, ResourceStore, CompiledQuery } from './types.ts';
export { openStore } from './open.ts';
