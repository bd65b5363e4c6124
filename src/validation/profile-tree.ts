/**
 * A StructureDefinition snapshot as a tree the profile walker can follow: each element with its
 * children (by JSON name) and its slices, with the fixed and pattern values, bindings and
 * constraints it carries pulled out once. Trees are built lazily per canonical URL and cached
 * by `ProfileTrees` (one per validator; rebuilt when the registry changes).
 */
import type { ElementDefinition, StructureDefinition } from '../fhir/definitions.ts';
import type { ConformanceRegistry } from './conformance.ts';
import { NATIVE_CONSTRAINTS, type CompiledInvariant } from './invariants.ts';

export interface Constraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  /** The compiled expression (on the node's definition path), set on first use. */
  compiled?: CompiledInvariant;
  /** For a choice element: compiled per type, on the typed path (`Observation.effectiveDateTime`), so that the engine knows the value's type. */
  compiledByType?: Map<string, CompiledInvariant>;
  /** The message reported when it fails. */
  message: string;
}

export class ProfileNode {
  readonly children: ProfileNode[] = [];
  readonly slices: ProfileNode[] = [];
  /** The element name, without `[x]` for choices. */
  readonly name: string;
  readonly choice: boolean;
  readonly min: number;
  readonly max: number;
  /** The base (unconstrained) cardinality, so only narrowed cardinality is reported again. */
  readonly baseMin: number;
  readonly baseMax: number;
  readonly isArray: boolean;
  readonly fixed: { key: string; value: unknown } | undefined;
  readonly pattern: { key: string; value: unknown } | undefined;
  readonly constraints: Constraint[];
  /** The severity of dom-3 when the element carries it (checked natively, see contained-references.ts). */
  readonly dom3: 'error' | 'warning' | undefined;
  readonly typeCodes: string[];
  readonly id: string;
  readonly sliceName: string | undefined;
  readonly slicing: { discriminator?: { type: string; path: string }[]; ordered?: boolean; rules?: string } | undefined;
  /** Type profiles declared on this element (e.g. the extension definition of an extension slice). */
  readonly typeProfiles: string[];
  readonly targetProfiles: string[];
  /** How a referenced resource may be held (ElementDefinition.type.aggregation): contained, referenced, bundled; empty for any. */
  readonly aggregation: string[];
  /** The JSON name of the `_name` companion (for non-choice elements). */
  readonly extKey: string;
  /** `extension` or `modifierExtension`. */
  readonly isExtension: boolean;
  /** How cardinality problems name the element (`Patient.identifier:nhsNumber`). */
  readonly label: string;
  /** Whether a count below `min` / above `max` is reported here (the profile narrowed it, or it is a slice). */
  readonly checkMin: boolean;
  readonly checkMax: boolean;
  /** The trees describing this node's children when it has none of its own, by item type (see ProfileValidator.typeTree). */
  typeTrees: Map<string, ProfileNode | null> | undefined;

  constructor(
    readonly ed: ElementDefinition,
    readonly sd: StructureDefinition,
  ) {
    const last = ed.path.slice(ed.path.lastIndexOf('.') + 1);
    this.choice = last.endsWith('[x]');
    this.name = this.choice ? last.slice(0, -3) : last;
    this.min = ed.min ?? 0;
    this.max = ed.max === undefined || ed.max === '*' ? Infinity : Number(ed.max);
    this.baseMin = ed.base?.min ?? this.min;
    this.baseMax = ed.base?.max === undefined || ed.base.max === '*' ? Infinity : Number(ed.base.max);
    this.isArray = (ed.base?.max ?? ed.max) !== '1' && (ed.base?.max ?? ed.max) !== '0';
    let fixed: ProfileNode['fixed'];
    let pattern: ProfileNode['pattern'];
    for (const k in ed) {
      if (k.startsWith('fixed')) fixed = { key: k, value: ed[k] };
      else if (k.startsWith('pattern')) pattern = { key: k, value: ed[k] };
    }
    this.fixed = fixed;
    this.pattern = pattern;
    this.constraints = (ed.constraint ?? [])
      .filter((c) => typeof c.expression === 'string' && !NATIVE_CONSTRAINTS.has(c.key))
      .map((c) => ({ key: c.key, severity: c.severity === 'error' ? 'error' : 'warning', human: c.human, expression: c.expression!, message: `Constraint failed: ${c.key}: '${c.human}'` }));
    const dom3 = ed.constraint?.find((c) => c.key === 'dom-3');
    this.dom3 = dom3 === undefined ? undefined : dom3.severity === 'error' ? 'error' : 'warning';
    this.typeCodes = (ed.type ?? []).map((t) => typeCode(t.code, t.extension));
    this.id = ed.id ?? ed.path;
    this.sliceName = typeof ed.sliceName === 'string' ? ed.sliceName : undefined;
    this.slicing = ed.slicing as ProfileNode['slicing'];
    this.typeProfiles = (ed.type ?? []).flatMap((t) => t.profile ?? []);
    this.targetProfiles = (ed.type ?? []).flatMap((t) => t.targetProfile ?? []);
    this.aggregation = (ed.type ?? []).flatMap((t) => ((t as { aggregation?: string[] }).aggregation ?? []));
    this.extKey = `_${this.name}`;
    this.isExtension = this.name === 'extension' || this.name === 'modifierExtension';
    this.label = this.sliceName === undefined ? ed.path : `${ed.path}:${this.sliceName}`;
    this.checkMin = this.min > this.baseMin || this.sliceName !== undefined;
    this.checkMax = this.max < this.baseMax || this.sliceName !== undefined;
    this.typeTrees = undefined;
  }

