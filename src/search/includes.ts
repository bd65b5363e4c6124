/**
 * `_include` and `_revinclude`, with `:iterate`: every referenced or referring resource is added,
 * never a truncated subset. Iteration stops when a round adds nothing new.
 */
import { FhirError } from '../fhir/errors.ts';
import type { StoreReader } from '../storage/index.ts';
import type { IncludeStep, PlanRow, RevIncludeStep, RowOptions, SqlCompiler } from '../storage/search/index.ts';
import type { SearchRegistry } from './registry.ts';
import { toPlanRow } from './rows.ts';

export interface IncludeRequest {
  readonly include: (IncludeStep & { iterate: boolean })[];
  readonly revinclude: (RevIncludeStep & { iterate: boolean })[];
}

const CHUNK = 500;
/** Rounds of `:iterate` followed at most (each round only follows what the previous one added). */
const MAX_ROUNDS = 16;

/** Parses `Type:param[:targetType]`, `Type:*` or `*` (include) and `Type:param` or `Type:*` (revinclude). */
export function parseInclude(registry: SearchRegistry, name: string, value: string, into: IncludeRequest): void {
  const [base, modifier] = name.split(':');
  const iterate = modifier === 'iterate' || modifier === 'recurse';
  if (modifier !== undefined && !iterate) throw new FhirError('incorrect', `${name}: the only modifier of ${base} is :iterate`);
  const rev = base === '_revinclude';
  if (value === '*') {
    if (rev) throw new FhirError('incorrect', '_revinclude=* is not supported; name the type, e.g. _revinclude=Observation:*');
    into.include.push({ sourceType: '*', iterate });
    return;
  }
  const [sourceType, param, targetType, extra] = value.split(':');
  if (!registry.defs.isResourceType(sourceType) || !param || extra !== undefined) throw new FhirError('incorrect', `${name}=${value} is not of the form Type:parameter[:targetType]`);
  if (param !== '*') {
    const sp = registry.param(sourceType, param);
    if (sp?.type !== 'reference') throw new FhirError('incorrect', `${name}=${value}: ${param} is not a reference parameter of ${sourceType}`);
    if (targetType !== undefined && !(sp.target ?? []).includes(targetType)) throw new FhirError('incorrect', `${name}=${value}: ${sourceType}.${param} does not refer to ${targetType}`);
  }
  const p = param === '*' ? undefined : param;
  if (rev) into.revinclude.push({ sourceType, param: p, iterate });
  else into.include.push({ sourceType, param: p, targetType, iterate });
}

function chunks<T>(list: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

async function round(db: StoreReader, compiler: SqlCompiler, sources: PlanRow[], req: IncludeRequest, iterateOnly: boolean, opts: RowOptions): Promise<PlanRow[]> {
  const found: PlanRow[] = [];
  const sourceTypes = new Set(sources.map((s) => s.resourceType));
  const steps: IncludeStep[] = req.include
    .filter((s) => !iterateOnly || s.iterate)
    .flatMap((s): IncludeStep[] =>
      s.sourceType === '*' ? [...sourceTypes].map((t) => ({ sourceType: t })) : sourceTypes.has(s.sourceType) ? [{ sourceType: s.sourceType, param: s.param, targetType: s.targetType }] : [],
    );
  if (steps.length) {
    for (const part of chunks(sources)) for (const r of await db.select(compiler.include(part, steps, opts))) found.push(toPlanRow(r, 0));
  }
  const revs = req.revinclude.filter((s) => !iterateOnly || s.iterate);
  if (revs.length) {
    const byType = new Map<string, string[]>();
    for (const s of sources) (byType.get(s.resourceType) ?? byType.set(s.resourceType, []).get(s.resourceType)!).push(s.id);
    for (const step of revs)
      for (const [type, ids] of byType)
        for (const part of chunks(ids)) for (const r of await db.select(compiler.revinclude(type, part, { sourceType: step.sourceType, param: step.param }, opts))) found.push(toPlanRow(r, 0));
  }
  return found;
}

/** The resources the matches include, each once and none of the matches themselves. */
export async function includes(db: StoreReader, compiler: SqlCompiler, matches: PlanRow[], req: IncludeRequest, opts: RowOptions = {}): Promise<{ rows: PlanRow[]; complete: boolean }> {
  const seen = new Set(matches.map((m) => `${m.resourceType}/${m.id}`));
  const out: PlanRow[] = [];
  let sources = matches;
  const iterates = req.include.some((s) => s.iterate) || req.revinclude.some((s) => s.iterate);
  for (let n = 0; sources.length && n < MAX_ROUNDS; n++) {
    const fresh: PlanRow[] = [];
    for (const r of await round(db, compiler, sources, req, n > 0, opts)) {
      const key = `${r.resourceType}/${r.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      fresh.push(r);
    }
    out.push(...fresh);
    if (!iterates) return { rows: out, complete: true };
    sources = fresh;
  }
  return { rows: out, complete: sources.length === 0 };
}
