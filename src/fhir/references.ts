/** Finding and rewriting references inside a resource (transaction processing). */
import { keepDecimalTexts } from './json.ts';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** Every conditional reference (`Patient?identifier=...`) in `reference` elements. */
export function conditionalReferences(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) conditionalReferences(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'reference' && typeof v === 'string' && CONDITIONAL.test(v)) out.add(v);
      else if (typeof v === 'object') conditionalReferences(v, out);
    }
  }
  return out;
}

export function parseConditionalReference(ref: string): { resourceType: string; query: string } | undefined {
  const m = CONDITIONAL.exec(ref);
  return m ? { resourceType: m[1], query: m[2] } : undefined;
}

/**
 * Returns a copy of `value` in which every string equal to a key of `map` is replaced by its
 * value (references, canonicals, uris), and links inside narrative are rewritten too.
 */
export function rewriteReferences<T>(value: T, map: Map<string, string>): T {
  if (map.size === 0) return value;
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') {
      const hit = map.get(v);
      if (hit !== undefined) return hit;
      if (key === 'div' && v.includes('"')) return v.replace(/(href|src)="([^"]*)"/g, (all, attr, url) => (map.has(url) ? `${attr}="${map.get(url)}"` : all));
      return v;
    }
    if (Array.isArray(v)) return keepDecimalTexts(v, v.map((x) => walk(x, key)));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, k);
      return keepDecimalTexts(v, out);
    }
    return v;
  };
  return walk(value) as T;
}
