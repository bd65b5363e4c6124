/**
 * A transaction Bundle: one database transaction, all or nothing. Identities are resolved first
 * (server ids for POSTs, conditional matches), references rewritten, then entries run in the order
 * DELETE, POST, PUT/PATCH, GET/HEAD. Any failure rolls everything back and names the entry.
 */
import { randomUUID } from 'node:crypto';
import { FhirError } from '../fhir/errors.ts';
import { conditionalReferences, parseConditionalReference, rewriteReferences } from '../fhir/references.ts';
import { bundleBody, type BundleEntry } from './bundle-body.ts';
import { bundleOf, entryError, parseEntry, responseEntry, type ParsedEntry } from './bundle-entries.ts';
import { criteriaOf, matchCriteria } from './conditional.ts';
import { execute } from './dispatch.ts';
import { create } from './create.ts';
import { existingResponse, saveDeletion } from './versions.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource, StoreTx } from './types.ts';

const ORDER: Record<string, number> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

interface Planned extends ParsedEntry {
  /** For a POST whose If-None-Exist matched: the existing resource's id. */
  existingId?: string;
  /** For a POST: the id it will be created under. */
  newId?: string;
  /** For a conditional DELETE: the ids it deletes. */
  deleteIds?: string[];
}

export async function transaction(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const { entry } = bundleOf(req);
  const entries: Planned[] = entry.map((e, i) => parseEntry(req, e, i, (t) => ctx.defs.isResourceType(t)));
  for (const e of entries) {
    try {
      ctx.guard.authorize(e.request, ctx);
    } catch (err) {
      throw entryError(e.index, asError(err));
    }
  }
  const fullUrls = new Set<string>();
  for (const e of entries) {
    if (e.fullUrl === undefined) continue;
    if (fullUrls.has(e.fullUrl)) throw entryError(e.index, new FhirError('incorrect', `fullUrl ${e.fullUrl} appears more than once in the transaction`));
    fullUrls.add(e.fullUrl);
  }
  const map = new Map<string, string>();
  const identities = new Map<string, number>();
  const claim = (e: Planned, type: string, id: string) => {
    const key = `${type}/${id}`;
    const other = identities.get(key);
    if (other !== undefined) {
      throw entryError(e.index, new FhirError('incorrect', `${key} is also written by Bundle.entry[${other}]; a transaction may change each resource only once`));
    }
    identities.set(key, e.index);
  };
  const conditionalCreates = new Map<string, string>();
  // resolve in processing order, so that conditional creates do not match what this transaction deletes
  const deleted = new Set<string>();
  const ordered = [...entries].sort((a, b) => ORDER[a.request.method] - ORDER[b.request.method] || a.index - b.index);
  for (const e of ordered) {
    const r = e.request;
    try {
      if (r.method === 'POST' && r.interaction === 'create') {
        if (r.ifNoneExist !== undefined) {
          const key = `${r.resourceType}?${r.ifNoneExist}`;
          const ids = (await matchCriteria(ctx, tx, r.resourceType!, rewriteCriteria(r.ifNoneExist, map))).filter((id) => !deleted.has(`${r.resourceType}/${id}`));
          if (ids.length > 1) throw new FhirError('too-many', `If-None-Exist "${r.ifNoneExist}" matches more than one ${r.resourceType}`);
          e.existingId = ids[0] ?? conditionalCreates.get(key);
          if (e.existingId === undefined) conditionalCreates.set(key, (e.newId = randomUUID()));
        } else e.newId = randomUUID();
        if (e.newId) claim(e, r.resourceType!, e.newId);
        if (e.fullUrl) map.set(e.fullUrl, `${r.resourceType}/${e.existingId ?? e.newId}`);
      } else if (r.interaction === 'conditional-update') {
        const ids = await matchCriteria(ctx, tx, r.resourceType!, rewriteCriteria(criteriaOf(r.params), map));
        if (ids.length > 1) throw new FhirError('too-many', `The conditional update criteria match more than one ${r.resourceType}`);
        const bodyId = (r.body as Resource | undefined)?.id;
        if (ids.length === 1 && bodyId !== undefined && bodyId !== ids[0]) {
          throw new FhirError('incorrect', `The id in the body (${String(bodyId)}) differs from the ${r.resourceType} the criteria match (${ids[0]})`);
        }
        e.request = { ...r, interaction: 'update', id: ids[0] ?? (typeof bodyId === 'string' ? bodyId : randomUUID()), params: [] };
        claim(e, r.resourceType!, e.request.id!);
        if (e.fullUrl) map.set(e.fullUrl, `${r.resourceType}/${e.request.id}`);
      } else if (r.interaction === 'conditional-delete' || r.interaction === 'conditional-patch') {
        const single = r.interaction === 'conditional-patch' || ctx.config.conditionalDelete === 'single';
        const limit = single ? 1 : ctx.config.conditionalDeleteLimit;
        const ids = await matchCriteria(ctx, tx, r.resourceType!, rewriteCriteria(criteriaOf(r.params), map), limit);
        if (ids.length > limit) throw new FhirError('too-many', `The conditional criteria match more than ${limit} ${r.resourceType}`);
        if (r.interaction === 'conditional-patch') {
          if (!ids.length) throw new FhirError('not-found', `No ${r.resourceType} matches the conditional patch criteria`);
          e.request = { ...r, interaction: 'patch', id: ids[0], params: [] };
        } else e.deleteIds = ids;
        for (const id of ids) claim(e, r.resourceType!, id);
        if (r.interaction === 'conditional-delete') for (const id of ids) deleted.add(`${r.resourceType}/${id}`);
      } else if (r.interaction === 'update' || r.interaction === 'patch' || r.interaction === 'delete') {
        claim(e, r.resourceType!, r.id!);
        if (r.interaction === 'delete') deleted.add(`${r.resourceType}/${r.id}`);
        if (e.fullUrl && r.interaction === 'update') map.set(e.fullUrl, `${r.resourceType}/${r.id}`);
      } else if (!['read', 'vread', 'search-type', 'search-system', 'search-compartment', 'history-instance', 'history-type', 'history-system', 'capabilities', 'operation'].includes(r.interaction)) {
        throw new FhirError('incorrect', `${r.method} ${r.interaction} is not allowed in a transaction`);
      }
    } catch (err) {
      throw err instanceof FhirError && err.message.startsWith('Bundle.entry[') ? err : entryError(e.index, asError(err));
    }
  }
  await resolveConditionalReferences(ctx, tx, entries, map);
  const responses: BundleEntry[] = new Array(entries.length);
  for (const e of ordered) {
    try {
      const r = { ...e.request, body: rewriteReferences(e.request.body, map) };
      let res: FhirResponse;
      if (e.existingId !== undefined) res = await existingResponse(ctx, tx, r.resourceType!, e.existingId);
      else if (e.newId !== undefined) res = await create({ ...r, ifNoneExist: undefined }, ctx, tx, e.newId);
      else if (e.deleteIds !== undefined) {
        for (const id of e.deleteIds) await saveDeletion(ctx, tx, (await tx.readCurrentForUpdate(r.resourceType!, id))!);
        res = { status: 204 };
      } else res = await execute(r, ctx, tx);
      responses[e.index] = responseEntry(res, ctx);
      if (e.existingId !== undefined) responses[e.index].response!.location = `${req.baseUrl}/${r.resourceType}/${e.existingId}`;
    } catch (err) {
      throw entryError(e.index, asError(err));
    }
  }
  return { status: 200, body: bundleBody('transaction-response', responses) };
}

