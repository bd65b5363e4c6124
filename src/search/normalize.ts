/** Value normalisation shared by index extraction and query compilation. */

const ASCII = /^[\x00-\x7f]*$/;

/** Case- and accent-folded text: "Zoë Ärnold" → "zoe arnold". */
export function fold(text: string): string {
  // ASCII text (most) has no accents, and NFKD leaves it as it is
  if (ASCII.test(text)) return text.toLowerCase();
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function strings(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x !== '');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

/** Splits a parameter value on unescaped commas (OR) and removes `\,` `\$` `\|` `\\` escapes from each part. */
export function splitOr(value: string): string[] {
  return splitEscaped(value, ',').map(unescape);
}

/** Splits on an unescaped separator, keeping escapes for later stages. */
export function splitEscaped(value: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\' && i + 1 < value.length) {
      cur += c + value[++i];
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function unescape(value: string): string {
  return value.replace(/\\([\\,$|])/g, '$1');
}

/** Date/number/quantity prefixes of the spec. */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

export function splitPrefix(value: string): { prefix: Prefix; rest: string } {
  const m = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)(?=[-+.\d])/.exec(value);
  return m ? { prefix: m[1] as Prefix, rest: value.slice(2) } : { prefix: 'eq', rest: value };
}

/** The lowest and highest values any date can take, in epoch milliseconds (open period ends). */
export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;
