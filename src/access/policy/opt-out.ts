/**
 * The NHS national data opt-out: a patient's choice that their confidential data is not used for
 * purposes beyond their individual care (research and planning). Meridian holds a registered
 * opt-out as a FHIR Consent of its own shape (see docs/access-policy.md):
 * - status `active` (withdrawing the opt-out: status `inactive`, or delete it);
 * - scope `research` (consentscope);
 * - category NATIONAL_DATA_OPT_OUT_CATEGORY — what Meridian recognises and searches on (indexed);
 * - policy[].uri NATIONAL_DATA_OPT_OUT_POLICY, for people and other systems;
 * - provision.type `deny` with the purposes it refuses (everything but direct care).
 * It is checked at query time: nothing is copied into the patient's other records.
 */
import type { StoreReader } from '../../storage/index.ts';
import { accessSqlFor, type Code } from '../../storage/access/index.ts';
import { CONSENT_SCOPE_SYSTEM, type Consent } from './consent.ts';
import { ACT_REASON } from './purpose.ts';

export { isDirectCare, optOutApplies } from './purpose.ts';

/** Meridian's identifier of the national data opt-out policy (NHS England publishes no FHIR URI for it). */
export const NATIONAL_DATA_OPT_OUT_POLICY = 'https://meridian.nhs.uk/fhir/policy/national-data-opt-out';

/** The Consent category that marks a national data opt-out. */
export const NATIONAL_DATA_OPT_OUT_CATEGORY: Readonly<Code> = Object.freeze({ system: 'https://meridian.nhs.uk/fhir/CodeSystem/consent-category', code: 'national-data-opt-out' });

/** The purposes an opt-out refuses: every purpose of use but direct care and the patient's own requests (sub-purposes included). */
export const OPT_OUT_PURPOSES: readonly string[] = ['HRESCH', 'HOPERAT', 'HPAYMT', 'HMARKT', 'PUBHLTH', 'POPHLTH'];

const hasCategory = (c: Consent) => (c.category ?? []).some((cc) => (cc.coding ?? []).some((x) => x.system === NATIONAL_DATA_OPT_OUT_CATEGORY.system && x.code === NATIONAL_DATA_OPT_OUT_CATEGORY.code));

/** Whether the Consent is a national data opt-out (active or not). */
export function isOptOutConsent(consent: Consent): boolean {
  return consent.resourceType === 'Consent' && hasCategory(consent);
}

/** Whether the Consent is a national data opt-out in force: active and marked by the category (as the store query finds them). */
export function isNationalDataOptOut(consent: Consent): boolean {
  return isOptOutConsent(consent) && consent.status === 'active';
}

/** A national data opt-out for a patient, as Meridian expects it (POST it as a Consent). */
export function nationalDataOptOut(patientId: string, opts: { dateTime?: string; organization?: string } = {}): Consent {
  return {
    resourceType: 'Consent',
    status: 'active',
    scope: { coding: [{ system: CONSENT_SCOPE_SYSTEM, code: 'research' }] },
    category: [{ coding: [{ ...NATIONAL_DATA_OPT_OUT_CATEGORY, display: 'National data opt-out' }] }],
    patient: { reference: `Patient/${patientId}` },
    ...(opts.dateTime ? { dateTime: opts.dateTime } : {}),
    ...(opts.organization ? { organization: [{ reference: `Organization/${opts.organization}` }] } : {}),
    policy: [{ uri: NATIONAL_DATA_OPT_OUT_POLICY }],
    provision: { type: 'deny', purpose: OPT_OUT_PURPOSES.map((code) => ({ system: ACT_REASON, code })) },
  };
}

/** The ids of every patient with an active national data opt-out (one index query). */
export async function optedOutPatients(db: StoreReader, dialect: 'sqlite' | 'postgres'): Promise<Set<string>> {
  const rows = await db.select(accessSqlFor(dialect).patientsWithCategory(NATIONAL_DATA_OPT_OUT_CATEGORY));
  return new Set(rows.map((r) => String(r.patient_id)));
}

/** Whether one patient has an active national data opt-out (index lookups only). */
export async function hasOptedOut(db: StoreReader, dialect: 'sqlite' | 'postgres', patientId: string): Promise<boolean> {
  return (await db.select(accessSqlFor(dialect).patientHasCategory(patientId, NATIONAL_DATA_OPT_OUT_CATEGORY))).length > 0;
}
