/**
 * The server's signing key: an ES256 key pair made with jose on first start and stored, so that
 * every process sharing the database signs and verifies with the same key. Access tokens and
 * id_tokens are signed with it; /auth/jwks publishes its public half.
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { Grants } from '../accounts/index.ts';

const ALG = 'ES256';

export class SigningKeys {
  private privateKey!: CryptoKey;
  private kid!: string;
  /** Public keys by kid (current and retired). */
  private readonly publicKeys = new Map<string, CryptoKey>();
  private jwks: { keys: JWK[] } = { keys: [] };
  private lastReload = 0;

  private constructor(private readonly grants: Grants) {}

  /** Loads the current key, making and storing one when there is none yet. */
  static async load(grants: Grants): Promise<SigningKeys> {
    const keys = new SigningKeys(grants);
    let current = await grants.currentKey();
    if (!current) {
      const { privateKey, publicKey } = await generateKeyPair(ALG, { extractable: true });
      const publicJwk = await exportJWK(publicKey);
      const kid = await calculateJwkThumbprint(publicJwk);
      const privateJwk = await exportJWK(privateKey);
      await grants.insertCurrentKey({
        kid,
        alg: ALG,
        privateJwk: JSON.stringify({ ...privateJwk, kid, alg: ALG }),
        publicJwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }),
        created: Date.now(),
      });
      current = (await grants.currentKey())!; // ours, or another process's if it got there first
    }
    keys.kid = current.kid;
    keys.privateKey = (await importJWK(JSON.parse(current.privateJwk) as JWK, current.alg)) as CryptoKey;
    await keys.reload();
    return keys;
  }

  /** Re-reads the public keys (another process may have rotated); at most once a minute. */
  private async reload(): Promise<void> {
    this.lastReload = Date.now();
    const jwks: JWK[] = [];
    for (const k of await this.grants.publicKeys()) {
      const jwk = JSON.parse(k.publicJwk) as JWK;
      jwks.push(jwk);
      if (!this.publicKeys.has(k.kid)) this.publicKeys.set(k.kid, (await importJWK(jwk, k.alg)) as CryptoKey);
    }
    this.jwks = { keys: jwks };
  }

  /** The key to verify a token whose header names `kid`; undefined when no such key exists. */
  async publicKey(kid: string | undefined): Promise<CryptoKey | undefined> {
    if (kid === undefined) return undefined;
    if (!this.publicKeys.has(kid) && Date.now() - this.lastReload > 60_000) await this.reload();
    return this.publicKeys.get(kid);
  }

  get algorithm(): string {
    return ALG;
  }

  publicJwks(): { keys: JWK[] } {
    return this.jwks;
  }

  /** Signs `payload` (which carries its own iat and exp) as a JWT of `typ`. */
  sign(payload: JWTPayload, typ = 'JWT'): Promise<string> {
    return new SignJWT(payload).setProtectedHeader({ alg: ALG, kid: this.kid, typ }).sign(this.privateKey);
  }
}
