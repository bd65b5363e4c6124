/**
 * quantity parameters. Index: Quantity (and Age, Duration, Distance, Count, SimpleQuantity,
 * Money) as {system, code, unit} and the point [value, value]; a Range as the interval
 * [low, high] (an open end unbounded). A UCUM quantity whose unit converts (ucum.ts) carries
 * its canonical unit and interval too, in the same row.
 * Query: `[prefix]number|system|code`, `number||code` (code or unit), `number` (any unit);
 * prefixes as for numbers. With the UCUM system and a unit that converts, the search value is
 * converted too and matched against the canonical rows, so 5.4|…|mmol/L finds 0.0054 mol/L
 * (the search value's precision converts with it: 5.35–5.45 mmol/L).
 */
import { condAnd, condOr, type Cond } from '../../storage/search/index.ts';
import type { IndexRows } from '../../storage/index.ts';
import { isObject, splitEscaped, splitPrefix, str, unescape } from '../normalize.ts';
import { toCanonical, UCUM, ucum } from '../ucum.ts';
import { isRange, numberCond, numericValue, parseNumber } from './number.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';

export function quantityCond(q: ParamQuery, raw: string): Cond {
  const parts = splitEscaped(raw, '|').map(unescape);
  if (parts.length !== 1 && parts.length !== 3) throw valueError(q, raw, 'a quantity (number|system|code)');
  const { prefix, rest } = splitPrefix(parts[0]);
  const n = parseNumber(rest);
  if (!n) throw valueError(q, raw, 'a quantity (number|system|code)');
  const [, system, code] = parts;
  const canonical = system === UCUM && code ? ucum.canonical(code) : undefined;
  if (canonical) {
    const cols = { low: 'canonical_low', high: 'canonical_high' };
    const unit: Cond[] = [{ op: 'eq', column: 'canonical_code', value: canonical.unit }];
    if (!q.param.includes('$')) unit.push({ op: 'not-composite' });
    return condAnd([...unit, numberCond(prefix, n.value, n.half, (x) => toCanonical(canonical, x), cols)]);
  }
  const conds: Cond[] = [numberCond(prefix, n.value, n.half)];
  if (system) conds.push({ op: 'eq', column: 'system', value: system });
  if (code) conds.push(system ? { op: 'eq', column: 'code', value: code } : condOr([{ op: 'eq', column: 'code', value: code }, { op: 'eq', column: 'unit', value: code }]));
  return condAnd(conds);
}

type QuantityRow = NonNullable<IndexRows['quantity']>[number];

/** A row, with the canonical unit and interval when it is a UCUM quantity whose unit converts (one object shape for every row). */
function quantityRow(param: string, system: string | null, code: string | null, unit: string | null, n: { value: number; low: number; high: number }): QuantityRow {
  const c = system === UCUM && code ? ucum.canonical(code) : undefined;
  if (!c) return { param, system, code, unit, low: n.low, high: n.high, value: n.value, canonicalCode: null, canonicalLow: null, canonicalHigh: null };
  const low = toCanonical(c, n.low);
  const high = n.high === n.low ? low : toCanonical(c, n.high);
  return { param, system, code, unit, low: n.low, high: n.high, value: n.value, canonicalCode: c.unit, canonicalLow: low, canonicalHigh: high };
}

export const quantityType: ParamType = {
  table: 'idx_quantity',
  index(values, param, rows) {
    for (const v of values) {
      if (!isObject(v)) continue;
      const n = numericValue(isRange(v) ? v : v.value);
      if (!n) continue;
      if ('currency' in v) {
        push(rows, 'quantity', quantityRow(param, 'urn:iso:std:iso:4217', str(v.currency) ?? null, null, n));
        continue;
      }
      // a Range: the units of its ends (SimpleQuantity), which must agree
      const u = isRange(v) ? ([v.low, v.high].find((e) => isObject(e) && e.value !== undefined) as Record<string, unknown>) : v;
      if (isRange(v) && isObject(v.low) && isObject(v.high) && v.low.value !== undefined && v.high.value !== undefined && (v.low.code !== v.high.code || v.low.system !== v.high.system)) continue;
      push(rows, 'quantity', quantityRow(param, str(u.system) ?? null, str(u.code) ?? null, str(u.unit) ?? null, n));
    }
  },
  filter(q) {
    if (q.modifier === 'missing') return missingFilter('idx_quantity', q);
    if (q.modifier !== undefined) throw modifierError(q);
    return { kind: 'index', table: 'idx_quantity', param: q.param, where: condOr(q.values.map((v) => quantityCond(q, v))) };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_quantity', param, column: 'value', aggregate: descending ? 'max' : 'min' }),
};
