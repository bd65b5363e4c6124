/**
 * Scores Meridian's snapshot generator (src/validation/snapshot.ts) against HL7's
 * snapshot-generation test cases (fhir-test-cases r4b/snapshot-generation/manifest.xml). Each
 * test names an input profile (a differential), the profiles to register first, and either an
 * expected snapshot or that generation must fail. As in HL7's harness, the profiles of earlier
 * cases are known to later ones (obs-1-1 constrains obs-1). The cases were written on R4B; a case applies
 * to R4 when its profiles are for FHIR 4.x, parse as R4 (Meridian's XML parser knows R4's
 * elements only), and its expected snapshot has no base element R4 lacks. The rest are listed
 * with the reason.
 *
 * For each applicable case: generation must fail where the case says so; otherwise the generated
 * snapshot must have the expected elements (by id, in order), and each element the expected
 * cardinality, types (with profiles and target profiles), fixed and pattern values, binding,
 * slicing, slice name and mustSupport. The expected snapshots were made on R4B's base
 * definitions, which differ from R4's here and there (Extension.value[x] has R4B's new types,
 * some bindings and target profiles were corrected): a property that no differential of the case
 * sets, and that Meridian leaves as R4 has it, is a difference of the base, not of the generator,
 * and is counted apart. Texts (short, definition, comments) and mappings are not compared;
 * neither are the FHIRPath rules of the manifest (they use functions of the Java test harness).
 *
 * Run: node --import tsx bench/snapshot-suite.ts [--list]
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadR4Definitions, type Definitions, type ElementDefinition, type StructureDefinition } from '../src/fhir/definitions.ts';
import { parseFhirXml } from '../src/fhir/xml/index.ts';
import { ConformanceRegistry, generateSnapshot, loadR4ConformanceResources, type CanonicalResource } from '../src/validation/index.ts';

const DIR = resolve(process.cwd(), '../shared/testdata/fhir-test-cases/r4b/snapshot-generation');

export interface SnapshotCase {
  id: string;
  fail: boolean;
  register: string[];
  version: string | undefined;
}

export interface SnapshotResult {
  id: string;
  expectFailure: boolean;
  /** Why the case does not apply to R4 (undefined when it does). */
  notApplicable?: string;
  /** For cases that must generate: the element ids are those expected, in order. */
  sameElements?: boolean;
  /** …and every compared property agrees (differences of R4B's base aside). */
  sameProperties?: boolean;
  /** Properties that differ only because the expected snapshot was made on R4B's base definitions. */
  baseDifferences?: number;
  /** For cases that must fail: whether generation failed. */
  rejected?: boolean;
  detail: string[];
}

