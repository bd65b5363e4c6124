/**
 * uri parameters (url, canonical, uri, oid, uuid). Index: the value as written.
 * Query: exact match; `:below` (the value is a prefix), `:above` (the value starts with a stored URL
 * cut at a path boundary), `:missing`.
 */
import { condOr, type Cond } from '../../storage/search/index.ts';
import { unescape } from '../normalize.ts';
import { missingFilter, modifierError, push, type ParamType } from './types.ts';

/** "http://a/b/c" → ["http://a/b/c", "http://a/b", "http://a"]: the URLs an :above search matches. */
function ancestors(url: string): string[] {
  const out = [url];
  const scheme = url.indexOf('://');
  let cut = url.length;
  while ((cut = url.lastIndexOf('/', cut - 1)) > (scheme < 0 ? 0 : scheme + 2)) out.push(url.slice(0, cut));
  return out;
}

export const uriType: ParamType = {
  table: 'idx_uri',
  index(values, param, rows) {
    for (const v of values) if (typeof v === 'string' && v !== '') push(rows, 'uri', { param, value: v });
  },
  filter(q) {
    const values = q.values.map(unescape);
    let where: Cond;
    switch (q.modifier) {
      case undefined:
        where = { op: 'in', column: 'value', values };
        break;
      case 'below':
        where = condOr(values.map((v): Cond => ({ op: 'starts-with', column: 'value', value: v })));
        break;
      case 'above':
        where = { op: 'in', column: 'value', values: values.flatMap(ancestors) };
        break;
      case 'missing':
        return missingFilter('idx_uri', q);
      default:
        throw modifierError(q);
    }
    return { kind: 'index', table: 'idx_uri', param: q.param, where };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_uri', param, column: 'value', aggregate: descending ? 'max' : 'min' }),
};
