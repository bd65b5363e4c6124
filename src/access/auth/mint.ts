/**
 * Tokens minted without a browser: `meridian token` and tests. A client's own (system) token, or
 * a token for a named user through a client; the scopes must be within the client's allowance.
 */
import { AccountError } from '../accounts/index.ts';
import { formatScopes, grantScopes, parseScopes, ScopeError, type ParsedScopes } from '../scopes.ts';
import type { AuthDeps } from './deps.ts';

export interface MintRequest {
  /** The client the token is for. */
  clientId: string;
  /** A user (by username) the token acts for; absent: the client's own token (system/ scopes only). */
  username?: string;
  /** The patient in context (a Patient id); a patient user's own patient by default. */
  patient?: string;
  /** Space-separated scopes. */
  scope: string;
  /** Seconds (default: the configured access token lifetime; at most a day). */
  lifetime?: number;
  /** The FHIR base URL to issue for, when the server has none configured. */
  fhirBase?: string;
}

export interface MintedToken {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  scope: string;
  patient?: string;
  /** The token id (jti). */
  tokenId: string;
}

const MAX_LIFETIME_S = 24 * 3600;

export async function mintToken(deps: AuthDeps, r: MintRequest, configuredBase: string | undefined): Promise<MintedToken> {
  const fhirBase = (configuredBase ?? r.fhirBase)?.replace(/\/+$/, '');
  if (!fhirBase) throw new AccountError('give the FHIR base URL the token is for (--base-url)');
  const client = await deps.accounts.client(r.clientId);
  if (!client) throw new AccountError(`No client has the id ${r.clientId}`, 'not-found');
  if (!client.active) throw new AccountError(`The client ${r.clientId} has been deactivated`);
  let requested: ParsedScopes;
  try {
    requested = parseScopes(r.scope);
  } catch (e) {
    if (e instanceof ScopeError) throw new AccountError(e.message);
    throw e;
  }
  if (requested.resources.length === 0) throw new AccountError('give at least one resource scope, such as system/Patient.rs or user/*.rs');
  const user = r.username === undefined ? undefined : await deps.accounts.userByName(r.username);
  if (r.username !== undefined && !user) throw new AccountError(`No user is called ${r.username}`, 'not-found');
  if (user && !user.active) throw new AccountError(`The user ${user.username} has been deactivated`);
  const wrongContext = requested.resources.filter((s) => (user ? s.context === 'system' : s.context !== 'system'));
  if (wrongContext.length) {
    throw new AccountError(user ? `a user's token cannot have system/ scopes (${wrongContext[0].text})` : `a client's own token has system/ scopes only, not ${wrongContext[0].text}: name a user with --user`);
  }
  const { granted, refused } = grantScopes(requested, parseScopes(client.scope));
  if (refused.length) throw new AccountError(`the client ${client.id} is not allowed ${refused.join(' ')} (it is allowed: ${client.scope})`);
  const own = user?.fhirUser?.startsWith('Patient/') ? user.fhirUser.slice('Patient/'.length) : undefined;
  if (own !== undefined && r.patient !== undefined && r.patient !== own) throw new AccountError("a patient user's token can only be for their own record");
  const patient = r.patient ?? own;
  const lifetime = Math.min(r.lifetime ?? deps.accessTokenLifetime, MAX_LIFETIME_S);
  if (!(lifetime > 0)) throw new AccountError('the lifetime must be positive');
  const scope = formatScopes(granted);
  const access = await deps.issuer.access({ client, user, scope, patient, lifetime: Math.round(lifetime), fhirBase });
  return { accessToken: access.token, tokenType: 'Bearer', expiresIn: access.expiresIn, scope, ...(patient ? { patient } : {}), tokenId: access.jti };
}
