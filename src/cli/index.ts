import process from 'node:process';
import { isAppError, type ErrorCode } from '../core/errors.ts';
import { CliUsageError, wantsHelp, type CliCommand, type CliIo } from './command.ts';
import { commands } from './commands/index.ts';

const OPERATOR_ERRORS = new Set<ErrorCode>([
  'config_invalid',
  'calendar_data_missing',
  'storage_unavailable',
]);

function topLevelHelp(list: readonly CliCommand[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    'Usage: bangban <command> [options]',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run `bangban <command> --help` for a command's options.",
    'Environment: DATABASE_URL (PostgreSQL; unset = embedded PGlite under DATA_DIR), DATA_DIR (default ./data),',
    '  PORT (3000), HOST, BANGBAN_CONFIG (config file), LOG_LEVEL (info).',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIo = defaultIo()): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(topLevelHelp(commands));
    return name === undefined ? 2 : 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    io.stderr.write(`bangban: unknown command '${name}'\n\n${topLevelHelp(commands)}`);
    return 2;
  }
  if (
    wantsHelp(rest) &&
    !rest
      .slice(
        0,
        rest.findIndex((a) => a === '--help' || a === '-h'),
      )
      .some((a) => !a.startsWith('-'))
  ) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliUsageError || isParseArgsError(error)) {
      io.stderr.write(`bangban ${name}: ${error.message}\n`);
      return 2;
    }
    // Problems the operator fixes (bad input, bad config, missing calendar year, a locked or
    // unreachable database) get their message and exit 2; anything else is a bug: stack, exit 1.
    if (isAppError(error) && (error.expose || OPERATOR_ERRORS.has(error.code))) {
      io.stderr.write(`bangban ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(
      `bangban ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return 1;
  }
}

/** node:util parseArgs reports unknown or malformed options with these codes. */
function isParseArgsError(error: unknown): error is Error {
  const code = (error as { code?: unknown } | null)?.code;
  return error instanceof Error && typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

function defaultIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  };
}
