/**
 * What a request needs from the token's scopes: the SMART v2 interaction letter for the
 * interaction, and which of the token's scopes grant it (with their query restrictions).
 */
import { FhirError } from '../fhir/errors.ts';
import type { Interaction } from '../fhir/url.ts';
import type { AccessContext, ResourceScope, ScopeInteraction } from './types.ts';

/** The scope letter each data interaction needs (operations are decided per operation). */
const LETTER: Partial<Record<Interaction, ScopeInteraction>> = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  'history-type': 's',
  'history-system': 's',
  'search-type': 's',
  'search-system': 's',
  'search-compartment': 's',
  create: 'c',
  update: 'u',
  'conditional-update': 'u',
  patch: 'u',
  'conditional-patch': 'u',
  delete: 'd',
  'conditional-delete': 'd',
};

export function letterFor(interaction: Interaction): ScopeInteraction | undefined {
  return LETTER[interaction];
}

/** Whether a scope of this context can be used by this token (patient scopes need a patient in context). */
function usable(scope: ResourceScope, access: AccessContext): boolean {
  if (scope.context === 'patient') return access.patient !== undefined;
  if (scope.context === 'user') return access.fhirUser !== undefined;
  return true;
}

/** The token's scopes that grant `letter` on `resourceType`. */
export function grantsFor(access: AccessContext, resourceType: string, letter: ScopeInteraction): ResourceScope[] {
  return access.scopes.filter((s) => (s.resourceType === '*' || s.resourceType === resourceType) && s.interactions.has(letter) && usable(s, access));
}

/**
 * The query restrictions that apply to `letter` on `resourceType`: undefined when some granting
 * scope is unrestricted, otherwise one restriction per granting scope (any may be met).
 * Throws 403 when no scope grants it.
 */
export function restrictionsFor(access: AccessContext, resourceType: string, letter: ScopeInteraction): (readonly [string, string][])[] | undefined {
  const grants = grantsFor(access, resourceType, letter);
  if (!grants.length) {
    const words = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' }[letter];
    throw new FhirError('forbidden', `The access token has no scope to ${words} ${resourceType} resources (granted: ${access.scopes.map((s) => s.text).join(' ') || 'none'})`);
  }
  if (grants.some((g) => !g.query.length)) return undefined;
  return grants.map((g) => g.query);
}

/** Resource types a token may search (for a system-level search without _type). */
export function searchableTypes(access: AccessContext, all: readonly string[]): string[] {
  const granted = access.scopes.filter((s) => s.interactions.has('s') && usable(s, access));
  if (granted.some((s) => s.resourceType === '*')) return [...all];
  return all.filter((t) => granted.some((s) => s.resourceType === t));
}
