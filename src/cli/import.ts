import { parseArgs } from 'node:util';
import { buildConfig, DEFAULTS } from '../app/config.ts';
import { createContext } from '../app/app.ts';
import { asFhirError } from '../fhir/errors.ts';
import { handle } from '../interactions/dispatch.ts';
import type { InteractionContext } from '../interactions/types.ts';
import { listFiles, readItems, type ImportItem, type Json } from './import-source.ts';
import { UsageError } from './usage-error.ts';
import { Progress } from './progress.ts';
import type { Command } from './main.ts';

const HELP = `Usage: meridian import [options] <file|directory>...

Loads FHIR data: transaction and batch Bundles are posted as they are; the entries of collection
and searchset Bundles, single resources and NDJSON files (500 lines per transaction) are wrapped
into transactions. Files may be gzipped (.json.gz, .ndjson.gz); directories are read in name order.
Resources with an id keep it (update-as-create). A Bundle whose conditional references
(Patient?identifier=...) match nothing yet is tried again once everything else is in, so NDJSON
files may come in any order. NDJSON files that are not FHIR (a bulk export's log.ndjson) are skipped.

Options:
  --store SPEC       write straight into a store, through the same interactions as the server
                     (MERIDIAN_STORE; default ${DEFAULTS.store})
  --url URL          post to a running Meridian instead, e.g. http://localhost:8080/fhir
  --concurrency N    Bundles in flight at once (default 2: one is built while the store commits the other)
  -h, --help         this help

Prints a progress line on stderr and a summary: resources, seconds, resources/s and each failure
with its reason. Ctrl-C stops after the Bundles in flight; each Bundle is one transaction, so
nothing is left half-written. Exit status: 0 all imported, 1 some failures, 2 usage, 130 interrupted.`;

interface Outcome {
  written: number;
  failures: string[];
  /** The failure may go away once other Bundles are in (an unresolved conditional reference). */
  retry?: boolean;
}

type Batch = Extract<ImportItem, { kind: 'batch' }>;
type Post = (batch: Batch) => Promise<Outcome>;

interface OutcomeIssue {
  code?: string;
  diagnostics?: string;
}

function batchOutcome(response: Json): Outcome {
  const entries = (response.entry as { response?: { status?: string; outcome?: { issue?: OutcomeIssue[] } } }[]) ?? [];
  const failed = entries.map((e, i) => ({ i, r: e.response })).filter(({ r }) => !/^2/.test(r?.status ?? ''));
  const failures = failed.slice(0, 3).map(({ i, r }) => `entry[${i}] ${r?.status}: ${r?.outcome?.issue?.[0]?.diagnostics ?? ''}`);
  if (failed.length > 3) failures.push(`... and ${failed.length - 3} more entries`);
  return { written: entries.length - failed.length, failures };
}

function postOverHttp(url: string): Post {
  const target = url.replace(/\/$/, '');
  return async ({ bundle, resources }) => {
    let res: Response;
    try {
      res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
        body: JSON.stringify(bundle),
      });
    } catch (err) {
      return { written: 0, failures: [`cannot reach ${target}: ${(err as { cause?: Error }).cause?.message ?? (err as Error).message}`] };
    }
    if (res.ok) return bundle.type === 'batch' ? batchOutcome((await res.json()) as Json) : { written: resources, failures: [] };
    const body = (await res.json().catch(() => undefined)) as { issue?: OutcomeIssue[] } | undefined;
    const issue = body?.issue?.[0];
    return { written: 0, failures: [`HTTP ${res.status}: ${issue?.diagnostics ?? res.statusText}`], retry: res.status === 412 && issue?.code !== 'multiple-matches' };
  };
}

function postInProcess(ctx: InteractionContext): Post {
  return async ({ bundle, resources }) => {
    try {
      const res = await handle({ method: 'POST', interaction: 'batch', params: [], body: bundle, prefer: { return: 'minimal' }, baseUrl: 'urn:meridian:import' }, ctx);
      if (bundle.type === 'batch' && res.body && 'raw' in res.body) return batchOutcome(JSON.parse(res.body.raw as string) as Json);
      return { written: resources, failures: [] };
    } catch (err) {
      const e = asFhirError(err);
      return { written: 0, failures: [`${e.status}: ${e.message}`], retry: e.category === 'precondition-failed' };
    }
  };
}

/**
 * After a load into a store, the database's planner statistics (and on PostgreSQL its visibility
 * map) are brought up to date, as `meridian seed --into` does: without them the first searches
 * over the new data are planned blind (SQLite has none until then; PostgreSQL waits for
 * autovacuum). A failure here loses nothing that was imported: it is reported, not fatal.
 */
