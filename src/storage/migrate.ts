import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { AppError } from '../core/errors.ts';
import { queryRows, type Database, type Db } from './database.ts';
import * as schema from './schema/index.ts';

/** drizzle-kit's output folder; the same SQL files apply on PGlite and on a server. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Any fixed number: instances starting together on one server take turns migrating. */
const MIGRATION_LOCK_KEY = 4_242_001;

export interface MigrationResult {
  /** Tags of the migrations this call applied, oldest first (e.g. `0000_init`). */
  applied: string[];
  /** How many migrations the folder holds in total. */
  total: number;
}

interface JournalEntry {
  tag: string;
  when: number;
}

/** Applies every pending migration in `drizzle/`, in one transaction. */
export async function migrate(database: Database): Promise<MigrationResult> {
  const journal = await readJournal();
  try {
    if (database.kind === 'pglite') {
      // One in-process session: nothing else can migrate this folder (the lock file sees to that).
      const before = await lastAppliedAt(database.db);
      const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
      await migratePglite(database.db as unknown as PgliteDatabase<typeof schema>, {
        migrationsFolder: MIGRATIONS_FOLDER,
      });
      return result(journal, before);
    }
    const client = await database.pool.connect();
    try {
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        const db = drizzlePg({ client, schema });
        const before = await lastAppliedAt(db);
        await migratePg(db, { migrationsFolder: MIGRATIONS_FOLDER });
        return result(journal, before);
      } finally {
        await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(
      'storage_unavailable',
      `migrating ${database.location} failed: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

function result(journal: JournalEntry[], appliedBefore: number): MigrationResult {
  return {
    applied: journal.filter((entry) => entry.when > appliedBefore).map((entry) => entry.tag),
    total: journal.length,
  };
}

async function readJournal(): Promise<JournalEntry[]> {
  const text = await readFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8');
  return (JSON.parse(text) as { entries: JournalEntry[] }).entries;
}

/** drizzle records each applied migration's journal `when` in drizzle.__drizzle_migrations. */
async function lastAppliedAt(db: Db): Promise<number> {
  const [exists] = await queryRows<{ present: boolean }>(
    db,
    sql`select to_regclass('drizzle.__drizzle_migrations') is not null as present`,
  );
  if (!exists?.present) return 0;
  const [row] = await queryRows<{ last: string | number | null }>(
    db,
    sql`select max(created_at)::text as last from drizzle.__drizzle_migrations`,
  );
  return row?.last == null ? 0 : Number(row.last);
}
