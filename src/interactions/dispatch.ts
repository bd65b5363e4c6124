/** The interaction table: every request, from HTTP or from a Bundle entry, goes through here. */
import { FhirError } from '../fhir/errors.ts';
import type { Interaction } from '../fhir/url.ts';
import { batchOrTransaction } from './batch.ts';
import { capabilities } from './capabilities.ts';
import { create } from './create.ts';
import { conditionalDelete, del } from './delete.ts';
import { history } from './history.ts';
import { conditionalPatch, patch } from './patch.ts';
import { read } from './read.ts';
import { conditionalUpdate, update } from './update.ts';
import { vread } from './vread.ts';
import { operation } from '../operations/index.ts';
import type { IndexRows, StoredVersion } from '../storage/index.ts';
import type { Db, FhirRequest, FhirResponse, InteractionContext, StoreTx } from './types.ts';

type Reader = (req: FhirRequest, ctx: InteractionContext, db: Db) => Promise<FhirResponse>;
type Writer = (req: FhirRequest, ctx: InteractionContext, tx: StoreTx) => Promise<FhirResponse>;

const search: Reader = (req, ctx, db) => {
  if (!ctx.search.search) throw new FhirError('unsupported', 'Search is not available on this server yet');
  return ctx.search.search(req, ctx, db);
};

const READS: Partial<Record<Interaction, Reader>> = {
  read,
  vread,
  'history-instance': history,
  'history-type': history,
  'history-system': history,
  'search-type': search,
  'search-system': search,
  'search-compartment': search,
  capabilities,
};

const WRITES: Partial<Record<Interaction, Writer>> = {
  create: (req, ctx, tx) => create(req, ctx, tx),
  update,
  'conditional-update': conditionalUpdate,
  patch,
  'conditional-patch': conditionalPatch,
  delete: del,
  'conditional-delete': conditionalDelete,
};

/** Runs one interaction against `db` (a write needs a transaction). */
export async function execute(req: FhirRequest, ctx: InteractionContext, db: Db): Promise<FhirResponse> {
  const reader = READS[req.interaction];
  if (reader) return reader(req, ctx, db);
  const writer = WRITES[req.interaction];
  if (writer) {
    if (!('writeVersion' in db)) throw new Error(`${req.interaction} needs a write transaction`);
    return writer(req, ctx, db as StoreTx);
  }
  if (req.interaction === 'operation') return operation(req, ctx, db);
  if (req.interaction === 'batch') throw new FhirError('incorrect', 'A batch or transaction may not be nested in another');
  throw new FhirError('unsupported', `The ${req.interaction} interaction is not supported`);
}

/**
 * Runs `fn` in one database transaction. If it writes a resource that changes how search works
 * (a SearchParameter, ValueSet or CodeSystem), the search engine reloads those once the
 * transaction has committed, so a rolled-back write leaves no phantom definition.
 */
export function inTransaction<T>(ctx: InteractionContext, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
  const types = ctx.search.definitionTypes;
  if (!types?.size || !ctx.search.refreshDefinitions) return ctx.store.transaction(fn);
  return ctx.store.transaction((tx) => {
    let hooked = false;
    // the transaction itself with writeVersion overridden (every other member is tx's own, through the prototype)
    const watched: StoreTx = Object.create(tx, {
      writeVersion: {
        value: (v: StoredVersion, index: IndexRows) => {
          if (!hooked && types.has(v.resourceType)) {
            hooked = true;
            tx.afterCommit(() => ctx.search.refreshDefinitions!(ctx.store));
          }
          return tx.writeVersion(v, index);
        },
      },
    });
    return fn(watched);
  });
}

/** Runs one top-level interaction: writes in their own database transaction, reads on a snapshot. */
export async function handle(req: FhirRequest, ctx: InteractionContext): Promise<FhirResponse> {
  if (req.interaction === 'batch') return batchOrTransaction(req, ctx);
  if (WRITES[req.interaction] || (req.interaction === 'operation' && req.method === 'POST')) {
    return inTransaction(ctx, (tx) => execute(req, ctx, tx));
  }
  return execute(req, ctx, ctx.store);
}

export function isWrite(interaction: Interaction): boolean {
  return WRITES[interaction] !== undefined;
}
