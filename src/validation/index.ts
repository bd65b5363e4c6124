/** Validation: the public face of `src/validation/`. */
export { createStructureValidator, type StructureValidator } from './structure.ts';
export { createValidator, createRegistry, type Validator, type ValidatorOptions, type ValidationPolicy, type ValidateOptions } from './validator.ts';
export { ConformanceRegistry, loadR4ConformanceResources, CONFORMANCE_TYPES, type CanonicalResource, type ValueSet, type CodeSystem, type ConceptMap, type CodeSystemConcept, type ExpansionContains } from './conformance.ts';
export { loadPackage, addPackage, UKCORE_PACKAGE_DIR, type FhirPackage } from './packages.ts';
export { generateSnapshot, SnapshotError } from './snapshot.ts';
export { Terminology, withExtraResources, systemName, type CodeCheck, type CodeSystemIndex, type ConceptInfo } from './terminology/index.ts';
export { nhsNumberProblem, isValidNhsNumber, odsCodeProblem, checkUkRules, NHS_NUMBER_SYSTEM } from './uk-rules.ts';
