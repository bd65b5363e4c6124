/**
 * Evaluating a SearchParameter's FHIRPath expression. Each expression is split into its union
 * terms and each term compiled once: plain paths (`Observation.code`, `Patient.name.given`,
 * `(Observation.value as Quantity)`, `X.where(system='phone')`, `X.where(resolve() is Patient)`)
 * by a walker over the JSON (fast-path.ts); anything else by the `fhirpath` package with the
 * R4 model. `resolve() is T` is the one async function the index needs; it is answered from
 * the reference text (a reference "names" its target type) for both evaluators.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4/index.js';
import { compileFastPath } from './fast-path.ts';
import { isObject } from './normalize.ts';

/** The values an expression selects from a node; callers only read them (no values: a shared frozen array). */
export type Evaluate = (node: unknown) => unknown[];

export interface CompiledExpression {
  /** Values (JSON) the expression selects from a resource of `resourceType`. */
  evaluate: Evaluate;
  /** True when every term is answered by the JSON walker. */
  fast: boolean;
}

const RESOLVE_IS = /^(.*)\.where\(resolve\(\) is ([A-Z][A-Za-z]+)\)$/;

/** Splits on top-level `|` (outside parentheses and quotes). */
export function unionTerms(expression: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = '';
  for (const c of expression) {
    if (c === "'") quote = !quote;
    if (!quote && c === '(') depth++;
    if (!quote && c === ')') depth--;
    if (!quote && depth === 0 && c === '|') {
      out.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  out.push(cur.trim());
  return out.filter(Boolean);
}

/** The type a reference names, from its text: "Patient/1", "http://x/fhir/Patient/1/_history/2". */
export function referenceTargetType(ref: unknown): string | undefined {
  if (!isObject(ref)) return undefined;
  if (typeof ref.reference === 'string') {
    const m = /(?:^|\/)([A-Z][A-Za-z]+)\/[A-Za-z0-9\-.]{1,64}(?:\/_history\/[^/]+)?$/.exec(ref.reference);
    if (m) return m[1];
  }
  return typeof ref.type === 'string' ? ref.type : undefined;
}

function withTargetFilter(evaluate: Evaluate, targetType: string | undefined): Evaluate {
  if (!targetType) return evaluate;
  return (node) => {
    const values = evaluate(node);
    return values.length ? values.filter((v) => referenceTargetType(v) === targetType) : values;
  };
}

/** No values: shared, and frozen, as what an Evaluate answers is only ever read. */
const NONE: unknown[] = Object.freeze([]) as unknown as unknown[];

/**
 * `X as T` on a collection is an error in FHIRPath; for indexing it means `X.ofType(T)`
 * (as later FHIR versions write these expressions).
 */
export function asToOfType(expression: string): string {
  let e = expression.replace(/\.as\(([A-Za-z]+)\)/g, '.ofType($1)');
  for (let prev = ''; prev !== e; ) (prev = e), (e = e.replace(/\(([^()]+?) as ([A-Za-z]+)\)/g, '$1.ofType($2)'));
  return e;
}

function fhirpathTerm(expression: string, base?: string): Evaluate {
  const compiled = fhirpath.compile(base ? { base, expression: asToOfType(expression) } : asToOfType(expression), r4model as never);
  return (node) => {
    const out = compiled(node as never) as unknown[];
    return out.filter((v) => v !== null && v !== undefined);
  };
}

/**
 * Compiles an expression for resources of `resourceType`. `base` is the element path of the
 * node it is evaluated on when that is not a resource (composite components). `forceFhirpath`
 * turns the fast path off (the test comparing both uses it).
 */
export function compileExpression(expression: string, resourceType: string, opts: { base?: string; forceFhirpath?: boolean } = {}): CompiledExpression {
  const terms = unionTerms(expression);
  let fast = true;
  const evaluators: Evaluate[] = [];
  for (const term of terms) {
    const m = RESOLVE_IS.exec(term);
    const path = m ? m[1] : term;
    const target = m ? m[2] : undefined;
    const walker = opts.forceFhirpath ? undefined : compileFastPath(path, resourceType, opts.base);
    if (walker === null) continue; // the term is about another resource type: it selects nothing
    if (walker) evaluators.push(withTargetFilter(walker, target));
    else {
      fast = false;
      evaluators.push(withTargetFilter(fhirpathTerm(path, opts.base), target));
    }
  }
  // most expressions are unions over many resource types (`AllergyIntolerance.patient | CarePlan.subject…`), of which one term is left
  const evaluate: Evaluate =
    evaluators.length === 0
      ? () => NONE
      : evaluators.length === 1
        ? evaluators[0]
        : (node) => {
            let out: unknown[] | undefined;
            for (const e of evaluators) for (const v of e(node)) (out ??= []).push(v);
            return out ?? NONE;
          };
  return { evaluate, fast };
}
