/** One person: demographics, identifiers, registration and (rarely) a duplicate record. */
import { Random, Weighted } from './random.ts';
import { nhsNumberForRank, type Permutation } from './identifiers.ts';
import { concept, DAY, EXT, isoDate, isoDateTime, NHS_NUMBER, profile, ref, YEAR_MS, type Resource } from './fhir.ts';
import { AGE_PYRAMID, ETHNICITY, femaleShare, MARITAL_STATUS, NAMES, NICKNAMES, type NameGroup } from './tables/people.ts';
import { mobile, phoneFor, postcodeFor, streetLine } from './places.ts';
import type { Directory, Org } from './organisations.ts';

const AGES = new Weighted(AGE_PYRAMID.map(([lo, hi, pct]) => [[lo, hi] as const, pct] as const));
const ETHNIC = new Weighted(ETHNICITY.map((e) => [e, e[2]] as const));
const MARITAL = new Weighted(MARITAL_STATUS.map((m) => [m, m[2]] as const));
const nameTables = new Map<string, Weighted<string>>();
function names(group: NameGroup, era: 'older' | 'younger', part: 'family' | 'male' | 'female'): Weighted<string> {
  const key = `${group}/${era}/${part}`;
  let t = nameTables.get(key);
  if (!t) nameTables.set(key, (t = new Weighted(NAMES[group][era][part])));
  return t;
}

/** Annual probability of death by age: rough ONS life-table values. */
function annualMortality(age: number): number {
  if (age < 1) return 0.004;
  if (age < 40) return 0.0007;
  if (age < 60) return 0.003;
  if (age < 70) return 0.01;
  if (age < 80) return 0.027;
  if (age < 90) return 0.075;
  return 0.2;
}

export interface Person {
  index: number;
  id: string;
  nhsNumber: string;
  female: boolean;
  given: string;
  family: string;
  prefix?: string;
  birth: number;
  /** Death time, if they have died (within the last five years). */
  death?: number;
  /** Where the record ends: death or the as-of date. */
  end: number;
  ageAtEnd: number;
  practice: Org;
  trust: Org;
  ethnicity: (typeof ETHNICITY)[number];
  line: string;
  postcode: string;
  phone: string;
  mobile?: string;
  maritalStatus?: (typeof MARITAL_STATUS)[number];
  registered: number;
}

export function drawPerson(r: Random, index: number, asOf: number, directory: Directory, nhsRanks: Permutation): Person {
  const [lo, hi] = AGES.sample(r);
  const ageNow = lo + r.next() * (hi - lo + 1);
  const female = r.chance(femaleShare(ageNow));
  const birth = Math.floor((asOf - ageNow * YEAR_MS) / DAY) * DAY;
  let death: number | undefined;
  // deaths in the last five years, at the age they were then
  for (let y = 1; y <= 5 && death === undefined; y++) {
    const ageThen = ageNow - y;
    if (ageThen >= 0 && r.chance(annualMortality(ageThen) * 0.6)) death = asOf - y * YEAR_MS + r.next() * YEAR_MS;
  }
  const end = death ?? asOf;
  const ethnicity = ETHNIC.sample(r);
  const era = ageNow >= 50 ? 'older' : 'younger';
  const given = names(ethnicity[3], era, female ? 'female' : 'male').sample(r);
  const family = names(ethnicity[3], era, 'family').sample(r);
  const practice = directory.practiceFor(r);
  const trust = directory.trustFor(practice.region, r);
  const adult = (end - birth) / YEAR_MS >= 18;
  const maritalStatus = adult ? MARITAL.sample(r) : undefined;
  const prefix = !adult ? undefined : female ? (maritalStatus?.[0] === 'M' || maritalStatus?.[0] === 'W' ? 'Mrs' : r.pick(['Ms', 'Miss'])) : 'Mr';
  const town = practice.town;
  const registered = Math.max(birth + r.int(1, 40) * DAY, end - r.real(0.5, 25) * YEAR_MS);
  return {
    index, id: r.uuid(), nhsNumber: nhsNumberForRank(nhsRanks.at(index)), female, given, family, prefix, birth, death, end,
    ageAtEnd: Math.floor((end - birth) / YEAR_MS), practice, trust, ethnicity,
    line: r.chance(0.15) ? `Flat ${r.int(1, 24)}, ${streetLine(r)}` : streetLine(r), postcode: postcodeFor(town, r),
    phone: phoneFor(town, r), mobile: adult || r.chance(0.1) ? mobile(r) : undefined, maritalStatus, registered,
  };
}

