/**
 * reference parameters. Index: literal references as {targetType, targetId, version} (absolute
 * URLs keep their `url` too), canonicals and other URIs as {url, version}; the identifier of a
 * logical reference as a token under `code:identifier`.
 * Query: `Type/id`, `id`, absolute URL (the server's own base is understood), `Type/id/_history/v`,
 * canonical `url|version`; modifiers `:[type]`, `:identifier`, `:missing`. Chains are planned in planner.ts.
 */
import { condAnd, condOr, type Cond } from '../../storage/search/index.ts';
import type { IndexRows } from '../../storage/index.ts';
import { isObject, str, unescape } from '../normalize.ts';
import { tokenType } from './token.ts';
import { missingFilter, modifierError, push, type ParamQuery, type ParamType } from './types.ts';

const LITERAL = /^(?:(.*)\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/([^/]+))?$/;

type ReferenceRow = NonNullable<IndexRows['reference']>[number];

export function parseReference(ref: string, param: string): ReferenceRow | undefined {
  if (ref === '' || ref.startsWith('#')) return undefined;
  const m = LITERAL.exec(ref);
  if (m) {
    const [, base, targetType, targetId, version] = m;
    const url = base ? ref.replace(/\/_history\/[^/]+$/, '') : null;
    return { param, targetType, targetId, version: version ?? null, url };
  }
  const bar = ref.lastIndexOf('|');
  if (bar > 0) return { param, targetType: null, targetId: null, url: ref.slice(0, bar), version: ref.slice(bar + 1) };
  return { param, targetType: null, targetId: null, url: ref, version: null };
}

export const referenceType: ParamType = {
  table: 'idx_reference',
  index(values, param, rows) {
    for (const v of values) {
      if (typeof v === 'string') {
        const row = parseReference(v, param);
        if (row) push(rows, 'reference', row);
      } else if (isObject(v) && typeof v.resourceType === 'string') {
        // a resource where a reference is expected (Bundle.entry[0].resource): it names itself
        if (typeof v.id === 'string') push(rows, 'reference', { param, targetType: v.resourceType, targetId: v.id, version: null, url: null });
      } else if (isObject(v)) {
        const ref = str(v.reference);
        const row = ref ? parseReference(ref, param) : undefined;
        if (row) push(rows, 'reference', row);
        // a logical reference (identifier or display only) is present, though it points nowhere
        else if (v.identifier !== undefined || v.display !== undefined) push(rows, 'reference', { param, targetType: null, targetId: null, version: null, url: null });
        if (isObject(v.identifier)) tokenType.index([v.identifier], `${param}:identifier`, rows);
      }
    }
  },
  filter(q) {
    if (q.modifier === 'missing') return missingFilter('idx_reference', q);
    if (q.modifier === 'identifier') return tokenType.filter({ ...q, param: `${q.param}:identifier`, modifier: undefined });
    const typed = q.modifier !== undefined && /^[A-Z]/.test(q.modifier) ? q.modifier : undefined;
    if (q.modifier !== undefined && !typed) throw modifierError(q);
    return { kind: 'index', table: 'idx_reference', param: q.param, where: condOr(q.values.map((v) => referenceCond(unescape(v), q, typed))) };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_reference', param, column: 'target_id', aggregate: descending ? 'max' : 'min' }),
};

function referenceCond(value: string, q: ParamQuery, typed: string | undefined): Cond {
  let v = value;
  if (v.startsWith(q.baseUrl + '/')) v = v.slice(q.baseUrl.length + 1);
  if (typed && !v.includes('/')) v = `${typed}/${v}`;
  if (/^[A-Za-z0-9\-.]{1,64}$/.test(v)) return { op: 'eq', column: 'target_id', value: v };
  const row = parseReference(v, q.param);
  if (!row) return { op: 'false' };
  if (row.targetType && !row.url) {
    if (typed && typed !== row.targetType) return { op: 'false' };
    const parts: Cond[] = [
      { op: 'eq', column: 'target_id', value: row.targetId! },
      { op: 'eq', column: 'target_type', value: row.targetType },
    ];
    if (row.version) parts.push({ op: 'eq', column: 'version', value: row.version });
    return condAnd(parts);
  }
  const parts: Cond[] = [{ op: 'eq', column: 'url', value: row.url! }];
  if (row.version) parts.push({ op: 'eq', column: 'version', value: row.version });
  return condAnd(parts);
}
