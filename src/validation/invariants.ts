/**
 * Invariants (`ElementDefinition.constraint.expression`) evaluated with the `fhirpath` package
 * and its R4 model. Each (base path, expression) pair is compiled once and reused; an
 * expression the engine cannot compile is remembered and skipped (reported once by `skipped`).
 * An invariant holds when it evaluates to true: an empty result fails, as in the Java reference
 * validator. Expressions R4 publishes with defects are evaluated as corrected (R4_ERRATA).
 *
 * Most invariants are trivially satisfied on most elements (`code.empty() or system.exists()`
 * on a Quantity without a code; the dom-* rules on a resource without contained resources), and
 * the engine's per-evaluation cost (wrapping the data in nodes, cloning contexts) dominates
 * validation. So each expression is also analysed once, when compiled, for the names whose
 * absence decides it (`fastPath`): a node without them is answered without the engine, with the
 * value the engine would give. Results are also remembered for the duration of one validation
 * (`beginValidation`), as the base definition and a profile usually carry the same invariants.
 */
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

type Compiled = (resource: unknown, env?: Record<string, unknown>) => unknown[];
type Json = Record<string, unknown>;

/**
 * Constraints checked natively by the validators (cheaper, and with better messages): ele-1,
 * ext-1; txt-1 and txt-2 (the engine has no htmlChecks()); dom-3 (the engine rejects its
 * `as()` on collections, see contained-references.ts).
 */
export const NATIVE_CONSTRAINTS = new Set(['ele-1', 'ext-1', 'txt-1', 'txt-2', 'dom-3']);

/**
 * Invariant expressions published in R4 (4.0.1) with defects, and the expression evaluated in
 * their place. Invariants must evaluate to true (an empty result fails, as in the Java reference
 * validator), and each of these is false or empty on conformant data, throws in the engine, or
 * contradicts its own human-readable rule. The corrections are those later FHIR versions and
 * the reference validator made. Keyed by the published expression, so a profile that copies
 * one (UK Core's snapshots do) is corrected too.
 */
export const R4_ERRATA: ReadonlyMap<string, { expression: string; why: string }> = new Map([
  [
    "reference.startsWith('#').not() or (reference.substring(1).trace('url') in %rootResource.contained.id.trace('ids'))",
    {
      expression: "reference.exists() implies (reference = '#' or reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id))",
      why: "ref-1: empty for a Reference with only an identifier or display; and '#' alone refers to the container (R4 references.html#contained)",
    },
  ],
  [
    "name.matches('[A-Z]([A-Za-z0-9_]){0,254}')",
    {
      expression: "name.exists() implies name.matches('^[A-Z]([A-Za-z0-9_]){0,254}$')",
      why: 'xxx-0 (canonical resource names): empty when there is no name (name is optional); the whole name must be a machine-processable identifier',
    },
  ],
  ['enableWhen.count() > 2 implies enableBehavior.exists()', { expression: 'enableWhen.count() > 1 implies enableBehavior.exists()', why: 'que-12: the rule is "more than one enableWhen" (corrected in R4B)' }],
  ["operator = 'exists' implies (answer is Boolean)", { expression: "operator = 'exists' implies (answer is boolean)", why: 'que-7: the FHIR type is boolean; System.Boolean never matches an element (corrected in R5)' }],
  [
    'probability is decimal implies (probability as decimal) <= 100',
    { expression: '(probability.exists() and (probability is decimal)) implies ((probability as decimal) <= 100)', why: 'ras-2: empty when there is no probability' },
  ],
  [
    '($this as dateTime).toString().length() >= 8',
    { expression: '$this is dateTime implies $this.toString().length() >= 10', why: 'vs-1: empty for a Period; "precise to the day" is YYYY-MM-DD, ten characters' },
  ],
  [
    "path.matches('[^\\\\s\\\\.,:;\\\\\\'\"\\\\/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\.[^\\\\s\\\\.,:;\\\\\\'\"\\\\/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\[x\\\\])?(\\\\:[^\\\\s\\\\.]+)?)*')",
    {
      expression: "path.matches('^[^\\\\s.,:;\\'\"/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\.[^\\\\s.,:;\\'\"/|?!@#$%&*()\\\\[\\\\]{}]{1,64}(\\\\[x\\\\])?(:[^\\\\s.]+)?)*$')",
      why: 'eld-19: the regular expression is invalid in a Unicode regular expression (needless escapes), and must match the whole path',
    },
  ],
  [
    "path.matches('[A-Za-z][A-Za-z0-9]*(\\\\.[a-z][A-Za-z0-9]*(\\\\[x])?)*')",
    { expression: "path.matches('^[A-Za-z][A-Za-z0-9]*(\\\\.[a-z][A-Za-z0-9]*(\\\\[x\\\\])?)*$')", why: 'eld-20: a lone ] is invalid in a Unicode regular expression, and the pattern must match the whole path' },
  ],
]);

