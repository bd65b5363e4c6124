/**
 * Checks access tokens on every request, fast: a token verified once is remembered by its text
 * (in a bounded map) until it expires, so the common case is one map lookup. Revocations made
 * in this process take effect at once; those made by other processes sharing the database (and
 * deactivated users and clients) within one poll of the store, every `pollMs` (2 s by default).
 */
import { errors, jwtVerify, type JWTHeaderParameters } from 'jose';
import { FhirError } from '../../fhir/errors.ts';
import type { Grants } from '../accounts/index.ts';
import { parseScopes } from '../scopes.ts';
import type { AccessContext, Role } from '../types.ts';
import type { SigningKeys } from './keys.ts';
import type { Principals } from './principals.ts';
import type { AccessClaims } from './tokens.ts';

interface Entry {
  context: AccessContext;
  /** Epoch milliseconds. */
  expires: number;
  jti: string;
  clientId: string;
  userId?: string;
}

const MAX_CACHED = 10_000;
/** Polls look back this far beyond the previous one: clocks of processes sharing a database differ a little. */
const OVERLAP_MS = 5_000;
const CLEANUP_EVERY_MS = 10 * 60_000;

export interface VerifierOptions {
  keys: SigningKeys;
  grants: Grants;
  principals: Principals;
  /** When set, tokens must have been issued for this FHIR base URL. */
  fhirBase?: string;
  now: () => number;
  pollMs: number;
  onError: (err: unknown) => void;
}

const unauthorized = (why: string) => new FhirError('unauthorized', why);

export class TokenVerifier {
  private readonly cache = new Map<string, Entry>();
  /** Revoked token ids → their expiry (ms); entries go once the token would have expired anyway. */
  private readonly revoked = new Map<string, number>();
  private lastPoll = 0;
  private lastCleanup = 0;
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;

  constructor(private readonly o: VerifierOptions) {}

