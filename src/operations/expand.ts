/**
 * ValueSet $expand (https://hl7.org/fhir/R4/valueset-operation-expand.html): the codes of a
 * ValueSet named by id, by `url` (held in the registry or stored here) or passed inline as
 * `valueSet`, with a text `filter` and `offset`/`count` paging. Codes of systems this server does
 * not hold (a whole of SNOMED CT, a LOINC filter …) cannot be enumerated: when nothing else is in
 * the ValueSet the answer is 422 saying so; otherwise the codes it can list are returned and the
 * expansion is marked unclosed (the `valueset-unclosed` extension) with the systems left out named.
 */
import { randomUUID } from 'node:crypto';
import { FhirError } from '../fhir/errors.ts';
import { systemName, type CodeSystemConcept } from '../validation/index.ts';
import type { OperationHandler } from './index.ts';
import { OperationInput, target, terminologyFor } from './terminology-input.ts';

const UNCLOSED = 'http://hl7.org/fhir/StructureDefinition/valueset-unclosed';
/** Most codes returned when no `count` is given: a ValueSet over all of v3 ActCode is large. */
const DEFAULT_COUNT = 1000;

type Designation = { language?: string; use?: unknown; value: string };

function designationsOf(concepts: CodeSystemConcept[] | undefined, code: string): Designation[] | undefined {
  for (const c of concepts ?? []) {
    if (c.code === code) return c.designation as Designation[] | undefined;
    const below = designationsOf(c.concept, code);
    if (below !== undefined) return below;
  }
  return undefined;
}

/** Does the text filter match: every word of it starts a word of the display, or it is in the code. */
function matcher(filter: string | undefined): (code: string, display: string) => boolean {
  if (filter === undefined || filter.trim() === '') return () => true;
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  return (code, display) => {
    const text = display.toLowerCase();
    const textWords = text.split(/[^a-z0-9]+/);
    return code.toLowerCase().includes(filter.toLowerCase()) || words.every((w) => textWords.some((t) => t.startsWith(w)) || text.includes(w));
  };
}

export const expandOperation: OperationHandler = {
  name: 'expand',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/ValueSet-expand',
  async run(req, ctx, db) {
    if (req.resourceType !== 'ValueSet') throw new FhirError('incorrect', '$expand is an operation on ValueSet');
    const input = OperationInput.of(req, 'expand');
    const found = await target(req, ctx, db, 'ValueSet', input, { url: 'url', resource: 'valueSet' });
    if (found.url === undefined) throw new FhirError('incorrect', '$expand needs a ValueSet: its id in the URL, a "url" parameter, or a "valueSet" resource');
    if (found.resource === undefined) throw new FhirError('not-found', `The ValueSet ${found.url} is not known to this server`);
    const tx = await terminologyFor(ctx, db, found.extras);
    const expansion = tx.expand(String(found.resource.url));
    if (expansion === undefined) throw new FhirError('not-found', `The ValueSet ${found.url} is not known to this server`);
    const open = [...expansion.open];
    if (open.length > 0 && expansion.codes.size === 0) {
      throw new FhirError('unprocessable', `The ValueSet ${found.url} draws on ${open.map(systemName).join(', ')}, which this server does not hold, so it cannot be expanded here`, { code: 'not-supported' });
    }
    if (expansion.codes.size === 0 && expansion.problems.length > 0) {
      throw new FhirError('unprocessable', `The ValueSet ${found.url} cannot be expanded: ${expansion.problems.join('; ')}`, { code: 'not-supported' });
    }

    const filter = input.string('filter');
    const offset = input.integer('offset') ?? 0;
    const count = input.integer('count') ?? DEFAULT_COUNT;
    const includeDesignations = input.boolean('includeDesignations') ?? false;
    const activeOnly = input.boolean('activeOnly') ?? false;
    const matches = matcher(filter);

    const selected: { system: string; code: string; display: string }[] = [];
    for (const [k, display] of expansion.codes) {
      const bar = k.lastIndexOf('|');
      const system = k.slice(0, bar);
      const code = k.slice(bar + 1);
      if (activeOnly && tx.codeSystem(system)?.concepts.get(code)?.inactive) continue;
      if (matches(code, display)) selected.push({ system, code, display });
    }
    const contains = selected.slice(offset, offset + count).map(({ system, code, display }) => {
      const cs = tx.codeSystem(system);
      const concept = cs?.concepts.get(code);
      const version = typeof cs?.resource.version === 'string' ? cs.resource.version : undefined;
      const designation = includeDesignations ? designationsOf(cs?.resource.concept, code) : undefined;
      return {
        system,
        ...(version ? { version } : {}),
        code,
        ...(display ? { display } : concept?.display ? { display: concept.display } : {}),
        ...(concept?.abstract ? { abstract: true } : {}),
        ...(concept?.inactive ? { inactive: true } : {}),
        ...(designation?.length ? { designation } : {}),
      };
    });

    const parameter: { name: string; [k: string]: unknown }[] = [];
    if (filter !== undefined) parameter.push({ name: 'filter', valueString: filter });
    if (input.has('offset')) parameter.push({ name: 'offset', valueInteger: offset });
    if (input.has('count')) parameter.push({ name: 'count', valueInteger: count });
    if (includeDesignations) parameter.push({ name: 'includeDesignations', valueBoolean: true });
    if (activeOnly) parameter.push({ name: 'activeOnly', valueBoolean: true });
    for (const s of open) parameter.push({ name: 'not-expanded-system', valueUri: s });

    const { text: _text, expansion: _old, ...valueSet } = found.resource as Record<string, unknown>;
    if (String(valueSet.url).startsWith('urn:meridian:inline:')) delete valueSet.url;
    const body = {
      ...valueSet,
      resourceType: 'ValueSet',
      expansion: {
        ...(open.length ? { extension: [{ url: UNCLOSED, valueBoolean: true }] } : {}),
        identifier: `urn:uuid:${randomUUID()}`,
        timestamp: new Date(ctx.now()).toISOString(),
        total: selected.length,
        ...(offset || input.has('count') ? { offset } : {}),
        ...(parameter.length ? { parameter } : {}),
        ...(contains.length ? { contains } : {}),
      },
    };
    return { status: 200, body: body as never };
  },
};
