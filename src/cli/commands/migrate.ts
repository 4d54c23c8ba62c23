import path from 'node:path';
import { isAppError } from '../../core/errors.ts';
import { migrate } from '../../storage/migrate.ts';
import { openDatabase } from '../../storage/open-database.ts';
import { CliUsageError, type CliCommand } from '../command.ts';

const HELP = `Usage: bangban migrate

Applies every pending database migration (the SQL files in drizzle/), then exits.
\`bangban start\` does the same before serving, so this is only needed to migrate ahead of time.
Several instances migrating one PostgreSQL server at once take turns.

Environment:
  DATABASE_URL  PostgreSQL server to migrate; unset means the embedded database (PGlite)
  DATA_DIR      data folder of the embedded database, which lives in <DATA_DIR>/pg
                (default ./data, relative to the current folder)
`;

export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (embedded PGlite or DATABASE_URL)',
  help: HELP,
  async run(args, io) {
    if (args.length > 0)
      throw new CliUsageError(`unexpected argument '${args[0]}' (see bangban migrate --help)`);
    const dataDir = path.resolve(io.cwd, io.env.DATA_DIR || 'data');
    const database = await openDatabase({ databaseUrl: io.env.DATABASE_URL, dataDir }).catch(
      (error: unknown) => {
        // A locked, unreadable or unreachable database is the operator's to fix: say what, exit 2.
        if (isAppError(error) && error.code === 'storage_unavailable') throw new CliUsageError(error.message);
        throw error;
      },
    );
    try {
      const result = await migrate(database);
      io.stdout.write(`database: ${database.location} (${database.kind})\n`);
      io.stdout.write(
        result.applied.length === 0
          ? `already up to date (${result.total} migrations)\n`
          : `applied ${result.applied.length} of ${result.total} migrations: ${result.applied.join(', ')}\n`,
      );
      return 0;
    } finally {
      await database.close();
    }
  },
};
