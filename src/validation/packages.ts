/**
 * FHIR packages (https://confluence.hl7.org/display/FHIR/NPM+Package+Specification): a folder
 * or a `.tgz` holding `package.json` and one JSON file per resource, either at the top or under
 * `package/`. Also accepts a single conformance resource file or a Bundle of them, so that
 * `--package PATH` can name any of the three.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CONFORMANCE_TYPES, type CanonicalResource, type ConformanceRegistry } from './conformance.ts';

export interface FhirPackage {
  name: string;
  version: string;
  fhirVersions: string[];
  dependencies: Record<string, string>;
  /** The conformance resources it holds (other resources, such as examples, are left out). */
  resources: CanonicalResource[];
}

const WANTED = new Set<string>(CONFORMANCE_TYPES);

function isConformance(value: unknown): value is CanonicalResource {
  return typeof value === 'object' && value !== null && WANTED.has((value as { resourceType?: string }).resourceType ?? '');
}

/** The conformance resources in one parsed JSON file: the resource itself, or a Bundle's entries. */
function resourcesIn(json: unknown): CanonicalResource[] {
  if (isConformance(json)) return [json];
  const bundle = json as { resourceType?: string; entry?: { resource?: unknown }[] };
  if (bundle?.resourceType === 'Bundle') return (bundle.entry ?? []).map((e) => e.resource).filter(isConformance);
  return [];
}

function parse(text: string, where: string): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    throw new Error(`${where} is not valid JSON: ${(err as Error).message}`);
  }
}

function manifestOf(json: unknown, where: string): Omit<FhirPackage, 'resources'> {
  const m = json as { name?: unknown; version?: unknown; fhirVersions?: unknown; dependencies?: unknown };
  if (typeof m?.name !== 'string' || typeof m.version !== 'string') throw new Error(`${where} has no package name and version`);
  return {
    name: m.name,
    version: m.version,
    fhirVersions: Array.isArray(m.fhirVersions) ? m.fhirVersions.map(String) : [],
    dependencies: typeof m.dependencies === 'object' && m.dependencies !== null ? (m.dependencies as Record<string, string>) : {},
  };
}

/** Reads the files of a (gzipped) ustar archive: path → content. */
export function untar(data: Buffer): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= data.length) {
    const header = data.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) => header.subarray(start, start + length).toString('utf8').replace(/\0.*$/s, '');
    let name = field(0, 100);
    const prefix = field(345, 155);
    if (prefix) name = `${prefix}/${name}`;
    const size = parseInt(field(124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const body = data.subarray(offset + 512, offset + 512 + size);
    offset += 512 + Math.ceil(size / 512) * 512;
    if (type === 'L') {
      longName = body.toString('utf8').replace(/\0.*$/s, '');
      continue;
    }
    if (longName !== undefined) {
      name = longName;
      longName = undefined;
    }
    if (type === '0' || type === '\0' || type === '7') files.set(name.replace(/^\.\//, ''), Buffer.from(body));
  }
  return files;
}

function fromFiles(files: Map<string, string>, where: string): FhirPackage {
  const manifestPath = files.has('package/package.json') ? 'package/package.json' : 'package.json';
  const manifestText = files.get(manifestPath);
  if (manifestText === undefined) throw new Error(`${where} has no package.json`);
  const root = manifestPath.slice(0, -'package.json'.length);
  const manifest = manifestOf(parse(manifestText, `${where}/${manifestPath}`), where);
  const resources: CanonicalResource[] = [];
  for (const [path, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith(root) || !path.endsWith('.json')) continue;
    const rest = path.slice(root.length);
    if (rest.includes('/') || rest === 'package.json' || rest.startsWith('.')) continue; // examples/, other/, .index.json
    resources.push(...resourcesIn(parse(text, `${where}/${path}`)));
  }
  return { ...manifest, resources };
}

/** Loads a package from a folder, a `.tgz`, or a single resource (or Bundle) file. */
export function loadPackage(path: string): FhirPackage {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    const files = new Map<string, string>();
    for (const sub of ['', 'package/']) {
      let names: string[];
      try {
        names = readdirSync(join(path, sub));
      } catch {
        continue;
      }
      for (const name of names) if (name.endsWith('.json')) files.set(sub + name, readFileSync(join(path, sub, name), 'utf8'));
    }
    return fromFiles(files, path);
  }
  if (/\.(tgz|tar\.gz)$/.test(path)) {
    const files = new Map<string, string>();
    for (const [name, body] of untar(gunzipSync(readFileSync(path)))) files.set(name, body.toString('utf8'));
    return fromFiles(files, path);
  }
  const resources = resourcesIn(parse(readFileSync(path, 'utf8'), path));
  if (resources.length === 0) throw new Error(`${path} holds no conformance resource (${CONFORMANCE_TYPES.join(', ')})`);
  return { name: basename(path), version: '0.0.0', fhirVersions: ['4.0.1'], dependencies: {}, resources };
}

/** Adds a package's resources to the registry and records it. */
export function addPackage(registry: ConformanceRegistry, pkg: FhirPackage): number {
  const wrong = pkg.fhirVersions.find((v) => !v.startsWith('4.0'));
  if (pkg.fhirVersions.length > 0 && wrong !== undefined && !pkg.fhirVersions.some((v) => v.startsWith('4.0'))) {
    throw new Error(`${pkg.name}@${pkg.version} is for FHIR ${pkg.fhirVersions.join(', ')}, not R4 (4.0.1)`);
  }
  const n = registry.addAll(pkg.resources);
  registry.packages.push({ name: pkg.name, version: pkg.version, resources: n });
  return n;
}

/** The UK Core package shipped in the repository (packages/uk-core). */
export const UKCORE_PACKAGE_DIR = new URL('../../packages/uk-core', import.meta.url).pathname;
