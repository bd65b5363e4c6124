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

/** Events queued and not yet stored beyond which readers wait for their own (back-pressure). */
const HIGH_WATER = 10_000;

const RECORDED = Promise.resolve();

export function createAuditLog(store: ResourceStore, opts: AuditLogOptions): AuditLog {
  const sql = auditSqlFor(store.dialect);
  const build = (input: AuditInput): AuditRow => {
    const recorded = Number.isFinite(input.recorded) ? input.recorded : opts.now();
    return auditRecord(recorded === input.recorded ? input : { ...input, recorded }, opts.observer);
  };
  /** Set when a write of the log failed, until one succeeds: meanwhile every reader waits for its own event. */
  let failing = false;
  const group = new GroupCommit<AuditRow>({
    write: (rows) => store.transaction((tx) => append(sql, tx, rows)),
    maxBatch: opts.maxBatch ?? 5000,
    maxDelayMs: opts.maxDelayMs ?? 0,
    concurrency: opts.concurrency ?? (store.dialect === 'sqlite' ? 1 : 2),
    settled: (ok) => {
      failing = !ok;
    },
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
      // fail closed: while the log is failing, or too far behind, the caller waits until its event is stored
      if (failing || group.backlog >= HIGH_WATER) return group.add(row);
      return group.push(row) ? RECORDED : Promise.reject(new Error('The audit log is closed'));
    },
    flush: () => group.drain(),
    close: () => group.close(),
  };
}
