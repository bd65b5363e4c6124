/** Shared by the audit tests: access contexts, audit inputs, a read context and a store per backend. */
import { after, before } from 'node:test';
import type { AccessContext, Role } from '../../src/access/types.ts';
import type { AuditInput, AuditReadContext } from '../../src/audit/index.ts';
import type { FhirRequest } from '../../src/interactions/types.ts';
import { openStore, type ResourceStore } from '../../src/storage/index.ts';
import type { TestStore } from '../helpers/stores.ts';

export const BASE = 'http://test.local/fhir';
export const OBSERVER = 'https://meridian.example.nhs.uk/fhir';

export function access(overrides: Partial<AccessContext> = {}): AccessContext {
  return {
    mode: 'token',
    clientId: 'gp-app',
    clientName: 'GP Record Viewer',
    fhirUser: 'Practitioner/prac1',
    userName: 'jsmith',
    organization: 'org1',
    roles: new Set<Role>(['clinician']),
    scopes: [],
    purposeOfUse: 'TREAT',
    clearance: new Set(),
    tokenId: 'jti-1',
    address: '10.1.2.3',
    ...overrides,
  };
}

export function input(overrides: Partial<AuditInput> = {}): AuditInput {
  return {
    access: access(),
    interaction: 'read',
    method: 'GET',
    resourceType: 'Observation',
    id: 'obs1',
    patients: ['pat1'],
    entities: ['Observation/obs1/_history/2'],
    status: 200,
    recorded: Date.UTC(2025, 2, 14, 9, 30),
    ...overrides,
  };
}

export function readContext(store: ResourceStore, now = Date.UTC(2025, 5, 1)): AuditReadContext {
  return {
    store,
    config: { validateCoreOnWrite: false, conditionalDelete: 'single', conditionalDeleteLimit: 10, defaultPageSize: 20, maxPageSize: 100 },
    now: () => now,
  };
}

export function request(params: [string, string][], route: Partial<FhirRequest> = {}): FhirRequest {
  return { interaction: 'search-type', resourceType: 'AuditEvent', method: 'GET', params, prefer: {}, baseUrl: BASE, ...route };
}

/** A fresh migrated store for the suite it is called in; `get()` returns it once `before` has run. */
export function freshStore(backend: TestStore): { get(): ResourceStore } {
  let store: ResourceStore | undefined;
  before(async () => {
    store = await openStore(await backend.create());
  });
  after(async () => {
    await store?.close();
    await backend.cleanup();
  });
  return { get: () => store! };
}

/** The `_cursor` of a Bundle's next link, or undefined. */
export function nextCursor(bundle: any): string | undefined {
  const next = bundle.link?.find((l: any) => l.relation === 'next')?.url;
  return next ? new URL(next).searchParams.get('_cursor') ?? undefined : undefined;
}

export function body(res: { body?: unknown }): any {
  const b = res.body as { raw?: string } | undefined;
  return b && typeof b.raw === 'string' ? JSON.parse(b.raw) : b;
}
