import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/command.ts';
import { main } from '../../src/cli/index.ts';
import { ManualClock } from '../../src/clock.ts';
import { createCalendar } from '../../src/core/calendar.ts';
import { parseKbFile } from '../../src/kb/entry.ts';
import { recordGap } from '../../src/kb/gap-backlog.ts';
import { countEntries, getEntry } from '../../src/kb/store.ts';
import { openDatabase } from '../../src/storage/open-database.ts';
import type { Db } from '../../src/storage/database.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'bangban-kb-cli-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function run(argv: string[], stdin: string[] = []) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (chunk: string) => (stdout += chunk) },
    stderr: { write: (chunk: string) => (stderr += chunk) },
    stdin: Readable.from(stdin),
    env: { DATA_DIR: dataDir },
    cwd: repoRoot,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** Opens the CLI's database directly (the CLI closes it after each command). */
async function withDb<T>(use: (db: Db) => Promise<T>): Promise<T> {
  const database = await openDatabase({ dataDir: path.join(dataDir) });
  try {
    return await use(database.db);
  } finally {
    await database.close();
  }
}

describe('bangban kb help and usage', () => {
  it.each(['import', 'ask', 'gaps', 'export'])('kb %s --help prints its usage', async (sub) => {
    const result = await run(['kb', sub, '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(new RegExp(`^Usage: bangban kb ${sub}`));
  });

  it('kb --help lists the subcommands; kb alone and an unknown subcommand exit 2', async () => {
    expect((await run(['kb', '--help'])).stdout).toMatch(
      /import <file\|dir>\.\.\.[\s\S]*ask[\s\S]*gaps close <gapId> <entryId>/,
    );
    expect((await run(['kb'])).code).toBe(2);
    const unknown = await run(['kb', 'frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown subcommand 'frobnicate'");
  });

  it('rejects unknown options, an unknown item and options a subcommand does not take', async () => {
    expect((await run(['kb', 'ask', '--nope'])).code).toBe(2);
    const item = await run(['kb', 'ask', '--item', 'driving-licence', '问题']);
    expect(item.code).toBe(2);
    expect(item.stderr).toContain("unknown item 'driving-licence'");
    expect((await run(['kb', 'import', '--json', 'x.yaml'])).stderr).toContain(
      'kb import does not take --json',
    );
  });
});

describe('bangban kb on a fresh data folder', () => {
  it('`node bin/bangban.js kb ask --json` migrates, seeds and answers one JSON line per input line', () => {
    const questions = [
      '二类医疗器械注册需要提交哪些材料',
      '',
      '   ',
      '今天上海天气怎么样',
      '😀 药品生产许可证 expire 了怎么办？',
      '械'.repeat(10_000),
    ];
    const child = spawnSync(process.execPath, ['bin/bangban.js', 'kb', 'ask', '--json'], {
      cwd: repoRoot,
      input: `${questions.join('\n')}\n`,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const lines = child.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => l.question)).toEqual(questions);
    for (const line of lines) {
      expect(Object.keys(line)).toEqual(['question', 'decision', 'answer', 'entryId', 'score']);
      expect(typeof line.score).toBe('number');
      if (line.decision === 'answer')
        expect(typeof line.answer === 'string' && typeof line.entryId === 'string').toBe(true);
      else expect(line).toMatchObject({ decision: 'handoff', answer: null, entryId: null });
    }
    expect(lines[0]).toMatchObject({
      decision: 'answer',
      entryId: 'device-registration.application-dossier',
    });
    expect(lines.slice(1, 4).map((l) => l.decision)).toEqual(['handoff', 'handoff', 'handoff']);
  }, 180_000);

  it('kb ask "<question>" prints a readable answer', async () => {
    const result = await run(['kb', 'ask', '化妆品生产许可证有效期多久']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^question: 化妆品生产许可证有效期多久\ndecision: answer \(score 0\.\d{3}\)\nentry: cosmetics-production-license\.\S+ — /,
    );
    expect(result.stdout).toContain('5年');
  });

  it('kb ask reads stdin lines (readable and JSON) and keeps one answer per line', async () => {
    const json = await run(
      ['kb', 'ask', '--json', '--item', 'device-registration'],
      ['注册证丢了\n', '\n', '延续注册什么时候申请'],
    );
    expect(json.stdout.trimEnd().split('\n')).toHaveLength(3);
    expect(JSON.parse(json.stdout.split('\n')[1]!)).toEqual({
      question: '',
      decision: 'handoff',
      answer: null,
      entryId: null,
      score: 0,
    });
    const text = await run(['kb', 'ask'], ['营业执照怎么办理\n']);
    expect(text.stdout).toMatch(/^question: 营业执照怎么办理\ndecision: handoff \(/);
  });

  it('kb import rejects bad files with one line per problem, exit 2, and writes nothing', async () => {
    const before = await withDb((db) => countEntries(db));
    const result = await run(['kb', 'import', 'test/fixtures/kb/small.yaml', 'test/fixtures/kb/bad.yaml']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('bangban kb import: rejected, nothing written (3 problem(s)):\n');
    expect(result.stderr).toContain(
      'test/fixtures/kb/bad.yaml:11: entries[1].column: is required (entry fixture.bad-no-column)\n',
    );
    expect(result.stderr).toMatch(
      /test\/fixtures\/kb\/bad\.yaml:19: entries\[2\]\.item: unknown service item/,
    );
    expect(await withDb((db) => countEntries(db))).toBe(before);
  });

  it('kb import writes valid files, prints progress on stderr and a summary', async () => {
    const result = await run([
      'kb',
      'import',
      'test/fixtures/kb/small.yaml',
      'test/fixtures/kb/small.json',
      '--by',
      'alice',
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(
      'read test/fixtures/kb/small.yaml: 2 entries\nread test/fixtures/kb/small.json: 1 entries\nwritten 3/3\n',
    );
    expect(result.stdout).toBe(
      'imported 3 entries from test/fixtures/kb/small.yaml, test/fixtures/kb/small.json: 3 created, 0 updated, 0 unchanged\n',
    );
    expect(await withDb((db) => getEntry(db, 'fixture.device-fee'))).toMatchObject({
      updatedBy: 'alice',
      version: 1,
    });
  });

  it('kb gaps lists open and overdue gaps, and kb gaps close links an entry', async () => {
    const clock = new ManualClock('2026-09-30T02:00:00Z');
    const { gap } = await withDb((db) =>
      recordGap(
        db,
        { question: '二类械注册证能转让吗', item: 'device-registration', reason: 'low_confidence' },
        { clock, calendar: createCalendar() },
      ),
    );
    expect((await run(['kb', 'gaps'])).stdout).toBe(
      `#${gap.id}  due 2026-10-13  ×1  device-registration  二类械注册证能转让吗\n`,
    );
    expect((await run(['kb', 'gaps', '--overdue', '--at', '2026-10-13T23:00'])).stdout).toBe(
      'no overdue KB gaps\n',
    );
    expect((await run(['kb', 'gaps', '--overdue', '--at', '2026-10-14'])).stdout).toContain(
      `#${gap.id}  due 2026-10-13`,
    );
    expect(JSON.parse((await run(['kb', 'gaps', '--json'])).stdout)).toMatchObject({
      id: gap.id,
      occurrences: 1,
    });

    const missing = await run(['kb', 'gaps', 'close', String(gap.id), 'no.such-entry']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no KB entry with id "no.such-entry"');
    const closed = await run(['kb', 'gaps', 'close', String(gap.id), 'fixture.device-fee', '--by', 'bob']);
    expect(closed).toMatchObject({
      code: 0,
      stdout: `closed gap #${gap.id} with entry fixture.device-fee\n`,
    });
    expect((await run(['kb', 'gaps'])).stdout).toBe('no open KB gaps\n');
    const again = await run(['kb', 'gaps', 'close', String(gap.id), 'fixture.device-fee']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('already closed by bob');
  });

  it('kb export writes a file kb import reads back', async () => {
    const file = path.join(dataDir, 'export.yaml');
    const result = await run(['kb', 'export', file, '--status', 'draft']);
    expect(result).toMatchObject({ code: 0, stdout: `exported 1 entries to ${file}\n` });
    const entries = parseKbFile(await readFile(file, 'utf8'), file);
    expect(entries).toEqual([(await withDb((db) => getEntry(db, 'fixture.general-hotline')))!.entry]);
  });
});
