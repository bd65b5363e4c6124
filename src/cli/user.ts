/** `meridian user`: add, list, deactivate and reactivate the people who sign in to Meridian. */
import { parseArgs } from 'node:util';
import { AccountError, Accounts, checkUser, MIN_PASSWORD, type NewUser } from '../access/accounts/index.ts';
import type { Role } from '../access/types.ts';
import { buildConfig } from '../app/config.ts';
import { openStore, type ResourceStore } from '../storage/index.ts';
import type { Command } from './main.ts';
import { UsageError } from './usage-error.ts';

const HELP = `Usage: meridian user <add|list|deactivate|activate> [options]

Manages the users who sign in to Meridian's authorization server (the login page of SMART apps).

  meridian user add --username U --role clinician|patient|admin [--fhir-user Practitioner/1] [options]
      Adds a user. The password is read from standard input: typed (not shown) at a terminal, or
      the first line of what is piped in (e.g. from a secrets manager). Never on the command line.
        --fhir-user REF        the FHIR resource the user is: Practitioner/ID, PractitionerRole/ID or
                               Patient/ID (required for the patient role: their own record)
        --role ROLE            clinician, patient or admin; repeatable or comma-separated
        --organization ID      the Organization (id) the user acts for
        --clearance LABELS     confidentiality labels they may see, e.g. R,V
        --external-subject SUB how an external OpenID provider (--oidc-issuer) names this user
        --no-password          no password: the user signs in only through the external provider
  meridian user list
  meridian user deactivate --username U     their tokens stop working within seconds
  meridian user activate --username U

Options for every subcommand:
  --store SPEC   sqlite:PATH or postgres://user@host:port/db (MERIDIAN_STORE; default sqlite:./data/meridian.db)
  -h, --help     this help`;

/** Opens the store a command names (or MERIDIAN_STORE, or the default). */
export async function openCommandStore(spec: string | undefined): Promise<ResourceStore> {
  const config = buildConfig(spec === undefined ? {} : { store: spec });
  return openStore(config.store);
}

/** Reads a secret: typed at a terminal without echo, or the first line of piped standard input. */
export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    let text = '';
    for await (const chunk of stdin) text += String(chunk);
    return text.split(/\r?\n/)[0];
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: string) => {
      for (const c of chunk) {
        if (c === '\r' || c === '\n') return done();
        if (c === '\u0003') return done(new UsageError('cancelled'));
        if (c === '\u007f' || c === '\b') typed = typed.slice(0, -1);
        else typed += c;
      }
    };
    stdin.on('data', onData);
  });
}

/** Account mistakes are usage errors (exit 2) when the input was wrong; otherwise the message and exit 1. */
export async function accountCommand(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AccountError) {
      if (err.kind === 'invalid') throw new UsageError(err.message);
      console.error(`meridian: ${err.message}`);
      return 1;
    }
    throw err;
  }
}

const list = (values: string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);

export const userCommand: Command = {
  name: 'user',
  summary: 'add, list and deactivate the users who sign in (SMART login)',
  help: HELP,
  async run(args) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        store: { type: 'string' },
        username: { type: 'string' },
        role: { type: 'string', multiple: true },
        'fhir-user': { type: 'string' },
        organization: { type: 'string' },
        clearance: { type: 'string', multiple: true },
        'external-subject': { type: 'string' },
        'no-password': { type: 'boolean' },
      },
    });
    const [action, ...extra] = positionals;
    if (!action || !['add', 'list', 'deactivate', 'activate'].includes(action)) throw new UsageError('say what to do: add, list, deactivate or activate');
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action !== 'list' && !values.username) throw new UsageError('--username is required');
    let password: string | undefined;
    const newUser = (): NewUser => ({
      username: values.username!,
      password,
      roles: list(values.role) as Role[],
      fhirUser: values['fhir-user'],
      organization: values.organization,
      clearance: list(values.clearance),
      externalSubject: values['external-subject'],
    });
    if (action === 'add') {
      if (values['no-password'] && values['external-subject'] === undefined) throw new UsageError('--no-password needs --external-subject: the user must have some way to sign in');
      // the arguments are checked before the password is asked for
      await accountCommand(async () => (checkUser({ ...newUser(), password: 'x'.repeat(MIN_PASSWORD) }), 0));
    }
    if (action === 'add' && !values['no-password']) {
      password = await readSecret('Password: ');
      if (process.stdin.isTTY && password !== (await readSecret('Password again: '))) throw new UsageError('the passwords differ');
      if (password.length < MIN_PASSWORD) throw new UsageError(`the password (read from standard input) must be at least ${MIN_PASSWORD} characters long`);
    }
    const store = await openCommandStore(values.store);
    try {
      const accounts = new Accounts(store);
      return await accountCommand(async () => {
        if (action === 'add') {
          const user = await accounts.addUser(newUser());
          console.log(`Added user ${user.username} (${user.roles.join(', ')}${user.fhirUser ? `, ${user.fhirUser}` : ''}${user.organization ? `, Organization/${user.organization}` : ''})`);
          return 0;
        }
        if (action === 'list') {
          for (const u of await accounts.listUsers()) {
            console.log([u.username, u.active ? 'active' : 'inactive', u.roles.join(','), u.fhirUser ?? '-', u.organization ?? '-', u.clearance.join(',') || '-'].join('\t'));
          }
          return 0;
        }
        const active = action === 'activate';
        if (!(await accounts.setUserActive(values.username!, active))) throw new AccountError(`no user is called ${values.username}`, 'not-found');
        console.log(`${active ? 'Activated' : 'Deactivated'} user ${values.username!.toLowerCase()}`);
        return 0;
      });
    } finally {
      await store.close();
    }
  },
};
