/**
 * The search parameters of each resource type, from the definitions, each compiled once into
 * an index extractor, with the parameter type that owns its rows and queries.
 */
import type { Definitions, SearchParameter } from '../fhir/definitions.ts';
import type { IndexRows } from '../storage/index.ts';
import { compileExpression, unionTerms } from './expression.ts';
import { compileComposite, compositeUnion, indexComposite } from './params/composite.ts';
import { dateType } from './params/date.ts';
import { numberType } from './params/number.ts';
import { positionType } from './params/position.ts';
import { quantityType } from './params/quantity.ts';
import { referenceType } from './params/reference.ts';
import { stringType } from './params/string.ts';
import { tokenType } from './params/token.ts';
import type { ParamType } from './params/types.ts';
import { uriType } from './params/uri.ts';

const TYPES: Record<string, ParamType> = {
  string: stringType,
  token: tokenType,
  reference: referenceType,
  date: dateType,
  number: numberType,
  quantity: quantityType,
  uri: uriType,
  // R4's one special parameter is Location's near (Location.position)
  special: positionType,
};

export function paramType(type: string): ParamType | undefined {
  return TYPES[type];
}

/** Parameters answered from the resources table, not from index rows. */
export const RESOURCE_COLUMNS = new Set(['_id', '_lastUpdated']);

export type Extractor = (resource: unknown, rows: IndexRows) => void;

export class SearchRegistry {
  private readonly extractors = new Map<string, Extractor[]>();
  private readonly byUrl = new Map<string, SearchParameter>();
  /** SearchParameter resources stored on this server: base → code → definition (they win over the core ones). */
  private custom = new Map<string, Map<string, SearchParameter>>();
  /** Incremented whenever the custom parameters change, so caches built on the registry can tell. */
  generation = 0;

  constructor(
    readonly defs: Definitions,
    private readonly opts: { forceFhirpath?: boolean } = {},
  ) {
    for (const type of ['Resource', 'DomainResource', ...defs.resourceTypes]) for (const sp of defs.searchParameters(type)) this.byUrl.set(sp.url, sp);
  }

  param(resourceType: string, code: string): SearchParameter | undefined {
    const c = this.custom;
    return c.get(resourceType)?.get(code) ?? this.defs.searchParameter(resourceType, code) ?? c.get('DomainResource')?.get(code) ?? c.get('Resource')?.get(code);
  }

  params(resourceType: string): SearchParameter[] {
    const core = this.defs.searchParameters(resourceType);
    if (!this.custom.size) return core;
    const out = new Map(core.map((sp) => [sp.code, sp]));
    for (const base of ['Resource', 'DomainResource', resourceType]) for (const [code, sp] of this.custom.get(base) ?? []) out.set(code, sp);
    return [...out.values()];
  }

  byDefinition(url: string): SearchParameter | undefined {
    return this.customByUrl.get(url) ?? this.byUrl.get(url);
  }

  private customByUrl = new Map<string, SearchParameter>();

  /** The custom SearchParameters in use (stored on this server), replacing those in use before. */
  setCustom(list: readonly SearchParameter[]): void {
    const custom = new Map<string, Map<string, SearchParameter>>();
    for (const sp of list) for (const base of sp.base ?? []) (custom.get(base) ?? custom.set(base, new Map()).get(base)!).set(sp.code, sp);
    this.custom = custom;
    this.customByUrl = new Map(list.map((sp) => [sp.url, sp]));
    this.extractors.clear();
    this.single.clear();
    this.generation++;
  }

  private readonly single = new Map<string, boolean>();

  /**
   * Whether a resource of `resourceType` can have at most one value for parameter `code`: its
   * expression, for this type, is one plain path whose every element has a maximum cardinality of 1
   * (`Observation.effective`, `Patient.birthDate`). Then criteria ANDed on it hold for the same value.
   */
  singleValued(resourceType: string, code: string): boolean {
    const sp = this.param(resourceType, code);
    if (!sp?.expression) return false;
    const key = `${resourceType}.${code}.${sp.url}`;
    let known = this.single.get(key);
    if (known === undefined) this.single.set(key, (known = this.computeSingle(resourceType, sp.expression)));
    return known;
  }

  private computeSingle(resourceType: string, expression: string): boolean {
    const terms = [...new Set(unionTerms(expression)
      .map((t) => t.replace(/^\((.+) as [A-Za-z]+\)$/, '$1').replace(/\.(?:as|ofType)\([A-Za-z]+\)$/, ''))
      .filter((t) => t.split('.')[0] === resourceType))];
    if (terms.length !== 1 || !/^[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+$/.test(terms[0])) return false;
    const elements = this.defs.type(resourceType)?.snapshot?.element ?? [];
    const segments = terms[0].split('.');
    for (let n = 2; n <= segments.length; n++) {
      const path = segments.slice(0, n).join('.');
      const el = elements.find((e) => e.path === path || e.path === `${path}[x]`);
      if (!el || (el.max !== '1' && el.max !== '0')) return false;
    }
    return true;
  }

  customParameters(): SearchParameter[] {
    return [...this.customByUrl.values()];
  }

  /** Compiles `sp` for each of its bases (throws what the compiler throws); for checking a definition. */
  compileAll(sp: SearchParameter, bases: readonly string[]): void {
    for (const base of bases) this.compile(sp, base);
  }

  /** One extractor per indexed parameter of the type (compiled on first use). */
  extractorsFor(resourceType: string): Extractor[] {
    let list = this.extractors.get(resourceType);
    if (list) return list;
    list = [];
    for (const sp of this.params(resourceType)) {
      const e = this.compile(sp, resourceType);
      if (e) list.push(e);
    }
    this.extractors.set(resourceType, list);
    return list;
  }

  private compile(sp: SearchParameter, resourceType: string): Extractor | undefined {
    if (!sp.expression || RESOURCE_COLUMNS.has(sp.code)) return undefined;
    const force = this.opts.forceFhirpath ?? false;
    if (sp.type === 'composite') {
      // answered from the rows of the composites it unites (see compositeUnion)
      if (compositeUnion(sp, resourceType, this.params(resourceType), (url) => this.byDefinition(url))) return undefined;
      const parts = compileComposite(sp, resourceType, (url) => this.byUrl.get(url), paramType, force);
      return parts && ((resource, rows) => indexComposite(parts, sp.code, resource, rows));
    }
    const type = TYPES[sp.type];
    if (!type) return undefined;
    const { evaluate } = compileExpression(sp.expression, resourceType, { forceFhirpath: force });
    return (resource, rows) => type.index(evaluate(resource), sp.code, rows);
  }
}
