/**
 * date parameters. Index: date, dateTime and instant values as the range their precision covers;
 * Periods from start's low to end's high (open ends unbounded); Timings over their events.
 * Query: prefixes eq ne gt lt ge le sa eb ap compared range to range as the spec defines them.
 */
import { dateRange } from '../../fhir/dates.ts';
import { condAnd, condOr, type Cond } from '../../storage/search/index.ts';
import { isObject, MAX_TIME, MIN_TIME, splitPrefix, str, strings, unescape, type Prefix } from '../normalize.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';

export function dateValueRange(value: unknown): { low: number; high: number } | undefined {
  if (typeof value === 'string') return dateRange(value);
  if (!isObject(value)) return undefined;
  if ('start' in value || 'end' in value) {
    const start = str(value.start) ? dateRange(value.start as string) : undefined;
    const end = str(value.end) ? dateRange(value.end as string) : undefined;
    if (!start && !end) return undefined;
    return { low: start?.low ?? MIN_TIME, high: end?.high ?? MAX_TIME };
  }
  if ('event' in value || 'repeat' in value) {
    const ranges = strings(value.event).map((e) => dateRange(e)).filter((r) => r !== undefined);
    const repeat = isObject(value.repeat) ? value.repeat : undefined;
    const bounds = repeat && isObject(repeat.boundsPeriod) ? dateValueRange(repeat.boundsPeriod) : undefined;
    if (bounds) ranges.push(bounds);
    if (!ranges.length) return undefined;
    return { low: Math.min(...ranges.map((r) => r.low)), high: Math.max(...ranges.map((r) => r.high)) };
  }
  return undefined;
}

/** Index rows [low, high] that satisfy `prefix` against the search range [sl, sh] (both inclusive). */
export function rangeCond(prefix: Prefix, sl: number, sh: number, now: number, cols = { low: 'low', high: 'high' }): Cond {
  // low ≤ high in every row, so `low ≤ sh` is implied where it is added: it bounds the index range scan on low
  const eq: Cond = condAnd([
    { op: 'ge', column: cols.low, value: sl },
    { op: 'le', column: cols.low, value: sh },
    { op: 'le', column: cols.high, value: sh },
  ]);
  switch (prefix) {
    case 'eq':
      return eq;
    case 'ne':
      return { op: 'not', cond: eq };
    case 'gt':
      return { op: 'gt', column: cols.high, value: sh };
    case 'lt':
      return { op: 'lt', column: cols.low, value: sl };
    case 'ge':
      // high ≥ sl is implied by either branch: stated, it bounds an index scan on high
      return condAnd([{ op: 'ge', column: cols.high, value: sl }, condOr([{ op: 'gt', column: cols.high, value: sh }, eq])]);
    case 'le':
      return condAnd([{ op: 'le', column: cols.low, value: sh }, condOr([{ op: 'lt', column: cols.low, value: sl }, eq])]);
    case 'sa':
      return { op: 'gt', column: cols.low, value: sh };
    case 'eb':
      return condAnd([{ op: 'lt', column: cols.low, value: sl }, { op: 'lt', column: cols.high, value: sl }]);
    case 'ap': {
      const gap = Math.abs(now - (sl + sh) / 2) * 0.1;
      return condAnd([
        { op: 'le', column: cols.low, value: Math.ceil(sh + gap) },
        { op: 'ge', column: cols.high, value: Math.floor(sl - gap) },
      ]);
    }
  }
}

export function dateCond(q: ParamQuery, raw: string, cols?: { low: string; high: string }): Cond {
  const { prefix, rest } = splitPrefix(unescape(raw));
  const range = dateRange(rest);
  if (!range) throw valueError(q, raw, 'a date, e.g. 2024-03-01 or ge2024-03-01T09:00:00Z');
  return rangeCond(prefix, range.low, range.high, q.now, cols);
}

export const dateType: ParamType = {
  table: 'idx_date',
  index(values, param, rows) {
    for (const v of values) {
      const r = dateValueRange(v);
      if (r) push(rows, 'date', { param, low: r.low, high: r.high });
    }
  },
  filter(q) {
    if (q.modifier === 'missing') return missingFilter('idx_date', q);
    if (q.modifier !== undefined) throw modifierError(q);
    return { kind: 'index', table: 'idx_date', param: q.param, where: condOr(q.values.map((v) => dateCond(q, v))) };
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_date', param, column: descending ? 'high' : 'low', aggregate: descending ? 'max' : 'min' }),
};
