/**
 * Builds the AuditEvent of one interaction following IHE Basic Audit Log Patterns (BALP): type
 * `rest`, subtype the restful interaction, action, outcome with the HTTP status, the user
 * (requestor, with the purpose of use), the client application, this server and the user's
 * organisation as agents, the patients (role 1 Patient) and resources touched (role 4 Domain
 * Resource) as entities, the query of a search, and for break-glass the `BTG` security label with
 * the stated reason. Returns it as an audit row: the JSON plus the columns and references
 * searches use.
 *
 * One event is written for every request, so the JSON is assembled from fragments rendered once
 * (codings, this server's agent and source) and kept lean: codings carry system and code only
 * (every code is standard; displays would double the size of the largest table).
 */
import { STATUS_CODES } from 'node:http';
import type { AuditRow } from '../storage/audit/index.ts';
import { BREAK_GLASS_LABEL, BREAK_GLASS_PURPOSE, EXTENSION, interactionCode, MAX_ENTITIES, outcomeOf, REST_TYPE, SYSTEM } from './codes.ts';
import type { AuditInput } from './types.ts';

const REFERENCE = /^(?:.*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;

/** 'Type/id[/_history/n]' (relative or absolute) → its parts, or undefined if it is not a reference. */
export function parseReference(ref: string): { type: string; id: string; version?: string } | undefined {
  const m = REFERENCE.exec(ref);
  return m ? { type: m[1], id: m[2], version: m[3] } : undefined;
}

const q = JSON.stringify;
const coding = (system: string, code: string) => `{"system":${q(system)},"code":${q(code)}}`;
const concept = (system: string, code: string) => `{"coding":[${coding(system, code)}]}`;

/** Fragments rendered once per code. */
const memo = <A extends string[], R>(render: (...args: A) => R) => {
  const seen = new Map<string, R>();
  return (...args: A): R => {
    const key = args.join('\u0000');
    let s = seen.get(key);
    if (s === undefined) {
      if (seen.size > 1000) seen.clear();
      seen.set(key, (s = render(...args)));
    }
    return s;
  };
};
const subtypeOf = memo((code: string) => coding(SYSTEM.restful, code));
const purposeOf = memo((code: string) => `"purposeOfUse":[${concept(SYSTEM.actReason, code)}]`);
const rolesOf = memo((...roles: string[]) => `"role":[${roles.map((r) => concept(SYSTEM.role, r)).join(',')}],`);
const TYPE = `"type":${coding(REST_TYPE.system, REST_TYPE.code)}`;
const USER_TYPE = { read: `"type":${concept(SYSTEM.participation, 'IRCP')}`, write: `"type":${concept(SYSTEM.participation, 'AUT')}` };
// BALP: on a read the client is where the data goes (Destination Role ID) and this server its source; otherwise the reverse
const DESTINATION = `"type":${concept(SYSTEM.dicom, '110152')}`;
const SOURCE = `"type":${concept(SYSTEM.dicom, '110153')}`;
const ORGANIZATION_TYPE = `"type":${concept(SYSTEM.roleClass, 'PROV')}`;
const PATIENT_ENTITY = `"type":${coding(SYSTEM.entityType, '1')},"role":${coding(SYSTEM.objectRole, '1')}`;
const DATA_ENTITY = `"type":${coding(SYSTEM.entityType, '2')},"role":${coding(SYSTEM.objectRole, '4')}`;
const QUERY_ENTITY = `"type":${coding(SYSTEM.entityType, '2')},"role":${coding(SYSTEM.objectRole, '24')}`;
const BTG = `"security":[${q(BREAK_GLASS_LABEL)}]`;

/** This server as an agent (for reads and for everything else) and as the event's source. */
const observerParts = memo((observer: string) => {
  const who = `"who":{"identifier":{"value":${q(observer)}}},"requestor":false,"network":{"address":${q(observer)},"type":"5"}`;
  return { read: `{${SOURCE},${who}}`, other: `{${DESTINATION},${who}}`, source: `"source":{"observer":{"display":${q(observer)}},"type":[${coding(SYSTEM.sourceType, '4')}]}` };
});

function decodeQuery(query: string): string {
  try {
    return decodeURIComponent(query.replace(/\+/g, ' '));
  } catch {
    return query;
  }
}

function agents(input: AuditInput, observer: string, reads: boolean, writes: boolean, purpose: string): string {
  const a = input.access;
  const out: string[] = [];
  const hasUser = a.fhirUser !== undefined || a.userName !== undefined;
  const policy = a.tokenId ? `"policy":[${q(a.tokenId)}],` : '';
  if (hasUser) {
    const who = a.fhirUser ? `{"reference":${q(a.fhirUser)}}` : `{"identifier":{"system":${q(SYSTEM.userName)},"value":${q(a.userName)}}}`;
    const roles = a.roles.size ? rolesOf(...[...a.roles].sort()) : '';
    out.push(`{${writes ? USER_TYPE.write : USER_TYPE.read},${roles}"who":${who},${a.userName ? `"name":${q(a.userName)},` : ''}"requestor":true,${policy}${purpose}}`);
  }
  const client = `{"identifier":{"system":${q(SYSTEM.clientId)},"value":${q(a.clientId)}}${a.clientName ? `,"display":${q(a.clientName)}` : ''}}`;
  const network = a.address ? `,"network":{"address":${q(a.address)},"type":"2"}` : '';
  // a backend service (no user) is the requestor itself, with the token and the purpose of use
  const requestor = hasUser ? '"requestor":false' : `"requestor":true,${policy}${purpose}`;
  out.push(`{${reads ? DESTINATION : SOURCE},"who":${client},${requestor}${network}}`);
  const server = observerParts(observer);
  out.push(reads ? server.read : server.other);
  if (a.organization) out.push(`{${ORGANIZATION_TYPE},"who":{"reference":${q(`Organization/${a.organization}`)}},"requestor":false}`);
  return `"agent":[${out.join(',')}]`;
}

/** Patients (every Patient named among the entities too) and the other resources touched, each distinct. */
function subjects(input: AuditInput): { patients: string[]; data: string[]; unversioned: string[] } {
  const patients = new Set(input.patients);
  const data = new Map<string, string>();
  const entities = input.entities.length || !input.resourceType || !input.id ? input.entities : [[input.resourceType, input.id, ...(input.versionId ? ['_history', input.versionId] : [])].join('/')];
  const unversioned: string[] = [];
  for (const e of entities) {
    const ref = parseReference(e);
    if (!ref) {
      data.set(e, e);
      continue;
    }
    if (ref.type === 'Patient') patients.add(ref.id);
    const key = `${ref.type}/${ref.id}`;
    if (!data.has(key)) unversioned.push(key);
    if (!data.has(key) || ref.version) data.set(key, ref.version ? `${key}/_history/${ref.version}` : key);
  }
  return { patients: [...patients], data: [...data.values()], unversioned };
}

/** The AuditEvent for `input`, as a row for the audit tables. */
export function buildAuditEvent(input: AuditInput, observer: string): AuditRow {
  const a = input.access;
  const { code, action } = interactionCode(input.interaction, input.status);
  const reads = action === 'R';
  const writes = action === 'C' || action === 'U' || action === 'D' || code === 'transaction' || code === 'batch';
  const purposeCode = input.breakGlass ? BREAK_GLASS_PURPOSE : a.purposeOfUse;
  const { patients, data, unversioned } = subjects(input);
  const omitted = Math.max(0, patients.length - MAX_ENTITIES) + Math.max(0, data.length - MAX_ENTITIES) + (input.entitiesOmitted ?? 0);

  const entity: string[] = [];
  for (const id of patients.slice(0, MAX_ENTITIES)) entity.push(`{"what":{"reference":${q(`Patient/${id}`)}},${PATIENT_ENTITY}}`);
  for (const ref of data.slice(0, MAX_ENTITIES)) entity.push(`{"what":{${parseReference(ref) ? '"reference"' : '"display"'}:${q(ref)}},${DATA_ENTITY}}`);
  if (code.startsWith('search') || (input.query && code === 'operation')) {
    const path = [input.resourceType, input.id, input.operation ? `$${input.operation}` : undefined].filter(Boolean).join('/');
    const request = `${path}?${input.query ?? ''}`;
    entity.push(`{${QUERY_ENTITY},"description":${q(decodeQuery(request))},"query":${q(Buffer.from(request, 'utf8').toString('base64'))}}`);
  }

  const extension: string[] = [];
  if (input.breakGlass) extension.push(`{"url":${q(EXTENSION.breakGlassReason)},"valueString":${q(input.breakGlass.reason)}}`);
  if (omitted) extension.push(`{"url":${q(EXTENSION.entitiesOmitted)},"valueInteger":${omitted}}`);
  const subtype = input.operation ? `${subtypeOf(code)},${coding(SYSTEM.operation, input.operation)}` : subtypeOf(code);
  const recorded = q(new Date(input.recorded).toISOString());
  const outcome = outcomeOf(input.status);
  const statusText = `${input.status} ${STATUS_CODES[input.status] ?? ''}`.trim();

  const content =
    `{"resourceType":"AuditEvent","meta":{"versionId":"1","lastUpdated":${recorded}${input.breakGlass ? `,${BTG}` : ''}},` +
    (extension.length ? `"extension":[${extension.join(',')}],` : '') +
    `${TYPE},"subtype":[${subtype}],"action":"${action}","recorded":${recorded},"outcome":"${outcome}",` +
    `"outcomeDesc":${q(input.message && outcome !== 0 ? `${statusText}: ${input.message}` : statusText)},` +
    `${agents(input, observer, reads, writes, purposeOf(purposeCode))},${observerParts(observer).source}` +
    (entity.length ? `,"entity":[${entity.join(',')}]` : '') +
    '}';
  return {
    recorded: input.recorded,
    type: REST_TYPE.code,
    subtype: code,
    action,
    outcome,
    agent: a.fhirUser ?? null,
    userName: a.userName ?? null,
    clientId: a.clientId,
    organization: a.organization ?? null,
    purpose: purposeCode,
    breakGlass: input.breakGlass !== undefined,
    content,
    references: [...patients.map((id) => `Patient/${id}`), ...unversioned.filter((r) => !r.startsWith('Patient/')).slice(0, MAX_ENTITIES)],
  };
}