/**
 * What can be said about an expression on an object without evaluating it: `trueWhenAbsent`
 * lists groups of element names; when every name of any one group is absent from the object,
 * the expression is true. `trueWhenPresent` lists names of which any one present makes it true
 * (`a.exists() or b.exists() or …`); `falseWhenAbsent` is the name whose absence makes it false
 * (`a.b.exists()`), `trueWhenPathPresent` the path whose presence makes it true. `special` marks ref-1, answered by looking at the reference.
 */
export interface FastPath {
  trueWhenAbsent: string[][];
  trueWhenPresent: string[];
  falseWhenAbsent: string | undefined;
  /** For `a.b.exists()` with plain, non-choice names: the path whose presence makes it true (dom-6: `text.div`). */
  trueWhenPathPresent: string[] | undefined;
  /** For `p.empty() and q.empty() …` with plain paths of non-choice names: the paths (the value is whether all are empty). */
  emptyPaths: string[][] | undefined;
  /** The expression parsed for `interpret`, when it is within the small subset it handles. */
  ast: Ast | undefined;
  special: 'ref-1' | undefined;
}

/**
 * A small subset of FHIRPath, interpreted directly on the JSON: `and`, `or`, `implies`;
 * `path.exists()`, `path.empty()` where the path is plain element names, optionally ending in
 * `.where(name = 'text' and …)`; and `name = 'text'`, `name != 'text'` on a single element.
 */
type Ast =
  | { op: 'and' | 'or' | 'implies'; left: Ast; right: Ast }
  | { op: 'exists' | 'empty'; path: string[]; where: [string, string][] | undefined }
  | { op: '=' | '!='; name: string; literal: string };

/** One compiled invariant: the engine's function (null when it cannot compile) and its fast path. */
export interface CompiledInvariant {
  readonly fn: Compiled | null;
  readonly fast: FastPath | undefined;
  readonly expression: string;
  readonly base: string;
}

/** ref-1 as corrected (R4_ERRATA). */
const REF_1 = "reference.exists() implies (reference = '#' or reference.startsWith('#').not() or (reference.substring(1) in %rootResource.contained.id))";

/**
 * Element names that are a choice somewhere in R4 (`value`, `onset` …): the engine looks for
 * them as `valueQuantity` etc., so whether one is present cannot be read off the name alone.
 */
const CHOICE_NAMES: ReadonlySet<string> = new Set(Object.keys((r4 as unknown as { choiceTypePaths: Record<string, unknown> }).choiceTypePaths).map((p) => p.slice(p.lastIndexOf('.') + 1)));

/** Functions that give an empty collection on an empty input (whatever their arguments). */
const EMPTY_PRESERVING = new Set(['where', 'select', 'trace', 'ofType', 'as', 'first', 'last', 'tail', 'skip', 'take', 'distinct', 'children', 'descendants', 'repeat', 'extension', 'resolve', 'single']);

/**
 * Splits `expr` at the top-level occurrences of the word operator `op` (outside parentheses,
 * brackets, braces, strings and backticks). Returns the parts trimmed.
 */
