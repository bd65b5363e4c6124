import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadR4Definitions } from '../../src/fhir/definitions.ts';
import { compileComposite } from '../../src/search/params/composite.ts';
import { paramType, SearchRegistry } from '../../src/search/registry.ts';
import { forEachStore } from '../helpers/server.ts';
import { ids, load, type R } from './fixtures.ts';

const LOINC = 'http://loinc.org';
const SCT = 'http://snomed.info/sct';
const UCUM = 'http://unitsofmeasure.org';
const CONTEXT = 'http://terminology.hl7.org/CodeSystem/usage-context-type';
const mmHg = (value: number) => ({ value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' });
const obs = (id: string, code: string, extra: Record<string, unknown>): R => ({ resourceType: 'Observation', id, status: 'final', code: { coding: [{ system: LOINC, code }] }, ...extra });

describe('composite parameters of R4', () => {
  it('are all indexed, whatever their number and types of components', () => {
    const defs = loadR4Definitions();
    const registry = new SearchRegistry(defs);
    const missing: string[] = [];
    let n = 0;
    for (const type of defs.resourceTypes)
      for (const sp of defs.searchParameters(type)) {
        if (sp.type !== 'composite') continue;
        n++;
        if (!compileComposite(sp, type, (url) => registry.byDefinition(url), paramType, false)) missing.push(`${type}.${sp.code}`);
      }
    assert.ok(n > 40, `${n} composites`);
    assert.deepEqual(missing, []);
  });
});

forEachStore((_store, client) => {
  before(async () => {
    await load(client(), [
      obs('bp', '85354-9', {
        component: [
          { code: { coding: [{ system: LOINC, code: '8480-6' }] }, valueQuantity: mmHg(150) },
          { code: { coding: [{ system: LOINC, code: '8462-4' }] }, valueQuantity: mmHg(95) },
          { code: { coding: [{ system: LOINC, code: '8478-0' }] }, valueCodeableConcept: { coding: [{ system: SCT, code: '271650006' }] } },
        ],
      }),
      obs('glucose', '2339-0', { valueQuantity: { value: 5.4, unit: 'mmol/L', system: UCUM, code: 'mmol/L' } }),
      obs('concept', '5778-6', { valueCodeableConcept: { coding: [{ system: SCT, code: '371244009' }] } }),
      obs('dated', '21112-8', { valueDateTime: '2020-01-15' }),
      obs('text', '5767-9', { valueString: 'Positive for cells' }),
      { resourceType: 'Group', id: 'g', type: 'person', actual: true, characteristic: [
        { code: { coding: [{ system: 'http://example.org/c', code: 'gender' }] }, valueCodeableConcept: { coding: [{ code: 'female' }] }, exclude: false },
        { code: { coding: [{ system: 'http://example.org/c', code: 'smoker' }] }, valueBoolean: true, exclude: false },
      ] },
      { resourceType: 'Questionnaire', id: 'qn', status: 'active', useContext: [
        { code: { system: CONTEXT, code: 'age' }, valueRange: { low: { value: 18, system: UCUM, code: 'a' }, high: { value: 65, system: UCUM, code: 'a' } } },
        { code: { system: CONTEXT, code: 'focus' }, valueCodeableConcept: { coding: [{ system: SCT, code: '73211009' }] } },
      ] },
      { resourceType: 'DocumentReference', id: 'doc', status: 'current', content: [{ attachment: { contentType: 'text/plain' } }], relatesTo: [
        { code: 'replaces', target: { reference: 'DocumentReference/old' } },
        { code: 'appends', target: { reference: 'DocumentReference/other' } },
      ] },
      { resourceType: 'MolecularSequence', id: 'seq', type: 'dna', coordinateSystem: 1,
        referenceSeq: { chromosome: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/chromosome-human', code: '1' }] }, referenceSeqId: { coding: [{ system: 'http://www.ncbi.nlm.nih.gov/nuccore', code: 'NC_000001.11' }] }, strand: 'watson', windowStart: 100, windowEnd: 500 },
        variant: [{ start: 120, end: 130 }, { start: 300, end: 340 }] },
    ]);
  });
  const q = (url: string) => ids(client(), url.replace(/=(.*)$/, (_, v: string) => `=${encodeURIComponent(v)}`));

  describe('two components', () => {
    it('match an Observation’s code and value, with the value type’s prefixes and units', async () => {
      assert.deepEqual(await q(`Observation?code-value-quantity=${LOINC}|2339-0$5.4|${UCUM}|mmol/L`), ['glucose']);
      assert.deepEqual(await q(`Observation?code-value-quantity=2339-0$0.0054|${UCUM}|mol/L`), ['glucose']);
      assert.deepEqual(await q(`Observation?code-value-quantity=2339-0$gt6`), []);
      assert.deepEqual(await q(`Observation?code-value-concept=5778-6$${SCT}|371244009`), ['concept']);
      assert.deepEqual(await q(`Observation?code-value-date=21112-8$ge2020-01`), ['dated']);
      assert.deepEqual(await q(`Observation?code-value-date=21112-8$lt2019`), []);
      assert.deepEqual(await q(`Observation?code-value-string=5767-9$positive`), ['text']);
    });
    it('match the code and value of the same component, or of the Observation itself (combo)', async () => {
      assert.deepEqual(await q(`Observation?component-code-value-quantity=8480-6$gt140`), ['bp']);
      assert.deepEqual(await q(`Observation?component-code-value-quantity=8462-4$gt140`), [], 'the 150 belongs to another component');
      assert.deepEqual(await q(`Observation?component-code-value-concept=8478-0$${SCT}|271650006`), ['bp']);
      assert.deepEqual(await q(`Observation?combo-code-value-quantity=8480-6$gt140,2339-0$5.4`), ['bp', 'glucose']);
      assert.deepEqual(await q(`Observation?combo-code-value-concept=5778-6$371244009`), ['concept']);
    });
    it('match a Group characteristic’s code and value together', async () => {
      assert.deepEqual(await q('Group?characteristic-value=gender$female'), ['g']);
      assert.deepEqual(await q('Group?characteristic-value=smoker$true'), ['g']);
      assert.deepEqual(await q('Group?characteristic-value=smoker$female'), []);
    });
    it('match a use context’s type with its quantity (a Range) or concept', async () => {
      assert.deepEqual(await q(`Questionnaire?context-type-quantity=${CONTEXT}|age$gt60`), ['qn']);
      assert.deepEqual(await q(`Questionnaire?context-type-quantity=age$gt700|${UCUM}|mo`), ['qn'], '700 months is 58 years');
      assert.deepEqual(await q(`Questionnaire?context-type-quantity=age$gt70`), []);
      assert.deepEqual(await q(`Questionnaire?context-type-value=focus$${SCT}|73211009`), ['qn']);
      assert.deepEqual(await q(`Questionnaire?context-type-value=age$${SCT}|73211009`), []);
    });
    it('match a DocumentReference relationship: the target (a reference) and its code', async () => {
      assert.deepEqual(await q('DocumentReference?relationship=DocumentReference/old$replaces'), ['doc']);
      assert.deepEqual(await q('DocumentReference?relationship=old$replaces'), ['doc']);
      assert.deepEqual(await q('DocumentReference?relationship=DocumentReference/old$appends'), []);
    });
  });

  describe('three components', () => {
    it('match a chromosome with a variant’s start and end', async () => {
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=1$ge120$le130'), ['seq']);
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=1$gt200$lt400'), ['seq']);
      assert.deepEqual(await q('MolecularSequence?referenceseqid-variant-coordinate=NC_000001.11$120$130'), ['seq']);
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=2$ge120$le130'), []);
    });
    it('never pair the start of one variant with the end of another', async () => {
      // the second variant starts at 300, the first ends at 130: no one variant does both
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=1$ge300$le130'), []);
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=1$120$340'), []);
    });
    it('match the reference sequence window', async () => {
      assert.deepEqual(await q('MolecularSequence?chromosome-window-coordinate=1$ge100$le500'), ['seq']);
      assert.deepEqual(await q('MolecularSequence?referenceseqid-window-coordinate=NC_000001.11$100$gt500'), []);
    });
    it('OR values, and answer 400 for a value with the wrong number of components', async () => {
      assert.deepEqual(await q('MolecularSequence?chromosome-variant-coordinate=1$ge300$le130,1$300$340'), ['seq']);
      assert.equal((await client().get(`MolecularSequence?chromosome-variant-coordinate=${encodeURIComponent('1$120')}`)).status, 400);
    });
  });
});
