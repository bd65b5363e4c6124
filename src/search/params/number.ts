/**
 * number parameters. Index: a number as the point [value, value]; a Range (RiskAssessment's
 * probabilityRange) as the interval [low, high], an open end unbounded.
 * Query: prefixes; `eq`/`ne` use the search value's precision (100 is 99.5 ≤ x < 100.5),
 * the others compare exactly, `ap` within 10%; against a Range as the spec defines them for ranges.
 */
import { condAnd, type Cond } from '../../storage/search/index.ts';
import { isObject, splitPrefix, unescape, type Prefix } from '../normalize.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';
import { condOr } from '../../storage/search/index.ts';

const NUMBER = /^([-+]?)(\d+)(?:\.(\d+))?(?:[eE]([-+]?\d+))?$/;

/** The value and half the width of the range its precision implies ("100" → 0.5, "100.00" → 0.005, "1e2" → 5 as the spec's example has it). */
export function parseNumber(text: string): { value: number; half: number } | undefined {
  const m = NUMBER.exec(text.trim());
  if (!m) return undefined;
  const decimals = m[3]?.length ?? 0;
  const exponent = m[4] === undefined ? 0 : Number(m[4]) - 1;
  return { value: Number(text), half: 0.5 * 10 ** (exponent - decimals) };
}

/** value ± half without binary floating-point noise (5.4 − 0.05 is 5.35, not 5.3500000000000005). */
function edge(value: number, delta: number): number {
  const digits = Math.min(20, Math.max(0, Math.ceil(-Math.log10(Math.abs(delta))) + 1));
  return Number((value + delta).toFixed(digits));
}

/**
 * Conditions on an index row's interval [`low`, `high`] (a point value has low = high = value; a
 * Range its ends): `prefix` against `value` written with precision ±`half`, as the spec defines
 * the prefixes for ranges. For a point value they come down to: `eq` within the search value's
 * precision (100 is 99.5 ≤ x < 100.5), `gt` `lt` `ge` `le` `sa` `eb` exact comparisons, `ap`
 * within 10%. `map` converts the search value's numbers into the indexed unit (UCUM canonical units).
 */
export function numberCond(prefix: Prefix, value: number, half: number, map: (x: number) => number = (x) => x, cols = { low: 'low', high: 'high' }): Cond {
  const lo = map(edge(value, -half));
  const hi = map(edge(value, half));
  const v = map(value);
  // the search range contains the row's interval (low < hi is implied, and bounds the index scan on low)
  const eq = condAnd([
    { op: 'ge', column: cols.low, value: lo },
    { op: 'lt', column: cols.low, value: hi },
    { op: 'lt', column: cols.high, value: hi },
  ]);
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return { op: 'not', cond: eq };
    case 'gt':
      return { op: 'gt', column: cols.high, value: v };
    case 'lt':
      return { op: 'lt', column: cols.low, value: v };
    case 'ge':
      return { op: 'ge', column: cols.high, value: v };
    case 'le':
      return { op: 'le', column: cols.low, value: v };
    case 'sa':
      return { op: 'gt', column: cols.low, value: v };
    case 'eb':
      return { op: 'lt', column: cols.high, value: v };
    case 'ap': {
      const d = Math.abs(value) * 0.1;
      return condAnd([
        { op: 'le', column: cols.low, value: map(edge(value, d)) },
        { op: 'ge', column: cols.high, value: map(edge(value, -d)) },
      ]);
    }
  }
}

/** A number as written (JSON number or decimal text). */
export function numberOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** Whether `v` is a Range (low and/or high, each a Quantity): indexed as the interval between them. */
export function isRange(v: unknown): v is { low?: Record<string, unknown>; high?: Record<string, unknown> } {
  return isObject(v) && ('low' in v || 'high' in v) && !('value' in v);
}

/** The interval a number or a Range covers, and the value it sorts by. */
export function numericValue(v: unknown): { value: number; low: number; high: number } | undefined {
  if (isRange(v)) {
    const low = isObject(v.low) ? numberOf(v.low.value) : undefined;
    const high = isObject(v.high) ? numberOf(v.high.value) : undefined;
    if (low === undefined && high === undefined) return undefined;
    return { value: (low ?? high)!, low: low ?? -Infinity, high: high ?? Infinity };
  }
  const n = numberOf(v);
  return n === undefined ? undefined : { value: n, low: n, high: n };
}

export const numberType: ParamType = {
  table: 'idx_number',
  index(values, param, rows) {
    for (const v of values) {
      const n = numericValue(v);
      if (n) push(rows, 'number', { param, ...n });
    }
  },
  filter(q: ParamQuery) {
    if (q.modifier === 'missing') return missingFilter('idx_number', q);
    if (q.modifier !== undefined) throw modifierError(q);
    return {
      kind: 'index',
      table: 'idx_number',
      param: q.param,
      where: condOr(
        q.values.map((raw) => {
          const { prefix, rest } = splitPrefix(unescape(raw));
          const n = parseNumber(rest);
          if (!n) throw valueError(q, raw, 'a number, e.g. 100 or gt2.5');
          return numberCond(prefix, n.value, n.half);
        }),
      ),
    };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_number', param, column: 'value', aggregate: descending ? 'max' : 'min' }),
};
