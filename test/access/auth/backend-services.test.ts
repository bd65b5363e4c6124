/**
 * SMART Backend Services: client_credentials with a signed JWT assertion (RS384 or ES384, the
 * client's keys registered by value or published at a URL), and each way an assertion is refused.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { forEachStore, TOKEN_URL } from './helpers.ts';

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

interface Key {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  jwk: JWK;
}

async function makeKey(alg: 'ES384' | 'RS384' | 'RS256'): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const kid = randomUUID();
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg } };
}

function assertion(key: Key, clientId: string, o: { aud?: string; exp?: number; jti?: string; iss?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: o.jti ?? randomUUID() })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(o.iss ?? clientId)
    .setSubject(clientId)
    .setAudience(o.aud ?? TOKEN_URL)
    .setExpirationTime(o.exp ?? now + 240)
    .sign(key.privateKey);
}

let es384: Key;
let rs384: Key;
let jwksServer: FastifyInstance;
let jwksUrl: string;

before(async () => {
  es384 = await makeKey('ES384');
  rs384 = await makeKey('RS384');
  jwksServer = Fastify();
  jwksServer.get('/jwks.json', async () => ({ keys: [rs384.jwk] }));
  jwksUrl = `${await jwksServer.listen({ port: 0, host: '127.0.0.1' })}/jwks.json`;
});
after(() => jwksServer.close());

forEachStore((_store, t) => {
  let byValue: string;
  let byUrl: string;

  before(async () => {
    const { accounts } = t().auth;
    byValue = (await accounts.addClient({ name: 'Lab system', jwks: { keys: [es384.jwk] }, scope: 'system/Observation.cruds system/Patient.rs', purposeOfUse: 'TREAT', roles: ['clinician'] })).client.id;
    byUrl = (await accounts.addClient({ name: 'Research extract', jwksUrl, scope: 'system/*.rs', purposeOfUse: 'HRESCH' })).client.id;
  });

  const token = async (clientAssertion: string, scope = 'system/Observation.rs', extra: Record<string, string> = {}) =>
    t().request('POST', '/auth/token', { form: { grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion, ...extra } });

  test('an ES384 assertion with the key registered by value gets a system token', async () => {
    const res = await token(await assertion(es384, byValue), 'system/Observation.rs system/Patient.r');
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.scope, 'system/Observation.rs system/Patient.r');
    assert.ok(res.body.expires_in <= 300);
    assert.equal(res.body.refresh_token, undefined);
    const claims = decodeJwt(res.body.access_token);
    assert.equal(claims.sub, byValue);
    assert.equal(claims.client_id, byValue);
    const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`);
    assert.equal(access.clientId, byValue);
    assert.equal(access.clientName, 'Lab system');
    assert.equal(access.fhirUser, undefined);
    assert.deepEqual([...access.roles], ['clinician']);
    assert.equal(access.purposeOfUse, 'TREAT');
  });

  test("an RS384 assertion is checked against the JWKS fetched from the client's URL", async () => {
    const res = await token(await assertion(rs384, byUrl), 'system/Patient.rs');
    assert.equal(res.status, 200, res.text);
    const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`);
    assert.equal(access.purposeOfUse, 'HRESCH');
  });

  test('a replayed assertion (the same jti) is refused', async () => {
    const signed = await assertion(es384, byValue, { jti: 'once-only' });
    assert.equal((await token(signed)).status, 200);
    const again = await token(signed);
    assert.equal(again.status, 401);
    assert.equal(again.body.error, 'invalid_client');
    assert.match(again.body.error_description, /used before/);
  });

  test('an assertion for another audience is refused, naming the token endpoint', async () => {
    const res = await token(await assertion(es384, byValue, { aud: 'http://test.local/fhir' }));
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'invalid_client');
    assert.ok(res.body.error_description.includes(TOKEN_URL), res.body.error_description);
  });

  test('an expired assertion, or one valid for more than five minutes, is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await token(await assertion(es384, byValue, { exp: now - 120 }));
    assert.equal(expired.body.error, 'invalid_client');
    assert.match(expired.body.error_description, /expired/);
    const tooLong = await token(await assertion(es384, byValue, { exp: now + 3600 }));
    assert.equal(tooLong.body.error, 'invalid_client');
    assert.match(tooLong.body.error_description, /five minutes/);
  });

  test('an unknown client, a key the client does not have, or another algorithm is refused', async () => {
    assert.equal((await token(await assertion(es384, 'nobody'))).body.error, 'invalid_client');
    const wrongKey = await token(await assertion(rs384, byValue));
    assert.equal(wrongKey.body.error, 'invalid_client');
    const rs256 = await makeKey('RS256');
    const wrongAlg = await token(await assertion(rs256, byValue));
    assert.equal(wrongAlg.body.error, 'invalid_client');
    assert.equal((await token('not.a.jwt')).body.error, 'invalid_client');
    const wrongType = await token(await assertion(es384, byValue), 'system/Observation.rs', { client_assertion_type: 'urn:other' });
    assert.equal(wrongType.body.error, 'invalid_request');
  });

  test('only system/ scopes the client is allowed are granted; none at all is invalid_scope', async () => {
    const some = await token(await assertion(es384, byValue), 'system/Observation.rs system/Condition.rs');
    assert.equal(some.body.scope, 'system/Observation.rs');
    const none = await token(await assertion(es384, byValue), 'patient/Observation.rs');
    assert.equal(none.body.error, 'invalid_scope');
    const malformed = await token(await assertion(es384, byValue), 'system/Observation');
    assert.equal(malformed.body.error, 'invalid_scope');
  });

  test('clients without a key cannot use client_credentials', async () => {
    const pub = (await t().auth.accounts.addClient({ name: 'SPA', redirectUris: ['https://spa.example/cb'], scope: 'patient/*.rs' })).client.id;
    const res = await t().request('POST', '/auth/token', { form: { grant_type: 'client_credentials', scope: 'system/*.rs', client_id: pub } });
    assert.equal(res.body.error, 'unauthorized_client');
  });

  test('a deactivated backend client gets no tokens, and its tokens stop working', async () => {
    const { accounts } = t().auth;
    const id = (await accounts.addClient({ name: 'Retired feed', jwks: { keys: [es384.jwk] }, scope: 'system/*.rs' })).client.id;
    const res = await token(await assertion(es384, id), 'system/Patient.rs');
    await t().auth.authenticate(`Bearer ${res.body.access_token}`);
    await accounts.setClientActive(id, false);
    await t().auth.poll();
    await assert.rejects(t().auth.authenticate(`Bearer ${res.body.access_token}`), /no longer active/);
    const refused = await token(await assertion(es384, id), 'system/Patient.rs');
    assert.equal(refused.body.error, 'invalid_client');
  });
});
