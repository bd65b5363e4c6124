import { FhirError } from '../fhir/errors.ts';
import { etagOf, readableResponse } from './versions.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext } from './types.ts';

/** GET [type]/[id]/_history/[vid]: any version ever written; a deletion version answers 410. */
export async function vread(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse> {
  const v = await db.readVersion(req.resourceType!, req.id!, Number(req.versionId));
  if (!v) throw new FhirError('not-found', `${req.resourceType}/${req.id} has no version ${req.versionId}`);
  if (v.deleted) {
    throw new FhirError('gone', `Version ${v.versionId} of ${req.resourceType}/${req.id} is its deletion`, { etag: etagOf(v.versionId) });
  }
  return readableResponse(ctx, db, v);
}
