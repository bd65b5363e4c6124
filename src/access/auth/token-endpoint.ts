/**
 * POST /auth/token: authorization_code (with the PKCE verifier), refresh_token (rotation; a
 * reused refresh token revokes its family) and client_credentials (SMART Backend Services, a
 * client authenticated by a signed JWT, system/ scopes only).
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sameText, sha256, type ClientWithSecret } from '../accounts/index.ts';
import { formatScopes, grantScopes, parseScopes, ScopeError, scopesWithin, type ParsedScopes } from '../scopes.ts';
import { authenticateClient } from './client-auth.ts';
import type { AuthDeps } from './deps.ts';
import { oauthForm } from './http.ts';
import { issueForUser } from './issue.ts';
import { OAuthError } from './oauth-error.ts';
import { tokenResponse, type TokenResponse } from './tokens.ts';

/** SMART Backend Services recommends five-minute tokens. */
const BACKEND_LIFETIME_S = 300;
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export async function tokenEndpoint(deps: AuthDeps, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const form = oauthForm(req);
  const grantType = form.get('grant_type');
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is missing');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported: use authorization_code, refresh_token or client_credentials`);
  }
  const urls = deps.urls(req);
  const client = await authenticateClient(req, form, deps, urls.token);
  let body: TokenResponse;
  if (grantType === 'authorization_code') body = await authorizationCode(deps, client, form, urls.fhirBase);
  else if (grantType === 'refresh_token') body = await refreshToken(deps, client, form, urls.fhirBase);
  else body = await clientCredentials(deps, client, form, urls.fhirBase);
  return reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache').send(body);
}

const required = (form: Map<string, string>, name: string): string => {
  const v = form.get(name);
  if (v === undefined) throw new OAuthError('invalid_request', `${name} is missing`);
  return v;
};

async function activeUser(deps: AuthDeps, id: string) {
  const user = await deps.principals.user(id);
  if (!user?.active) throw new OAuthError('invalid_grant', 'The user of this grant is no longer active');
  return user;
}

async function authorizationCode(deps: AuthDeps, client: ClientWithSecret, form: Map<string, string>, fhirBase: string): Promise<TokenResponse> {
  const code = required(form, 'code');
  const redirectUri = required(form, 'redirect_uri');
  const verifier = required(form, 'code_verifier');
  if (!VERIFIER.test(verifier)) throw new OAuthError('invalid_grant', 'The code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~');
  const codeHash = sha256(code);
  const issued = await deps.grants.code(codeHash);
  if (!issued || issued.clientId !== client.id) throw new OAuthError('invalid_grant', 'The authorization code is not valid for this client');
  if (issued.expires <= deps.now()) throw new OAuthError('invalid_grant', 'The authorization code has expired');
  if (issued.redirectUri !== redirectUri) throw new OAuthError('invalid_grant', 'The redirect_uri differs from the one the code was issued for');
  if (!sameText(pkceChallenge(verifier), issued.codeChallenge)) throw new OAuthError('invalid_grant', 'The code_verifier does not match the code_challenge (PKCE)');
  const user = await activeUser(deps, issued.userId);
  const access = await deps.issuer.access({ client, user, scope: issued.scope, patient: issued.patient ?? undefined, lifetime: deps.accessTokenLifetime, fhirBase });
  const used = await deps.grants.useCode(codeHash, access.jti, access.expires);
  if ('reused' in used) {
    for (const r of used.revoked) deps.verifier.revokeLocally(r.jti, r.expires);
    throw new OAuthError('invalid_grant', 'The authorization code has been used before: the tokens issued for it are revoked');
  }
  if ('unknown' in used) throw new OAuthError('invalid_grant', 'The authorization code is not valid for this client');
  return issueForUser(deps, { client, user, scope: issued.scope, patient: issued.patient, fhirBase, familyId: issued.familyId, nonce: issued.nonce }, access);
}

async function refreshToken(deps: AuthDeps, client: ClientWithSecret, form: Map<string, string>, fhirBase: string): Promise<TokenResponse> {
  const token = required(form, 'refresh_token');
  const used = await deps.grants.useRefresh(sha256(token));
  if ('reused' in used) for (const r of used.revoked) deps.verifier.revokeLocally(r.jti, r.expires);
  if ('reused' in used) throw new OAuthError('invalid_grant', 'The refresh token has been used before: every token of this authorization is now revoked; sign in again');
  if ('unknown' in used || used.ok.clientId !== client.id) throw new OAuthError('invalid_grant', 'The refresh token is not valid (unknown, expired or revoked) for this client');
  const old = used.ok;
  const user = await activeUser(deps, old.userId);
  let scope = old.scope;
  const asked = form.get('scope');
  if (asked !== undefined) {
    if (!scopesWithin(checked(asked), old.scope)) throw new OAuthError('invalid_scope', 'A refreshed token can only have scopes of the original grant');
    scope = asked;
  }
  return issueForUser(deps, { client, user, scope, patient: old.patient, fhirBase, familyId: old.familyId, refreshExpires: old.expires });
}

async function clientCredentials(deps: AuthDeps, client: ClientWithSecret, form: Map<string, string>, fhirBase: string): Promise<TokenResponse> {
  if (client.authMethod !== 'private_key_jwt') throw new OAuthError('unauthorized_client', 'client_credentials is for backend services, which authenticate with a signed JWT (private_key_jwt)');
  const requested = parsed(required(form, 'scope'));
  const systemOnly: ParsedScopes = { resources: requested.resources.filter((s) => s.context === 'system'), other: [] };
  const { granted } = grantScopes(systemOnly, parseScopes(client.scope));
  if (granted.resources.length === 0) throw new OAuthError('invalid_scope', 'None of the requested scopes is a system/ scope this client is allowed');
  const scope = formatScopes(granted);
  const access = await deps.issuer.access({ client, scope, lifetime: Math.min(deps.accessTokenLifetime, BACKEND_LIFETIME_S), fhirBase });
  return tokenResponse(access, { scope });
}

/** Parses a scope parameter, turning a malformed scope into invalid_scope. */
export function parsed(text: string): ParsedScopes {
  try {
    return parseScopes(text);
  } catch (e) {
    if (e instanceof ScopeError) throw new OAuthError('invalid_scope', e.message);
    throw e;
  }
}

function checked(text: string): string {
  parsed(text);
  return text;
}
