import { FhirError } from '../fhir/errors.ts';
import { parseFhirJson } from '../fhir/json.ts';
import { applyFhirPathPatch, applyJsonPatch } from '../fhir/patch/index.ts';
import { criteriaOf, matchCriteria } from './conditional.ts';
import { updateWith } from './update.ts';
import { checkIfMatch } from './versions.ts';
import type { FhirRequest, FhirResponse, InteractionContext, Resource, StoreTx } from './types.ts';

/** PATCH [type]/[id] with a JSON Patch document or a FHIRPath Patch Parameters resource. */
export async function patch(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const current = await tx.readCurrentForUpdate(req.resourceType!, req.id!);
  if (!current) throw new FhirError('not-found', `${req.resourceType}/${req.id} is not known`);
  if (current.deleted) throw new FhirError('gone', `${req.resourceType}/${req.id} was deleted`);
  checkIfMatch(req, current);
  const before = parseFhirJson(current.json!) as Resource;
  const after = applyPatch(req, ctx, before);
  if (after.resourceType !== before.resourceType) throw new FhirError('unprocessable', 'A patch may not change resourceType', { expression: ['resourceType'] });
  if (after.id !== before.id) throw new FhirError('unprocessable', 'A patch may not change the id', { expression: ['id'] });
  return updateWith(req, ctx, tx, after, 'PATCH');
}

function applyPatch(req: FhirRequest, ctx: InteractionContext, resource: Resource): Resource {
  if (req.bodyType === 'json-patch') return applyJsonPatch(resource, req.body) as Resource;
  const body = req.body as { resourceType?: unknown } | undefined;
  if (body && typeof body === 'object' && body.resourceType === 'Parameters') return applyFhirPathPatch(resource, body, ctx.defs) as Resource;
  throw new FhirError(
    'unsupported-media',
    'A PATCH body must be a JSON Patch document (Content-Type: application/json-patch+json) or a FHIRPath Patch Parameters resource (application/fhir+json)',
  );
}

/** PATCH [type]?criteria: exactly one match is patched. */
export async function conditionalPatch(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const ids = await matchCriteria(ctx, tx, req.resourceType!, criteriaOf(req.params));
  if (ids.length === 0) throw new FhirError('not-found', `No ${req.resourceType} matches the conditional patch criteria`);
  if (ids.length > 1) throw new FhirError('too-many', `The conditional patch criteria match more than one ${req.resourceType}`);
  return patch({ ...req, id: ids[0] }, ctx, tx);
}
