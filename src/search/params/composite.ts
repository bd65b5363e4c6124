/**
 * composite parameters whose first component is a token (code-value-quantity, component-code-value-date …).
 * Index: the second component's rows, in its own type's table, under `code$system|code` and `code$code`
 * for each coding of the first component, taken from the same repeating element. So
 * `code-value-quantity=http://loinc.org|8480-6$gt140` keeps the full prefix semantics of the quantity.
 * Composites of three or more components, or not led by a token, are not indexed.
 */
import type { SearchParameter } from '../../fhir/definitions.ts';
import type { IndexRows } from '../../storage/index.ts';
import { or, type Filter } from '../../storage/search/index.ts';
import { compileExpression, type Evaluate } from '../expression.ts';
import { splitEscaped } from '../normalize.ts';
import { parseToken, tokenType } from './token.ts';
import { modifierError, valueError, type ParamQuery, type ParamType } from './types.ts';

export interface CompositeParts {
  base: Evaluate;
  first: Evaluate;
  second: Evaluate;
  secondType: ParamType;
}

/** The element path the base expression selects (`Observation.component`), for evaluating components on its items. */
function basePath(expression: string, resourceType: string): string | undefined {
  const e = expression.trim();
  if (e === resourceType || e === 'Resource' || e === 'DomainResource') return resourceType;
  if (/^[A-Z][A-Za-z]+(\.[a-z][A-Za-z]*)+$/.test(e) && e.startsWith(`${resourceType}.`)) return e;
  return undefined;
}

export function compileComposite(
  sp: SearchParameter,
  resourceType: string,
  componentOf: (url: string) => SearchParameter | undefined,
  typeOf: (t: string) => ParamType | undefined,
  forceFhirpath: boolean,
): CompositeParts | undefined {
  if (!sp.expression || sp.component?.length !== 2) return undefined;
  const [a, b] = sp.component.map((c) => componentOf(c.definition));
  if (a?.type !== 'token' || !b) return undefined;
  const secondType = typeOf(b.type);
  const base = basePath(sp.expression, resourceType);
  if (!secondType || !base) return undefined;
  const at = base;
  return {
    base: compileExpression(sp.expression, resourceType, { forceFhirpath }).evaluate,
    first: compileExpression(sp.component[0].expression, resourceType, { base: at, forceFhirpath }).evaluate,
    second: compileExpression(sp.component[1].expression, resourceType, { base: at, forceFhirpath }).evaluate,
    secondType,
  };
}

export function indexComposite(parts: CompositeParts, code: string, resource: unknown, rows: IndexRows): void {
  for (const item of parts.base(resource)) {
    const tokens: IndexRows = {};
    tokenType.index(parts.first(item), code, tokens);
    const keys = new Set<string>();
    for (const t of tokens.token ?? []) {
      if (t.code === null || t.param !== code) continue;
      keys.add(t.code);
      keys.add(`${t.system ?? ''}|${t.code}`);
    }
    if (!keys.size) continue;
    const values = parts.second(item);
    for (const key of keys) parts.secondType.index(values, `${code}$${key}`, rows);
  }
}

export function compositeFilter(q: ParamQuery, secondType: ParamType | undefined): Filter {
  if (q.modifier !== undefined) throw modifierError(q);
  if (!secondType) throw valueError(q, q.values.join(','), 'supported: this composite parameter is not indexed by this server');
  return or(
    q.values.map((v) => {
      const parts = splitEscaped(v, '$');
      if (parts.length !== 2) throw valueError(q, v, 'two values joined by $');
      const t = parseToken(parts[0]);
      if (t.code === null) throw valueError(q, v, 'led by a code');
      const key = t.system === undefined ? t.code : `${t.system ?? ''}|${t.code}`;
      return secondType.filter({ ...q, param: `${q.param}$${key}`, values: [parts[1]] });
    }),
  );
}
