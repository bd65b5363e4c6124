/** `meridian validate`: validate FHIR files offline, as the server would, before sending them. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadR4Definitions } from '../fhir/definitions.ts';
import type { Issue } from '../fhir/errors.ts';
import { parseFhirXml } from '../fhir/xml/index.ts';
import { createValidator, loadPackage } from '../validation/index.ts';
import type { Command } from './main.ts';
import { UsageError } from './usage-error.ts';

const HELP = `Usage: meridian validate <file|dir>... [options]

Validates FHIR R4 resources (.json or .xml; folders are searched for them) against the R4 base
definitions, every profile they claim in meta.profile, UK Core (loaded by default) and the UK
rules (NHS numbers, ODS codes), offline. Prints each file's issues with their FHIRPath
locations; exits 1 when any file has an error, 0 otherwise.

Options:
  --profile URL     also validate every resource against this profile (canonical URL)
  --package PATH    load conformance resources: a package folder, a .tgz, or one resource file
                    (repeatable)
  --format FORMAT   text (default), or json: one OperationOutcome per file, one line each (the
                    file named in the extension urn:meridian:validate:source-file)
  --warnings        with text, print warnings and information too (default: errors only and a count)
  --no-uk-core      do not load the UK Core package
  -h, --help        this help`;

const SOURCE_FILE = 'urn:meridian:validate:source-file';
const EXTENSIONS = new Set(['.json', '.xml']);

function filesOf(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new UsageError(`no such file or folder: ${path}`);
  }
  if (!stat.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.') || name === 'node_modules') continue;
    const full = join(path, name);
    if (statSync(full).isDirectory()) out.push(...filesOf(full));
    else if (EXTENSIONS.has(extname(name).toLowerCase())) out.push(full);
  }
  return out;
}

const isError = (i: Issue): boolean => i.severity === 'error' || i.severity === 'fatal';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'validate FHIR files offline (profiles, UK Core, terminology, UK rules)',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        profile: { type: 'string' },
        package: { type: 'string', multiple: true },
        format: { type: 'string' },
        warnings: { type: 'boolean' },
        'no-uk-core': { type: 'boolean' },
      },
    });
    if (positionals.length === 0) throw new UsageError('give at least one file or folder to validate');
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
    const files = positionals.flatMap(filesOf);
    if (files.length === 0) throw new UsageError('no .json or .xml files found');

    const defs = loadR4Definitions();
    const packages = (values.package ?? []).map((p) => {
      try {
        return loadPackage(p);
      } catch (err) {
        throw new UsageError(`cannot load the package ${p}: ${(err as Error).message}`);
      }
    });
    const validator = createValidator({ defs, packages, ukCore: values['no-uk-core'] !== true });
    if (values.profile !== undefined && validator.registry.structureDefinition(values.profile) === undefined) {
      throw new UsageError(`the profile ${values.profile} is not known (load it with --package)`);
    }

    let failed = 0;
    let errorsTotal = 0;
    let warningsTotal = 0;
    for (const file of files) {
      let issues: Issue[];
      try {
        const text = readFileSync(file, 'utf8');
        const resource = file.toLowerCase().endsWith('.xml') ? parseFhirXml(text, defs) : (JSON.parse(text) as unknown);
        issues = validator.validate(resource, { profile: values.profile });
      } catch (err) {
        issues = [{ severity: 'fatal', code: 'structure', diagnostics: `cannot be read as FHIR: ${(err as Error).message}` }];
      }
      const errors = issues.filter(isError).length;
      const warnings = issues.filter((i) => i.severity === 'warning').length;
      errorsTotal += errors;
      warningsTotal += warnings;
      if (errors > 0) failed++;
      if (format === 'json') {
        // a valid OperationOutcome; the file it is about rides in an extension
        const outcome = {
          resourceType: 'OperationOutcome',
          extension: [{ url: SOURCE_FILE, valueString: file }],
          issue: issues.length ? issues : [{ severity: 'information', code: 'informational', diagnostics: 'No issues were found' }],
        };
        console.log(JSON.stringify(outcome));
        continue;
      }
      const shown = values.warnings ? issues : issues.filter(isError);
      const summary = errors > 0 ? `${errors} error${errors === 1 ? '' : 's'}` : 'valid';
      console.log(`${file}: ${summary}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`);
      for (const i of shown) console.log(`  ${i.severity.padEnd(11)} ${i.expression?.[0] ?? '(resource)'}: ${i.diagnostics ?? i.code}`);
    }
    if (format === 'text') {
      console.log(`\n${files.length} file${files.length === 1 ? '' : 's'} checked: ${failed} with errors (${errorsTotal} error${errorsTotal === 1 ? "" : "s"}, ${warningsTotal} warning${warningsTotal === 1 ? "" : "s"})`);
    }
    return failed > 0 ? 1 : 0;
  },
};
