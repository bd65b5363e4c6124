import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { forEachStore, startMeridian, type Client } from '../helpers/server.ts';
import { ids, load, type R } from './fixtures.ts';

const MAIDEN = 'http://hl7.org/fhir/StructureDefinition/patient-mothersMaidenName';

const maidenName: R = {
  resourceType: 'SearchParameter',
  id: 'mothers-maiden-name',
  url: 'http://example.org/fhir/SearchParameter/mothers-maiden-name',
  name: 'MothersMaidenName',
  status: 'active',
  description: "The patient's mother's maiden name",
  code: 'mothers-maiden-name',
  base: ['Patient'],
  type: 'string',
  expression: `Patient.extension.where(url='${MAIDEN}').value`,
};

const patient = (id: string, maiden: string): R => ({ resourceType: 'Patient', id, extension: [{ url: MAIDEN, valueString: maiden }] });

/** Waits for a $reindex job to end; returns its final status body. */
export async function awaitJob(client: Client, statusUrl: string): Promise<any> {
  for (let n = 0; n < 200; n++) {
    const res = await client.get(statusUrl.replace('http://test.local', ''));
    if (res.status === 200) return res.body;
    assert.equal(res.status, 202, res.text);
    await sleep(25);
  }
  throw new Error('the job did not end');
}

const param = (body: any, name: string) => body.parameter.find((p: any) => p.name === name);

forEachStore((_store, client) => {
  describe('custom SearchParameter resources', () => {
    it('refuses an unknown base type or a bad expression with 422', async () => {
      for (const bad of [
        { ...maidenName, id: 'bad1', url: 'http://example.org/bad1', base: ['Nonsense'] },
        { ...maidenName, id: 'bad2', url: 'http://example.org/bad2', expression: 'Patient.name.where(' },
        { ...maidenName, id: 'bad3', url: 'http://example.org/bad3', code: 'a.b' },
      ]) {
        const res = await client().put(`SearchParameter/${bad.id}`, bad);
        assert.equal(res.status, 422, res.text);
        assert.equal(res.body.resourceType, 'OperationOutcome');
      }
    });

    it('leaves no parameter behind when the transaction storing it rolls back', async () => {
      const res = await client().post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { resource: maidenName, request: { method: 'PUT', url: 'SearchParameter/mothers-maiden-name' } },
          { resource: { resourceType: 'Patient', id: 'nope' }, request: { method: 'PUT', url: 'Patient/nope', ifMatch: 'W/"7"' } },
        ],
      });
      assert.notEqual(res.status, 200);
      const search = await client().get('Patient?mothers-maiden-name=x', { prefer: 'handling=strict' });
      assert.equal(search.status, 400, search.text);
    });

    it('is usable for search on resources written after it is stored', async () => {
      await load(client(), [patient('before', 'Smith')]);
      assert.equal((await client().put('SearchParameter/mothers-maiden-name', maidenName)).status, 201);
      await load(client(), [patient('after1', 'Smith'), patient('after2', 'Jones')]);
      assert.deepEqual(await ids(client(), 'Patient?mothers-maiden-name=smi'), ['after1']);
      assert.deepEqual(await ids(client(), 'Patient?mothers-maiden-name:exact=Jones'), ['after2']);
    });

    it('is listed in the CapabilityStatement', async () => {
      const res = await client().get('metadata');
      const p = res.body.rest[0].resource.find((r: any) => r.type === 'Patient');
      assert.ok(p.searchParam.some((s: any) => s.name === 'mothers-maiden-name' && s.definition === maidenName.url));
    });

    it('back-fills existing resources with $reindex, reporting progress', async () => {
      const started = await client().post('Patient/$reindex', { resourceType: 'Parameters' });
      assert.equal(started.status, 202, started.text);
      const statusUrl = String(started.headers['content-location']);
      assert.match(statusUrl, /\/\$reindex-status\?job=/);
      const done = await awaitJob(client(), statusUrl);
      assert.equal(param(done, 'status').valueCode, 'completed');
      assert.equal(param(done, 'progress').valueDecimal, 1);
      assert.ok(param(done, 'processed').valueInteger >= 3);
      assert.deepEqual(await ids(client(), 'Patient?mothers-maiden-name=smith'), ['after1', 'before']);
    });

    it('reindexes every type at system level and answers 404 for an unknown job', async () => {
      const started = await client().post('$reindex', undefined);
      assert.equal(started.status, 202, started.text);
      assert.equal(param(await awaitJob(client(), String(started.headers['content-location'])), 'status').valueCode, 'completed');
      assert.equal((await client().get('$reindex-status?job=nonesuch')).status, 404);
      assert.equal((await client().get('$reindex-status')).status, 400);
    });

    it('is loaded from the database when another server starts on it', async () => {
      const other = await startMeridian((client().meridian.ctx.config as unknown as { store: string }).store);
      try {
        const res = await other.get('Patient?mothers-maiden-name=jones', { prefer: 'handling=strict' });
        assert.equal(res.status, 200, res.text);
        assert.deepEqual(res.body.entry.map((e: any) => e.resource.id), ['after2']);
      } finally {
        await other.meridian.close();
      }
    });

    it('stops being usable once deleted', async () => {
      assert.equal((await client().del('SearchParameter/mothers-maiden-name')).status, 204);
      assert.equal((await client().get('Patient?mothers-maiden-name=smith', { prefer: 'handling=strict' })).status, 400);
    });
  });
});
