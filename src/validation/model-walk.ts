/**
 * A walk over the string values of a resource with their FHIR types, as the `fhirpath` engine
 * types them (its own R4 model: element paths, choice types, types defined elsewhere). Used where
 * a rule concerns values of some types wherever they occur: dom-3's references and uris
 * (contained-references.ts), and the links between the entries of a Bundle (bundle-references.ts).
 */
import r4 from 'fhirpath/fhir-context/r4/index.js';

type Json = Record<string, unknown>;

interface Model {
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
  path2Type: Record<string, string>;
  path2TypeWithoutElements: Record<string, string>;
}
const MODEL = r4 as unknown as Model;
const MAX_DEPTH = 200;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const childCache = new Map<string, { path: string; type: string | undefined }>();

/** The model path of a property of an object at `parent`, and the type of its value (undefined: not in the model). Remembered (bounded). */
export function modelChild(parent: string, key: string): { path: string; type: string | undefined } {
  const k = `${parent}\u0000${key}`;
  let found = childCache.get(k);
  if (found === undefined) {
    found = lookupChild(parent, key);
    if (childCache.size > 20000) childCache.clear();
    childCache.set(k, found);
  }
  return found;
}

function lookupChild(parent: string, key: string): { path: string; type: string | undefined } {
  let path = `${parent}.${key}`;
  path = MODEL.pathsDefinedElsewhere[path] ?? path;
  const type = MODEL.path2Type[path];
  if (type !== undefined) return { path, type };
  // a choice: valueCanonical under Extension is Extension.value of type canonical
  for (let i = key.length - 1; i > 0; i--) {
    if (key.charCodeAt(i) < 65 || key.charCodeAt(i) > 90) continue;
    const base = `${parent}.${key.slice(0, i)}`;
    const choices = MODEL.choiceTypePaths[MODEL.pathsDefinedElsewhere[base] ?? base];
    const suffix = key.slice(i);
    if (choices !== undefined && choices.includes(suffix)) return { path: `${base}${suffix}`, type: suffix.charAt(0).toLowerCase() + suffix.slice(1) };
  }
  return { path, type: undefined };
}

/** The model path to continue from for an object found at `path` with type `type`. */
function objectPath(path: string, type: string | undefined): string {
  if (type === undefined || type === 'BackboneElement' || type === 'Element') return MODEL.path2TypeWithoutElements[path] ?? path;
  return type;
}

export interface TypedString {
  value: string;
  /** The JSON property name (`reference`, `valueUri`). */
  key: string;
  /** The FHIR type of the value (`string`, `uri`, `canonical`, `xhtml` …); undefined when the model does not know the element. */
  type: string | undefined;
  /** The element's model path (`Reference.reference`, `Extension.valueUrl`). */
  modelPath: string;
  /** The FHIRPath location of the value, from the `at` given to the walk (only when one is given). */
  at: string | undefined;
}

export interface WalkOptions {
  /** Do not walk into resources of these types found inside (a Bundle inside an entry, say). */
  stopAt?: ReadonlySet<string>;
}

/**
 * Calls `visit` for every string value below `obj` (whose model path is `modelPath`), including
 * those in the `_name` companions of primitives (their extensions). `at` is the FHIRPath location
 * of `obj`, when locations are wanted.
 */
export function visitStrings(obj: Json, modelPath: string, visit: (s: TypedString) => void, at?: string, options: WalkOptions = {}, depth = 0): void {
  if (depth > MAX_DEPTH) return;
  for (const key in obj) {
    if (key === 'resourceType') continue;
    const value = obj[key];
    const array = Array.isArray(value);
    if (key.charCodeAt(0) === 95) {
      // `_name`: the id and extensions of a primitive (one, or an array aligned with the values)
      const list = array ? (value as unknown[]) : [value];
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        if (isObject(e)) visitStrings(e, 'Element', visit, at === undefined ? undefined : `${at}.${key.slice(1)}${array ? `[${i}]` : ''}`, options, depth + 1);
      }
      continue;
    }
    const { path, type } = modelChild(modelPath, key);
    const list = array ? (value as unknown[]) : [value];
    for (let i = 0; i < list.length; i++) {
      const item = list[i];
      const here = at === undefined ? undefined : `${at}.${key}${array ? `[${i}]` : ''}`;
      if (typeof item === 'string') visit({ value: item, key, type, modelPath: path, at: here });
      else if (isObject(item)) {
        const resourceType = typeof item.resourceType === 'string' ? item.resourceType : undefined;
        if (resourceType !== undefined && options.stopAt?.has(resourceType)) continue;
        visitStrings(item, resourceType ?? objectPath(path, type), visit, here, options, depth + 1);
      }
    }
  }
}
