/** Small builders for the FHIR shapes the generator writes. */
import type { Concept } from './tables/clinical.ts';

export type Resource = { resourceType: string; id: string; [key: string]: unknown };

export const UKCORE = 'https://fhir.hl7.org.uk/StructureDefinition/';
export const profile = (name: string) => ({ profile: [`${UKCORE}UKCore-${name}`] });
export const EXT = (name: string) => `${UKCORE}Extension-UKCore-${name}`;

export const ODS_ORG = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const ODS_SITE = 'https://fhir.nhs.uk/Id/ods-site-code';
export const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';

export const DAY = 86_400_000;
export const YEAR_MS = 365.25 * DAY;

export function coding(system: string, c: Concept) {
  return { system, code: c.code, display: c.display };
}

export function concept(system: string, c: Concept, text?: string) {
  return text === undefined ? { coding: [coding(system, c)] } : { coding: [coding(system, c)], text };
}

export function ref(type: string, id: string, display?: string) {
  return display === undefined ? { reference: `${type}/${id}` } : { reference: `${type}/${id}`, display };
}

export function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** A dateTime in UTC with seconds precision (the generator never needs milliseconds). */
export function isoDateTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
