/**
 * The FHIR RESTful URL grammar, shared by HTTP routing and by batch/transaction entries:
 * a method plus a path relative to the base maps to one interaction.
 */
import { FhirError } from './errors.ts';

export type Interaction =
  | 'capabilities'
  | 'batch'
  | 'transaction'
  | 'search-system'
  | 'history-system'
  | 'create'
  | 'search-type'
  | 'history-type'
  | 'conditional-update'
  | 'conditional-patch'
  | 'conditional-delete'
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'search-compartment'
  | 'operation';

export type Method = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface Route {
  interaction: Interaction;
  resourceType?: string;
  id?: string;
  versionId?: string;
  operation?: string;
  compartment?: string;
}

const ID = /^[A-Za-z0-9\-.]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID.test(id);
}

function notAllowed(method: string, path: string): FhirError {
  return new FhirError('not-allowed', `${method} is not supported on ${path || 'the base URL'}`);
}

/**
 * Maps a method and path segments (after the FHIR base) to an interaction.
 * `isResourceType` decides whether the first segment names a type.
 */
export function routeOf(method: Method, segments: string[], isResourceType: (t: string) => boolean): Route {
  const path = segments.join('/');
  const get = method === 'GET' || method === 'HEAD';
  const [a, b, c, d, ...rest] = segments;
  if (rest.length) throw new FhirError('not-found', `No FHIR interaction is defined for the path ${path}`);
  if (a === undefined || a === '') {
    if (method === 'POST') return { interaction: 'batch' }; // batch or transaction, decided by Bundle.type
    if (get) return { interaction: 'search-system' };
    throw notAllowed(method, path);
  }
  if (a === 'metadata' && b === undefined) {
    if (get) return { interaction: 'capabilities' };
    throw notAllowed(method, path);
  }
  if (a === '_history' && b === undefined) {
    if (get) return { interaction: 'history-system' };
    throw notAllowed(method, path);
  }
  if (a === '_search' && b === undefined) {
    if (method === 'POST') return { interaction: 'search-system' };
    throw notAllowed(method, path);
  }
  if (a.startsWith('$') && b === undefined) return { interaction: 'operation', operation: a.slice(1) };
  if (!isResourceType(a)) throw new FhirError('not-found', `Unknown resource type "${a}"`, { code: 'not-supported' });
  const resourceType = a;
  if (b === undefined) {
    switch (method) {
      case 'GET':
      case 'HEAD':
        return { interaction: 'search-type', resourceType };
      case 'POST':
        return { interaction: 'create', resourceType };
      case 'PUT':
        return { interaction: 'conditional-update', resourceType };
      case 'PATCH':
        return { interaction: 'conditional-patch', resourceType };
      case 'DELETE':
        return { interaction: 'conditional-delete', resourceType };
    }
  }
  if (b === '_search' && c === undefined) {
    if (method === 'POST') return { interaction: 'search-type', resourceType };
    throw notAllowed(method, path);
  }
  if (b === '_history' && c === undefined) {
    if (get) return { interaction: 'history-type', resourceType };
    throw notAllowed(method, path);
  }
  if (b.startsWith('$') && c === undefined) return { interaction: 'operation', resourceType, operation: b.slice(1) };
  const id = b;
  if (!isValidId(id)) throw new FhirError('incorrect', `"${id}" is not a valid FHIR id (1-64 characters: letters, digits, '-' and '.')`);
  if (c === undefined) {
    switch (method) {
      case 'GET':
      case 'HEAD':
        return { interaction: 'read', resourceType, id };
      case 'PUT':
        return { interaction: 'update', resourceType, id };
      case 'PATCH':
        return { interaction: 'patch', resourceType, id };
      case 'DELETE':
        return { interaction: 'delete', resourceType, id };
      default:
        throw notAllowed(method, path);
    }
  }
  if (c === '_history') {
    if (!get) throw notAllowed(method, path);
    if (d === undefined) return { interaction: 'history-instance', resourceType, id };
    if (!/^[0-9]+$/.test(d)) throw new FhirError('not-found', `"${d}" is not a version id of ${resourceType}/${id}`);
    return { interaction: 'vread', resourceType, id, versionId: d };
  }
  if (c.startsWith('$') && d === undefined) return { interaction: 'operation', resourceType, id, operation: c.slice(1) };
  if (d === undefined && (isResourceType(c) || c === '*')) {
    if (get) return { interaction: 'search-compartment', resourceType: c === '*' ? undefined : c, compartment: resourceType, id };
    throw notAllowed(method, path);
  }
  throw new FhirError('not-found', `No FHIR interaction is defined for the path ${path}`);
}

/** Splits "Patient/123?x=y" into segments and query pairs. */
export function splitUrl(url: string): { segments: string[]; params: [string, string][] } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  const segments = path.split('/').filter((s) => s !== '').map((s) => decodeURIComponent(s));
  return { segments, params: parseQuery(query) };
}

export function parseQuery(query: string): [string, string][] {
  if (query === '') return []; // most transaction entries (POST Observation)
  return [...new URLSearchParams(query).entries()];
}
