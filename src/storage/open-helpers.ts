/** Small helpers both database kinds use when opening (health check, folder checks, labels). */
import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { AppError } from '../core/errors.ts';
import type { Db } from './database.ts';

export async function checkHealth(db: Db, label: string): Promise<void> {
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
export async function prepareFolder(dataDir: string, folderLabel: string): Promise<void> {
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

export async function ensureDirectoryOrAbsent(folder: string, label: string): Promise<void> {
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
export function displayPath(p: string): string {
  if (path.isAbsolute(p) || p.startsWith('.')) return p;
  return `./${p}`;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'PostgreSQL (unparsable DATABASE_URL)';
  }
}
