import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.ts';
import { defaultRaw } from './fixtures.ts';

const SOURCE = 'config/test.yaml';
const parse = (raw: unknown) => parseConfig(raw, {}, SOURCE, { cwd: '/srv/bangban' });

/** The messages of the config_invalid error thrown for `raw`, one per issue. */
function problems(raw: unknown): string[] {
  let thrown: unknown;
  try {
    parse(raw);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ code: 'config_invalid' });
  const details = (thrown as { details: { issues: { path: string; message: string }[] } }).details;
  return details.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

describe('parseConfig on the default data', () => {
  it('returns a typed, deep-frozen config with defaults filled in', () => {
    const config = parse(defaultRaw());
    expect(config.source).toBe(SOURCE);
    expect(config.server).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/bangban/data',
      logLevel: 'info',
    });
    expect(config.sla.firstResponseSeconds).toBe(60);
    expect(config.sla.reminderSeconds).toEqual([30, 50]);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.rota.shifts[0]?.primary)).toBe(true);
    expect(() => (config.items as unknown as unknown[]).push({})).toThrow(TypeError);
  });

  it('fills SLA and calendar defaults when the sections are left out', () => {
    const raw = defaultRaw();
    delete raw.sla;
    delete raw.calendar;
    delete raw.server;
    const config = parse(raw);
    expect(config.sla).toMatchObject({
      firstResponseSeconds: 60,
      reminderSeconds: [30, 50],
      maxOpenPerHelper: 5,
    });
    expect(config.sla.escalation).toEqual({
      reassignAfterSeconds: 60,
      maxReassignments: 3,
      notifySupervisor: true,
    });
    expect(config.calendar).toEqual({
      alwaysOpen: false,
      officeHours: [
        { start: '09:00', end: '11:30' },
        { start: '13:30', end: '17:00' },
      ],
      years: {},
    });
  });
});

describe('the error message', () => {
  it('lists every issue as <file>: <path>: <reason> and carries them in details', () => {
    const raw = defaultRaw();
    raw.rota.shifts[2].start = '9:00';
    raw.sla.firstResponseSeconds = 'sixty';
    expect(() => parse(raw)).toThrow(
      expect.objectContaining({
        code: 'config_invalid',
        message: expect.stringContaining('config/test.yaml: rota.shifts[2].start: expected HH:mm'),
        details: {
          file: SOURCE,
          issues: [
            { source: SOURCE, path: 'rota.shifts[2].start', message: 'expected HH:mm' },
            { source: SOURCE, path: 'sla.firstResponseSeconds', message: 'expected a whole number' },
          ],
        },
      }),
    );
    expect(() => parse(raw)).toThrow('config/test.yaml: sla.firstResponseSeconds: expected a whole number');
  });
});

describe('schema errors', () => {
  it('names misspelt and unknown fields', () => {
    const raw = defaultRaw();
    raw.rota.shifts[0].primay = raw.rota.shifts[0].primary;
    raw.channels = {};
    expect(problems(raw)).toEqual(['rota.shifts[0].primay: unknown field', 'channels: unknown field']);
  });

  it('has no place for secrets: a database URL in the file is refused', () => {
    const raw = defaultRaw();
    raw.server.databaseUrl = 'postgres://u:p@db/bangban';
    expect(problems(raw)).toEqual(['server.databaseUrl: unknown field']);
  });

  it('checks types, dates, roles and weekdays', () => {
    const raw = defaultRaw();
    raw.staff[0].roles = ['helper', 'boss'];
    raw.rota.shifts[1].weekdays = [0, 8];
    raw.rota.leave[0].from = '2026-02-30';
    raw.calendar.alwaysOpen = 'yes';
    raw.items[0].hours = [{ start: '09:00', end: '17' }];
    expect(problems(raw)).toEqual([
      'items[0].hours[0].end: expected HH:mm',
      expect.stringMatching(/^staff\[0\]\.roles\[1\]: Invalid option: expected one of "helper"\|"backup"/),
      'rota.shifts[1].weekdays[0]: expected a weekday 1–7',
      'rota.shifts[1].weekdays[1]: expected a weekday 1–7',
      'rota.leave[0].from: expected an existing date YYYY-MM-DD',
      'calendar.alwaysOpen: Invalid input: expected boolean, received string',
    ]);
  });

  it('reports an empty document', () => {
    expect(problems(null)).toEqual([': the file is empty']);
  });
});

