/**
 * The one place access rules meet the interactions: a scope check per request, a check per
 * resource read or written, and a filter added to every search plan (including the targets of
 * chains and `_has`). The facts behind the rules (care relationships, break-glass grants,
 * consents, opt-outs) come from access/policy.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Interaction } from '../fhir/url.ts';
import type { Db, FhirRequest, InteractionContext, Resource } from '../interactions/types.ts';
import { and, or, type Filter } from '../storage/search/index.ts';
import { letterFor, restrictionsFor, searchableTypes } from './scope-grants.ts';
import type { AccessContext } from './types.ts';
import { confinedTo, isClinicianUser, optOutApplies, type AccessPolicy } from './policy/index.ts';

export interface GuardDeps {
  /** Relationships, break-glass grants, Consents, opt-outs and labels, answered from the store. */
  policy: AccessPolicy;
  patientsOf(resource: Resource): string[];
  /** Resource types that can be in a Patient compartment. */
  inPatientCompartment(type: string): boolean;
  /** A search filter for criteria on `resourceType` (SMART scope query restrictions). */
  criteriaFilter(resourceType: string, params: readonly [string, string][]): Filter;
  allTypes: readonly string[];
}

/** Conformance resources: written by administrators only. */
const CONFORMANCE = new Set(['StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'SearchParameter', 'NamingSystem', 'OperationDefinition', 'CapabilityStatement', 'ImplementationGuide', 'CompartmentDefinition', 'StructureMap']);

/** Operations any authenticated caller may run: they read no patient data. */
const OPEN_OPERATIONS = new Set(['validate', 'expand', 'validate-code', 'lookup', 'subsumes', 'translate']);

const WRITES = new Set<Interaction>(['create', 'update', 'conditional-update', 'patch', 'conditional-patch', 'delete', 'conditional-delete']);

function notKnown(resource: Resource): FhirError {
  return new FhirError('not-found', `${resource.resourceType}/${resource.id} is not known`);
}

export class Guard {
  readonly policy: AccessPolicy;
  constructor(private readonly deps: GuardDeps) {
    this.policy = deps.policy;
  }

  /** Checks the request against the token before anything is read (401/403/405). */
  authorize(req: FhirRequest, ctx: InteractionContext): void {
    const a = ctx.access;
    if (req.resourceType === 'AuditEvent' && WRITES.has(req.interaction)) {
      throw new FhirError('not-allowed', 'AuditEvents are written by Meridian itself and cannot be created, changed or deleted');
    }
    if (a.mode === 'open' || req.interaction === 'capabilities') return;
    if (req.interaction === 'operation') return this.authorizeOperation(req, a);
    const letter = letterFor(req.interaction);
    if (!letter) return; // batch/transaction: each entry is checked
    if (req.resourceType === 'AuditEvent' && !a.roles.has('admin')) {
      throw new FhirError('forbidden', 'AuditEvents are open to administrators; patients see who accessed their record with Patient/[id]/$access-log');
    }
    if (req.resourceType && CONFORMANCE.has(req.resourceType) && WRITES.has(req.interaction) && !a.roles.has('admin')) {
      throw new FhirError('forbidden', `Only administrators may change conformance resources such as ${req.resourceType}`);
    }
    if (req.resourceType) {
      const restrictions = restrictionsFor(a, req.resourceType, letter);
      if (restrictions && letter !== 'r' && letter !== 's') {
        throw new FhirError('forbidden', `The access token may ${letter === 'c' ? 'create' : letter === 'u' ? 'update' : 'delete'} ${req.resourceType} only under a query restriction, which Meridian does not apply to writes`);
      }
    }
  }

  private authorizeOperation(req: FhirRequest, a: AccessContext): void {
    const op = req.operation ?? '';
    if (OPEN_OPERATIONS.has(op)) return;
    if (op === 'access-log') {
      if (req.resourceType !== 'Patient') return;
      restrictionsFor(a, 'Patient', 'r');
      return;
    }
    if (op === 'break-glass') {
      if (!isClinicianUser(a)) throw new FhirError('forbidden', 'Only clinicians may break the glass');
      return;
    }
    if (!a.roles.has('admin')) throw new FhirError('forbidden', `$${op} is open to administrators only`);
  }

  /**
   * Checks one resource the request reads or writes (and records it for the audit trail):
   * 404 when the caller may not know it exists, 403 when they may but lack the right.
   */
  async check(ctx: InteractionContext, db: Db, resource: Resource, knownPatients?: string[], intent: 'read' | 'write' = 'read'): Promise<void> {
    const patients = knownPatients ?? this.deps.patientsOf(resource);
    ctx.trail?.touch(`${resource.resourceType}/${resource.id}${resource.meta?.versionId ? `/_history/${resource.meta.versionId}` : ''}`, patients);
    const a = ctx.access;
    if (a.mode === 'open') return;
    if (intent === 'read') await this.checkReadScope(ctx, db, resource);
    const d = await this.deps.policy.decide(db, a, resource, patients);
    if (d.allow) {
      if (d.breakGlass?.length && ctx.trail) ctx.trail.breakGlass = { reason: d.breakGlass[0].reason };
      return;
    }
    if (d.reason === 'other-patient' && intent === 'write') throw new FhirError('forbidden', `This access token may only write to the record of Patient/${confinedTo(a)}`);
    if (d.status === 404) throw notKnown(resource);
    const hint = d.reason === 'no-relationship' || (d.reason === 'consent' && /break the glass/.test(d.message)) ? ` (POST [base]/Patient/${patients[0]}/$break-glass with a Parameters "reason")` : '';
    throw new FhirError('forbidden', d.message + hint);
  }

  /** A resource read must be of a type the token may read and, under a query-restricted scope, match the restriction. */
  private async checkReadScope(ctx: InteractionContext, db: Db, resource: Resource): Promise<void> {
    const restrictions = restrictionsFor(ctx.access, resource.resourceType, 'r');
    if (!restrictions || resource.id === undefined) return;
    for (const q of restrictions) if ((await ctx.search.matchIds(db, resource.resourceType, [['_id', resource.id], ...q], 1)).length) return;
    throw new FhirError('forbidden', `The access token may read ${resource.resourceType} resources only where ${restrictions.map((q) => new URLSearchParams([...q]).toString()).join(' or ')}`);
  }

  /**
   * A request about one patient's record (a compartment search, `patient=` criteria): checked as
   * a read of that Patient, so that a clinician without a relationship is told to break the glass.
   */
  async checkPatient(ctx: InteractionContext, db: Db, id: string): Promise<void> {
    if (ctx.access.mode === 'open') return;
    const v = await db.readCurrent('Patient', id);
    if (v && !v.deleted) await this.check(ctx, db, JSON.parse(v.json!) as Resource);
  }

  /**
   * Whether a resource passes `check` (for what is silently left out, such as _include targets);
   * `knownPatients` as for `check` (its Patient compartments, when the index already told them).
   */
  async visible(ctx: InteractionContext, db: Db, resource: Resource, knownPatients?: string[]): Promise<boolean> {
    try {
      await this.check(ctx, db, resource, knownPatients);
      return true;
    } catch (err) {
      if (err instanceof FhirError && (err.status === 403 || err.status === 404)) return false;
      throw err;
    }
  }

  /**
   * The resource types a search may cover, and the filter that confines it to what the caller may
   * see; applied to the search and, through `confine`, to the targets of its chains and `_has`.
   */
  async searchScope(
    ctx: InteractionContext,
    db: Db,
    types: readonly string[] | undefined,
    opts: { careChecked?: boolean } = {},
  ): Promise<{ types: readonly string[] | undefined; filter: Filter; careInPage: boolean }> {
    const a = ctx.access;
    if (a.mode === 'open') return { types, filter: { kind: 'true' }, careInPage: false };
    const searched = types ?? searchableTypes(a, this.deps.allTypes);
    if (!searched.length) throw new FhirError('forbidden', 'The access token has no scope to search any resource type');
    if (searched.some((t) => t === 'AuditEvent') && !a.roles.has('admin')) throw new FhirError('forbidden', 'AuditEvents are open to administrators only');
    // a search about patients already checked (e.g. subject=Patient/x) needs no care-set filter in SQL:
    // the page's rows are checked against the care set instead (`recheck`), which is exact and cheaper
    const careInPage = opts.careChecked === true && isClinicianUser(a);
    return { types: types ?? searched, filter: await this.filterFor(ctx, db, searched, careInPage), careInPage };
  }

  /**
   * Search matches of patients whose Consents refuse this caller some (not all) resources are
   * decided one by one; the rest passed the plan's filter already.
   */
  async recheck<R extends { rid: number; resourceType: string; content: string }>(
    ctx: InteractionContext,
    db: Db,
    rows: R[],
    patients: ReadonlyMap<number, string[]>,
    types: readonly string[],
    careInPage = false,
  ): Promise<R[]> {
    const a = ctx.access;
    if (a.mode === 'open' || !rows.length) return rows;
    if (careInPage) {
      const care = await this.policy.careSet(db, a);
      rows = rows.filter((r) => (patients.get(r.rid) ?? []).every((p) => care.related.has(p) || care.breakGlass.has(p)));
    }
    const some = (await this.policy.consentRefusals(db, a, types)).some;
    if (!some.size) return rows;
    const kept: R[] = [];
    for (const r of rows) {
      const ps = patients.get(r.rid) ?? [];
      if (!ps.some((p) => some.has(p)) || (await this.policy.decide(db, a, JSON.parse(r.content) as Resource, ps)).allow) kept.push(r);
    }
    return kept;
  }

  /** Adds the access filter of each chained or `_has` type to `filter`'s inner filters. */
  async confine(ctx: InteractionContext, db: Db, filter: Filter): Promise<Filter> {
    if (ctx.access.mode === 'open') return filter;
    switch (filter.kind) {
      case 'and':
      case 'or':
        return { kind: filter.kind, filters: await Promise.all(filter.filters.map((f) => this.confine(ctx, db, f))) };
      case 'not':
        return { kind: 'not', filter: await this.confine(ctx, db, filter.filter) };
      case 'chain':
        return {
          ...filter,
          targets: await Promise.all(filter.targets.map(async (t) => ({ type: t.type, filter: and([await this.confine(ctx, db, t.filter), await this.filterFor(ctx, db, [t.type])]) }))),
        };
      case 'has':
        return { ...filter, filter: and([await this.confine(ctx, db, filter.filter), await this.filterFor(ctx, db, [filter.type])]) };
      default:
        return filter;
    }
  }

  private async filterFor(ctx: InteractionContext, db: Db, types: readonly string[], careInPage = false): Promise<Filter> {
    const a = ctx.access;
    const { policy, inPatientCompartment } = this.deps;
    const parts: Filter[] = [];
    // scopes: each type's query restrictions (any granting scope's restriction may be met)
    const byType = types.map((t) => ({ type: t, restrictions: restrictionsFor(a, t, 's') }));
    if (byType.some((t) => t.restrictions)) {
      parts.push(
        or(
          byType.map(({ type, restrictions }) => {
            const isType: Filter = { kind: 'resource', where: { op: 'eq', column: 'resource_type', value: type } };
            if (!restrictions) return isType;
            return and([isType, or(restrictions.map((q) => this.deps.criteriaFilter(type, q)))]);
          }),
        ),
      );
    }
    const patientTypes = types.filter(inPatientCompartment);
    const confined = confinedTo(a);
    if (confined !== undefined) {
      // in this patient's compartment, and in no other patient's (as a read decides)
      const own: Filter = and([{ kind: 'compartment', compartment: 'Patient', id: confined }, { kind: 'patients', mode: 'within', ids: [confined] }]);
      if (patientTypes.length === types.length) parts.push(own);
      else if (patientTypes.length) parts.push(or([own, { kind: 'not', filter: { kind: 'resource', where: { op: 'in', column: 'resource_type', values: patientTypes } } }]));
    } else if (patientTypes.length) {
      if (isClinicianUser(a)) {
        if (!careInPage) {
          const care = await policy.careSet(db, a);
          parts.push({ kind: 'patients', mode: 'within', ids: [...care.related, ...care.breakGlass.keys()] });
        }
      } else if (a.fhirUser !== undefined) {
        parts.push({ kind: 'patients', mode: 'within', ids: [] }); // no clinical role: no patient records
      }
    }
    if (patientTypes.length && optOutApplies(a.purposeOfUse)) parts.push({ kind: 'patients', mode: 'outside', ids: [...(await policy.optedOut(db))] });
    if (patientTypes.length) {
      const refused = await policy.consentDeniesAll(db, a, patientTypes);
      if (refused.size) parts.push({ kind: 'patients', mode: 'outside', ids: [...refused] });
    }
    const hidden = policy.hiddenLabels(a.clearance);
    if (hidden.length) parts.push({ kind: 'not', filter: { kind: 'index', table: 'idx_token', param: '_security', where: { op: 'in', column: 'code', values: hidden }, rare: true } });
    return and(parts);
  }
}

