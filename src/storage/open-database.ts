import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { silentLogger, type Database, type Db, type StorageLogger } from './database.ts';
import { batchedNotify } from './notify.ts';
import { checkHealth, redactUrl } from './open-helpers.ts';
import { PgListener } from './pg-listener.ts';
import * as schema from './schema/index.ts';

export interface OpenDatabaseOptions {
  /** A PostgreSQL URL; unset or empty → embedded PGlite under `dataDir`. */
  databaseUrl?: string | undefined;
  /** The data folder (DATA_DIR); PGlite lives in `<dataDir>/pg`, its lock in `<dataDir>/pg.lock`. */
  dataDir: string;
  logger?: StorageLogger;
  /** Pool size on a server (default 10). */
  maxConnections?: number;
}

/** Opens the database the environment asks for. Does not migrate: call `migrate()` next. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const logger = options.logger ?? silentLogger;
  if (options.databaseUrl) return openPostgres(options.databaseUrl, logger, options.maxConnections ?? 10);
  // Loaded on demand: a server on PostgreSQL never loads PGlite's WebAssembly build.
  const { openPglite } = await import('./pglite-database.ts');
  return openPglite(options.dataDir, logger);
}

async function openPostgres(url: string, logger: StorageLogger, max: number): Promise<Database> {
  const label = redactUrl(url);
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection emits here; without a listener Node would crash.
  pool.on('error', (error) =>
    logger.warn({ err: error.message, database: label }, 'PostgreSQL idle connection error'),
  );
  const db: Db = drizzlePg({ client: pool, schema });
  try {
    await checkHealth(db, label);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  const listener = new PgListener(url, logger);
  logger.info({ database: label }, 'connected to PostgreSQL');
  let closed = false;
  return {
    kind: 'postgres',
    pool,
    db,
    location: label,
    healthCheck: () => checkHealth(db, label),
    listen: (channel, onPayload) => listener.listen(channel, onPayload),
    notify: batchedNotify(db),
    close: async () => {
      if (closed) return;
      closed = true;
      await listener.close();
      await pool.end();
    },
  };
}
