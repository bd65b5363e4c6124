/** Turning the entries of a batch or transaction Bundle into FhirRequests that go through the same interactions. */
import { FhirError, type Issue } from '../fhir/errors.ts';
import { routeOf, splitUrl, type Method } from '../fhir/url.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource } from './types.ts';
import type { BundleEntry } from './bundle-body.ts';
import { instant } from './versions.ts';

export interface ParsedEntry {
  index: number;
  fullUrl?: string;
  request: FhirRequest;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function bundleOf(req: FhirRequest): { type: string; entry: Record<string, unknown>[] } {
  const body = req.body as Resource | undefined;
  if (!body || typeof body !== 'object' || body.resourceType !== 'Bundle') {
    throw new FhirError('incorrect', 'POST to the base URL needs a Bundle of type batch or transaction');
  }
  const entry = body.entry ?? [];
  if (!Array.isArray(entry)) throw new FhirError('incorrect', 'Bundle.entry must be an array', { expression: ['Bundle.entry'] });
  return { type: String(body.type), entry };
}

/** `Patient.name[0]` inside entry 3 is `Bundle.entry[3].resource.name[0]`. */
function withinEntry(where: string, expression: string): string {
  if (expression.startsWith('Bundle.entry')) return expression;
  const dot = expression.indexOf('.');
  const rest = /^[A-Z]/.test(expression) ? (dot < 0 ? '' : expression.slice(dot)) : `.${expression}`;
  return `${where}.resource${rest}`;
}

export function entryError(index: number, err: FhirError): FhirError {
  const where = `Bundle.entry[${index}]`;
  const issues: Issue[] = err.issues.map((i) => ({
    ...i,
    diagnostics: `${where}: ${i.diagnostics ?? ''}`,
    expression: i.expression?.length ? i.expression.map((e) => withinEntry(where, e)) : [where],
  }));
  return new FhirError(err.category, issues[0].diagnostics!, { issues });
}

/** Strips the server's own base from an absolute URL. */
function relative(url: string, baseUrl: string): string {
  if (url.startsWith(baseUrl + '/')) return url.slice(baseUrl.length + 1);
  if (/^https?:\/\//.test(url)) throw new FhirError('incorrect', `request.url ${url} is not on this server (${baseUrl})`);
  return url.replace(/^\//, '');
}

function patchBody(resource: Resource | undefined): Pick<FhirRequest, 'body' | 'bodyType'> {
  // a JSON Patch travels in a transaction as a Binary
  if (resource?.resourceType === 'Binary' && typeof resource.data === 'string') {
    try {
      return { body: JSON.parse(Buffer.from(resource.data, 'base64').toString('utf8')), bodyType: 'json-patch' };
    } catch {
      throw new FhirError('incorrect', 'The Binary of a PATCH entry does not hold a JSON Patch document');
    }
  }
  return { body: resource, bodyType: 'resource' };
}

export function parseEntry(outer: FhirRequest, raw: unknown, index: number, isResourceType: (t: string) => boolean): ParsedEntry {
  try {
    if (!raw || typeof raw !== 'object') throw new FhirError('incorrect', 'The entry is not an object');
    const e = raw as { fullUrl?: unknown; resource?: Resource; request?: Record<string, unknown> };
    const r = e.request;
    if (!r || typeof r !== 'object') throw new FhirError('incorrect', 'The entry has no request', { expression: ['Bundle.entry.request'] });
    const method = String(r.method ?? '');
    if (!METHODS.has(method)) throw new FhirError('incorrect', `request.method "${method}" is not one of GET, HEAD, POST, PUT, PATCH, DELETE`);
    if (typeof r.url !== 'string' || !r.url) throw new FhirError('incorrect', 'The entry has no request.url');
    const { segments, params } = splitUrl(relative(r.url, outer.baseUrl));
    const route = routeOf(method as Method, segments, isResourceType);
    if (route.interaction === 'batch') throw new FhirError('incorrect', 'A batch or transaction may not be nested in another');
    const body = method === 'PATCH' ? patchBody(e.resource) : { body: e.resource, bodyType: 'resource' as const };
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return {
      index,
      fullUrl: typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
      request: {
        ...route,
        method: method as Method,
        params,
        ...body,
        ifMatch: str(r.ifMatch),
        ifNoneExist: str(r.ifNoneExist),
        ifNoneMatch: str(r.ifNoneMatch),
        ifModifiedSince: str(r.ifModifiedSince),
        prefer: outer.prefer,
        baseUrl: outer.baseUrl,
      },
    };
  } catch (err) {
    throw entryError(index, err instanceof FhirError ? err : new FhirError('incorrect', String(err)));
  }
}

const REASON: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 304: 'Not Modified' };

export function responseEntry(res: FhirResponse, ctx: InteractionContext): BundleEntry {
  void ctx;
  return {
    resource: res.body,
    response: {
      status: `${res.status} ${REASON[res.status] ?? ''}`.trim(),
      location: res.location,
      etag: res.etag,
      lastModified: res.lastModified === undefined ? undefined : instant(res.lastModified),
      outcome: res.body === undefined && res.outcome ? (res.outcome as unknown as Resource) : undefined,
    },
  };
}

export function errorEntry(err: FhirError): BundleEntry {
  return { response: { status: String(err.status), outcome: err.toOperationOutcome() as unknown as Resource } };
}
