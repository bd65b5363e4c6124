/**
 * The audit log: builds each interaction's AuditEvent and appends it to the audit tables — inside
 * a write's own transaction, or group-committed for reads and for failed writes.
 */
import type { ResourceStore, StoreTx } from '../storage/index.ts';
import { auditSqlFor, type AuditRow, type AuditSql } from '../storage/audit/index.ts';
import { buildAuditEvent } from './build.ts';
import { GroupCommit } from './group-commit.ts';
import type { AuditInput, AuditLog, AuditLogOptions } from './types.ts';

/** Appends `rows` on `tx`: every statement is sent before any answer is awaited (SQLite pipelines them to its writer). */
async function append(sql: AuditSql, tx: StoreTx, rows: AuditRow[]): Promise<void> {
  await Promise.all(sql.insert(rows).map((q) => tx.select(q)));
}

export function createAuditLog(store: ResourceStore, opts: AuditLogOptions): AuditLog {
  const sql = auditSqlFor(store.dialect);
  const build = (input: AuditInput): AuditRow => {
    const recorded = Number.isFinite(input.recorded) ? input.recorded : opts.now();
    return buildAuditEvent(recorded === input.recorded ? input : { ...input, recorded }, opts.observer);
  };
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
    close: () => group.close(),
  };
}
