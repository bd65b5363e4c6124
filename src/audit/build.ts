/**
 * Builds the AuditEvent of one interaction following IHE Basic Audit Log Patterns (BALP): type
 * `rest`, subtype the restful interaction, action, outcome with the HTTP status, the user
 * (requestor, with the purpose of use), the client application, this server and the user's
 * organisation as agents, the patients (role 1 Patient) and resources touched (role 4 Domain
 * Resource) as entities, the query of a search, and for break-glass the `BTG` security label with
 * the stated reason.
 *
 * One event is written for every request, so what is written is small: `auditRecord` gives the
 * columns searches use, the references the event is indexed by, and a compact `detail` (a JSON
 * object of the rest: about 200 bytes for a read, against 2.2 kB of AuditEvent). The full
 * AuditEvent is rendered from that record when it is read (`renderAuditEvent`), from fragments
 * rendered once (codings, this server's agent and source), and kept lean: codings carry system
 * and code only (every code is standard; displays would double what a reader is sent).
 */
import { STATUS_CODES } from 'node:http';
import type { AuditRecord, AuditRow } from '../storage/audit/index.ts';
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
const typeOf = memo((code: string) => `"type":${coding(SYSTEM.eventType, code)}`);
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

/**
 * What an event says beyond its columns, stored as a small JSON object (`audit_event.detail`):
 * everything needed to render the full AuditEvent again, byte for byte, when it is read.
 */
interface AuditDetail {
  /** This server: the observer. */
  v: string;
  /** The HTTP status. */
  s: number;
  /** The $operation's name. */
  o?: string;
  /** The user's roles, sorted. */
  r?: string[];
  /** The token id (jti). */
  t?: string;
  /** The client's name. */
  n?: string;
  /** The caller's network address. */
  a?: string;
  /** The error's diagnostics, on failure. */
  m?: string;
  /** The reason given for breaking the glass. */
  g?: string;
  /** Patients listed (ids). */
  p?: string[];
  /** Other entities listed: versioned references, or displays of what is not a reference. */
  d?: string[];
  /** How many entities are left out. */
  x?: number;
  /** A search's (or operation's) request, `Type?query`, as received. */
  q?: string;
}

/** Whether an event records a change: the user is its author (AUT) rather than a recipient, and what it touched is indexed. */
function writes(action: string, code: string): boolean {
  return action === 'C' || action === 'U' || action === 'D' || code === 'transaction' || code === 'batch';
}

/** Single-resource reads, whose target is indexed for `entity=` like a write's (a search's or an operation's results are not). */
const SINGLE_READS = new Set(['read', 'vread', 'history-instance']);

/** The record of `input`'s AuditEvent: its columns, its compact detail and the references it is indexed by. */
export function auditRecord(input: AuditInput, observer: string): AuditRow {
  const a = input.access;
  const { code, action } = interactionCode(input.interaction, input.status);
  const purpose = input.breakGlass ? BREAK_GLASS_PURPOSE : a.purposeOfUse;
  const outcome = outcomeOf(input.status);
  const { patients, data, unversioned } = subjects(input);
  const omitted = Math.max(0, patients.length - MAX_ENTITIES) + Math.max(0, data.length - MAX_ENTITIES) + (input.entitiesOmitted ?? 0);

  const detail: AuditDetail = { v: observer, s: input.status };
  if (input.operation) detail.o = input.operation;
  if (a.roles.size) detail.r = [...a.roles].sort();
  if (a.tokenId) detail.t = a.tokenId;
  if (a.clientName) detail.n = a.clientName;
  if (a.address) detail.a = a.address;
  if (input.message && outcome !== 0) detail.m = input.message;
  if (input.breakGlass) detail.g = input.breakGlass.reason;
  if (patients.length) detail.p = patients.length > MAX_ENTITIES ? patients.slice(0, MAX_ENTITIES) : patients;
  if (data.length) detail.d = data.length > MAX_ENTITIES ? data.slice(0, MAX_ENTITIES) : data;
  if (omitted) detail.x = omitted;
  if (code.startsWith('search') || (input.query && code === 'operation')) {
    const path = [input.resourceType, input.id, input.operation ? `$${input.operation}` : undefined].filter(Boolean).join('/');
    detail.q = `${path}?${input.query ?? ''}`;
  }

  const references = patients.map((id) => `Patient/${id}`);
  if (writes(action, code) || SINGLE_READS.has(code)) {
    for (const r of unversioned) if (!r.startsWith('Patient/') && references.length < patients.length + MAX_ENTITIES) references.push(r);
  }
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
    purpose,
    breakGlass: input.breakGlass !== undefined,
    detail: JSON.stringify(detail),
    references,
  };
}

