/**
 * Builds Bundle JSON text around stored resources without parsing them again:
 * stored versions are already JSON, so they are spliced in as they are.
 */
import { randomUUID } from 'node:crypto';
import type { Body, Resource } from './types.ts';

export interface BundleEntry {
  fullUrl?: string;
  resource?: Body;
  search?: { mode: 'match' | 'include' | 'outcome'; score?: number };
  request?: { method: string; url: string };
  response?: { status: string; location?: string; etag?: string; lastModified?: string; outcome?: Resource };
}

export function bodyText(body: Body): string {
  return 'raw' in body && typeof body.raw === 'string' ? body.raw : JSON.stringify(body);
}

function entryText(e: BundleEntry): string {
  const parts: string[] = [];
  if (e.fullUrl !== undefined) parts.push(`"fullUrl":${JSON.stringify(e.fullUrl)}`);
  if (e.resource !== undefined) parts.push(`"resource":${bodyText(e.resource)}`);
  if (e.search !== undefined) parts.push(`"search":${JSON.stringify(e.search)}`);
  if (e.request !== undefined) parts.push(`"request":${JSON.stringify(e.request)}`);
  if (e.response !== undefined) parts.push(`"response":${JSON.stringify(e.response)}`);
  return `{${parts.join(',')}}`;
}

export function bundleBody(
  type: 'searchset' | 'history' | 'batch-response' | 'transaction-response',
  entries: BundleEntry[],
  extra: { total?: number; link?: { relation: string; url: string }[] } = {},
): Body {
  const head: Record<string, unknown> = {
    resourceType: 'Bundle',
    id: randomUUID(),
    meta: { lastUpdated: new Date().toISOString() },
    type,
  };
  if (extra.total !== undefined) head.total = extra.total;
  if (extra.link?.length) head.link = extra.link;
  const text = JSON.stringify(head);
  if (!entries.length) return { raw: text };
  return { raw: `${text.slice(0, -1)},"entry":[${entries.map(entryText).join(',')}]}` };
}
