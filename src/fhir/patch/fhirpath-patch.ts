/**
 * FHIRPath Patch (https://hl7.org/fhir/R4/fhirpatch.html): add, insert, delete, replace
 * and move, with each `path` evaluated by the fhirpath engine on the R4 model.
 *
 * The engine, asked not to resolve internal types, returns ResourceNodes that know
 * their parent node, property name and list index; from those and the element model
 * we find the JSON object, key and index each selected element lives at.
 */
import fhirpath from 'fhirpath';
import type { ResourceNode } from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Definitions } from '../definitions.ts';
import { FhirError } from '../errors.ts';
import { capitalize, elementModel, type ElementInfo, type ElementModel } from '../xml/index.ts';
import { isObject, readPatchOperations, type PatchOperation } from './fhirpath-patch-operations.ts';
import {
  compact,
  hasElement,
  insertAt,
  listLength,
  materialize,
  removeAt,
  setValue,
  unprocessable,
} from './fhirpath-patch-values.ts';

type Json = Record<string, unknown>;
type Evaluator = (resource: unknown) => unknown[];

/** Where a selected element lives: `container[key]`, or `container[key][index]` in a list. */
interface Location {
  container: Json;
  key: string;
  index: number | null;
  element: ElementInfo;
  /** The shape of the container (a type name or inline element path). */
  shape: string;
}

const compiled = new Map<string, Evaluator>();
const MAX_COMPILED = 500;

/**
 * `div` and `mod` are FHIRPath operators, so `Patient.text.div` does not parse; FHIR
 * servers accept it all the same. Member steps named so are quoted as `div`.
 */
function quoteKeywordSteps(path: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (quote) {
      if (c === '\\') out += c + (path[++i] ?? '');
      else {
        if (c === quote) quote = '';
        out += c;
      }
      continue;
    }
    if (c === "'" || c === '`') quote = c;
    const step = c === '.' ? /^\.(div|mod)(?![A-Za-z0-9_])/.exec(path.slice(i)) : null;
    if (step) {
      out += `.\`${step[1]}\``;
      i += step[0].length - 1;
    } else out += c;
  }
  return out;
}

function compile(path: string, where: string): Evaluator {
  let fn = compiled.get(path);
  if (!fn) {
    try {
      fn = fhirpath.compile(quoteKeywordSteps(path), r4, { resolveInternalTypes: false }) as Evaluator;
    } catch (err) {
      throw new FhirError('incorrect', `Invalid FHIRPath Patch: '${path}' is not a valid FHIRPath expression: ${(err as Error).message}`, {
        expression: [where],
      });
    }
    if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
    compiled.set(path, fn);
  }
  return fn;
}

function isResourceNode(n: unknown): n is ResourceNode {
  return typeof n === 'object' && n !== null && 'parentResNode' in n && 'propName' in n && 'data' in n;
}

/**
 * Applies a FHIRPath Patch document (a Parameters resource) to a resource and returns
 * the patched copy; the input is not changed. Malformed documents throw FhirError
 * 'incorrect' (400); operations that cannot be carried out throw 'unprocessable' (422).
 */
export function applyFhirPathPatch(resource: Record<string, unknown>, parameters: unknown, defs: Definitions): Record<string, unknown> {
  const operations = readPatchOperations(parameters);
  const result = structuredClone(resource);
  const patcher = new Patcher(elementModel(defs), result);
  for (const op of operations) patcher.apply(op);
  compact(result);
  return result;
}

class Patcher {
  constructor(
    private readonly model: ElementModel,
    private readonly resource: Json,
  ) {}

  apply(op: PatchOperation): void {
    const nodes = this.select(op.path, op.where);
    if (op.type === 'delete') return this.delete(op, nodes);
    if (op.type === 'add') return this.add(op, nodes);
    if (op.type === 'replace') return this.replace(op, nodes);
    const list = this.list(op, nodes);
    const length = listLength(list.container, list.key);
    if (op.type === 'insert') {
      const index = op.index as number;
      if (index > length) throw unprocessable(`Index ${index} is beyond the end of ${op.path} (${length} elements)`, op.where);
      insertAt(list.container, list.key, index, materialize(this.model, list.element, list.shape, op.value as Json, op.where));
      return;
    }
    const { source, destination } = op as Required<PatchOperation>;
    for (const [name, i] of [['source', source], ['destination', destination]] as const) {
      if (i >= length) throw unprocessable(`The ${name} index ${i} is outside ${op.path} (${length} elements)`, op.where);
    }
    insertAt(list.container, list.key, destination, removeAt(list.container, list.key, source));
  }

  private select(path: string, where: string): ResourceNode[] {
    let result: unknown[];
    try {
      result = compile(path, where)(this.resource);
    } catch (err) {
      if (err instanceof FhirError) throw err;
      throw unprocessable(`Evaluating '${path}' failed: ${(err as Error).message}`, where);
    }
    if (!result.every(isResourceNode)) throw unprocessable(`'${path}' must select elements of the resource, not computed values`, where);
    return result;
  }

  private one(op: PatchOperation, nodes: ResourceNode[], doing: string): ResourceNode {
    if (nodes.length === 0) throw unprocessable(`No content found at ${op.path} when ${doing}`, op.where);
    if (nodes.length > 1) throw unprocessable(`${op.path} selects ${nodes.length} elements; ${doing} needs exactly one`, op.where);
    return nodes[0];
  }

