/**
 * Test data for access policy: a fresh store per dialect with resources written through the real
 * search indexer (the index rows an interaction would write), NHS numbers that pass Modulus 11,
 * and access contexts for each kind of caller.
 */
import { after, before, describe } from 'node:test';
import { loadR4Definitions } from '../../../src/fhir/definitions.ts';
import { createSearchEngine } from '../../../src/search/index.ts';
import { openStore, type ResourceStore } from '../../../src/storage/index.ts';
import type { AccessContext, Role } from '../../../src/access/types.ts';
import { testStores, type TestStore } from '../../helpers/stores.ts';

export type R = { resourceType: string; id: string; [key: string]: unknown };

let defs: ReturnType<typeof loadR4Definitions> | undefined;

export interface PolicyDb {
  name: TestStore['name'];
  store: ResourceStore;
  /** Writes each resource as a new version of its id (creating it if need be), in one transaction. */
  put(...resources: R[]): Promise<void>;
  /** Deletes a resource (a deletion version without index rows). */
  remove(resourceType: string, id: string): Promise<void>;
}

async function openPolicyDb(name: TestStore['name'], spec: string): Promise<PolicyDb> {
  const store = await openStore(spec);
  const search = createSearchEngine((defs ??= loadR4Definitions()), store.dialect);
  const write = async (resources: R[], deleted: boolean) =>
    store.transaction(async (tx) => {
      for (const r of resources) {
        const current = await tx.readCurrent(r.resourceType, r.id);
        const versionId = (current?.versionId ?? 0) + 1;
        const lastUpdated = Date.now();
        const stored = { ...r, meta: { ...(r.meta as object), versionId: String(versionId), lastUpdated: new Date(lastUpdated).toISOString() } };
        await tx.writeVersion(
          { resourceType: r.resourceType, id: r.id, versionId, lastUpdated, deleted, json: deleted ? null : JSON.stringify(stored), method: deleted ? 'DELETE' : 'PUT' },
          deleted ? {} : search.index(stored),
        );
      }
    });
  return {
    name,
    store,
    put: (...resources) => write(resources, false),
    remove: (resourceType, id) => write([{ resourceType, id }], true),
  };
}

/** Declares a suite once per test store (MERIDIAN_TEST_STORES), each on a fresh database. */
export function forEachStore(define: (name: TestStore['name'], db: () => PolicyDb) => void): void {
  for (const s of testStores()) {
    describe(`on ${s.name}`, () => {
      let db: PolicyDb | undefined;
      before(async () => {
        db = await openPolicyDb(s.name, await s.create());
      });
      after(async () => {
        await db?.store.close();
        await s.cleanup();
      });
      define(s.name, () => db!);
    });
  }
}

/** The `n`th valid NHS number of the 900 test range (Modulus 11 check digit). */
export function nhsNumber(n: number): string {
  for (let i = n; ; i += 1_000_000) {
    const nine = `9${String(i).padStart(8, '0')}`.slice(0, 9);
    const sum = [...nine].reduce((s, d, k) => s + Number(d) * (10 - k), 0);
    const check = 11 - (sum % 11);
    if (check === 10) continue;
    return nine + (check === 11 ? '0' : String(check));
  }
}

export function patient(id: string, n: number, extra: Record<string, unknown> = {}): R {
  return { resourceType: 'Patient', id, identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: nhsNumber(n) }], name: [{ family: 'Test', given: [id] }], ...extra };
}

export const ref = (reference: string) => ({ reference });

/** An access context of the given kind; fields can be overridden. */
export function access(kind: 'clinician' | 'patient' | 'system' | 'admin' | 'proxy', over: Partial<AccessContext> = {}): AccessContext {
  const roles: Record<typeof kind, Role[]> = { clinician: ['clinician'], patient: ['patient'], system: [], admin: ['admin'], proxy: ['patient'] };
  const base: AccessContext = {
    mode: 'token',
    clientId: `${kind}-app`,
    roles: new Set(roles[kind]),
    scopes: [],
    purposeOfUse: 'TREAT',
    clearance: new Set(),
    ...(kind === 'clinician' ? { fhirUser: 'PractitionerRole/role-gp', organization: 'org-gp', userName: 'dr.smith' } : {}),
    ...(kind === 'admin' ? { fhirUser: 'Practitioner/admin', userName: 'admin' } : {}),
    ...(kind === 'patient' ? { fhirUser: 'Patient/p1', patient: 'p1' } : {}),
    ...(kind === 'proxy' ? { fhirUser: 'RelatedPerson/parent', patient: 'p1' } : {}),
  };
  return { ...base, ...over };
}
