/** Who is calling an endpoint that takes either an administrator's bearer token or an authenticated client. */
import type { FastifyRequest } from 'fastify';
import { FhirError } from '../../fhir/errors.ts';
import type { ClientWithSecret } from '../accounts/index.ts';
import { openAccess, type AccessContext, type Role } from '../types.ts';
import { authenticateClient } from './client-auth.ts';
import type { AuthDeps } from './deps.ts';
import { header } from './http.ts';
import { OAuthError } from './oauth-error.ts';

/** The access context of a bearer token (or, in development mode without one, the open context); OAuth errors otherwise. */
export async function bearer(deps: AuthDeps, req: FastifyRequest, roles: readonly Role[]): Promise<AccessContext> {
  const auth = header(req, 'authorization');
  if (auth === undefined && deps.dev) return openAccess(req.ip);
  let access: AccessContext;
  try {
    access = await deps.verifier.authenticate(auth, req.ip);
  } catch (err) {
    if (err instanceof FhirError) throw new OAuthError('invalid_token', err.message);
    throw err;
  }
  if (!roles.some((r) => access.roles.has(r))) throw new OAuthError('access_denied', `This needs the role ${roles.join(' or ')}`);
  return access;
}

export type Caller = { admin: AccessContext } | { client: ClientWithSecret };

/** Introspection and revocation: an administrator's bearer token, or a client authenticating itself. */
export async function adminOrClient(deps: AuthDeps, req: FastifyRequest, form: Map<string, string>, publicAllowed: boolean): Promise<Caller> {
  if (/^bearer /i.test(header(req, 'authorization') ?? '')) return { admin: await bearer(deps, req, ['admin']) };
  const client = await authenticateClient(req, form, deps, deps.urls(req).token);
  if (!publicAllowed && client.authMethod === 'none') throw new OAuthError('invalid_client', 'Introspection is for confidential clients (a secret or a signed JWT) and administrators');
  return { client };
}
