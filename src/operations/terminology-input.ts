/**
 * What the terminology operations share: reading their input parameters from the query (GET) or
 * a Parameters body (POST), finding the ValueSet, CodeSystem or ConceptMap they act on (inline,
 * by id, by canonical URL in the conformance registry, or stored on this server), and writing
 * their answer as a Parameters resource.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Db, FhirRequest, InteractionContext, Resource } from '../interactions/types.ts';
import { withExtraResources, type CanonicalResource, type Terminology, type ValueSet } from '../validation/index.ts';

export interface Coding {
  system?: string;
  version?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

interface Parameter {
  name?: string;
  resource?: Resource;
  part?: Parameter[];
  [valueX: string]: unknown;
}

/** The value of a Parameters.parameter, whichever value[x] it uses. */
function valueOf(p: Parameter): unknown {
  for (const k of Object.keys(p)) if (k.startsWith('value')) return p[k];
  return undefined;
}

/** An operation's input: query parameters and, for POST, a Parameters body (the body wins). */
export class OperationInput {
  private constructor(
    private readonly query: [string, string][],
    private readonly body: Parameter[],
  ) {}

  static of(req: FhirRequest, operation: string): OperationInput {
    const b = req.body as Resource | undefined;
    if (b !== undefined && (typeof b !== 'object' || b === null || b.resourceType !== 'Parameters')) {
      throw new FhirError('incorrect', `$${operation} takes a Parameters resource in the body (or query parameters with GET)`);
    }
    const body = Array.isArray(b?.parameter) ? (b!.parameter as Parameter[]) : [];
    return new OperationInput(req.params.filter(([n]) => !n.startsWith('_')), body);
  }

  private raw(name: string): unknown {
    const p = this.body.find((x) => x.name === name);
    if (p !== undefined) return p.resource ?? valueOf(p);
    return this.query.find(([n]) => n === name)?.[1];
  }

  /** Every value of a repeatable simple parameter. */
  strings(name: string): string[] {
    const fromBody = this.body.filter((x) => x.name === name).map((x) => valueOf(x));
    const values = fromBody.length ? fromBody : this.query.filter(([n]) => n === name).flatMap(([, v]) => v.split(','));
    return values.filter((v) => v !== undefined).map(String);
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  string(name: string): string | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw new FhirError('incorrect', `The parameter "${name}" must be a simple value`);
  }

  boolean(name: string): boolean | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new FhirError('incorrect', `The parameter "${name}" must be true or false`);
  }

  integer(name: string): number | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < 0) throw new FhirError('incorrect', `The parameter "${name}" must be a non-negative integer`);
    return n;
  }

  /** A Coding: from the body, or on the query as `system|code` (a convenience; R4 GET has no Coding). */
  coding(name: string): Coding | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'string') {
      const bar = v.lastIndexOf('|');
      return bar < 0 ? { code: v } : { system: v.slice(0, bar) || undefined, code: v.slice(bar + 1) };
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Coding;
    throw new FhirError('incorrect', `The parameter "${name}" must be a Coding`);
  }

  codeableConcept(name: string): CodeableConcept | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as CodeableConcept;
    throw new FhirError('incorrect', `The parameter "${name}" must be a CodeableConcept (POST it in a Parameters body)`);
  }

  resource<T extends CanonicalResource>(name: string, type: string): T | undefined {
    const v = this.raw(name);
    if (v === undefined) return undefined;
    if (typeof v !== 'object' || v === null || (v as Resource).resourceType !== type) throw new FhirError('incorrect', `The parameter "${name}" must be a ${type} resource`);
    return v as T;
  }
}

type Kind = 'ValueSet' | 'CodeSystem' | 'ConceptMap';

function fromRegistry(ctx: InteractionContext, type: Kind, url: string): CanonicalResource | undefined {
  const r = ctx.validator.registry;
  return type === 'ValueSet' ? r.valueSet(url) : type === 'CodeSystem' ? r.codeSystem(url) : r.conceptMap(url);
}

/** The current stored resource of a type with a canonical URL (`url|version` matches the version too). */
export async function storedByUrl(ctx: InteractionContext, db: Db, type: Kind, ref: string): Promise<CanonicalResource | undefined> {
  const bar = ref.indexOf('|');
  const url = bar < 0 ? ref : ref.slice(0, bar);
  const criteria: [string, string][] = [['url', url]];
  if (bar >= 0) criteria.push(['version', ref.slice(bar + 1)]);
  const ids = await ctx.search.matchIds(db, type, criteria, 2);
  for (const id of ids) {
    const v = await db.readCurrent(type, id);
    if (v && !v.deleted && v.json) return JSON.parse(v.json) as CanonicalResource;
  }
  return undefined;
}

