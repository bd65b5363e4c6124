/**
 * Access tokens on every request: what authenticate() returns and refuses, introspection
 * (RFC 7662), revocation (RFC 7009) taking effect at once here and within a poll in another
 * process sharing the database, and tokens minted for operators.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { SignJWT, generateKeyPair } from 'jose';
import { FhirError } from '../../../src/fhir/errors.ts';
import { createAuthServer } from '../../../src/access/auth/index.ts';
import { BASE, basic, forEachStore } from './helpers.ts';

forEachStore((_store, t) => {
  let web: { id: string; secret: string };
  let other: { id: string; secret: string };
  let adminToken: string;

  before(async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'admin', password: 'admin password', roles: ['admin'], fhirUser: 'Practitioner/a1' });
    await accounts.addUser({ username: 'nurse', password: 'nurse password', roles: ['clinician'], fhirUser: 'PractitionerRole/r1', organization: 'ward9' });
    const a = await accounts.addClient({ name: 'Ward app', redirectUris: ['https://ward.example/cb'], generateSecret: true, scope: 'user/*.cruds launch/patient openid fhirUser' });
    web = { id: a.client.id, secret: a.secret! };
    const b = await accounts.addClient({ name: 'Other app', redirectUris: ['https://other.example/cb'], generateSecret: true, scope: 'user/*.rs' });
    other = { id: b.client.id, secret: b.secret! };
    adminToken = (await t().auth.mint({ clientId: web.id, username: 'admin', scope: 'user/*.cruds' })).accessToken;
  });

  const unauthorized = (pattern: RegExp) => (e: unknown) => e instanceof FhirError && e.status === 401 && pattern.test(e.message);

  test('a minted user token carries the user, their organisation and the scopes asked for', async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/Observation.rs user/Patient.r', lifetime: 300 });
    assert.equal(minted.expiresIn, 300);
    const access = await t().auth.authenticate(`Bearer ${minted.accessToken}`);
    assert.equal(access.fhirUser, 'PractitionerRole/r1');
    assert.equal(access.organization, 'ward9');
    assert.deepEqual(access.scopes.map((s) => [s.context, s.resourceType, [...s.interactions].join('')]), [
      ['user', 'Observation', 'rs'],
      ['user', 'Patient', 'r'],
    ]);
    assert.equal(access.tokenId, minted.tokenId);
  });

  test('mint refuses scopes beyond the client, system scopes for users, and unknown users', async () => {
    await assert.rejects(t().auth.mint({ clientId: other.id, username: 'nurse', scope: 'user/*.cruds' }), /not allowed user\/\*\.cruds/);
    await assert.rejects(t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'system/*.rs' }), /system/);
    await assert.rejects(t().auth.mint({ clientId: web.id, username: 'nobody', scope: 'user/*.rs' }), /No user/);
    await assert.rejects(t().auth.mint({ clientId: 'nope', scope: 'system/*.rs' }), /No client/);
  });

  test('authenticate refuses a missing, malformed, foreign, tampered or expired token with 401 and a reason', async () => {
    await assert.rejects(t().auth.authenticate(undefined), unauthorized(/needs an access token/));
    await assert.rejects(t().auth.authenticate('Basic abc'), unauthorized(/Bearer/));
    await assert.rejects(t().auth.authenticate('Bearer not-a-jwt'), unauthorized(/not a valid JWT/));
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ scope: 'user/*.rs', client_id: web.id, sub_kind: 'client', jti: 'x' })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'someone-else' })
      .setIssuer(BASE)
      .setAudience(BASE)
      .setSubject(web.id)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    await assert.rejects(t().auth.authenticate(`Bearer ${foreign}`), unauthorized(/signature/));
    const good = (await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' })).accessToken;
    const [h, p, s] = good.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, scope: 'user/*.cruds' })).toString('base64url')}.${s}`;
    await assert.rejects(t().auth.authenticate(`Bearer ${tampered}`), unauthorized(/signature/));
    const short = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs', lifetime: 1 });
    await t().auth.authenticate(`Bearer ${short.accessToken}`);
    await new Promise((r) => setTimeout(r, 1100));
    await assert.rejects(t().auth.authenticate(`Bearer ${short.accessToken}`), unauthorized(/expired/));
  });

  test('a token issued for another FHIR base is refused', async () => {
    const elsewhere = await createAuthServer({ store: t().store, baseUrl: 'https://elsewhere.example/fhir', pollMs: 60_000 });
    try {
      const minted = await elsewhere.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
      await assert.rejects(t().auth.authenticate(`Bearer ${minted.accessToken}`), unauthorized(/another server/));
    } finally {
      await elsewhere.close();
    }
  });

  test('introspection says a live token is active with its claims, to its own client and to administrators', async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
    const asClient = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: basic(web.id, web.secret) } });
    assert.equal(asClient.status, 200, asClient.text);
    assert.equal(asClient.body.active, true);
    assert.equal(asClient.body.client_id, web.id);
    assert.equal(asClient.body.username, 'nurse');
    assert.equal(asClient.body.scope, 'user/*.rs');
    assert.equal(asClient.body.fhirUser, 'PractitionerRole/r1');
    const asAdmin = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(asAdmin.body.active, true);
    const asOther = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: basic(other.id, other.secret) } });
    assert.deepEqual(asOther.body, { active: false });
    const garbage = await t().request('POST', '/auth/introspect', { form: { token: 'garbage' }, headers: { authorization: basic(web.id, web.secret) } });
    assert.deepEqual(garbage.body, { active: false });
  });

  test('introspection needs an authenticated caller', async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
    const anonymous = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken } });
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.error, 'invalid_client');
    const wrongSecret = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: basic(web.id, 'wrong secret!!') } });
    assert.equal(wrongSecret.status, 401);
    const nurse = (await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' })).accessToken;
    const notAdmin = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: `Bearer ${nurse}` } });
    assert.equal(notAdmin.status, 403);
  });

  test('a revoked token stops working at once in this process, and introspects as inactive', async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
    await t().auth.authenticate(`Bearer ${minted.accessToken}`); // now cached
    const res = await t().request('POST', '/auth/revoke', { form: { token: minted.accessToken }, headers: { authorization: basic(web.id, web.secret) } });
    assert.equal(res.status, 200);
    await assert.rejects(t().auth.authenticate(`Bearer ${minted.accessToken}`), unauthorized(/revoked/));
    const after = await t().request('POST', '/auth/introspect', { form: { token: minted.accessToken }, headers: { authorization: basic(web.id, web.secret) } });
    assert.equal(after.body.active, false);
    assert.equal((await t().request('POST', '/auth/revoke', { form: { token: 'unknown' }, headers: { authorization: basic(web.id, web.secret) } })).status, 200);
  });

  test("a client cannot revoke another client's token", async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
    await t().request('POST', '/auth/revoke', { form: { token: minted.accessToken }, headers: { authorization: basic(other.id, other.secret) } });
    await t().auth.authenticate(`Bearer ${minted.accessToken}`);
  });

  test('a revocation in one process reaches another sharing the database within one poll', async () => {
    const second = await createAuthServer({ store: t().store, baseUrl: BASE, pollMs: 60_000 });
    try {
      const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
      await second.authenticate(`Bearer ${minted.accessToken}`); // cached in the second process
      await t().request('POST', '/auth/revoke', { form: { token: minted.accessToken }, headers: { authorization: `Bearer ${adminToken}` } });
      await second.poll();
      await assert.rejects(second.authenticate(`Bearer ${minted.accessToken}`), unauthorized(/revoked/));
      // and a process started after the revocation knows it from the start
      const third = await createAuthServer({ store: t().store, baseUrl: BASE, pollMs: 60_000 });
      await assert.rejects(third.authenticate(`Bearer ${minted.accessToken}`), unauthorized(/revoked/));
      await third.close();
    } finally {
      await second.close();
    }
  });

  test('every process sharing the database signs with the same key', async () => {
    const second = await createAuthServer({ store: t().store, baseUrl: BASE, pollMs: 60_000 });
    try {
      assert.deepEqual(second.jwks(), t().auth.jwks());
      const minted = await second.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
      await t().auth.authenticate(`Bearer ${minted.accessToken}`);
    } finally {
      await second.close();
    }
  });

  test('deactivating a user through the admin API ends their tokens at once', async () => {
    await t().auth.accounts.addUser({ username: 'temp', password: 'temp password', roles: ['clinician'], fhirUser: 'Practitioner/t1' });
    const minted = await t().auth.mint({ clientId: web.id, username: 'temp', scope: 'user/*.rs' });
    await t().auth.authenticate(`Bearer ${minted.accessToken}`);
    const res = await t().request('POST', '/admin/users/temp/deactivate', { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(res.status, 200, res.text);
    await assert.rejects(t().auth.authenticate(`Bearer ${minted.accessToken}`), unauthorized(/no longer active/));
  });

  test('a cached token is answered without the store (the hot path)', async () => {
    const minted = await t().auth.mint({ clientId: web.id, username: 'nurse', scope: 'user/*.rs' });
    const header = `Bearer ${minted.accessToken}`;
    await t().auth.authenticate(header);
    const started = process.hrtime.bigint();
    for (let i = 0; i < 20_000; i++) await t().auth.authenticate(header, '10.1.1.1');
    const perCall = Number(process.hrtime.bigint() - started) / 20_000;
    assert.ok(perCall < 20_000, `${perCall} ns per cached check`);
  });
});
