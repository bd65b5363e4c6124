/**
 * The SMART authorization code flow with PKCE, over HTTP: standalone launch for a clinician and a
 * patient, EHR launch, and every way a code exchange must fail.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { decodeJwt } from 'jose';
import { authorizeUrl, BASE, basic, Browser, forEachStore, hidden, pkce, REDIRECT, redirectParams, type AuthTest } from './helpers.ts';

const squash = (html: string) => html.replace(/\s+/g, ' ');

forEachStore((_store, t) => {
  let app: string;
  let secretApp: { id: string; secret: string };

  before(async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'dr.jones', password: 'correct horse battery', fhirUser: 'Practitioner/p1', roles: ['clinician'], organization: 'org1', clearance: ['R'] });
    await accounts.addUser({ username: 'jane', password: 'jane password 1', fhirUser: 'Patient/pat1', roles: ['patient'] });
    app = (await accounts.addClient({ name: 'Growth Chart', redirectUris: [REDIRECT], scope: 'openid fhirUser launch launch/patient offline_access patient/*.rs user/*.rs' })).client.id;
    const made = await accounts.addClient({ name: 'Ward Board', redirectUris: [REDIRECT], generateSecret: true, scope: 'launch/patient user/*.cruds' });
    secretApp = { id: made.client.id, secret: made.secret! };
    await t().addPatient('pat1', '9000000009');
    await t().addPatient('pat2', '9000000017');
  });

  /** Opens the authorization URL and signs in; returns the browser and the redirect back to the app. */
  async function signIn(o: { client?: string; scope: string; username?: string; password?: string; challenge: string; state?: string; launch?: string }) {
    const browser = new Browser(t());
    const page = await browser.get(
      authorizeUrl({
        response_type: 'code',
        client_id: o.client ?? app,
        redirect_uri: REDIRECT,
        scope: o.scope,
        state: o.state ?? 'xyz',
        aud: BASE,
        code_challenge: o.challenge,
        code_challenge_method: 'S256',
        launch: o.launch,
      }),
    );
    assert.equal(page.status, 200, page.text.slice(0, 500));
    const reply = await browser.post('/auth/login', { request: hidden(page.text, 'request'), username: o.username ?? 'jane', password: o.password ?? 'jane password 1' });
    return { browser, page, reply };
  }

  const exchange = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    t().request('POST', '/auth/token', { form: { grant_type: 'authorization_code', redirect_uri: REDIRECT, client_id: app, ...form }, headers });

  test('a patient signs in and the app exchanges its code, with the PKCE verifier, for a token confined to that patient', async () => {
    const { verifier, challenge } = pkce();
    const { reply } = await signIn({ scope: 'openid fhirUser launch/patient offline_access patient/Observation.rs', challenge, state: 's-123' });
    assert.equal(reply.status, 303);
    const params = redirectParams(reply);
    assert.equal(params.get('state'), 's-123');
    assert.ok(String(reply.headers.location).startsWith(`${REDIRECT}?`));
    const res = await exchange({ code: params.get('code')!, code_verifier: verifier });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(res.body.token_type, 'Bearer');
    assert.equal(res.body.patient, 'pat1');
    assert.equal(res.body.scope, 'patient/Observation.rs openid fhirUser launch/patient offline_access');
    assert.ok(res.body.expires_in > 0 && res.body.expires_in <= 900);
    assert.ok(res.body.refresh_token, 'offline_access brings a refresh token');
    const claims = decodeJwt(res.body.access_token);
    assert.equal(claims.iss, BASE);
    assert.equal(claims.aud, BASE);
    assert.equal(claims.client_id, app);
    assert.equal(claims.patient, 'pat1');
    assert.equal(claims.fhirUser, 'Patient/pat1');
    assert.ok(typeof claims.jti === 'string' && claims.exp! - claims.iat! === res.body.expires_in);
    const idToken = decodeJwt(res.body.id_token);
    assert.equal(idToken.fhirUser, `${BASE}/Patient/pat1`);
    assert.equal(idToken.aud, app);

    const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`, '10.0.0.1');
    assert.equal(access.mode, 'token');
    assert.equal(access.patient, 'pat1');
    assert.equal(access.userName, 'jane');
    assert.deepEqual([...access.roles], ['patient']);
    assert.deepEqual(access.scopes.map((s) => s.text), ['patient/Observation.rs']);
    assert.equal(access.address, '10.0.0.1');
    assert.equal(access.clientName, 'Growth Chart');
  });

  test('a clinician in a standalone launch picks the patient by NHS number', async () => {
    const { verifier, challenge } = pkce();
    const { browser, reply } = await signIn({ scope: 'launch/patient patient/*.rs', username: 'dr.jones', password: 'correct horse battery', challenge });
    assert.equal(reply.status, 200);
    assert.match(reply.text, /Which patient is this for\?/);
    const request = hidden(reply.text, 'request');
    const unknown = await browser.post('/auth/patient', { request, patient: '9999999999' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /There is a problem/);
    assert.match(squash(unknown.text), /<a href="#patient"> No patient has this NHS number or id/);
    const chosen = await browser.post('/auth/patient', { request, patient: '900 000 0017' });
    assert.equal(chosen.status, 303, chosen.text.slice(0, 300));
    const res = await exchange({ code: redirectParams(chosen).get('code')!, code_verifier: verifier });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.patient, 'pat2');
    const access = await t().auth.authenticate(`Bearer ${res.body.access_token}`);
    assert.equal(access.fhirUser, 'Practitioner/p1');
    assert.equal(access.organization, 'org1');
    assert.deepEqual([...access.clearance], ['R']);
  });

  test('an EHR launch carries the patient recorded with POST /auth/launch', async () => {
    const admin = await t().auth.mint({ clientId: secretApp.id, username: 'dr.jones', scope: 'user/*.rs' });
    const made = await t().request('POST', '/auth/launch', { json: { patient: 'pat2' }, headers: { authorization: `Bearer ${admin.accessToken}` } });
    assert.equal(made.status, 201, made.text);
    const { verifier, challenge } = pkce();
    const { reply } = await signIn({ scope: 'launch patient/*.rs', launch: made.body.launch, username: 'dr.jones', password: 'correct horse battery', challenge });
    assert.equal(reply.status, 303, reply.text.slice(0, 500));
    const res = await exchange({ code: redirectParams(reply).get('code')!, code_verifier: verifier });
    assert.equal(res.body.patient, 'pat2');
    assert.match(res.body.scope, /\blaunch\b/);
  });

  test('an EHR launch made by one clinician cannot be used by another user', async () => {
    const admin = await t().auth.mint({ clientId: secretApp.id, username: 'dr.jones', scope: 'user/*.rs' });
    const made = await t().request('POST', '/auth/launch', { json: { patient: 'pat2' }, headers: { authorization: `Bearer ${admin.accessToken}` } });
    const { reply } = await signIn({ scope: 'launch patient/*.rs', launch: made.body.launch, challenge: pkce().challenge });
    assert.equal(reply.status, 403);
    assert.match(reply.text, /another user/);
  });

  test("a patient cannot open another patient's record through an EHR launch", async () => {
    const launch = await t().auth.createLaunch({ patient: 'pat2' });
    const { reply } = await signIn({ scope: 'launch patient/*.rs', launch, challenge: pkce().challenge });
    assert.equal(reply.status, 403);
    assert.equal(reply.headers.location, undefined);
  });

  test('an unknown launch goes back to the app as invalid_request', async () => {
    const browser = new Browser(t());
    const res = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'launch patient/*.rs', state: 'a', aud: BASE, code_challenge: pkce().challenge, code_challenge_method: 'S256', launch: 'nope' }));
    assert.equal(redirectParams(res).get('error'), 'invalid_request');
  });

  test('a wrong code_verifier is refused with invalid_grant', async () => {
    const { challenge } = pkce();
    const { reply } = await signIn({ scope: 'patient/*.rs', challenge });
    const res = await exchange({ code: redirectParams(reply).get('code')!, code_verifier: pkce().verifier });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_grant');
    assert.match(res.body.error_description, /code_verifier/);
  });

  test('a code is single-use: the second exchange fails and revokes the token the first one issued', async () => {
    const { verifier, challenge } = pkce();
    const { reply } = await signIn({ scope: 'patient/*.rs offline_access', challenge });
    const code = redirectParams(reply).get('code')!;
    const first = await exchange({ code, code_verifier: verifier });
    assert.equal(first.status, 200);
    await t().auth.authenticate(`Bearer ${first.body.access_token}`);
    const second = await exchange({ code, code_verifier: verifier });
    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'invalid_grant');
    assert.match(second.body.error_description, /used before/);
    await assert.rejects(t().auth.authenticate(`Bearer ${first.body.access_token}`), /revoked/);
    const refreshed = await t().request('POST', '/auth/token', { form: { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: app } });
    assert.equal(refreshed.body.error, 'invalid_grant');
  });

  test('a code is bound to its redirect_uri and its client', async () => {
    const { verifier, challenge } = pkce();
    const { reply } = await signIn({ scope: 'patient/*.rs', challenge });
    const code = redirectParams(reply).get('code')!;
    const wrongUri = await exchange({ code, code_verifier: verifier, redirect_uri: 'https://app.example.org/other' });
    assert.equal(wrongUri.body.error, 'invalid_grant');
    assert.match(wrongUri.body.error_description, /redirect_uri/);
    const otherClient = await t().request('POST', '/auth/token', {
      form: { grant_type: 'authorization_code', redirect_uri: REDIRECT, code, code_verifier: verifier },
      headers: { authorization: basic(secretApp.id, secretApp.secret) },
    });
    assert.equal(otherClient.body.error, 'invalid_grant');
    assert.equal((await exchange({ code, code_verifier: verifier })).status, 200, 'the failed attempts did not use the code up');
  });

  test('PKCE with plain, or without a challenge, is refused back to the app', async () => {
    for (const [method, challenge] of [['plain', 'a'.repeat(43)], [undefined, undefined], ['S256', undefined]] as const) {
      const browser = new Browser(t());
      const res = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'patient/*.rs', state: 'st', aud: BASE, code_challenge: challenge, code_challenge_method: method }));
      assert.equal(res.status, 303);
      const params = redirectParams(res);
      assert.equal(params.get('error'), 'invalid_request');
      assert.equal(params.get('state'), 'st');
      assert.match(params.get('error_description')!, /S256|code_challenge/);
    }
  });

  test('an unregistered redirect_uri or an unknown client gets an error page, never a redirect', async () => {
    const browser = new Browser(t());
    const common = { response_type: 'code', scope: 'patient/*.rs', state: 's', aud: BASE, code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const wrongUri = await browser.get(authorizeUrl({ ...common, client_id: app, redirect_uri: 'https://evil.example/cb' }));
    assert.equal(wrongUri.status, 400);
    assert.equal(wrongUri.headers.location, undefined);
    assert.match(wrongUri.text, /not registered/);
    const unknown = await browser.get(authorizeUrl({ ...common, client_id: 'nobody', redirect_uri: REDIRECT }));
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.location, undefined);
  });

  test('aud must be this FHIR server, and scopes must be ones the app is allowed', async () => {
    const browser = new Browser(t());
    const common = { response_type: 'code', client_id: app, redirect_uri: REDIRECT, state: 's', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const wrongAud = await browser.get(authorizeUrl({ ...common, aud: 'https://other.example/fhir', scope: 'patient/*.rs' }));
    assert.equal(redirectParams(wrongAud).get('error'), 'invalid_request');
    assert.match(redirectParams(wrongAud).get('error_description')!, /aud/);
    const notAllowed = await browser.get(authorizeUrl({ ...common, aud: BASE, scope: 'user/*.cruds system/*.rs' }));
    assert.equal(redirectParams(notAllowed).get('error'), 'invalid_scope');
    const malformed = await browser.get(authorizeUrl({ ...common, aud: BASE, scope: 'patient/Observation.sr' }));
    assert.equal(redirectParams(malformed).get('error'), 'invalid_scope');
  });

  test('scopes beyond the allowance are left out of the grant', async () => {
    const { verifier, challenge } = pkce();
    const { reply } = await signIn({ scope: 'patient/Observation.rs patient/Observation.cud', challenge });
    const res = await exchange({ code: redirectParams(reply).get('code')!, code_verifier: verifier });
    assert.equal(res.body.scope, 'patient/Observation.rs');
  });

  test('the sign-in page is accessible, uses the NHS design system and sends security headers', async () => {
    const { page } = await signIn({ scope: 'patient/*.rs', challenge: pkce().challenge });
    const html = squash(page.text);
    assert.match(html, /<label class="nhsuk-label" for="username"> Username/);
    assert.match(html, /<label class="nhsuk-label" for="password"> Password/);
    assert.match(page.text, /autocomplete="current-password"/);
    assert.match(page.text, /href="\/assets\/nhsuk-frontend\.min\.css"/);
    assert.match(page.text, /Growth Chart/);
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /form-action 'self' https:\/\/app\.example\.org/);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
    assert.ok(page.text.includes(`nonce="${nonce}"`));
    assert.equal(page.headers['x-frame-options'], 'DENY');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.match(String(page.headers['set-cookie']), /HttpOnly; SameSite=Lax/);
    const css = await t().request('GET', '/assets/nhsuk-frontend.min.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /text\/css/);
    assert.equal((await t().request('GET', '/assets/../../package.json')).status, 404);
  });

  test('a wrong password shows an error summary linked to the field, and no code', async () => {
    const { reply } = await signIn({ scope: 'patient/*.rs', challenge: pkce().challenge, password: 'not the password' });
    assert.equal(reply.status, 400);
    assert.equal(reply.headers.location, undefined);
    assert.match(reply.text, /nhsuk-error-summary/);
    assert.match(squash(reply.text), /<a href="#username"> Enter a correct username and password/);
    assert.match(reply.text, /<title>Error: Sign in/);
  });

  test('the sign-in form works only from the browser that opened it, and only once', async () => {
    const { challenge } = pkce();
    const browser = new Browser(t());
    const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'patient/*.rs', state: 's', aud: BASE, code_challenge: challenge, code_challenge_method: 'S256' }));
    const request = hidden(page.text, 'request');
    const elsewhere = await new Browser(t()).post('/auth/login', { request, username: 'jane', password: 'jane password 1' });
    assert.equal(elsewhere.status, 400);
    assert.match(elsewhere.text, /not opened from this browser/);
    const ok = await browser.post('/auth/login', { request, username: 'jane', password: 'jane password 1' });
    assert.equal(ok.status, 303);
    const again = await browser.post('/auth/login', { request, username: 'jane', password: 'jane password 1' });
    assert.equal(again.status, 400);
    assert.equal(again.headers.location, undefined);
  });

  test('cancelling goes back to the app with access_denied', async () => {
    const browser = new Browser(t());
    const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: app, redirect_uri: REDIRECT, scope: 'patient/*.rs', state: 'c1', aud: BASE, code_challenge: pkce().challenge, code_challenge_method: 'S256' }));
    const res = await browser.post('/auth/login', { request: hidden(page.text, 'request'), action: 'cancel' });
    assert.equal(redirectParams(res).get('error'), 'access_denied');
    assert.equal(redirectParams(res).get('state'), 'c1');
  });

  test('after five wrong passwords the account is locked, even for the right password', async () => {
    await t().auth.accounts.addUser({ username: 'locked.out', password: 'the right password', fhirUser: 'Patient/pat2', roles: ['patient'] });
    for (let i = 0; i < 5; i++) {
      const { reply } = await signIn({ scope: 'patient/*.rs', challenge: pkce().challenge, username: 'locked.out', password: `wrong ${i}` });
      assert.match(reply.text, /Enter a correct username and password/);
    }
    const { reply } = await signIn({ scope: 'patient/*.rs', challenge: pkce().challenge, username: 'locked.out', password: 'the right password' });
    assert.equal(reply.headers.location, undefined);
    assert.match(reply.text, /Too many failed sign-in attempts. Try again in 15 minutes/);
  });

  test('a token endpoint given nonsense answers OAuth errors, never a 500', async () => {
    const bad: [Record<string, string>, string, number][] = [
      [{}, 'invalid_request', 400],
      [{ grant_type: 'password' }, 'unsupported_grant_type', 400],
      [{ grant_type: 'authorization_code', client_id: app }, 'invalid_request', 400],
      [{ grant_type: 'authorization_code', client_id: 'nobody', code: 'x', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, 'invalid_client', 401],
      [{ grant_type: 'authorization_code', client_id: app, code: 'x', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, 'invalid_grant', 400],
      [{ grant_type: 'authorization_code', client_id: secretApp.id, code: 'x', redirect_uri: REDIRECT, code_verifier: 'v'.repeat(43) }, 'invalid_client', 401],
    ];
    for (const [form, error, status] of bad) {
      const res = await t().request('POST', '/auth/token', { form });
      assert.equal(res.status, status, JSON.stringify(form));
      assert.equal(res.body.error, error, JSON.stringify(form));
    }
    const json = await t().request('POST', '/auth/token', { json: { grant_type: 'client_credentials' } });
    assert.equal(json.body.error, 'invalid_request');
    const repeated = await t().request('POST', '/auth/token', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, form: undefined });
    assert.ok(repeated.status < 500);
    const garbage = await t().app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'text/plain' }, payload: 'x' });
    assert.ok(garbage.statusCode >= 400 && garbage.statusCode < 500);
    assert.equal(JSON.parse(garbage.body).error, 'invalid_request');
  });
});

export type { AuthTest };
