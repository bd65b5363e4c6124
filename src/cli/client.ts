/** `meridian client`: register, list and deactivate the applications that ask for tokens. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AccountError, Accounts } from '../access/accounts/index.ts';
import type { Role } from '../access/types.ts';
import type { Command } from './main.ts';
import { UsageError } from './usage-error.ts';
import { accountCommand, openCommandStore, readSecret } from './user.ts';

const HELP = `Usage: meridian client <add|list|deactivate|activate> [options]

Registers the applications (SMART clients) allowed to ask Meridian for tokens.

  meridian client add --name N --scope "SCOPES" (--redirect-uri URL... [--secret-from-stdin | --generate-secret]
                                                 | --jwks FILE | --jwks-url URL) [options]
      Prints the new client id (and a generated secret, once) on standard output.
        --redirect-uri URL     an app users sign in to: its exact redirect URI; repeatable. Alone: a
                               public app (browser, mobile), which proves itself with PKCE
        --secret-from-stdin    a confidential app: its secret (at least 16 characters) read from
                               standard input; it authenticates with HTTP Basic (client_secret_basic)
        --generate-secret      a confidential app with a secret made for it (printed once)
        --jwks FILE            a backend service (or asymmetric app): its public JWK Set; it signs
                               JWT assertions with RS384 or ES384 (private_key_jwt)
        --jwks-url URL         the same, fetched from where the client publishes it
        --scope "SCOPES"       what it may be granted, e.g. "launch/patient openid fhirUser
                               offline_access patient/*.rs" or "system/Observation.rs system/Patient.rs"
        --purpose CODE         its purpose of use (v3 ActReason): TREAT (default, direct care),
                               HRESCH (research), HOPERAT (operations), PUBHLTH … anything but direct
                               care excludes patients who opted out (national data opt-out)
        --role ROLE            roles of a backend service's own tokens (clinician, admin); repeatable
        --clearance LABELS     confidentiality labels its own tokens may see, e.g. R
  meridian client list
  meridian client deactivate --id ID         its tokens stop working within seconds
  meridian client activate --id ID

Options for every subcommand:
  --store SPEC   sqlite:PATH or postgres://user@host:port/db (MERIDIAN_STORE; default sqlite:./data/meridian.db)
  -h, --help     this help`;

const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

function readJwks(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read the JWKS file ${file}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`the JWKS file ${file} is not JSON`);
  }
}

export const clientCommand: Command = {
  name: 'client',
  summary: 'register, list and deactivate SMART apps and backend services',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        id: { type: 'string' },
        name: { type: 'string' },
        'redirect-uri': { type: 'string', multiple: true },
        jwks: { type: 'string' },
        'jwks-url': { type: 'string' },
        'secret-from-stdin': { type: 'boolean' },
        'generate-secret': { type: 'boolean' },
        scope: { type: 'string' },
        purpose: { type: 'string' },
        role: { type: 'string', multiple: true },
        clearance: { type: 'string', multiple: true },
      },
    });
    const [action, ...extra] = positionals;
    if (!action || !['add', 'list', 'deactivate', 'activate'].includes(action)) throw new UsageError('say what to do: add, list, deactivate or activate');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    let secret: string | undefined;
    let jwks: unknown;
    if (action === 'add') {
      if (!values.name) throw new UsageError('--name is required');
      if (!values.scope) throw new UsageError('--scope is required: the scopes this client may be granted');
      if (values['secret-from-stdin'] && values['generate-secret']) throw new UsageError('give --secret-from-stdin or --generate-secret, not both');
      if (values.jwks !== undefined) jwks = readJwks(values.jwks);
      if (values['secret-from-stdin']) secret = await readSecret('Client secret: ');
    } else if (action !== 'list' && !values.id) throw new UsageError('--id is required');
    const store = await openCommandStore(values.store);
    try {
      const accounts = new Accounts(store);
      return await accountCommand(async () => {
        if (action === 'add') {
          const { client, secret: generated } = await accounts.addClient({
            name: values.name!,
            redirectUris: values['redirect-uri'],
            secret,
            generateSecret: values['generate-secret'],
            jwks,
            jwksUrl: values['jwks-url'],
            scope: values.scope!,
            purposeOfUse: values.purpose,
            roles: list(values.role) as Role[],
            clearance: list(values.clearance),
          });
          const kind = { none: 'public', client_secret_basic: 'confidential, client_secret_basic', private_key_jwt: 'private_key_jwt' }[client.authMethod];
          console.error(`Registered ${client.name} (${kind}; purpose of use ${client.purposeOfUse}; scopes ${client.scope})`);
          console.log(client.id);
          if (generated) {
            console.log(generated);
            console.error('The second line is its client secret: it is shown only now. Store it in the app\'s secret store.');
          }
          return 0;
        }
        if (action === 'list') {
          for (const c of await accounts.listClients()) {
            console.log([c.id, c.active ? 'active' : 'inactive', c.authMethod, c.name, c.purposeOfUse, c.scope].join('\t'));
          }
          return 0;
        }
        const active = action === 'activate';
        if (!(await accounts.setClientActive(values.id!, active))) throw new AccountError(`no client has the id ${values.id}`, 'not-found');
        console.log(`${active ? 'Activated' : 'Deactivated'} client ${values.id}`);
        return 0;
      });
    } finally {
      await store.close();
    }
  },
};
