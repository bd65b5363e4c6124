/**
 * National rules for England that StructureDefinitions cannot express: the NHS number check
 * digit (Modulus 11), the shape of ODS organisation codes, and the NHS number verification
 * status, where the older CodeSystem that PDS still sends is accepted alongside UK Core's.
 */
import type { Issue } from '../fhir/errors.ts';

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const ODS_SITE_SYSTEM = 'https://fhir.nhs.uk/Id/ods-site-code';

/** The verification status CodeSystems: UK Core's, and the older one PDS still sends. */
export const NHS_NUMBER_VERIFICATION_ENGLAND = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland';
export const NHS_NUMBER_VERIFICATION_OLDER = 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatus';
export const NHS_NUMBER_VERIFICATION_SYSTEMS = [NHS_NUMBER_VERIFICATION_ENGLAND, NHS_NUMBER_VERIFICATION_OLDER];

/**
 * Code systems treated as another when checking bindings: PDS still sends the verification
 * status from the older UK Core CodeSystem, whose codes 01 to 08 mean the same as England's.
 */
export const UK_SYSTEM_ALIASES: ReadonlyMap<string, string> = new Map([[NHS_NUMBER_VERIFICATION_OLDER, NHS_NUMBER_VERIFICATION_ENGLAND]]);
const VERIFICATION_CODES = new Set(['01', '02', '03', '04', '05', '06', '07', '08']);

/** Why `value` is not a valid NHS number, or undefined when it is. */
export function nhsNumberProblem(value: string): string | undefined {
  if (!/^[0-9]{10}$/.test(value)) return `an NHS number is 10 digits with no spaces; found '${value}'`;
  if (/^(\d)\1{9}$/.test(value)) return `'${value}' is not an NHS number: all ten digits are the same`;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(value[i]) * (10 - i);
  let check = 11 - (sum % 11);
  if (check === 11) check = 0;
  if (check === 10) return `'${value}' is not an NHS number: no check digit is possible for its first nine digits`;
  if (check !== Number(value[9])) return `'${value}' is not an NHS number: its check digit should be ${check} (Modulus 11)`;
  return undefined;
}

export function isValidNhsNumber(value: string): boolean {
  return nhsNumberProblem(value) === undefined;
}

/**
 * ODS codes: organisations are 3 to 6 upper-case letters and digits (e.g. `X26`, `RR8`,
 * `A81001`, `RBA11`, `8HK48`); sites up to 9 (e.g. `RR813`, `RBAAA`, `7A1AU`).
 */
export function odsCodeProblem(value: string, site = false): string | undefined {
  const re = site ? /^[A-Z0-9]{3,9}$/ : /^[A-Z0-9]{3,6}$/;
  if (!re.test(value)) return `'${value}' is not an ODS ${site ? 'site' : 'organisation'} code (${site ? '3 to 9' : '3 to 6'} upper-case letters and digits)`;
  return undefined;
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Walks a resource and checks every Identifier with the NHS number or ODS systems, and every
 * NHS number verification status coding. Expressions locate the offending element.
 */
export function checkUkRules(resource: unknown): Issue[] {
  const issues: Issue[] = [];
  if (!isObject(resource) || typeof resource.resourceType !== 'string') return issues;
  const visit = (node: unknown, path: string, depth: number): void => {
    if (depth > 200) return;
    if (Array.isArray(node)) {
      node.forEach((item, i) => visit(item, `${path}[${i}]`, depth + 1));
      return;
    }
    if (!isObject(node)) return;
    if (typeof node.system === 'string' && typeof node.value === 'string') {
      let problem: string | undefined;
      if (node.system === NHS_NUMBER_SYSTEM) problem = nhsNumberProblem(node.value);
      else if (node.system === ODS_ORGANISATION_SYSTEM) problem = odsCodeProblem(node.value);
      else if (node.system === ODS_SITE_SYSTEM) problem = odsCodeProblem(node.value, true);
      if (problem !== undefined) issues.push({ severity: 'error', code: 'value', diagnostics: problem, expression: [`${path}.value`] });
    }
    if (typeof node.system === 'string' && NHS_NUMBER_VERIFICATION_SYSTEMS.includes(node.system) && typeof node.code === 'string') {
      if (!VERIFICATION_CODES.has(node.code)) {
        issues.push({ severity: 'error', code: 'code-invalid', diagnostics: `'${node.code}' is not an NHS number verification status (01 to 08)`, expression: [`${path}.code`] });
      }
    }
    for (const k in node) {
      if (k === 'resourceType' || k === 'text') continue;
      const child = node[k];
      if (typeof child === 'object' && child !== null) {
        const choice = /^value([A-Z].*)$/.exec(k);
        visit(child, choice === null ? `${path}.${k}` : `${path}.value.ofType(${choice[1]})`, depth + 1);
      }
    }
  };
  visit(resource, resource.resourceType, 0);
  return issues;
}
