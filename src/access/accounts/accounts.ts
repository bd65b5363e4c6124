/**
 * Users and clients in the store. Writes run in a store transaction (on SQLite, only the writer
 * connection writes); reads go to the store directly. Hashes never leave this folder except as
 * `UserWithSecret`/`ClientWithSecret` for the authorization server's checks.
 */
import type { ResourceStore } from '../../storage/index.ts';
import { accountsSqlFor, type AccountsSql } from '../../storage/accounts/index.ts';
import type { Role } from '../types.ts';
import { bool, iso, list, num, optText, text, type Row } from './rows.ts';
import { hashSecret, randomId, randomToken } from './secrets.ts';
import { AccountError, type Client, type ClientAuthMethod, type ClientWithSecret, type NewClient, type NewUser, type User, type UserWithSecret } from './types.ts';
import { checkClient, checkUser } from './validate.ts';

function toUser(r: Row): UserWithSecret {
  return {
    id: text(r, 'id'),
    username: text(r, 'username'),
    fhirUser: optText(r, 'fhir_user'),
    roles: list(r, 'roles') as Role[],
    organization: optText(r, 'organization'),
    clearance: list(r, 'clearance'),
    active: bool(r, 'active'),
    externalSubject: optText(r, 'external_subject'),
    created: iso(num(r, 'created')),
    passwordHash: optText(r, 'password_hash'),
    failedLogins: num(r, 'failed_logins'),
    lockedUntil: num(r, 'locked_until'),
  };
}

function toClient(r: Row): ClientWithSecret {
  const jwks = optText(r, 'jwks');
  return {
    id: text(r, 'id'),
    name: text(r, 'name'),
    authMethod: text(r, 'auth_method') as ClientAuthMethod,
    redirectUris: JSON.parse(text(r, 'redirect_uris')) as string[],
    jwks: jwks === undefined ? undefined : (JSON.parse(jwks) as Client['jwks']),
    jwksUrl: optText(r, 'jwks_url'),
    scope: text(r, 'scope'),
    purposeOfUse: text(r, 'purpose_of_use'),
    clearance: list(r, 'clearance'),
    roles: list(r, 'roles') as Role[],
    active: bool(r, 'active'),
    created: iso(num(r, 'created')),
    secretHash: optText(r, 'secret_hash'),
  };
}

/** A user as shown to administrators: no hash, no counters. */
export function publicUser(u: UserWithSecret | User): User {
  const { id, username, fhirUser, roles, organization, clearance, active, externalSubject, created } = u;
  return { id, username, fhirUser, roles, organization, clearance, active, externalSubject, created };
}

export function publicClient(c: ClientWithSecret | Client): Client {
  const { id, name, authMethod, redirectUris, jwks, jwksUrl, scope, purposeOfUse, clearance, roles, active, created } = c;
  return { id, name, authMethod, redirectUris, jwks, jwksUrl, scope, purposeOfUse, clearance, roles, active, created };
}

export class Accounts {
  readonly sql: AccountsSql;
  constructor(
    readonly store: ResourceStore,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = accountsSqlFor(store.dialect);
  }

  private async write(query: { text: string; params: unknown[] }): Promise<Row[]> {
    return this.store.transaction((tx) => tx.select(query));
  }

  async addUser(input: NewUser): Promise<User> {
    const u = checkUser(input);
    const user = {
      id: randomId(),
      username: u.username,
      passwordHash: u.password === undefined ? null : await hashSecret(u.password),
      fhirUser: u.fhirUser ?? null,
      roles: u.roles.join(','),
      organization: u.organization ?? null,
      clearance: (u.clearance ?? []).join(','),
      active: true,
      externalSubject: u.externalSubject ?? null,
      created: this.now(),
    };
    const rows = await this.write(this.sql.users.insert(user));
    if (rows.length === 0) {
      const taken = await this.userByName(u.username);
      throw new AccountError(taken ? `the username "${u.username}" is taken` : 'another user already has this external subject', 'conflict');
    }
    return publicUser((await this.userById(user.id))!);
  }

  async userByName(username: string): Promise<UserWithSecret | undefined> {
    const [row] = await this.store.select(this.sql.users.byName(username.trim().toLowerCase()));
    return row && toUser(row);
  }

  async userById(id: string): Promise<UserWithSecret | undefined> {
    const [row] = await this.store.select(this.sql.users.byId(id));
    return row && toUser(row);
  }

  async userBySubject(subject: string): Promise<UserWithSecret | undefined> {
    const [row] = await this.store.select(this.sql.users.bySubject(subject));
    return row && toUser(row);
  }

  async listUsers(): Promise<User[]> {
    return (await this.store.select(this.sql.users.list())).map((r) => publicUser(toUser(r)));
  }

  async usersChangedSince(since: number): Promise<UserWithSecret[]> {
    return (await this.store.select(this.sql.users.changedSince(since))).map(toUser);
  }

  /** Activates or deactivates a user; false when there is no such user. */
  async setUserActive(username: string, active: boolean): Promise<boolean> {
    return (await this.write(this.sql.users.setActive(username.trim().toLowerCase(), active, this.now()))).length > 0;
  }

  /** Counts a failed sign-in; returns until when the account is locked (0: not locked). */
  async loginFailed(id: string, maxFailures: number, lockMs: number): Promise<number> {
    const [row] = await this.write(this.sql.users.loginFailed(id, maxFailures, this.now() + lockMs));
    return row ? num(row, 'locked_until') : 0;
  }

  async loginSucceeded(user: UserWithSecret): Promise<void> {
    if (user.failedLogins > 0) await this.write(this.sql.users.loginSucceeded(user.id));
  }

  /** Registers a client; returns it with its secret when one was generated (shown once, stored only hashed). */
  async addClient(input: NewClient): Promise<{ client: Client; secret?: string }> {
    const c = checkClient(input);
    const secret = c.secret ?? (c.generateSecret ? randomToken() : undefined);
    const authMethod: ClientAuthMethod = c.jwks !== undefined || c.jwksUrl !== undefined ? 'private_key_jwt' : secret !== undefined ? 'client_secret_basic' : 'none';
    const row = {
      id: randomId(),
      name: c.name,
      authMethod,
      secretHash: secret === undefined ? null : await hashSecret(secret),
      redirectUris: JSON.stringify(c.redirectUris ?? []),
      jwks: c.jwks === undefined ? null : JSON.stringify(c.jwks),
      jwksUrl: c.jwksUrl ?? null,
      scope: c.scope,
      purposeOfUse: c.purposeOfUse ?? 'TREAT',
      clearance: (c.clearance ?? []).join(','),
      roles: (c.roles ?? []).join(','),
      active: true,
      created: this.now(),
    };
    await this.write(this.sql.clients.insert(row));
    const client = publicClient((await this.client(row.id))!);
    return c.generateSecret ? { client, secret } : { client };
  }

  async client(id: string): Promise<ClientWithSecret | undefined> {
    const [row] = await this.store.select(this.sql.clients.byId(id));
    return row && toClient(row);
  }

  async listClients(): Promise<Client[]> {
    return (await this.store.select(this.sql.clients.list())).map((r) => publicClient(toClient(r)));
  }

  async clientsChangedSince(since: number): Promise<ClientWithSecret[]> {
    return (await this.store.select(this.sql.clients.changedSince(since))).map(toClient);
  }

  async setClientActive(id: string, active: boolean): Promise<boolean> {
    return (await this.write(this.sql.clients.setActive(id, active, this.now()))).length > 0;
  }
}
