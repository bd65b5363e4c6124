/**
 * The population: the organisations first, then one record per patient, each derived only from
 * (seed, patient number) so output is deterministic and memory stays constant whatever N.
 */
import { Random } from './random.ts';
import { NHS_NUMBER_CAPACITY, Permutation } from './identifiers.ts';
import { buildDirectory, type Directory } from './organisations.ts';
import { drawPerson, duplicateOf, patientResource, type Person } from './patient.ts';
import { buildHistory } from './history.ts';
import type { Resource } from './fhir.ts';

export interface SeedOptions {
  patients: number;
  seed?: string;
  /** Organisations in the directory (trusts, practices, community, social care); default scales with N. */
  organisations?: number;
  /** The reference date records end at (YYYY-MM-DD), default 2026-01-01. */
  asOf?: string;
  /** Share of people given a deliberate duplicate record (default 0.01). */
  duplicateRate?: number;
}

export interface PatientRecord {
  index: number;
  person: Person;
  conditions: string[];
  /** Patient first, then everything else. */
  resources: Resource[];
}

export interface Population {
  directory: Directory;
  asOf: number;
  records(): Generator<PatientRecord>;
}

export const DEFAULT_AS_OF = '2026-01-01';

export function defaultOrganisations(patients: number): number {
  return Math.min(400, Math.max(12, Math.ceil(patients / 400)));
}

export function parseAsOf(asOf: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(asOf);
  if (!m) throw new Error(`--as-of must be a date YYYY-MM-DD, not "${asOf}"`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

export function population(options: SeedOptions): Population {
  const seed = options.seed ?? '1';
  const asOf = parseAsOf(options.asOf ?? DEFAULT_AS_OF);
  if (!Number.isInteger(options.patients) || options.patients < 0) throw new Error('--patients must be a whole number');
  if (options.patients > NHS_NUMBER_CAPACITY) throw new Error(`--patients may be at most ${NHS_NUMBER_CAPACITY} (the NHS number test range)`);
  const directory = buildDirectory(seed, options.organisations ?? defaultOrganisations(options.patients));
  const words = Random.from(seed, 'nhs-number-permutation');
  const nhsRanks = new Permutation(NHS_NUMBER_CAPACITY, words.u32(), words.u32());
  const mrnRanks = new Permutation(9_000_000, words.u32(), words.u32());
  const duplicateRate = options.duplicateRate ?? 0.01;
  const mrn = (i: number) => String(1_000_000 + mrnRanks.at(i)).padStart(7, '0');
  return {
    directory,
    asOf,
    *records() {
      for (let index = 0; index < options.patients; index++) {
        const r = Random.from(seed, 'patient', index);
        const person = drawPerson(r, index, asOf, directory, nhsRanks);
        const history = buildHistory(person, r);
        const mrns = history.trusts.map((t) => ({ system: t.mrnSystem!, value: `${t.ods}${mrn(index)}` }));
        const patient = patientResource(person, mrns);
        const resources: Resource[] = [patient];
        if (r.chance(duplicateRate)) {
          const merged = r.chance(0.5);
          const other = directory.trusts.find((t) => t !== person.trust) ?? person.trust;
          // duplicate hospital numbers live in the upper half of the number space, never reused
          const dup = duplicateOf(person, r, merged, other, `${other.ods}${String(5_000_000 + (mrnRanks.at(index) % 4_000_000)).padStart(7, '0')}X`);
          if (merged) patient.link = [{ other: { reference: `Patient/${dup.id}` }, type: 'replaces' }];
          resources.push(dup);
        }
        for (const res of history.resources) resources.push(res);
        yield { index, person, conditions: history.conditions, resources };
      }
    },
  };
}

/** A transaction Bundle that writes the resources under their own ids (PUT: update-as-create). */
export function transactionBundle(resources: Resource[]): { resourceType: 'Bundle'; type: 'transaction'; entry: unknown[] } {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: resources.map((resource) => ({
      fullUrl: `urn:uuid:${resource.id}`,
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` },
    })),
  };
}
