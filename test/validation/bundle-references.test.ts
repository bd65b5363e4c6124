import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { indexBundle, resolveInBundle } from '../../src/validation/bundle-references.ts';
import { testDefinitions, testValidator } from './helpers.ts';

type Json = Record<string, unknown>;

const isResourceType = (t: string) => testDefinitions().isResourceType(t);
const v = testValidator();
const errors = (r: unknown) => v.validate(r).filter((i) => i.severity === 'error');
const found = (r: unknown) => errors(r).map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
const narrative = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">x</div>' };

function collection(entries: { fullUrl?: string; resource: Json }[], type = 'collection'): Json {
  return { resourceType: 'Bundle', type, entry: entries };
}

describe('resolving references inside a Bundle (R4 bundle.html#references)', () => {
  const bundle = collection([
    { fullUrl: 'http://a.org/fhir/Patient/1', resource: { resourceType: 'Patient', id: '1' } },
    { fullUrl: 'urn:uuid:8a1d1a3e-0f6f-4a5e-9e3c-3a7e6b1c2d4f', resource: { resourceType: 'Patient', id: '2' } },
    { fullUrl: 'http://a.org/fhir/Observation/3', resource: { resourceType: 'Observation', id: '3' } },
    { fullUrl: 'urn:uuid:0b2c8f8e-3b0c-4b9a-9a55-1c1f0d6c8a10', resource: { resourceType: 'Observation' } },
    { resource: { resourceType: 'Observation', id: '5' } },
  ]);
  const index = indexBundle(bundle);
  const resolve = (ref: string, from: number) => resolveInBundle(index, ref, from, isResourceType);

  it('matches an absolute reference to the fullUrl', () => {
    assert.deepEqual(resolve('urn:uuid:8a1d1a3e-0f6f-4a5e-9e3c-3a7e6b1c2d4f', 2), { status: 'found', entry: 1 });
    assert.deepEqual(resolve('http://a.org/fhir/Patient/1', 3), { status: 'found', entry: 0 });
  });

  it('resolves a relative reference against a RESTful fullUrl, and not against a urn', () => {
    assert.deepEqual(resolve('Patient/1', 2), { status: 'found', entry: 0 });
    // from a urn:uuid entry there is no base: Patient/1 is outside the Bundle, though entry 0 looks like it
    assert.deepEqual(resolve('Patient/1', 3), { status: 'not-found', similar: [0] });
  });

  it('reports a relative reference in an entry without a fullUrl, and malformed relative references', () => {
    assert.deepEqual(resolve('Patient/1', 4), { status: 'no-base' });
    assert.deepEqual(resolve('just-an-id', 2), { status: 'bad-format' });
    assert.deepEqual(resolve('#local', 2), { status: 'local' });
  });

  it('matches a version-specific reference on meta.versionId, and reports several matches', () => {
    const versions = indexBundle(
      collection([
        { fullUrl: 'http://a.org/fhir/Observation/o', resource: { resourceType: 'Observation', id: 'o', meta: { versionId: '1' } } },
        { fullUrl: 'http://a.org/fhir/Observation/o', resource: { resourceType: 'Observation', id: 'o', meta: { versionId: '2' } } },
        { fullUrl: 'http://a.org/fhir/Patient/p', resource: { resourceType: 'Patient', id: 'p' } },
      ]),
    );
    assert.deepEqual(resolveInBundle(versions, 'Observation/o/_history/2', 2, isResourceType), { status: 'found', entry: 1 });
    assert.deepEqual(resolveInBundle(versions, 'Observation/o/_history/3', 2, isResourceType), { status: 'not-found', similar: [] });
    assert.deepEqual(resolveInBundle(versions, 'Observation/o', 2, isResourceType), { status: 'multiple', entries: [0, 1] });
  });

  it('allows search URLs in transactions, resolved by the server', () => {
    const tx = indexBundle(collection([{ fullUrl: 'urn:uuid:8a1d1a3e-0f6f-4a5e-9e3c-3a7e6b1c2d4f', resource: { resourceType: 'Observation' } }], 'transaction'));
    assert.deepEqual(resolveInBundle(tx, 'Patient?identifier=x|1', 0, isResourceType), { status: 'not-found', similar: [] });
  });
});

