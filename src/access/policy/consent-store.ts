/**
 * Consents and opt-outs read from the store, cached until any Consent changes: the latest
 * `last_updated` of Consent rows is the cache key, read at most every `recheckMs` (default 1 s),
 * and nothing is kept longer than `maxAgeMs` (default 30 s; a safety net for clock skew between
 * processes writing to one PostgreSQL database).
 */
import type { StoreReader } from '../../storage/index.ts';
import { accessSqlFor, type AccessSql } from '../../storage/access/index.ts';
import type { Consent } from './consent.ts';
import { NATIONAL_DATA_OPT_OUT_CATEGORY, isOptOutConsent } from './opt-out.ts';

export interface ConsentStoreOptions {
  recheckMs?: number;
  maxAgeMs?: number;
  /** Most patients whose Consents are kept (default 10,000). */
  maxPatients?: number;
  now?: () => number;
}

interface Generation {
  stamp: string;
  started: number;
  byPatient: Map<string, Consent[]>;
  privacy?: Promise<ReadonlyMap<string, Consent[]>>;
  optedOut?: Promise<ReadonlySet<string>>;
}

function parse(rows: Record<string, unknown>[]): Consent[] {
  return rows.filter((r) => typeof r.content === 'string').map((r) => JSON.parse(r.content as string) as Consent);
}

export class ConsentStore {
  private readonly sql: AccessSql;
  private readonly now: () => number;
  private generation?: Generation;
  private checked = -Infinity;

  constructor(
    dialect: 'sqlite' | 'postgres',
    private readonly opts: ConsentStoreOptions = {},
  ) {
    this.sql = accessSqlFor(dialect);
    this.now = opts.now ?? Date.now;
  }

  /** The cache generation for the store's Consents as they are now. */
  private async current(db: StoreReader): Promise<Generation> {
    const now = this.now();
    const g = this.generation;
    if (g && now - this.checked < (this.opts.recheckMs ?? 1000) && now - g.started < (this.opts.maxAgeMs ?? 30_000)) return g;
    const [row] = await db.select(this.sql.consentStamp());
    const stamp = String(row?.t ?? '');
    this.checked = now;
    if (g && g.stamp === stamp && now - g.started < (this.opts.maxAgeMs ?? 30_000)) return g;
    return (this.generation = { stamp, started: now, byPatient: new Map() });
  }

  /** The patient's current Consents (any status; national data opt-outs included). */
  async ofPatient(db: StoreReader, patientId: string): Promise<Consent[]> {
    const g = await this.current(db);
    const hit = g.byPatient.get(patientId);
    if (hit) return hit;
    const consents = parse(await db.select(this.sql.consentsOfPatient(patientId)));
    if (g.byPatient.size >= (this.opts.maxPatients ?? 10_000)) g.byPatient.delete(g.byPatient.keys().next().value as string);
    g.byPatient.set(patientId, consents);
    return consents;
  }

  /** Every active Consent except national data opt-outs, by patient id: what may refuse whole records. */
  async activeByPatient(db: StoreReader): Promise<ReadonlyMap<string, Consent[]>> {
    const g = await this.current(db);
    return (g.privacy ??= db.select(this.sql.activeConsents(NATIONAL_DATA_OPT_OUT_CATEGORY)).then((rows) => {
      const map = new Map<string, Consent[]>();
      for (const c of parse(rows)) {
        const patient = /(?:^|\/)Patient\/([^/]+)$/.exec(c.patient?.reference ?? '')?.[1];
        if (!patient || isOptOutConsent(c)) continue;
        (map.get(patient) ?? map.set(patient, []).get(patient)!).push(c);
      }
      return map;
    })).catch((err) => {
      g.privacy = undefined;
      throw err;
    });
  }

  /** Ids of patients with an active national data opt-out. */
  async optedOut(db: StoreReader): Promise<ReadonlySet<string>> {
    const g = await this.current(db);
    return (g.optedOut ??= db.select(this.sql.patientsWithCategory(NATIONAL_DATA_OPT_OUT_CATEGORY)).then((rows) => new Set(rows.map((r) => String(r.patient_id))))).catch((err) => {
      g.optedOut = undefined;
      throw err;
    });
  }

  /** Forgets everything cached. */
  clear(): void {
    this.generation = undefined;
  }
}
