/**
 * Compiled SQL for access policy (access/policy): care relationships and consents read from the
 * index tables, and the break-glass grants table. Parameterised only; the dialects differ in
 * placeholders alone (`?` for SQLite, `$n` for PostgreSQL).
 */
import { Params } from '../search/compiler.ts';
import type { CompiledQuery } from '../types.ts';
import { insertGrantSql, listGrantsSql, readGrantSql, revokeGrantSql, type GrantFilter, type GrantRow } from './break-glass-sql.ts';
import { activeConsentsSql, consentsOfPatientSql, consentStampSql, patientHasCategorySql, patientsWithCategorySql, type Code } from './consent-sql.ts';
import { hasRelationshipSql, relatedPatientsSql, type RelationshipRule } from './relationship-sql.ts';

export type { GrantFilter, GrantRow } from './break-glass-sql.ts';
export type { Code } from './consent-sql.ts';
export type { RelationshipRule } from './relationship-sql.ts';

export class AccessSql {
  constructor(private readonly placeholder: (n: number) => string) {}

  private compile(render: (p: Params) => string): CompiledQuery {
    const p = new Params(this.placeholder);
    return p.finish(render(p));
  }

  /** Column patient_id. */
  relatedPatients(rules: readonly RelationshipRule[]): CompiledQuery {
    return this.compile((p) => relatedPatientsSql(rules, p));
  }
  /** Column hit; at most one row. */
  hasRelationship(rules: readonly RelationshipRule[], patientId: string): CompiledQuery {
    return this.compile((p) => hasRelationshipSql(rules, patientId, p));
  }
  /** Columns id, content. */
  consentsOfPatient(patientId: string): CompiledQuery {
    return this.compile((p) => consentsOfPatientSql(patientId, p));
  }
  /** Columns id, content. */
  activeConsents(excludeCategory: Code): CompiledQuery {
    return this.compile((p) => activeConsentsSql(excludeCategory, p));
  }
  /** Column patient_id. */
  patientsWithCategory(category: Code): CompiledQuery {
    return this.compile((p) => patientsWithCategorySql(category, p));
  }
  /** Column hit; at most one row. */
  patientHasCategory(patientId: string, category: Code): CompiledQuery {
    return this.compile((p) => patientHasCategorySql(patientId, category, p));
  }
  /** Column t. */
  consentStamp(): CompiledQuery {
    return this.compile((p) => consentStampSql(p));
  }
  insertGrant(row: GrantRow): CompiledQuery {
    return this.compile((p) => insertGrantSql(row, p));
  }
  revokeGrant(id: string, at: number, by: string): CompiledQuery {
    return this.compile((p) => revokeGrantSql(id, at, by, p));
  }
  readGrant(id: string): CompiledQuery {
    return this.compile((p) => readGrantSql(id, p));
  }
  listGrants(filter: GrantFilter): CompiledQuery {
    return this.compile((p) => listGrantsSql(filter, p));
  }
}

const SQLITE = new AccessSql(() => '?');
const POSTGRES = new AccessSql((n) => `$${n}`);

export function accessSqlFor(dialect: 'sqlite' | 'postgres'): AccessSql {
  return dialect === 'sqlite' ? SQLITE : POSTGRES;
}
