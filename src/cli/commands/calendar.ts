import type { CliCommand } from '../command.ts';

// Placeholder until the command lands; it refuses to run rather than pretend.
export const calendarCommand: CliCommand = {
  name: 'calendar',
  summary: '(not implemented yet)',
  help: 'Usage: bangban calendar\n\nNot implemented yet.',
  async run(_args, io) {
    io.stderr.write('bangban calendar: not implemented yet\n');
    return 1;
  },
};