  child(name: string): ProfileNode | undefined {
    for (const c of this.children) if (c.name === name) return c;
    return undefined;
  }

  private keys: Map<string, number | number[]> | undefined;

  /**
   * The indexes of the children a JSON property belongs to: its element (`name`, `_name`), and
   * any choice element it is a type of (`valueQuantity`); -1 for none. Remembered per key (up to
   * a bound, so that hostile input cannot grow the map without limit).
   */
  childrenOfKey(key: string): number | number[] {
    const keys = (this.keys ??= new Map());
    let found = keys.get(key);
    if (found !== undefined) return found;
    const list: number[] = [];
    const children = this.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i];
      if (c.choice ? key.length > c.name.length && key.startsWith(c.name) : key === c.name || key === c.extKey) list.push(i);
    }
    found = list.length === 0 ? -1 : list.length === 1 ? list[0] : list;
    if (keys.size < 1024) keys.set(key, found);
    return found;
  }
}

const FHIR_TYPE_URL = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** `http://hl7.org/fhirpath/System.String` on `id` and `url` elements is really string/uri. */
function typeCode(code: string, extension: unknown[] | undefined): string {
  if (!code.startsWith('http://hl7.org/fhirpath/System.')) return code;
  for (const e of (extension ?? []) as { url?: string; valueUrl?: string; valueUri?: string }[]) {
    if (e.url === FHIR_TYPE_URL) return e.valueUrl ?? e.valueUri ?? 'string';
  }
  return 'string';
}

export function buildTree(sd: StructureDefinition): ProfileNode {
  const elements = sd.snapshot?.element ?? [];
  if (elements.length === 0) throw new Error(`${sd.url} has no snapshot`);
  const byId = new Map<string, ProfileNode>();
  const root = new ProfileNode(elements[0], sd);
  byId.set(root.id, root);
  for (const ed of elements.slice(1)) {
    const node = new ProfileNode(ed, sd);
    const id = node.id;
    const dot = id.lastIndexOf('.');
    const parentId = id.slice(0, dot);
    const last = id.slice(dot + 1);
    byId.set(id, node);
    const colon = last.indexOf(':');
    if (colon >= 0) {
      const slice = last.slice(colon + 1);
      const slash = slice.lastIndexOf('/');
      const slicedId = slash < 0 ? `${parentId}.${last.slice(0, colon)}` : `${parentId}.${last.slice(0, colon)}:${slice.slice(0, slash)}`;
      byId.get(slicedId)?.slices.push(node);
      continue;
    }
    byId.get(parentId)?.children.push(node);
  }
  return root;
}

/** Trees by canonical URL, and of base types by name, built on first use. */
export class ProfileTrees {
  private readonly trees = new Map<string, ProfileNode | null>();
  private generation = -1;

  constructor(readonly registry: ConformanceRegistry) {}

  /** The tree of a profile or type by canonical URL; undefined when unknown or without a snapshot. */
  byUrl(url: string): ProfileNode | undefined {
    if (this.generation !== this.registry.generation) {
      this.trees.clear();
      this.generation = this.registry.generation;
    }
    let tree = this.trees.get(url);
    if (tree === undefined) {
      let sd: StructureDefinition | undefined;
      try {
        sd = this.registry.snapshot(url);
      } catch {
        sd = undefined;
      }
      tree = sd?.snapshot ? buildTree(sd) : null;
      this.trees.set(url, tree);
    }
    return tree ?? undefined;
  }

  /** The tree of a base type (resource or data type) by name. */
  type(name: string): ProfileNode | undefined {
    return this.byUrl(`http://hl7.org/fhir/StructureDefinition/${name}`);
  }

  /** The node at `path` (e.g. `Questionnaire.item`) in the base definition of its root type. */
  basePath(path: string): ProfileNode | undefined {
    const parts = path.split('.');
    let node = this.type(parts[0]);
    for (const p of parts.slice(1)) {
      if (node === undefined) return undefined;
      node = node.children.find((c) => c.ed.path.endsWith(`.${p}`));
    }
    return node;
  }
}
