/** The `meridian` command: dispatches to a subcommand. */
import { serveCommand } from './serve.ts';
import { importCommand } from './import.ts';
import { seedCommand } from './seed.ts';
import { validateCommand } from './validate.ts';
import { userCommand } from './user.ts';
import { clientCommand } from './client.ts';
import { tokenCommand } from './token.ts';
import { UsageError } from './usage-error.ts';
import { ConfigError } from '../app/config.ts';

export interface Command {
  name: string;
  summary: string;
  help: string;
  run(args: string[]): Promise<number>;
}

const COMMANDS: Command[] = [serveCommand, importCommand, seedCommand, validateCommand, userCommand, clientCommand, tokenCommand];

const USAGE = `meridian: a FHIR R4 health-and-care interoperability platform

Usage: meridian <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join('\n')}

Run "meridian <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    console.error(`meridian: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    // a mistake in how the command was called: say what, and exit 2 like any usage error
    if (err instanceof UsageError || err instanceof ConfigError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`meridian ${name}: ${(err as Error).message} (see meridian ${name} --help)`);
      return 2;
    }
    throw err;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0 || process.argv[2] !== 'serve') process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`meridian: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
