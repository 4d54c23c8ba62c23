import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import { AppError } from '../core/errors.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import { silentLogger, type Database, type Db, type StorageLogger } from './database.ts';
import { batchedNotify } from './notify.ts';
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
  return openPglite(options.dataDir, logger);
}

async function openPglite(dataDir: string, logger: StorageLogger): Promise<Database> {
  const folder = path.join(dataDir, 'pg');
  const label = displayPath(folder);
  await prepareFolder(dataDir, label);
  const lock = await acquireDataDirLock(`${folder}.lock`, label);
  let pglite: PGlite;
  try {
    await ensureDirectoryOrAbsent(folder, label);
    pglite = await PGlite.create(folder);
  } catch (error) {
    await lock.release();
    if (error instanceof AppError) throw error;
    throw new AppError(
      'storage_unavailable',
      `cannot open the embedded database in ${label}: ${(error as Error).message}`,
      {
        cause: error,
        details: { folder: label },
      },
    );
  }
  logger.info({ folder: label }, 'opened embedded PostgreSQL (PGlite)');
  return databaseFromPglite(pglite, label, () => lock.release());
}

/**
 * Wraps a PGlite instance that is already open (tests load an in-memory copy of a migrated
 * template this way). `onClose` runs after PGlite closes.
 */
export function databaseFromPglite(
  pglite: PGlite,
  location: string,
  onClose?: () => Promise<void>,
): Database {
  const db: Db = drizzlePglite({ client: pglite, schema });
  let closed = false;
  return {
    kind: 'pglite',
    pglite,
    db,
    location,
    healthCheck: () => checkHealth(db, location),
    listen: async (channel, onPayload) => {
      const unsubscribe = await pglite.listen(channel, onPayload);
      return async () => {
        if (!pglite.closed) await unsubscribe();
      };
    },
    notify: batchedNotify(db),
    close: async () => {
      if (closed) return;
      closed = true;
      await pglite.close();
      await onClose?.();
    },
  };
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

async function checkHealth(db: Db, label: string): Promise<void> {
  try {
    await db.execute(sql`select 1`);
  } catch (error) {
    throw new AppError(
      'storage_unavailable',
      `database ${label} does not answer: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Creates the data folder (and parents) and checks we may read and write it. */
async function prepareFolder(dataDir: string, folderLabel: string): Promise<void> {
  const dataLabel = displayPath(dataDir);
  try {
    await mkdir(dataDir, { recursive: true });
    await access(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new AppError(
      'storage_unavailable',
      `cannot use data folder ${dataLabel} for ${folderLabel}: ${describeFsError(error)}`,
      { cause: error, details: { folder: dataLabel } },
    );
  }
}

async function ensureDirectoryOrAbsent(folder: string, label: string): Promise<void> {
  const info = await stat(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw new AppError('storage_unavailable', `cannot use ${label}: ${describeFsError(error)}`, {
      cause: error,
    });
  });
  if (info && !info.isDirectory()) {
    throw new AppError('storage_unavailable', `${label} exists but is not a folder`, {
      details: { folder: label },
    });
  }
  if (info) {
    await access(folder, constants.R_OK | constants.W_OK | constants.X_OK).catch((error: unknown) => {
      throw new AppError('storage_unavailable', `cannot use ${label}: ${describeFsError(error)}`, {
        cause: error,
      });
    });
  }
}

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied (it must be readable and writable)';
  if (code === 'ENOTDIR') return 'a part of the path is a file, not a folder';
  if (code === 'EROFS') return 'the file system is read-only';
  return (error as Error).message;
}

/** Relative paths keep their leading `./` so messages match what the user typed. */
function displayPath(p: string): string {
  if (path.isAbsolute(p) || p.startsWith('.')) return p;
  return `./${p}`;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'PostgreSQL (unparsable DATABASE_URL)';
  }
}
