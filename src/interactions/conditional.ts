/** Resolving the search criteria of conditional create, update, patch and delete. */
import { FhirError } from '../fhir/errors.ts';
import { parseQuery } from '../fhir/url.ts';
import type { Db, InteractionContext } from './types.ts';

/** Parameters that shape a response rather than select resources. */
const RESULT_PARAMETERS = new Set(['_format', '_pretty', '_summary', '_elements']);

export function criteriaOf(params: [string, string][]): [string, string][] {
  return params.filter(([name]) => !RESULT_PARAMETERS.has(name));
}

/** Ids matching the criteria; at most `limit` + 1 so that callers can tell "too many". */
export async function matchCriteria(
  ctx: InteractionContext,
  db: Db,
  resourceType: string,
  criteria: [string, string][] | string,
  limit = 1,
): Promise<string[]> {
  const params = typeof criteria === 'string' ? parseQuery(criteria.replace(/^\?/, '')) : criteria;
  const selecting = criteriaOf(params);
  if (!selecting.length) throw new FhirError('incorrect', `A conditional ${resourceType} request needs search criteria, for example ?identifier=system|value`);
  const key = `${resourceType}?${new URLSearchParams(selecting).toString()}`;
  if ('lock' in db) await db.lock(key);
  return ctx.search.matchIds(db, resourceType, selecting, limit + 1);
}
