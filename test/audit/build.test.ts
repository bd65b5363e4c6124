/** AuditEvents built per IHE Basic Audit Log Patterns, for each kind of interaction. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAuditEvent } from '../../src/audit/index.ts';
import { renderAuditEvent } from '../../src/audit/build.ts';
import { access, input, OBSERVER } from './fixtures.ts';

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const build = (overrides: Parameters<typeof input>[0] = {}) => {
  const row = buildAuditEvent(input(overrides), OBSERVER);
  return { row, event: JSON.parse(row.content) };
};
const agentTyped = (event: any, code: string) => event.agent.find((a: any) => a.type.coding[0].code === code);
const entitiesWithRole = (event: any, role: string) => event.entity.filter((e: any) => e.role.code === role);

describe('audit: building AuditEvents (BALP)', () => {
  it('a read: rest/read, action R, success, the user as requestor with purpose of use, the client as destination, this server as source', () => {
    const { event, row } = build();
    assert.equal(event.resourceType, 'AuditEvent');
    assert.equal(event.id, undefined, 'the id is the stored row seq, added when read');
    assert.deepEqual(event.type, { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' });
    assert.deepEqual(event.subtype, [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }]);
    assert.equal(event.action, 'R');
    assert.equal(event.recorded, '2025-03-14T09:30:00.000Z');
    assert.equal(event.meta.lastUpdated, event.recorded);
    assert.equal(event.outcome, '0');
    assert.equal(event.outcomeDesc, '200 OK');

    const user = event.agent.find((a: any) => a.requestor);
    assert.deepEqual(user.type.coding[0], { system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP' });
    assert.deepEqual(user.who, { reference: 'Practitioner/prac1' });
    assert.equal(user.name, 'jsmith');
    assert.deepEqual(user.policy, ['jti-1']);
    assert.deepEqual(user.purposeOfUse, [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'TREAT' }] }]);
    assert.equal(user.role[0].coding[0].code, 'clinician');

    const client = agentTyped(event, '110152');
    assert.equal(client.type.coding[0].system, DCM);
    assert.deepEqual(client.who.identifier, { system: 'http://meridian.nhs.uk/fhir/Id/client-id', value: 'gp-app' });
    assert.equal(client.who.display, 'GP Record Viewer');
    assert.deepEqual(client.network, { address: '10.1.2.3', type: '2' });
    assert.equal(client.requestor, false);
    const server = agentTyped(event, '110153');
    assert.deepEqual(server.network, { address: OBSERVER, type: '5' });
    assert.deepEqual(agentTyped(event, 'PROV').who, { reference: 'Organization/org1' });
    assert.equal(event.source.observer.display, OBSERVER);

    const [patient] = entitiesWithRole(event, '1');
    assert.deepEqual(patient.what, { reference: 'Patient/pat1' });
    assert.equal(patient.type.code, '1');
    const [data] = entitiesWithRole(event, '4');
    assert.deepEqual(data.what, { reference: 'Observation/obs1/_history/2' });
    assert.equal(data.type.code, '2');

    assert.deepEqual(row.references, ['Patient/pat1', 'Observation/obs1']);
    assert.deepEqual([row.subtype, row.action, row.outcome, row.agent, row.userName, row.clientId, row.organization, row.purpose, row.breakGlass], [
      'read', 'R', 0, 'Practitioner/prac1', 'jsmith', 'gp-app', 'org1', 'TREAT', false,
    ]);
  });

  it('a search: action E, the client as source, the query base64-encoded in a Query entity, and every resource returned', () => {
    const { event } = build({
      interaction: 'search-type',
      id: undefined,
      query: 'patient=pat1&code=http%3A%2F%2Floinc.org%7C8867-4',
      entities: ['Observation/o1/_history/1', 'Observation/o2/_history/3'],
    });
    assert.equal(event.subtype[0].code, 'search-type');
    assert.equal(event.action, 'E');
    assert.ok(agentTyped(event, '110153').requestor === false && agentTyped(event, '110153').who.identifier.value === 'gp-app', 'client is Source Role ID');
    const [query] = entitiesWithRole(event, '24');
    assert.equal(Buffer.from(query.query, 'base64').toString(), 'Observation?patient=pat1&code=http%3A%2F%2Floinc.org%7C8867-4');
    assert.equal(query.description, 'Observation?patient=pat1&code=http://loinc.org|8867-4');
    assert.deepEqual(entitiesWithRole(event, '4').map((e: any) => e.what.reference), ['Observation/o1/_history/1', 'Observation/o2/_history/3']);
  });

  it('a create: action C, the user as author; an update that created the resource (201) is a create too', () => {
    const created = build({ interaction: 'create', method: 'POST', status: 201, entities: ['Observation/new1/_history/1'] }).event;
    assert.equal(created.action, 'C');
    assert.equal(created.subtype[0].code, 'create');
    assert.equal(created.agent.find((a: any) => a.requestor).type.coding[0].code, 'AUT');
    assert.equal(created.outcomeDesc, '201 Created');
    assert.equal(build({ interaction: 'update', method: 'PUT', status: 201 }).event.action, 'C');
    assert.equal(build({ interaction: 'update', method: 'PUT', status: 200 }).event.action, 'U');
    assert.equal(build({ interaction: 'conditional-delete', method: 'DELETE', status: 204 }).event.subtype[0].code, 'delete');
  });

  it('a failure: outcome 4 for a refusal and 8 for a server error, with the status and diagnostics, and the target named', () => {
    const { event, row } = build({ status: 403, message: 'No legitimate relationship with this patient', entities: [] });
    assert.equal(event.outcome, '4');
    assert.equal(event.outcomeDesc, '403 Forbidden: No legitimate relationship with this patient');
    assert.deepEqual(entitiesWithRole(event, '4').map((e: any) => e.what.reference), ['Observation/obs1']);
    assert.equal(row.outcome, 4);
    assert.equal(build({ status: 500, message: 'x' }).event.outcome, '8');
  });

  it('break-glass: the BTG security label, purpose ETREAT and the stated reason', () => {
    const { event, row } = build({ breakGlass: { reason: 'Unconscious in A&E, no consent possible' } });
    assert.deepEqual(event.meta.security, [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'BTG', display: 'break the glass' }]);
    assert.deepEqual(event.extension, [{ url: 'http://meridian.nhs.uk/fhir/StructureDefinition/break-glass-reason', valueString: 'Unconscious in A&E, no consent possible' }]);
    assert.equal(event.agent.find((a: any) => a.requestor).purposeOfUse[0].coding[0].code, 'ETREAT');
    assert.equal(row.breakGlass, true);
    assert.equal(row.purpose, 'ETREAT');
  });

  it('a backend service (no user): the client is the requestor and carries the purpose of use', () => {
    const { event, row } = build({ access: access({ fhirUser: undefined, userName: undefined, organization: undefined, clientId: 'research-export', purposeOfUse: 'HRESCH' }) });
    const requestors = event.agent.filter((a: any) => a.requestor);
    assert.equal(requestors.length, 1);
    assert.equal(requestors[0].who.identifier.value, 'research-export');
    assert.equal(requestors[0].purposeOfUse[0].coding[0].code, 'HRESCH');
    assert.equal(row.agent, null);
  });

  it('an operation names itself in a second subtype; Patients among the entities count as patients', () => {
    const { event, row } = build({ interaction: 'operation', operation: 'everything', resourceType: 'Patient', id: 'pat9', patients: [], entities: ['Patient/pat9/_history/1', 'Condition/c1/_history/1'] });
    assert.deepEqual(event.subtype[1], { system: 'http://meridian.nhs.uk/fhir/CodeSystem/operation', code: 'everything' });
    assert.deepEqual(row.references, ['Patient/pat9'], 'an operation is indexed by its patients; what it returned is listed, not indexed');
    assert.deepEqual(entitiesWithRole(event, '1').map((e: any) => e.what.reference), ['Patient/pat9']);
  });

  it('caps the entities listed and says how many it left out', () => {
    const entities = Array.from({ length: 130 }, (_, i) => `Observation/o${i}/_history/1`);
    const { event, row } = build({ interaction: 'search-type', entities });
    assert.equal(entitiesWithRole(event, '4').length, 100);
    assert.deepEqual(event.extension, [{ url: 'http://meridian.nhs.uk/fhir/StructureDefinition/audit-entities-omitted', valueInteger: 30 }]);
    assert.deepEqual(row.references, ['Patient/pat1']);
    assert.equal(build({ interaction: 'transaction', method: 'POST', entities }).row.references.length, 101, 'a transaction indexes at most 100 resources besides its patients');
    const capped = build({ interaction: 'search-type', entities: entities.slice(0, 10), entitiesOmitted: 120 }).event;
    assert.equal(capped.extension[0].valueInteger, 120, 'a count the caller left out is reported too');
  });

  it('is indexed by every patient, and by the resource a single-resource read or a write touched, not by search results', () => {
    const refs = (overrides: Parameters<typeof input>[0]) => build(overrides).row.references;
    for (const interaction of ['read', 'vread', 'history-instance', 'create', 'update', 'patch', 'delete', 'conditional-update']) {
      assert.deepEqual(refs({ interaction }), ['Patient/pat1', 'Observation/obs1'], interaction);
    }
    assert.deepEqual(refs({ interaction: 'read', status: 403, entities: [] }), ['Patient/pat1', 'Observation/obs1'], 'a refused read names its target');
    assert.deepEqual(refs({ interaction: 'transaction', method: 'POST', entities: ['Observation/a/_history/1', 'Condition/b/_history/2'] }), ['Patient/pat1', 'Observation/a', 'Condition/b']);
    for (const interaction of ['search-type', 'search-system', 'search-compartment', 'history-type', 'operation']) {
      assert.deepEqual(refs({ interaction, patients: ['pat1', 'pat2'], entities: ['Observation/a/_history/1', 'Patient/pat3/_history/1'] }), ['Patient/pat1', 'Patient/pat2', 'Patient/pat3'], interaction);
    }
  });

  it('stores a compact record: the columns, and a small detail from which the same AuditEvent is rendered', () => {
    const row = buildAuditEvent(input(), OBSERVER);
    const { content } = row;
    assert.ok(row.detail.length < content.length / 5, `${row.detail.length} bytes of detail for ${content.length} of JSON`);
    assert.equal(renderAuditEvent(row), content);
    assert.equal(renderAuditEvent(row, 42), content.replace('{"resourceType":"AuditEvent",', '{"resourceType":"AuditEvent","id":"42",'));
  });

  it('keeps an entity that is not a reference as a display, never as a broken reference', () => {
    const { event, row } = build({ entities: ['Observation/o1/_history/1', 'something else'] });
    assert.deepEqual(entitiesWithRole(event, '4').map((e: any) => e.what), [{ reference: 'Observation/o1/_history/1' }, { display: 'something else' }]);
    assert.deepEqual(row.references, ['Patient/pat1', 'Observation/o1']);
  });
});