function agents(r: AuditRecord, d: AuditDetail, reads: boolean, author: boolean, purpose: string): string {
  const out: string[] = [];
  const hasUser = r.agent !== null || r.userName !== null;
  const policy = d.t ? `"policy":[${q(d.t)}],` : '';
  if (hasUser) {
    const who = r.agent ? `{"reference":${q(r.agent)}}` : `{"identifier":{"system":${q(SYSTEM.userName)},"value":${q(r.userName)}}}`;
    const roles = d.r?.length ? rolesOf(...d.r) : '';
    out.push(`{${author ? USER_TYPE.write : USER_TYPE.read},${roles}"who":${who},${r.userName ? `"name":${q(r.userName)},` : ''}"requestor":true,${policy}${purpose}}`);
  }
  const client = `{"identifier":{"system":${q(SYSTEM.clientId)},"value":${q(r.clientId)}}${d.n ? `,"display":${q(d.n)}` : ''}}`;
  const network = d.a ? `,"network":{"address":${q(d.a)},"type":"2"}` : '';
  // a backend service (no user) is the requestor itself, with the token and the purpose of use
  const requestor = hasUser ? '"requestor":false' : `"requestor":true,${policy}${purpose}`;
  out.push(`{${reads ? DESTINATION : SOURCE},"who":${client},${requestor}${network}}`);
  const server = observerParts(d.v);
  out.push(reads ? server.read : server.other);
  if (r.organization) out.push(`{${ORGANIZATION_TYPE},"who":{"reference":${q(`Organization/${r.organization}`)}},"requestor":false}`);
  return `"agent":[${out.join(',')}]`;
}

/**
 * The full AuditEvent (IHE BALP) of a stored record, as JSON: with `"id"` when `id` is given (a
 * stored event's seq), without it otherwise.
 */
export function renderAuditEvent(r: AuditRecord, id?: number): string {
  const d = JSON.parse(r.detail) as AuditDetail;
  const code = r.subtype;
  const action = r.action;

  const entity: string[] = [];
  for (const p of d.p ?? []) entity.push(`{"what":{"reference":${q(`Patient/${p}`)}},${PATIENT_ENTITY}}`);
  for (const ref of d.d ?? []) entity.push(`{"what":{${parseReference(ref) ? '"reference"' : '"display"'}:${q(ref)}},${DATA_ENTITY}}`);
  if (d.q !== undefined) entity.push(`{${QUERY_ENTITY},"description":${q(decodeQuery(d.q))},"query":${q(Buffer.from(d.q, 'utf8').toString('base64'))}}`);

  const extension: string[] = [];
  if (r.breakGlass) extension.push(`{"url":${q(EXTENSION.breakGlassReason)},"valueString":${q(d.g ?? '')}}`);
  if (d.x) extension.push(`{"url":${q(EXTENSION.entitiesOmitted)},"valueInteger":${d.x}}`);
  const subtype = d.o ? `${subtypeOf(code)},${coding(SYSTEM.operation, d.o)}` : subtypeOf(code);
  const recorded = q(new Date(r.recorded).toISOString());
  const statusText = `${d.s} ${STATUS_CODES[d.s] ?? ''}`.trim();

  return (
    `{"resourceType":"AuditEvent",${id === undefined ? '' : `"id":"${id}",`}"meta":{"versionId":"1","lastUpdated":${recorded}${r.breakGlass ? `,${BTG}` : ''}},` +
    (extension.length ? `"extension":[${extension.join(',')}],` : '') +
    `${typeOf(r.type)},"subtype":[${subtype}],"action":${q(action)},"recorded":${recorded},"outcome":"${r.outcome}",` +
    `"outcomeDesc":${q(d.m !== undefined ? `${statusText}: ${d.m}` : statusText)},` +
    `${agents(r, d, action === 'R', writes(action, code), purposeOf(r.purpose))},${observerParts(d.v).source}` +
    (entity.length ? `,"entity":[${entity.join(',')}]` : '') +
    '}'
  );
}

/** The AuditEvent for `input`: its record (as `auditRecord` gives it) and its JSON, without an id (which is the stored row's seq). */
export function buildAuditEvent(input: AuditInput, observer: string): AuditRow & { content: string } {
  const row = auditRecord(input, observer);
  return { ...row, content: renderAuditEvent(row) };
}
