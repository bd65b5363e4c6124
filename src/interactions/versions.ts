/** Writing a new version of a resource, and answering with one: shared by every write interaction. */
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import { stringifyFhirJson } from '../fhir/json.ts';
import type { IndexRows, StoredVersion } from '../storage/index.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext, Resource, StoreTx } from './types.ts';

export function etagOf(versionId: number): string {
  return `W/"${versionId}"`;
}

let lastMs = NaN;
let lastInstant = '';

export function instant(ms: number): string {
  // the entries of a transaction share their instant, or nearly: one conversion serves them all
  if (ms !== lastMs) (lastMs = ms), (lastInstant = new Date(ms).toISOString());
  return lastInstant;
}

export function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/** Parses `W/"3"` or `"3"` or `3` into a version number. */
export function parseETag(value: string): number {
  const m = /^(?:W\/)?"?([0-9]+)"?$/.exec(value.trim());
  if (!m) throw new FhirError('incorrect', `"${value}" is not a version ETag such as W/"3"`);
  return Number(m[1]);
}

/** 412 unless the current version is the one If-Match names. */
export function checkIfMatch(req: FhirRequest, current: StoredVersion | undefined): void {
  if (req.ifMatch === undefined) return;
  const wanted = parseETag(req.ifMatch);
  if (!current || current.deleted) {
    throw new FhirError('precondition-failed', `If-Match names version ${wanted} of ${req.resourceType}/${req.id}, which has no current version`);
  }
  if (current.versionId !== wanted) {
    throw new FhirError(
      'precondition-failed',
      `Version conflict: If-Match names version ${wanted} but ${current.resourceType}/${current.id} is at version ${current.versionId}`,
    );
  }
}

/** The body as a resource of the expected type, or a 400. */
export function resourceBody(req: FhirRequest, type: string): Resource {
  const body = req.body;
  if (body === undefined || body === null) throw new FhirError('incorrect', `A ${type} resource is required in the request body`);
  if (typeof body !== 'object' || Array.isArray(body)) throw new FhirError('incorrect', 'The request body must be a JSON object holding a FHIR resource');
  const resource = body as Resource;
  if (typeof resource.resourceType !== 'string') throw new FhirError('incorrect', 'The resource has no resourceType', { expression: ['resourceType'] });
  if (resource.resourceType !== type) {
    throw new FhirError('incorrect', `The resource is a ${resource.resourceType} but the URL names ${type}`, { expression: ['resourceType'] });
  }
  return resource;
}

/** Validates a resource about to be stored; 422 with every issue found. */
export function validateForWrite(ctx: InteractionContext, resource: Resource): void {
  const issues = ctx.validator.validate(resource, { core: ctx.config.validateCoreOnWrite }).filter((i) => i.severity === 'error' || i.severity === 'fatal');
  if (issues.length) {
    throw new FhirError('unprocessable', issues[0].diagnostics ?? 'The resource is not valid', { issues });
  }
}

/**
 * Stores `resource` as the next version of its id, after `previous` (if any).
 * Sets id and meta.versionId/lastUpdated, validates, indexes, writes and queues the event.
 */
export async function saveVersion(
  ctx: InteractionContext,
  tx: StoreTx,
  resource: Resource,
  id: string,
  previous: StoredVersion | undefined,
  method: 'POST' | 'PUT' | 'PATCH',
): Promise<StoredVersion> {
  const versionId = (previous?.versionId ?? 0) + 1;
  const lastUpdated = Math.max(ctx.now(), (previous?.lastUpdated ?? 0) + 1);
  const meta = { ...(resource.meta ?? {}), versionId: String(versionId), lastUpdated: instant(lastUpdated) };
  // id and meta first, as FHIR's own JSON examples order them
  const { resourceType, id: _ignored, meta: _meta, ...rest } = resource;
  const stored: Resource = { resourceType, id, meta, ...rest };
  validateForWrite(ctx, stored);
  const index = ctx.search.index(stored);
  await checkPrevious(ctx, tx, previous);
  await ctx.guard.check(ctx, tx, stored, patientsIn(index), 'write');
  const version: StoredVersion = {
    resourceType,
    id,
    versionId,
    lastUpdated,
    deleted: false,
    json: stringifyFhirJson(stored),
    method,
  };
  await tx.writeVersion(version, index);
  await tx.appendOutbox({ resourceType, id, versionId, event: previous && !previous.deleted ? 'update' : 'create' });
  return version;
}

/** The caller must be allowed to see (and so change) the version a write replaces. */
async function checkPrevious(ctx: InteractionContext, tx: StoreTx, previous: StoredVersion | undefined): Promise<void> {
  if (previous && !previous.deleted && ctx.access.mode !== 'open') await ctx.guard.check(ctx, tx, JSON.parse(previous.json!) as Resource, undefined, 'write');
}

function patientsIn(index: IndexRows): string[] {
  return (index.compartment ?? []).filter((c) => c.param === 'Patient').map((c) => c.compartmentId);
}

/** Checks access to a stored version being read, then answers with it. */
export async function readableResponse(ctx: InteractionContext, db: Db, v: StoredVersion): Promise<FhirResponse> {
  await ctx.guard.check(ctx, db, JSON.parse(v.json!) as Resource);
  return versionResponse(v);
}

/** The current version of a resource a conditional create matched, if the caller may see it. */
export async function existingResponse(ctx: InteractionContext, db: Db, type: string, id: string): Promise<FhirResponse> {
  return readableResponse(ctx, db, (await db.readCurrent(type, id))!);
}

export async function saveDeletion(ctx: InteractionContext, tx: StoreTx, previous: StoredVersion): Promise<StoredVersion> {
  // checked (and named, with its patients, in the audit trail) in every mode: deletions are rare
  await ctx.guard.check(ctx, tx, JSON.parse(previous.json!) as Resource, undefined, 'write');
  const version: StoredVersion = {
    resourceType: previous.resourceType,
    id: previous.id,
    versionId: previous.versionId + 1,
    lastUpdated: Math.max(ctx.now(), previous.lastUpdated + 1),
    deleted: true,
    json: null,
    method: 'DELETE',
  };
  await tx.writeVersion(version, {});
  await tx.appendOutbox({ resourceType: version.resourceType, id: version.id, versionId: version.versionId, event: 'delete' });
  return version;
}

export function locationOf(req: FhirRequest, v: StoredVersion): string {
  return `${req.baseUrl}/${v.resourceType}/${v.id}/_history/${v.versionId}`;
}

/** The answer to a successful write, shaped by `Prefer: return=`. */
export function writeResponse(req: FhirRequest, v: StoredVersion, status: number, message: string): FhirResponse {
  const res: FhirResponse = { status, location: locationOf(req, v), etag: etagOf(v.versionId), lastModified: v.lastUpdated };
  const outcome = operationOutcome([{ severity: 'information', code: 'informational', diagnostics: message }]);
  res.outcome = outcome;
  switch (req.prefer.return) {
    case 'minimal':
      return res;
    case 'OperationOutcome':
      res.body = outcome;
      return res;
    default:
      res.body = v.json === null ? undefined : { raw: v.json };
      return res;
  }
}

/** The answer to a read: the stored version as it is. */
export function versionResponse(v: StoredVersion): FhirResponse {
  return { status: 200, body: { raw: v.json ?? '{}' }, etag: etagOf(v.versionId), lastModified: v.lastUpdated };
}
