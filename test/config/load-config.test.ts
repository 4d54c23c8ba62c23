import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { calendarFromConfig, loadConfig } from '../../src/config/index.ts';
import { STAFF_ROLES } from '../../src/config/config-schema.ts';
import { helpersOnDuty } from '../../src/core/rota.ts';
import { defaultConfigText, replaceOnce, repoRoot, tempDir, writeFile } from './fixtures.ts';

/** A copy of default.yaml with one port, to tell files apart. */
const withPort = (port: number) => replaceOnce(defaultConfigText, 'port: 3000', `port: ${port}`);

describe('choosing the file', () => {
  it('reads <cwd>/config/default.yaml by default', () => {
    const config = loadConfig({ env: {}, cwd: repoRoot });
    expect(config.source).toBe(path.join('config', 'default.yaml'));
    expect(config.server.port).toBe(3000);
  });

  it('prefers the explicit file over BANGBAN_CONFIG over the default, relative to cwd', () => {
    const dir = tempDir();
    writeFile(dir, 'config/default.yaml', withPort(3001));
    writeFile(dir, 'env.yaml', withPort(3002));
    writeFile(dir, 'cli.yaml', withPort(3003));
    expect(loadConfig({ env: {}, cwd: dir }).server.port).toBe(3001);
    expect(loadConfig({ env: { BANGBAN_CONFIG: 'env.yaml' }, cwd: dir }).server.port).toBe(3002);
    expect(loadConfig({ env: { BANGBAN_CONFIG: 'env.yaml' }, cwd: dir, file: 'cli.yaml' }).server.port).toBe(
      3003,
    );
    expect(loadConfig({ env: { BANGBAN_CONFIG: path.join(dir, 'env.yaml') }, cwd: repoRoot }).source).toBe(
      path.join(dir, 'env.yaml'),
    );
  });

  it('writes nothing, not even the data folder', () => {
    const dir = tempDir();
    writeFile(dir, 'config/default.yaml', defaultConfigText);
    const config = loadConfig({ env: {}, cwd: dir });
    expect(config.server.dataDir).toBe(path.join(dir, 'data'));
    expect(existsSync(config.server.dataDir)).toBe(false);
    expect(readdirSync(dir)).toEqual(['config']);
  });
});

describe('files that cannot be used', () => {
  it('names a missing file', () => {
    const dir = tempDir();
    expect(() => loadConfig({ env: {}, cwd: dir, file: 'missing.yaml' })).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining('missing.yaml: cannot read the config file: no such file (ENOENT)'),
        details: expect.objectContaining({ file: 'missing.yaml' }),
      }),
    );
  });

  it('names a directory given as the file', () => {
    expect(() => loadConfig({ env: {}, cwd: repoRoot, file: 'config' })).toThrow(
      /config: cannot read the config file/,
    );
  });

  it('reports YAML syntax errors with the line', () => {
    const dir = tempDir();
    writeFile(dir, 'bad.yaml', 'server:\n  port: 3000\n  port: 3001\n');
    expect(() => loadConfig({ env: {}, cwd: dir, file: 'bad.yaml' })).toThrow(
      /bad\.yaml: YAML syntax error: Map keys must be unique \(line 3\)/,
    );
    writeFile(dir, 'bad2.yaml', 'items: [\n  { id: x\n');
    expect(() => loadConfig({ env: {}, cwd: dir, file: 'bad2.yaml' })).toThrow(
      /bad2\.yaml: YAML syntax error: .*\(line \d+\)/,
    );
  });

  it('reports schema and cross-check problems with the path and the line of the field', () => {
    const dir = tempDir();
    // The first shift line starting at 13:30 is rota.shifts[1].
    const text = replaceOnce(
      replaceOnce(defaultConfigText, "      start: '13:30'", "      start: '1:30'"),
      'maxOpenPerHelper: 5',
      'maxOpenPerHelpr: 5',
    );
    writeFile(dir, 'config/default.yaml', text);
    const lineOf = (needle: string) => text.split('\n').findIndex((line) => line.includes(needle)) + 1;
    const error = expect.objectContaining({ code: 'config_invalid' });
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(error);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `config/default.yaml: rota.shifts[1].start: expected HH:mm (line ${lineOf("start: '1:30'")})`,
    );
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      `config/default.yaml: sla.maxOpenPerHelpr: unknown field (line ${lineOf('maxOpenPerHelpr')})`,
    );

    const unknownItem = replaceOnce(
      defaultConfigText,
      '- item: device-production-license',
      '- item: device-production-licence',
    );
    writeFile(dir, 'config/default.yaml', unknownItem);
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(
      /config\/default\.yaml: rota\.shifts\[7\]\.item: unknown service item 'device-production-licence' \(line \d+\)/,
    );
  });

  it('reports environment problems together with the file', () => {
    expect(() => loadConfig({ env: { PORT: 'eighty' }, cwd: repoRoot })).toThrow(
      /environment: PORT: expected a port number/,
    );
  });
});

