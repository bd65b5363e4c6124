/**
 * Snapshot generation (https://hl7.org/fhir/R4/profiling.html#snapshot): a profile's
 * differential applied to its base definition's snapshot. The base elements are copied; each
 * differential element is located by its id (or, without one, by path and the slice being
 * defined), walking into data types and type profiles (extensions) where the differential
 * constrains their children, creating slices after the sliced element, and merging the
 * differential's properties over the base: cardinality, types, fixed and pattern values,
 * bindings, slicing, mustSupport; constraints, mappings and conditions are added to the base's.
 */
import type { ElementDefinition, StructureDefinition } from '../fhir/definitions.ts';

/** What the generator needs from the registry: snapshots of base definitions and types. */
export interface SnapshotSource {
  snapshot(url: string): StructureDefinition | undefined;
  type(name: string): StructureDefinition | undefined;
}

export class SnapshotError extends Error {
  constructor(
    readonly url: string,
    message: string,
  ) {
    super(`${url}: ${message}`);
    this.name = 'SnapshotError';
  }
}

const EXTENSION_SLICING = { discriminator: [{ type: 'value', path: 'url' }], ordered: false, rules: 'open' };
const APPEND = new Set(['constraint', 'mapping', 'condition', 'alias']);
const DOCUMENTATION = new Set(['definition', 'comment', 'requirements', 'short']);

