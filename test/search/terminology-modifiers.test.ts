import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ids, load, type R } from './fixtures.ts';

const SYSTEM = 'http://example.org/fhir/CodeSystem/findings';

const codeSystem: R = {
  resourceType: 'CodeSystem',
  id: 'findings',
  url: SYSTEM,
  status: 'active',
  content: 'complete',
  hierarchyMeaning: 'is-a',
  concept: [
    { code: 'finding', display: 'Finding', concept: [{ code: 'cardio', display: 'Cardiovascular finding', concept: [{ code: 'murmur', display: 'Heart murmur' }] }, { code: 'resp', display: 'Respiratory finding' }] },
  ],
};
const valueSet: R = {
  resourceType: 'ValueSet',
  id: 'cardio-findings',
  url: 'http://example.org/fhir/ValueSet/cardio-findings',
  status: 'active',
  compose: { include: [{ system: SYSTEM, filter: [{ property: 'concept', op: 'is-a', value: 'cardio' }] }] },
};
const obs = (id: string, code: string, system = SYSTEM): R => ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system, code }] } });

forEachStore((_store, client) => {
  before(async () => {
    assert.equal((await client().post('CodeSystem', codeSystem)).status, 201);
    assert.equal((await client().post('ValueSet', valueSet)).status, 201);
    await load(client(), [obs('o-finding', 'finding'), obs('o-cardio', 'cardio'), obs('o-murmur', 'murmur'), obs('o-resp', 'resp'), obs('o-other', 'murmur', 'http://example.org/other')]);
    await load(client(), [
      { resourceType: 'Patient', id: 'pf', gender: 'female' },
      { resourceType: 'Patient', id: 'pu', gender: 'unknown' },
    ]);
  });

  describe('token :in and :not-in', () => {
    it('match codes in a ValueSet POSTed to the server', async () => {
      assert.deepEqual(await ids(client(), 'Observation?code:in=http://example.org/fhir/ValueSet/cardio-findings'), ['o-cardio', 'o-murmur']);
    });
    it(':not-in matches resources with no code in the ValueSet', async () => {
      assert.deepEqual(await ids(client(), 'Observation?code:not-in=http://example.org/fhir/ValueSet/cardio-findings'), ['o-finding', 'o-other', 'o-resp']);
    });
    it('match code elements against a core ValueSet', async () => {
      assert.deepEqual(await ids(client(), 'Patient?gender:in=http://hl7.org/fhir/ValueSet/administrative-gender&_id=pf,pu'), ['pf', 'pu']);
    });
    it('refuse an unknown ValueSet, or one that cannot be enumerated, with 400', async () => {
      assert.equal((await client().get('Observation?code:in=http://example.org/nothing')).status, 400);
      assert.equal((await client().get('Observation?code:in=http://hl7.org/fhir/ValueSet/observation-codes')).status, 400);
    });
  });

  describe('token :below and :above', () => {
    it(':below matches the code and its descendants in a held CodeSystem', async () => {
      assert.deepEqual(await ids(client(), `Observation?code:below=${SYSTEM}|cardio`), ['o-cardio', 'o-murmur']);
      assert.deepEqual(await ids(client(), `Observation?code:below=${SYSTEM}|finding`), ['o-cardio', 'o-finding', 'o-murmur', 'o-resp']);
    });
    it(':above matches the code and its ancestors', async () => {
      assert.deepEqual(await ids(client(), `Observation?code:above=${SYSTEM}|murmur`), ['o-cardio', 'o-finding', 'o-murmur']);
    });
    it('refuse a CodeSystem the server does not hold with 400', async () => {
      assert.equal((await client().get('Observation?code:below=http://snomed.info/sct|404684003')).status, 400);
    });
  });
});
