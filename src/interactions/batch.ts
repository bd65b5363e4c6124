/** A batch Bundle: each entry is its own interaction in its own database transaction; failures are reported per entry. */
import { FhirError, asFhirError } from '../fhir/errors.ts';
import { bundleBody, type BundleEntry } from './bundle-body.ts';
import { bundleOf, errorEntry, parseEntry, responseEntry } from './bundle-entries.ts';
import { handle, inTransaction } from './dispatch.ts';
import { transaction } from './transaction.ts';
import type { FhirRequest, FhirResponse, InteractionContext } from './types.ts';

/** POST [base] with a Bundle: a batch here, or a transaction handed on. */
export async function batchOrTransaction(req: FhirRequest, ctx: InteractionContext): Promise<FhirResponse> {
  const { type, entry } = bundleOf(req);
  if (type === 'transaction') return inTransaction(ctx, (tx) => transaction(req, ctx, tx));
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
