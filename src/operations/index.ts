/** $operations: each in its own file, registered here with its OperationDefinition name. */
import { FhirError } from '../fhir/errors.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext } from '../interactions/types.ts';
import { validateOperation } from './validate.ts';
import { reindexOperation, reindexStatusOperation } from './reindex.ts';
import { expandOperation } from './expand.ts';
import { validateCodeOperation } from './validate-code.ts';
import { lookupOperation } from './lookup.ts';
import { subsumesOperation } from './subsumes.ts';
import { translateOperation } from './translate.ts';
import { accessLogOperation } from './access-log.ts';
import { breakGlassOperation } from './break-glass.ts';

export interface OperationHandler {
  name: string;
  /** Levels it runs at. */
  system: boolean;
  type: boolean;
  instance: boolean;
  /** Whether it may change data (then POST only). */
  affectsState: boolean;
  definition: string;
  run(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse>;
}

export const OPERATIONS: OperationHandler[] = [
  validateOperation,
  expandOperation,
  validateCodeOperation,
  lookupOperation,
  subsumesOperation,
  translateOperation,
  reindexOperation,
  reindexStatusOperation,
  accessLogOperation,
  breakGlassOperation,
];

export async function operation(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse> {
  const op = OPERATIONS.find((o) => o.name === req.operation);
  if (!op) throw new FhirError('not-found', `The operation $${req.operation} is not known to this server`, { code: 'not-supported' });
  const level = req.id !== undefined ? 'instance' : req.resourceType !== undefined ? 'type' : 'system';
  if (!op[level]) throw new FhirError('incorrect', `$${op.name} cannot be invoked at ${level} level`);
  if (op.affectsState && req.method !== 'POST') throw new FhirError('not-allowed', `$${op.name} changes data and must be invoked with POST`);
  return op.run(req, ctx, db);
}
