/**
 * Legitimate relationships: the Patients a clinician has an active care relationship with,
 * computed from data on every request (never stored as a flag):
 * - registered with them: Patient.generalPractitioner names their organisation, them, or their role;
 * - an open Encounter (planned, arrived, triaged, in-progress, onleave) whose serviceProvider is
 *   their organisation or where they (or their role) are a participant;
 * - an open EpisodeOfCare (planned, waitlist, active, onhold) managed by their organisation or with
 *   them (or their role) as care manager;
 * - an active CareTeam with them, their role or their organisation as a participant.
 * A clinician acting through a PractitionerRole counts as the role, as the practitioner behind it
 * and as the role's organisation.
 *
 * `related` gives the whole set (for search filters) and is cached per accessor for `ttlMs`;
 * `hasRelationship` answers for one patient with index lookups only, using the cached set when it
 * holds the patient and asking the store otherwise (so a relationship recorded a moment ago is
 * seen at once; one that ended is still honoured until the cached set expires).
 */
import type { StoreReader } from '../../storage/index.ts';
import { accessSqlFor, type AccessSql, type RelationshipRule } from '../../storage/access/index.ts';
import { TtlCache } from './cache.ts';
import type { Accessor } from './accessor.ts';

export const OPEN_ENCOUNTER: readonly string[] = ['planned', 'arrived', 'triaged', 'in-progress', 'onleave'];
export const OPEN_EPISODE: readonly string[] = ['planned', 'waitlist', 'active', 'onhold'];
export const ACTIVE_CARE_TEAM: readonly string[] = ['active'];

/** Resource types whose writes can start or end a relationship. */
export const RELATIONSHIP_TYPES: ReadonlySet<string> = new Set(['Patient', 'Encounter', 'EpisodeOfCare', 'CareTeam', 'PractitionerRole']);

/** The rules that link this accessor to patients (none for a patient or a backend system without an organisation). */
export function relationshipRules(a: Accessor): RelationshipRule[] {
  const people = [...new Set([a.fhirUser, a.practitioner])].filter((r): r is string => !!r && (r.startsWith('Practitioner/') || r.startsWith('PractitionerRole/')));
  const org = a.organization ? [a.organization] : [];
  const via = (param: string, targets: string[]) => targets.map((target) => ({ param, target }));
  return [
    { resourceType: 'Patient', patientParam: '', via: via('general-practitioner', [...org, ...people]) },
    { resourceType: 'Encounter', patientParam: 'patient', via: [...via('service-provider', org), ...via('participant', people)], statuses: OPEN_ENCOUNTER },
    { resourceType: 'EpisodeOfCare', patientParam: 'patient', via: [...via('organization', org), ...via('care-manager', people)], statuses: OPEN_EPISODE },
    { resourceType: 'CareTeam', patientParam: 'patient', via: via('participant', [...people, ...org]), statuses: ACTIVE_CARE_TEAM },
  ].filter((r) => r.via.length > 0);
}

export function accessorKey(a: Accessor): string {
  return `${a.fhirUser ?? ''}|${a.practitioner ?? ''}|${a.organization ?? ''}`;
}

export interface RelationshipOptions {
  /** How long a computed set is reused (default 15 s). */
  ttlMs?: number;
  /** Most accessors cached at once (default 1,000). */
  maxEntries?: number;
  now?: () => number;
}

export class Relationships {
  private readonly sql: AccessSql;
  private readonly sets: TtlCache<ReadonlySet<string>>;
  private readonly single: TtlCache<boolean>;

  constructor(dialect: 'sqlite' | 'postgres', opts: RelationshipOptions = {}) {
    this.sql = accessSqlFor(dialect);
    const ttl = opts.ttlMs ?? 15_000;
    const max = opts.maxEntries ?? 1_000;
    this.sets = new TtlCache(ttl, max, opts.now);
    this.single = new TtlCache(ttl, max * 20, opts.now);
  }

  /** Every patient the accessor has a care relationship with (cached per accessor). */
  related(db: StoreReader, accessor: Accessor): Promise<ReadonlySet<string>> {
    return this.sets.getOrLoad(accessorKey(accessor), () => this.compute(db, accessor));
  }

  /** The same set, computed afresh (uncached). */
  async compute(db: StoreReader, accessor: Accessor): Promise<ReadonlySet<string>> {
    const rules = relationshipRules(accessor);
    if (!rules.length) return new Set();
    const rows = await db.select(this.sql.relatedPatients(rules));
    return new Set(rows.map((r) => String(r.patient_id)));
  }

  /** Whether the accessor has a care relationship with this patient: the cached set if it says yes, else index lookups. */
  async hasRelationship(db: StoreReader, accessor: Accessor, patientId: string): Promise<boolean> {
    const key = accessorKey(accessor);
    if (this.sets.get(key)?.has(patientId)) return true;
    const pairKey = `${key}#${patientId}`;
    const cached = this.single.get(pairKey);
    if (cached !== undefined) return cached;
    const rules = relationshipRules(accessor);
    const hit = rules.length > 0 && (await db.select(this.sql.hasRelationship(rules, patientId))).length > 0;
    // only a "yes" is kept, so a relationship recorded a moment ago is honoured at once
    if (hit) this.single.set(pairKey, true);
    return hit;
  }

  /** Forgets every cached answer (e.g. after a PractitionerRole changed, or in tests). */
  clear(): void {
    this.sets.clear();
    this.single.clear();
  }
}