describe('cross-checks', () => {
  it('rota: unknown item and unknown staff', () => {
    const raw = defaultRaw();
    raw.rota.shifts[3].item = 'device-registrations';
    raw.rota.shifts[4].backup = ['nobody'];
    expect(problems(raw)).toEqual([
      "rota.shifts[3].item: unknown service item 'device-registrations'",
      "rota.shifts[4].backup[0]: unknown staff 'nobody'",
    ]);
  });

  it('rota: overlapping shifts of one item on one weekday, naming both', () => {
    const raw = defaultRaw();
    raw.rota.shifts[1].start = '11:00';
    expect(problems(raw)).toEqual([
      'rota.shifts[1]: overlaps shifts[0] for preparation-registration on weekdays 1, 2, 3, 4, 5: 11:00–17:00 vs 09:00–11:30',
    ]);
  });

  it('rota: start not before end', () => {
    const raw = defaultRaw();
    raw.rota.shifts[0].end = '09:00';
    expect(problems(raw)).toEqual(['rota.shifts[0].end: end 09:00 must be after start 09:00']);
  });

  it('rota: leave ending before it starts', () => {
    const raw = defaultRaw();
    raw.rota.leave[0] = { staff: 'zhang-wei', from: '2026-12-09', to: '2026-12-07' };
    expect(problems(raw)).toEqual([
      'rota.leave[0].to: leave ends (2026-12-07) before it starts (2026-12-09)',
    ]);
  });

  it('departments of staff and items must exist', () => {
    const raw = defaultRaw();
    raw.staff[1].department = 'drug-registration';
    raw.items[2].department = 'devices';
    expect(problems(raw)).toEqual([
      "items[2].department: unknown department 'devices'",
      "staff[1].department: unknown department 'drug-registration'",
    ]);
  });

  it('duplicate ids and duplicate work-chat userids', () => {
    const raw = defaultRaw();
    raw.departments.push({ id: 'legal', name: '法规处二' });
    raw.staff[5].identities.wecom = raw.staff[1].identities.wecom;
    expect(problems(raw)).toEqual([
      "departments[8].id: duplicate id 'legal' (also departments[5])",
      "staff[5].identities.wecom: userid 'ZhangWei' is also used by staff[1]",
    ]);
  });

  it('the id general is reserved for the KB scope', () => {
    const raw = defaultRaw();
    raw.items[0].id = 'general';
    expect(problems(raw)).toContain(
      "items[0].id: 'general' is reserved for the knowledge base's general scope",
    );
  });

  it('calendar overrides: dates in their year, not both off and on, four-digit keys', () => {
    const raw = defaultRaw();
    raw.calendar.years = {
      '2027': { holidays: ['2027-01-01', '2028-01-01'], workdays: ['2027-01-01'] },
      '27': { holidays: [] },
    };
    // Integer-like keys come first in a JavaScript object, whatever the file order.
    expect(problems(raw)).toEqual([
      'calendar.years.27: expected a four-digit year such as 2027',
      'calendar.years.2027.holidays[1]: 2028-01-01 is not in 2027',
      'calendar.years.2027.workdays[0]: 2027-01-01 is also listed in 2027.holidays; a day is either off or on',
    ]);
  });

  it('SLA reminders come before the limit, in increasing order', () => {
    const raw = defaultRaw();
    raw.sla.reminderSeconds = [50, 30, 60];
    expect(problems(raw)).toEqual([
      'sla.reminderSeconds[1]: reminders must be in increasing order (30 s after 50 s)',
      'sla.reminderSeconds[2]: 60 s must be before the first-response limit (60 s)',
    ]);
  });

  it('accepts a valid 2027 override', () => {
    const raw = defaultRaw();
    raw.calendar.years = { '2027': { holidays: ['2027-01-01'], workdays: ['2027-02-06'] } };
    expect(parse(raw).calendar.years['2027']).toEqual({ holidays: ['2027-01-01'], workdays: ['2027-02-06'] });
  });
});
