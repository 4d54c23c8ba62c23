import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaffCommand } from '../../src/cli/commands/staff.ts';
import type { CliIo } from '../../src/cli/command.ts';
import { ManualClock } from '../../src/clock.ts';
import { createDeskAuth } from '../../src/desk/desk-auth.ts';
import { loadDeskSecret } from '../../src/desk/desk-secret.ts';
import { checkLoginToken } from '../../src/desk/login-token.ts';
import { useTestDatabase } from '../helpers/db.ts';
import { repoRoot } from '../config/fixtures.ts';

describe('bangban staff', () => {
  const test = useTestDatabase('pglite');
  const clock = new ManualClock('2026-11-27T02:00:00Z');
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-staff-cli-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  const command = () =>
    createStaffCommand({ clock, openStore: async () => ({ db: test.database.db, close: async () => {} }) });

  async function run(args: string[], stdin = '') {
    let stdout = '';
    let stderr = '';
    const io: CliIo = {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      stdin: Readable.from(stdin === '' ? [] : [stdin]),
      env: { DATA_DIR: dataDir },
      cwd: repoRoot,
    };
    const code = await command().run(args, io);
    return { code, stdout, stderr, lastLine: stdout.trimEnd().split('\n').at(-1) ?? '' };
  }

  it('prints a one-time login URL whose token the server accepts for that staff member', async () => {
    const result = await run(['token', 'zhang-wei']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('valid until 2026-11-28T10:00:00+08:00');
    const url = new URL(result.lastLine);
    expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:3000/desk/login');
    const secret = await loadDeskSecret({ env: {}, dataDir });
    const check = checkLoginToken(url.searchParams.get('token')!, secret, clock.now());
    expect(check).toEqual({
      ok: true,
      claims: { staffId: 'zhang-wei', expiresAt: new Date('2026-11-28T02:00:00Z') },
    });
    expect((await stat(path.join(dataDir, 'desk-login.key'))).mode & 0o777).toBe(0o600);
  });

  it('uses --base-url and --ttl', async () => {
    const result = await run([
      'token',
      'zhang-wei',
      '--ttl',
      '2',
      '--base-url',
      'https://bangban.example.gov.cn/',
    ]);
    expect(result.lastLine).toMatch(/^https:\/\/bangban\.example\.gov\.cn\/desk\/login\?token=bl1\./);
    expect(result.stdout).toContain('valid until 2026-11-27T12:00:00+08:00');
  });

  it.each([
    [['token', 'no-such-person'], /unknown staff id 'no-such-person'/],
    [['token'], /missing <staff-id>/],
    [['tokens', 'zhang-wei'], /unknown subcommand 'tokens'/],
    [['token', 'zhang-wei', '--ttl', 'soon'], /--ttl must be a number of hours/],
    [['token', 'zhang-wei', '--ttl', '1000'], /at most 168/],
    [['token', 'zhang-wei', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses %j with a clear message', async (args, message) => {
    await expect(run(args)).rejects.toThrow(message);
  });

  it('sets a password from standard input that the desk then accepts', async () => {
    const result = await run(['password', 'zhang-wei'], 'a long passphrase\nignored second line\n');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('Desk password set for') });
    const auth = createDeskAuth({ database: test.database, clock, loginSecret: Buffer.alloc(32) });
    expect(await auth.loginWithPassword('zhang-wei', 'a long passphrase')).toMatchObject({
      staff: { id: 'zhang-wei' },
    });
    expect(await auth.loginWithPassword('zhang-wei', 'ignored second line')).toBeNull();
  });

  it('refuses a short or missing password and changes nothing', async () => {
    await expect(run(['password', 'zhang-wei'], 'short\n')).rejects.toThrow(/at least 8 characters/);
    await expect(run(['password', 'zhang-wei'], '')).rejects.toThrow(/no password on standard input/);
    const auth = createDeskAuth({ database: test.database, clock, loginSecret: Buffer.alloc(32) });
    expect(await auth.loginWithPassword('zhang-wei', 'a long passphrase')).not.toBeNull();
  });

  it('prints its help', async () => {
    const result = await run(['token', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: bangban staff');
  });
});
