/**
 * Queries on what the authorization server hands out: authorization codes, refresh tokens (a
 * family per authorization; rotation marks each used), revoked access-token ids, client-assertion
 * ids already seen (replay), and EHR launch contexts. Codes and tokens are stored as SHA-256 hashes.
 */
import type { CompiledQuery } from '../types.ts';
import { SqlText, type AccountsDialect } from './sql.ts';

export interface CodeRow {
  codeHash: string;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  userId: string;
  scope: string;
  patient: string | null;
  nonce: string | null;
  familyId: string;
  created: number;
  expires: number;
}

export interface RefreshRow {
  tokenHash: string;
  familyId: string;
  clientId: string;
  userId: string;
  scope: string;
  patient: string | null;
  accessJti: string | null;
  accessExpires: number | null;
  created: number;
  expires: number;
}

export interface LaunchRow {
  id: string;
  patient: string;
  encounter: string | null;
  clientId: string | null;
  userId: string | null;
  created: number;
  expires: number;
}

const CODE = new SqlText('code_hash, client_id, redirect_uri, code_challenge, user_id, scope, patient, nonce, used, family_id, access_jti, access_expires, created, expires');
const REFRESH = new SqlText('token_hash, family_id, client_id, user_id, scope, patient, used, revoked, access_jti, access_expires, created, expires');
const LAUNCH = new SqlText('id, patient, encounter, client_id, user_id, created, expires');

export function grantsSql(d: AccountsDialect) {
  return {
    insertCode(c: CodeRow): CompiledQuery {
      const values = [c.codeHash, c.clientId, c.redirectUri, c.codeChallenge, c.userId, c.scope, c.patient, c.nonce, false, c.familyId, null, null, c.created, c.expires];
      return d.q`INSERT INTO auth_codes (${CODE}) VALUES (${values}) RETURNING code_hash`;
    },
    /** Marks an unused code used, recording the access token issued for it; no row when it was used before or is unknown. */
    useCode: (codeHash: string, accessJti: string, accessExpires: number) =>
      d.q`UPDATE auth_codes SET used = ${true}, access_jti = ${accessJti}, access_expires = ${accessExpires}
          WHERE code_hash = ${codeHash} AND used = ${false} RETURNING ${CODE}`,
    codeByHash: (codeHash: string) => d.q`SELECT ${CODE} FROM auth_codes WHERE code_hash = ${codeHash}`,
    deleteExpiredCodes: (before: number) => d.q`DELETE FROM auth_codes WHERE expires < ${before} RETURNING code_hash`,

    insertRefresh(r: RefreshRow): CompiledQuery {
      const values = [r.tokenHash, r.familyId, r.clientId, r.userId, r.scope, r.patient, false, false, r.accessJti, r.accessExpires, r.created, r.expires];
      return d.q`INSERT INTO auth_refresh_tokens (${REFRESH}) VALUES (${values}) RETURNING token_hash`;
    },
    /** Marks a live refresh token used (rotation); no row when it was used, revoked, expired or is unknown. */
    useRefresh: (tokenHash: string, now: number) =>
      d.q`UPDATE auth_refresh_tokens SET used = ${true}
          WHERE token_hash = ${tokenHash} AND used = ${false} AND revoked = ${false} AND expires > ${now} RETURNING ${REFRESH}`,
    refreshByHash: (tokenHash: string) => d.q`SELECT ${REFRESH} FROM auth_refresh_tokens WHERE token_hash = ${tokenHash}`,
    /** Revokes every refresh token of a family; returns the access tokens issued with them. */
    revokeFamily: (familyId: string) =>
      d.q`UPDATE auth_refresh_tokens SET revoked = ${true} WHERE family_id = ${familyId} RETURNING access_jti, access_expires`,
    deleteExpiredRefresh: (before: number) => d.q`DELETE FROM auth_refresh_tokens WHERE expires < ${before} RETURNING token_hash`,

    revokeAccess: (jti: string, expires: number, now: number) =>
      d.q`INSERT INTO auth_revoked_tokens (jti, expires, revoked_at) VALUES (${jti}, ${expires}, ${now}) ON CONFLICT DO NOTHING RETURNING jti`,
    /** Revocations recorded at or after `since` of tokens that have not yet expired. */
    revokedSince: (since: number, now: number) =>
      d.q`SELECT jti, expires, revoked_at FROM auth_revoked_tokens WHERE revoked_at >= ${since} AND expires > ${now}`,
    isRevoked: (jti: string) => d.q`SELECT jti FROM auth_revoked_tokens WHERE jti = ${jti}`,
    deleteExpiredRevocations: (before: number) => d.q`DELETE FROM auth_revoked_tokens WHERE expires < ${before} RETURNING jti`,

    /** Records a client assertion's jti; no row back when the client used it before (a replay). */
    recordAssertion: (clientId: string, jti: string, expires: number) =>
      d.q`INSERT INTO auth_assertions (client_id, jti, expires) VALUES (${clientId}, ${jti}, ${expires}) ON CONFLICT DO NOTHING RETURNING jti`,
    deleteExpiredAssertions: (before: number) => d.q`DELETE FROM auth_assertions WHERE expires < ${before} RETURNING jti`,

    insertLaunch(l: LaunchRow): CompiledQuery {
      return d.q`INSERT INTO auth_launches (${LAUNCH}) VALUES (${[l.id, l.patient, l.encounter, l.clientId, l.userId, l.created, l.expires]}) RETURNING id`;
    },
    launchById: (id: string) => d.q`SELECT ${LAUNCH} FROM auth_launches WHERE id = ${id}`,
    deleteExpiredLaunches: (before: number) => d.q`DELETE FROM auth_launches WHERE expires < ${before} RETURNING id`,
  };
}
