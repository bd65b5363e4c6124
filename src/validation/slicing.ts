/**
 * Which slice an item belongs to: the discriminators of `ElementDefinition.slicing`
 * (value, pattern, exists, type, profile) evaluated on the item and on the slice's definition.
 * Paths are the restricted FHIRPath discriminators allow: names, `$this`, `extension('url')`,
 * `ofType(T)` and `resolve()`.
 */
import type { ProfileNode, ProfileTrees } from './profile-tree.ts';

type Json = Record<string, unknown>;

export interface Item {
  /** The JSON value (undefined for a primitive that has only extensions). */
  value: unknown;
  /** For primitives: the `_name` companion with `id` and `extension`. */
  ext: Json | undefined;
  /** The item's type code when known (from the choice name or the definition). */
  type: string | undefined;
  /** FHIRPath location, e.g. `Patient.identifier[0]`. */
  path: string;
  /** The JSON property it came from. */
  key: string;
  /** A choice type the definition does not allow. */
  disallowed?: boolean;
}

export interface SliceContext {
  conforms(value: unknown, url: string): boolean;
  inValueSet(valueSet: string, system: string | undefined, code: string): boolean;
  trees: ProfileTrees;
  resolve(reference: string): Json | undefined;
}

type Token = { kind: 'name'; name: string } | { kind: 'this' } | { kind: 'extension'; url: string } | { kind: 'ofType'; type: string } | { kind: 'resolve' };

const cache = new Map<string, Token[] | null>();

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function parseDiscriminatorPath(path: string): Token[] | null {
  let tokens = cache.get(path);
  if (tokens !== undefined) return tokens;
  tokens = [];
  let rest = path.trim();
  while (rest.length) {
    let m: RegExpExecArray | null;
    if ((m = /^\$this/.exec(rest))) tokens.push({ kind: 'this' });
    else if ((m = /^extension\(\s*'([^']*)'\s*\)/.exec(rest))) tokens.push({ kind: 'extension', url: m[1] });
    else if ((m = /^ofType\(\s*([A-Za-z]+)\s*\)/.exec(rest))) tokens.push({ kind: 'ofType', type: m[1] });
    else if ((m = /^resolve\(\)/.exec(rest))) tokens.push({ kind: 'resolve' });
    else if ((m = /^[A-Za-z][A-Za-z0-9_]*(\[x\])?/.exec(rest))) tokens.push({ kind: 'name', name: m[0].replace('[x]', '') });
    else {
      tokens = null;
      break;
    }
    rest = rest.slice(m[0].length);
    if (rest.startsWith('.')) rest = rest.slice(1);
    else if (rest.length) {
      tokens = null;
      break;
    }
  }
  cache.set(path, tokens);
  return tokens;
}

/** The definition a discriminator path points at, inside a slice (walking into type profiles as needed). */
function nodeAt(slice: ProfileNode, tokens: Token[], trees: ProfileTrees): { node: ProfileNode; resolved: boolean } | undefined {
  let node: ProfileNode | undefined = slice;
  let resolved = false;
  for (const tok of tokens) {
    if (node === undefined) return undefined;
    switch (tok.kind) {
      case 'this':
      case 'ofType':
        break;
      case 'resolve': {
        resolved = true;
        const target: string | undefined = node.targetProfiles[0];
        const tree: ProfileNode | undefined = target === undefined ? undefined : trees.byUrl(target);
        if (tree === undefined) return { node, resolved };
        node = tree;
        break;
      }
      case 'extension': {
        const ext: ProfileNode | undefined = childOf(node, 'extension', trees);
        const match = ext?.slices.find((s) => s.typeProfiles.includes(tok.url) || s.child('url')?.fixed?.value === tok.url);
        node = match ?? trees.byUrl(tok.url);
        break;
      }
      case 'name':
        node = childOf(node, tok.name, trees);
        break;
    }
  }
  return node === undefined ? undefined : { node, resolved };
}

function childOf(node: ProfileNode, name: string, trees: ProfileTrees): ProfileNode | undefined {
  const own = node.child(name);
  if (own !== undefined) return own;
  const profile = node.typeProfiles[0];
  const tree = profile !== undefined ? trees.byUrl(profile) : node.typeCodes.length === 1 ? trees.type(node.typeCodes[0]) : undefined;
  return tree?.child(name);
}

/** The values at a discriminator path in an item. */
export function valuesAt(item: Item, tokens: Token[], ctx: SliceContext): unknown[] {
  let current: unknown[] = [item.value ?? item.ext];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const next: unknown[] = [];
    for (const v of current) {
      if (!isObject(v)) continue;
      switch (tok.kind) {
        case 'this':
          next.push(v);
          break;
        case 'resolve':
          if (typeof v.reference === 'string') {
            const target = ctx.resolve(v.reference);
            if (target !== undefined) next.push(target);
          }
          break;
        case 'extension':
          if (Array.isArray(v.extension)) next.push(...(v.extension as Json[]).filter((e) => isObject(e) && e.url === tok.url));
          break;
        case 'ofType':
          next.push(v);
          break;
        case 'name': {
          const after = tokens[i + 1];
          let found: unknown = v[tok.name];
          if (found === undefined && after?.kind === 'ofType') found = v[tok.name + capitalize(after.type)];
          if (found === undefined) {
            for (const k in v) if (k.startsWith(tok.name) && k.length > tok.name.length && /[A-Z]/.test(k[tok.name.length])) found = v[k];
          }
          if (Array.isArray(found)) next.push(...found);
          else if (found !== undefined) next.push(found);
        }
      }
    }
    current = next;
  }
  return current;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

function patternMatches(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    const values = Array.isArray(value) ? value : [value];
    return pattern.every((p) => values.some((v) => patternMatches(v, p)));
  }
  if (isObject(pattern)) return isObject(value) && Object.keys(pattern).every((k) => patternMatches(value[k], pattern[k]));
  return value === pattern;
}

