/** The accounts tables' SQL for one store dialect (see access/accounts, which runs it). */
import { accountsDialect } from './sql.ts';
import { usersSql } from './users.ts';
import { clientsSql } from './clients.ts';
import { requestsSql } from './requests.ts';
import { grantsSql } from './grants.ts';
import { keysSql } from './keys.ts';

export type { UserRow } from './users.ts';
export type { ClientRow } from './clients.ts';
export type { RequestRow } from './requests.ts';
export type { CodeRow, RefreshRow, LaunchRow } from './grants.ts';
export type { SigningKeyRow } from './keys.ts';

export function accountsSqlFor(dialect: 'sqlite' | 'postgres') {
  const d = accountsDialect(dialect);
  return { users: usersSql(d), clients: clientsSql(d), requests: requestsSql(d), grants: grantsSql(d), keys: keysSql(d) };
}

export type AccountsSql = ReturnType<typeof accountsSqlFor>;
