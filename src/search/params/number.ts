/**
 * number parameters. Index: the value with the range its written precision implies.
 * Query: prefixes; `eq`/`ne` use the search value's precision (100 is 99.5 ≤ x < 100.5),
 * the others compare exactly, `ap` within 10%.
 */
import { condAnd, type Cond } from '../../storage/search/index.ts';
import { splitPrefix, unescape, type Prefix } from '../normalize.ts';
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

/** Conditions on the `value` column: `prefix` against `value` written with precision ±`half`. */
export function numberCond(prefix: Prefix, value: number, half: number): Cond {
  const eq = condAnd([
    { op: 'ge', column: 'value', value: edge(value, -half) },
    { op: 'lt', column: 'value', value: edge(value, half) },
  ]);
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return { op: 'not', cond: eq };
    case 'gt':
    case 'sa':
      return { op: 'gt', column: 'value', value };
    case 'lt':
    case 'eb':
      return { op: 'lt', column: 'value', value };
    case 'ge':
      return { op: 'ge', column: 'value', value };
    case 'le':
      return { op: 'le', column: 'value', value };
    case 'ap': {
      const d = Math.abs(value) * 0.1;
      return condAnd([
        { op: 'ge', column: 'value', value: edge(value, -d) },
        { op: 'le', column: 'value', value: edge(value, d) },
      ]);
    }
  }
}

export function numericValue(v: unknown): { value: number; low: number; high: number } | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return undefined;
  const p = parseNumber(String(v));
  const half = p && !/e/i.test(String(v)) ? p.half : 0;
  return { value: n, low: half ? edge(n, -half) : n, high: half ? edge(n, half) : n };
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
