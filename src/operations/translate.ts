/**
 * ConceptMap $translate (https://hl7.org/fhir/R4/conceptmap-operation-translate.html): the codes a
 * ConceptMap maps a code to (or from, with `reverse`), each with its `equivalence`. The map is the
 * instance in the URL, `url`/`conceptMap`, or else every ConceptMap held (registry or stored here)
 * whose source and target ValueSets match `source`/`target` and that has a group for the code's
 * system. No match is `result` false with a message saying which maps were consulted.
 */
import { FhirError } from '../fhir/errors.ts';
import type { Db, InteractionContext } from '../interactions/types.ts';
import type { CanonicalResource } from '../validation/index.ts';
import type { OperationHandler } from './index.ts';
import { OperationInput, parameters, readById, target, type Coding, type OutParameter } from './terminology-input.ts';

interface MapTarget {
  code?: string;
  display?: string;
  equivalence?: string;
  comment?: string;
}
interface MapGroup {
  source?: string;
  target?: string;
  element?: { code?: string; display?: string; target?: MapTarget[] }[];
  unmapped?: { mode?: string; code?: string; display?: string; url?: string };
}
type ConceptMap = CanonicalResource & { group?: MapGroup[]; sourceUri?: string; sourceCanonical?: string; targetUri?: string; targetCanonical?: string };

/** Equivalence read from target to source. */
const REVERSED: Record<string, string> = { wider: 'narrower', narrower: 'wider', subsumes: 'specializes', specializes: 'subsumes' };
const NO_MATCH = new Set(['unmatched', 'disjoint']);

interface Match {
  equivalence: string;
  concept: Coding;
  source: string;
  comment?: string;
}

function translate(map: ConceptMap, coding: Coding, reverse: boolean, targetSystem: string | undefined): Match[] {
  const out: Match[] = [];
  const source = String(map.url ?? '');
  for (const g of map.group ?? []) {
    const [from, to] = reverse ? [g.target, g.source] : [g.source, g.target];
    if (coding.system !== undefined && from !== undefined && from !== coding.system) continue;
    if (targetSystem !== undefined && to !== targetSystem) continue;
    let found = false;
    for (const e of g.element ?? []) {
      if (!reverse && e.code === coding.code) {
        found = true;
        for (const t of e.target ?? []) {
          out.push({ equivalence: t.equivalence ?? 'equivalent', concept: { ...(to ? { system: to } : {}), ...(t.code ? { code: t.code } : {}), ...(t.display ? { display: t.display } : {}) }, source, comment: t.comment });
        }
        if ((e.target ?? []).length === 0) out.push({ equivalence: 'unmatched', concept: {}, source });
      }
      if (reverse) {
        for (const t of e.target ?? []) {
          if (t.code !== coding.code) continue;
          found = true;
          const eq = t.equivalence ?? 'equivalent';
          out.push({ equivalence: REVERSED[eq] ?? eq, concept: { ...(to ? { system: to } : {}), ...(e.code ? { code: e.code } : {}), ...(e.display ? { display: e.display } : {}) }, source, comment: t.comment });
        }
      }
    }
    if (!found && !reverse && g.unmapped && coding.code !== undefined) {
      if (g.unmapped.mode === 'provided') out.push({ equivalence: 'equal', concept: { ...(to ? { system: to } : {}), code: coding.code }, source });
      if (g.unmapped.mode === 'fixed' && g.unmapped.code) out.push({ equivalence: 'inexact', concept: { ...(to ? { system: to } : {}), code: g.unmapped.code, ...(g.unmapped.display ? { display: g.unmapped.display } : {}) }, source });
    }
  }
  return out;
}

const sourceOf = (m: ConceptMap): string | undefined => m.sourceUri ?? m.sourceCanonical;
const targetOf = (m: ConceptMap): string | undefined => m.targetUri ?? m.targetCanonical;
const sameCanonical = (a: string | undefined, b: string): boolean => a !== undefined && a.split('|')[0] === b.split('|')[0];

/** Candidate maps when none is named: held in the registry, and stored here with a group for the system. */
async function candidates(ctx: InteractionContext, db: Db, system: string | undefined, reverse: boolean): Promise<ConceptMap[]> {
  const maps = [...ctx.validator.registry.allConceptMaps()] as ConceptMap[];
  if (system !== undefined) {
    const ids = await ctx.search.matchIds(db, 'ConceptMap', [[reverse ? 'target-system' : 'source-system', system]], 50);
    for (const id of ids) maps.push((await readById(db, 'ConceptMap', id)) as ConceptMap);
  }
  return maps;
}

export const translateOperation: OperationHandler = {
  name: 'translate',
  system: false,
  type: true,
  instance: true,
  affectsState: false,
  definition: 'http://hl7.org/fhir/OperationDefinition/ConceptMap-translate',
  async run(req, ctx, db) {
    if (req.resourceType !== 'ConceptMap') throw new FhirError('incorrect', '$translate is an operation on ConceptMap');
    const input = OperationInput.of(req, 'translate');
    const reverse = input.boolean('reverse') ?? false;
    const cc = input.codeableConcept('codeableConcept');
    const single = input.coding('coding') ?? (input.has('code') ? { code: input.string('code'), system: input.string('system'), version: input.string('version') } : undefined);
    const codings = cc ? (cc.coding ?? []) : single ? [single] : [];
    if (codings.length === 0 || codings.some((c) => c.code === undefined)) throw new FhirError('incorrect', '$translate needs a "code" and "system", a "coding" or a "codeableConcept"');
    const sourceVs = input.string('source');
    const targetVs = input.string('target');
    const targetSystem = input.string('targetsystem');

    const found = await target(req, ctx, db, 'ConceptMap', input, { url: 'url', resource: 'conceptMap' });
    if (found.url !== undefined && found.resource === undefined) throw new FhirError('not-found', `The ConceptMap ${found.url} is not known to this server`);
    let maps: ConceptMap[] = found.resource ? [found.resource as ConceptMap] : await candidates(ctx, db, codings[0].system, reverse);
    if (!found.resource) {
      const [src, tgt] = reverse ? [targetVs, sourceVs] : [sourceVs, targetVs];
      if (src !== undefined) maps = maps.filter((m) => sameCanonical(reverse ? targetOf(m) : sourceOf(m), src));
      if (tgt !== undefined) maps = maps.filter((m) => sameCanonical(reverse ? sourceOf(m) : targetOf(m), tgt));
    }
    const seen = new Set<string>();
    const matches: Match[] = [];
    for (const m of maps) {
      const k = `${m.url}|${m.version}|${m.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const c of codings) matches.push(...translate(m, c, reverse, targetSystem));
    }
    const result = matches.some((m) => !NO_MATCH.has(m.equivalence));
    const what = codings.map((c) => `${c.system ?? ''}#${c.code}`).join(', ');
    const out: OutParameter[] = [{ name: 'result', valueBoolean: result }];
    if (!result) {
      out.push({
        name: 'message',
        valueString: seen.size === 0 ? `No ConceptMap held by this server maps ${what}${reverse ? ' in reverse' : ''}` : `${what} has no mapping in ${[...maps].map((m) => m.url).join(', ')}`,
      });
    }
    for (const m of matches) {
      const part: OutParameter[] = [{ name: 'equivalence', valueCode: m.equivalence }];
      if (m.concept.code !== undefined) part.push({ name: 'concept', valueCoding: m.concept });
      if (m.source) part.push({ name: 'source', valueUri: m.source });
      out.push({ name: 'match', part });
    }
    return { status: 200, body: parameters(out) };
  },
};
