/**
 * Whether one Consent provision's conditions hold for an access, field by field. Answers are
 * three-valued: 'maybe' when the condition depends on the resource and the resource is not
 * given (planning a search for a whole record), so callers can tell "always", "never" and
 * "depends on the resource".
 */
import { dateRange } from '../../fhir/dates.ts';
import { CLIENT_ID_SYSTEM, referenceKey, type Accessor } from './accessor.ts';
import { ACT_REASON, purposeCovers } from './purpose.ts';

export type Tri = 'yes' | 'no' | 'maybe';

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}
export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}
export interface Reference {
  reference?: string;
  identifier?: { system?: string; value?: string };
}
export interface Period {
  start?: string;
  end?: string;
}

export interface Provision {
  type?: 'deny' | 'permit';
  period?: Period;
  actor?: { role?: CodeableConcept; reference?: Reference }[];
  action?: CodeableConcept[];
  securityLabel?: Coding[];
  purpose?: Coding[];
  class?: Coding[];
  code?: CodeableConcept[];
  dataPeriod?: Period;
  data?: { meaning?: string; reference?: Reference }[];
  provision?: Provision[];
}

/** What is being accessed, by whom, for what. */
export interface AccessQuery {
  accessor: Accessor;
  /** v3 ActReason code, e.g. 'TREAT'. */
  purposeOfUse: string;
  /** Epoch milliseconds. */
  at: number;
  /** Consent actions the access amounts to; reads are access, use and disclosure at once (the default). */
  actions?: readonly string[];
  resourceType?: string;
  resource?: { resourceType: string; id?: string; meta?: { security?: unknown; profile?: unknown }; [key: string]: unknown };
  /**
   * A break-glass (emergency) access: deny provisions bind it only when they name an emergency
   * purpose (ETREAT, BTG, ERTREAT) — the patient refused even emergency access.
   */
  emergency?: boolean;
}

export const READ_ACTIONS: readonly string[] = ['access', 'use', 'disclose'];
const RESOURCE_TYPES = 'http://hl7.org/fhir/resource-types';
const CONSENT_ACTION = 'http://terminology.hl7.org/CodeSystem/consentaction';
const EMERGENCY = ['ETREAT', 'BTG', 'ERTREAT'];

export function and3(values: Tri[]): Tri {
  if (values.includes('no')) return 'no';
  return values.includes('maybe') ? 'maybe' : 'yes';
}
const tri = (b: boolean): Tri => (b ? 'yes' : 'no');

/** Whether `at` falls within the period (bounds at their own precision; open ends unbounded). */
export function inPeriod(period: Period, at: number): boolean {
  const low = period.start ? dateRange(period.start)?.low : -Infinity;
  const high = period.end ? dateRange(period.end)?.high : Infinity;
  if (low === undefined || high === undefined) return false; // unreadable bounds match nothing
  return low <= at && at <= high;
}

function actorMatches(actor: NonNullable<Provision['actor']>[number], a: Accessor): boolean {
  const ref = actor.reference;
  const key = referenceKey(ref?.reference);
  if (key !== undefined) return key === a.fhirUser || key === a.practitioner || key === a.organization;
  const id = ref?.identifier;
  if (!id?.system || !id.value) return false;
  if (id.system === CLIENT_ID_SYSTEM) return id.value === a.clientId;
  return a.identifiers.some((i) => i.system === id.system && i.value === id.value);
}

function purposeMatches(codings: Coding[], purposeOfUse: string): boolean {
  return codings.some((c) => c.code !== undefined && (c.system === undefined || c.system === ACT_REASON) && purposeCovers(c.code, purposeOfUse));
}

function actionMatches(concepts: CodeableConcept[], actions: readonly string[]): boolean {
  return concepts.some((cc) => (cc.coding ?? []).some((c) => c.code !== undefined && (c.system === undefined || c.system === CONSENT_ACTION) && actions.includes(c.code)));
}

function classMatches(codings: Coding[], q: AccessQuery): Tri {
  const type = q.resource?.resourceType ?? q.resourceType;
  const profiles = q.resource ? (Array.isArray(q.resource.meta?.profile) ? (q.resource.meta.profile as unknown[]) : []) : undefined;
  let unknown = false;
  for (const c of codings) {
    if (!c.code) continue;
    const isType = c.system === RESOURCE_TYPES || (c.system === undefined && /^[A-Z][A-Za-z]+$/.test(c.code));
    if (isType) {
      if (type === undefined) unknown = true;
      else if (c.code === type) return 'yes';
    } else if (c.system === undefined && /^https?:/.test(c.code)) {
      // a profile's canonical URL
      if (profiles === undefined) unknown = true;
      else if (profiles.some((p) => typeof p === 'string' && p.split('|')[0] === c.code)) return 'yes';
    }
  }
  return unknown ? 'maybe' : 'no';
}

