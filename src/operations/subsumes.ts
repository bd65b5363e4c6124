/**
 * CodeSystem $subsumes (https://hl7.org/fhir/R4/codesystem-operation-subsumes.html): how two codes
 * of one code system relate in its hierarchy: `equivalent`, `subsumes` (A is above B),
 * `subsumed-by` (A is below B) or `not-subsumed`. Only for code systems held here; SNOMED CT and
 * other systems this server does not hold answer 404 saying so, never `not-subsumed`.
 */
import { FhirError } from '../fhir/errors.ts';
import { systemName } from '../validation/index.ts';
import type { OperationHandler } from './index.ts';
import { codeSystemExtras, OperationInput, parameters, target, terminologyFor } from './terminology-input.ts';

export const subsumesOperation: OperationHandler = {
  name: 'subsumes',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-subsumes',
  async run(req, ctx, db) {
    if (req.resourceType !== 'CodeSystem') throw new FhirError('incorrect', '$subsumes is an operation on CodeSystem');
    const input = OperationInput.of(req, 'subsumes');
    const codingA = input.coding('codingA');
    const codingB = input.coding('codingB');
    const a = codingA?.code ?? input.string('codeA');
    const b = codingB?.code ?? input.string('codeB');
    if (a === undefined || b === undefined) throw new FhirError('incorrect', '$subsumes needs "codeA" and "codeB" (with "system"), or "codingA" and "codingB"');
    const found = req.id !== undefined ? await target(req, ctx, db, 'CodeSystem', input, { url: 'url', resource: 'codeSystem' }) : undefined;
    const system = found?.resource?.url ?? input.string('system') ?? codingA?.system ?? codingB?.system;
    if (system === undefined) throw new FhirError('incorrect', '$subsumes needs the "system" both codes are from');
    for (const c of [codingA, codingB]) {
      if (c?.system !== undefined && c.system !== system) throw new FhirError('incorrect', `Both codes must be from ${system}, not ${c.system}`);
    }
    const tx = await terminologyFor(ctx, db, found?.extras ?? (await codeSystemExtras(ctx, db, system)));
    const cs = tx.codeSystem(system);
    if (cs === undefined) {
      throw new FhirError('not-found', `The code system ${systemName(system)} is not held by this server, so subsumption between '${a}' and '${b}' cannot be tested here`);
    }
    for (const code of [a, b]) {
      if (!cs.concepts.has(code)) throw new FhirError('not-found', `The code '${code}' is not ${cs.complete ? 'a code of' : 'in the part held here of'} ${system}`, { code: cs.complete ? 'code-invalid' : 'not-found' });
    }
    const outcome = a === b ? 'equivalent' : tx.expander.subsumes(cs, a, b) ? 'subsumes' : tx.expander.subsumes(cs, b, a) ? 'subsumed-by' : 'not-subsumed';
    return { status: 200, body: parameters([{ name: 'outcome', valueCode: outcome }]) };
  },
};
