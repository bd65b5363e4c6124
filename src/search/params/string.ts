/**
 * string parameters. Index: each text part (HumanName's family, given, prefix, suffix and text;
 * Address's lines, city, district, state, postal code, country and text; any other string) folded
 * for case and accents under the parameter's code, and as written under `code:exact`.
 * Query: starts-with by default, `:contains`, `:exact`, `:missing`.
 */
import { condOr, type Cond } from '../../storage/search/index.ts';
import { fold, isObject, strings, unescape } from '../normalize.ts';
import { missingFilter, modifierError, push, type ParamType } from './types.ts';

const NAME_PARTS = ['family', 'given', 'prefix', 'suffix', 'text'];
const ADDRESS_PARTS = ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'];

export function textParts(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (!isObject(value)) return [];
  const keys = 'family' in value || 'given' in value ? NAME_PARTS : 'city' in value || 'line' in value || 'postalCode' in value ? ADDRESS_PARTS : Object.keys(value);
  return keys.flatMap((k) => strings(value[k]));
}

export const stringType: ParamType = {
  table: 'idx_string',
  index(values, param, rows) {
    for (const v of values)
      for (const text of textParts(v)) {
        push(rows, 'string', { param, value: fold(text) });
        push(rows, 'string', { param: `${param}:exact`, value: text });
      }
  },
  filter(q) {
    const values = q.values.map(unescape);
    switch (q.modifier) {
      case undefined:
        return { kind: 'index', table: 'idx_string', param: q.param, where: condOr(values.map((v): Cond => ({ op: 'starts-with', column: 'value', value: fold(v) }))) };
      case 'contains':
        return { kind: 'index', table: 'idx_string', param: q.param, where: condOr(values.map((v): Cond => ({ op: 'contains', column: 'value', value: fold(v) }))) };
      case 'exact':
        return { kind: 'index', table: 'idx_string', param: `${q.param}:exact`, where: { op: 'in', column: 'value', values } };
      case 'missing':
        return missingFilter('idx_string', q);
      default:
        throw modifierError(q);
    }
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_string', param, column: 'value', aggregate: descending ? 'max' : 'min' }),
};
