/**
 * Meridian's SMART on FHIR authorization server (App Launch 2.x and Backend Services): its routes,
 * the check of access tokens on every request, and tokens minted for operators and tests.
 *
 *   const auth = await createAuthServer({ store, search, baseUrl, dev });
 *   auth.register(http);                       // before http.ready()
 *   const access = await auth.authenticate(req.headers.authorization, req.ip);
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type { SearchEngine } from '../../interactions/types.ts';
import type { ResourceStore } from '../../storage/index.ts';
import { Accounts, AccountError, Grants, randomId } from '../accounts/index.ts';
import type { AccessContext } from '../types.ts';
import { AssertionVerifier } from './assertion.ts';
import { LIFETIMES, type AuthDeps } from './deps.ts';
import { fhirBaseOf, urlsFor } from './http.ts';
import { SigningKeys } from './keys.ts';
import { mintToken, type MintRequest, type MintedToken } from './mint.ts';
import { OidcClient, type OidcConfig } from './oidc-client.ts';
import { Pages } from './pages.ts';
import { Principals } from './principals.ts';
import { registerRoutes } from './routes.ts';
import { LoginThrottle } from './throttle.ts';
import { TokenIssuer } from './tokens.ts';
import { TokenVerifier } from './verifier.ts';

export type { MintRequest, MintedToken } from './mint.ts';
export type { OidcConfig } from './oidc-client.ts';
export type { AccessClaims, TokenResponse } from './tokens.ts';
export { OAuthError } from './oauth-error.ts';
export { CAPABILITIES } from './discovery.ts';

export interface AuthServerOptions {
  store: ResourceStore;
  /** Finds a Patient by NHS number for the patient picker; without it, patients are found by id only. */
  search?: Pick<SearchEngine, 'matchIds'>;
  /** The public FHIR base URL (issuer and audience of tokens); from each request's Host header when absent. */
  baseUrl?: string;
  /** Access token lifetime, seconds (default 900). */
  accessTokenLifetime?: number;
  /** Refresh token lifetime for offline_access, seconds (default 30 days). */
  refreshTokenLifetime?: number;
  /** An external OpenID Connect provider users may sign in with. */
  oidc?: OidcConfig;
  /** Development mode: the admin API and /auth/launch accept requests without a token. */
  dev?: boolean;
  /** How often to look for revocations and account changes made by other processes, ms (default 2000). */
  pollMs?: number;
  now?: () => number;
  /** Where failures of background polling are reported. */
  onError?: (err: unknown) => void;
}

export interface AuthServer {
  /** Adds the authorization server's routes (discovery, /auth/*, /admin/*, /assets/*) to `app`; call before `app.ready()`. */
  register(app: FastifyInstance): void;
  /**
   * The access context of a request's `Authorization` header. Throws FhirError 'unauthorized'
   * (401) saying why for a missing, malformed, expired, revoked or foreign token, or one whose
   * client or user is no longer active.
   */
  authenticate(authorization: string | undefined, address?: string): Promise<AccessContext>;
  /** An access token for a named client (system) or user, for `meridian token` and tests; scopes are checked against the client's allowance. */
  mint(request: MintRequest): Promise<MintedToken>;
  /** Records an EHR launch context for `patient`; returns the launch id an app receives as `launch`. */
  createLaunch(launch: { patient: string; clientId?: string; username?: string; encounter?: string }): Promise<string>;
  /** The server's public signing keys (JWK Set). */
  jwks(): { keys: JWK[] };
  /** Users and clients (for in-process administration). */
  readonly accounts: Accounts;
  /** Looks now for revocations and account changes made by other processes (otherwise every pollMs). */
  poll(): Promise<void>;
  close(): Promise<void>;
}

export async function createAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const now = opts.now ?? Date.now;
  const accounts = new Accounts(opts.store, now);
  const grants = new Grants(opts.store, now);
  const keys = await SigningKeys.load(grants);
  const principals = new Principals(accounts);
  const baseUrl = opts.baseUrl?.replace(/\/+$/, '');
  const verifier = new TokenVerifier({
    keys,
    grants,
    principals,
    fhirBase: baseUrl,
    now,
    pollMs: opts.pollMs ?? 2000,
    onError: opts.onError ?? (() => undefined),
  });
  await verifier.start();

  const findPatient = async (text: string): Promise<string | undefined> => {
    const nhs = text.replace(/\s+/g, '');
    if (/^\d{10}$/.test(nhs) && opts.search) {
      const ids = await opts.search.matchIds(opts.store, 'Patient', [['identifier', `https://fhir.nhs.uk/Id/nhs-number|${nhs}`]], 2);
      if (ids.length === 1) return ids[0];
    }
    if (!/^[A-Za-z0-9\-.]{1,64}$/.test(text)) return undefined;
    const found = await opts.store.readCurrent('Patient', text);
    return found && !found.deleted ? found.id : undefined;
  };

  const deps: AuthDeps = {
    accounts,
    grants,
    keys,
    issuer: new TokenIssuer(keys, now),
    verifier,
    principals,
    assertions: new AssertionVerifier(grants, now),
    pages: new Pages(),
    throttle: new LoginThrottle(now),
    oidc: opts.oidc ? new OidcClient(opts.oidc, now) : undefined,
    urls: (req: FastifyRequest) => urlsFor(fhirBaseOf(req, baseUrl)),
    findPatient,
    now,
    accessTokenLifetime: opts.accessTokenLifetime ?? 900,
    refreshTokenLifetime: opts.refreshTokenLifetime ?? 30 * 24 * 3600,
    dev: opts.dev ?? false,
  };

  return {
    register: (app) => registerRoutes(app, deps),
    authenticate: (authorization, address) => verifier.authenticate(authorization, address),
    mint: (request) => mintToken(deps, request, baseUrl),
    async createLaunch(l) {
      const user = l.username === undefined ? undefined : await accounts.userByName(l.username);
      if (l.username !== undefined && !user) throw new AccountError(`No user is called ${l.username}`, 'not-found');
      const id = randomId();
      const at = now();
      await grants.createLaunch({ id, patient: l.patient, encounter: l.encounter ?? null, clientId: l.clientId ?? null, userId: user?.id ?? null, created: at, expires: at + LIFETIMES.launch });
      return id;
    },
    jwks: () => keys.publicJwks(),
    accounts,
    poll: () => verifier.poll(),
    async close() {
      verifier.close();
    },
  };
}
