/**
 * An AuditEvent in plain words for the patient it is about: when, who (the person, or the app
 * when no person was involved), from which organisation, for what purpose, and what they did
 * ("viewed 12 test results and observations", "updated your allergy list"), with any break-glass
 * reason. Written for the NHS audience: short, direct, no codes.
 */
import { EXTENSION, SYSTEM } from './codes.ts';
import type { Named } from './names.ts';

type Json = Record<string, any>;

export interface AccessSummary {
  /** The event's instant, as an ISO date-time. */
  recorded: string;
  when: string;
  who: string;
  organisation?: string;
  purpose: string;
  what: string;
  breakGlassReason?: string;
  /** All of it as one sentence. */
  text: string;
}

/** Resource types in words: one, many, and (for changes) the list a patient knows it as. */
const NOUNS: Record<string, [one: string, many: string, list?: string]> = {
  Patient: ['your personal details', 'personal details'],
  Observation: ['test result or observation', 'test results and observations'],
  Condition: ['condition or diagnosis', 'conditions and diagnoses', 'problem list'],
  AllergyIntolerance: ['allergy record', 'allergy records', 'allergy list'],
  MedicationRequest: ['prescription', 'prescriptions', 'medicines list'],
  MedicationStatement: ['medicine record', 'medicine records', 'medicines list'],
  Immunization: ['vaccination record', 'vaccination records', 'vaccination history'],
  Procedure: ['procedure record', 'procedure records'],
  Encounter: ['appointment or visit', 'appointments and visits'],
  EpisodeOfCare: ['episode of care', 'episodes of care'],
  DiagnosticReport: ['test report', 'test reports'],
  DocumentReference: ['document', 'documents'],
  CarePlan: ['care plan', 'care plans'],
  CareTeam: ['care team', 'care teams'],
  Appointment: ['appointment', 'appointments'],
  Consent: ['consent record', 'consent records', 'consent choices'],
  Flag: ['alert', 'alerts'],
  ServiceRequest: ['referral or request', 'referrals and requests'],
  QuestionnaireResponse: ['questionnaire answer', 'questionnaire answers'],
  Composition: ['clinical document', 'clinical documents'],
};

const PURPOSES: Record<string, string> = {
  TREAT: 'direct care',
  ETREAT: 'emergency access (break-glass)',
  HRESCH: 'research',
  CLINTRCH: 'clinical trial research',
  HOPERAT: 'planning and running health services',
  HQUALIMP: 'improving the quality of care',
  POPHLTH: 'population health',
  PUBHLTH: 'public health',
  PATRQT: 'your own request',
  FAMRQT: 'a request from your family',
  PWATRNY: 'someone with power of attorney',
  SUPNWK: 'your support network',
  HPAYMT: 'payment for care',
  HSYSADMIN: 'system administration',
  HLEGAL: 'legal reasons',
  HMARKT: 'marketing',
};

/** What an operation did: [verb, past tense, the rest]. */
const OPERATIONS: Record<string, [string, string, string]> = {
  everything: ['view', 'viewed', 'your whole record'],
  summary: ['view', 'viewed', 'a summary of your record'],
  'access-log': ['look', 'looked', 'at who has accessed your record'],
  export: ['export', 'exported', 'records including yours'],
};

const WHEN = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

function words(type: string): [string, string, string?] {
  const known = NOUNS[type];
  if (known) return known;
  const spaced = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return [`${spaced} record`, `${spaced} records`];
}

