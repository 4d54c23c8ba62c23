import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { AppError } from '../../src/core/errors.ts';
import {
  formatKbIssue,
  KB_DEPARTMENTS,
  KB_ITEMS,
  loadKbDirectory,
  parseKbFile,
  type KbIssue,
} from '../../src/kb/entry.ts';

const fixtures = path.join(import.meta.dirname, 'fixtures');

function issuesOf(run: () => unknown): KbIssue[] {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AppError);
  expect((caught as AppError).code).toBe('validation_failed');
  return (caught as AppError).details!.errors as KbIssue[];
}

const minimal = (extra = '') => `item: device-registration
entries:
  - id: device-registration.a
    column: 常见问题
    title: 标题
    answer: 回答
    source: 《条例》第一条
    maintainer: device-reg
${extra}`;

describe('parseKbFile', () => {
  it('fills defaults and resolves the item from the file', () => {
    const [entry] = parseKbFile(minimal(), 'x.yaml');
    expect(entry).toMatchObject({
      id: 'device-registration.a',
      item: 'device-registration',
      status: 'published',
      needsConfirmation: false,
      questions: [],
      keywords: [],
      facts: [],
    });
  });

  it('reads JSON by extension and keeps unquoted numbers as text', () => {
    const json = JSON.stringify({
      item: 'general',
      entries: [
        {
          id: 'general.x',
          column: '热线电话',
          title: 't',
          answer: 'a',
          source: 's',
          maintainer: 'general-office',
          keywords: [12345],
        },
      ],
    });
    expect(parseKbFile(json, 'x.json')[0]!.keywords).toEqual(['12345']);
  });

  it('names the file, the entry and the field for a bad column', () => {
    const text = minimal().replace('column: 常见问题', 'column: FAQ');
    expect(() => parseKbFile(text, 'config/kb/x.yaml')).toThrow(
      /config\/kb\/x\.yaml: entries\[0\]\.column: unknown column "FAQ".*\(entry device-registration\.a\)/,
    );
  });

  it('rejects an unknown service item, a missing source, a bad date and an unknown field, all at once', () => {
    const text = `item: general
entries:
  - id: general.a
    column: 常见问题
    item: vaccines
    title: t
    answer: a
    source: s
    maintainer: general-office
  - id: general.b
    column: 常见问题
    title: t
    answer: a
    maintainer: general-office
    effectiveDate: 2024-02-30
    anwser: typo
`;
    const issues = issuesOf(() => parseKbFile(text, 'k.yaml'));
    expect(issues.map(formatKbIssue)).toEqual([
      expect.stringMatching(/^k\.yaml: entries\[0\]\.item: unknown service item "vaccines"/),
      expect.stringMatching(/^k\.yaml: entries\[1\]\.source: is required \(entry general\.b\)$/),
      expect.stringMatching(
        /^k\.yaml: entries\[1\]\.effectiveDate: expected a date YYYY-MM-DD, got "2024-02-30"/,
      ),
      expect.stringMatching(/^k\.yaml: entries\[1\]: unknown field\(s\) "anwser"/),
    ]);
  });

  it('rejects an unknown item at file level and unparsable text', () => {
    expect(() => parseKbFile('item: nope\nentries: []\n', 'f.yaml')).toThrow(
      /f\.yaml: item: unknown service item "nope"/,
    );
    expect(() => parseKbFile('{oops', 'f.json')).toThrow(/f\.json: cannot parse/);
    expect(() => parseKbFile('item: general\n', 'f.yaml')).toThrow(/f\.yaml: entries: is required/);
  });

  it('rejects duplicate ids within one file', () => {
    const text = minimal(`  - id: device-registration.a
    column: 常见问题
    title: 又一个
    answer: 回答
    source: 来源
    maintainer: device-reg
`);
    expect(() => parseKbFile(text, 'd.yaml')).toThrow(
      /entries\[1\]\.id: duplicate id "device-registration\.a"/,
    );
  });
});

describe('loadKbDirectory', () => {
  it('loads YAML and JSON files and skips the lexicon file', () => {
    const entries = loadKbDirectory(path.join(fixtures, 'kb'));
    expect(entries.map((e) => e.id)).toContain('cosmetics-production-license.validity');
    expect(entries.map((e) => e.id)).toContain('device-registration.renewal-timing');
    expect(entries).toHaveLength(9);
  });

  it('is all-or-nothing and reports every problem of every file, duplicates across files included', () => {
    const messages = issuesOf(() => loadKbDirectory(path.join(fixtures, 'bad'))).map(formatKbIssue);
    expect(messages).toEqual([
      expect.stringMatching(/a\.yaml: entries\[0\]\.column: unknown column "FAQ"/),
      expect.stringMatching(/a\.yaml: entries\[1\]\.item: unknown service item "vaccines"/),
      expect.stringMatching(/a\.yaml: entries\[2\]\.source: is required/),
      expect.stringMatching(
        /b\.yaml: entries\[0\]\.id: duplicate id "device-registration\.one" \(first defined in .*a\.yaml\)/,
      ),
    ]);
  });

  it('fails clearly on a folder that does not exist', () => {
    expect(() => loadKbDirectory(path.join(fixtures, 'missing'))).toThrow(/cannot read KB folder/);
  });
});

describe('KB ids and the config', () => {
  // The KB file schema lists the item and department ids; they must be the config's own.
  it('names exactly the service items (plus general) and departments of config/default.yaml', () => {
    const config = loadConfig({ env: {}, cwd: process.cwd() });
    expect([...KB_ITEMS].sort()).toEqual([...config.items.map((i) => i.id), 'general'].sort());
    expect([...KB_DEPARTMENTS].sort()).toEqual(config.departments.map((d) => d.id).sort());
  });
});
