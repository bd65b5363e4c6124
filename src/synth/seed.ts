/** Runs a population into a sink, counting as it goes. */
import { population, type SeedOptions } from './generate.ts';
import type { Sink } from './sinks.ts';

export interface SeedSummary {
  patients: number;
  records: number;
  resources: number;
  failures: string[];
  seconds: number;
}

export async function seedInto(sink: Sink, options: SeedOptions, onProgress?: (done: number, resources: number, failures: number) => void): Promise<SeedSummary> {
  const started = performance.now();
  const pop = population(options);
  const failures: string[] = [];
  let resources = 0;
  const orgFailure = await sink.write('0-organisations', pop.directory.resources);
  if (orgFailure) failures.push(`organisations: ${orgFailure}`);
  else resources += pop.directory.resources.length;
  let patients = 0;
  let records = 0;
  for (const rec of pop.records()) {
    const name = `patient-${String(rec.index + 1).padStart(7, '0')}`;
    const failure = await sink.write(name, rec.resources);
    if (failure) failures.push(`${name}: ${failure}`);
    else resources += rec.resources.length;
    patients++;
    records += rec.resources.filter((r) => r.resourceType === 'Patient').length;
    onProgress?.(patients, resources, failures.length);
  }
  try {
    await sink.close();
  } catch (err) {
    failures.push((err as Error).message);
  }
  return { patients, records, resources, failures, seconds: (performance.now() - started) / 1000 };
}
