/** Users (people who sign in) and clients (applications), as the rest of Meridian sees them: never with their hashes. */
import type { Role } from '../types.ts';

export const ROLES: readonly Role[] = ['admin', 'clinician', 'patient'];

/** How a client proves who it is at the token endpoint. */
export type ClientAuthMethod =
  /** A public client (a browser or mobile app): no secret; PKCE binds its code. */
  | 'none'
  /** A confidential client with a shared secret, sent with HTTP Basic. */
  | 'client_secret_basic'
  /** A client signing a JWT assertion with its own key (SMART Backend Services, confidential asymmetric apps). */
  | 'private_key_jwt';

export interface User {
  id: string;
  username: string;
  /** 'Practitioner/1', 'PractitionerRole/2' or 'Patient/3'. */
  fhirUser?: string;
  roles: Role[];
  organization?: string;
  clearance: string[];
  active: boolean;
  /** The subject (or the configured claim) by which an external OpenID provider names this user. */
  externalSubject?: string;
  created: string;
}

export interface Client {
  id: string;
  name: string;
  authMethod: ClientAuthMethod;
  redirectUris: string[];
  /** A JWK Set given by value (private_key_jwt). */
  jwks?: { keys: Record<string, unknown>[] };
  /** Where to fetch the client's JWK Set (private_key_jwt). */
  jwksUrl?: string;
  /** The scopes the client may be granted, space-separated. */
  scope: string;
  /** v3 ActReason: TREAT (direct care, default), HRESCH, HOPERAT, PUBHLTH … */
  purposeOfUse: string;
  clearance: string[];
  roles: Role[];
  active: boolean;
  created: string;
}

export interface NewUser {
  username: string;
  /** Absent for users who sign in only through an external OpenID provider. */
  password?: string;
  fhirUser?: string;
  roles: Role[];
  organization?: string;
  clearance?: string[];
  externalSubject?: string;
}

export interface NewClient {
  name: string;
  redirectUris?: string[];
  /** A confidential client's secret (client_secret_basic); generated when `generateSecret` is set. */
  secret?: string;
  generateSecret?: boolean;
  jwks?: unknown;
  jwksUrl?: string;
  scope: string;
  purposeOfUse?: string;
  clearance?: string[];
  roles?: Role[];
}

/** A user with what sign-in needs; stays inside access/. */
export interface UserWithSecret extends User {
  passwordHash?: string;
  failedLogins: number;
  lockedUntil: number;
}

export interface ClientWithSecret extends Client {
  secretHash?: string;
}

/** A mistake in what was asked for (a taken username, a bad redirect URI): the message says what. */
export class AccountError extends Error {
  constructor(
    message: string,
    readonly kind: 'invalid' | 'conflict' | 'not-found' = 'invalid',
  ) {
    super(message);
    this.name = 'AccountError';
  }
}