  private add(op: PatchOperation, nodes: ResourceNode[]): void {
    const node = this.one(op, nodes, 'adding');
    const shape = this.shapeOf(node);
    const name = op.name as string;
    const element = this.model.element(shape, name) ?? this.model.property(shape, name)?.element;
    if (!element) throw unprocessable(`Cannot add '${name}' at ${op.path}: ${shape} has no element '${name}'`, op.where);
    const container = this.model.isPrimitive(shape) ? this.primitiveExtras(node) : node.data;
    if (!isObject(container)) throw unprocessable(`Cannot add '${name}' at ${op.path}`, op.where);
    const value = materialize(this.model, element, shape, op.value as Json, op.where);
    if (element.repeats) insertAt(container, value.key, listLength(container, value.key), value);
    else if (hasElement(container, element)) {
      throw unprocessable(`Cannot add '${name}' at ${op.path}: it already has a value (use replace)`, op.where);
    } else setValue(container, value);
  }

  private replace(op: PatchOperation, nodes: ResourceNode[]): void {
    const at = this.locate(this.one(op, nodes, 'replacing'), op);
    const value = materialize(this.model, at.element, at.shape, op.value as Json, op.where);
    if (at.index === null) {
      delete at.container[at.key];
      delete at.container[`_${at.key}`];
      setValue(at.container, value);
    } else {
      removeAt(at.container, at.key, at.index);
      insertAt(at.container, at.key, at.index, value);
    }
  }

  private delete(op: PatchOperation, nodes: ResourceNode[]): void {
    if (nodes.length === 0) return; // deleting nothing is not an error
    if (nodes.length > 1) throw unprocessable(`${op.path} selects ${nodes.length} elements; only a single element can be deleted`, op.where);
    const at = this.locate(nodes[0], op);
    if (at.index !== null) removeAt(at.container, at.key, at.index);
    else {
      delete at.container[at.key];
      delete at.container[`_${at.key}`];
    }
  }

  /** The list an insert or move works on: the whole list the path selects, or an empty one named by its last step. */
  private list(op: PatchOperation, nodes: ResourceNode[]): Location {
    if (nodes.length === 0) {
      const step = /^(.+)\.([A-Za-z][A-Za-z0-9_]*)$/.exec(op.path.trim());
      const parents = step ? this.select(step[1], op.where) : [];
      if (op.type !== 'insert' || !step || parents.length !== 1) throw unprocessable(`No content found at ${op.path} when ${op.type === 'insert' ? 'inserting' : 'moving'}`, op.where);
      const shape = this.shapeOf(parents[0]);
      const element = this.model.element(shape, step[2]);
      const container = this.model.isPrimitive(shape) ? this.primitiveExtras(parents[0]) : parents[0].data;
      if (!element?.repeats || !isObject(container)) throw unprocessable(`${op.path} is not a list`, op.where);
      return { container, key: step[2], index: null, element, shape };
    }
    const at = nodes.map((n) => this.locate(n, op));
    const whole = at.every((a, i) => a.container === at[0].container && a.key === at[0].key && a.index === i);
    if (!at[0].element.repeats || !whole || at.length !== listLength(at[0].container, at[0].key)) {
      throw unprocessable(`${op.path} must select a whole list (all the elements of one repeating element)`, op.where);
    }
    return at[0];
  }

  /** The shape of a node's content: its resource type, or the shape of the property it was read from. */
  private shapeOf(node: ResourceNode): string {
    const type = isObject(node.data) ? node.data.resourceType : undefined;
    if (typeof type === 'string' && this.model.isResourceType(type)) return type;
    if (!node.parentResNode) throw new FhirError('unprocessable', 'The patch path must start at the resource');
    const at = this.locate(node);
    const prop = this.model.property(at.shape, at.key);
    if (!prop) throw new FhirError('unprocessable', `Cannot find the definition of ${at.element.path}`);
    return prop.shape;
  }

  /** The `_name` object of a primitive, created if it does not exist yet. */
  private primitiveExtras(node: ResourceNode): Json {
    const at = this.locate(node);
    const key = `_${at.key}`;
    if (at.index === null) {
      if (!isObject(at.container[key])) at.container[key] = {};
      return at.container[key] as Json;
    }
    const n = listLength(at.container, at.key);
    const extras = Array.isArray(at.container[key]) ? (at.container[key] as unknown[]) : [];
    while (extras.length < n) extras.push(null);
    if (!isObject(extras[at.index])) extras[at.index] = {};
    at.container[key] = extras;
    return extras[at.index] as Json;
  }

  private locate(node: ResourceNode, op?: PatchOperation): Location {
    const fail = (why: string) =>
      op ? unprocessable(`Cannot ${op.type} at ${op.path}: ${why}`, op.where) : new FhirError('unprocessable', `Cannot patch: ${why}`);
    const parent = node.parentResNode;
    if (!parent || node.propName == null) throw fail('the path selects the resource itself');
    const shape = this.shapeOf(parent);
    const container = this.model.isPrimitive(shape) ? parent._data : parent.data;
    const element = this.model.element(shape, node.propName);
    if (!isObject(container) || !element) throw fail(`cannot locate '${node.propName}' in ${shape}`);
    const key = element.choice
      ? element.types.map((t) => element.name + capitalize(t)).find((k) => container[k] !== undefined || container[`_${k}`] !== undefined)
      : element.name;
    if (!key) throw fail(`cannot locate '${node.propName}' in ${shape}`);
    return { container, key, index: node.index ?? null, element, shape };
  }
}
