/** Every example of the FHIR R4 specification round-trips: POST, then GET returns the same content apart from id and meta. */
import { loadExamples, roundTripSuite } from './examples.ts';

roundTripSuite(loadExamples('../shared/testdata/r4-examples', 702), {
  rejected: {
    'Questionnaire-qs1.json': {
      reason: 'its items have no linkId, which Questionnaire.item.linkId requires (1..1)',
      diagnostics: /Questionnaire\.item\.linkId is required/,
    },
  },
});
