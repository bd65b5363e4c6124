/**
 * Scores Meridian's validator against HL7's validator test suite (fhir-test-cases): every
 * self-contained R4 case (r4-selfcontained-names.json: core R4 definitions only, no external
 * package, no supporting files) is validated, and Meridian's valid/invalid verdict and error
 * count are compared with the Java validator's expected outcome (errors > 0 means invalid).
 * Message texts are never compared.
 *
 * Which cases count (each exclusion is printed with its reason):
 * - the case must have a Java expectation and an input file this copy holds, in JSON or XML;
 * - it must not need a terminology server: a case is excluded when the Java expectation holds an
 *   error that the terminology server raised about a code or its display (an issue carrying the
 *   `operationoutcome-issue-server` extension, located at a `.code` or `.display`). Those codes
 *   are from systems Meridian does not hold (LOINC, SNOMED CT, UCUM, CVX, ICD-10 …), which it
 *   reports as "not checked" warnings by design. Cases where the server only gave warnings, or
 *   judged something other than a code (a Coding's system), still count.
 *
 * A case's manifest settings are honoured where Meridian's validator has the same setting
 * (see `caseSettings`); other settings are ignored, as they have no Meridian equivalent.
 *
 * Run: node --import tsx bench/validator-suite.ts [--list] [--excluded]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadR4Definitions, type Definitions } from '../src/fhir/definitions.ts';
import { parseFhirXml } from '../src/fhir/xml/index.ts';
import { createRegistry, createValidator, loadR4ConformanceResources, type CanonicalResource, type ValidationPolicy, type Validator } from '../src/validation/index.ts';

export interface SuiteCase {
  name: string;
  file: string;
  module?: string;
  errors?: number;
  tx?: boolean;
  javaOutcome: string | Record<string, never>;
}

export interface CaseResult {
  name: string;
  module: string;
  expectedErrors: number;
  actualErrors: number;
  agree: boolean;
  /** Why the case does not count (undefined when it ran and counts). */
  skipped?: string;
  /** The case ran, but needs a terminology server, so it is not in the headline figures. */
  needsTerminologyServer?: boolean;
  messages: string[];
}

export interface SuiteScore {
  run: number;
  skipped: number;
  verdictAgreement: number;
  errorCountAgreement: number;
  /** The same figures over the cases run, terminology-server cases included (the set counted before they were excluded). */
  withTerminologyServerCases: { run: number; verdictAgreement: number; errorCountAgreement: number };
  results: CaseResult[];
}

interface JavaIssue {
  severity: string;
  expression?: string[];
  extension?: { url?: string }[];
}

interface ManifestCase {
  name: string;
  version?: string;
  [setting: string]: unknown;
}

const SUITE = resolve(process.cwd(), '../shared/testdata/fhir-test-cases');
const SERVER_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-server';

function javaIssues(c: SuiteCase): JavaIssue[] | undefined {
  if (typeof c.javaOutcome !== 'string') return undefined;
  const path = join(SUITE, 'validator/outcomes', c.javaOutcome);
  if (!existsSync(path)) return undefined;
  return (JSON.parse(readFileSync(path, 'utf8')) as { issue?: JavaIssue[] }).issue ?? [];
}

const isError = (i: { severity: string }): boolean => i.severity === 'error' || i.severity === 'fatal';

function expectedErrors(c: SuiteCase, issues: JavaIssue[] | undefined): number | undefined {
  if (typeof c.errors === 'number') return c.errors;
  return issues?.filter(isError).length;
}

/** The expected errors a terminology server raised about a code or its display (see the header). */
export function terminologyServerErrors(issues: JavaIssue[]): JavaIssue[] {
  return issues.filter(
    (i) => isError(i) && (i.extension ?? []).some((e) => e.url === SERVER_EXTENSION) && (i.expression ?? []).some((x) => /\.(code|display)$/.test(x)),
  );
}

/** The Meridian settings matching a case's manifest settings (those Meridian has). */
export function caseSettings(m: ManifestCase | undefined): { policy: ValidationPolicy; key: string } {
  const policy: ValidationPolicy = {};
  if (m?.['security-checks'] === true) policy.securityChecks = true;
  if (m?.examples === false) policy.exampleUrls = 'error';
  if (m?.noHtmlInMarkdown === true) policy.htmlInMarkdown = 'error';
  if (typeof m?.['allowed-extension-domain'] === 'string') policy.allowedExtensionDomains = [m['allowed-extension-domain'] as string];
  return { policy, key: JSON.stringify(policy) };
}

