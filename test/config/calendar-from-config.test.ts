import { describe, expect, it } from 'vitest';
import { calendarFromConfig, parseConfig, workingHoursOf } from '../../src/config/index.ts';
import { defaultRaw } from './fixtures.ts';

const configWith = (calendar: Record<string, unknown>) => {
  const raw = defaultRaw();
  raw.calendar = { ...raw.calendar, ...calendar };
  return parseConfig(raw, {}, 'test.yaml', { cwd: '/tmp' });
};

describe('calendarFromConfig', () => {
  it('applies the year overrides from the config', () => {
    const calendar = calendarFromConfig(
      configWith({ years: { '2027': { holidays: ['2027-01-01'], workdays: [] } } }),
    );
    expect(calendar.isWorkday('2027-01-01')).toBe(false);
    expect(calendar.isWorkday('2027-01-04')).toBe(true);
  });

  it('carries the alwaysOpen switch', () => {
    expect(calendarFromConfig(configWith({})).alwaysOpen).toBe(false);
    expect(calendarFromConfig(configWith({ alwaysOpen: true })).alwaysOpen).toBe(true);
  });
});

describe('workingHoursOf', () => {
  const config = configWith({ officeHours: [{ start: '08:30', end: '17:30' }] });

  it("returns an item's hours", () => {
    expect(workingHoursOf(config, 'device-registration')).toEqual([
      { start: '09:00', end: '11:30' },
      { start: '13:30', end: '17:00' },
    ]);
  });

  it('returns the office hours without an item or for the general scope', () => {
    expect(workingHoursOf(config)).toEqual([{ start: '08:30', end: '17:30' }]);
    expect(workingHoursOf(config, 'general')).toEqual([{ start: '08:30', end: '17:30' }]);
  });

  it('throws not_found for an unknown item', () => {
    expect(() => workingHoursOf(config, 'nope')).toThrow(expect.objectContaining({ code: 'not_found' }));
  });
});