export function splitTop(expr: string, op: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const ch = expr[i];
    if (ch === "'" || ch === '`' || ch === '"') {
      const close = ch;
      i++;
      while (i < expr.length && expr[i] !== close) {
        if (expr[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (depth === 0 && expr.startsWith(op, i) && /\s/.test(expr[i - 1] ?? '') && /\s/.test(expr[i + op.length] ?? '')) {
      parts.push(expr.slice(start, i).trim());
      start = i + op.length;
      i += op.length - 1;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts;
}

/** `name(.name | .fn(...))*` where each fn keeps an empty input empty: the first name, else undefined. */
function chainHead(chain: string): string | undefined {
  const m = /^(?:([a-z][A-Za-z0-9_]*)|`([a-z][A-Za-z0-9_]*)`)/.exec(chain);
  if (m === null) return undefined;
  const head = m[1] ?? m[2];
  if (head === 'true' || head === 'false') return undefined;
  let i = m[0].length;
  while (i < chain.length) {
    if (chain[i] !== '.') return undefined;
    i++;
    const seg = /^(?:([A-Za-z][A-Za-z0-9_]*)|`[A-Za-z][A-Za-z0-9_]*`)/.exec(chain.slice(i));
    if (seg === null) return undefined;
    i += seg[0].length;
    if (chain[i] === '(') {
      if (seg[1] === undefined || !EMPTY_PRESERVING.has(seg[1])) return undefined;
      // skip the balanced argument list
      let depth = 0;
      for (; i < chain.length; i++) {
        const ch = chain[i];
        if (ch === "'" || ch === '`') {
          const close = ch;
          i++;
          while (i < chain.length && chain[i] !== close) {
            if (chain[i] === '\\') i++;
            i++;
          }
          continue;
        }
        if (ch === '(') depth++;
        else if (ch === ')' && --depth === 0) break;
      }
      if (depth !== 0) return undefined;
      i++;
    }
  }
  return head;
}

/** The first name of `chain.empty()` (and forms equal to it on an empty chain). */
function emptyTest(term: string): string | undefined {
  const t = stripParens(term);
  for (const suffix of ['.empty()', '.exists().not()', '.hasValue().not()']) {
    if (t.endsWith(suffix)) return chainHead(t.slice(0, -suffix.length));
  }
  return undefined;
}

/** The first name of a term that is false or empty when its chain is empty (`chain.exists()`, `chain.hasValue()`, `chain`). */
function existsTest(term: string): string | undefined {
  const t = stripParens(term);
  for (const suffix of ['.exists()', '.hasValue()']) {
    if (t.endsWith(suffix)) return chainHead(t.slice(0, -suffix.length));
  }
  return chainHead(t);
}

/** The first name of `chain.exists()` or `chain.hasValue()`, which are false (not empty) when the chain is empty. */
function booleanExistsTest(term: string): string | undefined {
  const t = stripParens(term);
  for (const suffix of ['.exists()', '.hasValue()']) {
    if (t.endsWith(suffix)) return chainHead(t.slice(0, -suffix.length));
  }
  return undefined;
}

function stripParens(term: string): string {
  let t = term.trim();
  while (t.startsWith('(') && t.endsWith(')') && balanced(t.slice(1, -1))) t = t.slice(1, -1).trim();
  return t;
}

function balanced(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === "'" || ch === '`') {
      const close = ch;
      i++;
      while (i < s.length && s[i] !== close) {
        if (s[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** The groups of names whose absence makes `expr` true (see FastPath). */
function absentGroups(expr: string): string[][] {
  const e = stripParens(expr);
  const implies = splitTop(e, 'implies');
  if (implies.length === 2) {
    // false implies anything: true (an empty left side is not enough: `{} implies x` is empty unless x is true)
    const head = booleanExistsTest(implies[0]);
    return head === undefined ? [] : [[head]];
  }
  if (implies.length > 2) return [];
  if (splitTop(e, 'xor').length > 1) return [];
  const disjuncts = splitTop(e, 'or');
  if (disjuncts.length > 1) return disjuncts.flatMap((d) => absentGroups(d));
  const conjuncts = splitTop(e, 'and');
  if (conjuncts.length > 1) {
    const groups = conjuncts.map((c) => absentGroups(c));
    if (groups.some((g) => g.length === 0)) return [];
    // true when every conjunct is true: combine one group of each (the first suffices in practice)
    return [[...new Set(groups.flatMap((g) => g[0]))]];
  }
  const head = emptyTest(e);
  return head === undefined ? [] : [[head]];
}

/** `name.exists()` with a single, non-choice name: the name. */
function existsName(term: string): string | undefined {
  const m = /^([a-z][A-Za-z0-9_]*)\.exists\(\)$/.exec(stripParens(term));
  return m === null || CHOICE_NAMES.has(m[1]) || m[1] === 'true' || m[1] === 'false' ? undefined : m[1];
}

/** Names of which any one present makes `expr` true: its top-level disjuncts `name.exists()`. */
function presentNames(expr: string): string[] {
  const e = stripParens(expr);
  if (splitTop(e, 'implies').length > 1 || splitTop(e, 'xor').length > 1) return [];
  const names: string[] = [];
  for (const d of splitTop(e, 'or')) {
    const name = existsName(d);
    if (name !== undefined) names.push(name);
  }
  return names;
}

/** `chain.exists()` as the whole expression: the chain's first name (absent: false). */
function existsOnly(expr: string): string | undefined {
  const e = stripParens(expr);
  if (splitTop(e, 'implies').length > 1 || splitTop(e, 'xor').length > 1 || splitTop(e, 'or').length > 1 || splitTop(e, 'and').length > 1) return undefined;
  return e.endsWith('.exists()') ? chainHead(e.slice(0, -'.exists()'.length)) : undefined;
}

/** `a.b.c.exists()` as the whole expression, with plain non-choice names: the names. */
function existsPath(expr: string): string[] | undefined {
  const e = stripParens(expr);
  if (!e.endsWith('.exists()')) return undefined;
  const names = e.slice(0, -'.exists()'.length).split('.').map((n) => n.replace(/^`(.*)`$/, '$1'));
  if (!names.every((n) => /^[a-z][A-Za-z0-9_]*$/.test(n) && !CHOICE_NAMES.has(n) && !EMPTY_PRESERVING.has(n) && n !== 'true' && n !== 'false')) return undefined;
  return names;
}

/** `a.b.empty() and c.d.empty() …` (or one of them) with plain non-choice names: the paths. */
function emptyPaths(expr: string): string[][] | undefined {
  const e = stripParens(expr);
  if (splitTop(e, 'implies').length > 1 || splitTop(e, 'xor').length > 1 || splitTop(e, 'or').length > 1) return undefined;
  const paths: string[][] = [];
  for (const term of splitTop(e, 'and')) {
    const t = stripParens(term);
    if (!t.endsWith('.empty()')) return undefined;
    const names = t.slice(0, -'.empty()'.length).split('.').map((n) => n.replace(/^`(.*)`$/, '$1'));
    if (!names.every((n) => /^[a-z][A-Za-z0-9_]*$/.test(n) && !CHOICE_NAMES.has(n) && !EMPTY_PRESERVING.has(n) && n !== 'true' && n !== 'false')) return undefined;
    paths.push(names);
  }
  return paths;
}

function plainName(n: string): boolean {
  return /^[a-z][A-Za-z0-9_]*$/.test(n) && !EMPTY_PRESERVING.has(n) && n !== 'true' && n !== 'false' && n !== 'not' && n !== 'exists' && n !== 'empty';
}

const LITERAL = /^'([^'\\]*)'$/;

/** Parses `expr` into the subset `interpret` handles; undefined when it is outside it. */
export function parseSubset(expr: string): Ast | undefined {
  const e = stripParens(expr);
  if (splitTop(e, 'xor').length > 1) return undefined;
  for (const op of ['implies', 'or', 'and'] as const) {
    const parts = splitTop(e, op);
    if (parts.length === 1) continue;
    // left-associative, as the grammar is
    let left = parseSubset(parts[0]);
    for (let i = 1; i < parts.length && left !== undefined; i++) {
      const right = parseSubset(parts[i]);
      left = right === undefined ? undefined : { op, left, right };
    }
    return left;
  }
  const cmp = /^([a-z][A-Za-z0-9_]*)\s*(!=|=)\s*('.*')$/.exec(e);
  if (cmp !== null) {
    const lit = LITERAL.exec(cmp[3]);
    return lit !== null && plainName(cmp[1]) ? { op: cmp[2] as '=' | '!=', name: cmp[1], literal: lit[1] } : undefined;
  }
  const end = /\.(exists|empty)\(\)$/.exec(e);
  if (end === null) return undefined;
  let body = e.slice(0, end.index);
  let where: [string, string][] | undefined;
  const w = /\.where\((.*)\)$/.exec(body);
  if (w !== null && balanced(w[1])) {
    where = [];
    for (const c of splitTop(w[1], 'and')) {
      const m = /^([a-z][A-Za-z0-9_]*)\s*=\s*('.*')$/.exec(stripParens(c));
      const lit = m === null ? null : LITERAL.exec(m[2]);
      if (m === null || lit === null || !plainName(m[1])) return undefined;
      where.push([m[1], lit[1]]);
    }
    body = body.slice(0, w.index);
  }
  const path = body.split('.');
  if (!path.every(plainName)) return undefined;
  return { op: end[1] as 'exists' | 'empty', path, where };
}

/** FHIRPath's three values: true, false and empty (null); undefined when the data has a shape the subset does not handle. */
type Tri = boolean | null | undefined;

interface Model {
  choiceTypePaths: Record<string, unknown>;
  pathsDefinedElsewhere: Record<string, string>;
  path2Type: Record<string, string>;
  path2TypeWithoutElements: Record<string, string>;
  availableTypes: Set<string>;
}
const MODEL = r4 as unknown as Model;
const basePaths = new Map<string, string>();

/** The model path the engine gives the node an expression compiled on `base` starts from (as fhirpath's compile normalises it). */
function basePathOf(base: string): string {
  let known = basePaths.get(base);
  if (known !== undefined) return known;
  let path = base.replace(/\[\d*]/g, '');
  const elsewhere = Object.keys(MODEL.pathsDefinedElsewhere);
  for (let guard = 0; guard < 100; guard++) {
    const p = elsewhere.find((e) => path.startsWith(e));
    if (p === undefined) break;
    path = MODEL.pathsDefinedElsewhere[p] + path.substring(p.length);
  }
  path = MODEL.pathsDefinedElsewhere[path] || path;
  const type = MODEL.availableTypes.has(path) ? path : MODEL.path2Type[path];
  known = type === 'BackboneElement' || type === 'Element' ? path : type || path;
  basePaths.set(base, known);
  return known;
}

/**
 * The elements at a plain path, as the engine navigates JSON (following the model's paths, so
 * that a choice element is known as one); undefined for shapes it might read differently.
 */
function navigate(obj: Json, base: string, path: string[], at?: { modelPath: string }): unknown[] | undefined {
  let current: unknown[] = [obj];
  let modelPath: string | undefined = typeof obj.resourceType === 'string' && obj.resourceType !== '' ? obj.resourceType : basePathOf(base);
  for (const name of path) {
    const next: unknown[] = [];
    let child: string = `${modelPath}.${name}`;
    child = MODEL.pathsDefinedElsewhere[child] || child;
    if (MODEL.choiceTypePaths[child] !== undefined) {
      // a choice: the engine looks for nameType properties; only their absence is certain
      for (const o of current) if (typeof o !== 'object' || o === null || Array.isArray(o) || !absent(o as Json, name)) return undefined;
      return at === undefined ? [] : undefined;
    }
    if (name === 'extension') child = 'Extension';
    modelPath = MODEL.path2TypeWithoutElements[child] || child;
    for (const o of current) {
      if (typeof o !== 'object' || o === null || Array.isArray(o)) return undefined;
      if ((o as Json)[`_${name}`] !== undefined) return undefined;
      const v = (o as Json)[name];
      if (v === undefined || v === null) continue;
      if (Array.isArray(v)) {
        for (const x of v) {
          if (x === null || x === undefined || Array.isArray(x)) return undefined;
          if (typeof x === 'object' && (x as Json).resourceType !== undefined) return undefined;
          next.push(x);
        }
      } else {
        if (typeof v === 'object' && (v as Json).resourceType !== undefined) return undefined;
        next.push(v);
      }
    }
    current = next;
  }
  if (at !== undefined) at.modelPath = modelPath;
  return current;
}

/** Is `name` a choice element of the type at `modelPath` (as the engine resolves it)? */
function isChoice(modelPath: string, name: string): boolean {
  const child = `${modelPath}.${name}`;
  return MODEL.choiceTypePaths[MODEL.pathsDefinedElsewhere[child] || child] !== undefined;
}

/** `name = 'literal'` on one object: null when absent; undefined unless a single string. */
function equalsLiteral(o: Json, name: string, literal: string): Tri {
  if (o[`_${name}`] !== undefined) return undefined;
  const v = o[name];
  if (v === undefined || v === null) return null;
  return typeof v === 'string' ? v === literal : undefined;
}

/** Evaluates the subset on an object; undefined when the engine must decide. */
export function interpret(ast: Ast, obj: Json, base: string): Tri {
  switch (ast.op) {
    case 'and': {
      const l = interpret(ast.left, obj, base);
      if (l === undefined) return undefined;
      const r = interpret(ast.right, obj, base);
      if (r === undefined) return undefined;
      if (l === false || r === false) return false;
      return l === true && r === true ? true : null;
    }
    case 'or': {
      const l = interpret(ast.left, obj, base);
      if (l === undefined) return undefined;
      const r = interpret(ast.right, obj, base);
      if (r === undefined) return undefined;
      if (l === true || r === true) return true;
      return l === false && r === false ? false : null;
    }
    case 'implies': {
      const l = interpret(ast.left, obj, base);
      if (l === undefined) return undefined;
      const r = interpret(ast.right, obj, base);
      if (r === undefined) return undefined;
      if (l === false) return true;
      if (l === true) return r;
      return r === true ? true : null;
    }
    case '=':
    case '!=': {
      const items = navigate(obj, base, [ast.name]);
      if (items === undefined) return undefined;
      const eq = items.length === 0 ? null : equalsLiteral(obj, ast.name, ast.literal);
      if (eq === undefined || eq === null) return eq;
      return ast.op === '=' ? eq : !eq;
    }
    case 'exists':
    case 'empty': {
      const at = { modelPath: '' };
      let items = navigate(obj, base, ast.path, at);
      if (items === undefined) return undefined;
      if (ast.where !== undefined) {
        for (const [name] of ast.where) if (isChoice(at.modelPath, name)) return undefined;
        const kept: unknown[] = [];
        for (const item of items) {
          if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
          let result: Tri = true;
          for (const [name, literal] of ast.where) {
            const eq = equalsLiteral(item as Json, name, literal);
            if (eq === undefined) return undefined;
            // and: false wins, then empty
            if (eq === false) result = false;
            else if (eq === null && result !== false) result = null;
          }
          if (result === true) kept.push(item);
        }
        items = kept;
      }
      return ast.op === 'exists' ? items.length > 0 : items.length === 0;
    }
  }
}

/** What can be decided about `expression` without the engine. */
export function fastPath(expression: string): FastPath | undefined {
  const special = expression === REF_1 ? 'ref-1' : undefined;
  let fast: FastPath;
  try {
    fast = {
      trueWhenAbsent: absentGroups(expression),
      trueWhenPresent: presentNames(expression),
      falseWhenAbsent: existsOnly(expression),
      trueWhenPathPresent: existsPath(expression),
      emptyPaths: emptyPaths(expression),
      ast: parseSubset(expression),
      special,
    };
  } catch {
    return undefined;
  }
  if (special === undefined && fast.trueWhenAbsent.length === 0 && fast.trueWhenPresent.length === 0 && fast.falseWhenAbsent === undefined && fast.trueWhenPathPresent === undefined && fast.emptyPaths === undefined && fast.ast === undefined) {
    return undefined;
  }
  return fast;
}

/** Is no property of `obj` named `name`, `nameX…` (a choice) or their `_` companions? */
function absent(obj: Json, name: string): boolean {
  for (const k in obj) {
    if (k.startsWith(name) || (k.charCodeAt(0) === 95 && k.startsWith(name, 1))) return false;
  }
  return true;
}

/**
 * ref-1 on `#id`: is `id` among the ids of the root resource's contained resources (compared
 * exactly, as the engine's `in` does)? Undefined when the contained list has shapes the engine
 * might read differently.
 */
function localReference(id: string, rootResource: unknown): boolean | undefined {
  if (typeof rootResource !== 'object' || rootResource === null || Array.isArray(rootResource)) return undefined;
  const contained = (rootResource as Json).contained;
  if (contained === undefined) return false;
  if (!Array.isArray(contained)) return undefined;
  let found = false;
  for (const c of contained) {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return undefined;
    const cid = (c as Json).id;
    if (cid !== undefined && typeof cid !== 'string') return undefined;
    if (cid === id) found = true;
  }
  return found;
}

/** A value the engine turns into at least one node: not null, not an empty array (nor one starting with null). */
function isSome(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (Array.isArray(value)) return value.length > 0 && value[0] !== null && value[0] !== undefined;
  return true;
}

/** The answer a fast path gives for `node`, or undefined when the engine must decide. */
export function fastAnswer(fast: FastPath, node: unknown, rootResource?: unknown, resource?: unknown, base = ''): boolean | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const obj = node as Json;
  if (fast.special === 'ref-1') {
    // a reference that is not local passes; so do none at all and '#' (the container)
    const ref = obj.reference;
    if (typeof ref === 'string' && (!ref.startsWith('#') || ref === '#')) return true;
    if (absent(obj, 'reference')) return true;
    if (typeof ref === 'string' && ref.length > 1) return localReference(ref.slice(1), rootResource);
  }
  const present = fast.trueWhenPresent;
  for (let p = 0; p < present.length; p++) {
    if (isSome(obj[present[p]])) return true;
  }
  const path = fast.trueWhenPathPresent;
  if (path !== undefined) {
    let v: unknown = obj;
    for (let i = 0; i < path.length && v !== undefined; i++) {
      v = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json)[path[i]] : undefined;
    }
    if (isSome(v) && !Array.isArray(v)) return true;
  }
  if (fast.falseWhenAbsent !== undefined && absent(obj, fast.falseWhenAbsent)) return false;
  const groups = fast.trueWhenAbsent;
  for (let g = 0; g < groups.length; g++) {
    const names = groups[g];
    let all = true;
    for (let n = 0; n < names.length; n++) {
      if (!absent(obj, names[n])) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  if (fast.emptyPaths !== undefined) {
    let allEmpty = true;
    for (const p of fast.emptyPaths) {
      const empty = plainPathEmpty(obj, p);
      if (empty === undefined) return undefined;
      if (!empty) allEmpty = false;
    }
    return allEmpty;
  }
  if (fast.ast !== undefined) {
    const result = interpret(fast.ast, obj, base);
    // empty fails, as in check()
    if (result !== undefined) return result === null ? false : result;
  }
  return undefined;
}

/**
 * Is the plain path (non-choice names) empty in `obj`, as the engine navigates it? Undefined
 * for shapes it might read differently (`_name` companions, nulls in arrays, primitives in the way).
 */
function plainPathEmpty(obj: Json, names: string[]): boolean | undefined {
  let current: Json[] = [obj];
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    const last = i === names.length - 1;
    const next: Json[] = [];
    for (const o of current) {
      if (o[`_${name}`] !== undefined) return undefined;
      const v = o[name];
      if (v === undefined || v === null) continue;
      const list = Array.isArray(v) ? v : [v];
      for (const x of list) {
        if (x === null || x === undefined) return undefined;
        if (last) return false;
        if (typeof x !== 'object' || Array.isArray(x)) return undefined;
        next.push(x as Json);
      }
    }
    current = next;
    if (current.length === 0) return true;
  }
  return current.length === 0;
}

interface Memo {
  inv: CompiledInvariant;
  resource: unknown;
  root: unknown;
  result: boolean | undefined;
}

export class InvariantEngine {
  private readonly compiled = new Map<string, CompiledInvariant>();
  readonly skipped = new Set<string>();
  /** Results of this validation, by node: the same node checked for the same invariant again (base definition, then profile) is not re-evaluated. */
  private memo = new WeakMap<object, Memo[]>();

  /** Forgets remembered results (call at the start of each validation: the data may have changed since). */
  beginValidation(): void {
    this.memo = new WeakMap();
  }

  /** The compiled form of an expression on nodes whose definition path is `base`; compiled once. */
  compile(base: string, published: string): CompiledInvariant {
    const k = `${base}\u0000${published}`;
    let inv = this.compiled.get(k);
    if (inv === undefined) {
      const expression = R4_ERRATA.get(published)?.expression ?? published;
      let fn: Compiled | null;
      try {
        fn = fhirpath.compile({ base, expression }, r4 as never, { resolveInternalTypes: true, traceFn: () => undefined } as never) as unknown as Compiled;
      } catch {
        fn = null;
        this.skipped.add(expression);
      }
      inv = { fn, fast: fn === null ? undefined : fastPath(expression), expression, base };
      this.compiled.set(k, inv);
    }
    return inv;
  }

  /**
   * Evaluates a constraint on a node whose definition path is `base`. True or false; undefined
   * when the expression cannot be evaluated here (unsupported function, engine error).
   */
  check(base: string, expression: string, node: unknown, resource: unknown, rootResource: unknown): boolean | undefined {
    return this.checkCompiled(this.compile(base, expression), node, resource, rootResource);
  }

  /** As `check`, with an invariant compiled by `compile`. */
  checkCompiled(inv: CompiledInvariant, node: unknown, resource: unknown, rootResource: unknown): boolean | undefined {
    const fn = inv.fn;
    if (fn === null) return undefined;
    if (inv.fast !== undefined) {
      const answer = fastAnswer(inv.fast, node, rootResource, resource, inv.base);
      if (answer !== undefined) return answer;
    }
    const cacheable = typeof node === 'object' && node !== null;
    let list: Memo[] | undefined;
    if (cacheable) {
      list = this.memo.get(node);
      if (list !== undefined) {
        for (let i = 0; i < list.length; i++) {
          const m = list[i];
          if (m.inv === inv && m.resource === resource && m.root === rootResource) return m.result;
        }
      }
    }
    const result = this.evaluate(inv, fn, node, resource, rootResource);
    if (cacheable) {
      if (list === undefined) this.memo.set(node, (list = []));
      list.push({ inv, resource, root: rootResource, result });
    }
    return result;
  }

  private evaluate(inv: CompiledInvariant, fn: Compiled, node: unknown, resource: unknown, rootResource: unknown): boolean | undefined {
    let result: unknown[];
    try {
      result = fn(node, { resource, rootResource, context: node, ucum: 'http://unitsofmeasure.org', sct: 'http://snomed.info/sct', loinc: 'http://loinc.org' });
    } catch {
      this.skipped.add(inv.expression);
      return undefined;
    }
    // as the Java reference validator: an invariant holds when it evaluates to true; an empty result fails
    if (!Array.isArray(result) || result.length === 0) return false;
    if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
    return true;
  }
}
