/** $validate (https://hl7.org/fhir/R4/resource-operation-validate.html): checks a resource without storing it. */
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import type { Resource } from '../interactions/types.ts';
import type { OperationHandler } from './index.ts';

interface Input {
  resource?: Resource;
  profile?: string;
}

/** The resource to check, and the profile to check it against: from a Parameters body, a plain resource, or the query. */
function inputOf(body: unknown, params: [string, string][]): Input {
  const fromQuery = params.find(([n]) => n === 'profile')?.[1];
  const b = body as Resource | undefined;
  if (b === undefined) return { profile: fromQuery };
  if (!b || typeof b !== 'object' || Array.isArray(b)) throw new FhirError('incorrect', '$validate needs a resource, or a Parameters resource with a "resource" parameter');
  if (b.resourceType === 'Parameters' && Array.isArray(b.parameter)) {
    const parts = b.parameter as { name?: string; resource?: Resource; valueUri?: string; valueCanonical?: string }[];
    const profile = parts.find((x) => x.name === 'profile');
    return { resource: parts.find((x) => x.name === 'resource')?.resource, profile: profile?.valueUri ?? profile?.valueCanonical ?? fromQuery };
  }
  return { resource: b, profile: fromQuery };
}

export const validateOperation: OperationHandler = {
  name: 'validate',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  async run(req, ctx, db) {
    const input = inputOf(req.body, req.params);
    let resource = input.resource;
    if (!resource) {
      if (!req.id) throw new FhirError('incorrect', '$validate at type level needs a resource in the body');
      const v = await db.readCurrent(req.resourceType!, req.id);
      if (!v || v.deleted) throw new FhirError('not-found', `${req.resourceType}/${req.id} is not known`);
      resource = JSON.parse(v.json!) as Resource;
    }
    if (req.resourceType && resource.resourceType !== req.resourceType) {
      throw new FhirError('incorrect', `The resource is a ${String(resource.resourceType)} but the URL names ${req.resourceType}`);
    }
    const issues = ctx.validator.validate(resource, { profile: input.profile });
    const outcome = operationOutcome(
      issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'No issues were found' }],
    );
    return { status: 200, body: outcome };
  },
};
