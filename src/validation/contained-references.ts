/**
 * dom-3 (https://hl7.org/fhir/R4/domainresource.html#invs): "If the resource is contained in
 * another resource, it SHALL be referred to from elsewhere in the resource or SHALL refer to the
 * containing resource". R4 publishes it as
 *
 *   contained.where((('#'+id in (%resource.descendants().reference | %resource.descendants().as(canonical)
 *     | %resource.descendants().as(uri) | %resource.descendants().as(url))) or descendants().where(reference = '#').exists()
 *     or descendants().where(as(canonical) = '#').exists() …).not()).trace('unmatched', id).empty()
 *
 * which the `fhirpath` engine (5.x) cannot evaluate: it applies `as()` to whole collections, which
 * FHIRPath now rejects (R4-era engines, the Java validator among them, read it as `ofType()`).
 * This is the same rule in JavaScript, read that way: a contained resource is matched when `#id`
 * is the value of some `reference` below the resource, or of some element of type uri (or its
 * specialisations canonical, url, oid, uuid) below it, extensions of primitives included; or when
 * the contained resource itself refers to its container (`reference` `#`, or a canonical `#`).
 * A contained resource without an id is not reported (`'#' + {}` is empty, so the R4 expression
 * does not select it). Types come from the `fhirpath` package's own R4 model, as the engine's do.
 * test/validation/contained-references.test.ts checks it against the engine on the R4 examples.
 *
 * One addition to the published expression: a narrative may refer to a contained resource
 * (`<img src="#id">`, `<a href="#id">`; https://hl7.org/fhir/R4/narrative.html#id), which the
 * rule's human text counts ("referred to from elsewhere in the resource") but `descendants()`
 * cannot see. The Java validator counts these too.
 */
import { visitStrings } from './model-walk.ts';

type Json = Record<string, unknown>;

const URI_TYPES = new Set(['uri', 'canonical', 'url', 'oid', 'uuid']);
const CANONICAL = new Set(['canonical']);
const NARRATIVE_LINK = /\s(?:src|href)\s*=\s*(?:"#([^"]*)"|'#([^']*)')/g;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Adds to `into` the values that may refer to a resource: `reference` strings and strings of the `types`; with `narrative`, links in narratives. */
function collect(obj: Json, into: Set<string>, types: ReadonlySet<string>, narrative = false): void {
  visitStrings(obj, String(obj.resourceType), (s) => {
    if (s.key === 'reference' || (s.type !== undefined && types.has(s.type))) into.add(s.value);
    else if (narrative && s.type === 'xhtml') {
      NARRATIVE_LINK.lastIndex = 0;
      for (let m = NARRATIVE_LINK.exec(s.value); m !== null; m = NARRATIVE_LINK.exec(s.value)) into.add(`#${m[1] ?? m[2]}`);
    }
  });
}

/** Does the contained resource refer to its container (a `reference` or canonical `#` below it)? */
function refersToContainer(resource: Json): boolean {
  const values = new Set<string>();
  collect(resource, values, CANONICAL);
  return values.has('#');
}

/**
 * The indexes of the contained resources of `resource` that nothing refers to and that do not
 * refer to it (dom-3 fails when there is any). `root` is the resource whose descendants count
 * (%resource: the resource itself, or the entry resource of a Bundle). `narrative`: whether links
 * in narratives count (the default; false gives exactly the published expression).
 */
export function unreferencedContained(resource: Json, root: Json = resource, narrative = true): number[] {
  const contained = resource.contained;
  if (!Array.isArray(contained) || contained.length === 0) return [];
  let values: Set<string> | undefined;
  const unmatched: number[] = [];
  for (let i = 0; i < contained.length; i++) {
    const c = contained[i];
    if (!isObject(c) || typeof c.id !== 'string') continue;
    if (values === undefined) {
      values = new Set();
      collect(root, values, URI_TYPES, narrative);
    }
    if (values.has(`#${c.id}`)) continue;
    if (refersToContainer(c)) continue;
    unmatched.push(i);
  }
  return unmatched;
}
