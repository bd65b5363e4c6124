/**
 * Rules of particular resource types that their definitions state in prose rather than as
 * invariants: CodeSystem (content and concepts agree; supplements; properties declared once and
 * used with their types), ValueSet (compose systems absolute; filter values of the property's
 * type; parameterised filter expressions), SearchParameter (agrees with the one it is derived
 * from) and CapabilityStatement (search parameters of the type their definition has). Applied
 * to the resource and to the resources inside it (contained, Bundle entries, Parameters), in full
 * validation. Questionnaire rules are in questionnaire-rules.ts.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';
import type { Issue, IssueSeverity } from '../fhir/errors.ts';
import type { ConformanceRegistry } from './conformance.ts';
import type { StructureDefinition } from '../fhir/definitions.ts';
import { questionnaireRules } from './questionnaire-rules.ts';
import { generateSnapshot } from './snapshot.ts';
import type { Terminology } from './terminology/index.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

/** The properties R4 defines for every code system (http://hl7.org/fhir/concept-properties; codesystem.html#defined-props), with their types. */
const DEFINED_PROPERTIES: Record<string, string> = { inactive: 'boolean', deprecated: 'dateTime', notSelectable: 'boolean', parent: 'code', child: 'code' };
const DEFINED_PROPERTY_URI = 'http://hl7.org/fhir/concept-properties#';
/** The extension that declares a ValueSet's parameters, and the one holding a filter value's expression. */
const VALUESET_PARAMETER = 'http://hl7.org/fhir/tools/StructureDefinition/valueset-parameter';
const CQF_EXPRESSION = 'http://hl7.org/fhir/StructureDefinition/cqf-expression';

export interface ResourceRuleContext {
  registry: ConformanceRegistry;
  terminology: Terminology;
}

class Reporter {
  constructor(readonly issues: Issue[]) {}

  add(severity: IssueSeverity, code: string, diagnostics: string, expression: string): void {
    this.issues.push({ severity, code, diagnostics, expression: [expression] });
  }
}

/** Calls `fn` on the resource and each resource inside it, with its location. */
export function eachResource(resource: Json, at: string, fn: (r: Json, at: string) => void, depth = 0): void {
  if (depth > 20) return;
  fn(resource, at);
  list(resource.contained).forEach((c, i) => isObject(c) && eachResource(c, `${at}.contained[${i}]`, fn, depth + 1));
  if (resource.resourceType === 'Bundle') {
    list(resource.entry).forEach((e, i) => isObject(e) && isObject(e.resource) && eachResource(e.resource, `${at}.entry[${i}].resource`, fn, depth + 1));
  }
  if (resource.resourceType === 'Parameters') {
    const params = (ps: unknown[], where: string): void =>
      ps.forEach((p, i) => {
        if (!isObject(p)) return;
        if (isObject(p.resource)) eachResource(p.resource, `${where}[${i}].resource`, fn, depth + 1);
        params(list(p.part), `${where}[${i}].part`);
      });
    params(list(resource.parameter), `${at}.parameter`);
  }
}

/** The rules of this module for a resource and the resources inside it. */
export function checkResourceRules(resource: Json, ctx: ResourceRuleContext): Issue[] {
  const out = new Reporter([]);
  eachResource(resource, String(resource.resourceType), (r, at) => {
    switch (r.resourceType) {
      case 'CodeSystem':
        codeSystem(r, at, ctx, out);
        break;
      case 'ValueSet':
        valueSet(r, at, ctx, out);
        break;
      case 'SearchParameter':
        searchParameter(r, at, ctx, out);
        break;
      case 'CapabilityStatement':
        capabilityStatement(r, at, ctx, out);
        break;
      case 'Questionnaire':
        out.issues.push(...questionnaireRules(r, at));
        break;
      case 'StructureDefinition':
        structureDefinition(r, at, ctx, out);
        break;
    }
  });
  return out.issues;
}

function countConcepts(concepts: unknown[]): number {
  let n = 0;
  for (const c of concepts) if (isObject(c)) n += 1 + countConcepts(list(c.concept));
  return n;
}

/** The FHIR type of a concept property's value (`valueBoolean` → boolean). */
function valueType(p: Json): string | undefined {
  for (const k in p) if (k.startsWith('value') && k.length > 5) return k.charAt(5).toLowerCase() + k.slice(6);
  return undefined;
}

