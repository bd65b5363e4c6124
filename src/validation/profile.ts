/**
 * Validation of a resource against a StructureDefinition snapshot (a profile, or a base type):
 * cardinality narrowed by the profile, types and type profiles, fixed and pattern values,
 * slicing (value, pattern, exists, type and profile discriminators; closed, open, openAtEnd,
 * ordered), extensions (known definitions, value types), references (target types, inside
 * contained resources and Bundles), bindings and invariants. Structural checks (unknown
 * elements, JSON shapes, primitive formats) are structure.ts's job and are not repeated.
 */
import { narrativeLinkProblems, narrativeProblem, narrativeTargets } from './narrative.ts';
import { ExtensionContexts } from './extension-context.ts';
import type { Issue, IssueSeverity } from '../fhir/errors.ts';
import type { ConformanceRegistry } from './conformance.ts';
import { unreferencedContained } from './contained-references.ts';
import { attachmentProblem, codingSystemProblem, htmlTagProblem, identifierProblem, uriProblem, URI_TYPES, type Problem } from './element-rules.ts';

/** The uri types (a module-level copy: this is read for every string value). */
const URI_VALUE_TYPES: ReadonlySet<string> = new Set(URI_TYPES);
import type { CompiledInvariant, InvariantEngine } from './invariants.ts';
import { ProfileTrees, type Constraint, type ProfileNode } from './profile-tree.ts';
import { indexBundle, resolveInBundle, restfulParts, type BundleIndex, type Resolution } from './bundle-references.ts';
import { matchesSlice, valuesAt, type Item, type SliceContext } from './slicing.ts';
import type { Terminology } from './terminology/index.ts';
import { systemName } from './terminology/index.ts';

type Json = Record<string, unknown>;

export interface ProfileValidatorOptions {
  /** Report absent mustSupport elements of claimed profiles as information (default false). */
  mustSupport?: boolean;
  /** Severity of extensions with unknown definitions (default: error for hl7.org/fhir, else warning). */
  unknownExtension?: 'error' | 'warning';
  /** Extensions whose URL starts with one of these are accepted without a definition (a warning, not an error). */
  allowedExtensionDomains?: string[];
  /** Report strings that look like embedded HTML (a script-injection risk) as errors (default false). */
  securityChecks?: boolean;
  /** Severity of example URLs (example.org, acme.com) in references, canonicals and extension URLs (default: accepted without comment). */
  exampleUrls?: 'error' | 'warning';
  /** Severity of HTML tags in markdown (default information). */
  htmlInMarkdown?: 'error' | 'warning' | 'information';
}

/** Example domains (RFC 2606 and the specification's acme.com), which data for real use should not refer to. */
const EXAMPLE_URL = /^https?:\/\/([a-z0-9-]+\.)*(example\.(org|com|net)|acme\.(com|org))(:\d+)?(\/|$)/i;

const PRIMITIVES = new Set([
  'boolean', 'integer', 'string', 'decimal', 'uri', 'url', 'canonical', 'base64Binary', 'instant', 'date', 'dateTime', 'time',
  'code', 'oid', 'id', 'markdown', 'unsignedInt', 'positiveInt', 'uuid', 'xhtml',
]);
const CODED = new Set(['code', 'Coding', 'CodeableConcept', 'Quantity', 'string', 'uri']);
const MAX_DEPTH = 60;
/** Cross-version extensions (http://hl7.org/fhir/5.0/StructureDefinition/extension-X.y), understood without a definition. */
const XVER_EXTENSION = /^http:\/\/hl7\.org\/fhir\/[1-9]\.[0-9]\/StructureDefinition\/extension-/;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function xverValue(ext: Json | undefined): boolean {
  const list = ext?.extension;
  return Array.isArray(list) && list.some((e) => isObject(e) && typeof e.url === 'string' && XVER_EXTENSION.test(e.url));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/** Does `value` contain everything in `pattern` (FHIR pattern[x] semantics)? */
export function patternMatches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.every((p) => values.some((v) => patternMatches(v, p)));
  }
  if (isObject(pattern)) {
    if (!isObject(value)) return false;
    return Object.keys(pattern).every((k) => patternMatches(value[k], pattern[k]));
  }
  return value === pattern;
}

/** Adds the items of one JSON property (and its `_` companion) to `items`. */
function addItems(items: Item[], obj: Json, key: string, extKey: string, type: string | undefined, dot: string, path: string, isArray: boolean): void {
  const value = obj[key];
  const ext = obj[extKey];
  if (value === undefined && ext === undefined) return;
  const valueArray = Array.isArray(value);
  const extArray = Array.isArray(ext);
  if (valueArray || extArray) {
    const n = Math.max(valueArray ? (value as unknown[]).length : 0, extArray ? (ext as unknown[]).length : 0);
    for (let i = 0; i < n; i++) {
      const v = valueArray ? (value as unknown[])[i] : undefined;
      const e = extArray ? (ext as unknown[])[i] : undefined;
      if ((v === undefined || v === null) && (e === undefined || e === null)) continue;
      items.push({ value: v ?? undefined, ext: isObject(e) ? e : undefined, type, path: `${path}${dot}[${i}]`, key });
    }
    return;
  }
  items.push({ value: value ?? undefined, ext: isObject(ext) ? ext : undefined, type, path: isArray ? `${path}${dot}[0]` : `${path}${dot}`, key });
}

