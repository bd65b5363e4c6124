import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Issue } from '../../src/fhir/errors.ts';
import { testValidator } from './helpers.ts';

type Json = Record<string, unknown>;

const v = testValidator();
const issuesAt = (issues: Issue[], severity: string) => issues.filter((i) => i.severity === severity).map((i) => `${i.expression?.[0]}: ${i.diagnostics}`);
const errors = (r: unknown, validator = v) => issuesAt(validator.validate(r), 'error');
const warnings = (r: unknown, validator = v) => issuesAt(validator.validate(r), 'warning');
const patient = (extra: Json): Json => ({ resourceType: 'Patient', ...extra });

describe('uri values (R4 datatypes.html#uri, #canonical)', () => {
  it('rejects a malformed urn:uuid or urn:oid, and an oid: or uuid: without urn:', () => {
    const found = errors(patient({ identifier: [{ system: 'urn:oid:1.2.3.X', value: 'a' }, { system: 'urn:uuid:6A2EE390-978E-42C6-8F88-C17DFF3BD8A3', value: 'b' }, { system: 'urn:uuid:6a2ee390-978e-42c6-8f88-c17dff3bd8a', value: 'c' }] }));
    assert.ok(found.some((m) => m.startsWith('Patient.identifier[0].system') && /not a valid OID/.test(m)), found.join('\n'));
    assert.ok(found.some((m) => m.startsWith('Patient.identifier[1].system') && /not a valid UUID/.test(m)), found.join('\n'));
    assert.ok(found.some((m) => m.startsWith('Patient.identifier[2].system') && /not a valid UUID/.test(m)), found.join('\n'));
    assert.deepEqual(errors(patient({ identifier: [{ system: 'urn:uuid:6a2ee390-978e-42c6-8f88-c17dff3bd8a3', value: 'd' }, { system: 'urn:oid:2.16.840.1.113883.2.1', value: 'e' }] })), []);
  });

  it('requires the URL that identifies a canonical resource to be absolute, contained or not', () => {
    const vs = { resourceType: 'ValueSet', status: 'draft', url: 'ValueSet/relative' };
    assert.ok(errors(vs).some((m) => m.startsWith('ValueSet.url') && /must be absolute/.test(m)));
    const container = { resourceType: 'ValueSet', status: 'draft', url: 'http://example.org/ValueSet/a', contained: [{ resourceType: 'CodeSystem', id: 'c', status: 'draft', content: 'complete', url: 'c1' }], compose: { include: [{ system: 'http://example.org/ValueSet/a' }] } };
    assert.ok(errors(container).some((m) => m.startsWith('ValueSet.contained[0].url') && /contained resource must be absolute/.test(m)), errors(container).join('\n'));
  });

  it('warns about a relative canonical reference (R4 examples use them; HL7 now requires absolute ones)', () => {
    const measure = { resourceType: 'Measure', status: 'draft', library: ['Library/lib'] };
    assert.deepEqual(errors(measure), []);
    assert.ok(warnings(measure).some((m) => m.startsWith('Measure.library[0]') && /absolute URL/.test(m)));
  });

  it('rejects a canonical reference to a known resource of the wrong type', () => {
    const qr = { resourceType: 'QuestionnaireResponse', status: 'completed', questionnaire: 'http://hl7.org/fhir/ValueSet/administrative-gender' };
    assert.ok(errors(qr).some((m) => m.startsWith('QuestionnaireResponse.questionnaire') && /refers to a ValueSet, but must refer to a Questionnaire/.test(m)), errors(qr).join('\n'));
  });
});

describe('Identifier, Coding and Attachment', () => {
  it('requires an absolute Identifier.system, and a URI value with urn:ietf:rfc:3986', () => {
    const found = errors(patient({ identifier: [{ system: 'local-ids', value: '1' }, { system: 'urn:ietf:rfc:3986', value: '2.16.840.1.113883.6.57' }, { system: 'urn:ietf:rfc:3986', value: 'urn:oid:2.16.840.1.113883.6.57' }] }));
    assert.deepEqual(
      found.map((m) => m.slice(0, m.indexOf(':'))),
      ['Patient.identifier[0].system', 'Patient.identifier[1].value'],
    );
  });

  it('requires a Coding system to be an absolute URI, and a code system rather than a value set', () => {
    const obs = (system: string) => ({ resourceType: 'Observation', status: 'final', code: { coding: [{ system, code: 'x' }] } });
    assert.ok(errors(obs('measure-type')).some((m) => m.startsWith('Observation.code.coding[0].system') && /absolute URI/.test(m)));
    assert.ok(errors(obs('http://hl7.org/fhir/ValueSet/measure-type')).some((m) => m.startsWith('Observation.code.coding[0].system') && /value set, not a code system/.test(m)));
    assert.deepEqual(errors(obs('http://example.org/codes')), []);
  });

  it("checks an Attachment's size against its data", () => {
    const media = (size: number) => ({ resourceType: 'Media', status: 'completed', content: { contentType: 'text/plain', data: 'SGVsbG8gd29ybGQhIQ==', size } });
    assert.deepEqual(errors(media(13)), []);
    assert.ok(errors(media(100)).some((m) => m.startsWith('Media.content.size') && /13 bytes/.test(m)));
  });
});

