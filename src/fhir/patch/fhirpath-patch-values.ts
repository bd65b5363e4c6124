/**
 * Values for FHIRPath Patch: turning a `value` part (value[x], nested parts for an
 * anonymous or complex type, or a resource) into the JSON of a target element, and
 * editing FHIR JSON lists whose primitive values have index-aligned `_name` companions.
 */
import { FhirError } from '../errors.ts';
import { capitalize, type ElementInfo, type ElementModel } from '../xml/index.ts';
import { isObject, valueKeys } from './fhirpath-patch-operations.ts';

type Json = Record<string, unknown>;

/** A value ready to be put in an object under `key` (for a primitive, `extra` goes to `_key`). */
export interface Materialized {
  key: string;
  value: unknown;
  extra?: Json;
}

export function unprocessable(message: string, where: string): FhirError {
  return new FhirError('unprocessable', message, { expression: [where] });
}

/** The FHIR type named by a typed key: `valueDate` → `date`, `valueHumanName` → `HumanName`. */
function typeOfKey(model: ElementModel, key: string): string {
  const suffix = key.slice('value'.length);
  const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
  return model.isPrimitive(lower) ? lower : suffix;
}

/**
 * The JSON for `element` (a child of an object of shape `shape`) from a Parameters part
 * carrying value[x], nested parts or a resource.
 */
export function materialize(model: ElementModel, element: ElementInfo, shape: string, part: Json, where: string): Materialized {
  const typed = valueKeys(part);
  if (typed.length === 1) {
    const type = typeOfKey(model, typed[0]);
    if (!model.defs.type(type)) {
      throw new FhirError('incorrect', `Invalid FHIRPath Patch: '${typed[0]}' does not name a FHIR data type`, { expression: [where] });
    }
    if (element.choice && !element.types.includes(type)) {
      throw unprocessable(`${type} is not an allowed type for ${element.path} (${element.types.join(', ')})`, where);
    }
    const key = element.choice ? element.name + capitalize(type) : element.name;
    const target = model.property(shape, key)?.type ?? type;
    if (model.isPrimitive(target) !== model.isPrimitive(type)) {
      throw unprocessable(`A ${type} value cannot be used for ${element.path}, which is of type ${target}`, where);
    }
    const extra = part[`_${typed[0]}`];
    return { key, value: part[typed[0]], ...(isObject(extra) ? { extra } : {}) };
  }
  if (part.resource !== undefined) {
    if (!element.types.some((t) => model.isResource(t))) throw unprocessable(`${element.path} cannot hold a resource`, where);
    if (!isObject(part.resource) || !model.isResourceType(String(part.resource.resourceType))) {
      throw unprocessable(`The resource given for ${element.path} is not a FHIR resource`, where);
    }
    return { key: element.name, value: part.resource };
  }
  if (Array.isArray(part.part)) {
    const prop = element.choice ? undefined : model.property(shape, element.name);
    if (!prop || model.isPrimitive(prop.type) || model.isResource(prop.type)) {
      throw unprocessable(`${element.path} cannot be given as parts; use a typed value[x]`, where);
    }
    return { key: element.name, value: fromParts(model, prop.shape, part.part, where) };
  }
  throw new FhirError('incorrect', `Invalid FHIRPath Patch: a value needs one of value[x], part or resource`, { expression: [where] });
}

/** An object of the given shape built from parts named after its elements. */
function fromParts(model: ElementModel, shape: string, parts: unknown[], where: string): Json {
  const obj: Json = {};
  parts.forEach((sub, i) => {
    const at = `${where}.part[${i}]`;
    if (!isObject(sub) || typeof sub.name !== 'string') {
      throw new FhirError('incorrect', 'Invalid FHIRPath Patch: each part must have a name', { expression: [at] });
    }
    const element = model.element(shape, sub.name) ?? model.property(shape, sub.name)?.element;
    if (!element) throw unprocessable(`Unknown element '${sub.name}' in ${shape}`, at);
    const m = materialize(model, element, shape, sub, at);
    if (element.repeats) insertAt(obj, m.key, listLength(obj, m.key), m);
    else if (hasElement(obj, element)) throw unprocessable(`Element '${sub.name}' is given more than once but does not repeat`, at);
    else setValue(obj, m);
  });
  return obj;
}

/** Whether an object has a value (or `_` companion) for an element, under any of its typed names. */
export function hasElement(obj: Json, element: ElementInfo): boolean {
  const keys = element.choice ? element.types.map((t) => element.name + capitalize(t)) : [element.name];
  return keys.some((k) => obj[k] !== undefined || obj[`_${k}`] !== undefined);
}

export function setValue(obj: Json, m: Materialized): void {
  obj[m.key] = m.value;
  if (m.extra) obj[`_${m.key}`] = m.extra;
  else delete obj[`_${m.key}`];
}

function asList(v: unknown): unknown[] {
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
}

/** The length of a list, counting entries that exist only in its `_` companion. */
export function listLength(obj: Json, key: string): number {
  return Math.max(asList(obj[key]).length, asList(obj[`_${key}`]).length);
}

export function insertAt(obj: Json, key: string, index: number, m: Materialized): void {
  const n = listLength(obj, key);
  const values = pad(asList(obj[key]), n);
  values.splice(index, 0, m.value ?? null);
  obj[key] = values;
  if (m.extra || obj[`_${key}`] !== undefined) {
    const extras = pad(asList(obj[`_${key}`]), n);
    extras.splice(index, 0, m.extra ?? null);
    obj[`_${key}`] = extras;
  }
}

export function removeAt(obj: Json, key: string, index: number): Materialized {
  const n = listLength(obj, key);
  const values = pad(asList(obj[key]), n);
  const [value] = values.splice(index, 1);
  obj[key] = values;
  let extra: unknown;
  if (obj[`_${key}`] !== undefined) {
    const extras = pad(asList(obj[`_${key}`]), n);
    [extra] = extras.splice(index, 1);
    obj[`_${key}`] = extras;
  }
  return { key, value, ...(isObject(extra) ? { extra } : {}) };
}

function pad(list: unknown[], n: number): unknown[] {
  const out = [...list];
  while (out.length < n) out.push(null);
  return out;
}

/**
 * Removes what a patch can leave empty: objects with no content, list positions where
 * neither the value nor its `_` companion has content, and lists left with nothing.
 */
export function compact(obj: Json): void {
  for (const key of Object.keys(obj)) {
    const v = obj[key];
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        if (isObject(item)) {
          compact(item);
          if (Object.keys(item).length === 0) v[i] = null;
        }
      });
    } else if (isObject(v)) {
      compact(v);
      if (Object.keys(v).length === 0) delete obj[key];
    }
  }
  for (const key of Object.keys(obj)) {
    if (key.startsWith('_') && key.slice(1) in obj) continue; // handled with its value list
    const base = key.startsWith('_') ? key.slice(1) : key;
    const values = obj[base];
    const extras = obj[`_${base}`];
    if (!Array.isArray(values) && !Array.isArray(extras)) continue;
    const n = listLength(obj, base);
    const keep = [...Array(n).keys()].filter((i) => (asList(values)[i] ?? null) !== null || (asList(extras)[i] ?? null) !== null);
    for (const [k, list] of [[base, values], [`_${base}`, extras]] as const) {
      if (list === undefined) continue;
      const kept = keep.map((i) => asList(list)[i] ?? null);
      if (kept.every((x) => x === null)) delete obj[k];
      else obj[k] = kept;
    }
  }
}
