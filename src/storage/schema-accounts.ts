/**
 * Migration 2: accounts and the authorization server's state (access/accounts, access/auth):
 * users, clients, pending authorization requests, authorization codes, refresh tokens, revoked
 * access tokens, client-assertion ids seen, EHR launch contexts and the server's signing keys.
 * Secrets are never stored: passwords and client secrets as scrypt hashes, codes and tokens as SHA-256.
 */
import type { Migration, SchemaDialect } from './schema.ts';

export function accountsMigrations(d: SchemaDialect): Migration[] {
  return [
    {
      version: 2,
      description: 'accounts: users, clients, authorization codes, refresh tokens, revocations, launch contexts, signing keys',
      statements: [
        `CREATE TABLE auth_users (
          id TEXT PRIMARY KEY,
          username TEXT NOT NULL UNIQUE,
          password_hash TEXT,
          fhir_user TEXT,
          roles TEXT NOT NULL,
          organization TEXT,
          clearance TEXT NOT NULL,
          active ${d.bool} NOT NULL,
          external_subject TEXT UNIQUE,
          failed_logins INTEGER NOT NULL,
          locked_until ${d.bigint} NOT NULL,
          created ${d.bigint} NOT NULL,
          updated ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_users_updated ON auth_users (updated)`,
        `CREATE TABLE auth_clients (
          id TEXT PRIMARY KEY,
          name TEXT NOT NULL,
          auth_method TEXT NOT NULL,
          secret_hash TEXT,
          redirect_uris TEXT NOT NULL,
          jwks TEXT,
          jwks_url TEXT,
          scope TEXT NOT NULL,
          purpose_of_use TEXT NOT NULL,
          clearance TEXT NOT NULL,
          roles TEXT NOT NULL,
          active ${d.bool} NOT NULL,
          created ${d.bigint} NOT NULL,
          updated ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_clients_updated ON auth_clients (updated)`,
        `CREATE TABLE auth_requests (
          id TEXT PRIMARY KEY,
          binding_hash TEXT NOT NULL,
          client_id TEXT NOT NULL,
          redirect_uri TEXT NOT NULL,
          scope TEXT NOT NULL,
          state TEXT NOT NULL,
          code_challenge TEXT NOT NULL,
          nonce TEXT,
          launch_id TEXT,
          status TEXT NOT NULL,
          user_id TEXT,
          patient TEXT,
          failures INTEGER NOT NULL,
          oidc_state_hash TEXT UNIQUE,
          oidc_nonce TEXT,
          oidc_verifier TEXT,
          created ${d.bigint} NOT NULL,
          expires ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_requests_expires ON auth_requests (expires)`,
        `CREATE TABLE auth_codes (
          code_hash TEXT PRIMARY KEY,
          client_id TEXT NOT NULL,
          redirect_uri TEXT NOT NULL,
          code_challenge TEXT NOT NULL,
          user_id TEXT NOT NULL,
          scope TEXT NOT NULL,
          patient TEXT,
          nonce TEXT,
          used ${d.bool} NOT NULL,
          family_id TEXT NOT NULL,
          access_jti TEXT,
          access_expires ${d.bigint},
          created ${d.bigint} NOT NULL,
          expires ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_codes_expires ON auth_codes (expires)`,
        `CREATE TABLE auth_refresh_tokens (
          token_hash TEXT PRIMARY KEY,
          family_id TEXT NOT NULL,
          client_id TEXT NOT NULL,
          user_id TEXT NOT NULL,
          scope TEXT NOT NULL,
          patient TEXT,
          used ${d.bool} NOT NULL,
          revoked ${d.bool} NOT NULL,
          access_jti TEXT,
          access_expires ${d.bigint},
          created ${d.bigint} NOT NULL,
          expires ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_refresh_tokens_family ON auth_refresh_tokens (family_id)`,
        `CREATE INDEX auth_refresh_tokens_expires ON auth_refresh_tokens (expires)`,
        `CREATE TABLE auth_revoked_tokens (
          jti TEXT PRIMARY KEY,
          expires ${d.bigint} NOT NULL,
          revoked_at ${d.bigint} NOT NULL
        )`,
        `CREATE INDEX auth_revoked_tokens_at ON auth_revoked_tokens (revoked_at)`,
        `CREATE TABLE auth_assertions (
          client_id TEXT NOT NULL,
          jti TEXT NOT NULL,
          expires ${d.bigint} NOT NULL,
          PRIMARY KEY (client_id, jti)
        )`,
        `CREATE INDEX auth_assertions_expires ON auth_assertions (expires)`,
        `CREATE TABLE auth_launches (
          id TEXT PRIMARY KEY,
          patient TEXT NOT NULL,
          encounter TEXT,
          client_id TEXT,
          user_id TEXT,
          created ${d.bigint} NOT NULL,
          expires ${d.bigint} NOT NULL
        )`,
        `CREATE TABLE auth_signing_keys (
          kid TEXT PRIMARY KEY,
          slot TEXT UNIQUE,
          alg TEXT NOT NULL,
          private_jwk TEXT NOT NULL,
          public_jwk TEXT NOT NULL,
          created ${d.bigint} NOT NULL
        )`,
      ],
    },
  ];
}
