/**
 * quantity parameters. Index: Quantity (and Age, Duration, Distance, Count, SimpleQuantity,
 * Money) as {system, code, unit, value}, with the range the value's precision implies.
 * Query: `[prefix]number|system|code`, `number||code` (code or unit), `number` (any unit);
 * prefixes as for numbers.
 */
import { condAnd, condOr, type Cond } from '../../storage/search/index.ts';
import { isObject, splitEscaped, splitPrefix, str, unescape } from '../normalize.ts';
import { numberCond, numericValue, parseNumber } from './number.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';

export function quantityCond(q: ParamQuery, raw: string): Cond {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 1 && parts.length !== 3) throw valueError(q, raw, 'a quantity (number|system|code)');
  const { prefix, rest } = splitPrefix(parts[0]);
  const n = parseNumber(rest);
  if (!n) throw valueError(q, raw, 'a quantity (number|system|code)');
  const conds: Cond[] = [numberCond(prefix, n.value, n.half)];
  const [, system, code] = parts;
  if (system) conds.push({ op: 'eq', column: 'system', value: system });
  if (code) conds.push(system ? { op: 'eq', column: 'code', value: code } : condOr([{ op: 'eq', column: 'code', value: code }, { op: 'eq', column: 'unit', value: code }]));
  return condAnd(conds);
}

export const quantityType: ParamType = {
  table: 'idx_quantity',
  index(values, param, rows) {
    for (const v of values) {
      if (!isObject(v)) continue;
      const n = numericValue(v.value);
      if (!n) continue;
      if ('currency' in v) push(rows, 'quantity', { param, system: 'urn:iso:std:iso:4217', code: str(v.currency) ?? null, unit: null, ...n });
      else push(rows, 'quantity', { param, system: str(v.system) ?? null, code: str(v.code) ?? null, unit: str(v.unit) ?? null, ...n });
    }
  },
  filter(q) {
    if (q.modifier === 'missing') return missingFilter('idx_quantity', q);
    if (q.modifier !== undefined) throw modifierError(q);
    return { kind: 'index', table: 'idx_quantity', param: q.param, where: condOr(q.values.map((v) => quantityCond(q, v))) };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_quantity', param, column: 'value', aggregate: descending ? 'max' : 'min' }),
};
