/**
 * The authorization server on a fresh store, mounted on its own Fastify instance (as app.ts mounts
 * it on the FHIR server's), driven through `inject`; a browser with a cookie jar; PKCE pairs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createAuthServer, type AuthServer, type AuthServerOptions } from '../../../src/access/auth/index.ts';
import { loadR4Definitions, type Definitions } from '../../../src/fhir/definitions.ts';
import { createSearchEngine } from '../../../src/search/index.ts';
import { openStore, type ResourceStore } from '../../../src/storage/index.ts';
import type { SearchEngine } from '../../../src/interactions/types.ts';
import { testStores, type TestStore } from '../../helpers/stores.ts';

export const BASE = 'http://test.local/fhir';
export const TOKEN_URL = 'http://test.local/auth/token';
export const REDIRECT = 'https://app.example.org/callback';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

export interface AuthTest {
  app: FastifyInstance;
  auth: AuthServer;
  store: ResourceStore;
  search: SearchEngine;
  /** A plain request (no cookies). */
  request(method: string, url: string, opts?: { form?: Record<string, string>; json?: unknown; headers?: Record<string, string>; address?: string }): Promise<Reply>;
  /** Stores a Patient (test fixture) with an NHS number; returns its id. */
  addPatient(id: string, nhsNumber?: string): Promise<string>;
  close(): Promise<void>;
}

let defs: Definitions | undefined;

export async function startAuth(storeSpec: string, opts: Partial<AuthServerOptions> = {}): Promise<AuthTest> {
  const store = await openStore(storeSpec);
  const search = createSearchEngine((defs ??= loadR4Definitions()), store.dialect);
  const auth = await createAuthServer({ store, search, baseUrl: BASE, pollMs: 60_000, ...opts });
  const app = Fastify({ logger: false });
  auth.register(app);
  await app.ready();
  const request: AuthTest['request'] = async (method, url, o = {}) => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    let payload: string | undefined;
    if (o.form) {
      headers['content-type'] ??= 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(o.form).toString();
    } else if (o.json !== undefined) {
      headers['content-type'] ??= 'application/json';
      payload = JSON.stringify(o.json);
    }
    const res = await app.inject({ method: method as 'GET', url, headers, payload, remoteAddress: o.address ?? '127.0.0.1' });
    let body: unknown;
    try {
      body = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      body = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body, text: res.body };
  };
  return {
    app,
    auth,
    store,
    search,
    request,
    async addPatient(id, nhsNumber) {
      const resource = {
        resourceType: 'Patient',
        id,
        meta: { versionId: '1', lastUpdated: new Date().toISOString() },
        ...(nhsNumber ? { identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber }] } : {}),
        name: [{ family: 'Test', given: ['Pat'] }],
      };
      await store.transaction((tx) =>
        tx.writeVersion({ resourceType: 'Patient', id, versionId: 1, lastUpdated: Date.now(), deleted: false, json: JSON.stringify(resource), method: 'PUT' }, search.index(resource)),
      );
      return id;
    },
    async close() {
      await auth.close();
      await app.close();
      await search.close?.();
      await store.close();
    },
  };
}

/** Declares a suite once per store, each with a fresh database and authorization server. */
export function forEachStore(define: (store: TestStore['name'], t: () => AuthTest) => void, opts: () => Partial<AuthServerOptions> = () => ({})): void {
  for (const store of testStores()) {
    describe(`on ${store.name}`, () => {
      let t: AuthTest | undefined;
      before(async () => {
        t = await startAuth(await store.create(), opts());
      });
      after(async () => {
        await t?.close();
        await store.cleanup();
      });
      define(store.name, () => t!);
    });
  }
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A browser: keeps the cookies the server sets, and reads forms' hidden fields. */
export class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(
    private readonly t: AuthTest,
    readonly address = '127.0.0.1',
  ) {}

  private remember(res: Reply): Reply {
    const set = res.headers['set-cookie'];
    for (const c of Array.isArray(set) ? set : set ? [String(set)] : []) {
      const [pair] = c.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    return res;
  }

  private headers(): Record<string, string> {
    return this.cookies.size ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {};
  }

  async get(url: string): Promise<Reply> {
    return this.remember(await this.t.request('GET', url, { headers: this.headers(), address: this.address }));
  }

  async post(url: string, form: Record<string, string>): Promise<Reply> {
    return this.remember(await this.t.request('POST', url, { form, headers: this.headers(), address: this.address }));
  }

  forget(): void {
    this.cookies.clear();
  }
}

/** The value of a hidden form field on a page. */
export function hidden(html: string, name: string): string {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no hidden field ${name} on the page:\n${html.slice(0, 3000)}`);
  return m[1];
}

/** Query parameters of a redirect. */
export function redirectParams(res: Reply): URLSearchParams {
  const location = String(res.headers.location ?? '');
  if (!location) throw new Error(`not a redirect (${res.status}): ${res.text.slice(0, 2000)}`);
  return new URL(location).searchParams;
}

export function authorizeUrl(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `/auth/authorize?${q}`;
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
