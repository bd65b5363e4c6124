/**
 * Queries on `auth_requests`: an authorization request waiting for its user to sign in (and,
 * for `launch/patient`, to pick a patient). Each step moves its status forward in one UPDATE
 * that checks the step before, so a request id can complete only once.
 */
import type { CompiledQuery } from '../types.ts';
import { SqlText, type AccountsDialect } from './sql.ts';

export interface RequestRow {
  id: string;
  bindingHash: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  state: string;
  codeChallenge: string;
  nonce: string | null;
  launchId: string | null;
  /** The patient in context known at authorization (EHR launch). */
  patient: string | null;
  created: number;
  expires: number;
}

const COLUMNS = new SqlText(
  'id, binding_hash, client_id, redirect_uri, scope, state, code_challenge, nonce, launch_id, status, user_id, patient, failures, oidc_state_hash, oidc_nonce, oidc_verifier, created, expires',
);

export function requestsSql(d: AccountsDialect) {
  return {
    insert(r: RequestRow): CompiledQuery {
      const values = [r.id, r.bindingHash, r.clientId, r.redirectUri, r.scope, r.state, r.codeChallenge, r.nonce, r.launchId, 'pending', null, r.patient, 0, null, null, null, r.created, r.expires];
      return d.q`INSERT INTO auth_requests (${COLUMNS}) VALUES (${values}) RETURNING id`;
    },
    byId: (id: string) => d.q`SELECT ${COLUMNS} FROM auth_requests WHERE id = ${id}`,
    byOidcState: (stateHash: string) => d.q`SELECT ${COLUMNS} FROM auth_requests WHERE oidc_state_hash = ${stateHash}`,
    /** pending → authenticated, once. */
    signedIn: (id: string, userId: string, now: number) =>
      d.q`UPDATE auth_requests SET status = 'authenticated', user_id = ${userId} WHERE id = ${id} AND status = 'pending' AND expires > ${now} RETURNING ${COLUMNS}`,
    /** authenticated → done with the patient in context, once. */
    finished: (id: string, patient: string | null, now: number) =>
      d.q`UPDATE auth_requests SET status = 'done', patient = ${patient} WHERE id = ${id} AND status = 'authenticated' AND expires > ${now} RETURNING ${COLUMNS}`,
    /** Counts a failed sign-in on this request; returns the count. */
    failed: (id: string) => d.q`UPDATE auth_requests SET failures = failures + 1 WHERE id = ${id} AND status = 'pending' RETURNING failures`,
    /** Ends a request early (too many failures, the user cancelled). */
    cancel: (id: string) => d.q`UPDATE auth_requests SET status = 'cancelled' WHERE id = ${id} RETURNING id`,
    /** Remembers the state, nonce and PKCE verifier of the redirect to an external OpenID provider. */
    oidcStarted: (id: string, stateHash: string, nonce: string, verifier: string, now: number) =>
      d.q`UPDATE auth_requests SET oidc_state_hash = ${stateHash}, oidc_nonce = ${nonce}, oidc_verifier = ${verifier}
          WHERE id = ${id} AND status = 'pending' AND expires > ${now} RETURNING id`,
    deleteExpired: (before: number) => d.q`DELETE FROM auth_requests WHERE expires < ${before} RETURNING id`,
  };
}
