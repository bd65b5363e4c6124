/**
 * Structural validation throughput over the 702 R4 specification examples.
 * Run: node --import tsx bench/validate-structure.ts [seconds]
 * Prints resources/s overall and for examples of typical size (under 10 KiB of JSON).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadR4Definitions } from '../src/fhir/definitions.ts';
import { createStructureValidator } from '../src/validation/index.ts';

const dir = resolve(process.cwd(), '../shared/testdata/r4-examples');
const seconds = Number(process.argv[2] ?? 3);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const texts = files.map((f) => readFileSync(join(dir, f), 'utf8'));
const all = texts.map((t) => JSON.parse(t) as unknown);
const typical = all.filter((_, i) => texts[i].length < 10 * 1024);
const validator = createStructureValidator(loadR4Definitions());

function run(label: string, resources: unknown[], bytes: number): void {
  for (const r of resources) validator.validate(r); // compile every type and warm up
  let count = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < limit) {
    for (const r of resources) validator.validate(r);
    count += resources.length;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - start) / 1e9;
  const rate = count / elapsed;
  const mbps = ((bytes * (count / resources.length)) / elapsed / 1e6).toFixed(1);
  console.log(`${label}: ${Math.round(rate).toLocaleString('en-GB')} resources/s (${resources.length} resources, ${mbps} MB/s of JSON)`);
}

const bytesOf = (list: string[]): number => list.reduce((n, t) => n + Buffer.byteLength(t), 0);
run('all R4 examples', all, bytesOf(texts));
run('typical (< 10 KiB)', typical, bytesOf(texts.filter((t) => t.length < 10 * 1024)));
