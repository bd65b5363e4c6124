/**
 * `$break-glass` (`POST [base]/Patient/[id]/$break-glass`, a Parameters body with `reason`): a
 * clinician without a care relationship asks for time-limited access to one patient's record in
 * an emergency. The grant is recorded with its reason in the same transaction as an AuditEvent
 * flagged as break-glass, and shows in the patient's `$access-log`.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Resource, StoreTx } from '../interactions/types.ts';
import type { OperationHandler } from './index.ts';

function reasonOf(body: unknown): unknown {
  const b = body as Resource | undefined;
  if (b?.resourceType !== 'Parameters') throw new FhirError('incorrect', '$break-glass needs a Parameters body with a "reason" (valueString)');
  const p = (Array.isArray(b.parameter) ? b.parameter : []) as { name?: string; valueString?: unknown }[];
  return p.find((x) => x.name === 'reason')?.valueString;
}

export const breakGlassOperation: OperationHandler = {
  name: 'break-glass',
  system: false,
  type: false,
  instance: true,
  affectsState: true,
  definition: 'http://meridian.nhs.uk/fhir/OperationDefinition/break-glass',
  async run(req, ctx, db) {
    if (req.resourceType !== 'Patient') throw new FhirError('incorrect', '$break-glass is invoked on a Patient: POST [base]/Patient/[id]/$break-glass');
    const grant = await ctx.guard.policy.breakGlass.grant(db as StoreTx, ctx.access, req.id!, reasonOf(req.body) as string);
    ctx.trail?.touch(`Patient/${req.id}`, [req.id!]);
    if (ctx.trail) ctx.trail.breakGlass = { reason: grant.reason };
    const body: Resource = {
      resourceType: 'Parameters',
      parameter: [
        { name: 'patient', valueReference: { reference: `Patient/${req.id}` } },
        { name: 'reason', valueString: grant.reason },
        { name: 'granted', valueInstant: new Date(grant.granted).toISOString() },
        { name: 'expires', valueInstant: new Date(grant.expires).toISOString() },
        { name: 'notice', valueString: 'This access is recorded, shown to the patient and reviewed. Use it only for the care of this patient.' },
      ],
    };
    return { status: 200, body };
  },
};
