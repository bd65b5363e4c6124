/** Validation: the public face of `src/validation/`. */
export { createStructureValidator, type StructureValidator } from './structure.ts';
