/**
 * What a search records for its AuditEvent (the request's trail): every match and every included
 * resource, at its version, with the patients whose records they belong to, as the stored index
 * rows say, on every store and whether access is open or enforced.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAccess } from '../../src/access/types.ts';
import { Trail } from '../../src/access/trail.ts';
import { createContext } from '../../src/app/app.ts';
import { buildConfig } from '../../src/app/config.ts';
import { routeOf, splitUrl } from '../../src/fhir/url.ts';
import type { InteractionContext } from '../../src/interactions/types.ts';
import { testStores } from '../helpers/stores.ts';
import { as, caller } from '../access/helpers.ts';

const DATA = [
  { resourceType: 'Organization', id: 'org', name: 'Alpha Surgery' },
  { resourceType: 'Patient', id: 'pa', managingOrganization: { reference: 'Organization/org' } },
  { resourceType: 'Patient', id: 'pb' },
  { resourceType: 'Encounter', id: 'e1', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/pa' }, serviceProvider: { reference: 'Organization/org' } },
  { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/pa' }, encounter: { reference: 'Encounter/e1' } },
  { resourceType: 'Observation', id: 'o2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/pb' }, encounter: { reference: 'Encounter/e1' } },
];

for (const store of testStores()) {
  describe(`search trail on ${store.name}`, () => {
    let ctx: InteractionContext;
    before(async () => {
      ctx = await createContext(buildConfig({ store: await store.create(), dev: true }, {}));
      for (const r of DATA) assert.equal((await as(ctx, openAccess(), 'PUT', `${r.resourceType}/${r.id}`, r)).status, 201);
      // a second version: the trail names the one read
      assert.equal((await as(ctx, openAccess(), 'PUT', 'Encounter/e1', { ...DATA[3], status: 'cancelled' })).status, 200);
    });
    after(async () => {
      await ctx.search.close?.();
      await ctx.store.close();
      await store.cleanup();
    });

    async function trail(url: string, access = openAccess()): Promise<{ entities: string[]; patients: string[] }> {
      const { segments, params } = splitUrl(url);
      const route = routeOf('GET', segments, (t) => ctx.defs.isResourceType(t));
      const t = new Trail();
      const res = await ctx.search.search!({ ...route, method: 'GET', params, body: undefined, bodyType: 'resource', prefer: {}, baseUrl: 'http://test.local/fhir' }, { ...ctx, access, trail: t }, ctx.store);
      assert.equal(res.status, 200);
      return { entities: [...t.entities].sort(), patients: [...t.patients].sort() };
    }

    for (const [mode, access] of [['open access', openAccess()], ['a system token', caller({ client: 'care-record', scope: 'system/*.rs' })]] as const) {
      describe(mode, () => {
        it('records the matches and what _include adds, with their patients', async () => {
          assert.deepEqual(await trail('Observation?_id=o1&_include=Observation:encounter&_include=Encounter:service-provider', access), {
            entities: ['Encounter/e1/_history/2', 'Observation/o1/_history/1'],
            patients: ['pa'],
          });
          assert.deepEqual(await trail('Encounter?_id=e1&_include=Encounter:service-provider', access), { entities: ['Encounter/e1/_history/2', 'Organization/org/_history/1'], patients: ['pa'] });
        });
        it('records what _revinclude adds, with their patients', async () => {
          assert.deepEqual(await trail('Encounter?_id=e1&_revinclude=Observation:encounter', access), {
            entities: ['Encounter/e1/_history/2', 'Observation/o1/_history/1', 'Observation/o2/_history/1'],
            patients: ['pa', 'pb'],
          });
          assert.deepEqual(await trail('Patient?_id=pa,pb&_revinclude=Observation:subject', access), {
            entities: ['Observation/o1/_history/1', 'Observation/o2/_history/1', 'Patient/pa/_history/1', 'Patient/pb/_history/1'],
            patients: ['pa', 'pb'],
          });
        });
      });
    }
  });
}
