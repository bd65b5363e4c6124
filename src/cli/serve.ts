import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildConfig, ConfigError, DEFAULTS } from '../app/config.ts';
import { createMeridian } from '../app/app.ts';
import type { Command } from './main.ts';
import { seedDemo } from '../synth/index.ts';

const HELP = `Usage: meridian serve [options]

Starts the FHIR R4 server. The FHIR base is http://HOST:PORT/fhir.

Options:
  --port N              port to listen on (MERIDIAN_PORT; default ${DEFAULTS.port})
  --host ADDRESS        address to bind (MERIDIAN_HOST; default ${DEFAULTS.host})
  --store SPEC          sqlite:PATH or postgres://user@host:port/db (MERIDIAN_STORE; default ${DEFAULTS.store})
  --readers N           SQLite: threads that run searches beside the main thread; 0 runs them on it
                        (MERIDIAN_READERS; default ${DEFAULTS.readers})
  --dev                 development mode: requests without a token run with open access (still audited);
                        requests with a token are checked as always (MERIDIAN_DEV=true)
  --demo                on an empty store, load 50 synthetic UK patients first (implies --dev)
  --body-limit SIZE     largest request body, e.g. 64mb (MERIDIAN_BODY_LIMIT; default 64mb)
  --base-url URL        public FHIR base URL used in links (MERIDIAN_BASE_URL; default from the Host header)
  --conditional-delete single|multiple
                        what a conditional delete matching several resources does (default multiple)
  --log-level LEVEL     pino log level (MERIDIAN_LOG_LEVEL; default info)
  --package PATH        load a FHIR package (folder or .tgz) beside UK Core; repeatable (MERIDIAN_PACKAGES, comma-separated)
  --validate-core       also check the R4 base invariants and bindings on every write (MERIDIAN_VALIDATE_CORE=true);
                        $validate always does
  --require-profile Type=URL
                        every write of Type must conform to the profile; repeatable, e.g.
                        --require-profile Patient=https://fhir.hl7.org.uk/StructureDefinition/UKCore-Patient
  --rate-limit N        requests per second per client; 0 for none (MERIDIAN_RATE_LIMIT; default 1000, none with --dev)
  --cors-origin ORIGIN  a browser origin allowed to call the API (CORS); repeatable, * for any (MERIDIAN_CORS_ORIGINS)
  --token-lifetime D    access token lifetime, e.g. 15m (MERIDIAN_TOKEN_LIFETIME; default 15m)
  --refresh-token-lifetime D
                        refresh token lifetime for offline_access, e.g. 30d (default 30d)
  --oidc-issuer URL     trust an external OpenID Connect provider for sign-in (NHS login, NHS CIS2 …)
  --oidc-client-id ID   Meridian's client id at that provider
  --oidc-client-secret S
                        its client secret (prefer MERIDIAN_OIDC_CLIENT_SECRET)
  --oidc-user-claim C   the id_token claim matched to a Meridian user (default sub)
  --oidc-name NAME      the provider's name on the sign-in page
  --oidc-scope SCOPES   scopes asked of the provider (default openid)
  -h, --help            this help

Without --dev every request needs a SMART on FHIR access token: add users and clients with
"meridian user add" and "meridian client add" (see docs/authorization.md).`;

export const serveCommand: Command = {
  name: 'serve',
  summary: 'start the FHIR server',
  help: HELP,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        store: { type: 'string' },
        readers: { type: 'string' },
        dev: { type: 'boolean' },
        'body-limit': { type: 'string' },
        'base-url': { type: 'string' },
        'conditional-delete': { type: 'string' },
        'log-level': { type: 'string' },
        package: { type: 'string', multiple: true },
        'validate-core': { type: 'boolean' },
        demo: { type: 'boolean' },
        'require-profile': { type: 'string', multiple: true },
        'rate-limit': { type: 'string' },
        'cors-origin': { type: 'string', multiple: true },
        'token-lifetime': { type: 'string' },
        'refresh-token-lifetime': { type: 'string' },
        'oidc-issuer': { type: 'string' },
        'oidc-client-id': { type: 'string' },
        'oidc-client-secret': { type: 'string' },
        'oidc-user-claim': { type: 'string' },
        'oidc-name': { type: 'string' },
        'oidc-scope': { type: 'string' },
      },
      strict: true,
    });
    let config;
    try {
      config = buildConfig({ ...values, dev: values.dev || values.demo });
    } catch (e) {
      if (e instanceof ConfigError) {
        console.error(`meridian serve: ${e.message}`);
        return 2;
      }
      throw e;
    }
    if (!config.dev && config.baseUrl === undefined) {
      console.error('meridian serve: outside --dev, give the public FHIR base URL with --base-url (MERIDIAN_BASE_URL): it is the issuer and audience of access tokens');
      return 2;
    }
    if (config.dev) {
      console.warn(
        '\n*** DEVELOPMENT MODE (--dev): requests WITHOUT an access token are served with OPEN ACCESS. ***\n' +
          '*** Every access is still audited. Never run --dev with real patient data or on a shared network. ***\n',
      );
    }
    const logger = pino({ level: config.logLevel });
    const started = Date.now();
    const meridian = await createMeridian(config, logger);
    if (values.demo) {
      const existing = await meridian.ctx.store.history({ resourceType: 'Patient', count: 1 });
      if (existing.total === 0) {
        console.log('Loading 50 synthetic UK patients (demo population)...');
        const summary = await seedDemo(meridian.ctx, { patients: 50 });
        console.log(`Loaded ${summary.resources} resources for ${summary.patients} patients in ${summary.seconds.toFixed(1)} s${summary.failures.length ? `; ${summary.failures.length} failed, first: ${summary.failures[0]}` : ""}`);
      } else console.log('The store already holds patients: the demo population is not loaded again.');
    }
    const stop = async (signal: string) => {
      logger.info({ signal }, 'stopping');
      await meridian.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop('SIGINT'));
    process.once('SIGTERM', () => void stop('SIGTERM'));
    await meridian.http.listen({ port: config.port, host: config.host });
    const address = meridian.http.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    console.log(
      `Meridian is ready at http://${shown}:${port}/fhir (store ${config.store.replace(/\/\/[^@/]*@/, '//***@')}, ` +
        `${meridian.ctx.defs.resourceTypes.length} R4 resource types, ${config.dev ? 'DEVELOPMENT MODE: open access without a token' : 'SMART on FHIR access tokens required'}) in ${Date.now() - started} ms`,
    );
    return 0;
  },
};