describe('config/default.yaml', () => {
  const config = loadConfig({ env: {}, cwd: repoRoot });

  it('describes the five service items with online human help and their departments', () => {
    expect(config.items.map((item) => [item.id, item.name, item.department])).toEqual([
      ['preparation-registration', '医疗机构制剂注册', 'drug-reg'],
      ['drug-production-license', '药品生产企业许可', 'drug-sup'],
      ['device-registration', '第二类医疗器械产品注册', 'device-reg'],
      ['device-production-license', '第二、三类医疗器械生产许可', 'device-sup'],
      ['cosmetics-production-license', '化妆品生产许可', 'cosmetics-sup'],
    ]);
    for (const item of config.items) {
      expect(item.hours).toEqual([
        { start: '09:00', end: '11:30' },
        { start: '13:30', end: '17:00' },
      ]);
    }
  });

  it('has the eight departments, each with a supervisor', () => {
    expect(config.departments.map((d) => `${d.id} ${d.name}`)).toEqual([
      'drug-reg 药品注册处',
      'drug-sup 药品监管处',
      'device-reg 器械注册处',
      'device-sup 器械监管处',
      'cosmetics-sup 化妆品监管处',
      'legal 法规处',
      'general-office 综合处',
      'service-center 行政服务中心',
    ]);
    for (const department of config.departments) {
      expect(config.staff.some((s) => s.department === department.id && s.roles.includes('supervisor'))).toBe(
        true,
      );
    }
  });

  it('has demo staff for every role, with work-chat identities', () => {
    for (const role of STAFF_ROLES) expect(config.staff.some((s) => s.roles.includes(role))).toBe(true);
    expect(config.staff.every((s) => s.identities.wecom !== undefined)).toBe(true);
  });

  it('staffs every item with a primary and a backup in every shift of every working weekday', () => {
    const calendar = calendarFromConfig(config);
    // Monday 2026-11-23 to Friday 2026-11-27: an ordinary week with nobody on leave.
    for (let day = 23; day <= 27; day += 1) {
      for (const time of ['09:00', '11:29', '13:30', '16:59']) {
        const instant = new Date(`2026-11-${day}T${time}:00+08:00`);
        for (const item of config.items) {
          const onDuty = helpersOnDuty(config.rota, item.id, instant, calendar);
          expect(onDuty.primary.length, `${item.id} ${instant.toISOString()}`).toBeGreaterThan(0);
          expect(onDuty.backup.length, `${item.id} ${instant.toISOString()}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('has a leave entry and real calendar settings', () => {
    expect(config.rota.leave.length).toBeGreaterThanOrEqual(1);
    expect(config.calendar.alwaysOpen).toBe(false);
    expect(config.sla).toMatchObject({ firstResponseSeconds: 60, reminderSeconds: [30, 50] });
  });
});
