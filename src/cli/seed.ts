import { parseArgs } from 'node:util';
import { buildConfig } from '../app/config.ts';
import { createContext } from '../app/app.ts';
import { bundleFiles, inProcess, ndjsonFiles, overHttp, seedInto, DEFAULT_AS_OF, type Sink } from '../synth/index.ts';
import { Progress } from './progress.ts';
import type { Command } from './main.ts';

const HELP = `Usage: meridian seed --patients N [options] (--out DIR | --into STORE_OR_URL)

Generates synthetic UK patients with whole records (UK Core profiles, NHS numbers from the test
range 999 000 0000 – 999 999 9999, SNOMED CT / dm+d / LOINC codes). The same seed gives
byte-identical output.

Options:
  --patients N          how many people (required)
  --seed S              the seed (default 1)
  --organisations K     trusts, GP practices, community and social care providers (default N/400, 12–400)
  --as-of YYYY-MM-DD    the date records end at (default ${DEFAULT_AS_OF})
  --out DIR             write transaction Bundles: DIR/0-organisations.json, DIR/patient-NNNNNNN.json
  --format ndjson       with --out: one NDJSON file per resource type instead
  --into SPEC           load instead: sqlite:PATH or postgres://... (in-process, like import --store),
                        or http(s)://host/fhir (a running Meridian)
  --concurrency N       Bundles in flight with --into http (default 2)
  -h, --help            this help`;

export const seedCommand: Command = {
  name: 'seed',
  summary: 'generate synthetic UK patients',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        patients: { type: 'string' }, seed: { type: 'string' }, organisations: { type: 'string' }, 'as-of': { type: 'string' },
        out: { type: 'string' }, format: { type: 'string' }, into: { type: 'string' }, concurrency: { type: 'string' },
      },
    });
    const patients = Number(values.patients);
    if (values.patients === undefined || !Number.isInteger(patients) || patients < 1) {
      console.error('meridian seed: --patients must be a whole number of at least 1 (see --help)');
      return 2;
    }
    if (!values.out === !values.into) {
      console.error('meridian seed: give exactly one of --out DIR or --into STORE_OR_URL');
      return 2;
    }
    if (values.format !== undefined && values.format !== 'ndjson' && values.format !== 'bundle') {
      console.error('meridian seed: --format must be bundle or ndjson');
      return 2;
    }
    let sink: Sink;
    let closeStore: (() => Promise<void>) | undefined;
    if (values.out) sink = values.format === 'ndjson' ? ndjsonFiles(values.out) : bundleFiles(values.out);
    else if (/^https?:\/\//.test(values.into!)) sink = overHttp(values.into!, Math.max(1, Number(values.concurrency ?? 2)));
    else {
      const ctx = await createContext(buildConfig({ store: values.into }));
      sink = inProcess(ctx);
      closeStore = async () => {
        await ctx.store.optimize(); // fresh planner statistics after a bulk load
        await ctx.store.close();
      };
    }
    const progress = new Progress(patients, 'patients');
    let summary;
    try {
      summary = await seedInto(sink, {
        patients, seed: values.seed, asOf: values['as-of'],
        organisations: values.organisations === undefined ? undefined : Number(values.organisations),
      }, (done, resources, failures) => progress.update(done, resources, failures));
    } finally {
      progress.finish();
      await closeStore?.();
    }
    const s = summary;
    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(
      `Seeded ${s.patients} patients (${s.records} Patient records incl. deliberate duplicates), ${s.resources} resources in ${s.seconds.toFixed(1)} s: ` +
        `${Math.round(s.patients / s.seconds)} patients/s, ${(s.resources / Math.max(1, s.patients)).toFixed(1)} resources/patient, ${Math.round(s.resources / s.seconds)} resources/s, peak RSS ${rss.toFixed(0)} MB; ${s.failures.length} failures`,
    );
    for (const f of s.failures.slice(0, 20)) console.log(`  failed: ${f}`);
    return s.failures.length ? 1 : 0;
  },
};
