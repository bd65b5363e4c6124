/** Queries on `auth_clients`: the applications that ask for tokens. */
import type { CompiledQuery } from '../types.ts';
import { SqlText, type AccountsDialect } from './sql.ts';

export interface ClientRow {
  id: string;
  name: string;
  /** 'none' (public), 'client_secret_basic' or 'private_key_jwt'. */
  authMethod: string;
  secretHash: string | null;
  /** JSON array of exact redirect URIs. */
  redirectUris: string;
  /** JSON text of a JWK Set. */
  jwks: string | null;
  jwksUrl: string | null;
  scope: string;
  purposeOfUse: string;
  /** Comma-separated. */
  clearance: string;
  /** Comma-separated. */
  roles: string;
  active: boolean;
  created: number;
}

const COLUMNS = new SqlText('id, name, auth_method, secret_hash, redirect_uris, jwks, jwks_url, scope, purpose_of_use, clearance, roles, active, created, updated');

export function clientsSql(d: AccountsDialect) {
  return {
    insert(c: ClientRow): CompiledQuery {
      const values = [c.id, c.name, c.authMethod, c.secretHash, c.redirectUris, c.jwks, c.jwksUrl, c.scope, c.purposeOfUse, c.clearance, c.roles, c.active, c.created, c.created];
      return d.q`INSERT INTO auth_clients (${COLUMNS}) VALUES (${values}) ON CONFLICT DO NOTHING RETURNING id`;
    },
    byId: (id: string) => d.q`SELECT ${COLUMNS} FROM auth_clients WHERE id = ${id}`,
    list: () => d.q`SELECT ${COLUMNS} FROM auth_clients ORDER BY name, id`,
    changedSince: (since: number) => d.q`SELECT ${COLUMNS} FROM auth_clients WHERE updated >= ${since}`,
    setActive: (id: string, active: boolean, now: number) => d.q`UPDATE auth_clients SET active = ${active}, updated = ${now} WHERE id = ${id} RETURNING id`,
  };
}
