/**
 * `$reindex` (`POST [base]/$reindex`, `POST [base]/[type]/$reindex`): re-extracts the search index
 * rows of existing resources with the search parameters in use now (after a SearchParameter was
 * added or changed), as a background job. Answers 202 Accepted with `Content-Location` naming
 * `$reindex-status?job=…`, which reports the job's status and progress.
 */
import { FhirError, operationOutcome } from '../fhir/errors.ts';
import type { InteractionContext, JobState, Resource, StoreTx } from '../interactions/types.ts';
import type { OperationHandler } from './index.ts';

/** Types named by `type` (query) or a Parameters body's `type` parameters (comma-separated allowed). */
function typesOf(body: unknown, params: [string, string][], ctx: InteractionContext): string[] | undefined {
  const named = params.filter(([n]) => n === 'type' || n === '_type').map(([, v]) => v);
  const b = body as Resource | undefined;
  if (b?.resourceType === 'Parameters' && Array.isArray(b.parameter)) {
    for (const p of b.parameter as { name?: string; valueString?: string; valueCode?: string }[]) if (p.name === 'type') named.push(p.valueCode ?? p.valueString ?? '');
  }
  const types = named.flatMap((v) => v.split(',')).map((t) => t.trim()).filter(Boolean);
  for (const t of types) if (!ctx.defs.isResourceType(t)) throw new FhirError('incorrect', `$reindex: ${t} is not a resource type`);
  return types.length ? [...new Set(types)] : undefined;
}

export const reindexOperation: OperationHandler = {
  name: 'reindex',
  system: true,
  type: true,
  instance: false,
  affectsState: true,
  definition: 'http://meridian.nhs.uk/fhir/OperationDefinition/reindex',
  async run(req, ctx, db) {
    if (!ctx.search.startReindex) throw new FhirError('unsupported', '$reindex is not available on this server');
    if (!('afterCommit' in db)) throw new Error('$reindex needs a write transaction');
    const types = req.resourceType ? [req.resourceType] : typesOf(req.body, req.params, ctx);
    const id = await ctx.search.startReindex(ctx.store, db as StoreTx, types);
    const status = `${req.baseUrl}/$reindex-status?job=${id}`;
    const what = types ? types.join(', ') : 'every resource type';
    return {
      status: 202,
      location: status,
      body: operationOutcome([{ severity: 'information', code: 'informational', diagnostics: `Reindexing ${what} as job ${id}; its status is at ${status}` }]),
    };
  },
};

function statusBody(job: JobState): Resource {
  const parameter: Record<string, unknown>[] = [
    { name: 'job', valueString: job.id },
    { name: 'status', valueCode: job.status },
    { name: 'progress', valueDecimal: Math.round(job.progress * 1000) / 1000 },
    { name: 'created', valueInstant: new Date(job.created).toISOString() },
    { name: 'updated', valueInstant: new Date(job.updated).toISOString() },
  ];
  const types = job.params.types;
  if (Array.isArray(types)) for (const t of types) parameter.push({ name: 'type', valueCode: String(t) });
  for (const key of ['total', 'processed', 'reindexed', 'errors'] as const) {
    const n = job.result?.[key];
    if (typeof n === 'number') parameter.push({ name: key, valueInteger: n });
  }
  const messages = job.result?.messages;
  if (Array.isArray(messages)) for (const m of messages) parameter.push({ name: 'message', valueString: String(m) });
  if (typeof job.result?.error === 'string') parameter.push({ name: 'error', valueString: job.result.error });
  return { resourceType: 'Parameters', parameter };
}

/** `GET [base]/$reindex-status?job=…`: 202 while the job is queued or running, 200 once it has ended (completed or failed). */
export const reindexStatusOperation: OperationHandler = {
  name: 'reindex-status',
  system: true,
  type: false,
  instance: false,
  affectsState: false,
  definition: 'http://meridian.nhs.uk/fhir/OperationDefinition/reindex-status',
  async run(req, ctx, db) {
    const id = req.params.find(([n]) => n === 'job')?.[1];
    if (!id) throw new FhirError('incorrect', '$reindex-status needs the job parameter, e.g. $reindex-status?job=…');
    const job = await ctx.search.job?.(db, id);
    if (!job || job.kind !== 'reindex') throw new FhirError('not-found', `There is no $reindex job ${id}`);
    const running = job.status === 'queued' || job.status === 'in-progress';
    return { status: running ? 202 : 200, body: statusBody(job) };
  },
};