describe('policies: security checks, example URLs, extension domains, HTML in markdown', () => {
  it('securityChecks: a string with an HTML tag is an error', () => {
    const strict = testValidator({ ukCore: false, policy: { securityChecks: true } });
    const p = patient({ name: [{ text: 'Standard <script>somescript</script>' }] });
    assert.ok(errors(p, strict).some((m) => m.startsWith('Patient.name[0].text') && /HTML tag/.test(m)));
    assert.deepEqual(errors(p), [], 'off by default');
    assert.deepEqual(errors(patient({ name: [{ text: 'a < b and c > d' }] }), strict), []);
  });

  it('exampleUrls: example.org and acme.com are refused where the policy says so', () => {
    const strict = testValidator({ ukCore: false, policy: { exampleUrls: 'error' } });
    const doc = { resourceType: 'DocumentReference', status: 'current', content: [{ attachment: { url: 'http://repository.example.org/fhir/Binary/1' } }] };
    assert.ok(errors(doc, strict).some((m) => m.startsWith('DocumentReference.content[0].attachment.url') && /Example URLs/.test(m)));
    assert.deepEqual(errors(doc), []);
    const ext = patient({ birthDate: '2000-01-01', _birthDate: { extension: [{ url: 'http://example.org/fhir/StructureDefinition/something', valueString: 'x' }] } });
    assert.deepEqual(errors(ext), [], 'an unknown example.org extension is tolerated by default');
    assert.ok(errors(ext, strict).some((m) => /not known, and is not allowed/.test(m)));
  });

  it('allowedExtensionDomains: unknown extensions there are warnings, not errors', () => {
    const p = patient({ extension: [{ url: 'https://fhir.nhs.uk/StructureDefinition/Extension-Unknown', valueString: 'x' }] });
    assert.ok(errors(p).some((m) => /not known/.test(m)));
    const lenient = testValidator({ ukCore: false, policy: { allowedExtensionDomains: ['https://fhir.nhs.uk/StructureDefinition'] } });
    assert.deepEqual(errors(p, lenient), []);
  });

  it('htmlInMarkdown: HTML in markdown is information by default, an error by policy', () => {
    const comm = { resourceType: 'Communication', status: 'completed', note: [{ text: 'See <red>this</red>' }] };
    assert.deepEqual(errors(comm), []);
    const strict = testValidator({ ukCore: false, policy: { htmlInMarkdown: 'error' } });
    assert.ok(errors(comm, strict).some((m) => m.startsWith('Communication.note[0].text') && /HTML tag/.test(m)));
  });
});

describe('narrative links', () => {
  const div = (html: string, extra: Json = {}) => patient({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml">${html}</div>` }, ...extra });

  it('rejects an empty hyperlink, a urn: hyperlink, and a local link with no target', () => {
    assert.ok(errors(div('<a href="">x</a>')).some((m) => /hyperlink in the narrative is empty/.test(m)));
    assert.ok(errors(div('<a href="urn:uuid:6a2ee390-978e-42c6-8f88-c17dff3bd8a3">x</a>')).some((m) => /scheme 'urn:'/.test(m)));
    assert.ok(errors(div('<img src="#missing" alt="x"/>')).some((m) => /'#missing' does not resolve/.test(m)));
  });

  it('accepts local links to narrative anchors, element ids and contained resources', () => {
    assert.deepEqual(errors(div('<p id="top">x</p><a href="#top">top</a>')), []);
    assert.deepEqual(errors(div('<a href="#n1">name</a>', { name: [{ id: 'n1', family: 'Jones' }] })), []);
    assert.deepEqual(errors(div('<img src="#photo" alt="x"/>', { contained: [{ resourceType: 'Binary', id: 'photo', contentType: 'image/png' }], photo: [{ url: '#photo' }] })), []);
  });
});
