import type { CliCommand } from '../command.ts';

// Placeholder until the command lands; it refuses to run rather than pretend.
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: '(not implemented yet)',
  help: 'Usage: bangban migrate\n\nNot implemented yet.',
  async run(_args, io) {
    io.stderr.write('bangban migrate: not implemented yet\n');
    return 1;
  },
};
