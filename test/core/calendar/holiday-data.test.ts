import cd from 'chinese-days';
import { describe, expect, it } from 'vitest';
import {
  checkCalendarOverrides,
  HolidayData,
  packageCoverage,
} from '../../../src/core/calendar/holiday-data.ts';

describe('packageCoverage', () => {
  it('finds the years chinese-days has data for, ending before the first year it would guess', () => {
    const span = packageCoverage();
    expect(span.first).toBe(2004);
    expect(span.last).toBeGreaterThanOrEqual(2026);
    expect(cd.getHolidaysInRange(`${span.last}-01-01`, `${span.last}-12-31`, false).length).toBeGreaterThan(
      0,
    );
    // The trap the guard exists for: the package calls a day of an uncovered year a workday.
    expect(cd.isWorkday(`${span.last + 1}-01-01`)).toBe(true);
  });
});

describe('HolidayData', () => {
  it('throws calendar_data_missing for the first uncovered year', () => {
    const next = packageCoverage().last + 1;
    expect(() => new HolidayData({}).isWorkday(`${next}-01-01`)).toThrow(
      expect.objectContaining({
        code: 'calendar_data_missing',
        details: { year: next, date: `${next}-01-01` },
      }),
    );
  });

  it('refuses invalid overrides with their paths', () => {
    expect(() => new HolidayData({ '27': { holidays: [], workdays: [] } })).toThrow(
      /calendar\.years\.27: expected a four-digit year/,
    );
  });
});

describe('checkCalendarOverrides', () => {
  it('accepts a well-formed year', () => {
    expect(
      checkCalendarOverrides({ '2027': { holidays: ['2027-01-01'], workdays: ['2027-02-06'] } }),
    ).toEqual([]);
  });

  it('lists every problem with a path relative to calendar.years', () => {
    expect(
      checkCalendarOverrides({
        '2027': { holidays: ['2027-01-01', '2026-12-31', '2027-13-01'], workdays: ['2027-01-01'] },
        x27: { holidays: [], workdays: [] },
      }),
    ).toEqual([
      { path: '2027.holidays[1]', message: '2026-12-31 is not in 2027' },
      { path: '2027.holidays[2]', message: "invalid date '2027-13-01': expected YYYY-MM-DD" },
      {
        path: '2027.workdays[0]',
        message: '2027-01-01 is also listed in 2027.holidays; a day is either off or on',
      },
      { path: 'x27', message: 'expected a four-digit year such as 2027' },
    ]);
  });
});
