/** A Meridian instance for HTTP tests, driven through fastify.inject. */
import { after, before, describe } from 'node:test';
import { buildConfig } from '../../src/app/config.ts';
import { createMeridian, type Meridian } from '../../src/app/app.ts';
import { testStores, type TestStore } from './stores.ts';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: any;
  text: string;
}

export interface Client {
  meridian: Meridian;
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  get(url: string, headers?: Record<string, string>): Promise<Reply>;
  post(url: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  put(url: string, body: unknown, headers?: Record<string, string>): Promise<Reply>;
  del(url: string, headers?: Record<string, string>): Promise<Reply>;
}

export async function startMeridian(storeSpec: string, overrides: Record<string, string> = {}): Promise<Client> {
  const meridian = await createMeridian(buildConfig({ store: storeSpec, dev: true, 'base-url': 'http://test.local/fhir', ...overrides }, {}));
  await meridian.http.ready();
  const request = async (method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> => {
    const hasBody = body !== undefined;
    const res = await meridian.http.inject({
      method: method as 'GET',
      url: url.startsWith('/') ? url : `/fhir/${url}`,
      headers: { ...(hasBody ? { 'content-type': 'application/fhir+json' } : {}), ...headers },
      payload: hasBody ? (typeof body === 'string' ? body : JSON.stringify(body)) : undefined,
    });
    let parsed: unknown;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.statusCode, headers: res.headers, body: parsed, text: res.body };
  };
  return {
    meridian,
    request,
    get: (url, h) => request('GET', url, undefined, h),
    post: (url, b, h) => request('POST', url, b, h),
    put: (url, b, h) => request('PUT', url, b, h),
    del: (url, h) => request('DELETE', url, undefined, h),
  };
}

/**
 * Declares a suite once per store, each with its own fresh database and server.
 * The callback receives a getter because the server only exists once `before` has run.
 */
export function forEachStore(define: (store: TestStore['name'], client: () => Client) => void): void {
  for (const store of testStores()) {
    describe(`on ${store.name}`, () => {
      let client: Client | undefined;
      before(async () => {
        client = await startMeridian(await store.create());
      });
      after(async () => {
        await client?.meridian.close();
        await store.cleanup();
      });
      define(store.name, () => client!);
    });
  }
}
