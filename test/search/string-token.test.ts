import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forEachStore } from '../helpers/server.ts';
import { ids, load } from './fixtures.ts';

const NHS = 'https://fhir.nhs.uk/Id/nhs-number';

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      { resourceType: 'Patient', id: 'zoe', name: [{ family: 'Ärnold', given: ['Zoë', 'Ann'] }], gender: 'female', active: true, identifier: [{ system: NHS, value: '9000000009' }], address: [{ city: 'Leeds', postalCode: 'LS1 4AP' }], telecom: [{ system: 'email', value: 'zoe@example.org' }] },
      { resourceType: 'Patient', id: 'arnie', name: [{ family: 'Arnott', given: ['Arnie'] }], gender: 'male', active: false, identifier: [{ system: NHS, value: '9000000017' }, { system: 'urn:local', value: 'a,b|c' }] },
      { resourceType: 'Patient', id: 'nameless', gender: 'unknown', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] }, system: 'urn:mrn', value: 'MRN-1' }] },
      { resourceType: 'Practitioner', id: 'obrien', name: [{ family: "O'Brien_%", given: ['Niamh'] }] },
      { resourceType: 'Practitioner', id: 'obrienx', name: [{ family: "O'Brienx", given: ['Aoife'] }] },
      { resourceType: 'Observation', id: 'bp', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '85354-9', display: 'Blood pressure panel' }], text: 'Blood pressure' } },
      { resourceType: 'Observation', id: 'hr', status: 'final', code: { coding: [{ system: 'http://loinc.org', code: '8867-4', display: 'Heart rate' }] } },
      { resourceType: 'Observation', id: 'local', status: 'preliminary', code: { coding: [{ code: '8867-4' }] } },
    ]);
  });

  describe('string parameters', () => {
    it('match names that start with the value, ignoring case and accents', async () => {
      assert.deepEqual(await ids(client(), 'Patient?name=arn'), ['arnie', 'zoe']);
      assert.deepEqual(await ids(client(), 'Patient?name=ZOE'), ['zoe']);
      assert.deepEqual(await ids(client(), 'Patient?family=arnot'), ['arnie']);
    });
    it('read _ and % in a prefix literally (no wildcards), and match a whole value as its own prefix', async () => {
      assert.deepEqual(await ids(client(), `Practitioner?family=${encodeURIComponent("o'brien_")}`), ['obrien']);
      assert.deepEqual(await ids(client(), `Practitioner?family=${encodeURIComponent("o'brien_%")}`), ['obrien']);
      assert.deepEqual(await ids(client(), `Practitioner?family=${encodeURIComponent("o'brien")}&_sort=_id`), ['obrien', 'obrienx']);
      assert.deepEqual(await ids(client(), `Practitioner?family=${encodeURIComponent("o'brien%")}`), []);
    });
    it('do not match a value in the middle of a name without :contains', async () => {
      assert.deepEqual(await ids(client(), 'Patient?name=nott'), []);
      assert.deepEqual(await ids(client(), 'Patient?name:contains=nott'), ['arnie']);
    });
    it('match :exact only with the same case and accents', async () => {
      assert.deepEqual(await ids(client(), 'Patient?given:exact=Zoë'), ['zoe']);
      assert.deepEqual(await ids(client(), 'Patient?given:exact=zoe'), []);
      assert.deepEqual(await ids(client(), 'Patient?given:exact=Zo'), []);
    });
    it('search address parts', async () => {
      assert.deepEqual(await ids(client(), 'Patient?address=leeds'), ['zoe']);
      assert.deepEqual(await ids(client(), 'Patient?address-postalcode=LS1'), ['zoe']);
    });
    it('find resources with and without a value using :missing', async () => {
      assert.deepEqual(await ids(client(), 'Patient?name:missing=true'), ['nameless']);
      assert.deepEqual(await ids(client(), 'Patient?name:missing=false'), ['arnie', 'zoe']);
    });
    it('OR values separated by commas and AND repeated parameters', async () => {
      assert.deepEqual(await ids(client(), 'Patient?name=zoe,arnie'), ['arnie', 'zoe']);
      assert.deepEqual(await ids(client(), 'Patient?name=arn&name=ann'), ['zoe']);
    });
  });

  describe('token parameters', () => {
    it('match a code in any system, system|code, |code and system|', async () => {
      assert.deepEqual(await ids(client(), 'Observation?code=8867-4'), ['hr', 'local']);
      assert.deepEqual(await ids(client(), 'Observation?code=http://loinc.org|8867-4'), ['hr']);
      assert.deepEqual(await ids(client(), 'Observation?code=|8867-4'), ['local']);
      assert.deepEqual(await ids(client(), 'Observation?code=http://loinc.org|'), ['bp', 'hr']);
    });
    it('match identifiers by system and value, as conditional operations need', async () => {
      assert.deepEqual(await ids(client(), `Patient?identifier=${NHS}|9000000009`), ['zoe']);
      assert.deepEqual(await ids(client(), 'Patient?identifier=9000000017'), ['arnie']);
    });
    it('read escaped commas and bars in a value literally', async () => {
      assert.deepEqual(await ids(client(), `Patient?identifier=${encodeURIComponent('urn:local|a\\,b\\|c')}`), ['arnie']);
      assert.deepEqual(await ids(client(), `Patient?identifier=${encodeURIComponent('urn:local|a,b|c')}`), []);
    });
    it('match codes and booleans', async () => {
      assert.deepEqual(await ids(client(), 'Patient?gender=female,male'), ['arnie', 'zoe']);
      assert.deepEqual(await ids(client(), 'Patient?active=false'), ['arnie']);
    });
    it('exclude matches with :not, including resources without the element', async () => {
      assert.deepEqual(await ids(client(), 'Patient?gender:not=male'), ['nameless', 'zoe']);
      assert.deepEqual(await ids(client(), 'Patient?active:not=true'), ['arnie', 'nameless']);
    });
    it('match display and text with :text, ignoring case', async () => {
      assert.deepEqual(await ids(client(), 'Observation?code:text=blood'), ['bp']);
      assert.deepEqual(await ids(client(), 'Observation?code:text=RATE'), ['hr']);
    });
    it('match identifier type and value with :of-type', async () => {
      assert.deepEqual(await ids(client(), 'Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|MRN-1'), ['nameless']);
      assert.deepEqual(await ids(client(), 'Patient?identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|other'), []);
    });
    it('match ContactPoint values', async () => {
      assert.deepEqual(await ids(client(), 'Patient?email=zoe@example.org'), ['zoe']);
      assert.deepEqual(await ids(client(), 'Patient?phone=zoe@example.org'), []);
    });
    it('match _id and several ids', async () => {
      assert.deepEqual(await ids(client(), 'Patient?_id=zoe,arnie'), ['arnie', 'zoe']);
      assert.deepEqual(await ids(client(), 'Patient?_id:not=zoe'), ['arnie', 'nameless']);
    });
    it('reject a modifier the parameter type does not have with 400', async () => {
      const res = await client().get('Patient?gender:exact=male');
      assert.equal(res.status, 400);
    });
  });
});
