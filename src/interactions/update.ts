import { FhirError } from '../fhir/errors.ts';
import { criteriaOf, matchCriteria } from './conditional.ts';
import { create } from './create.ts';
import { checkIfMatch, resourceBody, saveVersion, writeResponse } from './versions.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource, StoreTx } from './types.ts';

/** PUT [type]/[id]: a new version, or update-as-create with the client's id. If-Match makes it version-aware. */
export async function update(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const type = req.resourceType!;
  const resource = resourceBody(req, type);
  if (resource.id === undefined) throw new FhirError('incorrect', `The ${type} in the body has no id; an update needs the id of the URL (${req.id})`, { expression: ['id'] });
  if (resource.id !== req.id) throw new FhirError('incorrect', `The id in the body (${String(resource.id)}) differs from the id in the URL (${req.id})`, { expression: ['id'] });
  return updateWith(req, ctx, tx, resource, 'PUT');
}

export async function updateWith(req: FhirRequest, ctx: InteractionContext, tx: StoreTx, resource: Resource, method: 'PUT' | 'PATCH'): Promise<FhirResponse> {
  const current = await tx.readCurrentForUpdate(req.resourceType!, req.id!);
  checkIfMatch(req, current);
  const v = await saveVersion(ctx, tx, resource, req.id!, current, method);
  const created = !current || current.deleted;
  return writeResponse(req, v, created ? 201 : 200, `${created ? 'Created' : 'Updated'} ${v.resourceType}/${v.id} (version ${v.versionId})`);
}

/** PUT [type]?criteria: no match creates, one match updates it, several answer 412. */
export async function conditionalUpdate(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const type = req.resourceType!;
  const resource = resourceBody(req, type);
  const ids = await matchCriteria(ctx, tx, type, criteriaOf(req.params));
  if (ids.length > 1) throw new FhirError('too-many', `The conditional update criteria match more than one ${type}`);
  if (ids.length === 1) {
    if (resource.id !== undefined && resource.id !== ids[0]) {
      throw new FhirError('incorrect', `The id in the body (${String(resource.id)}) differs from the ${type} the criteria match (${ids[0]})`, { expression: ['id'] });
    }
    return updateWith({ ...req, id: ids[0] }, ctx, tx, resource, 'PUT');
  }
  if (resource.id !== undefined) return updateWith({ ...req, id: String(resource.id) }, ctx, tx, resource, 'PUT');
  return create({ ...req, ifNoneExist: undefined }, ctx, tx);
}