  /** Loads the revocations in force and starts polling for new ones. */
  async start(): Promise<void> {
    const started = this.o.now();
    for (const r of await this.o.grants.revokedSince(0)) this.revoked.set(r.jti, r.expires);
    this.lastPoll = started;
    this.lastCleanup = started;
    this.timer = setInterval(() => void this.poll(), this.o.pollMs);
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** One poll of the store for revocations and changed users and clients (also run by tests). */
  poll(): Promise<void> {
    this.polling ??= this.pollOnce()
      .catch(this.o.onError)
      .finally(() => (this.polling = undefined));
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    const started = this.o.now();
    const since = this.lastPoll - OVERLAP_MS;
    for (const r of await this.o.grants.revokedSince(since)) this.revokeLocally(r.jti, r.expires);
    const changed = await this.o.principals.changedSince(since);
    const users = new Set(changed.users.map((u) => u.id));
    const clients = new Set(changed.clients.map((c) => c.id));
    if (users.size || clients.size) {
      for (const [text, e] of this.cache) if (clients.has(e.clientId) || (e.userId && users.has(e.userId))) this.cache.delete(text);
    }
    this.lastPoll = started;
    for (const [jti, expires] of this.revoked) if (expires < started) this.revoked.delete(jti);
    if (started - this.lastCleanup > CLEANUP_EVERY_MS) {
      this.lastCleanup = started;
      await this.o.grants.cleanup();
    }
  }

  /** Forgets a token in this process at once (the store records it for the others). Cached by Authorization header text. */
  revokeLocally(jti: string, expires: number): void {
    this.revoked.set(jti, expires);
    for (const [text, e] of this.cache) if (e.jti === jti) this.cache.delete(text);
  }

  /** Drops cached tokens of a user or client whose account changed here. */
  forget(who: { userId?: string; clientId?: string }): void {
    for (const [text, e] of this.cache) if ((who.clientId && e.clientId === who.clientId) || (who.userId && e.userId === who.userId)) this.cache.delete(text);
  }

  async authenticate(authorization: string | undefined, address?: string): Promise<AccessContext> {
    // the hot path: the header as it came, already verified (one map lookup)
    const hit = authorization === undefined ? undefined : this.cache.get(authorization);
    if (hit !== undefined && hit.expires > this.o.now()) return address === undefined ? hit.context : Object.assign({}, hit.context, { address });
    if (authorization === undefined || authorization === '') {
      throw unauthorized('This server needs an access token: send Authorization: Bearer <token> (see /fhir/.well-known/smart-configuration for how to get one)');
    }
    if (hit !== undefined) {
      this.cache.delete(authorization);
      throw unauthorized('The access token has expired: get a new one');
    }
    const m = /^bearer +(\S+)\s*$/i.exec(authorization);
    if (!m) throw unauthorized('The Authorization header must be "Bearer" followed by an access token');
    const { claims: _claims, ...entry } = await this.check(m[1]);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(authorization, entry);
    return address === undefined ? entry.context : Object.assign({}, entry.context, { address });
  }

  /** Verifies a token without the cache (introspection); throws FhirError 'unauthorized' saying why it is not valid. */
  async verify(token: string): Promise<{ claims: AccessClaims; context: AccessContext }> {
    const entry = await this.check(token);
    return { claims: entry.claims, context: entry.context };
  }

  private async claims(token: string): Promise<AccessClaims> {
    try {
      const { payload } = await jwtVerify<AccessClaims>(token, (h: JWTHeaderParameters) => this.key(h), {
        algorithms: [this.o.keys.algorithm],
        typ: 'at+jwt',
        currentDate: new Date(this.o.now()),
        requiredClaims: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti'],
        ...(this.o.fhirBase ? { issuer: this.o.fhirBase, audience: this.o.fhirBase } : {}),
      });
      return payload;
    } catch (err) {
      throw unauthorized(reasonOf(err));
    }
  }

  private async key(h: JWTHeaderParameters) {
    const key = await this.o.keys.publicKey(h.kid);
    if (!key) throw new errors.JWSSignatureVerificationFailed('unknown key');
    return key;
  }

  private async check(token: string): Promise<Entry & { claims: AccessClaims }> {
    const c = await this.claims(token);
    if (typeof c.client_id !== 'string' || typeof c.scope !== 'string' || (c.sub_kind !== 'user' && c.sub_kind !== 'client')) {
      throw unauthorized('The access token lacks the claims this server puts in its tokens');
    }
    if (this.revoked.has(c.jti)) throw unauthorized('The access token has been revoked');
    const client = await this.o.principals.client(c.client_id);
    if (!client?.active) throw unauthorized('The client this access token was issued to is no longer active');
    const base = {
      mode: 'token' as const,
      clientId: client.id,
      clientName: client.name,
      scopes: parseScopes(c.scope).resources,
      purposeOfUse: client.purposeOfUse,
      tokenId: c.jti,
      ...(c.patient ? { patient: c.patient } : {}),
    };
    let context: AccessContext;
    let userId: string | undefined;
    if (c.sub_kind === 'user') {
      const user = await this.o.principals.user(c.sub);
      if (!user?.active) throw unauthorized('The user this access token was issued to is no longer active');
      userId = user.id;
      context = {
        ...base,
        userName: user.username,
        ...(c.fhirUser ? { fhirUser: c.fhirUser } : {}),
        ...(user.organization ? { organization: user.organization } : {}),
        roles: new Set<Role>(user.roles),
        clearance: new Set(user.clearance),
      };
    } else {
      context = { ...base, roles: new Set<Role>(client.roles), clearance: new Set(client.clearance) };
    }
    return { context, expires: c.exp * 1000, jti: c.jti, clientId: client.id, userId, claims: c };
  }
}

function reasonOf(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'The access token has expired: get a new one';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss' || err.claim === 'aud') return 'The access token was issued for another server';
    return `The access token's ${err.claim} claim is not valid`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return "The access token's signature does not verify with this server's keys";
  if (err instanceof errors.JOSEAlgNotAllowed) return 'The access token is signed with an algorithm this server does not use';
  return 'The access token is not a valid JWT issued by this server';
}
