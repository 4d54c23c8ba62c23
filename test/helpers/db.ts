/**
 * A fresh, migrated database per test file — on PGlite always, and on the PostgreSQL server too
 * when TEST_DATABASE_URL is set (CI sets it).
 *
 *   import { backends, useTestDatabase } from '../helpers/db.ts';
 *
 *   describe.each(backends)('timers on %s', (backend) => {
 *     const test = useTestDatabase(backend);      // beforeAll: create, afterAll: drop
 *     it('…', async () => {
 *       const { db } = test.database;             // drizzle Db; also .kind, .listen, .notify …
 *     });
 *   });
 *
 * Or by hand: `const database = await createTestDatabase('pglite'); … await database.cleanup();`
 *
 * PGlite: test/global-setup.ts builds one migrated data folder per schema version (cached in the
 * OS temp folder) and dumps it; each call loads that dump into an in-memory PGlite (~0.9 s, no
 * disk writes; the file-backed path is covered by test/storage/open-database.test.ts). PostgreSQL: each call runs CREATE DATABASE … TEMPLATE
 * on a migrated template database and drops it on cleanup. Nothing is shared between files, and
 * tests inside one file share that file's database (use distinct keys/ids per test).
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Database } from '../../src/storage/database.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { databaseFromPglite } from '../../src/storage/pglite-database.ts';
import { databaseUrlFor, ensurePgliteTemplate, ensurePgTemplate } from './db-template.ts';

export type Backend = 'pglite' | 'postgres';

/** Backends this run can test: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export const backends: Backend[] = [
  'pglite',
  ...(process.env.TEST_DATABASE_URL ? (['postgres'] as const) : []),
];

export const hasPostgres = Boolean(process.env.TEST_DATABASE_URL);

export type TestDatabase = Database & {
  /** Closes the database and deletes it (in-memory copy or server database). Safe to call twice. */
  cleanup(): Promise<void>;
  /** postgres only: its URL, to open more connections (e.g. a second instance). */
  url?: string;
};

export async function createTestDatabase(backend: Backend = 'pglite'): Promise<TestDatabase> {
  return backend === 'pglite' ? createPgliteCopy() : createPostgresDatabase();
}

/** Registers beforeAll/afterAll for one database in the enclosing describe block. */
export function useTestDatabase(backend: Backend = 'pglite'): { readonly database: TestDatabase } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(backend);
  });
  afterAll(async () => {
    await current?.cleanup();
  });
  return {
    get database(): TestDatabase {
      if (!current) throw new Error('useTestDatabase: the database exists only inside tests and hooks');
      return current;
    },
  };
}

async function createPgliteCopy(): Promise<TestDatabase> {
  const template = inject('bangbanPgliteTemplate') ?? (await ensurePgliteTemplate());
  const pglite = await PGlite.create({ loadDataDir: new Blob([await readFile(template)]) });
  return withCleanup(databaseFromPglite(pglite, 'in-memory test copy'), async () => undefined);
}

async function createPostgresDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('createTestDatabase("postgres") needs TEST_DATABASE_URL');
  const template = inject('bangbanPgTemplate') ?? (await ensurePgTemplate(adminUrl));
  const name = `bangban_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(
    adminUrl,
    `create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(template)}`,
  );
  const url = databaseUrlFor(adminUrl, name);
  const database = await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() });
  const dropped = withCleanup(database, () =>
    adminQuery(adminUrl, `drop database if exists ${pg.escapeIdentifier(name)} with (force)`),
  );
  return Object.assign(dropped, { url });
}

function withCleanup(database: Database, remove: () => Promise<unknown>): TestDatabase {
  let done: Promise<void> | null = null;
  const cleanup = (): Promise<void> => {
    done ??= database.close().then(async () => {
      await remove();
    });
    return done;
  };
  return Object.assign(database, { cleanup });
}

/** CREATE DATABASE … TEMPLATE fails while anyone is connected to the template; retry briefly. */
async function adminQuery(url: string, text: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.query(text);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
