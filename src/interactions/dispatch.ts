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
import type { AuditInput, Db, FhirRequest, FhirResponse, InteractionContext, StoreTx } from './types.ts';
import { Trail } from '../access/trail.ts';
import { auditEventInteraction } from '../audit/index.ts';

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
  ctx.guard.authorize(req, ctx);
  // AuditEvents live in their own append-only table (audit/), not among the resources
  if (req.resourceType === 'AuditEvent' && req.interaction !== 'operation') {
    await ctx.audit.flush(); // the log as of this request
    return auditEventInteraction(req, ctx, db);
  }
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
 * (a SearchParameter, ValueSet or CodeSystem) or who may see what (a Consent, PractitionerRole …),
 * the search engine or access policy reloads once the transaction has committed, so a
 * rolled-back write leaves no phantom definition.
 */
export function inTransaction<T>(ctx: InteractionContext, fn: (tx: StoreTx) => Promise<T>): Promise<T> {
  const definitions = ctx.search.definitionTypes;
  return ctx.store.transaction((tx) => {
    const hooked = new Set<string>();
    // the transaction itself with writeVersion overridden (every other member is tx's own, through the prototype)
    const watched: StoreTx = Object.create(tx, {
      writeVersion: {
        value: (v: StoredVersion, index: IndexRows) => {
          const type = v.resourceType;
          if (!hooked.has(type)) {
            hooked.add(type);
            if (definitions?.has(type) && ctx.search.refreshDefinitions) tx.afterCommit(() => ctx.search.refreshDefinitions!(ctx.store));
            if (POLICY_TYPES.has(type)) tx.afterCommit(() => ctx.guard.policy.changed(type));
          }
          return tx.writeVersion(v, index);
        },
      },
    });
    return fn(watched);
  });
}

/** Resources whose change alters who may see what (cached by the access policy). */
const POLICY_TYPES = new Set(['Consent', 'PractitionerRole', 'Practitioner', 'Organization']);

/**
 * Runs one top-level interaction (or batch entry) and audits it: a write in its own database
 * transaction with its AuditEvent inside it, a read on a snapshot with its AuditEvent durable
 * before the answer leaves. A failure is audited too, after its rollback.
 */
export async function handle(req: FhirRequest, base: InteractionContext): Promise<FhirResponse> {
  if (req.interaction === 'batch') return batchOrTransaction(req, base);
  const ctx: InteractionContext = Object.assign({}, base, { trail: new Trail() }); // not a spread: cheaper on every request
  try {
    if (WRITES[req.interaction] || (req.interaction === 'operation' && req.method === 'POST')) {
      return await auditedWrite(req, ctx, (tx) => execute(req, ctx, tx));
    }
    const res = await execute(req, ctx, ctx.store);
    await ctx.audit.recordSoon(auditInput(req, ctx, res.status));
    return res;
  } catch (err) {
    await auditFailure(req, ctx, err);
    throw err;
  }
}

/** Runs `fn` in one database transaction that also holds the request's AuditEvent. */
export function auditedWrite(req: FhirRequest, ctx: InteractionContext, fn: (tx: StoreTx) => Promise<FhirResponse>): Promise<FhirResponse> {
  return inTransaction(ctx, async (tx) => {
    ctx.trail = new Trail(); // a retried attempt starts afresh
    const res = await fn(tx);
    await ctx.audit.recordInTx(tx, auditInput(req, ctx, res.status));
    return res;
  });
}

/** Audits a request that failed (after its transaction, if any, rolled back). */
export async function auditFailure(req: FhirRequest, ctx: InteractionContext, err: unknown): Promise<void> {
  const e = err instanceof FhirError ? err : undefined;
  const input = auditInput(req, ctx, e?.status ?? 500, e?.message ?? 'internal error');
  // a refused read is audited like a read; a failed write waits until its event is stored
  await (READS[req.interaction] ? ctx.audit.recordSoon(input) : ctx.audit.record(input));
}

export function auditInput(req: FhirRequest, ctx: InteractionContext, status: number, message?: string): AuditInput {
  const trail = ctx.trail;
  const entities = trail ? [...trail.entities] : [];
  return {
    access: ctx.access,
    interaction: req.interaction,
    method: req.method,
    operation: req.operation,
    resourceType: req.resourceType,
    id: req.id,
    versionId: req.versionId,
    query: req.params.length ? new URLSearchParams(req.params).toString() : undefined,
    patients: trail ? [...trail.patients] : [],
    entities,
    entitiesOmitted: trail?.more || undefined,
    status,
    message,
    breakGlass: trail?.breakGlass,
    recorded: ctx.now(),
  };
}

export function isWrite(interaction: Interaction): boolean {
  return WRITES[interaction] !== undefined;
}
