/**
 * The fast path of index extraction: plain FHIRPath paths evaluated by walking the JSON,
 * with the element types of fhirpath's own R4 model (choice types, content references).
 * Returns undefined for anything it does not handle, so that fhirpath evaluates it instead.
 */
import { createRequire } from 'node:module';
import { isObject } from './normalize.ts';
import type { Evaluate } from './expression.ts';

const require = createRequire(import.meta.url);
const path2Type = require('fhirpath/fhir-context/r4/path2Type.json') as Record<string, string | { code: string }>;
const choiceTypePaths = require('fhirpath/fhir-context/r4/choiceTypePaths.json') as Record<string, string[]>;
const definedElsewhere = require('fhirpath/fhir-context/r4/pathsDefinedElsewhere.json') as Record<string, string>;

type Step = { kind: 'child'; keys: string[] } | { kind: 'where'; field: string; literal: string };

const NAME = '[a-z][A-Za-z0-9]*';
const WHERE = new RegExp(`^where\\((${NAME})\\s*=\\s*'([^'\\\\]*)'\\)$`);
const AS_PAREN = /^\((.+) as ([A-Za-z]+)\)$/;
const AS_CALL = /^(.+)\.(?:as|ofType)\(([A-Za-z]+)\)$/;
/** `(Observation.value as CodeableConcept).text`: a path on from one type of a choice. */
const AS_PAREN_PATH = /^\(([^()]+) as ([A-Za-z]+)\)\.([^()]+)$/;

function typeAt(path: string): string | undefined {
  const t = path2Type[path];
  if (t === undefined) return undefined;
  return typeof t === 'string' ? t : t.code;
}

/** Splits a path on dots outside parentheses. */
function segments(path: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of path) {
    if (c === '(') depth++;
    if (c === ')') depth--;
    if (depth < 0) return undefined;
    if (c === '.' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return depth === 0 ? out : undefined;
}

const capital = (t: string) => t[0].toUpperCase() + t.slice(1);

/**
 * Compiles `term` for resources of `resourceType` (or for nodes at element path `base`).
 * null: the term selects from another resource type (never matches); undefined: not handled.
 */
export function compileFastPath(term: string, resourceType: string, base?: string): Evaluate | null | undefined {
  let path = term.trim();
  let asType: string | undefined;
  let after: string | undefined;
  const paren = AS_PAREN.exec(path) ?? AS_CALL.exec(path) ?? AS_PAREN_PATH.exec(path);
  if (paren) {
    path = paren[1].trim();
    asType = paren[2];
    after = paren[3]?.trim();
  }
  const segs = segments(path);
  if (!segs?.length) return undefined;
  let current: string;
  if (base) current = base;
  else {
    const root = segs.shift()!;
    if (!/^[A-Z][A-Za-z]+$/.test(root)) return undefined;
    if (root !== resourceType && root !== 'Resource' && root !== 'DomainResource') return null;
    current = resourceType;
  }
  /** The segment `as` applies to: the last element of the path it casts (more segments may follow it). */
  let asAt = segs.length - 1;
  while (asAt >= 0 && WHERE.test(segs[asAt])) asAt--;
  if (after !== undefined) {
    const more = segments(after);
    if (!more?.length || asAt < 0) return undefined;
    segs.push(...more);
  }
  const steps: Step[] = [];
  let done = false; // a choice element or primitive ends the path
  for (let n = 0; n < segs.length; n++) {
    const seg = segs[n];
    const where = WHERE.exec(seg);
    if (where) {
      if (!steps.length) return undefined;
      steps.push({ kind: 'where', field: where[1], literal: where[2] });
      continue;
    }
    if (done || !new RegExp(`^${NAME}$`).test(seg)) return undefined;
    let el = `${current}.${seg}`;
    if (typeAt(el) === undefined && !choiceTypePaths[el] && !definedElsewhere[el]) {
      // inherited elements (id, meta, text, extension …) are listed under the base types
      const inherited = ['DomainResource', 'Resource', 'Element'].map((b) => `${b}.${seg}`).find((p) => typeAt(p) !== undefined);
      if (!inherited) return undefined;
      el = inherited;
    }
    const last = n === segs.length - 1 || segs.slice(n + 1).every((s) => WHERE.test(s));
    const asHere = asType !== undefined && n === asAt;
    const choices = choiceTypePaths[el];
    if (choices) {
      const picked = asHere ? choices.filter((c) => c.toLowerCase() === asType!.toLowerCase()) : choices;
      steps.push({ kind: 'child', keys: picked.map((c) => seg + capital(c)) });
      if (asHere) asType = undefined;
      if (last) {
        done = true;
        continue;
      }
      // on into the one type picked, when it has elements of its own
      if (!asHere || picked.length !== 1 || !/^[A-Z]/.test(picked[0])) return undefined;
      current = picked[0];
      continue;
    }
    steps.push({ kind: 'child', keys: [seg] });
    if (definedElsewhere[el]) {
      current = definedElsewhere[el];
      continue;
    }
    const type = typeAt(el)!;
    if (type === 'BackboneElement' || type === 'Element') current = el;
    else if (/^[A-Z]/.test(type) && !type.startsWith('System.')) current = type;
    else done = true; // a primitive
    if (asHere) {
      // `as T` on an element that is not a choice: keeps the values of exactly that type
      if (type.toLowerCase() !== asType!.toLowerCase()) return undefined;
      asType = undefined;
    }
  }
  if (asType) return undefined;
  return walker(steps);
}

/** What a walk that finds nothing answers: one shared array, frozen, as callers only read what they are given. */
const NONE: unknown[] = Object.freeze([]) as unknown as unknown[];

/** Adds the values of `keys` of `v` (array items one by one, nulls left out) to `out`, which it creates when needed. */
function children(v: unknown, keys: readonly string[], out: unknown[] | undefined): unknown[] | undefined {
  if (!isObject(v)) return out;
  for (let k = 0; k < keys.length; k++) {
    const x = v[keys[k]];
    if (x === undefined || x === null) continue;
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) if (x[i] !== null && x[i] !== undefined) (out ??= []).push(x[i]);
    } else (out ??= []).push(x);
  }
  return out;
}

/** Evaluates the steps; allocates nothing for the many parameters that find nothing in a resource. */
function walker(steps: Step[]): Evaluate {
  if (!steps.length) return (node) => [node];
  const first = steps[0] as Extract<Step, { kind: 'child' }>; // a where() never comes first
  return (node) => {
    let values = children(node, first.keys, undefined);
    for (let n = 1; n < steps.length && values; n++) {
      const step = steps[n];
      let next: unknown[] | undefined;
      if (step.kind === 'where') {
        for (const v of values) if (isObject(v) && v[step.field] === step.literal) (next ??= []).push(v);
      } else for (const v of values) next = children(v, step.keys, next);
      values = next;
    }
    return values ?? NONE;
  };
}
