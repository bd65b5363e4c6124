import { parseArgs } from 'node:util';
import { buildConfig, DEFAULTS } from '../app/config.ts';
import { createContext } from '../app/app.ts';
import { asFhirError } from '../fhir/errors.ts';
import { handle } from '../interactions/dispatch.ts';
import type { InteractionContext } from '../interactions/types.ts';
import { listFiles, readBatches, type ImportBatch, type Json } from './import-source.ts';
import { Progress } from './progress.ts';
import type { Command } from './main.ts';

const HELP = `Usage: meridian import [options] <file|directory>...

Loads FHIR data: transaction and batch Bundles are posted as they are; collection Bundles,
single resources and NDJSON files (500 lines per transaction) are wrapped into transactions.
Files may be gzipped (.json.gz, .ndjson.gz). Resources with an id keep it (update-as-create).

Options:
  --store SPEC       write straight into a store, through the same interactions as the server
                     (MERIDIAN_STORE; default ${DEFAULTS.store})
  --url URL          post to a running Meridian instead, e.g. http://localhost:8080/fhir
  --concurrency N    Bundles in flight at once with --url (default 2)
  -h, --help         this help

Prints a progress line and a summary: resources, seconds, resources/s and each failure with its reason.`;

interface Outcome {
  ok: boolean;
  reason?: string;
}

async function postOverHttp(url: string, bundle: Json): Promise<Outcome> {
  const res = await fetch(url.replace(/\/$/, ''), {
    method: 'POST',
    headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' },
    body: JSON.stringify(bundle),
  });
  if (res.ok) {
    if (bundle.type !== 'batch') return { ok: true };
    return batchOutcome((await res.json()) as Json);
  }
  const body = (await res.json().catch(() => undefined)) as { issue?: { diagnostics?: string }[] } | undefined;
  return { ok: false, reason: `HTTP ${res.status}: ${body?.issue?.[0]?.diagnostics ?? res.statusText}` };
}

function batchOutcome(response: Json): Outcome {
  const failed = ((response.entry as { response?: { status?: string; outcome?: { issue?: { diagnostics?: string }[] } } }[]) ?? []).filter(
    (e) => !/^2/.test(e.response?.status ?? ''),
  );
  return failed.length ? { ok: false, reason: `${failed.length} entries failed, first: ${failed[0].response?.outcome?.issue?.[0]?.diagnostics}` } : { ok: true };
}

async function postInProcess(ctx: InteractionContext, bundle: Json): Promise<Outcome> {
  try {
    const res = await handle({ method: 'POST', interaction: 'batch', params: [], body: bundle, prefer: { return: 'minimal' }, baseUrl: 'urn:meridian:import' }, ctx);
    if (bundle.type === 'batch' && res.body && 'raw' in res.body) return batchOutcome(JSON.parse(res.body.raw as string) as Json);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: asFhirError(err).message };
  }
}

export const importCommand: Command = {
  name: 'import',
  summary: 'load Bundles and NDJSON files',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      options: { store: { type: 'string' }, url: { type: 'string' }, concurrency: { type: 'string' } },
      allowPositionals: true,
    });
    if (!positionals.length) {
      console.error('meridian import: name at least one file or directory (see --help)');
      return 2;
    }
    const files = listFiles(positionals);
    if (!files.length) {
      console.error('meridian import: no .json, .ndjson, .json.gz or .ndjson.gz files found there');
      return 2;
    }
    const ctx = values.url ? undefined : await createContext(buildConfig({ store: values.store }));
    const post = (b: Json) => (values.url ? postOverHttp(values.url, b) : postInProcess(ctx!, b));
    const concurrency = values.url ? Math.max(1, Number(values.concurrency ?? 2)) : 1;
    const progress = new Progress(files.length, 'files');
    const started = Date.now();
    let resources = 0;
    let done = 0;
    const failures: string[] = [];
    const queue = [...files];
    const worker = async () => {
      for (let file = queue.shift(); file; file = queue.shift()) {
        try {
          for await (const batch of readBatches(file)) {
            const outcome = await post(batch.bundle);
            if (outcome.ok) resources += batch.resources;
            else failures.push(`${describe(batch)}: ${outcome.reason}`);
          }
        } catch (err) {
          failures.push(`${file}: ${(err as Error).message}`);
        }
        done++;
        progress.update(done, resources, failures.length);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    progress.finish();
    await ctx?.store.close();
    const secs = (Date.now() - started) / 1000;
    console.log(
      `Imported ${resources} resources from ${files.length} files in ${secs.toFixed(1)} s (${Math.round(resources / Math.max(secs, 0.001))} resources/s); ${failures.length} failures`,
    );
    for (const f of failures.slice(0, 50)) console.log(`  failed: ${f}`);
    if (failures.length > 50) console.log(`  ... and ${failures.length - 50} more`);
    return failures.length ? 1 : 0;
  },
};

function describe(batch: ImportBatch): string {
  return `${batch.file} (${batch.resources} resources)`;
}
