/**
 * The authorization server's state in the store: pending authorization requests, codes, refresh
 * token families, revocations, client-assertion ids, EHR launch contexts and signing keys. Every
 * single-use step is one conditional UPDATE, so it holds across processes sharing a database.
 */
import type { ResourceStore, StoreTx } from '../../storage/index.ts';
import { accountsSqlFor, type AccountsSql, type CodeRow, type LaunchRow, type RefreshRow, type RequestRow, type SigningKeyRow } from '../../storage/accounts/index.ts';
import { num, optNum, optText, text, type Row } from './rows.ts';

export type { CodeRow, LaunchRow, RefreshRow, RequestRow, SigningKeyRow };

export interface PendingRequest extends RequestRow {
  status: 'pending' | 'authenticated' | 'done' | 'cancelled';
  userId?: string;
  failures: number;
  oidcNonce?: string;
  oidcVerifier?: string;
}

export interface IssuedCode extends CodeRow {
  used: boolean;
}

export interface IssuedRefresh extends RefreshRow {
  used: boolean;
  revoked: boolean;
}

/** What trying to use a single-use code or refresh token found. */
export type Redemption<T> = { ok: T } | { reused: true; revoked: RevokedAccess[] } | { unknown: true };

/** An access token revoked with its family: the token checks of this process forget it at once. */
export interface RevokedAccess {
  jti: string;
  expires: number;
}

const nul = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

function toRequest(r: Row): PendingRequest {
  return {
    id: text(r, 'id'),
    bindingHash: text(r, 'binding_hash'),
    clientId: text(r, 'client_id'),
    redirectUri: text(r, 'redirect_uri'),
    scope: text(r, 'scope'),
    state: text(r, 'state'),
    codeChallenge: text(r, 'code_challenge'),
    nonce: nul(optText(r, 'nonce')),
    launchId: nul(optText(r, 'launch_id')),
    patient: nul(optText(r, 'patient')),
    created: num(r, 'created'),
    expires: num(r, 'expires'),
    status: text(r, 'status') as PendingRequest['status'],
    userId: optText(r, 'user_id'),
    failures: num(r, 'failures'),
    oidcNonce: optText(r, 'oidc_nonce'),
    oidcVerifier: optText(r, 'oidc_verifier'),
  };
}

function toCode(r: Row): IssuedCode {
  return {
    codeHash: text(r, 'code_hash'),
    clientId: text(r, 'client_id'),
    redirectUri: text(r, 'redirect_uri'),
    codeChallenge: text(r, 'code_challenge'),
    userId: text(r, 'user_id'),
    scope: text(r, 'scope'),
    patient: nul(optText(r, 'patient')),
    nonce: nul(optText(r, 'nonce')),
    familyId: text(r, 'family_id'),
    created: num(r, 'created'),
    expires: num(r, 'expires'),
    used: r.used === true || r.used === 1,
  };
}

function toRefresh(r: Row): IssuedRefresh {
  return {
    tokenHash: text(r, 'token_hash'),
    familyId: text(r, 'family_id'),
    clientId: text(r, 'client_id'),
    userId: text(r, 'user_id'),
    scope: text(r, 'scope'),
    patient: nul(optText(r, 'patient')),
    accessJti: nul(optText(r, 'access_jti')),
    accessExpires: nul(optNum(r, 'access_expires')),
    created: num(r, 'created'),
    expires: num(r, 'expires'),
    used: r.used === true || r.used === 1,
    revoked: r.revoked === true || r.revoked === 1,
  };
}

export class Grants {
  readonly sql: AccountsSql;
  constructor(
    readonly store: ResourceStore,
    private readonly now: () => number = Date.now,
  ) {
    this.sql = accountsSqlFor(store.dialect);
  }

  private write(query: { text: string; params: unknown[] }): Promise<Row[]> {
    return this.store.transaction((tx) => tx.select(query));
  }

