/**
 * Users and clients as the token checks need them, cached by id. The cache is kept current by the
 * verifier's poll of what changed in the store (so a deactivation made by another process or by
 * `meridian user deactivate` takes effect within seconds), and at once for changes made here.
 */
import type { Accounts, ClientWithSecret, UserWithSecret } from '../accounts/index.ts';

export class Principals {
  private readonly users = new Map<string, UserWithSecret>();
  private readonly clients = new Map<string, ClientWithSecret>();

  constructor(private readonly accounts: Accounts) {}

  async user(id: string): Promise<UserWithSecret | undefined> {
    const cached = this.users.get(id);
    if (cached) return cached;
    const user = await this.accounts.userById(id);
    if (user) this.remember(this.users, id, user);
    return user;
  }

  async client(id: string): Promise<ClientWithSecret | undefined> {
    const cached = this.clients.get(id);
    if (cached) return cached;
    const client = await this.accounts.client(id);
    if (client) this.remember(this.clients, id, client);
    return client;
  }

  private remember<T>(map: Map<string, T>, id: string, value: T): void {
    if (map.size >= 10_000) map.delete(map.keys().next().value as string);
    map.set(id, value);
  }

  /** Takes in users and clients changed since `since`; returns them so their tokens can be re-checked. */
  async changedSince(since: number): Promise<{ users: UserWithSecret[]; clients: ClientWithSecret[] }> {
    const [users, clients] = await Promise.all([this.accounts.usersChangedSince(since), this.accounts.clientsChangedSince(since)]);
    for (const u of users) if (this.users.has(u.id)) this.users.set(u.id, u);
    for (const c of clients) if (this.clients.has(c.id)) this.clients.set(c.id, c);
    return { users, clients };
  }

  forgetUser(id: string): void {
    this.users.delete(id);
  }

  forgetClient(id: string): void {
    this.clients.delete(id);
  }
}