function asError(err: unknown): FhirError {
  if (err instanceof FhirError) return err;
  throw err;
}

function rewriteCriteria<T extends string | [string, string][]>(criteria: T, map: Map<string, string>): T {
  if (typeof criteria === 'string') {
    return criteria.split('&').map((p) => { const [k, v = ''] = p.split('='); const d = decodeURIComponent(v); return map.has(d) ? `${k}=${encodeURIComponent(map.get(d)!)}` : p; }).join('&') as T;
  }
  return (criteria as [string, string][]).map(([k, v]) => [k, map.get(v) ?? v]) as T;
}

/** `Patient?identifier=...` references must each match exactly one resource. */
async function resolveConditionalReferences(ctx: InteractionContext, tx: StoreTx, entries: Planned[], map: Map<string, string>): Promise<void> {
  for (const e of entries) {
    for (const ref of conditionalReferences(e.request.body)) {
      if (map.has(ref)) continue;
      const { resourceType, query } = parseConditionalReference(ref)!;
      try {
        if (!ctx.defs.isResourceType(resourceType)) throw new FhirError('incorrect', `Conditional reference ${ref} names an unknown resource type`);
        const ids = await matchCriteria(ctx, tx, resourceType, rewriteCriteria(query, map));
        if (ids.length !== 1) {
          throw new FhirError('precondition-failed', `Conditional reference ${ref} matches ${ids.length ? 'more than one' : 'no'} ${resourceType}; it must match exactly one`);
        }
        map.set(ref, `${resourceType}/${ids[0]}`);
      } catch (err) {
        throw entryError(e.index, asError(err));
      }
    }
  }
}
