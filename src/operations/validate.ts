/** $validate (https://hl7.org/fhir/R4/resource-operation-validate.html): checks a resource without storing it. */
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import type { Resource } from '../interactions/types.ts';
import type { OperationHandler } from './index.ts';

function resourceOf(body: unknown): Resource {
  const b = body as Resource | undefined;
  if (!b || typeof b !== 'object') throw new FhirError('incorrect', '$validate needs a resource, or a Parameters resource with a "resource" parameter');
  if (b.resourceType === 'Parameters' && Array.isArray(b.parameter)) {
    const p = (b.parameter as { name?: string; resource?: Resource }[]).find((x) => x.name === 'resource');
    if (p?.resource) return p.resource;
  }
  return b;
}

export const validateOperation: OperationHandler = {
  name: 'validate',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  async run(req, ctx, db) {
    let resource: Resource;
    if (req.method === 'GET') {
      if (!req.id) throw new FhirError('incorrect', '$validate at type level needs a resource in a POST body');
      const v = await db.readCurrent(req.resourceType!, req.id);
      if (!v || v.deleted) throw new FhirError('not-found', `${req.resourceType}/${req.id} is not known`);
      resource = JSON.parse(v.json!) as Resource;
    } else resource = resourceOf(req.body);
    if (req.resourceType && resource.resourceType !== req.resourceType) {
      throw new FhirError('incorrect', `The resource is a ${String(resource.resourceType)} but the URL names ${req.resourceType}`);
    }
    const issues = ctx.validator.validate(resource);
    const outcome = operationOutcome(
      issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'No issues were found' }],
    );
    return { status: 200, body: outcome };
  },
};
