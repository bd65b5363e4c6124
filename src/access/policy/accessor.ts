/**
 * The accessor: who a policy rule is about. Built from the AccessContext; a PractitionerRole is
 * resolved once to its practitioner and organisation, and the identifiers of the practitioner
 * and organisation (ODS code, SDS user id …) are read so that a Consent may name them either
 * way. All references are relative, 'Type/id'.
 */
import type { StoreReader } from '../../storage/index.ts';
import type { AccessContext } from '../types.ts';

/** The identifier system Meridian gives its clients (applications), so a Consent actor can name one. */
export const CLIENT_ID_SYSTEM = 'https://meridian.nhs.uk/Id/client';

export interface Identifier {
  system: string;
  value: string;
}

export interface Accessor {
  /** The person: 'Practitioner/1', 'PractitionerRole/2', 'Patient/3' or 'RelatedPerson/4'; absent for a backend system. */
  fhirUser?: string;
  /** 'Practitioner/1': the fhirUser itself, or the practitioner of its PractitionerRole. */
  practitioner?: string;
  /** 'Organization/5': the organisation the user acts for (token, or their PractitionerRole). */
  organization?: string;
  /** The client (application) the token was issued to. */
  clientId: string;
  /** Business identifiers of the practitioner and organisation (the client is matched by `clientId` under CLIENT_ID_SYSTEM). */
  identifiers: readonly Identifier[];
}

/** 'Type/id' from a relative or absolute reference (a version suffix dropped); undefined for contained or logical ones. */
export function referenceKey(reference: unknown): string | undefined {
  if (typeof reference !== 'string') return undefined;
  const m = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference);
  return m ? `${m[1]}/${m[2]}` : undefined;
}

/** The accessor as the token alone describes it (no store reads): a PractitionerRole stays unresolved. */
export function accessorOf(access: AccessContext): Accessor {
  const fhirUser = referenceKey(access.fhirUser);
  return {
    fhirUser,
    practitioner: fhirUser?.startsWith('Practitioner/') ? fhirUser : undefined,
    organization: access.organization ? `Organization/${access.organization}` : undefined,
    clientId: access.clientId,
    identifiers: [],
  };
}

async function readJson(db: StoreReader, reference: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (!reference) return undefined;
  const [type, id] = reference.split('/');
  const stored = await db.readCurrent(type, id);
  return stored?.json && !stored.deleted ? (JSON.parse(stored.json) as Record<string, unknown>) : undefined;
}

function identifiersOf(resource: Record<string, unknown> | undefined): Identifier[] {
  const list = resource?.identifier;
  if (!Array.isArray(list)) return [];
  return list.filter((i): i is Identifier => typeof i?.system === 'string' && typeof i?.value === 'string').map((i) => ({ system: i.system, value: i.value }));
}

/**
 * The accessor with its PractitionerRole resolved (practitioner, and organisation unless the
 * token names one) and the identifiers of its practitioner and organisation. A few reads by id;
 * callers cache the result (see policy.ts).
 */
export async function resolveAccessor(db: StoreReader, access: AccessContext): Promise<Accessor> {
  const a = accessorOf(access);
  if (a.fhirUser?.startsWith('PractitionerRole/')) {
    const role = await readJson(db, a.fhirUser);
    a.practitioner = referenceKey((role?.practitioner as { reference?: unknown } | undefined)?.reference);
    a.organization ??= referenceKey((role?.organization as { reference?: unknown } | undefined)?.reference);
    if (a.practitioner && !a.practitioner.startsWith('Practitioner/')) a.practitioner = undefined;
    if (a.organization && !a.organization.startsWith('Organization/')) a.organization = undefined;
  }
  const [practitioner, organization] = await Promise.all([readJson(db, a.practitioner), readJson(db, a.organization)]);
  a.identifiers = [...a.identifiers, ...identifiersOf(practitioner), ...identifiersOf(organization)];
  return a;
}

/** The references that stand for the accessor in care records: their fhirUser, practitioner and organisation. */
export function identityReferences(a: Accessor): string[] {
  return [...new Set([a.fhirUser, a.practitioner, a.organization].filter((r): r is string => r !== undefined))];
}