/** Every Coding in the resource (objects with a system and a code), walking the whole tree. */
function codingsIn(value: unknown, out: Coding[] = []): Coding[] {
  if (Array.isArray(value)) for (const v of value) codingsIn(v, out);
  else if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.system === 'string' && typeof o.code === 'string') out.push({ system: o.system, code: o.code });
    for (const [k, v] of Object.entries(o)) if (k !== 'meta' && k !== 'text' && typeof v === 'object') codingsIn(v, out);
  }
  return out;
}

/** Every reference in the resource, as 'Type/id'. */
function referencesIn(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) referencesIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (k === 'reference') {
        const key = referenceKey(v);
        if (key) out.add(key);
      } else if (typeof v === 'object') referencesIn(v, out);
    }
  }
  return out;
}

/** The R4 and pre-R4 URLs of the v3 code systems name the same system. */
const canonicalSystem = (s: string | undefined) => (s?.startsWith('http://hl7.org/fhir/v3/') ? `http://terminology.hl7.org/CodeSystem/v3-${s.slice('http://hl7.org/fhir/v3/'.length)}` : s);
const sameCoding = (a: Coding, b: Coding) => a.code === b.code && (a.system === undefined || b.system === undefined || canonicalSystem(a.system) === canonicalSystem(b.system));

/** The clinically relevant time of a resource (when it happened), as a range; undefined when it has none. */
const WHEN = ['effectiveDateTime', 'effectiveInstant', 'effectivePeriod', 'occurrenceDateTime', 'occurrencePeriod', 'performedDateTime', 'performedPeriod', 'onsetDateTime', 'period', 'authoredOn', 'recordedDate', 'issued', 'date', 'created', 'sent'];
function whenOf(resource: Record<string, unknown>): { low: number; high: number } | undefined {
  for (const field of WHEN) {
    const v = resource[field];
    if (typeof v === 'string') return dateRange(v);
    if (v && typeof v === 'object') {
      const p = v as Period;
      const low = p.start ? dateRange(p.start)?.low : -Infinity;
      const high = p.end ? dateRange(p.end)?.high : Infinity;
      if (low !== undefined && high !== undefined && (p.start || p.end)) return { low, high };
    }
  }
  return undefined;
}

function dataMatches(data: NonNullable<Provision['data']>, resource: NonNullable<AccessQuery['resource']>): boolean {
  const self = resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
  let refs: Set<string> | undefined;
  return data.some((d) => {
    const target = referenceKey(d.reference?.reference);
    if (!target) return false;
    if (target === self && d.meaning !== 'authoredby') return true; // instance, and the instance itself for related and dependents
    // dependents: resources that refer to the instance; authoredby: resources that refer to their author.
    // related (what the instance refers to) would need the instance read: only the instance itself matches.
    if (d.meaning === 'dependents' || d.meaning === 'authoredby') return (refs ??= referencesIn(resource)).has(target);
    return false;
  });
}

/** Whether the provision's own conditions (not its nested provisions) hold for the access. */
export function provisionMatches(p: Provision, effectiveType: 'deny' | 'permit' | undefined, q: AccessQuery): Tri {
  const checks: Tri[] = [];
  if (p.period) checks.push(tri(inPeriod(p.period, q.at)));
  if (p.actor?.length) checks.push(tri(p.actor.some((actor) => actorMatches(actor, q.accessor))));
  if (p.purpose?.length) checks.push(tri(purposeMatches(p.purpose, q.purposeOfUse)));
  if (q.emergency && effectiveType === 'deny') checks.push(tri((p.purpose ?? []).some((c) => EMERGENCY.includes(c.code ?? ''))));
  if (p.action?.length) checks.push(tri(actionMatches(p.action, q.actions ?? READ_ACTIONS)));
  if (p.class?.length) checks.push(classMatches(p.class, q));
  const r = q.resource;
  if (p.code?.length) {
    if (!r) checks.push('maybe');
    else {
      const found = codingsIn(r);
      checks.push(tri(p.code.some((cc) => (cc.coding ?? []).some((c) => found.some((f) => sameCoding(c, f))))));
    }
  }
  if (p.securityLabel?.length) {
    if (!r) checks.push('maybe');
    else {
      const labels = Array.isArray(r.meta?.security) ? (r.meta.security as Coding[]) : [];
      checks.push(tri(p.securityLabel.some((c) => labels.some((l) => sameCoding(c, l)))));
    }
  }
  if (p.dataPeriod) {
    if (!r) checks.push('maybe');
    else {
      const when = whenOf(r);
      const low = p.dataPeriod.start ? dateRange(p.dataPeriod.start)?.low : -Infinity;
      const high = p.dataPeriod.end ? dateRange(p.dataPeriod.end)?.high : Infinity;
      checks.push(tri(when !== undefined && low !== undefined && high !== undefined && when.low <= high && when.high >= low));
    }
  }
  if (p.data?.length) checks.push(r ? tri(dataMatches(p.data, r)) : 'maybe');
  return and3(checks);
}
