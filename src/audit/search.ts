/**
 * Reading AuditEvents: one by id, and searches returning a searchset Bundle newest first with a
 * `next` link (keyset paging; no total, which would count the largest table). AuditEvents are
 * never written through the FHIR API; these are the only ways in.
 */
import { FhirError } from '../fhir/errors.ts';
import { bundleBody, type BundleEntry } from '../interactions/bundle-body.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext } from '../interactions/types.ts';
import { auditSqlFor, storedRecord, type AuditEventRow, type AuditQuery } from '../storage/audit/index.ts';
import { renderAuditEvent } from './build.ts';
import { encodeAuditCursor, parseAuditSearch, type AuditSearch } from './query.ts';

/** What reading audit needs from the interaction context. */
export type AuditReadContext = Pick<InteractionContext, 'store' | 'config' | 'now'>;

/** Runs an audit query on `db` in the store's dialect; `limit` + 1 rows tell whether there is a next page. */
export async function findAuditEvents(db: Db, dialect: 'sqlite' | 'postgres', query: AuditQuery): Promise<AuditEventRow[]> {
  if (query.limit <= 0) return [];
  const rows = await db.select(auditSqlFor(dialect).search(query));
  return rows.map((r) => {
    const { seq, record } = storedRecord(r);
    return { seq, recorded: record.recorded, json: renderAuditEvent(record, seq) };
  });
}

/** GET AuditEvent/[id]. */
export async function readAuditEvent(req: FhirRequest, ctx: AuditReadContext, db: Db): Promise<FhirResponse> {
  const id = req.id ?? '';
  const missing = () => new FhirError('not-found', `AuditEvent/${id} is not known`);
  if (!/^\d{1,15}$/.test(id)) throw missing();
  const [row] = await db.select(auditSqlFor(ctx.store.dialect).read(Number(id)));
  if (!row) throw missing();
  if (req.versionId !== undefined && req.versionId !== '1') throw new FhirError('not-found', `AuditEvent/${id} has only version 1`);
  const { seq, record } = storedRecord(row);
  return { status: 200, body: { raw: renderAuditEvent(record, seq) }, etag: 'W/"1"', lastModified: record.recorded };
}

/** One page of events and the links around it. */
export interface AuditPage {
  rows: AuditEventRow[];
  link: { relation: string; url: string }[];
}

/** Runs a parsed search and builds its self and next links on `self` (the URL without query). */
export async function auditPage(db: Db, ctx: AuditReadContext, search: AuditSearch, self: string): Promise<AuditPage> {
  const found = await findAuditEvents(db, ctx.store.dialect, { criteria: search.criteria, after: search.cursor, limit: search.count + 1 });
  const rows = found.slice(0, search.count);
  const params: [string, string][] = [...search.used, ...(search.count !== ctx.config.defaultPageSize ? [['_count', String(search.count)] as [string, string]] : [])];
  const link = [{ relation: 'self', url: withQuery(self, search.cursor ? [...params, ['_cursor', encodeAuditCursor(search.cursor)]] : params) }];
  if (found.length > search.count && rows.length) {
    const last = rows[rows.length - 1];
    link.push({ relation: 'next', url: withQuery(self, [...params, ['_cursor', encodeAuditCursor(last)]]) });
  }
  return { rows, link };
}

/** GET AuditEvent?…: a searchset Bundle, newest first. */
export async function searchAuditEvents(req: FhirRequest, ctx: AuditReadContext, db: Db): Promise<FhirResponse> {
  const search = parseAuditSearch(req.params, {
    defaultCount: ctx.config.defaultPageSize,
    maxCount: ctx.config.maxPageSize,
    now: ctx.now(),
    strict: req.prefer.handling === 'strict',
  });
  const page = await auditPage(db, ctx, search, `${req.baseUrl}/AuditEvent`);
  const entries: BundleEntry[] = page.rows.map((r) => ({ fullUrl: `${req.baseUrl}/AuditEvent/${r.seq}`, resource: { raw: r.json }, search: { mode: 'match' } }));
  return { status: 200, body: bundleBody('searchset', entries, { link: page.link }), lastModified: ctx.now() };
}

function withQuery(url: string, params: readonly [string, string][]): string {
  const q = new URLSearchParams(params as [string, string][]).toString();
  return q ? `${url}?${q}` : url;
}
