/**
 * The search engine. Foundation stage: indexes identifiers and answers `_id` and
 * `identifier` criteria (enough for conditional operations); the search issue replaces
 * this with the full engine behind the same interface.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Definitions } from '../fhir/definitions.ts';
import type { IndexRows, Criterion } from '../storage/index.ts';
import type { SearchEngine, Resource } from '../interactions/types.ts';

function identifiers(resource: Resource): { system: string | null; code: string | null }[] {
  const value = resource.identifier;
  const list = Array.isArray(value) ? value : value ? [value] : [];
  return list
    .filter((i): i is { system?: string; value?: string } => !!i && typeof i === 'object')
    .map((i) => ({ system: i.system ?? null, code: i.value ?? null }));
}

/** Splits a token value `system|code`, `|code` or `code`, honouring `\|` escapes. */
export function parseToken(value: string): { system?: string | null; code: string | null } {
  const parts = value.split(/(?<!\\)\|/).map((p) => p.replace(/\\([|,$\\])/g, '$1'));
  if (parts.length === 1) return { code: parts[0] };
  if (parts.length === 2) return { system: parts[0] === '' ? null : parts[0], code: parts[1] === '' ? null : parts[1] };
  throw new FhirError('incorrect', `"${value}" is not a token (system|code)`);
}

function splitOr(value: string): string[] {
  return value.split(/(?<!\\),/);
}

export function createBasicSearchEngine(defs: Definitions): SearchEngine {
  return {
    index(resource: Resource): IndexRows {
      const token = identifiers(resource).map((t) => ({ param: 'identifier', ...t }));
      return { token };
    },
    async matchIds(db, resourceType, params, limit) {
      const criteria: Criterion[] = [];
      for (const [name, value] of params) {
        if (name === '_id') criteria.push({ kind: 'id', values: splitOr(value) });
        else if (name === 'identifier' && defs.searchParameter(resourceType, 'identifier')) {
          criteria.push({ kind: 'token', param: 'identifier', values: splitOr(value).map(parseToken) });
        } else {
          throw new FhirError('incorrect', `Conditional criteria on "${name}" are not supported yet; use _id or identifier`);
        }
      }
      return db.findIds(resourceType, criteria, limit);
    },
  };
}