function codeSystem(cs: Json, at: string, ctx: ResourceRuleContext, out: Reporter): void {
  const concepts = list(cs.concept);
  const content = cs.content;
  if (content === 'not-present' && concepts.length > 0) out.add('error', 'invalid', "The code system says its content is 'not-present', but it has concepts", `${at}.concept[0]`);
  if (content === 'complete' && typeof cs.count === 'number' && cs.count !== countConcepts(concepts)) {
    out.add('error', 'invalid', `The code system is complete, but has ${countConcepts(concepts)} concepts where its count says ${cs.count}`, `${at}.count`);
  }
  if (typeof cs.supplements === 'string' && content !== 'supplement') out.add('error', 'business-rule', "A code system that supplements another must have the content 'supplement'", `${at}.content`);
  if (content === 'supplement' && typeof cs.supplements !== 'string') out.add('error', 'business-rule', "A code system with the content 'supplement' must say which code system it supplements", `${at}.supplements`);
  if (typeof cs.supplements === 'string') {
    const base = ctx.terminology.codeSystem(cs.supplements);
    if (base !== undefined && base.complete) {
      concepts.forEach((c, i) => {
        if (isObject(c) && typeof c.code === 'string' && !base.concepts.has(c.code)) out.add('error', 'business-rule', `The code '${c.code}' is not a code of ${cs.supplements}, so a supplement cannot describe it`, `${at}.concept[${i}]`);
      });
    }
  }
  // properties: each code and uri once; a defined property with its defined type
  const declared = new Map<string, string | undefined>();
  const uris = new Set<string>();
  list(cs.property).forEach((p, i) => {
    if (!isObject(p) || typeof p.code !== 'string') return;
    const where = `${at}.property[${i}]`;
    const type = typeof p.type === 'string' ? p.type : undefined;
    if (declared.has(p.code)) out.add('error', 'business-rule', `A property with the code '${p.code}' is already declared`, where);
    else declared.set(p.code, type);
    if (typeof p.uri === 'string') {
      if (uris.has(p.uri)) out.add('error', 'business-rule', `A property with the URI '${p.uri}' is already declared`, where);
      uris.add(p.uri);
      if (p.uri.startsWith(DEFINED_PROPERTY_URI)) {
        const defined = DEFINED_PROPERTIES[p.uri.slice(DEFINED_PROPERTY_URI.length)];
        if (defined !== undefined && type !== undefined && type !== defined) out.add('error', 'business-rule', `The property ${p.uri} has the type ${defined}, not ${type}`, where);
      }
    }
  });
  const visit = (cs2: unknown[], where: string): void =>
    cs2.forEach((c, i) => {
      if (!isObject(c)) return;
      list(c.property).forEach((p, j) => {
        if (!isObject(p) || typeof p.code !== 'string') return;
        const here = `${where}[${i}].property[${j}]`;
        if (!declared.has(p.code)) {
          if (DEFINED_PROPERTIES[p.code] === undefined) out.add('warning', 'business-rule', `The property '${p.code}' is not declared in CodeSystem.property`, here);
          return;
        }
        const type = declared.get(p.code);
        const actual = valueType(p);
        if (type !== undefined && actual !== undefined && type !== actual && !(type === 'code' && actual === 'coding')) {
          out.add('error', 'business-rule', `The property '${p.code}' is declared with the type ${type}, but has a ${actual} value`, here);
        }
      });
      visit(list(c.concept), `${where}[${i}].concept`);
    });
  visit(concepts, `${at}.concept`);
}

/** The type of a property of the code system `system`: declared there, or one R4 defines for all code systems. */
function propertyType(system: string | undefined, property: string, ctx: ResourceRuleContext): string | undefined {
  const cs = system === undefined ? undefined : ctx.registry.codeSystem(system);
  for (const p of list(cs?.property)) if (isObject(p) && p.code === property && typeof p.type === 'string') return p.type;
  return DEFINED_PROPERTIES[property];
}

const compiledOk = new Map<string, string | undefined>();