export interface SnapshotScore {
  cases: number;
  applicable: number;
  generate: { run: number; sameElements: number; sameProperties: number };
  fail: { run: number; rejected: number };
  results: SnapshotResult[];
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([A-Za-z-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

export function readManifest(): SnapshotCase[] {
  const text = readFileSync(join(DIR, 'manifest.xml'), 'utf8');
  return [...text.matchAll(/<test\s([^>]*?)\/?>/g)].map((m) => {
    const a = attributes(m[1]);
    return {
      id: a.id,
      fail: a.fail === 'true',
      register: [a.register, a.include]
        .filter(Boolean)
        .join(',')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      version: a.version,
    };
  });
}

/** The file of a fixture name: `name`, `name-input` or `name-expected`, in XML or JSON. */
function fixtureFile(name: string): string | undefined {
  for (const n of [name, `${name}-input`]) for (const ext of ['.xml', '.json']) if (existsSync(join(DIR, n + ext))) return join(DIR, n + ext);
  return undefined;
}

function load(path: string, defs: Definitions): StructureDefinition {
  const text = readFileSync(path, 'utf8');
  return (path.endsWith('.xml') ? parseFhirXml(text, defs) : JSON.parse(text)) as StructureDefinition;
}

/** Does R4 have the base element `path` (`Patient.identifier`, `Identifier.system`)? */
function r4Has(path: string, defs: Definitions): boolean {
  const type = path.split('.')[0];
  const sd = defs.type(type);
  if (sd === undefined) return false;
  return (sd.snapshot?.element ?? []).some((e) => e.path === path);
}

const stripVersion = (u: unknown) => (typeof u === 'string' ? u.replace(/\|.*$/, '') : u);

/** The properties compared, in a canonical form. */
function summary(e: ElementDefinition): Record<string, unknown> {
  const x = e as Record<string, unknown>;
  const fixedOrPattern: Record<string, unknown> = {};
  for (const k of Object.keys(x)) if (k.startsWith('fixed') || k.startsWith('pattern')) fixedOrPattern[k] = x[k];
  const binding = x.binding as { strength?: string; valueSet?: string } | undefined;
  const slicing = x.slicing as { discriminator?: { type: string; path: string }[]; rules?: string; ordered?: boolean } | undefined;
  return {
    min: e.min ?? 0,
    max: e.max ?? '*',
    type: (e.type ?? []).map((t) => `${t.code}${(t.profile ?? []).length ? `(${(t.profile ?? []).map(stripVersion).sort().join(',')})` : ''}${(t.targetProfile ?? []).length ? `->(${(t.targetProfile ?? []).map(stripVersion).sort().join(',')})` : ''}`).sort(),
    fixedOrPattern,
    binding: binding ? `${binding.strength ?? ''} ${String(stripVersion(binding.valueSet) ?? '')}` : undefined,
    slicing: slicing ? `${(slicing.discriminator ?? []).map((d) => `${d.type}:${d.path}`).join(';')} ${slicing.rules ?? 'open'} ${slicing.ordered === true}` : undefined,
    sliceName: x.sliceName,
    mustSupport: x.mustSupport === true,
  };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function scoreSnapshotSuite(defs: Definitions = loadR4Definitions(), coreResources: CanonicalResource[] = loadR4ConformanceResources()): SnapshotScore {
  const results: SnapshotResult[] = [];
  /** The input profiles of the cases so far, which later cases may build on. */
  const earlier: StructureDefinition[] = [];
  for (const c of readManifest()) {
    const result: SnapshotResult = { id: c.id, expectFailure: c.fail, detail: [] };
    results.push(result);
    if (c.version !== undefined && !c.version.startsWith('4.')) {
      result.notApplicable = `written for FHIR ${c.version}`;
      continue;
    }
    const inputPath = fixtureFile(`${c.id}-input`) ?? fixtureFile(c.id);
    if (inputPath === undefined) {
      result.notApplicable = 'no input file';
      continue;
    }
    let input: StructureDefinition;
    const registered: StructureDefinition[] = [];
    let expected: StructureDefinition | undefined;
    try {
      input = load(inputPath, defs);
      for (const name of c.register) {
        const file = fixtureFile(name);
        if (file === undefined) throw new Error(`no file for the registered profile ${name}`);
        registered.push(load(file, defs));
      }
      const expectedPath = [`${c.id}-expected.xml`, `${c.id}-expected.json`].map((f) => join(DIR, f)).find(existsSync);
      if (expectedPath !== undefined) expected = load(expectedPath, defs);
    } catch (err) {
      result.notApplicable = `does not parse as R4: ${(err as Error).message.slice(0, 120)}`;
      continue;
    }
    const known = (url: string | undefined) => url === undefined || defs.structureDefinition(url) !== undefined || [...registered, ...earlier].some((sd) => sd.url === url);
    if (!known(input.baseDefinition)) result.notApplicable = `its base is not among the case's files, but in a package HL7's harness loads (${input.baseDefinition})`;
    earlier.push(input);
    for (const sd of [input, ...registered]) {
      if (typeof sd.fhirVersion === 'string' && !sd.fhirVersion.startsWith('4.')) result.notApplicable ??= `a profile is for FHIR ${sd.fhirVersion}`;
    }
    if (!c.fail && expected === undefined) result.notApplicable ??= 'no expected snapshot';
    const missing = (expected?.snapshot?.element ?? []).map((e) => e.base?.path).filter((p): p is string => typeof p === 'string' && !r4Has(p, defs));
    if (missing.length > 0) result.notApplicable ??= `the expected snapshot has base elements R4 lacks (${[...new Set(missing)].slice(0, 3).join(', ')})`;
    if (result.notApplicable !== undefined) continue;

    const registry = new ConformanceRegistry(defs);
    registry.addAll(coreResources);
    registry.addAll(earlier.filter((sd) => sd !== input && sd.url !== input.url).map((sd) => ({ ...sd, snapshot: undefined })) as unknown as CanonicalResource[]);
    registry.addAll(registered as unknown as CanonicalResource[]);
    const source = { ...input, snapshot: undefined } as StructureDefinition;
    let generated: StructureDefinition | undefined;
    try {
      generated = generateSnapshot(source, registry);
    } catch (err) {
      result.detail.push(`generation failed: ${(err as Error).message.slice(0, 200)}`);
    }
    if (c.fail) {
      result.rejected = generated === undefined;
      continue;
    }
    if (generated === undefined || expected === undefined) {
      result.sameElements = false;
      result.sameProperties = false;
      continue;
    }
    const ours = generated.snapshot?.element ?? [];
    const theirs = expected.snapshot?.element ?? [];
    const ids = (l: ElementDefinition[]) => l.map((e) => e.id ?? e.path);
    result.sameElements = deepEqual(ids(ours), ids(theirs));
    if (!result.sameElements) {
      const a = ids(ours);
      const b = ids(theirs);
      const i = a.findIndex((x, k) => x !== b[k]);
      result.detail.push(`${a.length} elements, expected ${b.length}; first difference at ${i < 0 ? Math.min(a.length, b.length) : i}: ${a[i] ?? '(none)'} / expected ${b[i] ?? '(none)'}`);
      result.sameProperties = false;
      continue;
    }
    // what the differentials of the case set, by element id and property
    const constrained = new Map<string, Set<string>>();
    for (const sd of [input, ...registered]) {
      for (const d of sd.differential?.element ?? []) {
        const keys = (constrained.get(d.id ?? d.path) ?? new Set<string>()) as Set<string>;
        for (const k of Object.keys(d)) keys.add(k.startsWith('fixed') || k.startsWith('pattern') ? 'fixedOrPattern' : k === 'targetProfile' ? 'type' : k);
        constrained.set(d.id ?? d.path, keys);
      }
    }
    let same = true;
    result.baseDifferences = 0;
    for (let i = 0; i < theirs.length; i++) {
      const x = summary(ours[i]);
      const y = summary(theirs[i]);
      const base = theirs[i].base?.path === undefined ? undefined : defs.type(theirs[i].base!.path.split('.')[0])?.snapshot?.element.find((e) => e.path === theirs[i].base!.path);
      const b = base === undefined ? undefined : summary(base);
      for (const k of Object.keys(y)) {
        if (deepEqual(x[k], y[k])) continue;
        const set = constrained.get(theirs[i].id ?? theirs[i].path)?.has(k) === true;
        if (!set && b !== undefined && deepEqual(x[k], b[k]) && k !== 'sliceName' && k !== 'slicing') {
          result.baseDifferences++;
          continue;
        }
        same = false;
        if (result.detail.length < 5) result.detail.push(`${theirs[i].id} ${k}: ${String(JSON.stringify(x[k])).slice(0, 150)} / expected ${String(JSON.stringify(y[k])).slice(0, 150)}`);
      }
    }
    result.sameProperties = same;
  }
  const applicable = results.filter((r) => r.notApplicable === undefined);
  const gen = applicable.filter((r) => !r.expectFailure);
  const fail = applicable.filter((r) => r.expectFailure);
  return {
    cases: results.length,
    applicable: applicable.length,
    generate: { run: gen.length, sameElements: gen.filter((r) => r.sameElements).length, sameProperties: gen.filter((r) => r.sameProperties).length },
    fail: { run: fail.length, rejected: fail.filter((r) => r.rejected).length },
    results,
  };
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const start = Date.now();
  const score = scoreSnapshotSuite();
  const list = process.argv.includes('--list');
  const reasons = new Map<string, string[]>();
  for (const r of score.results) {
    if (r.notApplicable === undefined) continue;
    const k = r.notApplicable.replace(/\(.*$|:.*$/, '').trim();
    reasons.set(k, [...(reasons.get(k) ?? []), r.id]);
  }
  for (const r of score.results) {
    if (r.notApplicable !== undefined) continue;
    const ok = r.expectFailure ? r.rejected : r.sameProperties;
    if (ok && !list) continue;
    const state = r.expectFailure ? (r.rejected ? 'rejected, as expected' : 'generated, but should fail') : r.sameProperties ? 'same' : r.sameElements ? 'same elements, different properties' : 'different elements';
    console.log(`${r.id}: ${state}`);
    for (const d of r.detail.slice(0, list ? 5 : 2)) console.log(`    ${d}`);
  }
  console.log(`\nsnapshot-generation cases: ${score.cases}; apply to R4: ${score.applicable}`);
  for (const [k, ids] of reasons) console.log(`  not applicable, ${k}: ${ids.length} (${ids.slice(0, 8).join(', ')}${ids.length > 8 ? ', …' : ''})`);
  const g = score.generate;
  console.log(`cases that must generate: ${g.run}; the expected elements: ${g.sameElements}; and the expected properties: ${g.sameProperties}`);
  console.log(`cases that must fail: ${score.fail.run}; rejected: ${score.fail.rejected}`);
  console.log(`(${((Date.now() - start) / 1000).toFixed(1)} s)`);
}
