/**
 * `$reindex` as a background job: walks the current resources of the asked types in rid order,
 * in batches, re-extracting their index rows with the search parameters in use now, each batch
 * in its own transaction together with the job's progress (the `jobs` table). A resource changed
 * between the read and the rewrite is skipped by the store: its newer write indexed it already.
 *
 * The job runs in the process that accepted it. On shutdown it stops between batches and stays
 * `in-progress`; running it again is harmless (rewriting index rows is idempotent).
 */
import { randomUUID } from 'node:crypto';
import type { JobState, Resource } from '../interactions/types.ts';
import type { ReindexEntry, ResourceStore, StoreReader, StoreTx } from '../storage/index.ts';
import type { JobRow, SqlCompiler } from '../storage/search/index.ts';
import { indexResource } from './indexer.ts';
import type { SearchRegistry } from './registry.ts';

export const REINDEX_BATCH = 500;
const MAX_ERRORS_KEPT = 10;

export function toJobState(r: Record<string, unknown>): JobState {
  const json = (v: unknown) => (v === null || v === undefined ? undefined : (JSON.parse(String(v)) as Record<string, unknown>));
  return {
    id: String(r.id),
    kind: String(r.kind),
    status: String(r.status) as JobState['status'],
    progress: Number(r.progress),
    params: json(r.params) ?? {},
    result: json(r.result),
    created: Number(r.created),
    updated: Number(r.updated),
  };
}

export class Reindexer {
  private closed = false;
  private readonly running = new Set<Promise<void>>();

  constructor(
    private readonly registry: SearchRegistry,
    private readonly compiler: SqlCompiler,
  ) {}

  /** Records the job in `tx` and starts it once `tx` commits. */
  async start(store: ResourceStore, tx: StoreTx, types: string[] | undefined): Promise<string> {
    const now = Date.now();
    const job: JobRow = { id: randomUUID(), kind: 'reindex', status: 'queued', progress: 0, params: JSON.stringify({ types: types ?? null }), result: null, created: now, updated: now };
    await tx.select(this.compiler.saveJob(job));
    tx.afterCommit(() => {
      if (this.closed) return;
      const run = this.run(store, job, types).finally(() => this.running.delete(run));
      this.running.add(run);
    });
    return job.id;
  }

  async job(db: StoreReader, id: string): Promise<JobState | undefined> {
    const rows = await db.select(this.compiler.readJob(id));
    return rows[0] && toJobState(rows[0]);
  }

  /** Stops every job between batches and waits for them. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.running);
  }

  private async run(store: ResourceStore, job: JobRow, types: string[] | undefined): Promise<void> {
    const save = (tx: StoreReader, changes: Partial<JobRow>) => tx.select(this.compiler.saveJob(Object.assign(job, changes, { updated: Date.now() })));
    const tally = { processed: 0, reindexed: 0, errors: 0, messages: [] as string[] };
    try {
      const counted = await store.select(this.compiler.count({ types, filter: { kind: 'true' } }));
      const total = Number(counted[0]?.n ?? 0);
      await store.transaction((tx) => save(tx, { status: 'in-progress' }));
      for (let after = 0; !this.closed; ) {
        const rows = await store.select(this.compiler.scan(types, after, REINDEX_BATCH));
        if (!rows.length) break;
        const entries: ReindexEntry[] = [];
        for (const r of rows) {
          try {
            const resource = JSON.parse(String(r.content)) as Resource;
            entries.push({ resourceType: String(r.resource_type), id: String(r.id), versionId: Number(r.version_id), index: indexResource(this.registry, resource) });
          } catch (err) {
            tally.errors++;
            if (tally.messages.length < MAX_ERRORS_KEPT) tally.messages.push(`${String(r.resource_type)}/${String(r.id)}: ${(err as Error).message}`);
          }
        }
        tally.processed += rows.length;
        after = Number(rows[rows.length - 1].rid);
        const progress = total ? Math.min(1, tally.processed / total) : 1;
        const reindexed = await store.transaction(async (tx) => {
          const n = await tx.reindex(entries);
          await save(tx, { progress, result: JSON.stringify({ ...tally, total }) });
          return n;
        });
        tally.reindexed += reindexed;
      }
      if (this.closed) return;
      // many index rows changed: refresh the planner's statistics (PostgreSQL plans badly without them)
      await store.optimize().catch(() => undefined);
      await store.transaction((tx) => save(tx, { status: 'completed', progress: 1, result: JSON.stringify({ ...tally, total }) }));
    } catch (err) {
      await store.transaction((tx) => save(tx, { status: 'failed', result: JSON.stringify({ ...tally, error: (err as Error).message }) })).catch(() => undefined);
    }
  }
}
