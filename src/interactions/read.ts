import { FhirError } from '../fhir/errors.ts';
import { parseETag, versionResponse } from './versions.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext, Resource } from './types.ts';

/** GET [type]/[id]: the current version; 410 once deleted; 304 for a matching If-None-Match / If-Modified-Since. */
export async function read(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse> {
  const v = await db.readCurrent(req.resourceType!, req.id!);
  if (!v) throw new FhirError('not-found', `${req.resourceType}/${req.id} is not known`);
  if (v.deleted) throw new FhirError('gone', `${req.resourceType}/${req.id} was deleted (version ${v.versionId})`);
  await ctx.guard.check(ctx, db, JSON.parse(v.json!) as Resource);
  if (req.ifNoneMatch !== undefined && req.ifNoneMatch.trim() !== '*' && parseETag(req.ifNoneMatch) === v.versionId) {
    return { ...versionResponse(v), status: 304, body: undefined };
  }
  if (req.ifModifiedSince !== undefined) {
    const since = Date.parse(req.ifModifiedSince);
    if (!Number.isNaN(since) && Math.floor(v.lastUpdated / 1000) * 1000 <= since) return { ...versionResponse(v), status: 304, body: undefined };
  }
  return versionResponse(v);
}
