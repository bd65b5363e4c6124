/**
 * Signing in through an external OpenID Connect provider (the shape of NHS login and NHS CIS2),
 * against a fake provider on 127.0.0.1 with its own keys: discovery, PKCE, state and nonce, the
 * id_token checked against the provider's JWKS, and the user matched by their external subject.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { authorizeUrl, BASE, basic, Browser, forEachStore, hidden, pkce, REDIRECT, redirectParams } from './helpers.ts';

const CLIENT_ID = 'meridian-at-provider';
const CLIENT_SECRET = 'provider-issued-secret';

let provider: FastifyInstance;
let issuer: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
/** How the fake provider misbehaves in the current test. */
let mode: 'ok' | 'wrong-nonce' | 'wrong-key' | 'wrong-audience' = 'ok';
/** Who signs in at the provider next. */
let subject = 'nhs-login-123';
const codes = new Map<string, { nonce: string; challenge: string; redirectUri: string; sub: string }>();

before(async () => {
  const keys = await generateKeyPair('RS256');
  signingKey = keys.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'provider-key', alg: 'RS256' };
  provider = Fastify();
  provider.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => done(null, body));
  provider.get('/.well-known/openid-configuration', async () => ({
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
  }));
  provider.get('/jwks', async () => ({ keys: [jwk] }));
  provider.post('/token', async (req, reply) => {
    const form = new URLSearchParams(req.body as string);
    if (req.headers.authorization !== basic(CLIENT_ID, CLIENT_SECRET)) return reply.code(401).send({ error: 'invalid_client' });
    const issued = codes.get(form.get('code') ?? '');
    codes.delete(form.get('code') ?? '');
    if (!issued || issued.redirectUri !== form.get('redirect_uri')) return reply.code(400).send({ error: 'invalid_grant' });
    if (createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') !== issued.challenge) return reply.code(400).send({ error: 'invalid_grant' });
    const idToken = await new SignJWT({ nonce: mode === 'wrong-nonce' ? 'other' : issued.nonce, nhs_number: '9000000009' })
      .setProtectedHeader({ alg: 'RS256', kid: 'provider-key' })
      .setIssuer(issuer)
      .setAudience(mode === 'wrong-audience' ? 'someone-else' : CLIENT_ID)
      .setSubject(issued.sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(mode === 'wrong-key' ? strangerKey : signingKey);
    return { access_token: 'opaque', token_type: 'Bearer', id_token: idToken };
  });
  issuer = await provider.listen({ port: 0, host: '127.0.0.1' });
});
after(() => provider.close());

forEachStore(
  (_store, t) => {
    let app: string;

    before(async () => {
      const { accounts } = t().auth;
      await accounts.addUser({ username: 'linked', externalSubject: 'nhs-login-123', fhirUser: 'Patient/op1', roles: ['patient'] });
      await accounts.addUser({ username: 'dormant', externalSubject: 'nhs-login-999', fhirUser: 'Patient/op2', roles: ['patient'] });
      await accounts.setUserActive('dormant', false);
      app = (await accounts.addClient({ name: 'My Health', redirectUris: [REDIRECT], scope: 'openid fhirUser patient/*.rs' })).client.id;
    });

    /** Starts a SMART authorization, follows "sign in with", and plays the provider's part; returns the callback's answer. */
    async function viaProvider(challenge: string) {
      const browser = new Browser(t());
      const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'openid fhirUser patient/*.rs', state: 'st', aud: BASE, code_challenge: challenge, code_challenge_method: 'S256' }));
      assert.match(page.text, /sign in with Test Provider/);
      const start = await browser.get(`/auth/oidc/start?request=${encodeURIComponent(hidden(page.text, 'request'))}`);
      assert.equal(start.status, 303, start.text.slice(0, 500));
      const at = new URL(String(start.headers.location));
      assert.equal(at.origin + at.pathname, `${issuer}/authorize`);
      assert.equal(at.searchParams.get('client_id'), CLIENT_ID);
      assert.equal(at.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(at.searchParams.get('redirect_uri'), 'http://test.local/auth/oidc/callback');
      const code = `code-${Math.random()}`;
      codes.set(code, { nonce: at.searchParams.get('nonce')!, challenge: at.searchParams.get('code_challenge')!, redirectUri: at.searchParams.get('redirect_uri')!, sub: subject });
      const callback = await browser.get(`/auth/oidc/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(at.searchParams.get('state')!)}`);
      return { browser, callback, state: at.searchParams.get('state')!, code };
    }

    test('a user signs in with the provider, is matched by their subject, and the app gets its token', async () => {
      mode = 'ok';
      subject = 'nhs-login-123';
      const { verifier, challenge } = pkce();
      const { callback } = await viaProvider(challenge);
      assert.equal(callback.status, 303, callback.text.slice(0, 500));
      const params = redirectParams(callback);
      assert.equal(params.get('state'), 'st');
      const res = await t().request('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: params.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: app } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.patient, 'op1');
      const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`);
      assert.equal(access.userName, 'linked');
    });

    test('the provider callback cannot be replayed', async () => {
      mode = 'ok';
      subject = 'nhs-login-123';
      const { browser, callback, state } = await viaProvider(pkce().challenge);
      assert.equal(callback.status, 303);
      const again = await browser.get(`/auth/oidc/callback?code=whatever&state=${encodeURIComponent(state)}`);
      assert.equal(again.status, 400);
      assert.equal(again.headers.location, undefined);
    });

    test('a subject linked to no active Meridian user is told so on the sign-in page', async () => {
      mode = 'ok';
      for (const who of ['nhs-login-unknown', 'nhs-login-999']) {
        subject = who;
        const { callback } = await viaProvider(pkce().challenge);
        assert.equal(callback.status, 400);
        assert.equal(callback.headers.location, undefined);
        assert.match(callback.text, /not linked to an active Meridian user/);
      }
    });

    test('an id_token with the wrong nonce, audience or signature is not trusted', async () => {
      subject = 'nhs-login-123';
      for (const m of ['wrong-nonce', 'wrong-key', 'wrong-audience'] as const) {
        mode = m;
        const { callback } = await viaProvider(pkce().challenge);
        assert.equal(callback.status, 400, m);
        assert.equal(callback.headers.location, undefined, m);
        assert.match(callback.text, /could not be verified/, m);
      }
      mode = 'ok';
    });

    test('a callback with an unknown state, or from another browser, goes nowhere', async () => {
      mode = 'ok';
      const unknown = await new Browser(t()).get('/auth/oidc/callback?code=x&state=unknown');
      assert.equal(unknown.status, 400);
      const browser = new Browser(t());
      const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'patient/*.rs', state: 'st', aud: BASE, code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
      const start = await browser.get(`/auth/oidc/start?request=${encodeURIComponent(hidden(page.text, 'request'))}`);
      const state = new URL(String(start.headers.location)).searchParams.get('state')!;
      const stranger = await new Browser(t()).get(`/auth/oidc/callback?code=x&state=${encodeURIComponent(state)}`);
      assert.equal(stranger.status, 400);
      assert.match(stranger.text, /not opened from this browser/);
    });
  },
  () => ({ oidc: { issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, userClaim: 'sub', name: 'Test Provider', scope: 'openid' } }),
);
