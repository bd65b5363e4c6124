/**
 * Bundle rules beyond the element definitions and the bdl-* invariants
 * (https://hl7.org/fhir/R4/bundle.html, http.html#transaction): fullUrl present (except in
 * transactions and batches), absolute, unique, and agreeing with the resource's id; each link
 * relation once, and no paging links outside searches and histories; in a transaction or batch, a
 * `request` on every entry whose method and url make sense together (`resource` required for
 * POST, PUT and PATCH; POST to a type; PUT and DELETE to an instance or a conditional url; the
 * url's type the resource's type); in a search set, matches with ids and outcomes as
 * OperationOutcomes. Documents and messages (strict validation only, see documentLinks): the
 * first entry a Composition or MessageHeader whose references resolve in the Bundle, and every
 * entry reachable from it. Cheap (passes over the entries), so it runs on every validation.
 * Bundles inside the Bundle (an entry's resource, or a contained resource) are checked too.
 */
import type { Issue } from '../fhir/errors.ts';
import { entryLinks, indexBundle, resolveInBundle, restfulParts } from './bundle-references.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
/** Link relations that name one page each (other relations, such as `stylesheet`, may repeat). */
const UNIQUE_RELATIONS = new Set(['self', 'first', 'previous', 'prev', 'next', 'last']);
/** Paging relations, for search sets and histories only. */
const PAGING_RELATIONS = new Set(['first', 'previous', 'next', 'last']);
/** Bundle types whose entries may lack a fullUrl. */
const FULLURL_OPTIONAL = new Set(['transaction', 'batch', 'transaction-response', 'batch-response']);
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
export function checkBundle(bundle: Json, isResourceType: (t: string) => boolean, strict = true, base = 'Bundle', issues: Issue[] = []): Issue[] {
  const error = (diagnostics: string, expression: string, severity: 'error' | 'warning' = 'error'): void => {
    issues.push({ severity, code: severity === 'error' ? 'invalid' : 'business-rule', diagnostics, expression: [expression] });
  };
  const type = bundle.type;
  const links = Array.isArray(bundle.link) ? bundle.link : [];
  const relations = new Set<string>();
  const paged = type === 'searchset' || type === 'history';
  links.forEach((l, i) => {
    if (!isObject(l) || typeof l.relation !== 'string') return;
    if (relations.has(l.relation) && UNIQUE_RELATIONS.has(l.relation)) error(`The link relation '${l.relation}' may only occur once`, `${base}.link[${i}]`);
    if (!paged && typeof type === 'string' && PAGING_RELATIONS.has(l.relation)) error(`The link relation '${l.relation}' is for paging through search results, so not allowed in a ${type}`, `${base}.link[${i}].relation`, strict ? 'error' : 'warning');
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
    const severity = strict ? 'error' : 'warning';
    if (typeof e.fullUrl === 'string') {
      const fullUrl = e.fullUrl;
      const restful = resource !== undefined && rtype !== undefined && /^https?:/.test(fullUrl) && isResourceType(RESTFUL.exec(fullUrl)?.[1] ?? '');
      if (!ABSOLUTE.test(fullUrl)) error(`The fullUrl must be an absolute URL (not '${fullUrl}')`, `${at}.fullUrl`, severity);
      else if (restful && typeof resource.id !== 'string') {
        error(`The fullUrl '${fullUrl}' looks like a RESTful URL, but the resource has no id (it should be ${RESTFUL.exec(fullUrl)?.[2]})`, `${at}.fullUrl`, severity);
      } else if (restful && typeof resource.id === 'string' && !fullUrl.endsWith(`/${rtype}/${resource.id}`)) {
        error(`The fullUrl '${fullUrl}' looks like a RESTful URL, so must end with the resource's type and id (${rtype}/${resource.id})`, `${at}.fullUrl`, severity);
      }
      const version = isObject(resource?.meta) ? resource.meta.versionId : undefined;
      // bdl-7: the same fullUrl is allowed for different versions of a resource
      const key = `${fullUrl}|${String(version)}`;
      const first = fullUrls.get(key);
      if (first !== undefined) error(`The fullUrl '${fullUrl}' is also used by entry[${first}]: fullUrls must be unique in a Bundle`, `${at}.fullUrl`);
      else fullUrls.set(key, i);
    } else if (resource !== undefined && typeof type === 'string' && !FULLURL_OPTIONAL.has(type) && !(isObject(e.search) && e.search.mode === 'outcome')) {
      // (an OperationOutcome about a search is not a resource with an identity)
      error(`Every entry of a ${type} needs a fullUrl, the identity of its resource (only transactions and batches may leave it out)`, at, severity);
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
  if (strict && (type === 'document' || type === 'message')) documentLinks(bundle, type, isResourceType, base, issues);
  // Bundles inside: entries' resources and their contained resources
  entries.forEach((e, i) => {
    if (!isObject(e) || !isObject(e.resource)) return;
    nestedBundles(e.resource, `${base}.entry[${i}].resource`, isResourceType, strict, issues);
  });
  return issues;
}

/** Checks the Bundles inside a resource: the resource itself, or those it contains. */
export function nestedBundles(resource: Json, at: string, isResourceType: (t: string) => boolean, strict: boolean, issues: Issue[]): void {
  if (resource.resourceType === 'Bundle') {
    checkBundle(resource, isResourceType, strict, at, issues);
    return;
  }
  const contained = Array.isArray(resource.contained) ? resource.contained : [];
  contained.forEach((c, i) => {
    if (isObject(c) && c.resourceType === 'Bundle') checkBundle(c, isResourceType, strict, `${at}.contained[${i}]`, issues);
  });
}

/** The references of a Composition that must resolve in its document (documents.html#content), with their locations. */
function compositionReferences(composition: Json, at: string): { value: string; at: string }[] {
  const out: { value: string; at: string }[] = [];
  const add = (v: unknown, where: string): void => {
    if (isObject(v) && typeof v.reference === 'string' && !v.reference.startsWith('#')) out.push({ value: v.reference, at: `${where}.reference` });
  };
  const each = (obj: Json, name: string, where: string): void => {
    const v = obj[name];
    if (Array.isArray(v)) v.forEach((x, i) => add(x, `${where}.${name}[${i}]`));
    else add(v, `${where}.${name}`);
  };
  for (const name of ['subject', 'author', 'encounter', 'custodian']) each(composition, name, at);
  (Array.isArray(composition.attester) ? composition.attester : []).forEach((a, i) => isObject(a) && each(a, 'party', `${at}.attester[${i}]`));
  (Array.isArray(composition.event) ? composition.event : []).forEach((ev, i) => isObject(ev) && each(ev, 'detail', `${at}.event[${i}]`));
  const sections = (obj: Json, where: string): void => {
    (Array.isArray(obj.section) ? obj.section : []).forEach((sec, i) => {
      if (!isObject(sec)) return;
      const here = `${where}.section[${i}]`;
      for (const name of ['author', 'focus', 'entry']) each(sec, name, here);
      sections(sec, here);
    });
  };
  sections(composition, at);
  return out;
}

/**
 * A document (or message) is one whole: its first entry is a Composition (MessageHeader), whose
 * references (the focus of a message) resolve to entries of the Bundle; and every entry is
 * reachable from it through the references between entries (a reference back to a reachable
 * entry is tolerated with a warning in R4, as Provenance does). An entry nothing reaches is an
 * error in a document, a warning in a message. (Other references that the Bundle's rules do not
 * resolve are reported where they are, by the profile walker: ambiguous ones as errors.)
 */
function documentLinks(bundle: Json, type: 'document' | 'message', isResourceType: (t: string) => boolean, base: string, issues: Issue[]): void {
  const index = indexBundle(bundle);
  if (index.entries.length === 0) {
    issues.push({ severity: 'error', code: 'invalid', diagnostics: `A ${type} must have entries, the first a ${type === 'document' ? 'Composition' : 'MessageHeader'}`, expression: [base] });
    return;
  }
  const first = index.entries[0];
  const head = type === 'document' ? 'Composition' : 'MessageHeader';
  if (first.resource === undefined || first.type !== head) {
    issues.push({ severity: 'error', code: 'invalid', diagnostics: `The first entry of a ${type} must be a ${head}${first.type ? `, not a ${first.type}` : ''}`, expression: [`${base}.entry[0]`] });
    return;
  }
  const report = (severity: 'error' | 'warning', diagnostics: string, at: string): void => {
    issues.push({ severity, code: severity === 'error' ? 'invalid' : 'informational', diagnostics, expression: [at] });
  };
  // the head's own references must resolve
  const required =
    type === 'document'
      ? compositionReferences(first.resource, `${base}.entry[0].resource`)
      : (Array.isArray(first.resource.focus) ? first.resource.focus : []).flatMap((f, i) => (isObject(f) && typeof f.reference === 'string' && !f.reference.startsWith('#') ? [{ value: f.reference, at: `${base}.entry[0].resource.focus[${i}].reference` }] : []));
  const reported = new Set<string>();
  for (const r of required) {
    const res = resolveInBundle(index, r.value, 0, isResourceType);
    if (res.status === 'not-found') {
      reported.add(r.at);
      report('error', `The ${head}'s reference '${r.value}' must resolve to an entry of the ${type}, but it does not${res.similar.length ? ` by the Bundle's rules (entry ${res.similar[0]} has that type and id, but its fullUrl does not match)` : ''}`, r.at);
    }
  }
  // the links between entries
  const targets: number[][] = index.entries.map(() => []);
  index.entries.forEach((e, i) => {
    if (e.resource === undefined) return;
    for (const link of entryLinks(e.resource, `${base}.entry[${i}].resource`)) {
      const res = resolveInBundle(index, link.value, i, isResourceType);
      if (res.status === 'found') {
        if (res.entry !== i) targets[i].push(res.entry);
      }
    }
  });
  const visited = new Set<number>();
  const visit = (i: number): void => {
    if (visited.has(i)) return;
    visited.add(i);
    for (const t of targets[i]) visit(t);
  };
  visit(0);
  // a stylesheet of a document is part of it
  (Array.isArray(bundle.link) ? bundle.link : []).forEach((l, li) => {
    if (!isObject(l) || l.relation !== 'stylesheet' || typeof l.url !== 'string' || ABSOLUTE.test(l.url)) return;
    const parts = restfulParts(l.url, isResourceType);
    const found = parts === undefined ? undefined : index.byTypeId.get(`${parts.type}/${parts.id}`)?.[0];
    if (found === undefined) report('error', `The stylesheet '${l.url}' is not in the ${type}`, `${base}.link[${li}].url`);
    else visit(found);
  });
  for (let changed = true; changed; ) {
    changed = false;
    index.entries.forEach((e, i) => {
      if (visited.has(i) || e.resource === undefined || !targets[i].some((t) => visited.has(t))) return;
      if (e.type !== 'Provenance') report('warning', `Entry ${i} (${e.fullUrl ?? e.type}) is only reached by its own reference to the rest of the ${type}; in R4 only Provenance should be`, `${base}.entry[${i}]`);
      visit(i);
      changed = true;
    });
  }
  index.entries.forEach((e, i) => {
    if (visited.has(i) || e.resource === undefined) return;
    report(type === 'document' ? 'error' : 'warning', `Entry ${i} (${e.fullUrl ?? e.type}) is not reachable from the ${head} through the references between entries`, `${base}.entry[${i}]`);
  });
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
