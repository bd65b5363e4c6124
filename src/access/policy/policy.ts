/**
 * The access policy over one store: relationships, break-glass grants, Consents and opt-outs
 * answered from data with short-lived caches, and the decision helper fed from them. Build one
 * per process (app/) and pass it in; its methods take the reader or transaction of the request.
 */
import type { StoreReader } from '../../storage/index.ts';
import type { AccessContext } from '../types.ts';
import { resolveAccessor, type Accessor } from './accessor.ts';
import { BreakGlass, isClinicianUser, type BreakGlassOptions } from './break-glass.ts';
import { TtlCache } from './cache.ts';
import { recordConsent, type Consent } from './consent.ts';
import { ConsentStore, type ConsentStoreOptions } from './consent-store.ts';
import { confinedTo, consentVerdict, decide, isPatientThemselves, type Decision, type DecideFacts, type DecideResource } from './decide.ts';
import { hiddenLabels } from './labels.ts';
import { isOptOutConsent } from './opt-out.ts';
import { isDirectCare, isEmergency } from './purpose.ts';
import { accessorKey, Relationships, RELATIONSHIP_TYPES, type RelationshipOptions } from './relationship.ts';

export interface AccessPolicyOptions {
  dialect: 'sqlite' | 'postgres';
  /** Whether resources of a type can be in a Patient compartment (search/compartment.ts). */
  inPatientCompartment(resourceType: string): boolean;
  relationships?: RelationshipOptions;
  breakGlass?: BreakGlassOptions;
  consents?: ConsentStoreOptions;
  /** How long a resolved accessor (PractitionerRole → practitioner, organisation) is reused; default 60 s. */
  accessorTtlMs?: number;
  now?: () => number;
}

export interface CareSet {
  /** Patients the clinician has a care relationship with. */
  related: ReadonlySet<string>;
  /** Patients the clinician holds a live break-glass grant for, with its reason. */
  breakGlass: ReadonlyMap<string, string>;
}

export interface ConsentRefusals {
  /** Patients whose Consents refuse the accessor every resource. */
  all: ReadonlySet<string>;
  /** Patients whose Consents refuse the accessor some resources: check each. */
  some: ReadonlySet<string>;
}

const RESTRICTION = { permit: 0, 'deny-some': 1, 'deny-all': 2 } as const;
const NO_REFUSALS: ConsentRefusals = Object.freeze({ all: new Set<string>(), some: new Set<string>() });

export class AccessPolicy {
  readonly relationships: Relationships;
  readonly breakGlass: BreakGlass;
  readonly consents: ConsentStore;
  private readonly now: () => number;
  private readonly accessors: TtlCache<Accessor>;
  private readonly refusals: TtlCache<{ source: ReadonlyMap<string, Consent[]>; grants: string; result: ConsentRefusals }>;

  constructor(private readonly opts: AccessPolicyOptions) {
    this.now = opts.now ?? Date.now;
    this.relationships = new Relationships(opts.dialect, { now: this.now, ...opts.relationships });
    this.breakGlass = new BreakGlass(opts.dialect, { now: this.now, ...opts.breakGlass });
    this.consents = new ConsentStore(opts.dialect, { now: this.now, ...opts.consents });
    this.accessors = new TtlCache(opts.accessorTtlMs ?? 60_000, 1_000, this.now);
    this.refusals = new TtlCache(opts.relationships?.ttlMs ?? 15_000, 1_000, this.now);
  }

  /** The accessor behind a token, its PractitionerRole resolved (cached). */
  accessor(db: StoreReader, access: AccessContext): Promise<Accessor> {
    return this.accessors.getOrLoad(`${access.fhirUser ?? ''}|${access.organization ?? ''}|${access.clientId}`, () => resolveAccessor(db, access));
  }

  /** A clinician's care set: related patients and live break-glass grants (empty for anyone else). */
  async careSet(db: StoreReader, access: AccessContext): Promise<CareSet> {
    if (!isClinicianUser(access)) return { related: new Set(), breakGlass: new Map() };
    const accessor = await this.accessor(db, access);
    const [related, grants] = await Promise.all([this.relationships.related(db, accessor), isDirectCare(access.purposeOfUse) ? this.breakGlass.liveFor(db, access.fhirUser!) : new Map()]);
    return { related, breakGlass: new Map([...grants].map(([p, g]) => [p, g.reason])) };
  }

  /** Whether the clinician has a care relationship with the patient (cached set, else index lookups). */
  async isRelated(db: StoreReader, access: AccessContext, patientId: string): Promise<boolean> {
    if (!isClinicianUser(access)) return false;
    return this.relationships.hasRelationship(db, await this.accessor(db, access), patientId);
  }

  /** Patients with an active national data opt-out. */
  optedOut(db: StoreReader): Promise<ReadonlySet<string>> {
    return this.consents.optedOut(db);
  }

  /** The patient's privacy Consents (national data opt-outs left out: the opt-out rule handles those). */
  async privacyConsents(db: StoreReader, patientId: string): Promise<Consent[]> {
    return (await this.consents.ofPatient(db, patientId)).filter((c) => !isOptOutConsent(c));
  }

  /** Patients whose Consents refuse this accessor their whole record (of the given types, when given): a search filter leaves them out. */
  async consentDeniesAll(db: StoreReader, access: AccessContext, resourceTypes?: readonly string[]): Promise<ReadonlySet<string>> {
    return (await this.consentRefusals(db, access, resourceTypes)).all;
  }

