/**
 * ValueSet expansion over the CodeSystems the registry holds: `compose.include`/`exclude` with
 * listed concepts, filters (`is-a`, `descendant-of`, `is-not-a`, `=`, `regex`, `in`, `exists`)
 * on held CodeSystems, whole systems, and nested ValueSets. What cannot be enumerated (SNOMED CT,
 * dm+d, LOINC, UCUM …, or a CodeSystem we hold only as a fragment) is recorded as an "open"
 * system: codes from it are not checked rather than rejected. Expansions are cached per registry
 * generation.
 */
import type { CodeSystem, CodeSystemConcept, ConformanceRegistry, ExpansionContains, ValueSet, ValueSetInclude } from '../conformance.ts';

export interface Expansion {
  /** `system|code` → display (may be empty). */
  readonly codes: Map<string, string>;
  /** Systems included wholesale or by filter that we cannot enumerate: their codes are "not checked". */
  readonly open: Set<string>;
  /** Why it is incomplete, for messages (unknown ValueSets, unsupported filters …). */
  readonly problems: string[];
}

export interface ConceptInfo {
  code: string;
  display?: string;
  /** Codes this concept is directly under. */
  parents: string[];
  inactive: boolean;
  abstract: boolean;
  designations: string[];
}

/** A held CodeSystem flattened for lookup. */
export interface CodeSystemIndex {
  readonly resource: CodeSystem;
  readonly concepts: Map<string, ConceptInfo>;
  readonly complete: boolean;
  readonly caseSensitive: boolean;
}

const key = (system: string, code: string): string => `${system}|${code}`;

export function indexCodeSystem(cs: CodeSystem): CodeSystemIndex {
  const concepts = new Map<string, ConceptInfo>();
  const visit = (list: CodeSystemConcept[] | undefined, parent: string | undefined): void => {
    for (const c of list ?? []) {
      const props = c.property ?? [];
      const parents = props.filter((p) => p.code === 'parent' || p.code === 'subsumedBy').map((p) => String(p.valueCode ?? ''));
      if (parent !== undefined) parents.push(parent);
      const status = props.find((p) => p.code === 'status')?.valueCode;
      const inactive = props.some((p) => (p.code === 'inactive' && p.valueBoolean === true) || (p.code === 'deprecated' && p.valueBoolean === true)) || status === 'retired' || status === 'inactive';
      const abstract = props.some((p) => (p.code === 'notSelectable' || p.code === 'abstract') && p.valueBoolean === true);
      const existing = concepts.get(c.code);
      if (existing) existing.parents.push(...parents);
      else concepts.set(c.code, { code: c.code, display: c.display, parents, inactive, abstract, designations: (c.designation ?? []).map((d) => d.value) });
      visit(c.concept, c.code);
    }
  };
  visit(cs.concept, undefined);
  return { resource: cs, concepts, complete: cs.content === 'complete' || cs.content === undefined, caseSensitive: cs.caseSensitive !== false };
}

export class Expander {
  private readonly expansions = new Map<string, Expansion>();
  private readonly systems = new Map<string, CodeSystemIndex | null>();
  private generation = -1;
  private readonly inProgress = new Set<string>();

  constructor(private readonly registry: ConformanceRegistry) {}

  private fresh(): void {
    if (this.generation !== this.registry.generation) {
      this.expansions.clear();
      this.systems.clear();
      this.generation = this.registry.generation;
    }
  }

  codeSystem(url: string): CodeSystemIndex | undefined {
    this.fresh();
    let index = this.systems.get(url);
    if (index === undefined) {
      const cs = this.registry.codeSystem(url);
      index = cs === undefined || cs.content === 'not-present' || cs.content === 'supplement' ? null : indexCodeSystem(cs);
      this.systems.set(url, index);
    }
    return index ?? undefined;
  }

  /** The expansion of a ValueSet by canonical URL; undefined when the ValueSet is unknown. */
  expand(url: string): Expansion | undefined {
    this.fresh();
    const cached = this.expansions.get(url);
    if (cached !== undefined) return cached;
    const vs = this.registry.valueSet(url);
    if (vs === undefined) return undefined;
    if (this.inProgress.has(url)) return { codes: new Map(), open: new Set(), problems: [`${url} includes itself`] };
    this.inProgress.add(url);
    try {
      const expansion = this.compute(vs);
      this.expansions.set(url, expansion);
      return expansion;
    } finally {
      this.inProgress.delete(url);
    }
  }

  private compute(vs: ValueSet): Expansion {
    const out: Expansion = { codes: new Map(), open: new Set(), problems: [] };
    if (vs.compose === undefined) {
      const visit = (list: ExpansionContains[] | undefined): void => {
        for (const c of list ?? []) {
          if (c.system && c.code) out.codes.set(key(c.system, c.code), c.display ?? '');
          visit(c.contains);
        }
      };
      if (vs.expansion) visit(vs.expansion.contains);
      else out.problems.push(`ValueSet ${vs.url} has neither compose nor expansion`);
      return out;
    }
    for (const include of vs.compose.include ?? []) {
      const part = this.include(include);
      for (const [k, d] of part.codes) out.codes.set(k, d);
      for (const s of part.open) out.open.add(s);
      out.problems.push(...part.problems);
    }
    for (const exclude of vs.compose.exclude ?? []) {
      const part = this.include(exclude);
      for (const k of part.codes.keys()) out.codes.delete(k);
    }
    return out;
  }

