/**
 * Extension context (https://hl7.org/fhir/R4/defining-extensions.html#context): an extension
 * may only be used on the elements its StructureDefinition's `context` names. An `element`
 * context is a path (`Patient`, `Patient.name`, `HumanName.family`) or a type (`HumanName`,
 * `Element`, `Resource`); the element holding the extension answers to its path from the
 * resource, its path inside the nearest data type, and its type with that type's ancestors.
 * `extension` and `fhirpath` contexts are not judged here (no error). When the host element
 * cannot be placed (inside contained or Bundle resources, unusual paths), nothing is reported.
 * Answers are cached per extension URL and host path, so this costs a map lookup on a hot path.
 */
import type { ElementDefinition } from '../fhir/definitions.ts';
import type { ConformanceRegistry } from './conformance.ts';

interface Context {
  type?: string;
  expression?: string;
}

const INDEX = /\[[^\]]*\]/g;

export class ExtensionContexts {
  private readonly cache = new Map<string, string | null>();
  private readonly hosts = new Map<string, Set<string> | null>();
  private generation = -1;

  constructor(private readonly registry: ConformanceRegistry) {}

  /** Undefined when the extension may be used on the element at `hostPath` (an instance path); otherwise why not. */
  problem(url: string, contexts: unknown, hostPath: string): string | undefined {
    if (!Array.isArray(contexts) || contexts.length === 0) return undefined;
    if (this.generation !== this.registry.generation) {
      this.cache.clear();
      this.hosts.clear();
      this.generation = this.registry.generation;
    }
    const path = hostPath.replace(INDEX, '');
    const key = `${url} ${path}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const answer = this.judge(url, contexts as Context[], path);
    this.cache.set(key, answer ?? null);
    return answer;
  }

  private judge(url: string, contexts: Context[], path: string): string | undefined {
    if (contexts.some((c) => c.type !== 'element' || typeof c.expression !== 'string')) return undefined;
    const names = this.hostNames(path);
    if (names === undefined) return undefined;
    if (contexts.some((c) => names.has(c.expression!))) return undefined;
    // a context inside the host (ElementDefinition.type.code for an extension on ElementDefinition.type):
    // the Java validator lets these pass, and so do we
    if (contexts.some((c) => [...names].some((n) => n.includes('.') && c.expression!.startsWith(`${n}.`)))) return undefined;
    return `The extension ${url} is not allowed to be used on ${path} (it may be used on: ${contexts.map((c) => c.expression).join(', ')})`;
  }

  /** Every context expression that the element at `path` (without indices) answers to; undefined when it cannot be placed. */
  hostNames(path: string): Set<string> | undefined {
    let names = this.hosts.get(path);
    if (names === undefined) {
      names = this.computeHostNames(path) ?? null;
      this.hosts.set(path, names);
    }
    return names ?? undefined;
  }

  private computeHostNames(path: string): Set<string> | undefined {
    const [resourceType, ...segments] = path.split('.');
    if (!this.registry.defs.isResourceType(resourceType)) return undefined;
    const names = new Set<string>(['Element', path]);
    if (segments.length === 0) {
      this.addTypeAndAncestors(resourceType, names);
      return names;
    }
    let type = resourceType;
    let rel: string[] = [];
    let finalType: string | undefined;
    const full: string[] = [resourceType];
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i];
      const elements = this.registry.type(type)?.snapshot?.element;
      if (elements === undefined) return undefined;
      const found = this.find(elements, `${type}.${[...rel, seg].join('.')}`, seg);
      if (found === undefined) return undefined;
      let { element, code } = found;
      rel.push(found.name);
      full.push(found.name);
      if (typeof element.contentReference === 'string') {
        const target = element.contentReference.slice(element.contentReference.indexOf('#') + 1);
        const resolved = elements.find((e) => e.path === target);
        if (resolved === undefined) return undefined;
        element = resolved;
        rel = target.split('.').slice(1);
      }
      code ??= element.type?.length === 1 ? element.type[0].code : undefined;
      // inside a contained or Bundle resource: its type is not in the path, so it cannot be placed
      if (code === 'Resource' || (code !== undefined && this.registry.defs.isResourceType(code))) return undefined;
      const last = i === segments.length - 1;
      if (last) {
        names.add(`${type}.${rel.join('.')}`);
        names.add(full.join('.'));
        if (code !== undefined) this.addTypeAndAncestors(code, names);
        finalType = code;
        break;
      }
      if (code === undefined) return undefined;
      if (code !== 'BackboneElement' && code !== 'Element') {
        type = code;
        rel = [];
      }
    }
    if (finalType === 'BackboneElement') names.add('BackboneElement');
    return names;
  }

  /** The element for an instance segment: by name, or a choice element (`value[x]`) by its typed name. */
  private find(elements: ElementDefinition[], wanted: string, seg: string): { element: ElementDefinition; name: string; code?: string } | undefined {
    const direct = elements.find((e) => e.path === wanted);
    if (direct !== undefined) return { element: direct, name: seg };
    const prefix = wanted.slice(0, wanted.length - seg.length);
    for (const e of elements) {
      if (!e.path.endsWith('[x]') || !e.path.startsWith(prefix)) continue;
      const base = e.path.slice(prefix.length, -3);
      if (!seg.startsWith(base) || base.includes('.')) continue;
      const suffix = seg.slice(base.length);
      const t = e.type?.find((x) => x.code.toLowerCase() === suffix.toLowerCase());
      if (t !== undefined) return { element: e, name: `${base}[x]`, code: t.code };
    }
    return undefined;
  }

  private addTypeAndAncestors(type: string, names: Set<string>): void {
    let sd = this.registry.type(type);
    names.add(type);
    for (let n = 0; sd?.baseDefinition !== undefined && n < 10; n++) {
      const parent = sd.baseDefinition.slice(sd.baseDefinition.lastIndexOf('/') + 1);
      names.add(parent);
      sd = this.registry.type(parent);
    }
  }
}
