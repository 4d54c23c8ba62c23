import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/storage/migrate.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import { queryRows, type Database } from '../../src/storage/database.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

describe('openDatabase with PGlite', () => {
  let root: string;
  let dataDir: string;
  let database: Database;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'bangban-open-'));
    dataDir = path.join(root, 'nested', 'data');
    database = await openDatabase({ dataDir });
  });
  afterAll(async () => {
    await database.close();
    await rm(root, { recursive: true, force: true });
  });

  it('creates missing parent folders and the database in <dataDir>/pg', async () => {
    expect(database.kind).toBe('pglite');
    expect(existsSync(path.join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
    await expect(database.healthCheck()).resolves.toBeUndefined();
  });

  it('holds <dataDir>/pg.lock with its pid while open', async () => {
    expect((await readFile(path.join(dataDir, 'pg.lock'), 'utf8')).trim()).toBe(String(process.pid));
    await expect(openDatabase({ dataDir })).rejects.toMatchObject({ code: 'storage_unavailable' });
  });

  it('migrates a new folder', async () => {
    const result = await migrate(database);
    expect(result.applied).toContain('0000_init');
    expect(result.applied).toHaveLength(result.total);
  });

  it('releases the lock on close (twice is harmless) and reopens the existing folder', async () => {
    await database.close();
    await database.close();
    expect(existsSync(path.join(dataDir, 'pg.lock'))).toBe(false);
    database = await openDatabase({ dataDir });
    expect((await migrate(database)).applied).toEqual([]);
  });
});

describe('openDatabase refuses unusable data folders', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'bangban-bad-'));
    await writeFile(path.join(root, 'a-file'), 'not a folder');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('names the folder when a part of its path is a file', async () => {
    const dataDir = path.join(root, 'a-file', 'data');
    await expect(openDatabase({ dataDir })).rejects.toMatchObject({
      code: 'storage_unavailable',
      message: expect.stringContaining(dataDir),
    });
  });

  it('names <dataDir>/pg when it is a file', async () => {
    const dataDir = path.join(root, 'data');
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'pg'), 'oops');
    await expect(openDatabase({ dataDir })).rejects.toThrow(
      `${path.join(dataDir, 'pg')} exists but is not a folder`,
    );
    expect(existsSync(path.join(dataDir, 'pg.lock'))).toBe(false);
  });
});

describe('openDatabase with a PostgreSQL URL', () => {
  it('fails with storage_unavailable and no password in the message when the server is unreachable', async () => {
    const attempt = openDatabase({
      databaseUrl: 'postgres://bangban:secret@127.0.0.1:1/nothing',
      dataDir: os.tmpdir(),
    });
    await expect(attempt).rejects.toMatchObject({ code: 'storage_unavailable' });
    await expect(attempt).rejects.not.toThrow('secret');
  });
});

describe.each(backends)('an open %s database', (backend) => {
  const test = useTestDatabase(backend);

  it('answers the health check and reports its kind', async () => {
    expect(test.database.kind).toBe(backend);
    await expect(test.database.healthCheck()).resolves.toBeUndefined();
  });

  it('delivers NOTIFY to listeners, and after commit only', async () => {
    const received: string[] = [];
    const unlisten = await test.database.listen('bangban_test_channel', (payload) => received.push(payload));
    await test.database.notify('bangban_test_channel', 'outside');
    await test.database.db
      .transaction(async (tx) => {
        await tx.execute(`select pg_notify('bangban_test_channel', 'rolled-back')`);
        throw new Error('roll back');
      })
      .catch(() => undefined);
    await test.database.db.transaction(async (tx) => {
      await tx.execute(`select pg_notify('bangban_test_channel', 'committed')`);
    });
    await expect.poll(() => received, { timeout: 2000 }).toEqual(['outside', 'committed']);
    await unlisten();
  });

  it('sends what is published in one turn as one NOTIFY statement, in order', async () => {
    const received: string[] = [];
    const unlisten = await test.database.listen('bangban_batch_channel', (payload) => received.push(payload));
    await Promise.all(['a', 'b', 'c'].map((p) => test.database.notify('bangban_batch_channel', p)));
    await test.database.notify('bangban_batch_channel', 'd');
    await expect.poll(() => received, { timeout: 2000 }).toEqual(['a', 'b', 'c', 'd']);
    await unlisten();
  });

  it.runIf(backend === 'postgres')('listens again after its connection is killed', async () => {
    const received: string[] = [];
    const unlisten = await test.database.listen('bangban_reconnect', (payload) => received.push(payload));
    const killed = await queryRows(
      test.database.db,
      sql`select pg_terminate_backend(pid) from pg_stat_activity
          where datname = current_database() and query ilike 'LISTEN%' and pid <> pg_backend_pid()`,
    );
    expect(killed).toHaveLength(1);
    await expect
      .poll(
        async () => {
          await test.database.notify('bangban_reconnect', 'again');
          return received.length;
        },
        { timeout: 5000, interval: 200 },
      )
      .toBeGreaterThan(0);
    await unlisten();
  });
});
