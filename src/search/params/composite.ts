/**
 * composite parameters: every R4 one (code-value-quantity, component-code-value-concept,
 * context-type-quantity, characteristic-value, DocumentReference's relationship, MolecularSequence's
 * chromosome-variant-coordinate …). The components must match within the same repeating element
 * (the item the base expression selects), each with its own type's semantics (prefixes, ranges, units).
 *
 * The first component, a token or a reference, is the key: for each item, each key it yields
 * (`code` and `system|code`; `Type/id` and `id`) names where the other components' rows go, in
 * their own type's table:
 * - two components: under `param$key` (`code-value-quantity$http://loinc.org|8480-6`);
 * - three or more: under `param$key@n#k` for item n and component k, so that a query joins the
 *   components' rows on the same item n (a `tuple` filter).
 * So `code-value-quantity=http://loinc.org|8480-6$gt140` keeps the full semantics of the quantity.
 * A composite led by another type is not indexed (none in R4).
 */
import type { SearchParameter } from '../../fhir/definitions.ts';
import type { IndexRows } from '../../storage/index.ts';
import { or, type Filter, type IndexTable, type Cond } from '../../storage/search/index.ts';
import { compileExpression, unionTerms, type Evaluate } from '../expression.ts';
import { splitEscaped, unescape } from '../normalize.ts';
import { parseReference, referenceType } from './reference.ts';
import { parseToken, tokenType } from './token.ts';
import { modifierError, valueError, type ParamQuery, type ParamType } from './types.ts';

type Lookup = (url: string) => SearchParameter | undefined;

export interface Component {
  /** The component's parameter type ('token', 'quantity' …) and its index/query behaviour. */
  kind: string;
  type: ParamType;
}

/** Per term of the base expression (`Observation | Observation.component`): its items, and the components evaluated on them. */
export interface CompositeParts {
  bases: {
    evaluate: Evaluate;
    components: (Component & { evaluate: (item: unknown, resource: unknown) => unknown[] })[];
  }[];
}

/**
 * R4's DocumentReference-relationship gives each component the other's expression (the reference
 * `relatesto` on `code`, the token `relation` on `target`); R5 corrected it. Read it corrected.
 */
const SWAPPED = new Set(['http://hl7.org/fhir/SearchParameter/DocumentReference-relationship']);

function componentsOf(sp: SearchParameter): { definition: string; expression: string }[] | undefined {
  const list = sp.component;
  if (!list || list.length < 2) return undefined;
  if (SWAPPED.has(sp.url) && list.length === 2) return [{ ...list[0], expression: list[1].expression }, { ...list[1], expression: list[0].expression }];
  return list;
}

/** The types of a composite's components, or undefined when it cannot be indexed (led by neither a token nor a reference). */
export function compositeComponents(sp: SearchParameter, lookup: Lookup, typeOf: (t: string) => ParamType | undefined): Component[] | undefined {
  const list = componentsOf(sp);
  if (!list) return undefined;
  const out: Component[] = [];
  for (const c of list) {
    const def = lookup(c.definition);
    const type = def && typeOf(def.type);
    if (!def || !type) return undefined;
    out.push({ kind: def.type, type });
  }
  return out[0].kind === 'token' || out[0].kind === 'reference' ? out : undefined;
}

/**
 * A composite whose base is a union of other composites' bases, with the same components
 * (`combo-code-value-quantity` = `code-value-quantity` on Observation ∪ `component-code-value-quantity`
 * on Observation.component): the codes of those others, whose rows answer it, so it needs none of its own.
 */
export function compositeUnion(sp: SearchParameter, resourceType: string, params: readonly SearchParameter[], lookup: Lookup): string[] | undefined {
  if (sp.type !== 'composite' || !sp.expression || !sp.component) return undefined;
  const terms = unionTerms(sp.expression).filter((t) => t.split('.')[0] === resourceType);
  if (terms.length < 2) return undefined;
  // the same components: each with the same expression and parameter type (their definitions differ: combo-code, clinical-code …)
  const same = (a: SearchParameter) =>
    a.component?.length === sp.component!.length &&
    a.component.every((c, k) => c.expression === sp.component![k].expression && lookup(c.definition)?.type === lookup(sp.component![k].definition)?.type);
  const codes: string[] = [];
  for (const term of terms) {
    const other = params.find((o) => o !== sp && o.type === 'composite' && o.expression && same(o) && unionTerms(o.expression).filter((t) => t.split('.')[0] === resourceType).join('|') === term);
    if (!other) return undefined;
    codes.push(other.code);
  }
  return codes;
}

