import { parseArgs } from 'node:util';
import { calendarFromConfig, loadConfig, workingHoursOf, type Config } from '../../config/index.ts';
import { formatShanghai, packageCoverage, parseInstant, type WorkCalendar } from '../../core/calendar.ts';
import { CliUsageError, type CliCommand, type CliIo } from '../command.ts';

interface Subcommand {
  name: string;
  args: string[];
  summary: string;
  details?: string;
  takesItem?: boolean;
  /** Returns the answer, printed as the last line of output. */
  run(positionals: string[], context: { calendar: WorkCalendar; config: Config; item?: string }): string;
}

const subcommands: readonly Subcommand[] = [
  {
    name: 'is-workday',
    args: ['<date>'],
    summary: 'print true if <date> (YYYY-MM-DD) is a working day, else false',
    run: ([date], { calendar }) => String(calendar.isWorkday(date!)),
  },
  {
    name: 'add-workdays',
    args: ['<date>', '<n>'],
    summary: 'print the Nth working day after <date>',
    details: 'The date itself never counts; a negative n counts back (the Nth working day before).',
    run: ([date, n], { calendar }) => calendar.addWorkdays(date!, wholeNumber(n!)),
  },
  {
    name: 'deadline',
    args: ['<date|instant>', '<n>'],
    summary: 'print the deadline of "within N working days" of an event',
    details:
      "The deadline is the end (23:59:59.999 +08:00) of the Nth working day after the event's Shanghai date;\n" +
      'the event day itself does not count.',
    run: ([at, n], { calendar }) =>
      formatShanghai(calendar.deadlineAfterWorkdays(parseInstant(at!), wholeNumber(n!))),
  },
  {
    name: 'next-opening',
    args: ['<instant>'],
    summary: 'print the first working instant at or after <instant> (itself when open)',
    details: 'Uses the hours of --item <id>, or calendar.officeHours without it.',
    takesItem: true,
    run: ([at], { calendar, config, item }) =>
      formatShanghai(calendar.nextOpening(parseInstant(at!), workingHoursOf(config, item))),
  },
  {
    name: 'working-seconds',
    args: ['<from>', '<to>'],
    summary: 'print the working seconds between two instants',
    details: 'Uses the hours of --item <id>, or calendar.officeHours without it.',
    takesItem: true,
    run: ([from, to], { calendar, config, item }) =>
      String(
        calendar.workingSecondsBetween(parseInstant(from!), parseInstant(to!), workingHoursOf(config, item)),
      ),
  },
  {
    name: 'years',
    args: [],
    summary: 'print the years with holiday data (package and config)',
    run: (_args, { calendar }) => calendar.coveredYears().join(' '),
  },
];

const COMMON_OPTIONS =
  '  --config <file>  config file (default: $BANGBAN_CONFIG, else config/default.yaml)\n  -h, --help       show this help';
const INPUT_FORMATS =
  'Dates are YYYY-MM-DD; instants are YYYY-MM-DDTHH:mm[:ss] with an optional Z or ±HH:mm (no zone means\n' +
  'Asia/Shanghai). Output instants are in +08:00.';

function synopsis(sub: Subcommand): string {
  return [sub.name, ...sub.args, ...(sub.takesItem ? ['[--item <id>]'] : [])].join(' ');
}

function subcommandHelp(sub: Subcommand): string {
  const summary = `${sub.summary.charAt(0).toUpperCase()}${sub.summary.slice(1)}.`;
  const item = sub.takesItem ? '  --item <id>      a service item id (its working hours)\n' : '';
  return [
    `Usage: bangban calendar ${synopsis(sub)} [--config <file>]`,
    '',
    summary,
    ...(sub.details ? [sub.details] : []),
    '',
    INPUT_FORMATS,
    '',
    'Options:',
    `${item}${COMMON_OPTIONS}`,
    '',
  ].join('\n');
}

const width = Math.max(...subcommands.map((sub) => synopsis(sub).length));
const help = [
  'Usage: bangban calendar <subcommand> [args] [--config <file>]',
  '',
  'Working-day arithmetic in Asia/Shanghai: official holidays and 调休 make-up workdays from',
  `chinese-days (${packageCoverage().first}–${packageCoverage().last}) plus calendar.years in the config. A date in a year`,
  'with neither exits with status 2 and names the year. The answer is the last line of output.',
  '',
  'Subcommands:',
  ...subcommands.map((sub) => `  ${synopsis(sub).padEnd(width)}  ${sub.summary}`),
  '',
  INPUT_FORMATS,
  '',
  'Options:',
  COMMON_OPTIONS,
  '',
  'Examples:',
  '  bangban calendar is-workday 2026-10-10        → true (a 调休 Saturday)',
  '  bangban calendar add-workdays 2026-09-30 5    → 2026-10-13',
  '  bangban calendar next-opening 2026-10-09T18:00 --item device-registration',
  '',
].join('\n');

// parseArgs would read "-3" as an unknown short option; a negative number of days is an argument.
const NEGATIVE_NUMBER = /^-\d+$/;
const ESCAPE = '\u0000';

function parse(args: string[]): { positionals: string[]; config?: string; item?: string; help: boolean } {
  try {
    const { values, positionals } = parseArgs({
      args: args.map((arg) => (NEGATIVE_NUMBER.test(arg) ? ESCAPE + arg : arg)),
      options: {
        config: { type: 'string' },
        item: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
    return {
      positionals: positionals.map((arg) => (arg.startsWith(ESCAPE) ? arg.slice(1) : arg)),
      help: values.help ?? false,
      ...(values.config === undefined ? {} : { config: values.config }),
      ...(values.item === undefined ? {} : { item: values.item }),
    };
  } catch (error) {
    throw new CliUsageError(`${error instanceof Error ? error.message : String(error)}\n\n${help}`);
  }
}

function wholeNumber(text: string): number {
  if (!/^-?\d{1,6}$/.test(text))
    throw new CliUsageError(`invalid number of working days '${text}': expected a whole number`);
  return Number(text);
}

export const calendarCommand: CliCommand = {
  name: 'calendar',
  summary: 'working-day arithmetic: is-workday, add-workdays, deadline, next-opening, working-seconds',
  help,
  async run(args: string[], io: CliIo): Promise<number> {
    const [name, ...rest] = args;
    if (name === undefined || name === '--help' || name === '-h') {
      (name === undefined ? io.stderr : io.stdout).write(help);
      return name === undefined ? 2 : 0;
    }
    const sub = subcommands.find((candidate) => candidate.name === name);
    if (!sub) throw new CliUsageError(`unknown subcommand '${name}'\n\n${help}`);
    const parsed = parse(rest);
    if (parsed.help) {
      io.stdout.write(subcommandHelp(sub));
      return 0;
    }
    if (parsed.positionals.length !== sub.args.length) {
      throw new CliUsageError(
        `expected ${sub.args.length} argument(s)\nUsage: bangban calendar ${synopsis(sub)} [--config <file>]`,
      );
    }
    if (parsed.item !== undefined && !sub.takesItem)
      throw new CliUsageError(`${sub.name} does not take --item`);
    const config = loadConfig({
      env: io.env,
      cwd: io.cwd,
      ...(parsed.config === undefined ? {} : { file: parsed.config }),
    });
    const calendar = calendarFromConfig(config);
    const answer = sub.run(parsed.positionals, {
      calendar,
      config,
      ...(parsed.item === undefined ? {} : { item: parsed.item }),
    });
    io.stdout.write(`${answer}\n`);
    return 0;
  },
};
