/**
 * The schema, written once and rendered per dialect: each dialect supplies only the
 * column types that differ. Migrations are numbered and applied in order, once.
 */
import { accountsMigrations } from './schema-accounts.ts';
import { auditMigrations } from './schema-audit.ts';
import { accessMigrations } from './schema-access.ts';
import { SEARCH_INDEX_TABLES, searchMigrations } from './schema-search.ts';
export interface SchemaDialect {
  /** Which database: for the few statements only one of them understands (full-text indexes). */
  kind: 'sqlite' | 'postgres';
  /** Auto-incrementing integer primary key column. */
  serial: string;
  bigint: string;
  double: string;
  bool: string;
}

export interface Migration {
  version: number;
  description: string;
  statements: string[];
}

export const INDEX_TABLES = ['idx_string', 'idx_token', 'idx_reference', 'idx_date', 'idx_number', 'idx_quantity', 'idx_uri', 'idx_composite', 'idx_compartment', ...SEARCH_INDEX_TABLES] as const;

/**
 * Every migration, in version order. Each feature that keeps tables of its own (accounts, audit,
 * access grants, full-text search) declares them in its own `schema-*.ts` file beside this one.
 */
export function migrations(d: SchemaDialect): Migration[] {
  return [...coreMigrations(d), ...accountsMigrations(d), ...auditMigrations(d), ...accessMigrations(d), ...searchMigrations(d)].sort((a, b) => a.version - b.version);
}

function coreMigrations(d: SchemaDialect): Migration[] {
  const indexTable = (name: string, columns: string, lookup: string) => [
    `CREATE TABLE ${name} (rid ${d.bigint} NOT NULL, resource_type TEXT NOT NULL, param TEXT NOT NULL, ${columns})`,
    `CREATE INDEX ${name}_rid ON ${name} (rid)`,
    `CREATE INDEX ${name}_lookup ON ${name} (resource_type, param, ${lookup})`,
  ];
  return [
    {
      version: 1,
      description: 'resources, history, index tables, outbox, jobs',
      statements: [
        `CREATE TABLE resources (
          rid ${d.serial},
          resource_type TEXT NOT NULL,
          id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          last_updated ${d.bigint} NOT NULL,
          deleted ${d.bool} NOT NULL,
          content TEXT,
          UNIQUE (resource_type, id)
        )`,
        `CREATE INDEX resources_type_updated ON resources (resource_type, last_updated)`,
        `CREATE TABLE resource_history (
          seq ${d.serial},
          rid ${d.bigint} NOT NULL,
          resource_type TEXT NOT NULL,
          id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          last_updated ${d.bigint} NOT NULL,
          deleted ${d.bool} NOT NULL,
          method TEXT NOT NULL,
          content TEXT,
          UNIQUE (resource_type, id, version_id)
        )`,
        `CREATE INDEX resource_history_type_seq ON resource_history (resource_type, seq)`,
        `CREATE INDEX resource_history_updated ON resource_history (last_updated)`,
        ...indexTable('idx_string', 'value TEXT NOT NULL', 'value'),
        ...indexTable('idx_token', 'system TEXT, code TEXT, text TEXT', 'code, system'),
        ...indexTable('idx_reference', 'target_type TEXT, target_id TEXT, version TEXT, url TEXT', 'target_id, target_type'),
        ...indexTable('idx_date', `low ${d.bigint} NOT NULL, high ${d.bigint} NOT NULL`, 'low, high'),
        ...indexTable('idx_number', `low ${d.double} NOT NULL, high ${d.double} NOT NULL, value ${d.double} NOT NULL`, 'low, high'),
        ...indexTable('idx_quantity', `system TEXT, code TEXT, unit TEXT, low ${d.double} NOT NULL, high ${d.double} NOT NULL, value ${d.double} NOT NULL`, 'code, low, high'),
        ...indexTable('idx_uri', 'value TEXT NOT NULL', 'value'),
        ...indexTable('idx_composite', 'value TEXT NOT NULL', 'value'),
        ...indexTable('idx_compartment', 'compartment_id TEXT NOT NULL', 'compartment_id'),
        `CREATE TABLE outbox (
          seq ${d.serial},
          resource_type TEXT NOT NULL,
          id TEXT NOT NULL,
          version_id INTEGER NOT NULL,
          event TEXT NOT NULL,
          created ${d.bigint} NOT NULL,
          dispatched ${d.bool} NOT NULL
        )`,
        `CREATE TABLE jobs (
          id TEXT PRIMARY KEY,
          kind TEXT NOT NULL,
          status TEXT NOT NULL,
          progress ${d.double} NOT NULL,
          params TEXT,
          result TEXT,
          created ${d.bigint} NOT NULL,
          updated ${d.bigint} NOT NULL
        )`,
      ],
    },
  ];
}