  // --- pending authorization requests
  async createRequest(r: RequestRow): Promise<void> {
    await this.write(this.sql.requests.insert(r));
  }
  async request(id: string): Promise<PendingRequest | undefined> {
    const [row] = await this.store.select(this.sql.requests.byId(id));
    return row && toRequest(row);
  }
  async requestByOidcState(stateHash: string): Promise<PendingRequest | undefined> {
    const [row] = await this.store.select(this.sql.requests.byOidcState(stateHash));
    return row && toRequest(row);
  }
  /** pending → authenticated; undefined when the request was used, cancelled or has expired. */
  async signedIn(id: string, userId: string): Promise<PendingRequest | undefined> {
    const [row] = await this.write(this.sql.requests.signedIn(id, userId, this.now()));
    return row && toRequest(row);
  }
  /** authenticated → done; undefined when it was already done. */
  async finished(id: string, patient: string | null): Promise<PendingRequest | undefined> {
    const [row] = await this.write(this.sql.requests.finished(id, patient, this.now()));
    return row && toRequest(row);
  }
  async requestFailed(id: string): Promise<number> {
    const [row] = await this.write(this.sql.requests.failed(id));
    return row ? num(row, 'failures') : Infinity;
  }
  async cancelRequest(id: string): Promise<void> {
    await this.write(this.sql.requests.cancel(id));
  }
  async oidcStarted(id: string, stateHash: string, nonce: string, verifier: string): Promise<boolean> {
    return (await this.write(this.sql.requests.oidcStarted(id, stateHash, nonce, verifier, this.now()))).length > 0;
  }

  // --- authorization codes
  async createCode(c: CodeRow): Promise<void> {
    await this.write(this.sql.grants.insertCode(c));
  }
  async code(codeHash: string): Promise<IssuedCode | undefined> {
    const [row] = await this.store.select(this.sql.grants.codeByHash(codeHash));
    return row && toCode(row);
  }
  /**
   * Redeems a code once, recording the access token issued for it. A second use revokes
   * everything issued from the code (its access token and refresh token family), per OAuth 2.0 §4.1.2.
   */
  async useCode(codeHash: string, accessJti: string, accessExpires: number): Promise<Redemption<IssuedCode>> {
    return this.store.transaction(async (tx) => {
      const [row] = await tx.select(this.sql.grants.useCode(codeHash, accessJti, accessExpires));
      if (row) return { ok: toCode(row) };
      const [old] = await tx.select(this.sql.grants.codeByHash(codeHash));
      if (!old) return { unknown: true };
      const revoked = await this.revokeFamilyIn(tx, text(old, 'family_id'));
      const first = optText(old, 'access_jti');
      const expires = optNum(old, 'access_expires') ?? 0;
      if (first && expires > this.now()) {
        await tx.select(this.sql.grants.revokeAccess(first, expires, this.now()));
        revoked.push({ jti: first, expires });
      }
      return { reused: true, revoked };
    });
  }

  // --- refresh tokens
  async createRefresh(r: RefreshRow): Promise<void> {
    await this.write(this.sql.grants.insertRefresh(r));
  }
  /** Redeems a refresh token once (rotation). Presenting a used one revokes its whole family. */
  async useRefresh(tokenHash: string): Promise<Redemption<IssuedRefresh>> {
    return this.store.transaction(async (tx) => {
      const [row] = await tx.select(this.sql.grants.useRefresh(tokenHash, this.now()));
      if (row) return { ok: toRefresh(row) };
      const [old] = await tx.select(this.sql.grants.refreshByHash(tokenHash));
      if (!old) return { unknown: true };
      const token = toRefresh(old);
      if (!token.used) return { unknown: true }; // expired or revoked: simply not valid
      return { reused: true, revoked: await this.revokeFamilyIn(tx, token.familyId) };
    });
  }
  async refresh(tokenHash: string): Promise<IssuedRefresh | undefined> {
    const [row] = await this.store.select(this.sql.grants.refreshByHash(tokenHash));
    return row && toRefresh(row);
  }
  /** Revokes every refresh token of a family and the access tokens issued with them; returns those. */
  async revokeFamily(familyId: string): Promise<RevokedAccess[]> {
    return this.store.transaction((tx) => this.revokeFamilyIn(tx, familyId));
  }
  private async revokeFamilyIn(tx: StoreTx, familyId: string): Promise<RevokedAccess[]> {
    const issued = await tx.select(this.sql.grants.revokeFamily(familyId));
    const now = this.now();
    const revoked: RevokedAccess[] = [];
    for (const r of issued) {
      const jti = optText(r, 'access_jti');
      const expires = optNum(r, 'access_expires') ?? now;
      if (jti && expires > now) {
        await tx.select(this.sql.grants.revokeAccess(jti, expires, now));
        revoked.push({ jti, expires });
      }
    }
    return revoked;
  }

