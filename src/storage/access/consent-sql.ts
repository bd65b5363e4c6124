/**
 * Consents read through the index tables: a patient's Consents, every active Consent but the
 * national data opt-outs, and the patients with an active opt-out (a category code on Consent).
 */
import type { Params } from '../search/compiler.ts';

export interface Code {
  system: string;
  code: string;
}

function categoryProbe(alias: string, category: Code, p: Params): string {
  return `EXISTS (SELECT 1 FROM idx_token c WHERE c.rid = ${alias}.rid AND c.param = ${p.add('category')} AND c.code = ${p.add(category.code)} AND c.system = ${p.add(category.system)})`;
}

function activeProbe(alias: string, p: Params): string {
  return `EXISTS (SELECT 1 FROM idx_token s WHERE s.rid = ${alias}.rid AND s.param = ${p.add('status')} AND s.code = ${p.add('active')})`;
}

/** Columns id, content: the patient's current Consents (any status). */
export function consentsOfPatientSql(patientId: string, p: Params): string {
  return (
    `SELECT r.id, r.content FROM idx_reference x JOIN resources r ON r.rid = x.rid WHERE x.resource_type = ${p.add('Consent')} AND x.param = ${p.add('patient')} ` +
    `AND x.target_id = ${p.add(patientId)} AND x.target_type = ${p.add('Patient')} AND NOT r.deleted`
  );
}

/** Columns id, content: every current Consent with status active that does not carry `exclude` as a category. */
export function activeConsentsSql(exclude: Code, p: Params): string {
  return (
    `SELECT r.id, r.content FROM idx_token s JOIN resources r ON r.rid = s.rid WHERE s.resource_type = ${p.add('Consent')} AND s.param = ${p.add('status')} ` +
    `AND s.code = ${p.add('active')} AND NOT r.deleted AND NOT ${categoryProbe('s', exclude, p)}`
  );
}

/** Column patient_id: patients with an active Consent of the category, once each. */
export function patientsWithCategorySql(category: Code, p: Params): string {
  return (
    `SELECT DISTINCT x.target_id AS patient_id FROM idx_token c JOIN idx_reference x ON x.rid = c.rid WHERE c.resource_type = ${p.add('Consent')} ` +
    `AND c.param = ${p.add('category')} AND c.code = ${p.add(category.code)} AND c.system = ${p.add(category.system)} ` +
    `AND x.param = ${p.add('patient')} AND x.target_type = ${p.add('Patient')} AND ${activeProbe('c', p)}`
  );
}

/** Column hit: one row when the patient has an active Consent of the category. */
export function patientHasCategorySql(patientId: string, category: Code, p: Params): string {
  return (
    `SELECT 1 AS hit FROM idx_reference x WHERE x.resource_type = ${p.add('Consent')} AND x.param = ${p.add('patient')} AND x.target_id = ${p.add(patientId)} ` +
    `AND x.target_type = ${p.add('Patient')} AND ${categoryProbe('x', category, p)} AND ${activeProbe('x', p)} LIMIT 1`
  );
}

/** Column t: the latest change to any Consent (a deletion too); a cache key, read from the (resource_type, last_updated) index. */
export function consentStampSql(p: Params): string {
  return `SELECT MAX(r.last_updated) AS t FROM resources r WHERE r.resource_type = ${p.add('Consent')}`;
}
