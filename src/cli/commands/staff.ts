import { parseArgs } from 'node:util';
import { systemClock } from '../../clock.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import { formatShanghai } from '../../core/calendar.ts';
import { createDeskAuth } from '../../desk/desk-auth.ts';
import { loadDeskSecret } from '../../desk/desk-secret.ts';
import { createLoginToken } from '../../desk/login-token.ts';
import { passwordProblem } from '../../desk/password-hash.ts';
import { findStaff } from '../../desk/staff-directory.ts';
import type { Clock } from '../../ports.ts';
import type { Database } from '../../storage/database.ts';
import { migrate } from '../../storage/migrate.ts';
import { openDatabase } from '../../storage/open-database.ts';
import { syncConfigToDatabase } from '../../storage/repositories/sync-config-to-database.ts';
import { CliUsageError, type CliCommand, type CliIo } from '../command.ts';

const DEFAULT_TTL_HOURS = 24;
const MAX_TTL_HOURS = 24 * 7;

const help = `Usage: bangban staff <subcommand> <staff-id> [options]

Desk access for a staff member of the config (staff[].id).

Subcommands:
  token <staff-id>     print a one-time login link for the web desk (/desk); the last line is the URL
  password <staff-id>  set the desk password, read from the first line of standard input

Options:
  --ttl <hours>        token: how long the link stays valid (default ${DEFAULT_TTL_HOURS}, at most ${MAX_TTL_HOURS})
  --base-url <url>     token: the server's address as staff reach it (default: $BANGBAN_PUBLIC_URL,
                       else http://<server.host>:<server.port> from the config)
  --config <file>      config file (default: $BANGBAN_CONFIG, else config/default.yaml)
  -h, --help           show this help

The link works once. Tokens are signed with the key in <DATA_DIR>/desk-login.key (or
$BANGBAN_DESK_SECRET), so this works while the server runs. Setting a password opens the database:
with the embedded one (no DATABASE_URL) stop the server first.

Examples:
  bangban staff token zhang-wei
  printf '%s\\n' 'a long passphrase' | bangban staff password zhang-wei
`;

export interface StaffCommandDeps {
  /** Opens the migrated database the config points at (tests pass their own). */
  openStore(config: Config): Promise<Pick<Database, 'db' | 'close'>>;
  clock: Clock;
}

const defaultDeps: StaffCommandDeps = {
  async openStore(config) {
    const database = await openDatabase({
      databaseUrl: config.server.databaseUrl,
      dataDir: config.server.dataDir,
    });
    try {
      await migrate(database);
    } catch (error) {
      await database.close();
      throw error;
    }
    return database;
  },
  clock: systemClock,
};

interface Parsed {
  help?: boolean;
  subcommand: string;
  staffId: string;
  config?: string;
  ttl?: string;
  baseUrl?: string;
}

function parse(args: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: {
        config: { type: 'string' },
        ttl: { type: 'string' },
        'base-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new CliUsageError(`${(error as Error).message}\nRun 'bangban staff --help' for usage.`);
  }
  if (parsed.values.help) return { help: true, subcommand: '', staffId: '' };
  const [subcommand, staffId, ...extra] = parsed.positionals;
  if (subcommand === undefined)
    throw new CliUsageError("missing subcommand (token or password); run 'bangban staff --help'");
  if (subcommand !== 'token' && subcommand !== 'password') {
    throw new CliUsageError(`unknown subcommand '${subcommand}'; expected token or password`);
  }
  if (staffId === undefined)
    throw new CliUsageError(`missing <staff-id>: bangban staff ${subcommand} <staff-id>`);
  if (extra.length > 0) throw new CliUsageError(`unexpected argument '${extra[0]}'`);
  return {
    subcommand,
    staffId,
    ...(parsed.values.config === undefined ? {} : { config: parsed.values.config }),
    ...(parsed.values.ttl === undefined ? {} : { ttl: parsed.values.ttl }),
    ...(parsed.values['base-url'] === undefined ? {} : { baseUrl: parsed.values['base-url'] }),
  };
}

