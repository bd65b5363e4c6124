/** What the authorization server's routes share: built once by createAuthServer. */
import type { FastifyRequest } from 'fastify';
import type { Accounts, Grants } from '../accounts/index.ts';
import type { AssertionVerifier } from './assertion.ts';
import type { SigningKeys } from './keys.ts';
import type { Principals } from './principals.ts';
import type { TokenIssuer } from './tokens.ts';
import type { TokenVerifier } from './verifier.ts';
import type { Pages } from './pages.ts';
import type { LoginThrottle } from './throttle.ts';
import type { Urls } from './http.ts';
import type { OidcClient } from './oidc-client.ts';

export interface AuthDeps {
  accounts: Accounts;
  grants: Grants;
  keys: SigningKeys;
  issuer: TokenIssuer;
  verifier: TokenVerifier;
  principals: Principals;
  assertions: AssertionVerifier;
  pages: Pages;
  throttle: LoginThrottle;
  oidc?: OidcClient;
  /** The public URLs as this request sees them. */
  urls(req: FastifyRequest): Urls;
  /** The id of the Patient a clinician named by id or NHS number; undefined when there is none. */
  findPatient(text: string): Promise<string | undefined>;
  now(): number;
  /** Seconds. */
  accessTokenLifetime: number;
  /** Seconds. */
  refreshTokenLifetime: number;
  dev: boolean;
}

/** How long things live, in milliseconds. */
export const LIFETIMES = {
  /** A pending authorization request (the time a person has to sign in). */
  request: 10 * 60_000,
  /** An authorization code. */
  code: 60_000,
  /** A refresh token issued for online_access (offline_access uses the configured lifetime). */
  online: 8 * 3_600_000,
  /** An EHR launch context. */
  launch: 60 * 60_000,
};