/** "12 test results and observations and 1 condition or diagnosis" */
function counted(types: Map<string, number>): string {
  const parts = [...types].map(([t, n]) => (t === 'Patient' ? words(t)[0] : `${n} ${n === 1 ? words(t)[0] : words(t)[1]}`));
  return parts.length <= 1 ? (parts[0] ?? 'your record') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** What the event did, as [verb, past tense, the rest]: ['view', 'viewed', '12 test results and observations']. */
function activity(event: Json): [string, string, string] {
  const subtype: string = event.subtype?.find((c: Json) => c.system === SYSTEM.restful)?.code ?? '';
  const operation: string | undefined = event.subtype?.find((c: Json) => c.system === SYSTEM.operation)?.code;
  const types = new Map<string, number>();
  let query: string | undefined;
  for (const e of (event.entity ?? []) as Json[]) {
    if (e.role?.code === '24') query = e.description;
    if (e.role?.code !== '4' || typeof e.what?.reference !== 'string') continue;
    const type = e.what.reference.split('/')[0];
    types.set(type, (types.get(type) ?? 0) + 1);
  }
  const things = counted(types);
  const single = types.size === 1 ? [...types.keys()][0] : undefined;
  const list = single ? words(single)[2] : undefined;
  if (operation) return OPERATIONS[operation] ?? ['use', 'used', `the ${operation} function on your record`];
  switch (event.action) {
    case 'R':
      return subtype.startsWith('history') ? ['view', 'viewed', `the history of ${things}`] : ['view', 'viewed', things];
    case 'C':
      return list ? ['add', 'added', `to your ${list}`] : ['add', 'added', things];
    case 'U':
      return list ? ['update', 'updated', `your ${list}`] : ['update', 'updated', things];
    case 'D':
      return list ? ['remove', 'removed', `an entry from your ${list}`] : ['delete', 'deleted', things];
  }
  if (subtype === 'transaction' || subtype === 'batch') return ['change', 'changed', things];
  if (subtype.startsWith('search')) {
    if (types.size) return ['view', 'viewed', things];
    const searched = query?.split('?')[0] ?? '';
    return ['search', 'searched', `your ${searched ? words(searched)[1] : 'record'} and found nothing`];
  }
  return ['access', 'accessed', things];
}

interface Actor {
  /** The person ("Dr Jane Smith (GP)", "You", "A clinician") or, with no person, the system. */
  who: string;
  /** The app they used, when a person used one. */
  app?: string;
  organisation?: string;
}

function actor(event: Json, patientId: string, names: Map<string, Named>): Actor {
  const agents = (event.agent ?? []) as Json[];
  const client = agents.find((a) => a.who?.identifier?.system === SYSTEM.clientId);
  const requestor = agents.find((a) => a.requestor === true) ?? client;
  const appName: string | undefined = client?.who?.display ?? client?.who?.identifier?.value;
  const orgRef: string | undefined = agents.find((a) => a.type?.coding?.[0]?.code === 'PROV')?.who?.reference;
  const ref: string | undefined = requestor?.who?.reference;
  const named = ref ? names.get(ref) : undefined;
  const organisation = names.get(orgRef ?? named?.organization ?? '')?.name;
  if (!requestor || requestor === client) return { who: appName ? `The system "${appName}"` : 'A computer system', organisation };
  if (ref === `Patient/${patientId}`) return { who: 'You', app: appName, organisation };
  const roles: string[] = ((requestor.role ?? []) as Json[]).map((r) => r.coding?.[0]?.code);
  const role = named?.role ?? (roles.includes('clinician') ? 'a clinician' : roles.includes('admin') ? 'an administrator' : undefined);
  let who: string;
  if (named?.name) who = named.role ? `${named.name} (${named.role})` : named.name;
  else if (ref?.startsWith('Patient/')) who = 'Someone using another patient account';
  else who = role ? role[0].toUpperCase() + role.slice(1) : 'Someone';
  return { who, app: appName, organisation };
}

export function summarise(event: Json, patientId: string, names: Map<string, Named>): AccessSummary {
  const recorded = String(event.recorded);
  const when = WHEN.format(new Date(recorded));
  const purposeCode: string = ((event.agent ?? []) as Json[]).flatMap((a) => a.purposeOfUse ?? []).flatMap((c: Json) => c.coding ?? [])[0]?.code ?? 'TREAT';
  const purpose = PURPOSES[purposeCode] ?? purposeCode.toLowerCase();
  const breakGlassReason: string | undefined = ((event.extension ?? []) as Json[]).find((x) => x.url === EXTENSION.breakGlassReason)?.valueString;
  const { who, app, organisation } = actor(event, patientId, names);
  const [verb, past, rest] = activity(event);
  const status = Number(String(event.outcomeDesc ?? '').split(' ')[0]);
  const succeeded = event.outcome === '0';
  const what = succeeded ? `${past} ${rest}` : `tried to ${verb} ${rest}`;
  const by = `${who}${organisation ? ` from ${organisation}` : ''}${app ? `, using ${app},` : ''}`;
  const why = breakGlassReason !== undefined ? ' using emergency access (break-glass)' : who === 'You' ? '' : ` for ${purpose}`;
  const failure = succeeded ? '' : status >= 500 ? ', but it failed' : ', but was refused';
  const reason = breakGlassReason !== undefined ? ` The reason they gave: "${breakGlassReason}".` : '';
  return { recorded, when, who, organisation, purpose, what: `${what}${failure}`, breakGlassReason, text: `${when}: ${by} ${what}${why}${failure}.${reason}` };
}
