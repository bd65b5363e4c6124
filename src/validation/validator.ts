/**
 * The validator Meridian runs on writes and in $validate: structural validation against the R4
 * base definition, then the base definition's invariants and bindings, then every profile the
 * resource claims in `meta.profile` that the registry knows (an unknown profile is a warning),
 * every profile the operator's policy requires for its type, an explicit profile if asked, and
 * the UK rules (NHS number, ODS codes). Issues are de-duplicated.
 */
import type { Definitions } from '../fhir/definitions.ts';
import type { Issue } from '../fhir/errors.ts';
import { nestedBundles } from './bundle-rules.ts';
import { checkResourceRules } from './resource-rules.ts';
import { ConformanceRegistry, loadR4ConformanceResources, type CanonicalResource } from './conformance.ts';
import { InvariantEngine } from './invariants.ts';
import { addPackage, loadPackage, UKCORE_PACKAGE_DIR, type FhirPackage } from './packages.ts';
import { ProfileValidator, type ProfileValidatorOptions } from './profile.ts';
import { createStructureValidator } from './structure.ts';
import { Terminology } from './terminology/index.ts';
import { checkUkRules, UK_SYSTEM_ALIASES } from './uk-rules.ts';

/** What a server requires of what is written, and how strict the profile checks are (ProfileValidatorOptions). */
export interface ValidationPolicy extends ProfileValidatorOptions {
  /** Resource type → profiles every resource of that type written here must conform to. */
  requireProfiles?: Record<string, string[]>;
  /** Check NHS numbers, ODS codes and verification statuses (default true). */
  ukRules?: boolean;
}

export interface ValidatorOptions {
  defs: Definitions;
  /** A registry to use (and share with others); built from the core resources when absent. */
  registry?: ConformanceRegistry;
  /** Core R4 conformance resources (loadR4ConformanceResources()), shared between instances; loaded when absent. */
  coreResources?: CanonicalResource[];
  /** Packages to add: folders, .tgz files, single resources, or already loaded packages. */
  packages?: (string | FhirPackage)[];
  /** Load the UK Core package shipped with Meridian (default true). */
  ukCore?: boolean;
  policy?: ValidationPolicy;
}

export interface ValidateOptions {
  /** Validate against this profile too (as $validate's `profile` parameter). */
  profile?: string;
  /**
   * Check the base definition's invariants and bindings too (default true). Writes may turn this
   * off for speed: structure, claimed and required profiles and UK rules are still checked.
   */
  core?: boolean;
}

export interface Validator {
  readonly registry: ConformanceRegistry;
  readonly terminology: Terminology;
  /** Every issue found: structural, base invariants and bindings, claimed, required and explicit profiles, UK rules. */
  validate(resource: unknown, options?: ValidateOptions): Issue[];
}

function key(i: Issue): string {
  return `${i.severity}|${i.code}|${i.expression?.join(',')}|${i.diagnostics}`;
}

/** Builds a conformance registry with the core resources, UK Core (unless disabled) and the given packages. */
export function createRegistry(options: Pick<ValidatorOptions, 'defs' | 'coreResources' | 'packages' | 'ukCore'>): ConformanceRegistry {
  const registry = new ConformanceRegistry(options.defs);
  registry.addAll(options.coreResources ?? loadR4ConformanceResources());
  if (options.ukCore !== false) addPackage(registry, loadPackage(UKCORE_PACKAGE_DIR));
  for (const p of options.packages ?? []) addPackage(registry, typeof p === 'string' ? loadPackage(p) : p);
  return registry;
}

export function createValidator(options: ValidatorOptions): Validator {
  const registry = options.registry ?? createRegistry(options);
  const policy = options.policy ?? {};
  const terminology = new Terminology(registry, UK_SYSTEM_ALIASES);
  const invariants = new InvariantEngine();
  const structure = createStructureValidator(options.defs);
  const profiles = new ProfileValidator(registry, terminology, invariants, {
    mustSupport: policy.mustSupport,
    unknownExtension: policy.unknownExtension,
    allowedExtensionDomains: policy.allowedExtensionDomains,
    securityChecks: policy.securityChecks,
    exampleUrls: policy.exampleUrls,
    htmlInMarkdown: policy.htmlInMarkdown,
  });
  for (const [type, urls] of Object.entries(policy.requireProfiles ?? {})) {
    for (const url of urls) {
      const sd = registry.structureDefinition(url);
      if (sd === undefined) throw new Error(`The policy requires ${type} resources to conform to ${url}, which is not a known profile`);
      if (sd.type !== type) throw new Error(`The policy requires ${type} resources to conform to ${url}, but that profile is for ${sd.type}`);
      registry.snapshot(url); // fail at start-up, not on the first write
    }
  }

  const isResourceType = (t: string): boolean => options.defs.isResourceType(t);
  const rules = { registry, terminology };

  return {
    registry,
    terminology,
    validate(resource: unknown, opts: ValidateOptions = {}): Issue[] {
      invariants.beginValidation();
      const issues = structure.validate(resource);
      if (issues.some((i) => i.code === 'invalid' && i.expression?.[0]?.endsWith('resourceType')) || typeof resource !== 'object' || resource === null) return issues;
      const r = resource as Record<string, unknown>;
      const type = String(r.resourceType);
      // Bundle rules, for the resource and any Bundle inside it
      nestedBundles(r, type, isResourceType, opts.core !== false, issues);
      if (opts.core !== false) {
        const base = profiles.validate(r, `http://hl7.org/fhir/StructureDefinition/${type}`);
        if (base !== undefined) issues.push(...base);
        issues.push(...checkResourceRules(r, rules));
      }
      const claimed = Array.isArray((r.meta as { profile?: unknown } | undefined)?.profile) ? ((r.meta as { profile: unknown[] }).profile.filter((p) => typeof p === 'string') as string[]) : [];
      const wanted = new Set<string>();
      for (const p of claimed) wanted.add(p);
      for (const p of policy.requireProfiles?.[type] ?? []) wanted.add(p);
      if (opts.profile !== undefined) wanted.add(opts.profile);
      for (const url of wanted) {
        const result = profiles.validate(r, url);
        if (result === undefined) {
          const required = policy.requireProfiles?.[type]?.includes(url) || url === opts.profile;
          issues.push({
            severity: required ? 'error' : 'warning',
            code: 'not-found',
            diagnostics: `The profile ${url} is not known here, so the resource was not checked against it`,
            expression: [claimed.includes(url) ? `${type}.meta.profile[${claimed.indexOf(url)}]` : type],
          });
          continue;
        }
        issues.push(...result);
      }
      if (policy.ukRules !== false) issues.push(...checkUkRules(r));
      const seen = new Set<string>();
      return issues.filter((i) => {
        const k = key(i);
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      });
    },
  };
}
