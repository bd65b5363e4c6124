import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

const patient = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }],
  name: [{ family: 'Smith', given: ['Jane'] }],
  ...extra,
});

forEachStore((_store, client) => {
  test('create assigns an id, answers 201 with Location, ETag and Last-Modified', async () => {
    const res = await client().post('Patient', patient({ id: 'client-chosen' }));
    assert.equal(res.status, 201);
    assert.notEqual(res.body.id, 'client-chosen', 'the id in a create body is ignored');
    assert.match(res.headers.location as string, new RegExp(`/fhir/Patient/${res.body.id}/_history/1$`));
    assert.equal(res.headers.etag, 'W/"1"');
    assert.ok(res.headers['last-modified']);
    assert.equal(res.body.meta.versionId, '1');
    assert.match(res.body.meta.lastUpdated, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test('Prefer return=minimal answers without a body; return=OperationOutcome with an outcome', async () => {
    const minimal = await client().post('Patient', patient(), { prefer: 'return=minimal' });
    assert.equal(minimal.status, 201);
    assert.equal(minimal.text, '');
    assert.ok(minimal.headers.location);
    const outcome = await client().post('Patient', patient(), { prefer: 'return=OperationOutcome' });
    assert.equal(outcome.status, 201);
    assert.equal(outcome.body.resourceType, 'OperationOutcome');
  });

  test('read returns the current version; vread returns any version', async () => {
    const created = await client().post('Patient', patient());
    const id = created.body.id;
    const updated = await client().put(`Patient/${id}`, { ...created.body, active: true });
    assert.equal(updated.status, 200);
    assert.equal(updated.body.meta.versionId, '2');
    const read = await client().get(`Patient/${id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.active, true);
    assert.equal(read.headers.etag, 'W/"2"');
    const v1 = await client().get(`Patient/${id}/_history/1`);
    assert.equal(v1.status, 200);
    assert.equal(v1.body.active, undefined);
    assert.equal(v1.body.meta.versionId, '1');
    assert.equal((await client().get(`Patient/${id}/_history/9`)).status, 404);
  });

  test('read of an unknown id answers 404 with an OperationOutcome', async () => {
    const res = await client().get('Patient/does-not-exist');
    assert.equal(res.status, 404);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    assert.equal(res.body.issue[0].code, 'not-found');
  });

  test('update-as-create stores a resource under the client id with 201', async () => {
    const res = await client().put('Patient/nhs-9000000009', patient({ id: 'nhs-9000000009' }));
    assert.equal(res.status, 201);
    assert.equal(res.body.id, 'nhs-9000000009');
    assert.equal((await client().get('Patient/nhs-9000000009')).status, 200);
  });

  test('update with an id in the body different from the URL answers 400', async () => {
    const res = await client().put('Patient/abc', patient({ id: 'xyz' }));
    assert.equal(res.status, 400);
    assert.equal(res.body.resourceType, 'OperationOutcome');
    const noId = await client().put('Patient/abc', patient());
    assert.equal(noId.status, 400);
  });

  test('a body of another type than the URL answers 400', async () => {
    const res = await client().post('Observation', patient());
    assert.equal(res.status, 400);
  });

  test('If-Match with the current version updates; a stale version answers 412', async () => {
    const created = await client().post('Patient', patient());
    const id = created.body.id;
    const ok = await client().put(`Patient/${id}`, { ...created.body, active: true }, { 'if-match': 'W/"1"' });
    assert.equal(ok.status, 200);
    const stale = await client().put(`Patient/${id}`, { ...created.body, active: false }, { 'if-match': 'W/"1"' });
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
    const staleDelete = await client().del(`Patient/${id}`, { 'if-match': 'W/"1"' });
    assert.equal(staleDelete.status, 412);
    assert.equal((await client().get(`Patient/${id}`)).body.active, true);
  });

  test('delete makes later reads answer 410 Gone, and history still shows every version', async () => {
    const created = await client().post('Patient', patient());
    const id = created.body.id;
    await client().put(`Patient/${id}`, { ...created.body, active: true });
    const del = await client().del(`Patient/${id}`);
    assert.equal(del.status, 204);
    assert.equal(del.headers.etag, 'W/"3"');
    const read = await client().get(`Patient/${id}`);
    assert.equal(read.status, 410);
    assert.equal(read.body.issue[0].code, 'deleted');
    const history = await client().get(`Patient/${id}/_history`);
    assert.equal(history.status, 200);
    assert.equal(history.body.total, 3);
    assert.deepEqual(
      history.body.entry.map((e: any) => e.request.method),
      ['DELETE', 'PUT', 'POST'],
    );
    assert.equal(history.body.entry[0].resource, undefined);
    assert.equal(history.body.entry[1].resource.meta.versionId, '2');
    assert.equal((await client().get(`Patient/${id}/_history/3`)).status, 410);
    assert.equal((await client().get(`Patient/${id}/_history/2`)).status, 200);
  });

  test('deleting a missing or already deleted resource succeeds and writes nothing', async () => {
    assert.equal((await client().del('Patient/never-was')).status, 204);
    assert.equal((await client().get('Patient/never-was/_history')).status, 404);
    const created = await client().post('Patient', patient());
    await client().del(`Patient/${created.body.id}`);
    assert.equal((await client().del(`Patient/${created.body.id}`)).status, 204);
    assert.equal((await client().get(`Patient/${created.body.id}/_history`)).body.total, 2);
  });

  test('a deleted resource can be brought back by update, as a new version', async () => {
    const created = await client().post('Patient', patient());
    const id = created.body.id;
    await client().del(`Patient/${id}`);
    const back = await client().put(`Patient/${id}`, { ...created.body, active: true });
    assert.equal(back.status, 201);
    assert.equal(back.body.meta.versionId, '3');
  });

  test('If-None-Match and If-Modified-Since answer 304 when nothing changed', async () => {
    const created = await client().post('Patient', patient());
    const id = created.body.id;
    assert.equal((await client().get(`Patient/${id}`, { 'if-none-match': 'W/"1"' })).status, 304);
    assert.equal((await client().get(`Patient/${id}`, { 'if-none-match': 'W/"0"' })).status, 200);
    const later = new Date(Date.now() + 60_000).toUTCString();
    assert.equal((await client().get(`Patient/${id}`, { 'if-modified-since': later })).status, 304);
  });

  test('_summary and _elements shape a read and mark it SUBSETTED', async () => {
    const created = await client().post('Patient', patient({ text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jane</div>' }, maritalStatus: { text: 'Married' } }));
    const id = created.body.id;
    const summary = await client().get(`Patient/${id}?_summary=true`);
    assert.equal(summary.body.maritalStatus, undefined);
    assert.deepEqual(summary.body.name, [{ family: 'Smith', given: ['Jane'] }]);
    assert.equal(summary.body.meta.tag[0].code, 'SUBSETTED');
    const text = await client().get(`Patient/${id}?_summary=text`);
    assert.ok(text.body.text);
    assert.equal(text.body.name, undefined);
    const data = await client().get(`Patient/${id}?_summary=data`);
    assert.equal(data.body.text, undefined);
    assert.ok(data.body.maritalStatus);
    const elements = await client().get(`Patient/${id}?_elements=name`);
    assert.deepEqual(Object.keys(elements.body).sort(), ['id', 'meta', 'name', 'resourceType']);
    assert.equal((await client().get(`Patient/${id}?_summary=nonsense`)).status, 400);
  });

  test('_pretty indents JSON and _format=xml answers FHIR XML', async () => {
    const created = await client().post('Patient', patient());
    const pretty = await client().get(`Patient/${created.body.id}?_pretty=true`);
    assert.match(pretty.text, /\n  "resourceType": "Patient"/);
    const xml = await client().get(`Patient/${created.body.id}?_format=xml`);
    assert.match(xml.headers['content-type'] as string, /application\/fhir\+xml/);
    assert.match(xml.text, /^<Patient xmlns="http:\/\/hl7.org\/fhir">/);
    const accept = await client().get(`Patient/${created.body.id}`, { accept: 'application/fhir+xml' });
    assert.match(accept.text, /<family value="Smith"\/>/);
    assert.equal((await client().get(`Patient/${created.body.id}?_format=text/turtle`)).status, 406);
  });

  test('a resource can be created from FHIR XML', async () => {
    const xml = '<Patient xmlns="http://hl7.org/fhir"><active value="true"/><name><family value="Jones"/></name></Patient>';
    const res = await client().post('Patient', xml, { 'content-type': 'application/fhir+xml' });
    assert.equal(res.status, 201);
    assert.equal(res.body.name[0].family, 'Jones');
  });
});
