/**
 * Scores Meridian's validator against HL7's validator test suite (fhir-test-cases): every
 * self-contained R4 case (r4-selfcontained-names.json: no external package, no terminology
 * server) is validated, and Meridian's valid/invalid verdict is compared with the Java
 * validator's expected outcome (errors > 0 means invalid). Message texts are never compared.
 *
 * Run: node --import tsx bench/validator-suite.ts [--list]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadR4Definitions, type Definitions } from '../src/fhir/definitions.ts';
import { parseFhirXml } from '../src/fhir/xml/index.ts';
import { createValidator, loadR4ConformanceResources, type CanonicalResource } from '../src/validation/index.ts';

export interface SuiteCase {
  name: string;
  file: string;
  module?: string;
  errors?: number;
  javaOutcome: string | Record<string, never>;
}

export interface CaseResult {
  name: string;
  module: string;
  expectedErrors: number;
  actualErrors: number;
  agree: boolean;
  skipped?: string;
  messages: string[];
}

export interface SuiteScore {
  run: number;
  skipped: number;
  verdictAgreement: number;
  errorCountAgreement: number;
  results: CaseResult[];
}

const SUITE = resolve(process.cwd(), '../shared/testdata/fhir-test-cases');

function expectedErrors(c: SuiteCase): number | undefined {
  if (typeof c.errors === 'number') return c.errors;
  if (typeof c.javaOutcome !== 'string') return undefined;
  const path = join(SUITE, 'validator/outcomes', c.javaOutcome);
  if (!existsSync(path)) return undefined;
  const oo = JSON.parse(readFileSync(path, 'utf8')) as { issue?: { severity: string }[] };
  return (oo.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').length;
}

export function scoreValidatorSuite(defs: Definitions = loadR4Definitions(), coreResources: CanonicalResource[] = loadR4ConformanceResources()): SuiteScore {
  const index = JSON.parse(readFileSync(join(SUITE, 'r4-validator-index.json'), 'utf8')) as SuiteCase[];
  const names = new Set(JSON.parse(readFileSync(join(SUITE, 'r4-selfcontained-names.json'), 'utf8')) as string[]);
  const validator = createValidator({ defs, coreResources, ukCore: false });
  const results: CaseResult[] = [];
  const seen = new Set<string>();
  for (const c of index) {
    if (!names.has(c.name) || seen.has(c.name)) continue;
    seen.add(c.name);
    const expected = expectedErrors(c);
    const base = { name: c.name, module: c.module ?? 'general', expectedErrors: expected ?? -1, actualErrors: -1, agree: false, messages: [] as string[] };
    const path = join(SUITE, 'validator', c.file);
    if (expected === undefined) {
      results.push({ ...base, skipped: 'no Java expectation' });
      continue;
    }
    if (!existsSync(path)) {
      results.push({ ...base, skipped: 'input file absent' });
      continue;
    }
    const text = readFileSync(path, 'utf8');
    let resource: unknown;
    let parseErrors = 0;
    try {
      if (c.file.endsWith('.xml')) resource = parseFhirXml(text, defs);
      else if (c.file.endsWith('.json')) resource = JSON.parse(text);
      else {
        results.push({ ...base, skipped: 'not JSON or XML' });
        continue;
      }
    } catch (err) {
      parseErrors = 1;
      base.messages.push(`parse: ${(err as Error).message}`);
    }
    let actual = parseErrors;
    if (resource !== undefined) {
      try {
        const issues = validator.validate(resource);
        const errors = issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
        actual = errors.length;
        base.messages.push(...errors.map((i) => `${i.expression?.[0]}: ${i.diagnostics}`));
      } catch (err) {
        actual = 1;
        base.messages.push(`crash: ${(err as Error).stack}`);
      }
    }
    results.push({ ...base, actualErrors: actual, agree: actual > 0 === expected > 0 });
  }
  const run = results.filter((r) => r.skipped === undefined);
  return {
    run: run.length,
    skipped: results.length - run.length,
    verdictAgreement: run.filter((r) => r.agree).length / run.length,
    errorCountAgreement: run.filter((r) => r.actualErrors === r.expectedErrors).length / run.length,
    results,
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const start = Date.now();
  const score = scoreValidatorSuite();
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const list = process.argv.includes('--list');
  const byModule = new Map<string, CaseResult[]>();
  for (const r of score.results) if (r.skipped === undefined && !r.agree) byModule.set(r.module, [...(byModule.get(r.module) ?? []), r]);
  for (const [module, rs] of [...byModule].sort()) {
    console.log(`${module}: ${rs.length} disagreements`);
    for (const r of rs) {
      console.log(`  ${r.name}: Java ${r.expectedErrors} errors, Meridian ${r.actualErrors}`);
      if (list) for (const m of r.messages.slice(0, 4)) console.log(`      ${m.slice(0, 200)}`);
    }
  }
  console.log(`\ncases run: ${score.run} (skipped ${score.skipped}: ${[...new Set(score.results.filter((r) => r.skipped).map((r) => r.skipped))].join(', ')})`);
  console.log(`verdict agreement with the Java validator: ${pct(score.verdictAgreement)}`);
  console.log(`error-count agreement: ${pct(score.errorCountAgreement)}`);
  console.log(`(${((Date.now() - start) / 1000).toFixed(1)} s)`);
}
