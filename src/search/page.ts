/**
 * How a page of matches is found. The plan's most selective criterion drives by default: its
 * index rows are read and the rest are checked on them. A `_has` so driven reads every referring
 * resource: `Patient?_has:Observation:patient:code=X` reads each Observation with code X and
 * follows its reference, about 3.5 µs each on the 250k-resource bench store, so 30 ms for a common
 * code (8,000 Observations) and under 2 ms for a rare one. The other way reads the candidates (the
 * Patients) in rid order and probes each for a matching Observation, stopping when the page is
 * full: about 0.2 ms a Patient without a match, far less with one, so 1–4 ms for a common code
 * spread over most patients, and hundreds of ms for a rare or a concentrated one. The same holds,
 * with cheaper probes, for a plain criterion that matches much of its type: `Observation?status=final`
 * listed 100,000 index rows to sort them by rid (45 ms), where probing the first Observations
 * fills a page at once (under 1 ms of SQL).
 *
 * Which way wins depends on the data, so it is asked: a small query counts the driving index rows
 * (the `_has` target's, or the criterion's own in a one-type search) and the candidates (each up
 * to a cap). Few driving rows: the index drives. Many: the first candidates are probed (phase 1:
 * as many as the index rows would cost to follow, at most two pages' worth), and if the page is
 * not full by then, what phase 1 found tells how many more probes the rest would take, and the
 * cheaper way finds the rest (phase 2); probing stops within what the index would have cost, and
 * the index finds whatever is still missing. Either way the rows are those the default plan finds.
 *
 * A page sorted by one key has a third way (walkOf): with no criterion, or criteria matching many
 * index rows, the key's own index is read in sort order and each row checked until the page is
 * full, instead of every match's key being read and sorted; if a bounded walk does not fill the
 * page, the matches are sorted after all.
 */
import type { CompiledQuery, StoreReader } from '../storage/index.ts';
import type { RowOptions, SearchPlan, SqlCompiler } from '../storage/search/index.ts';

/** The constants of the choice (tests vary them to take every path). */
export interface PageTuning {
  /** A candidate's probe for a `_has` costs about as much as reading this many driving index rows (~0.2 ms against ~3.5 µs, measured on the bench store). */
  probeCost: number;
  /**
   * A candidate's probe for plain criteria (an index lookup by rid, plus reading the candidate)
   * costs about as much as this many of their driving index rows (~1.5 µs against ~0.4 µs).
   */
  indexProbeCost: number;
  /** With fewer driving index rows than this per row of the page, the index drives (it costs no more than a page of probes). */
  rowsPerMatch: number;
  /** Candidates probed in phase 1, in pages (of the plan's limit). */
  phaseOne: number;
  /** Index rows are counted up to this many per row of the page (more tells nothing new and costs time). */
  cap: number;
  /**
   * Reading a candidate (its rid and id, in rid order from the resources_type_rid index) costs about
   * this much (in driving index rows: ~0.5 µs). Each phase reads only the candidates it probes.
   */
  candidateCost: number;
  /**
   * A page sorted by one key whose index can be walked (SqlCompiler.walks) walks it when its
   * criteria match many index rows: it reads at most this many index rows per row of the page
   * before it gives way to sorting the matches. Generous, because matches cluster (the latest
   * Observations are often one encounter's vital signs): a walk that gives way has cost little
   * (~2 µs an index row), but the sort it gives way to costs what the walk was to save (70–250 ms
   * over the bench store's 113,000 Observations).
   */
  walkRows: number;
}

export const TUNING: PageTuning = { probeCost: 50, indexProbeCost: 4, candidateCost: 0.15, rowsPerMatch: 40, phaseOne: 2, cap: 100, walkRows: 40 };

type Rows = Record<string, unknown>[];

export interface PageChoice {
  /** The plan the page (or its first part) is found with. */
  plan: SearchPlan;
  /** For the candidates' way, what phase 2 weighs: the driving index rows and the candidates counted (each up to a cap), and a probe's cost. */
  counted?: { drivingRows: number; candidates: number; probeCost: number };
}

/**
 * The answers to the small query recently asked (by its SQL and parameters), reused for `ttlMs`.
 * They choose only the way a page is found, never its rows (either way gives the same rows), so
 * an answer some seconds old does no harm; and a server asks the same ones again and again (on the
 * bench store: about 0.2 ms of SQL and a round trip to a reader thread each time).
 */
