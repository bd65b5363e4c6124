/** The `break_glass` table (migration 4): one row per grant; a revocation sets `revoked`. */
import type { Params } from '../search/compiler.ts';

/** A row of `break_glass`; times are epoch milliseconds. */
export interface GrantRow {
  id: string;
  fhir_user: string;
  user_name: string | null;
  client_id: string;
  patient_id: string;
  reason: string;
  granted: number;
  expires: number;
  revoked: number | null;
  revoked_by: string | null;
}

export const GRANT_COLUMNS = 'id, fhir_user, user_name, client_id, patient_id, reason, granted, expires, revoked, revoked_by';

export interface GrantFilter {
  fhirUser?: string;
  patientId?: string;
  /** Only grants live at this instant (not expired, not revoked). */
  liveAt?: number;
  limit: number;
}

export function insertGrantSql(g: GrantRow, p: Params): string {
  const values = [g.id, g.fhir_user, g.user_name, g.client_id, g.patient_id, g.reason, g.granted, g.expires, g.revoked, g.revoked_by].map((v) => p.add(v));
  return `INSERT INTO break_glass (${GRANT_COLUMNS}) VALUES (${values.join(', ')}) RETURNING id`;
}

/** Revokes a live grant; returns its id, or no row when there is no such live grant. */
export function revokeGrantSql(id: string, at: number, by: string, p: Params): string {
  return `UPDATE break_glass SET revoked = ${p.add(at)}, revoked_by = ${p.add(by)} WHERE id = ${p.add(id)} AND revoked IS NULL AND expires > ${p.add(at)} RETURNING id`;
}

export function readGrantSql(id: string, p: Params): string {
  return `SELECT ${GRANT_COLUMNS} FROM break_glass WHERE id = ${p.add(id)}`;
}

/** Grants, newest first. */
export function listGrantsSql(f: GrantFilter, p: Params): string {
  const where = [
    f.fhirUser === undefined ? undefined : `fhir_user = ${p.add(f.fhirUser)}`,
    f.patientId === undefined ? undefined : `patient_id = ${p.add(f.patientId)}`,
    f.liveAt === undefined ? undefined : `expires > ${p.add(f.liveAt)} AND revoked IS NULL`,
  ].filter(Boolean);
  return `SELECT ${GRANT_COLUMNS} FROM break_glass${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY granted DESC, id LIMIT ${p.add(f.limit)}`;
}
