/**
 * Runs HL7's FHIRPath R4 test suite (fhir-test-cases r4/fhirpath/tests-fhir-r4.xml) against the
 * `fhirpath` package with its R4 model, configured as Meridian's invariant engine uses it
 * (src/validation/invariants.ts: `compile` with `resolveInternalTypes`, and the environment
 * %resource, %rootResource, %context, %ucum, %sct, %loinc). Prints the pass rate and every
 * failure with its reason.
 *
 * The suite names XML inputs (patient-example.xml …); this copy has no XML inputs, so the JSON
 * forms of the same examples are read from ../shared/testdata/fhirpath-tests/test/resources/r4
 * (the JSON-input form of the suite, see ../shared/testdata/SOURCES.md).
 *
 * How a test is judged:
 * - `invalid="…"` (syntax, semantic, execution): the engine must throw, when compiling or evaluating.
 * - otherwise the result must equal the `<output>`s: same count, each in order (any order with
 *   `ordered="false"`), compared by the output's type: booleans, numbers by value (a JS number
 *   cannot hold a decimal's trailing zeros, so 1.58650000 and 1.5865 are equal), strings, dates
 *   and times without their `@`/`T` prefixes, Quantities as `value 'unit'`.
 * - `predicate="true"`: the result is first converted to a boolean as FHIRPath does for a
 *   singleton (empty stays empty; one boolean is itself; any other single item is true).
 * - `mode="strict"` tests (checks a strict, type-checking engine makes) run like the others;
 *   fhirpath.js has no strict mode, so those it does not reject are listed as failures.
 *
 * Run: node --import tsx bench/fhirpath-suite.ts [--json]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4/index.js';

const TESTDATA = resolve(process.cwd(), '../shared/testdata');
const SUITE = join(TESTDATA, 'fhir-test-cases/r4/fhirpath/tests-fhir-r4.xml');
const INPUTS = join(TESTDATA, 'fhirpath-tests/test/resources/r4');

interface Output {
  type: string | undefined;
  text: string;
}

export interface FhirPathCase {
  group: string;
  name: string;
  expression: string;
  inputfile: string | undefined;
  outputs: Output[];
  invalid: string | undefined;
  predicate: boolean;
  ordered: boolean;
  mode: string | undefined;
  /** A semantic (type-checking) error is expected: only an engine that checks types at compile time (strict mode) raises it. */
  strictOnly: boolean;
}

export interface FhirPathResult {
  test: FhirPathCase;
  pass: boolean;
  reason?: string;
}

type XmlNode = Record<string, unknown>;

function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (node !== null && typeof node === 'object') return textOf((node as XmlNode)['#text'] ?? '');
  return '';
}

function attr(node: unknown, name: string): string | undefined {
  if (node === null || typeof node !== 'object') return undefined;
  const v = (node as XmlNode)[`@${name}`];
  return v === undefined ? undefined : String(v);
}

/** The suite's tests, in file order. */
export function loadFhirPathSuite(path = SUITE): FhirPathCase[] {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    isArray: (name) => ['group', 'test', 'modeTest', 'output', 'expression'].includes(name),
  });
  const doc = parser.parse(readFileSync(path, 'utf8')) as { tests: { group: XmlNode[] } };
  const out: FhirPathCase[] = [];
  for (const group of doc.tests.group) {
    const groupName = attr(group, 'name') ?? '';
    for (const kind of ['test', 'modeTest']) {
      for (const t of (group[kind] as XmlNode[] | undefined) ?? []) {
        const expressionNode = (t.expression as unknown[])[0];
        out.push({
          group: groupName,
          name: attr(t, 'name') ?? '',
          expression: textOf(expressionNode).trim(),
          inputfile: attr(t, 'inputfile'),
          outputs: ((t.output as unknown[] | undefined) ?? []).map((o) => ({ type: attr(o, 'type'), text: textOf(o) })),
          invalid: attr(expressionNode, 'invalid') ?? attr(t, 'invalid'),
          predicate: attr(t, 'predicate') === 'true',
          ordered: attr(t, 'ordered') !== 'false',
          mode: attr(t, 'mode') ?? attr(expressionNode, 'mode'),
          strictOnly: (attr(expressionNode, 'invalid') ?? attr(t, 'invalid')) === 'semantic',
        });
      }
    }
  }
  return out;
}

const inputs = new Map<string, unknown>();

function input(file: string | undefined): unknown {
  if (file === undefined) return {};
  const json = file.replace(/\.xml$/, '.json');
  let data = inputs.get(json);
  if (data === undefined) {
    const path = join(INPUTS, json);
    if (!existsSync(path)) throw new Error(`input ${json} is not in ${INPUTS}`);
    data = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    inputs.set(json, data);
  }
  return data;
}

