/** Finding and rewriting references inside a resource (transaction processing). */
import { keepDecimalTexts } from './json.ts';

const CONDITIONAL = /^([A-Z][A-Za-z]+)\?(.+)$/;

/** Every conditional reference (`Patient?identifier=...`) in `reference` elements. */
export function conditionalReferences(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) conditionalReferences(v, out);
  else if (value && typeof value === 'object') {
    for (const k in value) {
      const v = (value as Record<string, unknown>)[k];
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
  // copies only the parts that change, so the untouched bulk of a resource is shared, not rebuilt
  const walk = (v: unknown, key?: string): unknown => {
    if (typeof v === 'string') {
      const hit = map.get(v);
      if (hit !== undefined) return hit;
      if (key === 'div' && v.includes('"')) return v.replace(/(href|src)="([^"]*)"/g, (all, attr, url) => (map.has(url) ? `${attr}="${map.get(url)}"` : all));
      return v;
    }
    if (Array.isArray(v)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < v.length; i++) {
        const x = walk(v[i], key);
        if (x !== v[i]) (out ??= v.slice())[i] = x;
      }
      return out ? keepDecimalTexts(v, out) : v;
    }
    if (v && typeof v === 'object') {
      let out: Record<string, unknown> | undefined;
      for (const k in v) {
        const before = (v as Record<string, unknown>)[k];
        const x = walk(before, k);
        if (x !== before) (out ??= { ...(v as Record<string, unknown>) })[k] = x;
      }
      return out ?? v;
    }
    return v;
  };
  return walk(value) as T;
}
