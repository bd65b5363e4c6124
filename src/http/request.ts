/** Maps an HTTP request to a FhirRequest: route, parameters, headers, Prefer. */
import type { FastifyRequest } from 'fastify';
import { FhirError } from '../fhir/errors.ts';
import { parseQuery, routeOf, type Method } from '../fhir/url.ts';
import type { Definitions } from '../fhir/definitions.ts';
import type { FhirRequest, Prefer } from '../interactions/types.ts';

export const FHIR_PREFIX = '/fhir';

export function parsePrefer(header: string | undefined): Prefer {
  const prefer: Prefer = {};
  if (!header) return prefer;
  for (const part of header.split(/[;,]/)) {
    const [k, v] = part.split('=').map((s) => s.trim().replace(/^"|"$/g, ''));
    if (k === 'return' && (v === 'minimal' || v === 'representation' || v === 'OperationOutcome')) prefer.return = v;
    if (k === 'handling' && (v === 'strict' || v === 'lenient')) prefer.handling = v;
  }
  return prefer;
}

function header(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function baseUrlOf(req: FastifyRequest, configured: string | undefined): string {
  if (configured) return configured.replace(/\/$/, '');
  const proto = header(req, 'x-forwarded-proto') ?? req.protocol;
  const host = header(req, 'x-forwarded-host') ?? header(req, 'host') ?? 'localhost';
  return `${proto}://${host}${FHIR_PREFIX}`;
}

export function toFhirRequest(req: FastifyRequest, defs: Definitions, baseUrl: string): FhirRequest {
  const url = req.url;
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).slice(FHIR_PREFIX.length);
  let segments: string[];
  try {
    segments = path.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new FhirError('incorrect', 'The URL path is not validly percent-encoded');
  }
  const method = req.method as Method;
  const route = routeOf(method, segments, (t) => defs.isResourceType(t));
  let params = parseQuery(q < 0 ? '' : url.slice(q + 1));
  let body: unknown = req.body;
  const contentType = (header(req, 'content-type') ?? '').split(';')[0].trim().toLowerCase();
  if (contentType === 'application/x-www-form-urlencoded') {
    if (!route.interaction.startsWith('search')) throw new FhirError('unsupported-media', 'Form-encoded bodies are accepted only by _search');
    params = [...params, ...parseQuery(typeof body === 'string' ? body : '')];
    body = undefined;
  }
  // built property by property: an object spread here cost ~10 µs a request (V8's slow clone path)
  return {
    interaction: route.interaction,
    resourceType: route.resourceType,
    id: route.id,
    versionId: route.versionId,
    operation: route.operation,
    compartment: route.compartment,
    method,
    params,
    body,
    bodyType: contentType === 'application/json-patch+json' ? 'json-patch' : 'resource',
    ifMatch: header(req, 'if-match'),
    ifNoneExist: header(req, 'if-none-exist'),
    ifNoneMatch: header(req, 'if-none-match'),
    ifModifiedSince: header(req, 'if-modified-since'),
    prefer: parsePrefer(header(req, 'prefer')),
    baseUrl,
  };
}
