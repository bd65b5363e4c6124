/**
 * Where a population goes: files (one transaction Bundle per patient, or NDJSON per resource
 * type), a store through the interactions in-process (like `meridian import --store`), or a
 * running Meridian over HTTP. Each sink takes one Bundle's worth of resources at a time.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { handle } from '../interactions/dispatch.ts';
import type { InteractionContext } from '../interactions/types.ts';
import { asFhirError } from '../fhir/errors.ts';
import { transactionBundle } from './generate.ts';
import type { Resource } from './fhir.ts';

export interface Sink {
  /** Writes one group (the organisations, or one patient's record); resolves with a failure reason or undefined. */
  write(name: string, resources: Resource[]): Promise<string | undefined>;
  close(): Promise<void>;
}

async function writeText(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** One transaction Bundle per group, as DIR/<name>.json. */
export function bundleFiles(dir: string): Sink {
  mkdirSync(dir, { recursive: true });
  let pending: Promise<void>[] = [];
  return {
    async write(name, resources) {
      const stream = createWriteStream(join(dir, `${name}.json`));
      stream.end(JSON.stringify(transactionBundle(resources)));
      pending.push(once(stream, 'close').then(() => undefined));
      if (pending.length >= 16) {
        await Promise.all(pending);
        pending = [];
      }
      return undefined;
    },
    async close() {
      await Promise.all(pending);
    },
  };
}

/** One NDJSON file per resource type, DIR/<Type>.ndjson. */
export function ndjsonFiles(dir: string): Sink {
  mkdirSync(dir, { recursive: true });
  const streams = new Map<string, WriteStream>();
  return {
    async write(_name, resources) {
      const byType = new Map<string, string[]>();
      for (const r of resources) {
        let lines = byType.get(r.resourceType);
        if (!lines) byType.set(r.resourceType, (lines = []));
        lines.push(JSON.stringify(r));
      }
      for (const [type, lines] of byType) {
        let s = streams.get(type);
        if (!s) streams.set(type, (s = createWriteStream(join(dir, `${type}.ndjson`))));
        await writeText(s, lines.join('\n') + '\n');
      }
      return undefined;
    },
    async close() {
      await Promise.all([...streams.values()].map((s) => {
        s.end();
        return once(s, 'close');
      }));
    },
  };
}

/** Straight into a store through the transaction interaction (validation, indexes, history apply). */
export function inProcess(ctx: InteractionContext): Sink {
  return {
    async write(_name, resources) {
      try {
        await handle({ method: 'POST', interaction: 'batch', params: [], body: transactionBundle(resources), prefer: { return: 'minimal' }, baseUrl: 'urn:meridian:seed' }, ctx);
        return undefined;
      } catch (err) {
        return asFhirError(err).message;
      }
    },
    async close() {},
  };
}

/** POSTs each transaction Bundle to a running Meridian's base URL, `concurrency` at a time. */
export function overHttp(baseUrl: string, concurrency = 2): Sink {
  const url = baseUrl.replace(/\/$/, '');
  const inFlight = new Set<Promise<void>>();
  const failures: string[] = [];
  const post = async (name: string, resources: Resource[]) => {
    try {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json', prefer: 'return=minimal' }, body: JSON.stringify(transactionBundle(resources)) });
      if (!res.ok) {
        const body = (await res.json().catch(() => undefined)) as { issue?: { diagnostics?: string }[] } | undefined;
        failures.push(`${name}: HTTP ${res.status}: ${body?.issue?.[0]?.diagnostics ?? res.statusText}`);
      } else await res.arrayBuffer();
    } catch (err) {
      failures.push(`${name}: ${(err as Error).message}`);
    }
  };
  return {
    async write(name, resources) {
      const p: Promise<void> = post(name, resources).finally(() => inFlight.delete(p));
      inFlight.add(p);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      return failures.shift();
    },
    async close() {
      await Promise.all(inFlight);
      if (failures.length) throw new Error(failures.join('; '));
    },
  };
}
