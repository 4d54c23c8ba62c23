/**
 * Builds the migrated template databases test files copy (used by test/global-setup.ts, and by
 * test/helpers/db.ts as a fallback). Templates are cached by a hash of the migrations and the
 * PGlite version, so only the first run after a schema change pays for initdb + migrate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { migrate, MIGRATIONS_FOLDER } from '../../src/storage/migrate.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { databaseFromPglite } from '../../src/storage/pglite-database.ts';

const TEMPLATE_FORMAT = 1;

export async function templateHash(): Promise<string> {
  const hash = createHash('sha256').update(`format:${TEMPLATE_FORMAT}`);
  // The data folder format follows PGlite's version; its package.json is not exported, so find it.
  const pgliteEntry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  const pglitePackage = path.join(pgliteEntry.slice(0, pgliteEntry.lastIndexOf('/dist/')), 'package.json');
  hash.update(`pglite:${(JSON.parse(await readFile(pglitePackage, 'utf8')) as { version: string }).version}`);
  for (const file of await listFiles(MIGRATIONS_FOLDER)) {
    hash.update(path.relative(MIGRATIONS_FOLDER, file)).update(await readFile(file));
  }
  return hash.digest('hex').slice(0, 12);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? listFiles(path.join(dir, entry.name)) : [path.join(dir, entry.name)],
    ),
  );
  return nested.flat().sort();
}

/**
 * Path of a tarball of a migrated PGlite data folder (PGlite's own dumpDataDir format), built
 * once per schema version. Loading it into an in-memory PGlite takes well under a second and
 * writes nothing to disk, faster here than copying the 40 MB folder file by file.
 */
export async function ensurePgliteTemplate(): Promise<string> {
  const file = path.join(os.tmpdir(), `bangban-pglite-template-${await templateHash()}.tar`);
  if (existsSync(file)) return file;
  await removeOldTemplates(path.basename(file));
  const pglite = await PGlite.create();
  const database = databaseFromPglite(pglite, 'template');
  try {
    await migrate(database);
    const dump = await pglite.dumpDataDir('none');
    // Write aside and rename into place, so concurrent runs never read a half-written file.
    const building = `${file}.${process.pid}-${randomBytes(4).toString('hex')}`;
    await writeFile(building, Buffer.from(await dump.arrayBuffer()));
    await rename(building, file);
  } finally {
    await database.close();
  }
  return file;
}

/** Each schema change leaves a 40 MB tarball; drop those unused for an hour (not in use by a run). */
async function removeOldTemplates(current: string): Promise<void> {
  const dir = os.tmpdir();
  const names = (await readdir(dir)).filter((n) => n.startsWith('bangban-pglite-template-') && n !== current);
  for (const name of names) {
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info && Date.now() - info.mtimeMs > 3_600_000) await rm(path.join(dir, name), { force: true });
  }
}

export function databaseUrlFor(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Name of a migrated template database on the TEST_DATABASE_URL server; built once per schema version. */
export async function ensurePgTemplate(adminUrl: string): Promise<string> {
  const name = `bangban_tpl_${await templateHash()}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await dropLeftoverTestDatabases(admin);
    const found = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount) return name;
    const building = `${name}_b${randomBytes(3).toString('hex')}`;
    await admin.query(`create database ${pg.escapeIdentifier(building)}`);
    const database = await openDatabase({
      databaseUrl: databaseUrlFor(adminUrl, building),
      dataDir: os.tmpdir(),
    });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    try {
      await admin.query(
        `alter database ${pg.escapeIdentifier(building)} rename to ${pg.escapeIdentifier(name)}`,
      );
    } catch {
      await admin.query(`drop database if exists ${pg.escapeIdentifier(building)}`); // another run finished first
    }
    return name;
  } finally {
    await admin.end();
  }
}

/** Test databases are named bangban_t_<pid>_…; drop those whose process is gone (a killed run). */
async function dropLeftoverTestDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like 'bangban\\_t\\_%'`,
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[2]);
    if (Number.isInteger(pid) && !isAlive(pid)) {
      await admin
        .query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`)
        .catch(() => undefined);
    }
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
