/**
 * Definitions stored on the server that search depends on: SearchParameter resources (custom
 * parameters) and the ValueSets and CodeSystems `:in`, `:not-in`, `:above` and `:below` use.
 *
 * They take effect only once the write that stores them has committed (the dispatcher registers
 * an after-commit hook that calls `refresh`), so a rolled-back write leaves nothing behind. Each
 * refresh reloads the whole set from the store, which handles deletions too. A process also
 * polls a cheap change stamp (latest `last_updated` and row count per type, from the
 * (resource_type, last_updated) index), so with several processes on one PostgreSQL database
 * each picks up the others' definitions within the poll interval; and loads them on start-up.
 */
import { FhirError } from '../fhir/errors.ts';
import type { SearchParameter } from '../fhir/definitions.ts';
import type { StoreReader } from '../storage/index.ts';
import type { SqlCompiler } from '../storage/search/index.ts';
import type { CanonicalResource, ConformanceRegistry } from '../validation/index.ts';
import type { SearchRegistry } from './registry.ts';

export const DEFINITION_TYPES = ['SearchParameter', 'ValueSet', 'CodeSystem'] as const;

const CODE = /^[A-Za-z][A-Za-z0-9_-]*$/;
const TYPES = new Set(['number', 'date', 'string', 'token', 'reference', 'composite', 'quantity', 'uri', 'special']);
const BATCH = 1000;

function invalid(diagnostics: string, expression: string): FhirError {
  return new FhirError('unprocessable', diagnostics, { code: 'invalid', expression: [expression] });
}

/** Checks that a SearchParameter can be used for search here; throws 422 saying what is wrong. */
export function checkSearchParameter(registry: SearchRegistry, resource: Record<string, unknown>): SearchParameter {
  const sp = resource as unknown as SearchParameter;
  if (typeof sp.code !== 'string' || !CODE.test(sp.code)) throw invalid(`SearchParameter.code "${String(sp.code)}" must be a name of letters, digits, '-' and '_' (no ':' or '.')`, 'SearchParameter.code');
  if (!TYPES.has(sp.type)) throw invalid(`SearchParameter.type "${String(sp.type)}" is not a search parameter type`, 'SearchParameter.type');
  const bases = Array.isArray(sp.base) ? sp.base : [];
  if (!bases.length) throw invalid('SearchParameter.base names no resource type', 'SearchParameter.base');
  bases.forEach((b, n) => {
    if (b !== 'Resource' && b !== 'DomainResource' && !registry.defs.isResourceType(b)) throw invalid(`SearchParameter.base "${b}" is not a resource type`, `SearchParameter.base[${n}]`);
  });
  if (sp.type !== 'special' && (typeof sp.expression !== 'string' || !sp.expression.trim())) throw invalid(`A ${sp.type} SearchParameter needs an expression to be indexed`, 'SearchParameter.expression');
  for (const t of sp.target ?? []) if (!registry.defs.isResourceType(t)) throw invalid(`SearchParameter.target "${t}" is not a resource type`, 'SearchParameter.target');
  if (sp.type === 'composite') {
    for (const c of sp.component ?? []) if (!registry.byDefinition(c.definition)) throw invalid(`The component ${c.definition} is not a SearchParameter known here`, 'SearchParameter.component');
  }
  try {
    registry.compileAll(sp, bases);
  } catch (err) {
    throw invalid(`SearchParameter.expression "${sp.expression}" is not a FHIRPath expression Meridian can evaluate: ${(err as Error).message}`, 'SearchParameter.expression');
  }
  return sp;
}

async function loadAll(db: StoreReader, compiler: SqlCompiler, type: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let after = 0; ; ) {
    const rows = await db.select(compiler.scan([type], after, BATCH));
    for (const r of rows) out.push(JSON.parse(String(r.content)) as Record<string, unknown>);
    if (rows.length < BATCH) return out;
    after = Number(rows[rows.length - 1].rid);
  }
}

export class StoredDefinitions {
  private stamp = '';
  private chain: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly registry: SearchRegistry,
    private readonly compiler: SqlCompiler,
    private readonly conformance?: ConformanceRegistry,
  ) {}

  private pending?: Promise<void>;

  /** Reloads every stored definition, in turn with other refreshes; calls while one waits to start share it. */
  refresh(db: StoreReader): Promise<void> {
    if (this.pending) return this.pending;
    const run = this.chain.then(() => {
      this.pending = undefined;
      return this.load(db);
    });
    this.pending = run;
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(db: StoreReader): Promise<void> {
    const stamp = await this.currentStamp(db);
    const sps: SearchParameter[] = [];
    for (const r of await loadAll(db, this.compiler, 'SearchParameter')) {
      try {
        sps.push(checkSearchParameter(this.registry, r));
      } catch {
        // stored before a check existed or by another version: not usable, and not fatal
      }
    }
    this.registry.setCustom(sps);
    if (this.conformance) {
      // the conformance registry keeps what it was given (deleted ones stay until restart); later versions replace earlier
      for (const type of ['CodeSystem', 'ValueSet']) for (const r of await loadAll(db, this.compiler, type)) this.conformance.add(r as unknown as CanonicalResource);
    }
    this.stamp = stamp;
  }

  private async currentStamp(db: StoreReader): Promise<string> {
    const rows = await db.select(this.compiler.changeStamp(DEFINITION_TYPES));
    return rows
      .map((r) => `${String(r.resource_type)}:${String(r.t)}:${String(r.n)}`)
      .sort()
      .join(',');
  }

  /** Polls the change stamp every `ms` and reloads when another process changed a definition. */
  watch(db: StoreReader, ms: number): void {
    this.stop();
    this.timer = setInterval(() => {
      this.chain = this.chain
        .then(async () => {
          if ((await this.currentStamp(db)) !== this.stamp) await this.load(db);
        })
        .catch(() => undefined);
    }, ms);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