/** The element path the base expression selects (`Observation.component`), for evaluating components on its items. */
function basePath(expression: string, resourceType: string): string | undefined {
  const e = expression.trim();
  if (e === resourceType || e === 'Resource' || e === 'DomainResource') return resourceType;
  if (/^[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+$/.test(e) && e.startsWith(`${resourceType}.`)) return e;
  return undefined;
}

export function compileComposite(sp: SearchParameter, resourceType: string, lookup: Lookup, typeOf: (t: string) => ParamType | undefined, forceFhirpath: boolean): CompositeParts | undefined {
  if (!sp.expression) return undefined;
  const types = compositeComponents(sp, lookup, typeOf);
  if (!types) return undefined;
  const bases: CompositeParts['bases'] = [];
  // each term of the base that selects from this type (`CodeSystem.useContext` of `CapabilityStatement.useContext | CodeSystem.useContext | …`)
  for (const term of unionTerms(sp.expression)) {
    const root = term.split('.')[0];
    if (root !== resourceType && root !== 'Resource' && root !== 'DomainResource') continue;
    const base = basePath(term, resourceType);
    if (!base) return undefined;
    const components = componentsOf(sp)!.map((c, k) => {
      // `%resource.x`: from the resource itself, not from the item (MolecularSequence's variant coordinates)
      const fromRoot = /^%resource\.(.+)$/.exec(c.expression.trim());
      const evaluate: (item: unknown, resource: unknown) => unknown[] = fromRoot
        ? ((e) => (_item, resource) => e(resource))(compileExpression(`${resourceType}.${fromRoot[1]}`, resourceType, { forceFhirpath }).evaluate)
        : ((e) => (item) => e(item))(compileExpression(c.expression, resourceType, { base, forceFhirpath }).evaluate);
      return { ...types[k], evaluate };
    });
    bases.push({ evaluate: compileExpression(term, resourceType, { forceFhirpath }).evaluate, components });
  }
  return bases.length ? { bases } : undefined;
}

/** The keys the first component yields for an item. */
function keysOf(first: CompositeParts['bases'][number]['components'][number], values: unknown[], code: string): Set<string> {
  const rows: IndexRows = {};
  const keys = new Set<string>();
  if (first.kind === 'token') {
    tokenType.index(values, code, rows);
    for (const t of rows.token ?? []) {
      if (t.code === null || t.param !== code) continue;
      keys.add(t.code);
      keys.add(`${t.system ?? ''}|${t.code}`);
    }
  } else {
    referenceType.index(values, code, rows);
    for (const r of rows.reference ?? []) {
      if (!r.targetType || !r.targetId || r.param !== code) continue;
      keys.add(r.targetId);
      keys.add(`${r.targetType}/${r.targetId}`);
    }
  }
  return keys;
}

export function indexComposite(parts: CompositeParts, code: string, resource: unknown, rows: IndexRows): void {
  let n = 0;
  for (const { evaluate, components } of parts.bases) {
    const [first, ...rest] = components;
    for (const item of evaluate(resource)) {
      const keys = keysOf(first, first.evaluate(item, resource), code);
      if (keys.size) {
        const values = rest.map((c) => c.evaluate(item, resource));
        for (const key of keys) {
          if (rest.length === 1) rest[0].type.index(values[0], `${code}$${key}`, rows);
          else rest.forEach((c, k) => c.type.index(values[k], `${code}$${key}@${n}#${k + 2}`, rows));
        }
      }
      n++;
    }
  }
}

/** The key a query's first part names. */
function queryKey(q: ParamQuery, kind: string, raw: string, v: string): string {
  if (kind === 'token') {
    const t = parseToken(raw);
    if (t.code === null) throw valueError(q, v, 'led by a code');
    return t.system === undefined ? t.code : `${t.system ?? ''}|${t.code}`;
  }
  const value = unescape(raw);
  const base = `${q.baseUrl}/`;
  const r = parseReference(value.startsWith(base) ? value.slice(base.length) : value, '');
  return r?.targetType && r.targetId ? `${r.targetType}/${r.targetId}` : value;
}

/** A component's condition, as its own type plans it, with the param suffix its rows carry. */
function componentCond(q: ParamQuery, c: Component, raw: string, v: string): { table: IndexTable; suffix: string; where: Cond } {
  const MARK = '\u0001';
  const f = c.type.filter({ ...q, param: MARK, modifier: undefined, values: [raw] });
  if (f.kind !== 'index' || !f.param.startsWith(MARK)) throw valueError(q, v, `supported: this ${c.kind} component cannot be matched within a composite`);
  return { table: f.table, suffix: f.param.slice(MARK.length), where: f.where };
}

export function compositeFilter(q: ParamQuery, components: Component[] | undefined): Filter {
  if (q.modifier !== undefined) throw modifierError(q);
  if (!components) throw valueError(q, q.values.join(','), 'supported: this composite parameter is not indexed by this server');
  const [first, ...rest] = components;
  return or(
    q.values.map((v): Filter => {
      const parts = splitEscaped(v, '$');
      if (parts.length !== components.length) throw valueError(q, v, `${components.length} values joined by $`);
      const key = queryKey(q, first.kind, parts[0], v);
      if (rest.length === 1) return rest[0].type.filter({ ...q, param: `${q.param}$${key}`, values: [parts[1]] });
      return {
        kind: 'tuple',
        prefix: `${q.param}$${key}@`,
        parts: rest.map((c, k) => {
          const cond = componentCond(q, c, parts[k + 1], v);
          return { table: cond.table, suffix: `#${k + 2}${cond.suffix}`, where: cond.where };
        }),
      };
    }),
  );
}
