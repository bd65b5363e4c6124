/**
 * Break-glass: a clinician without a care relationship may open one patient's record in an
 * emergency by stating why. The grant belongs to the person (their fhirUser, in whichever app
 * they use), lasts `durationMs` (default 8 hours — one clinical shift; at most 24 hours), can be
 * revoked, and every access under it is audited as break-glass (the caller's audit does that).
 *
 * Grants are rows of the `break_glass` table, written inside the caller's transaction (so the
 * AuditEvent commits with it). Checks read a user's live grants once per `cacheMs` (default 10 s);
 * a grant or revocation made in this process is seen at once, one made by another process within
 * `cacheMs` (a grant sooner: a patient not in the cached list is looked up directly).
 */
import { randomUUID } from 'node:crypto';
import { FhirError } from '../../fhir/errors.ts';
import type { StoreReader, StoreTx } from '../../storage/index.ts';
import { accessSqlFor, type AccessSql, type GrantRow } from '../../storage/access/index.ts';
import type { AccessContext } from '../types.ts';
import { TtlCache } from './cache.ts';

export const HOUR_MS = 3_600_000;
export const DEFAULT_BREAK_GLASS_MS = 8 * HOUR_MS;
export const MAX_BREAK_GLASS_MS = 24 * HOUR_MS;
export const MIN_REASON_LENGTH = 10;
export const MAX_REASON_LENGTH = 1000;

export interface BreakGlassGrant {
  id: string;
  fhirUser: string;
  userName?: string;
  clientId: string;
  patientId: string;
  reason: string;
  /** Epoch milliseconds. */
  granted: number;
  expires: number;
  revoked?: number;
  revokedBy?: string;
}

export interface BreakGlassOptions {
  /** How long a grant lasts unless the grant says otherwise (default 8 hours). */
  durationMs?: number;
  cacheMs?: number;
  maxUsers?: number;
  now?: () => number;
}

/** Whether the accessor is a clinician acting as themselves (not a patient, not a backend system). */
export function isClinicianUser(access: AccessContext): boolean {
  const u = access.fhirUser;
  return access.roles.has('clinician') && u !== undefined && (u.startsWith('Practitioner/') || u.startsWith('PractitionerRole/'));
}

/** The reason, trimmed; a 400 error when it is too short or too long. */
export function checkReason(reason: unknown): string {
  const text = typeof reason === 'string' ? reason.trim().replace(/\s+/g, ' ') : '';
  if (text.length < MIN_REASON_LENGTH) throw new FhirError('incorrect', `Give a reason for breaking the glass of at least ${MIN_REASON_LENGTH} characters (it is recorded in the audit trail)`);
  if (text.length > MAX_REASON_LENGTH) throw new FhirError('incorrect', `The reason for breaking the glass may be at most ${MAX_REASON_LENGTH} characters`);
  return text;
}

function toGrant(r: Record<string, unknown>): BreakGlassGrant {
  const row = r as unknown as GrantRow;
  return {
    id: String(row.id),
    fhirUser: String(row.fhir_user),
    ...(row.user_name != null ? { userName: String(row.user_name) } : {}),
    clientId: String(row.client_id),
    patientId: String(row.patient_id),
    reason: String(row.reason),
    granted: Number(row.granted),
    expires: Number(row.expires),
    ...(row.revoked != null ? { revoked: Number(row.revoked) } : {}),
    ...(row.revoked_by != null ? { revokedBy: String(row.revoked_by) } : {}),
  };
}

export class BreakGlass {
  private readonly sql: AccessSql;
  private readonly now: () => number;
  private readonly users: TtlCache<ReadonlyMap<string, BreakGlassGrant>>;
  readonly durationMs: number;

  constructor(dialect: 'sqlite' | 'postgres', opts: BreakGlassOptions = {}) {
    this.sql = accessSqlFor(dialect);
    this.now = opts.now ?? Date.now;
    this.users = new TtlCache(opts.cacheMs ?? 10_000, opts.maxUsers ?? 1_000, this.now);
    this.durationMs = Math.min(opts.durationMs ?? DEFAULT_BREAK_GLASS_MS, MAX_BREAK_GLASS_MS);
    if (!(this.durationMs > 0)) throw new Error('The break-glass duration must be a positive number of milliseconds');
  }

