import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Issue } from '../../src/fhir/errors.ts';
import { testValidator, UKCORE } from './helpers.ts';

const validator = testValidator();
const PATIENT = `${UKCORE}/UKCore-Patient`;

const errors = (issues: Issue[]) => issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
const at = (issues: Issue[], expression: string) => issues.filter((i) => i.expression?.includes(expression));

function patient(extra: Record<string, unknown> = {}): Record<string, unknown> {
  const resource: Record<string, unknown> = {
    resourceType: 'Patient',
    meta: { profile: [PATIENT] },
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Jo Bloggs</div>' },
    identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }],
    name: [{ family: 'Bloggs', given: ['Jo'] }],
    gender: 'female',
    ...extra,
  };
  for (const k of Object.keys(resource)) if (resource[k] === undefined) delete resource[k];
  return resource;
}

describe('profile validation against UK Core Patient', () => {
  it('finds no errors in a conforming Patient', () => {
    assert.deepEqual(errors(validator.validate(patient())), []);
  });

  it('rejects a second NHS number: the nhsNumber slice allows one', () => {
    const issues = validator.validate(patient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }, { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9449306621' }] }));
    assert.equal(errors(issues).length, 1);
    assert.match(errors(issues)[0].diagnostics!, /nhsNumber: max allowed = 1, but found 2/);
  });

  it('requires the value of the NHS number slice', () => {
    const issues = validator.validate(patient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number' }] }));
    assert.equal(at(errors(issues), 'Patient.identifier[0].value').length, 1);
  });

  it('validates an extension against its definition: value type, and codes under a required binding', () => {
    const issues = validator.validate(
      patient({
        identifier: [
          {
            system: 'https://fhir.nhs.uk/Id/nhs-number',
            value: '9000000009',
            extension: [
              {
                url: `${UKCORE}/Extension-UKCore-NHSNumberVerificationStatus`,
                valueCodeableConcept: { coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', code: 'XX' }] },
              },
            ],
          },
        ],
      }),
    );
    const bad = errors(issues).filter((i) => i.code === 'code-invalid');
    assert.ok(bad.length >= 1, JSON.stringify(issues));
    assert.ok(bad.every((i) => i.expression![0].startsWith('Patient.identifier[0].extension[0].value.ofType(CodeableConcept).coding[0]')));
  });

  it('rejects an extension value of a type the definition does not allow', () => {
    const issues = validator.validate(patient({ extension: [{ url: `${UKCORE}/Extension-UKCore-EthnicCategory`, valueString: 'A' }] }));
    assert.ok(errors(issues).some((i) => /type string is not allowed/.test(i.diagnostics!)), JSON.stringify(issues));
  });

  it('rejects unknown extensions, and only warns for cross-version ones', () => {
    const issues = validator.validate(
      patient({ extension: [{ url: 'https://example.nhs.uk/no-such-extension', valueString: 'x' }, { url: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Patient.x', valueString: 'y' }] }),
    );
    assert.equal(at(errors(issues), 'Patient.extension[0]').length, 1);
    assert.equal(at(errors(issues), 'Patient.extension[1]').length, 0);
  });

  it('rejects a relative extension url outside a complex extension', () => {
    assert.equal(errors(validator.validate(patient({ extension: [{ url: 'birthSex', valueString: 'x' }] }))).length, 1);
  });

  it('rejects a code outside a required binding of the base resource, and warns for codes it cannot check', () => {
    assert.equal(at(errors(validator.validate(patient({ gender: 'f' }))), 'Patient.gender').length, 1);
    const snomed = validator.validate(
      patient({ maritalStatus: { coding: [{ system: 'http://snomed.info/sct', code: '22298006' }] } }),
    );
    assert.deepEqual(errors(snomed), []);
  });

  it('checks reference target types', () => {
    const issues = validator.validate(patient({ generalPractitioner: [{ reference: 'Observation/1' }] }));
    assert.equal(at(errors(issues), 'Patient.generalPractitioner[0].reference').length, 1);
    assert.deepEqual(errors(validator.validate(patient({ generalPractitioner: [{ reference: 'Organization/1' }] }))), []);
  });

  it('evaluates invariants with FHIRPath (pat-1: a contact needs details or an organization)', () => {
    const issues = validator.validate(patient({ contact: [{ gender: 'male' }] }));
    assert.ok(errors(issues).some((i) => /pat-1/.test(i.diagnostics!) && i.expression![0] === 'Patient.contact[0]'), JSON.stringify(issues));
  });

  it('rejects an invalid NHS number, pointing at the identifier value', () => {
    const issues = validator.validate(patient({ identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000008' }] }));
    assert.deepEqual(errors(issues).map((i) => i.expression![0]), ['Patient.identifier[0].value']);
  });

  it('warns, without failing, when a claimed profile is unknown', () => {
    const issues = validator.validate(patient({ meta: { profile: ['http://example.org/StructureDefinition/unknown'] } }));
    assert.deepEqual(errors(issues), []);
    assert.equal(at(issues, 'Patient.meta.profile[0]')[0].severity, 'warning');
  });

  it('reports mustSupport elements that are absent as information when asked', () => {
    const v = testValidator({ registry: validator.registry, policy: { mustSupport: true } });
    const info = v.validate(patient()).filter((i) => i.severity === 'information');
    assert.ok(info.some((i) => /mustSupport/.test(i.diagnostics!)));
  });
});

describe('slicing', () => {
  const BP = `${UKCORE}/UKCore-Observation-VitalSigns-BloodPressure`;
  const component = (code: string, text: string) => ({
    code: { coding: [{ system: 'http://loinc.org', code }, { system: 'http://snomed.info/sct', code: '72313002' }], text },
    valueQuantity: { value: 120, unit: 'millimeter of mercury', system: 'http://unitsofmeasure.org', code: 'mm[Hg]' },
  });
  const bp = (components: unknown[]) => ({
    resourceType: 'Observation',
    meta: { profile: [BP] },
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
    code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }, { system: 'http://snomed.info/sct', code: '75367002' }] },
    subject: { reference: 'Patient/1' },
    effectiveDateTime: '2024-01-01',
    component: components,
  });

  it('matches components to slices by a value discriminator (code.text)', () => {
    const issues = validator.validate(bp([component('8480-6', 'Systolic blood pressure'), component('8462-4', 'Diastolic blood pressure')]));
    assert.deepEqual(errors(issues).filter((i) => i.expression![0].startsWith('Observation.component')), []);
  });

  it('rejects an item no slice claims when the slicing is closed', () => {
    const issues = validator.validate(bp([component('8480-6', 'Systolic blood pressure'), component('8462-4', 'Something else')]));
    assert.ok(errors(issues).some((i) => /does not match any slice/.test(i.diagnostics!)), JSON.stringify(errors(issues)));
  });

  it('enforces the fixed values of the matched slice', () => {
    const issues = validator.validate(bp([component('9999-9', 'Systolic blood pressure')]));
    assert.ok(errors(issues).some((i) => /fixes it to "8480-6"/.test(i.diagnostics!)), JSON.stringify(errors(issues)));
  });
});

describe('operator policy', () => {
  it('requires UK Core Patient of every Patient, claimed or not', () => {
    const v = testValidator({ registry: validator.registry, policy: { requireProfiles: { Patient: [PATIENT] } } });
    const unclaimed = patient({ meta: undefined, identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9000000009' }, { system: 'https://fhir.nhs.uk/Id/nhs-number', value: '9449306621' }] });
    assert.equal(errors(v.validate(unclaimed)).length, 1);
    assert.equal(errors(validator.validate(unclaimed)).length, 0);
  });

  it('refuses, at start-up, a policy naming an unknown profile or one for another type', () => {
    assert.throws(() => testValidator({ registry: validator.registry, policy: { requireProfiles: { Patient: ['http://example.org/nothing'] } } }), /not a known profile/);
    assert.throws(() => testValidator({ registry: validator.registry, policy: { requireProfiles: { Observation: [PATIENT] } } }), /is for Patient/);
  });

  it('validates against an explicit profile (as $validate?profile= does)', () => {
    const issues = validator.validate(patient({ meta: undefined, identifier: [{ system: 'https://fhir.nhs.uk/Id/nhs-number' }] }), { profile: PATIENT });
    assert.equal(errors(issues).length, 1);
  });
});

describe('slices, sub-extensions and resources inside resources', () => {
  const v = testValidator();

  it('reports each required slice of an absent element, as well as the element (bp: SystolicBP and DiastolicBP)', () => {
    const issues = v.validate({
      resourceType: 'Observation',
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/bp'] },
      status: 'final',
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
      subject: { reference: 'Patient/1' },
      effectiveDateTime: '2020-01-01',
    });
    const messages = errors(issues).map((i) => i.diagnostics ?? '');
    assert.ok(messages.some((m) => /^Observation.component: minimum required = 2/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^Observation.component:SystolicBP: minimum required = 1/.test(m)), messages.join('\n'));
    assert.ok(messages.some((m) => /^Observation.component:DiastolicBP: minimum required = 1/.test(m)), messages.join('\n'));
  });

  it('rejects a sub-extension that the complex extension does not define', () => {
    const animal = (url: string) => ({ resourceType: 'Patient', extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/patient-animal', extension: [{ url: 'species', valueCodeableConcept: { text: 'dog' } }, { url, valueCodeableConcept: { text: 'x' } }] }] });
    assert.deepEqual(errors(v.validate(animal('breed'))), []);
    const bad = errors(v.validate(animal('species-x')));
    assert.deepEqual(bad.map((i) => i.expression?.[0]), ['Patient.extension[0].extension[1]']);
    assert.match(bad[0].diagnostics!, /species-x' is not defined by the extension/);
  });

  it('gives a Bundle entry its own %rootResource, so its local references resolve to its own contained resources', () => {
    const org = { resourceType: 'Organization', id: 'o', name: 'Leeds GP', contained: [{ resourceType: 'Endpoint', id: 'e', status: 'active', connectionType: { code: 'direct-project' }, payloadType: [{ text: 'x' }], address: 'mailto:a@b.org' }], endpoint: [{ reference: '#e' }] };
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'http://a.org/fhir/Organization/o', resource: org }] };
    assert.deepEqual(errors(v.validate(bundle)).map((i) => i.diagnostics), []);
  });

  it('applies the rules of particular resource types only in full validation, not on writes', () => {
    const cs = { resourceType: 'CodeSystem', url: 'http://example.org/cs', status: 'draft', content: 'not-present', concept: [{ code: 'a' }] };
    assert.equal(errors(v.validate(cs)).length, 1);
    assert.deepEqual(errors(v.validate(cs, { core: false })), []);
  });
});
