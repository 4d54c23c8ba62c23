import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { defaultConfigText, replaceOnce, repoRoot, tempDir, writeFile } from '../config/fixtures.ts';

const run = runCli;

const with2027 = replaceOnce(
  defaultConfigText,
  'years: {}',
  "years:\n    '2027': { holidays: [2027-01-01], workdays: [] }",
);

describe('bangban calendar is-workday', () => {
  it.each([
    ['2026-10-10', 'true'],
    ['2026-10-01', 'false'],
    ['2026-11-28', 'false'],
    ['2026-02-14', 'true'],
  ])('%s → %s', async (date, expected) => {
    const result = await run(['calendar', 'is-workday', date]);
    expect(result).toMatchObject({ code: 0, lastLine: expected, stderr: '' });
  });

  it('exits 2 naming the year when there is no holiday data', async () => {
    const result = await run(['calendar', 'is-workday', '2027-01-04']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/no holiday data for 2027 \(needed for 2027-01-04\)/);
  });

  it.each(['2026-13-40', '2026-02-30', 'soon'])('exits 2 on the bad date %s, naming it', async (date) => {
    const result = await run(['calendar', 'is-workday', date]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid date '${date}'`);
  });
});

describe('bangban calendar add-workdays', () => {
  it('prints the date as its last line', async () => {
    expect(await run(['calendar', 'add-workdays', '2026-09-30', '5'])).toMatchObject({
      code: 0,
      lastLine: '2026-10-13',
    });
  });

  it('counts backwards for a negative n', async () => {
    expect(await run(['calendar', 'add-workdays', '2026-10-08', '-1'])).toMatchObject({
      code: 0,
      lastLine: '2026-09-30',
    });
  });

  it('exits 2 when the count runs into a year without data', async () => {
    const result = await run(['calendar', 'add-workdays', '2026-12-30', '5']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('2027');
  });

  it('uses the year overrides of --config and of BANGBAN_CONFIG', async () => {
    const dir = tempDir();
    writeFile(dir, 'with-2027.yaml', with2027);
    const viaOption = await run(
      ['calendar', 'add-workdays', '2026-12-30', '3', '--config', 'with-2027.yaml'],
      { cwd: dir },
    );
    expect(viaOption).toMatchObject({ code: 0, lastLine: '2027-01-05' });
    const viaEnv = await run(['calendar', 'is-workday', '2027-01-01'], {
      cwd: dir,
      env: { BANGBAN_CONFIG: 'with-2027.yaml' },
    });
    expect(viaEnv).toMatchObject({ code: 0, lastLine: 'false' });
  });

  it.each([
    [['2026-09-30'], /expected 2 argument\(s\)/],
    [['2026-09-30', 'five'], /invalid number of working days 'five'/],
    [['2026-09-30', '5', '--bogus'], /Unknown option '--bogus'/],
    [['2026-09-30', '5', '--item', 'device-registration'], /add-workdays does not take --item/],
  ])('exits 2 on bad usage %j', async (args, message) => {
    const result = await run(['calendar', 'add-workdays', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});

describe('bangban calendar deadline, next-opening, working-seconds, years', () => {
  it('prints the end of the Nth working day after an event', async () => {
    const result = await run(['calendar', 'deadline', '2026-09-30T15:00', '5']);
    expect(result).toMatchObject({ code: 0, lastLine: '2026-10-13T23:59:59.999+08:00' });
  });

  it('prints Monday 09:00 for a Friday evening', async () => {
    const result = await run([
      'calendar',
      'next-opening',
      '2026-11-27T18:00',
      '--item',
      'device-registration',
    ]);
    expect(result).toMatchObject({ code: 0, lastLine: '2026-11-30T09:00:00+08:00' });
  });

  it('uses the office hours without --item and refuses an unknown item', async () => {
    expect(await run(['calendar', 'next-opening', '2026-11-27T12:00:00+08:00'])).toMatchObject({
      code: 0,
      lastLine: '2026-11-27T13:30:00+08:00',
    });
    const unknown = await run(['calendar', 'next-opening', '2026-11-27T12:00', '--item', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown service item 'nope'");
  });

  it('prints working seconds across lunch', async () => {
    const result = await run(['calendar', 'working-seconds', '2026-11-27T11:29:30', '2026-11-27T13:30:30']);
    expect(result).toMatchObject({ code: 0, lastLine: '60' });
  });

  it('lists the covered years', async () => {
    const result = await run(['calendar', 'years']);
    expect(result.lastLine?.split(' ').at(-1)).toBe('2026');
  });
});

describe('help and configuration errors', () => {
  it('prints the command help with --help', async () => {
    const result = await run(['calendar', '--help']);
    expect(result.code).toBe(0);
    for (const sub of [
      'is-workday',
      'add-workdays',
      'deadline',
      'next-opening',
      'working-seconds',
      'years',
    ]) {
      expect(result.stdout).toContain(sub);
    }
  });

  it.each(['is-workday', 'add-workdays', 'deadline', 'next-opening', 'working-seconds', 'years'])(
    'prints help for %s',
    async (sub) => {
      const result = await run(['calendar', sub, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: bangban calendar ${sub}`));
    },
  );

  it('exits 2 with usage for a missing or unknown subcommand', async () => {
    expect((await run(['calendar'])).code).toBe(2);
    const unknown = await run(['calendar', 'is-holiday', '2026-10-01']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown subcommand 'is-holiday'");
  });

  it('exits 2 with the path of a bad config field', async () => {
    const dir = tempDir();
    writeFile(
      dir,
      'config/default.yaml',
      replaceOnce(
        defaultConfigText,
        '- item: device-registration\n      weekdays: [2, 4]',
        '- item: device-registratio\n      weekdays: [2, 4]',
      ),
    );
    const result = await run(['calendar', 'is-workday', '2026-10-10'], { cwd: dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /config\/default\.yaml: rota\.shifts\[5\]\.item: unknown service item 'device-registratio'/,
    );
  });
});

describe('the real binary', () => {
  it('node bin/bangban.js calendar add-workdays 2026-09-30 5 prints 2026-10-13', () => {
    const result = spawnSync(
      process.execPath,
      ['bin/bangban.js', 'calendar', 'add-workdays', '2026-09-30', '5'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
        env: { ...process.env, BANGBAN_CONFIG: '' },
        timeout: 20_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('2026-10-13');
  });
});