/** Undefined when `expression` compiles as FHIRPath; otherwise why not. */
function fhirpathProblem(expression: string): string | undefined {
  if (!compiledOk.has(expression)) {
    try {
      fhirpath.compile(expression, r4 as never);
      compiledOk.set(expression, undefined);
    } catch (err) {
      compiledOk.set(expression, (err as Error).message.split('\n')[0]);
    }
    if (compiledOk.size > 1000) compiledOk.clear();
  }
  return compiledOk.get(expression);
}

function valueSet(vs: Json, at: string, ctx: ResourceRuleContext, out: Reporter): void {
  const compose = isObject(vs.compose) ? vs.compose : undefined;
  if (compose === undefined) return;
  const parameters = new Set<string>();
  for (const e of list(vs.extension)) {
    if (!isObject(e) || e.url !== VALUESET_PARAMETER) continue;
    for (const part of list(e.extension)) if (isObject(part) && part.url === 'name' && typeof part.valueCode === 'string') parameters.add(part.valueCode);
  }
  for (const kind of ['include', 'exclude'] as const) {
    list(compose[kind]).forEach((inc, i) => {
      if (!isObject(inc)) return;
      const where = `${at}.compose.${kind}[${i}]`;
      const system = typeof inc.system === 'string' ? inc.system : undefined;
      if (system !== undefined && !ABSOLUTE.test(system)) {
        out.add('error', 'invalid', `The system of a ValueSet's ${kind} must be an absolute URI; for a contained code system use its url, with the valueset-system extension pointing at it (found '${system}')`, where);
      }
      list(inc.filter).forEach((f, j) => {
        if (!isObject(f) || typeof f.property !== 'string') return;
        const here = `${where}.filter[${j}]`;
        if (typeof f.value === 'string' && (f.op === '=' || f.op === 'in' || f.op === 'not-in') && propertyType(system, f.property, ctx) === 'boolean') {
          const values = f.op === '=' ? [f.value] : f.value.split(',');
          if (values.some((v) => v !== 'true' && v !== 'false')) out.add('error', 'invalid', `The property '${f.property}' is a boolean, so the filter value must be 'true' or 'false', not '${f.value}'`, here);
        }
        // a parameterised filter value: a FHIRPath expression over the ValueSet's declared parameters
        const ext = isObject(f._value) ? list(f._value.extension) : [];
        ext.forEach((x, k) => {
          if (!isObject(x) || x.url !== CQF_EXPRESSION || !isObject(x.valueExpression)) return;
          const expr = x.valueExpression;
          const place = `${here}.value.extension[${k}].value.ofType(Expression)`;
          if (expr.language !== 'text/fhirpath') {
            out.add('error', 'invalid', `A ValueSet filter expression must be in FHIRPath ('text/fhirpath'), not '${String(expr.language)}'`, place);
            return;
          }
          if (typeof expr.expression !== 'string') return;
          const problem = fhirpathProblem(expr.expression);
          if (problem !== undefined) {
            out.add('error', 'invalid', `The filter expression '${expr.expression}' is not valid FHIRPath: ${problem}`, place);
            return;
          }
          for (const m of expr.expression.matchAll(/%([A-Za-z][A-Za-z0-9_-]*)/g)) {
            if (!parameters.has(m[1])) out.add('error', 'invalid', `The filter expression '${expr.expression}' uses the parameter '${m[1]}', which the ValueSet does not declare`, place);
          }
        });
      });
    });
  }
}

/** The top-level parts of a FHIRPath union (`A.x | B.y`), outside parentheses and strings. */
function unionParts(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === "'") {
      for (i++; i < expression.length && expression[i] !== "'"; i++) if (expression[i] === '\\') i++;
    } else if (ch === '(') depth++;
    else if (ch === ')') depth--;
    else if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts;
}

/**
 * Is `type` the type `of`, or a specialisation of the abstract type `of` (Observation of
 * Resource)? A concrete type's specialisations are types of their own: Count is not a Quantity.
 */
function isTypeOrDerived(type: string, of: string, ctx: ResourceRuleContext): boolean {
  if (type === of) return true;
  let sd = ctx.registry.type(type);
  for (let n = 0; sd?.baseDefinition !== undefined && n < 10; n++) {
    sd = ctx.registry.type(sd.baseDefinition.slice(sd.baseDefinition.lastIndexOf('/') + 1));
    if (sd === undefined || sd.abstract !== true) return false;
    if (sd.type === of) return true;
  }
  return false;
}

