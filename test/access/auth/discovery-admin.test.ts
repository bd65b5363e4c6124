/** What the server publishes (SMART configuration, OpenID discovery, JWKS), and the administrators' API for users and clients. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { exportJWK, generateKeyPair, jwtVerify, createLocalJWKSet } from 'jose';
import { BASE, forEachStore, startAuth } from './helpers.ts';
import { testStores } from '../../helpers/stores.ts';

forEachStore((_store, t) => {
  let admin: string;
  let clinician: string;

  before(async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'root', password: 'root password', roles: ['admin'] });
    await accounts.addUser({ username: 'gp', password: 'gp password 1', roles: ['clinician'], fhirUser: 'Practitioner/g1' });
    const console = (await accounts.addClient({ name: 'Admin console', redirectUris: ['https://admin.example/cb'], scope: 'user/*.cruds' })).client.id;
    admin = (await t().auth.mint({ clientId: console, username: 'root', scope: 'user/*.cruds' })).accessToken;
    clinician = (await t().auth.mint({ clientId: console, username: 'gp', scope: 'user/*.rs' })).accessToken;
  });

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  test('/.well-known/smart-configuration describes the endpoints, PKCE S256, the auth methods and the capabilities', async () => {
    for (const path of ['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration']) {
      const res = await t().request('GET', path);
      assert.equal(res.status, 200);
      const c = res.body;
      assert.equal(c.issuer, BASE);
      assert.equal(c.authorization_endpoint, 'http://test.local/auth/authorize');
      assert.equal(c.token_endpoint, 'http://test.local/auth/token');
      assert.equal(c.jwks_uri, 'http://test.local/auth/jwks');
      assert.equal(c.introspection_endpoint, 'http://test.local/auth/introspect');
      assert.equal(c.revocation_endpoint, 'http://test.local/auth/revoke');
      assert.deepEqual(c.code_challenge_methods_supported, ['S256']);
      assert.deepEqual(c.token_endpoint_auth_methods_supported, ['private_key_jwt', 'client_secret_basic']);
      assert.deepEqual(c.token_endpoint_auth_signing_alg_values_supported, ['RS384', 'ES384']);
      assert.deepEqual(c.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
      for (const cap of ['launch-ehr', 'launch-standalone', 'client-public', 'client-confidential-symmetric', 'client-confidential-asymmetric', 'context-ehr-patient', 'context-standalone-patient', 'permission-v1', 'permission-v2', 'permission-patient', 'permission-user', 'sso-openid-connect']) {
        assert.ok(c.capabilities.includes(cap), cap);
      }
      assert.ok(c.scopes_supported.includes('launch/patient'));
    }
  });

  test('the JWKS publishes the public key that verifies issued tokens, and no private part', async () => {
    const res = await t().request('GET', '/auth/jwks');
    assert.equal(res.status, 200);
    for (const k of res.body.keys) assert.equal(k.d, undefined);
    const { payload } = await jwtVerify(admin, createLocalJWKSet(res.body), { issuer: BASE, audience: BASE });
    assert.ok(payload.jti);
    const oidc = await t().request('GET', '/fhir/.well-known/openid-configuration');
    assert.equal(oidc.body.issuer, BASE);
    assert.equal(oidc.body.jwks_uri, 'http://test.local/auth/jwks');
  });

  test('an administrator adds and lists users; hashes are never returned', async () => {
    const created = await t().request('POST', '/admin/users', {
      json: { username: 'New.Nurse', password: 'a long password', roles: ['clinician'], fhirUser: 'PractitionerRole/7', organization: 'org7', clearance: ['R'] },
      headers: as(admin),
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.username, 'new.nurse');
    assert.equal(created.body.active, true);
    assert.ok(!created.text.includes('scrypt') && !created.text.includes('password'), created.text);
    const list = await t().request('GET', '/admin/users', { headers: as(admin) });
    assert.ok(list.body.users.some((u: { username: string }) => u.username === 'new.nurse'));
    assert.ok(!list.text.includes('scrypt'));
    const taken = await t().request('POST', '/admin/users', { json: { username: 'new.nurse', password: 'a long password', roles: ['clinician'] }, headers: as(admin) });
    assert.equal(taken.status, 409);
    const bad = await t().request('POST', '/admin/users', { json: { username: 'x', password: 'short', roles: ['clinician'] }, headers: as(admin) });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error_description, /at least 8 characters/);
    const patientWithoutPatient = await t().request('POST', '/admin/users', { json: { username: 'p', password: 'long enough', roles: ['patient'] }, headers: as(admin) });
    assert.match(patientWithoutPatient.body.error_description, /Patient/);
  });

  test('an administrator registers clients: public, confidential with a generated secret shown once, and backend services', async () => {
    const pub = await t().request('POST', '/admin/clients', { json: { name: 'Patient app', redirectUris: ['https://pa.example/cb'], scope: 'launch/patient patient/*.rs' }, headers: as(admin) });
    assert.equal(pub.status, 201, pub.text);
    assert.equal(pub.body.authMethod, 'none');
    const conf = await t().request('POST', '/admin/clients', { json: { name: 'Web app', redirectUris: ['https://wa.example/cb'], generateSecret: true, scope: 'user/*.rs' }, headers: as(admin) });
    assert.equal(conf.body.authMethod, 'client_secret_basic');
    assert.ok(conf.body.clientSecret.length >= 40);
    const { publicKey } = await generateKeyPair('ES384');
    const backend = await t().request('POST', '/admin/clients', { json: { name: 'Feed', jwks: { keys: [await exportJWK(publicKey)] }, scope: 'system/*.rs', purposeOfUse: 'HRESCH' }, headers: as(admin) });
    assert.equal(backend.body.authMethod, 'private_key_jwt');
    assert.equal(backend.body.purposeOfUse, 'HRESCH');
    const list = await t().request('GET', '/admin/clients', { headers: as(admin) });
    assert.ok(!list.text.includes('scrypt') && !list.text.includes(conf.body.clientSecret));
    const deactivated = await t().request('POST', `/admin/clients/${pub.body.id}/deactivate`, { headers: as(admin) });
    assert.deepEqual(deactivated.body, { id: pub.body.id, active: false });
  });

  test('bad client registrations are refused with what is wrong', async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: 'X', redirectUris: ['http://evil.example/cb'], scope: 'patient/*.rs' }, /https/],
      [{ name: 'X', redirectUris: ['https://a.example/cb#frag'], scope: 'patient/*.rs' }, /fragment/],
      [{ name: 'X', scope: 'system/*.rs' }, /redirect URIs .* or a JWKS/],
      [{ name: 'X', redirectUris: ['https://a.example/cb'], scope: 'system/*.rs' }, /backend services/],
      [{ name: 'X', redirectUris: ['https://a.example/cb'], scope: 'patient/Observation.sr' }, /cruds/],
      [{ name: 'X', jwks: { keys: [{ kty: 'EC', d: 'secret' }] }, scope: 'system/*.rs' }, /private key/],
      [{ name: 'X', redirectUris: 'https://a.example/cb', scope: 'patient/*.rs' }, /array/],
    ];
    for (const [json, message] of cases) {
      const res = await t().request('POST', '/admin/clients', { json, headers: as(admin) });
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.match(res.body.error_description, message);
    }
  });

  test('the admin API needs an administrator: 401 without a token, 403 for a clinician', async () => {
    const none = await t().request('GET', '/admin/users');
    assert.equal(none.status, 401);
    assert.equal(none.body.error, 'invalid_token');
    assert.match(String(none.headers['www-authenticate']), /Bearer/);
    const notAdmin = await t().request('GET', '/admin/users', { headers: as(clinician) });
    assert.equal(notAdmin.status, 403);
    const broken = await t().request('POST', '/admin/users', { headers: { ...as(admin), 'content-type': 'application/json' }, json: undefined });
    assert.equal(broken.status, 400);
    const badJson = await t().app.inject({ method: 'POST', url: '/admin/users', headers: { ...as(admin), 'content-type': 'application/json' }, payload: '{"username":' });
    assert.equal(badJson.statusCode, 400);
  });

  test('POST /auth/launch needs a clinician or administrator, and a patient that exists', async () => {
    await t().addPatient('lp1');
    const ok = await t().request('POST', '/auth/launch', { json: { patient: 'lp1' }, headers: as(admin) });
    assert.equal(ok.status, 201, ok.text);
    assert.ok(ok.body.launch);
    const missing = await t().request('POST', '/auth/launch', { json: { patient: 'nobody' }, headers: as(admin) });
    assert.equal(missing.status, 404);
    const anonymous = await t().request('POST', '/auth/launch', { json: { patient: 'lp1' } });
    assert.equal(anonymous.status, 401);
  });
});

for (const store of testStores().slice(0, 1)) {
  test('in development mode the admin API answers without a token', async () => {
    const t = await startAuth(await store.create(), { dev: true });
    try {
      const res = await t.request('GET', '/admin/users');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { users: [] });
    } finally {
      await t.close();
      await store.cleanup();
    }
  });
}
