/**
 * What the server issues: access tokens (JWTs signed with the server key) and OpenID Connect
 * id_tokens, and the SMART token response that carries them.
 *
 * Access token claims: iss and aud (the FHIR base URL), sub (the user's id, or the client's for a
 * backend service), sub_kind ('user' | 'client'), client_id, scope, iat, exp, jti, and patient
 * and fhirUser when there are.
 */
import type { JWTPayload } from 'jose';
import { randomToken, type Client, type User } from '../accounts/index.ts';
import type { SigningKeys } from './keys.ts';

export interface AccessClaims extends JWTPayload {
  iss: string;
  aud: string;
  sub: string;
  sub_kind: 'user' | 'client';
  client_id: string;
  scope: string;
  iat: number;
  exp: number;
  jti: string;
  patient?: string;
  fhirUser?: string;
}

export interface AccessGrant {
  client: Client;
  /** Absent for a backend service's own token. */
  user?: User;
  /** The granted scopes, space-separated. */
  scope: string;
  patient?: string;
  /** Seconds. */
  lifetime: number;
  fhirBase: string;
}

export interface IssuedAccess {
  token: string;
  jti: string;
  /** Epoch milliseconds. */
  expires: number;
  /** Seconds. */
  expiresIn: number;
}

export class TokenIssuer {
  constructor(
    private readonly keys: SigningKeys,
    private readonly now: () => number,
  ) {}

  /** A fresh token id, so that it can be recorded (with a code or refresh token) before the token is signed. */
  newJti(): string {
    return randomToken(18);
  }

  async access(g: AccessGrant, jti = this.newJti()): Promise<IssuedAccess> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + g.lifetime;
    const claims: AccessClaims = {
      iss: g.fhirBase,
      aud: g.fhirBase,
      sub: g.user?.id ?? g.client.id,
      sub_kind: g.user ? 'user' : 'client',
      client_id: g.client.id,
      scope: g.scope,
      iat,
      exp,
      jti,
      ...(g.patient ? { patient: g.patient } : {}),
      ...(g.user?.fhirUser ? { fhirUser: g.user.fhirUser } : {}),
    };
    return { token: await this.keys.sign(claims, 'at+jwt'), jti, expires: exp * 1000, expiresIn: g.lifetime };
  }

  /** An OpenID Connect id_token for the user, with fhirUser as an absolute URL (SMART §Scopes for requesting identity data). */
  async idToken(o: { user: User; client: Client; fhirBase: string; nonce?: string | null; lifetime: number }): Promise<string> {
    const iat = Math.floor(this.now() / 1000);
    return this.keys.sign({
      iss: o.fhirBase,
      sub: o.user.id,
      aud: o.client.id,
      iat,
      exp: iat + o.lifetime,
      ...(o.user.fhirUser ? { fhirUser: `${o.fhirBase}/${o.user.fhirUser}` } : {}),
      ...(o.nonce ? { nonce: o.nonce } : {}),
    });
  }
}

/** The SMART token response (App Launch §Obtain access token). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  patient?: string;
  refresh_token?: string;
  id_token?: string;
  need_patient_banner?: boolean;
}

export function tokenResponse(access: IssuedAccess, o: { scope: string; patient?: string | null; refreshToken?: string; idToken?: string }): TokenResponse {
  return {
    access_token: access.token,
    token_type: 'Bearer',
    expires_in: access.expiresIn,
    scope: o.scope,
    ...(o.patient ? { patient: o.patient, need_patient_banner: true } : {}),
    ...(o.refreshToken ? { refresh_token: o.refreshToken } : {}),
    ...(o.idToken ? { id_token: o.idToken } : {}),
  };
}
