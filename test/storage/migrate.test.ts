import os from 'node:os';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, type Database } from '../../src/storage/database.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { databaseUrlFor } from '../helpers/db-template.ts';
import { backends, hasPostgres, useTestDatabase } from '../helpers/db.ts';

const TABLES = [
  'conversation_events',
  'conversations',
  'departments',
  'inbox',
  'messages',
  'outbox',
  'rota_shifts',
  'service_items',
  'staff',
  'staff_identities',
  'staff_leave',
  'timers',
];

describe.each(backends)('migrate on %s', (backend) => {
  const test = useTestDatabase(backend);

  it('finds a migrated database up to date', async () => {
    const result = await migrate(test.database);
    expect(result.applied).toEqual([]);
    expect(result.total).toBeGreaterThanOrEqual(2);
  });

  it('has created every table the core needs', async () => {
    const rows = await queryRows<{ table_name: string }>(
      test.database.db,
      sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
    );
    expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(TABLES));
  });
});

describe.skipIf(!hasPostgres)('migrate on a PostgreSQL server (needs TEST_DATABASE_URL)', () => {
  const adminUrl = process.env.TEST_DATABASE_URL ?? '';
  const name = `bangban_t_${process.pid}_migrate`;
  const opened: Database[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.query(`create database ${pg.escapeIdentifier(name)}`);
    await admin.end();
  });
  afterAll(async () => {
    await Promise.all(opened.map((d) => d.close()));
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    await admin.end();
  });

  it('lets two instances migrate an empty database at once: one applies, the other waits and finds nothing to do', async () => {
    const url = databaseUrlFor(adminUrl, name);
    opened.push(await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() }));
    opened.push(await openDatabase({ databaseUrl: url, dataDir: os.tmpdir() }));
    const results = await Promise.all(opened.map((d) => migrate(d)));
    const appliedCounts = results.map((r) => r.applied.length).sort();
    expect(appliedCounts).toEqual([0, results[0]!.total]);
    const [row] = await queryRows<{ n: number }>(
      opened[0]!.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(row?.n).toBe(results[0]!.total);
  });
});
