/**
 * SMART on FHIR scopes (App Launch 2.x, with the 1.0 syntax accepted): parsing, and deciding
 * whether a requested scope is within what a client is allowed.
 *
 * v2: `patient/Observation.rs`, `user/*.cruds`, `system/Patient.r`, `patient/Observation.rs?category=laboratory`
 * v1: `patient/*.read` (= rs), `user/Observation.write` (= cud), `system/*.*` (= cruds)
 */
import type { ResourceScope, ScopeContext, ScopeInteraction } from './types.ts';

/** Scopes that name no resource: identity, launch context and refresh tokens. */
export const NON_RESOURCE_SCOPES = ['openid', 'fhirUser', 'profile', 'launch', 'launch/patient', 'launch/encounter', 'offline_access', 'online_access'] as const;
export type NonResourceScope = (typeof NON_RESOURCE_SCOPES)[number];

export interface ParsedScopes {
  /** Resource scopes, in the order written, duplicates removed. */
  resources: ResourceScope[];
  /** Non-resource scopes (openid, fhirUser, launch/patient, offline_access …), duplicates removed. */
  other: NonResourceScope[];
}

/** A scope that cannot be read; the message says which and why. */
export class ScopeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScopeError';
  }
}

const ORDER: readonly ScopeInteraction[] = ['c', 'r', 'u', 'd', 's'];
const V1: Record<string, ScopeInteraction[]> = { read: ['r', 's'], write: ['c', 'u', 'd'], '*': ['c', 'r', 'u', 'd', 's'] };
const SCOPE = /^(patient|user|system)\/(\*|[A-Z][A-Za-z]{1,63})\.([^?]+)(?:\?(.*))?$/;
const NON_RESOURCE = new Set<string>(NON_RESOURCE_SCOPES);

export interface ParseOptions {
  /** Refuses resource types this returns false for (e.g. `Obsrvation`). */
  isResourceType?: (type: string) => boolean;
}

/** Parses one scope; throws ScopeError for anything malformed or unknown. */
export function parseScope(text: string, opts: ParseOptions = {}): ResourceScope | NonResourceScope {
  if (NON_RESOURCE.has(text)) return text as NonResourceScope;
  const m = SCOPE.exec(text);
  if (!m) {
    throw new ScopeError(
      `"${text}" is not a scope this server knows: expected context/Type.permissions such as patient/Observation.rs, user/*.cruds or system/Patient.read, or one of ${NON_RESOURCE_SCOPES.join(', ')}`,
    );
  }
  const [, context, resourceType, permissions, query] = m;
  if (resourceType !== '*' && opts.isResourceType && !opts.isResourceType(resourceType)) {
    throw new ScopeError(`"${text}" names ${resourceType}, which is not an R4 resource type`);
  }
  let interactions: ScopeInteraction[];
  if (V1[permissions]) {
    if (query !== undefined) throw new ScopeError(`"${text}": query restrictions need the v2 syntax (e.g. .rs?category=laboratory), not .${permissions}`);
    interactions = V1[permissions];
  } else {
    interactions = v2Permissions(text, permissions);
  }
  return {
    context: context as ScopeContext,
    resourceType,
    interactions: new Set(interactions),
    query: query === undefined ? [] : parseRestriction(text, query),
    text,
  };
}

/** `cruds` letters, each at most once and in that order (SMART 2.0 §Scopes). */
function v2Permissions(text: string, permissions: string): ScopeInteraction[] {
  let at = 0;
  const out: ScopeInteraction[] = [];
  for (const ch of permissions) {
    const i = ORDER.indexOf(ch as ScopeInteraction, at);
    if (i < 0) {
      throw new ScopeError(`"${text}": permissions must be letters of "cruds", each at most once and in that order (e.g. .rs, .cud), or read, write or * (v1); not ".${permissions}"`);
    }
    out.push(ORDER[i]);
    at = i + 1;
  }
  return out;
}

function parseRestriction(text: string, query: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const part of query.split('&')) {
    const eq = part.indexOf('=');
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = decodeURIComponent(eq < 0 ? '' : part.slice(eq + 1));
    } catch {
      throw new ScopeError(`"${text}": the query restriction is not validly percent-encoded`);
    }
    if (!/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(name) || value === '') {
      throw new ScopeError(`"${text}": a query restriction is search parameters as name=value pairs joined by &, e.g. ?category=laboratory`);
    }
    pairs.push([name, value]);
  }
  return pairs;
}

/** Parses a space-separated scope string (as sent in OAuth's `scope` parameter). */
export function parseScopes(text: string, opts: ParseOptions = {}): ParsedScopes {
  const resources: ResourceScope[] = [];
  const other: NonResourceScope[] = [];
  const seen = new Set<string>();
  for (const word of text.split(/[ \t\r\n]+/)) {
    if (word === '' || seen.has(word)) continue;
    seen.add(word);
    const scope = parseScope(word, opts);
    if (typeof scope === 'string') other.push(scope);
    else resources.push(scope);
  }
  return { resources, other };
}

/** Writes parsed scopes back as the space-separated text they came from. */
export function formatScopes(scopes: ParsedScopes): string {
  return [...scopes.resources.map((s) => s.text), ...scopes.other].join(' ');
}

/**
 * Whether `requested` asks for no more than `allowed` gives: the same context (a `user/` allowance
 * also covers the same `patient/` scope, which is narrower), the same resource type or `*`
 * allowed, a subset of the interactions, and at least the allowed query restriction.
 */
export function scopeWithin(requested: ResourceScope, allowed: ResourceScope): boolean {
  const contextOk = requested.context === allowed.context || (allowed.context === 'user' && requested.context === 'patient');
  if (!contextOk) return false;
  if (allowed.resourceType !== '*' && allowed.resourceType !== requested.resourceType) return false;
  for (const i of requested.interactions) if (!allowed.interactions.has(i)) return false;
  return allowed.query.every(([n, v]) => requested.query.some(([rn, rv]) => rn === n && rv === v));
}

/** Splits what was asked for into what the allowance grants and what it does not. */
export function grantScopes(requested: ParsedScopes, allowed: ParsedScopes): { granted: ParsedScopes; refused: string[] } {
  const granted: ParsedScopes = { resources: [], other: [] };
  const refused: string[] = [];
  for (const r of requested.resources) {
    if (allowed.resources.some((a) => scopeWithin(r, a))) granted.resources.push(r);
    else refused.push(r.text);
  }
  for (const o of requested.other) {
    if (allowed.other.includes(o)) granted.other.push(o);
    else refused.push(o);
  }
  return { granted, refused };
}

/** Whether the scope text `requested` is within the scope text `allowed` (both space-separated). */
export function scopesWithin(requested: string, allowed: string): boolean {
  return grantScopes(parseScopes(requested), parseScopes(allowed)).refused.length === 0;
}
