/** `meridian token`: an administrator mints a short-lived access token for a named client or user, for scripts and tests. */
import { parseArgs } from 'node:util';
import { Accounts } from '../access/accounts/index.ts';
import { createAuthServer } from '../access/auth/index.ts';
import { buildConfig, parseDuration } from '../app/config.ts';
import { openStore } from '../storage/index.ts';
import type { Command } from './main.ts';
import { UsageError } from './usage-error.ts';
import { accountCommand } from './user.ts';

/** The client that operator-minted user tokens are issued through, made on first use. */
export const OPERATOR_CLIENT = 'meridian token (operator)';

const HELP = `Usage: meridian token (--client ID | --user USERNAME [--client ID] [--patient ID]) --scope "SCOPES" [options]

Prints an access token (a JWT signed with the server's key) on standard output, e.g.
  TOKEN=$(meridian token --client $ID --scope "system/Patient.rs")
  curl -H "Authorization: Bearer $TOKEN" http://localhost:8080/fhir/Patient

  --client ID        the client the token is issued to. Alone: the client's own token (a backend
                     service), with system/ scopes only
  --user USERNAME    a token acting for this user (patient/ and user/ scopes); through --client, or
                     else through the operator client "${OPERATOR_CLIENT}", made on first use
  --patient ID       the patient in context (a patient user's own record by default)
  --scope "SCOPES"   the scopes, which must be within the client's allowance
  --lifetime TIME    how long it lasts, e.g. 5m or 1h (default the server's --token-lifetime, 15m;
                     at most 24h)
  --base-url URL     the FHIR base URL the token is for: the server's --base-url (MERIDIAN_BASE_URL;
                     default http://HOST:PORT/fhir from MERIDIAN_HOST and MERIDIAN_PORT)
  --json             print the whole token response as JSON
  --store SPEC       sqlite:PATH or postgres://user@host:port/db (MERIDIAN_STORE)
  -h, --help         this help`;

export const tokenCommand: Command = {
  name: 'token',
  summary: 'mint a short-lived access token for a client or user (scripts, tests)',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        client: { type: 'string' },
        user: { type: 'string' },
        patient: { type: 'string' },
        scope: { type: 'string' },
        lifetime: { type: 'string' },
        'base-url': { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.client && !values.user) throw new UsageError('name the client (--client ID) or the user (--user USERNAME) the token is for');
    if (!values.scope) throw new UsageError('--scope is required');
    if (values.patient !== undefined && !values.user) throw new UsageError('--patient needs --user: a backend token has no patient in context');
    const config = buildConfig({ ...(values.store ? { store: values.store } : {}), ...(values['base-url'] ? { 'base-url': values['base-url'] } : {}) });
    const lifetime = parseDuration('--lifetime', values.lifetime, config.accessTokenLifetime);
    if (lifetime > 24 * 3600) throw new UsageError('--lifetime must be at most 24h');
    const fhirBase = config.baseUrl ?? `http://${config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host}:${config.port}/fhir`;
    const store = await openStore(config.store);
    const auth = await createAuthServer({ store, baseUrl: fhirBase, pollMs: 3_600_000 });
    try {
      return await accountCommand(async () => {
        let clientId = values.client;
        if (!clientId) clientId = await operatorClient(auth.accounts);
        const minted = await auth.mint({ clientId, username: values.user, patient: values.patient, scope: values.scope!, lifetime });
        if (values.json) {
          console.log(JSON.stringify({ access_token: minted.accessToken, token_type: 'Bearer', expires_in: minted.expiresIn, scope: minted.scope, ...(minted.patient ? { patient: minted.patient } : {}) }));
        } else console.log(minted.accessToken);
        return 0;
      });
    } finally {
      await auth.close();
      await store.close();
    }
  },
};

/** The operator client, registered on first use with the allowance of any user token. */
async function operatorClient(accounts: Accounts): Promise<string> {
  const existing = (await accounts.listClients()).find((c) => c.name === OPERATOR_CLIENT && c.active);
  if (existing) return existing.id;
  const { client } = await accounts.addClient({ name: OPERATOR_CLIENT, redirectUris: ['http://localhost/meridian-token'], scope: 'patient/*.cruds user/*.cruds' });
  console.error(`Registered the client "${OPERATOR_CLIENT}" (${client.id}) for operator-minted user tokens`);
  return client.id;
}
