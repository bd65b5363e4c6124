/**
 * Meridian as a relying party of an external OpenID Connect provider (the shape of NHS login and
 * NHS CIS2): discovery, the authorization redirect with its own state, nonce and PKCE, the code
 * exchange, and the id_token checked against the provider's published keys.
 */
import { createHash } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';

export interface OidcConfig {
  /** The provider's issuer URL; its discovery document is at issuer + /.well-known/openid-configuration. */
  issuer: string;
  clientId: string;
  /** Sent with HTTP Basic at the provider's token endpoint; without one Meridian is a public client (PKCE only). */
  clientSecret?: string;
  /** The id_token claim that names the Meridian user (matched to a user's external subject); default sub. */
  userClaim: string;
  /** Shown on the sign-in page: "Sign in with …". */
  name: string;
  /** Scopes asked of the provider; default openid. */
  scope: string;
}

interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
}

/** Something went wrong with the provider; the message is safe to show. */
export class OidcError extends Error {}

const TIMEOUT_MS = 5_000;
const DISCOVERY_TTL_MS = 3_600_000;

export class OidcClient {
  private discovery?: { doc: Discovery; at: number };
  private keys?: { uri: string; get: JWTVerifyGetKey };

  constructor(
    private readonly config: OidcConfig,
    private readonly now: () => number,
  ) {}

  get name(): string {
    return this.config.name;
  }

  private async metadata(): Promise<Discovery> {
    if (this.discovery && this.now() - this.discovery.at < DISCOVERY_TTL_MS) return this.discovery.doc;
    const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: Discovery;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(String(res.status));
      doc = (await res.json()) as Discovery;
    } catch {
      throw new OidcError(`${this.name} could not be reached`);
    }
    if (doc.issuer !== this.config.issuer || !doc.authorization_endpoint || !doc.token_endpoint || !doc.jwks_uri) {
      throw new OidcError(`${this.name} published a discovery document for another issuer, or an incomplete one`);
    }
    this.discovery = { doc, at: this.now() };
    return doc;
  }

  async authorizationUrl(o: { state: string; nonce: string; verifier: string; redirectUri: string }): Promise<string> {
    const doc = await this.metadata();
    const url = new URL(doc.authorization_endpoint);
    const params = {
      response_type: 'code',
      client_id: this.config.clientId,
      redirect_uri: o.redirectUri,
      scope: this.config.scope,
      state: o.state,
      nonce: o.nonce,
      code_challenge: createHash('sha256').update(o.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.toString();
  }

  /** Exchanges the code and returns the value of the configured user claim of the verified id_token. */
  async userOf(o: { code: string; verifier: string; redirectUri: string; nonce: string }): Promise<string> {
    const doc = await this.metadata();
    const body = new URLSearchParams({ grant_type: 'authorization_code', code: o.code, redirect_uri: o.redirectUri, code_verifier: o.verifier, client_id: this.config.clientId });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (this.config.clientSecret !== undefined) {
      const enc = (s: string) => encodeURIComponent(s);
      headers.authorization = `Basic ${Buffer.from(`${enc(this.config.clientId)}:${enc(this.config.clientSecret)}`).toString('base64')}`;
    }
    let idToken: unknown;
    try {
      const res = await fetch(doc.token_endpoint, { method: 'POST', body, headers, signal: AbortSignal.timeout(TIMEOUT_MS) });
      if (!res.ok) throw new Error(String(res.status));
      idToken = ((await res.json()) as { id_token?: unknown }).id_token;
    } catch {
      throw new OidcError(`${this.name} did not complete the sign-in`);
    }
    if (typeof idToken !== 'string') throw new OidcError(`${this.name} did not say who you are (no id_token)`);
    if (this.keys?.uri !== doc.jwks_uri) this.keys = { uri: doc.jwks_uri, get: createRemoteJWKSet(new URL(doc.jwks_uri), { timeoutDuration: TIMEOUT_MS }) };
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(idToken, this.keys.get, { issuer: this.config.issuer, audience: this.config.clientId, currentDate: new Date(this.now()) }));
    } catch {
      throw new OidcError(`The sign-in from ${this.name} could not be verified`);
    }
    if (claims.nonce !== o.nonce) throw new OidcError(`The sign-in from ${this.name} could not be verified`);
    const value = claims[this.config.userClaim];
    if (typeof value !== 'string' || value === '') throw new OidcError(`${this.name} did not give the ${this.config.userClaim} claim`);
    return value;
  }
}
