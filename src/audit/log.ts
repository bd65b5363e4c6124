/**
 * The audit log: makes each interaction's audit record (the columns searches use, a compact
 * detail, the references it is indexed by; the AuditEvent is rendered from it when read) and
 * appends it to the audit tables — inside a write's own transaction, or group-committed for reads
 * and for failed writes.
 */
import type { ResourceStore, StoreTx } from '../storage/index.ts';
import { auditSqlFor, type AuditRow, type AuditSql } from '../storage/audit/index.ts';
import { auditRecord } from './build.ts';
import { GroupCommit } from './group-commit.ts';
import type { AuditInput, AuditLog, AuditLogOptions } from './types.ts';

/** Appends `rows` on `tx`, queued with the transaction's other writes (no round trip of their own on SQLite). */
async function append(sql: AuditSql, tx: StoreTx, rows: AuditRow[]): Promise<void> {
  for (const q of sql.insert(rows)) await tx.run(q);
}

/** Events queued by `recordSoon` and not yet stored beyond which callers wait for their own (back-pressure). */
const HIGH_WATER = 2000;

export function createAuditLog(store: ResourceStore, opts: AuditLogOptions): AuditLog {
  const sql = auditSqlFor(store.dialect);
  const build = (input: AuditInput): AuditRow => {
    const recorded = Number.isFinite(input.recorded) ? input.recorded : opts.now();
    return auditRecord(recorded === input.recorded ? input : { ...input, recorded }, opts.observer);
  };
  /** Events of `recordSoon` not yet stored (each settles once its batch has committed or failed). */
  const pending = new Set<Promise<void>>();
  let failing = false;
  const group = new GroupCommit<AuditRow>({
    write: (rows) => store.transaction((tx) => append(sql, tx, rows)),
    maxBatch: opts.maxBatch ?? 500,
    maxDelayMs: opts.maxDelayMs ?? 0,
    concurrency: opts.concurrency ?? (store.dialect === 'sqlite' ? 1 : 2),
  });
  return {
    async recordInTx(tx, input) {
      await append(sql, tx, [build(input)]);
    },
    record(input) {
      let row: AuditRow;
      try {
        row = build(input);
      } catch (err) {
        return Promise.reject(err);
      }
      return group.add(row);
    },
    recordSoon(input) {
      let row: AuditRow;
      try {
        row = build(input);
      } catch (err) {
        return Promise.reject(err);
      }
      const durable = group.add(row);
      const settled = durable.then(
        () => {
          pending.delete(settled);
          failing = false;
        },
        () => {
          pending.delete(settled);
          failing = true; // from now on every caller waits for its own event to be stored, and fails if it cannot be
        },
      );
      pending.add(settled);
      // fail closed: while the log is failing, or too far behind, the caller waits for durability
      return failing || pending.size > HIGH_WATER ? durable : Promise.resolve();
    },
    async flush() {
      await Promise.all([...pending]);
    },
    close: () => group.close(),
  };
}
