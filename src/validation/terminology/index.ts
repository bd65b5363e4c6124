/**
 * Terminology over the registry's CodeSystems and ValueSets: is a code in a ValueSet, is it a
 * code of its CodeSystem, is its display right. Codes of systems Meridian does not hold
 * (SNOMED CT, dm+d, LOINC, UCUM …) are answered "not-checked", never "invalid".
 */
import type { ConformanceRegistry } from '../conformance.ts';
import { Expander, type CodeSystemIndex, type Expansion } from './expansion.ts';

export { Expander, type Expansion, type CodeSystemIndex, type ConceptInfo } from './expansion.ts';
export { withExtraResources } from './overlay.ts';

export type CodeCheck =
  | { status: 'valid'; display?: string }
  | { status: 'invalid'; message: string }
  | { status: 'not-checked'; message: string };

/** Systems that are never held locally and are too large to enumerate; named in messages. */
const EXTERNAL_NAMES: Record<string, string> = {
  'http://snomed.info/sct': 'SNOMED CT',
  'https://dmd.nhs.uk': 'dm+d',
  'http://loinc.org': 'LOINC',
  'http://unitsofmeasure.org': 'UCUM',
  'urn:ietf:bcp:47': 'BCP-47 language tags',
  'urn:ietf:bcp:13': 'MIME types',
  'urn:iso:std:iso:3166': 'ISO 3166 country codes',
  'urn:iso:std:iso:4217': 'ISO 4217 currency codes',
  'http://www.nlm.nih.gov/research/umls/rxnorm': 'RxNorm',
  'http://hl7.org/fhir/sid/icd-10': 'ICD-10',
};

export function systemName(system: string): string {
  return EXTERNAL_NAMES[system] ?? system;
}

export class Terminology {
  readonly expander: Expander;

  /** Code systems to treat as another when checking ValueSet membership (see uk-rules.ts). */
  private readonly aliases: ReadonlyMap<string, string>;

  constructor(
    readonly registry: ConformanceRegistry,
    aliases: ReadonlyMap<string, string> = new Map(),
  ) {
    this.expander = new Expander(registry);
    this.aliases = aliases;
  }

  /** Code systems treated as another (for views over the same registry, see overlay.ts). */
  get systemAliases(): ReadonlyMap<string, string> {
    return this.aliases;
  }

  expand(valueSetUrl: string): Expansion | undefined {
    return this.expander.expand(valueSetUrl);
  }

  codeSystem(system: string): CodeSystemIndex | undefined {
    return this.expander.codeSystem(system);
  }

  /** Is `code` (with `system`, or for a bare `code` element any system) in the ValueSet? */
  inValueSet(valueSetUrl: string, system: string | undefined, code: string): CodeCheck {
    const alias = system === undefined ? undefined : this.aliases.get(system);
    if (alias !== undefined) {
      const check = this.inValueSet(valueSetUrl, alias, code);
      if (check.status === 'valid') return check;
    }
    const expansion = this.expand(valueSetUrl);
    if (expansion === undefined) return { status: 'not-checked', message: `the ValueSet ${valueSetUrl} is not known, so the code was not checked` };
    if (system !== undefined) {
      const display = expansion.codes.get(`${system}|${code}`);
      if (display !== undefined) return { status: 'valid', display };
      if (expansion.open.has(system)) return { status: 'not-checked', message: `codes from ${systemName(system)} are not checked here` };
      const cs = this.codeSystem(system);
      if (cs !== undefined && !cs.caseSensitive) {
        for (const k of expansion.codes.keys()) if (k.toLowerCase() === `${system}|${code}`.toLowerCase()) return { status: 'valid' };
      }
      if (expansion.problems.length && expansion.codes.size === 0) return { status: 'not-checked', message: expansion.problems[0] };
      return { status: 'invalid', message: `the code '${code}' from ${system} is not in the value set ${valueSetUrl}` };
    }
    for (const k of expansion.codes.keys()) if (k.endsWith(`|${code}`)) return { status: 'valid' };
    if (expansion.open.size > 0) return { status: 'not-checked', message: `the value set ${valueSetUrl} includes codes from ${[...expansion.open].map(systemName).join(', ')}, which are not checked here` };
    return { status: 'invalid', message: `the code '${code}' is not in the value set ${valueSetUrl}` };
  }

  /** Is `code` a code of `system`, and is `display` one of its displays? Only for held, complete systems. */
  inCodeSystem(system: string, code: string, display?: string): CodeCheck & { displayProblem?: string } {
    const cs = this.codeSystem(system);
    if (cs === undefined) return { status: 'not-checked', message: `the code system ${systemName(system)} is not held here, so the code was not checked` };
    let concept = cs.concepts.get(code);
    if (concept === undefined && !cs.caseSensitive) {
      for (const c of cs.concepts.values()) if (c.code.toLowerCase() === code.toLowerCase()) concept = c;
    }
    if (concept === undefined) {
      if (!cs.complete) return { status: 'not-checked', message: `the code system ${system} is only held as a ${cs.resource.content ?? 'fragment'}` };
      return { status: 'invalid', message: `Unknown code '${code}' in the code system ${system}` };
    }
    if (display !== undefined && concept.display !== undefined) {
      const wanted = [concept.display, ...concept.designations].map((d) => d.trim().toLowerCase());
      if (!wanted.includes(display.trim().toLowerCase())) {
        return { status: 'valid', display: concept.display, displayProblem: `Wrong display '${display}' for ${system}#${code}: it should be '${concept.display}'` };
      }
    }
    return { status: 'valid', display: concept.display };
  }
}
