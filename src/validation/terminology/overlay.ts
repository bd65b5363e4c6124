/**
 * A terminology view that sees a few extra ValueSets, CodeSystems and ConceptMaps (resources
 * stored on the server, or passed inline to an operation) on top of the shared registry, without
 * adding them to it: the shared registry's generation, and so every cache built on it (compiled
 * profiles, expansions used on the write path), is left alone.
 */
import { ConformanceRegistry, type CanonicalResource, type CodeSystem, type ConceptMap, type ValueSet } from '../conformance.ts';
import { Terminology } from './index.ts';

class OverlayRegistry extends ConformanceRegistry {
  private readonly extra: ConformanceRegistry;

  constructor(private readonly base: ConformanceRegistry, extras: CanonicalResource[]) {
    super(base.defs);
    this.extra = new ConformanceRegistry(base.defs);
    this.extra.addAll(extras);
    this.generation = base.generation;
  }

  override valueSet(ref: string): ValueSet | undefined {
    return this.extra.valueSet(ref) ?? this.base.valueSet(ref);
  }

  override codeSystem(ref: string): CodeSystem | undefined {
    return this.extra.codeSystem(ref) ?? this.base.codeSystem(ref);
  }

  override conceptMap(ref: string): ConceptMap | undefined {
    return this.extra.conceptMap(ref) ?? this.base.conceptMap(ref);
  }

  override *allConceptMaps(): IterableIterator<ConceptMap> {
    yield* this.extra.allConceptMaps();
    yield* this.base.allConceptMaps();
  }
}

/** The shared terminology when there is nothing extra; otherwise a short-lived one seeing the extras first. */
export function withExtraResources(terminology: Terminology, extras: CanonicalResource[]): Terminology {
  if (extras.length === 0) return terminology;
  return new Terminology(new OverlayRegistry(terminology.registry, extras), terminology.systemAliases);
}
