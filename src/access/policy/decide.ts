/**
 * One decision for one resource, with its reason: the rules of docs/access-policy.md in order.
 *
 * 1. Open mode (`--dev` without a token): everything.
 * 2. Confidentiality labels beyond the accessor's clearance: 404.
 * 3. A patient context confines to that patient's compartment: other patients' data (or patient
 *    data of no patient) is 404. The patient themselves then sees their whole record: their own
 *    Consents govern sharing with others, not their own access. Anyone else in a patient context
 *    (a proxy such as a parent, or a clinician app launched for a patient) goes on to 4.
 * 4. Resources in no Patient compartment (Organization, Practitioner, Medication …): allowed.
 * 5. By role, for every patient whose compartment holds the resource:
 *    - a clinician signed in as themselves needs a care relationship, or a live break-glass grant
 *      (only for direct-care purposes): otherwise 403, so they know to break the glass;
 *    - a backend system (no fhirUser) is limited by its scopes (checked by the caller);
 *    - an administrator without a clinical role: 403 (they manage conformance resources and users);
 *    - any other user: 403.
 * 6. The national data opt-out, when the purpose is not direct care: 404 (the patient is left out
 *    as if absent; a 403 would disclose that they opted out).
 * 7. The patient's Consents: deny is 403 (the clinician or system should know data is withheld),
 *    404 for a proxy in a patient context (existence may itself be sensitive). A break-glass
 *    access overrides a refusal unless the refusal names an emergency purpose.
 * Where several patients are involved, every one must be allowed; a 404 outranks a 403.
 */
import type { AccessContext } from '../types.ts';
import type { Accessor } from './accessor.ts';
import { isClinicianUser } from './break-glass.ts';
import { consentDecision, type AccessQuery, type Consent, type ConsentDecision } from './consent.ts';
import { labelsAllow } from './labels.ts';
import { isDirectCare, isEmergency, optOutApplies } from './purpose.ts';

export type DenyReason = 'label' | 'other-patient' | 'no-relationship' | 'admin' | 'no-clinical-role' | 'opt-out' | 'consent';

export type Decision =
  | { allow: true; /** Patients seen only thanks to a break-glass grant (audit them as break-glass). */ breakGlass?: { patient: string; reason: string }[] }
  | { allow: false; status: 403 | 404; reason: DenyReason; /** Plain words, with no patient data. */ message: string; consent?: string };

type MaybeAsync<T> = T | Promise<T>;

/** What the data says about the accessor and the patients; each answered per patient, from the store or a test table. */
export interface DecideFacts {
  accessor: Accessor;
  /** Epoch milliseconds: now. */
  at: number;
  inPatientCompartment(resourceType: string): boolean;
  related(patientId: string): MaybeAsync<boolean>;
  /** The reason of the accessor's live break-glass grant for the patient, if any. */
  breakGlass(patientId: string): MaybeAsync<string | undefined>;
  /** The patient's privacy Consents (national data opt-outs need not be included). */
  consents(patientId: string): MaybeAsync<readonly Consent[]>;
  optedOut(patientId: string): MaybeAsync<boolean>;
}

export interface DecideResource {
  resourceType: string;
  id?: string;
  meta?: { security?: unknown; profile?: unknown; [key: string]: unknown };
  [key: string]: unknown;
}

/** The patient a token is confined to: its patient context, or the patient who signed in. */
export function confinedTo(access: AccessContext): string | undefined {
  if (access.patient !== undefined) return access.patient;
  return access.fhirUser?.startsWith('Patient/') ? access.fhirUser.slice('Patient/'.length) : undefined;
}

/** Whether the accessor is the patient themselves (not a proxy or a clinician launched for them). */
export function isPatientThemselves(access: AccessContext, patientId: string): boolean {
  if (access.fhirUser !== undefined) return access.fhirUser === `Patient/${patientId}`;
  return access.roles.has('patient') && !access.roles.has('clinician') && access.patient === patientId;
}

type Refusal = Extract<Decision, { allow: false }>;
const refuse = (status: 403 | 404, reason: DenyReason, message: string, consent?: string): Refusal => ({ allow: false, status, reason, message, ...(consent ? { consent } : {}) });

