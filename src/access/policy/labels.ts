/**
 * Confidentiality labels: a resource's `meta.security` codings from HL7 v3 Confidentiality
 * (U unrestricted, L low, M moderate, N normal, R restricted, V very restricted), against the
 * accessor's clearance. U, L, M and N are visible to everyone whose other rules allow the
 * resource; R needs clearance 'R' (or 'V'); V needs 'V'. The levels are ordered, so 'V' clears
 * R too. Other security labels (sensitivity, handling caveats) are not confidentiality levels
 * and do not hide a resource here; a Consent provision may still name them.
 */

export const CONFIDENTIALITY_SYSTEMS: readonly string[] = ['http://terminology.hl7.org/CodeSystem/v3-Confidentiality', 'http://hl7.org/fhir/v3/Confidentiality'];

/** The confidentiality codes, least to most restricted. */
export const CONFIDENTIALITY_LEVELS = ['U', 'L', 'M', 'N', 'R', 'V'] as const;

/** Codes that need a clearance, and the clearances that satisfy each. */
const NEEDS: Record<string, readonly string[]> = { R: ['R', 'V'], V: ['V'] };

/** Anything with a `meta.security` (a resource). */
export type Labelled = { meta?: { security?: unknown; [key: string]: unknown }; [key: string]: unknown };

interface Coding {
  system?: unknown;
  code?: unknown;
}

/** The confidentiality codes in a resource's `meta.security` (either system), upper-cased. */
export function confidentialityOf(resource: Labelled): string[] {
  const security = resource.meta?.security;
  if (!Array.isArray(security)) return [];
  const out: string[] = [];
  for (const c of security as Coding[]) {
    if (c && typeof c.code === 'string' && typeof c.system === 'string' && CONFIDENTIALITY_SYSTEMS.includes(c.system)) out.push(c.code.toUpperCase());
  }
  return out;
}

/** Whether a clearance lets its holder see data labelled `code`. */
export function clearedFor(clearance: ReadonlySet<string>, code: string): boolean {
  const needs = NEEDS[code.toUpperCase()];
  return needs === undefined || needs.some((c) => clearance.has(c));
}

/** Whether every confidentiality label of the resource is within the clearance. */
export function labelsAllow(resource: Labelled, clearance: ReadonlySet<string>): boolean {
  return confidentialityOf(resource).every((code) => clearedFor(clearance, code));
}

/**
 * The codes a clearance may not see, for a search filter on the `_security` token index
 * (`NOT (_security code IN …)`); empty when nothing is hidden. Both cases are listed, since
 * token codes are indexed as written.
 */
export function hiddenLabels(clearance: ReadonlySet<string>): string[] {
  return Object.keys(NEEDS)
    .filter((code) => !clearedFor(clearance, code))
    .flatMap((code) => [code, code.toLowerCase()]);
}
