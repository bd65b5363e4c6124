/**
 * CodeSystem $lookup (https://hl7.org/fhir/R4/codesystem-operation-lookup.html): a code's display,
 * designations and properties, with its `parent` and `child` codes where the CodeSystem holds a
 * hierarchy. A code system this server does not hold (SNOMED CT, dm+d, LOINC …) answers 404 saying
 * that the system is not held here, which says nothing about whether the code exists.
 */
import { FhirError } from '../fhir/errors.ts';
import { systemName, type CodeSystemConcept } from '../validation/index.ts';
import type { OperationHandler } from './index.ts';
import { codeSystemExtras, OperationInput, parameters, target, terminologyFor, type OutParameter } from './terminology-input.ts';

type Concept = CodeSystemConcept & { definition?: string; designation?: { language?: string; use?: unknown; value: string }[]; property?: Record<string, unknown>[] };

function find(concepts: Concept[] | undefined, code: string): Concept | undefined {
  for (const c of concepts ?? []) {
    if (c.code === code) return c;
    const below = find(c.concept as Concept[] | undefined, code);
    if (below !== undefined) return below;
  }
  return undefined;
}

export const lookupOperation: OperationHandler = {
  name: 'lookup',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/CodeSystem-lookup',
  async run(req, ctx, db) {
    if (req.resourceType !== 'CodeSystem') throw new FhirError('incorrect', '$lookup is an operation on CodeSystem');
    const input = OperationInput.of(req, 'lookup');
    const coding = input.coding('coding');
    const code = coding?.code ?? input.string('code');
    if (code === undefined) throw new FhirError('incorrect', '$lookup needs a "code" and "system", or a "coding"');
    const found = req.id !== undefined ? await target(req, ctx, db, 'CodeSystem', input, { url: 'url', resource: 'codeSystem' }) : undefined;
    const system = found?.resource?.url ?? coding?.system ?? input.string('system');
    if (system === undefined) throw new FhirError('incorrect', '$lookup needs the "system" the code is from');
    const tx = await terminologyFor(ctx, db, found?.extras ?? (await codeSystemExtras(ctx, db, system)));
    const cs = tx.codeSystem(system);
    if (cs === undefined) {
      throw new FhirError('not-found', `The code system ${systemName(system)} is not held by this server, so '${code}' cannot be looked up here (this does not mean the code is wrong)`);
    }
    let info = cs.concepts.get(code);
    if (info === undefined && !cs.caseSensitive) info = [...cs.concepts.values()].find((c) => c.code.toLowerCase() === code.toLowerCase());
    if (info === undefined) {
      const why = cs.complete ? `is not a code of ${system}` : `is not in the part of ${system} held here (a ${cs.resource.content ?? 'fragment'})`;
      throw new FhirError('not-found', `The code '${code}' ${why}`, { code: cs.complete ? 'code-invalid' : 'not-found' });
    }
    const concept = find(cs.resource.concept as Concept[] | undefined, info.code);
    const wanted = new Set(input.strings('property'));
    const want = (p: string): boolean => wanted.size === 0 || wanted.has(p);

    const out: OutParameter[] = [{ name: 'name', valueString: String(cs.resource.title ?? cs.resource.name ?? system) }];
    if (typeof cs.resource.version === 'string') out.push({ name: 'version', valueString: cs.resource.version });
    out.push({ name: 'display', valueString: info.display ?? info.code });
    if (info.abstract) out.push({ name: 'abstract', valueBoolean: true });
    for (const d of concept?.designation ?? []) {
      const part: OutParameter[] = [];
      if (d.language) part.push({ name: 'language', valueCode: d.language });
      if (d.use) part.push({ name: 'use', valueCoding: d.use });
      part.push({ name: 'value', valueString: d.value });
      out.push({ name: 'designation', part });
    }
    const property = (code: string, value: Record<string, unknown>): void => {
      if (want(code)) out.push({ name: 'property', part: [{ name: 'code', valueCode: code }, value as OutParameter] });
    };
    if (typeof concept?.definition === 'string') property('definition', { name: 'value', valueString: concept.definition });
    for (const p of concept?.property ?? []) {
      if (p.code === 'parent' || p.code === 'child') continue; // reported below from the hierarchy
      const [k, v] = Object.entries(p).find(([key]) => key.startsWith('value')) ?? [];
      if (k !== undefined) property(String(p.code), { name: 'value', [k]: v });
    }
    if (info.inactive && !concept?.property?.some((p) => p.code === 'inactive')) property('inactive', { name: 'value', valueBoolean: true });
    for (const parent of new Set(info.parents)) property('parent', { name: 'value', valueCode: parent });
    for (const c of cs.concepts.values()) if (c.parents.includes(info.code)) property('child', { name: 'value', valueCode: c.code });
    return { status: 200, body: parameters(out) };
  },
};