export async function decide(access: AccessContext, resource: DecideResource, patients: readonly string[], facts: DecideFacts): Promise<Decision> {
  if (access.mode === 'open') return { allow: true };
  if (!labelsAllow(resource, access.clearance)) return refuse(404, 'label', 'The resource is not known');
  const confined = confinedTo(access);
  const compartmental = facts.inPatientCompartment(resource.resourceType);
  if (confined !== undefined && compartmental && (patients.length === 0 || patients.some((p) => p !== confined))) {
    return refuse(404, 'other-patient', 'The resource is not known');
  }
  if (patients.length === 0) return { allow: true };
  if (confined !== undefined && isPatientThemselves(access, confined)) return { allow: true };
  const proxy = confined !== undefined && !isClinicianUser(access);
  const refusals: Refusal[] = [];
  const breakGlass: { patient: string; reason: string }[] = [];
  for (const patient of patients) {
    const r = await decideForPatient(access, resource, patient, facts, proxy, breakGlass);
    if (r) refusals.push(r);
  }
  if (refusals.length) return refusals.find((r) => r.status === 404) ?? refusals[0];
  return breakGlass.length ? { allow: true, breakGlass } : { allow: true };
}

async function decideForPatient(access: AccessContext, resource: DecideResource, patient: string, facts: DecideFacts, proxy: boolean, used: { patient: string; reason: string }[]): Promise<Refusal | undefined> {
  let grant: string | undefined;
  let related = true;
  if (proxy) {
    // a proxy in a patient context: confined above; the opt-out and Consents below
  } else if (isClinicianUser(access)) {
    // a grant matters only without a relationship (or, below, when Consent refuses): look it up only then
    related = await facts.related(patient);
    if (!related) grant = isDirectCare(access.purposeOfUse) ? await facts.breakGlass(patient) : undefined;
    if (!related && grant === undefined) {
      return refuse(403, 'no-relationship', 'You have no care relationship with this patient. In an emergency you may break the glass, stating your reason (it is recorded and time-limited)');
    }
  } else if (access.fhirUser === undefined) {
    // a backend system: its scopes (checked by the caller), then the opt-out and Consents below
  } else if (access.roles.has('admin')) {
    return refuse(403, 'admin', 'Administrators manage conformance resources and users; they do not see patient records');
  } else {
    return refuse(403, 'no-clinical-role', 'Only clinicians with a care relationship, and patients themselves, may see patient records');
  }
  if (optOutApplies(access.purposeOfUse) && (await facts.optedOut(patient))) return refuse(404, 'opt-out', 'The resource is not known');
  const consents = await facts.consents(patient);
  const q = { accessor: facts.accessor, purposeOfUse: access.purposeOfUse, at: facts.at, resource };
  let d = consentVerdict(consents, q, related, grant !== undefined);
  if (d.decision === 'deny' && related && grant === undefined && isClinicianUser(access) && isDirectCare(access.purposeOfUse)) {
    // a related clinician refused by Consent: a break-glass grant may override it
    grant = await facts.breakGlass(patient);
    if (grant !== undefined) d = consentVerdict(consents, q, related, true);
  }
  if (d.decision === 'deny') {
    if (proxy) return refuse(404, 'consent', 'The resource is not known', d.consent);
    const hint = isClinicianUser(access) && grant === undefined ? '; in an emergency you may break the glass' : '';
    return refuse(403, 'consent', `The patient's consent does not allow this access${hint}`, d.consent);
  }
  if (grant !== undefined && (!related || d.overridden)) used.push({ patient, reason: grant });
  return undefined;
}

/**
 * What the patient's Consents say about an access by someone with (or without) a relationship
 * and with (or without) a break-glass grant: without a relationship the access is under
 * break-glass (an emergency access); with one, break-glass matters only if Consent refuses, and
 * `overridden` says that it did.
 */
export function consentVerdict(consents: readonly Consent[], q: AccessQuery, related: boolean, breakGlass: boolean): ConsentDecision & { overridden?: boolean } {
  if (!consents.length) return { decision: 'none' };
  const emergency: AccessQuery = { ...q, purposeOfUse: isEmergency(q.purposeOfUse) ? q.purposeOfUse : 'ETREAT', emergency: true };
  if (!related) return consentDecision(consents, breakGlass ? emergency : q);
  const d = consentDecision(consents, q);
  if (d.decision !== 'deny' || !breakGlass) return d;
  const e = consentDecision(consents, emergency);
  return e.decision === 'deny' ? d : { ...e, overridden: true };
}
