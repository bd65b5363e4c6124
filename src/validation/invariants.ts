/**
 * Invariants (`ElementDefinition.constraint.expression`) evaluated with the `fhirpath` package
 * and its R4 model. Each (base path, expression) pair is compiled once and reused; an
 * expression the engine cannot compile is remembered and skipped (reported once by `skipped`).
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];

/** Constraints checked natively (ele-1, ext-1) or by the structural validator (txt-1, txt-2: the engine has no htmlChecks()) by the validators (cheaper, and with better messages). */
export const NATIVE_CONSTRAINTS = new Set(['ele-1', 'ext-1', 'txt-1', 'txt-2']);

export class InvariantEngine {
  private readonly compiled = new Map<string, Compiled | null>();
  readonly skipped = new Set<string>();

  private get(base: string, expression: string): Compiled | null {
    const k = `${base}\u0000${expression}`;
    let fn = this.compiled.get(k);
    if (fn === undefined) {
      try {
        fn = fhirpath.compile({ base, expression }, r4 as never, { resolveInternalTypes: true, traceFn: () => undefined } as never) as unknown as Compiled;
      } catch {
        fn = null;
        this.skipped.add(expression);
      }
      this.compiled.set(k, fn);
    }
    return fn;
  }

  /**
   * Evaluates a constraint on a node whose definition path is `base`. True or false; undefined
   * when the expression cannot be evaluated here (unsupported function, engine error).
   */
  check(base: string, expression: string, node: unknown, resource: unknown, rootResource: unknown): boolean | undefined {
    const fn = this.get(base, expression);
    if (fn === null) return undefined;
    let result: unknown[];
    try {
      result = fn(node, { resource, rootResource, context: node, ucum: 'http://unitsofmeasure.org', sct: 'http://snomed.info/sct', loinc: 'http://loinc.org' });
    } catch {
      this.skipped.add(expression);
      return undefined;
    }
    if (!Array.isArray(result) || result.length === 0) return true;
    if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
    return true;
  }
}
