/** The one typed configuration: flags over MERIDIAN_* environment over defaults, validated at start-up. */
import type { ServerConfig } from '../interactions/types.ts';
import type { OidcConfig } from '../access/auth/index.ts';
import { DEFAULT_READERS } from '../storage/index.ts';

export interface MeridianConfig extends ServerConfig {
  port: number;
  host: string;
  store: string;
  /** SQLite: reader threads that run searches off the main thread (--readers; 0: on the main thread). */
  readers: number;
  dev: boolean;
  bodyLimit: number;
  baseUrl?: string;
  logLevel: string;
  /** Extra FHIR packages (folders or .tgz) loaded beside UK Core. */
  packages: string[];
  /** Resource type → profiles every write of that type must conform to. */
  requireProfiles: Record<string, string[]>;
  /** Requests per second per client (0: no limit); by default 1,000 outside --dev and none in it. */
  rateLimit: number;
  /** Browser origins allowed by CORS ('*' for any). */
  corsOrigins: string[];
  // auth: the SMART on FHIR authorization server (src/access/auth)
  /** Lifetime of access tokens, seconds (--token-lifetime, e.g. 15m; default 15 minutes). */
  accessTokenLifetime: number;
  /** Lifetime of refresh tokens for offline_access, seconds (--refresh-token-lifetime, e.g. 30d; default 30 days). */
  refreshTokenLifetime: number;
  /** An external OpenID Connect provider users may sign in with (NHS login, NHS CIS2 …); set by --oidc-issuer. */
  oidc?: OidcSettings;
  // end auth
}

// auth
/** The external OpenID Connect provider (see docs/authorization.md). */
export type OidcSettings = OidcConfig;
// end auth

export const DEFAULT_STORE = 'sqlite:./data/meridian.db';

export const DEFAULTS: MeridianConfig = {
  port: 8080,
  host: '127.0.0.1',
  store: DEFAULT_STORE,
  readers: DEFAULT_READERS,
  dev: false,
  bodyLimit: 64 * 1024 * 1024,
  logLevel: 'info',
  packages: [],
  requireProfiles: {},
  rateLimit: 1000,
  corsOrigins: [],
  // auth
  accessTokenLifetime: 15 * 60,
  refreshTokenLifetime: 30 * 24 * 3600,
  // end auth
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
    readers: int('--readers', pick('readers', 'MERIDIAN_READERS'), DEFAULTS.readers, 0),
    dev: flags.dev === true || env.MERIDIAN_DEV === 'true',
    bodyLimit: parseSize('--body-limit', pick('body-limit', 'MERIDIAN_BODY_LIMIT'), DEFAULTS.bodyLimit),
    baseUrl: baseUrl === undefined ? undefined : String(baseUrl),
    logLevel: String(pick('log-level', 'MERIDIAN_LOG_LEVEL') ?? DEFAULTS.logLevel),
    packages: list('package', 'MERIDIAN_PACKAGES'),
    requireProfiles,
    rateLimit: int('--rate-limit', pick('rate-limit', 'MERIDIAN_RATE_LIMIT'), flags.dev === true || env.MERIDIAN_DEV === 'true' ? 0 : DEFAULTS.rateLimit, 0),
    corsOrigins: list('cors-origin', 'MERIDIAN_CORS_ORIGINS'),
    ...authConfig(pick), // auth
    validateCoreOnWrite: flags['validate-core'] === true || env.MERIDIAN_VALIDATE_CORE === 'true',
    conditionalDelete,
    conditionalDeleteLimit: DEFAULTS.conditionalDeleteLimit,
    defaultPageSize: DEFAULTS.defaultPageSize,
    maxPageSize: DEFAULTS.maxPageSize,
  };
}

// auth: the authorization server's settings
/** Durations like 90s, 15m, 8h, 30d or a plain number of seconds; returns seconds. */
export function parseDuration(name: string, value: string | boolean | string[] | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const m = /^(\d+)\s*(s|m|h|d)?$/i.exec(String(value).trim());
  if (!m || Number(m[1]) === 0) throw new ConfigError(`${name} must be a duration such as 90s, 15m, 8h or 30d, not "${String(value)}"`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[(m[2] ?? 's').toLowerCase() as 's'];
}

function authConfig(pick: (flag: string, envName: string) => string | boolean | string[] | undefined): Pick<MeridianConfig, 'accessTokenLifetime' | 'refreshTokenLifetime' | 'oidc'> {
  const text = (flag: string, envName: string) => {
    const v = pick(flag, envName);
    return v === undefined ? undefined : String(v);
  };
  const accessTokenLifetime = parseDuration('--token-lifetime', pick('token-lifetime', 'MERIDIAN_TOKEN_LIFETIME'), DEFAULTS.accessTokenLifetime);
  if (accessTokenLifetime > 24 * 3600) throw new ConfigError('--token-lifetime must be at most a day (24h): access tokens are meant to be short-lived');
  const refreshTokenLifetime = parseDuration('--refresh-token-lifetime', pick('refresh-token-lifetime', 'MERIDIAN_REFRESH_TOKEN_LIFETIME'), DEFAULTS.refreshTokenLifetime);
  const issuer = text('oidc-issuer', 'MERIDIAN_OIDC_ISSUER');
  const clientId = text('oidc-client-id', 'MERIDIAN_OIDC_CLIENT_ID');
  const clientSecret = text('oidc-client-secret', 'MERIDIAN_OIDC_CLIENT_SECRET');
  if (issuer === undefined) {
    if (clientId !== undefined || clientSecret !== undefined) throw new ConfigError('--oidc-client-id and --oidc-client-secret need --oidc-issuer');
    return { accessTokenLifetime, refreshTokenLifetime };
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError(`--oidc-issuer must be the provider's issuer URL, not "${issuer}"`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname))) {
    throw new ConfigError('--oidc-issuer must use https (http only for localhost)');
  }
  if (!clientId) throw new ConfigError('--oidc-issuer needs --oidc-client-id: the client id Meridian is registered with at the provider');
  const oidc: OidcSettings = {
    issuer,
    clientId,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    userClaim: text('oidc-user-claim', 'MERIDIAN_OIDC_USER_CLAIM') ?? 'sub',
    name: text('oidc-name', 'MERIDIAN_OIDC_NAME') ?? url.host,
    scope: text('oidc-scope', 'MERIDIAN_OIDC_SCOPE') ?? 'openid',
  };
  return { accessTokenLifetime, refreshTokenLifetime, oidc };
}
// end auth
