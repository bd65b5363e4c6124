/** Users and clients in the store: passwords hashed with scrypt, what is validated, and the throttle on guessing. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashSecret, verifySecret, AccountError, randomId } from '../../../src/access/accounts/index.ts';
import { LoginThrottle, LOGIN_LIMITS } from '../../../src/access/auth/throttle.ts';
import { forEachStore } from './helpers.ts';

describe('password hashing', () => {
  test('a password is hashed with scrypt (N=2^15, r=8, p=1) and a fresh salt each time', async () => {
    const a = await hashSecret('correct horse battery staple');
    const b = await hashSecret('correct horse battery staple');
    assert.match(a, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a, b);
    assert.ok(!a.includes('correct horse'));
  });

  test('only the right password verifies; a malformed hash verifies nothing', async () => {
    const h = await hashSecret('correct horse battery staple');
    assert.equal(await verifySecret('correct horse battery staple', h), true);
    assert.equal(await verifySecret('correct horse battery stapl', h), false);
    assert.equal(await verifySecret('x', 'plain-text'), false);
    assert.equal(await verifySecret('x', 'scrypt$99999999999$8$1$aa$bb'), false);
  });
});

describe('random ids', () => {
  test('client and user ids never start with "-" or "_" (a command line would read "--client -x…" as an option)', () => {
    // 1 in 32 base64url ids would; 2,000 draws find one with near certainty if the rule were broken
    const ids = Array.from({ length: 2000 }, () => randomId());
    for (const id of ids) assert.match(id, /^[A-Za-z0-9][A-Za-z0-9_-]{15}$/);
    assert.equal(new Set(ids).size, ids.length);
  });
});

describe('the sign-in throttle per network address', () => {
  test(`after ${LOGIN_LIMITS.perAddress} failures an address waits until the window ends`, () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle(() => now);
    for (let i = 0; i < LOGIN_LIMITS.perAddress; i++) {
      assert.equal(throttle.wait('10.0.0.9'), 0);
      throttle.failed('10.0.0.9');
    }
    assert.ok(throttle.wait('10.0.0.9') > 0);
    assert.equal(throttle.wait('10.0.0.10'), 0, 'other addresses are not affected');
    now += LOGIN_LIMITS.windowMs;
    assert.equal(throttle.wait('10.0.0.9'), 0);
  });
});

forEachStore((_store, t) => {
  test('usernames are case-insensitive and unique', async () => {
    const { accounts } = t().auth;
    const user = await accounts.addUser({ username: 'Mary.Seacole', password: 'lamp in the dark', roles: ['clinician'], fhirUser: 'Practitioner/ms' });
    assert.equal(user.username, 'mary.seacole');
    assert.equal((await accounts.userByName('MARY.SEACOLE'))?.id, user.id);
    await assert.rejects(accounts.addUser({ username: 'mary.SEACOLE', password: 'lamp in the dark', roles: ['clinician'] }), (e: unknown) => e instanceof AccountError && e.kind === 'conflict');
  });

  test('what is returned about a user or client never holds a hash', async () => {
    const { accounts } = t().auth;
    const user = await accounts.addUser({ username: 'florence', password: 'lamp in the dark', roles: ['admin'] });
    assert.ok(!JSON.stringify(user).includes('scrypt'));
    assert.ok(!JSON.stringify(await accounts.listUsers()).includes('scrypt'));
    const { client, secret } = await accounts.addClient({ name: 'Confidential', redirectUris: ['https://c.example/cb'], generateSecret: true, scope: 'user/*.rs' });
    assert.ok(secret && !JSON.stringify(client).includes(secret) && !JSON.stringify(client).includes('scrypt'));
    assert.ok(await verifySecret(secret, (await accounts.client(client.id))!.secretHash!));
  });

  test('a user may have an external subject and no password (external sign-in only), but not neither', async () => {
    const { accounts } = t().auth;
    const user = await accounts.addUser({ username: 'cis2.user', externalSubject: 'uid-555', roles: ['clinician'], fhirUser: 'Practitioner/c2' });
    assert.equal((await accounts.userBySubject('uid-555'))?.id, user.id);
    await assert.rejects(accounts.addUser({ username: 'nobody', roles: ['clinician'] }), /password, or an external subject/);
    await assert.rejects(accounts.addUser({ username: 'dup.subject', externalSubject: 'uid-555', roles: ['clinician'] }), /external subject/);
  });

  test('fhirUser, roles, organisation and clearance are checked', async () => {
    const { accounts } = t().auth;
    const base = { username: 'checked', password: 'long enough!', roles: ['clinician' as const] };
    await assert.rejects(accounts.addUser({ ...base, fhirUser: 'Organization/1' }), /FHIR user/);
    await assert.rejects(accounts.addUser({ ...base, roles: [] }), /at least one role/);
    await assert.rejects(accounts.addUser({ ...base, organization: 'has space' }), /Organization/);
    await assert.rejects(accounts.addUser({ ...base, clearance: ['X'] }), /confidentiality label/);
  });

  test('deactivated users and clients are stored as inactive, and can be reactivated', async () => {
    const { accounts } = t().auth;
    await accounts.addUser({ username: 'on.off', password: 'long enough!', roles: ['clinician'] });
    assert.equal(await accounts.setUserActive('on.off', false), true);
    assert.equal((await accounts.userByName('on.off'))?.active, false);
    assert.equal(await accounts.setUserActive('on.off', true), true);
    assert.equal((await accounts.userByName('on.off'))?.active, true);
    assert.equal(await accounts.setUserActive('no.such.user', false), false);
  });
});
