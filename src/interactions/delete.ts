import { FhirError, operationOutcome } from '../fhir/errors.ts';
import { criteriaOf, matchCriteria } from './conditional.ts';
import { checkIfMatch, etagOf, saveDeletion } from './versions.ts';
import type { FhirRequest, FhirResponse, InteractionContext, StoreTx } from './types.ts';

function deleted(req: FhirRequest, message: string, etag?: string): FhirResponse {
  const outcome = operationOutcome([{ severity: 'information', code: 'informational', diagnostics: message }]);
  // 204 unless the client asked for an OperationOutcome
  if (req.prefer.return === 'OperationOutcome') return { status: 200, body: outcome, etag, outcome };
  return { status: 204, etag, outcome };
}

/** DELETE [type]/[id]: records a deletion version. Deleting what does not exist, or no longer does, succeeds and writes nothing. */
export async function del(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const current = await tx.readCurrentForUpdate(req.resourceType!, req.id!);
  checkIfMatch(req, current);
  if (!current) return deleted(req, `${req.resourceType}/${req.id} does not exist; nothing was deleted`);
  if (current.deleted) return deleted(req, `${req.resourceType}/${req.id} was already deleted`, etagOf(current.versionId));
  const v = await saveDeletion(ctx, tx, current);
  return deleted(req, `Deleted ${req.resourceType}/${req.id} (version ${v.versionId})`, etagOf(v.versionId));
}

/** DELETE [type]?criteria: in `single` mode several matches answer 412; in `multiple` mode all are deleted (up to the configured limit). */
export async function conditionalDelete(req: FhirRequest, ctx: InteractionContext, tx: StoreTx): Promise<FhirResponse> {
  const type = req.resourceType!;
  const limit = ctx.config.conditionalDelete === 'single' ? 1 : ctx.config.conditionalDeleteLimit;
  const ids = await matchCriteria(ctx, tx, type, criteriaOf(req.params), limit);
  if (ids.length > limit) {
    throw new FhirError(
      'too-many',
      ctx.config.conditionalDelete === 'single'
        ? `The conditional delete criteria match more than one ${type}; this server deletes only single matches`
        : `The conditional delete criteria match more than ${limit} ${type} resources; narrow the criteria`,
    );
  }
  for (const id of ids) {
    const current = (await tx.readCurrentForUpdate(type, id))!;
    await saveDeletion(ctx, tx, current);
  }
  return deleted(req, ids.length ? `Deleted ${ids.length} ${type} resource(s)` : `No ${type} matched; nothing was deleted`);
}