/**
 * A profile: each type profile is a profile of that type (or of a specialisation of it); and a profile published without a
 * snapshot must have one that can be generated from its differential and base.
 */
function structureDefinition(sd: Json, at: string, ctx: ResourceRuleContext, out: Reporter): void {
  const before = out.issues.length;
  for (const part of ['differential', 'snapshot'] as const) {
    const elements = isObject(sd[part]) ? list((sd[part] as Json).element) : [];
    elements.forEach((ed, i) => {
      if (!isObject(ed)) return;
      list(ed.type).forEach((t, j) => {
        if (!isObject(t) || typeof t.code !== 'string') return;
        const code = t.code;
        list(t.profile).forEach((p, k) => {
          if (typeof p !== 'string') return;
          const target = ctx.registry.structureDefinition(p);
          if (target !== undefined && !isTypeOrDerived(target.type, code, ctx)) {
            out.add('error', 'invalid', `The profile ${p} is for the type ${target.type}, but ${String(ed.path)} has the type ${code}`, `${at}.${part}.element[${i}].type[${j}].profile[${k}]`);
          }
        });
      });
    });
  }
  // (a wrong type profile also stops the snapshot: reported once, above)
  if (out.issues.length > before) return;
  if (sd.derivation !== 'constraint' || isObject(sd.snapshot) || !isObject(sd.differential) || typeof sd.baseDefinition !== 'string') return;
  if (ctx.registry.structureDefinition(sd.baseDefinition) === undefined) return; // an unknown base: nothing to generate from
  try {
    generateSnapshot(sd as unknown as StructureDefinition, ctx.registry);
  } catch (err) {
    out.add('error', 'invalid', `The profile's snapshot cannot be generated from its differential: ${(err as Error).message}`, at);
  }
}

function searchParameter(sp: Json, at: string, ctx: ResourceRuleContext, out: Reporter): void {
  const own = list(sp.base).filter((b): b is string => typeof b === 'string');
  if (typeof sp.expression === 'string' && own.length > 0 && !own.includes('Resource') && !own.includes('DomainResource')) {
    for (const part of unionParts(sp.expression)) {
      const head = /^\(?([A-Z][A-Za-z]+)\b/.exec(part)?.[1];
      if (head !== undefined && ctx.registry.defs.isResourceType(head) && !own.includes(head)) {
        out.add('error', 'invalid', `The expression '${sp.expression}' starts at ${head}, which is not a base of this SearchParameter (${own.join(', ')})`, `${at}.expression`);
        break;
      }
    }
  }
  if (typeof sp.derivedFrom !== 'string') return;
  const parent = ctx.registry.searchParameter(sp.derivedFrom) as Json | undefined;
  if (parent === undefined) return;
  if (typeof sp.type === 'string' && typeof parent.type === 'string' && sp.type !== parent.type) {
    out.add('error', 'invalid', `The type ${sp.type} differs from the type ${parent.type} of the SearchParameter it is derived from (${sp.derivedFrom})`, at);
  }
  const bases = list(parent.base).filter((b): b is string => typeof b === 'string');
  for (const b of list(sp.base)) {
    if (typeof b === 'string' && bases.length > 0 && !bases.includes(b) && !bases.includes('Resource') && !bases.includes('DomainResource')) {
      out.add('error', 'invalid', `The base ${b} is not a base of the SearchParameter it is derived from (${sp.derivedFrom}: ${bases.join(', ')})`, at);
    }
  }
}

function capabilityStatement(cap: Json, at: string, ctx: ResourceRuleContext, out: Reporter): void {
  list(cap.rest).forEach((rest, i) => {
    if (!isObject(rest)) return;
    list(rest.resource).forEach((res, j) => {
      if (!isObject(res)) return;
      list(res.searchParam).forEach((p, k) => {
        if (!isObject(p) || typeof p.definition !== 'string' || typeof p.type !== 'string') return;
        const def = ctx.registry.searchParameter(p.definition) as Json | undefined;
        if (def !== undefined && typeof def.type === 'string' && def.type !== p.type) {
          out.add('error', 'invalid', `The search parameter ${p.definition} has the type ${def.type}, but is declared here as ${p.type}`, `${at}.rest[${i}].resource[${j}].searchParam[${k}]`);
        }
      });
    });
  });
}
