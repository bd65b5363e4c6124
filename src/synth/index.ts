/** The synthetic UK patient generator: the public face of `src/synth/`. */
export { population, transactionBundle, DEFAULT_AS_OF, type SeedOptions, type PatientRecord, type Population } from './generate.ts';
export { seedInto, type SeedSummary } from './seed.ts';
export { seedDemo } from './demo.ts';
export { bundleFiles, ndjsonFiles, inProcess, overHttp, type Sink } from './sinks.ts';
export { isValidNhsNumber, isTestRangeNhsNumber, nhsCheckDigit } from './identifiers.ts';
export type { Resource } from './fhir.ts';
