/** Migration 4: break-glass grants (access/policy). */
import type { Migration, SchemaDialect } from './schema.ts';

export function accessMigrations(d: SchemaDialect): Migration[] {
  return [
    {
      version: 4,
      description: 'break-glass grants',
      statements: [
        `CREATE TABLE break_glass (
          id TEXT PRIMARY KEY,
          fhir_user TEXT NOT NULL,
          user_name TEXT,
          client_id TEXT NOT NULL,
          patient_id TEXT NOT NULL,
          reason TEXT NOT NULL,
          granted ${d.bigint} NOT NULL,
          expires ${d.bigint} NOT NULL,
          revoked ${d.bigint},
          revoked_by TEXT
        )`,
        // a user's live grants (the check on every request), a patient's grants (their access log), what is live now
        `CREATE INDEX break_glass_user ON break_glass (fhir_user, expires)`,
        `CREATE INDEX break_glass_patient ON break_glass (patient_id, granted)`,
        `CREATE INDEX break_glass_expires ON break_glass (expires)`,
      ],
    },
  ];
}