function staffOf(config: Config, staffId: string): Config['staff'][number] {
  const member = config.staff.find((s) => s.id === staffId);
  if (!member) {
    const known = config.staff.map((s) => s.id);
    const shown = known.slice(0, 8).join(', ') + (known.length > 8 ? ', …' : '');
    throw new CliUsageError(
      `unknown staff id '${staffId}' (not in ${config.source}); known ids: ${shown || '(none)'}`,
    );
  }
  return member;
}

function ttlHours(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_TTL_HOURS;
  const hours = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || hours <= 0 || hours > MAX_TTL_HOURS) {
    throw new CliUsageError(
      `--ttl must be a number of hours above 0 and at most ${MAX_TTL_HOURS}, got '${raw}'`,
    );
  }
  return hours;
}

function baseUrl(parsed: Parsed, config: Config, env: NodeJS.ProcessEnv): string {
  const given = parsed.baseUrl ?? env['BANGBAN_PUBLIC_URL']?.trim();
  if (given) {
    if (!/^https?:\/\/[^\s/]+/.test(given))
      throw new CliUsageError(`--base-url must be an http(s) URL, got '${given}'`);
    return given.replace(/\/+$/, '');
  }
  const { host, port } = config.server;
  const shownHost =
    host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${port}`;
}

async function printToken(parsed: Parsed, config: Config, io: CliIo, clock: Clock): Promise<number> {
  const member = staffOf(config, parsed.staffId);
  const hours = ttlHours(parsed.ttl);
  const secret = await loadDeskSecret({ env: io.env, dataDir: config.server.dataDir });
  const expiresAt = new Date(clock.now().getTime() + hours * 3600 * 1000);
  const token = createLoginToken({ staffId: member.id, expiresAt }, secret);
  io.stdout.write(
    `One-time desk login for ${member.name} (${member.id}), valid until ${formatShanghai(expiresAt)}:\n`,
  );
  io.stdout.write(`${baseUrl(parsed, config, io.env)}/desk/login?token=${token}\n`);
  return 0;
}

async function readFirstLine(stdin: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stdin) {
    text += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('\n')) break;
  }
  return text.split(/\r?\n/)[0] ?? '';
}

async function setPassword(
  parsed: Parsed,
  config: Config,
  io: CliIo,
  deps: StaffCommandDeps,
): Promise<number> {
  const member = staffOf(config, parsed.staffId);
  const password = await readFirstLine(io.stdin);
  if (password === '') throw new CliUsageError('no password on standard input (pipe it in, one line)');
  const problem = passwordProblem(password);
  if (problem) throw new CliUsageError(problem);
  const store = await deps.openStore(config);
  try {
    // The staff table is filled from the config at start; do it here too if the server never ran.
    if (!(await findStaff(store.db, member.id))) await syncConfigToDatabase(store.db, config);
    const auth = createDeskAuth({ database: store, clock: deps.clock, loginSecret: Buffer.alloc(0) });
    await auth.setPassword(member.id, password);
  } finally {
    await store.close();
  }
  io.stdout.write(`Desk password set for ${member.name} (${member.id}).\n`);
  return 0;
}

export function createStaffCommand(deps: StaffCommandDeps = defaultDeps): CliCommand {
  return {
    name: 'staff',
    summary: 'desk access: one-time login links and passwords for staff',
    help,
    async run(args, io) {
      const parsed = parse(args);
      if (parsed.help) {
        io.stdout.write(help);
        return 0;
      }
      const config = loadConfig({
        env: io.env,
        cwd: io.cwd,
        ...(parsed.config ? { file: parsed.config } : {}),
      });
      return parsed.subcommand === 'token'
        ? printToken(parsed, config, io, deps.clock)
        : setPassword(parsed, config, io, deps);
    },
  };
}

export const staffCommand = createStaffCommand();
