/** Helpers for search tests: load resources with known ids, read the ids a search matched. */
import assert from 'node:assert/strict';
import type { Client, Reply } from '../helpers/server.ts';

export type R = { resourceType: string; id: string; [k: string]: unknown };

/** Stores each resource under its own id (update as create). */
export async function load(client: Client, resources: R[]): Promise<void> {
  for (const r of resources) {
    const res = await client.put(`${r.resourceType}/${r.id}`, r);
    assert.ok(res.status === 201 || res.status === 200, `${r.resourceType}/${r.id}: ${res.status} ${res.text}`);
  }
}

/** The sorted ids of the `match` entries of a searchset. */
export function matchIds(reply: Reply): string[] {
  assert.equal(reply.status, 200, reply.text);
  return (reply.body.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id).sort();
}

/** Ids of `match` entries in the order returned. */
export function orderedIds(reply: Reply): string[] {
  assert.equal(reply.status, 200, reply.text);
  return (reply.body.entry ?? []).filter((e: any) => e.search?.mode === 'match').map((e: any) => e.resource.id);
}

/** `Type/id` of the `include` entries, sorted. */
export function includedRefs(reply: Reply): string[] {
  assert.equal(reply.status, 200, reply.text);
  return (reply.body.entry ?? []).filter((e: any) => e.search?.mode === 'include').map((e: any) => `${e.resource.resourceType}/${e.resource.id}`).sort();
}

export async function ids(client: Client, url: string): Promise<string[]> {
  return matchIds(await client.get(url));
}

export function link(reply: Reply, relation: string): string | undefined {
  const url = reply.body.link?.find((l: any) => l.relation === relation)?.url as string | undefined;
  return url?.replace('http://test.local/fhir/', '');
}
