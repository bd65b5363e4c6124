import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { testValidator } from './helpers.ts';

type Json = Record<string, unknown>;

const PROFILE = 'http://example.org/fhir/StructureDefinition/aggregated-observation';

/** An Observation profile whose references say how their targets must be held. */
const profile = {
  resourceType: 'StructureDefinition',
  url: PROFILE,
  name: 'AggregatedObservation',
  status: 'draft',
  fhirVersion: '4.0.1',
  kind: 'resource',
  abstract: false,
  type: 'Observation',
  baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
  derivation: 'constraint',
  differential: {
    element: [
      { id: 'Observation', path: 'Observation' },
      { id: 'Observation.subject', path: 'Observation.subject', type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Patient'], aggregation: ['contained'] }] },
      { id: 'Observation.performer', path: 'Observation.performer', type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Practitioner'], aggregation: ['bundled'] }] },
      { id: 'Observation.specimen', path: 'Observation.specimen', type: [{ code: 'Reference', targetProfile: ['http://hl7.org/fhir/StructureDefinition/Specimen'], aggregation: ['referenced'] }] },
    ],
  },
};

const validator = testValidator({ ukCore: false, packages: [{ name: 'aggregation.test', version: '0.0.1', fhirVersions: ['4.0.1'], dependencies: {}, resources: [profile] }] });

function observation(extra: Json): Json {
  return { resourceType: 'Observation', meta: { profile: [PROFILE] }, status: 'final', code: { text: 'x' }, ...extra };
}

const aggregationErrors = (r: Json) =>
  validator
    .validate(r)
    .filter((i) => i.severity === 'error' && /aggregation/.test(i.diagnostics ?? ''))
    .map((i) => i.expression?.[0]);

describe('reference aggregation (ElementDefinition.type.aggregation)', () => {
  it('contained: accepts a reference to a contained resource, rejects one to elsewhere', () => {
    assert.deepEqual(aggregationErrors(observation({ contained: [{ resourceType: 'Patient', id: 'p' }], subject: { reference: '#p' } })), []);
    assert.deepEqual(aggregationErrors(observation({ subject: { reference: 'Patient/1' } })), ['Observation.subject.reference']);
  });

  it('referenced: accepts a reference to elsewhere (or to a Bundle entry), rejects a contained one', () => {
    assert.deepEqual(aggregationErrors(observation({ specimen: { reference: 'Specimen/1' } })), []);
    assert.deepEqual(aggregationErrors(observation({ contained: [{ resourceType: 'Specimen', id: 's' }], specimen: { reference: '#s' } })), ['Observation.specimen.reference']);
  });

  it('bundled: accepts a reference that resolves to an entry of the Bundle, rejects one that does not', () => {
    const bundle = (reference: string): Json => ({
      resourceType: 'Bundle',
      type: 'collection',
      entry: [
        { fullUrl: 'http://a.org/fhir/Practitioner/pr', resource: { resourceType: 'Practitioner', id: 'pr' } },
        { fullUrl: 'http://a.org/fhir/Observation/o', resource: observation({ id: 'o', performer: [{ reference }] }) },
      ],
    });
    assert.deepEqual(aggregationErrors(bundle('Practitioner/pr')), []);
    assert.deepEqual(aggregationErrors(bundle('Practitioner/elsewhere')), ['Bundle.entry[1].resource.performer[0].reference']);
    // outside a Bundle nothing can be bundled
    assert.deepEqual(aggregationErrors(observation({ performer: [{ reference: 'Practitioner/pr' }] })), ['Observation.performer[0].reference']);
  });
});
