import { describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/commands/index.ts';
import { runCli } from '../helpers/cli.ts';

describe('bangban dispatcher', () => {
  it('lists every command in --help', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of commands) expect(result.stdout).toContain(command.name);
  });

  it('exits 2 with usage when no command is given', async () => {
    const result = await runCli([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Usage: bangban <command>');
  });

  it('exits 2 naming an unknown command', async () => {
    const result = await runCli(['frobnicate']);
    expect(result).toMatchObject({ code: 2 });
    expect(result.stderr).toContain("unknown command 'frobnicate'");
  });

  it.each(commands.map((c) => c.name))('%s --help prints its usage and exits 0', async (name) => {
    const result = await runCli([name, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Usage: bangban/);
    expect(result.stdout).not.toContain('Not implemented');
  });

  it('reports an unknown option as a usage error, not a crash', async () => {
    const result = await runCli(['start', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Unknown option '--bogus'");
  });
});