export async function readById(db: Db, type: Kind, id: string): Promise<CanonicalResource> {
  const v = await db.readCurrent(type, id);
  if (!v || v.deleted || !v.json) throw new FhirError('not-found', `${type}/${id} is not known`);
  return JSON.parse(v.json) as CanonicalResource;
}

/**
 * The ValueSet, CodeSystem or ConceptMap an operation acts on: the instance in the URL, a resource
 * passed inline, or a canonical URL found in the registry or stored here. `undefined` when the
 * URL names nothing known.
 */
export async function target(
  req: FhirRequest,
  ctx: InteractionContext,
  db: Db,
  type: Kind,
  input: OperationInput,
  names: { url: string; resource: string },
): Promise<{ resource?: CanonicalResource; url?: string; extras: CanonicalResource[] }> {
  if (req.id !== undefined) {
    const resource = withUrl(await readById(db, type, req.id));
    return { resource, url: resource.url, extras: [resource] };
  }
  const given = input.resource<CanonicalResource>(names.resource, type);
  if (given !== undefined) {
    const inline = withUrl(given);
    return { resource: inline, url: inline.url, extras: [inline] };
  }
  const url = input.string(names.url);
  if (url === undefined) return { extras: [] };
  const held = fromRegistry(ctx, type, url);
  if (held !== undefined) return { resource: held, url, extras: [] };
  const stored = await storedByUrl(ctx, db, type, url);
  return { resource: stored, url, extras: stored ? [stored] : [] };
}

let inlineCount = 0;
/** Inline resources may have no URL; the registry indexes by URL, so give them one for this request. */
function withUrl(r: CanonicalResource): CanonicalResource {
  return typeof r.url === 'string' ? r : { ...r, url: `urn:meridian:inline:${++inlineCount}` };
}

/**
 * The ValueSets and CodeSystems stored on this server that `start` depends on (nested
 * `compose.include.valueSet`, `include.system`) and the registry does not hold: fetched now so
 * expansion, which is synchronous, can see them. Bounded, to stop cycles and runaway fetches.
 */
export async function storedDependencies(ctx: InteractionContext, db: Db, start: CanonicalResource[]): Promise<CanonicalResource[]> {
  const found: CanonicalResource[] = [];
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length && seen.size < 50) {
    const r = queue.shift()!;
    if (r.resourceType !== 'ValueSet') continue;
    const compose = (r as ValueSet).compose;
    for (const inc of [...(compose?.include ?? []), ...(compose?.exclude ?? [])]) {
      const wanted: [Kind, string][] = (inc.valueSet ?? []).map((u) => ['ValueSet', u] as [Kind, string]);
      if (inc.system !== undefined) wanted.push(['CodeSystem', inc.system]);
      for (const [type, url] of wanted) {
        if (seen.has(`${type}|${url}`) || fromRegistry(ctx, type, url) !== undefined) continue;
        seen.add(`${type}|${url}`);
        const stored = await storedByUrl(ctx, db, type, url);
        if (stored !== undefined) {
          found.push(stored);
          queue.push(stored);
        }
      }
    }
  }
  return found;
}

/** The terminology to answer with: the shared one, or a view that also sees resources from this request or the store. */
export async function terminologyFor(ctx: InteractionContext, db: Db, extras: CanonicalResource[]): Promise<Terminology> {
  const all = [...extras, ...(await storedDependencies(ctx, db, extras))];
  return withExtraResources(ctx.validator.terminology, all);
}

/** A CodeSystem held in the registry, or else stored here: added to `extras` so the terminology view sees it. */
export async function codeSystemExtras(ctx: InteractionContext, db: Db, system: string): Promise<CanonicalResource[]> {
  if (ctx.validator.registry.codeSystem(system) !== undefined) return [];
  const stored = await storedByUrl(ctx, db, 'CodeSystem', system);
  return stored ? [stored] : [];
}

export type OutParameter = { name: string; [valueX: string]: unknown };

export function parameters(parameter: OutParameter[]): Resource {
  return { resourceType: 'Parameters', parameter };
}
