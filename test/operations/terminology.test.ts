import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const CS = 'http://example.org/fhir/CodeSystem/animals';
const VS = 'http://example.org/fhir/ValueSet/mammals';
const GENDER_VS = 'http://hl7.org/fhir/ValueSet/administrative-gender';

const animals = {
  resourceType: 'CodeSystem',
  url: CS,
  name: 'Animals',
  status: 'active',
  content: 'complete',
  concept: [
    {
      code: 'animal',
      display: 'Animal',
      concept: [
        { code: 'mammal', display: 'Mammal', concept: [{ code: 'dog', display: 'Dog', definition: 'A domestic dog', designation: [{ language: 'cy', value: 'Ci' }] }, { code: 'cat', display: 'Cat' }] },
        { code: 'bird', display: 'Bird' },
      ],
    },
  ],
};
const mammals = { resourceType: 'ValueSet', url: VS, status: 'active', compose: { include: [{ system: CS, filter: [{ property: 'concept', op: 'is-a', value: 'mammal' }] }] } };
const map = {
  resourceType: 'ConceptMap',
  url: 'http://example.org/fhir/ConceptMap/animals-to-legs',
  status: 'active',
  sourceUri: VS,
  targetUri: 'http://example.org/fhir/ValueSet/legs',
  group: [{ source: CS, target: 'http://example.org/fhir/legs', element: [{ code: 'dog', target: [{ code: 'four', equivalence: 'wider' }] }] }],
};

const param = (body: any, name: string) => body.parameter?.find((p: any) => p.name === name);
const value = (body: any, name: string) => {
  const p = param(body, name);
  return p && Object.entries(p).find(([k]) => k.startsWith('value'))?.[1];
};