function typeOf(value: unknown, item: Item, tokens: Token[]): string | undefined {
  if (isObject(value) && typeof value.resourceType === 'string') return value.resourceType;
  if (tokens.every((t) => t.kind === 'this')) return item.type;
  return undefined;
}

function matchOne(item: Item, slice: ProfileNode, disc: { type: string; path: string }, ctx: SliceContext): boolean {
  const tokens = parseDiscriminatorPath(disc.path);
  if (tokens === null) return false;
  // extension slices by url: the url is the extension definition's
  if (disc.path === 'url' && (disc.type === 'value' || disc.type === 'pattern')) {
    const url = slice.child('url')?.fixed?.value ?? slice.typeProfiles[0];
    if (url !== undefined) return isObject(item.value) && item.value.url === url;
  }
  const target = nodeAt(slice, tokens, ctx.trees);
  const values = valuesAt(item, tokens, ctx);
  switch (disc.type) {
    case 'value':
    case 'pattern': {
      const node = target?.node;
      if (node === undefined) return false;
      const expected = node.fixed?.value ?? node.pattern?.value;
      if (expected !== undefined) {
        const useFixed = node.fixed !== undefined && disc.type === 'value';
        return values.some((v) => (useFixed ? deepEqual(v, expected) : patternMatches(v, expected)));
      }
      const binding = node.ed.binding;
      if (binding?.strength === 'required' && binding.valueSet !== undefined) {
        return values.some((v) => {
          if (typeof v === 'string') return ctx.inValueSet(binding.valueSet!, undefined, v);
          if (!isObject(v)) return false;
          const codings = Array.isArray(v.coding) ? (v.coding as Json[]) : [v];
          return codings.some((c) => isObject(c) && typeof c.code === 'string' && ctx.inValueSet(binding.valueSet!, c.system as string | undefined, c.code));
        });
      }
      return false;
    }
    case 'exists': {
      const node = target?.node;
      if (node === undefined) return false;
      if (node.min >= 1) return values.length > 0;
      if (node.max === 0) return values.length === 0;
      return true;
    }
    case 'type': {
      const node = target?.node;
      if (node === undefined) return false;
      const allowed = node.typeCodes;
      if (target!.resolved) return values.some((v) => isObject(v) && v.resourceType === node.ed.path.split('.')[0]);
      return values.some((v) => {
        const t = typeOf(v, item, tokens);
        return t !== undefined && allowed.includes(t);
      });
    }
    case 'profile': {
      const node = target?.node;
      if (node === undefined) return false;
      const profiles = target!.resolved ? node.ed.path.includes('.') ? node.targetProfiles : [node.sd.url] : node.typeProfiles;
      if (profiles.length === 0) return false;
      return values.some((v) => profiles.some((p) => ctx.conforms(v, p)));
    }
    default:
      return false;
  }
}

/** Does the item belong to the slice? Extensions default to slicing by url. */
export function matchesSlice(
  item: Item,
  slice: ProfileNode,
  discriminators: { type: string; path: string }[] | undefined,
  isExtension: boolean,
  ctx: SliceContext,
): boolean {
  const list = discriminators !== undefined && discriminators.length > 0 ? discriminators : isExtension ? [{ type: 'value', path: 'url' }] : [];
  if (list.length === 0) {
    // no discriminator: the item belongs to the first slice it conforms to (by its type profile)
    const profile = slice.typeProfiles[0];
    return profile !== undefined && ctx.conforms(item.value, profile);
  }
  return list.every((d) => matchOne(item, slice, d, ctx));
}