export class EstimateCache {
  private readonly answers = new Map<string, { at: number; row: Record<string, unknown> | undefined }>();
  constructor(
    private readonly ttlMs = 30_000,
    private readonly max = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  async ask(db: StoreReader, query: CompiledQuery): Promise<Record<string, unknown> | undefined> {
    const key = `${query.text}\u0000${JSON.stringify(query.params)}`;
    const now = this.now();
    const known = this.answers.get(key);
    if (known && now - known.at < this.ttlMs) return known.row;
    const [row] = await db.select(query);
    this.answers.delete(key);
    // the oldest answer makes way (a Map keeps insertion order)
    if (this.answers.size >= this.max) this.answers.delete(this.answers.keys().next().value!);
    this.answers.set(key, { at: now, row });
    return row;
  }
}

/**
 * Chooses how to find the page of `plan` (see above); one small query when the plan is driven by a
 * `_has` (unless `estimates` has its answer), none otherwise.
 */
export async function choosePage(db: StoreReader, compiler: SqlCompiler, plan: SearchPlan, tuning = TUNING, estimates?: EstimateCache): Promise<PageChoice> {
  const walk = await walkOf(db, compiler, plan, tuning, estimates);
  if (walk) return { plan: walk };
  const counted = await countDriving(db, compiler, plan, tuning, estimates);
  if (!counted) return { plan };
  const { drivingRows, candidates } = counted;
  const probeCost = counted.driver === 'has' ? tuning.probeCost : tuning.indexProbeCost;
  // phase 1: as many candidates as following the index rows would cost, up to `phaseOne` pages' worth
  const first = Math.max(1, Math.min(Math.round(tuning.phaseOne * plan.limit), Math.round(drivingRows / probeCost)));
  return { plan: { ...plan, candidates: { first } }, counted: { drivingRows, candidates, probeCost } };
}

/**
 * The driving index rows of `plan` (unsorted) and its candidates, each counted up to a cap, when
 * they are many (undefined when few, or when the plan is not driven by index rows).
 */
async function countDriving(
  db: StoreReader,
  compiler: SqlCompiler,
  plan: SearchPlan,
  tuning: PageTuning,
  estimates?: EstimateCache,
): Promise<{ drivingRows: number; candidates: number; driver: 'has' | 'index' } | undefined> {
  const many = tuning.rowsPerMatch * plan.limit;
  const capIn = Math.max(many, tuning.cap * plan.limit);
  const estimate = compiler.estimate(plan, { capIn, capOut: Math.min(Number.MAX_SAFE_INTEGER, Math.ceil(capIn / (4 * tuning.candidateCost))), many });
  if (!estimate) return undefined;
  const row = estimates ? await estimates.ask(db, estimate) : (await db.select(estimate))[0];
  const drivingRows = Number(row?.n_in ?? 0);
  if (drivingRows < many) return undefined;
  return { drivingRows, candidates: Number(row?.n_out ?? 0), driver: estimate.driver };
}

/**
 * The plan walking the sort key's index, when that is how this page is best found: the key's
 * index can be walked, and the criteria are none, or match many index rows of the type (few:
 * sorting them all costs little, and a walk could read far before it met them). The walk reads at
 * most `walkRows` index rows per row of the page. A `_has` is not walked: each probe of it costs
 * as much as dozens of index rows.
 */
async function walkOf(db: StoreReader, compiler: SqlCompiler, plan: SearchPlan, tuning: PageTuning, estimates?: EstimateCache): Promise<SearchPlan | undefined> {
  if (!compiler.walks(plan)) return undefined;
  if (plan.filter.kind !== 'true') {
    const counted = await countDriving(db, compiler, { ...plan, sort: [], after: undefined }, tuning, estimates);
    if (!counted || counted.driver === 'has') return undefined;
    // at the criteria's rate of matches, the walk's budget would not hold two pages' worth: sort them
    if (counted.candidates > 0 && (counted.drivingRows / counted.candidates) * tuning.walkRows < 2) return undefined;
  }
  return { ...plan, walk: { budget: plan.limit * tuning.walkRows } };
}

/** The page's rows, as `compiler.select(plan, opts)` would return them. */
export async function selectPage(db: StoreReader, compiler: SqlCompiler, plan: SearchPlan, opts: RowOptions = {}, tuning = TUNING, estimates?: EstimateCache): Promise<Rows> {
  const choice = await choosePage(db, compiler, plan, tuning, estimates);
  if (choice.plan.walk) {
    // a resource whose key is in two of its index rows comes twice: the first stays
    const seen = new Set<unknown>();
    const rows = await db.select(compiler.select(choice.plan, opts));
    const walked = rows.filter((r) => !seen.has(r.rid) && seen.add(r.rid));
    // a full page is the page. A backward one that found fewer rows than the page holds (before
    // any came twice) while reading less than its budget reached the start of the order.
    // Otherwise the walk ran out of budget, or of resources with a value (those without come
    // last), and the matches are sorted
    if (walked.length >= plan.limit) return walked;
    if (plan.after?.backwards && rows.length && rows.length < plan.limit && Number(rows[0].w_walked) < choice.plan.walk.budget) return walked;
    return db.select(compiler.select(plan, opts));
  }
  const first = await db.select(compiler.select(choice.plan, opts));
  const probed = choice.plan.candidates?.first;
  const counted = choice.counted;
  if (probed === undefined || !counted || first.length >= plan.limit) return first;
  // nothing among the first candidates: the index finds the page (as it would have from the start)
  if (!first.length) return db.select(compiler.select(plan, opts));
  // the page is not full after the first candidates: the rest lies beyond the last of them, if there are more
  if (Number(first[0].c_count) < probed) return first;
  const missing = plan.limit - first.length;
  const beyond = (rows: Rows, limit: number): SearchPlan => ({ ...plan, limit, after: { values: [], rid: Number(rows[0].c_last), backwards: false } });
  const byIndexAfterFirst = async () => [...first, ...(await db.select(compiler.select(beyond(first, missing), opts)))];
  const { way, budget } = phaseTwo({ ...counted, probed, found: first.length, missing }, tuning, compiler.probesStopAtLimit);
  if (way === 'index') return byIndexAfterFirst();
  // the rest, if any, lies beyond the last candidate phase 2 probed
  const second = await db.select(compiler.select({ ...beyond(first, missing), candidates: { first: Number.isFinite(budget) ? budget : undefined } }, opts));
  if (!second.length) return byIndexAfterFirst();
  if (second.length >= missing || Number(second[0].c_count) < budget) return [...first, ...second];
  return [...first, ...second, ...(await db.select(compiler.select(beyond(second, missing - second.length), opts)))];
}

/**
 * How phase 2 finds the `missing` rows after phase 1 `found` some among the first `probed`
 * candidates: by probing more candidates, or by following the driving index rows, whichever
 * costs fewer index rows' worth; and if by candidates, how many it reads at most (its budget).
 *
 * The budget is twice what phase 1's rate of matches says the page needs. Where probing stops at
 * the limit (SQLite), it is raised to what following the index rows would cost (matches may thin
 * out past the first candidates, and probes not needed are not made), and phase 2 costs the
 * probes phase 1's rate says. Elsewhere (PostgreSQL) every candidate read is probed, so phase 2
 * costs its whole budget: for the 1,570 Patients left of the bench store a `_has` would take
 * 170–250 ms against 30 ms by the index, where `value-quantity=gt100` takes 2 ms against 46.
 * Either way, what the budget does not find, the index finds after it.
 */
export function phaseTwo(
  at: { drivingRows: number; candidates: number; probeCost: number; probed: number; found: number; missing: number },
  tuning: PageTuning,
  probesStopAtLimit: boolean,
): { way: 'candidates' | 'index'; budget: number } {
  const expected = (at.missing * at.probed) / at.found;
  const budget = Math.max(at.missing, Math.ceil(2 * expected), probesStopAtLimit ? Math.round(at.drivingRows / at.probeCost) - at.probed : 0);
  const read = Math.min(Math.max(0, at.candidates - at.probed), budget);
  const probes = probesStopAtLimit ? Math.min(read, expected) : read;
  return { way: probes * at.probeCost + read * tuning.candidateCost < at.drivingRows ? 'candidates' : 'index', budget };
}
