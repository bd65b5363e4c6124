/**
 * POST /auth/introspect (RFC 7662) and POST /auth/revoke (RFC 7009). A client may introspect and
 * revoke the tokens issued to it; an administrator any token. Revoking an access token takes
 * effect at once in this process and within one poll in the others; revoking a refresh token
 * revokes its whole family with the access tokens issued from it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FhirError } from '../../fhir/errors.ts';
import { sha256 } from '../accounts/index.ts';
import { adminOrClient, type Caller } from './caller.ts';
import type { AuthDeps } from './deps.ts';
import { oauthForm } from './http.ts';
import { OAuthError } from './oauth-error.ts';

const mayUse = (caller: Caller, clientId: string) => 'admin' in caller || caller.client.id === clientId;
const looksLikeJwt = (token: string) => token.split('.').length === 3;

export async function introspect(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = oauthForm(req);
  const caller = await adminOrClient(deps, req, form, false);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'token is missing');
  reply.header('Cache-Control', 'no-store');
  if (looksLikeJwt(token)) {
    try {
      const { claims, context } = await deps.verifier.verify(token);
      if (mayUse(caller, claims.client_id) && !(await deps.grants.isRevoked(claims.jti))) {
        return reply.send({
          active: true,
          token_type: 'Bearer',
          scope: claims.scope,
          client_id: claims.client_id,
          sub: claims.sub,
          ...(context.userName ? { username: context.userName } : {}),
          iss: claims.iss,
          aud: claims.aud,
          exp: claims.exp,
          iat: claims.iat,
          jti: claims.jti,
          ...(claims.patient ? { patient: claims.patient } : {}),
          ...(claims.fhirUser ? { fhirUser: claims.fhirUser } : {}),
        });
      }
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
    }
    return reply.send({ active: false });
  }
  const refresh = await deps.grants.refresh(sha256(token));
  if (refresh && !refresh.used && !refresh.revoked && refresh.expires > deps.now() && mayUse(caller, refresh.clientId)) {
    return reply.send({ active: true, token_type: 'refresh_token', scope: refresh.scope, client_id: refresh.clientId, sub: refresh.userId, exp: Math.floor(refresh.expires / 1000) });
  }
  return reply.send({ active: false });
}

export async function revoke(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = oauthForm(req);
  const caller = await adminOrClient(deps, req, form, true);
  const token = form.get('token');
  if (!token) throw new OAuthError('invalid_request', 'token is missing');
  if (looksLikeJwt(token)) {
    // a token that does not verify (expired, already revoked, its user or client switched off) is of no use: nothing to revoke
    let claims;
    try {
      claims = (await deps.verifier.verify(token)).claims;
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
    }
    if (claims && mayUse(caller, claims.client_id)) {
      await deps.grants.revokeAccess(claims.jti, claims.exp * 1000);
      deps.verifier.revokeLocally(claims.jti, claims.exp * 1000);
    }
  } else {
    const refresh = await deps.grants.refresh(sha256(token));
    if (refresh && mayUse(caller, refresh.clientId)) {
      for (const r of await deps.grants.revokeFamily(refresh.familyId)) deps.verifier.revokeLocally(r.jti, r.expires);
    }
  }
  // RFC 7009 §2.2: 200 whether or not the token was valid
  return reply.header('Cache-Control', 'no-store').code(200).send();
}
