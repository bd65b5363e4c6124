/** AuditEvents in plain words, as a patient reads them in $access-log. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAuditEvent, summarise } from '../../src/audit/index.ts';
import { access, input, OBSERVER } from './fixtures.ts';

const names = new Map([
  ['Practitioner/prac1', { name: 'Dr Jane Smith' }],
  ['Organization/org1', { name: 'Park Lane Surgery' }],
]);
const say = (overrides: Parameters<typeof input>[0]) => summarise(JSON.parse(buildAuditEvent(input(overrides), OBSERVER).content), 'pat1', names);

describe('audit: plain words', () => {
  it('says who, from where, with which app, did what, and why', () => {
    assert.equal(say({}).text, '14 March 2025 at 09:30: Dr Jane Smith from Park Lane Surgery, using GP Record Viewer, viewed 1 test result or observation for direct care.');
  });

  it('names changes by the list a patient knows', () => {
    assert.equal(say({ interaction: 'create', method: 'POST', status: 201, entities: ['MedicationRequest/m1/_history/1'] }).what, 'added to your medicines list');
    assert.equal(say({ interaction: 'delete', method: 'DELETE', status: 204, entities: ['Condition/c1/_history/3'] }).what, 'removed an entry from your problem list');
    assert.equal(say({ interaction: 'patch', method: 'PATCH', entities: ['Encounter/e1/_history/2'] }).what, 'updated 1 appointment or visit');
  });

  it('counts what a search returned, or says it found nothing', () => {
    assert.equal(say({ interaction: 'search-type', entities: ['Observation/a/_history/1', 'Observation/b/_history/1', 'Condition/c/_history/1'] }).what, 'viewed 2 test results and observations and 1 condition or diagnosis');
    assert.equal(say({ interaction: 'search-type', resourceType: 'MedicationRequest', id: undefined, query: 'patient=pat1', entities: [] }).what, 'searched your prescriptions and found nothing');
  });

  it('speaks to the patient about their own use, and names operations', () => {
    const own = say({ access: access({ fhirUser: 'Patient/pat1', clientName: 'NHS App', organization: undefined }), interaction: 'operation', operation: 'access-log', resourceType: 'Patient', id: 'pat1', entities: [] });
    assert.equal(own.text, '14 March 2025 at 09:30: You, using NHS App, looked at who has accessed your record.');
    assert.equal(say({ interaction: 'operation', operation: 'everything', resourceType: 'Patient', id: 'pat1' }).what, 'viewed your whole record');
  });

  it('says when an attempt was refused or failed', () => {
    assert.equal(say({ status: 403 }).what, 'tried to view 1 test result or observation, but was refused');
    assert.equal(say({ status: 500, interaction: 'update', method: 'PUT' }).what, 'tried to update 1 test result or observation, but it failed');
  });

  it('gives the purpose in words, and every break-glass with its reason', () => {
    assert.equal(say({ access: access({ purposeOfUse: 'HOPERAT' }) }).purpose, 'planning and running health services');
    const glass = say({ breakGlass: { reason: 'Collapsed in clinic' } });
    assert.equal(glass.purpose, 'emergency access (break-glass)');
    assert.equal(glass.breakGlassReason, 'Collapsed in clinic');
    assert.match(glass.text, /using emergency access \(break-glass\)\. The reason they gave: "Collapsed in clinic"\.$/);
  });

  it('shows UK time (BST in summer)', () => {
    assert.match(say({ recorded: Date.UTC(2025, 6, 1, 12, 0) }).when, /^1 July 2025 at 13:00$/);
  });
});
