import { dateRange } from '../fhir/dates.ts';
import { FhirError } from '../fhir/errors.ts';
import { etagOf, instant } from './versions.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext, Resource } from './types.ts';
import type { HistoryQuery } from '../storage/index.ts';
import { bundleBody, type BundleEntry } from './bundle-body.ts';

const STATUS: Record<string, string> = { POST: '201 Created', PUT: '200 OK', PATCH: '200 OK', DELETE: '204 No Content' };

function single(req: FhirRequest, name: string): string | undefined {
  const values = req.params.filter(([n]) => n === name).map(([, v]) => v);
  if (values.length > 1) throw new FhirError('incorrect', `${name} may be given only once`);
  return values[0];
}

function timeParam(req: FhirRequest, name: string) {
  const value = single(req, name);
  if (value === undefined) return undefined;
  const range = dateRange(value);
  if (!range) throw new FhirError('incorrect', `${name}=${value} is not a FHIR date or instant, e.g. 2024-03-01T09:00:00Z`);
  return range;
}

/** _history at instance, type or system level, newest first, with _since, _at, _count and keyset paging. */
export async function history(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse> {
  const countText = single(req, '_count');
  const count = countText === undefined ? ctx.config.defaultPageSize : Number(countText);
  if (!Number.isInteger(count) || count < 0) throw new FhirError('incorrect', `_count=${countText} is not a whole number of 0 or more`);
  const cursorText = single(req, '_cursor');
  if (cursorText !== undefined && !/^[0-9]+$/.test(cursorText)) throw new FhirError('incorrect', `_cursor=${cursorText} is not a page cursor of this server`);
  const query: HistoryQuery = {
    resourceType: req.resourceType,
    id: req.id,
    since: timeParam(req, '_since')?.low,
    at: timeParam(req, '_at'),
    beforeSeq: cursorText === undefined ? undefined : Number(cursorText),
    count: Math.min(count, ctx.config.maxPageSize),
  };
  const instance = req.interaction === 'history-instance';
  if (instance) {
    const current = await db.readCurrent(req.resourceType!, req.id!);
    if (!current) throw new FhirError('not-found', `${req.resourceType}/${req.id} is not known`);
    // a deleted resource is judged by its last version with content
    const judged = current.deleted ? (await db.history({ resourceType: req.resourceType, id: req.id, count: 2 })).entries.find((v) => v.json !== null) : current;
    if (judged) await ctx.guard.check(ctx, db, JSON.parse(judged.json!) as Resource);
  }
  const page = await db.history(query);
  // every version shown is checked (and audited); at type and system level what may not be seen is left out
  const shown: typeof page.entries = [];
  for (const v of page.entries) {
    if (v.json === null) {
      if (instance || ctx.access.mode === 'open') shown.push(v);
    } else if (instance || (await ctx.guard.visible(ctx, db, JSON.parse(v.json) as Resource))) shown.push(v);
  }
  const filtered = shown.length < page.entries.length;
  const entries: BundleEntry[] = shown.map((v) => ({
    fullUrl: `${req.baseUrl}/${v.resourceType}/${v.id}`,
    resource: v.json === null ? undefined : { raw: v.json },
    request: { method: v.method, url: v.method === 'POST' ? v.resourceType : `${v.resourceType}/${v.id}` },
    response: { status: STATUS[v.method], etag: etagOf(v.versionId), lastModified: instant(v.lastUpdated) },
  }));
  const self = `${req.baseUrl}/${[req.resourceType, req.id, '_history'].filter(Boolean).join('/')}`;
  const keep = req.params.filter(([n]) => n !== '_cursor');
  const link = [{ relation: 'self', url: withQuery(self, req.params) }];
  const last = page.entries[page.entries.length - 1];
  if (last && page.entries.length === query.count) {
    link.push({ relation: 'next', url: withQuery(self, [...keep, ['_cursor', String(last.seq)]]) });
  }
  return { status: 200, body: bundleBody('history', entries, { total: filtered || ctx.access.mode !== 'open' ? undefined : page.total, link }), lastModified: ctx.now() };
}

export function withQuery(url: string, params: [string, string][]): string {
  const q = new URLSearchParams(params).toString();
  return q ? `${url}?${q}` : url;
}
