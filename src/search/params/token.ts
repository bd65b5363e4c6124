/**
 * token parameters. Index: {system, code} per Coding, Identifier (system|value), ContactPoint
 * (value), code, boolean or string, with folded display/text for `:text`; identifiers also under
 * `code:of-type` as {type system, "type code|value"}.
 * Query: `code`, `system|code`, `|code`, `system|`; `:not`, `:text`, `:of-type`, `:missing`;
 * `:in`, `:not-in`, `:above`, `:below` from terminology (token-terminology.ts).
 */
import { condAnd, condOr, type Cond } from '../../storage/search/index.ts';
import type { IndexRows } from '../../storage/index.ts';
import { fold, isObject, splitEscaped, str, unescape } from '../normalize.ts';
import { terminologyFilter } from './token-terminology.ts';
import { missingFilter, modifierError, push, valueError, type ParamQuery, type ParamType } from './types.ts';

type TokenRow = NonNullable<IndexRows['token']>[number];

function codings(value: unknown, param: string, out: TokenRow[], rows: IndexRows): void {
  if (typeof value === 'string') return void (value !== '' && out.push({ param, system: null, code: value }));
  if (typeof value === 'boolean' || typeof value === 'number') return void out.push({ param, system: null, code: String(value) });
  if (!isObject(value)) return;
  if (Array.isArray(value.coding) || 'text' in value) {
    // CodeableConcept
    const text = str(value.text);
    for (const c of Array.isArray(value.coding) ? value.coding : []) {
      if (!isObject(c)) continue;
      const display = str(c.display) ?? text;
      if (str(c.code) || str(c.system) || (display && !text)) out.push({ param, system: str(c.system) ?? null, code: str(c.code) ?? null, text: display ? fold(display) : null });
    }
    if (text) out.push({ param, system: null, code: null, text: fold(text) });
    return;
  }
  if ('value' in value && !('code' in value)) {
    const v = str(value.value);
    const isIdentifier = 'type' in value || 'assigner' in value || 'period' in value || !['phone', 'fax', 'email', 'pager', 'url', 'sms', 'other'].includes(String(value.system));
    if (!v) return;
    if (!isIdentifier) return void out.push({ param, system: null, code: v }); // ContactPoint
    const type = isObject(value.type) ? value.type : undefined;
    out.push({ param, system: str(value.system) ?? null, code: v, text: str(type?.text) ? fold(String(type!.text)) : null });
    for (const c of Array.isArray(type?.coding) ? type!.coding : []) {
      if (isObject(c) && str(c.code)) push(rows, 'token', { param: `${param}:of-type`, system: str(c.system) ?? null, code: `${c.code}|${v}` });
    }
    return;
  }
  if (str(value.code) || str(value.system)) {
    const display = str(value.display);
    out.push({ param, system: str(value.system) ?? null, code: str(value.code) ?? null, text: display ? fold(display) : null });
  }
}

/** Splits a token query value into system and code: undefined system = any; null = none; null code = any. */
export function parseToken(value: string): { system?: string | null; code: string | null } {
  const parts = splitEscaped(value, '|').map(unescape);
  if (parts.length === 1) return { code: parts[0] };
  if (parts.length === 2) return { system: parts[0] === '' ? null : parts[0], code: parts[1] === '' ? null : parts[1] };
  throw new Error(`"${value}" is not a token`);
}

export function tokenCond(t: { system?: string | null; code: string | null }): Cond {
  const parts: Cond[] = [];
  if (t.code !== null) parts.push({ op: 'eq', column: 'code', value: t.code });
  if (t.system === null) parts.push({ op: 'null', column: 'system' });
  else if (t.system !== undefined) parts.push({ op: 'eq', column: 'system', value: t.system });
  return condAnd(parts);
}

function tokens(q: ParamQuery) {
  return q.values.map((v) => {
    try {
      return parseToken(v);
    } catch {
      throw valueError(q, v, 'a token (system|code)');
    }
  });
}

export const tokenType: ParamType = {
  table: 'idx_token',
  index(values, param, rows) {
    const out: TokenRow[] = [];
    for (const v of values) codings(v, param, out, rows);
    for (const r of out) push(rows, 'token', r);
  },
  filter(q) {
    switch (q.modifier) {
      case undefined:
        return { kind: 'index', table: 'idx_token', param: q.param, where: condOr(tokens(q).map(tokenCond)) };
      case 'not':
        return { kind: 'not', filter: { kind: 'index', table: 'idx_token', param: q.param, where: condOr(tokens(q).map(tokenCond)) } };
      case 'text':
        return {
          kind: 'index',
          table: 'idx_token',
          param: q.param,
          where: condOr(q.values.map(unescape).flatMap((v): Cond[] => [{ op: 'starts-with', column: 'text', value: fold(v) }, { op: 'contains', column: 'text', value: ` ${fold(v)}` }])),
        };
      case 'of-type':
        return {
          kind: 'index',
          table: 'idx_token',
          param: `${q.param}:of-type`,
          where: condOr(
            q.values.map((v) => {
              const parts = splitEscaped(v, '|').map(unescape);
              if (parts.length !== 3) throw valueError(q, v, 'system|code|value (:of-type)');
              return tokenCond({ system: parts[0] === '' ? null : parts[0], code: `${parts[1]}|${parts[2]}` });
            }),
          ),
        };
      case 'missing':
        return missingFilter('idx_token', q);
      case 'in':
      case 'not-in':
      case 'above':
      case 'below':
        return terminologyFilter(q);
      default:
        throw modifierError(q);
    }
  },
  sort: (param, descending) => ({ kind: 'index', table: 'idx_token', param, column: 'code', aggregate: descending ? 'max' : 'min' }),
};
