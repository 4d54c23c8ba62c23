import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.ts';
import { loadKbDirectory } from '../../src/kb/entry.ts';
import { importKbFiles, type ImportProgress } from '../../src/kb/import.ts';
import { countEntries, getEntry, listEntries } from '../../src/kb/store.ts';
import { makeEntry } from '../fixtures/kb/entries.ts';
import { CHINESE_HEADER, writeWorkbook } from '../fixtures/kb/workbook.ts';
import { backends, useTestDatabase } from '../helpers/db.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');
const fixtures = 'test/fixtures/kb';
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'bangban-kb-import-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** The lines of the validation error an import throws (details.errors). */
async function importErrors(promise: Promise<unknown>): Promise<string[]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toMatchObject({ code: 'validation_failed' });
  return (error as { details: { errors: string[] } }).details.errors;
}

describe.each(backends)('importKbFiles on %s', (backend) => {
  const test = useTestDatabase(backend);
  const clock = new ManualClock('2026-09-30T02:00:00Z');
  const options = { actor: 'import:test', clock, cwd: repoRoot };

  it('imports the seed folder (every entry once) and a second run changes nothing', async () => {
    const seed = loadKbDirectory(path.join(repoRoot, 'config/kb'));
    const first = await importKbFiles(test.database.db, ['config/kb'], options);
    expect(first.created).toHaveLength(seed.length);
    expect(first.files).not.toContain(path.join('config/kb', 'synonyms.yaml'));
    expect(await listEntries(test.database.db)).toEqual([...seed].sort((a, b) => (a.id < b.id ? -1 : 1)));

    const second = await importKbFiles(test.database.db, ['config/kb/'], options);
    expect(second).toMatchObject({ created: [], updated: [] });
    expect(second.unchanged).toHaveLength(seed.length);
  });

  it('imports YAML and JSON files with the file item as default', async () => {
    const result = await importKbFiles(
      test.database.db,
      [`${fixtures}/small.yaml`, `${fixtures}/small.json`],
      options,
    );
    expect(result.created).toEqual([
      'fixture.cosmetics-fee',
      'fixture.general-hotline',
      'fixture.device-fee',
    ]);
    expect((await getEntry(test.database.db, 'fixture.cosmetics-fee'))!.entry).toMatchObject({
      item: 'cosmetics-production-license',
      status: 'published',
      needsConfirmation: false,
    });
    expect((await getEntry(test.database.db, 'fixture.general-hotline'))!.entry).toMatchObject({
      item: 'general',
      status: 'draft',
      publishDate: '2024-01-02',
      sourceUrl: 'https://12345.sh.gov.cn/',
    });
    expect(await getEntry(test.database.db, 'fixture.device-fee')).toMatchObject({
      entry: { needsConfirmation: true, facts: ['QZ10'] },
      updatedBy: 'import:test',
    });
  });

  it('imports an .xlsx sheet with Chinese headers, names and list separators', async () => {
    const file = path.join(tmp, `zh-${backend}.xlsx`);
    await writeWorkbook(
      file,
      [...CHINESE_HEADER, '备注'],
      [
        [
          'xlsx.zh-one',
          '常见问题',
          '第二类医疗器械产品注册',
          '注册证丢了怎么办',
          '注册证遗失\n注册证书丢失怎么补办；证书损毁',
          '可申请补办。',
          '补办、遗失，损毁',
          '测试来源',
          { text: '办事指南', hyperlink: 'https://zwdt.sh.gov.cn/guide' },
          new Date(Date.UTC(2021, 5, 1)),
          '2021/3/8',
          '已发布',
          '器械注册处',
          '否',
          'a remark that is ignored',
        ],
        [],
        [
          'xlsx.zh-two',
          '部门信息',
          '通用',
          '地址',
          null,
          '地址在某路1号。',
          null,
          '测试来源',
          null,
          null,
          null,
          '草稿',
          '综合处',
          '是',
        ],
      ],
    );
    const result = await importKbFiles(test.database.db, [file], options);
    expect(result.created).toEqual(['xlsx.zh-one', 'xlsx.zh-two']);
    expect((await getEntry(test.database.db, 'xlsx.zh-one'))!.entry).toEqual({
      id: 'xlsx.zh-one',
      column: '常见问题',
      item: 'device-registration',
      title: '注册证丢了怎么办',
      questions: ['注册证遗失', '注册证书丢失怎么补办', '证书损毁'],
      answer: '可申请补办。',
      keywords: ['补办', '遗失', '损毁'],
      source: '测试来源',
      sourceUrl: 'https://zwdt.sh.gov.cn/guide',
      effectiveDate: '2021-06-01',
      publishDate: '2021-03-08',
      status: 'published',
      maintainer: 'device-reg',
      needsConfirmation: false,
      facts: [],
    });
    expect((await getEntry(test.database.db, 'xlsx.zh-two'))!.entry).toMatchObject({
      item: 'general',
      status: 'draft',
      maintainer: 'general-office',
      needsConfirmation: true,
      questions: [],
    });
  });

  it('imports an .xlsx sheet with English headers in any order', async () => {
    const file = path.join(tmp, `en-${backend}.xlsx`);
    await writeWorkbook(
      file,
      [
        'Title',
        'ID',
        'Item',
        'Column',
        'Answer',
        'Source',
        'Maintainer',
        'Needs Confirmation',
        'Facts',
        'Status',
      ],
      [
        [
          '英文表头',
          'xlsx.en-one',
          'drug-production-license',
          '网上办事指引',
          '答案',
          '来源',
          'drug-sup',
          true,
          'D01, D02',
          'retired',
        ],
      ],
    );
    await importKbFiles(test.database.db, [file], options);
    expect((await getEntry(test.database.db, 'xlsx.en-one'))!.entry).toMatchObject({
      title: '英文表头',
      item: 'drug-production-license',
      needsConfirmation: true,
      facts: ['D01', 'D02'],
      status: 'retired',
    });
  });

  it('reports every YAML/JSON problem with file, line and field, and writes nothing', async () => {
    const before = await countEntries(test.database.db);
    const errors = await importErrors(
      importKbFiles(
        test.database.db,
        [`${fixtures}/small.yaml`, `${fixtures}/bad.yaml`, `${fixtures}/bad.json`],
        options,
      ),
    );
    expect(errors).toEqual([
      `${fixtures}/bad.yaml:11: entries[1].column: is required (entry fixture.bad-no-column)`,
      expect.stringMatching(
        new RegExp(
          `^${fixtures}/bad\\.yaml:19: entries\\[2\\]\\.item: unknown service item "driving-licence" .*\\(entry fixture\\.bad-item\\)$`,
        ),
      ),
      `${fixtures}/bad.yaml:23: entries[2].effectiveDate: expected a date YYYY-MM-DD, got "2021-02-30" (entry fixture.bad-item)`,
      expect.stringMatching(
        new RegExp(`^${fixtures}/bad\\.json:10: entries\\[0\\]\\.status: unknown status "live"`),
      ),
    ]);
    expect(await countEntries(test.database.db)).toBe(before);
    expect(await getEntry(test.database.db, 'fixture.bad-ok')).toBeUndefined();
  });

  it('reports every spreadsheet problem with file, row and header, and writes nothing', async () => {
    const file = path.join(tmp, `bad-${backend}.xlsx`);
    await writeWorkbook(file, CHINESE_HEADER, [
      [
        'xlsx.bad-ok',
        '常见问题',
        'device-registration',
        '好的',
        null,
        '答案',
        null,
        '来源',
        null,
        null,
        null,
        null,
        'device-reg',
        null,
      ],
      [
        'xlsx.bad-no-column',
        null,
        'device-registration',
        '缺栏目',
        null,
        '答案',
        null,
        '来源',
        null,
        null,
        null,
        null,
        'device-reg',
        null,
      ],
      [
        'xlsx.bad-item',
        '常见问题',
        '驾驶证',
        '未知事项',
        null,
        '答案',
        null,
        '来源',
        'not a url',
        null,
        null,
        null,
        'device-reg',
        '也许',
      ],
      [
        'xlsx.bad-no-item',
        '常见问题',
        null,
        '缺事项',
        null,
        '答案',
        null,
        '来源',
        null,
        null,
        null,
        null,
        'device-reg',
        null,
      ],
    ]);
    const before = await countEntries(test.database.db);
    const errors = await importErrors(importKbFiles(test.database.db, [file], options));
    expect(errors).toEqual([
      `${file}:3: 栏目: is required (entry xlsx.bad-no-column)`,
      expect.stringMatching(
        new RegExp(`^${escape(file)}:4: 事项: unknown service item "驾驶证" .*\\(entry xlsx\\.bad-item\\)$`),
      ),
      `${file}:4: 链接: expected an http(s) URL (entry xlsx.bad-item)`,
      `${file}:4: 需核实: expected true or false (entry xlsx.bad-item)`,
      `${file}:5: 事项: is required (entry xlsx.bad-no-item)`,
    ]);
    expect(await countEntries(test.database.db)).toBe(before);
    expect(await getEntry(test.database.db, 'xlsx.bad-ok')).toBeUndefined();
  });

  it('rejects a sheet whose header row lacks a required column or has an unknown one', async () => {
    const file = path.join(tmp, `header-${backend}.xlsx`);
    await writeWorkbook(
      file,
      ['编号', '栏目', '事项', '标题', '答按', '来源', '维护处室'],
      [['xlsx.h', '常见问题', 'general', 't', 'a', 's', 'legal']],
    );
    const errors = await importErrors(importKbFiles(test.database.db, [file], options));
    expect(errors).toEqual([
      expect.stringMatching(
        new RegExp(`^${escape(file)}:1: 答按: unknown column header \\(expected one of id/编号, column/栏目`),
      ),
      `${file}:1: answer/答案: required column header is missing`,
    ]);
  });

  it('rejects an id used twice across files, naming both places', async () => {
    const file = path.join(tmp, `dup-${backend}.xlsx`);
    await writeWorkbook(file, CHINESE_HEADER, [
      [
        'fixture.device-fee',
        '常见问题',
        'device-registration',
        '重复',
        null,
        '答案',
        null,
        '来源',
        null,
        null,
        null,
        null,
        'device-reg',
        null,
      ],
    ]);
    const errors = await importErrors(
      importKbFiles(test.database.db, [`${fixtures}/small.json`, file], options),
    );
    expect(errors).toEqual([
      `${file}:2: 编号: duplicate id "fixture.device-fee" (first in ${fixtures}/small.json:4)`,
    ]);
  });

  it('names missing paths and unsupported file types', async () => {
    const csv = path.join(tmp, 'kb.csv');
    await writeFile(csv, 'id,title\n');
    const errors = await importErrors(importKbFiles(test.database.db, ['no/such/kb.yaml', csv], options));
    expect(errors).toEqual([
      'no/such/kb.yaml: no such file or folder',
      `${csv}: unsupported file type (expected .yaml, .yml, .json or .xlsx)`,
    ]);
  });

  it('reports read progress every 500 rows and write progress every 500 entries', async () => {
    const file = path.join(tmp, `large-${backend}.xlsx`);
    const rows = Array.from({ length: 1200 }, (_, i) => {
      const e = makeEntry(`large.${i}`);
      return [
        e.id,
        e.column,
        e.item,
        e.title,
        e.questions.join('\n'),
        e.answer,
        e.keywords.join('、'),
        e.source,
        null,
        null,
        null,
        null,
        e.maintainer,
        null,
      ];
    });
    await writeWorkbook(file, CHINESE_HEADER, rows);
    const seen: ImportProgress[] = [];
    const result = await importKbFiles(test.database.db, [file], {
      ...options,
      onProgress: (p) => seen.push(p),
    });
    expect(result.created).toHaveLength(1200);
    expect(seen).toEqual([
      { stage: 'read', file, entries: 500 },
      { stage: 'read', file, entries: 1000 },
      { stage: 'read', file, entries: 1200 },
      { stage: 'write', done: 500, total: 1200 },
      { stage: 'write', done: 1000, total: 1200 },
      { stage: 'write', done: 1200, total: 1200 },
    ]);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
