import { Readable } from 'node:stream';
import type { CliIo } from '../../src/cli/command.ts';
import { main } from '../../src/cli/index.ts';
import { repoRoot } from '../config/fixtures.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The last non-empty line of stdout (commands print their result there). */
  lastLine: string | undefined;
}

/** Runs `bangban <argv>` in-process with captured output (a real spawn is slower and tested once). */
export async function runCli(
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(options.stdin === undefined ? [] : [options.stdin]),
    env: options.env ?? {},
    cwd: options.cwd ?? repoRoot,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) };
}
