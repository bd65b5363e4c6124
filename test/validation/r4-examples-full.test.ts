import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TESTDATA, testValidator } from './helpers.ts';

/**
 * The R4 examples that full validation (base invariants, bindings, Bundle, document and value
 * rules) finds errors in, each with the defect of the example itself. Any other error in an R4
 * example is a false positive of Meridian's.
 */
const DEFECTS: Record<string, { reason: string; error: RegExp }> = {
  'ActivityDefinition-blood-tubes-supply.json': { reason: 'an empty narrative', error: /txt-2/ },
  'ActivityDefinition-heart-valve-replacement.json': { reason: 'an empty narrative', error: /txt-2/ },
  'EventDefinition-example.json': { reason: 'an empty narrative', error: /txt-2/ },
  'Questionnaire-zika-virus-exposure-assessment.json': { reason: 'an empty narrative', error: /txt-2/ },
  'Bundle-10bb101f-a121-4264-a920-67be9cb82c74.json': { reason: "fullUrl …/Patient/pat12 for Patient 'pat2'", error: /RESTful URL, so must end/ },
  'Bundle-3a0707d3-549e-4467-b8b8-5a2ab3800efe.json': { reason: "fullUrl …/Patient/pat12 for Patient 'pat2'", error: /RESTful URL, so must end/ },
  'Bundle-lri-example.json': { reason: 'fullUrls that disagree with their resources’ ids', error: /RESTful URL, so must end/ },
  'Bundle-hla-1.json': { reason: "a sub-extension 'uri' where the extension defines 'url'", error: /sub-extension 'uri' is not defined/ },
  'DeviceMetric-example.json': { reason: 'parent refers to a DeviceDefinition, not a Device', error: /not allowed here/ },
  'DeviceUseStatement-example.json': { reason: 'reasonReference to a Procedure', error: /not allowed here/ },
  'MedicationRequest-medrx0301.json': { reason: 'dispenseRequest.performer is a Practitioner, not an Organization', error: /not allowed here/ },
  'Observation-clinical-gender.json': { reason: 'performer is an Encounter', error: /not allowed here/ },
  'Library-zika-virus-intervention-logic.json': { reason: "the placeholder 'urn:oid:X.Y.Z'", error: /not a valid OID/ },
  'Media-sound.json': { reason: "an image '#11' with no target (the content's id is 'a1')", error: /'#11' does not resolve/ },
  'Organization-2.16.840.1.113883.19.5.json': { reason: 'an OID as the value of a urn:ietf:rfc:3986 identifier', error: /urn:ietf:rfc:3986 the value must be a URI/ },
  'Media-1.2.840.11361907579238403408700.3.1.04.19970327150033.json': { reason: 'extensions nobody defines (nema.org)', error: /is not known/ },
  'Patient-dicom.json': { reason: 'extensions nobody defines (nema.org)', error: /is not known/ },
  'Observation-example-genetics-brcapat.json': { reason: 'a US Core extension (not loaded here)', error: /is not known/ },
  'Questionnaire-qs1.json': { reason: 'items without a linkId, and questionnaire-allowedResource (not an R4 extension)', error: /linkId is required|is not known/ },
};

describe('every R4 specification example, in full validation', () => {
  const validator = testValidator();
  const dir = join(TESTDATA, 'r4-examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('finds errors only in the examples with known defects, and only those defects', () => {
    const unexpected: string[] = [];
    const missing = new Set(Object.keys(DEFECTS));
    for (const file of files) {
      const errors = validator.validate(JSON.parse(readFileSync(join(dir, file), 'utf8'))).filter((i) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length === 0) continue;
      const known = DEFECTS[file];
      missing.delete(file);
      for (const e of errors) if (known === undefined || !known.error.test(e.diagnostics ?? '')) unexpected.push(`${file} ${e.expression?.[0]}: ${e.diagnostics}`);
    }
    assert.deepEqual(unexpected, []);
    assert.deepEqual([...missing], [], 'each known defect is still found');
  });
});