  /**
   * For a search: patients whose Consents refuse this accessor everything (`all`: leave them out)
   * and those whose Consents refuse some resources (`some`: check each of their resources with
   * `consentDenies`). Every other patient's resources need no Consent check at all.
   */
  async consentRefusals(db: StoreReader, access: AccessContext, resourceTypes?: readonly string[]): Promise<ConsentRefusals> {
    if (access.mode === 'open') return NO_REFUSALS;
    const source = await this.consents.activeByPatient(db);
    if (!source.size) return NO_REFUSALS;
    const [accessor, care] = await Promise.all([this.accessor(db, access), this.careSet(db, access)]);
    const grants = [...care.breakGlass.keys()].sort().join(',');
    const types = resourceTypes ? [...new Set(resourceTypes)].sort() : undefined;
    const key = `${accessorKey(accessor)}|${access.clientId}|${access.purposeOfUse}|${confinedTo(access) ?? ''}|${types?.join(',') ?? '*'}`;
    const hit = this.refusals.get(key);
    if (hit && hit.source === source && hit.grants === grants) return hit.result;
    const at = this.now();
    const result = { all: new Set<string>(), some: new Set<string>() };
    for (const [patient, consents] of source) {
      if (isPatientThemselves(access, patient)) continue;
      // as consentVerdict: under break-glass without a relationship, the emergency reading; with one, the more open of the two
      const normal = { accessor, purposeOfUse: access.purposeOfUse, at };
      const emergency = { ...normal, purposeOfUse: isEmergency(access.purposeOfUse) ? access.purposeOfUse : 'ETREAT', emergency: true };
      const grant = care.breakGlass.has(patient);
      const related = care.related.has(patient);
      const scope = (resourceType?: string) => {
        if (!grant) return recordConsent(consents, { ...normal, resourceType });
        const e = recordConsent(consents, { ...emergency, resourceType });
        if (!related) return e;
        const n = recordConsent(consents, { ...normal, resourceType });
        return RESTRICTION[n] <= RESTRICTION[e] ? n : e;
      };
      const scopes = types ? types.map(scope) : [scope()];
      if (scopes.every((s) => s === 'deny-all')) result.all.add(patient);
      else if (scopes.some((s) => s !== 'permit')) result.some.add(patient);
    }
    this.refusals.set(key, { source, grants, result });
    return result;
  }

  /** 'Consent/id' when the patient's Consents refuse this accessor this resource; undefined when they do not. */
  async consentDenies(db: StoreReader, access: AccessContext, patientId: string, resource: DecideResource): Promise<string | undefined> {
    if (access.mode === 'open' || isPatientThemselves(access, patientId)) return undefined;
    const consents = await this.privacyConsents(db, patientId);
    if (!consents.length) return undefined;
    const accessor = await this.accessor(db, access);
    const grant = isClinicianUser(access) && isDirectCare(access.purposeOfUse) ? await this.breakGlass.check(db, access, patientId) : undefined;
    const related = grant ? await this.isRelated(db, access, patientId) : true;
    const d = consentVerdict(consents, { accessor, purposeOfUse: access.purposeOfUse, at: this.now(), resource }, related, grant !== undefined);
    return d.decision === 'deny' ? `Consent/${d.consent ?? ''}` : undefined;
  }

  isDirectCare(purposeOfUse: string): boolean {
    return isDirectCare(purposeOfUse);
  }

  hiddenLabels(clearance: ReadonlySet<string>): string[] {
    return hiddenLabels(clearance);
  }

  /** The facts `decide` needs, answered from `db` for this request (memoised per patient). */
  async factsFor(db: StoreReader, access: AccessContext): Promise<DecideFacts> {
    const accessor = await this.accessor(db, access);
    const memo = <T>(fn: (p: string) => Promise<T>) => {
      const seen = new Map<string, Promise<T>>();
      return (p: string) => seen.get(p) ?? seen.set(p, fn(p)).get(p)!;
    };
    return {
      accessor,
      at: this.now(),
      inPatientCompartment: this.opts.inPatientCompartment,
      // the cached care set answers most checks; a patient not in it is looked up (a relationship recorded a moment ago)
      related: memo(async (p) => (isClinicianUser(access) && (await this.relationships.related(db, accessor)).has(p)) || this.relationships.hasRelationship(db, accessor, p)),
      breakGlass: memo(async (p) => (await this.breakGlass.check(db, access, p))?.reason),
      consents: memo((p) => this.privacyConsents(db, p)),
      optedOut: memo(async (p) => (await this.optedOut(db)).has(p)),
    };
  }

  /** The decision for one resource, from the store (`patients`: the Patient compartments it is in). */
  async decide(db: StoreReader, access: AccessContext, resource: DecideResource, patients: readonly string[]): Promise<Decision> {
    if (access.mode === 'open') return { allow: true };
    return decide(access, resource, patients, await this.factsFor(db, access));
  }

  /** Tells the policy a resource of `resourceType` was written in this process (call after commit). */
  changed(resourceType: string): void {
    if (resourceType === 'Consent') this.consents.clear();
    if (resourceType === 'PractitionerRole' || resourceType === 'Practitioner' || resourceType === 'Organization') this.accessors.clear();
    if (resourceType === 'PractitionerRole') this.relationships.clear();
  }

  /** Forgets everything cached. */
  clear(): void {
    this.relationships.clear();
    this.breakGlass.clear();
    this.consents.clear();
    this.accessors.clear();
    this.refusals.clear();
  }
}

export { RELATIONSHIP_TYPES };

export function createAccessPolicy(opts: AccessPolicyOptions): AccessPolicy {
  return new AccessPolicy(opts);
}