function clone<T>(value: T): T {
  return structuredClone(value);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The segments of an element id; slice names cannot contain dots (eld-16), so a split suffices. */
export function idSegments(id: string): string[] {
  return id.split('.');
}

function elementName(segment: string): string {
  const colon = segment.indexOf(':');
  return colon < 0 ? segment : segment.slice(0, colon);
}

function sliceOf(segment: string): string | undefined {
  const colon = segment.indexOf(':');
  return colon < 0 ? undefined : segment.slice(colon + 1);
}

/** Replaces the leading `from` of an id or path by `to`. */
function rebase(value: string, from: string, to: string): string {
  return value === from ? to : to + value.slice(from.length);
}

class Builder {
  readonly elements: ElementDefinition[];
  private readonly byId = new Map<string, ElementDefinition>();
  /** Ids written with a choice type's name (`Observation.valueQuantity`) → the element (`Observation.value[x]`). */
  private readonly aliases = new Map<string, string>();
  /** Elements as they were before the differential changed them: slices start from these. */
  private readonly original = new Map<string, ElementDefinition>();

  constructor(
    private readonly url: string,
    private readonly source: SnapshotSource,
    elements: ElementDefinition[],
  ) {
    this.elements = elements;
    for (const e of elements) {
      if (e.id === undefined) e.id = e.path;
      this.byId.set(e.id, e);
      this.original.set(e.id, clone(e));
    }
  }

  private fail(message: string): never {
    throw new SnapshotError(this.url, message);
  }

  get(id: string): ElementDefinition | undefined {
    const alias = this.resolveAlias(id);
    return this.byId.get(alias);
  }

  private resolveAlias(id: string): string {
    for (const [from, to] of this.aliases) {
      if (id === from || id.startsWith(from + '.') || id.startsWith(from + ':')) return to + id.slice(from.length);
    }
    return id;
  }

  private hasChildren(id: string): boolean {
    const prefix = id + '.';
    return this.elements.some((e) => e.id!.startsWith(prefix));
  }

  private indexOf(id: string): number {
    return this.elements.findIndex((e) => e.id === id);
  }

  /** The element with this id, creating slices and walking into types as needed. */
  locate(rawId: string): ElementDefinition {
    const id = this.resolveAlias(rawId);
    const found = this.byId.get(id);
    if (found !== undefined) return found;
    const segments = idSegments(id);
    let current = segments[0];
    if (!this.byId.has(current)) this.fail(`differential element ${rawId} does not start at the root ${this.elements[0]?.id}`);
    for (let i = 1; i < segments.length; i++) {
      const segment = segments[i];
      const name = elementName(segment);
      let head = `${current}.${name}`;
      if (!this.byId.has(head)) {
        if (!this.hasChildren(current)) this.expand(current);
        if (!this.byId.has(head)) {
          const choice = this.choiceAlias(current, name);
          if (choice === undefined) this.fail(`no element ${head} for differential element ${rawId}`);
          this.aliases.set(head, choice);
          head = choice;
        }
      }
      const slice = sliceOf(segment);
      if (slice === undefined) {
        current = head;
        continue;
      }
      current = this.slice(head, slice);
    }
    return this.byId.get(current)!;
  }

  /** For `valueQuantity` under `Observation`: the id of `Observation.value[x]`, narrowed to Quantity. */
  private choiceAlias(parent: string, name: string): string | undefined {
    for (const e of this.elements) {
      if (!e.id!.startsWith(parent + '.') || !e.id!.endsWith('[x]')) continue;
      const rest = e.id!.slice(parent.length + 1);
      if (rest.includes('.') || rest.includes(':')) continue;
      const base = rest.slice(0, -3);
      if (!name.startsWith(base)) continue;
      const typeName = name.slice(base.length);
      const type = e.type?.find((t) => capitalize(t.code) === typeName);
      if (type === undefined) continue;
      e.type = [clone(type)];
      return e.id;
    }
    return undefined;
  }

  /** Creates (or finds) slice `slice` of the element `head` (`a/b` is slice b of slice a). */
  private slice(head: string, slice: string): string {
    const parts = slice.split('/');
    let sliced = head;
    for (let p = 0; p < parts.length; p++) {
      const id = `${sliced}:${parts[p]}`;
      if (!this.byId.has(id)) this.createSlice(sliced, id, parts.slice(0, p + 1).join('/'));
      sliced = id;
    }
    return sliced;
  }

  private createSlice(head: string, id: string, sliceName: string): void {
    const base = this.byId.get(head)!;
    if (base.slicing === undefined) {
      const name = elementName(idSegments(head).at(-1)!);
      if (name === 'extension' || name === 'modifierExtension') base.slicing = clone(EXTENSION_SLICING);
      else if (name.endsWith('[x]')) base.slicing = { discriminator: [{ type: 'type', path: '$this' }], ordered: false, rules: 'open' };
    }
    const start = this.indexOf(head);
    let end = start + 1;
    while (end < this.elements.length) {
      const other = this.elements[end].id!;
      if (other.startsWith(head + '.') || other.startsWith(head + ':') || other.startsWith(head + '/')) end++;
      else break;
    }
    const copies: ElementDefinition[] = [];
    // a slice starts as the sliced element constrained so far, but with the base cardinality
    const root = clone(base);
    const original = this.original.get(head);
    if (original !== undefined) {
      root.min = original.min;
      root.max = original.max;
    }
    delete root.slicing;
    root.id = id;
    root.sliceName = sliceName;
    copies.push(root);
    for (let i = start + 1; i < this.elements.length; i++) {
      const e = this.elements[i];
      if (!e.id!.startsWith(head + '.')) {
        if (e.id!.startsWith(head + ':') || e.id!.startsWith(head + '/')) continue;
        break;
      }
      const copy = clone(e);
      copy.id = rebase(e.id!, head, id);
      copies.push(copy);
    }
    this.elements.splice(end, 0, ...copies);
    for (const c of copies) {
      this.byId.set(c.id!, c);
      this.original.set(c.id!, clone(c));
    }
  }

  /** Adds the children of an element's type (or its type profile, or the element it refers to) after it. */
  private expand(id: string): void {
    const element = this.byId.get(id)!;
    let children: ElementDefinition[];
    let fromId: string;
    let fromPath: string;
    if (element.contentReference !== undefined) {
      const target = element.contentReference.slice(element.contentReference.indexOf('#') + 1);
      const rootType = this.elements[0].path;
      const sd = this.source.type(rootType);
      const list = sd?.snapshot?.element ?? this.elements;
      children = list.filter((e) => e.path.startsWith(target + '.'));
      fromId = target;
      fromPath = target;
      children = children.filter((e) => (e.id ?? e.path).startsWith(target + '.'));
    } else {
      const codes = new Set((element.type ?? []).map((t) => t.code));
      if (codes.size !== 1) this.fail(`cannot walk into ${id}: it has ${codes.size === 0 ? 'no type' : 'several types'}`);
      const type = element.type![0];
      const profiles = (element.type ?? []).flatMap((t) => t.profile ?? []);
      let sd: StructureDefinition | undefined;
      if (profiles.length === 1) sd = this.source.snapshot(profiles[0]);
      if (sd === undefined) sd = this.source.type(type.code);
      if (sd?.snapshot === undefined) this.fail(`cannot walk into ${id}: no definition of ${profiles[0] ?? type.code}`);
      const list = sd.snapshot.element;
      fromId = list[0].id ?? list[0].path;
      fromPath = list[0].path;
      children = list.slice(1);
    }
    const copies = children.map((c) => {
      const copy = clone(c);
      copy.id = rebase(c.id ?? c.path, fromId, id);
      copy.path = rebase(c.path, fromPath, element.path);
      return copy;
    });
    const at = this.indexOf(id) + 1;
    this.elements.splice(at, 0, ...copies);
    for (const c of copies) {
      this.byId.set(c.id!, c);
      this.original.set(c.id!, clone(c));
    }
  }
}

function merge(target: ElementDefinition, diff: ElementDefinition): void {
  for (const [key, value] of Object.entries(diff)) {
    if (key === 'id' || key === 'path' || value === undefined) continue;
    if (APPEND.has(key) && Array.isArray(value)) {
      const existing = (target[key] as unknown[] | undefined) ?? [];
      const out = [...existing];
      for (const v of value) {
        const k = (v as { key?: string }).key;
        if (k !== undefined && out.some((o) => (o as { key?: string }).key === k)) continue;
        if (k === undefined && out.some((o) => JSON.stringify(o) === JSON.stringify(v))) continue;
        out.push(clone(v));
      }
      target[key] = out;
      continue;
    }
    if (DOCUMENTATION.has(key) && typeof value === 'string' && value.startsWith('...') && typeof target[key] === 'string') {
      target[key] = `${target[key] as string}\r\n${value.slice(3).trimStart()}`;
      continue;
    }
    if ((key === 'binding' || key === 'slicing') && typeof value === 'object' && typeof target[key] === 'object') {
      (target as Record<string, unknown>)[key] = { ...(target[key] as object), ...clone(value as object) };
      continue;
    }
    target[key] = clone(value);
  }
}

/** Ids for differential elements that have only paths: slices in force carry over to their children. */
function diffIds(elements: ElementDefinition[]): string[] {
  const context = new Map<string, string>(); // path → id of the slice being defined there
  return elements.map((e) => {
    let id = e.path;
    for (const [path, sliceId] of [...context].sort((a, b) => b[0].length - a[0].length)) {
      if (e.path.startsWith(path + '.')) {
        id = sliceId + e.path.slice(path.length);
        break;
      }
    }
    if (e.id !== undefined) id = e.id;
    else if (typeof e.sliceName === 'string') id = `${id}:${e.sliceName}`;
    if (typeof e.sliceName === 'string') context.set(e.path, id);
    else if (e.id === undefined) context.delete(e.path);
    for (const path of [...context.keys()]) if (path.startsWith(e.path + '.') && !id.includes(':')) context.delete(path);
    return id;
  });
}

/** The profile with a snapshot made from its base definition and differential. Does not modify `sd`. */
export function generateSnapshot(sd: StructureDefinition, source: SnapshotSource): StructureDefinition {
  if (sd.baseDefinition === undefined) throw new SnapshotError(sd.url, 'has no baseDefinition');
  const base = source.snapshot(sd.baseDefinition);
  if (base?.snapshot === undefined) throw new SnapshotError(sd.url, `its base ${sd.baseDefinition} is not known`);
  if (sd.derivation !== 'constraint' && base.type !== sd.type) {
    throw new SnapshotError(sd.url, `specialisations of ${base.type} into ${sd.type} (logical models) are not supported`);
  }
  const builder = new Builder(sd.url, source, clone(base.snapshot.element));
  for (const e of builder.elements) {
    if (e.base === undefined) e.base = { path: e.path, min: e.min ?? 0, max: e.max ?? '*' };
  }
  const diff = sd.differential?.element ?? [];
  const ids = diffIds(diff);
  for (let i = 0; i < diff.length; i++) {
    const target = builder.locate(ids[i]);
    merge(target, diff[i]);
  }
  const root = builder.elements[0];
  if (root !== undefined && sd.type === 'Extension') {
    const url = builder.get(`${root.id}.url`);
    if (url !== undefined && url.fixedUri === undefined) url.fixedUri = sd.url;
  }
  return { ...sd, snapshot: { element: builder.elements } };
}
