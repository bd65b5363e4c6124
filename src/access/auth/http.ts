/** Small HTTP helpers of the authorization server: form bodies, cookies, HTTP Basic, the public URLs. */
import type { FastifyRequest } from 'fastify';
import { OAuthError } from './oauth-error.ts';

/** A form body or query string as single-valued parameters; a repeated parameter is an error (RFC 6749 §3.1). */
export function formOf(body: unknown, query?: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const add = (k: string, v: string) => {
    if (out.has(k)) throw new OAuthError('invalid_request', `The parameter ${k} is repeated`);
    if (v !== '') out.set(k, v);
  };
  if (typeof body === 'string') for (const [k, v] of new URLSearchParams(body)) add(k, v);
  else if (body && typeof body === 'object') {
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) if (typeof v === 'string') add(k, v);
  }
  if (query && typeof query === 'object') {
    for (const [k, v] of Object.entries(query as Record<string, unknown>)) {
      if (Array.isArray(v)) throw new OAuthError('invalid_request', `The parameter ${k} is repeated`);
      if (typeof v === 'string') add(k, v);
    }
  }
  return out;
}

/** The body of an OAuth endpoint: form-encoded only (RFC 6749 §4.1.3, RFC 7662 §2.1, RFC 7009 §2.1). */
export function oauthForm(req: FastifyRequest): Map<string, string> {
  const type = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new OAuthError('invalid_request', 'Send the parameters form-encoded (Content-Type: application/x-www-form-urlencoded)');
  return formOf(typeof req.body === 'string' ? req.body : '');
}

export function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function cookie(req: FastifyRequest, name: string): string | undefined {
  const text = header(req, 'cookie');
  if (!text) return undefined;
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `Authorization: Basic …` as client id and secret (each form-urlencoded, RFC 6749 §2.3.1); undefined when absent. */
export function basicCredentials(req: FastifyRequest): { id: string; secret: string } | undefined {
  const auth = header(req, 'authorization');
  if (!auth || !/^basic /i.test(auth)) return undefined;
  const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'The Basic credentials are not client_id:client_secret');
  try {
    const plus = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return { id: plus(decoded.slice(0, colon)), secret: plus(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError('invalid_client', 'The Basic credentials are not validly encoded');
  }
}

/** Where the server is, as clients see it: the FHIR base and the authorization server's endpoints beside it. */
export interface Urls {
  /** The FHIR base URL, without a trailing slash: the tokens' issuer and audience. */
  fhirBase: string;
  /** The origin (and path prefix) under which /auth lives. */
  root: string;
  authorize: string;
  token: string;
  introspect: string;
  revoke: string;
  jwks: string;
  oidcCallback: string;
}

export function urlsFor(fhirBase: string): Urls {
  const base = fhirBase.replace(/\/+$/, '');
  const root = base.endsWith('/fhir') ? base.slice(0, -'/fhir'.length) : new URL(base).origin;
  return {
    fhirBase: base,
    root,
    authorize: `${root}/auth/authorize`,
    token: `${root}/auth/token`,
    introspect: `${root}/auth/introspect`,
    revoke: `${root}/auth/revoke`,
    jwks: `${root}/auth/jwks`,
    oidcCallback: `${root}/auth/oidc/callback`,
  };
}

/** The FHIR base: configured, or from the request's Host (and X-Forwarded-*) headers. */
export function fhirBaseOf(req: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/+$/, '');
  const proto = header(req, 'x-forwarded-proto') ?? req.protocol;
  const host = header(req, 'x-forwarded-host') ?? header(req, 'host') ?? 'localhost';
  return `${proto}://${host}/fhir`;
}

/** Adds parameters to a redirect URI, keeping its own query. */
export function withParams(uri: string, params: Record<string, string | undefined>): string {
  const url = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}
