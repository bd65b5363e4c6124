/**
 * `$access-log` (`GET [base]/Patient/[id]/$access-log`): who accessed this patient's record —
 * when, who, from which organisation, for what purpose and what they did, in plain words,
 * every break-glass with its reason, newest first, paged (`_count`, `date`, `next` links).
 * A searchset Bundle of the AuditEvents, each with its summary as narrative and extension
 * (see audit/access-log.ts and docs/audit.md). Who may call it is enforced before it runs.
 */
import { accessLog } from '../audit/index.ts';
import type { OperationHandler } from './index.ts';

export const accessLogOperation: OperationHandler = {
  name: 'access-log',
  system: false,
  type: false,
  instance: true,
  affectsState: false,
  definition: 'http://meridian.nhs.uk/fhir/OperationDefinition/access-log',
  async run(req, ctx, db) {
    // the caller must be allowed to see this patient's record: the patient themselves, their clinicians
    await ctx.guard.checkPatient(ctx, db, req.id!);
    await ctx.audit.flush(); // every access up to this request is in the log
    return accessLog(req, ctx, db);
  },
};
