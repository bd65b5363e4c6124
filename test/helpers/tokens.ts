/** Access tokens for HTTP tests: a backend client (with a throwaway key) and a token minted for it. */
import { exportJWK, generateKeyPair } from 'jose';
import type { Meridian } from '../../src/app/app.ts';

export interface ClientOptions {
  /** The scopes the client may be granted (default: those of the token). */
  allowed?: string;
  purposeOfUse?: string;
  roles?: ('admin' | 'clinician' | 'patient')[];
  clearance?: string[];
}

/** Registers a backend-service client allowed `scope` and returns a token for it, as an Authorization header. */
export async function systemToken(meridian: Meridian, scope: string, opts: ClientOptions = {}): Promise<{ authorization: string; clientId: string }> {
  const { publicKey } = await generateKeyPair('ES384');
  const jwk = { ...(await exportJWK(publicKey)), alg: 'ES384', kid: 'test' };
  const { client } = await meridian.auth.accounts.addClient({ name: 'test backend', scope: opts.allowed ?? scope, jwks: { keys: [jwk] }, purposeOfUse: opts.purposeOfUse, roles: opts.roles, clearance: opts.clearance });
  const token = await meridian.auth.mint({ clientId: client.id, scope, fhirBase: 'http://test.local/fhir' });
  return { authorization: `Bearer ${token.accessToken}`, clientId: client.id };
}
