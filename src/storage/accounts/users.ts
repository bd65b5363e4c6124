/** Queries on `auth_users`: the people who sign in. */
import type { CompiledQuery } from '../types.ts';
import { SqlText, type AccountsDialect } from './sql.ts';

export interface UserRow {
  id: string;
  username: string;
  passwordHash: string | null;
  fhirUser: string | null;
  /** Comma-separated. */
  roles: string;
  organization: string | null;
  /** Comma-separated. */
  clearance: string;
  active: boolean;
  externalSubject: string | null;
  created: number;
}

const COLUMNS = new SqlText('id, username, password_hash, fhir_user, roles, organization, clearance, active, external_subject, failed_logins, locked_until, created, updated');

export function usersSql(d: AccountsDialect) {
  return {
    /** Inserts a user; no row back when the username or the external subject is taken. */
    insert(u: UserRow): CompiledQuery {
      const values = [u.id, u.username, u.passwordHash, u.fhirUser, u.roles, u.organization, u.clearance, u.active, u.externalSubject, 0, 0, u.created, u.created];
      return d.q`INSERT INTO auth_users (${COLUMNS}) VALUES (${values}) ON CONFLICT DO NOTHING RETURNING id`;
    },
    byName: (username: string) => d.q`SELECT ${COLUMNS} FROM auth_users WHERE username = ${username}`,
    byId: (id: string) => d.q`SELECT ${COLUMNS} FROM auth_users WHERE id = ${id}`,
    bySubject: (subject: string) => d.q`SELECT ${COLUMNS} FROM auth_users WHERE external_subject = ${subject}`,
    list: () => d.q`SELECT ${COLUMNS} FROM auth_users ORDER BY username`,
    /** Users changed at or after `since` (activated, deactivated, roles changed): for token caches. */
    changedSince: (since: number) => d.q`SELECT ${COLUMNS} FROM auth_users WHERE updated >= ${since}`,
    setActive: (username: string, active: boolean, now: number) =>
      d.q`UPDATE auth_users SET active = ${active}, updated = ${now} WHERE username = ${username} RETURNING id`,
    /** Counts a failed sign-in; from the `max`th in a row the account is locked until `lockUntil`. */
    loginFailed: (id: string, max: number, lockUntil: number) =>
      d.q`UPDATE auth_users SET failed_logins = failed_logins + 1,
          locked_until = CASE WHEN failed_logins + 1 >= ${max} THEN ${lockUntil} ELSE locked_until END
          WHERE id = ${id} RETURNING failed_logins, locked_until`,
    loginSucceeded: (id: string) => d.q`UPDATE auth_users SET failed_logins = 0, locked_until = 0 WHERE id = ${id} AND failed_logins > 0 RETURNING id`,
  };
}