/** Does the object have any property for this (non-choice) element? */
function hasElement(obj: Json, node: ProfileNode): boolean {
  if (!node.choice) return obj[node.name] !== undefined || obj[node.extKey] !== undefined;
  const name = node.name;
  for (const key in obj) {
    if (key.length > name.length && key.startsWith(name)) return true;
  }
  return false;
}

/** The JSON items of one element of an object: arrays flattened, primitives paired with their `_` companions. */
export function itemsOf(obj: Json, node: ProfileNode, path: string): Item[] {
  const items: Item[] = [];
  if (!node.choice) {
    addItems(items, obj, node.name, node.extKey, node.typeCodes[0], `.${node.name}`, path, node.isArray);
    return items;
  }
  for (const key in obj) {
    if (!key.startsWith(node.name) || key.length === node.name.length) continue;
    const rest = key.slice(node.name.length);
    if (rest[0] !== rest[0].toUpperCase() || rest[0] === '_') continue;
    const declared = node.typeCodes.find((t) => capitalize(t) === rest);
    const type = declared ?? (PRIMITIVES.has(rest.charAt(0).toLowerCase() + rest.slice(1)) ? rest.charAt(0).toLowerCase() + rest.slice(1) : rest);
    addItems(items, obj, key, `_${key}`, type, `.${node.name}.ofType(${type})`, path, node.isArray);
    if (declared === undefined) items[items.length - 1] && (items[items.length - 1].disallowed = true);
  }
  return items;
}

interface Walk {
  issues: Issue[];
  resource: Json;
  root: Json;
  /** The innermost Bundle being walked, for references inside it. */
  bundle: BundleIndex | undefined;
  /** The entry of `bundle` whose resource (or a resource contained in it) is being walked. */
  entry: number | undefined;
  depth: number;
}

export class ProfileValidator {
  readonly trees: ProfileTrees;
  private readonly contexts: ExtensionContexts;

  constructor(
    readonly registry: ConformanceRegistry,
    private readonly terminology: Terminology,
    private readonly invariants: InvariantEngine,
    private readonly options: ProfileValidatorOptions = {},
  ) {
    this.trees = new ProfileTrees(registry);
    this.contexts = new ExtensionContexts(registry);
  }

  /** Validates `resource` against the profile (or base type) `url`; undefined when the profile is unknown. */
  validate(resource: Json, url: string): Issue[] | undefined {
    const tree = this.trees.byUrl(url);
    if (tree === undefined) return undefined;
    const walk: Walk = { issues: [], resource, root: resource, bundle: undefined, entry: undefined, depth: 0 };
    if (tree.ed.path !== resource.resourceType) {
      return [this.issue('error', 'invalid', `The profile ${url} is for ${tree.ed.path}, not ${String(resource.resourceType)}`, String(resource.resourceType))];
    }
    this.resourceWalk(resource, tree, String(resource.resourceType), walk);
    return walk.issues;
  }

  /** True when the item conforms to the profile (used by profile discriminators). */
  conforms(value: unknown, url: string, walk?: Walk): boolean {
    const tree = this.trees.byUrl(url);
    if (tree === undefined || !isObject(value)) return false;
    const inner: Walk = { issues: [], resource: walk?.resource ?? value, root: walk?.root ?? value, bundle: walk?.bundle, entry: walk?.entry, depth: (walk?.depth ?? 0) + 1 };
    if (typeof value.resourceType === 'string') {
      if (tree.ed.path !== value.resourceType) return false;
      this.resourceWalk(value, tree, value.resourceType, { ...inner, resource: value });
    } else this.element({ value, ext: undefined, type: tree.ed.path, path: tree.ed.path, key: '' }, tree, inner);
    return !inner.issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
  }

  private issue(severity: IssueSeverity, code: string, diagnostics: string, expression: string): Issue {
    return { severity, code, diagnostics, expression: [expression] };
  }

  private report(walk: Walk, severity: IssueSeverity, code: string, diagnostics: string, expression: string): void {
    walk.issues.push(this.issue(severity, code, diagnostics, expression));
  }

  private resourceWalk(resource: Json, tree: ProfileNode, path: string, outer: Walk): void {
    const walk: Walk = { ...outer, resource };
    if (resource.resourceType === 'Bundle') {
      walk.bundle = indexBundle(resource);
      walk.entry = undefined;
    }
    this.element({ value: resource, ext: undefined, type: String(resource.resourceType), path, key: '' }, tree, walk);
    outer.issues = walk.issues;
  }

