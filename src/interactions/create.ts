import { randomUUID } from 'node:crypto';
import { FhirError } from '../fhir/errors.ts';
import { matchCriteria } from './conditional.ts';
import { existingResponse, parseETag, resourceBody, saveVersion, writeResponse } from './versions.ts';
import type { FhirRequest, FhirResponse, InteractionContext, StoreTx } from './types.ts';

/**
 * POST [type]: stores a new resource under a server-assigned id (any id in the body is ignored).
 * With If-None-Exist: one match answers 200 with it and writes nothing; several answer 412.
 */
export async function create(req: FhirRequest, ctx: InteractionContext, tx: StoreTx, assignedId?: string): Promise<FhirResponse> {
  const type = req.resourceType!;
  const resource = resourceBody(req, type);
  if (req.ifNoneExist !== undefined) {
    const ids = await matchCriteria(ctx, tx, type, req.ifNoneExist);
    if (ids.length > 1) throw new FhirError('too-many', `If-None-Exist "${req.ifNoneExist}" matches more than one ${type}`);
    if (ids.length === 1) {
      const res = await existingResponse(ctx, tx, type, ids[0]);
      return { ...res, location: `${req.baseUrl}/${type}/${ids[0]}/_history/${parseETag(res.etag!)}`, body: req.prefer.return === 'minimal' ? undefined : res.body };
    }
  }
  const id = assignedId ?? randomUUID();
  const v = await saveVersion(ctx, tx, resource, id, undefined, 'POST');
  return writeResponse(req, v, 201, `Created ${type}/${id}`);
}
