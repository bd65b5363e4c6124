/** A batch Bundle: each entry is its own interaction in its own database transaction; failures are reported per entry. */
import { FhirError, asFhirError } from '../fhir/errors.ts';
import { bundleBody, type BundleEntry } from './bundle-body.ts';
import { bundleOf, errorEntry, parseEntry, responseEntry } from './bundle-entries.ts';
import { auditedWrite, auditFailure, handle } from './dispatch.ts';
import { Trail } from '../access/trail.ts';
import { transaction } from './transaction.ts';
import type { FhirRequest, FhirResponse, InteractionContext } from './types.ts';

/** POST [base] with a Bundle: a batch here, or a transaction handed on. */
export async function batchOrTransaction(req: FhirRequest, ctx: InteractionContext): Promise<FhirResponse> {
  const { type, entry } = bundleOf(req);
  if (type === 'transaction') {
    // one interaction, one AuditEvent naming every patient and resource it touched
    const audited: InteractionContext = { ...ctx, trail: new Trail() };
    const asTransaction: FhirRequest = { ...req, interaction: 'transaction' };
    try {
      return await auditedWrite(asTransaction, audited, (tx) => transaction(req, audited, tx));
    } catch (err) {
      await auditFailure(asTransaction, audited, err);
      throw err;
    }
  }
  if (type !== 'batch') throw new FhirError('incorrect', `POST to the base URL takes a Bundle of type batch or transaction, not ${type}`, { expression: ['Bundle.type'] });
  const responses: BundleEntry[] = [];
  for (let i = 0; i < entry.length; i++) {
    try {
      const { request } = parseEntry(req, entry[i], i, (t) => ctx.defs.isResourceType(t));
      responses.push(responseEntry(await handle(request, ctx), ctx));
    } catch (err) {
      responses.push(errorEntry(asFhirError(err)));
    }
  }
  return { status: 200, body: bundleBody('batch-response', responses) };
}