export function scoreValidatorSuite(defs: Definitions = loadR4Definitions(), coreResources: CanonicalResource[] = loadR4ConformanceResources()): SuiteScore {
  const index = JSON.parse(readFileSync(join(SUITE, 'r4-validator-index.json'), 'utf8')) as SuiteCase[];
  const names = new Set(JSON.parse(readFileSync(join(SUITE, 'r4-selfcontained-names.json'), 'utf8')) as string[]);
  const manifest = new Map<string, ManifestCase>();
  for (const t of (JSON.parse(readFileSync(join(SUITE, 'validator/manifest.json'), 'utf8')) as { 'test-cases': ManifestCase[] })['test-cases']) {
    if (t.version === '4.0' && !manifest.has(t.name)) manifest.set(t.name, t);
  }
  // one registry, shared by a validator per distinct setting
  const registry = createRegistry({ defs, coreResources, ukCore: false });
  const validators = new Map<string, Validator>();
  const validatorFor = (m: ManifestCase | undefined): Validator => {
    const { policy, key } = caseSettings(m);
    let v = validators.get(key);
    if (v === undefined) validators.set(key, (v = createValidator({ defs, registry, policy })));
    return v;
  };
  const results: CaseResult[] = [];
  const seen = new Set<string>();
  for (const c of index) {
    if (!names.has(c.name) || seen.has(c.name)) continue;
    seen.add(c.name);
    const issues = javaIssues(c);
    const expected = expectedErrors(c, issues);
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
    const serverErrors = terminologyServerErrors(issues ?? []);
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
        const found = validatorFor(manifest.get(c.name)).validate(resource);
        const errors = found.filter(isError);
        actual = errors.length;
        base.messages.push(...errors.map((i) => `${i.expression?.[0]}: ${i.diagnostics}`));
      } catch (err) {
        actual = 1;
        base.messages.push(`crash: ${(err as Error).stack}`);
      }
    }
    const result: CaseResult = { ...base, actualErrors: actual, agree: actual > 0 === expected > 0 };
    if (serverErrors.length > 0) {
      result.needsTerminologyServer = true;
      result.skipped = `needs a terminology server (${serverErrors.length} expected error${serverErrors.length === 1 ? '' : 's'} on codes or displays judged by the Java validator's server)`;
    }
    results.push(result);
  }
  const figures = (rs: CaseResult[]) => ({
    run: rs.length,
    verdictAgreement: rs.filter((r) => r.agree).length / rs.length,
    errorCountAgreement: rs.filter((r) => r.actualErrors === r.expectedErrors).length / rs.length,
  });
  const run = results.filter((r) => r.skipped === undefined);
  const main = figures(run);
  return {
    ...main,
    skipped: results.length - run.length,
    withTerminologyServerCases: figures(results.filter((r) => r.skipped === undefined || r.needsTerminologyServer)),
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
  for (const r of score.results) if (r.skipped === undefined && (!r.agree || (list && r.actualErrors !== r.expectedErrors))) byModule.set(r.module, [...(byModule.get(r.module) ?? []), r]);
  for (const [module, rs] of [...byModule].sort()) {
    console.log(`${module}: ${rs.filter((r) => !r.agree).length} disagreements${list ? `, ${rs.length} with a different error count` : ''}`);
    for (const r of rs) {
      console.log(`  ${r.name}: Java ${r.expectedErrors} errors, Meridian ${r.actualErrors}${r.agree ? ' (same verdict)' : ''}`);
      if (list) for (const m of r.messages.slice(0, 4)) console.log(`      ${m.replace(/\s+/g, ' ').slice(0, 200)}`);
    }
  }
  const reasons = new Map<string, CaseResult[]>();
  for (const r of score.results) {
    if (r.skipped === undefined) continue;
    const reason = r.skipped.replace(/ \(.*$/, '');
    reasons.set(reason, [...(reasons.get(reason) ?? []), r]);
  }
  console.log(`\ncases run: ${score.run} (not counted: ${score.skipped} — ${[...reasons].map(([k, v]) => `${k}: ${v.length}`).join('; ')})`);
  if (process.argv.includes('--excluded')) {
    for (const [reason, rs] of reasons) {
      console.log(`  ${reason}:`);
      for (const r of rs) console.log(`    ${r.name}${r.needsTerminologyServer ? `: Java ${r.expectedErrors} errors, Meridian ${r.actualErrors}` : ''}`);
    }
  }
  console.log(`verdict agreement with the Java validator: ${pct(score.verdictAgreement)}`);
  console.log(`error-count agreement: ${pct(score.errorCountAgreement)}`);
  const w = score.withTerminologyServerCases;
  console.log(`(with the ${w.run - score.run} cases that need a terminology server: ${w.run} cases, verdict ${pct(w.verdictAgreement)}, error count ${pct(w.errorCountAgreement)})`);
  console.log(`(${((Date.now() - start) / 1000).toFixed(1)} s)`);
}