function show(values: unknown[]): string {
  const s = JSON.stringify(values);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** One actual value against one expected output; undefined when equal, else why not. */
function compare(actual: unknown, expected: Output): boolean {
  const text = expected.text.trim();
  switch (expected.type) {
    case 'boolean':
      return actual === (text === 'true');
    case 'integer':
    case 'decimal':
      return typeof actual === 'number' && actual === Number(text);
    case 'date':
    case 'dateTime':
    case 'time': {
      const want = text.replace(/^@/, '').replace(/^T/, '');
      return typeof actual === 'string' && actual.replace(/^T/, '') === want;
    }
    case 'Quantity':
      if (typeof actual === 'string') return actual === text;
      if (actual !== null && typeof actual === 'object') {
        const q = actual as { value?: number; unit?: string; code?: string };
        return `${q.value} '${q.code ?? q.unit}'` === text;
      }
      return false;
    case undefined:
      // untyped outputs: numbers by value, date/time literals without their prefixes, else as text
      if (typeof actual === 'number') return actual === Number(text);
      if (text.startsWith('@')) return typeof actual === 'string' && actual.replace(/^T/, '') === text.slice(1).replace(/^T/, '');
      return String(actual) === text;
    default:
      return typeof actual === 'string' ? actual === text : JSON.stringify(actual) === text;
  }
}

function asPredicate(values: unknown[]): unknown[] {
  if (values.length === 0) return [];
  if (values.length > 1) throw new Error(`a predicate needs a single value, got ${values.length}`);
  return [typeof values[0] === 'boolean' ? values[0] : true];
}

function judge(test: FhirPathCase): FhirPathResult {
  let data: unknown;
  try {
    data = input(test.inputfile);
  } catch (err) {
    return { test, pass: false, reason: `input not available: ${(err as Error).message}` };
  }
  let values: unknown[];
  try {
    const fn = fhirpath.compile(test.expression, r4 as never, { resolveInternalTypes: true, traceFn: () => undefined } as never) as unknown as (
      resource: unknown,
      env?: Record<string, unknown>,
    ) => unknown[];
    values = fn(data, { resource: data, rootResource: data, context: data, ucum: 'http://unitsofmeasure.org', sct: 'http://snomed.info/sct', loinc: 'http://loinc.org' });
    if (test.predicate) values = asPredicate(values);
  } catch (err) {
    const message = String(err instanceof Error ? err.message : typeof err === 'object' && err !== null && 'message' in err ? (err as { message: unknown }).message : err)
      .split('\n')[0]
      .slice(0, 160);
    if (test.invalid !== undefined) return { test, pass: true };
    return { test, pass: false, reason: `threw: ${message}` };
  }
  if (test.invalid !== undefined) {
    const why = test.strictOnly ? '; fhirpath.js does not check types at compile time' : '';
    return { test, pass: false, reason: `expected an error (invalid="${test.invalid}"${test.mode ? `, mode ${test.mode}` : ''}${why}), got ${show(values)}` };
  }
  const expected = test.outputs;
  const want = show(expected.map((o) => (o.type ? `${o.type}:${o.text.trim()}` : o.text.trim())));
  if (values.length !== expected.length) return { test, pass: false, reason: `expected ${want}, got ${show(values)}` };
  if (test.ordered) {
    for (let i = 0; i < values.length; i++) if (!compare(values[i], expected[i])) return { test, pass: false, reason: `expected ${want}, got ${show(values)}` };
  } else {
    const left = [...values];
    for (const o of expected) {
      const i = left.findIndex((v) => compare(v, o));
      if (i < 0) return { test, pass: false, reason: `expected (any order) ${want}, got ${show(values)}` };
      left.splice(i, 1);
    }
  }
  return { test, pass: true };
}

export function runFhirPathSuite(): FhirPathResult[] {
  // the engine warns on the console (e.g. "The quantity value was truncated …"); keep the report clean
  const warn = console.warn;
  const log = console.log;
  console.warn = () => undefined;
  console.log = () => undefined;
  try {
    return loadFhirPathSuite().map(judge);
  } finally {
    console.warn = warn;
    console.log = log;
  }
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const start = Date.now();
  const results = runFhirPathSuite();
  const failed = results.filter((r) => !r.pass);
  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ tests: results.length, passed: results.length - failed.length, failures: failed.map((r) => ({ group: r.test.group, name: r.test.name, expression: r.test.expression, reason: r.reason })) }));
  } else {
    const byGroup = new Map<string, FhirPathResult[]>();
    for (const r of failed) byGroup.set(r.test.group, [...(byGroup.get(r.test.group) ?? []), r]);
    for (const [group, rs] of byGroup) {
      console.log(`${group}: ${rs.length} failed`);
      for (const r of rs) {
        const expr = r.test.expression.replace(/\s+/g, ' ');
        console.log(`  ${r.test.name}: ${expr.length > 100 ? `${expr.slice(0, 97)}...` : expr}`);
        console.log(`      ${r.reason}`);
      }
    }
    const pct = ((results.length - failed.length) / results.length) * 100;
    console.log(`\nfhirpath ${(JSON.parse(readFileSync(new URL('../node_modules/fhirpath/package.json', import.meta.url), 'utf8')) as { version: string }).version}, R4 model`);
    console.log(`tests: ${results.length}, passed: ${results.length - failed.length}, failed: ${failed.length}`);
    console.log(`pass rate: ${pct.toFixed(1)}%`);
    const lenient = results.filter((r) => !r.test.strictOnly);
    const lenientPassed = lenient.filter((r) => r.pass).length;
    console.log(
      `without the ${results.length - lenient.length} tests that expect a semantic (type-checking) error, which fhirpath.js does not make: ${lenientPassed}/${lenient.length} = ${((lenientPassed / lenient.length) * 100).toFixed(1)}%`,
    );
    console.log(`(${((Date.now() - start) / 1000).toFixed(1)} s)`);
  }
}
