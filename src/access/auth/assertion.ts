/**
 * Client authentication with a signed JWT (private_key_jwt, RFC 7523; SMART Backend Services):
 * RS384 or ES384, iss = sub = client_id, aud = the token endpoint URL, exp no more than five
 * minutes ahead, a jti never used before by that client. The keys come from the client's JWK Set,
 * registered by value or fetched from its URL (cached for five minutes; refetched for an unknown kid).
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { ClientWithSecret, Grants } from '../accounts/index.ts';
import { OAuthError } from './oauth-error.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'];
const MAX_LIFETIME_S = 300;
const CLOCK_SKEW_S = 30;

const invalid = (why: string) => new OAuthError('invalid_client', why);

export class AssertionVerifier {
  private readonly remote = new Map<string, { url: string; keys: JWTVerifyGetKey }>();

  constructor(
    private readonly grants: Grants,
    private readonly now: () => number,
  ) {}

  /** The client id an assertion claims to come from (its `iss`), before anything is verified. */
  static issuerOf(assertion: string): string {
    let iss: unknown;
    try {
      iss = decodeJwt(assertion).iss;
    } catch {
      throw invalid('The client_assertion is not a JWT');
    }
    if (typeof iss !== 'string' || iss === '') throw invalid('The client_assertion has no iss (it must be the client_id)');
    return iss;
  }

  private keysOf(client: ClientWithSecret): JWTVerifyGetKey {
    if (client.jwks) return createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0]);
    const url = client.jwksUrl!;
    let entry = this.remote.get(client.id);
    if (!entry || entry.url !== url) {
      entry = { url, keys: createRemoteJWKSet(new URL(url), { cacheMaxAge: 5 * 60_000, cooldownDuration: 30_000, timeoutDuration: 5_000 }) };
      this.remote.set(client.id, entry);
    }
    return entry.keys;
  }

  async verify(assertion: string, client: ClientWithSecret, tokenUrl: string): Promise<void> {
    if (client.authMethod !== 'private_key_jwt') throw invalid('This client is not registered to authenticate with a signed JWT (it has no JWKS)');
    let payload;
    try {
      ({ payload } = await jwtVerify(assertion, this.keysOf(client), {
        algorithms: ASSERTION_ALGORITHMS,
        issuer: client.id,
        subject: client.id,
        audience: tokenUrl,
        requiredClaims: ['exp', 'jti'],
        clockTolerance: CLOCK_SKEW_S,
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      throw invalid(reasonOf(err, tokenUrl));
    }
    const nowS = this.now() / 1000;
    if (payload.exp! > nowS + MAX_LIFETIME_S + CLOCK_SKEW_S) throw invalid('The client_assertion expires more than five minutes from now');
    if (typeof payload.jti !== 'string' || payload.jti === '') throw invalid('The client_assertion has no jti');
    if (!(await this.grants.recordAssertion(client.id, payload.jti, payload.exp! * 1000 + CLOCK_SKEW_S * 1000))) {
      throw invalid('The client_assertion has been used before (its jti is not new): sign a new one for each request');
    }
  }
}

function reasonOf(err: unknown, tokenUrl: string): string {
  if (err instanceof errors.JWTExpired) return 'The client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `The client_assertion's aud must be the token endpoint, ${tokenUrl}`;
    if (err.claim === 'iss' || err.claim === 'sub') return "The client_assertion's iss and sub must both be the client_id";
    return `The client_assertion's ${err.claim} claim is not valid`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `The client_assertion must be signed with ${ASSERTION_ALGORITHMS.join(' or ')}`;
  if (err instanceof errors.JWKSNoMatchingKey) return "No key in the client's JWKS matches the client_assertion (check its kid and alg)";
  if (err instanceof errors.JWKSMultipleMatchingKeys) return "Several keys in the client's JWKS match the client_assertion: give it a kid";
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The client_assertion's signature does not verify with the client's keys";
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return "The client's JWKS URL could not be read";
  if (err instanceof errors.JOSEError) return `The client_assertion is not valid (${err.code})`;
  return "The client's JWKS URL could not be read";
}
