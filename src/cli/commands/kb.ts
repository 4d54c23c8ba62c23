import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { stringify as toYaml } from 'yaml';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config/index.ts';
import { parseInstant, shanghaiDateOf } from '../../core/calendar.ts';
import { isAppError } from '../../core/errors.ts';
import type { KbAnswer, KnowledgeBase } from '../../kb/answer.ts';
import { KB_ITEMS, KB_STATUSES, type KbStatus } from '../../kb/entry.ts';
import { closeGap, listGaps, type KbGap } from '../../kb/gap-backlog.ts';
import { readKbFiles, type ImportProgress } from '../../kb/import.ts';
import { loadKnowledgeBase } from '../../kb/store-knowledge-base.ts';
import { listEntries, upsertEntries } from '../../kb/store.ts';
import { migrate, openDatabase, type Db } from '../../storage/index.ts';
import { CliUsageError, type CliCommand, type CliIo } from '../command.ts';

const CONFIG_OPTION = '  --config <file>  config file (default: $BANGBAN_CONFIG, else config/default.yaml)';
const DATABASE_NOTE =
  'The database is DATABASE_URL, else the embedded PGlite under DATA_DIR (default ./data); it is\nmigrated first.';

const HELP = {
  import: `Usage: bangban kb import <file|dir>... [--by <name>] [--config <file>]

Imports KB entries from YAML, JSON and .xlsx files; a folder means its *.yaml, *.yml, *.json and
*.xlsx files (not recursive; synonyms.yaml is skipped). The .xlsx column layout is in src/kb/IMPORT.md.
Every entry of every file is validated first: any problem prints one line per problem,
  <file>:<row>: <field>: <reason>
and exits with status 2 without writing anything. Otherwise all entries are written in one
transaction (new ones created, changed ones get a new version, equal ones are left alone).
Progress goes to stderr, the summary to stdout.

Options:
  --by <name>      recorded as the author of the change (default: $USER)
${CONFIG_OPTION}

${DATABASE_NOTE}
`,
  ask: `Usage: bangban kb ask "<question>" [--item <id>] [--json] [--config <file>]
       bangban kb ask --json [--item <id>] < questions.txt

Asks 小申 (the KB bot). With a question: prints the decision, score, entry and answer text.
Without one: reads one question per line on stdin and answers each line; with --json each
answer is one line
  {"question":"…","decision":"answer"|"handoff","answer":"…"|null,"entryId":"…"|null,"score":0.0}
(an empty line is answered too: decision handoff). Works on a fresh checkout: an empty KB is
first loaded from config/kb. Only published entries are used; nothing is recorded.

Options:
  --item <id>      the conversation's service item (${KB_ITEMS.join(', ')})
  --json           JSON lines output
${CONFIG_OPTION}

${DATABASE_NOTE}
`,
  gaps: `Usage: bangban kb gaps [--overdue [--at <instant>]] [--item <id>] [--json] [--config <file>]
       bangban kb gaps close <gapId> <entryId> [--by <name>] [--config <file>]

Lists the open KB gaps (questions the bot could not answer), oldest due date first: id, due date
(end of the 5th working day after the first occurrence), occurrences, item and question.
\`close\` closes a gap by linking the existing entry that now answers it.

Options:
  --overdue        only open gaps past their due date (at --at, default now)
  --at <instant>   YYYY-MM-DD[THH:mm] (Asia/Shanghai) for --overdue
  --item <id>      only gaps of this item
  --json           one JSON object per gap and line
  --by <name>      who closes the gap (default: $USER)
${CONFIG_OPTION}
`,
  export: `Usage: bangban kb export <file.yaml|file.json> [--status <status>] [--config <file>]

Writes the KB entries (all, or those with --status ${KB_STATUSES.join('|')}) to one file in the
format \`bangban kb import\` reads (every entry names its item).

Options:
  --status <s>     only entries with this status
${CONFIG_OPTION}
`,
} as const;

type Subcommand = keyof typeof HELP;

const help = `Usage: bangban kb <subcommand> [args] [options]

The knowledge base of 小申: import entries, ask the bot, and work through the gap backlog.

Subcommands:
  import <file|dir>...            import YAML, JSON or .xlsx KB files (all-or-nothing)
  ask ["<question>"] [--json]     answer a question, or one question per stdin line
  gaps [--overdue]                list open KB gaps
  gaps close <gapId> <entryId>    close a gap with the entry that answers it
  export <file>                   write the KB to a YAML or JSON file

Run \`bangban kb <subcommand> --help\` for its options.
`;

