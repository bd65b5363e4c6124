/**
 * The shape of FHIR content as the JSON and XML formats see it, read from the
 * StructureDefinitions: which child elements a type (or an inline backbone element)
 * has, in which order, which repeat, which are choice types, which are XML attributes.
 *
 * A "shape" is either a type name (`HumanName`, `Patient`, `date`) or the path of an
 * inline element whose children are defined in place (`Patient.contact`).
 */
import type { Definitions, ElementDefinition } from '../definitions.ts';

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const NUMBER_TYPES = new Set(['integer', 'unsignedInt', 'positiveInt', 'decimal', 'integer64']);

export interface ElementInfo {
  /** The element name without `[x]` (e.g. `value`, `birthDate`). */
  name: string;
  /** The element path in its StructureDefinition (e.g. `Patient.contact.name`). */
  path: string;
  repeats: boolean;
  /** A choice element (`value[x]`): its JSON/XML names carry the type (`valueString`). */
  choice: boolean;
  /** Represented as an XML attribute (`id` of elements, `url` of Extension, `value` of primitives). */
  xmlAttr: boolean;
  /** Type codes, FHIRPath system types mapped to their FHIR type (`string`, `uri`). */
  types: string[];
  /** For an inline (backbone) element: the path whose children define its content. */
  inline?: string;
}

/** One JSON property (or XML element) name of a shape, resolved to its element and concrete type. */
export interface PropertyInfo {
  element: ElementInfo;
  /** The concrete type of this property (for a choice: the type in the name). */
  type: string;
  /** The shape of its content: `inline` for backbone elements, else the type. */
  shape: string;
}

interface Shape {
  elements: ElementInfo[];
  byName: Map<string, ElementInfo>;
  properties: Map<string, PropertyInfo>;
}

export function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function typeCode(t: NonNullable<ElementDefinition['type']>[number]): string {
  if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
  const ext = (t.extension as { url?: string; valueUrl?: string; valueUri?: string }[] | undefined)?.find((e) => e.url === FHIR_TYPE_EXTENSION);
  return ext?.valueUrl ?? ext?.valueUri ?? 'string';
}

export class ElementModel {
  private readonly shapes = new Map<string, Shape | null>();

  constructor(readonly defs: Definitions) {}

  isResourceType(name: string): boolean {
    return this.defs.isResourceType(name);
  }

  isPrimitive(type: string): boolean {
    return this.defs.type(type)?.kind === 'primitive-type';
  }

  /** A resource type, or an abstract one used as an element type (`Resource` in `contained`). */
  isResource(type: string): boolean {
    return this.defs.type(type)?.kind === 'resource';
  }

  /** The JSON representation of a primitive type's value. */
  jsonKind(type: string): 'boolean' | 'number' | 'string' {
    if (type === 'boolean') return 'boolean';
    return NUMBER_TYPES.has(type) ? 'number' : 'string';
  }

  /** The child elements of a shape in definition order, or undefined for an unknown shape. */
  elements(shape: string): readonly ElementInfo[] | undefined {
    return this.shape(shape)?.elements;
  }

  /** A child element by its name without `[x]`. */
  element(shape: string, name: string): ElementInfo | undefined {
    return this.shape(shape)?.byName.get(name);
  }

  /** A child by its JSON property / XML element name (`valueQuantity`, `birthDate`). */
  property(shape: string, jsonName: string): PropertyInfo | undefined {
    return this.shape(shape)?.properties.get(jsonName);
  }

  /** The property of a choice element for one of its types, or of a plain element. */
  propertyFor(element: ElementInfo, shape: string, type?: string): PropertyInfo | undefined {
    if (!element.choice) return this.property(shape, element.name);
    return type ? this.property(shape, element.name + capitalize(type)) : undefined;
  }

  private shape(shape: string): Shape | undefined {
    let s = this.shapes.get(shape);
    if (s === undefined) {
      s = this.build(shape);
      this.shapes.set(shape, s);
    }
    return s ?? undefined;
  }

  private build(shape: string): Shape | null {
    const sd = this.defs.type(shape.split('.')[0]);
    const all = sd?.snapshot?.element;
    if (!all) return null;
    const prefix = shape + '.';
    const parents = new Set(all.map((e) => e.path.slice(0, e.path.lastIndexOf('.'))));
    const byPath = new Map(all.map((e) => [e.path, e]));
    const result: Shape = { elements: [], byName: new Map(), properties: new Map() };
    for (const e of all) {
      if (!e.path.startsWith(prefix) || e.path.indexOf('.', prefix.length) >= 0) continue;
      const raw = e.path.slice(prefix.length);
      const choice = raw.endsWith('[x]');
      const ref = e.contentReference?.replace(/^.*#/, '');
      const target = ref ? byPath.get(ref) : e;
      const types = (target?.type ?? []).map(typeCode);
      const inlinePath = ref ?? (parents.has(e.path) ? e.path : undefined);
      const info: ElementInfo = {
        name: choice ? raw.slice(0, -3) : raw,
        path: e.path,
        repeats: e.max !== '1' && e.max !== '0',
        choice,
        xmlAttr: (e.representation as string[] | undefined)?.includes('xmlAttr') ?? false,
        types,
        ...(inlinePath ? { inline: inlinePath } : {}),
      };
      result.elements.push(info);
      result.byName.set(info.name, info);
      if (choice) {
        for (const t of types) result.properties.set(info.name + capitalize(t), { element: info, type: t, shape: t });
      } else {
        const type = types[0] ?? 'BackboneElement';
        result.properties.set(info.name, { element: info, type, shape: inlinePath ?? type });
      }
    }
    return result;
  }
}

const models = new WeakMap<Definitions, ElementModel>();

/** The element model of a Definitions instance, built lazily and kept with it. */
export function elementModel(defs: Definitions): ElementModel {
  let m = models.get(defs);
  if (!m) models.set(defs, (m = new ElementModel(defs)));
  return m;
}
