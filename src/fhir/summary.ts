/**
 * `_summary` and `_elements`: the subsets of a resource a client may ask for.
 * Which elements are "summary" or mandatory comes from the StructureDefinitions.
 */
import type { Definitions, ElementDefinition } from './definitions.ts';
import { FhirError } from './errors.ts';

export type SummaryMode = 'true' | 'text' | 'data' | 'count' | 'false';

type Json = Record<string, unknown>;

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'Resource encoded in summary mode' };

interface TypeInfo {
  /** JSON property names (choice types expanded) → element definition, per element path. */
  children: Map<string, Map<string, ElementDefinition>>;
}

const infoCache = new WeakMap<Definitions, Map<string, TypeInfo>>();

function typeInfo(defs: Definitions, type: string): TypeInfo | undefined {
  let byType = infoCache.get(defs);
  if (!byType) infoCache.set(defs, (byType = new Map()));
  let info = byType.get(type);
  if (info) return info;
  const sd = defs.type(type);
  if (!sd?.snapshot) return undefined;
  info = { children: new Map() };
  for (const el of sd.snapshot.element) {
    const dot = el.path.lastIndexOf('.');
    if (dot < 0) continue;
    const parent = el.path.slice(0, dot);
    const name = el.path.slice(dot + 1);
    let map = info.children.get(parent);
    if (!map) info.children.set(parent, (map = new Map()));
    if (name.endsWith('[x]')) {
      for (const t of el.type ?? []) map.set(name.slice(0, -3) + t.code[0].toUpperCase() + t.code.slice(1), el);
    } else map.set(name, el);
  }
  byType.set(type, info);
  return info;
}

function tagSubsetted(resource: Json): Json {
  const meta = { ...((resource.meta as Json | undefined) ?? {}) };
  const tags = Array.isArray(meta.tag) ? [...(meta.tag as Json[])] : [];
  if (!tags.some((t) => t.code === 'SUBSETTED')) tags.push(SUBSETTED);
  meta.tag = tags;
  return { ...resource, meta };
}

function keep(resource: Json, info: TypeInfo, path: string, test: (el: ElementDefinition) => boolean): Json {
  const children = info.children.get(path);
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'resourceType') {
      out[key] = value;
      continue;
    }
    const el = children?.get(key.startsWith('_') ? key.slice(1) : key);
    if (!el || !test(el)) continue;
    const isBackbone = el.type?.some((t) => t.code === 'BackboneElement');
    if (isBackbone && value && typeof value === 'object') {
      const sub = (v: unknown) => keep(v as Json, info, el.path, test);
      out[key] = Array.isArray(value) ? value.map(sub) : sub(value);
    } else out[key] = value;
  }
  return out;
}

/** Applies `_summary` to one resource. */
export function summarize(resource: Json, mode: SummaryMode, defs: Definitions): Json {
  if (mode === 'false' || mode === 'count') return resource;
  const type = String(resource.resourceType);
  if (mode === 'data') {
    const { text: _text, ...rest } = resource;
    return tagSubsetted(rest);
  }
  const info = typeInfo(defs, type);
  if (!info) return resource;
  if (mode === 'text') {
    return tagSubsetted(keep(resource, info, type, (el) => ['id', 'meta', 'text'].includes(el.path.slice(type.length + 1)) || (el.min ?? 0) > 0));
  }
  return tagSubsetted(keep(resource, info, type, (el) => el.isSummary === true || el.path === `${type}.id` || el.path === `${type}.meta`));
}

/** Applies `_elements` (top-level element names; `Type.element` also accepted) to one resource. */
export function selectElements(resource: Json, elements: string[], defs: Definitions): Json {
  const type = String(resource.resourceType);
  const wanted = new Set(elements.map((e) => (e.startsWith(`${type}.`) ? e.slice(type.length + 1) : e)));
  const info = typeInfo(defs, type);
  const children = info?.children.get(type);
  const out: Json = {};
  for (const [key, value] of Object.entries(resource)) {
    const name = key.startsWith('_') ? key.slice(1) : key;
    const el = children?.get(name);
    const base = el ? el.path.slice(type.length + 1).replace('[x]', '') : name;
    if (key === 'resourceType' || key === 'id' || key === 'meta' || wanted.has(name) || wanted.has(base) || (el?.min ?? 0) > 0) out[key] = value;
  }
  return tagSubsetted(out);
}

export function parseSummary(value: string | undefined): SummaryMode | undefined {
  if (value === undefined) return undefined;
  if (!['true', 'text', 'data', 'count', 'false'].includes(value)) {
    throw new FhirError('incorrect', `_summary=${value} is not one of true, text, data, count, false`);
  }
  return value as SummaryMode;
}
