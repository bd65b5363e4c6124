/**
 * References between the entries of a Bundle (https://hl7.org/fhir/R4/bundle.html#references):
 * an absolute reference (a URL, `urn:uuid:`, `urn:oid:`) matches the entry with that fullUrl; a
 * relative one (`Type/id`) is made absolute with the root of the referring entry's fullUrl when
 * that is a RESTful URL (`[root]/Type/id`), and otherwise cannot be resolved in the Bundle; a
 * version-specific reference (`…/_history/v`) matches the entry's `meta.versionId` too. Several
 * matches are ambiguous. An entry with the reference's type and id that the rules do not reach
 * is reported as what the sender probably meant.
 *
 * Also the links that hold a document or a message together (documents.html, messaging.html):
 * every reference of every entry, as `entryLinks` finds them (references and uri/url values).
 */
import { visitStrings } from './model-walk.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A RESTful URL: `[root]/Type/id`, optionally version-specific (the root may be absent). */
const RESTFUL = /^((?:https?:\/\/[^?#]*?\/)?)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([A-Za-z0-9\-.]{1,64}))?$/;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;

export interface BundleEntryInfo {
  fullUrl: string | undefined;
  resource: Json | undefined;
  type: string | undefined;
  id: string | undefined;
  versionId: string | undefined;
}

export interface BundleIndex {
  bundle: Json;
  type: string | undefined;
  entries: BundleEntryInfo[];
  byFullUrl: Map<string, number[]>;
  byTypeId: Map<string, number[]>;
}

export type Resolution =
  /** A contained reference (`#…`), not the Bundle's business. */
  | { status: 'local' }
  | { status: 'found'; entry: number }
  /** Nothing in the Bundle by the rules; `similar`: entries that have the reference's type and id. */
  | { status: 'not-found'; similar: number[] }
  | { status: 'multiple'; entries: number[] }
  /** A relative reference in an entry without a fullUrl, so nothing to resolve it against. */
  | { status: 'no-base' }
  /** A relative reference that is not `Type/id` (or a search URL, allowed in a transaction or batch). */
  | { status: 'bad-format' };

function push(map: Map<string, number[]>, key: string, i: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [i]);
  else list.push(i);
}

/** The entries of a Bundle by fullUrl and by `Type/id`. */
export function indexBundle(bundle: Json): BundleIndex {
  const entries: BundleEntryInfo[] = [];
  const byFullUrl = new Map<string, number[]>();
  const byTypeId = new Map<string, number[]>();
  const list = Array.isArray(bundle.entry) ? bundle.entry : [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i];
    const resource = isObject(e) && isObject(e.resource) ? e.resource : undefined;
    const info: BundleEntryInfo = {
      fullUrl: isObject(e) && typeof e.fullUrl === 'string' ? e.fullUrl : undefined,
      resource,
      type: typeof resource?.resourceType === 'string' ? resource.resourceType : undefined,
      id: typeof resource?.id === 'string' ? resource.id : undefined,
      versionId: isObject(resource?.meta) && typeof resource.meta.versionId === 'string' ? resource.meta.versionId : undefined,
    };
    entries.push(info);
    if (info.fullUrl !== undefined) push(byFullUrl, info.fullUrl, i);
    if (info.type !== undefined && info.id !== undefined) push(byTypeId, `${info.type}/${info.id}`, i);
  }
  return { bundle, type: typeof bundle.type === 'string' ? bundle.type : undefined, entries, byFullUrl, byTypeId };
}

/** Is `url` a RESTful URL (`http(s)://root/Type/id`) for a known resource type? Its parts when it is. */
export function restfulParts(url: string, isResourceType: (t: string) => boolean): { root: string; type: string; id: string; version: string | undefined } | undefined {
  const m = RESTFUL.exec(url);
  if (m === null || !isResourceType(m[2])) return undefined;
  return { root: m[1], type: m[2], id: m[3], version: m[4] };
}

/** The entries whose fullUrl is `url` (and whose versionId is `version`, when given). */
function matches(index: BundleIndex, url: string, version: string | undefined): number[] {
  const list = index.byFullUrl.get(url) ?? [];
  return version === undefined ? list : list.filter((i) => index.entries[i].versionId === version);
}

function outcome(found: number[], similar: number[]): Resolution {
  if (found.length === 1) return { status: 'found', entry: found[0] };
  if (found.length > 1) return { status: 'multiple', entries: found };
  return { status: 'not-found', similar };
}

/** Resolves `reference`, made by the resource of entry `from` (or by the Bundle itself), in the Bundle. */
export function resolveInBundle(index: BundleIndex, reference: string, from: number | undefined, isResourceType: (t: string) => boolean): Resolution {
  if (reference.startsWith('#')) return { status: 'local' };
  const hash = reference.indexOf('#');
  const ref = hash < 0 ? reference : reference.slice(0, hash);
  const parts = restfulParts(ref, isResourceType);
  const similar = parts === undefined ? [] : (index.byTypeId.get(`${parts.type}/${parts.id}`) ?? []).filter((i) => parts.version === undefined || index.entries[i].versionId === parts.version);
  if (ABSOLUTE.test(ref)) {
    const history = ref.indexOf('/_history/');
    const url = parts?.version !== undefined && history > 0 ? ref.slice(0, history) : ref;
    const found = matches(index, url, parts?.version);
    // an absolute reference has one meaning: entries with the same type and id elsewhere are not what it means
    return outcome(found, found.length === 0 && parts !== undefined ? similar.filter((i) => index.entries[i].fullUrl !== url) : []);
  }
  const transaction = index.type === 'transaction' || index.type === 'batch';
  const fullUrlOptional = transaction || index.type === 'transaction-response' || index.type === 'batch-response';
  if (parts === undefined) {
    const q = ref.indexOf('?');
    if (transaction && q > 0 && isResourceType(ref.slice(0, q))) return { status: 'not-found', similar: [] }; // a conditional reference, resolved by the server
    return { status: 'bad-format' };
  }
  // a reference made by the Bundle itself (its signature) is not about the entries
  if (from === undefined) return { status: 'not-found', similar: [] };
  const base = index.entries[from]?.fullUrl;
  if (base === undefined) return fullUrlOptional ? { status: 'not-found', similar: [] } : { status: 'no-base' };
  const root = restfulParts(base, isResourceType);
  if (root === undefined || root.root === '') return { status: 'not-found', similar };
  return outcome(matches(index, `${root.root}${parts.type}/${parts.id}`, parts.version), similar);
}

/** Names of uri elements that identify systems and definitions rather than link to resources. */
const NOT_LINKS = new Set(['Bundle.entry.fullUrl', 'Coding.system', 'Identifier.system', 'Meta.profile', 'Extension.url', 'Quantity.system', 'MessageHeader.source.endpoint', 'MessageHeader.destination.endpoint', 'Endpoint.address']);
const STOP_AT_BUNDLES = new Set(['Bundle']);

/**
 * The links of an entry's resource to other resources, with their locations (from `at`): the
 * `reference` of every Reference, and every uri or url value that is not a system, an extension
 * URL, a profile or an endpoint address. Local references (`#…`) are left out; so are Bundles
 * inside the resource (their entries are theirs).
 */
export function entryLinks(resource: Json, at: string): { value: string; at: string }[] {
  const out: { value: string; at: string }[] = [];
  visitStrings(
    resource,
    String(resource.resourceType),
    (s) => {
      if (s.value.startsWith('#')) return;
      const link = (s.key === 'reference' && s.type === 'string') || ((s.type === 'uri' || s.type === 'url') && s.key !== 'system' && !NOT_LINKS.has(s.modelPath));
      if (link) out.push({ value: s.value, at: s.at ?? at });
    },
    at,
    { stopAt: STOP_AT_BUNDLES },
  );
  return out;
}
