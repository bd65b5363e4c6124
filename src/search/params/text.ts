/**
 * `_text` (the narrative, `text.div` without its tags) and `_content` (the whole resource's text).
 *
 * Index: one `_text` and one `_content` row per resource, each the text's words in order, case-
 * and accent-folded as string parameters fold them ("Zoë" → "zoe"), split on anything that is not
 * a letter or a digit, and joined by single spaces. Each store indexes those words (SQLite FTS5,
 * PostgreSQL tsvector), so both find the same resources. `_content` takes every string value of
 * the resource except those that are not prose: ids, references, systems and URLs, codes
 * (Coding.code, status …; their displays and texts are taken), dates and times, base64 data and
 * `meta`; plus the narrative. Each text is cut at MAX_CHARS characters,
 * which bounds the cost of indexing an unusually large resource.
 *
 * Query (the value, per occurrence of the parameter; repeated parameters AND):
 * - words are ANDed: `_content=heart rate` finds resources with both words anywhere;
 * - `"heart rate"`: a phrase, the words next to each other in that order;
 * - `hear*`: a word (or a phrase's last word) as a prefix;
 * - `OR` and `AND` (upper case) between terms, and parentheses: `(bone OR liver) AND metastases`;
 * - `,` ORs whole values, as for every parameter (`\,` for a literal comma).
 * Words are folded as they are indexed; anything else (punctuation) only separates words.
 */
import { FhirError } from '../../fhir/errors.ts';
import type { Filter, TextQuery } from '../../storage/search/index.ts';
import type { IndexRows } from '../../storage/index.ts';
import { fold, isObject, splitEscaped, unescape } from '../normalize.ts';

/** Characters of text indexed per resource and parameter at most. */
export const MAX_CHARS = 16_384;
/** Longer "words" (encoded data, hashes) are not indexed. */
const MAX_WORD = 64;

/** What separates words: anything that is not a letter or a digit. */
const NON_WORD = /[^\p{L}\p{N}]+/u;
const ASCII = /^[\x00-\x7f]*$/;
const ASCII_NON_WORD = /[^a-z0-9]+/;
/** Keys whose string values are not prose (or, `div`, are taken separately). */
const SKIP = new Set(['resourceType', 'id', 'meta', 'reference', 'system', 'url', 'div', 'data', 'fullUrl', 'contentType', 'language', 'versionId', 'valueBase64Binary', 'hash']);
/** Keys whose string values are codes (Coding.code, status, gender …): not words anyone searches text for. */
const CODE_KEYS = new Set(['code', 'status', 'use', 'gender', 'mode', 'intent', 'priority', 'comparator', 'currency']);
const DATE_LIKE = /^\d{4}(-\d\d(-\d\d(T[\d:.]+(Z|[+-]\d\d:\d\d)?)?)?)?$/;

/** The folded words of `text`, joined by single spaces. */
export function words(text: string): string {
  const cut = text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text;
  const folded = fold(cut);
  // folded ASCII text (most) has only a-z and 0-9 for letters and digits
  const parts = ASCII.test(folded) ? folded.split(ASCII_NON_WORD) : folded.split(NON_WORD);
  const kept: string[] = [];
  for (const w of parts) if (w && w.length <= MAX_WORD) kept.push(w);
  return kept.join(' ');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** The text of an XHTML narrative: tags dropped, character references decoded. */
export function narrativeText(div: string): string {
  return div
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (_, e: string) => {
      if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? ' ';
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : Number(e.slice(1));
      return code > 0 && code < 0x110000 ? String.fromCodePoint(code) : ' ';
    });
}

/** Gathers the prose string values under `node`, up to MAX_CHARS characters in all. */
function gather(node: unknown, parts: string[], budget: { left: number }): void {
  if (budget.left <= 0) return;
  if (typeof node === 'string') {
    if (node.length < 4 || !DATE_LIKE.test(node)) {
      parts.push(node);
      budget.left -= node.length + 1;
    }
    return;
  }
  if (Array.isArray(node)) {
    for (const x of node) gather(x, parts, budget);
    return;
  }
  if (!isObject(node)) return;
  for (const key in node) {
    if (SKIP.has(key)) continue;
    const v = node[key];
    if (typeof v === 'string' && CODE_KEYS.has(key)) continue;
    gather(v, parts, budget);
  }
}