const VERIFIED = { system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-NHSNumberVerificationStatusEngland', code: '01', display: 'Number present and verified' };

export function nhsNumberIdentifier(value: string) {
  return { extension: [{ url: EXT('NHSNumberVerificationStatus'), valueCodeableConcept: { coding: [VERIFIED] } }], system: NHS_NUMBER, value };
}

/** The Patient resource; `mrns` are the hospital numbers the history issued. */
export function patientResource(p: Person, mrns: { system: string; value: string }[]): Resource {
  const town = p.practice.town;
  const extension: unknown[] = [{ url: EXT('EthnicCategory'), valueCodeableConcept: { coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland', code: p.ethnicity[0], display: p.ethnicity[1] }] } }];
  if (p.death !== undefined) {
    extension.push({ url: EXT('DeathNotificationStatus'), extension: [
      { url: 'deathNotificationStatus', valueCodeableConcept: { coding: [{ system: 'https://fhir.hl7.org.uk/CodeSystem/UKCore-DeathNotificationStatus', code: '2', display: 'Formal - death notice received from Registrar of Deaths' }] } },
      { url: 'systemEffectiveDate', valueDateTime: isoDateTime(p.death + 3 * DAY) },
    ] });
  }
  const telecom: unknown[] = [{ system: 'phone', value: p.phone, use: 'home' }];
  if (p.mobile) telecom.push({ system: 'phone', value: p.mobile, use: 'mobile' });
  return {
    resourceType: 'Patient',
    id: p.id,
    meta: profile('Patient'),
    extension,
    identifier: [nhsNumberIdentifier(p.nhsNumber), ...mrns.map((m) => ({ use: 'usual', ...m }))],
    active: true,
    name: [{ use: 'official', family: p.family, given: [p.given], ...(p.prefix ? { prefix: [p.prefix] } : {}) }],
    telecom,
    gender: p.female ? 'female' : 'male',
    birthDate: isoDate(p.birth),
    ...(p.death !== undefined ? { deceasedDateTime: isoDateTime(p.death) } : {}),
    address: [{ use: 'home', type: 'both', line: [p.line], city: town.name, district: town.county, postalCode: p.postcode, country: 'ENGLAND' }],
    ...(p.maritalStatus ? { maritalStatus: concept('https://fhir.hl7.org.uk/CodeSystem/UKCore-PersonMaritalStatusEngland', { code: p.maritalStatus[0], display: p.maritalStatus[1] }) } : {}),
    generalPractitioner: [{ ...ref('Organization', p.practice.id, p.practice.name), identifier: { system: 'https://fhir.nhs.uk/Id/ods-organization-code', value: p.practice.ods } }],
    managingOrganization: ref('Organization', p.practice.id, p.practice.name),
  };
}

export const DUPLICATE_TAG = 'https://meridian.nhs.uk/CodeSystem/synthetic-record';

/**
 * A deliberate second record for the same person, for identity-matching tests. `merged`: the
 * duplicate was found and merged (inactive, `link` replaced-by, same NHS number); otherwise an
 * unmatched duplicate at another trust: no NHS number, a familiar first name, a different address
 * line but the same birth date and postcode. Both carry a meta.tag naming the true record.
 */
export function duplicateOf(p: Person, r: Random, merged: boolean, otherTrust: Org, mrn: string): Resource {
  const given = merged ? p.given : NICKNAMES[p.given] ?? p.given;
  const town = p.practice.town;
  return {
    resourceType: 'Patient',
    id: r.uuid(),
    meta: { ...profile('Patient'), tag: [{ system: DUPLICATE_TAG, code: merged ? 'merged-duplicate' : 'unmerged-duplicate', display: `Deliberate duplicate of Patient/${p.id}` }] },
    identifier: [...(merged ? [nhsNumberIdentifier(p.nhsNumber)] : []), { use: 'usual', system: otherTrust.mrnSystem!, value: mrn }],
    active: !merged,
    name: [{ use: 'official', family: merged ? p.family : p.family.toUpperCase(), given: [given] }],
    gender: p.female ? 'female' : 'male',
    birthDate: isoDate(p.birth),
    address: [{ use: 'home', line: [merged ? p.line : streetLine(r)], city: town.name, postalCode: p.postcode }],
    ...(merged ? { link: [{ other: ref('Patient', p.id), type: 'replaced-by' }] } : {}),
  };
}