const OPTIONS = {
  config: { type: 'string' },
  by: { type: 'string' },
  item: { type: 'string' },
  json: { type: 'boolean' },
  overdue: { type: 'boolean' },
  at: { type: 'string' },
  status: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Options = {
  [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

function parse(sub: Subcommand, args: string[], allowed: ReadonlyArray<keyof typeof OPTIONS>) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\n\n${HELP[sub]}`);
  }
  const values = parsed.values as Options;
  const extra = Object.keys(values).find(
    (key) => key !== 'help' && !allowed.includes(key as keyof typeof OPTIONS),
  );
  if (extra) throw new CliUsageError(`kb ${sub} does not take --${extra}\n\n${HELP[sub]}`);
  if (values.item !== undefined && !(KB_ITEMS as readonly string[]).includes(values.item)) {
    throw new CliUsageError(`unknown item '${values.item}' (expected one of ${KB_ITEMS.join(', ')})`);
  }
  return { values, positionals: parsed.positionals };
}

/** Opens and migrates the database the config and environment name; closes it afterwards. */
async function withDatabase<T>(
  io: CliIo,
  configFile: string | undefined,
  use: (db: Db) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    env: io.env,
    cwd: io.cwd,
    ...(configFile === undefined ? {} : { file: configFile }),
  });
  const database = await openDatabase({
    databaseUrl: config.server.databaseUrl,
    dataDir: config.server.dataDir,
  });
  try {
    await migrate(database);
    return await use(database.db);
  } finally {
    await database.close();
  }
}

function actorOf(values: Options, io: CliIo): string {
  return values.by?.trim() || io.env.USER?.trim() || io.env.USERNAME?.trim() || 'cli';
}

async function runImport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('import', args, ['config', 'by']);
  if (positionals.length === 0) throw new CliUsageError(`name at least one file or folder\n\n${HELP.import}`);
  const onProgress = (p: ImportProgress): void => {
    io.stderr.write(
      p.stage === 'read' ? `read ${p.file}: ${p.entries} entries\n` : `written ${p.done}/${p.total}\n`,
    );
  };
  let entries;
  try {
    // Validate before touching the database: bad files never need it.
    ({ entries } = await readKbFiles(positionals, { cwd: io.cwd, onProgress }));
  } catch (error) {
    const lines =
      isAppError(error) && error.code === 'validation_failed'
        ? (error.details?.errors as string[] | undefined)
        : undefined;
    if (!lines) throw error;
    io.stderr.write(
      `bangban kb import: rejected, nothing written (${lines.length} problem(s)):\n${lines.join('\n')}\n`,
    );
    return 2;
  }
  const actor = actorOf(values, io);
  const result = await withDatabase(io, values.config, (db) =>
    upsertEntries(db, entries, {
      actor,
      clock: systemClock,
      onProgress: (p) => onProgress({ stage: 'write', ...p }),
    }),
  );
  io.stdout.write(
    `imported ${entries.length} entries from ${positionals.join(', ')}: ${result.created.length} created, ` +
      `${result.updated.length} updated, ${result.unchanged.length} unchanged\n`,
  );
  return 0;
}

/** The `kb ask --json` line: exactly these keys, in this order. */
function jsonLine(question: string, result: KbAnswer): string {
  const answered = result.decision === 'answer';
  return JSON.stringify({
    question,
    decision: result.decision,
    answer: answered ? result.text : null,
    entryId: answered ? result.entry.id : null,
    score: result.score ?? 0,
  });
}

function readable(question: string, result: KbAnswer): string {
  const score = (result.score ?? 0).toFixed(3);
  if (result.decision === 'answer') {
    return `question: ${question}\ndecision: answer (score ${score})\nentry: ${result.entry.id} — ${result.entry.title}\n\n${result.text}\n`;
  }
  const candidates = (result.candidates ?? []).map((c) => `  ${c.entryId} — ${c.title} (${c.score})`);
  return [
    `question: ${question}`,
    `decision: handoff (${result.reason}, score ${score})`,
    ...(result.entry ? [`entry: ${result.entry.id} — ${result.entry.title}`] : []),
    ...(candidates.length > 0 ? ['closest entries:', ...candidates] : []),
    '',
  ].join('\n');
}

async function runAsk(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('ask', args, ['config', 'item', 'json']);
  const kb: KnowledgeBase = await withDatabase(
    io,
    values.config,
    async (db) => (await loadKnowledgeBase(db)).kb,
  );
  const context = values.item === undefined ? {} : { item: values.item };
  const print = (question: string): void => {
    const result = kb.answer(question, context);
    io.stdout.write(values.json ? `${jsonLine(question, result)}\n` : `${readable(question, result)}\n`);
  };
  if (positionals.length > 0) {
    print(positionals.join(' '));
    return 0;
  }
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  let first = true;
  for await (const line of lines) {
    print(first ? line.replace(/^\uFEFF/, '') : line);
    first = false;
  }
  return 0;
}

function gapLine(gap: KbGap): string {
  const question =
    [...gap.question].length > 80 ? `${[...gap.question].slice(0, 80).join('')}…` : gap.question;
  return `#${gap.id}  due ${shanghaiDateOf(gap.dueAt)}  ×${gap.occurrences}  ${gap.item}  ${question}`;
}

async function runGaps(args: string[], io: CliIo): Promise<number> {
  if (args[0] === 'close') {
    const { values, positionals } = parse('gaps', args.slice(1), ['config', 'by']);
    const [gapId, entryId] = positionals;
    if (positionals.length !== 2 || !/^\d{1,15}$/.test(gapId!)) {
      throw new CliUsageError(`expected <gapId> (a number) and <entryId>\n\n${HELP.gaps}`);
    }
    const actor = actorOf(values, io);
    const gap = await withDatabase(io, values.config, (db) => closeGap(db, Number(gapId), entryId!, actor));
    io.stdout.write(`closed gap #${gap.id} with entry ${gap.answerEntryId}\n`);
    return 0;
  }
  const { values, positionals } = parse('gaps', args, ['config', 'item', 'json', 'overdue', 'at']);
  if (positionals.length > 0)
    throw new CliUsageError(`unexpected argument '${positionals[0]}'\n\n${HELP.gaps}`);
  if (values.at !== undefined && !values.overdue) throw new CliUsageError('--at goes with --overdue');
  const overdueAt = values.overdue
    ? values.at === undefined
      ? systemClock.now()
      : parseInstant(values.at)
    : undefined;
  const gaps = await withDatabase(io, values.config, (db) =>
    listGaps(db, {
      status: 'open',
      ...(values.item ? { item: values.item } : {}),
      ...(overdueAt ? { overdueAt } : {}),
    }),
  );
  if (values.json) {
    for (const gap of gaps) io.stdout.write(`${JSON.stringify(gap)}\n`);
  } else if (gaps.length === 0) {
    io.stdout.write(values.overdue ? 'no overdue KB gaps\n' : 'no open KB gaps\n');
  } else {
    io.stdout.write(`${gaps.map(gapLine).join('\n')}\n`);
  }
  return 0;
}

async function runExport(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse('export', args, ['config', 'status']);
  const [file] = positionals;
  if (positionals.length !== 1 || !/\.(ya?ml|json)$/i.test(file!)) {
    throw new CliUsageError(`name one .yaml, .yml or .json file to write\n\n${HELP.export}`);
  }
  if (values.status !== undefined && !(KB_STATUSES as readonly string[]).includes(values.status)) {
    throw new CliUsageError(`unknown status '${values.status}' (expected one of ${KB_STATUSES.join(', ')})`);
  }
  const status = values.status as KbStatus | undefined;
  const entries = await withDatabase(io, values.config, (db) => listEntries(db, status ? { status } : {}));
  // `item: general` is only the file's default; every entry carries its own item.
  const document = { item: 'general', entries };
  const text = /\.json$/i.test(file!)
    ? `${JSON.stringify(document, null, 2)}\n`
    : toYaml(document, { lineWidth: 0 });
  await writeFile(path.resolve(io.cwd, file!), text, 'utf8');
  io.stdout.write(`exported ${entries.length} entries to ${file}\n`);
  return 0;
}

const RUNNERS: Record<Subcommand, (args: string[], io: CliIo) => Promise<number>> = {
  import: runImport,
  ask: runAsk,
  gaps: runGaps,
  export: runExport,
};

export const kbCommand: CliCommand = {
  name: 'kb',
  summary: 'knowledge base: import files, ask the bot (JSON lines), list and close KB gaps, export',
  help,
  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined || name === '--help' || name === '-h') {
      (name === undefined ? io.stderr : io.stdout).write(help);
      return name === undefined ? 2 : 0;
    }
    if (!Object.hasOwn(RUNNERS, name)) throw new CliUsageError(`unknown subcommand '${name}'\n\n${help}`);
    const sub = name as Subcommand;
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(HELP[sub]);
      return 0;
    }
    return RUNNERS[sub](rest, io);
  },
};
