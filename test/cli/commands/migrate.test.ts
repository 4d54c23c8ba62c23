import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../../src/cli/command.ts';
import { main } from '../../../src/cli/index.ts';
import { databaseUrlFor } from '../../helpers/db-template.ts';
import { hasPostgres } from '../../helpers/db.ts';

async function adminQuery(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of text.split('; ')) await client.query(statement);
  } finally {
    await client.end();
  }
}

function captureIo(env: NodeJS.ProcessEnv, cwd: string): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    stdin: new PassThrough(),
    env,
    cwd,
    out: () => out,
    err: () => err,
  };
}

describe('bangban migrate', () => {
  let cwd: string;
  beforeAll(async () => {
    cwd = await mkdtemp(path.join(os.tmpdir(), 'bangban-cli-migrate-'));
    await writeFile(path.join(cwd, 'a-file'), '');
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('creates and migrates the embedded database under DATA_DIR, then finds it up to date', async () => {
    const first = captureIo({ DATA_DIR: 'state' }, cwd);
    expect(await main(['migrate'], first)).toBe(0);
    expect(first.out()).toContain(path.join(cwd, 'state', 'pg'));
    expect(first.out()).toMatch(/applied (\d+) of \1 migrations: 0000_init/);
    const second = captureIo({ DATA_DIR: 'state' }, cwd);
    expect(await main(['migrate'], second)).toBe(0);
    expect(second.out()).toMatch(/already up to date/);
  });

  it('prints its help', async () => {
    const io = captureIo({}, cwd);
    expect(await main(['migrate', '--help'], io)).toBe(0);
    expect(io.out()).toContain('Usage: bangban migrate');
  });

  it('rejects extra arguments with exit code 2', async () => {
    const io = captureIo({}, cwd);
    expect(await main(['migrate', 'now'], io)).toBe(2);
    expect(io.err()).toContain("unexpected argument 'now'");
  });

  it('names an unusable data folder and exits 2', async () => {
    const io = captureIo({ DATA_DIR: 'a-file/data' }, cwd);
    expect(await main(['migrate'], io)).toBe(2);
    expect(io.err()).toContain(path.join(cwd, 'a-file', 'data'));
  });

  describe.skipIf(!hasPostgres)('with DATABASE_URL (skipped: set TEST_DATABASE_URL to run)', () => {
    const adminUrl = process.env.TEST_DATABASE_URL ?? '';
    const name = `bangban_t_${process.pid}_cli`;
    const admin = (text: string) => adminQuery(adminUrl, text);
    beforeAll(() => admin(`drop database if exists ${name} with (force); create database ${name}`));
    afterAll(() => admin(`drop database if exists ${name} with (force)`));

    it('migrates an empty server database, then finds it up to date, never printing the password', async () => {
      const url = new URL(databaseUrlFor(adminUrl, name));
      url.password = 'secret'; // the local server trusts everyone, so any password connects
      const first = captureIo({ DATABASE_URL: url.toString() }, cwd);
      expect(await main(['migrate'], first)).toBe(0);
      expect(first.out()).toMatch(/:\*\*\*@.*\(postgres\)\napplied (\d+) of \1 migrations: 0000_init/);
      const second = captureIo({ DATABASE_URL: url.toString() }, cwd);
      expect(await main(['migrate'], second)).toBe(0);
      expect(second.out()).toMatch(/already up to date/);
      expect(first.out() + second.out()).not.toContain('secret');
    });
  });
});