describe('references inside a Bundle, as the validator reports them', () => {
  it('rejects an ambiguous reference, a malformed one, and one in an entry without a fullUrl', () => {
    const issues = found(
      collection([
        { fullUrl: 'http://a.org/fhir/Patient/1', resource: { resourceType: 'Patient', id: '1', meta: { versionId: '1' } } },
        { fullUrl: 'http://a.org/fhir/Patient/1', resource: { resourceType: 'Patient', id: '1', meta: { versionId: '2' } } },
        { fullUrl: 'http://a.org/fhir/Observation/2', resource: { resourceType: 'Observation', id: '2', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/1' }, performer: [{ reference: 'nonsense' }] } },
      ]),
    );
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[2].resource.subject.reference') && /ambiguous/.test(m)), issues.join('\n'));
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[2].resource.performer[0].reference') && /\[type\]\/\[id\]/.test(m)), issues.join('\n'));
  });

  it('rejects a reference whose type differs from the resource it resolves to', () => {
    const issues = found(
      collection([
        { fullUrl: 'http://a.org/fhir/Practitioner/1', resource: { resourceType: 'Organization', id: '1' } },
        { fullUrl: 'http://a.org/fhir/Patient/2', resource: { resourceType: 'Patient', id: '2', generalPractitioner: [{ reference: 'http://a.org/fhir/Practitioner/1' }] } },
      ]),
    );
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[1].resource.generalPractitioner[0].reference') && /names a Practitioner, but .* is a Organization/.test(m)), issues.join('\n'));
  });

  it('requires fullUrls outside transactions and batches, and a resource id with a RESTful fullUrl', () => {
    const issues = found(collection([{ resource: { resourceType: 'Patient', id: '1' } }, { fullUrl: 'http://a.org/fhir/Patient/2', resource: { resourceType: 'Patient' } }]));
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[0]:') && /needs a fullUrl/.test(m)), issues.join('\n'));
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[1].fullUrl') && /no id/.test(m)), issues.join('\n'));
    const tx = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } }] };
    assert.deepEqual(found(tx), []);
  });

  it('forbids paging links outside search sets and histories', () => {
    const issues = found({ resourceType: 'Bundle', type: 'collection', link: [{ relation: 'next', url: 'http://a.org/fhir/x?page=2' }] });
    assert.ok(issues.some((m) => m.startsWith('Bundle.link[0].relation') && /paging/.test(m)), issues.join('\n'));
    assert.deepEqual(found({ resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'next', url: 'http://a.org/fhir/Patient?page=2' }] }), []);
  });

  it('checks Bundles inside a resource too', () => {
    const report = {
      resourceType: 'MeasureReport',
      status: 'complete',
      type: 'individual',
      measure: 'http://example.org/Measure/m',
      period: { start: '2020-01-01' },
      contained: [{ resourceType: 'Bundle', id: 'b', type: 'collection', entry: [{ fullUrl: 'Patient/1', resource: { resourceType: 'Patient', id: '1' } }] }],
      evaluatedResource: [{ reference: '#b' }],
    };
    const issues = found(report);
    assert.ok(issues.some((m) => m.startsWith('MeasureReport.contained[0].entry[0].fullUrl') && /absolute/.test(m)), issues.join('\n'));
  });
});

describe('documents and messages hold together', () => {
  const composition = (extra: Json = {}) => ({
    resourceType: 'Composition',
    id: 'c',
    text: narrative,
    status: 'final',
    type: { text: 'letter' },
    date: '2020-01-01',
    title: 'Letter',
    author: [{ reference: 'Practitioner/pr' }],
    subject: { reference: 'Patient/p' },
    ...extra,
  });
  const doc = (entries: { fullUrl: string; resource: Json }[]) => ({ resourceType: 'Bundle', type: 'document', identifier: { system: 'urn:ietf:rfc:3986', value: 'urn:uuid:8a1d1a3e-0f6f-4a5e-9e3c-3a7e6b1c2d4f' }, timestamp: '2020-01-01T00:00:00Z', entry: entries });
  const patient = { fullUrl: 'http://a.org/fhir/Patient/p', resource: { resourceType: 'Patient', id: 'p', text: narrative } };
  const practitioner = { fullUrl: 'http://a.org/fhir/Practitioner/pr', resource: { resourceType: 'Practitioner', id: 'pr', text: narrative } };

  it('accepts a document whose entries all hang off the Composition', () => {
    assert.deepEqual(found(doc([{ fullUrl: 'http://a.org/fhir/Composition/c', resource: composition() }, patient, practitioner])), []);
  });

  it("requires the Composition's references to resolve in the document", () => {
    const issues = found(doc([{ fullUrl: 'http://a.org/fhir/Composition/c', resource: composition() }, practitioner]));
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[0].resource.subject.reference') && /must resolve/.test(m)), issues.join('\n'));
  });

  it('rejects an entry nothing in the document reaches', () => {
    const orphan = { fullUrl: 'http://a.org/fhir/Observation/o', resource: { resourceType: 'Observation', id: 'o', text: narrative, status: 'final', code: { text: 'x' } } };
    const issues = found(doc([{ fullUrl: 'http://a.org/fhir/Composition/c', resource: composition() }, patient, practitioner, orphan]));
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[3]:') && /not reachable/.test(m)), issues.join('\n'));
  });

  it('requires a Composition first, and a relative stylesheet link to be in the document', () => {
    const issues = found({ ...doc([patient]), link: [{ relation: 'stylesheet', url: 'Binary/css' }] });
    assert.ok(issues.some((m) => m.startsWith('Bundle.entry[0]:') && /must be a Composition/.test(m)), issues.join('\n'));
    const withCss = found({ ...doc([{ fullUrl: 'http://a.org/fhir/Composition/c', resource: composition() }, patient, practitioner]), link: [{ relation: 'stylesheet', url: 'Binary/css' }] });
    assert.ok(withCss.some((m) => m.startsWith('Bundle.link[0].url') && /stylesheet/.test(m)), withCss.join('\n'));
  });

  it('only warns about an unreached entry of a message', () => {
    const header = { resourceType: 'MessageHeader', id: 'h', text: narrative, eventCoding: { system: 'http://example.org/events', code: 'x' }, source: { endpoint: 'http://a.org/x' } };
    const msg = { resourceType: 'Bundle', type: 'message', timestamp: '2020-01-01T00:00:00Z', entry: [{ fullUrl: 'http://a.org/fhir/MessageHeader/h', resource: header }, patient] };
    const issues = v.validate(msg);
    assert.deepEqual(issues.filter((i) => i.severity === 'error').map((i) => i.diagnostics), []);
    assert.ok(issues.some((i) => i.severity === 'warning' && /not reachable/.test(i.diagnostics ?? '')));
  });
});
