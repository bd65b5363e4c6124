/** The code systems and codes an AuditEvent is built from (IHE Basic Audit Log Patterns on FHIR R4). */

export const SYSTEM = {
  eventType: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
  restful: 'http://hl7.org/fhir/restful-interaction',
  dicom: 'http://dicom.nema.org/resources/ontology/DCM',
  actReason: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  participation: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType',
  roleClass: 'http://terminology.hl7.org/CodeSystem/v3-RoleClass',
  entityType: 'http://terminology.hl7.org/CodeSystem/audit-entity-type',
  objectRole: 'http://terminology.hl7.org/CodeSystem/object-role',
  sourceType: 'http://terminology.hl7.org/CodeSystem/security-source-type',
  /** Meridian's own: the roles of users and clients, and $operation names. */
  role: 'http://meridian.nhs.uk/fhir/CodeSystem/role',
  operation: 'http://meridian.nhs.uk/fhir/CodeSystem/operation',
  clientId: 'http://meridian.nhs.uk/fhir/Id/client-id',
  userName: 'http://meridian.nhs.uk/fhir/Id/user-name',
} as const;

export const EXTENSION = {
  /** valueString: the reason the user gave for breaking the glass. */
  breakGlassReason: 'http://meridian.nhs.uk/fhir/StructureDefinition/break-glass-reason',
  /** valueInteger: how many entities the event leaves out (it lists at most MAX_ENTITIES of each kind). */
  entitiesOmitted: 'http://meridian.nhs.uk/fhir/StructureDefinition/audit-entities-omitted',
  /** On $access-log entries: the plain-words parts of the summary. */
  accessSummary: 'http://meridian.nhs.uk/fhir/StructureDefinition/access-log-summary',
} as const;

/** Most patients, and most other resources, one event lists; the rest are counted in an extension. */
export const MAX_ENTITIES = 100;

/** The audit-event-type of every event Meridian records now: a RESTful interaction. */
export const REST_TYPE = { system: SYSTEM.eventType, code: 'rest', display: 'Restful Operation' };

/** Meridian's interaction names → the R4 restful-interaction code and the event's action. */
const INTERACTIONS: Record<string, { code: string; action: 'C' | 'R' | 'U' | 'D' | 'E' }> = {
  read: { code: 'read', action: 'R' },
  vread: { code: 'vread', action: 'R' },
  'history-instance': { code: 'history-instance', action: 'R' },
  'history-type': { code: 'history-type', action: 'R' },
  'history-system': { code: 'history-system', action: 'R' },
  capabilities: { code: 'capabilities', action: 'R' },
  'search-type': { code: 'search-type', action: 'E' },
  'search-system': { code: 'search-system', action: 'E' },
  'search-compartment': { code: 'search', action: 'E' },
  create: { code: 'create', action: 'C' },
  update: { code: 'update', action: 'U' },
  'conditional-update': { code: 'update', action: 'U' },
  patch: { code: 'patch', action: 'U' },
  'conditional-patch': { code: 'patch', action: 'U' },
  delete: { code: 'delete', action: 'D' },
  'conditional-delete': { code: 'delete', action: 'D' },
  transaction: { code: 'transaction', action: 'E' },
  batch: { code: 'batch', action: 'E' },
  operation: { code: 'operation', action: 'E' },
};

/** The restful-interaction code and action of an interaction; an update that created the resource (201) is a create (C). */
export function interactionCode(interaction: string, status: number): { code: string; action: 'C' | 'R' | 'U' | 'D' | 'E' } {
  const known = INTERACTIONS[interaction] ?? { code: interaction, action: 'E' as const };
  if (known.action === 'U' && status === 201) return { ...known, action: 'C' };
  return known;
}

/** AuditEvent.outcome from an HTTP status: 0 success, 4 refused or invalid (4xx), 8 failed on the server (5xx). */
export function outcomeOf(status: number): 0 | 4 | 8 {
  return status < 400 ? 0 : status < 500 ? 4 : 8;
}

/** v3 ActReason codes Meridian uses for purpose of use, with their displays. */
export const PURPOSES: Record<string, string> = {
  TREAT: 'treatment',
  ETREAT: 'Emergency Treatment',
  HRESCH: 'healthcare research',
  CLINTRCH: 'clinical trial research',
  HOPERAT: 'healthcare operations',
  HQUALIMP: 'health quality improvement',
  POPHLTH: 'population health',
  PUBHLTH: 'public health',
  PATRQT: 'patient requested',
  FAMRQT: 'family requested',
  PWATRNY: 'power of attorney',
  SUPNWK: 'support network',
  HPAYMT: 'healthcare payment',
  HSYSADMIN: 'health system administration',
  HLEGAL: 'legal',
  HMARKT: 'healthcare marketing',
};

export const BREAK_GLASS_PURPOSE = 'ETREAT';

export const BREAK_GLASS_LABEL = { system: SYSTEM.actCode, code: 'BTG', display: 'break the glass' };
