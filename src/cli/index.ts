import process from 'node:process';
import { isAppError } from '../core/errors.ts';
import { CliUsageError, wantsHelp, type CliCommand, type CliIo } from './command.ts';
import { commands } from './commands/index.ts';

function topLevelHelp(list: readonly CliCommand[]): string {
  const width = Math.max(...list.map((c) => c.name.length));
  return [
    'Usage: bangban <command> [options]',
    '',
    'Commands:',
    ...list.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `bangban <command> --help` for a command\'s options.',
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
  if (wantsHelp(rest) && !rest.slice(0, rest.findIndex((a) => a === '--help' || a === '-h')).some((a) => !a.startsWith('-'))) {
    io.stdout.write(command.help.endsWith('\n') ? command.help : `${command.help}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof CliUsageError) {
      io.stderr.write(`bangban ${name}: ${error.message}\n`);
      return 2;
    }
    if (isAppError(error) && error.expose) {
      io.stderr.write(`bangban ${name}: ${error.message}\n`);
      return 2;
    }
    if (isAppError(error) && (error.code === 'config_invalid' || error.code === 'calendar_data_missing')) {
      io.stderr.write(`bangban ${name}: ${error.message}\n`);
      return 2;
    }
    io.stderr.write(`bangban ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

function defaultIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
