import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Issue } from '../../src/fhir/errors.ts';
import { TESTDATA, testValidator } from './helpers.ts';

const validator = testValidator();
const dir = join(TESTDATA, 'ukcore/examples');
const profiles = validator.registry
  .addedStructureDefinitions()
  .filter((sd) => sd.url.startsWith('https://fhir.hl7.org.uk/StructureDefinition/'))
  .map((sd) => ({ id: sd.id!, url: sd.url, type: sd.type }));

/**
 * The profile an example is declared against. UK Core examples carry no meta.profile; their
 * file names start with the profile id (UKCore-Observation-VitalSigns-BloodPressure-Example),
 * and extension examples (Extension-UKCore-X-Example) are resources of a type with a UK Core profile.
 */
function declaredProfile(file: string, resourceType: string): string | undefined {
  const byName = profiles.filter((p) => file.startsWith(`${p.id}-`) && p.type === resourceType).sort((a, b) => b.id.length - a.id.length)[0];
  return byName?.url ?? profiles.find((p) => p.id === `UKCore-${resourceType}`)?.url;
}

/** Examples that are wrong, with the rule each breaks and where the error must be. */
const INVALID: Record<string, { reason: string; expressions: string[] }> = {
  'Extension-UKCore-ConditionEpisode-Example.json': {
    reason: 'its extension has both valueCode and valueCodeableConcept (Extension.value[x] is one value), and the extension allows only CodeableConcept',
    expressions: ['Condition.extension[0].value', 'Condition.extension[0].value.ofType(code)'],
  },
  'UKCore-Patient-BabyPatient-Example.json': {
    reason: "its NHS number 9912003890 fails Modulus 11 (the check digit should be 6, not 0)",
    expressions: ['Patient.identifier[0].value'],
  },
  'UKCore-Bundle-NEWS2Observations-Example.json': {
    reason: "its fullUrls are relative ('Observation/…'), but Bundle.entry.fullUrl must be an absolute URL (R4 Bundle: fullUrl is the absolute URL of the resource; the Java validator agrees)",
    expressions: [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `Bundle.entry[${i}].fullUrl`),
  },
  'Extension-UKCore-RecordingSetting-Example.json': {
    reason: 'its extension url misspells the definition (Extension-UKCore-RcordingSetting), so the extension is unknown',
    expressions: ['Observation.extension[0]'],
  },
};

const describeIssues = (issues: Issue[]) => issues.map((i) => `${i.expression?.[0]}: ${i.diagnostics}`).join('\n');

describe('every UK Core example against its declared profile', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  it('is all 215 of them', () => assert.equal(files.length, 215));

  for (const file of files) {
    const resource = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { resourceType: string };
    const profile = declaredProfile(file, resource.resourceType);
    const known = INVALID[file];
    if (known === undefined) {
      it(`finds no errors in ${file}`, () => {
        assert.ok(profile, `no UK Core profile for ${file}`);
        const errors = validator.validate(resource, { profile }).filter((i) => i.severity === 'error' || i.severity === 'fatal');
        assert.deepEqual(errors, [], describeIssues(errors));
      });
    } else {
      it(`rejects ${file} because ${known.reason}`, () => {
        const errors = validator.validate(resource, { profile }).filter((i) => i.severity === 'error' || i.severity === 'fatal');
        assert.deepEqual(errors.map((i) => i.expression?.[0]).sort(), [...known.expressions].sort(), describeIssues(errors));
      });
    }
  }
});
