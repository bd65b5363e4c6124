/** Every UK Core example round-trips: POST, then GET returns the same content apart from id and meta (profiles and tags kept). */
import { loadExamples, roundTripSuite } from './examples.ts';

roundTripSuite(loadExamples('../shared/testdata/ukcore/examples', 215), {
  rejected: {
    'Extension-UKCore-ConditionEpisode-Example.json': {
      reason: 'its extension holds two value[x] (valueCode and valueCodeableConcept); an element may have only one',
      diagnostics: /Only one type of value\[x\] may be present/,
    },
    'UKCore-Patient-BabyPatient-Example.json': {
      reason: 'its NHS number 9912003890 fails the Modulus 11 check (the check digit should be 6, not 0)',
      diagnostics: /'9912003890' is not an NHS number: its check digit should be 6/,
    },
  },
});
