/** The one typed configuration: flags over MERIDIAN_* environment over defaults, validated at start-up. */
import type { ServerConfig } from '../interactions/types.ts';

export interface MeridianConfig extends ServerConfig {
  port: number;
  host: string;
  store: string;
  dev: boolean;
  bodyLimit: number;
  baseUrl?: string;
  logLevel: string;
  /** Extra FHIR packages (folders or .tgz) loaded beside UK Core. */
  packages: string[];
  /** Resource type → profiles every write of that type must conform to. */
  requireProfiles: Record<string, string[]>;
}

export const DEFAULT_STORE = 'sqlite:./data/meridian.db';

export const DEFAULTS: MeridianConfig = {
  port: 8080,
  host: '127.0.0.1',
  store: DEFAULT_STORE,
  dev: false,
  bodyLimit: 64 * 1024 * 1024,
  logLevel: 'info',
  packages: [],
  requireProfiles: {},
  validateCoreOnWrite: false,
  conditionalDelete: 'multiple',
  conditionalDeleteLimit: 1000,
  defaultPageSize: 50,
  maxPageSize: 1000,
};

export class ConfigError extends Error {}

type Source = Record<string, string | boolean | string[] | undefined>;

function int(name: string, value: string | boolean | string[] | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be a whole number of at least ${min}, not "${String(value)}"`);
  return n;
}

/** Sizes like 64mb, 512kb or a plain number of bytes. */
export function parseSize(name: string, value: string | boolean | string[] | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(String(value).trim());
  if (!m) throw new ConfigError(`${name} must be a size such as 64mb or 1048576, not "${String(value)}"`);
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Number(m[1]) * ({ b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[unit];
}

/** Builds the configuration from parsed flags and the environment. */
export function buildConfig(flags: Source, env: NodeJS.ProcessEnv = process.env): MeridianConfig {
  const pick = (flag: string, envName: string) => flags[flag] ?? env[envName];
  const store = String(pick('store', 'MERIDIAN_STORE') ?? DEFAULTS.store);
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(store)) {
    throw new ConfigError(`--store must be sqlite:PATH or postgres://user@host:port/database, not "${store}"`);
  }
  const conditionalDelete = String(pick('conditional-delete', 'MERIDIAN_CONDITIONAL_DELETE') ?? DEFAULTS.conditionalDelete);
  if (conditionalDelete !== 'single' && conditionalDelete !== 'multiple') throw new ConfigError(`--conditional-delete must be single or multiple`);
  const baseUrl = pick('base-url', 'MERIDIAN_BASE_URL');
  const list = (flag: string, envName: string): string[] => {
    const v = flags[flag] ?? env[envName]?.split(',');
    return v === undefined ? [] : (Array.isArray(v) ? v : [String(v)]).map((x) => x.trim()).filter(Boolean);
  };
  const requireProfiles: Record<string, string[]> = {};
  for (const rule of list('require-profile', 'MERIDIAN_REQUIRE_PROFILE')) {
    const m = /^([A-Z][A-Za-z]+)=(\S+)$/.exec(rule);
    if (!m) throw new ConfigError(`--require-profile must be Type=ProfileURL, e.g. Patient=https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient, not "${rule}"`);
    (requireProfiles[m[1]] ??= []).push(m[2]);
  }
  return {
    port: int('--port', pick('port', 'MERIDIAN_PORT'), DEFAULTS.port, 0),
    host: String(pick('host', 'MERIDIAN_HOST') ?? DEFAULTS.host),
    store,
    dev: flags.dev === true || env.MERIDIAN_DEV === 'true',
    bodyLimit: parseSize('--body-limit', pick('body-limit', 'MERIDIAN_BODY_LIMIT'), DEFAULTS.bodyLimit),
    baseUrl: baseUrl === undefined ? undefined : String(baseUrl),
    logLevel: String(pick('log-level', 'MERIDIAN_LOG_LEVEL') ?? DEFAULTS.logLevel),
    packages: list('package', 'MERIDIAN_PACKAGES'),
    requireProfiles,
    validateCoreOnWrite: flags['validate-core'] === true || env.MERIDIAN_VALIDATE_CORE === 'true',
    conditionalDelete,
    conditionalDeleteLimit: DEFAULTS.conditionalDeleteLimit,
    defaultPageSize: DEFAULTS.defaultPageSize,
    maxPageSize: DEFAULTS.maxPageSize,
  };
}
