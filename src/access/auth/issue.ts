/** Issues what a user's authorization yields: an access token, and a refresh token and id_token when the scopes ask for them. */
import { randomId, randomToken, sha256, type Client, type User } from '../accounts/index.ts';
import { parseScopes } from '../scopes.ts';
import { LIFETIMES, type AuthDeps } from './deps.ts';
import { tokenResponse, type IssuedAccess, type TokenResponse } from './tokens.ts';

export interface UserGrant {
  client: Client;
  user: User;
  scope: string;
  patient: string | null;
  fhirBase: string;
  /** The refresh token family (one per authorization). */
  familyId: string;
  nonce?: string | null;
  /** The family's end (ms), for rotated refresh tokens; a new family's is computed from its scope. */
  refreshExpires?: number;
}

export async function issueForUser(deps: AuthDeps, g: UserGrant, access?: IssuedAccess): Promise<TokenResponse> {
  access ??= await deps.issuer.access({ client: g.client, user: g.user, scope: g.scope, patient: g.patient ?? undefined, lifetime: deps.accessTokenLifetime, fhirBase: g.fhirBase });
  const other = parseScopes(g.scope).other;
  let refreshToken: string | undefined;
  if (other.includes('offline_access') || other.includes('online_access')) {
    refreshToken = randomToken();
    const now = deps.now();
    const lifetime = other.includes('offline_access') ? deps.refreshTokenLifetime * 1000 : Math.min(LIFETIMES.online, deps.refreshTokenLifetime * 1000);
    await deps.grants.createRefresh({
      tokenHash: sha256(refreshToken),
      familyId: g.familyId,
      clientId: g.client.id,
      userId: g.user.id,
      scope: g.scope,
      patient: g.patient,
      accessJti: access.jti,
      accessExpires: access.expires,
      created: now,
      expires: g.refreshExpires ?? now + lifetime,
    });
  }
  const idToken =
    other.includes('openid') && (other.includes('fhirUser') || other.includes('profile'))
      ? await deps.issuer.idToken({ user: g.user, client: g.client, fhirBase: g.fhirBase, nonce: g.nonce, lifetime: deps.accessTokenLifetime })
      : undefined;
  return tokenResponse(access, { scope: g.scope, patient: g.patient, refreshToken, idToken });
}

export const newFamily = randomId;
