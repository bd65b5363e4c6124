/**
 * Questionnaire rules (https://hl7.org/fhir/R4/questionnaire.html#enableWhen): the question an
 * item's enableWhen depends on must be an item of the Questionnaire, not the item itself nor one
 * of its own descendants (whose enablement would then depend on itself).
 */
import type { Issue } from '../fhir/errors.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

function linkIds(items: unknown[], into: Set<string>): Set<string> {
  for (const item of items) {
    if (!isObject(item)) continue;
    if (typeof item.linkId === 'string') into.add(item.linkId);
    linkIds(list(item.item), into);
  }
  return into;
}

export function questionnaireRules(questionnaire: Json, at: string): Issue[] {
  const issues: Issue[] = [];
  const all = linkIds(list(questionnaire.item), new Set());
  const visit = (items: unknown[], where: string): void =>
    items.forEach((item, i) => {
      if (!isObject(item)) return;
      const here = `${where}[${i}]`;
      const inner = linkIds(list(item.item), new Set());
      list(item.enableWhen).forEach((ew, j) => {
        if (!isObject(ew) || typeof ew.question !== 'string') return;
        const q = ew.question;
        const problem =
          q === item.linkId
            ? `The enableWhen of item '${String(item.linkId)}' refers to the item itself`
            : inner.has(q)
              ? `The enableWhen of item '${String(item.linkId)}' refers to '${q}', one of its own descendants`
              : !all.has(q)
                ? `The enableWhen of item '${String(item.linkId)}' refers to '${q}', which is not an item of this Questionnaire`
                : undefined;
        if (problem !== undefined) issues.push({ severity: 'error', code: 'business-rule', diagnostics: problem, expression: [`${here}.enableWhen[${j}].question`] });
      });
      visit(list(item.item), `${here}.item`);
    });
  visit(list(questionnaire.item), `${at}.item`);
  return issues;
}