  /**
   * Records a grant for the clinician behind `access` to see one patient's record, inside `tx`.
   * 403 for anyone but a clinician user, 400 for a missing or short reason, 404 for an unknown patient.
   */
  async grant(tx: StoreTx, access: AccessContext, patientId: string, reason: string, opts: { durationMs?: number } = {}): Promise<BreakGlassGrant> {
    if (!isClinicianUser(access)) throw new FhirError('forbidden', 'Only clinicians signed in as themselves may break the glass');
    const text = checkReason(reason);
    const patient = await tx.readCurrent('Patient', patientId);
    if (!patient || patient.deleted) throw new FhirError('not-found', `Patient/${patientId} is not known`);
    const duration = Math.min(opts.durationMs ?? this.durationMs, MAX_BREAK_GLASS_MS);
    if (!(duration > 0)) throw new FhirError('incorrect', 'A break-glass grant must last a positive time');
    const granted = this.now();
    const row: GrantRow = {
      id: randomUUID(),
      fhir_user: access.fhirUser!,
      user_name: access.userName ?? null,
      client_id: access.clientId,
      patient_id: patientId,
      reason: text,
      granted,
      expires: granted + duration,
      revoked: null,
      revoked_by: null,
    };
    await tx.select(this.sql.insertGrant(row));
    tx.afterCommit(() => this.users.delete(row.fhir_user));
    return toGrant(row as unknown as Record<string, unknown>);
  }

  /** Ends a live grant early, inside `tx`; false when there is no such live grant. `by` names who revoked it (for audit). */
  async revoke(tx: StoreTx, grantId: string, by: string): Promise<boolean> {
    const [row] = await tx.select(this.sql.readGrant(grantId));
    if (!row) return false;
    const done = (await tx.select(this.sql.revokeGrant(grantId, this.now(), by))).length > 0;
    if (done) tx.afterCommit(() => this.users.delete(String(row.fhir_user)));
    return done;
  }

  /** The user's live grants, by patient id (cached for `cacheMs`). */
  async liveFor(db: StoreReader, fhirUser: string): Promise<ReadonlyMap<string, BreakGlassGrant>> {
    const now = this.now();
    const cached = this.users.get(fhirUser);
    if (cached) return new Map([...cached].filter(([, g]) => g.expires > now));
    const rows = await db.select(this.sql.listGrants({ fhirUser, liveAt: now, limit: 1000 }));
    const map = new Map<string, BreakGlassGrant>();
    for (const g of rows.map(toGrant)) if (!map.has(g.patientId) || map.get(g.patientId)!.expires < g.expires) map.set(g.patientId, g);
    this.users.set(fhirUser, map);
    return map;
  }

  /** The live grant that lets the clinician behind `access` see this patient, if any. */
  async check(db: StoreReader, access: AccessContext, patientId: string): Promise<BreakGlassGrant | undefined> {
    if (!isClinicianUser(access)) return undefined;
    const fhirUser = access.fhirUser!;
    const hit = (await this.liveFor(db, fhirUser)).get(patientId);
    if (hit) return hit;
    // made by another process since the list was cached? One index lookup.
    const [row] = await db.select(this.sql.listGrants({ fhirUser, patientId, liveAt: this.now(), limit: 1 }));
    if (!row) return undefined;
    this.users.delete(fhirUser);
    return toGrant(row);
  }

  /** Grants, newest first: of a patient (for their access log), of a user, or all; `live` for only those in force now. */
  async list(db: StoreReader, filter: { patientId?: string; fhirUser?: string; live?: boolean; limit?: number } = {}): Promise<BreakGlassGrant[]> {
    const rows = await db.select(this.sql.listGrants({ patientId: filter.patientId, fhirUser: filter.fhirUser, liveAt: filter.live ? this.now() : undefined, limit: filter.limit ?? 100 }));
    return rows.map(toGrant);
  }

  clear(): void {
    this.users.clear();
  }
}
