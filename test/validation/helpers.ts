/** One copy of the R4 definitions and core conformance resources per test process. */
import { loadR4Definitions, type Definitions } from '../../src/fhir/definitions.ts';
import { createValidator, loadR4ConformanceResources, type CanonicalResource, type Validator, type ValidatorOptions } from '../../src/validation/index.ts';

let defs: Definitions | undefined;
let core: CanonicalResource[] | undefined;
let shared: Validator | undefined;

export function testDefinitions(): Definitions {
  return (defs ??= loadR4Definitions());
}

export function coreResources(): CanonicalResource[] {
  return (core ??= loadR4ConformanceResources());
}

/** A validator with UK Core loaded; pass options for a fresh one. */
export function testValidator(options?: Partial<ValidatorOptions>): Validator {
  if (options === undefined) return (shared ??= createValidator({ defs: testDefinitions(), coreResources: coreResources() }));
  return createValidator({ defs: testDefinitions(), coreResources: coreResources(), ...options });
}

export const UKCORE = 'https://fhir.hl7.org.uk/StructureDefinition';
export const TESTDATA = new URL('../../../shared/testdata', import.meta.url).pathname;
