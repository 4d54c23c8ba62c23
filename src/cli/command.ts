/** The shape every `bangban <command>` implements; src/cli/index.ts dispatches to them. */

export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliCommand {
  name: string;
  /** One line for `bangban --help`. */
  summary: string;
  /** Full text printed by `bangban <name> --help` (subcommands print their own). */
  help: string;
  /** Returns the process exit code: 0 ok, 1 failure, 2 bad usage or bad input. */
  run(args: string[], io: CliIo): Promise<number>;
}

/** Thrown for bad usage or bad input; the dispatcher prints the message and exits 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}

export function wantsHelp(args: readonly string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}
