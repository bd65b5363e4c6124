/**
 * Round-trips a folder of example resources through Meridian on every store: POST each to
 * /fhir/{type}, GET it back, and compare with the file apart from id and meta.versionId/lastUpdated.
 * Shared by the R4 and UK Core example suites.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { forEachStore } from '../helpers/server.ts';

export interface Example {
  file: string;
  resourceType: string;
  text: string;
}

export interface Rejected {
  /** Why the example is invalid: it must be answered 422. */
  reason: string;
  /** What the OperationOutcome's diagnostics must say. */
  diagnostics: RegExp;
}

export function loadExamples(folder: string, expected: number): Example[] {
  const dir = resolve(process.cwd(), folder);
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  assert.equal(files.length, expected, `${dir} should hold ${expected} examples`);
  return files.map((file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    return { file, text, resourceType: (JSON.parse(text) as { resourceType: string }).resourceType };
  });
}

/** A resource without what the server assigns: id, meta.versionId and meta.lastUpdated (other meta stays). */
export function withoutServerFields(resource: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, meta, ...rest } = resource;
  if (!meta || typeof meta !== 'object') return rest;
  const { versionId: _v, lastUpdated: _l, ...keptMeta } = meta as Record<string, unknown>;
  return Object.keys(keptMeta).length ? { ...rest, meta: keptMeta } : rest;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?/y;

/**
 * Parses JSON keeping every number as its source text ("6.0" stays "6.0", not 6), so that a
 * comparison also sees the precision of decimals, which FHIR says is significant.
 */
export function parseKeepingNumbers(text: string): unknown {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text)![0];
      out += JSON.stringify(`#number:${m}`);
      i += m.length;
    } else {
      out += c;
      i++;
    }
  }
  return JSON.parse(out);
}

/** Examples holding a decimal whose written form a plain JSON parse loses (6.0, 0.40, 1e3). */
export function hasPrecisionSensitiveNumbers(text: string): boolean {
  return /#number:-?\d+(\.\d*0|[eE])/.test(JSON.stringify(parseKeepingNumbers(text)));
}

/** Paths where a number kept by parseKeepingNumbers reads back written differently, e.g. `valueQuantity.value: 6.0 → 6`. */
export function numberChanges(posted: unknown, read: unknown, path = ''): string[] {
  if (typeof posted === 'string' && posted.startsWith('#number:')) {
    return posted === read ? [] : [`${path}: ${posted.slice(8)} → ${String(read).replace('#number:', '')}`];
  }
  if (!posted || typeof posted !== 'object' || !read || typeof read !== 'object') return [];
  return Object.entries(posted).flatMap(([k, v]) =>
    k === 'id' || k === 'meta' ? [] : numberChanges(v, (read as Record<string, unknown>)[k], Array.isArray(posted) ? `${path}[${k}]` : path ? `${path}.${k}` : k),
  );
}

export interface RoundTripOptions {
  rejected: Record<string, Rejected>;
}

export function roundTripSuite(examples: Example[], options: RoundTripOptions): void {
  const byType = new Map<string, Example[]>();
  for (const e of examples) byType.set(e.resourceType, [...(byType.get(e.resourceType) ?? []), e]);
  for (const file of Object.keys(options.rejected)) {
    assert.ok(examples.some((e) => e.file === file), `${file} is listed as rejected but is not an example`);
  }

  forEachStore((_store, client) => {
    for (const [type, list] of [...byType].sort(([a], [b]) => a.localeCompare(b))) {
      describe(type, () => {
        for (const example of list) {
          if (type === 'AuditEvent') {
            // AuditEvents are written by Meridian itself (one per interaction), never posted
            test(`${example.file} is refused with 405: AuditEvents are read-only`, async () => {
              const res = await client().post(type, example.text);
              assert.equal(res.status, 405, res.text);
              assert.equal(res.body.resourceType, 'OperationOutcome');
            });
            continue;
          }
          const rejected = options.rejected[example.file];
          if (rejected) {
            test(`${example.file} is rejected with 422: ${rejected.reason}`, async () => {
              const res = await client().post(type, example.text);
              assert.equal(res.status, 422, res.text);
              assert.equal(res.body.resourceType, 'OperationOutcome');
              assert.ok(
                res.body.issue.some((i: { diagnostics?: string }) => rejected.diagnostics.test(i.diagnostics ?? '')),
                `the OperationOutcome should say ${rejected.diagnostics}: ${res.text}`,
              );
            });
            continue;
          }
          let stored: { id: string; text: string } | undefined;
          test(`${example.file} reads back as it was posted, meta.profile and tags included`, async () => {
            const created = await client().post(type, example.text);
            assert.equal(created.status, 201, created.text);
            const read = await client().get(`${type}/${created.body.id}`);
            assert.equal(read.status, 200, read.text);
            assert.equal(read.body.id, created.body.id);
            assert.equal(read.body.meta.versionId, '1');
            assert.deepEqual(withoutServerFields(read.body), withoutServerFields(JSON.parse(example.text)));
            stored = { id: created.body.id, text: read.text };
          });
          if (hasPrecisionSensitiveNumbers(example.text)) {
            test(`${example.file} keeps the written precision of its decimals`, () => {
              assert.ok(stored, 'the round trip above failed');
              const read = parseKeepingNumbers(stored.text);
              const posted = parseKeepingNumbers(example.text);
              const changed = numberChanges(posted, read);
              assert.equal(changed.length, 0, `decimals changed: ${changed.slice(0, 5).join('; ')}${changed.length > 5 ? ` and ${changed.length - 5} more` : ''}`);
            });
          }
        }
      });
    }
  });
}