forEachStore((_store, client) => {
  test('stores a CodeSystem, ValueSet and ConceptMap for the operations to find', async () => {
    for (const r of [animals, mammals, map]) assert.equal((await client().post(r.resourceType, r)).status, 201);
  });

  test('$expand expands a core ValueSet by url with GET', async () => {
    const res = await client().get(`ValueSet/$expand?url=${encodeURIComponent(GENDER_VS)}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.resourceType, 'ValueSet');
    assert.equal(res.body.expansion.total, 4);
    assert.deepEqual(res.body.expansion.contains.map((c: any) => c.code).sort(), ['female', 'male', 'other', 'unknown']);
    assert.ok(res.body.expansion.identifier && res.body.expansion.timestamp);
  });

  test('$expand filters and pages', async () => {
    const res = await client().get(`ValueSet/$expand?url=${encodeURIComponent(GENDER_VS)}&filter=fem`);
    assert.deepEqual(res.body.expansion.contains.map((c: any) => c.code), ['female']);
    const page = await client().get(`ValueSet/$expand?url=${encodeURIComponent(GENDER_VS)}&count=2&offset=1`);
    assert.equal(page.body.expansion.total, 4);
    assert.equal(page.body.expansion.offset, 1);
    assert.equal(page.body.expansion.contains.length, 2);
  });

  test('$expand finds a ValueSet stored on the server, by url and by id, with designations', async () => {
    const byUrl = await client().post('ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS }, { name: 'includeDesignations', valueBoolean: true }] });
    assert.equal(byUrl.status, 200, byUrl.text);
    assert.deepEqual(byUrl.body.expansion.contains.map((c: any) => c.code).sort(), ['cat', 'dog', 'mammal']);
    assert.deepEqual(byUrl.body.expansion.contains.find((c: any) => c.code === 'dog').designation, [{ language: 'cy', value: 'Ci' }]);
    const search = await client().get(`ValueSet?url=${encodeURIComponent(VS)}`);
    const id = search.body.entry[0].resource.id;
    const byId = await client().get(`ValueSet/${id}/$expand`);
    assert.equal(byId.status, 200, byId.text);
    assert.equal(byId.body.expansion.total, 3);
  });

  test('$expand of a ValueSet passed inline', async () => {
    const res = await client().post('ValueSet/$expand', { resourceType: 'Parameters', parameter: [{ name: 'valueSet', resource: { resourceType: 'ValueSet', status: 'active', compose: { include: [{ system: CS, concept: [{ code: 'bird' }] }] } } }] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.expansion.contains, [{ system: CS, code: 'bird', display: 'Bird' }]);
  });

  test('$expand says plainly that it cannot enumerate SNOMED CT, and 404s an unknown ValueSet', async () => {
    const snomed = await client().get(`ValueSet/$expand?url=${encodeURIComponent('http://hl7.org/fhir/ValueSet/clinical-findings')}`);
    assert.equal(snomed.status, 422, snomed.text);
    assert.match(snomed.body.issue[0].diagnostics, /SNOMED CT.*does not hold/);
    assert.equal((await client().get('ValueSet/$expand?url=http://example.org/nothing')).status, 404);
  });

  test('$validate-code on a ValueSet: code+system, coding, codeableConcept', async () => {
    const ok = await client().get(`ValueSet/$validate-code?url=${encodeURIComponent(GENDER_VS)}&system=http://hl7.org/fhir/administrative-gender&code=female`);
    assert.equal(ok.status, 200, ok.text);
    assert.equal(value(ok.body, 'result'), true);
    assert.equal(value(ok.body, 'display'), 'Female');
    const bad = await client().get(`ValueSet/$validate-code?url=${encodeURIComponent(GENDER_VS)}&system=http://hl7.org/fhir/administrative-gender&code=f`);
    assert.equal(value(bad.body, 'result'), false);
    assert.match(value(bad.body, 'message'), /not in the value set/);
    const coding = await client().post('ValueSet/$validate-code', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS }, { name: 'coding', valueCoding: { system: CS, code: 'cat' } }] });
    assert.equal(value(coding.body, 'result'), true, coding.text);
    const cc = await client().post('ValueSet/$validate-code', {
      resourceType: 'Parameters',
      parameter: [{ name: 'url', valueUri: VS }, { name: 'codeableConcept', valueCodeableConcept: { coding: [{ system: CS, code: 'bird' }, { system: CS, code: 'dog' }] } }],
    });
    assert.equal(value(cc.body, 'result'), true, cc.text);
    const none = await client().post('ValueSet/$validate-code', { resourceType: 'Parameters', parameter: [{ name: 'url', valueUri: VS }, { name: 'coding', valueCoding: { system: CS, code: 'bird' } }] });
    assert.equal(value(none.body, 'result'), false);
  });

  test('$validate-code: a wrong display is a warning, not a failure', async () => {
    const res = await client().get(`ValueSet/$validate-code?url=${encodeURIComponent(GENDER_VS)}&system=http://hl7.org/fhir/administrative-gender&code=female&display=Woman`);
    assert.equal(value(res.body, 'result'), true);
    assert.match(value(res.body, 'message'), /Wrong display 'Woman'.*should be 'Female'/);
    assert.equal(param(res.body, 'issues').resource.issue[0].severity, 'warning');
  });

  test('$validate-code: SNOMED CT codes are reported as not checked, naming the system', async () => {
    const res = await client().get(`ValueSet/$validate-code?url=${encodeURIComponent('http://hl7.org/fhir/ValueSet/clinical-findings')}&system=http://snomed.info/sct&code=22298006`);
    assert.equal(res.status, 200, res.text);
    assert.match(value(res.body, 'message'), /Not checked.*does not mean the code is wrong/);
    assert.equal(value(res.body, 'x-caused-by-unknown-system'), 'http://snomed.info/sct');
    assert.equal(param(res.body, 'issues').resource.issue[0].severity, 'warning');
    const cs = await client().get('CodeSystem/$validate-code?url=http://snomed.info/sct&code=22298006');
    assert.match(value(cs.body, 'message'), /SNOMED CT is not held/);
  });

  test('$validate-code on a CodeSystem, held and stored', async () => {
    const core = await client().get('CodeSystem/$validate-code?url=http://hl7.org/fhir/administrative-gender&code=male');
    assert.equal(value(core.body, 'result'), true, core.text);
    const stored = await client().get(`CodeSystem/$validate-code?url=${encodeURIComponent(CS)}&code=dog&display=Dog`);
    assert.equal(value(stored.body, 'result'), true, stored.text);
    const unknown = await client().get(`CodeSystem/$validate-code?url=${encodeURIComponent(CS)}&code=fish`);
    assert.equal(value(unknown.body, 'result'), false);
    assert.match(value(unknown.body, 'message'), /Unknown code 'fish'/);
  });

  test('$lookup gives display, designations, properties, parent and children', async () => {
    const res = await client().get(`CodeSystem/$lookup?system=${encodeURIComponent(CS)}&code=mammal`);
    assert.equal(res.status, 200, res.text);
    assert.equal(value(res.body, 'name'), 'Animals');
    assert.equal(value(res.body, 'display'), 'Mammal');
    const props = res.body.parameter.filter((p: any) => p.name === 'property').map((p: any) => `${p.part[0].valueCode}=${p.part[1].valueCode}`);
    assert.deepEqual(props.sort(), ['child=cat', 'child=dog', 'parent=animal']);
    const dog = await client().post('CodeSystem/$lookup', { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: CS, code: 'dog' } }] });
    assert.equal(param(dog.body, 'designation').part.find((p: any) => p.name === 'value').valueString, 'Ci');
    assert.ok(dog.body.parameter.some((p: any) => p.name === 'property' && p.part[0].valueCode === 'definition'));
    const core = await client().get('CodeSystem/$lookup?system=http://hl7.org/fhir/administrative-gender&code=other');
    assert.equal(value(core.body, 'display'), 'Other');
  });

  test('$lookup: unknown codes and unheld systems are 404 with a reason', async () => {
    assert.equal((await client().get(`CodeSystem/$lookup?system=${encodeURIComponent(CS)}&code=fish`)).status, 404);
    const snomed = await client().get('CodeSystem/$lookup?system=http://snomed.info/sct&code=22298006');
    assert.equal(snomed.status, 404);
    assert.match(snomed.body.issue[0].diagnostics, /SNOMED CT is not held by this server/);
  });

  test('$subsumes answers from the CodeSystem hierarchy', async () => {
    const outcome = async (a: string, b: string) => value((await client().get(`CodeSystem/$subsumes?system=${encodeURIComponent(CS)}&codeA=${a}&codeB=${b}`)).body, 'outcome');
    assert.equal(await outcome('animal', 'dog'), 'subsumes');
    assert.equal(await outcome('cat', 'mammal'), 'subsumed-by');
    assert.equal(await outcome('dog', 'dog'), 'equivalent');
    assert.equal(await outcome('dog', 'bird'), 'not-subsumed');
    assert.equal((await client().get('CodeSystem/$subsumes?system=http://snomed.info/sct&codeA=1&codeB=2')).status, 404);
  });

  test('$translate maps through a core ConceptMap and a stored one, forwards and in reverse', async () => {
    const core = await client().get('ConceptMap/$translate?url=http://hl7.org/fhir/ConceptMap/cm-administrative-gender-v2&system=http://hl7.org/fhir/administrative-gender&code=female');
    assert.equal(core.status, 200, core.text);
    assert.equal(value(core.body, 'result'), true);
    const match = param(core.body, 'match');
    assert.equal(match.part.find((p: any) => p.name === 'concept').valueCoding.code, 'F');
    assert.ok(match.part.find((p: any) => p.name === 'equivalence').valueCode);

    const stored = await client().post('ConceptMap/$translate', { resourceType: 'Parameters', parameter: [{ name: 'coding', valueCoding: { system: CS, code: 'dog' } }, { name: 'target', valueUri: 'http://example.org/fhir/ValueSet/legs' }] });
    assert.equal(value(stored.body, 'result'), true, stored.text);
    assert.equal(param(stored.body, 'match').part[0].valueCode, 'wider');

    const reverse = await client().get(`ConceptMap/$translate?system=http://example.org/fhir/legs&code=four&reverse=true`);
    assert.equal(value(reverse.body, 'result'), true, reverse.text);
    const back = param(reverse.body, 'match').part;
    assert.equal(back[0].valueCode, 'narrower');
    assert.deepEqual(back[1].valueCoding, { system: CS, code: 'dog' });

    const none = await client().get(`ConceptMap/$translate?system=${encodeURIComponent(CS)}&code=cat`);
    assert.equal(value(none.body, 'result'), false);
    assert.ok(value(none.body, 'message'));
  });

  test('terminology operations reject the wrong resource type and missing inputs with 400', async () => {
    assert.equal((await client().get('Patient/$expand?url=x')).status, 400);
    assert.equal((await client().get(`ValueSet/$validate-code?url=${encodeURIComponent(GENDER_VS)}`)).status, 400);
    assert.equal((await client().get('CodeSystem/$lookup?code=x')).status, 400);
  });
});