  private include(inc: ValueSetInclude): Expansion {
    const parts: Expansion[] = [];
    for (const url of inc.valueSet ?? []) {
      const nested = this.expand(url);
      parts.push(nested ?? { codes: new Map(), open: new Set(), problems: [`ValueSet ${url} is not known`] });
    }
    if (inc.system !== undefined) parts.push(this.systemPart(inc));
    if (parts.length === 0) return { codes: new Map(), open: new Set(), problems: [] };
    // the codes of an include are in every one of its parts (system and ValueSets intersect)
    let result = parts[0];
    for (const p of parts.slice(1)) {
      const codes = new Map<string, string>();
      for (const [k, d] of result.codes) {
        const system = k.slice(0, k.lastIndexOf('|'));
        if (p.codes.has(k) || p.open.has(system)) codes.set(k, d);
      }
      for (const [k, d] of p.codes) {
        const system = k.slice(0, k.lastIndexOf('|'));
        if (result.open.has(system)) codes.set(k, d);
      }
      const open = new Set([...result.open].filter((s) => p.open.has(s)));
      result = { codes, open, problems: [...result.problems, ...p.problems] };
    }
    return result;
  }

  private systemPart(inc: ValueSetInclude): Expansion {
    const system = inc.system!;
    const out: Expansion = { codes: new Map(), open: new Set(), problems: [] };
    const cs = this.codeSystem(system);
    if (inc.concept !== undefined) {
      for (const c of inc.concept) out.codes.set(key(system, c.code), c.display ?? cs?.concepts.get(c.code)?.display ?? '');
      return out;
    }
    if (cs === undefined || !cs.complete) {
      out.open.add(system);
      if (cs !== undefined) for (const c of cs.concepts.values()) out.codes.set(key(system, c.code), c.display ?? '');
      return out;
    }
    let candidates = [...cs.concepts.values()];
    for (const filter of inc.filter ?? []) {
      const selected = this.filter(cs, filter);
      if (selected === undefined) {
        out.open.add(system);
        out.problems.push(`filter ${filter.property} ${filter.op} ${filter.value} on ${system} is not supported`);
        return out;
      }
      candidates = candidates.filter((c) => selected(c));
    }
    for (const c of candidates) out.codes.set(key(system, c.code), c.display ?? '');
    return out;
  }

  private filter(cs: CodeSystemIndex, f: { property: string; op: string; value: string }): ((c: ConceptInfo) => boolean) | undefined {
    const isConcept = f.property === 'concept' || f.property === 'code';
    switch (f.op) {
      case 'is-a':
        return isConcept ? (c) => c.code === f.value || this.subsumes(cs, f.value, c.code) : undefined;
      case 'descendent-of':
      case 'descendant-of':
        return isConcept ? (c) => c.code !== f.value && this.subsumes(cs, f.value, c.code) : undefined;
      case 'is-not-a':
        return isConcept ? (c) => c.code !== f.value && !this.subsumes(cs, f.value, c.code) : undefined;
      case 'generalizes':
        return isConcept ? (c) => c.code === f.value || this.subsumes(cs, c.code, f.value) : undefined;
      case 'in': {
        const values = new Set(f.value.split(','));
        return isConcept ? (c) => values.has(c.code) : undefined;
      }
      case 'regex': {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${f.value})$`);
        } catch {
          return undefined;
        }
        if (isConcept) return (c) => re.test(c.code);
        if (f.property === 'display') return (c) => re.test(c.display ?? '');
        return this.propertyFilter(cs, f.property, (v) => re.test(v));
      }
      case '=':
        if (isConcept) return (c) => c.code === f.value;
        if (f.property === 'display') return (c) => c.display === f.value;
        return this.propertyFilter(cs, f.property, (v) => v === f.value);
      case 'exists':
        return this.propertyFilter(cs, f.property, () => true, f.value === 'false');
      default:
        return undefined;
    }
  }

  private propertyFilter(cs: CodeSystemIndex, property: string, test: (v: string) => boolean, negate = false): (c: ConceptInfo) => boolean {
    const values = new Map<string, string[]>();
    const visit = (list: CodeSystemConcept[] | undefined): void => {
      for (const c of list ?? []) {
        const vs = (c.property ?? [])
          .filter((p) => p.code === property)
          .map((p) => String(p.valueCode ?? p.valueString ?? p.valueBoolean ?? ''));
        values.set(c.code, vs);
        visit(c.concept);
      }
    };
    visit(cs.resource.concept);
    return (c) => {
      const matched = (values.get(c.code) ?? []).some(test);
      return negate ? !matched : matched;
    };
  }

  /** True when `descendant` is `ancestor` or lies below it in the code system's hierarchy. */
  subsumes(cs: CodeSystemIndex, ancestor: string, descendant: string): boolean {
    const seen = new Set<string>();
    const stack = [descendant];
    while (stack.length) {
      const code = stack.pop()!;
      if (code === ancestor) return true;
      if (seen.has(code)) continue;
      seen.add(code);
      stack.push(...(cs.concepts.get(code)?.parents ?? []));
    }
    return false;
  }
}
