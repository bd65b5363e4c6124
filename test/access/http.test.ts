/**
 * Access control over HTTP, outside --dev: 401 without a valid token, security headers, CORS,
 * per-client rate limits, and an AuditEvent for every attempt — allowed or refused — that an
 * administrator can query and a patient sees in plain words in their $access-log.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { nationalDataOptOut } from '../../src/access/policy/index.ts';
import { startMeridian, type Client } from '../helpers/server.ts';
import { testStores } from '../helpers/stores.ts';
import { systemToken } from '../helpers/tokens.ts';
import { authorizeUrl, Browser, hidden, pkce, redirectParams, type AuthTest } from './auth/helpers.ts';

const nhs = (n: string) => [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: n }];
const obs = (id: string, patient: string) => ({ resourceType: 'Observation', id, status: 'final', code: { text: 'Blood pressure' }, subject: { reference: `Patient/${patient}` } });

for (const store of testStores()) {
  describe(`access over HTTP on ${store.name}`, () => {
    let server: Client;
    let admin: Record<string, string>;
    let patientA: Record<string, string>;
    let clinician: Record<string, string>;

    /** A token for a user, through a public app client allowed `scope`. */
    async function userToken(username: string, user: { fhirUser: string; roles: ('patient' | 'clinician' | 'admin')[]; organization?: string }, scope: string, patient?: string) {
      const auth = server.meridian.auth;
      await auth.accounts.addUser({ username, password: 'correct horse battery staple', ...user });
      const { client } = await auth.accounts.addClient({ name: `${username}'s app`, redirectUris: ['https://app.example.org/callback'], scope });
      const t = await auth.mint({ clientId: client.id, username, scope, patient, fhirBase: 'http://test.local/fhir' });
      return { authorization: `Bearer ${t.accessToken}` };
    }

    /** AuditEvents matching `query`, as an administrator. */
    async function audits(query: string): Promise<any[]> {
      const res = await server.get(`AuditEvent?${query}&_count=200`, admin);
      assert.equal(res.status, 200, res.text);
      return (res.body.entry ?? []).map((e: any) => e.resource);
    }

    before(async () => {
      server = await startMeridian(await store.create(), { dev: 'false', 'rate-limit': '0' });
      admin = { authorization: (await systemToken(server.meridian, 'system/*.cruds', { roles: ['admin'] })).authorization };
      const writer = (await systemToken(server.meridian, 'system/*.cruds')).authorization;
      for (const r of [
        { resourceType: 'Organization', id: 'gp-a', name: 'Alpha Surgery' },
        { resourceType: 'Practitioner', id: 'dr-a', name: [{ family: 'Ahmed' }] },
        { resourceType: 'PractitionerRole', id: 'dr-a-role', practitioner: { reference: 'Practitioner/dr-a' }, organization: { reference: 'Organization/gp-a' } },
        { resourceType: 'Patient', id: 'pa', identifier: nhs('9000000009'), generalPractitioner: [{ reference: 'Organization/gp-a' }] },
        { resourceType: 'Patient', id: 'pb', identifier: nhs('9000000017') },
        obs('oa', 'pa'),
        obs('ob', 'pb'),
      ]) {
        const res = await server.put(`${r.resourceType}/${r.id}`, r, { authorization: writer });
        assert.equal(res.status, 201, res.text);
      }
      patientA = await userToken('alice', { fhirUser: 'Patient/pa', roles: ['patient'] }, 'patient/*.rs launch/patient', 'pa');
      clinician = await userToken('dr.ahmed', { fhirUser: 'PractitionerRole/dr-a-role', roles: ['clinician'], organization: 'gp-a' }, 'user/*.cruds');
    });
    after(async () => {
      await server.meridian.close();
      await store.cleanup();
    });

    it('answers 401 with WWW-Authenticate without a token or with a bad one, and audits each refusal', async () => {
      const none = await server.get('Patient/pa');
      assert.equal(none.status, 401);
      assert.match(String(none.headers['www-authenticate']), /^Bearer realm="meridian"/);
      assert.equal(none.body.resourceType, 'OperationOutcome');
      assert.equal((await server.get('Observation?subject=Patient/pa', { authorization: 'Bearer not.a.token' })).status, 401);
      const refused = await audits('outcome=4&agent=anonymous');
      assert.ok(refused.length >= 2, `expected the two refusals in the audit, found ${refused.length}`);
    });

    it('serves the CapabilityStatement and SMART configuration without a token', async () => {
      assert.equal((await server.get('metadata')).status, 200);
      const smart = await server.get('.well-known/smart-configuration');
      assert.equal(smart.status, 200);
      assert.ok(smart.body.token_endpoint);
    });

    it('sends security headers, no-store for token responses, and no CORS header for an origin not allowed', async () => {
      const res = await server.get('Patient/pa', { ...patientA, origin: 'https://evil.example' });
      assert.equal(res.status, 200);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
    });

    it('leaves an AuditEvent for every attempt of a patient app, allowed or refused, naming the patient', async () => {
      assert.equal((await server.get('Observation/oa', patientA)).status, 200);
      assert.equal((await server.get('Observation/ob', patientA)).status, 404);
      assert.equal((await server.post('Observation', obs('new', 'pb'), patientA)).status, 403);
      const mine = await audits(`agent=alice`);
      const outcomes = mine.map((e) => `${e.subtype?.[0]?.code}:${e.outcome}`);
      assert.ok(outcomes.includes('read:0'), outcomes.join(' '));
      assert.ok(outcomes.includes('read:4'), outcomes.join(' '));
      assert.ok(outcomes.includes('create:4'), outcomes.join(' '));
      assert.ok((await audits('patient=Patient/pa&agent=alice')).length >= 1);
    });

    it('lets a clinician break the glass, audits it loudly, and shows it to the patient in plain words', async () => {
      assert.equal((await server.get('Observation/ob', clinician)).status, 403);
      const reason = 'Collapsed in clinic, needs medication history';
      const granted = await server.post('Patient/pb/$break-glass', { resourceType: 'Parameters', parameter: [{ name: 'reason', valueString: reason }] }, clinician);
      assert.equal(granted.status, 200, granted.text);
      assert.equal((await server.get('Observation/ob', clinician)).status, 200);
      const flagged = await audits('patient=Patient/pb&agent=dr.ahmed');
      assert.ok(flagged.some((e) => JSON.stringify(e).includes(reason)), 'the reason is in an AuditEvent');
      // the patient's own view of who looked
      const patientB = await userToken('bob', { fhirUser: 'Patient/pb', roles: ['patient'] }, 'patient/*.rs', 'pb');
      const log = await server.get('Patient/pb/$access-log', patientB);
      assert.equal(log.status, 200, log.text);
      const words = JSON.stringify(log.body);
      assert.match(words, /break/i);
      assert.ok(words.includes(reason));
      // and nobody else's
      assert.equal((await server.get('Patient/pb/$access-log', patientA)).status, 404);
    });

    it('refuses AuditEvents to anyone but an administrator, and every change to them', async () => {
      assert.equal((await server.get('AuditEvent', patientA)).status, 403);
      assert.equal((await server.post('AuditEvent', { resourceType: 'AuditEvent' }, admin)).status, 405);
    });

    it('runs the whole SMART standalone launch with PKCE, and the token it yields sees only that patient', async () => {
      const auth = server.meridian.auth;
      await auth.accounts.addUser({ username: 'carol', password: 'a long enough passphrase', fhirUser: 'Patient/pa', roles: ['patient'] });
      const redirect = 'https://growth.example.org/cb';
      const { client } = await auth.accounts.addClient({ name: 'Growth Chart', redirectUris: [redirect], scope: 'launch/patient patient/*.rs' });
      // a browser against the whole Meridian server: the login page, its cookie, the redirect with the code
      const inject: AuthTest['request'] = async (method, url, o = {}) => {
        const res = await server.meridian.http.inject({ method: method as 'GET', url, headers: { ...(o.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...(o.headers ?? {}) }, payload: o.form ? new URLSearchParams(o.form).toString() : undefined });
        return { status: res.statusCode, headers: res.headers, body: undefined, text: res.body };
      };
      const browser = new Browser({ request: inject } as AuthTest);
      const { verifier, challenge } = pkce();
      const page = await browser.get(authorizeUrl({ response_type: 'code', client_id: client.id, redirect_uri: redirect, scope: 'launch/patient patient/*.rs', state: 'st', aud: 'http://test.local/fhir', code_challenge: challenge, code_challenge_method: 'S256' }));
      assert.equal(page.status, 200, page.text.slice(0, 300));
      const back = await browser.post('/auth/login', { request: hidden(page.text, 'request'), username: 'carol', password: 'a long enough passphrase' });
      const code = redirectParams(back).get('code')!;
      const form = { grant_type: 'authorization_code', code, redirect_uri: redirect, client_id: client.id, code_verifier: verifier };
      const token = await server.meridian.http.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
      assert.equal(token.statusCode, 200, token.body);
      const { access_token, patient } = JSON.parse(token.body);
      assert.equal(patient, 'pa');
      const bearer = { authorization: `Bearer ${access_token}` };
      assert.equal((await server.get('Observation/oa', bearer)).status, 200);
      assert.equal((await server.get('Observation/ob', bearer)).status, 404);
      assert.deepEqual((await server.get('Observation', bearer)).body.entry.map((e: any) => e.resource.id), ['oa']);
    });

    it('excludes an opted-out patient from a research client’s queries', async () => {
      const writer = (await systemToken(server.meridian, 'system/Consent.c')).authorization;
      assert.equal((await server.post('Consent', nationalDataOptOut('pb'), { authorization: writer })).status, 201);
      const research = (await systemToken(server.meridian, 'system/*.rs', { purposeOfUse: 'HRESCH' })).authorization;
      const found = await server.get('Observation?_count=100', { authorization: research });
      const ids = (found.body.entry ?? []).map((e: any) => e.resource.id);
      assert.ok(ids.includes('oa') && !ids.includes('ob'), ids.join(','));
      assert.equal((await server.get('Patient/pb', { authorization: research })).status, 404);
    });
  });
}

describe('rate limits and CORS', () => {
  let server: Client;
  let cleanup: () => Promise<void>;
  before(async () => {
    const [store] = testStores();
    server = await startMeridian(await store.create(), { dev: 'false', 'rate-limit': '5', 'cors-origin': 'https://app.example.org' });
    cleanup = () => store.cleanup();
  });
  after(async () => {
    await server.meridian.close();
    await cleanup();
  });

  it('answers 429 with Retry-After once a client exceeds its rate', async () => {
    const { authorization } = await systemToken(server.meridian, 'system/Patient.rs');
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) statuses.push((await server.get('Patient', { authorization })).status);
    assert.ok(statuses.includes(429), statuses.join(','));
    const limited = await server.get('Patient', { authorization });
    assert.equal(limited.status, 429);
    assert.ok(Number(limited.headers['retry-after']) >= 1);
  });

  it('answers a CORS preflight from an allowed origin', async () => {
    const res = await server.request('OPTIONS', 'Patient', undefined, { origin: 'https://app.example.org', 'access-control-request-method': 'GET' });
    assert.equal(res.status, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.org');
    assert.match(String(res.headers['access-control-allow-headers']), /Authorization/);
  });
});
