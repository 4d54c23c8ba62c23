import type { CliCommand } from '../command.ts';

// Placeholder until the command lands; it refuses to run rather than pretend.
export const kbCommand: CliCommand = {
  name: 'kb',
  summary: '(not implemented yet)',
  help: 'Usage: bangban kb\n\nNot implemented yet.',
  async run(_args, io) {
    io.stderr.write('bangban kb: not implemented yet\n');
    return 1;
  },
};
