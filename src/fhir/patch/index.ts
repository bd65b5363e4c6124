/** Patching resources: JSON Patch (RFC 6902) and FHIRPath Patch (Parameters). */
export { applyJsonPatch } from './json-patch.ts';
export { applyFhirPathPatch } from './fhirpath-patch.ts';
export { readPatchOperations, type PatchOperation, type OperationType } from './fhirpath-patch-operations.ts';
