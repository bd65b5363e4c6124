/**
 * The organisations and staff a population is cared for by: NHS trusts (with a hospital site and an
 * emergency department), GP practices, community and social care providers, each with an Endpoint,
 * Locations, Practitioners and PractitionerRoles. Built once per run from the seed; small.
 */
import { Random, Weighted } from './random.ts';
import { trustOdsCode } from './identifiers.ts';
import { concept, coding, EXT, ODS_ORG, ODS_SITE, profile, ref, type Resource } from './fhir.ts';
import { NAMES, PRACTICE_NAME_PARTS, REGIONS, STREET_KINDS, STREET_NAMES, type Region, type Town } from './tables/people.ts';
import { ROLES, SNOMED, SPECIALTIES, type Concept } from './tables/clinical.ts';
import { phoneFor, postcodeFor } from './places.ts';

export type OrgKind = 'trust' | 'gp' | 'community' | 'social';

export interface Staff {
  practitionerId: string;
  roleId: string;
  name: string;
  role: Concept;
  specialty?: string;
}

export interface Org {
  id: string;
  ods: string;
  name: string;
  kind: OrgKind;
  region: Region;
  town: Town;
  /** Main site (hospital, surgery, clinic). */
  locationId: string;
  /** Emergency department (trusts only). */
  emergencyLocationId?: string;
  staff: Staff[];
  /** Hospital number system for trusts. */
  mrnSystem?: string;
}

export interface Directory {
  trusts: Org[];
  practices: Org[];
  community: Org[];
  social: Org[];
  all: Org[];
  /** Picks a practice, weighted by list size. */
  practiceFor(r: Random): Org;
  /** The local acute trust for a region (falls back to the first trust). */
  trustFor(region: Region, r: Random): Org;
  resources: Resource[];
}

