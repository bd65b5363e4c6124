/** Checks what an operator or administrator asks for before a user or client is stored; each mistake has a message saying what is wrong. */
import { parseScopes, ScopeError } from '../scopes.ts';
import type { Role } from '../types.ts';
import { AccountError, ROLES, type NewClient, type NewUser } from './types.ts';

const USERNAME = /^[a-z0-9][a-z0-9._@-]{0,63}$/;
const FHIR_USER = /^(Practitioner|PractitionerRole|Patient|RelatedPerson)\/[A-Za-z0-9\-.]{1,64}$/;
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const CONFIDENTIALITY = new Set(['U', 'L', 'M', 'N', 'R', 'V']);
const PURPOSE = /^[A-Z][A-Z0-9_-]{1,31}$/;
export const MIN_PASSWORD = 8;

export function checkRoles(roles: readonly string[]): Role[] {
  if (roles.length === 0) throw new AccountError(`give at least one role: ${ROLES.join(', ')}`);
  for (const r of roles) if (!ROLES.includes(r as Role)) throw new AccountError(`"${r}" is not a role: use ${ROLES.join(', ')}`);
  return [...new Set(roles as Role[])];
}

export function checkClearance(labels: readonly string[] = []): string[] {
  for (const l of labels) if (!CONFIDENTIALITY.has(l)) throw new AccountError(`"${l}" is not a confidentiality label: use R (restricted) or V (very restricted)`);
  return [...new Set(labels)];
}

export function checkUser(u: NewUser): NewUser {
  const username = u.username.trim().toLowerCase();
  if (!USERNAME.test(username)) throw new AccountError('a username is 1 to 64 lower-case letters, digits and . _ @ -, starting with a letter or digit');
  if (u.password === undefined && u.externalSubject === undefined) throw new AccountError('a user needs a password, or an external subject to sign in with an OpenID provider');
  if (u.password !== undefined && (u.password.length < MIN_PASSWORD || u.password.length > 1024)) {
    throw new AccountError(`a password must be at least ${MIN_PASSWORD} characters long`);
  }
  if (u.fhirUser !== undefined && !FHIR_USER.test(u.fhirUser)) throw new AccountError('the FHIR user must be a reference such as Practitioner/123, PractitionerRole/123 or Patient/123');
  const roles = checkRoles(u.roles);
  if (roles.includes('patient') && !u.fhirUser?.startsWith('Patient/')) throw new AccountError('a user with the patient role must be linked to their Patient (--fhir-user Patient/ID)');
  if (u.organization !== undefined && !FHIR_ID.test(u.organization)) throw new AccountError('the organization must be the id of an Organization');
  if (u.externalSubject !== undefined && (u.externalSubject === '' || u.externalSubject.length > 255)) throw new AccountError('the external subject must be 1 to 255 characters');
  return { ...u, username, roles, clearance: checkClearance(u.clearance) };
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** An absolute URL without a fragment: https, http on the loopback interface, or an app's private-use scheme (RFC 8252). */
export function checkRedirectUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new AccountError(`the redirect URI "${uri}" is not an absolute URL`);
  }
  if (url.hash || uri.includes('#')) throw new AccountError(`the redirect URI "${uri}" must not have a fragment`);
  const privateScheme = /^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+:$/.test(url.protocol);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname)) && !privateScheme) {
    throw new AccountError(`the redirect URI "${uri}" must use https (http only for localhost, or an app's own scheme such as com.example.app:/callback)`);
  }
  return uri;
}

export function checkJwksUrl(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new AccountError(`the JWKS URL "${uri}" is not an absolute URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.hostname))) throw new AccountError('the JWKS URL must use https (http only for localhost)');
  return uri;
}

/** A JWK Set of public RSA or EC keys. */
export function checkJwks(jwks: unknown): { keys: Record<string, unknown>[] } {
  const keys = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0) throw new AccountError('the JWKS must be a JSON Web Key Set: {"keys": [ … ]} with at least one key');
  for (const k of keys as Record<string, unknown>[]) {
    if (typeof k !== 'object' || k === null || (k.kty !== 'RSA' && k.kty !== 'EC')) throw new AccountError('each key of the JWKS must be an RSA or EC public key (kty RSA or EC)');
    if ('d' in k) throw new AccountError('the JWKS holds a private key: give only the public keys');
  }
  return { keys: keys as Record<string, unknown>[] };
}

export function checkClient(c: NewClient): NewClient {
  const name = c.name.trim();
  if (name === '' || name.length > 200) throw new AccountError('a client needs a name of 1 to 200 characters');
  const redirectUris = (c.redirectUris ?? []).map(checkRedirectUri);
  const hasKey = c.jwks !== undefined || c.jwksUrl !== undefined;
  const hasSecret = c.secret !== undefined || c.generateSecret === true;
  if (c.jwks !== undefined && c.jwksUrl !== undefined) throw new AccountError('give the JWKS by value or by URL, not both');
  if (hasKey && hasSecret) throw new AccountError('a client authenticates with a key (JWKS) or a secret, not both');
  if (c.secret !== undefined && c.secret.length < 16) throw new AccountError('a client secret must be at least 16 characters long');
  if (redirectUris.length === 0 && !hasKey) throw new AccountError('a client needs redirect URIs (an app users sign in to) or a JWKS (a backend service)');
  let scopes;
  try {
    scopes = parseScopes(c.scope);
  } catch (e) {
    if (e instanceof ScopeError) throw new AccountError(e.message);
    throw e;
  }
  if (scopes.resources.length === 0 && scopes.other.length === 0) throw new AccountError('a client needs at least one allowed scope');
  if (!hasKey && scopes.resources.some((s) => s.context === 'system')) throw new AccountError('system/ scopes are only for backend services, which authenticate with a JWKS');
  if (redirectUris.length === 0 && scopes.resources.some((s) => s.context !== 'system')) {
    throw new AccountError('a backend service (no redirect URIs) can only be allowed system/ scopes: patient/ and user/ scopes need a user to sign in');
  }
  const purposeOfUse = c.purposeOfUse ?? 'TREAT';
  if (!PURPOSE.test(purposeOfUse)) throw new AccountError('the purpose of use must be a v3 ActReason code such as TREAT, HRESCH, HOPERAT or PUBHLTH');
  return {
    ...c,
    name,
    redirectUris,
    jwks: c.jwks === undefined ? undefined : checkJwks(c.jwks),
    jwksUrl: c.jwksUrl === undefined ? undefined : checkJwksUrl(c.jwksUrl),
    scope: c.scope.trim().split(/\s+/).join(' '),
    purposeOfUse,
    clearance: checkClearance(c.clearance),
    roles: c.roles && c.roles.length ? checkRoles(c.roles) : [],
  };
}
