/**
 * A patient's privacy Consents (FHIR R4 Consent) decide what is shared with whom.
 *
 * A Consent counts when its status is `active` and its scope is `patient-privacy` (or `research`,
 * the scope of a research opt-out). Its root provision's conditions say when it speaks at all; its
 * `type` is the answer for every access those conditions cover unless a nested provision whose
 * conditions also hold says otherwise (nested provisions override their parent, the deepest
 * matching one wins, and between matching siblings deny wins). A nested provision without a
 * type takes its parent's. Across a patient's Consents, deny wins over permit; neither is 'none'.
 *
 * A permit never grants more than the other rules (scopes, relationships) allow: Consent can only
 * take access away.
 */
import { provisionMatches, type AccessQuery, type CodeableConcept, type Provision, type Reference } from './consent-match.ts';

export type { AccessQuery, Provision } from './consent-match.ts';

export const CONSENT_SCOPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/consentscope';
/** Consent scopes that govern access to a record. */
export const PRIVACY_SCOPES: readonly string[] = ['patient-privacy', 'research'];

export interface Consent {
  resourceType: 'Consent';
  id?: string;
  status?: string;
  scope?: CodeableConcept;
  category?: CodeableConcept[];
  patient?: Reference;
  dateTime?: string;
  policy?: { authority?: string; uri?: string }[];
  policyRule?: CodeableConcept;
  provision?: Provision;
  [key: string]: unknown;
}

export type ConsentEffect = 'permit' | 'deny' | 'none';

export interface ConsentDecision {
  decision: ConsentEffect;
  /** The Consent that decided (its id). */
  consent?: string;
}

/** Whether Meridian applies this Consent to access: active, with a privacy (or research) scope. */
export function consentInForce(consent: Consent): boolean {
  if (consent.resourceType !== 'Consent' || consent.status !== 'active') return false;
  return (consent.scope?.coding ?? []).some((c) => (c.system === undefined || c.system === CONSENT_SCOPE_SYSTEM) && PRIVACY_SCOPES.includes(c.code ?? ''));
}

type Outcome = ConsentEffect | 'skip';

/** The outcomes a provision may have for the access ('skip': its conditions do not hold). Exact when nothing is 'maybe'. */
function outcomes(p: Provision, inherited: Provision['type'], q: AccessQuery): Set<Outcome> {
  const type = p.type ?? inherited;
  const matches = provisionMatches(p, type, q);
  const out = new Set<Outcome>();
  if (matches === 'no') return out.add('skip');
  if (matches === 'maybe') out.add('skip');
  const children = (p.provision ?? []).map((c) => outcomes(c, type, q));
  if (children.some((c) => c.has('deny'))) out.add('deny');
  if (children.some((c) => c.has('permit')) && children.every((c) => [...c].some((o) => o !== 'deny'))) out.add('permit');
  if (children.every((c) => c.has('skip') || c.has('none'))) out.add(type ?? 'none');
  return out;
}

/** The effects one Consent may have for the access. */
function effects(consent: Consent, q: AccessQuery): Set<ConsentEffect> {
  if (!consentInForce(consent) || !consent.provision) return new Set(['none']);
  return new Set([...outcomes(consent.provision, undefined, q)].map((o) => (o === 'skip' ? 'none' : o)));
}

/**
 * What a patient's Consents say about one access. Give `resource` for an exact answer; without
 * it, conditions on the data (code, security label, data period, data) cannot be checked and any
 * Consent that might deny does deny.
 */
export function consentDecision(consents: readonly Consent[], q: AccessQuery): ConsentDecision {
  let permit: string | undefined;
  for (const c of consents) {
    const e = effects(c, q);
    if (e.has('deny')) return { decision: 'deny', consent: c.id };
    if (e.has('permit')) permit ??= c.id ?? '';
  }
  return permit === undefined ? { decision: 'none' } : { decision: 'permit', consent: permit || undefined };
}

/**
 * What a patient's Consents say about a whole record (or all of one resource type when
 * `q.resourceType` is given), for planning a search: 'deny-all' when every resource is refused,
 * 'permit' when none is, 'deny-some' when it depends on the resource (check each one with
 * `consentDecision`).
 */
export function recordConsent(consents: readonly Consent[], q: Omit<AccessQuery, 'resource'>): 'deny-all' | 'deny-some' | 'permit' {
  let some = false;
  for (const c of consents) {
    const e = effects(c, q);
    if (e.size === 1 && e.has('deny')) return 'deny-all';
    if (e.has('deny')) some = true;
  }
  return some ? 'deny-some' : 'permit';
}