const ORG_TYPE: Record<OrgKind, Concept & { system: string }> = {
  trust: { system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' },
  gp: { system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' },
  community: { system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'prov', display: 'Healthcare Provider' },
  social: { system: 'http://terminology.hl7.org/CodeSystem/organization-type', code: 'other', display: 'Other' },
};

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '');

export function buildDirectory(seed: string, organisations: number): Directory {
  const r = Random.from(seed, 'organisations');
  const total = Math.max(4, organisations);
  const nTrusts = Math.max(1, Math.round(total * 0.15));
  const nCommunity = Math.max(1, Math.round(total * 0.05));
  const nSocial = Math.max(1, Math.round(total * 0.05));
  const nPractices = Math.max(1, total - nTrusts - nCommunity - nSocial);
  const regionsByWeight = [...REGIONS].sort((a, b) => b.weight - a.weight);
  const resources: Resource[] = [];
  let staffCounter = 0;
  const usedNames = new Set<string>();

  const person = (female: boolean): [string, string] => {
    const table = NAMES.british.younger;
    const given = new Weighted(female ? table.female : table.male).sample(r);
    const family = new Weighted(table.family).sample(r);
    return [given, family];
  };

  const makeOrg = (kind: OrgKind, index: number, region: Region): Org => {
    const town = r.pick(region.towns);
    const id = r.uuid();
    let ods: string;
    let name: string;
    if (kind === 'gp') {
      ods = `${region.gpLetter}${String((index * 7919 + 81001) % 100000).padStart(5, '0')}`;
      do name = `${r.pick(PRACTICE_NAME_PARTS.first)} ${r.pick(PRACTICE_NAME_PARTS.second)}`.toUpperCase();
      while (usedNames.has(name) && usedNames.size < 140);
    } else if (kind === 'trust') {
      ods = trustOdsCode(index);
      name = `${town.name} ${index % 3 === 0 ? 'TEACHING HOSPITALS' : 'HOSPITALS'} NHS ${index % 2 ? 'FOUNDATION TRUST' : 'TRUST'}`;
    } else if (kind === 'community') {
      ods = trustOdsCode(512 + index);
      name = `${town.county} COMMUNITY HEALTHCARE NHS TRUST`;
    } else {
      ods = `V${'ABCDEFGHJKLMNPQRTUVWXY'[index % 22]}${String((index * 37 + 101) % 1000).padStart(3, '0')}`;
      name = `${town.name} ADULT SOCIAL CARE SERVICES`;
    }
    if (usedNames.has(name)) name = `${name} (${ods})`;
    usedNames.add(name);
    const org: Org = { id, ods, name, kind, region, town, locationId: r.uuid(), staff: [] };
    if (kind === 'trust') {
      org.emergencyLocationId = r.uuid();
      org.mrnSystem = `https://fhir.${slug(town.name)}${ods.toLowerCase()}.nhs.uk/Id/mrn`;
    }
    return org;
  };

  const trusts = Array.from({ length: nTrusts }, (_, i) => makeOrg('trust', i, regionsByWeight[i % regionsByWeight.length]));
  const trustRegions = [...new Set(trusts.map((t) => t.region))];
  const regionWeights = new Weighted(trustRegions.map((reg) => [reg, reg.weight] as const));
  const practices = Array.from({ length: nPractices }, (_, i) => makeOrg('gp', i, regionWeights.sample(r)));
  const community = Array.from({ length: nCommunity }, (_, i) => makeOrg('community', i, trustRegions[i % trustRegions.length]));
  const social = Array.from({ length: nSocial }, (_, i) => makeOrg('social', i, trustRegions[i % trustRegions.length]));
  const all = [...trusts, ...practices, ...community, ...social];

  const addStaff = (org: Org, role: Concept, specialty?: string, settingCode?: Concept) => {
    staffCounter++;
    const female = r.chance(0.55);
    const [given, family] = person(female);
    const practitionerId = r.uuid();
    const roleId = r.uuid();
    const doctor = role === ROLES.gp || specialty !== undefined;
    const nurse = role === ROLES.nurse;
    const prefix = doctor ? 'Dr' : female ? r.pick(['Ms', 'Mrs', 'Miss']) : 'Mr';
    const identifiers: { system: string; value: string }[] = [
      { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: String(100000000000 + ((staffCounter * 7919 + 31337) % 899999999999)) },
    ];
    const registration = String(1000000 + ((staffCounter * 7919 + 123457) % 9000000));
    if (role === ROLES.gp) identifiers.push({ system: 'https://fhir.hl7.org.uk/Id/gmp-number', value: `G${registration}` });
    if (doctor) identifiers.push({ system: 'https://fhir.hl7.org.uk/Id/gmc-number', value: registration });
    if (nurse) identifiers.push({ system: 'https://fhir.hl7.org.uk/Id/nmc-number', value: `${registration.slice(0, 2)}${'ABCDEFGHIJ'[staffCounter % 10]}${registration.slice(2, 6)}${'EFGHIJKLMN'[staffCounter % 10]}` });
    resources.push({
      resourceType: 'Practitioner',
      id: practitionerId,
      meta: profile('Practitioner'),
      identifier: identifiers,
      active: true,
      name: [{ use: 'official', family, given: [given], prefix: [prefix] }],
      telecom: [{ system: 'phone', value: phoneFor(org.town, r), use: 'work' }],
      gender: female ? 'female' : 'male',
    });
    resources.push({
      resourceType: 'PractitionerRole',
      id: roleId,
      meta: profile('PractitionerRole'),
      identifier: [{ system: 'https://fhir.nhs.uk/Id/sds-role-profile-id', value: String(100000000000 + ((staffCounter * 104729 + 4242) % 899999999999)) }],
      active: true,
      practitioner: ref('Practitioner', practitionerId, `${prefix} ${given} ${family}`),
      organization: ref('Organization', org.id, org.name),
      code: [concept(SNOMED, role)],
      ...(settingCode ? { specialty: [concept('https://fhir.hl7.org.uk/CodeSystem/UKCore-PracticeSettingCodeEngland', settingCode)] } : {}),
      location: [ref('Location', org.locationId)],
      telecom: [{ system: 'phone', value: phoneFor(org.town, r), use: 'work' }],
    });
    org.staff.push({ practitionerId, roleId, name: `${prefix} ${given} ${family}`, role, specialty });
  };

  for (const org of all) {
    const postcode = postcodeFor(org.town, r);
    const line = `${r.int(1, 120)} ${r.pick(STREET_NAMES)} ${r.pick(STREET_KINDS)}`.toUpperCase();
    const address = { use: 'work', type: 'both', line: [line], city: org.town.name, district: org.town.county, postalCode: postcode, country: 'ENGLAND' };
    const endpointId = r.uuid();
    const phone = phoneFor(org.town, r);
    resources.push({
      resourceType: 'Organization',
      id: org.id,
      meta: profile('Organization'),
      identifier: [{ use: 'official', system: ODS_ORG, value: org.ods }],
      active: true,
      type: [{ coding: [{ system: ORG_TYPE[org.kind].system, code: ORG_TYPE[org.kind].code, display: ORG_TYPE[org.kind].display }], text: { trust: 'NHS trust', gp: 'GP practice', community: 'Community health provider', social: 'Social care provider' }[org.kind] }],
      name: org.name,
      telecom: [{ system: 'phone', value: phone, use: 'work' }],
      address: [address],
      endpoint: [ref('Endpoint', endpointId)],
    });
    resources.push({
      resourceType: 'Endpoint',
      id: endpointId,
      meta: { profile: ['http://hl7.org/fhir/StructureDefinition/Endpoint'] },
      identifier: [{ system: ODS_ORG, value: org.ods }],
      status: 'active',
      connectionType: { system: 'http://terminology.hl7.org/CodeSystem/endpoint-connection-type', code: 'hl7-fhir-rest', display: 'HL7 FHIR' },
      name: `${org.name} FHIR API`,
      managingOrganization: ref('Organization', org.id, org.name),
      payloadType: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/endpoint-payload-type', code: 'any', display: 'Any' }] }],
      payloadMimeType: ['application/fhir+json'],
      address: `https://fhir.${slug(org.town.name)}-${org.ods.toLowerCase()}.example.nhs.uk/R4`,
    });
    const siteType = { trust: ['HOSP', 'Hospital'], gp: ['GIM', 'General internal medicine clinic'], community: ['COMM', 'Community Location'], social: ['COMM', 'Community Location'] }[org.kind];
    resources.push({
      resourceType: 'Location',
      id: org.locationId,
      meta: profile('Location'),
      identifier: [{ system: ODS_SITE, value: org.kind === 'gp' ? org.ods : `${org.ods.slice(0, 3)}01`.slice(0, 5) }],
      status: 'active',
      name: org.kind === 'trust' ? `${org.town.name} GENERAL HOSPITAL` : org.name,
      type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: siteType[0], display: siteType[1] }] }],
      telecom: [{ system: 'phone', value: phone }],
      address: { line: [line], city: org.town.name, postalCode: postcode, country: 'ENGLAND' },
      managingOrganization: ref('Organization', org.id, org.name),
    });
    if (org.emergencyLocationId) {
      resources.push({
        resourceType: 'Location',
        id: org.emergencyLocationId,
        meta: profile('Location'),
        identifier: [{ system: ODS_SITE, value: `${org.ods.slice(0, 3)}02` }],
        status: 'active',
        name: `${org.town.name} GENERAL HOSPITAL EMERGENCY DEPARTMENT`,
        type: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'ER', display: 'Emergency room' }] }],
        address: { line: [line], city: org.town.name, postalCode: postcode, country: 'ENGLAND' },
        managingOrganization: ref('Organization', org.id, org.name),
        partOf: ref('Location', org.locationId),
      });
    }
    if (org.kind === 'gp') {
      for (let i = r.int(2, 5); i > 0; i--) addStaff(org, ROLES.gp, undefined, { code: '600', display: 'General Medical Practice' });
      for (let i = r.int(1, 2); i > 0; i--) addStaff(org, ROLES.nurse, undefined, { code: '600', display: 'General Medical Practice' });
    } else if (org.kind === 'trust') {
      for (const [key, s] of Object.entries(SPECIALTIES)) addStaff(org, s.role, key, s.setting);
      addStaff(org, SPECIALTIES.emergency.role, 'emergency', SPECIALTIES.emergency.setting);
      addStaff(org, ROLES.nurse);
      addStaff(org, ROLES.nurse);
    } else if (org.kind === 'community') {
      addStaff(org, ROLES.communityNurse, undefined, { code: '900', display: 'Community Medicine' });
      addStaff(org, ROLES.physiotherapist, undefined, { code: '900', display: 'Community Medicine' });
    } else {
      addStaff(org, ROLES.socialWorker);
      addStaff(org, ROLES.socialWorker);
    }
  }

  const practiceWeights = new Weighted(practices.map((p) => [p, 0.5 + r.next()] as const));
  return {
    trusts, practices, community, social, all, resources,
    practiceFor: (pr) => practiceWeights.sample(pr),
    trustFor(region, pr) {
      const local = trusts.filter((t) => t.region === region);
      return local.length ? pr.pick(local) : trusts[0];
    },
  };
}

export { coding, EXT };
