/**
 * StructureDefinition snapshots compiled, once and lazily, into what the structure walker
 * needs: for each complex type, backbone element or resource, a Map from JSON property name
 * (`valueQuantity`, `_given`) to a Slot describing that property, plus the required elements.
 */
import type { Definitions, ElementDefinition, StructureDefinition } from '../fhir/definitions.ts';
import type { PrimitiveType } from './primitives.ts';

const FHIR_TYPE_URL = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_PREFIX = 'http://hl7.org/fhirpath/System.';

/** One logical element of a type, e.g. `Observation.value[x]`, shared by all its JSON slots. */
export interface ElementInfo {
  /** The element's path in its StructureDefinition, e.g. `Observation.value[x]`. */
  readonly path: string;
  /** The name without `[x]`, for messages and expressions, e.g. `value`. */
  readonly name: string;
  readonly min: number;
  /** Upper cardinality; Infinity for `*`. */
  readonly max: number;
  /** Represented as a JSON array (base max is not 1). */
  readonly isArray: boolean;
  readonly choice: boolean;
  /** Every JSON property name that gives this element a value (choices and `_` companions). */
  readonly jsonNames: string[];
  /** For choices: the allowed JSON names, for messages. */
  readonly choiceNames: string[];
}

/** One JSON property name of a compiled node. */
export class Slot {
  private compiled: CompiledNode | undefined;

  constructor(
    readonly jsonName: string,
    /** Appended to the parent expression: `.given`, `.value.ofType(Quantity)`. */
    readonly dotPath: string,
    readonly element: ElementInfo,
    readonly typeCode: string,
    /** This is the `_name` companion of a primitive element. */
    readonly shadow: boolean,
    /** The primitive type, for primitive elements and their `_name` companions. */
    readonly primitive: PrimitiveType | undefined,
    /** The JSON name of the other half of a primitive pair (`_given` for `given` and vice versa). */
    readonly partnerName: string | undefined,
    /** For elements holding resources; the required resource type unless abstract. */
    readonly resource: { type: string | undefined } | undefined,
    private readonly target: (() => CompiledNode) | undefined,
  ) {}

  /** The children of an object in this slot (for `_name` companions: `id` and `extension`). */
  node(): CompiledNode {
    if (this.compiled === undefined) {
      if (this.target === undefined) throw new Error(`${this.element.path} has no children`);
      this.compiled = this.target();
    }
    return this.compiled;
  }
}

export interface CompiledNode {
  readonly slots: Map<string, Slot>;
  readonly required: ElementInfo[];
}

interface SdIndex {
  readonly sd: StructureDefinition;
  readonly byPath: Map<string, ElementDefinition>;
  readonly children: Map<string, ElementDefinition[]>;
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function lastSegment(path: string): string {
  return path.slice(path.lastIndexOf('.') + 1);
}

function parseMax(max: string | undefined): number {
  if (max === undefined || max === '*') return Infinity;
  const n = Number(max);
  return Number.isFinite(n) ? n : Infinity;
}

export class TypeCompiler {
  private readonly indexes = new Map<string, SdIndex>();
  private readonly nodes = new Map<string, CompiledNode>();

  constructor(
    private readonly defs: Definitions,
    private readonly primitives: Map<string, PrimitiveType>,
  ) {}

  /** The compiled root of a type (resource, complex or primitive) by name; undefined if unknown. */
  typeNode(type: string): CompiledNode | undefined {
    return this.index(type) === undefined ? undefined : this.node(type, type);
  }

  private index(type: string): SdIndex | undefined {
    let index = this.indexes.get(type);
    if (index !== undefined) return index;
    const sd = this.defs.type(type);
    if (sd?.snapshot === undefined) return undefined;
    const byPath = new Map<string, ElementDefinition>();
    const children = new Map<string, ElementDefinition[]>();
    for (const ed of sd.snapshot.element) {
      byPath.set(ed.path, ed);
      const dot = ed.path.lastIndexOf('.');
      if (dot < 0) continue;
      const parent = ed.path.slice(0, dot);
      let list = children.get(parent);
      if (list === undefined) children.set(parent, (list = []));
      list.push(ed);
    }
    index = { sd, byPath, children };
    this.indexes.set(type, index);
    return index;
  }

