/**
 * "Who looked at my record": the AuditEvents about one patient, newest first, each with a
 * plain-words summary — as its narrative (`text`), and in parts in an extension
 * (`access-log-summary`: when, who, organisation, purpose, what, breakGlassReason) for apps that
 * lay them out themselves. A searchset Bundle, paged like any search (`_count`, `date`, `next`).
 */
import { escapeAttribute } from '../fhir/xml/escape.ts';
import { FhirError } from '../fhir/errors.ts';
import { bundleBody, type BundleEntry } from '../interactions/bundle-body.ts';
import type { Db, FhirRequest, FhirResponse } from '../interactions/types.ts';
import { EXTENSION } from './codes.ts';
import { resolveNames } from './names.ts';
import { summarise, type AccessSummary } from './plain-words.ts';
import { parseAuditSearch } from './query.ts';
import { auditPage, type AuditReadContext } from './search.ts';

type Json = Record<string, any>;

function summaryExtension(s: AccessSummary): Json {
  const parts: [string, string | undefined][] = [
    ['when', s.when],
    ['who', s.who],
    ['organisation', s.organisation],
    ['purpose', s.purpose],
    ['what', s.what],
    ['breakGlassReason', s.breakGlassReason],
  ];
  return { url: EXTENSION.accessSummary, extension: parts.filter(([, v]) => v !== undefined).map(([url, valueString]) => ({ url, valueString })) };
}

/** The event with its summary as narrative and extension, placed where FHIR JSON puts them (after meta). */
function annotated(event: Json, s: AccessSummary): Json {
  const { resourceType, id, meta, extension, ...rest } = event;
  return {
    resourceType,
    id,
    meta,
    text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><p>${escapeAttribute(s.text)}</p></div>` },
    extension: [...(Array.isArray(extension) ? extension : []), summaryExtension(s)],
    ...rest,
  };
}

/** The people and organisations the events name, to look up once per page. */
function namedIn(events: Json[]): string[] {
  const refs: string[] = [];
  for (const e of events) {
    for (const a of (e.agent ?? []) as Json[]) {
      const ref = a.who?.reference;
      if (typeof ref === 'string' && (a.requestor === true || a.type?.coding?.[0]?.code === 'PROV')) refs.push(ref);
    }
  }
  return refs;
}

/** GET Patient/[id]/$access-log. Who may call it is decided before it runs. */
export async function accessLog(req: FhirRequest, ctx: AuditReadContext, db: Db): Promise<FhirResponse> {
  const patientId = req.id;
  if (req.resourceType !== 'Patient' || patientId === undefined) throw new FhirError('incorrect', '$access-log is invoked on a Patient: Patient/[id]/$access-log');
  const patient = await db.readCurrent('Patient', patientId);
  if (!patient) throw new FhirError('not-found', `Patient/${patientId} is not known`);
  const search = parseAuditSearch(req.params, {
    defaultCount: ctx.config.defaultPageSize,
    maxCount: ctx.config.maxPageSize,
    now: ctx.now(),
    strict: req.prefer.handling === 'strict',
    exclude: ['patient'],
  });
  search.criteria.unshift({ kind: 'reference', values: [`Patient/${patientId}`] });
  const page = await auditPage(db, ctx, search, `${req.baseUrl}/Patient/${patientId}/$access-log`);
  const events = page.rows.map((r) => JSON.parse(r.json) as Json);
  const names = await resolveNames(db, namedIn(events));
  const entries: BundleEntry[] = events.map((e) => ({
    fullUrl: `${req.baseUrl}/AuditEvent/${e.id}`,
    resource: annotated(e, summarise(e, patientId, names)) as BundleEntry['resource'],
    search: { mode: 'match' },
  }));
  return { status: 200, body: bundleBody('searchset', entries, { link: page.link }), lastModified: ctx.now() };
}
