import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { ElementDefinition, StructureDefinition } from '../../src/fhir/definitions.ts';
import { generateSnapshot, SnapshotError } from '../../src/validation/index.ts';
import { testValidator, UKCORE } from './helpers.ts';

const registry = testValidator().registry;

function element(url: string, id: string): ElementDefinition {
  const sd = registry.snapshot(url);
  const found = sd?.snapshot?.element.find((e) => e.id === id);
  assert.ok(found, `${id} in ${url}`);
  return found;
}

describe('snapshot generation for UK Core', () => {
  const ukcore = registry.addedStructureDefinitions().filter((sd) => sd.url.startsWith('https://fhir.hl7.org.uk/') || sd.url.includes('/StructureDefinition/extension-') && sd.snapshot === undefined);

  it('covers all 70 profiles and 83 extensions of the package', () => {
    const own = registry.addedStructureDefinitions().filter((sd) => sd.snapshot === undefined);
    assert.equal(own.filter((sd) => sd.type !== 'Extension').length, 70);
    assert.equal(own.filter((sd) => sd.type === 'Extension').length, 83);
  });

  it('produces a snapshot for every one without error, each differential element present', () => {
    for (const sd of ukcore) {
      const snap = registry.snapshot(sd.url)!;
      const ids = new Set(snap.snapshot!.element.map((e) => e.id));
      for (const d of sd.differential?.element ?? []) assert.ok(ids.has(d.id), `${sd.url}: ${d.id} missing from the snapshot`);
      assert.equal(snap.snapshot!.element[0].path, sd.type);
    }
  });

  it('keeps the base elements, in order, with their base cardinality', () => {
    const patient = registry.snapshot(`${UKCORE}/UKCore-Patient`)!.snapshot!.element;
    const core = registry.snapshot('http://hl7.org/fhir/StructureDefinition/Patient')!.snapshot!.element;
    const unsliced = patient.filter((e) => !e.id!.includes(':') && e.path.split('.').length === 2).map((e) => e.path);
    assert.deepEqual(unsliced, core.filter((e) => e.path.split('.').length === 2).map((e) => e.path));
    assert.deepEqual(element(`${UKCORE}/UKCore-Patient`, 'Patient.identifier').base, { path: 'Patient.identifier', min: 0, max: '*' });
  });

  it('creates slices after the sliced element, walking into the data type for their children', () => {
    const slice = element(`${UKCORE}/UKCore-Patient`, 'Patient.identifier:nhsNumber');
    assert.equal(slice.sliceName, 'nhsNumber');
    assert.equal(slice.max, '1');
    assert.equal(element(`${UKCORE}/UKCore-Patient`, 'Patient.identifier:nhsNumber.system').fixedUri, 'https://fhir.nhs.uk/Id/nhs-number');
    assert.deepEqual((element(`${UKCORE}/UKCore-Patient`, 'Patient.identifier').slicing as { discriminator: unknown[] }).discriminator, [{ type: 'value', path: 'system' }]);
  });

  it('slices extensions by url when the differential does not say how', () => {
    const ext = element(`${UKCORE}/UKCore-Patient`, 'Patient.extension');
    assert.deepEqual((ext.slicing as { discriminator: unknown[] }).discriminator, [{ type: 'value', path: 'url' }]);
    assert.deepEqual(element(`${UKCORE}/UKCore-Patient`, 'Patient.extension:ethnicCategory').type, [
      { code: 'Extension', profile: [`${UKCORE}/Extension-UKCore-EthnicCategory`] },
    ]);
  });

  it('walks into an extension profile when the differential constrains its value', () => {
    const value = element(`${UKCORE}/UKCore-Patient`, 'Patient.extension:birthPlace.value[x]');
    assert.equal(value.type?.[0].code, 'Address');
    assert.equal(element(`${UKCORE}/UKCore-Patient`, 'Patient.extension:birthPlace.url').fixedUri, 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace');
  });

  it('starts a slice from the base cardinality, not the constrained sliced element', () => {
    const url = 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Observation.triggeredBy';
    assert.equal(element(url, 'Extension.extension').min, 2);
    assert.equal(element(url, 'Extension.extension:reason').min, 0);
    assert.equal(element(url, 'Extension.extension:observation').min, 1);
  });

  it('carries constraints on the sliced element into slices made after them', () => {
    const url = `${UKCORE}/UKCore-Observation-VitalSigns-BloodPressure`;
    assert.equal(element(url, 'Observation.component:SystolicBP.code.coding:loinc.system').fixedUri, 'http://loinc.org');
    assert.equal(element(url, 'Observation.component:SystolicBP.code.coding:loinc.code').fixedCode, '8480-6');
  });

  it('derives from profiles that are themselves generated (profile on profile)', () => {
    const sd = registry.structureDefinition(`${UKCORE}/UKCore-Observation-VitalSigns-BloodPressure`)!;
    assert.equal(sd.baseDefinition, `${UKCORE}/UKCore-Observation-VitalSigns`);
    assert.ok(registry.snapshot(sd.url)!.snapshot!.element.length > registry.snapshot(sd.baseDefinition)!.snapshot!.element.length);
  });

  it('does not modify the differential-only StructureDefinition', () => {
    assert.equal(registry.structureDefinition(`${UKCORE}/UKCore-Patient`)!.snapshot, undefined);
  });
});

describe('snapshot generation rules', () => {
  const base = (diff: ElementDefinition[], extra: Partial<StructureDefinition> = {}): StructureDefinition => ({
    resourceType: 'StructureDefinition',
    url: 'http://example.org/StructureDefinition/test',
    name: 'Test',
    type: 'Observation',
    kind: 'resource',
    abstract: false,
    derivation: 'constraint',
    baseDefinition: 'http://hl7.org/fhir/StructureDefinition/Observation',
    differential: { element: diff },
    ...extra,
  });

  it('narrows cardinality and appends documentation that starts with "..."', () => {
    const snap = generateSnapshot(base([{ id: 'Observation.subject', path: 'Observation.subject', min: 1, definition: '... and always a patient' }]), registry);
    const subject = snap.snapshot!.element.find((e) => e.id === 'Observation.subject')!;
    assert.equal(subject.min, 1);
    assert.match(String(subject.definition), /\r\nand always a patient$/);
  });

  it('narrows a choice written with the type in its name (valueQuantity)', () => {
    const snap = generateSnapshot(base([{ path: 'Observation.valueQuantity', min: 1 }, { path: 'Observation.valueQuantity.system', fixedUri: 'http://unitsofmeasure.org' }]), registry);
    const value = snap.snapshot!.element.find((e) => e.id === 'Observation.value[x]')!;
    assert.deepEqual(value.type?.map((t) => t.code), ['Quantity']);
    assert.equal(snap.snapshot!.element.find((e) => e.id === 'Observation.value[x].system')?.fixedUri, 'http://unitsofmeasure.org');
  });

  it('gives path-only differentials ids, children following the slice they belong to', () => {
    const snap = generateSnapshot(
      base([
        { path: 'Observation.category', slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' } },
        { path: 'Observation.category', sliceName: 'vs', min: 1, patternCodeableConcept: { coding: [{ code: 'vital-signs' }] } },
        { path: 'Observation.category.text', max: '0' },
      ]),
      registry,
    );
    assert.equal(snap.snapshot!.element.find((e) => e.id === 'Observation.category:vs.text')?.max, '0');
    assert.notEqual(snap.snapshot!.element.find((e) => e.id === 'Observation.category.text')?.max, '0');
  });

  it('adds constraints to the base ones', () => {
    const snap = generateSnapshot(base([{ path: 'Observation', constraint: [{ key: 'x-1', severity: 'error', human: 'x', expression: 'status.exists()' }] }]), registry);
    const keys = snap.snapshot!.element[0].constraint!.map((c) => c.key);
    assert.ok(keys.includes('obs-6') && keys.includes('x-1'));
  });

  it('reports an element the base does not have', () => {
    assert.throws(() => generateSnapshot(base([{ path: 'Observation.nonsense' }]), registry), SnapshotError);
  });

  it('reports an unknown base definition', () => {
    assert.throws(() => generateSnapshot(base([], { baseDefinition: 'http://example.org/nothing' }), registry), /is not known/);
  });
});

describe('snapshot generation: what a differential may not do, and choice types', () => {
  const profile = (differential: ElementDefinition[], base = 'http://hl7.org/fhir/StructureDefinition/Observation'): StructureDefinition =>
    ({
      resourceType: 'StructureDefinition',
      url: 'http://example.org/StructureDefinition/test',
      name: 'Test',
      status: 'draft',
      kind: 'resource',
      abstract: false,
      type: 'Observation',
      baseDefinition: base,
      derivation: 'constraint',
      differential: { element: differential },
    }) as unknown as StructureDefinition;
  const generate = (differential: ElementDefinition[]) => generateSnapshot(profile(differential), registry).snapshot!.element;
  const fails = (differential: ElementDefinition[], pattern: RegExp) => assert.throws(() => generateSnapshot(profile(differential), registry), (err: Error) => err instanceof SnapshotError && pattern.test(err.message));

  it('refuses to widen cardinality, or to allow a type the base does not', () => {
    fails([{ path: 'Observation.status', min: 0 } as ElementDefinition], /min 0 is below the base's 1/);
    fails([{ path: 'Observation.subject', max: '2' } as ElementDefinition], /max 2 is above the base's 1/);
    fails([{ path: 'Observation.value[x]', type: [{ code: 'ContactPoint' }] } as ElementDefinition], /type ContactPoint is not one the base allows/);
  });

  it('refuses a fixed value of another type, a type profile of another type, and mustSupport taken away', () => {
    fails([{ path: 'Observation.status', fixedUri: 'http://x' } as ElementDefinition], /fixedUri is not a value of the element's type/);
    fails([{ path: 'Observation.valueQuantity', type: [{ code: 'Quantity', profile: ['http://hl7.org/fhir/StructureDefinition/Count'] }] } as ElementDefinition], /is for Count, not Quantity/);
    const base = generateSnapshot(profile([{ path: 'Observation.code', mustSupport: true } as ElementDefinition]), registry);
    registry.add({ ...base, url: 'http://example.org/StructureDefinition/ms-base', snapshot: base.snapshot } as never);
    assert.throws(() => generateSnapshot(profile([{ path: 'Observation.code', mustSupport: false } as ElementDefinition], 'http://example.org/StructureDefinition/ms-base'), registry), /mustSupport is true in the base/);
  });

  it('starts a new slice with no minimum (the sliced element\'s minimum is for all its slices)', () => {
    const snap = generate([{ path: 'Observation.category', slicing: { discriminator: [{ type: 'pattern', path: '$this' }], rules: 'open' }, min: 1 } as ElementDefinition, { path: 'Observation.category', sliceName: 'vs' } as ElementDefinition]);
    assert.equal(snap.find((e) => e.id === 'Observation.category')!.min, 1);
    assert.equal(snap.find((e) => e.id === 'Observation.category:vs')!.min, 0);
  });

  it('slices a choice by type, and a required type slice makes the choice required, of that type alone', () => {
    const snap = generate([
      { path: 'Observation.value[x]', slicing: { rules: 'open' } } as ElementDefinition,
      { path: 'Observation.value[x]', sliceName: 'valueCodeableConcept', min: 1, type: [{ code: 'CodeableConcept' }] } as ElementDefinition,
    ]);
    const value = snap.find((e) => e.id === 'Observation.value[x]')!;
    assert.deepEqual(value.slicing, { rules: 'closed', discriminator: [{ type: 'type', path: '$this' }] });
    assert.equal(value.min, 1);
    assert.deepEqual(value.type, [{ code: 'CodeableConcept' }]);
    fails(
      [
        { path: 'Observation.value[x]', slicing: { rules: 'open' } } as ElementDefinition,
        { path: 'Observation.value[x]', sliceName: 'valueCodeableConcept', min: 1, type: [{ code: 'CodeableConcept' }] } as ElementDefinition,
        { path: 'Observation.value[x]', sliceName: 'valueQuantity', type: [{ code: 'Quantity' }] } as ElementDefinition,
      ],
      /slice valueQuantity cannot be/,
    );
  });

  it('walks into a choice of several types for its extensions', () => {
    const snap = generate([{ path: 'Observation.value[x].extension', sliceName: 'dar', type: [{ code: 'Extension', profile: ['http://hl7.org/fhir/StructureDefinition/data-absent-reason'] }] } as ElementDefinition]);
    assert.ok(snap.some((e) => e.id === 'Observation.value[x].extension:dar'));
  });

  it('goes by the path when an element id names another element (and fails when the path names none)', () => {
    const snap = generate([{ id: 'Observation.value[x]:dar', path: 'Observation.value[x].extension', sliceName: 'dar' } as ElementDefinition]);
    assert.ok(snap.some((e) => e.id === 'Observation.value[x].extension:dar'));
    fails([{ id: 'Observation.valueQuantity', path: 'Observation.valueBla' } as ElementDefinition], /no element Observation.valueBla/);
  });
});
