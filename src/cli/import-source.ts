/** Reads import files (Bundles and NDJSON, optionally gzipped) into transaction Bundles of manageable size. */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';

export type Json = Record<string, unknown>;

export interface ImportBatch {
  file: string;
  /** A transaction or batch Bundle ready to POST. */
  bundle: Json;
  resources: number;
}

const NDJSON_BATCH = 500;

export function listFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const st = statSync(p);
    if (st.isDirectory()) out.push(...listFiles(readdirSync(p).sort().map((n) => join(p, n))));
    else if (/\.(json|ndjson)(\.gz)?$/.test(p)) out.push(p);
  }
  return out;
}

function entryFor(resource: Json): Json {
  const type = String(resource.resourceType);
  return typeof resource.id === 'string'
    ? { fullUrl: `${type}/${resource.id}`, resource, request: { method: 'PUT', url: `${type}/${resource.id}` } }
    : { resource, request: { method: 'POST', url: type } };
}

function asTransaction(resources: Json[]): Json {
  return { resourceType: 'Bundle', type: 'transaction', entry: resources.map(entryFor) };
}

/** Yields one Bundle per JSON file and one per NDJSON_BATCH lines of NDJSON. */
export async function* readBatches(file: string): AsyncGenerator<ImportBatch> {
  const gz = file.endsWith('.gz');
  if (/\.ndjson(\.gz)?$/.test(file)) {
    const input = createReadStream(file);
    const lines = createInterface({ input: gz ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
    let batch: Json[] = [];
    let lineNo = 0;
    for await (const line of lines) {
      lineNo++;
      if (!line.trim()) continue;
      try {
        batch.push(JSON.parse(line) as Json);
      } catch {
        throw new Error(`${file}:${lineNo} is not valid JSON`);
      }
      if (batch.length >= NDJSON_BATCH) {
        yield { file, bundle: asTransaction(batch), resources: batch.length };
        batch = [];
      }
    }
    if (batch.length) yield { file, bundle: asTransaction(batch), resources: batch.length };
    return;
  }
  const buf = await readFile(file);
  let doc: Json;
  try {
    doc = JSON.parse((gz ? gunzipSync(buf) : buf).toString('utf8')) as Json;
  } catch {
    throw new Error(`${file} is not valid JSON`);
  }
  if (doc.resourceType === 'Bundle' && (doc.type === 'transaction' || doc.type === 'batch')) {
    yield { file, bundle: doc, resources: Array.isArray(doc.entry) ? doc.entry.length : 0 };
  } else if (doc.resourceType === 'Bundle' && Array.isArray(doc.entry) && doc.type !== 'searchset' && doc.type !== 'history') {
    const resources = (doc.entry as { resource?: Json }[]).map((e) => e.resource).filter((r): r is Json => !!r);
    yield { file, bundle: asTransaction(resources), resources: resources.length };
  } else {
    yield { file, bundle: asTransaction([doc]), resources: 1 };
  }
}