  // --- revoked access tokens
  async revokeAccess(jti: string, expires: number): Promise<void> {
    await this.write(this.sql.grants.revokeAccess(jti, expires, this.now()));
  }
  async revokedSince(since: number): Promise<{ jti: string; expires: number; revokedAt: number }[]> {
    const rows = await this.store.select(this.sql.grants.revokedSince(since, this.now()));
    return rows.map((r) => ({ jti: text(r, 'jti'), expires: num(r, 'expires'), revokedAt: num(r, 'revoked_at') }));
  }
  async isRevoked(jti: string): Promise<boolean> {
    return (await this.store.select(this.sql.grants.isRevoked(jti))).length > 0;
  }

  // --- client assertions
  /** Records a client assertion's id; false when the client has used it before (a replay). */
  async recordAssertion(clientId: string, jti: string, expires: number): Promise<boolean> {
    return (await this.write(this.sql.grants.recordAssertion(clientId, jti, expires))).length > 0;
  }

  // --- EHR launch contexts
  async createLaunch(l: LaunchRow): Promise<void> {
    await this.write(this.sql.grants.insertLaunch(l));
  }
  async launch(id: string): Promise<LaunchRow | undefined> {
    const [r] = await this.store.select(this.sql.grants.launchById(id));
    if (!r) return undefined;
    return {
      id: text(r, 'id'),
      patient: text(r, 'patient'),
      encounter: nul(optText(r, 'encounter')),
      clientId: nul(optText(r, 'client_id')),
      userId: nul(optText(r, 'user_id')),
      created: num(r, 'created'),
      expires: num(r, 'expires'),
    };
  }

  // --- signing keys
  async currentKey(): Promise<SigningKeyRow | undefined> {
    const [r] = await this.store.select(this.sql.keys.current());
    return r && { kid: text(r, 'kid'), alg: text(r, 'alg'), privateJwk: text(r, 'private_jwk'), publicJwk: text(r, 'public_jwk'), created: num(r, 'created') };
  }
  /** Stores `key` as the current key unless another process stored one first; returns whether it did. */
  async insertCurrentKey(key: SigningKeyRow): Promise<boolean> {
    return (await this.write(this.sql.keys.insertCurrent(key))).length > 0;
  }
  async publicKeys(): Promise<{ kid: string; alg: string; publicJwk: string }[]> {
    return (await this.store.select(this.sql.keys.all())).map((r) => ({ kid: text(r, 'kid'), alg: text(r, 'alg'), publicJwk: text(r, 'public_jwk') }));
  }

  /** Deletes what has expired (requests, codes, assertion ids, revocations of expired tokens, refresh tokens, launches). */
  async cleanup(): Promise<void> {
    const now = this.now();
    const hourAgo = now - 3_600_000;
    await this.store.transaction(async (tx) => {
      await tx.select(this.sql.requests.deleteExpired(hourAgo));
      await tx.select(this.sql.grants.deleteExpiredCodes(hourAgo));
      await tx.select(this.sql.grants.deleteExpiredAssertions(now));
      await tx.select(this.sql.grants.deleteExpiredRevocations(now));
      await tx.select(this.sql.grants.deleteExpiredRefresh(now));
      await tx.select(this.sql.grants.deleteExpiredLaunches(now));
    });
  }
}
