/** Reads import files (Bundles and NDJSON, optionally gzipped) into transaction Bundles of manageable size. */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gunzipSync } from 'node:zlib';
import { UsageError } from './usage-error.ts';
import { parseFhirJson } from '../fhir/json.ts';

export type Json = Record<string, unknown>;

/** What reading a file yields: Bundles to post, a line that could not be read, or the reason the whole file is skipped. */
export type ImportItem =
  | {
      kind: 'batch';
      /** Where the Bundle came from, for messages: a file, or a file and its lines. */
      label: string;
      /** A transaction or batch Bundle ready to POST. */
      bundle: Json;
      resources: number;
    }
  | { kind: 'error'; label: string; reason: string }
  | { kind: 'skip'; label: string; reason: string };

const NDJSON_BATCH = 500;
const PATTERN = /\.(json|ndjson)(\.gz)?$/;

/** The importable files among paths (directories are walked in name order). */
export function listFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new UsageError(`${p} does not exist`);
    }
    if (st.isDirectory()) out.push(...listFiles(readdirSync(p).sort().map((n) => join(p, n))).filter((f) => PATTERN.test(f)));
    else out.push(p);
  }
  return out;
}

function entryFor(resource: Json, fullUrl?: unknown): Json {
  const type = String(resource.resourceType);
  const url = typeof fullUrl === 'string' ? { fullUrl } : {};
  return typeof resource.id === 'string'
    ? { fullUrl: `${type}/${resource.id}`, ...url, resource, request: { method: 'PUT', url: `${type}/${resource.id}` } }
    : { ...url, resource, request: { method: 'POST', url: type } };
}

function asTransaction(entries: { resource: Json; fullUrl?: unknown }[]): Json {
  return { resourceType: 'Bundle', type: 'transaction', entry: entries.map((e) => entryFor(e.resource, e.fullUrl)) };
}

const isResource = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v) && typeof (v as Json).resourceType === 'string';

/**
 * NDJSON: one transaction per NDJSON_BATCH lines. A file whose first line is not a FHIR resource
 * (such as the log.ndjson of a bulk export) is skipped; a bad line later on is reported and the rest imported.
 */
async function* readNdjson(file: string): AsyncGenerator<ImportItem> {
  const input = createReadStream(file);
  const lines = createInterface({ input: file.endsWith('.gz') ? input.pipe(createGunzip()) : input, crlfDelay: Infinity });
  let batch: Json[] = [];
  let first = 0;
  let lineNo = 0;
  let seen = 0;
  const flush = (): ImportItem => {
    const item: ImportItem = { kind: 'batch', label: `${file} lines ${first}-${lineNo}`, bundle: asTransaction(batch.map((resource) => ({ resource }))), resources: batch.length };
    batch = [];
    return item;
  };
  for await (const line of lines) {
    lineNo++;
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = parseFhirJson(line);
    } catch {
      value = undefined;
    }
    if (!isResource(value)) {
      const what = value === undefined ? 'is not valid JSON' : 'is not a FHIR resource (no resourceType)';
      if (seen === 0) {
        yield { kind: 'skip', label: file, reason: `not FHIR NDJSON: line ${lineNo} ${what}` };
        lines.close();
        input.destroy();
        return;
      }
      yield { kind: 'error', label: `${file}:${lineNo}`, reason: `the line ${what}` };
      continue;
    }
    seen++;
    if (!batch.length) first = lineNo;
    batch.push(value);
    if (batch.length >= NDJSON_BATCH) yield flush();
  }
  if (batch.length) yield flush();
}

/**
 * JSON: a transaction or batch Bundle is posted as it is; the entries of a collection or searchset Bundle
 * are wrapped into a transaction (keeping their fullUrls, so references between them still resolve);
 * anything else, documents and messages included, is stored as the one resource it is.
 */
export async function* readItems(file: string): AsyncGenerator<ImportItem> {
  if (/\.ndjson(\.gz)?$/.test(file)) {
    yield* readNdjson(file);
    return;
  }
  let doc: unknown;
  try {
    const buf = await readFile(file);
    doc = parseFhirJson((file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8'));
  } catch (err) {
    const code = (err as { code?: string }).code;
    const reason = code?.startsWith('Z_') ? 'is not valid gzip' : code ? `cannot be read (${code})` : `is not valid JSON (${(err as Error).message})`;
    yield { kind: 'error', label: file, reason };
    return;
  }
  if (!isResource(doc)) {
    yield { kind: 'error', label: file, reason: 'is not a FHIR resource (no resourceType)' };
    return;
  }
  const entries = Array.isArray(doc.entry) ? (doc.entry as { resource?: unknown; fullUrl?: unknown }[]) : [];
  if (doc.resourceType === 'Bundle' && (doc.type === 'transaction' || doc.type === 'batch')) {
    yield { kind: 'batch', label: file, bundle: doc, resources: entries.length };
  } else if (doc.resourceType === 'Bundle' && (doc.type === 'collection' || doc.type === 'searchset')) {
    const kept = entries.filter(
      (e): e is { resource: Json; fullUrl?: unknown } => isResource(e?.resource) && (e as { search?: { mode?: string } }).search?.mode !== 'outcome',
    );
    yield { kind: 'batch', label: file, bundle: asTransaction(kept), resources: kept.length };
  } else {
    yield { kind: 'batch', label: file, bundle: asTransaction([{ resource: doc }]), resources: 1 };
  }
}
