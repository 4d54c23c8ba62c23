import type { CliCommand } from '../command.ts';

// Placeholder until the command lands; it refuses to run rather than pretend.
export const startCommand: CliCommand = {
  name: 'start',
  summary: '(not implemented yet)',
  help: 'Usage: bangban start\n\nNot implemented yet.',
  async run(_args, io) {
    io.stderr.write('bangban start: not implemented yet\n');
    return 1;
  },
};
