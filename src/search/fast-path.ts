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
  const paren = AS_PAREN.exec(path) ?? AS_CALL.exec(path);
  if (paren) {
    path = paren[1].trim();
    asType = paren[2];
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
    const choices = choiceTypePaths[el];
    if (choices) {
      if (!last) return undefined;
      const picked = asType ? choices.filter((c) => c.toLowerCase() === asType!.toLowerCase()) : choices;
      steps.push({ kind: 'child', keys: picked.map((c) => seg + capital(c)) });
      asType = undefined;
      done = true;
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
    if (asType && last) {
      // `as T` on an element that is not a choice: keeps the values of exactly that type
      if (type.toLowerCase() !== asType.toLowerCase()) return undefined;
      asType = undefined;
    }
  }
  if (asType) return undefined;
  return (node) => {
    let values: unknown[] = [node];
    for (const step of steps) {
      const next: unknown[] = [];
      if (step.kind === 'where') {
        for (const v of values) if (isObject(v) && v[step.field] === step.literal) next.push(v);
      } else {
        for (const v of values) {
          if (!isObject(v)) continue;
          for (const key of step.keys) {
            const x = v[key];
            if (x === undefined || x === null) continue;
            if (Array.isArray(x)) {
              for (const item of x) if (item !== null && item !== undefined) next.push(item);
            } else next.push(x);
          }
        }
      }
      values = next;
      if (!values.length) break;
    }
    return values;
  };
}
