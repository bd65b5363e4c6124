/**
 * Token modifiers answered from terminology the server holds: `:in` / `:not-in` a ValueSet (its
 * expansion over the CodeSystems held, core, packages and those POSTed), `:below` / `:above` a
 * code in a held CodeSystem's hierarchy (the code itself included). What cannot be enumerated
 * (a ValueSet drawing on SNOMED CT or LOINC by filter, an unknown ValueSet or CodeSystem) is
 * refused with 400 rather than answered incompletely.
 */
import { FhirError } from '../../fhir/errors.ts';
import { condOr, type Cond, type Filter } from '../../storage/search/index.ts';
import type { Terminology } from '../../validation/index.ts';
import { unescape } from '../normalize.ts';
import { parseToken } from './token.ts';
import type { ParamQuery } from './types.ts';

/** More codes than this in one criterion is refused (query size), not truncated. */
export const MAX_CODES = 5000;

function refuse(q: ParamQuery, why: string): FhirError {
  return new FhirError('incorrect', `${q.sp.code}:${q.modifier}: ${why}`, { code: 'not-supported' });
}

function terminologyOf(q: ParamQuery): Terminology {
  if (!q.terminology) throw refuse(q, 'no terminology is available to this search');
  return q.terminology;
}

/**
 * `system = s AND code IN (…)` per system; and the codes alone where no system is indexed
 * (elements of type `code`, such as Patient.gender, whose system is implied by their binding).
 */
function codesCond(q: ParamQuery, codes: Iterable<[string, string]>): Cond {
  const bySystem = new Map<string, string[]>();
  const all = new Set<string>();
  for (const [system, code] of codes) {
    (bySystem.get(system) ?? bySystem.set(system, []).get(system)!).push(code);
    all.add(code);
    if (all.size > MAX_CODES) throw refuse(q, `more than ${MAX_CODES} codes; search by fewer`);
  }
  const conds: Cond[] = [...bySystem].map(([system, list]): Cond => ({ op: 'and', conds: [{ op: 'eq', column: 'system', value: system }, { op: 'in', column: 'code', values: list }] }));
  if (all.size) conds.push({ op: 'and', conds: [{ op: 'null', column: 'system' }, { op: 'in', column: 'code', values: [...all] }] });
  return condOr(conds);
}

function valueSetCond(q: ParamQuery, url: string): Cond {
  const expansion = terminologyOf(q).expand(url);
  if (!expansion) throw refuse(q, `the ValueSet ${url} is not known to this server`);
  if (expansion.open.size) throw refuse(q, `the ValueSet ${url} draws on ${[...expansion.open].join(', ')}, which this server cannot enumerate`);
  return codesCond(
    q,
    [...expansion.codes.keys()].map((k): [string, string] => {
      const bar = k.lastIndexOf('|');
      return [k.slice(0, bar), k.slice(bar + 1)];
    }),
  );
}

/** The code and its descendants (`below`) or ancestors (`above`) in the held CodeSystem. */
function hierarchyCond(q: ParamQuery, value: string, direction: 'above' | 'below'): Cond {
  const t = parseToken(value);
  if (!t.system || t.code === null) throw refuse(q, `${value} must name a system and a code (system|code)`);
  const cs = terminologyOf(q).codeSystem(t.system);
  if (!cs) throw refuse(q, `the CodeSystem ${t.system} is not held by this server`);
  if (!cs.concepts.has(t.code)) return { op: 'false' };
  const next = new Map<string, string[]>();
  for (const c of cs.concepts.values())
    for (const parent of c.parents) {
      const [from, to] = direction === 'below' ? [parent, c.code] : [c.code, parent];
      (next.get(from) ?? next.set(from, []).get(from)!).push(to);
    }
  const found = new Set([t.code]);
  for (const todo = [t.code]; todo.length; ) for (const n of next.get(todo.pop()!) ?? []) if (!found.has(n)) (found.add(n), todo.push(n));
  return codesCond(q, [...found].map((c): [string, string] => [t.system!, c]));
}

export function terminologyFilter(q: ParamQuery): Filter {
  const values = q.values.map(unescape);
  const where =
    q.modifier === 'in' || q.modifier === 'not-in'
      ? condOr(values.map((v) => valueSetCond(q, v)))
      : condOr(values.map((v) => hierarchyCond(q, v, q.modifier as 'above' | 'below')));
  const filter: Filter = { kind: 'index', table: 'idx_token', param: q.param, where };
  return q.modifier === 'not-in' ? { kind: 'not', filter } : filter;
}