/** Adds the `_text` and `_content` rows of a resource. */
export function addText(resource: Record<string, unknown>, rows: IndexRows): void {
  const div = isObject(resource.text) && typeof resource.text.div === 'string' ? narrativeText(resource.text.div) : '';
  const narrative = div ? words(div) : '';
  const parts: string[] = div ? [div] : [];
  gather(resource, parts, { left: MAX_CHARS - div.length });
  const content = words(parts.join(' '));
  const text: NonNullable<IndexRows['text']> = [];
  if (narrative) text.push({ param: '_text', value: narrative });
  if (content) text.push({ param: '_content', value: content });
  if (text.length) rows.text = text;
}

function invalid(name: string, value: string, why: string): FhirError {
  return new FhirError('incorrect', `${name}=${value}: ${why}. Write words (ANDed), "a phrase", a prefix*, OR, AND and parentheses`);
}

/** Parses one value (no top-level commas) into a query tree. */
export function parseTextQuery(value: string, name = '_content'): TextQuery {
  // tokens: ( ) OR AND "phrase"[*] word[*]
  const tokens: ({ kind: '(' | ')' | 'or' | 'and' } | { kind: 'term'; text: string; prefix: boolean })[] = [];
  const re = /\s*(?:(\()|(\))|"([^"]*)"(\*?)|([^\s()"]+))/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < value.length && (m = re.exec(value))) {
    at = re.lastIndex;
    if (m[1]) tokens.push({ kind: '(' });
    else if (m[2]) tokens.push({ kind: ')' });
    else if (m[3] !== undefined) tokens.push({ kind: 'term', text: m[3], prefix: m[4] === '*' });
    else if (m[5] === 'OR') tokens.push({ kind: 'or' });
    else if (m[5] === 'AND') tokens.push({ kind: 'and' });
    else {
      const prefix = m[5].endsWith('*');
      tokens.push({ kind: 'term', text: prefix ? m[5].slice(0, -1) : m[5], prefix });
    }
  }
  if (value.slice(at).trim()) throw invalid(name, value, 'an unclosed quote');
  let n = 0;
  const or = (): TextQuery => {
    const args = [and()];
    while (tokens[n]?.kind === 'or') (n++, args.push(and()));
    return args.length === 1 ? args[0] : { op: 'or', args };
  };
  const and = (): TextQuery => {
    const args: TextQuery[] = [];
    for (;;) {
      const t = tokens[n];
      if (!t || t.kind === ')' || t.kind === 'or') break;
      if (t.kind === 'and') {
        if (!args.length) throw invalid(name, value, 'AND with nothing before it');
        n++;
        continue;
      }
      n++;
      if (t.kind === '(') {
        args.push(or());
        if (tokens[n++]?.kind !== ')') throw invalid(name, value, 'an unclosed parenthesis');
        continue;
      }
      if (t.kind !== 'term') continue;
      const w = words(t.text);
      if (!w) continue; // punctuation alone
      args.push({ op: 'term', words: w.split(' '), prefix: t.prefix });
    }
    if (!args.length) throw invalid(name, value, 'no words to search for');
    return args.length === 1 ? args[0] : { op: 'and', args };
  };
  const q = or();
  if (n < tokens.length) throw invalid(name, value, `an unexpected ${tokens[n].kind === ')' ? 'closing parenthesis' : tokens[n].kind.toUpperCase()}`);
  return q;
}

/** `_text=…` / `_content=…`: one filter, its comma-separated values ORed. */
export function textFilter(param: '_text' | '_content', modifier: string | undefined, value: string): Filter {
  if (modifier !== undefined) throw new FhirError('incorrect', `The modifier :${modifier} is not supported on ${param}`, { code: 'not-supported' });
  const alternatives = splitEscaped(value, ',').map((v) => parseTextQuery(unescape(v), param));
  return { kind: 'text', param, query: alternatives.length === 1 ? alternatives[0] : { op: 'or', args: alternatives } };
}