async function refreshStatistics(ctx: InteractionContext): Promise<void> {
  const t = Date.now();
  console.error('meridian import: refreshing the database planner statistics');
  try {
    await ctx.store.optimize();
    console.error(`meridian import: statistics refreshed in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`meridian import: could not refresh the planner statistics (${(err as Error).message}); everything imported is stored. Run ANALYZE on the database, or import again later`);
  }
}

function options(args: string[]) {
  try {
    return parseArgs({ args, options: { store: { type: 'string' }, url: { type: 'string' }, concurrency: { type: 'string' } }, allowPositionals: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'load Bundles and NDJSON files',
  help: HELP,
  async run(args) {
    const { values, positionals } = options(args);
    if (!positionals.length) throw new UsageError('name at least one file or directory');
    const files = listFiles(positionals);
    if (!files.length) throw new UsageError('no .json, .ndjson, .json.gz or .ndjson.gz files found there');
    const concurrencyFlag = values.concurrency === undefined ? undefined : Number(values.concurrency);
    if (concurrencyFlag !== undefined && !(Number.isInteger(concurrencyFlag) && concurrencyFlag > 0)) throw new UsageError('--concurrency must be a whole number of at least 1');
    const config = values.url ? undefined : buildConfig({ store: values.store });
    const ctx = config && (await createContext(config));
    const post = values.url ? postOverHttp(values.url) : postInProcess(ctx!);
    const concurrency = concurrencyFlag ?? 2;

    let stopping = false;
    const onSigint = () => {
      if (stopping) process.exit(130);
      stopping = true;
      console.error('\nmeridian import: stopping after the Bundles in flight (Ctrl-C again to stop at once; nothing is half-written either way)');
    };
    process.on('SIGINT', onSigint);

    const progress = new Progress(files.length, 'files');
    const started = Date.now();
    let loaded = started;
    let resources = 0;
    let done = 0;
    const failures: string[] = [];
    const skipped: string[] = [];
    const deferred: { batch: Batch; outcome: Outcome }[] = [];
    const record = (batch: Batch, outcome: Outcome) => {
      resources += outcome.written;
      for (const f of outcome.failures) failures.push(`${batch.label}: ${f}`);
    };
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file !== undefined && !stopping; file = queue.shift()) {
        for await (const item of readItems(file)) {
          if (stopping) break;
          if (item.kind === 'skip') skipped.push(`${item.label}: ${item.reason}`);
          else if (item.kind === 'error') failures.push(`${item.label}: ${item.reason}`);
          else {
            const outcome = await post(item);
            if (outcome.retry) deferred.push({ batch: item, outcome });
            else record(item, outcome);
          }
          progress.update(done, resources, failures.length);
        }
        done++;
        progress.update(done, resources, failures.length);
      }
    };
    try {
      await Promise.all(Array.from({ length: concurrency }, worker));
      // Bundles whose conditional references named resources still to come: again, while that helps
      let pending = deferred.splice(0);
      while (pending.length && !stopping) {
        const again: typeof pending = [];
        for (const entry of pending) {
          const outcome = stopping ? entry.outcome : await post(entry.batch);
          if (outcome.retry) again.push({ batch: entry.batch, outcome });
          else record(entry.batch, outcome);
          progress.update(done, resources, failures.length + again.length);
        }
        const progressed = again.length < pending.length;
        pending = again;
        if (!progressed) break;
      }
      for (const { batch, outcome } of pending) record(batch, outcome);
    } finally {
      process.off('SIGINT', onSigint);
      progress.finish();
      loaded = Date.now();
      try {
        if (ctx && resources > 0 && !stopping) await refreshStatistics(ctx);
      } finally {
        await ctx?.store.close();
      }
    }
    const secs = (loaded - started) / 1000;
    const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
    console.log(
      `${stopping ? 'Interrupted: imported' : 'Imported'} ${resources} resources from ${stopping ? `${done} of ` : ''}${plural(files.length - skipped.length, 'file')} in ${secs.toFixed(secs < 10 ? 2 : 1)} s ` +
        `(${Math.round(resources / Math.max(secs, 0.001))} resources/s); ${plural(failures.length, 'failure')}` +
        (skipped.length ? `; ${plural(skipped.length, 'file')} skipped` : ''),
    );
    for (const f of failures.slice(0, 50)) console.log(`  failed: ${f}`);
    if (failures.length > 50) console.log(`  ... and ${failures.length - 50} more`);
    for (const s of skipped) console.log(`  skipped: ${s}`);
    return stopping ? 130 : failures.length ? 1 : 0;
  },
};
