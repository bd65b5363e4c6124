/**
 * The structural validator that runs on every write: checks a JSON resource against the R4
 * base StructureDefinition of its `resourceType` — known elements, JSON arrays versus single
 * values, cardinality, primitive formats, choice types, `_name` companions, nested complex
 * types and resources inside resources. It walks the JSON once against types compiled lazily
 * from the snapshots (see compiled-type.ts); invariants, bindings and profiles are not its job.
 */
import type { Definitions } from '../fhir/definitions.ts';
import type { Issue } from '../fhir/errors.ts';
import { TypeCompiler, type CompiledNode, type ElementInfo, type Slot } from './compiled-type.ts';
import { loadPrimitiveTypes } from './primitives.ts';

export interface StructureValidator {
  /** The structural errors of a parsed JSON resource; empty when it is structurally valid. */
  validate(resource: unknown): Issue[];
}

export function createStructureValidator(defs: Definitions): StructureValidator {
  const compiler = new TypeCompiler(defs, loadPrimitiveTypes(defs));
  return {
    validate(resource: unknown): Issue[] {
      const walk = new Walk(defs, compiler);
      walk.resource(resource, undefined, true);
      return walk.issues;
    },
  };
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** Path segments beyond which the walk stops, so hostile nesting cannot exhaust the stack. */
const MAX_DEPTH = 1000;
const INDEX = Array.from({ length: 256 }, (_, i) => `[${i}]`);
const indexSegment = (i: number): string => INDEX[i] ?? `[${i}]`;

/** One validation: the issues found and the expression of the element being visited. */
class Walk {
  readonly issues: Issue[] = [];
  private readonly path: string[] = [];

  constructor(
    private readonly defs: Definitions,
    private readonly compiler: TypeCompiler,
  ) {}

  private error(code: string, diagnostics: string, extra?: string): void {
    const expression = extra === undefined ? this.path.join('') : this.path.join('') + extra;
    this.issues.push({ severity: 'error', code, diagnostics, expression: [expression || 'Resource'] });
  }

  private where(): string {
    return this.path.join('') || 'the resource';
  }

  /** Validates a resource at the current path; at the root, the path starts with its type. */
  resource(value: unknown, expectedType: string | undefined, root: boolean): void {
    if (!isObject(value)) {
      this.error('structure', `${root ? 'A resource' : `${this.where()}`} must be a JSON object with a resourceType, not ${kindOf(value)}.`);
      return;
    }
    const type = value.resourceType;
    if (type === undefined) {
      this.error('required', `${root ? 'The resource' : this.where()} has no resourceType.`, root ? undefined : '.resourceType');
      return;
    }
    if (typeof type !== 'string' || !this.defs.isResourceType(type)) {
      const shown = typeof type === 'string' ? JSON.stringify(type) : kindOf(type);
      this.error('invalid', `${shown} is not a known FHIR R4 resource type.`, root ? 'Resource.resourceType' : '.resourceType');
      return;
    }
    if (expectedType !== undefined && type !== expectedType) {
      this.error('structure', `${this.where()} must be a ${expectedType} resource, not ${type}.`);
      return;
    }
    const node = this.compiler.typeNode(type);
    if (node === undefined) return; // isResourceType guarantees a definition
    if (root) this.path.push(type);
    this.object(value, node, true);
    if (root) this.path.pop();
  }

  /** Validates the properties of an object against a compiled node. */
  private object(obj: JsonObject, node: CompiledNode, isResource: boolean): void {
    const slots = node.slots;
    let count = 0;
    let choices: Slot[] | undefined;
    for (const key in obj) {
      count++;
      const slot = slots.get(key);
      if (slot === undefined) {
        if (isResource && key === 'resourceType') continue;
        this.unknown(key, slots);
        continue;
      }
      const value = obj[key];
      if (slot.element.choice) {
        if (choices === undefined) choices = [slot];
        else if (this.secondChoice(choices, slot)) continue;
        else choices.push(slot);
      }
      this.path.push(slot.dotPath);
      if (slot.shadow) this.companion(obj, slot, value);
      else if (slot.primitive !== undefined) this.primitive(obj, slot, value);
      else this.complex(slot, value);
      this.path.pop();
    }
    if (count === 0) {
      this.error('structure', `${this.where()} is an empty object; omit empty elements.`);
      return;
    }
    const required = node.required;
    for (let i = 0; i < required.length; i++) {
      if (!present(obj, required[i])) this.missing(required[i]);
    }
  }

  /** Reports a second type of the same choice element; true when `slot` should be skipped. */
  private secondChoice(choices: Slot[], slot: Slot): boolean {
    for (const seen of choices) {
      if (seen.element !== slot.element) continue;
      if (seen.typeCode === slot.typeCode) return false; // `valueString` with `_valueString`
      const name = seen.element.name;
      this.error('structure', `Only one type of ${name}[x] may be present, but both ${seen.jsonName} and ${slot.jsonName} are.`, `.${name}`);
      return true;
    }
    return false;
  }

  private unknown(key: string, slots: Map<string, Slot>): void {
    let why = `Unknown element "${key}" in ${this.where()}.`;
    if (key.startsWith('_')) {
      const partner = slots.get(key.slice(1));
      if (partner !== undefined) why = `"${key}" is not allowed: ${key.slice(1)} is not a primitive element that can carry extensions.`;
    }
    this.error('structure', why, `.${key}`);
  }

  private missing(element: ElementInfo): void {
    const names = element.choice ? `one of ${element.choiceNames.join(', ')}` : element.name;
    const label = element.min === 1 ? 'is required' : `requires at least ${element.min} values`;
    this.error('required', `${element.path} ${label} but is missing (${names}).`, `.${element.name}`);
  }

  /** A JSON array is required for repeating elements and forbidden for single ones. */
  private shape(slot: Slot, value: unknown): boolean {
    const element = slot.element;
    const array = Array.isArray(value);
    if (element.isArray && !array) {
      this.error('structure', `${this.where()} repeats, so it must be a JSON array, not ${kindOf(value)}.`);
      return false;
    }
    if (!element.isArray && array) {
      this.error('structure', `${this.where()} is a single value (max 1), not an array.`);
      return false;
    }
    if (array) {
      const length = (value as unknown[]).length;
      if (length === 0) {
        this.error('structure', `${this.where()} is an empty array; omit empty elements.`);
        return false;
      }
      if (!slot.shadow && length > element.max) {
        this.error('structure', `${this.where()} allows at most ${element.max} values but has ${length}.`);
      }
    } else if (value === null) {
      this.error('structure', `${this.where()} is null; omit elements that have no value.`);
      return false;
    }
    return true;
  }

  private primitive(obj: JsonObject, slot: Slot, value: unknown): void {
    if (!this.shape(slot, value)) return;
    const type = slot.primitive!;
    if (!Array.isArray(value)) {
      const problem = type.check(value);
      if (problem !== undefined) this.error(problemCode(value), `${this.where()} ${problem}.`);
      return;
    }
    const companion = slot.partnerName === undefined ? undefined : obj[slot.partnerName];
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      this.path.push(indexSegment(i));
      if (item === null) {
        const ext = Array.isArray(companion) ? companion[i] : undefined;
        if (ext === null || ext === undefined) {
          this.error('structure', `${this.where()} is null without extensions at the same index of ${slot.partnerName ?? 'a companion array'}.`);
        }
      } else {
        const problem = type.check(item);
        if (problem !== undefined) this.error(problemCode(item), `${this.where()} ${problem}.`);
      }
      this.path.pop();
    }
  }

  /** The `_name` companion of a primitive: `{id, extension}`, or an array aligned with `name`. */
  private companion(obj: JsonObject, slot: Slot, value: unknown): void {
    if (!this.shape(slot, value)) return;
    if (!Array.isArray(value)) {
      this.element(slot, value);
      return;
    }
    const values = obj[slot.partnerName!];
    if (Array.isArray(values) && values.length !== value.length) {
      this.error('structure', `${slot.jsonName} has ${value.length} entries but ${slot.partnerName} has ${values.length}; the arrays must align, using null for missing entries.`);
    }
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      if (item === null) {
        if (!Array.isArray(values)) {
          this.path.push(indexSegment(i));
          this.error('structure', `${this.where()} has neither a value nor extensions (null in ${slot.jsonName} with no ${slot.partnerName}).`);
          this.path.pop();
        }
        continue;
      }
      this.path.push(indexSegment(i));
      this.element(slot, item);
      this.path.pop();
    }
  }

  private complex(slot: Slot, value: unknown): void {
    if (!this.shape(slot, value)) return;
    if (!Array.isArray(value)) {
      this.element(slot, value);
      return;
    }
    for (let i = 0; i < value.length; i++) {
      this.path.push(indexSegment(i));
      this.element(slot, value[i]);
      this.path.pop();
    }
  }

  /** One object value: a resource, or an element walked against its compiled node. */
  private element(slot: Slot, value: unknown): void {
    if (this.path.length > MAX_DEPTH) {
      this.error('too-costly', `${this.where()} is nested too deeply to validate.`);
      return;
    }
    if (slot.resource !== undefined) {
      this.resource(value, slot.resource.type, false);
      return;
    }
    if (!isObject(value)) {
      const what = slot.shadow ? `an object with id and extension for ${slot.partnerName}` : `a JSON object (${slot.typeCode})`;
      this.error('structure', `${this.where()} must be ${what}, not ${kindOf(value)}.`);
      return;
    }
    this.object(value, slot.node(), false);
  }
}

function problemCode(value: unknown): string {
  return value === null || typeof value === 'object' ? 'structure' : 'value';
}

function present(obj: JsonObject, element: ElementInfo): boolean {
  const names = element.jsonNames;
  for (let i = 0; i < names.length; i++) {
    if (obj[names[i]] !== undefined) return true; // null is reported where it occurs
  }
  return false;
}
