/**
 * Bundle rules beyond the element definitions and the bdl-* invariants
 * (https://hl7.org/fhir/R4/bundle.html, http.html#transaction): fullUrl absolute, unique, and
 * agreeing with the resource's id; each link relation once; in a transaction or batch, a
 * `request` on every entry whose method and url make sense together (`resource` required for
 * POST, PUT and PATCH; POST to a type; PUT and DELETE to an instance or a conditional url; the
 * url's type the resource's type); in a search set, matches with ids and outcomes as
 * OperationOutcomes. Cheap (one pass over the entries), so it runs on every validation.
 */
import type { Issue } from '../fhir/errors.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
/** Link relations that name one page each (other relations, such as `stylesheet`, may repeat). */
const UNIQUE_RELATIONS = new Set(['self', 'first', 'previous', 'prev', 'next', 'last']);
const RESTFUL = /\/([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** The resource type, id and whether the url is conditional, of a relative request url (`Patient/1`, `Patient?x=y`, `Patient`). */
function parseRequestUrl(url: string): { type?: string; id?: string; query: boolean; operation: boolean } {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/^https?:\/\/[^/]+(\/[^?]*?)?\/(?=[A-Z$])/, '');
  const parts = path.split('/').filter(Boolean);
  return { type: parts[0], id: parts[1], query: q >= 0, operation: parts.some((p) => p.startsWith('$')) };
}

/**
 * `strict` (full validation, $validate): a relative fullUrl, or one that disagrees with the
 * resource's id, is an error, as the specification and the Java validator have it. On writes it
 * is a warning: published examples (R4's own, UK Core's) break these rules, and they are stored fine.
 */
export function checkBundle(bundle: Json, isResourceType: (t: string) => boolean, strict = true, base = 'Bundle'): Issue[] {
  const issues: Issue[] = [];
  const error = (diagnostics: string, expression: string, severity: 'error' | 'warning' = 'error'): void => {
    issues.push({ severity, code: severity === 'error' ? 'invalid' : 'business-rule', diagnostics, expression: [expression] });
  };
  const type = bundle.type;
  const links = Array.isArray(bundle.link) ? bundle.link : [];
  const relations = new Set<string>();
  links.forEach((l, i) => {
    if (!isObject(l) || typeof l.relation !== 'string') return;
    if (relations.has(l.relation) && UNIQUE_RELATIONS.has(l.relation)) error(`The link relation '${l.relation}' may only occur once`, `${base}.link[${i}]`);
    relations.add(l.relation);
  });
  const self = links.find((l): l is Json => isObject(l) && l.relation === 'self');
  const searchTypes = type === 'searchset' && typeof self?.url === 'string' ? searchedTypes(self.url, isResourceType) : undefined;

  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  const fullUrls = new Map<string, number>();
  entries.forEach((e, i) => {
    if (!isObject(e)) return;
    const at = `${base}.entry[${i}]`;
    const resource = isObject(e.resource) ? e.resource : undefined;
    const rtype = typeof resource?.resourceType === 'string' ? resource.resourceType : undefined;
    if (typeof e.fullUrl === 'string') {
      const fullUrl = e.fullUrl;
      const severity = strict ? 'error' : 'warning';
      if (!ABSOLUTE.test(fullUrl)) error(`The fullUrl must be an absolute URL (not '${fullUrl}')`, `${at}.fullUrl`, severity);
      else if (resource && typeof resource.id === 'string' && rtype && /^https?:/.test(fullUrl) && isResourceType(RESTFUL.exec(fullUrl)?.[1] ?? '') && !fullUrl.endsWith(`/${rtype}/${resource.id}`)) {
        error(`The fullUrl '${fullUrl}' looks like a RESTful URL, so must end with the resource's type and id (${rtype}/${resource.id})`, `${at}.fullUrl`, severity);
      }
      const version = isObject(resource?.meta) ? resource.meta.versionId : undefined;
      // bdl-7: the same fullUrl is allowed for different versions of a resource
      const key = `${fullUrl}|${String(version)}`;
      const first = fullUrls.get(key);
      if (first !== undefined) error(`The fullUrl '${fullUrl}' is also used by entry[${first}]: fullUrls must be unique in a Bundle`, `${at}.fullUrl`);
      else fullUrls.set(key, i);
    }
    if (type === 'transaction' || type === 'batch') {
      const request = e.request;
      if (!isObject(request)) {
        error(`Every entry of a ${type} needs a request`, at);
        return;
      }
      const method = request.method;
      const url = request.url;
      if (typeof method !== 'string' || typeof url !== 'string') return; // cardinality reports these
      const parsed = parseRequestUrl(url);
      if (['POST', 'PUT', 'PATCH'].includes(method) && resource === undefined && !(method === 'POST' && parsed.operation)) {
        error(`A ${method} entry needs a resource`, at);
      }
      if (['GET', 'HEAD', 'DELETE'].includes(method) && resource !== undefined) error(`A ${method} entry should not carry a resource`, `${at}.resource`, 'warning');
      if (parsed.operation || url.startsWith('$')) return;
      if (parsed.type === undefined || !isResourceType(parsed.type)) {
        if (method !== 'GET' && method !== 'HEAD') error(`The request url '${url}' does not name a resource type`, `${at}.request.url`);
        return;
      }
      if (method === 'POST' && (parsed.id !== undefined || parsed.query)) error(`A POST entry's url must be the resource type alone (found '${url}'); use ifNoneExist for a conditional create`, `${at}.request.url`);
      if ((method === 'PUT' || method === 'DELETE' || method === 'PATCH') && parsed.id === undefined && !parsed.query) {
        error(`A ${method} entry's url must name an instance (${parsed.type}/[id]) or be conditional (${parsed.type}?…); found '${url}'`, `${at}.request.url`);
      }
      if (parsed.id !== undefined && !ID.test(parsed.id) && !parsed.id.startsWith('_history')) error(`'${parsed.id}' in the request url is not a valid id`, `${at}.request.url`);
      if (resource !== undefined && rtype !== undefined && (method === 'POST' || method === 'PUT') && parsed.type !== rtype) {
        error(`The request url names ${parsed.type} but the resource is a ${rtype}`, `${at}.request.url`);
      }
      if (method === 'PUT' && parsed.id !== undefined && typeof resource?.id === 'string' && resource.id !== parsed.id) {
        error(`The resource id '${resource.id}' does not match the id in the request url '${url}'`, `${at}.resource.id`);
      }
    }
    if (type === 'searchset' && resource !== undefined && rtype !== undefined) {
      const mode = isObject(e.search) ? e.search.mode : undefined;
      if (mode === 'outcome' && rtype !== 'OperationOutcome') error(`An entry with search mode 'outcome' must be an OperationOutcome, not ${rtype}`, `${at}.resource`);
      if (mode === 'match') {
        if (typeof resource.id !== 'string') error('Search results must have ids', `${at}.resource`);
        if (searchTypes !== undefined && !searchTypes.includes(rtype)) error(`${rtype} is not a type the search was for (${searchTypes.join(', ')})`, `${at}.resource`);
      }
    }
  });
  return issues;
}

/** The types a search's self link searched for: `[base]/Patient?…`, or `[base]?_type=A,B`. */
function searchedTypes(url: string, isResourceType: (t: string) => boolean): string[] | undefined {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (isResourceType(last)) return [last];
  const typeParam = new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('_type');
  if (typeParam) return typeParam.split(',').filter(isResourceType);
  return undefined;
}
