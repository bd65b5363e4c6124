/** The operator commands, run as the real `meridian` child process: user add (password from stdin), client add, token. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair } from 'jose';
import { Accounts, verifySecret } from '../../../src/access/accounts/index.ts';
import { createAuthServer } from '../../../src/access/auth/index.ts';
import { openStore } from '../../../src/storage/index.ts';
import { testStores } from '../../helpers/stores.ts';

const BIN = resolve(process.cwd(), 'bin/meridian.js');
const BASE_URL = 'https://fhir.example.nhs.uk/fhir';
const dir = mkdtempSync(join(tmpdir(), 'meridian-auth-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function meridian(args: string[], stdin = ''): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, MERIDIAN_STORE: undefined, MERIDIAN_BASE_URL: undefined } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

describe('meridian user, client and token: help and usage errors', () => {
  test('each command explains itself with --help', async () => {
    for (const [cmd, words] of [
      ['user', /--fhir-user[\s\S]*standard input/],
      ['client', /--redirect-uri[\s\S]*--jwks FILE[\s\S]*--purpose/],
      ['token', /--client ID[\s\S]*--lifetime/],
    ] as const) {
      const run = await meridian([cmd, '--help']);
      assert.equal(run.code, 0);
      assert.match(run.stdout, words);
    }
  });

  test('usage mistakes exit 2 with a message saying what is wrong', async () => {
    const store = `sqlite:${join(dir, 'usage.db')}`;
    const cases: [string[], RegExp][] = [
      [['user', 'add', '--store', store, '--role', 'clinician'], /--username is required/],
      [['user', 'add', '--store', store, '--username', 'a', '--role', 'boss'], /"boss" is not a role/],
      [['user', 'add', '--store', store, '--username', 'a', '--role', 'clinician', '--password', 'x'], /Unknown option '--password'/],
      [['user', 'frobnicate', '--store', store], /add, list, deactivate or activate/],
      [['client', 'add', '--store', store, '--name', 'X'], /--scope is required/],
      [['client', 'add', '--store', store, '--name', 'X', '--scope', 'system/*.rs'], /redirect URIs .* or a JWKS/],
      [['token', '--store', store, '--scope', 'system/*.rs'], /name the client/],
      [['token', '--store', store, '--client', 'x', '--scope', 'system/*.rs', '--lifetime', 'forever'], /duration/],
    ];
    for (const [args, message] of cases) {
      const run = await meridian(args);
      assert.equal(run.code, 2, `${args.join(' ')}\n${run.stderr}`);
      assert.match(run.stderr, message, args.join(' '));
    }
    const short = await meridian(['user', 'add', '--store', store, '--username', 'a', '--role', 'clinician'], 'short\n');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 8 characters/);
  });
});

for (const s of testStores()) {
  describe(`meridian user, client and token on ${s.name}`, () => {
    let store: string;
    before(async () => {
      store = await s.create();
    });
    after(() => s.cleanup());

    test('user add reads the password from standard input and stores only its scrypt hash', async () => {
      const run = await meridian(['user', 'add', '--store', store, '--username', 'Dr.Patel', '--role', 'clinician', '--fhir-user', 'Practitioner/p7', '--organization', 'rxy', '--clearance', 'R'], 'a strong passphrase\n');
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /Added user dr\.patel \(clinician, Practitioner\/p7, Organization\/rxy\)/);
      assert.ok(!run.stdout.includes('passphrase') && !run.stderr.includes('passphrase'));
      const db = await openStore(store);
      try {
        const user = (await new Accounts(db).userByName('dr.patel'))!;
        assert.match(user.passwordHash!, /^scrypt\$32768\$8\$1\$/);
        assert.ok(await verifySecret('a strong passphrase', user.passwordHash!));
        assert.deepEqual(user.clearance, ['R']);
      } finally {
        await db.close();
      }
      const again = await meridian(['user', 'add', '--store', store, '--username', 'dr.patel', '--role', 'clinician'], 'another passphrase\n');
      assert.equal(again.code, 1);
      assert.match(again.stderr, /taken/);
    });

    test('client add prints the new client id; a backend service registers its JWKS file', async () => {
      const pub = await meridian(['client', 'add', '--store', store, '--name', 'Bedside', '--redirect-uri', 'https://bedside.example/cb', '--scope', 'launch/patient user/*.rs patient/*.rs']);
      assert.equal(pub.code, 0, pub.stderr);
      assert.match(pub.stdout.trim(), /^[A-Za-z0-9_-]{16}$/);
      const { publicKey } = await generateKeyPair('ES384');
      const jwksFile = join(dir, `jwks-${s.name}.json`);
      writeFileSync(jwksFile, JSON.stringify({ keys: [await exportJWK(publicKey)] }));
      const backend = await meridian(['client', 'add', '--store', store, '--name', 'Registry feed', '--jwks', jwksFile, '--scope', 'system/Patient.rs', '--purpose', 'HRESCH']);
      assert.equal(backend.code, 0, backend.stderr);
      assert.match(backend.stderr, /private_key_jwt; purpose of use HRESCH/);
      const secret = await meridian(['client', 'add', '--store', store, '--name', 'Portal', '--redirect-uri', 'https://portal.example/cb', '--secret-from-stdin', '--scope', 'user/*.rs'], 'a-long-client-secret-123\n');
      assert.equal(secret.code, 0, secret.stderr);
      const list = await meridian(['client', 'list', '--store', store]);
      assert.match(list.stdout, /Registry feed/);
      assert.ok(!list.stdout.includes('a-long-client-secret-123') && !list.stdout.includes('scrypt'));
    });

    test('token prints a token the server accepts, for a backend client or for a user with a patient in context', async () => {
      const backendId = (await meridian(['client', 'add', '--store', store, '--name', 'Nightly job', '--jwks-url', 'https://job.example/jwks.json', '--scope', 'system/*.rs'])).stdout.trim();
      const appId = (await meridian(['client', 'add', '--store', store, '--name', 'Chart', '--redirect-uri', 'https://chart.example/cb', '--scope', 'patient/*.rs user/*.rs'])).stdout.trim();
      const system = await meridian(['token', '--store', store, '--client', backendId, '--scope', 'system/Patient.rs', '--lifetime', '5m', '--base-url', BASE_URL]);
      assert.equal(system.code, 0, system.stderr);
      const user = await meridian(['token', '--store', store, '--client', appId, '--user', 'dr.patel', '--patient', 'pt1', '--scope', 'patient/Observation.rs', '--base-url', BASE_URL]);
      assert.equal(user.code, 0, user.stderr);
      const claims = decodeJwt(system.stdout.trim());
      assert.equal(claims.exp! - claims.iat!, 300);
      assert.equal(claims.iss, BASE_URL);

      const db = await openStore(store);
      const auth = await createAuthServer({ store: db, baseUrl: BASE_URL, pollMs: 60_000 });
      try {
        const asSystem = await auth.authenticate(`Bearer ${system.stdout.trim()}`);
        assert.equal(asSystem.clientName, 'Nightly job');
        assert.deepEqual(asSystem.scopes.map((x) => x.text), ['system/Patient.rs']);
        const asUser = await auth.authenticate(`Bearer ${user.stdout.trim()}`);
        assert.equal(asUser.userName, 'dr.patel');
        assert.equal(asUser.patient, 'pt1');

        const refused = await meridian(['token', '--store', store, '--client', appId, '--user', 'dr.patel', '--scope', 'user/*.cruds', '--base-url', BASE_URL]);
        assert.equal(refused.code, 2);
        assert.match(refused.stderr, /not allowed user\/\*\.cruds/);

        const off = await meridian(['user', 'deactivate', '--store', store, '--username', 'dr.patel']);
        assert.equal(off.code, 0, off.stderr);
        await auth.poll();
        await assert.rejects(auth.authenticate(`Bearer ${user.stdout.trim()}`), /no longer active/);
      } finally {
        await auth.close();
        await db.close();
      }
    });
  });
}
