/**
 * Migration 3: AuditEvents (audit/). They are the largest table and never change, so they live
 * in an append-only table of their own rather than in resources/history/index rows:
 *
 * - `audit_event`: one row per event — the columns searches filter on, and `detail`, a small JSON
 *   object of the rest (the full BALP AuditEvent is rendered from the row when it is read, see
 *   audit/build.ts). Its `seq` is the AuditEvent's id. Every lookup index ends in (recorded, seq),
 *   so each search reads its page newest first straight from one index, date range included, and
 *   pages by keyset. On SQLite an index ends in the rowid, which is `seq`, without naming it.
 * - `audit_entity`: one row per reference an event is found by — every patient as
 *   `Patient/{id}`, and the resource a single-resource read or a write touched, without version —
 *   keyed for "events about this patient / resource, newest first". On SQLite it is a WITHOUT
 *   ROWID table: the key is the table.
 */
import type { Migration, SchemaDialect } from './schema.ts';

export function auditMigrations(d: SchemaDialect): Migration[] {
  // The dialect is known here only by its column types; SQLite's booleans are integers.
  const sqlite = d.bool === 'INTEGER';
  /** The end of every lookup index: the event's time and seq (on SQLite the rowid, which every index ends in anyway). */
  const key = sqlite ? 'recorded' : 'recorded, seq';
  return [
    {
      version: 3,
      description: 'audit events (append-only) and the references they name',
      statements: [
        `CREATE TABLE audit_event (
          seq ${d.serial},
          recorded ${d.bigint} NOT NULL,
          type TEXT NOT NULL,
          subtype TEXT NOT NULL,
          action TEXT NOT NULL,
          outcome INTEGER NOT NULL,
          agent TEXT,
          user_name TEXT,
          client_id TEXT NOT NULL,
          organization TEXT,
          purpose TEXT NOT NULL,
          break_glass ${d.bool} NOT NULL,
          detail TEXT NOT NULL
        )`,
        `CREATE INDEX audit_event_recorded ON audit_event (${key})`,
        `CREATE INDEX audit_event_agent ON audit_event (agent, ${key}) WHERE agent IS NOT NULL`,
        `CREATE INDEX audit_event_user ON audit_event (user_name, ${key}) WHERE user_name IS NOT NULL`,
        `CREATE INDEX audit_event_client ON audit_event (client_id, ${key})`,
        `CREATE INDEX audit_event_subtype ON audit_event (subtype, ${key})`,
        `CREATE INDEX audit_event_break_glass ON audit_event (${key}) WHERE break_glass`,
        `CREATE TABLE audit_entity (
          reference TEXT NOT NULL,
          recorded ${d.bigint} NOT NULL,
          seq ${d.bigint} NOT NULL,
          PRIMARY KEY (reference, recorded, seq)
        )${sqlite ? ' WITHOUT ROWID' : ''}`,
      ],
    },
  ];
}
