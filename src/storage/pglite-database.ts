/**
 * The embedded database (PGlite). Loaded only when DATABASE_URL is unset (openDatabase imports it
 * on demand), so a server on PostgreSQL never loads the WebAssembly build.
 */
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { AppError } from '../core/errors.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';
import type { Database, Db, StorageLogger } from './database.ts';
import { batchedNotify } from './notify.ts';
import { checkHealth, displayPath, ensureDirectoryOrAbsent, prepareFolder } from './open-helpers.ts';
import * as schema from './schema/index.ts';

export async function openPglite(dataDir: string, logger: StorageLogger): Promise<Database> {
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
