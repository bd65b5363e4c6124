/**
 * Queries on `auth_signing_keys`: the server's token-signing keys. The key in use holds the slot
 * 'current'; the first process to insert it wins, and every other process reads it back, so all
 * the processes sharing a database sign with one key.
 */
import type { CompiledQuery } from '../types.ts';
import type { AccountsDialect } from './sql.ts';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  /** JWK JSON text. */
  privateJwk: string;
  publicJwk: string;
  created: number;
}

export function keysSql(d: AccountsDialect) {
  return {
    /** Inserts the current key unless another process did first (then no row comes back). */
    insertCurrent(k: SigningKeyRow): CompiledQuery {
      return d.q`INSERT INTO auth_signing_keys (kid, slot, alg, private_jwk, public_jwk, created)
                 VALUES (${k.kid}, 'current', ${k.alg}, ${k.privateJwk}, ${k.publicJwk}, ${k.created}) ON CONFLICT DO NOTHING RETURNING kid`;
    },
    current: () => d.q`SELECT kid, alg, private_jwk, public_jwk, created FROM auth_signing_keys WHERE slot = 'current'`,
    /** Public halves of every key, current and retired: what the JWKS endpoint publishes. */
    all: () => d.q`SELECT kid, alg, public_jwk, created FROM auth_signing_keys ORDER BY created DESC`,
  };
}