  /** The children of `path` in the StructureDefinition of `type`, compiled once. */
  private node(type: string, path: string): CompiledNode {
    const key = `${type}|${path}`;
    let node = this.nodes.get(key);
    if (node === undefined) {
      node = this.compile(type, path);
      this.nodes.set(key, node);
    }
    return node;
  }

  private compile(type: string, path: string): CompiledNode {
    const index = this.index(type);
    if (index === undefined) throw new Error(`No StructureDefinition for ${type}`);
    const { sd } = index;
    const slots = new Map<string, Slot>();
    const required: ElementInfo[] = [];
    for (const ed of index.children.get(path) ?? []) {
      if (ed.max === '0') continue;
      if (sd.kind === 'primitive-type' && ed.path === `${sd.type}.value`) continue; // the JSON value itself
      const name = lastSegment(ed.path);
      const choice = name.endsWith('[x]');
      const base = choice ? name.slice(0, -3) : name;
      const max = parseMax(ed.max);
      const baseMax = ed.base?.max ?? ed.max;
      const info: ElementInfo = {
        path: ed.path,
        name: base,
        min: ed.min ?? 0,
        max,
        isArray: baseMax !== '1' && baseMax !== '0',
        choice,
        jsonNames: [],
        choiceNames: [],
      };
      if (info.min > 0) required.push(info);

      const contentRef = ed.contentReference === undefined ? undefined : ed.contentReference.slice(ed.contentReference.indexOf('#') + 1);
      const typed = contentRef === undefined ? ed : index.byPath.get(contentRef);
      const childPath = contentRef ?? ed.path;
      const inline = index.children.has(childPath);
      for (const t of typed?.type ?? []) {
        const code = this.typeCode(t, sd, ed);
        const jsonName = choice ? base + capitalize(code) : base;
        const dotPath = choice ? `.${base}.ofType(${code})` : `.${base}`;
        const primitive = this.primitives.get(code);
        const isResource = code === 'Resource' || code === 'DomainResource' || this.defs.isResourceType(code);
        // Element.id and Extension.url are attributes in XML: they have no `_name` companion.
        const extensible = primitive !== undefined && primitive.extensible && !t.code.startsWith(SYSTEM_PREFIX);
        const resourceRootId = sd.kind === 'resource' && ed.path === `${sd.type}.id`;
        const hasCompanion = extensible || resourceRootId;
        let target: (() => CompiledNode) | undefined;
        if (inline) target = () => this.node(type, childPath);
        else if (primitive !== undefined) target = () => this.node(code, code);
        else if (!isResource && this.index(code) !== undefined) target = () => this.node(code, code);
        const resource = isResource ? { type: this.defs.isResourceType(code) ? code : undefined } : undefined;
        const shadowName = `_${jsonName}`;
        slots.set(
          jsonName,
          new Slot(jsonName, dotPath, info, code, false, primitive, hasCompanion ? shadowName : undefined, resource, target),
        );
        info.jsonNames.push(jsonName);
        if (choice) info.choiceNames.push(jsonName);
        if (hasCompanion) {
          slots.set(shadowName, new Slot(shadowName, dotPath, info, code, true, primitive, jsonName, undefined, target));
          info.jsonNames.push(shadowName);
        }
      }
    }
    return { slots, required };
  }

  /** The FHIR type code of an ElementDefinition type, resolving FHIRPath System types. */
  private typeCode(t: NonNullable<ElementDefinition['type']>[number], sd: StructureDefinition, ed: ElementDefinition): string {
    if (sd.kind === 'resource' && ed.path === `${sd.type}.id`) return 'id'; // Resource.id is an id in R4's data types
    if (!t.code.startsWith(SYSTEM_PREFIX)) return t.code;
    for (const ext of (t.extension ?? []) as { url?: string; valueUrl?: string }[]) {
      if (ext.url === FHIR_TYPE_URL && typeof ext.valueUrl === 'string') return ext.valueUrl;
    }
    return 'string';
  }
}
