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
  /** A definition as stored, without generating its snapshot (for checks on type profiles). */
  structureDefinition?(url: string): StructureDefinition | undefined;
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
  /** Ids of the slices this differential creates (not in the base). */
  readonly created = new Set<string>();

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
        if (!this.hasChildren(current)) this.expand(current, name);
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
    // a slice starts as the sliced element constrained so far, with its base maximum and no minimum
    // (the sliced element's minimum is for all its slices together)
    const root = clone(base);
    const original = this.original.get(head);
    root.min = 0;
    if (original !== undefined) root.max = original.max;
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
      this.created.add(c.id!);
    }
  }

  /**
   * Adds the children of an element's type (or its type profile, or the element it refers to)
   * after it. An element of several types can be walked into for `id` and `extension`, which
   * every type has (from Element).
   */
  private expand(id: string, child?: string): void {
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
      const shared = codes.size > 1 && (child === 'id' || child === 'extension');
      if (codes.size !== 1 && !shared) this.fail(`cannot walk into ${id}: it has ${codes.size === 0 ? 'no type' : 'several types'}`);
      const type = shared ? { code: 'Element' } : element.type![0];
      const profiles = shared ? [] : (element.type ?? []).flatMap((t) => t.profile ?? []);
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

const cardinality = (max: string | undefined): number => (max === undefined || max === '*' ? Infinity : Number(max));
const ANY_RESOURCE = new Set(['Resource', 'DomainResource']);

/**
 * A differential may only constrain what it derives from (profiling.html#constraining): narrower
 * cardinality; types among the base's (a resource type where the base allows any resource); a
 * fixed or pattern value of one of the element's types; type profiles of the type they are on;
 * and mustSupport, once set, kept. Throws when the differential breaks one of these.
 */
/** The FHIR type a type code stands for (`http://hl7.org/fhirpath/System.String` with its fhir-type extension: uri). */
function fhirType(t: NonNullable<ElementDefinition['type']>[number]): string {
  if (!t.code.startsWith('http://hl7.org/fhirpath/System.')) return t.code;
  for (const e of (t.extension ?? []) as { url?: string; valueUrl?: string; valueUri?: string }[]) {
    if (e.url === 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type') return e.valueUrl ?? e.valueUri ?? 'string';
  }
  return 'string';
}

function checkConstraint(url: string, id: string, target: ElementDefinition, diff: ElementDefinition, source: SnapshotSource, inBase: boolean): void {
  const fail = (message: string): never => {
    throw new SnapshotError(url, `${id}: ${message}`);
  };
  // (a slice may require fewer than the element it slices: that minimum is for all the slices together)
  if (inBase && typeof diff.min === 'number' && typeof target.min === 'number' && diff.min < target.min) fail(`min ${diff.min} is below the base's ${target.min}`);
  if (typeof diff.max === 'string' && cardinality(diff.max) > cardinality(target.max)) fail(`max ${diff.max} is above the base's ${target.max}`);
  const baseCodes = new Set((target.type ?? []).map(fhirType));
  const codes = (diff.type ?? target.type ?? []).map(fhirType);
  if (diff.type !== undefined && baseCodes.size > 0) {
    for (const t of diff.type) {
      const allowed = baseCodes.has(t.code) || ([...baseCodes].some((b) => ANY_RESOURCE.has(b)) && source.type(t.code)?.kind === 'resource');
      if (!allowed) fail(`the type ${t.code} is not one the base allows (${[...baseCodes].join(', ')})`);
      // (on a Reference, old profiles put the target in profile rather than targetProfile)
      for (const p of t.code === 'Reference' ? [] : (t.profile ?? [])) {
        const sd = source.structureDefinition?.(p);
        if (sd !== undefined && sd.type !== t.code && !(ANY_RESOURCE.has(t.code) && source.type(sd.type)?.kind === 'resource')) fail(`the profile ${p} is for ${sd.type}, not ${t.code}`);
      }
    }
  }
  for (const key of Object.keys(diff)) {
    const m = /^(fixed|pattern)([A-Z].*)$/.exec(key);
    if (m === null || codes.length === 0) continue;
    const type = m[2];
    if (!codes.some((c) => c.toLowerCase() === type.toLowerCase())) fail(`${key} is not a value of the element's type (${codes.join(', ')})`);
  }
  if (inBase && target.mustSupport === true && diff.mustSupport === false) fail('mustSupport is true in the base, so a profile cannot make it false');
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

/**
 * Does an element id (with slice names) name the element at `path`? Segment by segment, a
 * choice may be named by one of its types (`value[x]` for `valueQuantity`).
 */
function idMatchesPath(id: string, path: string): boolean {
  const a = idSegments(id).map(elementName);
  const b = path.split('.');
  if (a.length !== b.length) return false;
  return a.every((x, i) => x === b[i] || (x.endsWith('[x]') && b[i].startsWith(x.slice(0, -3)) && /^[A-Z]/.test(b[i].slice(x.length - 3))));
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
    // the id, unless it names another element than the path does (then the path decides, and may fail to locate)
    // (an id without a slice name for an element that defines a slice names the sliced element: the path and sliceName decide)
    const namesSlice = typeof e.sliceName !== 'string' || (idSegments(e.id ?? '').at(-1) ?? '').includes(':');
    if (e.id !== undefined && idMatchesPath(e.id, e.path) && namesSlice) id = e.id;
    else if (typeof e.sliceName === 'string') id = `${id}:${e.sliceName}`;
    if (typeof e.sliceName === 'string') context.set(e.path, id);
    else if (e.id === undefined) context.delete(e.path);
    for (const path of [...context.keys()]) if (path.startsWith(e.path + '.') && !id.includes(':')) context.delete(path);
    return id;
  });
}

/**
 * Slices of a choice element are by type (profiling.html#choice): its slicing is by `type` on
 * `$this` unless it says otherwise; and as a single choice holds one value, a type slice that is
 * required makes the choice required and of that type alone (two required type slices cannot be).
 */
function typeSlices(elements: ElementDefinition[], url: string): void {
  for (const e of elements) {
    if (!e.path.endsWith('[x]') || e.sliceName !== undefined || e.slicing === undefined) continue;
    const slicing = e.slicing as { discriminator?: { type: string; path: string }[] };
    if (slicing.discriminator === undefined || slicing.discriminator.length === 0) slicing.discriminator = [{ type: 'type', path: '$this' }];
    if (e.max !== '1') continue;
    const required = elements.filter((x) => x.path === e.path && typeof x.sliceName === 'string' && x.id === `${e.id}:${x.sliceName}` && (x.min ?? 0) >= 1);
    if (required.length > 1) throw new SnapshotError(url, `${e.id}: ${required.map((x) => x.sliceName).join(' and ')} are both required, but ${e.path} holds one value`);
    if (required.length === 1) {
      e.min = Math.max(e.min ?? 0, 1);
      const codes = new Set((required[0].type ?? []).map((t) => t.code));
      if (codes.size === 0) continue;
      e.type = (e.type ?? []).filter((t) => codes.has(t.code));
      (e.slicing as { rules?: string }).rules = 'closed';
      const other = elements.find((x) => x !== required[0] && x.path === e.path && typeof x.sliceName === 'string' && x.id === `${e.id}:${x.sliceName}` && (x.type ?? []).some((t) => !codes.has(t.code)));
      if (other !== undefined) throw new SnapshotError(url, `${e.id}: the slice ${required[0].sliceName} is required, so ${e.path} can only be a ${[...codes].join(' or ')}, and the slice ${other.sliceName} cannot be`);
    }
  }
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
    checkConstraint(sd.url, ids[i], target, diff[i], source, !builder.created.has(target.id!));
    merge(target, diff[i]);
  }
  typeSlices(builder.elements, sd.url);
  const root = builder.elements[0];
  if (root !== undefined && sd.type === 'Extension') {
    const url = builder.get(`${root.id}.url`);
    if (url !== undefined && url.fixedUri === undefined) url.fixedUri = sd.url;
  }
  return { ...sd, snapshot: { element: builder.elements } };
}
