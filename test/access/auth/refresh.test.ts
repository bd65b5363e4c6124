/** Refresh tokens: rotation on every use, and a reused refresh token revoking its whole family. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { authorizeUrl, BASE, Browser, forEachStore, hidden, pkce, REDIRECT, redirectParams } from './helpers.ts';

forEachStore((_store, t) => {
  let app: string;
  let other: string;

  before(async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'sam', password: 'sam password 1', fhirUser: 'Patient/p9', roles: ['patient'] });
    app = (await accounts.addClient({ name: 'Diary', redirectUris: [REDIRECT], scope: 'offline_access online_access patient/*.rs' })).client.id;
    other = (await accounts.addClient({ name: 'Other', redirectUris: [REDIRECT], scope: 'offline_access patient/*.rs' })).client.id;
  });

  async function tokens(scope = 'offline_access patient/Observation.rs patient/Patient.r', client = app) {
    const { verifier, challenge } = pkce();
    const browser = new Browser(t());
    const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: client, redirect_uri: REDIRECT, scope, state: 's', aud: BASE, code_challenge: challenge, code_challenge_method: 'S256' }));
    const back = await browser.post('/auth/login', { request: hidden(page.text, 'request'), username: 'sam', password: 'sam password 1' });
    const res = await t().request('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: redirectParams(back).get('code')!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client } });
    assert.equal(res.status, 200, res.text);
    return res.body;
  }

  const refresh = (token: string, extra: Record<string, string> = {}, client = app) =>
    t().request('POST', '/auth/token', { form: { grant_type: 'refresh_token', refresh_token: token, client_id: client, ...extra } });

  test('a refresh token is exchanged for a new access token and a new refresh token, with the same patient and scopes', async () => {
    const first = await tokens();
    const res = await refresh(first.refresh_token);
    assert.equal(res.status, 200, res.text);
    assert.notEqual(res.body.refresh_token, first.refresh_token);
    assert.notEqual(res.body.access_token, first.access_token);
    assert.equal(res.body.patient, 'p9');
    assert.equal(res.body.scope, first.scope);
    const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`);
    assert.equal(access.patient, 'p9');
  });

  test('reusing a rotated refresh token fails and revokes the whole family, access tokens included', async () => {
    const first = await tokens();
    const second = (await refresh(first.refresh_token)).body;
    const third = (await refresh(second.refresh_token)).body;
    assert.ok(third.access_token);
    await t().auth.authenticate(`Bearer ${third.access_token}`);

    const replay = await refresh(first.refresh_token);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.match(replay.body.error_description, /used before/);

    assert.equal((await refresh(third.refresh_token)).body.error, 'invalid_grant', 'the newest refresh token of the family is revoked too');
    await assert.rejects(t().auth.authenticate(`Bearer ${third.access_token}`), /revoked/);
    await assert.rejects(t().auth.authenticate(`Bearer ${second.access_token}`), /revoked/);
  });

  test('a refresh may narrow the scopes but not widen them', async () => {
    const first = await tokens();
    const narrower = await refresh(first.refresh_token, { scope: 'patient/Observation.rs offline_access' });
    assert.equal(narrower.status, 200, narrower.text);
    assert.equal(narrower.body.scope, 'patient/Observation.rs offline_access');
    const wider = await refresh(narrower.body.refresh_token, { scope: 'patient/*.rs offline_access' });
    assert.equal(wider.body.error, 'invalid_scope');
  });

  test('online_access brings a refresh token too; no refresh scope, no refresh token', async () => {
    assert.ok((await tokens('online_access patient/*.rs')).refresh_token);
    assert.equal((await tokens('patient/*.rs')).refresh_token, undefined);
  });

  test('a refresh token works only for the client it was issued to', async () => {
    const first = await tokens();
    const res = await refresh(first.refresh_token, {}, other);
    assert.equal(res.body.error, 'invalid_grant');
  });

  test('an unknown refresh token is invalid_grant', async () => {
    assert.equal((await refresh('not-a-token')).body.error, 'invalid_grant');
  });

  test('a refresh fails once the user has been deactivated', async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'leaver', password: 'leaver password', fhirUser: 'Patient/p8', roles: ['patient'] });
    const { verifier, challenge } = pkce();
    const browser = new Browser(t());
    const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'offline_access patient/*.rs', state: 's', aud: BASE, code_challenge: challenge, code_challenge_method: 'S256' }));
    const back = await browser.post('/auth/login', { request: hidden(page.text, 'request'), username: 'leaver', password: 'leaver password' });
    const got = await t().request('POST', '/auth/token', { form: { grant_type: 'authorization_code', code: redirectParams(back).get('code')!, redirect_uri: REDIRECT, code_verifier: verifier, client_id: app } });
    await accounts.setUserActive('leaver', false);
    await t().auth.poll();
    const res = await refresh(got.body.refresh_token);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /no longer active/);
  });
});
