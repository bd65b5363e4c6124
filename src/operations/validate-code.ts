/**
 * $validate-code on a ValueSet (https://hl7.org/fhir/R4/valueset-operation-validate-code.html)
 * and on a CodeSystem (https://hl7.org/fhir/R4/codesystem-operation-validate-code.html): is a
 * code (`code`+`system`, a `coding`, or any coding of a `codeableConcept`) in the ValueSet or the
 * CodeSystem, and is its `display` right (a wrong display is a warning: `result` stays true and
 * `message` says what it should be).
 *
 * A code from a system this server does not hold (SNOMED CT, dm+d, LOINC …) is not checked. The
 * answer then follows the terminology ecosystem's convention: `result` false because the server
 * cannot confirm it, a `message` saying it was not checked (not that it is wrong), the parameter
 * `x-caused-by-unknown-system` naming the system, and `issues` with a warning of code `not-found`.
 */
import { FhirError } from '../fhir/errors.ts';
import type { CodeCheck, Terminology } from '../validation/index.ts';
import { systemName } from '../validation/index.ts';
import type { OperationHandler } from './index.ts';
import { codeSystemExtras, OperationInput, parameters, target, terminologyFor, type Coding, type OutParameter } from './terminology-input.ts';

interface Verdict {
  result: boolean;
  /** Not checked because the system (or the ValueSet's source of codes) is not held here. */
  unknownSystem?: string;
  message?: string;
  display?: string;
  severity?: 'error' | 'warning';
}

function checkDisplay(tx: Terminology, coding: Coding, known: string | undefined): { display?: string; problem?: string } {
  if (coding.system !== undefined && coding.code !== undefined) {
    const cs = tx.inCodeSystem(coding.system, coding.code, coding.display);
    if (cs.status === 'valid') return { display: cs.display, problem: cs.displayProblem };
  }
  if (coding.display !== undefined && known && known.trim().toLowerCase() !== coding.display.trim().toLowerCase()) {
    return { display: known, problem: `Wrong display '${coding.display}' for ${coding.system ?? ''}#${coding.code}: it should be '${known}'` };
  }
  return { display: known || undefined };
}

function verdictOf(tx: Terminology, check: CodeCheck, coding: Coding): Verdict {
  if (check.status === 'invalid') return { result: false, message: check.message, severity: 'error' };
  if (check.status === 'not-checked') {
    const system = coding.system !== undefined && tx.codeSystem(coding.system) === undefined ? coding.system : undefined;
    return { result: false, unknownSystem: system, message: `Not checked: ${check.message}. This does not mean the code is wrong.`, severity: 'warning' };
  }
  const d = checkDisplay(tx, coding, check.display);
  return { result: true, display: d.display, ...(d.problem ? { message: d.problem, severity: 'warning' as const } : {}) };
}

/** The codings to check, from whichever input form was used. */
function codingsOf(input: OperationInput): { codings: Coding[]; path: string } {
  const cc = input.codeableConcept('codeableConcept');
  if (cc !== undefined) return { codings: cc.coding ?? [], path: 'codeableConcept.coding' };
  const coding = input.coding('coding');
  if (coding !== undefined) return { codings: [coding], path: 'coding' };
  const code = input.string('code');
  if (code === undefined) throw new FhirError('incorrect', '$validate-code needs a "code" (with "system"), a "coding" or a "codeableConcept"');
  return { codings: [{ system: input.string('system'), code, display: input.string('display'), version: input.string('systemVersion') ?? input.string('version') }], path: 'code' };
}

/** One verdict for the whole input: the first valid coding wins, else the most informative failure. */
function combine(verdicts: Verdict[]): Verdict {
  return verdicts.find((v) => v.result) ?? verdicts.find((v) => v.severity === 'error') ?? verdicts[0] ?? { result: false, message: 'No coding was given', severity: 'error' };
}

function answer(v: Verdict, path: string): ReturnType<typeof parameters> {
  const out: OutParameter[] = [{ name: 'result', valueBoolean: v.result }];
  if (v.message) out.push({ name: 'message', valueString: v.message });
  if (v.display) out.push({ name: 'display', valueString: v.display });
  if (v.unknownSystem) out.push({ name: 'x-caused-by-unknown-system', valueCanonical: v.unknownSystem });
  if (v.message && v.severity) {
    const code = v.unknownSystem || (!v.result && v.severity === 'warning') ? 'not-found' : v.result ? 'invalid' : 'code-invalid';
    out.push({
      name: 'issues',
      resource: { resourceType: 'OperationOutcome', issue: [{ severity: v.severity, code, details: { text: v.message }, expression: [path] }] },
    } as OutParameter);
  }
  return parameters(out);
}

export const validateCodeOperation: OperationHandler = {
  name: 'validate-code',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-validate-code',
  async run(req, ctx, db) {
    const input = OperationInput.of(req, 'validate-code');
    const { codings, path } = codingsOf(input);
    if (req.resourceType === 'ValueSet') {
      const found = await target(req, ctx, db, 'ValueSet', input, { url: 'url', resource: 'valueSet' });
      if (found.url === undefined) throw new FhirError('incorrect', '$validate-code needs a ValueSet: its id in the URL, a "url" parameter, or a "valueSet" resource');
      if (found.resource === undefined) {
        return { status: 200, body: answer({ result: false, message: `Not checked: the ValueSet ${found.url} is not known to this server`, severity: 'warning' }, path) };
      }
      const extras = [...found.extras];
      for (const c of codings) if (c.system) extras.push(...(await codeSystemExtras(ctx, db, c.system)));
      const tx = await terminologyFor(ctx, db, extras);
      const url = String(found.resource.url);
      const verdicts = codings.map((c) => (c.code === undefined ? { result: false, message: 'A coding has no code', severity: 'error' as const } : verdictOf(tx, tx.inValueSet(url, c.system, c.code), c)));
      return { status: 200, body: answer(combine(verdicts), path) };
    }
    if (req.resourceType === 'CodeSystem') {
      const found = await target(req, ctx, db, 'CodeSystem', input, { url: 'url', resource: 'codeSystem' });
      const system = found.resource?.url ?? found.url ?? codings[0]?.system;
      if (system === undefined) throw new FhirError('incorrect', '$validate-code needs a CodeSystem: its id in the URL, a "url" (or "system") parameter, or a "codeSystem" resource');
      const extras = found.resource ? found.extras : await codeSystemExtras(ctx, db, system);
      const tx = await terminologyFor(ctx, db, extras);
      const verdicts = codings.map((c): Verdict => {
        if (c.code === undefined) return { result: false, message: 'A coding has no code', severity: 'error' };
        if (c.system !== undefined && c.system !== system && !system.startsWith('urn:meridian:inline:')) {
          return { result: false, message: `The coding's system ${c.system} is not the code system ${system}`, severity: 'error' };
        }
        const check = tx.inCodeSystem(system, c.code, c.display);
        if (check.status === 'not-checked' && tx.codeSystem(system) === undefined) {
          return { result: false, unknownSystem: system, message: `Not checked: the code system ${systemName(system)} is not held by this server. This does not mean the code is wrong.`, severity: 'warning' };
        }
        if (check.status !== 'valid') return verdictOf(tx, check, { ...c, system });
        return { result: true, display: check.display, ...(check.displayProblem ? { message: check.displayProblem, severity: 'warning' as const } : {}) };
      });
      return { status: 200, body: answer(combine(verdicts), path) };
    }
    throw new FhirError('incorrect', '$validate-code is an operation on ValueSet and CodeSystem');
  },
};