  /** Checks one item against its element definition, then walks its children. */
  private element(item: Item, node: ProfileNode, walk: Walk): void {
    if (walk.depth > MAX_DEPTH) return;
    const value = item.value;
    if (node.fixed !== undefined) this.checkFixed(item, node, walk);
    if (node.pattern !== undefined && !patternMatches(value, node.pattern.value)) {
      this.report(walk, 'error', 'value', `${item.path} does not match the pattern required by the profile: ${JSON.stringify(node.pattern.value)}`, item.path);
    }
    const type = item.type ?? node.typeCodes[0];
    if (node.ed.binding !== undefined && type !== undefined && CODED.has(type) && (value !== undefined || type === 'code')) this.checkBinding(item, type, node, walk);
    if (value === undefined && item.ext !== undefined && !(Array.isArray(item.ext.extension) && item.ext.extension.length > 0)) {
      this.report(walk, 'error', 'invariant', `Constraint failed: ele-1: 'All FHIR elements must have a @value or children'`, item.path);
    }
    if (type === 'Coding' && isObject(value)) this.checkCoding(value, item.path, walk);
    if (typeof value === 'string' && type !== undefined && (URI_VALUE_TYPES.has(type) || type === 'markdown' || this.options.securityChecks === true)) this.checkPrimitiveValue(value, type, node, item.path, walk);
    else if (type === 'Identifier' && isObject(value)) this.problem(identifierProblem(value), item.path, walk);
    else if (type === 'Attachment' && isObject(value)) this.problem(attachmentProblem(value), item.path, walk);
    if (type === 'Reference' && isObject(value) && (node.targetProfiles.length > 0 || node.aggregation.length > 0 || walk.bundle !== undefined)) this.checkReference(value, node, item.path, walk);
    if (type === 'Extension' && isObject(value)) this.checkExtensionShape(value, item.path, walk);
    if (type === 'xhtml' && typeof value === 'string') {
      // txt-1 (safety) is checked structurally on every write; txt-2 (content) here
      const problem = this.narrative(value);
      if (problem?.startsWith('txt-2')) this.report(walk, 'error', 'invariant', `Constraint failed: ${problem}`, item.path);
      this.checkNarrativeLinks(value, item.path, walk);
    }
    const constraints = node.constraints;
    if (constraints.length > 0 && (value !== undefined || item.ext !== undefined)) {
      const target = value ?? item.ext;
      for (let i = 0; i < constraints.length; i++) {
        const c = constraints[i];
        const ok = this.invariants.checkCompiled(this.compiled(c, node, item.type), target, walk.resource, walk.root);
        if (ok === false) this.report(walk, c.severity, 'invariant', c.message, item.path);
      }
    }
    if (node.dom3 !== undefined && isObject(value) && Array.isArray(value.contained)) {
      for (const i of unreferencedContained(value, walk.resource)) {
        const id = String((value.contained as Json[])[i].id);
        this.report(walk, node.dom3, 'invariant', `Constraint failed: dom-3: the contained resource '${id}' is not referred to from elsewhere in the resource, and does not refer to the resource`, `${item.path}.contained[${i}]`);
      }
    }
    // children: the node's own, else those of its type profile or base type
    const obj = type !== undefined && PRIMITIVES.has(type) ? item.ext : isObject(value) ? value : undefined;
    if (obj === undefined) return;
    if (isObject(value) && typeof value.resourceType === 'string' && node.ed.path !== value.resourceType && type !== undefined && !PRIMITIVES.has(type)) {
      this.innerResource(value, item.path, walk);
      return;
    }
    let target: ProfileNode | undefined = node;
    if (node.children.length === 0) {
      target = this.typeTree(node, type);
    } else if (type !== undefined && !PRIMITIVES.has(type) && node.ed.path.includes('.')) {
      // constraints of the data type itself (e.g. per-1 on Period) when the profile walked into it
      const typeRoot = this.typeRoot(type);
      const constraints = typeRoot?.constraints;
      if (constraints !== undefined) {
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i];
          // compiled on the type's root node, whose definition path is the type name
          const ok = this.invariants.checkCompiled((c.compiled ??= this.invariants.compile(type, c.expression)), value, walk.resource, walk.root);
          if (ok === false) this.report(walk, c.severity, 'invariant', c.message, item.path);
        }
      }
    }
    if (target === undefined) return;
    if (target !== node) {
      walk.depth++;
      if (target.ed.path.includes('.') || !isObject(value) || typeof value.resourceType === 'string') this.children(obj, target, item.path, walk);
      else this.element({ ...item, type }, target, walk);
      walk.depth--;
      return;
    }
    this.children(obj, node, item.path, walk);
  }

  /** A constraint compiled for the node, on the typed path for a choice element's item (`Observation.effectiveDateTime`). */
  private compiled(c: Constraint, node: ProfileNode, type: string | undefined): CompiledInvariant {
    if (!node.choice || type === undefined) return (c.compiled ??= this.invariants.compile(node.ed.path, c.expression));
    const byType = (c.compiledByType ??= new Map());
    let inv = byType.get(type);
    if (inv === undefined) byType.set(type, (inv = this.invariants.compile(`${node.ed.path.slice(0, -3)}${capitalize(type)}`, c.expression)));
    return inv;
  }

  private readonly typeRoots = new Map<string, ProfileNode | null>();
  private typeRootsGeneration = -1;

  /** The base definition tree of a data type, remembered (per registry generation). */
  private typeRoot(type: string): ProfileNode | undefined {
    if (this.typeRootsGeneration !== this.registry.generation) {
      this.typeRoots.clear();
      this.typeRootsGeneration = this.registry.generation;
    }
    let tree = this.typeRoots.get(type);
    if (tree === undefined) {
      tree = this.trees.type(type) ?? null;
      this.typeRoots.set(type, tree);
    }
    return tree ?? undefined;
  }

  /** The tree whose children describe an element that has none in its own definition. */
  private typeTree(node: ProfileNode, type: string | undefined): ProfileNode | undefined {
    // remembered per node and type (trees, and their nodes, are rebuilt when the registry changes)
    const cache = (node.typeTrees ??= new Map());
    const k = type ?? '';
    const known = cache.get(k);
    if (known !== undefined) return known ?? undefined;
    const tree = this.findTypeTree(node, type);
    cache.set(k, tree ?? null);
    return tree;
  }

  private findTypeTree(node: ProfileNode, type: string | undefined): ProfileNode | undefined {
    const ref = node.ed.contentReference;
    if (typeof ref === 'string') return this.trees.basePath(ref.slice(ref.indexOf('#') + 1));
    if (type === undefined || type === 'Element' || type === 'BackboneElement') return undefined;
    const profiles = node.typeProfiles;
    if (profiles.length === 1) {
      const profiled = this.trees.byUrl(profiles[0]);
      if (profiled !== undefined) return profiled;
    }
    return this.trees.type(type);
  }

  private innerResource(value: Json, path: string, walk: Walk): void {
    const type = String(value.resourceType);
    const tree = this.trees.type(type);
    if (tree === undefined) return;
    walk.depth++;
    // %rootResource: a Bundle entry's resource (or outcome) and a resource in Parameters are their own; a contained resource's is its container
    const entry = /\.entry\[(\d+)\]\.(resource|response\.outcome)$/.exec(path);
    const ownRoot = entry !== null || /\.parameter\[\d+\](\.part\[\d+\])*\.resource$/.test(path);
    const inner: Walk = { ...walk, resource: value, root: ownRoot ? value : walk.resource };
    if (type === 'Bundle') {
      inner.bundle = indexBundle(value);
      inner.entry = undefined;
    } else if (entry !== null && walk.bundle !== undefined && walk.resource === walk.bundle.bundle) inner.entry = Number(entry[1]);
    this.element({ value, ext: undefined, type, path, key: '' }, tree, inner);
    const meta = value.meta;
    if (isObject(meta) && Array.isArray(meta.profile)) {
      for (const p of meta.profile) if (typeof p === 'string' && this.trees.byUrl(p) !== undefined) this.element({ value, ext: undefined, type, path, key: '' }, this.trees.byUrl(p)!, inner);
    }
    walk.issues = inner.issues;
    walk.depth--;
  }

  private children(obj: Json, node: ProfileNode, path: string, walk: Walk): void {
    const children = node.children;
    // which children have properties in the object: one pass over its keys, as bits (up to 90 children; else asked per child)
    const n = children.length;
    let m0 = 0;
    let m1 = 0;
    let m2 = 0;
    const masked = n <= 90;
    if (masked) {
      for (const key in obj) {
        const found = node.childrenOfKey(key);
        if (typeof found === 'number') {
          if (found < 0) continue;
          if (found < 30) m0 |= 1 << found;
          else if (found < 60) m1 |= 1 << (found - 30);
          else m2 |= 1 << (found - 60);
        } else {
          for (const i of found) {
            if (i < 30) m0 |= 1 << i;
            else if (i < 60) m1 |= 1 << (i - 30);
            else m2 |= 1 << (i - 60);
          }
        }
      }
    }
    for (let c = 0; c < n; c++) {
      const child = children[c];
      const present = masked ? ((c < 30 ? m0 >> c : c < 60 ? m1 >> (c - 30) : m2 >> (c - 60)) & 1) === 1 : hasElement(obj, child);
      if (!present) {
        if (child.min > 0 && child.checkMin) this.cardinality(child, 0, path, walk);
        // each slice the profile requires is missing too
        for (const slice of child.slices) if (slice.min > 0) this.cardinality(slice, 0, path, walk);
        if (this.options.mustSupport && child.ed.mustSupport === true && node.sd.derivation === 'constraint') {
          this.report(walk, 'information', 'informational', `${child.ed.path} is marked mustSupport in ${node.sd.url} but is absent`, `${path}.${child.name}`);
        }
        continue;
      }
      const items = itemsOf(obj, child, path);
      for (const it of items) {
        if (it.disallowed) this.report(walk, 'error', 'structure', `${child.ed.path}: the type ${it.type} is not allowed here by the profile (allowed: ${child.typeCodes.join(', ')})`, it.path);
      }
      this.cardinality(child, items.length, path, walk);
      if (items.length === 0) {
        if (this.options.mustSupport && child.ed.mustSupport === true && node.sd.derivation === 'constraint') {
          this.report(walk, 'information', 'informational', `${child.ed.path} is marked mustSupport in ${node.sd.url} but is absent`, `${path}.${child.name}`);
        }
        continue;
      }
      if (child.slices.length > 0 || child.isExtension) this.sliced(items, child, walk);
      else for (const it of items) this.element(it, child, walk);
    }
  }

  private cardinality(node: ProfileNode, count: number, path: string, walk: Walk): void {
    if (count < node.min && node.checkMin) {
      this.report(walk, 'error', 'required', `${node.label}: minimum required = ${node.min}, but only found ${count} (from ${node.sd.url})`, `${path}.${node.name}`);
    }
    if (count > node.max && node.checkMax) {
      this.report(walk, 'error', 'structure', `${node.label}: max allowed = ${node.max}, but found ${count} (from ${node.sd.url})`, `${path}.${node.name}`);
    }
  }

  /** Assigns items to slices, checks slice rules and cardinality, and validates each item. */
  private sliced(items: Item[], node: ProfileNode, walk: Walk): void {
    const slicing = node.slicing;
    const rules = slicing?.rules ?? 'open';
    const isExtension = node.isExtension;
    const counts = new Map<ProfileNode, number>();
    let lastSliceIndex = -1;
    let unmatchedSeen = false;
    const ctx = node.slices.length > 0 ? new WalkSliceContext(this, this.terminology, walk) : undefined;
    for (const it of items) {
      let matched: ProfileNode | undefined;
      for (let s = 0; s < node.slices.length; s++) {
        const slice = node.slices[s];
        if (matchesSlice(it, slice, slicing?.discriminator, isExtension, ctx!)) {
          matched = slice;
          if (slicing?.ordered && s < lastSliceIndex) {
            this.report(walk, 'error', 'structure', `${it.path} matches slice ${slice.sliceName} out of order (the slicing of ${node.ed.path} is ordered)`, it.path);
          }
          if (rules === 'openAtEnd' && unmatchedSeen) {
            this.report(walk, 'error', 'structure', `${it.path} matches slice ${slice.sliceName} after an unmatched item (the slicing of ${node.ed.path} is openAtEnd)`, it.path);
          }
          lastSliceIndex = Math.max(lastSliceIndex, s);
          break;
        }
      }
      if (matched !== undefined) {
        counts.set(matched, (counts.get(matched) ?? 0) + 1);
        this.element(it, matched, walk);
        if (matched.slices.length > 0) this.sliced([it], matched, walk);
        continue;
      }
      unmatchedSeen = true;
      if (rules === 'closed' && node.slices.length > 0) {
        this.report(walk, 'error', 'structure', `${it.path} does not match any slice of ${node.ed.path}, and the slicing is closed`, it.path);
      }
      if (isExtension && isObject(it.value)) this.extension(it, node, walk);
      else this.element(it, node, walk);
    }
    const parentPath = items[0].path.replace(/(\[\d+\])?$/, '').replace(/\.[^.]*$/, '');
    for (const slice of node.slices) {
      const count = counts.get(slice) ?? 0;
      this.cardinality(slice, count, parentPath, walk);
    }
  }

  /** An extension no slice claims: validated against its definition when known. */
  private extension(item: Item, node: ProfileNode, walk: Walk): void {
    const value = item.value as Json;
    const url = value.url;
    this.element(item, node, walk);
    if (typeof url !== 'string') return;
    if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) {
      // a relative url names a sub-extension, so is only allowed inside a complex extension, which must define it
      if (!/(extension|modifierExtension)\[\d+\]\.(extension|modifierExtension)\[\d+\]$/.test(item.path)) {
        this.report(walk, 'error', 'structure', `Extension.url must be an absolute URL; found '${url}'`, item.path);
      } else if (node.slices.length > 0 && node.sd.type === 'Extension' && node.sd.derivation === 'constraint') {
        this.report(walk, 'error', 'structure', `The sub-extension '${url}' is not defined by the extension ${node.sd.url} (it defines ${node.slices.map((sl) => sl.sliceName).join(', ')})`, item.path);
      }
      return;
    }
    const tree = this.trees.byUrl(url);
    if (tree === undefined) {
      // cross-version extensions, HL7 tool extensions and example domains are tolerated, as by the Java validator
      const tolerated =
        XVER_EXTENSION.test(url) ||
        /^https?:\/\/hl7\.org\/fhir\/(tools|test)\//.test(url) ||
        (this.options.exampleUrls === undefined && /^https?:\/\/([a-z0-9-]+\.)?example\.(org|com)\//.test(url)) ||
        (this.options.allowedExtensionDomains ?? []).some((d) => url.startsWith(d));
      const severity = tolerated ? 'warning' : (this.options.unknownExtension ?? 'error');
      this.report(walk, severity, severity === 'error' ? 'structure' : 'not-found', `The extension ${url} is not known${severity === 'error' ? ', and is not allowed here' : ', so it was not checked'}`, item.path);
      return;
    }
    if (tree.ed.path !== 'Extension') {
      this.report(walk, 'error', 'structure', `${url} is a ${tree.ed.path} definition, not an extension`, item.path);
      return;
    }
    if (node.name === 'modifierExtension' && tree.ed.isModifier !== true) {
      this.report(walk, 'error', 'structure', `The extension ${url} is not a modifier extension, so it must not be in modifierExtension`, item.path);
    } else if (node.name === 'extension' && tree.ed.isModifier === true) {
      this.report(walk, 'error', 'structure', `The extension ${url} is a modifier extension, so it must be in modifierExtension`, item.path);
    }
    const context = this.contexts.problem(url, this.registry.structureDefinition(url)?.context, item.path.replace(/\.(extension|modifierExtension)\[\d+\]$/, ''));
    if (context !== undefined) this.report(walk, 'error', 'structure', context, item.path);
    walk.depth++;
    this.element(item, tree, walk);
    walk.depth--;
  }

  private lastDiv: string | undefined;
  private lastDivProblem: string | undefined;

  /** narrativeProblem (txt-2 included), remembered for the last narrative: the base definition and a profile check the same one. */
  private narrative(div: string): string | undefined {
    if (div !== this.lastDiv) {
      this.lastDivProblem = narrativeProblem(div, true);
      this.lastDiv = div;
    }
    return this.lastDivProblem;
  }

  private readonly anchorCache = new WeakMap<Json, Set<string>>();

  private anchorsOf(resource: Json): Set<string> {
    let found = this.anchorCache.get(resource);
    if (found === undefined) this.anchorCache.set(resource, (found = narrativeTargets(resource)));
    return found;
  }

  /** Narrative links (narrative.ts): a link within the document has its target in the resource, or else in its Bundle. */
  private checkNarrativeLinks(div: string, path: string, walk: Walk): void {
    const problems = narrativeLinkProblems(div, (id) => this.anchorsOf(walk.resource).has(id) || (walk.bundle !== undefined && this.anchorsOf(walk.bundle.bundle).has(id)));
    for (const message of problems) this.report(walk, 'error', 'invalid', message, path);
  }

  private checkExtensionShape(ext: Json, path: string, walk: Walk): void {
    const hasValue = Object.keys(ext).some((k) => k.startsWith('value') || k.startsWith('_value'));
    const hasExtensions = Array.isArray(ext.extension) && ext.extension.length > 0;
    if (hasValue === hasExtensions) {
      this.report(walk, 'error', 'invariant', `Constraint failed: ext-1: 'Must have either extensions or value[x], not both'`, path);
    }
  }

  private checkFixed(item: Item, node: ProfileNode, walk: Walk): void {
    const fixed = node.fixed!.value;
    if (item.value === undefined) {
      if (!isObject(fixed)) this.report(walk, 'error', 'value', `${item.path} has no value but the profile fixes it to ${JSON.stringify(fixed)}`, item.path);
      return;
    }
    if (!deepEqual(item.value, fixed)) {
      this.report(walk, 'error', 'value', `${item.path} is ${JSON.stringify(item.value)} but the profile fixes it to ${JSON.stringify(fixed)}`, item.path);
    }
  }

  /** Reports a problem found by element-rules.ts at `path` (plus the part it names). */
  private problem(p: Problem | undefined, path: string, walk: Walk): void {
    if (p !== undefined) this.report(walk, p.severity, p.code, p.message, p.at === undefined ? path : `${path}${p.at}`);
  }

  /** Rules on a primitive's value beyond its format: uris (element-rules.ts), and by policy embedded HTML and example URLs. */
  private checkPrimitiveValue(value: string, type: string, node: ProfileNode, path: string, walk: Walk): void {
    if (URI_VALUE_TYPES.has(type)) {
      const p = node.ed.path;
      const defining = p.endsWith('.url') && p.length === String(walk.resource.resourceType).length + 4 && p.startsWith(String(walk.resource.resourceType));
      this.problem(uriProblem(value, type, defining, walk.root !== walk.resource), path, walk);
      if (type === 'canonical' && node.targetProfiles.length > 0) this.checkCanonicalTarget(value, node, path, walk);
      if (this.options.exampleUrls !== undefined && !defining && EXAMPLE_URL.test(value)) {
        this.report(walk, this.options.exampleUrls, 'invalid', `Example URLs are not allowed here (${value})`, path);
      }
    } else if (type === 'markdown') {
      this.problem(htmlTagProblem(value, this.options.securityChecks ? 'error' : (this.options.htmlInMarkdown ?? 'information'), !this.options.securityChecks), path, walk);
    } else if (this.options.securityChecks && type !== 'xhtml') {
      this.problem(htmlTagProblem(value, 'error', false), path, walk);
    }
  }

  /** A canonical reference to a resource known here must be to one of the types the element allows. */
  private checkCanonicalTarget(value: string, node: ProfileNode, path: string, walk: Walk): void {
    if (value.startsWith('#')) return;
    const found = this.registry.canonicalResourceType(value);
    if (found === undefined) return;
    const allowed = new Set<string>();
    for (const url of node.targetProfiles) {
      const sd = this.registry.structureDefinition(url);
      if (sd === undefined) return;
      allowed.add(sd.type);
    }
    if (allowed.has('Resource') || allowed.has(found)) return;
    this.report(walk, 'error', 'structure', `The canonical '${value}' refers to a ${found}, but must refer to a ${[...allowed].join(' or ')}`, path);
  }

  private readonly systemProblems = new Map<string, Problem | null>();
  private systemProblemsGeneration = -1;

  /** codingSystemProblem for a system, remembered (per registry generation, bounded). */
  private codingSystem(system: string): Problem | undefined {
    if (this.systemProblemsGeneration !== this.registry.generation || this.systemProblems.size > 5000) {
      this.systemProblems.clear();
      this.systemProblemsGeneration = this.registry.generation;
    }
    let p = this.systemProblems.get(system);
    if (p === undefined) {
      p = codingSystemProblem(system, this.registry.valueSet(system) !== undefined && this.registry.codeSystem(system) === undefined) ?? null;
      this.systemProblems.set(system, p);
    }
    return p ?? undefined;
  }

  private checkCoding(coding: Json, path: string, walk: Walk): void {
    if (typeof coding.system === 'string') this.problem(this.codingSystem(coding.system), path, walk);
    if (typeof coding.system !== 'string' || typeof coding.code !== 'string') return;
    const check = this.terminology.inCodeSystem(coding.system, coding.code, typeof coding.display === 'string' ? coding.display : undefined);
    if (check.status === 'invalid') this.report(walk, 'error', 'code-invalid', check.message, `${path}.code`);
    else if (check.status === 'valid' && check.displayProblem) this.report(walk, 'warning', 'invalid', check.displayProblem, `${path}.display`);
  }

  private checkBinding(item: Item, type: string, node: ProfileNode, walk: Walk): void {
    const binding = node.ed.binding!;
    const strength = binding.strength;
    const vs = binding.valueSet;
    if (vs === undefined || strength === 'example') return;
    const codings: { system?: string; code: string; path: string }[] = [];
    const value = item.value;
    if (type === 'code' || type === 'string' || type === 'uri') {
      if (typeof value === 'string') codings.push({ code: value, path: item.path });
      if (type !== 'code' && strength !== 'required') return;
    } else if (type === 'Coding' && isObject(value)) {
      if (typeof value.code === 'string') codings.push({ system: value.system as string | undefined, code: value.code, path: `${item.path}.code` });
    } else if (type === 'CodeableConcept' && isObject(value)) {
      const list = Array.isArray(value.coding) ? (value.coding as unknown[]) : [];
      list.forEach((c, i) => {
        if (isObject(c) && typeof c.code === 'string') codings.push({ system: c.system as string | undefined, code: c.code, path: `${item.path}.coding[${i}].code` });
      });
    } else if (type === 'Quantity' && isObject(value)) {
      if (typeof value.code === 'string') codings.push({ system: value.system as string | undefined, code: value.code, path: `${item.path}.code` });
      else return;
    } else return;
    if (codings.length === 0) {
      if (strength === 'required' && (type === 'CodeableConcept' || type === 'Coding') && isObject(value) && typeof value.text !== 'string') {
        this.report(walk, 'error', 'code-invalid', `No code provided, and a code is required from the value set ${vs}`, item.path);
      } else if (strength === 'required' && type === 'code' && value === undefined && !xverValue(item.ext)) {
        this.report(walk, 'error', 'code-invalid', `No code provided, and a code is required from the value set ${vs}`, item.path);
      } else if (strength === 'extensible' && type === 'CodeableConcept' && isObject(value) && typeof value.text === 'string') {
        // text only: allowed for extensible bindings
      }
      return;
    }
    const results = codings.map((c) => ({ c, check: this.terminology.inValueSet(vs, type === 'code' ? undefined : c.system, c.code) }));
    if (results.some((r) => r.check.status === 'valid')) return;
    const notChecked = results.find((r) => r.check.status === 'not-checked');
    if (notChecked !== undefined) {
      if (strength === 'required' || strength === 'extensible') {
        const system = notChecked.c.system;
        this.report(walk, 'warning', 'not-found', `Not checked: ${notChecked.check.status === 'not-checked' ? notChecked.check.message : ''}${system ? ` (${systemName(system)})` : ''}`, notChecked.c.path);
      }
      return;
    }
    const first = results[0];
    const message = first.check.status === 'invalid' ? first.check.message : '';
    if (strength === 'required') this.report(walk, 'error', 'code-invalid', `${message} (a required binding)`, first.c.path);
    else if (strength === 'extensible') this.report(walk, 'warning', 'code-invalid', `${message} (an extensible binding)`, first.c.path);
    else if (strength === 'preferred') this.report(walk, 'information', 'code-invalid', `${message} (a preferred binding)`, first.c.path);
  }

  /** @internal The resource a reference points at, inside the resource or its Bundle. */
  resolve(reference: string, walk: Walk): Json | undefined {
    if (reference.startsWith('#')) {
      const id = reference.slice(1);
      const contained = walk.resource.contained;
      if (id === '') return walk.root !== walk.resource ? walk.root : undefined;
      if (Array.isArray(contained)) return (contained as Json[]).find((c) => isObject(c) && c.id === id);
      // a contained resource refers to its siblings through its container
      const container = walk.root.contained;
      if (walk.root !== walk.resource && Array.isArray(container)) return (container as Json[]).find((c) => isObject(c) && c.id === id);
      return undefined;
    }
    if (walk.bundle === undefined) return undefined;
    const r = resolveInBundle(walk.bundle, reference, walk.entry, this.isResourceType);
    return r.status === 'found' ? walk.bundle.entries[r.entry].resource : undefined;
  }

  private readonly isResourceType = (t: string): boolean => this.registry.defs.isResourceType(t);

  /**
   * A Reference: resolved inside the resource (contained) or its Bundle, where the Bundle's rules
   * are checked (ambiguous, malformed and unresolvable relative references); its type against the
   * element's target profiles (and the resolved resource against constrained ones); and the
   * element's aggregation modes (contained, referenced, bundled).
   */
  private checkReference(ref: Json, node: ProfileNode, path: string, walk: Walk): void {
    const reference = ref.reference;
    if (typeof reference !== 'string') return;
    const at = `${path}.reference`;
    if (this.options.exampleUrls !== undefined && EXAMPLE_URL.test(reference)) this.report(walk, this.options.exampleUrls, 'invalid', `Example URLs are not allowed here (${reference})`, at);
    let target: Json | undefined;
    let where: 'contained' | 'bundled' | 'referenced';
    if (reference.startsWith('#')) {
      where = 'contained';
      target = this.resolve(reference, walk);
    } else {
      where = 'referenced';
      if (walk.bundle !== undefined) {
        const r = resolveInBundle(walk.bundle, reference, walk.entry, this.isResourceType);
        if (r.status === 'found') {
          where = 'bundled';
          target = walk.bundle.entries[r.entry].resource;
        } else this.bundleResolutionProblem(r, reference, at, walk);
      }
    }
    let type: string | undefined;
    if (target !== undefined) {
      type = String(target.resourceType);
      const named = where === 'bundled' ? restfulParts(reference.replace(/#.*$/, ''), this.isResourceType)?.type : undefined;
      if (named !== undefined && named !== type) this.report(walk, 'error', 'structure', `The reference '${reference}' names a ${named}, but the resource it resolves to in the Bundle is a ${type}`, at);
    } else type = restfulParts(reference, this.isResourceType)?.type;
    if (node.aggregation.length > 0 && !node.aggregation.includes(where) && !(where === 'bundled' && node.aggregation.includes('referenced'))) {
      this.report(walk, 'error', 'structure', `The reference '${reference}' is ${where === 'contained' ? 'to a contained resource' : where === 'bundled' ? 'to a resource in the Bundle' : 'to a resource outside the resource and its Bundle'}, which the aggregation of ${node.label} does not allow (${node.aggregation.join(', ')})`, at);
    }
    if (type === undefined && typeof ref.type === 'string') type = ref.type;
    if (type === undefined || node.targetProfiles.length === 0) return;
    const allowed = new Set<string>();
    for (const url of node.targetProfiles) {
      const sd = this.registry.structureDefinition(url);
      if (sd === undefined) return; // an unknown target profile: cannot judge
      allowed.add(sd.type);
    }
    if (allowed.has('Resource') || allowed.has(type)) {
      if (target !== undefined) {
        const profiles = node.targetProfiles.filter((u) => this.registry.structureDefinition(u)?.derivation === 'constraint');
        if (profiles.length > 0 && walk.depth < 3 && !profiles.some((u) => this.conforms(target, u, walk))) {
          this.report(walk, 'error', 'structure', `The resource ${reference} does not conform to any of the target profiles ${profiles.join(', ')}`, at);
        }
      }
      return;
    }
    this.report(walk, 'error', 'structure', `The type '${type}' of the reference '${reference}' is not allowed here (allowed: ${[...allowed].join(', ')})`, at);
  }

  /** Problems of a reference that the Bundle's rules do not resolve (not-found is only reported when an entry seems meant). */
  private bundleResolutionProblem(r: Resolution, reference: string, at: string, walk: Walk): void {
    const bundle = walk.bundle!;
    switch (r.status) {
      case 'multiple':
        this.report(walk, 'error', 'structure', `The reference '${reference}' matches ${r.entries.length} entries of the Bundle (entry ${r.entries.join(', ')}), so it is ambiguous`, at);
        break;
      case 'bad-format':
        this.report(walk, 'error', 'structure', `The relative reference '${reference}' in a Bundle must have the form [type]/[id]${bundle.type === 'transaction' || bundle.type === 'batch' ? ' or be a search URL ([type]?[parameters])' : ''}`, at);
        break;
      case 'no-base':
        this.report(walk, 'error', 'structure', `The relative reference '${reference}' cannot be resolved: the Bundle entry it is in has no fullUrl`, at);
        break;
      case 'not-found':
        if (r.similar.length > 0) {
          const e = bundle.entries[r.similar[0]];
          this.report(walk, 'warning', 'not-found', `The reference '${reference}' does not resolve to an entry of the Bundle by its rules (https://hl7.org/fhir/R4/bundle.html#references), though entry ${r.similar[0]} (${e.fullUrl ?? 'no fullUrl'}) has that type and id`, at);
        }
        break;
    }
  }
}

/** What slice matching needs from a walk (a class, so that no closures are made per item). */
class WalkSliceContext implements SliceContext {
  readonly trees: ProfileTrees;

  constructor(
    private readonly validator: ProfileValidator,
    private readonly terminology: Terminology,
    private readonly walk: Walk,
  ) {
    this.trees = validator.trees;
  }

  conforms(value: unknown, url: string): boolean {
    return this.validator.conforms(value, url, this.walk);
  }

  inValueSet(valueSet: string, system: string | undefined, code: string): boolean {
    return this.terminology.inValueSet(valueSet, system, code).status !== 'invalid';
  }

  resolve(reference: string): Json | undefined {
    return this.validator.resolve(reference, this.walk);
  }
}
